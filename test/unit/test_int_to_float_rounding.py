"""An integer converts to a float by one correctly rounded step (to nearest,
ties to even, past the largest finite value to infinity) at every width, as
C and HLS's ap_int convert: int64 and Int(65..128) agree, bfloat16 rounds
once (not through float32), and 2^63 and more convert without an error.

The reference is exact: the candidate floats around the value, compared
with it as fractions.Fraction."""

from typing import Any

import numpy as np
import pytest
from xdsl.dialects.builtin import BFloat16Type, Float16Type, Float32Type, Float64Type

import dato_xdsl as dato
from dato_xdsl import Int, UInt
from dato_xdsl.targets.simulator import semantics as sem
from test.unit.float_reference import (
    BF16,
    L,
    convert_region,
    edge_values,
    nearest_float,
    run_both,
)


def same(a: Any, b: Any) -> bool:
    """Equal values of one type (a float's repr names its sign and digits)."""
    return type(a) is type(b) and repr(a) == repr(b)


def test_reference_rounds_by_hand() -> None:
    """The reference on values worked out by hand: bf16 keeps 8 significant
    bits, f32 24."""
    assert float(nearest_float((1 << 40) + (1 << 32), BF16)) == 2.0**40  # tie, even below
    assert float(nearest_float((1 << 40) + (1 << 32) + 1, BF16)) == 2.0**40 + 2.0**33
    assert float(nearest_float((1 << 40) + (3 << 32), BF16)) == 2.0**40 + 2.0**34  # tie, even up
    assert float(nearest_float((1 << 60) + (1 << 36) + 1, np.float32)) == 2.0**60 + 2.0**37
    assert float(nearest_float((1 << 60) + (1 << 36), np.float32)) == 2.0**60
    assert np.isinf(nearest_float(1 << 128, np.float32))
    assert float(nearest_float((1 << 128) - (1 << 103) - 1, np.float32)) == float(
        np.finfo(np.float32).max
    )
    assert np.isinf(nearest_float((1 << 128) - (1 << 103), np.float32))  # tie: "even" is 2^128
    assert float(nearest_float(65519, np.float16)) == 65504.0
    assert np.isinf(nearest_float(65520, np.float16))


FLOATS = [
    (Float32Type(), np.float32),
    (BFloat16Type(), BF16),
    (Float16Type(), np.float16),
    (Float64Type(), np.float64),
]


@pytest.mark.parametrize("t, dtype", FLOATS, ids=["f32", "bf16", "f16", "f64"])
def test_simulator_rounds_each_integer_once(t: Any, dtype: Any) -> None:
    convert = sem.float_ctor(t)
    with np.errstate(over="ignore"):
        for v in edge_values():
            got, want = convert(v), nearest_float(v, dtype)
            assert same(got, want), (v, got, want)
            # an integer scalar from a numpy array rounds the same way
            if -(1 << 63) <= v < 1 << 63:
                assert same(convert(np.int64(v)), want), v


def test_simulator_floats_still_round_as_numpy() -> None:
    """A float (not an integer) given to the converter is numpy's cast."""
    assert same(sem.float_ctor(Float32Type())(0.1), np.float32(0.1))
    assert same(sem.float_ctor(BFloat16Type())(np.float32(1.5)), BF16(1.5))


# Values of int64 range that double rounding got wrong: a bf16 tie that the
# f32 step makes (above a tie in bf16), an f32 tie made by the f64 step.
NARROW = [
    (1 << 40) + (1 << 32) + 1,
    (1 << 31) + (1 << 23) + 1,
    -((1 << 62) + (1 << 54) + 1),
    (1 << 60) + (1 << 36) + 1,
    (1 << 60) + (1 << 36),
    (1 << 63) - 1,
    -(1 << 63),
    (1 << 62) + (3 << 54),
    (1 << 40) + (1 << 32),
    255 << 50,
    257 << 50,
    (1 << 62) + (1 << 38) + 1,
    123456789,
    -1,
    0,
    1 << 53,
]


@pytest.mark.parametrize(
    "T, F, dtype",
    [(dato.int64, dato.bfloat16, BF16), (dato.int64, dato.float32, np.float32)],
    ids=["i64-bf16", "i64-f32"],
)
def test_int64_rounds_once_on_simulator_and_npu(T: Any, F: Any, dtype: Any) -> None:
    B = run_both(convert_region(T, F), np.array(NARROW, np.int64), np.zeros(L, dtype))
    assert [repr(b) for b in B] == [repr(nearest_float(v, dtype)) for v in NARROW]


def test_uint64_at_and_past_2_63_converts_to_bfloat16() -> None:
    """A UInt(64) of 2^63 or more is a bfloat16 on both targets (it was a
    Python error in the simulator: "expected number, got int")."""
    vals = [(1 << 64) - 1, 1 << 63, (1 << 63) + (1 << 55) + 1, (1 << 63) + (1 << 55), 1 << 62]
    vals += [(1 << 64) - (1 << 56), (1 << 64) - (1 << 56) - 1, (1 << 63) + (3 << 55)]
    vals += [0] * (L - len(vals))
    A = np.array(vals, np.uint64)
    B = run_both(convert_region(UInt(64), dato.bfloat16), A, np.zeros(L, BF16))
    assert [repr(b) for b in B] == [repr(nearest_float(v, BF16)) for v in vals]


@pytest.mark.parametrize("width", [64, 65, 128])
def test_one_value_one_float_at_every_width(width: int) -> None:
    """The same integer gives the same bfloat16 and float32 as an int64, an
    Int(65) and an Int(128), on the virtual NPU (the simulator agrees)."""
    T = dato.int64 if width == 64 else Int(width)
    vals = NARROW
    src = np.array(vals, np.int64) if width == 64 else np.array(vals, dtype=object)
    for F, dtype in ((dato.bfloat16, BF16), (dato.float32, np.float32)):
        B = run_both(convert_region(T, F), src, np.zeros(L, dtype))
        assert [repr(b) for b in B] == [repr(nearest_float(v, dtype)) for v in vals]


def test_int32_to_bfloat16_rounds_once() -> None:
    """int32 values of more than 24 significant bits: through float32 the
    first two were ties (rounded to even: 2^30, -2^30) and the third lost
    its sticky bit; once rounded they go up."""
    vals = [(1 << 30) + (1 << 22) + 1, -((1 << 30) + (1 << 22) + 1), (1 << 25) + (1 << 17) + 1]
    vals += [(1 << 31) - 1, -(1 << 31), (1 << 30) + (1 << 22), (1 << 30) + (3 << 22), 255, 257]
    vals += [0] * (L - len(vals))
    B = run_both(
        convert_region(dato.int32, dato.bfloat16), np.array(vals, np.int32), np.zeros(L, BF16)
    )
    assert float(B[0]) == 2.0**30 + 2.0**23 and float(B[1]) == -(2.0**30 + 2.0**23)
    assert [repr(b) for b in B] == [repr(nearest_float(v, BF16)) for v in vals]


@pytest.mark.parametrize("t, dtype", FLOATS, ids=["f32", "bf16", "f16", "f64"])
def test_elementwise_converts_integer_arrays_once(t: Any, dtype: Any) -> None:
    """semantics.elementwise (a linalg elementwise op whose inputs are
    converted to the output type) rounds integer inputs once, as the scalar
    conversions do: int64 arrays, Int(n > 64) object arrays and uint64 ones
    (numpy's astype rounded int64 -> bfloat16 through float32 and took the
    object arrays through double)."""
    with np.errstate(over="ignore"):
        i64 = [v for v in edge_values() if -(1 << 63) <= v < 1 << 63]
        wide = edge_values()
        u64 = [v for v in edge_values() if 0 <= v < 1 << 64]
        for vals, arr in (
            (i64, np.array(i64, np.int64)),
            (wide, np.array(wide, dtype=object)),
            (u64, np.array(u64, np.uint64)),
            ([3, -7, 1 << 20], np.array([3, -7, 1 << 20], np.int32)),  # exact: numpy's path
        ):
            out = np.zeros(len(vals), dtype)
            zeros = np.zeros(len(vals), dtype)
            sem.elementwise(np.add, [arr, zeros], out)
            want = [repr(nearest_float(v, dtype)) for v in vals]
            assert [repr(x) for x in out] == want


def test_elementwise_converts_floats_to_integers_as_fptosi() -> None:
    """A float input of an integer elementwise op truncates towards zero,
    saturates and takes NaN to 0 (semantics.fptoint, what arith.fptosi does
    on every target), where numpy's astype gave INT_MIN for NaN and the
    values out of range."""
    x = np.array([np.nan, 3.0e9, -3.0e9, -2.75, 2.75, np.inf, -np.inf, 0.0], np.float32)
    out = np.zeros(8, np.int32)
    sem.elementwise(np.add, [x, np.zeros(8, np.int32)], out)
    top, bottom = 2**31 - 1, -(2**31)
    assert out.tolist() == [0, top, bottom, -2, 2, top, bottom, 0]
    b = x.astype(BF16)
    out16 = np.zeros(8, np.int16)
    sem.elementwise(np.add, [b, np.zeros(8, np.int16)], out16)
    assert out16.tolist() == [0, 2**15 - 1, -(2**15), -2, 2, 2**15 - 1, -(2**15), 0]
    # integers into a narrower integer wrap: Int(100) values keep their low 32 bits
    big = np.array([(1 << 99) + 5, -((1 << 70) + 3), 7], dtype=object)
    out32 = np.zeros(3, np.int32)
    sem.elementwise(np.add, [big, np.zeros(3, np.int32)], out32)
    assert out32.tolist() == [5, -3, 7]


@pytest.mark.parametrize("dtype", [np.float32, np.float64, BF16], ids=["f32", "f64", "bf16"])
def test_matmul_rounds_integer_operands_once(dtype: Any) -> None:
    """semantics.matmul of integer operands into a float output: each operand
    is rounded once to the accumulator's float (f64 for f64, else f32; bf16
    then rounds the f32 sum), Int(n > 64) object arrays included (they went
    through double: 2^90 + 2^66 + 1 became 2^90 in float32, not 2^90 + 2^67).
    Times the identity, the product is each operand's float."""
    vals = NARROW + [(1 << 90) + (1 << 66) + 1, -((1 << 100) + (1 << 76) + 1), 1 << 127]
    a = np.array(vals, dtype=object).reshape(-1, 1)
    one = np.array([[1]], dtype=object)
    out = np.zeros((len(vals), 1), dtype)
    sem.matmul(a, one, out)
    acc = np.float64 if dtype == np.float64 else np.float32
    with np.errstate(over="ignore"):
        want = [repr(dtype(nearest_float(v, acc))) for v in vals]
    assert [repr(x) for x in out.flat] == want
    i64 = np.array([(1 << 62) + (1 << 38) + 1, -((1 << 40) + (1 << 16) + 1)], np.int64)
    out = np.zeros((2, 1), dtype)
    sem.matmul(i64.reshape(-1, 1), np.array([[1]], np.int64), out)
    with np.errstate(over="ignore"):
        assert [repr(x) for x in out.flat] == [repr(dtype(nearest_float(int(v), acc))) for v in i64]
