"""`dato-npu-broadcast-fifos`: after placement, each broadcast set
(dato-npu-broadcast-streams) becomes one stream with several consumers.

The producer's run of puts becomes one put on the set's first stream, every
consumer gets from that stream, and the other streams go: the lowering makes
the stream one objectfifo whose consumers are all their tiles (mlir-aie
broadcasts each object, over DMA even to a neighbour sharing memory). A set
is rewritten only when physical mapping placed every consumer on a tile of
its own, apart from the producer's, and routed none of its streams through
a memtile: the condition under which physical mapping counted the set's
objects once (`broadcast_placed`); otherwise its streams stay as they are,
and were counted so.

The rewritten stream keeps `dato.broadcast_streams` (the streams it now
carries, the first one's name kept) as the record of the decision."""

from __future__ import annotations

from collections.abc import Mapping

from xdsl.context import Context
from xdsl.dialects.builtin import ArrayAttr, ModuleOp, StringAttr, SymbolRefAttr
from xdsl.passes import ModulePass

from dato_xdsl.dialects import dato
from dato_xdsl.transforms.npu_broadcast_streams import (
    broadcast_sets,
    put_runs,
    reaches,
    stream_graph,
)
from dato_xdsl.transforms.npu_transfers import group_tiles
from dato_xdsl.transforms.stream_access import stream_uses


def broadcast_placed(
    names: list[str],
    producer: Mapping[str, str | None],
    consumer: Mapping[str, str | None],
    tiles: Mapping[str, tuple[int, int] | None],
    graph: Mapping[str, set[str]],
    routed: set[str] | frozenset[str] = frozenset(),
) -> bool:
    """Whether the set `names` becomes one broadcast fifo under the placement
    `tiles` (instance -> tile): one producer, each consumer on a tile of its
    own apart from the producer's, no stream routed through a memtile, and
    still no consumer waiting on another once members share cores (`graph`:
    instance -> the instances it puts to; members of one core wait on each
    other, whichever runs first: a path through them counts)."""
    if routed & set(names):
        return False
    makers = {producer.get(n) for n in names}
    if len(makers) != 1:
        return False
    maker = makers.pop() or ""
    home = tiles.get(maker)
    if home is None:
        return False
    ends = [consumer.get(n) or "" for n in names]
    places = [tiles.get(c) for c in ends]
    if any(t is None or t == home for t in places) or len(set(places)) != len(places):
        return False
    cores: dict[tuple[int, int], set[str]] = {}
    for inst, tile in tiles.items():
        if tile is not None:
            cores.setdefault(tile, set()).add(inst)
    linked = {inst: set(graph.get(inst, ())) for inst in tiles}
    for members in cores.values():
        for inst in members:
            linked[inst] |= members - {inst}
    others = set(ends)
    return not any(reaches(linked, c, others - {c}, maker) for c in ends)


def merge_broadcast(region: dato.RegionOp, tiles: Mapping[str, tuple[int, int]]) -> list[str]:
    """Rewrite the region's placed broadcast sets (module doc); returns the
    first streams of those rewritten."""
    sets = broadcast_sets(region)
    if not sets:
        return []
    uses = stream_uses(region)
    producer = {n: u.producer for n, u in uses.items()}
    consumer = {n: u.consumer for n, u in uses.items()}
    graph = stream_graph(uses)
    routed = {d.sym_name.data for d in region.streams() if "dato.route" in d.attributes}
    runs = {tuple(r.streams): r for r in put_runs(region)}
    rename: dict[str, str] = {}
    done: list[str] = []
    for head, names in sets.items():
        run = runs.get(tuple(names))
        if run is None or not broadcast_placed(names, producer, consumer, tiles, graph, routed):
            continue  # the set stays apart, as physical mapping counted it
        for put in run.puts[1:]:
            put.detach()
            put.erase()
        for n in names[1:]:
            rename[n] = head
        done.append(head)
    for group in region.groups():
        group.bindings = ArrayAttr(
            [StringAttr(rename.get(b.data, b.data)) for b in group.bindings.data]
        )
        for op in group.body.walk():
            if isinstance(op, dato.GetOp):
                name = op.stream.root_reference.data
                if name in rename:
                    op.stream = SymbolRefAttr(rename[name])
    for decl in list(region.streams()):
        if decl.sym_name.data in rename:
            decl.detach()
            decl.erase()
    return done


def placed_tiles(region: dato.RegionOp) -> dict[str, tuple[int, int]]:
    """Instance -> its tile, as physical mapping recorded it."""
    out: dict[str, tuple[int, int]] = {}
    for g in region.groups():
        for inst, tile in zip(g.instances(), group_tiles(g), strict=True):
            out[inst.name] = tile
    return out


class NpuBroadcastFifosPass(ModulePass):
    """Placed broadcast sets as one stream with several consumers (module doc)."""

    name = "dato-npu-broadcast-fifos"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for region in [r for r in op.walk() if isinstance(r, dato.RegionOp)]:
            if broadcast_sets(region):
                merge_broadcast(region, placed_tiles(region))
