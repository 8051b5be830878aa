"""A memtile join's inputs each fill their part of the output's buffers on
their own channel, so one input may run ahead of the others by as many
objects as the output holds (npu_shim_replay). A scalar 9x9 output-stationary
systolic array folded on npu1_2col joins the C values of three cores whose
first PE must write its second value before the others get the data for
their first: the replay took the join's inputs in lockstep, found the cores
stuck with every call issued, fell back to the stage model, and the virtual
NPU hung at a dma_wait on @C_out0 while core (0, 3) waited on a full @C_out3.
It now equals numpy."""

from __future__ import annotations

import numpy as np

import dato_xdsl as dato
from test.unit.programs.systolic_scalar_os import systolic


def test_systolic_9x9_joined_outputs_run_ahead_equal_numpy(tmp_path):
    rng = np.random.default_rng(1201)
    a = rng.integers(-500, 500, (9, 2)).astype(np.int16)
    b = rng.integers(-500, 500, (2, 9)).astype(np.int16)
    c = np.zeros((9, 9), np.int32)
    module = dato.build(systolic(9, 9, 2), target="aie", device="npu1_2col", project=tmp_path)
    text = str(module.ir)
    # the design the bug hit: C values of several cores joined on a memtile
    # into one shim fifo, more shim calls on a column than its 16 BDs
    assert "aie.objectfifo.link [@C_out1_0, @C_out1_1, @C_out1_2] -> [@C_out1]" in text
    assert text.count("aiex.npu.dma_wait") > 0
    module(a, b, c)
    np.testing.assert_array_equal(c, a.astype(np.int32) @ b.astype(np.int32))
