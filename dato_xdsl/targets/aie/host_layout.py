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
bits 7:4, zero-padded to Lp bytes (npu_padding).

An i64 or i65..i128 array (`words`: array -> element bits; numpy int64 /
uint64, or an object array of Python ints above 64 bits) moves as 32-bit
words, W = ceil(bits / 32) per element, least significant first
(npu_wide_integers); read back, each element is the low `bits` bits of its
words as a two's complement value (the simulator's wrap-around).

The compiler-supplied arrays (`constants`: the values of constant tables too
big for a tile, which dato-npu-constant-inputs made the region's last
arguments) follow the user's arrays: both functions take the user's arrays
only and append those themselves, so the user's call is unchanged."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NotRequired, TypedDict

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
    words: dict[int, int]
    """array -> element bits: an i64 / i65..i128 array held as 32-bit words"""
    constants: NotRequired[list[np.ndarray]]
    """the compiler-supplied arrays, after the user's (run.py loads them
    from .npy files beside it)"""


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


def _word_count(bits: int) -> int:
    return -(-bits // 32)


def _to_words(a: np.ndarray, bits: int) -> np.ndarray:
    """An array's elements as 32-bit words, least significant first: its last
    dimension W times longer."""
    count = _word_count(bits)
    if a.dtype != object:  # int64 / uint64: the little-endian halves
        flat = np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).view("<i4")
        return flat.reshape(*a.shape[:-1], a.shape[-1] * count).astype(np.int32)
    out = np.empty((*a.shape, count), np.int64)
    for w in range(count):
        # Python ints: >> is arithmetic and & takes the two's complement word
        out[..., w] = ((a >> (32 * w)) & 0xFFFFFFFF).astype(np.int64)
    return out.astype(np.uint32).view(np.int32).reshape(*a.shape[:-1], a.shape[-1] * count)


def _from_words(words: np.ndarray, bits: int, like: np.ndarray) -> np.ndarray:
    """The elements of `like`'s shape and dtype the words hold (the low `bits`
    bits, two's complement)."""
    count = _word_count(bits)
    w = np.ascontiguousarray(words, np.int32).reshape(*like.shape, count)
    if like.dtype != object:
        return w.view("<i8").reshape(like.shape).astype(like.dtype)
    parts = w.view(np.uint32).astype(object)
    value = parts[..., 0]
    for k in range(1, count):
        value = value | (parts[..., k] << (32 * k))
    half = 1 << (bits - 1)
    return ((value + half) & ((1 << bits) - 1)) - half


def to_buffers(layout: Layout, arrays: Sequence[np.ndarray]) -> list[np.ndarray]:
    """The buffers the design takes, in its runtime sequence's order. An array
    neither padded nor packed is passed as it is (the run writes into it)."""
    arrays = [*arrays, *layout.get("constants", [])]
    words = layout.get("words", {})
    arrays = [_to_words(a, words[k]) if k in words else a for k, a in enumerate(arrays)]
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
    constants = layout.get("constants", [])
    if constants:  # read back into copies nobody keeps: they are read-only
        full = [*arrays, *(np.empty_like(c) for c in constants)]
        from_buffers({**layout, "constants": []}, buffers, full)  # type: ignore[typeddict-item]
        return
    words = layout.get("words", {})
    if words:
        held = [
            np.zeros((*a.shape[:-1], a.shape[-1] * _word_count(words[k])), np.int32)
            if k in words
            else a
            for k, a in enumerate(arrays)
        ]
        from_buffers({**layout, "words": {}}, buffers, held)  # type: ignore[typeddict-item]
        for k, bits in words.items():
            arrays[k][...] = _from_words(held[k], bits, arrays[k])
        return
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
