"""Lanes of a pipeline that stream their blocks by rows and do not run in
step (a stream joins each lane's cores): a memtile distribute to them would
hold every row step, and when that is more than a memtile has, each lane's
block comes straight from a shim channel of its core's column instead of a
refusal (issue 12). npu1's memtile memory is lowered so a small case takes
the path the 1M-element int16 pipeline takes at 512 KiB."""

# ruff: noqa: F821 (streams are declared by annotations)

import dataclasses
from pathlib import Path

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Layout, Stream, devices, int16
from dato_xdsl.frontend.markers import RegionDef

S = Layout.Shard
RNG = np.random.default_rng(1207)


def lanes(N: int, P: int, CH: int) -> RegionDef:
    NC = N // P // CH

    @dato.region()
    def top(A: int16[N], B: int16[N], C: int16[N]):
        s1: Stream[int16[CH], 2][P]

        @dato.kernel(mapping=[P], args=[A])
        def scale(a: int16[N] @ [S(0)]):
            p = dato.get_pid()
            three: int16[CH] = 3
            for c in range(NC):
                s1[p].put(dato.mul(a[c * CH : (c + 1) * CH], three))

        @dato.kernel(mapping=[P], args=[B, C])
        def addb(b: int16[N] @ [S(0)], cc: int16[N] @ [S(0)]):
            p = dato.get_pid()
            for c in range(NC):
                cc[c * CH : (c + 1) * CH] = dato.add(s1[p].get(), b[c * CH : (c + 1) * CH])

    return top


@pytest.fixture
def small_memtiles(monkeypatch: pytest.MonkeyPatch) -> devices.NpuDevice:
    """npu1 with 2 KiB memtiles: the three arrays' 4 blocks of 1 KiB (each
    streamed in 32 row steps) no longer fit the memtiles, as 4 x 64 steps
    of 8 KiB do not fit 512 KiB."""
    npu1 = devices.DEVICES["npu1"]
    small = dataclasses.replace(
        npu1, memtile=dataclasses.replace(npu1.memtile, data_memory_bytes=2048)
    )
    monkeypatch.setitem(devices.DEVICES, "npu1", small)
    return small


def test_unsynced_lanes_read_from_their_shims(
    small_memtiles: devices.NpuDevice, tmp_path: Path
) -> None:
    N, P, CH = 2048, 4, 16
    mod = dato.build(lanes(N, P, CH), target="aie", project=tmp_path)
    A = RNG.integers(-(2**15), 2**15, N).astype(np.int16)
    B = RNG.integers(-(2**15), 2**15, N).astype(np.int16)
    C = np.zeros(N, np.int16)
    mod(A, B, C)
    want = (A.astype(np.int64) * 3).astype(np.int16).astype(np.int64) + B
    np.testing.assert_array_equal(C, want.astype(np.int16))
