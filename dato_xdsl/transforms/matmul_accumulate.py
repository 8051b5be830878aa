"""`dato-matmul-accumulate`: `acc = acc + matmul(a, b)` accumulates into `acc`.

A K-blocked or systolic GEMM is written `acc[:, :] = dato.add(acc,
dato.matmul(a, b))` (or `acc[:, :] += dato.matmul(a, b)`). The frontend
computes the product into a zero-filled local of its own, the sum into a
second local, and copies the sum back into `acc`: a tile holds the block
three times besides `acc`. `linalg.matmul` itself adds into its output, so
the matmul writes `acc` directly and the two locals, the fill, the add and
the copy go; `acc` is held once.

The rewrite takes, in one block, `fill(0, p)`, `matmul(a, b) outs(p)`,
`add(acc, p) outs(s)` (either input order) and `copy(s, acc)` when:
p and s are locals of that block with no other use; p, s and acc have one
type whose elements are integers, f32 or f64; acc is a local (allocated in
the task) that neither a nor b views; and from the matmul to the copy
nothing but the add touches acc. Integers give the same bits (sums wrap the
same way in any order). f32 / f64: the simulator computes
`acc + (a @ b)` as before; a kernel that adds the products into acc one by
one rounds in another order (as a K-streamed matmul already does). Narrower
floats are left as written: `bf16(acc + bf16(a @ b))` rounds twice, and the
in-place form would round once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, memref
from xdsl.dialects.builtin import (
    Float32Type,
    Float64Type,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    MemRefType,
    ModuleOp,
)
from xdsl.dialects.linalg import ops as linalg
from xdsl.ir import Block, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter

from dato_xdsl.dialects import dato
from dato_xdsl.transforms.constant_tables import table_values
from dato_xdsl.transforms.memref_rewrite import derived_memrefs


def _local_of(value: SSAValue, block: Block) -> bool:
    """`value` is a plain local allocated in `block`."""
    owner = value.owner
    return (
        isinstance(owner, memref.AllocOp | memref.AllocaOp)
        and owner.parent_block() is block
        and table_values(owner) is None
    )


def _zero_fill(op: Operation, out: SSAValue) -> bool:
    """`op` is `linalg.fill` of a constant zero into `out`."""
    if not isinstance(op, linalg.FillOp) or op.outputs[0] is not out:
        return False
    const = op.inputs[0].owner
    if not isinstance(const, arith.ConstantOp):
        return False
    value = const.value
    if isinstance(value, IntegerAttr):
        return value.value.data == 0
    return isinstance(value, FloatAttr) and value.value.data == 0.0


def _element_ok(t: MemRefType) -> bool:
    e = t.element_type
    return isinstance(e, IntegerType | Float32Type | Float64Type)


@dataclass
class Accumulation:
    """One `acc = acc + matmul(a, b)` found: the ops the rewrite removes."""

    matmul: linalg.MatmulOp
    acc: SSAValue
    fill: linalg.FillOp
    add: linalg.AddOp
    copy: memref.CopyOp


def match(copy: memref.CopyOp) -> Accumulation | None:
    """The accumulation `copy` ends (module docstring), else None."""
    block = copy.parent_block()
    s, acc = copy.source, copy.destination
    if block is None or not _local_of(s, block) or s is acc:
        return None
    if not isinstance(acc.type, MemRefType) or acc.type != s.type or not _element_ok(acc.type):
        return None
    owner = acc.owner
    if not isinstance(owner, memref.AllocOp | memref.AllocaOp) or table_values(owner) is not None:
        return None
    # s: written by the add, read by the copy, nothing else
    s_users = [u.operation for u in s.uses]
    add = next((op for op in s_users if isinstance(op, linalg.AddOp)), None)
    if add is None or len(s_users) != 2 or list(add.outputs) != [s]:
        return None
    if add.parent_block() is not block or not add.is_before_in_block(copy):
        return None
    ins = list(add.inputs)
    if len(ins) != 2 or acc not in ins:
        return None
    p = ins[1] if ins[0] is acc else ins[0]
    if p is acc or p.type != acc.type or not _local_of(p, block):
        return None
    # p: zero-filled, the matmul's output, the add's input, nothing else
    p_users = [u.operation for u in p.uses]
    mm = next((op for op in p_users if isinstance(op, linalg.MatmulOp)), None)
    fill = next((op for op in p_users if isinstance(op, linalg.FillOp)), None)
    if mm is None or fill is None or len(p_users) != 3 or not _zero_fill(fill, p):
        return None
    if list(mm.outputs) != [p] or p in mm.inputs:
        return None
    if mm.parent_block() is not block or fill.parent_block() is not block:
        return None
    if not (fill.is_before_in_block(mm) and mm.is_before_in_block(add)):
        return None
    views = derived_memrefs(acc)
    if any(v in views for v in mm.inputs):
        return None  # the product reads acc: it must see acc's old values
    # from the matmul (which now writes acc) to the copy, only the add touches acc
    at = mm.next_op
    while at is not None and at is not copy:
        if at is not add and any(o in views for inner in at.walk() for o in inner.operands):
            return None
        at = at.next_op
    return Accumulation(mm, acc, fill, add, copy)


def accumulate_in_place(body: Block) -> list[str]:
    """Rewrite every accumulation in `body` and the blocks nested in it; the
    accumulators rewritten, by name."""
    done: list[str] = []
    for copy in [op for op in body.walk() if isinstance(op, memref.CopyOp)]:
        found = match(copy)
        if found is None:
            continue
        p = found.matmul.outputs[0]
        s = found.copy.source
        found.matmul.operands = [*found.matmul.inputs, found.acc]
        for op in (found.copy, found.add, found.fill):
            Rewriter.erase_op(op)
        for local in (s, p):
            assert isinstance(local.owner, Operation)
            Rewriter.erase_op(local.owner)
        done.append(found.acc.name_hint or "a local")
    return done


@dataclass(frozen=True)
class MatmulAccumulatePass(ModulePass):
    """Accumulate `acc + matmul(a, b)` stored back to acc in acc itself."""

    name = "dato-matmul-accumulate"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for task in [o for o in op.walk() if isinstance(o, dato.GroupOp | dato.TaskOp)]:
            accumulate_in_place(task.body.block)


__all__: Sequence[str] = [
    "Accumulation",
    "MatmulAccumulatePass",
    "accumulate_in_place",
    "match",
]
