"""dato-npu-broadcast-streams (which streams one producer fills with the same
values) and dato-npu-broadcast-fifos (the placed sets made one stream with
several consumers), on the virtually mapped regions of small programs: the
sets found are the ones the programs' text shows, near misses stay apart,
and the rewrite leaves one put read by every consumer."""

from __future__ import annotations

import pytest
from xdsl.dialects import memref

import dato_xdsl as dato
from dato_xdsl.dialects import dato as dato_ir
from dato_xdsl.transforms.npu_broadcast_fifos import broadcast_placed, merge_broadcast
from dato_xdsl.transforms.npu_broadcast_streams import (
    BROADCAST,
    NpuBroadcastStreamsPass,
    broadcast_sets,
    find_sets,
    head_of,
    mark_sets,
)
from dato_xdsl.transforms.stream_access import stream_uses
from test.unit.programs import npu_broadcast_programs as bp

COLS = ["cols_0", "cols_1", "cols_2", "cols_3"]


def mapped(top) -> dato_ir.RegionOp:
    mod = dato.build(top)
    return next(o for o in mod.mapped.walk() if isinstance(o, dato_ir.RegionOp))


def puts_of(region: dato_ir.RegionOp, group: str) -> list[str]:
    g = next(g for g in region.groups() if g.sym_name.data == group)
    return [op.stream.root_reference.data for op in g.body.walk() if isinstance(op, dato_ir.PutOp)]


def test_one_block_put_on_every_stream_of_a_meta_for_is_one_set() -> None:
    region = mapped(bp.im2col(6, 6, 8, 4))
    assert find_sets(region) == [COLS]


def test_puts_in_a_loop_each_step_form_a_set() -> None:
    # the SUMMA-like loader puts its column block on both streams every K step
    region = mapped(bp.row_broadcast(8, 16, 8, 4, 2))
    assert find_sets(region) == [["pipe_0", "pipe_1"]]


def test_a_slice_put_on_every_stream_is_copied_once() -> None:
    # each unrolled put copied a[:, k*KT:(k+1)*KT] into a local of its own:
    # the same values, so one copy goes on all four streams
    mod = dato.build(bp.slice_broadcast(8, 16, 8, 4, 4))
    region = next(o for o in mod.mapped.walk() if isinstance(o, dato_ir.RegionOp))
    assert find_sets(region) == []
    NpuBroadcastStreamsPass().apply(None, mod.mapped)  # type: ignore[arg-type]
    load = next(g for g in region.groups() if g.sym_name.data == "load")
    copies = [op for op in load.body.walk() if isinstance(op, memref.CopyOp)]
    puts = [op for op in load.body.walk() if isinstance(op, dato_ir.PutOp)]
    assert len(copies) == 1 and len(puts) == 4
    assert {p.value for p in puts} == {copies[0].destination}
    assert broadcast_sets(region) == {"pipe_0": [f"pipe_{p}" for p in range(4)]}


def test_a_shared_slice_no_set_takes_is_copied_per_put_again() -> None:
    mod = dato.build(bp.slices_to_chained(8))
    region = next(o for o in mod.mapped.walk() if isinstance(o, dato_ir.RegionOp))
    NpuBroadcastStreamsPass().apply(None, mod.mapped)  # type: ignore[arg-type]
    assert broadcast_sets(region) == {}
    src = next(g for g in region.groups() if g.sym_name.data == "src")
    copies = [op for op in src.body.walk() if isinstance(op, memref.CopyOp)]
    puts = [op for op in src.body.walk() if isinstance(op, dato_ir.PutOp)]
    assert len(copies) == 2 and len(puts) == 2
    # each put sends its own copy, made right before it
    for put in puts:
        assert put.prev_op in copies and put.prev_op.destination is put.value  # type: ignore[union-attr]
    assert puts[0].value is not puts[1].value


@pytest.mark.parametrize(
    "top",
    [bp.changed_between(8, 2), bp.consumers_chained(8), bp.scalar_fanout(8, 2)],
    ids=["value-changed-between-puts", "one-consumer-waits-on-another", "scalars"],
)
def test_near_misses_stay_apart(top) -> None:
    region = mapped(top)
    assert find_sets(region) == []
    assert mark_sets(region) == []
    assert broadcast_sets(region) == {}


def test_the_set_is_recorded_on_its_first_stream_only() -> None:
    region = mapped(bp.im2col(6, 6, 8, 4))
    assert mark_sets(region) == [COLS]
    marked = [d.sym_name.data for d in region.streams() if BROADCAST in d.attributes]
    assert marked == ["cols_0"]
    assert broadcast_sets(region) == {"cols_0": COLS}
    assert head_of(region) == dict.fromkeys(COLS, "cols_0")


def tiles_of(region: dato_ir.RegionOp, where: dict[str, tuple[int, int]]) -> dict:
    names = [i.name for g in region.groups() for i in g.instances()]
    assert set(where) == set(names)
    return where


def test_placed_set_becomes_one_stream_got_by_every_consumer() -> None:
    region = mapped(bp.im2col(6, 6, 8, 4))
    mark_sets(region)
    tiles = tiles_of(
        region,
        {"im2col_0": (0, 2), "mm_0": (0, 3), "mm_1": (1, 2), "mm_2": (0, 4), "mm_3": (0, 5)},
    )
    assert merge_broadcast(region, tiles) == ["cols_0"]
    assert [d.sym_name.data for d in region.streams()] == ["cols_0"]
    assert puts_of(region, "im2col") == ["cols_0"]
    uses = stream_uses(region)
    assert [u.instance for u in uses["cols_0"].puts] == ["im2col_0"]
    assert sorted(u.instance for u in uses["cols_0"].gets) == ["mm_0", "mm_1", "mm_2", "mm_3"]
    assert broadcast_sets(region) == {"cols_0": COLS}  # the record of the decision stays


def test_consumers_sharing_a_core_keep_their_streams() -> None:
    # mm_0 and mm_1 folded on one core would each take every object of one
    # fifo: the set stays apart
    region = mapped(bp.im2col(6, 6, 8, 4))
    mark_sets(region)
    tiles = tiles_of(
        region,
        {"im2col_0": (0, 2), "mm_0": (0, 3), "mm_1": (0, 3), "mm_2": (0, 4), "mm_3": (0, 5)},
    )
    assert merge_broadcast(region, tiles) == []
    assert [d.sym_name.data for d in region.streams()] == COLS
    assert puts_of(region, "im2col") == COLS


def test_placed_only_on_tiles_of_their_own_and_unrouted() -> None:
    names = ["s_0", "s_1"]
    producer = dict.fromkeys(names, "p")
    consumer = {"s_0": "a", "s_1": "b"}
    apart = {"p": (0, 2), "a": (0, 3), "b": (0, 4)}
    graph = {"p": {"a", "b"}}
    assert broadcast_placed(names, producer, consumer, apart, graph)
    assert not broadcast_placed(names, producer, consumer, apart, graph, {"s_1"})
    assert not broadcast_placed(names, producer, consumer, {**apart, "b": (0, 2)}, graph)
    assert not broadcast_placed(names, producer, consumer, {**apart, "b": (0, 3)}, graph)
    assert not broadcast_placed(names, producer, consumer, {"p": (0, 2), "a": (0, 3)}, graph)
    assert not broadcast_placed(names, {"s_0": "p", "s_1": "q"}, consumer, apart, graph)


def test_a_core_shared_with_a_task_between_consumers_keeps_them_apart() -> None:
    # a puts to x; x shares b's core, so b may run only after x, which waits
    # on a: b's slot of a broadcast could wait on a's progress
    names = ["s_0", "s_1"]
    producer = dict.fromkeys(names, "p")
    consumer = {"s_0": "a", "s_1": "b"}
    graph = {"p": {"a", "b"}, "a": {"x"}}
    apart = {"p": (0, 2), "a": (0, 3), "b": (0, 4), "x": (0, 5)}
    assert broadcast_placed(names, producer, consumer, apart, graph)
    shared = {**apart, "x": (0, 4)}
    assert not broadcast_placed(names, producer, consumer, shared, graph)
    # beside the producer instead: a path through the producer's core is the
    # producer's own order, which the replay sees
    beside = {**apart, "x": (0, 2)}
    assert broadcast_placed(names, producer, consumer, beside, graph)
