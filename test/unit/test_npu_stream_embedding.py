"""Stream-connected elements placed on tiles sharing memory
(npu_stream_embedding), and memtile distributes holding every step for cores
tied by streams (npu_transfers.distribute_sequences): a ring of 16 cores and a
64-tap FIR folded onto npu1, each refused before, compared with numpy on the
virtual NPU."""

# ruff: noqa: F821 (streams are declared by annotations)

from __future__ import annotations

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Layout, Stream, devices, int16, int32
from dato_xdsl.transforms.npu_stream_embedding import embed
from test.unit.programs import npu_fanout_programs as fp

S, R = Layout.Shard, Layout.Replicate
NPU1 = devices.lookup("npu1")
assert NPU1 is not None
GRID = [(c, r) for c in range(4) for r in range(2, 6)]


def ring_links(n: int) -> dict[int, set[int]]:
    links: dict[int, set[int]] = {k: set() for k in range(n)}
    for k in range(n):
        links[k].add((k + 1) % n)
        links[(k + 1) % n].add(k)
    return links


def torus_links(n: int) -> dict[int, set[int]]:
    links: dict[int, set[int]] = {k: set() for k in range(n * n)}
    for i in range(n):
        for j in range(n):
            for di, dj in ((0, 1), (1, 0)):
                a, b = i * n + j, ((i + di) % n) * n + (j + dj) % n
                links[a].add(b)
                links[b].add(a)
    return links


@pytest.mark.parametrize("n", [4, 8, 12, 16])
def test_even_ring_embeds_on_neighbours(n: int) -> None:
    links = ring_links(n)
    found = embed(list(range(n)), links, {}, GRID, NPU1.shares_memory)
    assert found is not None
    assert len(set(found.values())) == n
    for a, bs in links.items():
        for b in bs:
            # AIE-ML: vertical or horizontal neighbours (one core reaches the other's memory)
            (ca, ra), (cb, rb) = found[a], found[b]
            assert abs(ca - cb) + abs(ra - rb) == 1


@pytest.mark.parametrize("n", [5, 15])
def test_odd_ring_does_not_embed(n: int) -> None:
    # the grid of neighbours is bipartite (colour (column + row) % 2): no odd cycle
    assert embed(list(range(n)), ring_links(n), {}, GRID, NPU1.shares_memory) is None


def test_torus_does_not_embed() -> None:
    # a 4x4 torus has 32 links, the 4x4 grid 24 neighbour pairs
    assert embed(list(range(16)), torus_links(4), {}, GRID, NPU1.shares_memory) is None


def test_fixed_elements_are_kept() -> None:
    # element 0 pinned to a corner: the ring still closes around it
    links = ring_links(16)
    found = embed(
        list(range(1, 16)), links, {0: (3, 5)}, [t for t in GRID if t != (3, 5)], NPU1.shares_memory
    )
    assert found is not None
    assert NPU1.shares_memory(found[1], (3, 5)) and NPU1.shares_memory(found[15], (3, 5))


def ring_sum(T, P: int, L: int):
    """Node p scales its row of A by W and passes it around a ring of P
    nodes; after P steps each has added every node's row: C's rows all equal
    the column sums of A * W. Three inputs per node (its row of A, W, the
    ring), so the ring's links must join tiles sharing memory."""

    @dato.region()
    def top(A: T[P, L], W: T[L], C: T[P, L]):
        ring: Stream[T[L], 1][P]

        @dato.kernel(mapping=[P], args=[A, W, C])
        def node(a: T[P, L] @ [S(0), R], w: T[L], c: T[P, L] @ [S(0), R]):
            p = dato.get_pid()
            x: T[L] = 0
            acc: T[L] = 0
            for i in range(L):
                x[i] = a[0, i] * w[i]
            for _ in range(P):
                for i in range(L):
                    acc[i] = acc[i] + x[i]
                ring[(p + 1) % P].put(x)
                x[:] = ring[p].get()
            for i in range(L):
                c[0, i] = acc[i]

    return top


def run_both(top, seed: int) -> None:
    sim = dato.build(top)
    npu = dato.build(top, target="aie")
    rng = np.random.default_rng(seed)
    args = [rng.integers(-100, 100, a.shape).astype(a.dtype) for a in sim.arguments]
    ref = [x.copy() for x in args]
    got = [x.copy() for x in args]
    sim(*ref)
    npu(*got)
    for r, g in zip(ref, got, strict=True):
        np.testing.assert_array_equal(g, r)
    return args, got


@pytest.mark.parametrize("P", [8, 16])
def test_ring_of_cores_maps(P: int) -> None:
    # P = 16: the greedy snake ended on (3, 2), far from node 0 on (0, 2): node
    # 0 needed A, B and the ring's closing stream, 3 input DMA channels of 2
    args, got = run_both(ring_sum(int32, P, 64), P)
    a, w = args[0], args[1]
    expect = np.broadcast_to((a * w).sum(axis=0), (P, 64))
    np.testing.assert_array_equal(got[2], expect)


def fir_reference(x: np.ndarray, h: np.ndarray) -> np.ndarray:
    """y[n] = sum_j h[j] x[n - j], wrapping like the element type."""
    y = np.zeros(len(x), dtype=np.int64)
    for j in range(len(h)):
        y[j:] += np.int64(h[j]) * x[: len(x) - j].astype(np.int64)
    return y.astype(x.dtype)


def test_fir_64_taps_on_16_cores() -> None:
    # 64 taps folded 4 to a core: 16 read sequences of H for 8 shim input
    # channels; each column's memtile distributes one (holding all 4 steps,
    # since a stream joins the cores), refused before for a fifth H sequence
    top = fp.fir(int16, 64, 4096)
    args, got = run_both(top, 3)
    np.testing.assert_array_equal(got[2], fir_reference(args[0], args[1]))


@pytest.mark.parametrize("taps", [40, 56])
def test_fir_uneven_chains(taps: int) -> None:
    # 40 taps on 16 cores: chains of 2 and 4 taps, so a column's cores read H
    # sequences of two lengths; one distribute per column and length needed
    # more shim input channels than npu1 has (refused before); one per length
    # across columns fits
    top = fp.fir(int16, taps, 1024)
    args, got = run_both(top, taps)
    np.testing.assert_array_equal(got[2], fir_reference(args[0], args[1]))


@pytest.mark.parametrize("taps", [24, 32])
def test_fir_on_two_columns(taps: int) -> None:
    # npu1_2col: 4 shim input channels for X and 8 cores' H sequences
    top = fp.fir(int32, taps, 256)
    sim = dato.build(top)
    npu = dato.build(top, target="aie", device="npu1_2col")
    rng = np.random.default_rng(taps)
    args = [rng.integers(-100, 100, a.shape).astype(a.dtype) for a in sim.arguments]
    ref = [x.copy() for x in args]
    got = [x.copy() for x in args]
    sim(*ref)
    npu(*got)
    np.testing.assert_array_equal(got[2], ref[2])
    np.testing.assert_array_equal(got[2], fir_reference(args[0], args[1]))


def periodic_stencil(T, N: int, P: int):
    """b[x] = c0 a[x - 1] + c1 a[x] + c2 a[x + 1] with wrap-around, on P
    workers exchanging halo values both ways around a ring; each worker reads
    its part of A and the 3 coefficients."""
    L = N // P

    @dato.region()
    def top(A: T[N], W: T[3], B: T[N]):
        left: Stream[T, 2][P]
        right: Stream[T, 2][P]

        @dato.kernel(mapping=[P], args=[A, W, B])
        def w(a: T[N] @ [S(0)], c: T[3], b: T[N] @ [S(0)]):
            p = dato.get_pid()
            left[(p + P - 1) % P].put(a[0])
            right[(p + 1) % P].put(a[L - 1])
            lo: T = right[p].get()
            hi: T = left[p].get()
            for x in range(L):
                lv: T = lo if x == 0 else a[x - 1]
                rv: T = hi if x == L - 1 else a[x + 1]
                b[x] = c[0] * lv + c[1] * a[x] + c[2] * rv

    return top


@pytest.mark.parametrize(("T", "N", "P"), [(int16, 4096, 16), (int32, 768, 12)])
def test_periodic_stencil_ring(T, N: int, P: int) -> None:
    # the greedy snake left worker 0 and worker P - 1 apart: worker 0 got A,
    # W and its left halo through 3 input DMA channels of 2 (refused before)
    args, got = run_both(periodic_stencil(T, N, P), P)
    a, c = args[0].astype(np.int64), args[1].astype(np.int64)
    expect = c[0] * np.roll(a, 1) + c[1] * a + c[2] * np.roll(a, -1)
    np.testing.assert_array_equal(got[2], expect.astype(args[0].dtype))
