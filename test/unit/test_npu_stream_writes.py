"""Outputs a task writes once, in order, streamed out of its core by pieces
(npu_stream_reads' write side, `row_written`): a task storing b[i] in
iteration i of one loop (every element of the piece stored, no other task
touching the array) holds two pieces of the output instead of its block,
acquiring a fresh object per piece and releasing it once the piece's
iterations are done; the shim writes each piece to its place. Refused before
for a tile's memory: fir(int16, 16, 65536) (128 KiB of Y on the last tap),
producer_consumer(int32, 65536) (256 KiB of B on the consumer), a prefix scan
and a row-major block scan writing 64 KiB blocks per worker (1-D and by rows)."""

from __future__ import annotations

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Layout, int16, int32
from dato_xdsl.dialects import dato as ir
from dato_xdsl.transforms.npu_plan import plan_group
from dato_xdsl.transforms.npu_stream_reads import ROW_DEPTH, row_written, stream_group_reads
from dato_xdsl.transforms.npu_tile_memory import TileMemory
from test.unit.npu_fifos import fifo_shapes
from test.unit.programs import dato_programs as dp
from test.unit.programs import npu_fanout_programs as fp

S, R = Layout.Shard, Layout.Replicate


def prefix_scan(T, N: int, P: int):
    """Each of P workers writes the running sums of its N / P elements."""

    @dato.region()
    def top(A: T[N], B: T[N]):
        @dato.kernel(mapping=[P], args=[A, B])
        def w(a: T[N] @ [S(0)], b: T[N] @ [S(0)]):
            acc: T = 0
            for i in range(N // P):
                acc += a[i]
                b[i] = acc

    return top


def block_scan(T, M: int, N: int, P: int):
    """Each of P workers writes the running sums of its M / P x N block of A
    in row-major order, a row of B per iteration of its outer loop (one sum
    carried through all: no cut into independent parts)."""

    @dato.region()
    def top(A: T[M, N], B: T[M, N]):
        @dato.kernel(mapping=[P], args=[A, B])
        def w(a: T[M, N] @ [S(0), R], b: T[M, N] @ [S(0), R]):
            acc: T = 0
            for i in range(M // P):
                for j in range(N):
                    acc += a[i, j]
                    b[i, j] = acc

    return top


def test_fir_streams_its_output_out_of_the_last_tap(tmp_path):
    N, TAPS = 65536, 16
    rng = np.random.default_rng(7)
    x = rng.integers(-50, 50, N).astype(np.int16)
    h = rng.integers(-8, 8, TAPS).astype(np.int16)
    # y[n] = sum_j h[j] x[n - j], wrapping in int16
    want = np.convolve(x.astype(np.int64), h.astype(np.int64))[:N].astype(np.int16)
    mod = dato.build(fp.fir(int16, TAPS, N), target="aie", project=tmp_path)
    assert fifo_shapes(mod)["Y_out0"] == [512]  # 1 KiB pieces, not 128 KiB
    y = np.full(N, -3, np.int16)
    mod(x, h, y)
    np.testing.assert_array_equal(y, want)


def test_producer_consumer_streams_both_ends(tmp_path):
    N = 65536
    a = np.random.default_rng(3).integers(-1000, 1000, N).astype(np.int32)
    mod = dato.build(dp.producer_consumer(int32, N), target="aie", project=tmp_path)
    fifos = fifo_shapes(mod)
    assert fifos["A_in0"] == [256] and fifos["B_out0"] == [256]
    b = np.full(N, 5, np.int32)
    mod(a, b)
    np.testing.assert_array_equal(b, (a + 1) * 2)
    sim = np.zeros(N, np.int32)
    dato.build(dp.producer_consumer(int32, N))(a, sim)
    np.testing.assert_array_equal(b, sim)


@pytest.mark.parametrize(
    ("T", "dt", "N", "P"), [(int32, np.int32, 65536, 4), (int16, np.int16, 131072, 4)]
)
def test_prefix_scan_of_64_kib_blocks(tmp_path, T, dt, N: int, P: int):
    a = np.random.default_rng(N).integers(-100, 100, N).astype(dt)
    mod = dato.build(prefix_scan(T, N, P), target="aie", project=tmp_path)
    # each core's fifo carries 1 KiB pieces (the memtile joins one of each core)
    piece = 1024 // np.dtype(dt).itemsize
    outs = [s for n, s in fifo_shapes(mod).items() if n.startswith("B_out")]
    assert [piece] in outs and all(s[0] <= P * piece for s in outs)
    b = np.zeros(N, dt)
    mod(a, b)
    want = np.cumsum(a.reshape(P, -1).astype(np.int64), axis=1).astype(dt).reshape(-1)
    np.testing.assert_array_equal(b, want)


def test_block_scan_streams_rows_out(tmp_path):
    M, N, P = 256, 256, 4  # 64 KiB of A and of B per worker
    a = np.random.default_rng(11).integers(-100, 100, (M, N)).astype(np.int32)
    mod = dato.build(block_scan(int32, M, N, P), target="aie", project=tmp_path)
    outs = [s for n, s in fifo_shapes(mod).items() if n.startswith("B_out")]
    assert [1, N] in outs and all(np.prod(s) <= P * N for s in outs)
    b = np.zeros((M, N), np.int32)
    mod(a, b)
    blocks = a.reshape(P, -1).astype(np.int64)
    np.testing.assert_array_equal(b, np.cumsum(blocks, axis=1).astype(np.int32).reshape(M, N))


def test_tile_memory_counts_two_pieces_and_no_host_copy():
    """The consumer of producer_consumer(int32, 4096): B (16 KiB) streamed out
    counts ROW_DEPTH pieces of 1 KiB on its tile, and nothing for a host copy
    (its stores cover every piece: none comes in)."""
    mapped = dato.build(dp.producer_consumer(int32, 4096), target="simulator").mapped
    (region,) = [op for op in mapped.walk() if isinstance(op, ir.RegionOp)]
    consumer = next(g for g in region.groups() if g.sym_name.data == "consumer")
    assert stream_group_reads(consumer, 0, set()) == [0]
    assert row_written(consumer) == {0}
    plan = plan_group(consumer)
    assert plan.writes[0]
    memory = TileMemory([(plan, consumer.instances()[0])], {})
    memory.locals(plan, consumer.instances()[0], {})
    memory.fifo("argument 0", (1, True), 16384)
    memory.fifo("argument 0", (1, False), 16384)
    assert (1, True) not in memory.fifos
    assert memory.fifos[(1, False)][1] == ROW_DEPTH * 1024
