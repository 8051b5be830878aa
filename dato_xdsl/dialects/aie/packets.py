"""Packet-switched routes: `aie.packet_flow(id) { aie.packet_source<%t, DMA : 0>
aie.packet_dest<%u, DMA : 1> }`: packets carrying header id `id` go from the source
port to every destination port, sharing stream switches with other packet flows."""

from __future__ import annotations

from typing import ClassVar

from xdsl.dialects.builtin import IndexType, IntegerAttr, IntegerType
from xdsl.ir import Block, Operation, Region, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    region_def,
    traits_def,
)
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.traits import HasParent, SingleBlockImplicitTerminator, ensure_terminator
from xdsl.utils.exceptions import VerifyException

from dato_xdsl.dialects.aie.common import (
    WIRE_BUNDLE,
    _i32,
    _int,
    _parse_attrs_into,
    _parse_int,
    _print_attrs,
)
from dato_xdsl.dialects.aie.tiles import EndOp

PACKET_IDS = 32


def print_id_and_ports(printer: Printer, op: Operation, ident: int, ports: Region) -> None:
    """`(id) { ports }` then the other attributes: aie.packet_flow and aiex.bp_id alike."""
    printer.print_string(f"({ident}) ")
    printer.print_region(ports, print_block_terminators=False)
    _print_attrs(printer, op, ("ID",))


def verify_packet_id(what: str, ident: int) -> None:
    if not 0 <= ident < PACKET_IDS:
        raise VerifyException(f"{what} {ident}: packet ids are 0-{PACKET_IDS - 1} (5 header bits)")


"""A packet header's stream id is 5 bits wide (AIEOps.td: AIEI8Attr id, checked
against 0..31 by the packet-flow routing)."""


@irdl_op_definition
class PacketFlowOp(IRDLOperation):
    """`aie.packet_flow(0x3) { source; dests } {keep_pkt_header = true}`."""

    name = "aie.packet_flow"

    ID = prop_def(IntegerAttr)
    keep_pkt_header = opt_prop_def(IntegerAttr)
    priority_route = opt_prop_def(IntegerAttr)
    ports = region_def("single_block")

    traits = traits_def(SingleBlockImplicitTerminator(EndOp))

    def __init__(self, ident: int, body: Block | None = None) -> None:
        super().__init__(
            properties={"ID": IntegerAttr(ident, IntegerType(8))},
            regions=[Region(body or Block())],
        )
        ensure_terminator(self, SingleBlockImplicitTerminator(EndOp))

    @classmethod
    def parse(cls, parser: Parser) -> PacketFlowOp:
        parser.parse_punctuation("(")
        ident = _parse_int(parser)
        parser.parse_punctuation(")")
        region = parser.parse_region()
        block = region.detach_block(0) if region.blocks else Block()
        op = PacketFlowOp(ident, block)
        _parse_attrs_into(parser, op)
        return op

    def print(self, printer: Printer) -> None:
        print_id_and_ports(printer, self, _int(self.ID), self.ports)

    def verify_(self) -> None:
        ident = _int(self.ID)
        verify_packet_id("packet_flow id", ident)
        ops = list(self.ports.block.ops)
        sources = [op for op in ops if isinstance(op, PacketSourceOp)]
        dests = [op for op in ops if isinstance(op, PacketDestOp)]
        if len(sources) != 1 or not dests:
            raise VerifyException(
                f"packet_flow({ident}) has {len(sources)} packet_source(s) and {len(dests)} "
                "packet_dest(s); it takes one source and at least one destination"
            )


class PacketPortOp(IRDLOperation):
    """`<%tile, DMA : 0>`: one end of a packet flow."""

    tile = operand_def(IndexType)
    bundle = prop_def(IntegerAttr)
    channel = prop_def(IntegerAttr)

    ROLE: ClassVar[str] = ""

    def __init__(self, tile: SSAValue, bundle: str, channel: int) -> None:
        super().__init__(
            operands=[tile],
            properties={"bundle": _i32(WIRE_BUNDLE.cases[bundle]), "channel": _i32(channel)},
        )

    @classmethod
    def parse(cls, parser: Parser) -> PacketPortOp:
        parser.parse_punctuation("<")
        tile = parser.parse_operand(IndexType())
        parser.parse_punctuation(",")
        bundle = WIRE_BUNDLE.name(WIRE_BUNDLE.parse(parser))
        parser.parse_punctuation(":")
        channel = _parse_int(parser)
        parser.parse_punctuation(">")
        op = cls(tile, bundle, channel)
        _parse_attrs_into(parser, op)
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string("<")
        printer.print_operand(self.tile)
        printer.print_string(f", {WIRE_BUNDLE.name(self.bundle)} : {_int(self.channel)}>")
        _print_attrs(printer, self, ("bundle", "channel"))

    def verify_(self) -> None:
        WIRE_BUNDLE.verify(self.bundle, f"packet {self.ROLE} bundle")
        if _int(self.channel) < 0:
            raise VerifyException(f"packet {self.ROLE} channel {_int(self.channel)} is negative")


@irdl_op_definition
class PacketSourceOp(PacketPortOp):
    """`aie.packet_source<%tile, DMA : 0>`."""

    name = "aie.packet_source"
    ROLE: ClassVar[str] = "source"

    traits = traits_def(HasParent(PacketFlowOp))


@irdl_op_definition
class PacketDestOp(PacketPortOp):
    """`aie.packet_dest<%tile, DMA : 1>`."""

    name = "aie.packet_dest"
    ROLE: ClassVar[str] = "destination"

    traits = traits_def(HasParent(PacketFlowOp))
