"""`dato-npu-kernel-objects`: each core links only the kernels it calls, and
its program size is estimated against the tile's program memory.

After `dato-lower-to-aie` every core that calls kernels links one object, the
whole library (`kernels.o`). This pass:
- gives every library kernel declaration in the device its declaration record
  (kernel_library.library_record: the same record a user's
  dato.ExternalModule carries), so each kernel says what it reads, writes and
  where its code is;
- gives each core that calls kernels an object holding exactly those kernels,
  `link_with = "core_kernels_<n>.o"`, one per distinct set of kernels (cores
  calling the same kernels share it); the NPU project writes its source and
  compile line;
- estimates every core's program size (kernel_library's documented estimate,
  not a measurement), records it as `dato.program_bytes` on the core, and
  refuses a core over the device's program memory with the numbers."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, func
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, StringAttr, i64
from xdsl.ir import Block
from xdsl.passes import ModulePass

from dato_xdsl import devices
from dato_xdsl.diagnostics import op_error
from dato_xdsl.dialects import aie
from dato_xdsl.transforms.kernel_decls import (
    KernelDecl,
    find_declaration,
    is_kernel_declaration,
)
from dato_xdsl.transforms.kernel_library import (
    BYTES_PER_CORE_OP,
    CORE_BASE_BYTES,
    ENTRY_BYTES,
    EXTERNAL_DEFAULT_BYTES,
    declared_record,
    library_record,
    parse,
)

OBJECT_PREFIX = "core_kernels_"
LIBRARY_OBJECT = "kernels.o"
"""What dato-lower-to-aie links: the whole library (lower_to_aie.KERNEL_OBJECT)."""
PROGRAM_BYTES = "dato.program_bytes"


@dataclass(frozen=True)
class ProgramEstimate:
    """One core's estimated program size (bytes), part by part."""

    core_ops: int
    kernels: tuple[tuple[str, int, bool], ...]
    """(symbol, bytes, declared: False when an external kernel gave no size)"""

    @property
    def core_bytes(self) -> int:
        return CORE_BASE_BYTES + BYTES_PER_CORE_OP * self.core_ops

    @property
    def total(self) -> int:
        return self.core_bytes + sum(b for _, b, _ in self.kernels)

    def describe(self) -> str:
        parts = [f"core code {self.core_bytes} B ({self.core_ops} ops)"]
        for name, size, declared in self.kernels:
            parts.append(f"@{name} {size} B{'' if declared else ' (undeclared, assumed)'}")
        return ", ".join(parts)


def called_kernels(core: aie.CoreOp) -> list[str]:
    """The functions a core calls, in first-call order."""
    names: list[str] = []
    for op in core.walk():
        if isinstance(op, func.CallOp):
            name = op.callee.root_reference.data
            if name not in names:
                names.append(name)
    return names


def kernel_record(device_body: Block, symbol: str) -> KernelDecl | None:
    for op in device_body.ops:
        if isinstance(op, func.FuncOp) and op.sym_name.data == symbol:
            return declared_record(op)
    return None


def estimate(core: aie.CoreOp, device_body: Block) -> ProgramEstimate:
    # constants become immediates of the instructions that use them
    ops = sum(1 for op in core.walk() if op is not core and not isinstance(op, arith.ConstantOp))
    kernels: list[tuple[str, int, bool]] = []
    compiled: set[tuple[str, str]] = set()
    for name in called_kernels(core):
        record = kernel_record(device_body, name)
        size = record.program_bytes if record is not None else None
        lib = parse(name)
        if lib is not None:
            # entries of one library function (other shapes) share its code:
            # a second one adds only its thin wrapper
            if (lib.kind, lib.type_key) in compiled:
                size = ENTRY_BYTES
            compiled.add((lib.kind, lib.type_key))
        kernels.append(
            (name, size if size is not None else EXTERNAL_DEFAULT_BYTES, size is not None)
        )
    return ProgramEstimate(ops, tuple(kernels))


def _tile(core: aie.CoreOp) -> tuple[int, int]:
    tile = core.tile.owner
    assert isinstance(tile, aie.TileOp)
    return tile.col.value.data, tile.row.value.data


def kernel_objects(device_op: aie.DeviceOp) -> None:
    body = device_op.body.block
    for op in list(body.ops):
        if isinstance(op, func.FuncOp) and op.is_declaration and not is_kernel_declaration(op):
            record = library_record(op.sym_name.data, tuple(op.function_type.inputs.data))
            if record is not None:
                op.attributes.update(record.declaration().attributes)
    device = devices.by_code(device_op.device.value.data)
    limit = device.compute.program_memory_bytes if device is not None else 0
    objects: dict[tuple[str, ...], str] = {}
    for core in [op for op in body.ops if isinstance(op, aie.CoreOp)]:
        called = called_kernels(core)
        linked = core.link_with.data if core.link_with is not None else None
        missing = [n for n in called if find_declaration(device_op, n) is None]
        if missing:
            raise op_error(core, f"calls @{missing[0]}, which the device does not declare")
        # a core linking an object of its own (mlir-aie's mm.o, a user's) keeps it;
        # every core, kernels or not, is estimated: unrolled scalar code fills memory too
        if called and linked in (None, LIBRARY_OBJECT):
            key = tuple(sorted(called))
            name = objects.setdefault(key, f"{OBJECT_PREFIX}{len(objects)}.o")
            core.properties["link_with"] = StringAttr(name)
        program = estimate(core, body)
        core.attributes[PROGRAM_BYTES] = IntegerAttr(program.total, i64)
        if limit and program.total > limit:
            col, row = _tile(core)
            raise op_error(
                core,
                f"core ({col}, {row}) needs an estimated {program.total} bytes of program "
                f"memory ({program.describe()}), over the {limit}-byte program memory of a "
                f"compute tile [AM020]; the estimate is kernel_library's (x86-64 g++ -Os "
                "sizes scaled, not a Peano measurement); give its kernels to more cores or "
                "declare a smaller program_bytes for an external kernel if you measured one",
            )


class NpuKernelObjectsPass(ModulePass):
    """Link each core with only the kernels it calls (an object per distinct
    kernel set, `core_kernels_<n>.o`), give library kernel declarations their
    record, and estimate each core's program size against the tile's program
    memory (an estimate; refused with the numbers when over)."""

    name = "dato-npu-kernel-objects"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for device_op in [d for d in op.walk() if isinstance(d, aie.DeviceOp)]:
            kernel_objects(device_op)


__all__ = [
    "NpuKernelObjectsPass",
    "OBJECT_PREFIX",
    "PROGRAM_BYTES",
    "ProgramEstimate",
    "called_kernels",
    "estimate",
    "kernel_objects",
    "kernel_record",
]
