"""npu_shallow_fifos' bookkeeping by hand on a split-K GEMM's region (1 x 3
output blocks, 2 K steps: streams partial_0_j_1 from the first task of each
sum to the second, partial_0_j_2 from the second to the drain): which streams
must keep one type (every stream one group port binds, across its instances,
joined through the other groups' ports), how a stream made one object deep is
recorded (depth 1, the declared depth kept beside it, the first one kept)
and read back. Written from mutation testing's survivors
(tools/mutation-test npu-shallow-fifos); the decision itself is judged by
test_npu_chain_depth.py's designs."""

from __future__ import annotations

import pytest
from xdsl.dialects.builtin import IntegerAttr, StringAttr, i64

import dato_xdsl as dato
from dato_xdsl import int32
from dato_xdsl.dialects import dato as dato_ir
from dato_xdsl.transforms.npu_shallow_fifos import (
    DEPTH_BY_COMPILER,
    port_classes,
    record_shallow,
    shallow_streams,
)
from test.unit.programs import npu_fanout_programs


@pytest.fixture()
def region() -> dato_ir.RegionOp:
    mod = dato.build(npu_fanout_programs.split_k_gemm_3d(int32, 8, 12, 8, 1, 3, 2))
    return next(o for o in mod.mapped.walk() if isinstance(o, dato_ir.RegionOp))


FIRST = ["partial_0_0_1", "partial_0_1_1", "partial_0_2_1"]
SECOND = ["partial_0_0_2", "partial_0_1_2", "partial_0_2_2"]


def _depths(region: dato_ir.RegionOp) -> dict[str, int]:
    return {s.sym_name.data: s.stream_type.depth.data for s in region.streams()}


def test_port_classes_join_every_stream_bound_to_one_port(region: dato_ir.RegionOp) -> None:
    classes = port_classes(region)
    assert set(classes) == set(FIRST + SECOND)
    for name in FIRST:
        assert sorted(classes[name]) == FIRST
    for name in SECOND:
        assert sorted(classes[name]) == SECOND


def test_recorded_streams_are_one_object_deep_with_their_declared_depth(
    region: dato_ir.RegionOp,
) -> None:
    assert _depths(region) == dict.fromkeys(FIRST + SECOND, 2)
    assert shallow_streams(region) == {}
    before = {s.sym_name.data: s.stream_type for s in region.streams()}
    record_shallow(region, ["partial_0_0_1", "partial_0_2_2"])
    depths = _depths(region)
    assert depths == {**dict.fromkeys(FIRST + SECOND, 2), "partial_0_0_1": 1, "partial_0_2_2": 1}
    for s in region.streams():
        t, old = s.stream_type, before[s.sym_name.data]
        assert t.element_type == old.element_type and t.packing == old.packing
        if s.sym_name.data in ("partial_0_0_1", "partial_0_2_2"):
            assert s.attributes[DEPTH_BY_COMPILER] == IntegerAttr(2, i64)
        else:
            assert DEPTH_BY_COMPILER not in s.attributes
    assert shallow_streams(region) == {"partial_0_0_1": 2, "partial_0_2_2": 2}
    # recorded again: the declared depth stays the first one kept (not 1)
    record_shallow(region, ["partial_0_0_1"])
    assert shallow_streams(region) == {"partial_0_0_1": 2, "partial_0_2_2": 2}


def test_shallow_streams_reads_only_depths_below_the_kept_one(region: dato_ir.RegionOp) -> None:
    decls = {s.sym_name.data: s for s in region.streams()}
    # kept depth equal to the stream's (deepened and back): not shallow
    decls["partial_0_1_1"].attributes[DEPTH_BY_COMPILER] = IntegerAttr(2, i64)
    # kept depth above it: shallow, with that depth
    decls["partial_0_1_2"].attributes[DEPTH_BY_COMPILER] = IntegerAttr(3, i64)
    # kept depth below it (a stream the compiler deepened): not shallow
    decls["partial_0_0_2"].attributes[DEPTH_BY_COMPILER] = IntegerAttr(1, i64)
    # not an integer: ignored
    decls["partial_0_2_1"].attributes[DEPTH_BY_COMPILER] = StringAttr("3")
    assert shallow_streams(region) == {"partial_0_1_2": 3}
