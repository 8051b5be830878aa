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
bytes, placed after the user's primitives (which are applied first)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.dialects.builtin import DenseArrayBase, IntegerAttr, UnitAttr, i64

from dato_xdsl.dialects import dato
from dato_xdsl.dialects.aie import memref_bytes
from dato_xdsl.transforms.npu_chain_search import BlockPlan, ChainPlan, SearchFailure
from dato_xdsl.transforms.npu_stream_routes import object_type
from dato_xdsl.transforms.stream_access import StreamUses

COMPILER_CHOSEN = "dato.compiler_chosen"


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
    taken: set[str] = set()
    for op in region.body.block.ops:
        if isinstance(op, dato.BundleOp | dato.ChainOp):
            taken.update(op.names)
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
        size = total * _object_bytes(use.decl)
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


def _object_bytes(decl: dato.StreamOp) -> int:
    return memref_bytes(object_type(decl))


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
    apply_depths(region, plan)


def record_block_plan(region: dato.RegionOp, plan: BlockPlan) -> None:
    """The rectangles of a grid folding as compiler-chosen chains (in run
    order), each with `dato.tile` (the column and row its block takes in the
    grid's placement), and the deeper streams between cores."""
    record_chain_plan(region, plan)
    chains = [op for op in region.body.block.ops if isinstance(op, dato.ChainOp)]
    for op in chains[-len(plan.groups) :] if plan.groups else []:
        op.attributes["dato.tile"] = DenseArrayBase.from_list(i64, list(plan.tiles[op.names[0]]))


def apply_depths(region: dato.RegionOp, plan: ChainPlan) -> None:
    """The deeper streams a replay of the chained cores needs, recorded with
    `dato.depth_by_compiler` (the declared depth it replaces)."""
    for decl in region.streams():
        depth = plan.depths.get(decl.sym_name.data)
        if depth is None:
            continue
        t = decl.stream_type
        decl.attributes["dato.depth_by_compiler"] = IntegerAttr(t.depth.data, i64)
        decl.properties["stream_type"] = dato.StreamType(t.element_type, depth, t.packing.data)


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
    cores running their chains in order must finish (free_depths)."""
    from dato_xdsl.transforms.npu_chain_search import free_depths

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
        return SearchFailure(f"all of @{group.sym_name.data} on one core is still too many")
    excess = total - cores
    if fewest and size == 2 and excess < len(chains):
        chains = [names[2 * k : 2 * k + 2] for k in range(excess)]
    plan = ChainPlan([c for c in chains if len(c) > 1])
    for k in range(len(plan.groups)):
        plan.cost_bytes[k] = 0  # no stream between them: nothing held locally
    why = free_depths(region, uses, plan.groups, plan)
    return why if why is not None else plan
