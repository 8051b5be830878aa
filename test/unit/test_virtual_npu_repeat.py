# ruff: noqa: E501
"""An objectfifo's `repeat_count` on the virtual NPU, as mlir-aie defines it
(programming_guide section-2b 04_Repeat, test/objectFifo-stateful-transform/
repeat_count): the producer's DMA sends each object N times before its buffer
is released (`buff_ping, buff_ping, buff_pong, buff_pong` for N = 2); on a
link's output the object is the link tile's buffer, so a one-to-one link from
larger objects resends the whole larger object. Expected values are built with
numpy from that rule."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dato_xdsl.targets.virtual_npu import DesignError, run_design
from dato_xdsl.targets.virtual_npu.cli import load_design


def _design(tmp_path: Path, text: str) -> object:
    path = tmp_path / "design.mlir"
    path.write_text(text)
    return load_design(path)


MEMTILE_REPEAT = """
module {{
  aie.device(npu1_1col) {{
    %shim = aie.tile(0, 0)
    %mem = aie.tile(0, 1)
    aie.objectfifo @in(%shim, {{%mem}}, 2 : i32) : !aie.objectfifo<memref<8xi32>>
    aie.objectfifo @out(%mem, {{%shim}}, 2 : i32) {{repeat_count = {n} : i32}} : !aie.objectfifo<memref<8xi32>>
    aie.objectfifo.link [@in] -> [@out] ([] [])
    aie.runtime_sequence(%a: memref<24xi32>, %b: memref<{out}xi32>) {{
      aiex.npu.dma_memcpy_nd(%b[0, 0, 0, 0][1, 1, 1, {out}][0, 0, 0, 1]) {{id = 1 : i64, metadata = @out, issue_token = true}} : memref<{out}xi32>
      aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 1, 24][0, 0, 0, 1]) {{id = 0 : i64, metadata = @in}} : memref<24xi32>
      aiex.npu.dma_wait {{symbol = @out}}
    }}
  }}
}}
"""


@pytest.mark.parametrize("n", [1, 2, 3])
def test_memtile_sends_each_object_n_times_in_turn(tmp_path, n):
    a = np.arange(24, dtype=np.int32) * 7 - 50
    b = np.full(24 * n, -1, np.int32)
    run_design(_design(tmp_path, MEMTILE_REPEAT.format(n=n, out=24 * n)), [a, b])
    # objects of 8: each one n times, in order (not the whole stream n times)
    expected = np.concatenate([np.tile(obj, n) for obj in a.reshape(3, 8)])
    np.testing.assert_array_equal(b, expected)


LARGER_OBJECT_TO_CORE = """
// 32-element objects from the host, 8-element objects to the core, repeated 3
// times by the memtile: the core sees each 32-element object 3 times, in
// 8-element pieces through the blocked pattern (2 x 4 blocks of a 4 x 8 tile,
// read column block by column block). It adds the number of the piece.
module {
  aie.device(npu1_1col) {
    %shim = aie.tile(0, 0)
    %mem = aie.tile(0, 1)
    %core = aie.tile(0, 2)
    aie.objectfifo @in(%shim, {%mem}, 2 : i32) : !aie.objectfifo<memref<32xi32>>
    aie.objectfifo @in_core(%mem dimensionsToStream [<size = 2, stride = 4>, <size = 4, stride = 8>, <size = 4, stride = 1>], {%core}, 2 : i32) {repeat_count = 3 : i32} : !aie.objectfifo<memref<8xi32>>
    aie.objectfifo.link [@in] -> [@in_core] ([] [])
    aie.objectfifo @out(%core, {%shim}, 2 : i32) : !aie.objectfifo<memref<8xi32>>
    %c = aie.core(%core) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c8 = arith.constant 8 : index
      %c24 = arith.constant 24 : index
      scf.for %i = %c0 to %c24 step %c1 {
        %x = aie.objectfifo.acquire @in_core(Consume, 1) : memref<8xi32>
        %y = aie.objectfifo.acquire @out(Produce, 1) : memref<8xi32>
        %k = arith.index_cast %i : index to i32
        scf.for %j = %c0 to %c8 step %c1 {
          %v = memref.load %x[%j] : memref<8xi32>
          %w = arith.addi %v, %k : i32
          memref.store %w, %y[%j] : memref<8xi32>
        }
        aie.objectfifo.release @in_core(Consume, 1)
        aie.objectfifo.release @out(Produce, 1)
      }
      aie.end
    }
    aie.runtime_sequence(%a: memref<64xi32>, %b: memref<192xi32>) {
      aiex.npu.dma_memcpy_nd(%b[0, 0, 0, 0][1, 1, 1, 192][0, 0, 0, 1]) {id = 1 : i64, metadata = @out, issue_token = true} : memref<192xi32>
      aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 1, 64][0, 0, 0, 1]) {id = 0 : i64, metadata = @in} : memref<64xi32>
      aiex.npu.dma_wait {symbol = @out}
    }
  }
}
"""


def test_a_link_from_larger_objects_resends_the_whole_buffer(tmp_path):
    a = np.random.default_rng(3).integers(-1000, 1000, 64).astype(np.int32)
    b = np.zeros(192, np.int32)
    run_design(_design(tmp_path, LARGER_OBJECT_TO_CORE), [a, b])
    pieces = []
    for obj in a.reshape(2, 4, 8):  # two 32-element objects, each a 4 x 8 tile
        blocked = np.concatenate([obj[:, 0:4].reshape(-1), obj[:, 4:8].reshape(-1)])
        pieces += [blocked] * 3  # the whole object, 3 times, before the next
    expected = np.concatenate(pieces).reshape(24, 8) + np.arange(24, dtype=np.int32)[:, None]
    np.testing.assert_array_equal(b, expected.reshape(-1))


def test_a_shim_producer_with_a_repeat_is_refused(tmp_path):
    text = MEMTILE_REPEAT.format(n=1, out=24).replace(
        "aie.objectfifo @in(%shim, {%mem}, 2 : i32)",
        "aie.objectfifo @in(%shim, {%mem}, 2 : i32) {repeat_count = 2 : i32}",
    )
    with pytest.raises(DesignError, match=r"@in has repeat_count 2 on a shim tile producer"):
        run_design(_design(tmp_path, text), [np.zeros(24, np.int32), np.zeros(24, np.int32)])


def test_repeat_count_round_trips_and_is_verified(tmp_path):
    from xdsl.utils.exceptions import DiagnosticException

    device = _design(tmp_path, MEMTILE_REPEAT.format(n=3, out=72))
    assert "{repeat_count = 3 : i32}" in str(device)
    with pytest.raises(DiagnosticException, match=r"design.mlir:7:5: .*@out has repeat_count 0"):
        _design(tmp_path, MEMTILE_REPEAT.format(n=0, out=24))
