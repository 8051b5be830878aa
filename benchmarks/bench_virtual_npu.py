"""Figures for the virtual NPU (not a test): prints them, checks results against numpy.

The issue's benchmark: a 4x4 GEMM 256x256x256 int16, run (a) by the virtual NPU
on an mlir-aie design of 16 cores calling the kernel library's
`dato_matmul_i16`, and (b) by the dato-level simulator on the same program
(a 4x4 task grid with linalg.fill + linalg.matmul), both in this run, medians
of several repetitions. Wall time is CPU time of the functional model, not an
NPU figure.

Both IRs are generated as text here; the aie design is hand-structured as the
NPU lowering would do it: core (j, 2 + i) computes block C[i, j] over four
K-chunks of 64; memtile i broadcasts A's row block i to the four cores of
row i, memtile j broadcasts B's column block j to the four cores of column j
and joins column j of C.

Run: python benchmarks/bench_virtual_npu.py [--reps N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

import numpy as np
from xdsl.parser import Parser

from dato_xdsl.dialects.dato import Dato
from dato_xdsl.targets.simulator import Simulator
from dato_xdsl.targets.virtual_npu import VirtualNpu
from dato_xdsl.targets.virtual_npu.cli import context

N, GRID = 256, 4
T = N // GRID  # block size and K-chunk


def aie_design() -> str:
    blk = f"memref<{T}x{T}xi16>"
    sub = f"!aie.objectfifosubview<{blk}>"
    lines = [
        "module {",
        "  aie.device(npu1) {",
        f"    func.func private @dato_fill_i16({blk}, i16, i32)",
        f"    func.func private @dato_matmul_i16({blk}, {blk}, {blk}, i32, i32, i32)",
    ]
    for c in range(GRID):
        lines += [f"    %shim{c} = aie.tile({c}, 0)", f"    %mem{c} = aie.tile({c}, 1)"]
        lines += [f"    %t{c}_{r} = aie.tile({c}, {r + 2})" for r in range(GRID)]
    for k in range(GRID):
        row = ", ".join(f"%t{j}_{k}" for j in range(GRID))  # cores of row k
        col = ", ".join(f"%t{k}_{i}" for i in range(GRID))  # cores of column k
        lines += [
            f"    aie.objectfifo @Ain{k}(%shim{k}, {{%mem{k}}}, 2 : i32) : !aie.objectfifo<{blk}>",
            f"    aie.objectfifo @A{k}(%mem{k}, {{{row}}}, 2 : i32) : !aie.objectfifo<{blk}>",
            f"    aie.objectfifo.link [@Ain{k}] -> [@A{k}]([] [])",
            f"    aie.objectfifo @Bin{k}(%shim{k}, {{%mem{k}}}, 2 : i32) : !aie.objectfifo<{blk}>",
            f"    aie.objectfifo @B{k}(%mem{k}, {{{col}}}, 2 : i32) : !aie.objectfifo<{blk}>",
            f"    aie.objectfifo.link [@Bin{k}] -> [@B{k}]([] [])",
        ]
        for i in range(GRID):
            lines.append(
                f"    aie.objectfifo @C{i}{k}(%t{k}_{i}, {{%mem{k}}}, 1 : i32) : "
                f"!aie.objectfifo<{blk}>"
            )
        lines.append(
            f"    aie.objectfifo @C{k}(%mem{k}, {{%shim{k}}}, 1 : i32) : "
            f"!aie.objectfifo<memref<{N * T}xi16>>"
        )
        ins = ", ".join(f"@C{i}{k}" for i in range(GRID))
        offsets = ", ".join(str(i * T * T) for i in range(GRID))
        lines.append(f"    aie.objectfifo.link [{ins}] -> [@C{k}]([{offsets}] [])")
    for i in range(GRID):
        for j in range(GRID):
            lines += [
                f"    %core{i}{j} = aie.core(%t{j}_{i}) {{",
                "      %c0 = arith.constant 0 : index",
                "      %c1 = arith.constant 1 : index",
                f"      %ck = arith.constant {GRID} : index",
                "      %forever = arith.constant 4294967295 : index",
                "      %zero = arith.constant 0 : i16",
                f"      %n = arith.constant {T * T} : i32",
                f"      %t = arith.constant {T} : i32",
                "      scf.for %it = %c0 to %forever step %c1 {",
                f"        %sc = aie.objectfifo.acquire @C{i}{j}(Produce, 1) : {sub}",
                f"        %acc = aie.objectfifo.subview.access %sc[0] : {sub} -> {blk}",
                f"        func.call @dato_fill_i16(%acc, %zero, %n) : ({blk}, i16, i32) -> ()",
                "        scf.for %kk = %c0 to %ck step %c1 {",
                f"          %sa = aie.objectfifo.acquire @A{i}(Consume, 1) : {sub}",
                f"          %a = aie.objectfifo.subview.access %sa[0] : {sub} -> {blk}",
                f"          %sb = aie.objectfifo.acquire @B{j}(Consume, 1) : {sub}",
                f"          %b = aie.objectfifo.subview.access %sb[0] : {sub} -> {blk}",
                f"          func.call @dato_matmul_i16(%a, %b, %acc, %t, %t, %t) : "
                f"({blk}, {blk}, {blk}, i32, i32, i32) -> ()",
                f"          aie.objectfifo.release @A{i}(Consume, 1)",
                f"          aie.objectfifo.release @B{j}(Consume, 1)",
                "        }",
                f"        aie.objectfifo.release @C{i}{j}(Produce, 1)",
                "      }",
                "      aie.end",
                '    } {link_with = "dato_kernels.o"}',
            ]
    big = f"memref<{N}x{N}xi16>"
    lines.append(f"    aie.runtime_sequence @gemm(%A: {big}, %B: {big}, %C: {big}) {{")
    bd = 0
    for k in range(GRID):
        lines.append(
            f"      aiex.npu.dma_memcpy_nd(%C[0, 0, 0, {k * T}][1, 1, {N}, {T}][0, 0, {N}, 1]) "
            f"{{id = {bd} : i64, issue_token = true, metadata = @C{k}}} : {big}"
        )
        lines.append(
            f"      aiex.npu.dma_memcpy_nd(%A[0, 0, {k * T}, 0][1, {GRID}, {T}, {T}]"
            f"[0, {T}, {N}, 1]) {{id = {bd + 1} : i64, metadata = @Ain{k}}} : {big}"
        )
        lines.append(
            f"      aiex.npu.dma_memcpy_nd(%B[0, 0, 0, {k * T}][1, {GRID}, {T}, {T}]"
            f"[0, {T * N}, {N}, 1]) {{id = {bd + 2} : i64, metadata = @Bin{k}}} : {big}"
        )
        bd += 3
    lines += [f"      aiex.npu.dma_wait {{symbol = @C{k}}}" for k in range(GRID)]
    lines += ["    }", "  }", "}"]
    return "\n".join(lines) + "\n"


def dato_program() -> str:
    big, t = f"memref<{N}x{N}xi16>", T
    return f"""
dato.region @gemm(%A : {big}, %B : {big}, %C : {big}) {{
  dato.task @tile grid [{GRID}, {GRID}] (%A : {big} [S0, R], %B : {big} [R, S1],
                                        %C : {big} [S0, S1]) {{
  ^bb0(%a : memref<{t}x{N}xi16>, %b : memref<{N}x{t}xi16>, %c : memref<{t}x{t}xi16>):
    %z = arith.constant 0 : i16
    linalg.fill ins(%z : i16) outs(%c : memref<{t}x{t}xi16>)
    linalg.matmul ins(%a, %b : memref<{t}x{N}xi16>, memref<{N}x{t}xi16>)
                  outs(%c : memref<{t}x{t}xi16>)
  }}
}}
"""


def parse(text: str, name: str):
    ctx = context()
    ctx.load_dialect(Dato)
    module = Parser(ctx, text, name).parse_module()
    module.verify()
    return module


def median_time(fn: object, reps: int) -> float:
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    a = rng.integers(-100, 100, (N, N)).astype(np.int16)
    b = rng.integers(-100, 100, (N, N)).astype(np.int16)
    expected = (a.astype(np.int64) @ b.astype(np.int64)).astype(np.int16)

    aie_module = parse(aie_design(), "gemm_4x4.aie.mlir")
    with tempfile.TemporaryDirectory() as cache:  # an empty cache: includes the g++ build
        os.environ["DATO_CACHE_DIR"] = cache
        start = time.perf_counter()
        VirtualNpu(aie_module)
        cold = time.perf_counter() - start
        del os.environ["DATO_CACHE_DIR"]
    start = time.perf_counter()
    npu = VirtualNpu(aie_module)
    warm = time.perf_counter() - start
    c = np.zeros((N, N), np.int16)
    stats = npu.run(a, b, c)
    assert np.array_equal(c, expected), "virtual NPU result differs from numpy"

    dato_module = parse(dato_program(), "gemm_4x4.dato.mlir")
    sim = Simulator(dato_module)
    c2 = np.zeros((N, N), np.int16)
    sim.run(a, b, c2)
    assert np.array_equal(c2, expected), "simulator result differs from numpy"

    t_npu = median_time(lambda: npu.run(a, b, np.zeros((N, N), np.int16)), args.reps)
    t_sim = median_time(lambda: sim.run(a, b, np.zeros((N, N), np.int16)), args.reps)
    t_np = median_time(lambda: a @ b, args.reps)
    matmul = npu.kernels["dato_matmul_i16"]
    blocks = [
        np.ascontiguousarray(a[:T, :T]),
        np.ascontiguousarray(b[:T, :T]),
        np.zeros((T, T), np.int16),
    ]
    ptrs = [x.ctypes.data for x in blocks]

    def kernels_only() -> None:  # the 64 block products the cores run, called directly
        for _ in range(GRID**3):
            matmul(*ptrs, T, T, T)

    t_kernels = median_time(kernels_only, args.reps)

    print(f"4x4 GEMM {N}x{N}x{N} int16 (results equal numpy's in both executors)")
    print(f"  virtual NPU setup (compile cores + g++ kernel build, cold cache): {cold:.3f} s")
    print(f"  virtual NPU setup (kernel library cached):                       {warm:.3f} s")
    print(f"  virtual NPU run   (median of {args.reps}): {t_npu * 1e3:8.2f} ms")
    print(f"    of which the 64 kernel calls alone:        {t_kernels * 1e3:8.2f} ms")
    print(f"  dato simulator run (median of {args.reps}): {t_sim * 1e3:8.2f} ms")
    print(f"  numpy a @ b        (median of {args.reps}): {t_np * 1e3:8.2f} ms")
    print(f"  ratio virtual NPU / dato simulator: {t_npu / t_sim:.2f}x")
    print(f"  ratio virtual NPU / numpy:          {t_npu / t_np:.1f}x")
    print(
        f"  model counts: {stats.cores} cores, {stats.dma_channels} DMA channels, "
        f"{stats.switches} waits, {stats.host_elements} host elements moved"
    )


if __name__ == "__main__":
    main()
