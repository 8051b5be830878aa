# ruff: noqa: F821 (streams are declared by annotation in the regions)
"""Streams that end holding elements. Allo accepts them (its Cannon GEMM test
leaves the last block in every pipe), so every target runs such a program with
a warning naming the stream and how many elements are left; a consumer that
gets more than is put still fails at build time (it would wait forever)."""

import warnings

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Stream, StreamLeftoverWarning, int32

TARGETS = ["simulator", "aie", "hls"]
S = dato.Layout.Shard
BLOCKS = [S(0), S(1)]
M = K = N = 8
P = 2
m, k, n = M // P, K // P, N // P


def cannon():
    """Allo's Cannon GEMM (tests/dataflow), skewed on the usual axes: after the
    last step each instance still passes its blocks on, so every pipe ends
    holding one block."""

    @dato.region()
    def top(A: int32[M, K], B: int32[K, N], C: int32[M, N]):
        A_init: Stream[int32[m, k], 2][P, P]
        B_init: Stream[int32[k, n], 2][P, P]
        A_pipe: Stream[int32[m, k], 2][P, P]
        B_pipe: Stream[int32[k, n], 2][P, P]

        @dato.kernel(mapping=[P, P], args=[A, B])
        def init(a: int32[M, K] @ BLOCKS, b: int32[K, N] @ BLOCKS):
            pi, pj = dato.get_pid()
            A_init[pi, (pj - pi) % P].put(a)
            B_init[(pi - pj) % P, pj].put(b)

        @dato.kernel(mapping=[P, P], args=[C])
        def mm(c: int32[M, N] @ BLOCKS):
            pi, pj = dato.get_pid()
            a0: int32[m, k] = A_init[pi, pj].get()
            b0: int32[k, n] = B_init[pi, pj].get()
            c[:, :] = dato.matmul(a0, b0)
            A_pipe[pi, (pj - 1) % P].put(a0)
            B_pipe[(pi - 1) % P, pj].put(b0)
            for _ in range(P - 1):
                a1: int32[m, k] = A_pipe[pi, pj].get()
                b1: int32[k, n] = B_pipe[pi, pj].get()
                c[:, :] += dato.matmul(a1, b1)
                A_pipe[pi, (pj - 1) % P].put(a1)
                B_pipe[(pi - 1) % P, pj].put(b1)

    return top


def leftover_messages(caught) -> list[str]:
    return [str(w.message) for w in caught if issubclass(w.category, StreamLeftoverWarning)]


@pytest.mark.parametrize("target", TARGETS)
def test_cannon_runs_with_a_warning_per_pipe(target, tmp_path):
    rng = np.random.default_rng(5)
    A = rng.integers(-64, 64, (M, K)).astype(np.int32)
    B = rng.integers(-64, 64, (K, N)).astype(np.int32)
    C = np.zeros((M, N), np.int32)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dato.build(cannon(), target=target, project=tmp_path)(A, B, C)
    np.testing.assert_array_equal(C, A @ B)
    text = "\n".join(leftover_messages(caught))
    for pipe in ("A_pipe", "B_pipe"):
        for i in range(P):
            for j in range(P):
                assert f"stream @{pipe}_{i}_{j} ends holding 1 element(s)" in text
    assert "test_stream_leftovers.py:" in text


def five_put_four_got():
    @dato.region()
    def top(A: int32[4], B: int32[4]):
        s: Stream[int32, 4]

        @dato.kernel(mapping=[1], args=[A])
        def p(a: int32[4]):
            for i in range(4):
                s.put(a[i])
            s.put(a[0] + 100)

        @dato.kernel(mapping=[1], args=[B])
        def c(b: int32[4]):
            for i in range(4):
                b[i] = s.get() * 2

    return top


@pytest.mark.parametrize("target", TARGETS)
def test_one_element_left_is_a_warning_with_the_count(target, tmp_path):
    A = np.array([3, -1, 7, 9], np.int32)
    B = np.zeros(4, np.int32)
    with pytest.warns(StreamLeftoverWarning, match=r"stream @s ends holding 1 element\(s\)"):
        mod = dato.build(five_put_four_got(), target=target, project=tmp_path)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        mod(A, B)
    np.testing.assert_array_equal(B, A * 2)


def test_simulator_run_warns_of_what_is_left():
    with pytest.warns(StreamLeftoverWarning):  # at build time, from the static counts
        mod = dato.build(five_put_four_got())
    A, B = np.arange(4, dtype=np.int32), np.zeros(4, np.int32)
    with pytest.warns(StreamLeftoverWarning, match=r"s: 1 element\(s\)"):
        mod(A, B)
    np.testing.assert_array_equal(B, A * 2)


def four_put_five_got():
    @dato.region()
    def top(A: int32[4], B: int32[5]):
        s: Stream[int32, 4]

        @dato.kernel(mapping=[1], args=[A])
        def p(a: int32[4]):
            for i in range(4):
                s.put(a[i])

        @dato.kernel(mapping=[1], args=[B])
        def c(b: int32[5]):
            for i in range(5):
                b[i] = s.get()

    return top


@pytest.mark.parametrize("target", TARGETS)
def test_getting_more_than_is_put_is_still_refused(target, tmp_path):
    with pytest.raises(dato.DatoIRError, match=r"p_0 puts 4 element\(s\) .* but c_0 gets 5"):
        dato.build(four_put_five_got(), target=target, project=tmp_path)
