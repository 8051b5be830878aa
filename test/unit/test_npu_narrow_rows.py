"""int8/int16 arrays whose blocks have rows that are not whole 32-bit words.

The NPU's DMAs move 32-bit words from word-aligned addresses (AM020, and
mlir-aie's dma_memcpy_nd rules), so 3 int8 elements (24 bits) at byte offset 3
cannot move as they are. Physical mapping pads such an array: every block row
of L elements takes Lp, the next whole number of words (int8: a multiple of 4,
int16: of 2), the host lays the array out that way before the run and takes
the L elements of each block back after it. Results are compared with numpy;
the padded objects' sizes are the hand-computed Lp."""

import re

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Layout, Stream, int8, int16

S = Layout.Shard


def fifo_objects(mod) -> set[str]:
    text = (mod.project / "aie.mlir").read_text()
    return set(re.findall(r"aie\.objectfifo @\w+\(.*!aie\.objectfifo<(memref<[^>]*>)>", text))


def test_int8_blocks_of_three_move_padded_to_a_word(tmp_path):
    @dato.region()
    def top(A: int8[12], B: int8[12]):
        @dato.kernel(mapping=[4], args=[A, B])
        def t(a: int8[12] @ [S(0)], b: int8[12] @ [S(0)]):
            for i in range(3):
                b[i] = a[i] * 2 + 1

    mod = dato.build(top, target="aie", project=tmp_path)
    # blocks of 3 int8 (24 bits) travel as 4 (one word); 4 blocks: 16 bytes
    assert "memref<4xi8>" in fifo_objects(mod) and "memref<3xi8>" not in fifo_objects(mod)
    A = (np.arange(12) * 37 - 200).astype(np.int8)
    B = np.zeros_like(A)
    mod(A, B)
    np.testing.assert_array_equal(B, (A.astype(np.int64) * 2 + 1).astype(np.int8))


def test_int16_2d_blocks_with_rows_of_three(tmp_path):
    @dato.region()
    def top(A: int16[4, 6], B: int16[4, 6]):
        @dato.kernel(mapping=[2, 2], args=[A, B])
        def t(a: int16[4, 6] @ [S(0), S(1)], b: int16[4, 6] @ [S(0), S(1)]):
            b[:, :] = a - 3

    mod = dato.build(top, target="aie", project=tmp_path)
    # [2, 3] int16 blocks: rows of 48 bits padded to 64 -> [2, 4]
    assert "memref<2x4xi16>" in fifo_objects(mod)
    A = (np.arange(24).reshape(4, 6) * 1000 - 9000).astype(np.int16)
    B = np.zeros_like(A)
    mod(A, B)
    np.testing.assert_array_equal(B, A - 3)


def test_pipeline_with_a_partial_write_keeps_the_hosts_elements(tmp_path):
    """int16 blocks of 5 through a stream pipeline; the store writes only the
    first element of its block (a sum), so the others keep the host's values
    (the padded block comes in first and goes back whole)."""
    P, L = 3, 5

    @dato.region()
    def top(A: int16[P * L], OUT: int16[P * L]):
        s: Stream[int16, 2, 2][P]

        @dato.kernel(mapping=[P], args=[A])
        def load(a: int16[P * L] @ [S(0)]):
            p = dato.get_pid()
            for i in range(L):
                s[p].put(a[i] * 3)  # noqa: F821 (a stream, declared by annotation)
            s[p].put(0)  # noqa: F821 (six elements: three packed words)

        @dato.kernel(mapping=[P], args=[OUT])
        def store(o: int16[P * L] @ [S(0)]):
            p = dato.get_pid()
            acc: int16 = 0
            for _i in range(L + 1):
                acc += s[p].get()  # noqa: F821
            o[0] = acc

    mod = dato.build(top, target="aie", project=tmp_path)
    A = (np.arange(P * L) * 911 - 5000).astype(np.int16)
    OUT = (np.arange(P * L) + 100).astype(np.int16)
    want = OUT.copy()
    for p in range(P):
        want[p * L] = (A[p * L : (p + 1) * L].astype(np.int64) * 3).sum().astype(np.int16)
    mod(A, OUT)
    np.testing.assert_array_equal(OUT, want)


def test_one_array_cut_in_two_block_shapes_is_refused_naming_the_rows(tmp_path):
    # A is padded per row length (one host layout per array): blocks of 3 and
    # of 6 int8 would need two, so the 3-byte rows are refused by the DMA rule
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
    assert "moves rows of 3 i8 elements of A (24 bits), not a whole number of 32-bit" in message
    assert "test_npu_narrow_rows.py:" in message


def test_block_stream_of_three_int8_travels_padded(tmp_path):
    """Stream objects of int8[3] (24 bits) between tiles: the fifo objects are
    int8[4], the tasks see their 3 elements."""

    @dato.region()
    def top(A: int8[2, 3], B: int8[2, 3]):
        s: Stream[int8[3], 2][2]

        @dato.kernel(mapping=[2], args=[A])
        def p(a: int8[2, 3] @ [S(0), Layout.Replicate]):
            i = dato.get_pid()
            row: int8[3] = 0
            for k in range(3):
                row[k] = a[0, k] + 1
            s[i].put(row)  # noqa: F821 (a stream, declared by annotation)

        @dato.kernel(mapping=[1], args=[B])
        def c(b: int8[2, 3]):
            with dato.meta_for(0, 2) as i:
                r = s[i].get()  # noqa: F821
                for k in range(3):
                    b[i, k] = r[k] * 2

    mod = dato.build(top, target="aie", project=tmp_path)
    text = (mod.project / "aie.mlir").read_text()
    assert re.search(r"aie\.objectfifo @s_0\(.*memref<4xi8>", text)
    A = (np.arange(6).reshape(2, 3) * 21 - 60).astype(np.int8)
    B = np.zeros_like(A)
    mod(A, B)
    np.testing.assert_array_equal(B, ((A.astype(np.int64) + 1) * 2).astype(np.int8))


def test_padded_rows_scattered_and_gathered_through_memtiles(tmp_path):
    """8 block streams of int8[6] (48 bits -> 8 per object) out of one tile
    and 8 back into one: more than its 2 channels, so the memtile distributes
    and joins the padded objects; the arrays' rows of 6 are padded too."""
    from test.unit.programs import dato_programs as progs

    mod = dato.build(progs.scatter_gather(int8, 8, 6), target="aie", project=tmp_path)
    A = (np.arange(48).reshape(8, 6) % 23 - 11).astype(np.int8)
    B = np.zeros_like(A)
    mod(A, B)
    np.testing.assert_array_equal(B, (A.astype(np.int64) ** 2 + 1).astype(np.int8))


def test_int16_lanes_of_seven_through_memtiles(tmp_path):
    from test.unit.programs import dato_programs as progs

    mod = dato.build(progs.elementwise_meta_for(int16, 5, 7), target="aie", project=tmp_path)
    A = (np.arange(35).reshape(5, 7) * 917 - 16000).astype(np.int16)
    B = (np.arange(35).reshape(5, 7) * -311 + 5000).astype(np.int16)
    C = np.zeros_like(A)
    mod(A, B, C)
    np.testing.assert_array_equal(C, (A.astype(np.int64) + B).astype(np.int16))
