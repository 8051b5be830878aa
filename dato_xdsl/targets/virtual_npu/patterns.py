"""DMA access patterns as flat element indices.

A buffer descriptor walks its buffer as nested loops: dimensions outermost
first, each `<size, stride>` a loop of `size` steps of `stride` elements, the
innermost last. The walk is precomputed once as an int64 index array into the
flat (row-major) buffer, so a transfer is one numpy gather or scatter."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Dims = Sequence[tuple[int, int]]
"""(size, stride) pairs, outermost first."""


def walk(dims: Dims, base: int, length: int) -> np.ndarray:
    """Indices of a BD walk from `base`; without dimensions, `length`
    consecutive elements."""
    if not dims:
        return np.arange(base, base + length, dtype=np.int64)
    index = np.array([base], dtype=np.int64)
    for size, stride in dims:
        steps = np.arange(size, dtype=np.int64) * stride
        index = (index[:, None] + steps[None, :]).reshape(-1)
    return index


def walk_to_length(dims: Dims, base: int, length: int) -> np.ndarray:
    """An objectfifo transfer of `length` elements through `dims`: the hardware's
    outermost dimension has no wrap, so a pattern covering fewer elements than
    the object keeps stepping that dimension until the object is moved. A
    pattern covering the object or more is walked as written."""
    if not dims:
        return walk(dims, base, length)
    inner = 1
    for size, _ in dims[1:]:
        inner *= size
    covered = dims[0][0] * inner
    if covered >= length or inner == 0:
        return walk(dims, base, 0)
    outer = -(-length // inner)
    return walk([(outer, dims[0][1]), *dims[1:]], base, 0)[:length]


def walk_padded(dims: Dims, pads: Sequence[tuple[int, int]], base: int) -> np.ndarray:
    """A BD walk with constant padding (memtile MM2S): dimension i runs
    `before_i + size_i + after_i` steps, and a step in a padding range of any
    dimension sends the pad value instead of an element (index -1). Pads pair
    with the dimensions, outermost first, as `dims` does."""
    if len(pads) != len(dims):
        raise ValueError(f"{len(pads)} padding entries for {len(dims)} dimensions")
    index = np.array([base], dtype=np.int64)
    padded = np.array([False])
    for (size, stride), (before, after) in zip(dims, pads, strict=True):
        steps = np.arange(-before, size + after, dtype=np.int64)
        inside = (steps >= 0) & (steps < size)
        index = (index[:, None] + np.where(inside, steps, 0)[None, :] * stride).reshape(-1)
        padded = (padded[:, None] | ~inside[None, :]).reshape(-1)
    index[padded] = -1
    return index


def memcpy_nd(offsets: Sequence[int], sizes: Sequence[int], strides: Sequence[int]) -> np.ndarray:
    """Indices of an `aiex.npu.dma_memcpy_nd` (lists outermost first; the
    outermost size is the repeat count, its stride may be 0 to resend)."""
    # an offset counts in units of its dimension's stride; the innermost
    # stride is the element step, 1 when written as 0
    inner = strides[-1] or 1
    base = sum(o * s for o, s in zip(offsets[:-1], strides[:-1], strict=True))
    base += offsets[-1] * inner
    dims = [*zip(sizes[:-1], strides[:-1], strict=True), (sizes[-1], inner)]
    return walk(dims, base, 0)


def outside(index: np.ndarray, size: int) -> int | None:
    """The first index outside [0, size), if any."""
    if index.size == 0:
        return None
    lo, hi = int(index.min()), int(index.max())
    if lo < 0:
        return lo
    if hi >= size:
        return hi
    return None


__all__ = ["Dims", "memcpy_nd", "outside", "walk", "walk_padded", "walk_to_length"]
