"""Instances that store a strided lattice of one unsharded output: a tiled
output-stationary systolic array whose PE (i, j) computes C[m * Mt + i - 1,
n * Nt + j - 1] for every tile (m, n), and row-interleaved workers. Each
instance's box is strided (npu_write_boxes): the core copies its lattice into a
compact object and the host DMA scatters it with the steps as strides. Checked
against numpy on the virtual NPU (and the simulator)."""

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import int16, int32
from dato_xdsl.errors import DatoIRError
from test.unit.programs.npu_strided_programs import (
    conditional_lattice,
    diagonal_lattices,
    interleaved_rows,
    tiled_systolic,
)


def _run(region, target: str, tmp_path, A: np.ndarray, B: np.ndarray, C: np.ndarray) -> None:
    kwargs = {"project": tmp_path} if target == "aie" else {}
    dato.build(region, target=target, **kwargs)(A, B, C)


def _operands(dtype, M: int, N: int, K: int, seed: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    A = rng.integers(-50, 50, (M, K)).astype(dtype)
    B = rng.integers(-50, 50, (K, N)).astype(dtype)
    return A, B, np.full((M, N), 7, dtype)


def _expected(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    return (A.astype(np.int64) @ B.astype(np.int64)).astype(A.dtype)


@pytest.mark.parametrize("target", ["simulator", "aie"])
@pytest.mark.parametrize(("M", "N", "K"), [(8, 12, 5), (6, 4, 16)])
def test_tiled_systolic_int32(tmp_path, target: str, M: int, N: int, K: int):
    A, B, C = _operands(np.int32, M, N, K, M * N + K)
    _run(tiled_systolic(int32, M, N, K, 2, 2), target, tmp_path, A, B, C)
    np.testing.assert_array_equal(C, _expected(A, B))


@pytest.mark.parametrize(("M", "N", "K", "Mt", "Nt"), [(16, 16, 16, 4, 4), (12, 8, 7, 3, 2)])
def test_folded_tiled_systolic_int32(tmp_path, M: int, N: int, K: int, Mt: int, Nt: int):
    # 36 and 20 PEs on npu1's 16 cores: the compiler chains PEs, and a core's
    # members send their strided boxes in turn through one fifo
    A, B, C = _operands(np.int32, M, N, K, M + N + K)
    _run(tiled_systolic(int32, M, N, K, Mt, Nt), "aie", tmp_path, A, B, C)
    np.testing.assert_array_equal(C, _expected(A, B))


@pytest.mark.parametrize("target", ["simulator", "aie"])
@pytest.mark.parametrize(("dtype", "T"), [(np.int32, int32), (np.int16, int16)])
def test_interleaved_rows(tmp_path, target: str, dtype, T):
    M, N, K, P = 12, 8, 6, 3
    A, B, C = _operands(dtype, M, N, K, 3)
    _run(interleaved_rows(T, M, N, K, P), target, tmp_path, A, B, C)
    np.testing.assert_array_equal(C, _expected(A, B))


@pytest.mark.parametrize("target", ["simulator", "aie"])
@pytest.mark.parametrize(("M", "N", "P"), [(4, 6, 2), (9, 6, 3)])
def test_diagonal_lattices_leave_the_other_elements(tmp_path, target: str, M: int, N: int, P: int):
    # the workers' bounding rectangles overlap, their elements do not; the
    # elements no worker writes keep the host's values (no DMA touches them)
    rng = np.random.default_rng(M * N)
    A = rng.integers(-1000, 1000, (M, N)).astype(np.int32)
    C = rng.integers(-1000, 1000, (M, N)).astype(np.int32)
    want = C.copy()
    for p in range(P):
        want[p::P, p::P] = A[p::P, p::P] + p + 1
    kwargs = {"project": tmp_path} if target == "aie" else {}
    dato.build(diagonal_lattices(int32, M, N, P), target=target, **kwargs)(A, C)
    np.testing.assert_array_equal(C, want)


@pytest.mark.parametrize("target", ["simulator", "aie"])
def test_conditional_lattice_comes_in_and_goes_out(tmp_path, target: str):
    M, N, P = 6, 8, 3
    rng = np.random.default_rng(11)
    A = rng.integers(-9, 9, (M, N)).astype(np.int32)
    C = rng.integers(-9, 9, (M, N)).astype(np.int32)
    want = C.copy()
    chosen = np.zeros((M, N), bool)
    chosen[:, ::2] = A[:, ::2] > 0
    want[chosen] = A[chosen] * 3
    kwargs = {"project": tmp_path} if target == "aie" else {}
    dato.build(conditional_lattice(int32, M, N, P), target=target, **kwargs)(A, C)
    np.testing.assert_array_equal(C, want)


def test_int16_column_lattice_is_refused_naming_the_word_rule(tmp_path):
    # every 2nd int16 of a row: the shim DMA steps in 32-bit words
    A, B, C = _operands(np.int16, 4, 4, 3, 1)
    with pytest.raises(DatoIRError) as err:
        _run(tiled_systolic(int16, 4, 4, 3, 2, 2), "aie", tmp_path, A, B, C)
    msg = str(err.value)
    assert "pe_1_1 writes elements of C's rows 2 apart (i16, 16 bits each)" in msg, msg
    assert "whole 32-bit words" in msg, msg
