"""The state the virtual NPU's actors share: object pools (the buffers of an
objectfifo end), semaphore locks, and streams between DMA channels.

Everything an actor can wait on is a `Waitable`: an actor that cannot proceed
yields it and is put back on the scheduler's ready queue by `notify()` when the
waitable changes (see machine.py)."""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np

from dato_xdsl.targets.simulator.semantics import OpFailure
from dato_xdsl.targets.virtual_npu.errors import (
    DepthError,
    DesignError,
    TransferError,
    UnwrittenDataError,
)


class Waitable:
    """Something actors block on; `waiting` holds them until `notify()`."""

    __slots__ = ("label", "ready", "waiting")

    def __init__(self, label: str, ready: deque[Any]) -> None:
        self.label = label
        self.ready = ready
        self.waiting: list[Any] = []

    def notify(self) -> None:
        if self.waiting:
            self.ready.extend(self.waiting)
            self.waiting.clear()


# --------------------------------------------------------------------- pools

WRITING, READING = 0, 1


class Pool(Waitable):
    """The `depth` buffers of an objectfifo on one tile, used as a ring.

    Writers (a core's Produce end, S2MM DMAs) fill buffers in ring order;
    once every writer has released a buffer it is full, and every reader (a
    core's Consume end, MM2S DMAs, several for a broadcast or a distribute)
    must release it before it is free again. `mask` records which elements a
    writer has written since the buffer was last freed."""

    __slots__ = (
        "buffers",
        "depth",
        "fifo",
        "flat",
        "mask",
        "pending",
        "readers",
        "rounds",
        "state",
        "tile",
        "writers",
    )

    def __init__(
        self,
        fifo: str,
        tile: str,
        depth: int,
        shape: tuple[int, ...],
        dtype: Any,
        ready: deque[Any],
    ) -> None:
        self.fifo = fifo if fifo.startswith("@") else "@" + fifo
        super().__init__(f"{self.fifo} buffers on {tile}", ready)
        self.tile = tile
        self.depth = depth
        self.buffers = [np.zeros(shape, dtype) for _ in range(depth)]
        self.flat = [b.reshape(-1) for b in self.buffers]
        self.mask = [np.zeros(b.size, np.bool_) for b in self.buffers]
        self.state = [WRITING] * depth
        self.rounds = [0] * depth
        self.pending = [0] * depth
        self.writers: list[PoolPort] = []
        self.readers: list[PoolPort] = []

    @property
    def nbytes(self) -> int:
        return sum(b.nbytes for b in self.buffers)

    def port(self, writer: bool, owner: str, is_core: bool) -> PoolPort:
        port = PoolPort(self, writer, owner, is_core)
        (self.writers if writer else self.readers).append(port)
        return port

    def start(self, initial: list[np.ndarray] | None = None) -> None:
        """Ready for a run: all buffers free, or full with `initial` values."""
        self.pending = [len(self.writers)] * self.depth
        if initial is None:
            return
        for b, value in enumerate(initial):
            self.buffers[b][...] = value
            self.mask[b][:] = True
            self.state[b] = READING
            self.pending[b] = len(self.readers)
        for port in self.writers:
            port.count = len(initial)  # round 0 is already written


class PoolPort:
    """One actor's end of a pool: which objects it holds, how many it took."""

    __slots__ = ("count", "held", "is_core", "owner", "pool", "writer")

    def __init__(self, pool: Pool, writer: bool, owner: str, is_core: bool) -> None:
        self.pool = pool
        self.writer = writer
        self.owner = owner
        self.is_core = is_core
        self.count = 0
        self.held: deque[int] = deque()

    @property
    def role(self) -> str:
        return "Produce" if self.writer else "Consume"

    def acquire(self, k: int) -> bool:
        """Hold at least `k` objects (mlir-aie's acquire counts what is already
        held); False when the next object is not available yet."""
        pool = self.pool
        if k > pool.depth:
            raise OpFailure(
                f"acquires {k} objects of {pool.fifo} ({self.role}) on {pool.tile}, which "
                f"has {pool.depth} buffer(s): it would wait forever",
                DepthError,
            )
        held = self.held
        want = WRITING if self.writer else READING
        while len(held) < k:
            n = self.count
            b = n % pool.depth
            if pool.rounds[b] != n // pool.depth or pool.state[b] != want:
                return False
            if self.is_core and not self.writer and not pool.mask[b].all():
                missing = int((~pool.mask[b]).sum())
                raise OpFailure(
                    f"reads an object of {pool.fifo} on {pool.tile} of which {missing} of "
                    f"{pool.mask[b].size} elements were never written by a DMA",
                    UnwrittenDataError,
                )
            held.append(b)
            self.count = n + 1
        return True

    def release(self, k: int) -> None:
        pool = self.pool
        held = self.held
        if k > len(held):
            raise OpFailure(
                f"releases {k} objects of {pool.fifo} ({self.role}) on {pool.tile} but holds "
                f"{len(held)}"
            )
        for _ in range(k):
            b = held.popleft()
            pool.pending[b] -= 1
            if self.writer:
                if self.is_core:
                    pool.mask[b][:] = True  # a core's writes are not tracked element-wise
                if pool.pending[b] == 0:
                    pool.state[b] = READING
                    pool.pending[b] = len(pool.readers)
            elif pool.pending[b] == 0:
                pool.state[b] = WRITING
                pool.rounds[b] += 1
                pool.pending[b] = len(pool.writers)
                pool.mask[b][:] = False  # stale data must be written again
        pool.notify()

    def views(self, k: int) -> list[np.ndarray]:
        buffers = self.pool.buffers
        return [buffers[self.held[i]] for i in range(k)]


# --------------------------------------------------------------------- locks

LOCK_MAX = 63
"""AIE-ML locks are 6-bit semaphores (AM020)."""


class Lock(Waitable):
    """An AIE-ML semaphore lock.

    AcquireGreaterEqual v waits until value >= v and subtracts v; Acquire v
    waits until value == v and subtracts v (so the binary idiom Acquire 0 /
    Release 1 / Acquire 1 / Release 0 keeps working); Release v adds v."""

    __slots__ = ("value",)

    def __init__(self, label: str, init: int, ready: deque[Any]) -> None:
        super().__init__(label, ready)
        self.value = init

    def set(self, value: int) -> None:
        """A register write of the lock's value (aiex.npu.write32 to the lock)."""
        self.value = value
        self.notify()

    def acquire_ge(self, v: int) -> bool:
        if self.value >= v:
            self.value -= v
            return True
        return False

    def acquire_eq(self, v: int) -> bool:
        if self.value == v:
            self.value -= v
            return True
        return False

    def release(self, v: int) -> None:
        self.value += v
        if self.value > LOCK_MAX:
            raise OpFailure(
                f"releases {self.label} to {self.value}, past the lock's maximum {LOCK_MAX}",
                DesignError,
            )
        self.notify()


# ------------------------------------------------------------------- streams


class SendJob:
    """Data an MM2S channel pushes into its stream (gathered when posted: the
    sender holds its buffer until the job is done)."""

    __slots__ = ("cur", "data", "done", "packet")

    def __init__(self, data: np.ndarray, packet: int | None = None) -> None:
        self.data = data
        self.cur = 0
        self.done = data.size == 0
        self.packet = packet
        """The packet id of its header, for a packet-switched port (None: no header)."""

    def to_bytes(self) -> None:
        """Count in bytes from now on (ends of a stream with different element types)."""
        k = self.data.itemsize
        if k > 1:
            self.data = np.ascontiguousarray(self.data).view(np.uint8)
            self.cur *= k


class RecvJob:
    """Where an S2MM channel scatters the elements it receives."""

    __slots__ = ("cur", "done", "index", "mask", "target", "unit")

    def __init__(self, target: np.ndarray, index: np.ndarray, mask: np.ndarray | None) -> None:
        self.target = target
        self.index = index
        self.mask = mask
        self.cur = 0
        self.done = index.size == 0
        self.unit = 1
        """Bytes per mask element once the job counts in bytes."""

    def to_bytes(self) -> None:
        k = self.target.itemsize
        if k > 1:
            steps = np.arange(k, dtype=np.int64)
            self.index = (self.index[:, None] * k + steps[None, :]).reshape(-1)
            self.target = self.target.view(np.uint8)
            self.cur *= k
            self.unit = k


class Stream(Waitable):
    """A circuit-switched route from one MM2S channel to its S2MM channels
    (several: a broadcast). Elements move only while the sender and every
    receiver have a job posted (no buffering in the switches), so a stalled
    receiver stalls the whole broadcast, as on hardware."""

    __slots__ = ("receivers", "send")

    def __init__(self, label: str, receivers: int, ready: deque[Any]) -> None:
        super().__init__(label, ready)
        self.send: SendJob | None = None
        self.receivers: list[RecvJob | None] = [None] * receivers

    def add_receiver(self) -> int:
        self.receivers.append(None)
        return len(self.receivers) - 1

    def post_send(self, job: SendJob) -> None:
        if job.done:
            return
        if self.send is not None:
            raise OpFailure(f"two senders on {self.label}", TransferError)
        self.send = job
        self.pump()

    def post_recv(self, k: int, job: RecvJob) -> None:
        if job.done:
            return
        self.receivers[k] = job
        self.pump()

    def pump(self) -> None:
        moved = False
        receivers = self.receivers
        while (send := self.send) is not None and receivers and None not in receivers:
            sizes = {send.data.itemsize, *(r.target.itemsize for r in receivers if r is not None)}
            if len(sizes) > 1:
                # the hardware stream carries 32-bit words whatever the buffers'
                # element types: ends that disagree exchange bytes
                send.to_bytes()
                for r in receivers:
                    assert r is not None
                    r.to_bytes()
            n = send.data.size - send.cur
            for r in receivers:
                assert r is not None
                n = min(n, r.index.size - r.cur)
            chunk = send.data[send.cur : send.cur + n]
            for k, r in enumerate(receivers):
                assert r is not None
                where = r.index[r.cur : r.cur + n]
                r.target[where] = chunk
                if r.mask is not None:
                    r.mask[where // r.unit if r.unit > 1 else where] = True
                r.cur += n
                if r.cur == r.index.size:
                    r.done = True
                    receivers[k] = None
            send.cur += n
            if send.cur == send.data.size:
                send.done = True
                self.send = None
            moved = True
        if moved:
            self.notify()

    def describe_stall(self) -> str:
        ready = sum(r is not None for r in self.receivers)
        if self.send is None:
            return f"no data offered ({ready}/{len(self.receivers)} receiver(s) ready)"
        return (
            f"{self.send.data.size - self.send.cur} element(s) offered, "
            f"{ready}/{len(self.receivers)} receiver(s) ready"
        )


class _Packet:
    """One send job in the packet network, and how many destinations still
    have to take it whole."""

    __slots__ = ("job", "left", "source")

    def __init__(self, job: SendJob, source: PacketSource, dests: int) -> None:
        self.job = job
        self.source = source
        self.left = dests


def packet_header(ident: int, col: int, row: int) -> np.ndarray:
    """The 32-bit stream header of a packet, as 4 little-endian bytes: id in bits
    4:0, type (0 here) in 14:12, source row in 20:16 and column in 27:21, odd
    parity in bit 31 (AM020, the AIE-ML stream switch packet header)."""
    word = (ident & 0x1F) | ((row & 0x1F) << 16) | ((col & 0x7F) << 21)
    if bin(word).count("1") % 2 == 0:
        word |= 1 << 31
    return np.array([word], np.uint32).view(np.uint8)


class PacketSource(Waitable):
    """An MM2S port feeding `aie.packet_flow`s: each send job is one packet whose
    header id picks the flow, hence the destination ports. A job with no header
    of its own (a BD without `packet`) carries it as its first word, as a buffer
    received through a `keep_pkt_header` flow does. The sender's job is done
    when every destination has taken the whole packet (the switches do not
    buffer a packet)."""

    __slots__ = ("coords", "routes")

    def __init__(self, label: str, coords: tuple[int, int], ready: deque[Any]) -> None:
        super().__init__(label, ready)
        self.coords = coords
        self.routes: dict[int, list[tuple[PacketDest, bool]]] = {}
        """id -> destinations, each with its flow's keep_pkt_header."""

    def post_send(self, job: SendJob) -> None:
        if job.done:
            return
        data = np.ascontiguousarray(job.data[job.cur :]).view(np.uint8).reshape(-1)
        ident, where = job.packet, ""
        if ident is None:
            if data.size < 4:
                raise OpFailure(
                    f"sends {data.size} byte(s) without a packet header on {self.label}; a "
                    "packet port needs a header (a BD `packet` attribute, aie.dma_bd_packet, a "
                    "`packet = <...>` clause, or a header word first in the data)",
                    TransferError,
                )
            ident = int(data[:4].view(np.uint32)[0]) & 0x1F
            data = data[4:]
            where = " (read from the first word of data sent without a header)"
        dests = self.routes.get(ident)
        if not dests:
            ids = ", ".join(map(str, sorted(self.routes))) or "none"
            raise OpFailure(
                f"sends packet id {ident}{where} on {self.label}, but no aie.packet_flow from "
                f"this port has that id (ids here: {ids})",
                TransferError,
            )
        packet = _Packet(job, self, len(dests))
        header = packet_header(ident, *self.coords)
        for dest, keep in dests:
            dest.inbox.append([np.concatenate([header, data]) if keep else data, 0, packet])
            dest.pump()

    def delivered(self, packet: _Packet) -> None:
        packet.left -= 1
        if packet.left == 0:
            packet.job.cur = packet.job.data.size
            packet.job.done = True
            self.notify()

    def post_recv(self, k: int, job: RecvJob) -> None:
        raise OpFailure(f"an S2MM channel receives from {self.label}", TransferError)

    def describe_stall(self) -> str:
        return "a packet offered, not yet taken by every destination"


class PacketDest(Waitable):
    """An S2MM port at the end of `aie.packet_flow`s: packets from any of them
    arrive in order of sending (the switch arbitrates per packet); the receiving
    BD takes their payload up to its length, after the header word when the
    flow keeps it (`keep_pkt_header`)."""

    __slots__ = ("inbox", "job")

    def __init__(self, label: str, ready: deque[Any]) -> None:
        super().__init__(label, ready)
        self.inbox: deque[list[Any]] = deque()
        self.job: RecvJob | None = None

    def post_recv(self, k: int, job: RecvJob) -> None:
        if job.done:
            return
        job.to_bytes()
        self.job = job
        self.pump()

    def post_send(self, job: SendJob) -> None:
        raise OpFailure(f"an MM2S channel sends into {self.label}", TransferError)

    def pump(self) -> None:
        moved = False
        while (job := self.job) is not None and self.inbox:
            entry = self.inbox[0]
            data, at, packet = entry
            n = min(data.size - at, job.index.size - job.cur)
            where = job.index[job.cur : job.cur + n]
            job.target[where] = data[at : at + n]
            if job.mask is not None:
                job.mask[where // job.unit if job.unit > 1 else where] = True
            job.cur += n
            entry[1] = at + n
            moved = True
            if entry[1] == data.size:
                self.inbox.popleft()
                packet.source.delivered(packet)
            if job.cur == job.index.size:
                job.done = True
                self.job = None
        if moved:
            self.notify()

    def describe_stall(self) -> str:
        waiting = sum(data.size - at for data, at, _ in self.inbox)
        return f"{len(self.inbox)} packet(s) ({waiting} byte(s)) waiting to be received"


class Cascade(Waitable):
    """The cascade between two neighbouring cores (`aie.cascade_flow`): one word
    in flight; `put` blocks while it is full, a reader blocks while it is empty."""

    __slots__ = ("full", "word")

    def __init__(self, label: str, ready: deque[Any]) -> None:
        super().__init__(label, ready)
        self.full = False
        self.word: Any = None

    def put(self, word: Any) -> bool:
        if self.full:
            return False
        self.word = np.copy(word) if isinstance(word, np.ndarray) else word
        self.full = True
        self.notify()
        return True

    def take(self) -> Any:
        word, self.word, self.full = self.word, None, False
        self.notify()
        return word


__all__ = [
    "LOCK_MAX",
    "Cascade",
    "Lock",
    "PacketDest",
    "PacketSource",
    "Pool",
    "PoolPort",
    "RecvJob",
    "SendJob",
    "Stream",
    "Waitable",
]
