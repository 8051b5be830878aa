"""Figures for the simulator (not a test): prints them, checks results against numpy.

(a) block GEMM 256x256x256 float32 on a 4x4 grid: simulator wall time / numpy
    `A @ B` time, both measured in this run (medians of several repetitions).
(b) an 8x8 output-stationary systolic GEMM with scalar streams flowing east and
    south: stream operations (puts + gets) per second.

The IR is generated as text here (the Python frontend may replace this later).
Run: python benchmarks/bench_simulator.py [--reps N] [--k K]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from xdsl.context import Context
from xdsl.dialects import arith, builtin, linalg, math, memref, scf
from xdsl.dialects.builtin import ModuleOp
from xdsl.parser import Parser

from dato_xdsl.dialects.dato import Dato
from dato_xdsl.targets.simulator import Simulator


def parse(text: str) -> ModuleOp:
    ctx = Context()
    for dialect in (
        builtin.Builtin,
        arith.Arith,
        math.Math,
        memref.MemRef,
        scf.Scf,
        linalg.Linalg,
        Dato,
    ):
        ctx.load_dialect(dialect)
    module = Parser(ctx, text, "bench.mlir").parse_module()
    module.verify()
    return module


def gemm_ir(n: int, grid: int) -> str:
    t = n // grid
    big = f"memref<{n}x{n}xf32>"
    return f"""
dato.region @gemm(%A : {big}, %B : {big}, %C : {big}) {{
  dato.task @tile grid [{grid}, {grid}] (%A : {big} [S0, R], %B : {big} [R, S1],
                                        %C : {big} [S0, S1]) {{
  ^bb0(%a : memref<{t}x{n}xf32>, %b : memref<{n}x{t}xf32>, %c : memref<{t}x{t}xf32>):
    %z = arith.constant 0.0 : f32
    linalg.fill ins(%z : f32) outs(%c : memref<{t}x{t}xf32>)
    linalg.matmul ins(%a, %b : memref<{t}x{n}xf32>, memref<{n}x{t}xf32>)
                  outs(%c : memref<{t}x{t}xf32>)
  }}
}}
"""


def systolic_ir(p: int, k: int) -> str:
    """Output-stationary GEMM: PE (i, j) gets a from the west and b from the
    north, passes them on east/south unless it is on the last column/row."""
    last = p - 1
    return f"""
dato.region @systolic(%A : memref<{p}x{k}xi32>, %B : memref<{k}x{p}xi32>,
                      %C : memref<{p}x{p}xi32>) {{
  dato.stream @east [{p}, {p}] : !dato.stream<i32, 2>
  dato.stream @south [{p}, {p}] : !dato.stream<i32, 2>
  dato.task @load_a grid [{p}] (%A : memref<{p}x{k}xi32> [S0, R]) {{
  ^bb0(%a : memref<1x{k}xi32>):
    %r = dato.pid : index
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %ck = arith.constant {k} : index
    scf.for %t = %c0 to %ck step %c1 {{
      %v = memref.load %a[%c0, %t] : memref<1x{k}xi32>
      dato.put @east[%r, %c0], %v : i32
    }}
  }}
  dato.task @load_b grid [{p}] (%B : memref<{k}x{p}xi32> [R, S0]) {{
  ^bb0(%b : memref<{k}x1xi32>):
    %q = dato.pid : index
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %ck = arith.constant {k} : index
    scf.for %t = %c0 to %ck step %c1 {{
      %v = memref.load %b[%t, %c0] : memref<{k}x1xi32>
      dato.put @south[%c0, %q], %v : i32
    }}
  }}
  dato.task @pe grid [{p}, {p}] (%C : memref<{p}x{p}xi32> [S0, S1]) {{
  ^bb0(%c : memref<1x1xi32>):
    %i, %j = dato.pid : index, index
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %clast = arith.constant {last} : index
    %ck = arith.constant {k} : index
    %zero = arith.constant 0 : i32
    %acc = memref.alloca() : memref<i32>
    memref.store %zero, %acc[] : memref<i32>
    %ie = arith.addi %i, %c1 : index
    %je = arith.addi %j, %c1 : index
    %pass_east = arith.cmpi ult, %j, %clast : index
    %pass_south = arith.cmpi ult, %i, %clast : index
    scf.for %t = %c0 to %ck step %c1 {{
      %a = dato.get @east[%i, %j] : i32
      %b = dato.get @south[%i, %j] : i32
      %m = arith.muli %a, %b : i32
      %old = memref.load %acc[] : memref<i32>
      %new = arith.addi %old, %m : i32
      memref.store %new, %acc[] : memref<i32>
      scf.if %pass_east {{
        dato.put @east[%i, %je], %a : i32
      }}
      scf.if %pass_south {{
        dato.put @south[%ie, %j], %b : i32
      }}
    }}
    %res = memref.load %acc[] : memref<i32>
    memref.store %res, %c[%c0, %c0] : memref<1x1xi32>
  }}
}}
"""


def median_time(fn: object, reps: int) -> float:
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_gemm(reps: int) -> None:
    n, grid = 256, 4
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    c = np.zeros((n, n), np.float32)
    module = parse(gemm_ir(n, grid))
    start = time.perf_counter()
    sim = Simulator(module)
    compile_time = time.perf_counter() - start
    sim.run(a, b, c)  # warm-up
    np.testing.assert_allclose(c, a @ b, rtol=1e-4, atol=1e-3)
    t_sim = median_time(lambda: sim.run(a, b, c), reps)
    t_np = median_time(lambda: a @ b, reps)
    t_once = median_time(lambda: Simulator(module).run(a, b, c), reps)
    print(f"(a) block GEMM {n}x{n}x{n} f32 on a {grid}x{grid} grid")
    print(f"    compile (IR -> Python, once): {compile_time * 1e3:.2f} ms")
    print(f"    simulator run (median of {reps}): {t_sim * 1e3:.3f} ms")
    print(f"    numpy A @ B   (median of {reps}): {t_np * 1e3:.3f} ms")
    print(f"    ratio simulator / numpy: {t_sim / t_np:.1f}x (goal <= 20x)")
    print(f"    compile + run each time: {t_once * 1e3:.3f} ms ({t_once / t_np:.1f}x numpy)")


def bench_systolic(reps: int, k: int) -> None:
    p = 8
    rng = np.random.default_rng(1)
    a = rng.integers(-100, 100, (p, k), dtype=np.int32)
    b = rng.integers(-100, 100, (k, p), dtype=np.int32)
    c = np.zeros((p, p), np.int32)
    sim = Simulator(parse(systolic_ir(p, k)))
    sim.run(a, b, c)
    expected = (a.astype(np.int64) @ b.astype(np.int64)).astype(np.int32)
    assert np.array_equal(c, expected), "systolic result differs from numpy"
    # loaders: p*k puts each; PEs: 2 gets per step, puts east/south except on the edges
    ops = 2 * p * k + 2 * p * p * k + 2 * p * (p - 1) * k
    t = median_time(lambda: sim.run(a, b, c), reps)
    print(f"(b) {p}x{p} systolic GEMM, K={k}, scalar streams of depth 2")
    print(f"    stream operations per run: {ops}")
    print(f"    simulator run (median of {reps}): {t * 1e3:.1f} ms")
    print(f"    stream operations per second: {ops / t:,.0f} (goal >= 100,000/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--k", type=int, default=256, help="reduction length of the systolic GEMM")
    args = parser.parse_args()
    bench_gemm(args.reps)
    bench_systolic(max(3, args.reps // 2), args.k)


if __name__ == "__main__":
    main()
