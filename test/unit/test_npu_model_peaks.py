"""npu2 (AIE2P) peak MACs per cycle per core for int16 and bf16, and what the
performance model does with them."""

from __future__ import annotations

import pytest

from dato_xdsl import devices


def test_npu2_peaks_from_the_aie2p_mac_instructions() -> None:
    npu2 = devices.DEVICES["npu2"].macs_per_cycle
    # the widest native MAC instruction per type (AIE API aie2p headers):
    # int8 mmul 8x8x8, int16 mac_4x4_4x8 (4*4*8), bf16 mac_elem_64 (64 lanes)
    assert npu2["i8"] == 8 * 8 * 8
    assert npu2["i16"] == 4 * 4 * 8
    assert npu2["bf16"] == 64
    # AIE2P doubles AIE-ML's int8 and int16 rates; its bf16 is element-wise only
    npu1 = devices.DEVICES["npu1"].macs_per_cycle
    assert npu2["i16"] == 2 * npu1["i16"]
    assert npu2["bf16"] < npu1["bf16"]
    # every partial-column variant shares the core
    for n in range(1, 8):
        assert devices.DEVICES[f"npu2_{n}col"].macs_per_cycle == npu2


def test_npu2_int16_and_bf16_peak_throughput() -> None:
    npu2 = devices.DEVICES["npu2"]
    # 32 cores x MACs x 2 ops x 1.8 GHz
    assert npu2.peak_ops_per_second("i16") == pytest.approx(32 * 128 * 2 * 1.8e9)
    assert npu2.peak_ops_per_second("bf16") == pytest.approx(32 * 64 * 2 * 1.8e9)
    with pytest.raises(KeyError, match="no peak MAC figure for i32 on npu2"):
        npu2.peak_ops_per_second("i32")
