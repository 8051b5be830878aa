"""`dato-npu-slice-boxes`: a task that reads its host argument only
through one slice placed by its pid (`a[i * MB : (i + 1) * MB, kk * KB :
(kk + 1) * KB]`) takes that slice as its block, like a sharded argument.

A node of a Cannon torus copying its skewed block of a replicated A (the
block's column `kk = (i + j) % P`) had the whole of A in its core: 64 KiB
for a 128x128 int32 A on 4x4, refused. dato-npu-read-boxes boxes element
loads whose box offset is affine in the pid; a slice whose offset is any
function of the pid (a remainder, a product of pids) is boxed here instead:
its offsets are evaluated for each instance (constants, pids, `arith`
integer ops: instance_trace's `StaticValues`, lenient), the body argument
takes the slice's shape, each instance's offsets move to its slice, and the
slice becomes the argument itself.

Conditions: the argument is a host array no task of the region writes,
every use of it in the body is one view with unit strides, static sizes and
the body's own rank, all at the same offsets in each instance (the same
block), the offsets evaluate for every instance, and a block's rows are
whole 32-bit DMA words (its last offset and width). Only where moving
blocks pays, as read-boxes decides it: arrays over `whole_bytes`, or over
`disjoint_bytes` when no two instances' blocks overlap."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import memref
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    DenseArrayBase,
    MemRefType,
    ModuleOp,
    i64,
)
from xdsl.ir import BlockArgument
from xdsl.passes import ModulePass

from dato_xdsl.dialects import dato
from dato_xdsl.dialects.aie import element_bits, memref_bytes
from dato_xdsl.transforms.instance_trace import Env, StaticValues
from dato_xdsl.transforms.npu_read_boxes import (
    DISJOINT_BYTES,
    WHOLE_BYTES,
    ReadBox,
    _written_anywhere,
    disjoint,
)
from dato_xdsl.transforms.npu_write_boxes import sole_users

WORD_BITS = 32


def _view_offsets(view: memref.SubviewOp, values: StaticValues, env: Env) -> tuple[int, ...] | None:
    dynamic = iter(view.offsets)
    out: list[int] = []
    for off in view.static_offsets.get_values():
        value = values.try_value(next(dynamic), env) if off == DYNAMIC_INDEX else off
        if value is None:
            return None
        out.append(value)
    return tuple(out)


def _boxes(
    group: dato.GroupOp, k: int
) -> tuple[list[memref.SubviewOp], list[int], dict[str, tuple[int, ...]]] | None:
    """The views of body argument `k`, their sizes and each instance's block
    offsets (in the array: the instance's slice offset plus the view's),
    when the argument may take the block (see the module)."""
    found = sole_users(group, k, memref.SubviewOp, lambda view, a: view.source is a)
    if found is None:
        return None
    t, views = found
    sizes = list(views[0].static_sizes.get_values())
    for view in views:
        vt = view.result.type
        if (
            list(view.static_sizes.get_values()) != sizes
            or any(s != 1 for s in view.static_strides.get_values())
            or not isinstance(vt, MemRefType)
            or len(vt.get_shape()) != len(sizes)
        ):
            return None
    if any(s == DYNAMIC_INDEX or s <= 0 for s in sizes):
        return None
    pids = group.pid_values()
    # lenient: a select (Python's `%`) need only have its taken side static
    values = StaticValues(set(pids), strict=False)
    out: dict[str, tuple[int, ...]] = {}
    bits = element_bits(t.element_type)
    for inst in group.instances():
        env = group.pid_env(inst, pids)
        found = {_view_offsets(view, values, env) for view in views}
        if len(found) != 1 or None in found:
            return None
        offs = found.pop()
        assert offs is not None
        if any(o < 0 or o + s > n for o, s, n in zip(offs, sizes, t.get_shape(), strict=True)):
            return None
        if offs[-1] * bits % WORD_BITS or sizes[-1] * bits % WORD_BITS:
            return None
        out[inst.name] = tuple(o + b for o, b in zip(inst.offsets[k], offs, strict=True))
    return views, sizes, out


def box_group_slices(
    region: dato.RegionOp,
    group: dato.GroupOp,
    written: set[int],
    whole_bytes: int = WHOLE_BYTES,
    disjoint_bytes: int = DISJOINT_BYTES,
) -> list[int]:
    """Give the group's arguments read through one pid-placed slice that
    block (see the module); the body argument indices rewritten."""
    done: list[int] = []
    for k in range(len(group.args)):
        operand = group.args[k]
        if not isinstance(operand, BlockArgument) or operand.owner is not region.body.block:
            continue
        if list(region.args).index(operand) in written:
            continue
        found = _boxes(group, k)
        if found is None:
            continue
        views, sizes, blocks = found
        t = group.body.block.args[k].type
        assert isinstance(t, MemRefType)
        array = memref_bytes(operand.type)  # type: ignore[arg-type]
        apart = disjoint({n: ReadBox(o, tuple(sizes)) for n, o in blocks.items()})
        if not (array > whole_bytes or (array > disjoint_bytes and apart)):
            continue
        body = group.body.block
        old = body.args[k]
        new = body.insert_arg(MemRefType(t.element_type, sizes), k)
        new.name_hint = old.name_hint
        for view in views:
            # the view is the whole block now: its users read the argument
            # (a strided view and the block have the same elements)
            view.result.replace_all_uses_with(new)
            view.detach()
            view.erase()
        flat: list[int] = []
        for inst in group.instances():
            for j, offs in enumerate(inst.offsets):
                flat += list(blocks[inst.name]) if j == k else list(offs)
        body.erase_arg(old)
        group.offsets = DenseArrayBase.from_list(i64, flat)
        done.append(k)
    return done


@dataclass(frozen=True)
class NpuSliceBoxesPass(ModulePass):
    """A host argument read through one pid-placed slice moves as that block."""

    name = "dato-npu-slice-boxes"

    whole_bytes: int = WHOLE_BYTES
    """Arrays up to this size move whole (read-boxes' `WHOLE_BYTES`)."""
    disjoint_bytes: int = DISJOINT_BYTES
    """Arrays up to this size move whole even when the blocks are disjoint."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for region in [o for o in op.walk() if isinstance(o, dato.RegionOp)]:
            written = _written_anywhere(region)
            for group in list(region.groups()):
                box_group_slices(region, group, written, self.whole_bytes, self.disjoint_bytes)


__all__ = ["NpuSliceBoxesPass", "box_group_slices"]
