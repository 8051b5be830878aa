"""Loaders that deal slices of their arrays to several streams, and
collectors that copy rows gotten from streams into slices of their output
(dato-npu-elide-loaders), on the virtual NPU at the sizes that were refused.

elementwise_meta_for(int32, 16, 4096): `load` held all of A and B (512 KiB)
and put 32 rows on 32 streams; `store` held all of C. Both go: each lane
takes its rows of A, B and C as arguments of its own, becomes a plain
element-wise task, and the element-wise retile cuts it to fit a core."""

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import int8, int16, int32
from dato_xdsl.dialects import aie
from dato_xdsl.transforms.core_tasks import task_names
from test.unit.programs import dato_programs as progs
from test.unit.programs.npu_elide_slices_programs import chunks, row_blocks


def _full_range(dtype, shape, seed: int) -> np.ndarray:
    info = np.iinfo(dtype)
    rng = np.random.default_rng(seed)
    return rng.integers(info.min, info.max, shape, dtype=dtype, endpoint=True)


def _tasks(mod) -> set[str]:
    return {n for op in mod.ir.walk() if isinstance(op, aie.CoreOp) for n in task_names(op)}


@pytest.mark.parametrize(
    ("T", "dtype", "P", "L"),
    [(int32, np.int32, 16, 4096), (int16, np.int16, 8, 8192), (int8, np.int8, 16, 8192)],
)
def test_elementwise_meta_for_maps(T, dtype, P: int, L: int) -> None:
    a = _full_range(dtype, (P, L), 1)
    b = _full_range(dtype, (P, L), 2)
    c = np.zeros((P, L), dtype)
    mod = dato.build(progs.elementwise_meta_for(T, P, L), target="aie")
    mod(a, b, c)
    np.testing.assert_array_equal(c, (a + b).astype(dtype))  # wraps as the NPU's adds do
    tasks = _tasks(mod)
    assert not any(n.startswith(("load", "store")) for n in tasks), sorted(tasks)
    assert any(n.startswith("lane") for n in tasks)


@pytest.mark.parametrize(
    ("T", "dtype", "P", "L"), [(int32, np.int32, 16, 2048), (int8, np.int8, 16, 4096)]
)
def test_scatter_gather_maps(T, dtype, P: int, L: int) -> None:
    # the distributor deals rows with dato.scatter: elided as a slice loader;
    # the collector gathers into a local first and is kept
    a = _full_range(dtype, (P, L), 3)
    b = np.zeros((P, L), dtype)
    mod = dato.build(progs.scatter_gather(T, P, L), target="aie")
    mod(a, b)
    np.testing.assert_array_equal(b, (a * a + 1).astype(dtype))
    assert not any(n.startswith("distributor") for n in _tasks(mod))


def test_small_design_keeps_its_loader_and_store() -> None:
    # cores enough and every tile holds its blocks: nothing is elided
    a = _full_range(np.int32, (4, 64), 4)
    b = _full_range(np.int32, (4, 64), 5)
    c = np.zeros((4, 64), np.int32)
    mod = dato.build(progs.elementwise_meta_for(int32, 4, 64), target="aie")
    mod(a, b, c)
    np.testing.assert_array_equal(c, a + b)
    tasks = _tasks(mod)
    assert any(n.startswith("load") for n in tasks) and any(n.startswith("store") for n in tasks)


@pytest.mark.parametrize(
    ("T", "dtype", "P", "L"), [(int16, np.int16, 16, 8192), (int8, np.int8, 8, 16384)]
)
def test_chunks_map(T, dtype, P: int, L: int) -> None:
    # offsets p * L computed from meta_for's constant p; the simulator agrees
    a = _full_range(dtype, (P * L,), 6)
    b = np.zeros(P * L, dtype)
    sim = b.copy()
    dato.build(chunks(T, P, L))(a, sim)
    mod = dato.build(chunks(T, P, L), target="aie")
    mod(a, b)
    np.testing.assert_array_equal(b, (a * 3 + 1).astype(dtype))
    np.testing.assert_array_equal(b, sim)
    assert not any(n.startswith(("load", "store")) for n in _tasks(mod))


def test_row_blocks_map() -> None:
    a = _full_range(np.int32, (64, 1024), 7)
    b = np.zeros((64, 1024), np.int32)
    mod = dato.build(row_blocks(int32, 16, 4, 1024), target="aie")
    mod(a, b)
    np.testing.assert_array_equal(b, a - np.int32(7))
    assert not any(n.startswith(("load", "store")) for n in _tasks(mod))
