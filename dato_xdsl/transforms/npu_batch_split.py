"""`dato-npu-batch-split`: one task instance per batch element of a batched loop.

A user shards a batch of matrices over a few tasks and has each loop over its
batches, `for t in range(BB): c[t, :, :] = matmul(a[t, :, :], b)`. Each
instance then holds BB matrices of each batched argument, and even one batch
at a time its per-batch GEMM may not fit a core; the GEMM cuts
(`dato-npu-retile-gemm`) and K streaming only see rank-2 bodies. The loop's
iterations are independent when the body touches only its own batch slice of
every batched argument, reads the others, and carries nothing (no iter_args,
no streams, no pid). Then instance p's iteration t is the same computation as
a fresh instance whose batched arguments are that slice alone. So the group
becomes one instance per (p, t), grid [P * BB, 1] (2-D, as the GEMM cut wants
it), each batched argument a rank-2 block: the region's array
`[Bt, d1, d2]` is seen as its row-major `[Bt * d1, d2]` (the same bytes, so
the host's buffers are unchanged) and batch b is rows b*d1 .. b*d1 + d1.
Physical mapping folds the extra instances onto cores as it folds any grid.

A region array is collapsed only when every group using it is split, so no
other task sees a changed shape. The decision is kept on the group
(`dato.batch_split = BB`)."""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.context import Context
from xdsl.dialects import arith, memref, scf
from xdsl.dialects.builtin import IntegerAttr, MemRefType, ModuleOp, i64
from xdsl.dialects.linalg import ops as linalg
from xdsl.ir import Block, BlockArgument, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter

from dato_xdsl.dialects import dato
from dato_xdsl.transforms.ir_constants import int_constant
from dato_xdsl.transforms.npu_chain_search import folded_instances

BATCH_SPLIT = "dato.batch_split"
"""On a split group: the batch count BB each former instance looped over."""


def _batch_loop(group: dato.GroupOp) -> tuple[scf.ForOp, int] | None:
    """The body's only non-constant op when it is `scf.for t = 0 to BB step 1`
    with no carried values: the loop and BB."""
    if group.ports.data:
        return None
    ops = [op for op in group.body.block.ops if not isinstance(op, arith.ConstantOp)]
    if len(ops) != 1 or not isinstance(ops[0], scf.ForOp):
        return None
    loop = ops[0]
    if loop.iter_args or loop.results:
        return None
    lb, ub, step = (int_constant(v) for v in (loop.lb, loop.ub, loop.step))
    if lb != 0 or step != 1 or ub is None or ub < 1:
        return None
    return loop, ub


def _batch_slice(op: Operation, t: SSAValue, arg: BlockArgument) -> bool:
    """`arg[t, :, ...]`: a rank-dropping subview at [t, 0, ..] of one batch,
    whole in every other dimension."""
    if not isinstance(op, memref.SubviewOp) or op.source is not arg:
        return False
    at = arg.type
    rt = op.result.type
    assert isinstance(at, MemRefType) and isinstance(rt, MemRefType)
    shape = at.get_shape()
    if list(op.offsets) != [t] or list(op.sizes) or list(op.strides):
        return False
    static_off = op.static_offsets.get_values()
    static_sizes = op.static_sizes.get_values()
    static_strides = op.static_strides.get_values()
    return (
        len(static_off) == len(shape)
        and all(o == 0 for o in static_off[1:])
        and list(static_sizes) == [1, *shape[1:]]
        and all(s == 1 for s in static_strides)
        and list(rt.get_shape()) == list(shape[1:])
    )


def _read_only(value: SSAValue) -> bool:
    """Every use of the value, and of the views of it, only reads it: a
    linalg input, a copy source, a load or a subview (followed). Anything
    else is taken as a write."""
    for use in value.uses:
        op = use.operation
        if isinstance(op, memref.SubviewOp) and op.source is value:
            if not _read_only(op.result):
                return False
        elif isinstance(op, linalg.NamedOperation | linalg.GenericOp):
            if value not in op.inputs or value in op.outputs:
                return False
        elif isinstance(op, memref.CopyOp):
            if op.destination is value:
                return False
        elif not isinstance(op, memref.LoadOp):
            return False
    return True


def _plan(group: dato.GroupOp) -> tuple[scf.ForOp, int, list[int]] | None:
    """The loop, BB and the batched argument indices when the group can be
    split: every use of t is a batch slice, each batched argument is used only
    through them, the others are only read, and the body is free of streams
    and pids."""
    found = _batch_loop(group)
    if found is None:
        return None
    loop, bb = found
    t = loop.body.block.args[0]
    inner = loop.body.block
    for op in inner.walk():
        if isinstance(op, dato.PutOp | dato.GetOp | dato.PidOp):
            return None
    args = list(group.body.block.args)
    batched: list[int] = []
    for k, arg in enumerate(args):
        t_arg = arg.type
        assert isinstance(t_arg, MemRefType)
        uses = [u.operation for u in arg.uses]
        if uses and all(_batch_slice(u, t, arg) for u in uses):
            # the slice is whole past the batch, so one batch is contiguous rows
            if len(t_arg.get_shape()) < 3 or t_arg.get_shape()[0] != bb:
                return None
            if any(u.parent_block() is not inner for u in uses):
                return None
            batched.append(k)
        elif any(isinstance(u, memref.SubviewOp) and t in u.operands for u in uses):
            return None
    if not batched:
        return None
    if any(
        u.operation.parent_block() is not inner or not isinstance(u.operation, memref.SubviewOp)
        for u in t.uses
    ):
        return None
    for k, arg in enumerate(args):
        if k not in batched and not _read_only(arg):
            return None  # every iteration would write the same array: carried
    for inst in group.instances():
        for k in batched:
            off = inst.offsets[k]
            if any(o != 0 for o in off[1:]):
                return None
    return loop, bb, batched


def _collapsed(t: MemRefType) -> MemRefType:
    """A region array `[Bt, d1, ...]` as its row-major `[Bt * d1, ...]`: the
    same bytes, so the host's buffer is unchanged."""
    shape = t.get_shape()
    return MemRefType(t.element_type, [shape[0] * shape[1], *shape[2:]])


def _split(group: dato.GroupOp, loop: scf.ForOp, bb: int, batched: list[int]) -> None:
    old_args = list(group.body.block.args)
    new_types = [
        _collapsed_block(a.type) if k in batched else a.type for k, a in enumerate(old_args)
    ]
    block = Block(arg_types=new_types)
    for old, new in zip(old_args, block.args, strict=True):
        new.name_hint = old.name_hint
    mapping: dict[SSAValue, SSAValue] = {}
    for k, arg in enumerate(old_args):
        if k not in batched:
            mapping[arg] = block.args[k]
    for op in group.body.block.ops:
        if isinstance(op, arith.ConstantOp) and any(
            u.operation is not loop for u in op.result.uses
        ):
            block.add_op(op.clone(mapping))
    t = loop.body.block.args[0]
    for op in loop.body.block.ops:
        if isinstance(op, scf.YieldOp):
            continue
        if isinstance(op, memref.SubviewOp) and op.source in old_args and t in op.operands:
            mapping[op.result] = block.args[old_args.index(op.source)]
            continue
        block.add_op(op.clone(mapping))
    rows: list[tuple[Sequence[int], Sequence[Sequence[int]], Sequence[str]]] = []
    n = 0
    for inst in group.instances():
        for u in range(bb):
            offs: list[list[int]] = []
            for k, off in enumerate(inst.offsets):
                if k in batched:
                    d1 = _shape(old_args[k])[1]
                    offs.append([(off[0] + u) * d1, *off[2:]])
                else:
                    offs.append(list(off))
            rows.append(([n, 0], offs, []))
            n += 1
    fresh = dato.GroupOp(
        group.sym_name.data, group.task.data, [n, 1], list(group.args), [], rows, block
    )
    fresh.attributes |= group.attributes
    fresh.attributes[BATCH_SPLIT] = IntegerAttr(bb, i64)
    parent = group.parent_block()
    assert parent is not None
    parent.insert_op_before(fresh, group)
    group.detach()
    group.erase()


def _shape(v: SSAValue) -> tuple[int, ...]:
    t = v.type
    assert isinstance(t, MemRefType)
    return tuple(t.get_shape())


def _collapsed_block(t: object) -> MemRefType:
    """A block of one batch: the batch dimension dropped."""
    assert isinstance(t, MemRefType)
    return MemRefType(t.element_type, t.get_shape()[1:])


def split_region(region: dato.RegionOp) -> list[str]:
    """Split every batched-loop group whose batched region arrays no
    unsplit group uses; the names of the groups split."""
    # instances a mapping primitive names (the user's bundles and chains) stay
    named = folded_instances(region)
    plans = {
        g: None if any(i.name in named for i in g.instances()) else _plan(g)
        for g in region.groups()
    }
    # a region array collapses only when every group using it is split with it
    # batched; a group that cannot be split keeps its arrays, which may in turn
    # keep another group unsplit: repeat until no plan is dropped
    changed = True
    arrays: dict[SSAValue, bool] = {}
    while changed:
        changed = False
        arrays = {}
        for g, plan in plans.items():
            for k, v in enumerate(g.args):
                ok = plan is not None and k in plan[2] and isinstance(v, BlockArgument)
                arrays[v] = arrays.get(v, True) and ok
        for g, plan in plans.items():
            if plan is not None and not all(arrays[g.args[k]] for k in plan[2]):
                plans[g] = None
                changed = True
    done: list[str] = []
    for g, plan in plans.items():
        if plan is not None:
            done.append(g.sym_name.data)
            _split(g, *plan)
    for v, ok in arrays.items():
        if ok:
            t = v.type
            assert isinstance(t, MemRefType)
            Rewriter.replace_value_with_new_type(v, _collapsed(t))
    return done


class NpuBatchSplitPass(ModulePass):
    """One instance per batch element of a task looping over its batches."""

    name = "dato-npu-batch-split"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for region in [o for o in op.walk() if isinstance(o, dato.RegionOp)]:
            split_region(region)


__all__: Sequence[str] = ["BATCH_SPLIT", "NpuBatchSplitPass", "split_region"]
