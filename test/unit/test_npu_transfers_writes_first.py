"""Cores that each read two arrays and write one, 12 of them on npu1: the
reads' memtile distributes took all 24 memtile outputs, and the output's
joins (one memtile output each) found none. The planner's last plan packs
the whole blocks writes first: only as many joins as npu1's 8 shim outputs
fall short by, then the reads from the memtiles with the most outputs left,
the last blocks straight from shim channels. A ring of 13 (15 cores with
the two relays its odd cycle needs) reads 26 blocks and writes 13 that way.
Each design runs on the virtual NPU against numpy, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Layout, int32
from test.unit.programs.halo_ring import halo_accumulate

S, R = Layout.Shard, Layout.Replicate
RNG = np.random.default_rng(1207)


def reference(A: np.ndarray, C: np.ndarray) -> np.ndarray:
    flat = A.reshape(-1).astype(np.int64)
    ring = np.concatenate([flat[-1:], flat, flat[:1]])
    stencil = (ring[:-2] + 2 * ring[1:-1] + ring[2:]).reshape(A.shape)
    return (C.astype(np.int64) + stencil).astype(np.int32)


def fifo_ends(mod, prefix: str) -> list[str]:
    """The (producer, consumer) text of each objectfifo named prefix..."""
    text = (mod.project / "aie.mlir").read_text()
    return [
        line.split("(", 1)[1].split(")", 1)[0]
        for line in text.splitlines()
        if line.strip().startswith(f"aie.objectfifo @{prefix}")
    ]


@pytest.mark.parametrize("device", ["npu1", "npu2"])
def test_halo_ring_of_12_reading_its_output_maps(tmp_path, device: str) -> None:
    P, L = 12, 8
    mod = dato.build(halo_accumulate(int32, P, L), target="aie", device=device, project=tmp_path)
    if device == "npu1":
        # npu1 has 4 shim columns of 2 output channels: C's 12 blocks leave
        # through memtile joins, none straight from a core to the shim
        outs = fifo_ends(mod, "C_out")
        assert [e for e in outs if e.startswith("%mem")]  # a join
        # the hardware rule: 2 shim channels each way a column
        for col in range(4):
            assert len([e for e in outs if f"{{%shim_c{col}}}" in e]) <= 2
            ins = fifo_ends(mod, "A_in") + fifo_ends(mod, "C_in")
            assert len([e for e in ins if e.startswith(f"%shim_c{col},")]) <= 2
    A = RNG.integers(-(2**28), 2**28, (P, L)).astype(np.int32)
    C = RNG.integers(-(2**28), 2**28, (P, L)).astype(np.int32)
    want = reference(A, C)
    mod(A, C)
    np.testing.assert_array_equal(C, want)


def test_halo_ring_of_13_with_relays_packs_its_blocks(tmp_path) -> None:
    # 13 nodes and 2 relays (the odd cycle's closing link) on 15 of npu1's
    # 16 cores; 26 blocks read and 13 written: at most 8 + 24 - 1 host
    # links, so the reads fill every memtile's outputs
    P, L = 13, 8
    mod = dato.build(halo_accumulate(int32, P, L), target="aie", device="npu1", project=tmp_path)
    text = (mod.project / "aie.mlir").read_text()
    assert "relay" in text
    A = RNG.integers(-(2**28), 2**28, (P, L)).astype(np.int32)
    C = RNG.integers(-(2**28), 2**28, (P, L)).astype(np.int32)
    want = reference(A, C)
    mod(A, C)
    np.testing.assert_array_equal(C, want)


def test_halo_ring_of_16_reading_its_output_is_refused_by_count(tmp_path) -> None:
    # 32 read links (A and C of 16 cores) and 16 written: npu1's 8 shim
    # outputs need 2 joins of 6 (hand count: 16 - 8 = 8 links to save, 5 a
    # join), and its 4 columns serve at most 4 x (2 - 1 + 6) - 2 = 26 reads
    with pytest.raises(dato.DatoIRError) as err:
        dato.build(halo_accumulate(int32, 16, 8), target="aie", device="npu1", project=tmp_path)
    message = str(err.value)
    assert "No plan can fit: the cores read 32 blocks or sequences of blocks" in message
    assert "and write 16, each through its own fifo" in message
    assert "8 shim input and 8 shim output channels and 24 memtile output channels free" in message
    assert "takes at least 2 memtile join(s)" in message
    assert "which leaves at most 26 read links" in message
