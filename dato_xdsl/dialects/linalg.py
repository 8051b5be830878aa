"""xDSL's `linalg` dialect with `linalg.matmul`'s implicit body as MLIR defines
it for mixed types: each operand cast to the output's element type before the
multiply (`C += cast(A) * cast(B)`). xDSL 0.74 rebuilds the parsed custom form
with a body that multiplies in the operand type, so a printed i16 x i16 -> i32
or bf16 x bf16 -> f32 matmul failed to parse back (its `arith.addi` mixed i16
and i32). Integer operands cast signed unless the op carries
`{dato.cast = "unsigned"}` (the frontend sets it for `UInt` operands; MLIR
spells the same choice `cast = #linalg.type_fn<cast_unsigned>`, which xDSL
cannot parse)."""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects import arith
from xdsl.dialects.builtin import AnyFloat, StringAttr
from xdsl.dialects.linalg import Linalg as _XdslLinalg
from xdsl.dialects.linalg import ops as xlinalg
from xdsl.ir import Attribute, Block, Dialect, Operation, Region, SSAValue
from xdsl.parser import Parser

UNSIGNED_CAST = "dato.cast"
"""Attribute naming an unsigned cast of integer operands (value "unsigned")."""


def widening_body(in_types: Sequence[Attribute], out: Attribute, unsigned: bool) -> Region:
    """`acc + cast(x) * cast(y)` with x, y of `in_types` and acc of `out`."""
    body = Block(arg_types=[*in_types, out])
    x, y, acc = body.args
    ops: list[Operation] = []
    casted: list[SSAValue] = []
    for v in (x, y):
        if v.type == out:
            casted.append(v)
            continue
        if isinstance(out, AnyFloat):
            cast: Operation = (
                arith.ExtFOp(v, out)
                if isinstance(v.type, AnyFloat)
                else (arith.UIToFPOp(v, out) if unsigned else arith.SIToFPOp(v, out))
            )
        else:
            cast = arith.ExtUIOp(v, out) if unsigned else arith.ExtSIOp(v, out)
        ops.append(cast)
        casted.append(cast.results[0])
    if isinstance(out, AnyFloat):
        mul: Operation = arith.MulfOp(casted[0], casted[1])
        add: Operation = arith.AddfOp(mul.results[0], acc)
    else:
        mul = arith.MuliOp(casted[0], casted[1])
        add = arith.AddiOp(mul.results[0], acc)
    body.add_ops([*ops, mul, add, xlinalg.YieldOp(add.results[0])])
    return Region(body)


class MatmulOp(xlinalg.MatmulOp):
    """`linalg.matmul` whose parsed custom form gets MLIR's casting body (a
    plain subclass: it keeps xDSL's definition, only parsing differs)."""

    @classmethod
    def get_hidden_region(cls, inputs: Sequence[SSAValue], outputs: Sequence[SSAValue]) -> Region:
        types = cls.body_arg_types((*inputs, *outputs))
        return widening_body(types[:2], types[-1], unsigned=False)

    @classmethod
    def parse(cls, parser: Parser) -> MatmulOp:
        op = super().parse(parser)
        cast = op.attributes.get(UNSIGNED_CAST)
        if cast == StringAttr("unsigned"):
            types = cls.body_arg_types((*op.inputs, *op.outputs))
            old = op.body.detach_block(0)
            old.erase()
            new = widening_body(types[:2], types[-1], unsigned=True)
            op.body.add_block(new.detach_block(0))
        return op


Linalg = Dialect(
    "linalg",
    [MatmulOp if op is xlinalg.MatmulOp else op for op in _XdslLinalg.operations],
    list(_XdslLinalg.attributes),
)

__all__ = ["Linalg", "MatmulOp", "UNSIGNED_CAST", "widening_body"]
