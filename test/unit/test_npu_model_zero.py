"""The modeled cost of mm.cc's zero_<acc> (one vector store per cycle of the
store unit's width: AM020's 256 bits on AIE-ML, AM027's 512 bits on AIE-ML v2),
by hand: a 16 x 16 int32 accumulator is 1024 bytes (MODELED cycles)."""

from xdsl.dialects.builtin import MemRefType, i32

from dato_xdsl import devices
from dato_xdsl.targets.aie import perf_model


def test_zero_is_a_store_unit_width_per_cycle() -> None:
    acc = MemRefType(i32, [16, 16])
    for device, width_bits in (("npu1", 256), ("npu2", 512)):
        _, cycles, macs, rate = perf_model.kernel_work("zero_i32", [acc], devices.DEVICES[device])
        assert cycles == 16 * 16 * 4 / (width_bits // 8)  # 32 on npu1, 16 on npu2
        assert macs == 0 and rate is not None and rate.source.startswith("documented bound")
