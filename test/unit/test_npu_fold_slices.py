# ruff: noqa: F821
"""dato-npu-fold-slices on the virtual NPU: slices of a task's argument
read as loads of the argument itself, so the core receives only what it
reads (issue 12). A node copying its pid's block of a replicated matrix gets
that block, not the matrix; a row softmax whose 64 KiB block per lane did
not fit a core streams its rows. Results equal numpy (integers bit for bit)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import dato_xdsl as dato
from dato_xdsl import Layout, Stream, float32, int32
from test.unit.npu_fifos import fifo_lines

S = Layout.Shard
R = Layout.Replicate


def test_a_pid_slice_of_a_replicated_matrix_moves_as_a_box(tmp_path: Path) -> None:
    m, p = 64, 2
    mb = m // p

    @dato.region()
    def top(A: int32[m, m], C: int32[m, m]):
        @dato.kernel(mapping=[p, p], args=[A, C])
        def node(a: int32[m, m], c: int32[m, m] @ [S(0), S(1)]):
            i, j = dato.get_pid()
            blk: int32[mb, mb] = 0
            blk[:, :] = a[i * mb : (i + 1) * mb, j * mb : (j + 1) * mb]
            c[:, :] = dato.add(blk, blk)

    a = np.random.default_rng(5).integers(-(2**30), 2**30, (m, m)).astype(np.int32)
    c = np.zeros((m, m), np.int32)
    dato.build(top, target="aie", project=tmp_path)(a, c)
    np.testing.assert_array_equal(c, (2 * a.astype(np.int64)).astype(np.int32))
    fifos = fifo_lines(tmp_path, "A")
    # every core's fifo of A carries its 32x32 block (the whole 64x64 before)
    assert fifos and all(f"memref<{mb}x{mb}xi32>" in line for line in fifos if "%core" in line)
    assert not any(f"memref<{m}x{m}xi32>" in line for line in fifos)


def test_a_row_softmax_over_a_core_streams_its_rows(tmp_path: Path) -> None:
    m, n, p = 64, 512, 2  # 32 rows of 2 KiB per lane: 64 KiB, over a core
    mb = m // p

    @dato.region()
    def top(X: float32[m, n], Y: float32[m, n]):
        e: Stream[float32[n], 2][p]

        @dato.kernel(mapping=[p], args=[X])
        def s1(x: float32[m, n] @ [S(0), R]):
            q = dato.get_pid()
            for r in range(mb):
                big: float32 = dato.max(x[r, :])
                e[q].put(dato.exp(x[r, :] - big))

        @dato.kernel(mapping=[p], args=[Y])
        def s2(y: float32[m, n] @ [S(0), R]):
            q = dato.get_pid()
            for r in range(mb):
                v = e[q].get()
                t: float32 = dato.sum(v)
                y[r, :] = v / t

    x = np.random.default_rng(1).standard_normal((m, n)).astype(np.float32) * 4
    y = np.zeros((m, n), np.float32)
    dato.build(top, target="aie", project=tmp_path)(x, y)
    z = np.exp(x.astype(np.float64) - x.max(1, keepdims=True))
    np.testing.assert_allclose(y, z / z.sum(1, keepdims=True), rtol=1e-4, atol=1e-6)
    # the lanes' fifos of X carry one row of 512 floats
    cores = [line for line in fifo_lines(tmp_path, "X") if "%core" in line]
    assert len(cores) == p and all(f"memref<1x{n}xf32>" in line for line in cores)
