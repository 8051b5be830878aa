"""npu_chain_search.describe_chains: the note a mapping's refusal carries
about the greedy chains says how they were searched and the numbers of the
attempt (the chains' inner stream bytes, the cores run in lockstep), not
that no other folding is searched (search_chains also tries lockstep)."""

# ruff: noqa: F821 (streams are declared by annotations)

from __future__ import annotations

import dato_xdsl as dato
from dato_xdsl import Layout, Stream, int32
from dato_xdsl.dialects import dato as dato_ir
from dato_xdsl.transforms.npu_chain_search import ChainPlan, describe_chains, search_chains
from dato_xdsl.transforms.stream_access import stream_uses
from test.unit.programs import npu_fanout_programs

S = Layout.Shard
R = Layout.Replicate


def _region(top: object) -> dato_ir.RegionOp:
    mod = dato.build(top)
    return next(o for o in mod.mapped.walk() if isinstance(o, dato_ir.RegionOp))


def test_chains_in_turn_name_the_bytes_their_streams_hold() -> None:
    # split-K GEMM, 3 lanes part_0_j_0 -> part_0_j_1 -> drain_0_j over streams
    # of one 8 x 4 int32 object (128 bytes, 2 K steps: one object each)
    region = _region(npu_fanout_programs.split_k_gemm_3d(int32, 8, 12, 8, 1, 3, 2))
    plan = search_chains(region, stream_uses(region), 5, 9, {}, 2)
    assert isinstance(plan, ChainPlan)
    text = describe_chains(plan)
    assert "no other folding" not in text
    assert "fewest DMA channels" in text
    # one lane of three (2 inner streams) and two pairs: 4 objects of 128 bytes
    assert "inner streams hold 512 bytes" in text
    assert "every chain runs its members in turn" in text


def _summa(P: int, MB: int) -> object:
    M = K = N = P * MB

    @dato.region()
    def top(A: int32[M, K], B: int32[K, N], C: int32[M, N]):
        sa: Stream[int32[MB, MB], 2][P, P]
        sb: Stream[int32[MB, MB], 2][P, P]

        @dato.kernel(mapping=[P], args=[A])
        def loada(a: int32[M, K] @ [S(0), R]):
            i = dato.get_pid()
            for s in range(P):
                blk: int32[MB, MB] = 0
                blk[:, :] = a[:, s * MB : (s + 1) * MB]
                with dato.meta_for(0, P) as j:
                    sa[i, j].put(blk)

        @dato.kernel(mapping=[P], args=[B])
        def loadb(b: int32[K, N] @ [R, S(0)]):
            j = dato.get_pid()
            for s in range(P):
                blk: int32[MB, MB] = 0
                blk[:, :] = b[s * MB : (s + 1) * MB, :]
                with dato.meta_for(0, P) as i:
                    sb[i, j].put(blk)

        @dato.kernel(mapping=[P, P], args=[C])
        def node(c: int32[M, N] @ [S(0), S(1)]):
            i, j = dato.get_pid()
            acc: int32[MB, MB] = 0
            for _s in range(P):
                acc[:, :] = dato.add(acc, dato.matmul(sa[i, j].get(), sb[i, j].get()))
            c[:, :] = acc

    return top


def test_chains_in_lockstep_are_named_with_their_rings_bytes() -> None:
    # SUMMA on an 8 x 8 grid of 2 x 2 int32 blocks (16 bytes) plus 16
    # loaders, 80 elements onto 8 cores: the chains run in lockstep, each
    # inner stream a ring of its declared 2 objects (32 bytes) instead of all
    # 8 it carries; fused, a chain's nodes also hold their locals side by
    # side (5 blocks each), which the 6 objects a ring saves per stream
    # outweigh. (On a 4 x 4 grid the rings save 2 objects a stream and in
    # turn wins: see test_summa_4x4_runs_in_turn.)
    region = _region(_summa(8, 2))
    plan = search_chains(region, stream_uses(region), 8, 80, {}, 2)
    assert isinstance(plan, ChainPlan)
    assert len(plan.lockstep) == len(plan.groups) == 8
    text = describe_chains(plan)
    assert "no other folding" not in text
    assert "in lockstep " + "-".join(plan.groups[0]) in text
    inner = 0
    for g in plan.groups:
        rows = {int(n.split("_")[1]) for n in g if n.startswith("loada_")}
        cols = {int(n.split("_")[1]) for n in g if n.startswith("loadb_")}
        nodes = {tuple(int(x) for x in n.split("_")[1:]) for n in g if n.startswith("node_")}
        # sa[i, j] joins loada_i and node_i_j, sb[i, j] joins loadb_j and node_i_j
        inner += sum((i in rows) + (j in cols) for i, j in nodes)
    assert f"inner streams hold {inner * 2 * 16} bytes" in text


def test_summa_4x4_runs_in_turn() -> None:
    # 4 x 4 grid of 4 x 4 int32 blocks (64 bytes) plus 8 loaders onto 4
    # cores: a ring would hold 2 of the 4 objects its stream carries (128
    # bytes saved), but fused the chain's later nodes hold their acc, two
    # blocks got, product and sum beside the others' (5 x 64 bytes each), as
    # the lowering allocates them: no chain gains by lockstep
    region = _region(_summa(4, 4))
    plan = search_chains(region, stream_uses(region), 4, 24, {}, 2)
    assert isinstance(plan, ChainPlan)
    assert not plan.lockstep
    assert "every chain runs its members in turn" in describe_chains(plan)
