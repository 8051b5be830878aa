"""Fan-in and fan-out beyond npu1's 16 cores and a tile's 2 + 2 DMA channels
(issue 12): a gather of 20 and 24 sources, a scatter/gather of 16 and 20
workers, a Cannon ring of 8 nodes (each reading 3 arrays and getting the
ring) and 16 two-stage lanes with a stream between the stages. Results
compared with numpy on the virtual NPU; every compute tile within its
channels, counted from the design's objectfifos."""

# ruff: noqa: F821 (streams are declared by annotations)

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Layout, Stream, int16, int32
from test.unit.programs import dato_programs as progs
from test.unit.programs import npu_fanout_programs as fanout
from test.unit.test_npu_fanin_mixed import check_channels

S = Layout.Shard
R = Layout.Replicate
RNG = np.random.default_rng(2612)


@pytest.mark.parametrize(("P", "cores"), [(20, 16), (24, 7)])
def test_gather_of_more_sources_than_cores(tmp_path, P, cores):
    """20 sources: the compiler's chains fit the 16 cores. 24: the sources
    go four to a core, each core's 4 streams merged into one (the reducer
    gets them in turn), the reducer on a tile with 4 neighbours."""
    L = 8
    mod = dato.build(fanout.gather_sum(int32, P, L), target="aie", project=tmp_path)
    A = RNG.integers(-99, 99, (P, L)).astype(np.int32)
    B = np.zeros(L, np.int32)
    mod(A, B)
    np.testing.assert_array_equal(B, A.sum(axis=0))
    assert check_channels(tmp_path) == cores


@pytest.mark.parametrize("P", [16, 20])
def test_scatter_gather_with_more_workers_than_cores(tmp_path, P):
    L = 8
    mod = dato.build(progs.scatter_gather(int32, P, L), target="aie", project=tmp_path)
    A = RNG.integers(-99, 99, (P, L)).astype(np.int32)
    B = np.zeros((P, L), np.int32)
    mod(A, B)
    np.testing.assert_array_equal(B, A * A + 1)
    assert check_channels(tmp_path) <= 16


def test_cannon_ring_of_8_nodes(tmp_path):
    """Each node reads A, B and C's host copy and gets the ring (4 inputs):
    one loader per node brings A and B from a neighbour (16 cores); the
    memtiles distribute A, B and C in chunks of 2 to 4 cores, C's blocks
    leave straight to the shim when no memtile has an output left."""
    P = 8
    M, N, K = 2 * P, 4 * P, 8
    mod = dato.build(progs.ring_gemm(int16, M, N, K, P), target="aie", project=tmp_path)
    A = RNG.integers(-50, 50, (M, K)).astype(np.int16)
    B = RNG.integers(-50, 50, (K, N)).astype(np.int16)
    C = np.zeros((M, N), np.int16)
    mod(A, B, C)
    np.testing.assert_array_equal(C, A @ B)
    assert check_channels(tmp_path) == 2 * P


def two_stage_lanes(P: int, L: int):
    """P lanes: stage 1 doubles its row of A and streams it, stage 2 adds 1."""

    @dato.region()
    def top(A: int32[P, L], B: int32[P, L]):
        s: Stream[int32, 2][P]

        @dato.kernel(mapping=[P], args=[A])
        def st1(a: int32[P, L] @ [S(0), R]):
            k = dato.get_pid()
            for i in range(L):
                s[k].put(a[0, i] * 2)

        @dato.kernel(mapping=[P], args=[B])
        def st2(b: int32[P, L] @ [S(0), R]):
            k = dato.get_pid()
            for i in range(L):
                b[0, i] = s[k].get() + 1

    return top


def test_sixteen_two_stage_lanes(tmp_path):
    """32 instances: each lane's stages chained on one core (16 cores);
    the memtiles distribute A per column so each keeps an output for its
    column's join of B."""
    P, L = 16, 12
    mod = dato.build(two_stage_lanes(P, L), target="aie", project=tmp_path)
    A = RNG.integers(-99, 99, (P, L)).astype(np.int32)
    B = np.zeros((P, L), np.int32)
    mod(A, B)
    np.testing.assert_array_equal(B, 2 * A + 1)
    assert check_channels(tmp_path) == P
