"""A bug mutation testing found (tools/mutation-test lower-to-aie: the element
width in `AieLowering.row_length` survived every mutation): the NPU lowering
reads a bf16 element as 32 bits (`getattr(type, "width")` exists for integers
only), so a long 1-D bf16 array is cut into rows of up to 1,023 elements,
which need not be whole 32-bit words. The shim DMA's rule (AM020, mlir-aie's
AIETargetModel): a dma_memcpy_nd moves whole 32-bit words, at most 1,023 in
its innermost dimension. 2,046 bf16 elements are exactly 1,023 words: one
row; the lowering makes two rows of 1,023 elements (511.5 words each), which
the aiex verifier refuses. Fix: `bits = t.element_type.bitwidth` in
row_length. The same reading of bf16 as 32 bits in physical mapping (`_bits`,
`stream_depths`) and npu_padding leaves bf16 rows of three unpadded. Values
are compared with numpy."""

import re

import ml_dtypes
import numpy as np

import dato_xdsl as dato
from dato_xdsl import bfloat16

N = 2046
WORD_BITS, MAX_WORDS = 32, 1023


def doubled():
    @dato.region()
    def top(A: bfloat16[N], B: bfloat16[N]):
        @dato.kernel(mapping=[1], args=[A, B])
        def k(a: bfloat16[N], b: bfloat16[N]):
            for i in range(N):
                b[i] = a[i] + a[i]

    return top


def test_a_bf16_vector_of_1023_words_moves_as_one_row(tmp_path):
    mod = dato.build(doubled(), target="aie", device="npu1", project=tmp_path)
    text = (tmp_path / "aie.mlir").read_text()
    calls = re.findall(r"dma_memcpy_nd\(%([AB])\[[^\]]*\]\[([^\]]*)\]\[([^\]]*)\]", text)
    assert sorted(name for name, _, _ in calls) == ["A", "B"]
    for _, sizes, strides in calls:
        size = [int(x) for x in sizes.split(",")]
        assert size[-1] * 16 % WORD_BITS == 0 and size[-1] * 16 // WORD_BITS <= MAX_WORDS
        assert size == [1, 1, 1, N]  # 2,046 x 16 bits = 1,023 words: one row
        assert [int(x) for x in strides.split(",")][-1] == 1
    a = ((np.arange(N) % 61) - 30).astype(ml_dtypes.bfloat16)
    b = np.zeros(N, ml_dtypes.bfloat16)
    mod(a, b)
    np.testing.assert_array_equal(b.astype(np.float32), 2 * a.astype(np.float32))


def rows_of_three():
    @dato.region()
    def top(A: bfloat16[4, 3], B: bfloat16[4, 3]):
        @dato.kernel(mapping=[1], args=[A, B])
        def k(a: bfloat16[4, 3], b: bfloat16[4, 3]):
            for i in range(4):
                for j in range(3):
                    b[i, j] = a[i, j] + a[i, j]

    return top


def test_bf16_rows_of_three_are_padded_to_whole_words_as_int16_rows_are(tmp_path):
    # 3 x 16 bits is one and a half words: the rows travel padded (npu_padding),
    # as test_npu_narrow_rows.py's int16 rows of three do. At HEAD physical
    # mapping (`_bits`) and npu_padding read bf16 as 32 bits, so the rows are not
    # padded and the aiex verifier refuses the design. Fix: the type's
    # `bitwidth` in physical_mapping._bits, stream_depths and npu_padding
    mod = dato.build(rows_of_three(), target="aie", device="npu1", project=tmp_path)
    a = (np.arange(12).reshape(4, 3) - 5.5).astype(ml_dtypes.bfloat16)
    b = np.zeros((4, 3), ml_dtypes.bfloat16)
    mod(a, b)
    np.testing.assert_array_equal(b.astype(np.float32), 2 * a.astype(np.float32))
