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


__all__ = ["Dims", "memcpy_nd", "outside", "walk"]
