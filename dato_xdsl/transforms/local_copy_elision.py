"""`dato-local-copy-elision`: a local that is a whole copy of another local,
made where the other dies, is that other local.

`acc: T[m, n] = 0; acc[:, :] = dato.matmul(a, b); s.put(acc)` computes the
product into a local of its own and copies it into `acc` (whose zeros the
copy overwrites unread). Kept as written, a tile holds the block twice.
When a `memref.copy` writes a whole local `dst` from a local `src` of the
same type, both allocated in the copy's block; every use of `src` comes
before the copy (it dies there, so nothing reads it again); and before the
copy `dst` is only filled (`linalg.fill`, values the copy overwrites before
anything reads them), then the later uses of `dst` read and write `src`
instead: the fills of `dst`, the copy and `dst`'s allocation go. Every read
sees the values it saw before: `src` holds after the copy exactly what `dst`
held, and nothing else touches `src` afterwards. `src` takes `dst`'s name
(the user's).

A product computed into a local only to be copied whole into a task
argument (`y[:, :] = dato.matmul(f, cols.get())`: fill, matmul into the
local, copy into y) is computed straight into the argument when the local
is written whole first (its fill: the argument is then overwritten before
the matmul accumulates, so its host copy is never read) and the argument has
no other use: the tile holds the block once, in the argument's buffer. A
body that is exactly a GEMM of two arguments into a third
(npu_plan.streamed_matmul), or whose B may stream K into the local
(npu_plan.local_matmul), keeps its shape: its design needs it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import memref
from xdsl.dialects.builtin import MemRefType, ModuleOp
from xdsl.dialects.linalg import ops as linalg
from xdsl.ir import Block, BlockArgument, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter

from dato_xdsl.dialects import dato
from dato_xdsl.transforms.constant_tables import table_values
from dato_xdsl.transforms.npu_plan import local_matmul, local_written_first, streamed_matmul


def _local(value: SSAValue, block: Block) -> Operation | None:
    """The allocation of `value` when it is a plain local of `block`."""
    owner = value.owner
    if (
        isinstance(owner, memref.AllocOp | memref.AllocaOp)
        and owner.parent_block() is block
        and table_values(owner) is None
        and isinstance(value.type, MemRefType)
        and all(d >= 0 for d in value.type.get_shape())
    ):
        return owner
    return None


def elidable(copy: memref.CopyOp) -> bool:
    """`copy` qualifies (module docstring)."""
    block = copy.parent_block()
    src, dst = copy.source, copy.destination
    if block is None or src is dst or src.type != dst.type:
        return False
    if _local(src, block) is None or _local(dst, block) is None:
        return False
    for use in src.uses:
        top = block.find_ancestor_op_in_block(use.operation)
        if top is None or (top is not copy and not top.is_before_in_block(copy)):
            return False
    for use in dst.uses:
        top = block.find_ancestor_op_in_block(use.operation)
        if top is None:
            return False
        if top is copy or copy.is_before_in_block(top):
            continue
        user = use.operation
        if not (isinstance(user, linalg.FillOp) and user is top and user.outputs[0] is dst):
            return False
    return True


def into_argument(copy: memref.CopyOp, body: Block) -> bool:
    """`copy` writes a whole argument of `body` (its only use) from a local of
    `body` that dies there and is written whole first (module docstring)."""
    src, dst = copy.source, copy.destination
    if (
        copy.parent_block() is not body
        or not isinstance(dst, BlockArgument)
        or dst.owner is not body
        or src.type != dst.type
        or len(list(dst.uses)) != 1
        or _local(src, body) is None
        or not local_written_first(src)
    ):
        return False
    if not any(isinstance(u.operation, linalg.MatmulOp) for u in src.uses):
        return False  # element-wise results: computed into their outputs already
    if streamed_matmul(body) is not None or local_matmul(body, staged=True) is not None:
        return False  # a GEMM whose K may stream: into C's object, or a local
    for use in src.uses:
        top = body.find_ancestor_op_in_block(use.operation)
        if top is None or (top is not copy and not top.is_before_in_block(copy)):
            return False
    return True


def elide_local_copies(body: Block) -> list[str]:
    """Elide every such copy in `body` and the blocks nested in it; the locals
    elided, by name."""
    done: list[str] = []
    copies = [op for op in body.walk() if isinstance(op, memref.CopyOp)]
    for copy in copies:
        if into_argument(copy, body):
            src = copy.source
            alloc = src.owner
            assert isinstance(alloc, Operation)
            Rewriter.erase_op(copy)
            src.replace_all_uses_with(copy.destination)
            Rewriter.erase_op(alloc)
            done.append(src.name_hint or "a local")
            continue
        if not elidable(copy):
            continue
        src, dst = copy.source, copy.destination
        alloc = dst.owner
        assert isinstance(alloc, Operation)
        for use in list(dst.uses):
            user = use.operation
            if isinstance(user, linalg.FillOp) and user.is_before_in_block(copy):
                Rewriter.erase_op(user)  # overwritten unread
        Rewriter.erase_op(copy)
        done.append(dst.name_hint or "a local")
        if dst.name_hint is not None:
            src.name_hint = dst.name_hint
        dst.replace_all_uses_with(src)
        Rewriter.erase_op(alloc)
    return done


@dataclass(frozen=True)
class LocalCopyElisionPass(ModulePass):
    """Read and write a dying local in place of its whole copy."""

    name = "dato-local-copy-elision"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for group in [o for o in op.walk() if isinstance(o, dato.GroupOp | dato.TaskOp)]:
            elide_local_copies(group.body.block)


__all__: Sequence[str] = [
    "LocalCopyElisionPass",
    "elidable",
    "elide_local_copies",
    "into_argument",
]
