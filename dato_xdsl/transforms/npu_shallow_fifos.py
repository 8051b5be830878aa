"""Block streams one object deep where a tile is over its data memory: a
decision physical mapping takes after placing its elements and before it
checks their tiles (Placer.check_tiles only counts what was decided here).

A tile over its memory even with its local matmul's operands streamed over K
(Placer.k_streaming) may fit with the block streams it puts or gets through
fifos to other cores one object deep. A fifo's depth changes when its
producer waits, never what it carries, so the only risk is a deadlock: the
streams are made shallow only when the replay of the whole design with those
depths finishes (deadlock_analysis), every core running its members one after
the other in the order the lowering runs them (chains and bundles:
npu_chain_search.replay_cores), and only when K streaming then makes the tile
fit. Scalars (packed into words), streams between members of one core (local
buffers holding every element) and memtile routes keep their depth.

The decision is recorded in the IR: the stream's type gets depth 1 and
`dato.depth_by_compiler` keeps the depth the program declared (the attribute
npu_folding.apply_depths sets on a stream it deepens; the first one kept)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xdsl.dialects.builtin import IntegerAttr, i64

from dato_xdsl.diagnostics import LocatedDiagnostic
from dato_xdsl.dialects import dato
from dato_xdsl.transforms.npu_chain_search import (
    DEPTH_BY_COMPILER,
    SearchFailure,
    port_classes,
    replay_cores,
)
from dato_xdsl.transforms.npu_tile_memory import kib
from dato_xdsl.transforms.npu_transfers import run_order

if TYPE_CHECKING:
    from dato_xdsl.transforms.physical_mapping import PE, Placer, TileCount


def shallow_streams(region: dato.RegionOp) -> dict[str, int]:
    """The streams the compiler made shallower than declared: declared depth."""
    out: dict[str, int] = {}
    for decl in region.streams():
        attr = decl.attributes.get(DEPTH_BY_COMPILER)
        if isinstance(attr, IntegerAttr) and decl.stream_type.depth.data < attr.value.data:
            out[decl.sym_name.data] = attr.value.data
    return out


def record_shallow(region: dato.RegionOp, names: list[str]) -> None:
    """Give each of `names` depth 1, keeping the declared depth beside it."""
    wanted = set(names)
    for decl in region.streams():
        if decl.sym_name.data in wanted:
            set_depth(decl, 1)


def set_depth(decl: dato.StreamOp, depth: int) -> None:
    """Give `decl` depth `depth`; `DEPTH_BY_COMPILER` keeps the depth the
    program declared (the first one: a stream deepened then made shallow
    still records the declared one)."""
    t = decl.stream_type
    if DEPTH_BY_COMPILER not in decl.attributes:
        decl.attributes[DEPTH_BY_COMPILER] = IntegerAttr(t.depth.data, i64)
    decl.properties["stream_type"] = dato.StreamType(t.element_type, depth, t.packing.data)


def candidates(placer: Placer, count: TileCount) -> dict[str, tuple[int, int]]:
    """The block streams the tile's members move through fifos to other
    cores that could be one object deep: (declared depth, object bytes) by
    name, with every stream that must keep one type with one of them
    (port_classes; those between members of one core are local buffers,
    whatever their depth). A class with a scalar stream (packed into words)
    or a memtile route (planned with its depth) stays as it is."""
    inside = set(count.pe.names)
    classes = port_classes(placer.region)
    out: dict[str, tuple[int, int]] = {}
    for plan, inst in count.members:
        binding = dict(zip(plan.group.port_names, inst.bindings, strict=True))
        for ports, peers in ((plan.puts, placer.consumer), (plan.gets, placer.producer)):
            for port, t in ports.items():
                name = binding.get(port, port)
                depth, _, _ = placer.streams[name]
                if t is None or depth < 2 or peers.get(name) in inside:
                    continue
                same = classes.get(name, [name])
                if any(placer.streams[n][1] or n in placer.routed for n in same):
                    continue
                for n in same:
                    d, _, size = placer.streams[n]
                    if d >= 2:
                        out[n] = (d, size)
    return out


def choose_shallow_fifos(placer: Placer, pes: list[PE], shared: set[int]) -> list[str]:
    """Make block streams one object deep, tile by tile in placement order,
    where a tile is over its memory and that (with K streamed) makes it fit
    without a deadlock; records them in the IR and in the placer (its
    `streams`, `shallow`; `shallow_why` for a tile whose streams would
    deadlock). Returns the streams made shallow."""
    region = placer.region
    budget = placer.device.tile_budget
    tiles = {name: pe.tile for pe in pes for name in pe.names}
    order = run_order(region)
    cores = [sorted(pe.names, key=lambda n: order.get(n, 0)) for pe in pes if len(pe.names) > 1]
    k_tiles: dict[str, int] = {}
    made: list[str] = []
    for pe in pes:
        count = placer.count_tile(pe, tiles, shared)  # type: ignore[arg-type]
        try:
            fixed = placer.gemm_k_tiles(count, budget, k_tiles)
        except LocatedDiagnostic:
            continue  # refused by the check, whatever the streams' depths
        if fixed <= budget:
            continue
        _, parts = count.memory.total()
        streamed, _ = placer.k_streaming(count.members, budget, fixed, parts, k_tiles)
        if streamed <= budget:
            continue
        chosen = candidates(placer, count)
        if not chosen:
            continue
        # what it saves here: the fifos this tile holds (a fifo's objects
        # are counted at both its ends)
        held = {n for n in count.memory.fifos if isinstance(n, str)}
        saved = sum((depth - 1) * size for n, (depth, size) in chosen.items() if n in held)
        replayed = replay_cores(region, placer.uses, cores, dict.fromkeys(chosen, 1))
        if isinstance(replayed, SearchFailure):
            continue  # not static: the check counts the declared depths
        _, outcome, _ = replayed
        if outcome.blocked:
            waits = ", ".join(
                f"{b.instance} waits to {'put on' if b.is_put else 'get from'} @{b.stream}"
                for b in outcome.blocked
            )
            names = [f"@{n}" for n in chosen]
            if len(names) > 6:
                names = [*names[:5], f"... ({len(names)} streams)"]
            placer.shallow_why[pe.names[0]] = (
                f"{', '.join(names)} one object deep would save {kib(saved)} but deadlock ({waits})"
            )
            continue
        again, _ = placer.k_streaming(count.members, budget, fixed - saved, parts, k_tiles)
        if again > budget:
            continue
        record_shallow(region, list(chosen))
        for name, (depth, _) in chosen.items():
            _, packed, size = placer.streams[name]
            placer.streams[name] = (1, packed, size)
            placer.shallow[name] = depth
        made += chosen
    return made
