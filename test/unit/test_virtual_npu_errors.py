"""What the virtual NPU reports where hardware would hang or corrupt data."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from dato_xdsl.targets.virtual_npu import (
    BdReuseError,
    DepthError,
    DesignError,
    KernelError,
    NpuDeadlockError,
    UnwrittenDataError,
    run_design,
)
from dato_xdsl.targets.virtual_npu.cli import load_design

INPUTS = Path(__file__).parent / "inputs" / "aie"
ROOT = Path(__file__).resolve().parents[2]


def design(name: str):
    return load_design(INPUTS / f"{name}.mlir")


def pair(n: int = 1024) -> list[np.ndarray]:
    return [np.arange(n, dtype=np.int32), np.zeros(n, np.int32)]


def test_deadlock_is_reported_quickly_with_who_waits_on_what():
    start = time.monotonic()
    with pytest.raises(NpuDeadlockError) as info:
        run_design(design("deadlock"), pair(), timeout=30)
    assert time.monotonic() - start < 5
    message = str(info.value)
    assert "deadlock.mlir:35:5: error: deadlock" in message
    assert "core (0, 2) waits at acquire @in_core (Consume, 2) (" in message
    assert "deadlock.mlir:22:9" in message
    assert "1 of 2 full" in message  # the third object arrived, the fourth never will
    assert "dma_wait @out" in message


def test_bd_id_reused_before_its_transfer_finished():
    with pytest.raises(BdReuseError, match=r"bd_reuse.mlir:38:7: error: .*reprograms BD 1"):
        run_design(design("bd_reuse"), pair())


def test_acquire_beyond_the_depth_of_a_fifo_end():
    with pytest.raises(DepthError, match=r"acquires 2 objects of @in_core .* has 1 buffer"):
        run_design(design("depth_exceeded"), pair())


def test_buffers_over_a_tiles_data_memory():
    # 2 fifos x 2 buffers x 32 KiB + 1 KiB stack on a 64 KiB compute tile
    with pytest.raises(DesignError, match=r"compute tile \(0, 2\) needs 132096 bytes .* has 65536"):
        run_design(design("memory_overflow"), pair(131072))


def test_data_no_dma_wrote_is_reported():
    with pytest.raises(UnwrittenDataError, match=r"reads 8 of the 72 .*first is element 32"):
        run_design(design("unwritten_join"), [np.zeros(72, np.int32)])


def test_missing_kernel_source():
    with pytest.raises(KernelError, match=r"scale_by.o for @scale_by: no source"):
        run_design(design("missing_kernel"), [np.zeros(64, np.int32)])


def test_missing_kernel_symbol():
    with pytest.raises(KernelError, match=r"defines no extern \"C\" symbol scale_by"):
        run_design(design("missing_symbol"), [np.zeros(64, np.int32)])


def test_kernel_found_in_a_given_directory(tmp_path):
    (tmp_path / "scale_by.cc").write_text(
        '#include <cstdint>\nextern "C" void scale_by(int32_t* x, int32_t k) {\n'
        "  for (int i = 0; i < 64; ++i) x[i] *= k;\n}\n"
    )
    # the core scales its input in place and releases it; nothing comes back,
    # so the run ends once the host transfer is consumed
    stats = run_design(design("missing_kernel"), [np.ones(64, np.int32)], kernel_dirs=[tmp_path])
    assert stats.host_elements == 64


def dato_run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "tools" / "dato-run"), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def test_dato_run_writes_the_outputs(tmp_path):
    a = np.arange(128, dtype=np.int32) + 5
    np.save(tmp_path / "a.npy", a)
    done = dato_run(str(INPUTS / "lock_bd.mlir"), "a.npy", "zeros", "-o", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "%b: 128 element(s) written by the NPU, 128 changed" in done.stdout
    np.testing.assert_array_equal(np.load(tmp_path / "out" / "b.npy"), a * 3)


def test_dato_run_reports_errors_without_traceback(tmp_path):
    done = dato_run(str(INPUTS / "deadlock.mlir"), cwd=tmp_path)
    assert done.returncode == 1
    assert "error: deadlock" in done.stderr
    assert "Traceback" not in done.stderr
    missing = dato_run("nowhere.mlir", cwd=tmp_path)
    assert missing.returncode == 1 and "Traceback" not in missing.stderr


SPINNING_CORE = """
module {
  aie.device(npu1_1col) {
    %tile = aie.tile(0, 2)
    %buf = aie.buffer(%tile) {sym_name = "x"} : memref<4xi32>
    %core = aie.core(%tile) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %big = arith.constant 9223372036854775807 : index
      %one = arith.constant 1 : i32
      scf.for %i = %c0 to %big step %c1 {
        %v = memref.load %buf[%c0] : memref<4xi32>
        %w = arith.addi %v, %one : i32
        memref.store %w, %buf[%c0] : memref<4xi32>
      }
      aie.end
    }
  }
}
"""


def test_a_core_that_never_waits_hits_the_timeout(tmp_path):
    from dato_xdsl.targets.virtual_npu import NpuTimeout

    path = tmp_path / "spin.mlir"
    path.write_text(SPINNING_CORE)
    start = time.monotonic()
    with pytest.raises(NpuTimeout, match="ran longer than 0.5 s"):
        run_design(load_design(path), [], timeout=0.5)
    assert time.monotonic() - start < 5
