"""Integer corner cases on every target, against Python's own integers: the
values span each type's range (the most negative integer, the largest,
-1, shifts by 0 and by the width and beyond), so a logical shift standing in
for an arithmetic one, a truncation at the wrong width or a C++ `INT_MIN / -1`
(undefined; SIGFPE on x86) cannot pass.

Dato's integer rules (docs/design-notes.md): results wrap at the type's width;
`/` on integers truncates towards zero, `//` floors, `%` takes the divisor's
sign (Python); `x >> s` is arithmetic on signed types and logical on unsigned
ones, and a shift by the width or more gives what a shift by width - 1 gives
(the sign, for `>>`). So INT_MIN / -1 == INT_MIN // -1 == INT_MIN and
INT_MIN % -1 == 0 on the simulator, the virtual NPU and the C simulation."""

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import int8, int16, int32, uint8

TARGETS = ["simulator", "aie", "hls"]


def build(program, target, tmp_path):
    options = {} if target == "simulator" else {"project": tmp_path / target}
    return dato.build(program, target=target, **options)


def integer_edges(T, N: int):
    """A holds x, y and shift amounts; OUT gets x >> s, x / y, x // y, x % y."""

    @dato.region()
    def top(A: T[3 * N], OUT: T[4 * N]):
        @dato.kernel(mapping=[1], args=[A, OUT])
        def k(a: T[3 * N], o: T[4 * N]):
            for i in range(N):
                x = a[i]
                y = a[N + i]
                o[i] = x >> a[2 * N + i]
                o[N + i] = x / y
                o[2 * N + i] = x // y
                o[3 * N + i] = x % y

    return top


def wrap(values, dtype) -> np.ndarray:
    """Python ints brought to `dtype` modulo 2**width (numpy's astype wraps)."""
    return np.array(values, dtype=np.int64).astype(dtype)


def edge_operands(dtype):
    info = np.iinfo(dtype)
    width = 8 * np.dtype(dtype).itemsize
    x = [info.min, info.min, info.max, -1, -7, 7, info.min + 1, 100, info.min, -5, info.max, -3]
    y = [-1, 1, -1, info.min, 2, -2, -1, 3, 7, info.max, info.min, info.min]
    s = [0, 1, width - 1, width - 1, 1, 2, 3, width + 3, width, 2, width - 2, 1]
    return x, y, s


def python_reference(x, y, s, dtype) -> np.ndarray:
    shr = [a >> b for a, b in zip(x, s, strict=True)]  # Python's >> is arithmetic
    div = [abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1) for a, b in zip(x, y, strict=True)]
    floordiv = [a // b for a, b in zip(x, y, strict=True)]
    mod = [a % b for a, b in zip(x, y, strict=True)]
    return wrap(shr + div + floordiv + mod, dtype)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("T", [int8, int16, int32], ids=str)
def test_shift_division_remainder_across_the_range(T, target, tmp_path):
    x, y, s = edge_operands(T.numpy)
    n = len(x)
    mod = build(integer_edges(T, n), target, tmp_path)
    out = np.full(4 * n, 0x55, T.numpy)
    mod(np.array(x + y + s, T.numpy), out)
    want = python_reference(x, y, s, T.numpy)
    np.testing.assert_array_equal(out, want)
    # the cases the C++ division gets wrong without care, spelled out
    info = np.iinfo(T.numpy)
    assert out[n] == info.min and out[2 * n] == info.min and out[3 * n] == 0
    assert out[0] == info.min and out[3] == -1 and out[2] == 0  # INT_MIN >> 0; -1 >> w-1


def narrowing_32(N: int):
    """Casts from int32 wrap at the result's width."""

    @dato.region()
    def top(A: int32[N], B8: int8[N], B16: int16[N]):
        @dato.kernel(mapping=[1], args=[A, B8, B16])
        def k(a: int32[N], b8: int8[N], b16: int16[N]):
            for i in range(N):
                b8[i] = dato.int8(a[i])
                b16[i] = dato.int16(a[i])

    return top


def narrowing_16(N: int):
    """int16 -> int8 wraps; `>>` on uint8 is logical."""

    @dato.region()
    def top(H: int16[N], U: uint8[N], C8: int8[N], V: uint8[N]):
        @dato.kernel(mapping=[1], args=[H, U, C8, V])
        def k(h: int16[N], u: uint8[N], c8: int8[N], v: uint8[N]):
            for i in range(N):
                c8[i] = dato.int8(h[i])
                v[i] = u[i] >> 3

    return top


@pytest.mark.parametrize("target", TARGETS)
def test_narrowing_casts_wrap_at_the_result_width(target, tmp_path):
    a = [0x12345678, -0x12345678, 300, -200, 0x7FFF8081, 2**31 - 1, -(2**31), 128]
    n = len(a)
    B8, B16 = np.zeros(n, np.int8), np.zeros(n, np.int16)
    build(narrowing_32(n), target, tmp_path / "n32")(np.array(a, np.int32), B8, B16)
    # hand-computed low bytes / halves, read as signed
    np.testing.assert_array_equal(B8, [0x78, -0x78, 44, 56, -127, -1, 0, -128])
    np.testing.assert_array_equal(B16, [0x5678, -0x5678, 300, -200, -32639, -1, 0, 128])

    h = [300, -200, 0x7F80, -32768, 255, 127, -129, 32767]
    u = [200, 255, 8, 7, 128, 0, 1, 129]
    C8, V = np.zeros(n, np.int8), np.zeros(n, np.uint8)
    mod = build(narrowing_16(n), target, tmp_path / "n16")
    mod(np.array(h, np.int16), np.array(u, np.uint8), C8, V)
    np.testing.assert_array_equal(C8, [44, 56, -128, 0, -1, 127, 127, -1])
    np.testing.assert_array_equal(V, [25, 31, 1, 0, 16, 0, 0, 16])
