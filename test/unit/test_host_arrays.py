"""Host arrays as users pass them: strided views, Fortran order, read-only
inputs and byte-swapped data are accepted by every target (copied in and out);
outputs are still written in place; a read-only output is refused by name."""

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import int32

TARGETS = ["simulator", "aie", "hls"]


def scale_add():
    """C = A * 2 + B, one task, whole arrays."""

    @dato.region()
    def top(A: int32[4, 4], B: int32[4, 4], C: int32[4, 4]):
        @dato.kernel(mapping=[1], args=[A, B, C])
        def k(a: int32[4, 4], b: int32[4, 4], c: int32[4, 4]):
            for i in range(4):
                for j in range(4):
                    c[i, j] = a[i, j] * 2 + b[i, j]

    return top


@pytest.fixture(scope="module", params=TARGETS)
def module(request, tmp_path_factory):
    return dato.build(scale_add(), target=request.param, project=tmp_path_factory.mktemp("p"))


def test_strided_views_in_and_out_update_the_parent(module):
    big_a = np.arange(64, dtype=np.int32).reshape(8, 8)
    a = big_a[::2, 1::2]  # non-contiguous input
    b = np.asfortranarray(np.arange(16, dtype=np.int32).reshape(4, 4) * 3)  # other strides
    b.flags.writeable = False  # and read-only
    parent = np.full((6, 9), -1, dtype=np.int32)
    c = parent[1:5, 2:9:2]  # output: a strided view of a larger array
    expected_parent = parent.copy()
    expected_parent[1:5, 2:9:2] = np.asarray(a) * 2 + np.asarray(b)
    module(a, b, c)
    np.testing.assert_array_equal(parent, expected_parent)
    np.testing.assert_array_equal(big_a, np.arange(64, dtype=np.int32).reshape(8, 8))


def test_negative_strides_and_byte_swapped(module):
    a = np.arange(16, dtype=np.int32).reshape(4, 4)[::-1, ::-1]
    b = np.arange(16, dtype=np.int32).reshape(4, 4).astype(">i4")
    c = np.zeros((4, 4), dtype=">i4")
    module(a, b, c)
    np.testing.assert_array_equal(c.astype(np.int32), a * 2 + b.astype(np.int32))


def test_read_only_output_is_refused_by_name(module):
    a = np.ones((4, 4), np.int32)
    c = np.zeros((4, 4), np.int32)
    c.flags.writeable = False
    with pytest.raises(dato.DatoArgumentError, match="argument 'C' is a read-only array"):
        module(a, a, c)


def test_written_arguments_are_the_outputs(module):
    assert module.written_arguments == {2}
