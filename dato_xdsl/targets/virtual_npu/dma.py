"""DMA channels as actors (Python generators yielding what they wait on).

- `fifo_mm2s` / `fifo_s2mm`: the DMA side of an objectfifo end: take a full
  buffer and stream it out through its access pattern, or take a free buffer
  and fill it from the stream.
- `bd_chain`: an `aie.dma_start` chain of `aie.mem`/`aie.memtile_dma`: per BD,
  its lock acquires, the transfer, its lock releases, then `next_bd`.
- `ShimChannel` + `shim_channel`: a shim DMA channel fed by the runtime
  sequence (`dma_memcpy_nd`, DMA tasks) with host arrays.

An actor yields `(waitable, description)`; the description says what it waits
for in deadlock reports."""

from __future__ import annotations

from collections import deque
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from dato_xdsl.targets.simulator.semantics import OpFailure
from dato_xdsl.targets.virtual_npu import patterns
from dato_xdsl.targets.virtual_npu.errors import (
    BdReuseError,
    TokenError,
    TransferError,
    UnwrittenDataError,
)
from dato_xdsl.targets.virtual_npu.state import Lock, PoolPort, RecvJob, SendJob, Stream, Waitable

ActorGen = Generator[tuple[Waitable, Any], None, None]
HostBd = tuple[np.ndarray, np.ndarray, np.ndarray | None]
"""A host BD: the flat host array, the element indices it walks, and the
array's written-mask (outputs only)."""


def _unwritten(mask: np.ndarray, index: np.ndarray, what: str) -> OpFailure | None:
    seen = mask[index]
    if seen.all():
        return None
    missing = int((~seen).sum())
    first = int(index[np.argmin(seen)])
    return OpFailure(
        f"reads {missing} of the {index.size} element(s) it sends from {what} that no DMA or "
        f"core wrote (the first is element {first})",
        UnwrittenDataError,
    )


# ----------------------------------------------------------- objectfifo DMAs


def fifo_mm2s(
    port: PoolPort, stream: Stream, index: np.ndarray, label: str, repeat: int = 1
) -> ActorGen:
    """Send each full object `repeat` times before releasing it (an objectfifo's
    `repeat_count`: mlir-aie's lowering gives the producer's MM2S BD that
    repeat, so the object is pushed again without being refilled)."""
    pool = port.pool
    waiting_full = f"{label} waits for a full buffer of {pool.label}"
    sending = f"{label} is sending an object on {stream.label}"
    while True:
        while not port.acquire(1):
            yield pool, waiting_full
        b = port.held[0]
        failure = _unwritten(pool.mask[b], index, f"an object of {pool.label}")
        if failure is not None:
            raise failure
        data = pool.flat[b][index]
        for _ in range(repeat):
            job = SendJob(data)
            stream.post_send(job)
            while not job.done:
                yield stream, sending
        port.release(1)


def fifo_s2mm(port: PoolPort, stream: Stream, k: int, index: np.ndarray, label: str) -> ActorGen:
    pool = port.pool
    waiting_free = f"{label} waits for a free buffer of {pool.label}"
    receiving = f"{label} is receiving an object from {stream.label}"
    while True:
        while not port.acquire(1):
            yield pool, waiting_free
        b = port.held[0]
        job = RecvJob(pool.flat[b], index, pool.mask[b])
        stream.post_recv(k, job)
        while not job.done:
            yield stream, receiving
        port.release(1)


# ------------------------------------------------------------ BD chains


@dataclass(frozen=True)
class LockStep:
    lock: Lock
    action: str
    value: int


@dataclass(frozen=True)
class BdStep:
    flat: np.ndarray
    mask: np.ndarray
    index: np.ndarray
    """Element indices the BD walks; -1 marks a padding element (MM2S only)."""
    what: str
    pad_value: int = 0
    packet: int | None = None
    """Packet id of the header an MM2S BD sends first (packet-switched ports)."""

    def gather(self) -> np.ndarray:
        """The elements an MM2S BD sends, padding included."""
        if self.index.size and self.index.min() < 0:
            data = np.full(self.index.size, self.pad_value, dtype=self.flat.dtype)
            real = self.index >= 0
            data[real] = self.flat[self.index[real]]
            return data
        return self.flat[self.index]


@dataclass
class BdBlock:
    steps: list[LockStep | BdStep]
    next: BdBlock | None = None


def bd_chain(
    first: BdBlock, mm2s: bool, stream: Stream, k: int, repeat: int, label: str
) -> ActorGen:
    transfer = f"{label} is {'sending on' if mm2s else 'receiving from'} {stream.label}"
    rounds = 0
    block: BdBlock | None = first
    while block is not None:
        for step in block.steps:
            if isinstance(step, LockStep):
                lock, v = step.lock, step.value
                if step.action == "Release":
                    lock.release(v)
                    continue
                ge = step.action == "AcquireGreaterEqual"
                while not (lock.acquire_ge(v) if ge else lock.acquire_eq(v)):
                    yield (
                        lock,
                        f"{label} waits on {lock.label} ({step.action} {v}, value {lock.value})",
                    )
                continue
            if mm2s:
                failure = _unwritten(step.mask, step.index[step.index >= 0], step.what)
                if failure is not None:
                    raise failure
                job: SendJob | RecvJob = SendJob(step.gather(), step.packet)
                stream.post_send(job)  # type: ignore[arg-type]
            else:
                if step.index.size and step.index.min() < 0:
                    raise OpFailure(
                        f"{label}: padding on a receiving (S2MM) BD is not modelled",
                        TransferError,
                    )
                job = RecvJob(step.flat, step.index, step.mask)
                stream.post_recv(k, job)
            while not job.done:
                yield stream, transfer
        block = block.next
        if block is None and rounds < repeat:
            rounds += 1
            block = first


# ---------------------------------------------------------------- shim DMAs


class HostTask:
    """A runtime-sequence transfer on a shim channel: one or more BDs over host arrays."""

    __slots__ = (
        "awaited",
        "bd_ids",
        "bds",
        "channel",
        "done",
        "issue_token",
        "moved",
        "packet",
        "repeat",
        "total",
    )

    def __init__(
        self,
        channel: ShimChannel,
        bds: list[HostBd],
        bd_ids: list[int],
        issue_token: bool,
        repeat: int,
        packet: int | None = None,
    ) -> None:
        self.channel = channel
        self.packet = packet
        self.bds = bds
        self.bd_ids = bd_ids
        self.issue_token = issue_token
        self.repeat = repeat
        self.done = False
        # its task-completion token was consumed by a dma_wait / npu.sync / dma_await_task
        self.awaited = False
        self.total = sum(index.size for _, index, _ in bds) * (repeat + 1)
        self.moved = 0


class ShimChannel(Waitable):
    """One shim DMA channel. `bd_table` (shared by the channels of a shim tile)
    maps each BD id to the task that last programmed it."""

    __slots__ = (
        "bd_table",
        "host_masks",
        "k",
        "mm2s",
        "queue",
        "stream",
        "tasks",
        "tokens",
        "waited",
    )

    def __init__(
        self,
        label: str,
        mm2s: bool,
        stream: Stream,
        k: int,
        bd_table: dict[int, HostTask],
        host_masks: dict[int, np.ndarray],
        ready: deque[Any],
    ) -> None:
        super().__init__(label, ready)
        self.mm2s = mm2s
        self.stream = stream
        self.k = k
        self.bd_table = bd_table
        self.host_masks = host_masks
        self.queue: deque[HostTask] = deque()
        self.tasks: list[HostTask] = []
        # completed tasks whose task-completion token no wait has consumed yet, oldest first
        self.tokens: deque[HostTask] = deque()
        # some wait of the sequence names this channel: its leftover tokens would
        # satisfy the next run's wait early (tokens of a channel no wait names are
        # never looked at, as in mlir-aie's add_one_objFifo test)
        self.waited = False

    def expect_token(self, what: str) -> None:
        """A wait consumes one task-completion token of this channel (mlir-aie
        lowers dma_wait and dma_await_task to one npu.sync): if none is raised
        or coming, the wait would hang on hardware."""
        self.waited = True
        coming = sum(t.issue_token for t in self.queue)
        if not self.tokens and not coming:
            raised = sum(t.issue_token for t in self.tasks)
            raise OpFailure(
                f"{what} waits for a task-completion token of {self.label}, but no transfer "
                f"on it raises one that is not already awaited ({raised} raised so far, all "
                "consumed); on hardware the wait would hang",
                TokenError,
            )

    def has_token(self) -> bool:
        return bool(self.tokens)

    def take_token(self) -> None:
        self.tokens.popleft().awaited = True

    def idle(self) -> bool:
        return not self.queue

    def _bd(self, array: np.ndarray, index: np.ndarray) -> HostBd:
        if not array.flags.c_contiguous:
            raise OpFailure(f"transfer on {self.label} from a strided host view", TransferError)
        flat = array.reshape(-1)
        bad = patterns.outside(index, flat.size)
        if bad is not None:
            raise OpFailure(
                f"transfer on {self.label} reaches element {bad} of a host buffer of "
                f"{flat.size} elements",
                TransferError,
            )
        mask = self.host_masks.get(id(array))
        return flat, index, None if mask is None else mask.reshape(-1)

    def _claim(self, task: HostTask) -> None:
        for bd in task.bd_ids:
            if bd < 0:
                continue
            previous = self.bd_table.get(bd)
            if previous is not None and not previous.done and previous is not task:
                raise OpFailure(
                    f"reprograms BD {bd} of the shim tile while its transfer on "
                    f"{previous.channel.label} is still running ({previous.moved} of "
                    f"{previous.total} elements moved); wait for it first (dma_wait / "
                    "dma_await_task)",
                    BdReuseError,
                )
            if previous is not None and previous.issue_token and not previous.awaited:
                raise OpFailure(
                    f"reprograms BD {bd} of the shim tile before the task-completion token "
                    f"of its transfer on {previous.channel.label} was awaited (each dma_wait "
                    "consumes one token; wait once per token-raising transfer)",
                    TokenError,
                )
            self.bd_table[bd] = task

    def memcpy(
        self,
        array: np.ndarray,
        offsets: Sequence[int],
        sizes: Sequence[int],
        strides: Sequence[int],
        bd_id: int,
        issue_token: bool,
        packet: int | None = None,
    ) -> None:
        index = patterns.memcpy_nd(offsets, sizes, strides)
        # mlir-aie's DMA-to-NPU lowering makes every S2MM dma_memcpy_nd raise a token
        token = issue_token or not self.mm2s
        task = HostTask(self, [self._bd(array, index)], [bd_id], token, 0, packet)
        self._claim(task)
        self.start(task)

    def configure(
        self,
        bds: list[tuple[np.ndarray, int, int, tuple[tuple[int, int], ...], int]],
        issue_token: bool,
        repeat: int,
    ) -> HostTask:
        pairs = [self._bd(a, patterns.walk(dims, off, n)) for a, off, n, dims, _ in bds]
        task = HostTask(self, pairs, [bd for *_, bd in bds], issue_token, repeat)
        self._claim(task)
        return task

    def start(self, task: HostTask) -> None:
        self.queue.append(task)
        self.tasks.append(task)
        self.notify()

    def free(self, task: HostTask) -> None:
        for bd in task.bd_ids:
            if self.bd_table.get(bd) is task and task.done:
                del self.bd_table[bd]


class TileQueue(Waitable):
    """The task queue of a memtile DMA channel the runtime sequence programs
    with register writes: (first BD, repeat count) per start."""

    __slots__ = ("queue",)

    def __init__(self, label: str, ready: deque[Any]) -> None:
        super().__init__(label, ready)
        self.queue: deque[tuple[BdBlock, int]] = deque()


def tile_queue(queue: TileQueue, mm2s: bool, stream: Stream, k: int, label: str) -> ActorGen:
    while True:
        while not queue.queue:
            yield queue, f"{label} is idle"
        first, repeat = queue.queue.popleft()
        yield from bd_chain(first, mm2s, stream, k, repeat, label)


def shim_channel(channel: ShimChannel, label: str) -> ActorGen:
    stream = channel.stream
    transfer = f"{label} is {'sending on' if channel.mm2s else 'receiving from'} {stream.label}"
    while True:
        while not channel.queue:
            yield channel, f"{label} is idle"
        task = channel.queue[0]
        for _ in range(task.repeat + 1):
            for flat, index, mask in task.bds:
                if channel.mm2s:
                    job: SendJob | RecvJob = SendJob(flat[index], task.packet)
                    stream.post_send(job)  # type: ignore[arg-type]
                else:
                    job = RecvJob(flat, index, mask)
                    stream.post_recv(channel.k, job)
                while not job.done:
                    yield stream, transfer
                task.moved += index.size
        task.done = True
        if task.issue_token:
            channel.tokens.append(task)
        channel.queue.popleft()
        channel.notify()


__all__ = [
    "BdBlock",
    "BdStep",
    "HostTask",
    "LockStep",
    "ShimChannel",
    "TileQueue",
    "bd_chain",
    "fifo_mm2s",
    "fifo_s2mm",
    "shim_channel",
    "tile_queue",
]
