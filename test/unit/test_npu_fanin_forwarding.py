"""A task grid whose instances each read more arrays than a compute tile has
input DMA channels (AM020: 2 S2MM): the compiler adds, per instance, a loader
on a free tile sharing memory with it (devices.shares_memory) that reads one
array through its own DMA; the instance gets it from the loader's memory.
Results compared with numpy on the virtual NPU; the design checked against
the hardware's channel count and neighbour rule."""

# ruff: noqa: F821 (streams are declared by annotations)

import re

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Layout, Stream, int32
from test.unit.programs import dato_programs as progs

S = Layout.Shard
RNG = np.random.default_rng(1207)
S2MM = 2  # input DMA channels of an npu1 compute tile


def mul_add(P: int, L: int):
    """d = a + b * c in P lanes of L elements: each lane reads 3 arrays."""

    @dato.region()
    def top(A: int32[P * L], B: int32[P * L], C: int32[P * L], D: int32[P * L]):
        @dato.kernel(mapping=[P], args=[A, B, C, D])
        def lane(
            a: int32[P * L] @ [S(0)],
            b: int32[P * L] @ [S(0)],
            c: int32[P * L] @ [S(0)],
            d: int32[P * L] @ [S(0)],
        ):
            for i in range(L):
                d[i] = a[i] + b[i] * c[i]

    return top


def split_k_pair(M: int, N: int, K: int, P0: int, P1: int):
    """Allo's cooperative GEMM (tests/dataflow/test_pingpong_gemm.py) with C
    sharded: `first` sums K's first half of its C block and streams it to
    `second`, which adds the second half; `second` reads A and B whole and
    gets the stream: 3 inputs on a tile with 2 input DMA channels."""
    T = int32
    Mt, Nt = M // P0, N // P1

    @dato.region()
    def top(A: T[M, K], B: T[K, N], C: T[M, N]):
        pipe: Stream[T[Mt, Nt], 2][P0, P1]

        @dato.kernel(mapping=[P0, P1], args=[A, B])
        def first(a: T[M, K], b: T[K, N]):
            pi, pj = dato.get_pid()
            out: T[Mt, Nt] = 0
            for i in range(Mt):
                for j in range(Nt):
                    c: T = 0
                    for k in range(K // 2):
                        c += a[pi * Mt + i, k] * b[k, pj * Nt + j]
                    out[i, j] = c
            pipe[pi, pj].put(out)

        @dato.kernel(mapping=[P0, P1], args=[A, B, C])
        def second(a: T[M, K], b: T[K, N], c: T[M, N] @ [S(0), S(1)]):
            pi, pj = dato.get_pid()
            prev: T[Mt, Nt] = pipe[pi, pj].get()
            for i in range(Mt):
                for j in range(Nt):
                    acc: T = 0
                    for k in range(K // 2, K):
                        acc += a[pi * Mt + i, k] * b[k, pj * Nt + j]
                    c[i, j] = prev[i, j] + acc

    return top


def tiles(text: str) -> dict[str, tuple[int, int]]:
    return {
        name: (int(c), int(r))
        for name, c, r in re.findall(r"(%\w+) = aie\.tile\((\d+), (\d+)\)", text)
    }


def dma_inputs(text: str) -> dict[str, int]:
    """Per compute tile, the fifos coming in from tiles not sharing memory
    with it (each takes an S2MM channel)."""
    where = tiles(text)
    into: dict[str, int] = {}
    for prod, cons in re.findall(r"aie\.objectfifo @\w+\((%\w+), \{([^}]*)\}", text):
        for c in (x.strip() for x in cons.split(",")):
            (pc, pr), (cc, cr) = where[prod], where[c]
            if cr >= 2 and not (pr >= 2 and abs(pc - cc) + abs(pr - cr) == 1):
                into[c] = into.get(c, 0) + 1
    return into


@pytest.mark.parametrize("P", [2, 4, 5])
def test_lanes_reading_three_arrays_get_one_through_a_neighbour(tmp_path, P):
    L = 16
    mod = dato.build(mul_add(P, L), target="aie", project=tmp_path)
    a, b, c = (RNG.integers(-99, 99, P * L).astype(np.int32) for _ in range(3))
    d = np.zeros(P * L, np.int32)
    mod(a, b, c, d)
    np.testing.assert_array_equal(d, a + b * c)

    text = (tmp_path / "aie.mlir").read_text()
    where = tiles(text)
    cores = dict(
        re.findall(
            r"aie\.core\((%\w+)\) \{.*?\n    \} \{[^\n]*dato\.tasks = \[\"(\w+)\"", text, re.S
        )
    )
    core_of = {task: where[tile] for tile, task in cores.items()}
    assert len(core_of) == 2 * P  # a lane and its loader per lane
    for p in range(P):
        lane, loader = core_of[f"lane_{p}"], core_of[f"lane_{p}_load_A_0"]
        # neighbours on one column or one row: the lane reads the loader's memory
        assert abs(lane[0] - loader[0]) + abs(lane[1] - loader[1]) == 1
    # no compute tile takes more fifos in than it has S2MM channels
    assert max(dma_inputs(text).values()) <= S2MM


@pytest.mark.parametrize("P0,P1", [(2, 2), (2, 4), (4, 2)])
def test_task_reading_two_arrays_and_a_stream_maps(tmp_path, P0, P1):
    """`second` takes A, B and the stream from `first`: placement puts each
    `second` beside its `first` (the stream then needs no DMA), moving
    elements between tiles while that lowers the channels over a tile's 2,
    and forwards arrays through neighbours when that is not enough."""
    M = N = K = 16
    mod = dato.build(split_k_pair(M, N, K, P0, P1), target="aie", project=tmp_path)
    A = RNG.integers(-50, 50, (M, K)).astype(np.int32)
    B = RNG.integers(-50, 50, (K, N)).astype(np.int32)
    C = np.zeros((M, N), np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, A @ B)
    text = (tmp_path / "aie.mlir").read_text()
    assert max(dma_inputs(text).values()) <= S2MM


@pytest.mark.parametrize("P, cores_per_node", [(4, 2), (5, 3)])
def test_ring_gemm_nodes_get_arrays_through_neighbours(tmp_path, P, cores_per_node):
    """A Cannon-style ring (dato_programs.ring_gemm): node p reads A, B, the
    host copy of C (it writes C a column block per step) and gets the ring
    stream: 4 inputs for 2 input channels. A ring of even length embeds on
    tiles sharing memory (placement's stream embedding, npu_stream_embedding:
    a 4-cycle on a 2 x 2 square), so its links take no DMA channel and a node
    is over by one array: one loader sharing memory with it gives it A (2
    cores per node). An odd ring cannot close on the grid (the grid's
    neighbour graph is bipartite): mapped again counting the stream, each
    node gets A and B from two loaders (3 cores per node)."""
    M, N, K = 2 * P, 4 * P, 8
    mod = dato.build(progs.ring_gemm(dato.int16, M, N, K, P), target="aie", project=tmp_path)
    A = RNG.integers(-50, 50, (M, K)).astype(np.int16)
    B = RNG.integers(-50, 50, (K, N)).astype(np.int16)
    C = np.zeros((M, N), np.int16)
    mod(A, B, C)
    np.testing.assert_array_equal(C, A @ B)
    text = (tmp_path / "aie.mlir").read_text()
    where = tiles(text)
    ring = re.findall(r"aie\.objectfifo @ring_\d+\((%\w+), \{(%\w+)\}", text)
    assert len(ring) == P
    neighbours = [
        abs(where[a][0] - where[b][0]) + abs(where[a][1] - where[b][1]) == 1 for a, b in ring
    ]
    assert all(neighbours) == (P % 2 == 0)
    assert text.count("aie.core(") == cores_per_node * P
    assert max(dma_inputs(text).values()) <= S2MM
