"""Types and attributes of the `aie` dialect: objectfifo types, BD dimension and
padding layouts, packet info."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, cast

from xdsl.dialects.builtin import (
    ArrayAttr,
    IntAttr,
    MemRefType,
)
from xdsl.ir import (
    Attribute,
    OpaqueSyntaxAttribute,
    ParametrizedAttribute,
    TypeAttribute,
)
from xdsl.irdl import (
    irdl_attr_definition,
)
from xdsl.parser import AttrParser
from xdsl.printer import Printer

from dato_xdsl.dialects.aie.common import _parse_int

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
    """`<k0 = a, k1 = b>`, the keys in either order (MLIR's struct-like attributes
    accept both); or `<a, b>` without keys (older files)."""
    parser.parse_punctuation("<")
    found: dict[str, int] = {}
    for i in range(len(keys)):
        if i:
            parser.parse_punctuation(",")
        start = parser.pos
        key = next((k for k in keys if parser.parse_optional_keyword(k) is not None), None)
        if key is not None:
            if key in found:
                parser.raise_error(f"'{key}' is given twice", start, parser.pos)
            parser.parse_punctuation("=")
        else:
            key = keys[i]
        found[key] = _parse_int(parser)
    parser.parse_punctuation(">")
    return found[keys[0]], found[keys[1]]


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
