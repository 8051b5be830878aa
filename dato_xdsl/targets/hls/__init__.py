"""The "hls" target: a Vitis HLS C++ project from virtually mapped dato IR, and
its C simulation with the host's g++ (project.py); the C++ emitter
(emit_cpp.py); the static performance estimate (estimate.py); as a target of
`dato.build`, `HlsTarget` and `HlsModule` (target.py)."""

from dato_xdsl.targets.hls.emit_cpp import emit_kernel_cpp
from dato_xdsl.targets.hls.estimate import FPGA_PARTS, Estimate, estimate
from dato_xdsl.targets.hls.project import MODES, CsimError, CsimRun, HlsProject, lower
from dato_xdsl.targets.hls.target import HlsModule, HlsTarget

__all__ = [
    "FPGA_PARTS",
    "MODES",
    "CsimError",
    "CsimRun",
    "Estimate",
    "HlsModule",
    "HlsProject",
    "HlsTarget",
    "emit_kernel_cpp",
    "estimate",
    "lower",
]
