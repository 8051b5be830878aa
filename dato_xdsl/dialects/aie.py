"""The `aie` dialect: our definition of MLIR-AIE's physical level, textually
compatible with mlir-aie (github.com/Xilinx/mlir-aie), so what we print is what
`aie-opt`/`aiecc.py` read and their files parse here.

An `aie.device(npu1) { ... }` holds tiles (`aie.tile(col, row)`), their buffers,
locks, cores and DMAs, and the objectfifo level: `aie.objectfifo` connects one
producer tile to consumer tiles, `aie.objectfifo.link` joins or distributes
fifos through a memtile, and cores move objects with acquire/access/release.
`aie.runtime_sequence` is the host-side program (its body uses `aiex` ops).

Conventions, to match mlir-aie's generic form too:
- enum-valued properties (device, wire bundle, lock action, fifo port, DMA
  direction) are stored as the i32 values of mlir-aie's I32EnumAttrs and written
  as keywords in the custom form;
- inherent attributes are properties; in the custom form they appear in the
  attribute dictionary, as MLIR prints them.

Verifiers consult `dato_xdsl.devices` for the hardware limits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, cast

from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseIntOrFPElementsAttr,
    FlatSymbolRefAttr,
    IndexType,
    IntAttr,
    IntegerAttr,
    IntegerType,
    MemRefType,
    StringAttr,
    SymbolRefAttr,
    TensorType,
)
from xdsl.ir import (
    Attribute,
    Block,
    Dialect,
    OpaqueSyntaxAttribute,
    Operation,
    ParametrizedAttribute,
    Region,
    SSAValue,
    TypeAttribute,
)
from xdsl.irdl import (
    IRDLOperation,
    irdl_attr_definition,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    opt_prop_def,
    prop_def,
    region_def,
    result_def,
    successor_def,
    traits_def,
    var_operand_def,
)
from xdsl.parser import AttrParser, Parser
from xdsl.printer import Printer
from xdsl.traits import (
    HasParent,
    IsolatedFromAbove,
    IsTerminator,
    NoTerminator,
    OptionalSymbolOpInterface,
    Pure,
    SingleBlockImplicitTerminator,
    SymbolOpInterface,
    SymbolTable,
    ensure_terminator,
)
from xdsl.utils.exceptions import ParseError, VerifyException

from dato_xdsl import devices
from dato_xdsl.devices import NpuDevice, TileKind

I32 = IntegerType(32)
I64 = IntegerType(64)


def _i32(value: int) -> IntegerAttr:
    return IntegerAttr(value, I32)


def _i64(value: int) -> IntegerAttr:
    return IntegerAttr(value, I64)


def _int(attr: Attribute | None, default: int = 0) -> int:
    return attr.value.data if isinstance(attr, IntegerAttr) else default


# ------------------------------------------------------------------------ enums


class EnumSpelling:
    """Keyword <-> i32 value of one of mlir-aie's I32EnumAttrs."""

    def __init__(self, what: str, cases: dict[str, int]) -> None:
        self.what = what
        self.cases = cases
        self.names = {v: k for k, v in cases.items()}

    def parse(self, parser: AttrParser) -> IntegerAttr:
        start = parser.pos
        # older mlir-aie files quote the keyword: "Acquire", "MM2S"
        word = parser.parse_optional_identifier() or parser.parse_optional_str_literal()
        if word is None or word not in self.cases:
            parser.raise_error(
                f"expected a {self.what} ({', '.join(self.cases)})", start, parser.pos
            )
        return _i32(self.cases[word])

    def name(self, attr: Attribute) -> str:
        value = _int(attr, -1)
        return self.names.get(value, str(value))

    def print(self, printer: Printer, attr: Attribute) -> None:
        printer.print_string(self.name(attr))

    def verify(self, attr: Attribute, field: str) -> None:
        if _int(attr, -1) not in self.names:
            raise VerifyException(f"{field} value {_int(attr, -1)} is not a valid {self.what}")


WIRE_BUNDLE = EnumSpelling(
    "wire bundle",
    {
        "Core": 0,
        "DMA": 1,
        "FIFO": 2,
        "South": 3,
        "West": 4,
        "North": 5,
        "East": 6,
        "PLIO": 7,
        "NOC": 8,
        "Trace": 9,
        "TileControl": 10,
    },
)
LOCK_ACTION = EnumSpelling("lock action", {"Acquire": 0, "AcquireGreaterEqual": 2, "Release": 1})
LOCK_BLOCKING = EnumSpelling("lock blocking mode", {"NonBlocking": 0, "Blocking": 1})
OBJECTFIFO_PORT = EnumSpelling("objectfifo port", {"Produce": 0, "Consume": 1})
DMA_CHANNEL_DIR = EnumSpelling("DMA channel direction", {"S2MM": 0, "MM2S": 1})


# ------------------------------------------------------------- shared helpers


def _prop_names(op_type: type[IRDLOperation]) -> set[str]:
    return set(op_type.get_irdl_definition().properties)


def _parse_attrs_into(parser: Parser, op: IRDLOperation) -> None:
    """An optional `{...}` dictionary: declared properties go to properties (MLIR
    prints inherent attributes there), the rest stay discardable attributes."""
    attrs = parser.parse_optional_attr_dict()
    props = _prop_names(type(op))
    for key, value in attrs.items():
        if key in props:
            op.properties[key] = value
        else:
            op.attributes[key] = value


def _print_attrs(printer: Printer, op: Operation, elide: Sequence[str] = ()) -> None:
    merged = {k: v for k, v in op.properties.items() if k not in elide}
    merged |= op.attributes
    printer.print_op_attributes(merged)


def _parse_int(parser: AttrParser) -> int:
    return parser.parse_integer(allow_boolean=False, allow_negative=True)


def _parse_int_list(parser: AttrParser) -> list[int]:
    return parser.parse_comma_separated_list(parser.Delimiter.SQUARE, lambda: _parse_int(parser))


def device_op_of(op: Operation) -> DeviceOp | None:
    current = op.parent_op()
    while current is not None and not isinstance(current, DeviceOp):
        current = current.parent_op()
    return current


def device_of(op: Operation) -> NpuDevice | None:
    """The device model of the `aie.device` enclosing `op`, if any."""
    dev = op if isinstance(op, DeviceOp) else device_op_of(op)
    return None if dev is None else dev.model


def tile_of(value: SSAValue) -> TileOp | None:
    owner = value.owner
    return owner if isinstance(owner, TileOp) else None


def _where(tile: TileOp) -> str:
    return f"({tile.col_value}, {tile.row_value})"


def _tile(kind: TileKind) -> str:
    """`shim tile`, `memtile`, `compute tile`: how diagnostics name a tile."""
    return "memtile" if kind is TileKind.MEMTILE else f"{kind.value} tile"


def _tiles(kind: TileKind) -> str:
    return _tile(kind) + "s"


def _tile_kind(tile: TileOp) -> tuple[NpuDevice, TileKind] | None:
    model = device_of(tile)
    if model is None or not model.is_valid_tile(tile.col_value, tile.row_value):
        return None
    return model, model.tile_kind(tile.col_value, tile.row_value)


def _require_kind(op: Operation, tile_value: SSAValue, allowed: set[TileKind], what: str) -> None:
    """`what` (e.g. 'cores') exist only on tiles of the allowed kinds."""
    tile = tile_of(tile_value)
    if tile is None:
        return
    found = _tile_kind(tile)
    if found is None:
        return
    model, kind = found
    if kind not in allowed:
        rows = {
            TileKind.SHIM: f"row {model.shim_row}",
            TileKind.MEMTILE: "row " + ", ".join(map(str, model.memtile_rows)),
            TileKind.COMPUTE: f"rows {model.compute_rows[0]}-{model.compute_rows[-1]}",
        }
        kinds = " or ".join(f"{_tiles(k)} ({rows[k]})" for k in sorted(allowed, key=str))
        raise VerifyException(f"{op.name} on {_tile(kind)} {_where(tile)}: {what} {kinds}")


def element_bytes(t: MemRefType) -> int:
    width = t.element_type.bitwidth if hasattr(t.element_type, "bitwidth") else 32
    return max(1, width // 8)


def memref_bytes(t: MemRefType) -> int:
    n = 1
    for d in t.get_shape():
        n *= max(d, 0)
    return n * element_bytes(t)


def memref_elements(t: MemRefType) -> int:
    n = 1
    for d in t.get_shape():
        n *= max(d, 0)
    return n


# ------------------------------------------------------- types and attributes


def _parse_memref_param(parser: AttrParser, what: str) -> MemRefType:
    parser.parse_punctuation("<")
    start = parser.pos
    t = parser.parse_type()
    if not isinstance(t, MemRefType):
        parser.raise_error(f"{what} holds a memref type, got {t}", start, parser.pos)
    parser.parse_punctuation(">")
    return t


@irdl_attr_definition
class ObjectFifoType(ParametrizedAttribute, TypeAttribute):
    """`!aie.objectfifo<memref<16xi32>>`: the type of an objectfifo's objects."""

    name = "aie.objectfifo"

    element_type: MemRefType

    def __init__(self, element_type: MemRefType) -> None:
        super().__init__(element_type)

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        return (_parse_memref_param(parser, "!aie.objectfifo"),)

    def print_parameters(self, printer: Printer) -> None:
        with printer.in_angle_brackets():
            printer.print_attribute(self.element_type)


@irdl_attr_definition
class ObjectFifoSubviewType(ParametrizedAttribute, TypeAttribute):
    """`!aie.objectfifosubview<memref<16xi32>>`: objects acquired from a fifo."""

    name = "aie.objectfifosubview"

    element_type: MemRefType

    def __init__(self, element_type: MemRefType) -> None:
        super().__init__(element_type)

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        return (_parse_memref_param(parser, "!aie.objectfifosubview"),)

    def print_parameters(self, printer: Printer) -> None:
        with printer.in_angle_brackets():
            printer.print_attribute(self.element_type)


def _parse_pair_body(parser: AttrParser, keys: tuple[str, str]) -> tuple[int, int]:
    """`<k0 = a, k1 = b>`; the keys may be left out (`<a, b>`, older files)."""
    parser.parse_punctuation("<")
    values: list[int] = []
    for i, key in enumerate(keys):
        if i:
            parser.parse_punctuation(",")
        if parser.parse_optional_keyword(key) is not None:
            parser.parse_punctuation("=")
        values.append(_parse_int(parser))
    parser.parse_punctuation(">")
    return values[0], values[1]


def _pair_text(keys: tuple[str, str], a: int, b: int) -> str:
    return f"<{keys[0]} = {a}, {keys[1]} = {b}>"


class _KeyPairAttr(ParametrizedAttribute):
    """`<key0 = a, key1 = b>` attributes; subclasses name the keys in KEYS and
    declare the two IntAttr parameters in that order."""

    KEYS: ClassVar[tuple[str, str]]

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        a, b = _parse_pair_body(parser, cls.KEYS)
        return (IntAttr(a), IntAttr(b))

    def stripped(self) -> str:
        a, b = (cast(IntAttr, p).data for p in self.parameters)
        return _pair_text(self.KEYS, a, b)

    def print_parameters(self, printer: Printer) -> None:
        printer.print_string(self.stripped())


@irdl_attr_definition
class BDDimLayoutAttr(_KeyPairAttr):
    """`#aie.bd_dim_layout<size = 16, stride = 1>`: one dimension of a DMA access
    pattern (a loop of `size` steps of `stride` elements)."""

    name = "aie.bd_dim_layout"
    KEYS: ClassVar[tuple[str, str]] = ("size", "stride")

    size: IntAttr
    stride: IntAttr

    def __init__(self, size: int, stride: int) -> None:
        super().__init__(IntAttr(size), IntAttr(stride))


@irdl_attr_definition
class BDPadLayoutAttr(_KeyPairAttr):
    """`#aie.bd_pad_layout<const_pad_before = 2, const_pad_after = 1>`."""

    name = "aie.bd_pad_layout"
    KEYS: ClassVar[tuple[str, str]] = ("const_pad_before", "const_pad_after")

    const_pad_before: IntAttr
    const_pad_after: IntAttr

    def __init__(self, before: int, after: int) -> None:
        super().__init__(IntAttr(before), IntAttr(after))


@irdl_attr_definition
class PacketInfoAttr(_KeyPairAttr):
    """`#aie.packet_info<pkt_type = 0, pkt_id = 27>` (e.g. a tile's controller_id)."""

    name = "aie.packet_info"
    KEYS: ClassVar[tuple[str, str]] = ("pkt_type", "pkt_id")

    pkt_type: IntAttr
    pkt_id: IntAttr

    def __init__(self, pkt_type: int, pkt_id: int) -> None:
        super().__init__(IntAttr(pkt_type), IntAttr(pkt_id))


def parse_dims(parser: AttrParser) -> list[BDDimLayoutAttr]:
    """`[<size = 16, stride = 1>, ...]` (the stripped form used inside ops)."""
    return parser.parse_comma_separated_list(
        parser.Delimiter.SQUARE,
        lambda: BDDimLayoutAttr(*_parse_pair_body(parser, BDDimLayoutAttr.KEYS)),
    )


def dims_text(dims: Sequence[BDDimLayoutAttr]) -> str:
    return "[" + ", ".join(d.stripped() for d in dims) + "]"


@irdl_attr_definition
class BDDimLayoutArrayAttr(ParametrizedAttribute, OpaqueSyntaxAttribute):
    """`#aie.bd_dim_layout_array[<size = 16, stride = 1>, ...]`, outermost first."""

    name = "aie.bd_dim_layout_array"

    dims: ArrayAttr[BDDimLayoutAttr]

    def __init__(self, dims: Sequence[BDDimLayoutAttr] = ()) -> None:
        super().__init__(ArrayAttr(dims))

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        return (ArrayAttr(parse_dims(parser)),)

    def print_parameters(self, printer: Printer) -> None:
        printer.print_string(dims_text(self.dims.data))

    def __len__(self) -> int:
        return len(self.dims.data)


@irdl_attr_definition
class BDDimLayoutArrayArrayAttr(ParametrizedAttribute, OpaqueSyntaxAttribute):
    """`#aie.bd_dim_layout_array_array[[...], []]`: one access pattern per consumer."""

    name = "aie.bd_dim_layout_array_array"

    per_consumer: ArrayAttr[BDDimLayoutArrayAttr]

    def __init__(self, per_consumer: Sequence[BDDimLayoutArrayAttr] = ()) -> None:
        super().__init__(ArrayAttr(per_consumer))

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        lists = parser.parse_comma_separated_list(
            parser.Delimiter.SQUARE, lambda: BDDimLayoutArrayAttr(parse_dims(parser))
        )
        return (ArrayAttr(lists),)

    def print_parameters(self, printer: Printer) -> None:
        inner = ", ".join(dims_text(d.dims.data) for d in self.per_consumer.data)
        printer.print_string(f"[{inner}]")


@irdl_attr_definition
class BDPadLayoutArrayAttr(ParametrizedAttribute, OpaqueSyntaxAttribute):
    """`#aie.bd_pad_layout_array[<const_pad_before = 0, const_pad_after = 1>, ...]`."""

    name = "aie.bd_pad_layout_array"

    pads: ArrayAttr[BDPadLayoutAttr]

    def __init__(self, pads: Sequence[BDPadLayoutAttr] = ()) -> None:
        super().__init__(ArrayAttr(pads))

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        return (ArrayAttr(_parse_pads(parser)),)

    def print_parameters(self, printer: Printer) -> None:
        printer.print_string(_pads_text(self.pads.data))


def _parse_pads(parser: AttrParser) -> list[BDPadLayoutAttr]:
    return parser.parse_comma_separated_list(
        parser.Delimiter.SQUARE,
        lambda: BDPadLayoutAttr(*_parse_pair_body(parser, BDPadLayoutAttr.KEYS)),
    )


def _pads_text(pads: Sequence[BDPadLayoutAttr]) -> str:
    return "[" + ", ".join(p.stripped() for p in pads) + "]"


# ----------------------------------------------------------------- device, end


@irdl_op_definition
class EndOp(IRDLOperation):
    """`aie.end`: terminator of device, core and DMA regions."""

    name = "aie.end"

    traits = traits_def(IsTerminator())

    assembly_format = "attr-dict"


@irdl_op_definition
class DeviceOp(IRDLOperation):
    """`aie.device(npu1) [@name] { ... }`: a design for one device model.

    The body's `aie.end` is implicit in the custom form, as in mlir-aie."""

    name = "aie.device"

    device = prop_def(IntegerAttr)
    sym_name = opt_prop_def(StringAttr)
    body = region_def("single_block")

    traits = traits_def(
        OptionalSymbolOpInterface(),
        SymbolTable(),
        IsolatedFromAbove(),
        SingleBlockImplicitTerminator(EndOp),
    )

    def __init__(self, device: str, body: Block | None = None, sym_name: str | None = None):
        model = devices.lookup(device)
        if model is None:
            raise ValueError(f"unknown NPU device {device}")
        props: dict[str, Attribute] = {"device": _i32(model.mlir_code)}
        if sym_name is not None:
            props["sym_name"] = StringAttr(sym_name)
        super().__init__(properties=props, regions=[Region(body or Block())])
        ensure_terminator(self, SingleBlockImplicitTerminator(EndOp))

    @property
    def model(self) -> NpuDevice | None:
        return devices.by_code(_int(self.device, -1))

    @classmethod
    def parse(cls, parser: Parser) -> DeviceOp:
        parser.parse_punctuation("(")
        start = parser.pos
        word = parser.parse_optional_identifier() or parser.parse_optional_str_literal()
        model = devices.lookup(word) if word is not None else None
        if model is None:
            names = ", ".join(devices.DEVICES)
            parser.raise_error(
                f"unknown device '{word}'; supported NPU devices: {names}", start, parser.pos
            )
        parser.parse_punctuation(")")
        sym = parser.parse_optional_symbol_name()
        region = parser.parse_region()
        block = region.detach_block(0) if region.blocks else Block()
        op = DeviceOp(model.name, block, None if sym is None else sym.data)
        _parse_attrs_into(parser, op)
        return op

    def print(self, printer: Printer) -> None:
        model = self.model
        printer.print_string(f"({model.name if model else _int(self.device)})")
        if self.sym_name is not None:
            printer.print_string(" ")
            printer.print_symbol_name(self.sym_name.data)
        printer.print_string(" ")
        printer.print_region(self.body, print_block_terminators=False)
        _print_attrs(printer, self, ("device", "sym_name"))

    def verify_(self) -> None:
        if self.model is None:
            codes = ", ".join(f"{d.name} = {d.mlir_code}" for d in devices.DEVICES.values())
            raise VerifyException(
                f"device value {_int(self.device)} is not an NPU device we model ({codes})"
            )


# ------------------------------------------------------------------------ tile


@irdl_op_definition
class TileOp(IRDLOperation):
    """`%tile_0_2 = aie.tile(0, 2)`: the tile at column 0, row 2."""

    name = "aie.tile"

    col = prop_def(IntegerAttr)
    row = prop_def(IntegerAttr)
    result = result_def(IndexType)

    traits = traits_def(Pure())

    def __init__(self, col: int, row: int) -> None:
        super().__init__(
            properties={"col": _i32(col), "row": _i32(row)}, result_types=[IndexType()]
        )
        # xDSL drops a trailing `_<digits>` from name hints, so not `tile_0_2`
        self.result.name_hint = f"tile_c{col}_r{row}"

    @property
    def col_value(self) -> int:
        return _int(self.col)

    @property
    def row_value(self) -> int:
        return _int(self.row)

    @classmethod
    def parse(cls, parser: Parser) -> TileOp:
        parser.parse_punctuation("(")
        col = _parse_int(parser)
        parser.parse_punctuation(",")
        row = _parse_int(parser)
        parser.parse_punctuation(")")
        op = TileOp(col, row)
        _parse_attrs_into(parser, op)
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(f"({self.col_value}, {self.row_value})")
        _print_attrs(printer, self, ("col", "row"))

    def kind(self) -> TileKind | None:
        found = _tile_kind(self)
        return None if found is None else found[1]

    def verify_(self) -> None:
        col, row = self.col_value, self.row_value
        if col < 0 or row < 0:
            raise VerifyException(f"tile ({col}, {row}) has a negative coordinate")
        model = device_of(self)
        if model is not None and not model.is_valid_tile(col, row):
            raise VerifyException(
                f"tile ({col}, {row}) is outside device {model.describe()}: columns "
                f"0-{model.columns - 1}, rows 0-{model.rows - 1}"
            )


# ------------------------------------------------------------- buffer and lock


@irdl_op_definition
class BufferOp(IRDLOperation):
    """`%buf = aie.buffer(%tile) {sym_name = "a"} : memref<256xi32> [= dense<...>]`."""

    name = "aie.buffer"

    tile = operand_def(IndexType)
    sym_name = opt_prop_def(StringAttr)
    address = opt_prop_def(IntegerAttr)
    initial_value = opt_prop_def(DenseIntOrFPElementsAttr)
    mem_bank = opt_prop_def(IntegerAttr)
    buffer = result_def(MemRefType)

    def __init__(self, tile: SSAValue, t: MemRefType, sym_name: str | None = None) -> None:
        props: dict[str, Attribute] = {}
        if sym_name is not None:
            props["sym_name"] = StringAttr(sym_name)
        super().__init__(operands=[tile], properties=props, result_types=[t])

    @classmethod
    def parse(cls, parser: Parser) -> BufferOp:
        parser.parse_punctuation("(")
        tile = parser.parse_operand(IndexType())
        parser.parse_punctuation(")")
        attrs = parser.parse_optional_attr_dict()
        parser.parse_punctuation(":")
        start = parser.pos
        t = parser.parse_type()
        if not isinstance(t, MemRefType):
            parser.raise_error(f"aie.buffer has a memref type, got {t}", start, parser.pos)
        op = BufferOp(tile, t)
        for key, value in attrs.items():
            (op.properties if key in _prop_names(cls) else op.attributes)[key] = value
        if parser.parse_optional_punctuation("=") is not None:
            # mlir-aie writes the dense literal untyped: the buffer's shape types it
            start = parser.pos
            parser.parse_keyword("dense")
            tensor = TensorType(t.element_type, t.get_shape())
            try:
                value = parser.parse_dense_int_or_fp_elements_attr(tensor)
            except ParseError as err:  # xDSL points past the literal; point at it
                parser.raise_error(f"{err.msg} (initial value of {t})", start, parser.pos)
            op.properties["initial_value"] = value
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string("(")
        printer.print_operand(self.tile)
        printer.print_string(")")
        _print_attrs(printer, self, ("initial_value",))
        printer.print_string(" : ")
        printer.print_attribute(self.buffer.type)
        if self.initial_value is not None:
            text = str(self.initial_value)
            printer.print_string(" = " + text.rsplit(" : ", 1)[0])

    def verify_(self) -> None:
        _require_kind(self, self.tile, {TileKind.COMPUTE, TileKind.MEMTILE}, "buffers live on")
        tile = tile_of(self.tile)
        found = None if tile is None else _tile_kind(tile)
        t = self.buffer.type
        if found is not None and isinstance(t, MemRefType) and tile is not None:
            model, kind = found
            size, capacity = memref_bytes(t), model.facts(kind).data_memory_bytes
            if size > capacity:
                raise VerifyException(
                    f"buffer {t} takes {size} bytes, more than the {capacity}-byte data "
                    f"memory of {_tile(kind)} {_where(tile)}"
                )


@irdl_op_definition
class LockOp(IRDLOperation):
    """`%lock = aie.lock(%tile, 0) {init = 1 : i32}`: a hardware semaphore."""

    name = "aie.lock"

    tile = operand_def(IndexType)
    lockID = opt_prop_def(IntegerAttr)
    init = opt_prop_def(IntegerAttr)
    sym_name = opt_prop_def(StringAttr)
    result = result_def(IndexType)

    def __init__(self, tile: SSAValue, lock_id: int | None = None, init: int | None = None):
        props: dict[str, Attribute] = {}
        if lock_id is not None:
            props["lockID"] = _i32(lock_id)
        if init is not None:
            props["init"] = _i32(init)
        super().__init__(operands=[tile], properties=props, result_types=[IndexType()])

    @classmethod
    def parse(cls, parser: Parser) -> LockOp:
        parser.parse_punctuation("(")
        tile = parser.parse_operand(IndexType())
        lock_id = None
        if parser.parse_optional_punctuation(",") is not None:
            lock_id = _parse_int(parser)
        parser.parse_punctuation(")")
        op = LockOp(tile, lock_id)
        _parse_attrs_into(parser, op)
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string("(")
        printer.print_operand(self.tile)
        if self.lockID is not None:
            printer.print_string(f", {_int(self.lockID)}")
        printer.print_string(")")
        _print_attrs(printer, self, ("lockID",))

    def verify_(self) -> None:
        tile = tile_of(self.tile)
        found = None if tile is None else _tile_kind(tile)
        if self.lockID is None or found is None or tile is None:
            return
        model, kind = found
        count, lock_id = model.facts(kind).locks, _int(self.lockID)
        if not 0 <= lock_id < count:
            raise VerifyException(
                f"lock id {lock_id} on {_tile(kind)} {_where(tile)} is out of range: "
                f"{_tiles(kind)} have {count} locks (ids 0-{count - 1})"
            )


@irdl_op_definition
class UseLockOp(IRDLOperation):
    """`aie.use_lock(%lock, AcquireGreaterEqual, 1)`."""

    name = "aie.use_lock"

    lock = operand_def(IndexType)
    action = prop_def(IntegerAttr)
    value = opt_prop_def(IntegerAttr)
    blocking = opt_prop_def(IntegerAttr)
    acq_en = opt_prop_def(IntegerAttr)

    def __init__(self, lock: SSAValue, action: str, value: int | None = None) -> None:
        props: dict[str, Attribute] = {"action": _i32(LOCK_ACTION.cases[action])}
        if value is not None:
            props["value"] = _i32(value)
        super().__init__(operands=[lock], properties=props)

    @classmethod
    def parse(cls, parser: Parser) -> UseLockOp:
        parser.parse_punctuation("(")
        lock = parser.parse_operand(IndexType())
        parser.parse_punctuation(",")
        action = LOCK_ACTION.parse(parser)
        op = UseLockOp(lock, LOCK_ACTION.name(action))
        if parser.parse_optional_punctuation(",") is not None:
            if (value := parser.parse_optional_integer(allow_boolean=False)) is not None:
                op.properties["value"] = _i32(value)
                if parser.parse_optional_punctuation(",") is not None:
                    op.properties["blocking"] = LOCK_BLOCKING.parse(parser)
            else:
                op.properties["blocking"] = LOCK_BLOCKING.parse(parser)
        parser.parse_punctuation(")")
        _parse_attrs_into(parser, op)
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string("(")
        printer.print_operand(self.lock)
        printer.print_string(f", {LOCK_ACTION.name(self.action)}")
        if self.value is not None:
            printer.print_string(f", {_int(self.value)}")
        if self.blocking is not None:
            printer.print_string(f", {LOCK_BLOCKING.name(self.blocking)}")
        printer.print_string(")")
        _print_attrs(printer, self, ("action", "value", "blocking"))

    def verify_(self) -> None:
        LOCK_ACTION.verify(self.action, "action")
        if not isinstance(self.lock.owner, LockOp) and not isinstance(self.lock.owner, Block):
            raise VerifyException(
                f"aie.use_lock operand is defined by {self.lock.owner.name}, not by aie.lock"
            )


# ------------------------------------------------------------------------ flows


@irdl_op_definition
class FlowOp(IRDLOperation):
    """`aie.flow(%src, DMA : 0, %dst, DMA : 1)`: a circuit-switched stream route."""

    name = "aie.flow"

    source = operand_def(IndexType)
    dest = operand_def(IndexType)
    source_bundle = prop_def(IntegerAttr)
    source_channel = prop_def(IntegerAttr)
    dest_bundle = prop_def(IntegerAttr)
    dest_channel = prop_def(IntegerAttr)

    def __init__(
        self, source: SSAValue, sb: str, sc: int, dest: SSAValue, db: str, dc: int
    ) -> None:
        super().__init__(
            operands=[source, dest],
            properties={
                "source_bundle": _i32(WIRE_BUNDLE.cases[sb]),
                "source_channel": _i32(sc),
                "dest_bundle": _i32(WIRE_BUNDLE.cases[db]),
                "dest_channel": _i32(dc),
            },
        )

    @classmethod
    def parse(cls, parser: Parser) -> FlowOp:
        def end() -> tuple[SSAValue, str, int]:
            value = parser.parse_operand(IndexType())
            parser.parse_punctuation(",")
            bundle = WIRE_BUNDLE.name(WIRE_BUNDLE.parse(parser))
            parser.parse_punctuation(":")
            return value, bundle, _parse_int(parser)

        parser.parse_punctuation("(")
        src = end()
        parser.parse_punctuation(",")
        dst = end()
        parser.parse_punctuation(")")
        op = FlowOp(*src, *dst)
        _parse_attrs_into(parser, op)
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string("(")
        printer.print_operand(self.source)
        printer.print_string(
            f", {WIRE_BUNDLE.name(self.source_bundle)} : {_int(self.source_channel)}, "
        )
        printer.print_operand(self.dest)
        printer.print_string(f", {WIRE_BUNDLE.name(self.dest_bundle)} : {_int(self.dest_channel)})")
        _print_attrs(printer, self, tuple(_prop_names(FlowOp)))

    def verify_(self) -> None:
        WIRE_BUNDLE.verify(self.source_bundle, "source bundle")
        WIRE_BUNDLE.verify(self.dest_bundle, "dest bundle")
        for field in ("source_channel", "dest_channel"):
            if _int(self.properties[field]) < 0:
                raise VerifyException(f"{field} must be >= 0")


@irdl_op_definition
class CascadeFlowOp(IRDLOperation):
    """`aie.cascade_flow(%src, %dst)`: accumulator cascade between neighbour cores."""

    name = "aie.cascade_flow"

    source_tile = operand_def(IndexType)
    dest_tile = operand_def(IndexType)

    assembly_format = "`(` $source_tile `,` $dest_tile `)` attr-dict"

    def __init__(self, source: SSAValue, dest: SSAValue) -> None:
        super().__init__(operands=[source, dest])

    def verify_(self) -> None:
        for value in (self.source_tile, self.dest_tile):
            _require_kind(self, value, {TileKind.COMPUTE}, "cascades connect")
        src, dst = tile_of(self.source_tile), tile_of(self.dest_tile)
        if src is None or dst is None:
            return
        distance = abs(src.col_value - dst.col_value) + abs(src.row_value - dst.row_value)
        if distance != 1:
            raise VerifyException(
                f"cascade from {_where(src)} to {_where(dst)}: cascades connect "
                "neighbouring tiles only"
            )


# ------------------------------------------------------------ cores and DMAs


class _TileRegionOp(IRDLOperation):
    """Shared syntax of `aie.core/mem/memtile_dma(%tile) { ... } {attrs}`."""

    ALLOWED: ClassVar[set[TileKind]] = set()
    WHAT: ClassVar[str] = ""

    @classmethod
    def parse(cls, parser: Parser) -> _TileRegionOp:
        parser.parse_punctuation("(")
        tile = parser.parse_operand(IndexType())
        parser.parse_punctuation(")")
        region = parser.parse_region()
        op = cls.create(operands=[tile], result_types=[IndexType()], regions=[region])
        _parse_attrs_into(parser, op)
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string("(")
        printer.print_operand(self.operands[0])
        printer.print_string(") ")
        printer.print_region(self.regions[0])
        _print_attrs(printer, self)

    def verify_(self) -> None:
        _require_kind(self, self.operands[0], self.ALLOWED, self.WHAT)


@irdl_op_definition
class CoreOp(_TileRegionOp):
    """`%core = aie.core(%tile) { ...; aie.end } {link_with = "k.o", stack_size = 2048 : i32}`."""

    name = "aie.core"

    tile = operand_def(IndexType)
    stack_size = opt_prop_def(IntegerAttr)
    link_with = opt_prop_def(StringAttr)
    elf_file = opt_prop_def(StringAttr)
    dynamic_objfifo_lowering = opt_prop_def(IntegerAttr)
    body = region_def()
    result = result_def(IndexType)

    ALLOWED: ClassVar[set[TileKind]] = {TileKind.COMPUTE}
    WHAT: ClassVar[str] = "cores exist only on"

    def __init__(self, tile: SSAValue, body: Region, link_with: str | None = None) -> None:
        props: dict[str, Attribute] = {}
        if link_with is not None:
            props["link_with"] = StringAttr(link_with)
        super().__init__(
            operands=[tile], properties=props, regions=[body], result_types=[IndexType()]
        )

    def verify_(self) -> None:
        super().verify_()
        if self.stack_size is not None and _int(self.stack_size) < 0:
            raise VerifyException(f"stack_size {_int(self.stack_size)} is negative")


class _DmaRegionOp(_TileRegionOp):
    """`aie.mem`/`aie.memtile_dma`: a chain of dma_start blocks and their BDs."""

    def verify_(self) -> None:
        super().verify_()
        tile = tile_of(self.operands[0])
        found = None if tile is None else _tile_kind(tile)
        if found is None or tile is None:
            return
        model, kind = found
        facts = model.facts(kind)
        bds = [op for op in self.walk() if isinstance(op, DMABDOp)]
        if len(bds) > facts.buffer_descriptors:
            raise VerifyException(
                f"{self.name} of tile {_where(tile)} uses {len(bds)} buffer descriptors; "
                f"{_tiles(kind)} have {facts.buffer_descriptors}"
            )


@irdl_op_definition
class MemOp(_DmaRegionOp):
    """`%mem = aie.mem(%tile) { %0 = aie.dma_start(...) ^bd: ... aie.end }`."""

    name = "aie.mem"

    tile = operand_def(IndexType)
    body = region_def()
    result = result_def(IndexType)

    ALLOWED: ClassVar[set[TileKind]] = {TileKind.COMPUTE}
    WHAT: ClassVar[str] = "aie.mem configures the DMA of"


@irdl_op_definition
class MemTileDMAOp(_DmaRegionOp):
    """`%dma = aie.memtile_dma(%memtile) { ... }`."""

    name = "aie.memtile_dma"

    tile = operand_def(IndexType)
    body = region_def()
    result = result_def(IndexType)

    ALLOWED: ClassVar[set[TileKind]] = {TileKind.MEMTILE}
    WHAT: ClassVar[str] = "aie.memtile_dma configures the DMA of"


def _dma_tile(op: Operation) -> TileOp | None:
    parent = op.parent_op()
    if isinstance(parent, MemOp | MemTileDMAOp):
        return tile_of(parent.tile)
    return None


@irdl_op_definition
class DMAStartOp(IRDLOperation):
    """`%0 = aie.dma_start(MM2S, 0, ^bd0, ^next[, repeat_count = 1])`."""

    name = "aie.dma_start"

    channel_dir = prop_def(IntegerAttr)
    channel_index = prop_def(IntegerAttr)
    repeat_count = opt_prop_def(IntegerAttr)
    dest = successor_def()
    chain = successor_def()
    valid = result_def(IntegerType(1))

    traits = traits_def(IsTerminator())

    def __init__(self, direction: str, channel: int, dest: Block, chain: Block) -> None:
        super().__init__(
            properties={
                "channel_dir": _i32(DMA_CHANNEL_DIR.cases[direction]),
                "channel_index": _i32(channel),
            },
            successors=[dest, chain],
            result_types=[IntegerType(1)],
        )

    @classmethod
    def parse(cls, parser: Parser) -> DMAStartOp:
        parser.parse_punctuation("(")
        direction = DMA_CHANNEL_DIR.name(DMA_CHANNEL_DIR.parse(parser))
        parser.parse_punctuation(",")
        channel = _parse_int(parser)
        parser.parse_punctuation(",")
        dest = parser.parse_successor()
        parser.parse_punctuation(",")
        chain = parser.parse_successor()
        op = DMAStartOp(direction, channel, dest, chain)
        if parser.parse_optional_punctuation(",") is not None:
            parser.parse_keyword("repeat_count")
            parser.parse_punctuation("=")
            op.properties["repeat_count"] = _i32(_parse_int(parser))
        parser.parse_punctuation(")")
        _parse_attrs_into(parser, op)
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(
            f"({DMA_CHANNEL_DIR.name(self.channel_dir)}, {_int(self.channel_index)}, "
        )
        printer.print_block_name(self.dest)
        printer.print_string(", ")
        printer.print_block_name(self.chain)
        if self.repeat_count is not None:
            printer.print_string(f", repeat_count = {_int(self.repeat_count)}")
        printer.print_string(")")
        _print_attrs(printer, self, ("channel_dir", "channel_index", "repeat_count"))

    def verify_(self) -> None:
        DMA_CHANNEL_DIR.verify(self.channel_dir, "channel direction")
        tile = _dma_tile(self)
        found = None if tile is None else _tile_kind(tile)
        if found is None or tile is None:
            return
        model, kind = found
        facts = model.facts(kind)
        direction = DMA_CHANNEL_DIR.name(self.channel_dir)
        count = facts.dma_s2mm_channels if direction == "S2MM" else facts.dma_mm2s_channels
        channel = _int(self.channel_index)
        if not 0 <= channel < count:
            raise VerifyException(
                f"{direction} channel {channel} on {_tile(kind)} {_where(tile)}: "
                f"{_tiles(kind)} have {count} {direction} channels (0-{count - 1})"
            )


@irdl_op_definition
class DMABDOp(IRDLOperation):
    """`aie.dma_bd(%buf : memref<128xi32>, offset, len[, [<size = s, stride = t>, ...]])`:
    one buffer descriptor (offset and length in elements)."""

    name = "aie.dma_bd"

    buffer = operand_def(MemRefType)
    offset = opt_prop_def(IntegerAttr)
    len = opt_prop_def(IntegerAttr)
    dimensions = opt_prop_def(BDDimLayoutArrayAttr)
    pad_dimensions = opt_prop_def(BDPadLayoutArrayAttr)
    pad_value = opt_prop_def(IntegerAttr)
    bd_id = opt_prop_def(IntegerAttr)
    packet = opt_prop_def(PacketInfoAttr)
    burst_length = opt_prop_def(IntegerAttr)
    next_bd_id = opt_prop_def(IntegerAttr)

    POSITIONAL: ClassVar[tuple[str, ...]] = (
        "offset",
        "len",
        "dimensions",
        "pad_dimensions",
        "pad_value",
    )

    def __init__(
        self,
        buffer: SSAValue,
        offset: int | None = None,
        length: int | None = None,
        dims: Sequence[BDDimLayoutAttr] | None = None,
    ) -> None:
        props: dict[str, Attribute] = {}
        if offset is not None:
            props["offset"] = _i32(offset)
        if length is not None:
            props["len"] = _i32(length)
        if dims is not None:
            props["dimensions"] = BDDimLayoutArrayAttr(dims)
        super().__init__(operands=[buffer], properties=props)

    @classmethod
    def parse(cls, parser: Parser) -> DMABDOp:
        parser.parse_punctuation("(")
        unresolved = parser.parse_unresolved_operand()
        parser.parse_punctuation(":")
        t = parser.parse_type()
        op = DMABDOp(parser.resolve_operand(unresolved, t))
        ints: list[int] = []
        while parser.parse_optional_punctuation(",") is not None:
            if parser.parse_optional_keyword("pad_value") is not None:
                parser.parse_punctuation("=")
                op.properties["pad_value"] = _i32(_parse_int(parser))
            elif parser.parse_optional_keyword("dims") is not None:  # older spelling
                parser.parse_punctuation("=")
                op.properties["dimensions"] = BDDimLayoutArrayAttr(parse_dims(parser))
            elif (value := parser.parse_optional_integer(allow_boolean=False)) is not None:
                ints.append(value)
            elif "dimensions" not in op.properties:
                op.properties["dimensions"] = BDDimLayoutArrayAttr(parse_dims(parser))
            else:
                op.properties["pad_dimensions"] = BDPadLayoutArrayAttr(_parse_pads(parser))
        if len(ints) > 2:
            parser.raise_error("aie.dma_bd takes at most two integers: offset and length")
        for key, value in zip(("offset", "len"), ints, strict=False):
            op.properties[key] = _i32(value)
        parser.parse_punctuation(")")
        _parse_attrs_into(parser, op)
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string("(")
        printer.print_operand(self.buffer)
        printer.print_string(" : ")
        printer.print_attribute(self.buffer.type)
        if self.len is not None or _int(self.offset) != 0:
            printer.print_string(f", {_int(self.offset)}")
        if self.len is not None:
            printer.print_string(f", {_int(self.len)}")
        if self.dimensions is not None:
            printer.print_string(", " + dims_text(self.dimensions.dims.data))
        if self.pad_dimensions is not None:
            printer.print_string(", " + _pads_text(self.pad_dimensions.pads.data))
        if _int(self.pad_value) != 0:
            printer.print_string(f", pad_value = {_int(self.pad_value)}")
        printer.print_string(")")
        _print_attrs(printer, self, self.POSITIONAL)

    def verify_(self) -> None:
        t = self.buffer.type
        assert isinstance(t, MemRefType)
        offset, size = _int(self.offset), memref_elements(t)
        length = _int(self.len, size - offset)
        if offset < 0 or length < 0 or offset + length > size:
            raise VerifyException(
                f"dma_bd moves elements [{offset}, {offset + length}) of {t}, which has {size}"
            )
        tile = _dma_tile(self)
        found = None if tile is None else _tile_kind(tile)
        if found is None or tile is None:
            return
        model, kind = found
        facts = model.facts(kind)
        if self.dimensions is not None and len(self.dimensions) > facts.dma_dimensions:
            raise VerifyException(
                f"dma_bd has {len(self.dimensions)} dimensions; the DMA of "
                f"{_tile(kind)} {_where(tile)} addresses at most {facts.dma_dimensions}"
            )
        if self.bd_id is not None and not 0 <= _int(self.bd_id) < facts.buffer_descriptors:
            raise VerifyException(
                f"bd_id {_int(self.bd_id)} on {_tile(kind)} {_where(tile)}: "
                f"{_tiles(kind)} have {facts.buffer_descriptors} buffer descriptors"
            )


@irdl_op_definition
class NextBDOp(IRDLOperation):
    """`aie.next_bd ^bd1`: the BD that follows in the chain."""

    name = "aie.next_bd"

    dest = successor_def()

    traits = traits_def(IsTerminator())

    assembly_format = "$dest attr-dict"

    def __init__(self, dest: Block) -> None:
        super().__init__(successors=[dest])


@irdl_op_definition
class ShimDMAAllocationOp(IRDLOperation):
    """`aie.shim_dma_allocation @of_in(MM2S, 0, 0)`: which shim DMA channel
    (direction, channel, column) serves a host transfer named @of_in.

    The newer spelling with a tile operand, `@of_in(%shim, MM2S, 0)`, is read and
    printed as written."""

    name = "aie.shim_dma_allocation"

    tile = opt_operand_def(IndexType)
    sym_name = prop_def(FlatSymbolRefAttr)
    channel_dir = prop_def(IntegerAttr)
    channel_index = prop_def(IntegerAttr)
    col = opt_prop_def(IntegerAttr)
    plio = opt_prop_def(IntegerAttr)
    packet = opt_prop_def(PacketInfoAttr)

    traits = traits_def(HasParent(DeviceOp))

    def __init__(
        self,
        name: str,
        direction: str,
        channel: int,
        col: int | None = None,
        tile: SSAValue | None = None,
    ) -> None:
        props: dict[str, Attribute] = {
            "sym_name": SymbolRefAttr(name),
            "channel_dir": _i32(DMA_CHANNEL_DIR.cases[direction]),
            "channel_index": _i64(channel),
        }
        if col is not None:
            props["col"] = _i64(col)
        super().__init__(operands=[[tile] if tile is not None else []], properties=props)

    @property
    def column(self) -> int | None:
        if self.col is not None:
            return _int(self.col)
        tile = None if self.tile is None else tile_of(self.tile)
        return None if tile is None else tile.col_value

    @classmethod
    def parse(cls, parser: Parser) -> ShimDMAAllocationOp:
        name = parser.parse_symbol_name().data
        parser.parse_punctuation("(")
        tile = parser.parse_optional_operand(IndexType())
        if tile is not None:
            parser.parse_punctuation(",")
        direction = DMA_CHANNEL_DIR.name(DMA_CHANNEL_DIR.parse(parser))
        parser.parse_punctuation(",")
        channel = _parse_int(parser)
        col = None
        if tile is None:
            parser.parse_punctuation(",")
            col = _parse_int(parser)
        if parser.parse_optional_punctuation(",") is not None:
            packet = PacketInfoAttr.parse_parameters(parser)
            pkt = PacketInfoAttr.new(packet)
        else:
            pkt = None
        parser.parse_punctuation(")")
        op = ShimDMAAllocationOp(name, direction, channel, col, tile)
        if pkt is not None:
            op.properties["packet"] = pkt
        _parse_attrs_into(parser, op)
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_symbol_name(self.sym_name.root_reference.data)
        printer.print_string("(")
        if self.tile is not None:
            printer.print_operand(self.tile)
            printer.print_string(", ")
        printer.print_string(
            f"{DMA_CHANNEL_DIR.name(self.channel_dir)}, {_int(self.channel_index)}"
        )
        if self.col is not None:
            printer.print_string(f", {_int(self.col)}")
        if self.packet is not None:
            printer.print_string(
                ", "
                + _pair_text(
                    PacketInfoAttr.KEYS, self.packet.pkt_type.data, self.packet.pkt_id.data
                )
            )
        printer.print_string(")")
        _print_attrs(printer, self, ("sym_name", "channel_dir", "channel_index", "col", "packet"))

    def verify_(self) -> None:
        DMA_CHANNEL_DIR.verify(self.channel_dir, "channel direction")
        if (self.tile is None) == (self.col is None):
            raise VerifyException(
                "aie.shim_dma_allocation names its shim by a column or by a tile operand, "
                "exactly one of them"
            )
        if self.tile is not None:
            _require_kind(self, self.tile, {TileKind.SHIM}, "host DMAs are on")
        model = device_of(self)
        col = self.column
        if model is None or col is None:
            return
        if not 0 <= col < model.columns:
            raise VerifyException(
                f"shim DMA column {col} is outside device {model.describe()}: columns "
                f"0-{model.columns - 1}"
            )
        direction = DMA_CHANNEL_DIR.name(self.channel_dir)
        count = (
            model.shim.dma_s2mm_channels if direction == "S2MM" else model.shim.dma_mm2s_channels
        )
        if not 0 <= _int(self.channel_index) < count:
            raise VerifyException(
                f"{direction} channel {_int(self.channel_index)} on the shim of column {col}: "
                f"shim tiles have {count} {direction} channels (0-{count - 1})"
            )


# ------------------------------------------------------------------ objectfifos


def _depth_text(depth: Attribute) -> str:
    if isinstance(depth, ArrayAttr):
        return "[" + ", ".join(str(_int(d)) for d in depth.data) + "]"
    return f"{_int(depth)} : i32"


@irdl_op_definition
class ObjectFifoCreateOp(IRDLOperation):
    """`aie.objectfifo @of(%prod [dimensionsToStream [...]], {%cons [dimensionsFromStream
    [...]], ...}, depth) [{attrs}] : !aie.objectfifo<memref<...>> [= [dense<...>, ...]]`."""

    name = "aie.objectfifo"

    producerTile = operand_def(IndexType)
    consumerTiles = var_operand_def(IndexType)
    sym_name = prop_def(StringAttr)
    elemNumber = prop_def(Attribute)
    elemType = prop_def(ObjectFifoType)
    dimensionsToStream = prop_def(BDDimLayoutArrayAttr)
    dimensionsFromStreamPerConsumer = prop_def(BDDimLayoutArrayArrayAttr)
    via_DMA = opt_prop_def(IntegerAttr)
    plio = opt_prop_def(IntegerAttr)
    disable_synchronization = opt_prop_def(IntegerAttr)
    repeat_count = opt_prop_def(IntegerAttr)
    initValues = opt_prop_def(ArrayAttr)

    traits = traits_def(HasParent(DeviceOp), SymbolOpInterface())

    POSITIONAL: ClassVar[tuple[str, ...]] = (
        "sym_name",
        "elemNumber",
        "elemType",
        "dimensionsToStream",
        "dimensionsFromStreamPerConsumer",
        "initValues",
    )

    def __init__(
        self,
        name: str,
        producer: SSAValue,
        consumers: Sequence[SSAValue],
        depth: int | Sequence[int],
        element_type: MemRefType,
        to_stream: Sequence[BDDimLayoutAttr] = (),
        from_stream: Sequence[Sequence[BDDimLayoutAttr]] | None = None,
    ) -> None:
        per_consumer = from_stream if from_stream is not None else [[] for _ in consumers]
        elem: Attribute = (
            _i32(depth) if isinstance(depth, int) else ArrayAttr(_i32(d) for d in depth)
        )
        super().__init__(
            operands=[producer, consumers],
            properties={
                "sym_name": StringAttr(name),
                "elemNumber": elem,
                "elemType": ObjectFifoType(element_type),
                "dimensionsToStream": BDDimLayoutArrayAttr(to_stream),
                "dimensionsFromStreamPerConsumer": BDDimLayoutArrayArrayAttr(
                    [BDDimLayoutArrayAttr(d) for d in per_consumer]
                ),
            },
        )

    @property
    def fifo_name(self) -> str:
        return self.sym_name.data

    @property
    def element_type(self) -> MemRefType:
        return self.elemType.element_type

    @property
    def depths(self) -> list[int]:
        depth = self.elemNumber
        if isinstance(depth, ArrayAttr):
            return [_int(d) for d in depth.data]
        return [_int(depth)]

    @classmethod
    def parse(cls, parser: Parser) -> ObjectFifoCreateOp:
        name = parser.parse_symbol_name().data
        parser.parse_punctuation("(")
        producer = parser.parse_operand(IndexType())
        to_stream: list[BDDimLayoutAttr] = []
        if parser.parse_optional_keyword("dimensionsToStream") is not None:
            to_stream = parse_dims(parser)
        parser.parse_punctuation(",")

        def consumer() -> tuple[SSAValue, list[BDDimLayoutAttr]]:
            value = parser.parse_operand(IndexType())
            dims: list[BDDimLayoutAttr] = []
            if parser.parse_optional_keyword("dimensionsFromStream") is not None:
                dims = parse_dims(parser)
            return value, dims

        consumers = parser.parse_comma_separated_list(parser.Delimiter.BRACES, consumer)
        parser.parse_punctuation(",")
        depth: int | list[int]
        if parser.parse_optional_punctuation("[") is not None:
            depth = [_parse_int(parser)]
            while parser.parse_optional_punctuation(",") is not None:
                depth.append(_parse_int(parser))
            parser.parse_punctuation("]")
        else:
            depth = _parse_int(parser)
            if parser.parse_optional_punctuation(":") is not None:
                start = parser.pos
                if parser.parse_type() != I32:
                    parser.raise_error("objectfifo depth is an i32", start, parser.pos)
        parser.parse_punctuation(")")
        attrs = parser.parse_optional_attr_dict()
        parser.parse_punctuation(":")
        start = parser.pos
        t = parser.parse_type()
        if not isinstance(t, ObjectFifoType):
            parser.raise_error(
                f"expected an !aie.objectfifo<memref<...>> type, got {t}", start, parser.pos
            )
        op = ObjectFifoCreateOp(
            name,
            producer,
            [c for c, _ in consumers],
            depth,
            t.element_type,
            to_stream,
            [d for _, d in consumers],
        )
        for key, value in attrs.items():
            (op.properties if key in _prop_names(cls) else op.attributes)[key] = value
        if parser.parse_optional_punctuation("=") is not None:
            op.properties["initValues"] = ArrayAttr(
                parser.parse_comma_separated_list(parser.Delimiter.SQUARE, parser.parse_attribute)
            )
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_symbol_name(self.fifo_name)
        printer.print_string("(")
        printer.print_operand(self.producerTile)
        if len(self.dimensionsToStream):
            printer.print_string(
                " dimensionsToStream " + dims_text(self.dimensionsToStream.dims.data)
            )
        printer.print_string(", {")
        per_consumer = self.dimensionsFromStreamPerConsumer.per_consumer.data
        for i, value in enumerate(self.consumerTiles):
            if i:
                printer.print_string(", ")
            printer.print_operand(value)
            if i < len(per_consumer) and len(per_consumer[i]):
                printer.print_string(
                    " dimensionsFromStream " + dims_text(per_consumer[i].dims.data)
                )
        printer.print_string(f"}}, {_depth_text(self.elemNumber)})")
        _print_attrs(printer, self, self.POSITIONAL)
        printer.print_string(" : ")
        printer.print_attribute(self.elemType)
        if self.initValues is not None:
            printer.print_string(" = [")
            printer.print_list(self.initValues.data, printer.print_attribute)
            printer.print_string("]")

    def verify_(self) -> None:
        name = f"objectfifo @{self.fifo_name}"
        t = self.element_type
        if any(d < 0 for d in t.get_shape()):
            raise VerifyException(f"{name} carries {t}; objects must have a static shape")
        if not self.consumerTiles:
            raise VerifyException(f"{name} has no consumer tile")
        depths = self.depths
        if isinstance(self.elemNumber, ArrayAttr):
            if len(depths) != 1 + len(self.consumerTiles):
                raise VerifyException(
                    f"{name} gives {len(depths)} depths for 1 producer and "
                    f"{len(self.consumerTiles)} consumer(s); expected one per tile"
                )
        elif not isinstance(self.elemNumber, IntegerAttr):
            raise VerifyException(f"{name} depth must be an i32 or an array of i32")
        if any(d < 1 for d in depths):
            raise VerifyException(f"{name} has depth {depths}; depths must be at least 1")
        producer = tile_of(self.producerTile)
        for value in self.consumerTiles:
            consumer = tile_of(value)
            same = value == self.producerTile or (
                producer is not None
                and consumer is not None
                and (producer.col_value, producer.row_value)
                == (consumer.col_value, consumer.row_value)
            )
            if same:
                where = _where(producer) if producer is not None else "(?)"
                raise VerifyException(
                    f"{name}: producer and consumer are the same tile {where}; an "
                    "objectfifo connects different tiles"
                )
        if len(self.dimensionsFromStreamPerConsumer.per_consumer) != len(self.consumerTiles):
            raise VerifyException(
                f"{name} has {len(self.dimensionsFromStreamPerConsumer.per_consumer)} "
                f"dimensionsFromStream entries for {len(self.consumerTiles)} consumer(s)"
            )
        self._verify_dims(name, self.producerTile, self.dimensionsToStream, "dimensionsToStream")
        for value, dims in zip(
            self.consumerTiles, self.dimensionsFromStreamPerConsumer.per_consumer.data, strict=True
        ):
            self._verify_dims(name, value, dims, "dimensionsFromStream")
        if self.repeat_count is not None and _int(self.repeat_count) < 1:
            raise VerifyException(f"{name} has repeat_count {_int(self.repeat_count)}; minimum 1")
        if self.initValues is not None:
            self._verify_init(name, depths[0])

    def _verify_dims(
        self, name: str, tile_value: SSAValue, dims: BDDimLayoutArrayAttr, what: str
    ) -> None:
        tile = tile_of(tile_value)
        found = None if tile is None else _tile_kind(tile)
        if found is None or tile is None:
            return
        model, kind = found
        limit = model.facts(kind).dma_dimensions
        if len(dims) > limit:
            raise VerifyException(
                f"{name}: {what} has {len(dims)} dimensions; the DMA of {_tile(kind)} "
                f"{_where(tile)} addresses at most {limit}"
            )

    def _verify_init(self, name: str, depth: int) -> None:
        assert self.initValues is not None
        values = self.initValues.data
        if len(values) != depth:
            raise VerifyException(
                f"{name} has {len(values)} initial value(s) for depth {depth}; give one per object"
            )
        shape = list(self.element_type.get_shape())
        for value in values:
            if not isinstance(value, DenseIntOrFPElementsAttr):
                raise VerifyException(f"{name}: initial value {value} is not a dense literal")
            if list(value.get_shape() or ()) != shape:
                raise VerifyException(
                    f"{name}: initial value of shape {list(value.get_shape() or ())} for "
                    f"objects of shape {shape}"
                )


def find_objectfifo(op: Operation, name: str) -> ObjectFifoCreateOp | None:
    dev = op if isinstance(op, DeviceOp) else device_op_of(op)
    if dev is None:
        return None
    for candidate in dev.body.block.ops:
        if isinstance(candidate, ObjectFifoCreateOp) and candidate.fifo_name == name:
            return candidate
    return None


def _parse_symbol_list(parser: Parser) -> list[SymbolRefAttr]:
    return parser.parse_comma_separated_list(
        parser.Delimiter.SQUARE, lambda: SymbolRefAttr(parser.parse_symbol_name())
    )


@irdl_op_definition
class ObjectFifoLinkOp(IRDLOperation):
    """`aie.objectfifo.link [@in] -> [@out0, @out1] ([] [0, 512])`: objects of the
    inputs flow into the outputs through the tile they share. Several outputs
    distribute (each takes the slice at its dst offset), several inputs join."""

    name = "aie.objectfifo.link"

    fifoIns = prop_def(ArrayAttr[SymbolRefAttr])
    fifoOuts = prop_def(ArrayAttr[SymbolRefAttr])
    src_offsets = prop_def(ArrayAttr[IntegerAttr])
    dst_offsets = prop_def(ArrayAttr[IntegerAttr])

    traits = traits_def(HasParent(DeviceOp))

    def __init__(
        self,
        ins: Sequence[str],
        outs: Sequence[str],
        src_offsets: Sequence[int] = (),
        dst_offsets: Sequence[int] = (),
    ) -> None:
        super().__init__(
            properties={
                "fifoIns": ArrayAttr(SymbolRefAttr(n) for n in ins),
                "fifoOuts": ArrayAttr(SymbolRefAttr(n) for n in outs),
                "src_offsets": ArrayAttr(_i64(v) for v in src_offsets),
                "dst_offsets": ArrayAttr(_i64(v) for v in dst_offsets),
            }
        )

    @staticmethod
    def _names(attr: ArrayAttr[SymbolRefAttr]) -> list[str]:
        return [s.root_reference.data for s in attr.data]

    @classmethod
    def parse(cls, parser: Parser) -> ObjectFifoLinkOp:
        ins = _parse_symbol_list(parser)
        parser.parse_punctuation("->")
        outs = _parse_symbol_list(parser)
        parser.parse_punctuation("(")
        src: list[int] = []
        dst: list[int] = []
        if parser.parse_optional_punctuation(")") is None:  # older files write `()`
            src = _parse_int_list(parser)
            dst = _parse_int_list(parser)
            parser.parse_punctuation(")")
        op = ObjectFifoLinkOp(
            [s.root_reference.data for s in ins], [s.root_reference.data for s in outs], src, dst
        )
        _parse_attrs_into(parser, op)
        return op

    def print(self, printer: Printer) -> None:
        def names(attr: ArrayAttr[SymbolRefAttr]) -> str:
            return "[" + ", ".join(f"@{n}" for n in self._names(attr)) + "]"

        def ints(attr: ArrayAttr[IntegerAttr]) -> str:
            return "[" + ", ".join(str(_int(v)) for v in attr.data) + "]"

        printer.print_string(
            f" {names(self.fifoIns)} -> {names(self.fifoOuts)}"
            f"({ints(self.src_offsets)} {ints(self.dst_offsets)})"
        )
        _print_attrs(printer, self, tuple(_prop_names(ObjectFifoLinkOp)))

    def verify_(self) -> None:
        ins, outs = self._names(self.fifoIns), self._names(self.fifoOuts)
        src = [_int(v) for v in self.src_offsets.data]
        dst = [_int(v) for v in self.dst_offsets.data]
        what = f"link {ins} -> {outs}"
        if not ins or not outs:
            raise VerifyException(f"{what} needs at least one input and one output fifo")
        if len(ins) > 1 and len(outs) > 1:
            raise VerifyException(f"{what} is both a join and a distribute; use one of them")
        fifos: dict[str, ObjectFifoCreateOp] = {}
        for name in ins + outs:
            fifo = find_objectfifo(self, name)
            if fifo is None:
                if device_op_of(self) is None:
                    return  # detached: nothing to resolve against
                raise VerifyException(f"{what}: @{name} is not an aie.objectfifo of this device")
            fifos[name] = fifo
        self._verify_shared_tile(what, [fifos[n] for n in ins], [fifos[n] for n in outs])
        if len(ins) > 1:  # join: each input lands at its src offset of the output
            self._verify_offsets(what, "src", src, [fifos[n] for n in ins], fifos[outs[0]])
            if dst:
                raise VerifyException(f"{what} is a join; dst offsets must be empty, got {dst}")
        elif len(outs) > 1:  # distribute: each output takes its slice at a dst offset
            self._verify_offsets(what, "dst", dst, [fifos[n] for n in outs], fifos[ins[0]])
            if src:
                raise VerifyException(
                    f"{what} is a distribute; src offsets must be empty, got {src}"
                )
        elif src or dst:
            raise VerifyException(
                f"{what} is one-to-one; its offsets must be empty, got ({src} {dst})"
            )

    @staticmethod
    def _verify_shared_tile(
        what: str, ins: list[ObjectFifoCreateOp], outs: list[ObjectFifoCreateOp]
    ) -> None:
        def where(value: SSAValue) -> tuple[int, int] | SSAValue:
            tile = tile_of(value)
            return value if tile is None else (tile.col_value, tile.row_value)

        link_tiles = {where(o.producerTile) for o in outs}
        if len(link_tiles) != 1:
            raise VerifyException(f"{what}: the output fifos have different producer tiles")
        (link_tile,) = link_tiles
        for fifo in ins:
            if link_tile not in {where(c) for c in fifo.consumerTiles}:
                raise VerifyException(
                    f"{what}: @{fifo.fifo_name} is not consumed by the link tile {link_tile} "
                    "that produces the outputs"
                )

    @staticmethod
    def _verify_offsets(
        what: str,
        side: str,
        offsets: list[int],
        parts: list[ObjectFifoCreateOp],
        whole: ObjectFifoCreateOp,
    ) -> None:
        if len(offsets) != len(parts):
            raise VerifyException(
                f"{what} has {len(offsets)} {side} offset(s) for {len(parts)} fifos; "
                "give one per fifo"
            )
        total = memref_elements(whole.element_type)
        end = 0
        for offset, part in zip(offsets, parts, strict=True):
            size = memref_elements(part.element_type)
            if offset < end:
                raise VerifyException(
                    f"{what}: {side} offset {offset} of @{part.fifo_name} overlaps the previous "
                    f"slice, which ends at {end}; offsets must be increasing"
                )
            if offset + size > total:
                raise VerifyException(
                    f"{what}: @{part.fifo_name} at {side} offset {offset} takes elements "
                    f"[{offset}, {offset + size}) but @{whole.fifo_name} objects have {total}"
                )
            end = offset + size


class _FifoAccess(IRDLOperation):
    """Common part of acquire and release: port, fifo name, count."""

    def fifo(self) -> ObjectFifoCreateOp | None:
        return find_objectfifo(self, self.objFifo_name.root_reference.data)

    def _check(self) -> ObjectFifoCreateOp | None:
        name = self.objFifo_name.root_reference.data
        port = OBJECTFIFO_PORT.name(self.port)
        OBJECTFIFO_PORT.verify(self.port, "port")
        if _int(self.size) < 1:
            raise VerifyException(f"{self.name} of {_int(self.size)} objects; minimum 1")
        if device_op_of(self) is None:
            return None
        fifo = self.fifo()
        if fifo is None:
            raise VerifyException(f"{self.name} names @{name}, which is not an aie.objectfifo")
        core = self.parent_op()
        while core is not None and not isinstance(core, CoreOp):
            core = core.parent_op()
        here = None if core is None else tile_of(core.tile)
        if here is None:
            return fifo
        ends = [fifo.producerTile] if port == "Produce" else list(fifo.consumerTiles)
        coords = {(t.col_value, t.row_value) for e in ends if (t := tile_of(e)) is not None}
        if (here.col_value, here.row_value) not in coords:
            role = "produced" if port == "Produce" else "consumed"
            listed = ", ".join(f"({c}, {r})" for c, r in sorted(coords))
            raise VerifyException(
                f"{self.name} @{name} ({port}) in the core of tile {_where(here)}, but "
                f"@{name} is {role} by tile(s) {listed}"
            )
        return fifo


def _parse_port_count(parser: Parser) -> tuple[str, IntegerAttr, int]:
    name = parser.parse_symbol_name().data
    parser.parse_punctuation("(")
    port = OBJECTFIFO_PORT.parse(parser)
    parser.parse_punctuation(",")
    size = _parse_int(parser)
    parser.parse_punctuation(")")
    return name, port, size


@irdl_op_definition
class ObjectFifoAcquireOp(_FifoAccess):
    """`%sv = aie.objectfifo.acquire @of(Consume, 1) : !aie.objectfifosubview<memref<...>>`."""

    name = "aie.objectfifo.acquire"

    port = prop_def(IntegerAttr)
    objFifo_name = prop_def(FlatSymbolRefAttr)
    size = prop_def(IntegerAttr)
    subview = result_def(ObjectFifoSubviewType)

    def __init__(self, fifo: str, port: str, size: int, element_type: MemRefType) -> None:
        super().__init__(
            properties={
                "port": _i32(OBJECTFIFO_PORT.cases[port]),
                "objFifo_name": SymbolRefAttr(fifo),
                "size": _i32(size),
            },
            result_types=[ObjectFifoSubviewType(element_type)],
        )

    @classmethod
    def parse(cls, parser: Parser) -> ObjectFifoAcquireOp:
        attrs = parser.parse_optional_attr_dict()
        name, port, size = _parse_port_count(parser)
        parser.parse_punctuation(":")
        start = parser.pos
        t = parser.parse_type()
        if not isinstance(t, ObjectFifoSubviewType):
            parser.raise_error(
                f"expected an !aie.objectfifosubview<memref<...>> type, got {t}", start, parser.pos
            )
        op = ObjectFifoAcquireOp(name, OBJECTFIFO_PORT.name(port), size, t.element_type)
        op.attributes |= attrs
        return op

    def print(self, printer: Printer) -> None:
        if self.attributes:
            _print_attrs(printer, self, tuple(_prop_names(ObjectFifoAcquireOp)))
        printer.print_string(" ")
        printer.print_symbol_name(self.objFifo_name.root_reference.data)
        printer.print_string(f"({OBJECTFIFO_PORT.name(self.port)}, {_int(self.size)}) : ")
        printer.print_attribute(self.subview.type)

    def verify_(self) -> None:
        fifo = self._check()
        if fifo is None:
            return
        t = self.subview.type
        assert isinstance(t, ObjectFifoSubviewType)
        if t.element_type != fifo.element_type:
            raise VerifyException(
                f"acquire from @{fifo.fifo_name} yields {t}, but the fifo carries "
                f"{fifo.element_type}"
            )
        depth = max(fifo.depths)
        if _int(self.size) > depth:
            raise VerifyException(
                f"acquire of {_int(self.size)} objects from @{fifo.fifo_name}, whose depth is "
                f"{depth}"
            )


@irdl_op_definition
class ObjectFifoReleaseOp(_FifoAccess):
    """`aie.objectfifo.release @of(Consume, 1)`."""

    name = "aie.objectfifo.release"

    port = prop_def(IntegerAttr)
    objFifo_name = prop_def(FlatSymbolRefAttr)
    size = prop_def(IntegerAttr)

    def __init__(self, fifo: str, port: str, size: int) -> None:
        super().__init__(
            properties={
                "port": _i32(OBJECTFIFO_PORT.cases[port]),
                "objFifo_name": SymbolRefAttr(fifo),
                "size": _i32(size),
            }
        )

    @classmethod
    def parse(cls, parser: Parser) -> ObjectFifoReleaseOp:
        attrs = parser.parse_optional_attr_dict()
        name, port, size = _parse_port_count(parser)
        op = ObjectFifoReleaseOp(name, OBJECTFIFO_PORT.name(port), size)
        op.attributes |= attrs
        return op

    def print(self, printer: Printer) -> None:
        if self.attributes:
            _print_attrs(printer, self, tuple(_prop_names(ObjectFifoReleaseOp)))
        printer.print_string(" ")
        printer.print_symbol_name(self.objFifo_name.root_reference.data)
        printer.print_string(f"({OBJECTFIFO_PORT.name(self.port)}, {_int(self.size)})")

    def verify_(self) -> None:
        self._check()


@irdl_op_definition
class ObjectFifoSubviewAccessOp(IRDLOperation):
    """`%obj = aie.objectfifo.subview.access %sv[0] : !aie.objectfifosubview<memref<16xi32>>
    -> memref<16xi32>`."""

    name = "aie.objectfifo.subview.access"

    subview = operand_def(ObjectFifoSubviewType)
    index = prop_def(IntegerAttr)
    output = result_def(MemRefType)

    def __init__(self, subview: SSAValue, index: int) -> None:
        t = subview.type
        assert isinstance(t, ObjectFifoSubviewType)
        super().__init__(
            operands=[subview], properties={"index": _i32(index)}, result_types=[t.element_type]
        )

    @classmethod
    def parse(cls, parser: Parser) -> ObjectFifoSubviewAccessOp:
        unresolved = parser.parse_unresolved_operand()
        parser.parse_punctuation("[")
        index = _parse_int(parser)
        parser.parse_punctuation("]")
        attrs = parser.parse_optional_attr_dict()
        parser.parse_punctuation(":")
        t = parser.parse_type()
        parser.parse_punctuation("->")
        out = parser.parse_type()
        op = cls.create(
            operands=[parser.resolve_operand(unresolved, t)],
            properties={"index": _i32(index)},
            result_types=[out],
        )
        op.attributes |= attrs
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_operand(self.subview)
        printer.print_string(f"[{_int(self.index)}]")
        _print_attrs(printer, self, ("index",))
        printer.print_string(" : ")
        printer.print_attribute(self.subview.type)
        printer.print_string(" -> ")
        printer.print_attribute(self.output.type)

    def verify_(self) -> None:
        t = self.subview.type
        assert isinstance(t, ObjectFifoSubviewType)
        if self.output.type != t.element_type:
            raise VerifyException(
                f"access to {t} yields {self.output.type}; expected {t.element_type}"
            )
        index = _int(self.index)
        acquire = self.subview.owner
        if isinstance(acquire, ObjectFifoAcquireOp) and not 0 <= index < _int(acquire.size):
            raise VerifyException(
                f"access to object {index} of a subview of {_int(acquire.size)} acquired object(s)"
            )


# ------------------------------------------------------------ runtime sequence


def parse_runtime_sequence(parser: Parser, op_type: type[IRDLOperation]) -> IRDLOperation:
    """`@name(%a: memref<...>, ...) { body }`, shared with the older
    `aiex.runtime_sequence` spelling."""
    sym = parser.parse_optional_symbol_name()
    args = parser.parse_comma_separated_list(
        parser.Delimiter.PAREN, lambda: parser.parse_argument(expect_type=True)
    )
    region = parser.parse_region(args)
    if not region.blocks:
        region.add_block(Block())
    op = op_type.create(regions=[region])
    if sym is not None:
        op.properties["sym_name"] = sym
    attrs = parser.parse_optional_attr_dict_with_keyword()
    if attrs is not None:
        op.attributes |= attrs.data
    return op


def print_runtime_sequence(printer: Printer, op: Operation) -> None:
    sym = op.properties.get("sym_name")
    if isinstance(sym, StringAttr):
        printer.print_string(" ")
        printer.print_symbol_name(sym.data)
    block = op.regions[0].block
    printer.print_string("(")
    printer.print_list(block.args, printer.print_block_argument)
    printer.print_string(") ")
    printer.print_region(op.regions[0], print_entry_block_args=False, print_empty_block=False)
    printer.print_op_attributes(op.attributes, print_keyword=True)


@irdl_op_definition
class RuntimeSequenceOp(IRDLOperation):
    """`aie.runtime_sequence @seq(%in : memref<...>, ...) { aiex ops }`: the host
    program that feeds and drains the array (the older spelling is
    `aiex.runtime_sequence`)."""

    name = "aie.runtime_sequence"

    sym_name = opt_prop_def(StringAttr)
    body = region_def("single_block")

    traits = traits_def(OptionalSymbolOpInterface(), NoTerminator(), HasParent(DeviceOp))

    def __init__(self, arg_types: Sequence[Attribute], sym_name: str | None = None) -> None:
        props: dict[str, Attribute] = {}
        if sym_name is not None:
            props["sym_name"] = StringAttr(sym_name)
        super().__init__(properties=props, regions=[Region(Block(arg_types=arg_types))])

    @classmethod
    def parse(cls, parser: Parser) -> IRDLOperation:
        return parse_runtime_sequence(parser, cls)

    def print(self, printer: Printer) -> None:
        print_runtime_sequence(printer, self)


AIE = Dialect(
    "aie",
    [
        DeviceOp,
        EndOp,
        TileOp,
        BufferOp,
        LockOp,
        UseLockOp,
        FlowOp,
        CascadeFlowOp,
        CoreOp,
        MemOp,
        MemTileDMAOp,
        DMAStartOp,
        DMABDOp,
        NextBDOp,
        ShimDMAAllocationOp,
        ObjectFifoCreateOp,
        ObjectFifoLinkOp,
        ObjectFifoAcquireOp,
        ObjectFifoReleaseOp,
        ObjectFifoSubviewAccessOp,
        RuntimeSequenceOp,
    ],
    [
        ObjectFifoType,
        ObjectFifoSubviewType,
        BDDimLayoutAttr,
        BDDimLayoutArrayAttr,
        BDDimLayoutArrayArrayAttr,
        BDPadLayoutAttr,
        BDPadLayoutArrayAttr,
        PacketInfoAttr,
    ],
)

__all__ = [
    "AIE",
    "DMA_CHANNEL_DIR",
    "LOCK_ACTION",
    "OBJECTFIFO_PORT",
    "WIRE_BUNDLE",
    "BDDimLayoutArrayArrayAttr",
    "BDDimLayoutArrayAttr",
    "BDDimLayoutAttr",
    "BDPadLayoutArrayAttr",
    "BDPadLayoutAttr",
    "BufferOp",
    "CascadeFlowOp",
    "CoreOp",
    "DMABDOp",
    "DMAStartOp",
    "DeviceOp",
    "EndOp",
    "FlowOp",
    "LockOp",
    "MemOp",
    "MemTileDMAOp",
    "NextBDOp",
    "ObjectFifoAcquireOp",
    "ObjectFifoCreateOp",
    "ObjectFifoLinkOp",
    "ObjectFifoReleaseOp",
    "ObjectFifoSubviewAccessOp",
    "ObjectFifoSubviewType",
    "ObjectFifoType",
    "PacketInfoAttr",
    "RuntimeSequenceOp",
    "ShimDMAAllocationOp",
    "TileOp",
    "UseLockOp",
    "device_of",
    "find_objectfifo",
]
