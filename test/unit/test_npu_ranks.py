"""Arrays of rank 3 and 4 on the NPU: each instance's block moves as rows of
its contiguous trailing dims (the dims after the last cut one are whole, so
they lie one after another in the host array), stepping over the dims before
(neighbours merged when the inner one is whole). Results are compared with
numpy; a block that would need more strided dims is refused with its shape."""

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Layout, int16, int32

S = Layout.Shard
R = Layout.Replicate


def test_rank3_array_sharded_on_a_2x2_grid(tmp_path):
    @dato.region()
    def top(A: int32[4, 4, 8], B: int32[4, 4, 8]):
        @dato.kernel(mapping=[2, 2], args=[A, B])
        def t(a: int32[4, 4, 8] @ [S(0), S(1), R], b: int32[4, 4, 8] @ [S(0), S(1), R]):
            b[:, :, :] = a * 3 + 1

    A = np.arange(128, dtype=np.int32).reshape(4, 4, 8) - 50
    B = np.zeros_like(A)
    dato.build(top, target="aie", project=tmp_path)(A, B)
    np.testing.assert_array_equal(B, A * 3 + 1)


def test_rank4_block_cut_inside_with_whole_outer_dims(tmp_path):
    """Blocks [2, 3, 2, 8] of [2, 3, 4, 8]: rows of 2 x 8 contiguous
    elements, 6 of them (dims 0 and 1 walk as one, 32 elements apart)."""

    @dato.region()
    def top(A: int16[2, 3, 4, 8], B: int16[2, 3, 4, 8]):
        @dato.kernel(mapping=[2], args=[A, B])
        def t(a: int16[2, 3, 4, 8] @ [R, R, S(0), R], b: int16[2, 3, 4, 8] @ [R, R, S(0), R]):
            b[:, :, :, :] = a - 7

    A = np.arange(192, dtype=np.int16).reshape(2, 3, 4, 8)
    B = np.zeros_like(A)
    dato.build(top, target="aie", project=tmp_path)(A, B)
    np.testing.assert_array_equal(B, A - 7)


def test_rank3_element_loops_and_a_stream_between_tasks(tmp_path):
    @dato.region()
    def top(A: int32[3, 2, 4], B: int32[3, 2, 4]):
        s: dato.Stream[int32[1, 2, 4], 2][3]

        @dato.kernel(mapping=[3], args=[A])
        def load(a: int32[3, 2, 4] @ [S(0), R, R]):
            s[dato.get_pid()].put(a)  # noqa: F821 (a stream, declared by annotation)

        @dato.kernel(mapping=[3], args=[B])
        def store(b: int32[3, 2, 4] @ [S(0), R, R]):
            x = s[dato.get_pid()].get()  # noqa: F821
            for i in range(2):
                for j in range(4):
                    b[0, i, j] = x[0, i, j] + i * 10 + j

    A = np.arange(24, dtype=np.int32).reshape(3, 2, 4)
    B = np.zeros_like(A)
    dato.build(top, target="aie", project=tmp_path)(A, B)
    want = A + np.arange(2).reshape(1, 2, 1) * 10 + np.arange(4).reshape(1, 1, 4)
    np.testing.assert_array_equal(B, want)


def test_a_block_cut_along_three_dims_is_refused_with_its_shape(tmp_path):
    @dato.region()
    def top(A: int32[4, 4, 8], B: int32[4, 4, 8]):
        @dato.kernel(mapping=[2, 2, 2], args=[A, B])
        def t(a: int32[4, 4, 8] @ [S(0), S(1), S(2)], b: int32[4, 4, 8] @ [S(0), S(1), S(2)]):
            b[:, :, :] = a + 1

    with pytest.raises(dato.DatoError) as info:
        dato.build(top, target="aie", project=tmp_path)
    message = str(info.value)
    assert "a block [2, 2, 4] of a [4, 4, 8] array needs 3 strided dims" in message
