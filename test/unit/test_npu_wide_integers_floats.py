"""Conversions between floats (float32, bfloat16) and integers wider than
64 bits on the NPU: integer operations on the float's bits (no compiler-rt
128-bit builtin, which the 32-bit AIE lacks), equal to the simulator and to
an independent reference: an integer becomes the float nearest it, rounded
once (ties to even; an exact fraction comparison, not numpy's cast, which
goes through f64 or f32 first); a float is truncated towards zero,
out-of-range values saturate and NaN gives 0."""

import math

import ml_dtypes
import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Int, UInt
from test.unit.float_reference import L, convert_region, nearest_float, run_both


def int_values(n: int, unsigned: bool) -> list[int]:
    """Edges, exact powers, halfway cases of f64 (ties to even up and down,
    just above and below a tie) and of float32 after it."""
    top = (1 << n) - 1 if unsigned else (1 << (n - 1)) - 1
    low = 0 if unsigned else -(1 << (n - 1))
    tie = (1 << 80) + (1 << 27)  # halfway between f64 neighbours, even below
    vals = [top, low, 0, 1, top // 3, (1 << 64) - 1, 1 << 64, tie, tie + (1 << 28), tie + 1]
    vals += [(1 << 80) + (1 << 56) + 1, (1 << 60) + 12345, 3 << 62, top - (1 << 20)]
    vals += [-(tie + 1), -((1 << 70) + 7)]
    return [v for v in vals if low <= v <= top]


@pytest.mark.parametrize("n, unsigned", [(65, False), (100, True), (128, False), (128, True)])
def test_wide_integers_to_float32_round_once(n, unsigned):
    """Rounded once: numpy's float32 of a Python int (through f64) gave
    2^80 for 2^80 + 2^56 + 1 (f64 makes it a tie) where the nearest float32
    is 2^80 + 2^57."""
    T = UInt(n) if unsigned else Int(n)
    vals = int_values(n, unsigned)
    vals += [0] * (L - len(vals))
    A = np.array(vals, dtype=object)
    B = run_both(convert_region(T, dato.float32), A, np.zeros(L, np.float32))
    assert [repr(nearest_float(v, np.float32)) for v in vals] == [repr(b) for b in B]


@pytest.mark.parametrize("n, unsigned", [(100, False), (128, True)])
def test_wide_integers_to_bfloat16(n, unsigned):
    """Every magnitude, 2^63 and more too (the simulator failed on those:
    ml_dtypes takes only int64), rounded once (not through f32)."""
    T = UInt(n) if unsigned else Int(n)
    vals = int_values(n, unsigned)[:10]
    # a bf16 tie, just above one (which an f32 step made a tie), 8 bits
    vals += [(1 << 40) + (1 << 32), (1 << 40) + (1 << 32) + 1, 255 << 50, 257 << 50]
    vals += [(1 << 98) + (1 << 90) + 1, -((1 << 90) + (3 << 82))]
    vals = [v for v in vals if v >= 0 or not unsigned]
    vals += [0] * (L - len(vals))
    A = np.array(vals, dtype=object)
    B = run_both(convert_region(T, dato.bfloat16), A, np.zeros(L, ml_dtypes.bfloat16))
    assert [repr(nearest_float(v, ml_dtypes.bfloat16)) for v in vals] == [repr(b) for b in B]


def saturated(f: float, n: int, unsigned: bool) -> int:
    """`f` truncated towards zero, clamped to the n-bit range (so an unsigned
    result is already its n-bit pattern); NaN is 0."""
    lo, hi = (0, (1 << n) - 1) if unsigned else (-(1 << (n - 1)), (1 << (n - 1)) - 1)
    if math.isnan(f):
        return 0
    return min(max(math.trunc(f) if math.isfinite(f) else (hi if f > 0 else lo), lo), hi)


@pytest.mark.parametrize("n, unsigned", [(65, False), (100, True), (128, False), (128, True)])
def test_float32_to_wide_integers_truncate_and_saturate(n, unsigned):
    T = UInt(n) if unsigned else Int(n)
    edge = float(1 << (n - 1 if not unsigned else n))
    vals = [0.0, -0.0, 1.5, -1.5, 0.75, -2.5e-30, 3.0e38, -3.0e38, np.inf, -np.inf, np.nan]
    vals += [
        edge,
        -edge,
        np.nextafter(np.float32(min(edge, 2.0**127)), np.float32(0)),
        2.0**64 + 2.0**50,
        -(2.0**70),
    ]
    with np.errstate(over="ignore"):  # 2^128: infinity in f32
        A = np.array(vals, dtype=np.float32)
    B = run_both(convert_region(dato.float32, T), A, np.zeros(L, dtype=object))
    assert list(B) == [saturated(float(f), n, unsigned) for f in A]


@pytest.mark.parametrize("n, unsigned", [(100, False), (128, True)])
def test_bfloat16_to_wide_integers(n, unsigned):
    """bf16 widens exactly to f32 first; the same truncation and saturation."""
    T = UInt(n) if unsigned else Int(n)
    vals = [0.0, 2.5, -2.5, 255.0 * 2.0**60, -(2.0**99), 2.0**99, 2.0**127, -(2.0**127)]
    vals += [np.inf, -np.inf, np.nan, 1.0e-20, -7.75, 3.0e38, 2.0**64, 2.0**98 * 1.5]
    A = np.array(vals, dtype=ml_dtypes.bfloat16)
    B = run_both(convert_region(dato.bfloat16, T), A, np.zeros(L, dtype=object))
    assert list(B) == [saturated(float(f), n, unsigned) for f in A]
