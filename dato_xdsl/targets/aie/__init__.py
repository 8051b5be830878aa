"""The "aie" target (target.py: `AieTarget`, `AieModule`): the NPU project
writer (project.py), the resource report (report.py), the kernel library."""

from dato_xdsl.targets.aie.target import AieModule, AieTarget

__all__ = ["AieModule", "AieTarget"]
