"""MODELED NPU performance of GEMM designs (dato_xdsl.targets.aie.perf_model):
not a measurement. For each size, type and device: compile time, and the
model's time, utilization of the array's peak and bottleneck for

- the design as emitted: a bundled int8/int16/bf16 GEMM is the vector design
  (transforms/npu_gemm_design.py: memtile-blocked tiles, double-buffered C,
  A's row blocks / B's column blocks sent once by the shim and resent by the
  memtile (objectfifo repeat_count) where the shim would hold the cores back,
  mlir-aie mm.cc's matmul_<in>_<acc> at the model's cited efficiency,
  perf_model.KERNEL_RATES["vector_matmul"] (AIE2, 43%) and
  ["vector_matmul_aie2p"] (AIE2P, 26%), both iree-amd-aie issue 1198);
  other designs call the scalar kernel library;
- the same design with every matmul call at the type's full peak MACs/cycle
  (a what-if: the data movement's ceiling), and with each column's C sent by
  one memtile join (npu_gemm_design.SPLIT_C_JOINS off, as mlir-aie's
  whole_array design does; the default lets plan_reuse send it by two joins
  over both shim output channels where C's channel is the limit).

Modeled times include what the runtime sequence's issue adds (perf_model.
issue_model: shim task queues of 4 tasks per channel, AM020, and dma_waits
before later transfers); a bottleneck ending "then the runtime sequence's
issue (N cycles)" says how much.

A single-core 64x64x64-per-call design at 512^3 is set beside the published
reference points of issue 17 (IREE AIE on one Phoenix core, bf16 512^3).

Where the time goes at full kernel peak: the busiest shim channel carrying A
(MM2S), B (MM2S) and C (S2MM) beside the busiest core, in cycles (MODELED).
And the 4096^3 int8 GEMM with blocked bundles (core row r runs task rows
16r..16r+15), whose joined C blocks lie 2^22 words apart in C: refused before
(the shim DMA's strides reach 2^20 words), now written block by block.

    python benchmarks/bench_npu_model.py             # 512 and 1024
    python benchmarks/bench_npu_model.py 512 1024 2048 4096

Each build runs in its own process with a time limit (TIME_LIMIT seconds); a
build over the limit is reported as such.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TIME_LIMIT = 300
ROOT = Path(__file__).resolve().parent.parent
BLOCK = 64  # per-task C block: a 64x64 int32/f32 accumulator is 16 KiB of a core's 64
TYPES = {  # operand type -> (accumulator type, peak key in devices.py)
    "int8": ("int32", "i8"),
    "int16": ("int32", "i16"),
    "bfloat16": ("float32", "bf16"),
}
CORES = {"npu1": (4, 4), "npu2": (4, 8)}  # compute rows x columns

ONE = r"""
import json, sys, time
import dato_xdsl as dato
from dato_xdsl import Layout, {t}, {acc}
from dato_xdsl.errors import DatoError
from dato_xdsl.targets.aie import perf_model
from dato_xdsl.transforms import npu_gemm_design
S, R = Layout.Shard, Layout.Replicate
M = N = K = {n}
G = {g}

@dato.region()
def gemm(A: {t}[M, K], B: {t}[K, N], C: {acc}[M, N]) -> None:
    @dato.kernel(mapping=[G, G], args=[A, B, C])
    def tile(a: {t}[M, K] @ [S(0), R], b: {t}[K, N] @ [R, S(1)],
             c: {acc}[M, N] @ [S(0), S(1)]) -> None:
        c[:, :] = dato.matmul(a, b)

prims = {prims}
start = time.perf_counter()
try:
    m = dato.build(gemm, target="aie", device="{dev}", mapping_primitives=prims or None)
except DatoError as err:
    print(json.dumps({{"refused": str(err).splitlines()[0][:300]}}))
    sys.exit()
compile_s = time.perf_counter() - start
text = str(m.ir)
design = "vector" if "func.call @matmul_" in text else "scalar"
out = {{"compile_s": compile_s, "design": design}}
(d,) = perf_model.models(m.ir)
peak = d.peak_macs("{key}")
vec = None if peak is None else perf_model.Rate(
    "MAC", float(peak), None, "what-if: the type's full peak")
mm = perf_model.KERNEL_RATES["vector_matmul"]
for label, rate in (("emitted", None), ("peak_kernel", vec), ("vector_43", mm)):
    if label != "emitted" and peak is None:
        out[label] = None
        continue
    (x,) = perf_model.models(m.ir, rate)
    u = x.utilization("{key}")
    u1 = x.utilization("{key}", cores=len(x.cores))
    out[label] = {{"cycles": x.cycles, "us": x.seconds() * 1e6, "util": u,
                   "util_used_cores": u1, "cores": len(x.cores), "bottleneck": x.bottleneck}}
    if label == "peak_kernel":
        load = {{"core": max(c.finish for c in x.cores)}}
        for ch in x.channels:
            if ch.kind == "shim":
                key = ch.name.split("@", 1)[1][:1]  # the fifo's array: A, B or C
                load[key] = max(load.get(key, 0.0), ch.cycles)
        out["shim_load"] = load
        # what-if: each column's C leaves by one memtile join (SPLIT_C_JOINS
        # off; on by default: two joins where C's shim channel is the limit)
        npu_gemm_design.SPLIT_C_JOINS = False
        m2 = dato.build(gemm, target="aie", device="{dev}", mapping_primitives=prims or None)
        npu_gemm_design.SPLIT_C_JOINS = True
        (y,) = perf_model.models(m2.ir, rate)
        notes = [c.attributes.get("dato.gemm_design") for c in m2.ir.walk()
                 if c.name == "aie.core"]
        out["peak_kernel_onejoin"] = {{"util": y.utilization("{key}"), "bottleneck": y.bottleneck,
                                      "design": str(notes[0].data) if notes and notes[0] else ""}}
print(json.dumps(out))
"""


def blocked(g: int, rows: int, cols: int) -> list[tuple[str, list[str]]]:
    """Bundle a g x g task grid into rows x cols groups of consecutive task rows
    and columns (core row r gets task rows r*g/rows .. (r+1)*g/rows - 1)."""
    a, b = g // rows, g // cols
    return [
        (
            "bundle",
            [f"tile_{i}_{j}" for i in range(r * a, r * a + a) for j in range(c * b, c * b + b)],
        )
        for r in range(rows)
        for c in range(cols)
    ]


def primitives(g: int, rows: int, cols: int) -> list[tuple[str, list[str]]]:
    """Bundle a g x g grid of tasks into rows x cols groups (a core each), task
    rows and columns dealt out cyclically (core row r gets task rows r, r +
    rows, ...): the C blocks one memtile joins are then neighbours in C, so
    the runtime sequence's strides stay within the shim DMA's 2^20 words."""
    if g <= rows and g <= cols:
        return []
    a, b = min(rows, g), min(cols, g)
    groups: list[tuple[str, list[str]]] = []
    for r in range(a):
        for c in range(b):
            rows_, cols_ = range(r, g, a), range(c, g, b)
            groups.append(("bundle", [f"tile_{i}_{j}" for i in rows_ for j in cols_]))
    return groups


def run(n: int, t: str, dev: str, g: int, prims: list[tuple[str, list[str]]]) -> dict:
    acc, key = TYPES[t]
    code = ONE.format(t=t, acc=acc, n=n, g=g, dev=dev, key=key, prims=repr(prims))
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:  # the frontend reads the program's source
        script = Path(tmp) / f"gemm_{t}_{n}_{dev}.py"
        script.write_text(code)
        # the child runs from a temporary directory: it imports this checkout
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        }
        try:
            done = subprocess.run(
                [sys.executable, str(script)],
                capture_output=True,
                text=True,
                timeout=TIME_LIMIT,
                env=env,
            )
        except subprocess.TimeoutExpired:
            return {"refused": f"build not finished within {TIME_LIMIT} s"}
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["?"])[-1]
        return {"refused": f"failed: {tail[:300]}"}
    result = json.loads(lines[-1])
    result.setdefault("wall_s", time.perf_counter() - start)
    return result


def pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.2f}%"


def main(sizes: list[int]) -> None:
    print("ALL FIGURES ARE MODELED (dato_xdsl/targets/aie/perf_model.py), not measured.")
    print(
        f"{'size':>5} {'type':>8} {'dev':>4} {'compile':>8} | {'design':>6} {'emitted: time':>14} "
        f"{'util':>7}  bottleneck | {'peak kernel: time':>17} {'util':>7}  bottleneck"
    )
    for dev, (rows, cols) in CORES.items():
        for t in TYPES:
            for n in sizes:
                g = max(n // BLOCK, 1)
                r = run(n, t, dev, g, primitives(g, rows, cols))
                if "refused" in r:
                    print(f"{n:>5} {t:>8} {dev:>4}  REFUSED: {r['refused']}")
                    continue
                e, p = r["emitted"], r["peak_kernel"]
                ptxt = (
                    f"{p['us']:>14,.1f} us {pct(p['util']):>7}  {p['bottleneck']}"
                    if p
                    else "n/a (no peak figure for this type in devices.py)"
                )
                print(
                    f"{n:>5} {t:>8} {dev:>4} {r['compile_s']:>7.1f}s | {r['design']:>6} "
                    f"{e['us']:>11,.1f} us {pct(e['util']):>7}  {e['bottleneck']} | {ptxt}"
                )
    print(
        "npu2 bf16 peak is 64 MACs/cycle (devices.py: AIE2P has no bf16 matrix MAC); mm.cc's\n"
        "aie2p 4x8x8 bf16 kernel issues 32-lane element-wise MACs, so its 'peak kernel' rows\n"
        "are a ceiling that kernel cannot reach (at most 50% of that peak)."
    )
    print()
    print("Where the time goes with every matmul at full peak (MODELED cycles): the busiest")
    print("core, and the busiest shim channel moving A (MM2S), B (MM2S) and C (S2MM):")
    for dev, (rows, cols) in CORES.items():
        for n in sizes:
            g = max(n // BLOCK, 1)
            r = run(n, "int8", dev, g, primitives(g, rows, cols))
            load = r.get("shim_load")
            if not load:
                print(f"  {n:>5} int8 {dev}: {r.get('refused', 'no peak figure')}")
                continue
            core = load["core"]
            parts = ", ".join(
                f"{k} {load[k]:,.0f} ({load[k] / core:.2f}x)" for k in "ABC" if k in load
            )
            print(f"  {n:>5} int8 {dev}: core {core:,.0f}; shim {parts}")
            s = r.get("peak_kernel_onejoin")
            if s:
                reuse = "; ".join(s["design"].split("; ")[1:]) or "nothing held"
                print(
                    f"         what-if, C by one join per column (SPLIT_C_JOINS off): "
                    f"{pct(s['util'])}, bottleneck {s['bottleneck']} ({reuse})"
                )
    print()
    print("4096^3 int8, blocked bundles (C blocks a memtile joins 2^22 words apart; MODELED):")
    for dev, (rows, cols) in CORES.items():
        g = 4096 // BLOCK
        r = run(4096, "int8", dev, g, blocked(g, rows, cols))
        if "refused" in r:
            print(f"  {dev}: REFUSED: {r['refused']}")
            continue
        e, p = r["emitted"], r["peak_kernel"]
        print(
            f"  {dev}: compile {r['compile_s']:.1f}s, emitted {e['us']:,.1f} us "
            f"{pct(e['util'])} ({e['bottleneck']}); peak kernel {pct(p['util'])} "
            f"({p['bottleneck']})"
        )
    print()
    print("Single core, bf16 512^3 on npu1 (modeled), beside issue 17's published points:")
    single = primitives(512 // BLOCK, 1, 1)
    r = run(512, "bfloat16", "npu1", 512 // BLOCK, single)
    if "refused" in r:
        print(f"  REFUSED: {r['refused']}")
    else:
        for label in ("emitted", "peak_kernel", "vector_43"):
            x = r[label]
            print(
                f"  {label:>12}: {x['us']:,.1f} us, {pct(x['util_used_cores'])} of one core's "
                f"bf16 peak, bottleneck {x['bottleneck']}"
            )
    print("  (vector_43: every matmul call at 43% of peak, the published micro-kernel figure)")
    print("  published (iree-amd-aie issue 1198, one Phoenix core, bf16 512^3, measured):")
    print("    direct codegen 29%, with unroll-and-jam 39%, hand-written micro-kernel 43%")
    print()
    examples()


def examples() -> None:
    """Modeled times of the attention and GPT-2-style block examples."""
    sys.path.insert(0, str(ROOT / "examples"))
    sys.path.insert(0, str(ROOT))
    import attention
    import gpt2_block

    import dato_xdsl as dato
    from dato_xdsl.targets.aie import perf_model

    print("Examples (modeled; f32, scalar kernel library, so no peak utilization):")
    el = perf_model.KERNEL_RATES["dato_elementwise"]
    print(
        f"  (scalar library at {1 / el.per_cycle:g} cycles per element or MAC: "
        f"{el.source.split(' (')[0]})"
    )
    for name, top in (("attention", attention.attention), ("gpt2_block", gpt2_block.block)):
        for dev in CORES:
            start = time.perf_counter()
            m = dato.build(top, target="aie", device=dev)
            compile_s = time.perf_counter() - start
            (x,) = perf_model.models(m.ir)
            print(
                f"  {name:>10} {dev}: compile {compile_s:.1f}s, {len(x.cores)} cores, "
                f"{x.cycles:,.0f} cycles = {x.seconds() * 1e6:.2f} us, bottleneck {x.bottleneck}"
            )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [512, 1024])
