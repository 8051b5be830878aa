"""The NPU design of a bundled GEMM (part of `dato-lower-to-aie`).

A streamed GEMM whose task grid is bundled onto an R x C grid of cores
(npu_transfers.BundledGemm): one A fifo per compute row broadcast along it, one
B fifo per compute column, one C fifo per core; each core loops over its
members, each a K-streamed product into a C block; the runtime sequence feeds
the fifos in the cores' loop order. A GEMM alone in its region with one task per core,
placed as a product, is planned the same way (one member per core) when the
vector design below takes it (plan_one_per_core).

The design is built with xDSL's builders (GemmDesign.run). Alone in its
region it is a device of its own with its runtime sequence; beside other
tasks (which take the general route, npu_lowering, on the cores and shim and
memtile channels it leaves: GemmDesign.usage), its tiles, fifos and cores
join their device and its shim fifos record their transfers for the one
runtime sequence (npu_runtime_sequence). The cores' dato.gemm_design note
says which design and route was taken.

When the operand type has a vector kernel in mlir-aie's aie_kernels mm.cc
(int8, int16, bf16) and the blocks divide into its aie::mmul shape, the
design is the one the vector unit wants (the shape of mlir-aie's
programming_examples/basic/matrix_multiplication/whole_array):
- A, B and C pass through the memtile of their column; the memtile's MM2S
  sends A and B as r x s and s x t blocks (`dimensionsToStream`, 4-D: block
  row, block column, row in block, element), and un-blocks the joined C
  blocks on their way to the shim (the same 4-D walk in reverse), so the
  host arrays stay row-major;
- C is double-buffered (depth 2 on the core and the memtile), so a core
  starts its next block while the last one drains; where C's shim channel
  would hold the cores back, each column's C leaves by two joins, one per
  shim output channel (SPLIT_C_JOINS, Reuse.c_split);
- where the shim would resend A's row block (once per member column) or B's
  column blocks (once per round) and plan_reuse's stated cost says holding
  them pays, the shim sends them once into one memtile object and the
  memtile resends it (objectfifo `repeat_count`);
- the kernels are mm.cc's `zero_<acc>` and `matmul_<in>_<acc>`, accumulating
  in the wide type (int8/int16 -> int32, bf16 -> f32), linked from
  `mm_<m>x<k>x<n>.o` (mm.cc compiled with -D<in>_<acc>_ONLY -DDIM_M/K/N); a C
  of another type is converted from the accumulator once per block.
Otherwise (other types, blocks that do not divide) the cores receive
row-major tiles and call the scalar kernel library (kernels.o)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from xdsl.dialects import arith, builtin, func, memref, scf
from xdsl.dialects.builtin import (
    BFloat16Type,
    Float32Type,
    IndexType,
    IntegerAttr,
    IntegerType,
    MemRefType,
    StringAttr,
    i32,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.utils.exceptions import DiagnosticException

from dato_xdsl import devices
from dato_xdsl.diagnostics import op_error
from dato_xdsl.dialects import aie, aiex, dato
from dato_xdsl.dialects.aie import element_bytes
from dato_xdsl.transforms.aie_core_body import CoreBody
from dato_xdsl.transforms.core_tasks import label_core
from dato_xdsl.transforms.kernel_library import matmul_suffix, type_suffix
from dato_xdsl.transforms.npu_plan import plan_group
from dato_xdsl.transforms.npu_runtime_sequence import _order_props, record_shim_transfer
from dato_xdsl.transforms.npu_transfers import BundledGemm, group_tiles, k_tile_of
from dato_xdsl.transforms.npu_transfers import _route_bundled as route_bundled

KERNEL_OBJECT = "kernels.o"
"""The object the scalar kernel library's entry points are compiled into."""
DESIGN_NOTE = "dato.gemm_design"
"""On each core of a bundled GEMM: which design it got and why (see describe)."""


class Lowering(Protocol):
    """What the design needs of the `dato-lower-to-aie` lowering it is part of."""

    region: dato.RegionOp
    device: devices.NpuDevice

    def fresh(self, name: str) -> str: ...


def _zero(t: Attribute) -> Attribute:
    if isinstance(t, IntegerType):
        return IntegerAttr(0, t)
    return builtin.FloatAttr(0.0, t)  # type: ignore[arg-type]


# The aie::mmul shape (r, s, t) mlir-aie's aie_kernels/<dir>/mm.cc uses per
# operand type (its `combos` table; the same for every accumulator type):
# AIE-ML (aie2) int8 4x8x8, int16 4x4x4, bf16 4x8x4; AIE2P (aie2p) int8 8x8x8,
# int16 4x4x8, bf16 4x8x8 (8x8x8 only with bfp16 emulation, which we do not use).
MMUL_SHAPES: dict[str, dict[str, tuple[int, int, int]]] = {
    "AIE2": {"i8": (4, 8, 8), "i16": (4, 4, 4), "bf16": (4, 8, 4)},
    "AIE2P": {"i8": (8, 8, 8), "i16": (4, 4, 8), "bf16": (4, 8, 8)},
}
KERNEL_DIRS = {"AIE2": "aie2", "AIE2P": "aie2p"}
"""The directory of mlir-aie's aie_kernels holding each architecture's mm.cc."""
WIDE = {"i8": "i32", "i16": "i32", "bf16": "f32"}
"""The accumulator the design asks of mm.cc per operand type (its i8_i32,
i16_i32 and bf16_f32 kernels): products and sums never wrap or round early."""
# What m, k and n must be multiples of (the static_asserts of mm.cc's
# matmul_vectorized_<r>x<s>x<t>_<in>_<acc>: its kernels expand the mmul 2x2 or
# 4x2 in m and n). mlir-aie's releases differ: aie2's older mm.cc asks
# m % 2r, k % 2s, n % 2t of every type, its mm_aie2.h m % 4r for int8 and
# bf16 and n % 4t for bf16; aie2p's mm.cc m % 2r, k % s, n % 2t. We ask what
# every one of them accepts.
BLOCK_MULTIPLES: dict[str, dict[str, tuple[int, int, int]]] = {
    "AIE2": {"i8": (16, 16, 16), "i16": (8, 8, 8), "bf16": (16, 16, 16)},
    "AIE2P": {"i8": (16, 8, 16), "i16": (8, 4, 16), "bf16": (8, 8, 16)},
}


@dataclass(frozen=True)
class VectorGemm:
    """How a bundled GEMM uses mm.cc: its mmul shape, types and kernel names."""

    arch: str
    r: int
    s: int
    t: int
    operand: str
    acc: str

    @property
    def matmul(self) -> str:
        return f"matmul_{self.operand}_{self.acc}"

    @property
    def zero(self) -> str:
        return f"zero_{self.acc}"


def _unsigned(group: dato.GroupOp) -> bool:
    """The group's GEMM multiplies UInt operands widened unsigned."""
    mm = plan_group(group).matmul
    return mm is not None and mm.unsigned


def vector_gemm(
    bg: BundledGemm, region: dato.RegionOp, device: devices.NpuDevice
) -> VectorGemm | str:
    """mm.cc's kernel for this GEMM, or why it has none (type, C type or block
    shape outside what mm.cc provides)."""
    shapes = MMUL_SHAPES.get(device.arch)
    elem = [a.type.element_type for a in region.args]  # type: ignore[attr-defined]
    if shapes is None:
        return f"mlir-aie's mm.cc has no kernels for {device.arch}"
    if elem[bg.a] != elem[bg.b]:
        return f"A is {elem[bg.a]} and B {elem[bg.b]}; mm.cc multiplies one type"
    if _unsigned(bg.group):
        return "mm.cc multiplies signed operands; UInt operands take the library's u8/u16 matmul"
    try:
        operand, out = type_suffix(elem[bg.a]), type_suffix(elem[bg.c])
    except ValueError:
        return f"mm.cc has no kernel for {elem[bg.a]} x {elem[bg.b]} -> {elem[bg.c]}"
    if operand not in shapes:
        return f"mm.cc has no {operand} kernel (it has {', '.join(shapes)})"
    acc = WIDE[operand]
    # a C of another type takes the accumulator converted once per block:
    # narrower integers wrap (as every step wrapping would), bf16 rounds once
    convertible = {"i32": ("i8", "i16", "i32"), "f32": ("bf16", "f32")}[acc]
    if out not in convertible:
        return f"a {out} C is not made from mm.cc's {operand} x {operand} -> {acc} kernel"
    r, s, t = shapes[operand]
    m_step, _, n_step = BLOCK_MULTIPLES[device.arch][operand]
    if bg.m % m_step or bg.n % n_step:
        return (
            f"its {bg.m}x{bg.n} C blocks are not multiples of the {m_step}x{n_step} mm.cc's "
            f"{operand} kernel takes on {device.arch} (aie::mmul<{r}, {s}, {t}>, expanded)"
        )
    return VectorGemm(device.arch, r, s, t, operand, acc)


def fit_vector(
    bg: BundledGemm, region: dato.RegionOp, device: devices.NpuDevice, vec: VectorGemm
) -> BundledGemm | None:
    """The bundled GEMM with the largest K tile the vector design fits
    (a multiple of mm.cc's K step; A, B and C double-buffered on the core
    beside the accumulator a converted C needs, and in the memtiles), C
    joined through the memtiles; None if no K tile fits or a memtile lacks
    the DMA channels (A row fifos it forwards + its B column fifo + one C
    fifo per compute row in; as many + 1 out)."""
    d = device
    elem = [a.type for a in region.args]
    a_b, b_b, c_b = (element_bytes(elem[k]) for k in (bg.a, bg.b, bg.c))  # type: ignore[arg-type]
    convert = type_suffix(elem[bg.c].element_type) != vec.acc  # type: ignore[attr-defined]
    n_rows, n_cols = len(bg.rows), len(bg.cols)
    columns = sorted({*bg.a_columns, *bg.b_columns, *range(n_cols)})
    a_at = {c: bg.a_columns.count(c) for c in columns}
    for c in columns:
        ins = a_at[c] + (c in bg.b_columns) + (n_rows if c < n_cols else 0)
        outs = a_at[c] + (c in bg.b_columns) + (c < n_cols)
        if ins > d.memtile.dma_s2mm_channels or outs > d.memtile.dma_mm2s_channels:
            return None
    budget = d.tile_budget
    step = BLOCK_MULTIPLES[vec.arch][vec.operand][1]
    m, n = bg.m, bg.n
    for kt in sorted((x for x in range(step, bg.k + 1, step) if bg.k % x == 0), reverse=True):
        core = 2 * (m * kt * a_b + kt * n * b_b) + 2 * m * n * c_b + (4 * m * n if convert else 0)
        memtile = [
            a_at[c] * 2 * m * kt * a_b
            + (2 * kt * n * b_b if c in bg.b_columns else 0)
            + (2 * n_rows * m * n * c_b if c < n_cols else 0)
            for c in columns
        ]
        if core <= budget and max(memtile) <= d.memtile.data_memory_bytes:
            return replace(bg, k_tile=kt, c_joined=True)
    return None


SPLIT_C_JOINS = True
"""Whether plan_reuse may send a column's C blocks by two memtile joins, one
per shim output channel (Reuse.c_split), where its stated cost says the
single join's shim channel holds the cores back. The hardware has the
channels: a shim tile has two S2MM channels, each sustaining 4 bytes per
cycle, "a total of up to 8 Gbps read and 8 Gbps write in parallel per
interface tile" (AM020, "Array Interface DMA Memory-Mapped AXI4 Master
Interface"; 2 x 4 bytes per cycle at 1 GHz), and a memtile six MM2S
(AM020, "AIE-ML Memory Tile"), of which this design uses A's + B's + one
per join (checked before the choice is offered). mlir-aie's whole_array
GEMM joins each column's C once (programming_examples/basic/
matrix_multiplication/whole_array: one C_L2L3 fifo per column), which
leaves the second S2MM idle. MODELED: npu2 int8
1024^3 at the type's peak, 49% -> 69% of the array's peak; a design whose C
channel is not the limit keeps one join (ties keep the simpler choice)."""


@dataclass(frozen=True)
class Reuse:
    """How the memtile reuses A and B (an aie.objectfifo `repeat_count`, which
    mlir-aie lowers to the repeat of the memtile's MM2S BD).

    A core's member loop (i outer over p rounds, j inner over q member
    columns, K steps innermost) takes, in one round, the S K tiles of A's row
    block i once per member column: the same S objects `q` times. The shim
    sends that row block once, as one memtile object of S m x k_tile tiles
    (tile after tile), and the memtile resends the whole object `a_repeat` =
    q times; with room for two such objects (`a_depth` 2) the next round's
    row block arrives while this one is resent, else the memtile holds one
    and the cores wait for each refill.

    B's tiles are the same in every round (the q column blocks, S tiles each):
    the shim sends them once, as one memtile object of q x S k_tile x n tiles,
    which the memtile resends `b_repeat` = p times (one object for the whole
    run: one buffer). `*_repeat` 1: the operand passes through as k_tile
    tiles, resent by the shim.

    `c_split` 2: each column's C blocks leave by two memtile joins (the
    first half of the compute rows, the second half), each to its own shim
    output channel, instead of one: half the bytes per channel."""

    a_repeat: int = 1
    a_depth: int = 2
    b_repeat: int = 1
    c_split: int = 1


def plan_reuse(bg: BundledGemm, region: dato.RegionOp, device: devices.NpuDevice) -> Reuse:
    """The reuse of a fitted vector design (fit_vector's K tile, C joined): a
    search over A held or not (two buffers or one) and B held or not, among
    the choices whose memtile buffers fit beside the joined C blocks, for the
    least stated cost, in cycles of one core at the operand type's peak MACs
    per cycle with every shim channel at devices.py's rate:

        max(core + fill + refills, A's shim channel, B's, C's)

    core = p q m n K / peak; a channel = the bytes it moves / shim bytes per
    cycle (A: p q m K per row, p m K when held; B: p q K n per column, q K n
    when held; C: p q m n per core x the column's rows / c_split, with
    c_split 2 only where every memtile has the output channel and the shim
    the second output channel for it); fill = the first
    object the memtile must hold whole before sending (a held A row block,
    the held B); refills = with one A buffer, each later row block (the
    cores wait). Ties keep the simpler choice (nothing held first): holding
    a block only lengthens the fill unless its shim channel was the limit."""
    p, q = len(bg.rows[0]), len(bg.cols[0])
    d = device
    elem = [a.type for a in region.args]
    a_b, b_b, c_b = (element_bytes(elem[k]) for k in (bg.a, bg.b, bg.c))  # type: ignore[arg-type]
    operand = type_suffix(elem[bg.a].element_type)  # type: ignore[attr-defined]
    peak = d.macs_per_cycle.get(operand)
    bw = devices.NPU_DMA_BYTES_PER_CYCLE.get(d.arch, {}).get("shim")
    if peak is None or bw is None:
        return Reuse()
    n_rows, n_cols = len(bg.rows), len(bg.cols)
    m, kt, n, k = bg.m, bg.k_tile, bg.n, bg.k
    columns = sorted({*bg.a_columns, *bg.b_columns, *range(n_cols)})
    choices = [Reuse()]
    a_options = [(q, 2), (q, 1)] if q > 1 else []
    b_options = [p] if p > 1 else []
    choices += [Reuse(a, depth) for a, depth in a_options]
    choices += [Reuse(b_repeat=b) for b in b_options]
    choices += [Reuse(a, depth, b) for a, depth in a_options for b in b_options]
    a_at = {c: bg.a_columns.count(c) for c in columns}
    b_at = {c: bg.b_columns.count(c) for c in columns}
    if (
        SPLIT_C_JOINS
        and n_rows % 2 == 0
        and d.shim.dma_s2mm_channels >= 2
        and all(a_at[c] + b_at[c] + 2 <= d.memtile.dma_mm2s_channels for c in range(n_cols))
    ):
        choices += [replace(c, c_split=2) for c in list(choices)]

    def fits(choice: Reuse) -> bool:
        a_bytes = choice.a_depth * m * k * a_b if choice.a_repeat > 1 else 2 * m * kt * a_b
        b_bytes = q * k * n * b_b if choice.b_repeat > 1 else 2 * kt * n * b_b
        used = [
            bg.a_columns.count(c) * a_bytes
            + bg.b_columns.count(c) * b_bytes
            + (2 * n_rows * m * n * c_b if c < n_cols else 0)
            for c in columns
        ]
        return max(used) <= d.memtile.data_memory_bytes

    def cost(choice: Reuse) -> float:
        a_held, b_held = choice.a_repeat > 1, choice.b_repeat > 1
        core = p * q * m * n * k / peak
        a_shim = (p if a_held else p * q) * m * k * a_b / bw
        b_shim = (q if b_held else p * q) * k * n * b_b / bw
        c_shim = p * q * n_rows // choice.c_split * m * n * c_b / bw
        fill = max(
            (m * k if a_held else m * kt) * a_b / bw,
            (q * k * n if b_held else kt * n) * b_b / bw,
        )
        refills = (p - 1) * m * k * a_b / bw if a_held and choice.a_depth == 1 else 0.0
        return max(core + fill + refills, a_shim, b_shim, c_shim)

    best = Reuse()
    for choice in choices:
        if fits(choice) and cost(choice) < cost(best) - 1e-9:
            best = choice
    return best


def plan_one_per_core(region: dato.RegionOp, device: devices.NpuDevice) -> BundledGemm | None:
    """A K-streamed GEMM with one task per core, placed as a product (every
    task of task row i on one compute row, of task column j on one compute
    column), using no stream, that the vector design takes: its plan as a
    bundled GEMM of one member per core (the region's first such task; its
    other tasks go beside it); None otherwise (the per-task design of
    dato-lower-to-aie stays)."""
    for group in region.groups():
        if not any(isinstance(op, dato.StreamAccess) for op in group.walk()):
            found = _one_per_core(region, device, group)
            if found is not None:
                return found
    return None


def _one_per_core(
    region: dato.RegionOp, device: devices.NpuDevice, group: dato.GroupOp
) -> BundledGemm | None:
    kt = k_tile_of(group)
    tiles = group_tiles(group)
    if kt is None or len(set(tiles)) != len(tiles):
        return None
    if any(t in tiles for g in region.groups() if g is not group for t in group_tiles(g)):
        return None  # a core shared with another task's instance
    mm = plan_group(group).matmul
    if mm is None:
        return None
    row_of: dict[int, int] = {}
    col_of: dict[int, int] = {}
    for inst, (col, row) in zip(group.instances(), tiles, strict=True):
        if len(inst.pid) != 2:
            return None
        i, j = inst.pid
        if row_of.setdefault(i, row) != row or col_of.setdefault(j, col) != col:
            return None
    row_ids, col_ids = sorted(set(row_of.values())), sorted(set(col_of.values()))
    if len(row_ids) != len(row_of) or len(col_ids) != len(col_of):
        return None
    rows = [[i for i, r in row_of.items() if r == row] for row in row_ids]
    cols = [[j for j, c in col_of.items() if c == col] for col in col_ids]
    grid = {(r, c): (col, row) for r, row in enumerate(row_ids) for c, col in enumerate(col_ids)}
    try:
        bg = route_bundled(region, device, group, mm, kt, rows, cols, grid)
    except DiagnosticException:
        return None  # not enough shim channels for this arrangement: the per-task design
    vec = vector_gemm(bg, region, device)
    if not isinstance(vec, VectorGemm) or fit_vector(bg, region, device, vec) is None:
        return None
    return bg


class _Core(CoreBody):
    """Builds one core body: constants, loops, fifo accesses, kernel calls."""

    def __init__(
        self, tile: SSAValue, block: Block, device_body: Block, anchor: Operation, kernels: dict
    ) -> None:
        super().__init__(tile, block, device_body, anchor)
        self.kernels: dict[str, list[Attribute]] = kernels

    def call(self, name: str, operands: list[SSAValue]) -> None:
        types = [v.type for v in operands]
        if self.kernels.setdefault(name, types) != types:
            raise ValueError(f"kernel {name} called with two signatures")
        self.emit(func.CallOp(name, operands, []))

    def loop(self, count: int, body: Callable[[SSAValue], object]) -> None:
        """scf.for over [0, count) (not unrolled)."""
        inner = Block(arg_types=[IndexType()])
        self.emit(scf.ForOp(self.const(0), self.const(count), self.const(1), [], Region(inner)))
        saved = self.block
        self.block = inner
        body(inner.args[0])
        self.emit(scf.YieldOp())
        self.block = saved

    def loops(self, shape: list[int], body: Callable[[list[SSAValue]], object]) -> None:
        def level(k: int, idx: list[SSAValue]) -> None:
            if k == len(shape):
                body(idx)
                return
            self.loop(shape[k], lambda i: level(k + 1, [*idx, i]))

        level(0, [])

    def convert_into(self, acc: SSAValue, out: SSAValue) -> None:
        """out[...] = the accumulator converted to out's type, once, element by
        element (the layout, blocked or not, is the same on both sides)."""
        t = out.type
        assert isinstance(t, MemRefType)

        def one(idx: list[SSAValue]) -> None:
            v = self.emit(memref.LoadOp.get(acc, idx)).results[0]
            if isinstance(t.element_type, IntegerType):
                r = self.emit(arith.TruncIOp(v, t.element_type)).results[0]
            else:
                r = self.emit(arith.TruncFOp(v, t.element_type)).results[0]
            self.emit(memref.StoreOp.get(r, out, idx))

        self.loops(list(t.get_shape()), one)


class _Fabric:
    """The device body being built: tiles by name, objectfifos and links, and
    which fifo plays which part (A, B, C per core, joined C per column; the
    shim's fifos in the runtime sequence's order). Given a device (`into`),
    its tiles are reused and new ops go into its body: new tiles after its
    last tile, fifos and links before its terminator."""

    def __init__(self, into: aie.DeviceOp | None = None) -> None:
        self.body = Block() if into is None else into.body.block
        self.tiles: dict[str, SSAValue] = {}
        self.fifo_ops: dict[str, aie.ObjectFifoCreateOp] = {}
        self.fifos: dict = {"A": [], "B": [], "C": {}, "Cjoin": {}, "A_core": [], "B_core": []}
        self.shim_fifos: list[tuple[str, int, int, bool]] = []  # fifo, arg, shim column, is_read
        self.end: Operation | None = None
        self.last_tile: Operation | None = None
        if into is not None:
            self.end = self.body.last_op
            for op in self.body.ops:
                if isinstance(op, aie.TileOp):
                    self.tiles[_tile_name(op.col_value, op.row_value)] = op.result
                    self.last_tile = op

    def add(self, op: Operation) -> None:
        if self.end is None:
            self.body.add_op(op)
        else:
            self.body.insert_op_before(op, self.end)

    def tile(self, name: str, col: int, row: int) -> None:
        if name in self.tiles:
            return  # the device's own
        op = aie.TileOp(col, row)
        op.result.name_hint = name
        if self.last_tile is not None:
            self.body.insert_op_after(op, self.last_tile)
        elif self.end is not None and self.body.first_op is not None:
            self.body.insert_op_before(op, self.body.first_op)
        else:
            self.body.add_op(op)
        self.last_tile = op
        self.tiles[name] = op.result

    def fifo(
        self,
        name: str,
        producer: str,
        consumers: list[str],
        depth: int | list[int],
        t: MemRefType,
        to_stream: Sequence[tuple[int, int]] = (),
        repeat: int = 1,
    ) -> None:
        """An objectfifo between named tiles; `to_stream` the producer's DMA
        pattern (size, stride) outermost first; `repeat` > 1 the producer
        resends each object that many times."""
        op = aie.ObjectFifoCreateOp(
            name,
            self.tiles[producer],
            [self.tiles[c] for c in consumers],
            depth,
            t,
            [aie.BDDimLayoutAttr(size, stride) for size, stride in to_stream],
        )
        if repeat > 1:
            op.properties["repeat_count"] = IntegerAttr(repeat, i32)
        self.add(op)
        self.fifo_ops[name] = op

    def link(self, ins: list[str], outs: list[str], src: Sequence[int] = ()) -> None:
        self.add(aie.ObjectFifoLinkOp(ins, outs, src, []))


def _tile_name(col: int, row: int) -> str:
    """The name a tile's value carries (the general lowering's too)."""
    if row == 0:
        return f"shim_c{col}"
    if row == 1:
        return f"mem_c{col}"
    return f"core_c{col}_r{row}"


class GemmDesign:
    """The `aie.device` of one bundled GEMM."""

    def __init__(self, lowering: Lowering, bg: BundledGemm) -> None:
        self.lowering = lowering
        self.region = lowering.region
        self.device = lowering.device
        self.bg = bg
        self.kernels: dict[str, list[Attribute]] = {}
        # the region's other tasks, which take the general route beside this design
        self.beside = [g.task.data for g in self.region.groups() if g is not bg.group]
        found = vector_gemm(bg, self.region, self.device)
        self.vector: VectorGemm | None = None
        self.reuse = Reuse()
        self.why_not = found if isinstance(found, str) else ""
        if isinstance(found, VectorGemm):
            fitted = fit_vector(bg, self.region, self.device, found)
            if fitted is None:
                self.why_not = (
                    "no K tile that is a multiple of mm.cc's K step fits a core beside the "
                    "double-buffered C (or a memtile lacks the DMA channels)"
                )
            else:
                self.vector, self.bg = found, fitted
                self.reuse = plan_reuse(fitted, self.region, self.device)

    def fresh(self, name: str) -> str:
        return self.lowering.fresh(name)

    def describe(self) -> str:
        """Which GEMM design this is and why (the performance report shows it)."""
        beside = ""
        if self.beside:
            tasks = ", ".join(f"@{t}" for t in self.beside)
            beside = f"; beside {tasks} (general route, one runtime sequence)"
        return self._design() + beside

    def _design(self) -> str:
        bg, vec = self.bg, self.vector
        if vec is None:
            return f"row-major tiles, scalar kernel library: {self.why_not}"
        reuse = self.reuse
        repeat = (
            f"; A row blocks sent once a round, resent {reuse.a_repeat} times by the "
            f"memtile ({reuse.a_depth} buffered)"
            if reuse.a_repeat > 1
            else ""
        )
        if reuse.b_repeat > 1:
            repeat += f"; B column blocks sent once, resent {reuse.b_repeat} times by the memtile"
        if reuse.c_split > 1:
            repeat += f"; C leaves each column by {reuse.c_split} joins (shim output channels)"
        return (
            f"vector: mm.cc {vec.matmul} on aie::mmul<{vec.r}, {vec.s}, {vec.t}> blocks, "
            f"{bg.m}x{bg.k_tile}x{bg.n} per call, {bg.steps} K steps{repeat}"
        )

    def usage(self) -> dict[int, tuple[int, int, int, int, int]]:
        """Per column the shim and memtile channels and memtile bytes this
        design takes (npu_transfers.ChannelUse), for the general route's
        planner when other tasks share the device."""
        bg = self.bg
        elem = [a.type for a in self.region.args]
        a_b, b_b, c_b = (element_bytes(elem[k]) for k in (bg.a, bg.b, bg.c))  # type: ignore[arg-type]
        n_rows, n_cols = len(bg.rows), len(bg.cols)
        m, kt, n, k = bg.m, bg.k_tile, bg.n, bg.k
        reuse = self.reuse
        out: dict[int, tuple[int, int, int, int, int]] = {}
        for c in sorted({*bg.a_columns, *bg.b_columns, *range(n_cols)}):
            a_at, b_at, joins = bg.a_columns.count(c), bg.b_columns.count(c), c < n_cols
            shim_out = (reuse.c_split if bg.c_joined else n_rows) if joins else 0
            if self.vector is None:  # straight from the shim; C joined by the memtile or not
                mem = (n_rows, 1, n_rows * m * n * c_b) if joins and bg.c_joined else (0, 0, 0)
                out[c] = (a_at + b_at, shim_out, *mem)
                continue
            a_bytes = reuse.a_depth * m * k * a_b if reuse.a_repeat > 1 else 2 * m * kt * a_b
            q = len(bg.cols[0])
            b_bytes = q * k * n * b_b if reuse.b_repeat > 1 else 2 * kt * n * b_b
            mem_bytes = a_at * a_bytes + b_at * b_bytes + (2 * n_rows * m * n * c_b if joins else 0)
            mem_in = a_at + b_at + (n_rows if joins else 0)
            out[c] = (a_at + b_at, shim_out, mem_in, a_at + b_at + shim_out, mem_bytes)
        return out

    @property
    def members(self) -> int:
        """The tasks each core runs in turn."""
        return len(self.bg.rows[0]) * len(self.bg.cols[0])

    @property
    def object_name(self) -> str:
        """The object the vector design's cores link: mlir-aie's whole_array
        example names mm.cc compiled for m x k x n blocks `mm_<m>x<k>x<n>.o`."""
        return f"mm_{self.bg.m}x{self.bg.k_tile}x{self.bg.n}.o"

    def run(self, into: aie.DeviceOp | None = None) -> aie.DeviceOp:
        """Per core one loop over its members, each streaming K through the
        row's A and the column's B fifo. Alone in its region, the design is a
        device of its own with its runtime sequence; beside other tasks
        (`into`: their device, built by the general lowering), its tiles,
        fifos and cores join that device and its shim fifos record their
        transfers for the device's runtime sequence."""
        bg = self.bg
        fabric = _Fabric(into)
        if self.vector:
            self.vector_skeleton(fabric)
        else:
            self.skeleton(fabric)
        fifos = fabric.fifos
        body = fabric.body
        if into is None:
            anchor: Operation = self.sequence(fabric)
            body.add_op(anchor)
            device_op = aie.DeviceOp(self.device.name, body)
        else:
            self.record_transfers(fabric)
            device_op = into
            assert fabric.end is not None
            anchor = fabric.end
        tiles = {
            (op.col.value.data, op.row.value.data): op.result
            for op in body.ops
            if isinstance(op, aie.TileOp)
        }
        mm = plan_group(bg.group).matmul
        assert mm is not None
        c_t = bg.group.body.block.args[mm.c].type
        assert isinstance(c_t, MemRefType)
        members = len(bg.rows[0]) * len(bg.cols[0])
        for (r, c), tile in sorted(bg.tiles.items(), key=lambda kv: kv[1]):
            core_body = Block()
            builder = _Core(tiles[tile], core_body, body, anchor, self.kernels)
            a_fifo, b_fifo, c_fifo = fifos["A"][r], fifos["B"][c], fifos["C"][(r, c)]
            if self.vector is not None:
                a_fifo, b_fifo = fifos["A_core"][r], fifos["B_core"][c]
                self.vector_core(self.vector, builder, c_t, a_fifo, b_fifo, c_fifo, members)
                link = self.object_name
            else:
                self.core(builder, c_t, a_fifo, b_fifo, c_fifo, members)
                link = KERNEL_OBJECT
            core_body.add_op(aie.EndOp())
            core = aie.CoreOp(tiles[tile], Region(core_body), link)
            core.location = bg.group.location
            tasks = [
                inst.name
                for inst in bg.group.instances()
                if inst.pid[0] in bg.rows[r] and inst.pid[1] in bg.cols[c]
            ]
            label_core(core, self.region, tasks)
            core.attributes[DESIGN_NOTE] = StringAttr(self.describe())
            body.insert_op_before(core, anchor)
        first = body.first_op
        assert first is not None
        declared = {op.sym_name.data for op in body.ops if isinstance(op, func.FuncOp)}
        for name, types in self.kernels.items():
            if name not in declared:
                body.insert_op_before(func.FuncOp.external(name, types, []), first)
        return device_op

    # ------------------------------------------------------------ the cores
    def core(
        self,
        core: _Core,
        c_t: MemRefType,
        a_fifo: str,
        b_fifo: str,
        c_fifo: str,
        members: int,
    ) -> None:
        """One loop over the core's members (not unrolled: they differ only in
        the data the fifos bring), each a K-streamed product into a C block."""
        bg = self.bg
        elem = c_t.element_type
        in_elem = self.region.args[bg.a].type.element_type  # type: ignore[attr-defined]
        kt = bg.k_tile
        # bf16 over several K steps: one f32 accumulator per core, rounded once per block
        acc_buffer = None
        if isinstance(elem, BFloat16Type) and bg.steps > 1:
            acc_buffer = core.buffer(MemRefType(Float32Type(), [bg.m, bg.n]))
        acc_elem = acc_buffer.type.element_type if acc_buffer else elem  # type: ignore[attr-defined]
        # mixed: operand_accumulator; u8 / u16 for UInt operands widened unsigned
        unsigned = _unsigned(bg.group)
        matmul = f"dato_matmul_{matmul_suffix(in_elem, acc_elem, unsigned)}_{bg.m}x{kt}x{bg.n}"
        fill = f"dato_fill_{type_suffix(acc_elem)}_{bg.m * bg.n}"

        def zero(acc: SSAValue) -> None:
            core.call(fill, [acc, core.emit(arith.ConstantOp(_zero(acc_elem))).results[0]])

        self.member_loop(core, c_t, (a_fifo, b_fifo, c_fifo), members, acc_buffer, zero, matmul)

    def member_loop(
        self,
        core: _Core,
        c_t: MemRefType,
        fifos: tuple[str, str, str],
        members: int,
        acc_buffer: SSAValue | None,
        zero: Callable[[SSAValue], None],
        matmul: str,
    ) -> None:
        """Per member: take a C block, zero the accumulator (C itself or
        `acc_buffer`), add A x B of each K step into it, convert the
        accumulator into C when it is a separate buffer, hand C on."""
        bg = self.bg
        a_fifo, b_fifo, c_fifo = fifos
        in_elem = self.region.args[bg.a].type.element_type  # type: ignore[attr-defined]

        def member(_: SSAValue) -> None:
            c = core.acquire(c_fifo, "Produce", c_t)
            acc = acc_buffer or c
            zero(acc)

            def k_step(_: SSAValue) -> None:
                a = core.acquire(a_fifo, "Consume", MemRefType(in_elem, [bg.m, bg.k_tile]))
                b = core.acquire(b_fifo, "Consume", MemRefType(in_elem, [bg.k_tile, bg.n]))
                core.call(matmul, [a, b, acc])
                core.release(a_fifo, "Consume")
                core.release(b_fifo, "Consume")

            core.loop(bg.steps, k_step)
            if acc_buffer is not None:
                core.convert_into(acc_buffer, c)
            core.release(c_fifo, "Produce")

        core.loop(members, member)

    def vector_core(
        self,
        vec: VectorGemm,
        core: _Core,
        c_t: MemRefType,
        a_fifo: str,
        b_fifo: str,
        c_fifo: str,
        members: int,
    ) -> None:
        """As `core`, with mm.cc's kernels on blocked objects: zero the
        accumulator, add A x B of each K step into it, convert once into C
        when C is not of the accumulator's type."""
        bg = self.bg
        acc_elem = i32 if vec.acc == "i32" else Float32Type()
        acc_t = MemRefType(acc_elem, [bg.m, bg.n])
        acc_buffer = None if c_t.element_type == acc_elem else core.buffer(acc_t)
        self.member_loop(
            core,
            c_t,
            (a_fifo, b_fifo, c_fifo),
            members,
            acc_buffer,
            lambda acc: core.call(vec.zero, [acc]),
            vec.matmul,
        )

    # --------------------------------------------------------- the skeleton
    def vector_skeleton(self, fabric: _Fabric) -> None:
        """Tiles, fifos and links of the vector design: each A row and B column
        fifo goes shim -> memtile (row-major, as the host holds it) -> cores
        (blocked by the memtile's MM2S); each core's C blocks (blocked, depth 2)
        are joined per column by the memtile and un-blocked on the way out."""
        vec = self.vector
        assert vec is not None
        bg = self.bg
        region = self.region
        names = region.arg_names()
        n_rows, n_cols = len(bg.rows), len(bg.cols)
        m, kt, n = bg.m, bg.k_tile, bg.n
        r, s, t = vec.r, vec.s, vec.t
        shims = sorted({*bg.a_columns, *bg.b_columns, *range(n_cols)})
        for c in shims:
            fabric.tile(f"shim_c{c}", c, 0)
        for c in shims:
            fabric.tile(f"mem_c{c}", c, 1)
        for c, r_ in sorted(bg.tiles.values()):
            fabric.tile(f"core_c{c}_r{r_}", c, r_)

        def core(row: int, col: int) -> str:
            c, r_ = bg.tiles[(row, col)]
            return f"core_c{c}_r{r_}"

        elem_of = [a.type.element_type for a in region.args]  # type: ignore[attr-defined]
        a_t = MemRefType(elem_of[bg.a], [m, kt])
        b_t = MemRefType(elem_of[bg.b], [kt, n])
        c_t = MemRefType(elem_of[bg.c], [m, n])
        # the memtile reads a row-major m x kt tile as (m/r) x (kt/s) blocks of r x s,
        # each block's rows in turn; kt x n as (kt/s) x (n/t) blocks of s x t
        a_blocks = [(m // r, r * kt), (kt // s, s), (r, kt), (s, 1)]
        b_blocks = [(kt // s, s * n), (n // t, t), (s, n), (t, 1)]
        # C arrives as (m/r) x (n/t) blocks of r x t; read back row by row
        c_rows = [(m // r, r * n), (r, t), (n // t, r * t), (t, 1)]

        def through_memtile(
            kind: str,
            arg: int,
            name: str,
            column: int,
            cores: list[str],
            ty: MemRefType,
            blocks: list[tuple[int, int]],
            held: MemRefType | None = None,
            repeat: int = 1,
            depth: int = 2,
        ) -> None:
            """`held`: the memtile's object when it holds several of the cores'
            tiles (one after the other; the pattern's outermost dimension walks
            on through them) and resends it `repeat` times; `depth` buffers."""
            outer, inner = self.fresh(f"{name}_shim"), self.fresh(name)
            fabric.fifo(outer, f"shim_c{column}", [f"mem_c{column}"], depth, held or ty)
            # the memtile's end has `depth` buffers (the link's), each core two
            depths: int | list[int] = depth if depth == 2 else [1] + [2] * len(cores)
            fabric.fifo(inner, f"mem_c{column}", cores, depths, ty, blocks, repeat)
            fabric.link([outer], [inner])
            fabric.fifos[kind].append(outer)
            fabric.fifos[f"{kind}_core"].append(inner)
            fabric.shim_fifos.append((outer, arg, column, True))

        for row in range(n_rows):
            row_cores = [core(row, c) for c in range(n_cols)]
            name = f"{names[bg.a]}_row{row}"
            reuse = self.reuse
            held = MemRefType(elem_of[bg.a], [bg.steps, m, kt]) if reuse.a_repeat > 1 else None
            through_memtile(
                "A",
                bg.a,
                name,
                bg.a_columns[row],
                row_cores,
                a_t,
                a_blocks,
                held,
                reuse.a_repeat,
                reuse.a_depth if held is not None else 2,
            )
        for col in range(n_cols):
            col_cores = [core(row, col) for row in range(n_rows)]
            name = f"{names[bg.b]}_col{col}"
            b_held = (
                MemRefType(elem_of[bg.b], [len(bg.cols[col]) * bg.steps, kt, n])
                if self.reuse.b_repeat > 1
                else None
            )
            through_memtile(
                "B",
                bg.b,
                name,
                bg.b_columns[col],
                col_cores,
                b_t,
                b_blocks,
                b_held,
                self.reuse.b_repeat,
                1 if b_held is not None else 2,
            )
        for col in range(n_cols):
            parts = []
            for row in range(n_rows):
                f = self.fresh(f"{names[bg.c]}_c{col}_r{row}")
                fabric.fifo(f, core(row, col), [f"mem_c{col}"], 2, c_t)
                fabric.fifos["C"][(row, col)] = f
                parts.append(f)
            split = self.reuse.c_split
            per = n_rows // split
            for half in range(split):
                name = f"{names[bg.c]}_col{col}" + (f"_{half}" if split > 1 else "")
                f = self.fresh(name)
                joined = MemRefType(elem_of[bg.c], [per * m * n])
                # the pattern covers one m x n block; the memtile's outermost dimension
                # has no wrap, so it walks on through the join's `per` blocks
                fabric.fifo(f, f"mem_c{col}", [f"shim_c{col}"], 2, joined, c_rows)
                # a join has one offset per part; a one-to-one link (one compute row) none
                offsets = [row * m * n for row in range(per)] if per > 1 else []
                fabric.link(parts[half * per : (half + 1) * per], [f], offsets)
                fabric.shim_fifos.append((f, bg.c, col, False))
                fabric.fifos["Cjoin"][f] = (col, list(range(half * per, (half + 1) * per)))

    def skeleton(self, fabric: _Fabric) -> None:
        """Tiles, fifos and links of the row-major design: one A fifo per
        compute row and one B fifo per compute column from the shim, one C fifo
        per core to the shim (or joined per column by the memtile)."""
        bg = self.bg
        region = self.region
        names = region.arg_names()
        n_rows, n_cols = len(bg.rows), len(bg.cols)
        shims = sorted({*bg.a_columns, *bg.b_columns, *range(n_cols)})
        for c in shims:
            fabric.tile(f"shim_c{c}", c, 0)
        if bg.c_joined:
            for c in range(n_cols):
                fabric.tile(f"mem_c{c}", c, 1)
        for c, r in sorted(bg.tiles.values()):
            fabric.tile(f"core_c{c}_r{r}", c, r)

        def core(r: int, c: int) -> str:
            col, row = bg.tiles[(r, c)]
            return f"core_c{col}_r{row}"

        elem_of = [a.type.element_type for a in region.args]  # type: ignore[attr-defined]
        a_t = MemRefType(elem_of[bg.a], [bg.m, bg.k_tile])
        b_t = MemRefType(elem_of[bg.b], [bg.k_tile, bg.n])
        elem = elem_of[bg.c]  # C's fifos carry the (possibly wider) result type
        c_t = MemRefType(elem, [bg.m, bg.n])

        def broadcast(
            kind: str, arg: int, name: str, column: int, cores: list[str], t: MemRefType
        ) -> None:
            """A double-buffered fifo from the shim to a row or column of cores."""
            f = self.fresh(name)
            fabric.fifo(f, f"shim_c{column}", cores, 2, t)
            fabric.fifos[kind].append(f)
            fabric.shim_fifos.append((f, arg, column, True))

        for r in range(n_rows):
            row_cores = [core(r, c) for c in range(n_cols)]
            broadcast("A", bg.a, f"{names[bg.a]}_row{r}", bg.a_columns[r], row_cores, a_t)
        for c in range(n_cols):
            col_cores = [core(r, c) for r in range(n_rows)]
            broadcast("B", bg.b, f"{names[bg.b]}_col{c}", bg.b_columns[c], col_cores, b_t)
        for c in range(n_cols):
            dst = f"mem_c{c}" if bg.c_joined else f"shim_c{c}"
            parts = []
            for r in range(n_rows):
                f = self.fresh(f"{names[bg.c]}_c{c}_r{r}")
                fabric.fifo(f, core(r, c), [dst], 1, c_t)
                fabric.fifos["C"][(r, c)] = f
                parts.append(f)
                if not bg.c_joined:
                    fabric.shim_fifos.append((f, bg.c, c, False))
            if bg.c_joined:
                f = self.fresh(f"{names[bg.c]}_col{c}")
                joined = MemRefType(elem, [n_rows * bg.m * bg.n])
                fabric.fifo(f, f"mem_c{c}", [f"shim_c{c}"], 1, joined)
                fabric.link(parts, [f], [r * bg.m * bg.n for r in range(n_rows)])
                fabric.shim_fifos.append((f, bg.c, c, False))
                fabric.fifos["Cjoin"][f] = (c, list(range(n_rows)))

    def shim_calls(
        self, fabric: _Fabric, fifo: str, arg: int, a: int
    ) -> list[tuple[int, list[int], list[int]]]:
        """The (offset, sizes, strides) calls of shim fifo `fifo` (moving
        region argument `arg`) in round `a`, no stride beyond the shim DMA's."""
        bg = self.bg
        region = self.region
        fifos = fabric.fifos
        shapes = [a.type.get_shape() for a in region.args]  # type: ignore[attr-defined]
        K, N = shapes[bg.a][1], shapes[bg.b][1]
        m, n, kt, steps = bg.m, bg.n, bg.k_tile, bg.steps
        repeat = self.device.memcpy_nd.max_repeat
        steps_off = [s * kt for s in range(steps)]
        b_steps = [s * kt * N for s in range(steps)]

        def calls(fifo: str, a: int) -> list[tuple[int, list[int], list[int]]]:
            if fifo in fifos["A"]:
                r = fifos["A"].index(fifo)
                i = bg.rows[r][a]
                # once per member column, or once when the memtile resends it
                q = len(bg.cols[0]) // self.reuse.a_repeat
                return _gather([i * m * K] * q, steps_off, [m, kt], [K, 1], repeat)
            if fifo in fifos["B"]:
                if self.reuse.b_repeat > 1 and a > 0:
                    return []  # sent in round 0, resent by the memtile
                c = fifos["B"].index(fifo)
                return _gather([j * n for j in bg.cols[c]], b_steps, [kt, n], [N, 1], repeat)
            if bg.c_joined:
                c, joined_rows = fifos["Cjoin"][fifo]
                first = bg.rows[joined_rows[0]][a]
                outer = [first * m * N + j * n for j in bg.cols[c]]
                rel = [(bg.rows[r][a] - first) * m * N for r in joined_rows]
                return _gather(outer, rel, [m, n], [N, 1], repeat)
            r, c = next(rc for rc, f in fifos["C"].items() if f == fifo)
            outer = [bg.rows[r][a] * m * N + j * n for j in bg.cols[c]]
            return _gather(outer, [0], [m, n], [N, 1], repeat)

        t = region.args[arg].type
        assert isinstance(t, MemRefType)
        return _fit_strides(calls(fifo, a), element_bytes(t) * 8, self.device.memcpy_nd)

    def record_transfers(self, fabric: _Fabric) -> None:
        """Beside other tasks: each shim fifo records its calls, round after
        round, for the device's one runtime sequence (npu_runtime_sequence
        issues them with the other tasks' transfers)."""
        for f, arg, _, _ in fabric.shim_fifos:
            rounds = range(len(self.bg.rows[0]))
            calls = [c for a in rounds for c in self.shim_calls(fabric, f, arg, a)]
            record_shim_transfer(fabric.fifo_ops[f], arg, calls)

    def sequence(self, fabric: _Fabric) -> aie.RuntimeSequenceOp:
        """dma_memcpy_nd calls feeding the fifos in the cores' loop order, one
        round per position `a` in the row sets (each round is what the cores
        need for their members (rows[r][a], j), j in cols[c]).

        A transfer with a stride beyond the shim DMA's is split (`_fit_strides`)
        into one call per block of the dimensions outside it, each with its own
        base offset, in the same order. BD ids are reused only after waiting for
        every fifo that used them, at a round boundary, where waiting cannot
        deadlock: what was issued before needs nothing issued later. A round
        whose calls outnumber a shim's BDs (split transfers) issues its inputs
        first, then its outputs one call per fifo in turn, and before reusing an
        output's BD waits for the oldest output transfer: everything that
        transfer needs was issued before it."""
        bg = self.bg
        region = self.region
        shim_fifos = fabric.shim_fifos
        sequence = aie.RuntimeSequenceOp([a.type for a in region.args])
        block = sequence.body.block
        for k, (host, arg) in enumerate(zip(block.args, region.args, strict=True)):
            host.name_hint = arg.name_hint or f"arg{k}"
        limit = self.device.shim.buffer_descriptors

        def fitted(fifo: str, arg: int, a: int) -> list[tuple[int, list[int], list[int]]]:
            return self.shim_calls(fabric, fifo, arg, a)

        columns = self.device.columns
        free: list[list[int]] = [list(range(limit)) for _ in range(columns)]
        # output transfers not yet awaited, in issue order: (fifo, shim column, BD id).
        # As in mlir-aie's GEMM examples only the C (S2MM) transfers raise a token;
        # each dma_wait consumes one, and the A/B BDs are free once the C blocks
        # they feed have landed
        pending: list[tuple[str, int, int]] = []
        outputs = {f for f, _, _, is_read in shim_fifos if not is_read}

        def wait_all() -> None:
            """Wait for every output transfer, fifo by fifo (all are issued)."""
            counts: dict[str, int] = {}
            for f, _, _ in pending:
                counts[f] = counts.get(f, 0) + 1
            for f, k in counts.items():
                for _ in range(k):
                    block.add_op(aiex.NpuDmaWaitOp(f))
            pending.clear()
            for col in range(columns):
                free[col] = list(range(limit))

        def wait_oldest(col: int) -> None:
            """Wait, in issue order, until an output BD of `col` is free."""
            while pending:
                f, c, bd = pending.pop(0)
                block.add_op(aiex.NpuDmaWaitOp(f))
                free[c].append(bd)
                if c == col:
                    return
            raise AssertionError("no output transfer to wait for")  # the round check

        def issue(f: str, arg: int, col: int, call: tuple[int, list[int], list[int]]) -> None:
            offset, sizes, strides = call
            if not free[col]:
                wait_oldest(col)
            bd = free[col].pop(0)
            op = aiex.NpuDmaMemcpyNdOp(block.args[arg], [0, 0, 0, offset], sizes, strides, f, bd)
            _order_props(op, f in outputs)  # mlir-aie's printed order, as every sequence
            block.add_op(op)
            if f in outputs:
                pending.append((f, col, bd))

        for a in range(len(bg.rows[0])):
            round_calls = [(f, arg, col, fitted(f, arg, a)) for f, arg, col, _ in shim_fifos]
            need = [0] * columns
            inputs = [0] * columns
            has_output = [0] * columns
            for f, _, col, cs in round_calls:
                need[col] += len(cs)
                if f in outputs:
                    has_output[col] = 1
                else:
                    inputs[col] += len(cs)
            for col in range(columns):
                if inputs[col] + has_output[col] > limit:
                    raise op_error(
                        bg.group,
                        f"bundled GEMM @{bg.group.task.data}: one round of the runtime sequence "
                        f"needs {inputs[col]} buffer descriptors for its inputs on shim column "
                        f"{col}, besides one for its outputs; a shim has {limit}",
                    )
            if any(len(free[c]) < need[c] for c in range(columns)):
                wait_all()
            if all(need[c] <= limit for c in range(columns)):
                for f, arg, col, cs in round_calls:
                    for call in cs:
                        issue(f, arg, col, call)
                continue
            # more calls than BDs: inputs whole, then the outputs in turn
            for f, arg, col, cs in round_calls:
                if f not in outputs:
                    for call in cs:
                        issue(f, arg, col, call)
            outs = [rc for rc in round_calls if rc[0] in outputs]
            for k in range(max(len(cs) for *_, cs in outs)):
                for f, arg, col, cs in outs:
                    if k < len(cs):
                        issue(f, arg, col, cs[k])
        wait_all()
        return sequence


def _fit_strides(
    cs: list[tuple[int, list[int], list[int]]], bits: int, limits: devices.MemcpyNdLimits
) -> list[tuple[int, list[int], list[int]]]:
    """The calls `cs` with no stride beyond the shim DMA's: a call whose
    dimension d (outermost first) has a longer stride (in `limits.word_bits`
    words, elements of `bits`) becomes one call per index of dimensions 0..d,
    each at its own base offset with those dimensions of size 1, in the order
    the original call visits them (the stream's order is unchanged)."""
    out: list[tuple[int, list[int], list[int]]] = []
    for offset, sizes, strides in cs:
        too_far = [
            d
            for d, (size, stride) in enumerate(zip(sizes, strides, strict=True))
            if size > 1 and stride * bits // limits.word_bits > limits.max_stride
        ]
        if not too_far:
            out.append((offset, sizes, strides))
            continue
        d = max(too_far)
        bases = [offset]
        for size, stride in zip(sizes[: d + 1], strides[: d + 1], strict=True):
            bases = [b + i * stride for b in bases for i in range(size)]
        inner = (sizes[d + 1 :], strides[d + 1 :])
        for b in bases:
            out.append((b, [1] * (d + 1) + inner[0], [0] * (d + 1) + inner[1]))
    return out


def _spacing(values: Sequence[int], allow_zero: bool) -> int | None:
    """The constant step of `values`, if they are evenly spaced (a DMA stride)."""
    if len(values) < 2:
        return 0
    deltas = {b - a for a, b in zip(values, values[1:], strict=False)}
    if len(deltas) != 1:
        return None
    step = deltas.pop()
    return step if step > 0 or (allow_zero and step == 0) else None


def _gather(
    outer: list[int], middle: list[int], sizes: list[int], strides: list[int], max_repeat: int
) -> list[tuple[int, list[int], list[int]]]:
    """dma_memcpy_nd calls visiting `offset + mid` for offset in `outer`, mid
    in `middle`, each an `sizes`/`strides` 2-D block: one 4-D call when both
    lists are evenly spaced (the outer at most `max_repeat` long), else split."""
    mid = _spacing(middle, False)
    if mid is None:
        return [(o + x, [1, 1, *sizes], [0, 0, *strides]) for o in outer for x in middle]
    out: list[tuple[int, list[int], list[int]]] = []
    step = _spacing(outer, True)
    chunks = (
        [outer[i : i + max_repeat] for i in range(0, len(outer), max_repeat)]
        if step is not None
        else [[o] for o in outer]
    )
    for chunk in chunks:
        out.append(
            (
                chunk[0] + middle[0],
                [len(chunk), len(middle), *sizes],
                [step if len(chunk) > 1 else 0, mid if len(middle) > 1 else 0, *strides],
            )
        )
    return out


__all__ = [
    "DESIGN_NOTE",
    "KERNEL_DIRS",
    "KERNEL_OBJECT",
    "MMUL_SHAPES",
    "WIDE",
    "GemmDesign",
    "plan_one_per_core",
    "plan_reuse",
    "Reuse",
    "VectorGemm",
    "vector_gemm",
]
