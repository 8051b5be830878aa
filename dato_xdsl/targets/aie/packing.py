"""What dato-npu-pack-buffers decided, read back from the runtime sequence:
which arrays share which buffer at which offset. host_layout.py lays the
arrays out that way, for the virtual NPU and for run.py alike."""

from __future__ import annotations

from xdsl.dialects.builtin import MemRefType, ModuleOp

from dato_xdsl.dialects import aie
from dato_xdsl.transforms.npu_pack_buffers import read_packing

Packing = list[list[tuple[int, int]]]


def design_packing(ir: ModuleOp) -> tuple[Packing, list[int]] | None:
    """(per buffer, (array, element offset) pairs; each buffer's element
    count), or None when the design takes the arrays as they are."""
    for op in ir.walk():
        if isinstance(op, aie.RuntimeSequenceOp):
            packing = read_packing(op)
            if packing is None:
                return None
            sizes = []
            for arg in op.body.block.args:
                t = arg.type
                assert isinstance(t, MemRefType)
                sizes.append(t.get_shape()[0])
            return packing, sizes
    return None


__all__ = ["Packing", "design_packing"]
