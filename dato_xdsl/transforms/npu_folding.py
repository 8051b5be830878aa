"""The compiler's own foldings when a design has more processing elements than
the device has compute cores.

The search is deterministic and, for now, folds one kind of pair: an instance
whose only stream connects it to one other instance (a loader feeding its
consumer, a drain after its producer) is chained with that partner. Such a
stream is a bridge of the task graph, so running the two in turn on one core
can neither close a cycle nor starve a third task: no other path joins them.
Cost of a fold, compared in this order: the DMA channels the folded instance
brings to its partner's tile (one per global array it moves), the bytes of the
local buffer the stream becomes (count x object bytes), and the pair's lost
overlap (equal for all). Cheapest folds first, ties by instance name; a partner takes at most
one fold, so a core runs a producer before its consumer.

Each fold is a `dato.chain` marked `dato.compiler_chosen` with its cost in
bytes, placed after the user's primitives (which are applied first).

When chains leave more elements than cores and no stream joins two of them
(P lanes of load -> compute -> store), bundle_lanes chains every lane and
bundles isomorphic lanes k per core, k the fewest that fits (cost: the lanes
the busiest core runs in turn, then the cores used); recorded as
compiler-chosen `dato.chain`s and `dato.bundle`s of those chains, the form a
user's bundle of chains takes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from xdsl.dialects.builtin import DenseArrayBase, IntegerAttr, UnitAttr, i64

from dato_xdsl import devices
from dato_xdsl.dialects import dato
from dato_xdsl.transforms import npu_lockstep
from dato_xdsl.transforms.npu_chain_search import (
    BlockPlan,
    ChainPlan,
    SearchFailure,
    folded_instances,
    free_depths,
    held_bytes,
    object_bytes,
    stream_order,
)
from dato_xdsl.transforms.npu_forwarding import share_on_tiles
from dato_xdsl.transforms.npu_lock_budget import LOCKS_PER_FIFO_END
from dato_xdsl.transforms.npu_shallow_fifos import set_depth
from dato_xdsl.transforms.stream_access import StreamUses, stream_uses

COMPILER_CHOSEN = dato.COMPILER_CHOSEN
LOCKSTEP = npu_lockstep.LOCKSTEP
"""on a compiler-chosen `dato.chain`: its core runs the members in lockstep"""
RING = "dato.ring"
"""on a stream between two members of a lockstep chain: a local ring buffer
of the stream's depth (not every element)"""


@dataclass
class Fold:
    producer: str
    consumer: str
    stream: str
    cost_bytes: int
    channels: int


def choose_folds(
    region: dato.RegionOp,
    uses: dict[str, StreamUses],
    arrays: dict[str, int],
    n_elements: int,
    cores: int,
) -> list[Fold]:
    """Up to `n_elements - cores` bridge chains, cheapest first. `arrays`: per
    instance, the global arrays it moves (DMA channels it brings to the
    partner's tile)."""
    excess = n_elements - cores
    if excess <= 0:
        return []
    taken = folded_instances(region)
    touching: dict[str, list[str]] = {}
    for name, use in uses.items():
        for inst in {u.instance for u in (*use.puts, *use.gets)}:
            touching.setdefault(inst, []).append(name)
    candidates: list[Fold] = []
    for inst, streams in touching.items():
        if len(streams) != 1 or inst in taken:
            continue
        use = uses[streams[0]]
        p, c, total = use.producer, use.consumer, use.total()
        if p is None or c is None or p == c or total is None:
            continue
        partner = c if inst == p else p
        if partner in taken:
            continue
        size = total * object_bytes(use.decl)
        candidates.append(Fold(p, c, streams[0], size, arrays.get(inst, 0)))
    candidates.sort(key=lambda f: (f.channels, f.cost_bytes, f.producer, f.consumer))
    chosen: list[Fold] = []
    used: set[str] = set()
    for fold in candidates:
        if len(chosen) == excess:
            break
        if fold.producer in used or fold.consumer in used:
            continue
        used.update((fold.producer, fold.consumer))
        chosen.append(fold)
    return chosen


def _add_chain(region: dato.RegionOp, names: Sequence[str], cost_bytes: int) -> None:
    """Append a compiler-chosen `dato.chain` of `names` with its cost."""
    chain = dato.ChainOp(names)
    chain.attributes[COMPILER_CHOSEN] = UnitAttr()
    chain.attributes["dato.cost_bytes"] = IntegerAttr(cost_bytes, i64)
    chain.location = region.location
    region.body.block.add_op(chain)


def record_folds(region: dato.RegionOp, folds: list[Fold]) -> None:
    for fold in folds:
        _add_chain(region, [fold.producer, fold.consumer], fold.cost_bytes)


def record_chain_plan(region: dato.RegionOp, plan: ChainPlan) -> None:
    """The searched chains (one per core, in run order) and the deeper streams
    between cores that running them in order needs (`dato.depth_by_compiler`:
    the declared depth it replaces)."""
    for k, names in enumerate(plan.groups):
        _add_chain(region, names, plan.cost_bytes[k])
        if k in plan.lockstep:
            # the core fuses its members' loops (npu_lockstep); the streams
            # between them are rings of their (recorded) depth
            chain = region.body.block.last_op
            assert isinstance(chain, dato.ChainOp)
            chain.attributes[LOCKSTEP] = UnitAttr()
            inside = set(names)
            for use in stream_uses(region).values():
                if use.producer in inside and use.consumer in inside:
                    use.decl.attributes[RING] = UnitAttr()
    apply_depths(region, plan)


def record_block_plan(region: dato.RegionOp, plan: BlockPlan) -> None:
    """The rectangles of a grid folding as compiler-chosen chains (in run
    order), each with `dato.tile` (the column and row its block takes in the
    grid's placement), and the deeper streams between cores."""
    record_chain_plan(region, plan)
    chains = [op for op in region.body.block.ops if isinstance(op, dato.ChainOp)]
    for op in chains[-len(plan.groups) :] if plan.groups else []:
        op.attributes["dato.tile"] = DenseArrayBase.from_list(i64, list(plan.tiles[op.names[0]]))


def fold_in_rectangles(
    region: dato.RegionOp, plan: BlockPlan, device: devices.NpuDevice
) -> list[str]:
    """record_block_plan, then the forwarding the other foldings get: a tile
    over its input channels gets arrays from peers on neighbouring tiles
    (npu_forwarding.share_on_tiles; no core is free for a loader). The
    shares are tried on a copy first and kept only when the replay of the
    cores running their rectangles in order still finishes (free_depths; the
    streams it deepens recorded as for the plan). Returns the instances the
    shares moved to groups of their own."""
    record_block_plan(region, plan)

    def share(target: dato.RegionOp) -> list[str]:
        return share_on_tiles(
            target,
            plan.tiles,
            device.shares_memory,
            device.compute.dma_s2mm_channels,
            device.compute.locks // LOCKS_PER_FIFO_END,
        )

    trial = region.clone()
    if not share(trial):
        return []
    check = ChainPlan([list(g) for g in plan.groups])
    if free_depths(trial, stream_uses(trial), check.groups, check) is not None:
        return []  # a peer's core would wait on the instance it passes to
    moved = share(region)
    apply_depths(region, check)
    return moved


def apply_depths(region: dato.RegionOp, plan: ChainPlan) -> None:
    """The deeper streams a replay of the chained cores needs, recorded with
    `dato.depth_by_compiler` (the declared depth it replaces)."""
    for decl in region.streams():
        depth = plan.depths.get(decl.sym_name.data)
        if depth is not None:
            set_depth(decl, depth)


def largest_group(groups: list[dato.GroupOp]) -> dato.GroupOp:
    """The group pair_isomorphic folds: most instances, then by name."""
    return max(groups, key=lambda g: (g.num_instances(), g.sym_name.data))


def pair_isomorphic(
    region: dato.RegionOp, uses: dict[str, StreamUses], cores: int, fewest: bool = False
) -> ChainPlan | SearchFailure:
    """Chain the instances of the largest group (isomorphic: one body) two by
    two in pid order, then four by four, ..., until the design fits the cores
    (sources of a gather: each core reads their blocks of an array through
    one fifo and sends their streams in turn); with `fewest`, only as many
    pairs as the cores need (the first instances), the most parallel. Only
    instances no stream joins to each other are paired; the replay of the
    cores running their chains in order must finish (free_depths). When all
    of the largest group on one core is still too many, every group's
    instances are chained alike (_pair_every_group)."""
    if any(isinstance(op, dato.BundleOp | dato.ChainOp) for op in region.body.block.ops):
        return SearchFailure("the user's primitives already fold instances")
    groups = region.groups()
    total = sum(g.num_instances() for g in groups)
    group = largest_group(groups)
    names = [i.name for i in sorted(group.instances(), key=lambda i: tuple(i.pid))]
    inside = set(names)
    for use in uses.values():
        if use.producer in inside and use.consumer in inside:
            return SearchFailure(f"streams join the instances of @{group.sym_name.data}")
    size = 1
    chains: list[list[str]] = [[n] for n in names]
    while total - len(names) + len(chains) > cores and len(chains) > 1:
        size *= 2
        chains = [names[k : k + size] for k in range(0, len(names), size)]
    if total - len(names) + len(chains) > cores:
        across = _pair_every_group(region, uses, cores)
        if across is None:
            return SearchFailure(
                f"all of @{group.sym_name.data} on one core is still too many, and so "
                "is every group's instances chained onto one core each"
            )
        # each group's instances two by two (four by four, ...): a 3-layer MLP
        # cut in 8 lanes has its layers' instances pairwise on cores, not a
        # lane's three layers (whose weights no core holds at once)
        chains, fewest = across, False
    excess = total - cores
    if fewest and size == 2 and excess < len(chains):
        chains = [names[2 * k : 2 * k + 2] for k in range(excess)]
    plan = ChainPlan([c for c in chains if len(c) > 1])
    for k in range(len(plan.groups)):
        plan.cost_bytes[k] = 0  # no stream between them: nothing held locally
    why = free_depths(region, uses, plan.groups, plan)
    return why if why is not None else plan


def _pair_every_group(
    region: dato.RegionOp, uses: dict[str, StreamUses], cores: int
) -> list[list[str]] | None:
    """When the largest group alone cannot free enough cores: chain the
    instances of every group no stream joins inside, two by two in pid
    order (then four by four, ...), groups in largest_group's order, until
    the design fits the cores. The cost minimised is the most instances a
    core runs in turn (the parallelism lost); of equal cost, the fewest
    groups folded. None if no size fits."""
    # the order largest_group takes: most instances, then by name (last first)
    groups = sorted(
        region.groups(), key=lambda g: (g.num_instances(), g.sym_name.data), reverse=True
    )
    free: list[list[str]] = []
    for g in groups:
        names = [i.name for i in sorted(g.instances(), key=lambda i: tuple(i.pid))]
        inside = set(names)
        if len(names) > 1 and not any(
            u.producer in inside and u.consumer in inside for u in uses.values()
        ):
            free.append(names)
    total = sum(g.num_instances() for g in region.groups())
    size = 2
    while free and size // 2 < max(len(n) for n in free):
        elements = total
        chains: list[list[str]] = []
        for names in free:
            cut = [names[k : k + size] for k in range(0, len(names), size)]
            chains += cut
            elements -= len(names) - len(cut)
            if elements <= cores:
                return [c for c in chains if len(c) > 1]
        size *= 2
    return None


@dataclass
class BundlePlan(ChainPlan):
    """Every connected set of instances (a lane: load, compute, store) chained
    in stream order, and isomorphic lanes bundled on one core: `groups` are
    the cores' members in run order (a lane after the other)."""

    lanes: list[list[str]] = field(default_factory=list)
    """every lane chained, in stream order (a lone instance is a lane of one)"""
    lane_bytes: list[int] = field(default_factory=list)
    """per lane, the bytes its streams hold as local buffers once chained"""
    bundles: list[list[int]] = field(default_factory=list)
    """per core running two lanes or more, its lanes (indices into `lanes`)"""
    per_core: int = 1
    """the most lanes one core runs (the cost minimised; then the cores used)"""


def bundle_lanes(
    region: dato.RegionOp, uses: dict[str, StreamUses], cores: int
) -> BundlePlan | SearchFailure:
    """Chain each lane (the instances streams join, directly or not) in stream
    order, then bundle isomorphic lanes (the same bodies in the same order,
    joined by the same streams between positions) k per core: the smallest k
    that fits the cores (the busiest core's lanes: the cost), each class of
    lanes cut into ceil(n / k) runs of neighbouring lanes (pid order) as even
    as possible. A core runs its lanes one after the other, so no stream may
    join two lanes (they are separate by construction) and the replay of the
    cores in that order must finish (free_depths)."""
    if any(isinstance(op, dato.BundleOp | dato.ChainOp) for op in region.body.block.ops):
        return SearchFailure("the user's primitives already fold instances")
    group_of: dict[str, str] = {}
    pid: dict[str, tuple[int, ...]] = {}
    for g in region.groups():
        for inst in g.instances():
            group_of[inst.name] = g.sym_name.data
            pid[inst.name] = tuple(inst.pid)
    names = list(group_of)
    union = {n: n for n in names}

    def find(n: str) -> str:
        while union[n] != n:
            union[n] = union[union[n]]
            n = union[n]
        return n

    succ: dict[str, set[str]] = {n: set() for n in names}
    for use in uses.values():
        touching = sorted({u.instance for u in (*use.puts, *use.gets)})
        for n in touching[1:]:
            union[find(n)] = find(touching[0])
        p, c = use.producer, use.consumer
        if p is not None and c is not None and p != c:
            succ[p].add(c)
    members: dict[str, list[str]] = {}
    for n in names:
        members.setdefault(find(n), []).append(n)
    classes: dict[tuple[object, ...], list[list[str]]] = {}
    for ms in members.values():
        lane = stream_order(ms, succ)
        if len(lane) < len(ms):
            done = set(lane)
            cycle = [n for n in ms if n not in done and _on_cycle(n, succ)]
            more = f" and {len(cycle) - 4} more" if len(cycle) > 4 else ""
            return SearchFailure(
                f"streams join {', '.join(cycle[:4])}{more} in a cycle, so the lane of "
                f"{len(ms)} instances they are in cannot be chained (a core runs its "
                "members in turn, each to its end)"
            )
        at = {n: k for k, n in enumerate(lane)}
        edges = sorted((at[p], at[c]) for p in lane for c in succ[p])
        key = (tuple(group_of[n] for n in lane), tuple(edges))
        classes.setdefault(key, []).append(lane)
    # neighbouring lanes first: by their members' pids
    lanes_of = [sorted(ls, key=lambda ln: ([pid[n] for n in ln], ln)) for ls in classes.values()]
    n_lanes = sum(len(ls) for ls in lanes_of)
    if n_lanes <= cores:
        # each lane on a core of its own would leave cores idle: a lane this
        # long is a grid or a pipeline that other foldings cut (rectangles)
        return SearchFailure(
            f"the streams join the instances into {n_lanes} lane{'s' * (n_lanes != 1)}, not more "
            f"than the {cores} cores (a core each: nothing to bundle)"
        )
    largest = max(len(ls) for ls in lanes_of)
    k = 1
    while sum(-(-len(ls) // k) for ls in lanes_of) > cores and k < largest:
        k += 1
    elements = sum(-(-len(ls) // k) for ls in lanes_of)
    if elements > cores:
        return SearchFailure(
            f"{n_lanes} lanes in {len(lanes_of)} isomorphic classes "
            f"(no two alike: {sum(len(ls) == 1 for ls in lanes_of)}) need {elements} cores "
            "with every class on one core"
        )
    plan = BundlePlan([], per_core=k)
    for ls in lanes_of:
        count = -(-len(ls) // k)
        base, extra = divmod(len(ls), count)
        start = 0
        for b in range(count):
            size = base + (b < extra)
            first = len(plan.lanes)
            plan.lanes += ls[start : start + size]
            start += size
            core = list(range(first, first + size))
            if size > 1:
                plan.bundles.append(core)
            chained = [n for i in core for n in plan.lanes[i]]
            if len(chained) > 1:
                plan.groups.append(chained)
    plan.lane_bytes = [held_bytes(uses, set(lane)) for lane in plan.lanes]
    at = {n: k for k, lane in enumerate(plan.lanes) for n in lane}
    for k, group in enumerate(plan.groups):
        plan.cost_bytes[k] = sum(plan.lane_bytes[i] for i in dict.fromkeys(at[n] for n in group))
    why = free_depths(region, uses, plan.groups, plan)
    return why if why is not None else plan


def _on_cycle(start: str, succ: dict[str, set[str]]) -> bool:
    todo, seen = list(succ[start]), set(succ[start])
    while todo:
        n = todo.pop()
        if n == start:
            return True
        for m in succ[n] - seen:
            seen.add(m)
            todo.append(m)
    return False


def record_bundle_plan(region: dato.RegionOp, plan: BundlePlan) -> None:
    """Each lane of two or more instances as a compiler-chosen `dato.chain`
    (its streams' bytes held locally), then each core's lanes as a
    compiler-chosen `dato.bundle` of those chains (their members in turn, as
    a user's bundle of chains lists them), with `dato.lanes_per_core`."""
    for lane, cost in zip(plan.lanes, plan.lane_bytes, strict=True):
        if len(lane) > 1:
            _add_chain(region, lane, cost)
    for core in plan.bundles:
        bundle = dato.BundleOp([n for i in core for n in plan.lanes[i]])
        bundle.attributes[COMPILER_CHOSEN] = UnitAttr()
        bundle.attributes["dato.lanes_per_core"] = IntegerAttr(plan.per_core, i64)
        bundle.location = region.location
        region.body.block.add_op(bundle)
    apply_depths(region, plan)
