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


def test_bundle_of_chains_runs_the_chains_in_turn(tmp_path):
    """Allo's bundle of a tuple of chain names (test_pingpong_gemm_2x2x4's
    second build, here on a 4 x 2 x 1 grid): K chains of two, then the
    first chains of both output blocks bundled, and the second chains.
    Their members belong to different bodies (pk = 0 starts from zero, the
    others add the partial sum), so this is no bundle of
    isomorphic instances: each core runs its chains one after the other."""
    from dato_xdsl import int16

    cells = [(0, 0), (1, 0)]
    prims: list = []
    for a, b in cells:
        prims.append(("chain", [f"gemm_0_{a}_{b}", f"gemm_1_{a}_{b}"]))
        prims.append(("chain", [f"gemm_2_{a}_{b}", f"gemm_3_{a}_{b}"]))
    # the first chains of both cells on one core, the second chains on another
    pairs = [(f"gemm_0_{a}_{b}-gemm_1_{a}_{b}", f"gemm_2_{a}_{b}-gemm_3_{a}_{b}") for a, b in cells]
    prims.append(("bundle", pairs))
    mod = dato.build(
        fanout.pingpong_gemm(int16, 32, 32, 128, 4, 2, 1),
        target="aie",
        project=tmp_path,
        mapping_primitives=prims,
    )
    rng = np.random.default_rng(9)
    A = rng.integers(0, 64, (32, 128)).astype(np.int16)
    B = rng.integers(0, 64, (128, 32)).astype(np.int16)
    C = np.zeros((32, 32), np.int16)
    mod(A, B, C)
    np.testing.assert_array_equal(C, (A.astype(np.int64) @ B).astype(np.int16))
    assert (tmp_path / "aie.mlir").read_text().count("aie.core(") == 2
