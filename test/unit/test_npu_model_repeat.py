# ruff: noqa: E501
"""The NPU performance model on a memtile that resends objects
(`repeat_count`): the shim channel carries what the runtime sequence moves
(each object once), the memtile's MM2S what the core takes (every resend),
and with one memtile buffer the core waits for each refill after the first.
Cycles computed by hand from devices.py's bandwidths and the model's stated
BD and lock costs; the same design runs on the virtual NPU equal to numpy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dato_xdsl import devices
from dato_xdsl.targets.aie import perf_model
from dato_xdsl.targets.virtual_npu import VirtualNpu
from dato_xdsl.targets.virtual_npu.cli import load_design

SUB = "!aie.objectfifosubview<memref<64xi32>>"


def _design(depth: int) -> str:
    """4 objects of 256 int32 from the host, each held by the memtile
    (`depth` buffers) and resent 3 times as 4 pieces of 64: the core takes 48
    pieces, calls @k (declared 100 cycles) on each and sends it back."""
    return f"""
module {{
  aie.device(npu1) {{
    func.func private @k(memref<64xi32>, memref<64xi32>)
      attributes {{dato.kernel_inputs = [0], dato.kernel_outputs = [1], dato.kernel_cycles = 100 : i64}}
    %shim = aie.tile(0, 0)
    %mem = aie.tile(0, 1)
    %core = aie.tile(0, 2)
    aie.objectfifo @in(%shim, {{%mem}}, {depth} : i32) : !aie.objectfifo<memref<256xi32>>
    aie.objectfifo @in_core(%mem, {{%core}}, [{depth}, 2]) {{repeat_count = 3 : i32}} : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo.link [@in] -> [@in_core] ([] [])
    aie.objectfifo @out(%core, {{%shim}}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    %0 = aie.core(%core) {{
      %lb = arith.constant 0 : index
      %ub = arith.constant 48 : index
      %st = arith.constant 1 : index
      scf.for %i = %lb to %ub step %st {{
        %s = aie.objectfifo.acquire @in_core(Consume, 1) : {SUB}
        %a = aie.objectfifo.subview.access %s[0] : {SUB} -> memref<64xi32>
        %t = aie.objectfifo.acquire @out(Produce, 1) : {SUB}
        %b = aie.objectfifo.subview.access %t[0] : {SUB} -> memref<64xi32>
        func.call @k(%a, %b) : (memref<64xi32>, memref<64xi32>) -> ()
        aie.objectfifo.release @in_core(Consume, 1)
        aie.objectfifo.release @out(Produce, 1)
      }}
      aie.end
    }} {{link_with = "k.o"}}
    aie.runtime_sequence(%x: memref<1024xi32>, %y: memref<3072xi32>) {{
      aiex.npu.dma_memcpy_nd(%y[0, 0, 0, 0][1, 1, 1, 3072][0, 0, 0, 1])
        {{id = 1 : i64, metadata = @out, issue_token = true}} : memref<3072xi32>
      aiex.npu.dma_memcpy_nd(%x[0, 0, 0, 0][1, 1, 1, 1024][0, 0, 0, 1])
        {{id = 0 : i64, metadata = @in}} : memref<1024xi32>
      aiex.npu.dma_wait {{symbol = @out}}
    }}
  }}
}}
"""


@pytest.mark.parametrize("depth", [1, 2])
def test_repeat_counted_by_hand(tmp_path: Path, depth: int) -> None:
    path = tmp_path / "repeat.mlir"
    path.write_text(_design(depth))
    ir = load_design(path)
    (m,) = perf_model.models(ir)
    bw = devices.NPU_DMA_BYTES_PER_CYCLE["AIE2"]
    bd = perf_model.BD_CYCLES
    ch = {(c.name, c.kind): c for c in m.channels}
    # the shim sends the 4 objects of 1 KiB once; the memtile sends 48 pieces of 256 B
    assert ch[("MM2S @in", "shim")].bytes == 4 * 1024
    assert ch[("MM2S @in", "shim")].cycles == pytest.approx(4 * 1024 / bw["shim"] + 4 * bd)
    assert ch[("MM2S @in_core", "memtile")].bytes == 48 * 256
    assert ch[("MM2S @in_core", "memtile")].cycles == pytest.approx(
        48 * 256 / bw["memtile"] + 48 * bd
    )
    (core,) = m.cores
    assert core.kernel_cycles == 48 * 100
    # one memtile buffer: the 3 objects after the first are refilled while the
    # core waits (1 KiB each at the shim's rate); two buffers: no wait
    refill = 1024 / min(bw["shim"], bw["memtile"])
    assert core.waits == pytest.approx(3 * refill if depth == 1 else 0.0)
    # the fill: the first piece through the memtile after its whole object
    assert core.fill == pytest.approx(256 / bw["compute"] + 1024 / bw["memtile"])
    x = np.arange(1024, dtype=np.int32) * 3 - 7
    y = np.zeros(3072, np.int32)
    kernels = tmp_path / "k.cc"
    kernels.write_text(
        '#include <cstdint>\nextern "C" void k(const int32_t* a, int32_t* b) '
        "{ for (int i = 0; i < 64; ++i) b[i] = a[i] + 1; }\n"
    )
    VirtualNpu(ir, kernel_sources={"k": (kernels, [])}).run(x, y)
    expected = np.concatenate([np.tile(obj, 3) for obj in x.reshape(4, 256)]) + 1
    np.testing.assert_array_equal(y, expected)
