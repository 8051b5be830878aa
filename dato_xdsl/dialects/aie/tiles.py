"""Device and tiles: `aie.device`, `aie.end`, `aie.tile`, the lookups every
verifier uses (enclosing device, tile of a value, tile kind) and the shared
syntax of ops that own a region on one tile."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from xdsl.dialects.builtin import (
    IndexType,
    IntegerAttr,
    LocationAttr,
    StringAttr,
)
from xdsl.ir import (
    Attribute,
    Block,
    Operation,
    Region,
    SSAValue,
)
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    opt_prop_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
)
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.traits import (
    IsolatedFromAbove,
    IsTerminator,
    OptionalSymbolOpInterface,
    Pure,
    SingleBlockImplicitTerminator,
    SymbolTable,
    ensure_terminator,
)
from xdsl.utils.exceptions import VerifyException

from dato_xdsl import devices
from dato_xdsl.devices import NpuDevice, TileKind
from dato_xdsl.dialects.aie.common import _i32, _int, _parse_attrs_into, _parse_int, _print_attrs
from dato_xdsl.verify_memo import verifying


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

    LEGACY_ADOPTERS: ClassVar[list[Callable[[Block], None]]] = []
    """Rewrites of older spellings in a parsed device body, registered by the
    modules that define today's ops (they import this one, not the reverse)."""

    traits = traits_def(
        OptionalSymbolOpInterface(),
        SymbolTable(),
        IsolatedFromAbove(),
        SingleBlockImplicitTerminator(EndOp),
    )

    def verify(self, verify_nested_ops: bool = True) -> None:
        with verifying():
            super().verify(verify_nested_ops)

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
        op = cls.adopting(model.name, block, sym_name=None if sym is None else sym.data)
        _parse_attrs_into(parser, op)
        return op

    @classmethod
    def adopting(
        cls,
        device: str,
        block: Block,
        location: LocationAttr | None = None,
        sym_name: str | None = None,
    ) -> DeviceOp:
        """A device around a parsed body, its older spellings rewritten to today's."""
        for adopt in cls.LEGACY_ADOPTERS:
            adopt(block)
        op = DeviceOp(device, block, sym_name)
        if location is not None:
            op.location = location
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
