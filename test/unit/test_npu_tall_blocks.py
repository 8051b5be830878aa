"""Blocks of more rows than a shim DMA dimension counts (1023): whole rows
move as one contiguous run, others as groups of rows. Column sums over a
4096x8 int32 array on 4 tasks (1024 rows each) were refused by the
dma_memcpy_nd verifier ("size 1024 of dimension 1 exceeds the shim DMA limit
of 1023"); they now run on the virtual NPU equal to the simulator and
numpy."""

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Layout, int8, int16, int32

S, R = Layout.Shard, Layout.Replicate
NP = {int8: np.int8, int16: np.int16, int32: np.int32}


def column_sums_chain(T, M: int, N: int, P: int):
    """y[n] = sum_m a[m, n], each task its rows (whole rows of the array),
    adding the previous task's partial sums from a stream."""

    @dato.region()
    def top(A: T[M, N], y: T[N]):
        s: dato.Stream[T[N], 2][P]

        @dato.kernel(mapping=[P], args=[A, y])
        def k(a: T[M, N] @ [S(0), R], o: T[N]):
            p = dato.get_pid()
            acc: T[N] = 0
            with dato.meta_if(p > 0):
                acc[:] = s[p - 1].get()  # noqa: F821 (a stream the frontend declares)
            for m in range(M // P):
                for n in range(N):
                    acc[n] += a[m, n]
            with dato.meta_if(p < P - 1):
                s[p].put(acc)  # noqa: F821
            with dato.meta_if(p == P - 1):
                o[:] = acc

    return top


def column_block_sums(T, M: int, N: int, P: int):
    """y[n] = sum_m a[m, n], each task all rows of its N / P columns (a tall
    block that is not whole rows)."""

    @dato.region()
    def top(A: T[M, N], y: T[N]):
        @dato.kernel(mapping=[P], args=[A, y])
        def k(a: T[M, N] @ [R, S(0)], o: T[N] @ [S(0)]):
            acc: T[N // P] = 0
            for m in range(M):
                for n in range(N // P):
                    acc[n] += a[m, n]
            o[:] = acc

    return top


@pytest.mark.parametrize(
    ("make", "T", "M", "N", "P"),
    [
        (column_sums_chain, int32, 4096, 8, 4),
        (column_sums_chain, int16, 8192, 16, 4),
        (column_block_sums, int32, 2048, 16, 2),
        (column_block_sums, int8, 4096, 16, 4),
    ],
)
def test_tall_blocks_equal_numpy(tmp_path, make, T, M: int, N: int, P: int):
    dt = NP[T]
    A = np.random.default_rng(M + N + P).integers(-100, 100, (M, N)).astype(dt)
    sim = np.zeros(N, dt)
    dato.build(make(T, M, N, P))(A, sim)
    # the sums wrap as numpy's do at the element type
    np.testing.assert_array_equal(sim, A.astype(np.int64).sum(axis=0).astype(dt))
    y = np.zeros(N, dt)
    dato.build(make(T, M, N, P), target="aie", project=tmp_path)(A, y)
    np.testing.assert_array_equal(y, sim)
