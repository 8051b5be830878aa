"""The HLS C++ emitter's op handlers (emit_cpp._Function: how each arith,
math, memref, linalg, scf and vhls op becomes C++), checked by value: small
programs batching many ops go through the g++ C simulation and their outputs
are compared with numpy or Python integers. Operands sit at the edges that
tell a wrong translation apart: the most negative value and -1, wrap-around,
shifts of negative values and by the width, division by negative numbers,
unsigned values with the top bit set, casts between widths, every comparison
predicate, floats whose rounding shows, non-square matmuls into accumulators
that start non-zero (tools/mutation-test hls-emitter, the op handlers)."""

import subprocess
from pathlib import Path

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import (
    Int,
    Stream,
    UInt,
    bfloat16,
    float32,
    int8,
    int32,
    int64,
    uint8,
    uint32,
)
from dato_xdsl.dialects import vhls
from dato_xdsl.driver import DatoOptMain, LocatingParser
from dato_xdsl.targets.hls import emit_cpp

N = 8  # operands per row


def hls(program, tmp_path, name: str):
    return dato.build(program, target="hls", project=tmp_path / name)


def misindented(lines: list[str]) -> list[str]:
    """Lines of emitted C++ not indented two spaces per enclosing brace (the
    kernel.cpp a user reads and Vitis reports on); pragmas start the line."""
    depth, bad = 0, []
    for line in lines:
        if line.startswith("#pragma"):
            continue
        body = line.lstrip(" ")
        if len(line) - len(body) != 2 * (depth - body.startswith("}")):
            bad.append(line)
        depth += body.count("{") - body.count("}")
    return bad


def wrap(v: int, width: int, signed: bool = True) -> int:
    v &= (1 << width) - 1
    return v - (1 << width) if signed and v >= 1 << (width - 1) else v


def tdiv(a: int, b: int) -> int:
    """C's division: truncates towards zero."""
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


# ------------------------------------------------------------- integers

I32_ROWS = 24


def int32_ops():
    @dato.region()
    def top(A: int32[N], B: int32[N], S: int32[N], OUT: int32[I32_ROWS, N]):
        @dato.kernel(mapping=[1], args=[A, B, S, OUT])
        def k(a: int32[N], b: int32[N], s: int32[N], o: int32[I32_ROWS, N]):
            for i in range(N):
                x = a[i]
                y = b[i]
                o[0, i] = x + y
                o[1, i] = x - y
                o[2, i] = x * y
                o[3, i] = x & y
                o[4, i] = x | y
                o[5, i] = x ^ y
                o[6, i] = x / y
                o[7, i] = x // y
                o[8, i] = x % y
                o[9, i] = x >> s[i]
                o[10, i] = x << s[i]
                o[11, i] = x == y
                o[12, i] = x != y
                o[13, i] = x < y
                o[14, i] = x <= y
                o[15, i] = x > y
                o[16, i] = x >= y
                o[17, i] = max(x, y)
                o[18, i] = min(x, y)
                o[19, i] = abs(x)
                o[20, i] = x if x < y else -y
                o[21, i] = dato.int8(x) + dato.int16(y)
                o[22, i] = dato.int64(x) * dato.int64(y) >> 16
                o[23, i] = ~x - x

    return top


def int32_reference(x: list[int], y: list[int], s: list[int]) -> np.ndarray:
    def row(f) -> list[int]:
        return [wrap(f(a, b, c), 32) for a, b, c in zip(x, y, s, strict=True)]

    rows = [
        row(lambda a, b, c: a + b),
        row(lambda a, b, c: a - b),
        row(lambda a, b, c: a * b),
        row(lambda a, b, c: a & b),
        row(lambda a, b, c: a | b),
        row(lambda a, b, c: a ^ b),
        row(lambda a, b, c: tdiv(a, b)),
        row(lambda a, b, c: a // b),
        row(lambda a, b, c: a % b),
        row(lambda a, b, c: a >> min(c, 31)),
        row(lambda a, b, c: 0 if c >= 32 else a << c),
        row(lambda a, b, c: int(a == b)),
        row(lambda a, b, c: int(a != b)),
        row(lambda a, b, c: int(a < b)),
        row(lambda a, b, c: int(a <= b)),
        row(lambda a, b, c: int(a > b)),
        row(lambda a, b, c: int(a >= b)),
        row(lambda a, b, c: max(a, b)),
        row(lambda a, b, c: min(a, b)),
        row(lambda a, b, c: abs(a)),
        row(lambda a, b, c: a if a < b else -b),
        row(lambda a, b, c: wrap(a, 8) + wrap(b, 16)),
        row(lambda a, b, c: (a * b) >> 16),
        row(lambda a, b, c: ~a - a),
    ]
    return np.array(rows, np.int32)


MIN32, MAX32 = -(2**31), 2**31 - 1


def test_int32_ops_wrap_and_compare_as_numpy(tmp_path):
    x = [MIN32, MIN32, MAX32, -1, -7, 7, MIN32 + 1, 100]
    y = [-1, 3, -1, MIN32, -2, -2, MAX32, 100]
    s = [0, 31, 1, 33, 3, 32, 5, 2]
    OUT = np.full((I32_ROWS, N), 0x55, np.int32)
    hls(int32_ops(), tmp_path, "i32")(
        np.array(x, np.int32), np.array(y, np.int32), np.array(s, np.int32), OUT
    )
    want = int32_reference(x, y, s)
    bad = [(r, list(OUT[r]), list(want[r])) for r in range(I32_ROWS) if (OUT[r] != want[r]).any()]
    assert not bad, bad


NARROW_ROWS = 10
UNSIGNED_ROWS = 13


def narrow_and_unsigned_ops():
    @dato.region()
    def top(
        A: int8[N],
        B: int8[N],
        OUT: int8[NARROW_ROWS, N],
        W: int32[4, N],
        U: uint8[N],
        V: uint8[N],
        P: uint8[8, N],
        Q: int32[UNSIGNED_ROWS, N],
        G: uint32[N],
        H: uint32[N],
        R: uint32[4, N],
        F: float32[3, N],
        L: int64[N],
        M: int64[3, N],
    ):
        @dato.kernel(mapping=[1], args=[A, B, OUT, W])
        def k8(a: int8[N], b: int8[N], o: int8[NARROW_ROWS, N], w: int32[4, N]):
            for i in range(N):
                x = a[i]
                y = b[i]
                o[0, i] = x + y
                o[1, i] = x - y
                o[2, i] = x * y
                o[3, i] = x / y
                o[4, i] = x // y
                o[5, i] = x % y
                o[6, i] = x >> 3
                o[7, i] = abs(x)
                o[8, i] = max(x, y)
                o[9, i] = min(x, y)
                w[0, i] = dato.int32(x)
                w[1, i] = x < y
                w[2, i] = dato.int32(x) * 65536
                w[3, i] = dato.int32(dato.int16(x) * dato.int16(y))

        @dato.kernel(mapping=[1], args=[U, V, P, Q])
        def ku(u: uint8[N], v: uint8[N], p: uint8[8, N], q: int32[UNSIGNED_ROWS, N]):
            for i in range(N):
                x = u[i]
                y = v[i]
                p[0, i] = x // y
                p[1, i] = x % y
                p[2, i] = x >> 3
                p[3, i] = max(x, y)
                p[4, i] = min(x, y)
                p[5, i] = x + y
                p[6, i] = x * y
                p[7, i] = x - y
                q[0, i] = x < y
                q[1, i] = x <= y
                q[2, i] = x > y
                q[3, i] = x >= y
                q[4, i] = x == y
                q[5, i] = x != y
                q[6, i] = dato.int32(x)
                q[7, i] = dato.int32(dato.float32(x))
                q[8, i] = dato.int32(dato.int8(x))
                q[9, i] = dato.int32(dato.uint32(x) * 16777216)
                q[10, i] = dato.int32(x) - 200
                q[11, i] = x / y
                q[12, i] = dato.int32(dato.int16(x)) * 1000

        @dato.kernel(mapping=[1], args=[G, H, R, F])
        def k32u(g: uint32[N], h: uint32[N], r: uint32[4, N], f: float32[3, N]):
            for i in range(N):
                x = g[i]
                y = h[i]
                r[0, i] = x // y
                r[1, i] = x % y
                r[2, i] = x >> 4
                r[3, i] = (x > y) * 2 + (x < y)
                f[0, i] = dato.float32(x)
                f[1, i] = dato.float32(dato.int32(x))
                f[2, i] = max(x, y)

        @dato.kernel(mapping=[1], args=[L, M])
        def k64(lv: int64[N], m: int64[3, N]):
            for i in range(N):
                x = lv[i]
                m[0, i] = x * x + x
                m[1, i] = x >> 40
                m[2, i] = dato.int64(dato.float32(x))

    return top


def test_narrow_and_unsigned_ops_as_numpy(tmp_path):
    a = [-128, -128, 127, -1, -7, 7, 100, -100]
    b = [-1, 3, -128, 127, -2, -2, 100, 9]
    u = [255, 200, 0, 128, 7, 129, 250, 1]
    v = [1, 255, 3, 128, 200, 2, 7, 255]
    g = [2**32 - 1, 2**31, 7, 2**31 + 5, 100, 16777217, 0, 3_000_000_000]
    h = [2, 3, 2**32 - 1, 2**31, 100, 5, 9, 7]
    ln = [-(2**63), 2**63 - 1, -1, 2**40 + 3, -(2**41) - 5, 12345678901, 16777217, 0]
    OUT = np.zeros((NARROW_ROWS, N), np.int8)
    W = np.zeros((4, N), np.int32)
    P = np.zeros((8, N), np.uint8)
    Q = np.zeros((UNSIGNED_ROWS, N), np.int32)
    R = np.zeros((4, N), np.uint32)
    F = np.zeros((3, N), np.float32)
    M = np.zeros((3, N), np.int64)
    mod = hls(narrow_and_unsigned_ops(), tmp_path, "narrow")
    mod(
        np.array(a, np.int8),
        np.array(b, np.int8),
        OUT,
        W,
        np.array(u, np.uint8),
        np.array(v, np.uint8),
        P,
        Q,
        np.array(g, np.uint32),
        np.array(h, np.uint32),
        R,
        F,
        np.array(ln, np.int64),
        M,
    )

    def rows(fs, xs, ys, width, signed=True):
        return np.array(
            [[wrap(f(p, q), width, signed) for p, q in zip(xs, ys, strict=True)] for f in fs]
        )

    want_o = rows(
        [
            lambda p, q: p + q,
            lambda p, q: p - q,
            lambda p, q: p * q,
            tdiv,
            lambda p, q: p // q,
            lambda p, q: p % q,
            lambda p, q: p >> 3,
            lambda p, q: abs(p),
            max,
            min,
        ],
        a,
        b,
        8,
    )
    np.testing.assert_array_equal(OUT, want_o)
    want_w = rows(
        [
            lambda p, q: p,
            lambda p, q: int(p < q),
            lambda p, q: p * 65536,
            lambda p, q: p * q,
        ],
        a,
        b,
        32,
    )
    np.testing.assert_array_equal(W, want_w)
    want_p = rows(
        [
            lambda p, q: p // q,
            lambda p, q: p % q,
            lambda p, q: p >> 3,
            max,
            min,
            lambda p, q: p + q,
            lambda p, q: p * q,
            lambda p, q: p - q,
        ],
        u,
        v,
        8,
        signed=False,
    )
    np.testing.assert_array_equal(P, want_p)
    want_q = rows(
        [
            lambda p, q: int(p < q),
            lambda p, q: int(p <= q),
            lambda p, q: int(p > q),
            lambda p, q: int(p >= q),
            lambda p, q: int(p == q),
            lambda p, q: int(p != q),
            lambda p, q: p,
            lambda p, q: p,
            lambda p, q: wrap(p, 8),
            lambda p, q: p * 16777216,
            lambda p, q: p - 200,
            lambda p, q: p // q,
            lambda p, q: p * 1000,
        ],
        u,
        v,
        32,
    )
    np.testing.assert_array_equal(Q, want_q)
    want_r = rows(
        [
            lambda p, q: p // q,
            lambda p, q: p % q,
            lambda p, q: p >> 4,
            lambda p, q: (p > q) * 2 + (p < q),
        ],
        g,
        h,
        32,
        signed=False,
    )
    np.testing.assert_array_equal(R, want_r)
    gf = np.array(g, np.uint32)
    # uint32 to float32 rounds to nearest (2^32 - 1 becomes 2^32); through int32
    # the top bit is the sign
    want_f = [
        gf.astype(np.float32),
        gf.astype(np.int32).astype(np.float32),
        np.maximum(gf, np.array(h, np.uint32)).astype(np.float32),
    ]
    np.testing.assert_array_equal(F, np.array(want_f))
    # float32 rounds 2^63 - 1 up to 2^63, which saturates (dato's fptosi)
    saturated = [min(max(int(float(np.float32(x))), -(2**63)), 2**63 - 1) for x in ln]
    want_m = [[wrap(x * x + x, 64) for x in ln], [x >> 40 for x in ln], saturated]
    np.testing.assert_array_equal(M, np.array(want_m, np.int64))


# ---------------------------------------------------------------- floats

FLOAT_ROWS = 15


def float_ops():
    @dato.region()
    def top(
        A: float32[N],
        B: float32[N],
        C: float32[N],
        OUT: float32[FLOAT_ROWS, N],
        T: int32[9, N],
        U: uint8[N],
        H: bfloat16[N],
        HO: bfloat16[3, N],
        HF: float32[2, N],
        NI: int32[N],
        IF: float32[2, N],
    ):
        @dato.kernel(mapping=[1], args=[A, B, C, OUT, T, U])
        def kf(
            a: float32[N],
            b: float32[N],
            c: float32[N],
            o: float32[FLOAT_ROWS, N],
            t: int32[9, N],
            u: uint8[N],
        ):
            for i in range(N):
                x = a[i]
                y = b[i]
                o[0, i] = x + y
                o[1, i] = x - y
                o[2, i] = x * y
                o[3, i] = x / y
                o[4, i] = -x
                o[5, i] = dato.maximum(x, y)
                o[6, i] = dato.minimum(x, y)
                o[7, i] = dato.exp(c[i])
                o[8, i] = dato.sqrt(dato.abs(c[i]))
                o[9, i] = dato.floor(c[i])
                o[10, i] = dato.ceil(c[i])
                o[11, i] = dato.float32(x > y)
                o[12, i] = x if x >= y else y
                o[13, i] = dato.log(dato.abs(c[i]) + 1.0)
                o[14, i] = c[i] * 3.0 + 1.0
                t[0, i] = x == y
                t[1, i] = x != y
                t[2, i] = x < y
                t[3, i] = x <= y
                t[4, i] = x > y
                t[5, i] = x >= y
                t[6, i] = dato.int32(c[i])
                t[7, i] = dato.int32(dato.int8(c[i]))
                t[8, i] = dato.int32(dato.int64(c[i] * 1000.0))
                u[i] = dato.uint8(dato.abs(c[i]) * 2.0)

        @dato.kernel(mapping=[1], args=[H, HO, HF, NI, IF])
        def kb(
            h: bfloat16[N], ho: bfloat16[3, N], hf: float32[2, N], n: int32[N], nf: float32[2, N]
        ):
            for i in range(N):
                x = h[i]
                hf[0, i] = dato.float32(x)
                hf[1, i] = dato.float32(x) * 3.0
                ho[0, i] = x + x
                ho[1, i] = dato.bfloat16(dato.float32(x) + 0.00390625)
                ho[2, i] = dato.bfloat16(n[i])
                nf[0, i] = dato.float32(n[i])
                m: int64 = dato.int64(n[i]) * 3
                nf[1, i] = dato.float32(m)

    return top


def test_float_ops_round_and_compare_as_numpy(tmp_path):
    import ml_dtypes

    nan = float("nan")
    a = [1.5, -2.0, nan, 3.0, 1e30, -0.0, 16777216.0, 0.1]
    b = [1.5, 3.0, 1.0, nan, 1e-30, 0.0, 1.0, 0.2]
    c = [2.75, -2.75, 0.5, -0.5, 100.7, -127.9, 3.999, -1.25]
    h = [1.0, 1.00390625, -3.5, 255.0, 1.0078125, -0.0, 0.5, 1e10]
    n = [16777217, -16777217, 2**31 - 1, -(2**31), 257, -3, 0, 33554435]
    f = np.float32
    A, B, C = (np.array(v, f) for v in (a, b, c))
    OUT = np.zeros((FLOAT_ROWS, N), f)
    T = np.zeros((9, N), np.int32)
    U = np.zeros(N, np.uint8)
    bf = ml_dtypes.bfloat16
    H = np.array(h, f).astype(bf)
    HO = np.zeros((3, N), bf)
    HF = np.zeros((2, N), f)
    I_ = np.array(n, np.int32)
    IF = np.zeros((2, N), f)
    hls(float_ops(), tmp_path, "float")(A, B, C, OUT, T, U, H, HO, HF, I_, IF)
    with np.errstate(all="ignore"):
        want_o = [
            A + B,
            A - B,
            A * B,
            A / B,
            -A,
            np.maximum(A, B),
            np.minimum(A, B),
            np.exp(C),
            np.sqrt(np.abs(C)),
            np.floor(C),
            np.ceil(C),
            (A > B).astype(f),
            np.where(A >= B, A, B),
            np.log(np.abs(C) + f(1)),
            C * f(3) + f(1),
        ]
    for r, w in enumerate(want_o):
        np.testing.assert_allclose(OUT[r], w, rtol=2e-7, atol=0, err_msg=f"row {r}")
    # the sign of -0.0 and of a negated NaN
    assert np.signbit(OUT[4, 5]) == 0 and np.signbit(OUT[4, 4])
    want_t = [A == B, A != B, A < B, A <= B, A > B, A >= B]
    want_t += [C.astype(np.int32), C.astype(np.int8), (C * f(1000)).astype(np.int64)]
    np.testing.assert_array_equal(T, np.array(want_t).astype(np.int32))
    np.testing.assert_array_equal(U, (np.abs(C) * f(2)).astype(np.uint8))
    hf = H.astype(f)
    np.testing.assert_array_equal(HF, np.array([hf, hf * f(3)]))
    want_ho = [(hf + hf).astype(bf), (hf + f(0.00390625)).astype(bf), I_.astype(f).astype(bf)]
    np.testing.assert_array_equal(HO.astype(f), np.array(want_ho).astype(f))
    want_if = [I_.astype(f), (I_.astype(np.int64) * 3).astype(f)]
    np.testing.assert_array_equal(IF, np.array(want_if))


# ------------------------------------------- arrays: linalg, views, streams

MM, KK, NN = 3, 5, 2  # non-square: a swapped extent or stride shows


def array_ops():
    @dato.region()
    def top(
        A: int32[MM, KK],
        B: int32[KK, NN],
        C: int32[MM, NN],
        D: int32[MM, KK],
        E: int32[MM, KK],
        A8: int8[MM, KK],
        B8: int8[KK, NN],
        C8: int32[MM, NN],
        U8: uint8[MM, KK],
        V8: uint8[KK, NN],
        CU: int32[MM, NN],
        FU: float32[MM, NN],
        X: float32[MM, KK],
        Y: float32[MM, KK],
        W: float32[KK, NN],
        CF: float32[MM, NN],
        L: int64[MM, KK],
        LB: int64[KK, NN],
        CL: int64[MM, NN],
        Z: int32[4, 8],
    ):
        pipe: Stream[int32[8, 8], 2]
        vec: Stream[int32[2, 3], 2]

        @dato.kernel(mapping=[1], args=[A, B, C, D, E])
        def ki(
            a: int32[MM, KK], b: int32[KK, NN], c: int32[MM, NN], d: int32[MM, KK], e: int32[MM, KK]
        ):
            c[:, :] += dato.matmul(a, b)
            f: int32[MM, KK] = 0
            f[:, :] = a - e
            d[:, :] = a + e
            e[:, :] = dato.maximum(a, e) * f
            t: int32[2, 3] = 7
            d[1:3, 2:5] = t

        @dato.kernel(mapping=[1], args=[A8, B8, C8, U8, V8, CU, FU])
        def k8(
            a: int8[MM, KK],
            b: int8[KK, NN],
            c: int32[MM, NN],
            u: uint8[MM, KK],
            v: uint8[KK, NN],
            cu: int32[MM, NN],
            fu: float32[MM, NN],
        ):
            c[:, :] = dato.matmul(a, b)
            cu[:, :] += dato.matmul(u, v)
            fu[:, :] = dato.matmul(u, v)

        @dato.kernel(mapping=[1], args=[X, Y, W, CF, L, LB, CL])
        def kf(
            x: float32[MM, KK],
            y: float32[MM, KK],
            w: float32[KK, NN],
            cf: float32[MM, NN],
            lv: int64[MM, KK],
            lb: int64[KK, NN],
            cl: int64[MM, NN],
        ):
            cf[:, :] += dato.matmul(x, w)
            y[:, :] = dato.exp(x) + dato.minimum(x, y)
            cl[:, :] += dato.matmul(lv, lb)

        @dato.kernel(mapping=[1], args=[Z])
        def p(z: int32[4, 8]):
            junk: int32[8, 8] = 9
            pipe.put(junk)  # noqa: F821
            small: int32[2, 3] = -9
            vec.put(small)  # noqa: F821
            blk: int32[8, 8] = 0
            for i in range(8):
                for j in range(8):
                    blk[i, j] = i * 10 - j
            pipe.put(blk)  # noqa: F821
            sm: int32[2, 3] = 0
            for i in range(2):
                for j in range(3):
                    sm[i, j] = i - j * 100
            vec.put(sm)  # noqa: F821

        @dato.kernel(mapping=[1], args=[Z])
        def q(z: int32[4, 8]):
            pipe.get()  # noqa: F821  (a block taken off the stream, unread)
            vec.get()  # noqa: F821
            blk = pipe.get()  # noqa: F821
            sm = vec.get()  # noqa: F821
            z[:, :] = blk[1:8:2, :]
            z[0, 1:4] = sm[1, :]
            z[3, 5:8] = sm[0, :]

    return top


def wrapped(x: np.ndarray, width: int) -> np.ndarray:
    """Python-int arrays (object) wrapped to signed `width` bits."""
    return np.vectorize(lambda v: wrap(int(v), width), otypes=[np.int64])(x)


def test_array_ops_matmuls_views_and_streams_as_numpy(tmp_path):
    rng = np.random.default_rng(20)
    big = np.array([MIN32, MAX32, -1, 1 << 30, -(1 << 29) - 7], np.int64)
    A = rng.choice(big, (MM, KK)).astype(np.int32)
    A[0, 0], A[2, 4] = MIN32, MAX32
    B = rng.integers(-(2**20), 2**20, (KK, NN)).astype(np.int32)
    C0 = rng.integers(-(2**31), 2**31, (MM, NN)).astype(np.int32)  # accumulators start here
    D = np.zeros((MM, KK), np.int32)
    E0 = rng.choice(big, (MM, KK)).astype(np.int32)
    A8 = rng.integers(-128, 128, (MM, KK)).astype(np.int8)
    A8[0, :] = -128
    B8 = rng.integers(-128, 128, (KK, NN)).astype(np.int8)
    B8[:, 0] = -128
    C8 = np.full((MM, NN), 99, np.int32)
    U8 = rng.integers(128, 256, (MM, KK)).astype(np.uint8)
    V8 = rng.integers(0, 256, (KK, NN)).astype(np.uint8)
    CU0 = rng.integers(-1000, 1000, (MM, NN)).astype(np.int32)
    FU = np.zeros((MM, NN), np.float32)
    X = rng.uniform(-3, 3, (MM, KK)).astype(np.float32)
    Y0 = rng.uniform(-3, 3, (MM, KK)).astype(np.float32)
    Wt = rng.uniform(-3, 3, (KK, NN)).astype(np.float32)
    CF0 = np.array([[1e8, -1e8], [0.5, 3.0], [-2.25, 1e-3]], np.float32)
    L = rng.integers(-(2**62), 2**62, (MM, KK)).astype(np.int64)
    LB = rng.integers(-(2**40), 2**40, (KK, NN)).astype(np.int64)
    CL0 = rng.integers(-(2**62), 2**62, (MM, NN)).astype(np.int64)
    Z = np.zeros((4, 8), np.int32)
    C, E, CU, Y, CF, CL = (x.copy() for x in (C0, E0, CU0, Y0, CF0, CL0))
    mod = hls(array_ops(), tmp_path, "arrays")
    mod(A, B, C, D, E, A8, B8, C8, U8, V8, CU, FU, X, Y, Wt, CF, L, LB, CL, Z)

    def exact(x: np.ndarray) -> np.ndarray:
        return x.astype(object)

    np.testing.assert_array_equal(C, wrapped(exact(C0) + exact(A) @ exact(B), 32))
    f = wrapped(exact(A) - exact(E0), 32)
    want_d = wrapped(exact(A) + exact(E0), 32)
    want_d[1:3, 2:5] = 7
    np.testing.assert_array_equal(D, want_d)
    np.testing.assert_array_equal(E, wrapped(exact(np.maximum(A, E0)) * exact(f), 32))
    np.testing.assert_array_equal(C8, A8.astype(np.int64) @ B8.astype(np.int64))
    u = U8.astype(np.int64) @ V8.astype(np.int64)
    np.testing.assert_array_equal(CU, CU0 + u)
    np.testing.assert_array_equal(FU, u.astype(np.float32))
    # float32 sums in k order, starting from C (1e8 + a small product rounds)
    want_cf = CF0.copy()
    for k in range(KK):
        want_cf = want_cf + X[:, k : k + 1] * Wt[k : k + 1, :]
    np.testing.assert_allclose(CF, want_cf, rtol=1e-6)
    np.testing.assert_allclose(Y, np.exp(X) + np.minimum(X, Y0), rtol=2e-7)
    np.testing.assert_array_equal(CL, wrapped(exact(CL0) + exact(L) @ exact(LB), 64))
    blk = np.array([[i * 10 - j for j in range(8)] for i in range(8)], np.int32)
    sm = np.array([[i - j * 100 for j in range(3)] for i in range(2)], np.int32)
    want_z = blk[1:8:2, :].copy()
    want_z[0, 1:4] = sm[1, :]
    want_z[3, 5:8] = sm[0, :]
    np.testing.assert_array_equal(Z, want_z)
    assert not misindented((mod.project / "kernel.cpp").read_text().splitlines())


# ------------------------------- ops the frontend does not write, by hand

INCLUDE = Path(emit_cpp.__file__).parent / "include"
# as the C simulation (project.py), but -O0 (a small program compiles faster)
# and -ftrapv: a signed overflow, undefined in C++, stops the program rather
# than wrap as g++ happens to compile it
CSIM_FLAGS = ["-std=c++14", "-O0", "-Wall", "-Werror", "-Wno-unknown-pragmas", "-ftrapv"]

# scf.for carrying two values from non-zero starts, scf.if yielding two
# values, i1 casts (true is -1 signed, 1 unsigned), index casts, odd-width
# abs, a 100-bit integer to float, float to a u64 above 2^63, self-compares
HAND_WRITTEN = """
builtin.module {
  vhls.process @f load literals 0 (%a: memref<8xi32>, %r: memref<17xi32>, %w: memref<4xi64>,
      %fo: memref<6xf32>, %ff: memref<2xf32>, %v: memref<4xi32>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c3 = arith.constant 3 : index
    %c4 = arith.constant 4 : index
    %c5 = arith.constant 5 : index
    %c6 = arith.constant 6 : index
    %c7 = arith.constant 7 : index
    %c8 = arith.constant 8 : index
    %c9 = arith.constant 9 : index
    %c10 = arith.constant 10 : index
    %c11 = arith.constant 11 : index
    %c12 = arith.constant 12 : index
    %c13 = arith.constant 13 : index
    %c14 = arith.constant 14 : index
    %c15 = arith.constant 15 : index
    %five = arith.constant 5 : i32
    %three = arith.constant -3 : i32
    %sum, %prod = scf.for %0 = %c1 to %c8 step %c2
        iter_args(%1 = %five, %2 = %three) -> (i32, i32) {
      %x = memref.load %a[%0] : memref<8xi32>
      %s2 = arith.addi %1, %x : i32
      %p2 = arith.muli %2, %x : i32
      scf.yield %s2, %p2 : i32, i32
    }
    memref.store %sum, %r[%c0] : memref<17xi32>
    memref.store %prod, %r[%c1] : memref<17xi32>
    %x0 = memref.load %a[%c0] : memref<8xi32>
    %x1 = memref.load %a[%c1] : memref<8xi32>
    %neg = arith.cmpi slt, %x0, %x1 : i32
    %3, %hi = scf.if %neg -> (i32, i32) {
      scf.yield %x0, %x1 : i32, i32
    } else {
      %d = arith.subi %x0, %x1 : i32
      scf.yield %x1, %d : i32, i32
    }
    memref.store %3, %r[%c2] : memref<17xi32>
    memref.store %hi, %r[%c3] : memref<17xi32>
    %t = arith.constant true
    %ts = arith.extsi %t : i1 to i32
    %tu = arith.extui %t : i1 to i32
    memref.store %ts, %r[%c4] : memref<17xi32>
    memref.store %tu, %r[%c5] : memref<17xi32>
    %odd = arith.trunci %x1 : i32 to i1
    %oddi = arith.extui %odd : i1 to i32
    memref.store %oddi, %r[%c6] : memref<17xi32>
    %ix = arith.index_cast %x0 : i32 to index
    %ix2 = arith.addi %ix, %c3 : index
    %back = arith.index_cast %ix2 : index to i32
    memref.store %back, %r[%c7] : memref<17xi32>
    %uy = arith.index_cast %ix : index to i64
    memref.store %uy, %w[%c0] : memref<4xi64>
    %n12 = arith.trunci %x1 : i32 to i12
    %a12 = math.absi %n12 : i12
    %a12w = arith.extsi %a12 : i12 to i32
    memref.store %a12w, %r[%c8] : memref<17xi32>
    %u12 = arith.extui %n12 : i12 to i32
    memref.store %u12, %r[%c9] : memref<17xi32>
    %m0 = arith.maxsi %x0, %x0 : i32
    memref.store %m0, %r[%c10] : memref<17xi32>
    %eq = arith.cmpi sle, %x1, %x1 : i32
    %eqi = arith.extui %eq : i1 to i32
    memref.store %eqi, %r[%c11] : memref<17xi32>
    %ne = arith.cmpi ult, %x1, %x1 : i32
    %nei = arith.extui %ne : i1 to i32
    memref.store %nei, %r[%c12] : memref<17xi32>
    %u0 = arith.cmpi ugt, %x0, %x1 : i32
    %u0i = arith.extui %u0 : i1 to i32
    memref.store %u0i, %r[%c13] : memref<17xi32>
    %mu = arith.maxui %x0, %x1 : i32
    memref.store %mu, %r[%c14] : memref<17xi32>
    %mn = arith.minui %x0, %x1 : i32
    memref.store %mn, %r[%c15] : memref<17xi32>
    %j = arith.addi %c1, %c1 : index
    %ac = "memref.cast"(%a) : (memref<8xi32>) -> memref<8xi32>
    %xj = memref.load %ac[%j] : memref<8xi32>
    %c16 = arith.addi %c15, %c1 : index
    memref.store %xj, %r[%c16] : memref<17xi32>
    %w100 = arith.extsi %x0 : i32 to i100
    %sh = arith.constant 40 : i100
    %big = arith.shli %w100, %sh : i100
    %bf = arith.sitofp %big : i100 to f32
    memref.store %bf, %fo[%c0] : memref<6xf32>
    %ubf = arith.uitofp %big : i100 to f32
    memref.store %ubf, %fo[%c1] : memref<6xf32>
    %tf = arith.sitofp %t : i1 to f32
    memref.store %tf, %fo[%c2] : memref<6xf32>
    %tuf = arith.uitofp %t : i1 to f32
    memref.store %tuf, %fo[%c3] : memref<6xf32>
    %ux1 = arith.uitofp %x0 : i32 to f32
    memref.store %ux1, %fo[%c4] : memref<6xf32>
    %f0 = memref.load %ff[%c0] : memref<2xf32>
    %nf = arith.negf %f0 : f32
    memref.store %nf, %fo[%c5] : memref<6xf32>
    %f1 = memref.load %ff[%c1] : memref<2xf32>
    %u64 = arith.fptoui %f1 : f32 to i64
    memref.store %u64, %w[%c1] : memref<4xi64>
    %s64 = arith.fptosi %f0 : f32 to i64
    memref.store %s64, %w[%c2] : memref<4xi64>
    %e64 = arith.extui %x0 : i32 to i64
    memref.store %e64, %w[%c3] : memref<4xi64>
    %x3 = memref.load %a[%c3] : memref<8xi32>
    %ov1 = arith.addi %x3, %x1 : i32
    %ov2 = arith.subi %x0, %x1 : i32
    %ov3 = arith.muli %x3, %x1 : i32
    memref.store %ov1, %v[%c0] : memref<4xi32>
    memref.store %ov2, %v[%c1] : memref<4xi32>
    memref.store %ov3, %v[%c2] : memref<4xi32>
    %k7 = arith.subi %c8, %c1 : index
    %x7 = memref.load %a[%k7] : memref<8xi32>
    memref.store %x7, %v[%c3] : memref<4xi32>
  }
}
"""


def test_hand_written_ops_compile_to_their_values(tmp_path):
    module = LocatingParser(DatoOptMain([]).ctx, HAND_WRITTEN, "hand.mlir").parse_module()
    proc = next(op for op in module.walk() if isinstance(op, vhls.ProcessOp))
    lines = ['#include "dato_hls.h"', "#include <cstdio>", *emit_cpp._Function(proc).generate()]
    assert not misindented(lines)
    a = [-(2**31), 7, -3, 2**31 - 1, 5, -1, 9, 1 << 20]
    lines += [
        "int main() {",
        f"  int32_t a[8] = {{{', '.join(f'(int32_t){v}LL' for v in a)}}};",
        "  int32_t r[17] = {}; int64_t w[4] = {}; float fo[6] = {};",
        "  float ff[2] = {-2.75f, 1.5e19f};",
        "  int32_t v[4] = {};",
        "  f(a, r, w, fo, ff, v);",
        '  for (int i = 0; i < 17; i++) printf("%d\\n", r[i]);',
        '  for (int i = 0; i < 4; i++) printf("%lld\\n", (long long)w[i]);',
        '  for (int i = 0; i < 6; i++) printf("%.9g\\n", (double)fo[i]);',
        '  for (int i = 0; i < 4; i++) printf("%d\\n", v[i]);',
        "  return 0;\n}",
    ]
    src = tmp_path / "hand.cpp"
    src.write_text("\n".join(lines))
    exe = tmp_path / "hand"
    subprocess.run(
        ["g++", *CSIM_FLAGS, f"-I{INCLUDE}", str(src), "-o", str(exe)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout.split()
    x0, x1 = a[0], a[1]
    s, p = 5, -3
    for i in range(1, 8, 2):
        s, p = wrap(s + a[i], 32), wrap(p * a[i], 32)
    lo, hi = (x0, x1) if x0 < x1 else (x1, wrap(x0 - x1, 32))
    n12 = wrap(x1, 12)
    u = x0 & 0xFFFFFFFF
    want_r = [s, p, lo, hi, -1, 1, x1 & 1, x0 + 3, abs(n12), n12, x0, 1, 0]
    want_r += [int(u > x1), wrap(max(u, x1), 32), wrap(min(u, x1), 32), a[2]]
    big = wrap(x0 << 40, 100)
    # a u64 above 2^63 printed as signed
    want_w = [x0, wrap(int(np.float32(1.5e19)), 64), -2, u]
    f = np.float32
    want_f = [f(big), f(big & ((1 << 100) - 1)), f(-1.0), f(1.0), f(u), f(2.75)]
    assert [int(v) for v in out[:21]] == want_r + want_w
    assert [f(float(v)) for v in out[21:27]] == want_f
    # the last: a[8 - 1], an index an arith.subi computes outside any window
    want_v = [wrap(a[3] + x1, 32), wrap(x0 - x1, 32), wrap(a[3] * x1, 32), a[7]]
    assert [int(v) for v in out[27:]] == want_v


# ------------------------------------------------------------ odd widths

ODD_ROWS = 14
I12, U12 = Int(12), UInt(12)


def odd_width_ops():
    @dato.region()
    def top(
        A: I12[N],
        B: I12[N],
        OUT: I12[ODD_ROWS, N],
        W: int32[5, N],
        U: U12[N],
        V: U12[N],
        P: U12[3, N],
        Q: int32[4, N],
        MA: I12[MM, KK],
        MB: I12[KK, NN],
        MC: I12[MM, NN],
        EA: I12[MM, KK],
    ):
        @dato.kernel(mapping=[1], args=[A, B, OUT, W])
        def ks(a: I12[N], b: I12[N], o: I12[ODD_ROWS, N], w: int32[5, N]):
            for i in range(N):
                x = a[i]
                y = b[i]
                o[0, i] = x + y
                o[1, i] = x - y
                o[2, i] = x * y
                o[3, i] = x / y
                o[4, i] = x // y
                o[5, i] = x % y
                o[6, i] = x >> 3
                o[7, i] = x << 5
                o[8, i] = abs(x)
                o[9, i] = max(x, y)
                o[10, i] = min(x, y)
                o[11, i] = x & y
                o[12, i] = x >> y
                o[13, i] = x << y
                w[0, i] = dato.int32(x)
                w[1, i] = x < y
                w[2, i] = dato.int32(dato.float32(x))
                t: I12 = dato.int32(x) * 7 + 2048
                w[3, i] = dato.int32(t)
                w[4, i] = dato.int32(x) * 4096

        @dato.kernel(mapping=[1], args=[U, V, P, Q])
        def ku(u: U12[N], v: U12[N], p: U12[3, N], q: int32[4, N]):
            for i in range(N):
                x = u[i]
                y = v[i]
                p[0, i] = x // y
                p[1, i] = x % y
                p[2, i] = x >> 2
                q[0, i] = x < y
                q[1, i] = dato.int32(x)
                q[2, i] = dato.int32(dato.float32(x))
                q[3, i] = x >= y

        @dato.kernel(mapping=[1], args=[MA, MB, MC, EA])
        def km(ma: I12[MM, KK], mb: I12[KK, NN], mc: I12[MM, NN], ea: I12[MM, KK]):
            mc[:, :] += dato.matmul(ma, mb)
            ea[:, :] = ma + ea

    return top


def test_odd_width_ops_wrap_at_their_width(tmp_path):
    lo, hi = -2048, 2047
    a = [lo, lo, hi, -1, -7, 7, 1000, -1000]
    b = [-1, 3, -1, lo, -2, -2, 999, 37]
    u = [4095, 2048, 0, 7, 4000, 1, 2049, 100]
    v = [1, 4095, 3, 2048, 7, 4095, 2048, 100]
    OUT = np.zeros((ODD_ROWS, N), np.int16)
    W = np.zeros((5, N), np.int32)
    P = np.zeros((3, N), np.uint16)
    Q = np.zeros((4, N), np.int32)
    rng = np.random.default_rng(12)
    MA = rng.integers(lo, hi + 1, (MM, KK)).astype(np.int16)
    MA[0, 0] = lo
    MB = rng.integers(lo, hi + 1, (KK, NN)).astype(np.int16)
    MC0 = rng.integers(lo, hi + 1, (MM, NN)).astype(np.int16)
    EA0 = rng.integers(lo, hi + 1, (MM, KK)).astype(np.int16)
    MC, EA = MC0.copy(), EA0.copy()
    mod = hls(odd_width_ops(), tmp_path, "odd")
    mod(
        np.array(a, np.int16),
        np.array(b, np.int16),
        OUT,
        W,
        np.array(u, np.uint16),
        np.array(v, np.uint16),
        P,
        Q,
        MA,
        MB,
        MC,
        EA,
    )

    def rows(fs, xs, ys, width, signed=True):
        return np.array(
            [[wrap(f(p, q), width, signed) for p, q in zip(xs, ys, strict=True)] for f in fs]
        )

    want = rows(
        [
            lambda p, q: p + q,
            lambda p, q: p - q,
            lambda p, q: p * q,
            tdiv,
            lambda p, q: p // q,
            lambda p, q: p % q,
            lambda p, q: p >> 3,
            lambda p, q: p << 5,
            lambda p, q: abs(p),
            max,
            min,
            lambda p, q: p & q,
            # amounts read unsigned: -1 is 4095; past the width, the sign or 0
            lambda p, q: p >> min(q & 4095, 11),
            lambda p, q: 0 if q & 4095 >= 12 else p << q,
        ],
        a,
        b,
        12,
    )
    np.testing.assert_array_equal(OUT, want)
    want_w = rows(
        [
            lambda p, q: p,
            lambda p, q: int(p < q),
            lambda p, q: p,
            lambda p, q: wrap(p * 7 + 2048, 12),
            lambda p, q: p * 4096,
        ],
        a,
        b,
        32,
    )
    np.testing.assert_array_equal(W, want_w)
    want_p = rows([lambda p, q: p // q, lambda p, q: p % q, lambda p, q: p >> 2], u, v, 12, False)
    np.testing.assert_array_equal(P, want_p)
    want_q = rows(
        [lambda p, q: int(p < q), lambda p, q: p, lambda p, q: p, lambda p, q: int(p >= q)],
        u,
        v,
        32,
    )
    np.testing.assert_array_equal(Q, want_q)
    exact = MC0.astype(object) + MA.astype(object) @ MB.astype(object)
    np.testing.assert_array_equal(MC, wrapped(exact, 12))
    np.testing.assert_array_equal(EA, wrapped(MA.astype(object) + EA0.astype(object), 12))


def float_to_int65():
    @dato.region()
    def top(A: float32[4], B: Int(65)[4]):
        @dato.kernel(mapping=[1], args=[A, B])
        def k(a: float32[4], b: Int(65)[4]):
            for i in range(4):
                t: Int(65) = a[i]
                b[i] = t

    return top


def test_a_float_to_more_than_64_bits_runs_as_the_simulator(tmp_path):
    # dato_hls.h's fptosi builds an ap_int<65> from the float's fields
    # (truncated, saturated); it was refused above 64 bits
    A = np.array([2.0**63 * 1.5, -(2.0**70), 2.0**70, -3.75], np.float32)
    B = np.zeros(4, dtype=object)
    hls(float_to_int65(), tmp_path, "f65")(A, B)
    assert B.tolist() == [3 << 62, -(1 << 64), (1 << 64) - 1, -3]


# the dato source in a file whose name holds printf's `%` and C's `"`: the C
# simulation's messages (printf formats in C string literals) name it as it is
# (a `"` read as `'`)
ODD_NAMED = """
import dato_xdsl as dato
from dato_xdsl import int32


def program():
    @dato.region()
    def top(A: int32[4], B: int32[4], Y: int32[4]):
        @dato.kernel(mapping=[1], args=[A, B, Y])
        def k(a: int32[4], b: int32[4], y: int32[4]):
            for i in range(4):
                b[i] = a[i + 1] // y[i]

    return top
"""


def test_messages_name_a_source_file_with_percent_and_quote(tmp_path):
    import importlib.util

    path = tmp_path / 'odd%d"name.py'
    path.write_text(ODD_NAMED)
    spec = importlib.util.spec_from_file_location("odd_named", path)
    assert spec is not None and spec.loader is not None
    source = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(source)
    mod = hls(source.program(), tmp_path, "p")
    shown = str(path).replace('"', "'")
    A = np.arange(4, dtype=np.int32)
    B = np.zeros(4, np.int32)
    with pytest.raises(dato.DatoRuntimeError) as info:
        mod(A, B, np.array([1, 1, 0, 1], np.int32))
    message = str(info.value)
    assert f"{shown}:12:" in message and "division by zero" in message, message
    with pytest.raises(dato.DatoRuntimeError) as info:
        mod(A, B, np.ones(4, np.int32))
    message = str(info.value)
    assert f"{shown}:12:" in message, message
    # the window a[1:4] the task reads is reported in the task's terms: index 4 of 4
    assert (
        "'memref.load' op index 4 of dimension 0 of 'a' is out of bounds for shape [4]" in message
    )


REFUSED = {
    "dynamic alloc": (
        "%n = arith.constant 4 : index\n    %b = memref.alloc(%n) : memref<?xi32>",
        "'memref.alloc' op allocates a dynamically shaped buffer; HLS needs static shapes",
    ),
    "no translation": (
        "%x = memref.load %a[%c0] : memref<8xi32>\n    %y = arith.bitcast %x : i32 to f32",
        "'arith.bitcast' op has no HLS C++ translation",
    ),
    "dynamic subview": (
        "%n = arith.constant 2 : index\n"
        "    %s = memref.subview %a[0] [%n] [1] : memref<8xi32> to memref<?xi32, strided<[1]>>",
        "'memref.subview' op has dynamic sizes or strides; HLS needs static shapes",
    ),
    "global without value": (
        "%g = memref.get_global @g : memref<4xi32>",
        "'memref.get_global' op reads a memref.global without a constant value",
    ),
}


@pytest.mark.parametrize("case", REFUSED)
def test_ops_without_a_cpp_form_are_refused_at_the_op(case):
    body, want = REFUSED[case]
    text = f"""builtin.module {{
  "memref.global"() <{{sym_name = "g", type = memref<4xi32>,
                       sym_visibility = "private"}}> : () -> ()
  vhls.process @f load literals 0 (%a: memref<8xi32>) {{
    %c0 = arith.constant 0 : index
    {body}
  }}
}}"""
    module = LocatingParser(DatoOptMain([]).ctx, text, "hand.mlir").parse_module()
    proc = next(op for op in module.walk() if isinstance(op, vhls.ProcessOp))
    with pytest.raises(Exception) as info:
        emit_cpp._Function(proc).generate()
    line = 6 + body.count("\n")  # the body's last op
    assert str(info.value) == f"hand.mlir:{line}:5: error: {want}"


# ------------------------------------- constant tables and schedule pragmas

TABLE = np.array([[MIN32, -1, 7, 0], [MAX32, 3, -5, 100]], np.int32)  # a ROM of edge values
FTABLE = np.array([0.1, -2.5, 1e30, 3.0], np.float32)


def tables_and_schedule():
    @dato.region()
    def top(A: int32[2, 4], B: int32[2, 4], F: float32[4], G: float32[4]):
        @dato.kernel(mapping=[1], args=[A, B, F, G])
        def k(a: int32[2, 4], b: int32[2, 4], f: float32[4], g: float32[4]):
            buf: int32[2, 4] = 0
            for i in range(2):
                for j in range(4):
                    buf[i, j] = a[i, j] + TABLE[i, j]
            for r in range(2):
                for c in range(4):
                    b[r, c] = buf[r, c] - TABLE[1 - r, 3 - c]
            w: float32[4] = FTABLE
            for q in range(4):
                g[q] = f[q] * w[q]

    return top


def test_constant_tables_and_schedule_pragmas(tmp_path):
    s = dato.customize(tables_and_schedule())
    s.partition("k:buf", partition_type=dato.Partition.Cyclic, dim=2, factor=2)
    s.partition("top:A", partition_type=dato.Partition.Complete, dim=1)
    s.pipeline("k:c", initiation_interval=2)
    s.unroll("k:q", factor=2)
    mod = s.build(target="hls", project=tmp_path / "sched")
    A = np.array([[-1, 5, MAX32, 1], [MIN32, 0, 9, -100]], np.int32)
    B = np.zeros((2, 4), np.int32)
    F = np.array([3.0, 0.5, 2.0, -1.0], np.float32)
    G = np.zeros(4, np.float32)
    mod(A, B, F, G)
    exact = A.astype(object) + TABLE.astype(object) - TABLE[::-1, ::-1].astype(object)
    np.testing.assert_array_equal(B, wrapped(exact, 32))
    np.testing.assert_array_equal(G, F * FTABLE)
    cpp = (mod.project / "kernel.cpp").read_text()
    assert not misindented(cpp.splitlines())
    # UG1399's pragma spellings
    assert "#pragma HLS array_partition variable=buf type=cyclic factor=2 dim=2" in cpp
    assert "#pragma HLS array_partition variable=a type=complete dim=1" in cpp
    assert "#pragma HLS pipeline II=2" in cpp
    assert "#pragma HLS unroll factor=2" in cpp
    # the outer loop of a perfect nest is flattened into its inner one
    text = cpp.splitlines()
    flat = [k for k, line in enumerate(text) if line == "#pragma HLS loop_flatten"]
    assert flat and all("for (" in text[k - 1] and "for (" in text[k + 1] for k in flat)


# named elementwise ops whose operands differ from the output type: MLIR's
# linalg converts each operand to the output type, then computes in it (the
# frontend writes them with one type; hand-written IR may not)
MIXED_LINALG = """
builtin.module {
  vhls.process @g load literals 0 (%x: memref<4xi8>, %y: memref<4xbf16>, %z: memref<4xi16>,
      %p2: memref<4xi32>,
      %o: memref<4xf32>, %p: memref<4xi32>, %q: memref<4xbf16>, %s: memref<4xi8>,
      %m: memref<2x2xi12>, %c: memref<2x2xi12>, %h: memref<2x2xbf16>, %d: memref<2x2xf32>) {
    linalg.add ins(%x, %y : memref<4xi8>, memref<4xbf16>) outs(%o : memref<4xf32>)
    linalg.sub ins(%x, %z : memref<4xi8>, memref<4xi16>) outs(%p : memref<4xi32>)
    linalg.mul ins(%o, %o : memref<4xf32>, memref<4xf32>) outs(%q : memref<4xbf16>)
    linalg.add ins(%x, %x : memref<4xi8>, memref<4xi8>) outs(%s : memref<4xi8>)
    linalg.sub ins(%p, %p2 : memref<4xi32>, memref<4xi32>) outs(%p : memref<4xi32>)
    linalg.matmul ins(%m, %m : memref<2x2xi12>, memref<2x2xi12>) outs(%c : memref<2x2xi12>)
    linalg.add ins(%c, %m : memref<2x2xi12>, memref<2x2xi12>) outs(%c : memref<2x2xi12>)
    linalg.max ins(%c, %m : memref<2x2xi12>, memref<2x2xi12>) outs(%m : memref<2x2xi12>)
    linalg.matmul ins(%h, %h : memref<2x2xbf16>, memref<2x2xbf16>) outs(%d : memref<2x2xf32>)
  }
}
"""


def test_mixed_type_linalg_converts_operands_to_the_output_type(tmp_path):
    import ml_dtypes

    module = LocatingParser(DatoOptMain([]).ctx, MIXED_LINALG, "mixed.mlir").parse_module()
    proc = next(op for op in module.walk() if isinstance(op, vhls.ProcessOp))
    x = [-128, 127, -1, 5]
    y = [1.0078125, -3.5, 0.5, 256.0]  # bf16 values
    z = [-32768, 32767, 1, -5]
    p2 = [-(2**31), 2**31 - 1, -1, 7]  # x - z - p2 overflows int32 both ways
    m = [-2048, 2047, -1, 1000]  # i12, row-major 2x2
    c = [-2048, 5, 2047, -7]  # the matmul's accumulator starts here
    h = [1.0078125, -3.5, 0.5, 256.0]  # bf16
    d = [0.25, -1.0, 1e8, 2.0]
    lines = ['#include "dato_hls.h"', "#include <cstdio>", *emit_cpp._Function(proc).generate()]
    assert not misindented(lines)
    lines += [
        "int main() {",
        f"  int8_t x[4] = {{{', '.join(map(str, x))}}};",
        f"  dato::bf16 y[4] = {{{', '.join(f'dato::to_bf16({v}f)' for v in y)}}};",
        f"  int16_t z[4] = {{{', '.join(f'(int16_t){v}' for v in z)}}};",
        "  float o[4] = {}; int32_t p[4] = {}; dato::bf16 q[4] = {}; int8_t s[4] = {};",
        f"  int32_t p2[4] = {{{', '.join(f'(int32_t){v}LL' for v in p2)}}};",
        f"  ap_int<12> m[4] = {{{', '.join(map(str, m))}}};",
        f"  ap_int<12> c[4] = {{{', '.join(map(str, c))}}};",
        f"  dato::bf16 h[4] = {{{', '.join(f'dato::to_bf16({v}f)' for v in h)}}};",
        f"  float d[4] = {{{', '.join(f'{v}f' for v in d)}}};",
        "  g(x, y, z, p2, o, p, q, s, m, c, h, d);",
        '  for (int i = 0; i < 4; i++) printf("%.9g\\n", (double)o[i]);',
        '  for (int i = 0; i < 4; i++) printf("%d\\n", p[i]);',
        '  for (int i = 0; i < 4; i++) printf("%.9g\\n", (double)dato::to_float(q[i]));',
        '  for (int i = 0; i < 4; i++) printf("%d\\n", s[i]);',
        '  for (int i = 0; i < 4; i++) printf("%d\\n", p[i]);',
        '  for (int i = 0; i < 4; i++) printf("%lld\\n", c[i].to_int64());',
        '  for (int i = 0; i < 4; i++) printf("%lld\\n", m[i].to_int64());',
        '  for (int i = 0; i < 4; i++) printf("%.9g\\n", (double)d[i]);',
        "  return 0;\n}",
    ]
    # innermost loops pipelined at II=1 as the compiler chooses: one per
    # elementwise op (7), three per matmul (start, products, write-back)
    assert sum(line == "#pragma HLS pipeline II=1" for line in lines) == 7 + 2 * 3
    src = tmp_path / "mixed.cpp"
    src.write_text("\n".join(lines))
    exe = tmp_path / "mixed"
    subprocess.run(
        ["g++", *CSIM_FLAGS, f"-I{INCLUDE}", str(src), "-o", str(exe)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout.split()
    f, bf = np.float32, ml_dtypes.bfloat16
    o = np.array(x, f) + np.array(y, f)
    q = o.astype(bf) * o.astype(bf)  # rounded to bf16 before and after the product
    assert [f(v) for v in out[:4]] == list(o)
    diff = [a - b for a, b in zip(x, z, strict=True)]  # p, then p - p2 into p
    assert [int(v) for v in out[4:8]] == [wrap(a - b, 32) for a, b in zip(diff, p2, strict=True)]
    assert [f(v) for v in out[8:12]] == list(q.astype(f))
    assert [int(v) for v in out[12:16]] == [wrap(2 * a, 8) for a in x]
    assert [int(v) for v in out[16:20]] == [wrap(a - b, 32) for a, b in zip(diff, p2, strict=True)]
    mm = np.array(m, dtype=object).reshape(2, 2)
    acc = wrapped(np.array(c, dtype=object).reshape(2, 2) + mm @ mm, 12)
    c_end = wrapped(acc + mm, 12)
    assert [int(v) for v in out[20:24]] == list(c_end.reshape(-1))
    assert [int(v) for v in out[24:28]] == list(np.maximum(c_end, mm).reshape(-1))
    hf = np.array(h, f).astype(bf).astype(f).reshape(2, 2)
    want_d = np.array(d, f).reshape(2, 2)
    for k in range(2):  # float32 sums in k order, from d
        want_d = want_d + hf[:, k : k + 1] * hf[k : k + 1, :]
    assert [f(v) for v in out[28:]] == list(want_d.reshape(-1))
