"""instance_trace.StaticValues: compile-time values of pid arithmetic, strict
(refused at compile, naming the op) and lenient (`try_value`: None). Each
expected value is worked by hand from the ops' definitions (MLIR arith:
unsigned ops read the operands' bits, signed division truncates)."""

from __future__ import annotations

import pytest
from xdsl.dialects import arith
from xdsl.dialects.builtin import IndexType, IntegerType, i32
from xdsl.dialects.test import TestOp as Opaque
from xdsl.ir import SSAValue

from dato_xdsl.diagnostics import LocatedDiagnostic
from dato_xdsl.transforms.instance_trace import StaticValues


def _root(t: IntegerType | IndexType = i32) -> SSAValue:
    """A value standing for a pid (any op's result; a root of the closures)."""
    return Opaque(result_types=[t]).results[0]


def _const(v: int, t: IntegerType | IndexType = i32) -> SSAValue:
    return arith.ConstantOp.from_int_and_width(v, t).result


def test_lenient_select_needs_only_the_taken_side() -> None:
    pid = _root()
    runtime = Opaque(result_types=[i32]).results[0]  # not a root: not compile-time
    zero = _const(0)
    cond = arith.CmpiOp(pid, zero, "eq").result
    sel = arith.SelectOp(cond, _const(7), runtime).result
    lenient = StaticValues({pid}, strict=False)
    assert lenient.try_value(sel, {pid: 0}) == 7
    assert lenient.try_value(sel, {pid: 1}) is None
    # strict: the runtime side is refused when the select is compiled
    with pytest.raises(LocatedDiagnostic, match="compile-time value"):
        StaticValues({pid}).compile(sel, sel.owner)  # type: ignore[arg-type]


def test_python_remainder_of_a_pid_expression() -> None:
    # (i + j) % 3 the way Python means it: remsi, then + 3 where negative
    i, j = _root(), _root()
    three = _const(3)
    r = arith.RemSIOp(arith.SubiOp(i, j), three).result
    neg = arith.CmpiOp(r, _const(0), "slt").result
    mod = arith.SelectOp(neg, arith.AddiOp(r, three), r).result
    values = StaticValues({i, j}, strict=False)
    for a in range(4):
        for b in range(4):
            assert values.try_value(mod, {i: a, j: b}) == (a - b) % 3


def test_unsigned_ops_read_the_bits() -> None:
    x = _root()
    values = StaticValues({x}, strict=False)
    rem = arith.RemUIOp(x, _const(10)).result
    div = arith.DivUIOp(x, _const(16)).result
    ult = arith.CmpiOp(x, _const(5), "ult").result
    # -6 as i32 bits is 4294967290 = 10 * 429496729, 16 * 268435455 + 10
    assert values.try_value(rem, {x: -6}) == 0
    assert values.try_value(div, {x: -6}) == 268435455
    assert values.try_value(ult, {x: -6}) == 0
    assert values.try_value(ult, {x: 4}) == 1
    assert values.try_value(rem, {x: 23}) == 3
    assert values.try_value(div, {x: 33}) == 2
    # index: 64-bit bits
    y = _root(IndexType())
    big = arith.RemUIOp(y, _const(7, IndexType())).result
    assert StaticValues({y}, strict=False).try_value(big, {y: -1}) == (2**64 - 1) % 7


def test_division_by_zero_and_runtime_values_give_none() -> None:
    x = _root()
    values = StaticValues({x}, strict=False)
    assert values.try_value(arith.DivSIOp(_const(8), x).result, {x: 0}) is None
    assert values.try_value(arith.DivSIOp(_const(-7), x).result, {x: 2}) == -3
    assert values.try_value(arith.RemSIOp(_const(-7), x).result, {x: 2}) == -1
    runtime = Opaque(result_types=[i32]).results[0]
    assert values.try_value(arith.AddiOp(x, runtime).result, {x: 1}) is None
