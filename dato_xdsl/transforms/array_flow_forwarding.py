"""`dato-array-flow-forwarding`: blocks of a global array passed from task to
task in the simulator's order, on the NPU.

The simulator runs every instance on one memory: a task reads what another
wrote to a global array, and several tasks update one block in turn. On the
NPU each task gets the host's copy of its block and sends its block back at its
end, so such a flow would read stale data (or let the last write-back win).
This pass turns each flow into on-chip forwarding in the simulator's order.

The instances touching overlapping blocks of one argument, at least one of
them writing, form a chain A1, ..., An in the order the simulator makes their
accesses. The simulator starts the instances in start order (tasks in the
region's order, each task's instances in row-major pid order) and runs one
until it finishes or finds its stream full or empty; a woken instance goes to
the back of the ready queue. Where the put/get sequences are static, the pass
replays that schedule (`simulator_schedule`, on deadlock_analysis's token
programs): each member's accesses lie between the turn in which the top-level
op of its first access starts and the one in which that of its last ends. Rule:
those spans must not overlap for members the forwarding links; the chain is
their order. Where the sequences are not static, the chain is the start order
and every member but the last must make its accesses before any put or get of
its own (by top-level op: a loop or a conditional holding both mixes them), so
in its first turn (first turns run one after another in start order). Then:

- A1 starts from the host's block; A(i+1) gets the block from Ai on a new
  stream of one whole block (depth 1), right before its first access;
- Ai (i < n) puts its block right after its last access, in the turn that
  makes it: the put never waits (one put into an empty fifo) and a get comes
  in a later turn than its put, so the simulator's schedule runs as before
  and no deadlock can be added (the virtual NPU detects one all the same);
- only the last member that writes sends the block to the host: earlier
  writers work on a local copy (A1 copies the host block into it first).

Members with different blocks are served when the writers' blocks are
disjoint (a sharded result read whole, a whole one read sharded, rows read as
columns, a block read before others update its parts): of every overlapping
writer and reader, the first in the simulator's order puts, after its last
access, the part they share, and the second gets it right before its first
access and copies it into place. A writer keeps its block (host in and out); a reader starts
from a local block (the host's, unless the writers' parts cover it). A part a
reader sends a later writer holds the host's values the reader saw: it orders
the writer's writes (and its block's return to the host) after that read. The
same rule orders them.

Members sharing one block whose accesses the schedule interleaves (one waits
on a stream between its accesses while another makes its own) pass it at
every switch instead: their accesses are cut into runs, one per turn, and each
run's instance gets the block right before its run and puts it right after
for the next run's; each keeps it in one local buffer, the first run starts
from the host's block, the last writer's last run sends it back. This needs
every switch to fall between top-level ops (not inside a loop or conditional
that accesses the block).

Refused, naming both instances and why: an interleaving with a switch inside
such an op, or among blocks at different places (or, unreplayed, a put or get
before a member's last access), writers of overlapping blocks at different
places. A set of writers only that fails is left to the NPU's
output checks, as are writers whose element stores are disjoint
(npu_write_boxes: the NPU joins them). The groups a flow touches are
split by role and get a port per forwarded block, bound per instance;
`dato.flow_ordered` records the body arguments whose host accesses the
forwarding orders, which `check_no_array_flows` then accepts.

dato-physical-map runs it first (so every NPU build does); dato-opt runs it
alone as `dato-array-flow-forwarding`."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, memref, scf
from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseArrayBase,
    IndexType,
    IntegerAttr,
    MemRefType,
    ModuleOp,
    StringAttr,
    UnitAttr,
    i64,
)
from xdsl.ir import Block, Operation, SSAValue
from xdsl.passes import ModulePass

from dato_xdsl.diagnostics import LocatedDiagnostic, op_error, op_location
from dato_xdsl.dialects import dato
from dato_xdsl.transforms.deadlock_analysis import Design, NotStatic
from dato_xdsl.transforms.memref_rewrite import derived_memrefs
from dato_xdsl.transforms.npu_folding import COMPILER_CHOSEN
from dato_xdsl.transforms.npu_forwarding import fresh_name
from dato_xdsl.transforms.npu_plan import arg_access, plan_group
from dato_xdsl.transforms.npu_write_boxes import shared_write_boxes

FLOW_ORDERED = "dato.flow_ordered"
"""On a group: the body argument indices whose block is forwarded in the
simulator's order (their host reads and writes are ordered by the chain)."""

Box = tuple[tuple[int, ...], tuple[int, ...]]
Ordering = dict[str, tuple[int, tuple[int, ...]]]


@dataclass
class _Member:
    group: dato.GroupOp
    k: int
    inst: dato.Instance
    box: Box
    read: bool
    written: bool


@dataclass(frozen=True)
class _Segment:
    """One run of a member's accesses in one turn of the simulator (by its
    body's top-level ops), and how the block moves around it."""

    first: int
    """the top-level op of its first access"""
    last: int
    """that of its last"""
    source: bool
    """gets the block from the previous segment's instance"""
    sink: bool
    """puts it for the next segment's instance"""
    host_in: bool
    """starts from the host's block (the first segment)"""
    host_out: bool
    """sends the block to the host after it (the last writer's last segment)"""


@dataclass(frozen=True)
class _Role:
    """What one instance does with one forwarded body argument."""

    k: int
    mode: str
    """keep (host in and out; parts from earlier readers copied in), local
    (host in, works on a copy), get (from the previous member), get-to-arg
    (from the previous member, copied to its argument at the end: host out
    only), gather (a local block: the host's, then each writer's part copied
    in)"""
    sources: tuple[tuple[str, Box | None], ...] = ()
    """the streams it gets blocks from, each with where its block goes in the
    argument's (parts: offset and shape; None: the whole block)"""
    sinks: tuple[tuple[str, Box | None], ...] = ()
    """the streams it puts its block on, each with the part of its block it
    sends (None: all of it)"""
    host_copy: bool = True
    """the parts it gets do not cover its block: a reader starts from the
    host's block, a writer copies them into its argument (else it works on a
    local copy and overwrites its argument at the end)"""
    segments: tuple[_Segment, ...] = ()
    """mode segments: the runs of its accesses, in order (sources and sinks
    list the streams of those that get and put, in that order)"""

    def signature(self) -> tuple[object, ...]:
        return (self.k, self.mode, tuple(o for _, o in self.sources),
                tuple(o for _, o in self.sinks), self.host_copy, self.segments)  # fmt: skip


def boxes_overlap(a: Box, b: Box) -> bool:
    """Two blocks (offsets, shape) share an element."""
    return all(
        oa < ob + sb and ob < oa + sa for oa, sa, ob, sb in zip(a[0], a[1], b[0], b[1], strict=True)
    )


def flow_ordered(group: dato.GroupOp) -> set[int]:
    """Body arguments whose host reads and writes the forwarding orders."""
    attr = group.attributes.get(FLOW_ORDERED)
    return {int(v) for v in attr.get_values()} if isinstance(attr, DenseArrayBase) else set()


def start_order(region: dato.RegionOp) -> Ordering:
    """Per instance, its key in the simulator's start order: tasks in the
    region's order, each task's instances by pid, row-major."""
    tasks: dict[str, int] = {}
    out: dict[str, tuple[int, tuple[int, ...]]] = {}
    for group in region.groups():
        rank = tasks.setdefault(group.task.data, len(tasks))
        for inst in group.instances():
            out[inst.name] = (rank, tuple(inst.pid))
    return out


def _top(block: Block, op: Operation) -> Operation:
    top = block.find_ancestor_op_in_block(op)
    assert top is not None
    return top


def _touching(block: Block, value: SSAValue) -> list[Operation]:
    """The top-level ops of `block` that use `value` or a view of it, in order."""
    tops = {_top(block, use.operation) for v in derived_memrefs(value) for use in v.uses}
    return [op for op in block.ops if op in tops]


def _first_stream_op(block: Block) -> tuple[Operation, Operation] | None:
    """(top-level op, the put or get in it) of the body's first stream access."""
    for op in block.ops:
        for inner in op.walk():
            if isinstance(inner, dato.PutOp | dato.GetOp):
                return op, inner
    return None


def _line(op: Operation) -> str:
    where = op_location(op)
    return f" (at {where})" if where != "<unknown>" else ""


def _components(region: dato.RegionOp) -> list[tuple[int, list[_Member]]]:
    """(region argument index, members) for every set of instances linked by
    overlapping blocks of one argument where one of the pair writes."""
    writes = {g.sym_name.data: plan_group(g).writes for g in region.groups()}
    by_arg: dict[int, dict[Box, list[_Member]]] = {}
    for group in region.groups():
        body = group.body.block
        done = flow_ordered(group)
        for k, operand in enumerate(group.args):
            arg = body.args[k]
            if not arg.uses or k in done:  # forwarded already
                continue
            t = arg.type
            assert isinstance(t, MemRefType)
            read, written = arg_access(arg, host_copy=False)
            written = writes[group.sym_name.data][k] or written
            boxes = by_arg.setdefault(list(region.args).index(operand), {})
            shape = tuple(t.get_shape())
            for inst in group.instances():
                box = (tuple(inst.offsets[k]), shape)
                boxes.setdefault(box, []).append(_Member(group, k, inst, box, read, written))
    out: list[tuple[int, list[_Member]]] = []
    shared: set[tuple[str, int]] | None = None  # (group, argument) joined by the NPU
    for index, boxes in by_arg.items():
        for comp in _linked(boxes):  # each of two members or more
            if not any(m.read for m in comp):
                if shared is None:
                    shared = set(shared_write_boxes(region, writes))
                if all((m.group.sym_name.data, m.k) in shared for m in comp):
                    continue  # disjoint element stores: the NPU joins the writers' boxes
            out.append((index, comp))
    return out


def _linked(boxes: dict[Box, list[_Member]]) -> list[list[_Member]]:
    """The members of the blocks linked by overlaps where one side writes.
    Blocks are swept in the order of their first offset, each compared with
    the blocks still open along that dimension (a tiling's row of blocks), not
    with all: a grid of thousands of blocks costs thousands of checks."""
    keys = list(boxes)
    written = [any(m.written for m in boxes[b]) for b in keys]
    if not any(written):
        return []  # readers only: no flow
    parent = list(range(len(keys)))
    shapes = {b[1] for b in keys}
    if len(shapes) == 1 and all(
        o % n == 0 for b in keys for o, n in zip(b[0], b[1], strict=True) if n > 0
    ):
        # one shape on its own grid (a layout's blocks): distinct blocks are disjoint
        return [ms for ms in boxes.values() if len(ms) > 1 and any(m.written for m in ms)]

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def start(i: int) -> int:
        return keys[i][0][0] if keys[i][0] else 0

    def end(i: int) -> int:
        return keys[i][0][0] + keys[i][1][0] if keys[i][0] else 1

    active: list[int] = []
    for i in sorted(range(len(keys)), key=start):
        active = [a for a in active if end(a) > start(i)]
        for a in active:
            if (written[a] or written[i]) and boxes_overlap(keys[a], keys[i]):
                parent[find(a)] = find(i)
        active.append(i)
    groups: dict[int, list[_Member]] = {}
    for i, box in enumerate(keys):
        groups.setdefault(find(i), []).extend(boxes[box])
    return [g for g in groups.values() if len(g) > 1 and any(m.written for m in g)]


def _common_refusal(region: dato.RegionOp, name: str, members: list[_Member]) -> str | None:
    """Why no forwarding can serve these members, or None."""
    seen: set[str] = set()
    for m in members:
        if m.inst.name in seen:
            return f"{m.inst.name} takes {name} twice, and writes one of them"
        seen.add(m.inst.name)
    prims = [op for op in region.body.block.ops if isinstance(op, dato.BundleOp | dato.ChainOp)]
    for op in prims:
        inside = [m for m in members if m.inst.name in op.names]
        if not inside:
            continue
        if isinstance(op, dato.BundleOp):
            return (
                f"{inside[0].inst.name} shares {name} with other tasks and is in a bundle: the "
                "compiler forwards the block from task to task, and instances of one body "
                "taking turns on a core cannot pass it on; chain them instead"
            )
        # a chain runs its instances in its order: members passing the block
        # along must be in the simulator's order (members are sorted so)
        names = list(op.names)
        at = [names.index(m.inst.name) for m in inside]
        if at != sorted(at):
            first = next(m for k, m in enumerate(inside[1:]) if at[k + 1] < at[k])
            return (
                f"{first.inst.name} shares {name} with other tasks, and a chain runs it "
                "before instances the simulator runs first: chain them in the simulator's "
                "order (tasks in the region's order, pids row-major)"
            )
    return None


MAX_REPLAY_TOKENS = 1 << 18
"""The simulator's schedule is replayed token by token; a program moving more
tokens than this leaves the order to the structural rule."""

Stop = tuple[str, bool, Operation] | None
"""Where a turn of an instance ends: the put or get it waits at (stream, is
put, op), or None when it finishes."""

Schedule = dict[str, list[tuple[int, Stop]]]
"""Per instance, its turns in the simulator: (turn number, where it ends)."""


def simulator_schedule(region: dato.RegionOp) -> Schedule | None:
    """Replay the simulator's scheduler (targets/scheduler.py) on the
    instances' static put/get sequences (deadlock_analysis's token programs):
    instances start in start order, each runs until it finishes or finds its
    stream full (put) or empty (get), and waits; a put or get wakes the
    stream's waiters, which go to the back of the ready queue. None when the
    sequences are not static, the replay is too long, or it deadlocks."""
    try:
        design = Design(region)
    except (NotStatic, LocatedDiagnostic):
        return None
    order = start_order(region)
    programs = sorted(design.programs, key=lambda p: order[p[0]])
    cursors = {name: make() for name, make in programs}
    pending: dict[str, Stop] = {name: c.next() for name, c in cursors.items()}
    fill = dict.fromkeys(design.depths, 0)
    waiting: dict[str, list[str]] = {}
    ready = deque(name for name, _ in programs)
    out: Schedule = {name: [] for name, _ in programs}
    turn = moves = 0
    while ready:
        name = ready.popleft()
        turn += 1
        token = pending[name]
        while token is not None:
            stream, is_put, _op = token
            if fill[stream] >= design.depths[stream] if is_put else fill[stream] == 0:
                waiting.setdefault(stream, []).append(name)
                break
            fill[stream] += 1 if is_put else -1
            ready.extend(waiting.pop(stream, []))
            moves += 1
            if moves > MAX_REPLAY_TOKENS:
                return None
            token = cursors[name].next()
        pending[name] = token
        out[name].append((turn, token))
    if any(t is not None for t in pending.values()):
        return None  # the simulator deadlocks: it says so itself
    return out


def _access_tops(m: _Member) -> list[int]:
    """The positions among its body's top-level ops of those accessing `m`'s block."""
    body = m.group.body.block
    tops = list(body.ops)
    return [tops.index(op) for op in _touching(body, body.args[m.k])]


def _turn_ends(m: _Member, schedule: Schedule) -> list[tuple[int, int, Stop]]:
    """Per turn of `m`: the turn, the position of the top-level op it stops
    in (the number of top-level ops when it finishes), and where it waits."""
    body = m.group.body.block
    tops = list(body.ops)
    return [
        (turn, len(tops) if stop is None else tops.index(_top(body, stop[2])), stop)
        for turn, stop in schedule[m.inst.name]
    ]


def _span(m: _Member, schedule: Schedule) -> tuple[int, int, Stop]:
    """The turns in which `m` makes its first and its last access to the
    block, and where it waits in between (None if it does not): the turn in
    which the top-level op of its first access starts, and the one in which
    that of its last access ends."""
    accesses = _access_tops(m)
    first, last = accesses[0], accesses[-1]
    start = end = 0
    between: Stop = None
    for turn, at, stop in _turn_ends(m, schedule):
        if not start and at >= first:
            start = turn
        if start and at > last:
            end = turn
            break
        if start:
            between = stop
    return start, end, between


def _runs(comp: list[_Member], schedule: Schedule) -> list[tuple[_Member, int, int]] | None:
    """The members' accesses to one block cut at the turns of the simulator's
    schedule, in the order it makes them: (member, top-level op of the first
    access, of the last) per run, consecutive runs of one member joined. None
    when a member waits inside a top-level op that accesses the block."""
    runs: list[tuple[int, _Member, int, int]] = []
    for m in comp:
        ends = _turn_ends(m, schedule)
        by_turn: dict[int, list[int]] = {}
        for x in _access_tops(m):
            turn, at = next((t, a) for t, a, _ in ends if a >= x)
            if at == x:
                return None
            by_turn.setdefault(turn, []).append(x)
        runs += [(turn, m, min(xs), max(xs)) for turn, xs in by_turn.items()]
    out: list[tuple[_Member, int, int]] = []
    for _, m, first, last in sorted(runs, key=lambda r: r[0]):
        if out and out[-1][0] is m:
            out[-1] = (m, out[-1][1], last)
        else:
            out.append((m, first, last))
    return out


def _order(
    name: str, comp: list[_Member], schedule: Callable[[], Schedule | None], order: Ordering
) -> tuple[list[_Member], str | None]:
    """The members in the order the simulator makes their accesses, or why
    it may interleave them. With a replay of its schedule: by the turns of
    their accesses, each member's (from its first access to its last) before
    the next one's starts, for every pair the forwarding links. Without: in
    start order, when every member followed by one it is linked to makes
    its accesses before any put or get of its own (so in its first turn)."""
    replay = schedule()
    if replay is None:
        chain = sorted(comp, key=lambda m: order[m.inst.name])
        for i, a in enumerate(chain):
            later = [b for b in chain[i + 1 :] if _linked_pair(a, b)]
            if later and (why := _structural_refusal(name, a, later[0])) is not None:
                return chain, why
        return chain, None
    spans = {m.inst.name: _span(m, replay) for m in comp}
    chain = sorted(comp, key=lambda m: spans[m.inst.name][0])
    for i, a in enumerate(chain):
        start, end, between = spans[a.inst.name]
        for b in chain[i + 1 :]:
            if not _linked_pair(a, b) or spans[b.inst.name][0] > end:
                continue
            assert between is not None
            what = "put on" if between[1] else "get from"
            state = "full" if between[1] else "empty"
            return chain, (
                f"{_flow(name, a, b)}, and in the simulator {a.inst.name} waits to {what} "
                f"@{between[0]}{_line(between[2])}, {state}, between its accesses to {name}, "
                f"while {b.inst.name} makes its own: an interleaving the NPU cannot follow "
                "(each task runs whole on its core); make its accesses to the array come "
                "together, or pass the data through a stream"
            )
    return chain, None


def _flow(name: str, a: _Member, b: _Member) -> str:
    if a.written and b.read:
        return f"{a.inst.name} writes {name} and {b.inst.name} reads it"
    if b.written and a.read:
        return f"{b.inst.name} writes {name} and {a.inst.name} reads it"
    return f"{a.inst.name} and {b.inst.name} both write block {list(a.box[0])} of {name}"


def _structural_refusal(name: str, a: _Member, b: _Member) -> str | None:
    """Why `a`'s accesses to the block may not all come in its first turn:
    a put or get before (or in the top-level op of) its last access, or None."""
    body = a.group.body.block
    stream = _first_stream_op(body)
    if stream is None:
        return None
    tops = list(body.ops)
    last = _touching(body, body.args[a.k])[-1]
    if tops.index(last) < tops.index(stream[0]):
        return None
    what = "put on" if isinstance(stream[1], dato.PutOp) else "get from"
    return (
        f"{_flow(name, a, b)}, and {a.inst.name} may {what} "
        f"@{stream[1].stream.root_reference.data}{_line(stream[1])} before its last access to "
        f"{name}{_line(last)} (its puts and gets are not static, so the compiler cannot "
        f"replay the simulator's order): the simulator can switch to {b.inst.name} at that "
        "stream, an interleaving the NPU cannot follow (each task runs whole on its core); "
        "make its accesses to the array come first, or pass the data through a stream"
    )


def _where(m: _Member) -> str:
    return f"offsets {list(m.box[0])} size {list(m.box[1])}"


def _meet(a: Box, b: Box) -> Box:
    """The intersection of two overlapping boxes."""
    lo = tuple(max(x, y) for x, y in zip(a[0], b[0], strict=True))
    hi = tuple(min(x + n, y + m) for x, n, y, m in zip(a[0], a[1], b[0], b[1], strict=True))
    return lo, tuple(h - low for low, h in zip(lo, hi, strict=True))


def _gather_refusal(name: str, chain: list[_Member]) -> str | None:
    """Members with different blocks: forwarded when the writers' blocks are
    disjoint (and the simulator's order does not interleave them, `_order`).
    Why not, or None."""
    writers = [m for m in chain if m.written]
    for a in writers:
        for b in writers:
            if a is not b and boxes_overlap(a.box, b.box) and a.box != b.box:
                return (
                    f"{a.inst.name} and {b.inst.name} write overlapping blocks of {name} at "
                    f"different places ({_where(a)}, {_where(b)}): the NPU forwards blocks "
                    "from task to task, so writers of one part must share one block"
                )
            if a is not b and a.box == b.box:
                return (
                    f"{a.inst.name} and {b.inst.name} both write the block of {name} at "
                    f"{_where(a)}, which other tasks read at other places: the NPU forwards "
                    "a block either along one block's writers or from disjoint writers to "
                    "their readers, not both"
                )
    return None


def _linked_pair(a: _Member, b: _Member) -> bool:
    return (a.written or b.written) and boxes_overlap(a.box, b.box)


def forward_array_flows(region: dato.RegionOp) -> None:
    """Rewrite every flow of the region whose order the simulator guarantees
    into forwarding (module doc); raise a located error for a flow through a
    read whose order it does not; leave writers-only sets that fail the rule
    to the NPU checks that follow."""
    order = start_order(region)
    replayed: list[Schedule | None] = []

    def schedule() -> Schedule | None:
        """The replay of the simulator's schedule, made once, when needed."""
        if not replayed:
            replayed.append(simulator_schedule(region))
        return replayed[0]

    names = region.arg_names()
    taken = {s.sym_name.data for s in region.streams()} | {g.sym_name.data for g in region.groups()}
    taken |= {inst.name for g in region.groups() for inst in g.instances()}
    roles: dict[tuple[str, str], list[_Role]] = {}
    decls: list[dato.StreamOp] = []
    for index, comp in _components(region):
        name = names[index]
        same = all(m.box == comp[0].box for m in comp)
        chain, why = _order(name, comp, schedule, order)
        replay = schedule()
        if why is not None and same and replay is not None:
            # interleaved at streams: the block moves at every switch instead
            runs = _runs(comp, replay)
            if runs is not None and _common_refusal(region, name, comp) is None:
                _plan_runs(runs, name, taken, decls, roles)
                continue
        why = why or _common_refusal(region, name, chain)
        if why is None and not same:
            why = _gather_refusal(name, chain)
        if why is not None:
            if not any(m.read for m in chain):
                continue  # writers only: the NPU's output checks say what they need
            raise op_error(chain[0].group, why)

        if same:
            last_writer = max(i for i, m in enumerate(chain) if m.written)
            links = [
                _stream(a, b, name, taken, decls) for a, b in zip(chain, chain[1:], strict=False)
            ]
            for i, m in enumerate(chain):
                if i == 0:
                    # a later writer sends the block back: a first writer works
                    # on a copy (a first reader only reads the host's)
                    mode = "local" if m.written and last_writer > 0 else "keep"
                else:
                    mode = "get-to-arg" if i == last_writer else "get"
                sources = ((links[i - 1], None),) if i else ()
                sinks = ((links[i], None),) if i < len(links) else ()
                _add(roles, m, _Role(m.k, mode, sources, sinks))
            continue
        # every linked pair (a writer and a reader, either first) in the
        # simulator's order: the first sends the second the part they share
        sinks: dict[str, list[tuple[str, Box | None]]] = {m.inst.name: [] for m in chain}
        sources: dict[str, list[tuple[str, Box | None]]] = {m.inst.name: [] for m in chain}
        for j, b in enumerate(chain):
            for a in chain[:j]:
                if not _linked_pair(a, b):
                    continue
                part = _meet(a.box, b.box)
                s = _stream(a, b, name, taken, decls, part[1])
                at_a = tuple(x - y for x, y in zip(part[0], a.box[0], strict=True))
                sinks[a.inst.name].append((s, None if part == a.box else (at_a, part[1])))
                at_b = tuple(x - y for x, y in zip(part[0], b.box[0], strict=True))
                sources[b.inst.name].append((s, (at_b, part[1])))
        for m in chain:
            got = sources[m.inst.name]
            covered = sum(math.prod(p[1]) for _, p in got if p) == math.prod(m.box[1])
            mode = "keep" if m.written or not got else "gather"
            _add(roles, m, _Role(m.k, mode, tuple(got), tuple(sinks[m.inst.name]), not covered))
    if not roles:
        return
    first_group = region.groups()[0]
    for decl in decls:
        region.body.block.insert_op_before(decl, first_group)
    for group in list(region.groups()):
        _split(region, group, roles, taken)


def _plan_runs(
    runs: list[tuple[_Member, int, int]],
    name: str,
    taken: set[str],
    decls: list[dato.StreamOp],
    roles: dict[tuple[str, str], list[_Role]],
) -> None:
    """The block passes from run to run of accesses (`_runs`): each run's
    instance gets it right before the run (the first starts from the host's)
    and puts it right after, for the next; the last writer's last run sends it
    to the host. Each instance keeps the block in one local buffer."""
    writer = max(i for i, (m, _, _) in enumerate(runs) if m.written)
    pairs = zip(runs, runs[1:], strict=False)
    links = [_stream(a, b, name, taken, decls) for (a, _, _), (b, _, _) in pairs]
    mine: dict[str, tuple[_Member, list[_Segment], list[str], list[str]]] = {}
    for i, (m, first, last) in enumerate(runs):
        _, segments, sources, sinks = mine.setdefault(m.inst.name, (m, [], [], []))
        body = m.group.body.block
        segments.append(
            _Segment(
                first,
                last,
                i > 0,
                i < len(links),
                i == 0 and arg_access(body.args[m.k])[0],
                i == writer,
            )
        )
        if i > 0:
            sources.append(links[i - 1])
        if i < len(links):
            sinks.append(links[i])
    for m, segments, sources, sinks in mine.values():
        role = _Role(
            m.k,
            "segments",
            tuple((s, None) for s in sources),
            tuple((s, None) for s in sinks),
            segments=tuple(segments),
        )
        _add(roles, m, role)


def _stream(
    a: _Member,
    b: _Member,
    name: str,
    taken: set[str],
    decls: list[dato.StreamOp],
    shape: tuple[int, ...] | None = None,
) -> str:
    """A new one-block stream from `a` to `b` (declared with `decls`) of
    `a`'s block, or of a part of `shape`."""
    s = fresh_name(f"{a.inst.name}_{name}_to_{b.inst.name}", taken)
    t = a.group.body.block.args[a.k].type
    assert isinstance(t, MemRefType)
    if shape is not None:
        t = MemRefType(t.element_type, shape)
    decl = dato.StreamOp(s, dato.StreamType(t, 1, 1))
    decl.attributes[COMPILER_CHOSEN] = UnitAttr()
    decl.location = a.group.location
    decls.append(decl)
    return s


def _add(roles: dict[tuple[str, str], list[_Role]], m: _Member, role: _Role) -> None:
    roles.setdefault((m.group.sym_name.data, m.inst.name), []).append(role)


def _split(
    region: dato.RegionOp,
    group: dato.GroupOp,
    roles: dict[tuple[str, str], list[_Role]],
    taken: set[str],
) -> None:
    """One group per set of instances with the same roles (a body each), with a
    port per forwarded block, bound per instance to its stream."""
    gname = group.sym_name.data
    classes: dict[tuple[tuple[object, ...], ...], list[dato.Instance]] = {}
    for inst in group.instances():
        sig = tuple(sorted(r.signature() for r in roles.get((gname, inst.name), [])))
        classes.setdefault(sig, []).append(inst)
    if list(classes) == [()]:
        return
    hints = [a.name_hint or f"arg{k}" for k, a in enumerate(group.body.block.args)]
    pristine = group.body.clone()  # the body before any class's rewrite
    old_ports = group.port_names
    for n, (sig, insts) in enumerate(classes.items()):
        if n == 0:
            target = group
        else:
            cloned = pristine.clone()
            body = cloned.blocks[0]
            cloned.detach_block(body)
            target = dato.GroupOp(
                fresh_name(f"{gname}_part{n}", taken),
                group.task.data,
                group.grid_shape,
                list(group.args),
                old_ports,
                [(i.pid, i.offsets, i.bindings) for i in insts],
                body,
            )
            target.attributes.update(group.attributes)
            target.location = group.location
            parent = group.parent_block()
            assert parent is not None
            parent.insert_op_after(target, group)
        if not sig:
            _keep_rows(target, insts, [])
            continue
        ports: list[str] = []
        per_inst: list[list[str]] = [[] for _ in insts]
        used = set(old_ports)
        block = target.body.block
        ordered: list[int] = []
        for k, *_ in sig:
            inst_roles = [next(r for r in roles[(gname, i.name)] if r.k == k) for i in insts]
            role = inst_roles[0]
            base = "from_previous" if role.mode in ("get", "get-to-arg") else "part"
            sources = [fresh_name(f"{hints[k]}_{base}", used) for _ in role.sources]
            sinks = [fresh_name(f"{hints[k]}_to_next", used) for _ in role.sinks]
            ports += sources + sinks
            for row, r in zip(per_inst, inst_roles, strict=True):
                row += [s for s, _ in r.sources] + [s for s, _ in r.sinks]
            placed = [(p, o) for p, (_, o) in zip(sources, role.sources, strict=True)]
            sent = [(p, o) for p, (_, o) in zip(sinks, role.sinks, strict=True)]
            _rewrite(block, role, placed, sent)
            ordered.append(k)
        target.ports = ArrayAttr([*target.ports.data, *(StringAttr(p) for p in ports)])
        _keep_rows(target, insts, per_inst)
        target.attributes[FLOW_ORDERED] = DenseArrayBase.from_list(i64, ordered)


def _keep_rows(group: dato.GroupOp, insts: Sequence[dato.Instance], extra: list[list[str]]) -> None:
    """The group's instance table: `insts`, each with its `extra` bindings."""
    pids = [v for i in insts for v in i.pid]
    offsets = [v for i in insts for o in i.offsets for v in o]
    binds: list[str] = []
    for n, i in enumerate(insts):
        binds += [*i.bindings, *(extra[n] if extra else [])]
    group.pids = DenseArrayBase.from_list(i64, pids)
    group.offsets = DenseArrayBase.from_list(i64, offsets)
    group.bindings = ArrayAttr([StringAttr(b) for b in binds])


def _rewrite(
    block: Block,
    role: _Role,
    sources: list[tuple[str, Box | None]],
    sinks: list[tuple[str, Box | None]],
) -> None:
    """Body argument `role.k` as its mode says (see _Role), getting from the
    ports `sources` right before the first top-level op touching the block;
    the puts to the ports `sinks` right after the last one."""
    arg = block.args[role.k]
    t = arg.type
    assert isinstance(t, MemRefType)
    mode = role.mode
    if mode == "segments":
        _rewrite_runs(block, role, [p for p, _ in sources], [p for p, _ in sinks])
        return
    # the new ops go right before the first access: in the turn of the
    # simulator's schedule that makes it, after the previous member's put
    first = _touching(block, arg)[0]
    new: list[Operation] = []
    buf: SSAValue = arg
    if mode in ("local", "gather"):
        alloc = memref.AllocOp.get(t.element_type, shape=t.get_shape())
        new.append(alloc)
        # start from the host's block where it is read or written in part, and
        # it is not all the writers' parts
        if role.host_copy and (mode == "gather" or arg_access(arg)[0]):
            new.append(memref.CopyOp(arg, alloc))
        buf = alloc.results[0]
        new += _get_parts(sources, buf)
    elif mode == "keep" and sources:
        # parts earlier readers send: the host's values they read, which order
        # this writer's writes after those reads. When they cover the block
        # the writer works on a local copy of them and overwrites its argument
        # whole at the end: the host's block does not come in (the NPU moves
        # one block shape per array, and the readers' blocks are others)
        into: SSAValue = arg
        if not role.host_copy:
            alloc = memref.AllocOp.get(t.element_type, shape=t.get_shape())
            new.append(alloc)
            into = buf = alloc.results[0]
        new += _get_parts(sources, into)
    elif mode in ("get", "get-to-arg"):
        get = dato.GetOp(sources[0][0], [], t)
        new.append(get)
        buf = get.results[0]
    for op in new:
        block.insert_op_before(op, first)
    mine = {o for op in new for o in op.walk()}
    if buf is not arg:
        arg.replace_uses_with_if(buf, lambda use: use.operation not in mine)
    touching = _touching(block, buf)
    after = touching[-1] if touching else (new[-1] if new else None)
    if mode == "get-to-arg" or (mode == "keep" and buf is not arg):
        # the last writer's block, whole, to the host: its argument's only
        # use, so the host's block does not come in first
        back = memref.CopyOp(buf, arg)
        if after is None:
            block.add_op(back)
        else:
            block.insert_op_after(back, after)
        after = back
    if not sinks:
        return
    for sink, part in sinks:
        ops: list[Operation] = []
        sent = buf
        if part is not None:  # a part of the block: copied out of it first
            piece = memref.AllocOp.get(t.element_type, shape=part[1])
            ops += [piece, *_copy_at(buf, piece.results[0], part[0], part[1], out=True)]
            sent = piece.results[0]
        ops.append(dato.PutOp(sink, [], sent))
        for op in ops:
            if after is None:
                block.add_op(op)  # nothing touches the block: an empty body passes it on
            else:
                block.insert_op_after(op, after)
            after = op


def _get_parts(sources: list[tuple[str, Box | None]], into: SSAValue) -> list[Operation]:
    """Get each part from its port and copy it into `into` at its offset."""
    t = into.type
    assert isinstance(t, MemRefType)
    ops: list[Operation] = []
    for port, part in sources:
        assert part is not None
        get = dato.GetOp(port, [], MemRefType(t.element_type, part[1]))
        ops += [get, *_copy_at(get.results[0], into, part[0], part[1])]
    return ops


def _rewrite_runs(block: Block, role: _Role, sources: list[str], sinks: list[str]) -> None:
    """Mode segments: the body works on a local buffer; around each run of
    accesses the block comes in (from the host or the previous run's
    instance) and goes out (to the host after the last writer's last run, to
    the next run's instance)."""
    arg = block.args[role.k]
    t = arg.type
    assert isinstance(t, MemRefType)
    tops = list(block.ops)
    alloc = memref.AllocOp.get(t.element_type, shape=t.get_shape())
    buf = alloc.results[0]
    arg.replace_all_uses_with(buf)
    if block.first_op is None:
        block.add_op(alloc)
    else:
        block.insert_op_before(alloc, block.first_op)
    ins, outs = iter(sources), iter(sinks)
    for seg in role.segments:
        before: list[Operation] = []
        if seg.host_in:
            before.append(memref.CopyOp(arg, buf))
        if seg.source:
            get = dato.GetOp(next(ins), [], t)
            before += [get, memref.CopyOp(get.results[0], buf)]
        for op in before:
            block.insert_op_before(op, tops[seg.first])
        after: list[Operation] = []
        if seg.host_out:
            after.append(memref.CopyOp(buf, arg))
        if seg.sink:
            after.append(dato.PutOp(next(outs), [], buf))
        at = tops[seg.last]
        for op in after:
            block.insert_op_after(op, at)
            at = op


def _copy_at(
    src: SSAValue,
    dst: SSAValue,
    offset: tuple[int, ...],
    shape: tuple[int, ...],
    out: bool = False,
) -> list[Operation]:
    """Loops copying a block of `shape` from all of `src` into `dst` at
    `offset`, or (`out`) from `src` at `offset` into all of `dst`; element by
    element, as the NPU lowering takes loads and stores of any buffer."""
    zero = arith.ConstantOp(IntegerAttr(0, IndexType()))
    one = arith.ConstantOp(IntegerAttr(1, IndexType()))
    ops: list[Operation] = [zero, one]

    def nest(d: int, ivs: list[SSAValue], into: list[Operation]) -> None:
        if d == len(shape):
            idx: list[SSAValue] = []
            for iv, o in zip(ivs, offset, strict=True):
                if o == 0:
                    idx.append(iv)
                    continue
                c = arith.ConstantOp(IntegerAttr(o, IndexType()))
                add = arith.AddiOp(iv, c)
                into += [c, add]
                idx.append(add.result)
            load = memref.LoadOp.get(src, idx if out else ivs)
            into += [load, memref.StoreOp.get(load.res, dst, ivs if out else idx)]
            return
        ub = arith.ConstantOp(IntegerAttr(shape[d], IndexType()))
        body = Block(arg_types=[IndexType()])
        inner: list[Operation] = []
        nest(d + 1, [*ivs, body.args[0]], inner)
        body.add_ops([*inner, scf.YieldOp()])
        into += [ub, scf.ForOp(zero.result, ub.result, one.result, [], body)]

    nest(0, [], ops)
    return ops


@dataclass(frozen=True)
class ArrayFlowForwardingPass(ModulePass):
    """Forward blocks of global arrays between tasks in the simulator's order."""

    name = "dato-array-flow-forwarding"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for region in [o for o in op.walk() if isinstance(o, dato.RegionOp)]:
            if region.tasks():
                raise op_error(
                    region.tasks()[0], "run dato-virtual-map before dato-array-flow-forwarding"
                )
            forward_array_flows(region)


__all__: Sequence[str] = [
    "FLOW_ORDERED",
    "ArrayFlowForwardingPass",
    "Box",
    "boxes_overlap",
    "flow_ordered",
    "forward_array_flows",
]
