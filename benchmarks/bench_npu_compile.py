"""Compile time, Python program to written NPU project (frontend, dato passes,
physical mapping, aie lowering, project files), median of several runs:
vector add on 4 cores; the 4x4 whole-array GEMM 512^3 int16 on npu1; an 8x4
GEMM (4 rows x 8 columns of cores) 512x1024x512 int16 on npu2.

    python benchmarks/bench_npu_compile.py [--reps N]
"""

import statistics
import sys
import tempfile
import time

import dato_xdsl as dato
from dato_xdsl import Layout, int16, int32

S = Layout.Shard
R = Layout.Replicate


def vector_add(n: int, lanes: int):
    @dato.region()
    def top(A: int32[n], B: int32[n], C: int32[n]):
        @dato.kernel(mapping=[lanes], args=[A, B, C])
        def add(a: int32[n] @ [S(0)], b: int32[n] @ [S(0)], c: int32[n] @ [S(0)]):
            c[:] = dato.add(a, b)

    return top


def gemm(M: int, N: int, K: int, P0: int, P1: int):
    @dato.region()
    def top(A: int16[M, K], B: int16[K, N], C: int16[M, N]):
        @dato.kernel(mapping=[P0, P1], args=[A, B, C])
        def tile(
            a: int16[M, K] @ [S(0), R], b: int16[K, N] @ [R, S(1)], c: int16[M, N] @ [S(0), S(1)]
        ):
            c[:, :] = dato.matmul(a, b)

    return top


CASES = [
    ("vector add 4096 int32, 4 cores, npu1", lambda: vector_add(4096, 4), "npu1"),
    ("GEMM 512^3 int16, 4x4 cores, npu1", lambda: gemm(512, 512, 512, 4, 4), "npu1"),
    ("GEMM 512x1024x512 int16, 4x8 cores, npu2", lambda: gemm(512, 1024, 512, 4, 8), "npu2"),
]


def main() -> None:
    reps = int(sys.argv[sys.argv.index("--reps") + 1]) if "--reps" in sys.argv else 5
    print(f"Python program -> written NPU project (median of {reps} runs)")
    for label, make, device in CASES:
        times = []
        for _ in range(reps):
            with tempfile.TemporaryDirectory() as out:
                start = time.perf_counter()
                dato.build(make(), target="aie", device=device, project=out)
                times.append(time.perf_counter() - start)
        print(f"  {label:<45} {statistics.median(times):7.3f} s")


if __name__ == "__main__":
    main()
