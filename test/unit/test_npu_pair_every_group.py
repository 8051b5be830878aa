"""npu_folding.pair_isomorphic when the largest group alone cannot free
enough cores: every group's instances are chained two by two (a layer's
instances together), not a lane's layers. A 3-layer MLP, batch sharded in 8
lanes (24 instances) on npu1's 16 cores: chaining each lane's l1-l2-l3 puts
three 96 x 96 int32 weights (36 KiB each) on one core; pairing the instances
of l1 and of l2 keeps one weight per core. Equal to numpy on the virtual NPU."""

# ruff: noqa: F821 (streams are declared by annotations)

from __future__ import annotations

import numpy as np

import dato_xdsl as dato
from dato_xdsl import Layout, Stream, int32
from dato_xdsl.dialects import dato as dato_ir
from dato_xdsl.transforms.npu_chain_search import ChainPlan
from dato_xdsl.transforms.npu_folding import pair_isomorphic
from dato_xdsl.transforms.stream_access import stream_uses

S = Layout.Shard
R = Layout.Replicate


def _mlp3(Bt: int, D: int, P: int) -> object:
    BB = Bt // P

    @dato.region()
    def top(X: int32[Bt, D], W1: int32[D, D], W2: int32[D, D], W3: int32[D, D], Y: int32[Bt, D]):
        h1: Stream[int32[BB, D], 2][P]
        h2: Stream[int32[BB, D], 2][P]

        @dato.kernel(mapping=[P], args=[X, W1])
        def l1(x: int32[Bt, D] @ [S(0), R], w: int32[D, D]):
            p = dato.get_pid()
            h1[p].put(dato.maximum(dato.matmul(x, w) >> 4, 0))

        @dato.kernel(mapping=[P], args=[W2])
        def l2(w: int32[D, D]):
            p = dato.get_pid()
            h2[p].put(dato.maximum(dato.matmul(h1[p].get(), w) >> 4, 0))

        @dato.kernel(mapping=[P], args=[W3, Y])
        def l3(w: int32[D, D], y: int32[Bt, D] @ [S(0), R]):
            p = dato.get_pid()
            y[:, :] = dato.matmul(h2[p].get(), w)

    return top


def test_each_layer_pairs_its_instances_when_one_group_is_not_enough() -> None:
    mod = dato.build(_mlp3(16, 8, 4))
    region = next(o for o in mod.mapped.walk() if isinstance(o, dato_ir.RegionOp))
    uses = stream_uses(region)
    # groups of equal size go by name, last first (largest_group's order)
    # 12 instances on 8 cores: l3 in pairs frees 2, l2 in pairs 2 more
    plan = pair_isomorphic(region, uses, 8)
    assert isinstance(plan, ChainPlan)
    assert plan.groups == [["l3_0", "l3_1"], ["l3_2", "l3_3"], ["l2_0", "l2_1"], ["l2_2", "l2_3"]]
    # 12 on 3 cores: pairs of every layer leave 6, so each layer four by four
    plan = pair_isomorphic(region, uses, 3)
    assert isinstance(plan, ChainPlan)
    assert plan.groups == [[f"l{k}_{i}" for i in range(4)] for k in (3, 2, 1)]
    # the largest group alone is enough: only it is folded (as before)
    plan = pair_isomorphic(region, uses, 10)
    assert isinstance(plan, ChainPlan)
    assert plan.groups == [["l3_0", "l3_1"], ["l3_2", "l3_3"]]
    # 12 on 2 cores: no size fits (three groups of one core each at best)
    assert not isinstance(pair_isomorphic(region, uses, 2), ChainPlan)


def test_mlp_lanes_over_the_cores_equal_numpy_on_npu1(tmp_path) -> None:
    Bt, D, P = 32, 96, 8
    rng = np.random.default_rng(7)
    x, w1, w2, w3 = (rng.integers(-16, 16, s, dtype=np.int32) for s in [(Bt, D)] + [(D, D)] * 3)
    y = np.zeros((Bt, D), np.int32)
    mod = dato.build(_mlp3(Bt, D, P), target="aie", device="npu1", project=str(tmp_path))
    mod(x, w1, w2, w3, y)
    h = np.maximum((x.astype(np.int64) @ w1) >> 4, 0)
    h = np.maximum((h @ w2) >> 4, 0)
    np.testing.assert_array_equal(y, (h @ w3).astype(np.int32))
