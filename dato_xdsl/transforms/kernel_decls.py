"""The declaration record of a kernel a task or a core calls: an external
`func.func private` whose attributes say where its code is.

One record for every kernel, the user's (`dato.ExternalModule`), the kernel
library's (dato_kernels.cc, kernel_library.library_record) and mlir-aie's GEMM
kernels (mm.cc, targets/aie/gemm_kernels.mm_records), so every executor and the
NPU project read the same facts (the project writes each kernel's source and
compile line from its record, and checks each call against it):

    func.func private @vadd(memref<64xi32>, memref<64xi32>, memref<64xi32>)
      attributes {dato.kernel_source = "/abs/vadd_aie.cc",
                  dato.kernel_reference = "/abs/vadd_ref.cc",
                  dato.kernel_inputs = [0, 1], dato.kernel_outputs = [2],
                  dato.kernel_flags = ["-DN=64"],
                  dato.program_bytes = 1024 : i64,
                  dato.kernel_cycles = 1000 : i64}

- `kernel_source`: the code the AIE compiler builds for hardware (AIE API or
  intrinsics allowed);
- `kernel_reference`: plain C++ defining the same `extern "C"` symbol, or a
  numpy function (`python:<module>:<qualname>`, called on numpy arrays over
  the buffers, writing its outputs in place), which the simulator and the
  virtual NPU run;
- `kernel_inputs`, `kernel_outputs`: the arguments the kernel reads and the
  ones it writes (Allo's input_idx/output_idx); an output that is not also an
  input is written whole, every element, without being read;
- `kernel_flags`: extra compiler flags for both builds (`-D`, `-I`);
- `kernel_object`: the object the kernel's source is compiled into on its
  own, by a build.sh line of its own with its flags (mlir-aie's mm.cc, one
  object per block shape); without it the source goes into the object of the
  cores that call it (core_kernels_<n>.cc);
- `program_bytes`: the program-memory estimate the user declared, if any;
- `kernel_cycles`: the AIE core cycles one call takes, as the user declared it
  (the NPU performance model counts it per call; a kernel without it is
  reported there as "undeclared");
- `kernel_macs`, `kernel_mac_type`, `kernel_efficiency`: or the cost as work,
  N multiply-accumulates of that type at e x the device's peak (written by
  the frontend's ExternalModule, read by the NPU performance model)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.dialects import func
from xdsl.dialects.builtin import ArrayAttr, FunctionType, IntegerAttr, StringAttr, i64
from xdsl.ir import Attribute, Block, Operation, SSAValue

from dato_xdsl.diagnostics import op_error

SOURCE = "dato.kernel_source"
REFERENCE = "dato.kernel_reference"
INPUTS = "dato.kernel_inputs"
OUTPUTS = "dato.kernel_outputs"
FLAGS = "dato.kernel_flags"
PROGRAM_BYTES = "dato.program_bytes"
CYCLES = "dato.kernel_cycles"
MACS = "dato.kernel_macs"
"""A cost given as work (`ExternalModule(macs=N)`): the multiply-accumulates one call does."""
MAC_TYPE = "dato.kernel_mac_type"
"""The operand type whose peak MACs per cycle the call runs at (i8, i16, bf16, ...)."""
EFFICIENCY = "dato.kernel_efficiency"
"""The fraction of that peak the kernel reaches (`efficiency=`; 1.0 if not declared)."""
OBJECT = "dato.kernel_object"
PYTHON_REFERENCE = "python:"
"""A reference that is a numpy function: `python:<module>:<qualname>`."""
MLIR_AIE_SOURCE = "mlir-aie:"
"""A source in the user's mlir-aie installation, `mlir-aie:<path>` under its
aie_kernels directory (`mlir-aie:aie2/mm.cc`): build.sh finds it there; the
project holds no copy."""


@dataclass(frozen=True)
class KernelDecl:
    """What a caller and the build need to know about one kernel."""

    symbol: str
    arg_types: tuple[Attribute, ...]
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    source: str | None = None
    reference: str | None = None
    flags: tuple[str, ...] = ()
    program_bytes: int | None = None
    cycles: int | None = None
    object: str | None = None
    """the object its source is compiled into on its own (`mm_16x64x16.o`), or
    None: compiled into its callers' core object"""

    def defines(self) -> list[tuple[str, str]]:
        """Its `-DNAME[=VALUE]` flags as (NAME, VALUE) (VALUE "1" when none is
        given, as the compiler does): the project writes them as #defines
        around a source it includes, or passes them on the compile line."""
        out: list[tuple[str, str]] = []
        for flag in self.flags:
            if flag.startswith("-D"):
                name, _, value = flag[2:].partition("=")
                out.append((name, value or "1"))
        return out

    def call_problem(self, operand_types: Sequence[Attribute]) -> str | None:
        """Why a call with these operand types does not match this record
        (arity, each argument's type), or None when it does."""
        want = self.arg_types
        if len(operand_types) != len(want):
            got = len(operand_types)
            return f"@{self.symbol} takes {len(want)} arguments, the call passes {got}"
        for k, (got, expected) in enumerate(zip(operand_types, want, strict=True)):
            if got != expected:
                return f"@{self.symbol} argument {k} is {expected}, the call passes {got}"
        return None

    def declaration(self) -> func.FuncOp:
        """The `func.func private` carrying this record."""
        op = func.FuncOp.external(self.symbol, list(self.arg_types), [])
        attrs: dict[str, Attribute] = {
            INPUTS: ArrayAttr([IntegerAttr(k, i64) for k in self.inputs]),
            OUTPUTS: ArrayAttr([IntegerAttr(k, i64) for k in self.outputs]),
        }
        if self.source is not None:
            attrs[SOURCE] = StringAttr(self.source)
        if self.reference is not None:
            attrs[REFERENCE] = StringAttr(self.reference)
        if self.flags:
            attrs[FLAGS] = ArrayAttr([StringAttr(f) for f in self.flags])
        if self.program_bytes is not None:
            attrs[PROGRAM_BYTES] = IntegerAttr(self.program_bytes, i64)
        if self.cycles is not None:
            attrs[CYCLES] = IntegerAttr(self.cycles, i64)
        if self.object is not None:
            attrs[OBJECT] = StringAttr(self.object)
        op.attributes.update(attrs)
        return op


def is_kernel_declaration(op: Operation) -> bool:
    return isinstance(op, func.FuncOp) and op.is_declaration and OUTPUTS in op.attributes


def read_declaration(op: func.FuncOp) -> KernelDecl:
    """The record of a declaration `declaration()` wrote (attributes missing:
    None / empty)."""
    ftype = op.function_type
    assert isinstance(ftype, FunctionType)
    attrs = op.attributes

    def text(key: str) -> str | None:
        value = attrs.get(key)
        return value.data if isinstance(value, StringAttr) else None

    def indices(key: str) -> tuple[int, ...]:
        value = attrs.get(key)
        if not isinstance(value, ArrayAttr):
            return ()
        return tuple(v.value.data for v in value.data if isinstance(v, IntegerAttr))

    flags = attrs.get(FLAGS)
    size = attrs.get(PROGRAM_BYTES)
    cycles = attrs.get(CYCLES)
    return KernelDecl(
        symbol=op.sym_name.data,
        arg_types=tuple(ftype.inputs.data),
        inputs=indices(INPUTS),
        outputs=indices(OUTPUTS),
        source=text(SOURCE),
        reference=text(REFERENCE),
        flags=tuple(f.data for f in flags.data if isinstance(f, StringAttr))
        if isinstance(flags, ArrayAttr)
        else (),
        program_bytes=size.value.data if isinstance(size, IntegerAttr) else None,
        cycles=cycles.value.data if isinstance(cycles, IntegerAttr) else None,
        object=text(OBJECT),
    )


def call_access(call: Operation, view: SSAValue) -> tuple[bool, bool, bool] | None:
    """(read, written, overwritten whole) of `view` by an external kernel call,
    from its declaration record; None when `call` is no call of a declared kernel."""
    if not isinstance(call, func.CallOp):
        return None
    decl_op = enclosing_declaration(call, call.callee.root_reference.data)
    if decl_op is None or OUTPUTS not in decl_op.attributes:
        return None
    decl = read_declaration(decl_op)
    positions = [k for k, v in enumerate(call.arguments) if v is view]
    read = any(k in decl.inputs for k in positions)
    written = any(k in decl.outputs for k in positions)
    return read, written, written and not read


def declare_called(source: Operation, target: Block) -> None:
    """Clone into `target` (a device body) the declarations, found in `source`
    (the dato.region), of the kernels the calls under `target` name and
    `target` does not declare yet: a task's external kernel, now called from a
    core, resolves in the device."""
    declared = {op.sym_name.data for op in target.ops if isinstance(op, func.FuncOp)}
    for op in target.walk():
        if not isinstance(op, func.CallOp):
            continue
        name = op.callee.root_reference.data
        decl = find_declaration(source, name) if name not in declared else None
        if decl is None:
            continue
        declared.add(name)
        first = target.first_op
        if first is None:
            target.add_op(decl.clone())
        else:
            target.insert_op_before(decl.clone(), first)


def refuse_external_kernels(region: Operation, target: str) -> None:
    """Refuse, at the call, a task calling a user's external kernel on a target
    that does not build them yet (its C++ reference is not put into that
    target's code)."""
    for op in region.walk():
        if isinstance(op, func.CallOp):
            name = op.callee.root_reference.data
            decl = enclosing_declaration(op, name)
            what = f"external kernel @{name}"
            if decl is not None and decl.attributes.get(SOURCE) is not None:
                what += f" ({decl.attributes[SOURCE].data})"  # type: ignore[attr-defined]
            raise op_error(
                op,
                f"calls the {what}; {target} does not build external kernels yet: run this "
                "program on the simulator or the NPU target (both run its C++ reference)",
            )


def find_declaration(scope: Operation, symbol: str) -> func.FuncOp | None:
    """The `func.func` named `symbol` directly in `scope`'s first block."""
    for region in scope.regions:
        for block in region.blocks:
            for op in block.ops:
                if isinstance(op, func.FuncOp) and op.sym_name.data == symbol:
                    return op
    return None


def enclosing_declaration(op: Operation, symbol: str) -> func.FuncOp | None:
    """The declaration a call inside `op` names: looked up in each enclosing
    scope outwards (a task's region, then the module)."""
    parent = op.parent_op()
    while parent is not None:
        found = find_declaration(parent, symbol)
        if found is not None:
            return found
        parent = parent.parent_op()
    return None


__all__ = [
    "CYCLES",
    "FLAGS",
    "INPUTS",
    "MLIR_AIE_SOURCE",
    "OBJECT",
    "OUTPUTS",
    "PROGRAM_BYTES",
    "PYTHON_REFERENCE",
    "REFERENCE",
    "SOURCE",
    "KernelDecl",
    "call_access",
    "declare_called",
    "enclosing_declaration",
    "find_declaration",
    "is_kernel_declaration",
    "read_declaration",
    "refuse_external_kernels",
]
