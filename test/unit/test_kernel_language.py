"""The kernel language as users write it: array expressions with numpy
broadcasting, math, reductions, transposes and mixed-precision matmul, each
checked against numpy on the simulator, the virtual NPU (aie) and the g++ C
simulation (hls)."""

import math

import ml_dtypes
import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import bfloat16, float32, int8, int16, int32, uint8

TARGETS = ["simulator", "aie", "hls"]
BF16 = ml_dtypes.bfloat16


def run(top, target, tmp_path, *arrays):
    options = {} if target == "simulator" else {"project": tmp_path / target}
    dato.build(top, target=target, **options)(*arrays)


# ------------------------------------------------------------ mixed precision


def gemm_i16_i32():
    @dato.region()
    def top(A: int16[4, 8], B: int16[8, 4], C: int32[4, 4]):
        @dato.kernel(mapping=[1], args=[A, B, C])
        def k(a: int16[4, 8], b: int16[8, 4], c: int32[4, 4]):
            c[:, :] = dato.matmul(a, b)

    return top


@pytest.mark.parametrize("target", TARGETS)
def test_int16_gemm_accumulates_in_the_int32_destination(target, tmp_path):
    rng = np.random.default_rng(1)
    A = rng.integers(-32768, 32768, (4, 8)).astype(np.int16)
    B = rng.integers(-32768, 32768, (8, 4)).astype(np.int16)
    A[0, :] = -32768  # the most negative int16: its products need 31 bits
    B[:, 0] = -32768
    C = np.zeros((4, 4), np.int32)
    run(gemm_i16_i32(), target, tmp_path, A, B, C)
    exact = A.astype(np.int64) @ B.astype(np.int64)
    np.testing.assert_array_equal(C, exact.astype(np.int32))  # int32 wraps like the hardware
    assert (np.abs(exact) < 2**31).mean() > 0.5  # most sums fit: the test sees int16 wrapping


def gemm_i8_dtype_grid():
    """dtype=int32 on a 2x2 grid of int8 tiles."""

    S, R = dato.Layout.Shard, dato.Layout.Replicate

    @dato.region()
    def top(A: int8[8, 16], B: int8[16, 8], C: int32[8, 8]):
        @dato.kernel(mapping=[2, 2], args=[A, B, C])
        def k(
            a: int8[8, 16] @ [S(0), R],
            b: int8[16, 8] @ [R, S(1)],
            c: int32[8, 8] @ [S(0), S(1)],
        ):
            c[:, :] = dato.matmul(a, b, dtype=int32)

    return top


@pytest.mark.parametrize("target", TARGETS)
def test_int8_gemm_with_dtype_int32_on_a_grid(target, tmp_path):
    rng = np.random.default_rng(2)
    A = rng.integers(-128, 128, (8, 16)).astype(np.int8)
    B = rng.integers(-128, 128, (16, 8)).astype(np.int8)
    C = np.zeros((8, 8), np.int32)
    run(gemm_i8_dtype_grid(), target, tmp_path, A, B, C)
    np.testing.assert_array_equal(C, A.astype(np.int32) @ B.astype(np.int32))


def gemm_bf16_f32():
    @dato.region()
    def top(A: bfloat16[4, 8], B: bfloat16[8, 4], C: float32[4, 4]):
        @dato.kernel(mapping=[1], args=[A, B, C])
        def k(a: bfloat16[4, 8], b: bfloat16[8, 4], c: float32[4, 4]):
            c[:, :] = dato.matmul(a, b)

    return top


@pytest.mark.parametrize("target", TARGETS)
def test_bf16_gemm_into_float32_is_not_rounded_to_bf16(target, tmp_path):
    rng = np.random.default_rng(3)
    A = rng.standard_normal((4, 8)).astype(BF16)
    B = rng.standard_normal((8, 4)).astype(BF16)
    C = np.zeros((4, 4), np.float32)
    run(gemm_bf16_f32(), target, tmp_path, A, B, C)
    ref = A.astype(np.float64) @ B.astype(np.float64)
    np.testing.assert_allclose(C, ref, rtol=1e-5, atol=1e-5)
    rounded = ref.astype(BF16).astype(np.float64)
    assert np.abs(C - rounded).max() > 1e-3  # a bf16-rounded result would be far off


def elementwise_into_wider():
    @dato.region()
    def top(A: int16[8], B: int16[8], C: int32[8]):
        @dato.kernel(mapping=[1], args=[A, B, C])
        def k(a: int16[8], b: int16[8], c: int32[8]):
            c[:] = a * b + 1

    return top


@pytest.mark.parametrize("target", TARGETS)
def test_elementwise_result_takes_the_destination_type(target, tmp_path):
    A = np.array([30000, -32768, 200, -1, 7, 0, 32767, -300], np.int16)
    B = np.array([30000, -32768, 300, 1, 7, 5, 32767, 300], np.int16)
    C = np.zeros(8, np.int32)
    run(elementwise_into_wider(), target, tmp_path, A, B, C)
    ref = (A.astype(np.int64) * B.astype(np.int64) + 1).astype(np.int32)
    np.testing.assert_array_equal(C, ref)


# ------------------------------------------------------ broadcasting, operators


def int_operators():
    @dato.region()
    def top(A: int32[4, 6], R: int32[1, 6], OUT: int32[40, 6]):
        @dato.kernel(mapping=[1], args=[A, R, OUT])
        def k(a: int32[4, 6], r: int32[1, 6], o: int32[40, 6]):
            o[0:4, :] = a + r
            o[4:8, :] = 3 - a
            o[8:12, :] = a * r
            o[12:16, :] = a // 4
            o[16:20, :] = a % r
            o[20:24, :] = (a & 12) | (r ^ 5)
            o[24:28, :] = (a << 2) >> 1
            o[28:32, :] = a >= r
            o[32:36, :] = dato.maximum(a, r) - dato.minimum(a, 0)
            o[36:40, :] = -a + abs(a) + a**2

    return top


@pytest.mark.parametrize("target", TARGETS)
def test_integer_operators_broadcast_row_and_scalar(target, tmp_path):
    rng = np.random.default_rng(4)
    A = rng.integers(-50, 50, (4, 6)).astype(np.int32)
    R = rng.integers(1, 9, (1, 6)).astype(np.int32) * rng.choice([-1, 1], (1, 6)).astype(np.int32)
    OUT = np.zeros((40, 6), np.int32)
    run(int_operators(), target, tmp_path, A, R, OUT)
    OUT = OUT.reshape(10, 4, 6)
    ref = [
        A + R,
        3 - A,
        A * R,
        A // 4,
        A % R,
        (A & 12) | (R ^ 5),
        (A << 2) >> 1,
        (A >= R).astype(np.int32),
        np.maximum(A, R) - np.minimum(A, 0),
        -A + np.abs(A) + A**2,
    ]
    for k, expected in enumerate(ref):
        np.testing.assert_array_equal(OUT[k], expected, err_msg=f"row {k}")


def float_operators():
    @dato.region()
    def top(A: float32[4, 6], COL: float32[4, 1], OUT: float32[24, 6]):
        @dato.kernel(mapping=[1], args=[A, COL, OUT])
        def k(a: float32[4, 6], col: float32[4, 1], o: float32[24, 6]):
            o[0:4, :] = a / col
            o[4:8, :] = a // col
            o[8:12, :] = a % col
            o[12:16, :] = dato.div(a, 2) - dato.sub(col, 1.5)
            o[16:20, :] = dato.power(dato.abs(a), 0.5) + dato.mul(a, dato.add(a, 1))
            o[20:24, :] = (a < col) * 1.0 + max(a, col)

    return top


@pytest.mark.parametrize("target", TARGETS)
def test_float_operators_broadcast_a_column(target, tmp_path):
    rng = np.random.default_rng(5)
    A = rng.standard_normal((4, 6)).astype(np.float32) * 4
    COL = (rng.random((4, 1)).astype(np.float32) + 0.5) * np.float32(-1) ** np.arange(4)[:, None]
    COL = COL.astype(np.float32)
    OUT = np.zeros((24, 6), np.float32)
    run(float_operators(), target, tmp_path, A, COL, OUT)
    OUT = OUT.reshape(6, 4, 6)
    ref = [
        A / COL,
        A // COL,
        np.mod(A, COL),
        A / 2 - (COL - 1.5),
        np.power(np.abs(A), 0.5) + A * (A + 1),
        (A < COL) * 1.0 + np.maximum(A, COL),
    ]
    for k, expected in enumerate(ref):
        np.testing.assert_allclose(OUT[k], expected, rtol=1e-5, atol=1e-5, err_msg=f"row {k}")


# ------------------------------------------------------------------------ math


def math_functions():
    @dato.region()
    def top(X: float32[16], OUT: float32[12, 16]):
        @dato.kernel(mapping=[1], args=[X, OUT])
        def k(x: float32[16], o: float32[12, 16]):
            p = dato.abs(x) + 0.25
            o[0, :] = dato.exp(x)
            o[1, :] = dato.log(p)
            o[2, :] = dato.sqrt(p)
            o[3, :] = dato.rsqrt(p)
            o[4, :] = dato.tanh(x)
            o[5, :] = dato.erf(x)
            o[6, :] = dato.floor(x) + dato.ceil(x)
            o[7, :] = dato.sigmoid(x)
            o[8, :] = dato.pow(p, x)
            o[9, :] = dato.relu(x)
            for i in range(16):  # math.* on scalars
                o[10, i] = math.exp(x[i]) + math.tanh(x[i]) + math.sqrt(p[i])
                o[11, i] = math.erf(x[i]) + math.floor(x[i]) + math.pow(p[i], 2.0)

    return top


@pytest.mark.parametrize("target", TARGETS)
def test_math_on_arrays_and_scalars(target, tmp_path):
    X = np.linspace(-3, 3, 16).astype(np.float32)
    OUT = np.zeros((12, 16), np.float32)
    run(math_functions(), target, tmp_path, X, OUT)
    p = np.abs(X) + np.float32(0.25)
    erf = np.vectorize(math.erf)(X.astype(np.float64))
    ref = [
        np.exp(X),
        np.log(p),
        np.sqrt(p),
        1 / np.sqrt(p),
        np.tanh(X),
        erf,
        np.floor(X) + np.ceil(X),
        1 / (1 + np.exp(-X)),
        np.power(p, X),
        np.maximum(X, 0),
        np.exp(X) + np.tanh(X) + np.sqrt(p),
        erf + np.floor(X) + p**2,
    ]
    for k, expected in enumerate(ref):
        np.testing.assert_allclose(OUT[k], expected, rtol=2e-6, atol=1e-6, err_msg=f"row {k}")


# ------------------------------------------------------------------ reductions


def reductions():
    @dato.region()
    def top(X: float32[4, 6], OUT: float32[5, 6]):
        @dato.kernel(mapping=[1], args=[X, OUT])
        def k(x: float32[4, 6], o: float32[5, 6]):
            o[0, :] = dato.sum(x, axis=0)
            o[1, 0:4] = dato.max(x, axis=1)
            o[1, 4] = dato.min(x)
            o[1, 5] = dato.mean(x)
            o[2, :] = dato.mean(x, axis=-2)
            o[3, 0:4] = dato.sum(x - dato.max(x, axis=1, keepdims=True), axis=(1,))
            o[3, 4] = sum(x[0, :])
            o[3, 5] = max(x[1, :]) + min(x[2, :])
            o[4, :] = dato.sum(x, axis=0, keepdims=True)[0, :] * 0.5

    return top


@pytest.mark.parametrize("target", TARGETS)
def test_reductions_follow_numpy_axis_semantics(target, tmp_path):
    rng = np.random.default_rng(6)
    X = rng.standard_normal((4, 6)).astype(np.float32)
    OUT = np.zeros((5, 6), np.float32)
    run(reductions(), target, tmp_path, X, OUT)
    ref = np.zeros((5, 6), np.float64)
    ref[0] = X.sum(axis=0)
    ref[1, :4] = X.max(axis=1)
    ref[1, 4] = X.min()
    ref[1, 5] = X.mean()
    ref[2] = X.mean(axis=-2)
    ref[3, :4] = (X - X.max(axis=1, keepdims=True)).sum(axis=1)
    ref[3, 4] = X[0].sum()
    ref[3, 5] = X[1].max() + X[2].min()
    ref[4] = X.sum(axis=0) * 0.5
    np.testing.assert_allclose(OUT, ref, rtol=1e-5, atol=1e-5)


def int_sum_into_int32():
    @dato.region()
    def top(X: int8[4, 8], OUT: int32[4]):
        @dato.kernel(mapping=[1], args=[X, OUT])
        def k(x: int8[4, 8], o: int32[4]):
            o[:] = dato.sum(x, axis=1)

    return top


@pytest.mark.parametrize("target", TARGETS)
def test_int8_sum_accumulates_in_the_destination_type(target, tmp_path):
    X = np.full((4, 8), 127, np.int8)
    X[1] = -128
    X[2, ::2] = -128
    OUT = np.zeros(4, np.int32)
    run(int_sum_into_int32(), target, tmp_path, X, OUT)
    np.testing.assert_array_equal(OUT, X.astype(np.int64).sum(axis=1))


# ------------------------------------------------------------------ transposes


def transposes():
    @dato.region()
    def top(A: float32[4, 6], B: float32[3, 6], OUT: float32[4, 3]):
        @dato.kernel(mapping=[1], args=[A, B, OUT])
        def k(a: float32[4, 6], b: float32[3, 6], o: float32[4, 3]):
            o[:, :] = dato.matmul(a, b.T) + dato.transpose(dato.transpose(a, [1, 0])[0:3, :])

    return top


@pytest.mark.parametrize("target", TARGETS)
def test_transpose_and_matmul_with_a_transposed_operand(target, tmp_path):
    rng = np.random.default_rng(7)
    A = rng.standard_normal((4, 6)).astype(np.float32)
    B = rng.standard_normal((3, 6)).astype(np.float32)
    OUT = np.zeros((4, 3), np.float32)
    run(transposes(), target, tmp_path, A, B, OUT)
    np.testing.assert_allclose(OUT, A @ B.T + A.T[0:3, :].T, rtol=1e-5, atol=1e-5)


# ----------------------------------------------------------------- edge values


def edges():
    @dato.region()
    def top(A: int8[8], F: float32[8], OUT: int8[3, 8], FOUT: float32[3, 8]):
        @dato.kernel(mapping=[1], args=[A, F, OUT, FOUT])
        def k(a: int8[8], f: float32[8], o: int8[3, 8], fo: float32[3, 8]):
            o[0, :] = a + 1
            o[1, :] = abs(a)
            o[2, :] = -a
            fo[0, :] = dato.maximum(f, 0.0)
            fo[1, :] = dato.exp(f)
            fo[2, :] = f * 2.0 - f

    return top


@pytest.mark.parametrize("target", TARGETS)
def test_wrap_around_most_negative_nan_and_inf(target, tmp_path):
    A = np.array([127, -128, -1, 0, 100, -127, 1, 64], np.int8)
    F = np.array([np.nan, np.inf, -np.inf, -0.5, 89.0, -104.0, -0.0, 1e-45], np.float32)
    OUT = np.zeros((3, 8), np.int8)
    FOUT = np.zeros((3, 8), np.float32)
    run(edges(), target, tmp_path, A, F, OUT, FOUT)
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(OUT[0], A + np.int8(1))  # 127 + 1 wraps to -128
        np.testing.assert_array_equal(OUT[1], np.abs(A))  # abs(-128) is -128 in int8
        np.testing.assert_array_equal(OUT[2], -A)
        fref = np.stack([np.maximum(F, 0), np.exp(F), F * 2 - F])
    np.testing.assert_allclose(FOUT, fref, rtol=1e-6, equal_nan=True)


def unsigned_ops():
    @dato.region()
    def top(A: uint8[8], OUT: uint8[3, 8]):
        @dato.kernel(mapping=[1], args=[A, OUT])
        def k(a: uint8[8], o: uint8[3, 8]):
            o[0, :] = a // 3 + (a >> 1)
            o[1, :] = ~a
            o[2, :] = dato.maximum(a, 128) - 1

    return top


@pytest.mark.parametrize("target", TARGETS)
def test_unsigned_arrays_compare_and_shift_unsigned(target, tmp_path):
    A = np.array([0, 1, 127, 128, 200, 255, 3, 254], np.uint8)
    OUT = np.zeros((3, 8), np.uint8)
    run(unsigned_ops(), target, tmp_path, A, OUT)
    np.testing.assert_array_equal(OUT[0], A // 3 + (A >> 1))
    np.testing.assert_array_equal(OUT[1], ~A)
    np.testing.assert_array_equal(OUT[2], np.maximum(A, 128) - 1)


def gemm_two_operand_types():
    """Allo's test_gemm_2D: int16 x int32 operands into int32, on a 2x2 grid."""

    S, R = dato.Layout.Shard, dato.Layout.Replicate

    @dato.region()
    def top(A: int16[8, 8], B: int32[8, 8], C: int32[8, 8]):
        @dato.kernel(mapping=[2, 2], args=[A, B, C])
        def k(
            a: int16[8, 8] @ [S(0), R],
            b: int32[8, 8] @ [R, S(1)],
            c: int32[8, 8] @ [S(0), S(1)],
        ):
            acc: int32[4, 4] = dato.matmul(a, b) + 1
            c[:, :] = acc

    return top


@pytest.mark.parametrize("target", TARGETS)
def test_gemm_of_two_operand_types_into_a_declared_local(target, tmp_path):
    rng = np.random.default_rng(8)
    A = rng.integers(-32768, 32768, (8, 8)).astype(np.int16)
    B = rng.integers(-(2**20), 2**20, (8, 8)).astype(np.int32)
    C = np.zeros((8, 8), np.int32)
    run(gemm_two_operand_types(), target, tmp_path, A, B, C)
    exact = A.astype(np.int64) @ B.astype(np.int64) + 1
    np.testing.assert_array_equal(C, exact.astype(np.int32))


def widening_not_narrowing():
    @dato.region()
    def top(A: int16[4, 4], W: int32[4, 4], C: int32[4, 4], D: int8[2, 4]):
        @dato.kernel(mapping=[1], args=[A, W, C, D])
        def k(a: int16[4, 4], w: int32[4, 4], c: int32[4, 4], d: int8[2, 4]):
            for i in range(4):
                for j in range(4):
                    acc: int32 = 0
                    for kk in range(4):
                        acc += a[i, kk] * a[kk, j]  # int16 products, int32 sums
                    c[i, j] = acc
            d[0, :] = dato.max(w, axis=1) // 1000  # compared and divided in int32
            d[1, :] = w[0, :] // 3

    return top


@pytest.mark.parametrize("target", TARGETS)
def test_a_destination_widens_scalar_products_and_never_narrows(target, tmp_path):
    A = np.full((4, 4), 30000, np.int16)
    A[1] = -32768
    W = np.array([[70000, 5, -9, 1], [-128000, -3, 2, 0], [1, 2, 3, 4], [384, 900, 5, 6]], np.int32)
    C = np.zeros((4, 4), np.int32)
    D = np.zeros((2, 4), np.int8)
    run(widening_not_narrowing(), target, tmp_path, A, W, C, D)
    exact = A.astype(np.int64) @ A.astype(np.int64)
    np.testing.assert_array_equal(C, exact.astype(np.int32))
    np.testing.assert_array_equal(D[0], (W.max(axis=1) // 1000).astype(np.int8))
    np.testing.assert_array_equal(D[1], (W[0] // 3).astype(np.int8))


def int_sum_without_destination():
    @dato.region()
    def top(A: int32[8], B: int32[8]):
        @dato.kernel(mapping=[1], args=[A, B])
        def k(a: int32[8], b: int32[8]):
            n = dato.sum(a)  # numpy's platform integer: int64, no wrap at 2**31
            b[:] = a // 1024 + n // 1000

    return top


@pytest.mark.parametrize("target", TARGETS)
def test_integer_sum_without_destination_accumulates_like_numpy(target, tmp_path):
    A = np.full(8, 2**30, np.int32)
    A[3] = -7
    B = np.zeros(8, np.int32)
    run(int_sum_without_destination(), target, tmp_path, A, B)
    np.testing.assert_array_equal(B, A // 1024 + A.sum(dtype=np.int64) // 1000)
