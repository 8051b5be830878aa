"""Several instances storing disjoint parts of one unsharded output, with loop
bounds computed from the pid (`for m in range(p * R, (p + 1) * R)`): each
instance's box of the output is found from its pid, so the NPU moves only
that box. Checked against numpy on the virtual NPU (the simulator as well)."""

import numpy as np
import pytest

import dato_xdsl as dato
from test.unit.programs.npu_fanout_programs import split_gemv


@pytest.mark.parametrize("target", ["simulator", "aie"])
@pytest.mark.parametrize(("M", "N", "P"), [(16, 16, 2), (24, 8, 4)])
def test_rows_stored_through_pid_bounded_loops(tmp_path, target: str, M: int, N: int, P: int):
    rng = np.random.default_rng(M * N + P)
    A = rng.integers(-1000, 1000, (M, N), dtype=np.int32)
    x = rng.integers(-1000, 1000, N, dtype=np.int32)
    y = np.full(M, -7, np.int32)
    kwargs = {"project": tmp_path} if target == "aie" else {}
    mod = dato.build(split_gemv(M, N, P), target=target, **kwargs)
    mod(A, x, y)
    np.testing.assert_array_equal(y, (A.astype(np.int64) @ x).astype(np.int32))
