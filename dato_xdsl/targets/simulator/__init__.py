"""The "simulator" target: executes `dato` IR on the CPU.

`simulate(module, args)` runs a module's `dato.region` on numpy arrays (written
in place); `Simulator(module).run(*args)` compiles once for repeated runs. Task
bodies become Python generator functions (codegen.py), scheduled round-robin over
bounded streams (runtime.py) with the arithmetic of semantics.py; every failure is
a SimulationError (errors.py) naming the op, its location and the task instance.
As a target of `dato.build`: `SimulatorTarget` and `SimulatorModule` (target.py).
"""

from dato_xdsl.targets.simulator.errors import (
    ArgumentError,
    DeadlockError,
    ExecutionError,
    OutOfBoundsError,
    SimulationError,
    SimulationTimeout,
    StreamsNotEmptyError,
    UnsupportedOpError,
)
from dato_xdsl.targets.simulator.runtime import RunStats, Simulator, enumerate_instances, simulate
from dato_xdsl.targets.simulator.target import SimulatorModule, SimulatorTarget

__all__ = [
    "ArgumentError",
    "DeadlockError",
    "ExecutionError",
    "OutOfBoundsError",
    "RunStats",
    "SimulationError",
    "SimulationTimeout",
    "Simulator",
    "SimulatorModule",
    "SimulatorTarget",
    "StreamsNotEmptyError",
    "UnsupportedOpError",
    "enumerate_instances",
    "simulate",
]
