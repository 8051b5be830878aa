"""GEMM chains joined by an accumulating block stream (Allo's ping-pong GEMM
on a [Pk, Pm, Pn] grid, a split-K chain) whose result blocks do not fit a
core are cut along the M and N of the result by dato-npu-retile-gemm: every
member the same way, the partial-sum stream split into one stream per
sub-block, K still chained. Results on the virtual NPU against numpy."""

from pathlib import Path

import ml_dtypes
import numpy as np

import dato_xdsl as dato
from dato_xdsl import bfloat16, int16, int32
from test.unit.programs import dato_programs as dp
from test.unit.programs import npu_fanout_programs as fp

RNG = np.random.default_rng(12)
BF16 = ml_dtypes.bfloat16


def ints(shape: tuple[int, int], dtype: type) -> np.ndarray:
    info = np.iinfo(dtype)
    return RNG.integers(info.min, info.max, shape, endpoint=True).astype(dtype)


def design(project: Path) -> str:
    """The emitted design's tiles, buffers and object fifos (the runtime
    sequence after them names the host's whole arrays)."""
    return (project / "aie.mlir").read_text().split("aie.runtime_sequence")[0]


def wrapped(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """A @ B with the products and sums wrapping at the element type."""
    return (A.astype(np.int64) @ B.astype(np.int64)).astype(A.dtype)


def test_int16_pingpong_with_32_kib_partials_is_cut_and_equals_numpy(tmp_path: Path) -> None:
    # [Pk, Pm, Pn] = [2, 1, 1]: 128x128 int16 blocks (32 KiB); the second
    # task holds its product, the sum, its C block and a partial (8 bytes
    # an element): 64x64 sub-blocks (32 KiB) fit beside A/B tiles, 64x128
    # do not
    M, N, K = 128, 128, 64
    mod = dato.build(fp.pingpong_gemm(int16, M, N, K, 2, 1, 1), target="aie", project=tmp_path)
    assert "memref<64x64xi16>" in design(tmp_path)
    assert "memref<128x128xi16>" not in design(tmp_path)
    A, B = ints((M, K), np.int16), ints((K, N), np.int16)
    C = np.zeros((M, N), np.int16)
    mod(A, B, C)
    np.testing.assert_array_equal(C, wrapped(A, B))


def test_int32_pingpong_on_a_three_dimensional_grid_is_cut_and_equals_numpy(
    tmp_path: Path,
) -> None:
    # [Pk, Pm, Pn] = [2, 2, 1]: 64x128 int32 blocks (32 KiB); 16 bytes an
    # element in the second task: 64x32 sub-blocks (8 KiB) are the largest
    # of at most 3,520 elements, so each instance becomes 1 x 4 along its
    # block's columns (pm keeps its two row blocks)
    M, N, K = 128, 128, 64
    mod = dato.build(fp.pingpong_gemm(int32, M, N, K, 2, 2, 1), target="aie", project=tmp_path)
    assert "memref<64x32xi32>" in design(tmp_path)
    assert "memref<64x128xi32>" not in design(tmp_path)
    A, B = ints((M, K), np.int32), ints((K, N), np.int32)
    C = np.full((M, N), 5, np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, wrapped(A, B))


def test_bf16_pingpong_rounds_each_product_and_each_sum_once(tmp_path: Path) -> None:
    # each task's matmul accumulates in float32 and rounds once to bf16; the
    # partial sums are added in bf16 (rounded once per add), whatever the cut
    M, N, K, Pk = 128, 128, 64, 2
    top = fp.pingpong_gemm(bfloat16, M, N, K, Pk, 1, 1)
    mod = dato.build(top, target="aie", project=tmp_path)
    assert "memref<128x128xbf16>" not in design(tmp_path)
    A = (1 + RNG.integers(0, 128, (M, K)) / 128).astype(BF16)
    B = (1 + RNG.integers(0, 128, (K, N)) / 128).astype(BF16)
    C = np.zeros((M, N), BF16)
    mod(A, B, C)
    # numpy, task by task: a float64 product rounded to bf16 (within its
    # float32 sum's error of Kt float32 roundings), added to the partial in
    # float32 and rounded to bf16
    Kt = K // Pk
    a64, b64 = A.astype(np.float64), B.astype(np.float64)
    acc = np.zeros((M, N), np.float64)
    slack = np.zeros((M, N), np.float64)
    for k in range(Pk):
        part = a64[:, k * Kt : (k + 1) * Kt] @ b64[k * Kt : (k + 1) * Kt]
        acc = (acc + part.astype(BF16).astype(np.float64)).astype(BF16).astype(np.float64)
        # a float32 error in the product may move its rounding by an ulp
        slack += Kt * 2.0**-24 * part + 2.0**-7 * acc
    got = C.astype(np.float64)
    assert np.all(np.abs(got - acc) <= slack)
    assert np.mean(got == acc) > 0.9  # most elements round as numpy's
    # and bit for bit what the simulator computes from the program
    sim = dato.build(top, target="simulator")
    C_sim = np.zeros((M, N), BF16)
    sim(A, B, C_sim)
    np.testing.assert_array_equal(C.view(np.uint16), C_sim.view(np.uint16))


def test_split_k_chain_into_a_drain_is_cut_and_equals_numpy(tmp_path: Path) -> None:
    # a 1-D chain of 2 partial sums into a drain: 128x128 int32 blocks of
    # 64 KiB cannot stay whole (a 1-D grid was cut before 3-D ones were)
    M, N, K = 128, 128, 64
    mod = dato.build(dp.split_k_gemm(int32, M, N, K, 2), target="aie", project=tmp_path)
    assert "memref<128x128xi32>" not in design(tmp_path)
    A, B = ints((M, K), np.int32), ints((K, N), np.int32)
    C = np.zeros((M, N), np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, wrapped(A, B))


def test_a_chain_no_cut_can_fold_is_refused_naming_its_task_and_memory() -> None:
    # 1024x1024 int32 blocks (4 MiB): sub-blocks of at most 3,520 elements
    # mean 512 per block, 1,024 instances: past 48 a core on npu1's 16, so
    # nothing is tried and physical mapping refuses the user's grid
    top = fp.pingpong_gemm(int32, 1024, 1024, 64, 2, 1, 1)
    try:
        dato.build(top, target="aie")
    except dato.DatoError as err:
        message = str(err)
        assert "gemm_0_0_0" in message or "gemm_1_0_0" in message
        assert "4096 KiB" in message and "63 KiB" in message
    else:
        raise AssertionError("a 4 MiB partial-sum block cannot be cut to fit")
