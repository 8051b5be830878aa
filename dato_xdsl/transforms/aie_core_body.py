"""What every builder of an `aie.core` body needs: ops appended to the current
block, index constants, tile buffers placed before the core, and single-object
objectfifo acquires and releases. The general lowering (lower_to_aie) and the
vector GEMM design (npu_gemm_design) build their cores on it."""

from __future__ import annotations

from xdsl.dialects import arith
from xdsl.dialects.builtin import IndexType, IntegerAttr, MemRefType
from xdsl.ir import Attribute, Block, Operation, SSAValue

from dato_xdsl.dialects import aie


class CoreBody:
    """Appends to `block` (a core body, or a loop body inside it); buffers go
    into `device_body` before `anchor`, on `tile`."""

    def __init__(self, tile: SSAValue, block: Block, device_body: Block, anchor: Operation) -> None:
        self.tile = tile
        self.block = block
        self.device_body = device_body
        self.anchor = anchor

    def emit(self, op: Operation) -> Operation:
        self.block.add_op(op)
        return op

    def const(self, value: int, t: Attribute | None = None) -> SSAValue:
        return self.emit(arith.ConstantOp(IntegerAttr(value, t or IndexType()))).results[0]

    def buffer(self, t: MemRefType) -> SSAValue:
        op = aie.BufferOp(self.tile, t)
        self.device_body.insert_op_before(op, self.anchor)
        return op.results[0]

    def acquire(self, fifo: str, port: str, t: MemRefType) -> SSAValue:
        sub = self.emit(aie.ObjectFifoAcquireOp(fifo, port, 1, t))
        return self.emit(aie.ObjectFifoSubviewAccessOp(sub.results[0], 0)).results[0]

    def release(self, fifo: str, port: str) -> None:
        self.emit(aie.ObjectFifoReleaseOp(fifo, port, 1))
