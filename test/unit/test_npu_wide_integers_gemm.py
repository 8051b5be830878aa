"""An int64 GEMM whose blocks do not fit a core (A's and B's per-core blocks
64 KiB each): the matmul's loops (i, k, j) stream A by rows once and B by
rows once per row of A (npu_stream_reads), equal to numpy's wrapping
int64 product on the virtual NPU."""

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Layout, int64

S, R = Layout.Shard, Layout.Replicate


def gemm(M: int, N: int, K: int, P0: int, P1: int):
    @dato.region()
    def top(A: int64[M, K], B: int64[K, N], C: int64[M, N]):
        @dato.kernel(mapping=[P0, P1], args=[A, B, C])
        def mm(
            a: int64[M, K] @ [S(0), R], b: int64[K, N] @ [R, S(1)], c: int64[M, N] @ [S(0), S(1)]
        ):
            c[:, :] = dato.matmul(a, b)

    return top


@pytest.mark.parametrize("M, N, K, P0, P1", [(4, 4, 2048, 1, 1), (8, 8, 2048, 2, 2)])
def test_int64_gemm_streams_both_operands_by_rows(M, N, K, P0, P1, tmp_path):
    rng = np.random.default_rng(K + P0)
    A = rng.integers(-(2**63), 2**63 - 1, (M, K), dtype=np.int64)
    B = rng.integers(-(2**63), 2**63 - 1, (K, N), dtype=np.int64)
    A[0, :] = 2**63 - 1
    B[:, 0] = -(2**63)
    A[1, :3] = [-1, -(2**63), 2**62]
    C = np.zeros((M, N), np.int64)
    dato.build(gemm(M, N, K, P0, P1), target="aie", project=tmp_path)(A, B, C)
    want = np.zeros((M, N), np.int64)
    with np.errstate(over="ignore"):
        for k in range(K):  # numpy's wrapping products and sums, step by step
            want += np.outer(A[:, k], B[k, :])
    np.testing.assert_array_equal(C, want)
    text = (tmp_path / "aie.mlir").read_text()
    assert "memref<1x4096xi32>" in text  # a row of A: 2048 int64 as words
