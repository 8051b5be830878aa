"""Rings of odd length on the NPU. The grid of compute tiles is bipartite
(neighbours differ in (column + row) % 2), so an odd cycle of streams cannot
have every link between tiles sharing memory: one link takes a DMA channel at
each end. Cannon rings of 3, 5 and 7 nodes map that way; a halo stencil on a
ring of 9, whose nodes read A and C (C is written element by element) and
would get the closing stream as a third input, gets a relay core on each of
the two streams between the nodes farthest apart, making the cycle even;
so does a ring of 9 passing rows (three inputs a node: A, W and the ring).
Every design is run on the virtual NPU and compared with numpy bit for bit."""

from __future__ import annotations

import re

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Layout, int32
from dato_xdsl.transforms.npu_stream_embedding import odd_links
from dato_xdsl.transforms.stream_access import StreamUses, Use
from test.unit.programs.dato_programs import ring_gemm
from test.unit.programs.halo_ring import halo_accumulate as halo
from test.unit.test_npu_stream_embedding import ring_sum

S, R = Layout.Shard, Layout.Replicate
RNG = np.random.default_rng(9031)


def ring_uses(n: int) -> dict[str, StreamUses]:
    """Streams s_k from node k to node k + 1 (mod n), only their ends."""
    uses: dict[str, StreamUses] = {}
    for k in range(n):
        use = StreamUses(None)  # type: ignore[arg-type]
        use.puts.append(Use(f"n{k}", None, 1))  # type: ignore[arg-type]
        use.gets.append(Use(f"n{(k + 1) % n}", None, 1))  # type: ignore[arg-type]
        uses[f"s{k}"] = use
    return uses


@pytest.mark.parametrize("n", [3, 4, 5, 8, 9, 16])
def test_odd_links_make_a_ring_bipartite(n: int) -> None:
    odd = odd_links(ring_uses(n), [f"n{k}" for k in range(n)])
    # an even ring is bipartite as it is; an odd one needs one link cut in two
    assert len(odd) == n % 2


def halo_reference(A: np.ndarray) -> np.ndarray:
    flat = A.reshape(-1).astype(np.int64)
    ring = np.concatenate([flat[-1:], flat, flat[:1]])
    return (ring[:-2] + 2 * ring[1:-1] + ring[2:]).astype(np.int32).reshape(A.shape)


def core_tasks(mod) -> list[str]:
    text = (mod.project / "aie.mlir").read_text()
    return [
        n
        for f in re.findall(r"dato\.tasks = \[([^\]]*)\]", text)
        for n in re.findall(r'"([^"]+)"', f)
    ]


@pytest.mark.parametrize("P", [5, 9])
def test_halo_on_odd_ring(tmp_path, P: int) -> None:
    L = 8
    mod = dato.build(halo(int32, P, L), target="aie", project=tmp_path)
    relays = [t for t in core_tasks(mod) if "relay" in t]
    if P == 9:
        # 9 nodes + 2 relays on 16 cores: the streams both ways between the
        # two nodes farthest from node_0 (at 5, each node's loaders fit: no relay)
        assert sorted(relays) == ["left_4_relay_0", "right_5_relay_0"]
    A = RNG.integers(-(2**29), 2**29, (P, L)).astype(np.int32)
    C = np.zeros((P, L), np.int32)
    mod(A, C)
    np.testing.assert_array_equal(C, halo_reference(A))


@pytest.mark.parametrize("P", [3, 5, 7])
def test_cannon_on_odd_ring(tmp_path, P: int) -> None:
    M, N, K = 2 * P, 2 * P, 8
    mod = dato.build(ring_gemm(int32, M, N, K, P), target="aie", project=tmp_path)
    A = RNG.integers(-(2**15), 2**15, (M, K)).astype(np.int32)
    B = RNG.integers(-(2**15), 2**15, (K, N)).astype(np.int32)
    C = np.zeros((M, N), np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, (A.astype(np.int64) @ B).astype(np.int32))


def test_ring_of_rows_on_odd_ring_relays_blocks(tmp_path) -> None:
    # test_npu_stream_embedding.ring_sum on 9 nodes: each gets its row of A,
    # W and the ring (3 inputs), so the ring's DMA link is one too many; the
    # relay passes rows of 8 int32 on (memref objects, not scalars)
    P, L = 9, 8
    mod = dato.build(ring_sum(int32, P, L), target="aie", project=tmp_path)
    assert [t for t in core_tasks(mod) if "relay" in t] == ["ring_5_relay_0"]
    A = RNG.integers(-(2**20), 2**20, (P, L)).astype(np.int32)
    W = RNG.integers(-(2**10), 2**10, (L,)).astype(np.int32)
    C = np.zeros((P, L), np.int32)
    mod(A, W, C)
    col = (A.astype(np.int64) * W).sum(axis=0)
    np.testing.assert_array_equal(C, np.tile(col, (P, 1)).astype(np.int32))


def test_halo_on_ring_of_15_is_refused_naming_the_odd_links(tmp_path) -> None:
    # 15 nodes and the 2 relays its odd cycle needs: 17 cores of npu1's 16
    with pytest.raises(dato.DatoIRError) as err:
        dato.build(halo(int32, 15, 8), target="aie", project=tmp_path)
    message = str(err.value)
    assert "(node_0) needs 3 input DMA channels, a compute tile has 2" in message
    assert "@left_7 (node_8 to node_7), @right_8 (node_7 to node_8) close cycles of odd" in message
    assert "a relay core on each needs 2 free compute cores, 1 of 16 are free" in message
