"""`dato.build`: compile a region for a target and return a callable module."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
from xdsl.dialects.builtin import ModuleOp

from dato_xdsl.diagnostics import LocatedDiagnostic, verify_located
from dato_xdsl.frontend.errors import DatoArgumentError, DatoError, DatoIRError
from dato_xdsl.frontend.markers import RegionDef
from dato_xdsl.frontend.program import Parameter, compile_region

TARGETS = ("simulator",)


class DatoModule:
    """A compiled Dato program. `module` is its IR (print it for dato-opt);
    calling it runs the program on numpy arrays and writes outputs in place."""

    def __init__(self, module: ModuleOp, params: list[Parameter], target: str) -> None:
        self.module = module
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
        from dato_xdsl.targets.simulator import simulate

        simulate(self.module, checked)


def build(
    top: RegionDef,
    target: str = "simulator",
    *,
    project: str | os.PathLike[str] | None = None,
    mapping_primitives: Sequence[tuple[str, Sequence[Any]]] | None = None,
) -> DatoModule:
    """Compile the `@dato.region()` function `top` for `target`."""
    if not isinstance(top, RegionDef):
        raise DatoError(f"dato.build takes a function decorated with @dato.region(), got {top!r}")
    if target not in TARGETS:
        raise DatoError(f"unknown target '{target}'; available: {', '.join(TARGETS)}")
    if mapping_primitives:
        raise DatoError("mapping primitives (bundle, chain) are not implemented yet")
    del project
    try:
        module, params = compile_region(top)
        verify_located(module)
    except DatoError as err:
        # the user's traceback ends here, not deep inside the compiler
        raise err.with_traceback(None) from None
    except LocatedDiagnostic as err:
        raise DatoIRError(str(err)) from None
    return DatoModule(module, params, target)
