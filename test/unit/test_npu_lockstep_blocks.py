"""A systolic grid larger than the cores, cut into rectangles
(npu_chain_search.search_blocks), runs each rectangle in lockstep: the idle
corner (no stream operation) joins its rectangle's fused loop with an empty
body, and the streams between a rectangle's members are rings of their
declared depth, even after an earlier sequential attempt deepened them to
hold every element. The virtual NPU equals numpy."""

from __future__ import annotations

import numpy as np

import dato_xdsl as dato
from dato_xdsl import int32
from dato_xdsl.dialects import dato as dato_ir
from dato_xdsl.transforms.deadlock_analysis import Design
from dato_xdsl.transforms.npu_chain_search import BlockPlan, lockstep_loop, search_blocks
from dato_xdsl.transforms.npu_shallow_fifos import set_depth
from dato_xdsl.transforms.stream_access import stream_uses
from test.unit.programs import dato_programs as dp

RNG = np.random.default_rng(1201)


def _region(M: int, N: int, K: int) -> dato_ir.RegionOp:
    mod = dato.build(dp.systolic_2d(int32, M, N, K))
    return next(o for o in mod.mapped.walk() if isinstance(o, dato_ir.RegionOp))


def test_idle_corner_gets_an_empty_body() -> None:
    region = _region(2, 2, 8)
    makers = dict(Design(region).programs)
    found = lockstep_loop([makers[n]() for n in ("gemm_0_0", "gemm_0_1", "gemm_1_1")])
    assert not isinstance(found, str)
    bodies, trips = found
    assert trips == 8  # for k in range(K)
    assert bodies[0] == [] and bodies[1] and bodies[2]
    # members with no stream operation at all cannot run in lockstep alone
    assert isinstance(lockstep_loop([makers["gemm_0_0"](), makers["gemm_3_3"]()]), str)


def test_rectangles_in_lockstep_keep_the_declared_depth() -> None:
    # 8 x 8 PEs with loaders and drains: 100 instances onto npu1's 4 x 4
    # cores. An earlier attempt running members in turn deepened every
    # stream to K = 128 (every element); in lockstep a ring needs one
    # iteration's element, so the declared 4 is kept (16 bytes, not 512)
    region = _region(8, 8, 128)
    uses = stream_uses(region)
    first = search_blocks(region, uses, [2, 3, 4, 5], 4)
    assert isinstance(first, BlockPlan)
    local = {
        n for g in first.groups for n, u in uses.items() if u.producer in g and u.consumer in g
    }
    for decl in region.streams():
        if decl.sym_name.data in local:
            set_depth(decl, 128)
    uses = stream_uses(region)
    plan = search_blocks(region, uses, [2, 3, 4, 5], 4)
    assert isinstance(plan, BlockPlan)
    assert plan.groups == first.groups
    # every rectangle, the loaders' and the idle corners' too: one running
    # its members in turn would force deep streams to its neighbours
    assert plan.lockstep == frozenset(range(16))
    assert all(d == 4 for d in plan.depths.values())
    rings = {
        n
        for k in plan.lockstep
        for n, u in uses.items()
        if u.producer in plan.groups[k] and u.consumer in plan.groups[k]
    }
    assert rings and {plan.depths[n] for n in rings} == {4}


def test_grid_of_6_by_6_in_lockstep_equals_numpy(tmp_path) -> None:
    M = N = 6
    K = 32
    mod = dato.build(dp.systolic_2d(int32, M, N, K), target="aie", device="npu1", project=tmp_path)
    A = RNG.integers(-1000, 1000, (M, K)).astype(np.int32)
    B = RNG.integers(-1000, 1000, (K, N)).astype(np.int32)
    C = np.zeros((M, N), np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, A @ B)
    text = (tmp_path / "aie.mlir").read_text()
    assert text.count("aie.core(") == 16
