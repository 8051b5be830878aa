"""`UInt` operands of a widening matmul are read unsigned (uint8 x uint8 ->
int32 / float32, values above 127 included), against numpy on the simulator
and the g++ C simulation; the NPU refuses it at the line (until its lowering
names the unsigned library kernels); int8 x int8 -> float32 runs on all three."""

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import float32, int8, int32, uint8


def unsigned_gemm():
    @dato.region()
    def top(A: uint8[2, 4], B: uint8[4, 2], C: int32[2, 2], D: float32[2, 2]):
        @dato.kernel(mapping=[1], args=[A, B, C, D])
        def k(a: uint8[2, 4], b: uint8[4, 2], c: int32[2, 2], d: float32[2, 2]):
            c[:, :] = dato.matmul(a, b)
            d[:, :] = dato.matmul(a, b)

    return top


@pytest.mark.parametrize("target", ["simulator", "hls"])
def test_uint8_matmul_widens_unsigned(target, tmp_path):
    A = np.array([[255, 200, 1, 128], [0, 7, 129, 250]], np.uint8)
    B = np.ascontiguousarray(A.T)
    C = np.zeros((2, 2), np.int32)
    D = np.zeros((2, 2), np.float32)
    options = {} if target == "simulator" else {"project": tmp_path / target}
    dato.build(unsigned_gemm(), target=target, **options)(A, B, C, D)
    exact = A.astype(np.int64) @ B.astype(np.int64)
    np.testing.assert_array_equal(C, exact)
    np.testing.assert_array_equal(D, exact.astype(np.float32))


def test_uint8_matmul_is_refused_on_the_npu(tmp_path):
    with pytest.raises(dato.DatoIRError) as info:
        dato.build(unsigned_gemm(), target="aie", project=tmp_path / "aie")
    message = str(info.value)
    assert "test_kernel_language_unsigned.py:18:" in message
    assert "multiplies unsigned integers (8-bit UInt operands)" in message


def int8_into_float():
    @dato.region()
    def top(A: int8[4, 4], B: int8[4, 4], D: float32[4, 4]):
        @dato.kernel(mapping=[1], args=[A, B, D])
        def k(a: int8[4, 4], b: int8[4, 4], d: float32[4, 4]):
            d[:, :] = dato.matmul(a, b)

    return top


@pytest.mark.parametrize("target", ["simulator", "hls"])
def test_int8_matmul_into_float32(target, tmp_path):
    A = (np.arange(-8, 8, dtype=np.int8).reshape(4, 4) * 16).astype(np.int8)  # -128 .. 112
    B = np.ascontiguousarray(A.T)
    D = np.zeros((4, 4), np.float32)
    options = {} if target == "simulator" else {"project": tmp_path / target}
    dato.build(int8_into_float(), target=target, **options)(A, B, D)
    np.testing.assert_array_equal(D, (A.astype(np.int64) @ B.astype(np.int64)).astype(np.float32))


def test_int8_matmul_into_float32_on_the_npu(tmp_path):
    """int8 x int8 -> float32 has a kernel in the NPU library now
    (dato_matmul_i8_f32): the same values as numpy."""
    A = (np.arange(-8, 8, dtype=np.int8).reshape(4, 4) * 16).astype(np.int8)  # -128 .. 112
    B = np.ascontiguousarray(A.T)
    D = np.zeros((4, 4), np.float32)
    dato.build(int8_into_float(), target="aie", project=tmp_path / "aie")(A, B, D)
    np.testing.assert_array_equal(D, (A.astype(np.int64) @ B.astype(np.int64)).astype(np.float32))
