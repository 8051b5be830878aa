"""Integer widths beyond the standard ones: `int4`/`uint4`, Allo's `Int(n)` and
`UInt(n)`, bit slicing. Each against a numpy model of n-bit two's complement
arithmetic on the simulator, the virtual NPU (aie; int4 arrays move packed two
per byte) and the g++ C simulation (hls, with ap_int<n>); widths above 64 bits
run on the simulator and HLS, and on the NPU as 32-bit words (npu_wide_integers)."""

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Int, UInt, int4, int16, int32, uint4

TARGETS = ["simulator", "aie", "hls"]


def wrap(x, n: int, signed: bool = True):
    """n-bit two's complement (or unsigned) reading of integers."""
    x = np.asarray(x).astype(np.int64) & ((1 << n) - 1)
    return np.where(x >= (1 << (n - 1)), x - (1 << n), x) if signed else x


def run(top, target, tmp_path, *arrays):
    options = {} if target == "simulator" else {"project": tmp_path / target}
    dato.build(top, target=target, **options)(*arrays)


def int4_ops():
    @dato.region()
    def top(A: int4[8], B: int4[8], OUT: int4[4, 8]):
        @dato.kernel(mapping=[1], args=[A, B, OUT])
        def k(a: int4[8], b: int4[8], o: int4[4, 8]):
            o[0, :] = a * b + 1
            o[1, :] = a - b
            o[2, :] = dato.maximum(a, b) // 2
            for i in range(8):
                x: int4 = a[i] * 3
                o[3, i] = x + (a[i] >> 1)

    return top


@pytest.mark.parametrize("target", TARGETS)
def test_int4_arithmetic_wraps_at_four_bits(target, tmp_path):
    A = np.array([7, -8, -1, 3, 5, -3, 0, 6], np.int8)  # int4 values, one per byte
    B = np.array([7, -8, 2, -4, 3, 3, -8, 1], np.int8)
    OUT = np.zeros((4, 8), np.int8)
    run(int4_ops(), target, tmp_path, A, B, OUT)
    a, b = A.astype(np.int64), B.astype(np.int64)
    np.testing.assert_array_equal(OUT[0], wrap(a * b + 1, 4))
    np.testing.assert_array_equal(OUT[1], wrap(a - b, 4))
    np.testing.assert_array_equal(OUT[2], wrap(np.maximum(a, b) // 2, 4))
    np.testing.assert_array_equal(OUT[3], wrap(wrap(a * 3, 4) + (a >> 1), 4))


def uint_ops():
    @dato.region()
    def top(A: uint4[8], B: UInt(12)[8], OUT: UInt(12)[3, 8]):
        @dato.kernel(mapping=[1], args=[A, B, OUT])
        def k(a: uint4[8], b: UInt(12)[8], o: UInt(12)[3, 8]):
            o[0, :] = b - a * 300
            o[1, :] = (b >> 3) + b // 7
            o[2, :] = (a > 7) * 100 + dato.minimum(b, 4000)

    return top


@pytest.mark.parametrize("target", TARGETS)
def test_unsigned_widths_read_and_compare_unsigned(target, tmp_path):
    A = np.array([0, 1, 7, 8, 9, 15, 14, 3], np.uint8)
    B = np.array([0, 4095, 2048, 100, 4000, 17, 1, 4094], np.uint16)
    OUT = np.zeros((3, 8), np.uint16)
    run(uint_ops(), target, tmp_path, A, B, OUT)
    a, b = A.astype(np.int64), B.astype(np.int64)
    np.testing.assert_array_equal(OUT[0], wrap(b - a * 300, 12, signed=False))
    np.testing.assert_array_equal(OUT[1], wrap((b >> 3) + b // 7, 12, signed=False))
    np.testing.assert_array_equal(OUT[2], wrap((a > 7) * 100 + np.minimum(b, 4000), 12, False))


def int4_gemm():
    @dato.region()
    def top(A: int4[4, 8], B: int4[8, 4], C: int32[4, 4], D: int4[4, 4]):
        @dato.kernel(mapping=[1], args=[A, B, C, D])
        def k(a: int4[4, 8], b: int4[8, 4], c: int32[4, 4], d: int4[4, 4]):
            c[:, :] = dato.matmul(a, b)
            d[:, :] = dato.matmul(a, b)

    return top


@pytest.mark.parametrize("target", TARGETS)
def test_int4_gemm_into_int32_and_into_int4(target, tmp_path):
    rng = np.random.default_rng(21)
    A = rng.integers(-8, 8, (4, 8)).astype(np.int8)
    B = rng.integers(-8, 8, (8, 4)).astype(np.int8)
    C = np.zeros((4, 4), np.int32)
    D = np.zeros((4, 4), np.int8)
    run(int4_gemm(), target, tmp_path, A, B, C, D)
    exact = A.astype(np.int64) @ B.astype(np.int64)
    np.testing.assert_array_equal(C, exact)
    np.testing.assert_array_equal(D, wrap(exact, 4))


def test_int4_arguments_move_packed_on_the_npu(tmp_path):
    """AIE-ML keeps int4 two per byte: the design takes 8 int4 values as 4
    bytes (the host packs them; test_npu_int4 checks the bytes)."""
    mod = dato.build(int4_ops(), target="aie", project=tmp_path / "aie")
    text = str(mod.ir)
    assert "aie.runtime_sequence(%A: memref<4xi8>, %B: memref<4xi8>" in text
    assert "dato.packed_nibbles = array<i64: 0, 8, 4, 1," in text


def int4_values_inside():
    @dato.region()
    def top(A: int16[8], B: int16[8]):
        @dato.kernel(mapping=[1], args=[A, B])
        def k(a: int16[8], b: int16[8]):
            for i in range(8):
                x: int4 = a[i]
                y: uint4 = a[i] >> 4
                b[i] = x * 3 + y

    return top


@pytest.mark.parametrize("target", TARGETS)
def test_int4_values_inside_a_kernel_run_on_every_target(target, tmp_path):
    """int4 locals (no int4 array crosses to the host) wrap at 4 bits everywhere."""
    A = np.array([7, -8, -1, 0x7F, 0x1F, -3, 0, 0x4C], np.int16)
    B = np.zeros(8, np.int16)
    run(int4_values_inside(), target, tmp_path, A, B)
    a = A.astype(np.int64)
    np.testing.assert_array_equal(B, wrap(wrap(a, 4) * 3 + wrap(a >> 4, 4, signed=False), 16))


def bit_slices():
    @dato.region()
    def top(A: int16[8], B: int32[3, 8]):
        @dato.kernel(mapping=[1], args=[A, B])
        def k(a: int16[8], b: int32[3, 8]):
            for i in range(8):
                x = a[i]
                b[0, i] = x[0:4]
                b[1, i] = int32(x[12:16]) + x[15]
                b[2, i] = x[4:12]

    return top


@pytest.mark.parametrize("target", TARGETS)
def test_bit_slices_of_integers(target, tmp_path):
    A = np.array([-1, 0x1234, -32768, 7, 0x7FFF, -2, 0x0FF0, 300], np.int16)
    B = np.zeros((3, 8), np.int32)
    run(bit_slices(), target, tmp_path, A, B)
    u = A.astype(np.int64) & 0xFFFF
    np.testing.assert_array_equal(B[0], u & 15)
    np.testing.assert_array_equal(B[1], ((u >> 12) & 15) + (u >> 15))
    np.testing.assert_array_equal(B[2], (u >> 4) & 255)


def int128():
    @dato.region()
    def top(A: Int(128)[2, 2], B: Int(128)[2, 2]):
        @dato.kernel(mapping=[1], args=[A, B])
        def k(a: Int(128)[2, 2], b: Int(128)[2, 2]):
            b[:, :] = dato.matmul(a, a) + a * 3

    return top


def wrap_int(x: int, n: int, signed: bool = True) -> int:
    """A Python int read as an n-bit two's complement (or unsigned) value."""
    x &= (1 << n) - 1
    return x - (1 << n) if signed and x >= 1 << (n - 1) else x


@pytest.mark.parametrize("target", ["simulator", "aie", "hls"])
def test_int128_matmul_wraps_at_128_bits(target, tmp_path):
    A = np.array([[2**100, 3], [-(2**127), 2**127 - 1]], dtype=object)
    B = np.zeros((2, 2), dtype=object)
    run(int128(), target, tmp_path, A, B)
    for i in range(2):
        for j in range(2):
            exact = sum(A[i, k] * A[k, j] for k in range(2)) + A[i, j] * 3
            assert B[i, j] == wrap_int(exact, 128)


def wide_scalars():
    @dato.region()
    def top(A: UInt(100)[4], B: Int(100)[4], C: UInt(100)[4], D: Int(100)[4], E: Int(128)[4]):
        @dato.kernel(mapping=[1], args=[A, B, C, D, E])
        def k(a: UInt(100)[4], b: Int(100)[4], c: UInt(100)[4], d: Int(100)[4], e: Int(128)[4]):
            for i in range(4):
                c[i] = a[i] * 3 + 1 + (a[i] >> 98) + a[i] // 7
                d[i] = b[i] * b[i] - (b[i] >> 2) + b[i] // 3 + b[i] % 5
                x: Int(128) = b[i]
                e[i] = x * x * x + (x << 40) - dato.abs(x) + (a[i] > b[i])

    return top


@pytest.mark.parametrize("target", ["simulator", "aie", "hls"])
def test_wide_integers_wrap_and_read_unsigned(target, tmp_path):
    """Widths above 64 bits: products, shifts, floor division and unsigned
    comparison at the edges (the most negative value, all ones)."""
    A = np.array([0, 2**99, 2**100 - 1, 5], dtype=object)
    B = np.array([-(2**99), 2**99 - 1, -1, 12345678901234567890123], dtype=object)
    C, D, E = (np.zeros(4, dtype=object) for _ in range(3))
    run(wide_scalars(), target, tmp_path, A, B, C, D, E)
    for a, b, c, d, e in zip(A, B, C, D, E, strict=True):
        assert c == wrap_int(a * 3 + 1 + (a >> 98) + a // 7, 100, signed=False)
        assert d == wrap_int(b * b - (b >> 2) + b // 3 + b % 5, 100)
        assert e == wrap_int(b**3 + (b << 40) - abs(b) + int(a > b), 128)


def test_widths_out_of_range_are_refused():
    with pytest.raises(dato.DatoCompileError, match="width from 1 to 128, got 129"):
        Int(129)
    assert Int(8) is dato.int8 and UInt(16) is dato.uint16
    assert uint4.storage == dato.uint8 and int4.storage == dato.int8


def int4_blocks(scalar_stream: bool):
    @dato.region()
    def top(A: int16[8], B: int16[8]):
        blk: dato.Stream[int4[4], 2]

        @dato.kernel(mapping=[1], args=[A])
        def prod(a: int16[8]):
            t: int4[4] = 0  # a local int4 array, held one per byte
            for i in range(4):
                t[i] = a[i]
            blk.put(t)  # noqa: F821

        @dato.kernel(mapping=[1], args=[B])
        def cons(b: int16[8]):
            u: int4[4] = blk.get()  # noqa: F821
            for i in range(4):
                b[i] = u[i] * 2
                b[i + 4] = u[i] * 3

    @dato.region()
    def scalars(A: int16[8], B: int16[8]):
        s: dato.Stream[int4, 2]

        @dato.kernel(mapping=[1], args=[A])
        def prod(a: int16[8]):
            for i in range(8):
                s.put(a[i])  # noqa: F821

        @dato.kernel(mapping=[1], args=[B])
        def cons(b: int16[8]):
            for i in range(8):
                b[i] = s.get()  # noqa: F821

    return scalars if scalar_stream else top


@pytest.mark.parametrize("target", TARGETS)
def test_int4_local_arrays_and_blocks_on_every_target(target, tmp_path):
    A = np.array([7, -8, -1, 0x7F, 0, 0, 0, 0], np.int16)
    B = np.zeros(8, np.int16)
    run(int4_blocks(False), target, tmp_path, A, B)
    a = wrap(A[:4], 4)
    np.testing.assert_array_equal(B, np.concatenate([wrap(a * 2, 16), wrap(a * 3, 16)]))


@pytest.mark.parametrize("target", TARGETS)
def test_int4_scalar_streams_wrap(target, tmp_path):
    A = np.array([7, -8, -1, 0x7F, 0x1F, -3, 8, 0x4C], np.int16)
    B = np.zeros(8, np.int16)
    run(int4_blocks(True), target, tmp_path, A, B)
    np.testing.assert_array_equal(B, wrap(A, 4))


def test_int4_scalar_streams_carry_bytes_on_the_npu(tmp_path):
    """An NPU buffer holds whole bytes: the stream of int4 scalars carries i8."""
    mod = dato.build(int4_blocks(True), target="aie", project=tmp_path / "aie")
    (fifo,) = [line for line in str(mod.ir).splitlines() if "aie.objectfifo @s(" in line]
    assert fifo.endswith("!aie.objectfifo<memref<1xi8>>")  # neighbours: no DMA, no packing
