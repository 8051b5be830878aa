"""Objectfifos: `aie.objectfifo`, `aie.objectfifo.link`, acquire, release and
subview access."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseIntOrFPElementsAttr,
    FlatSymbolRefAttr,
    IndexType,
    IntegerAttr,
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
    opt_prop_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.parser import Parser
from xdsl.parser.core import ForwardDeclaredValue
from xdsl.printer import Printer
from xdsl.traits import (
    HasParent,
    SymbolOpInterface,
)
from xdsl.utils.exceptions import VerifyException

from dato_xdsl.devices import TileKind
from dato_xdsl.dialects.aie.attributes import (
    BDDimLayoutArrayArrayAttr,
    BDDimLayoutArrayAttr,
    BDDimLayoutAttr,
    ObjectFifoSubviewType,
    ObjectFifoType,
    dims_text,
    parse_dims,
)
from dato_xdsl.dialects.aie.common import (
    I32,
    OBJECTFIFO_PORT,
    _i32,
    _i64,
    _int,
    _parse_attrs_into,
    _parse_int,
    _parse_int_list,
    _print_attrs,
    _prop_names,
    memref_elements,
)
from dato_xdsl.dialects.aie.cores import CoreOp
from dato_xdsl.dialects.aie.tiles import (
    DeviceOp,
    _require_kind,
    _tile,
    _tile_kind,
    _where,
    device_op_of,
    tile_of,
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
        return cls.parse_after_name(parser, parser.parse_symbol_name().data)

    @classmethod
    def parse_after_name(cls, parser: Parser, name: str | None) -> ObjectFifoCreateOp:
        """The form after `@name`; with `name` None, the name is the `sym_name` of
        the attribute dictionary (mlir-aie's `createObjectFifo` before 2024)."""
        parser.parse_punctuation("(")
        producer = parser.parse_operand(IndexType())
        to_stream: list[BDDimLayoutAttr] = []
        # `toStream` / `fromStream`: mlir-aie's spelling before 2024
        if parser.parse_optional_keyword("dimensionsToStream") is not None or (
            parser.parse_optional_keyword("toStream") is not None
        ):
            to_stream = parse_dims(parser)
        parser.parse_punctuation(",")

        def consumer() -> tuple[SSAValue, list[BDDimLayoutAttr]]:
            value = parser.parse_operand(IndexType())
            dims: list[BDDimLayoutAttr] = []
            if parser.parse_optional_keyword("dimensionsFromStream") is not None or (
                parser.parse_optional_keyword("fromStream") is not None
            ):
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
        if name is None:
            sym = attrs.pop("sym_name", None)
            if not isinstance(sym, StringAttr):
                parser.raise_error("aie.objectfifo.createObjectFifo needs a sym_name string")
            name = sym.data
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


@irdl_op_definition
class ObjectFifoCreateLegacyOp(IRDLOperation):
    """`%of = aie.objectfifo.createObjectFifo(%prod, {%cons}, 2) {sym_name = "of"} :
    !aie.objectfifo<memref<...>>`: mlir-aie's objectfifo before 2024, named by its SSA
    value in acquire/release (`<Consume>(%of : !aie.objectfifo<...>, 1)`). Those read
    the name from here; the device's adopter then replaces this op by `aie.objectfifo`."""

    name = "aie.objectfifo.createObjectFifo"

    producerTile = operand_def(IndexType)
    consumerTiles = var_operand_def(IndexType)
    fifo = result_def(ObjectFifoType)

    @classmethod
    def parse(cls, parser: Parser) -> ObjectFifoCreateLegacyOp:
        today = ObjectFifoCreateOp.parse_after_name(parser, None)
        return cls.create(
            operands=list(today.operands),
            result_types=[today.elemType],
            properties=dict(today.properties),
            attributes=dict(today.attributes),
        )

    def as_today(self) -> ObjectFifoCreateOp:
        op = ObjectFifoCreateOp.create(
            operands=list(self.operands),
            properties=dict(self.properties),
            attributes=dict(self.attributes),
        )
        op.location = self.location
        return op

    @property
    def fifo_name(self) -> str:
        sym = self.properties.get("sym_name")
        return sym.data if isinstance(sym, StringAttr) else "?"

    def verify_(self) -> None:
        raise VerifyException(
            f"aie.objectfifo.createObjectFifo @{self.fifo_name} outside an aie.device: write "
            "it as aie.objectfifo inside aie.device(...)"
        )


def _fifo_named_by_value(parser: Parser) -> str | None:
    """`%of : !aie.objectfifo<...>` (older spelling): the name of the
    createObjectFifo that defines %of; None if no SSA value follows."""
    start = parser.pos
    unresolved = parser.parse_optional_unresolved_operand()
    if unresolved is None:
        return None
    parser.parse_punctuation(":")
    value = parser.resolve_operand(unresolved, parser.parse_type())
    if isinstance(value, ForwardDeclaredValue):
        parser.raise_error(
            f"{unresolved.span.text} names an objectfifo not defined before this use",
            start,
            parser.pos,
        )
    owner = value.owner
    if not isinstance(owner, ObjectFifoCreateLegacyOp):
        parser.raise_error(
            "an objectfifo named by an SSA value must come from aie.objectfifo.createObjectFifo",
            start,
            parser.pos,
        )
    return owner.fifo_name


def adopt_legacy_objectfifos(device_body: Block) -> None:
    """Each createObjectFifo becomes today's `aie.objectfifo`, in place."""
    for op in list(device_body.ops):
        if isinstance(op, ObjectFifoCreateLegacyOp) and not op.fifo.uses:
            # (one still used by an op we do not rewrite stays: its verifier says so)
            device_body.insert_op_before(op.as_today(), op)
            op.detach()
            op.erase()


DeviceOp.LEGACY_ADOPTERS.append(adopt_legacy_objectfifos)


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

        # older files leave a join's or distribute's offsets out (`([] [])`): the
        # slices then follow each other in order
        def consecutive(names: list[str]) -> list[int]:
            sizes = [memref_elements(fifos[n].element_type) for n in names]
            return [sum(sizes[:k]) for k in range(len(sizes))]

        if len(ins) > 1 and not src and not dst:
            src = consecutive(ins)
        if len(outs) > 1 and not src and not dst:
            dst = consecutive(outs)
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

    port = prop_def(IntegerAttr)
    objFifo_name = prop_def(FlatSymbolRefAttr)
    size = prop_def(IntegerAttr)

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
    if parser.parse_optional_punctuation("<") is not None:
        # mlir-aie before 2024: `<Consume>(%of : !aie.objectfifo<...>, 1)`
        port = OBJECTFIFO_PORT.parse(parser)
        parser.parse_punctuation(">")
        parser.parse_punctuation("(")
        name = _fifo_named_by_value(parser) or parser.parse_symbol_name().data
        parser.parse_punctuation(",")
        size = _parse_int(parser)
        parser.parse_punctuation(")")
        return name, port, size
    name = parser.parse_symbol_name().data
    if parser.parse_optional_punctuation("<") is not None:  # older: `@of <Consume>(...)`
        OBJECTFIFO_PORT.parse(parser)
        parser.parse_punctuation(">")
    parser.parse_punctuation("(")
    port = OBJECTFIFO_PORT.parse(parser)
    parser.parse_punctuation(",")
    size = _parse_int(parser)
    parser.parse_punctuation(")")
    return name, port, size


@irdl_op_definition
class ObjectFifoAcquireOp(_FifoAccess):
    """`%sv = aie.objectfifo.acquire @of(Consume, 1) : !aie.objectfifosubview<memref<...>>`,
    or (newer) one memref per acquired object: `%a, %b = aie.objectfifo.acquire
    @of(Consume, 2) : memref<16xi32>, memref<16xi32>`."""

    name = "aie.objectfifo.acquire"

    objects = var_result_def(ObjectFifoSubviewType | MemRefType)

    def __init__(self, fifo: str, port: str, size: int, element_type: MemRefType) -> None:
        super().__init__(
            properties={
                "port": _i32(OBJECTFIFO_PORT.cases[port]),
                "objFifo_name": SymbolRefAttr(fifo),
                "size": _i32(size),
            },
            result_types=[[ObjectFifoSubviewType(element_type)]],
        )

    @property
    def subview(self) -> SSAValue:
        """The subview result (or, in the newer form, the first object)."""
        return self.results[0]

    @property
    def yields_memrefs(self) -> bool:
        return bool(self.results) and isinstance(self.results[0].type, MemRefType)

    @classmethod
    def parse(cls, parser: Parser) -> ObjectFifoAcquireOp:
        attrs = parser.parse_optional_attr_dict()
        name, port, size = _parse_port_count(parser)
        parser.parse_punctuation(":")
        start = parser.pos
        types = parser.parse_comma_separated_list(parser.Delimiter.NONE, parser.parse_type)
        op = ObjectFifoAcquireOp(name, OBJECTFIFO_PORT.name(port), size, MemRefType(I32, [1]))
        if len(types) == 1 and isinstance(types[0], ObjectFifoSubviewType):
            op = ObjectFifoAcquireOp(name, OBJECTFIFO_PORT.name(port), size, types[0].element_type)
        elif all(isinstance(t, MemRefType) for t in types):
            op = cls.create(properties=dict(op.properties), result_types=types)
        else:
            parser.raise_error(
                "expected an !aie.objectfifosubview<memref<...>> type or one memref type per "
                f"acquired object, got {', '.join(map(str, types))}",
                start,
                parser.pos,
            )
        op.attributes |= attrs
        return op

    def print(self, printer: Printer) -> None:
        if self.attributes:
            _print_attrs(printer, self, tuple(_prop_names(ObjectFifoAcquireOp)))
        printer.print_string(" ")
        printer.print_symbol_name(self.objFifo_name.root_reference.data)
        printer.print_string(f"({OBJECTFIFO_PORT.name(self.port)}, {_int(self.size)}) : ")
        printer.print_list([r.type for r in self.results], printer.print_attribute)

    def verify_(self) -> None:
        types = [r.type for r in self.results]
        if self.yields_memrefs:
            if len(types) != _int(self.size) or not all(isinstance(t, MemRefType) for t in types):
                raise VerifyException(
                    f"acquire of {_int(self.size)} object(s) yields {len(types)} value(s); "
                    "give one memref per object or a single !aie.objectfifosubview"
                )
        elif len(types) != 1:
            raise VerifyException("acquire yields one !aie.objectfifosubview")
        fifo = self._check()
        if fifo is None:
            return
        for t in types:
            carried = t.element_type if isinstance(t, ObjectFifoSubviewType) else t
            if carried != fifo.element_type:
                raise VerifyException(
                    f"acquire from @{fifo.fifo_name} yields {t}, but the fifo carries "
                    f"{fifo.element_type}"
                )
        # acquiring more objects than an end holds is not a verifier error in
        # mlir-aie (AIEDialect.cpp checks ports and element types only): the
        # virtual NPU refuses it when a core runs it (DepthError, per end)


@irdl_op_definition
class ObjectFifoReleaseOp(_FifoAccess):
    """`aie.objectfifo.release @of(Consume, 1)`."""

    name = "aie.objectfifo.release"

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


@irdl_op_definition
class ObjectFifoRegisterExternalBuffersOp(IRDLOperation):
    """`aie.objectfifo.register_external_buffers @of (%shim, {%ext0, %ext1}) :
    (memref<64xi32>, memref<64xi32>)`: the shim end of @of moves these external
    buffers."""

    name = "aie.objectfifo.register_external_buffers"

    objFifo_name = prop_def(FlatSymbolRefAttr)
    tile = operand_def(IndexType)
    externalBuffers = var_operand_def(MemRefType)

    traits = traits_def(HasParent(DeviceOp))

    @classmethod
    def parse(cls, parser: Parser) -> ObjectFifoRegisterExternalBuffersOp:
        attrs = parser.parse_optional_attr_dict()
        older = parser.parse_optional_symbol_name()
        parser.parse_punctuation("(")
        tile = parser.parse_operand(IndexType())
        parser.parse_punctuation(",")
        if older is not None:
            name = older.data
        else:  # mlir-aie before 2024: `(%shim, %of : !aie.objectfifo<...>, {%ext})`
            start = parser.pos
            name = _fifo_named_by_value(parser)
            if name is None:
                parser.raise_error("expected @name or an objectfifo value", start, parser.pos)
            parser.parse_punctuation(",")
        buffers = parser.parse_comma_separated_list(
            parser.Delimiter.BRACES, parser.parse_unresolved_operand
        )
        parser.parse_punctuation(")")
        parser.parse_punctuation(":")
        types = parser.parse_comma_separated_list(parser.Delimiter.PAREN, parser.parse_type)
        if len(types) != len(buffers):
            parser.raise_error(f"{len(buffers)} buffers but {len(types)} types")
        op = cls.create(
            operands=[
                tile,
                *(parser.resolve_operand(b, t) for b, t in zip(buffers, types, strict=True)),
            ],
            properties={"objFifo_name": SymbolRefAttr(name)},
        )
        op.attributes |= attrs
        return op

    def print(self, printer: Printer) -> None:
        if self.attributes:
            printer.print_op_attributes(self.attributes)
        printer.print_string(" ")
        printer.print_symbol_name(self.objFifo_name.root_reference.data)
        printer.print_string(" (")
        printer.print_operand(self.tile)
        printer.print_string(", {")
        printer.print_list(self.externalBuffers, printer.print_operand)
        printer.print_string("}) : (")
        printer.print_list([b.type for b in self.externalBuffers], printer.print_attribute)
        printer.print_string(")")

    def verify_(self) -> None:
        _require_kind(self, self.tile, {TileKind.SHIM}, "external buffers are moved by")
        name = self.objFifo_name.root_reference.data
        if device_op_of(self) is None:
            return
        fifo = find_objectfifo(self, name)
        if fifo is None:
            raise VerifyException(
                f"register_external_buffers names @{name}, which is not an aie.objectfifo"
            )
        # mlir-aie checks only the shim tile: an external buffer may hold many
        # objects (the shim DMA walks it); their element type must still match
        for value in self.externalBuffers:
            t = value.type
            if isinstance(t, MemRefType) and t.element_type != fifo.element_type.element_type:
                raise VerifyException(
                    f"external buffer of {t} registered with @{name}, whose objects "
                    f"are {fifo.element_type}"
                )
