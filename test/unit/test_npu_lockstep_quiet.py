"""npu_lockstep.fuse_members with a member that has no stream operation (a
systolic grid's idle corner folded into a lockstep chain): its ops run before
the fused loop, and the members with stream loops still fuse into one loop
running their iterations in chain order. A member without a stream loop
that does use a ring is still refused."""

import pytest
from xdsl.dialects import arith, memref, scf
from xdsl.dialects.builtin import IndexType, i32
from xdsl.ir import Block, Region, SSAValue

from dato_xdsl.transforms.npu_lockstep import NotFusable, fuse_members


def _member(ring: SSAValue, mark: int) -> Block:
    """for i in 0..4: ring[i % 1] = mark (a store into the ring each iteration)."""
    block = Block()
    lb = arith.ConstantOp.from_int_and_width(0, IndexType())
    ub = arith.ConstantOp.from_int_and_width(4, IndexType())
    step = arith.ConstantOp.from_int_and_width(1, IndexType())
    body = Block(arg_types=[IndexType()])
    value = arith.ConstantOp.from_int_and_width(mark, i32)
    zero = arith.ConstantOp.from_int_and_width(0, IndexType())
    body.add_ops(
        [value, zero, memref.StoreOp.get(value.result, ring, [zero.result]), scf.YieldOp()]
    )
    block.add_ops([lb, ub, step, scf.ForOp(lb.result, ub.result, step.result, [], Region(body))])
    return block


def _quiet() -> Block:
    block = Block()
    block.add_op(arith.ConstantOp.from_int_and_width(7, i32))
    return block


def test_quiet_member_runs_before_the_fused_loop():
    ring = memref.AllocaOp.get(i32, shape=[1])
    target, device = Block(), Block()
    target.add_op(ring)
    fuse_members(
        target, [_member(ring.memref, 1), _quiet(), _member(ring.memref, 2)], {ring.memref}, device
    )
    loops = [op for op in target.ops if isinstance(op, scf.ForOp)]
    assert len(loops) == 1  # one fused loop
    stores = [op for op in loops[0].body.block.walk() if isinstance(op, memref.StoreOp)]
    marks = [s.value.owner.value.value.data for s in stores]  # type: ignore[union-attr]
    assert marks == [1, 2]  # the members' iterations in chain order
    ops = list(target.ops)
    seven = [
        k
        for k, op in enumerate(ops)
        if isinstance(op, arith.ConstantOp) and op.value.value.data == 7 and op.result.type == i32  # type: ignore[union-attr]
    ]
    assert seven and seven[0] < ops.index(loops[0])


def test_member_using_a_ring_without_a_loop_is_refused():
    ring = memref.AllocaOp.get(i32, shape=[1])
    target, device = Block(), Block()
    target.add_op(ring)
    odd = Block()
    zero = arith.ConstantOp.from_int_and_width(0, IndexType())
    odd.add_ops([zero, memref.LoadOp.get(ring.memref, [zero.result])])
    with pytest.raises(NotFusable, match="0 loops with stream operations"):
        fuse_members(target, [_member(ring.memref, 1), odd], {ring.memref}, device)


def test_no_member_with_a_loop_is_refused():
    ring = memref.AllocaOp.get(i32, shape=[1])
    with pytest.raises(NotFusable, match="no member has a loop"):
        fuse_members(Block(), [_quiet(), _quiet()], {ring.memref}, Block())
