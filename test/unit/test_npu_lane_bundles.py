"""Lanes of a pipeline beyond npu1's 16 cores (issue 12): P lanes of load ->
compute -> store, streams between the stages of one lane and none between
lanes. Chaining each lane's stages still leaves P elements; the compiler then
bundles the isomorphic lane chains k per core (the fewest that fit, balanced,
neighbouring lanes together), as a user's bundle of chains would. Results
equal numpy on the virtual NPU (integers exactly); the cores' tasks read back
from the design."""

# ruff: noqa: F821 (streams are declared by annotations)

import re

import numpy as np
import pytest
from xdsl.context import Context

import dato_xdsl as dato
from dato_xdsl import Layout, Stream, int8, int16, int32
from dato_xdsl.dialects import dato as ir
from dato_xdsl.targets.simulator import simulate
from dato_xdsl.transforms.mapping_primitives import check
from dato_xdsl.transforms.npu_folding import COMPILER_CHOSEN
from dato_xdsl.transforms.physical_mapping import PhysicalMapPass
from dato_xdsl.transforms.virtual_mapping import VirtualMapPass
from test.unit.test_npu_fanin_large import two_stage_lanes
from test.unit.test_npu_fanin_mixed import check_channels

S = Layout.Shard
R = Layout.Replicate
RNG = np.random.default_rng(1207)


def three_stage_lanes(T, U, N: int, lanes: int):
    """Each lane loads its N / lanes elements of A (type T), the middle stage
    computes 3x + 1 in U, the last stores it to B (U)."""
    L = N // lanes

    @dato.region()
    def top(A: T[N], B: U[N]):
        s1: Stream[T, 2][lanes]
        s2: Stream[U, 2][lanes]

        @dato.kernel(mapping=[lanes], args=[A])
        def load(a: T[N] @ [S(0)]):
            k = dato.get_pid()
            for i in range(L):
                s1[k].put(a[i])

        @dato.kernel(mapping=[lanes])
        def mid():
            k = dato.get_pid()
            for _i in range(L):
                x: U = s1[k].get()
                s2[k].put(x * 3 + 1)

        @dato.kernel(mapping=[lanes], args=[B])
        def store(b: U[N] @ [S(0)]):
            k = dato.get_pid()
            for i in range(L):
                b[i] = s2[k].get()

    return top


def two_kinds_of_lanes(P: int, L: int):
    """P two-stage lanes (A -> B) beside P three-stage lanes (C -> D)."""

    @dato.region()
    def top(A: int32[P, L], B: int32[P, L], C: int32[P, L], D: int32[P, L]):
        s: Stream[int32, 2][P]
        t: Stream[int32, 2][P]
        u: Stream[int32, 2][P]

        @dato.kernel(mapping=[P], args=[A])
        def a1(a: int32[P, L] @ [S(0), R]):
            k = dato.get_pid()
            for i in range(L):
                s[k].put(a[0, i] * 2)

        @dato.kernel(mapping=[P], args=[B])
        def a2(b: int32[P, L] @ [S(0), R]):
            k = dato.get_pid()
            for i in range(L):
                b[0, i] = s[k].get() + 1

        @dato.kernel(mapping=[P], args=[C])
        def c1(c: int32[P, L] @ [S(0), R]):
            k = dato.get_pid()
            for i in range(L):
                t[k].put(c[0, i] - 3)

        @dato.kernel(mapping=[P])
        def c2():
            k = dato.get_pid()
            for _i in range(L):
                u[k].put(t[k].get() * 5)

        @dato.kernel(mapping=[P], args=[D])
        def c3(d: int32[P, L] @ [S(0), R]):
            k = dato.get_pid()
            for i in range(L):
                d[0, i] = u[k].get()

    return top


def loaded_ring(P: int, L: int):
    """P ring nodes, each fed by a loader: node k passes what it gets from its
    loader to node k + 1 and stores what node k - 1 passed it, L times. The
    ring is a cycle of streams through every node: no two nodes can run in
    turn on one core, so it cannot be folded onto fewer cores than nodes."""

    @dato.region()
    def top(A: int32[P, L], B: int32[P, L]):
        feed: Stream[int32, 2][P]
        ring: Stream[int32, 2][P]

        @dato.kernel(mapping=[P], args=[A])
        def ld(a: int32[P, L] @ [S(0), R]):
            k = dato.get_pid()
            for i in range(L):
                feed[k].put(a[0, i])

        @dato.kernel(mapping=[P], args=[B])
        def node(b: int32[P, L] @ [S(0), R]):
            k = dato.get_pid()
            for i in range(L):
                ring[(k + 1) % P].put(feed[k].get())
                b[0, i] = ring[k].get()

    return top


def core_lanes(path, stages: list[str]) -> list[list[int]]:
    """Per core, the lanes it runs in its order; checks each lane's stages run
    together in stream order and the folding is labelled the compiler's."""
    text = (path / "aie.mlir").read_text()
    out = []
    for names, attrs in re.findall(r"\} \{dato.tasks = \[([^\]]*)\]([^\n]*)\}", text):
        tasks = [n.strip().strip('"') for n in names.split(",")]
        lanes = [int(t.rsplit("_", 1)[1]) for t in tasks]
        n = len(stages)
        assert tasks == [f"{s}_{lane}" for lane in lanes[::n] for s in stages], tasks
        if len(tasks) > n:
            assert "bundle (compiler-chosen)" in attrs
        out.append(lanes[::n])
    return out


def check_bundles(lanes: list[list[int]], P: int, per_core: int, cores: int = 16) -> None:
    """Every lane on one core; each core runs neighbouring lanes, k or k - 1
    of them (balanced), k the fewest that fit the cores."""
    assert sorted(x for c in lanes for x in c) == list(range(P))
    for c in lanes:
        assert c == list(range(c[0], c[0] + len(c)))
    assert {len(c) for c in lanes} <= {per_core, per_core - 1}
    assert max(len(c) for c in lanes) == per_core == -(-P // cores)


@pytest.mark.parametrize(
    ("P", "L", "device", "cores"),
    [(32, 16, "npu1", 16), (40, 8, "npu1", 16), (64, 8, "npu1", 16), (128, 8, "npu2", 32)],
)
def test_two_stage_lanes_are_bundled(tmp_path, P, L, device, cores):
    """npu1: 32 lanes two per core; 40 three on 12 cores and two on 2
    (ceil(40 / 3) = 14 cores, as even as possible); 64 four per core. npu2
    (32 cores): 128 lanes four per core."""
    mod = dato.build(two_stage_lanes(P, L), target="aie", project=tmp_path, device=device)
    A = RNG.integers(-99, 99, (P, L)).astype(np.int32)
    B = np.zeros((P, L), np.int32)
    mod(A, B)
    np.testing.assert_array_equal(B, 2 * A + 1)
    per_core = -(-P // cores)
    assert check_channels(tmp_path) == -(-P // per_core)
    check_bundles(core_lanes(tmp_path, ["st1", "st2"]), P, per_core, cores)


@pytest.mark.parametrize(
    ("T", "U", "lanes", "low", "high"),
    [(int8, int16, 32, -128, 128), (int16, int16, 64, -10000, 10000), (int8, int16, 16, -128, 128)],
)
def test_three_stage_lanes(tmp_path, T, U, lanes, low, high):
    """Scalar int8 / int16 streams, 4,096 elements: 32 lanes (96 instances)
    two per core, 64 (192) four per core; 16 lanes (48 instances) one lane
    chained per core, no bundle."""
    N = 4096
    mod = dato.build(three_stage_lanes(T, U, N, lanes), target="aie", project=tmp_path)
    A = RNG.integers(low, high, N).astype(T.numpy)
    B = np.zeros(N, U.numpy)
    mod(A, B)
    np.testing.assert_array_equal(B, A.astype(np.int64) * 3 + 1)
    assert check_channels(tmp_path) == 16
    check_bundles(core_lanes(tmp_path, ["load", "mid", "store"]), lanes, lanes // 16)


def test_two_kinds_of_lanes_are_bundled_apart(tmp_path):
    """20 lanes of each kind (100 instances): lanes of one kind only share a
    core; three per core fits (ceil(20 / 3) = 7 cores per kind, 14 in all)."""
    P, L = 20, 8
    mod = dato.build(two_kinds_of_lanes(P, L), target="aie", project=tmp_path)
    A, C = (RNG.integers(-99, 99, (P, L)).astype(np.int32) for _ in range(2))
    B, D = np.zeros_like(A), np.zeros_like(C)
    mod(A, B, C, D)
    np.testing.assert_array_equal(B, 2 * A + 1)
    np.testing.assert_array_equal(D, (C - 3) * 5)
    assert check_channels(tmp_path) == 14
    text = (tmp_path / "aie.mlir").read_text()
    cores = [
        re.findall(r'"([a-z])\d_(\d+)"', t) for t in re.findall(r"dato.tasks = \[([^\]]*)\]", text)
    ]
    kinds = {"a": [], "c": []}
    for members in cores:
        assert len({kind for kind, _ in members}) == 1  # one kind per core
        kinds[members[0][0]].append(list(dict.fromkeys(int(k) for _, k in members)))
    check_bundles(kinds["a"], P, 3, 7)
    check_bundles(kinds["c"], P, 3, 7)


def test_compiler_bundles_pass_the_users_rules_and_keep_the_results():
    """The chains and bundles the compiler records are legal as a user's
    (dato-mapping-primitives' check: isomorphic chains, no stream between
    members of different chains) and the simulator, run on the mapped IR,
    still gives numpy's answer."""
    N, lanes = 4096, 32
    module = dato.build(three_stage_lanes(int8, int16, N, lanes)).module.clone()
    VirtualMapPass().apply(Context(), module)
    PhysicalMapPass(device="npu1").apply(Context(), module)
    region = next(o for o in module.walk() if isinstance(o, ir.RegionOp))
    check(region)
    prims = [o for o in region.body.block.ops if isinstance(o, ir.BundleOp | ir.ChainOp)]
    assert all(COMPILER_CHOSEN in o.attributes for o in prims)
    bundles = [o.names for o in prims if isinstance(o, ir.BundleOp)]
    assert bundles == [
        tuple(f"{s}_{k}" for k in (2 * b, 2 * b + 1) for s in ("load", "mid", "store"))
        for b in range(16)
    ]
    A = RNG.integers(-128, 128, N).astype(np.int8)
    B = np.zeros(N, np.int16)
    simulate(module, [A, B])
    np.testing.assert_array_equal(B, A.astype(np.int16) * 3 + 1)


def test_loaded_ring_runs_on_the_simulator():
    """The program the NPU refuses (test_npu_build) is a valid one."""
    P, L = 20, 4
    mod = dato.build(loaded_ring(P, L), target="simulator")
    A = RNG.integers(-99, 99, (P, L)).astype(np.int32)
    B = np.zeros((P, L), np.int32)
    mod(A, B)
    np.testing.assert_array_equal(B, np.roll(A, 1, axis=0))
