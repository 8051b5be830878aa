"""A core running the members of a lockstep chain (`dato.chain` with
`dato.lockstep`, chosen by npu_chain_search) as one fused loop.

Each member's body is one loop of the same bounds around its stream
operations (npu_chain_search.lockstep_loop checked that on the dato body, and
the replay of the fused order chose the rings' depths). Lowered one by one,
each member is: ops before its loop (acquiring its arrays), the loop, ops
after it (copies out, releases). The core then runs every member's ops
before, one loop whose iteration runs each member's iteration in chain order,
and every member's ops after. A stream between two members is a ring of its
depth (npu_lowering.local_access wraps it), which the fused order never
overfills: the replay checked exactly this order."""

from __future__ import annotations

from xdsl.dialects import arith, scf
from xdsl.dialects.builtin import IndexType, IntegerAttr
from xdsl.ir import Block, Operation, Region, SSAValue

from dato_xdsl.dialects import aie, dato
from dato_xdsl.dialects.aie.common import OBJECTFIFO_PORT

LOCKSTEP = "dato.lockstep"


class NotFusable(Exception):
    """The lowered members do not have the shape a fused loop needs."""


def lockstep_members(region: dato.RegionOp) -> set[str]:
    """The instances of the region's lockstep chains."""
    return {
        n
        for op in region.body.block.ops
        if isinstance(op, dato.ChainOp) and LOCKSTEP in op.attributes
        for n in op.names
    }


def _const(v: SSAValue) -> int | None:
    op = v.owner
    if isinstance(op, arith.ConstantOp) and isinstance(op.value, IntegerAttr):
        return op.value.value.data
    return None


def _fifos(ops: list[Operation]) -> set[str]:
    out: set[str] = set()
    for top in ops:
        for op in top.walk():
            if isinstance(op, aie.ObjectFifoAcquireOp | aie.ObjectFifoReleaseOp):
                out.add(op.objFifo_name.root_reference.data)
    return out


def _uses_rings(ops: list[Operation], rings: set[SSAValue]) -> bool:
    return any(v in rings for top in ops for op in top.walk() for v in op.operands)


def _has_streams(loop: scf.ForOp, rings: set[SSAValue]) -> bool:
    for op in loop.walk():
        if isinstance(op, aie.ObjectFifoAcquireOp):
            return True
        if any(v in rings for v in op.operands):
            return True
    return False


Split = tuple[list[Operation], scf.ForOp, list[Operation]]


def fuse_members(
    target: Block, members: list[Block], rings: set[SSAValue], device_body: Block
) -> None:
    """Append to `target` the members' blocks (each a lowered lockstep
    member, in chain order) fused: every member's ops before its stream loop,
    one loop running the members' iterations in turn, every member's ops
    after. Members with no stream operation, no fifo and no ring (a
    systolic grid's idle corner) run before the loop. `rings`: the ring
    buffers of the streams between them. A fifo
    several members take one object of each before their loops and release
    after (a sequence of blocks of an array, one per member) is acquired
    once for all of them (_hold_together). Raises NotFusable when a member
    has no single stream loop, the loops' bounds differ, or members use one
    fifo outside their loops otherwise."""
    splits: list[Split] = []
    # members with no stream operation at all (a systolic grid's unused
    # corner): their ops run before the fused loop, as they touch no stream
    quiet: list[list[Operation]] = []
    for block in members:
        ops = list(block.ops)
        loops = [
            k for k, op in enumerate(ops) if isinstance(op, scf.ForOp) and _has_streams(op, rings)
        ]
        if not loops and not _fifos(ops) and not _uses_rings(ops, rings):
            quiet.append(ops)
            continue
        if len(loops) != 1:
            raise NotFusable(f"a member has {len(loops)} loops with stream operations, not one")
        k = loops[0]
        loop = ops[k]
        assert isinstance(loop, scf.ForOp)
        if loop.results:
            raise NotFusable("a member's stream loop carries values")
        splits.append((ops[:k], loop, ops[k + 1 :]))
    if not splits:
        raise NotFusable("no member has a loop with stream operations")
    bounds = {tuple(_const(v) for v in (s[1].lb, s[1].ub, s[1].step)) for s in splits}
    if len(bounds) != 1 or None in next(iter(bounds)):
        raise NotFusable(f"the members' stream loops have bounds {sorted(map(str, bounds))}")
    users: dict[str, list[int]] = {}
    for k, (before, _, after) in enumerate(splits):
        for fifo in _fifos(before + after):
            users.setdefault(fifo, []).append(k)
    for fifo, ks in users.items():
        if len(ks) > 1:
            _hold_together(fifo, [splits[k] for k in ks], device_body)
    # the ops around each loop again: _hold_together replaced some
    splits = [(_around(loop)[0], loop, _around(loop)[1]) for _, loop, _ in splits]
    for ops in quiet:
        for op in ops:
            op.detach()
            target.add_op(op)
    for before, _, _ in splits:
        for op in before:
            op.detach()
            target.add_op(op)
    first = splits[0][1]
    body = Block(arg_types=[IndexType()])
    fused = scf.ForOp(first.lb, first.ub, first.step, [], Region(body))
    for _, loop, _ in splits:
        src = loop.body.block
        src.args[0].replace_all_uses_with(body.args[0])
        for op in list(src.ops):
            op.detach()
            if isinstance(op, scf.YieldOp):
                op.erase()
                continue
            body.add_op(op)
    body.add_op(scf.YieldOp())
    target.add_op(fused)
    for _, loop, after in splits:
        loop.detach()
        loop.erase()
        for op in after:
            op.detach()
            target.add_op(op)


def _around(loop: scf.ForOp) -> tuple[list[Operation], list[Operation]]:
    """The ops of the loop's block before it and after it."""
    block = loop.parent_block()
    assert block is not None
    ops = list(block.ops)
    k = ops.index(loop)
    return ops[:k], ops[k + 1 :]


def _hold_together(fifo: str, members: list[Split], device_body: Block) -> None:
    """Members (in order) each acquire one object of `fifo` before their loop
    and release it after; fused, the first acquires all m objects at once
    (member k reads object k: the k-th object of the sequence, as when they
    ran in turn), the last releases all m, and the fifo holds at least m."""
    acquires: list[tuple[aie.ObjectFifoAcquireOp, aie.ObjectFifoSubviewAccessOp]] = []
    releases: list[aie.ObjectFifoReleaseOp] = []
    for before, loop, after in members:
        acq = [
            o
            for top in before
            for o in top.walk()
            if isinstance(o, aie.ObjectFifoAcquireOp) and o.objFifo_name.root_reference.data == fifo
        ]
        rel = [
            o
            for top in after
            for o in top.walk()
            if isinstance(o, aie.ObjectFifoReleaseOp) and o.objFifo_name.root_reference.data == fifo
        ]
        if len(acq) != 1 or len(rel) != 1:
            raise NotFusable(f"members take objects of fifo {fifo} otherwise than one each")
        a, r = acq[0], rel[0]
        views = [u.operation for u in a.results[0].uses]
        if (
            a.size.value.data != 1
            or r.size.value.data != 1
            or a.yields_memrefs
            or len(views) != 1
            or not isinstance(views[0], aie.ObjectFifoSubviewAccessOp)
            or views[0].index.value.data != 0
            or a.parent_block() is not loop.parent_block()
            or r.parent_block() is not loop.parent_block()
        ):
            raise NotFusable(f"members take objects of fifo {fifo} otherwise than one each")
        acquires.append((a, views[0]))
        releases.append(r)
    m = len(members)
    create = next(
        (
            o
            for o in device_body.ops
            if isinstance(o, aie.ObjectFifoCreateOp) and o.sym_name.data == fifo
        ),
        None,
    )
    if create is None or not isinstance(create.elemNumber, IntegerAttr):
        raise NotFusable(f"fifo {fifo} has no single depth to deepen")
    if create.elemNumber.value.data < m:
        create.elemNumber = IntegerAttr(m, create.elemNumber.type)
    first, _ = acquires[0]
    view_t = first.results[0].type
    assert isinstance(view_t, aie.ObjectFifoSubviewType)
    held = aie.ObjectFifoAcquireOp(fifo, OBJECTFIFO_PORT.name(first.port), m, view_t.element_type)
    first.parent_block().insert_op_before(held, first)  # type: ignore[union-attr]
    for k, (a, view) in enumerate(acquires):
        new = aie.ObjectFifoSubviewAccessOp(held.results[0], k)
        view.parent_block().insert_op_before(new, view)  # type: ignore[union-attr]
        view.results[0].replace_all_uses_with(new.results[0])
        view.detach()
        view.erase()
        a.detach()
        a.erase()
    for r in releases[:-1]:
        r.detach()
        r.erase()
    releases[-1].size = IntegerAttr(m, releases[-1].size.type)
