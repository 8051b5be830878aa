"""DMAs and buffer descriptors: `aie.mem`, `aie.memtile_dma`, `aie.shim_dma`,
`aie.dma_start`, `aie.dma`, `aie.dma_bd`, `aie.dma_bd_packet`, `aie.next_bd`,
`aie.shim_dma_allocation`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from xdsl.dialects.builtin import (
    FlatSymbolRefAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    MemRefType,
    StringAttr,
    SymbolRefAttr,
)
from xdsl.ir import (
    Attribute,
    Block,
    Operation,
    SSAValue,
)
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    opt_prop_def,
    prop_def,
    region_def,
    result_def,
    successor_def,
    traits_def,
    var_region_def,
)
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.traits import (
    HasParent,
    IsTerminator,
    NoTerminator,
)
from xdsl.utils.exceptions import VerifyException

from dato_xdsl.devices import TileFacts, TileKind
from dato_xdsl.dialects.aie.attributes import (
    BDDimLayoutArrayAttr,
    BDDimLayoutAttr,
    BDPadLayoutArrayAttr,
    PacketInfoAttr,
    _pads_text,
    _pair_text,
    _parse_pads,
    dims_text,
    parse_dims,
)
from dato_xdsl.dialects.aie.common import (
    DMA_CHANNEL_DIR,
    _i32,
    _i64,
    _int,
    _parse_attrs_into,
    _parse_int,
    _print_attrs,
    _prop_names,
    element_bytes,
    memref_elements,
)
from dato_xdsl.dialects.aie.memory import BufferOp
from dato_xdsl.dialects.aie.tiles import (
    DeviceOp,
    TileOp,
    _require_kind,
    _tile,
    _tile_kind,
    _TileRegionOp,
    _tiles,
    _where,
    device_of,
    tile_of,
)


class _DmaRegionOp(_TileRegionOp):
    """`aie.mem`/`aie.memtile_dma`/`aie.shim_dma`: a chain of dma_start blocks and their BDs."""

    tile = operand_def(IndexType)
    body = region_def()
    result = result_def(IndexType)

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

    ALLOWED: ClassVar[set[TileKind]] = {TileKind.COMPUTE}
    WHAT: ClassVar[str] = "aie.mem configures the DMA of"


@irdl_op_definition
class MemTileDMAOp(_DmaRegionOp):
    """`%dma = aie.memtile_dma(%memtile) { ... }`."""

    name = "aie.memtile_dma"

    ALLOWED: ClassVar[set[TileKind]] = {TileKind.MEMTILE}
    WHAT: ClassVar[str] = "aie.memtile_dma configures the DMA of"


def _check_channel(
    direction_attr: Attribute, index: Attribute, facts: TileFacts, where: str, kinds: str
) -> None:
    """A DMA channel number within what tiles of this kind have, each way."""
    direction = DMA_CHANNEL_DIR.name(direction_attr)
    count = facts.dma_s2mm_channels if direction == "S2MM" else facts.dma_mm2s_channels
    channel = _int(index)
    if not 0 <= channel < count:
        raise VerifyException(
            f"{direction} channel {channel} on {where}: "
            f"{kinds} have {count} {direction} channels (0-{count - 1})"
        )


def _dma_tile(op: Operation) -> TileOp | None:
    """The tile whose DMA region (aie.mem, aie.memtile_dma, aie.shim_dma) holds op."""
    parent = op.parent_op()
    while parent is not None and not isinstance(parent, _DmaRegionOp):
        parent = parent.parent_op()
    return None if parent is None else tile_of(parent.operands[0])


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
        _check_channel(
            self.channel_dir,
            self.channel_index,
            model.facts(kind),
            f"{_tile(kind)} {_where(tile)}",
            _tiles(kind),
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

    def _verify_layout(self, t: MemRefType, length: int) -> None:
        _dma_bd_layout_rules(self, t, length)

    def verify_(self) -> None:
        t = self.buffer.type
        assert isinstance(t, MemRefType)
        offset, size = _int(self.offset), memref_elements(t)
        length = _int(self.len, size - offset)
        # with padding, len counts the padded stream (mlir-aie: data and pads must
        # fit in len), not elements of the buffer
        padded = self.pad_dimensions is not None
        if offset < 0 or length < 0 or (offset + length > size and not padded):
            raise VerifyException(
                f"dma_bd moves elements [{offset}, {offset + length}) of {t}, which has {size}"
            )
        tile = _dma_tile(self)
        found = None if tile is None else _tile_kind(tile)
        if found is None or tile is None:
            return  # mlir-aie checks BDs in DMA regions only (runtime BDs may differ)
        model, kind = found
        if self.pad_dimensions is not None and kind is not TileKind.MEMTILE:
            raise VerifyException(
                f"dma_bd on {_tile(kind)} {_where(tile)} pads; only memtile BDs pad"
            )
        self._verify_layout(t, length)
        facts = model.facts(kind)
        owner = self.buffer.owner
        region_op = self.parent_op()
        while region_op is not None and not isinstance(region_op, _DmaRegionOp):
            region_op = region_op.parent_op()
        if isinstance(region_op, MemOp):
            home = tile_of(owner.tile) if isinstance(owner, BufferOp) else None
            if home is not None and (home.col_value, home.row_value) != (
                tile.col_value,
                tile.row_value,
            ):
                raise VerifyException(
                    f"dma_bd in aie.mem of tile {_where(tile)} moves a buffer of tile "
                    f"{_where(home)}: a core tile's DMA reaches only its own buffers"
                )
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


def _dma_bd_layout_rules(op: DMABDOp, t: MemRefType, length: int) -> None:
    """The access-pattern rules of mlir-aie's DMABDOp::verify (AIEDialect.cpp)."""
    size = memref_elements(t)
    dims = (
        []
        if op.dimensions is None
        else [(d.size.data, d.stride.data) for d in op.dimensions.dims.data]
    )
    last = 0
    for count, stride in dims:
        if stride == 0:
            raise VerifyException("dma_bd stride 0: steps must be positive")
        if stride > size:
            raise VerifyException(f"dma_bd stride {stride} exceeds the {size} elements of {t}")
        if count > 1023:
            raise VerifyException(f"dma_bd size {count} exceeds the BD field limit 1023")
        last += stride * (count - 1)
    if dims and last >= size:
        raise VerifyException(
            f"dma_bd sizes and strides reach element {last} of {t}, which has {size}"
        )
    if dims and element_bytes(t) < 4 and dims[-1][1] != 1:
        raise VerifyException(
            "dma_bd innermost stride must be 1 for elements narrower than 32 bits "
            "(the DMA moves 32-bit words)"
        )
    if op.pad_dimensions is not None:
        pads = [
            (p.const_pad_before.data, p.const_pad_after.data) for p in op.pad_dimensions.pads.data
        ]
        if not dims:
            raise VerifyException("dma_bd padding needs sizes and strides (dimensions)")
        if len(pads) != len(dims):
            raise VerifyException(
                f"dma_bd has {len(pads)} padding entries for {len(dims)} dimensions"
            )
        total = 1
        for (count, _), (before, after) in zip(dims, pads, strict=True):
            total *= before + count + after
        if total > length:
            raise VerifyException(
                f"dma_bd moves {total} elements with padding, more than its len {length}"
            )
        if any(p * element_bytes(t) % 4 for p in pads[-1]):
            raise VerifyException("dma_bd innermost padding must be whole 32-bit words")
    if op.packet is not None:
        if op.packet.pkt_type.data > 7:
            raise VerifyException("dma_bd packet type is 3 bits (0-7)")
        if op.packet.pkt_id.data > 31:
            raise VerifyException("dma_bd packet id is 5 bits (0-31)")


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
        _check_channel(
            self.channel_dir,
            self.channel_index,
            model.shim,
            f"the shim of column {col}",
            "shim tiles",
        )


@irdl_op_definition
class ShimDMAOp(_DmaRegionOp):
    """`%dma = aie.shim_dma(%shim) { ... }`: BD chains of a shim tile's DMA, written
    out by hand (AIE1 designs with external buffers)."""

    name = "aie.shim_dma"

    ALLOWED: ClassVar[set[TileKind]] = {TileKind.SHIM}
    WHAT: ClassVar[str] = "aie.shim_dma configures the DMA of"


@irdl_op_definition
class DMAOp(IRDLOperation):
    """`%0 = aie.dma(S2MM, 0) [{ BD }, { BD }]` ({loop = false, repeat_count = n}): a
    channel's BD chain as a list of one-BD regions (the newer form of
    dma_start + next_bd blocks); it loops over the list unless `loop = false`."""

    name = "aie.dma"

    channel_dir = prop_def(IntegerAttr)
    channel_index = prop_def(IntegerAttr)
    loop = opt_prop_def(IntegerAttr)
    repeat_count = opt_prop_def(IntegerAttr)
    sym_name = opt_prop_def(StringAttr)
    bds = var_region_def("single_block")
    valid = result_def(IntegerType(1))

    traits = traits_def(NoTerminator())

    @property
    def loops(self) -> bool:
        return self.loop is None or _int(self.loop) != 0

    @classmethod
    def parse(cls, parser: Parser) -> DMAOp:
        parser.parse_punctuation("(")
        direction = DMA_CHANNEL_DIR.parse(parser)
        parser.parse_punctuation(",")
        channel = _parse_int(parser)
        parser.parse_punctuation(")")
        attrs = parser.parse_optional_attr_dict()
        regions = parser.parse_comma_separated_list(
            parser.Delimiter.SQUARE, lambda: parser.parse_region()
        )
        op = cls.create(
            properties={"channel_dir": direction, "channel_index": _i32(channel)},
            regions=regions,
            result_types=[IntegerType(1)],
        )
        for key, value in attrs.items():
            (op.properties if key in _prop_names(cls) else op.attributes)[key] = value
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(
            f"({DMA_CHANNEL_DIR.name(self.channel_dir)}, {_int(self.channel_index)})"
        )
        _print_attrs(printer, self, ("channel_dir", "channel_index"))
        printer.print_string(" [")
        printer.print_list(self.bds, printer.print_region)
        printer.print_string("]")

    def verify_(self) -> None:
        DMA_CHANNEL_DIR.verify(self.channel_dir, "channel direction")
        parent = self.parent_op()
        if parent is not None and not isinstance(parent, _DmaRegionOp):
            raise VerifyException(
                f"aie.dma is inside {parent.name}; it belongs in aie.mem, aie.memtile_dma "
                "or aie.shim_dma"
            )
        for region in self.bds:
            if sum(isinstance(op, DMABDOp) for op in region.walk()) != 1:
                raise VerifyException("each region of aie.dma holds exactly one aie.dma_bd")
        tile = _dma_tile(self)
        found = None if tile is None else _tile_kind(tile)
        if found is None or tile is None:
            return
        model, kind = found
        facts = model.facts(kind)
        direction = DMA_CHANNEL_DIR.name(self.channel_dir)
        count = facts.dma_s2mm_channels if direction == "S2MM" else facts.dma_mm2s_channels
        if not 0 <= _int(self.channel_index) < count:
            raise VerifyException(
                f"{direction} channel {_int(self.channel_index)} on {_tile(kind)} "
                f"{_where(tile)}: {_tiles(kind)} have {count} {direction} channels"
            )


@irdl_op_definition
class DMABDPacketOp(IRDLOperation):
    """`aie.dma_bd_packet(0, 2)`: the packet header (type, id) of the BD it precedes
    (older spelling of the BD's `packet` attribute)."""

    name = "aie.dma_bd_packet"

    packet_type = prop_def(IntegerAttr)
    packet_id = prop_def(IntegerAttr)

    @classmethod
    def parse(cls, parser: Parser) -> DMABDPacketOp:
        parser.parse_punctuation("(")
        kind = _parse_int(parser)
        parser.parse_punctuation(",")
        ident = _parse_int(parser)
        parser.parse_punctuation(")")
        op = cls.create(properties={"packet_type": _i32(kind), "packet_id": _i32(ident)})
        _parse_attrs_into(parser, op)
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(f"({_int(self.packet_type)}, {_int(self.packet_id)})")
        _print_attrs(printer, self, ("packet_type", "packet_id"))
