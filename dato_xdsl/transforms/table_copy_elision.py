"""`dato-table-copy-elision`: a local initialised from a constant table and
only read afterwards is the table.

`W: f32[256, 128] = np_W` in a kernel (Allo's way of giving a task its
weights) is a constant table (constant_tables: an allocation carrying the
values) copied into a local the kernel then reads. Kept as written, a tile
holds the values twice: a 32 KiB weight matrix takes 64 KiB, more than an
AIE-ML compute tile's data memory. When the copy is the first thing to touch
the local, at the top of the body (so it runs once, before every other use),
and every later use only reads it (loads, the source of a copy, an input of a
linalg op, a put), the uses read the table itself and the local and the copy
go. The table is never written after its fill (the frontend refuses writes
to it), so every read sees the same values as before."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import memref
from xdsl.dialects.builtin import MemRefType, ModuleOp
from xdsl.ir import Block, Operation, SSAValue, Use
from xdsl.passes import ModulePass

from dato_xdsl.dialects import dato
from dato_xdsl.transforms.constant_tables import table_values


def reads_only(use: Use) -> bool:
    """`use` reads the value and cannot write it."""
    op = use.operation
    if isinstance(op, memref.LoadOp):
        return True
    if isinstance(op, memref.CopyOp):
        return op.source is op.operands[use.index] and op.destination is not op.source
    if isinstance(op, dato.PutOp):
        return True
    if op.dialect_name() == "linalg" and hasattr(op, "outputs"):
        value = op.operands[use.index]
        return value not in op.outputs  # type: ignore[attr-defined]
    return False


def elidable(copy: memref.CopyOp, body: Block) -> bool:
    """`copy` fills a local of `body` from a constant table, at the body's top
    level, before every other use of the local, and those uses only read."""
    src, dst = copy.source, copy.destination
    if copy.parent_block() is not body:
        return False
    if not isinstance(src.owner, Operation) or table_values(src.owner) is None:
        return False
    if not isinstance(dst.owner, memref.AllocOp | memref.AllocaOp) or src.type != dst.type:
        return False
    if not isinstance(dst.type, MemRefType) or dst.owner.parent_block() is not body:
        return False
    for use in dst.uses:
        if use.operation is copy:
            continue
        top = body.find_ancestor_op_in_block(use.operation)
        if top is None or not copy.is_before_in_block(top) or not reads_only(use):
            return False
    return True


def elide_table_copies(body: Block) -> list[str]:
    """Elide every such copy in `body`; the locals elided, by name."""
    done: list[str] = []
    for copy in [op for op in body.ops if isinstance(op, memref.CopyOp)]:
        if not elidable(copy, body):
            continue
        local: SSAValue = copy.destination
        table = copy.source
        alloc = local.owner
        assert isinstance(alloc, Operation)
        copy.detach()
        copy.erase()
        done.append(local.name_hint or "a local")
        if table.name_hint is None:
            table.name_hint = local.name_hint
        local.replace_all_uses_with(table)
        alloc.detach()
        alloc.erase()
    return done


@dataclass(frozen=True)
class TableCopyElisionPass(ModulePass):
    """Read constant tables in place of the locals copied from them."""

    name = "dato-table-copy-elision"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for group in [o for o in op.walk() if isinstance(o, dato.GroupOp | dato.TaskOp)]:
            elide_table_copies(group.body.block)


__all__: Sequence[str] = ["TableCopyElisionPass", "elidable", "elide_table_copies", "reads_only"]
