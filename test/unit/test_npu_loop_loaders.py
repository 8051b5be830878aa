"""Loaders that cut their block of an array in a loop and put the pieces on
streams (SUMMA's row and column loaders), read by their consumers instead
when no folding with the loaders' cores fits (npu_loop_loaders, physical
mapping's fallback), on the virtual NPU against numpy."""

from __future__ import annotations

import numpy as np
import pytest
from xdsl.context import Context

import dato_xdsl as dato
from dato_xdsl.dialects import aie
from dato_xdsl.dialects import dato as ir
from dato_xdsl.frontend.program import compile_region
from dato_xdsl.targets import registry
from dato_xdsl.targets.aie.target import AieTarget
from dato_xdsl.targets.base import DATO_STEPS, BuildOptions
from dato_xdsl.transforms.core_tasks import task_names
from dato_xdsl.transforms.npu_loop_loaders import elide_loop_loaders
from test.unit.programs import npu_loop_loaders_programs as lp


def _cores(mod) -> list[list[str]]:
    return [task_names(op) for op in mod.ir.walk() if isinstance(op, aie.CoreOp)]


def _inputs(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.integers(-(2**15), 2**15, (n, n)).astype(np.int32)
    b = rng.integers(-(2**15), 2**15, (n, n)).astype(np.int32)
    return a, b


def _region_before_mapping(top, device: str) -> ir.RegionOp:
    module, _ = compile_region(top)
    steps = [*DATO_STEPS, *AieTarget().steps]
    upto = [s.name for s in steps].index("dato-physical-map")
    for p in registry.passes(steps[:upto], BuildOptions(device=device)):
        p.apply(Context(), module)
    return next(o for o in module.walk() if isinstance(o, ir.RegionOp))


def test_summa_4x4_on_4_cores_reads_the_loaders_pieces() -> None:
    # 16 nodes and 8 loaders on npu1_1col's 4 cores: every folding that keeps
    # the loaders was refused on a tile's DMA channels (the chained cores get
    # from too many loaders); without them the 16 nodes chain four to a core
    n = 32
    a, b = _inputs(n, 1)
    c = np.zeros((n, n), np.int32)
    mod = dato.build(lp.summa(n, 4), target="aie", device="npu1_1col")
    mod(a, b, c)
    # int32 products wrap as the NPU's do (|a|,|b| < 2^15: sums of 32 fit in int64)
    np.testing.assert_array_equal(c, (a.astype(np.int64) @ b).astype(np.int32))
    cores = _cores(mod)
    assert len(cores) == 4
    names = sorted(t for core in cores for t in core)
    assert names == sorted(f"node_{i}_{j}" for i in range(4) for j in range(4))


def test_elided_region_reads_blocks_of_a_and_b() -> None:
    # the function on the IR the physical mapping gets: each node takes its
    # row block of A (the row loader's block) and column block of B; the
    # loaders and their 32 streams go
    region = _region_before_mapping(lp.summa(32, 4), "npu1_1col")
    assert elide_loop_loaders(region) == ["colload", "rowload"]
    assert [g.sym_name.data for g in region.groups()] == ["node"]
    assert not list(region.streams())
    (node,) = region.groups()
    a, b, _c = region.body.block.args
    assert list(node.args) == [_c, a, b]
    for inst in node.instances():
        i, j = inst.pid
        # C's block, A's rows of block row i, B's columns of block column j
        assert inst.offsets == ((8 * i, 8 * j), (8 * i, 0), (0, 8 * j))
    shapes = [list(t.get_shape()) for t in node.body.block.arg_types]
    assert shapes == [[8, 8], [8, 32], [32, 8]]
    assert not any(isinstance(op, ir.GetOp) for op in node.body.walk())


def test_node_writing_its_piece_gets_a_copy() -> None:
    # the node scales what it got in place: it reads a copy of the piece,
    # never the block the other nodes of its row read too
    n = 32
    a, b = _inputs(n, 2)
    a //= 8
    c = np.zeros((n, n), np.int32)
    mod = dato.build(lp.summa_scaled(n, 4), target="aie", device="npu1_1col")
    mod(a, b, c)
    want = ((a.astype(np.int64) * 3 + 1) @ b).astype(np.int32)
    np.testing.assert_array_equal(c, want)
    assert not any(t.startswith(("rowload", "colload")) for core in _cores(mod) for t in core)


def test_loaders_kept_when_a_folding_with_them_fits() -> None:
    # 2x2 SUMMA on npu1's 16 cores: 8 elements, nothing to fold, the
    # loaders keep their cores
    n = 16
    a, b = _inputs(n, 3)
    c = np.zeros((n, n), np.int32)
    mod = dato.build(lp.summa(n, 2), target="aie", device="npu1")
    mod(a, b, c)
    np.testing.assert_array_equal(c, (a.astype(np.int64) @ b).astype(np.int32))
    names = {t for core in _cores(mod) for t in core}
    assert {"rowload_0", "rowload_1", "colload_0", "colload_1"} <= names


def test_staged_views_are_counted_as_the_lowering_allocates_them() -> None:
    # each node multiplies strided views of its A and B blocks: the lowering
    # stages both in contiguous 52x52 buffers of the tile around the matmul,
    # which accumulates straight into C's block (dato-matmul-accumulate,
    # dato-local-copy-elision): 2 x 10816 B of locals, + A's and B's 52x104
    # blocks (21632 B each) + C's block (10816 B) = 75712 B = 73.9375 KiB >
    # 63 KiB. Without the staged buffers the count is 52.8 KiB: accepted,
    # and the emitted design would not fit the tile
    with pytest.raises(dato.DatoError, match=r"needs 73\.9375 KiB of buffers \(21\.125 KiB local"):
        dato.build(lp.gemm_pieces(104, 2), target="aie", device="npu1")


def test_staged_views_that_fit_map() -> None:
    # 40x40 pieces: 5 x 6400 + 2 x 12800 + 6400 = 64000 B <= 63 KiB
    n = 80
    a, b = _inputs(n, 4)
    c = np.zeros((n, n), np.int32)
    mod = dato.build(lp.gemm_pieces(n, 2), target="aie", device="npu1")
    mod(a, b, c)
    np.testing.assert_array_equal(c, (a.astype(np.int64) @ b).astype(np.int32))
