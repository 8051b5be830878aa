"""Gaps mutation testing left (docs/testing.md, "Gaps left"), closed against
independent references.

Float casts: the simulator and the HLS emitter convert by the result type, so
a bf16 -> f32 cast emitted as `arith.truncf` (or f32 -> bf16 as `arith.extf`)
computes the same values there; upstream MLIR's verifier refuses it (extf must
widen, truncf narrow). So the op the frontend chooses is checked in the IR, and
the values on every target against numpy with a round-to-nearest-even bf16
conversion written out here.

bf16 K tile: a bf16 `c[:, :] = matmul(a, b)` whose K is split adds into an
m x n float32 accumulator (4 bytes an element), which physical mapping counts
when it chooses the K tile; the shapes below make a 2-byte (or no)
accumulator choose a larger tile; so does one into a local with an epilogue
(`acc = matmul(a, b)`, physical mapping's stream_local_k)."""

import re
import struct

import ml_dtypes
import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import bfloat16, float32
from dato_xdsl.frontend.program import compile_region
from test.unit.aie_text import tile_bytes

TARGETS = ["simulator", "hls", "aie"]


def bf16_round(x: float) -> float:
    """float32 -> bfloat16 by hand: keep the top 16 bits of the float32, rounding
    the dropped 16 to nearest, ties to the even kept bit (finite values)."""
    bits = struct.unpack("<I", struct.pack("<f", x))[0]
    lsb = (bits >> 16) & 1
    bits = (bits + 0x7FFF + lsb) & 0xFFFF0000
    return struct.unpack("<f", struct.pack("<I", bits))[0]


def test_bf16_round_by_hand():
    # bf16 keeps 8 significand bits: between 1 and 2 its step is 2**-7
    assert bf16_round(1.0 + 2**-8) == 1.0  # a tie: to the even 1.0
    assert bf16_round(1.0 + 3 * 2**-8) == 1.0 + 2**-6  # a tie: to the even 1 + 2**-6
    assert bf16_round(1.0 + 2**-8 + 2**-20) == 1.0 + 2**-7  # above the tie: up
    assert bf16_round(-3.0 - 2**-7 - 2**-12) == -3.0 - 2**-6  # magnitude rounds up
    assert bf16_round(1.0 + 2**-7) == 1.0 + 2**-7  # representable: unchanged


def casts():
    n = 6

    @dato.region()
    def top(F: float32[n], B: bfloat16[n], TO_BF: bfloat16[n], TO_F: float32[n]):
        @dato.kernel(mapping=[1], args=[F, B, TO_BF, TO_F])
        def k(f: float32[n], b: bfloat16[n], to_bf: bfloat16[n], to_f: float32[n]):
            for i in range(n):
                to_bf[i] = f[i]  # narrows: rounds to bf16
                to_f[i] = b[i] + 0.0078125  # widened first: a float32 sum

    return top


def test_widening_is_extf_and_narrowing_is_truncf():
    module, _ = compile_region(casts())
    text = str(module)
    extf = re.findall(r"arith\.extf %\S+ : (\w+) to (\w+)", text)
    truncf = re.findall(r"arith\.truncf %\S+ : (\w+) to (\w+)", text)
    assert ("bf16", "f32") in extf
    assert ("f32", "bf16") in truncf
    # each one goes its own way only
    assert all(src == "bf16" and dst == "f32" for src, dst in extf)
    assert all(src == "f32" and dst == "bf16" for src, dst in truncf)


@pytest.mark.parametrize("target", TARGETS)
def test_float_casts_round_to_nearest_even_on_every_target(target, tmp_path):
    # f32 values bf16 cannot hold: ties both ways, just above a tie, a
    # negative one, one far from 1, and one bf16 holds exactly
    f = np.array(
        [1 + 2**-8, 1 + 3 * 2**-8, 1 + 2**-8 + 2**-20, -3 - 2**-7 - 2**-12, 1000.3, 1.5],
        np.float32,
    )
    b = np.array([1.0, 2.0, -1.0, 0.5, 255.0, 3.0], ml_dtypes.bfloat16)
    to_bf = np.zeros(f.size, ml_dtypes.bfloat16)
    to_f = np.zeros(f.size, np.float32)
    dato.build(casts(), target=target, project=tmp_path)(f, b, to_bf, to_f)
    want_bf = [bf16_round(float(x)) for x in f]
    np.testing.assert_array_equal(to_bf.astype(np.float32), np.array(want_bf, np.float32))
    # a float32 destination widens the operands (docs/kernel-language.md), so
    # the sums are float32 and exact; in bf16, 2 + 2**-7 and 3 + 2**-7 would be
    # ties to 2 and 3, and 255 + 2**-7 would round to 255
    want_f = [float(x) + 2**-7 for x in b.astype(np.float32)]
    assert [bf16_round(x) for x in want_f] != want_f
    np.testing.assert_array_equal(to_f, np.array(want_f, np.float32))


def bf16_gemm(M: int, K: int, N: int):
    @dato.region()
    def top(A: bfloat16[M, K], B: bfloat16[K, N], C: bfloat16[M, N]):
        @dato.kernel(mapping=[1], args=[A, B, C])
        def mm(a: bfloat16[M, K], b: bfloat16[K, N], c: bfloat16[M, N]):
            c[:, :] = dato.matmul(a, b)

    return top


BUDGET = 64 * 1024 - 1024  # AM020's 64 KiB of compute-tile data memory, 1 KiB kept for the stack


def k_tile_by_hand(M: int, K: int, N: int, acc_bytes: int) -> int:
    """The largest divisor kt of K whose double-buffered bf16 A (M x kt) and B
    (kt x N) tiles, the bf16 output block and, when K is split, the M x N
    accumulator of `acc_bytes` an element fit BUDGET."""
    for kt in range(K, 0, -1):
        need = 2 * (M * kt * 2 + kt * N * 2) + M * N * 2 + (acc_bytes * M * N if kt < K else 0)
        if K % kt == 0 and need <= BUDGET:
            return kt
    raise AssertionError("nothing fits")


def a_tile(project) -> list[int]:
    """The shape of the objects A's fifo carries in the emitted design."""
    found = re.search(
        r"aie\.objectfifo @A_in0\(.*memref<(\d+)x(\d+)x", (project / "aie.mlir").read_text()
    )
    assert found
    return [int(found.group(1)), int(found.group(2))]


@pytest.mark.parametrize(
    "K, kt, kt_2_byte_acc, kt_acc_always",
    [
        # split: 384 kt + 4,096 + 8,192 <= 64,512 gives kt <= 136 -> 96; a 2-byte
        # accumulator allows kt <= 146 -> 144 (and none kt <= 157 -> 144)
        (288, 96, 144, 96),
        # whole: 384 x 144 + 4,096 = 59,392 fits with no accumulator; counting
        # one anyway (67,584) would split K to 72
        (144, 144, 144, 72),
    ],
)
def test_bf16_k_tile_counts_a_float32_accumulator(K, kt, kt_2_byte_acc, kt_acc_always, tmp_path):
    M, N = 32, 64
    assert k_tile_by_hand(M, K, N, 4) == kt
    assert k_tile_by_hand(M, K, N, 2) == kt_2_byte_acc
    assert k_tile_by_hand(M, K, N, 0) == kt_2_byte_acc
    # the whole-K case with an accumulator counted even then
    always = max(
        d
        for d in range(1, K + 1)
        if K % d == 0 and 2 * (M * d * 2 + d * N * 2) + M * N * 2 + 4 * M * N <= BUDGET
    )
    assert always == kt_acc_always
    dato.build(bf16_gemm(M, K, N), target="aie", project=tmp_path)
    assert a_tile(tmp_path) == [M, kt]


def bf16_gemm_epilogue(M: int, K: int, N: int):
    @dato.region()
    def top(A: bfloat16[M, K], B: bfloat16[K, N], C: bfloat16[M, N]):
        @dato.kernel(mapping=[1], args=[A, B, C])
        def mm(a: bfloat16[M, K], b: bfloat16[K, N], c: bfloat16[M, N]):
            acc: bfloat16[M, N] = dato.matmul(a, b)
            c[:, :] = acc + acc

    return top


def test_bf16_k_tile_of_a_matmul_into_a_local_counts_a_float32_accumulator(tmp_path):
    M, K, N = 32, 384, 64
    block = M * N * 2  # 4,096 bytes of bf16
    # the body allocates the matmul's result, `acc` and the sum (one block
    # each); on the tile `acc` and the matmul's result share one dead buffer
    # and the sum, only put on C, is computed in C's one producer object
    # (dato-put-in-place): two blocks beside the streamed A/B tiles
    module, _ = compile_region(bf16_gemm_epilogue(M, K, N))
    assert len(re.findall(r"memref\.alloc\(\) : memref<32x64xbf16>", str(module))) == 3
    rest = 2 * block
    # whole A and B (192 x 384 = 73,728 bytes) do not fit: K streams, split, so
    # 384 kt + 8,192 + 4 x 2,048 <= 64,512 gives kt <= 125 -> 96 (384 = 2^7 x 3);
    # a 2-byte accumulator (kt <= 136) or none (kt <= 146) would take 128
    assert 192 * K + rest > BUDGET
    for acc_bytes, want in ((4, 96), (2, 128), (0, 128)):
        fits = [
            d
            for d in range(1, K)
            if K % d == 0 and 2 * (M * d * 2 + d * N * 2) + rest + acc_bytes * M * N <= BUDGET
        ]
        assert max(fits) == want
    dato.build(bf16_gemm_epilogue(M, K, N), target="aie", project=tmp_path)
    assert a_tile(tmp_path) == [M, 96]
    # the emitted tile holds exactly that: A and B's two objects each, one
    # bf16 block buffer, C's one object and the float32 accumulator
    used, buffers = tile_bytes((tmp_path / "aie.mlir").read_text(), "core_c0_r2")
    assert sorted(buffers) == ["32x64xbf16", "32x64xf32"]
    assert used == 2 * (M * 96 * 2 + 96 * N * 2) + rest + 4 * M * N == 53_248
