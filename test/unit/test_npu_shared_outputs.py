"""An output several instances update in disjoint parts (a systolic array's
PEs each storing their elements of one unsharded C). Each instance's stores
are evaluated with its pid; the box it writes becomes its block of C, so the
blocks of many cores join into C as a sharded output's do, and a box the
stores write whole needs no host copy first. Compared with numpy."""

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import int32
from test.unit.programs import dato_programs as progs

RNG = np.random.default_rng(1213)


def gemm_args(M, K, N, dtype=np.int32):
    A = RNG.integers(-50, 50, (M, K)).astype(dtype)
    B = RNG.integers(-50, 50, (K, N)).astype(dtype)
    return A, B, np.zeros((M, N), dtype)


def test_systolic_4x4_with_loaders_and_drains_maps_onto_16_cores(tmp_path):
    """6 x 6 = 36 instances (4 corners idle): chained onto the 16 cores;
    every PE sends its one element of C, joined through the memtiles."""
    mod = dato.build(progs.systolic_2d(int32, 4, 4, 16), target="aie", project=tmp_path)
    A, B, C = gemm_args(4, 16, 4)
    mod(A, B, C)
    np.testing.assert_array_equal(C, A @ B)
    # the report lists 16 cores, the chained ones marked as compiler-chosen
    cores = [line for line in mod.report().splitlines() if "  compute  " in line]
    assert len({line.split(")")[0] for line in cores}) == 16
    assert any("[chain (compiler-chosen)]" in line for line in cores)


def test_systolic_4x5_with_loaders_and_drains_folds_onto_16_cores(tmp_path):
    """Allo's output-stationary systolic GEMM (tests/dataflow/test_systolic.py)
    at 4 x 5: 6 x 7 = 42 instances, 38 of them working, on 16 cores. The
    compiler chains them and, where a chained core would send three streams
    off its tile, one stream carries the streams two cores use in turn."""
    mod = dato.build(progs.systolic_2d(int32, 4, 5, 8), target="aie", project=tmp_path)
    A, B, C = gemm_args(4, 8, 5)
    mod(A, B, C)
    np.testing.assert_array_equal(C, A @ B)
    text = (tmp_path / "aie.mlir").read_text()
    assert text.count("aie.core(") == 16


def test_systolic_1d_pes_write_their_columns(tmp_path):
    mod = dato.build(progs.systolic_1d(int32, 4, 6, 8), target="aie", project=tmp_path)
    A, B, C = gemm_args(4, 8, 6)
    mod(A, B, C)
    np.testing.assert_array_equal(C, A @ B)


def test_partial_boxes_keep_the_hosts_elements(tmp_path):
    """Instance p writes C[p, 0] and C[p, 2] only: its box is row p, columns
    0..2, which its stores do not cover, so the box comes in first and C[p, 1]
    and C[p, 3] keep the host's values."""

    @dato.region()
    def top(A: int32[4, 4], C: int32[4, 4]):
        @dato.kernel(mapping=[4], args=[A, C])
        def t(a: int32[4, 4], c: int32[4, 4]):
            p = dato.get_pid()
            c[p, 0] = a[p, 0] * 10
            c[p, 2] = a[p, 2] + 7

    mod = dato.build(top, target="aie", project=tmp_path)
    A = RNG.integers(-50, 50, (4, 4)).astype(np.int32)
    C = (np.arange(16).reshape(4, 4) + 1000).astype(np.int32)
    want = C.copy()
    want[:, 0] = A[:, 0] * 10
    want[:, 2] = A[:, 2] + 7
    mod(A, C)
    np.testing.assert_array_equal(C, want)


def test_overlapping_parts_are_written_in_the_simulators_order(tmp_path):
    """t_0 writes C[0..1], t_1 writes C[1..2]: in the simulator's order t_1
    writes C[1] last; the NPU passes C from t_0 to t_1, which alone sends it
    to the host (C[3] keeps the host's value)."""

    @dato.region()
    def top(A: int32[4], C: int32[4]):
        @dato.kernel(mapping=[2], args=[A, C])
        def t(a: int32[4], c: int32[4]):
            p = dato.get_pid()
            c[p] = a[p] * (p + 1)
            c[p + 1] = a[p + 1] + 100 * p

    A = np.array([3, -5, 7, 11], np.int32)
    C = np.full(4, -1, np.int32)
    dato.build(top, target="aie", project=tmp_path)(A, C)
    np.testing.assert_array_equal(C, [3, -10, 107, -1])


@pytest.mark.parametrize(
    ("T", "dtype"), [(dato.int16, np.int16), (dato.int8, np.int8)], ids=["int16", "int8"]
)
def test_narrow_parts_move_padded_to_words(T, dtype, tmp_path):
    """int16/int8 PEs each write one element of C (16 or 8 bits, no whole
    DMA word): C is laid out with each element padded to a word (the boxes'
    rows padded, npu_padding), so every PE's part still moves on its own."""
    mod = dato.build(progs.systolic_2d(T, 4, 5, 8), target="aie", project=tmp_path)
    A, B, C = gemm_args(4, 8, 5, dtype)
    A, B = A % 7 - 3, B % 7 - 3
    mod(A, B, C)
    np.testing.assert_array_equal(C, (A.astype(np.int64) @ B).astype(dtype))
    mod1 = dato.build(progs.systolic_1d(T, 3, 4, 6), target="aie", project=tmp_path / "1d")
    A, B, C = gemm_args(3, 6, 4, dtype)
    mod1(A, B, C)
    np.testing.assert_array_equal(C, (A.astype(np.int64) @ B).astype(dtype))
