"""One host array used in blocks of two or more shapes on the NPU.

A task sharding an array and another reading it whole (or in other shards)
need different objects: each block shape travels in its own fifo (a memtile
distribute or join only among blocks of one shape, a broadcast only among
readers of the same block). Results are compared with numpy; the fifo object
types are the hand-computed block shapes."""

import re

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Layout, int8, int32

S, R = Layout.Shard, Layout.Replicate


def fifo_objects(mod) -> list[str]:
    text = (mod.project / "aie.mlir").read_text()
    return re.findall(r"aie\.objectfifo @\w+\(.*!aie\.objectfifo<(memref<[^>]*>)>", text)


def test_sharded_reader_beside_a_whole_reader(tmp_path):
    """The reproducer of the acquire type mismatch: w_1 reads P's rows 2-3,
    r reads all of P (fifo objects 2x6 and 4x6)."""

    @dato.region()
    def two(P: int32[4, 6], O1: int32[4, 6], O2: int32[4, 6]):
        @dato.kernel(mapping=[2], args=[P, O1])
        def w(p: int32[4, 6] @ [S(0), R], o: int32[4, 6] @ [S(0), R]):
            i = dato.get_pid()
            with dato.meta_if(i == 1):
                for j in range(6):
                    o[0, j] = p[0, j] + 100

        @dato.kernel(mapping=[1], args=[P, O2])
        def r(p: int32[4, 6], o: int32[4, 6]):
            for x in range(4):
                for j in range(6):
                    o[x, j] = p[x, j] * 2

    mod = dato.build(two, target="aie", project=tmp_path)
    objects = fifo_objects(mod)
    assert "memref<2x6xi32>" in objects and "memref<4x6xi32>" in objects
    P = np.arange(24, dtype=np.int32).reshape(4, 6)
    O1 = np.full((4, 6), -1, np.int32)
    O2 = np.zeros((4, 6), np.int32)
    mod(P, O1, O2)
    want1 = np.full((4, 6), -1, np.int32)
    want1[2] = P[2] + 100
    np.testing.assert_array_equal(O1, want1)
    np.testing.assert_array_equal(O2, P * 2)


def test_blocks_at_the_same_offsets_in_two_shapes(tmp_path):
    """w_0's block of P and r's whole P both start at [0, 0]; they used to be
    refused as one block of two shapes."""

    @dato.region()
    def top(P: int32[4, 6], O1: int32[4, 6], O2: int32[4]):
        @dato.kernel(mapping=[2], args=[P, O1])
        def w(p: int32[4, 6] @ [S(0), R], o: int32[4, 6] @ [S(0), R]):
            for x in range(2):
                for j in range(6):
                    o[x, j] = p[x, j] - 7

        @dato.kernel(mapping=[1], args=[P, O2])
        def r(p: int32[4, 6], o: int32[4]):
            for x in range(4):
                acc: int32 = 0
                for j in range(6):
                    acc += p[x, j]
                o[x] = acc

    mod = dato.build(top, target="aie", project=tmp_path)
    P = (np.arange(24, dtype=np.int32) * 13 - 100).reshape(4, 6)
    O1 = np.zeros((4, 6), np.int32)
    O2 = np.zeros(4, np.int32)
    mod(P, O1, O2)
    np.testing.assert_array_equal(O1, P - 7)
    np.testing.assert_array_equal(O2, P.sum(axis=1))


def test_three_shapes_and_a_broadcast_among_same_shaped_readers(tmp_path):
    """A read in rows of 1 (4 readers), rows of 2 by two tasks sharded alike
    (their blocks broadcast, one fifo per block with two consumers), and
    whole by one more task."""

    @dato.region()
    def top(
        A: int32[4, 8],
        B: int32[4, 8],
        C: int32[4, 8],
        D: int32[4, 8],
        E: int32[8],
    ):
        @dato.kernel(mapping=[4], args=[A, B])
        def ones(a: int32[4, 8] @ [S(0), R], b: int32[4, 8] @ [S(0), R]):
            for j in range(8):
                b[0, j] = a[0, j] + 1

        @dato.kernel(mapping=[2], args=[A, C])
        def twos(a: int32[4, 8] @ [S(0), R], c: int32[4, 8] @ [S(0), R]):
            for x in range(2):
                for j in range(8):
                    c[x, j] = a[x, j] * 3

        @dato.kernel(mapping=[2], args=[A, D])
        def twos_again(a: int32[4, 8] @ [S(0), R], d: int32[4, 8] @ [S(0), R]):
            for x in range(2):
                for j in range(8):
                    d[x, j] = a[x, j] - a[1 - x, j]

        @dato.kernel(mapping=[1], args=[A, E])
        def whole(a: int32[4, 8], e: int32[8]):
            for j in range(8):
                e[j] = a[0, j] + a[1, j] + a[2, j] + a[3, j]

    mod = dato.build(top, target="aie", project=tmp_path)
    objects = fifo_objects(mod)
    for shape in ("memref<1x8xi32>", "memref<2x8xi32>", "memref<4x8xi32>"):
        assert shape in objects
    text = (mod.project / "aie.mlir").read_text()
    # the rows-of-2 blocks go to the cores of twos and twos_again alike
    assert re.search(
        r"aie\.objectfifo @A_\w+\(%\w+, \{%\w+, %\w+\}, \d+ : i32\) : "
        r"!aie\.objectfifo<memref<2x8xi32>>",
        text,
    )
    A = (np.arange(32, dtype=np.int32) * 7 - 50).reshape(4, 8)
    B, C, D = (np.zeros((4, 8), np.int32) for _ in range(3))
    E = np.zeros(8, np.int32)
    mod(A, B, C, D, E)
    np.testing.assert_array_equal(B, A + 1)
    np.testing.assert_array_equal(C, A * 3)
    swapped = A.reshape(2, 2, 8)[:, ::-1].reshape(4, 8)
    np.testing.assert_array_equal(D, A - swapped)
    np.testing.assert_array_equal(E, A.sum(axis=0))


def test_int8_blocks_of_four_and_eight(tmp_path):
    """A 1-D int8 array in blocks of 4 and of 8 (whole 32-bit words each)."""

    @dato.region()
    def top(A: int8[16], B: int8[16], C: int8[16]):
        @dato.kernel(mapping=[4], args=[A, B])
        def four(a: int8[16] @ [S(0)], b: int8[16] @ [S(0)]):
            b[:] = a

        @dato.kernel(mapping=[2], args=[A, C])
        def eight(a: int8[16] @ [S(0)], c: int8[16] @ [S(0)]):
            for i in range(8):
                c[i] = a[i] * 2

    mod = dato.build(top, target="aie", project=tmp_path)
    objects = fifo_objects(mod)
    assert "memref<4xi8>" in objects and "memref<8xi8>" in objects
    A = (np.arange(16) * 19 - 100).astype(np.int8)
    B = np.zeros(16, np.int8)
    C = np.zeros(16, np.int8)
    mod(A, B, C)
    np.testing.assert_array_equal(B, A)
    np.testing.assert_array_equal(C, (A.astype(np.int32) * 2).astype(np.int8))


def test_int8_rows_of_three_and_six_are_refused_for_dma_words(tmp_path):
    """Blocks of 3 int8 are padded to a word only when every task cuts the
    array in runs of one length; with runs of 3 and 6 the refusal names the
    DMA word rule (not a fifo type mismatch)."""

    @dato.region()
    def top(A: int8[12], B: int8[12], C: int8[12]):
        @dato.kernel(mapping=[4], args=[A, B])
        def three(a: int8[12] @ [S(0)], b: int8[12] @ [S(0)]):
            b[:] = a

        @dato.kernel(mapping=[2], args=[A, C])
        def six(a: int8[12] @ [S(0)], c: int8[12] @ [S(0)]):
            c[:] = a

    with pytest.raises(dato.DatoError) as info:
        dato.build(top, target="aie", project=tmp_path)
    message = str(info.value)
    assert "three_0 moves rows of 3 i8 elements of A (24 bits)" in message
    assert "test_npu_block_shapes.py:" in message


def test_disjoint_writes_in_two_shapes(tmp_path):
    """Q's rows 0-1 written by a_0 (a 2x6 block), rows 2 and 3 by b_2 and b_3
    (1x6 blocks): two write fifos of two object types."""

    @dato.region()
    def top(P: int32[4, 6], Q: int32[4, 6]):
        @dato.kernel(mapping=[2], args=[P, Q])
        def a(p: int32[4, 6] @ [S(0), R], o: int32[4, 6] @ [S(0), R]):
            i = dato.get_pid()
            with dato.meta_if(i == 0):
                for x in range(2):
                    for j in range(6):
                        o[x, j] = p[x, j] + 1

        @dato.kernel(mapping=[4], args=[P, Q])
        def b(p: int32[4, 6] @ [S(0), R], o: int32[4, 6] @ [S(0), R]):
            i = dato.get_pid()
            with dato.meta_if(i >= 2):
                for j in range(6):
                    o[0, j] = p[0, j] * 10

    mod = dato.build(top, target="aie", project=tmp_path)
    P = np.arange(24, dtype=np.int32).reshape(4, 6)
    Q = np.zeros((4, 6), np.int32)
    mod(P, Q)
    want = np.concatenate([P[:2] + 1, P[2:] * 10])
    np.testing.assert_array_equal(Q, want)


def test_overlapping_writes_in_two_shapes_are_refused(tmp_path):
    @dato.region()
    def top(P: int32[4, 6], Q: int32[4, 6]):
        @dato.kernel(mapping=[2], args=[P, Q])
        def a(p: int32[4, 6] @ [S(0), R], o: int32[4, 6] @ [S(0), R]):
            i = dato.get_pid()
            with dato.meta_if(i == 0):
                for x in range(2):
                    for j in range(6):
                        o[x, j] = p[x, j] + 1

        @dato.kernel(mapping=[4], args=[P, Q])
        def b(p: int32[4, 6] @ [S(0), R], o: int32[4, 6] @ [S(0), R]):
            i = dato.get_pid()
            with dato.meta_if(i == 1):
                for j in range(6):
                    o[0, j] = p[0, j] * 10

    with pytest.raises(dato.DatoError) as info:
        dato.build(top, target="aie", project=tmp_path)
    message = str(info.value)
    assert "a_0 and b_1 both write Q" in message
    assert "[2, 6] at [0, 0] and [1, 6] at [1, 0] overlap" in message
    assert "test_npu_block_shapes.py:" in message
