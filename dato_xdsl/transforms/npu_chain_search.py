"""The compiler's chains of processing elements when chaining loaders and
drains alone leaves more elements than cores (a systolic grid with its
loaders and drains).

Deterministic greedy search over the task graph of the instances the user's
primitives left alone: instances without streams join the smallest group; then
groups joined by a stream merge, cheapest first by (size of the merged group,
bytes the streams between them hold, names), as long as the graph of groups
stays acyclic (merging two groups with another path between them would close
a cycle). A core runs its group in topological order; a stream inside a group
becomes a local buffer holding every element.

Each candidate folding is replayed with the deadlock analysis, every core
running its members one after the other: a stream between cores that fills
while its consumer waits for something else is made deeper, step by step,
until the replay finishes (the depths a core-sequential schedule needs). A
folding the replay cannot free is not emitted."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects.builtin import IntegerAttr, MemRefType

from dato_xdsl.dialects import dato
from dato_xdsl.dialects.aie import memref_bytes
from dato_xdsl.transforms.deadlock_analysis import (
    Design,
    NotStatic,
    Replay,
    ReplayTooLong,
    Token,
    _Cursor,  # pyright: ignore[reportPrivateUsage]
    _Frame,  # pyright: ignore[reportPrivateUsage]
    _Item,  # pyright: ignore[reportPrivateUsage]
    _Loop,  # pyright: ignore[reportPrivateUsage]
)
from dato_xdsl.transforms.instance_trace import Env, trip_count
from dato_xdsl.transforms.npu_plan import body_buffers, shared_bytes
from dato_xdsl.transforms.npu_stream_routes import object_type
from dato_xdsl.transforms.stream_access import StreamUses

DEPTH_BY_COMPILER = "dato.depth_by_compiler"
"""On a stream whose depth the compiler changed: the depth the program declared."""


def declared_depth(decl: dato.StreamOp) -> int:
    """The depth the program declared for `decl` (before an earlier attempt
    of the mapping deepened or shallowed it)."""
    attr = decl.attributes.get(DEPTH_BY_COMPILER)
    if isinstance(attr, IntegerAttr):
        return attr.value.data
    return decl.stream_type.depth.data


@dataclass
class ChainPlan:
    groups: list[list[str]]
    """each compiler-chained group in the order its core runs it"""
    depths: dict[str, int] = field(default_factory=dict)
    """streams between cores made deeper: new depth"""
    cost_bytes: dict[int, int] = field(default_factory=dict)
    lockstep: frozenset[int] = frozenset()
    """groups whose core runs its members in lockstep (_Lockstep): one fused
    loop, the streams between them rings of the depths in `depths`"""


@dataclass
class SearchFailure:
    reason: str


class _Sequence:
    """A core's cursor: its members' token programs one after the other.
    Tokens on `hidden` streams are skipped (see `_hidden_streams`)."""

    def __init__(self, cursors: list[_Cursor], hidden: frozenset[str] = frozenset()) -> None:
        self.cursors = cursors
        self.hidden = hidden
        self.at = 0

    def next(self) -> Token | None:
        while self.at < len(self.cursors):
            tok = self.cursors[self.at].next()
            if tok is None:
                self.at += 1
            elif tok[0] not in self.hidden:
                return tok
        return None

    def shape(self) -> tuple[object, ...]:
        if self.at == len(self.cursors):
            return (self.at,)
        return (self.at, self.cursors[self.at].shape())

    def counters(self) -> list[tuple[object, int]]:
        if self.at == len(self.cursors):
            return []
        return self.cursors[self.at].counters()  # type: ignore[return-value]


class _Lockstep:
    """A core's cursor running its members in lockstep: members whose bodies
    are one loop of the same bounds, fused into one loop whose iteration runs
    every member's iteration in turn (chain order). Streams between its
    members are ring buffers of their depth, replayed as such. The fused
    loop is a frame of its own, so a state that repeats up to its iteration
    is fast-forwarded like any loop."""

    def __init__(self, bodies: list[tuple[list[_Item], Env, dict[str, str]]], trips: int) -> None:
        self.bodies = bodies
        self.outer = _Frame([], trips)
        self.k = 0
        self.cur: _Cursor | None = _Cursor(*bodies[0]) if trips else None

    def next(self) -> Token | None:
        while self.cur is not None:
            tok = self.cur.next()
            if tok is not None:
                return tok
            self.k += 1
            if self.k == len(self.bodies):
                self.k = 0
                self.outer.iteration += 1
                if self.outer.iteration >= self.outer.trips:
                    self.cur = None
                    return None
            self.cur = _Cursor(*self.bodies[self.k])
        return None

    def shape(self) -> tuple[object, ...]:
        return (self.k, self.cur.shape() if self.cur is not None else None)

    def counters(self) -> list[tuple[object, int]]:
        inner = self.cur.counters() if self.cur is not None else []
        return [(self.outer, self.outer.iteration), *inner]


def lockstep_loop(cursors: list[_Cursor]) -> tuple[list[list[_Item]], int] | str:
    """Whether members (fresh cursors, in chain order) can run in lockstep:
    each body (its stream operations) is one loop, all of the same bounds
    (lb, ub, step) — the loop bodies and the common trip count, else why not.
    A member with no stream operation (a systolic grid's idle corner) gets an
    empty body: fused, it runs before the loop (npu_lockstep.fuse_members,
    which refuses it if it moves an array)."""
    bodies: list[list[_Item]] = []
    bounds: set[tuple[int, int, int]] = set()
    for c in cursors:
        items = c.frames[0].items
        if not items:
            bodies.append([])
            continue
        if len(items) != 1 or not isinstance(items[0], _Loop):
            return "a member's stream operations are not all in one loop"
        loop = items[0]
        bounds.add((loop.lb(c.env), loop.ub(c.env), loop.step(c.env)))
        bodies.append(loop.body)
    if not bounds:
        return "no member has stream operations"
    if len(bounds) != 1:
        return "the members' loops have different bounds " + ", ".join(map(str, sorted(bounds)))
    lb, ub, step = bounds.pop()
    if step <= 0:
        return "the members' loop has a step that is not positive"
    return bodies, trip_count(lb, ub, step)


def search_chains(
    region: dato.RegionOp,
    uses: dict[str, StreamUses],
    cores: int,
    n_elements: int,
    arrays: dict[str, tuple[int, int]],
    channels: int,
) -> ChainPlan | SearchFailure:
    """`arrays`: per instance, the global arrays it reads and writes (a DMA
    channel each); `channels`: a compute tile's input (and output) channels."""
    names = [i.name for g in region.groups() for i in g.instances()]
    fixed = folded_instances(region)
    free = [n for n in names if n not in fixed]
    elements = n_elements
    edges: dict[tuple[str, str], int] = {}
    succ: dict[str, set[str]] = {n: set() for n in names}
    for use in uses.values():
        p, c, total = use.producer, use.consumer, use.total()
        if p is None or c is None or p == c:
            continue
        obj = object_bytes(use.decl)
        edges[(p, c)] = edges.get((p, c), 0) + (total or 1 << 30) * obj
        succ[p].add(c)
    if not edges:
        return SearchFailure("")  # no stream joins any two instances: nothing to chain
    incident = _incident(uses)
    group_of = {n: n for n in free}
    members = {n: [n] for n in free}
    touched = {n for pc in edges for n in pc}
    # instances without streams: the smallest group takes them (they move nothing)
    for n in free:
        if elements <= cores:
            break
        if n in touched:
            continue
        host = min(
            (g for g in members if g != n and group_of[g] == g and members[g][0] in touched),
            key=lambda g: (len(members[g]), g),
            default=None,
        )
        if host is None:
            continue
        members[host].append(n)
        del members[n]
        group_of[n] = host
        elements -= 1
    while elements > cores:
        best: tuple[tuple[int, int, int, str, str], str, str] | None = None
        gsucc = _group_succ(succ, group_of)
        gbytes: dict[tuple[str | None, str | None], int] = {}
        for (x, y), v in edges.items():
            key2 = (group_of.get(x), group_of.get(y))
            gbytes[key2] = gbytes.get(key2, 0) + v
        cached: dict[str, tuple[int, int]] = {}
        tried: set[tuple[str, str]] = set()
        cyclic = 0
        for p, c in edges:
            a, b = group_of.get(p), group_of.get(c)
            if a is None or b is None or a == b or (a, b) in tried:
                continue
            tried.add((a, b))
            if _reaches_other(gsucc, a, b):
                cyclic += 1
                continue
            between = gbytes.get((a, b), 0)
            merged = members[a] + members[b]
            need = _channels(merged, incident, arrays)
            for g in (a, b):
                if g not in cached:
                    cached[g] = _channels(members[g], incident, arrays)
            na, nb = cached[a], cached[b]
            # channels beyond a tile's and its parts' (memory-sharing neighbours
            # served those) are counted first: placement decides whether they fit
            growth = max(n - max(channels, x, y) for n, x, y in zip(need, na, nb, strict=True))
            key = (max(0, growth), len(merged), between, a, b)
            if best is None or key < best[0]:
                best = (key, a, b)
        if best is None:
            why = (
                f"each of the {cyclic} pairs a stream joins would close a cycle if merged"
                if cyclic
                else "no stream joins two of them (separate lanes)"
            )
            return SearchFailure(
                f"after {n_elements - elements} merges {elements} elements are left and {why}"
            )
        _, a, b = best
        members[a] += members.pop(b)
        for n in members[a]:
            group_of[n] = a
        elements -= 1
    groups = [_topological(ms, succ) for ms in members.values() if len(ms) > 1]
    plan = ChainPlan(groups)
    for k, g in enumerate(groups):
        inside = set(g)
        plan.cost_bytes[k] = sum(v for (p, c), v in edges.items() if p in inside and c in inside)
    if in_lockstep(region, uses, plan):
        return plan
    why = free_depths(region, uses, groups, plan)
    return why if why is not None else plan


def describe_chains(plan: ChainPlan, limit: int = 3) -> str:
    """For a mapping's note or refusal: how search_chains built `plan` (the
    order it merges in) and what it chose per core (in turn or in lockstep,
    the streams made deeper, the bytes the inner streams hold), so a user
    sees what was searched and the numbers of the attempt."""
    text = (
        "merging one pair a stream joins at a time (first the merge adding the "
        "fewest DMA channels over a tile's, then the smaller group, then the fewer "
        "bytes between them), then running the chains in lockstep where their "
        "streams and held blocks take fewer bytes than in turn"
    )
    if plan.lockstep:
        cores = sorted(plan.lockstep)
        named = "; ".join("-".join(plan.groups[k]) for k in cores[:limit])
        more = f"; ... ({len(cores)} cores)" if len(cores) > limit else ""
        text += f": in lockstep {named}{more}"
    else:
        text += ": none gains by it, every chain runs its members in turn"
    if plan.cost_bytes:
        held = sum(plan.cost_bytes.values())
        text += f"; the chains' inner streams hold {held} bytes"
    if plan.depths:
        deeper = sorted(plan.depths.items())
        named = ", ".join(f"@{n} {d} deep" for n, d in deeper[:limit])
        more = f" and {len(deeper) - limit} more" if len(deeper) > limit else ""
        text += f"; streams between cores made deeper: {named}{more}"
    return text


def in_lockstep(region: dato.RegionOp, uses: dict[str, StreamUses], plan: ChainPlan) -> bool:
    """Run the groups of `plan` that can (lockstep_groups) in lockstep when
    the replay of that order finishes: in lockstep a stream between members
    holds a ring of a few elements instead of every element. On success
    `plan` takes the lockstep groups, the depths and the rings' bytes as
    cost; else it is left as it was."""
    # the groups whose rings alone save bytes, and every group that can: a
    # core running its members in turn can force deep streams between cores
    # (a neighbour's lockstep rings then take that depth too, one type per
    # port); the variant whose streams and held blocks take fewer bytes wins
    # against the groups run in turn (at least their local buffers of every
    # element; a lockstep variant that holds no fewer bytes is not taken)
    sequential = stream_bytes(region, uses, ChainPlan(plan.groups))
    best: ChainPlan | None = None
    for every_one in (False, True):
        lockstep = lockstep_groups(region, uses, plan.groups, every_one)
        if not lockstep or (best is not None and lockstep == best.lockstep):
            continue
        trial = ChainPlan(plan.groups, cost_bytes=dict(plan.cost_bytes), lockstep=lockstep)
        if free_depths(region, uses, plan.groups, trial, lockstep) is not None:
            continue
        cost = stream_bytes(region, uses, trial)
        if cost < sequential and (best is None or cost < stream_bytes(region, uses, best)):
            best = trial
    if best is None:
        return False
    trial, lockstep = best, best.lockstep
    decls = {d.sym_name.data: d for d in region.streams()}
    for k in lockstep:
        inside = set(plan.groups[k])
        trial.cost_bytes[k] = sum(
            trial.depths.get(n, declared_depth(decls[n])) * object_bytes(decls[n])
            for n, u in uses.items()
            if u.producer in inside and u.consumer in inside
        )
    plan.lockstep, plan.depths, plan.cost_bytes = lockstep, trial.depths, trial.cost_bytes
    return True


def lockstep_groups(
    region: dato.RegionOp,
    uses: dict[str, StreamUses],
    groups: list[list[str]],
    every_one: bool = False,
) -> frozenset[int]:
    """The groups that can run in lockstep (lockstep_loop) and gain by it:
    the rings of the streams between their members (at least one iteration's
    puts, see core_design) hold fewer bytes than local buffers of every
    element would. (Fused, the members also hold their blocks of an array
    and their locals at once: no gain, no lockstep.)"""
    try:
        design = Design(region)
    except NotStatic:
        return frozenset()
    makers = dict(design.programs)
    blocks = _array_bytes(region)
    locals_ = _local_bytes(region)
    out: set[int] = set()
    for k, g in enumerate(groups):
        inside = set(g)
        found = lockstep_loop([makers[n]() for n in g])
        if isinstance(found, str) or not found[1]:
            continue
        every = ring = 0
        for u in uses.values():
            total = u.total()
            if u.producer in inside and u.consumer in inside and total is not None:
                depth = declared_depth(u.decl)
                # as core_design sizes them: a local buffer of every element
                # (at least the depth), a ring of one iteration's elements
                # (at least the declared depth, at most the buffer)
                every += max(total, depth) * object_bytes(u.decl)
                ring += min(max(total, depth), max(depth, -(-total // found[1]))) * object_bytes(
                    u.decl
                )
        # fused, members moving blocks of one array (through one fifo, an
        # object at a time when run in turn) hold all their blocks at once:
        # the rings must save more than those later blocks cost
        held = _side_by_side(g, locals_)
        for index in {i for n in g for i in blocks.get(n, {})}:
            sizes = [blocks[n][index] for n in g if index in blocks.get(n, {})]
            held += sum(sizes[1:])
        if every_one or ring + held < every:
            out.add(k)
    return frozenset(out)


def _held_arrays(region: dato.RegionOp, groups: list[list[str]], lockstep: frozenset[int]) -> int:
    """The bytes of the later blocks of an array, and of the locals, the
    members of the `lockstep` groups hold at once (see lockstep_groups)."""
    blocks = _array_bytes(region)
    locals_ = _local_bytes(region) if lockstep else {}
    held = 0
    for k in lockstep:
        g = groups[k]
        held += _side_by_side(g, locals_)
        for index in {i for n in g for i in blocks.get(n, {})}:
            held += sum([blocks[n][index] for n in g if index in blocks.get(n, {})][1:])
    return held


def stream_bytes(region: dato.RegionOp, uses: dict[str, StreamUses], plan: ChainPlan) -> int:
    """The cost in_lockstep minimises: the bytes every stream holds under
    `plan` (a stream between members of a sequential chain every element, a
    ring or a stream between cores its depth) plus the array blocks and the
    locals the lockstep groups hold at once."""
    core_of = {n: k for k, g in enumerate(plan.groups) for n in g}
    out = 0
    for name, u in uses.items():
        depth = plan.depths.get(name, u.decl.stream_type.depth.data)
        k = core_of.get(u.producer or "")
        if k is not None and k == core_of.get(u.consumer or "") and k not in plan.lockstep:
            depth = max(depth, u.total() or 1)
        out += depth * object_bytes(u.decl)
    return out + _held_arrays(region, plan.groups, plan.lockstep)


def _local_bytes(region: dato.RegionOp) -> dict[str, int]:
    """Per instance, the bytes of its body's local buffers (dead ones of one
    type sharing, as physical mapping counts them: npu_plan.body_buffers)."""
    out: dict[str, int] = {}
    for group in region.groups():
        found = shared_bytes(body_buffers(group.body.block).spans)
        for inst in group.instances():
            out[inst.name] = found
    return out


def _side_by_side(group: list[str], locals_: dict[str, int]) -> int:
    """The local bytes a lockstep core holds beyond running `group` in turn:
    fused, every member's locals live at once (npu_tile_memory.TileMemory
    counts them so); in turn, the largest member's buffers serve all."""
    sizes = [locals_.get(n, 0) for n in group]
    return sum(sizes) - max(sizes, default=0)


def _array_bytes(region: dato.RegionOp) -> dict[str, dict[int, int]]:
    """Per instance, per array of the region its body uses, the bytes of its
    block."""
    out: dict[str, dict[int, int]] = {}
    for group in region.groups():
        used = {
            region.args.index(group.args[k]): memref_bytes(a.type)  # type: ignore[arg-type]
            for k, a in enumerate(group.body.block.args)
            if a.uses and isinstance(a.type, MemRefType)
        }
        for inst in group.instances():
            out[inst.name] = used
    return out


def _incident(uses: dict[str, StreamUses]) -> dict[str, list[tuple[str, str | None, str | None]]]:
    """Per instance, the streams it puts or gets: (name, producer, consumer)."""
    out: dict[str, list[tuple[str, str | None, str | None]]] = {}
    for name, use in uses.items():
        p, c = use.producer, use.consumer
        for n in {p, c} - {None}:
            out.setdefault(n, []).append((name, p, c))  # type: ignore[arg-type]
    return out


def _channels(
    ms: list[str],
    incident: dict[str, list[tuple[str, str | None, str | None]]],
    arrays: dict[str, tuple[int, int]],
) -> tuple[int, int]:
    """DMA channels in and out a core running `ms` needs (streams crossing its
    boundary, global arrays moved; memory-sharing neighbours not counted)."""
    inside = set(ms)
    ins = sum(arrays.get(n, (0, 0))[0] for n in ms)
    outs = sum(arrays.get(n, (0, 0))[1] for n in ms)
    seen: set[str] = set()
    for n in ms:
        for name, p, c in incident.get(n, ()):
            if name in seen:
                continue
            seen.add(name)
            if (p in inside) != (c in inside):
                if c in inside:
                    ins += 1
                else:
                    outs += 1
    return ins, outs


def folded_instances(region: dato.RegionOp) -> set[str]:
    """The instances a bundle or chain (the user's or chosen) already holds."""
    return {
        n
        for op in region.body.block.ops
        if isinstance(op, dato.BundleOp | dato.ChainOp)
        for n in op.names
    }


def object_bytes(decl: dato.StreamOp) -> int:
    """The bytes of one object of stream `decl`."""
    return memref_bytes(object_type(decl))


def held_bytes(uses: dict[str, StreamUses], inside: set[str]) -> int:
    """The bytes the streams between instances of `inside` hold once those
    run on one core (every object they carry, local buffers)."""
    return sum(
        (u.total() or 1) * object_bytes(u.decl)
        for u in uses.values()
        if u.producer in inside and u.consumer in inside
    )


def _group_succ(succ: dict[str, set[str]], group_of: dict[str, str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for p, cs in succ.items():
        gp = group_of.get(p, p)
        for c in cs:
            gc = group_of.get(c, c)
            if gc != gp:
                out.setdefault(gp, set()).add(gc)
    return out


def _reaches_other(gsucc: dict[str, set[str]], a: str, b: str) -> bool:
    """Whether a path leads between `a` and `b` (either way) through a third group."""
    for start, goal in ((a, b), (b, a)):
        todo = [n for n in gsucc.get(start, ()) if n != goal]
        seen = set(todo)
        while todo:
            n = todo.pop()
            for m in gsucc.get(n, ()):
                if m == goal:
                    return True
                if m not in seen and m != start:
                    seen.add(m)
                    todo.append(m)
    return False


def stream_order(ms: list[str], succ: dict[str, set[str]]) -> list[str]:
    """`ms` with every producer before its consumers (ties: `ms` order); when
    their streams form a cycle, only those before it (the cycle's are left)."""
    inside = set(ms)
    indeg = dict.fromkeys(ms, 0)
    for n in ms:
        for m in succ[n] & inside:
            indeg[m] += 1
    order: list[str] = []
    ready = [n for n in ms if indeg[n] == 0]
    while ready:
        n = ready.pop(0)
        order.append(n)
        for m in sorted(succ[n] & inside, key=ms.index):
            indeg[m] -= 1
            if indeg[m] == 0:
                ready.append(m)
    return order


def _topological(ms: list[str], succ: dict[str, set[str]]) -> list[str]:
    """`stream_order`, or `ms` as given when a cycle leaves some out."""
    order = stream_order(ms, succ)
    return order if len(order) == len(ms) else ms


def core_design(
    region: dato.RegionOp,
    uses: dict[str, StreamUses],
    groups: list[list[str]],
    lockstep: frozenset[int] = frozenset(),
) -> tuple[Design, dict[str, int], dict[str, int]] | SearchFailure:
    """The region's token programs with each of `groups` run in order on one
    core (a core runs its members one after the other, each to its end; the
    groups of `lockstep` in lockstep, see _Lockstep), the depths to replay it
    with (a stream between two members of one core is a local buffer holding
    every element it carries; in lockstep, a ring of its declared depth) and
    each stream's limit (every element it carries); the failure when the
    streams are not static or a lockstep group's bodies are not one loop."""
    try:
        design = Design(region)
    except NotStatic as why:
        return SearchFailure(f"the streams cannot be replayed statically ({why})")
    makers = dict(design.programs)
    core_of = {n: k for k, g in enumerate(groups) for n in g}
    sequential = [g for k, g in enumerate(groups) if k not in lockstep]
    hidden = _hidden_streams(uses, sequential)
    programs: list[tuple[str, Callable[[], object]]] = []
    trips_of: dict[int, int] = {}
    for k, g in enumerate(groups):
        if k in lockstep:
            found = lockstep_loop([makers[n]() for n in g])
            if isinstance(found, str):
                return SearchFailure(f"{'-'.join(g)} cannot run in lockstep: {found}")
            trips_of[k] = found[1]

            def lockstep_cursor(g: list[str] = g, trips: int = found[1]) -> _Lockstep:
                cursors = [makers[n]() for n in g]
                bodies = lockstep_loop(cursors)
                assert not isinstance(bodies, str)
                return _Lockstep(
                    [(b, c.env, c.bind) for b, c in zip(bodies[0], cursors, strict=True)], trips
                )

            programs.append(("-".join(g), lockstep_cursor))
            continue
        programs.append(
            ("-".join(g), lambda g=g: _Sequence([makers[n]() for n in g], hidden))  # type: ignore[misc]
        )
    for name, make in design.programs:
        if name not in core_of:
            programs.append((name, make))
    design.programs = programs  # type: ignore[assignment]
    depths = dict(design.depths)
    limit: dict[str, int] = {}
    for name, use in uses.items():
        total = use.total() or 1
        limit[name] = max(total, depths[name])
        p, c = use.producer, use.consumer
        if p in core_of and c in core_of and core_of[p] == core_of[c]:
            k = core_of[p]  # type: ignore[index]
            if k not in trips_of:
                depths[name] = limit[name]  # a local buffer holds every element
            elif trips_of[k]:
                # a ring holds what its producer puts in one iteration at
                # least (its consumer's iteration comes after); the replay
                # checks it (and deepens it where it must). From the declared
                # depth: an earlier sequential attempt may have deepened the
                # stream to hold every element
                start = declared_depth(use.decl)
                depths[name] = min(limit[name], max(start, -(-total // trips_of[k])))
    return design, depths, limit


def _hidden_streams(uses: dict[str, StreamUses], groups: list[list[str]]) -> frozenset[str]:
    """The streams whose tokens a replay of `groups` (each run in order on one
    core) can leave out: a stream from a member to a later member of the same
    core, every count static and no more gets than puts. Its producer runs to
    its end before its consumer starts, so the local buffer (holding every
    element) never refuses a put and holds every element a get asks for: its
    tokens never block. Leaving them out keeps the replay's states free of
    fills that grow by one per element (thousands of distinct states, so no
    repetition to fast-forward: a 1-D systolic chain of 16384 elements per
    stream replayed past the round limit)."""
    out: set[str] = set()
    for g in groups:
        at = {n: k for k, n in enumerate(g)}
        for name, use in uses.items():
            p, c = use.producer, use.consumer
            if p not in at or c not in at or at[p] >= at[c]:  # type: ignore[index]
                continue
            puts = use.total()
            gets = [u.count for u in use.gets]
            if puts is None or any(n is None for n in gets):
                continue
            if sum(n for n in gets if n is not None) <= puts:
                out.add(name)
    return frozenset(out)


def replay_cores(
    region: dato.RegionOp,
    uses: dict[str, StreamUses],
    groups: list[list[str]],
    shallower: dict[str, int],
) -> tuple[Design, Replay, dict[str, int]] | SearchFailure:
    """Replay the region with each of `groups` run in order on one core and
    the streams of `shallower` at the depths it gives (the others as
    declared): the design, the outcome (blocked instances when it
    deadlocks) and the depths replayed; the failure when the streams cannot
    be replayed (not static, or too long to replay)."""
    found = core_design(region, uses, groups)
    if isinstance(found, SearchFailure):
        return found
    design, depths, _ = found
    depths.update(shallower)
    try:
        return design, design.replay(depths), depths
    except ReplayTooLong as why:
        return SearchFailure(f"the replay of the cores is too long ({why})")


def port_classes(region: dato.RegionOp) -> dict[str, list[str]]:
    """Per stream, the streams that must keep one type with it: a group's
    port has one stream type, so every stream its instances bind to that port
    (and, through the other end's port, those bound with them) takes one
    depth."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for group in region.groups():
        for k in range(len(group.port_names)):
            bound = [inst.bindings[k] for inst in group.instances()]
            for other in bound[1:]:
                parent[find(other)] = find(bound[0])
    classes: dict[str, list[str]] = {}
    for decl in region.streams():
        classes.setdefault(find(decl.sym_name.data), []).append(decl.sym_name.data)
    return {name: members for members in classes.values() for name in members}


def free_depths(
    region: dato.RegionOp,
    uses: dict[str, StreamUses],
    groups: list[list[str]],
    plan: ChainPlan,
    lockstep: frozenset[int] = frozenset(),
) -> SearchFailure | None:
    """Replay the design with each of `groups` run in order on one core (those
    of `lockstep` in lockstep), deepening streams between cores (and the
    rings between lockstep members) until it finishes (the depths go into
    `plan.depths`); the failure when it cannot."""
    found = core_design(region, uses, groups, lockstep)
    if isinstance(found, SearchFailure):
        return found
    design, depths, limit = found
    core_of = {n: k for k, g in enumerate(groups) for n in g}
    rings = {
        name
        for name, use in uses.items()
        if use.producer in core_of
        and core_of[use.producer] in lockstep
        and core_of[use.producer] == core_of.get(use.consumer or "")
    }
    raised: set[str] = set()
    while True:
        try:
            outcome = design.replay(depths)
        except ReplayTooLong as why:
            return SearchFailure(f"the replay of the chained cores is too long ({why})")
        if not outcome.blocked:
            break
        full = {
            b.stream for b in outcome.blocked if b.is_put and depths[b.stream] < limit[b.stream]
        }
        if not full:
            return SearchFailure(
                "the cores deadlock running their chains in order: "
                + design.report(outcome, depths).splitlines()[1].strip()
            )
        # a ring between lockstep members first: a core blocked on its own
        # ring stops every core it feeds, so the streams between cores it
        # fills meanwhile do not need the room
        full = (full & rings) or full
        for s in full:
            depths[s] = min(limit[s], depths[s] * 2)
            raised.add(s)
    raised |= {s for s in rings if depths[s] != design.depths[s]}
    # a group's port has one stream type: every stream that must keep one
    # type with a deepened stream or a ring takes the deepest (more room never
    # blocks a put sooner). The classes close over every port: a stream is
    # bound to one instance's out port and the next one's in port, so a ring
    # at a grid's edge reaches the streams at its other edge through both
    # ports (one pass over the ports stopped after the first). A stream
    # between members of a sequential chain is a local buffer holding every
    # element whatever its depth: it takes the depth but its limit does not
    # raise the others.

    local = {
        name
        for name, use in uses.items()
        if use.producer in core_of
        and core_of[use.producer] not in lockstep
        and core_of[use.producer] == core_of.get(use.consumer or "")
    }
    classes = {id(members): members for members in port_classes(region).values()}
    for members in classes.values():
        streams = set(members) & set(depths)
        counted = [depths[s] for s in streams - local]
        if not streams & raised or not counted:
            continue
        deepest = max(counted)
        for s in streams:
            depths[s] = deepest
        raised |= streams
    plan.depths = {s: depths[s] for s in sorted(raised)}
    return None


@dataclass
class BlockPlan(ChainPlan):
    """A 2-D task grid cut into rectangles of consecutive rows and columns,
    one per core, placed as the grid itself (block (r, c) on column c,
    compute row r), so streams between grid neighbours join tiles that share
    memory and need no DMA."""

    tiles: dict[str, tuple[int, int]] = field(default_factory=dict)
    """every instance's (column, row)"""
    rows: list[list[int]] = field(default_factory=list)
    """the grid rows of each block row (grid columns in `cols`)"""
    cols: list[list[int]] = field(default_factory=list)
    transposed: bool = False
    work: int = 0
    """the most stream elements one core moves (the cost minimised)"""


def _splits(n: int, parts: int, limit: int = 4096) -> list[list[int]]:
    """Ways to cut range(n) into `parts` consecutive non-empty ranges (as the
    start of each range after the first), at most `limit` of them, the most
    even first."""
    from itertools import combinations, islice

    even = [round(n * k / parts) for k in range(1, parts)]
    out = [even]
    out += [list(c) for c in islice(combinations(range(1, n), parts - 1), limit) if list(c) != even]
    return out


def _ranges(n: int, cuts: list[int]) -> list[list[int]]:
    bounds = [0, *cuts, n]
    return [list(range(a, b)) for a, b in zip(bounds, bounds[1:], strict=False)]


class _Family:
    """The rectangle cuts of one orientation: every way `_splits` gives to
    cut the grid's rows into `r_parts` bands times every way to cut its
    columns into `c_parts`, each with the work of its busiest block (its
    top). A 64 x 64 grid on 8 columns has millions of cuts (a Python loop
    computing every top took minutes), so a band cut's tops are computed
    with numpy only when the search reaches the band cut's lower bound."""

    def __init__(
        self,
        grid: list[list[int]],
        p0: int,
        p1: int,
        r_parts: int,
        c_parts: int,
        transposed: bool,
    ) -> None:
        self.row_cuts = _splits(p0, r_parts)
        self.col_cuts = _splits(p1, c_parts)
        self.p0, self.p1, self.c_parts, self.transposed = p0, p1, c_parts, transposed
        self.cores = r_parts * c_parts
        self.size = len(self.row_cuts) * len(self.col_cuts)
        work = np.array(grid, dtype=np.int64).reshape(p0, p1)
        # per grid row, the work of its columns 0..j-1
        self.prefix = np.zeros((p0, p1 + 1), dtype=np.int64)
        np.cumsum(work, axis=1, out=self.prefix[:, 1:])
        bounds = np.array([[0, *c, p1] for c in self.col_cuts], dtype=np.int64)
        self.starts, self.ends = bounds[:, :-1], bounds[:, 1:]
        self._tops: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def bands(self, k: int) -> np.ndarray:
        """Band cut k: per band, the work of its columns 0..j-1."""
        return np.add.reduceat(self.prefix, [0, *self.row_cuts[k]], axis=0)

    def lower_bound(self, k: int) -> int:
        """At most the top of every column cut of band cut k: a block holds
        at least one column of a band, and the band's c_parts blocks its
        whole work."""
        band = self.bands(k)
        one = int(np.diff(band, axis=1).max()) if self.p1 else 0
        return max(one, -(-int(band[:, -1].max()) // self.c_parts))

    def tops(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Band cut k's tops per column cut, and its column cuts by (top,
        index)."""
        if k not in self._tops:
            band = self.bands(k)
            # the busiest band's work on columns s..e-1, for every s <= e
            span = (band[:, None, :] - band[:, :, None]).max(axis=0)
            tops = span[self.starts, self.ends].max(axis=1)
            self._tops[k] = (tops, np.argsort(tops, kind="stable"))
        return self._tops[k]

    def candidate(self, k: int, j: int) -> tuple[list[list[int]], list[list[int]]]:
        return _ranges(self.p0, self.row_cuts[k]), _ranges(self.p1, self.col_cuts[j])


def _in_order(
    families: list[_Family],
) -> Iterator[tuple[int, list[list[int]], list[list[int]], bool]]:
    """Every cut of the families as (top, bands, columns, transposed), by
    (top, cores, transposed) and then in the order of the families, their
    band cuts and their column cuts: the order of a stable sort of all of
    them by that key, merged lazily (the search stops at the first cut that
    replays). A band cut enters the merge at its lower bound (position -1,
    before its own cuts of that top) and is expanded when it comes first."""
    heap: list[tuple[int, int, int, int, int, int]] = []
    for f, fam in enumerate(families):
        if fam.size == 0:
            continue
        for k in range(len(fam.row_cuts)):
            heap.append((fam.lower_bound(k), fam.cores, int(fam.transposed), f, k, -1))
    heapq.heapify(heap)
    while heap:
        top, cores, transposed, f, k, pos = heapq.heappop(heap)
        fam = families[f]
        tops, order = fam.tops(k)
        if pos >= 0:
            bands, cols = fam.candidate(k, int(order[pos]))
            yield top, bands, cols, fam.transposed
        if pos + 1 < len(order):
            nxt = int(tops[int(order[pos + 1])])
            heapq.heappush(heap, (nxt, cores, transposed, f, k, pos + 1))


def search_blocks(
    region: dato.RegionOp,
    uses: dict[str, StreamUses],
    compute_rows: list[int],
    columns: int,
) -> BlockPlan | SearchFailure:
    """The rectangle folding of the region's one 2-D task grid onto the
    compute array (see BlockPlan): over the ways to cut the grid's rows into
    as many bands as the array has compute rows (and columns likewise, or the
    grid transposed), the one whose busiest core moves the fewest stream
    elements (ties: fewer cores, grid order). The streams between blocks must
    form no cycle, and the replay of every core running its block in stream
    order must finish (streams between cores made deeper where it needs)."""
    groups = region.groups()
    if any(isinstance(op, dato.BundleOp | dato.ChainOp) for op in region.body.block.ops):
        return SearchFailure("the user's primitives already fold the grid")
    shapes = {g.grid_shape for g in groups}
    if len(shapes) != 1 or len(groups[0].grid_shape) != 2:
        return SearchFailure("rectangles fold the 2-D task grids of one shape only")
    p0, p1 = groups[0].grid_shape
    # a cell of the grid: the instance of each task at that pid (pipeline stages)
    at: dict[tuple[int, ...], list[str]] = {}
    for g in groups:
        for inst in g.instances():
            at.setdefault(tuple(inst.pid), []).append(inst.name)
    names = [n for cell in at.values() for n in cell]
    work = dict.fromkeys(names, 0)
    succ: dict[str, set[str]] = {n: set() for n in names}
    for use in uses.values():
        total = use.total() or 1
        for inst in {u.instance for u in (*use.puts, *use.gets)}:
            work[inst] = work.get(inst, 0) + total
        if use.producer is not None and use.consumer is not None:
            succ[use.producer].add(use.consumer)
    grid = [[sum(work[n] for n in at.get((i, j), ())) for j in range(p1)] for i in range(p0)]
    families: list[_Family] = []
    for transposed in (False, True):
        n_rows, n_cols = (
            (columns, len(compute_rows)) if transposed else (len(compute_rows), columns)
        )
        r_parts, c_parts = min(n_rows, p0), min(n_cols, p1)
        families.append(_Family(grid, p0, p1, r_parts, c_parts, transposed))
    total = sum(f.size for f in families)
    cyclic = replays = 0
    why: SearchFailure | None = None
    for top, bands, cols, transposed in _in_order(families):
        plan = BlockPlan([], rows=bands, cols=cols, transposed=transposed, work=top)
        members: list[list[str]] = []
        for r, band in enumerate(bands):
            for c, cs in enumerate(cols):
                ms = [n for i in band for j in cs for n in at.get((i, j), ())]
                if not ms:
                    continue
                col, row = (r, compute_rows[c]) if transposed else (c, compute_rows[r])
                for n in ms:
                    plan.tiles[n] = (col, row)
                members.append(ms)
        group_of = {n: ms[0] for ms in members for n in ms}
        if _cyclic(_group_succ(succ, group_of)):
            cyclic += 1
            continue
        plan.groups = [_topological(ms, succ) for ms in members if len(ms) > 1]
        for k, g in enumerate(plan.groups):
            plan.cost_bytes[k] = held_bytes(uses, set(g))
        if in_lockstep(region, uses, plan):
            return plan
        why = free_depths(region, uses, plan.groups, plan)
        if why is None:
            return plan
        replays += 1
        if replays == MAX_REPLAYS:
            break
    tried = f"of {total} ways to cut the {p0} x {p1} grid into rectangles, {cyclic} "
    tried += "join the rectangles' cores in a cycle (a core running its rectangle in order would "
    tried += "wait for itself)"
    if why is not None:
        tried += f" and the replay of the {replays} best others fails: {why.reason}"
    return SearchFailure(tried)


MAX_REPLAYS = 4
"""Rectangle foldings replayed (the costly check) before the search gives up."""


def _cyclic(gsucc: dict[str, set[str]]) -> bool:
    state: dict[str, int] = {}

    def visit(n: str) -> bool:
        state[n] = 1
        for m in gsucc.get(n, ()):
            s = state.get(m, 0)
            if s == 1 or (s == 0 and visit(m)):
                return True
        state[n] = 2
        return False

    return any(state.get(n, 0) == 0 and visit(n) for n in list(gsucc))
