"""How each global array moves between the host and the compute tiles.

From a placed region (`dato-physical-map`): for every region argument, the
distinct blocks instances read or write, and the route of each: a single
consumer (or broadcast) block goes straight from the shim; several blocks go
through a memtile, split from one shim transfer by a distribute link (reads) or
joined into one (writes, one join per column of producers). A core running
several members (a bundle or chain) takes an array's blocks in turn through
one fifo; when one shim channel per such core does not fit, each column's
cores share one memtile distribute (and join) per array, the shim moving
block s of every core of the column in one object. When no such plan fits,
whole blocks are packed over the device, writes first (only the joins the
shim's outputs fall short by, then reads from the memtiles with the most
outputs left); when that fails too, the refusal counts the host links the
cores need against the most the channels can carry. Shim and memtile
channels and memtile memory are checked against the device model; physical
mapping calls this to refuse what does not fit, the aie lowering to emit it."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import NoReturn

from xdsl.dialects.builtin import DenseArrayBase, IntegerAttr, MemRefType

from dato_xdsl import devices
from dato_xdsl.diagnostics import LocatedDiagnostic, op_error
from dato_xdsl.dialects import dato
from dato_xdsl.dialects.aie import element_bits, element_bytes
from dato_xdsl.transforms.npu_padding import padded_offsets, padded_shape, read_padding
from dato_xdsl.transforms.npu_plan import GroupPlan, StreamedMatmul, plan_group
from dato_xdsl.transforms.npu_stream_reads import row_pieces, row_repeats, row_written
from dato_xdsl.transforms.npu_stream_routes import joined_reads, read_routes, record_route
from dato_xdsl.transforms.npu_write_boxes import shared_write_boxes
from dato_xdsl.transforms.stream_access import stream_uses


@dataclass
class Block:
    """One distinct slice of a global array and the tiles that use it."""

    offsets: tuple[int, ...]
    shape: tuple[int, ...]
    tiles: list[tuple[int, int]] = field(default_factory=list)
    users: list[str] = field(default_factory=list)
    step: tuple[int, ...] = ()
    """Per dim, the distance between the block's elements in the array (a
    strided write box, npu_write_boxes); () when all 1."""
    source: int | None = None
    """The argument the block is of when not its transfer's: the second of
    joined reads (npu_stream_routes.JOINED_READS), which follows the first
    through its fifo."""

    def steps(self) -> tuple[int, ...]:
        return self.step or (1,) * len(self.shape)


@dataclass
class Transfer:
    """One shim transfer of an argument: its blocks, column, and how far each
    block is streamed in K tiles (`k_axis`, `k_tile`; None when whole)."""

    arg: int
    name: str
    is_read: bool
    column: int
    blocks: list[Block]
    k_axis: int | None = None
    k_tile: int = 0
    depth: int = 1
    sequential: bool = False
    """The blocks go one after another through one fifo to one tile (the
    members a bundle or chain runs there, in their order)."""
    parts: int = 0
    """A write that joins `parts` such sequences (one per core, of equal
    length) in a memtile: `blocks` are in the order the shim receives them,
    step-major (step s: block s of each core), so each joined object holds one
    block of every core."""

    held: int = 0
    """Objects each core's fifo holds at once when its sequence is a member's
    joined reads (Block.source): all of them, taken before the body runs;
    0: one (`depth` for a transfer straight from the shim)."""

    memtile_depth: int = 0
    """Objects the memtile side of a distribute (streamed, or of cores' read
    sequences) holds when more than `depth` (every step, for cores not
    running in step); 0: `depth`."""

    @property
    def via_memtile(self) -> bool:
        return len(self.blocks) > 1 and not self.sequential

    def tile_shape(self) -> tuple[int, ...]:
        """The object one block's fifo carries (a K tile when streaming)."""
        shape = list(self.blocks[0].shape)
        if self.k_axis is not None:
            shape[self.k_axis] = self.k_tile
        return tuple(shape)

    def steps(self) -> int:
        if self.k_axis is None:
            return 1
        return self.blocks[0].shape[self.k_axis] // self.k_tile


def group_tiles(group: dato.GroupOp) -> list[tuple[int, int]]:
    attr = group.attributes.get("dato.tiles")
    if not isinstance(attr, DenseArrayBase):
        raise op_error(group, "group is not placed; run dato-physical-map first")
    flat = attr.get_values()
    return [(int(flat[k]), int(flat[k + 1])) for k in range(0, len(flat), 2)]


def k_tile_of(group: dato.GroupOp) -> int | None:
    attr = group.attributes.get("dato.k_tile")
    return attr.value.data if isinstance(attr, IntegerAttr) else None


ChannelUse = dict[int, tuple[int, int, int, int, int]]
"""Per column: shim input and output channels, memtile input and output
channels and memtile bytes already in use (TransferPlanner._take's order)."""


BlockKey = tuple[
    tuple[int, ...], tuple[int, ...], tuple[int, int] | None, tuple[int, ...], int | None
]
"""A block of one argument: offsets, shape, K streaming (axis, tile), steps
(npu_write_boxes' strided boxes; () when all 1) and the argument it is of
when not the table's (Block.source)."""


@dataclass
class ShapeKind:
    """An argument's blocks of one shape and one K streaming: one object type,
    so they can share a memtile distribute or join, a sequence or a broadcast."""

    shape: tuple[int, ...]
    stream: tuple[int, int] | None
    blocks: list[Block]


def shape_kinds(blocks: dict[BlockKey, Block]) -> list[ShapeKind]:
    """`blocks` split by shape, streaming and steps (one transfer's access
    pattern has one step per dim), in the order each kind first occurs."""
    kinds: dict[tuple[tuple[int, ...], tuple[int, int] | None, tuple[int, ...]], ShapeKind] = {}
    for (_, shape, stream, step, _), block in blocks.items():
        kinds.setdefault((shape, stream, step), ShapeKind(shape, stream, [])).blocks.append(block)
    return list(kinds.values())


def overlapping_writes(region: dato.RegionOp, name: str, kinds: list[ShapeKind]) -> None:
    """Refuse blocks of two shapes that two instances both write in part: the
    DMA writes would land in an order the program does not fix."""
    for i, one in enumerate(kinds):
        for other in kinds[i + 1 :]:
            for a in one.blocks:
                for b in other.blocks:
                    # a strided block is taken as its bounding rectangle
                    if all(
                        oa < ob + (sb - 1) * tb + 1 and ob < oa + (sa - 1) * ta + 1
                        for oa, sa, ta, ob, sb, tb in zip(
                            a.offsets,
                            a.shape,
                            a.steps(),
                            b.offsets,
                            b.shape,
                            b.steps(),
                            strict=True,
                        )
                    ):
                        raise op_error(
                            region,
                            f"instances {a.users[0]} and {b.users[0]} both write {name} where "
                            f"their blocks {list(a.shape)} at {list(a.offsets)} and "
                            f"{list(b.shape)} at {list(b.offsets)} overlap; NPU outputs need one "
                            "writer per element",
                        )


class TransferShortage(LocatedDiagnostic):
    """A plan that found no column with the shim or memtile channels or the
    memtile memory it needs; `reason` is what fell short, without the
    location and the device's figures."""

    def __init__(self, op: dato.RegionOp, reason: str, message: str) -> None:
        super().__init__(str(op_error(op, message)))
        self.reason = reason


class TransferPlanner:
    by_column = False
    """Reads through memtiles in chunks of one column's cores each, from
    that column's memtile first (else as balanced chunks of any cores)."""
    any_column = False
    """With `spread`: the cores' sequences of one length and block shape
    share distributes and joins whatever their columns (balanced chunks of
    a memtile's channels), instead of one per column and length (a folded
    FIR's chains of 2 and 4 taps in one column took two shim channels)."""
    writes_first = False
    """Whole blocks (not streamed, one per core and array) are packed onto the
    device as a whole, writes first: only as many blocks as the shim lacks
    output channels for are joined in memtiles (each join takes a memtile
    output, which reads routed first would have taken: 12 cores each reading
    two arrays and writing one take all 24 memtile outputs of npu1 with one
    distribute per 6 reads), then reads are distributed from the memtile with
    the most outputs left, largest array first, the last ones straight from
    shim channels (see pack_writes, pack_reads)."""

    def __init__(
        self,
        region: dato.RegionOp,
        device: devices.NpuDevice,
        broadcast: bool = False,
        spread: bool = False,
        reserved: ChannelUse | None = None,
    ) -> None:
        self.region = region
        self.device = device
        # tiles reading the same blocks in the same order share one transfer
        self.broadcast = broadcast
        # cores' block sequences share a memtile per column: one distribute
        # (reads) or join (writes) per column instead of a shim channel per core
        self.spread = spread
        self.plans: dict[str, GroupPlan] = {g.sym_name.data: plan_group(g) for g in region.groups()}
        cols = device.columns
        self.shim_in = [0] * cols
        self.shim_out = [0] * cols
        self.mem_in = [0] * cols
        self.mem_out = [0] * cols
        self.mem_bytes = [0] * cols
        if reserved is not None:  # taken by a design beside this one (a bundled GEMM's)
            for col, use in reserved.items():
                self._take(col, *use)
        self.run_order = run_order(region)
        # streams joined or distributed through a memtile (physical mapping's choice)
        # (its own column first, else the nearest with room; the choice is recorded)
        for route in read_routes(region):
            n = len(route.streams)
            s2mm, mm2s = (n, 1) if route.kind == "join" else (1, n)
            order = sorted(range(cols), key=lambda c: (abs(c - route.column), c))
            col = next(
                (c for c in order if self._take(c, 0, 0, s2mm, mm2s, route.memtile_bytes())), None
            )
            if col is None:
                self._fail(
                    f"the {route.kind} of streams {', '.join('@' + s for s in route.streams)}",
                    f"{s2mm} input and {mm2s} output channels and {route.memtile_bytes()} bytes "
                    "on one memtile",
                )
            elif col != route.column:
                route.column = col
                record_route(region, route)

    def plan(self) -> list[Transfer]:
        reads, writes, names = self.blocks()
        return self.route(reads, writes, names)

    def blocks(
        self,
    ) -> tuple[dict[int, dict[BlockKey, Block]], dict[int, dict[BlockKey, Block]], list[str]]:
        """Per argument, the blocks read and written, and the arguments' names."""
        # per argument, its blocks by (offsets, shape, K streaming): readers of
        # one block in two shapes (a task sharding an array another reads
        # whole) or streamed by one and not another take separate fifos, each
        # carrying its own object type
        reads: dict[int, dict[BlockKey, Block]] = {}
        writes: dict[int, dict[BlockKey, Block]] = {}
        names = [a.name_hint or f"arg{k}" for k, a in enumerate(self.region.args)]
        padding = read_padding(self.region)
        shared = shared_write_boxes(self.region, {n: p.writes for n, p in self.plans.items()})
        for group in self.region.groups():
            plan = self.plans[group.sym_name.data]
            tiles = group_tiles(group)
            kt = k_tile_of(group)
            mm = plan.matmul or plan.local_matmul
            body_args = group.body.block.args
            boxes = [shared.get((group.sym_name.data, k)) for k in range(len(group.args))]
            row_streamed = row_pieces(group)
            repeats = row_repeats(group)
            streamed_out = row_written(group)  # its stores fill every piece sent
            joined = joined_reads(group)
            for inst, tile in zip(group.instances(), tiles, strict=True):
                for k, operand in enumerate(group.args):
                    index = self.region.args.index(operand)
                    # the second of joined reads goes in the first's table
                    source = None
                    if joined is not None and k == joined[1]:
                        source = index
                        index = self.region.args.index(group.args[joined[0]])
                    t = body_args[k].type
                    assert isinstance(t, MemRefType)
                    # a padded array moves in padded blocks (see npu_padding)
                    rows = padding.get(index)
                    shape = tuple(padded_shape(t.get_shape(), rows) if rows else t.get_shape())
                    offsets = padded_offsets(inst.offsets[k], rows)
                    box = boxes[k].get(inst.name) if boxes[k] else None
                    step: tuple[int, ...] = ()
                    if box is not None:  # this instance's part of a shared output
                        shape = tuple(padded_shape(box.shape, rows) if rows else box.shape)
                        offsets = padded_offsets(box.offsets, rows)
                        step = box.step
                        if step:
                            self.check_strided_box(group, inst.name, names[index], box.step, t)
                    stream = None
                    if mm is not None and kt is not None and k in (mm.a, mm.b):
                        stream = (1 if k == mm.a else 0, kt)
                    elif k in row_streamed:  # a piece at a time (npu_stream_reads)
                        stream = (0, row_streamed[k].get_shape()[0])
                    for is_read, table in ((True, reads), (False, writes)):
                        if not (plan.reads[k] if is_read else plan.writes[k]):
                            continue
                        if not is_read and source is not None:
                            index = source  # (joined reads are never written)
                        if is_read and box is not None and box.whole:
                            continue  # its stores write all of the box
                        if is_read and k in streamed_out and box is None:
                            continue  # every piece is stored whole: no host copy
                        blocks = table.setdefault(index, {})
                        out_stream = stream if k in streamed_out and box is None else None
                        src = source if is_read else None
                        key = (offsets, shape, stream if is_read else out_stream, step, src)
                        block = blocks.setdefault(key, Block(offsets, shape, step=step, source=src))
                        if not is_read and block.users:
                            raise op_error(
                                group,
                                f"instances {block.users[0]} and {inst.name} both write block "
                                f"{list(inst.offsets[k])} of {names[index]}; NPU outputs need one "
                                "writer per block",
                            )
                        # a block streamed by rows again for each run of
                        # the loops around its row loop (npu_stream_reads)
                        again = repeats.get(k, 1) if is_read else 1
                        block.tiles += [tile] * again
                        block.users += [inst.name] * again
        return reads, writes, names

    def route(
        self,
        reads: dict[int, dict[BlockKey, Block]],
        writes: dict[int, dict[BlockKey, Block]],
        names: list[str],
    ) -> list[Transfer]:
        # routed per (argument, read or write); listed argument by argument,
        # reads first, whatever the order of routing
        routed: dict[tuple[int, bool], list[Transfer]] = {}
        for index in range(len(self.region.args)):
            overlapping_writes(self.region, names[index], shape_kinds(writes.get(index, {})))
        if not self.writes_first:
            for index in range(len(self.region.args)):
                for kind in shape_kinds(reads.get(index, {})):
                    routed.setdefault((index, True), []).extend(
                        self.route_reads(index, names[index], kind.blocks, kind.stream)
                    )
                for kind in shape_kinds(writes.get(index, {})):
                    routed.setdefault((index, False), []).extend(
                        self.route_writes(index, names[index], kind.blocks, kind.stream)
                    )
        else:
            # whole blocks, one per core, are packed below; the others
            # (streamed, or a core's sequence) are routed as in other plans
            packed: dict[bool, list[tuple[int, list[Block]]]] = {True: [], False: []}
            for is_read in (False, True):
                table = reads if is_read else writes
                for index in range(len(self.region.args)):
                    for kind in shape_kinds(table.get(index, {})):
                        if kind.stream is None and not self.sequential_blocks(kind.blocks)[0]:
                            packed[is_read].append((index, kind.blocks))
                            continue
                        route = self.route_reads if is_read else self.route_writes
                        routed.setdefault((index, is_read), []).extend(
                            route(index, names[index], kind.blocks, kind.stream)
                        )
            joins = self.pack_writes(names, packed[False], bool(packed[True]))
            for t in joins + self.pack_reads(names, packed[True]):
                routed.setdefault((t.arg, t.is_read), []).append(t)
        transfers = [
            t
            for index in range(len(self.region.args))
            for is_read in (True, False)
            for t in routed.get((index, is_read), [])
        ]
        self.check_in_step(transfers)
        return transfers

    def host_link_shortage(self) -> str | None:
        """Why no plan can fit, when counting shows it: the host links the
        cores need (a fifo per block, or per core's sequence of blocks,
        either way) against what the shim and memtile channels left can
        carry at best. Each written link takes a shim output channel, or a
        memtile input of a join (of at most a memtile's inputs) that takes
        one shim output and one memtile output; each read link a shim input
        channel, or a memtile output of a distribute that takes a shim input
        in its column. So a column serves at most its free shim inputs - 1
        + its free memtile outputs reads, less the outputs its joins take."""
        reads, writes, names = self.blocks()
        d = self.device
        links: dict[bool, int] = {}
        alone: list[str] = []  # read kinds of one link: no distribute can share
        for is_read, table in ((True, reads), (False, writes)):
            count = 0
            for index, per_arg in table.items():
                for kind in shape_kinds(per_arg):
                    sequences, rest = self.sequential_blocks(list(kind.blocks))
                    n = len(rest) + len({tuple(b.offsets for b in q) for _, q in sequences})
                    count += n
                    if is_read and n == 1:
                        alone.append(f"{names[index]} {list(kind.shape)}")
            links[is_read] = count
        cols = range(d.columns)
        shim_in = [d.shim.dma_mm2s_channels - self.shim_in[c] for c in cols]
        if len(alone) > sum(shim_in):
            return (
                f"the cores read {len(alone)} blocks each of a shape no other block of its "
                f"array has ({', '.join(alone[:4])}{', ...' if len(alone) > 4 else ''}); a "
                "memtile distribute (as this compiler lowers it) splits one object into parts "
                "of one shape, so each takes a shim input channel of its own, and "
                f"{d.describe()} has {sum(shim_in)} free; "
                "blocks of fewer distinct shapes (cores reading equal parts) would fit"
            )
        shim_out = sum(d.shim.dma_s2mm_channels - self.shim_out[c] for c in cols)
        mem_out = [d.memtile.dma_mm2s_channels - self.mem_out[c] for c in cols]
        per_join = d.memtile.dma_s2mm_channels - 1  # links a join saves
        joins = max(0, -(-(links[False] - shim_out) // per_join))
        best = 0
        idle = 0  # memtile outputs no read can use (no shim input, or one output)
        for si, mo in zip(shim_in, mem_out, strict=True):
            if si >= 1 and mo >= 2:
                best += si - 1 + mo
            else:
                best += si
                idle += mo
        best -= max(0, joins - idle)
        if links[True] <= best:
            return None
        return (
            f"the cores read {links[True]} blocks or sequences of blocks from the host and "
            f"write {links[False]}, each through its own fifo; {d.describe()} has "
            f"{sum(shim_in)} shim input and {shim_out} shim output channels and "
            f"{sum(mem_out)} memtile output channels free: writing {links[False]} through "
            f"{shim_out} shim outputs takes at least {joins} memtile join(s) (of up to "
            f"{per_join + 1} fifos, a memtile output each), which leaves at most {best} read "
            "links (a shim input each, or a memtile output of a distribute that takes a shim "
            "input of its column); fewer cores or arrays per core, or an output each core "
            "writes whole (no host copy read first), would fit"
        )

    def check_strided_box(
        self, group: dato.GroupOp, inst: str, name: str, step: tuple[int, ...], t: MemRefType
    ) -> None:
        """A strided box's last dim moves one element per DMA step: the shim
        DMA steps in whole 32-bit words, so that needs word-wide elements."""
        word = self.device.memcpy_nd.word_bits
        bits = element_bits(t.element_type)
        if step[-1] > 1 and bits < word:
            raise op_error(
                group,
                f"{inst} writes elements of {name}'s rows {step[-1]} apart ({t.element_type}, "
                f"{bits} bits each): the host DMA moves whole {word}-bit words, so it cannot "
                f"scatter single {bits}-bit elements; store runs of {word // bits} neighbouring "
                f"elements, or use {word}-bit elements",
            )

    def _take(
        self, col: int, shim_in: int, shim_out: int, mem_in: int, mem_out: int, mem_bytes: int
    ) -> bool:
        d = self.device
        ok = (
            self.shim_in[col] + shim_in <= d.shim.dma_mm2s_channels
            and self.shim_out[col] + shim_out <= d.shim.dma_s2mm_channels
            and self.mem_in[col] + mem_in <= d.memtile.dma_s2mm_channels
            and self.mem_out[col] + mem_out <= d.memtile.dma_mm2s_channels
            and self.mem_bytes[col] + mem_bytes <= d.memtile.data_memory_bytes
        )
        if ok:
            self.shim_in[col] += shim_in
            self.shim_out[col] += shim_out
            self.mem_in[col] += mem_in
            self.mem_out[col] += mem_out
            self.mem_bytes[col] += mem_bytes
        return ok

    def _fail(self, what: str, need: str) -> NoReturn:
        d = self.device
        raise TransferShortage(
            self.region,
            f"{what} needs {need} (in use per column: shim in {self.shim_in}, out "
            f"{self.shim_out}, memtile in {self.mem_in}, out {self.mem_out})",
            f"{what} needs {need}; no column of {d.describe()} has that left (per column: shim "
            f"{d.shim.dma_mm2s_channels} in / {d.shim.dma_s2mm_channels} out channels, memtile "
            f"{d.memtile.dma_s2mm_channels}/{d.memtile.dma_mm2s_channels} channels and "
            f"{d.memtile.data_memory_bytes // 1024} KiB; in use: shim in {self.shim_in}, shim out "
            f"{self.shim_out}, memtile in {self.mem_in}, out {self.mem_out}, KiB "
            f"{[b // 1024 for b in self.mem_bytes]})",
        )

    def route_reads(
        self, index: int, name: str, blocks: list[Block], streamed: tuple[int, int] | None
    ) -> list[Transfer]:
        blocks.sort(key=lambda b: b.offsets)
        elem = element_bytes(self._arg_type(index))
        k_axis, k_tile = streamed if streamed is not None else (None, 0)
        depth = 2 if streamed is not None else 1
        out: list[Transfer] = []
        sequences, blocks = self.sequential_blocks(blocks)
        if self.broadcast:
            sequences = broadcast_sequences(sequences)
        if self.spread and streamed is None:
            out += self.distribute_sequences(index, name, sequences)
            sequences = []
        elif self.spread and sequences:
            # streamed: each block's pieces in order are a sequence of blocks
            # of the piece's shape (what the core's fifo carries anyway)
            pieces = [
                (tile, [p for b in seq for p in stream_pieces(b, *streamed)])
                for tile, seq in sequences
            ]
            out += self.distribute_sequences(index, name, pieces)
            sequences = []
        for tile, seq in sequences:
            t = Transfer(index, name, True, 0, seq, k_axis, k_tile, depth, sequential=True)
            if any(b.source is not None for b in seq):
                t.depth = t.held = len(seq)  # a member's joined reads, held together
            self._route_direct(t, True, tile[0], f"reading {name} ({len(seq)} block(s))")
            out.append(t)
        if not blocks:
            return out
        limit = self.device.memtile.dma_mm2s_channels
        # balanced chunks leave room on each memtile for the joins of its column
        n_chunks = -(-len(blocks) // limit)
        size = -(-len(blocks) // n_chunks)
        chunks = [blocks[i : i + size] for i in range(0, len(blocks), size)]
        if self.by_column:
            columns: dict[int, list[Block]] = {}
            for b in blocks:
                columns.setdefault(min(c for c, _ in b.tiles), []).append(b)
            chunks = [
                found[i : i + limit]
                for _, found in sorted(columns.items())
                for i in range(0, len(found), limit)
            ]
        while chunks:
            chunk = chunks.pop(0)
            t = Transfer(index, name, True, 0, chunk, k_axis, k_tile, depth)
            obj = math.prod(t.tile_shape()) * elem * len(chunk)
            preferred = sorted({c for b in chunk for c, _ in b.tiles})
            order = preferred + [c for c in range(self.device.columns) if c not in preferred]
            # a distribute streamed to cores not in step holds every step on
            # the memtile: a core's next piece then never waits for another
            # core that waits for it (on a stream, or running other code)
            held = depth
            if streamed is not None and t.via_memtile and t.steps() > depth:
                if not self.in_step(sorted({c for b in chunk for c in b.tiles})):
                    held = t.memtile_depth = t.steps()
            for col in order:
                if t.via_memtile:
                    if self._take(col, 1, 0, 1, len(chunk), obj * held):
                        break
                elif self._take(col, 1, 0, 0, 0, 0):
                    break
            else:
                # no memtile has that many outputs left: split the chunk into
                # distributes the roomiest memtile still takes (a shim channel
                # each; never single blocks, a shim channel for one core)
                room = self._distribute_room(obj // len(chunk) * held)
                if 2 <= room < len(chunk):
                    chunks[:0] = [chunk[:room], chunk[room:]]
                    continue
                if len(chunk) > 1 and self._short_of_memory(len(chunk), obj * held):
                    # memtiles with the channels but not the memory (cores not
                    # in step need every step held): each block straight from
                    # a shim channel, its core's column first, no core waiting
                    # for another
                    chunks[:0] = [[b] for b in chunk]
                    continue
                self._fail(f"reading {name} ({len(chunk)} block(s))", "a free shim input channel")
            t.column = col
            out.append(t)
        return out

    def pack_writes(
        self, names: list[str], kinds: list[tuple[int, list[Block]]], reads: bool
    ) -> list[Transfer]:
        """Whole blocks written by cores (`writes_first`): each straight to a
        shim output channel, except as many joined in memtiles as the shim
        lacks channels for (a join of k blocks saves k - 1 of them and takes
        one memtile output), each join as large as needed and the memtile has
        inputs for, of blocks next to each other in the array. With `reads`
        to pack after, a join leaves its memtile an input for a distribute
        (else that memtile's outputs serve no read)."""
        d = self.device
        inputs = d.memtile.dma_s2mm_channels - int(reads)
        free = sum(d.shim.dma_s2mm_channels - used for used in self.shim_out)
        excess = sum(len(blocks) for _, blocks in kinds) - free
        out: list[Transfer] = []
        for index, blocks in sorted(kinds, key=lambda kind: -len(kind[1])):
            blocks = sorted(blocks, key=lambda b: b.offsets)
            elem = element_bytes(self._arg_type(index))
            size = math.prod(blocks[0].shape) * elem
            while excess > 0 and len(blocks) > 1:
                want = min(excess + 1, len(blocks), inputs)
                placed = self._place_join(blocks[:want], size, inputs)
                if placed is None:
                    break  # no memtile joins two of them: refused below
                col, k = placed
                t = Transfer(index, names[index], False, col, blocks[:k])
                out.append(t)
                blocks = blocks[k:]
                excess -= k - 1
            for b in blocks:
                t = Transfer(index, names[index], False, 0, [b])
                self._route_direct(t, False, b.tiles[0][0], f"writing {names[index]} (1 block(s))")
                out.append(t)
        return out

    def _place_join(self, blocks: list[Block], size: int, inputs: int) -> tuple[int, int] | None:
        """(column, how many of `blocks`) for the largest join of the first
        of `blocks` (two or more) a memtile with a free shim output channel
        in its column takes using at most `inputs` of its input channels, its
        cores' column first; None when none joins two."""
        d = self.device
        preferred = sorted({c for b in blocks for c, _ in b.tiles})
        best: tuple[int, int] | None = None
        for col in preferred + [c for c in range(d.columns) if c not in preferred]:
            if self.shim_out[col] >= d.shim.dma_s2mm_channels:
                continue
            if self.mem_out[col] >= d.memtile.dma_mm2s_channels:
                continue
            k = min(len(blocks), inputs - self.mem_in[col])
            k = min(k, (d.memtile.data_memory_bytes - self.mem_bytes[col]) // size)
            if k >= 2 and (best is None or k > best[1]):
                best = (col, k)
        if best is not None:
            col, k = best
            taken = self._take(col, 0, 1, k, 1, size * k)
            assert taken
        return best

    def pack_reads(self, names: list[str], kinds: list[tuple[int, list[Block]]]) -> list[Transfer]:
        """Whole blocks read by cores (`writes_first`, after the writes): the
        array with the most blocks left takes a distribute from the memtile
        with the most outputs left (and a shim input channel in its column),
        as many blocks as it has outputs; one block left, or no memtile with
        two outputs, goes straight from a shim input channel. Each column
        then spends one shim input on a distribute to all its memtile's free
        outputs and its other on a block of its own."""
        d = self.device
        pending = [(index, sorted(blocks, key=lambda b: b.offsets)) for index, blocks in kinds]
        out: list[Transfer] = []
        while pending:
            pending.sort(key=lambda kind: -len(kind[1]))
            index, blocks = pending[0]
            name = names[index]
            size = math.prod(blocks[0].shape) * element_bytes(self._arg_type(index))
            best: tuple[int, int] | None = None
            if len(blocks) > 1:
                preferred = sorted({c for b in blocks for c, _ in b.tiles})
                for col in preferred + [c for c in range(d.columns) if c not in preferred]:
                    if self.shim_in[col] >= d.shim.dma_mm2s_channels:
                        continue
                    if self.mem_in[col] >= d.memtile.dma_s2mm_channels:
                        continue
                    k = min(len(blocks), d.memtile.dma_mm2s_channels - self.mem_out[col])
                    k = min(k, (d.memtile.data_memory_bytes - self.mem_bytes[col]) // size)
                    if k >= 2 and (best is None or k > best[1]):
                        best = (col, k)
            if best is not None:
                col, k = best
                taken = self._take(col, 1, 0, 1, k, size * k)
                assert taken
                out.append(Transfer(index, name, True, col, blocks[:k]))
            else:
                k = 1
                t = Transfer(index, name, True, 0, blocks[:1])
                self._route_direct(t, True, blocks[0].tiles[0][0], f"reading {name} (1 block(s))")
                out.append(t)
            if len(blocks) > k:
                pending[0] = (index, blocks[k:])
            else:
                pending.pop(0)
        return out

    def _short_of_memory(self, outputs: int, need: int) -> bool:
        """Whether some column has a shim input channel and the memtile
        channels of a distribute to `outputs` cores, but not `need` bytes."""
        d = self.device
        return any(
            self.shim_in[c] < d.shim.dma_mm2s_channels
            and self.mem_in[c] < d.memtile.dma_s2mm_channels
            and self.mem_out[c] + outputs <= d.memtile.dma_mm2s_channels
            and self.mem_bytes[c] + need > d.memtile.data_memory_bytes
            for c in range(d.columns)
        )

    def _distribute_room(self, block_bytes: int) -> int:
        """The most blocks one memtile with a free shim input channel in its
        column can still distribute (its output channels and memory)."""
        d = self.device
        room = 0
        for col in range(d.columns):
            if self.shim_in[col] >= d.shim.dma_mm2s_channels:
                continue
            if self.mem_in[col] >= d.memtile.dma_s2mm_channels:
                continue
            free = d.memtile.dma_mm2s_channels - self.mem_out[col]
            if block_bytes:
                free = min(free, (d.memtile.data_memory_bytes - self.mem_bytes[col]) // block_bytes)
            room = max(room, free)
        return room

    def route_writes(
        self,
        index: int,
        name: str,
        blocks: list[Block],
        streamed: tuple[int, int] | None = None,
    ) -> list[Transfer]:
        # streamed (npu_stream_reads.row_written): each block leaves in pieces
        # along an axis, two objects deep, the shim pattern walking its pieces
        k_axis, k_tile = streamed if streamed is not None else (None, 0)
        depth = 2 if streamed is not None else 1
        out: list[Transfer] = []
        sequences, blocks = self.sequential_blocks(blocks)
        if not self.spread and self._sequences_fit(sequences, blocks):
            for tile, seq in sequences:
                t = Transfer(index, name, False, 0, seq, k_axis, k_tile, depth, sequential=True)
                self._route_direct(t, False, tile[0], f"writing {name} ({len(seq)} block(s))")
                out.append(t)
        else:
            if streamed is not None and sequences:
                self._fail(f"writing {name} in pieces from cores' sequences", "a shim channel each")
            out += self.join_sequences(index, name, sequences)
        by_column: dict[int, list[Block]] = {}
        for b in sorted(blocks, key=lambda b: b.offsets):
            by_column.setdefault(b.tiles[0][0], []).append(b)
        elem = element_bytes(self._arg_type(index))
        for col0, col_blocks in sorted(by_column.items()):
            limit = self.device.memtile.dma_s2mm_channels
            chunks = [col_blocks[i : i + limit] for i in range(0, len(col_blocks), limit)]
            while chunks:
                chunk = chunks.pop(0)
                t = Transfer(index, name, False, col0, chunk, k_axis, k_tile, depth)
                if streamed is not None and t.via_memtile and t.steps() > depth:
                    if not self.in_step(sorted({c for b in chunk for c in b.tiles})):
                        # a joined object holds piece s of every core: cores
                        # not in step would wait for each other; one channel each
                        chunks[:0] = [[b] for b in chunk]
                        continue
                obj = math.prod(t.tile_shape()) * elem * len(chunk)
                for col in self._columns_from(col0):
                    if t.via_memtile:
                        if self._take(col, 0, 1, len(chunk), 1, obj * depth):
                            break
                    elif self._take(col, 0, 1, 0, 0, 0):
                        break
                else:
                    if len(chunk) > 1:
                        # no memtile can join them: one block straight to the
                        # shim, the rest joined (or split) again
                        chunks[:0] = [chunk[:1], chunk[1:]]
                        continue
                    self._fail(
                        f"writing {name} ({len(chunk)} block(s))", "a free shim output channel"
                    )
                t.column = col
                out.append(t)
        return out

    def _sequences_fit(
        self, sequences: list[tuple[tuple[int, int], list[Block]]], blocks: list[Block]
    ) -> bool:
        """Whether one shim output channel per core's sequence still leaves one
        for each memtile join of the other blocks."""
        limit = self.device.memtile.dma_s2mm_channels
        columns = {}
        for b in blocks:
            columns[b.tiles[0][0]] = columns.get(b.tiles[0][0], 0) + 1
        joins = sum(-(-n // limit) for n in columns.values())
        free = sum(self.device.shim.dma_s2mm_channels - used for used in self.shim_out)
        return len(sequences) + joins <= free

    def join_sequences(
        self, index: int, name: str, sequences: list[tuple[tuple[int, int], list[Block]]]
    ) -> list[Transfer]:
        """Cores' write sequences joined in memtiles when the shim has too few
        output channels for one each (a chained systolic array's PEs writing
        one C): sequences of one length and block shape, up to a memtile's
        input channels at a time, nearest columns together; each joined object
        holds block s of every core and leaves on one shim channel."""
        elem = element_bytes(self._arg_type(index))
        limit = self.device.memtile.dma_s2mm_channels
        out: list[Transfer] = []
        for (steps, shape), chunk in self.sequence_chunks(sequences, limit):
            if len(chunk) == 1:
                tile, seq = chunk[0]
                t = Transfer(index, name, False, 0, seq, sequential=True)
                self._route_direct(t, False, tile[0], f"writing {name} ({steps} block(s))")
                out.append(t)
                continue
            ordered = [seq[s] for s in range(steps) for _, seq in chunk]
            # a memtile buffering every step lets each core send its blocks
            # whatever the others do; when that is more memory than a memtile
            # has left, cores that run the same members' code in the same
            # order (checked over the whole plan, check_in_step) can share
            # two steps' room: one is filled while the shim drains the other
            t = Transfer(index, name, False, 0, ordered, parts=len(chunk))
            one = math.prod(shape) * elem * len(chunk)
            depths = [steps]
            if steps > 2 and self.in_step([tile for tile, _ in chunk]):
                depths.append(2)
            col = next(
                (
                    (c, depth)
                    for c in self._columns_from(chunk[0][0][0])
                    for depth in depths
                    if self._take(c, 0, 1, len(chunk), 1, one * depth)
                ),
                None,
            )
            if col is None:
                self._fail(
                    f"joining the write sequences of {name} from {len(chunk)} cores "
                    f"({steps} block(s) each)",
                    f"a free shim output channel, {len(chunk)} memtile input channels "
                    f"and {one * depths[-1]} bytes ({depths[-1]} step(s) of {one}) on one memtile",
                )
            t.column, t.depth = col
            out.append(t)
        return out

    @functools.cached_property
    def signatures(self) -> dict[tuple[int, int], tuple[str, ...]]:
        """Per core, the groups of the members it runs, in its run order: two
        cores with one signature run the same code in the same order, so they
        use their shim-side fifos in the same sequence."""
        found: dict[tuple[int, int], list[tuple[int, str]]] = {}
        for g in self.region.groups():
            for inst, tile in zip(g.instances(), group_tiles(g), strict=True):
                found.setdefault(tile, []).append(
                    (self.run_order.get(inst.name, 0), g.sym_name.data)
                )
        return {tile: tuple(name for _, name in sorted(run)) for tile, run in found.items()}

    def in_step(
        self, tiles: list[tuple[int, int]], tied: frozenset[tuple[int, int]] = frozenset()
    ) -> bool:
        """Whether `tiles` run one signature and the only streams between
        cores that touch them come from feeders (`only_fed`): then memtile
        objects shared by them (a join or distribute holding a block of
        each) never make one wait for another that waits for it (the core
        furthest behind always has its next block's room)."""
        sig = self.signatures
        return len({sig[t] for t in tiles}) == 1 and self.only_fed(tiles, tied)

    def only_fed(
        self, tiles: list[tuple[int, int]], tied: frozenset[tuple[int, int]] = frozenset()
    ) -> bool:
        """Whether every stream between two cores that touches `tiles` goes
        into one of them from a feeder: a core outside `tiles` and `tied`
        (no memtile object or broadcast makes it wait for another core; the
        plan's check passes the tiles of all such transfers) that gets no
        stream and sends to that one core only (a loader forwarding a bias
        block to its GEMM core). A feeder then waits only for its one
        consumer to take what it sent, and that consumer waits for it only
        when the feeder's stream is empty: no wait cycle goes through it."""
        group = set(tiles)
        links = self.core_streams
        for prod, cons in links:
            if prod not in group and cons not in group:
                continue
            if prod in group or prod in tied:
                return False
            if any(c == prod for _, c in links) or any(p == prod and c != cons for p, c in links):
                return False
        return True

    def check_in_step(self, transfers: list[Transfer]) -> None:
        """Refuse a plan in which cores that run different code (or a stream
        joins) are tied by two or more transfers that make them wait for each
        other (`holds_back`): two cores taking two such transfers in opposite
        orders would each wait for a block the other holds back. One such
        transfer alone cannot: the core it makes wait only needs the others
        to go on with it, which nothing else of theirs blocks (see in_step)."""
        waiting = [t for t in transfers if holds_back(t)]
        if not waiting:
            return
        # cores tied by one waiting transfer are one component
        parent: dict[tuple[int, int], tuple[int, int]] = {}

        def root(x: tuple[int, int]) -> tuple[int, int]:
            while parent.setdefault(x, x) != x:
                x = parent[x]
            return x

        for t in waiting:
            tiles = [tile for b in t.blocks for tile in b.tiles]
            for tile in tiles[1:]:
                parent[root(tile)] = root(tiles[0])
        members: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for tile in list(parent):
            members.setdefault(root(tile), []).append(tile)
        all_tied = frozenset(parent)
        ties: dict[tuple[int, int], int] = {}
        for t in waiting:
            key = root(t.blocks[0].tiles[0])
            ties[key] = ties.get(key, 0) + 1
        for t in waiting:
            key = root(t.blocks[0].tiles[0])
            tied = sorted(members[key])
            loose = not self.only_fed(tied, all_tied)
            if (ties[key] > 1 or loose) and not self.in_step(tied, all_tied):
                self._fail(
                    describe_waits(t),
                    f"cores {', '.join(map(str, tied))} (tied by {ties[key]} such memtile "
                    "objects or broadcasts) to run the same members' code in the same order, "
                    "and no stream between cores",
                )

    def sequence_chunks(
        self, sequences: list[tuple[tuple[int, int], list[Block]]], limit: int
    ) -> list[tuple[tuple[int, tuple[int, ...]], list[tuple[tuple[int, int], list[Block]]]]]:
        """Cores' sequences of one length and block shape in groups of at most
        `limit`, nearest columns together (with `spread`, one column's cores
        per group: each column's memtile serves its own cores)."""
        kinds: dict[tuple[int, tuple[int, ...]], list[tuple[tuple[int, int], list[Block]]]] = {}
        for tile, seq in sorted(sequences, key=lambda s: s[0]):
            kinds.setdefault((len(seq), seq[0].shape), []).append((tile, seq))
        out = []
        for kind, found in sorted(kinds.items()):
            columns: list[list[tuple[tuple[int, int], list[Block]]]] = []
            if self.spread and self.any_column:
                # balanced: each memtile keeps channels for the other chunks;
                # the cores in the order of their first blocks (few runs)
                found = sorted(found, key=lambda entry: entry[1][0].offsets)
                n = -(-len(found) // limit)
                size = -(-len(found) // n)
                out += [(kind, found[i : i + size]) for i in range(0, len(found), size)]
                continue
            if self.spread:
                for tile, seq in found:
                    if not columns or columns[-1][0][0][0] != tile[0]:
                        columns.append([])
                    columns[-1].append((tile, seq))
            else:
                columns = [found]
            for col in columns:
                if self.spread:
                    # the cores in the order of their first blocks: the shim's
                    # step-major object then walks the array in few runs
                    col.sort(key=lambda entry: entry[1][0].offsets)
                out += [(kind, col[i : i + limit]) for i in range(0, len(col), limit)]
        return out

    def distribute_sequences(
        self, index: int, name: str, sequences: list[tuple[tuple[int, int], list[Block]]]
    ) -> list[Transfer]:
        """Cores' read sequences of one length and block shape distributed
        from one memtile per column, the mirror of join_sequences: the shim
        sends block s of every core of the column in one object (step-major),
        which the memtile splits into one part per core, each core's fifo
        taking its blocks in turn. One shim input and memtile input channel
        and a memtile output channel per core."""
        elem = element_bytes(self._arg_type(index))
        limit = self.device.memtile.dma_mm2s_channels
        out: list[Transfer] = []
        # a member's joined reads never share a distribute with sequences of
        # one array (their cores hold every object at once)
        apart = [
            [e for e in sequences if any(b.source is not None for b in e[1]) == j]
            for j in (False, True)
        ]
        chunks = [c for part in apart if part for c in self.sequence_chunks(part, limit)]
        for (steps, shape), chunk in chunks:
            joined = [b.source is not None for _, seq in chunk for b in seq]
            if len(chunk) == 1:
                tile, seq = chunk[0]
                t = Transfer(index, name, True, 0, seq, sequential=True)
                if any(joined):
                    t.depth = t.held = steps  # a member's joined reads, held together
                self._route_direct(t, True, tile[0], f"reading {name} ({steps} block(s))")
                out.append(t)
                continue
            # the memtile holds one step: a core's block s + 1 waits until
            # every core of the column has taken block s - 1 (check_in_step),
            # which only cores running in step (no stream between them) can
            # afford; others take a memtile holding every step, which the
            # shim fills without waiting for any core (the mirror of
            # join_sequences' room for every step), when it has the memory
            ordered = [seq[s] for s in range(steps) for _, seq in chunk]
            t = Transfer(index, name, True, 0, ordered, parts=len(chunk))
            if any(joined):
                t.held = steps  # a member's joined reads, held together
            obj = math.prod(shape) * elem * len(chunk)
            depths = [1]
            if steps > 2 and not self.in_step([tile for tile, _ in chunk]):
                depths.insert(0, steps)
            found = next(
                (
                    (c, depth)
                    for depth in depths
                    for c in self._columns_from(chunk[0][0][0])
                    if self._take(c, 1, 0, 1, len(chunk), obj * depth)
                ),
                None,
            )
            if found is None:
                self._fail(
                    f"distributing the read sequences of {name} to {len(chunk)} cores "
                    f"({steps} block(s) each)",
                    f"a free shim input channel, a memtile input and {len(chunk)} output "
                    f"channels and {obj * depths[-1]} bytes on one memtile",
                )
            t.column, held = found
            if held > 1:
                t.memtile_depth = held  # each core's fifo still one block
            out.append(t)
        return out

    @functools.cached_property
    def core_streams(self) -> list[tuple[tuple[int, int], tuple[int, int]]]:
        """(producer tile, consumer tile) of each stream joining instances
        placed on two different tiles."""
        tile = {
            inst.name: t
            for g in self.region.groups()
            for inst, t in zip(g.instances(), group_tiles(g), strict=True)
        }
        out = []
        for u in stream_uses(self.region).values():
            if u.producer is None or u.consumer is None:
                continue
            prod, cons = tile.get(u.producer), tile.get(u.consumer)
            if prod is not None and cons is not None and prod != cons:
                out.append((prod, cons))
        return out

    def sequential_blocks(
        self, blocks: list[Block]
    ) -> tuple[list[tuple[tuple[int, int], list[Block]]], list[Block]]:
        """Per tile whose members (a bundle or chain) use two or more blocks,
        those blocks in the order the tile runs its members: one fifo carries
        them one after another, so the tile spends one DMA channel on the
        array however many members it runs (a block another tile also reads
        comes to this one in its sequence too; a block several members read
        comes once per member, each taking its own object). Returns the
        sequences and the blocks left for the other tiles (their users only)."""
        per_tile: dict[tuple[int, int], list[tuple[int, Block]]] = {}
        for b in blocks:
            for tile, user in zip(b.tiles, b.users, strict=True):
                one = Block(b.offsets, b.shape, [tile], [user], b.step, b.source)
                # a member's joined reads: the first array's block first
                at = (self.run_order.get(user, 0), b.source is not None)
                per_tile.setdefault(tile, []).append((at, one))
        sequences = []
        for tile, found in sorted(per_tile.items(), key=lambda item: item[0]):
            if len(found) > 1:
                found.sort(key=lambda entry: entry[0])
                sequences.append((tile, [b for _, b in found]))
        served = {tile for tile, _ in sequences}
        rest = []
        for b in blocks:
            keep = [(t, u) for t, u in zip(b.tiles, b.users, strict=True) if t not in served]
            if keep:
                rest.append(
                    Block(
                        b.offsets,
                        b.shape,
                        [t for t, _ in keep],
                        [u for _, u in keep],
                        b.step,
                        b.source,
                    )
                )
        return sequences, rest

    def _route_direct(self, t: Transfer, is_read: bool, preferred: int, what: str) -> None:
        t.column = self._take_near(
            preferred,
            (int(is_read), int(not is_read), 0, 0, 0),
            what,
            f"a free shim {'input' if is_read else 'output'} channel",
        )

    def _columns_from(self, first: int) -> list[int]:
        """The columns, `first` first (its cores' own), then the others in order."""
        return [first] + [c for c in range(self.device.columns) if c != first]

    def _take_near(
        self, first: int, use: tuple[int, int, int, int, int], what: str, need: str
    ) -> int:
        """Take `use` (`_take`'s order) on the first column from
        `_columns_from(first)` that has it left; refuse `what` when none has."""
        for col in self._columns_from(first):
            if self._take(col, *use):
                return col
        self._fail(what, need)

    def _arg_type(self, index: int) -> MemRefType:
        t = self.region.args[index].type
        assert isinstance(t, MemRefType)
        return t


def stream_pieces(block: Block, axis: int, size: int) -> list[Block]:
    """`block` cut along `axis` into its pieces of `size`, in order."""
    out = []
    for start in range(0, block.shape[axis], size):
        offsets = list(block.offsets)
        offsets[axis] += start * block.steps()[axis]
        shape = list(block.shape)
        shape[axis] = size
        out.append(
            Block(tuple(offsets), tuple(shape), list(block.tiles), list(block.users), block.step)
        )
    return out


def holds_back(t: Transfer) -> bool:
    """Whether `t` can make one of its cores wait for another: a memtile join
    holding fewer steps than its cores send (a core's block waits for room
    the slowest core frees), a distribute of sequences longer than its
    memtile object and each core's fifo hold (2 steps at depth 1: a core's
    block s + 2 waits until every core has taken block s), or a broadcast
    sequence longer than its readers' fifos (the shim streams each object to
    all readers at once)."""
    if t.parts:
        steps = len(t.blocks) // t.parts
        if not t.is_read:
            return t.depth < steps
        # block s + held + 1 of a core waits for every core to take block s
        return steps > (t.memtile_depth or t.depth) + t.depth
    readers = {tile for b in t.blocks for tile in b.tiles}
    return t.is_read and t.sequential and len(readers) > 1 and len(t.blocks) > t.depth


def describe_waits(t: Transfer) -> str:
    """`t` as check_in_step's refusal names it."""
    if t.parts:
        steps = len(t.blocks) // t.parts
        if t.is_read:
            return (
                f"distributing the read sequences of {t.name} to {t.parts} cores "
                f"({steps} block(s) each) through one memtile object at a time"
            )
        return (
            f"joining the write sequences of {t.name} from {t.parts} cores "
            f"({steps} block(s) each) in {t.depth} step(s) of memtile room"
        )
    readers = len({tile for b in t.blocks for tile in b.tiles})
    return f"broadcasting a sequence of {len(t.blocks)} blocks of {t.name} to {readers} cores"


def run_order(region: dato.RegionOp) -> dict[str, int]:
    """The position of each instance in the order its core runs it: chained
    instances in chain order (producers first), the others in program order."""
    rank: dict[str, int] = {}
    for op in region.body.block.ops:
        if isinstance(op, dato.ChainOp):
            for name in op.names:
                rank.setdefault(name, len(rank))
    program = {
        inst.name: k for k, inst in enumerate(i for g in region.groups() for i in g.instances())
    }
    ordered = sorted(program, key=lambda n: (rank.get(n, -1), program[n]))
    return {name: k for k, name in enumerate(ordered)}


def broadcast_sequences(
    sequences: list[tuple[tuple[int, int], list[Block]]],
) -> list[tuple[tuple[int, int], list[Block]]]:
    """Tiles whose members read the same blocks in the same order (the cores
    of one row of a K-chained GEMM, each reading that row's A blocks) take
    them from one fifo broadcast to all of them: one shim channel instead of
    one per tile."""
    merged: dict[tuple[tuple[int, ...], ...], tuple[tuple[int, int], list[Block]]] = {}
    for tile, seq in sequences:
        key = tuple((b.offsets, b.source) for b in seq)
        if key not in merged:
            merged[key] = (
                tile,
                [Block(b.offsets, b.shape, [], [], b.step, b.source) for b in seq],
            )
        for into, b in zip(merged[key][1], seq, strict=True):
            into.tiles += b.tiles
            into.users += b.users
    return list(merged.values())


PLANS: tuple[tuple[str, bool, bool, bool, bool, bool], ...] = (
    # too few shim channels for one per tile's read sequence: tiles that
    # read the same sequence share a broadcast (only then: a broadcast makes
    # its readers wait for each other)
    ("a broadcast to the tiles reading one sequence", True, False, False, False, False),
    # else each column's cores share one memtile distribute and join per array
    ("a memtile distribute and join per column and array", False, True, False, False, False),
    # both: tiles reading one sequence take it from one part of their
    # column's distribute, which the memtile broadcasts to them
    ("both", True, True, False, False, False),
    # reads cut by the column of their cores, so each memtile keeps outputs
    # for its column's write joins (lanes reading and writing one block each
    # on every core)
    ("reads split by their cores' columns", False, False, True, False, False),
    # sequences of several lengths in a column (uneven chains): one
    # distribute per length whatever the columns (TransferPlanner.any_column)
    (
        "a memtile distribute and join per sequence length across columns",
        False,
        True,
        False,
        True,
        False,
    ),
    # whole blocks packed over the device, writes first: only the joins
    # the shim's outputs fall short by (TransferPlanner.writes_first)
    ("whole blocks packed onto memtiles, writes first", False, False, False, False, True),
)
"""The plans tried in turn when one shim channel per transfer does not fit:
(what it is, broadcast, spread, by_column, any_column, writes_first)."""


def plan_transfers(
    region: dato.RegionOp, device: devices.NpuDevice, reserved: ChannelUse | None = None
) -> list[Transfer]:
    if plan_bundled_gemm(region, device) is not None:
        return []  # planned by plan_bundled_gemm
    try:
        return TransferPlanner(region, device, reserved=reserved).plan()
    except TransferShortage as err:  # other refusals hold for every plan
        tried: list[str] = []
        for what, broadcast, spread, by_column, any_column, writes_first in PLANS:
            planner = TransferPlanner(region, device, broadcast, spread, reserved)
            planner.by_column = by_column
            planner.any_column = any_column
            planner.writes_first = writes_first
            try:
                return planner.plan()
            except TransferShortage as again:
                tried.append(f"{what}: {again.reason}")
        # the first plan's message, and why each other one fell short
        # and, when counting shows no plan can fit, why
        shortage = TransferPlanner(region, device, reserved=reserved).host_link_shortage()
        why = f". No plan can fit: {shortage}" if shortage is not None else ""
        raise LocatedDiagnostic(f"{err}; also tried {'; '.join(tried)}{why}") from None


@dataclass
class BundledGemm:
    """A streamed GEMM whose instances are bundled onto an R x C grid of cores
    in the product arrangement (checked by physical mapping): core (r, c) runs
    the tasks {(i, j): i in rows[r], j in cols[c]}, i outer, j inner. A row r
    fifo is broadcast to compute row r, a B column fifo to compute column c,
    each core sends its C blocks on its own fifo (joined per column through the
    memtile when the shim lacks channels). Members differ only in the data
    order of the fifos, which the runtime sequence's patterns produce."""

    group: dato.GroupOp
    a: int
    b: int
    c: int
    m: int
    k: int
    n: int
    k_tile: int
    rows: list[list[int]]
    cols: list[list[int]]
    tiles: dict[tuple[int, int], tuple[int, int]]
    a_columns: list[int]
    b_columns: list[int]
    c_joined: bool

    @property
    def steps(self) -> int:
        return self.k // self.k_tile


def plan_bundled_gemm(region: dato.RegionOp, device: devices.NpuDevice) -> BundledGemm | None:
    """The bundled-GEMM plan of a placed region, or None if it has none (a
    streamed-GEMM group with several instances on one tile)."""
    for group in region.groups():
        kt = k_tile_of(group)
        tiles = group_tiles(group)
        if kt is None or len(set(tiles)) == len(tiles):
            continue
        mm = plan_group(group).matmul
        if mm is None:
            continue  # a matmul into a local streams K on one tile per instance
        by_tile: dict[tuple[int, int], list[tuple[int, ...]]] = {}
        for inst, tile in zip(group.instances(), tiles, strict=True):
            by_tile.setdefault(tile, []).append(tuple(inst.pid))
        col_ids = sorted({c for c, _ in by_tile})
        row_ids = sorted({r for _, r in by_tile})
        grid: dict[tuple[int, int], tuple[int, int]] = {}
        rows: list[list[int]] = [[] for _ in row_ids]
        cols: list[list[int]] = [[] for _ in col_ids]
        for (col, row), pids in by_tile.items():
            r, c = row_ids.index(row), col_ids.index(col)
            grid[(r, c)] = (col, row)
            rows[r] = sorted({i for i, _ in pids})
            cols[c] = sorted({j for _, j in pids})
        return _route_bundled(region, device, group, mm, kt, rows, cols, grid)
    return None


def _route_bundled(
    region: dato.RegionOp,
    device: devices.NpuDevice,
    group: dato.GroupOp,
    mm: StreamedMatmul,
    kt: int,
    rows: list[list[int]],
    cols: list[list[int]],
    grid: dict[tuple[int, int], tuple[int, int]],
) -> BundledGemm:
    d = device
    n_rows, n_cols = len(rows), len(cols)
    task = group.task.data
    where = f"bundled GEMM @{task} on a {n_rows} x {n_cols} grid of cores"
    shim_in = [0] * d.columns
    b_columns = list(range(n_cols))  # B column c from the shim below it
    for c in b_columns:
        shim_in[c] += 1
    a_columns: list[int] = []
    for r in range(n_rows):
        order = [r] + [c for c in range(d.columns) if c != r] if r < d.columns else range(d.columns)
        col = next((c for c in order if shim_in[c] < d.shim.dma_mm2s_channels), None)
        if col is None:
            raise op_error(
                group,
                f"{where} needs {n_rows + n_cols} shim input channels (one per A row fifo and "
                f"B column fifo); {d.describe()} has {d.columns} shim columns with "
                f"{d.shim.dma_mm2s_channels} each",
            )
        shim_in[col] += 1
        a_columns.append(col)
    # each column's C fifos go straight to its shim if it has the channels,
    # otherwise one memtile join per column needs one
    c_joined = n_rows > d.shim.dma_s2mm_channels
    if c_joined:
        elem = element_bytes(_body_arg_type(group, mm.c))
        need = n_rows * mm.m * mm.n * elem
        if n_rows > d.memtile.dma_s2mm_channels or need > d.memtile.data_memory_bytes:
            raise op_error(
                group,
                f"{where}: joining the {n_rows} C fifos of a column needs {n_rows} memtile input "
                f"channels and {need // 1024} KiB; a memtile has {d.memtile.dma_s2mm_channels} "
                f"and {d.memtile.data_memory_bytes // 1024} KiB",
            )
    region_args = list(region.args)
    return BundledGemm(
        group,
        region_args.index(group.args[mm.a]),
        region_args.index(group.args[mm.b]),
        region_args.index(group.args[mm.c]),
        mm.m,
        mm.k,
        mm.n,
        kt,
        rows,
        cols,
        grid,
        a_columns,
        b_columns,
        c_joined,
    )


def _body_arg_type(group: dato.GroupOp, k: int) -> MemRefType:
    t = group.body.block.args[k].type
    assert isinstance(t, MemRefType)
    return t
