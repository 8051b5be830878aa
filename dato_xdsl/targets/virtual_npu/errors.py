"""What the virtual NPU reports instead of a hang or corrupted data on hardware.

Every error is a `SimulationError` (the simulator's family), so callers catch
one base for both executors; messages are complete (location, tile, fifo or
lock, numbers) and are shown without a traceback."""

from __future__ import annotations

from dato_xdsl.targets.simulator.errors import SimulationError


class NpuError(SimulationError):
    """Base of every error the virtual NPU reports."""


class DesignError(NpuError):
    """The design cannot run as written: a form we do not model, a missing
    route, buffers over a tile's memory, arrays that do not match the runtime
    sequence."""


class KernelError(NpuError):
    """An external kernel is missing, fails to compile, or lacks a symbol."""


class NpuDeadlockError(NpuError):
    """Nothing can move and the runtime sequence has not finished: on hardware
    the run would hang."""


class DepthError(NpuError):
    """An acquire asks for more objects than the fifo end holds: it would wait forever."""


class BdReuseError(NpuError):
    """A shim buffer descriptor id is reprogrammed while its transfer is still
    running: on hardware the transfer would be corrupted."""


class TokenError(NpuError):
    """Task-completion tokens do not match the waits: each dma_wait (an npu.sync
    on hardware) consumes one token of its channel, so a wait with no token
    coming hangs, a BD reprogrammed before its token was awaited may still be in
    use, and tokens left at the end satisfy the next run's waits too early."""


class UnwrittenDataError(NpuError):
    """A core or DMA reads buffer elements that no DMA (or core) wrote."""


class TransferError(NpuError):
    """A DMA access pattern leaves its buffer, or a host transfer never completes."""


class NpuTimeout(NpuError):
    """The run took longer than its wall-clock limit."""


__all__ = [
    "BdReuseError",
    "DepthError",
    "DesignError",
    "KernelError",
    "NpuDeadlockError",
    "NpuError",
    "NpuTimeout",
    "TokenError",
    "TransferError",
    "UnwrittenDataError",
]
