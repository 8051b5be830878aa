"""The lowering of a placed dato region to an `aie.device` design, which the
passes `dato-npu-transfers` (npu_lower_transfers.py) and `dato-npu-core-bodies`
(npu_core_bodies.py) run in two steps.

- Global arrays move shim -> (memtile ->) compute tiles through objectfifos, as
  planned by npu_transfers.py: several blocks of one array leave one shim
  transfer through a memtile `objectfifo.link` distribute (reads) or join
  (writes), a block several instances share is a broadcast, and the gather or
  scatter of the blocks inside the host array is the runtime sequence's
  `dma_memcpy_nd` access pattern, not copies in a core. A streamed GEMM gets
  its A and B as K tiles, double-buffered.
- Each dato stream becomes an objectfifo of its declared depth between the
  producer's and the consumer's tiles (a scalar stream carries memref<1xT>;
  a stream several instances get, dato-npu-broadcast-fifos, is broadcast to
  all their tiles).
- Each instance body becomes (part of) an `aie.core`: gets and puts acquire,
  access and release their fifo; array operations call the kernel library
  (`func.func private @dato_<op>_<type>_<shape>`, linked from kernels.o);
  buffers the body allocates (scalar locals too) become `aie.buffer`s of its
  tile: a core body holds no `memref.alloca`.
- The runtime sequence moves every input and output with `dma_memcpy_nd`
  (BD ids counted per shim column, at most the shim's BDs) and waits for the
  outputs. It is a pass of its own (`dato-npu-runtime-sequence`,
  npu_runtime_sequence.py): `dato-npu-transfers` (AieLowering.skeleton) records the
  host arrays on the device and each shim-side fifo's host array and
  access patterns.

`dato-lower-to-aie` is the pipeline `dato-npu-transfers` (tiles, objectfifos,
links; the region stays, recording the fifo each instance uses),
`dato-npu-core-bodies` (the cores; the region goes), then
`dato-npu-runtime-sequence`."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from xdsl.context import Context
from xdsl.dialects import arith, builtin, func, memref, scf
from xdsl.dialects.builtin import (
    ArrayAttr,
    BFloat16Type,
    Float32Type,
    IndexType,
    IntegerAttr,
    IntegerType,
    MemRefType,
    StringAttr,
    i32,
    i64,
)
from xdsl.dialects.linalg import ops as linalg
from xdsl.ir import Attribute, Block, BlockArgument, Operation, Region, SSAValue
from xdsl.utils.exceptions import DiagnosticException

from dato_xdsl import devices
from dato_xdsl.diagnostics import op_error
from dato_xdsl.dialects import aie, aiex, dato
from dato_xdsl.transforms.aie_buffer_sharing import share_buffers
from dato_xdsl.transforms.aie_core_body import CoreBody
from dato_xdsl.transforms.constant_tables import is_table_fill, table_values
from dato_xdsl.transforms.core_tasks import label_core
from dato_xdsl.transforms.in_place_marks import in_place_put
from dato_xdsl.transforms.kernel_decls import declare_called
from dato_xdsl.transforms.kernel_library import matmul_suffix, type_suffix
from dato_xdsl.transforms.npu_gemm_design import GemmDesign, plan_one_per_core
from dato_xdsl.transforms.npu_lockstep import NotFusable, fuse_members, lockstep_members
from dato_xdsl.transforms.npu_padding import (
    Rows,
    pack_nibbles,
    packs_nibbles,
    padded_type,
    read_padded_rows,
    read_padding,
    record_padding,
    unpack_nibbles,
)
from dato_xdsl.transforms.npu_plan import (
    ELEMENTWISE_KERNELS,
    GroupPlan,
    inplace_gets,
    is_contiguous,
    local_written_first,
    plan_group,
    reused_inputs,
    unsigned_matmul,
)
from dato_xdsl.transforms.npu_runtime_sequence import (
    record_host,
    record_shim_transfer,
)
from dato_xdsl.transforms.npu_stream_merge import MERGED
from dato_xdsl.transforms.npu_stream_reads import (
    ROW_BLOCK,
    ROW_CHUNK,
    ROW_LOOP,
    ROW_PIECE,
    row_loop,
    row_pieces,
    row_written,
)
from dato_xdsl.transforms.npu_stream_routes import StreamRoute, read_routes
from dato_xdsl.transforms.npu_transfers import (
    Transfer,
    group_tiles,
    k_tile_of,
    plan_bundled_gemm,
    plan_transfers,
)
from dato_xdsl.transforms.npu_write_boxes import Box, shared_write_boxes
from dato_xdsl.transforms.stream_access import stream_uses

KERNEL_OBJECT = "kernels.o"
# what dato-npu-transfers records on the region for dato-npu-core-bodies
READ_FIFOS = "dato.read_fifos"
WRITE_FIFOS = "dato.write_fifos"
LOCAL_COUNT = "dato.local_count"
ROUTE_FIFO = "dato.route_fifo"


def _is_identity(t: Attribute) -> bool:
    # one rule with physical mapping's count of staged views (npu_plan.staged_views)
    return is_contiguous(t)


def _strides(shape: Sequence[int]) -> list[int]:
    out = [1] * len(shape)
    for k in range(len(shape) - 2, -1, -1):
        out[k] = out[k + 1] * shape[k + 1]
    return out


def _runs(starts: Sequence[int]) -> list[tuple[int, int, int]]:
    """`starts` cut, in order, into runs of evenly spaced increasing starts:
    (first start, count, spacing), spacing 0 for a run of one. A DMA stride
    over blocks is positive (a zero one is the repeat's)."""
    runs: list[tuple[int, int, int]] = []
    for s in starts:
        if runs:
            first, n, delta = runs[-1]
            step = s - (first + (n - 1) * delta)  # from the run's last start
            if step > 0 and (n == 1 or step == delta):
                runs[-1] = (first, n + 1, step)
                continue
        runs.append((s, 1, 0))
    return runs


SHIM_TASK_QUEUE = 4
"""Tasks a shim DMA channel's queue holds (AM020, Array Interface DMA: 'queue
depth is four tasks per channel'): more calls than that on one channel wait
for the earlier ones to finish before they are even issued."""


def _lattice(starts: Sequence[int], most: int) -> tuple[list[int], list[int]] | None:
    """(sizes, strides), outermost first, of at most `most` dims with positive
    strides whose row-major walk from starts[0] gives `starts`; None if none."""
    n = len(starts)
    sizes: list[int] = []
    strides: list[int] = []
    period = 1
    while period < n:
        delta = starts[period] - starts[0]
        count = 1
        while (count + 1) * period <= n and starts[count * period] == starts[0] + count * delta:
            count += 1
        while count > 1 and (n // period) % count:
            count -= 1
        if count < 2 or delta <= 0 or len(sizes) == most:
            return None
        sizes.insert(0, count)
        strides.insert(0, delta)
        period *= count
    if period != n:
        return None
    walk = [0]
    for size, stride in zip(reversed(sizes), reversed(strides), strict=True):
        walk = [j * stride + w for j in range(size) for w in walk]
    if [starts[0] + w for w in walk] != list(starts):
        return None
    return sizes, strides


@dataclass
class FifoNames:
    """The fifo each (instance, argument) reads from / writes to."""

    reads: dict[tuple[str, int], str]
    writes: dict[tuple[str, int], str]


class AieLowering:
    def __init__(self, region: dato.RegionOp, device: devices.NpuDevice, ctx: Context) -> None:
        self.region = region
        self.device = device
        self.ctx = ctx
        self.kernels: dict[str, list[Attribute]] = {}
        # fifo names we make must not take a name the program's streams use
        self.taken = {s.sym_name.data for s in region.streams()}
        self.local_streams: dict[str, int] = {}
        self.rings: set[str] = set()  # local streams that wrap (lockstep chains)
        self.uses = stream_uses(region)
        self.plans: dict[dato.GroupOp, GroupPlan] = {}
        self.counts = {n: t for n, u in self.uses.items() if (t := u.total()) is not None}
        # local_written_first of a body's local, asked once per instance of
        # its group (the body is read, never changed, by the lowering): each
        # answer walks the body, 512 instances of one body took seconds
        self.written_first: dict[SSAValue, bool] = {}
        # streams joined or distributed through a memtile: stream -> (route, part)
        self.routes = read_routes(region)
        self.route_of = {s: (r, k) for r in self.routes for k, s in enumerate(r.streams)}
        self.route_fifo = {r.ident: self.fresh(r.ident) for r in self.routes}
        # arrays whose block rows move padded to whole DMA words (npu_padding)
        self.padding = read_padding(region)
        self.boxes: dict[tuple[str, int], dict[str, Box]] | None = None
        # the skeleton's tiles: compute cores by (column, row), memtiles by column
        self.cores: dict[tuple[int, int], SSAValue] = {}
        self.memtiles: dict[int, SSAValue] = {}

    def write_boxes(self, group: dato.GroupOp) -> list[dict[str, Box]]:
        """Per body argument, the boxes of a shared output (npu_write_boxes)."""
        if self.boxes is None:
            writes = {g.sym_name.data: self.plan(g).writes for g in self.region.groups()}
            self.boxes = shared_write_boxes(self.region, writes)
        name = group.sym_name.data
        return [self.boxes.get((name, k), {}) for k in range(len(group.args))]

    def host_type(self, index: int) -> MemRefType:
        """Region argument `index` as the runtime sequence sees it (padded)."""
        t = self.region.args[index].type
        assert isinstance(t, MemRefType)
        return padded_type(t, self.padding.get(index))

    def plan(self, group: dato.GroupOp) -> GroupPlan:
        """A group's plan, computed once (every instance of the group asks)."""
        if group not in self.plans:
            self.plans[group] = plan_group(group)
        return self.plans[group]

    def fresh(self, name: str) -> str:
        candidate, n = name, 1
        while candidate in self.taken:
            candidate = f"{name}_{n}"
            n += 1
        self.taken.add(candidate)
        return candidate

    # ----------------------------------------------------------- the skeleton
    def skeleton(self, transfers: list[Transfer]) -> tuple[aie.DeviceOp, FifoNames]:
        """Tiles, objectfifos and links, built as ops; each shim-side fifo
        records its host array and access patterns for the runtime sequence
        (npu_runtime_sequence)."""
        region = self.region
        body = Block()
        columns = sorted({t.column for t in transfers})
        core_tiles = sorted({tile for g in region.groups() for tile in group_tiles(g)})
        uses_memtile = {t.column for t in transfers if t.via_memtile}
        uses_memtile |= {r.column for r in self.routes}

        def tile(col: int, row: int, name: str) -> SSAValue:
            op = aie.TileOp(col, row)
            op.result.name_hint = name
            body.add_op(op)
            return op.result

        shim = {c: tile(c, 0, f"shim_c{c}") for c in columns}
        mem = {c: tile(c, 1, f"mem_c{c}") for c in sorted(uses_memtile)}
        self.cores = {(c, r): tile(c, r, f"core_c{c}_r{r}") for c, r in core_tiles}
        self.memtiles = mem

        def fifo(
            name: str, src: SSAValue, dsts: Sequence[SSAValue], depth: int, t: MemRefType
        ) -> aie.ObjectFifoCreateOp:
            op = aie.ObjectFifoCreateOp(name, src, list(dsts), depth, t)
            body.add_op(op)
            return op

        names = FifoNames({}, {})
        elem_of = {k: a.type.element_type for k, a in enumerate(region.args)}  # type: ignore[attr-defined]
        counters: dict[tuple[str, bool], int] = {}
        for t in transfers:
            n = counters.get((t.name, t.is_read), 0)
            counters[(t.name, t.is_read)] = n + 1
            base = self.fresh(f"{t.name}_{'in' if t.is_read else 'out'}{n}")
            tile_t = MemRefType(elem_of[t.arg], t.tile_shape())
            block_fifos: list[str] = []
            parts = t.parts or len(t.blocks)
            # a join of cores' sequences: one fifo per core, its later blocks follow
            part_depth = 1 if t.parts else t.depth
            src = mem[t.column] if t.via_memtile else shim[t.column]
            shim_side: aie.ObjectFifoCreateOp | None = None
            for b, block in enumerate(t.blocks):
                name = self.fresh(f"{base}_{b}") if t.via_memtile and b < parts else base
                if t.parts and b >= parts:
                    name = block_fifos[b % parts]
                uses = names.reads if t.is_read else names.writes
                of = t.arg if block.source is None else block.source
                if (t.sequential or t.parts) and (b > 0 if t.sequential else b >= parts):
                    # the blocks follow one another through the first block's fifo
                    for user in block.users:
                        uses[(user, of)] = name
                    continue
                block_fifos.append(name)
                tiles = [self.cores[c] for c in dict.fromkeys(block.tiles)]
                if t.is_read:
                    # (a core's joined reads: every object held at once)
                    made = fifo(name, src, tiles, t.held or t.depth, tile_t)
                else:
                    assert len(tiles) == 1
                    made = fifo(name, tiles[0], [src], part_depth, tile_t)
                if shim_side is None and name == base:
                    shim_side = made
                for user in block.users:
                    uses[(user, of)] = name
            if t.via_memtile:
                obj = MemRefType(elem_of[t.arg], [math.prod(t.tile_shape()) * parts])
                offsets = [b * math.prod(t.tile_shape()) for b in range(parts)]
                if t.is_read:
                    held = t.memtile_depth or t.depth  # every step, for cores not in step
                    shim_side = fifo(base, shim[t.column], [mem[t.column]], held, obj)
                    body.add_op(aie.ObjectFifoLinkOp([base], block_fifos, [], offsets))
                else:
                    shim_side = fifo(base, mem[t.column], [shim[t.column]], t.depth, obj)
                    body.add_op(aie.ObjectFifoLinkOp(block_fifos, [base], offsets, []))
            t.name = base  # the shim-side fifo the runtime sequence names
            assert shim_side is not None
            if any(b.source is not None for b in t.blocks):
                # joined reads: each array's run of blocks from its own host array
                calls: list[tuple[int, list[int], list[int]]] = []
                args: list[int] = []
                run: list = []
                for b in [*t.blocks, None]:
                    if run and (b is None or b.source != run[0].source):
                        of = t.arg if run[0].source is None else run[0].source
                        part = replace(t, arg=of, blocks=run, sequential=False, parts=0)
                        found = self.patterns(part, list(self.host_type(of).get_shape()))
                        calls += found
                        args += [of] * len(found)
                        run = []
                    if b is not None:
                        run.append(b)
                record_shim_transfer(shim_side, t.arg, calls, args)
            else:
                shape = list(self.host_type(t.arg).get_shape())
                record_shim_transfer(shim_side, t.arg, self.patterns(t, shape))
        self.stream_fifos(body)
        device_op = aie.DeviceOp(self.device.name, body)
        self.record_host(device_op)
        return device_op, names

    def instance_tiles(self) -> dict[str, tuple[int, int]]:
        out = {}
        for g in self.region.groups():
            for inst, tile in zip(g.instances(), group_tiles(g), strict=True):
                out[inst.name] = tile
        return out

    def stream_fifos(self, body: Block) -> None:
        tiles = self.instance_tiles()
        producer = {n: u.producer for n, u in self.uses.items() if u.producer}
        consumer = {n: u.consumer for n, u in self.uses.items() if u.consumer}
        for decl in self.region.streams():
            name = decl.sym_name.data
            if name not in producer or name not in consumer:
                continue
            p, c = tiles[producer[name]], tiles[consumer[name]]
            if p == c:
                # a chain: the producer runs before the consumer in one core, and
                # the stream becomes a local buffer holding every element
                count = self.counts.get(name)
                if "dato.ring" in decl.attributes:
                    # members in lockstep (npu_folding.RING): a ring of its depth
                    count = decl.stream_type.depth.data
                if count is None:
                    raise op_error(
                        decl,
                        f"stream @{name} joins {producer[name]} and {consumer[name]} on one "
                        "tile, which needs a static element count to become a local buffer",
                    )
                self.local_streams[name] = count
                continue
            st = decl.stream_type
            elem = st.element_type
            # a scalar stream moves `packing` elements per object
            t = elem if isinstance(elem, MemRefType) else MemRefType(elem, [st.packing.data])
            t = padded_type(t, read_padded_rows(decl))
            src, dst = self.cores[p], self.cores[c]
            # a broadcast (dato-npu-broadcast-fifos): every consumer's tile
            gets = [tiles[g.instance] for g in self.uses[name].gets]
            dsts = [self.cores[t] for t in dict.fromkeys(gets)]
            routed = self.route_of.get(name)
            if routed is not None:
                # one part of a memtile join (its producer -> memtile) or
                # distribute (memtile -> its consumer)
                m = self.memtiles[routed[0].column]
                src, dst = (src, m) if routed[0].kind == "join" else (m, dst)
            targets = [dst] if routed is not None or len(dsts) < 2 else dsts
            body.add_op(aie.ObjectFifoCreateOp(name, src, targets, st.depth.data, t))
        for route in self.routes:
            self.route_link(body, route, tiles, producer, consumer)

    def route_link(
        self,
        body: Block,
        route: StreamRoute,
        tiles: dict[str, tuple[int, int]],
        producer: dict[str, str],
        consumer: dict[str, str],
    ) -> None:
        """The combined fifo between the memtile and the joining (or
        distributing) core, and the link that splits it into the parts."""
        name = self.route_fifo[route.ident]
        m = self.memtiles[route.column]
        size = math.prod(route.part.get_shape())
        offsets = [k * size for k in range(len(route.streams))]
        parts = list(route.streams)
        if route.kind == "join":
            c = self.cores[tiles[consumer[route.streams[0]]]]
            body.add_op(aie.ObjectFifoCreateOp(name, m, [c], route.depth, route.combined))
            body.add_op(aie.ObjectFifoLinkOp(parts, [name], offsets, []))
            return
        p = self.cores[tiles[producer[route.streams[0]]]]
        body.add_op(aie.ObjectFifoCreateOp(name, p, [m], route.depth, route.combined))
        body.add_op(aie.ObjectFifoLinkOp([name], parts, [], offsets))

    def record_host(self, device_op: aie.DeviceOp) -> None:
        """The host arrays the runtime sequence takes (padded) and their names."""
        types = [self.host_type(k) for k in range(len(self.region.args))]
        names = self.region.arg_names()
        record_host(device_op, types, names)

    def patterns(self, t: Transfer, shape: list[int]) -> list[tuple[int, list[int], list[int]]]:
        """(linear offset, sizes, strides) of the dma_memcpy_nd calls that gather
        or scatter the transfer's blocks in the host array."""
        out = []
        for start, sizes, strides in self._patterns(t, shape):
            # a strided box's extra dim takes the place of an outer dim of one step
            while len(sizes) > 4 and sizes[0] == 1:
                sizes, strides = sizes[1:], strides[1:]
            if len(sizes) > 4:
                raise op_error(
                    self.region,
                    f"argument {t.name}: blocks {list(t.blocks[0].shape)} with steps "
                    f"{list(t.blocks[0].step)} need {len(sizes)} DMA dims {sizes}; a shim "
                    "transfer has 4 (with its repeat)",
                )
            out.append((start, sizes, strides))
        return out

    def _patterns(self, t: Transfer, shape: list[int]) -> list[tuple[int, list[int], list[int]]]:
        strides = _strides(shape)

        def linear(offsets: Sequence[int]) -> int:
            return sum(o * s for o, s in zip(offsets, strides, strict=True))

        starts = [linear(b.offsets) for b in t.blocks]
        deltas = {b - a for a, b in zip(starts, starts[1:], strict=False)}
        block = t.blocks[0].shape
        step = t.blocks[0].step
        if step:
            # a strided write box (npu_write_boxes): each dim walks its lattice
            # (rank <= 2). A block's start counts in units of the innermost
            # stride, so a last dim with a step > 1 walks as a dim of its own
            # over a one-element innermost dim (its elements are whole words,
            # see TransferPlanner.check_strided_box)
            inner_sizes = [1, *block][-2:]
            inner_strides = [0, *(a * b for a, b in zip(strides, step, strict=True))][-2:]
            if step[-1] > 1:
                inner_sizes, inner_strides = [*inner_sizes, 1], [*inner_strides, 1]
        elif len(shape) > 2:
            inner_sizes, inner_strides = self.flat_rows(t, shape, list(block))
        elif len(shape) == 1:
            # a long 1-D block (or piece of one streamed) is walked as rows of
            # at most the DMA's innermost size
            piece = t.k_tile if t.k_axis is not None else block[0]
            width = self.row_length(piece, t.arg)
            inner_sizes, inner_strides = [piece // width, width], [width, 1]
        elif block[0] > self.device.memcpy_nd.max_size_d1 and t.k_axis is None:
            inner_sizes, inner_strides = self.tall_rows(t, shape, list(block))
        else:
            inner_sizes, inner_strides = list(block), [shape[1], 1]
        steps = t.steps()
        # the K step's stride; 0 for one step (not K-streamed, or K in one
        # tile): a dim of size 1 is never walked, and 0 is a whole number of
        # DMA words for any element width
        step_stride = 0
        if t.k_axis is not None:
            if len(shape) > 1:  # (a 1-D piece is already its inner dims)
                inner_sizes[t.k_axis] = t.k_tile
            if steps > 1:
                step_stride = t.k_tile * strides[t.k_axis]
        if t.sequential and steps > 1:
            # the members of one core take their blocks in turn, each all its
            # K steps before the next (k_streamed_local): block-major, the
            # blocks as the outermost (repeat) dim, so one block read by
            # several members (stride 0) is sent again for each
            if len(deltas) <= 1 and all(d >= 0 for d in deltas):
                delta = deltas.pop() if deltas else 0
                sizes = [len(t.blocks), steps, *inner_sizes]
                return [(starts[0], sizes, [delta, step_stride, *inner_strides])]
            return [(s, [1, steps, *inner_sizes], [0, step_stride, *inner_strides]) for s in starts]
        if deltas == {0} and steps == 1:
            # one block again for each member of a core that reads it: the
            # repeat dimension (the only one whose stride may be 0) sends it again
            return [(starts[0], [len(t.blocks), 1, *inner_sizes], [0, 0, *inner_strides])]
        if len(deltas) <= 1 and all(d >= 0 for d in deltas):
            # one block has no delta: its dim of size 1 takes stride 0
            delta = deltas.pop() if deltas else 0
            sizes = [steps, len(t.blocks), *inner_sizes]
            return [(starts[0], sizes, [step_stride, delta, *inner_strides])]
        if steps > 1 and t.sequential:
            raise op_error(
                self.region, f"argument {t.name}: K-streamed blocks must be evenly spaced"
            )
        # more runs than a shim channel's task queue holds (a streamed
        # distribute's pieces, step-major over block, row and core: a run
        # per step): blocks whose starts form a lattice go in one call, its
        # dims outside the block's own (a leading 1 dropped)
        inner = list(zip(inner_sizes, inner_strides, strict=True))
        while len(inner) > 1 and inner[0][0] == 1:
            inner = inner[1:]
        many = steps == 1 and len(_runs(starts)) > SHIM_TASK_QUEUE
        found = _lattice(starts, 4 - len(inner)) if many else None
        if found is not None and len(found[0]) > 1:
            sizes, outer = found
            pad = 4 - len(inner) - len(sizes)
            return [
                (
                    starts[0],
                    [1] * pad + sizes + [n for n, _ in inner],
                    [0] * pad + outer + [d for _, d in inner],
                )
            ]
        # otherwise one call per run of evenly spaced blocks (a shim column
        # has few buffer descriptors; a join's blocks often come in runs) and,
        # K-streamed (a memtile chunk of a 2-D grid of blocks), per K step,
        # step-major as the chunk's objects hold them
        return [
            (start + s * step_stride, [1, n, *inner_sizes], [0, delta, *inner_strides])
            for s in range(steps)
            for start, n, delta in _runs(starts)
        ]

    def flat_rows(
        self, t: Transfer, shape: list[int], block: list[int]
    ) -> tuple[list[int], list[int]]:
        """A block of a rank >= 3 array as (rows, row length) with the rows'
        stride: the trailing dims the block spans whole are contiguous in the
        array and make one row, with at most one partial dim before them
        (the others of length 1); a long single row is cut as in 1-D."""
        strides = _strides(shape)
        # the last dim the block cuts; 0 when it spans all the others whole
        j = next((d for d in range(len(shape) - 1, 0, -1) if block[d] != shape[d]), 0)
        # the dims after j are whole, so dims j.. of the block are one contiguous row
        length = math.prod(block[j:])
        # the dims before j as (count, stride); neighbours whose strides line
        # up (the inner one whole) walk as one
        outer: list[tuple[int, int]] = []
        for d in range(j):
            if block[d] == 1:
                continue
            if outer and outer[-1][1] == block[d] * strides[d] and block[d] == shape[d]:
                outer[-1] = (outer[-1][0] * block[d], strides[d])
            else:
                outer.append((block[d], strides[d]))
        if len(outer) > 1:
            raise op_error(
                self.region,
                f"argument {t.name}: a block {block} of a {shape} array needs "
                f"{len(outer) + 1} strided dims; the NPU lowering moves a rank >= 3 block as "
                "rows of its contiguous trailing dims, stepping over one more",
            )
        if not outer:
            width = self.row_length(length, t.arg)
            return [length // width, width], [width, 1]
        rows, stride = outer[0]
        return [rows, length], [stride, 1]

    def tall_rows(
        self, t: Transfer, shape: list[int], block: list[int]
    ) -> tuple[list[int], list[int]]:
        """A 2-D block of more rows than a shim DMA dim counts: whole rows
        are one contiguous run, walked as in 1-D; else its rows as (groups,
        rows per group) of at most the limit each."""
        if block[1] == shape[1]:
            length = block[0] * block[1]
            width = self.row_length(length, t.arg)
            if length // width <= self.device.memcpy_nd.max_size_d1:
                return [length // width, width], [width, 1]
        most = self.device.memcpy_nd.max_size_d1
        per = max(d for d in range(1, most + 1) if block[0] % d == 0)
        return [block[0] // per, per, block[1]], [per * shape[1], shape[1], 1]

    def row_length(self, length: int, arg: int) -> int:
        """The largest divisor of `length` that fits the shim DMA's innermost size
        and is a whole number of DMA words (4100 int8 elements: rows of 820)."""
        t = self.region.args[arg].type
        assert isinstance(t, MemRefType)
        bits = aie.element_bits(t.element_type)
        word = self.device.memcpy_nd.word_bits
        limit = self.device.memcpy_nd.max_size_d0 * word // bits
        fits = [d for d in range(1, min(length, limit) + 1) if length % d == 0]
        # rows that are not whole words are padded before (npu_padding), so
        # `length` is a whole number of words and a word's elements divide it
        return max(d for d in fits if d * bits % word == 0)

    # ------------------------------------------------------------------ cores
    def transfers(self) -> tuple[aie.DeviceOp, bool]:
        """The device with its tiles, objectfifos and links (and whether it is
        the whole bundled GEMM design, cores included). Which fifo each
        instance's argument uses and how each stream is carried are recorded
        on the region (record_fifos) for `core_bodies`."""
        bundled = plan_bundled_gemm(self.region, self.device) or plan_one_per_core(
            self.region, self.device
        )
        if bundled is not None:
            design = GemmDesign(self, bundled)
            if not design.beside:
                return design.run(), True
            # the other tasks take the general route around the GEMM's channels;
            # the GEMM's tiles, fifos and cores then join their device
            group = bundled.group
            block, after = group.parent_block(), group.next_op
            assert block is not None
            group.detach()
            try:
                planned = plan_transfers(self.region, self.device, design.usage())
            except DiagnosticException:
                if design.members > 1:
                    raise
                # one task per core: the general route maps the GEMM too
                if after is None:
                    block.add_op(group)
                else:
                    block.insert_op_before(group, after)
                planned = None
            if planned is not None:
                device_op, names = self.skeleton(planned)
                self.record_fifos(names)
                design.run(device_op)
                group.erase()
                return device_op, False
        device_op, names = self.skeleton(plan_transfers(self.region, self.device))
        self.record_fifos(names)
        return device_op, False

    def record_fifos(self, names: FifoNames) -> None:
        """On each group, per instance and bound argument, the fifo it reads
        (`dato.read_fifos`) and writes (`dato.write_fifos`), "" for none; on
        each stream a chain keeps in one core, its element count
        (`dato.local_count`); on each stream joined or distributed through a
        memtile, the combined fifo (`dato.route_fifo`)."""
        for g in self.region.groups():
            for key, found in ((READ_FIFOS, names.reads), (WRITE_FIFOS, names.writes)):
                g.attributes[key] = ArrayAttr(
                    ArrayAttr(
                        StringAttr(found.get((inst.name, k_arg(g, k)), ""))
                        for k in range(len(g.args))
                    )
                    for inst in g.instances()
                )
        for decl in self.region.streams():
            name = decl.sym_name.data
            if name in self.local_streams:
                decl.attributes[LOCAL_COUNT] = IntegerAttr(self.local_streams[name], i64)
            if name in self.route_of:
                decl.attributes[ROUTE_FIFO] = StringAttr(
                    self.route_fifo[self.route_of[name][0].ident]
                )

    def read_fifos(self) -> FifoNames:
        """What record_fifos recorded, read back (and removed) from the region."""
        names = FifoNames({}, {})
        self.local_streams = {}
        for g in self.region.groups():
            for key, found in ((READ_FIFOS, names.reads), (WRITE_FIFOS, names.writes)):
                per_inst = g.attributes.pop(key, None)
                if not isinstance(per_inst, ArrayAttr):
                    raise op_error(g, f"has no {key}; run dato-npu-transfers first")
                for inst, fifos in zip(g.instances(), per_inst.data, strict=True):
                    assert isinstance(fifos, ArrayAttr)
                    for k, fifo in enumerate(fifos.data):
                        assert isinstance(fifo, StringAttr)
                        if fifo.data:
                            found[(inst.name, k_arg(g, k))] = fifo.data
        for decl in self.region.streams():
            count = decl.attributes.pop(LOCAL_COUNT, None)
            if isinstance(count, IntegerAttr):
                self.local_streams[decl.sym_name.data] = count.value.data
                if "dato.ring" in decl.attributes:  # a lockstep chain's ring wraps
                    self.rings.add(decl.sym_name.data)
            fifo = decl.attributes.pop(ROUTE_FIFO, None)
            routed = self.route_of.get(decl.sym_name.data)
            if isinstance(fifo, StringAttr) and routed is not None:
                self.route_fifo[routed[0].ident] = fifo.data
        return names

    def core_bodies(self, device_op: aie.DeviceOp) -> None:
        """The cores of a device `transfers` built, from the recorded fifos."""
        names = self.read_fifos()
        body = device_op.body.block
        tiles = {
            (op.col.value.data, op.row.value.data): op.result
            for op in body.ops
            if isinstance(op, aie.TileOp)
        }
        end = body.last_op  # the device's terminator: cores and buffers go before it
        assert end is not None
        per_tile: dict[tuple[int, int], list[tuple[dato.GroupOp, dato.Instance]]] = {}
        for g in self.region.groups():
            for inst, tile in zip(g.instances(), group_tiles(g), strict=True):
                per_tile.setdefault(tile, []).append((g, inst))
        rank: dict[str, int] = {}
        for op in self.region.body.block.ops:
            if isinstance(op, dato.ChainOp):
                for name in op.names:
                    rank.setdefault(name, len(rank))
        lockstep = lockstep_members(self.region)
        for tile, members in sorted(per_tile.items()):
            # a chain runs its members in order: producers before consumers
            order = {id(m): k for k, m in enumerate(members)}
            members = sorted(members, key=lambda m: (rank.get(m[1].name, -1), order[id(m)]))
            core_body = Block()
            builder = CoreBuilder(self, tiles[tile], core_body, body, end, names)
            fused: list[Block] = []  # members of a lockstep chain, each lowered apart
            for group, inst in members:
                if inst.name in lockstep:
                    builder.block = Block()
                    builder.instance(group, inst)
                    fused.append(builder.block)
                    builder.block = core_body
                    continue
                self.fuse(core_body, fused, builder, group)
                fused = []
                builder.instance(group, inst)
            self.fuse(core_body, fused, builder, members[-1][0])
            core_body.add_op(aie.EndOp())
            core = aie.CoreOp(
                tiles[tile], Region(core_body), KERNEL_OBJECT if builder.calls else None
            )
            core.location = members[0][0].location
            label_core(core, self.region, [inst.name for _, inst in members])
            body.insert_op_before(core, end)
        share_buffers(body)  # members run one after another: dead locals share
        first = body.first_op
        assert first is not None
        for name, types in self.kernels.items():
            decl = func.FuncOp.external(name, types, [])
            body.insert_op_before(decl, first)
        declare_called(self.region, body)  # the external kernels the tasks call
        record_padding(device_op, self.padding)  # the host lays these arrays out padded

    def fuse(
        self, core_body: Block, fused: list[Block], builder: CoreBuilder, at: Operation
    ) -> None:
        """The lowered members of a lockstep chain as one loop (npu_lockstep)."""
        if not fused:
            return
        rings = {v[0] for v in builder.locals.values()}
        try:
            fuse_members(core_body, fused, rings, builder.device_body)
        except NotFusable as why:
            raise op_error(at, f"the lockstep chain cannot be fused: {why}") from None


class CoreBuilder(CoreBody):
    """Fills one core's body with the instances placed on its tile."""

    def __init__(
        self,
        lowering: AieLowering,
        tile: SSAValue,
        block: Block,
        device_body: Block,
        anchor: Operation,
        names: FifoNames,
    ) -> None:
        super().__init__(tile, block, device_body, anchor)
        self.lowering = lowering
        self.names = names
        self.calls = False
        self.core_block = block
        self.packed: dict[str, tuple[SSAValue, SSAValue, int]] = {}
        self.locals: dict[str, tuple[SSAValue, SSAValue, SSAValue]] = {}
        self.routed: dict[str, SSAValue] = {}
        self.streams = {d.sym_name.data: d for d in lowering.region.streams()}
        # matmuls whose operands stream K: (A fifo, B fifo, K tile)
        self.k_streamed: dict[Operation, tuple[str | None, str, int]] = {}
        # allocs held in an input's buffer (npu_plan.reused_inputs)
        self.reused: dict[Operation, Operation] = {}
        # gets whose block is read in its fifo object (npu_plan.inplace_gets),
        # and the fifos to release after a top-level op of the body
        self.inplace: dict[dato.GetOp, Operation | None] = {}
        self.held: dict[Operation, list[str]] = {}
        # rewidening copies of a packed int4 block, done by unpacking the
        # fifo object (npu_plan.BodyBuffers.unpacked): the op -> (object, rows)
        self.unpack_at: dict[Operation, tuple[SSAValue, Rows]] = {}
        # arguments streamed by rows (npu_stream_reads): the body argument ->
        # (fifo, row object); the row acquired in the current iteration
        self.row_fifos: dict[SSAValue, tuple[str, MemRefType]] = {}
        self.row_views: dict[SSAValue, tuple[SSAValue, SSAValue]] = {}
        # of those, the ones written out by pieces (row_written): produced
        self.row_out: set[SSAValue] = set()
        # puts whose value was computed in the acquired object (dato-put-in-place)
        self.in_place_puts: set[dato.PutOp] = set()

    def call(
        self,
        kind: str,
        operands: list[SSAValue],
        shape: Sequence[int],
        elem: Attribute,
        unsigned: bool = False,
    ) -> None:
        suffix = type_suffix(elem)
        out_t = operands[-1].type
        if kind == "matmul" and isinstance(out_t, MemRefType):
            # mixed: operand_accumulator; u8 / u16 for UInt operands widened unsigned
            suffix = matmul_suffix(elem, out_t.element_type, unsigned)
        name = f"dato_{kind}_{suffix}_{'x'.join(map(str, shape))}"
        types = [v.type for v in operands]
        known = self.lowering.kernels.setdefault(name, types)
        if known != types and kind != "matmul":
            # same element count, another shape ([4] and [1, 4]): named by the
            # full shape (the wrapper counts the product of the dims)
            full = operands[-1].type if kind != "fill" else operands[0].type
            dims = full.get_shape()  # type: ignore[attr-defined]
            name = f"dato_{kind}_{suffix}_{'x'.join(map(str, dims))}"
            known = self.lowering.kernels.setdefault(name, types)
        if known != types and kind != "matmul":
            # that name is taken too (a copy of [8] into [8] after one of
            # [1, 8] into [1, 8]): named by the count and every array's shape
            shapes = "_".join(
                "x".join(map(str, v.type.get_shape()))
                for v in operands
                if isinstance(v.type, MemRefType)
            )
            name = f"dato_{kind}_{suffix}_{'x'.join(map(str, shape))}_shapes_{shapes}"
            known = self.lowering.kernels.setdefault(name, types)
        if known != types:
            raise ValueError(f"kernel {name} called with two signatures")
        self.emit(func.CallOp(name, operands, []))
        self.calls = True

    # ------------------------------------------------------------ instances
    def written_first_of(self, value: SSAValue) -> bool:
        """local_written_first of a body value, once per lowering."""
        memo = self.lowering.written_first
        if value not in memo:
            memo[value] = local_written_first(value)
        return memo[value]

    def instance(self, group: dato.GroupOp, inst: dato.Instance) -> None:
        plan = self.lowering.plan(group)
        src = group.body.block
        mapper: dict[SSAValue, SSAValue] = {}
        releases: list[tuple[str, str]] = []
        padded_out: list[tuple[SSAValue, SSAValue, Rows]] = []  # (task's block, object, rows)
        box_out: list[tuple[SSAValue, SSAValue, Box]] = []  # (local, object, box)
        kt = k_tile_of(group)
        mm = plan.matmul if kt is not None else None
        lm = plan.local_matmul if kt is not None and mm is None else None
        pieces = row_pieces(group)
        streamed_out = row_written(group)
        self.row_fifos = {}
        self.row_out = set()
        for k, arg in enumerate(src.args):
            if mm is not None and k in (mm.a, mm.b, mm.c):
                continue
            if lm is not None and k in (lm.a, lm.b):
                continue  # they arrive in K tiles at the matmul
            t = arg.type
            assert isinstance(t, MemRefType)
            read_fifo = self.names.reads.get((inst.name, k_arg(group, k)))
            write_fifo = self.names.writes.get((inst.name, k_arg(group, k)))
            box = self.lowering.write_boxes(group)[k].get(inst.name)
            if k in pieces and read_fifo is not None and write_fifo is None and box is None:
                # a row per iteration of its loop (row_loop), none held here
                self.row_fifos[arg] = (read_fifo, pieces[k])
                continue
            if k in streamed_out and write_fifo is not None and read_fifo is None and box is None:
                # a fresh object per piece, sent when its iterations are done
                self.row_fifos[arg] = (write_fifo, pieces[k])
                self.row_out.add(arg)
                continue
            if box is not None:
                # a part of a shared output: the body indexes all of it, its box moves
                mapper[arg] = local = self.buffer(t)
                rows = self.lowering.padding.get(self.lowering.region.args.index(group.args[k]))
                box_t = padded_type(MemRefType(t.element_type, list(box.shape)), rows)
                if write_fifo is not None:
                    out = self.acquire(write_fifo, "Produce", box_t)
                    releases.append((write_fifo, "Produce"))
                    box_out.append((local, out, box))
                if read_fifo is not None:
                    incoming = self.acquire(read_fifo, "Consume", box_t)
                    releases.append((read_fifo, "Consume"))
                    zero = (0,) * len(box.shape)
                    self.copy_box(incoming, local, zero, box.offsets, box.shape, dst_step=box.step)
                continue
            rows = self.lowering.padding.get(self.lowering.region.args.index(group.args[k]))
            obj = padded_type(t, rows)
            view = None
            if write_fifo is not None:
                view = self.acquire(write_fifo, "Produce", obj)
                releases.append((write_fifo, "Produce"))
            if read_fifo is not None:
                held = sum(1 for f, port in releases if f == read_fifo and port == "Consume")
                if held:
                    # joined reads: this argument's block is the fifo's next object
                    sub = self.emit(aie.ObjectFifoAcquireOp(read_fifo, "Consume", held + 1, obj))
                    access = aie.ObjectFifoSubviewAccessOp(sub.results[0], held)
                    incoming = self.emit(access).results[0]
                else:
                    incoming = self.acquire(read_fifo, "Consume", obj)
                releases.append((read_fifo, "Consume"))
                if view is None:
                    view = incoming
                else:
                    self.copy(incoming, view)
            if view is None:
                if not arg.uses:
                    continue  # an argument the body does not use: no buffer
                view = self.buffer(t)  # an argument the body neither reads nor writes
            elif (
                packs_nibbles(rows)
                and read_fifo is not None
                and write_fifo is None
                and plan.buffers is not None
                and k in plan.buffers.unpacked
            ):
                # read only through copies that unpack it into their locals
                for top in plan.buffers.unpacked[k]:
                    self.unpack_at[top] = (view, rows)  # type: ignore[assignment]
            elif rows is not None:
                # the task's block is the first L of every padded row of the object
                local = self.buffer(t)
                if read_fifo is not None and packs_nibbles(rows):
                    unpack_nibbles(self, view, local, rows)
                elif read_fifo is not None:
                    self.copy_rows(view, local)
                if write_fifo is not None:
                    padded_out.append((local, view, rows))
                view = local
            mapper[arg] = view
        if mm is not None:
            self.streamed_matmul(group, inst, mm, kt)  # type: ignore[arg-type]
        else:
            if lm is not None:
                # A no argument (-1): the body's own value, staged per K step
                a_fifo = self.names.reads[(inst.name, k_arg(group, lm.a))] if lm.a >= 0 else None
                b_fifo = self.names.reads[(inst.name, k_arg(group, lm.b))]
                self.k_streamed[lm.op] = (a_fifo, b_fifo, kt)  # type: ignore[assignment]
            bind = dict(zip(group.port_names, inst.bindings, strict=True))
            # counted so by body_buffers
            self.reused, self.inplace = reused_inputs(src), inplace_gets(src)
            self.copy_block(src, mapper, bind, inst)
            self.reused, self.inplace, self.unpack_at = {}, {}, {}
            if lm is not None:
                del self.k_streamed[lm.op]
        for local, view, rows in padded_out:
            if packs_nibbles(rows):
                pack_nibbles(self, local, view, rows)
            else:
                self.copy_rows(local, view)
        for local, view, box in box_out:
            zero = (0,) * len(box.shape)
            self.copy_box(local, view, box.offsets, zero, box.shape, src_step=box.step)
        for fifo, port in reversed(releases):
            self.release(fifo, port)

    def streamed_matmul(self, group: dato.GroupOp, inst: dato.Instance, mm, kt: int) -> None:  # noqa: ANN001
        args = group.body.block.args
        a_t, c_t = args[mm.a].type, args[mm.c].type
        assert isinstance(a_t, MemRefType) and isinstance(c_t, MemRefType)
        elem = c_t.element_type
        a_tile = MemRefType(a_t.element_type, [mm.m, kt])
        b_tile = MemRefType(args[mm.b].type.element_type, [kt, mm.n])  # type: ignore[attr-defined]
        c_fifo = self.names.writes[(inst.name, k_arg(group, mm.c))]
        a_fifo = self.names.reads[(inst.name, k_arg(group, mm.a))]
        b_fifo = self.names.reads[(inst.name, k_arg(group, mm.b))]
        c = self.acquire(c_fifo, "Produce", c_t)
        # bf16 streamed over K accumulates in f32 and rounds once at the end,
        # as the simulator and HLS do (rounding per K step changes results)
        acc = c
        if isinstance(elem, BFloat16Type) and mm.k // kt > 1:
            acc = self.buffer(MemRefType(Float32Type(), [mm.m, mm.n]))
        acc_t = acc.type.element_type  # type: ignore[attr-defined]
        zero = self.emit(arith.ConstantOp(_zero(acc_t))).results[0]
        self.call("fill", [acc, zero], [mm.m * mm.n], acc_t)
        lb, ub, step = self.const(0), self.const(mm.k // kt), self.const(1)
        loop_body = Block(arg_types=[IndexType()])
        self.emit(scf.ForOp(lb, ub, step, [], Region(loop_body)))
        saved = self.block
        self.block = loop_body
        a = self.acquire(a_fifo, "Consume", a_tile)
        b = self.acquire(b_fifo, "Consume", b_tile)
        self.call("matmul", [a, b, acc], [mm.m, kt, mm.n], a_t.element_type, mm.unsigned)
        self.release(a_fifo, "Consume")
        self.release(b_fifo, "Consume")
        self.emit(scf.YieldOp())
        self.block = saved
        if acc is not c:
            self.round_into(acc, c)
        self.release(c_fifo, "Produce")

    def k_streamed_local(self, op: linalg.MatmulOp, a_whole: SSAValue, acc: SSAValue) -> None:
        """`acc += a @ b` with a and b arriving in K tiles through their fifos
        (physical mapping streams them when they do not fit). bf16 over
        several steps adds into an f32 copy of acc, rounded back once. An A
        with no fifo (a local, a block got from a stream: `a_whole`) is whole
        on the tile: each step copies its m x kt strip into one staging
        buffer, the kernel's contiguous A tile."""
        a_fifo, b_fifo, kt = self.k_streamed[op]
        a_t, b_t = (v.type for v in op.inputs)
        assert isinstance(a_t, MemRefType) and isinstance(b_t, MemRefType)
        (m, k), n = a_t.get_shape(), b_t.get_shape()[1]
        acc_t = acc.type
        assert isinstance(acc_t, MemRefType)
        target = acc
        if isinstance(acc_t.element_type, BFloat16Type) and k // kt > 1:
            target = self.buffer(MemRefType(Float32Type(), [m, n]))

            def widen(idx: list[SSAValue]) -> None:
                v = self.emit(memref.LoadOp.get(acc, idx)).results[0]
                w = self.emit(arith.ExtFOp(v, Float32Type())).results[0]
                self.emit(memref.StoreOp.get(w, target, idx))

            self.loops([m, n], widen)
        stage = None if a_fifo is not None else self.buffer(MemRefType(a_t.element_type, [m, kt]))
        loop_body = Block(arg_types=[IndexType()])
        self.emit(
            scf.ForOp(self.const(0), self.const(k // kt), self.const(1), [], Region(loop_body))
        )
        saved = self.block
        self.block = loop_body
        if stage is None:
            assert a_fifo is not None
            a = self.acquire(a_fifo, "Consume", MemRefType(a_t.element_type, [m, kt]))
        else:
            a = stage
            first = self.emit(arith.MuliOp(loop_body.args[0], self.const(kt))).results[0]

            def strip(idx: list[SSAValue]) -> None:
                col = self.emit(arith.AddiOp(idx[1], first)).results[0]
                v = self.emit(memref.LoadOp.get(a_whole, [idx[0], col])).results[0]
                self.emit(memref.StoreOp.get(v, stage, idx))

            self.loops([m, kt], strip)
        b = self.acquire(b_fifo, "Consume", MemRefType(b_t.element_type, [kt, n]))
        self.call("matmul", [a, b, target], [m, kt, n], a_t.element_type, unsigned_matmul(op))
        if a_fifo is not None:
            self.release(a_fifo, "Consume")
        self.release(b_fifo, "Consume")
        self.emit(scf.YieldOp())
        self.block = saved
        if target is not acc:
            self.round_into(target, acc)

    def copy_box(
        self,
        src: SSAValue,
        dst: SSAValue,
        src_at: Sequence[int],
        dst_at: Sequence[int],
        shape: Sequence[int],
        src_step: Sequence[int] = (),
        dst_step: Sequence[int] = (),
    ) -> None:
        """dst[dst_at + i * dst_step] = src[src_at + i * src_step] for every
        index i of `shape` (a strided box's lattice to or from its compact
        object; steps () are all 1)."""

        def one(idx: list[SSAValue]) -> None:
            def shifted(at: Sequence[int], step: Sequence[int]) -> list[SSAValue]:
                out = []
                for i, o, s in zip(idx, at, step or (1,) * len(at), strict=True):
                    if s != 1:
                        i = self.emit(arith.MuliOp(i, self.const(s))).results[0]
                    out.append(self.emit(arith.AddiOp(i, self.const(o))).results[0] if o else i)
                return out

            v = self.emit(memref.LoadOp.get(src, shifted(src_at, src_step))).results[0]
            self.emit(memref.StoreOp.get(v, dst, shifted(dst_at, dst_step)))

        self.loops(list(shape), one)

    def copy_rows(self, src: SSAValue, dst: SSAValue) -> None:
        """Element by element over the smaller (unpadded) of the two shapes:
        a block and its padded fifo object share indices."""
        shapes = [v.type.get_shape() for v in (src, dst)]  # type: ignore[attr-defined]
        shape = min(shapes, key=lambda s: s[-1])

        def one(idx: list[SSAValue]) -> None:
            v = self.emit(memref.LoadOp.get(src, idx)).results[0]
            self.emit(memref.StoreOp.get(v, dst, idx))

        self.loops(list(shape), one)

    def round_into(self, acc: SSAValue, out: SSAValue) -> None:
        """out[i, j] = the f32 accumulator rounded to out's type, once."""
        t = out.type
        assert isinstance(t, MemRefType)

        def one(idx: list[SSAValue]) -> None:
            v = self.emit(memref.LoadOp.get(acc, idx)).results[0]
            r = self.emit(arith.TruncFOp(v, t.element_type)).results[0]
            self.emit(memref.StoreOp.get(r, out, idx))

        self.loops(list(t.get_shape()), one)

    # ------------------------------------------------------------- op by op
    def copy_block(
        self,
        src: Block,
        mapper: dict[SSAValue, SSAValue],
        bind: dict[str, str],
        inst: dato.Instance,
    ) -> None:
        for op in src.ops:
            self.lower_op(op, mapper, bind, inst)
            for fifo in self.held.pop(op, []):
                self.release(fifo, "Consume")

    def lower_op(
        self,
        op: Operation,
        mapper: dict[SSAValue, SSAValue],
        bind: dict[str, str],
        inst: dato.Instance,
    ) -> None:
        def m(v: SSAValue) -> SSAValue:
            return mapper.get(v, v)

        if isinstance(op, dato.PidOp):
            for r, value in zip(op.results, inst.pid, strict=True):
                mapper[r] = self.const(value)
        elif op in self.unpack_at:
            # dst[..] = ext(trunci(arg[..])): unpacking extends the same way
            packed, rows = self.unpack_at[op]
            store = next(o for o in op.walk() if isinstance(o, memref.StoreOp))
            unpack_nibbles(self, packed, m(store.memref), rows)
        elif op in self.reused:
            # an elementwise result computed into the input that dies there
            mapper[op.results[0]] = m(self.reused[op].results[0])
        elif (put := self.object_put(op, bind)) is not None:
            # computed in the put's object: acquired here, released at the put
            t = op.results[0].type
            mapper[op.results[0]] = self.acquire(put[1], "Produce", t)  # type: ignore[arg-type]
            self.in_place_puts.add(put[0])
            if not self.written_first_of(op.results[0]):
                zero = self.emit(arith.ConstantOp(_zero(t.element_type))).results[0]  # type: ignore[attr-defined]
                self.fill(mapper[op.results[0]], zero)
        elif isinstance(op, memref.AllocOp | memref.AllocaOp):
            # scalar locals too: an aie.core is no allocation scope for allocas
            t = op.results[0].type
            assert isinstance(t, MemRefType)
            mapper[op.results[0]] = self.buffer(t)
            if (values := table_values(op)) is not None:
                # a constant table: an initialised buffer, loaded with the design
                mapper[op.results[0]].owner.properties["initial_value"] = values  # type: ignore[union-attr]
            elif not self.written_first_of(op.results[0]):
                # read before it is written: the zeros a new buffer holds on the
                # simulator, made explicit (tile buffers are shared and reused)
                zero = self.emit(arith.ConstantOp(_zero(t.element_type))).results[0]
                self.fill(mapper[op.results[0]], zero)
        elif is_table_fill(op):
            pass  # the table's buffer holds these values from the start
        elif isinstance(op, dato.GetOp | dato.PutOp):
            # the concrete stream: a port's binding for this instance, or the region's
            stream = bind.get(op.stream.root_reference.data, op.stream.root_reference.data)
            routed = self.lowering.route_of.get(stream)
            if routed is not None and (routed[0].kind == "join") == isinstance(op, dato.GetOp):
                self.routed_access(op, routed[0], routed[1], m, mapper)
            elif stream in self.lowering.local_streams:
                self.local_access(op, stream, m, mapper)
            elif self.packing(stream) > 1:
                self.packed_access(op, stream, m, mapper)
            else:
                self.fifo_access(op, stream, m, mapper)
        elif isinstance(op, scf.ForOp) and ROW_LOOP in op.attributes:
            self.row_loop(op, mapper, bind, inst)
        elif isinstance(op, memref.LoadOp) and ROW_PIECE in op.attributes:
            found = self.row_views.get(op.memref)
            block = op.attributes.get(ROW_BLOCK)
            if found is None:  # not streamed after all: the whole block
                view, row = m(op.memref), m(op.indices[0])
            elif isinstance(block, IntegerAttr):
                # a block of CH rows per iteration: the row less CH times the
                # iterations of its row loop done
                view, first = found
                row = self.emit(arith.SubiOp(m(op.indices[0]), first)).results[0]
            else:  # this iteration's row (its object's first) or element
                view, row = found
            rest = [m(i) for i in op.indices[1:]]
            mapper[op.results[0]] = self.emit(memref.LoadOp.get(view, [row, *rest])).results[0]
        elif isinstance(op, memref.StoreOp) and ROW_PIECE in op.attributes:
            found = self.row_views.get(op.memref)
            if found is None:  # not streamed after all: the whole block
                view, row = m(op.memref), m(op.indices[0])
            else:  # this iteration's row (its object's first) or element
                view, row = found
            rest = [m(i) for i in op.indices[1:]]
            self.emit(memref.StoreOp.get(m(op.value), view, [row, *rest]))
        elif isinstance(op, memref.CopyOp):
            self.copy(m(op.source), m(op.destination))
        elif isinstance(op, linalg.FillOp):
            self.fill(m(op.outputs[0]), m(op.inputs[0]))
        elif isinstance(op, linalg.MatmulOp) and op in self.k_streamed:
            self.k_streamed_local(op, m(op.inputs[0]), m(op.outputs[0]))
        elif isinstance(op, linalg.MatmulOp):
            a, b = (m(v) for v in op.inputs)
            c = m(op.outputs[0])
            # linalg.matmul accumulates: its output is read as well
            (a, b, c), back = self.staged(op, [a, b, c], outputs=1, read_outputs=True)
            ta, tb = a.type, b.type
            assert isinstance(ta, MemRefType) and isinstance(tb, MemRefType)
            (mm, kk), nn = ta.get_shape(), tb.get_shape()[1]
            self.call("matmul", [a, b, c], [mm, kk, nn], ta.element_type, unsigned_matmul(op))
            self.unstage(back)
        elif type(op) in ELEMENTWISE_KERNELS:
            operands = [m(v) for v in (*op.inputs, *op.outputs)]  # type: ignore[attr-defined]
            operands, back = self.staged(op, operands, outputs=len(op.outputs), read_outputs=False)  # type: ignore[attr-defined]
            t = operands[-1].type
            assert isinstance(t, MemRefType)
            self.call(
                ELEMENTWISE_KERNELS[type(op)], operands, [math.prod(t.get_shape())], t.element_type
            )
            self.unstage(back)
        elif type(op).__module__.startswith("xdsl.dialects.linalg"):
            raise op_error(op, "has no NPU kernel in the kernel library yet")
        else:
            new = op.clone_without_regions(mapper)
            self.emit(new)
            for src_region, dst_region in zip(op.regions, new.regions, strict=True):
                for src_block in src_region.blocks:
                    nb = Block(arg_types=[a.type for a in src_block.args])
                    for a, b in zip(src_block.args, nb.args, strict=True):
                        mapper[a] = b
                    dst_region.add_block(nb)
                    saved = self.block
                    self.block = nb
                    for inner in src_block.ops:
                        self.lower_op(inner, mapper, bind, inst)
                        # a block received in a loop or branch, held in its
                        # fifo object up to its last user there
                        for fifo in self.held.pop(inner, []):
                            self.release(fifo, "Consume")
                    self.block = saved

    def row_loop(
        self,
        op: scf.ForOp,
        mapper: dict[SSAValue, SSAValue],
        bind: dict[str, str],
        inst: dato.Instance,
    ) -> None:
        """The loop walking the rows of the arguments streamed in it
        (npu_stream_reads): each iteration acquires the next row of each, its
        loads read it, and it is released before the next iteration."""
        src_block = op.body.block
        saved = self.block
        chunk = op.attributes.get(ROW_CHUNK)
        if isinstance(chunk, IntegerAttr):
            # 1-D pieces of `chunk` elements: the loop runs as chunks of that
            # many iterations (npu_stream_reads: its trip count is a multiple
            # and it carries no values), a piece acquired per chunk
            size = chunk.value.data
            m_lb, m_ub = mapper.get(op.lb, op.lb), mapper.get(op.ub, op.ub)
            count = self.emit(arith.SubiOp(m_ub, m_lb)).results[0]
            count = self.emit(arith.DivUIOp(count, self.const(size))).results[0]
            outer = Block(arg_types=[IndexType()])
            self.emit(scf.ForOp(self.const(0), count, self.const(1), [], Region(outer)))
            self.block = outer
            first = self.emit(arith.MuliOp(outer.args[0], self.const(size))).results[0]
            first = self.emit(arith.AddiOp(m_lb, first)).results[0]
            streamed = self.row_streamed_in(op)
            views = [self.acquire(fifo, self.row_port(arg), piece) for arg, fifo, piece in streamed]
            inner = Block(arg_types=[IndexType()])
            self.emit(scf.ForOp(self.const(0), self.const(size), self.const(1), [], Region(inner)))
            self.block = inner
            mapper[src_block.args[0]] = self.emit(arith.AddiOp(first, inner.args[0])).results[0]
            for (arg, _, _), view in zip(streamed, views, strict=True):
                self.row_views[arg] = (view, inner.args[0])
            for body_op in src_block.ops:
                self.lower_op(body_op, mapper, bind, inst)  # its yield ends the inner loop
            self.block = outer
            for arg, fifo, _ in reversed(streamed):
                self.release(fifo, self.row_port(arg))
                del self.row_views[arg]
            self.emit(scf.YieldOp())
            self.block = saved
            return
        new = op.clone_without_regions(mapper)
        del new.attributes[ROW_LOOP]
        self.emit(new)
        nb = Block(arg_types=[a.type for a in src_block.args])
        for a, b in zip(src_block.args, nb.args, strict=True):
            mapper[a] = b
        new.body.add_block(nb)
        self.block = nb
        streamed = self.row_streamed_in(op)
        for arg, fifo, piece in streamed:
            first = self.const(0)
            if piece.get_shape()[0] > 1:
                # CH rows a piece (npu_stream_reads ROW_BLOCK): the first row
                # of this iteration's piece is CH * (i - lb)
                done = self.emit(arith.SubiOp(nb.args[0], mapper.get(op.lb, op.lb))).results[0]
                first = self.emit(arith.MuliOp(done, self.const(piece.get_shape()[0]))).results[0]
            self.row_views[arg] = (self.acquire(fifo, self.row_port(arg), piece), first)
        terminator = src_block.last_op
        for inner_op in src_block.ops:
            if inner_op is terminator:
                for arg, fifo, _ in reversed(streamed):
                    self.release(fifo, self.row_port(arg))
                    del self.row_views[arg]
            self.lower_op(inner_op, mapper, bind, inst)
        self.block = saved

    def row_port(self, arg: SSAValue) -> str:
        """The side of its fifo a streamed argument takes: written ones produce."""
        return "Produce" if arg in self.row_out else "Consume"

    def row_streamed_in(self, op: scf.ForOp) -> list[tuple[SSAValue, str, MemRefType]]:
        """The arguments streamed by rows whose row loop is `op` (not every
        one whose loads it holds: a row loop nested in another's, B's rows
        inside A's in a matmul of loops, acquires only its own)."""
        out: list[tuple[SSAValue, str, MemRefType]] = []
        for arg, (fifo, piece) in self.row_fifos.items():
            assert isinstance(arg, BlockArgument)
            group = arg.owner.parent_op()
            assert isinstance(group, dato.GroupOp)
            if row_loop(group, arg.index) is op:
                out.append((arg, fifo, piece))
        return out

    def counter(self) -> SSAValue:
        """A one-word counter buffer of the tile set to 0 at the very start of
        the core (before any loop), so it counts across the whole core. An
        `aie.buffer`, not a `memref.alloca`: an `aie.core` is no automatic
        allocation scope, and mlir-aie rejects allocas in it."""
        count = self.buffer(MemRefType(i32, [1]))
        zero = arith.ConstantOp(IntegerAttr(0, i32))
        index = arith.ConstantOp(IntegerAttr(0, IndexType()))
        init = memref.StoreOp.get(zero.result, count, [index.result])
        first = self.core_block.first_op
        for new in (zero, index, init):
            if first is None:
                self.core_block.add_op(new)
            else:
                self.core_block.insert_op_before(new, first)
        return count

    def load_counter(self, counter: SSAValue) -> SSAValue:
        word = self.emit(memref.LoadOp.get(counter, [self.const(0)])).results[0]
        return self.emit(arith.IndexCastOp(word, IndexType())).results[0]

    def store_counter(self, value: SSAValue, counter: SSAValue) -> None:
        word = self.emit(arith.IndexCastOp(value, i32)).results[0]
        self.emit(memref.StoreOp.get(word, counter, [self.const(0)]))

    def packing(self, stream: str) -> int:
        decl = self.streams.get(stream)
        return decl.stream_type.packing.data if decl is not None else 1

    def staging(self, stream: str, elem: Attribute) -> tuple[SSAValue, SSAValue, int]:
        """A local buffer of `packing` elements and its fill counter, created
        once per core at its start: puts fill it and send it when full, gets
        refill it when empty, so one acquire/release moves `packing` elements."""
        if stream not in self.packed:
            p = self.packing(stream)
            buf = self.buffer(MemRefType(elem, [p]))
            self.packed[stream] = (buf, self.counter(), p)
        return self.packed[stream]

    def fifo_access(
        self,
        op: dato.GetOp | dato.PutOp,
        fifo: str,
        m: Callable[[SSAValue], SSAValue],
        mapper: dict[SSAValue, SSAValue],
    ) -> None:
        """One object per put/get: a block is copied (value semantics), a scalar
        travels as a one-element object."""
        t = op.element_type()
        port = "Produce" if isinstance(op, dato.PutOp) else "Consume"
        obj = MemRefType(t.element_type, t.get_shape()) if isinstance(t, MemRefType) else None
        # objects with narrow rows travel padded (physical mapping's dato.padded_rows)
        rows = read_padded_rows(self.streams.get(fifo))
        wide = padded_type(obj, rows) if obj is not None else None
        if op in self.in_place_puts:
            self.in_place_puts.discard(op)  # type: ignore[arg-type]
            self.release(fifo, port)
            return
        view = self.acquire(fifo, port, wide or MemRefType(t, [1]))
        if isinstance(op, dato.PutOp):
            if obj is not None and rows is not None:
                self.copy_rows(m(op.value), view)
            elif obj is not None:
                self.copy(m(op.value), view)
            else:
                self.emit(memref.StoreOp.get(m(op.value), view, [self.const(0)]))
        elif obj is not None and rows is None and op in self.inplace:
            # read where the fifo holds it, released after its last reader
            mapper[op.result] = view
            last = self.inplace[op]
            if last is not None:
                self.held.setdefault(last, []).append(fifo)
                return
        elif obj is not None:
            local = self.buffer(obj)
            if rows is not None:
                self.copy_rows(view, local)
            else:
                self.copy(view, local)
            mapper[op.result] = local
        else:
            mapper[op.result] = self.emit(memref.LoadOp.get(view, [self.const(0)])).results[0]
        self.release(fifo, port)

    def object_put(self, op: Operation, bind: dict[str, str]) -> tuple[dato.PutOp, str] | None:
        """The marked put (dato-put-in-place) of the local `op` allocates and
        its fifo, when the put reaches the stream's own fifo (fifo_access):
        not a chained, routed, packed or padded one."""
        if not isinstance(op, memref.AllocOp | memref.AllocaOp):
            return None
        put = in_place_put(op.results[0])
        if put is None or any(
            isinstance(u.operation, dato.PutOp) and u.operation is not put
            for u in op.results[0].uses
        ):
            return None  # put on other streams too (a broadcast set left apart)
        stream = bind.get(put.stream.root_reference.data, put.stream.root_reference.data)
        routed = self.lowering.route_of.get(stream)
        if (
            (routed is not None and routed[0].kind != "join")
            or stream in self.lowering.local_streams
            or self.packing(stream) > 1
            or read_padded_rows(self.streams.get(stream)) is not None
            or MERGED in (decl.attributes if (decl := self.streams.get(stream)) else {})
        ):
            return None  # members putting on one fifo in turn: may wait early
        return put, stream

    def slot_access(
        self,
        op: dato.GetOp | dato.PutOp,
        store: SSAValue,
        lead: Callable[[], list[SSAValue]],
        scalar_slot: Callable[[], list[SSAValue]],
        m: Callable[[SSAValue], SSAValue],
        mapper: dict[SSAValue, SSAValue],
    ) -> None:
        """A put copies its value into one slot of `store` (indices `lead()`
        then the object's own), a get copies the slot out into a new local; a
        scalar object is the element at `scalar_slot()`."""
        elem = op.element_type()
        is_put = isinstance(op, dato.PutOp)
        if isinstance(elem, MemRefType):
            local = m(op.value) if is_put else self.buffer(elem)

            def move(idx: list[SSAValue]) -> None:
                slot = [*lead(), *idx]
                if is_put:
                    v = self.emit(memref.LoadOp.get(local, idx)).results[0]
                    self.emit(memref.StoreOp.get(v, store, slot))
                else:
                    v = self.emit(memref.LoadOp.get(store, slot)).results[0]
                    self.emit(memref.StoreOp.get(v, local, idx))

            self.loops(list(elem.get_shape()), move)
            if not is_put:
                mapper[op.result] = local
        elif is_put:
            self.emit(memref.StoreOp.get(m(op.value), store, scalar_slot()))
        else:
            mapper[op.result] = self.emit(memref.LoadOp.get(store, scalar_slot())).results[0]

    def routed_access(
        self,
        op: dato.GetOp | dato.PutOp,
        route: StreamRoute,
        part: int,
        m: Callable[[SSAValue], SSAValue],
        mapper: dict[SSAValue, SSAValue],
    ) -> None:
        """Part `part` of a joined (gets) or distributed (puts) combined object:
        acquired at the group's first stream, released after its last (the
        accesses are consecutive in one block, see npu_stream_routes)."""
        fifo = self.lowering.route_fifo[route.ident]
        port = "Produce" if isinstance(op, dato.PutOp) else "Consume"
        if part == 0:
            self.routed[route.ident] = self.acquire(fifo, port, route.combined)
        view = self.routed[route.ident]
        self.slot_access(
            op,
            view,
            lambda: [self.const(part)],
            lambda: [self.const(part), self.const(0)],
            m,
            mapper,
        )
        if part == len(route.streams) - 1:
            self.release(fifo, port)
            del self.routed[route.ident]

    def advance(self, counter: SSAValue, n: SSAValue, modulo: int | None = None) -> SSAValue:
        """Store `n + 1` (wrapped at `modulo`) into `counter`; returns `n + 1`."""
        nxt = self.emit(arith.AddiOp(n, self.const(1))).results[0]
        stored = nxt
        if modulo is not None:
            stored = self.emit(arith.RemUIOp(nxt, self.const(modulo))).results[0]
        self.store_counter(stored, counter)
        return nxt

    def packed_access(
        self,
        op: dato.GetOp | dato.PutOp,
        fifo: str,
        m: Callable[[SSAValue], SSAValue],
        mapper: dict[SSAValue, SSAValue],
    ) -> None:
        elem = op.element_type()
        buf, count, p = self.staging(fifo, elem)
        obj = MemRefType(elem, [p])
        n = self.load_counter(count)
        if isinstance(op, dato.GetOp):
            empty = self.emit(arith.CmpiOp(n, self.const(0), "eq")).results[0]
            self.branch(empty, lambda: self.refill(fifo, obj, buf))
            mapper[op.result] = self.emit(memref.LoadOp.get(buf, [n])).results[0]
            self.advance(count, n, p)
            return
        self.emit(memref.StoreOp.get(m(op.value), buf, [n]))
        full_at = self.const(p)
        nxt = self.advance(count, n, p)
        full = self.emit(arith.CmpiOp(nxt, full_at, "eq")).results[0]
        self.branch(full, lambda: self.flush(fifo, obj, buf))

    def local_buffer(self, stream: str, elem: Attribute) -> tuple[SSAValue, SSAValue, SSAValue]:
        """The buffer a chained stream becomes, with its write and read counters
        (created once, at the core's start)."""
        if stream not in self.locals:
            count = self.lowering.local_streams[stream]
            if isinstance(elem, MemRefType) and count == 1:
                # one block: the block's own type, so it shares a buffer with
                # the members' dead locals of that type (aie_buffer_sharing)
                t = elem
            elif isinstance(elem, MemRefType):
                t = MemRefType(elem.element_type, [count, *elem.get_shape()])
            else:
                t = MemRefType(elem, [count])
            buf = self.buffer(t)
            self.locals[stream] = (buf, self.counter(), self.counter())
        return self.locals[stream]

    def local_access(
        self,
        op: dato.GetOp | dato.PutOp,
        stream: str,
        m: Callable[[SSAValue], SSAValue],
        mapper: dict[SSAValue, SSAValue],
    ) -> None:
        is_put = isinstance(op, dato.PutOp)
        elem = op.element_type()
        buf, written, read = self.local_buffer(stream, elem)
        counter = written if is_put else read
        n = self.load_counter(counter)
        one_block = buf.type == elem  # no slot dimension (local_buffer)
        self.slot_access(op, buf, lambda: [] if one_block else [n], lambda: [n], m, mapper)
        ring = stream in self.lowering.rings and not one_block
        self.advance(counter, n, self.lowering.local_streams[stream] if ring else None)

    def refill(self, fifo: str, obj: MemRefType, buf: SSAValue) -> None:
        view = self.acquire(fifo, "Consume", obj)
        self.copy(view, buf)
        self.release(fifo, "Consume")

    def flush(self, fifo: str, obj: MemRefType, buf: SSAValue) -> None:
        view = self.acquire(fifo, "Produce", obj)
        self.copy(buf, view)
        self.release(fifo, "Produce")

    def branch(self, cond: SSAValue, then: Callable[[], None]) -> None:
        inner = Block()
        self.emit(scf.IfOp(cond, [], Region(inner)))
        saved = self.block
        self.block = inner
        then()
        self.emit(scf.YieldOp())
        self.block = saved

    def staged(
        self, op: Operation, values: list[SSAValue], *, outputs: int, read_outputs: bool
    ) -> tuple[list[SSAValue], list[tuple[SSAValue, SSAValue]]]:
        """Contiguous stand-ins for strided views (a slice of a local such as
        Allo's `matmul(tmp_A[0], B)`), since library kernels take contiguous
        arrays: an input is copied into a buffer of the tile before the call,
        an output (the last `outputs` values) is computed in one and copied
        back by `unstage` (copied in first when the kernel reads it)."""
        out: list[SSAValue] = []
        back: list[tuple[SSAValue, SSAValue]] = []
        for k, v in enumerate(values):
            t = v.type
            if not isinstance(t, MemRefType):
                raise op_error(op, f"needs arrays on the NPU, got {t}")
            if _is_identity(t):
                out.append(v)
                continue
            local = self.buffer(MemRefType(t.element_type, t.get_shape()))
            is_output = k >= len(values) - outputs
            if not is_output or read_outputs:
                self.copy(v, local)
            if is_output:
                back.append((local, v))
            out.append(local)
        return out, back

    def unstage(self, back: list[tuple[SSAValue, SSAValue]]) -> None:
        for local, view in back:
            self.copy(local, view)

    def copy(self, src: SSAValue, dst: SSAValue) -> None:
        t = dst.type
        assert isinstance(t, MemRefType)
        if _is_identity(src.type) and _is_identity(t):
            self.call("copy", [src, dst], [math.prod(t.get_shape())], t.element_type)
            return
        self.loops(
            list(t.get_shape()),
            lambda idx: self.emit(
                memref.StoreOp.get(self.emit(memref.LoadOp.get(src, idx)).results[0], dst, idx)
            ),
        )

    def fill(self, dst: SSAValue, value: SSAValue) -> None:
        t = dst.type
        assert isinstance(t, MemRefType)
        if _is_identity(t):
            self.call("fill", [dst, value], [math.prod(t.get_shape())], t.element_type)
            return
        self.loops(list(t.get_shape()), lambda idx: self.emit(memref.StoreOp.get(value, dst, idx)))

    def loops(self, shape: list[int], body: Callable[[list[SSAValue]], object]) -> None:
        def level(k: int, idx: list[SSAValue]) -> None:
            if k == len(shape):
                body(idx)
                return
            lb, ub, step = self.const(0), self.const(shape[k]), self.const(1)
            inner = Block(arg_types=[IndexType()])
            self.emit(scf.ForOp(lb, ub, step, [], Region(inner)))
            saved = self.block
            self.block = inner
            level(k + 1, [*idx, inner.args[0]])
            self.emit(scf.YieldOp())
            self.block = saved

        level(0, [])


def k_arg(group: dato.GroupOp, k: int) -> int:
    """The region-argument index of a group's k-th bound argument."""
    region = group.parent_op()
    assert isinstance(region, dato.RegionOp)
    return region.args.index(group.args[k])


def _zero(t: Attribute) -> Attribute:
    if isinstance(t, IntegerType | IndexType):
        return IntegerAttr(0, t)
    return builtin.FloatAttr(0.0, t)  # type: ignore[arg-type]


def load_dialects(ctx: Context) -> Context:
    ctx = ctx.clone() if hasattr(ctx, "clone") else ctx
    for d in (aie.AIE, aiex.AIEX, func.Func, arith.Arith, memref.MemRef, scf.Scf):
        if d.name not in ctx.registered_dialect_names:
            ctx.load_dialect(d)
    return ctx


def placed_device(region: dato.RegionOp) -> devices.NpuDevice:
    name = region.attributes.get("dato.device")
    device = devices.lookup(name.data) if isinstance(name, StringAttr) else None
    if device is None:
        raise op_error(region, "region is not placed; run dato-physical-map first")
    return device
