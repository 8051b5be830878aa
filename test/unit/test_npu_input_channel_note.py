"""A refusal over a tile's input DMA channels says when counting alone shows
one core per instance cannot fit (physical_mapping.input_channel_note):
the array blocks the instances read, plus the pairs of instances their
streams join beyond the compute array's neighbouring pairs of tiles, against
the cores' S2MM channels."""

from __future__ import annotations

import numpy as np

import dato_xdsl as dato
from test.unit.programs import npu_loop_loaders_programs as lp


def test_cannon_4x4_maps_with_joined_reads() -> None:
    # a 4x4 torus on npu1's 4x4 cores: 16 nodes each read a block of A and
    # one of B; the rings join 32 pairs of nodes and a 4x4 grid of tiles has
    # 24 neighbouring pairs, so 8 links at least go by DMA: 40 input channels
    # for 16 x 2 when each block took a channel of its own (the refusal this
    # test checked before). A and B's blocks (same shape and type) now come
    # through one fifo per node, A's then B's: 16 + 8 fit.
    rng = np.random.default_rng(12)
    mod = dato.build(lp.cannon(32, 4), target="aie", device="npu1")
    A = rng.integers(-(2**12), 2**12, (32, 32)).astype(np.int32)
    B = rng.integers(-(2**12), 2**12, (32, 32)).astype(np.int32)
    C = np.zeros((32, 32), np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, (A.astype(np.int64) @ B).astype(np.int32))
