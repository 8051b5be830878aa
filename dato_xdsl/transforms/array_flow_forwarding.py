"""`dato-array-flow-forwarding`: blocks of a global array passed from task to
task in the simulator's order, on the NPU.

The simulator runs every instance on one memory: a task reads what another
wrote to a global array, and several tasks update one block in turn. On the
NPU each task gets the host's copy of its block and sends its block back at its
end, so such a flow would read stale data (or let the last write-back win).
This pass turns each flow into on-chip forwarding in the simulator's order.

The instances touching overlapping blocks of one argument, at least one of
them writing, form a chain A1, ..., An in the order the simulator starts them
(tasks in the region's order, each task's instances in row-major pid order).
The simulator runs an instance until it finishes or blocks on a stream, and
each instance's first turn comes before the next one's. Rule: when every
member but the last makes all its accesses to the block before its first put
or get (by top-level op of its body: a loop or a conditional that holds both
counts as mixing them), each member's accesses happen in its first turn, so the
members touch the block one after another, in chain order. Then:

- A1 starts from the host's block; A(i+1) gets the block from Ai on a new
  stream of one whole block (depth 1), at its start;
- Ai (i < n) puts its block right after its last top-level op touching it,
  which comes before its first stream op: the put never waits (one put into an
  empty fifo) and the gets wait only for such puts, so no deadlock can be added;
- only the last member that writes sends the block to the host: earlier
  writers work on a local copy (A1 copies the host block into it first).

Members with different blocks (forwarding moves whole blocks), or a member
using a stream before its last access (the simulator may run the next member
in between) are refused, naming both instances and why. Components of writers
only whose element stores are disjoint (npu_write_boxes) are left alone: the
NPU joins them. The groups a chain touches are split by role (first, middle,
last, last writer) and get a port per forwarded block, bound per instance;
`dato.flow_ordered` records the body arguments whose host accesses the
forwarding orders, which `check_no_array_flows` then accepts.

dato-physical-map runs it first (so every NPU build does); dato-opt runs it
alone as `dato-array-flow-forwarding`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import memref
from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseArrayBase,
    MemRefType,
    ModuleOp,
    StringAttr,
    UnitAttr,
    i64,
)
from xdsl.ir import Block, Operation, SSAValue
from xdsl.passes import ModulePass

from dato_xdsl.diagnostics import op_error, op_location
from dato_xdsl.dialects import dato
from dato_xdsl.transforms.npu_plan import arg_access, plan_group
from dato_xdsl.transforms.npu_write_boxes import shared_write_boxes

FLOW_ORDERED = "dato.flow_ordered"
"""On a group: the body argument indices whose block is forwarded in the
simulator's order (their host reads and writes are ordered by the chain)."""
COMPILER_CHOSEN = "dato.compiler_chosen"

Box = tuple[tuple[int, ...], tuple[int, ...]]


@dataclass
class _Member:
    group: dato.GroupOp
    k: int
    inst: dato.Instance
    box: Box
    read: bool
    written: bool


@dataclass(frozen=True)
class _Role:
    """What one instance does with one forwarded body argument."""

    k: int
    mode: str
    """keep (host in and out), local (host in, works on a copy), get (from the
    previous member), get-to-arg (from the previous member, host out)"""
    source: str | None
    """the stream it gets the block from"""
    sink: str | None
    """the stream it puts the block on"""


def _overlap(a: Box, b: Box) -> bool:
    return all(
        oa < ob + sb and ob < oa + sa for oa, sa, ob, sb in zip(a[0], a[1], b[0], b[1], strict=True)
    )


def start_order(region: dato.RegionOp) -> dict[str, tuple[int, tuple[int, ...]]]:
    """Per instance, its key in the simulator's start order: tasks in the
    region's order, each task's instances by pid, row-major."""
    tasks: dict[str, int] = {}
    out: dict[str, tuple[int, tuple[int, ...]]] = {}
    for group in region.groups():
        rank = tasks.setdefault(group.task.data, len(tasks))
        for inst in group.instances():
            out[inst.name] = (rank, tuple(inst.pid))
    return out


def _derived(arg: SSAValue) -> set[SSAValue]:
    """The value and every memref derived from it by an op taking it (views)."""
    out = {arg}
    todo = [arg]
    while todo:
        v = todo.pop()
        for use in v.uses:
            for r in use.operation.results:
                if isinstance(r.type, MemRefType) and r not in out:
                    out.add(r)
                    todo.append(r)
    return out


def _top(block: Block, op: Operation) -> Operation:
    top = block.find_ancestor_op_in_block(op)
    assert top is not None
    return top


def _touching(block: Block, value: SSAValue) -> list[Operation]:
    """The top-level ops of `block` that use `value` or a view of it, in order."""
    tops = {_top(block, use.operation) for v in _derived(value) for use in v.uses}
    return [op for op in block.ops if op in tops]


def _first_stream_op(block: Block) -> tuple[Operation, Operation] | None:
    """(top-level op, the put or get in it) of the body's first stream access."""
    for op in block.ops:
        for inner in op.walk():
            if isinstance(inner, dato.PutOp | dato.GetOp):
                return op, inner
    return None


def _line(op: Operation) -> str:
    where = op_location(op)
    return f" (at {where})" if where != "<unknown>" else ""


def _components(region: dato.RegionOp) -> list[tuple[int, list[_Member]]]:
    """(region argument index, members) for every set of instances linked by
    overlapping blocks of one argument where one of the pair writes."""
    writes = {g.sym_name.data: plan_group(g).writes for g in region.groups()}
    shared = shared_write_boxes(region, writes)
    by_arg: dict[int, list[_Member]] = {}
    for group in region.groups():
        body = group.body.block
        ordered = group.attributes.get(FLOW_ORDERED)
        done = set(ordered.get_values()) if isinstance(ordered, DenseArrayBase) else set()
        for k, operand in enumerate(group.args):
            arg = body.args[k]
            if not arg.uses or k in done:  # forwarded already
                continue
            t = arg.type
            assert isinstance(t, MemRefType)
            read, written = arg_access(arg, host_copy=False)
            index = list(region.args).index(operand)
            for inst in group.instances():
                box = (tuple(inst.offsets[k]), tuple(t.get_shape()))
                by_arg.setdefault(index, []).append(
                    _Member(group, k, inst, box, read, writes[group.sym_name.data][k] or written)
                )
    out: list[tuple[int, list[_Member]]] = []
    for index, members in by_arg.items():
        parent = list(range(len(members)))

        def find(i: int, parent: list[int] = parent) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for i, a in enumerate(members):
            for j in range(i + 1, len(members)):
                b = members[j]
                if (a.written or b.written) and _overlap(a.box, b.box):
                    parent[find(i)] = find(j)
        roots: dict[int, list[_Member]] = {}
        for i, m in enumerate(members):
            roots.setdefault(find(i), []).append(m)
        for comp in roots.values():
            if len(comp) < 2:
                continue
            if not any(m.read for m in comp) and all(
                (m.group.sym_name.data, m.k) in shared for m in comp
            ):
                continue  # disjoint element stores: the NPU joins the writers' boxes
            out.append((index, comp))
    return out


def _refusal(region: dato.RegionOp, name: str, chain: list[_Member]) -> str | None:
    """Why the chain cannot follow the simulator's order, or None."""
    for a, b in zip(chain, chain[1:], strict=False):
        if a.box != b.box:
            return (
                f"{a.inst.name} and {b.inst.name} use overlapping blocks of {name} at different "
                f"places (offsets {list(a.box[0])} size {list(a.box[1])}, offsets "
                f"{list(b.box[0])} size {list(b.box[1])}); on the NPU a block written by one "
                "task is forwarded to the next whole, so only tasks sharing one block can "
                "follow the simulator's order"
            )
    seen: set[str] = set()
    for m in chain:
        if m.inst.name in seen:
            return f"{m.inst.name} takes {name} twice, and writes one of them"
        seen.add(m.inst.name)
    folded = {
        n: op for op in region.body.block.ops if isinstance(op, dato.BundleOp | dato.ChainOp)
        for n in op.names
    }  # fmt: skip
    for m in chain:
        if m.inst.name in folded:
            kind = "bundle" if isinstance(folded[m.inst.name], dato.BundleOp) else "chain"
            return (
                f"{m.inst.name} shares {name} with other tasks and is in a {kind}: the "
                "compiler forwards the block from task to task and cannot fold them as asked"
            )
    for a, b in zip(chain, chain[1:], strict=False):
        body = a.group.body.block
        stream = _first_stream_op(body)
        if stream is None:
            continue
        tops = list(body.ops)
        last = _touching(body, body.args[a.k])[-1]
        if tops.index(last) >= tops.index(stream[0]):
            what = "put on" if isinstance(stream[1], dato.PutOp) else "get from"
            return (
                f"{a.inst.name} and {b.inst.name} both use {name}, and {a.inst.name} may "
                f"{what} @{stream[1].stream.root_reference.data}{_line(stream[1])} before its "
                f"last access to {name}{_line(last)}: the simulator can switch to "
                f"{b.inst.name} at that stream, an interleaving the NPU cannot follow (each "
                "task runs whole on its core); make its accesses to the array come first, or "
                "pass the data through a stream"
            )
    return None


def forward_array_flows(region: dato.RegionOp) -> None:
    """Rewrite every flow of the region whose order the simulator guarantees
    into forwarding (module doc); raise a located error for a flow through a
    read whose order it does not; leave writers-only sets that fail the rule
    to the NPU checks that follow."""
    order = start_order(region)
    names = [a.name_hint or f"arg{k}" for k, a in enumerate(region.args)]
    taken = {s.sym_name.data for s in region.streams()} | {g.sym_name.data for g in region.groups()}
    taken |= {inst.name for g in region.groups() for inst in g.instances()}
    roles: dict[tuple[str, str], list[_Role]] = {}
    decls: list[dato.StreamOp] = []
    for index, comp in _components(region):
        chain = sorted(comp, key=lambda m: order[m.inst.name])
        why = _refusal(region, names[index], chain)
        if why is not None:
            if not any(m.read for m in chain):
                continue  # two writers: the NPU's output checks say what they need
            raise op_error(chain[0].group, why)
        last_writer = max(i for i, m in enumerate(chain) if m.written)
        streams: list[str] = []
        for a, b in zip(chain, chain[1:], strict=False):
            stream = _fresh(f"{a.inst.name}_{names[index]}_to_{b.inst.name}", taken)
            t = a.group.body.block.args[a.k].type
            decl = dato.StreamOp(stream, dato.StreamType(t, 1, 1))
            decl.attributes[COMPILER_CHOSEN] = UnitAttr()
            decl.location = a.group.location
            decls.append(decl)
            streams.append(stream)
        for i, m in enumerate(chain):
            if i == 0:
                mode = "keep" if last_writer == 0 else "local"
            else:
                mode = "get-to-arg" if i == last_writer else "get"
            source = streams[i - 1] if i else None
            sink = streams[i] if i < len(streams) else None
            key = (m.group.sym_name.data, m.inst.name)
            roles.setdefault(key, []).append(_Role(m.k, mode, source, sink))
    if not roles:
        return
    first_group = region.groups()[0]
    for decl in decls:
        region.body.block.insert_op_before(decl, first_group)
    for group in list(region.groups()):
        _split(region, group, roles, taken)


def _fresh(base: str, taken: set[str]) -> str:
    name, n = base, 1
    while name in taken:
        name = f"{base}_{n}"
        n += 1
    taken.add(name)
    return name


def _split(
    region: dato.RegionOp,
    group: dato.GroupOp,
    roles: dict[tuple[str, str], list[_Role]],
    taken: set[str],
) -> None:
    """One group per set of instances with the same roles (a body each), with a
    port per forwarded block, bound per instance to its stream."""
    gname = group.sym_name.data
    classes: dict[tuple[tuple[int, str, bool, bool], ...], list[dato.Instance]] = {}
    for inst in group.instances():
        sig = tuple(
            sorted(
                (r.k, r.mode, r.source is not None, r.sink is not None)
                for r in roles.get((gname, inst.name), [])
            )
        )
        classes.setdefault(sig, []).append(inst)
    if list(classes) == [()]:
        return
    hints = [a.name_hint or f"arg{k}" for k, a in enumerate(group.body.block.args)]
    pristine = group.body.clone()  # the body before any class's rewrite
    old_ports = group.port_names
    for n, (sig, insts) in enumerate(classes.items()):
        if n == 0:
            target = group
        else:
            cloned = pristine.clone()
            body = cloned.blocks[0]
            cloned.detach_block(body)
            target = dato.GroupOp(
                _fresh(f"{gname}_part{n}", taken),
                group.task.data,
                group.grid_shape,
                list(group.args),
                old_ports,
                [(i.pid, i.offsets, i.bindings) for i in insts],
                body,
            )
            target.attributes.update(group.attributes)
            target.location = group.location
            parent = group.parent_block()
            assert parent is not None
            parent.insert_op_after(target, group)
        if not sig:
            _keep_rows(target, insts, [])
            continue
        ports: list[str] = []
        per_inst: list[list[str]] = [[] for _ in insts]
        used = set(old_ports)
        block = target.body.block
        ordered: list[int] = []
        for k, mode, has_source, has_sink in sig:
            inst_roles = [next(r for r in roles[(gname, i.name)] if r.k == k) for i in insts]
            source = _fresh(f"{hints[k]}_from_previous", used) if has_source else None
            sink = _fresh(f"{hints[k]}_to_next", used) if has_sink else None
            for p, r in ((source, "source"), (sink, "sink")):
                if p is None:
                    continue
                ports.append(p)
                for row, role in zip(per_inst, inst_roles, strict=True):
                    stream = getattr(role, r)
                    assert stream is not None
                    row.append(stream)
            _rewrite(block, k, mode, source, sink)
            ordered.append(k)
        target.ports = ArrayAttr([*target.ports.data, *(StringAttr(p) for p in ports)])
        _keep_rows(target, insts, per_inst)
        target.attributes[FLOW_ORDERED] = DenseArrayBase.from_list(i64, ordered)


def _keep_rows(group: dato.GroupOp, insts: Sequence[dato.Instance], extra: list[list[str]]) -> None:
    """The group's instance table: `insts`, each with its `extra` bindings."""
    pids = [v for i in insts for v in i.pid]
    offsets = [v for i in insts for o in i.offsets for v in o]
    binds: list[str] = []
    for n, i in enumerate(insts):
        binds += [*i.bindings, *(extra[n] if extra else [])]
    group.pids = DenseArrayBase.from_list(i64, pids)
    group.offsets = DenseArrayBase.from_list(i64, offsets)
    group.bindings = ArrayAttr([StringAttr(b) for b in binds])


def _rewrite(block: Block, k: int, mode: str, source: str | None, sink: str | None) -> None:
    """Body argument `k` as `mode` says (see _Role); the put to `sink` right
    after the last top-level op touching the block."""
    arg = block.args[k]
    t = arg.type
    assert isinstance(t, MemRefType)
    new: list[Operation] = []
    buf: SSAValue = arg
    if mode == "local":
        alloc = memref.AllocOp.get(t.element_type, shape=t.get_shape())
        new.append(alloc)
        if arg_access(arg)[0]:  # read, or written in part: start from the host's block
            new.append(memref.CopyOp(arg, alloc))
        buf = alloc.results[0]
    elif mode in ("get", "get-to-arg"):
        assert source is not None
        get = dato.GetOp(source, [], t)
        new.append(get)
        buf = get.results[0]
        if mode == "get-to-arg":
            new.append(memref.CopyOp(buf, arg))
    first = block.first_op
    for op in new:
        if first is None:
            block.add_op(op)
        else:
            block.insert_op_before(op, first)
    if mode in ("local", "get"):
        arg.replace_uses_with_if(buf, lambda use: use.operation not in new)
    elif mode == "get-to-arg":
        buf = arg  # the host's block from here on: this member sends it back
    if sink is None:
        return
    touching = _touching(block, buf)
    put = dato.PutOp(sink, [], buf)
    after = touching[-1] if touching else (new[-1] if new else None)
    if after is None:
        block.add_op(put)  # nothing touches the block: an empty body passes it on
    else:
        block.insert_op_after(put, after)


@dataclass(frozen=True)
class ArrayFlowForwardingPass(ModulePass):
    """Forward blocks of global arrays between tasks in the simulator's order."""

    name = "dato-array-flow-forwarding"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for region in [o for o in op.walk() if isinstance(o, dato.RegionOp)]:
            if region.tasks():
                raise op_error(
                    region.tasks()[0], "run dato-virtual-map before dato-array-flow-forwarding"
                )
            forward_array_flows(region)


__all__: Sequence[str] = ["FLOW_ORDERED", "ArrayFlowForwardingPass", "forward_array_flows"]
