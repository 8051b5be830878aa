"""K streaming for the members of a bundle or chain: a core running several
instances of a matmul task in turn takes each member's A and B blocks one
after another through one fifo per array (npu_transfers.sequential_blocks),
so with K streamed each fifo carries a member's K tiles, all its steps,
before the next member's (block-major runtime DMA; one block read by two
members is sent again). The tile counts each fifo once: two objects of an
m x kt A tile and of a kt x n B tile, beside the members' locals. Before,
such members took A and B whole and were refused on memory. Results are
compared with numpy: integers bit for bit, bf16 with small integer inputs so
every f32 partial sum is exact and the one rounding is numpy's."""

import re

import ml_dtypes
import numpy as np

import dato_xdsl as dato
from dato_xdsl import Layout, bfloat16, int32
from test.unit.aie_text import tile_bytes

S, R = Layout.Shard, Layout.Replicate
RNG = np.random.default_rng(1235)
BF16 = ml_dtypes.bfloat16
BUDGET = 64 * 1024 - 1024  # a compute tile's data memory less the stack (AM020)


def gemm_double(T, M: int, N: int, K: int, P0: int, P1: int):
    """A P0 x P1 grid of matmul tasks, each keeping its block in a local and
    doubling it into C (an epilogue: the matmul's result is no argument)."""

    @dato.region()
    def top(A: T[M, K], B: T[K, N], C: T[M, N]):
        @dato.kernel(mapping=[P0, P1], args=[A, B, C])
        def mm(a: T[M, K] @ [S(0), R], b: T[K, N] @ [R, S(1)], c: T[M, N] @ [S(0), S(1)]):
            t: T[M // P0, N // P1] = dato.matmul(a, b)
            c[:, :] = t + t

    return top


def a_tiles(mod) -> set[tuple[int, int]]:
    """The shapes of the objects A's fifos carry in the emitted design."""
    text = (mod.project / "aie.mlir").read_text()
    found = re.findall(r"aie\.objectfifo @A_in\w*\(.*memref<(\d+)x(\d+)x", text)
    assert found, text
    return {(int(a), int(b)) for a, b in found}


def test_chained_instances_stream_k_int32(tmp_path):
    # 32 instances for 16 cores: the compiler chains pairs. A member's whole
    # blocks: A 32 x 512 and B 512 x 32 int32, 64 KiB each, over the tile
    # alone (refused before at 140 KiB). Its other buffers: t, t + t and C's
    # block, 4 KiB each, two of them live at once (8 KiB) + C's 4 KiB:
    # 2 x (32 kt + 32 kt) x 4 + 12,288 <= 64,512 gives kt <= 102 -> 64
    M, N, K = 128, 256, 512
    mod = dato.build(gemm_double(int32, M, N, K, 4, 8), target="aie", project=tmp_path)
    assert a_tiles(mod) == {(32, 64)}
    A = RNG.integers(-(2**15), 2**15, (M, K)).astype(np.int32)
    B = RNG.integers(-(2**15), 2**15, (K, N)).astype(np.int32)
    C = np.zeros((M, N), np.int32)
    mod(A, B, C)
    # int32 wraps as on the core
    want = ((A.astype(np.int64) @ B.astype(np.int64)) * 2).astype(np.uint64).astype(np.uint32)
    np.testing.assert_array_equal(C.view(np.uint32), want)


def test_bundled_instances_stream_k_int32(tmp_path):
    # the user bundles each row of a 2 x 2 grid onto one core: both members
    # read the same A block (sent once per member) and B blocks 0 and 1 in
    # turn. Whole blocks: 128 KiB each (refused before at 304 KiB). Others:
    # t + t is computed over t, which dies there (dato-local-copy-elision),
    # and put from C's one producer object (dato-put-in-place), so t's 16 KiB
    # buffer and C's 16 KiB object = 32 KiB (48 KiB while t + t had its own):
    # 2 x (64 kt + 64 kt) x 4 + 32,768 <= 64,512 gives kt <= 31 -> 16
    M, N, K = 128, 128, 512
    prims = [("bundle", [f"mm_{i}_0", f"mm_{i}_1"]) for i in range(2)]
    mod = dato.build(
        gemm_double(int32, M, N, K, 2, 2),
        target="aie",
        project=tmp_path,
        mapping_primitives=prims,
    )
    assert a_tiles(mod) == {(64, 16)}
    # what each bundled core's tile holds in the emitted design, counted
    # from the text: that one buffer, C's object, two objects of A and of B
    text = (tmp_path / "aie.mlir").read_text()
    for core in ("core_c0_r2", "core_c0_r3"):
        assert tile_bytes(text, core) == (2 * (64 * 16 + 16 * 64) * 4 + 32_768, ["64x64xi32"])
    A = RNG.integers(-1000, 1000, (M, K)).astype(np.int32)
    B = RNG.integers(-1000, 1000, (K, N)).astype(np.int32)
    C = np.zeros((M, N), np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, (A.astype(np.int64) @ B * 2).astype(np.int32))


def test_chained_instances_stream_k_bf16_accumulate_in_f32(tmp_path):
    # bf16 blocks of 32 x 512 and 512 x 32: 32 KiB each, 64 KiB together,
    # over the tile; the members' K tiles add into one f32 accumulator of
    # 32 x 32 (4 KiB) each in turn and round once
    M, N, K = 128, 256, 512
    mod = dato.build(gemm_double(bfloat16, M, N, K, 4, 8), target="aie", project=tmp_path)
    ((m, kt),) = a_tiles(mod)
    assert m == 32 and kt < K and K % kt == 0
    # inputs 0..7: every f32 partial sum (at most 512 x 49) is exact, so the
    # one rounding gives numpy's f32 product rounded to bf16; a rounding per
    # K step would differ wherever the sum passes 256 (bf16 has 8 bits)
    A = RNG.integers(0, 8, (M, K)).astype(np.float32).astype(BF16)
    B = RNG.integers(0, 8, (K, N)).astype(np.float32).astype(BF16)
    C = np.zeros((M, N), BF16)
    mod(A, B, C)
    once = (A.astype(np.float32) @ B.astype(np.float32)).astype(BF16)
    want = (once.astype(np.float32) * 2).astype(BF16)  # doubling is exact
    np.testing.assert_array_equal(C.view(np.uint16), want.view(np.uint16))
