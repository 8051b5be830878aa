"""A GEMM with an in-task bias on a 4x4 mapping, folded onto 8 GEMM cores
each fed its bias blocks by a loader core beside it (a stream between
cores). When the memtile cannot hold every K step of the A and B
distributes, the cores share one step's room and wait for each other; that
is safe when the only streams into them come from feeders (a loader that
gets no stream and sends to one core only, never tied to another core), so
the planner keeps the 8 cores instead of dropping to 2 (issue 12: int32
256 x 256 x 512 on npu1 modeled 169,178,400 -> 42,894,976 cycles). npu1's
memtile memory is lowered to 128 KiB so 128 x 128 x 256 takes that path.
Results compared with numpy bit for bit on the virtual NPU."""

import dataclasses
from pathlib import Path

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import devices, int32
from test.unit.test_npu_fold_parallel_gemm import core_tasks, gemm_bias

RNG = np.random.default_rng(2026)


@pytest.fixture
def small_memtiles(monkeypatch: pytest.MonkeyPatch) -> devices.NpuDevice:
    """npu1 with 128 KiB memtiles: a column's A sequences of 128 x 256 int32
    (every K step held) no longer fit, as 256 x 512 do not fit 512 KiB."""
    npu1 = devices.DEVICES["npu1"]
    small = dataclasses.replace(
        npu1, memtile=dataclasses.replace(npu1.memtile, data_memory_bytes=128 * 1024)
    )
    monkeypatch.setitem(devices.DEVICES, "npu1", small)
    return small


def test_gemm_bias_fed_cores_keep_8_cores(
    small_memtiles: devices.NpuDevice, tmp_path: Path
) -> None:
    M, N, K = 128, 128, 256
    mod = dato.build(gemm_bias(int32, M, N, K, 4, 4), target="aie", project=tmp_path)
    gemm_cores = [t for t in core_tasks(mod) if not any("load" in n for n in t)]
    assert sorted(len(t) for t in gemm_cores) == [2] * 8
    A = RNG.integers(-(2**15), 2**15, (M, K)).astype(np.int32)
    B = RNG.integers(-(2**15), 2**15, (K, N)).astype(np.int32)
    Bias = RNG.integers(-(2**31), 2**31, (M, N), dtype=np.int64).astype(np.int32)
    C = np.zeros((M, N), np.int32)
    mod(A, B, Bias, C)
    want = (A.astype(np.int64) @ B.astype(np.int64) + Bias).astype(np.int32)  # wraps as int32
    np.testing.assert_array_equal(C, want)
