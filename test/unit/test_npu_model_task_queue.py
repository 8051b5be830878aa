"""The performance model's runtime-sequence issue (perf_model.issue_model):
shim task queues of TASK_QUEUE_DEPTH tasks per channel (AM020, "Array
Interface DMA Memory-Mapped AXI4 Master Interface": "queue depth is four tasks
per channel") and dma_waits that hold later transfers back. Checked against
cycles computed by hand: on task lists with stated durations, and on a small
hand-written design whose sequence waits for each output before the next
input (every figure is MODELED)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dato_xdsl import devices
from dato_xdsl.targets.aie import perf_model
from dato_xdsl.targets.aie.perf_model import Transfer, Wait, issue_model
from dato_xdsl.targets.virtual_npu.cli import load_design


def test_queue_depth_is_am020s() -> None:
    assert perf_model.TASK_QUEUE_DEPTH == 4
    assert "AM020" in perf_model.TASK_QUEUE_SOURCE


def test_a_full_queue_holds_the_next_channel_back() -> None:
    """Six 100-cycle tasks on A, then one of 500 on B, then C's output (10
    cycles, 20 of latency). A's 5th push finds A1..A4 unfinished: it waits for
    A1 (cycle 100), the 6th for A2 (200); B is issued at 200 instead of 0 and
    ends at 700 instead of 500; C starts 20 after the last input started
    (A6 at 500, B at 200): 520..530. The last task, B, ends at 700 against
    max(A's 600, B's 500, C's 520 + 10) = 600 when every task is issued at
    once (A6 starts at 500 either way)."""
    ops = [Transfer("A", 100, True, False) for _ in range(6)]
    ops += [Transfer("B", 500, True, False), Transfer("C", 10, False, True), Wait("C")]
    m = issue_model(ops, latency=20)
    assert m.tasks == 8
    assert m.queue_waits == 2
    assert m.queue_held == pytest.approx(200)
    assert m.end == pytest.approx(700)
    assert m.free_end == pytest.approx(600)
    assert m.stall == pytest.approx(100)
    # with a queue of 6 nothing waits
    assert issue_model(ops, latency=20, depth=6).stall == 0


def test_a_wait_before_the_next_input_restarts_the_pipeline() -> None:
    """A1 (10), C1 (100, token), wait C1, A2 (10), C2 (100, token), wait C2;
    latency 20. As issued: C1 runs 20..120 (A1's start + 20); the wait holds
    A2 to 120..130; C2 from A2's start + 20: 140..240. At once: A2 runs 10..20
    and C2 follows C1 on its channel, 120..220. The wait held the issue 120
    cycles; the pipeline's restart costs the latency: a stall of 20."""
    ops = [
        Transfer("A", 10, True, False),
        Transfer("C", 100, False, True),
        Wait("C"),
        Transfer("A", 10, True, False),
        Transfer("C", 100, False, True),
        Wait("C"),
    ]
    m = issue_model(ops, latency=20)
    assert (m.end, m.free_end, m.sync_held, m.queue_waits) == (240, 220, 120, 0)
    assert m.stall == pytest.approx(20)


ROUNDS = """
module {
  aie.device(npu1) {
    %shim = aie.tile(0, 0)
    %core = aie.tile(0, 2)
    aie.objectfifo @in(%shim, {%core}, 2 : i32) : !aie.objectfifo<memref<1024xi32>>
    aie.objectfifo @out(%core, {%shim}, 2 : i32) : !aie.objectfifo<memref<1024xi32>>
    %0 = aie.core(%core) {
      %lb = arith.constant 0 : index
      %ub = arith.constant 2 : index
      %st = arith.constant 1 : index
      scf.for %i = %lb to %ub step %st {
        %s = aie.objectfifo.acquire @in(Consume, 1) : !aie.objectfifosubview<memref<1024xi32>>
        %o = aie.objectfifo.acquire @out(Produce, 1) : !aie.objectfifosubview<memref<1024xi32>>
        %x = arith.addi %lb, %st : index
        aie.objectfifo.release @in(Consume, 1)
        aie.objectfifo.release @out(Produce, 1)
      }
      aie.end
    }
    aie.runtime_sequence(%a: memref<2048xi32>, %c: memref<2048xi32>) {
      aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 1, 1024][0, 0, 0, 1])
        {id = 0 : i64, metadata = @in} : memref<2048xi32>
      aiex.npu.dma_memcpy_nd(%c[0, 0, 0, 0][1, 1, 1, 1024][0, 0, 0, 1])
        {id = 1 : i64, issue_token = true, metadata = @out} : memref<2048xi32>
      aiex.npu.dma_wait {symbol = @out}
      aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 1024][1, 1, 1, 1024][0, 0, 0, 1])
        {id = 0 : i64, metadata = @in} : memref<2048xi32>
      aiex.npu.dma_memcpy_nd(%c[0, 0, 0, 1024][1, 1, 1, 1024][0, 0, 0, 1])
        {id = 1 : i64, issue_token = true, metadata = @out} : memref<2048xi32>
      aiex.npu.dma_wait {symbol = @out}
    }
  }
}
"""


def test_design_waiting_for_each_output_by_hand(tmp_path: Path) -> None:
    path = tmp_path / "rounds.mlir"
    path.write_text(ROUNDS)
    (m,) = perf_model.models(load_design(path))
    bw = devices.NPU_DMA_BYTES_PER_CYCLE["AIE2"]
    assert bw["shim"] == bw["compute"] == 4  # AM020; the figures below use it
    obj = 4096 / 4  # one 4 KiB object at 4 bytes per cycle: 1024 cycles
    # the core: fill (its first object) + 2 adds + 8 lock operations + drain
    # (its last object out; both fifos depth 2: no waits)
    path_ = obj + 2 + 8 * perf_model.LOCK_CYCLES + obj
    (core,) = m.cores
    assert core.path == pytest.approx(path_)  # 2114
    channel = 2 * obj + 2 * perf_model.BD_CYCLES  # 2080 on each of the 4 channel ends
    assert max(ch.cycles for ch in m.channels) == pytest.approx(channel)
    assert m.steady_cycles == pytest.approx(path_)
    # the sequence: latency = fill + drain = 2048; a task's share of the steady
    # time less that (66 / 2) is below its 1024 at the shim's rate: 1024 each.
    # As issued: in1 0..1024, out1 from in1's start + 2048: 2048..3072, the
    # wait holds in2 to 3072..4096, out2 from 3072 + 2048: 5120..6144. At
    # once: in2 1024..2048, out2 from max(out1's end 3072, 1024 + 2048):
    # 3072..4096. Stall 2048.
    assert m.issue is not None
    assert m.issue.end == pytest.approx(6144)
    assert m.issue.free_end == pytest.approx(4096)
    assert m.issue.sync_held == pytest.approx(3072)
    assert m.issue.queue_waits == 0
    assert m.cycles == pytest.approx(path_ + 2048)
    assert m.bottleneck.endswith("then the runtime sequence's issue (2,048 cycles)")
    text = perf_model.report(load_design(path))
    assert "runtime sequence: 4 shim tasks" in text
    assert "it adds 2,048 cycles to the steady 2,114" in text
    assert "shim task queue 4 tasks per channel: AM020" in text


def test_a_sequence_issued_at_once_adds_nothing(tmp_path: Path) -> None:
    """The same design with both inputs issued before the outputs and one wait
    at the end: nothing is held, the modeled time is the steady time."""
    lines = ROUNDS.splitlines()
    first_wait = next(k for k, ln in enumerate(lines) if "dma_wait" in ln)
    # move the first wait to the end of the sequence
    body = lines[:first_wait] + lines[first_wait + 1 : -3] + [lines[first_wait]] + lines[-3:]
    path = tmp_path / "at_once.mlir"
    path.write_text("\n".join(body))
    (m,) = perf_model.models(load_design(path))
    assert m.issue is not None and m.issue.stall == 0
    assert m.cycles == pytest.approx(m.steady_cycles)
