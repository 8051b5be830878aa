"""Element-wise tasks whose arrays are larger than a core's memory are cut
along their axis into chunks (dato-npu-retile-elementwise) and folded onto
the cores, instead of being refused. Results on the virtual NPU against
numpy."""

import numpy as np
import pytest
from xdsl.context import Context

import dato_xdsl as dato
from dato_xdsl import Layout, int8, int16, int32
from dato_xdsl.dialects import dato as dato_ir
from dato_xdsl.transforms.npu_gemm_retile import RETILED
from dato_xdsl.transforms.npu_retile_elementwise import NpuRetileElementwisePass
from test.unit.programs import dato_programs as dp
from test.unit.programs import npu_fanout_programs as fp

S = Layout.Shard


def _ints(rng: np.random.Generator, shape: tuple[int, ...], dtype: type) -> np.ndarray:
    return rng.integers(-100, 100, shape).astype(dtype)


@pytest.mark.parametrize(
    ("T", "dtype", "N", "lanes"),
    [
        (int16, np.int16, 262144, 16),  # 32 KiB per argument per lane
        (int32, np.int32, 1048576, 16),  # 256 KiB per argument per lane
        (int8, np.int8, 1048576, 16),
        (int32, np.int32, 240000, 16),  # 15000 per lane: chunks of 1875
        (int16, np.int16, 480000, 16),  # 30000 per lane: even chunks (whole words)
    ],
)
def test_vector_add_is_cut_and_equals_numpy(T, dtype, N, lanes):
    mod = dato.build(dp.vector_add(T, N, lanes), target="aie")
    rng = np.random.default_rng(N)
    A, B = _ints(rng, (N,), dtype), _ints(rng, (N,), dtype)
    C = np.zeros(N, dtype)
    mod(A, B, C)
    np.testing.assert_array_equal(C, (A + B).astype(dtype))


@pytest.mark.parametrize(("T", "dtype", "L"), [(int32, np.int32, 8192), (int32, np.int32, 6000)])
def test_reduction_tree_of_long_rows_is_cut(T, dtype, L):
    # each leaf puts a row of L elements on a depth-2 stream (32 KiB for 8192)
    mod = dato.build(fp.reduction_tree(T, L), target="aie")
    rng = np.random.default_rng(L)
    A = _ints(rng, (8, L), dtype)
    B = np.zeros(L, dtype)
    mod(A, B)
    np.testing.assert_array_equal(B, A.sum(axis=0).astype(dtype))


def test_scatter_gather_rows_are_cut():
    # the distributor holds all of A (125 KiB) and puts rows of 4000 int32
    P, L = 8, 4000
    mod = dato.build(dp.scatter_gather(int32, P, L), target="aie")
    rng = np.random.default_rng(5)
    A = _ints(rng, (P, L), np.int32)
    B = np.zeros((P, L), np.int32)
    mod(A, B)
    np.testing.assert_array_equal(B, A * A + 1)


def test_elementwise_meta_for_lanes_are_cut():
    P, L = 4, 4096  # the loader holds A and B: 64 KiB each
    mod = dato.build(dp.elementwise_meta_for(int32, P, L), target="aie")
    rng = np.random.default_rng(6)
    A, B = _ints(rng, (P, L), np.int32), _ints(rng, (P, L), np.int32)
    C = np.zeros((P, L), np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, A + B)


def running_sum(N: int, lanes: int):
    """b[i] = a[0] + ... + a[i] within each lane's shard: a value carried
    along the axis, which no cut may divide."""

    @dato.region()
    def top(A: int32[N], B: int32[N]):
        @dato.kernel(mapping=[lanes], args=[A, B])
        def scan(a: int32[N] @ [S(0)], b: int32[N] @ [S(0)]):
            s: int32 = 0
            for i in range(N // lanes):
                s = s + a[i]
                b[i] = s

    return top


def test_a_running_sum_is_not_cut():
    # 64 KiB per lane and argument: no cut may divide the carried sum, but
    # the lane reads a[i] and writes b[i] in order, so both stream by pieces
    # (dato-npu-stream-reads) and the program maps uncut
    N, lanes = 262144, 16
    mod = dato.build(running_sum(N, lanes), target="aie")
    ir = mod.mapped.clone()
    NpuRetileElementwisePass().apply(Context(), ir)
    assert not any(RETILED in g.attributes for g in ir.walk() if isinstance(g, dato_ir.GroupOp))
    A = _ints(np.random.default_rng(8), (N,), np.int32)
    B = np.zeros(N, np.int32)
    mod(A, B)
    np.testing.assert_array_equal(B, np.cumsum(A.reshape(lanes, -1), axis=1).reshape(-1))
    # small enough as written: maps, and the sums are those of numpy
    N, lanes = 4096, 4
    mod = dato.build(running_sum(N, lanes), target="aie")
    A = _ints(np.random.default_rng(7), (N,), np.int32)
    B = np.zeros(N, np.int32)
    mod(A, B)
    np.testing.assert_array_equal(B, np.cumsum(A.reshape(lanes, -1), axis=1).reshape(-1))


def test_a_gather_that_maps_as_written_is_not_cut():
    # 64 rows of 1 KiB into one reducer: counted on both ends the reducer's
    # stream objects are 128 KiB, but memtile joins bring them in turn, so
    # the program maps as written and must keep its 65 instances
    P, L = 64, 256
    mod = dato.build(fp.gather_sum(int32, P, L), target="aie")
    ir = mod.mapped.clone()
    NpuRetileElementwisePass().apply(Context(), ir)
    groups = [g for g in ir.walk() if isinstance(g, dato_ir.GroupOp)]
    assert sorted(g.num_instances() for g in groups) == [1, P]
    assert not any(RETILED in g.attributes for g in groups)
    rng = np.random.default_rng(64)
    A = _ints(rng, (P, L), np.int32)
    B = np.zeros(L, np.int32)
    mod(A, B)
    np.testing.assert_array_equal(B, A.sum(axis=0, dtype=np.int32))


def loop_add(N: int, lanes: int):
    """c[i] = a[i] + b[i] over each lane's shard, element by element."""

    @dato.region()
    def top(A: int32[N], B: int32[N], C: int32[N]):
        @dato.kernel(mapping=[lanes], args=[A, B, C])
        def add(a: int32[N] @ [S(0)], b: int32[N] @ [S(0)], c: int32[N] @ [S(0)]):
            for i in range(N // lanes):
                c[i] = a[i] + b[i]

    return top


def test_a_loop_add_on_no_stream_that_maps_as_written_is_not_cut():
    # 64 KiB per argument (192 KiB counted whole, over the tile's 63 KiB),
    # but the loop reads a[i], b[i] and writes c[i] in order, so the
    # arguments stream by pieces and the program maps as written: the
    # as-written trial keeps it one instance (it was cut without that trial)
    N = 16384
    mod = dato.build(loop_add(N, 1), target="aie")
    ir = mod.mapped.clone()
    NpuRetileElementwisePass().apply(Context(), ir)
    groups = [g for g in ir.walk() if isinstance(g, dato_ir.GroupOp)]
    assert [g.num_instances() for g in groups] == [1]
    assert not any(RETILED in g.attributes for g in groups)
    rng = np.random.default_rng(N)
    A, B = _ints(rng, (N,), np.int32), _ints(rng, (N,), np.int32)
    C = np.zeros(N, np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, A + B)


def test_a_whole_array_add_that_does_not_map_as_written_is_still_cut():
    # c[:] = a + b holds each lane's three 64 KiB shards whole: the
    # as-written trial fails and the cut goes on; chunks of 4096 are three
    # 16 KiB arguments, 96 KiB double-buffered, and do not map, so
    # 8 chunks of 2048 (48 KiB double-buffered)
    N = 16384
    ir = dato.build(dp.vector_add(int32, N, 1), target="aie").mapped.clone()
    NpuRetileElementwisePass().apply(Context(), ir)
    groups = [g for g in ir.walk() if isinstance(g, dato_ir.GroupOp)]
    assert [g.num_instances() for g in groups] == [8]
    assert all(RETILED in g.attributes for g in groups)
    mod = dato.build(dp.vector_add(int32, N, 1), target="aie")
    rng = np.random.default_rng(N + 1)
    A, B = _ints(rng, (N,), np.int32), _ints(rng, (N,), np.int32)
    C = np.zeros(N, np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, A + B)
