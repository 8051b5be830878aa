"""`dato-npu-slice-boxes`: a task that reads its host argument only
through one slice placed by its pid (`a[i * MB : (i + 1) * MB, kk * KB :
(kk + 1) * KB]`) takes that slice as its block, like a sharded argument.

A node of a Cannon torus copying its skewed block of a replicated A (the
block's column `kk = (i + j) % P`) had the whole of A in its core: 64 KiB
for a 128x128 int32 A on 4x4, refused. dato-npu-read-boxes boxes element
loads whose box offset is affine in the pid; a slice whose offset is any
function of the pid (a remainder, a product of pids) is boxed here instead:
its offsets are evaluated for each instance (constants, pids, `arith`
integer ops), the body argument takes the slice's shape, each instance's
offsets move to its slice, and the slice becomes the argument itself.

Conditions: the argument is a host array no task of the region writes,
every use of it in the body is one view with unit strides, static sizes and
the body's own rank, all at the same offsets in each instance (the same
block), the offsets evaluate for every instance, and a block's rows are
whole 32-bit DMA words (its last offset and width). Only where moving
blocks pays, as read-boxes decides it: arrays over `whole_bytes`, or over
`disjoint_bytes` when no two instances' blocks overlap."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, memref
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    DenseArrayBase,
    IntegerAttr,
    MemRefType,
    ModuleOp,
    i64,
)
from xdsl.ir import BlockArgument, SSAValue
from xdsl.passes import ModulePass

from dato_xdsl.dialects import dato
from dato_xdsl.dialects.aie import element_bits, memref_bytes
from dato_xdsl.transforms.npu_read_boxes import (
    DISJOINT_BYTES,
    WHOLE_BYTES,
    ReadBox,
    _written_anywhere,
    disjoint,
)

WORD_BITS = 32
MAX_DEPTH = 32
_PREDICATES: dict[int, Callable[[int, int], bool]] = {
    0: lambda a, b: a == b,
    1: lambda a, b: a != b,
    2: lambda a, b: a < b,
    3: lambda a, b: a <= b,
    4: lambda a, b: a > b,
    5: lambda a, b: a >= b,
}
"""arith.cmpi's signed predicates (eq, ne, slt, sle, sgt, sge) by number;
the unsigned ones are not evaluated."""


def _eval(v: SSAValue, env: dict[SSAValue, int], depth: int = 0) -> int | None:
    """The value of index `v` in an instance (`env`: its pids), or None."""
    if v in env:
        return env[v]
    if depth > MAX_DEPTH or isinstance(v, BlockArgument):
        return None
    owner = v.owner
    if isinstance(owner, arith.ConstantOp) and isinstance(owner.value, IntegerAttr):
        return owner.value.value.data
    if isinstance(owner, arith.IndexCastOp):
        return _eval(owner.input, env, depth + 1)
    if isinstance(owner, arith.SelectOp):
        # Python's `%` of a pid expression: a remainder made non-negative
        cond = _eval(owner.cond, env, depth + 1)
        if cond is None:
            return None
        return _eval(owner.lhs if cond else owner.rhs, env, depth + 1)
    if isinstance(owner, arith.CmpiOp):
        lhs = _eval(owner.lhs, env, depth + 1)
        rhs = _eval(owner.rhs, env, depth + 1)
        test = _PREDICATES.get(owner.predicate.value.data)
        if lhs is None or rhs is None or test is None:
            return None
        return int(test(lhs, rhs))
    binary = (
        arith.AddiOp,
        arith.SubiOp,
        arith.MuliOp,
        arith.RemSIOp,
        arith.RemUIOp,
        arith.DivSIOp,
        arith.DivUIOp,
        arith.FloorDivSIOp,
    )
    if not isinstance(owner, binary):
        return None
    lhs = _eval(owner.lhs, env, depth + 1)
    rhs = _eval(owner.rhs, env, depth + 1)
    if lhs is None or rhs is None:
        return None
    if isinstance(owner, arith.AddiOp):
        return lhs + rhs
    if isinstance(owner, arith.SubiOp):
        return lhs - rhs
    if isinstance(owner, arith.MuliOp):
        return lhs * rhs
    if rhs == 0:
        return None
    if isinstance(owner, arith.RemSIOp | arith.RemUIOp):
        # C semantics (the sign of the dividend); pids are non-negative
        return lhs - rhs * int(lhs / rhs) if lhs < 0 or rhs < 0 else lhs % rhs
    if isinstance(owner, arith.FloorDivSIOp):
        return lhs // rhs
    return int(lhs / rhs) if lhs < 0 or rhs < 0 else lhs // rhs


def _view_offsets(view: memref.SubviewOp, env: dict[SSAValue, int]) -> tuple[int, ...] | None:
    dynamic = iter(view.offsets)
    out: list[int] = []
    for off in view.static_offsets.get_values():
        value = _eval(next(dynamic), env) if off == DYNAMIC_INDEX else off
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
    arg = group.body.block.args[k]
    t = arg.type
    if not isinstance(t, MemRefType) or not arg.uses:
        return None
    views: list[memref.SubviewOp] = []
    for use in arg.uses:
        view = use.operation
        if not isinstance(view, memref.SubviewOp) or view.source is not arg:
            return None
        views.append(view)
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
    values = group.pid_values()
    out: dict[str, tuple[int, ...]] = {}
    bits = element_bits(t.element_type)
    for inst in group.instances():
        env = group.pid_env(inst, values)
        found = {_view_offsets(view, env) for view in views}
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
