"""`dato-put-in-place`: a local computed only to be put on a stream is
computed in the stream's object.

`h.put(dato.matmul(x, w))` computes the product into a local and the put
copies it into the stream's fifo object: the tile holds the block twice (the
local, the producer's object). When the local has no use after the put, the
core can acquire the producer's object where the local is allocated, compute
into it, and release it at the put: one block, no copy.

A put qualifies when its value is a `memref.alloc` of the put's block whose
type is the stream's object type (no stream index, no padded rows: rows of
whole DMA words), put once, with every other use between the allocation and
the put, none through another put or a get. The allocation moves to just
before its first use (holding the object no longer than the local lived),
and between it and the put no stream is accessed (nested ops included):
every other stream sees the core's accesses in the order written. The
object's acquire comes earlier than the put's did, before the work the
local takes; at the body's top level a task instance puts once, so the
acquire finds a free object (a fifo starts with all of them free). A put in
a loop may wait for its object: its window must then hold no matmul (whose
K tiles the core acquires from argument fifos while it waits), so the core
acquires nothing between that wait and the put, as before.
A local an element-wise op's result takes over (npu_plan.reused_inputs) is
left alone: the lowering maps it to another buffer. The puts right after
the put of its value on the other streams of a broadcast set
(npu_broadcast_streams) count as that one put: placed, the set is one fifo
and they go (dato-npu-broadcast-fifos); left apart, the lowering keeps the
local (CoreBuilder.object_put) and physical mapping counts it.

The decision is kept on the put, `dato.put @h, %v {dato.in_place}`: physical
mapping counts the local as the stream's object (npu_plan.BodyBuffers.put),
and the NPU lowering acquires the object at the allocation and only releases
it at the put. A stream the lowering reaches otherwise (between members of
one core, or routed through a memtile) still gets the local and the copy,
and physical mapping counts the local for it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import memref
from xdsl.dialects.builtin import MemRefType, ModuleOp, UnitAttr
from xdsl.dialects.linalg import ops as linalg
from xdsl.ir import Block, Operation
from xdsl.passes import ModulePass

from dato_xdsl import devices
from dato_xdsl.dialects import dato
from dato_xdsl.transforms.constant_tables import table_values
from dato_xdsl.transforms.in_place_marks import IN_PLACE, in_place_put, put_in_place
from dato_xdsl.transforms.npu_broadcast_streams import broadcast_sets, put_runs
from dato_xdsl.transforms.npu_padding import stream_rows
from dato_xdsl.transforms.npu_plan import reused_inputs


def _accesses_stream(op: Operation) -> bool:
    return any(isinstance(inner, dato.GetOp | dato.PutOp) for inner in op.walk())


def _acquires_tiles(op: Operation) -> bool:
    """`op` may wait on argument fifos (a matmul's K tiles arrive through them)."""
    return any(isinstance(inner, linalg.MatmulOp) for inner in op.walk())


def candidate(
    put: dato.PutOp, decls: dict[str, list[dato.StreamOp]], word: int
) -> Operation | None:
    """The allocation of `put`'s value when the put qualifies (module
    docstring), else None."""
    value = put.value
    alloc = value.owner
    block = put.parent_block()
    if (
        put.indices
        or block is None
        or not isinstance(alloc, memref.AllocOp | memref.AllocaOp)
        or alloc.parent_block() is not block
        or table_values(alloc) is not None
        or not isinstance(value.type, MemRefType)
    ):
        return None
    bound = decls.get(put.stream.root_reference.data)
    if not bound:
        return None
    for decl in bound:
        if decl.stream_type.element_type != value.type:
            return None
        if stream_rows(decl, word) is not None:
            return None  # its objects travel with padded rows: the put copies row by row
    tops: list[Operation] = []
    tail = broadcast_tail(put)
    for use in value.uses:
        if use.operation is put or use.operation in tail:
            continue
        top = block.find_ancestor_op_in_block(use.operation)
        if top is None or isinstance(use.operation, dato.PutOp) or not top.is_before_in_block(put):
            return None
        tops.append(top)
    if not tops:
        return None  # nothing computes it: the put sends what a new local holds
    return alloc


def broadcast_tail(put: dato.PutOp) -> set[Operation]:
    """The puts after `put` of a broadcast run it starts (adjacent puts of
    its value on the other streams of a recorded set, npu_broadcast_streams):
    with the set made one fifo they go, and the object is put once."""
    region = put.parent_op()
    while region is not None and not isinstance(region, dato.RegionOp):
        region = region.parent_op()
    if region is None:
        return set()
    sets = broadcast_sets(region)
    if not sets:
        return set()
    tail: set[Operation] = set()
    at = put.next_op
    while isinstance(at, dato.PutOp) and at.value == put.value:
        tail.add(at)
        at = at.next_op
    # the set's streams are named by ports or region streams: the run is a
    # recorded one when put_runs found it (the same ops)
    if not tail:
        return set()
    for run in put_runs(region):
        if run.puts[0] is put and run.streams[0] in sets:
            return tail
    return set()


def mark_puts(body: Block, decls: dict[str, list[dato.StreamOp]], word: int) -> list[str]:
    """Mark the qualifying puts of `body` and of the blocks nested in it (and
    unmark those that no longer qualify: the pass runs again after passes
    that change streams); the streams of the puts marked."""
    reused = reused_inputs(body)
    held = set(reused) | set(reused.values())
    done: list[str] = []
    puts = [op for op in body.walk() if isinstance(op, dato.PutOp)]
    for put in puts:
        put.attributes.pop(IN_PLACE, None)  # decided anew (a cut may change a stream)
    for put in puts:
        alloc = candidate(put, decls, word)
        if alloc is None or alloc in held:
            continue
        block = put.parent_block()
        assert block is not None
        first = min(
            (block.find_ancestor_op_in_block(u.operation) for u in alloc.results[0].uses),
            key=lambda op: list(block.ops).index(op),  # type: ignore[arg-type]
        )
        assert first is not None
        # from the first use to the put, no other stream access
        window: list[Operation] = []
        at = first
        while at is not None and at is not put:
            window.append(at)
            at = at.next_op
        if at is None or any(_accesses_stream(op) for op in window):
            continue
        if block is not body and any(_acquires_tiles(op) for op in window):
            # a put run more than once (in a loop) may wait at the object's
            # acquire; it must not then hold the K tiles' fifos waiting too
            continue
        if alloc.next_op is not first:
            alloc.detach()
            block.insert_op_before(alloc, first)
        put.attributes[IN_PLACE] = UnitAttr()
        done.append(put.stream.root_reference.data)
    return done


@dataclass(frozen=True)
class PutInPlacePass(ModulePass):
    """Compute locals only put on a stream in the stream's object."""

    name = "dato-put-in-place"

    device: str = "npu1"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        model = devices.lookup(self.device)
        if model is None:
            return  # dato-physical-map names the unknown device
        word = model.memcpy_nd.word_bits
        for region in [o for o in op.walk() if isinstance(o, dato.RegionOp)]:
            streams = {d.sym_name.data: d for d in region.streams()}
            for group in region.groups():
                # a port stands for the streams its instances bind it to
                decls = {name: [decl] for name, decl in streams.items()}
                for k, port in enumerate(group.port_names):
                    bound = {inst.bindings[k] for inst in group.instances()}
                    decls[port] = [streams[b] for b in sorted(bound) if b in streams]
                mark_puts(group.body.block, decls, word)


__all__: Sequence[str] = ["IN_PLACE", "PutInPlacePass", "in_place_put", "mark_puts", "put_in_place"]
