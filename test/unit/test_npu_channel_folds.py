"""Folding when DMA channels overflow (PhysicalMapPass.channel_folds) and
memtile joins of streams a core gets at one place only
(Placer.route_streams), each compared with numpy on the virtual NPU."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from xdsl.context import Context

import dato_xdsl as dato
from dato_xdsl import int8, int32
from dato_xdsl.dialects import dato as ir
from dato_xdsl.frontend.program import compile_region
from dato_xdsl.targets import registry
from dato_xdsl.targets.aie.target import AieTarget
from dato_xdsl.targets.base import DATO_STEPS, BuildOptions
from dato_xdsl.transforms.npu_stream_routes import read_routes
from test.unit.programs import dato_programs as dp
from test.unit.programs import npu_fanout_programs as fp


def test_gather_sum_on_npu2_joins_each_stream_once() -> None:
    """24 sources of 2 KiB int8 rows into one reducer on npu2's 32 cores, the
    aie pipeline up to physical mapping: the retiled rows' streams merged
    between chained sources reach red's tile twice under one name (two ports
    bound to one merged stream). Such a stream is accessed at two places, so
    it joins no memtile route; before, a route listed it twice, its parts
    were renumbered (1, 3, 5) and the lowering found no part 0 (an internal
    error). Every route must name distinct streams as parts 0..n-1."""
    module, _ = compile_region(fp.gather_sum(int8, 24, 2048))
    options = BuildOptions(device="npu2")
    steps = [*DATO_STEPS, *AieTarget().steps]
    upto = [s.name for s in steps].index("dato-physical-map") + 1
    for p in registry.passes(steps[:upto], options):
        p.apply(Context(), module)
    region = next(o for o in module.walk() if isinstance(o, ir.RegionOp))
    assert all("dato.tiles" in g.attributes for g in region.groups())
    for route in read_routes(region):
        parts = [
            d.attributes["dato.route_part"].value.data  # type: ignore[union-attr]
            for d in region.streams()
            if d.sym_name.data in route.streams
        ]
        assert sorted(parts) == list(range(len(route.streams)))
        assert len(set(route.streams)) == len(route.streams)


def test_split_k_of_32_parts_folds_for_shim_channels(tmp_path: Path) -> None:
    """split_k_gemm(int32, 64, 64, 4096, 32) on npu2: 32 parts each read their
    own block of A and of B (64 distinct input sequences) and the drain,
    33 instances for 32 cores. Every mapping onto 32 cores needs a shim input
    channel more than npu2's 8 columns have (refused before); folded as if
    16 cores were there, chained pairs of parts keep the partial sum between
    them on their core and share DMA sequences."""
    rng = np.random.default_rng(2)
    a = rng.integers(-8, 8, (64, 4096)).astype(np.int32)
    b = rng.integers(-8, 8, (4096, 64)).astype(np.int32)
    c = np.zeros((64, 64), np.int32)
    f = dato.build(
        dp.split_k_gemm(int32, 64, 64, 4096, 32), target="aie", device="npu2", project=tmp_path
    )
    f(a, b, c)
    np.testing.assert_array_equal(c, a @ b)
    text = (tmp_path / "aie.mlir").read_text()
    cores = [re.findall(r'"(part_\d+)"', c) for c in re.findall(r"dato\.tasks = \[[^\]]*\]", text)]
    names = [n for core in cores for n in core]
    # the parts (retiled in as many pieces as there are) chained onto at most
    # 16 cores, each part on one core
    assert len(names) == len(set(names)) and len(names) % 32 == 0
    assert len([core for core in cores if core]) <= 16
