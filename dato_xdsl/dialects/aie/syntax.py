"""MLIR-AIE text as it is written, read by any parser that mixes this in.

mlir-aie files of 2022-2025 use spellings xDSL 0.74's parser or today's op names
do not cover. Each is accepted here and printed in today's form:
- `memref<512 x i16>`: spaces around the shape's `x` (MLIR's lexer allows them;
  xDSL's undo of a trailing `x` steps back one character, onto the space);
- a string where the grammar wants a keyword (`arith.cmpi "eq", ...`), as MLIR's
  `parseKeywordOrString` accepts;
- capitalised dialect names of 2023 (`AIE.useLock`, `AIE.objectFifo.acquire`,
  `!AIE.objectFifo<...>`, `AIEX.ipu.sync`) and `aiex.ipu.*` (the NPU was the IPU);
- `memref.copy %a, %b : T to T` (xDSL 0.74 reads only the generic form);
- a module holding tiles directly, without `aie.device`: mlir-aie's files from
  before the device op target the VC1902 (AIE1), so the body is wrapped in
  `aie.device(xcvc1902)`.
"""

from __future__ import annotations

import re

from xdsl.dialects import memref
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Attribute, Block, Operation
from xdsl.parser import Parser
from xdsl.utils.mlir_lexer import MLIRTokenKind

from dato_xdsl.dialects.aie.tiles import DeviceOp
from dato_xdsl.dialects.memref import CopySyntax

IMPLIED_DEVICE = "xcvc1902"
"""The device of a design written before `aie.device` existed (AIE1 VC1902)."""

_DIALECTS = {"AIE": "aie", "AIEX": "aiex"}
# op/type name segments renamed when mlir-aie moved to snake_case (2024)
_SEGMENTS = {
    "objectFifo": "objectfifo",
    "objectFifoSubview": "objectfifosubview",
    "useLock": "use_lock",
    "dmaBd": "dma_bd",
    "dmaBdPacket": "dma_bd_packet",
    "dmaStart": "dma_start",
    "nextBd": "next_bd",
    "shimDMA": "shim_dma",
    "memTileDMA": "memtile_dma",
    "shimDMAAllocation": "shim_dma_allocation",
    "registerExternalBuffers": "register_external_buffers",
    "putCascade": "put_cascade",
    "getCascade": "get_cascade",
    "cascadeFlow": "cascade_flow",
    "externalBuffer": "external_buffer",
    "packetFlow": "packet_flow",
    "packetSource": "packet_source",
    "packetDest": "packet_dest",
}
_BARE_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_$.]*")


def today_name(name: str) -> str | None:
    """Today's name of an older aie/aiex op or type name, or None if it is not one."""
    dialect, _, rest = name.partition(".")
    dialect = _DIALECTS.get(dialect, dialect)
    if dialect not in ("aie", "aiex") or not rest:
        return None
    parts = [_SEGMENTS.get(part, part) for part in rest.split(".")]
    if dialect == "aiex" and parts[0] == "ipu":
        parts[0] = "npu"
    renamed = ".".join([dialect, *parts])
    return renamed if renamed != name else None


def _is_aie(op: Operation) -> bool:
    return op.name.split(".")[0] in ("aie", "aiex")


def wrap_bare_designs(module: ModuleOp) -> None:
    """Moves the body of every module that holds aie ops outside any `aie.device`
    into an `aie.device(xcvc1902)` (the device such files were written for)."""
    for op in list(module.walk()):
        if not isinstance(op, ModuleOp):
            continue
        body = op.body.block
        ops = list(body.ops)
        if any(isinstance(o, DeviceOp) for o in ops) or not any(_is_aie(o) for o in ops):
            continue
        block = Block()
        for inner in ops:
            inner.detach()
            block.add_op(inner)
        body.add_op(DeviceOp.adopting(IMPLIED_DEVICE, block, op.location))


class MlirAieSyntax(Parser):
    """Parser behaviour for MLIR-AIE text; list it before `Parser` in a parser's bases."""

    def parse_module(self, allow_implicit_module: bool = True) -> ModuleOp:
        module = super().parse_module(allow_implicit_module)
        wrap_bare_designs(module)
        return module

    def parse_dimension_list(self) -> list[int]:
        dims: list[int] = []
        kinds = (MLIRTokenKind.INTEGER_LIT, MLIRTokenKind.QUESTION)
        if self._current_token.kind not in kinds:
            return []
        dims.append(self.parse_shape_dimension())
        while True:
            x_at = self._current_token.span.start
            if self._parse_optional_shape_delimiter() is None:
                break
            if self._current_token.kind not in kinds:
                # the `x` before the element type: give it back to the caller
                self._resume_from(x_at)
                break
            dims.append(self.parse_shape_dimension())
        return dims

    def parse_identifier(self, context_msg: str = "") -> str:
        token = self._current_token
        if token.kind == MLIRTokenKind.STRING_LIT:
            word = token.kind.get_string_literal_value(token.span)
            if _BARE_IDENT.fullmatch(word):
                self._consume_token(MLIRTokenKind.STRING_LIT)
                return word
        return super().parse_identifier(context_msg)

    def _get_op_by_name(self, name: str) -> type[Operation]:
        op_type = self.ctx.get_optional_op(name, dialect_stack=self._parser_state.dialect_stack)
        if op_type is memref.CopyOp:
            # the custom form; the generic one is read by `_parse_generic_operation`
            return CopySyntax  # type: ignore[return-value]
        if op_type is not None:
            return op_type
        renamed = today_name(name)
        if renamed is not None and self.ctx.get_optional_op(renamed) is not None:
            return super()._get_op_by_name(renamed)
        return super()._get_op_by_name(name)

    def _parse_generic_operation(self, op_type: type[Operation]) -> Operation:
        if op_type is CopySyntax:
            op_type = memref.CopyOp
        return super()._parse_generic_operation(op_type)

    def _parse_dialect_type_or_attribute_body(
        self,
        attr_name: str,
        is_type: bool,
        is_opaque: bool,
        starting_opaque_pos: object,
    ) -> Attribute:
        renamed = today_name(attr_name)
        if renamed is not None:
            attr_name = renamed
        return super()._parse_dialect_type_or_attribute_body(
            attr_name,
            is_type,
            is_opaque,
            starting_opaque_pos,  # type: ignore[arg-type]
        )
