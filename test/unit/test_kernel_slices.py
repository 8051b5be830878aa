"""Slices whose bounds are expressions of pids, meta_for and loop variables
(`a[i * Ma:(i + 1) * Ma]`, Allo's tiling idiom): the size is the constant
difference of the bounds. Results against numpy on the simulator, the virtual
NPU (aie) and the g++ C simulation (hls)."""

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import int32

TARGETS = ["simulator", "aie", "hls"]
S = dato.Layout.Shard
Ma, P = 2, 4


def run(top, target, tmp_path, *arrays):
    options = {} if target == "simulator" else {"project": tmp_path / target}
    dato.build(top, target=target, **options)(*arrays)


def computed_slices():
    @dato.region()
    def top(A: int32[8], B: int32[8], C: int32[8], D: int32[8]):
        @dato.kernel(mapping=[1], args=[A, B])
        def k(a: int32[8], b: int32[8]):
            with dato.meta_for(P) as i:
                b[i * Ma : (i + 1) * Ma] = a[i * Ma : (i + 1) * Ma] * (i + 1)

        @dato.kernel(mapping=[1], args=[A, C])
        def r(a: int32[8], c: int32[8]):
            for j in range(4):
                c[2 * j : 2 * j + 2] = a[8 - 2 * (j + 1) : 8 - 2 * j] + 1

        @dato.kernel(mapping=[P], args=[A, D])
        def t(a: int32[8], d: int32[8] @ [S(0)]):
            pi = dato.get_pid()
            d[:] = a[pi * Ma : pi * Ma + Ma] - a[(P - 1 - pi) * Ma : (P - pi) * Ma]

    return top


@pytest.mark.parametrize("target", TARGETS)
def test_bounds_from_meta_for_loop_and_pid_variables(target, tmp_path):
    A = (np.arange(8, dtype=np.int32) ** 2).astype(np.int32)
    B, C, D = (np.zeros(8, np.int32) for _ in range(3))
    run(computed_slices(), target, tmp_path, A, B, C, D)
    np.testing.assert_array_equal(B, A * np.repeat(np.arange(1, P + 1), Ma))
    np.testing.assert_array_equal(C, A.reshape(4, 2)[::-1].reshape(8) + 1)
    np.testing.assert_array_equal(D, A - A.reshape(4, 2)[::-1].reshape(8))


def test_a_size_that_depends_on_a_variable_is_refused_at_its_line():
    @dato.region()
    def top(A: int32[8]):
        @dato.kernel(mapping=[1], args=[A])
        def k(a: int32[8]):
            for j in range(4):
                a[j : 2 * j + 1] = 0

    with pytest.raises(dato.DatoCompileError) as err:
        dato.build(top)
    assert "needs a compile-time size" in str(err.value)
    assert f"{__file__}:" in str(err.value)
