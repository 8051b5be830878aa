# ruff: noqa: F821
"""dato-npu-chunk-rows on the virtual NPU: a lane walking its shard of a
1-D signal chunk by chunk (`a[c * CH + i]`) no longer holds the whole shard
(issue 12: pipe3 over 64 Ki int16 per lane was refused for memory). The
shard is seen as rows of a chunk, stream-reads streams a row per iteration,
and the results equal numpy bit for bit."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import dato_xdsl as dato
from dato_xdsl import Layout, Stream, int16, int32
from test.unit.npu_fifos import fifo_lines

S = Layout.Shard
P = 2
NL = 34816  # a lane's int16 shard: 68 KiB, more than a core's 63 KiB
CH = 2048  # a chunk: 4 KiB, 1024 DMA words (pipe3_i16_64k's)
N = P * NL


def _lanes(ch: int) -> object:
    nc = NL // ch

    @dato.region()
    def top(A: int16[N], B: int16[N], C: int16[N]):
        s: Stream[int16[ch], 2][P]

        @dato.kernel(mapping=[P], args=[A])
        def scale(a: int16[N] @ [S(0)]):
            p = dato.get_pid()
            for c in range(nc):
                blk: int16[ch] = 0
                for i in range(ch):
                    blk[i] = a[c * ch + i] * 3
                s[p].put(blk)

        @dato.kernel(mapping=[P], args=[B, C])
        def addb(b: int16[N] @ [S(0)], cc: int16[N] @ [S(0)]):
            p = dato.get_pid()
            for c in range(nc):
                x = s[p].get()
                for i in range(ch):
                    cc[c * ch + i] = x[i] + b[c * ch + i]

    return top


def test_lanes_walking_their_shards_by_chunks_stream_rows(tmp_path: Path) -> None:
    ch = CH  # 1024 words a row: the shard's rows are contiguous, moved linearly
    rng = np.random.default_rng(7)
    a = rng.integers(-32768, 32768, N).astype(np.int16)
    b = rng.integers(-32768, 32768, N).astype(np.int16)
    c = np.zeros(N, np.int16)
    mod = dato.build(_lanes(ch), target="aie", project=tmp_path)
    mod(a, b, c)
    want = ((a.astype(np.int64) * 3).astype(np.int16).astype(np.int64) + b).astype(np.int16)
    np.testing.assert_array_equal(c, want)
    # every fifo of A, B or C at a core carries one row of a chunk, 2 deep
    # (the memtile may gather more): no core holds a shard
    at_cores = [
        line
        for line in fifo_lines(tmp_path)
        if "%core" in line and any(f"@{x}_" in line for x in "ABC")
    ]
    assert len(at_cores) == 3 * P
    assert all(f"2 : i32) : !aie.objectfifo<memref<1x{ch}xi16>>" in line for line in at_cores)


def test_a_loader_sending_slices_streams_them(tmp_path: Path) -> None:
    # a loader sending a[c * CH : (c + 1) * CH] (a slice, folded into loads
    # by dato-npu-fold-slices) of a 68 KiB int32 array, a writer storing
    # b[c * CH : (c + 1) * CH] from the stream
    n, ch = 17408, 512

    @dato.region()
    def top(A: int32[n], B: int32[n]):
        link: Stream[int32[ch], 2]

        @dato.kernel(mapping=[1], args=[A])
        def load(a: int32[n]):
            for c in range(n // ch):
                link.put(a[c * ch : (c + 1) * ch])

        @dato.kernel(mapping=[1], args=[B])
        def store(b: int32[n]):
            for c in range(n // ch):
                b[c * ch : (c + 1) * ch] = link.get()

    a = np.random.default_rng(3).integers(-(2**31), 2**31, n).astype(np.int32)
    b = np.zeros(n, np.int32)
    dato.build(top, target="aie", project=tmp_path)(a, b)
    np.testing.assert_array_equal(b, a)
    assert not any(f"memref<{n}xi32>" in line for line in fifo_lines(tmp_path))
