"""`dato-splat-operands`: a constant array that only feeds element-wise ops
becomes a scalar operand of those ops.

`zero: T[64, 256] = 0; h.put(dato.maximum(dato.matmul(x, w), zero))` (a ReLU)
fills a 64x256 array with zeros only to compare each element with one. Kept
as written, a compute tile holds the zeros as a block of their own (32 KiB of
its 64 KiB here) beside the block compared with them. A local filled with a
constant (`linalg.fill` of an `arith.constant` into a `memref.alloc`, in the
same block, before every other use) whose every other use is an input of an
element-wise binary op (add, sub, mul, max, min) of that block after the fill
is not allocated: each such op becomes a loop nest over its output's
elements reading the other input and applying the op's scalar arithmetic to
the constant (`arith.maxsi %v, %c0`), and the fill and the allocation go.

The loop computes what the named op computes: the inputs and the output have
one element type (a signless integer, whose max/min are signed as linalg's
are, or f32, whose max/min propagate NaN as linalg's and the NPU library's
do), so linalg's casting rule changes nothing, and integer arithmetic wraps
as the output type does.

When the other input is a local of the output's type used last by the op
and the output is a fresh local the op writes first, the loop writes its
result over the input (each element is read before it is written at the same
index) and the output's allocation goes too: the tile holds one block where
the named op took three (input, constant, output)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, memref, scf
from xdsl.dialects.builtin import (
    Float32Type,
    IndexType,
    IntegerAttr,
    IntegerType,
    MemRefType,
    ModuleOp,
)
from xdsl.dialects.linalg import ops as linalg
from xdsl.ir import Block, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from dato_xdsl.dialects import dato
from dato_xdsl.transforms.constant_tables import table_values

_INT_OPS: dict[type[Operation], type[Operation]] = {
    linalg.AddOp: arith.AddiOp,
    linalg.SubOp: arith.SubiOp,
    linalg.MulOp: arith.MuliOp,
    linalg.MaxOp: arith.MaxSIOp,
    linalg.MinOp: arith.MinSIOp,
}
_FLOAT_OPS: dict[type[Operation], type[Operation]] = {
    linalg.AddOp: arith.AddfOp,
    linalg.SubOp: arith.SubfOp,
    linalg.MulOp: arith.MulfOp,
    linalg.MaxOp: arith.MaximumfOp,
    linalg.MinOp: arith.MinimumfOp,
}


def _scalar_op(op: Operation, elem: object) -> type[Operation] | None:
    """The arith op computing `op` on one element of type `elem` (None: not a
    type this pass rewrites)."""
    if isinstance(elem, IntegerType) and elem.signedness.data.name == "SIGNLESS":
        return _INT_OPS.get(type(op))
    if isinstance(elem, Float32Type):
        return _FLOAT_OPS.get(type(op))
    return None


def _top(block: Block, op: Operation) -> Operation | None:
    return block.find_ancestor_op_in_block(op)


def splat_fill(alloc: Operation) -> tuple[linalg.FillOp, SSAValue] | None:
    """The fill that makes `alloc` a splat constant and its scalar, when
    every other use of it reads it as an input of a rewritable element-wise
    op of the same block after the fill."""
    if not isinstance(alloc, memref.AllocOp | memref.AllocaOp) or table_values(alloc) is not None:
        return None
    value = alloc.results[0]
    t = value.type
    if not isinstance(t, MemRefType) or any(d < 0 for d in t.get_shape()):
        return None
    block = alloc.parent_block()
    fills = [u.operation for u in value.uses if isinstance(u.operation, linalg.FillOp)]
    if len(fills) != 1 or fills[0].parent_block() is not block:
        return None
    fill = fills[0]
    assert isinstance(fill, linalg.FillOp)
    scalar = fill.inputs[0]
    if fill.outputs[0] is not value or not isinstance(scalar.owner, arith.ConstantOp):
        return None
    for use in value.uses:
        user = use.operation
        if user is fill:
            continue
        if (
            user.parent_block() is not block
            or not fill.is_before_in_block(user)
            or _scalar_op(user, t.element_type) is None
            or len(user.inputs) != 2  # type: ignore[attr-defined]
            or len(user.outputs) != 1  # type: ignore[attr-defined]
            or use.index >= 2
            or user.inputs[0] is user.inputs[1]  # type: ignore[attr-defined]
            or any(v.type != t for v in user.operands)
        ):
            return None
    return fill, scalar


def _dies_at(value: SSAValue, op: Operation, block: Block) -> bool:
    """`value` is a plain local of `block` whose every use is at or before
    `op` (a top-level op of `block`), none through a view."""
    owner = value.owner
    if (
        not isinstance(owner, memref.AllocOp | memref.AllocaOp)
        or owner.parent_block() is not block
        or table_values(owner) is not None
    ):
        return False
    for use in value.uses:
        top = _top(block, use.operation)
        if top is None or isinstance(use.operation, memref.SubviewOp):
            return False
        if top is not op and not top.is_before_in_block(op):
            return False
    return True


def _fresh_at(value: SSAValue, op: Operation, block: Block) -> bool:
    """`value` is a plain local of `block` that `op` writes before anything
    else touches it (every other use after `op`), none through a view."""
    owner = value.owner
    if (
        not isinstance(owner, memref.AllocOp | memref.AllocaOp)
        or owner.parent_block() is not block
        or table_values(owner) is not None
    ):
        return False
    for use in value.uses:
        top = _top(block, use.operation)
        if top is None or isinstance(use.operation, memref.SubviewOp):
            return False
        if use.operation is not op and not op.is_before_in_block(top):
            return False
    return True


def scalarise_splats(body: Block) -> list[str]:
    """Rewrite every splat local of `body` (and of the blocks nested in it)
    used only by element-wise ops into scalar operands; the locals rewritten,
    by name."""
    done: list[str] = []
    for block in [body, *(b for op in body.walk() for r in op.regions for b in r.blocks)]:
        for alloc in [op for op in block.ops if isinstance(op, memref.AllocOp | memref.AllocaOp)]:
            found = splat_fill(alloc)
            if found is None:
                continue
            fill, scalar = found
            value = alloc.results[0]
            for use in list(value.uses):
                if use.operation is not fill:
                    _rewrite(use.operation, use.index, scalar, block)
            done.append(value.name_hint or "a local")
            Rewriter.erase_op(fill)
            Rewriter.erase_op(alloc)
    return done


def _rewrite(op: Operation, splat_at: int, scalar: SSAValue, block: Block) -> None:
    out = op.outputs[0]  # type: ignore[attr-defined]
    other = op.inputs[1 - splat_at]  # type: ignore[attr-defined]
    compute = _scalar_op(op, out.type.element_type)
    assert compute is not None
    # the result over the input when the input dies here and the output is new
    into = other if _dies_at(other, op, block) and _fresh_at(out, op, block) else out
    shape = list(out.type.get_shape())
    index = IndexType()
    zero = arith.ConstantOp(IntegerAttr(0, index))
    one = arith.ConstantOp(IntegerAttr(1, index))
    Rewriter.insert_op([zero, one], InsertPoint.before(op))
    ivs: list[SSAValue] = []
    where = InsertPoint.before(op)
    for extent in shape:
        ub = arith.ConstantOp(IntegerAttr(extent, index))
        inner = Block(arg_types=[index])
        loop = scf.ForOp(zero.result, ub.result, one.result, [], inner)
        Rewriter.insert_op([ub, loop], where)
        ivs.append(inner.args[0])
        inner.add_op(scf.YieldOp())
        where = InsertPoint.before(inner.last_op)  # type: ignore[arg-type]
    load = memref.LoadOp.get(other, ivs)
    operands = [load.res, scalar] if splat_at == 1 else [scalar, load.res]
    result = compute(*operands)  # type: ignore[call-arg]
    store = memref.StoreOp.get(result.results[0], into, ivs)
    Rewriter.insert_op([load, result, store], where)
    Rewriter.erase_op(op)
    if into is not out:
        new_out = out
        owner = new_out.owner
        new_out.replace_all_uses_with(into)
        assert isinstance(owner, Operation)
        Rewriter.erase_op(owner)


@dataclass(frozen=True)
class SplatOperandsPass(ModulePass):
    """Constant arrays feeding only element-wise ops become scalar operands."""

    name = "dato-splat-operands"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for group in [o for o in op.walk() if isinstance(o, dato.GroupOp | dato.TaskOp)]:
            scalarise_splats(group.body.block)


__all__: Sequence[str] = ["SplatOperandsPass", "scalarise_splats", "splat_fill"]
