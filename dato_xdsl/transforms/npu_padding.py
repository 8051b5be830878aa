"""Narrow array rows on the NPU: padded to whole 32-bit DMA words.

The NPU's DMAs move 32-bit words from word-aligned addresses (AM020; mlir-aie's
dma_memcpy_nd rules), so an int8/int16 array whose blocks have rows that are
not whole words (an int8[12] array cut into blocks of 3) cannot move as it is.
Physical mapping pads such an array: every block's last dimension L grows to
Lp, the next length that is a whole number of words, so block b of the array
starts at b * Lp in its last dimension. The decision is recorded on the region
as `dato.padded_rows = array<i64: arg, L, Lp, ...>` (region argument index,
block row, padded row) and carried onto the lowered `aie.device`. The transfer
planner and the runtime sequence work on the padded array; each core copies
its block between the padded fifo object and a buffer of the task's own type;
the host side (targets/aie/host_layout.py) lays the user's array out padded
before the run and takes the L elements of every block back after it."""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import DenseArrayBase, MemRefType
from xdsl.ir import Operation

from dato_xdsl.dialects.aie import element_bits

PADDED_ROWS = "dato.padded_rows"


def padded_length(length: int, bits: int, word: int) -> int:
    """The shortest row of at least `length` elements of `bits` bits that is a
    whole number of `word`-bit words."""
    per_word = word // bits
    return -(-length // per_word) * per_word


def read_padding(op: Operation) -> dict[int, tuple[int, int]]:
    """arg -> (L, Lp) from an op's `dato.padded_rows` (empty if none)."""
    attr = op.attributes.get(PADDED_ROWS)
    if not isinstance(attr, DenseArrayBase):
        return {}
    flat = [int(v) for v in attr.get_values()]
    return {flat[k]: (flat[k + 1], flat[k + 2]) for k in range(0, len(flat), 3)}


def record_padding(op: Operation, padding: dict[int, tuple[int, int]]) -> None:
    flat = [v for arg in sorted(padding) for v in (arg, *padding[arg])]
    if flat:
        from xdsl.dialects.builtin import i64

        op.attributes[PADDED_ROWS] = DenseArrayBase.from_list(i64, flat)


def padded_shape(shape: Sequence[int], rows: tuple[int, int]) -> list[int]:
    """An array's (or block's) shape with each run of L in its last dim as Lp."""
    length, padded = rows
    return [*shape[:-1], shape[-1] // length * padded]


def padded_type(t: MemRefType, rows: tuple[int, int] | None) -> MemRefType:
    if rows is None:
        return t
    return MemRefType(t.element_type, padded_shape(t.get_shape(), rows))


def padded_offsets(offsets: Sequence[int], rows: tuple[int, int] | None) -> tuple[int, ...]:
    if rows is None:
        return tuple(offsets)
    length, padded = rows
    return (*offsets[:-1], offsets[-1] // length * padded)


def stream_rows(decl: Operation, word: int) -> tuple[int, int] | None:
    """(L, Lp) for a block stream of 8- or 16-bit elements whose rows are not
    whole DMA words: its objects travel with each row padded to Lp (the
    stream's own objects, so the padding is the compiler's alone)."""
    elem = decl.stream_type.element_type  # type: ignore[attr-defined]
    if not isinstance(elem, MemRefType) or not elem.get_shape():
        return None
    bits = element_bits(elem.element_type)
    length = elem.get_shape()[-1]
    if not 0 < bits < word or word % bits or length <= 0 or length * bits % word == 0:
        return None
    return length, padded_length(length, bits, word)


def read_padded_rows(decl: Operation | None) -> tuple[int, int] | None:
    """(L, Lp) a stream declaration's objects travel with, if padded."""
    attr = decl.attributes.get(PADDED_ROWS) if decl is not None else None
    if not isinstance(attr, DenseArrayBase):
        return None
    length, padded = (int(v) for v in attr.get_values())
    return length, padded
