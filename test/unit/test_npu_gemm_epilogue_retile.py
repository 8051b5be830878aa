"""A GEMM whose result blocks go on block streams to element-by-element
consumers (a ReLU, a scaling) is cut together with them by
dato-npu-retile-gemm when a block does not fit a compute tile: both grids are
refined by the same factors and the streams carry sub-blocks. Results on the
virtual NPU against numpy; programs that already fit keep their grids."""

# ruff: noqa: F821 (streams are declared by annotations)

import ml_dtypes
import numpy as np
import pytest
from xdsl.context import Context

import dato_xdsl as dato
from dato_xdsl import Layout, Stream, bfloat16, float32, int8, int16, int32
from dato_xdsl.dialects import dato as dato_ir
from dato_xdsl.transforms.npu_gemm_retile import RETILED, NpuRetileGemmPass

S, R = Layout.Shard, Layout.Replicate


def gemm_relu(T, Tc, M: int, N: int, K: int, P0: int, P1: int):
    @dato.region()
    def top(A: T[M, K], B: T[K, N], C: Tc[M, N]):
        s: Stream[Tc[M // P0, N // P1], 2][P0, P1]

        @dato.kernel(mapping=[P0, P1], args=[A, B])
        def mm(a: T[M, K] @ [S(0), R], b: T[K, N] @ [R, S(1)]):
            i, j = dato.get_pid()
            acc: Tc[M // P0, N // P1] = 0
            acc[:, :] = dato.matmul(a, b)
            s[i, j].put(acc)

        @dato.kernel(mapping=[P0, P1], args=[C])
        def relu(c: Tc[M, N] @ [S(0), S(1)]):
            i, j = dato.get_pid()
            t: Tc[M // P0, N // P1] = s[i, j].get()
            for x in range(M // P0):
                for y in range(N // P1):
                    v: Tc = t[x, y]
                    c[x, y] = v if v > 0 else 0

    return top


def gemm_scale_relu(T, Tc, M: int, N: int, K: int, P0: int, P1: int):
    """Three tasks and two block streams: C = relu(3 * (A @ B) - 5)."""
    m, n = M // P0, N // P1

    @dato.region()
    def top(A: T[M, K], B: T[K, N], C: Tc[M, N]):
        s: Stream[Tc[m, n], 2][P0, P1]
        u: Stream[Tc[m, n], 2][P0, P1]

        @dato.kernel(mapping=[P0, P1], args=[A, B])
        def mm(a: T[M, K] @ [S(0), R], b: T[K, N] @ [R, S(1)]):
            i, j = dato.get_pid()
            acc: Tc[m, n] = 0
            acc[:, :] = dato.matmul(a, b)
            s[i, j].put(acc)

        @dato.kernel(mapping=[P0, P1])
        def scale():
            i, j = dato.get_pid()
            t: Tc[m, n] = s[i, j].get()
            o: Tc[m, n] = 0
            for x in range(m):
                for y in range(n):
                    o[x, y] = t[x, y] * 3 - 5
            u[i, j].put(o)

        @dato.kernel(mapping=[P0, P1], args=[C])
        def relu(c: Tc[M, N] @ [S(0), S(1)]):
            i, j = dato.get_pid()
            t: Tc[m, n] = u[i, j].get()
            for x in range(m):
                for y in range(n):
                    v: Tc = t[x, y]
                    c[x, y] = v if v > 0 else 0

    return top


def gemm_transpose(T, Tc, M: int, K: int, P: int):
    """The consumer writes its block transposed: not element by element."""
    m = M // P

    @dato.region()
    def top(A: T[M, K], B: T[K, M], C: Tc[M, M]):
        s: Stream[Tc[m, m], 2][P, P]

        @dato.kernel(mapping=[P, P], args=[A, B])
        def mm(a: T[M, K] @ [S(0), R], b: T[K, M] @ [R, S(1)]):
            i, j = dato.get_pid()
            acc: Tc[m, m] = 0
            acc[:, :] = dato.matmul(a, b)
            s[i, j].put(acc)

        @dato.kernel(mapping=[P, P], args=[C])
        def flip(c: Tc[M, M] @ [S(0), S(1)]):
            i, j = dato.get_pid()
            t: Tc[m, m] = s[i, j].get()
            for x in range(m):
                for y in range(m):
                    c[x, y] = t[y, x]

    return top


def gemm_relu_rows(T, Tc, M: int, N: int, K: int, P: int):
    """A 1-D grid: each instance a band of M / P rows of the whole N columns."""
    m = M // P

    @dato.region()
    def top(A: T[M, K], B: T[K, N], C: Tc[M, N]):
        s: Stream[Tc[m, N], 2][P]

        @dato.kernel(mapping=[P], args=[A, B])
        def mm(a: T[M, K] @ [S(0), R], b: T[K, N]):
            i = dato.get_pid()
            acc: Tc[m, N] = dato.matmul(a, b)
            s[i].put(acc)

        @dato.kernel(mapping=[P], args=[C])
        def relu(c: Tc[M, N] @ [S(0), R]):
            i = dato.get_pid()
            c[:, :] = dato.relu(s[i].get())

    return top


def two_pipelines(T, Tc, M: int, N: int, K: int):
    """Two independent GEMM + ReLU pipelines in one region, one instance each."""

    @dato.region()
    def top(A: T[M, K], B: T[K, N], C: Tc[M, N], A2: T[M, K], B2: T[K, N], C2: Tc[M, N]):
        s: Stream[Tc[M, N], 2]
        u: Stream[Tc[M, N], 2]

        @dato.kernel(mapping=[1, 1], args=[A, B])
        def mm(a: T[M, K], b: T[K, N]):
            acc: Tc[M, N] = dato.matmul(a, b)  # summed in Tc
            s.put(acc)

        @dato.kernel(mapping=[1, 1], args=[C])
        def relu(c: Tc[M, N]):
            c[:, :] = dato.relu(s.get())

        @dato.kernel(mapping=[1, 1], args=[A2, B2])
        def mm2(a: T[M, K], b: T[K, N]):
            acc: Tc[M, N] = dato.matmul(a, b)
            u.put(acc)

        @dato.kernel(mapping=[1, 1], args=[C2])
        def relu2(c: Tc[M, N]):
            c[:, :] = dato.relu(u.get())

    return top


def _ints(rng, shape, dtype):
    return rng.integers(-100, 100, shape).astype(dtype)


def _cuts(mod) -> dict[str, tuple[tuple[int, ...], list[int] | None]]:
    """dato-npu-retile-gemm on the build's mapped IR: each group's grid and
    its recorded cut (`dato.retiled`), by name."""
    ir = mod.mapped.clone()
    NpuRetileGemmPass().apply(Context(), ir)
    return {
        g.sym_name.data: (
            g.grid_shape,
            [a.value.data for a in g.attributes[RETILED].data] if RETILED in g.attributes else None,
        )
        for g in ir.walk()
        if isinstance(g, dato_ir.GroupOp)
    }


def test_int8_gemm_with_64_kib_result_blocks_and_relu_is_cut_and_equals_numpy(tmp_path):
    # 256^3 on 2x2: each result block is 128x128 int32, 64 KiB, a whole tile
    M = N = K = 256
    mod = dato.build(gemm_relu(int8, int32, M, N, K, 2, 2), target="aie", project=tmp_path)
    rng = np.random.default_rng(1)
    A, B = _ints(rng, (M, K), np.int8), _ints(rng, (K, N), np.int8)
    C = np.full((M, N), 7, np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, np.maximum(A.astype(np.int64) @ B.astype(np.int64), 0))
    text = (tmp_path / "aie.mlir").read_text()
    # the largest cut that places is taken: 64x64 int32 sub-blocks (16 KiB; a
    # 128x128 block alone is the whole 64 KiB tile), the 16 GEMMs and 16 ReLUs
    # chained pairwise onto the 16 cores (the block stream between them stays
    # on the tile that holds it, no second copy on a neighbour)
    assert "memref<64x64xi32>" in text
    assert "memref<128x128xi32>" not in text
    # the decision, in the IR: both grids refined 2 x 2
    assert _cuts(mod) == {"mm": ((4, 4), [2, 2]), "relu": ((4, 4), [2, 2])}


def test_one_instance_gemm_and_relu_naming_their_stream_are_cut(tmp_path):
    # a 1x1 grid: the bodies name the region stream itself, which becomes a
    # port bound to one sub-stream per new instance
    M, N, K = 128, 128, 64
    mod = dato.build(gemm_relu(int8, int32, M, N, K, 1, 1), target="aie")
    rng = np.random.default_rng(2)
    A, B = _ints(rng, (M, K), np.int8), _ints(rng, (K, N), np.int8)
    C = np.zeros((M, N), np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, np.maximum(A.astype(np.int64) @ B.astype(np.int64), 0))
    # 64x64 blocks: 8 instances, one per core, their streams one object deep
    assert _cuts(mod) == {"mm": ((2, 2), [2, 2]), "relu": ((2, 2), [2, 2])}


def test_library_relu_through_float_temporaries_is_cut_too():
    # dato.relu of a block: int32 -> float32 -> max -> int32 through two
    # block-sized temporaries, element by element
    M = N = K = 256

    @dato.region()
    def top(A: int8[M, K], B: int8[K, N], C: int32[M, N]):
        s: Stream[int32[M // 2, N // 2], 2][2, 2]

        @dato.kernel(mapping=[2, 2], args=[A, B])
        def mm(a: int8[M, K] @ [S(0), R], b: int8[K, N] @ [R, S(1)]):
            i, j = dato.get_pid()
            acc: int32[M // 2, N // 2] = dato.matmul(a, b)
            s[i, j].put(acc)

        @dato.kernel(mapping=[2, 2], args=[C])
        def act(c: int32[M, N] @ [S(0), S(1)]):
            i, j = dato.get_pid()
            c[:, :] = dato.relu(s[i, j].get())

    mod = dato.build(top, target="aie")
    rng = np.random.default_rng(5)
    A, B = _ints(rng, (M, K), np.int8), _ints(rng, (K, N), np.int8)
    C = np.zeros((M, N), np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, np.maximum(A.astype(np.int64) @ B.astype(np.int64), 0))
    cuts = _cuts(mod)
    assert cuts["mm"] == cuts["act"] and cuts["mm"][1] is not None


def test_three_tasks_on_two_block_streams_are_cut_together():
    M, N, K = 256, 256, 128  # 2x2: 128x128 int32 blocks through both streams
    mod = dato.build(gemm_scale_relu(int16, int32, M, N, K, 2, 2), target="aie")
    rng = np.random.default_rng(3)
    A, B = _ints(rng, (M, K), np.int16), _ints(rng, (K, N), np.int16)
    C = np.zeros((M, N), np.int32)
    mod(A, B, C)
    expected = np.maximum(3 * (A.astype(np.int64) @ B.astype(np.int64)) - 5, 0)
    np.testing.assert_array_equal(C, expected)
    cuts = _cuts(mod)
    assert {g: c for g, (_, c) in cuts.items()} == {
        "mm": cuts["mm"][1],
        "scale": cuts["mm"][1],
        "relu": cuts["mm"][1],
    }
    assert cuts["mm"][1] is not None


def test_bf16_results_are_cut_and_rounded_once():
    # 128x128 bf16 blocks with their float32 accumulators: each element of a
    # sub-block is the same float32 sum over the same K, rounded once
    M, N, K = 256, 256, 128
    mod = dato.build(gemm_relu(bfloat16, bfloat16, M, N, K, 2, 2), target="aie")
    rng = np.random.default_rng(7)
    A = rng.uniform(-4, 4, (M, K)).astype(ml_dtypes.bfloat16)
    B = rng.uniform(-4, 4, (K, N)).astype(ml_dtypes.bfloat16)
    C = np.zeros((M, N), ml_dtypes.bfloat16)
    mod(A, B, C)
    exact = A.astype(np.float64) @ B.astype(np.float64)
    # half a bf16 ulp of the result plus K float32 roundings of the largest
    # partial sum
    bound = 2.0**-8 * np.abs(exact) + K * 2.0**-24 * (
        np.abs(A.astype(np.float64)) @ np.abs(B.astype(np.float64))
    )
    assert np.all(np.abs(C.astype(np.float64) - np.maximum(exact, 0)) <= bound)
    assert _cuts(mod)["mm"][1] is not None


def test_programs_that_fit_keep_their_grids():
    # int16 -> int32 256x128x512 on 4x2: 64x64 int32 blocks fit (a stream one
    # object deep); bf16 -> f32 128x128x256 on 2x2: 64x64 float32 blocks fit
    mod = dato.build(gemm_relu(int16, int32, 256, 128, 512, 4, 2), target="aie")
    rng = np.random.default_rng(4)
    A, B = _ints(rng, (256, 512), np.int16), _ints(rng, (512, 128), np.int16)
    C = np.zeros((256, 128), np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, np.maximum(A.astype(np.int64) @ B.astype(np.int64), 0))
    assert _cuts(mod) == {"mm": ((4, 2), None), "relu": ((4, 2), None)}

    mod = dato.build(gemm_relu(bfloat16, float32, 128, 128, 256, 2, 2), target="aie")
    A = rng.uniform(-4, 4, (128, 256)).astype(ml_dtypes.bfloat16)
    B = rng.uniform(-4, 4, (256, 128)).astype(ml_dtypes.bfloat16)
    C = np.zeros((128, 128), np.float32)
    mod(A, B, C)
    exact = A.astype(np.float64) @ B.astype(np.float64)
    # float32 sums of exact bf16 products: K roundings of the largest partial sum
    bound = 256 * 2.0**-24 * (np.abs(A.astype(np.float64)) @ np.abs(B.astype(np.float64)))
    assert np.all(np.abs(C - np.maximum(exact, 0)) <= bound)
    assert _cuts(mod) == {"mm": ((2, 2), None), "relu": ((2, 2), None)}


def test_a_consumer_that_moves_elements_is_not_cut():
    # t[y, x] into c[x, y]: a sub-block of c needs another sub-block of t, so
    # the grids stay and the refusal names the memory
    with pytest.raises(dato.DatoError, match="KiB"):
        dato.build(gemm_transpose(int8, int32, 256, 64, 2), target="aie")


def test_a_one_dimensional_grid_is_cut_into_rows_of_sub_blocks():
    # mapping=[2], 128x128 int32 bands (64 KiB): each instance becomes r x s
    # instances numbered row-major within it
    M, N, K = 256, 128, 64
    mod = dato.build(gemm_relu_rows(int8, int32, M, N, K, 2), target="aie")
    rng = np.random.default_rng(6)
    A, B = _ints(rng, (M, K), np.int8), _ints(rng, (K, N), np.int8)
    C = np.zeros((M, N), np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, np.maximum(A.astype(np.int64) @ B.astype(np.int64), 0))
    cuts = _cuts(mod)
    r, s = cuts["mm"][1]
    assert cuts == {"mm": ((2 * r * s,), [r, s]), "relu": ((2 * r * s,), [r, s])}


def test_two_pipelines_in_one_region_are_cut_each():
    # each set's trial cuts the other by its first candidate too: uncut, the
    # other's 64 KiB blocks would fail every trial
    M = N = 128
    K = 64
    mod = dato.build(two_pipelines(int8, int32, M, N, K), target="aie")
    rng = np.random.default_rng(10)
    A, B, A2, B2 = (_ints(rng, shape, np.int8) for shape in [(M, K), (K, N)] * 2)
    C, C2 = np.zeros((M, N), np.int32), np.zeros((M, N), np.int32)
    mod(A, B, C, A2, B2, C2)
    np.testing.assert_array_equal(C, np.maximum(A.astype(np.int64) @ B.astype(np.int64), 0))
    np.testing.assert_array_equal(C2, np.maximum(A2.astype(np.int64) @ B2.astype(np.int64), 0))
    cuts = _cuts(mod)
    assert all(cut is not None for _, cut in cuts.values())
    assert cuts["mm"] == cuts["relu"] and cuts["mm2"] == cuts["relu2"]
