"""What a simulation reports when a program is wrong: one family of exceptions,
each with a complete message (location, task instance, stream) and no traceback."""

from __future__ import annotations

from xdsl.utils.exceptions import DiagnosticException


class SimulationError(DiagnosticException):
    """Base of every error the simulator reports to a user."""


class UnsupportedOpError(SimulationError):
    """The IR holds an op (or a form of one) the simulator cannot execute."""


class ArgumentError(SimulationError):
    """The arrays given do not match the region's arguments (count, shape, type)."""


class ExecutionError(SimulationError):
    """An op failed while a task instance ran it (division by zero, bad shapes, ...)."""


class OutOfBoundsError(ExecutionError):
    """A load, store, subview or stream index falls outside its memref or stream array."""


class DeadlockError(SimulationError):
    """Every live task instance is blocked on a stream."""


class StreamsNotEmptyError(SimulationError):
    """All tasks finished but some streams still hold elements."""


class SimulationTimeout(SimulationError):
    """The run took longer than the wall-clock limit it was given."""


__all__ = [
    "ArgumentError",
    "DeadlockError",
    "ExecutionError",
    "OutOfBoundsError",
    "SimulationError",
    "SimulationTimeout",
    "StreamsNotEmptyError",
    "UnsupportedOpError",
]
