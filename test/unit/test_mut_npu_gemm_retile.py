"""npu_gemm_retile.choose_cut at its limits, each cut worked out by hand: a C
block that fits the budget less the A/B room exactly stays whole, one byte
less cuts it to the largest sub-block that fits (squarest on ties, on a
non-square block), and a bf16 C counts its float32 accumulator."""

import dato_xdsl as dato
from dato_xdsl import bfloat16, int16, int32
from dato_xdsl.dialects import dato as ir
from dato_xdsl.transforms.npu_gemm_retile import AB_ROOM, _gemm_of, choose_cut
from test.unit.programs import dato_programs as dp


def _gemm(T, M: int, N: int, K: int, P0: int, P1: int):
    mapped = dato.build(dp.tiled_gemm(T, M, N, K, P0, P1), target="simulator").mapped
    (group,) = [op for op in mapped.walk() if isinstance(op, ir.GroupOp)]
    g = _gemm_of(group)
    assert g is not None and (g.m, g.n) == (M // P0, N // P1)
    return group, g


def test_a_block_that_fits_exactly_stays_and_one_byte_less_is_cut():
    group, g = _gemm(int16, 96, 160, 64, 1, 1)
    c = 96 * 160 * 2  # 30,720 bytes
    assert AB_ROOM == 8 * 1024
    assert choose_cut(group, g, c + AB_ROOM) is None
    # below: the largest sub-blocks are 96 x 80 and 48 x 160 (7,680 elements;
    # nothing between that and 96 x 160 divides the block): the squarer one
    assert choose_cut(group, g, c + AB_ROOM - 1) == (1, 2)


def test_the_squarest_of_the_largest_sub_blocks_on_a_tall_block():
    # 192 x 48 int32 (36 KiB): halves are 96 x 48 and 192 x 24, 96 x 48 squarer
    group, g = _gemm(int32, 384, 96, 32, 2, 2)
    c = 192 * 48 * 4
    assert choose_cut(group, g, c + AB_ROOM) is None
    assert choose_cut(group, g, c + AB_ROOM - 1) == (2, 1)
    # a quarter exactly: 96 x 24 or 48 x 48 (and 192 x 12): 48 x 48
    assert choose_cut(group, g, c // 4 + AB_ROOM) == (4, 1)
    # one byte less than a quarter: no sub-block has 1,537 to 2,303 elements;
    # of those of 1,536 (32 x 48, 64 x 24, 96 x 16, 192 x 8) 32 x 48 is squarest
    assert choose_cut(group, g, c // 4 + AB_ROOM - 1) == (6, 1)


def test_a_bf16_block_counts_its_float32_accumulator():
    group, g = _gemm(bfloat16, 64, 96, 32, 1, 1)
    c = 64 * 96 * (2 + 4)  # the bf16 block and its float32 accumulator
    assert choose_cut(group, g, c + AB_ROOM) is None
    # 64 x 48 or 32 x 96: 64 x 48
    assert choose_cut(group, g, c + AB_ROOM - 1) == (1, 2)


def test_no_cut_fits_a_budget_below_one_element():
    group, g = _gemm(int16, 8, 6, 16, 1, 1)
    assert choose_cut(group, g, AB_ROOM + 1) is None  # not even 1 x 1 (2 bytes)
    assert choose_cut(group, g, AB_ROOM + 2) == (8, 6)


def test_a_grid_block_is_cut_per_instance():
    # a 2 x 3 grid of 48 x 32 blocks: the instance's block, not the array's
    group, g = _gemm(int16, 96, 96, 16, 2, 3)
    c = 48 * 32 * 2
    assert choose_cut(group, g, c + AB_ROOM) is None
    # halves: 24 x 32 or 48 x 16: 24 x 32
    assert choose_cut(group, g, c + AB_ROOM - 1) == (2, 1)


def test_a_full_tie_keeps_the_cut_with_fewer_row_cuts():
    # 192 x 48 int32 within an eighth: 48 x 24 (r = 4, s = 2) and 24 x 48
    # (r = 8, s = 1) have the same area and skew; the first tried (fewer row
    # cuts) is kept
    group, g = _gemm(int32, 384, 96, 32, 2, 2)
    c = 192 * 48 * 4
    assert choose_cut(group, g, c // 8 + AB_ROOM) == (4, 2)
