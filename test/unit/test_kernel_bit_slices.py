"""Writing bit slices of integers (Allo's `x[lo:hi] = v`, `x[i] = bit`) into
variables and array elements, against numpy bit arithmetic on every target;
reading them is in test_kernel_language_widths.py."""

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import UInt, int16, int32

A = np.array([-1, 0x1234, -32768, 7, 0x7FFF, -2, 0x0FF0, 300], np.int16)


def signed(v, n):
    v = v & ((1 << n) - 1)
    return np.where(v >= 1 << (n - 1), v - (1 << n), v)


def run(top, target, tmp_path, *arrays):
    options = {} if target == "simulator" else {"project": tmp_path / target}
    dato.build(top, target=target, **options)(*arrays)


def variables():
    @dato.region()
    def top(A: int16[8], B: int32[2, 8]):
        @dato.kernel(mapping=[1], args=[A, B])
        def k(a: int16[8], b: int32[2, 8]):
            for i in range(8):
                x: int16 = a[i]
                x[0:4] = 9
                x[12:16] = a[i] >> 4  # the low 4 bits of the value
                b[0, i] = x
                y: int32 = 0
                y[8:24] = a[i]
                y[31] = 1  # the sign bit: y becomes negative
                b[1, i] = y

    return top


@pytest.mark.parametrize("target", ["simulator", "aie", "hls"])
def test_bit_slices_written_into_variables(target, tmp_path):
    B = np.zeros((2, 8), np.int32)
    run(variables(), target, tmp_path, A, B)
    a = A.astype(np.int64)
    u = a & 0xFFFF
    np.testing.assert_array_equal(B[0], signed((u & 0x0FF0) | 9 | (((a >> 4) & 0xF) << 12), 16))
    np.testing.assert_array_equal(B[1], signed((u << 8) | (1 << 31), 32))


def elements():
    @dato.region()
    def top(A: int16[8], B: int32[8], C: UInt(12)[8]):
        @dato.kernel(mapping=[1], args=[A, B, C])
        def k(a: int16[8], b: int32[8], c: UInt(12)[8]):
            for i in range(8):
                b[i] = a[i]
                b[i][4:8] = -1  # all ones in bits 4..7
                c[i] = a[i]
                c[i][10:12] = 2

    return top


@pytest.mark.parametrize("target", ["simulator", "hls"])
def test_bit_slices_written_into_array_elements(target, tmp_path):
    B = np.zeros(8, np.int32)
    C = np.zeros(8, np.uint16)
    run(elements(), target, tmp_path, A, B, C)
    a = A.astype(np.int64)
    np.testing.assert_array_equal(B, a | 0xF0)
    np.testing.assert_array_equal(C, ((a & 0xFFF) & ~0xC00) | (2 << 10))


def test_a_bit_slice_of_an_expression_is_not_assignable():
    @dato.region()
    def top(A: int16[8]):
        @dato.kernel(mapping=[1], args=[A])
        def k(a: int16[8]):
            for i in range(8):
                (a[i] + 1)[0:4] = 3

    with pytest.raises(dato.DatoCompileError) as info:
        dato.build(top)
    assert "test_kernel_bit_slices.py:" in str(info.value)
    assert "written into a variable or an array element, not a[i] + 1" in str(info.value)
