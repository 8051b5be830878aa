"""An index past an array's end is refused at run time, at the dato source
line, on the simulator and in the HLS C simulation alike (g++ would otherwise
read a neighbouring element and go on)."""

import re

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import int32

TARGETS = ["simulator", "hls"]


def reads_past_the_end():
    @dato.region()
    def top(A: int32[4], B: int32[4]):
        @dato.kernel(mapping=[1], args=[A, B])
        def k(a: int32[4], b: int32[4]):
            for i in range(4):
                b[i] = a[i + 1]  # i + 1 == 4 on the last iteration

    return top


def writes_past_the_end():
    @dato.region()
    def top(A: int32[4], B: int32[4]):
        @dato.kernel(mapping=[1], args=[A, B])
        def k(a: int32[4], b: int32[4]):
            for i in range(4):
                b[i + 1] = a[i]  # i + 1 == 4 on the last iteration

    return top


def reads_in_bounds():
    @dato.region()
    def top(A: int32[4], B: int32[4]):
        @dato.kernel(mapping=[1], args=[A, B])
        def k(a: int32[4], b: int32[4]):
            for i in range(4):
                b[i] = a[3 - i] * 2

    return top


def _options(target: str, tmp_path) -> dict:
    return {} if target == "simulator" else {"project": tmp_path}


@pytest.mark.parametrize("target", TARGETS)
def test_read_past_the_end_is_located(target, tmp_path):
    mod = dato.build(reads_past_the_end(), target=target, **_options(target, tmp_path))
    A = np.arange(4, dtype=np.int32)
    B = np.zeros(4, np.int32)
    with pytest.raises(dato.DatoRuntimeError) as info:
        mod(A, B)
    message = str(info.value)
    assert "test_hls_bounds.py:22" in message  # the line `b[i] = a[i + 1]`
    # the HLS C++ reads `a` through the window of it the task uses (a[1:4]);
    # its message names the index and shape of the task's `a`, as the simulator's
    assert re.search(r"index \[?4\]? .*out of bounds for shape \[4\]", message), message
    assert "k_0" in message  # the task instance
    if target == "hls":
        assert "of 'a'" in message


@pytest.mark.parametrize("target", TARGETS)
def test_write_past_the_end_names_index_and_shape(target, tmp_path):
    mod = dato.build(writes_past_the_end(), target=target, **_options(target, tmp_path))
    A = np.arange(4, dtype=np.int32)
    B = np.zeros(4, np.int32)
    with pytest.raises(dato.DatoRuntimeError) as info:
        mod(A, B)
    message = str(info.value)
    assert "test_hls_bounds.py:33" in message  # the line `b[i + 1] = a[i]`
    assert "'memref.store'" in message
    # the task's C++ holds only the window of `b` it writes, b[1:5] clipped to
    # b[1:4], yet names index 4 of the task's b of 4 elements, as the simulator
    assert re.search(r"index \[?4\]? .*out of bounds for shape \[4\]", message), message
    assert "k_0" in message
    if target == "hls":
        assert "of 'b'" in message


@pytest.mark.parametrize("target", TARGETS)
def test_in_bounds_matches_numpy(target, tmp_path):
    mod = dato.build(reads_in_bounds(), target=target, **_options(target, tmp_path))
    A = np.array([3, -7, 11, 2**30], dtype=np.int32)
    B = np.zeros(4, np.int32)
    mod(A, B)
    np.testing.assert_array_equal(B, (A[::-1] * 2).astype(np.int32))
