"""Constant tables in task bodies: how the frontend marks them and how a
lowering recognises them.

A module-level numpy array a kernel reads (frontend/constants.py) is an
allocation carrying its values as a dense attribute, `dato.constant`, followed
by the stores that fill it with the same values: a target that runs the stores
needs nothing else; a target that keeps constants as data (the HLS lowering: a
`memref.global constant`, a C++ `static const` ROM; the NPU lowering: an
initialised `aie.buffer`) takes the attribute and drops the fill. The frontend
refuses writes to a table, so every store into a marked allocation is part of
its fill."""

from __future__ import annotations

from xdsl.dialects import memref
from xdsl.dialects.builtin import DenseIntOrFPElementsAttr
from xdsl.ir import Operation

CONSTANT_ATTR = "dato.constant"


def table_values(op: Operation) -> DenseIntOrFPElementsAttr | None:
    """The values of a constant table's allocation; None for any other op."""
    if not isinstance(op, memref.AllocOp | memref.AllocaOp):
        return None
    value = op.attributes.get(CONSTANT_ATTR)
    return value if isinstance(value, DenseIntOrFPElementsAttr) else None


def is_table_fill(op: Operation) -> bool:
    """A store that fills a constant table (dropped where the table is data)."""
    return (
        isinstance(op, memref.StoreOp)
        and isinstance(op.memref.owner, Operation)
        and (table_values(op.memref.owner) is not None)
    )


__all__ = ["CONSTANT_ATTR", "is_table_fill", "table_values"]
