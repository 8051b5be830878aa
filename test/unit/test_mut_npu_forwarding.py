"""npu_forwarding's peers, from what the mutation run found unchecked: a task
whose name holds underscores (an instance's pid is the part after its last
two), and the one-instance groups the shares split off, named after their
group and instance. Results on the virtual NPU against numpy."""

import re

import numpy as np
from xdsl.context import Context

import dato_xdsl as dato
from dato_xdsl import Layout, int32
from dato_xdsl.dialects import dato as ir
from dato_xdsl.transforms.physical_mapping import PhysicalMapPass

S, R = Layout.Shard, Layout.Replicate


def three_arrays_per_lane():
    """16 instances on npu1's 16 cores, each reading three whole arrays
    (one over its two input channels): neighbours pass one to each other."""

    @dato.region()
    def top(X: int32[8], Y: int32[8], Z: int32[8], C: int32[16, 16]):
        @dato.kernel(mapping=[4, 4], args=[X, Y, Z, C])
        def my_lane(x: int32[8], y: int32[8], z: int32[8], c: int32[16, 16] @ [S(0), S(1)]):
            for r in range(4):
                for q in range(4):
                    c[r, q] = x[r] * y[q] + z[r + q]

    return top


def test_peers_of_a_task_named_with_underscores_are_pid_neighbours(tmp_path):
    mod = dato.build(three_arrays_per_lane(), target="aie", project=tmp_path)
    text = (tmp_path / "aie.mlir").read_text()
    pairs = re.findall(r"aie\.objectfifo @my_lane_(\d)_(\d)_[XYZ]_to_my_lane_(\d)_(\d)\(", text)
    assert len(pairs) == 16  # one array from a peer for each instance
    assert sorted((int(c), int(d)) for _, _, c, d in pairs) == [
        (i, j) for i in range(4) for j in range(4)
    ]
    for a, b, c, d in pairs:
        assert abs(int(a) - int(c)) + abs(int(b) - int(d)) == 1, (a, b, c, d)
    X = np.arange(8, dtype=np.int32) * 3 - 7
    Y = np.arange(8, dtype=np.int32) * -5 + 11
    Z = np.arange(8, dtype=np.int32) ** 2 - 20
    C = np.zeros((16, 16), np.int32)
    mod(X, Y, Z, C)
    want = np.zeros((16, 16), np.int64)
    for i in range(4):
        for j in range(4):
            for r in range(4):
                for q in range(4):
                    want[4 * i + r, 4 * j + q] = X[r] * Y[q] + Z[r + q]
    np.testing.assert_array_equal(C, want)


def test_instances_sharing_blocks_get_groups_named_after_them():
    module = dato.build(three_arrays_per_lane(), target="simulator").mapped.clone()
    PhysicalMapPass(device="npu1").apply(Context(), module)
    groups = {
        g.sym_name.data: [i.name for i in g.instances()]
        for g in module.walk()
        if isinstance(g, ir.GroupOp)
    }
    assert groups == {
        f"my_lane_my_lane_{i}_{j}": [f"my_lane_{i}_{j}"] for i in range(4) for j in range(4)
    }


def four_arrays_per_lane(P: int, L: int):
    """P lanes each reading four arrays (two over a tile's input channels):
    with more than a few lanes there are not cores enough for a loader per
    array, so each lane's loader takes two."""
    N = P * L

    @dato.region()
    def top(A: int32[N], B: int32[N], C: int32[N], D: int32[N], E: int32[N]):
        @dato.kernel(mapping=[P], args=[A, B, C, D, E])
        def lane(
            a: int32[N] @ [S(0)],
            b: int32[N] @ [S(0)],
            c: int32[N] @ [S(0)],
            d: int32[N] @ [S(0)],
            e: int32[N] @ [S(0)],
        ):
            for i in range(L):
                e[i] = a[i] * b[i] - c[i] + d[i] * 3

    return top


def test_a_loader_of_two_arrays_is_named_after_both(tmp_path):
    # 6 lanes: a loader per array would need 6 + 12 = 18 of npu1's 16 cores
    P, L = 6, 8
    mod = dato.build(four_arrays_per_lane(P, L), target="aie", project=tmp_path)
    text = (tmp_path / "aie.mlir").read_text()
    tasks = sorted(
        t
        for group in re.findall(r"dato\.tasks = \[([^\]]*)\]", text)
        for t in re.findall(r'"(\w+)"', group)
    )
    assert tasks == sorted(
        [f"lane_{p}" for p in range(P)] + [f"lane_{p}_load_A_B_0" for p in range(P)]
    )
    rng = np.random.default_rng(12)
    a, b, c, d = (rng.integers(-(2**15), 2**15, P * L).astype(np.int32) for _ in range(4))
    e = np.zeros(P * L, np.int32)
    mod(a, b, c, d, e)
    want = a.astype(np.int64) * b - c + d.astype(np.int64) * 3
    np.testing.assert_array_equal(e, want.astype(np.int32))
