"""Several instances storing disjoint parts of one unsharded output, with loop
bounds computed from the pid (`for m in range(p * R, (p + 1) * R)`): each
instance's box of the output is found from its pid, so the NPU moves only
that box. Checked against numpy on the virtual NPU (the simulator as well)."""

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl.dialects import dato as ir
from dato_xdsl.transforms.npu_write_boxes import Box, write_boxes
from test.unit.programs.npu_fanout_programs import split_gemv
from test.unit.programs.npu_strided_programs import diagonal_lattices, interleaved_rows


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


def _boxes(region, k: int) -> dict[str, Box] | None:
    mapped = dato.build(region, target="simulator").mapped
    (reg,) = [op for op in mapped.walk() if isinstance(op, ir.RegionOp)]
    (group,) = list(reg.groups())
    return write_boxes(group, k)


def test_strided_lattices_are_boxes_with_steps():
    # worker p stores C[3r + p, 3n + p], r < 3, n < 2: rows p, p+3, p+6 and
    # columns p, p+3 of a 9x6 C, every one of them (a loop nest, no condition)
    boxes = _boxes(diagonal_lattices(dato.int32, 9, 6, 3), 1)
    assert boxes == {f"worker_{p}": Box((p, p), (3, 2), True, (3, 3)) for p in range(3)}
    # rows r * 4 + p of a 12x8 C, whole rows: a step on the rows only
    boxes = _boxes(interleaved_rows(dato.int32, 12, 8, 5, 4), 2)
    assert boxes == {f"worker_{p}": Box((p, 0), (3, 8), True, (4, 1)) for p in range(4)}
