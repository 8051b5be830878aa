"""A GEMM mapped on a grid whose C blocks are larger than a core's memory is
cut into finer blocks by the compiler (dato-npu-retile-gemm) and folded onto
the cores, instead of being refused. Results on the virtual NPU against
numpy."""

import ml_dtypes
import numpy as np

import dato_xdsl as dato
from dato_xdsl import bfloat16, int16
from test.unit.programs import dato_programs as dp


def test_int16_gemm_with_96_kib_blocks_is_cut_and_equals_numpy(tmp_path):
    M, N, K = 512, 384, 256  # 2x2 grid: 256x192 int16 C blocks (96 KiB)
    mod = dato.build(dp.tiled_gemm(int16, M, N, K, 2, 2), target="aie", project=tmp_path)
    rng = np.random.default_rng(3)
    A = rng.integers(-(2**15), 2**15, (M, K)).astype(np.int16)
    B = rng.integers(-(2**15), 2**15, (K, N)).astype(np.int16)
    C = np.full((M, N), 7, np.int16)
    mod(A, B, C)
    # int16 products summed with int16 wrap-around, as the program's types say
    expected = (A.astype(np.int64) @ B.astype(np.int64)).astype(np.int16)
    np.testing.assert_array_equal(C, expected)
    # cut 2 x 1: 128x192 blocks of 48 KiB, the largest within 63 KiB less
    # 8 KiB for A/B tiles (256x96 is as large, less square)
    assert "memref<128x192xi16>" in (tmp_path / "aie.mlir").read_text()
    assert "memref<256x192xi16>" not in (tmp_path / "aie.mlir").read_text()


def test_bf16_gemm_blocks_with_float32_accumulators_are_cut(tmp_path):
    M, N, K = 256, 512, 384  # 2x4 grid: 128x128 bf16 C and a float32 accumulator
    mod = dato.build(dp.tiled_gemm(bfloat16, M, N, K, 2, 4), target="aie", project=tmp_path)
    rng = np.random.default_rng(4)
    A = rng.uniform(-8, 8, (M, K)).astype(ml_dtypes.bfloat16)
    B = rng.uniform(-8, 8, (K, N)).astype(ml_dtypes.bfloat16)
    C = np.zeros((M, N), ml_dtypes.bfloat16)
    mod(A, B, C)
    exact = A.astype(np.float64) @ B.astype(np.float64)
    # float32 sums in some order, rounded once to bf16: half a bf16 ulp of the
    # result plus K float32 roundings of the largest partial sum
    bound = 2.0**-8 * np.abs(exact) + K * 2.0**-24 * np.abs(A.astype(np.float64)) @ np.abs(
        B.astype(np.float64)
    )
    assert np.all(np.abs(C.astype(np.float64) - exact) <= bound)


def test_user_primitives_keep_their_grid():
    # the user bundled the two instances by name: the grid stays, and the
    # refusal names the memory
    top = dp.tiled_gemm(int16, 256, 512, 64, 1, 2)
    try:
        dato.build(top, target="aie", mapping_primitives=[("bundle", ["gemm_0_0", "gemm_0_1"])])
    except dato.DatoError as err:
        assert "KiB" in str(err)
    else:
        raise AssertionError("a 256x256 int16 block cannot fit a compute tile")
