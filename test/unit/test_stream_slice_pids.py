# ruff: noqa: F821  (streams are declared by annotation only)
"""Slices of stream arrays whose bounds are expressions of pids (Allo's
`pipe[q * 2:(q + 1) * 2]`): each instance takes its own streams. Against
numpy on every target; bounds whose difference depends on the pid are a
located error."""

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import int32

TARGETS = ["simulator", "aie", "hls"]
S, R = dato.Layout.Shard, dato.Layout.Replicate


def grouped(use_gather: bool):
    @dato.region()
    def top(A: int32[8], B: int32[2, 4]):
        pipe: dato.Stream[int32, 2][4]

        @dato.kernel(mapping=[4], args=[A])
        def prod(a: int32[8] @ [S(0)]):
            p = dato.get_pid()
            pipe[p].put(a[0] * 10 + a[1])

        @dato.kernel(mapping=[2], args=[B])
        def cons(b: int32[2, 4] @ [S(0), R]):
            q = dato.get_pid()
            with dato.meta_if(use_gather):
                got: int32[2] = dato.gather(pipe[q * 2 : (q + 1) * 2])
                b[0, 0] = got[0]
                b[0, 1] = got[1]
            with dato.meta_else():
                for k, s in enumerate(pipe[2 * q : 2 * q + 2]):
                    b[0, k] = s.get()

    return top


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("use_gather", [True, False], ids=["gather", "enumerate"])
def test_stream_slice_bounds_from_the_pid(target, use_gather, tmp_path):
    A = np.arange(8, dtype=np.int32)
    B = np.zeros((2, 4), np.int32)
    options = {} if target == "simulator" else {"project": tmp_path / target}
    dato.build(grouped(use_gather), target=target, **options)(A, B)
    words = A[0::2] * 10 + A[1::2]  # what producer p puts: 1, 23, 45, 67
    expected = np.zeros((2, 4), np.int32)
    for q in range(2):
        mine = words[2 * q : 2 * q + 2]
        expected[q, :2] = mine
    np.testing.assert_array_equal(B, expected)


def test_a_slice_whose_size_depends_on_the_pid_is_refused():
    @dato.region()
    def top(A: int32[4]):
        pipe: dato.Stream[int32, 2][4]

        @dato.kernel(mapping=[2], args=[A])
        def k(a: int32[4] @ [S(0)]):
            q = dato.get_pid()
            for s in pipe[q : 2 * q]:
                s.put(a[0])

    with pytest.raises(dato.DatoCompileError, match="difference is a constant") as err:
        dato.build(top)
    assert err.value.filename == __file__
