"""Outputs that several instances update in disjoint parts, on the NPU.

A systolic array's PEs each store their own elements of one unsharded C
(`C[i - 1, j - 1] = c`), so every instance's block of C is all of C and the
DMA, which writes whole blocks, would let the last writer win. Here each
instance's stores are evaluated with its pid: every index is a constant, a pid
expression or a loop variable with constant bounds, giving the box of C the
instance writes. When every instance of a group writes a box of one shape and
no two boxes overlap, the box is the instance's block of C: the core keeps a
buffer of C's type for the body and moves only its box (in, when the stores do
not provably write all of it, and out), so blocks from many cores join into C
through the memtiles as sharded outputs do."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.dialects import arith, memref, scf
from xdsl.dialects.builtin import IntegerAttr, MemRefType
from xdsl.ir import Block, BlockArgument, SSAValue

from dato_xdsl.dialects import dato


@dataclass(frozen=True)
class Box:
    offsets: tuple[int, ...]
    shape: tuple[int, ...]
    whole: bool
    """The stores provably write every element of the box."""


def _loop_of(v: SSAValue) -> scf.ForOp | None:
    if isinstance(v, BlockArgument) and isinstance(v.block.parent_op(), scf.ForOp):
        loop = v.block.parent_op()
        assert isinstance(loop, scf.ForOp)
        if v is loop.body.block.args[0]:
            return loop
    return None


def _const(v: SSAValue) -> int | None:
    if isinstance(v.owner, arith.ConstantOp) and isinstance(v.owner.value, IntegerAttr):
        return v.owner.value.value.data
    return None


def _range(v: SSAValue, pid: tuple[int, ...], depth: int = 0) -> tuple[int, int] | None:
    """Inclusive [lo, hi] of an index value for this instance, or None."""
    if depth > 32:
        return None
    c = _const(v)
    if c is not None:
        return c, c
    owner = v.owner
    if isinstance(owner, dato.PidOp):
        k = list(owner.results).index(v)  # type: ignore[arg-type]
        return pid[k], pid[k]
    loop = _loop_of(v)
    if loop is not None:
        lb, ub, step = (_fixed(x, pid, depth) for x in (loop.lb, loop.ub, loop.step))
        if lb is None or ub is None or step is None or step <= 0 or ub <= lb:
            return None
        return lb, lb + step * ((ub - lb - 1) // step)
    if isinstance(owner, arith.IndexCastOp):
        return _range(owner.input, pid, depth + 1)
    if isinstance(owner, arith.AddiOp | arith.SubiOp | arith.MuliOp):
        a = _range(owner.lhs, pid, depth + 1)
        b = _range(owner.rhs, pid, depth + 1)
        if a is None or b is None:
            return None
        if isinstance(owner, arith.AddiOp):
            return a[0] + b[0], a[1] + b[1]
        if isinstance(owner, arith.SubiOp):
            return a[0] - b[1], a[1] - b[0]
        corners = [x * y for x in a for y in b]
        return min(corners), max(corners)
    return None


def _fixed(v: SSAValue, pid: tuple[int, ...], depth: int) -> int | None:
    """The value of an index fixed for the instance (a constant, or the pid
    in arithmetic), else None."""
    r = _range(v, pid, depth + 1)
    return r[0] if r is not None and r[0] == r[1] else None


def _whole(store: memref.StoreOp, body: Block, pid: tuple[int, ...]) -> bool:
    """Every element of the store's box is written: it sits in a nest of
    step-1 loops (no conditional), and each index is fixed for the instance or
    one of those loops' variables, each used once."""
    if store.parent_block() is not body:
        op = store.parent_op()
        while True:
            if not isinstance(op, scf.ForOp):
                return False
            if op.parent_block() is body:
                break
            op = op.parent_op()
    seen: set[SSAValue] = set()
    for index in store.indices:
        r = _range(index, pid)
        if r is None:
            return False
        if r[0] == r[1]:
            continue
        loop = _loop_of(index)
        if loop is None or index in seen or _const(loop.step) != 1:
            return False
        seen.add(index)
    return True


def shared_write_boxes(
    region: dato.RegionOp, writes: dict[str, list[bool]]
) -> dict[tuple[str, int], dict[str, Box]]:
    """For the region arguments that several instances (of any groups) write
    in the same block, each its box: keyed by (group, body argument index),
    then by instance. `writes`: per group, which body arguments it writes.
    An argument whose writers' boxes do not all apply (not element stores,
    shapes differ, overlap) is left out: its blocks stay as they are."""
    writers: dict[int, list[tuple[dato.GroupOp, int]]] = {}
    for group in region.groups():
        for k, operand in enumerate(group.args):
            if writes[group.sym_name.data][k]:
                writers.setdefault(list(region.args).index(operand), []).append((group, k))
    out: dict[tuple[str, int], dict[str, Box]] = {}
    for users in writers.values():
        insts = [(g, k, i) for g, k in users for i in g.instances()]
        if len(insts) < 2 or len({tuple(i.offsets[k]) for _, k, i in insts}) != 1:
            continue
        found = {(g.sym_name.data, k): write_boxes(g, k) for g, k in users}
        if any(b is None for b in found.values()):
            continue
        every = [box for boxes in found.values() for box in boxes.values()]  # type: ignore[union-attr]
        if len({b.shape for b in every}) == 1 and _disjoint(every):
            out.update(found)  # type: ignore[arg-type]
    return out


def _disjoint(boxes: list[Box]) -> bool:
    for x in range(len(boxes)):
        for y in range(x + 1, len(boxes)):
            a, b = boxes[x], boxes[y]
            if all(
                oa < ob + nb and ob < oa + na
                for oa, na, ob, nb in zip(a.offsets, a.shape, b.offsets, b.shape, strict=True)
            ):
                return False
    return True


def write_boxes(group: dato.GroupOp, k: int) -> dict[str, Box] | None:
    """Per instance, the box of body argument `k` its stores write, when the
    argument is only stored to (element stores, no view, no load) at indices
    known for each instance; otherwise None."""
    body = group.body.block
    arg = body.args[k]
    t = arg.type
    if not isinstance(t, MemRefType) or not arg.uses:
        return None
    stores: list[memref.StoreOp] = []
    for use in arg.uses:
        op = use.operation
        if not isinstance(op, memref.StoreOp) or op.memref is not arg or op.value is arg:
            return None
        stores.append(op)
    boxes: dict[str, Box] = {}
    for inst in group.instances():
        pid = tuple(inst.pid)
        lo: list[int] | None = None
        hi: list[int] = []
        for store in stores:
            ranges = [_range(i, pid) for i in store.indices]
            if any(r is None for r in ranges):
                return None
            los = [r[0] for r in ranges]  # type: ignore[index]
            his = [r[1] for r in ranges]  # type: ignore[index]
            lo = los if lo is None else [min(a, b) for a, b in zip(lo, los, strict=True)]
            hi = his if not hi else [max(a, b) for a, b in zip(hi, his, strict=True)]
        assert lo is not None
        shape = t.get_shape()
        if any(a < 0 or b >= n for a, b, n in zip(lo, hi, shape, strict=True)):
            return None  # out of bounds: leave it to the checks that say so
        whole = len(stores) == 1 and _whole(stores[0], body, pid)
        boxes[inst.name] = Box(
            tuple(lo), tuple(b - a + 1 for a, b in zip(lo, hi, strict=True)), whole
        )
    return boxes
