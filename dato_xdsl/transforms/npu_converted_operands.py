"""`dato-npu-converted-operands`: a matmul operand converted whole is
converted one K tile at a time.

`dato.matmul(p, v)` with p f32 and v bf16 multiplies in f32: the frontend
converts all of v into an f32 local (a loop nest: load, `arith.extf`,
store) and multiplies p by that. The NPU kernel library has matmuls of one
operand type only, so the conversion stays, and a core holds v twice, once
at twice its size (the attention probe's pv stage: 32 KiB of f32 beside
16 KiB of bf16, refused where the f32 program maps).

The matmul then runs over K in tiles of KT: each step converts the KT rows
of v (or KT columns, when the converted operand is A) into a KT x N local
with the frontend's own cast op, copies the other operand's m x KT strip
(KT x N block) into a local, and multiplies the two into the output, which
accumulates. The locals take at most `_STAGE_BYTES` together (KT the largest
divisor of K that keeps them there); a K that fits in one tile is left as
written (the tile would copy the other operand whole). Every library matmul adds into each
output element its products in K order from the element's value
(dato_kernels.cc), so tiles of K give the same bits, f32 included; a bf16
output rounds once per call, so matmuls into bf16 (or other floats
narrower than f32) are left whole.

Taken when, in one block: a local L is allocated, then written by a perfect
loop nest over all of L (each loop from 0 by 1 to L's extent) whose body is
`load X[i, j]`, one single-operand cast, `store L[i, j]`, with X of L's
shape; L's only other use is as an input of one later `linalg.matmul` of
that block into an integer, f32 or f64 output that is no view of X; and
between the nest and the matmul nothing uses X (the reads move to the
matmul). A converted A times a B that is a task argument is left as
written: physical mapping may stream such a B over K past the whole A,
which it could not once B is read tile by tile here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, memref, scf
from xdsl.dialects.builtin import (
    Float32Type,
    Float64Type,
    IndexType,
    IntegerAttr,
    IntegerType,
    MemRefType,
    ModuleOp,
)
from xdsl.dialects.linalg import ops as linalg
from xdsl.ir import Block, BlockArgument, Operation, Region, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter

from dato_xdsl.dialects import dato
from dato_xdsl.transforms.constant_tables import table_values

_STAGE_BYTES = 4096
"""The two K-tile locals together, at most (one kernel call per tile)."""


def _const(v: SSAValue) -> int | None:
    owner = v.owner
    if isinstance(owner, arith.ConstantOp) and isinstance(owner.value, IntegerAttr):
        return owner.value.value.data
    return None


def _views(value: SSAValue) -> set[SSAValue]:
    """`value` and every memref derived from it, transitively."""
    out = {value}
    todo = [value]
    while todo:
        for use in todo.pop().uses:
            for r in use.operation.results:
                if isinstance(r.type, MemRefType) and r not in out:
                    out.add(r)
                    todo.append(r)
    return out


@dataclass
class Conversion:
    """A local `local` that `nest` fills with `cast(source[i, j])`, read by `matmul`."""

    local: SSAValue
    nest: scf.ForOp
    source: SSAValue
    cast: Operation
    matmul: linalg.MatmulOp


def _nest_body(nest: scf.ForOp, shape: Sequence[int]) -> tuple[list[SSAValue], Block] | None:
    """The loop variables and innermost block of a perfect nest over `shape`
    (constants may sit between the loops)."""
    ivs: list[SSAValue] = []
    loop: Operation = nest
    for extent in shape:
        if not isinstance(loop, scf.ForOp) or loop.iter_args:
            return None
        if (_const(loop.lb), _const(loop.ub), _const(loop.step)) != (0, extent, 1):
            return None
        body = loop.body.block
        ivs.append(body.args[0])
        inner = [op for op in body.ops if not isinstance(op, arith.ConstantOp | scf.YieldOp)]
        if len(ivs) == len(shape):
            return ivs, body
        if len(inner) != 1:
            return None
        loop = inner[0]
    return None


def match(alloc: Operation) -> Conversion | None:
    """The conversion `alloc` starts (module docstring), else None."""
    block = alloc.parent_block()
    if block is None or not isinstance(alloc, memref.AllocOp | memref.AllocaOp):
        return None
    local = alloc.results[0]
    t = local.type
    if table_values(alloc) is not None or not isinstance(t, MemRefType):
        return None
    shape = t.get_shape()
    if len(shape) != 2 or any(d <= 0 for d in shape):
        return None
    nest = alloc.next_op
    while isinstance(nest, arith.ConstantOp):
        nest = nest.next_op
    if not isinstance(nest, scf.ForOp):
        return None
    found = _nest_body(nest, shape)
    if found is None:
        return None
    ivs, body = found
    ops = [op for op in body.ops if not isinstance(op, arith.ConstantOp | scf.YieldOp)]
    if len(ops) != 3:
        return None
    load, cast, store = ops
    if not (
        isinstance(load, memref.LoadOp)
        and isinstance(store, memref.StoreOp)
        and list(load.indices) == ivs
        and list(store.indices) == ivs
        and store.memref is local
        and store.value is cast.results[0]
        and len(cast.operands) == 1
        and cast.operands[0] is load.results[0]
        and len(cast.results) == 1
        and not cast.regions
        and load.results[0].has_one_use()
        and cast.results[0].has_one_use()
    ):
        return None
    source = load.memref
    st = source.type
    if not isinstance(st, MemRefType) or st.get_shape() != shape:
        return None
    users = [u.operation for u in local.uses if u.operation is not store]
    if len(users) != 1 or not isinstance(users[0], linalg.MatmulOp):
        return None
    mm = users[0]
    if mm.parent_block() is not block or not nest.is_before_in_block(mm):
        return None
    if local not in mm.inputs or local in mm.outputs or list(mm.inputs).count(local) != 1:
        return None
    if mm.inputs[0] is local and isinstance(mm.inputs[1], BlockArgument):
        return None  # B, an argument, may stream over K past a whole A (npu_plan.local_matmul)
    out = mm.outputs[0]
    ot = out.type
    if not isinstance(ot, MemRefType) or not isinstance(
        ot.element_type, IntegerType | Float32Type | Float64Type
    ):
        return None  # narrower floats round once per kernel call: tiles would round more
    views = _views(source)
    if out in views:
        return None
    at = nest.next_op
    while at is not None and at is not mm:
        if any(o in views for inner in at.walk() for o in inner.operands):
            return None  # X may change before the matmul reads it
        at = at.next_op
    return Conversion(local, nest, source, cast, mm)


def _k_tile(m: int, k: int, n: int, a_bytes: int, b_bytes: int) -> int:
    """The largest divisor of k whose m x kt and kt x n locals fit _STAGE_BYTES (>= 1)."""
    per = m * a_bytes + n * b_bytes
    return max(d for d in range(1, k + 1) if k % d == 0 and (d * per <= _STAGE_BYTES or d == 1))


def _bytes(t: MemRefType) -> int:
    e = t.element_type
    width = e.width.data if isinstance(e, IntegerType) else e.bitwidth  # type: ignore[attr-defined]
    return max(1, (width + 7) // 8)


class _Builder:
    """Emits ops before a fixed op (xDSL builders, one insertion point)."""

    def __init__(self, block: Block, before: Operation | None) -> None:
        self.block = block
        self.before = before

    def emit(self, op: Operation) -> Operation:
        if self.before is None:
            self.block.add_op(op)
        else:
            self.block.insert_op_before(op, self.before)
        return op

    def index(self, v: int) -> SSAValue:
        return self.emit(arith.ConstantOp.from_int_and_width(v, IndexType())).results[0]

    def loops(self, shape: Sequence[int], body: Callable[[_Builder, list[SSAValue]], None]) -> None:
        def level(b: _Builder, k: int, idx: list[SSAValue]) -> None:
            if k == len(shape):
                body(b, idx)
                return
            inner = Block(arg_types=[IndexType()])
            lb, ub, step = b.index(0), b.index(shape[k]), b.index(1)
            b.emit(scf.ForOp(lb, ub, step, [], Region(inner)))
            end = scf.YieldOp()
            inner.add_op(end)
            level(_Builder(inner, end), k + 1, [*idx, inner.args[0]])

        level(self, 0, [])


def k_tile(conv: Conversion) -> int:
    """The K tile of `conv`'s matmul (K itself: one tile, nothing to gain)."""
    a, b = conv.matmul.inputs
    at, bt = a.type, b.type
    assert isinstance(at, MemRefType) and isinstance(bt, MemRefType)
    (m, k), n = at.get_shape(), bt.get_shape()[1]
    return _k_tile(m, k, n, _bytes(at), _bytes(bt))


def convert_by_k_tiles(conv: Conversion, kt: int) -> None:
    """Rewrite one conversion (module docstring) in K tiles of `kt`."""
    mm = conv.matmul
    block = mm.parent_block()
    assert block is not None
    a, b = mm.inputs
    at, bt = a.type, b.type
    assert isinstance(at, MemRefType) and isinstance(bt, MemRefType)
    (m, k), n = at.get_shape(), bt.get_shape()[1]
    out = _Builder(block, mm)
    stage_a = out.emit(memref.AllocOp.get(at.element_type, shape=[m, kt])).results[0]
    stage_b = out.emit(memref.AllocOp.get(bt.element_type, shape=[kt, n])).results[0]
    loop_body = Block(arg_types=[IndexType()])
    lb, ub, step = out.index(0), out.index(k), out.index(kt)
    out.emit(scf.ForOp(lb, ub, step, [], Region(loop_body)))
    end = scf.YieldOp()
    loop_body.add_op(end)
    inside = _Builder(loop_body, end)
    k0 = loop_body.args[0]

    def stage(src: SSAValue, dst: SSAValue, shape: list[int], k_dim: int) -> None:
        converted = src is conv.local
        read = conv.source if converted else src

        def one(bb: _Builder, idx: list[SSAValue]) -> None:
            at_src = list(idx)
            at_src[k_dim] = bb.emit(arith.AddiOp(idx[k_dim], k0)).results[0]
            v = bb.emit(memref.LoadOp.get(read, at_src)).results[0]
            if converted:
                v = bb.emit(conv.cast.clone(value_mapper={conv.cast.operands[0]: v})).results[0]
            bb.emit(memref.StoreOp.get(v, dst, idx))

        inside.loops(shape, one)

    stage(a, stage_a, [m, kt], 1)
    stage(b, stage_b, [kt, n], 0)
    tile = mm.clone()
    tile.operands = [stage_a, stage_b, *mm.outputs]
    inside.emit(tile)
    Rewriter.erase_op(mm)
    Rewriter.erase_op(conv.nest)
    alloc = conv.local.owner
    assert isinstance(alloc, Operation)
    Rewriter.erase_op(alloc)


def convert_operands(body: Block) -> list[int]:
    """Rewrite every such conversion in `body` and its nested blocks whose
    K splits in more than one tile (one tile would copy the other operand
    whole beside it); their K tiles."""
    done: list[int] = []
    for alloc in [op for op in body.walk() if isinstance(op, memref.AllocOp | memref.AllocaOp)]:
        conv = match(alloc)
        if conv is None:
            continue
        kt = k_tile(conv)
        if kt < conv.matmul.inputs[0].type.get_shape()[1]:  # type: ignore[attr-defined]
            convert_by_k_tiles(conv, kt)
            done.append(kt)
    return done


@dataclass(frozen=True)
class NpuConvertedOperandsPass(ModulePass):
    """Convert a matmul operand converted whole one K tile at a time."""

    name = "dato-npu-converted-operands"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for task in [o for o in op.walk() if isinstance(o, dato.GroupOp | dato.TaskOp)]:
            convert_operands(task.body.block)


__all__: Sequence[str] = [
    "Conversion",
    "NpuConvertedOperandsPass",
    "convert_by_k_tiles",
    "convert_operands",
    "k_tile",
    "match",
]
