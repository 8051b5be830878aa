"""Register-level runtime sequences: what `aiex.npu.writebd`, `address_patch`,
`write32`, `maskwrite32` and `blockwrite` do to the virtual NPU.

mlir-aie lowers a `dma_memcpy_nd` to a shim BD written field by field
(`writebd`, or the same words with `blockwrite`), an `address_patch` that points
the BD at a host buffer (argument `arg_idx` plus `arg_plus` bytes) and a write
of the channel's task-queue register that starts it (`npu.sync` then waits for
its token). Modelled here, for AIE-ML parts:
- shim tile BDs written with `writebd` (fields in 32-bit words, strides and the
  iteration size stored minus one, as mlir-aie's getHardwareStridesWraps
  encodes them; `d0_size = 0` is a linear transfer of `buffer_length` words);
- memtile BDs written with `writebd` (row 1): the aie.buffer whose `address`
  holds `buffer_offset`, the memtile's own locks as ids 64 + k with 7-bit
  signed values (-v: acquire >= v), `next_bd` chains, started by the memtile
  task queues (0xA0604 + 8 n: S2MM n, 0xA0634 + 8 n: MM2S n);
- `address_patch` of a shim BD's address word (BD `n` at 0x1D000 + 0x20 n;
  the patched word is the BD's second one);
- task-queue writes of the shim channels (0x1D204/0x1D20C S2MM 0/1,
  0x1D214/0x1D21C MM2S 0/1: the DMA control register + 4, mlir-aie's
  getDmaControlAddress): BD id in bits 3:0, repeat count in 23:16, bit 31
  raises a task-completion token;
- data writes into an `aie.buffer` named with `buffer = @name` (`address` in
  words, as mlir-aie resolves it) and the lock value registers of compute
  tiles (0x1F000 + 0x10 k).
A register write this model cannot follow (raw BD words, BDs of compute tiles,
memtile BDs on a neighbour's locks, buffers located only by byte address) stops the run with a
located error naming the op; other writes configure hardware the model does
not have (stream switches, trace, DMA control bits) and change nothing here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dato_xdsl.devices import TileKind
from dato_xdsl.targets.simulator.semantics import OpFailure
from dato_xdsl.targets.virtual_npu import dma
from dato_xdsl.targets.virtual_npu.dma import HostTask
from dato_xdsl.targets.virtual_npu.errors import DesignError, TransferError

SHIM_BD_BASE = 0x1D000
BD_BYTES = 0x20
SHIM_BDS = 16
SHIM_QUEUES = {
    0x1D204: ("S2MM", 0),
    0x1D20C: ("S2MM", 1),
    0x1D214: ("MM2S", 0),
    0x1D21C: ("MM2S", 1),
}
MEMTILE_BD_BASE = 0xA0000
MEMTILE_BDS = 48
MEMTILE_CHANNELS = 6
MEMTILE_S2MM_QUEUE = 0xA0604  # S2MM n at + 8 n; MM2S n at 0xA0634 + 8 n
MEMTILE_MM2S_QUEUE = 0xA0634
MEMTILE_OWN_LOCKS = 64  # a memtile BD names its own lock k as 64 + k (0-63: west)
COMPUTE_LOCKS = 0x1F000
LOCK_BYTES = 0x10
COMPUTE_LOCK_COUNT = 16
WORD = 4


def split_address(address: int, column: int | None, row: int | None) -> tuple[int, int, int]:
    """(column, row, offset in the tile): from the op's column/row when given,
    else from the address (column in bits 31:25, row in 24:20, as mlir-aie's
    target models shift them)."""
    if column is not None and row is not None:
        return column, row, address & 0xFFFFF
    return (address >> 25) & 0x7F, (address >> 20) & 0x1F, address & 0xFFFFF


def shim_queue(offset: int) -> tuple[str, int] | None:
    return SHIM_QUEUES.get(offset)


def memtile_queue(offset: int) -> tuple[str, int] | None:
    for direction, base in (("S2MM", MEMTILE_S2MM_QUEUE), ("MM2S", MEMTILE_MM2S_QUEUE)):
        channel, rest = divmod(offset - base, 8)
        if rest == 0 and 0 <= channel < MEMTILE_CHANNELS:
            return direction, channel
    return None


def _signed7(value: int) -> int:
    """A BD's 7-bit two's-complement lock value (127 is -1)."""
    value &= 0x7F
    return value - 0x80 if value & 0x40 else value


def _words(array: np.ndarray, byte_offset: int, word_index: np.ndarray, what: str) -> np.ndarray:
    """Element indices of `array` the 32-bit words at `word_index` (counted from
    `byte_offset`) cover."""
    size = array.dtype.itemsize
    if size > WORD or WORD % size or byte_offset % size:
        raise OpFailure(
            f"{what}: host buffer of {array.dtype} at byte {byte_offset}: the shim moves "
            "32-bit words of elements of 1, 2 or 4 bytes",
            TransferError,
        )
    per = WORD // size
    first = byte_offset // size
    return (first + word_index[:, None] * per + np.arange(per)[None, :]).reshape(-1)


@dataclass
class ShimBd:
    fields: Mapping[str, int]
    where: str
    iteration: int = 0
    """How many times the BD has run (its iteration counter)."""

    def word_index(self) -> np.ndarray:
        """The words one run of this BD moves, relative to its address."""
        f = self.fields
        length = f["buffer_length"]
        d0 = f["d0_size"]
        if d0 == 0:  # linear: no data layout transformation
            index = np.arange(length, dtype=np.int64)
        else:
            d1 = max(f["d1_size"], 1)
            k = np.arange(length, dtype=np.int64)
            i0, i1, i2 = k % d0, (k // d0) % d1, k // (d0 * d1)
            index = (
                i0 * (f["d0_stride"] + 1) + i1 * (f["d1_stride"] + 1) + i2 * (f["d2_stride"] + 1)
            )
        if f["iteration_size"] > 0:
            step = (self.iteration % (f["iteration_size"] + 1)) * (f["iteration_stride"] + 1)
            index = index + step
        return index


@dataclass
class Registers:
    """The register state a runtime sequence writes, per run."""

    fabric: Any
    bds: dict[tuple[int, int], ShimBd] = field(default_factory=dict)
    patches: dict[tuple[int, int], tuple[np.ndarray, int]] = field(default_factory=dict)
    tile_bds: dict[tuple[int, int, int], ShimBd] = field(default_factory=dict)
    """Memtile BDs written by writebd: (column, row, BD id) -> fields."""

    def writebd(self, fields: dict[str, int], where: str) -> None:
        col, row = fields["column"], fields.get("row", 0)
        kind = self.fabric.model.tile_kind(col, row)
        if kind is TileKind.MEMTILE:
            self.tile_bds[(col, row, fields["bd_id"])] = ShimBd(dict(fields), where)
            return
        if kind is not TileKind.SHIM:
            raise DesignError(
                f"{where}: error: aiex.npu.writebd of a BD of {self.fabric.tile_label((col, row))} "
                "is not modelled (shim and memtile BDs only); program that DMA with aie.mem "
                "or aiex.dma_configure_task"
            )
        self.bds[(col, fields["bd_id"])] = ShimBd(dict(fields), where)

    def patch(self, address: int, array: np.ndarray, plus: int, where: str) -> None:
        col, row, offset = split_address(address, None, None)
        bd, word = divmod(offset - SHIM_BD_BASE, BD_BYTES)
        if self.fabric.model.tile_kind(col, row) is not TileKind.SHIM or not (
            0 <= bd < SHIM_BDS and word == WORD
        ):
            raise DesignError(
                f"{where}: error: aiex.npu.address_patch of address {address:#x}, which is not "
                "the address word of a shim tile BD (0x1D004 + 0x20 n); not modelled"
            )
        self.patches[(col, bd)] = (array, plus)

    def write(
        self,
        op: str,
        address: int,
        column: int | None,
        row: int | None,
        values: np.ndarray,
        mask: int | None,
        buffer: np.ndarray | None,
        where: str,
    ) -> None:
        """write32 / maskwrite32 (one word) and blockwrite (several)."""
        if buffer is not None:  # `buffer = @name, address = word index`
            self._into_buffer(op, buffer, address, values, mask, where)
            return
        col, row, offset = split_address(address, column, row)
        kind = self.fabric.model.tile_kind(col, row)
        if kind is TileKind.SHIM:
            if SHIM_BD_BASE <= offset < SHIM_BD_BASE + SHIM_BDS * BD_BYTES:
                raise DesignError(
                    f"{where}: error: {op} of raw BD words at {offset:#x} of shim tile ({col}, "
                    f"{row}) is not modelled; write the BD with aiex.npu.writebd"
                )
            queue = shim_queue(offset)
            if queue is not None:
                if op == "aiex.npu.blockwrite" or len(values) != 1 or mask is not None:
                    raise DesignError(
                        f"{where}: error: {op} to a task-queue register is not modelled "
                        "(use aiex.npu.write32)"
                    )
                self._push(col, queue, int(values[0]), where)
            return
        if kind is TileKind.MEMTILE and (queue := memtile_queue(offset)) is not None:
            if op == "aiex.npu.blockwrite" or len(values) != 1 or mask is not None:
                raise DesignError(
                    f"{where}: error: {op} to a task-queue register is not modelled "
                    "(use aiex.npu.write32)"
                )
            self._push_tile((col, row), queue, int(values[0]), where)
            return
        if kind is TileKind.COMPUTE and (
            COMPUTE_LOCKS <= offset < COMPUTE_LOCKS + COMPUTE_LOCK_COUNT * LOCK_BYTES
        ):
            lock_id, rest = divmod(offset - COMPUTE_LOCKS, LOCK_BYTES)
            lock = self.fabric.lock_at((col, row), lock_id)
            if rest or lock is None or len(values) != 1:
                raise DesignError(
                    f"{where}: error: {op} to lock register {offset:#x} of compute tile ({col}, "
                    f"{row}): no aie.lock with id {lock_id} there, or not one whole value"
                )
            value = int(values[0])
            if mask is not None:
                value = (lock.value & ~mask) | (value & mask)
            lock.set(value)
            return
        if offset < self.fabric.model.tile_facts(col, row).data_memory_bytes and kind in (
            TileKind.COMPUTE,
            TileKind.MEMTILE,
        ):
            raise DesignError(
                f"{where}: error: {op} to byte {offset} of {self.fabric.tile_label((col, row))}'s "
                "data memory: buffers have no addresses in this model; name the buffer "
                "(`buffer = @name, address = word`)"
            )
        # other registers (stream switches, trace, DMA control bits): not modelled, no effect

    def _into_buffer(
        self,
        op: str,
        buffer: np.ndarray,
        word: int,
        values: np.ndarray,
        mask: int | None,
        where: str,
    ) -> None:
        words = buffer.reshape(-1).view(np.uint8)
        start, end = word * WORD, (word + len(values)) * WORD
        if end > words.size:
            raise DesignError(
                f"{where}: error: {op} writes words {word}-{word + len(values) - 1} of a buffer "
                f"of {words.size // WORD} words"
            )
        target = words[start:end].view(np.uint32)
        new = np.asarray(values, dtype=np.int64).astype(np.uint32)
        if mask is not None:
            new = (target & np.uint32(~mask & 0xFFFFFFFF)) | (new & np.uint32(mask))
        target[...] = new

    def _push_tile(
        self, c: tuple[int, int], queue: tuple[str, int], value: int, where: str
    ) -> None:
        """Start the memtile BD chain at the BD id in `value` (bits 5:0; repeat in
        23:16) on channel `queue`: each BD acquires and releases the locks its
        fields name (value 7-bit signed: -v is AcquireGreaterEqual v, +v Acquire
        v), moves its words of the aie.buffer at its byte address, then follows
        next_bd (a chain may loop, as aie.mem chains do)."""
        direction, channel_id = queue
        channel = self.fabric.register_channels.get((c, direction, channel_id))
        if channel is None:
            raise DesignError(
                f"{where}: error: task-queue write for {self.fabric.tile_label(c)} {direction} "
                f"{channel_id}, which the design does not connect"
            )
        blocks: dict[int, dma.BdBlock] = {}

        def block(bd_id: int) -> dma.BdBlock:
            if bd_id in blocks:
                return blocks[bd_id]
            bd = self.tile_bds.get((c[0], c[1], bd_id))
            if bd is None:
                raise DesignError(
                    f"{where}: error: the task queue starts BD {bd_id} of "
                    f"{self.fabric.tile_label(c)}, which no aiex.npu.writebd wrote"
                )
            result = blocks[bd_id] = dma.BdBlock([])
            f = bd.fields
            if f.get("lock_acq_enable", 0):
                v = _signed7(f.get("lock_acq_val", 0))
                action = "AcquireGreaterEqual" if v < 0 else "Acquire"
                result.steps.append(
                    dma.LockStep(self._lock(c, f, "lock_acq_id", bd), action, abs(v))
                )
            result.steps.append(self._tile_step(c, bd))
            if _signed7(f.get("lock_rel_val", 0)):
                v = _signed7(f["lock_rel_val"])
                result.steps.append(dma.LockStep(self._lock(c, f, "lock_rel_id", bd), "Release", v))
            if f.get("use_next_bd", 0):
                result.next = block(f["next_bd"])
            return result

        first = block(value & 0x3F)
        channel.queue.append((first, (value >> 16) & 0xFF))
        channel.notify()

    def _lock(self, c: tuple[int, int], f: Mapping[str, int], key: str, bd: ShimBd) -> Any:
        lock_id = f.get(key, 0) - MEMTILE_OWN_LOCKS
        lock = self.fabric.lock_at(c, lock_id) if lock_id >= 0 else None
        if lock is None:
            raise DesignError(
                f"{bd.where}: error: BD {key} {f.get(key, 0)}: not a lock of "
                f"{self.fabric.tile_label(c)} (its own locks are {MEMTILE_OWN_LOCKS}+k; "
                "neighbours' locks are not modelled)"
            )
        return lock

    def _tile_step(self, c: tuple[int, int], bd: ShimBd) -> dma.BdStep:
        offset = bd.fields.get("buffer_offset", 0)
        found = self.fabric.buffer_at(c, offset)
        if found is None:
            raise DesignError(
                f"{bd.where}: error: BD at byte {offset} of {self.fabric.tile_label(c)}: no "
                "aie.buffer there has that address (give the buffer an `address`)"
            )
        op, array, mask, start = found
        index = _words(array.reshape(-1), offset - start, bd.word_index(), bd.where)
        if index.size and index.max() >= array.size:
            raise DesignError(
                f"{bd.where}: error: BD reaches element {int(index.max())} of a buffer of "
                f"{array.size}"
            )
        name = op.sym_name.data if op.sym_name is not None else "aie.buffer"
        return dma.BdStep(array.reshape(-1), mask, index, f"buffer @{name}")

    def _push(self, col: int, queue: tuple[str, int], value: int, where: str) -> None:
        """Start the BD chain at the BD id in `value` on the shim channel `queue`."""
        direction, channel_id = queue
        channel = self.fabric.sync_channels.get((col, 0, direction, channel_id))
        if channel is None:
            raise DesignError(
                f"{where}: error: task-queue write for shim tile ({col}, 0) {direction} "
                f"{channel_id}, a channel no flow or allocation connects"
            )
        first = value & 0xF
        repeat = (value >> 16) & 0xFF
        token = bool(value >> 31)
        host_bds: list[Any] = []
        ids: list[int] = []
        packet: int | None = None
        for _ in range(repeat + 1):
            bd_id: int | None = first
            seen: set[int] = set()
            while bd_id is not None:
                bd = self.bds.get((col, bd_id))
                if bd is None:
                    raise DesignError(
                        f"{where}: error: the task queue starts BD {bd_id} of shim tile ({col}, "
                        "0), which no aiex.npu.writebd wrote"
                    )
                found = self.patches.get((col, bd_id))
                if found is None:
                    raise DesignError(
                        f"{bd.where}: error: BD {bd_id} of shim tile ({col}, 0) has no "
                        "aiex.npu.address_patch (the host buffer it moves)"
                    )
                array, plus = found
                offset = plus + bd.fields.get("buffer_offset", 0)
                index = _words(array, offset, bd.word_index(), f"BD {bd_id}")
                bd.iteration += 1
                host_bds.append(channel._bd(array, index))
                ids.append(bd_id)
                if bd.fields.get("enable_packet", 0) and packet is None:
                    packet = bd.fields.get("packet_id", 0)
                seen.add(bd_id)
                bd_id = bd.fields["next_bd"] if bd.fields.get("use_next_bd", 0) else None
                if bd_id in seen:
                    raise DesignError(
                        f"{bd.where}: error: shim BD chain loops back to BD {bd_id}; an endless "
                        "host transfer is not modelled"
                    )
        task = HostTask(channel, host_bds, sorted(set(ids)), token, 0, packet)
        channel._claim(task)
        channel.start(task)


__all__ = ["Registers", "ShimBd", "memtile_queue", "shim_queue", "split_address"]
