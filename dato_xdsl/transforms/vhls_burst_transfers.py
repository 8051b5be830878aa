"""`vhls-burst-transfers`: global-memory transfers that AXI can burst.

1. Unmasked write-back. convert-dato-to-vhls gives every written slice a mask
   of the elements its task wrote, and `store_<arg>` writes an element only
   where the mask is set: conditional m_axi writes, which Vitis cannot merge
   into bursts. Where a task provably writes its whole slice (a `linalg.fill`
   of true into the whole mask at the top level of its body, before the
   write-back: the mark of a whole-view write), the mask is all true when it
   is sent, since masks only ever turn true. Then the mask, its stream and the
   condition go, and `store_<arg>` writes every element of that slice. The
   values written are the same.

2. Broadcast loads. `load_<arg>` reads a slice from global memory once per
   instance that reads it, so a replicated operand is read once per consumer.
   Loop nests identical but for the stream they write (same elements, same
   order) merge into one that writes each element to every stream: one read
   per element. Only for streams read by `fill` processes, which read nothing
   else and write only their pipo, so writing the streams element by element
   together cannot deadlock where writing them one after another did not.

Both keep the values the design computes; what changes is the number and
shape of global-memory accesses."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, memref, scf
from xdsl.dialects.builtin import IntegerAttr, IntegerType, MemRefType, ModuleOp
from xdsl.ir import Block, BlockArgument, Operation, SSAValue
from xdsl.passes import ModulePass

from dato_xdsl.dialects import vhls


def _calls(module: ModuleOp) -> list[vhls.CallOp]:
    """The process calls: the ops of the kernels' dataflow regions (without
    walking into the process bodies, the bulk of a big design)."""
    kernels = [op for op in module.ops if isinstance(op, vhls.KernelOp)]
    if not kernels:  # nested modules
        kernels = [op for op in module.walk() if isinstance(op, vhls.KernelOp)]
    calls: list[vhls.CallOp] = []
    for kernel in kernels:
        flow = kernel.dataflow()
        if flow is not None:
            calls.extend(op for op in flow.body.block.ops if isinstance(op, vhls.CallOp))
    return calls


def _processes(module: ModuleOp) -> dict[str, vhls.ProcessOp]:
    return {op.sym_name.data: op for op in module.walk() if isinstance(op, vhls.ProcessOp)}


def _replace_call_args(call: vhls.CallOp, args: list[SSAValue]) -> vhls.CallOp:
    new = vhls.CallOp(
        call.callee.root_reference.data, call.literal_values, args, call.instance.data
    )
    new.location = call.location
    block = call.parent_block()
    assert block is not None
    block.insert_op_before(new, call)
    call.detach()
    call.erase()
    return new


def _is_true(v: SSAValue) -> bool:
    owner = v.owner
    return (
        isinstance(owner, arith.ConstantOp)
        and isinstance(owner.value, IntegerAttr)
        and isinstance(v.type, IntegerType)
        and v.type.width.data == 1
        and owner.value.value.data & 1 == 1
    )


def _covers(view: SSAValue, mask: SSAValue) -> bool:
    """`view` is `mask`, or a chain of subviews of it at offset 0 with unit
    strides and the full shape."""
    while view is not mask:
        owner = view.owner
        if not isinstance(owner, memref.SubviewOp) or owner.offsets or owner.sizes:
            return False
        source = owner.source.type
        assert isinstance(source, MemRefType)
        if (
            any(o != 0 for o in owner.static_offsets.get_values())
            or any(s != 1 for s in owner.static_strides.get_values())
            or list(owner.static_sizes.get_values()) != list(source.get_shape())
        ):
            return False
        view = owner.source
    return True


def _top_level_op(op: Operation, block: Block) -> Operation:
    while op.parent_block() is not block:
        parent = op.parent_op()
        assert parent is not None
        op = parent
    return op


def _users_closure(value: SSAValue) -> list[Operation]:
    """Every op using `value` or a subview derived from it (innermost first)."""
    out: list[Operation] = []
    for use in list(value.uses):
        op = use.operation
        if isinstance(op, memref.SubviewOp) and op.source is value:
            out.extend(_users_closure(op.result))
        if op not in out:
            out.append(op)
    return out


@dataclass
class _Mask:
    """One task's write mask whose elements are all set before write-back."""

    alloca: memref.AllocaOp
    send: vhls.WriteOp
    """the write-back's `vhls.write` of the mask stream (a block argument)"""


def _full_masks(proc: vhls.ProcessOp) -> list[_Mask]:
    block = proc.body.block
    ops = list(block.ops)
    found: list[_Mask] = []
    for alloca in ops:
        if not isinstance(alloca, memref.AllocaOp):
            continue
        t = alloca.memref.type
        assert isinstance(t, MemRefType)
        if not (isinstance(t.element_type, IntegerType) and t.element_type.width.data == 1):
            continue
        sends = [
            use.operation
            for load in alloca.memref.uses
            if isinstance(load.operation, memref.LoadOp)
            for use in load.operation.res.uses
            if isinstance(use.operation, vhls.WriteOp)
            and use.operation.stream in block.args
            and use.operation.value is load.operation.res
        ]
        if len(sends) != 1:
            continue
        send = sends[0]
        assert isinstance(send, vhls.WriteOp)
        sent_at = ops.index(_top_level_op(send, block))
        fills = [
            op
            for op in ops[:sent_at]
            if op.name == "linalg.fill"
            and _is_true(op.operands[0])
            and _covers(op.operands[1], alloca.memref)
        ]
        if fills:
            found.append(_Mask(alloca, send))
    return found


def _guarded_store(proc: vhls.ProcessOp, arg: SSAValue) -> tuple[vhls.ReadOp, scf.IfOp] | None:
    """In a store process: `%f = vhls.read %arg` used only as the condition of
    an `scf.if` with no results and no else."""
    uses = list(arg.uses)
    if len(uses) != 1 or not isinstance(uses[0].operation, vhls.ReadOp):
        return None
    read = uses[0].operation
    flag_uses = list(read.result.uses)
    if len(flag_uses) != 1 or not isinstance(flag_uses[0].operation, scf.IfOp):
        return None
    guard = flag_uses[0].operation
    if guard.results or guard.false_region.blocks or guard.cond is not read.result:
        return None
    return read, guard


def _unguard(read: vhls.ReadOp, guard: scf.IfOp) -> None:
    body = guard.true_region.block
    parent = guard.parent_block()
    assert parent is not None
    for op in list(body.ops):
        if isinstance(op, scf.YieldOp):
            continue
        op.detach()
        parent.insert_op_before(op, guard)
    guard.detach()
    guard.erase()
    read.detach()
    read.erase()


@dataclass
class _Plan:
    """One instance's mask stream: its task call, and the store reading it."""

    call: vhls.CallOp
    store: vhls.ProcessOp
    arg: BlockArgument
    """the mask stream's argument of the store process"""
    read: vhls.ReadOp
    guard: scf.IfOp


def drop_full_masks(module: ModuleOp) -> int:
    """Part 1; returns the number of masks removed (per process)."""
    processes = _processes(module)
    removed = 0
    for proc in processes.values():
        if proc.kind.data != "task":
            continue
        for mask in _full_masks(proc):
            # once per mask: an applied plan rebuilds the calls it changes
            every = _calls(module)
            callers = Counter(c.callee.root_reference.data for c in every)
            calls = [c for c in every if c.callee.root_reference.data == proc.sym_name.data]
            n_lit = proc.num_literals.data
            # by value: an earlier mask of this process may have shifted the indices
            args = list(proc.body.block.args)
            position = args.index(mask.send.stream) - n_lit  # type: ignore[arg-type]
            # every instance's mask stream must end in a store process called
            # once, whose only use of it guards one store
            plans: list[_Plan] = []
            for call in calls:
                stream = call.args[position]
                readers = [
                    u.operation
                    for u in stream.uses
                    if isinstance(u.operation, vhls.CallOp) and u.operation is not call
                ]
                if len(readers) != 1:
                    break
                store_call = readers[0]
                store = processes[store_call.callee.root_reference.data]
                if (
                    store.kind.data != "store"
                    or callers[store_call.callee.root_reference.data] != 1
                ):
                    break
                j = list(store_call.args).index(stream) + store.num_literals.data
                guarded = _guarded_store(store, store.body.block.args[j])
                if guarded is None:
                    break
                plans.append(_Plan(call, store, store.body.block.args[j], *guarded))
            else:
                _apply(proc, mask, position, plans)
                removed += 1
    return removed


def _apply(
    proc: vhls.ProcessOp,
    mask: _Mask,
    position: int,
    plans: list[_Plan],
) -> None:
    # the task: no mask, no mask stream
    flag = mask.send.value
    stream_arg = mask.send.stream
    mask.send.detach()
    mask.send.erase()
    for op in _users_closure(mask.alloca.memref):
        op.detach()
        op.erase()
    assert not flag.uses
    mask.alloca.detach()
    mask.alloca.erase()
    assert isinstance(stream_arg, BlockArgument)
    proc.body.block.erase_arg(stream_arg)
    for plan in plans:
        call = plan.call
        stream = call.args[position]
        # the store call of this stream now (an earlier plan may have rebuilt it)
        store_call = next(
            u.operation
            for u in stream.uses
            if isinstance(u.operation, vhls.CallOp) and u.operation is not call
        )
        assert isinstance(store_call, vhls.CallOp)
        at = list(store_call.args).index(stream)
        _replace_call_args(call, [a for k, a in enumerate(call.args) if k != position])
        _replace_call_args(store_call, [a for k, a in enumerate(store_call.args) if k != at])
        # the store: every element written, no condition
        _unguard(plan.read, plan.guard)
        plan.store.body.block.erase_arg(plan.arg)
        decl = stream.owner
        assert isinstance(decl, vhls.StreamOp) and not stream.uses
        decl.detach()
        decl.erase()


# ---------------------------------------------------------------- broadcast


def _same_value(x: SSAValue, y: SSAValue, env: dict[SSAValue, SSAValue]) -> bool:
    if x in env:
        return env[x] is y
    if x is y:
        return True
    a, b = x.owner, y.owner
    return (
        isinstance(a, arith.ConstantOp)
        and isinstance(b, arith.ConstantOp)
        and a.value == b.value
        and x.type == y.type
    )


def _same_op(a: Operation, b: Operation, env: dict[SSAValue, SSAValue]) -> bool:
    """Structural equality up to loop labels, constants by value, and `env`."""
    if (
        a.name != b.name
        or len(a.operands) != len(b.operands)
        or len(a.regions) != len(b.regions)
        or [r.type for r in a.results] != [r.type for r in b.results]
    ):
        return False
    props_a = {k: v for k, v in a.properties.items() if k != "label"}
    props_b = {k: v for k, v in b.properties.items() if k != "label"}
    if props_a != props_b:
        return False
    if not all(_same_value(x, y, env) for x, y in zip(a.operands, b.operands, strict=True)):
        return False
    for x, y in zip(a.results, b.results, strict=True):
        env[x] = y
    for ra, rb in zip(a.regions, b.regions, strict=True):
        if len(ra.blocks) != len(rb.blocks):
            return False
        for ba, bb in zip(ra.blocks, rb.blocks, strict=True):
            if [x.type for x in ba.args] != [y.type for y in bb.args]:
                return False
            env.update(zip(ba.args, bb.args, strict=True))
            ops_a, ops_b = list(ba.ops), list(bb.ops)
            if len(ops_a) != len(ops_b):
                return False
            if not all(_same_op(x, y, env) for x, y in zip(ops_a, ops_b, strict=True)):
                return False
    return True


def _fingerprint(nest: Operation, stream: SSAValue) -> tuple[object, ...]:
    """A key equal for two nests `_same_op` finds equal (with their written
    streams matched): ops, properties but labels, types, constants by value,
    values of the nest by position, outer values by identity."""
    numbering: dict[SSAValue, int] = {}

    def value(v: SSAValue) -> tuple[object, ...]:
        if v is stream:
            return ("stream",)
        if v in numbering:
            return ("local", numbering[v])
        owner = v.owner
        if isinstance(owner, arith.ConstantOp):
            return ("constant", owner.value, v.type)
        return ("outer", id(v))

    def key(op: Operation) -> tuple[object, ...]:
        props = tuple(sorted((k, v) for k, v in op.properties.items() if k != "label"))
        head = (op.name, props, tuple(r.type for r in op.results))
        operands = tuple(value(v) for v in op.operands)
        for r in op.results:
            numbering[r] = len(numbering)
        regions: list[tuple[object, ...]] = []
        for region in op.regions:
            blocks: list[tuple[object, ...]] = []
            for block in region.blocks:
                for a in block.args:
                    numbering[a] = len(numbering)
                blocks.append((tuple(a.type for a in block.args), tuple(key(o) for o in block.ops)))
            regions.append(tuple(blocks))
        return (head, operands, tuple(regions))

    return key(nest)


def broadcast_loads(module: ModuleOp) -> int:
    """Part 2; returns the number of loop nests merged away."""
    processes = _processes(module)
    calls = _calls(module)
    merged = 0
    for proc in processes.values():
        if proc.kind.data != "load":
            continue
        mine = [c for c in calls if c.callee.root_reference.data == proc.sym_name.data]
        if len(mine) != 1:
            continue
        call = mine[0]
        block = proc.body.block
        n_lit = proc.num_literals.data
        nests: list[tuple[vhls.ForOp, vhls.WriteOp]] = []
        for op in block.ops:
            if not isinstance(op, vhls.ForOp):
                continue
            writes = [w for w in op.walk() if isinstance(w, vhls.WriteOp)]
            if len(writes) != 1 or writes[0].stream not in block.args:
                continue
            k = list(block.args).index(writes[0].stream) - n_lit  # type: ignore[arg-type]
            stream = call.args[k]
            readers = [
                u.operation
                for u in stream.uses
                if isinstance(u.operation, vhls.CallOp) and u.operation is not call
            ]
            if (
                len(readers) == 1
                and processes[readers[0].callee.root_reference.data].kind.data == "fill"
            ):
                nests.append((op, writes[0]))
        # groups first (comparing pristine nests), then the merge; nests are
        # compared only within a bucket of equal fingerprints (hundreds of
        # instances' nests would otherwise be compared pairwise)
        prints = [_fingerprint(nest, write.stream) for nest, write in nests]
        buckets: dict[tuple[object, ...], list[int]] = {}
        for i, fingerprint in enumerate(prints):
            buckets.setdefault(fingerprint, []).append(i)
        groups: list[list[int]] = []
        grouped: set[int] = set()
        for i in range(len(nests)):
            if i in grouped:
                continue
            group = [i]
            for j in buckets[prints[i]]:
                if j <= i or j in grouped:
                    continue
                env: dict[SSAValue, SSAValue] = {nests[i][1].stream: nests[j][1].stream}
                if _same_op(nests[i][0], nests[j][0], env):
                    group.append(j)
                    grouped.add(j)
            groups.append(group)
        for first, *others in groups:
            _, write = nests[first]
            last: Operation = write
            parent = write.parent_block()
            assert parent is not None
            for j in others:
                nest, other_write = nests[j]
                # one read, one more write: the element goes to that stream too
                extra = vhls.WriteOp(other_write.stream, write.value)
                parent.insert_op_after(extra, last)
                last = extra
                nest.detach()
                nest.erase()
                merged += 1
    return merged


class VhlsBurstTransfersPass(ModulePass):
    """Make global-memory transfers burstable: drop the write masks of slices a
    task writes whole, and read a replicated operand once for all its fills."""

    name = "vhls-burst-transfers"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if drop_full_masks(op) + broadcast_loads(op):
            for proc in _processes(op).values():
                _erase_dead_constants(proc.body.block)


def _erase_dead_constants(block: Block) -> None:
    """Constants left without uses by the removed masks and loop nests."""
    for op in reversed(list(block.ops)):
        if isinstance(op, arith.ConstantOp) and not op.result.uses:
            op.detach()
            op.erase()


__all__ = ["VhlsBurstTransfersPass", "broadcast_loads", "drop_full_masks"]
