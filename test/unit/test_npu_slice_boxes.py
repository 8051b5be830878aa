"""dato-npu-slice-boxes on the virtual NPU: a node copying the block of a
replicated matrix its pids place, even through a remainder (`kk = (i + j)
% P`, as a Cannon torus skews A), receives that block, not the matrix
(issue 12: cannon_2x2_64 held two whole 16 KiB matrices per node and was
refused). Results equal numpy bit for bit."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import dato_xdsl as dato
from dato_xdsl import Layout, int32
from test.unit.npu_fifos import fifo_lines

S = Layout.Shard
M, P = 64, 2
MB = M // P


def test_a_skewed_block_moves_as_a_box(tmp_path: Path) -> None:
    @dato.region()
    def top(A: int32[M, M], C: int32[M, M]):
        @dato.kernel(mapping=[P, P], args=[A, C])
        def node(a: int32[M, M], c: int32[M, M] @ [S(0), S(1)]):
            i, j = dato.get_pid()
            kk = (i + j) % P
            blk: int32[MB, MB] = 0
            blk[:, :] = a[i * MB : (i + 1) * MB, kk * MB : (kk + 1) * MB]
            c[:, :] = dato.add(blk, blk)

    a = np.random.default_rng(11).integers(-(2**30), 2**30, (M, M)).astype(np.int32)
    c = np.zeros((M, M), np.int32)
    dato.build(top, target="aie", project=tmp_path)(a, c)
    want = np.zeros_like(c)
    for i in range(P):
        for j in range(P):
            kk = (i + j) % P
            block = a[i * MB : (i + 1) * MB, kk * MB : (kk + 1) * MB].astype(np.int64)
            want[i * MB : (i + 1) * MB, j * MB : (j + 1) * MB] = (2 * block).astype(np.int32)
    np.testing.assert_array_equal(c, want)
    fifos = fifo_lines(tmp_path, "A")
    assert fifos and not any(f"memref<{M}x{M}xi32>" in line for line in fifos)
    assert all(f"memref<{MB}x{MB}xi32>" in line for line in fifos if "%core" in line)
