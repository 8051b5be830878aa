"""Compile time of frontend + virtual mapping + stream legality for split-K GEMM
task grids of P x P x P tiles (P = 4, 8, 16, 32; 32^3 = 32,768 tile tasks, a
2048^3 GEMM in 64^3 tiles). Prints the median of several runs per size, the
time per task, and how the time grows against the task count.

    python benchmarks/bench_mapping.py [--reps N]

With --npu: the NPU folding search instead. Output-stationary systolic GEMMs
with loaders and drains larger than npu1's 16 cores (4x5, 5x5: the greedy
chains; 6x6, 8x8: the grid cut into rectangles after the greedy chains leave
a core over its DMA channels) and lanes reading more arrays than a tile's
input channels (a loader per lane on a memory-sharing neighbour): build time
(Python program to written project), the time of dato-physical-map alone on
the virtually mapped IR, and the foldings chosen.

    python benchmarks/bench_mapping.py --npu [--reps N]
"""

import statistics
import sys
import tempfile
import time

import dato_xdsl as dato
from dato_xdsl import Layout, Stream, int8, int32
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


def lanes_reading_three(P: int, L: int):
    """d = a + b * c in P lanes: each lane reads 3 arrays."""
    T = int32

    @dato.region()
    def top(A: T[P * L], B: T[P * L], C: T[P * L], D: T[P * L]):
        @dato.kernel(mapping=[P], args=[A, B, C, D])
        def lane(
            a: T[P * L] @ [S(0)], b: T[P * L] @ [S(0)], c: T[P * L] @ [S(0)], d: T[P * L] @ [S(0)]
        ):
            for i in range(L):
                d[i] = a[i] + b[i] * c[i]

    return top


def npu_foldings(reps: int) -> None:
    from xdsl.context import Context

    from dato_xdsl.transforms.physical_mapping import PhysicalMapPass
    from test.unit.programs import dato_programs

    cases = [
        (
            f"systolic {m}x{n} + loaders/drains, K=16",
            lambda m=m, n=n: dato_programs.systolic_2d(int32, m, n, 16),
        )
        for m, n in ((4, 5), (5, 5), (6, 6), (8, 8))
    ]
    cases.append(("4 lanes reading 3 arrays each", lambda: lanes_reading_three(4, 256)))
    print(f"NPU folding on npu1 (median of {reps} runs)")
    print(f"  {'design':<36} {'build s':>8} {'map s':>7}  foldings")
    for label, make in cases:
        builds, maps = [], []
        folding = ""
        for _ in range(reps):
            with tempfile.TemporaryDirectory() as out:
                start = time.perf_counter()
                mod = dato.build(make(), target="aie", project=out)
                builds.append(time.perf_counter() - start)
            ir = mod.mapped.clone()
            start = time.perf_counter()
            PhysicalMapPass(device="npu1").apply(Context(), ir)
            maps.append(time.perf_counter() - start)
            chains = [
                op
                for op in ir.walk()
                if isinstance(op, d.ChainOp) and "dato.compiler_chosen" in op.attributes
            ]
            rectangles = sum("dato.tile" in op.attributes for op in chains)
            merged = sum(
                isinstance(op, d.StreamOp) and "dato.merged_streams" in op.attributes
                for op in ir.walk()
            )
            loaders = sum(
                isinstance(op, d.GroupOp) and "dato.forwards" in op.attributes for op in ir.walk()
            )
            parts = []
            if rectangles:
                sizes = sorted({len(op.names) for op in chains})
                parts.append(f"{rectangles} rectangles of {'/'.join(map(str, sizes))} instances")
            elif chains:
                parts.append(f"{len(chains)} greedy chains, {merged} merged streams")
            if loaders:
                parts.append(f"{loaders} forwarding loaders")
            folding = "; ".join(parts) or "none"
        print(
            f"  {label:<36} {statistics.median(builds):>8.2f} {statistics.median(maps):>7.2f}  "
            f"{folding}"
        )


def main() -> None:
    reps = int(sys.argv[sys.argv.index("--reps") + 1]) if "--reps" in sys.argv else 3
    if "--npu" in sys.argv:
        npu_foldings(reps)
        return
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
