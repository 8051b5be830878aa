"""What a compute tile's data memory holds, as physical mapping counts it:
the buffers one core's lowering allocates (TileMemory: each fifo once, the
members' locals by their live spans, dead buffers of one type sharing one as
aie_buffer_sharing allocates them), the bytes live at the busiest point
(live_bytes), and the K tiles of a matmul streamed over K (k_tile_for,
choose_k_tile), with the advice when even that does not fit (block_advice);
whose tile holds the objects of a stream between neighbours sharing memory
(held_objects)."""

from __future__ import annotations

from xdsl.dialects.builtin import MemRefType

from dato_xdsl.devices import NpuDevice
from dato_xdsl.dialects import dato
from dato_xdsl.dialects.aie import element_bytes, memref_bytes
from dato_xdsl.transforms.npu_plan import GroupPlan, shared_bytes
from dato_xdsl.transforms.npu_stream_merge import MERGED
from dato_xdsl.transforms.npu_stream_reads import ROW_DEPTH, row_pieces, row_written


def kib(n: int) -> str:
    return f"{n / 1024:g} KiB"


def held_objects(
    device: NpuDevice,
    here: tuple[int, int],
    peer: tuple[int, int],
    is_put: bool,
    objects: int,
) -> int:
    """The bytes of a stream's fifo objects (`objects`, depth x object) that
    tile `here` holds, for a stream it puts to (`is_put`) or gets from the
    tile `peer`: all of them at either end of a fifo moved by DMA; between
    neighbours sharing memory, all on the one tile holding the fifo
    (devices.fifo_holder: as mlir-aie allocates it) and none on the other."""
    producer, consumer = (here, peer) if is_put else (peer, here)
    holder = device.fifo_holder(producer, consumer)
    return objects if holder is None or holder == here else 0


def k_tile_bytes(m: int, k: int, n: int, kt: int, a_elem: int, b_elem: int, f32_acc: bool) -> int:
    """The bytes of a matmul's A (m x kt) and B (kt x n) tiles of K tile
    `kt`, double-buffered; with `f32_acc` (bf16), a K split in several steps
    also holds the m x n f32 accumulator the steps add into."""
    return 2 * (m * kt * a_elem + kt * n * b_elem) + (4 * m * n if f32_acc and kt < k else 0)


def k_tile_for(
    m: int, k: int, n: int, budget: int, a_elem: int, b_elem: int, fixed: int, f32_acc: bool
) -> int | None:
    """Largest K tile (a divisor of K) whose double-buffered A (m x kt) and B
    (kt x n) tiles fit in `budget` bytes beside `fixed` ones (the output block
    at its own width); with `f32_acc` (bf16), a K split in several steps also
    needs the m x n f32 accumulator the steps add into."""
    for kt in sorted((d for d in range(1, k + 1) if k % d == 0), reverse=True):
        if k_tile_bytes(m, k, n, kt, a_elem, b_elem, f32_acc) + fixed <= budget:
            return kt
    return None


def choose_k_tile(plan: GroupPlan, budget: int, elem: int, f32_acc: bool = False) -> int | None:
    """The K tile of a `c[:, :] = matmul(a, b)` body; `elem`: bytes of an
    output element (a mixed-precision accumulator counts at its width)."""
    mm = plan.matmul
    assert mm is not None
    args = plan.group.body.block.args
    a_elem = element_bytes(args[mm.a].type)  # type: ignore[arg-type]
    b_elem = element_bytes(args[mm.b].type)  # type: ignore[arg-type]
    return k_tile_for(mm.m, mm.k, mm.n, budget, a_elem, b_elem, mm.m * mm.n * elem, f32_acc)


def block_advice(
    m: int, n: int, acc: MemRefType, rest: int, budget: int, a_elem: int, b_elem: int
) -> str:
    """Why streaming K cannot make a matmul's tile fit, and the largest result
    block that would: the `rest` bytes beside A and B (the result's local, the
    blocks and stream objects of its size) scale with the block, the K tiles
    of one step (double-buffered) are the least A and B can take."""
    block = memref_bytes(acc)
    tiles = 2 * (m * a_elem + n * b_elem)
    most = max(0, (budget - tiles) * block // rest) // 256 * 256
    return (
        f"streaming A and B over K cannot make it fit: the rest is {kib(rest)}, "
        f"{rest / block:.3g} times the {m}x{n} {acc.element_type} result block of {kib(block)} "
        "(its local, the blocks and stream objects of its size); a mapping giving result blocks "
        f"of at most about {kib(most)} fits (more tasks over M or N, or a narrower result type)"
    )


class TileMemory:
    """The data memory one core's lowering allocates, as aie_buffer_sharing
    shares it: each fifo object once (the members take an array's blocks or a
    stream's objects in turn through one fifo), every local with the span of
    the core's ops that use it (members one after another in run order), the
    buffers of one type whose spans are disjoint counted once. Members of a
    lockstep chain (`fused`: npu_lockstep runs their loops as one) all start
    at one position: each one's locals live beside the others' while the
    fused loop runs, as the lowering allocates them."""

    def __init__(
        self,
        members: list[tuple[GroupPlan, dato.Instance]],
        order: dict[str, int],
        fused: set[str] | frozenset[str] = frozenset(),
    ) -> None:
        self.start: dict[str, int] = {}
        self.end: dict[str, int] = {}
        at = 1  # 0: the core's start, where the stream counters are set
        step: int | None = None  # where the fused members start
        for plan, inst in sorted(members, key=lambda m: order.get(m[1].name, 0)):
            length = (plan.buffers.length if plan.buffers else 0) + 1
            if inst.name in fused:
                step = at if step is None else step
                self.start[inst.name] = step
                self.end[inst.name] = step + length
                at = max(at, step + length + 1)
                continue
            self.start[inst.name] = at
            at += length
            self.end[inst.name] = at
            at += 1
        self.fifos: dict[object, tuple[str, int]] = {}
        self.spans: list[tuple[MemRefType, int, int]] = []
        self.tables = 0
        self.counters = 0
        self.chain: dict[str, list[object]] = {}
        # blocks gets read in their fifo objects (npu_plan.inplace_gets), by
        # stream; a local only for the streams in `copied` (chained, padded,
        # routed through a memtile: the lowering copies those out)
        self.got: list[tuple[str, MemRefType, int, int]] = []
        self.copied: set[str] = set()
        # locals computed in a put's object (dato-put-in-place), by stream:
        # locals again where the lowering reaches the stream otherwise
        self.put: list[tuple[str, MemRefType, int, int]] = []
        # per member, the types of its arguments unpacked into the body's
        # own locals (npu_plan.group_unpacked_in_place; no other argument
        # of the body has such a type)
        self.unpacked: dict[str, set[object]] = {}
        # reads streamed by rows (npu_stream_reads), by (array, True): the
        # fifo holds ROW_DEPTH rows, not the block
        self.row_streamed: dict[object, int] = {}
        self.read_whole: set[object] = set()
        # writes streamed out by pieces (npu_stream_reads.row_written): their
        # host copy never comes in, by (array, True)
        self.not_read: set[object] = set()

    def fifo(self, what: str, key: object, size: int) -> None:
        if key in self.not_read:
            return
        if key in self.row_streamed:
            # a member reading the array whole holds its block: the larger
            if key not in self.read_whole:
                size = self.row_streamed[key]
                what += f" (streamed by rows, {ROW_DEPTH} of {kib(size // ROW_DEPTH)})"
            if key in self.fifos and self.fifos[key][1] < size:
                del self.fifos[key]
        self.fifos.setdefault(key, (what, size))

    def locals(self, plan: GroupPlan, inst: dato.Instance, binding: dict[str, str]) -> None:
        found = plan.buffers
        if found is None:
            return
        pieces = row_pieces(plan.group)
        streamed_out = row_written(plan.group)
        for k in range(len(plan.group.body.block.args)):
            index = plan.group.args[k].index  # type: ignore[attr-defined]
            if k in streamed_out:
                self.row_streamed[(index, False)] = ROW_DEPTH * memref_bytes(pieces[k])
                self.not_read.add((index, True))
            elif k in pieces:
                self.row_streamed[(index, True)] = ROW_DEPTH * memref_bytes(pieces[k])
            elif plan.reads[k]:
                self.read_whole.add((index, True))
        base = self.start[inst.name]
        args = plan.group.body.block.args
        self.unpacked[inst.name] = {args[k].type for k in found.unpacked}
        self.spans += [(t, base + a, base + b) for t, a, b in found.spans]
        self.tables += found.tables
        for port, spans in found.got.items():
            name = binding.get(port, port)
            self.got += [(name, t, base + a, base + b) for t, a, b in spans]

    def in_objects(
        self,
        plan: GroupPlan,
        inst: dato.Instance,
        binding: dict[str, str],
        merged: set[str] | None = None,
    ) -> None:
        """The member's locals computed in their put's object (BodyBuffers.put),
        by the stream each port is bound to. `merged`: the region's merged
        streams (merged_streams) when the caller already has them, so a count
        of many members does not walk thousands of stream declarations for each."""
        if plan.buffers is None:
            return
        base = self.start[inst.name]
        if merged is None:
            merged = merged_streams(plan.group.parent_op())
        for port, spans in plan.buffers.put.items():
            name = binding.get(port, port)
            found = [(t, base + a, base + b) for t, a, b in spans]
            if name in merged:
                # members put on it in turn: the lowering keeps the local
                self.spans += found
            else:
                self.put += [(name, *span) for span in found]

    def whole_member(self, inst: dato.Instance, t: MemRefType) -> None:
        """A buffer the member's lowering holds from its start to its end
        (none for a packed int4 block unpacked into the body's locals)."""
        if t in self.unpacked.get(inst.name, set()):
            return
        self.spans.append((t, self.start[inst.name], self.end[inst.name]))

    def chained(
        self,
        name: str,
        t: MemRefType,
        inst: dato.Instance,
        plan: GroupPlan,
        port: str,
        is_put: bool,
    ) -> None:
        shape = t.get_shape()
        if len(shape) > 1 and shape[0] == 1:
            # one block: the lowering's buffer has the block's own type
            # (npu_lowering local_buffer), sharing with locals of that type
            t = MemRefType(t.element_type, shape[1:], t.layout, t.memory_space)
        entry = self.chain.setdefault(name, [t, None, None])
        found = plan.buffers
        base = self.start[inst.name]
        if is_put:
            at = found.first_put.get(port, 1) if found else 1
            entry[1] = base + at
        else:
            at = found.last_get.get(port, 1) if found else 1
            entry[2] = base + at

    def _named_fifos(self) -> list[tuple[str, int]]:
        """The fifos with their sizes, an array both copied in and sent out
        (its two fifos, keyed (array, True) and (array, False)) named by
        direction: "argument 2 in" and "argument 2 out", not the same words
        twice."""
        arrays: dict[str, set[object]] = {}
        for key, (what, _) in self.fifos.items():
            arrays.setdefault(what.partition(" (")[0], set()).add(
                key[0] if isinstance(key, tuple) else key
            )
        heads = [what.partition(" (")[0] for what, _ in self.fifos.values()]
        out: list[tuple[str, int]] = []
        for key, (what, size) in self.fifos.items():
            head, paren, rest = what.partition(" (")
            if heads.count(head) > 1 and isinstance(key, tuple) and len(key) == 2:
                # members' body arguments of one index may be different
                # arrays: then the region's argument tells them apart; one
                # array both copied in and sent out: the direction
                array = f" of region argument {key[0]}" if len(arrays[head]) > 1 else ""
                both = (key[0], not key[1]) in self.fifos
                way = (" in" if key[1] else " out") if both else ""
                what = f"{head}{array}{way}{paren}{rest}"
            out.append((what, size))
        return out

    def total(self) -> tuple[int, list[str]]:
        spans = list(self.spans)
        spans += [(t, a, b) for name, t, a, b in self.got if name in self.copied]
        spans += [(t, a, b) for name, t, a, b in self.put if name in self.copied | set(self.chain)]
        counters = self.counters
        for t, put, get in self.chain.values():
            ends = [v for v in (put, get) if isinstance(v, int)]
            spans.append((t, min(ends), max(ends)))  # type: ignore[arg-type]
            counters += 8  # its write and read counters
        local = shared_bytes(spans) + self.tables  # tables, unused: never shared
        parts = []
        fifo_total = 0
        by_what: dict[str, int] = {}
        for what, size in self.fifos.values():
            fifo_total += size
            kind = what.split(" ")[0]
            by_what[kind] = by_what.get(kind, 0) + size
        if local and len(self.start) == 1 and not self.chain:
            parts.append(f"{kib(local)} local buffers")
        elif local:
            chained = f" and {len(self.chain)} chained stream(s)" if self.chain else ""
            # the bytes live at the busiest point: what no sharing of dead
            # buffers, whatever their types, could go below
            most = live_bytes(spans)
            parts.append(
                f"{kib(local)} local buffers of {len(self.start)} members{chained} (buffers "
                f"whose lives do not overlap shared; {kib(most)} of them live at once)"
            )
        if len(self.fifos) <= 8:
            parts += [f"{kib(size)} for {what}" for what, size in self._named_fifos()]
        else:
            for kind, size in by_what.items():
                names = [what for what, _ in self.fifos.values() if what.startswith(kind)]
                listed = ", ".join(names[:3]) + (f", ... ({len(names)})" if len(names) > 3 else "")
                parts.append(f"{kib(size)} for {kind} fifos ({listed})")
        if counters:
            parts.append(f"{counters} bytes of stream counters")
        return local + fifo_total + counters, parts


def merged_streams(region: object) -> set[str]:
    """The streams of `region` that carry several merged streams (MERGED)."""
    decls = region.streams() if isinstance(region, dato.RegionOp) else []
    return {d.sym_name.data for d in decls if MERGED in d.attributes}


def live_bytes(spans: list[tuple[MemRefType, int, int]]) -> int:
    """The most bytes of `spans` live at one position (spans touching at an
    end overlap, as shared_bytes counts them)."""
    starts = [(a, 0, memref_bytes(t)) for t, a, _ in spans]
    events = sorted(starts + [(b, 1, memref_bytes(t)) for t, _, b in spans])
    live = most = 0
    for _, kind, size in events:
        live += size if kind == 0 else -size
        most = max(most, live)
    return most
