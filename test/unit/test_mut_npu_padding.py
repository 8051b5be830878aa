"""npu_padding's rules, each against the arithmetic written out in the test:
a row of L elements of b bits grows to the next whole number of 32-bit words
(exactly a word, one element past it), int4 rows take ceil(L / 2) bytes so
padded, padded shapes and offsets of several blocks a row, the attributes
that record them read back as written, and which block streams are padded
(8- and 16-bit rows that are not whole words; not 32-bit, not scalars, not
rows already whole). Designs with int4 blocks of rank 3 and odd rows run on
the virtual NPU against numpy."""

# ruff: noqa: F821 (streams are declared by annotations)

import numpy as np
import pytest
from xdsl.dialects.builtin import BFloat16Type, MemRefType, ModuleOp, i8, i16, i32

import dato_xdsl as dato
from dato_xdsl import Layout, Stream, int4, int8, int16, uint4
from dato_xdsl.dialects import dato as ir
from dato_xdsl.transforms.npu_padding import (
    nibble_rows,
    packs_nibbles,
    padded_length,
    padded_offsets,
    padded_shape,
    padded_type,
    read_nibbles,
    read_padded_rows,
    read_padding,
    record_nibbles,
    record_padding,
    stream_rows,
)

S, R = Layout.Shard, Layout.Replicate


def _words(length: int, bits: int) -> int:
    """Elements in the whole 32-bit words that hold `length` of `bits` bits."""
    per_word = 32 // bits
    words = (length + per_word - 1) // per_word
    return words * per_word


@pytest.mark.parametrize("bits", [4, 8, 16, 32])
def test_padded_length_is_the_next_whole_word(bits: int):
    per_word = 32 // bits
    for length in range(0, 3 * per_word + 2):
        assert padded_length(length, bits, 32) == _words(length, bits), length
    # exactly a word, and one element past it
    assert padded_length(per_word, bits, 32) == per_word
    assert padded_length(per_word + 1, bits, 32) == 2 * per_word
    # a 64-bit word
    assert padded_length(3, 8, 64) == 8
    assert padded_length(9, 8, 64) == 16


@pytest.mark.parametrize("length", [1, 2, 3, 7, 8, 9, 16, 17])
def test_int4_rows_take_half_a_byte_a_value_in_whole_words(length: int):
    nbytes = (length + 1) // 2
    assert nibble_rows(length, 32, True) == (length, _words(nbytes, 8), 1)
    assert nibble_rows(length, 32, False) == (length, _words(nbytes, 8), 0)
    assert packs_nibbles(nibble_rows(length, 32, False))
    assert not packs_nibbles((length, _words(length, 8)))
    assert not packs_nibbles(None)


def test_padded_shapes_and_offsets_of_several_blocks_a_row():
    # rows of 3 padded to 4: a row of 9 is three blocks, 12 elements
    assert padded_shape([5, 9], (3, 4)) == [5, 12]
    assert padded_shape([2, 3, 6], (6, 8, 1)) == [2, 3, 8]
    assert padded_shape([7], (7, 8)) == [8]
    # block 2 of a row starts at 2 * 4; the outer offsets stay
    assert padded_offsets([4, 6], (3, 4)) == (4, 8)
    assert padded_offsets([1, 2, 10], (5, 12, 0)) == (1, 2, 24)
    assert padded_offsets([3, 6], None) == (3, 6)
    t = MemRefType(i16, [4, 9])
    assert padded_type(t, (3, 4)) == MemRefType(i16, [4, 12])
    assert padded_type(t, None) is t


def test_recorded_padding_and_nibbles_read_back():
    op = ModuleOp([])
    assert read_padding(op) == {}
    assert read_nibbles(op) == {}
    padding = {3: (3, 4), 0: (5, 8, 1), 1: (7, 8), 5: (2, 4, 0)}
    record_padding(op, padding)
    # arguments in order, padded rows and packed nibbles apart
    assert list(op.attributes["dato.padded_rows"].get_values()) == [1, 7, 8, 3, 3, 4]
    assert list(op.attributes["dato.packed_nibbles"].get_values()) == [0, 5, 8, 1, 5, 2, 4, 0]
    assert read_padding(op) == padding
    record_nibbles(op, {4: True, 2: False})
    assert list(op.attributes["dato.nibbles"].get_values()) == [2, 0, 4, 1]
    assert read_nibbles(op) == {2: False, 4: True}
    # nothing to record: no attribute
    bare = ModuleOp([])
    record_padding(bare, {})
    record_nibbles(bare, {})
    assert "dato.padded_rows" not in bare.attributes
    assert "dato.packed_nibbles" not in bare.attributes
    assert "dato.nibbles" not in bare.attributes
    record_padding(bare, {2: (1, 4)})
    assert "dato.packed_nibbles" not in bare.attributes
    assert read_padding(bare) == {2: (1, 4)}


def _decl(element) -> ir.StreamOp:
    return ir.StreamOp("s", ir.StreamType(element, 2))


@pytest.mark.parametrize(
    ("element", "want"),
    [
        (MemRefType(i8, [3]), (3, 4)),
        (MemRefType(i8, [2, 5]), (5, 8)),
        (MemRefType(i8, [4, 9]), (9, 12)),
        (MemRefType(i16, [3]), (3, 4)),
        (MemRefType(i16, [2, 1]), (1, 2)),
        (MemRefType(BFloat16Type(), [7]), (7, 8)),
        # rows already whole words, 32-bit elements, scalars: not padded
        (MemRefType(i8, [8]), None),
        (MemRefType(i8, [3, 4]), None),
        (MemRefType(i16, [6]), None),
        (MemRefType(i32, [3]), None),
        (i8, None),
        (i16, None),
    ],
)
def test_which_block_streams_travel_padded(element, want):
    assert stream_rows(_decl(element), 32) == want


def test_a_stream_declarations_padded_rows_read_back():
    from xdsl.dialects.builtin import DenseArrayBase, i64

    decl = _decl(MemRefType(i8, [5]))
    assert read_padded_rows(decl) is None
    assert read_padded_rows(None) is None
    decl.attributes["dato.padded_rows"] = DenseArrayBase.from_list(i64, [5, 8])
    assert read_padded_rows(decl) == (5, 8)


def rank3(T, B: int, M: int, N: int, P: int):
    """int4 / uint4 blocks of rank 3 with rows of N values cut over P tasks:
    the cores unpack and pack every row of every block."""

    @dato.region()
    def top(A: T[B, M, N], OUT: T[B, M, N]):
        @dato.kernel(mapping=[P], args=[A, OUT])
        def k(a: T[B, M, N] @ [S(0), R, R], o: T[B, M, N] @ [S(0), R, R]):
            one: T = 1
            for i in range(B // P):
                for m in range(M):
                    for n in range(N):
                        o[i, m, n] = a[i, m, n] * 3 + one

    return top


def _wrap(x: np.ndarray, signed: bool) -> np.ndarray:
    x = x.astype(np.int64) & 15
    return np.where(x >= 8, x - 16, x) if signed else x


@pytest.mark.parametrize(
    ("T", "signed", "shape", "P"),
    [
        (int4, True, (4, 3, 5), 2),
        (uint4, False, (2, 2, 7), 2),
        (int4, True, (3, 2, 1), 3),
    ],
)
def test_int4_blocks_of_rank_3_with_odd_rows_compute_as_numpy(T, signed, shape, P, tmp_path):
    rng = np.random.default_rng(sum(shape))
    lo, hi = (-8, 8) if signed else (0, 16)
    dtype = np.int8 if signed else np.uint8
    A = rng.integers(lo, hi, shape).astype(dtype)
    A.flat[:2] = (lo, hi - 1)
    OUT = np.zeros(shape, dtype)
    dato.build(rank3(T, *shape, P), target="aie", project=tmp_path)(A, OUT)
    np.testing.assert_array_equal(OUT, _wrap(A.astype(np.int64) * 3 + 1, signed))


def int4_widened(M: int, N: int, P: int):
    """int4 blocks cut over P tasks, each value widened to int8 and scaled:
    the core's unpacking must sign-extend (a zero-extended -1 is 15)."""

    @dato.region()
    def top(A: int4[M, N], W: int8[M, N]):
        @dato.kernel(mapping=[P], args=[A, W])
        def k(a: int4[M, N] @ [S(0), R], w: int8[M, N] @ [S(0), R]):
            for i in range(M // P):
                for n in range(N):
                    w[i, n] = dato.int8(a[i, n]) * 5

    return top


def test_int4_values_unpack_sign_extended(tmp_path):
    M, N, P = 4, 5, 2
    A = np.array([[-1, 0, 4, 7, -8], [-3, 2, -5, 1, 6]] * 2, np.int8)
    W = np.zeros((M, N), np.int8)
    dato.build(int4_widened(M, N, P), target="aie", project=tmp_path)(A, W)
    np.testing.assert_array_equal(W, A.astype(np.int64) * 5)


def int4_lanes(P: int, L: int):
    """P lanes: a producer puts its row's int4 values on s[k], a consumer
    gets them (an indexed stream of int4 scalars, carried as bytes) and
    writes them widened to int8."""

    @dato.region()
    def top(A: int4[P, L], W: int8[P, L]):
        s: Stream[int4, 2][P]

        @dato.kernel(mapping=[P], args=[A])
        def prod(a: int4[P, L] @ [S(0), R]):
            k = dato.get_pid()
            for i in range(L):
                s[k].put(a[0, i])

        @dato.kernel(mapping=[P], args=[W])
        def cons(w: int8[P, L] @ [S(0), R]):
            k = dato.get_pid()
            for i in range(L):
                w[0, i] = dato.int8(s[k].get()) - 1

    return top


def test_an_indexed_stream_of_int4_scalars_carries_each_lanes_values(tmp_path):
    P, L = 3, 6
    rng = np.random.default_rng(50)
    A = rng.integers(-8, 8, (P, L)).astype(np.int8)
    A[0, :2] = (-8, 7)
    W = np.zeros((P, L), np.int8)
    dato.build(int4_lanes(P, L), target="aie", project=tmp_path)(A, W)
    np.testing.assert_array_equal(W, A.astype(np.int64) - 1)


def uint4_widened(M: int, N: int, P: int):
    """uint4 blocks cut over P tasks, each value widened to int16 and scaled:
    the core's unpacking must zero-extend both nibbles (15 stays 15)."""

    @dato.region()
    def top(U: uint4[M, N], W: int16[M, N]):
        @dato.kernel(mapping=[P], args=[U, W])
        def k(u: uint4[M, N] @ [S(0), R], w: int16[M, N] @ [S(0), R]):
            for i in range(M // P):
                for n in range(N):
                    w[i, n] = dato.int16(u[i, n]) * 7

    return top


def test_uint4_values_unpack_zero_extended_in_both_nibbles(tmp_path):
    M, N, P = 4, 6, 2
    # values of 8 and more at even (low nibble) and odd (high nibble) places
    U = np.array([[15, 8, 0, 9, 12, 15], [8, 15, 3, 14, 7, 10]] * 2, np.uint8)
    W = np.zeros((M, N), np.int16)
    dato.build(uint4_widened(M, N, P), target="aie", project=tmp_path)(U, W)
    np.testing.assert_array_equal(W, U.astype(np.int64) * 7)
