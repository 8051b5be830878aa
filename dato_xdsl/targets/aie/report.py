"""Resource report of a lowered `aie.device`: per tile, its buffers and bytes,
DMA channels and buffer descriptors against the device model's limits, and the
program's tasks its core runs.

Counted from the design itself: an objectfifo holds `depth` buffers on its
producer tile and on each consumer tile, and uses one MM2S channel at the
producer and one S2MM channel per consumer (between two compute tiles sharing
memory: the buffers once, on the tile holding them, devices.fifo_holder, and
no channel); a link's memtile side counts the same way; `aie.buffer`s count
on their tile, and so does each core's stack (its `stack_size`, or aiecc's
default). BDs are estimated as one per fifo buffer, the way objectfifo
lowering allocates them. Every core gets its estimated program size (its own
code and the kernels it calls; transforms/kernel_library.py says how it is
estimated) against the tile's program memory: the estimate
dato-npu-kernel-objects refuses a core by."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO

from xdsl.context import Context
from xdsl.dialects.builtin import IntegerAttr, MemRefType, ModuleOp, StringAttr
from xdsl.ir import SSAValue
from xdsl.utils.target import Target

from dato_xdsl import devices
from dato_xdsl.dialects import aie
from dato_xdsl.targets.aie.perf_model import report as model_report
from dato_xdsl.transforms.core_tasks import task_names
from dato_xdsl.transforms.kernel_library import AIE_CODE_FACTOR, BYTES_PER_CORE_OP, CORE_BASE_BYTES
from dato_xdsl.transforms.npu_kernel_objects import estimate
from dato_xdsl.transforms.npu_lock_budget import fifo_holder_tile
from dato_xdsl.transforms.npu_pack_buffers import read_packing


@dataclass
class TileUse:
    col: int
    row: int
    buffers: int = 0
    bytes: int = 0
    """data memory in use: buffers plus the core's stack"""
    s2mm: int = 0
    mm2s: int = 0
    bds: int = 0
    what: list[str] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)
    """the program's task instances its core runs (`dato.tasks` on aie.core)"""
    folding: str = ""
    """how they share the core (`dato.folding`: bundle, chain, compiler-chosen)"""
    program: str = ""
    """the core's estimated program size against the program memory, and its parts"""


def tile_usage(device_op: aie.DeviceOp) -> dict[tuple[int, int], TileUse]:
    tiles: dict[SSAValue, tuple[int, int]] = {}
    use: dict[tuple[int, int], TileUse] = {}
    device = devices.by_code(device_op.device.value.data)
    for op in device_op.body.block.ops:
        if isinstance(op, aie.TileOp):
            key = (op.col.value.data, op.row.value.data)
            tiles[op.result] = key
            use[key] = TileUse(*key)
    # the memtile end of the fifos a link splits or joins shares the link's
    # buffers: count those once, on the single side
    shared: set[str] = set()
    for op in device_op.body.block.ops:
        if isinstance(op, aie.ObjectFifoLinkOp):
            ins = [a.root_reference.data for a in op.fifoIns.data]  # type: ignore[attr-defined]
            outs = [a.root_reference.data for a in op.fifoOuts.data]  # type: ignore[attr-defined]
            shared.update(outs if len(ins) == 1 else ins)
    for op in device_op.body.block.ops:
        if isinstance(op, aie.ObjectFifoCreateOp):
            t = op.elemType.element_type
            depth_attr = op.elemNumber
            depth = (
                depth_attr.value.data
                if isinstance(depth_attr, IntegerAttr)
                else max(
                    d.value.data
                    for d in depth_attr.data  # type: ignore[attr-defined]
                )
            )
            size = aie.memref_bytes(t)
            name = op.sym_name.data
            ends = [(op.producerTile, True)] + [(c, False) for c in op.consumerTiles]
            holder = fifo_holder_tile(op, tiles, device)
            if holder is not None:
                # neighbours sharing memory need no DMA: the buffers once, on
                # the tile mlir-aie allocates them on (devices.fifo_holder)
                u = use[holder]
                u.buffers += depth
                u.bytes += depth * size
                u.what.append(f"@{name} x{depth} (shared memory)")
                continue
            for value, is_producer in ends:
                u = use[tiles[value]]
                kind_row = u.row
                holds = kind_row != 0 and not (kind_row == 1 and name in shared)
                if holds:  # shims hold no memory; linked memtile ends share
                    u.buffers += depth
                    u.bytes += depth * size
                u.bds += depth
                if is_producer:
                    u.mm2s += 1
                else:
                    u.s2mm += 1
                u.what.append(f"@{name} x{depth}")
        elif isinstance(op, aie.CoreOp):
            # the core's stack comes out of the tile's data memory, as physical
            # mapping counts it; leaving it out would make OVER LIMIT read weak
            u = use[tiles[op.tile]]
            stack = (
                devices.DEFAULT_CORE_STACK_BYTES
                if op.stack_size is None
                else op.stack_size.value.data
            )
            u.bytes += stack
            u.what.append(f"stack {stack} bytes")
            use[tiles[op.tile]].tasks += task_names(op)
            # every core, as dato-npu-kernel-objects checks every core: a core
            # calling no kernel still holds its own (maybe unrolled) code
            if device is not None and device.compute.program_memory_bytes:
                program = estimate(op, device_op.body.block)
                limit = device.compute.program_memory_bytes
                over = "  OVER LIMIT" if program.total > limit else ""
                u.program = f"{program.total}/{limit} ({program.describe()}){over}"
            folding = op.attributes.get("dato.folding")
            if isinstance(folding, StringAttr):
                use[tiles[op.tile]].folding = folding.data
        elif isinstance(op, aie.BufferOp):
            u = use[tiles[op.tile]]
            t = op.buffer.type
            assert isinstance(t, MemRefType)
            u.buffers += 1
            u.bytes += aie.memref_bytes(t)
            u.what.append(f"buffer {t}")
    return use


def report(module: ModuleOp) -> str:
    lines: list[str] = []
    for device_op in [op for op in module.walk() if isinstance(op, aie.DeviceOp)]:
        device = devices.by_code(device_op.device.value.data)
        name = device.name if device is not None else "?"
        lines.append(f"resource report for aie.device({name})")
        lines.append(
            f"{'tile':>8} {'kind':>8} {'buffers':>7} {'bytes':>16} "
            f"{'S2MM':>6} {'MM2S':>6} {'BDs':>7}  tasks"
        )
        for (col, row), u in sorted(tile_usage(device_op).items()):
            if device is None:
                continue
            kind = device.tile_kind(col, row)
            facts = device.facts(kind)
            mem = (
                f"{u.bytes}/{facts.data_memory_bytes}"
                if facts.data_memory_bytes
                else f"{u.bytes}/-"
            )
            over = (
                (facts.data_memory_bytes and u.bytes > facts.data_memory_bytes)
                or u.s2mm > facts.dma_s2mm_channels
                or u.mm2s > facts.dma_mm2s_channels
                or u.bds > facts.buffer_descriptors
            )
            lines.append(
                f"({col}, {row}) {kind.value:>8} {u.buffers:>7} {mem:>16} "
                f"{u.s2mm:>3}/{facts.dma_s2mm_channels:<2} "
                f"{u.mm2s:>3}/{facts.dma_mm2s_channels:<2} "
                f"{u.bds:>3}/{facts.buffer_descriptors:<3}{'  OVER LIMIT' if over else ''}"
                f"{'  ' + ', '.join(u.tasks) if u.tasks else ''}"
                f"{f' [{u.folding}]' if u.folding else ''}"
            )
        programs = [
            (key, u.program) for key, u in sorted(tile_usage(device_op).items()) if u.program
        ]
        if programs:
            lines.append(
                "program memory per core, bytes (an ESTIMATE: the library's x86-64 g++ -Os "
                f"sizes x {AIE_CODE_FACTOR}, {CORE_BASE_BYTES} B start-up and "
                f"{BYTES_PER_CORE_OP} B per op of the core; not a Peano measurement):"
            )
            lines += [f"({col}, {row}) {text}" for (col, row), text in programs]
        for sequence in [o for o in device_op.walk() if isinstance(o, aie.RuntimeSequenceOp)]:
            packing = read_packing(sequence)
            if packing is None:
                continue
            arrays = sum(len(group) for group in packing)
            shared = [
                f"buffer {b}: " + ", ".join(f"array {k} at element {at}" for k, at in group)
                for b, group in enumerate(packing)
                if len(group) > 1
            ]
            lines.append(
                f"host buffers: {arrays} arrays packed into {len(packing)} (the xclbin's "
                f"limit; dato-npu-pack-buffers): {'; '.join(shared)}"
            )
    text = "\n".join(lines) + "\n"
    try:
        return text + model_report(module)
    except ValueError as err:
        return text + f"performance model: not available ({err})\n"


@dataclass(frozen=True)
class NpuReportTarget(Target):
    """`dato-opt -t npu-report`: the resource report of a lowered design."""

    name = "npu-report"

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        from dato_xdsl.targets.aie.project import require_device

        require_device(module)
        output.write(report(module))
