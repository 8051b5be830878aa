"""The virtual NPU on hand-written mlir-aie designs (test/unit/inputs/aie/),
each result checked against numpy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dato_xdsl.targets.virtual_npu import VirtualNpu, run_design
from dato_xdsl.targets.virtual_npu.cli import load_design

INPUTS = Path(__file__).parent / "inputs" / "aie"


def design(name: str):
    return load_design(INPUTS / f"{name}.mlir")


def test_passthrough_through_a_memtile_ends_with_the_core_waiting():
    a = np.arange(1024, dtype=np.int32) * 7 - 300
    b = np.zeros(1024, np.int32)
    stats = run_design(design("passthrough_memtile"), [a, b])
    np.testing.assert_array_equal(b, a)
    assert stats.outputs_written == (0, 1024)
    # the endless core loop is left waiting for a 17th object
    assert len(stats.waiting_at_end) == 1
    assert "acquire @in_core (Consume, 1)" in stats.waiting_at_end[0]


def test_passthrough_with_dma_tasks():
    a = np.arange(1024, dtype=np.int32)[::-1].copy()
    b = np.full(1024, -1, np.int32)
    run_design(design("passthrough_tasks"), [a, b])
    np.testing.assert_array_equal(b, a)


def test_repeated_runs_start_from_fresh_state():
    npu = VirtualNpu(design("passthrough_memtile"))
    for seed in range(3):
        a = np.random.default_rng(seed).integers(-(2**31), 2**31 - 1, 1024).astype(np.int32)
        b = np.zeros(1024, np.int32)
        npu.run(a, b)
        np.testing.assert_array_equal(b, a)


def test_vector_add_with_distribute_and_join():
    rng = np.random.default_rng(1)
    a = rng.integers(-(2**31), 2**31 - 1, 256).astype(np.int32)
    b = rng.integers(-(2**31), 2**31 - 1, 256).astype(np.int32)
    c = np.zeros(256, np.int32)
    run_design(design("vector_add_distribute_join"), [a, b, c])
    expected = (a.astype(np.int64) + b.astype(np.int64)).astype(np.int32)  # wraps
    np.testing.assert_array_equal(c, expected)


def test_gemm_2x2_with_broadcast_calls_the_kernel_library():
    rng = np.random.default_rng(2)
    a = rng.integers(-400, 400, (64, 64)).astype(np.int16)
    b = rng.integers(-400, 400, (64, 64)).astype(np.int16)
    c = np.zeros((64, 64), np.int16)
    stats = run_design(design("gemm_2x2_broadcast"), [a, b, c])
    expected = (a.astype(np.int64) @ b.astype(np.int64)).astype(np.int16)  # i16 wraps
    np.testing.assert_array_equal(c, expected)
    assert stats.cores == 4
    assert stats.waiting_at_end == ()  # finite cores all returned


def test_explicit_locks_and_bd_chains():
    a = np.arange(128, dtype=np.int32) - 64
    b = np.zeros(128, np.int32)
    run_design(design("lock_bd"), [a, b])
    np.testing.assert_array_equal(b, a * 3)


def test_dimensions_to_stream_and_4d_memcpy():
    a = np.random.default_rng(3).integers(0, 1000, (16, 16)).astype(np.int32)
    b = np.zeros(256, np.int32)
    run_design(design("transpose_dims"), [a, b])
    # the host sends the four 8x8 blocks in row-major block order; the memtile
    # sends each one transposed
    blocks = [a[8 * i : 8 * i + 8, 8 * j : 8 * j + 8].T for i in range(2) for j in range(2)]
    np.testing.assert_array_equal(b, np.concatenate([blk.reshape(-1) for blk in blocks]))


def test_unsigned_arrays_are_accepted_for_signless_integers():
    a = np.arange(1024, dtype=np.uint32) + 2**31
    b = np.zeros(1024, np.uint32)
    run_design(design("passthrough_memtile"), [a, b])
    np.testing.assert_array_equal(b, a)


def test_runtime_sequence_arrays_may_have_any_shape_with_the_same_elements():
    a = np.arange(1024, dtype=np.int32).reshape(32, 32)
    b = np.zeros((32, 32), np.int32)
    run_design(design("passthrough_memtile"), [a, b])
    np.testing.assert_array_equal(b, a)


@pytest.mark.parametrize(
    ("arrays", "words"),
    [
        ([np.zeros(1024, np.int32)], "takes 2 array(s), got 1"),
        ([np.zeros(1024, np.float32), np.zeros(1024, np.int32)], "dtype float32"),
        ([np.zeros(1000, np.int32), np.zeros(1024, np.int32)], "1000 elements"),
    ],
)
def test_wrong_arrays_are_diagnosed(arrays, words):
    from dato_xdsl.targets.virtual_npu import DesignError

    with pytest.raises(DesignError, match=words.replace("(", r"\(").replace(")", r"\)")):
        run_design(design("passthrough_memtile"), arrays)
