"""The `aiex` dialect: our definition of MLIR-AIE's runtime-sequence ops, textually
compatible with mlir-aie.

Inside an `aie.runtime_sequence` the host programs the shim DMAs:
`aiex.npu.dma_memcpy_nd` moves a strided block of a host buffer to or from the
array (through the shim channel an objectfifo or `aie.shim_dma_allocation`
names), `aiex.npu.dma_wait`/`aiex.npu.sync` wait for completion, and the task
forms (`aiex.dma_configure_task_for`, `dma_start_task`, `dma_await_task`,
`dma_free_task`) describe the same with explicit buffer descriptors.

This file imports from `aie` only the `#aie.packet_info` attribute, the wire
bundles, the packet port syntax and `aie.end` (the broadcast-packet regions' terminator):
the `aie` ops it relates to are recognised by name, and the device model is read from the
enclosing `aie.device`'s `device` property (mlir-aie's enum value) through
`dato_xdsl.devices`. The older spelling `aiex.runtime_sequence` is accepted and
printed as today's `aie.runtime_sequence` when that dialect is loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from xdsl.dialects.builtin import (
    DenseArrayBase,
    FlatSymbolRefAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    MemRefType,
    Signedness,
    StringAttr,
    SymbolRefAttr,
    i1,
)
from xdsl.ir import Attribute, Block, Dialect, Operation, Region, SSAValue
from xdsl.irdl import (
    AttrSizedOperandSegments,
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.parser import Parser, UnresolvedOperand
from xdsl.printer import Printer
from xdsl.traits import (
    HasParent,
    NoTerminator,
    OptionalSymbolOpInterface,
    SingleBlockImplicitTerminator,
    ensure_terminator,
)
from xdsl.utils.exceptions import VerifyException

from dato_xdsl import devices
from dato_xdsl.devices import NpuDevice
from dato_xdsl.dialects.aie.attributes import PacketInfoAttr, _pair_text, _parse_pair_body
from dato_xdsl.dialects.aie.common import WIRE_BUNDLE
from dato_xdsl.dialects.aie.packets import (
    PacketPortOp,
    print_id_and_ports,
    verify_packet_id,
)
from dato_xdsl.dialects.aie.tiles import EndOp
from dato_xdsl.verify_memo import memo as verification_memo

I32 = IntegerType(32)
I64 = IntegerType(64)
I8 = IntegerType(8)
UI32 = IntegerType(32, Signedness.UNSIGNED)
DYNAMIC = -(2**63)
"""MLIR's marker for an entry given by an SSA operand in a static index list."""

RUNTIME_SEQUENCES = ("aie.runtime_sequence", "aiex.runtime_sequence")
DMA_DIRECTIONS = {"S2MM": 0, "MM2S": 1}  # mlir-aie's DMAChannelDir values


def _int(attr: Attribute | None, default: int = 0) -> int:
    return attr.value.data if isinstance(attr, IntegerAttr) else default


def _device_op(op: Operation) -> Operation | None:
    current = op.parent_op()
    while current is not None and current.name != "aie.device":
        current = current.parent_op()
    return current


def _device_model(op: Operation) -> NpuDevice | None:
    dev = _device_op(op)
    return None if dev is None else devices.by_code(_int(dev.properties.get("device"), -1))


def _device_symbols(op: Operation) -> dict[str, Operation]:
    """What `@name` can mean inside the device: objectfifos and their symbols,
    shim DMA allocations (named by a symbol reference), buffers."""
    dev = _device_op(op)
    found: dict[str, Operation] = {}
    if dev is None:
        return found
    memo = verification_memo()
    if memo is not None:
        cached = memo.get(id(dev))
        if isinstance(cached, dict):
            return cached
        memo[id(dev)] = found
    for candidate in dev.regions[0].block.ops:
        sym = candidate.properties.get("sym_name") or candidate.attributes.get("sym_name")
        if isinstance(sym, StringAttr):
            name = sym.data
        elif isinstance(sym, SymbolRefAttr):
            name = sym.root_reference.data
        else:
            continue
        # mlir-aie designs declare `memref.global @of` beside `aie.shim_dma_allocation
        # @of` (the host buffer and its channel): the aie op is what `@of` names here
        if name not in found or (
            found[name].name.startswith("memref.") and candidate.name.startswith("aie.")
        ):
            found[name] = candidate
    return found


def _in_runtime_sequence(op: Operation) -> None:
    parent = op.parent_op()
    while parent is not None and parent.name not in RUNTIME_SEQUENCES:
        parent = parent.parent_op()
    if parent is None and op.parent_op() is not None:
        raise VerifyException(f"{op.name} must be inside an aie.runtime_sequence")


def _parse_attrs_into(parser: Parser, op: IRDLOperation) -> None:
    props = set(type(op).get_irdl_definition().properties)
    for key, value in parser.parse_optional_attr_dict().items():
        (op.properties if key in props else op.attributes)[key] = value


def _print_attrs(printer: Printer, op: Operation, elide: Sequence[str] = ()) -> None:
    merged = {k: v for k, v in op.properties.items() if k not in elide}
    printer.print_op_attributes(merged | op.attributes)


class _AttrDictOp(IRDLOperation):
    """Ops whose custom form is only their attribute dictionary, as in mlir-aie
    (`aiex.npu.sync {column = 0 : i32, ...}`)."""

    @classmethod
    def parse(cls, parser: Parser) -> _AttrDictOp:
        op = cls.create()
        _parse_attrs_into(parser, op)
        return op

    def print(self, printer: Printer) -> None:
        _print_attrs(printer, self)


# ------------------------------------------------------------- dma_memcpy_nd


def _parse_index_list(parser: Parser) -> tuple[list[UnresolvedOperand], list[int]]:
    """`[%a, 0, 16]`: SSA entries become operands, the static list marks them DYNAMIC."""
    operands: list[UnresolvedOperand] = []

    def entry() -> int:
        if (value := parser.parse_optional_unresolved_operand()) is not None:
            operands.append(value)
            return DYNAMIC
        return parser.parse_integer(allow_boolean=False, allow_negative=True)

    static = parser.parse_comma_separated_list(parser.Delimiter.SQUARE, entry)
    return operands, static


def _index_list_text(printer: Printer, values: Sequence[SSAValue], static: Sequence[int]) -> None:
    printer.print_string("[")
    dynamic = iter(values)
    for i, s in enumerate(static):
        if i:
            printer.print_string(", ")
        if s == DYNAMIC:
            printer.print_operand(next(dynamic))
        else:
            printer.print_string(str(s))
    printer.print_string("]")


@irdl_op_definition
class NpuDmaMemcpyNdOp(IRDLOperation):
    """`aiex.npu.dma_memcpy_nd(%buf[o3, o2, o1, o0][s3, s2, s1, s0][t3, t2, t1, t0])
    {id = 0 : i64, metadata = @of, issue_token = true} : memref<...>`.

    Lists run outermost first; the outermost size is the repeat count. Entries
    are integers or i64 SSA values."""

    name = "aiex.npu.dma_memcpy_nd"

    memref = operand_def(MemRefType)
    offsets = var_operand_def(I64)
    sizes = var_operand_def(I64)
    strides = var_operand_def(I64)
    static_offsets = prop_def(DenseArrayBase)
    static_sizes = prop_def(DenseArrayBase)
    static_strides = prop_def(DenseArrayBase)
    metadata = prop_def(FlatSymbolRefAttr)
    id = prop_def(IntegerAttr)
    issue_token = opt_prop_def(IntegerAttr)
    burst_length = opt_prop_def(IntegerAttr)
    packet = opt_prop_def(PacketInfoAttr)

    irdl_options = (AttrSizedOperandSegments(as_property=True),)

    LISTS: ClassVar[tuple[str, str, str]] = ("static_offsets", "static_sizes", "static_strides")

    def __init__(
        self,
        buffer: SSAValue,
        offsets: Sequence[int],
        sizes: Sequence[int],
        strides: Sequence[int],
        metadata: str,
        bd_id: int,
        issue_token: bool | None = None,
    ) -> None:
        props: dict[str, Attribute] = {
            "static_offsets": DenseArrayBase.from_list(I64, offsets),
            "static_sizes": DenseArrayBase.from_list(I64, sizes),
            "static_strides": DenseArrayBase.from_list(I64, strides),
            "metadata": SymbolRefAttr(metadata),
            "id": IntegerAttr(bd_id, I64),
        }
        if issue_token is not None:
            props["issue_token"] = IntegerAttr(int(issue_token), i1)
        super().__init__(operands=[buffer, [], [], []], properties=props)

    def static_list(self, name: str) -> list[int]:
        values = self.properties[name]
        assert isinstance(values, DenseArrayBase)
        return [int(v) for v in values.get_values()]

    @classmethod
    def parse(cls, parser: Parser) -> NpuDmaMemcpyNdOp:
        parser.parse_punctuation("(")
        if parser.parse_optional_integer(allow_boolean=False) is not None:
            # older spelling `(x, y, %buf[...])`: the tile coordinates were unused
            # (the metadata's channel decides) and are dropped
            parser.parse_punctuation(",")
            parser.parse_integer(allow_boolean=False)
            parser.parse_punctuation(",")
        buffer = parser.parse_unresolved_operand()
        lists = [_parse_index_list(parser) for _ in range(3)]
        packet = None
        if parser.parse_optional_punctuation(",") is not None:
            parser.parse_keyword("packet")
            parser.parse_punctuation("=")
            packet = PacketInfoAttr(*_parse_pair_body(parser, PacketInfoAttr.KEYS))
        parser.parse_punctuation(")")
        attrs = parser.parse_optional_attr_dict()
        parser.parse_punctuation(":")
        t = parser.parse_type()
        operands = [[parser.resolve_operand(v, I64) for v in dynamic] for dynamic, _ in lists]
        op = cls.create(
            operands=[parser.resolve_operand(buffer, t), *[v for group in operands for v in group]],
            properties={
                name: DenseArrayBase.from_list(I64, static)
                for name, (_, static) in zip(cls.LISTS, lists, strict=True)
            },
        )
        op.properties["operandSegmentSizes"] = DenseArrayBase.from_list(
            I32, [1, *(len(g) for g in operands)]
        )
        if packet is not None:
            op.properties["packet"] = packet
        props = set(cls.get_irdl_definition().properties)
        for key, value in attrs.items():
            (op.properties if key in props else op.attributes)[key] = value
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string("(")
        printer.print_operand(self.memref)
        for values, name in zip((self.offsets, self.sizes, self.strides), self.LISTS, strict=True):
            _index_list_text(printer, values, self.static_list(name))
        if self.packet is not None:
            kind, ident = self.packet.pkt_type.data, self.packet.pkt_id.data
            printer.print_string(", packet = " + _pair_text(PacketInfoAttr.KEYS, kind, ident))
        printer.print_string(")")
        _print_attrs(printer, self, (*self.LISTS, "operandSegmentSizes", "packet"))
        printer.print_string(" : ")
        printer.print_attribute(self.memref.type)

    def verify_(self) -> None:
        _in_runtime_sequence(self)
        lists = {name: self.static_list(name) for name in self.LISTS}
        model = _device_model(self)
        entries = model.memcpy_nd.entries if model is not None else 4
        for name, values in lists.items():
            if len(values) != entries:
                what = name.removeprefix("static_")
                raise VerifyException(
                    f"{what} has {len(values)} entries {values}; dma_memcpy_nd takes "
                    f"exactly {entries} offsets, sizes and strides (outermost first)"
                )
        for group, name in zip((self.offsets, self.sizes, self.strides), self.LISTS, strict=True):
            if len(group) != lists[name].count(DYNAMIC):
                raise VerifyException(
                    f"{name.removeprefix('static_')} lists {lists[name].count(DYNAMIC)} SSA "
                    f"entries but has {len(group)} operands"
                )
        self._verify_metadata()
        if model is not None:
            self._verify_limits(model, lists["static_sizes"], lists["static_strides"])

    def _verify_metadata(self) -> None:
        name = self.metadata.root_reference.data
        if _device_op(self) is None:
            return
        target = _device_symbols(self).get(name)
        if target is None or target.name not in ("aie.objectfifo", "aie.shim_dma_allocation"):
            raise VerifyException(
                f"metadata @{name} does not name an aie.objectfifo or "
                "aie.shim_dma_allocation of this device"
            )

    def _verify_limits(self, model: NpuDevice, sizes: list[int], strides: list[int]) -> None:
        """The shim DMA's buffer descriptor fields (see devices.MemcpyNdLimits)."""
        limits = model.memcpy_nd
        t = self.memref.type
        assert isinstance(t, MemRefType)
        bits = getattr(t.element_type, "bitwidth", limits.word_bits)
        if bits > limits.word_bits:
            raise VerifyException(
                f"element type {t.element_type} is wider than the DMA's "
                f"{limits.word_bits}-bit words"
            )
        if DYNAMIC in sizes or DYNAMIC in strides:
            return  # only static entries can be checked here
        repeat, d2, d1, d0 = sizes
        t3, t2, t1, t0 = strides
        for i, size in enumerate(reversed(sizes)):
            if size < 1:
                raise VerifyException(f"size {size} of dimension {i} must be at least 1")
        if d0 * bits % limits.word_bits:
            raise VerifyException(
                f"innermost size {d0} x {bits} bits is not a whole number of "
                f"{limits.word_bits}-bit words"
            )
        words = d0 * bits // limits.word_bits
        linear = d1 == 1 and d2 == 1 and t0 == 1 and t1 == 0 and t2 == 0
        if words > limits.max_size_d0 and not linear:
            raise VerifyException(
                f"innermost size {d0} ({words} words) exceeds the shim DMA limit of "
                f"{limits.max_size_d0} words"
            )
        if d1 > limits.max_size_d1:
            raise VerifyException(
                f"size {d1} of dimension 1 exceeds the shim DMA limit of {limits.max_size_d1}"
            )
        if repeat > limits.max_repeat:
            raise VerifyException(
                f"repeat count (outermost size) {repeat} exceeds the shim DMA limit of "
                f"{limits.max_repeat}"
            )
        for i, (size, stride) in enumerate(
            zip((d0, d1, d2, repeat), (t0, t1, t2, t3), strict=True)
        ):
            if size > 1 and stride < (1 if i < 3 else 0):
                raise VerifyException(f"stride {stride} of dimension {i} must be positive")
            stride_bits = stride * bits
            if i and stride_bits % limits.word_bits:
                raise VerifyException(
                    f"stride {stride} of dimension {i} ({stride_bits} bits) is not a whole "
                    f"number of {limits.word_bits}-bit words"
                )
            if stride_bits // limits.word_bits > limits.max_stride and size > 1:
                raise VerifyException(
                    f"stride {stride} of dimension {i} exceeds the shim DMA limit of "
                    f"{limits.max_stride} words"
                )


# ----------------------------------------------------------- waits and writes


@irdl_op_definition
class NpuDmaWaitOp(_AttrDictOp):
    """`aiex.npu.dma_wait {symbol = @of}`: wait until the DMA of @of completes."""

    name = "aiex.npu.dma_wait"

    symbol = prop_def(FlatSymbolRefAttr)

    def __init__(self, symbol: str) -> None:
        super().__init__(properties={"symbol": SymbolRefAttr(symbol)})

    def verify_(self) -> None:
        _in_runtime_sequence(self)
        name = self.symbol.root_reference.data
        if _device_op(self) is not None and name not in _device_symbols(self):
            raise VerifyException(f"dma_wait on @{name}, which is not a symbol of this device")


@irdl_op_definition
class NpuSyncOp(_AttrDictOp):
    """`aiex.npu.sync {column = 0 : i32, row = 0 : i32, direction = 0 : i32,
    channel = 0 : i32, column_num = 1 : i32, row_num = 1 : i32}`."""

    name = "aiex.npu.sync"

    column = prop_def(IntegerAttr)
    row = prop_def(IntegerAttr)
    direction = prop_def(IntegerAttr)
    channel = prop_def(IntegerAttr)
    column_num = prop_def(IntegerAttr)
    row_num = prop_def(IntegerAttr)

    def __init__(self, column: int, row: int, direction: str, channel: int) -> None:
        values = {
            "column": column,
            "row": row,
            "direction": DMA_DIRECTIONS[direction],
            "channel": channel,
            "column_num": 1,
            "row_num": 1,
        }
        super().__init__(properties={k: IntegerAttr(v, I32) for k, v in values.items()})

    def verify_(self) -> None:
        _in_runtime_sequence(self)
        if _int(self.direction) not in DMA_DIRECTIONS.values():
            raise VerifyException(f"direction {_int(self.direction)} is not 0 (S2MM) or 1 (MM2S)")
        model = _device_model(self)
        col, row = _int(self.column), _int(self.row)
        if model is not None and not model.is_valid_tile(col, row):
            raise VerifyException(f"sync on tile ({col}, {row}), outside device {model.describe()}")


@irdl_op_definition
class NpuWrite32Op(_AttrDictOp):
    """`aiex.npu.write32 {address = 119300 : ui32, value = 1 : ui32[, column = 0 : i32,
    row = 0 : i32]}`: a register write."""

    name = "aiex.npu.write32"

    address = prop_def(IntegerAttr)
    value = prop_def(IntegerAttr)
    buffer = opt_prop_def(FlatSymbolRefAttr)
    column = opt_prop_def(IntegerAttr)
    row = opt_prop_def(IntegerAttr)

    def __init__(self, address: int, value: int) -> None:
        super().__init__(
            properties={"address": IntegerAttr(address, UI32), "value": IntegerAttr(value, UI32)}
        )

    def verify_(self) -> None:
        _in_runtime_sequence(self)
        model = _device_model(self)
        if model is None or self.column is None or self.row is None:
            return
        col, row = _int(self.column), _int(self.row)
        if not model.is_valid_tile(col, row):
            raise VerifyException(
                f"write32 to tile ({col}, {row}), outside device {model.describe()}"
            )


def _verify_tile_attrs(op: Operation, what: str) -> None:
    """Optional `column`/`row` attributes name a tile of the device."""
    model = _device_model(op)
    col, row = op.properties.get("column"), op.properties.get("row")
    if model is None or col is None or row is None:
        return
    if not model.is_valid_tile(_int(col), _int(row)):
        raise VerifyException(
            f"{what} to tile ({_int(col)}, {_int(row)}), outside device {model.describe()}"
        )


@irdl_op_definition
class NpuMaskWrite32Op(_AttrDictOp):
    """`aiex.npu.maskwrite32 {address = .. : ui32, value = .. : ui32, mask = .. : ui32
    [, column, row | buffer = @b]}`: write the bits of `value` that `mask` selects."""

    name = "aiex.npu.maskwrite32"

    address = prop_def(IntegerAttr)
    value = prop_def(IntegerAttr)
    mask = prop_def(IntegerAttr)
    buffer = opt_prop_def(FlatSymbolRefAttr)
    column = opt_prop_def(IntegerAttr)
    row = opt_prop_def(IntegerAttr)

    def verify_(self) -> None:
        _in_runtime_sequence(self)
        _verify_tile_attrs(self, "maskwrite32")


@irdl_op_definition
class NpuAddressPatchOp(_AttrDictOp):
    """`aiex.npu.address_patch {addr = .. : ui32, arg_idx = 0 : i32, arg_plus = 0 : i32}`:
    the host patches the address of runtime argument `arg_idx` (plus `arg_plus`
    bytes) into the register at `addr`."""

    name = "aiex.npu.address_patch"

    addr = prop_def(IntegerAttr)
    arg_idx = prop_def(IntegerAttr)
    arg_plus = prop_def(IntegerAttr)

    def verify_(self) -> None:
        _in_runtime_sequence(self)
        seq = self.parent_op()
        while seq is not None and seq.name not in RUNTIME_SEQUENCES:
            seq = seq.parent_op()
        index = _int(self.arg_idx)
        if seq is not None and not 0 <= index < len(seq.regions[0].block.args):
            raise VerifyException(
                f"address_patch of argument {index}; the runtime sequence has "
                f"{len(seq.regions[0].block.args)}"
            )


@irdl_op_definition
class NpuBlockWriteOp(IRDLOperation):
    """`aiex.npu.blockwrite(%data) {address = .. : ui32[, column, row | buffer = @b]}
    : memref<8xi32>`: write the words of `%data` (usually a `memref.get_global`)
    from `address` on."""

    name = "aiex.npu.blockwrite"

    data = operand_def(MemRefType)
    address = prop_def(IntegerAttr)
    buffer = opt_prop_def(FlatSymbolRefAttr)
    column = opt_prop_def(IntegerAttr)
    row = opt_prop_def(IntegerAttr)

    @classmethod
    def parse(cls, parser: Parser) -> NpuBlockWriteOp:
        parser.parse_punctuation("(")
        data = parser.parse_unresolved_operand()
        parser.parse_punctuation(")")
        attrs = parser.parse_optional_attr_dict()
        parser.parse_punctuation(":")
        t = parser.parse_type()
        op = cls.create(operands=[parser.resolve_operand(data, t)])
        props = set(cls.get_irdl_definition().properties)
        for key, value in attrs.items():
            (op.properties if key in props else op.attributes)[key] = value
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string("(")
        printer.print_operand(self.data)
        printer.print_string(")")
        _print_attrs(printer, self)
        printer.print_string(" : ")
        printer.print_attribute(self.data.type)

    def verify_(self) -> None:
        _in_runtime_sequence(self)
        _verify_tile_attrs(self, "blockwrite")


@irdl_op_definition
class NpuWriteBdOp(_AttrDictOp):
    """`aiex.npu.writebd {bd_id = .., buffer_length = .., column = .., row = .., d0_size
    = .., ...}`: a buffer descriptor written field by field (mlir-aie's lowered form)."""

    name = "aiex.npu.writebd"

    column = prop_def(IntegerAttr)
    row = opt_prop_def(IntegerAttr)
    """Older files leave the row out: the shim row."""
    bd_id = prop_def(IntegerAttr)
    buffer_length = prop_def(IntegerAttr)
    buffer_offset = prop_def(IntegerAttr)

    def verify_(self) -> None:
        _in_runtime_sequence(self)
        _verify_tile_attrs(self, "writebd")
        model = _device_model(self)
        if model is None or not model.is_valid_tile(_int(self.column), _int(self.row)):
            return
        count = model.tile_facts(_int(self.column), _int(self.row)).buffer_descriptors
        if not 0 <= _int(self.bd_id) < count:
            raise VerifyException(
                f"writebd bd_id {_int(self.bd_id)} on tile ({_int(self.column)}, "
                f"{_int(self.row)}), which has {count} buffer descriptors"
            )


@irdl_op_definition
class NpuRtpWriteOp(IRDLOperation):
    """`aiex.npu.rtp_write(@rtp, 0, 50)`: write a runtime parameter: element `index`
    of buffer @rtp (an `aie.buffer` of the device) becomes `value`."""

    name = "aiex.npu.rtp_write"

    buffer = prop_def(FlatSymbolRefAttr)
    index = prop_def(IntegerAttr)
    value = prop_def(IntegerAttr)

    @classmethod
    def parse(cls, parser: Parser) -> NpuRtpWriteOp:
        parser.parse_punctuation("(")
        name = parser.parse_symbol_name().data
        parser.parse_punctuation(",")
        index = parser.parse_integer(allow_boolean=False)
        parser.parse_punctuation(",")
        value = parser.parse_integer(allow_boolean=False, allow_negative=True)
        parser.parse_punctuation(")")
        op = cls.create(
            properties={
                "buffer": SymbolRefAttr(name),
                "index": IntegerAttr(index, UI32),
                "value": IntegerAttr(value, I32),
            }
        )
        _parse_attrs_into(parser, op)
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string("(")
        printer.print_symbol_name(self.buffer.root_reference.data)
        printer.print_string(f", {_int(self.index)}, {_int(self.value)})")
        _print_attrs(printer, self, ("buffer", "index", "value"))

    def verify_(self) -> None:
        _in_runtime_sequence(self)
        name = self.buffer.root_reference.data
        if _device_op(self) is None:
            return
        target = _device_symbols(self).get(name)
        if target is None or target.name != "aie.buffer":
            raise VerifyException(f"rtp_write to @{name}, which is not an aie.buffer of the device")
        t = target.results[0].type
        size = 1
        for d in t.get_shape() if isinstance(t, MemRefType) else ():
            size *= d
        if not 0 <= _int(self.index) < size:
            raise VerifyException(
                f"rtp_write to element {_int(self.index)} of @{name}, which has {size}"
            )


@irdl_op_definition
class NpuLoadPdiOp(_AttrDictOp):
    """`aiex.npu.load_pdi {device_ref = @dev}` (older: `{id = 1 : i32, size = 0 : i32,
    address = 0 : ui64}`): reconfigure the array with another device's image."""

    name = "aiex.npu.load_pdi"

    device_ref = opt_prop_def(FlatSymbolRefAttr)
    id = opt_prop_def(IntegerAttr)

    def verify_(self) -> None:
        _in_runtime_sequence(self)
        if self.device_ref is None and self.id is None:
            raise VerifyException("load_pdi names the image by device_ref or id")


@irdl_op_definition
class ControlPacketOp(_AttrDictOp):
    """`aiex.control_packet {address = .. : ui32, opcode = 0 : i32, stream_id = 0 : i32,
    data = array<i32: ...>, length = .. : i32}`: a control-packet register access."""

    name = "aiex.control_packet"

    address = prop_def(IntegerAttr)
    opcode = prop_def(IntegerAttr)
    stream_id = prop_def(IntegerAttr)
    length = opt_prop_def(IntegerAttr)
    data = opt_prop_def(DenseArrayBase)

    def verify_(self) -> None:
        if not 0 <= _int(self.opcode) <= 3:
            raise VerifyException(
                f"control_packet opcode {_int(self.opcode)}: 0 write, 1 read, "
                "2 write with return, 3 reserved"
            )
        if self.data is not None and self.length is not None:
            words = len(self.data.get_values())
            if words != _int(self.length):
                raise VerifyException(
                    f"control_packet carries {words} data words but says length {_int(self.length)}"
                )


# ------------------------------------------------------------------ DMA tasks


class _TaskRegionOp(IRDLOperation):
    """Shared printing of a task's BD region: `{ aie.dma_bd(...) aie.end }`."""

    def _print_body(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_region(self.regions[0])
        _print_attrs(printer, self, self.POSITIONAL)

    POSITIONAL: ClassVar[tuple[str, ...]] = ()

    def verify_(self) -> None:
        _in_runtime_sequence(self)
        for block in self.regions[0].blocks:
            for op in block.ops:
                if op.name not in ("aie.dma_bd", "aie.use_lock", "aie.next_bd", "aie.end"):
                    raise VerifyException(
                        f"{self.name} holds buffer descriptors (aie.dma_bd, aie.use_lock, "
                        f"aie.next_bd, aie.end), found {op.name}"
                    )


@irdl_op_definition
class DMAConfigureTaskForOp(_TaskRegionOp):
    """`%t = aiex.dma_configure_task_for @alloc { aie.dma_bd(...) aie.end }
    {issue_token = true, repeat_count = 0 : i32}`: a BD chain on the shim channel
    that objectfifo/allocation @alloc uses."""

    name = "aiex.dma_configure_task_for"

    alloc = prop_def(FlatSymbolRefAttr)
    issue_token = opt_prop_def(IntegerAttr)
    repeat_count = opt_prop_def(IntegerAttr)
    body = region_def()
    result = result_def(IndexType)

    POSITIONAL: ClassVar[tuple[str, ...]] = ("alloc",)

    def __init__(self, alloc: str, body: Region, issue_token: bool | None = None) -> None:
        props: dict[str, Attribute] = {"alloc": SymbolRefAttr(alloc)}
        if issue_token is not None:
            props["issue_token"] = IntegerAttr(int(issue_token), i1)
        super().__init__(properties=props, regions=[body], result_types=[IndexType()])

    @classmethod
    def parse(cls, parser: Parser) -> DMAConfigureTaskForOp:
        alloc = parser.parse_symbol_name().data
        region = parser.parse_region()
        op = DMAConfigureTaskForOp(alloc, region)
        _parse_attrs_into(parser, op)
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_symbol_name(self.alloc.root_reference.data)
        self._print_body(printer)

    def verify_(self) -> None:
        super().verify_()
        name = self.alloc.root_reference.data
        if _device_op(self) is None:
            return
        target = _device_symbols(self).get(name)
        if target is None or target.name not in ("aie.objectfifo", "aie.shim_dma_allocation"):
            raise VerifyException(
                f"@{name} does not name an aie.objectfifo or aie.shim_dma_allocation of this device"
            )


@irdl_op_definition
class DMAConfigureTaskOp(_TaskRegionOp):
    """`%t = aiex.dma_configure_task(%tile, MM2S, 0) { ... }`: a BD chain on an
    explicit tile, direction and channel."""

    name = "aiex.dma_configure_task"

    tile = operand_def(IndexType)
    direction = prop_def(IntegerAttr)
    channel = prop_def(IntegerAttr)
    issue_token = opt_prop_def(IntegerAttr)
    repeat_count = opt_prop_def(IntegerAttr)
    body = region_def()
    result = result_def(IndexType)

    POSITIONAL: ClassVar[tuple[str, ...]] = ("direction", "channel")

    @classmethod
    def parse(cls, parser: Parser) -> DMAConfigureTaskOp:
        parser.parse_punctuation("(")
        tile = parser.parse_operand(IndexType())
        parser.parse_punctuation(",")
        start = parser.pos
        word = parser.parse_optional_identifier() or parser.parse_optional_str_literal()
        if word not in DMA_DIRECTIONS:
            parser.raise_error("expected a DMA channel direction (S2MM, MM2S)", start, parser.pos)
        parser.parse_punctuation(",")
        channel = parser.parse_integer(allow_boolean=False)
        parser.parse_punctuation(")")
        region = parser.parse_region()
        op = cls.create(
            operands=[tile],
            properties={
                "direction": IntegerAttr(DMA_DIRECTIONS[word], I32),
                "channel": IntegerAttr(channel, I32),
            },
            regions=[region],
            result_types=[IndexType()],
        )
        _parse_attrs_into(parser, op)
        return op

    def print(self, printer: Printer) -> None:
        names = {v: k for k, v in DMA_DIRECTIONS.items()}
        printer.print_string("(")
        printer.print_operand(self.tile)
        printer.print_string(
            f", {names.get(_int(self.direction), _int(self.direction))}, {_int(self.channel)})"
        )
        self._print_body(printer)

    def verify_(self) -> None:
        super().verify_()
        if _int(self.direction) not in DMA_DIRECTIONS.values():
            raise VerifyException(f"direction {_int(self.direction)} is not 0 (S2MM) or 1 (MM2S)")


class _TaskUseOp(IRDLOperation):
    """`aiex.dma_start_task(%t)` and friends: one task operand."""

    @classmethod
    def parse(cls, parser: Parser) -> _TaskUseOp:
        parser.parse_punctuation("(")
        task = parser.parse_operand(IndexType())
        parser.parse_punctuation(")")
        op = cls.create(operands=[task])
        _parse_attrs_into(parser, op)
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string("(")
        printer.print_operand(self.operands[0])
        printer.print_string(")")
        _print_attrs(printer, self)

    def verify_(self) -> None:
        _in_runtime_sequence(self)
        owner = self.operands[0].owner
        if isinstance(owner, Block) or owner.name not in (
            DMAConfigureTaskForOp.name,
            DMAConfigureTaskOp.name,
        ):
            raise VerifyException(
                f"{self.name} takes a task made by aiex.dma_configure_task_for or "
                "aiex.dma_configure_task"
            )


@irdl_op_definition
class DMAStartTaskOp(_TaskUseOp):
    """`aiex.dma_start_task(%t)`: submit a configured task."""

    name = "aiex.dma_start_task"

    task = operand_def(IndexType)


@irdl_op_definition
class DMAAwaitTaskOp(_TaskUseOp):
    """`aiex.dma_await_task(%t)`: wait for a task that issues a token."""

    name = "aiex.dma_await_task"

    task = operand_def(IndexType)

    def verify_(self) -> None:
        super().verify_()
        owner = self.task.owner
        if isinstance(owner, Operation) and _int(owner.properties.get("issue_token")) == 0:
            raise VerifyException(
                "dma_await_task waits for a task without issue_token = true, which never "
                "signals completion"
            )


@irdl_op_definition
class DMAFreeTaskOp(_TaskUseOp):
    """`aiex.dma_free_task(%t)`: its buffer descriptor ids may be reused."""

    name = "aiex.dma_free_task"

    task = operand_def(IndexType)


# --------------------------------------------------------- older spellings


@irdl_op_definition
class LegacyRuntimeSequenceOp(IRDLOperation):
    """`aiex.runtime_sequence`, the older spelling of `aie.runtime_sequence`.

    The custom form is read as an `aie.runtime_sequence` (so it prints in
    today's spelling) when the `aie` dialect is loaded; the generic form keeps
    this op."""

    name = "aiex.runtime_sequence"

    sym_name = opt_prop_def(StringAttr)
    body = region_def("single_block")

    traits = traits_def(OptionalSymbolOpInterface(), NoTerminator())

    @classmethod
    def parse(cls, parser: Parser) -> Operation:
        modern = parser.ctx.get_optional_op("aie.runtime_sequence")
        if modern is not None:
            return modern.parse(parser)
        sym = parser.parse_optional_symbol_name()
        args = parser.parse_comma_separated_list(
            parser.Delimiter.PAREN, lambda: parser.parse_argument(expect_type=True)
        )
        region = parser.parse_region(args)
        if not region.blocks:
            region.add_block(Block())
        op = cls.create(regions=[region])
        if sym is not None:
            op.properties["sym_name"] = sym
        return op

    def print(self, printer: Printer) -> None:
        if self.sym_name is not None:
            printer.print_string(" ")
            printer.print_symbol_name(self.sym_name.data)
        printer.print_string("(")
        printer.print_list(self.body.block.args, printer.print_block_argument)
        printer.print_string(") ")
        printer.print_region(self.body, print_entry_block_args=False, print_empty_block=False)

    def verify_(self) -> None:
        parent = self.parent_op()
        if parent is not None and parent.name != "aie.device":
            raise VerifyException("aiex.runtime_sequence must be directly inside an aie.device")


# ---------------------------------------------------------- broadcast packets


@irdl_op_definition
class BroadcastPacketOp(IRDLOperation):
    """`aiex.broadcast_packet(%tile, DMA : 0) { aiex.bp_id(0) { aiex.bp_dest<%t, DMA : 0>
    ... } ... }`: one source port sending packets whose ids select sets of
    destinations (mlir-aie lowers it to one packet flow per id)."""

    name = "aiex.broadcast_packet"

    tile = operand_def(IndexType)
    bundle = prop_def(IntegerAttr)
    channel = prop_def(IntegerAttr)
    ports = region_def("single_block")

    traits = traits_def(SingleBlockImplicitTerminator(EndOp))

    @classmethod
    def parse(cls, parser: Parser) -> BroadcastPacketOp:
        parser.parse_punctuation("(")
        tile = parser.parse_operand(IndexType())
        parser.parse_punctuation(",")
        bundle = WIRE_BUNDLE.parse(parser)
        parser.parse_punctuation(":")
        channel = parser.parse_integer()
        parser.parse_punctuation(")")
        region = parser.parse_region()
        op = cls.create(
            operands=[tile],
            properties={"bundle": bundle, "channel": IntegerAttr(channel, I32)},
            regions=[region],
        )
        ensure_terminator(op, SingleBlockImplicitTerminator(EndOp))
        _parse_attrs_into(parser, op)
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string("(")
        printer.print_operand(self.tile)
        printer.print_string(f", {WIRE_BUNDLE.name(self.bundle)} : {_int(self.channel)}) ")
        printer.print_region(self.ports, print_block_terminators=False)
        _print_attrs(printer, self, ("bundle", "channel"))

    def verify_(self) -> None:
        WIRE_BUNDLE.verify(self.bundle, "broadcast_packet bundle")
        for op in self.ports.block.ops:
            if not isinstance(op, BPIDOp | EndOp):
                raise VerifyException(
                    f"{op.name} cannot be in aiex.broadcast_packet (only aiex.bp_id)"
                )

    def ids(self) -> list[BPIDOp]:
        return [op for op in self.ports.block.ops if isinstance(op, BPIDOp)]


@irdl_op_definition
class BPIDOp(IRDLOperation):
    """`aiex.bp_id(3) { aiex.bp_dest<...> ... }`: the destinations of packets with id 3."""

    name = "aiex.bp_id"

    ID = prop_def(IntegerAttr)
    ports = region_def("single_block")

    traits = traits_def(SingleBlockImplicitTerminator(EndOp), HasParent(BroadcastPacketOp))

    @classmethod
    def parse(cls, parser: Parser) -> BPIDOp:
        parser.parse_punctuation("(")
        ident = parser.parse_integer()
        parser.parse_punctuation(")")
        region = parser.parse_region()
        op = cls.create(properties={"ID": IntegerAttr(ident, I8)}, regions=[region])
        ensure_terminator(op, SingleBlockImplicitTerminator(EndOp))
        _parse_attrs_into(parser, op)
        return op

    def print(self, printer: Printer) -> None:
        print_id_and_ports(printer, self, _int(self.ID), self.ports)

    def verify_(self) -> None:
        verify_packet_id("bp_id", _int(self.ID))

    def dests(self) -> list[BPDestOp]:
        return [op for op in self.ports.block.ops if isinstance(op, BPDestOp)]


@irdl_op_definition
class BPDestOp(PacketPortOp):
    """`aiex.bp_dest<%tile, DMA : 0>`: a destination of a broadcast packet id."""

    name = "aiex.bp_dest"
    ROLE: ClassVar[str] = "broadcast destination"

    traits = traits_def(HasParent(BPIDOp))


AIEX = Dialect(
    "aiex",
    [
        NpuDmaMemcpyNdOp,
        NpuDmaWaitOp,
        NpuSyncOp,
        NpuWrite32Op,
        NpuMaskWrite32Op,
        NpuAddressPatchOp,
        NpuBlockWriteOp,
        NpuWriteBdOp,
        NpuRtpWriteOp,
        NpuLoadPdiOp,
        ControlPacketOp,
        DMAConfigureTaskForOp,
        DMAConfigureTaskOp,
        DMAStartTaskOp,
        DMAAwaitTaskOp,
        DMAFreeTaskOp,
        LegacyRuntimeSequenceOp,
        BroadcastPacketOp,
        BPIDOp,
        BPDestOp,
    ],
    [],
)

__all__ = [
    "AIEX",
    "BPDestOp",
    "BPIDOp",
    "BroadcastPacketOp",
    "ControlPacketOp",
    "NpuAddressPatchOp",
    "NpuBlockWriteOp",
    "NpuLoadPdiOp",
    "NpuMaskWrite32Op",
    "NpuRtpWriteOp",
    "NpuWriteBdOp",
    "DMAAwaitTaskOp",
    "DMAConfigureTaskForOp",
    "DMAConfigureTaskOp",
    "DMAFreeTaskOp",
    "DMAStartTaskOp",
    "LegacyRuntimeSequenceOp",
    "NpuDmaMemcpyNdOp",
    "NpuDmaWaitOp",
    "NpuSyncOp",
    "NpuWrite32Op",
]
