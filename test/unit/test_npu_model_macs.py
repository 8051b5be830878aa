"""A kernel's cost declared as work: `dato.ExternalModule(..., macs=N,
efficiency=e)` is counted by the NPU performance model as N / (the device's
peak MACs per cycle of the kernel's input type x e) cycles per call, and its
MACs count in the utilization. Checked against cycles computed by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import devices, int8, int32
from dato_xdsl.targets.aie import perf_model
from dato_xdsl.targets.virtual_npu.cli import load_design

HERE = Path(__file__).resolve().parent / "inputs" / "external"


def mm_i8_numpy(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> None:
    """The reference the simulator and the virtual NPU run."""
    c[...] = a.astype(np.int32) @ b.astype(np.int32)


def _mm(**cost: object) -> dato.ExternalModule:
    return dato.ExternalModule(
        top="mm_i8",
        impl_path=HERE / "mm_i8_aie.cc",
        args=[int8[16, 32], int8[32, 16], int32[16, 16]],
        output_idx=[2],
        reference=mm_i8_numpy,
        **cost,  # type: ignore[arg-type]
    )


def _design(device: str, cost: str) -> str:
    """One core calling @k 8 times on 64-element i32 objects in and out (both
    depth 2); `cost` is the declaration's extra attributes."""
    sub = "!aie.objectfifosubview<memref<64xi32>>"
    return f"""
module {{
  aie.device({device}) {{
    func.func private @k(memref<64xi32>, memref<64xi32>)
      attributes {{dato.kernel_inputs = [0], dato.kernel_outputs = [1]{cost}}}
    %shim = aie.tile(0, 0)
    %core = aie.tile(0, 2)
    aie.objectfifo @in(%shim, {{%core}}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @out(%core, {{%shim}}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    %0 = aie.core(%core) {{
      %lb = arith.constant 0 : index
      %ub = arith.constant 8 : index
      %st = arith.constant 1 : index
      scf.for %i = %lb to %ub step %st {{
        %s = aie.objectfifo.acquire @in(Consume, 1) : {sub}
        %a = aie.objectfifo.subview.access %s[0] : {sub} -> memref<64xi32>
        %t = aie.objectfifo.acquire @out(Produce, 1) : {sub}
        %b = aie.objectfifo.subview.access %t[0] : {sub} -> memref<64xi32>
        func.call @k(%a, %b) : (memref<64xi32>, memref<64xi32>) -> ()
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


@pytest.mark.parametrize(
    ("device", "arch", "peak"),
    [("npu1", "AIE2", 256), ("npu2", "AIE2P", 512)],  # int8 MACs/cycle: AM020; DESIGN.md
)
def test_macs_cost_counted_by_hand(tmp_path: Path, device: str, arch: str, peak: int) -> None:
    path = tmp_path / "macs.mlir"
    cost = (
        ', dato.kernel_macs = 32768 : i64, dato.kernel_mac_type = "i8", '
        "dato.kernel_efficiency = 5.000000e-01 : f64"
    )
    path.write_text(_design(device, cost))
    ir = load_design(path)
    (m,) = perf_model.models(ir)
    (c,) = m.cores
    per_call = 32768 / (peak * 0.5)  # npu1: 256 cycles, npu2: 128
    assert c.kernel_cycles == pytest.approx(8 * per_call)
    # by hand: the first 256-byte object in, 8 calls, 4 lock operations per
    # iteration, the last object out (depth 2 both ways: no waits, no memtile)
    obj = 64 * 4 / devices.NPU_DMA_BYTES_PER_CYCLE[arch]["compute"]
    path_cycles = obj + 8 * per_call + 8 * 4 * perf_model.LOCK_CYCLES + obj
    assert c.path == pytest.approx(path_cycles)
    assert c.macs == 8 * 32768
    assert m.cycles == pytest.approx(path_cycles)
    # utilization of the array's int8 peak: useful MACs over cycles x peak x cores
    cores = devices.DEVICES[device].compute_cores
    assert m.utilization("i8") == pytest.approx(8 * 32768 / (path_cycles * peak * cores))
    text = perf_model.report(ir)
    assert (
        f"kernel @k: 32,768 MACs per call at 50% of the i8 peak ({peak} MACs/cycle) = "
        f"{per_call:,.1f} cycles per call (declared work)"
    ) in text
    assert "modeled utilization of the array's i8 peak" in text
    assert "declared kernel work: the user's dato.ExternalModule(macs=..." in text
    assert "undeclared" not in text


def test_macs_without_a_peak_is_an_assumed_cost(tmp_path: Path) -> None:
    path = tmp_path / "nopeak.mlir"
    # npu1 has no f32 MAC figure (AM020 lists none): the undeclared rate (the
    # scalar library's, 10 cycles per output element: 64 i32 outputs, 640 a
    # call) applies and the report says so
    path.write_text(
        _design("npu1", ', dato.kernel_macs = 1000 : i64, dato.kernel_mac_type = "f32"')
    )
    ir = load_design(path)
    (m,) = perf_model.models(ir)
    (c,) = m.cores
    assert c.kernel_cycles == pytest.approx(8 * 640)
    assert c.macs == 0
    text = perf_model.report(ir)
    assert "@k declares its MACs in f32, for which npu1 has no peak figure" in text
    assert "kernel @k: cost undeclared, assumed 640 cycles per call" in text


@dato.region()
def one_block(A: int8[16, 32], B: int8[32, 16], C: int32[16, 16]) -> None:
    @dato.kernel(mapping=[1], args=[A, B, C])
    def core(a: int8[16, 32], b: int8[32, 16], c: int32[16, 16]) -> None:
        MM(a, b, c)


MM = _mm(macs=16 * 32 * 16, efficiency=0.25)


@pytest.mark.parametrize(("device", "peak"), [("npu1", 256), ("npu2", 512)])
def test_external_module_macs_reach_the_model_and_run(
    tmp_path: Path, device: str, peak: int
) -> None:
    mod = dato.build(one_block, target="aie", device=device, project=tmp_path)
    text = str(mod.ir)
    assert "dato.kernel_macs = 8192 : i64" in text
    assert 'dato.kernel_mac_type = "i8"' in text
    (m,) = perf_model.models(mod.ir)
    (core,) = [c for c in m.cores if c.by_macs]
    cost, per_call = core.by_macs["mm_i8"]
    assert (cost.macs, cost.dtype, cost.efficiency) == (8192, "i8", 0.25)
    assert per_call == pytest.approx(8192 / (peak * 0.25))  # npu1 128, npu2 64 cycles
    assert core.macs == 8192
    # the call still runs its reference, equal to numpy, on the virtual NPU
    rng = np.random.default_rng(3)
    a = rng.integers(-128, 128, (16, 32), dtype=np.int8)
    b = rng.integers(-128, 128, (32, 16), dtype=np.int8)
    c = np.zeros((16, 16), np.int32)
    mod(a, b, c)
    np.testing.assert_array_equal(c, a.astype(np.int32) @ b.astype(np.int32))


@pytest.mark.parametrize(
    ("cost", "message"),
    [
        ({"macs": -1}, r"macs=-1 must be a non-negative int"),
        ({"macs": 2.5}, r"macs=2.5 must be a non-negative int"),
        ({"macs": True}, r"macs=True must be a non-negative int"),
        ({"macs": 10, "cycles": 5}, r"declare its cost as cycles= or as macs=, not both"),
        ({"efficiency": 0.5}, r"efficiency= applies to macs="),
        ({"macs": 10, "efficiency": 0.0}, r"efficiency=0.0 must be a number in \(0, 1\]"),
        ({"macs": 10, "efficiency": 1.5}, r"efficiency=1.5 must be a number in \(0, 1\]"),
        ({"macs": 10, "efficiency": "1"}, r"efficiency='1' must be a number in \(0, 1\]"),
    ],
)
def test_bad_macs_named_at_the_declaring_line(cost: dict, message: str) -> None:
    with pytest.raises(
        dato.DatoError, match=r"test_npu_model_macs.py:\d+: error: ExternalModule mm_i8: " + message
    ):
        _mm(**cost)


def test_macs_needs_an_input_array() -> None:
    with pytest.raises(dato.DatoError, match=r"ExternalModule fill: macs= counts MACs at the peak"):
        dato.ExternalModule(
            top="fill",
            impl_path=HERE / "mm_i8_aie.cc",
            args=[int32, int32[16]],
            output_idx=[1],
            macs=16,
        )


def test_dma_bandwidth_what_if(tmp_path: Path) -> None:
    """`dma_bytes_per_cycle` replaces devices.py's bandwidth of the kinds it
    names (a what-if); the shim channels' cycles follow by hand."""
    path = tmp_path / "bw.mlir"
    path.write_text(_design("npu1", ", dato.kernel_cycles = 10 : i64"))
    ir = load_design(path)
    shim = devices.NPU_DMA_BYTES_PER_CYCLE["AIE2"]["shim"]
    bd = perf_model.BD_CYCLES
    for table, per_cycle in ((None, shim), ({"shim": 8}, 8)):
        (m,) = perf_model.models(ir, None, table)
        channels = {ch.name: ch for ch in m.channels if ch.kind == "shim"}
        # 8 objects of 64 int32 each way, plus a BD per object
        for name in ("MM2S @in", "S2MM @out"):
            assert channels[name].cycles == pytest.approx(8 * 256 / per_cycle + 8 * bd)
        compute = [ch for ch in m.channels if ch.kind == "compute"]
        assert all(ch.cycles == pytest.approx(8 * 256 / 4 + 8 * bd) for ch in compute)
