"""`dato-npu-pack-buffers`: a design with more arrays than the xclbin's host
buffers packs several arrays into one buffer.

The xclbin aiecc.py builds declares five host buffers (bo0..bo4, mlir-aie's
kernel signature; `buffers` below). A runtime sequence taking more arrays
than that would crash inside XRT. As mlir-aie's own host code does, arrays of
one element type share a buffer: the runtime sequence takes at most
`buffers` 1-D buffers, each transfer of an array addresses its buffer at the
array's base offset (added to the innermost offset, whose stride is the
element step), and the sequence records the layout for the host:

    aie.runtime_sequence(%buf0: memref<16xi32>, ..., %buf4: memref<32xi32>)
        attributes {dato.packed_buffers = [[0, 0], ..., [5, 0, 6, 16]]}

buffer k holds, in its list, (array index, element offset) pairs. Each base
is aligned to a 32-bit word (the DMA's address unit). Arrays merge two at a
time, the last two buffers of the element type with most buffers, until the
count fits; a design whose arrays have more element types than buffers is
left alone (the project then refuses it with the numbers)."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseArrayBase,
    IntegerAttr,
    MemRefType,
    ModuleOp,
    i64,
)
from xdsl.ir import Attribute, Block
from xdsl.passes import ModulePass

from dato_xdsl.diagnostics import op_error
from dato_xdsl.dialects import aie, aiex

PACKED = "dato.packed_buffers"
WORD_BITS = 32


def _bits(t: Attribute) -> int:
    width = getattr(t, "bitwidth", None)
    if isinstance(width, int):
        return width
    return WORD_BITS


def _elements(t: MemRefType) -> int:
    n = 1
    for d in t.get_shape():
        n *= d
    return n


def plan_packing(types: list[MemRefType], buffers: int) -> list[list[int]] | None:
    """Groups of array indices, one group per buffer (in order of their first
    array), or None when the arrays already fit or cannot be packed."""
    if len(types) <= buffers:
        return None
    groups = [[k] for k in range(len(types))]
    while len(groups) > buffers:
        by_type: dict[Attribute, list[list[int]]] = {}
        for g in groups:
            by_type.setdefault(types[g[0]].element_type, []).append(g)
        mergeable = [gs for gs in by_type.values() if len(gs) > 1]
        if not mergeable:
            return None
        gs = max(mergeable, key=len)  # the type with most buffers (first on ties)
        first, second = gs[-2], gs[-1]
        first.extend(second)
        groups.remove(second)
    return groups


def offsets(types: list[MemRefType], group: list[int]) -> tuple[list[int], int]:
    """Each array's element offset in its buffer (word-aligned) and the total."""
    bits = _bits(types[group[0]].element_type)
    per_word = max(1, WORD_BITS // bits)
    at, out = 0, []
    for k in group:
        out.append(at)
        at += _elements(types[k])
        at = -(-at // per_word) * per_word  # the next array starts on a word
    return out, at


def pack_sequence(sequence: aie.RuntimeSequenceOp, buffers: int) -> None:
    block = sequence.body.block
    types = [a.type for a in block.args]
    if not all(isinstance(t, MemRefType) for t in types):
        return
    groups = plan_packing(types, buffers)  # type: ignore[arg-type]
    if groups is None:
        return
    for arg in block.args:
        for use in arg.uses:
            op = use.operation
            if not isinstance(op, aiex.NpuDmaMemcpyNdOp):
                raise op_error(
                    op,
                    f"uses array {arg.index} of the runtime sequence; only "
                    "dma_memcpy_nd transfers can address a packed buffer",
                )
            inner = op.static_list("static_strides")[-1]
            if inner not in (0, 1):
                raise op_error(
                    op,
                    f"has innermost stride {inner}; a packed array's base "
                    "offset is added to the innermost offset, whose step must be 1",
                )
    new_block = Block(
        arg_types=[
            MemRefType(types[g[0]].element_type, [offsets(types, g)[1]])  # type: ignore[arg-type]
            for g in groups
        ]
    )
    layout: list[Attribute] = []
    for b, group in enumerate(groups):
        bases, _ = offsets(types, group)  # type: ignore[arg-type]
        pairs: list[Attribute] = []
        for k, base in zip(group, bases, strict=True):
            old = block.args[k]
            for use in list(old.uses):
                op = use.operation
                assert isinstance(op, aiex.NpuDmaMemcpyNdOp)
                offs = op.static_list("static_offsets")
                offs[-1] += base
                op.properties["static_offsets"] = DenseArrayBase.from_list(i64, offs)
            old.replace_all_uses_with(new_block.args[b])
            pairs += [IntegerAttr(k, i64), IntegerAttr(base, i64)]
        layout.append(ArrayAttr(pairs))
        new_block.args[b].name_hint = f"buf{b}"
    for op in list(block.ops):
        op.detach()
        new_block.add_op(op)
    sequence.body.insert_block_before(new_block, block)
    sequence.body.detach_block(block)
    block.erase()
    sequence.attributes[PACKED] = ArrayAttr(layout)


@dataclass(frozen=True)
class NpuPackBuffersPass(ModulePass):
    """Pack a runtime sequence's arrays into at most `buffers` host buffers
    (arrays of one element type share one, at word-aligned offsets) and record
    the layout for the host runner."""

    name = "dato-npu-pack-buffers"

    buffers: int = 5
    """host buffers of the xclbin's kernel (bo0..bo4 in mlir-aie's signature)"""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for sequence in [s for s in op.walk() if isinstance(s, aie.RuntimeSequenceOp)]:
            pack_sequence(sequence, self.buffers)


def read_packing(sequence: aie.RuntimeSequenceOp) -> list[list[tuple[int, int]]] | None:
    """The recorded layout: per buffer, (array index, element offset) pairs."""
    layout = sequence.attributes.get(PACKED)
    if not isinstance(layout, ArrayAttr):
        return None
    out = []
    for entry in layout.data:
        assert isinstance(entry, ArrayAttr)
        values = [v.value.data for v in entry.data if isinstance(v, IntegerAttr)]
        out.append(list(zip(values[::2], values[1::2], strict=True)))
    return out


__all__ = [
    "PACKED",
    "NpuPackBuffersPass",
    "offsets",
    "pack_sequence",
    "plan_packing",
    "read_packing",
]
