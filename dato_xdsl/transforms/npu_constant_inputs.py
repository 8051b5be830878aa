"""`dato-npu-constant-inputs`: a constant table too big for a compute tile
becomes a read-only host input of the region, which the aie target supplies.

`W0: f32[256, 128] = np_W0` in a task (Allo's way of giving a layer its
weights) is a constant table (constant_tables: an allocation carrying its
values as `dato.constant`, then the stores filling it). The NPU lowering keeps
a table as an initialised `aie.buffer` in the core's tile, so a table larger
than the tile's data memory less the stack (NpuDevice.tile_budget: 63 KiB on
npu1) can never map, and physical mapping refuses the task.

Where such a table can live instead:
- on a memtile (512 KiB on npu1): mlir-aie does initialise an `aie.buffer`
  on a memtile from its dense value (the CDO writes it at load time,
  test/Targets/AIETargetCDODirect/initbuffer_fp32.mlir), but a core cannot
  load from a memtile; the values would reach it only through memtile DMA
  buffer descriptors over that buffer (`aie.memtile_dma` chains), a lowering
  path of its own beside the objectfifos the NPU lowering builds, and still
  bounded by 512 KiB;
- in host memory, as one more argument of the runtime sequence: the arrays a
  design reads already come from there, in blocks or by rows
  (dato-npu-read-boxes, dato-npu-stream-reads), through shim DMAs and
  memtiles. A table is then an input like any other, and the whole transfer
  machinery (block boxes, cuts across cores, row streaming, memtile
  distribution, buffer packing) applies unchanged, at any size.

So this pass takes the second route. While the tables of a group body
together take more bytes than the budget (the task cannot keep them all in
its tile, whatever else the later passes move; a group holding tables is
never cut across cores, the retiling passes leave it whole), its largest
table whose element type a DMA moves (8, 16 or 32-bit integers, f32, bf16) and
whose uses other than its fill only read it (loads, the source of a copy, a
linalg input, a put) becomes a new argument of the region (appended, named
after the table) bound to the group with offset 0 in every instance, and a
new argument of the group body replacing the table; the allocation and its
fill go. The region records its compiler-supplied arguments as
`dato.constant_args = array<i64: k, ...>`, the module their values as
`dato.constant_values = [[k, dense<...>], ...]`: the aie target's host side
(targets/aie/project.py: design_layout; host_layout.py) appends those values
to the user's arrays as the buffers of those arguments, in the virtual NPU
run and in the project's run.py alike, so the user's call is unchanged.

A rank-2 table the task reads column after column (every load's column
index the induction variable of one top-level loop, as in an
output-stationary `for j: for k: y[j] += x[k] * W[k, j]`) goes to the host
transposed, the loads' indices swapped: its values are known here, so the
task then reads rows, which dato-npu-stream-reads streams; read as written,
the whole table (or the share a cut across cores leaves each) would have to
sit in the tile.

A table of 8 or 16-bit elements whose rows are not whole 32-bit words
(int8[300, 250]) goes to the host with each row zero-padded to whole words
(int8[300, 252]) when the task only loads from it: the loads stay inside the
first columns, and rows of whole words are what the DMAs move and what
dato-npu-stream-reads streams.

The table is never written after its fill (the frontend refuses writes to
it), so reading the host copy reads the same values. Smaller tables stay in
the tile, where they cost no transfer. The aie target runs this after
dato-table-copy-elision (so a local copied from a table is the table) and
before dato-npu-read-boxes and dato-npu-stream-reads, which then stream the
new argument to the core by rows when the task reads it row after row."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from xdsl.context import Context
from xdsl.dialects import memref, scf
from xdsl.dialects.builtin import (
    ArrayAttr,
    BFloat16Type,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    Float32Type,
    IntegerAttr,
    IntegerType,
    MemRefType,
    ModuleOp,
    TensorType,
    i64,
)
from xdsl.ir import Attribute, Block, Operation
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter

from dato_xdsl import devices
from dato_xdsl.dialects import dato
from dato_xdsl.transforms.constant_tables import is_table_fill, table_values
from dato_xdsl.transforms.table_copy_elision import reads_only

CONSTANT_ARGS = "dato.constant_args"
"""On a dato.region: the indices of its compiler-supplied arguments."""

CONSTANT_VALUES = "dato.constant_values"
"""On the module: [[argument index, dense values], ...] of those arguments."""


def _movable(t: Attribute) -> bool:
    """An element type host transfers move as it is (whole bytes, at most a
    32-bit DMA word, and one the host holds arrays of)."""
    if isinstance(t, IntegerType):
        return t.width.data in (8, 16, 32)
    return isinstance(t, Float32Type | BFloat16Type)


def _bits(t: Attribute) -> int:
    if isinstance(t, IntegerType):
        return t.width.data
    return 16 if isinstance(t, BFloat16Type) else 32


def table_bytes(t: MemRefType) -> int:
    return math.prod(t.get_shape()) * _bits(t.element_type) // 8


def hostable(alloc: memref.AllocOp | memref.AllocaOp) -> bool:
    """`alloc` is a table the host can supply: its element type a DMA moves,
    only read after its fill."""
    t = alloc.memref.type
    if table_values(alloc) is None or not isinstance(t, MemRefType):
        return False
    if not _movable(t.element_type):
        return False
    return all(is_table_fill(u.operation) or reads_only(u) for u in alloc.memref.uses)


def chosen_tables(group: dato.GroupOp, budget: int) -> list[memref.AllocOp | memref.AllocaOp]:
    """The tables of `group` to host: while its tables together take more than
    `budget` bytes (the task cannot map with them all in its tile, whatever
    else moves), the largest hostable one, in body order."""
    tables = [
        op
        for op in group.body.walk()
        if isinstance(op, memref.AllocOp | memref.AllocaOp) and table_values(op) is not None
    ]
    sizes = {op: table_bytes(cast(MemRefType, op.memref.type)) for op in tables}
    total = sum(sizes.values())
    chosen: set[Operation] = set()
    for op in sorted((t for t in tables if hostable(t)), key=lambda t: -sizes[t]):
        if total <= budget:
            break
        chosen.add(op)
        total -= sizes[op]
    return [op for op in tables if op in chosen]


def column_order(alloc: memref.AllocOp | memref.AllocaOp, body: Block) -> bool:
    """The rank-2 table is only loaded from, inside one top-level loop of
    `body` whose induction variable is every load's column index and no
    load's row index: the task reads it column after column (`for j: ...
    T[k, j]`, an output-stationary product), which its transpose turns into
    row after row."""
    t = alloc.memref.type
    if not isinstance(t, MemRefType) or len(t.get_shape()) != 2:
        return False
    loads = [u.operation for u in alloc.memref.uses if not is_table_fill(u.operation)]
    if not loads or not all(isinstance(op, memref.LoadOp) for op in loads):
        return False
    tops = {body.find_ancestor_op_in_block(op) for op in loads}
    if len(tops) != 1:
        return False
    (top,) = tops
    if not isinstance(top, scf.ForOp):
        return False
    iv = top.body.block.args[0]
    return all(
        isinstance(op, memref.LoadOp) and op.indices[1] is iv and op.indices[0] is not iv
        for op in loads
    )


def transposed(values: DenseIntOrFPElementsAttr) -> DenseIntOrFPElementsAttr:
    rows, cols = values.get_shape()
    flat = list(values.get_values())
    data = [flat[r * cols + c] for c in range(cols) for r in range(rows)]
    return DenseIntOrFPElementsAttr.from_list(
        TensorType(values.get_element_type(), [cols, rows]), data
    )


WORD_BITS = 32
"""A DMA moves whole 32-bit words."""


def word_rows(alloc: memref.AllocOp | memref.AllocaOp, t: MemRefType) -> int | None:
    """The row length, in elements, that makes the rows of `t` (8 or 16-bit
    elements) whole 32-bit words, when they are not and the table is only
    loaded from (the loads stay inside the first columns); None otherwise."""
    if not t.get_shape():
        return None
    per_word = WORD_BITS // _bits(t.element_type)
    width = t.get_shape()[-1]
    if width % per_word == 0:
        return None
    uses = [u.operation for u in alloc.memref.uses if not is_table_fill(u.operation)]
    if not all(isinstance(op, memref.LoadOp) for op in uses):
        return None
    return -(-width // per_word) * per_word


def padded(values: DenseIntOrFPElementsAttr, width: int) -> DenseIntOrFPElementsAttr:
    """`values` with each row zero-padded to `width` elements."""
    shape = values.get_shape()
    old = shape[-1]
    flat = list(values.get_values())
    data: list[int | float] = []
    for r in range(len(flat) // old):
        data += flat[r * old : (r + 1) * old] + [0] * (width - old)
    return DenseIntOrFPElementsAttr.from_list(
        TensorType(values.get_element_type(), [*shape[:-1], width]), data
    )


def _fresh(name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    k = 1
    while f"{name}_{k}" in taken:
        k += 1
    return f"{name}_{k}"


def host_tables(
    region: dato.RegionOp, group: dato.GroupOp, budget: int
) -> list[tuple[int, DenseIntOrFPElementsAttr]]:
    """Make each hostable table of `group` an argument of `region`; return
    the new arguments' indices and values."""
    tables = chosen_tables(group, budget)
    if not tables:
        return []
    body = group.body.block
    outer = region.body.block
    taken = set(region.arg_names())
    added: list[int] = []
    hosted: list[tuple[int, DenseIntOrFPElementsAttr]] = []
    for alloc in tables:
        values = table_values(alloc)
        assert values is not None
        t = alloc.memref.type
        assert isinstance(t, MemRefType)
        flip = column_order(alloc, body)
        if flip:  # the host holds the transpose; the loads swap their indices
            values = transposed(values)
            t = MemRefType(t.element_type, list(reversed(t.get_shape())))
            for use in list(alloc.memref.uses):
                load = use.operation
                if isinstance(load, memref.LoadOp):
                    swapped = memref.LoadOp.get(alloc.memref, list(reversed(load.indices)))
                    swapped.attributes.update(load.attributes)
                    Rewriter.replace_op(load, swapped)
        width = word_rows(alloc, t)
        if width is not None:  # rows of whole DMA words: zeros the task never reads
            values = padded(values, width)
            t = MemRefType(t.element_type, [*t.get_shape()[:-1], width])
        name = _fresh(alloc.memref.name_hint or "table", taken)
        taken.add(name)
        host = outer.insert_arg(t, len(outer.args))
        host.name_hint = name
        inner = body.insert_arg(t, len(body.args))
        inner.name_hint = alloc.memref.name_hint
        for use in list(alloc.memref.uses):
            if is_table_fill(use.operation):
                use.operation.detach()
                use.operation.erase()
        for use in list(alloc.memref.uses):
            use.operation.operands[use.index] = inner
        alloc.detach()
        alloc.erase()
        added.append(host.index)
        hosted.append((host.index, values))
    rows = []
    for inst in group.instances():
        zeros = [tuple(0 for _ in outer.args[k].type.get_shape()) for k in added]  # type: ignore[attr-defined]
        rows.append((inst.pid, [*inst.offsets, *zeros], list(inst.bindings)))
    new = dato.GroupOp(
        group.sym_name.data,
        group.task.data,
        group.grid_shape,
        [*group.args, *(outer.args[k] for k in added)],
        group.port_names,
        rows,
        group.body.detach_block(0),
    )
    new.attributes.update(group.attributes)
    new.location = group.location
    outer.insert_op_before(new, group)
    group.detach()
    group.erase()
    return hosted


def tables_to_host(region: dato.RegionOp, budget: int) -> dict[int, DenseIntOrFPElementsAttr]:
    """Host every hostable table of `region`'s groups: argument index -> values."""
    values: dict[int, DenseIntOrFPElementsAttr] = {}
    for group in list(region.groups()):
        values.update(host_tables(region, group, budget))
    if values:
        old = region.attributes.get(CONSTANT_ARGS)
        prior = [int(v) for v in old.get_values()] if isinstance(old, DenseArrayBase) else []
        region.attributes[CONSTANT_ARGS] = DenseArrayBase.from_list(i64, [*prior, *values])
    return values


def read_constant_values(module: Operation) -> dict[int, DenseIntOrFPElementsAttr]:
    """Argument index -> values of the compiler-supplied arguments (empty when
    the pass hosted no table)."""
    attr = module.attributes.get(CONSTANT_VALUES)
    out: dict[int, DenseIntOrFPElementsAttr] = {}
    if not isinstance(attr, ArrayAttr):
        return out
    for entry in attr.data:
        assert isinstance(entry, ArrayAttr)
        index, values = entry.data
        assert isinstance(index, IntegerAttr) and isinstance(values, DenseIntOrFPElementsAttr)
        out[index.value.data] = values
    return out


@dataclass(frozen=True)
class NpuConstantInputsPass(ModulePass):
    """Supply constant tables too big for a compute tile from the host: each
    becomes a read-only region argument whose values the aie target passes
    at run time, transposed when the task reads it by columns."""

    name = "dato-npu-constant-inputs"

    device: str = "npu1"
    budget: int = -1
    """Bytes a table may take and stay in the tile; -1: the device's
    compute tile data memory less the core's stack (NpuDevice.tile_budget)."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        budget = self.budget
        if budget < 0:
            model = devices.lookup(self.device)
            if model is None:
                return  # dato-physical-map names the unknown device
            budget = model.tile_budget
        entries = list(read_constant_values(op).items())
        for region in [o for o in op.walk() if isinstance(o, dato.RegionOp)]:
            entries += tables_to_host(region, budget).items()
        if entries:
            op.attributes[CONSTANT_VALUES] = ArrayAttr(
                ArrayAttr([IntegerAttr(k, i64), v]) for k, v in entries
            )


__all__: Sequence[str] = [
    "CONSTANT_ARGS",
    "CONSTANT_VALUES",
    "NpuConstantInputsPass",
    "host_tables",
    "chosen_tables",
    "hostable",
    "read_constant_values",
    "tables_to_host",
]
