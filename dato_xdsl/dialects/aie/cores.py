"""Cores and stream routes: `aie.core`, `aie.flow`, `aie.cascade_flow`,
`aie.put_cascade`, `aie.get_cascade`."""

from __future__ import annotations

from typing import ClassVar

from xdsl.dialects.builtin import (
    IndexType,
    IntegerAttr,
    MemRefType,
    StringAttr,
    VectorType,
)
from xdsl.ir import (
    Attribute,
    Operation,
    Region,
    SSAValue,
)
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    region_def,
    result_def,
)
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.utils.exceptions import VerifyException

from dato_xdsl.devices import TileKind
from dato_xdsl.dialects.aie.common import (
    WIRE_BUNDLE,
    _i32,
    _int,
    _parse_attrs_into,
    _parse_int,
    _print_attrs,
    _prop_names,
)
from dato_xdsl.dialects.aie.tiles import (
    _require_kind,
    _TileRegionOp,
    _where,
    device_of,
    tile_of,
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
        # MLIR's memref.alloca needs an ancestor with the AutomaticAllocationScope
        # trait (func.func has it); aie.core, aie.device and builtin.module do not
        # (mlir-aie AIEOps.td), so aie-opt rejects an alloca directly in a core
        for op in self.walk():
            if op.name != "memref.alloca":
                continue
            scope = op.parent_op()
            while scope is not None and scope is not self and scope.name != "func.func":
                scope = scope.parent_op()
            if scope is self:
                raise VerifyException(
                    "memref.alloca in an aie.core: the core is no automatic allocation scope "
                    "(mlir-aie rejects it); use an aie.buffer of the tile or an SSA value"
                )


def _cascade_bits(op: Operation, t: Attribute) -> None:
    """A cascade word is one accumulator register: 384 bits on AIE1, 512 on AIE-ML
    (mlir-aie's getAccumulatorCascadeSize); values are sent whole."""
    model = device_of(op)
    if model is None:
        return
    width = model.cascade_bits
    bits = 0
    if isinstance(t, VectorType | MemRefType):
        n = 1
        for d in t.get_shape():
            n *= d
        bits = n * getattr(t.get_element_type(), "bitwidth", 0)
    elif hasattr(t, "bitwidth"):
        bits = t.bitwidth
    if bits != width:
        raise VerifyException(
            f"{op.name} moves {t} ({bits} bits); the cascade of {model.name} carries "
            f"{width}-bit words"
        )


def _in_core(op: Operation) -> None:
    parent = op.parent_op()
    while parent is not None and not isinstance(parent, CoreOp):
        parent = parent.parent_op()
    if parent is None and op.parent_op() is not None:
        raise VerifyException(f"{op.name} must be inside an aie.core")


@irdl_op_definition
class PutCascadeOp(IRDLOperation):
    """`aie.put_cascade(%v : vector<16xi32>)`: send a word to the core the
    cascade_flow of this core leads to; blocks until that core reads it."""

    name = "aie.put_cascade"

    cascade_value = operand_def(Attribute)

    assembly_format = "`(` $cascade_value `:` type($cascade_value) `)` attr-dict"

    def verify_(self) -> None:
        _in_core(self)
        _cascade_bits(self, self.cascade_value.type)


@irdl_op_definition
class GetCascadeOp(IRDLOperation):
    """`%v = aie.get_cascade() : vector<16xi32>`: read the next cascade word; blocks
    until the neighbour writes it."""

    name = "aie.get_cascade"

    cascade_value = result_def(Attribute)

    assembly_format = "`(` `)` attr-dict `:` type($cascade_value)"

    def verify_(self) -> None:
        _in_core(self)
        _cascade_bits(self, self.cascade_value.type)
