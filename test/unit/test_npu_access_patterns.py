"""The host side of NPU designs: the `aiex.npu.dma_memcpy_nd` calls the
lowering writes into the runtime sequence (npu_lowering.AieLowering.patterns,
flat_rows, row_length), checked against access patterns computed by hand
from mlir-aie's rule, and the designs run on the virtual NPU against numpy.

The rule (mlir-aie's `dma_memcpy_nd`, AM020's shim buffer descriptors): a
call moves host elements sum((o[d] + i[d]) * s[d]) for i over the sizes,
outermost first; dim 3 is the repeat (the only stride that may be 0), the
innermost size is a whole number of 32-bit words and at most 1,023 of them.
A block at offsets (o_0, ..., o_k) of a row-major array starts at
sum(o_d * stride_d), stride_d the product of the dims after d; a dim of size
1 is never walked and its stride is written 0. Shapes are non-square and
blocks sit at non-zero offsets in every dim, so a stride or an offset taken
from another dim moves other elements (and names another pattern)."""

import itertools
import re
from pathlib import Path

import numpy as np

import dato_xdsl as dato
from dato_xdsl import Layout, int16, int32
from dato_xdsl.transforms.npu_lowering import _runs

S = Layout.Shard
R = Layout.Replicate

Call = tuple[list[int], list[int], list[int]]

MEMCPY = re.compile(r"aiex\.npu\.dma_memcpy_nd\(%(\w+)\[([\d, ]*)\]\[([\d, ]*)\]\[([\d, ]*)\]\)")


def memcpys(project: Path) -> dict[str, list[Call]]:
    """Per host array, its calls' (offsets, sizes, strides), sorted."""
    out: dict[str, list[Call]] = {}
    for name, *lists in MEMCPY.findall((project / "aie.mlir").read_text()):
        call = tuple([int(v) for v in part.split(",")] for part in lists)
        out.setdefault(name, []).append(call)  # type: ignore[arg-type]
    return {k: sorted(v) for k, v in out.items()}


def elements(call: Call) -> list[int]:
    """The host elements a call moves, in order: the rule written as loops."""
    o, s, t = call
    return [
        sum((o[d] + i[d]) * t[d] for d in range(4))
        for i in itertools.product(*(range(n) for n in s))
    ]


def grid_2d(M: int, N: int, P: int, Q: int):
    @dato.region()
    def top(A: int32[M, N], B: int32[M, N]):
        @dato.kernel(mapping=[P, Q], args=[A, B])
        def t(a: int32[M, N] @ [S(0), S(1)], b: int32[M, N] @ [S(0), S(1)]):
            b[:, :] = a * 3 - 7

    return top


def test_a_6x10_array_in_2x5_blocks_on_a_3x2_grid(tmp_path):
    """Blocks 2 x 5 at (2 p, 5 q) start at 20 p + 5 q: 0, 5, 20, 25, 40, 45.
    They are not evenly spaced (5, 15, 5, ...), so A goes as three runs of
    two blocks 5 apart, each block 2 rows of 5 elements 10 apart; each
    column's output fifo takes blocks 20 apart from 0 and from 5."""
    mod = dato.build(grid_2d(6, 10, 3, 2), target="aie", device="npu1", project=tmp_path)
    calls = memcpys(tmp_path)
    assert calls["A"] == [([0, 0, 0, start], [1, 2, 2, 5], [0, 5, 10, 1]) for start in (0, 20, 40)]
    assert calls["B"] == [([0, 0, 0, start], [1, 3, 2, 5], [0, 20, 10, 1]) for start in (0, 5)]
    # every element of both arrays moves exactly once
    for name in "AB":
        moved = sorted(e for call in calls[name] for e in elements(call))
        assert moved == list(range(60)), name
    A = (np.arange(60).reshape(6, 10) * 37 - 1000).astype(np.int32)
    B = np.full_like(A, -1)
    mod(A, B)
    np.testing.assert_array_equal(B, A.astype(np.int64) * 3 - 7)


def rank3_blocks():
    @dato.region()
    def top(A: int32[4, 6, 8], B: int32[4, 6, 8], C: int32[4, 6, 8], D: int32[4, 6, 8]):
        @dato.kernel(mapping=[2, 2], args=[A, B])
        def t(a: int32[4, 6, 8] @ [S(0), R, S(1)], b: int32[4, 6, 8] @ [S(0), R, S(1)]):
            b[:, :, :] = a * 3 - 7

        @dato.kernel(mapping=[2, 2], args=[C, D])
        def u(c: int32[4, 6, 8] @ [S(0), S(1), R], d: int32[4, 6, 8] @ [S(0), S(1), R]):
            d[:, :, :] = c + 5

    return top


def test_rank3_blocks_as_rows_with_merged_and_partial_outer_dims(tmp_path):
    """A[4, 6, 8] (strides 48, 8, 1) in blocks [2, 6, 4] at (2 p, 0, 4 q):
    the last dim is cut, so a row is 4 elements; dims 0 and 1 step 48 and 8
    and dim 1 is whole (6 x 8 = 48), so they walk as one dim of 12 rows 8
    apart. Starts 96 p + 4 q: 0, 4, 96, 100, two runs of two blocks 4 apart;
    B's blocks per output column (q) are 96 apart.
    C in blocks [2, 3, 8] at (2 p, 3 q, 0): dim 2 whole, dim 1 cut, so a row is
    3 x 8 = 24 contiguous elements, 2 rows 48 apart; starts 96 p + 24 q: 0, 24,
    96, 120, two runs of two blocks 24 apart, for D too."""
    mod = dato.build(rank3_blocks(), target="aie", device="npu1", project=tmp_path)
    calls = memcpys(tmp_path)
    assert calls["A"] == [([0, 0, 0, s], [1, 2, 12, 4], [0, 4, 8, 1]) for s in (0, 96)]
    assert calls["B"] == [([0, 0, 0, s], [1, 2, 12, 4], [0, 96, 8, 1]) for s in (0, 4)]
    for name in "CD":
        assert calls[name] == [([0, 0, 0, s], [1, 2, 2, 24], [0, 24, 48, 1]) for s in (0, 96)]
    for name in "ABCD":
        moved = sorted(e for call in calls[name] for e in elements(call))
        assert moved == list(range(192)), name
    rng = np.random.default_rng(468)
    A = rng.integers(-(2**31), 2**31, (4, 6, 8)).astype(np.int32)
    C = rng.integers(-(2**31), 2**31, (4, 6, 8)).astype(np.int32)
    B, D = np.zeros_like(A), np.zeros_like(C)
    mod(A, B, C, D)
    np.testing.assert_array_equal(B, (A.astype(np.int64) * 3 - 7).astype(np.int32))
    np.testing.assert_array_equal(D, (C.astype(np.int64) + 5).astype(np.int32))


def long_vectors(L: int):
    @dato.region()
    def top(A: int16[2 * L], B: int16[2 * L]):
        @dato.kernel(mapping=[2], args=[A, B])
        def t(a: int16[2 * L] @ [S(0)], b: int16[2 * L] @ [S(0)]):
            b[:] = a - 9

    return top


def test_long_int16_blocks_move_in_rows_of_an_even_divisor(tmp_path):
    """Two int16 blocks of 4,094 = 2 x 23 x 89 elements (2,047 words: more
    than one row of 1,023). A row holds at most 2,046 int16 and a whole
    number of words, so an even number of them: the largest even divisor of
    4,094 up to 2,046 is 2 x 89 = 178 (2,047 is one too many), 23 rows.
    The second block starts at 4,094."""
    L = 4094
    mod = dato.build(long_vectors(L), target="aie", device="npu1", project=tmp_path)
    calls = memcpys(tmp_path)
    for name in "AB":
        assert calls[name] == [([0, 0, 0, 0], [1, 2, 23, 178], [0, 4094, 178, 1])], name
    rng = np.random.default_rng(4094)
    A = rng.integers(-(2**15), 2**15, 2 * L).astype(np.int16)
    B = np.zeros_like(A)
    mod(A, B)
    np.testing.assert_array_equal(B, (A.astype(np.int64) - 9).astype(np.int16))


def k_streamed(M: int, K: int, N: int, P: int, Q: int):
    @dato.region()
    def top(A: int16[M, K], B: int16[K, N], C: int16[M, N]):
        @dato.kernel(mapping=[P, Q], args=[A, B, C])
        def g(
            a: int16[M, K] @ [S(0), R], b: int16[K, N] @ [R, S(1)], c: int16[M, N] @ [S(0), S(1)]
        ):
            acc: int16[M // P, N // Q] = dato.matmul(a, b)
            c[:, :] = acc - 5

    return top


def gemm_reference(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    prod = (A.astype(np.int64) @ B.astype(np.int64)).astype(np.int16)
    return (prod.astype(np.int64) - 5).astype(np.int16)


def test_k_streamed_blocks_step_along_k_in_each_operand(tmp_path):
    """int16 A[32, 1920] @ B[1920, 16] on 2 x 2 cores, K in 3 tiles of 640
    (the fifo objects say so). A's blocks [16, 1920] at (16 i, 0): a K step
    is 640 elements along a row, the two blocks 16 x 1920 = 30,720 apart, a
    tile 16 rows of 640 with rows 1,920 apart. B's blocks [1920, 8] at
    (0, 8 j): a K step is 640 rows of 16 = 10,240 elements, the blocks 8
    apart, a tile 640 rows of 8 with rows 16 apart. C: 16 x 8 blocks per
    column, 16 x 16 = 256 apart."""
    M, K, N = 32, 1920, 16
    mod = dato.build(k_streamed(M, K, N, 2, 2), target="aie", device="npu1", project=tmp_path)
    text = (tmp_path / "aie.mlir").read_text()
    assert re.search(r"aie\.objectfifo @A_in\w*\(.*memref<16x640xi16>", text), text
    assert re.search(r"aie\.objectfifo @B_in\w*\(.*memref<640x8xi16>", text), text
    calls = memcpys(tmp_path)
    assert calls["A"] == [([0, 0, 0, 0], [3, 2, 16, 640], [640, 30720, 1920, 1])]
    assert calls["B"] == [([0, 0, 0, 0], [3, 2, 640, 8], [10240, 8, 16, 1])]
    assert calls["C"] == [([0, 0, 0, s], [1, 2, 16, 8], [0, 256, 16, 1]) for s in (0, 8)]
    rng = np.random.default_rng(1920)
    A = rng.integers(-(2**15), 2**15, (M, K)).astype(np.int16)
    B = rng.integers(-(2**15), 2**15, (K, N)).astype(np.int16)
    C = np.full((M, N), 77, np.int16)
    mod(A, B, C)
    np.testing.assert_array_equal(C, gemm_reference(A, B))


def test_one_block_streamed_in_k_steps_has_zero_block_stride(tmp_path):
    """int16 A[32, 960] @ B[960, 24] on one core: whole A and B (107,520
    bytes) do not fit; double-buffered K tiles and three 32 x 24 int16
    locals (acc, acc - 5, C's block: 4,608 bytes) give
    2 x (32 + 24) x kt x 2 + 4,608 <= 64,512, kt <= 267, and 960's largest
    divisor below is 240: 4 K steps. One block per operand, so the block dim
    has size 1 and stride 0; a K step is 240 elements along A's rows and 240
    rows of 24 = 5,760 elements in B. C is one block, neither stepped nor
    repeated: both outer strides 0."""
    M, K, N = 32, 960, 24
    mod = dato.build(k_streamed(M, K, N, 1, 1), target="aie", device="npu1", project=tmp_path)
    text = (tmp_path / "aie.mlir").read_text()
    assert re.search(r"aie\.objectfifo @A_in\w*\(.*memref<32x240xi16>", text), text
    calls = memcpys(tmp_path)
    assert calls["A"] == [([0, 0, 0, 0], [4, 1, 32, 240], [240, 0, 960, 1])]
    assert calls["B"] == [([0, 0, 0, 0], [4, 1, 240, 24], [5760, 0, 24, 1])]
    assert calls["C"] == [([0, 0, 0, 0], [1, 1, 32, 24], [0, 0, 24, 1])]
    rng = np.random.default_rng(960)
    A = rng.integers(-(2**15), 2**15, (M, K)).astype(np.int16)
    B = rng.integers(-(2**15), 2**15, (K, N)).astype(np.int16)
    C = np.full((M, N), -3, np.int16)
    mod(A, B, C)
    np.testing.assert_array_equal(C, gemm_reference(A, B))


def whole_rank3_blocks():
    @dato.region()
    def top(X: int32[4, 3, 512], Y: int32[4, 3, 512]):
        @dato.kernel(mapping=[2], args=[X, Y])
        def t(x: int32[4, 3, 512] @ [S(0), R, R], y: int32[4, 3, 512] @ [S(0), R, R]):
            for i in range(2):
                for j in range(3):
                    for k in range(512):
                        y[i, j, k] = x[i, j, k] * -3 + 11

    return top


def test_whole_trailing_dims_of_rank3_blocks_move_as_rows_of_at_most_1023_words(tmp_path):
    """X[4, 3, 512] int32 in blocks [2, 3, 512] at (2 p, 0, 0): dims 1 and 2
    are whole, so each block is 3,072 contiguous elements, more than one row
    of 1,023 words: rows of the largest divisor of 3,072 = 2^10 x 3 up to
    1,023, which is 3 x 256 = 768 (1,024 is one word too many), 4 of them;
    the two blocks 3,072 apart."""
    mod = dato.build(whole_rank3_blocks(), target="aie", device="npu1", project=tmp_path)
    calls = memcpys(tmp_path)
    for name in "XY":
        assert calls[name] == [([0, 0, 0, 0], [1, 2, 4, 768], [0, 3072, 768, 1])], name
    rng = np.random.default_rng(768)
    X = rng.integers(-(2**31), 2**31, (4, 3, 512)).astype(np.int32)
    Y = np.zeros_like(X)
    mod(X, Y)
    np.testing.assert_array_equal(Y, (X.astype(np.int64) * -3 + 11).astype(np.int32))


def test_block_starts_cut_into_runs_of_positive_even_spacing():
    """npu_lowering._runs: greedy runs of evenly spaced increasing starts,
    (first start, count, spacing), worked out by hand. Equal or decreasing
    starts never share a run (a DMA stride over blocks is positive; a zero
    one is the repeat's), and a start joins the run before it when it can."""
    assert _runs([]) == []
    assert _runs([7]) == [(7, 1, 0)]
    # two rows of three 2 x 2 blocks of a 4 x 6 array
    assert _runs([0, 2, 4, 12, 14, 16]) == [(0, 3, 2), (12, 3, 2)]
    assert _runs([0, 4, 8, 9, 10, 20]) == [(0, 3, 4), (9, 2, 1), (20, 1, 0)]
    assert _runs([5, 5, 5]) == [(5, 1, 0)] * 3
    assert _runs([0, 4, 8, 8, 12]) == [(0, 3, 4), (8, 2, 4)]
    assert _runs([9, 3, 6]) == [(9, 1, 0), (3, 2, 3)]


def gemm_into_c(M: int, K: int, N: int):
    @dato.region()
    def top(A: int16[M, K], B: int16[K, N], C: int16[M, N]):
        @dato.kernel(mapping=[1], args=[A, B, C])
        def mm(a: int16[M, K], b: int16[K, N], c: int16[M, N]):
            c[:, :] = dato.matmul(a, b)

    return top


def test_a_k_tile_of_the_whole_k_moves_in_one_step_at_stride_0(tmp_path):
    """int16 A[32, 64] @ B[64, 16] into C on one core: the GEMM's operands
    go through double-buffered fifos in K tiles, and the whole K = 64 fits
    (2 x (32 + 16) x 64 x 2 + 1,024 bytes): one K step, so the step dim has
    size 1 and stride 0, like the block dim of the single block."""
    M, K, N = 32, 64, 16
    mod = dato.build(gemm_into_c(M, K, N), target="aie", device="npu1", project=tmp_path)
    text = (tmp_path / "aie.mlir").read_text()
    assert re.search(r"aie\.objectfifo @A_in\w*\(.*2 : i32\).*memref<32x64xi16>", text), text
    calls = memcpys(tmp_path)
    assert calls["A"] == [([0, 0, 0, 0], [1, 1, 32, 64], [0, 0, 64, 1])]
    assert calls["B"] == [([0, 0, 0, 0], [1, 1, 64, 16], [0, 0, 16, 1])]
    rng = np.random.default_rng(64)
    A = rng.integers(-(2**15), 2**15, (M, K)).astype(np.int16)
    B = rng.integers(-(2**15), 2**15, (K, N)).astype(np.int16)
    C = np.full((M, N), 9, np.int16)
    mod(A, B, C)
    np.testing.assert_array_equal(C, (A.astype(np.int64) @ B.astype(np.int64)).astype(np.int16))


def interleaved_1d(L: int, P: int):
    @dato.region()
    def top(A: int32[L], B: int32[L]):
        @dato.kernel(mapping=[P], args=[A, B])
        def w(a: int32[L], b: int32[L]):
            p = dato.get_pid()
            for r in range(L // P):
                b[r * P + p] = a[r * P + p] * 3 + p

    return top


def test_interleaved_1d_lattices_scatter_with_their_step(tmp_path):
    """Worker p of 3 stores B[3 r + p] for r < 4: a 1-D strided box of 4
    elements 3 apart at offset p (npu_write_boxes). Its last dim has a step,
    so it walks as a dim of its own (4 elements, stride 3) over a
    one-element innermost dim (stride 1); the leading dim of a 1-D box has
    size 1 and stride 0. The three boxes are joined in a memtile and leave
    as one call whose outer dim takes the boxes 1 apart."""
    L, P = 12, 3
    mod = dato.build(interleaved_1d(L, P), target="aie", device="npu1", project=tmp_path)
    calls = memcpys(tmp_path)
    assert calls["B"] == [([0, 0, 0, 0], [3, 1, 4, 1], [1, 0, 3, 1])]
    assert sorted(elements(calls["B"][0])) == list(range(L))
    A = (np.arange(L) * 7 - 20).astype(np.int32)
    B = np.full(L, -1, np.int32)
    mod(A, B)
    np.testing.assert_array_equal(B, A.astype(np.int64) * 3 + np.arange(L) % P)
