"""Outputs written whole by a loop, chunk by chunk, on the virtual NPU
(npu_plan's _overwritten_first with loop_writes).

A task that gets chunks from a stream and writes chunk c of y in iteration
c (`y[c * CH + i] = ...` or `y[c * CH:(c + 1) * CH] = ...`) writes all of y
before reading any of it, so y's host copy need not come in: N=8192 int32
(32 KiB) was held twice, in and out, and refused at 65 KiB on npu1. A loop
writing only every other element still brings y in (the other elements
keep the host's values)."""

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl.dialects import dato as ir
from dato_xdsl.transforms.npu_plan import arg_access
from test.unit.programs.loop_writes_programs import COND, EVEN, LOOP, SLICE, chunked


def _write_arg(form: int, N: int, CH: int):
    mapped = dato.build(chunked(N, CH, form), target="simulator").mapped
    (group,) = [
        op for op in mapped.walk() if isinstance(op, ir.GroupOp) and op.sym_name.data == "write"
    ]
    return group.body.block.args[0]


@pytest.mark.parametrize("form", [LOOP, SLICE])
def test_chunk_written_output_equals_numpy(tmp_path, form: int):
    N, CH = 8192, 256
    mod = dato.build(chunked(N, CH, form), target="aie", project=tmp_path)
    x = np.random.default_rng(form).integers(-(2**31), 2**31 - 1, N, dtype=np.int32)
    y = np.full(N, 7, np.int32)
    mod(x, y)
    np.testing.assert_array_equal(y, x + np.int32(1))  # wraps as int32


@pytest.mark.parametrize(
    ("form", "read"), [(LOOP, False), (SLICE, False), (EVEN, True), (COND, True)]
)
def test_output_comes_in_unless_the_loop_writes_it_all(form: int, read: bool):
    assert arg_access(_write_arg(form, 64, 8)) == (read, True)


def test_every_other_element_keeps_the_host_values(tmp_path):
    N, CH = 64, 8
    mod = dato.build(chunked(N, CH, EVEN), target="aie", project=tmp_path)
    x = np.arange(N, dtype=np.int32)
    y = np.full(N, -5, np.int32)
    mod(x, y)
    want = np.full(N, -5, np.int32)
    want[0::2] = x[: N // 2]
    np.testing.assert_array_equal(y, want)
