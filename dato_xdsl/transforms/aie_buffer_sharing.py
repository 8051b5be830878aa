"""Buffers of one core whose lives do not overlap share one `aie.buffer`.

A core runs the instances placed on its tile (a bundle's members, a chain's
stages) one after another, and an instance's locals are dead once it ends;
inside one instance too, a local is dead after its last use. The live span of
a buffer is the run of the core's top-level ops that use it (a use inside a
loop or a conditional holds it for that whole op). Buffers of one type whose
spans are disjoint get one allocation, chosen greedily in order of their
spans' starts: that takes, per type, exactly as many buffers as the most spans
overlapping at one op (spans form an interval graph), the figure physical
mapping counts for the tile (npu_plan.shared_bytes).

Buffers with an initial value (constant tables), a name, a use outside
the core (a DMA's) or no use at all keep their own allocation."""

from __future__ import annotations

from xdsl.ir import Block, Operation

from dato_xdsl.dialects import aie


def share_buffers(device_body: Block) -> None:
    """Share the buffers of every core of a device body."""
    buffers = [op for op in device_body.ops if isinstance(op, aie.BufferOp)]
    for core in [op for op in device_body.ops if isinstance(op, aie.CoreOp)]:
        share_core_buffers(core, [b for b in buffers if b.tile is core.tile])


def share_core_buffers(core: aie.CoreOp, buffers: list[aie.BufferOp]) -> None:
    block = core.body.block
    pos = {op: k for k, op in enumerate(block.ops)}
    spans: list[tuple[int, int, int, aie.BufferOp]] = []
    for order, buf in enumerate(buffers):
        if buf.initial_value is not None or buf.sym_name is not None:
            continue
        at: list[int] = []
        for use in buf.buffer.uses:
            top = _top(block, use.operation)
            if top is None:
                at = []
                break
            at.append(pos[top])
        if at:
            spans.append((min(at), order, max(at), buf))
    # per type, the allocations in use: (the end of the span it holds, buffer)
    held: dict[object, list[tuple[int, aie.BufferOp]]] = {}
    for start, _, end, buf in sorted(spans, key=lambda s: (s[0], s[1])):
        slots = held.setdefault(buf.buffer.type, [])
        free = next((k for k, (last, _) in enumerate(slots) if last < start), None)
        if free is None:
            slots.append((end, buf))
            continue
        _, keep = slots[free]
        slots[free] = (end, keep)
        buf.buffer.replace_all_uses_with(keep.buffer)
        parent = buf.parent_block()
        assert parent is not None
        parent.erase_op(buf)


def _top(block: Block, op: Operation) -> Operation | None:
    """The op of `block` that is or contains `op` (None: outside it)."""
    return block.find_ancestor_op_in_block(op)
