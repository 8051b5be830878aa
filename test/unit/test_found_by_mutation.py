"""Two bugs mutation testing found (docs/testing.md), checked on every target
against numpy: abs() of an unsigned integer, and `not` in a meta_if."""

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import int32, uint8

TARGETS = ["simulator", "hls", "aie"]


def abs_unsigned():
    @dato.region()
    def top(X: uint8[4], OUT: uint8[4]):
        @dato.kernel(mapping=[1], args=[X, OUT])
        def k(x: uint8[4], o: uint8[4]):
            for i in range(4):
                o[i] = abs(x[i])

    return top


@pytest.mark.parametrize("target", TARGETS)
def test_abs_of_unsigned_is_the_value(target, tmp_path):
    # numpy: abs of a uint8 is itself; math.absi would read 255 as -1 and give 1
    x = np.array([255, 200, 128, 7], np.uint8)
    out = np.zeros(4, np.uint8)
    dato.build(abs_unsigned(), target=target, project=tmp_path)(x, out)
    np.testing.assert_array_equal(out, np.abs(x))


def not_in_meta_if():
    @dato.region()
    def top(OUT: int32[4]):
        @dato.kernel(mapping=[4], args=[OUT])
        def k(o: int32[4]):
            p = dato.get_pid()
            with dato.meta_if(not (p == 0)):
                o[p] = p + 1

    return top


@pytest.mark.parametrize("target", TARGETS)
def test_not_in_meta_if_excludes_the_instance(target, tmp_path):
    out = np.full(4, -7, np.int32)
    dato.build(not_in_meta_if(), target=target, project=tmp_path)(out)
    np.testing.assert_array_equal(out, [-7, 2, 3, 4])  # instance 0 writes nothing
