"""A replay of an `aie.device`'s objectfifo traffic at object granularity, for
ordering the runtime sequence's shim calls (npu_runtime_sequence).

Each core's body gives the order in which it acquires and releases its
fifos' objects (`core_trace`: acquires and releases with loops of constant
bounds unrolled); a memtile link moves objects between its fifos (a
distribute hands part k of an input object to output k; a join's input k
fills part k of the output's next buffer on its own channel, so it may run
ahead of the other inputs by as many objects as the output holds, and an
output object is made once all its parts are filled); a shim channel
moves the objects of the calls issued on its fifo, in order. A fifo holds at
most its depth in objects (twice that between two cores over DMA, which have
a buffer set each), fewer than the hardware may hold between tiles in stream
switches: so a call the replay finishes, the hardware finishes too (a
network of blocking fifos only moves sooner with more room).

`Replay.advance` runs every agent until nothing can move or a stop test
holds; calls are added as the sequence issues them, so the replay answers
"which running call finishes, given only what is issued so far"."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from math import prod

from xdsl.dialects import arith, scf
from xdsl.dialects.builtin import IntegerAttr
from xdsl.ir import Block, Operation, SSAValue

from dato_xdsl.dialects import aie
from dato_xdsl.dialects.aie.common import OBJECTFIFO_PORT, element_bits

MAX_EVENTS = 400_000
"""Beyond this many acquires and releases in the cores' bodies, no replay
(the runtime sequence then keeps its stage model)."""


_UNREPLAYED = frozenset(
    {
        "aie.use_lock",
        "aie.put_cascade",
        "aie.get_cascade",
        "aie.mem",
        "aie.memtile_dma",
        "aie.shim_dma",
    }
)
"""Synchronisation besides objectfifos: locks taken by hand, cascades and
hand-written DMA programs."""


class NoReplay(Exception):
    """The design's traffic cannot be replayed (a loop of unknown bounds or a
    branch around fifo accesses, too many events, an unknown fifo)."""


def _const(value: SSAValue, depth: int = 0) -> int | None:
    """The value of a constant, or of sums, differences and products of
    constants (the lowering writes a block's row range as `k * 64` to
    `(k + 1) * 64`)."""
    op = getattr(value, "owner", None)
    if isinstance(op, arith.ConstantOp) and isinstance(op.value, IntegerAttr):
        return op.value.value.data
    if depth < 8 and isinstance(op, arith.AddiOp | arith.SubiOp | arith.MuliOp):
        a, b = _const(op.lhs, depth + 1), _const(op.rhs, depth + 1)
        if a is None or b is None:
            return None
        if isinstance(op, arith.AddiOp):
            return a + b
        return a - b if isinstance(op, arith.SubiOp) else a * b
    if depth < 8 and isinstance(op, arith.IndexCastOp):
        return _const(op.input, depth + 1)
    return None


# one event: (acquire?, fifo, produce?, count)
Event = tuple[bool, str, bool, int]


def _has_access(op: Operation) -> bool:
    return any(isinstance(o, aie.ObjectFifoAcquireOp | aie.ObjectFifoReleaseOp) for o in op.walk())


def _events(block: Block, budget: list[int]) -> list[Event]:
    out: list[Event] = []
    for op in block.ops:
        if isinstance(op, aie.ObjectFifoAcquireOp | aie.ObjectFifoReleaseOp):
            produce = OBJECTFIFO_PORT.name(op.port) == "Produce"
            name = op.objFifo_name.root_reference.data
            out.append((isinstance(op, aie.ObjectFifoAcquireOp), name, produce, op.size.value.data))
        elif isinstance(op, scf.ForOp) and _has_access(op):
            lo, hi, step = _const(op.lb), _const(op.ub), _const(op.step)
            if lo is None or hi is None or step is None or step <= 0:
                raise NoReplay("a loop of unknown bounds around fifo accesses")
            body = _events(op.body.block, budget)
            trips = max(0, -(-(hi - lo) // step))
            budget[0] -= trips * len(body)
            if budget[0] < 0:
                raise NoReplay(f"more than {MAX_EVENTS} fifo accesses")
            out += body * trips
        elif op.regions and _has_access(op):
            raise NoReplay(f"fifo accesses inside {op.name}")
    return out


def core_trace(core: aie.CoreOp, budget: list[int]) -> list[Event]:
    """The core's acquires and releases in program order."""
    return _events(core.body.block, budget)


@dataclass
class _Fifo:
    room: int
    consumers: list[str]
    claimed: int = 0
    """objects the producer acquired"""
    produced: int = 0
    """objects the producer released"""
    taken: dict[str, int] = field(default_factory=dict)
    """per consumer: objects acquired"""
    freed: dict[str, int] = field(default_factory=dict)
    """per consumer: objects released"""

    def low(self) -> int:
        return min(self.freed.values(), default=self.produced)


@dataclass
class ShimCall:
    """One issued call: which fifo, and the fifo's object count once it is done."""

    fifo: str
    is_read: bool
    first: int
    """the index of the fifo object its first data goes to (or comes from)"""
    done_at: int
    """the fifo's objects taken by the shim channel once it is done"""
    started: int | None = None
    """replay step at which its first object moved"""
    finished: int | None = None
    """replay step at which it finished"""


class Replay:
    """The objectfifo network of a device (module docstring)."""

    def __init__(self, device_op: aie.DeviceOp, shim_fifos: dict[str, bool]) -> None:
        """`shim_fifos`: the shim-side fifos the sequence feeds, True for reads."""
        model = device_op.model
        if model is None:
            raise NoReplay("no NPU device model")
        for op in device_op.walk():
            if op.name in _UNREPLAYED:
                raise NoReplay(f"the design has {op.name}, which the replay does not follow")
        where: dict[SSAValue, tuple[int, int]] = {}
        for op in device_op.body.block.ops:
            if isinstance(op, aie.TileOp):
                where[op.result] = (op.col.value.data, op.row.value.data)
        self.fifos: dict[str, _Fifo] = {}
        self.memtile_fifos: set[str] = set()
        self.object_bits: dict[str, int] = {}
        self.made_by: dict[str, str] = {}
        for op in device_op.body.block.ops:
            if not isinstance(op, aie.ObjectFifoCreateOp):
                continue
            ends = [where.get(op.producerTile), *(where.get(c) for c in op.consumerTiles)]
            if any(e is None for e in ends):
                raise NoReplay(f"@{op.fifo_name} has an end that is not a tile")
            if op.repeat_count or op.initValues or op.disable_synchronization:
                raise NoReplay(f"@{op.fifo_name} repeats, starts full or has no locks")
            room = min(op.depths)
            pair = [e for e in ends if e is not None]
            if all(e[1] >= 2 for e in pair) and not (
                # one buffer set: the same tile, or neighbours sharing memory
                op.via_DMA is None
                and len(pair) == 2
                and (pair[0] == pair[1] or model.shares_memory(pair[0], pair[1]))
            ):
                room *= 2  # a buffer set on each core, DMA between
            # the shim and memtile ends are the shim channels' and the links'
            # (below), which count their own objects
            consumers = [f"tile{e}" for e in ends[1:] if e is not None and e[1] >= 2]
            self.fifos[op.fifo_name] = _Fifo(room, consumers)
            if ends[0] is not None and ends[0][1] >= 2:
                self.made_by[op.fifo_name] = f"tile{ends[0]}"
            t = op.element_type
            bits = prod(t.get_shape()) * element_bits(t.element_type)
            self.object_bits[op.fifo_name] = max(1, bits)
            if any(e is not None and e[1] == 1 for e in ends):
                self.memtile_fifos.add(op.fifo_name)
        # agents: cores, link moves, shim channels; each returns whether it moved
        self.agents: list[Callable[[], bool]] = []
        budget = [MAX_EVENTS]
        self.cores: list[tuple[str, list[Event], list[int]]] = []
        for op in device_op.body.block.ops:
            if isinstance(op, aie.CoreOp):
                tile = where.get(op.tile)
                trace = core_trace(op, budget)
                for _, name, _, _ in trace:
                    if name not in self.fifos:
                        raise NoReplay(f"a core accesses @{name}, which is not a fifo")
                self.cores.append((f"tile{tile}", trace, [0]))
        bodied = {name for name, _, _ in self.cores}
        for name, f in self.fifos.items():
            for c in [*f.consumers, self.made_by.get(name, "link")]:
                if c.startswith("tile") and c not in bodied:
                    raise NoReplay(f"@{name} has an end on {c}, which has no core body")
        for name, trace, at in self.cores:
            self.agents.append(self._core_agent(name, trace, at))
        linked: set[str] = set()
        for op in device_op.body.block.ops:
            if isinstance(op, aie.ObjectFifoLinkOp):
                ins = [a.root_reference.data for a in op.fifoIns.data]  # type: ignore[attr-defined]
                outs = [a.root_reference.data for a in op.fifoOuts.data]  # type: ignore[attr-defined]
                if any(n not in self.fifos for n in ins + outs):
                    raise NoReplay("a link names an unknown fifo")
                linked.update(ins + outs)
                self._link(ins, outs)
        if self.memtile_fifos - linked:
            raise NoReplay("a memtile fifo outside a link")
        self.calls: dict[str, list[ShimCall]] = {}
        self.issued: dict[str, int] = {}
        for name, is_read in shim_fifos.items():
            if name not in self.fifos:
                raise NoReplay(f"@{name} is not a fifo")
            self.calls[name] = []
            self.issued[name] = 0
            self.agents.append(self._shim_agent(name, is_read))
        for f in self.fifos.values():
            for c in f.consumers:
                f.taken.setdefault(c, 0)
                f.freed.setdefault(c, 0)
        self.step = 0
        self.finishes = 0
        """calls finished so far"""
        self._seen = 0

    # ---------------------------------------------------------------- agents

    def _core_agent(self, tile: str, trace: list[Event], at: list[int]) -> Callable[[], bool]:
        fifos = self.fifos

        def move() -> bool:
            if at[0] >= len(trace):
                return False
            acquire, name, produce, n = trace[at[0]]
            f = fifos[name]
            if produce:
                held = f.claimed - f.produced
                if acquire:
                    need = max(0, n - held)
                    if f.claimed + need - f.low() > f.room:
                        return False
                    f.claimed += need
                else:
                    f.produced += min(n, held)
            else:
                held = f.taken[tile] - f.freed[tile]
                if acquire:
                    need = max(0, n - held)
                    if f.taken[tile] + need > f.produced:
                        return False
                    f.taken[tile] += need
                else:
                    f.freed[tile] += min(n, held)
            at[0] += 1
            return True

        return move

    def _link(self, ins: list[str], outs: list[str]) -> None:
        fifos = self.fifos
        if len(ins) == 1:
            # a distribute (or a one-to-one link): output k takes its part of
            # each input object; the input object is free once all parts left
            src = fifos[ins[0]]
            for k, name in enumerate(outs):
                me = f"link{k}"
                src.consumers.append(me)
                dst = fifos[name]

                def move(me: str = me, dst: _Fifo = dst) -> bool:
                    if src.taken[me] >= src.produced or dst.claimed - dst.low() >= dst.room:
                        return False
                    src.taken[me] += 1
                    src.freed[me] += 1
                    dst.claimed += 1
                    dst.produced += 1
                    return True

                self.agents.append(move)
            return
        dst = fifos[outs[0]]
        srcs = [fifos[n] for n in ins]
        for s in srcs:
            s.consumers.append("join")
        # a join's inputs fill their parts of the output's buffers each on
        # its own channel: input k may run ahead of the others by as many
        # objects as the output holds; an output object is made once every
        # part of it is filled
        filled = [0] * len(srcs)

        def join() -> bool:
            moved = False
            for k, s in enumerate(srcs):
                if filled[k] >= s.produced or filled[k] - dst.low() >= dst.room:
                    continue
                filled[k] += 1
                s.taken["join"] += 1
                s.freed["join"] += 1
                moved = True
            made = min(filled)
            if made > dst.produced:
                dst.claimed = dst.produced = made
                moved = True
            return moved

        self.agents.append(join)

    def _shim_agent(self, name: str, is_read: bool) -> Callable[[], bool]:
        """A shim channel: reading, it takes a buffer for the next object once
        any of its data is issued and fills it as calls bring the rest;
        writing, it takes the next object sent once any of it is asked for
        and lets it go once calls took all of it. A call is done once the
        object holding its last data is taken: its data then moves."""
        f = self.fifos[name]
        calls = self.calls[name]
        size = self.object_bits[name]
        if not is_read:
            f.consumers.append("shim")

        # the fifo's first call not started and first not finished (its
        # calls start and finish in order)
        at = [0, 0]

        def moved() -> None:
            count = f.claimed if is_read else f.taken["shim"]
            while at[0] < len(calls) and calls[at[0]].first < count:
                if calls[at[0]].started is None:
                    calls[at[0]].started = self.step
                at[0] += 1
            while at[1] < len(calls) and calls[at[1]].done_at <= count:
                if calls[at[1]].finished is None:
                    calls[at[1]].finished = self.step
                    self.finishes += 1
                at[1] += 1

        def move() -> bool:
            issued = self.issued[name]
            if is_read:
                if f.claimed * size < issued and f.claimed - f.low() < f.room:
                    f.claimed += 1
                elif f.produced < f.claimed and (f.produced + 1) * size <= issued:
                    f.produced += 1
                    return True
                else:
                    return False
            else:
                taken, freed = f.taken["shim"], f.freed["shim"]
                if taken < f.produced and taken * size < issued:
                    f.taken["shim"] += 1
                elif freed < taken and (freed + 1) * size <= issued:
                    f.freed["shim"] += 1
                    return True
                else:
                    return False
            moved()
            return True

        return move

    # ------------------------------------------------------------------ use

    def issue(self, fifo: str, is_read: bool, bits_before: int, bits: int) -> ShimCall:
        """A call moving `bits` of the fifo's stream from `bits_before` on
        (the fifo's calls are issued in their order)."""
        size = self.object_bits[fifo]
        end = bits_before + bits
        self.issued[fifo] = max(self.issued[fifo], end)
        call = ShimCall(fifo, is_read, bits_before // size, -(-end // size))
        self.calls[fifo].append(call)
        f = self.fifos[fifo]
        count = f.claimed if is_read else f.taken["shim"]
        if call.first < count:
            call.started = self.step
        if call.done_at <= count:
            call.finished = self.step
            self.finishes += 1
        return call

    def advance(self, stop: Callable[[], bool]) -> bool:
        """Move until `stop()` holds (True) or nothing can move (False);
        `stop` is asked again only once a call finishes."""
        if stop():
            return True
        while True:
            moved = False
            for agent in self.agents:
                while agent():
                    self.step += 1
                    moved = True
                    if self.finishes != self._seen:
                        self._seen = self.finishes
                        if stop():
                            return True
            if not moved:
                return False

    def stalled_cores(self) -> Iterator[str]:
        for tile, trace, at in self.cores:
            if at[0] < len(trace):
                yield tile
