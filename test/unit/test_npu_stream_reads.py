"""Blocks a task reads once, row after row, streamed to its core by rows
(npu_stream_reads): split_gemv(512, 1024, 16), whose workers each read a
32x512 int32 box of A (64 KiB, a whole tile), was refused for a tile's
memory; each core now holds two rows of A and the design equals numpy on the
virtual NPU. A block read out of row order, or small enough to fit, moves
whole as before."""

import numpy as np
import pytest
from xdsl.dialects import scf

import dato_xdsl as dato
from dato_xdsl import Layout, float32, int16, int32
from dato_xdsl.dialects import dato as ir
from dato_xdsl.dialects.aie import memref_bytes
from dato_xdsl.transforms.npu_plan import plan_group
from dato_xdsl.transforms.npu_read_boxes import box_group_reads
from dato_xdsl.transforms.npu_stream_reads import (
    ROW_DEPTH,
    ROW_LOOP,
    row_loop,
    row_pieces,
    stream_group_reads,
)
from dato_xdsl.transforms.npu_tile_memory import TileMemory
from test.unit.npu_fifos import fifo_shapes
from test.unit.programs.gemv_data import gemv_arrays, gemv_reference
from test.unit.programs.npu_fanout_programs import split_gemv

S, R = Layout.Shard, Layout.Replicate


@pytest.mark.parametrize(("M", "N", "P"), [(512, 1024, 16), (512, 1024, 8), (256, 512, 4)])
def test_split_gemv_streams_rows_of_a(tmp_path, M: int, N: int, P: int):
    A, x, y = gemv_arrays(M, N, M + N + P)
    mod = dato.build(split_gemv(M, N, P), target="aie", project=tmp_path)
    # A's fifos carry one row of a worker's half (N / 2 columns), not its box
    a_fifos = {n: s for n, s in fifo_shapes(mod).items() if n.startswith("A_in")}
    assert a_fifos and [1, N // 2] in a_fifos.values()
    mod(A, x, y)
    np.testing.assert_array_equal(y, gemv_reference(A, x))


def row_scale(T, M: int, N: int, P: int):
    """out[m, :] = a[m, :] * w[m]: each of P tasks its rows of a (sharded),
    read row by row, written row by row."""

    @dato.region()
    def top(A: T[M, N], w: T[M], out: T[M, N]):
        @dato.kernel(mapping=[P], args=[A, w, out])
        def k(a: T[M, N] @ [S(0), R], v: T[M] @ [S(0)], o: T[M, N] @ [S(0), R]):
            for m in range(M // P):
                for n in range(N):
                    o[m, n] = a[m, n] * v[m]

    return top


def gemv_rows_on_stream(T, M: int, N: int, P: int):
    """y = A x with A's rows sharded over P tasks, each sending its row
    results one by one on a stream to a writer task."""

    @dato.region()
    def top(A: T[M, N], x: T[N], y: T[M]):
        s: dato.Stream[T, 4][P]

        @dato.kernel(mapping=[P], args=[A, x])
        def dot(a: T[M, N] @ [S(0), R], v: T[N]):
            p = dato.get_pid()
            for m in range(M // P):
                acc: T = 0
                for n in range(N):
                    acc += a[m, n] * v[n]
                s[p].put(acc)  # noqa: F821 (a stream the frontend declares)

        @dato.kernel(mapping=[P], args=[y])
        def store(o: T[M] @ [S(0)]):
            p = dato.get_pid()
            for m in range(M // P):
                o[m] = s[p].get()  # noqa: F821

    return top


@pytest.mark.parametrize(("T", "M", "N", "P"), [(int32, 512, 512, 4), (int16, 1024, 1024, 8)])
def test_sharded_rows_streamed(tmp_path, T, M: int, N: int, P: int):
    """A sharded block (int32: 128 rows of 512, 256 KiB per task; int16: 128
    rows of 1024, 256 KiB) read in row order: far over a tile, streamed by
    rows; equal to the simulator and numpy."""
    rng = np.random.default_rng(M * N)
    dt = np.int32 if T is int32 else np.int16
    A = rng.integers(-100, 100, (M, N)).astype(dt)
    x = rng.integers(-100, 100, N).astype(dt)
    y = np.zeros(M, dt)
    sim_y = y.copy()
    dato.build(gemv_rows_on_stream(T, M, N, P))(A, x, sim_y)
    mod = dato.build(gemv_rows_on_stream(T, M, N, P), target="aie", project=tmp_path)
    assert [1, N] in fifo_shapes(mod).values()
    mod(A, x, y)
    np.testing.assert_array_equal(y, sim_y)
    np.testing.assert_array_equal(y, gemv_reference(A, x))


def test_block_written_row_by_row_is_not_streamed_but_its_input_is(tmp_path):
    """The input a is streamed (rows read in order); the output o is
    written, never streamed: it is refused or moved as the other passes
    decide, here a 128x128 int32 output (64 KiB over 2 tasks: 32 KiB each)."""
    M, N, P = 128, 128, 2
    rng = np.random.default_rng(3)
    A = rng.integers(-100, 100, (M, N)).astype(np.int32)
    w = rng.integers(-100, 100, M).astype(np.int32)
    out = np.zeros((M, N), np.int32)
    mod = dato.build(row_scale(int32, M, N, P), target="aie", project=tmp_path)
    mod(A, w, out)
    np.testing.assert_array_equal(out, A * w[:, None])


def test_small_blocks_move_whole(tmp_path):
    """split_gemv(64, 64, 2): every block fits a tile, nothing is streamed."""
    mod = dato.build(split_gemv(64, 64, 2), target="aie", project=tmp_path)
    assert not any(ROW_LOOP in op.attributes for op in mod.aie.walk())
    assert [1, 32] not in fifo_shapes(mod).values()
    A, x, y = gemv_arrays(64, 64, 1, bound=100)
    mod(A, x, y)
    np.testing.assert_array_equal(y, gemv_reference(A, x))


def test_row_loop_by_hand():
    """lo's whole A is not walked row by row in full (lo_p reads rows 32p ..
    32p + 31 of 64); after its read box (32 rows) the outer loop walks it,
    one row per iteration. v (1-D) has no rows to stream."""
    mapped = dato.build(split_gemv(64, 64, 2), target="simulator").mapped
    (region,) = [op for op in mapped.walk() if isinstance(op, ir.RegionOp)]
    lo = next(g for g in region.groups() if g.sym_name.data == "lo")
    assert row_loop(lo, 0) is None
    box_group_reads(region, lo, whole_bytes=0)
    loop = row_loop(lo, 0)
    assert isinstance(loop, scf.ForOp) and loop.parent_block() is lo.body.block
    assert row_loop(lo, 1) is None
    assert row_pieces(lo) == {}  # nothing marked before the pass


def layer_with_weight_input(T, BS: int, K: int, N: int):
    """Allo's test_mlp first layer with its weights an input: for each of
    BS rows of x, buf = relu(x[i] @ w) put on a stream, k (w's rows) in the
    middle loop: w's rows stream, the block sent once per batch row."""

    @dato.region()
    def top(X: T[BS, K], W: T[K, N], Y: T[BS, N]):
        Z: dato.Stream[T, 4]

        @dato.kernel(mapping=[1], args=[X, W])
        def lin(x: T[BS, K], w: T[K, N]):
            buf: T[N] = 0
            for i in range(BS):
                for j0 in range(N):
                    buf[j0] = 0
                for k in range(K):
                    xv: T = x[i, k]
                    for j in range(N):
                        buf[j] += xv * w[k, j]
                for j1 in range(N):
                    Z.put(max(buf[j1], 0))  # noqa: F821 (a stream the frontend declares)

        @dato.kernel(mapping=[1], args=[Y])
        def out(y: T[BS, N]):
            for i in range(BS):
                for j in range(N):
                    y[i, j] = Z.get()  # noqa: F821

    return top


@pytest.mark.parametrize(
    ("T", "BS", "K", "N"), [(float32, 2, 256, 128), (int32, 4, 512, 64), (int16, 8, 256, 256)]
)
def test_weights_streamed_once_per_batch_row(tmp_path, T, BS: int, K: int, N: int):
    """W (float32 256x128: 128 KiB, int32 512x64: 128 KiB, int16 256x256:
    128 KiB) was refused for a tile's memory; its rows now stream, the shim
    sending W BS times (the repeat dimension), equal to the simulator."""
    dt = {int32: np.int32, int16: np.int16, float32: np.float32}[T]
    rng = np.random.default_rng(BS * K)
    X = rng.integers(-10, 10, (BS, K)).astype(dt)
    W = rng.integers(-10, 10, (K, N)).astype(dt)
    sim = np.zeros((BS, N), dt)
    dato.build(layer_with_weight_input(T, BS, K, N))(X, W, sim)
    np.testing.assert_allclose(sim, np.maximum(X.astype(np.float64) @ W, 0).astype(dt))
    mod = dato.build(layer_with_weight_input(T, BS, K, N), target="aie", project=tmp_path)
    assert fifo_shapes(mod)["W_in0"] == [1, N]
    loops = [op for op in mod.aie.walk() if ROW_LOOP in op.attributes]
    assert not loops  # the marks do not reach the design
    y = np.zeros((BS, N), dt)
    mod(X, W, y)
    np.testing.assert_array_equal(y, sim)


def _counted(groups: list[ir.GroupOp]) -> int:
    """The bytes TileMemory counts for A's fifo on a tile running the first
    instance of each group, as physical mapping calls it."""
    members = [(plan_group(g), g.instances()[0]) for g in groups]
    memory = TileMemory(members, {})
    for plan, inst in members:
        memory.locals(plan, inst, {})
        t = plan.group.body.block.args[0].type
        memory.fifo("argument 0", (0, True), memref_bytes(t))
    return memory.fifos[(0, True)][1]


def test_tile_memory_counts_two_rows_unless_a_member_reads_whole():
    """lo and hi of split_gemv(64, 64, 2) on one tile (a chain) read 32x32
    int32 boxes of A (4 KiB): streamed, their fifo holds two rows of 32
    (256 bytes); a member reading its box whole makes the tile hold it."""
    mapped = dato.build(split_gemv(64, 64, 2), target="simulator").mapped
    (region,) = [op for op in mapped.walk() if isinstance(op, ir.RegionOp)]
    groups = {g.sym_name.data: g for g in region.groups()}
    for g in groups.values():
        box_group_reads(region, g, whole_bytes=0)
    lo, hi = groups["lo"], groups["hi"]
    assert _counted([lo, hi]) == 32 * 32 * 4  # nothing streamed yet
    assert stream_group_reads(lo, 0, set()) == [0]
    assert _counted([lo, hi]) == 32 * 32 * 4  # hi holds its box
    assert _counted([hi, lo]) == 32 * 32 * 4
    assert stream_group_reads(hi, 0, set()) == [0]
    assert _counted([lo, hi]) == ROW_DEPTH * 32 * 4


def dot_parts(T, N: int, P: int):
    """P partial dot products of a and b (each task its N / P elements,
    summed in int32), sent on streams to tasks writing them out."""

    @dato.region()
    def top(A: T[N], B: T[N], Y: int32[P]):
        s: dato.Stream[int32, 2][P]

        @dato.kernel(mapping=[P], args=[A, B])
        def part(a: T[N] @ [S(0)], b: T[N] @ [S(0)]):
            p = dato.get_pid()
            acc: int32 = 0
            for n in range(N // P):
                acc += a[n] * b[n]
            s[p].put(acc)  # noqa: F821 (a stream the frontend declares)

        @dato.kernel(mapping=[P], args=[Y])
        def out(y: int32[P] @ [S(0)]):
            p = dato.get_pid()
            y[0] = s[p].get()  # noqa: F821

    return top


@pytest.mark.parametrize(("T", "N", "P"), [(int16, 131072, 4), (int32, 65536, 4)])
def test_long_vectors_stream_in_chunks(tmp_path, T, N: int, P: int):
    """Each task's blocks of a and b (64 KiB each) were refused for a tile's
    memory; they stream in 1 KiB chunks (the element loop run as chunks of
    its iterations) and the sums equal the simulator and numpy."""
    dt = np.int16 if T is int16 else np.int32
    rng = np.random.default_rng(N)
    A = rng.integers(-100, 100, N).astype(dt)
    B = rng.integers(-100, 100, N).astype(dt)
    sim = np.zeros(P, np.int32)
    dato.build(dot_parts(T, N, P))(A, B, sim)
    ref = (A.astype(np.int64) * B).reshape(P, -1).sum(axis=1).astype(np.int32)
    np.testing.assert_array_equal(sim, ref)
    mod = dato.build(dot_parts(T, N, P), target="aie", project=tmp_path)
    chunk = 1024 // np.dtype(dt).itemsize
    assert fifo_shapes(mod)["A_in0_0"] == [chunk]
    y = np.zeros(P, np.int32)
    mod(A, B, y)
    np.testing.assert_array_equal(y, ref)
