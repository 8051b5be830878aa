"""The "hls" target: a Vitis HLS C++ project of the lowered `vhls` module, run
by its C simulation with the host's g++."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from xdsl.dialects.builtin import ModuleOp

from dato_xdsl.errors import DatoError, DatoRuntimeError
from dato_xdsl.targets.base import BuildOptions, Program, Step, Target, TargetModule
from dato_xdsl.targets.hls.estimate import Estimate
from dato_xdsl.targets.hls.project import MODES, CsimError, HlsProject
from dato_xdsl.targets.profiling import table


class HlsModule(TargetModule):
    """A program built for an FPGA. `ir` is the `vhls` module, `hls` the project
    (kernel.cpp, testbench, scripts) whose C simulation runs in `csim_mode`;
    `report()` is the static performance estimate (print it for the table)."""

    target = "hls"

    def __init__(self, program: Program, ir: ModuleOp, hls: HlsProject, mode: str) -> None:
        super().__init__(program, ir)
        self.hls = hls
        self.csim_mode = mode
        """the C simulation mode, one of `MODES`"""

    @property
    def project(self) -> Path:
        return self.hls.directory

    def report(self) -> Estimate:
        return self.hls.report()

    def plot(self, path: str | Path | None = None) -> Path:
        """The dataflow graph: processes, streams with depths, ping-pong buffers
        (default: project/dataflow.svg)."""
        from dato_xdsl.targets.hls.plot import PICTURE_NAME, plot

        try:
            return plot(self.ir, path if path is not None else self.project / PICTURE_NAME)
        except (ValueError, OSError) as err:
            raise DatoError(f"cannot draw the HLS design: {err}") from None

    def profile_report(self) -> str:
        """The static estimate's per-process-instance latencies (a model)."""
        figures = self.report()
        rows = [(f"{p.instance} ({p.process})", f"{p.latency:,} cycles") for p in figures.processes]
        rows.append(("one invocation", f"{figures.latency:,} cycles"))
        rows.append(("interval", f"{figures.interval:,} cycles between invocations"))
        return table(
            f"hls profile (modeled: the static HLS estimate for {figures.part}; "
            "not a synthesis report or a hardware measurement)",
            rows,
        )

    def run(self, arrays: list[np.ndarray]) -> None:
        try:
            self.hls.run(arrays, mode=self.csim_mode)
        except CsimError as err:
            raise DatoRuntimeError(str(err)) from None


class HlsTarget(Target):
    name = "hls"
    summary = "a Vitis HLS C++ project; runs its C simulation with g++"
    steps = (
        Step("convert-dato-to-vhls"),
        Step("vhls-burst-transfers"),
        Step("vhls-dataflow-lint"),
    )
    modes = MODES
    emitter = "vhls-cpp"

    def build(self, program: Program, ir: ModuleOp, options: BuildOptions) -> HlsModule:
        try:
            project = HlsProject(ir, options.project)
        except OSError as err:
            raise DatoError(f"cannot write the HLS project: {err}") from None
        module = HlsModule(program, ir, project, options.mode or self.modes[0])
        if options.project is not None:  # a project the user asked for gets its picture
            module.plot()
        return module
