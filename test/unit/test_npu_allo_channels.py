"""Programs of the structure of Allo's dataflow tests that needed more DMA
input channels per core than a compute tile has (2), with every core taken by
an instance so no loader fits: instances reading the same block of an array
pass it to a neighbour over shared memory (npu_forwarding.share_with_peers).
Written in our frontend from the tests' structure; results against numpy."""

import re

import numpy as np

import dato_xdsl as dato
from dato_xdsl import Layout, float32, int32

S, R = Layout.Shard, Layout.Replicate


def cores(mod) -> int:
    return len(re.findall(r"aie\.core\(", (mod.project / "aie.mlir").read_text()))


def peer_fifos(mod, task: str) -> list[str]:
    """The fifos of blocks one instance passes to another (peer -> instance)."""
    text = (mod.project / "aie.mlir").read_text()
    return re.findall(rf"aie\.objectfifo @({task}_\d_\d_\w+_to_{task}_\d_\d)\(", text)


def test_tiled_gemm_on_a_4x4_grid_of_npu1(tmp_path):
    """Allo's tiled GEMM (each instance reads all of A and B and updates its
    C box with +=) at a 4x4 mapping: 16 instances on npu1's 16 cores.
    dato-array-flow-forwarding passes C from instance to instance (they all
    bind it whole), so the first reads A, B and the host's C: 3 input
    channels; with the peers, one of A and B comes from a neighbour."""
    M = N = K = 32
    P0 = P1 = 4
    Mt, Nt = M // P0, N // P1

    @dato.region()
    def top(A: float32[M, K], B: float32[K, N], C: float32[M, N]):
        @dato.kernel(mapping=[P0, P1], args=[A, B, C])
        def gemm(a: float32[M, K], b: float32[K, N], c: float32[M, N]):
            pi, pj = dato.get_pid()
            for i in range(pi * Mt, (pi + 1) * Mt):
                for j in range(pj * Nt, (pj + 1) * Nt):
                    for k in range(K):
                        c[i, j] += a[i, k] * b[k, j]

    mod = dato.build(top, target="aie", project=tmp_path)
    assert cores(mod) == 16  # no core left over for a loader
    assert peer_fifos(mod, "gemm")
    rng = np.random.default_rng(7)
    A = rng.random((M, K), dtype=np.float32)
    B = rng.random((K, N), dtype=np.float32)
    C = rng.random((M, N), dtype=np.float32)
    want = C + A @ B
    mod(A, B, C)
    np.testing.assert_allclose(C, want, rtol=1e-5, atol=1e-5)


def test_three_whole_arrays_per_instance_on_every_core(tmp_path):
    """Each of 16 instances reads three whole int32 arrays and writes its
    block of C: 3 input channels each, no free core; neighbours pass one of
    the arrays to each other."""

    @dato.region()
    def top(X: int32[8], Y: int32[8], Z: int32[8], C: int32[16, 16]):
        @dato.kernel(mapping=[4, 4], args=[X, Y, Z, C])
        def lane(x: int32[8], y: int32[8], z: int32[8], c: int32[16, 16] @ [S(0), S(1)]):
            for r in range(4):
                for q in range(4):
                    c[r, q] = x[r] * y[q] + z[r + q]

    mod = dato.build(top, target="aie", project=tmp_path)
    assert cores(mod) == 16
    # every instance reads two of the three arrays and gets one from a neighbour
    assert len(peer_fifos(mod, "lane")) == 16
    X = np.arange(8, dtype=np.int32) * 3 - 7
    Y = np.arange(8, dtype=np.int32) * -5 + 11
    Z = np.arange(8, dtype=np.int32) ** 2
    C = np.zeros((16, 16), np.int32)
    mod(X, Y, Z, C)
    r = np.arange(4)[:, None]
    q = np.arange(4)[None, :]
    block = X[r] * Y[q] + Z[r + q]
    np.testing.assert_array_equal(C, np.tile(block, (4, 4)))
