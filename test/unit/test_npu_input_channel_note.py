"""A refusal over a tile's input DMA channels says when counting alone shows
one core per instance cannot fit (physical_mapping.input_channel_note):
the array blocks the instances read, plus the pairs of instances their
streams join beyond the compute array's neighbouring pairs of tiles, against
the cores' S2MM channels."""

from __future__ import annotations

import pytest

import dato_xdsl as dato
from test.unit.programs import npu_loop_loaders_programs as lp


def test_cannon_4x4_refusal_counts_the_input_channels() -> None:
    # a 4x4 torus on npu1's 4x4 cores: 16 nodes each read a block of A and
    # one of B (32 channels); the rings join 32 pairs of nodes and a 4x4
    # grid of tiles has 24 neighbouring pairs (4 x 3 + 4 x 3), so 8 links at
    # least go by DMA: 40 input channels for 16 x 2
    with pytest.raises(dato.DatoError) as err:
        dato.build(lp.cannon(32, 4), target="aie", device="npu1")
    text = str(err.value)
    assert "needs 3 input DMA channels, a compute tile has 2" in text
    assert (
        "the 16 instances read 32 array blocks through channels of their own, and their "
        "streams join 32 pairs of instances, of which at most 24 can be neighbours" in text
    )
    assert "40 input channels, 16 cores have 32" in text
