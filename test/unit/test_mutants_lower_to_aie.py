"""The NPU lowering's access patterns (npu_lowering.AieLowering.patterns,
flat_rows): a rank-3 array a task takes whole moves as one contiguous run (the
dims lie one after another in the host array); rank-4 blocks with a unit dim
before the partial one and with offsets in every dim; blocks of a K-streamed
GEMM whose M, K and N differ. Mutation testing (tools/mutation-test
lower-to-aie) found `flat_rows` reached only with cut rank-3 blocks and no
K-streamed design with several blocks. Values are compared with numpy."""

import re

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Layout, int8, int16, int32

S = Layout.Shard
R = Layout.Replicate


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


# --------------------------------------------- rank-4 blocks and their offsets
#
# mlir-aie's rule for `dma_memcpy_nd`: element (i0, i1, i2, i3) of a window
# with offsets o and strides s is host element sum((o[d] + i[d]) * s[d]); the
# host array is row-major, so a block's start is sum(offset[d] * stride[d])
# with stride[d] the product of the dims after d. Shapes below have distinct
# dims, so a stride taken from the wrong dim moves other elements.


def rank4(shape: tuple[int, ...], mapping: list[int], layout: list):
    @dato.region()
    def top(A: int32[shape], B: int32[shape]):
        @dato.kernel(mapping=mapping, args=[A, B])
        def t(a: int32[shape] @ layout, b: int32[shape] @ layout):
            b[:, :, :, :] = a * 5 - 3

    return top


@pytest.mark.parametrize(
    "shape, mapping, layout",
    [
        # blocks [1, 2, 1, 4] of [2, 2, 3, 4]: a unit dim before the partial
        # one, then one row of 4; each block is 2 rows 12 elements apart, at
        # offsets (p, 0, q, 0)
        ((2, 2, 3, 4), [2, 3], [S(0), R, S(1), R]),
        # blocks [1, 1, 3, 2] of [2, 2, 6, 4]: offsets (p, q, 3 r, 2 s), non-zero
        # in every dim for instance (1, 1, 1, 1): 1 x 48 + 1 x 24 + 3 x 4 + 2
        ((2, 2, 6, 4), [2, 2, 2, 2], [S(0), S(1), S(2), S(3)]),
    ],
    ids=["unit_dim_first", "offsets_in_every_dim"],
)
def test_rank4_blocks_move_from_their_offsets(shape, mapping, layout, tmp_path):
    mod = dato.build(rank4(shape, mapping, layout), target="aie", project=tmp_path)
    A = (np.arange(int(np.prod(shape))).reshape(shape) * 7 - 40).astype(np.int32)
    B = np.full(shape, -1, np.int32)
    mod(A, B)
    np.testing.assert_array_equal(B, A.astype(np.int64) * 5 - 3)


# --------------------------------------------------------- K-streamed strides


def k_streamed_epilogue(M: int, K: int, N: int):
    @dato.region()
    def top(A: int16[M, K], B: int16[K, N], C: int16[M, N]):
        @dato.kernel(mapping=[2, 2], args=[A, B, C])
        def g(
            a: int16[M, K] @ [S(0), R], b: int16[K, N] @ [R, S(1)], c: int16[M, N] @ [S(0), S(1)]
        ):
            acc: int16[M // 2, N // 2] = dato.matmul(a, b)
            c[:, :] = acc - 5

    return top


def test_k_streamed_blocks_of_a_non_square_gemm_on_a_2x2_grid(tmp_path):
    """int16 A[32, 1920] @ B[1920, 16] on a 2 x 2 grid, kept in a local for an
    epilogue: core (i, j) takes A's rows 16 i.. and B's columns 8 j... Its
    locals (acc, acc - 5) and C's block are 3 x 16 x 8 x 2 = 768 bytes; whole
    A and B blocks (92,160 bytes) do not fit, so they stream over K:
    2 x (16 kt + 8 kt) x 2 + 768 <= 64,512 gives kt <= 664, and 1920's divisor
    below is 640. The host sends A's blocks 16 rows apart (30,720 elements)
    in 3 K steps of 640 elements, B's blocks 8 columns apart in K steps of
    640 rows of 16 (10,240 elements): with M, K, N distinct, a step or block
    stride taken from another dim reads other elements."""
    M, K, N = 32, 1920, 16
    mod = dato.build(k_streamed_epilogue(M, K, N), target="aie", project=tmp_path)
    text = (tmp_path / "aie.mlir").read_text()
    assert re.search(r"aie\.objectfifo @A_in0_0\(.*memref<16x640xi16>", text), text
    rng = np.random.default_rng(32)
    A = rng.integers(-(2**15), 2**15, (M, K)).astype(np.int16)
    B = rng.integers(-(2**15), 2**15, (K, N)).astype(np.int16)
    C = np.full((M, N), 77, np.int16)
    mod(A, B, C)
    prod = (A.astype(np.int64) @ B.astype(np.int64)).astype(np.int16)
    np.testing.assert_array_equal(C, (prod.astype(np.int64) - 5).astype(np.int16))


# ------------------------------------------------------ rows of long transfers
#
# aiex.npu.dma_memcpy_nd (AM020, mlir-aie's verifier): the innermost size is a
# whole number of 32-bit words and at most 1,023 of them, unless the transfer
# is one linear run (every outer size 1); one task per array shape below.


def long_rows():
    @dato.region()
    def top(
        N: int32[1],
        V: int32[2048],
        W: int8[4084],
        X: int32[2, 32, 40],
        V2: int32[2048],
        W2: int8[4084],
        X2: int32[2, 32, 40],
    ):
        @dato.kernel(mapping=[1], args=[N, V, V2])
        def vec(n: int32[1], v: int32[2048], v2: int32[2048]):
            for i in range(2048):
                v2[i] = v[i] * n[0]

        @dato.kernel(mapping=[1], args=[W, W2])
        def bytes_(w: int8[4084], w2: int8[4084]):
            for i in range(4084):
                w2[i] = w[i] + 3

        @dato.kernel(mapping=[1], args=[X, X2])
        def cube(x: int32[2, 32, 40], x2: int32[2, 32, 40]):
            x2[:, :, :] = x - 9

    return top


def test_long_transfers_move_in_rows_of_at_most_1023_words(tmp_path):
    """N (1 element) moves as one row of 1; V's 2,048 int32 as 4 rows of 512
    (the largest divisor up to 1,023); W's 4,084 int8 (1,021 words) as one run
    (rows of 1,021 int8, the largest divisor below 1,023 counted as if each
    element were a word, would be a quarter word short); X, a whole
    2 x 32 x 40 int32 array, as 4 rows of 640. (A row over 1,023 words that
    is contiguous with the next is rewritten as one linear run by
    dato-npu-runtime-sequence, so 2 rows of 1,024 would move the same.)"""
    mod = dato.build(long_rows(), target="aie", device="npu1", project=tmp_path)
    rng = np.random.default_rng(2048)
    n = np.array([-3], np.int32)
    v = rng.integers(-(2**20), 2**20, 2048).astype(np.int32)
    w = rng.integers(-128, 128, 4084).astype(np.int8)
    x = rng.integers(-(2**31), 2**31, (2, 32, 40)).astype(np.int32)
    v2 = np.zeros_like(v)
    w2 = np.zeros_like(w)
    x2 = np.zeros_like(x)
    mod(n, v, w, x, v2, w2, x2)
    np.testing.assert_array_equal(v2, v.astype(np.int64) * -3)
    np.testing.assert_array_equal(w2, (w.astype(np.int64) + 3).astype(np.int8))
    np.testing.assert_array_equal(x2, (x.astype(np.int64) - 9).astype(np.int32))


def test_a_block_needing_three_strided_dims_is_refused_with_the_rule(tmp_path):
    """Blocks [2, 2, 4] of [4, 4, 8], cut in every dim: rows of 4 elements
    stepping over dims 0 and 1, one strided dim more than the lowering's
    rows-plus-one-step walk; the message names the block, the array and why."""

    @dato.region()
    def top(A: int32[4, 4, 8], B: int32[4, 4, 8]):
        @dato.kernel(mapping=[2, 2, 2], args=[A, B])
        def t(a: int32[4, 4, 8] @ [S(0), S(1), S(2)], b: int32[4, 4, 8] @ [S(0), S(1), S(2)]):
            b[:, :, :] = a + 1

    with pytest.raises(dato.DatoError) as info:
        dato.build(top, target="aie", project=tmp_path)
    assert (
        "a block [2, 2, 4] of a [4, 4, 8] array needs 3 strided dims; the NPU lowering moves "
        "a rank >= 3 block as rows of its contiguous trailing dims, stepping over one more"
    ) in str(info.value)
    assert "test_mutants_lower_to_aie.py:" in str(info.value)


def gemm_in_two_k_steps(M: int, K: int, N: int):
    @dato.region()
    def top(A: int16[M, K], B: int16[K, N], C: int16[M, N]):
        @dato.kernel(mapping=[1], args=[A, B, C])
        def mm(a: int16[M, K], b: int16[K, N], c: int16[M, N]):
            c[:, :] = dato.matmul(a, b)

    return top


def test_a_gemm_streamed_in_two_k_steps(tmp_path):
    """int16 32 x 640 x 16 into C: 2 x (32 kt + 16 kt) x 2 + 1,024 <= 64,512
    gives kt <= 330, and 640's divisor below is 320: two K steps, A's 320
    elements apart, B's 320 rows of 16 (5,120 elements) apart."""
    M, K, N = 32, 640, 16
    mod = dato.build(gemm_in_two_k_steps(M, K, N), target="aie", project=tmp_path)
    text = (tmp_path / "aie.mlir").read_text()
    assert re.search(r"aie\.objectfifo @A_in0\(.*memref<32x320xi16>", text), text
    rng = np.random.default_rng(640)
    A = rng.integers(-(2**15), 2**15, (M, K)).astype(np.int16)
    B = rng.integers(-(2**15), 2**15, (K, N)).astype(np.int16)
    C = np.full((M, N), 3, np.int16)
    mod(A, B, C)
    np.testing.assert_array_equal(C, (A.astype(np.int64) @ B.astype(np.int64)).astype(np.int16))


def grid_2x3():
    @dato.region()
    def top(A: int32[4, 6], B: int32[4, 6]):
        @dato.kernel(mapping=[2, 3], args=[A, B])
        def t(a: int32[4, 6] @ [S(0), S(1)], b: int32[4, 6] @ [S(0), S(1)]):
            b[:, :] = a * 2 + 1

    return top


def test_blocks_in_runs_of_even_spacing(tmp_path):
    """A[4, 6] in 2 x 2 blocks to a 2 x 3 grid through one memtile: the six
    blocks start at 0, 2, 4 (row 0) and 12, 14, 16 (row 2), so the host sends
    two runs of three blocks 2 elements apart, 12 elements between the runs."""
    mod = dato.build(grid_2x3(), target="aie", device="npu1", project=tmp_path)
    A = (np.arange(24).reshape(4, 6) * 37 - 400).astype(np.int32)
    B = np.zeros_like(A)
    mod(A, B)
    np.testing.assert_array_equal(B, A.astype(np.int64) * 2 + 1)
