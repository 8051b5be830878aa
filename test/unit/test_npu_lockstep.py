"""Processing elements folded onto one core in lockstep (npu_chain_search's
_Lockstep, npu_lockstep.fuse_members): a 1-D systolic chain of more PEs than
cores runs each core's PEs as one fused loop, the streams between them rings
of a few elements instead of every element; the virtual NPU equals numpy.
Also the replay of cores running their members one after the other, which
leaves out the local buffers' tokens (they never block) so that a long chain
fast-forwards instead of running past the round limit."""

from __future__ import annotations

import numpy as np
import pytest
from xdsl.dialects import scf

import dato_xdsl as dato
from dato_xdsl import int16, int32
from dato_xdsl.dialects import aie
from dato_xdsl.dialects import dato as dato_ir
from dato_xdsl.transforms.core_tasks import task_names
from dato_xdsl.transforms.npu_chain_search import ChainPlan, SearchFailure, free_depths
from dato_xdsl.transforms.stream_access import stream_uses
from test.unit.programs import dato_programs as dp


def _region(T: object, M: int, N: int, K: int) -> dato_ir.RegionOp:
    mod = dato.build(dp.systolic_1d(T, M, N, K))
    return next(o for o in mod.mapped.walk() if isinstance(o, dato_ir.RegionOp))


def _cores(n: int, per: int) -> list[list[str]]:
    """pe_0 .. pe_{n-1} cut into runs of `per` neighbours."""
    return [[f"pe_{j}" for j in range(s, min(n, s + per))] for s in range(0, n, per)]


def test_long_chain_replays_one_after_the_other() -> None:
    # 65 PEs, 16384 elements per stream: the replay with every core running
    # its 5 PEs one after the other finishes (it ran past 65536 rounds when
    # the local buffers' fills, growing by one per element, were in its state)
    region = _region(int16, 128, 64, 128)
    groups = _cores(65, 5)
    plan = ChainPlan(groups)
    assert free_depths(region, stream_uses(region), groups, plan) is None
    assert plan.depths == {}  # the declared depth 2 suffices between cores


def test_lockstep_rings_hold_one_iteration() -> None:
    # in lockstep PE j's iteration i puts its K elements before PE j + 1's
    # iteration i takes them: a ring of K (here 128), not M * K = 16384
    region = _region(int16, 128, 64, 128)
    groups = _cores(65, 5)
    plan = ChainPlan(groups)
    lockstep = frozenset(range(len(groups)))
    assert free_depths(region, stream_uses(region), groups, plan, lockstep) is None
    inside = {f"chain_{j}" for g in groups for j in range(int(g[0][3:]) + 1, int(g[-1][3:]) + 1)}
    assert inside and {plan.depths[s] for s in inside} == {128}


def test_lockstep_order_that_deadlocks_is_rejected() -> None:
    # a consumer before its producer in the fused loop waits on an empty ring
    # its producer only fills after it: the replay rejects that order
    region = _region(int32, 8, 20, 8)
    groups = [["pe_2", "pe_1"]]
    plan = ChainPlan(groups)
    why = free_depths(region, stream_uses(region), groups, plan, frozenset({0}))
    assert isinstance(why, SearchFailure) and "deadlock" in why.reason


def _run(T: object, nt: type, M: int, N: int, K: int) -> None:
    top = dp.systolic_1d(T, M, N, K)
    rng = np.random.default_rng(M + N + K)
    A = rng.integers(-100, 100, (M, K)).astype(nt)
    B = rng.integers(-100, 100, (K, N)).astype(nt)
    want = (A.astype(np.int64) @ B.astype(np.int64)).astype(nt)  # wraps as the NPU does
    sim = np.zeros((M, N), nt)
    dato.build(top)(A, B, sim)
    np.testing.assert_array_equal(sim, want)
    mod = dato.build(top, target="aie")
    folded = [c for c in mod.ir.walk() if isinstance(c, aie.CoreOp) and len(task_names(c)) > 1]
    assert folded
    for core in folded:
        # in lockstep: one loop (the members' loops fused) moves the chain's
        # elements (other loops copy the blocks of C out)
        loops = [
            op
            for op in core.body.block.ops
            if isinstance(op, scf.ForOp)
            and any(
                isinstance(o, aie.ObjectFifoAcquireOp)
                and o.objFifo_name.root_reference.data.startswith("chain_")
                for o in op.walk()
            )
        ]
        assert len(loops) == 1, task_names(core)
    npu = np.zeros((M, N), nt)
    mod(A, B, npu)
    np.testing.assert_array_equal(npu, want)


@pytest.mark.parametrize(
    "T, nt, M, N, K",
    [
        # refused before: chained one after the other, pe_0-pe_1's tile held
        # a 37 KiB local buffer of every element of chain_1 (84 KiB in all)
        (int16, np.int16, 128, 20, 128),
        (int32, np.int32, 64, 24, 64),
    ],
)
def test_systolic_chain_in_lockstep_equals_numpy(
    T: object, nt: type, M: int, N: int, K: int
) -> None:
    _run(T, nt, M, N, K)
