"""Shared pieces of the `aie` dialect: integer helpers, the enum keywords of
mlir-aie's I32EnumAttrs, attribute-dictionary parsing and memref sizes."""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import (
    IntegerAttr,
    IntegerType,
    MemRefType,
)
from xdsl.ir import (
    Attribute,
    Operation,
)
from xdsl.irdl import (
    IRDLOperation,
)
from xdsl.parser import AttrParser, Parser
from xdsl.printer import Printer
from xdsl.utils.exceptions import VerifyException

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


def element_bits(t: Attribute) -> int:
    """Bits of an element type: integers and floats (bf16 is 16) by their own
    width; an index or unknown type counts as a 32-bit word."""
    width = getattr(t, "bitwidth", None)
    return width if isinstance(width, int) else 32


def element_bytes(t: MemRefType) -> int:
    return max(1, element_bits(t.element_type) // 8)


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
