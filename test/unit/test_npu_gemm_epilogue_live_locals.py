"""dato-npu-retile-gemm counts an in-task epilogue's block locals by their
live spans: a requantisation (shift, clamp, narrow) writes a fresh int32 block
at each step, but holds only two of them at a time, as physical mapping does
(it shares the buffers of locals whose lives do not overlap). So the pass cuts
the result into the largest sub-blocks that really fit, each sub-block's
epilogue done on it, and the result is numpy's, bit for bit."""

import numpy as np

import dato_xdsl as dato
from dato_xdsl import Layout, int8, int32
from test.unit.test_npu_gemm_epilogue_retile import _cuts

S, R = Layout.Shard, Layout.Replicate


def gemm_requant(M: int, N: int, K: int, P0: int, P1: int, shift: int):
    @dato.region()
    def top(A: int8[M, K], B: int8[K, N], C: int8[M, N]):
        @dato.kernel(mapping=[P0, P1], args=[A, B, C])
        def mm(
            a: int8[M, K] @ [S(0), R],
            b: int8[K, N] @ [R, S(1)],
            c: int8[M, N] @ [S(0), S(1)],
        ):
            acc: int32[M // P0, N // P1] = dato.matmul(a, b)
            q: int32[M // P0, N // P1] = acc >> shift
            c[:, :] = dato.minimum(dato.maximum(q, -128), 127)

    return top


def test_requantised_gemm_just_over_a_tile_is_cut_by_its_live_locals(tmp_path):
    # one 128x128 result block: its int32 locals (acc, q, max, min) are 64 KiB
    # each, the int8 result 16 KiB. Two int32 blocks and the int8 ones are
    # live at once: 9 bytes an element. With 8 KiB for the A/B K tiles in a
    # 63 KiB tile, 64x64 sub-blocks fit (36 KiB + 8 KiB), 128x64 do not
    # (72 KiB); counting all four int32 locals (18 bytes an element) would
    # have needed 64x32
    M = N = 128
    K = 32
    mod = dato.build(gemm_requant(M, N, K, 1, 1, 6), target="aie", project=tmp_path)
    rng = np.random.default_rng(5)
    A = rng.integers(-128, 128, (M, K)).astype(np.int8)
    B = rng.integers(-128, 128, (K, N)).astype(np.int8)
    C = np.full((M, N), 3, np.int8)
    mod(A, B, C)
    want = np.clip((A.astype(np.int64) @ B.astype(np.int64)) >> 6, -128, 127).astype(np.int8)
    np.testing.assert_array_equal(C, want)
    assert _cuts(mod) == {"mm": ((2, 2), [2, 2])}
