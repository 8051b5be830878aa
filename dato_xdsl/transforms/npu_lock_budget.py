"""`dato-npu-lock-budget`: every tile of the lowered design within its locks.

mlir-aie's objectfifo lowering gives each end of a fifo that holds buffers a
pair of semaphore locks (producer and consumer side, AIE-ML); two cores
sharing memory use one set of buffers and one pair, on the one tile holding
the fifo (devices.fifo_holder: the producer's when the consumer's core reaches
it, else the consumer's).
Shim ends get a pair for their DMA as well. Explicit `aie.lock` ops take one
each. A compute or shim tile has 16 locks, a memtile 64 (devices.py, from
mlir-aie's target model, getNumLocks). aiecc refuses a design that needs more,
so this pass refuses it first, at the core of the tile, with the count, the
limit, what takes the locks and what to change. Placement moves (elements
moved between tiles to save DMA channels) can gather many fifos on one tile;
this is the check that keeps such a design from being written."""

from __future__ import annotations

from collections import Counter, defaultdict

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import SSAValue
from xdsl.passes import ModulePass

from dato_xdsl import devices
from dato_xdsl.diagnostics import op_error
from dato_xdsl.dialects import aie
from dato_xdsl.transforms.core_tasks import task_names

LOCKS_PER_FIFO_END = 2


def fifo_holder_tile(
    op: aie.ObjectFifoCreateOp,
    coords: dict[SSAValue, tuple[int, int]],
    device: devices.NpuDevice | None,
) -> tuple[int, int] | None:
    """The one tile holding the buffers and locks of a fifo that needs no DMA,
    as mlir-aie's objectfifo lowering decides (requiresDMAs): one consumer on
    a compute tile sharing memory with the producer's, no via_DMA or
    repeat_count, no access pattern at either end; devices.fifo_holder says
    whose memory (what physical mapping counts and the virtual NPU
    allocates). None: each end holds its own, moved by DMA."""
    if device is None or len(op.consumerTiles) != 1 or op.via_DMA is not None:
        return None
    if op.repeat_count is not None or op.dimensionsToStream.dims.data:
        return None
    if any(d.dims.data for d in op.dimensionsFromStreamPerConsumer.per_consumer.data):
        return None
    return device.fifo_holder(coords[op.producerTile], coords[op.consumerTiles[0]])


def lock_use(
    device_op: aie.DeviceOp,
) -> tuple[Counter[tuple[int, int]], dict[tuple[int, int], list[str]]]:
    """Locks each tile needs, and what takes them."""
    device = devices.by_code(device_op.device.value.data)
    coords: dict[SSAValue, tuple[int, int]] = {}
    count: Counter[tuple[int, int]] = Counter()
    takers: dict[tuple[int, int], list[str]] = defaultdict(list)
    for op in device_op.body.block.ops:
        if isinstance(op, aie.TileOp):
            coords[op.result] = (op.col.value.data, op.row.value.data)
        elif isinstance(op, aie.LockOp):
            tile = coords[op.tile]
            count[tile] += 1
            takers[tile].append("a lock")
        elif isinstance(op, aie.ObjectFifoCreateOp):
            producer = coords[op.producerTile]
            consumers = [coords[c] for c in op.consumerTiles]
            holder = fifo_holder_tile(op, coords, device)
            for tile in [holder] if holder is not None else [producer, *consumers]:
                count[tile] += LOCKS_PER_FIFO_END
                takers[tile].append(f"@{op.sym_name.data}")
    return count, takers


def check_locks(device_op: aie.DeviceOp) -> None:
    device = devices.by_code(device_op.device.value.data)
    if device is None:
        return
    count, takers = lock_use(device_op)
    cores = {
        (op.tile.owner.col.value.data, op.tile.owner.row.value.data): op  # type: ignore[attr-defined]
        for op in device_op.body.block.ops
        if isinstance(op, aie.CoreOp) and isinstance(op.tile.owner, aie.TileOp)
    }
    for tile, need in sorted(count.items()):
        limit = device.facts(device.tile_kind(*tile)).locks
        if need <= limit:
            continue
        core = cores.get(tile)
        tasks = ", ".join(task_names(core)) if core is not None else ""
        fifos = takers[tile]
        raise op_error(
            core if core is not None else device_op,
            f"tile {tile}{f' ({tasks})' if tasks else ''} needs {need} locks, a "
            f"{device.tile_kind(*tile).value} tile of {device.name} has {limit} "
            f"({LOCKS_PER_FIFO_END} per objectfifo end holding buffers: "
            f"{', '.join(fifos[:12])}{', ...' if len(fifos) > 12 else ''}); "
            "give the tile fewer streams: bundle or chain fewer instances onto it with "
            "mapping_primitives, or merge streams its tasks use in turn",
        )


class NpuLockBudgetPass(ModulePass):
    """Refuse a lowered NPU design in which a tile needs more locks than it has."""

    name = "dato-npu-lock-budget"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for device_op in [d for d in op.walk() if isinstance(d, aie.DeviceOp)]:
            check_locks(device_op)
