"""The "aie" target: place and lower to an `aie` design, write its NPU project,
and run it on an NPU when this machine has one (pyxrt, a device, a built
xclbin), otherwise on the virtual NPU, which executes the very design that
would go to aiecc.py."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import SSAValue
from xdsl.utils.exceptions import DiagnosticException

from dato_xdsl import progress
from dato_xdsl.dialects import aie
from dato_xdsl.errors import DatoError, DatoRuntimeError
from dato_xdsl.targets.aie.host_layout import from_buffers, to_buffers
from dato_xdsl.targets.aie.kernel_language import refuse_unsupported
from dato_xdsl.targets.aie.project import design_layout, toolchain_status, write_project
from dato_xdsl.targets.aie.report import report
from dato_xdsl.targets.base import BuildOptions, Program, Step, Target, TargetModule
from dato_xdsl.targets.profiling import table
from dato_xdsl.transforms.core_tasks import task_names
from dato_xdsl.transforms.npu_trial import AFTER_RETILE, takes_device


class AieModule(TargetModule):
    """A program built for an NPU. `ir` (also `aie`) is the lowered design, the
    text of `project / "aie.mlir"`; `report()` is the per-tile resource report."""

    target = "aie"

    def __init__(self, program: Program, ir: ModuleOp, directory: Path) -> None:
        super().__init__(program, ir)
        self._directory = directory

    @property
    def aie(self) -> ModuleOp:
        return self.ir

    @property
    def project(self) -> Path:
        return self._directory

    def report(self) -> str:
        return report(self.ir)

    def plot(self, path: str | Path | None = None) -> Path:
        """The AIE array: tiles, the tasks on each, objectfifos with their depths,
        memory-sharing neighbours, DMA channels (default: project/placement.svg)."""
        from dato_xdsl.targets.aie.plot import PICTURE_NAME, plot

        try:
            return plot(self.ir, path if path is not None else self.project / PICTURE_NAME)
        except (ValueError, OSError) as err:
            raise DatoError(f"cannot draw the NPU design: {err}") from None

    def profile_report(self) -> str:
        """The NPU performance model's per-core cycles (a model, run or not)."""
        from dato_xdsl.targets.aie.perf_model import models

        try:
            designs = models(self.ir)
        except ValueError as err:
            return f"aie profile: the NPU performance model cannot model this design: {err}"
        tasks = core_tasks(self.ir)
        rows = []
        for design in designs:
            clock = design.device.clock_hz
            for core in design.cores:
                names = ", ".join(tasks.get(core.tile, [])) or "?"
                at = f" = {core.finish / clock * 1e6:.3f} us" if clock else ""
                rows.append(
                    (
                        f"core {core.tile} ({names})",
                        f"busy {core.path:,.0f} cycles, done at cycle {core.finish:,.0f}{at}",
                    )
                )
            rows.append(("whole design", f"{design.cycles:,.0f} cycles"))
        return table(
            "aie profile (modeled: the NPU performance model, cycle-approximate; "
            "not measured on an NPU)",
            rows,
        )

    def run(self, arrays: list[np.ndarray]) -> None:
        status = toolchain_status()
        built = (self._directory / "final.xclbin").exists()
        if status["pyxrt"] and status["npu"] and built:
            self._run_on_npu(arrays)  # run.py lays the arrays out (host_layout)
            return
        try:
            from dato_xdsl.targets.virtual_npu import run_design
        except ImportError:
            raise DatoRuntimeError(
                "no NPU here (pyxrt: {pyxrt}, device: {npu}, built xclbin: {built}) and the "
                "virtual NPU is not available".format(built=built, **status)
            ) from None
        # padded block rows and packed buffers, laid out by the code run.py runs
        layout = design_layout(self.ir)
        buffers = to_buffers(layout, arrays)
        try:
            with progress.step("virtual NPU: compiling kernels and running the design"):
                run_design(self.ir, buffers, kernel_dirs=[str(self._directory)])
        except DiagnosticException as err:
            raise DatoRuntimeError(str(err)) from None
        from_buffers(layout, buffers, arrays)

    def _run_on_npu(self, arrays: list[np.ndarray]) -> None:
        paths = []
        for k, a in enumerate(arrays):
            path = self._directory / f"arg{k}.npy"
            np.save(path, a)
            paths.append(str(path))
        result = subprocess.run(
            [sys.executable, "run.py", *paths],
            cwd=self._directory,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise DatoRuntimeError(f"NPU run failed: {result.stderr.strip()}")
        for a, path in zip(arrays, paths, strict=True):
            a[...] = np.load(path)


def core_tasks(ir: ModuleOp) -> dict[tuple[int, int], list[str]]:
    """The task instances each core runs (`dato.tasks` on aie.core), by tile."""
    tiles: dict[SSAValue, tuple[int, int]] = {}
    out: dict[tuple[int, int], list[str]] = {}
    for op in ir.walk():
        if isinstance(op, aie.TileOp):
            tiles[op.result] = (op.col.value.data, op.row.value.data)
        elif isinstance(op, aie.CoreOp) and op.tile in tiles:
            names = task_names(op)
            if names:
                out.setdefault(tiles[op.tile], []).extend(names)
    return out


class AieTarget(Target):
    name = "aie"
    summary = "an MLIR-AIE design and NPU project; runs on an NPU or the virtual NPU"
    steps = (
        Step("dato-npu-wide-integers"),  # i64 / i65..i128 arrays as 32-bit words
        Step("dato-table-copy-elision"),
        Step("dato-npu-constant-inputs", ("device",)),  # tables over a tile: host inputs
        Step("dato-npu-elide-loaders", ("device",)),  # when cores are short
        Step("dato-npu-write-pieces", ("device",)),  # outputs written piece by piece
        Step("dato-splat-operands"),
        Step("dato-matmul-accumulate"),  # acc = acc + matmul(a, b): into acc
        Step("dato-npu-converted-operands"),  # a matmul operand converted per K tile
        Step("dato-local-copy-elision"),
        Step("dato-npu-broadcast-streams"),  # one value put on several streams
        Step("dato-put-in-place", ("device",)),  # before the cuts: they see its savings
        Step("dato-npu-batch-split"),  # batched loops: rank-2 instances the cuts see
        Step("dato-npu-retile-gemm", ("device",)),
        Step("dato-npu-retile-elementwise", ("device",)),
        # the steps a retile pass's trial mapping runs too (one list: npu_trial)
        *(Step(p.name, ("device",) if takes_device(p) else ()) for p in AFTER_RETILE),
        Step("dato-physical-map", ("device",)),
        Step("dato-npu-broadcast-fifos"),  # the placed sets: one fifo, several consumers
        Step("dato-npu-transfers"),
        Step("dato-npu-core-bodies"),
        Step("dato-npu-runtime-sequence"),
        Step("dato-npu-kernel-objects"),
        Step("dato-npu-pack-buffers"),
        Step("dato-npu-lock-budget"),
    )
    emitter = "aie-project"

    def build(self, program: Program, ir: ModuleOp, options: BuildOptions) -> AieModule:
        refuse_unsupported(program.module)
        directory = options.project or Path(tempfile.mkdtemp(prefix="dato-npu-"))
        names = [a.name for a in program.arguments]
        try:
            written = write_project(ir, directory, names)
        except OSError as err:
            raise DatoError(f"cannot write the NPU project: {err}") from None
        module = AieModule(program, ir, written.directory)
        if options.project is not None:  # a project the user asked for gets its picture
            module.plot()
        return module
