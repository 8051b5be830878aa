"""Two task grids of one shape, a GEMM and its ReLU epilogue joined cell by
cell by a stream, with more instances than npu1's 16 cores (4 x 8 and
8 x 8 cells, 64 and 128 instances). Chaining each GEMM with its epilogue
halves them, still over the cores; the compiler then cuts the grid into
rectangles of cells, one per core, running each cell's GEMM before its
epilogue. Results compared with numpy on the virtual NPU."""

# ruff: noqa: F821 (streams are declared by annotations)

import re

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Layout, Stream, int32

S = Layout.Shard
R = Layout.Replicate
RNG = np.random.default_rng(31)
CORES = 16


def gemm_relu(M: int, N: int, K: int, P0: int, P1: int):
    T = int32
    Mt, Nt = M // P0, N // P1

    @dato.region()
    def top(A: T[M, K], B: T[K, N], C: T[M, N]):
        mid: Stream[T[Mt, Nt], 2][P0, P1]

        @dato.kernel(mapping=[P0, P1], args=[A, B])
        def mm(a: T[M, K] @ [S(0), R], b: T[K, N] @ [R, S(1)]):
            i, j = dato.get_pid()
            mid[i, j].put(dato.matmul(a, b))

        @dato.kernel(mapping=[P0, P1], args=[C])
        def relu(c: T[M, N] @ [S(0), S(1)]):
            i, j = dato.get_pid()
            zero: T[Mt, Nt] = 0
            c[:, :] = dato.maximum(mid[i, j].get(), zero)

    return top


@pytest.mark.parametrize("P0,P1", [(4, 8), (8, 8)])
def test_gemm_with_epilogue_grids_fold_by_cells(tmp_path, P0, P1):
    M, N, K = 16 * P0, 16 * P1, 32
    mod = dato.build(gemm_relu(M, N, K, P0, P1), target="aie", project=tmp_path)
    A = RNG.integers(-9, 9, (M, K)).astype(np.int32)
    B = RNG.integers(-9, 9, (K, N)).astype(np.int32)
    C = np.zeros((M, N), np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, np.maximum(A @ B, 0))

    text = (tmp_path / "aie.mlir").read_text()
    cores = [re.findall(r'"(\w+)"', t) for t in re.findall(r"dato\.tasks = \[([^\]]*)\]", text)]
    assert len(cores) == CORES
    for names in cores:
        cells = {tuple(n.split("_")[1:]) for n in names}
        # whole cells: each GEMM with its own epilogue, the GEMM first
        assert sorted(names) == sorted(f"{t}_{i}_{j}" for i, j in cells for t in ("mm", "relu"))
        for i, j in cells:
            assert names.index(f"mm_{i}_{j}") < names.index(f"relu_{i}_{j}")
