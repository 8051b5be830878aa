"""The "simulator" target: runs the mapped dato IR itself on the CPU."""

from __future__ import annotations

import numpy as np
from xdsl.dialects.builtin import ModuleOp

from dato_xdsl.errors import DatoRuntimeError
from dato_xdsl.targets.base import BuildOptions, Program, Target, TargetModule
from dato_xdsl.targets.simulator.errors import SimulationError
from dato_xdsl.targets.simulator.runtime import Simulator


class SimulatorModule(TargetModule):
    """A program on the dato simulator; `ir` is `mapped`, the IR that runs."""

    target = "simulator"

    def __init__(self, program: Program, ir: ModuleOp) -> None:
        super().__init__(program, ir)
        self._simulator: Simulator | None = None

    def run(self, arrays: list[np.ndarray]) -> None:
        try:
            # compiled on the first call, reused after
            if self._simulator is None:
                self._simulator = Simulator(self.ir)
            self._simulator.run(*arrays)
        except SimulationError as err:
            raise DatoRuntimeError(str(err)) from None


class SimulatorTarget(Target):
    name = "simulator"
    summary = "runs the mapped dato IR on the CPU (bounded streams, deadlock detection)"

    def build(self, program: Program, ir: ModuleOp, options: BuildOptions) -> SimulatorModule:
        return SimulatorModule(program, ir)
