"""MLIR text the project writes parses back even when name hints collide
(xDSL 0.74 prints `%x_1` twice for the hints x, x, x_1_1)."""

from xdsl.context import Context
from xdsl.dialects import arith
from xdsl.dialects.builtin import Builtin, IntegerAttr, ModuleOp, i32
from xdsl.parser import Parser

from dato_xdsl.printing import module_text


def colliding_module() -> ModuleOp:
    ops = [arith.ConstantOp(IntegerAttr(v, i32)) for v in (1, 2, 3)]
    for op, hint in zip(ops, ["x", "x", "x_1_1"], strict=True):
        op.result.name_hint = hint
    return ModuleOp(ops)


def test_default_printer_collides():
    # the bug module_text avoids: two values printed as %x_1
    assert str(colliding_module()).count("%x_1 =") == 2


def test_module_text_parses_back_with_every_value():
    text = module_text(colliding_module())
    ctx = Context()
    ctx.load_dialect(arith.Arith)
    ctx.load_dialect(Builtin)
    parsed = Parser(ctx, text).parse_module()
    values = [op.value.value.data for op in parsed.ops]  # type: ignore[attr-defined]
    assert values == [1, 2, 3]
    names = [line.split("=")[0].strip() for line in text.splitlines() if "arith.constant" in line]
    assert len(set(names)) == 3
