"""The host program: `aie.runtime_sequence`."""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import (
    StringAttr,
)
from xdsl.ir import (
    Attribute,
    Block,
    Operation,
    Region,
)
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    opt_prop_def,
    region_def,
    traits_def,
)
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.traits import (
    HasParent,
    NoTerminator,
    OptionalSymbolOpInterface,
)

from dato_xdsl.dialects.aie.tiles import DeviceOp

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


def adopt_func_sequence(device_body: Block) -> None:
    """Designs written before `aie.runtime_sequence` (2023-24) give the host
    program as `func.func @sequence(...) { ...; return }` in the device; it
    becomes today's `aie.runtime_sequence @sequence(...)` with the same body."""
    for op in list(device_body.ops):
        if op.name != "func.func" or not op.regions or not op.regions[0].blocks:
            continue
        name = op.properties.get("sym_name")
        if not isinstance(name, StringAttr) or name.data != "sequence":
            continue
        region = op.regions[0]
        if len(region.blocks) != 1:
            continue  # branches have no runtime-sequence form: left to the verifier
        last = region.block.last_op
        if last is not None and last.name == "func.return" and not last.operands:
            region.block.erase_op(last)
        sequence = RuntimeSequenceOp.create(
            properties={"sym_name": StringAttr("sequence")}, regions=[op.detach_region(region)]
        )
        device_body.insert_op_before(sequence, op)
        device_body.erase_op(op)


DeviceOp.LEGACY_ADOPTERS.append(adopt_func_sequence)
