"""int4 / uint4 arrays on the NPU move packed two per byte, as AIE-ML stores
them: the host packs the one-value-per-byte numpy array (value 2k in bits 3:0
of byte k, 2k+1 in bits 7:4), the DMAs move the bytes, each core unpacks its
block and packs what it writes. Streams of int4 scalars carry bytes (four to a
DMA word when the compiler packs them). Checked bit for bit against numpy
models of 4-bit arithmetic, and the layout against bytes worked out by hand."""

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Layout, int4, int8, uint4
from dato_xdsl.dialects import aie
from dato_xdsl.targets.aie.host_layout import Layout as HostLayout
from dato_xdsl.targets.aie.host_layout import from_buffers, to_buffers
from test.unit.programs import npu_fanout_programs as fanout

S, R = Layout.Shard, Layout.Replicate


def wrap(x, n: int = 4, signed: bool = True) -> np.ndarray:
    x = np.asarray(x).astype(np.int64) & ((1 << n) - 1)
    return np.where(x >= (1 << (n - 1)), x - (1 << n), x) if signed else x


def sharded(M: int, N: int, P: int):
    """Rows of N values (odd N: the last byte of a row holds one value) cut
    over P tasks; an int4 and a uint4 output."""

    @dato.region()
    def top(A: int4[M, N], U: uint4[M, N], OUT: int4[M, N], UOUT: uint4[M, N]):
        @dato.kernel(mapping=[P], args=[A, U, OUT, UOUT])
        def k(
            a: int4[M, N] @ [S(0), R],
            u: uint4[M, N] @ [S(0), R],
            o: int4[M, N] @ [S(0), R],
            uo: uint4[M, N] @ [S(0), R],
        ):
            o[:, :] = a * 3 - u
            uo[:, :] = u * 5 + (a > 0)

    return top


@pytest.mark.parametrize(("M", "N", "P"), [(4, 5, 2), (6, 16, 3), (2, 3, 1), (8, 12, 4)])
def test_packed_int4_arrays_compute_as_numpy(M, N, P, tmp_path):
    rng = np.random.default_rng(M * 100 + N)
    A = rng.integers(-8, 8, (M, N)).astype(np.int8)
    U = rng.integers(0, 16, (M, N)).astype(np.uint8)
    A.flat[:2], U.flat[:2] = (-8, 7), (0, 15)  # both ends of each range
    OUT = np.zeros((M, N), np.int8)
    UOUT = np.zeros((M, N), np.uint8)
    mod = dato.build(sharded(M, N, P), target="aie", project=tmp_path / "aie")
    mod(A, U, OUT, UOUT)
    a, u = A.astype(np.int64), U.astype(np.int64)
    np.testing.assert_array_equal(OUT, wrap(a * 3 - u))
    np.testing.assert_array_equal(UOUT, wrap(u * 5 + (a > 0), signed=False))
    # the design takes bytes: ceil(N / 2) per row, padded to whole 32-bit words
    row_bytes = 4 * ((N + 7) // 8)  # 8 values per word
    (seq,) = [op for op in mod.ir.walk() if isinstance(op, aie.RuntimeSequenceOp)]
    sizes = [int(np.prod(arg.type.get_shape())) for arg in seq.body.block.args]
    assert sum(sizes) == 4 * M * row_bytes  # the four arrays, in one or more i8 buffers


def test_host_layout_packs_low_nibble_first():
    """Hand-computed bytes: [1, -1, -8, 7, 3] -> 0xF1, 0x78, 0x03, then zero padding."""
    layout = HostLayout(padding={0: (5, 4, 1), 1: (5, 4, 0)}, packing=None, sizes=None)
    a = np.array([[1, -1, -8, 7, 3]], np.int8)
    u = np.array([[1, 15, 8, 7, 3]], np.uint8)
    bufs = to_buffers(layout, [a, u])
    assert list(bufs[0].view(np.uint8).reshape(-1)) == [0xF1, 0x78, 0x03, 0]
    assert list(bufs[1].view(np.uint8).reshape(-1)) == [0xF1, 0x78, 0x03, 0]
    a2, u2 = np.zeros_like(a), np.zeros_like(u)
    from_buffers(layout, bufs, [a2, u2])
    np.testing.assert_array_equal(a2, a)  # sign-extended
    np.testing.assert_array_equal(u2, u)  # zero-extended


def columns(M: int, N: int, P: int):
    """The last dimension cut over the tasks: each block row starts on a byte."""

    @dato.region()
    def top(A: int4[M, N], OUT: int4[M, N]):
        @dato.kernel(mapping=[P], args=[A, OUT])
        def k(a: int4[M, N] @ [R, S(0)], o: int4[M, N] @ [R, S(0)]):
            o[:, :] = a * a - 1

    return top


def test_packed_blocks_cut_along_the_row(tmp_path):
    M, N, P = 3, 30, 3  # blocks of 10 values: 5 bytes, padded to 8
    A = (np.arange(M * N) % 16 - 8).astype(np.int8).reshape(M, N)
    OUT = np.zeros((M, N), np.int8)
    dato.build(columns(M, N, P), target="aie", project=tmp_path / "aie")(A, OUT)
    a = A.astype(np.int64)
    np.testing.assert_array_equal(OUT, wrap(a * a - 1))


def gemm(M: int, K: int, N: int):
    @dato.region()
    def top(A: int4[M, K], B: int4[K, N], C: int8[M, N]):
        @dato.kernel(mapping=[2], args=[A, B, C])
        def k(a: int4[M, K] @ [S(0), R], b: int4[K, N], c: int8[M, N] @ [S(0), R]):
            c[:, :] = dato.matmul(a, b)

    return top


def test_int4_matmul_operands_run_on_the_npu(tmp_path):
    """The NPU's matmul kernels read one value per byte: its operands move so."""
    M, K, N = 8, 16, 8
    rng = np.random.default_rng(4)
    A = rng.integers(-8, 8, (M, K)).astype(np.int8)
    B = rng.integers(-8, 8, (K, N)).astype(np.int8)
    C = np.zeros((M, N), np.int8)
    dato.build(gemm(M, K, N), target="aie", project=tmp_path / "aie")(A, B, C)
    np.testing.assert_array_equal(C, wrap(A.astype(np.int64) @ B.astype(np.int64), 8))


@pytest.mark.parametrize(("T", "signed"), [(int4, True), (uint4, False)], ids=["int4", "uint4"])
def test_int4_scalar_streams_through_dmas_carry_packed_bytes(T, signed, tmp_path):
    """5 sources send int4 scalars to one reducer (and take their rows of a
    packed int4 array): the reducer has 3 neighbours sharing memory, the other
    2 streams need a DMA and carry bytes, 4 to a word; the sums wrap at 4 bits."""
    P, L = 5, 32
    rng = np.random.default_rng(5)
    lo, hi = (-8, 8) if signed else (0, 16)
    A = rng.integers(lo, hi, (P, L)).astype(np.int8 if signed else np.uint8)
    A[0, :2] = (lo, hi - 1)
    B = np.zeros(L, A.dtype)
    mod = dato.build(fanout.scalar_gather(T, P, L), target="aie", project=tmp_path / "aie")
    mod(A, B)
    np.testing.assert_array_equal(B, wrap(A.astype(np.int64).sum(0), 4, signed))
    fifos = [line for line in str(mod.ir).splitlines() if "aie.objectfifo @s" in line]
    assert len(fifos) == P
    assert all(f.endswith("memref<4xi8>>") for f in fifos)  # one type per port: 4 bytes


def test_run_py_packs_int4_as_the_virtual_npu(tmp_path, monkeypatch):
    """run.py (real hardware) writes the bytes the virtual NPU run feeds the
    design: rows of 30 int4 as 3 blocks of 10 values, each 5 bytes (value 2k
    low, 2k+1 high) and 3 zero bytes; and unpacks the design's output."""
    from test.unit.test_npu_host_runner import run_both

    M, N, P = 3, 30, 3
    mod = dato.build(columns(M, N, P), target="aie", project=tmp_path)
    A = (np.arange(M * N) % 16 - 8).astype(np.int8).reshape(M, N)
    OUT = np.zeros((M, N), np.int8)
    outputs, xrt = run_both(mod, tmp_path, [A, OUT], monkeypatch)
    want = wrap(A.astype(np.int64) * A - 1)
    np.testing.assert_array_equal(outputs[1], want)  # the virtual NPU run
    np.testing.assert_array_equal(np.load(tmp_path / "a1.npy"), want)  # run.py
    nibbles = A.reshape(M, P, 10).astype(np.int64) & 15
    packed = np.zeros((M, P, 8), np.uint8)
    for k in range(5):
        packed[:, :, k] = nibbles[:, :, 2 * k] | (nibbles[:, :, 2 * k + 1] << 4)
    assert packed.tobytes() in xrt.written  # A's buffer, alone or first in a shared one
    assert all(len(w) < A.size for w in xrt.written)  # 72 bytes per array, not 90
