"""Boxes of an unsharded output whose store indices use // and % of the pid
(npu_write_boxes.index_lattice): the frontend writes `p // 2` as floordivsi
and `p % 2` as remsi with a select fixing the sign, which are now evaluated
for each instance, so each worker moves only its quarter of C."""

import numpy as np
import pytest
from xdsl.dialects import arith
from xdsl.dialects.builtin import IndexType

import dato_xdsl as dato
from dato_xdsl import int32
from dato_xdsl.dialects import dato as ir
from dato_xdsl.transforms.npu_write_boxes import Box, index_lattice, write_boxes
from test.unit.programs.npu_write_boxes_div_programs import quarters


def test_quarters_are_boxes():
    mapped = dato.build(quarters(int32, 8, 16), target="simulator").mapped
    (region,) = [op for op in mapped.walk() if isinstance(op, ir.RegionOp)]
    (group,) = list(region.groups())
    # worker p: rows 4 * (p // 2) .. + 4, columns 8 * (p % 2) .. + 8, all written
    assert write_boxes(group, 1) == {
        f"worker_{p}": Box((4 * (p // 2), 8 * (p % 2)), (4, 8), True) for p in range(4)
    }


@pytest.mark.parametrize("target", ["simulator", "aie"])
def test_quarters_equal_numpy(tmp_path, target: str):
    M, N = 16, 32
    kwargs = {"project": tmp_path} if target == "aie" else {}
    mod = dato.build(quarters(int32, M, N), target=target, **kwargs)
    A = np.random.default_rng(5).integers(-(2**31), 2**31 - 1, (M, N), dtype=np.int32)
    C = np.full((M, N), 7, np.int32)
    mod(A, C)
    want = (A.astype(np.int64) * 2).astype(np.int32)  # wraps as int32
    for p in range(4):
        want[(p // 2) * 8 : (p // 2 + 1) * 8, (p % 2) * 16 : (p % 2 + 1) * 16] += p
    np.testing.assert_array_equal(C, want)


@pytest.mark.parametrize(
    ("op", "a", "b", "want"),
    [
        (arith.FloorDivSIOp, -7, 2, -4),  # Python's // and MLIR's floordivsi: toward -inf
        (arith.DivSIOp, -7, 2, -3),  # toward zero
        (arith.CeilDivSIOp, -7, 2, -3),
        (arith.CeilDivSIOp, 7, 2, 4),
        (arith.RemSIOp, -7, 2, -1),  # the sign of the dividend
        (arith.RemSIOp, 7, -2, 1),
        (arith.MaxSIOp, -7, 2, 2),
        (arith.MinSIOp, -7, 2, -7),
        (arith.DivUIOp, 7, 2, 3),
        (arith.DivUIOp, -7, 2, None),  # -7 is a huge unsigned value: unknown
        (arith.FloorDivSIOp, 7, 0, None),
    ],
)
def test_fixed_integer_ops_are_evaluated(op, a: int, b: int, want: int | None):
    x = arith.ConstantOp.from_int_and_width(a, IndexType())
    y = arith.ConstantOp.from_int_and_width(b, IndexType())
    found = index_lattice(op(x.result, y.result).result, ())
    assert found == (None if want is None else (want, want, 0))


@pytest.mark.parametrize(("pred", "want"), [("slt", 7), ("sge", 2), ("ult", 7), ("ne", 7)])
def test_comparisons_pick_the_select_operand(pred: str, want: int):
    x = arith.ConstantOp.from_int_and_width(2, IndexType())
    y = arith.ConstantOp.from_int_and_width(5, IndexType())
    # 2 < 5 (signed and unsigned), so slt, ult and ne pick 7, sge picks 2
    seven = arith.ConstantOp.from_int_and_width(7, IndexType())
    cond = arith.CmpiOp(x.result, y.result, pred)
    pick = arith.SelectOp(cond.result, seven.result, x.result)
    assert index_lattice(pick.result, ()) == (want, want, 0)


def test_unsigned_comparison_of_a_negative_value_is_unknown():
    x = arith.ConstantOp.from_int_and_width(-1, IndexType())
    y = arith.ConstantOp.from_int_and_width(5, IndexType())
    cond = arith.CmpiOp(x.result, y.result, "ult")  # -1 is the largest unsigned
    pick = arith.SelectOp(cond.result, x.result, y.result)
    assert index_lattice(pick.result, ()) is None
