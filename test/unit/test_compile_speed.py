"""The compile-time shortcuts keep every check and every result.

- verify_located checks each op structure (class, operand/result types,
  properties, attributes) once and remembers it: an op of a remembered
  structure still has its traits checked where it stands, and a changed
  structure is checked again.
- the deadlock replay's quicker inner loop gives the blocked instances and
  fills worked out by hand."""

from __future__ import annotations

import pytest
from xdsl.dialects import arith, scf
from xdsl.dialects.builtin import IndexType, IntegerAttr, IntegerType, ModuleOp
from xdsl.ir import Block, Region

from dato_xdsl.diagnostics import LocatedDiagnostic, verify_located
from dato_xdsl.driver import DatoOptMain, LocatingParser
from dato_xdsl.transforms.deadlock_analysis import Design
from dato_xdsl.transforms.virtual_mapping import VirtualMapPass


def _loop_with_yield() -> tuple[ModuleOp, scf.YieldOp]:
    index = IndexType()
    bounds = [arith.ConstantOp(IntegerAttr(v, index)) for v in (0, 4, 1)]
    body = Block(arg_types=[index])
    yield_op = scf.YieldOp()
    body.add_op(yield_op)
    loop = scf.ForOp(bounds[0].result, bounds[1].result, bounds[2].result, [], Region(body))
    return ModuleOp([*bounds, loop]), yield_op


def test_a_remembered_structure_still_has_its_traits_checked() -> None:
    module, _ = _loop_with_yield()
    verify_located(module)  # scf.yield's structure verified (and remembered) inside a loop
    verify_located(module)
    # the same structure outside any loop breaks scf.yield's HasParent trait
    stray = ModuleOp([scf.YieldOp()])
    with pytest.raises(LocatedDiagnostic, match="scf.yield"):
        verify_located(stray)


def test_a_changed_structure_is_checked_again() -> None:
    i32 = IntegerType(32)
    a = arith.ConstantOp(IntegerAttr(1, i32))
    b = arith.ConstantOp(IntegerAttr(2, i32))
    add = arith.AddiOp(a.result, b.result)
    module = ModuleOp([a, b, add])
    verify_located(module)
    verify_located(module)
    # an index operand beside an i32 one: arith.addi's operand constraint fails
    c = arith.ConstantOp(IntegerAttr(3, IndexType()))
    module.body.block.insert_op_before(c, add)
    add.operands = [a.result, c.result]
    with pytest.raises(LocatedDiagnostic, match="arith.addi"):
        verify_located(module)


_REORDER = """
dato.region @reorder() {
  dato.stream @a : !dato.stream<i32, 2>
  dato.stream @b : !dato.stream<i32, 3>
  dato.task @p grid [1] () {
    %c0 = arith.constant 0 : index
    %c4 = arith.constant 4 : index
    %c1 = arith.constant 1 : index
    %v = arith.constant 1 : i32
    scf.for %i = %c0 to %c4 step %c1 {
      dato.put @a, %v : i32
    }
    dato.put @b, %v : i32
  }
  dato.task @c grid [1] () {
    %c0 = arith.constant 0 : index
    %c4 = arith.constant 4 : index
    %c1 = arith.constant 1 : index
    %w = dato.get @b : i32
    scf.for %i = %c0 to %c4 step %c1 {
      %v = dato.get @a : i32
    }
  }
}
"""


def _design() -> Design:
    ctx = DatoOptMain([]).ctx
    module = LocatingParser(ctx, _REORDER, "reorder.mlir").parse_module()
    VirtualMapPass().apply(ctx, module)
    region = next(o for o in module.walk() if o.name == "dato.region")
    return Design(region)  # type: ignore[arg-type]


def test_replay_blocks_where_the_hand_count_says() -> None:
    design = _design()
    # depth 2 on @a: p puts 2, then waits on the full @a; c waits on the empty @b
    outcome = design.replay({"a": 2, "b": 3})
    assert sorted((b.instance, b.stream, b.is_put) for b in outcome.blocked) == [
        ("c_0", "b", False),
        ("p_0", "a", True),
    ]
    assert outcome.fill == {"a": 2, "b": 0}
    # depth 4 holds all of p's puts on @a: both run to the end, every stream empty
    done = design.replay({"a": 4, "b": 1})
    assert done.blocked == []
    assert done.fill == {"a": 0, "b": 0}
    assert design.minimal_depths() == {"a": 4, "b": 1}


def test_roll_search_drops_only_candidates_the_check_refuses(tmp_path, monkeypatch) -> None:
    """npu_core_bodies' pair filter drops a candidate run before its op-by-op
    check only when the check would refuse it: over every (start, length) of
    each bundled core's body, an accepted candidate is always let through,
    and some refused ones are dropped (rotations of a member's code). The
    design still equals numpy."""
    import numpy as np

    import dato_xdsl as dato
    from dato_xdsl import Layout, int32
    from dato_xdsl.transforms import npu_core_bodies as cb

    S = Layout.Shard
    checked = {"accepted": 0, "dropped": 0}
    real = cb._roll_block

    def audit(block, device_body, budget):  # type: ignore[no-untyped-def]
        ops = [
            op
            for op in block.ops
            if not isinstance(op, cb.aie.EndOp | cb.scf.YieldOp | cb.arith.ConstantOp)
        ]
        pairs = cb._Pairs(ops)
        for length in range(1, len(ops) // 2 + 1):
            for start in range(len(ops) - 2 * length + 1):
                allowed = pairs.allows(start, length)
                if cb._check(ops, start, length, 2) is not None:
                    assert allowed, (start, length)
                    checked["accepted"] += 1
                elif not allowed:
                    checked["dropped"] += 1
        return real(block, device_body, budget)

    monkeypatch.setattr(cb, "_roll_block", audit)

    @dato.region()
    def top(A: int32[8, 16], B: int32[8, 16]):
        @dato.kernel(mapping=[8], args=[A, B])
        def t(
            a: int32[8, 16] @ [S(0), Layout.Replicate], b: int32[8, 16] @ [S(0), Layout.Replicate]
        ):
            p = dato.get_pid()
            for i in range(16):
                b[0, i] = a[0, i] * 3 + p * 5 + 7

    mod = dato.build(
        top,
        target="aie",
        project=tmp_path,
        mapping_primitives=[("bundle", [f"t_{k}" for k in range(8)])],
    )
    a = np.random.default_rng(8).integers(-300, 256, (8, 16)).astype(np.int32)
    b = np.zeros_like(a)
    mod(a, b)
    np.testing.assert_array_equal(b, a * 3 + np.arange(8, dtype=np.int32)[:, None] * 5 + 7)
    assert checked["accepted"] > 0 and checked["dropped"] > 0, checked
