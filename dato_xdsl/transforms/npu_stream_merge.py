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
from xdsl.ir import Operation

from dato_xdsl.dialects import dato
from dato_xdsl.transforms.stream_access import stream_uses

MERGED = "dato.merged_streams"


def parallel_streams(
    region: dato.RegionOp, core_of: dict[str, int], order: dict[str, int], one_end: bool = False
) -> list[list[str]]:
    """Sets of streams (each in run order) that one stream can carry: same
    type, static counts, from distinct members of one core to distinct
    members of another core, which run them in the same order; with
    `one_end`, also from distinct members of one core to one instance of
    another that gets them one stream after the other in that order (and the
    mirror: one instance putting them in turn to members run in that order)."""
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
    groups = {i.name: g for g in region.groups() for i in g.instances()}
    out: list[list[str]] = []
    for names in by_pair.values():
        if len(names) < 2 or len({decls[n].stream_type for n in names}) != 1:
            continue
        producers = {uses[n].producer for n in names}
        consumers = {uses[n].consumer for n in names}
        if len(producers) == len(names) and len(consumers) == len(names):
            names.sort(key=lambda n: (order.get(uses[n].producer, 0), n))  # type: ignore[arg-type]
            ranks = [order.get(uses[n].consumer, 0) for n in names]  # type: ignore[arg-type]
            if ranks != sorted(ranks) or len(set(ranks)) != len(ranks):
                continue
        elif one_end and len(producers) == len(names) and len(consumers) == 1:
            # one instance gets them all (a gather's reducer): in the order
            # the producing core runs its members, each stream's gets done
            # before the next one's
            names.sort(key=lambda n: (order.get(uses[n].producer, 0), n))  # type: ignore[arg-type]
            one = consumers.pop()
            if not in_turn(groups[one], [[u.site.op for u in uses[n].gets] for n in names]):
                continue
        elif one_end and len(producers) == 1 and len(consumers) == len(names):
            # one instance puts them all (a scatter), in the consumers' order
            names.sort(key=lambda n: (order.get(uses[n].consumer, 0), n))  # type: ignore[arg-type]
            one = producers.pop()
            if not in_turn(groups[one], [[u.site.op for u in uses[n].puts] for n in names]):
                continue
        else:
            continue
        out.append(names)
    return out


def in_turn(group: dato.GroupOp, sites: list[list[Operation]]) -> bool:
    """Whether the body runs every site of one entry before any site of the
    next: each entry's sites lie in top-level ops of the body that hold no
    other entry's site, in the entries' order."""
    body = group.body.block
    position = {op: k for k, op in enumerate(body.ops)}
    last = -1
    for ops in sites:
        tops = [body.find_ancestor_op_in_block(op) for op in ops]
        if not tops or any(t is None for t in tops):
            return False
        at = [position[t] for t in tops]  # type: ignore[index]
        if min(at) <= last:
            return False
        last = max(at)
    return True


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
