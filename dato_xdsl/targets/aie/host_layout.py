"""The host side of an NPU design's buffers: the user's arrays laid out as the
design reads them before a run, and read back out after it.

Two passes change that layout: physical mapping pads int8/int16 block rows
that are not whole 32-bit DMA words (`dato.padded_rows`: every block row of L
elements takes Lp, the padding zero), and dato-npu-pack-buffers packs the
(padded) arrays into the xclbin's five buffers. Both the virtual NPU run
(AieModule.run) and the project's run.py on real hardware call these two
functions, so the layouts cannot drift: the project copies this file beside
run.py, which therefore imports nothing but numpy (no dato_xdsl)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

import numpy as np


class Layout(TypedDict):
    """Plain data (run.py holds it as a literal)."""

    padding: dict[int, tuple[int, int]]
    """array -> (L, Lp): its block rows of L elements travel as Lp"""
    packing: list[list[tuple[int, int]]] | None
    """per buffer, (array, element offset) pairs; None: one buffer per array"""
    sizes: list[int] | None
    """each packed buffer's element count"""


def _padded_shape(shape: Sequence[int], rows: tuple[int, int]) -> tuple[int, ...]:
    length, padded = rows
    return (*shape[:-1], shape[-1] // length * padded)


def to_buffers(layout: Layout, arrays: Sequence[np.ndarray]) -> list[np.ndarray]:
    """The buffers the design takes, in its runtime sequence's order. An array
    neither padded nor packed is passed as it is (the run writes into it)."""
    wide = []
    for k, a in enumerate(arrays):
        rows = layout["padding"].get(k)
        if rows is None:
            wide.append(a)
            continue
        length, padded = rows
        blocks = a.reshape(*a.shape[:-1], a.shape[-1] // length, length)
        out = np.zeros((*blocks.shape[:-1], padded), a.dtype)
        out[..., :length] = blocks
        wide.append(out.reshape(_padded_shape(a.shape, rows)))
    packing, sizes = layout["packing"], layout["sizes"]
    if packing is None or sizes is None:
        return wide
    buffers = []
    for group, size in zip(packing, sizes, strict=True):
        buffer = np.zeros(size, dtype=wide[group[0][0]].dtype)
        for k, at in group:
            flat = np.ascontiguousarray(wide[k]).reshape(-1)
            buffer[at : at + flat.size] = flat
        buffers.append(buffer)
    return buffers


def from_buffers(
    layout: Layout, buffers: Sequence[np.ndarray], arrays: Sequence[np.ndarray]
) -> None:
    """Write the run's results (`buffers`, as `to_buffers` laid them out) back
    into the user's arrays: unpack, then keep the L elements of each block row."""
    padding = layout["padding"]
    shapes = [
        _padded_shape(a.shape, padding[k]) if k in padding else a.shape
        for k, a in enumerate(arrays)
    ]
    packing = layout["packing"]
    if packing is None:
        wide = [
            b if b is a else b.reshape(s) for b, a, s in zip(buffers, arrays, shapes, strict=True)
        ]
    else:
        wide = [np.empty(0)] * len(arrays)
        for group, buffer in zip(packing, buffers, strict=True):
            for k, at in group:
                count = int(np.prod(shapes[k]))
                wide[k] = buffer[at : at + count].reshape(shapes[k])
    for k, (w, a) in enumerate(zip(wide, arrays, strict=True)):
        if w is a:
            continue  # passed as it is: the run already wrote it
        rows = padding.get(k)
        if rows is None:
            a[...] = w
            continue
        length, padded = rows
        blocks = w.reshape(*a.shape[:-1], a.shape[-1] // length, padded)
        a[...] = blocks[..., :length].reshape(a.shape)


__all__ = ["Layout", "from_buffers", "to_buffers"]
