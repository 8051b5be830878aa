"""`dato-npu-broadcast-streams`: streams one producer fills with the same
values, marked to become one broadcast objectfifo.

A producer that puts one block on several streams, one put right after the
other (`with dato.meta_for(0, P) as p: cols[p].put(m)`, unrolled), sends the
same values on each, in the same order and count. On the NPU one objectfifo
with several consumers carries them (mlir-aie broadcasts each object to
every consumer's tile): the producer holds one set of objects and one DMA
channel instead of one per stream, and its block may be computed in that
one object (dato-put-in-place takes the run of puts as one put).

A set qualifies when: its puts are adjacent ops of one block (nothing runs
between them, so the value cannot change), putting one value on distinct
streams of one type that carry blocks (scalars are packed into words per
stream); each of these streams has no other put; each has one consumer,
and the consumers are distinct instances that get from no other stream (a
core's input streams over its DMA channels are joined through a memtile,
which a broadcast's consumer end cannot be). So no stream path leads from
one consumer to another except through the producer, which keeps the
deadlock replay, which sees the streams apart (the producer puts on one,
then the next), valid for the broadcast, which puts on all at once: a
consumer frees its object whatever the other consumers do (placement may
add waits through cores members share: npu_broadcast_fifos checks them).

The same values reach the streams in another shape too: a meta_for putting
a slice itself (`pipe[p].put(a[:, k*KT:(k+1)*KT])`, Allo's SUMMA loaders)
copies the slice into a fresh local before each unrolled put. Where the ops
between two such puts only compute the same slice again (nothing written but
the second local), the second put sends the first copy and the second copy
goes (`share_copied_slices`): one copy per step, and a set as above.

Besides that rewrite, the pass only records the decision, before
dato-put-in-place and physical mapping, on the streams' declarations: the
first stream of a set gets `dato.broadcast_streams` (the set, in put
order); physical mapping counts the producer's objects and DMA channel once
for the set, and dato-npu-broadcast-fifos (after placement) turns each set
whose consumers sit on tiles of their own into one stream with several
consumers."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, memref
from xdsl.dialects.builtin import ArrayAttr, MemRefType, ModuleOp, StringAttr
from xdsl.ir import Block, Operation, OpResult, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from dato_xdsl.dialects import dato
from dato_xdsl.transforms.stream_access import StreamUses, stream_uses

BROADCAST = "dato.broadcast_streams"

# ops that compute a slice again without touching memory
_PURE: tuple[type[Operation], ...] = (
    arith.ConstantOp,
    arith.AddiOp,
    arith.SubiOp,
    arith.MuliOp,
    arith.DivUIOp,
    arith.RemUIOp,
    memref.SubviewOp,
)


def broadcast_sets(region: dato.RegionOp) -> dict[str, list[str]]:
    """The recorded sets (BROADCAST), by their first stream."""
    out: dict[str, list[str]] = {}
    for decl in region.streams():
        attr = decl.attributes.get(BROADCAST)
        if isinstance(attr, ArrayAttr):
            out[decl.sym_name.data] = [s.data for s in attr.data]  # type: ignore[union-attr]
    return out


def head_of(region: dato.RegionOp) -> dict[str, str]:
    """Each stream of a recorded set, mapped to the set's first stream."""
    return {s: head for head, names in broadcast_sets(region).items() for s in names}


@dataclass
class PutRun:
    """Adjacent puts of one value by one instance: the streams, in order."""

    instance: str
    puts: list[dato.PutOp]
    streams: list[str]


def put_runs(region: dato.RegionOp) -> list[PutRun]:
    """Every run of two or more adjacent puts of one value, per instance."""
    runs: list[PutRun] = []
    for group in region.groups():
        blocks: list[Block] = [group.body.block]
        blocks += [b for op in group.body.walk() for r in op.regions for b in r.blocks]
        for inst in group.instances():
            bind = dict(zip(group.port_names, inst.bindings, strict=True))
            for block in blocks:
                run: list[dato.PutOp] = []
                for op in [*block.ops, None]:
                    if (
                        isinstance(op, dato.PutOp)
                        and run
                        and op.value == run[0].value
                        and op.value.type == run[0].value.type
                    ):
                        run.append(op)
                        continue
                    if len(run) > 1:
                        names = [
                            bind.get(p.stream.root_reference.data, p.stream.root_reference.data)
                            for p in run
                        ]
                        runs.append(PutRun(inst.name, list(run), names))
                    run = [op] if isinstance(op, dato.PutOp) else []
    return runs


def stream_graph(uses: dict[str, StreamUses]) -> dict[str, set[str]]:
    """Instance -> the instances it puts to."""
    out: dict[str, set[str]] = {}
    for use in uses.values():
        for p in use.puts:
            for g in use.gets:
                out.setdefault(p.instance, set()).add(g.instance)
    return out


def reaches(graph: dict[str, set[str]], start: str, goals: set[str], avoid: str) -> bool:
    """Whether a path of streams leads from `start` to one of `goals`
    without passing through `avoid`."""
    seen = {start, avoid}
    todo = [start]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt in goals:
                return True
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return False


def find_sets(region: dato.RegionOp) -> list[list[str]]:
    """The broadcast sets of `region` (see the module doc), streams in put order."""
    uses = stream_uses(region)
    decls = {d.sym_name.data: d for d in region.streams()}
    inputs: dict[str, set[str]] = {}
    for name, use in uses.items():
        for g in use.gets:
            inputs.setdefault(g.instance, set()).add(name)
    out: list[list[str]] = []
    taken: set[str] = set()
    for run in put_runs(region):
        names = run.streams
        if len(set(names)) != len(names) or taken & set(names):
            continue
        if any(n not in decls or n not in uses for n in names):
            continue
        types = {decls[n].stream_type for n in names}
        if len(types) != 1:
            continue
        st = next(iter(types))
        if not isinstance(st.element_type, MemRefType) or st.packing.data != 1:
            continue
        sites = {id(p) for p in run.puts}
        ok = True
        consumers: list[str] = []
        for n in names:
            use = uses[n]
            if len(use.puts) != 1 or id(use.puts[0].site.op) not in sites:
                ok = False  # another put on it: not the same values
                break
            if use.puts[0].instance != run.instance:
                ok = False
                break
            getters = {g.instance for g in use.gets}
            if len(getters) != 1:
                ok = False
                break
            consumers.append(getters.pop())
        if not ok or len(set(consumers)) != len(consumers) or run.instance in consumers:
            continue
        if any(len(inputs.get(c, ())) != 1 for c in consumers):
            continue  # it gets other streams too: physical mapping may join them
        taken |= set(names)
        out.append(names)
    return out


def _same_value(a: SSAValue, b: SSAValue) -> bool:
    """`a` and `b` are one value, or results of one side-effect-free op
    (index arithmetic, a subview) applied to the same values."""
    if a is b:
        return True
    if not isinstance(a, OpResult) or not isinstance(b, OpResult) or a.index != b.index:
        return False
    x, y = a.op, b.op
    if (
        type(x) is not type(y)
        or not isinstance(x, _PURE)
        or x.properties != y.properties
        or x.attributes != y.attributes
        or len(x.operands) != len(y.operands)
    ):
        return False
    return all(_same_value(u, v) for u, v in zip(x.operands, y.operands, strict=True))


def _copied_slice(put: dato.PutOp) -> tuple[Operation, memref.CopyOp] | None:
    """(alloc, copy) when `put` sends a fresh local whose only other use is
    the copy right before the put filling it whole from another memref."""
    value = put.value
    alloc = value.owner
    copy = put.prev_op
    if (
        not isinstance(alloc, memref.AllocOp)
        or not isinstance(copy, memref.CopyOp)
        or copy.destination is not value
        or {u.operation for u in value.uses} != {copy, put}
    ):
        return None
    return alloc, copy


def _next_put(put: dato.PutOp) -> dato.PutOp | None:
    at = put.next_op
    while at is not None and not isinstance(at, dato.PutOp):
        at = at.next_op
    return at


@dataclass
class SharedSlice:
    """A slice copy `share_copied_slices` sends on several puts."""

    copy: memref.CopyOp
    puts: list[dato.PutOp]


def share_copied_slices(block: Block) -> list[SharedSlice]:
    """Where a put sends a fresh copy of a slice and the ops after it, up to
    another put, only compute the same slice again (index arithmetic, a
    subview, a fresh local, its copy: nothing writes memory but that local),
    the second put sends the first copy: its copy, its local and the
    arithmetic only it used go, and the puts become adjacent puts of one
    value (a meta_for putting `a[:, k*KT:(k+1)*KT]` on every stream).
    Returns the copies shared."""
    done: list[SharedSlice] = []
    for first in [op for op in block.ops if isinstance(op, dato.PutOp)]:
        found = _copied_slice(first)
        if found is None:
            continue
        last: dato.PutOp = first  # the run so far sends first's copy
        shared = SharedSlice(found[1], [first])
        while (at := _next_put(last)) is not None:
            second = _copied_slice(at)
            if second is None:
                break
            alloc, copy = second
            between: list[Operation] = []
            op = last.next_op
            while op is not None and op is not alloc:
                between.append(op)
                op = op.next_op
            if alloc.next_op is not copy or not all(isinstance(o, _PURE) for o in between):
                break
            if not _same_value(copy.source, found[1].source):
                break
            k = next(i for i, v in enumerate(at.operands) if v is at.value)
            at.operands[k] = first.value
            Rewriter.erase_op(copy)
            Rewriter.erase_op(alloc)
            for o in reversed(between):
                if all(not r.uses for r in o.results):
                    Rewriter.erase_op(o)
            shared.puts.append(at)
            last = at
        if len(shared.puts) > 1:
            done.append(shared)
    return done


def unshare(shared: SharedSlice) -> None:
    """Give each put after the first its own copy again, right before it
    (the slice's source is unchanged since the first copy: nothing between
    them writes memory): its local can then be computed in its object."""
    for put in shared.puts[1:]:
        t = put.value.type
        assert isinstance(t, MemRefType)
        alloc = memref.AllocOp.get(t.element_type, shape=t.get_shape())
        copy = memref.CopyOp(shared.copy.source, alloc.memref)
        Rewriter.insert_op([alloc, copy], InsertPoint.before(put))
        k = next(i for i, v in enumerate(put.operands) if v is put.value)
        put.operands[k] = alloc.memref


def mark_sets(region: dato.RegionOp) -> list[list[str]]:
    """Record the sets of `region` on their first streams; returns them."""
    sets = find_sets(region)
    decls = {d.sym_name.data: d for d in region.streams()}
    for names in sets:
        decls[names[0]].attributes[BROADCAST] = ArrayAttr([StringAttr(n) for n in names])
    return sets


class NpuBroadcastStreamsPass(ModulePass):
    """Mark streams one producer fills with the same values (module doc)."""

    name = "dato-npu-broadcast-streams"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for region in [r for r in op.walk() if isinstance(r, dato.RegionOp)]:
            if not region.tasks():
                shared: list[SharedSlice] = []
                for group in region.groups():
                    for block in [group.body.block] + [
                        b for o in group.body.walk() for r in o.regions for b in r.blocks
                    ]:
                        shared += share_copied_slices(block)
                sets = mark_sets(region)
                # a shared copy no set took is a local beside its objects:
                # each put gets its own copy back (computed in its object)
                taken = {id(p) for r in put_runs(region) for p in r.puts if r.streams in sets}
                for one in shared:
                    if id(one.puts[0]) not in taken:
                        unshare(one)
