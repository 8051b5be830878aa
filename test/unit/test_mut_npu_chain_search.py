"""npu_chain_search.search_chains by hand on a split-K GEMM's region (1 x 3
output blocks, 2 K steps: part_0_j_0 -> part_0_j_1 -> drain_0_j over streams of
one 8 x 4 int32 object, 128 bytes): merges one pair a stream joins at a time
until the elements fit the cores, the pair adding no DMA channel over a
tile's first, then the smaller merged group, the fewer bytes between, by
name; the chains' cost is the bytes their inner streams hold; three separate
lanes cannot go below three cores. Written from mutation testing's
survivors (tools/mutation-test npu-chain-search)."""

# ruff: noqa: F821 (streams are declared by annotations)

from __future__ import annotations

import pytest

import dato_xdsl as dato
from dato_xdsl import Stream, int32
from dato_xdsl.dialects import dato as dato_ir
from dato_xdsl.transforms.npu_chain_search import (
    ChainPlan,
    SearchFailure,
    _ranges,
    _splits,
    search_blocks,
    search_chains,
)
from dato_xdsl.transforms.npu_folding import Fold, record_folds
from dato_xdsl.transforms.stream_access import stream_uses
from test.unit.programs import npu_fanout_programs


@pytest.fixture()
def region() -> dato_ir.RegionOp:
    mod = dato.build(npu_fanout_programs.split_k_gemm_3d(int32, 8, 12, 8, 1, 3, 2))
    return next(o for o in mod.mapped.walk() if isinstance(o, dato_ir.RegionOp))


def pair(j: int) -> list[str]:
    return [f"part_0_{j}_0", f"part_0_{j}_1"]


def lane(j: int) -> list[str]:
    return [*pair(j), f"drain_0_{j}"]


@pytest.mark.parametrize(
    "cores, groups, costs",
    [
        (9, [], []),
        (8, [pair(0)], [128]),
        (7, [pair(0), pair(1)], [128, 128]),
        (6, [pair(0), pair(1), pair(2)], [128, 128, 128]),
        # every pair taken: the smallest merge is a lane of three, the first by name
        (5, [lane(0), pair(1), pair(2)], [256, 128, 128]),
        (3, [lane(0), lane(1), lane(2)], [256, 256, 256]),
    ],
)
def test_merges_until_the_elements_fit(
    region: dato_ir.RegionOp, cores: int, groups: list[list[str]], costs: list[int]
) -> None:
    plan = search_chains(region, stream_uses(region), cores, 9, {}, 2)
    assert isinstance(plan, ChainPlan)
    assert plan.groups == groups
    assert [plan.cost_bytes[k] for k in range(len(groups))] == costs
    assert plan.depths == {}


def test_separate_lanes_cannot_share_a_core(region: dato_ir.RegionOp) -> None:
    found = search_chains(region, stream_uses(region), 2, 9, {}, 2)
    assert isinstance(found, SearchFailure)
    assert found.reason == (
        "after 6 merges 3 elements are left and no stream joins two of them (separate lanes)"
    )


def test_a_merge_over_a_tiles_channels_comes_last(region: dato_ir.RegionOp) -> None:
    # part_0_0_0 reads 2 arrays and part_0_0_1 one: together 3 input channels,
    # one over a tile's 2; every other merge adds none
    arrays = {"part_0_0_0": (2, 0), "part_0_0_1": (1, 0)}
    plan = search_chains(region, stream_uses(region), 8, 9, arrays, 2)
    assert isinstance(plan, ChainPlan)
    assert plan.groups == [["part_0_0_1", "drain_0_0"]]
    plan = search_chains(region, stream_uses(region), 7, 9, arrays, 2)
    assert isinstance(plan, ChainPlan)
    assert plan.groups == [pair(1), ["part_0_0_1", "drain_0_0"]]
    # with 3 channels a tile, no merge adds one: the first by name again
    plan = search_chains(region, stream_uses(region), 8, 9, arrays, 3)
    assert isinstance(plan, ChainPlan)
    assert plan.groups == [pair(0)]


def test_splits_are_the_most_even_first_then_every_other_up_to_the_limit() -> None:
    assert _splits(4, 2) == [[2], [1], [3]]
    assert _splits(5, 3) == [[2, 3], [1, 2], [1, 3], [1, 4], [2, 4], [3, 4]]
    # 7 / 2 = 3.5 rounds to the even 4 (Python's round)
    assert _splits(7, 2)[0] == [4]
    assert _splits(6, 4)[0] == [2, 3, 4]  # 1.5 -> 2, 3, 4.5 -> 4
    # the limit counts the combinations tried, before the even one is left out
    assert _splits(5, 3, limit=2) == [[2, 3], [1, 2], [1, 3]]
    assert _splits(5, 3, limit=0) == [[2, 3]]
    assert _splits(4, 1) == [[]]


def test_ranges_cut_at_each_start() -> None:
    assert _ranges(5, [2, 3]) == [[0, 1], [2], [3, 4]]
    assert _ranges(3, []) == [[0, 1, 2]]
    assert _ranges(4, [1]) == [[0], [1, 2, 3]]


def test_rectangles_fold_one_2d_grid_of_unfolded_instances(region: dato_ir.RegionOp) -> None:
    uses = stream_uses(region)
    found = search_blocks(region, uses, [2, 3, 4, 5], 4)
    assert isinstance(found, SearchFailure)
    assert found.reason == "rectangles fold the 2-D task grids of one shape only"
    record_folds(region, [Fold("part_0_0_0", "part_0_0_1", "partial_0_0_1", 128, 0)])
    found = search_blocks(region, uses, [2, 3, 4, 5], 4)
    assert isinstance(found, SearchFailure)
    assert found.reason == "the user's primitives already fold the grid"


def lanes_and_a_loner() -> object:
    """prod -> cons over @s (8 int32, 32 bytes), small_p -> small_c over @t (2
    int32, 8 bytes), and `alone`, which no stream touches."""

    @dato.region()
    def top(A: int32[8], B: int32[8], C: int32[8], D: int32[2], E: int32[2]):
        s: Stream[int32[8], 2]
        t: Stream[int32[2], 2]

        @dato.kernel(mapping=[1], args=[A])
        def prod(a: int32[8]):
            s.put(a)

        @dato.kernel(mapping=[1], args=[B])
        def cons(b: int32[8]):
            b[:] = s.get()

        @dato.kernel(mapping=[1], args=[D])
        def small_p(x: int32[2]):
            t.put(x)

        @dato.kernel(mapping=[1], args=[E])
        def small_c(y: int32[2]):
            y[:] = t.get()

        @dato.kernel(mapping=[1], args=[C])
        def alone(c: int32[8]):
            c[:] = dato.add(c, c)

    return top


@pytest.mark.parametrize(
    "cores, groups, costs",
    [
        (5, [], []),
        # the loner joins the smallest group a stream touches, the first by name
        (4, [["cons_0", "alone_0"]], [0]),
        # then the smaller merge: small_p + small_c (2) before prod + cons's group (3)
        (3, [["cons_0", "alone_0"], ["small_p_0", "small_c_0"]], [0, 8]),
        (2, [["prod_0", "alone_0", "cons_0"], ["small_p_0", "small_c_0"]], [32, 8]),
    ],
)
def test_an_instance_no_stream_touches_joins_the_smallest_group(
    cores: int, groups: list[list[str]], costs: list[int]
) -> None:
    mod = dato.build(lanes_and_a_loner())
    region = next(o for o in mod.mapped.walk() if isinstance(o, dato_ir.RegionOp))
    plan = search_chains(region, stream_uses(region), cores, 5, {}, 2)
    assert isinstance(plan, ChainPlan)
    assert plan.groups == groups
    assert [plan.cost_bytes[k] for k in range(len(groups))] == costs


def test_two_lanes_and_a_loner_do_not_fit_one_core() -> None:
    mod = dato.build(lanes_and_a_loner())
    region = next(o for o in mod.mapped.walk() if isinstance(o, dato_ir.RegionOp))
    found = search_chains(region, stream_uses(region), 1, 5, {}, 2)
    assert isinstance(found, SearchFailure)
    assert found.reason == (
        "after 3 merges 2 elements are left and no stream joins two of them (separate lanes)"
    )


def two_lanes() -> object:
    """prod -> cons over @s (32 bytes) and small_p -> small_c over @t (8 bytes)."""

    @dato.region()
    def top(A: int32[8], B: int32[8], D: int32[2], E: int32[2]):
        s: Stream[int32[8], 2]
        t: Stream[int32[2], 2]

        @dato.kernel(mapping=[1], args=[A])
        def prod(a: int32[8]):
            s.put(a)

        @dato.kernel(mapping=[1], args=[B])
        def cons(b: int32[8]):
            b[:] = s.get()

        @dato.kernel(mapping=[1], args=[D])
        def small_p(x: int32[2]):
            t.put(x)

        @dato.kernel(mapping=[1], args=[E])
        def small_c(y: int32[2]):
            y[:] = t.get()

    return top


def test_of_merges_alike_in_size_the_fewer_bytes_between_comes_first() -> None:
    # prod + cons (32 bytes between) comes first by name, small_p + small_c
    # (8 bytes) by bytes: the bytes decide
    mod = dato.build(two_lanes())
    region = next(o for o in mod.mapped.walk() if isinstance(o, dato_ir.RegionOp))
    plan = search_chains(region, stream_uses(region), 3, 4, {}, 2)
    assert isinstance(plan, ChainPlan)
    assert plan.groups == [["small_p_0", "small_c_0"]]
    assert plan.cost_bytes == {0: 8}
    plan = search_chains(region, stream_uses(region), 2, 4, {}, 2)
    assert isinstance(plan, ChainPlan)
    assert plan.groups == [["prod_0", "cons_0"], ["small_p_0", "small_c_0"]]
    assert plan.cost_bytes == {0: 32, 1: 8}
