"""Scalar arithmetic semantics of the simulator, op by op, against numpy.

Each case runs one op per element: `%a = x[i]`, `%b = y[i]`, a snippet defining
`%res`, `r[i] = %res`. References are computed with numpy's fixed-width types."""

import ml_dtypes
import numpy as np
import pytest
from xdsl.context import Context
from xdsl.dialects import arith, builtin, linalg, math, memref, scf
from xdsl.dialects.builtin import ModuleOp

from dato_xdsl.dialects.dato import Dato
from dato_xdsl.driver import LocatingParser
from dato_xdsl.targets.simulator import simulate

BF16 = ml_dtypes.bfloat16
NUMPY = {
    "i1": np.bool_,
    "i8": np.int8,
    "i16": np.int16,
    "i32": np.int32,
    "i64": np.int64,
    "f32": np.float32,
    "bf16": BF16,
}


def parse(text: str) -> ModuleOp:
    ctx = Context()
    for d in (builtin.Builtin, arith.Arith, math.Math, memref.MemRef, scf.Scf, linalg.Linalg, Dato):
        ctx.load_dialect(d)
    module = LocatingParser(ctx, text, "sem.mlir").parse_module()
    module.verify()
    return module


def run_elementwise(snippet: str, t: str, rt: str, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    n = len(x)
    text = f"""
dato.region @k(%X : memref<{n}x{t}>, %Y : memref<{n}x{t}>, %R : memref<{n}x{rt}>) {{
  dato.task @t grid [1] (%X : memref<{n}x{t}> [R], %Y : memref<{n}x{t}> [R],
                         %R : memref<{n}x{rt}> [R]) {{
  ^bb0(%x : memref<{n}x{t}>, %y : memref<{n}x{t}>, %r : memref<{n}x{rt}>):
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %cn = arith.constant {n} : index
    scf.for %i = %c0 to %cn step %c1 {{
      %a = memref.load %x[%i] : memref<{n}x{t}>
      %b = memref.load %y[%i] : memref<{n}x{t}>
      {snippet}
      memref.store %res, %r[%i] : memref<{n}x{rt}>
    }}
  }}
}}
"""
    r = np.zeros(n, NUMPY[rt])
    simulate(parse(text), [x, y, r])
    return r


def wrap8(v: np.ndarray) -> np.ndarray:
    return ((np.asarray(v, np.int64) + 128) % 256 - 128).astype(np.int8)


I8X = np.array([100, -128, 127, -7, 7, -1, 50, -100, 3, 0], np.int8)
I8Y = np.array([100, -1, 1, 2, -2, 2, -3, 7, -128, 5], np.int8)
U8X = I8X.view(np.uint8).astype(np.int64)
U8Y = I8Y.view(np.uint8).astype(np.int64)
S8X = I8X.astype(np.int64)
S8Y = I8Y.astype(np.int64)

INT8_CASES = [
    ("%res = arith.addi %a, %b : i8", "i8", lambda: wrap8(S8X + S8Y)),
    ("%res = arith.subi %a, %b : i8", "i8", lambda: wrap8(S8X - S8Y)),
    ("%res = arith.muli %a, %b : i8", "i8", lambda: wrap8(S8X * S8Y)),
    # truncating division, remainder with the dividend's sign; -128 / -1 wraps
    ("%res = arith.divsi %a, %b : i8", "i8", lambda: wrap8(np.trunc(S8X / S8Y))),
    ("%res = arith.remsi %a, %b : i8", "i8", lambda: wrap8(np.fmod(S8X, S8Y))),
    ("%res = arith.floordivsi %a, %b : i8", "i8", lambda: wrap8(np.floor_divide(S8X, S8Y))),
    ("%res = arith.ceildivsi %a, %b : i8", "i8", lambda: wrap8(-np.floor_divide(-S8X, S8Y))),
    ("%res = arith.divui %a, %b : i8", "i8", lambda: wrap8(U8X // U8Y)),
    ("%res = arith.remui %a, %b : i8", "i8", lambda: wrap8(U8X % U8Y)),
    ("%res = arith.maxui %a, %b : i8", "i8", lambda: np.where(U8X >= U8Y, I8X, I8Y)),
    ("%res = arith.minui %a, %b : i8", "i8", lambda: np.where(U8X <= U8Y, I8X, I8Y)),
    ("%res = arith.maxsi %a, %b : i8", "i8", lambda: np.maximum(I8X, I8Y)),
    ("%res = arith.minsi %a, %b : i8", "i8", lambda: np.minimum(I8X, I8Y)),
    ("%res = arith.andi %a, %b : i8", "i8", lambda: I8X & I8Y),
    ("%res = arith.ori %a, %b : i8", "i8", lambda: I8X | I8Y),
    ("%res = arith.xori %a, %b : i8", "i8", lambda: I8X ^ I8Y),
    ("%res = arith.cmpi ult, %a, %b : i8", "i1", lambda: U8X < U8Y),
    ("%res = arith.cmpi ule, %a, %b : i8", "i1", lambda: U8X <= U8Y),
    ("%res = arith.cmpi ugt, %a, %b : i8", "i1", lambda: U8X > U8Y),
    ("%res = arith.cmpi uge, %a, %b : i8", "i1", lambda: U8X >= U8Y),
    ("%res = arith.cmpi slt, %a, %b : i8", "i1", lambda: S8X < S8Y),
    ("%res = arith.cmpi sge, %a, %b : i8", "i1", lambda: S8X >= S8Y),
    ("%res = arith.cmpi ne, %a, %b : i8", "i1", lambda: S8X != S8Y),
    (
        "%c = arith.cmpi slt, %a, %b : i8\n      %res = arith.select %c, %a, %b : i8",
        "i8",
        lambda: np.minimum(I8X, I8Y),
    ),
    ("%res = arith.extui %a : i8 to i32", "i32", lambda: U8X.astype(np.int32)),
    ("%res = arith.extsi %a : i8 to i32", "i32", lambda: S8X.astype(np.int32)),
    (
        "%s = arith.constant 3 : i8\n      %res = arith.shrui %a, %s : i8",
        "i8",
        lambda: wrap8(U8X >> 3),
    ),
    (
        "%s = arith.constant 3 : i8\n      %res = arith.shrsi %a, %s : i8",
        "i8",
        lambda: wrap8(S8X >> 3),
    ),
    (
        "%s = arith.constant 3 : i8\n      %res = arith.shli %a, %s : i8",
        "i8",
        lambda: wrap8(S8X << 3),
    ),
    ("%res = arith.uitofp %a : i8 to f32", "f32", lambda: U8X.astype(np.float32)),
    ("%res = arith.sitofp %a : i8 to f32", "f32", lambda: S8X.astype(np.float32)),
    (
        "%w = arith.extsi %a : i8 to i32\n      %res = arith.trunci %w : i32 to i8",
        "i8",
        lambda: I8X,
    ),
    (
        "%t = arith.cmpi eq, %a, %a : i8\n      %res = arith.extsi %t : i1 to i8",
        "i8",
        lambda: np.full(10, -1, np.int8),
    ),
]


def _case_id(value: object) -> str:
    """A test id equal in every process (xdist compares them): no reprs of functions."""
    return "ref" if callable(value) else str(value)[:40]


@pytest.mark.parametrize(("snippet", "rt", "reference"), INT8_CASES, ids=_case_id)
def test_int8_ops(snippet, rt, reference) -> None:
    ok = I8Y != 0
    assert ok.all()
    got = run_elementwise(snippet, "i8", rt, I8X.copy(), I8Y.copy())
    np.testing.assert_array_equal(got, np.asarray(reference()).astype(NUMPY[rt]))


def test_int8_wraparound_100_plus_100() -> None:
    x = np.array([100], np.int8)
    got = run_elementwise("%res = arith.addi %a, %b : i8", "i8", "i8", x, x.copy())
    assert got[0] == -56


def test_uint8_arrays_use_unsigned_ops() -> None:
    """A user's uint8 data runs on the signless model: divui reads 200 as 200."""
    x = np.array([200, 255, 7], np.uint8)
    y = np.array([2, 16, 2], np.uint8)
    n = 3
    text = f"""
dato.region @k(%X : memref<{n}xi8>, %Y : memref<{n}xi8>, %R : memref<{n}xi8>) {{
  dato.task @t grid [1] (%X : memref<{n}xi8> [R], %Y : memref<{n}xi8> [R],
                         %R : memref<{n}xi8> [R]) {{
  ^bb0(%x : memref<{n}xi8>, %y : memref<{n}xi8>, %r : memref<{n}xi8>):
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %cn = arith.constant {n} : index
    scf.for %i = %c0 to %cn step %c1 {{
      %a = memref.load %x[%i] : memref<{n}xi8>
      %b = memref.load %y[%i] : memref<{n}xi8>
      %res = arith.divui %a, %b : i8
      memref.store %res, %r[%i] : memref<{n}xi8>
    }}
  }}
}}
"""
    r = np.zeros(n, np.uint8)
    simulate(parse(text), [x, y, r])
    np.testing.assert_array_equal(r, x // y)


def test_int32_multiplication_wraps() -> None:
    x = np.array([65536, 2**31 - 1, -(2**31)], np.int32)
    y = np.array([65536, 2, -1], np.int32)
    got = run_elementwise("%res = arith.muli %a, %b : i32", "i32", "i32", x, y)
    exact = x.astype(object) * y.astype(object)
    expected = np.array([(v + 2**31) % 2**32 - 2**31 for v in exact], np.int32)
    np.testing.assert_array_equal(got, expected)


F32X = np.array([1e8, 0.1, -3.5, np.nan, 2.0, 1e-30, np.inf], np.float32)
F32Y = np.array([1.0, 0.2, 2.0, 1.0, np.nan, 1e-30, 1.0], np.float32)

FLOAT_CASES = [
    ("%res = arith.addf %a, %b : f32", "f32", lambda: F32X + F32Y),
    ("%res = arith.subf %a, %b : f32", "f32", lambda: F32X - F32Y),
    ("%res = arith.mulf %a, %b : f32", "f32", lambda: F32X * F32Y),
    ("%res = arith.divf %a, %b : f32", "f32", lambda: F32X / F32Y),
    ("%res = arith.maximumf %a, %b : f32", "f32", lambda: np.maximum(F32X, F32Y)),
    ("%res = arith.minnumf %a, %b : f32", "f32", lambda: np.fmin(F32X, F32Y)),
    ("%res = arith.negf %a : f32", "f32", lambda: -F32X),
    ("%res = arith.cmpf olt, %a, %b : f32", "i1", lambda: F32X < F32Y),
    ("%res = arith.cmpf ult, %a, %b : f32", "i1", lambda: ~(F32X >= F32Y)),
    ("%res = arith.cmpf une, %a, %b : f32", "i1", lambda: F32X != F32Y),
    ("%res = arith.cmpf ueq, %a, %b : f32", "i1", lambda: ~((F32X < F32Y) | (F32X > F32Y))),
    ("%res = arith.cmpf ord, %a, %b : f32", "i1", lambda: ~np.isnan(F32X) & ~np.isnan(F32Y)),
    ("%res = arith.cmpf uno, %a, %b : f32", "i1", lambda: np.isnan(F32X) | np.isnan(F32Y)),
    ("%res = arith.truncf %a : f32 to bf16", "bf16", lambda: F32X.astype(BF16)),
    ("%res = arith.bitcast %a : f32 to i32", "i32", lambda: F32X.view(np.int32)),
]


@pytest.mark.parametrize(("snippet", "rt", "reference"), FLOAT_CASES, ids=_case_id)
def test_float32_ops(snippet, rt, reference) -> None:
    got = run_elementwise(snippet, "f32", rt, F32X.copy(), F32Y.copy())
    expected = np.asarray(reference()).astype(NUMPY[rt])
    assert got.tobytes() == expected.tobytes(), (got, expected)


def test_float32_rounds_each_operation() -> None:
    """1e8 + 1 is 1e8 in float32 (double would give 100000001)."""
    got = run_elementwise(
        "%s = arith.addf %a, %b : f32\n      %res = arith.subf %s, %a : f32",
        "f32",
        "f32",
        np.array([1e8, 0.1], np.float32),
        np.array([1.0, 0.2], np.float32),
    )
    s = np.float32(0.1) + np.float32(0.2)
    np.testing.assert_array_equal(got, np.array([0.0, s - np.float32(0.1)], np.float32))


MATH_CASES = [
    ("math.exp", np.exp),
    ("math.log", np.log),
    ("math.sqrt", np.sqrt),
    ("math.tanh", np.tanh),
    ("math.absf", np.abs),
    ("math.sin", np.sin),
    ("math.floor", np.floor),
    ("math.rsqrt", lambda v: 1 / np.sqrt(v)),
]


@pytest.mark.parametrize(("op", "reference"), MATH_CASES)
def test_math_ops_float32(op, reference) -> None:
    x = np.array([0.5, 1.0, 2.25, 7.0, 0.001], np.float32)
    got = run_elementwise(f"%res = {op} %a : f32", "f32", "f32", x, x.copy())
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, reference(x.astype(np.float64)), rtol=1e-6)


def test_bf16_scalar_arithmetic_rounds_as_bf16() -> None:
    x = np.array([256, 1.5, 3.0078125], BF16)
    y = np.array([1, 0.0078125, 1], BF16)
    got = run_elementwise("%res = arith.addf %a, %b : bf16", "bf16", "bf16", x, y)
    expected = (x.astype(np.float64) + y.astype(np.float64)).astype(np.float32).astype(BF16)
    assert got.tobytes() == expected.tobytes()
    assert float(got[0]) == 256.0  # 257 is not a bfloat16


def test_fptosi_truncates_towards_zero() -> None:
    x = np.array([2.7, -2.7, 100.5, -0.5], np.float32)
    got = run_elementwise("%res = arith.fptosi %a : f32 to i32", "f32", "i32", x, x.copy())
    np.testing.assert_array_equal(got, np.trunc(x.astype(np.float64)).astype(np.int32))


# ---------------------------------------------- ops the cases above leave out

I32X = np.array([-(2**31), 2**31 - 1, -1, 0, 1, 12, -7, 0x00F0F000, 3, -3], np.int32)
I32Y = np.array([3, -2, 7, 5, 9, 5, 2, 4, 0, 31], np.int32)
U32X = I32X.view(np.uint32).astype(np.int64)
U32Y = I32Y.view(np.uint32).astype(np.int64)


def wrap32(values) -> np.ndarray:
    return np.array([(int(v) + 2**31) % 2**32 - 2**31 for v in values], np.int32)


def bits(v: int) -> str:
    return format(int(v) & 0xFFFFFFFF, "032b")


INT32_CASES = [
    # unsigned ceiling division: ceil(x / y) on the unsigned readings (y != 0 here)
    (
        "%res = arith.ceildivui %a, %b : i32",
        lambda: wrap32(-(-U32X[I32Y != 0] // U32Y[I32Y != 0])),
        I32Y != 0,
    ),
    ("%res = math.ctlz %a : i32", lambda: [len(bits(v)) - len(bits(v).lstrip("0")) for v in I32X]),
    (
        "%res = math.cttz %a : i32",
        lambda: [len(bits(v)) - len(bits(v).rstrip("0")) for v in I32X],
    ),
    ("%res = math.ctpop %a : i32", lambda: [bits(v).count("1") for v in I32X]),
    # ipowi by a non-negative exponent wraps: Python's exact power mod 2^32
    (
        "%res = math.ipowi %a, %b : i32",
        lambda: wrap32([int(a) ** int(b) for a, b in zip(I32X, I32Y, strict=True) if b >= 0]),
        I32Y >= 0,
    ),
]


@pytest.mark.parametrize("case", INT32_CASES, ids=lambda c: c[0][7:30])
def test_int32_bit_and_power_ops(case) -> None:
    snippet, reference = case[0], case[1]
    keep = case[2] if len(case) > 2 else np.ones(len(I32X), bool)
    x, y = I32X[keep].copy(), I32Y[keep].copy()
    got = run_elementwise(snippet, "i32", "i32", x, y)
    np.testing.assert_array_equal(got, np.asarray(reference(), np.int32))


def test_ipowi_with_negative_exponents_follows_mlir() -> None:
    """MLIR's rule for b < 0: 1 ** b == 1, (-1) ** b == +-1 by parity, else 0."""
    x = np.array([1, -1, -1, 2, -5, 7], np.int32)
    y = np.array([-3, -3, -4, -1, -2, -30], np.int32)
    got = run_elementwise("%res = math.ipowi %a, %b : i32", "i32", "i32", x, y)
    np.testing.assert_array_equal(got, [1, -1, 1, 0, 0, 0])


def test_fpowi_and_erf_float32() -> None:
    x = np.array([1.5, -2.0, 0.5, 3.0], np.float32)
    n = np.array([3, 5, -2, 0], np.int32)
    text_x = x.copy()
    got = run_elementwise(
        "%n = arith.bitcast %b : f32 to i32\n      %res = math.fpowi %a, %n : f32, i32",
        "f32",
        "f32",
        text_x,
        n.view(np.float32).copy(),
    )
    np.testing.assert_allclose(got, x.astype(np.float64) ** n, rtol=1e-7)
    got = run_elementwise("%res = math.erf %a : f32", "f32", "f32", x, x.copy())
    import math as pymath

    np.testing.assert_allclose(got, [pymath.erf(float(v)) for v in x], rtol=1e-6)


def test_fptosi_nan_is_zero_and_out_of_range_saturates() -> None:
    """The hardware's saturating rule (documented in semantics.fptoint)."""
    x = np.array([np.nan, 3e9, -3e9, 2**31, -(2**31), np.inf, -np.inf, 2.5e9], np.float32)
    got = run_elementwise("%res = arith.fptosi %a : f32 to i32", "f32", "i32", x, x.copy())
    lo, hi = -(2**31), 2**31 - 1
    np.testing.assert_array_equal(got, [0, hi, lo, hi, lo, hi, lo, hi])
    got8 = run_elementwise("%res = arith.fptosi %a : f32 to i8", "f32", "i8", x, x.copy())
    np.testing.assert_array_equal(got8, [0, 127, -128, 127, -128, 127, -128, 127])
    y = np.array([np.nan, 300.0, -5.0, 255.0, 254.9, 1e10, 0.0, 128.0], np.float32)
    gotu = run_elementwise("%res = arith.fptoui %a : f32 to i8", "f32", "i8", y, y.copy())
    np.testing.assert_array_equal(gotu.view(np.uint8), [0, 255, 0, 255, 254, 255, 0, 128])


def test_bitcast_integer_to_float_reinterprets_bits() -> None:
    x = np.array([0x3F800000, -0x40800000, 0x7F800000, 1], np.int32)  # 1.0, -1.0, inf, 2^-149
    got = run_elementwise("%res = arith.bitcast %a : i32 to f32", "i32", "f32", x, x.copy())
    assert got.tobytes() == x.view(np.float32).tobytes()


def test_i1_signed_compare_reads_true_as_minus_one() -> None:
    """As a signed 1-bit integer, true is -1: `slt true, false` holds, `ult` does not."""
    x = np.array([1, 0, 1, 0], np.int8)
    y = np.array([0, 1, 1, 0], np.int8)
    snippet = (
        "%z = arith.constant 0 : i8\n"
        "      %p = arith.cmpi ne, %a, %z : i8\n"
        "      %q = arith.cmpi ne, %b, %z : i8\n"
        "      %s = arith.cmpi slt, %p, %q : i1\n"
        "      %u = arith.cmpi ult, %p, %q : i1\n"
        "      %s8 = arith.extui %s : i1 to i8\n"
        "      %u8 = arith.extui %u : i1 to i8\n"
        "      %two = arith.constant 2 : i8\n"
        "      %s2 = arith.muli %s8, %two : i8\n"
        "      %res = arith.addi %s2, %u8 : i8"
    )
    got = run_elementwise(snippet, "i8", "i8", x, y)
    # (true < false signed) -> 2, (false < true unsigned) -> 1
    np.testing.assert_array_equal(got, [2, 1, 0, 0])
