"""The HLS C++ emitter's op handlers (emit_cpp._Function: how each arith,
math, memref, linalg, scf and vhls op becomes C++), checked by value: small
programs batching many ops go through the g++ C simulation and their outputs
are compared with numpy or Python integers. Operands sit at the edges that
tell a wrong translation apart: the most negative value and -1, wrap-around,
shifts of negative values and by the width, division by negative numbers,
unsigned values with the top bit set, casts between widths, every comparison
predicate, floats whose rounding shows, non-square matmuls into accumulators
that start non-zero (tools/mutation-test hls-emitter, the op handlers)."""

import numpy as np

import dato_xdsl as dato
from dato_xdsl import (
    bfloat16,
    float32,
    int8,
    int32,
    int64,
    uint8,
    uint32,
)

N = 8  # operands per row


def hls(program, tmp_path, name: str):
    return dato.build(program, target="hls", project=tmp_path / name)


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
