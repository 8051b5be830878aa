"""`dato-deadlock-check`: replay every instance's stream operations against
FIFOs of the declared depths, at compile time.

For mapped regions whose put/get sequences are static (stream ops only under
loops with compile-time trip counts), each instance is a sequence of tokens
(put or get on a stream). The replay advances instances round-robin; when no
instance can move and some have not finished, that is a deadlock, reported with
every blocked instance and the state of the stream it waits on.

Options: `min-depths` annotates every stream with `dato.min_depth`, the smallest
depth (others at theirs) that keeps the replay deadlock-free, found by raising
the depths of the streams full at each deadlock from 1 and then lowering each
as far as it stays free; `set-depths` also rewrites the declared depths to it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from xdsl.context import Context
from xdsl.dialects import scf
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, i64
from xdsl.ir import Block, Operation
from xdsl.passes import ModulePass

from dato_xdsl.diagnostics import LocatedDiagnostic, op_error, op_location
from dato_xdsl.dialects import dato
from dato_xdsl.transforms.instance_trace import Env, StaticValues, trip_count

Token = tuple[str, bool, Operation]  # (stream, is_put, op)

MAX_REPLAY_ROUNDS = 1 << 16
"""The replay advances every instance as far as it can per round and skips
rounds that repeat a state up to loop counters (a producer and a consumer
streaming 2^63 elements cost a few rounds); a design that still needs more
rounds than this is refused with a located error."""


_MOVES_PER_TURN = 4096


class ReplayTooLong(Exception):
    def __init__(self, rounds: int) -> None:
        super().__init__(f"the replay needs more than {rounds - 1} rounds")


@dataclass
class _Loop:
    lb: Callable[[Env], int]
    ub: Callable[[Env], int]
    step: Callable[[Env], int]
    body: list[_Item]


@dataclass
class _Access:
    symbol: str
    is_put: bool
    op: dato.PutOp | dato.GetOp


_Item = _Loop | _Access


class NotStatic(Exception):
    """The put/get sequence depends on runtime values: no replay is possible."""

    def __init__(self, op: Operation, why: str) -> None:
        super().__init__(f"{op_location(op)}: {why}")


def _template(group: dato.GroupOp) -> list[_Item]:
    values = StaticValues(set(group.pid_values()))

    def has_access(op: Operation) -> bool:
        return any(isinstance(o, dato.PutOp | dato.GetOp) for o in op.walk())

    def block(b: Block) -> list[_Item]:
        items: list[_Item] = []
        for op in b.ops:
            if isinstance(op, dato.PutOp | dato.GetOp):
                items.append(_Access(op.stream.root_reference.data, isinstance(op, dato.PutOp), op))
            elif isinstance(op, scf.ForOp) and has_access(op):
                try:
                    fns = [values.compile(v, op) for v in (op.lb, op.ub, op.step)]
                except LocatedDiagnostic:
                    raise NotStatic(
                        op, "a loop with stream operations has runtime bounds"
                    ) from None
                items.append(_Loop(fns[0], fns[1], fns[2], block(op.body.block)))
            elif op.regions and has_access(op):
                raise NotStatic(op, f"stream operations under a runtime {op.name}")
        return items

    return block(group.body.block)


class _Frame:
    """One loop level of a cursor: the items of its body, the index of the next
    item, the iteration and the trip count (1 for the top level)."""

    __slots__ = ("items", "index", "iteration", "trips")

    def __init__(self, items: list[_Item], trips: int) -> None:
        self.items = items
        self.index = 0
        self.iteration = 0
        self.trips = trips


class _Cursor:
    """Where one instance is in its token program: a stack of loop frames. The
    tokens depend only on positions (loop bounds are fixed per instance), so a
    state that repeats up to iteration counters repeats its future too."""

    def __init__(self, items: list[_Item], env: Env, bind: dict[str, str]) -> None:
        self.env = env
        self.bind = bind
        self.frames = [_Frame(items, 1)]

    def next(self) -> Token | None:
        # the replay's innermost step (millions of tokens for a systolic array):
        # locals instead of attribute lookups, the top frame kept in hand
        frames = self.frames
        while frames:
            frame = frames[-1]
            items = frame.items
            index = frame.index
            if index == len(items):
                frame.iteration += 1
                if frame.iteration < frame.trips:
                    frame.index = 0
                else:
                    frames.pop()
                continue
            item = items[index]
            frame.index = index + 1
            if item.__class__ is _Access:
                symbol = item.symbol  # type: ignore[union-attr]
                return (self.bind.get(symbol, symbol), item.is_put, item.op)  # type: ignore[union-attr]
            assert isinstance(item, _Loop)
            trips = trip_count(item.lb(self.env), item.ub(self.env), max(1, item.step(self.env)))
            if trips and item.body:
                frames.append(_Frame(item.body, trips))
        return None

    def shape(self) -> tuple[object, ...]:
        return tuple((id(f.items), f.index) for f in self.frames)

    def counters(self) -> list[tuple[_Frame, int]]:
        return [(f, f.iteration) for f in self.frames]


@dataclass
class _Proc:
    name: str
    cursor: _Cursor
    pending: Token | None = None
    done: bool = False

    def next(self) -> None:
        self.pending = self.cursor.next()
        self.done = self.pending is None


def _fast_forward(
    then: list[list[tuple[_Frame, int]]], procs: list[_Proc], fills_equal: bool
) -> bool:
    """After a round that ended in the same state as an earlier round up to
    the iteration counters of some loops, repeat the rounds between them as
    often as no such loop would reach its end (each repetition moves the same
    tokens, so the fills are unchanged). Returns whether it skipped anything."""
    if not fills_equal:
        return False
    moving: list[tuple[_Frame, int]] = []  # (frame, advance per repetition)
    for before, proc in zip(then, procs, strict=True):
        now = proc.cursor.counters()
        if len(before) != len(now):
            return False
        for (old_frame, old_it), (frame, it) in zip(before, now, strict=True):
            if old_frame is not frame:  # a loop restarted: it must be where it was
                if old_it != it:
                    return False
            elif it < old_it:
                return False
            elif it > old_it:
                moving.append((frame, it - old_it))
    if not moving:
        return False
    repeats = min((frame.trips - 1 - frame.iteration) // step for frame, step in moving)
    if repeats <= 0:
        return False
    for frame, step in moving:
        frame.iteration += repeats * step
    return True


@dataclass
class Blocked:
    instance: str
    stream: str
    is_put: bool
    op: Operation


@dataclass
class Replay:
    """The outcome of one replay: empty `blocked` means it ran to the end."""

    blocked: list[Blocked] = field(default_factory=list)
    fill: dict[str, int] = field(default_factory=dict)


class Design:
    """The static token programs of every instance of a mapped region."""

    def __init__(self, region: dato.RegionOp) -> None:
        self.region = region
        self.depths = {s.sym_name.data: s.stream_type.depth.data for s in region.streams()}
        self.programs: list[tuple[str, Callable[[], _Cursor]]] = []
        for group in region.groups():
            template = _template(group)
            pids = group.pid_values()
            for inst in group.instances():
                env: Env = group.pid_env(inst, pids)
                bind = dict(zip(group.port_names, inst.bindings, strict=True))
                self.programs.append(
                    (inst.name, lambda t=template, e=env, b=bind: _Cursor(t, e, b))
                )

    def replay(self, depths: dict[str, int]) -> Replay:
        procs = [_Proc(name, make()) for name, make in self.programs]
        for p in procs:
            p.next()
        fill = dict.fromkeys(depths, 0)
        live = [p for p in procs if not p.done]
        # round-end states up to loop counters, to skip repeating rounds
        seen: dict[tuple[object, ...], tuple[dict[str, int], list[list[tuple[_Frame, int]]]]] = {}
        rounds = 0
        while live:
            rounds += 1
            if rounds > MAX_REPLAY_ROUNDS:
                raise ReplayTooLong(rounds)
            # fill's keys keep one order through the replay: its values name
            # the fills as its sorted items would
            key = (
                tuple(fill.values()),
                tuple((p.done, p.pending and p.pending[:2], p.cursor.shape())
                      for p in procs),
            )  # fmt: skip
            if key in seen:
                old_fill, counters = seen[key]
                if _fast_forward(counters, procs, old_fill == fill):
                    seen.clear()
            seen[key] = (dict(fill), [p.cursor.counters() for p in procs])
            progress = False
            for p in live:
                pending = p.pending
                advance = p.cursor.next
                moves = 0
                # a turn ends when the instance blocks or after a bounded number of
                # moves (an instance feeding itself would otherwise never yield)
                while pending is not None and moves < _MOVES_PER_TURN:
                    stream = pending[0]
                    if pending[1]:
                        held = fill[stream]
                        if held >= depths[stream]:
                            break
                        fill[stream] = held + 1
                    else:
                        held = fill[stream]
                        if held == 0:
                            break
                        fill[stream] = held - 1
                    moves += 1
                    progress = True
                    pending = advance()
                p.pending = pending
                p.done = pending is None
            live = [p for p in live if not p.done]
            if not progress and live:
                blocked = [
                    Blocked(p.name, p.pending[0], p.pending[1], p.pending[2])
                    for p in live
                    if p.pending
                ]
                return Replay(blocked, fill)
        return Replay([], fill)

    def report(self, outcome: Replay, depths: dict[str, int]) -> str:
        lines = []
        for b in outcome.blocked:
            if b.is_put:
                state = f"full, {outcome.fill[b.stream]} of depth {depths[b.stream]}"
                lines.append(
                    f"  {b.instance} waits to put on @{b.stream} ({state}) at {op_location(b.op)}"
                )
            else:
                lines.append(
                    f"  {b.instance} waits to get from @{b.stream} (empty) at {op_location(b.op)}"
                )
        return "deadlock: every live instance is blocked\n" + "\n".join(lines)

    def minimal_depths(self) -> dict[str, int] | None:
        """Smallest depths that keep the replay free, or None if no depth helps
        (some instance waits on an empty stream nobody will fill)."""
        depths = dict.fromkeys(self.depths, 1)
        while True:
            outcome = self.replay(depths)
            if not outcome.blocked:
                break
            full = {b.stream for b in outcome.blocked if b.is_put}
            if not full:
                return None
            for s in full:
                depths[s] += 1
        for s in depths:  # lower each as far as the design stays free
            while depths[s] > 1:
                depths[s] -= 1
                if self.replay(depths).blocked:
                    depths[s] += 1
                    break
        return depths


@dataclass(frozen=True)
class DeadlockCheckPass(ModulePass):
    """Report deadlocks of static stream programs; optionally compute and set
    the minimal stream depths."""

    name = "dato-deadlock-check"

    min_depths: bool = False
    """annotate every stream with `dato.min_depth`, the least deadlock-free depth"""
    set_depths: bool = False
    """also rewrite each stream's declared depth to that minimum"""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for region in [o for o in op.walk() if isinstance(o, dato.RegionOp)]:
            self.check(region)

    def check(self, region: dato.RegionOp) -> None:
        if region.tasks():
            raise op_error(region.tasks()[0], "run dato-virtual-map before dato-deadlock-check")
        try:
            design = Design(region)
        except NotStatic as why:
            raise op_error(region, f"cannot replay its streams statically: {why}") from None
        try:
            outcome = design.replay(design.depths)
        except ReplayTooLong as why:
            raise op_error(
                region,
                f"cannot replay its streams: {why} (the limit), even skipping repeated rounds",
            ) from None
        if outcome.blocked and not (self.min_depths or self.set_depths):
            raise op_error(region, design.report(outcome, design.depths))
        if not (self.min_depths or self.set_depths):
            return
        best = design.minimal_depths()
        if best is None:
            raise op_error(
                region,
                design.report(outcome, design.depths)
                + "\nno stream depth avoids it: an instance waits on a stream that is never filled",
            )
        for decl in region.streams():
            name = decl.sym_name.data
            decl.attributes["dato.min_depth"] = IntegerAttr(best[name], i64)
            if self.set_depths:
                t = decl.stream_type
                decl.properties["stream_type"] = dato.StreamType(
                    t.element_type, best[name], t.packing.data
                )
