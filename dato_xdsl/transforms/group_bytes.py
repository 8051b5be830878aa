"""What a task group holds before any transfer planning: the bytes of its
locals, and of its used arguments taken whole. The NPU passes that decide
whether a group is over its tile's budget (fold-slices, chunk-rows, stream
reads) ask the same question of the same IR."""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects import memref
from xdsl.dialects.builtin import MemRefType

from dato_xdsl.dialects import dato
from dato_xdsl.dialects.aie import memref_bytes


def local_bytes(group: dato.GroupOp) -> int:
    """The bytes of the memrefs the group's body allocates."""
    total = 0
    for op in group.body.block.walk():
        if isinstance(op, memref.AllocOp | memref.AllocaOp):
            t = op.results[0].type
            if isinstance(t, MemRefType):
                total += memref_bytes(t)
    return total


def group_bytes(group: dato.GroupOp) -> int:
    """The bytes of the group's used memref arguments (whole) and its locals."""
    args = sum(
        memref_bytes(a.type)
        for a in group.body.block.args
        if isinstance(a.type, MemRefType) and a.uses
    )
    return args + local_bytes(group)


__all__: Sequence[str] = ["group_bytes", "local_bytes"]
