"""The three targets agree, or the target that cannot follow the simulator says
why: reads of another task's writes to a global array, names the compiler
generates, and integer corner cases."""

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Stream, int32

HW_TARGETS = ["aie", "hls"]


def write_then_read():
    """w writes B, then (after a token) r reads B: shared memory on the
    simulator, a stale host copy on hardware."""

    @dato.region()
    def top(A: int32[4], B: int32[4], C: int32[4]):
        done: Stream[int32, 1]

        @dato.kernel(mapping=[1], args=[A, B])
        def w(a: int32[4], b: int32[4]):
            for i in range(4):
                b[i] = a[i] * 2
            done.put(1)  # noqa: F821 (a stream, declared by annotation)

        @dato.kernel(mapping=[1], args=[B, C])
        def r(b: int32[4], c: int32[4]):
            t = done.get()  # noqa: F821
            for i in range(4):
                c[i] = b[i] + t

    return top


def test_simulator_sees_writes_of_another_task():
    A = np.arange(4, dtype=np.int32)
    B, C = np.zeros(4, np.int32), np.zeros(4, np.int32)
    dato.build(write_then_read())(A, B, C)
    np.testing.assert_array_equal(C, A * 2 + 1)


def test_npu_forwards_the_written_block_in_the_simulators_order(tmp_path):
    # r reads B after w's token: the NPU passes w's block to r on chip
    A = np.array([5, -7, 2**30, -(2**31)], np.int32)
    B, C = np.zeros(4, np.int32), np.zeros(4, np.int32)
    dato.build(write_then_read(), target="aie", project=tmp_path)(A, B, C)
    np.testing.assert_array_equal(B, A * 2)  # int32 wrap-around, as numpy's
    np.testing.assert_array_equal(C, A * 2 + 1)


def test_hls_refuses_flows_through_global_arrays(tmp_path):
    with pytest.raises(dato.DatoIRError) as info:
        dato.build(write_then_read(), target="hls", project=tmp_path)
    message = str(info.value)
    assert "w_0 writes B and r_0 reads it" in message
    assert "test_target_agreement.py:" in message


def names_like_generated_ones():
    """A stream called like the NPU's fifos (`A_in0`) and a kernel called like
    the HLS loader (`load_A`): the compiler's names must step aside."""

    @dato.region()
    def top(A: int32[8], OUT: int32[8]):
        A_in0: Stream[int32, 2]

        @dato.kernel(mapping=[1], args=[A])
        def load_A(a: int32[8]):
            for i in range(8):
                A_in0.put(a[i] + 1)  # noqa: F821

        @dato.kernel(mapping=[1], args=[OUT])
        def new(o: int32[8]):
            for i in range(8):
                o[i] = A_in0.get() * 3  # noqa: F821

    return top


@pytest.mark.parametrize("target", ["simulator", *HW_TARGETS])
def test_program_names_do_not_clash_with_generated_ones(target, tmp_path):
    A = np.arange(8, dtype=np.int32)
    OUT = np.zeros(8, np.int32)
    options = {} if target == "simulator" else {"project": tmp_path}
    dato.build(names_like_generated_ones(), target=target, **options)(A, OUT)
    np.testing.assert_array_equal(OUT, (A + 1) * 3)


def remainder():
    @dato.region()
    def top(A: int32[2], B: int32[1]):
        @dato.kernel(mapping=[1], args=[A, B])
        def k(a: int32[2], b: int32[1]):
            b[0] = a[0] % a[1]

    return top


@pytest.mark.parametrize("target", ["simulator", *HW_TARGETS])
def test_int_min_remainder_minus_one_is_zero(target, tmp_path):
    """Python and numpy (wrapping int32) give 0; C++ leaves it undefined."""
    A = np.array([np.iinfo(np.int32).min, -1], dtype=np.int32)
    B = np.ones(1, np.int32)
    options = {} if target == "simulator" else {"project": tmp_path}
    dato.build(remainder(), target=target, **options)(A, B)
    assert B[0] == 0


@pytest.mark.parametrize("target", ["simulator", *HW_TARGETS])
def test_division_by_zero_is_reported_at_the_python_line(target, tmp_path):
    A = np.array([5, 0], dtype=np.int32)
    B = np.zeros(1, np.int32)
    options = {} if target == "simulator" else {"project": tmp_path}
    mod = dato.build(remainder(), target=target, **options)
    with pytest.raises(dato.DatoRuntimeError) as info:
        mod(A, B)
    assert "division by zero" in str(info.value)
    assert "test_target_agreement.py:" in str(info.value)
