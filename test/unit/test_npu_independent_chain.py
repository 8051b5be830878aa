"""Allo's chain of two instances that share no stream (its test_mapping_gemm
test_gemm_2D_v2, test_meta_for test_scatter): one core runs the first, then
the second. Compared with numpy on the virtual NPU."""

import numpy as np

import dato_xdsl as dato
from test.unit.programs import npu_fanout_programs as fanout


def test_chain_of_two_instances_without_a_stream(tmp_path):
    mod = dato.build(
        fanout.two_lanes(dato.int32, 16),
        target="aie",
        project=tmp_path,
        mapping_primitives=[("chain", ["inc_0", "dbl_1"]), ("chain", ["dbl_0", "inc_1"])],
    )
    rng = np.random.default_rng(6)
    A = rng.integers(-50, 50, (2, 16)).astype(np.int32)
    C = rng.integers(-50, 50, (2, 16)).astype(np.int32)
    B, D = np.zeros_like(A), np.zeros_like(C)
    mod(A, B, C, D)
    np.testing.assert_array_equal(B, A + 1)
    np.testing.assert_array_equal(D, C * 2)
    assert (tmp_path / "aie.mlir").read_text().count("aie.core(") == 2
