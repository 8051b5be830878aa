"""The elements a write inside a loop nest writes (loop_writes), checked
against the elements worked out by hand."""

import numpy as np
import pytest
from xdsl.dialects import memref
from xdsl.dialects.linalg import ops as linalg

import dato_xdsl as dato
from dato_xdsl.dialects import dato as ir
from dato_xdsl.transforms.loop_writes import loop_elements
from test.unit.programs.loop_writes_programs import COND, EVEN, LOOP, SLICE, chunked

N, CH = 64, 8


def _writer(form: int) -> ir.GroupOp:
    mapped = dato.build(chunked(N, CH, form), target="simulator").mapped
    (group,) = [
        op for op in mapped.walk() if isinstance(op, ir.GroupOp) and op.sym_name.data == "write"
    ]
    return group


def _write(group: ir.GroupOp):
    """The one op writing y (a store, or the op writing a view of y)."""
    y = group.body.block.args[0]
    for use in y.uses:
        op = use.operation
        if isinstance(op, memref.StoreOp):
            return op, y
        assert isinstance(op, memref.SubviewOp)
        (inner,) = [u.operation for u in op.result.uses]
        return inner, op.result
    raise AssertionError("y is not written")


@pytest.mark.parametrize("form", [LOOP, SLICE])
def test_chunk_writes_cover_the_output(form: int):
    group = _writer(form)
    op, view = _write(group)
    if form == SLICE:
        assert isinstance(op, linalg.AddOp | memref.CopyOp)
    y = group.body.block.args[0]
    mask = loop_elements(op, view, y, group.body.block)
    assert mask is not None
    np.testing.assert_array_equal(mask, np.ones(N, bool))


def test_every_other_element_is_half():
    group = _writer(EVEN)
    op, view = _write(group)
    mask = loop_elements(op, view, group.body.block.args[0], group.body.block)
    want = np.zeros(N, bool)
    want[0::2] = True  # 2 * (c * CH + i) for c < NC / 2, i < CH
    assert mask is not None
    np.testing.assert_array_equal(mask, want)


def test_store_under_a_condition_is_unknown():
    group = _writer(COND)
    op, view = _write(group)
    assert loop_elements(op, view, group.body.block.args[0], group.body.block) is None
