"""K streaming on the NPU for a matmul whose result stays in the task: kept in
a local for an epilogue, or put on a stream. A compute tile has 64 KiB of data
memory, 1 KiB of it kept for the stack (AM020; aiecc's default), so operands
larger than that arrive in K tiles through their fifos (two objects each)
while the core accumulates. The K tile is the largest divisor of K whose
double-buffered A (M x kt) and B (kt x N) tiles fit beside the task's other
buffers, each counted at its own element width; the expected tiles below are
worked out by hand from that rule. Results are compared with numpy."""

import re

import ml_dtypes
import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Stream, bfloat16, int8, int16, int32

BUDGET = 64 * 1024 - 1024
RNG = np.random.default_rng(12)
BF16 = ml_dtypes.bfloat16


def epilogue(T, M: int, K: int, N: int):
    @dato.region()
    def top(A: T[M, K], B: T[K, N], C: T[M, N]):
        @dato.kernel(mapping=[1], args=[A, B, C])
        def mm(a: T[M, K], b: T[K, N], c: T[M, N]):
            acc: T[M, N] = dato.matmul(a, b)
            c[:, :] = acc + acc

    return top


def to_stream(T, M: int, K: int, N: int):
    @dato.region()
    def top(A: T[M, K], B: T[K, N], C: T[M, N]):
        s: Stream[T[M, N], 2]

        @dato.kernel(mapping=[1], args=[A, B])
        def mm(a: T[M, K], b: T[K, N]):
            s.put(dato.matmul(a, b))  # noqa: F821 (a stream, declared by annotation)

        @dato.kernel(mapping=[1], args=[C])
        def cons(c: T[M, N]):
            c[:, :] = s.get()  # noqa: F821

    return top


def widening(M: int, K: int, N: int):
    """int8 x int8 accumulated in an int32 local (the kernel language's
    typing rule: the declared destination is the wider type)."""

    @dato.region()
    def top(A: int8[M, K], B: int8[K, N], C: int32[M, N]):
        @dato.kernel(mapping=[1], args=[A, B, C])
        def mm(a: int8[M, K], b: int8[K, N], c: int32[M, N]):
            acc: int32[M, N] = dato.matmul(a, b)
            c[:, :] = acc - 1

    return top


def a_tile(mod) -> list[int]:
    """The shape of the objects A's fifo carries in the emitted design."""
    text = (mod.project / "aie.mlir").read_text()
    found = re.search(r"aie\.objectfifo @A_in0\(.*memref<(\d+)x(\d+)x", text)
    assert found, text
    return [int(found.group(1)), int(found.group(2))]


def ints(shape, lo, hi, dtype) -> np.ndarray:
    return RNG.integers(lo, hi, shape).astype(dtype)


def test_epilogue_after_a_matmul_too_large_for_a_tile_streams_k(tmp_path):
    M, K, N = 32, 1024, 32
    # whole A and B: 2 x 64 KiB, over the tile's 63 KiB
    assert 2 * M * K * 2 > BUDGET
    mod = dato.build(epilogue(int16, M, K, N), target="aie", project=tmp_path)
    # other buffers: the matmul's local, its copy, the sum (2 KiB each) and
    # C's 2 KiB block = 8,192 bytes; 2 x (32 kt + 32 kt) x 2 + 8,192 <= 64,512
    # gives kt <= 220, and the largest divisor of 1024 below is 128
    assert a_tile(mod) == [32, 128]
    A = ints((M, K), -(2**15), 2**15, np.int16)
    B = ints((K, N), -(2**15), 2**15, np.int16)
    C = np.zeros((M, N), np.int16)
    mod(A, B, C)
    prod = (A.astype(np.int64) @ B.astype(np.int64)).astype(np.int16)
    np.testing.assert_array_equal(C, (prod.astype(np.int64) * 2).astype(np.int16))


def test_matmul_put_on_a_stream_streams_k(tmp_path):
    M, K, N = 32, 1536, 16
    mod = dato.build(to_stream(int16, M, K, N), target="aie", project=tmp_path)
    # the producer holds its 1 KiB local and the stream's 2 objects (2 KiB):
    # 2 x (32 kt + 16 kt) x 2 + 3,072 <= 64,512 gives kt <= 320 -> 256 (1536 / 6)
    assert a_tile(mod) == [32, 256]
    A = ints((M, K), -(2**15), 2**15, np.int16)
    B = ints((K, N), -(2**15), 2**15, np.int16)
    C = np.zeros((M, N), np.int16)
    mod(A, B, C)
    np.testing.assert_array_equal(C, (A.astype(np.int64) @ B.astype(np.int64)).astype(np.int16))


def test_int32_accumulators_too_large_for_a_tile_are_cut_by_columns(tmp_path):
    M, K, N = 80, 1536, 80
    # int32 buffers of 80 x 80 (25 KiB each): the accumulator and the difference
    # live at once (50 KiB), C's block (25 KiB): over 63 KiB whatever K does;
    # dato-npu-retile-gemm cuts the task (its epilogue acc - 1 is element by
    # element) into two of 80 x 40
    mod = dato.build(widening(M, K, N), target="aie", project=tmp_path)
    A = ints((M, K), -128, 128, np.int8)
    B = ints((K, N), -128, 128, np.int8)
    C = np.zeros((M, N), np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, A.astype(np.int32) @ B.astype(np.int32) - 1)


def test_int32_accumulators_that_fit_once_dead_buffers_are_shared(tmp_path):
    # 64 x 64 int32: accumulator + difference 32 KiB, C's block 16 KiB: 48 KiB,
    # leaving 15 KiB for the int8 A and B tiles streamed over K
    M, K, N = 64, 1536, 64
    mod = dato.build(widening(M, K, N), target="aie", project=tmp_path)
    kt = a_tile(mod)[1]
    assert a_tile(mod)[0] == M and K % kt == 0 and 2 * (M * kt + kt * N) <= 15 * 1024
    A = ints((M, K), -128, 128, np.int8)
    B = ints((K, N), -128, 128, np.int8)
    C = np.zeros((M, N), np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, A.astype(np.int32) @ B.astype(np.int32) - 1)


def test_int8_operands_into_an_int32_local(tmp_path):
    M, K, N = 32, 2048, 32
    mod = dato.build(widening(M, K, N), target="aie", project=tmp_path)
    # int32 buffers of 32 x 32 (4,096 bytes each): the local, its copy, the
    # difference and C's block = 16,384; int8 tiles: 2 x (32 kt + 32 kt) x 1;
    # 128 kt + 16,384 <= 64,512 gives kt <= 376 -> 256 (counted at one byte
    # per accumulator element the tile would be 1024: 128 kt + 4,096)
    assert a_tile(mod) == [32, 256]
    A = ints((M, K), -128, 128, np.int8)
    B = ints((K, N), -128, 128, np.int8)
    C = np.zeros((M, N), np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, A.astype(np.int32) @ B.astype(np.int32) - 1)


def test_bf16_streamed_over_k_accumulates_in_f32_and_rounds_once(tmp_path):
    M, K, N = 32, 1024, 32
    mod = dato.build(epilogue(bfloat16, M, K, N), target="aie", project=tmp_path)
    assert a_tile(mod)[1] < K
    # small integers: every float32 partial sum is exact (at most 1024 x 49),
    # so accumulating in f32 and rounding once gives the exact sum rounded
    # to bf16 once; rounding at every K step would lose low bits above 256
    A = ints((M, K), 0, 8, np.float32).astype(BF16)
    B = ints((K, N), 0, 8, np.float32).astype(BF16)
    C = np.zeros((M, N), BF16)
    mod(A, B, C)
    once = (A.astype(np.float32) @ B.astype(np.float32)).astype(BF16)
    want = (once.astype(np.float32) * 2).astype(BF16)  # doubling is exact
    np.testing.assert_array_equal(C.view(np.uint16), want.view(np.uint16))


def test_operands_another_task_also_reads_are_not_streamed_and_refused(tmp_path):
    M, K, N = 32, 1024, 32

    @dato.region()
    def top(A: int16[M, K], B: int16[K, N], C: int16[M, N], D: int16[M, K]):
        @dato.kernel(mapping=[1], args=[A, B, C])
        def mm(a: int16[M, K], b: int16[K, N], c: int16[M, N]):
            acc: int16[M, N] = dato.matmul(a, b)
            c[:, :] = acc + acc

        @dato.kernel(mapping=[1], args=[A, D])
        def cp(a: int16[M, K], d: int16[M, K]):
            d[:, :] = a

    with pytest.raises(dato.DatoIRError) as info:
        dato.build(top, target="aie", project=tmp_path)
    message = str(info.value)
    assert "mm_0" in message and "of buffers" in message and "63 KiB" in message


def test_gemm_into_an_int32_output_counts_its_block_at_four_bytes(tmp_path):
    """`c[:, :] = matmul(a, b)` with int8 operands into int32 C, K = 768:
    the 64 x 64 int32 block is 16,384 bytes, so 2 x (64 kt + 64 kt) x 1 +
    16,384 <= 64,512 gives kt <= 188 -> 128 (768 / 6); counted at the
    operands' one byte it would be kt <= 236 -> 192, 12 KiB over."""
    M, K, N = 64, 768, 64

    @dato.region()
    def top(A: int8[M, K], B: int8[K, N], C: int32[M, N]):
        @dato.kernel(mapping=[1], args=[A, B, C])
        def mm(a: int8[M, K], b: int8[K, N], c: int32[M, N]):
            c[:, :] = dato.matmul(a, b)

    mod = dato.build(top, target="aie", project=tmp_path)
    assert a_tile(mod) == [64, 128]
    A = ints((M, K), -128, 128, np.int8)
    B = ints((K, N), -128, 128, np.int8)
    C = np.zeros((M, N), np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, A.astype(np.int32) @ B.astype(np.int32))
