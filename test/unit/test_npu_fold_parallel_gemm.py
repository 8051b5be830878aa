"""A GEMM with an in-task bias epilogue on a 4x4 mapping keeps 8 compute
cores on npu1 instead of 4.

Each of the 16 instances reads three arrays (its blocks of A, B and the
bias), a compute tile has 2 input DMA channels (AM020), so each core running
GEMM instances needs a loader core beside it forwarding the bias through
shared memory: at most 16 / 2 = 8 GEMM cores, each running 2 instances in
turn. Before, the snake placement put loaders and chains in every column (3
arrays per column for a shim with 2 input channels), the 8-core folding was
refused and the search fell back to 4 cores of 4 instances. Results are
compared with numpy bit for bit."""

import re

import numpy as np

import dato_xdsl as dato
from dato_xdsl import Layout, int32

S, R = Layout.Shard, Layout.Replicate
RNG = np.random.default_rng(4512)


def gemm_bias(T, M: int, N: int, K: int, P0: int, P1: int):
    @dato.region()
    def top(A: T[M, K], B: T[K, N], Bias: T[M, N], C: T[M, N]):
        @dato.kernel(mapping=[P0, P1], args=[A, B, Bias, C])
        def gemm(
            a: T[M, K] @ [S(0), R],
            b: T[K, N] @ [R, S(1)],
            bias: T[M, N] @ [S(0), S(1)],
            c: T[M, N] @ [S(0), S(1)],
        ):
            c[:, :] = dato.add(dato.matmul(a, b), bias)

    return top


def core_tasks(mod) -> list[list[str]]:
    """The instances each core of the emitted design runs."""
    text = (mod.project / "aie.mlir").read_text()
    found = re.findall(r"dato\.tasks = \[([^\]]*)\]", text)
    assert found, text
    return [re.findall(r'"([^"]+)"', f) for f in found]


def test_gemm_bias_4x4_keeps_8_cores(tmp_path):
    M, N, K = 32, 32, 32
    mod = dato.build(gemm_bias(int32, M, N, K, 4, 4), target="aie", project=tmp_path)
    gemm_cores = [t for t in core_tasks(mod) if not any("load" in n for n in t)]
    # 8 cores of 2 instances each: the most parallel folding the channel rule allows
    assert sorted(len(t) for t in gemm_cores) == [2] * 8
    assert sorted(n for t in gemm_cores for n in t) == sorted(
        f"gemm_{i}_{j}" for i in range(4) for j in range(4)
    )
    A = RNG.integers(-(2**15), 2**15, (M, K)).astype(np.int32)
    B = RNG.integers(-(2**15), 2**15, (K, N)).astype(np.int32)
    Bias = RNG.integers(-(2**31), 2**31, (M, N), dtype=np.int64).astype(np.int32)
    C = np.zeros((M, N), np.int32)
    mod(A, B, Bias, C)
    want = (A.astype(np.int64) @ B.astype(np.int64) + Bias).astype(np.int32)  # wraps as int32
    np.testing.assert_array_equal(C, want)
