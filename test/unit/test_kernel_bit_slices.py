"""Writing bit slices of integers (Allo's `x[lo:hi] = v`, `x[i] = bit`) into
variables and array elements, against numpy bit arithmetic on every target;
reading them is in test_kernel_language_widths.py."""

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Int, UInt, int8, int16, int32

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


def packed_dot():
    @dato.region()
    def top(X: int32[4], W: int32[4], Z: int32[4]):
        @dato.kernel(mapping=[1], args=[X, W, Z])
        def k(x: int32[4], w: int32[4], z: int32[4]):
            for r in range(4):
                acc: int32 = 0
                a: int32 = x[r]
                b: int32 = w[r]
                out: int32 = 0
                for p in range(4):
                    a_p: int8 = a[p * 8 : (p + 1) * 8]  # run-time start, constant width
                    b_p: int8 = b[p * 8 : (p + 1) * 8]
                    acc += a_p * b_p
                    out[p * 8 : (p + 1) * 8] = a_p - b_p
                    out[p * 8 : (p + 1) * 8] += 1
                out[0:8] = acc
                z[r] = out  # written once: the NPU moves z out only

    return top


@pytest.mark.parametrize("target", ["simulator", "aie", "hls"])
def test_bit_slices_at_run_time_positions(target, tmp_path):
    """Allo's packed systolic idiom: four int8 lanes of an int32 read and
    written at `p * 8:(p + 1) * 8` in a loop over p."""
    rng = np.random.default_rng(13)
    lanes_x = rng.integers(-128, 128, (4, 4)).astype(np.int8)
    lanes_w = rng.integers(-128, 128, (4, 4)).astype(np.int8)
    lanes_x[0] = [-128, 127, -1, 0]  # edge lanes
    X, W = lanes_x.view(np.int32).ravel(), lanes_w.view(np.int32).ravel()
    Z = np.zeros(4, np.int32)
    run(packed_dot(), target, tmp_path, X, W, Z)
    x, w = lanes_x.astype(np.int64), lanes_w.astype(np.int64)
    lanes = ((x - w + 1) & 0xFF).astype(np.uint8)  # each lane wraps at 8 bits
    lanes[:, 0] = ((x * w).sum(axis=1) & 0xFF).astype(np.uint8)  # out[0:8] = acc
    np.testing.assert_array_equal(Z, lanes.view(np.int32).ravel())


def packed_stream():
    @dato.region()
    def top(A: int16[4, 4], B: int16[4, 4]):
        pipe: dato.Stream[UInt(64), 2]

        @dato.kernel(mapping=[2], args=[A, B])
        def k(a: int16[4, 4], b: int16[4, 4]):
            i = dato.get_pid()
            with dato.meta_if(i == 0):
                for r in range(4):
                    word: UInt(64) = 0
                    for c in range(4):
                        v = a[r, c]
                        word[c * 16 : (c + 1) * 16] = v  # an int16 into 16 bits of a UInt(64)
                    pipe.put(word)  # noqa: F821
            with dato.meta_else():
                for r in range(4):
                    w = pipe.get()  # noqa: F821
                    for c in range(4):
                        v: int16 = w[c * 16 : (c + 1) * 16]  # the same name, annotated anew
                        b[r, c] = v * 2

    return top


@pytest.mark.parametrize("target", ["simulator", "aie", "hls"])
def test_lanes_packed_into_a_wide_word_cross_a_stream(target, tmp_path):
    """Four int16 lanes packed into a UInt(64) at run-time positions, sent,
    unpacked (signed again by the int16 annotation): Allo's daisy-chain idiom."""
    A = np.array(
        [[-32768, 32767, -1, 0], [1, -2, 300, -300], [7, 8, 9, 10], [0, 0, -5, 5]], np.int16
    )
    B = np.zeros((4, 4), np.int16)
    run(packed_stream(), target, tmp_path, A, B)
    np.testing.assert_array_equal(B, (A.astype(np.int64) * 2).astype(np.int16))


def run_time_widths():
    @dato.region()
    def top(A: int32[4], W: int32[4], B: int32[2, 4]):
        @dato.kernel(mapping=[1], args=[A, W, B])
        def k(a: int32[4], w: int32[4], b: int32[2, 4]):
            pack: Int(128) = 0
            for i in range(4):
                lsb: dato.index = i * 32
                msb: dato.index = lsb + w[i]  # the width is data: w[i] bits
                pack[lsb:msb] = a[i]
            for i in range(4):
                lsb: dato.index = i * 32
                msb: dato.index = lsb + w[i]
                v: int32 = pack[lsb:msb]  # zero-extended: the slice keeps 128 bits
                b[0, i] = v
                b[1, i] = pack[i * 32 : i * 32 + 32]

    return top


@pytest.mark.parametrize("target", ["simulator", "hls"])
def test_bit_slices_of_run_time_width_in_an_int128(target, tmp_path):
    """Both bounds at run time (Allo's sparse systolic packs int32 columns into
    an int128 with `pack[lsb:msb]`), `index`-annotated bounds declared in two
    loops; widths 32 (all bits), 31 (Allo's msb - 1 idiom), 8 and 1."""
    A = np.array([-1, -(2**31), 0x12345678, 0x7FFFFFFF], np.int32)
    W = np.array([32, 31, 8, 1], np.int32)
    B = np.zeros((2, 4), np.int32)
    run(run_time_widths(), target, tmp_path, A, W, B)
    low = [int(a) & ((1 << int(w)) - 1) for a, w in zip(A, W, strict=True)]
    np.testing.assert_array_equal(B[0], np.array(low, np.int64).astype(np.int32))
    np.testing.assert_array_equal(B[1], np.array(low, np.int64).astype(np.int32))
