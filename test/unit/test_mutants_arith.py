"""Scalar arithmetic of kernel bodies (dato_xdsl/frontend/arith.py), on the
simulator, against Python's integers wrapped to the declared width and numpy's
float32: every operator with a literal on either side, unsigned readings
(division, remainder, shifts, comparisons, widening, int->float), the casts a
store or an index makes, constants at the edges of their type, compile-time
folding, and math functions on integer inputs.

Mutation testing (tools/mutation-test arith) found these paths unchecked by
the suite: a signed op standing in for an unsigned one, a literal taking the
wrong type, a constant range off by one, a zero-extension read as a sign
extension all passed before. docs/kernel-language.md states the rules."""

import math

import ml_dtypes
import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import bfloat16, float32, int8, int16, int32, uint8
from dato_xdsl.frontend.arith import _range, _signed
from dato_xdsl.frontend.types import Int, UInt, bool_


def wrap(value: int, width: int, unsigned: bool) -> int:
    """A Python integer brought to `width` bits (two's complement)."""
    value &= (1 << width) - 1
    if not unsigned and value >= 1 << (width - 1):
        value -= 1 << width
    return value


def tdiv(a: int, b: int) -> int:
    """Division truncating towards zero (C, the hardware)."""
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


# ----------------------------------------------------------- pure helpers


def test_signed_reading_by_hand():
    assert [_signed(v, 8) for v in (0, 1, 127, 128, 255, 256 + 5, -1)] == [
        0,
        1,
        127,
        -128,
        -1,
        5,
        -1,
    ]
    assert [_signed(v, 2) for v in (0, 1, 2, 3)] == [0, 1, -2, -1]
    assert [_signed(v, 4) for v in (7, 8, 15, 16)] == [7, -8, -1, 0]
    # i1 reads 0 and 1 (a bool), the low bit only
    assert [_signed(v, 1) for v in (0, 1, 2, 3)] == [0, 1, 0, 1]


def test_constant_ranges_by_hand():
    assert _range(bool_) == (0, 1)
    assert _range(uint8) == (0, 255)
    assert _range(int8) == (-128, 127)
    assert _range(int16) == (-32768, 32767)
    assert _range(Int(4)) == (-8, 7)
    assert _range(UInt(4)) == (0, 15)
    assert _range(Int(2)) == (-2, 1)


# ------------------------------------------------------- integer operators

N_ROWS = 36


def int_program(T, n: int):
    """Row r of OUT gets one operation of x = X[i], y = Y[i], s = S[i]."""
    unsigned = T.is_unsigned

    @dato.region()
    def top(X: T[n], Y: T[n], S: T[n], OUT: T[N_ROWS, n]):
        @dato.kernel(mapping=[1], args=[X, Y, S, OUT])
        def k(x_: T[n], y_: T[n], s_: T[n], o: T[N_ROWS, n]):
            for i in range(n):
                x = x_[i]
                y = y_[i]
                s = s_[i]
                o[0, i] = x + y
                o[1, i] = x - y
                o[2, i] = x * y
                o[3, i] = x // y
                o[4, i] = x % y
                o[5, i] = x / y
                o[6, i] = x & y
                o[7, i] = x | y
                o[8, i] = x ^ y
                o[9, i] = x << s
                o[10, i] = x >> s
                o[11, i] = -x
                o[12, i] = ~x
                o[13, i] = x**3
                o[14, i] = x**0
                o[15, i] = x**1
                o[16, i] = max(x, y, 3)
                o[17, i] = min(x, y, 3)
                o[18, i] = x < y
                o[19, i] = x <= y
                o[20, i] = x > y
                o[21, i] = x >= y
                o[22, i] = x == y
                o[23, i] = x != y
                o[24, i] = x if x < y else y
                o[25, i] = 7 - x
                o[26, i] = x % 5
                o[27, i] = 100 // y
                o[28, i] = x - 1 if unsigned else abs(x)
                o[29, i] = not (x < y)
                o[30, i] = (x < y) and (y < 5) or (x == 0)
                o[31, i] = (x < y) or (y < 5)
                o[32, i] = x >> 1
                o[33, i] = 5 % y
                o[34, i] = y - 2 if unsigned else x % -5
                o[35, i] = x if x else y

    return top


def int_reference(x: int, y: int, s: int, width: int, unsigned: bool) -> list[int]:
    def floordiv(a, b):
        return a // b

    def mod(a, b):
        return a % b

    rows = [
        x + y,
        x - y,
        x * y,
        floordiv(x, y),
        mod(x, y),
        tdiv(x, y),
        x & y,
        x | y,
        x ^ y,
        x << s,
        x >> s,  # Python's >> is arithmetic; unsigned x is non-negative
        -x,
        ~x,
        x**3,
        1,
        x,
        max(x, y, 3),
        min(x, y, 3),
        int(x < y),
        int(x <= y),
        int(x > y),
        int(x >= y),
        int(x == y),
        int(x != y),
        x if x < y else y,
        7 - x,
        x % 5,
        100 // y,
        x - 1 if unsigned else abs(x),
        int(not (x < y)),
        int((x < y) and (y < 5) or (x == 0)),
        int((x < y) or (y < 5)),
        x >> 1,
        5 % y,
        y - 2 if unsigned else x % -5,
        x if x else y,
    ]
    return [wrap(v, width, unsigned) for v in rows]


def operands(T) -> tuple[list[int], list[int], list[int]]:
    lo, hi = _range(T)
    w = T.width
    if T.is_unsigned:
        x = [hi, 200, 0, 3, 128, 7, 1, 255, 100, 9]
        y = [1, 3, 7, 200, 255, 128, 2, 16, 9, 100]
    else:
        x = [lo, lo, hi, -1, -7, 7, lo + 1, 100, 0, -5, hi, -3, 6, 0]
        y = [-1, 1, -1, lo, 2, -2, -1, 3, 4, hi, lo, 7, -9, -6]
    s = [(3 * k + 1) % w for k in range(len(x))]
    s[0], s[1] = 0, w - 1
    return x, y, s


@pytest.mark.parametrize("T", [int8, int16, int32, uint8], ids=str)
def test_integer_operators_against_python(T):
    x, y, s = operands(T)
    n = len(x)
    out = np.full((N_ROWS, n), 0x55, T.numpy)
    dato.build(int_program(T, n), target="simulator")(
        np.array(x, T.numpy), np.array(y, T.numpy), np.array(s, T.numpy), out
    )
    want = np.array(
        [int_reference(a, b, c, T.width, T.is_unsigned) for a, b, c in zip(x, y, s, strict=True)]
    ).T.astype(T.numpy)
    for r in range(N_ROWS):
        np.testing.assert_array_equal(out[r], want[r], err_msg=f"row {r}")


# --------------------------------------------------------- float operators

F_ROWS = 22


def float_program(n: int):
    @dato.region()
    def top(X: float32[n], Y: float32[n], OUT: float32[F_ROWS, n]):
        @dato.kernel(mapping=[1], args=[X, Y, OUT])
        def k(x_: float32[n], y_: float32[n], o: float32[F_ROWS, n]):
            for i in range(n):
                x = x_[i]
                y = y_[i]
                o[0, i] = x + y
                o[1, i] = x - y
                o[2, i] = x * y
                o[3, i] = x / y
                o[4, i] = x // y
                o[5, i] = x % y
                o[6, i] = -x
                o[7, i] = x**2
                o[8, i] = dato.abs(x) ** 0.5
                o[9, i] = max(x, y, 0.5)
                o[10, i] = min(x, y, 0.5)
                o[11, i] = x < y
                o[12, i] = x <= y
                o[13, i] = x > y
                o[14, i] = x >= y
                o[15, i] = x == y
                o[16, i] = x != y
                o[17, i] = 1.5 - x
                o[18, i] = x if x else y
                o[19, i] = 2 - x
                o[20, i] = x * 2
                o[21, i] = x**0

    return top


def test_float_operators_against_numpy():
    x = np.array([-7.5, 7.5, -2.0, 3.25, 0.0, 1e30, np.nan, 5.0, -0.75], np.float32)
    y = np.array([2.0, -2.0, -0.5, 3.25, 1.5, 3.0, 1.0, np.nan, 0.25], np.float32)
    n = x.size
    out = np.zeros((F_ROWS, n), np.float32)
    dato.build(float_program(n), target="simulator")(x, y, out)
    with np.errstate(all="ignore"):
        want = [
            x + y,
            x - y,
            x * y,
            x / y,
            np.floor(x / y),
            x - np.floor(x / y) * y,  # Python's sign rule, as the frontend computes it
            -x,
            x * x,
            np.abs(x) ** np.float32(0.5),
            np.maximum(np.maximum(x, y), np.float32(0.5)),
            np.minimum(np.minimum(x, y), np.float32(0.5)),
            x < y,
            x <= y,
            x > y,
            x >= y,
            x == y,
            x != y,
            np.float32(1.5) - x,
            np.where(x != 0, x, y),
            np.float32(2) - x,
            x * np.float32(2),
            np.ones_like(x),
        ]
    for r, expected in enumerate(want):
        np.testing.assert_allclose(
            out[r], np.asarray(expected, np.float32), rtol=2**-23, err_msg=f"row {r}"
        )
    # the sign of a floored remainder is the divisor's: -7.5 % 2 = 0.5, 7.5 % -2 = -0.5
    assert out[5, 0] == 0.5 and out[5, 1] == -0.5


# -------------------------------------------------------------------- casts


def cast_program(n: int):
    @dato.region()
    def top(
        I32: int32[n],
        U8: uint8[n],
        I8: int8[n],
        F: float32[n],
        TO_I8: int8[n],
        TO_I32: int32[3, n],
        TO_U8: uint8[n],
        TO_F: float32[5, n],
        TO_BF: bfloat16[n],
    ):
        @dato.kernel(mapping=[1], args=[I32, U8, I8, F, TO_I8, TO_I32, TO_U8, TO_F, TO_BF])
        def k(
            i32: int32[n],
            u8: uint8[n],
            i8: int8[n],
            f: float32[n],
            to_i8: int8[n],
            to_i32: int32[3, n],
            to_u8: uint8[n],
            to_f: float32[5, n],
            to_bf: bfloat16[n],
        ):
            for i in range(n):
                to_i8[i] = i32[i]  # truncation
                to_i32[0, i] = i8[i]  # sign extension
                to_i32[1, i] = u8[i]  # zero extension
                to_i32[2, i] = f[i]  # towards zero
                to_u8[i] = dato.abs(f[i])  # float -> unsigned
                to_f[0, i] = u8[i]  # unsigned -> float
                to_f[1, i] = i8[i]  # signed -> float
                to_f[2, i] = i * 0.5  # index -> float
                to_f[3, i] = dato.exp(u8[i] * 0)  # an integer computes in float32
                to_f[4, i] = i8[i] + i  # index -> float32 (the destination widens the sum)
                to_bf[i] = f[i]  # float32 -> bf16 rounds

    return top


def test_casts_against_numpy():
    n = 6
    i32 = np.array([300, -129, 2**31 - 1, -(2**31), 255, 128], np.int32)
    u8 = np.array([200, 255, 0, 128, 127, 1], np.uint8)
    i8 = np.array([-128, -1, 127, 0, -100, 5], np.int8)
    f = np.array([-2.75, 2.75, 200.5, -100.25, 1.0039, 0.0], np.float32)
    to_i8 = np.zeros(n, np.int8)
    to_i32 = np.zeros((3, n), np.int32)
    to_u8 = np.zeros(n, np.uint8)
    to_f = np.zeros((5, n), np.float32)
    to_bf = np.zeros(n, ml_dtypes.bfloat16)
    dato.build(cast_program(n), target="simulator")(
        i32, u8, i8, f, to_i8, to_i32, to_u8, to_f, to_bf
    )
    np.testing.assert_array_equal(to_i8, [44, 127, -1, 0, -1, -128])
    np.testing.assert_array_equal(to_i32[0], [-128, -1, 127, 0, -100, 5])
    np.testing.assert_array_equal(to_i32[1], [200, 255, 0, 128, 127, 1])
    np.testing.assert_array_equal(to_i32[2], [-2, 2, 200, -100, 1, 0])
    np.testing.assert_array_equal(to_u8, [2, 2, 200, 100, 1, 0])
    np.testing.assert_array_equal(to_f[0], [200, 255, 0, 128, 127, 1])
    np.testing.assert_array_equal(to_f[1], [-128, -1, 127, 0, -100, 5])
    np.testing.assert_array_equal(to_f[2], [0, 0.5, 1, 1.5, 2, 2.5])
    np.testing.assert_array_equal(to_f[3], np.ones(n))
    np.testing.assert_array_equal(to_f[4], [-128, 0, 129, 3, -96, 10])
    np.testing.assert_array_equal(to_bf, f.astype(ml_dtypes.bfloat16))
    assert float(to_bf[4]) == 1.0  # 1.0039 is nearer 1 than 1 + 2**-7


def bf16_program(n: int):
    @dato.region()
    def top(A: bfloat16[n], OUT: float32[2, n], P: bfloat16[n]):
        @dato.kernel(mapping=[1], args=[A, OUT, P])
        def k(a: bfloat16[n], o: float32[2, n], p: bfloat16[n]):
            for i in range(n):
                o[0, i] = a[i]  # bf16 -> float32 is exact
                o[1, i] = a[i] * 3  # a float32 destination widens the product
                p[i] = a[i] * 3  # a bf16 one rounds it to bf16

    return top


def test_bfloat16_widens_exactly_and_rounds_its_own_products():
    a = np.array([1.0078125, -3.015625, 100.5, 0.33203125], ml_dtypes.bfloat16)
    out = np.zeros((2, a.size), np.float32)
    p = np.zeros(a.size, ml_dtypes.bfloat16)
    dato.build(bf16_program(a.size), target="simulator")(a, out, p)
    np.testing.assert_array_equal(out[0], a.astype(np.float32))
    np.testing.assert_array_equal(out[1], a.astype(np.float32) * 3)
    rounded = (a.astype(np.float64) * 3).astype(ml_dtypes.bfloat16)
    np.testing.assert_array_equal(p, rounded)
    assert (rounded.astype(np.float32) != out[1]).sum() == 3  # the rounding shows


def bool_program(n: int):
    @dato.region()
    def top(F: float32[n], X: int8[n], OUT: int32[3, n]):
        @dato.kernel(mapping=[1], args=[F, X, OUT])
        def k(f: float32[n], x: int8[n], o: int32[3, n]):
            for i in range(n):
                o[0, i] = 1 if f[i] else 0
                o[1, i] = 1 if x[i] else 0
                o[2, i] = not f[i]

    return top


def test_truthiness_of_floats_and_integers():
    f = np.array([0.0, 0.5, -0.25, np.nan, -0.0], np.float32)
    x = np.array([0, 1, -128, 2, 0], np.int8)
    out = np.zeros((3, 5), np.int32)
    dato.build(bool_program(5), target="simulator")(f, x, out)
    np.testing.assert_array_equal(out[0], [0, 1, 1, 1, 0])  # NaN is true, as in Python
    np.testing.assert_array_equal(out[1], [0, 1, 1, 1, 0])
    np.testing.assert_array_equal(out[2], [1, 0, 0, 0, 1])


def index_program():
    @dato.region()
    def top(T: int32[256], U: uint8[4], S: int8[4], OUT: int32[2, 4]):
        @dato.kernel(mapping=[1], args=[T, U, S, OUT])
        def k(t: int32[256], u: uint8[4], s: int8[4], o: int32[2, 4]):
            for i in range(4):
                o[0, i] = t[u[i]]  # an unsigned index is zero-extended
                o[1, i] = t[s[i] + 100]

    return top


def test_narrow_integers_as_indices():
    table = np.arange(256, dtype=np.int32) * 3 + 1
    u = np.array([200, 255, 0, 128], np.uint8)
    s = np.array([-100, 27, 0, -1], np.int8)
    out = np.zeros((2, 4), np.int32)
    dato.build(index_program(), target="simulator")(table, u, s, out)
    np.testing.assert_array_equal(out[0], table[[200, 255, 0, 128]])
    np.testing.assert_array_equal(out[1], table[[0, 127, 100, 99]])


# ------------------------------------------------------ math on integers


def math_program(n: int):
    @dato.region()
    def top(U: uint8[n], X: int8[n], F: float32[n], OUT: float32[12, n]):
        @dato.kernel(mapping=[1], args=[U, X, F, OUT])
        def k(u: uint8[n], x: int8[n], f: float32[n], o: float32[12, n]):
            for i in range(n):
                o[0, i] = dato.sqrt(u[i])
                o[1, i] = dato.log2(u[i] + 1)
                o[2, i] = dato.log10(f[i])
                o[3, i] = dato.sin(f[i])
                o[4, i] = dato.cos(f[i])
                o[5, i] = dato.rsqrt(f[i])
                o[6, i] = dato.ceil(f[i])
                o[7, i] = dato.sigmoid(x[i])
                o[8, i] = dato.relu(x[i])
                o[9, i] = dato.abs(-f[i])
                o[10, i] = dato.log(f[i])
                o[11, i] = dato.floor(-f[i])

    return top


def test_math_functions_of_scalars_against_numpy():
    u = np.array([200, 255, 0, 3], np.uint8)
    x = np.array([-128, 3, 0, -2], np.int8)
    f = np.array([0.5, 3.25, 100.0, 7.75], np.float32)
    out = np.zeros((12, 4), np.float32)
    dato.build(math_program(4), target="simulator")(u, x, f, out)
    uf, xf = u.astype(np.float32), x.astype(np.float32)
    want = [
        np.sqrt(uf),
        np.log2(uf + 1),
        np.log10(f),
        np.sin(f),
        np.cos(f),
        1 / np.sqrt(f),
        np.ceil(f),
        1 / (1 + np.exp(-xf)),
        np.maximum(xf, 0),
        f,
        np.log(f),
        np.floor(-f),
    ]
    for r, expected in enumerate(want):
        np.testing.assert_allclose(out[r], expected, rtol=4 * 2**-24, err_msg=f"row {r}")


def int_abs_program(T, n: int):
    @dato.region()
    def top(X: T[n], OUT: T[n]):
        @dato.kernel(mapping=[1], args=[X, OUT])
        def k(x: T[n], o: T[n]):
            for i in range(n):
                o[i] = dato.abs(x[i])

    return top


def test_integer_abs_stays_integer_and_wraps():
    x = np.array([-(2**31), -(2**31) + 1, -1, 0, 2**31 - 1], np.int32)
    out = np.zeros(5, np.int32)
    dato.build(int_abs_program(int32, 5), target="simulator")(x, out)
    # int32 abs in float32 would round 2**31 - 1 to 2**31; numpy's abs wraps INT_MIN
    np.testing.assert_array_equal(out, np.abs(x))


# ---------------------------------------------------------------- constants


def fold_program():
    @dato.region()
    def top(OUT: int32[12], F: float32[2]):
        @dato.kernel(mapping=[1], args=[OUT, F])
        def k(o: int32[12], f: float32[2]):
            o[0] = 7 + 3
            o[1] = 7 - 10
            o[2] = 6 * 7
            o[3] = 7 // -2
            o[4] = 7 % -3
            o[5] = -7 % 3
            o[6] = 2**5
            o[7] = 1 << 4
            o[8] = -20 >> 2
            o[9] = 12 & 10
            o[10] = 12 | 3
            o[11] = 12 ^ 10
            f[0] = 7 / 2
            f[1] = -2.7

    return top


def test_compile_time_constants_fold_as_python():
    out = np.zeros(12, np.int32)
    f = np.zeros(2, np.float32)
    dato.build(fold_program(), target="simulator")(out, f)
    assert out.tolist() == [10, -3, 42, -4, -2, 2, 32, 16, -5, 8, 15, 6]
    assert f.tolist() == [3.5, np.float32(-2.7)]


def float_into_int_program():
    @dato.region()
    def top(OUT: int8[3]):
        @dato.kernel(mapping=[1], args=[OUT])
        def k(o: int8[3]):
            o[0] = 2.7
            o[1] = -2.7
            o[2] = -128

    return top


def test_float_constants_into_integers_truncate():
    out = np.zeros(3, np.int8)
    dato.build(float_into_int_program(), target="simulator")(out)
    assert out.tolist() == [2, -2, -128]


def const_edge_program(T, value):
    @dato.region()
    def top(X: T[2], OUT: T[2]):
        @dato.kernel(mapping=[1], args=[X, OUT])
        def k(x: T[2], o: T[2]):
            for i in range(2):
                o[i] = x[i] + value

    return top


@pytest.mark.parametrize(
    "T, value", [(int8, 127), (int8, -128), (uint8, 255), (uint8, 0), (int16, -32768)], ids=str
)
def test_constants_at_the_edges_of_their_type_are_accepted(T, value):
    x = np.array([1, 0], T.numpy)
    out = np.zeros(2, T.numpy)
    dato.build(const_edge_program(T, value), target="simulator")(x, out)
    np.testing.assert_array_equal(out, [wrap(int(v) + value, T.width, T.is_unsigned) for v in x])


@pytest.mark.parametrize(
    "T, value, message",
    [
        (int8, 128, "constant 128 does not fit int8 (range -128 to 127)"),
        (int8, -129, "constant -129 does not fit int8 (range -128 to 127)"),
        (uint8, 256, "constant 256 does not fit uint8 (range 0 to 255)"),
        (uint8, -1, "constant -1 does not fit uint8 (range 0 to 255)"),
    ],
    ids=str,
)
def test_a_constant_one_past_its_type_is_refused(T, value, message):
    with pytest.raises(dato.DatoCompileError) as err:
        dato.build(const_edge_program(T, value), target="simulator")
    assert str(err.value).endswith(": error: " + message)


def scoped_constants_program():
    @dato.region()
    def top(X: int32[4], OUT: int32[2, 4]):
        @dato.kernel(mapping=[1], args=[X, OUT])
        def k(x: int32[4], o: int32[2, 4]):
            for i in range(4):
                if x[i] > 0:
                    o[0, i] = x[i] + 5
                else:
                    o[0, i] = x[i] - 5
                o[1, i] = x[i] * 5

    return top


def test_a_constant_of_one_branch_is_not_reused_in_another():
    x = np.array([3, -3, 0, 9], np.int32)
    out = np.zeros((2, 4), np.int32)
    dato.build(scoped_constants_program(), target="simulator")(x, out)
    np.testing.assert_array_equal(out[0], [8, -8, -5, 14])
    np.testing.assert_array_equal(out[1], x * 5)


def test_integer_power_needs_a_constant_exponent():
    @dato.region()
    def top(X: int32[2], OUT: int32[2]):
        @dato.kernel(mapping=[1], args=[X, OUT])
        def k(x: int32[2], o: int32[2]):
            for i in range(2):
                o[i] = x[i] ** x[i]

    with pytest.raises(dato.DatoCompileError) as err:
        dato.build(top, target="simulator")
    assert str(err.value).endswith(
        ": error: " + "'**' on integers needs a non-negative constant exponent"
    )


def test_constant_division_by_zero_is_located():
    @dato.region()
    def top(OUT: int32[1]):
        @dato.kernel(mapping=[1], args=[OUT])
        def k(o: int32[1]):
            o[0] = 1 // 0

    with pytest.raises(dato.DatoCompileError) as err:
        dato.build(top, target="simulator")
    assert str(err.value).endswith(
        ": error: cannot evaluate constant expression: integer division or modulo by zero"
    )


def test_float_operators_that_do_not_exist_are_refused():
    @dato.region()
    def top(X: float32[2], OUT: float32[2]):
        @dato.kernel(mapping=[1], args=[X, OUT])
        def k(x: float32[2], o: float32[2]):
            for i in range(2):
                o[i] = x[i] << 1

    with pytest.raises(dato.DatoCompileError) as err:
        dato.build(top, target="simulator")
    assert str(err.value).endswith(": error: " + "operator << is not defined on float32 values")


def test_invert_of_a_float_is_refused():
    @dato.region()
    def top(X: float32[2], OUT: float32[2]):
        @dato.kernel(mapping=[1], args=[X, OUT])
        def k(x: float32[2], o: float32[2]):
            for i in range(2):
                o[i] = ~x[i]

    with pytest.raises(dato.DatoCompileError) as err:
        dato.build(top, target="simulator")
    assert str(err.value).endswith(": error: " + "'~' is not defined on float values")


def test_pow_of_floats_keeps_float32():
    @dato.region()
    def top(X: float32[3], OUT: float32[2, 3]):
        @dato.kernel(mapping=[1], args=[X, OUT])
        def k(x: float32[3], o: float32[2, 3]):
            for i in range(3):
                o[0, i] = x[i] ** 1.5
                o[1, i] = 2.0 ** x[i]

    x = np.array([0.25, 4.0, 2.5], np.float32)
    out = np.zeros((2, 3), np.float32)
    dato.build(top, target="simulator")(x, out)
    np.testing.assert_allclose(out[0], x ** np.float32(1.5), rtol=2**-22)
    np.testing.assert_allclose(out[1], np.float32(2.0) ** x, rtol=2**-22)
    assert math.isclose(float(out[0, 1]), 8.0)


# ------------------------------------------- compile-time (static) values


# conditions of pid p only: compile-time, so meta_if takes them (helpers are
# inlined into the kernel, so the same function is also Python's reference)
def c_max(p):
    return max(p, 1) == 2


def c_min(p):
    return min(p, 2) == 2


def c_select(p):
    return (p if p > 1 else 0) == 2


def c_and(p):
    return (p > 0) and (p < 3)


def c_neg(p):
    return -p == -3


def c_truthy(p):
    return p - 1


STATIC_CONDITIONS = [c_max, c_min, c_select, c_and, c_neg, c_truthy]


def static_program(cond):
    """Instance p of 4 writes p + 1 to o[p] where the condition holds."""

    @dato.region()
    def top(OUT: int32[4]):
        @dato.kernel(mapping=[4], args=[OUT])
        def k(o: int32[4]):
            p = dato.get_pid()
            with dato.meta_if(cond(p)):
                o[p] = p + 1

    return top


@pytest.mark.parametrize("cond", STATIC_CONDITIONS, ids=lambda c: c.__name__)
def test_expressions_of_pids_stay_compile_time(cond):
    out = np.zeros(4, np.int32)
    dato.build(static_program(cond), target="simulator")(out)
    want = [p + 1 if cond(p) else 0 for p in range(4)]
    assert out.tolist() == want
    assert 0 < sum(w != 0 for w in want) < 4  # the condition decides something


def m_max(p, a, f):
    return max(p, a) == 2


def m_add(p, a, f):
    return p + a == 2


def m_select(p, a, f):
    return (p if a > 0 else 0) == 2


def m_select_value(p, a, f):
    return (p if p > 0 else a) == 2


def m_and(p, a, f):
    return (p > 0) and (a > 0)


def mixed_program(cond):
    @dato.region()
    def top(A: int32[4], F: float32[4]):
        @dato.kernel(mapping=[4], args=[A, F])
        def k(a: int32[4], f: float32[4]):
            p = dato.get_pid()
            with dato.meta_if(cond(p, a[0], f[0])):
                a[1] = 1

    return top


@pytest.mark.parametrize(
    "cond", [m_max, m_add, m_select, m_select_value, m_and], ids=lambda c: c.__name__
)
def test_an_expression_with_a_runtime_value_is_not_compile_time(cond):
    with pytest.raises(dato.DatoCompileError) as err:
        dato.build(mixed_program(cond), target="simulator")
    assert str(err.value).endswith(
        ": error: dato.meta_if needs a compile-time condition (pids and constants); "
        "use a plain 'if' for runtime values"
    )


def power_zero_program():
    @dato.region()
    def top(U: uint8[2], OUT: uint8[2]):
        @dato.kernel(mapping=[1], args=[U, OUT])
        def k(u: uint8[2], o: uint8[2]):
            for i in range(2):
                o[i] = u[i] ** 0 - 2 > 0

    return top


def test_power_zero_keeps_the_base_type():
    # numpy: np.uint8(7) ** 0 - 2 wraps in uint8 to 255, which is > 0
    out = np.zeros(2, np.uint8)
    dato.build(power_zero_program(), target="simulator")(np.array([7, 0], np.uint8), out)
    assert out.tolist() == [1, 1]


def mixed_types_program(n: int):
    """A float literal or a float32 operand on either side of an int8 one."""

    @dato.region()
    def top(X: int8[n], F: float32[n], OUT: float32[10, n]):
        @dato.kernel(mapping=[1], args=[X, F, OUT])
        def k(x: int8[n], f: float32[n], o: float32[10, n]):
            for i in range(n):
                o[0, i] = 2.5 if x[i] > 0 else f[i]
                o[1, i] = f[i] if x[i] > 0 else 2.5
                o[2, i] = x[i] if x[i] > 1 else f[i]
                o[3, i] = f[i] if x[i] > 1 else x[i]
                o[4, i] = 2.5 < f[i]
                o[5, i] = x[i] < f[i]
                o[6, i] = max(0.5, f[i])
                o[7, i] = min(x[i], f[i])
                o[8, i] = x[i] ** f[i]
                o[9, i] = f[i] > x[i]

    return top


def test_int8_and_float32_operands_meet_in_float32():
    x = np.array([2, -3, 1, 4], np.int8)
    f = np.array([2.5, 0.25, 3.5, 0.5], np.float32)
    out = np.zeros((10, 4), np.float32)
    dato.build(mixed_types_program(4), target="simulator")(x, f, out)
    xf = x.astype(np.float32)
    with np.errstate(invalid="ignore"):
        pow_ref = np.power(xf, f)  # (-3) ** 0.25 is NaN
    want = [
        np.where(x > 0, 2.5, f),
        np.where(x > 0, f, 2.5),
        np.where(x > 1, xf, f),
        np.where(x > 1, f, xf),
        np.float32(2.5) < f,
        xf < f,
        np.maximum(np.float32(0.5), f),
        np.minimum(xf, f),
        pow_ref,
        f > xf,
    ]
    for r, expected in enumerate(want):
        np.testing.assert_allclose(
            out[r], np.asarray(expected, np.float32), rtol=2**-22, err_msg=f"row {r}"
        )
    assert out[5, 0] == 1.0 and out[7, 0] == 2.0  # 2 < 2.5: no truncation of 2.5 to int8


def test_identity_comparison_is_refused():
    @dato.region()
    def top(X: int32[2], OUT: int32[2]):
        @dato.kernel(mapping=[1], args=[X, OUT])
        def k(x: int32[2], o: int32[2]):
            o[0] = x[0] is x[1]

    with pytest.raises(dato.DatoCompileError) as err:
        dato.build(top, target="simulator")
    assert str(err.value).endswith(": error: comparison Is is not supported in kernels")


def bf16_math_program(n: int):
    @dato.region()
    def top(A: bfloat16[n], OUT: bfloat16[n]):
        @dato.kernel(mapping=[1], args=[A, OUT])
        def k(a: bfloat16[n], o: bfloat16[n]):
            for i in range(n):
                o[i] = dato.exp(a[i]) * a[i]

    return top


def test_bf16_math_rounds_to_bf16_before_the_next_op():
    a = np.array([1.0078125, -0.62890625, 2.015625, 0.33203125, 3.96875], ml_dtypes.bfloat16)
    out = np.zeros(a.size, ml_dtypes.bfloat16)
    dato.build(bf16_math_program(a.size), target="simulator")(a, out)
    af = a.astype(np.float32)
    e = np.exp(af).astype(ml_dtypes.bfloat16).astype(np.float32)  # exp rounds once to bf16
    want = (e * af).astype(ml_dtypes.bfloat16)  # the product rounds once more
    np.testing.assert_array_equal(out.view(np.uint16), want.view(np.uint16))
    unrounded = (np.exp(af) * af).astype(ml_dtypes.bfloat16)
    assert (unrounded.view(np.uint16) != want.view(np.uint16)).any()  # the rounding shows


def reading_program(n: int):
    @dato.region()
    def top(U: uint8[n], S: int8[n], TO_S: int8[n], TO_U: uint8[n], F: float32[2, n]):
        @dato.kernel(mapping=[1], args=[U, S, TO_S, TO_U, F])
        def k(u: uint8[n], s: int8[n], to_s: int8[n], to_u: uint8[n], f: float32[2, n]):
            for i in range(n):
                to_s[i] = u[i]  # same bits, read signed
                to_u[i] = s[i]  # same bits, read unsigned
                f[0, i] = s[i] * 2.5  # a float literal makes the product float32
                f[1, i] = 2.5 * s[i]

    return top


def test_int8_and_uint8_share_their_bits_and_float_literals_promote():
    u = np.array([200, 127, 128, 0], np.uint8)
    s = np.array([-128, -1, 5, 127], np.int8)
    to_s, to_u = np.zeros(4, np.int8), np.zeros(4, np.uint8)
    f = np.zeros((2, 4), np.float32)
    dato.build(reading_program(4), target="simulator")(u, s, to_s, to_u, f)
    np.testing.assert_array_equal(to_s, u.astype(np.int8))  # [-56, 127, -128, 0]
    np.testing.assert_array_equal(to_u, s.astype(np.uint8))  # [128, 255, 5, 127]
    np.testing.assert_array_equal(f[0], s.astype(np.float32) * np.float32(2.5))
    np.testing.assert_array_equal(f[1], s.astype(np.float32) * np.float32(2.5))


def float_literal_into_int8_program():
    @dato.region()
    def top(S: int8[4], OUT: int8[2, 4]):
        @dato.kernel(mapping=[1], args=[S, OUT])
        def k(s: int8[4], o: int8[2, 4]):
            for i in range(4):
                o[0, i] = s[i] * 2.5  # computed in float32, truncated by the store
                o[1, i] = 2.5 * s[i]

    return top


def test_a_float_literal_times_int8_into_int8_is_computed_in_float():
    s = np.array([5, -3, 7, 1], np.int8)
    out = np.zeros((2, 4), np.int8)
    dato.build(float_literal_into_int8_program(), target="simulator")(s, out)
    want = (s.astype(np.float32) * np.float32(2.5)).astype(np.int8)  # [12, -7, 17, 2]
    np.testing.assert_array_equal(out[0], want)
    np.testing.assert_array_equal(out[1], want)
