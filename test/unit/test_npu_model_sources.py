"""Every constant of the NPU performance model names where it comes from, and
the model's numbers for a small design, counted by hand with literal values
from those sources, match (MODELED cycles, not measured ones).

Sources, as docs/npu-model.md lists them: the scalar library's rate is ten
cycles per element or MAC (mlir-aie programming guide section 4c measures its
scalar scale_scalar loop at ~10,250 cycles for 1024 int16 elements); DMA
channels move 4 bytes per cycle on npu1 (AM020); lock (8) and BD (16) cycles
stay labelled assumptions, no published figure having been found."""

from __future__ import annotations

import pytest
from xdsl.dialects.builtin import MemRefType, i16, i32

import dato_xdsl as dato
from dato_xdsl import Layout, devices, int32
from dato_xdsl.targets.aie import perf_model

S = Layout.Shard
R = Layout.Replicate
M = N = K = 64

# the labels a source may start with; anything else is a constant without one
SOURCE_KINDS = (
    "published measurement",
    "derived from a published measurement",
    "documented bound",
    "assumption",
)


@dato.region()
def gemm(A: int32[M, K], B: int32[K, N], C: int32[M, N]) -> None:
    @dato.kernel(mapping=[2, 2], args=[A, B, C])
    def tile(
        a: int32[M, K] @ [S(0), R], b: int32[K, N] @ [R, S(1)], c: int32[M, N] @ [S(0), S(1)]
    ) -> None:
        c[:, :] = dato.matmul(a, b)


def test_every_rate_names_its_kind_of_source() -> None:
    for key, rate in perf_model.KERNEL_RATES.items():
        assert rate.source.startswith(SOURCE_KINDS), key
    assert perf_model.LOCK_SOURCE.startswith("assumption")
    assert perf_model.BD_SOURCE.startswith("assumption")
    assert perf_model.TASK_QUEUE_SOURCE.startswith("AM020")


def test_scalar_loop_reproduces_its_measurement() -> None:
    # section 4c's scale_scalar: 1024 int16 elements in ~10,250 measured cycles;
    # a dato_ library element-wise call on 1024 int16 is modeled at 10 each
    arr = MemRefType(i16, [1024])
    _, cycles, macs, rate = perf_model.kernel_work(
        "dato_mul", [arr, arr, arr], devices.DEVICES["npu1"]
    )
    assert rate is perf_model.KERNEL_RATES["dato_elementwise"]
    assert cycles == pytest.approx(10_240)
    assert abs(cycles - 10_250) / 10_250 < 0.01
    assert macs == 0
    # a scalar 32x64x32 matmul: 65,536 MACs at 10 cycles each
    a, b, c = MemRefType(i32, [32, 64]), MemRefType(i32, [64, 32]), MemRefType(i32, [32, 32])
    _, cycles, macs, _ = perf_model.kernel_work(
        "dato_matmul_i32", [a, b, c], devices.DEVICES["npu1"]
    )
    assert macs == 65_536
    assert cycles == pytest.approx(655_360)


def test_scalar_gemm_2x2_literal_cycles() -> None:
    # the 2x2 GEMM of test_npu_perf_model (each core: one 32x64 A block, one
    # 64x32 B block, depth 2; its 32x32 C block, depth 1, through the memtile),
    # counted with literal figures (npu1, int32, 4 bytes per DMA cycle):
    #   fill   = 64*64*4/4 (shim object to the memtile) + 32*64*4/4 (to the core)
    #          = 4,096 + 2,048                                     =   6,144
    #   kernel = 32*32 zeroed elements x 10 + 32*64*32 MACs x 10
    #          = 10,240 + 655,360                                  = 665,600
    #   locks  = 6 operations (A, B, C acquire + release) x 8      =      48
    #   waits  = 32*32*4/4 (C has depth 1)                         =   1,024
    #   drain  = 32*64*4/4 (the joined C object to the shim)       =   2,048
    #   total                                                      = 674,864
    ir = dato.build(gemm, target="aie").ir
    (m,) = perf_model.models(ir)
    assert len(m.cores) == 4
    for core in m.cores:
        assert core.fill == pytest.approx(6_144)
        assert core.kernel_cycles == pytest.approx(665_600)
        assert core.lock_cycles == pytest.approx(48)
        assert core.waits == pytest.approx(1_024)
        assert core.drain == pytest.approx(2_048)
        assert core.path == pytest.approx(674_864)
    assert m.cycles == pytest.approx(674_864)
    assert m.bottleneck.startswith("core ")
    # utilization: 64^3 MACs over 674,864 cycles x 16 int32 MACs x 16 cores
    assert m.utilization("i32") == pytest.approx(262_144 / 172_765_184)


def test_report_says_model_and_names_the_sources() -> None:
    ir = dato.build(gemm, target="aie").ir
    text = perf_model.report(ir)
    assert "performance MODEL for aie.device(npu1) (modeled, not measured)" in text
    assert "dato_matmul 0.1 MAC/cycle: derived from a published measurement" in text
    assert "dato_elementwise 0.1 element/cycle: published measurement" in text
    assert "scalar_arith 1 op/cycle: documented bound" in text
    assert "lock 8 cycles, BD 16 cycles: assumptions, no published figure" in text
    assert "modeled time: 674,864 cycles" in text


def test_npu2_dma_line_cites_the_shim_documents() -> None:
    # AIE-ML v2's shim channel: UG1603 ("Performance Comparison Between AI
    # Engine/PL and AI Engine/NoC Interfaces") and AM027 ("AXI4-Stream
    # Interconnect") give 64-bit streams; the report names them whichever
    # figure devices.py holds
    ir = dato.build(gemm, target="aie", device="npu2").ir
    text = perf_model.report(ir)
    (line,) = [ln for ln in text.splitlines() if "DMA bytes/cycle/channel" in ln]
    assert "UG1603" in line and "AM027" in line
