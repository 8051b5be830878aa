"""K streaming for a matmul whose A is no argument: a block got from a stream
(the hidden layers of an MLP) or a local the task computes. A stays whole on
the tile (counted with the task's locals or the fifo it is got from); only B
streams in K tiles through its fifo (two objects of kt x n), and before each
kernel call the core copies A's m x kt strip into one staging buffer. The K
tile is the largest divisor of K with staging strip + B's tiles beside the
rest; the expected tiles are worked out by hand from that rule. Results are
compared with numpy bit for bit (integers wrap as on the core)."""

import re

import ml_dtypes
import numpy as np

import dato_xdsl as dato
from dato_xdsl import Layout, Stream, bfloat16, int16, int32
from test.unit.programs.dato_programs import mlp3

S, R = Layout.Shard, Layout.Replicate
RNG = np.random.default_rng(4242)
BF16 = ml_dtypes.bfloat16


def fifo_object(mod, fifo: str) -> tuple[int, int]:
    """The shape of the objects a fifo carries in the emitted design."""
    text = (mod.project / "aie.mlir").read_text()
    found = re.search(rf"aie\.objectfifo @{fifo}\(.*memref<(\d+)x(\d+)x", text)
    assert found, text
    return int(found.group(1)), int(found.group(2))


def wrap16(x: np.ndarray) -> np.ndarray:
    return x.astype(np.int64).astype(np.uint64).astype(np.uint16).view(np.int16)


def test_mlp_layer_streams_its_weights_over_k(tmp_path):
    Bt, D0, D1, D2, D3 = 32, 64, 256, 128, 32
    mod = dato.build(mlp3(int16, Bt, D0, D1, D2, D3), target="aie", project=tmp_path)
    # layer2 gets h1 (32 x 256 int16, 16 KiB, one object) and multiplies it by
    # W2 (256 x 128, 64 KiB): refused before at 120 KiB. The layers sit one
    # above the other, (0, 2) to (0, 4), so h1's object is on layer1's tile
    # and h2's on layer2's (the producer holds a fifo between neighbours in a
    # column, devices.fifo_holder). Beside W2 layer2 holds 24 KiB: h1's block
    # copied out of its object (16 KiB) and h2's 8 KiB object, which the
    # product is computed in (the ReLU's zeros a scalar: dato-splat-operands,
    # dato-put-in-place); a 32 x kt int16 strip and two kt x 128 tiles,
    # 576 kt <= 64,512 - 24,576 gives kt <= 69 -> 64
    text = (mod.project / "aie.mlir").read_text()
    assert "aie.objectfifo @h1(%core_c0_r2, {%core_c0_r3}, 1 : i32)" in text
    assert "aie.objectfifo @h2(%core_c0_r3, {%core_c0_r4}, 1 : i32)" in text
    assert fifo_object(mod, "W2_in0") == (64, 128)
    X = RNG.integers(-128, 128, (Bt, D0)).astype(np.int16)
    W1 = RNG.integers(-128, 128, (D0, D1)).astype(np.int16)
    W2 = RNG.integers(-128, 128, (D1, D2)).astype(np.int16)
    W3 = RNG.integers(-128, 128, (D2, D3)).astype(np.int16)
    Y = np.zeros((Bt, D3), np.int16)
    mod(X, W1, W2, W3, Y)
    h1 = np.maximum(wrap16(X.astype(np.int64) @ W1), 0)
    h2 = np.maximum(wrap16(h1.astype(np.int64) @ W2), 0)
    np.testing.assert_array_equal(Y, wrap16(h2.astype(np.int64) @ W3))


def doubled_a(T, M: int, K: int, N: int):
    """A matmul of a local the task computes (2 a) by an argument."""

    @dato.region()
    def top(A: T[M, K], B: T[K, N], C: T[M, N]):
        @dato.kernel(mapping=[1], args=[A, B, C])
        def mm(a: T[M, K], b: T[K, N], c: T[M, N]):
            s: T[M, K] = a + a
            t: T[M, N] = dato.matmul(s, b)
            c[:, :] = t - 1

    return top


def test_matmul_of_a_local_streams_b_over_k(tmp_path):
    M, K, N = 4, 1024, 32
    mod = dato.build(doubled_a(int32, M, K, N), target="aie", project=tmp_path)
    # B whole is 128 KiB (refused before at 177.5 KiB). Beside it: A's block
    # and the local 2a (16 KiB each; the sum is computed in it, no local of
    # its own: dato-local-copy-elision), t and t - 1 (512 bytes each), C's
    # 512 bytes = 34,304; a 4 x kt int32 strip and two kt x 32 tiles: 272 kt
    # <= 30,208 gives kt <= 111 -> 64
    assert fifo_object(mod, "B_in0") == (64, 32)
    A = RNG.integers(-(2**20), 2**20, (M, K)).astype(np.int32)
    B = RNG.integers(-(2**20), 2**20, (K, N)).astype(np.int32)
    C = np.zeros((M, N), np.int32)
    mod(A, B, C)
    want = (A.astype(np.int64) * 2) @ B.astype(np.int64) - 1
    np.testing.assert_array_equal(C.view(np.uint32), want.astype(np.uint64).astype(np.uint32))


def test_mlp_whose_first_layer_held_its_result_three_times_maps(tmp_path):
    # layer1's 64 x 256 int16 result block (32 KiB) was held three times (the
    # matmul's local, the zero it is compared with, h1's object): 96 KiB
    # beside X and W1, refused. The zeros are a scalar now and the product is
    # computed in h1's object (test_npu_copy_elimination has the figures)
    Bt, D0, D1, D2, D3 = 64, 128, 256, 128, 64
    mod = dato.build(mlp3(int16, Bt, D0, D1, D2, D3), target="aie", project=tmp_path)
    X = RNG.integers(-128, 128, (Bt, D0)).astype(np.int16)
    W1 = RNG.integers(-128, 128, (D0, D1)).astype(np.int16)
    W2 = RNG.integers(-128, 128, (D1, D2)).astype(np.int16)
    W3 = RNG.integers(-128, 128, (D2, D3)).astype(np.int16)
    Y = np.zeros((Bt, D3), np.int16)
    mod(X, W1, W2, W3, Y)
    h1 = np.maximum(wrap16(X.astype(np.int64) @ W1), 0)
    h2 = np.maximum(wrap16(h1.astype(np.int64) @ W2), 0)
    np.testing.assert_array_equal(Y, wrap16(h2.astype(np.int64) @ W3))


def relay_matmul(T, M: int, K: int, N: int):
    """A task puts X's block on a stream; the next multiplies the block it
    gets by W (A a block got from a stream, in the fifo's object)."""

    @dato.region()
    def top(X: T[M, K], W: T[K, N], C: T[M, N]):
        s: Stream[T[M, K], 1]

        @dato.kernel(mapping=[1], args=[X])
        def load(x: T[M, K]):
            s.put(x)  # noqa: F821 (a stream, declared by annotation)

        @dato.kernel(mapping=[1], args=[W, C])
        def mm(w: T[K, N], c: T[M, N]):
            t: T[M, N] = dato.matmul(s.get(), w)  # noqa: F821
            c[:, :] = t

    return top


def test_bf16_matmul_of_a_stream_block_accumulates_in_f32(tmp_path):
    M, K, N = 16, 512, 64
    # W whole is 64 KiB, over the tile: it streams in K tiles
    mod = dato.build(relay_matmul(bfloat16, M, K, N), target="aie", project=tmp_path)
    rows, cols = fifo_object(mod, "W_in0")
    assert cols == N and rows < K and K % rows == 0
    X = RNG.standard_normal((M, K)).astype(np.float32).astype(BF16)
    W = RNG.standard_normal((K, N)).astype(np.float32).astype(BF16)
    C = np.zeros((M, N), BF16)
    mod(X, W, C)
    x, w = X.astype(np.float64), W.astype(np.float64)
    exact = x @ w
    # f32 accumulation in any order errs by at most K f32 epsilons (2^-23)
    # of the sum of |products|; the one rounding to bf16 by half a bf16
    # epsilon (2^-7 / 2) of the f32 sum
    acc = K * 2.0**-23 * (np.abs(x) @ np.abs(w))
    bound = acc + 2.0**-8 * (np.abs(exact) + acc)
    assert np.all(np.abs(C.astype(np.float64) - exact) <= bound)


def grid_doubled_a(T, M: int, N: int, K: int, P0: int, P1: int):
    """A P0 x P1 grid of tasks, each multiplying its local 2a by its B block."""

    @dato.region()
    def top(A: T[M, K], B: T[K, N], C: T[M, N]):
        @dato.kernel(mapping=[P0, P1], args=[A, B, C])
        def mm(a: T[M, K] @ [S(0), R], b: T[K, N] @ [R, S(1)], c: T[M, N] @ [S(0), S(1)]):
            s: T[M // P0, K] = a + a
            t: T[M // P0, N // P1] = dato.matmul(s, b)
            c[:, :] = t

    return top


def test_chained_instances_stage_their_local_a(tmp_path):
    M, N, K = 64, 256, 512
    # 32 instances for 16 cores: the compiler chains pairs, which take their
    # B blocks (512 x 32 int16, 32 KiB) in turn through one fifo: refused
    # before at 83 KiB. Beside B: A's 16 KiB object, the members' locals
    # (2a, 16 KiB, the sum computed in it: dato-local-copy-elision, and t,
    # 1 KiB; the members' lives apart, shared), C's 1 KiB = 34 KiB; a 16 x kt
    # strip and two kt x 32 tiles: 160 kt <= 29,696 gives kt <= 185 -> 128
    mod = dato.build(grid_doubled_a(int16, M, N, K, 4, 8), target="aie", project=tmp_path)
    assert fifo_object(mod, "B_in0") == (128, 32)
    A = RNG.integers(-1000, 1000, (M, K)).astype(np.int16)
    B = RNG.integers(-1000, 1000, (K, N)).astype(np.int16)
    C = np.zeros((M, N), np.int16)
    mod(A, B, C)
    np.testing.assert_array_equal(C, wrap16(wrap16(A.astype(np.int64) * 2).astype(np.int64) @ B))


def test_a_stream_block_too_large_beside_its_result_is_cut_into_row_bands(tmp_path):
    # mm holds t and C's 16 x 512 bf16 blocks (16 KiB each), a 16 KiB local
    # and the 16 x 512 f32 accumulator (32 KiB): over 63 KiB before any K
    # tile; dato-npu-retile-gemm cuts load and mm into row bands together
    M, K, N = 16, 512, 512
    mod = dato.build(relay_matmul(bfloat16, M, K, N), target="aie", project=tmp_path)
    X = RNG.standard_normal((M, K)).astype(np.float32).astype(BF16)
    W = RNG.standard_normal((K, N)).astype(np.float32).astype(BF16)
    C = np.zeros((M, N), BF16)
    mod(X, W, C)
    x, w = X.astype(np.float64), W.astype(np.float64)
    exact = x @ w
    acc = K * 2.0**-23 * (np.abs(x) @ np.abs(w))
    bound = acc + 2.0**-8 * (np.abs(exact) + acc)
    assert np.all(np.abs(C.astype(np.float64) - exact) <= bound)
