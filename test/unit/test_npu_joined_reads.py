"""Joined reads (npu_stream_routes.JOINED_READS): a node short of input DMA
channels takes two arrays' blocks of one shape and type through one fifo,
the first's then the second's. Cannon's 4x4 torus on npu1 needs it (2 blocks
+ the ring links by DMA per node do not fit 2 S2MM channels). Run on the
virtual NPU and compared with numpy bit for bit."""

from __future__ import annotations

import re

import numpy as np

import dato_xdsl as dato
from test.unit.programs import npu_loop_loaders_programs as lp


def test_cannon_4x4_64_reads_a_and_b_through_one_fifo(tmp_path) -> None:
    # 16x16 blocks: each column's memtile distributes A's 4 blocks, then B's
    mod = dato.build(lp.cannon(64, 4), target="aie", device="npu1", project=tmp_path)
    text = (tmp_path / "aie.mlir").read_text()
    # every node holds both objects at once: acquires 2 of one fifo
    assert len(re.findall(r"objectfifo\.acquire @A_in\w*\(Consume, 2\)", text)) == 16
    assert "@B_in" not in text  # no fifo of B's own
    # the shim fifo of a column is fed from %A, then from %B (a call or
    # more each: a column's blocks of A need not be evenly spaced)
    calls = re.findall(r"dma_memcpy_nd\(%(\w)\[.*metadata = @(\w+)\}", text)
    for col in range(4):
        arrays = [a for a, fifo in calls if fifo == f"A_in{col}"]
        assert [a for k, a in enumerate(arrays) if k == 0 or arrays[k - 1] != a] == ["A", "B"]
    rng = np.random.default_rng(5)
    A = rng.integers(-(2**12), 2**12, (64, 64)).astype(np.int32)
    B = rng.integers(-(2**12), 2**12, (64, 64)).astype(np.int32)
    C = np.zeros((64, 64), np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, (A.astype(np.int64) @ B).astype(np.int32))
