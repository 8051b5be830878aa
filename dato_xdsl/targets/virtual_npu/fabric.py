"""One run's hardware state, built from an `aie.device`: buffers, locks,
objectfifo pools, streams, DMA actors and shim channels.

Objectfifos are laid out as mlir-aie lays them out when their ends are on
different tiles: `depth` buffers on the producer tile (read by its MM2S DMA)
and on each consumer tile (filled by its S2MM DMA), one stream from the
producer to all consumers (a broadcast when there are several), the shim's DMA
where an end is a shim tile. A link tile holds one pool shared by the linked
fifos: the input's objects for a one-to-one link or a distribute (each output's
MM2S reads its slice), the output's objects for a join (each input's S2MM
writes its slice). A producer's `repeat_count` N (memtile or compute tile)
sends each object N times before its buffer is released, as mlir-aie's
lowering does with the repeat count of the producer's MM2S BD; for a link's
output that object is the link tile's buffer (the larger one of a one-to-one
link), so the whole buffer goes out N times."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from xdsl.dialects.builtin import MemRefType
from xdsl.ir import Attribute, Block, Operation, SSAValue

from dato_xdsl.devices import DEFAULT_CORE_STACK_BYTES, NpuDevice, TileKind
from dato_xdsl.diagnostics import op_location
from dato_xdsl.dialects import aie
from dato_xdsl.targets.simulator import semantics as sem
from dato_xdsl.targets.virtual_npu import dma, patterns, registers
from dato_xdsl.targets.virtual_npu.errors import DesignError
from dato_xdsl.targets.virtual_npu.state import (
    Cascade,
    Lock,
    PacketDest,
    PacketSource,
    Pool,
    PoolPort,
    Stream,
)
from dato_xdsl.transforms.npu_lock_budget import fifo_holder_tile

Coords = tuple[int, int]
ActorFactory = Callable[[], dma.ActorGen]


def tile_coords(value: SSAValue) -> Coords:
    tile = aie.tile_of(value)
    if tile is None:
        raise DesignError(f"error: a tile operand is not defined by aie.tile ({value})")
    return tile.col_value, tile.row_value


def dims_of(attr: aie.BDDimLayoutArrayAttr | None) -> list[tuple[int, int]]:
    if attr is None:
        return []
    return [(d.size.data, d.stride.data) for d in attr.dims.data]


def memref_info(t: MemRefType, where: Operation) -> tuple[tuple[int, ...], Any]:
    dtype = sem.dtype_of(t.element_type)
    if dtype is None:
        raise DesignError(
            f"{op_location(where)}: error: buffers of {t.element_type} are not modelled"
        )
    return tuple(t.get_shape()), dtype


@dataclass
class DmaActor:
    label: str
    start: ActorFactory
    where: str = "<unknown>"
    """Source location of the op that configures this channel."""


@dataclass
class Fabric:
    """Everything one run needs besides the compiled cores and sequence."""

    model: NpuDevice
    ready: deque[Any]
    tile_memory: dict[Coords, list[tuple[str, int]]] = field(default_factory=dict)
    buffers: dict[Operation, np.ndarray] = field(default_factory=dict)
    buffer_masks: dict[Operation, np.ndarray] = field(default_factory=dict)
    locks: dict[Operation, Lock] = field(default_factory=dict)
    pools: list[tuple[Pool, list[np.ndarray] | None]] = field(default_factory=list)
    producer_pools: dict[str, Pool] = field(default_factory=dict)
    consumer_pools: dict[tuple[str, Coords], Pool] = field(default_factory=dict)
    channels: dict[str, dma.ShimChannel] = field(default_factory=dict)
    sync_channels: dict[tuple[int, int, str, int], dma.ShimChannel] = field(default_factory=dict)
    actors: list[DmaActor] = field(default_factory=list)
    bd_tables: dict[int, dict[int, dma.HostTask]] = field(default_factory=dict)
    tile_bd_tables: dict[Coords, dict[int, dma.HostTask]] = field(default_factory=dict)
    host_masks: dict[int, np.ndarray] = field(default_factory=dict)
    src_streams: dict[tuple[Coords, int], Stream | PacketSource] = field(default_factory=dict)
    dst_streams: dict[tuple[Coords, int], tuple[Stream | PacketDest, int]] = field(
        default_factory=dict
    )
    shim_counts: dict[tuple[int, str], int] = field(default_factory=dict)
    cascades: dict[tuple[Coords, str], Cascade] = field(default_factory=dict)
    """(tile, "out" or "in") -> the cascade it writes or reads."""
    regs: registers.Registers | None = None
    register_channels: dict[tuple[Coords, str, int], dma.TileQueue] = field(default_factory=dict)
    """Memtile DMA channels the sequence starts by task-queue writes."""

    def tile_label(self, c: Coords) -> str:
        kind = self.model.tile_kind(*c)
        name = {TileKind.SHIM: "shim tile", TileKind.MEMTILE: "memtile"}.get(kind, "compute tile")
        return f"{name} ({c[0]}, {c[1]})"

    def use_memory(self, c: Coords, what: str, nbytes: int) -> None:
        self.tile_memory.setdefault(c, []).append((what, nbytes))

    def is_shim(self, c: Coords) -> bool:
        return self.model.tile_kind(*c) is TileKind.SHIM

    # ------------------------------------------------------------- building

    def build(self, device: aie.DeviceOp, cores: list[aie.CoreOp]) -> None:
        ops = list(device.body.block.ops)
        core_values = {v for core in cores for op in core.walk() for v in op.operands}
        # mlir-aie also declares buffers and locks inside aie.mem/aie.memtile_dma
        declared = [
            inner
            for op in ops
            for inner in ([op] if not isinstance(op, aie.MemOp | aie.MemTileDMAOp) else op.walk())
        ]
        for op in declared:
            if isinstance(op, aie.BufferOp):
                self._buffer(op, op.buffer in core_values)
            elif isinstance(op, aie.LockOp):
                c = tile_coords(op.tile)
                name = op.sym_name.data if op.sym_name is not None else None
                lock_id = None if op.lockID is None else op.lockID.value.data
                what = f"@{name}" if name else f"#{lock_id}" if lock_id is not None else ""
                init = 0 if op.init is None else op.init.value.data
                self.locks[op] = Lock(
                    f"lock {what} of {self.tile_label(c)}".replace("  ", " "), init, self.ready
                )
        for core in cores:
            stack = (
                DEFAULT_CORE_STACK_BYTES if core.stack_size is None else core.stack_size.value.data
            )
            self.use_memory(tile_coords(core.tile), "core stack", stack)
        for op in ops:
            if isinstance(op, aie.FlowOp):
                self._flow(op)
            elif isinstance(op, aie.PacketFlowOp):
                self._packet_flow(op)
            elif op.name == "aiex.broadcast_packet":
                self._broadcast_packet(op)
            elif isinstance(op, aie.CascadeFlowOp):
                src, dst = tile_coords(op.source_tile), tile_coords(op.dest_tile)
                cascade = Cascade(f"the cascade from core {src} to core {dst}", self.ready)
                self.cascades[(src, "out")] = cascade
                self.cascades[(dst, "in")] = cascade
        for op in ops:
            if isinstance(op, aie.ShimDMAAllocationOp):
                self._shim_allocation(op)
            elif isinstance(op, aie.MemOp | aie.MemTileDMAOp):
                self._dma_program(op)
        for op in device.walk():
            if op.name == "aiex.dma_configure_task":
                self._tile_task_channel(op)
        self._objectfifos(ops)
        for op in device.walk():  # after every allocation and objectfifo made its channel
            if op.name in ("aiex.npu.sync", "aiex.npu.write32"):
                self._register_channel(op)

    def _buffer(self, op: aie.BufferOp, used_by_core: bool) -> None:
        t = op.buffer.type
        assert isinstance(t, MemRefType)
        shape, dtype = memref_info(t, op)
        array = np.zeros(shape, dtype)
        mask = np.zeros(array.size, np.bool_)
        if op.initial_value is not None:
            values = op.initial_value.get_values()  # type: ignore[attr-defined]
            array.reshape(-1)[...] = np.asarray(values, dtype=dtype).reshape(-1)
            mask[:] = True
        if used_by_core:
            mask[:] = True  # a core's stores are not tracked element-wise
        self.buffers[op] = array
        self.buffer_masks[op] = mask
        name = op.sym_name.data if op.sym_name is not None else "aie.buffer"
        self.use_memory(tile_coords(op.tile), f"buffer @{name}", array.nbytes)

    # ---------------------------------------------------------- explicit DMA

    def _flow(self, op: aie.FlowOp) -> None:
        src, dst = tile_coords(op.source), tile_coords(op.dest)
        for bundle in (op.source_bundle, op.dest_bundle):
            if aie.WIRE_BUNDLE.name(bundle) != "DMA":
                raise DesignError(
                    f"{op_location(op)}: error: aie.flow with a "
                    f"{aie.WIRE_BUNDLE.name(bundle)} end is not modelled (DMA to DMA only)"
                )
        sc, dc = op.source_channel.value.data, op.dest_channel.value.data
        stream = self._source_stream(src, sc)
        if not isinstance(stream, Stream):
            raise DesignError(
                f"{op_location(op)}: error: MM2S channel {sc} of {self.tile_label(src)} is in "
                "both a circuit flow and a packet flow"
            )
        if (dst, dc) in self.dst_streams:
            raise DesignError(
                f"{op_location(op)}: error: two flows end at S2MM channel {dc} of "
                f"{self.tile_label(dst)}"
            )
        self.dst_streams[(dst, dc)] = (stream, stream.add_receiver())

    def _packet_port(self, op: Operation, port: Operation, source: bool) -> tuple[Coords, int]:
        bundle = port.properties["bundle"]
        if aie.WIRE_BUNDLE.name(bundle) != "DMA":  # type: ignore[arg-type]
            raise DesignError(
                f"{op_location(port)}: error: a packet flow with a "
                f"{aie.WIRE_BUNDLE.name(bundle)} end is not modelled (DMA to DMA only)"  # type: ignore[arg-type]
            )
        c = tile_coords(port.operands[0])
        channel = port.properties["channel"].value.data  # type: ignore[attr-defined]
        taken = (self.src_streams if source else self.dst_streams).get((c, channel))
        kind = PacketSource if source else PacketDest
        if taken is not None and not isinstance(taken if source else taken[0], kind):
            direction = "MM2S" if source else "S2MM"
            raise DesignError(
                f"{op_location(op)}: error: {direction} channel {channel} of "
                f"{self.tile_label(c)} is in both a circuit flow and a packet flow"
            )
        return c, channel

    def _packet_route(
        self,
        op: Operation,
        source: Operation,
        ident: int,
        dests: Sequence[Operation],
        keep: bool = False,
    ) -> None:
        """Packets with header id `ident` sent on `source` go to every port of `dests`."""
        c, channel = self._packet_port(op, source, True)
        src = self.src_streams.get((c, channel))
        if src is None:
            src = PacketSource(f"packet port MM2S {channel} of {self.tile_label(c)}", c, self.ready)
            self.src_streams[(c, channel)] = src
        assert isinstance(src, PacketSource)
        if ident in src.routes:
            raise DesignError(
                f"{op_location(op)}: error: two packet flows with id {ident} leave {src.label}"
            )
        ends: list[tuple[PacketDest, bool]] = []
        for port in dests:
            d, dc = self._packet_port(op, port, False)
            found = self.dst_streams.get((d, dc))
            if found is None:
                label = f"packet port S2MM {dc} of {self.tile_label(d)}"
                found = (PacketDest(label, self.ready), 0)
                self.dst_streams[(d, dc)] = found
            assert isinstance(found[0], PacketDest)
            ends.append((found[0], keep))
        src.routes[ident] = ends

    def _packet_flow(self, op: aie.PacketFlowOp) -> None:
        ports = list(op.ports.block.ops)
        keep = op.keep_pkt_header is not None and bool(op.keep_pkt_header.value.data)
        sources = [p for p in ports if isinstance(p, aie.PacketSourceOp)]
        dests = [p for p in ports if isinstance(p, aie.PacketDestOp)]
        for source in sources:
            self._packet_route(op, source, op.ID.value.data, dests, keep)

    def _broadcast_packet(self, op: Operation) -> None:
        """`aiex.broadcast_packet`: one source, one set of destinations per bp_id."""
        for bp in op.regions[0].block.ops:
            if bp.name != "aiex.bp_id":
                continue
            dests = [d for d in bp.regions[0].block.ops if d.name == "aiex.bp_dest"]
            self._packet_route(op, op, bp.properties["ID"].value.data, dests)  # type: ignore[attr-defined]

    def _source_stream(self, c: Coords, channel: int) -> Stream | PacketSource:
        key = (c, channel)
        if key not in self.src_streams:
            label = f"the flow from MM2S {channel} of {self.tile_label(c)}"
            self.src_streams[key] = Stream(label, 0, self.ready)
        return self.src_streams[key]

    def _channel_stream(
        self, c: Coords, mm2s: bool, channel: int
    ) -> tuple[Stream | PacketSource | PacketDest, int]:
        """The stream a DMA channel feeds (MM2S) or drains (S2MM), and for S2MM
        which of the stream's consumers it is (-1 for MM2S)."""
        if mm2s:
            return self._source_stream(c, channel), -1
        return self._dest_stream(c, channel)

    def _dest_stream(self, c: Coords, channel: int) -> tuple[Stream | PacketDest, int]:
        found = self.dst_streams.get((c, channel))
        if found is None:  # no route: the channel waits forever (a deadlock report says so)
            stream = Stream(f"no flow into S2MM {channel} of {self.tile_label(c)}", 0, self.ready)
            found = (stream, stream.add_receiver())
            self.dst_streams[(c, channel)] = found
        return found

    def _shim_channel(
        self, symbol: str, col: int, mm2s: bool, channel: int, stream: Stream, k: int, where: str
    ) -> dma.ShimChannel:
        direction = "MM2S" if mm2s else "S2MM"
        label = f"shim tile ({col}, 0) {direction} {channel} (@{symbol})"
        table = self.bd_tables.setdefault(col, {})
        chan = dma.ShimChannel(label, mm2s, stream, k, table, self.host_masks, self.ready)
        self.channels[symbol] = chan
        self.sync_channels.setdefault((col, 0, direction, channel), chan)
        self.actors.append(DmaActor(label, lambda: dma.shim_channel(chan, label), where))
        return chan

    def _tile_task_channel(self, op: Operation) -> None:
        """`aiex.dma_configure_task(%tile, dir, ch)`: the runtime sequence drives
        that tile's DMA channel directly, over host arrays on a shim tile, over
        the tile's buffers on a memtile or compute tile (unless an objectfifo or
        allocation already made the channel)."""
        tile = aie.tile_of(op.operands[0])
        if tile is None:
            return
        c = (tile.col_value, tile.row_value)
        direction = "S2MM" if op.properties["direction"].value.data == 0 else "MM2S"  # type: ignore[attr-defined]
        channel = op.properties["channel"].value.data  # type: ignore[attr-defined]
        key = (c[0], c[1], direction, channel)
        if key in self.sync_channels:
            return
        mm2s = direction == "MM2S"
        stream, k = self._channel_stream(c, mm2s, channel)
        label = f"{self.tile_label(c)} {direction} {channel} (DMA tasks)"
        table = (
            self.bd_tables.setdefault(c[0], {})
            if self.is_shim(c)
            else (self.tile_bd_tables.setdefault(c, {}))
        )
        chan = dma.ShimChannel(label, mm2s, stream, k, table, self.host_masks, self.ready)
        self.sync_channels[key] = chan
        self.actors.append(DmaActor(label, lambda: dma.shim_channel(chan, label), op_location(op)))

    def _register_channel(self, op: Operation) -> None:
        """A shim channel the sequence starts by a task-queue write or waits on
        with npu.sync, connected by a flow rather than an allocation: the
        sequence drives it over host arrays."""
        props = op.properties
        if op.name == "aiex.npu.sync":
            col, row = props["column"].value.data, props["row"].value.data  # type: ignore[attr-defined]
            direction = "S2MM" if props["direction"].value.data == 0 else "MM2S"  # type: ignore[attr-defined]
            channel = props["channel"].value.data  # type: ignore[attr-defined]
        else:
            if "buffer" in props:
                return
            given = [props.get(k) for k in ("column", "row")]
            col, row, offset = registers.split_address(
                props["address"].value.data,  # type: ignore[attr-defined]
                *(None if g is None else g.value.data for g in given),  # type: ignore[attr-defined]
            )
            if self.model.is_valid_tile(col, row) and (
                self.model.tile_kind(col, row) is TileKind.MEMTILE
            ):
                found = registers.memtile_queue(offset)
                if found is not None:
                    self._memtile_queue((col, row), *found, op)
                return
            queue = registers.shim_queue(offset)
            if queue is None:
                return
            direction, channel = queue
        c = (col, row)
        key = (col, row, direction, channel)
        if key in self.sync_channels or not self.model.is_valid_tile(col, row):
            return
        if not self.is_shim(c):
            return  # npu.sync on other tiles: reported when the sequence runs
        mm2s = direction == "MM2S"
        stream, k = self._channel_stream(c, mm2s, channel)
        label = f"{self.tile_label(c)} {direction} {channel} (register-programmed)"
        table = self.bd_tables.setdefault(col, {})
        chan = dma.ShimChannel(label, mm2s, stream, k, table, self.host_masks, self.ready)  # type: ignore[arg-type]
        self.sync_channels[key] = chan
        self.actors.append(DmaActor(label, lambda: dma.shim_channel(chan, label), op_location(op)))

    def _memtile_queue(self, c: Coords, direction: str, channel: int, op: Operation) -> None:
        key = (c, direction, channel)
        if key in self.register_channels:
            return
        mm2s = direction == "MM2S"
        stream, k = self._channel_stream(c, mm2s, channel)
        label = f"{self.tile_label(c)} DMA {direction} {channel} (register-programmed)"
        queue = dma.TileQueue(label, self.ready)
        self.register_channels[key] = queue
        self.actors.append(
            DmaActor(
                label,
                lambda: dma.tile_queue(queue, mm2s, stream, k, label),  # type: ignore[arg-type]
                op_location(op),
            )
        )

    def buffer_at(
        self, c: Coords, byte: int
    ) -> tuple[aie.BufferOp, np.ndarray, np.ndarray, int] | None:
        """The aie.buffer of tile `c` whose `address` range holds byte `byte`."""
        for op, array in self.buffers.items():
            assert isinstance(op, aie.BufferOp)
            if op.address is None or tile_coords(op.tile) != c:
                continue
            start = op.address.value.data
            if start <= byte < start + array.nbytes:
                return op, array, self.buffer_masks[op], start
        return None

    def register_file(self) -> registers.Registers:
        """The registers the runtime sequence writes (one per run)."""
        if self.regs is None:
            self.regs = registers.Registers(self)
        return self.regs

    def lock_at(self, c: Coords, lock_id: int) -> Lock | None:
        """The lock with id `lock_id` declared on tile `c`."""
        for op, lock in self.locks.items():
            assert isinstance(op, aie.LockOp)
            if op.lockID is not None and op.lockID.value.data == lock_id:
                if tile_coords(op.tile) == c:
                    return lock
        return None

    def _shim_allocation(self, op: aie.ShimDMAAllocationOp) -> None:
        col = op.column
        assert col is not None
        mm2s = aie.DMA_CHANNEL_DIR.name(op.channel_dir) == "MM2S"
        channel = op.channel_index.value.data
        if mm2s:
            stream, k = self._source_stream((col, 0), channel), -1
        else:
            stream, k = self._dest_stream((col, 0), channel)
        self._shim_channel(
            op.sym_name.root_reference.data, col, mm2s, channel, stream, k, op_location(op)
        )

    def _dma_program(self, op: aie.MemOp | aie.MemTileDMAOp) -> None:
        c = tile_coords(op.tile)
        region = op.body
        built: dict[Block, dma.BdBlock] = {}
        if region.blocks:
            for inner in region.blocks[0].ops:
                if isinstance(inner, aie.DMAOp):
                    self._dma_list(inner, c, built)
        block: Block | None = region.blocks[0] if region.blocks else None
        while block is not None:
            last = block.last_op
            if isinstance(last, aie.EndOp) or last is None or isinstance(last, aie.DMAOp):
                break
            if not isinstance(last, aie.DMAStartOp):
                raise DesignError(
                    f"{op_location(last)}: error: expected aie.dma_start or aie.end ending "
                    f"this block of {op.name}, found {last.name}"
                )
            mm2s = aie.DMA_CHANNEL_DIR.name(last.channel_dir) == "MM2S"
            channel = last.channel_index.value.data
            first = self._bd_block(last.dest, built, c)
            repeat = 0 if last.repeat_count is None else last.repeat_count.value.data
            self._channel_actor(c, mm2s, channel, first, repeat, op_location(last))
            block = last.chain

    def _channel_actor(
        self, c: Coords, mm2s: bool, channel: int, first: dma.BdBlock, repeat: int, where: str
    ) -> None:
        stream, k = self._channel_stream(c, mm2s, channel)
        label = f"{self.tile_label(c)} DMA {'MM2S' if mm2s else 'S2MM'} {channel}"
        self.actors.append(
            DmaActor(
                label,
                lambda: dma.bd_chain(first, mm2s, stream, k, repeat, label),
                where,
            )
        )

    def _dma_list(self, op: aie.DMAOp, c: Coords, built: dict[Block, dma.BdBlock]) -> None:
        """`aie.dma(dir, ch) [{BD}, {BD}]`: the BDs run in order and, unless
        `loop = false`, start over (mlir-aie chains the last to the first)."""
        blocks = [self._bd_block(region.block, built, c) for region in op.bds]
        if not blocks:
            return
        for a, b in zip(blocks, blocks[1:], strict=False):
            a.next = b
        repeat = 0 if op.repeat_count is None else op.repeat_count.value.data
        if op.loops:
            blocks[-1].next = blocks[0]
        mm2s = aie.DMA_CHANNEL_DIR.name(op.channel_dir) == "MM2S"
        self._channel_actor(
            c, mm2s, op.channel_index.value.data, blocks[0], repeat, op_location(op)
        )

    def _bd_block(self, block: Block, built: dict[Block, dma.BdBlock], c: Coords) -> dma.BdBlock:
        if block in built:
            return built[block]
        result = dma.BdBlock([])
        built[block] = result
        header: int | None = None  # aie.dma_bd_packet: the header of the BD that follows
        for op in block.ops:
            if isinstance(op, aie.UseLockOp):
                lock = self.locks.get(op.lock.owner)  # type: ignore[arg-type]
                if lock is None:
                    raise DesignError(
                        f"{op_location(op)}: error: use_lock of a value that is not an aie.lock"
                    )
                value = 1 if op.value is None else op.value.value.data
                result.steps.append(dma.LockStep(lock, aie.LOCK_ACTION.name(op.action), value))
            elif isinstance(op, aie.DMABDOp):
                packet = header if op.packet is None else op.packet.pkt_id.data
                result.steps.append(self._bd_step(op, packet))
                header = None
            elif isinstance(op, aie.DMABDPacketOp):
                header = op.packet_id.value.data
            elif isinstance(op, aie.NextBDOp):
                result.next = self._bd_block(op.dest, built, c)
            elif isinstance(op, aie.BufferOp | aie.LockOp):
                pass  # declared in the region (built with the device's)
            elif not isinstance(op, aie.EndOp):
                raise DesignError(
                    f"{op_location(op)}: error: '{op.name}' in a BD block is not modelled"
                )
        return result

    def _bd_step(self, op: aie.DMABDOp, packet: int | None = None) -> dma.BdStep:
        owner = op.buffer.owner
        if not isinstance(owner, aie.BufferOp):
            raise DesignError(
                f"{op_location(op)}: error: dma_bd on a value that is not an aie.buffer"
            )
        array = self.buffers[owner]
        offset = 0 if op.offset is None else op.offset.value.data
        length = array.size - offset if op.len is None else op.len.value.data
        dims = dims_of(op.dimensions)
        if op.pad_dimensions is not None:
            pads = [
                (p.const_pad_before.data, p.const_pad_after.data)
                for p in op.pad_dimensions.pads.data
            ]
            index = patterns.walk_padded(dims, pads, offset)
        else:
            index = patterns.walk(dims, offset, length)
        bad = patterns.outside(index[index >= 0], array.size)
        if bad is not None:
            raise DesignError(
                f"{op_location(op)}: error: this BD's access pattern reaches element {bad} of a "
                f"buffer of {array.size} elements"
            )
        name = owner.sym_name.data if owner.sym_name is not None else "aie.buffer"
        pad = 0 if op.pad_value is None else op.pad_value.value.data
        return dma.BdStep(
            array.reshape(-1), self.buffer_masks[owner], index, f"buffer @{name}", pad, packet
        )

    # ------------------------------------------------------------ objectfifos

    def _objectfifos(self, ops: list[Operation]) -> None:
        fifos = {op.fifo_name: op for op in ops if isinstance(op, aie.ObjectFifoCreateOp)}
        links = [op for op in ops if isinstance(op, aie.ObjectFifoLinkOp)]
        # "in:<fifo>"/"out:<fifo>" -> (the link tile's pool, offset of the slice, link
        # tile, elements one transfer of that fifo's link-side DMA moves)
        link_pools: dict[str, tuple[Pool, int, Coords, int | None]] = {}
        for link in links:
            ins = [fifos[n] for n in link._names(link.fifoIns)]
            outs = [fifos[n] for n in link._names(link.fifoOuts)]
            c = tile_coords(outs[0].producerTile)
            join = len(ins) > 1
            owner = outs[0] if join else ins[0]
            one_to_one = len(ins) == 1 and len(outs) == 1
            if one_to_one and _elements(outs[0]) > _elements(ins[0]):
                # mlir-aie sizes a one-to-one link's buffers by the larger object;
                # the smaller side's objects fill (or drain) it piece by piece
                owner = outs[0]
            if join:
                depth = owner.depths[0]
            else:
                depth = _consumer_depth(owner, c)
            shape, dtype = memref_info(owner.element_type, owner)
            names = "/".join(f"@{f.fifo_name}" for f in (*ins, *outs))
            pool = Pool(names, self.tile_label(c), depth, shape, dtype, self.ready)
            self.pools.append((pool, None))
            self.use_memory(c, f"{names} link buffers", pool.nbytes)
            src = _offsets(link.src_offsets.data, ins)
            dst = _offsets(link.dst_offsets.data, outs)
            whole = _elements(owner) if one_to_one else None
            for k, fifo in enumerate(ins):
                link_pools[f"in:{fifo.fifo_name}"] = (pool, src[k] if join else 0, c, whole)
            for k, fifo in enumerate(outs):
                base = dst[k] if len(outs) > 1 else 0
                link_pools[f"out:{fifo.fifo_name}"] = (pool, base, c, whole)
        for fifo in fifos.values():
            self._objectfifo(fifo, link_pools)

    def _objectfifo(
        self,
        fifo: aie.ObjectFifoCreateOp,
        link_pools: dict[str, tuple[Pool, int, Coords, int | None]],
    ) -> None:
        name = fifo.fifo_name
        shape, dtype = memref_info(fifo.element_type, fifo)
        holder = self._shared_holder(fifo, link_pools)
        if holder is not None:
            # no DMA: both cores take the objects where one tile holds them
            pool = self._pool(fifo, holder, fifo.depths[0], shape, dtype, shared=True)
            self.pools[-1] = (pool, self._init_values(fifo, shape, dtype))
            self.producer_pools[name] = pool
            self.consumer_pools[(name, tile_coords(fifo.consumerTiles[0]))] = pool
            return
        size = int(np.prod(shape, dtype=np.int64))
        stream = Stream(f"the stream of @{name}", 0, self.ready)
        prod = tile_coords(fifo.producerTile)
        where = op_location(fifo)
        repeat = 1 if fifo.repeat_count is None else fifo.repeat_count.value.data
        if self.is_shim(prod):
            if repeat != 1:
                raise DesignError(
                    f"{where}: error: @{name} has repeat_count {repeat} on a shim tile "
                    "producer; mlir-aie repeats objects on a memtile or compute tile's DMA "
                    "(the runtime sequence resends from the host instead)"
                )
            self._fifo_shim(name, prod[0], True, stream, -1, where)
        else:
            if (
                repeat != 1
                and self.model.tile_kind(*prod) is TileKind.COMPUTE
                and (fifo.depths[0] > 1)
            ):
                raise DesignError(
                    f"{where}: error: @{name} has repeat_count {repeat} on a compute tile "
                    f"producer with depth {fifo.depths[0]}; mlir-aie's objectfifo lowering "
                    "repeats a compute tile's objects only at depth 1"
                )
            moved = size
            if f"out:{name}" in link_pools:
                pool, base, _, whole = link_pools[f"out:{name}"]
                moved = whole or size
            else:
                pool, base = self._pool(fifo, prod, fifo.depths[0], shape, dtype), 0
                self.producer_pools[name] = pool
                self.pools[-1] = (pool, self._init_values(fifo, shape, dtype))
            index = self._index(fifo, dims_of(fifo.dimensionsToStream), base, moved, pool, where)
            label = f"{self.tile_label(prod)} DMA MM2S of @{name}"
            port = pool.port(False, label, False)
            self.actors.append(
                DmaActor(
                    label,
                    lambda port=port, index=index, label=label: dma.fifo_mm2s(
                        port, stream, index, label, repeat
                    ),
                    where,
                )
            )
        per_consumer = fifo.dimensionsFromStreamPerConsumer.per_consumer.data
        for i, value in enumerate(fifo.consumerTiles):
            c = tile_coords(value)
            k = stream.add_receiver()
            if self.is_shim(c):
                self._fifo_shim(name, c[0], False, stream, k, where)
                continue
            linked = link_pools.get(f"in:{name}")
            moved = size
            if linked is not None and linked[2] == c:
                pool, base, _, whole = linked
                moved = whole or size
            else:
                depth = fifo.depths[i + 1] if len(fifo.depths) > 1 else fifo.depths[0]
                pool, base = self._pool(fifo, c, depth, shape, dtype), 0
                self.consumer_pools[(name, c)] = pool
            dims = dims_of(per_consumer[i]) if i < len(per_consumer) else []
            index = self._index(fifo, dims, base, moved, pool, where)
            label = f"{self.tile_label(c)} DMA S2MM of @{name}"
            port = pool.port(True, label, False)
            self.actors.append(
                DmaActor(
                    label,
                    lambda port=port, k=k, index=index, label=label: dma.fifo_s2mm(
                        port, stream, k, index, label
                    ),
                    where,
                )
            )

    def _shared_holder(
        self,
        fifo: aie.ObjectFifoCreateOp,
        link_pools: dict[str, tuple[Pool, int, Coords, int | None]],
    ) -> Coords | None:
        """The tile holding a fifo that needs no DMA: the rule physical mapping
        and the lock budget count by (npu_lock_budget.fifo_holder_tile, on
        devices.fifo_holder), for a fifo not part of a link. None: each end
        holds its own objects, moved by DMA."""
        name = fifo.fifo_name
        if f"out:{name}" in link_pools or f"in:{name}" in link_pools:
            return None
        coords = {t: tile_coords(t) for t in (fifo.producerTile, *fifo.consumerTiles)}
        return fifo_holder_tile(fifo, coords, self.model)

    @staticmethod
    def _init_values(
        fifo: aie.ObjectFifoCreateOp, shape: tuple[int, ...], dtype: Any
    ) -> list[np.ndarray] | None:
        if fifo.initValues is None:
            return None
        return [
            np.asarray(v.get_values(), dtype=dtype).reshape(shape)  # type: ignore[attr-defined]
            for v in fifo.initValues.data
        ]

    def _pool(
        self,
        fifo: aie.ObjectFifoCreateOp,
        c: Coords,
        depth: int,
        shape: tuple[int, ...],
        dtype: Any,
        shared: bool = False,
    ) -> Pool:
        pool = Pool(fifo.fifo_name, self.tile_label(c), depth, shape, dtype, self.ready)
        self.pools.append((pool, None))
        what = f"@{fifo.fifo_name} buffers ({depth} x {pool.buffers[0].nbytes} B"
        self.use_memory(c, what + (", shared memory)" if shared else ")"), pool.nbytes)
        return pool

    def _index(
        self,
        fifo: aie.ObjectFifoCreateOp,
        dims: list[tuple[int, int]],
        base: int,
        size: int,
        pool: Pool,
        where: str,
    ) -> np.ndarray:
        index = patterns.walk_to_length(dims, base, size)
        limit = pool.flat[0].size
        bad = patterns.outside(index, limit)
        if bad is not None:
            raise DesignError(
                f"{where}: error: the access pattern of @{fifo.fifo_name} {dims} reaches element "
                f"{bad} of an object of {limit} elements"
            )
        return index

    def _fifo_shim(
        self, name: str, col: int, mm2s: bool, stream: Stream, k: int, where: str
    ) -> None:
        direction = "MM2S" if mm2s else "S2MM"
        channel = self.shim_counts.get((col, direction), 0)
        self.shim_counts[(col, direction)] = channel + 1
        self._shim_channel(name, col, mm2s, channel, stream, k, where)

    # --------------------------------------------------------------- checks

    def core_port(self, fifo: str, role: str, c: Coords, where: str) -> PoolPort:
        pool = (
            self.producer_pools.get(fifo)
            if role == "Produce"
            else self.consumer_pools.get((fifo, c))
        )
        if pool is None:
            raise DesignError(
                f"{where}: error: the core of {self.tile_label(c)} uses @{fifo} ({role}), but "
                f"this tile holds no {role.lower()}r end of it"
            )
        return pool.port(role == "Produce", f"core of {self.tile_label(c)}", True)

    def named_buffer(self, name: str) -> np.ndarray | None:
        for op, array in self.buffers.items():
            if isinstance(op, aie.BufferOp) and op.sym_name is not None:
                if op.sym_name.data == name:
                    return array
        return None

    def cascade(self, c: Coords, side: str, where: str) -> Cascade:
        found = self.cascades.get((c, side))
        if found is None:
            what = "puts to" if side == "out" else "gets from"
            raise DesignError(
                f"{where}: error: the core of {self.tile_label(c)} {what} the cascade, but no "
                f"aie.cascade_flow {'leaves' if side == 'out' else 'reaches'} this tile"
            )
        return found

    def start(self) -> None:
        for pool, init in self.pools:
            pool.start(init)

    def check_memory(self, where: str) -> None:
        for c, uses in sorted(self.tile_memory.items()):
            capacity = self.model.tile_facts(*c).data_memory_bytes
            total = sum(n for _, n in uses)
            if total > capacity:
                parts = ", ".join(f"{what} {n} B" for what, n in uses)
                raise DesignError(
                    f"{where}: error: {self.tile_label(c)} needs {total} bytes of data memory "
                    f"but has {capacity} ({self.model.name}): {parts}"
                )


def _elements(fifo: aie.ObjectFifoCreateOp) -> int:
    return aie.memref_elements(fifo.element_type)


def _offsets(given: Sequence[Attribute], fifos: list[aie.ObjectFifoCreateOp]) -> list[int]:
    """A join's or distribute's offsets; older files leave them out (`([] [])`),
    meaning the slices follow each other in order."""
    if given:
        return [o.value.data for o in given]  # type: ignore[attr-defined]
    out, at = [], 0
    for fifo in fifos:
        out.append(at)
        at += _elements(fifo)
    return out


def _consumer_depth(fifo: aie.ObjectFifoCreateOp, c: Coords) -> int:
    depths = fifo.depths
    if len(depths) == 1:
        return depths[0]
    for i, value in enumerate(fifo.consumerTiles):
        if tile_coords(value) == c:
            return depths[i + 1]
    return depths[0]


__all__ = ["DmaActor", "Fabric", "tile_coords"]
