"""xDSL's `memref` dialect with MLIR's custom syntax for `memref.global`
and `memref.copy`.

xDSL 0.74 has no custom form for `memref.global` and requires an initial value,
so the globals mlir-aie designs declare for their host buffers
(`memref.global "public" @in : memref<1024xi32>`, external: no initial value) do
not parse. Our `GlobalOp` takes MLIR's form
`memref.global ["private"|"public"|"nested"] [constant] @name : memref<...>
[= dense<...> | = uninitialized] {attrs}`; the dense literal is written without a
type, the memref's shape gives it, as in MLIR. `memref.copy` is read in
MLIR's `%src, %dst : T to T` through `CopySyntax` (the op stays xDSL's, and prints
in the generic form, which MLIR reads too). Every other op is xDSL's.
"""

from __future__ import annotations

from xdsl.dialects import memref
from xdsl.dialects.builtin import (
    DenseIntOrFPElementsAttr,
    IntegerAttr,
    MemRefType,
    StringAttr,
    TensorType,
    UnitAttr,
)
from xdsl.ir import Attribute, Dialect
from xdsl.irdl import IRDLOperation, irdl_op_definition, opt_prop_def, prop_def, traits_def
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.traits import SymbolOpInterface
from xdsl.utils.exceptions import VerifyException

from dato_xdsl.printing import print_initial_value

VISIBILITIES = ("private", "public", "nested")


@irdl_op_definition
class GlobalOp(IRDLOperation):
    """`memref.global "public" @in : memref<16xi32>`: a named memref; without an
    initial value it is external (defined by whoever links the design, for
    mlir-aie the host buffer a runtime-sequence argument stands for)."""

    name = "memref.global"

    sym_name = prop_def(StringAttr)
    sym_visibility = opt_prop_def(StringAttr)
    type = prop_def(MemRefType)
    initial_value = opt_prop_def(UnitAttr | DenseIntOrFPElementsAttr)
    constant = opt_prop_def(UnitAttr)
    alignment = opt_prop_def(IntegerAttr)

    traits = traits_def(SymbolOpInterface())

    def __init__(
        self,
        sym_name: str,
        t: MemRefType,
        initial_value: Attribute | None = None,
        visibility: str | None = None,
        constant: bool = False,
    ) -> None:
        props: dict[str, Attribute | None] = {
            "sym_name": StringAttr(sym_name),
            "type": t,
            "initial_value": initial_value,
            "sym_visibility": None if visibility is None else StringAttr(visibility),
            "constant": UnitAttr() if constant else None,
        }
        super().__init__(properties={k: v for k, v in props.items() if v is not None})

    @property
    def is_external(self) -> bool:
        return self.initial_value is None

    @classmethod
    def parse(cls, parser: Parser) -> GlobalOp:
        visibility = None
        start = parser.pos
        word = parser.parse_optional_str_literal()
        if word is not None:
            if word not in VISIBILITIES:
                parser.raise_error(
                    f"symbol visibility is one of {', '.join(VISIBILITIES)}; got '{word}'",
                    start,
                    parser.pos,
                )
            visibility = word
        constant = parser.parse_optional_keyword("constant") is not None
        name = parser.parse_symbol_name().data
        parser.parse_punctuation(":")
        start = parser.pos
        t = parser.parse_type()
        if not isinstance(t, MemRefType):
            parser.raise_error(f"memref.global has a memref type, got {t}", start, parser.pos)
        initial: Attribute | None = None
        if parser.parse_optional_punctuation("=") is not None:
            if parser.parse_optional_keyword("uninitialized") is not None:
                initial = UnitAttr()
            else:
                parser.parse_keyword("dense")
                tensor = TensorType(t.element_type, t.get_shape())
                initial = parser.parse_dense_int_or_fp_elements_attr(tensor)
        op = GlobalOp(name, t, initial, visibility, constant)
        for key, value in parser.parse_optional_attr_dict().items():
            if key in ("alignment",):
                op.properties[key] = value
            else:
                op.attributes[key] = value
        return op

    def print(self, printer: Printer) -> None:
        if self.sym_visibility is not None:
            printer.print_string(f' "{self.sym_visibility.data}"')
        if self.constant is not None:
            printer.print_string(" constant")
        printer.print_string(" ")
        printer.print_symbol_name(self.sym_name.data)
        printer.print_string(" : ")
        printer.print_attribute(self.type)
        if isinstance(self.initial_value, UnitAttr):
            printer.print_string(" = uninitialized")
        elif self.initial_value is not None:
            printer.print_string(" = ")
            print_initial_value(printer, self.initial_value)
        extra: dict[str, Attribute] = dict(self.attributes)
        if self.alignment is not None:
            extra["alignment"] = self.alignment
        printer.print_op_attributes(extra)

    def verify_(self) -> None:
        if self.sym_visibility is not None and self.sym_visibility.data not in VISIBILITIES:
            raise VerifyException(
                f"memref.global @{self.sym_name.data}: visibility "
                f"'{self.sym_visibility.data}' is not one of {', '.join(VISIBILITIES)}"
            )
        value = self.initial_value
        if isinstance(value, DenseIntOrFPElementsAttr):
            shape, want = list(value.get_shape() or ()), list(self.type.get_shape())
            if shape != want:
                raise VerifyException(
                    f"memref.global @{self.sym_name.data}: initial value of shape {shape} "
                    f"for {self.type}"
                )
        if self.alignment is not None:
            align = self.alignment.value.data
            if align <= 0 or align & (align - 1):
                raise VerifyException(
                    f"memref.global @{self.sym_name.data}: alignment {align} is not a power of 2"
                )


class CopySyntax:
    """MLIR's custom form of xDSL's `memref.copy` (xDSL 0.74 has only the generic
    one): `memref.copy %src, %dst : memref<16xi32> to memref<16xi32>`. The op stays
    xDSL's class (passes test for it); parsers that speak mlir-aie's text read it
    with `parse`."""

    @staticmethod
    def dialect_name() -> str:
        return "memref"

    @staticmethod
    def parse(parser: Parser) -> memref.CopyOp:
        source = parser.parse_unresolved_operand()
        parser.parse_punctuation(",")
        destination = parser.parse_unresolved_operand()
        attrs = parser.parse_optional_attr_dict()
        parser.parse_punctuation(":")
        source_type = parser.parse_type()
        parser.parse_keyword("to")
        destination_type = parser.parse_type()
        op = memref.CopyOp(
            parser.resolve_operand(source, source_type),
            parser.resolve_operand(destination, destination_type),
        )
        op.attributes |= attrs
        return op


MemRef = Dialect(
    "memref",
    [GlobalOp if op is memref.GlobalOp else op for op in memref.MemRef.operations],
    list(memref.MemRef.attributes),
)

__all__ = ["CopySyntax", "GlobalOp", "MemRef"]
