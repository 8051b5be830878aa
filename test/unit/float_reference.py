"""Shared by the integer <-> float conversion tests: the exact rounding
reference (`nearest_float`), the integers that probe it (`edge_values`),
the one-task program that converts an array element by element
(`convert_region`) and the run on both the simulator and the virtual NPU
(`run_both`)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import ml_dtypes
import numpy as np

import dato_xdsl as dato

BF16 = ml_dtypes.bfloat16
_BITS = {np.float16: np.uint16, np.float32: np.uint32, np.float64: np.uint64, BF16: np.uint16}

L = 16
"""Elements of a converted array."""


def nearest_float(v: int, dtype: Any) -> Any:
    """The float of `dtype` nearest `v`: of the three neighbours of a rough
    guess (by bit pattern, which orders positive floats), the closest as an
    exact fraction; a tie picks the even pattern (its last significand bit is
    0). At or past the largest finite value plus half its ulp: infinity."""
    ubits = _BITS[dtype]
    top = np.array(ml_dtypes.finfo(dtype).max, dtype)
    below = np.array(int(top.view(ubits)) - 1, ubits).view(dtype)
    big = Fraction(float(top))
    ulp = big - Fraction(float(below))
    m = Fraction(abs(v))
    if m >= big + ulp / 2:
        return dtype(-np.inf if v < 0 else np.inf)
    with np.errstate(over="ignore"):
        guess = int(np.array(float(abs(v)), np.float64).astype(dtype).view(ubits))
    best: tuple[Fraction, int, int] | None = None
    for bits in (guess - 1, guess, guess + 1):
        if bits < 0:
            continue
        f = np.array(bits, ubits).view(dtype)[()]
        if not np.isfinite(f):
            continue
        key = (abs(Fraction(float(f)) - m), bits & 1, bits)
        best = key if best is None or key < best else best
    assert best is not None
    f = np.array(best[2], ubits).view(dtype)[()]
    return -f if v < 0 else f


def edge_values() -> list[int]:
    """Ties, just above and below them, for each float type's precision at
    several magnitudes, the powers and limits of the integer widths, and
    values past each type's range."""
    vals = [0, 1, -1, 3, 255, 257, -257, (1 << 24) + 1, (1 << 31) + (1 << 23) + 1]
    for top in (31, 40, 63, 80, 100, 127):
        for keep in (k for k in (8, 11, 24, 53) if k < top):
            tie = (1 << top) + (1 << (top - keep))
            odd_tie = (1 << top) + (3 << (top - keep))
            vals += [tie, tie + 1, tie - 1, odd_tie, odd_tie - 1, -tie - 1, -odd_tie]
    vals += [1 << 63, (1 << 63) - 1, (1 << 64) - 1, 1 << 64, -(1 << 63)]
    vals += [(1 << 80) + (1 << 56) + 1, (1 << 60) + (1 << 36) + 1, (1 << 60) + (1 << 29) + 1]
    vals += [1 << 127, -(1 << 127), (1 << 127) - 1, (1 << 128) - 1, (1 << 128) - (1 << 103)]
    vals += [(1 << 128) - (1 << 103) - 1, (1 << 128) - (1 << 119), -((1 << 128) - 1)]
    vals += [(1 << 128) - (1 << 120) - 1, 1 << 130, 65504, 65519, 65520, -65520]
    return [v for v in vals if abs(v) < 1 << 131]


def convert_region(T: Any, F: Any) -> Any:
    """One task assigning each element of an `L`-element T array to an
    F array: the conversion between the two types."""

    @dato.region()
    def top(A: T[L], B: F[L]):
        @dato.kernel(mapping=[1], args=[A, B])
        def k(a: T[L], b: F[L]):
            for i in range(L):
                b[i] = a[i]

    return top


def run_both(top: Any, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """The outputs of the simulator and the virtual NPU, asserted equal."""
    sim, npu = dst.copy(), dst.copy()
    dato.build(top)(src.copy(), sim)
    dato.build(top, target="aie")(src.copy(), npu)
    assert [repr(v) for v in sim] == [repr(v) for v in npu]
    return npu
