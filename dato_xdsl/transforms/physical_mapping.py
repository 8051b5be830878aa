"""`dato-physical-map{device=npu1}`: place processing elements on AIE tiles.

A processing element is an instance, or the instances a `dato.bundle` or
`dato.chain` put together. Each gets a compute tile; every global argument gets
the column whose shim and memtile move it. Every limit comes from the device
model (dato_xdsl/devices.py), and a design that breaks one is refused with the
instance, the tile and the numbers:
- processing elements <= compute cores;
- per compute tile <= S2MM/MM2S DMA channels (a stream between vertical
  neighbours shares memory and needs none);
- per compute tile, local buffers + objectfifo buffers x depth <= data memory;
  a `c[:, :] = matmul(a, b)` body too large for that streams K in tiles;
- per column, shim and memtile channels and memtile memory.
2-D task grids that fit are placed as the array itself (pid (i, j) on column j,
row i of the compute rows), so row and column broadcasts follow the hardware;
the others go column by column in stream order, so a producer's consumer is
its vertical neighbour and their stream needs no DMA.
The placement is recorded in the IR: `dato.tiles` on each group (col, row per
instance), `dato.k_tile` on groups whose GEMM streams K, and `dato.device` on
the region (npu_transfers chooses each argument's shim column)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from xdsl.context import Context
from xdsl.dialects.builtin import (
    BFloat16Type,
    DenseArrayBase,
    IntegerAttr,
    IntegerType,
    MemRefType,
    ModuleOp,
    StringAttr,
    UnitAttr,
    i64,
)
from xdsl.passes import ModulePass

from dato_xdsl import devices
from dato_xdsl.diagnostics import LocatedDiagnostic, op_error
from dato_xdsl.dialects import dato
from dato_xdsl.dialects.aie import element_bits, element_bytes, memref_bytes
from dato_xdsl.transforms.array_flow_forwarding import forward_array_flows
from dato_xdsl.transforms.array_flows import check_no_array_flows
from dato_xdsl.transforms.bundle_hint import bundle_hint
from dato_xdsl.transforms.npu_broadcast_fifos import broadcast_placed
from dato_xdsl.transforms.npu_broadcast_streams import broadcast_sets, head_of, stream_graph
from dato_xdsl.transforms.npu_chain_search import (
    BlockPlan,
    ChainPlan,
    SearchFailure,
    describe_chains,
    free_depths,
    search_blocks,
    search_chains,
)
from dato_xdsl.transforms.npu_folding import (
    COMPILER_CHOSEN,
    BundlePlan,
    Fold,
    apply_depths,
    bundle_lanes,
    choose_folds,
    fold_in_rectangles,
    largest_group,
    pair_isomorphic,
    record_bundle_plan,
    record_chain_plan,
    record_folds,
)
from dato_xdsl.transforms.npu_forwarding import (
    FORWARDS,
    forward_inputs,
    forward_outputs,
    forward_to_chains,
)
from dato_xdsl.transforms.npu_lock_budget import LOCKS_PER_FIFO_END
from dato_xdsl.transforms.npu_lockstep import lockstep_members
from dato_xdsl.transforms.npu_loop_loaders import elide_loop_loaders
from dato_xdsl.transforms.npu_mapped_regions import Entry, forget_unless_in_trial
from dato_xdsl.transforms.npu_padding import (
    PADDED_ROWS,
    Rows,
    nibble_rows,
    padded_length,
    padded_shape,
    read_nibbles,
    record_padding,
    stream_rows,
    widen_scalar_stream,
)
from dato_xdsl.transforms.npu_plan import GroupPlan, LocalMatmul, plan_group
from dato_xdsl.transforms.npu_program_trial import program_overflow
from dato_xdsl.transforms.npu_shallow_fifos import choose_shallow_fifos, shallow_streams
from dato_xdsl.transforms.npu_stream_embedding import embed as embed_streams
from dato_xdsl.transforms.npu_stream_embedding import odd_links, relay_odd_links
from dato_xdsl.transforms.npu_stream_merge import merge_streams, parallel_streams
from dato_xdsl.transforms.npu_stream_reads import row_pieces
from dato_xdsl.transforms.npu_stream_routes import (
    StreamRoute,
    access_runs,
    clear_routes,
    joined_reads,
    object_type,
    record_joined_reads,
    record_route,
    routable,
)
from dato_xdsl.transforms.npu_tile_memory import (
    TileMemory,
    block_advice,
    choose_k_tile,
    held_objects,
    k_tile_bytes,
    k_tile_for,
    kib,
    merged_streams,
)
from dato_xdsl.transforms.npu_transfers import k_tile_of, plan_transfers, run_order
from dato_xdsl.transforms.npu_write_boxes import Box, shared_write_boxes
from dato_xdsl.transforms.stream_access import StreamUses, stream_uses

CORE_STACK_BYTES = devices.DEFAULT_CORE_STACK_BYTES
"""Kept free on every compute tile for the core's stack."""

HUB_PARTNERS = 4
"""Stream partners that make an element placed first, on a tile with free
neighbours all round (an edge tile has 3 compute neighbours at most)."""


@dataclass
class PE:
    names: list[str]
    members: list[tuple[GroupPlan, dato.Instance]] = field(default_factory=list)
    tile: tuple[int, int] | None = None


@dataclass
class TileCount:
    """One element's tile as Placer.count_tile counts it, before its GEMMs
    choose K tiles: what its core allocates and the DMA it needs."""

    pe: PE
    where: str
    """the tile and its instances, for messages"""
    members: list[tuple[GroupPlan, dato.Instance]] = field(default_factory=list)
    """the members counted (a bundled GEMM's first only: the others take turns)"""
    memory: TileMemory = field(default_factory=lambda: TileMemory([], {}))
    streamed: list[tuple[GroupPlan, dato.Instance]] = field(default_factory=list)
    """members computing `c = matmul(a, b)` into an output argument"""
    in_args: set[int] = field(default_factory=set)
    out_args: set[int] = field(default_factory=set)
    dma_in: set[str] = field(default_factory=set)
    dma_out: set[str] = field(default_factory=set)
    near_out: set[str] = field(default_factory=set)
    """streams put to a neighbour sharing memory"""


class _Union:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        while self.parent.get(x, x) != x:
            x = self.parent[x]
        return x

    def join(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)


def stream_depths(region: dato.RegionOp, word: int) -> dict[str, tuple[int, bool, int]]:
    """Per stream: (depth, packed, object bytes); a block stream with narrow
    rows counts its padded objects (npu_padding.stream_rows)."""
    out = {}
    for s in region.streams():
        t = s.stream_type
        elem = t.element_type
        # a packed scalar stream moves `packing` elements per object
        scalar = max(1, element_bits(elem) // 8)
        size = memref_bytes(elem) if isinstance(elem, MemRefType) else scalar * t.packing.data
        rows = stream_rows(s, word)
        if rows is not None and isinstance(elem, MemRefType):
            size = memref_bytes(MemRefType(elem.element_type, padded_shape(elem.get_shape(), rows)))
        packed = not isinstance(elem, MemRefType) and t.packing.data > 1
        out[s.sym_name.data] = (t.depth.data, packed, size)
    return out


def b_k_tile(
    lm: LocalMatmul, budget: int, fixed: int, a_elem: int, b_elem: int, f32_acc: bool
) -> int | None:
    """Largest K tile (a divisor of K) of a matmul whose A stays whole on the
    tile: B's kt x n tiles double-buffered, A's m x kt strip staged once,
    beside `fixed` bytes (A whole among them); with `f32_acc` (bf16) a K
    split in several steps also holds the m x n f32 accumulator."""
    m, k, n = lm.m, lm.k, lm.n
    for kt in sorted((d for d in range(1, k + 1) if k % d == 0), reverse=True):
        need = fixed + m * kt * a_elem + 2 * kt * n * b_elem
        need += 4 * m * n if f32_acc and kt < k else 0
        if need <= budget:
            return kt
    return None


@dataclass
class AttemptIndex:
    """What one check of a placement (Placer.check_tiles, or one
    Placer.count_tile call) reads again for every element, member and
    stream, looked up once. Nothing a check does changes them: it adds no
    op to the region and replaces none (route_streams only updates the
    attributes of existing stream declarations, with memtile routes, never
    MERGED, which npu_stream_merge sets before a new Placer is made; chain
    and bundle ops are recorded before the check); the Placer's plans and
    padding are fixed at its construction. So each lookup gives what the
    scan it replaces gave at that point, and every decision is unchanged."""

    decls: dict[str, dato.StreamOp]
    """stream declarations by name (the op itself: its attributes are read live)"""
    merged: set[str]
    """the streams carrying several merged streams (npu_tile_memory.merged_streams)"""
    order: dict[str, int] | None = None
    """run_order of the region, computed when an element first has two members"""
    fused: set[str] | None = None
    """the instances of the region's lockstep chains (npu_lockstep.lockstep_members),
    looked up when an element first has two members"""
    families: dict[str, list[str] | None] = field(default_factory=dict)
    """Placer.k_family by group name (it reads only groups, their arguments,
    plans and padding)"""
    readers: dict[int, list[tuple[int, dato.GroupOp]]] | None = None
    """by id of a region argument, the groups reading it with their position
    in the region (Placer.readers), made when k_family is first asked"""


class Placer:
    def __init__(self, region: dato.RegionOp, device: devices.NpuDevice) -> None:
        self.region = region
        self.device = device
        self.plans = {g.sym_name.data: plan_group(g) for g in region.groups()}
        self.streams = stream_depths(region, device.memcpy_nd.word_bits)
        self.uses = stream_uses(region)
        self.producer = {n: u.producer for n, u in self.uses.items() if u.producer}
        self.consumer = {n: u.consumer for n, u in self.uses.items() if u.consumer}
        self.counts = {n: t for n, u in self.uses.items() if (t := u.total()) is not None}
        self.shallow: dict[str, int] = shallow_streams(region)
        """block streams the compiler made one object deep: declared depth"""
        self.shallow_why: dict[str, str] = {}
        """per element (its first instance): why its streams stay as deep as
        declared although it is over its memory (npu_shallow_fifos)"""
        self.routed: set[str] = set()
        self.folds: list[Fold] = []
        self.chain_failure = ""
        self.chain_note = ""
        self.preset: dict[str, tuple[int, int]] = {}
        """tiles a rectangle folding chose (npu_chain_search.search_blocks)"""
        self.improve = False
        """rearrange the placement while a tile is over its DMA channels"""
        self.isomorphic = False
        self.scope: AttemptIndex | None = None
        """the lookups of the place_and_check under way (AttemptIndex)"""
        """the folding chained isomorphic instances (npu_folding.pair_isomorphic)"""
        self.boxes = shared_write_boxes(region, {n: p.writes for n, p in self.plans.items()})
        self.padding: dict[int, tuple[int, int]] = choose_padding(
            region, self.plans, device.memcpy_nd.word_bits, self.boxes
        )

    def moves(self, group: dato.GroupOp, inst: dato.Instance) -> list[tuple[bool, bool]]:
        """Per body argument, whether the instance's block comes in and goes
        out: a shared output's box its stores write whole does not come in."""
        plan = self.plans[group.sym_name.data]
        out = []
        for k, (r, w) in enumerate(zip(plan.reads, plan.writes, strict=True)):
            box = self.boxes.get((group.sym_name.data, k), {}).get(inst.name)
            out.append((r and not (box is not None and box.whole), w))
        return out

    def processing_elements(self) -> list[PE]:
        union = _Union()
        order: list[tuple[GroupPlan, dato.Instance]] = []
        for group in self.region.groups():
            plan = self.plans[group.sym_name.data]
            for inst in group.instances():
                order.append((plan, inst))
        for op in self.region.body.block.ops:
            if isinstance(op, dato.BundleOp | dato.ChainOp):
                for other in op.names[1:]:
                    union.join(other, op.names[0])
        pes: dict[str, PE] = {}
        for plan, inst in order:
            root = union.find(inst.name)
            pe = pes.setdefault(root, PE([]))
            pe.names.append(inst.name)
            pe.members.append((plan, inst))
        return list(pes.values())

    def place_and_check(self, pes: list[PE], shared: set[int]) -> dict[str, int]:
        """Place the elements and check their tiles (returns the K tiles);
        when a tile is over a limit and an element has many stream partners,
        placed again with those first (`place(hubs=True)`), and the first
        refusal raised if that fails too. One AttemptIndex serves the whole
        of it (`scope`): placing moves only tiles; choose_shallow_fifos
        changes stream depths (attributes of the same declarations, and the
        placer's `streams`), never ops, group arguments, MERGED or chains;
        checks record routes as attributes (see AttemptIndex)."""
        self.scope = self.attempt_index()
        try:
            return self._place_and_check(pes, shared)
        finally:
            self.scope = None

    def _place_and_check(self, pes: list[PE], shared: set[int]) -> dict[str, int]:
        self.place(pes)
        # the depths the tiles are counted with: a decision of its own,
        # recorded in the IR before the check (which only counts)
        choose_shallow_fifos(self, pes, shared)
        try:
            return self.check_tiles(pes, shared)
        except LocatedDiagnostic as err:
            first = err
        partners = self.partners(pes)

        def again() -> None:
            clear_routes(self.region)
            self.routed.clear()
            for pe in pes:
                if id(pe) not in shared:
                    pe.tile = None

        # every stream between tiles sharing memory (a ring closed on the grid)
        if self.far_links(pes, partners):
            again()
            if self.place(pes, embed=True):
                try:
                    return self.check_tiles(pes, shared)
                except LocatedDiagnostic as err:
                    # what is left once no stream needs a DMA: the refusal to name
                    first = LocatedDiagnostic(
                        f"{err} (placed with every stream between tiles sharing memory)"
                    )
        if not any(len(partners.get(id(pe), ())) >= HUB_PARTNERS for pe in pes):
            raise first
        again()
        self.place(pes, hubs=True)
        try:
            return self.check_tiles(pes, shared)
        except LocatedDiagnostic:
            raise first from None

    def fit_advice(self, elements: int) -> str:
        """What the user could change when more elements than cores are left
        after the compiler's own foldings (those it tried are said before)."""
        cores = self.device.compute_cores
        fewer = (
            f"to fit, {elements - cores} of the {elements} processing elements must go: fewer "
            "instances (a smaller task grid, fewer tasks)"
        )
        if not self.chain_failure:
            return f"{fewer}, or bundle isomorphic instances to share cores"
        # the compiler chained along streams and bundled isomorphic lanes
        # itself: bundling by hand meets what stopped it
        if "cycle" in self.chain_failure:
            fewer += ", or streams without the cycle named above (the compiler chains along them)"
        return (
            f"{fewer}; to bundle isomorphic instances by hand (mapping_primitives) helps only "
            "where no stream joins the members in a cycle, since a core runs its members in "
            "turn, each to its end"
        )

    def far_links(self, pes: list[PE], partners: dict[int, set[int]]) -> bool:
        """Whether a stream joins two placed elements not sharing memory."""
        tile = {id(pe): pe.tile for pe in pes}
        return any(
            tile[a] is not None
            and tile[b] is not None
            and not self.device.shares_memory(tile[a], tile[b])  # type: ignore[arg-type]
            for a, bs in partners.items()
            for b in bs
        )

    def place(self, pes: list[PE], hubs: bool = False, embed: bool = False) -> bool:
        """Give each element a tile; with `embed`, the elements the grid and
        rectangle placements leave take tiles where every stream joins two
        tiles sharing memory (npu_stream_embedding), and False is returned
        when there is no such placement (the elements placed greedily)."""
        d = self.device
        if len(pes) > d.compute_cores:
            tried = ""
            if self.folds:
                pairs = ", ".join(f"{f.producer}-{f.consumer}" for f in self.folds)
                tried = (
                    f" (after chaining {len(self.folds)} loader/drain pairs: {pairs}; no other "
                    "instance has a single stream to chain it by)"
                )
            if self.chain_failure:
                pairs = ", ".join(f.producer + "-" + f.consumer for f in self.folds)
                done = f"after chaining {len(self.folds)} loader/drain pairs: {pairs}; "
                tried = (
                    f" ({done if self.folds else ''}chaining processing elements found no "
                    f"folding: {self.chain_failure})"
                )
            raise op_error(
                self.region,
                f"the design needs {len(pes)} processing elements{tried}, {d.describe()} has "
                f"{d.compute_cores} compute cores; {self.fit_advice(len(pes))}"
                + bundle_hint(
                    self.region, len(pes), d, lambda m: PhysicalMapPass(d.name).apply(Context(), m)
                ),
            )
        # column by column, up one column and down the next: the last tile of a
        # column and the first of the next are horizontal neighbours sharing memory
        free = [
            (c, r)
            for c in range(d.columns)
            for r in (d.compute_rows if c % 2 == 0 else reversed(d.compute_rows))
        ]
        # a bundled GEMM's cores are placed already (place_bundled_gemm)
        taken: set[tuple[int, int]] = {pe.tile for pe in pes if pe.tile is not None}
        rows = list(d.compute_rows)
        # a rectangle folding places its blocks as the grid itself
        for pe in pes:
            spot = self.preset.get(pe.names[0])
            if spot is not None and spot not in taken:
                pe.tile = spot
                taken.add(spot)
        # 2-D grids of single instances go on the array as they are
        by_group: dict[str, list[PE]] = defaultdict(list)
        for pe in pes:
            if len(pe.members) == 1 and pe.tile is None:
                by_group[pe.members[0][0].group.task.data].append(pe)
        for task_pes in by_group.values():
            grid = task_pes[0].members[0][0].group.grid_shape
            if len(grid) != 2 or grid[0] > len(rows) or grid[1] > d.columns:
                continue
            spots = {}
            for pe in task_pes:
                i, j = pe.members[0][1].pid
                spots[id(pe)] = (j, rows[i])
            if any(s in taken for s in spots.values()):
                continue
            for pe in task_pes:
                pe.tile = spots[id(pe)]
                taken.add(pe.tile)
        # the rest column by column in stream order (each element after the one
        # that feeds it), so producers and consumers land on vertical neighbours
        # and share memory instead of using a DMA
        # each element takes the free tile sharing memory with the most of its
        # already placed stream partners (ties: the snake order), so a task
        # fed by many gets them as neighbours instead of DMA channels
        rest = [t for t in free if t not in taken]
        partners = self.partners(pes)
        placed: dict[int, tuple[int, int]] = {id(pe): pe.tile for pe in pes if pe.tile}  # type: ignore[misc]
        # with `hubs`, an element with more stream partners than a tile on the
        # array's edge has neighbours goes first, to the free tile with the
        # most free neighbours: its partners then take them (a gather's reducer)
        first = [
            pe
            for pe in pes
            if hubs and pe.tile is None and len(partners.get(id(pe), ())) >= HUB_PARTNERS
        ]
        for pe in sorted(first, key=lambda pe: -len(partners[id(pe)])):
            best = max(
                range(len(rest)),
                key=lambda k: (sum(d.shares_memory(rest[k], t) for t in rest), -k),
            )
            pe.tile = rest.pop(best)
            placed[id(pe)] = pe.tile
        embedded = True
        if embed:
            todo = self.stream_order([pe for pe in pes if pe.tile is None])
            # the stream-connected first (each after a partner), the rest anywhere
            order = [id(pe) for pe in todo if partners.get(id(pe))]
            order += [id(pe) for pe in todo if not partners.get(id(pe))]
            found = embed_streams(order, partners, dict(placed), rest, d.shares_memory)
            embedded = found is not None
            if found is not None:
                for pe in todo:
                    pe.tile = found[id(pe)]
                    placed[id(pe)] = pe.tile
                    rest.remove(pe.tile)
        for pe in self.stream_order([pe for pe in pes if pe.tile is None]):
            near = [placed[q] for q in partners.get(id(pe), ()) if q in placed]
            best = max(
                range(len(rest)),
                key=lambda k: (sum(d.shares_memory(rest[k], t) for t in near), -k),
            )
            pe.tile = rest.pop(best)
            placed[id(pe)] = pe.tile
        # a compiler-added loader goes next to the task it forwards an array to
        tile_of = {n: pe.tile for pe in pes for n in pe.names}
        for pe in pes:
            attr = pe.members[0][0].group.attributes.get(FORWARDS)
            if not isinstance(attr, StringAttr) or len(pe.members) != 1:
                continue
            target = tile_of[attr.data]
            if target is None or d.shares_memory(pe.tile, target):  # type: ignore[arg-type]
                continue
            spot = next((t for t in rest if d.shares_memory(t, target)), None)
            if spot is not None:
                rest.remove(spot)
                rest.append(pe.tile)  # type: ignore[arg-type]
                pe.tile = spot
        # compiler chains have their own remedy (streams merged, npu_stream_merge)
        folded = any(
            isinstance(op, dato.ChainOp) and COMPILER_CHOSEN in op.attributes
            for op in self.region.body.block.ops
        )
        if self.improve and not self.preset and not folded and not (embed and embedded):
            self.improve_placement(pes, rest)
        return embedded

    def improve_placement(self, pes: list[PE], free: list[tuple[int, int]]) -> None:
        """Swap elements between tiles (or move one to a free tile) while that
        lowers the DMA channels over a tile's limit, counting the arrays an
        element moves and its streams to elements not sharing memory with it
        (memtile routes may still save more in check_tiles). Deterministic:
        the best move of each round, ties by tile order; a design within its
        channels is left as placed."""
        d = self.device
        owner = {n: k for k, pe in enumerate(pes) for n in pe.names}
        arrays: list[tuple[int, int]] = []
        for pe in pes:
            ins: set[int] = set()
            outs: set[int] = set()
            for plan, inst in pe.members:
                for k, (r, w) in enumerate(self.moves(plan.group, inst)):
                    index = self.region.args.index(plan.group.args[k])
                    if r:
                        ins.add(index)
                    if w:
                        outs.add(index)
            if pe.members[0][0].matmul is not None:
                ins.add(-1)  # a streamed GEMM takes A and B on two channels
                ins.add(-2)
            arrays.append((len(ins), len(outs)))
        links: list[tuple[int, int]] = []
        for stream, p in self.producer.items():
            c = self.consumer.get(stream)
            if c is None or p not in owner or c not in owner or owner[p] == owner[c]:
                continue
            links.append((owner[p], owner[c]))
        limit_in, limit_out = d.compute.dma_s2mm_channels, d.compute.dma_mm2s_channels

        def excess(tiles: list[tuple[int, int]]) -> tuple[int, int]:
            """Channels over the tiles' limits, then streams needing a DMA."""
            ins = [a for a, _ in arrays]
            outs = [b for _, b in arrays]
            far = 0
            for a, b in links:
                if not d.shares_memory(tiles[a], tiles[b]):
                    outs[a] += 1
                    ins[b] += 1
                    far += 1
            over = sum(
                max(0, i - limit_in) + max(0, o - limit_out) for i, o in zip(ins, outs, strict=True)
            )
            return over, far

        tiles = [pe.tile for pe in pes]
        if any(t is None for t in tiles) or not links:
            return
        now = excess(tiles)  # type: ignore[arg-type]
        spots = list(free)
        for _ in range(4 * len(pes)):
            if now[0] == 0:
                break
            best: tuple[tuple[int, int], int, int] | None = None
            for a in range(len(pes)):
                for b in range(a + 1, len(pes) + len(spots)):
                    trial = list(tiles)
                    if b < len(pes):
                        trial[a], trial[b] = tiles[b], tiles[a]
                    else:
                        trial[a] = spots[b - len(pes)]
                    cost = excess(trial)  # type: ignore[arg-type]
                    if cost < now and (best is None or cost < best[0]):
                        best = (cost, a, b)
            if best is None:
                break
            now, a, b = best
            if b < len(pes):
                tiles[a], tiles[b] = tiles[b], tiles[a]
            else:
                spots[b - len(pes)], tiles[a] = tiles[a], spots[b - len(pes)]  # type: ignore[assignment]
        for pe, t in zip(pes, tiles, strict=True):
            pe.tile = t

    def partners(self, pes: list[PE]) -> dict[int, set[int]]:
        """Per element (by id), the elements it shares a stream with."""
        owner = {name: pe for pe in pes for name in pe.names}
        out: dict[int, set[int]] = {}
        for stream, producer in self.producer.items():
            a, b = owner.get(producer), owner.get(self.consumer.get(stream, ""))
            if a is not None and b is not None and a is not b:
                out.setdefault(id(a), set()).add(id(b))
                out.setdefault(id(b), set()).add(id(a))
        return out

    def stream_order(self, pes: list[PE]) -> list[PE]:
        """Depth-first along the streams from the elements nothing feeds, in
        program order otherwise."""
        owner = {name: pe for pe in pes for name in pe.names}
        feeds: dict[int, list[PE]] = {id(pe): [] for pe in pes}
        fed: set[int] = set()
        for stream, producer in self.producer.items():
            consumer = self.consumer.get(stream)
            a, b = owner.get(producer), owner.get(consumer or "")
            if a is not None and b is not None and a is not b:
                feeds[id(a)].append(b)
                fed.add(id(b))
        order: list[PE] = []
        seen: set[int] = set()

        def visit(pe: PE) -> None:
            if id(pe) in seen:
                return
            seen.add(id(pe))
            order.append(pe)
            for nxt in feeds[id(pe)]:
                visit(nxt)

        for pe in [p for p in pes if id(p) not in fed] + pes:
            visit(pe)
        return order

    def place_bundled_gemm(self, pes: list[PE]) -> set[int]:
        """Bundles of a streamed GEMM's instances share one set of fifos on
        their core (see npu_transfers.BundledGemm), which needs the product
        arrangement: the bundles form an R x C grid, core (r, c) holding the
        tasks {(i, j): i in I_r, j in J_c}, i outer and j inner, so all cores
        of compute row r read one A row-block sequence and all cores of
        column c one B column-block sequence. Core (r, c) goes to column c,
        compute row r. Returns the ids of those elements (empty if none)."""
        bundled = [pe for pe in pes if len(pe.members) > 1 and pe.members[0][0].matmul is not None]
        if not bundled:
            return set()
        group = bundled[0].members[0][0].group
        task = group.task.data
        second = next(
            (pe.members[0][0].group for pe in bundled if pe.members[0][0].group is not group), None
        )
        if second is not None:
            raise op_error(
                second,
                f"GEMM tasks @{task} and @{second.task.data} are both bundled; the NPU lowering "
                "gives one bundled GEMM per region the design whose members share one set of "
                f"fifos per core, so @{second.task.data}'s bundled instances would each need "
                "their own DMA channels: put the GEMMs in separate regions, or leave "
                f"@{second.task.data} one task per core",
            )
        # other tasks take the general route beside the GEMM's design
        # (npu_gemm_design.GemmDesign.run), which moves only region arrays
        if any(isinstance(op, dato.StreamAccess) for op in group.walk()):
            raise op_error(
                group,
                f"bundles of the GEMM task @{task} share fifos per core row and column; the "
                "NPU lowering needs its operands and result to be the region's arrays (it "
                "uses a stream)",
            )
        grid = group.grid_shape
        if len(grid) != 2:
            raise op_error(group, f"bundled GEMM @{task} needs a 2-D task grid, it has {grid}")
        mine = [pe for pe in pes if pe.members[0][0].group is group]
        row_sets: list[tuple[int, ...]] = []
        col_sets: list[tuple[int, ...]] = []
        cells: dict[tuple[int, int], PE] = {}
        # the order the user listed is the order the core runs its members in
        listed = {
            op.names[0]: list(op.names)
            for op in self.region.body.block.ops
            if isinstance(op, dato.BundleOp)
        }
        pid_of = {inst.name: tuple(inst.pid) for pe in mine for _, inst in pe.members}
        for pe in mine:
            order = next((listed[n] for n in pe.names if n in listed), pe.names)
            pe.names = order
            pids = [pid_of[n] for n in order]
            rows = tuple(dict.fromkeys(i for i, _ in pids))
            cols = tuple(dict.fromkeys(j for _, j in pids))
            want = [(i, j) for i in rows for j in cols]
            if pids != want:
                bad = next(
                    (k for k, (a, b) in enumerate(zip(pids, want, strict=False)) if a != b),
                    min(len(pids), len(want)),
                )
                got = pe.names[bad] if bad < len(pids) else "nothing"
                exp = f"{task}_{want[bad][0]}_{want[bad][1]}" if bad < len(want) else "nothing"
                raise op_error(
                    group,
                    f"bundle {pe.names[0]}..{pe.names[-1]} ({len(pids)} tasks) is not a product "
                    f"of task rows {list(rows)} and columns {list(cols)} in the order i outer, j "
                    f"inner: member {bad} is {got}, expected {exp}",
                )
            for sets, key in ((row_sets, rows), (col_sets, cols)):
                if key not in sets:
                    sets.append(key)
            cells[(row_sets.index(rows), col_sets.index(cols))] = pe
        for sets, axis, what in ((row_sets, 0, "rows"), (col_sets, 1, "columns")):
            operand = "A" if axis == 0 else "B"
            seen: dict[int, tuple[int, ...]] = {}
            for s in sets:
                for x in s:
                    if x in seen:
                        raise op_error(
                            group,
                            f"bundled GEMM @{task}: task {what[:-1]} {x} is split between "
                            f"bundles with task {what} {list(seen[x])} and {list(s)}; every core "
                            f"of a compute {what[:-1]} must read the same {operand} blocks",
                        )
                    seen[x] = s
            if len(seen) != grid[axis] or len({len(s) for s in sets}) != 1:
                raise op_error(
                    group,
                    f"bundled GEMM @{task}: the bundles' task {what} {[list(s) for s in sets]} "
                    f"must cover all {grid[axis]} {what} in sets of one size",
                )
        n_rows, n_cols = len(row_sets), len(col_sets)
        if len(cells) != len(mine) or len(mine) != n_rows * n_cols:
            raise op_error(
                group,
                f"bundled GEMM @{task}: {len(mine)} bundles do not form a grid of {n_rows} "
                f"row sets x {n_cols} column sets (each pair exactly once)",
            )
        d = self.device
        if n_rows > len(d.compute_rows) or n_cols > d.columns:
            raise op_error(
                group,
                f"bundled GEMM @{task} forms a {n_rows} x {n_cols} grid of cores; "
                f"{d.describe()} has {len(d.compute_rows)} compute rows and {d.columns} columns",
            )
        # the grid in task order: row sets by their first task row, columns likewise
        r_order = sorted(range(n_rows), key=lambda r: row_sets[r][0])
        c_order = sorted(range(n_cols), key=lambda c: col_sets[c][0])
        for (r, c), pe in cells.items():
            pe.tile = (c_order.index(c), d.compute_rows[r_order.index(r)])
        return {id(pe) for pe in mine}

    def adjacent(self, a: str, b: str, tiles: dict[str, tuple[int, int]]) -> bool:
        return self.device.shares_memory(tiles[a], tiles[b])

    def chained_why(self, chain: dict[str, list[object]]) -> list[str]:
        """Per stream a tile's members chain (`TileMemory.chain`), the depth
        its local buffer has and why: members run in turn hold every element
        (a lockstep chain, whose loops run in step, only its ring)."""
        out: list[str] = []
        for name in chain:
            t = self.chained_type(name)
            depth = t.get_shape()[0]
            decl = next(d for d in self.region.streams() if d.sym_name.data == name)
            declared = self.streams[name][0]
            how = (
                "a ring between members run in step"
                if "dato.ring" in decl.attributes
                else "every element: its members run in turn, not in step"
            )
            out.append(
                f"stream @{name} between chained members {depth} deep "
                f"({kib(memref_bytes(t))}; {how}; declared {declared} deep)"
            )
        return out

    def attempt_index(self) -> AttemptIndex:
        """The region's stream declarations and merged streams, for one check."""
        decls = {d.sym_name.data: d for d in self.region.streams()}
        return AttemptIndex(decls, merged_streams(self.region))

    def chained_type(self, name: str, lookups: AttemptIndex | None = None) -> MemRefType:
        """The local buffer a stream between two members of one core becomes:
        every element it carries (lower_to_aie's local_buffer)."""
        if lookups is not None:
            decl = lookups.decls[name]
        else:
            decl = next(d for d in self.region.streams() if d.sym_name.data == name)
        elem = decl.stream_type.element_type
        count = self.counts.get(name, self.streams[name][0])
        if "dato.ring" in decl.attributes:  # npu_folding.RING: a lockstep chain's ring
            count = decl.stream_type.depth.data
        if isinstance(elem, MemRefType):
            return MemRefType(elem.element_type, [count, *elem.get_shape()])
        return MemRefType(elem, [count])

    def count_tile(
        self,
        pe: PE,
        tiles: dict[str, tuple[int, int]],
        shared: set[int],
        lookups: AttemptIndex | None = None,
    ) -> TileCount:
        """What the element's tile holds and moves before its GEMMs choose K
        tiles: its buffers (TileMemory), the arguments and streams it moves
        through DMA channels, the fifos to neighbours sharing memory. The
        members of an element in `shared` run one after the other through one
        set of fifos and buffers, so the first member's needs are the
        element's. `lookups`: the check's lookups (AttemptIndex), made here
        when not given."""
        assert pe.tile is not None
        if lookups is None:
            lookups = self.scope or self.attempt_index()
        col, row = pe.tile
        count = TileCount(pe, f"tile ({col}, {row}) ({name_list(pe.names)})")
        members = pe.members[:1] if id(pe) in shared else pe.members
        count.members = members
        # what the core allocates (see aie_buffer_sharing): each fifo once,
        # however many members use it; the members' locals and chained
        # streams by their live spans in the core's run order, dead ones
        # sharing one buffer
        if len(members) > 1 and lookups.order is None:
            lookups.order = run_order(self.region)
        if len(members) > 1 and lookups.fused is None:
            lookups.fused = lockstep_members(self.region)
        memory = TileMemory(
            members,
            lookups.order if len(members) > 1 else {},  # type: ignore[arg-type]
            lookups.fused or frozenset(),
        )
        count.memory = memory
        # broadcast sets this placement makes one fifo (npu_broadcast_fifos):
        # the producer holds the first stream's objects and DMA channel only
        heads = head_of(self.region)
        sets = broadcast_sets(self.region) if heads else {}
        graph = stream_graph(self.uses) if sets else {}
        placed = {
            head
            for head, names in sets.items()
            if broadcast_placed(names, self.producer, self.consumer, tiles, graph, self.routed)
        }
        for plan, inst in members:
            binding = dict(zip(plan.group.port_names, inst.bindings, strict=True))
            memory.locals(plan, inst, binding)
            memory.in_objects(plan, inst, binding, lookups.merged)
            for k, arg in enumerate(plan.group.body.block.args):
                t = arg.type
                assert isinstance(t, MemRefType)
                if plan.matmul is not None and k in (
                    plan.matmul.a,
                    plan.matmul.b,
                    plan.matmul.c,
                ):
                    continue
                # members on one tile take an array's blocks in turn through one fifo
                index = self.region.args.index(plan.group.args[k])
                box = self.boxes.get((plan.group.sym_name.data, k), {}).get(inst.name)
                # a box its stores write whole needs no host copy first
                reads = plan.reads[k] and not (box is not None and box.whole)
                if reads:
                    count.in_args.add(index)
                if plan.writes[k]:
                    count.out_args.add(index)
                obj = t
                rows = self.padding.get(index)
                if rows is not None:
                    # the padded fifo object; the task's block is copied out of it
                    obj = MemRefType(t.element_type, padded_shape(t.get_shape(), rows))
                elif box is not None:
                    # the box's objects for the DMA; the whole array for the body
                    obj = MemRefType(t.element_type, list(box.shape))
                for moves, is_read in ((reads, True), (plan.writes[k], False)):
                    if moves:
                        memory.fifo(f"argument {k}", (index, is_read), memref_bytes(obj))
                if obj is not t and (plan.reads[k] or plan.writes[k]):
                    # the block copied out of the padded object, for a
                    # member whose body uses the array (one that neither
                    # reads nor writes it copies nothing)
                    memory.whole_member(inst, t)
            for streams, peers, is_put in (
                (plan.puts, self.consumer, True),
                (plan.gets, self.producer, False),
            ):
                for s in streams:
                    name = binding.get(s, s)
                    depth, packed, size = self.streams[name]
                    peer = peers.get(name)
                    broadcast = heads.get(name) in placed
                    if broadcast and is_put and heads[name] != name:
                        continue  # the set's first stream carries it
                    if name in sets and not broadcast and is_put:
                        # left apart: its in-place local is a local again
                        memory.copied.add(name)
                    t_obj = streams[s]
                    if peer in pe.names or (
                        isinstance(t_obj, MemRefType) and size != memref_bytes(t_obj)
                    ):
                        memory.copied.add(name)  # its blocks are copied out (padded)
                    if peer in pe.names:
                        # chained: a local buffer of every element
                        memory.chained(
                            name, self.chained_type(name, lookups), inst, plan, s, is_put
                        )
                        continue
                    # the fifo's objects, plus the staging buffer and its
                    # counter of a packed stream; the objects of a fifo
                    # between neighbours sharing memory only on the one tile
                    # holding them (held_objects: as mlir-aie allocates them)
                    extra = size + 4 if packed else 0
                    # a broadcast goes by DMA, even to a neighbour (mlir-aie)
                    near = (
                        peer is not None and not broadcast and self.adjacent(inst.name, peer, tiles)
                    )
                    what = f"stream @{name}"
                    if name in self.shallow:
                        what += f" (1 object of {self.shallow[name]})"
                    objects = depth * size
                    if near:
                        there = tiles[peer]  # type: ignore[index]
                        objects = held_objects(self.device, pe.tile, there, is_put, objects)
                    if objects + extra:
                        memory.fifo(what, name, objects + extra)
                    if not near:
                        (count.dma_out if is_put else count.dma_in).add(name)
                    elif is_put:
                        count.near_out.add(name)
            if plan.matmul is not None:
                count.streamed.append((plan, inst))
        return count

    def gemm_k_tiles(self, count: TileCount, budget: int, k_tiles: dict[str, int]) -> int:
        """The tile's bytes once each of its GEMM groups (`c = matmul(a, b)`
        into an output argument) streams K in the largest tile that fits
        beside its other buffers (recorded in `k_tiles`); a refusal when even
        K tiles of one step do not fit."""
        fixed, _ = count.memory.total()
        for plan, _ in count.streamed:
            args = plan.group.body.block.args
            mm = plan.matmul
            assert mm is not None
            c_t = args[mm.c].type
            elem = element_bytes(c_t)  # type: ignore[arg-type]
            f32_acc = isinstance(c_t.element_type, BFloat16Type)  # type: ignore[attr-defined]
            a_elem = element_bytes(args[mm.a].type)  # type: ignore[arg-type]
            b_elem = element_bytes(args[mm.b].type)  # type: ignore[arg-type]
            kt = choose_k_tile(plan, budget - fixed, elem, f32_acc)
            if kt is None:
                need = fixed + 2 * (mm.m * a_elem + mm.n * b_elem) + mm.m * mm.n * elem
                raise op_error(
                    plan.group,
                    f"{count.where} needs at least {kib(need)} of buffers (a {mm.m}x{mm.n} "
                    f"output block and double-buffered A/B tiles of K=1), it has {kib(budget)}",
                )
            k_tiles[plan.group.sym_name.data] = kt
            fixed += k_tile_bytes(mm.m, mm.k, mm.n, kt, a_elem, b_elem, f32_acc)
            fixed += mm.m * mm.n * elem
        return fixed

    def check_tiles(self, pes: list[PE], shared: set[int] | None = None) -> dict[str, int]:
        """Memory and DMA channels per compute tile; returns the K tile chosen
        for each streamed-GEMM group. Only checks: the depths it counts were
        chosen before (npu_shallow_fifos, recorded in the IR); the memtile
        routes of streams over a tile's channels are recorded as it goes."""
        d = self.device
        tiles = {name: pe.tile for pe in pes for name in pe.names}  # type: ignore[misc]
        k_tiles: dict[str, int] = {}
        budget = d.compute.data_memory_bytes - CORE_STACK_BYTES
        lookups = self.scope or self.attempt_index()
        for pe in pes:
            count = self.count_tile(pe, tiles, shared or set(), lookups)  # type: ignore[arg-type]
            where, members, memory = count.where, count.members, count.memory
            total_before, parts = memory.total()
            fixed = self.gemm_k_tiles(count, budget, k_tiles)
            if fixed > budget:
                # a local matmul's operands streamed over K (k_streaming)
                fixed, parts = self.k_streaming(members, budget, fixed, parts, k_tiles, lookups)
            if fixed > budget:
                why = self.shallow_why.get(pe.names[0])
                parts = [*parts, why] if why else parts
                parts += self.chained_why(memory.chain)
                raise op_error(
                    pe.members[0][0].group,
                    f"{where} needs {kib(fixed)} of buffers ({'; '.join(parts)}), it has "
                    f"{kib(budget)} (of {kib(d.compute.data_memory_bytes)}, {CORE_STACK_BYTES} "
                    "bytes kept for the stack)",
                )
            inputs = 2 * len(count.streamed) + len(count.in_args)
            outputs = len(count.streamed) + len(count.out_args)
            dma_in, dma_out = count.dma_in, count.dma_out
            # two arrays read whole through one channel, one block after the
            # other, before any stream is joined through a memtile
            if inputs + len(dma_in) > d.compute.dma_s2mm_channels:
                inputs -= self.join_reads(pe, members, tiles)
            # more DMA streams than channels: join or distribute some through a memtile
            over_in = inputs + len(dma_in) - d.compute.dma_s2mm_channels
            over_out = outputs + len(dma_out) - d.compute.dma_mm2s_channels
            inputs += len(dma_in) - self.route_streams(pe, members, dma_in, "join", over_in)
            if self.routed & {name for name, *_ in memory.got} - memory.copied:
                # a block got through a memtile route is copied out of its
                # part of the joined object: a local again
                memory.copied |= self.routed
                now, parts = memory.total()
                fixed += now - total_before
                if fixed > budget:
                    raise op_error(
                        pe.members[0][0].group,
                        f"{where} needs {kib(fixed)} of buffers once its streams are joined "
                        f"through a memtile ({'; '.join(parts)}), it has {kib(budget)}",
                    )
            outputs += len(dma_out) - self.route_streams(
                pe, members, dma_out, "distribute", over_out
            )
            if self.routed & {name for name, *_ in memory.put} - memory.copied:
                # a local a put computed in its object (dato-put-in-place) is a
                # local again once the stream is distributed through a memtile
                before, _ = memory.total()
                memory.copied |= self.routed
                now, parts = memory.total()
                fixed += now - before
                if fixed > budget:
                    raise op_error(
                        pe.members[0][0].group,
                        f"{where} needs {kib(fixed)} of buffers once its streams are "
                        f"distributed through a memtile ({'; '.join(parts)}), it has {kib(budget)}",
                    )
            if inputs > d.compute.dma_s2mm_channels:
                raise op_error(
                    pe.members[0][0].group,
                    f"{where} needs {inputs} input DMA channels, a compute tile has "
                    f"{d.compute.dma_s2mm_channels}",
                )
            if outputs > d.compute.dma_mm2s_channels:
                raise op_error(
                    pe.members[0][0].group,
                    f"{where} needs {outputs} output DMA channels, a compute tile has "
                    f"{d.compute.dma_mm2s_channels}",
                )
            # a lock pair per fifo end holding buffers: each DMA channel's
            # fifo, and the fifos to neighbours sharing memory on the
            # producer's side (npu_lock_budget checks the lowered design)
            locks = LOCKS_PER_FIFO_END * (inputs + outputs + len(count.near_out))
            if locks > d.compute.locks:
                raise op_error(
                    pe.members[0][0].group,
                    f"{where} needs {locks} locks ({inputs} input and {outputs} output DMA "
                    f"fifos, {len(count.near_out)} fifos to neighbours sharing memory; "
                    f"{LOCKS_PER_FIFO_END} each), a compute tile has {d.compute.locks}",
                )
        return k_tiles

    def join_reads(
        self,
        pe: PE,
        members: list[tuple[GroupPlan, dato.Instance]],
        tiles: dict[str, tuple[int, int]],
    ) -> int:
        """1 when the element's one instance reads two arrays that can come
        through one fifo, the first's block then the second's (recorded on the
        group, npu_stream_routes.JOINED_READS: every instance of the group
        takes them so); else 0. Both read whole and not written, of one
        element type and block shape, not padded, not K- or row-streamed, no
        write box; every instance of the group alone on its core (a core
        running several members takes an array's blocks in turn already)."""
        if len(members) != 1:
            return 0
        plan, _ = members[0]
        group = plan.group
        if joined_reads(group) is not None:
            return 1
        per_tile: dict[tuple[int, int], int] = {}
        for tile in tiles.values():
            per_tile[tile] = per_tile.get(tile, 0) + 1
        if any(per_tile.get(tiles.get(i.name), 0) != 1 for i in group.instances()):  # type: ignore[arg-type]
            return 0
        if plan.matmul is not None or k_tile_of(group) is not None:
            return 0
        rows = row_pieces(group)
        body = group.body.block.args
        name = group.sym_name.data
        ok: list[int] = []
        for k, arg in enumerate(body):
            index = self.region.args.index(group.args[k])
            if (
                plan.reads[k]
                and not plan.writes[k]
                and arg.uses
                and k not in rows
                and isinstance(arg.type, MemRefType)
                and self.padding.get(index) is None
                and not self.boxes.get((name, k))
            ):
                ok.append(k)
        for i, first in enumerate(ok):
            for second in ok[i + 1 :]:
                same = body[first].type == body[second].type
                if same and group.args[first] is not group.args[second]:
                    record_joined_reads(group, first, second)
                    return 1
        return 0

    def k_streaming(
        self,
        members: list[tuple[GroupPlan, dato.Instance]],
        budget: int,
        fixed: int,
        parts: list[str],
        k_tiles: dict[str, int],
        lookups: AttemptIndex | None = None,
    ) -> tuple[int, list[str]]:
        """A tile over its memory whose tasks compute `acc = matmul(a, b)` into
        a local: a and b stream through the DMA in K tiles (double-buffered)
        instead of arriving whole. An array moves in one K tile for all its
        blocks (npu_transfers), so every task reading a or b must be such a
        matmul reading them in the same roles (the tasks of a split-K or
        ping-pong GEMM, the instances of one group); they all take the
        smallest K tile any of them needs, which only shrinks what the others
        hold (a K split in two or more steps double-buffers at most the whole
        blocks). Returns the tile's bytes and the parts of the count,
        unchanged when streaming does not apply. The tile's `members` (a
        bundle's or chain's, run in turn) take an array's blocks one after
        another through one fifo (npu_transfers.sequential_blocks), so each
        family's A and B fifos, whole or in K tiles, are counted once however
        many of its members the tile runs, as is the f32 accumulator of a bf16
        family (one member's at a time: it is dead between members)."""
        families: dict[tuple[str, ...], GroupPlan] = {}
        for plan, _ in members:
            if (plan.local_matmul or plan.staged_matmul) is None:
                continue
            family = self.k_family(plan.group, lookups or self.scope)
            if family is None:
                continue
            families.setdefault(tuple(sorted(family)), plan)
        if not families:
            return fixed, parts
        parts = list(parts)
        for family, plan in families.items():
            lm = plan.local_matmul or plan.staged_matmul
            assert lm is not None
            args = plan.group.body.block.args
            a_t, b_t = lm.op.inputs[0].type, args[lm.b].type
            assert isinstance(a_t, MemRefType) and isinstance(b_t, MemRefType)
            f32_acc = isinstance(lm.acc.element_type, BFloat16Type)
            a_elem, b_elem = element_bytes(a_t), element_bytes(b_t)
            if lm.a < 0:
                # A is the task's own (counted whole with its locals or the
                # fifo it is got from): B streams, A's strip of each step is
                # copied into one m x kt staging buffer
                rest = fixed - memref_bytes(b_t)
                kt = b_k_tile(lm, budget, rest, a_elem, b_elem, f32_acc)
                if kt is None:
                    least = lm.m * a_elem + 2 * lm.n * b_elem
                    least += 4 * lm.m * lm.n if f32_acc else 0
                    acc = " and the f32 accumulator of K steps" if f32_acc else ""
                    parts.append(
                        f"streaming B over K cannot make it fit: A ({lm.m}x{lm.k}, not an "
                        f"argument) stays whole, and with the rest takes {kib(rest)}; a "
                        f"{lm.m}x1 strip of A, B tiles of K=1{acc} need {kib(least)} more"
                    )
                    continue
                kt = min([kt, *(k_tiles[g] for g in family if g in k_tiles)])
                for name in family:
                    k_tiles[name] = kt
                streamed = lm.m * kt * a_elem + 2 * kt * lm.n * b_elem
                streamed += 4 * lm.m * lm.n if f32_acc and kt < lm.k else 0
                said = f"{kib(memref_bytes(b_t))} for argument {lm.b}"
                if said in parts:
                    parts.remove(said)
                parts.append(
                    f"{kib(streamed)} for B tiles streamed over K in steps of {kt} and A's "
                    "staged strip"
                )
                fixed += streamed - memref_bytes(b_t)
                continue
            whole = memref_bytes(a_t) + memref_bytes(b_t)
            kt = k_tile_for(lm.m, lm.k, lm.n, budget, a_elem, b_elem, fixed - whole, f32_acc)
            if kt is None:
                parts.append(
                    block_advice(lm.m, lm.n, lm.acc, fixed - whole, budget, a_elem, b_elem)
                )
                continue
            # the family's tile: the smallest any member needed (a divisor of
            # the same K, so of every larger one)
            kt = min([kt, *(k_tiles[g] for g in family if g in k_tiles)])
            streamed = k_tile_bytes(lm.m, lm.k, lm.n, kt, a_elem, b_elem, f32_acc)
            if len(family) > 1 and f32_acc and kt < lm.k:
                # members that fit whole would also hold the f32 accumulator:
                # only when the streamed tiles and it take no more than the blocks
                if streamed > whole:
                    continue
            for name in family:
                k_tiles[name] = kt
            for k, t in ((lm.a, a_t), (lm.b, b_t)):
                said = f"{kib(memref_bytes(t))} for argument {k}"
                if said in parts:
                    parts.remove(said)  # its first: the members' fifos in member order
            parts.append(f"{kib(streamed)} for A/B tiles streamed over K in steps of {kt}")
            fixed += streamed - whole
        return fixed, parts

    def k_family(
        self, group: dato.GroupOp, lookups: AttemptIndex | None = None
    ) -> list[str] | None:
        """The groups that read the arrays `group`'s local matmul multiplies:
        None unless each is a local matmul of the same M x K x N reading them
        as its A and B, whose whole blocks count against its tile (its
        operands reach it through fifos, not forwarded or padded). Members of
        a bundle or chain may be among them: a core running several takes
        their K tiles block after block through one fifo. With `lookups`, once
        per group and check (AttemptIndex.families; callers only read it): a
        check asks for every member of every tile, each going over all groups."""
        if lookups is None:
            return self._k_family(group)
        name = group.sym_name.data
        if name not in lookups.families:
            if lookups.readers is None:
                lookups.readers = self.readers()
            lookups.families[name] = self._k_family(group, lookups.readers)
        return lookups.families[name]

    def readers(self) -> dict[int, list[tuple[int, dato.GroupOp]]]:
        """By id of each value a group reads (xDSL values compare by
        identity), the groups reading it and their position in the region."""
        out: dict[int, list[tuple[int, dato.GroupOp]]] = {}
        for pos, other in enumerate(self.region.groups()):
            plan = self.plans[other.sym_name.data]
            seen: set[int] = set()
            for r, v in zip(plan.reads, other.args, strict=True):
                if r and id(v) not in seen:
                    seen.add(id(v))
                    out.setdefault(id(v), []).append((pos, other))
        return out

    def _k_family(
        self,
        group: dato.GroupOp,
        readers: dict[int, list[tuple[int, dato.GroupOp]]] | None = None,
    ) -> list[str] | None:
        """k_family; with `readers`, going over only the groups reading A or
        B, in region order: the others are skipped by the scan anyway, and
        its answer (None if any reader differs, else the readers' names in
        region order) does not depend on the order it meets them in."""
        mine = self.plans[group.sym_name.data]
        lm = mine.local_matmul or mine.staged_matmul
        assert lm is not None
        # A no argument (-1): the task's own value, whole on its tile
        a = group.args[lm.a] if lm.a >= 0 else None
        b = group.args[lm.b]
        if a is b:
            return None
        family: list[str] = []
        if readers is None:
            others = self.region.groups()
        else:
            found = {pos: g for v in (a, b) if v is not None for pos, g in readers.get(id(v), [])}
            others = [found[pos] for pos in sorted(found)]
        for other in others:
            plan = self.plans[other.sym_name.data]
            reads = [v for r, v in zip(plan.reads, other.args, strict=True) if r]
            if a not in reads and b not in reads:
                continue
            om = plan.local_matmul or plan.staged_matmul
            if (
                om is None
                or plan.matmul is not None
                or (other.args[om.a] if om.a >= 0 else None) is not a
                or other.args[om.b] is not b
                or (om.m, om.k, om.n) != (lm.m, lm.k, lm.n)
                or om.acc.element_type != lm.acc.element_type
                or (a is not None and reads.count(a) != 1)
                or reads.count(b) != 1
            ):
                return None
            family.append(other.sym_name.data)
        for v in (a, b):
            if v is not None and self.padding.get(self.region.args.index(v)) is not None:
                return None  # its blocks move padded (npu_padding), not in K tiles
        return family

    def route_streams(
        self,
        pe: PE,
        members: list[tuple[GroupPlan, dato.Instance]],
        dma: set[str],
        kind: str,
        excess: int,
    ) -> int:
        """Route groups of the element's DMA streams through a memtile (see
        npu_stream_routes) until `excess` channels are saved, longest groups
        first; returns the channels saved. Each group is recorded in the IR."""
        if excess <= 0:
            return 0
        assert pe.tile is not None
        want = dato.GetOp if kind == "join" else dato.PutOp
        limit = (
            self.device.memtile.dma_s2mm_channels
            if kind == "join"
            else self.device.memtile.dma_mm2s_channels
        )
        decls = {s.sym_name.data: s for s in self.region.streams()}

        def same_object(a: str, b: str) -> bool:
            return object_type(decls[a]) == object_type(decls[b])

        # a stream accessed at several places of the core's bodies (merged
        # streams the core's members use in turn, or two ports of one member
        # bound to one merged stream) is not accessed at one place only: it
        # cannot join a route (its part would be taken twice per object)
        shared: dict[str, int] = {}
        for plan, inst in members:
            binding = dict(zip(plan.group.port_names, inst.bindings, strict=True))
            for op in plan.group.body.walk():
                if isinstance(op, dato.GetOp | dato.PutOp):
                    ref = op.stream.root_reference.data
                    name = binding.get(ref, ref)
                    shared[name] = shared.get(name, 0) + 1
        # a broadcast set's stream stays a stream of its own (counted so)
        broadcast = head_of(self.region)
        candidates: list[list[str]] = []
        for plan, inst in members:
            binding = dict(zip(plan.group.port_names, inst.bindings, strict=True))
            for run in access_runs(plan.group):
                if not isinstance(run[0], want):
                    continue
                names = [
                    binding.get(op.stream.root_reference.data, op.stream.root_reference.data)
                    for op in run
                ]
                # split where a stream cannot join (no DMA, another object type, ...)
                part: list[str] = []
                for name in [*names, None]:
                    ok = (
                        name is not None
                        and name in dma
                        and name not in self.routed
                        and name not in broadcast
                        and shared.get(name, 0) == 1
                        and routable(decls[name])
                    )
                    if ok and (not part or same_object(name, part[0])):  # type: ignore[arg-type]
                        part.append(name)  # type: ignore[arg-type]
                        continue
                    for i in range(0, len(part), limit):
                        if len(part[i : i + limit]) >= 2:
                            candidates.append(part[i : i + limit])
                    part = [name] if ok else []  # type: ignore[list-item]
        saved = 0
        for group in sorted(candidates, key=len, reverse=True):
            if saved >= excess:
                break
            # join only as many as needed: every part joined costs memtile channels
            take = group[: max(2, min(len(group), excess - saved + 1))]
            route = StreamRoute(
                f"{take[0]}_{kind}",
                kind,
                take,
                pe.tile[0],
                max(decls[n].stream_type.depth.data for n in take),
                object_type(decls[take[0]]),
            )
            record_route(self.region, route)
            self.routed.update(take)
            saved += len(take) - 1
        return saved

    def assign_columns(self) -> list[int]:
        """A shim column per region argument, first fit within the channel
        limits, or a refusal naming the channels the design needs (the columns
        the design uses are npu_transfers' choice)."""
        d = self.device
        reads = [False] * len(self.region.args)
        writes = [False] * len(self.region.args)
        for group in self.region.groups():
            plan = self.plans[group.sym_name.data]
            for k, operand in enumerate(group.args):
                index = self.region.args.index(operand)
                reads[index] = reads[index] or plan.reads[k]
                writes[index] = writes[index] or plan.writes[k]
        mm2s = [0] * d.columns  # shim -> array
        s2mm = [0] * d.columns
        columns: list[int] = []
        for index in range(len(self.region.args)):
            for col in range(d.columns):
                if (
                    mm2s[col] + reads[index] <= d.shim.dma_mm2s_channels
                    and s2mm[col] + writes[index] <= d.shim.dma_s2mm_channels
                ):
                    mm2s[col] += reads[index]
                    s2mm[col] += writes[index]
                    columns.append(col)
                    break
            else:
                need_in, need_out = sum(reads), sum(writes)
                raise op_error(
                    self.region,
                    f"the design moves {need_in} input and {need_out} output arrays through "
                    f"the shim; {d.describe()} has {d.columns} shim columns with "
                    f"{d.shim.dma_mm2s_channels} input and {d.shim.dma_s2mm_channels} output "
                    "channels each",
                )
        return columns


def name_list(names: list[str], most: int = 6) -> str:
    """Instance names for a message: all of a few, else the first ones and the count."""
    if len(names) <= most:
        return ", ".join(names)
    return f"{', '.join(names[: most - 1])}, ... {names[-1]}: {len(names)} instances"


def merge_streams_between_cores(region: dato.RegionOp, pes: list[PE], one_end: bool = False) -> str:
    """Let one stream carry the streams two chained cores use in turn (see
    npu_stream_merge), when replaying the cores in order still finishes
    (deeper streams where it needs them); with `one_end`, also those a core's
    members exchange with one instance in turn (isomorphic chains: a gather's
    sources sending to its reducer). Returns what was merged, or "" when
    nothing was (none to merge, or the merge would deadlock)."""
    order = run_order(region)
    # a lockstep core interleaves its members' streams (one fused loop), so
    # its streams are not used in turn: none of them is merged
    fused = lockstep_members(region)
    core_of = {n: k for k, pe in enumerate(pes) for n in pe.names if not fused & set(pe.names)}
    sets = parallel_streams(region, core_of, order, one_end)
    if not sets:
        return ""
    merge_streams(region, sets)
    groups = [sorted(pe.names, key=lambda n: order.get(n, 0)) for pe in pes if len(pe.names) > 1]
    lockstep = frozenset(k for k, g in enumerate(groups) if fused & set(g))
    plan = ChainPlan(groups, lockstep=lockstep)
    # replayed as the cores run: the lockstep ones fused (their rings keep
    # the depths the search chose, a sequential replay would deepen them)
    failure = free_depths(region, stream_uses(region), groups, plan, lockstep)
    if failure is not None:
        raise op_error(region, f"merging streams between chained cores: {failure.reason}")
    apply_depths(region, plan)
    return "streams between two cores used in turn carried by one: " + "; ".join(
        "+".join(f"@{n}" for n in names) for names in sets
    )


def choose_padding(
    region: dato.RegionOp,
    plans: dict[str, GroupPlan],
    word: int,
    boxes: dict[tuple[str, int], dict[str, Box]] | None = None,
) -> dict[int, Rows]:
    """The 8- and 16-bit arrays whose blocks have rows that are not whole
    DMA words, with (L, Lp): every task cuts the array's last dim into runs of
    the same L starting at multiples of L, so each run can be padded to Lp
    (see npu_padding). Operands of a matmul keep their layout (K streaming
    cuts their rows itself). A shared output moves in its writers' boxes
    (npu_write_boxes): the boxes' rows are the ones padded.

    An int4 / uint4 array (`dato.nibbles`) whose rows can be cut so moves
    packed two per byte, (L, Lp, signed), Lp counting bytes. One whose rows
    cannot, a matmul operand (the NPU's matmul kernels read one value per
    byte) or a shared output's boxes move one value per byte, as int8."""
    boxes = boxes or {}
    nibbles = read_nibbles(region)
    rows: dict[int, int] = {}
    refused: set[int] = set()
    boxed: set[int] = set()
    for group in region.groups():
        plan = plans[group.sym_name.data]
        operands: set[int] = set()
        for mm in (plan.matmul, plan.local_matmul):
            if mm is not None:
                operands |= {mm.a, mm.b, getattr(mm, "c", mm.a)}
        for k, arg in enumerate(group.body.block.args):
            t = arg.type
            if not (plan.reads[k] or plan.writes[k]) or not isinstance(t, MemRefType):
                continue
            index = region.args.index(group.args[k])
            bits = element_bits(t.element_type)
            length = t.get_shape()[-1] if t.get_shape() else 0
            starts = [inst.offsets[k][-1] for inst in group.instances()]
            mine = boxes.get((group.sym_name.data, k))
            if mine and t.get_shape():
                length = next(iter(mine.values())).shape[-1]
                starts = [b.offsets[-1] for b in mine.values()]
                boxed.add(index)
            full = region.args[index].type.get_shape()  # type: ignore[attr-defined]
            if (
                k in operands
                or not 0 < bits < word
                or word % bits
                or length <= 0
                or full[-1] % length
                or any(o % length for o in starts)
                or rows.setdefault(index, length) != length
            ):
                refused.add(index)
    bits = {
        index: element_bits(region.args[index].type.element_type)  # type: ignore[attr-defined]
        for index in rows
    }
    out: dict[int, Rows] = {}
    for index, length in rows.items():
        if index in refused:
            continue
        if index in nibbles and index not in boxed:
            out[index] = nibble_rows(length, word, nibbles[index])
        elif length * bits[index] % word:
            out[index] = (length, padded_length(length, bits[index], word))
    return out


CORE_INTEGER_BITS = 64
"""The widest integer a core computes on: the AIE compiler splits 64-bit
integer arithmetic into 32-bit operations of the scalar unit; nothing wider."""


def check_dma_words(
    placer: Placer, tiles: dict[str, tuple[int, int]], k_tiles: dict[str, int]
) -> None:
    """DMAs move whole 32-bit words: array elements wider than a word, array
    rows and stream objects that are not a whole number of words cannot move."""
    word = placer.device.memcpy_nd.word_bits
    region = placer.region
    for group in region.groups():
        plan = placer.plans[group.sym_name.data]
        first = group.instances()[0].name if group.num_instances() else group.sym_name.data
        for k, arg in enumerate(group.body.block.args):
            if not (plan.reads[k] or plan.writes[k]):
                continue
            t = arg.type
            assert isinstance(t, MemRefType)
            if region.args.index(group.args[k]) in placer.padding:
                continue  # its rows move padded to whole words
            name = group.args[k].name_hint or f"argument {k}"
            bits = element_bits(t.element_type)
            if bits > CORE_INTEGER_BITS and isinstance(t.element_type, IntegerType):
                # the DMAs would move whole words; the core cannot compute on it
                detail = f"{bits} bits each"
                if bits % word == 0:
                    detail = f"{bits // word} {word}-bit words each, which the DMAs move"
                raise op_error(
                    group,
                    f"{first} moves {name} of {t.element_type} elements ({detail}), but an "
                    "NPU core computes "
                    f"on integers of at most {CORE_INTEGER_BITS} bits (its scalar unit is "
                    "32-bit; wider values need multi-word arithmetic, which this compiler "
                    "does not emit); run it on the simulator or HLS",
                )
            if bits > word:
                # mlir-aie's npu.dma_memcpy_nd verifier: elements of at most 32 bits
                raise op_error(
                    group,
                    f"{first} moves {name} of {t.element_type} elements; the runtime "
                    f"sequence's host transfers (mlir-aie's dma_memcpy_nd) take elements of "
                    f"at most {word} bits, and this compiler does not split wider elements "
                    "into words",
                )
            inner = t.get_shape()[-1]
            boxes = placer.boxes.get((group.sym_name.data, k))
            if boxes:  # each instance moves its box of a shared output
                inner = next(iter(boxes.values())).shape[-1]
            mm = plan.matmul or plan.local_matmul
            if mm is not None and k == mm.a and group.sym_name.data in k_tiles:
                inner = k_tiles[group.sym_name.data]
            if inner * bits % word:
                raise op_error(
                    group,
                    f"{first} moves rows of {inner} {t.element_type} elements of {name} "
                    f"({inner * bits} bits), not a whole number of {word}-bit DMA words",
                )
    for decl in region.streams():
        name = decl.sym_name.data
        p, c = placer.producer.get(name), placer.consumer.get(name)
        if p is None or c is None or tiles[p] == tiles[c] or placer.adjacent(p, c, tiles):
            continue  # unused, chained on one tile, or neighbours sharing memory: no DMA
        st = decl.stream_type
        elem = st.element_type
        if stream_rows(decl, word) is not None:
            continue  # its objects travel with padded rows
        if isinstance(elem, MemRefType):
            bits = element_bits(elem.element_type) * elem.get_shape()[-1]
            what = f"rows of {elem}"
        else:
            bits = element_bits(elem) * st.packing.data
            what = f"objects of {st.packing.data} {elem}"
        if bits % word:
            hint = ""
            if not isinstance(elem, MemRefType) and word % element_bits(elem) == 0:
                hint = f"; pack it: Stream[T, depth, {word // element_bits(elem)}]"
            raise op_error(
                decl,
                f"stream @{name} from {p} to {c} moves {what} ({bits} bits), not a whole number "
                f"of {word}-bit DMA words{hint}",
            )


def pack_narrow_streams(placer: Placer, tiles: dict[str, tuple[int, int]]) -> None:
    """A scalar stream of 8- or 16-bit elements that needs a DMA moves whole
    32-bit words: the compiler packs 32 / bits elements per object (as
    `Stream[T, depth, 32 / bits]` would) when the count it carries is static
    and a multiple of that, and the stream is on no cycle of the task graph
    (the consumer then waits for a full word, which a cycle could never fill).
    Recorded in the IR: the declaration's type gets the packing, with
    `dato.packed_by_compiler`."""
    word = placer.device.memcpy_nd.word_bits
    edges: dict[str, set[str]] = {}
    for name, p in placer.producer.items():
        c = placer.consumer.get(name)
        if c is not None:
            edges.setdefault(p, set()).add(c)

    def reaches(start: str, goal: str) -> bool:
        seen, todo = {start}, [start]
        while todo:
            for nxt in edges.get(todo.pop(), ()):
                if nxt == goal:
                    return True
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return False

    # streams bound to one port of a group keep one type: they pack together
    same = _Union()
    for group in placer.region.groups():
        for k in range(len(group.port_names)):
            bound = [inst.bindings[k] for inst in group.instances()]
            for other in bound[1:]:
                same.join(other, bound[0])
    decls = {d.sym_name.data: d for d in placer.region.streams()}
    classes: dict[str, list[str]] = {}
    for name in decls:
        classes.setdefault(same.find(name), []).append(name)

    def needs_dma(name: str) -> bool:
        p, c = placer.producer.get(name), placer.consumer.get(name)
        return not (p is None or c is None or tiles[p] == tiles[c] or placer.adjacent(p, c, tiles))

    def packable(name: str, factor: int) -> bool:
        p, c = placer.producer.get(name), placer.consumer.get(name)
        total = placer.counts.get(name)
        ok = p is not None and c is not None and total is not None and total % factor == 0
        return ok and not reaches(c, p)  # type: ignore[arg-type]

    for names in classes.values():
        st = decls[names[0]].stream_type
        if isinstance(st.element_type, IntegerType) and st.element_type.width.data < 8:
            widen_scalar_stream(placer.region, set(names))  # int4 scalars: whole bytes
            st = decls[names[0]].stream_type
        elem = st.element_type
        bits = element_bits(elem)
        if isinstance(elem, MemRefType) or st.packing.data != 1 or bits >= word or word % bits:
            continue
        factor = word // bits
        if not any(needs_dma(n) for n in names) or not all(packable(n, factor) for n in names):
            continue  # nothing to do, or check_dma_words names the stream and the fix
        for n in names:
            decls[n].stream_type = dato.StreamType(elem, st.depth.data, factor)
            decls[n].attributes["dato.packed_by_compiler"] = UnitAttr()


def check_packing(uses: dict[str, StreamUses]) -> None:
    """A packed stream sends whole objects: its element count must be static
    and a multiple of the packing factor, or the last elements never leave."""
    for name, use in uses.items():
        p = use.decl.stream_type.packing.data
        if p == 1 or not use.puts:
            continue
        where = use.puts[0].site.op
        total = use.total()
        if total is None:
            raise op_error(
                where,
                f"stream @{name} packs {p} elements per transfer, but how many are put is not "
                "known at compile time",
            )
        if total % p:
            raise op_error(
                where,
                f"stream @{name} packs {p} elements per transfer, but {total} are put (not a "
                f"multiple of {p})",
            )


@dataclass(frozen=True)
class PhysicalMapPass(ModulePass):
    """Place every processing element of a mapped region on an NPU tile."""

    name = "dato-physical-map"

    device: str = "npu1"

    folding: str = "auto"
    """How the compiler folds more instances than cores: "auto" (greedy
    chains, else a 2-D grid cut into rectangles), "chains" (greedy chains
    only), "rectangles" (rectangles first, then greedy chains)."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        try:
            self._map_regions(op)
        finally:  # the trials' results serve this build's mapping only
            forget_unless_in_trial()

    def _map_regions(self, op: ModuleOp) -> None:
        device = devices.lookup(self.device)
        for region in [o for o in op.walk() if isinstance(o, dato.RegionOp)]:
            if device is None:
                raise op_error(
                    region,
                    f"unknown device '{self.device}'; known: {', '.join(devices.DEVICES)}",
                )
            if region.tasks():
                raise op_error(region.tasks()[0], "run dato-virtual-map before dato-physical-map")
            # a retile pass's trial may have placed this very region (npu_mapped_regions)
            entry = Entry(region, self.device, self.folding)
            placed = entry.recorded()
            if placed is not None:
                parent = region.parent_block()
                assert parent is not None
                parent.insert_op_before(placed, region)
                region.detach()
                region.erase()
                continue
            forward_array_flows(region)  # flows whose order the simulator guarantees
            check_no_array_flows(region, f"an NPU ({device.name})")
            if self.folding not in ("auto", "chains", "rectangles"):
                raise op_error(
                    region,
                    f"unknown folding '{self.folding}'; known: auto, chains, rectangles",
                )
            original = region.clone()
            errors: list[tuple[str, LocatedDiagnostic]] = []
            current = region
            tries: list[tuple[str, ChainPlan | None, bool | None, int | None]] = [
                (*attempt, None) for attempt in self.attempts(original, device)
            ]
            k = 0
            folded = _over_cores(original, device)
            pieces_tried = False
            while k < len(tries):
                what, blocks, count_streams, cores = tries[k]
                improve = count_streams is not False
                if k:
                    fresh = original.clone()
                    parent = current.parent_block()
                    assert parent is not None
                    parent.insert_op_before(fresh, current)
                    current.detach()
                    current.erase()
                    current = fresh
                try:
                    if what.endswith(RELAYING):
                        relay_odd_links(current, _spare_cores(current, device))
                    map_region(current, device, blocks, bool(count_streams), improve, cores)
                    # a folded grid's cores may overflow their program memory
                    # (many instances' code on one core): the next folding then
                    if folded:
                        overflow = program_overflow(current)
                        if overflow is not None:
                            raise overflow
                    break
                except LocatedDiagnostic as err:
                    errors.append((what, err))
                k += 1
                if k == len(tries) and not pieces_tried:
                    # every folding kept the loaders' cores: the pieces they
                    # cut in a loop read by their consumers instead (a DMA)
                    pieces_tried = True
                    elided = original.clone()
                    if _over_cores(original, device) and elide_loop_loaders(elided):
                        original = elided
                        tries += [
                            (f"{LOOP_LOADERS}, then {w}", *rest, None)
                            for w, *rest in self.attempts(elided, device)
                        ]
                        continue
                if k == len(tries) and self.folding != "rectangles":
                    tries += self.channel_folds(original, device, errors, tries)
            else:
                first = errors[0][1]
                if len(errors) == 1:
                    raise first
                message = str(first)
                same = []
                for what, err in errors[1:]:
                    if str(err) != str(first):
                        message += f"; {what} instead: {err}"
                    else:
                        same.append(what)
                if same:
                    message += f" (also tried {' and '.join(same)}: the same limit)"
                if "DMA channel" in message:
                    message += odd_cycle_note(original, device)
                if "input DMA channel" in message:
                    message += input_channel_note(original, device)
                raise LocatedDiagnostic(message) from None
            entry.record(current)

    @staticmethod
    def channel_folds(
        region: dato.RegionOp,
        device: devices.NpuDevice,
        errors: list[tuple[str, LocatedDiagnostic]],
        tries: list[tuple[str, ChainPlan | None, bool | None, int | None]],
    ) -> list[tuple[str, ChainPlan | None, bool | None, int | None]]:
        """Once every attempt failed and one of them over DMA channels (a
        tile's, a shim's or a memtile's): fold as if fewer cores were there,
        half of the cores the last fold had (or of the device), then a
        quarter, ... The instances then share cores through the greedy
        chains, bundles and loader folds map_region searches when there are
        more elements than cores, so a chain of parts turns the streams
        between them into locals and the cores' reads share DMA sequences:
        parallelism traded for channels. Runs only after the others failed
        (each attempt is a whole mapping); nothing once a fold onto fewer
        cores than an eighth of the instances was tried.

        The cost these folds minimise is the parallelism lost: the instances
        the busiest core runs in turn. So they go from the most cores to the
        fewest and the first that maps is kept; a chained core whose arrays a
        loader forwards gets the loader beside it in a column of loaders
        (loaders_beside_chains), which keeps the many-core folds within the
        shim's input channels instead of falling through to fewer cores."""
        if not any("channel" in str(err) for _, err in errors):
            return []
        tried = [c for *_, c in tries if c is not None]
        cores = (min(tried) if tried else device.compute_cores) // 2
        instances = sum(g.num_instances() for g in region.groups())
        while cores >= instances:
            cores //= 2  # as many cores as instances: the attempts made
        if cores < 2 or cores * 8 < instances:
            return []  # more than 8 instances a core: no DMA traffic left to share
        return [(f"folding as if {cores} cores were there (DMA channels)", None, False, cores)]

    def attempts(
        self, region: dato.RegionOp, device: devices.NpuDevice
    ) -> list[tuple[str, ChainPlan | None, bool | None]]:
        """The mappings tried in turn, until one fits: (what, rectangle plan,
        forward arrays counting streams). More instances than cores: the
        greedy chains (npu_chain_search.search_chains; when they leave
        lanes no stream joins, the lanes bundled: npu_folding.bundle_lanes,
        in the same attempt), then the grid cut
        into rectangles (search_blocks: streams between neighbours sharing
        memory); folding=rectangles tries the rectangles first. Else as
        placed, then with arrays forwarded past the streams a task gets.
        Last, for lanes no stream touches (a vector add with more lanes than
        the columns' shim and memtile channels feed one per core), the
        largest group chained onto half the cores, a quarter, ... (each
        column's cores then share a memtile distribute and join per array).
        When all of them fail with more elements than cores, `apply` tries
        them again on the region whose loop loaders are elided
        (npu_loop_loaders: a loader cutting its block in pieces in a loop
        is a DMA, not a core), before the channel folds."""
        out: list[tuple[str, ChainPlan | None, bool | None]] = []
        chains: tuple[str, ChainPlan | None, bool | None] = ("chaining instances", None, False)
        over = _over_cores(region, device)
        if self.folding != "rectangles":
            out.append(chains)
        if over and self.folding in ("auto", "rectangles"):
            blocks = search_blocks(
                region, stream_uses(region), list(device.compute_rows), device.columns
            )
            if isinstance(blocks, BlockPlan):
                out.append(("folding the grid in rectangles", blocks, False))
        if self.folding == "rectangles":
            out.append(chains)
        seen: list[list[list[str]]] = []
        uses = stream_uses(region)

        def pair(cores: int, fewest: bool) -> None:
            paired = pair_isomorphic(region, uses, cores, fewest)
            if isinstance(paired, ChainPlan) and paired.groups and paired.groups not in seen:
                seen.append(paired.groups)
                what = "chaining isomorphic instances"
                if cores < device.compute_cores:
                    what += f" onto {cores} cores"
                out.append((what, paired, False))

        if over and self.folding != "chains":
            for fewest in (True, False):
                pair(device.compute_cores, fewest)
        if not over:
            # None: the placement rearranged, arrays forwarded as before
            out.append(("moving elements to tiles sharing memory", None, None))
            out.append(("forwarding arrays past the streams", None, True))
            # an odd cycle's link between tiles not sharing memory: a relay
            # core on it (every task kept whole) when loaders did not do
            if relay_odd_links(region.clone(), _spare_cores(region, device)):
                out.append((RELAYING, None, False))
        if self.folding != "chains" and (over or not _streams_touch_largest_group(region, uses)):
            # the cores' DMA traffic beyond the shim's and memtiles' channels:
            # fewer cores, each running more isomorphic instances in turn
            # (parallelism traded for channels, halving the cores each time);
            # only lanes without streams (each stream chained onto one core
            # is one more fifo and its locks there)
            cores = device.compute_cores // 2
            while cores >= 1:
                pair(cores, False)
                cores //= 2
        return out


RELAYING = "relaying the odd rings' links through cores between their ends"
"""the attempt that first adds relays (npu_stream_embedding.relay_odd_links)"""

LOOP_LOADERS = "reading the pieces loaders cut in a loop in their consumers (no loader cores)"
"""the attempt that first elides loop loaders (npu_loop_loaders.elide_loop_loaders)"""


def loaders_beside_chains(
    region: dato.RegionOp, plan: ChainPlan, device: devices.NpuDevice
) -> dict[str, tuple[int, int]]:
    """Tiles for isomorphic chains whose arrays loaders forward
    (npu_forwarding.forward_to_chains): each loader's core on the row of its
    chain's core, one column west. The loaders then fill columns of their
    own and the chains the columns between, so a column's shim reads the
    chains' arrays or the loaders' ones, not both (a shim has two input
    channels per column, and the greedy snake put both kinds in every
    column: 8 chains of a GEMM with a bias refused on shim channels). Empty
    when there are no loaders or the pairs do not fit."""
    first = {n: g[0] for g in plan.groups for n in g}
    pairs: list[tuple[str, str]] = []
    by_inst = {i.name: grp for grp in region.groups() for i in grp.instances()}
    loaders = 0
    for g in plan.groups:
        attr = by_inst[g[0]].attributes.get(FORWARDS)
        if isinstance(attr, StringAttr):
            loaders += 1
            if attr.data in first:
                pairs.append((g[0], first[attr.data]))
    chains = [c for _, c in pairs]
    if not pairs or len(pairs) < loaders or len(set(chains)) < len(chains):
        # a loader of an instance left alone, or two loaders for one chain:
        # the greedy placement puts them next to their tasks
        return {}
    rows = list(device.compute_rows)
    if len(pairs) > len(rows) * (device.columns // 2):
        return {}
    preset: dict[str, tuple[int, int]] = {}
    for k, (loader, chain) in enumerate(pairs):
        col, row = 2 * (k // len(rows)), rows[k % len(rows)]
        preset[loader] = (col, row)
        preset[chain] = (col + 1, row)
    return preset


def _streams_touch_largest_group(region: dato.RegionOp, uses: dict[str, StreamUses]) -> bool:
    """Whether a stream joins an instance of the group pair_isomorphic chains."""
    groups = region.groups()
    if not groups:
        return True
    names = {i.name for i in largest_group(groups).instances()}
    return any(u.instance in names for use in uses.values() for u in (*use.puts, *use.gets))


def odd_cycle_note(region: dato.RegionOp, device: devices.NpuDevice) -> str:
    """For a refusal: the streams closing cycles of odd length (which cannot
    all join tiles sharing memory: the grid is bipartite) when too few cores
    are free to relay them (npu_stream_embedding.relay_odd_links)."""
    uses = stream_uses(region)
    odd = odd_links(uses, [i.name for g in region.groups() for i in g.instances()])
    spare = _spare_cores(region, device)
    if not odd or len(odd) <= spare:
        return ""
    named = ", ".join(f"@{n} ({uses[n].producer} to {uses[n].consumer})" for n in odd[:3])
    more = f" and {len(odd) - 3} more" if len(odd) > 3 else ""
    return (
        f"; the streams {named}{more} close cycles of odd length, which cannot all join "
        f"tiles sharing memory (the grid of tiles is bipartite): a relay core on each needs "
        f"{len(odd)} free compute cores, {max(spare, 0)} of {device.compute_cores} are free"
    )


def input_channel_note(region: dato.RegionOp, device: devices.NpuDevice) -> str:
    """For a refusal over a tile's input channels, when counting alone shows
    one core per instance cannot work: each instance reads each array it
    reads through a channel of its own, and of the pairs of instances its
    streams join, at most as many as the compute array has neighbouring
    pairs of tiles (which share memory) need none; the others take at least
    one more. More than the cores' S2MM channels: no placement of those
    cores fits (a 4x4 torus on 4x4 cores: 32 blocks + 8 links, 32 channels)."""
    groups = region.groups()
    instances = sum(g.num_instances() for g in groups)
    rows, cols = len(device.compute_rows), device.columns
    if not groups or instances > rows * cols:
        return ""
    reads = 0
    for group in groups:
        plan = plan_group(group)
        reads += sum(plan.reads) * group.num_instances()
    pairs = {
        frozenset((u.producer, u.consumer))
        for u in stream_uses(region).values()
        if u.producer is not None and u.consumer is not None and u.producer != u.consumer
    }
    neighbours = rows * (cols - 1) + cols * (rows - 1)
    links = max(0, len(pairs) - neighbours)
    have = instances * device.compute.dma_s2mm_channels
    if reads + links <= have:
        return ""
    return (
        f"; one core per instance cannot fit: the {instances} instances read {reads} array "
        f"blocks through channels of their own, and their streams join {len(pairs)} pairs of "
        f"instances, of which at most {neighbours} can be neighbours sharing memory on "
        f"{device.name}'s {rows}x{cols} compute tiles, so at least {links} more go by DMA: "
        f"{reads + links} input channels, {instances} cores have {have}"
    )


def _spare_cores(region: dato.RegionOp, device: devices.NpuDevice) -> int:
    return device.compute_cores - sum(g.num_instances() for g in region.groups())


def _over_cores(region: dato.RegionOp, device: devices.NpuDevice) -> bool:
    return sum(g.num_instances() for g in region.groups()) > device.compute_cores


def map_region(
    region: dato.RegionOp,
    device: devices.NpuDevice,
    blocks: ChainPlan | None = None,
    count_streams: bool = False,
    improve: bool = False,
    cores: int | None = None,
) -> None:
    """Fold, place and check one region (see the module doc); the compiler's
    folding, when there are more elements than cores: loader/drain chains,
    else the greedy chains (npu_chain_search), else isomorphic lanes bundled
    (npu_folding.bundle_lanes); the refusal names each one tried. `blocks`: the
    rectangle folding to use instead of the greedy chains (npu_chain_search);
    `count_streams`: forward arrays counting the streams a task gets too
    (npu_forwarding); `improve`: rearrange the placement while a tile is over
    its DMA channels (Placer.improve_placement); `cores`: fold as if only that
    many compute cores were there (PhysicalMapPass.channel_folds)."""
    limit = device.compute_cores if cores is None else cores
    if blocks is not None and not isinstance(blocks, BlockPlan):
        total = sum(g.num_instances() for g in region.groups())
        # arrays over the chained cores' input channels: loaders on the freed cores
        forwarded = forward_to_chains(
            region,
            {g.sym_name.data: plan_group(g) for g in region.groups()},
            device.compute.dma_s2mm_channels,
            blocks,
            device.compute_cores,
        )
        note = ""
        if isinstance(forwarded, SearchFailure):
            note = f"; forwarding arrays to the chains: {forwarded.reason}"
            if forwarded.changed:
                # loaders added but the chained cores cannot run them in order
                raise op_error(
                    region.groups()[0],
                    f"{total} instances for {device.compute_cores} compute cores, chained "
                    + "; ".join("-".join(g) for g in blocks.groups)
                    + note,
                )
        elif forwarded is not None:
            loaders = len(forwarded.groups) - len(blocks.groups)
            blocks = forwarded
            note = (
                f"; {loaders} loader cores forward the arrays over the chained cores' "
                "input channels"
            )
        placer = Placer(region, device)
        placer.isomorphic = True
        record_chain_plan(region, blocks)
        placer.preset = loaders_beside_chains(region, blocks, device)
        placer.chain_note = (
            f"{total} instances for "
            f"{device.compute_cores} compute cores: the compiler chained isomorphic instances "
            + "; ".join("-".join(g) for g in blocks.groups)
            + note
        )
        map_placed(region, device, placer, placer.processing_elements())
        return
    if blocks is not None:
        # the shares between neighbours change groups: before the placer plans them
        fold_in_rectangles(region, blocks, device)
        placer = Placer(region, device)
        placer.preset = blocks.tiles
        placer.chain_note = (
            f"{len(blocks.tiles)} instances for {device.compute_cores} compute cores: the "
            f"compiler cut the grid{' (transposed)' if blocks.transposed else ''} into rectangles "
            f"of rows {blocks.rows} x columns {blocks.cols}, one per core (at most "
            f"{blocks.work} stream elements per core)"
        )
        map_placed(region, device, placer, placer.processing_elements())
        return
    # arrays over a tile's output (then input) channels go through a neighbour's DMA
    instances = sum(g.num_instances() for g in region.groups())
    instances += len(
        forward_outputs(
            region,
            {g.sym_name.data: plan_group(g) for g in region.groups()},
            device.compute.dma_s2mm_channels,
            device.compute.dma_mm2s_channels,
            max(0, limit - instances),
            count_streams,
        )
    )
    forward_inputs(
        region,
        {g.sym_name.data: plan_group(g) for g in region.groups()},
        device.compute.dma_s2mm_channels,
        max(0, limit - instances),
        count_streams,
    )
    placer = Placer(region, device)
    placer.improve = improve
    pes = placer.processing_elements()
    # too many elements: the compiler's own chains (after the user's primitives)
    arrays = {
        inst.name: sum(r or w for r, w in placer.moves(group, inst))
        for group in region.groups()
        for inst in group.instances()
    }
    placer.folds = choose_folds(region, placer.uses, arrays, len(pes), limit)
    excess = len(pes) - limit
    if excess > len(placer.folds):
        # loader/drain chains are not enough: chain processing elements
        moved = {
            inst.name: (
                sum(r for r, _ in placer.moves(group, inst)),
                sum(w for _, w in placer.moves(group, inst)),
            )
            for group in region.groups()
            for inst in group.instances()
        }
        chained = search_chains(region, placer.uses, limit, len(pes), moved, 2)
        if isinstance(chained, ChainPlan):
            placer.folds = []
            record_chain_plan(region, chained)
            placer.chain_note = (
                f"{len(pes)} processing elements for {limit} compute "
                f"cores: the compiler chained "
                + "; ".join("-".join(g) for g in chained.groups)
                + "; "
                + describe_chains(chained)
            )
            pes = placer.processing_elements()
        elif chained.reason:
            # chains leave lanes no stream joins: bundle isomorphic lanes (a
            # design without streams is chained by pair_isomorphic instead)
            bundled = bundle_lanes(region, placer.uses, limit)
            if isinstance(bundled, BundlePlan):
                placer.folds = []
                record_bundle_plan(region, bundled)
                placer.chain_note = (
                    f"{len(pes)} processing elements for {limit} compute cores: "
                    f"the compiler chained {sum(len(lane) > 1 for lane in bundled.lanes)} lanes "
                    f"and bundled them {bundled.per_core} per core, neighbouring lanes together "
                    f"({len(bundled.bundles)} bundles: "
                    + "; ".join(
                        " + ".join("-".join(bundled.lanes[i]) for i in core)
                        for core in bundled.bundles[:3]
                    )
                    + ("; ..." if len(bundled.bundles) > 3 else "")
                    + ")"
                )
                pes = placer.processing_elements()
            else:
                placer.chain_failure = (
                    f"{chained.reason}; bundling isomorphic lanes: {bundled.reason}"
                )
        else:
            placer.chain_failure = chained.reason
    if placer.folds:
        record_folds(region, placer.folds)
        pes = placer.processing_elements()
    map_placed(region, device, placer, pes)


def map_placed(
    region: dato.RegionOp, device: devices.NpuDevice, placer: Placer, pes: list[PE]
) -> None:
    """Place the folded elements, check their tiles and plan the transfers."""
    shared = placer.place_bundled_gemm(pes)
    try:
        k_tiles = placer.place_and_check(pes, shared)
    except LocatedDiagnostic as err:
        merged = (
            merge_streams_between_cores(region, pes, placer.isomorphic) if placer.chain_note else ""
        )
        if not merged:
            if placer.chain_note:
                raise LocatedDiagnostic(f"{err} ({placer.chain_note})") from None
            raise
        # the streams changed: count and place again
        clear_routes(region)
        note = f"{placer.chain_note}; {merged}"
        preset = placer.preset
        placer = Placer(region, device)
        placer.chain_note = note
        placer.preset = preset
        pes = placer.processing_elements()
        shared = placer.place_bundled_gemm(pes)
        try:
            k_tiles = placer.place_and_check(pes, shared)
        except LocatedDiagnostic as again:
            raise LocatedDiagnostic(f"{again} ({note})") from None
    # only its refusal matters: npu_transfers chooses the shim columns
    placer.assign_columns()
    tile_of = {name: pe.tile for pe in pes for name in pe.names}
    for group in region.groups():
        flat: list[int] = []
        for inst in group.instances():
            flat += list(tile_of[inst.name])  # type: ignore[arg-type]
        group.attributes["dato.tiles"] = DenseArrayBase.from_list(i64, flat)
        if group.sym_name.data in k_tiles:
            group.attributes["dato.k_tile"] = IntegerAttr(k_tiles[group.sym_name.data], i64)
    region.attributes["dato.device"] = StringAttr(device.name)
    record_padding(region, placer.padding)
    for decl in region.streams():
        rows = stream_rows(decl, device.memcpy_nd.word_bits)
        if rows is not None:
            decl.attributes[PADDED_ROWS] = DenseArrayBase.from_list(i64, list(rows))
    # shim/memtile channels and memtile memory of the data movement
    plan_transfers(region, device)
    pack_narrow_streams(placer, tile_of)  # type: ignore[arg-type]
    check_dma_words(placer, tile_of, k_tiles)  # type: ignore[arg-type]
    check_packing(placer.uses)
