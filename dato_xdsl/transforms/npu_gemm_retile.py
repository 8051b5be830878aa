"""`dato-npu-retile-gemm`: cut a GEMM task's output block until it fits a core.

A user maps `c[:, :] = matmul(a, b)` on a grid that suits the problem (4x4 for
a 1024^3 GEMM), and each instance's C block (256x256 int16: 128 KiB) is more
than a compute tile's data memory holds, whatever K tile physical mapping
streams. The instances of such a task are independent: each computes its C
block from its rows of A and its columns of B, and a sub-block of C is the
same dot products over the same K order. So the task's grid is refined by
(r, s) -- instance (i, j) becomes the r x s instances (i*r + u, j*s + v)
computing its sub-blocks -- until a C block and its accumulator fit with room
for double-buffered A/B tiles; physical mapping then folds the finer grid
onto the cores as it folds any large grid. Results are bit for bit those of
the user's grid (integers and floats alike: the same sums in the same order).

Only groups whose body is exactly a GEMM are cut: block arguments A (m x K),
B (K x n) and C (m x n), and a body of `memref.alloc`, `arith.constant`,
`linalg.fill`, one `linalg.matmul` of A and B, and `memref.copy` into C, with
no stream ports and no pid. A group named by a mapping primitive (the user's
bundles and chains name its instances) is left as written. The chosen cut is
kept in the IR on the group (`dato.retiled = [r, s]`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import memref
from xdsl.dialects.builtin import ArrayAttr, BFloat16Type, IntegerAttr, MemRefType, ModuleOp, i64
from xdsl.ir import Block, SSAValue
from xdsl.passes import ModulePass

from dato_xdsl import devices
from dato_xdsl.dialects import dato
from dato_xdsl.dialects.aie.common import element_bytes
from dato_xdsl.transforms.npu_chain_search import folded_instances
from dato_xdsl.transforms.npu_plan import StreamedMatmul, streamed_matmul

RETILED = "dato.retiled"
"""On a cut group: [r, s], the factors its grid was refined by."""

AB_ROOM = 8 * 1024
"""Bytes left for the double-buffered A/B K tiles beside the C block."""


def _gemm_of(group: dato.GroupOp) -> StreamedMatmul | None:
    """The body's GEMM if it is exactly one into an argument (npu_plan's
    streamed matmul: alloc, fill, matmul of two arguments, copy into the
    third), on a 2-D grid with no stream ports."""
    if group.ports.data or len(group.grid.data) != 2:
        return None
    return streamed_matmul(group.body.block)


def _c_bytes(group: dato.GroupOp, g: StreamedMatmul, m: int, n: int) -> int:
    """A C block, plus a float32 accumulator for bf16 C (physical mapping
    adds it when K is streamed). The GEMM design accumulates into C's fifo
    object, so this is what a core holds beside its A/B tiles."""
    t = group.body.block.args[g.c].type
    assert isinstance(t, MemRefType)
    f32 = 4 * m * n if isinstance(t.element_type, BFloat16Type) else 0
    return m * n * element_bytes(t) + f32


def choose_cut(group: dato.GroupOp, g: StreamedMatmul, budget: int) -> tuple[int, int] | None:
    """(r, s) for the largest sub-block (squarest on ties) that fits, None
    when the block fits as it is or no cut does."""
    if _c_bytes(group, g, g.m, g.n) <= budget - AB_ROOM:
        return None
    best: tuple[int, int, int, int] | None = None  # (area, -skew, r, s)
    for r in (d for d in range(1, g.m + 1) if g.m % d == 0):
        for s in (d for d in range(1, g.n + 1) if g.n % d == 0):
            bm, bn = g.m // r, g.n // s
            if _c_bytes(group, g, bm, bn) > budget - AB_ROOM:
                continue
            key = (bm * bn, -abs(bm - bn), r, s)
            if best is None or key[:2] > best[:2]:
                best = key
    return None if best is None else (best[2], best[3])


def retile(group: dato.GroupOp, g: StreamedMatmul, r: int, s: int) -> None:
    """Refine the group's grid by (r, s) in place (module docstring)."""
    old = group.body.block
    bm, bn = g.m // r, g.n // s
    types = []
    for k, arg in enumerate(old.args):
        t = arg.type
        assert isinstance(t, MemRefType)
        shape = list(t.get_shape())
        if k in (g.a, g.c):
            shape[0] = bm
        if k in (g.b, g.c):
            shape[1] = bn
        types.append(MemRefType(t.element_type, shape))
    new = Block(arg_types=types)
    values: dict[SSAValue, SSAValue] = dict(zip(old.args, new.args, strict=True))
    for arg, fresh in zip(old.args, new.args, strict=True):
        fresh.name_hint = arg.name_hint
    for op in old.ops:
        if isinstance(op, memref.AllocOp):
            t = op.memref.type
            fresh_op = memref.AllocOp.get(t.element_type, shape=[bm, bn])
            fresh_op.attributes |= op.attributes
            values[op.memref] = fresh_op.memref
            fresh_op.memref.name_hint = op.memref.name_hint
        else:
            fresh_op = op.clone(value_mapper=values)
            for a, b in zip(op.results, fresh_op.results, strict=True):
                values[a] = b
        new.add_op(fresh_op)
    rows = []
    for inst in group.instances():
        i, j = inst.pid
        for u in range(r):
            for v in range(s):
                offsets = [list(o) for o in inst.offsets]
                offsets[g.a][0] += u * bm
                offsets[g.c][0] += u * bm
                offsets[g.b][1] += v * bn
                offsets[g.c][1] += v * bn
                rows.append(((i * r + u, j * s + v), offsets, []))
    rows.sort(key=lambda row: row[0])  # pids row-major: the simulator's order
    P0, P1 = group.grid_shape
    fresh_group = dato.GroupOp(
        group.sym_name.data,
        group.task.data,
        [P0 * r, P1 * s],
        list(group.args),
        [],
        rows,
        new,
    )
    fresh_group.attributes |= group.attributes
    fresh_group.attributes[RETILED] = ArrayAttr([IntegerAttr(r, i64), IntegerAttr(s, i64)])
    parent = group.parent_block()
    assert parent is not None
    parent.insert_op_before(fresh_group, group)
    group.detach()
    group.erase()


def retile_region(region: dato.RegionOp, device: devices.NpuDevice) -> list[str]:
    """Cut every GEMM group that needs it; the groups cut, as `name r x s`."""
    budget = device.compute.data_memory_bytes - devices.DEFAULT_CORE_STACK_BYTES
    named = folded_instances(region)
    done = []
    for group in list(region.groups()):
        if any(inst.name in named for inst in group.instances()):
            continue
        g = _gemm_of(group)
        cut = None if g is None else choose_cut(group, g, budget)
        if g is None or cut is None:
            continue
        retile(group, g, *cut)
        done.append(f"{group.sym_name.data} {cut[0]}x{cut[1]}")
    return done


@dataclass(frozen=True)
class NpuRetileGemmPass(ModulePass):
    """Refine GEMM task grids whose C blocks do not fit a compute tile."""

    name = "dato-npu-retile-gemm"

    device: str = "npu1"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        model = devices.lookup(self.device)
        if model is None:
            return  # dato-physical-map names the unknown device
        for region in [o for o in op.walk() if isinstance(o, dato.RegionOp)]:
            retile_region(region, model)


__all__: Sequence[str] = ["RETILED", "NpuRetileGemmPass", "choose_cut", "retile_region"]
