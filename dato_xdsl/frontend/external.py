"""External kernels: C++ functions a task body calls (Allo's ExternalModule).

    vadd = dato.ExternalModule(
        top="vadd",                      # its extern "C" symbol
        impl_path="vadd_aie.cc",         # the source hardware builds compile (AIE API allowed)
        args=[int32[64], int32[64], int32[64]],
        output_idx=[2],                  # the arguments it writes (Allo: input_idx/output_idx)
        reference="vadd_ref.cc",         # plain C++, same symbol (or a module-level numpy
                                         # function): what the simulator and the virtual NPU run
        cycles=100,                      # optional: AIE cycles per call, for the NPU
    )                                    # performance model

or, instead of `cycles=`, the work of one call in multiply-accumulates:

        macs=64 * 64 * 64,               # MACs per call
        efficiency=0.5,                  # optional (default 1): the fraction of the
                                         # core's peak MACs/cycle the kernel reaches
                                         # (the peak of its first input's element
                                         # type on the device it is built for)

The model then counts macs / (peak x efficiency) cycles per call and counts
its MACs in the utilization.

    @dato.kernel(mapping=[1])
    def core(A: int32[64], B: int32[64], C: int32[64]):
        vadd(A, B, C)

Allo reads the argument shapes from the C++ source; here they are declared,
so a call is checked where it is written (arity, shapes, element types) and
the kernel's source need not parse as anything but C++. A call becomes
`func.call @top(...)` of a `func.func private` carrying the kernel's
declaration record (transforms/kernel_decls.py), the same record the NPU
kernel library's kernels carry."""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xdsl.dialects import func, memref
from xdsl.dialects.builtin import (
    DictionaryAttr,
    FloatAttr,
    IntegerAttr,
    ModuleOp,
    StringAttr,
    f64,
    i64,
)
from xdsl.ir import Attribute, SSAValue

from dato_xdsl.diagnostics import op_location
from dato_xdsl.dialects import dato
from dato_xdsl.frontend.errors import DatoError
from dato_xdsl.frontend.types import ArrayType, DType
from dato_xdsl.frontend.values import Array, Scalar
from dato_xdsl.transforms import kernel_decls
from dato_xdsl.transforms.kernel_decls import PYTHON_REFERENCE, KernelDecl, read_declaration
from dato_xdsl.transforms.kernel_library import type_suffix

if TYPE_CHECKING:
    from dato_xdsl.frontend.kernel import KernelCompiler

CALL_RECORD = "dato.external"
"""Set by the frontend on each call until `declare_externals` moves the record
into the declaration (the kernel compiler sees only the task body)."""


class ExternalModule:
    """A C++ kernel a task body may call; see the module docstring."""

    def __init__(
        self,
        top: str,
        impl_path: str | Path,
        args: Sequence[ArrayType | DType],
        output_idx: Sequence[int],
        reference: str | Path | Callable[..., None] | None = None,
        input_idx: Sequence[int] | None = None,
        flags: Sequence[str] = (),
        program_bytes: int | None = None,
        cycles: int | None = None,
        macs: int | None = None,
        efficiency: float = 1.0,
    ) -> None:
        where = _caller()
        if not top.isidentifier():
            raise DatoError(f"{where}: error: ExternalModule top {top!r} is not a C identifier")
        self.top = top
        self.where = where
        self.args = list(args)
        for k, a in enumerate(self.args):
            if not isinstance(a, ArrayType | DType):
                raise DatoError(
                    f"{where}: error: ExternalModule {top}: argument {k} is {a!r}; declare "
                    "each as an array type (int32[64]) or a scalar type (int32)"
                )
            if isinstance(a, ArrayType) and a.layout is not None:
                raise DatoError(
                    f"{where}: error: ExternalModule {top}: argument {k} has a layout; a "
                    "kernel takes the block its caller passes, declare its shape only"
                )
        n = len(self.args)
        outputs = sorted(set(output_idx))
        inputs = sorted(set(input_idx)) if input_idx is not None else None
        for k in [*outputs, *(inputs or [])]:
            if not 0 <= k < n:
                raise DatoError(
                    f"{where}: error: ExternalModule {top}: index {k} is outside its {n} arguments"
                )
        if inputs is not None and sorted({*inputs, *outputs}) != list(range(n)):
            raise DatoError(
                f"{where}: error: ExternalModule {top}: input_idx {inputs} and output_idx "
                f"{outputs} must cover its {n} arguments"
            )
        for k in outputs:
            if not isinstance(self.args[k], ArrayType):
                raise DatoError(
                    f"{where}: error: ExternalModule {top}: output {k} is a scalar; a kernel "
                    "writes its results into arrays"
                )
        self.output_idx = tuple(outputs)
        # Allo's input_idx/output_idx: an index in both is read and written
        # (an accumulator); without input_idx, every non-output is an input
        self.input_idx = tuple(
            inputs if inputs is not None else [k for k in range(n) if k not in outputs]
        )
        base = Path(where.rsplit(":", 1)[0]).parent if ":" in where else Path.cwd()
        self.impl_path = _existing(base, impl_path, top, "impl_path", where)
        self.reference: Path | str | None = None
        if callable(reference):
            self.reference = _python_reference(reference, top, where)
        elif reference is not None:
            self.reference = _existing(base, reference, top, "reference", where)
        for flag in flags:
            if not (flag.startswith("-D") and flag[2:].partition("=")[0].isidentifier()):
                raise DatoError(
                    f"{where}: error: ExternalModule {top}: flag {flag!r} is not -DNAME[=VALUE]; "
                    "a kernel's flags are macro definitions (its headers are found beside it)"
                )
        self.flags = tuple(flags)
        self.program_bytes = program_bytes
        # cycles per call, for the NPU performance model (a user's kernel is
        # opaque to it); bool is an int subclass, so refuse it by name
        if cycles is not None and (
            isinstance(cycles, bool) or not isinstance(cycles, int) or cycles < 0
        ):
            raise DatoError(
                f"{where}: error: ExternalModule {top}: cycles={cycles!r} must be a "
                "non-negative int (AIE core cycles one call takes)"
            )
        self.cycles = cycles
        self.macs, self.efficiency, self.mac_type = self._mac_cost(macs, efficiency)

    def _mac_cost(self, macs: object, efficiency: object) -> tuple[int | None, float, str | None]:
        """(MACs per call, fraction of peak, the MAC type) of `macs=`: the type is
        that of the first input array (its peak is what the kernel runs at)."""
        top, where = self.top, self.where
        if macs is None:
            if efficiency != 1.0:
                raise DatoError(
                    f"{where}: error: ExternalModule {top}: efficiency= applies to macs=; "
                    "declare the MACs of one call too"
                )
            return None, 1.0, None
        if isinstance(macs, bool) or not isinstance(macs, int) or macs < 0:
            raise DatoError(
                f"{where}: error: ExternalModule {top}: macs={macs!r} must be a non-negative "
                "int (the multiply-accumulates one call does)"
            )
        if self.cycles is not None:
            raise DatoError(
                f"{where}: error: ExternalModule {top}: declare its cost as cycles= or as "
                "macs=, not both"
            )
        if (
            isinstance(efficiency, bool)
            or not isinstance(efficiency, int | float)
            or not 0.0 < efficiency <= 1.0
        ):
            raise DatoError(
                f"{where}: error: ExternalModule {top}: efficiency={efficiency!r} must be a "
                "number in (0, 1] (the fraction of the core's peak MACs per cycle it reaches)"
            )
        first = next(
            (self.args[k] for k in self.input_idx if isinstance(self.args[k], ArrayType)), None
        )
        if not isinstance(first, ArrayType):
            raise DatoError(
                f"{where}: error: ExternalModule {top}: macs= counts MACs at the peak of its "
                "first input array's element type, and it has no input array"
            )
        try:
            dtype = type_suffix(first.memref.element_type)
        except ValueError:
            raise DatoError(
                f"{where}: error: ExternalModule {top}: macs= counts MACs at the peak of its "
                f"first input array's element type, {first.dtype.name}, which has no MAC rate"
            ) from None
        return macs, float(efficiency), dtype

    def declaration_attributes(self) -> dict[str, Attribute]:
        """The attributes of its declaration: the shared record, and the MAC
        cost the NPU performance model reads (`macs=`)."""
        attrs = dict(self.record().declaration().attributes)
        if self.macs is not None and self.mac_type is not None:
            attrs[kernel_decls.MACS] = IntegerAttr(self.macs, i64)
            attrs[kernel_decls.MAC_TYPE] = StringAttr(self.mac_type)
            attrs[kernel_decls.EFFICIENCY] = FloatAttr(self.efficiency, f64)
        return attrs

    def record(self) -> KernelDecl:
        return KernelDecl(
            symbol=self.top,
            arg_types=tuple(_ir_type(a) for a in self.args),
            inputs=self.input_idx,
            outputs=self.output_idx,
            source=str(self.impl_path),
            reference=None if self.reference is None else str(self.reference),
            flags=self.flags,
            program_bytes=self.program_bytes,
            cycles=self.cycles,
        )

    def __call__(self, *args: Any) -> None:
        raise DatoError(
            f"ExternalModule {self.top} runs inside a dato kernel only (declared at {self.where})"
        )

    def __repr__(self) -> str:
        return f"ExternalModule({self.top!r})"


def _caller() -> str:
    """file:line of the user's ExternalModule(...) (the frame outside this module)."""
    frame = inspect.currentframe()
    while frame is not None and frame.f_code.co_filename == __file__:
        frame = frame.f_back
    if frame is None:
        return "<unknown>"
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


def _existing(base: Path, path: str | Path, top: str, what: str, where: str) -> Path:
    """`path` as given, else relative to the declaring file's directory."""
    given = Path(path)
    for candidate in (given, base / given):
        if candidate.is_file():
            return candidate.resolve()
    raise DatoError(f"{where}: error: ExternalModule {top}: {what} {str(path)!r} not found")


def _python_reference(fn: Callable[..., None], top: str, where: str) -> str:
    """`python:<module>:<qualname>` for a numpy reference: executors import it
    by name, so it must be a module-level function of an importable module."""
    module = getattr(fn, "__module__", None)
    qualname = getattr(fn, "__qualname__", "")
    if module is None or not qualname or "<locals>" in qualname or "<lambda>" in qualname:
        raise DatoError(
            f"{where}: error: ExternalModule {top}: a numpy reference must be a module-level "
            f"function (the simulator and the virtual NPU import it by name), got {fn!r}"
        )
    return f"{PYTHON_REFERENCE}{module}:{qualname}"


def _ir_type(a: ArrayType | DType) -> Attribute:
    return a.memref if isinstance(a, ArrayType) else a.storage.ir


def _describe(a: ArrayType | DType) -> str:
    if isinstance(a, ArrayType):
        return f"{a.dtype.name}{list(a.shape)}"
    return a.name


def external_call(compiler: KernelCompiler, kernel: ExternalModule, node: ast.Call) -> None:
    """`kernel(a, b, ...)` in a task body: checked against the declaration,
    then a `func.call`. A strided slice is copied to a contiguous local for the
    call (a kernel gets a bare pointer) and, if written, copied back."""
    if node.keywords:
        raise compiler.fail(
            f"{kernel.top}() takes its arguments by position, got keyword '{node.keywords[0].arg}'"
        )
    declared = kernel.args
    if len(node.args) != len(declared):
        raise compiler.fail(
            f"{kernel.top}() takes {len(declared)} arguments "
            f"({', '.join(_describe(a) for a in declared)}), got {len(node.args)}"
        )
    operands: list[SSAValue] = []
    write_back: list[tuple[SSAValue, SSAValue]] = []
    for k, (arg_node, want) in enumerate(zip(node.args, declared, strict=True)):
        with compiler.at(arg_node):
            value = compiler.expr(arg_node)
            if isinstance(want, ArrayType):
                if not isinstance(value, Array):
                    raise compiler.fail(
                        f"{kernel.top}() argument {k} is {_describe(want)}, got "
                        f"{compiler.describe(value)}"
                    )
                if value.shape != want.shape or value.dtype.storage != want.dtype.storage:
                    raise compiler.fail(
                        f"{kernel.top}() argument {k} is {_describe(want)}, got "
                        f"{value.dtype.name}{list(value.shape)}"
                    )
                ssa = value.value
                if not value.is_contiguous:
                    local = compiler.alloc(list(want.shape), want.dtype)
                    if k in kernel.input_idx:
                        compiler.emit(memref.CopyOp(ssa, local.value))
                    if k in kernel.output_idx:
                        write_back.append((local.value, ssa))
                    ssa = local.value
                operands.append(ssa)
            else:
                if isinstance(value, Array) or not isinstance(value, Scalar | int | float | bool):
                    raise compiler.fail(
                        f"{kernel.top}() argument {k} is a {want.name} scalar, got "
                        f"{compiler.describe(value)}"
                    )
                if isinstance(value, Scalar) and value.dtype is not None:
                    if value.dtype.storage != want.storage:
                        raise compiler.fail(
                            f"{kernel.top}() argument {k} is a {want.name} scalar, got a "
                            f"{value.dtype.name}"
                        )
                    operands.append(value.value)
                else:
                    operands.append(compiler.arith.cast(compiler.scalar(value, want), want).value)
    # the check every kernel call goes through, the library's and mlir-aie's in
    # the NPU project too (KernelDecl.call_problem): what the call passes is
    # the record's argument types, which its declaration will carry
    problem = kernel.record().call_problem([v.type for v in operands])
    if problem is not None:
        raise compiler.fail(f"{problem} (ExternalModule declared at {kernel.where})")
    call = func.CallOp(kernel.top, operands, [])
    call.attributes[CALL_RECORD] = DictionaryAttr(kernel.declaration_attributes())
    compiler.emit(call)
    for local, target in write_back:
        compiler.emit(memref.CopyOp(local, target))


def declare_externals(module: ModuleOp) -> None:
    """Put one declaration per called kernel in each `dato.region` that calls
    it (a region is the symbol table its tasks' calls resolve in), from the
    record the calls carry."""
    for region in [op for op in module.walk() if isinstance(op, dato.RegionOp)]:
        called: dict[str, func.FuncOp] = {}
        for op in region.walk():
            if not (isinstance(op, func.CallOp) and CALL_RECORD in op.attributes):
                continue
            record = op.attributes.pop(CALL_RECORD)
            assert isinstance(record, DictionaryAttr)
            name = op.callee.root_reference.data
            decl = func.FuncOp.external(name, [v.type for v in op.arguments], [])
            decl.attributes.update(record.data)
            decl.location = op.location
            known = called.setdefault(name, decl)
            if read_declaration(known) != read_declaration(decl) or dict(known.attributes) != dict(
                decl.attributes
            ):
                raise DatoError(
                    f"{op_location(op)}: error: two different ExternalModules are named {name}"
                )
        for decl in called.values():
            first = region.body.block.first_op
            if first is None:
                region.body.block.add_op(decl)
            else:
                region.body.block.insert_op_before(decl, first)


__all__ = ["ExternalModule", "declare_externals", "external_call"]
