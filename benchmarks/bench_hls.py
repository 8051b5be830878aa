"""HLS path benchmark: compile + C simulation time of a 16x16 output-stationary
systolic GEMM (256^3, int16), and the static estimate's fraction of the PE
array's peak. Figures are C simulation and model figures, not hardware results.

    python benchmarks/bench_hls.py [--size 256] [--pes 16] [--mode concurrent]
"""

import argparse
import tempfile
import time

import numpy as np

import dato_xdsl as dato
from dato_xdsl import Layout, Stream

S = Layout.Shard
R = Layout.Replicate


def systolic_os(T, M, N, K, PM, PN):
    """PE (i, j) owns the TM x TN block of C at (i, j); A rows enter from the
    west, B columns from the north, one MAC per PE per step over a single
    flattened loop (so the whole block pipelines at II=1)."""
    TM, TN = M // PM, N // PN
    STEPS = TM * TN * K

    @dato.region()
    def top(A: T[M, K], B: T[K, N], C: T[M, N]):
        fa: Stream[T, 2][PM, PN + 1]
        fb: Stream[T, 2][PM + 1, PN]

        @dato.kernel(mapping=[PM], args=[A])
        def west(a: T[M, K] @ [S(0), R]):
            i = dato.get_pid()
            for t in range(STEPS):
                fa[i, 0].put(a[t // (TN * K), t % K])

        @dato.kernel(mapping=[PN], args=[B])
        def north(b: T[K, N] @ [R, S(0)]):
            j = dato.get_pid()
            for t in range(STEPS):
                fb[0, j].put(b[t % K, (t // K) % TN])

        @dato.kernel(mapping=[PM, PN], args=[C])
        def pe(c: T[M, N] @ [S(0), S(1)]):
            i, j = dato.get_pid()
            acc: T = 0
            for t in range(STEPS):
                a: T = fa[i, j].get()
                b: T = fb[i, j].get()
                if t % K == 0:
                    acc = 0
                acc += a * b
                fa[i, j + 1].put(a)
                fb[i + 1, j].put(b)
                if t % K == K - 1:
                    c[t // (TN * K), (t // K) % TN] = acc

        @dato.kernel(mapping=[PM])
        def east():
            i = dato.get_pid()
            for t in range(STEPS):
                x: T = fa[i, PN].get()

        @dato.kernel(mapping=[PN])
        def south():
            j = dato.get_pid()
            for t in range(STEPS):
                y: T = fb[PM, j].get()

    return top


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--pes", type=int, default=16)
    parser.add_argument("--mode", default="concurrent", choices=["concurrent", "sequential"])
    args = parser.parse_args()
    n, p = args.size, args.pes
    T = dato.int16
    start = time.monotonic()
    mod = dato.build(systolic_os(T, n, n, n, p, p), target="hls", project=tempfile.mkdtemp())
    lower_s = time.monotonic() - start
    rng = np.random.default_rng(0)
    A = rng.integers(-8, 8, size=(n, n)).astype(np.int16)
    B = rng.integers(-8, 8, size=(n, n)).astype(np.int16)
    C = np.zeros((n, n), dtype=np.int16)
    # the default 60 s limit of mod(...) is for tests; 256^3 runs longer
    run = mod.hls.run([A, B, C], mode=args.mode, timeout=1800)
    want = (A.astype(np.int64) @ B.astype(np.int64)).astype(np.int16)
    assert np.array_equal(C, want), "C simulation result differs from numpy"
    print(f"{p}x{p} output-stationary systolic GEMM {n}^3 int16 (project {mod.hls.directory})")
    print(f"  frontend + mapping + lowering + emission: {lower_s:.2f} s")
    print(f"  g++ compile of the C simulation:          {run.compile_seconds:.2f} s")
    print(f"  C simulation run ({run.mode}):          {run.run_seconds:.2f} s  (matches numpy)")
    est = mod.report()
    slow = est.slowest
    pe = max((p for p in est.processes if p.macs), key=lambda p: p.latency)
    print(f"  estimate: interval {est.interval} cycles, set by {slow.instance} ({slow.kind})")
    print(f"  slowest PE {pe.instance}: {pe.latency} cycles for {pe.macs} MACs")
    print(f"  latency of one invocation: {est.latency} cycles (model)")
    print(
        f"  MACs {est.macs} on {est.pes} PEs: {100 * est.array_fraction:.1f}% of the PE array peak"
    )
    print(
        f"  U280 ({est.device_peak_macs_per_cycle:.0f} int16 MAC/cycle at 1 DSP/MAC): "
        f"{100 * est.device_fraction:.2f}% of DSP peak, {est.gops:.1f} GOP/s at 300 MHz (model)"
    )


if __name__ == "__main__":
    main()
