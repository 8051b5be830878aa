"""Memory: `aie.buffer`, `aie.lock`, `aie.use_lock` on tiles, and `aie.external_buffer`
(memory outside the array)."""

from __future__ import annotations

from xdsl.dialects.builtin import (
    DenseIntOrFPElementsAttr,
    IndexType,
    IntegerAttr,
    MemRefType,
    StringAttr,
    TensorType,
)
from xdsl.ir import (
    Attribute,
    Block,
    SSAValue,
)
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    result_def,
)
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.utils.exceptions import ParseError, VerifyException

from dato_xdsl.devices import TileKind
from dato_xdsl.dialects.aie.common import (
    LOCK_ACTION,
    LOCK_BLOCKING,
    _i32,
    _int,
    _parse_attrs_into,
    _parse_int,
    _print_attrs,
    _prop_names,
    memref_bytes,
)
from dato_xdsl.dialects.aie.tiles import _require_kind, _tile, _tile_kind, _tiles, _where, tile_of
from dato_xdsl.printing import print_initial_value

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
            printer.print_string(" = ")
            print_initial_value(printer, self.initial_value)

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


@irdl_op_definition
class ExternalBufferOp(IRDLOperation):
    """`%ext = aie.external_buffer {sym_name = "a"} : memref<64xi32>`: a buffer in
    memory outside the array (DDR), reached through shim DMAs."""

    name = "aie.external_buffer"

    sym_name = opt_prop_def(StringAttr)
    address = opt_prop_def(IntegerAttr)
    buffer = result_def(MemRefType)

    @classmethod
    def parse(cls, parser: Parser) -> ExternalBufferOp:
        attrs = parser.parse_optional_attr_dict()
        parser.parse_punctuation(":")
        start = parser.pos
        t = parser.parse_type()
        if not isinstance(t, MemRefType):
            parser.raise_error(f"aie.external_buffer has a memref type, got {t}", start, parser.pos)
        op = cls.create(result_types=[t])
        for key, value in attrs.items():
            (op.properties if key in _prop_names(cls) else op.attributes)[key] = value
        return op

    def print(self, printer: Printer) -> None:
        _print_attrs(printer, self)
        printer.print_string(" : ")
        printer.print_attribute(self.buffer.type)
