"""`dato-npu-fold-slices`: a slice of a task's argument (`a[r, :]`,
`a[c * CH : (c + 1) * CH]`, `a[i * MB : (i + 1) * MB, j * KB : (j + 1) * KB]`)
becomes loads and stores of the argument itself, so the passes that move
only what a task reads see them.

The frontend writes a slice as a `memref.subview` of the body argument; the
elements are then read through the view (`memref.load`, `memref.store`, or a
`memref.copy` of the whole view into a local). dato-npu-read-boxes and
dato-npu-stream-reads bound what an instance touches from the loads and
stores of the argument alone, and any other use makes them keep the whole
array in the core: a row softmax reading `x[r, :]` per row, a loader
sending `a[c * CH : (c + 1) * CH]` per chunk, a node of a grid taking its
pid's block of a replicated matrix all held the whole array (issue 12).

Here a view whose only users are loads, stores and copies from or into it
(unit strides) is folded away: a load or store through it indexes the
argument at the view's offset plus its own index (a dim the view drops, of
one element, at the offset alone), and a copy becomes the loop nest that
moves its elements one by one. The result is the same program, with every
access on the argument.

Only where it pays: a view whose offset depends on the instance (the pid:
the instance reads a box of the argument) or a task whose arguments and
locals do not fit its share of the tile (dato-npu-stream-reads' budget: a
view walked by a loop then streams). Other views stay as they are."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, memref, scf
from xdsl.dialects.builtin import DYNAMIC_INDEX, IndexType, MemRefType, ModuleOp
from xdsl.ir import Block, BlockArgument, Operation, SSAValue
from xdsl.passes import ModulePass

from dato_xdsl.dialects import dato
from dato_xdsl.transforms.group_bytes import group_bytes
from dato_xdsl.transforms.memref_rewrite import move_access
from dato_xdsl.transforms.npu_stream_reads import region_budget

MAX_DEPTH = 32
"""How deep an index's definition is searched for a pid."""


def _from_pid(v: SSAValue, depth: int = 0) -> bool:
    """Whether `v` is computed from a `dato.pid` (through arithmetic)."""
    if depth > MAX_DEPTH or isinstance(v, BlockArgument):
        return False
    owner = v.owner
    if isinstance(owner, dato.PidOp):
        return True
    return any(_from_pid(o, depth + 1) for o in owner.operands)


def _kept_dims(view: memref.SubviewOp) -> list[int] | None:
    """The source dims the view's result keeps (a rank-reduced view drops
    dims of one element), or None when that is ambiguous or the strides are
    not all one."""
    strides = list(view.static_strides.get_values())
    sizes = list(view.static_sizes.get_values())
    if any(s != 1 for s in strides) or any(s == DYNAMIC_INDEX for s in sizes):
        return None
    t = view.result.type
    assert isinstance(t, MemRefType)
    rank = len(t.get_shape())
    if rank == len(sizes):
        return list(range(rank))
    kept = [d for d, n in enumerate(sizes) if n != 1]
    return kept if len(kept) == rank else None


def _offsets(view: memref.SubviewOp, ops: list[Operation]) -> list[SSAValue | None]:
    """Per source dim, the view's offset (None: zero)."""
    dynamic = iter(view.offsets)
    out: list[SSAValue | None] = []
    for off in view.static_offsets.get_values():
        if off == DYNAMIC_INDEX:
            out.append(next(dynamic))
        elif off == 0:
            out.append(None)
        else:
            c = arith.ConstantOp.from_int_and_width(off, IndexType())
            ops.append(c)
            out.append(c.result)
    return out


def _foldable(view: memref.SubviewOp) -> bool:
    if _kept_dims(view) is None:
        return False
    for use in view.result.uses:
        op = use.operation
        if isinstance(op, memref.LoadOp) and op.memref is view.result:
            continue
        if isinstance(op, memref.StoreOp) and op.memref is view.result:
            if op.value is view.result:
                return False
            continue
        if isinstance(op, memref.CopyOp) and (op.source is view.result) != (
            op.destination is view.result
        ):
            continue
        return False
    return True


def _source_indices(
    view: memref.SubviewOp,
    indices: list[SSAValue],
    at: Operation,
) -> list[SSAValue]:
    """The argument's indices of the view's element at `indices` (the ops
    computing them inserted before `at`)."""
    kept = _kept_dims(view)
    assert kept is not None
    ops: list[Operation] = []
    offsets = _offsets(view, ops)
    zero: arith.ConstantOp | None = None
    out: list[SSAValue] = []
    inner = iter(indices)
    for d, off in enumerate(offsets):
        if d in kept:
            index = next(inner)
            if off is None:
                out.append(index)
                continue
            total = arith.AddiOp(off, index)
            ops.append(total)
            out.append(total.result)
        elif off is not None:
            out.append(off)
        else:
            if zero is None:
                zero = arith.ConstantOp.from_int_and_width(0, IndexType())
                ops.append(zero)
            out.append(zero.result)
    block = at.parent_block()
    assert block is not None
    block.insert_ops_before(ops, at)
    return out


def _copy_loops(copy: memref.CopyOp) -> None:
    """Replace `copy` by the loop nest moving its elements one by one."""
    t = copy.source.type
    assert isinstance(t, MemRefType)
    shape = t.get_shape()
    block = copy.parent_block()
    assert block is not None
    zero = arith.ConstantOp.from_int_and_width(0, IndexType())
    one = arith.ConstantOp.from_int_and_width(1, IndexType())
    bounds = [arith.ConstantOp.from_int_and_width(n, IndexType()) for n in shape]
    bodies = [Block(arg_types=[IndexType()]) for _ in shape]
    ivs: list[SSAValue] = [b.args[0] for b in bodies]
    load = memref.LoadOp.get(copy.source, ivs)
    store = memref.StoreOp.get(load.res, copy.destination, ivs)
    inner: list[Operation] = [load, store]
    # the nest from the innermost loop out, each body closed by its yield
    for body, ub in reversed(list(zip(bodies, bounds, strict=True))):
        body.add_ops([*inner, scf.YieldOp()])
        inner = [scf.ForOp(zero.result, ub.result, one.result, [], body)]
    block.insert_ops_before([zero, one, *bounds, *inner], copy)
    copy.detach()
    copy.erase()


def fold_view(view: memref.SubviewOp) -> None:
    """Fold `view` (_foldable) into accesses of its source."""
    for use in list(view.result.uses):
        op = use.operation
        if isinstance(op, memref.CopyOp):
            _copy_loops(op)
    for use in list(view.result.uses):
        op = use.operation
        assert isinstance(op, memref.LoadOp | memref.StoreOp)
        move_access(op, view.source, _source_indices(view, list(op.indices), op))
    view.detach()
    view.erase()


def fold_group_slices(group: dato.GroupOp, budget: int) -> int:
    """Fold the views of the group's host arguments where it pays (see the
    module); the number folded."""
    over = budget >= 0 and group_bytes(group) > budget
    done = 0
    for k, arg in enumerate(group.body.block.args):
        if not isinstance(group.args[k], BlockArgument):
            continue
        for use in list(arg.uses):
            view = use.operation
            if not isinstance(view, memref.SubviewOp) or view.source is not arg:
                continue
            if not (over or any(_from_pid(o) for o in view.offsets)):
                continue
            if _foldable(view):
                fold_view(view)
                done += 1
    return done


@dataclass(frozen=True)
class NpuFoldSlicesPass(ModulePass):
    """Slices of a task's arguments read or written through loads and
    stores of the argument itself, where a box or a stream of it then pays."""

    name = "dato-npu-fold-slices"

    device: str = "npu1"
    budget: int = -1
    """Bytes a task's buffers may take before its slices are folded; -1: the
    device's tile budget shared as dato-npu-stream-reads shares it."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for region in [o for o in op.walk() if isinstance(o, dato.RegionOp)]:
            budget = region_budget(region, self.budget, self.device)
            if budget is None:
                return  # dato-physical-map names the unknown device
            for group in list(region.groups()):
                fold_group_slices(group, budget)


__all__ = ["NpuFoldSlicesPass", "fold_group_slices", "fold_view"]
