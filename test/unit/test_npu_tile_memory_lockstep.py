"""Physical mapping counts a lockstep core's locals as its lowering allocates
them (npu_tile_memory.TileMemory with `fused`): npu_lockstep runs the
members' loops as one, so no member's locals are dead while another's run,
and none share a buffer. Counted one after the other (as before), a SUMMA
node pair with its loader was accepted at 62736 B and the emitted core
needed 85712 B (the virtual NPU refused it at run time; summa(112, 4) on
npu1: now the nodes read the loaders' pieces, npu_loop_loaders)."""

from __future__ import annotations

from dato_xdsl.transforms.npu_plan import plan_group
from dato_xdsl.transforms.npu_tile_memory import TileMemory
from test.unit.programs import npu_loop_loaders_programs as lp
from test.unit.test_npu_loop_loaders import _region_before_mapping


def _locals(fused: bool) -> int:
    region = _region_before_mapping(lp.gemm_pieces(32, 2), "npu1_1col")
    node = next(g for g in region.groups() if g.sym_name.data == "node")
    plan = plan_group(node)
    first, second = node.instances()[:2]
    names = {first.name, second.name} if fused else set()
    memory = TileMemory([(plan, first), (plan, second)], {first.name: 0, second.name: 1}, names)
    for inst in (first, second):
        memory.locals(plan, inst, dict(zip(node.port_names, inst.bindings, strict=True)))
    return memory.total()[0]


def test_members_in_turn_share_their_locals() -> None:
    # a node's locals: the two 16x16 int32 pieces of A and B the lowering
    # stages for its matmul (the product accumulates straight into C's
    # block), 2 x 1024 B, live in its loop; the second node runs after the
    # first: one set of buffers
    assert _locals(fused=False) == 2 * 1024


def test_lockstep_members_hold_their_locals_side_by_side() -> None:
    assert _locals(fused=True) == 2 * 2 * 1024
