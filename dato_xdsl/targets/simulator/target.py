"""The "simulator" target: runs the mapped dato IR itself on the CPU."""

from __future__ import annotations

import time
import warnings

import numpy as np
from xdsl.dialects.builtin import ModuleOp

from dato_xdsl.errors import DatoRuntimeError
from dato_xdsl.targets.base import BuildOptions, Program, Target, TargetModule
from dato_xdsl.targets.profiling import milliseconds, table
from dato_xdsl.targets.simulator.errors import SimulationError, StreamsNotEmptyError
from dato_xdsl.targets.simulator.runtime import Simulator
from dato_xdsl.transforms.stream_legality import StreamLeftoverWarning


class SimulatorModule(TargetModule):
    """A program on the dato simulator; `ir` is `mapped`, the IR that runs."""

    target = "simulator"

    def __init__(self, program: Program, ir: ModuleOp) -> None:
        super().__init__(program, ir)
        self._simulator: Simulator | None = None
        self._last_run: tuple[float, dict[str, float]] | None = None

    def run(self, arrays: list[np.ndarray]) -> None:
        try:
            # compiled on the first call, reused after
            if self._simulator is None:
                self._simulator = Simulator(self.ir)
            times: dict[str, float] | None = {} if self.profile else None
            start = time.perf_counter()
            self._simulator.run(*arrays, times=times)
            self._last_run = (time.perf_counter() - start, times or {})
        except StreamsNotEmptyError as err:
            # the run is complete and its outputs written; Allo accepts streams
            # ending non-empty, so this is a warning (the build warned already
            # where the counts are static)
            warnings.warn(
                str(err).replace(": error: ", ": warning: ", 1), StreamLeftoverWarning, stacklevel=3
            )
        except SimulationError as err:
            raise DatoRuntimeError(str(err)) from None

    def profile_report(self) -> str:
        if self._last_run is None:
            return "simulator profile: no run yet"
        total, times = self._last_run
        rows = [(label, milliseconds(t)) for label, t in times.items()]
        rows.append(("whole run", milliseconds(total)))
        return table(
            "simulator profile (measured: wall time of the Python simulation on this CPU, "
            "per task instance while it ran; not hardware time)",
            rows,
        )


class SimulatorTarget(Target):
    name = "simulator"
    summary = "runs the mapped dato IR on the CPU (bounded streams, deadlock detection)"

    def build(self, program: Program, ir: ModuleOp, options: BuildOptions) -> SimulatorModule:
        return SimulatorModule(program, ir)
