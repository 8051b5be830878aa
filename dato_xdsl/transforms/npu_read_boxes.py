"""Unsharded arrays that instances read only in part, on the NPU.

A task that takes a whole array but loads only some rows of it
(`for m in range(p * R, (p + 1) * R): ... a[m, n]`) would get the whole array
moved into its tile, and be refused when that does not fit. Here each
instance's loads are evaluated with its pid (npu_write_boxes' lattices: every
index a constant, a pid expression or a loop variable with bounds known for
the instance): the bounding box of what an instance loads is its read box.
When the argument is only loaded from, the box's shape is the same for every
instance and its offset is affine in the pid, the group is rewritten as if the
argument were sharded: the body argument takes the box's type, each
instance's slice offsets move to its box, and the loads subtract the box
offset (computed from `dato.pid` in the body). Transfer planning, physical
mapping's memory count and the lowering then see an ordinary block.

Arrays of at most 16 KiB move whole (`WHOLE_BYTES`). Arrays any group
writes, loads the analysis cannot bound (indices from data,
bounds unknown) and boxes whose offset is not affine in the pid keep the
whole array, as before. Rows of elements narrower than a 32-bit DMA word keep
their whole width (a box may not start or end inside a word)."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, memref
from xdsl.dialects.builtin import DenseArrayBase, IndexType, MemRefType, ModuleOp, i64
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass

from dato_xdsl.dialects import dato
from dato_xdsl.dialects.aie import element_bits, memref_bytes
from dato_xdsl.transforms.npu_plan import arg_access
from dato_xdsl.transforms.npu_write_boxes import access_lattices

WORD_BITS = 32
"""A box's last dim is cut only for elements of at least a DMA word."""

WHOLE_BYTES = 16 * 1024
"""Arrays up to a quarter of an AIE-ML tile's 64 KiB move whole: cheap to
hold, and instances reading the same whole array keep one block, which
broadcasts and peers share (boxes of their own would each take a DMA
channel: Allo's tiled GEMM on 4x4 needs the sharing)."""


@dataclass(frozen=True)
class ReadBox:
    """The part of a body argument an instance loads: per dim an offset into
    the body argument and a size."""

    offsets: tuple[int, ...]
    shape: tuple[int, ...]


def read_boxes(group: dato.GroupOp, k: int) -> dict[str, ReadBox] | None:
    """Per instance, the bounding box of body argument `k`'s loads, when the
    argument is only loaded from at indices bounded for every instance; a
    box's shape is the largest over instances (its offset moved back where
    it would run past the end), so every instance's box has one shape. None
    when the loads cannot be bounded or no instance reads less than all."""
    body = group.body.block
    arg = body.args[k]
    t = arg.type
    if not isinstance(t, MemRefType) or not arg.uses:
        return None
    loads: list[memref.LoadOp] = []
    for use in arg.uses:
        op = use.operation
        if not isinstance(op, memref.LoadOp) or op.memref is not arg:
            return None
        loads.append(op)
    shape = tuple(t.get_shape())
    if any(n <= 0 for n in shape):
        return None
    narrow = element_bits(t.element_type) < WORD_BITS
    spans: dict[str, list[tuple[int, int]]] = {}
    for inst in group.instances():
        pid = tuple(inst.pid)
        lattices = access_lattices(loads, pid)
        if lattices is None:
            return None
        # loads under a condition may name indices outside the array on
        # paths never taken: the box need only hold the ones in bounds
        dims = [
            (max(lo, 0), min(hi, n - 1)) for (lo, hi, _), n in zip(lattices, shape, strict=True)
        ]
        if any(lo > hi for lo, hi in dims):
            return None  # no load of this instance is in bounds: leave it whole
        if narrow:
            dims[-1] = (0, shape[-1] - 1)
        spans[inst.name] = dims
    size = tuple(max(d[i][1] - d[i][0] + 1 for d in spans.values()) for i in range(len(shape)))
    if size == shape:
        return None
    return {
        name: ReadBox(
            tuple(min(lo, n - s) for (lo, _), n, s in zip(d, shape, size, strict=True)), size
        )
        for name, d in spans.items()
    }


def affine_in_pid(group: dato.GroupOp, values: dict[str, int]) -> tuple[int, list[int]] | None:
    """(c0, [c_i]) with values[inst] == c0 + sum c_i * pid_i for every
    instance, read off the instance at pid 0 and its unit neighbours; None
    when there is no such fit."""
    insts = group.instances()
    rank = len(group.grid_shape)
    by_pid = {tuple(i.pid): i.name for i in insts}
    base = by_pid.get((0,) * rank)
    if base is None:
        return None
    c0 = values[base]
    coeffs: list[int] = []
    for d in range(rank):
        unit = tuple(1 if e == d else 0 for e in range(rank))
        coeffs.append(values[by_pid[unit]] - c0 if unit in by_pid else 0)
    for inst in insts:
        if values[inst.name] != c0 + sum(c * p for c, p in zip(coeffs, inst.pid, strict=True)):
            return None
    return c0, coeffs


def _written_anywhere(region: dato.RegionOp) -> set[int]:
    """Region arguments some group writes (boxing them would move the
    read-write ordering other passes reason about)."""
    out: set[int] = set()
    for group in region.groups():
        for k, operand in enumerate(group.args):
            if arg_access(group.body.block.args[k], host_copy=False)[1]:
                out.add(list(region.args).index(operand))
    return out


def box_group_reads(
    region: dato.RegionOp,
    group: dato.GroupOp,
    whole_bytes: int = WHOLE_BYTES,
    written: set[int] | None = None,
) -> list[int]:
    """Rewrite `group`'s read-only whole arguments of more than `whole_bytes`
    to their read boxes; the body argument indices rewritten. `written`: the
    region's `_written_anywhere`, when the caller has it (boxing only turns
    loads into loads, so it holds for every group of the region)."""
    if written is None:
        written = _written_anywhere(region)
    done: list[int] = []
    for k, operand in enumerate(group.args):
        if list(region.args).index(operand) in written:
            continue
        whole = group.body.block.args[k].type
        if isinstance(whole, MemRefType) and memref_bytes(whole) <= whole_bytes:
            continue
        boxes = read_boxes(group, k)
        if boxes is None:
            continue
        fits = [
            affine_in_pid(group, {n: b.offsets[d] for n, b in boxes.items()})
            for d in range(len(next(iter(boxes.values())).shape))
        ]
        if any(f is None for f in fits):
            continue
        _rewrite(group, k, boxes, [f for f in fits if f is not None])
        done.append(k)
    return done


def _rewrite(
    group: dato.GroupOp, k: int, boxes: dict[str, ReadBox], fits: list[tuple[int, list[int]]]
) -> None:
    body = group.body.block
    old = body.args[k]
    t = old.type
    assert isinstance(t, MemRefType)
    size = next(iter(boxes.values())).shape
    new = body.insert_arg(MemRefType(t.element_type, size), k)
    new.name_hint = old.name_hint
    # the box offset per dim, from the pid, at the top of the body
    ops: list[Operation] = []
    pid_op = dato.PidOp(len(group.grid_shape)) if any(any(c) for _, c in fits) else None
    if pid_op is not None:
        ops.append(pid_op)
    offsets: list[SSAValue | None] = []
    for c0, coeffs in fits:
        if c0 == 0 and not any(coeffs):
            offsets.append(None)
            continue
        acc: SSAValue | None = _constant(ops, c0) if c0 else None
        for d, c in enumerate(coeffs):
            if c:
                assert pid_op is not None
                term = arith.MuliOp(pid_op.coords[d], _constant(ops, c))
                ops.append(term)
                if acc is None:
                    acc = term.result
                    continue
                total = arith.AddiOp(acc, term.result)
                ops.append(total)
                acc = total.result
        offsets.append(acc)
    first = body.first_op
    if first is None:
        body.add_ops(ops)
    else:
        body.insert_ops_before(ops, first)
    for use in list(old.uses):
        load = use.operation
        assert isinstance(load, memref.LoadOp)
        indices: list[SSAValue] = []
        for index, off in zip(load.indices, offsets, strict=True):
            if off is None:
                indices.append(index)
                continue
            sub = arith.SubiOp(index, off)
            load.parent_block().insert_op_before(sub, load)  # type: ignore[union-attr]
            indices.append(sub.result)
        fresh = memref.LoadOp.get(new, indices)
        load.parent_block().insert_op_before(fresh, load)  # type: ignore[union-attr]
        load.results[0].replace_all_uses_with(fresh.results[0])
        load.detach()
        load.erase()
    body.erase_arg(old)
    _move_offsets(group, k, boxes)


def _constant(ops: list[Operation], value: int) -> SSAValue:
    c = arith.ConstantOp.from_int_and_width(value, IndexType())
    ops.append(c)
    return c.result


def _move_offsets(group: dato.GroupOp, k: int, boxes: dict[str, ReadBox]) -> None:
    """Each instance's slice of argument `k` starts at its box."""
    flat: list[int] = []
    for inst in group.instances():
        for j, offs in enumerate(inst.offsets):
            if j == k:
                box = boxes[inst.name].offsets
                flat += [o + b for o, b in zip(offs, box, strict=True)]
            else:
                flat += list(offs)
    group.offsets = DenseArrayBase.from_list(i64, flat)


@dataclass(frozen=True)
class NpuReadBoxesPass(ModulePass):
    """Move only the part of a whole array an instance loads into its tile."""

    name = "dato-npu-read-boxes"

    whole_bytes: int = WHOLE_BYTES
    """Arrays up to this size move whole (`WHOLE_BYTES`)."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for region in [o for o in op.walk() if isinstance(o, dato.RegionOp)]:
            written = _written_anywhere(region)
            for group in list(region.groups()):
                box_group_reads(region, group, self.whole_bytes, written)


__all__ = ["NpuReadBoxesPass", "ReadBox", "affine_in_pid", "box_group_reads", "read_boxes"]
