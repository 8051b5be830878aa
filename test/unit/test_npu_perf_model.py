"""The NPU performance model against cycles computed by hand from the
constants' definitions (bytes per DMA cycle, MACs per cycle, lock and BD costs),
on a small GEMM built by the frontend and on a hand-written DMA-bound design."""

from __future__ import annotations

from pathlib import Path

import pytest
from xdsl.dialects.builtin import ModuleOp

import dato_xdsl as dato
from dato_xdsl import Layout, devices, int16, int32
from dato_xdsl.targets.aie import perf_model
from dato_xdsl.targets.virtual_npu.cli import load_design

EXTERNAL = Path(__file__).resolve().parent / "inputs" / "external"

S = Layout.Shard
R = Layout.Replicate
M = N = K = 64


# int32: mm.cc has no int32 kernel, so this is the per-task design with the
# scalar kernel library (the vector design's count: test_vector_gemm_design_...)
@dato.region()
def gemm(A: int32[M, K], B: int32[K, N], C: int32[M, N]) -> None:
    @dato.kernel(mapping=[2, 2], args=[A, B, C])
    def tile(
        a: int32[M, K] @ [S(0), R], b: int32[K, N] @ [R, S(1)], c: int32[M, N] @ [S(0), S(1)]
    ) -> None:
        c[:, :] = dato.matmul(a, b)


@pytest.fixture(scope="module")
def gemm_ir() -> ModuleOp:
    return dato.build(gemm, target="aie").ir


def test_gemm_2x2_cycles_by_hand(gemm_ir: ModuleOp) -> None:
    text = str(gemm_ir)
    # the design the hand count below assumes: each core gets one 32x64 block of
    # A and one 64x32 block of B (depth 2) through the memtile from whole
    # 64x64 shim objects, and returns its 32x32 C block (depth 1) via the memtile
    assert "@A_in0_0(%mem_c0, {%core_c0_r2, %core_c1_r2}, 2 : i32)" in text
    assert "!aie.objectfifo<memref<4096xi32>>" in text
    assert "@C_out0_0(%core_c0_r2, {%mem_c0}, 1 : i32) : !aie.objectfifo<memref<32x32xi32>>" in text
    assert "!aie.objectfifo<memref<2048xi32>>" in text
    bw = devices.NPU_DMA_BYTES_PER_CYCLE["AIE2"]
    macs_per_cycle = perf_model.KERNEL_RATES["dato_matmul"].per_cycle
    elems_per_cycle = perf_model.KERNEL_RATES["dato_elementwise"].per_cycle
    fill = 64 * 64 * 4 / bw["memtile"] + 32 * 64 * 4 / bw["compute"]  # shim object, then core's
    kernels = 32 * 32 / elems_per_cycle + 32 * 64 * 32 / macs_per_cycle  # zero C, then matmul
    locks = 6 * perf_model.LOCK_CYCLES  # acquire + release of A, B and C
    waits = 32 * 32 * 4 / bw["compute"]  # C has depth 1: the core waits for its transfer
    drain = 32 * 64 * 4 / bw["shim"]  # the joined C object from the memtile to the shim
    expected = fill + kernels + locks + waits + drain
    (m,) = perf_model.models(gemm_ir)
    assert len(m.cores) == 4
    for core in m.cores:
        assert core.path == pytest.approx(expected)
        assert core.macs == 32 * 64 * 32
    assert m.cycles == pytest.approx(expected)
    assert m.bottleneck.startswith("core ")
    peak = 16  # devices.py (AM020): int32 16 MACs per cycle per core
    assert m.utilization("i32") == pytest.approx(64**3 / (expected * peak * 16))


def test_report_says_it_is_a_model(gemm_ir: ModuleOp) -> None:
    from dato_xdsl.targets.aie.report import report

    text = report(gemm_ir)
    assert "resource report" in text
    assert "performance MODEL" in text and "modeled, not measured" in text
    assert "bottleneck: core (0, 2)" in text


DMA_BOUND = """
module {
  aie.device(npu1) {
    %shim = aie.tile(0, 0)
    %core = aie.tile(0, 2)
    aie.objectfifo @in(%shim, {%core}, 2 : i32) : !aie.objectfifo<memref<1024xi32>>
    %0 = aie.core(%core) {
      %lb = arith.constant 0 : index
      %ub = arith.constant 10 : index
      %st = arith.constant 1 : index
      scf.for %i = %lb to %ub step %st {
        %s = aie.objectfifo.acquire @in(Consume, 1) : !aie.objectfifosubview<memref<1024xi32>>
        %x = arith.addi %lb, %st : index
        aie.objectfifo.release @in(Consume, 1)
      }
      aie.end
    }
    aie.runtime_sequence(%a: memref<10240xi32>) {
      aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 10, 2, 512][0, 1024, 512, 1])
        {id = 0 : i64, metadata = @in} : memref<10240xi32>
    }
  }
}
"""


def test_dma_bound_design_names_the_channel(tmp_path: Path) -> None:
    path = tmp_path / "dma_bound.mlir"
    path.write_text(DMA_BOUND)
    (m,) = perf_model.models(load_design(path))
    bw = devices.NPU_DMA_BYTES_PER_CYCLE["AIE2"]
    # 10 objects of 4 KiB through the shim channel, one BD each
    shim = 10 * 4096 / bw["shim"] + 10 * perf_model.BD_CYCLES
    # the first object, then per iteration an acquire, a release and one scalar add
    scalar = 10 / perf_model.KERNEL_RATES["scalar_arith"].per_cycle
    core = 4096 / bw["compute"] + 20 * perf_model.LOCK_CYCLES + scalar
    (c,) = m.cores
    assert c.path == pytest.approx(core)
    assert c.scalar_ops == 10
    assert m.cycles == pytest.approx(shim)
    assert m.bottleneck == "shim DMA channel MM2S @in at (0, 0)"


PIPELINE = """
module {
  aie.device(npu1) {
    %a = aie.tile(0, 2)
    %b = aie.tile(0, 3)
    aie.objectfifo @p(%a, {%b}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
    %0 = aie.core(%a) {
      %lb = arith.constant 0 : index
      %ub = arith.constant 4 : index
      %st = arith.constant 1 : index
      scf.for %i = %lb to %ub step %st {
        %s = aie.objectfifo.acquire @p(Produce, 1) : !aie.objectfifosubview<memref<16xi32>>
        %x = arith.addi %lb, %st : index
        %y = arith.muli %x, %st : index
        aie.objectfifo.release @p(Produce, 1)
      }
      aie.end
    }
    %1 = aie.core(%b) {
      %lb = arith.constant 0 : index
      %ub = arith.constant 4 : index
      %st = arith.constant 1 : index
      scf.for %i = %lb to %ub step %st {
        %s = aie.objectfifo.acquire @p(Consume, 1) : !aie.objectfifosubview<memref<16xi32>>
        %x = arith.addi %lb, %st : index
        aie.objectfifo.release @p(Consume, 1)
      }
      aie.end
    }
  }
}
"""


def test_core_fed_by_a_core_starts_after_its_first_object(tmp_path: Path) -> None:
    path = tmp_path / "pipeline.mlir"
    path.write_text(PIPELINE)
    (m,) = perf_model.models(load_design(path))
    op = 1 / perf_model.KERNEL_RATES["scalar_arith"].per_cycle
    lock = perf_model.LOCK_CYCLES
    a_path = 4 * (2 * op + 2 * lock)  # neighbours share memory: no DMA, no fill
    b_path = 4 * (1 * op + 2 * lock)
    a, b = sorted(m.cores, key=lambda c: c.tile)
    assert (a.start, a.finish) == (0, pytest.approx(a_path))
    # b starts once a hands over its first of 4 objects, and ends no earlier
    # than a's end plus a quarter of its own work
    assert b.start == pytest.approx(a_path / 4)
    assert b.finish == pytest.approx(max(a_path / 4 + b_path, a_path + b_path / 4))
    assert m.channels == []
    assert m.cycles == pytest.approx(b.finish)


@dato.region()
def gemm_i32_acc(A: int16[64, 128], B: int16[128, 64], C: dato.int32[64, 64]) -> None:
    @dato.kernel(mapping=[4, 4], args=[A, B, C])
    def tile(
        a: int16[64, 128] @ [S(0), R],
        b: int16[128, 64] @ [R, S(1)],
        c: dato.int32[64, 64] @ [S(0), S(1)],
    ) -> None:
        c[:, :] = dato.matmul(a, b)


def test_vector_gemm_design_cycles_by_hand() -> None:
    """The vector GEMM design (4x4 tasks on 2x2 cores, int16 -> int32): each
    core runs 4 members of one K step (kt = 128), calling mm.cc's zero_i32
    and matmul_i16_i32; A, B and C are all double-buffered, so no waits."""
    quads = [
        [f"tile_{i}_{j}" for i in (2 * r, 2 * r + 1) for j in (2 * c, 2 * c + 1)]
        for r in range(2)
        for c in range(2)
    ]
    ir = dato.build(
        gemm_i32_acc, target="aie", mapping_primitives=[("bundle", q) for q in quads]
    ).ir
    text = str(ir)
    assert (
        "func.call @matmul_i16_i32" in text and "@C_c0_r0(%core_c0_r2, {%mem_c0}, 2 : i32)" in text
    )
    bw = devices.NPU_DMA_BYTES_PER_CYCLE["AIE2"]
    eff = perf_model.KERNEL_RATES["vector_matmul"].fraction_of_peak
    zero_rate = perf_model.KERNEL_RATES["vector_zero"].per_cycle  # bytes per cycle
    peak = 64  # AM020: int16 64 MACs per cycle per core
    kernels = 4 * (16 * 16 * 4 / zero_rate + 16 * 128 * 16 / (peak * eff))
    locks = 4 * 6 * perf_model.LOCK_CYCLES  # per member: C, and A and B of its one K step
    # the first A (and B) object: shim -> memtile, then memtile -> core (same bytes)
    fill = 16 * 128 * 2 / bw["memtile"] + 16 * 128 * 2 / bw["compute"]
    # the last C block: core -> memtile, then the column's joined 2 blocks to the shim
    drain = 16 * 16 * 4 / bw["compute"] + 2 * 16 * 16 * 4 / bw["memtile"]
    (m,) = perf_model.models(ir)
    assert len(m.cores) == 4
    for core in m.cores:
        assert core.kernel_cycles == pytest.approx(kernels)
        assert core.lock_cycles == pytest.approx(locks)
        assert core.waits == 0
        assert core.path == pytest.approx(fill + kernels + locks + drain)
        assert core.macs == 4 * 16 * 128 * 16
    text = perf_model.report(ir)
    assert "vector_matmul 43% of peak: published measurement" in text
    assert "vector_zero 32 byte/cycle: documented bound" in text


def _kernel_design(cost: str) -> str:
    """One core calling a user's kernel @vmac 8 times on 64-element i32 objects
    in and out (both depth 2), `cost` being its declaration's extra attributes."""
    sub = "!aie.objectfifosubview<memref<64xi32>>"
    return f"""
module {{
  aie.device(npu1) {{
    func.func private @vmac(memref<64xi32>, memref<64xi32>, i32)
      attributes {{dato.kernel_inputs = [0, 2], dato.kernel_outputs = [1]{cost}}}
    %shim = aie.tile(0, 0)
    %core = aie.tile(0, 2)
    aie.objectfifo @in(%shim, {{%core}}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @out(%core, {{%shim}}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    %0 = aie.core(%core) {{
      %lb = arith.constant 0 : index
      %ub = arith.constant 8 : index
      %st = arith.constant 1 : index
      %k = arith.constant 3 : i32
      scf.for %i = %lb to %ub step %st {{
        %s = aie.objectfifo.acquire @in(Consume, 1) : !aie.objectfifosubview<memref<64xi32>>
        %a = aie.objectfifo.subview.access %s[0] : {sub} -> memref<64xi32>
        %t = aie.objectfifo.acquire @out(Produce, 1) : !aie.objectfifosubview<memref<64xi32>>
        %b = aie.objectfifo.subview.access %t[0] : {sub} -> memref<64xi32>
        func.call @vmac(%a, %b, %k) : (memref<64xi32>, memref<64xi32>, i32) -> ()
        aie.objectfifo.release @in(Consume, 1)
        aie.objectfifo.release @out(Produce, 1)
      }}
      aie.end
    }}
    aie.runtime_sequence(%x: memref<512xi32>, %y: memref<512xi32>) {{
      aiex.npu.dma_memcpy_nd(%x[0, 0, 0, 0][1, 1, 1, 512][0, 0, 0, 1])
        {{id = 0 : i64, metadata = @in}} : memref<512xi32>
      aiex.npu.dma_memcpy_nd(%y[0, 0, 0, 0][1, 1, 1, 512][0, 0, 0, 1])
        {{id = 1 : i64, metadata = @out}} : memref<512xi32>
    }}
  }}
}}
"""


def _hand_path(kernel_cycles_per_call: float) -> float:
    """The core's path by hand: the first 256-byte object in (compute tile DMA),
    8 calls, 4 lock operations per iteration, the last 256-byte object out;
    both fifos have depth 2, so no waits, and no memtile hop."""
    bw = devices.NPU_DMA_BYTES_PER_CYCLE["AIE2"]
    obj = 64 * 4 / bw["compute"]
    return obj + 8 * kernel_cycles_per_call + 8 * 4 * perf_model.LOCK_CYCLES + obj


def test_declared_kernel_cycles_count_per_call(tmp_path: Path) -> None:
    path = tmp_path / "declared.mlir"
    path.write_text(_kernel_design(", dato.kernel_cycles = 1000 : i64"))
    ir = load_design(path)
    (m,) = perf_model.models(ir)
    (c,) = m.cores
    assert c.kernel_cycles == 8000
    assert c.path == pytest.approx(_hand_path(1000))
    assert m.cycles == pytest.approx(_hand_path(1000))
    text = perf_model.report(ir)
    assert "kernel @vmac: 1,000 cycles per call (declared)" in text
    assert "undeclared" not in text


def test_undeclared_kernel_is_assumed_and_said(tmp_path: Path) -> None:
    path = tmp_path / "undeclared.mlir"
    path.write_text(_kernel_design(""))
    ir = load_design(path)
    (m,) = perf_model.models(ir)
    (c,) = m.cores
    # the scalar library's rate, 10 cycles per output element (the scalar loop
    # of mlir-aie's programming guide section 4c): argument 1 has 64 i32, so
    # 640 cycles a call, 8 calls
    assert c.kernel_cycles == pytest.approx(8 * 640)
    assert c.path == pytest.approx(_hand_path(640))
    text = perf_model.report(ir)
    assert "kernel @vmac: cost undeclared, assumed 640 cycles per call" in text
    assert "dato.ExternalModule(..., cycles=N)" in text
    assert "(includes an assumed cost for undeclared kernel(s) vmac)" in text
    assert "undeclared 0.1 output element/cycle: derived from a published measurement" in text


def test_external_module_cycles_reach_the_model() -> None:
    """`cycles=` on dato.ExternalModule: in the declaration record, per call in
    the model (8 calls in a loop: 8000 of the core's kernel cycles)."""
    scale_add = dato.ExternalModule(
        top="scale_add",
        impl_path=EXTERNAL / "scale_add_aie.cc",
        args=[int32[64], int32[64], int32[64], int32],
        output_idx=[2],
        reference=EXTERNAL / "scale_add_ref.cc",
        cycles=1000,
    )

    @dato.region()
    def top(A: int32[64], B: int32[64], C: int32[64]) -> None:
        @dato.kernel(mapping=[1], args=[A, B, C])
        def core(a: int32[64], b: int32[64], c: int32[64]) -> None:
            for _ in range(8):
                scale_add(a, b, c, 3)

    ir = dato.build(top, target="aie").ir
    assert "dato.kernel_cycles = 1000 : i64" in str(ir)
    (m,) = perf_model.models(ir)
    (core,) = [c for c in m.cores if c.declared]
    assert core.declared == {"scale_add": 1000}
    assert "scale_add x8" in core.calls
    assert core.kernel_cycles >= 8000
    assert "kernel @scale_add: 1,000 cycles per call (declared)" in perf_model.report(ir)


@pytest.mark.parametrize("cycles", [-1, 2.5, "100", True])
def test_bad_cycles_named_at_the_declaring_line(cycles: object) -> None:
    with pytest.raises(
        dato.DatoError,
        match=r"test_npu_perf_model.py:\d+: error: ExternalModule k: cycles=.* must be a "
        "non-negative int",
    ):
        dato.ExternalModule(
            top="k",
            impl_path=EXTERNAL / "scale_add_ref.cc",
            args=[int32[4]],
            output_idx=[0],
            cycles=cycles,  # type: ignore[arg-type]
        )
