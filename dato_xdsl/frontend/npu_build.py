"""`dato.build(top, target="aie", device="npu1", project=dir)`: place, lower,
write the NPU project, and run it where it can run.

Calling the module runs the design on an NPU when pyxrt and a device are
present (after `build.sh` has produced the xclbin); otherwise on the virtual
NPU, which executes the very `aie` design that would go to aiecc.py."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.utils.exceptions import DiagnosticException

from dato_xdsl.diagnostics import verify_located
from dato_xdsl.frontend.build import DatoModule
from dato_xdsl.frontend.errors import DatoError, DatoIRError, DatoRuntimeError
from dato_xdsl.frontend.program import Parameter
from dato_xdsl.targets.aie.project import Project, toolchain_status, write_project
from dato_xdsl.targets.aie.report import report
from dato_xdsl.transforms.lower_to_aie import LowerToAiePass
from dato_xdsl.transforms.physical_mapping import PhysicalMapPass


class NpuModule(DatoModule):
    """A Dato program compiled for an NPU. `aie` is the lowered design (what
    `project.mlir` holds); `report()` the per-tile resource report."""

    def __init__(
        self,
        module: ModuleOp,
        mapped: ModuleOp,
        aie_module: ModuleOp,
        params: list[Parameter],
        project: Project,
    ) -> None:
        super().__init__(module, mapped, params, "aie")
        self.aie = aie_module
        self.project = project

    def report(self) -> str:
        return report(self.aie)

    def __call__(self, *arrays: Any) -> None:
        checked = self.check_arguments(arrays)
        status = toolchain_status()
        built = (self.project.directory / "final.xclbin").exists()
        if status["pyxrt"] and status["npu"] and built:
            self._run_on_npu(checked)
            return
        try:
            from dato_xdsl.targets.virtual_npu import run_design
        except ImportError:
            raise DatoRuntimeError(
                "no NPU here (pyxrt: {pyxrt}, device: {npu}, built xclbin: {built}) and the "
                "virtual NPU is not available".format(built=built, **status)
            ) from None
        kernel_dirs = [str(self.project.directory)]
        try:
            run_design(self.aie, checked, kernel_dirs=kernel_dirs)
        except DiagnosticException as err:
            raise DatoRuntimeError(str(err)) from None

    def _run_on_npu(self, arrays: list[np.ndarray]) -> None:
        import subprocess
        import sys

        paths = []
        for k, a in enumerate(arrays):
            path = self.project.directory / f"arg{k}.npy"
            np.save(path, a)
            paths.append(str(path))
        result = subprocess.run(
            [sys.executable, "run.py", *paths],
            cwd=self.project.directory,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise DatoRuntimeError(f"NPU run failed: {result.stderr.strip()}")
        for a, path in zip(arrays, paths, strict=True):
            a[...] = np.load(path)


def build_npu(
    module: ModuleOp,
    mapped: ModuleOp,
    params: list[Parameter],
    device: str,
    project: str | os.PathLike[str] | None,
) -> NpuModule:
    aie_module = mapped.clone()
    try:
        ctx = Context()
        for p in (PhysicalMapPass(device=device), LowerToAiePass()):
            p.apply(ctx, aie_module)
            verify_located(aie_module)
    except DatoError as err:
        raise err.with_traceback(None) from None
    except DiagnosticException as err:
        raise DatoIRError(str(err)) from None
    directory = Path(project) if project is not None else Path(tempfile.mkdtemp(prefix="dato-npu-"))
    written = write_project(aie_module, directory, [p.name for p in params])
    return NpuModule(module, mapped, aie_module, params, written)
