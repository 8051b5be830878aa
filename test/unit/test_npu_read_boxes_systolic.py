"""Systolic arrays whose PEs each touch one column of B and of C
(npu_read_boxes): each PE holds its column instead of the whole arrays, so
65 PEs folded onto 16 cores fit their tiles. Int16 columns are not whole
32-bit DMA words: they move padded (npu_padding). A group need not hold pid 0
(systolic_2d's west loaders are (1, 0) .. (M, 0)). Results compared with
numpy, bit for bit."""

import numpy as np
import pytest
from xdsl.context import Context

import dato_xdsl as dato
from dato_xdsl import int16, int32
from dato_xdsl.dialects import dato as ir
from dato_xdsl.targets.simulator import simulate
from dato_xdsl.transforms.npu_read_boxes import (
    DISJOINT_BYTES,
    NpuReadBoxesPass,
    ReadBox,
    affine_in_pid,
    read_boxes,
)
from dato_xdsl.transforms.npu_stream_reads import folded_share
from test.unit.programs import dato_programs as progs


def _region(module) -> ir.RegionOp:
    return next(o for o in module.walk() if isinstance(o, ir.RegionOp))


def test_west_loaders_without_pid_zero_get_their_row_of_a():
    mapped = dato.build(progs.systolic_2d(int32, 3, 3, 8), target="simulator").mapped
    groups = {g.sym_name.data: g for g in _region(mapped).groups()}
    west = next(g for g in groups.values() if [tuple(i.pid) for i in g.instances()][0] == (1, 0))
    assert [tuple(i.pid) for i in west.instances()] == [(1, 0), (2, 0), (3, 0)]
    boxes = read_boxes(west, 0)
    # loader (i, 0) reads A[i - 1, k] for k < 8: row i - 1
    assert boxes == {f"gemm_{i}_0": ReadBox((i - 1, 0), (1, 8)) for i in (1, 2, 3)}
    rows = {n: b.offsets[0] for n, b in boxes.items()}
    assert affine_in_pid(west, rows) == (-1, [1, 0])


@pytest.mark.parametrize(("M", "N", "K"), [(6, 4, 8), (5, 3, 6)])
def test_columns_of_b_and_c_on_the_simulator(M: int, N: int, K: int):
    module = dato.build(progs.systolic_1d(int16, M, N, K), target="simulator").mapped.clone()
    NpuReadBoxesPass(whole_bytes=0, disjoint_bytes=0).apply(Context(), module)
    region = _region(module)
    for g in region.groups():
        _, b, c = (a.type.get_shape() for a in g.body.block.args)
        assert (b, c) == ((K, 1), (M, 1))  # the loader's unused ones too
        for inst in g.instances():
            j = inst.pid[0]
            assert inst.offsets[1:] == ((0, max(j - 1, 0)), (0, max(j - 1, 0)))
    rng = np.random.default_rng(M * N * K)
    A = rng.integers(-50, 50, (M, K)).astype(np.int16)
    B = rng.integers(-50, 50, (K, N)).astype(np.int16)
    C = np.full((M, N), 7, np.int16)
    simulate(module, [A, B, C])
    np.testing.assert_array_equal(C, (A.astype(np.int64) @ B.astype(np.int64)).astype(np.int16))


@pytest.mark.parametrize(("M", "N", "K"), [(8, 8, 264), (264, 8, 8)])
def test_int16_columns_over_the_threshold_on_the_virtual_npu(tmp_path, M: int, N: int, K: int):
    """B (8, 8, 264) or C (264, 8, 8) is just over DISJOINT_BYTES: each PE
    moves its int16 column, padded to words, and the result is numpy's."""
    assert max(K * N, M * N) * 2 > DISJOINT_BYTES
    mod = dato.build(progs.systolic_1d(int16, M, N, K), target="aie", project=tmp_path)
    rng = np.random.default_rng(M + K)
    A = rng.integers(-20, 20, (M, K)).astype(np.int16)
    B = rng.integers(-20, 20, (K, N)).astype(np.int16)
    C = np.zeros((M, N), np.int16)
    mod(A, B, C)
    np.testing.assert_array_equal(C, (A.astype(np.int64) @ B.astype(np.int64)).astype(np.int16))


def test_folded_share_is_instances_per_core_at_most_the_groups():
    region = _region(dato.build(progs.systolic_1d(int16, 4, 64, 4), target="simulator").mapped)
    assert len(list(region.groups())) == 3  # the loader, the PEs, the last PE
    assert folded_share(region, 32) == 3  # 65 instances on 32 cores: 3 on some
    assert folded_share(region, 16) == 3  # 5 on some, of at most 3 groups
    assert folded_share(region, 65) == 1
    assert folded_share(region, 0) == 1
