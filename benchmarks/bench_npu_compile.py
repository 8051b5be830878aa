"""Compile time, Python program to written NPU project (frontend, dato passes,
physical mapping, aie lowering, project files), median of several runs:
vector add on 4 cores; the 4x4 whole-array GEMM 512^3 int16 on npu1; an 8x4
GEMM (4 rows x 8 columns of cores) 512x1024x512 int16 on npu2; the 2048^3 int8
GEMM as a 32x32 grid of 64x64 output tasks (32x32x32 = 32,768 products of
64^3 tiles of work; each task streams K in the K tile physical mapping picks,
128 here) bundled onto 16 cores, 64 tasks per core (task rows 8r..8r+7 x
columns 8c..8c+7 on core (r, c)); the 4096^3 int8 -> int32 GEMM bundled the
same way (64 x 64 tasks, 256 per core: the C blocks a memtile joins are 2^22
words apart, so the runtime sequence writes them block by block); fan-in/fan-out designs: an 8-leaf
reduction tree, a 16-tap FIR chain (int32, 1024 samples), a split-K GEMM on a
2x2x4 grid with its drains (20 elements, the compiler chains the 4 drains),
the 4x5 output-stationary systolic GEMM with loaders and drains (42 instances:
the compiler chains them onto 16 cores and lets one stream carry two streams
two chained cores use in turn); GEMMs with an epilogue (bias and ReLU, int8
requantisation) whose C blocks the retile pass cuts after trial mappings;
designs of hundreds of task instances
(gather_sum, scatter_gather and a 2^20 vector add the element-wise retile cuts
into 288..512 instances; systolic arrays of 64 and 324 processing elements
folded onto the cores). For each, also the time of physical mapping
alone (the folding search with placement, on the virtually mapped IR) and
the foldings it chose: compiler chains and merged streams.

    python benchmarks/bench_npu_compile.py [--reps N] [--picture] [--only WORD]
                                           [--save DIR | --same-as DIR]

--save DIR writes each design's aie.mlir to DIR (the checkout's own path
replaced by `CHECKOUT`); --same-as DIR then says, for another checkout or
after a change, which designs are byte-identical to those (a compile-time
change must not change what is emitted).

Without --picture the project goes to a temporary directory (what
`dato.build(..., target="aie")` does by default; no placement.svg); with it,
to a named directory, which also draws the placement picture.
"""

import statistics
import sys
import tempfile
import time
from pathlib import Path

from xdsl.context import Context

import dato_xdsl as dato
from dato_xdsl import Layout, int8, int16, int32
from dato_xdsl.diagnostics import LocatedDiagnostic
from dato_xdsl.dialects import dato as d
from dato_xdsl.transforms.physical_mapping import PhysicalMapPass

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the test programs
from test.unit.programs import dato_programs, npu_fanout_programs

S = Layout.Shard
R = Layout.Replicate


def vector_add(n: int, lanes: int):
    @dato.region()
    def top(A: int32[n], B: int32[n], C: int32[n]):
        @dato.kernel(mapping=[lanes], args=[A, B, C])
        def add(a: int32[n] @ [S(0)], b: int32[n] @ [S(0)], c: int32[n] @ [S(0)]):
            c[:] = dato.add(a, b)

    return top


def gemm(M: int, N: int, K: int, P0: int, P1: int, T=int16, Tc=None):
    Tc = Tc or T  # C's type (the operands' by default)

    @dato.region()
    def top(A: T[M, K], B: T[K, N], C: Tc[M, N]):
        @dato.kernel(mapping=[P0, P1], args=[A, B, C])
        def tile(a: T[M, K] @ [S(0), R], b: T[K, N] @ [R, S(1)], c: Tc[M, N] @ [S(0), S(1)]):
            c[:, :] = dato.matmul(a, b)

    return top


def gemm_bias_relu(M: int, P0: int, P1: int):
    """M^3 int32 GEMM with a bias per column and a ReLU on a P0 x P1 grid."""

    @dato.region()
    def top(A: int32[M, M], B: int32[M, M], BIAS: int32[M], C: int32[M, M]):
        @dato.kernel(mapping=[P0, P1], args=[A, B, BIAS, C])
        def mm(
            a: int32[M, M] @ [S(0), R],
            b: int32[M, M] @ [R, S(1)],
            bias: int32[M] @ [S(1)],
            c: int32[M, M] @ [S(0), S(1)],
        ):
            c[:, :] = dato.maximum(dato.matmul(a, b) + bias, 0)

    return top


def gemm_requant(M: int, P0: int, P1: int, shift: int = 9):
    """M^3 int8 GEMM, int32 sums shifted and clamped back to int8."""

    @dato.region()
    def top(A: int8[M, M], B: int8[M, M], C: int8[M, M]):
        @dato.kernel(mapping=[P0, P1], args=[A, B, C])
        def mm(
            a: int8[M, M] @ [S(0), R],
            b: int8[M, M] @ [R, S(1)],
            c: int8[M, M] @ [S(0), S(1)],
        ):
            acc: int32[M // P0, M // P1] = dato.matmul(a, b)
            c[:, :] = dato.minimum(dato.maximum(acc >> shift, -128), 127)

    return top


def bundles(P: int, cores: int) -> list[tuple[str, list[str]]]:
    """A P x P task grid onto cores x cores: core (r, c) runs task rows
    r*p..r*p+p-1 x columns c*p..c*p+p-1 (p = P / cores), i outer, j inner."""
    p = P // cores
    return [
        (
            "bundle",
            [f"tile_{i}_{j}" for i in range(r * p, r * p + p) for j in range(c * p, c * p + p)],
        )
        for r in range(cores)
        for c in range(cores)
    ]


CASES: list = [
    ("vector add 4096 int32, 4 cores, npu1", lambda: vector_add(4096, 4), "npu1"),
    ("GEMM 512^3 int16, 4x4 cores, npu1", lambda: gemm(512, 512, 512, 4, 4), "npu1"),
    ("GEMM 512x1024x512 int16, 4x8 cores, npu2", lambda: gemm(512, 1024, 512, 4, 8), "npu2"),
    (
        "GEMM 2048^3 int8, 1024 tasks on 16 cores, npu1",
        lambda: gemm(2048, 2048, 2048, 32, 32, int8),
        "npu1",
        bundles(32, 4),
    ),
    (
        # the C blocks a memtile joins lie 2^22 words apart: written block by block
        "GEMM 4096^3 int8->int32, 4096 tasks, 16 cores",
        lambda: gemm(4096, 4096, 4096, 64, 64, int8, int32),
        "npu1",
        bundles(64, 4),
    ),
    ("reduction tree, 8 leaves, int32", lambda: npu_fanout_programs.reduction_tree(int32, 256)),
    ("FIR, 16 taps, 1024 samples, int32", lambda: npu_fanout_programs.fir(int32, 16, 1024)),
    (
        "split-K GEMM 2x2x4 + drains, 64x64x256 int32",
        lambda: npu_fanout_programs.split_k_gemm_3d(int32, 64, 64, 256, 2, 2, 4),
    ),
    (
        "systolic GEMM 4x5 + loaders/drains, int32",
        lambda: dato_programs.systolic_2d(int32, 4, 5, 16),
    ),
    # GEMMs with an epilogue whose C blocks do not fit a core: the retile
    # pass cuts them after trial mappings (issue 12's probe: 58 s, and the
    # 1024^3 int8 one over 300 s in the rectangle search, before the fixes)
    ("GEMM+bias+ReLU 256^3 int32, 2x2, npu1", lambda: gemm_bias_relu(256, 2, 2), "npu1"),
    ("GEMM+bias+ReLU 512^3 int32, 4x4, npu1", lambda: gemm_bias_relu(512, 4, 4), "npu1"),
    ("GEMM+bias+ReLU 512^3 int32, 4x4, npu2", lambda: gemm_bias_relu(512, 4, 4), "npu2"),
    ("GEMM requant int8 1024^3, 2x4, npu2", lambda: gemm_requant(1024, 2, 4), "npu2"),
    # hundreds of task instances: element-wise work the compiler cuts into
    # many instances, systolic grids larger than the cores (folded)
    (
        "gather_sum int32, 64 x 256",
        lambda: npu_fanout_programs.gather_sum(int32, 64, 256),
    ),
    (
        "scatter_gather int32, 16 x 2048 (288 inst.)",
        lambda: dato_programs.scatter_gather(int32, 16, 2048),
    ),
    (
        "vector_add int32, 2^20 on 16 (512 inst.)",
        lambda: dato_programs.vector_add(int32, 1048576, 16),
    ),
    (
        "systolic 16x16 K=32 int16 (324 PEs)",
        lambda: dato_programs.systolic_2d(int16, 16, 16, 32),
    ),
    (
        "systolic 8x8 K=512 int32",
        lambda: dato_programs.systolic_2d(int32, 8, 8, 512),
    ),
]


def mapping_search(mod, device: str) -> tuple[float, int, int]:
    """Seconds of dato-physical-map alone on the module's mapped IR, and the
    compiler chains and merged streams it recorded."""
    ir = mod.mapped.clone()
    start = time.perf_counter()
    PhysicalMapPass(device=device).apply(Context(), ir)
    seconds = time.perf_counter() - start
    chains = merged = 0
    for op in ir.walk():
        if isinstance(op, d.ChainOp) and "dato.compiler_chosen" in op.attributes:
            chains += 1
        if isinstance(op, d.StreamOp) and "dato.merged_streams" in op.attributes:
            merged += 1
    return seconds, chains, merged


CHECKOUT = str(Path(dato.__file__).resolve().parent)


def design_text(mod) -> str:
    """The module's aie.mlir, this checkout's path (kernel sources) as `CHECKOUT`."""
    return (mod.project / "aie.mlir").read_text().replace(CHECKOUT, "CHECKOUT")


def file_name(label: str, device: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in label) + f"_{device}.mlir"


def main() -> None:
    reps = int(sys.argv[sys.argv.index("--reps") + 1]) if "--reps" in sys.argv else 5
    # --only WORD: the cases whose label contains WORD (the large ones take minutes)
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else ""
    picture = "--picture" in sys.argv
    save = Path(sys.argv[sys.argv.index("--save") + 1]) if "--save" in sys.argv else None
    same_as = Path(sys.argv[sys.argv.index("--same-as") + 1]) if "--same-as" in sys.argv else None
    if save is not None:
        save.mkdir(parents=True, exist_ok=True)
    same = differ = 0
    what = "a named project with its placement picture" if picture else "a project (no picture)"
    print(f"Python program -> {what} (median of {reps} runs)")
    # CPU seconds of this process beside wall time: on a loaded machine the
    # wall time includes waiting for a core
    print(f"  {'design':<45} {'wall':>9} {'cpu':>9} {'mapping':>9}  foldings")
    for label, make, *rest in CASES:
        if only not in label:
            continue
        device = rest[0] if rest else "npu1"
        prims = rest[1] if len(rest) > 1 else None
        times = []
        cpus = []
        searches = []
        refused = ""
        folds = ""
        for _ in range(reps):
            with tempfile.TemporaryDirectory() as out:
                start = time.perf_counter()
                cpu = time.process_time()
                # a named project also draws placement.svg (matplotlib): --picture
                project = out if picture else None
                try:
                    mod = dato.build(
                        make(),
                        target="aie",
                        device=device,
                        project=project,
                        mapping_primitives=prims,
                    )
                except dato.DatoError as err:
                    refused = str(err).split("error: ", 1)[-1]
                    mod = None
                times.append(time.perf_counter() - start)
                cpus.append(time.process_time() - cpu)
                text = design_text(mod) if mod is not None else f"refused: {refused}"
            name = file_name(label, device)
            if save is not None:
                (save / name).write_text(text)
            if same_as is not None and (same_as / name).exists():
                if (same_as / name).read_text() == text:
                    same += 1
                else:
                    differ += 1
                    print(f"    {name}: aie.mlir differs from {same_as / name}")
            if mod is not None:
                try:
                    seconds, chains, merged = mapping_search(mod, device)
                except LocatedDiagnostic:
                    # the mapped IR is the design before the element-wise
                    # retile cut it into instances: alone, mapping refuses it
                    folds = "mapping alone: only after the element-wise retile"
                    continue
                searches.append(seconds)
                folds = f"{chains} compiler chains, {merged} merged streams"
        search = f"{statistics.median(searches):7.3f} s" if searches else "      -  "
        wall, cpu_s = statistics.median(times), statistics.median(cpus)
        print(f"  {label:<45} {wall:7.3f} s {cpu_s:7.3f} s {search}  {folds}")
        if refused:
            print(f"    refused: {refused}")
    if same_as is not None:
        print(f"aie.mlir as in {same_as}: {same} identical, {differ} different")


if __name__ == "__main__":
    main()
