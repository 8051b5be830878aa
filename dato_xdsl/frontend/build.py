"""`dato.build`: compile a region for a target and return a callable module."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import DiagnosticException

from dato_xdsl.diagnostics import verify_located
from dato_xdsl.frontend.errors import DatoArgumentError, DatoError, DatoIRError, DatoRuntimeError
from dato_xdsl.frontend.markers import RegionDef
from dato_xdsl.frontend.program import Parameter, compile_region

TARGETS = ("simulator", "aie", "hls")


def pipeline(mapping_primitives: Sequence[tuple[str, Sequence[Any]]] | None) -> list[ModulePass]:
    """The dato passes every target starts with (`dato-opt -p` spells them the same)."""
    from dato_xdsl.transforms.mapping_primitives import MappingPrimitivesPass
    from dato_xdsl.transforms.stream_legality import StreamLegalityPass
    from dato_xdsl.transforms.virtual_mapping import VirtualMapPass

    passes: list[ModulePass] = [VirtualMapPass(), StreamLegalityPass()]
    if mapping_primitives:
        bundles: list[str] = []
        chains: list[str] = []
        for entry in mapping_primitives:
            if not isinstance(entry, tuple | list) or len(entry) != 2:
                raise DatoError(
                    f'a mapping primitive is ("bundle" | "chain", [instances]), got {entry!r}'
                )
            kind, names = entry
            if kind not in ("bundle", "chain"):
                raise DatoError(f"unknown mapping primitive {kind!r}; use 'bundle' or 'chain'")
            (bundles if kind == "bundle" else chains).append(",".join(str(n) for n in names))
        passes.append(MappingPrimitivesPass(bundle=";".join(bundles), chain=";".join(chains)))
    return passes


class DatoModule:
    """A compiled Dato program. `module` is its IR as the frontend wrote it
    (print it for dato-opt); `mapped` is the IR after the dato passes, which is
    what runs. Calling it runs the program on numpy arrays, in place."""

    def __init__(
        self, module: ModuleOp, mapped: ModuleOp, params: list[Parameter], target: str
    ) -> None:
        self.module = module
        self.mapped = mapped
        self.params = params
        self.target = target

    @property
    def mlir(self) -> str:
        return str(self.module)

    def __str__(self) -> str:
        return str(self.module)

    def check_arguments(self, arrays: Sequence[Any]) -> list[np.ndarray]:
        if len(arrays) != len(self.params):
            names = ", ".join(p.name for p in self.params)
            raise DatoArgumentError(
                f"the program takes {len(self.params)} array(s) ({names}), got {len(arrays)}"
            )
        checked = []
        for a, p in zip(arrays, self.params, strict=True):
            if not isinstance(a, np.ndarray):
                raise DatoArgumentError(
                    f"argument '{p.name}' must be a numpy array, got {type(a).__name__}"
                )
            if a.shape != p.type.shape:
                raise DatoArgumentError(
                    f"argument '{p.name}' has shape {list(a.shape)}, the program declares "
                    f"{list(p.type.shape)}"
                )
            if a.dtype != p.type.dtype.numpy:
                raise DatoArgumentError(
                    f"argument '{p.name}' has dtype {a.dtype}, the program declares "
                    f"{p.type.dtype.name}"
                )
            if not a.flags.c_contiguous or not a.flags.writeable:
                raise DatoArgumentError(
                    f"argument '{p.name}' must be a writeable C-contiguous array"
                )
            checked.append(a)
        return checked

    def __call__(self, *arrays: Any) -> None:
        checked = self.check_arguments(arrays)
        if self.target == "hls":
            from dato_xdsl.targets.hls import CsimError

            try:
                self.hls.run(checked, mode=self.csim_mode)
            except CsimError as err:
                raise DatoRuntimeError(str(err)) from None
            return
        from dato_xdsl.targets.simulator import SimulationError, Simulator

        if self._simulator is None:
            try:
                self._simulator = Simulator(self.mapped)
            except SimulationError as err:
                raise DatoRuntimeError(str(err)) from None
        try:
            self._simulator.run(*checked)
        except SimulationError as err:
            raise DatoRuntimeError(str(err)) from None

    _simulator: Any = None
    hls: Any = None
    """target "hls": the HlsProject (kernel.cpp, testbench, scripts) that runs"""
    csim_mode: str = "concurrent"
    """target "hls": the C simulation mode ("concurrent" or "sequential")"""

    def report(self) -> Any:
        """target "hls": the static performance estimate (print it for the table)."""
        if self.hls is None:
            raise DatoError("report() is available for targets 'aie' and 'hls'")
        return self.hls.report()


def build(
    top: RegionDef,
    target: str = "simulator",
    *,
    project: str | os.PathLike[str] | None = None,
    mapping_primitives: Sequence[tuple[str, Sequence[Any]]] | None = None,
    device: str = "npu1",
) -> DatoModule:
    """Compile the `@dato.region()` function `top` for `target`."""
    if not isinstance(top, RegionDef):
        raise DatoError(f"dato.build takes a function decorated with @dato.region(), got {top!r}")
    if target not in TARGETS:
        raise DatoError(f"unknown target '{target}'; available: {', '.join(TARGETS)}")
    if project is not None and not isinstance(project, str | os.PathLike):
        raise DatoError(f"project= takes a directory path, got {project!r}")
    if project is not None and os.path.exists(project) and not os.path.isdir(project):
        raise DatoError(f"project= must be a directory; {os.fspath(project)} is a file")
    try:
        module, params = compile_region(top)
        verify_located(module)
        mapped = module.clone()
        ctx = Context()
        for p in pipeline(mapping_primitives):
            p.apply(ctx, mapped)
            verify_located(mapped)
    except DatoError as err:
        # the user's traceback ends here, not deep inside the compiler
        raise err.with_traceback(None) from None
    except DiagnosticException as err:
        raise DatoIRError(str(err)) from None
    if target == "aie":
        from dato_xdsl.frontend.npu_build import build_npu

        try:
            return build_npu(module, mapped, params, device, project)
        except OSError as err:
            raise DatoError(f"cannot write the NPU project: {err}") from None
    result = DatoModule(module, mapped, params, target)
    if target == "hls":
        from dato_xdsl.targets.hls import HlsProject

        try:
            result.hls = HlsProject(mapped, project)
        except DiagnosticException as err:
            raise DatoIRError(str(err)) from None
        except OSError as err:
            raise DatoError(f"cannot write the HLS project: {err}") from None
    return result
