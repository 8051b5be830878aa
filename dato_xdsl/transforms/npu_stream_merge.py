"""Streams between the same two cores, used one after the other, carried by one.

After folding, a core runs its members one after the other. When several of
its members each send one stream to members of one other core, and the
receiving core runs those members in the same order, the streams are used in
turn: all of the first stream's elements are put (and got) before any of the
second's. One stream (one objectfifo, one DMA channel at each end) then
carries them all in that order with the same values, where separate streams
would take a DMA channel each (a folded systolic grid: three PEs of a column
sending A to their three neighbours of the next column).

The merge is recorded in the IR: the kept declaration gets
`dato.merged_streams` (the streams it now carries, in order) and every binding
and use of the others names it. The caller replays the design afterwards
(npu_chain_search) so that a merge that would deadlock is never emitted."""

from __future__ import annotations

from xdsl.dialects.builtin import ArrayAttr, StringAttr, SymbolRefAttr

from dato_xdsl.dialects import dato
from dato_xdsl.transforms.stream_access import stream_uses

MERGED = "dato.merged_streams"


def parallel_streams(
    region: dato.RegionOp, core_of: dict[str, int], order: dict[str, int]
) -> list[list[str]]:
    """Sets of streams (each in run order) that one stream can carry: same
    type, static counts, from distinct members of one core to distinct
    members of another core, which run them in the same order."""
    uses = stream_uses(region)
    by_pair: dict[tuple[int, int], list[str]] = {}
    for name, use in uses.items():
        p, c = use.producer, use.consumer
        if p is None or c is None or p not in core_of or c not in core_of:
            continue
        if core_of[p] == core_of[c] or use.total() is None:
            continue
        by_pair.setdefault((core_of[p], core_of[c]), []).append(name)
    decls = {d.sym_name.data: d for d in region.streams()}
    out: list[list[str]] = []
    for names in by_pair.values():
        if len(names) < 2:
            continue
        names.sort(key=lambda n: (order.get(uses[n].producer, 0), n))  # type: ignore[arg-type]
        producers = [uses[n].producer for n in names]
        consumers = [uses[n].consumer for n in names]
        if len(set(producers)) != len(names) or len(set(consumers)) != len(names):
            continue
        ranks = [order.get(c, 0) for c in consumers]  # type: ignore[arg-type]
        if ranks != sorted(ranks) or len(set(ranks)) != len(ranks):
            continue
        if len({decls[n].stream_type for n in names}) != 1:
            continue
        out.append(names)
    return out


def merge_streams(region: dato.RegionOp, sets: list[list[str]]) -> None:
    """Let the first stream of each set carry the others (see module doc)."""
    rename = {other: names[0] for names in sets for other in names[1:]}
    for group in region.groups():
        group.bindings = ArrayAttr(
            [StringAttr(rename.get(b.data, b.data)) for b in group.bindings.data]
        )
        for op in group.body.walk():
            if isinstance(op, dato.PutOp | dato.GetOp):
                name = op.stream.root_reference.data
                if name in rename:
                    op.stream = SymbolRefAttr(rename[name])
    for decl in list(region.streams()):
        name = decl.sym_name.data
        if name in rename:
            decl.detach()
            decl.erase()
    decls = {d.sym_name.data: d for d in region.streams()}
    for names in sets:
        decls[names[0]].attributes[MERGED] = ArrayAttr([StringAttr(n) for n in names])
