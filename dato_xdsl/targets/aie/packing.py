"""The host side of dato-npu-pack-buffers: the program's arrays laid into the
runtime sequence's buffers before a run and read back out after it. The
virtual NPU runs the packed buffers (the design's own arguments), and run.py
does the same with numpy on the NPU host (`runner_script`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
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


def pack(packing: Packing, sizes: Sequence[int], arrays: Sequence[np.ndarray]) -> list[np.ndarray]:
    """One zeroed buffer per entry, each array's elements (row-major) at its offset."""
    out = []
    for group, size in zip(packing, sizes, strict=True):
        buffer = np.zeros(size, dtype=arrays[group[0][0]].dtype)
        for k, at in group:
            flat = np.ascontiguousarray(arrays[k]).reshape(-1)
            buffer[at : at + flat.size] = flat
        out.append(buffer)
    return out


def unpack_into(
    packing: Packing, buffers: Sequence[np.ndarray], arrays: Sequence[np.ndarray]
) -> None:
    for group, buffer in zip(packing, buffers, strict=True):
        for k, at in group:
            target = arrays[k]
            target[...] = buffer[at : at + target.size].reshape(target.shape)


__all__ = ["Packing", "design_packing", "pack", "unpack_into"]
