# ruff: noqa: F821  (streams are names the region declares, read by the compiler)
"""Slices of stream arrays in gather/scatter (`dato.gather(pipe[:])`, Allo's
spelling) and loops over stream arrays, unrolled one body per stream. Results
against numpy on the simulator, the virtual NPU (aie) and the g++ C simulation
(hls)."""

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import int32

TARGETS = ["simulator", "aie", "hls"]
P = 4


def run(top, target, tmp_path, *arrays):
    options = {} if target == "simulator" else {"project": tmp_path / target}
    dato.build(top, target=target, **options)(*arrays)


def sliced_gather_scatter():
    @dato.region()
    def top(A: int32[P], B: int32[P]):
        pipe: dato.Stream[int32, 2][P]
        back: dato.Stream[int32, 2][2, 2]

        @dato.kernel(mapping=[1], args=[A])
        def source(a: int32[P]):
            dato.scatter(a, pipe[:])

        @dato.kernel(mapping=[1], args=[])
        def middle():
            x = dato.gather(pipe[:])
            first: int32[2] = x[0:2]
            dato.scatter(first * 10, back[0, :])
            with dato.meta_for(2) as i:
                back[1, i].put(x[2 + i] + 100)

        @dato.kernel(mapping=[1], args=[B])
        def sink(b: int32[P]):
            b[0:2] = dato.gather(back[0, :])
            b[2:4] = dato.gather(back[1, 0:2])

    return top


@pytest.mark.parametrize("target", TARGETS)
def test_gather_and_scatter_take_slices_of_stream_arrays(target, tmp_path):
    A = np.array([3, -1, 7, 12], np.int32)
    B = np.zeros(P, np.int32)
    run(sliced_gather_scatter(), target, tmp_path, A, B)
    np.testing.assert_array_equal(B, [30, -10, 107, 112])


def loops_over_streams():
    @dato.region()
    def top(A: int32[P], B: int32[P]):
        pipe: dato.Stream[int32, 2][P]

        @dato.kernel(mapping=[1], args=[A])
        def source(a: int32[P]):
            for k, s in enumerate(pipe):
                s.put(a[k] * (k + 1))

        @dato.kernel(mapping=[1], args=[B])
        def sink(b: int32[P]):
            total: int32 = 0
            for s in pipe[::-1]:
                total = total * 2 + s.get()
            b[0] = total
            b[1:] = 0

    return top


@pytest.mark.parametrize("target", TARGETS)
def test_loops_over_a_stream_array_are_unrolled(target, tmp_path):
    A = np.array([1, 2, 3, 4], np.int32)
    B = np.full(P, 9, np.int32)
    run(loops_over_streams(), target, tmp_path, A, B)
    sent = A * np.arange(1, P + 1)
    total = 0
    for v in sent[::-1]:
        total = total * 2 + v
    np.testing.assert_array_equal(B, [total, 0, 0, 0])


def test_a_stream_slice_with_a_variable_bound_is_refused_at_its_line():
    @dato.region()
    def top(A: int32[P]):
        pipe: dato.Stream[int32, 2][P]

        @dato.kernel(mapping=[1], args=[A])
        def source(a: int32[P]):
            for j in range(2):
                dato.scatter(a[0:2], pipe[j : j + 2])

        @dato.kernel(mapping=[1], args=[])
        def sink():
            dato.gather(pipe[:])

    with pytest.raises(dato.DatoCompileError) as err:
        dato.build(top)
    assert "of stream array 'pipe' needs constant bounds" in str(err.value)
    assert f"{__file__}:" in str(err.value)
