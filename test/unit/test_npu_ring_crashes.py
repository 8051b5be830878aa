"""Ring programs that crashed the NPU compiler (issue 12), run on the
virtual NPU and compared with numpy bit for bit.

- A halo stencil on a ring of 7: the nodes' output helpers (C is read and
  written) and the helpers' loaders took the free cores, and the peers chosen
  next were looked up in plans made before those loaders existed (KeyError).
- ring_sum on 3, 5 and 7 nodes: one core copies a [1, L] block and an [L]
  block with the library's copy kernel; both signatures were given the name
  dato_copy_i32_<L> (a clash in the kernel declarations)."""

from __future__ import annotations

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import int32
from dato_xdsl.transforms.kernel_library import parse
from test.unit.test_npu_odd_rings import halo, halo_reference
from test.unit.test_npu_stream_embedding import ring_sum

RNG = np.random.default_rng(1207)


def test_halo_on_ring_of_7(tmp_path) -> None:
    P, L = 7, 4
    mod = dato.build(halo(int32, P, L), target="aie", project=tmp_path)
    A = RNG.integers(-(2**29), 2**29, (P, L)).astype(np.int32)
    C = np.zeros((P, L), np.int32)
    mod(A, C)
    np.testing.assert_array_equal(C, halo_reference(A))


@pytest.mark.parametrize("P", [3, 5])
def test_ring_sum_on_odd_rings(tmp_path, P: int) -> None:
    L = 4
    mod = dato.build(ring_sum(int32, P, L), target="aie", project=tmp_path)
    A = RNG.integers(-(2**20), 2**20, (P, L)).astype(np.int32)
    W = RNG.integers(-(2**10), 2**10, (L,)).astype(np.int32)
    C = np.zeros((P, L), np.int32)
    mod(A, W, C)
    col = (A.astype(np.int64) * W).sum(axis=0)
    np.testing.assert_array_equal(C, np.tile(col, (P, 1)).astype(np.int32))


def test_second_signature_name_counts_its_elements() -> None:
    # the entry of a kernel named by its arrays' shapes copies the count
    kernel = parse("dato_copy_i32_8_shapes_1x8_8")
    assert kernel is not None
    assert (kernel.kind, kernel.type_key, kernel.dims) == ("copy", "i32", (8,))
