"""A GEMM whose result is consumed by an epilogue in the same task (a bias
add, a requantisation with a clamp, a row scale) is cut by
dato-npu-retile-gemm like a GEMM whose blocks go on block streams: the task's
grid is refined, and the epilogue's other operands indexed by the block loops
(a bias along the columns, a scale along the rows) are sliced with the
sub-blocks. An epilogue that reads other columns of its row, and a chain of
GEMMs each reading the previous one's rows as its A (an MLP), are cut into
row bands instead. Results on the virtual NPU against numpy (integers,
exactly) and the simulator (bf16)."""

import ml_dtypes
import numpy as np
import pytest
from xdsl.context import Context

import dato_xdsl as dato
from dato_xdsl import Layout, bfloat16, int8, int16, int32
from dato_xdsl.dialects import dato as dato_ir
from dato_xdsl.transforms.npu_gemm_retile import (
    RETILED,
    RETILED_WITH,
    NpuRetileGemmPass,
    pointwise,
)
from test.unit.programs import dato_programs as dp

S, R = Layout.Shard, Layout.Replicate


def gemm_quant(M: int, N: int, K: int, P0: int, P1: int):
    """int8 GEMM summed in int32, shifted right by 7 and clamped to int8."""

    @dato.region()
    def top(A: int8[M, K], B: int8[K, N], C: int8[M, N]):
        @dato.kernel(mapping=[P0, P1], args=[A, B, C])
        def mm(a: int8[M, K] @ [S(0), R], b: int8[K, N] @ [R, S(1)], c: int8[M, N] @ [S(0), S(1)]):
            acc: int32[M // P0, N // P1] = dato.matmul(a, b)
            for x in range(M // P0):
                for y in range(N // P1):
                    v: int32 = acc[x, y] >> 7
                    v = 127 if v > 127 else v
                    v = -128 if v < -128 else v
                    c[x, y] = v

    return top


def gemm_bias(T, M: int, N: int, K: int, P0: int, P1: int, bias_layout: int = 1):
    """C = A @ B + bias[column]; the bias sharded along grid dimension
    `bias_layout` (with 0 instance (i, j) reads bias[i * n + y]: the program's
    meaning, whatever its intent)."""

    @dato.region()
    def top(A: T[M, K], B: T[K, N], bias: T[N], C: T[M, N]):
        @dato.kernel(mapping=[P0, P1], args=[A, B, bias, C])
        def mm(
            a: T[M, K] @ [S(0), R],
            b: T[K, N] @ [R, S(1)],
            bb: T[N] @ [S(bias_layout)],
            c: T[M, N] @ [S(0), S(1)],
        ):
            t: T[M // P0, N // P1] = dato.matmul(a, b)
            for x in range(M // P0):
                for y in range(N // P1):
                    c[x, y] = t[x, y] + bb[y]

    return top


def gemm_scale_bias(M: int, N: int, K: int):
    """One instance: C = (A @ B) * scale[row] + bias[column] in int32."""

    @dato.region()
    def top(A: int32[M, K], B: int32[K, N], bias: int32[N], scale: int32[M], C: int32[M, N]):
        @dato.kernel(mapping=[1, 1], args=[A, B, bias, scale, C])
        def mm(a: int32[M, K], b: int32[K, N], bb: int32[N], sc: int32[M], c: int32[M, N]):
            t: int32[M, N] = dato.matmul(a, b)
            for x in range(M):
                for y in range(N):
                    c[x, y] = t[x, y] * sc[x] + bb[y]

    return top


def gemm_first_column(M: int, N: int, K: int):
    """Every element reads its row's first column, scaled by its row's
    scale, plus one shift for all: row by row, not element by element."""

    @dato.region()
    def top(A: int32[M, K], B: int32[K, N], scale: int32[M], shift: int32[2], C: int32[M, N]):
        @dato.kernel(mapping=[1, 1], args=[A, B, scale, shift, C])
        def mm(a: int32[M, K], b: int32[K, N], sc: int32[M], sh: int32[2], c: int32[M, N]):
            t: int32[M, N] = dato.matmul(a, b)
            for x in range(M):
                for y in range(N):
                    c[x, y] = t[x, y] + t[x, 0] * sc[x] + sh[1]

    return top


def gemm_first_row(M: int, N: int, K: int):
    """Every element reads its column's first row: neither."""

    @dato.region()
    def top(A: int32[M, K], B: int32[K, N], C: int32[M, N]):
        @dato.kernel(mapping=[1, 1], args=[A, B, C])
        def mm(a: int32[M, K], b: int32[K, N], c: int32[M, N]):
            t: int32[M, N] = dato.matmul(a, b)
            for x in range(M):
                for y in range(N):
                    c[x, y] = t[x, y] + t[0, y]

    return top


def gemm_axis_sum(M: int, N: int, K: int, along_rows: bool):
    """c[x, y] = the sum of t's column y (or of its row x): each element from
    a whole column (row) of the block, through a loop over that axis."""

    @dato.region()
    def top(A: int32[M, K], B: int32[K, N], C: int32[M, N]):
        @dato.kernel(mapping=[1, 1], args=[A, B, C])
        def mm(a: int32[M, K], b: int32[K, N], c: int32[M, N]):
            t: int32[M, N] = dato.matmul(a, b)
            for x in range(M):
                for y in range(N):
                    c[x, y] = 0
                    if along_rows:
                        for x2 in range(M):
                            c[x, y] = c[x, y] + t[x2, y]
                    else:
                        for y2 in range(N):
                            c[x, y] = c[x, y] + t[x, y2]

    return top


def _ints(rng, shape, dtype, bound: int = 100):
    return rng.integers(-bound, bound, shape).astype(dtype)


def _cuts(mod) -> dict[str, tuple[tuple[int, ...], list[int] | None, list[str] | None]]:
    """dato-npu-retile-gemm on the build's mapped IR: each group's grid, its
    recorded cut and the groups cut with it, by name."""
    ir = mod.mapped.clone()
    NpuRetileGemmPass().apply(Context(), ir)
    out = {}
    for g in ir.walk():
        if isinstance(g, dato_ir.GroupOp):
            cut = g.attributes.get(RETILED)
            with_ = g.attributes.get(RETILED_WITH)
            out[g.sym_name.data] = (
                g.grid_shape,
                None if cut is None else [a.value.data for a in cut.data],
                None if with_ is None else [r.root_reference.data for r in with_.data],
            )
    return out


def test_int8_gemm_requantised_and_clamped_in_its_task_is_cut_and_equals_numpy():
    # 512x256x1024 on 4x4: 128x64 int32 accumulators (two of 32 KiB) beside
    # 128 KiB of A rows were refused; cut, each sub-block's sums are the same
    M, N, K = 512, 256, 1024
    mod = dato.build(gemm_quant(M, N, K, 4, 4), target="aie")
    rng = np.random.default_rng(11)
    A, B = _ints(rng, (M, K), np.int8), _ints(rng, (K, N), np.int8)
    C = np.zeros((M, N), np.int8)
    mod(A, B, C)
    exact = A.astype(np.int64) @ B.astype(np.int64)
    np.testing.assert_array_equal(C, np.clip(exact >> 7, -128, 127).astype(np.int8))
    grid, cut, with_ = _cuts(mod)["mm"]
    assert cut is not None and with_ == ["mm"]
    assert grid == (4 * cut[0], 4 * cut[1])


def test_bf16_gemm_with_a_bias_in_its_task_is_cut_and_equals_the_simulator():
    # 128x256x128 on 2x2: a 64x128 bf16 result, its float32 accumulator and
    # the bias beside A and B were refused; the bias (sharded along grid
    # dimension 0) is sliced with the result's columns
    M, N, K = 128, 256, 128
    top = gemm_bias(bfloat16, M, N, K, 2, 2, bias_layout=0)
    mod = dato.build(top, target="aie")
    sim = dato.build(top)
    rng = np.random.default_rng(12)
    A = rng.uniform(-2, 2, (M, K)).astype(ml_dtypes.bfloat16)
    B = rng.uniform(-2, 2, (K, N)).astype(ml_dtypes.bfloat16)
    bias = rng.uniform(-2, 2, N).astype(ml_dtypes.bfloat16)
    C, C_sim = np.zeros((M, N), ml_dtypes.bfloat16), np.zeros((M, N), ml_dtypes.bfloat16)
    mod(A, B, bias, C)
    sim(A, B, bias, C_sim)
    # instance (i, j) adds bias[i * 128 + y] to column j * 128 + y
    rows = np.stack([np.tile(bias[i * 128 : (i + 1) * 128], 2) for i in range(2)])
    exact = A.astype(np.float64) @ B.astype(np.float64) + np.repeat(rows, 64, axis=0)
    # the product rounded to bf16, then the sum rounded once more: two half
    # ulps of the largest magnitude, plus K float32 roundings of the sum
    mag = np.abs(A.astype(np.float64)) @ np.abs(B.astype(np.float64)) + 2
    bound = 2.0**-7 * mag + K * 2.0**-24 * mag
    assert np.all(np.abs(C.astype(np.float64) - exact) <= bound)
    assert np.all(np.abs(C.astype(np.float64) - C_sim.astype(np.float64)) <= 2 * bound)
    assert _cuts(mod)["mm"][1] is not None


def test_int32_gemm_with_a_column_bias_is_cut_on_a_2x2_grid():
    M = N = 256
    K = 32  # 128x128 int32 blocks: 64 KiB each
    mod = dato.build(gemm_bias(int32, M, N, K, 2, 2), target="aie")
    rng = np.random.default_rng(13)
    A, B = _ints(rng, (M, K), np.int32), _ints(rng, (K, N), np.int32)
    bias = _ints(rng, N, np.int32)
    C = np.zeros((M, N), np.int32)
    mod(A, B, bias, C)
    np.testing.assert_array_equal(C, A.astype(np.int64) @ B.astype(np.int64) + bias)
    assert _cuts(mod) == {"mm": ((4, 4), [2, 2], ["mm"])}


def test_row_scale_and_column_bias_are_sliced_with_the_rows_and_columns():
    M, N, K = 128, 128, 64
    mod = dato.build(gemm_scale_bias(M, N, K), target="aie")
    rng = np.random.default_rng(14)
    A, B = _ints(rng, (M, K), np.int32), _ints(rng, (K, N), np.int32)
    bias, scale = _ints(rng, N, np.int32), _ints(rng, M, np.int32, 5)
    C = np.zeros((M, N), np.int32)
    mod(A, B, bias, scale, C)
    expected = (A.astype(np.int64) @ B.astype(np.int64)) * scale[:, None] + bias
    np.testing.assert_array_equal(C, expected)
    assert _cuts(mod) == {"mm": ((2, 2), [2, 2], ["mm"])}


def test_programs_that_fit_keep_their_grids():
    # int16 256x192x128 on 2x4: 128x48 int16 blocks fit as written
    M, N, K = 256, 192, 128
    mod = dato.build(gemm_bias(int16, M, N, K, 2, 4, bias_layout=0), target="aie")
    rng = np.random.default_rng(15)
    A, B = _ints(rng, (M, K), np.int16, 10), _ints(rng, (K, N), np.int16, 10)
    bias = _ints(rng, N, np.int16)
    C = np.zeros((M, N), np.int16)
    mod(A, B, bias, C)
    # instance (i, j) reads bias[i * 96 + y] for its columns j * 48 + y
    rows = np.stack([np.tile(bias[i * 96 : i * 96 + 48], 4) for i in range(2)])
    expected = A.astype(np.int64) @ B.astype(np.int64) + np.repeat(rows, 128, axis=0)
    np.testing.assert_array_equal(C, expected.astype(np.int16))
    assert _cuts(mod) == {"mm": ((2, 4), None, None)}


def test_an_epilogue_reading_another_column_of_its_row_is_cut_into_row_bands():
    # t[x, 0] for every y: a 64x64 sub-block would need a column another
    # instance computes, a band of whole rows does not; the row scale (M
    # long, like the rows) is sliced with the bands, the shift (read at a
    # constant index) stays whole
    M, N, K = 128, 128, 64
    mod = dato.build(gemm_first_column(M, N, K), target="aie")
    rng = np.random.default_rng(16)
    A, B = _ints(rng, (M, K), np.int32), _ints(rng, (K, N), np.int32)
    scale, shift = _ints(rng, M, np.int32, 5), _ints(rng, 2, np.int32)
    C = np.zeros((M, N), np.int32)
    mod(A, B, scale, shift, C)
    t = A.astype(np.int64) @ B.astype(np.int64)
    np.testing.assert_array_equal(C, t + t[:, :1] * scale[:, None] + shift[1])
    grid, (r, s), _ = _cuts(mod)["mm"]
    assert s == 1 and grid == (r, 1)


def test_an_epilogue_reading_another_row_is_not_cut():
    # t[0, y] for every x: no instance of a cut grid computes row 0 for all,
    # so the grid stays and the refusal names the memory
    with pytest.raises(dato.DatoError, match="KiB"):
        dato.build(gemm_first_row(128, 128, 64), target="aie")


def _mlp3_numpy(X, W1, W2, W3, dtype):
    """The program's arithmetic: each layer's products summed and wrapped to
    the element type, ReLU after the first two."""
    h1 = np.maximum((X.astype(np.int64) @ W1).astype(dtype), 0)
    h2 = np.maximum((h1.astype(np.int64) @ W2).astype(dtype), 0)
    return (h2.astype(np.int64) @ W3).astype(dtype)


def test_mlp3_int16_layers_are_cut_into_row_bands_together():
    # layer1's 64x256 int16 result held three times and on the stream to
    # layer2 (128 KiB) was refused; each layer's rows depend only on the same
    # rows of the previous one, so the three grids are refined by one row cut
    # and the two streams carry row bands
    B, D0, D1, D2, D3 = 64, 128, 256, 128, 64
    mod = dato.build(dp.mlp3(int16, B, D0, D1, D2, D3), target="aie")
    rng = np.random.default_rng(17)
    X = _ints(rng, (B, D0), np.int16, 4)
    W1, W2, W3 = (_ints(rng, shape, np.int16, 4) for shape in [(D0, D1), (D1, D2), (D2, D3)])
    Y = np.zeros((B, D3), np.int16)
    mod(X, W1, W2, W3, Y)
    np.testing.assert_array_equal(Y, _mlp3_numpy(X, W1, W2, W3, np.int16))
    cuts = _cuts(mod)
    r = cuts["layer1"][1][0]
    assert r > 1
    assert all(c == ((r,), [r, 1], ["layer1", "layer2", "layer3"]) for c in cuts.values())


def test_a_sum_over_an_axis_of_the_block_is_cut_only_across_that_axis():
    # a column's sum needs every row: neither sub-blocks nor row bands; a
    # row's sum needs every column: row bands only (its loop is no row loop)
    M, N = 128, 64

    def body(along_rows: bool) -> dato_ir.GroupOp:
        mapped = dato.build(gemm_axis_sum(M, N, 32, along_rows)).mapped
        return next(g for g in mapped.walk() if isinstance(g, dato_ir.GroupOp))

    columns, rows = body(True), body(False)
    assert pointwise(columns, (M, N)) is None and pointwise(columns, (M, None)) is None
    assert pointwise(rows, (M, N)) is None and pointwise(rows, (M, None)) is not None
