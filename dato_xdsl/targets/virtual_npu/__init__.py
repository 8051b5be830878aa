"""The virtual NPU: executes an `aie` dialect design (the text `aiecc.py` would
compile) on the CPU with the semantics of the hardware's data movement.

`run_design(module, arrays)` runs the module's `aie.device`: objectfifos with
their depths, links, broadcasts and access patterns; explicit buffers, locks
and BD chains; every core concurrently; the runtime sequence's shim DMAs on
the host arrays; external kernels compiled from their C++ source. A hang or
corruption on hardware is reported as an `NpuError` instead. This is a
functional model: it says what the design computes, not how fast.
"""

from dato_xdsl.targets.virtual_npu.errors import (
    BdReuseError,
    DepthError,
    DesignError,
    KernelError,
    NpuDeadlockError,
    NpuError,
    NpuTimeout,
    TransferError,
    UnwrittenDataError,
)
from dato_xdsl.targets.virtual_npu.machine import NpuStats, VirtualNpu, run_design

__all__ = [
    "BdReuseError",
    "DepthError",
    "DesignError",
    "KernelError",
    "NpuDeadlockError",
    "NpuError",
    "NpuStats",
    "NpuTimeout",
    "TransferError",
    "UnwrittenDataError",
    "VirtualNpu",
    "run_design",
]
