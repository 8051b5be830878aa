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

Arrays of at most 16 KiB move whole (`WHOLE_BYTES`), unless no two
instances' boxes share an element (each PE of a systolic array reading its
own column of B): then no broadcast is lost by boxing, and a core running
several such instances (chained when there are more of them than cores)
would otherwise hold a whole copy of the array for each group it runs
members of; those are boxed from `DISJOINT_BYTES` on. Arrays any group
writes, loads the analysis cannot bound (indices from data, bounds unknown)
and boxes whose offset is not affine in the pid keep the whole array, as
before.

Rows of elements narrower than a 32-bit DMA word are cut only where the DMA
can move the cut: the box's row and every offset are whole words, or (the
array read by this group alone) every box starts at a multiple of its width
and the width divides the row, so physical mapping pads the array's rows of
that width to whole words (npu_padding: an int16 column of B moves as a
column of 32-bit words, its high half padding). Otherwise a box keeps the
whole width (a box may not start or end inside a word)."""

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
from dato_xdsl.transforms.npu_write_boxes import access_lattices, shared_write_boxes, sole_users

WORD_BITS = 32
"""A box's last dim is cut only for elements of at least a DMA word."""

WHOLE_BYTES = 16 * 1024
"""Arrays up to a quarter of an AIE-ML tile's 64 KiB move whole: cheap to
hold, and instances reading the same whole array keep one block, which
broadcasts and peers share (boxes of their own would each take a DMA
channel: Allo's tiled GEMM on 4x4 needs the sharing)."""

DISJOINT_BYTES = 4 * 1024
"""Arrays above this whose instances' boxes are pairwise disjoint are boxed
(nothing is shared to lose; below it, a whole copy is cheap to hold)."""


@dataclass(frozen=True)
class ReadBox:
    """The part of a body argument an instance loads: per dim an offset into
    the body argument and a size."""

    offsets: tuple[int, ...]
    shape: tuple[int, ...]


def read_boxes(group: dato.GroupOp, k: int, pad: bool = False) -> dict[str, ReadBox] | None:
    """Per instance, the bounding box of body argument `k`'s loads, when the
    argument is only loaded from at indices bounded for every instance; a
    box's shape is the largest over instances (its offset moved back where
    it would run past the end), so every instance's box has one shape. None
    when the loads cannot be bounded or no instance reads less than all.
    `pad`: narrow rows may be cut where padding makes them whole words
    (_narrow_cut; the caller checks every group reading the array agrees)."""
    found = sole_users(group, k, memref.LoadOp, lambda op, a: op.memref is a)
    if found is None:
        return None
    t, loads = found
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
        spans[inst.name] = dims
    boxes = _boxes(spans, shape)
    if narrow and not _narrow_cut(boxes, shape[-1], element_bits(t.element_type), pad):
        for dims in spans.values():
            dims[-1] = (0, shape[-1] - 1)
        boxes = _boxes(spans, shape)
    if next(iter(boxes.values())).shape == shape:
        return None
    return boxes


def _boxes(spans: dict[str, list[tuple[int, int]]], shape: tuple[int, ...]) -> dict[str, ReadBox]:
    """One shape for every instance's box: the largest span per dim, its
    offset moved back where it would run past the end."""
    size = tuple(max(d[i][1] - d[i][0] + 1 for d in spans.values()) for i in range(len(shape)))
    return {
        name: ReadBox(
            tuple(min(lo, n - s) for (lo, _), n, s in zip(d, shape, size, strict=True)), size
        )
        for name, d in spans.items()
    }


def _words(boxes: dict[str, ReadBox], bits: int) -> bool:
    """Each box's row starts and ends on a DMA word."""
    width = next(iter(boxes.values())).shape[-1]
    return width * bits % WORD_BITS == 0 and all(
        b.offsets[-1] * bits % WORD_BITS == 0 for b in boxes.values()
    )


def _narrow_cut(boxes: dict[str, ReadBox], row: int, bits: int, pad: bool) -> bool:
    """Whether boxes cutting a row of `row` elements of `bits` (under a
    word) can move: each box's row starts and ends on a word, or (`pad`)
    the boxes are runs of one width at multiples of it dividing the row,
    which npu_padding pads to words."""
    width = next(iter(boxes.values())).shape[-1]
    if width == row:
        return True
    starts = [b.offsets[-1] for b in boxes.values()]
    if width * bits % WORD_BITS == 0 and all(o * bits % WORD_BITS == 0 for o in starts):
        return True
    return (
        pad and WORD_BITS % bits == 0 and row % width == 0 and all(o % width == 0 for o in starts)
    )


def disjoint(boxes: dict[str, ReadBox]) -> bool:
    """No element is in two instances' boxes."""
    found = list(boxes.values())
    for x, a in enumerate(found):
        for b in found[x + 1 :]:
            if all(
                oa < ob + sb and ob < oa + sa
                for oa, sa, ob, sb in zip(a.offsets, a.shape, b.offsets, b.shape, strict=True)
            ):
                return False
    return True


def affine_in_pid(group: dato.GroupOp, values: dict[str, int]) -> tuple[int, list[int]] | None:
    """(c0, [c_i]) with values[inst] == c0 + sum c_i * pid_i for every
    instance, read off the first instance and, per dim, another differing
    from it in that dim only (a group need not hold pid 0: the west loaders
    of a systolic array are (1, 0) .. (M, 0)); None when there is no such
    fit."""
    insts = group.instances()
    if not insts:
        return None
    rank = len(group.grid_shape)
    base = tuple(insts[0].pid)
    coeffs: list[int] = []
    for d in range(rank):
        other = next(
            (
                i
                for i in insts
                if i.pid[d] != base[d] and all(i.pid[e] == base[e] for e in range(rank) if e != d)
            ),
            None,
        )
        if other is None:
            coeffs.append(0)  # no pair along d: any coefficient fits, the check below decides
            continue
        rise = values[other.name] - values[insts[0].name]
        run = other.pid[d] - base[d]
        if rise % run:
            return None
        coeffs.append(rise // run)
    c0 = values[insts[0].name] - sum(c * p for c, p in zip(coeffs, base, strict=True))
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
    disjoint_bytes: int = DISJOINT_BYTES,
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
        size = memref_bytes(whole) if isinstance(whole, MemRefType) else 0
        if size <= min(whole_bytes, disjoint_bytes):
            continue
        found = _boxable(group, k, whole_bytes, pad=True)
        if found is not None and not _padding_agreed(region, group, operand, found[0], whole_bytes):
            found = _boxable(group, k, whole_bytes, pad=False)
        if found is None:
            continue
        _rewrite(group, k, *found)
        done.append(k)
    return done


Fits = list[tuple[int, list[int]]]


def _boxable(
    group: dato.GroupOp, k: int, whole_bytes: int, pad: bool
) -> tuple[dict[str, ReadBox], Fits] | None:
    """The boxes of body argument `k` and their offsets' fits in the pid,
    when the pass boxes it (a read-only argument of more than `whole_bytes`,
    or of more than DISJOINT_BYTES with disjoint boxes)."""
    whole = group.body.block.args[k].type
    size = memref_bytes(whole) if isinstance(whole, MemRefType) else 0
    boxes = read_boxes(group, k, pad)
    if boxes is None or size <= whole_bytes and not disjoint(boxes):
        return None
    fits = [
        affine_in_pid(group, {n: b.offsets[d] for n, b in boxes.items()})
        for d in range(len(next(iter(boxes.values())).shape))
    ]
    if any(f is None for f in fits):
        return None
    return boxes, [f for f in fits if f is not None]


def _padding_agreed(
    region: dato.RegionOp,
    group: dato.GroupOp,
    operand: SSAValue,
    boxes: dict[str, ReadBox],
    whole_bytes: int,
) -> bool:
    """Boxes whose narrow rows are not whole words move padded only when
    every group using the array cuts its rows the same (npu_padding): each
    other user is boxed already with that width, or is boxable with it, at
    multiples of it."""
    t = operand.type
    assert isinstance(t, MemRefType)
    if _words(boxes, element_bits(t.element_type)):
        return True
    width = next(iter(boxes.values())).shape[-1]
    for other in region.groups():
        for j, found in enumerate(other.args):
            arg = other.body.block.args[j]
            if found is not operand or other is group or not arg.uses:
                continue
            mine = arg.type
            assert isinstance(mine, MemRefType)
            if mine.get_shape() != t.get_shape():
                starts = [inst.offsets[j][-1] for inst in other.instances()]
                if mine.get_shape()[-1] != width or any(o % width for o in starts):
                    return False
                continue
            theirs = _boxable(other, j, whole_bytes, pad=True)
            if theirs is None or next(iter(theirs[0].values())).shape[-1] != width:
                return False
    return True


def _rewrite(group: dato.GroupOp, k: int, boxes: dict[str, ReadBox], fits: Fits) -> None:
    body = group.body.block
    old = body.args[k]
    t = old.type
    assert isinstance(t, MemRefType)
    size = next(iter(boxes.values())).shape
    # a dim of one element needs no offset: it is indexed at 0 (below)
    fits = [(0, [0] * len(c)) if n == 1 else (c0, c) for (c0, c), n in zip(fits, size, strict=True)]
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
    # a dim of one element is indexed at 0: every access in bounds names
    # the box's one index there (and npu_plan then sees a store at a
    # constant index, which it can prove writes the box whole)
    zero = _constant(ops, 0) if 1 in size else None
    first = body.first_op
    if first is None:
        body.add_ops(ops)
    else:
        body.insert_ops_before(ops, first)
    for use in list(old.uses):
        access = use.operation
        assert isinstance(access, memref.LoadOp | memref.StoreOp)
        indices: list[SSAValue] = []
        for index, off, n in zip(access.indices, offsets, size, strict=True):
            if n == 1 and zero is not None:
                indices.append(zero)
                continue
            if off is None:
                indices.append(index)
                continue
            sub = arith.SubiOp(index, off)
            access.parent_block().insert_op_before(sub, access)  # type: ignore[union-attr]
            indices.append(sub.result)
        if isinstance(access, memref.LoadOp):
            fresh = memref.LoadOp.get(new, indices)
            access.parent_block().insert_op_before(fresh, access)  # type: ignore[union-attr]
            access.results[0].replace_all_uses_with(fresh.results[0])
        else:
            stored = memref.StoreOp.get(access.value, new, indices)
            access.parent_block().insert_op_before(stored, access)  # type: ignore[union-attr]
        access.detach()
        access.erase()
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


def box_region_writes(region: dato.RegionOp, least_bytes: int = DISJOINT_BYTES) -> list[str]:
    """Rewrite the shared outputs of more than `least_bytes` whose writers
    each store a whole, contiguous box (npu_write_boxes), at an offset affine
    in the pid, to blocks of the box's shape: the instances then write
    disjoint blocks of an ordinary sharded output, and a core no longer
    keeps a buffer of the whole array for a body that stores one column of
    it (a systolic PE's column of C). Only arrays no group loads (their
    writers use them by element stores alone). The groups rewritten, as
    `group:k`."""
    writes: dict[str, list[bool]] = {
        g.sym_name.data: [arg_access(a, host_copy=False)[1] for a in g.body.block.args]
        for g in region.groups()
    }
    shared = shared_write_boxes(region, writes)
    by_array: dict[int, list[tuple[dato.GroupOp, int]]] = {}
    groups = {g.sym_name.data: g for g in region.groups()}
    for (name, k), _ in shared.items():
        group = groups[name]
        by_array.setdefault(list(region.args).index(group.args[k]), []).append((group, k))
    done: list[str] = []
    for index, writers in by_array.items():
        t = region.args[index].type
        if not isinstance(t, MemRefType) or memref_bytes(t) <= least_bytes:
            continue
        users = [
            (g, j)
            for g in region.groups()
            for j, found in enumerate(g.args)
            if found is region.args[index] and g.body.block.args[j].uses
        ]
        if sorted((g.sym_name.data, j) for g, j in users) != sorted(
            (g.sym_name.data, j) for g, j in writers
        ):
            continue  # another group uses it otherwise than these stores
        plans: list[tuple[dato.GroupOp, int, dict[str, ReadBox], Fits]] = []
        for group, k in writers:
            boxes = shared[(group.sym_name.data, k)]
            if any(b.step or not b.whole for b in boxes.values()):
                break  # a strided lattice, or elements kept from the host: as before
            found = {n: ReadBox(b.offsets, b.shape) for n, b in boxes.items()}
            fits = [
                affine_in_pid(group, {n: b.offsets[d] for n, b in found.items()})
                for d in range(len(t.get_shape()))
            ]
            if any(f is None for f in fits):
                break
            plans.append((group, k, found, [f for f in fits if f is not None]))
        else:
            for group, k, found, fits in plans:
                _rewrite(group, k, found, fits)
                done.append(f"{group.sym_name.data}:{k}")
    return done


def _boxed_shape(region: dato.RegionOp, operand: SSAValue) -> tuple[int, ...] | None:
    """The one box shape every group using the array holds of it, when
    smaller than the array (all its users were boxed alike)."""
    t = operand.type
    if not isinstance(t, MemRefType):
        return None
    shapes = {
        tuple(g.body.block.args[j].type.get_shape())  # type: ignore[attr-defined]
        for g in region.groups()
        for j, found in enumerate(g.args)
        if found is operand and g.body.block.args[j].uses
    }
    if len(shapes) != 1 or shapes == {tuple(t.get_shape())}:
        return None
    return shapes.pop()


def _shrink_unused(region: dato.RegionOp, operand: SSAValue, shape: tuple[int, ...]) -> None:
    """Groups that take the array but never touch it (a systolic loader
    given B and C) hold none of it: their body argument takes the box's type
    too (its offsets stay in bounds), so nothing counts or pads a whole
    copy for them."""
    t = operand.type
    assert isinstance(t, MemRefType)
    for group in region.groups():
        body = group.body.block
        for j, found in enumerate(group.args):
            arg = body.args[j]
            if found is not operand or arg.uses or arg.type != t:
                continue
            offsets = [inst.offsets[j] for inst in group.instances()]
            if any(
                o + n > m
                for offs in offsets
                for o, n, m in zip(offs, shape, t.get_shape(), strict=True)
            ):
                continue
            new = body.insert_arg(MemRefType(t.element_type, shape), j)
            new.name_hint = arg.name_hint
            body.erase_arg(arg)


@dataclass(frozen=True)
class NpuReadBoxesPass(ModulePass):
    """Move only the part of a whole array an instance loads into its tile."""

    name = "dato-npu-read-boxes"

    whole_bytes: int = WHOLE_BYTES
    """Arrays up to this size move whole (`WHOLE_BYTES`)."""
    disjoint_bytes: int = DISJOINT_BYTES
    """Arrays up to this size move whole even when the instances' boxes are
    disjoint (`DISJOINT_BYTES`); shared outputs up to it keep their boxes
    in a whole buffer."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for region in [o for o in op.walk() if isinstance(o, dato.RegionOp)]:
            box_region_writes(region, self.disjoint_bytes)
            written = _written_anywhere(region)
            for group in list(region.groups()):
                box_group_reads(region, group, self.whole_bytes, written, self.disjoint_bytes)
            for arg in region.args:
                boxed = _boxed_shape(region, arg)
                if boxed is not None:
                    _shrink_unused(region, arg, boxed)


__all__ = [
    "NpuReadBoxesPass",
    "ReadBox",
    "affine_in_pid",
    "box_group_reads",
    "disjoint",
    "read_boxes",
]
