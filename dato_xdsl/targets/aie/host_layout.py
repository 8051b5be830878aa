"""The host side of an NPU design's buffers: the user's arrays laid out as the
design reads them before a run, and read back out after it.

Two passes change that layout: physical mapping pads int8/int16 block rows
that are not whole 32-bit DMA words (`dato.padded_rows`: every block row of L
elements takes Lp, the padding zero), and dato-npu-pack-buffers packs the
(padded) arrays into the xclbin's five buffers. Both the virtual NPU run
(AieModule.run) and the project's run.py on real hardware call these two
functions, so the layouts cannot drift: the project copies this file beside
run.py, which therefore imports nothing but numpy (no dato_xdsl).

An int4 / uint4 array (numpy holds one value per byte) whose padding entry is
(L, Lp, signed) moves packed as AIE-ML stores int4: each block row of L values
becomes ceil(L / 2) bytes, value 2k in bits 3:0 of byte k and value 2k+1 in
bits 7:4, zero-padded to Lp bytes (npu_padding)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

import numpy as np


class Layout(TypedDict):
    """Plain data (run.py holds it as a literal)."""

    padding: dict[int, tuple[int, ...]]
    """array -> (L, Lp): its block rows of L elements travel as Lp; (L, Lp,
    signed): its block rows of L int4 (signed 1) / uint4 values as Lp bytes"""
    packing: list[list[tuple[int, int]]] | None
    """per buffer, (array, element offset) pairs; None: one buffer per array"""
    sizes: list[int] | None
    """each packed buffer's element count"""


def _padded_shape(shape: Sequence[int], rows: tuple[int, ...]) -> tuple[int, ...]:
    length, padded = rows[0], rows[1]
    return (*shape[:-1], shape[-1] // length * padded)


def _pack(blocks: np.ndarray, padded: int) -> np.ndarray:
    """Rows of L values (low nibbles used) as rows of `padded` bytes."""
    u = blocks.astype(np.uint8) & 0x0F
    if u.shape[-1] % 2:
        u = np.concatenate([u, np.zeros((*u.shape[:-1], 1), np.uint8)], axis=-1)
    out = np.zeros((*u.shape[:-1], padded), np.uint8)
    out[..., : u.shape[-1] // 2] = u[..., 0::2] | (u[..., 1::2] << 4)
    return out.view(blocks.dtype) if blocks.dtype.itemsize == 1 else out


def _unpack(rows: np.ndarray, length: int, signed: bool) -> np.ndarray:
    """Rows of packed bytes as rows of `length` values, sign- or zero-extended."""
    b = rows.view(np.uint8) if rows.dtype.itemsize == 1 else rows.astype(np.uint8)
    values = np.empty((*b.shape[:-1], 2 * b.shape[-1]), np.int16)
    values[..., 0::2] = b & 0x0F
    values[..., 1::2] = b >> 4
    values = values[..., :length]
    return values - ((values & 8) << 1) if signed else values


def to_buffers(layout: Layout, arrays: Sequence[np.ndarray]) -> list[np.ndarray]:
    """The buffers the design takes, in its runtime sequence's order. An array
    neither padded nor packed is passed as it is (the run writes into it)."""
    wide = []
    for k, a in enumerate(arrays):
        rows = layout["padding"].get(k)
        if rows is None:
            wide.append(a)
            continue
        length, padded = rows[0], rows[1]
        blocks = a.reshape(*a.shape[:-1], a.shape[-1] // length, length)
        if len(rows) == 3:
            wide.append(_pack(blocks, padded).reshape(_padded_shape(a.shape, rows)))
            continue
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
        length, padded = rows[0], rows[1]
        blocks = w.reshape(*a.shape[:-1], a.shape[-1] // length, padded)
        if len(rows) == 3:
            a[...] = _unpack(blocks, length, bool(rows[2])).reshape(a.shape)
            continue
        a[...] = blocks[..., :length].reshape(a.shape)


__all__ = ["Layout", "from_buffers", "to_buffers"]
