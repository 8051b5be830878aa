"""A task that loops over the batches of rank-3 arrays sharded on their batch
dimension, each iteration a rank-2 GEMM or element-wise step on its own batch
slice, is split by dato-npu-batch-split into one instance per batch element
with rank-2 blocks, which the GEMM cuts and K streaming then map. Results on
the virtual NPU against numpy (integers bit for bit)."""

import re
from pathlib import Path

import numpy as np

import dato_xdsl as dato
from dato_xdsl import Layout, float32, int32
from dato_xdsl.targets.aie.target import AieModule, core_tasks

S = Layout.Shard
R = Layout.Replicate


def instances(mod: AieModule) -> list[str]:
    """The task's instances the cores run (not the loaders the compiler adds
    beside them): one per batch element once split."""
    names = [n for ts in core_tasks(mod.ir).values() for n in ts if re.fullmatch(r"k_\d+_0", n)]
    return sorted(names, key=lambda n: int(n.split("_")[1]))


def batched_gemm(T, Bt: int, M: int, N: int, K: int, P: int):
    BB = Bt // P

    @dato.region()
    def top(A: T[Bt, M, K], B: T[K, N], C: T[Bt, M, N]):
        @dato.kernel(mapping=[P], args=[A, B, C])
        def k(a: T[Bt, M, K] @ [S(0), R, R], b: T[K, N], c: T[Bt, M, N] @ [S(0), R, R]):
            for t in range(BB):
                c[t, :, :] = dato.matmul(a[t, :, :], b)

    return top


def test_float32_batched_gemm_refused_before_now_equals_numpy(tmp_path: Path) -> None:
    # each of 4 instances held 2 batches of 64x64 float32 A and C (128 KiB);
    # split, each of 8 instances is one 64x64 GEMM whose K is streamed
    mod = dato.build(batched_gemm(float32, 8, 64, 64, 64, 4), target="aie", project=tmp_path)
    rng = np.random.default_rng(5)
    A = rng.standard_normal((8, 64, 64)).astype(np.float32)
    B = rng.standard_normal((64, 64)).astype(np.float32)
    C = np.zeros((8, 64, 64), np.float32)
    mod(A, B, C)
    # float32 sums of 64 products: the probe runner's tolerances
    np.testing.assert_allclose(C, A @ B, rtol=1e-4, atol=1e-4)
    assert instances(mod) == [f"k_{i}_0" for i in range(8)]


def test_int32_batched_gemm_equals_numpy_bit_for_bit(tmp_path: Path) -> None:
    mod = dato.build(batched_gemm(int32, 6, 32, 16, 48, 2), target="aie", project=tmp_path)
    rng = np.random.default_rng(6)
    A = rng.integers(-(2**20), 2**20, (6, 32, 48)).astype(np.int32)
    B = rng.integers(-(2**20), 2**20, (48, 16)).astype(np.int32)
    C = np.full((6, 32, 16), 7, np.int32)
    mod(A, B, C)
    # int32 products summed with int32 wrap-around, as the program's types say
    expected = np.einsum("bmk,kn->bmn", A.astype(np.int64), B.astype(np.int64)).astype(np.int32)
    np.testing.assert_array_equal(C, expected)
    assert instances(mod) == [f"k_{i}_0" for i in range(6)]


def test_int32_batched_elementwise_loop_equals_numpy(tmp_path: Path) -> None:
    Bt, M, N, P = 4, 16, 32, 2

    @dato.region()
    def top(A: int32[Bt, M, N], B: int32[M, N], C: int32[Bt, M, N]):
        @dato.kernel(mapping=[P], args=[A, B, C])
        def k(
            a: int32[Bt, M, N] @ [S(0), R, R],
            b: int32[M, N],
            c: int32[Bt, M, N] @ [S(0), R, R],
        ):
            for t in range(Bt // P):
                c[t, :, :] = dato.add(dato.add(a[t, :, :], a[t, :, :]), b)

    mod = dato.build(top, target="aie", project=tmp_path)
    rng = np.random.default_rng(7)
    A = rng.integers(-(2**30), 2**30, (Bt, M, N)).astype(np.int32)
    B = rng.integers(-(2**30), 2**30, (M, N)).astype(np.int32)
    C = np.zeros((Bt, M, N), np.int32)
    mod(A, B, C)
    expected = (2 * A.astype(np.int64) + B.astype(np.int64)).astype(np.int32)
    np.testing.assert_array_equal(C, expected)
    assert instances(mod) == [f"k_{i}_0" for i in range(4)]


def test_int32_batched_matmul_of_two_batched_operands_with_bias_equals_numpy(
    tmp_path: Path,
) -> None:
    # A, B and the bias D all batched: each of 4 instances held two batches of
    # each (66560 bytes of a 64 KiB core); split, one batch per instance
    Bt, M, N, K, P = 8, 32, 32, 32, 4

    @dato.region()
    def top(A: int32[Bt, M, K], B: int32[Bt, K, N], D: int32[Bt, M, N], C: int32[Bt, M, N]):
        @dato.kernel(mapping=[P], args=[A, B, D, C])
        def k(
            a: int32[Bt, M, K] @ [S(0), R, R],
            b: int32[Bt, K, N] @ [S(0), R, R],
            d: int32[Bt, M, N] @ [S(0), R, R],
            c: int32[Bt, M, N] @ [S(0), R, R],
        ):
            for t in range(Bt // P):
                c[t, :, :] = dato.add(dato.matmul(a[t, :, :], b[t, :, :]), d[t, :, :])

    mod = dato.build(top, target="aie", device="npu2", project=tmp_path)
    rng = np.random.default_rng(8)
    A = rng.integers(-(2**20), 2**20, (Bt, M, K)).astype(np.int32)
    B = rng.integers(-(2**20), 2**20, (Bt, K, N)).astype(np.int32)
    D = rng.integers(-(2**31), 2**31, (Bt, M, N)).astype(np.int32)
    C = np.zeros((Bt, M, N), np.int32)
    mod(A, B, D, C)
    wide = np.einsum("bmk,bkn->bmn", A.astype(np.int64), B.astype(np.int64)) + D
    np.testing.assert_array_equal(C, wide.astype(np.int32))
    assert instances(mod) == [f"k_{i}_0" for i in range(8)]
