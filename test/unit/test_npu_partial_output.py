"""An output a task writes only partly keeps the host's values elsewhere, on
every target (docs/design-notes.md: each task gets the host's copy of its
slice). On the NPU that means the host copy of such an output is brought in
before the task runs; an output the task provably overwrites whole (fill,
matmul after fill) is not, so the GEMM fast path keeps its DMA channels."""

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Layout, int32
from dato_xdsl.dialects import dato as dato_dialect
from dato_xdsl.transforms.npu_plan import arg_access

S = Layout.Shard
TARGETS = ["simulator", "aie", "hls"]


def first_half():
    """Two tasks, each writing c[0:4] of its 8-element slice of C."""

    @dato.region()
    def top(A: int32[16], C: int32[16]):
        @dato.kernel(mapping=[2], args=[A, C])
        def k(a: int32[16] @ [S(0)], c: int32[16] @ [S(0)]):
            c[0:4] = a[0:4] + 1

    return top


def even_indices():
    """One task writing only the even elements of C, in a loop."""

    @dato.region()
    def top(A: int32[8], C: int32[8]):
        @dato.kernel(mapping=[1], args=[A, C])
        def k(a: int32[8], c: int32[8]):
            for i in range(4):
                c[2 * i] = a[2 * i] * 3

    return top


def every_element():
    """A loop storing c[i] for every i: provably all of C (no host copy)."""

    @dato.region()
    def top(A: int32[8], C: int32[8]):
        @dato.kernel(mapping=[1], args=[A, C])
        def k(a: int32[8], c: int32[8]):
            for i in range(8):
                c[i] = a[i] + 2

    return top


def stencil_ends():
    """A 3-point stencil: the two ends stored apart, the inside by a loop
    from 1 to L - 2; together every element of C, so no host copy."""

    @dato.region()
    def top(A: int32[8], C: int32[8]):
        @dato.kernel(mapping=[1], args=[A, C])
        def k(a: int32[8], c: int32[8]):
            c[0] = a[0]
            for i in range(1, 7):
                c[i] = a[i - 1] + a[i] + a[i + 1]
            c[7] = a[7]

    return top


def inner_only():
    """The same loop without the ends: C[0] and C[7] keep the host's values."""

    @dato.region()
    def top(A: int32[8], C: int32[8]):
        @dato.kernel(mapping=[1], args=[A, C])
        def k(a: int32[8], c: int32[8]):
            for i in range(1, 7):
                c[i] = a[i - 1] + a[i] + a[i + 1]

    return top


def whole_fill():
    """One task overwriting all of C with a constant: no host copy needed."""

    @dato.region()
    def top(C: int32[8]):
        @dato.kernel(mapping=[1], args=[C])
        def k(c: int32[8]):
            c[:] = 5

    return top


def _run(make, target: str, tmp_path, *arrays: np.ndarray) -> None:
    options = {} if target == "simulator" else {"project": tmp_path}
    dato.build(make(), target=target, **options)(*arrays)


@pytest.mark.parametrize("target", TARGETS)
def test_first_half_of_each_slice_written_rest_kept(target, tmp_path):
    A = np.arange(16, dtype=np.int32)
    C = np.arange(100, 116, dtype=np.int32)
    want = C.copy()
    for s in (0, 8):  # each task's slice: its first four elements are written
        want[s : s + 4] = A[s : s + 4] + 1
    _run(first_half, target, tmp_path, A, C)
    np.testing.assert_array_equal(C, want)
    assert C[5] == 105 and C[13] == 113  # untouched: the host's value, not 0


@pytest.mark.parametrize("target", TARGETS)
def test_even_elements_written_in_a_loop_odd_kept(target, tmp_path):
    A = np.arange(1, 9, dtype=np.int32)
    C = np.full(8, -7, np.int32)
    want = C.copy()
    want[0::2] = A[0::2] * 3
    _run(even_indices, target, tmp_path, A, C)
    np.testing.assert_array_equal(C, want)
    assert list(C[1::2]) == [-7] * 4


@pytest.mark.parametrize("target", TARGETS)
def test_wholly_filled_output_is_written(target, tmp_path):
    C = np.full(8, -7, np.int32)
    _run(whole_fill, target, tmp_path, C)
    np.testing.assert_array_equal(C, np.full(8, 5, np.int32))


def _access(make) -> list[tuple[bool, bool]]:
    """(read, written) of each argument of the program's only task."""
    module = dato.build(make(), target="simulator").module
    (task,) = [op for op in module.walk() if isinstance(op, dato_dialect.TaskOp)]
    return [arg_access(a) for a in task.body.block.args]


def test_partly_written_outputs_count_as_read():
    assert _access(even_indices) == [(True, False), (True, True)]
    assert _access(first_half) == [(True, False), (True, True)]


def test_wholly_overwritten_outputs_are_not_read():
    from test.unit.programs import dato_programs as progs

    assert _access(whole_fill) == [(False, True)]
    assert _access(every_element) == [(True, False), (False, True)]
    # C = matmul(A, B): a fill and a matmul into a local buffer, then one copy
    gemm = _access(lambda: progs.tiled_gemm(dato.int16, 8, 8, 8))
    assert gemm == [(True, False), (True, False), (False, True)]


def test_stores_at_constant_indices_that_cover_an_output_overwrite_it():
    """mixed_types writes its 8 + 4 output elements one constant index at a
    time: together they cover each output, so no host copy is read; a store
    to 3 of 4 elements leaves one to keep."""
    from test.unit.programs import dato_programs as progs

    access = _access(progs.mixed_types)
    assert access[4:] == [(False, True), (False, True)]

    @dato.region()
    def three(A: int32[4], B: int32[4]):
        @dato.kernel(mapping=[1], args=[A, B])
        def k(a: int32[4], b: int32[4]):
            b[0] = a[0]
            b[1] = a[1]
            b[3] = a[3]

    assert _access(lambda: three)[1] == (True, True)


def test_a_loop_from_one_and_stores_at_the_ends_overwrite_an_output():
    assert _access(stencil_ends) == [(True, False), (False, True)]
    assert _access(inner_only) == [(True, False), (True, True)]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("make", [stencil_ends, inner_only])
def test_stencils_written_inside_a_loop_from_one(make, target, tmp_path):
    A = np.arange(1, 9, dtype=np.int32) * 5
    C = np.full(8, -7, np.int32)
    want = C.copy()
    want[1:7] = A[:-2] + A[1:-1] + A[2:]
    if make is stencil_ends:
        want[0], want[7] = A[0], A[7]
    _run(make, target, tmp_path, A, C)
    np.testing.assert_array_equal(C, want)
