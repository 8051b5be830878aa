"""i64 and i65..i128 arrays on the NPU (dato-npu-wide-integers): held as
little-endian 32-bit words, composed and split at every load and store, their
arithmetic exact on the virtual NPU. Each program against hand-computed n-bit
two's complement values (and the simulator), at the wrap-around edges."""

import re

import numpy as np
import pytest
from xdsl.context import Context
from xdsl.dialects import arith, builtin, linalg, memref, scf

import dato_xdsl as dato
from dato_xdsl import Int, Layout, UInt, int32, int64
from dato_xdsl.diagnostics import verify_located
from dato_xdsl.dialects.dato import Dato
from dato_xdsl.driver import LocatingParser
from dato_xdsl.targets.aie.host_layout import Layout as HostLayout
from dato_xdsl.targets.aie.host_layout import from_buffers, to_buffers
from dato_xdsl.targets.simulator import simulate
from dato_xdsl.transforms.npu_wide_integers import NpuWideIntegersPass, read_wide_words
from test.unit.test_emitted_aie_rules import parse, printed, rule_violations

S, R = Layout.Shard, Layout.Replicate
WIDTHS = [65, 100, 128]


def wrap_int(x: int, n: int, signed: bool = True) -> int:
    """A Python int read as an n-bit two's complement (or unsigned) value."""
    x &= (1 << n) - 1
    return x - (1 << n) if signed and x >= 1 << (n - 1) else x


def edges(n: int) -> list[int]:
    """Values at an n-bit integer's wrap-around edges, and a few inside."""
    top = 1 << (n - 1)
    return [0, 1, -1, top - 1, -top, -top + 1, top // 3, -(top // 5) - 7, 0xFFFFFFFF, -(2**32)]


def both(top, *arrays):
    """Run on the simulator and the virtual NPU; the NPU's outputs (asserted
    equal to the simulator's)."""
    sim = [a.copy() for a in arrays]
    npu = [a.copy() for a in arrays]
    dato.build(top)(*sim)
    dato.build(top, target="aie")(*npu)
    for s, n in zip(sim, npu, strict=True):
        assert list(s.reshape(-1)) == list(n.reshape(-1))
    return npu


def elementwise(n: int, unsigned: bool, P: int, L: int):
    T = UInt(n) if unsigned else Int(n)

    @dato.region()
    def top(A: T[L], B: T[L], C: T[L], D: T[L]):
        @dato.kernel(mapping=[P], args=[A, B, C, D])
        def k(a: T[L] @ [S(0)], b: T[L] @ [S(0)], c: T[L] @ [S(0)], d: T[L] @ [S(0)]):
            for i in range(L // P):
                c[i] = a[i] * b[i] + (a[i] << 7) - b[i]
                d[i] = (a[i] >> 3) + (a[i] > b[i]) + (a[i] == b[i]) * 2

    return top


@pytest.mark.parametrize("n", WIDTHS)
@pytest.mark.parametrize("unsigned", [False, True])
def test_add_mul_shift_compare_wrap(n, unsigned):
    values = edges(n)
    a_vals = values
    b_vals = values[3:] + values[:3]
    if unsigned:
        a_vals = [wrap_int(v, n, False) for v in a_vals]
        b_vals = [wrap_int(v, n, False) for v in b_vals]
    L = len(values)
    A = np.array(a_vals, dtype=object)
    B = np.array(b_vals, dtype=object)
    C = np.zeros(L, dtype=object)
    D = np.zeros(L, dtype=object)
    _, _, C, D = both(elementwise(n, unsigned, 2, L), A, B, C, D)
    for a, b, c, d in zip(A, B, C, D, strict=True):
        assert c == wrap_int(a * b + (a << 7) - b, n, not unsigned)
        assert d == wrap_int((a >> 3) + int(a > b) + 2 * int(a == b), n, not unsigned)


def divisions(n: int, unsigned: bool):
    T = UInt(n) if unsigned else Int(n)

    @dato.region()
    def top(A: T[8], B: T[8], Q: T[8], M: T[8], F: T[8]):
        @dato.kernel(mapping=[1], args=[A, B, Q, M, F])
        def k(a: T[8], b: T[8], q: T[8], m: T[8], f: T[8]):
            for i in range(8):
                q[i] = a[i] // b[i]
                m[i] = a[i] % b[i]
                f[i] = a[i] / b[i]

    return top


@pytest.mark.parametrize("n", WIDTHS)
@pytest.mark.parametrize("unsigned", [False, True])
def test_division_is_expanded_and_exact(n, unsigned):
    """Floor division, Python's modulo and C's truncating division wider than
    64 bits: loops of shifts and subtractions on the core, not __divti3."""
    top = 1 << (n - 1)
    a_vals = [-top, -top, top - 1, -1, 12345678901234567, -(top // 3), 7, -7]
    b_vals = [-1, 3, -(top - 1) + 5, top - 1, -98765, 1 << (n - 2), -2, 2]
    if unsigned:
        a_vals = [wrap_int(v, n, False) for v in a_vals]
        b_vals = [wrap_int(v, n, False) for v in b_vals]
    A = np.array(a_vals, dtype=object)
    B = np.array(b_vals, dtype=object)
    out = [np.zeros(8, dtype=object) for _ in range(3)]
    _, _, Q, M, F = both(divisions(n, unsigned), A, B, *out)
    for a, b, q, m, f in zip(A, B, Q, M, F, strict=True):
        assert q == wrap_int(a // b, n, not unsigned)
        assert m == wrap_int(a % b, n, not unsigned)
        truncated = abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1)
        assert f == wrap_int(truncated, n, not unsigned)


def matmul_loops(n: int, P: int, M: int, K: int, N: int):
    """Row blocks of a product of i`n` matrices in explicit loops, accumulated
    at i128, and a linalg matmul (no kernel at this width: expanded)."""
    T = Int(n)

    @dato.region()
    def top(A: T[M, K], B: T[K, N], C: Int(128)[M, N], D: T[M, N]):
        @dato.kernel(mapping=[P], args=[A, B, C, D])
        def k(
            a: T[M, K] @ [S(0), R],
            b: T[K, N],
            c: Int(128)[M, N] @ [S(0), R],
            d: T[M, N] @ [S(0), R],
        ):
            for i in range(M // P):
                for j in range(N):
                    acc: Int(128) = 0
                    for kk in range(K):
                        x: Int(128) = a[i, kk]
                        y: Int(128) = b[kk, j]
                        acc = acc + x * y
                    c[i, j] = acc
            d[:, :] = dato.matmul(a, b)

    return top


@pytest.mark.parametrize("n", WIDTHS)
def test_matmul_loops_accumulate_exactly(n):
    M, K, N, P = 8, 6, 4, 4
    rng = np.random.default_rng(n)
    top = 1 << (n - 1)
    pool = edges(n) + [int(v) << (n - 40) for v in rng.integers(-(2**30), 2**30, 8)]
    A = np.array(
        [[pool[int(rng.integers(len(pool)))] for _ in range(K)] for _ in range(M)], dtype=object
    )
    B = np.array(
        [[pool[int(rng.integers(len(pool)))] for _ in range(N)] for _ in range(K)], dtype=object
    )
    A[0, :] = top - 1  # the largest products of the width
    B[:, 0] = -top
    C = np.zeros((M, N), dtype=object)
    D = np.zeros((M, N), dtype=object)
    _, _, C, D = both(matmul_loops(n, P, M, K, N), A, B, C, D)
    for i in range(M):
        for j in range(N):
            exact = sum(wrap_int(A[i, k] * B[k, j], 128) for k in range(K))
            assert C[i, j] == wrap_int(exact, 128)
            assert D[i, j] == wrap_int(sum(A[i, k] * B[k, j] for k in range(K)), n)


def int64_pipeline(L: int, P: int):
    @dato.region()
    def top(A: int64[L], B: int64[L], C: int64[L], D: int32[L]):
        @dato.kernel(mapping=[P], args=[A, B, C, D])
        def k(
            a: int64[L] @ [S(0)], b: int64[L] @ [S(0)], c: int64[L] @ [S(0)], d: int32[L] @ [S(0)]
        ):
            for i in range(L // P):
                c[i] = a[i] * b[i] + (a[i] >> 17)
                d[i] = a[i] > b[i]

    return top


def test_int64_arrays_move_as_word_pairs():
    L = 256
    rng = np.random.default_rng(7)
    A = rng.integers(-(2**63), 2**63 - 1, L, dtype=np.int64)
    B = rng.integers(-(2**63), 2**63 - 1, L, dtype=np.int64)
    A[:4] = [2**63 - 1, -(2**63), -1, 0]
    C = np.zeros(L, np.int64)
    D = np.zeros(L, np.int32)
    _, _, C, D = both(int64_pipeline(L, 4), A, B, C, D)
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(C, A * B + (A >> 17))
    np.testing.assert_array_equal(D, (A > B).astype(np.int32))


@pytest.mark.parametrize("n", [64, *WIDTHS])
def test_host_words_are_little_endian_and_wrap(n):
    """The host's packing: W = ceil(n / 32) words per element, least
    significant first; read back as the low n bits, two's complement."""
    words = -(-n // 32)
    values = edges(n)
    a = np.array(values, dtype=object if n > 64 else np.int64).reshape(2, 5)
    layout = HostLayout(padding={}, packing=None, sizes=None, words={0: n})
    (buf,) = to_buffers(layout, [a])
    assert buf.dtype == np.int32 and buf.shape == (2, 5 * words)
    for index, v in np.ndenumerate(a):
        row, col = index
        got = sum((int(buf[row, col * words + w]) & 0xFFFFFFFF) << (32 * w) for w in range(words))
        assert got == int(v) & ((1 << (32 * words)) - 1)
    back = np.zeros_like(a)
    from_buffers(layout, [buf], [back])
    assert list(back.reshape(-1)) == [wrap_int(v, n) for v in values]


def _parse(text: str) -> builtin.ModuleOp:
    ctx = Context()
    for d in (builtin.Builtin, arith.Arith, memref.MemRef, scf.Scf, linalg.Linalg, Dato):
        ctx.load_dialect(d)
    return LocatingParser(ctx, text, "wide.mlir").parse_module()


DIVISION_OPS = ["divsi", "divui", "remsi", "remui", "floordivsi", "ceildivsi", "ceildivui"]


def _reference(name: str, a: int, b: int, n: int) -> int:
    """The op's value by its definition (MLIR's arith), in Python ints."""
    ua, ub = a & ((1 << n) - 1), b & ((1 << n) - 1)
    trunc = abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1)
    value = {
        "divsi": trunc,
        "divui": ua // ub,
        "remsi": a - trunc * b,
        "remui": ua % ub,
        "floordivsi": a // b,
        "ceildivsi": -(-a // b),
        "ceildivui": -(-ua // ub),
    }[name]
    return wrap_int(value, n)


@pytest.mark.parametrize("n", WIDTHS)
def test_every_division_op_expands_exactly(n):
    """All seven arith division / remainder ops (ceildiv has no Python
    syntax): the rewritten IR, run on words by the simulator, against their
    definitions at the edges."""
    t = f"i{n}"
    arr = f"memref<16x{t}>"
    args = ["a", "b", *DIVISION_OPS]
    body = "\n".join(
        f"        %{name}_v = arith.{name} %x, %y : {t}\n"
        f"        memref.store %{name}_v, %{name}[%i] : {arr}"
        for name in DIVISION_OPS
    )
    offsets = ", ".join("[0]" for _ in args)
    params = ", ".join(f"%{a.upper()}: {arr}" for a in args)
    operands = ", ".join(f"%{a.upper()} : {arr}" for a in args)
    text = f"""
dato.region @top({params}) {{
  dato.group @k of @k grid [1] ({operands}) ports [] instances [
    @k_0 pid [0] offsets [{offsets}] streams []
  ] {{
  ^bb0({", ".join(f"%{a}: {arr}" for a in args)}):
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c16 = arith.constant 16 : index
    scf.for %i = %c0 to %c16 step %c1 {{
        %x = memref.load %a[%i] : {arr}
        %y = memref.load %b[%i] : {arr}
{body}
    }}
  }}
}}
"""
    module = _parse(text)
    NpuWideIntegersPass().apply(Context(), module)
    assert read_wide_words(module) == dict.fromkeys(range(len(args)), n)
    assert f"memref<16x{t}>" not in str(module)  # every array is held as words
    top = 1 << (n - 1)
    a_vals = [-top, -top, -top, top - 1, top - 1, -1, 1, 0, 7, -7, 7, -7, 5, top // 3, -top + 1, 99]
    b_vals = [-1, 1, -top, -top, 3, top - 1, -1, 5, 2, 2, -2, -2, -top, -(2**40), top // 7 + 3, 100]
    a = np.array(a_vals, dtype=object)
    b = np.array(b_vals, dtype=object)
    arrays = [a, b, *(np.zeros(16, dtype=object) for _ in DIVISION_OPS)]
    layout = HostLayout(padding={}, packing=None, sizes=None, words=read_wide_words(module))
    buffers = to_buffers(layout, arrays)
    simulate(module, buffers)
    from_buffers(layout, buffers, arrays)
    for k, name in enumerate(DIVISION_OPS):
        want = [_reference(name, int(x), int(y), n) for x, y in zip(a_vals, b_vals, strict=True)]
        assert list(arrays[2 + k]) == want, name


def int64_locals_and_streams(L: int):
    """i64 arrays (held as words) copied into i64 locals (which stay i64: the
    library's i64 kernels take them) and i64 blocks crossing a stream."""

    @dato.region()
    def top(A: int64[L], B: int64[L], C: int64[L]):
        pipe: dato.Stream[int64[L], 2]

        @dato.kernel(mapping=[1], args=[A, B])
        def prod(a: int64[L], b: int64[L]):
            t: int64[L] = a
            u: int64[L] = t + b
            pipe.put(u)  # noqa: F821

        @dato.kernel(mapping=[1], args=[C])
        def cons(c: int64[L]):
            v: int64[L] = pipe.get()  # noqa: F821
            c[:] = v * v

    return top


def test_int64_locals_and_streams_stay_int64():
    L = 16
    A = np.array([2**62, -(2**63), 2**63 - 1, -1] * 4, np.int64)
    B = np.arange(L, dtype=np.int64) * (2**40 + 3) - 5
    C = np.zeros(L, np.int64)
    _, _, C = both(int64_locals_and_streams(L), A, B, C)
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(C, (A + B) * (A + B))


def wide_streams(n: int, unsigned: bool):
    """Scalars and blocks of i`n` crossing streams between tasks, as blocks of
    their words."""
    T = UInt(n) if unsigned else Int(n)

    @dato.region()
    def top(A: T[8], B: T[8], C: T[8]):
        one: dato.Stream[T, 2]
        rows: dato.Stream[T[4], 2]

        @dato.kernel(mapping=[1], args=[A])
        def prod(a: T[8]):
            for i in range(8):
                one.put(a[i] * 3)  # noqa: F821
            for r in range(2):
                blk: T[4] = 0
                for j in range(4):
                    blk[j] = a[r * 4 + j] - 1
                rows.put(blk)  # noqa: F821

        @dato.kernel(mapping=[1], args=[B, C])
        def cons(b: T[8], c: T[8]):
            for i in range(8):
                b[i] = one.get() + 1  # noqa: F821
            for r in range(2):
                got: T[4] = rows.get()  # noqa: F821
                for j in range(4):
                    c[r * 4 + j] = got[j] * got[j]

    return top


@pytest.mark.parametrize("n", WIDTHS)
@pytest.mark.parametrize("unsigned", [False, True])
def test_streams_of_wide_integers_carry_their_words(n, unsigned):
    values = edges(n)[:8]
    if unsigned:
        values = [wrap_int(v, n, False) for v in values]
    A = np.array(values, dtype=object)
    B = np.zeros(8, dtype=object)
    C = np.zeros(8, dtype=object)
    _, B, C = both(wide_streams(n, unsigned), A, B, C)
    for a, b, c in zip(A, B, C, strict=True):
        assert b == wrap_int(a * 3 + 1, n, not unsigned)
        assert c == wrap_int((a - 1) * (a - 1), n, not unsigned)


def views(n: int, P: int):
    """Rows, columns (a view dropping the last dimension), strided and
    pid-offset slices of i`n` arrays: each view reads and writes the words of
    the elements it selects."""
    T = Int(n)
    rows = 8

    @dato.region()
    def top(A: T[rows, 8], B: T[rows, 8], C: T[rows, 8], D: T[4, 8]):
        @dato.kernel(mapping=[P], args=[A, B, C, D])
        def k(a: T[rows, 8] @ [S(0), R], b: T[rows, 8], c: T[rows, 8] @ [S(0), R], d: T[4, 8]):
            p = dato.get_pid()
            for i in range(rows // P):
                c[i, :] = a[i, :] + b[p * (rows // P) + i, :]
            c[0, 0:8:2] = a[1, 1:8:2] * b[2, 0:4]
            with dato.meta_if(p == 0):
                for j in range(8):
                    d[:, j] = b[0:4, 7 - j] - a[0:4, j]

    return top


@pytest.mark.parametrize("n", WIDTHS)
def test_views_of_wide_arrays_move_their_words(n):
    P = 2
    top = 1 << (n - 1)
    rng = np.random.default_rng(n + 1)
    pool = edges(n)

    def pick(shape):
        return np.array(
            [pool[int(v)] for v in rng.integers(len(pool), size=np.prod(shape))], dtype=object
        ).reshape(shape)

    A, B = pick((8, 8)), pick((8, 8))
    A[0, 0] = -top
    C = np.zeros((8, 8), dtype=object)
    D = np.zeros((4, 8), dtype=object)
    _, _, C, D = both(views(n, P), A, B, C, D)

    def wrapped(values):
        return [wrap_int(int(v), n) for v in values]

    want = np.zeros((8, 8), dtype=object)
    for p in range(P):
        for i in range(4):
            want[p * 4 + i, :] = wrapped(A[p * 4 + i] + B[p * 4 + i])
        want[p * 4, 0:8:2] = wrapped(A[p * 4 + 1, 1:8:2] * B[2, 0:4])
    assert list(C.reshape(-1)) == list(want.reshape(-1))
    for j in range(8):
        assert list(D[:, j]) == wrapped(B[0:4, 7 - j] - A[0:4, j])


def gemm_into_int64(Ti, M: int, N: int, K: int, P0: int, P1: int):
    """A GEMM accumulating narrow integers at 64 bits: the library has no
    i16 / i32 -> i64 kernel, so the core runs it as loops."""

    @dato.region()
    def top(A: Ti[M, K], B: Ti[K, N], C: int64[M, N]):
        @dato.kernel(mapping=[P0, P1], args=[A, B, C])
        def mm(a: Ti[M, K] @ [S(0), R], b: Ti[K, N] @ [R, S(1)], c: int64[M, N] @ [S(0), S(1)]):
            acc: int64[M // P0, N // P1] = dato.matmul(a, b)
            c[:, :] = acc

    return top


@pytest.mark.parametrize(
    "Ti, size, grid",
    [(dato.int16, 128, (4, 4)), (dato.int32, 64, (2, 2))],
    ids=["int16-128-4x4", "int32-64-2x2"],
)
def test_gemm_accumulating_into_int64(Ti, size, grid):
    """Refused before (no i16 -> i64 / i32 -> i64 kernel; i64 arrays did not
    move); equal to numpy's exact int64 products, products past 2^31 included."""
    rng = np.random.default_rng(size)
    dtype = np.int16 if Ti is dato.int16 else np.int32
    big = np.iinfo(dtype).max
    A = rng.integers(-big, big, (size, size)).astype(dtype)
    B = rng.integers(-big, big, (size, size)).astype(dtype)
    A[0, :] = -big - 1
    B[:, 0] = -big - 1
    C = np.zeros((size, size), np.int64)
    _, _, C = both(gemm_into_int64(Ti, size, size, size, *grid), A, B, C)
    np.testing.assert_array_equal(C, A.astype(np.int64) @ B.astype(np.int64))


@pytest.mark.parametrize(
    "name, program",
    [
        ("i128-matmul-loops", lambda: matmul_loops(128, 4, 8, 6, 4)),
        ("i100-streams", lambda: wide_streams(100, False)),
        ("i16-to-i64-gemm", lambda: gemm_into_int64(dato.int16, 64, 64, 64, 2, 2)),
    ],
)
def test_emitted_wide_designs_keep_mlir_aie_rules(name, program, tmp_path):
    """The aie.mlir mlir-aie would take: what the DMAs move (the runtime
    sequence's arrays, every objectfifo's objects) has elements of at most 32
    bits (its dma_memcpy_nd verifier: "Maximum element bit width allowed is
    32bits"); the design verifies and keeps the repository's mlir-aie rules."""
    dato.build(program(), target="aie", device="npu1", project=tmp_path)
    text = (tmp_path / "aie.mlir").read_text()
    module = parse(printed(parse(text)))
    verify_located(module)
    assert rule_violations(module) == []
    moved = re.findall(r"aie\.objectfifo @\w+\(.*?: !aie\.objectfifo<memref<([^>]*)>>", text)
    moved += re.findall(r"aie\.runtime_sequence\((.*)\)", text)
    assert moved
    for types in moved:
        assert not re.search(r"x?i(3[3-9]|[4-9]\d|1\d\d)\b", types), types


@pytest.mark.parametrize("unsigned", [False, True])
def test_maximum_above_64_bits_compares_as_the_simulator(unsigned):
    T = UInt(100) if unsigned else Int(100)
    values = [wrap_int(v, 100, not unsigned) for v in edges(100)[:8]]
    A = np.array(values, dtype=object)
    B = np.array(values[::-1], dtype=object)
    C = np.zeros(8, dtype=object)

    @dato.region()
    def top(A: T[8], B: T[8], C: T[8]):
        @dato.kernel(mapping=[1], args=[A, B, C])
        def k(a: T[8], b: T[8], c: T[8]):
            c[:] = dato.maximum(a, b)

    _, _, C = both(top, A, B, C)
    assert list(C) == [max(a, b) for a, b in zip(A, B, strict=True)]
