"""Broadcast sets on the virtual NPU (dato-npu-broadcast-streams, then
dato-npu-broadcast-fifos after placement): the same block put on several
streams travels in one objectfifo to every consumer's core, and each design
equals numpy bit for bit; sets whose consumers share a core, and near
misses, keep their streams and still equal numpy."""

from __future__ import annotations

import re

import numpy as np
import pytest

import dato_xdsl as dato
from test.unit.programs import npu_broadcast_programs as bp


def fifo_consumers(mod, prefix: str) -> dict[str, int]:
    """Per objectfifo named `prefix`_k in the design, its number of consumer tiles."""
    out: dict[str, int] = {}
    for m in re.finditer(rf"aie\.objectfifo @({prefix}_\d+)\([^,]+, \{{([^}}]*)\}}", str(mod.ir)):
        out[m.group(1)] = len(m.group(2).split(","))
    return out


def tile_bytes(mod, task: str) -> int:
    """The data memory the report gives the tile running `task`."""
    line = next(ln for ln in mod.report().splitlines() if ln.rstrip().endswith(task))
    return int(re.search(r"(\d+)/65536", line).group(1))  # type: ignore[union-attr]


def im2col_case(H: int, CO: int, P: int, device: str) -> tuple[object, np.ndarray]:
    rng = np.random.default_rng(H * 100 + P)
    x = rng.integers(-100, 100, (H, H)).astype(np.int32)
    f = rng.integers(-8, 8, (CO, 9)).astype(np.int32)
    y = np.zeros((CO, (H - 2) ** 2), np.int32)
    mod = dato.build(bp.im2col(H, H, CO, P), target="aie", device=device)
    mod(x, f, y)
    np.testing.assert_array_equal(y, bp.im2col_reference(x, f))
    return mod, y


def test_im2col_matrix_goes_to_every_consumer_in_one_fifo() -> None:
    mod, _ = im2col_case(6, 8, 4, "npu1")
    assert fifo_consumers(mod, "cols") == {"cols_0": 4}


def test_eight_copies_of_a_9_kib_matrix_fit_as_one_broadcast() -> None:
    # eight streams of a 9 KiB object: 154 KiB on the producer apart (refused
    # before); one fifo, the matrix built in its object: under 3 objects
    mod, _ = im2col_case(18, 8, 8, "npu1")
    assert fifo_consumers(mod, "cols") == {"cols_0": 8}
    assert tile_bytes(mod, "im2col_0") < 3 * 9 * 256 * 4


def test_consumers_folded_on_one_core_keep_their_streams() -> None:
    # npu1_1col: 5 tasks on 4 cores, two consumers per core: no broadcast
    mod, _ = im2col_case(6, 8, 4, "npu1_1col")
    consumers = fifo_consumers(mod, "cols")
    assert len(consumers) == 4 and set(consumers.values()) == {1}


def test_loader_putting_each_k_block_on_every_worker() -> None:
    rng = np.random.default_rng(3)
    a = rng.integers(-50, 50, (8, 16)).astype(np.int32)
    b = rng.integers(-50, 50, (16, 8)).astype(np.int32)
    c = np.zeros((8, 8), np.int32)
    mod = dato.build(bp.row_broadcast(8, 16, 8, 4, 2), target="aie", device="npu1")
    mod(a, b, c)
    np.testing.assert_array_equal(c, (a.astype(np.int64) @ b).astype(np.int32))
    assert fifo_consumers(mod, "pipe") == {"pipe_0": 2}


def test_slice_put_on_every_worker_is_copied_once_and_broadcast() -> None:
    rng = np.random.default_rng(4)
    a = rng.integers(-50, 50, (8, 16)).astype(np.int32)
    b = rng.integers(-50, 50, (16, 8)).astype(np.int32)
    c = np.zeros((8, 8), np.int32)
    mod = dato.build(bp.slice_broadcast(8, 16, 8, 4, 4), target="aie", device="npu1")
    mod(a, b, c)
    np.testing.assert_array_equal(c, (a.astype(np.int64) @ b).astype(np.int32))
    assert fifo_consumers(mod, "pipe") == {"pipe_0": 4}


def test_slices_no_set_takes_keep_a_copy_per_stream() -> None:
    rng = np.random.default_rng(6)
    a = rng.integers(-50, 50, (2, 8)).astype(np.int32)
    b, c = np.zeros(8, np.int32), np.zeros(8, np.int32)
    mod = dato.build(bp.slices_to_chained(8), target="aie", device="npu1")
    mod(a, b, c)
    np.testing.assert_array_equal(b, a[1])
    np.testing.assert_array_equal(c, 2 * a[1])
    assert fifo_consumers(mod, "s") == {"s_0": 1, "s_1": 1}


@pytest.mark.parametrize("which", ["chained", "changed"])
def test_near_misses_keep_their_streams(which: str) -> None:
    rng = np.random.default_rng(5)
    v = rng.integers(-50, 50, 8).astype(np.int32)
    if which == "chained":
        b, c = np.zeros(8, np.int32), np.zeros(8, np.int32)
        mod = dato.build(bp.consumers_chained(8), target="aie", device="npu1")
        mod(v, b, c)
        np.testing.assert_array_equal(b, v)
        np.testing.assert_array_equal(c, 2 * v)
    else:
        b = np.zeros((2, 8), np.int32)
        mod = dato.build(bp.changed_between(8, 2), target="aie", device="npu1")
        mod(v, b)
        np.testing.assert_array_equal(b[0], v)
        np.testing.assert_array_equal(b[1], np.concatenate([[v[0] + 1], v[1:]]))
    assert fifo_consumers(mod, "s") == {"s_0": 1, "s_1": 1}
