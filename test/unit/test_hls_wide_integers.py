"""Integers wider than 64 bits in the HLS C simulation agree with the simulator
and with Python's exact integers bit for bit: shifts by 64 and more (and by
the width or more), extension and truncation across 64 bits, max/min signed
and unsigned, elementwise sums and products, and a matmul of UInt(32)
operands into Int(100), whose operands HLS sign-extended (0xFFFFFFFF counted
as -1), floats converted to Int(100), UInt(128), int64 and UInt(64), which
HLS refused above 64 bits, and an Int(100) matmul into float32. One kernel, so one g++ build."""

import math
import random
from pathlib import Path
from typing import Any

import ml_dtypes
import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Int, UInt
from test.unit.float_reference import nearest_float

N = 8
M = 2
I65, I100, I128, U32, U64, U100, U128 = (
    Int(65),
    Int(100),
    Int(128),
    UInt(32),
    UInt(64),
    UInt(100),
    UInt(128),
)


def wrap(v: int, n: int, signed: bool = True) -> int:
    v &= (1 << n) - 1
    return v - (1 << n) if signed and v >> (n - 1) else v


def wide_region() -> Any:
    @dato.region()
    def top(
        A: I100[N],
        B: I100[N],
        U: U100[N],
        V: U100[N],
        S: dato.int32[N],
        L: dato.int64[N],
        MA: U32[M, M],
        MB: U32[M, M],
        X: dato.float32[N],
        Y: dato.bfloat16[N],
        P: I100[M, M],
        E: I100[M, M],
        O1: I100[N],
        O2: I100[N],
        O3: U100[N],
        O4: U100[N],
        O5: I128[N],
        O6: dato.int32[N],
        O7: U100[N],
        O8: I100[N],
        O9: I100[N],
        O10: U100[N],
        O11: I65[N],
        O12: dato.int64[N],
        O13: I100[N],
        O14: I100[N],
        MO: I100[M, M],
        F1: I100[N],
        F2: U128[N],
        F3: dato.int64[N],
        F4: U64[N],
        MF: dato.float32[M, M],
    ):
        @dato.kernel(
            mapping=[1],
            args=[
                A,
                B,
                U,
                V,
                S,
                L,
                MA,
                MB,
                X,
                Y,
                P,
                E,
                O1,
                O2,
                O3,
                O4,
                O5,
                O6,
                O7,
                O8,
                O9,
                O10,
                O11,
                O12,
                O13,
                O14,
                MO,
                F1,
                F2,
                F3,
                F4,
                MF,
            ],
        )
        def k(
            a: I100[N],
            b: I100[N],
            u: U100[N],
            v: U100[N],
            s: dato.int32[N],
            w: dato.int64[N],
            ma: U32[M, M],
            mb: U32[M, M],
            x: dato.float32[N],
            y: dato.bfloat16[N],
            p: I100[M, M],
            e: I100[M, M],
            o1: I100[N],
            o2: I100[N],
            o3: U100[N],
            o4: U100[N],
            o5: I128[N],
            o6: dato.int32[N],
            o7: U100[N],
            o8: I100[N],
            o9: I100[N],
            o10: U100[N],
            o11: I65[N],
            o12: dato.int64[N],
            o13: I100[N],
            o14: I100[N],
            mo: I100[M, M],
            f1: I100[N],
            f2: U128[N],
            f3: dato.int64[N],
            f4: U64[N],
            mf: dato.float32[M, M],
        ):
            for i in range(N):
                sh: I100 = s[i]
                ush: U100 = s[i]
                o1[i] = a[i] << sh
                o2[i] = a[i] >> sh
                o3[i] = u[i] >> ush
                o4[i] = u[i] << ush
                t: I128 = w[i]
                o5[i] = t * 3 - a[i]
                o6[i] = a[i]
                q: U100 = w[i]
                o7[i] = q
                o8[i] = max(a[i], b[i])
                o9[i] = min(a[i], b[i])
                o10[i] = max(u[i], v[i])
                z: I65 = a[i]
                o11[i] = -z
                o12[i] = a[i]
                f1[i] = x[i]
                f2[i] = y[i]
                f3[i] = x[i]
                f4[i] = x[i]
            o13[:] = dato.add(a, b)
            o14[:] = a * b
            mo[:, :] = dato.matmul(ma, mb, dtype=I100)
            mf[:, :] = dato.matmul(p, e, dtype=dato.float32)

    return top


# floats converted to Int(100), int64 and UInt(64) (X) and UInt(128) (Y): around
# and past each width's range, fractions, NaN and infinity
FLOATS_X = [2.0**98 * 1.75, -(2.0**99), 2.0**100, -3.75, 2.0**63, -(2.0**64), 2.0**64, math.nan]
FLOATS_Y = [2.0**127 * 1.5, -(2.0**127), -5.0, 1.0e30, 0.5, 2.0**64 + 2.0**57, 7.0, math.inf]


# an Int(100) matmul into float32 (times the identity): each operand rounds once
# to float32 (a C cast of ap_int<100> read its low 64 bits; the simulator went
# through double)
WIDE_MATRIX = [[(1 << 90) + (1 << 66) + 1, -((1 << 60) + (1 << 36) + 1)], [(1 << 99) - 1, 12345]]


def truncated(x: float, n: int, signed: bool) -> int:
    """float -> n-bit integer: NaN 0, truncated towards zero, clamped to the
    type's range (the rule of arith.fptosi / fptoui the simulator defines)."""
    lo, hi = (-(1 << (n - 1)), (1 << (n - 1)) - 1) if signed else (0, (1 << n) - 1)
    if math.isnan(x):
        return 0
    return hi if x == math.inf else lo if x == -math.inf else min(max(math.trunc(x), lo), hi)


def inputs() -> list[np.ndarray]:
    rng = random.Random(1)

    def r(bits: int, signed: bool = True) -> int:
        lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
        return rng.randint(lo, hi)

    a = [0, -1, -(1 << 99), (1 << 99) - 1, 1 << 64, -(1 << 64), r(100), r(100)]
    b = [5, -(1 << 99), (1 << 99) - 1, -1, (1 << 64) - 1, r(100), r(100), 0]
    u = [0, (1 << 100) - 1, 1 << 99, 1 << 64, r(100, False), r(100, False), 7, 1 << 63]
    v = [1, 0, (1 << 99) + 1, (1 << 64) - 1, r(100, False), r(100, False), 1 << 99, 1 << 99]
    s = [0, 1, 63, 64, 65, 99, 100, 200]  # shift amounts: across 64, the width and past it
    longs = [0, -1, -(1 << 63), (1 << 63) - 1, 12345, -99999, 1 << 40, r(64)]
    ma = [[0xFFFFFFFF, 0x80000000], [3, 0xFFFFFFF0]]
    mb = [[0xFFFFFFFF, 2], [0x80000001, 0xFFFFFFFF]]
    return [
        *(np.array(x, object) for x in (a, b, u, v)),
        np.array(s, np.int32),
        np.array(longs, np.int64),
        np.array(ma, np.uint32),
        np.array(mb, np.uint32),
        np.array(FLOATS_X, np.float32),
        np.array(FLOATS_Y, np.float32).astype(ml_dtypes.bfloat16),
        np.array(WIDE_MATRIX, object),
        np.array([[1, 0], [0, 1]], object),
    ]


def expected(ins: list[np.ndarray]) -> list[list[int]]:
    """Python's exact integers wrapped to each output's width."""
    a, b, u, v, s, longs = ([int(x) for x in arr] for arr in ins[:6])
    ma, mb = ins[6].astype(object), ins[7].astype(object)
    rows = range(N)
    product = ma @ mb
    return [
        [0 if s[i] >= 100 else wrap(a[i] << s[i], 100) for i in rows],
        [a[i] >> min(s[i], 99) for i in rows],
        [0 if s[i] >= 100 else u[i] >> s[i] for i in rows],
        [0 if s[i] >= 100 else wrap(u[i] << s[i], 100, False) for i in rows],
        [wrap(longs[i] * 3 - a[i], 128) for i in rows],
        [wrap(a[i], 32) for i in rows],
        [wrap(longs[i], 100, False) for i in rows],  # a UInt(100) from int64 sign-extends
        [max(a[i], b[i]) for i in rows],
        [min(a[i], b[i]) for i in rows],
        [max(u[i], v[i]) for i in rows],
        [wrap(-wrap(a[i], 65), 65) for i in rows],
        [wrap(a[i], 64) for i in rows],
        [wrap(a[i] + b[i], 100) for i in rows],
        [wrap(a[i] * b[i], 100) for i in rows],
        [wrap(int(x), 100) for x in product.flat],
        [truncated(float(f), 100, True) for f in ins[8]],
        [truncated(float(f), 128, False) for f in ins[9]],  # UInt reads back unsigned
        [truncated(float(f), 64, True) for f in ins[8]],
        [truncated(float(f), 64, False) for f in ins[8]],
        [nearest_float(int(x), np.float32) for x in ins[10].flat],  # times the identity
    ]


@pytest.mark.parametrize("target", ["simulator", "hls"])
def test_wide_integer_ops_agree_bit_for_bit(target: str, tmp_path: Path) -> None:
    ins = inputs()
    outs = [
        *(np.zeros(N, object) for _ in range(5)),
        np.zeros(N, np.int32),
        *(np.zeros(N, object) for _ in range(5)),
        np.zeros(N, np.int64),
        np.zeros(N, object),
        np.zeros(N, object),
        np.zeros((M, M), object),
        np.zeros(N, object),
        np.zeros(N, object),
        np.zeros(N, np.int64),
        np.zeros(N, np.uint64),
        np.zeros((M, M), np.float32),
    ]
    options = {} if target == "simulator" else {"project": tmp_path / "p"}
    dato.build(wide_region(), target=target, **options)(*ins, *outs)
    for k, (got, want) in enumerate(zip(outs, expected(ins), strict=True)):
        if got.dtype == np.float32:
            assert [repr(x) for x in got.flat] == [repr(w) for w in want], f"output {k + 1}"
        else:
            assert [int(x) for x in got.flat] == want, f"output {k + 1}"
