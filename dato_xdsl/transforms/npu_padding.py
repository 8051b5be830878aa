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
before the run and takes the L elements of every block back after it.

int4 / uint4 arrays (held one value per byte in i8 storage, which the
frontend marks on the region as `dato.nibbles = array<i64: arg, signed, ...>`)
move packed, two per byte, as AIE-ML stores them: every block row of L values
travels as Lp bytes, the ceil(L / 2) packed bytes padded to whole words,
recorded as `dato.packed_nibbles = array<i64: arg, L, Lp, signed, ...>`. The
nibble order is the little-endian one: value 2k in bits 3:0 of byte k, value
2k+1 in bits 7:4 (UG1583: AIE-ML's v2int4 is one byte; Allo's AIE host packs
int4 the same way). The core unpacks a block into its one-per-byte buffer
(sign- or zero-extended) and packs it back; the host packs and unpacks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from xdsl.dialects import arith, memref, scf
from xdsl.dialects.builtin import DenseArrayBase, IntegerType, MemRefType, i8, i64
from xdsl.ir import Attribute, Block, Operation, SSAValue

from dato_xdsl.dialects import dato
from dato_xdsl.dialects.aie import element_bits
from dato_xdsl.transforms.ir_constants import int_constant

PADDED_ROWS = "dato.padded_rows"
NIBBLES = "dato.nibbles"
PACKED_NIBBLES = "dato.packed_nibbles"

Rows = tuple[int, ...]
"""(L, Lp): rows of L elements padded to Lp; (L, Lp, signed): rows of L int4
(signed 1) or uint4 (signed 0) values packed into Lp bytes."""


def padded_length(length: int, bits: int, word: int) -> int:
    """The shortest row of at least `length` elements of `bits` bits that is a
    whole number of `word`-bit words."""
    per_word = word // bits
    return -(-length // per_word) * per_word


def _read(op: Operation, name: str, width: int) -> list[list[int]]:
    attr = op.attributes.get(name)
    if not isinstance(attr, DenseArrayBase):
        return []
    flat = [int(v) for v in attr.get_values()]
    return [flat[k : k + width] for k in range(0, len(flat), width)]


def read_padding(op: Operation) -> dict[int, Rows]:
    """arg -> (L, Lp) from an op's `dato.padded_rows`, and arg -> (L, Lp,
    signed) from its `dato.packed_nibbles` (empty if neither)."""
    out: dict[int, Rows] = {e[0]: (e[1], e[2]) for e in _read(op, PADDED_ROWS, 3)}
    out |= {e[0]: (e[1], e[2], e[3]) for e in _read(op, PACKED_NIBBLES, 4)}
    return out


def record_padding(op: Operation, padding: dict[int, Rows]) -> None:
    for name, width in ((PADDED_ROWS, 2), (PACKED_NIBBLES, 3)):
        flat = [
            v for arg in sorted(padding) if len(padding[arg]) == width for v in (arg, *padding[arg])
        ]
        if flat:
            op.attributes[name] = DenseArrayBase.from_list(i64, flat)


def read_nibbles(op: Operation) -> dict[int, bool]:
    """The region arguments holding int4 (True) or uint4 (False) values."""
    return {e[0]: bool(e[1]) for e in _read(op, NIBBLES, 2)}


def record_nibbles(op: Operation, nibbles: dict[int, bool]) -> None:
    flat = [v for arg in sorted(nibbles) for v in (arg, int(nibbles[arg]))]
    if flat:
        op.attributes[NIBBLES] = DenseArrayBase.from_list(i64, flat)


def nibble_rows(length: int, word: int, signed: bool) -> Rows:
    """(L, Lp, signed): L values two per byte, padded to whole `word`-bit words."""
    return length, padded_length(-(-length // 2), 8, word), int(signed)


def packs_nibbles(rows: Rows | None) -> bool:
    return rows is not None and len(rows) == 3


def padded_shape(shape: Sequence[int], rows: Rows) -> list[int]:
    """An array's (or block's) shape with each run of L in its last dim as Lp."""
    length, padded = rows[0], rows[1]
    return [*shape[:-1], shape[-1] // length * padded]


def padded_type(t: MemRefType, rows: Rows | None) -> MemRefType:
    if rows is None:
        return t
    return MemRefType(t.element_type, padded_shape(t.get_shape(), rows))


def padded_offsets(offsets: Sequence[int], rows: Rows | None) -> tuple[int, ...]:
    if rows is None:
        return tuple(offsets)
    length, padded = rows[0], rows[1]
    return (*offsets[:-1], offsets[-1] // length * padded)


class CoreEmitter(Protocol):
    """What the nibble copies need of a core body builder."""

    def emit(self, op: Operation) -> Operation: ...

    def const(self, value: int, t: Attribute | None = None) -> SSAValue: ...

    def loops(self, shape: list[int], body: Callable[[list[SSAValue]], object]) -> None: ...


def _pairs(
    b: CoreEmitter,
    shape: Sequence[int],
    length: int,
    one: Callable[[list[SSAValue], SSAValue, SSAValue, SSAValue | None], None],
) -> None:
    """Calls one(lead indices, byte index, index of value 2j, of value 2j+1 or
    None) for every byte of every row of L values."""

    def pair(idx: list[SSAValue]) -> None:
        j = idx[-1]
        even = b.emit(arith.MuliOp(j, b.const(2))).results[0]
        odd = b.emit(arith.AddiOp(even, b.const(1))).results[0]
        one(idx[:-1], j, even, odd)

    if length // 2:
        b.loops([*shape[:-1], length // 2], pair)
    if length % 2:  # the last byte holds one value
        b.loops(
            list(shape[:-1]), lambda idx: one(idx, b.const(length // 2), b.const(length - 1), None)
        )


def unpack_nibbles(b: CoreEmitter, packed: SSAValue, local: SSAValue, rows: Rows) -> None:
    """local[.., 2j] and local[.., 2j+1] = the low and high nibble of
    packed[.., j], extended (signed or not) to the storage byte."""
    t = local.type
    assert isinstance(t, MemRefType) and isinstance(t.element_type, IntegerType)
    four = b.const(4, t.element_type)
    signed = bool(rows[2])

    def one(lead: list[SSAValue], j: SSAValue, even: SSAValue, odd: SSAValue | None) -> None:
        byte = b.emit(memref.LoadOp.get(packed, [*lead, j])).results[0]
        if signed:
            up = b.emit(arith.ShLIOp(byte, four)).results[0]
            low = b.emit(arith.ShRSIOp(up, four)).results[0]
        else:
            low = b.emit(arith.AndIOp(byte, b.const(15, t.element_type))).results[0]
        b.emit(memref.StoreOp.get(low, local, [*lead, even]))
        if odd is not None:
            shift = arith.ShRSIOp if signed else arith.ShRUIOp
            high = b.emit(shift(byte, four)).results[0]
            b.emit(memref.StoreOp.get(high, local, [*lead, odd]))

    _pairs(b, t.get_shape(), rows[0], one)


def pack_nibbles(b: CoreEmitter, local: SSAValue, packed: SSAValue, rows: Rows) -> None:
    """packed[.., j] = local[.., 2j] in bits 3:0 and local[.., 2j+1] in 7:4."""
    t = local.type
    assert isinstance(t, MemRefType) and isinstance(t.element_type, IntegerType)
    four = b.const(4, t.element_type)

    def one(lead: list[SSAValue], j: SSAValue, even: SSAValue, odd: SSAValue | None) -> None:
        v = b.emit(memref.LoadOp.get(local, [*lead, even])).results[0]
        byte = b.emit(arith.AndIOp(v, b.const(15, t.element_type))).results[0]
        if odd is not None:
            w = b.emit(memref.LoadOp.get(local, [*lead, odd])).results[0]
            high = b.emit(arith.ShLIOp(w, four)).results[0]
            byte = b.emit(arith.OrIOp(byte, high)).results[0]
        b.emit(memref.StoreOp.get(byte, packed, [*lead, j]))

    _pairs(b, t.get_shape(), rows[0], one)


def rewidening_copy(op: Operation, arg: SSAValue, signed: bool) -> SSAValue | None:
    """The fresh local `op` fills with `arg`'s int4 (`signed`) or uint4 values
    narrowed to 4 bits and extended back: a perfect loop nest over the whole
    local (from 0, step 1, its shape) whose body is only
    `dst[i..] = ext(trunci(arg[i..]) to i4)` (what the frontend writes to use
    an int4 array at int8). None if `op` is not one."""
    ivs: list[SSAValue] = []
    ubs: list[int | None] = []
    body: Operation = op
    while isinstance(body, scf.ForOp):
        inner = list(body.body.block.ops)
        if int_constant(body.lb) != 0 or int_constant(body.step) != 1 or body.iter_args:
            return None
        ivs.append(body.body.block.args[0])
        ubs.append(int_constant(body.ub))
        if len(inner) == 2 and isinstance(inner[0], scf.ForOp):
            body = inner[0]
            continue
        if len(inner) != 5:
            return None
        load, trunc, ext, store, _ = inner
        ext_op = arith.ExtSIOp if signed else arith.ExtUIOp
        if not (
            isinstance(load, memref.LoadOp)
            and isinstance(trunc, arith.TruncIOp)
            and isinstance(ext, ext_op)
            and isinstance(store, memref.StoreOp)
            and load.memref is arg
            and list(load.indices) == ivs
            and trunc.input is load.res
            and trunc.result.type == IntegerType(4)
            and ext.input is trunc.result
            and store.value is ext.result
            and list(store.indices) == ivs
            and store.memref.type == arg.type
            and isinstance(store.memref.owner, memref.AllocOp)
        ):
            return None
        t = arg.type
        assert isinstance(t, MemRefType)
        if ubs != list(t.get_shape()):  # the nest's loops, outermost first
            return None
        return store.memref
    return None


def unpacked_in_place(body: Block, nibbles: dict[int, bool]) -> dict[int, list[Operation]]:
    """Body arguments (index -> the top-level ops) holding int4/uint4 values
    (`nibbles`: body argument -> signed) that the body only reads through
    rewidening copies into its own locals. Once such an array moves packed,
    the core unpacks each block straight into those locals where the copy
    stood: unpacking sign- (zero-) extends, which is what the copy computes,
    so the one-value-per-byte block needs no buffer of its own."""
    out: dict[int, list[Operation]] = {}
    for k, signed in nibbles.items():
        arg = body.args[k]
        tops: list[Operation] = []
        for use in arg.uses:
            top = body.find_ancestor_op_in_block(use.operation)
            if top is None or rewidening_copy(top, arg, signed) is None:
                break
            tops.append(top)
        else:
            if tops:
                out[k] = list(dict.fromkeys(tops))
    return out


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


def read_padded_rows(decl: Operation | None) -> Rows | None:
    """(L, Lp) a stream declaration's objects travel with, if padded."""
    attr = decl.attributes.get(PADDED_ROWS) if decl is not None else None
    if not isinstance(attr, DenseArrayBase):
        return None
    length, padded = (int(v) for v in attr.get_values())
    return length, padded


def widen_scalar_stream(region: dato.RegionOp, names: set[str]) -> None:
    """Streams `names` (every stream bound to a port they are bound to) of
    integers narrower than a byte (int4 scalars) carry bytes instead: an NPU
    buffer and a DMA hold whole bytes. A put sign-extends its value to i8, a
    get truncates the byte back (the value's own bits, so nothing changes)."""
    for decl in region.streams():
        if decl.sym_name.data in names:
            st = decl.stream_type
            decl.stream_type = dato.StreamType(i8, st.depth.data, st.packing.data)
    for group in region.groups():
        ports = {
            port
            for k, port in enumerate(group.port_names)
            if any(inst.bindings[k] in names for inst in group.instances())
        }
        for op in list(group.body.walk()):
            if not isinstance(op, dato.PutOp | dato.GetOp):
                continue
            target = op.stream.root_reference.data
            if target not in names and target not in ports:
                continue
            block = op.parent_block()
            assert block is not None
            if isinstance(op, dato.PutOp):
                ext = arith.ExtSIOp(op.value, i8)
                block.insert_op_before(ext, op)
                op.operands = [*op.indices, ext.result]
            else:
                narrow = op.result.type
                get = dato.GetOp(target, list(op.indices), i8)
                get.attributes |= op.attributes
                get.location = op.location
                block.insert_op_before(get, op)
                back = arith.TruncIOp(get.result, narrow)
                block.insert_op_after(back, get)
                op.result.replace_all_uses_with(back.result)
                op.detach()
                op.erase()
