"""npu_folding.choose_folds by hand on a split-K GEMM's region (1 x 3 output
blocks, 2 K steps: part_0_j_0 puts partial_0_j_1 to part_0_j_1, which puts
partial_0_j_2 to drain_0_j; every object an 8 x 4 int32 block, 128 bytes):
the bridge chains an instance touching one stream offers, the fewest DMA
channels first, then by name, each instance in one fold, as many as the
elements over the cores; instances already chained are left out. Written
from mutation testing's survivors (tools/mutation-test npu-folding)."""

from __future__ import annotations

import pytest
from xdsl.dialects.builtin import IntegerAttr, UnitAttr, i64

import dato_xdsl as dato
from dato_xdsl import int32
from dato_xdsl.dialects import dato as dato_ir
from dato_xdsl.transforms.npu_folding import COMPILER_CHOSEN, Fold, choose_folds, record_folds
from dato_xdsl.transforms.stream_access import stream_uses
from test.unit.programs import npu_fanout_programs


@pytest.fixture()
def region() -> dato_ir.RegionOp:
    mod = dato.build(npu_fanout_programs.split_k_gemm_3d(int32, 8, 12, 8, 1, 3, 2))
    return next(o for o in mod.mapped.walk() if isinstance(o, dato_ir.RegionOp))


def first(j: int, channels: int = 0) -> Fold:
    return Fold(f"part_0_{j}_0", f"part_0_{j}_1", f"partial_0_{j}_1", 128, channels)


def last(j: int, channels: int = 0) -> Fold:
    return Fold(f"part_0_{j}_1", f"drain_0_{j}", f"partial_0_{j}_2", 128, channels)


def test_as_many_folds_as_elements_over_the_cores(region: dato_ir.RegionOp) -> None:
    uses = stream_uses(region)
    assert choose_folds(region, uses, {}, 9, 9) == []
    assert choose_folds(region, uses, {}, 9, 12) == []
    assert choose_folds(region, uses, {}, 9, 8) == [first(0)]
    assert choose_folds(region, uses, {}, 9, 7) == [first(0), first(1)]
    assert choose_folds(region, uses, {}, 9, 6) == [first(0), first(1), first(2)]
    # a fourth would reuse an instance: three at most
    assert choose_folds(region, uses, {}, 9, 5) == [first(0), first(1), first(2)]
    assert choose_folds(region, uses, {}, 9, 1) == [first(0), first(1), first(2)]


def test_folds_bringing_fewer_channels_come_first(region: dato_ir.RegionOp) -> None:
    uses = stream_uses(region)
    arrays = {"part_0_0_0": 2, "part_0_1_0": 1}
    # channels 0: part_0_0_1 -> drain_0_0, part_0_1_1 -> drain_0_1, part_0_2_0 ->
    # part_0_2_1, part_0_2_1 -> drain_0_2 (by name); then part_0_1_0's (1), part_0_0_0's (2)
    assert choose_folds(region, uses, arrays, 9, 8) == [last(0)]
    assert choose_folds(region, uses, arrays, 9, 5) == [last(0), last(1), first(2)]
    # a drain bringing a channel: its fold after the others of no channel
    arrays = {"drain_0_0": 1, "drain_0_1": 1, "drain_0_2": 1}
    assert choose_folds(region, uses, arrays, 9, 6) == [first(0), first(1), first(2)]
    arrays = {"part_0_0_0": 1, "part_0_1_0": 1, "part_0_2_0": 1}
    assert choose_folds(region, uses, arrays, 9, 6) == [last(0), last(1), last(2)]


def test_instances_already_chained_are_left_out(region: dato_ir.RegionOp) -> None:
    record_folds(region, [first(0)])
    chains = [op for op in region.body.block.ops if isinstance(op, dato_ir.ChainOp)]
    assert len(chains) == 1
    assert list(chains[0].names) == ["part_0_0_0", "part_0_0_1"]
    assert chains[0].attributes["dato.cost_bytes"] == IntegerAttr(128, i64)
    uses = stream_uses(region)
    # drain_0_0's partner is chained: its fold is not offered either
    assert choose_folds(region, uses, {}, 9, 8) == [first(1)]
    assert choose_folds(region, uses, {}, 9, 5) == [first(1), first(2)]


def test_a_producer_whose_consumer_is_chained_is_left_out(region: dato_ir.RegionOp) -> None:
    # part_0_0_1 chained with its drain: part_0_0_0, touching only the stream to
    # it, has no free partner
    record_folds(region, [last(0)])
    chain = next(op for op in region.body.block.ops if isinstance(op, dato_ir.ChainOp))
    assert chain.attributes[COMPILER_CHOSEN] == UnitAttr()
    assert chain.location == region.location
    uses = stream_uses(region)
    assert choose_folds(region, uses, {}, 9, 8) == [first(1)]


def test_streams_without_a_static_count_or_an_end_offer_no_fold(region: dato_ir.RegionOp) -> None:
    # partial_0_0_1 put a number of times not known statically: part_0_0_0's
    # fold goes; part_0_0_1 -> drain_0_0 is then the first
    uses = stream_uses(region)
    uses["partial_0_0_1"].puts[0].count = None
    assert uses["partial_0_0_1"].total() is None
    assert choose_folds(region, uses, {}, 9, 6) == [last(0), first(1), first(2)]
    # partial_0_1_1 without its get: part_0_1_0 has no partner; part_0_1_1 now
    # touches one stream (to drain_0_1)
    uses = stream_uses(region)
    uses["partial_0_1_1"].gets = []
    assert choose_folds(region, uses, {}, 9, 6) == [first(0), last(1), first(2)]
    # partial_0_2_2 without its put: drain_0_2 has no partner
    uses = stream_uses(region)
    uses["partial_0_2_2"].puts = []
    assert choose_folds(region, uses, {}, 9, 5) == [first(0), first(1), first(2)]
    uses["partial_0_2_1"].puts = []
    assert choose_folds(region, uses, {}, 9, 5) == [first(0), first(1)]
