"""Dato programs built with the Python frontend and run on the simulator,
checked against numpy."""

import time

import ml_dtypes
import numpy as np
import pytest

import dato_xdsl as dato
from test.unit.programs import dato_programs as progs

RNG = np.random.default_rng(2509)

INT_TYPES = [dato.int8, dato.int16, dato.int32]
ALL_TYPES = [*INT_TYPES, dato.float32, dato.bfloat16]


def rand(dtype, shape, lo=-8, hi=8):
    """Small values: integer products stay exact where the test wants them to,
    and bf16 sums of a few terms stay representable."""
    values = RNG.integers(lo, hi, size=shape)
    return values.astype(dtype.numpy)


def full_range(dtype, shape):
    """Integers drawn from the type's whole range (its most negative value
    included: sums and products wrap); floats as `rand` gives them."""
    if dtype.is_float:
        return rand(dtype, shape)
    info = np.iinfo(dtype.numpy)
    values = RNG.integers(info.min, info.max, size=shape, endpoint=True)
    values.reshape(-1)[0] = info.min
    return values.astype(dtype.numpy)


def ref_elementwise(fn, dtype, *arrays):
    """numpy's answer in the declared type: integers computed exactly in int64
    and wrapped to the width, floats in float64 and rounded once."""
    if dtype.is_float:
        return fn(*(a.astype(np.float64) for a in arrays)).astype(dtype.numpy)
    return fn(*(a.astype(np.int64) for a in arrays)).astype(dtype.numpy)


def ref_matmul(a, b, dtype):
    """numpy's answer in the declared type: integers wrap at their width,
    bf16 accumulates in float32 and rounds once."""
    if dtype.is_float:
        out = a.astype(np.float32) @ b.astype(np.float32)
        return out.astype(dtype.numpy)
    wide = a.astype(np.int64) @ b.astype(np.int64)
    return wide.astype(dtype.numpy)  # astype wraps modulo 2**width


# unit roundoff: half the distance from 1 to the next value of the type
EPS = {"bfloat16": 2.0**-8, "float32": 2.0**-24}


def check_close(got, want, dtype, roundings=2):
    """Integers exactly; floats to within `roundings` roundings of the type
    (relative eps each; 2: the reference's own final rounding and one more for
    a sum the target orders differently), never a fixed percentage."""
    if dtype.is_float:
        np.testing.assert_allclose(
            got.astype(np.float64),
            want.astype(np.float64),
            rtol=roundings * EPS[str(dtype)],
            atol=0,
        )
    else:
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("T", ALL_TYPES, ids=str)
def test_producer_consumer(T):
    N = 16
    mod = dato.build(progs.producer_consumer(T, N))
    a = full_range(T, N)
    b = np.zeros(N, dtype=T.numpy)
    mod(a, b)
    check_close(b, ref_elementwise(lambda x: (x + 1) * 2, T, a), T)


@pytest.mark.parametrize("T", ALL_TYPES, ids=str)
def test_tiled_gemm_2x2(T):
    M, N, K = 16, 8, 24  # non-square: swapped dimensions or strides show
    mod = dato.build(progs.tiled_gemm(T, M, N, K))
    A, B = full_range(T, (M, K)), full_range(T, (K, N))
    C = np.zeros((M, N), dtype=T.numpy)
    mod(A, B, C)
    check_close(C, ref_matmul(A, B, T), T)


def test_int8_gemm_wraps_like_numpy():
    """Products of int8 values up to 100 overflow int8: the result wraps."""
    M = N = K = 8
    mod = dato.build(progs.tiled_gemm(dato.int8, M, N, K))
    A = RNG.integers(-100, 100, size=(M, K)).astype(np.int8)
    B = RNG.integers(-100, 100, size=(K, N)).astype(np.int8)
    C = np.zeros((M, N), dtype=np.int8)
    mod(A, B, C)
    wrapped = (A.astype(np.int64) @ B.astype(np.int64)) % 256
    wrapped = np.where(wrapped >= 128, wrapped - 256, wrapped)
    np.testing.assert_array_equal(C, wrapped.astype(np.int8))


@pytest.mark.parametrize("T", ALL_TYPES, ids=str)
def test_systolic_2d(T):
    M, N, K = 4, 3, 6
    mod = dato.build(progs.systolic_2d(T, M, N, K))
    A, B = full_range(T, (M, K)), full_range(T, (K, N))
    C = np.zeros((M, N), dtype=T.numpy)
    mod(A, B, C)
    check_close(C, ref_matmul(A, B, T), T)


@pytest.mark.parametrize("T", [dato.int16, dato.float32], ids=str)
def test_systolic_1d(T):
    M, N, K = 3, 4, 5
    mod = dato.build(progs.systolic_1d(T, M, N, K))
    A, B = full_range(T, (M, K)), full_range(T, (K, N))
    C = np.zeros((M, N), dtype=T.numpy)
    mod(A, B, C)
    check_close(C, ref_matmul(A, B, T), T)


@pytest.mark.parametrize("T", [dato.int32, dato.float32, dato.bfloat16], ids=str)
def test_split_k_gemm(T):
    M, N, K, KS = 8, 4, 32, 4
    mod = dato.build(progs.split_k_gemm(T, M, N, K, KS))
    A, B = full_range(T, (M, K)), full_range(T, (K, N))
    C = np.zeros((M, N), dtype=T.numpy)
    mod(A, B, C)
    check_close(C, ref_matmul(A, B, T), T)


@pytest.mark.parametrize("T", [dato.int16, dato.float32], ids=str)
def test_ring_gemm(T):
    M, N, K, P = 8, 16, 8, 4
    mod = dato.build(progs.ring_gemm(T, M, N, K, P))
    A, B = full_range(T, (M, K)), full_range(T, (K, N))
    C = np.zeros((M, N), dtype=T.numpy)
    mod(A, B, C)
    check_close(C, ref_matmul(A, B, T), T)


@pytest.mark.parametrize("T", [dato.int32, dato.float32], ids=str)
def test_scatter_gather(T):
    P, L = 4, 8
    mod = dato.build(progs.scatter_gather(T, P, L))
    A = full_range(T, (P, L))
    B = np.zeros((P, L), dtype=T.numpy)
    mod(A, B)
    check_close(B, ref_elementwise(lambda x: x * x + 1, T, A), T)


@pytest.mark.parametrize("T", [dato.float32, dato.bfloat16], ids=str)
def test_mlp3(T):
    Bt, D0, D1, D2, D3 = 4, 8, 16, 8, 4
    mod = dato.build(progs.mlp3(T, Bt, D0, D1, D2, D3))
    X = rand(T, (Bt, D0), -2, 3)
    W1, W2, W3 = rand(T, (D0, D1), -2, 3), rand(T, (D1, D2), -2, 3), rand(T, (D2, D3), -2, 3)
    Y = np.zeros((Bt, D3), dtype=T.numpy)
    mod(X, W1, W2, W3, Y)
    f = np.float32
    h1 = np.maximum(X.astype(f) @ W1.astype(f), 0).astype(T.numpy).astype(f)
    h2 = np.maximum(h1 @ W2.astype(f), 0).astype(T.numpy).astype(f)
    check_close(Y, (h2 @ W3.astype(f)).astype(T.numpy), T)


@pytest.mark.parametrize("T", ALL_TYPES, ids=str)
def test_elementwise_meta_for(T):
    P, L = 4, 8
    mod = dato.build(progs.elementwise_meta_for(T, P, L))
    A, B = full_range(T, (P, L)), full_range(T, (P, L))
    C = np.zeros((P, L), dtype=T.numpy)
    mod(A, B, C)
    check_close(C, ref_elementwise(np.add, T, A, B), T)


def test_deadlock_is_reported_quickly():
    mod = dato.build(progs.deadlock(4))
    a = np.arange(4, dtype=np.int32)
    b = np.zeros(4, dtype=np.int32)
    start = time.monotonic()
    with pytest.raises(dato.DatoError) as info:
        mod(a, b)
    assert time.monotonic() - start < 10
    message = str(info.value)
    for words in ("deadlock", "left", "right", "pong", "ping", "empty"):
        assert words in message


def test_mixed_type_rules():
    mod = dato.build(progs.mixed_types())
    a = np.array([100, 100, -3, 5], dtype=np.int8)
    b = np.array([1000, -7, -7, 300], dtype=np.int16)
    u = np.array([200, 100, 0, 0], dtype=np.uint8)
    f = np.array([1.5, 2.25, 1.0, 0.75], dtype=np.float32)
    oi = np.zeros(8, dtype=np.int16)
    of = np.zeros(4, dtype=np.float32)
    mod(a, b, u, f, oi, of)
    assert oi[0] == -56  # 200 wraps to -56 in int8
    assert oi[1] == -3000
    assert oi[2] == -2  # -7 // 4
    assert oi[3] == -1  # trunc(-7 / 4)
    assert oi[4] == 3  # -7 % 5 in Python
    assert oi[5] == 200
    assert oi[6] == 300
    assert oi[7] == 1  # 200 > 100 unsigned
    assert of[0] == np.float32(1.5) * np.float32(2.25) + np.float32(100)
    assert of[1] == np.float32(1.0) / np.float32(3)
    assert of[2] == 1000.0 * 1000.0
    assert of[3] == -0.75


def test_results_are_deterministic():
    mod = dato.build(progs.systolic_2d(dato.int32, 3, 3, 4))
    A, B = rand(dato.int32, (3, 4)), rand(dato.int32, (4, 3))
    outs = []
    for _ in range(2):
        C = np.zeros((3, 3), dtype=np.int32)
        mod(A, B, C)
        outs.append(C)
    np.testing.assert_array_equal(outs[0], outs[1])


def test_printed_ir_is_accepted_by_dato_opt(tmp_path):
    import subprocess
    import sys

    mod = dato.build(progs.systolic_2d(dato.int16, 2, 2, 3))
    path = tmp_path / "systolic.mlir"
    path.write_text(str(mod.module))
    tool = __import__("os").path.join(
        __import__("os").path.dirname(__file__), "..", "..", "tools", "dato-opt"
    )
    result = subprocess.run([sys.executable, tool, str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "dato.task @gemm grid [4, 4]" in result.stdout


def test_wrong_arguments_are_reported():
    mod = dato.build(progs.producer_consumer(dato.int32, 4))
    with pytest.raises(dato.DatoArgumentError, match="takes 2 array"):
        mod(np.zeros(4, dtype=np.int32))
    with pytest.raises(dato.DatoArgumentError, match="dtype float32"):
        mod(np.zeros(4, dtype=np.float32), np.zeros(4, dtype=np.int32))
    with pytest.raises(dato.DatoArgumentError, match=r"shape \[5\]"):
        mod(np.zeros(5, dtype=np.int32), np.zeros(4, dtype=np.int32))


def test_bf16_type_is_ml_dtypes():
    assert dato.bfloat16.numpy == np.dtype(ml_dtypes.bfloat16)
