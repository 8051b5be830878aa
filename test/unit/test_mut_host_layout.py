"""targets/aie/host_layout: the user's arrays laid out as an NPU design reads
them (block rows padded to whole words, int4 packed two per byte, arrays
packed into shared buffers at offsets) and read back. Each expectation is
built element by element with Python integers in the test (the layout rule of
npu_padding's docstring and UG1583's nibble order), on odd lengths, rows
padded by more than one element, several blocks per row, and both signs."""

from __future__ import annotations

import numpy as np
import pytest

from dato_xdsl.targets.aie.host_layout import Layout, from_buffers, to_buffers


def _layout(padding: dict[int, tuple[int, ...]], packing=None, sizes=None) -> Layout:
    return {"padding": padding, "packing": packing, "sizes": sizes}


def _padded_rows(a: np.ndarray, length: int, padded: int) -> list[list[int]]:
    """Every row of `a` (as Python ints) with each run of `length` elements
    followed by padded - length zeros."""
    out = []
    for row in a.reshape(-1, a.shape[-1]).tolist():
        wide: list[int] = []
        for b in range(0, len(row), length):
            wide += row[b : b + length] + [0] * (padded - length)
        out.append(wide)
    return out


def _packed_rows(a: np.ndarray, length: int, padded: int) -> list[list[int]]:
    """Every block row of `length` int4 values as `padded` bytes: value 2k in
    bits 3:0 of byte k, 2k + 1 in bits 7:4, the rest zero."""
    out = []
    for row in a.reshape(-1, a.shape[-1]).tolist():
        wide: list[int] = []
        for b in range(0, len(row), length):
            block = row[b : b + length]
            data = [0] * padded
            for i, v in enumerate(block):
                data[i // 2] |= (v & 15) << (4 * (i % 2))
            wide += data
        out.append(wide)
    return out


@pytest.mark.parametrize(
    ("dtype", "shape", "length", "padded"),
    [
        (np.int8, (2, 6), 3, 4),  # two blocks a row, one pad byte each
        (np.int8, (3, 5), 5, 8),  # three pad bytes
        (np.int16, (2, 9), 3, 4),  # three blocks a row, 16-bit
        (np.int8, (2, 3, 2), 1, 4),  # rank 3, rows of 1
    ],
)
def test_padded_rows_are_laid_out_and_read_back(dtype, shape, length, padded):
    rng = np.random.default_rng(sum(shape) * padded)
    info = np.iinfo(dtype)
    a = rng.integers(info.min, info.max, shape, dtype=dtype, endpoint=True)
    (buf,) = to_buffers(_layout({0: (length, padded)}), [a])
    want = _padded_rows(a, length, padded)
    assert buf.dtype == dtype
    assert buf.shape == (*shape[:-1], shape[-1] // length * padded)
    assert buf.reshape(-1, buf.shape[-1]).tolist() == want
    # back: the pad elements (set to garbage, as a run may leave them) are dropped
    back = buf.copy()
    flat = back.reshape(-1, back.shape[-1])
    for r in range(flat.shape[0]):
        for b in range(0, flat.shape[1], padded):
            flat[r, b + length : b + padded] = -1
    out = np.zeros_like(a)
    from_buffers(_layout({0: (length, padded)}), [back], [out])
    np.testing.assert_array_equal(out, a)


@pytest.mark.parametrize(
    ("signed", "shape", "length", "padded"),
    [
        (True, (2, 10), 5, 4),  # odd rows: 3 bytes + 1 pad byte, two blocks a row
        (False, (3, 4), 4, 4),  # even rows: 2 bytes + 2 pad bytes
        (True, (1, 14), 7, 8),  # 4 bytes + 4 pad bytes
        (False, (2, 2, 3), 3, 4),  # rank 3, 2 bytes + 2
    ],
)
def test_int4_rows_pack_two_per_byte_low_nibble_first(signed, shape, length, padded):
    rng = np.random.default_rng(length * 31 + padded)
    lo, hi = (-8, 7) if signed else (0, 15)
    a = rng.integers(lo, hi, shape, dtype=np.int8, endpoint=True)
    a.reshape(-1)[:2] = (lo, hi)  # both ends of the range
    rows = (length, padded, int(signed))
    (buf,) = to_buffers(_layout({0: rows}), [a])
    assert buf.shape == (*shape[:-1], shape[-1] // length * padded)
    assert buf.dtype.itemsize == 1
    assert buf.view(np.uint8).reshape(-1, buf.shape[-1]).tolist() == _packed_rows(a, length, padded)
    out = np.full_like(a, 99)
    from_buffers(_layout({0: rows}), [buf.copy()], [out])
    np.testing.assert_array_equal(out, a)


def test_int4_held_in_int16_packs_to_bytes_and_unpacks_signed():
    a = np.array([[-8, 7, -1, 0, 5, -3]], np.int16)
    (buf,) = to_buffers(_layout({0: (3, 4, 1)}), [a])
    assert buf.dtype == np.uint8
    # block [-8, 7, -1]: bytes 0x78, 0x0F; block [0, 5, -3]: 0x50, 0x0D
    assert buf.tolist() == [[0x78, 0x0F, 0, 0, 0x50, 0x0D, 0, 0]]
    out = np.zeros_like(a)
    from_buffers(_layout({0: (3, 4, 1)}), [buf], [out])
    np.testing.assert_array_equal(out, a)


def test_packed_nibbles_read_back_signed_and_unsigned():
    # bytes as a run leaves them, pad bytes included: 0x9F = low 15, high 9
    buf = np.array([[0x9F, 0x80, 0xAB, 0x00]], np.uint8).view(np.int8)
    s = np.zeros((1, 3), np.int8)
    from_buffers(_layout({0: (3, 4, 1)}), [buf], [s])
    assert s.tolist() == [[-1, -7, 0]]
    u = np.zeros((1, 3), np.uint8)
    from_buffers(_layout({0: (3, 4, 0)}), [buf.view(np.uint8)], [u])
    assert u.tolist() == [[15, 9, 0]]


def test_arrays_packed_into_buffers_at_offsets():
    a = np.arange(1, 7, dtype=np.int8).reshape(2, 3)  # padded to 2 x 4
    b = np.array([-5, 6, -7], np.int8)
    c = np.array([[40, -41], [42, -43]], np.int8)
    layout = _layout({0: (3, 4)}, packing=[[(0, 2), (1, 11)], [(2, 0)]], sizes=[16, 4])
    bufs = to_buffers(layout, [a, b, c])
    assert [x.dtype for x in bufs] == [np.int8, np.int8]
    want0 = [0] * 16
    want0[2:10] = [1, 2, 3, 0, 4, 5, 6, 0]
    want0[11:14] = [-5, 6, -7]
    assert bufs[0].tolist() == want0
    assert bufs[1].tolist() == [40, -41, 42, -43]
    # back from buffers whose pads and gaps hold garbage
    bufs[0][[0, 1, 5, 9, 10, 14, 15]] = 77
    outs = [np.zeros_like(x) for x in (a, b, c)]
    from_buffers(layout, bufs, outs)
    for got, want in zip(outs, (a, b, c), strict=True):
        np.testing.assert_array_equal(got, want)


def test_arrays_neither_padded_nor_packed_pass_as_they_are():
    a = np.arange(12, dtype=np.int32).reshape(3, 4)
    b = np.arange(6, dtype=np.int8).reshape(2, 3)
    bufs = to_buffers(_layout({1: (3, 4)}), [a, b])
    assert bufs[0] is a
    out_b = np.zeros_like(b)
    # a buffer that is the array itself is left alone; a flat one is reshaped
    flat_a = a.reshape(-1).copy() * 2
    out_a = np.zeros_like(a)
    from_buffers(_layout({1: (3, 4)}), [flat_a, bufs[1]], [out_a, out_b])
    np.testing.assert_array_equal(out_a, a * 2)
    np.testing.assert_array_equal(out_b, b)
    same = a.copy()
    from_buffers(_layout({}), [same], [same])
    np.testing.assert_array_equal(same, a)


def test_packed_int4_in_a_buffer_of_a_wider_type_reads_back():
    # a buffer takes its first array's type: int4 bytes after an int16 array
    # are held one byte per int16 element, and read back as bytes
    w = np.array([-300, 7, 1000], np.int16)
    a = np.array([[-8, 7, -1], [3, 0, -5]], np.int16)
    layout = _layout({1: (3, 4, 1)}, packing=[[(0, 0), (1, 3)]], sizes=[12])
    (buf,) = to_buffers(layout, [w, a])
    assert buf.dtype == np.int16
    # [-8, 7, -1]: bytes 0x78, 0x0F, 0, 0; [3, 0, -5]: 0x03, 0x0B, 0, 0
    assert buf.tolist() == [-300, 7, 1000, 0x78, 0x0F, 0, 0, 0x03, 0x0B, 0, 0, 0]
    outs = [np.zeros_like(w), np.zeros_like(a)]
    from_buffers(layout, [buf], outs)
    np.testing.assert_array_equal(outs[0], w)
    np.testing.assert_array_equal(outs[1], a)


def test_a_buffer_takes_the_type_of_the_array_it_starts_with():
    # the buffer's first array is array 1 (int16), at offset 0; array 0
    # (int8) follows at 3: the buffer is int16 and holds both exactly
    a = np.array([-128, 127, 5], np.int8)
    w = np.array([-30000, 300, 7], np.int16)
    layout = _layout({}, packing=[[(1, 0), (0, 3)]], sizes=[8])
    (buf,) = to_buffers(layout, [a, w])
    assert buf.dtype == np.int16
    assert buf.tolist() == [-30000, 300, 7, -128, 127, 5, 0, 0]
    outs = [np.zeros_like(a), np.zeros_like(w)]
    from_buffers(layout, [buf], outs)
    np.testing.assert_array_equal(outs[0], a)
    np.testing.assert_array_equal(outs[1], w)
