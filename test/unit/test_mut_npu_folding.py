"""npu_folding.bundle_lanes, from the mutation run: lanes of two kinds with
the same shape (two stages joined by one stream) but different bodies are two
classes, each bundled with its own kind only (a bundle runs one body). Results
on the virtual NPU against numpy."""

# ruff: noqa: F821 (streams are declared by annotations)

import re

import numpy as np

import dato_xdsl as dato
from dato_xdsl import Layout, Stream, int32

S, R = Layout.Shard, Layout.Replicate


def two_kinds_of_two_stage_lanes(P: int, L: int):
    """P lanes A -> B (x * 2 + 1) beside P lanes C -> D (x - 3, then * 5)."""

    @dato.region()
    def top(A: int32[P, L], B: int32[P, L], C: int32[P, L], D: int32[P, L]):
        s: Stream[int32, 2][P]
        t: Stream[int32, 2][P]

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

        @dato.kernel(mapping=[P], args=[D])
        def c2(d: int32[P, L] @ [S(0), R]):
            k = dato.get_pid()
            for i in range(L):
                d[0, i] = t[k].get() * 5

    return top


def test_lanes_of_one_shape_and_two_bodies_are_bundled_apart(tmp_path):
    P, L = 20, 8  # 40 lanes for npu1's 16 cores: 3 per core, 7 cores per kind
    mod = dato.build(two_kinds_of_two_stage_lanes(P, L), target="aie", project=tmp_path)
    text = (tmp_path / "aie.mlir").read_text()
    cores = [
        re.findall(r'"(\w+?)_\d+"', names)
        for names in re.findall(r"dato\.tasks = \[([^\]]*)\]", text)
    ]
    kinds = [{t[0] for t in tasks} for tasks in cores]
    assert all(len(k) == 1 for k in kinds), cores  # a core runs lanes of one kind
    assert sorted(len(t) // 2 for t in cores) == sorted([3] * 6 + [2] + [3] * 6 + [2])
    rng = np.random.default_rng(30)
    A, C = (rng.integers(-999, 999, (P, L)).astype(np.int32) for _ in range(2))
    B, D = np.zeros((P, L), np.int32), np.zeros((P, L), np.int32)
    mod(A, B, C, D)
    np.testing.assert_array_equal(B, A * 2 + 1)
    np.testing.assert_array_equal(D, (C - 3) * 5)


def test_a_cores_channels_count_each_crossing_stream_once():
    from dato_xdsl.transforms.npu_chain_search import _channels

    # a and b on one core: s1 comes in (x -> a), s2 stays inside (a -> b,
    # listed for both), s3 goes out (b -> y), s4 goes out twice listed;
    # a reads one array, b writes one
    incident = {
        "a": [("s1", "x", "a"), ("s2", "a", "b"), ("s4", "a", "z")],
        "b": [("s2", "a", "b"), ("s3", "b", "y"), ("s4", "a", "z")],
    }
    arrays = {"a": (1, 0), "b": (0, 1), "x": (5, 5)}
    assert _channels(["a", "b"], incident, arrays) == (1 + 1, 1 + 2)
    # a alone: s2 now crosses too
    assert _channels(["a"], incident, arrays) == (1 + 1, 0 + 2)
