"""The target interface: what every target declares, and what `dato.build` returns.

A target is one `Target` subclass in its own package, registered by name in
registry.py. It declares its pass pipeline as data (`steps`: `dato-opt` pass
names and the build options each takes), so `dato.build` runs exactly the passes
`dato-opt --pipeline <target>` prints; and it turns the IR those passes produced
into a `TargetModule`, whose surface is the same for every target: call it on
numpy arrays (written in place), `report()`, `project` (a directory or None),
`ir` (the target's lowest IR)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from xdsl.dialects.builtin import ModuleOp

from dato_xdsl.errors import DatoArgumentError, DatoError
from dato_xdsl.targets.host_arrays import out_of_range, stage, written_arguments


@dataclass(frozen=True)
class BuildOptions:
    """What `dato.build` passes on besides the program. A pass option with the
    same name as one of these fields takes its value (see `Step`)."""

    device: str = "npu1"
    project: Path | None = None
    mode: str | None = None
    bundle: str = ""
    """`dato-mapping-primitives` bundles: `"a_0,a_1;b_0,b_1"`"""
    chain: str = ""
    """`dato-mapping-primitives` chains, spelled like `bundle`"""


@dataclass(frozen=True)
class Step:
    """One pass of a pipeline: its `dato-opt` name and the `BuildOptions` fields
    it takes as pass options of the same name. An `optional` step runs only when
    one of its options is set (the mapping primitives, when the program asks)."""

    name: str
    options: tuple[str, ...] = ()
    optional: bool = False

    def arguments(self, options: BuildOptions) -> dict[str, Any] | None:
        """The pass options for `options`, or None when the step does not run."""
        values = {name: getattr(options, name) for name in self.options}
        if self.optional and not any(values.values()):
            return None
        return values


DATO_STEPS: tuple[Step, ...] = (
    Step("dato-virtual-map"),
    Step("dato-stream-legality"),
    Step("dato-mapping-primitives", ("bundle", "chain"), optional=True),
)
"""The dato passes every target starts with; their result is a module's `mapped`."""


@dataclass(frozen=True)
class Argument:
    """One array a built module takes: what its caller must pass."""

    name: str
    shape: tuple[int, ...]
    dtype: Any
    """the numpy dtype (or ml_dtypes scalar type) the array must have"""
    dtype_name: str
    """the element type as the program spells it (`int16`, `bfloat16`)"""


@dataclass
class Program:
    """A program on its way through `dato.build`: its IR as the frontend wrote it,
    after the dato passes, and its arguments."""

    module: ModuleOp
    mapped: ModuleOp
    arguments: tuple[Argument, ...]
    params: Sequence[Any] = field(default_factory=list)
    """the frontend's description of the arguments, kept for users"""


class TargetModule(ABC):
    """A Dato program built for one target. `module` is its IR as the frontend
    wrote it (print it for dato-opt), `mapped` the IR after the dato passes, `ir`
    the target's lowest IR. Calling it runs the program on numpy arrays, in place."""

    target: ClassVar[str]

    def __init__(self, program: Program, ir: ModuleOp) -> None:
        self.module = program.module
        self.mapped = program.mapped
        self.params = list(program.params)
        self.arguments = program.arguments
        self.ir = ir
        self._written: set[int] | None = None

    @property
    def project(self) -> Path | None:
        """The directory the target wrote its project to, if it writes one."""
        return None

    @property
    def mlir(self) -> str:
        return str(self.module)

    def __str__(self) -> str:
        return str(self.module)

    def __call__(self, *arrays: Any) -> None:
        checked = self.check_arguments(arrays)
        staged = stage(checked, self.written_arguments)
        self.run(staged.arrays)
        staged.finish()
        _read_wide_unsigned(checked, self.arguments)
        if self.profile:
            print(self.profile_report())

    profile: bool = False
    """set by `dato.build(..., profile=True)`: print `profile_report()` after each call"""

    def profile_report(self) -> str:
        """Per-task times of the last call, each labelled measured or modeled."""
        return f"target '{self.target}' has no per-task times to profile"

    @property
    def written_arguments(self) -> set[int]:
        """Indices of the arguments the program writes (outputs)."""
        if self._written is None:
            self._written = written_arguments(self.mapped)
        return self._written

    @abstractmethod
    def run(self, arrays: list[np.ndarray]) -> None:
        """Run on checked arrays; failures are DatoRuntimeErrors."""

    def report(self) -> Any:
        raise DatoError(f"target '{self.target}' has no report(); targets 'aie' and 'hls' do")

    def plot(self, path: str | Path | None = None) -> Path:
        """Draw the design into `path` (SVG, PNG or PDF by its suffix; by default
        a picture in the project directory) and return the file written."""
        raise DatoError(f"target '{self.target}' has no plot(); targets 'aie' and 'hls' do")

    def check_arguments(self, arrays: Sequence[Any]) -> list[np.ndarray]:
        expected = self.arguments
        if len(arrays) != len(expected):
            names = ", ".join(a.name for a in expected)
            raise DatoArgumentError(
                f"the program takes {len(expected)} array(s) ({names}), got {len(arrays)}"
            )
        checked = []
        for a, p in zip(arrays, expected, strict=True):
            if not isinstance(a, np.ndarray):
                raise DatoArgumentError(
                    f"argument '{p.name}' must be a numpy array, got {type(a).__name__}"
                )
            if a.shape != p.shape:
                raise DatoArgumentError(
                    f"argument '{p.name}' has shape {list(a.shape)}, the program declares "
                    f"{list(p.shape)}"
                )
            # a byte-swapped array of the declared type is converted when staged
            if a.dtype != p.dtype and a.dtype.newbyteorder("=") != p.dtype:
                raise DatoArgumentError(
                    f"argument '{p.name}' has dtype {a.dtype}, the program declares {p.dtype_name}"
                )
            if not a.flags.writeable and len(checked) in self.written_arguments:
                raise DatoArgumentError(
                    f"argument '{p.name}' is a read-only array, but the program writes it; "
                    "pass a writeable array (e.g. a.copy())"
                )
            # wide and odd-width integers live in wider host arrays: every target
            # refuses what the declared type cannot hold, rather than each wrapping its own way
            message = out_of_range(a, p.name, p.dtype_name)
            if message is not None:
                raise DatoArgumentError(message)
            checked.append(a)
        return checked


def _read_wide_unsigned(arrays: Sequence[np.ndarray], arguments: Sequence[Argument]) -> None:
    """`UInt(n)` arrays wider than 64 bits are object arrays of Python ints that
    every executor holds as n-bit two's complement (the IR's integers are
    signless); the caller reads them as the unsigned values the type declares."""
    for a, p in zip(arrays, arguments, strict=True):
        if a.dtype == object and p.dtype_name.startswith("uint"):
            mask = (1 << int(p.dtype_name[4:])) - 1
            for index in np.ndindex(a.shape):
                a[index] = int(a[index]) & mask


class Target(ABC):
    """A target: its name, its pipeline after the dato passes, the modes it runs
    in, and how it turns the lowered IR into a module."""

    name: ClassVar[str]
    summary: ClassVar[str]
    steps: ClassVar[tuple[Step, ...]] = ()
    modes: ClassVar[tuple[str, ...]] = ()
    """run modes `dato.build(..., mode=)` accepts; the first is the default"""
    emitter: ClassVar[str | None] = None
    """the `dato-opt -t` target that writes what `build` writes, if any"""

    @abstractmethod
    def build(self, program: Program, ir: ModuleOp, options: BuildOptions) -> TargetModule:
        """The module for `ir`, the result of `steps` on `program.mapped`.
        Errors are DatoErrors (or located diagnostics, which name the op)."""
