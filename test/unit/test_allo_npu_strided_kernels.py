"""A library kernel called on a slice of a local (Allo's
test_collective_communication.py::test_gather_matmul: `matmul(tmp_A[0], B)`
after a gather into tmp_A) works on contiguous copies: the NPU lowering copies
a strided input into a buffer of the tile and computes a strided output in one,
copying it back (it refused `needs contiguous arrays` before). Against numpy."""

# ruff: noqa: F821 (streams are declared by annotations)

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Stream, int16, int32

M, N, K, PK = 32, 32, 16, 2


def gather_matmul():
    @dato.region()
    def top(A: int16[M, K], B: int16[K, N], C: int32[M, N]):
        pipe: Stream[int16[M, K], 2][PK]

        @dato.kernel(mapping=[PK], args=[A])
        def src(local_A: int16[M, K]):
            pk = dato.get_pid()
            pipe[pk].put(local_A + pk)

        @dato.kernel(mapping=[1], args=[B, C])
        def dst(local_B: int16[K, N], local_C: int32[M, N]):
            tmp: int16[PK, M, K] = dato.gather(pipe[:])
            c: int32[M, N] = dato.matmul(tmp[1], local_B)
            local_C[:, :] = c

    return top


def sliced_output():
    """An elementwise kernel writing into a row block of a local (a strided
    output) and reading a column block (a strided input)."""

    @dato.region()
    def top(A: int32[8, 16], C: int32[8, 16]):
        @dato.kernel(mapping=[1], args=[A, C])
        def k(a: int32[8, 16], c: int32[8, 16]):
            t: int32[8, 16] = 0
            t[:, 0:8] = dato.add(a[:, 8:16], a[:, 0:8])
            c[:, :] = t

    return top


@pytest.mark.parametrize("target", ["simulator", "aie"])
def test_matmul_of_a_gathered_slice(target: str, tmp_path) -> None:
    mod = dato.build(gather_matmul(), target=target, project=tmp_path)
    rng = np.random.default_rng(5)
    a = rng.integers(0, 64, (M, K)).astype(np.int16)
    b = rng.integers(0, 64, (K, N)).astype(np.int16)
    c = np.zeros((M, N), np.int32)
    mod(a, b, c)
    np.testing.assert_array_equal(c, (a.astype(np.int32) + 1) @ b.astype(np.int32))


@pytest.mark.parametrize("target", ["simulator", "aie"])
def test_elementwise_on_column_blocks(target: str, tmp_path) -> None:
    mod = dato.build(sliced_output(), target=target, project=tmp_path)
    a = np.arange(8 * 16, dtype=np.int32).reshape(8, 16) * 3 - 50
    c = np.full((8, 16), 99, np.int32)
    mod(a, c)
    want = np.zeros((8, 16), np.int32)
    want[:, :8] = a[:, 8:] + a[:, :8]
    np.testing.assert_array_equal(c, want)
