"""A Dato GEMM: a 2x2 grid of tile tasks, each multiplying its row block of A
by its column block of B, plus an output-stationary systolic variant with
scalar streams. Runs each on the simulator, the NPU target (virtual NPU) and
the HLS target (g++ C simulation) and checks every result against numpy.

    python examples/gemm.py                # all three targets
    python examples/gemm.py simulator      # just the simulator
    python examples/gemm.py --print        # also print the dato IR
"""

import sys

import numpy as np
from run_targets import run_on_targets

import dato_xdsl as dato
from dato_xdsl import Layout, Stream, int32

S = Layout.Shard
R = Layout.Replicate
M, N, K = 32, 32, 32
P = 4  # the systolic array is P x P processing elements plus loaders/drains


@dato.region()
def tiled(A: int32[M, K], B: int32[K, N], C: int32[M, N]) -> None:
    @dato.kernel(mapping=[2, 2], args=[A, B, C])
    def tile(
        a: int32[M, K] @ [S(0), R], b: int32[K, N] @ [R, S(1)], c: int32[M, N] @ [S(0), S(1)]
    ) -> None:
        c[:, :] = dato.matmul(a, b)


@dato.region()
def systolic(A: int32[P, K], B: int32[K, P], C: int32[P, P]) -> None:
    east: Stream[int32, 2][P + 2, P + 2]
    south: Stream[int32, 2][P + 2, P + 2]

    @dato.kernel(mapping=[P + 2, P + 2], args=[A, B, C])
    def pe(A: int32[P, K], B: int32[K, P], C: int32[P, P]) -> None:
        i, j = dato.get_pid()
        with dato.meta_if(i in {0, P + 1} and j in {0, P + 1}):
            pass  # corners do nothing
        with dato.meta_elif(j == 0):  # west edge: load rows of A
            for k in range(K):
                east[i, 1].put(A[i - 1, k])
        with dato.meta_elif(i == 0):  # north edge: load columns of B
            for k in range(K):
                south[1, j].put(B[k, j - 1])
        with dato.meta_elif(i == P + 1):  # south edge: drain
            for k in range(K):
                south[i, j].get()
        with dato.meta_elif(j == P + 1):  # east edge: drain
            for k in range(K):
                east[i, j].get()
        with dato.meta_else():
            acc: int32 = 0
            for k in range(K):
                a = east[i, j].get()
                b = south[i, j].get()
                acc += a * b
                east[i, j + 1].put(a)
                south[i + 1, j].put(b)
            C[i - 1, j - 1] = acc


def main() -> int:
    rng = np.random.default_rng(0)
    if "--print" in sys.argv:
        print(dato.build(tiled).module)

    def tiled_inputs() -> list[np.ndarray]:
        A = rng.integers(-50, 50, size=(M, K)).astype(np.int32)
        B = rng.integers(-50, 50, size=(K, N)).astype(np.int32)
        return [A, B, np.zeros((M, N), dtype=np.int32)]

    def systolic_inputs() -> list[np.ndarray]:
        A = rng.integers(-50, 50, size=(P, K)).astype(np.int32)
        B = rng.integers(-50, 50, size=(K, P)).astype(np.int32)
        return [A, B, np.zeros((P, P), dtype=np.int32)]

    def product(a: list[np.ndarray]) -> list[tuple[int, np.ndarray]]:
        return [(2, a[0] @ a[1])]

    status = run_on_targets("tiled_gemm", tiled, tiled_inputs, product)
    status |= run_on_targets("systolic_gemm", systolic, systolic_inputs, product)
    return status


if __name__ == "__main__":
    sys.exit(main())
