"""A stream between two members of one core that do not run in step (the
consumer gets nothing until the producer has put everything) cannot be a
ring of its declared depth: the core runs the producer to its end first, so
the stream becomes a local buffer of every element it carries (a 32-deep
stream declared 2 deep). That runs, chained by the user or by the compiler,
and equals numpy. When the elements are more than a compute tile's data
memory holds (64 KiB less the core's stack, AM020 / devices.NpuDevice.
tile_budget) it is refused, naming the chain's members, the stream, its
depth and the bytes."""

# ruff: noqa: F821 (streams are declared by annotations)

from __future__ import annotations

import re

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Layout, Stream, devices, int32

S, R = Layout.Shard, Layout.Replicate
NPU1 = devices.lookup("npu1")
assert NPU1 is not None
CHAIN = [("chain", ["producer_0", "consumer_0"])]


def late_consumer(N: int, reps: int, P: int = 1):
    """P lanes: producer p puts its row of A plus one, `reps` times over;
    consumer p first sums 0..N-1 (no get), then gets every element and adds
    the sum, accumulating the repetitions into its row of B."""
    T = int32

    @dato.region()
    def top(A: T[P, N], B: T[P, N]):
        pipe: Stream[T, 2][P]

        @dato.kernel(mapping=[P], args=[A])
        def producer(a: T[P, N] @ [S(0), R]):
            p = dato.get_pid()
            for _r in range(reps):
                for i in range(N):
                    pipe[p].put(a[0, i] + 1)

        @dato.kernel(mapping=[P], args=[B])
        def consumer(b: T[P, N] @ [S(0), R]):
            q = dato.get_pid()
            s: T = 0
            for i in range(N):
                s = s + i
            for i in range(N):
                b[0, i] = s
            for _r in range(reps):
                for i in range(N):
                    b[0, i] = b[0, i] + pipe[q].get()

    return top


def reference(A: np.ndarray, reps: int) -> np.ndarray:
    N = A.shape[1]
    return (N * (N - 1) // 2 + reps * (A.astype(np.int64) + 1)).astype(np.int32)


def chains(mod) -> list[list[str]]:
    text = (mod.project / "aie.mlir").read_text()
    found = re.findall(r"dato\.tasks = \[([^\]]*)\], dato\.folding", text)
    return [re.findall(r'"([^"]+)"', f) for f in found]


def run(mod, P: int, N: int, reps: int) -> None:
    A = (np.arange(P * N, dtype=np.int32) * 7919 - 40000).reshape(P, N)
    B = np.zeros((P, N), np.int32)
    mod(A, B)
    np.testing.assert_array_equal(B, reference(A, reps))


def test_user_chain_holds_32_elements(tmp_path) -> None:
    mod = dato.build(late_consumer(32, 1), target="aie", project=tmp_path, mapping_primitives=CHAIN)
    assert chains(mod) == [["producer_0", "consumer_0"]]
    run(mod, 1, 32, 1)


def test_compiler_chains_lanes_with_deep_streams(tmp_path) -> None:
    # 9 lanes of 2 tasks: 18 elements for 16 cores, so the compiler chains
    # producer and consumer of some lanes; each such stream holds 32 elements
    mod = dato.build(late_consumer(32, 1, 9), target="aie", project=tmp_path)
    chained = [c for c in chains(mod) if len(c) > 1]
    assert chained and all(len(c) == 2 and c[0].startswith("producer") for c in chained)
    run(mod, 9, 32, 1)


def test_chain_over_tile_memory_is_refused(tmp_path) -> None:
    N, reps = 1024, 16
    depth = N * reps  # every element, 4 bytes each
    assert depth * 4 > NPU1.tile_budget  # the stream alone is over the tile
    with pytest.raises(dato.DatoIRError) as err:
        dato.build(late_consumer(N, reps), target="aie", project=tmp_path, mapping_primitives=CHAIN)
    message = str(err.value)
    assert "(producer_0, consumer_0)" in message
    assert f"stream @pipe_0 between chained members {depth} deep (64 KiB;" in message
    assert f"it has {NPU1.tile_budget // 1024} KiB" in message
