"""`UInt` operands of a widening matmul are read unsigned (uint8 x uint8 ->
int32 / float32, values above 127 included), against numpy on the simulator
the g++ C simulation and the virtual NPU (the library's u8 kernels);
int8 x int8 -> float32 runs on all three."""

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import float32, int8, int32, uint8


def unsigned_gemm():
    @dato.region()
    def top(A: uint8[2, 4], B: uint8[4, 2], C: int32[2, 2], D: float32[2, 2]):
        @dato.kernel(mapping=[1], args=[A, B, C, D])
        def k(a: uint8[2, 4], b: uint8[4, 2], c: int32[2, 2], d: float32[2, 2]):
            c[:, :] = dato.matmul(a, b)
            d[:, :] = dato.matmul(a, b)

    return top


@pytest.mark.parametrize("target", ["simulator", "hls"])
def test_uint8_matmul_widens_unsigned(target, tmp_path):
    A = np.array([[255, 200, 1, 128], [0, 7, 129, 250]], np.uint8)
    B = np.ascontiguousarray(A.T)
    C = np.zeros((2, 2), np.int32)
    D = np.zeros((2, 2), np.float32)
    options = {} if target == "simulator" else {"project": tmp_path / target}
    dato.build(unsigned_gemm(), target=target, **options)(A, B, C, D)
    exact = A.astype(np.int64) @ B.astype(np.int64)
    np.testing.assert_array_equal(C, exact)
    np.testing.assert_array_equal(D, exact.astype(np.float32))


def test_uint8_matmul_widens_unsigned_on_the_npu(tmp_path):
    """The lowering calls the library's unsigned kernels (dato_matmul_u8_i32,
    dato_matmul_u8_f32): 255 * 255 is read as such, not as -1 * -1."""
    A = np.array([[255, 200, 1, 128], [0, 7, 129, 250]], np.uint8)
    B = np.ascontiguousarray(A.T)
    C = np.zeros((2, 2), np.int32)
    D = np.zeros((2, 2), np.float32)
    dato.build(unsigned_gemm(), target="aie", project=tmp_path / "aie")(A, B, C, D)
    exact = A.astype(np.int64) @ B.astype(np.int64)
    np.testing.assert_array_equal(C, exact)
    np.testing.assert_array_equal(D, exact.astype(np.float32))


def int8_into_float():
    @dato.region()
    def top(A: int8[4, 4], B: int8[4, 4], D: float32[4, 4]):
        @dato.kernel(mapping=[1], args=[A, B, D])
        def k(a: int8[4, 4], b: int8[4, 4], d: float32[4, 4]):
            d[:, :] = dato.matmul(a, b)

    return top


@pytest.mark.parametrize("target", ["simulator", "hls"])
def test_int8_matmul_into_float32(target, tmp_path):
    A = (np.arange(-8, 8, dtype=np.int8).reshape(4, 4) * 16).astype(np.int8)  # -128 .. 112
    B = np.ascontiguousarray(A.T)
    D = np.zeros((4, 4), np.float32)
    options = {} if target == "simulator" else {"project": tmp_path / target}
    dato.build(int8_into_float(), target=target, **options)(A, B, D)
    np.testing.assert_array_equal(D, (A.astype(np.int64) @ B.astype(np.int64)).astype(np.float32))


def test_int8_matmul_into_float32_on_the_npu(tmp_path):
    """int8 x int8 -> float32 has a kernel in the NPU library now
    (dato_matmul_i8_f32): the same values as numpy."""
    A = (np.arange(-8, 8, dtype=np.int8).reshape(4, 4) * 16).astype(np.int8)  # -128 .. 112
    B = np.ascontiguousarray(A.T)
    D = np.zeros((4, 4), np.float32)
    dato.build(int8_into_float(), target="aie", project=tmp_path / "aie")(A, B, D)
    np.testing.assert_array_equal(D, (A.astype(np.int64) @ B.astype(np.int64)).astype(np.float32))


def tiled_u8_gemm(M: int, N: int, K: int, P0: int, P1: int):
    S, R = dato.Layout.Shard, dato.Layout.Replicate

    @dato.region()
    def top(A: uint8[M, K], B: uint8[K, N], C: int32[M, N]):
        @dato.kernel(mapping=[P0, P1], args=[A, B, C])
        def g(
            a: uint8[M, K] @ [S(0), R], b: uint8[K, N] @ [R, S(1)], c: int32[M, N] @ [S(0), S(1)]
        ):
            c[:, :] = dato.matmul(a, b)

    return top


@pytest.mark.parametrize(
    ("M", "N", "K", "P0", "P1"),
    [(64, 96, 128, 2, 2), (256, 128, 512, 8, 4)],
    ids=["one-per-core", "bundled-k-streamed"],
)
def test_uint8_gemm_designs_call_the_unsigned_kernel(M, N, K, P0, P1, tmp_path):
    """The GEMM design (one task per core, or bundled with K streamed) does
    not take mm.cc's signed vector kernel for UInt operands: it calls the
    library's u8 matmul, so 255 * 255 counts as 65025."""
    rng = np.random.default_rng(8)
    A = rng.integers(128, 256, (M, K)).astype(np.uint8)  # all above int8's range
    B = rng.integers(0, 256, (K, N)).astype(np.uint8)
    A[0, :] = 255
    B[:, 0] = 255
    C = np.zeros((M, N), np.int32)
    dato.build(tiled_u8_gemm(M, N, K, P0, P1), target="aie", project=tmp_path)(A, B, C)
    np.testing.assert_array_equal(C, A.astype(np.int64) @ B.astype(np.int64))
    assert "dato_matmul_u8_i32_" in (tmp_path / "aie.mlir").read_text()
