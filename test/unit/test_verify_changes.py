"""verify_located, called again on a module it verified, checks again what
changed (an op's operands, types, properties, attributes, block), every
op's dominance, and everything once a symbol changed: each test breaks a
verified module in one of those ways and expects the located error."""

from __future__ import annotations

import pytest
from xdsl.dialects import arith, scf
from xdsl.dialects.builtin import IndexType, IntegerAttr, IntegerType, ModuleOp, StringAttr
from xdsl.ir import Block, Region

from dato_xdsl.diagnostics import LocatedDiagnostic, verify_located
from dato_xdsl.driver import DatoOptMain, LocatingParser

_DESIGN = """
module {
  aie.device(npu1_1col) {
    %shim = aie.tile(0, 0)
    %core = aie.tile(0, 2)
    aie.objectfifo @in(%shim, {%core}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.runtime_sequence @sequence(%a: memref<64xi32>) {
      aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 1, 64][0, 0, 0, 1])
        {id = 1 : i64, metadata = @in} : memref<64xi32>
    }
  }
}
"""


def _loop() -> tuple[ModuleOp, scf.YieldOp]:
    index = IndexType()
    bounds = [arith.ConstantOp(IntegerAttr(v, index)) for v in (0, 4, 1)]
    body = Block(arg_types=[index])
    yield_op = scf.YieldOp()
    body.add_op(yield_op)
    loop = scf.ForOp(bounds[0].result, bounds[1].result, bounds[2].result, [], Region(body))
    return ModuleOp([*bounds, loop]), yield_op


def test_an_op_moved_out_of_its_parent_is_checked_again() -> None:
    module, yield_op = _loop()
    verify_located(module)
    yield_op.detach()  # scf.yield, unchanged itself, now outside any loop
    module.body.block.add_op(yield_op)
    with pytest.raises(LocatedDiagnostic, match="scf.yield"):
        verify_located(module)


def test_an_attribute_replaced_on_a_verified_op_is_checked_again() -> None:
    i32 = IntegerType(32)
    c = arith.ConstantOp(IntegerAttr(7, i32))
    module = ModuleOp([c])
    verify_located(module)
    verify_located(module)
    c.properties["value"] = StringAttr("seven")  # not a typed constant of i32
    with pytest.raises(LocatedDiagnostic, match="arith.constant"):
        verify_located(module)


def test_a_use_before_its_moved_definition_is_found() -> None:
    i32 = IntegerType(32)
    a = arith.ConstantOp(IntegerAttr(1, i32))
    add = arith.AddiOp(a.result, a.result)
    module = ModuleOp([a, add])
    verify_located(module)
    a.detach()  # the addi is unchanged; its operand is now defined after it
    module.body.block.add_op(a)
    with pytest.raises(LocatedDiagnostic, match="before its definition"):
        verify_located(module)


def test_a_removed_symbol_fails_the_unchanged_call_naming_it() -> None:
    ctx = DatoOptMain([]).ctx
    module = LocatingParser(ctx, _DESIGN, "design.mlir").parse_module()
    verify_located(module)
    fifo = next(op for op in module.walk() if op.name == "aie.objectfifo")
    fifo.properties["sym_name"] = StringAttr("other")  # the call still names @in
    with pytest.raises(LocatedDiagnostic, match=r"design.mlir:8:\d+: .*metadata @in"):
        verify_located(module)


def test_a_region_whose_ops_changed_is_checked_again() -> None:
    module, yield_op = _loop()
    verify_located(module)
    yield_op.detach()  # the loop, unchanged itself, now holds no terminator
    yield_op.erase()
    with pytest.raises(LocatedDiagnostic, match="scf.for"):
        verify_located(module)


def test_a_property_of_another_class_fails_where_its_value_was_not_compared() -> None:
    # calls differing only in offsets share one checked structure (their
    # property is checked by class); a property of another class is not in it
    ctx = DatoOptMain([]).ctx
    module = LocatingParser(ctx, _DESIGN, "design.mlir").parse_module()
    verify_located(module)
    call = next(op for op in module.walk() if op.name == "aiex.npu.dma_memcpy_nd")
    call.properties["static_offsets"] = StringAttr("0, 0, 0, 0")
    with pytest.raises(LocatedDiagnostic, match=r"design.mlir:8:\d+: .*dma_memcpy_nd"):
        verify_located(module)
