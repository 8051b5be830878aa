"""Rewriting one memref access to address another memref."""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects import memref
from xdsl.dialects.builtin import MemRefType
from xdsl.ir import Operation, SSAValue


def move_access(
    op: memref.LoadOp | memref.StoreOp, target: SSAValue, indices: Sequence[SSAValue]
) -> Operation:
    """Replace load or store `op` by the same access of `target` at
    `indices` (a load's users read the new one), keeping `op`'s attributes
    (the decisions earlier passes left on it); the new op."""
    made: Operation
    if isinstance(op, memref.LoadOp):
        made = memref.LoadOp.get(target, list(indices))
        op.parent_block().insert_op_before(made, op)  # type: ignore[union-attr]
        op.results[0].replace_all_uses_with(made.results[0])
    else:
        made = memref.StoreOp.get(op.value, target, list(indices))
        op.parent_block().insert_op_before(made, op)  # type: ignore[union-attr]
    for name, attr in op.attributes.items():
        made.attributes[name] = attr
    op.detach()
    op.erase()
    return made


def derived_memrefs(value: SSAValue) -> set[SSAValue]:
    """`value` and every memref derived from it by an op taking it
    (subviews, casts), transitively."""
    out = {value}
    todo = [value]
    while todo:
        v = todo.pop()
        for use in v.uses:
            for r in use.operation.results:
                if isinstance(r.type, MemRefType) and r not in out:
                    out.add(r)
                    todo.append(r)
    return out


__all__ = ["derived_memrefs", "move_access"]
