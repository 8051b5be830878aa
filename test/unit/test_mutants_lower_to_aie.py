"""The NPU lowering's access patterns for a rank-3 array a task takes whole:
its block is the array, every dim whole, so it moves as one contiguous run
(the dims lie one after another in the host array). Mutation testing
(tools/mutation-test lower-to-aie) found `flat_rows` reached only with cut
blocks. Values are compared with numpy."""

import numpy as np

import dato_xdsl as dato
from dato_xdsl import int32


def whole_rank3():
    @dato.region()
    def top(A: int32[2, 3, 4], B: int32[2, 3, 4]):
        @dato.kernel(mapping=[1], args=[A, B])
        def k(a: int32[2, 3, 4], b: int32[2, 3, 4]):
            for i in range(2):
                for j in range(3):
                    for t in range(4):
                        b[i, j, t] = a[i, j, t] * 2 + 1

    return top


def test_a_whole_rank3_array_moves_as_one_run(tmp_path):
    mod = dato.build(whole_rank3(), target="aie", device="npu1", project=tmp_path)
    a = np.arange(24, dtype=np.int32).reshape(2, 3, 4) * 7 - 50
    b = np.zeros((2, 3, 4), np.int32)
    mod(a, b)
    np.testing.assert_array_equal(b, a.astype(np.int64) * 2 + 1)
