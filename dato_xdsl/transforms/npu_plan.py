"""What a mapped dato region asks of an NPU, before any tile is chosen.

Shared by physical mapping (which checks it against the device model and places
processing elements) and the aie lowering (which emits it): per instance, which
region arguments it reads and writes, whether its body is the tiled-GEMM shape
whose K dimension can stream through the DMA, the local buffers it allocates,
and the streams it puts and gets."""

from __future__ import annotations

from dataclasses import dataclass, field

from xdsl.dialects import arith, memref
from xdsl.dialects.builtin import MemRefType
from xdsl.dialects.linalg import ops as linalg
from xdsl.ir import Block, BlockArgument, Operation, SSAValue

from dato_xdsl.dialects import dato
from dato_xdsl.dialects.aie import memref_bytes


def _views(arg: SSAValue) -> list[SSAValue]:
    """The argument and every subview taken of it (transitively)."""
    out = [arg]
    for use in arg.uses:
        if isinstance(use.operation, memref.SubviewOp):
            out += _views(use.operation.results[0])
    return out


def arg_access(arg: BlockArgument) -> tuple[bool, bool]:
    """(read, written) for a task body argument."""
    read = written = False
    for view in _views(arg):
        for use in view.uses:
            op = use.operation
            if isinstance(op, memref.LoadOp):
                read = True
            elif isinstance(op, memref.StoreOp):
                written = written or op.memref is view
                read = read or op.value is view
            elif isinstance(op, memref.CopyOp):
                read = read or op.source is view
                written = written or op.destination is view
            elif isinstance(op, linalg.MatmulOp):
                if view in op.inputs:
                    read = True
                else:
                    read = written = True  # matmul accumulates into its output
            elif isinstance(op, linalg.FillOp):
                written = True
            elif isinstance(op, dato.PutOp):
                read = True
            elif hasattr(op, "inputs") and hasattr(op, "outputs"):
                if view in op.inputs:  # type: ignore[attr-defined]
                    read = True
                if view in op.outputs:  # type: ignore[attr-defined]
                    written = True
            elif not isinstance(op, memref.SubviewOp):
                read = written = True  # unknown use: assume both
    return read, written


@dataclass
class StreamedMatmul:
    """`c[:, :] = matmul(a, b)` on body arguments: a, b and c are argument
    indices; K can be split so A and B tiles stream through the DMA while the
    core accumulates straight into its output buffer."""

    a: int
    b: int
    c: int
    m: int
    k: int
    n: int


def streamed_matmul(body: Block) -> StreamedMatmul | None:
    ops = [op for op in body.ops if not isinstance(op, arith.ConstantOp)]
    if len(ops) != 4:
        return None
    alloc, fill, mm, copy = ops
    if not (
        isinstance(alloc, memref.AllocOp)
        and isinstance(fill, linalg.FillOp)
        and isinstance(mm, linalg.MatmulOp)
        and isinstance(copy, memref.CopyOp)
    ):
        return None
    acc = alloc.results[0]
    args = list(body.args)
    a, b = mm.inputs
    if (
        fill.outputs[0] is not acc
        or mm.outputs[0] is not acc
        or copy.source is not acc
        or a not in args
        or b not in args
        or copy.destination not in args
    ):
        return None
    at, bt = a.type, b.type
    assert isinstance(at, MemRefType) and isinstance(bt, MemRefType)
    m, k = at.get_shape()
    n = bt.get_shape()[1]
    return StreamedMatmul(args.index(a), args.index(b), args.index(copy.destination), m, k, n)


def local_buffers(body: Block, skip: set[Operation] | None = None) -> int:
    """Bytes of the buffers a body allocates (one copy each: a loop reuses it)."""
    total = 0
    for op in body.walk():
        if skip and op in skip:
            continue
        if isinstance(op, memref.AllocOp | memref.AllocaOp):
            t = op.results[0].type
            assert isinstance(t, MemRefType)
            total += memref_bytes(t)
        elif isinstance(op, dato.GetOp) and isinstance(op.result.type, MemRefType):
            total += memref_bytes(op.result.type)  # a block got is copied out of the fifo
    return total


@dataclass
class GroupPlan:
    """The per-instance facts of one group (identical for all its rows)."""

    group: dato.GroupOp
    reads: list[bool]
    writes: list[bool]
    matmul: StreamedMatmul | None
    local_bytes: int
    puts: dict[str, MemRefType | None] = field(default_factory=dict)
    gets: dict[str, MemRefType | None] = field(default_factory=dict)


def plan_group(group: dato.GroupOp) -> GroupPlan:
    body = group.body.block
    access = [arg_access(a) for a in body.args]
    mm = streamed_matmul(body)
    skip = {op for op in body.ops if isinstance(op, memref.AllocOp)} if mm else None
    plan = GroupPlan(
        group,
        [r for r, _ in access],
        [w for _, w in access],
        mm,
        local_buffers(body, skip),
    )
    for op in body.walk():
        if isinstance(op, dato.PutOp | dato.GetOp):
            name = op.stream.root_reference.data
            t = op.value.type if isinstance(op, dato.PutOp) else op.result.type
            (plan.puts if isinstance(op, dato.PutOp) else plan.gets)[name] = (
                t if isinstance(t, MemRefType) else None
            )
    return plan
