"""Mixed-precision matmuls whose kernels the NPU library gained: integer
operands into a float32 or bfloat16 result (the products summed exactly,
converted once and added to C once, as the simulator computes them), run on
the virtual NPU against numpy, with a non-zero initial C and non-square
shapes; and the unsigned library kernels (u8 / u16 operands read
zero-extended) called directly against numpy."""

import ctypes
import subprocess
from pathlib import Path

import ml_dtypes
import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import bfloat16, float32, int8, int16
from dato_xdsl.transforms.kernel_library import LIBRARY_SOURCE, X86_OS_BYTES

M, K, N = 6, 24, 8


def _into(operand, result):
    @dato.region()
    def top(A: operand[M, K], B: operand[K, N], D: result[M, N]):
        @dato.kernel(mapping=[1], args=[A, B, D])
        def k(a: operand[M, K], b: operand[K, N], d: result[M, N]):
            d[:, :] = dato.matmul(a, b)

    return top


def _operands(dtype, rng):
    info = np.iinfo(dtype)
    a = rng.integers(info.min, info.max, (M, K), dtype=dtype, endpoint=True)
    b = rng.integers(info.min, info.max, (K, N), dtype=dtype, endpoint=True)
    a[0, :] = info.min  # the extremes: -128 * -128 summed K times
    b[:, 0] = info.min
    return a, b


def test_int8_matmul_into_float32_on_the_npu(tmp_path):
    rng = np.random.default_rng(1)
    a, b = _operands(np.int8, rng)
    d = np.full((M, N), 7.5, np.float32)  # overwritten: the task's C starts at zero
    dato.build(_into(int8, float32), target="aie", project=tmp_path / "p")(a, b, d)
    exact = a.astype(np.int64) @ b.astype(np.int64)  # |sum| < 2^24: exact in float32
    np.testing.assert_array_equal(d, exact.astype(np.float32))


def test_int16_matmul_into_float32_on_the_npu_equals_the_simulator(tmp_path):
    """Small int16 values (exact in float32 whatever the summation order)."""
    rng = np.random.default_rng(2)
    a = rng.integers(-300, 300, (M, K)).astype(np.int16)
    b = rng.integers(-300, 300, (K, N)).astype(np.int16)
    out = {}
    for target in ("simulator", "aie"):
        d = np.zeros((M, N), np.float32)
        options = {"project": tmp_path / target} if target == "aie" else {}
        dato.build(_into(int16, float32), target=target, **options)(a, b, d)
        out[target] = d
    want = (a.astype(np.int64) @ b.astype(np.int64)).astype(np.float32)
    np.testing.assert_array_equal(out["aie"], want)
    np.testing.assert_array_equal(out["simulator"], want)


def test_int8_matmul_into_bfloat16_rounds_once(tmp_path):
    rng = np.random.default_rng(3)
    a, b = _operands(np.int8, rng)
    d = np.zeros((M, N), ml_dtypes.bfloat16)
    dato.build(_into(int8, bfloat16), target="aie", project=tmp_path / "p")(a, b, d)
    exact = (a.astype(np.int64) @ b.astype(np.int64)).astype(np.float32)
    np.testing.assert_array_equal(
        d.view(np.uint16), exact.astype(ml_dtypes.bfloat16).view(np.uint16)
    )


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    out = tmp_path_factory.mktemp("lib") / "libdato.so"
    subprocess.run(
        ["g++", "-std=c++17", "-O1", "-shared", "-fPIC", str(LIBRARY_SOURCE), "-o", str(out)],
        check=True,
    )
    return ctypes.CDLL(str(out))


def _call(lib, name, a, b, c):
    ptr = ctypes.c_void_p
    getattr(lib, name)(
        ptr(a.ctypes.data), ptr(b.ctypes.data), ptr(c.ctypes.data),
        ctypes.c_int32(a.shape[0]), ctypes.c_int32(a.shape[1]), ctypes.c_int32(b.shape[1]),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("operand", "result"),
    [(np.uint8, np.int16), (np.uint8, np.int32), (np.uint16, np.int32)],
)
def test_unsigned_kernels_widen_zero_extended(library, operand, result):
    rng = np.random.default_rng(4)
    hi = np.iinfo(operand).max
    a = rng.integers(0, hi, (5, 7), endpoint=True).astype(operand)
    b = rng.integers(0, hi, (7, 3), endpoint=True).astype(operand)
    a[0, :] = hi  # 255 * 255: a signed kernel would read -1 * -1
    b[:, 0] = hi
    c = rng.integers(-1000, 1000, (5, 3)).astype(result)
    want = (c.astype(np.int64) + a.astype(np.int64) @ b.astype(np.int64)).astype(result)
    key = f"u{np.dtype(operand).itemsize * 8}_{'i' + str(np.dtype(result).itemsize * 8)}"
    _call(library, f"dato_matmul_{key}", a, b, c)
    np.testing.assert_array_equal(c, want)  # integers wrap at the result's width
    assert ("matmul", key) in X86_OS_BYTES


@pytest.mark.parametrize(
    ("name", "operand", "hi"),
    [("i8_f32", np.int8, 127), ("u8_f32", np.uint8, 255), ("u16_f32", np.uint16, 2000)],
)
def test_integer_kernels_into_float32_add_to_c_once(library, name, operand, hi):
    """A non-zero C (fractions): C + float(exact sum), one rounding of the sum
    and one of the addition, as the simulator's `c += a @ b`."""
    rng = np.random.default_rng(5)
    lo = -128 if operand == np.int8 else 0
    a = rng.integers(lo, hi, (4, 9), endpoint=True).astype(operand)
    b = rng.integers(lo, hi, (9, 6), endpoint=True).astype(operand)
    c = (rng.integers(-100, 100, (4, 6)) * 0.375).astype(np.float32)
    want = c + (a.astype(np.int64) @ b.astype(np.int64)).astype(np.float32)
    _call(library, f"dato_matmul_{name}", a, b, c)
    np.testing.assert_array_equal(c, want)
    assert ("matmul", name) in X86_OS_BYTES


def test_library_file_is_the_one_projects_copy():
    assert Path(LIBRARY_SOURCE).name == "dato_kernels.cc"
