"""Arrays over a chained core's input DMA channels go through loaders on the
cores the chains freed (npu_forwarding.forward_to_chains).

A 4 x 4 GEMM grid with a bias epilogue reads A, B and its bias block: three
input DMA channels, a compute tile has two (AM020). Sixteen instances fill
npu1's sixteen cores, so no core is free for a loader and no instance can
pass the bias to a peer (every peer reads it too, so each stays at three).
Chained onto fewer cores, the cores the chains freed each run the loaders of
one chain's members in the same order: a loader reads its member's bias
block and puts it whole on a stream to a memory-sharing neighbour. On npu1
the 8- and 4-core chainings then need more shim input channels than the 4
columns have (A's, B's and bias's read sequences), so the design maps on 2
chained cores and their 2 loader cores. Results are compared with numpy,
integers bit for bit, and with the simulator."""

import re

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Layout, int16, int32
from dato_xdsl.errors import DatoIRError

S, R = Layout.Shard, Layout.Replicate
RNG = np.random.default_rng(2417)


def gemm_bias(T, M: int, N: int, K: int, P0: int, P1: int):
    """C's block (x, y) = A's row block x @ B's column block y + the bias
    block of x (bias sharded over the grid's first dimension)."""

    @dato.region()
    def top(A: T[M, K], B: T[K, N], bias: T[N], C: T[M, N]):
        @dato.kernel(mapping=[P0, P1], args=[A, B, bias, C])
        def mm(
            a: T[M, K] @ [S(0), R],
            b: T[K, N] @ [R, S(1)],
            bb: T[N] @ [S(0)],
            c: T[M, N] @ [S(0), S(1)],
        ):
            t: T[M // P0, N // P1] = dato.matmul(a, b)
            for x in range(M // P0):
                for y in range(N // P1):
                    c[x, y] = t[x, y] + bb[y]

    return top


def expected(A, B, bias, P0: int, P1: int) -> np.ndarray:
    """numpy: the product wraps at the element width as the cores' integer
    arithmetic does; block (i, j) adds bias[i*N/P0 : i*N/P0 + N/P1]."""
    M, N = A.shape[0], B.shape[1]
    dt = A.dtype
    prod = (A.astype(np.int64) @ B.astype(np.int64)).astype(dt)
    out = np.empty((M, N), dt)
    m, n, s = M // P0, N // P1, N // P0
    for i in range(P0):
        for j in range(P1):
            block = prod[i * m : (i + 1) * m, j * n : (j + 1) * n].astype(np.int64)
            biased = block + bias[i * s : i * s + n]
            out[i * m : (i + 1) * m, j * n : (j + 1) * n] = biased.astype(dt)
    return out


def run(T, dt, M: int, N: int, K: int, P0: int, P1: int, bound: int, tmp_path):
    A = RNG.integers(-bound, bound, (M, K)).astype(dt)
    B = RNG.integers(-bound, bound, (K, N)).astype(dt)
    bias = RNG.integers(-bound, bound, (N,)).astype(dt)
    mod = dato.build(gemm_bias(T, M, N, K, P0, P1), target="aie", project=tmp_path)
    C = np.zeros((M, N), dt)
    mod(A, B, bias, C)
    ref = expected(A, B, bias, P0, P1)
    np.testing.assert_array_equal(C, ref)
    sim = np.zeros((M, N), dt)
    dato.build(gemm_bias(T, M, N, K, P0, P1), target="simulator")(A, B, bias, sim)
    np.testing.assert_array_equal(sim, ref)
    return mod


def test_gemm_bias_int32_4x4_chained_with_loaders(tmp_path):
    # refused before: tile (0, 2) (mm_0_0, mm_0_1) needs 3 input DMA channels
    # |A|, |B| < 2^15, K = 256: the products overflow int32 and wrap
    mod = run(int32, np.int32, 128, 128, 256, 4, 4, 2**15, tmp_path)
    text = (mod.project / "aie.mlir").read_text()
    tasks = [t.split('", "') for t in re.findall(r'dato\.tasks = \["([^\]]*)"\]', text)]
    chained = [t for t in tasks if t[0].startswith("mm_") and "load" not in t[0]]
    loaders = [t for t in tasks if all("_load_bias" in n for n in t)]
    # every mm instance on a chained core, each with a core of its loaders
    assert sorted(n for t in chained for n in t) == sorted(
        f"mm_{i}_{j}" for i in range(4) for j in range(4)
    )
    assert [[n.split("_load")[0] for n in t] for t in loaders] == chained


def test_gemm_bias_int16_4x4_chained_with_loaders(tmp_path):
    run(int16, np.int16, 256, 256, 256, 4, 4, 2**7, tmp_path)


def test_gemm_bias_int32_2x2_loaders_on_free_cores(tmp_path):
    # 4 instances: 12 cores free, a loader per instance (forward_inputs)
    run(int32, np.int32, 128, 128, 256, 2, 2, 2**15, tmp_path)


def test_refused_when_no_array_can_be_forwarded():
    # C is read and written (accumulated into), A and B are the matmul's
    # operands: nothing a loader can pass on whole, on any number of cores
    M = N = 128
    K = 256

    @dato.region()
    def top(A: int32[M, K], B: int32[K, N], C: int32[M, N]):
        @dato.kernel(mapping=[4, 4], args=[A, B, C])
        def mm(
            a: int32[M, K] @ [S(0), R],
            b: int32[K, N] @ [R, S(1)],
            c: int32[M, N] @ [S(0), S(1)],
        ):
            t: int32[M // 4, N // 4] = dato.matmul(a, b)
            for x in range(M // 4):
                for y in range(N // 4):
                    c[x, y] = c[x, y] + t[x, y]

    with pytest.raises(DatoIRError) as err:
        dato.build(top, target="aie")
    msg = str(err.value)
    assert "tile (0, 2) (mm_0_0) needs 3 input DMA channels, a compute tile has 2" in msg
    assert "chaining isomorphic instances onto 8 cores" in msg
    assert "moving elements to tiles sharing memory" in msg
    assert "forwarding arrays to the chains: @mm reads 3 arrays and streams" in msg
    assert "not A, B, C" in msg
    assert "Traceback" not in msg
