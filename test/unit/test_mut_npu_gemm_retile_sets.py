"""npu_gemm_retile's block-set cut by hand: the refined grid and pids, the
bytes each group of a set holds per sub-block (its locals, its ports' stream
objects at the deepest bound stream's depth or one deep) and the cuts tried
(every divisor pair whose sub-blocks fit, one object deep, at exactly the
budget and not one byte past; largest first, the two squarest of an area).
Written from mutation testing's survivors (tools/mutation-test npu-gemm-retile)."""

from __future__ import annotations

from types import SimpleNamespace

from dato_xdsl.transforms.npu_gemm_retile import (
    AB_ROOM,
    CHAIN_FOLD,
    MAX_CHAIN_TRIALS,
    MAX_FOLD,
    MAX_TRIALS,
    _candidates,
    _set_bytes,
    _sub_grid,
    _sub_pid,
    _tried,
)


def test_sub_grids_and_pids() -> None:
    assert _sub_grid((3, 5), 2, 4) == [6, 20]
    assert _sub_grid((3,), 2, 4) == [24]
    # instance (1, 2) cut 2 x 4: sub-block (1, 3) is (1 * 2 + 1, 2 * 4 + 3)
    assert _sub_pid((1, 2), 2, 4, 1, 3) == (3, 11)
    # a 1-D instance 2 becomes r x s in a row: 2 * 8 + 1 * 4 + 3
    assert _sub_pid((2,), 2, 4, 1, 3) == (23,)
    assert _sub_pid((0,), 2, 4, 0, 0) == (0,)
    # a [Pk, Pm, Pn] grid: K stays, M and N are refined
    assert _sub_grid((4, 2, 3), 2, 4) == [4, 4, 12]
    assert _sub_pid((3, 1, 2), 2, 4, 1, 3) == (3, 3, 11)


def _stream(name: str, depth: int) -> SimpleNamespace:
    return SimpleNamespace(
        sym_name=SimpleNamespace(data=name),
        stream_type=SimpleNamespace(depth=SimpleNamespace(data=depth)),
    )


def _set(shape: tuple[int, int]) -> SimpleNamespace:
    """g1 (a matmul: 4 bytes of locals an element, its `out` port bound to
    @s0 (depth 2) and @s1 (depth 3), 4 bytes an element) and g2 (its `in` port
    bound to the same, 4 bytes, and @x (depth 4), 2 bytes, named directly)."""
    insts = [SimpleNamespace(bindings=("s0",)), SimpleNamespace(bindings=("s1",))]
    g1 = SimpleNamespace(port_names=("out",), instances=lambda: insts)
    g2 = SimpleNamespace(port_names=("in",), instances=lambda: insts)
    b1 = SimpleNamespace(locals_bytes=4, port_bytes={"out": 4}, matmul=True)
    b2 = SimpleNamespace(locals_bytes=0, port_bytes={"in": 4, "x": 2}, matmul=None)
    streams = [_stream("s0", 2), _stream("s1", 3), _stream("x", 4)]
    return SimpleNamespace(groups=[g1, g2], bodies=[b1, b2], streams=streams, shape=shape)


def test_set_bytes_count_ports_at_the_deepest_bound_stream() -> None:
    bs = _set((4, 6))
    # g1: 4 + 4 x 3 = 16 an element; g2: 4 x 3 + 2 x 4 = 20; 2 x 4 blocks
    assert _set_bytes(bs, 2, 4, False) == [(128, AB_ROOM), (160, 0)]  # type: ignore[arg-type]
    # one object deep: g1 4 + 4 = 8, g2 4 + 2 = 6
    assert _set_bytes(bs, 2, 4, True) == [(64, AB_ROOM), (48, 0)]  # type: ignore[arg-type]
    assert _set_bytes(bs, 1, 3, True) == [(24, AB_ROOM), (18, 0)]  # type: ignore[arg-type]


def test_cuts_whose_sub_blocks_fit_largest_first_two_squarest_an_area() -> None:
    bs = _set((4, 6))
    # one object deep g1 needs 8 bm bn + AB_ROOM: sub-blocks of at most 6 elements
    # (4 x 6 cut r x s, r | 4, s | 6, not 1 x 1); per area, by (skew, r, s):
    # 6: (2, 2) 2 x 3, (4, 1) 1 x 6; 4: (2, 3) 2 x 2, (1, 6) 4 x 1; 3: (4, 2);
    # 2: (2, 6), (4, 3); 1: (4, 6)
    fits = [(2, 2), (4, 1), (2, 3), (1, 6), (4, 2), (2, 6), (4, 3), (4, 6)]
    assert _candidates(bs, AB_ROOM + 48) == fits  # type: ignore[arg-type]
    assert _candidates(bs, AB_ROOM + 47) == fits[2:]  # type: ignore[arg-type]
    # at 64 bytes sub-blocks of 8 fit too: of 4 x 6 only 4 x 2 (r 1, s 3), first
    assert _candidates(bs, AB_ROOM + 64)[:3] == [(1, 3), (2, 2), (4, 1)]  # type: ignore[arg-type]
    assert _candidates(bs, AB_ROOM + 7) == []  # type: ignore[arg-type]
    assert _candidates(bs, AB_ROOM + 8) == [(4, 6)]  # type: ignore[arg-type]


def test_of_three_cuts_of_one_area_the_two_squarest() -> None:
    # 4 x 4, sub-blocks of 4 elements: 2 x 2 (skew 1), 4 x 1 and 1 x 4 (skew 4):
    # (2, 2), then (1, 4) before (4, 1) by r
    bs = _set((4, 4))
    assert _candidates(bs, AB_ROOM + 32)[:2] == [(2, 2), (1, 4)]  # type: ignore[arg-type]
    assert (4, 1) not in _candidates(bs, AB_ROOM + 32)  # type: ignore[arg-type]


def test_the_whole_block_is_never_a_cut() -> None:
    # at 8 x 24 + AB_ROOM every sub-block fits, the whole 4 x 6 block too: it is
    # not offered; area 12 first: 4 x 3 (r 1, s 2, skew 1), 2 x 6 (r 2, s 1, skew 3)
    bs = _set((4, 6))
    found = _candidates(bs, AB_ROOM + 192)  # type: ignore[arg-type]
    assert (1, 1) not in found
    assert found[:2] == [(1, 2), (2, 1)]


def _chain_set(shape: tuple[int, int], matmuls: int) -> SimpleNamespace:
    """_set's two groups of two instances each, `matmuls` of them computing
    a matmul (two: a chain joined by its partial-sum streams)."""
    bs = _set(shape)
    for g in bs.groups:
        g.num_instances = lambda: 2
    bs.bodies[1].matmul = matmuls == 2
    return bs


def test_a_chain_tries_cuts_up_to_chain_fold_instances_a_core() -> None:
    assert (MAX_FOLD, CHAIN_FOLD, MAX_TRIALS, MAX_CHAIN_TRIALS) == (16, 48, 6, 2)
    # every cut of 4 x 6 fits at AB_ROOM + 192 (g1 8, g2 6 bytes an element);
    # largest first: (1,2) (2,1) (1,3) (2,2) (4,1) (2,3) (1,6) (4,2) (2,6)
    # (4,3) (4,6), r * s = 2 2 3 4 4 6 6 8 12 12 24. Four instances on one
    # core: at most 16 are r * s <= 4, up to 48 are r * s <= 12 (two tried)
    one = SimpleNamespace(compute_cores=1)
    narrow = [(1, 2), (2, 1), (1, 3), (2, 2), (4, 1)]
    chain = _chain_set((4, 6), 2)
    assert _tried(chain, AB_ROOM + 192, one) == narrow + [(2, 3), (1, 6)]  # type: ignore[arg-type]
    # sub-blocks of at most 2 elements (AB_ROOM + 16: g1's 8 bytes each):
    # (2,6) (4,3) (4,6), r * s = 12 12 24: only a chain tries any, and not
    # the 24 of (4,6), past 48 instances
    assert _tried(chain, AB_ROOM + 16, one) == [(2, 6), (4, 3)]  # type: ignore[arg-type]
    assert _tried(_chain_set((4, 6), 1), AB_ROOM + 16, one) == []  # type: ignore[arg-type]
    # one matmul among the groups: no chain, no cut beyond MAX_FOLD
    assert _tried(_chain_set((4, 6), 1), AB_ROOM + 192, one) == narrow  # type: ignore[arg-type]
    # two cores: r * s <= 8 within MAX_FOLD (eight cuts, six tried), then
    # r * s <= 24 for a chain: (2,6) and (4,3) of (2,6) (4,3) (4,6)
    two = SimpleNamespace(compute_cores=2)
    assert _tried(chain, AB_ROOM + 192, two) == [  # type: ignore[arg-type]
        (1, 2),
        (2, 1),
        (1, 3),
        (2, 2),
        (4, 1),
        (2, 3),
        (2, 6),
        (4, 3),
    ]
