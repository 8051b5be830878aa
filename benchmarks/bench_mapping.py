"""Compile time of frontend + virtual mapping + stream legality for split-K GEMM
task grids of P x P x P tiles (P = 4, 8, 16, 32; 32^3 = 32,768 tile tasks, a
2048^3 GEMM in 64^3 tiles). Prints the median of several runs per size, the
time per task, and how the time grows against the task count.

    python benchmarks/bench_mapping.py [--reps N]
"""

import statistics
import sys
import time

import dato_xdsl as dato
from dato_xdsl import Layout, Stream, int8
from dato_xdsl.dialects import dato as d

S = Layout.Shard
TILE = 64


def split_k(P: int):
    M = N = K = P * TILE

    @dato.region()
    def top(A: int8[M, K], B: int8[K, N], C: int8[M, N]):
        partial: Stream[int8[TILE, TILE], 2][P, P, P]

        @dato.kernel(mapping=[P, P, P], args=[A, B, C])
        def gemm(
            a: int8[M, K] @ [S(0), S(2)], b: int8[K, N] @ [S(2), S(1)], c: int8[M, N] @ [S(0), S(1)]
        ):
            i, j, k = dato.get_pid()
            mine = dato.matmul(a, b)
            with dato.meta_if(k == 0):
                partial[i, j, k + 1].put(mine)
            with dato.meta_elif(k == P - 1):
                c[:, :] = dato.add(partial[i, j, k].get(), mine)
            with dato.meta_else():
                partial[i, j, k + 1].put(dato.add(partial[i, j, k].get(), mine))

    return top


def measure(P: int, reps: int) -> tuple[float, int, int]:
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        mod = dato.build(split_k(P))
        times.append(time.perf_counter() - start)
    groups = [op for op in mod.mapped.walk() if isinstance(op, d.GroupOp)]
    return statistics.median(times), sum(g.num_instances() for g in groups), len(groups)


def main() -> None:
    reps = int(sys.argv[sys.argv.index("--reps") + 1]) if "--reps" in sys.argv else 3
    print(
        f"split-K GEMM, frontend + dato-virtual-map + dato-stream-legality (median of {reps} runs)"
    )
    print(f"{'grid':>10} {'tasks':>7} {'groups':>6} {'time s':>8} {'us/task':>8} {'growth':>7}")
    previous: tuple[float, int] | None = None
    for P in (4, 8, 16, 32):
        t, tasks, groups = measure(P, reps if P < 32 else max(1, reps // 2))
        growth = ""
        if previous is not None:
            # time ratio over task-count ratio: 1.0 means linear in the task count
            growth = f"{(t / previous[0]) / (tasks / previous[1]):.2f}"
        print(
            f"{P}x{P}x{P:<4} {tasks:>7} {groups:>6} {t:>8.3f} {1e6 * t / tasks:>8.1f} {growth:>7}"
        )
        previous = (t, tasks)


if __name__ == "__main__":
    main()
