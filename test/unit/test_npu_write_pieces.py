"""Outputs written piece after piece (dato-npu-write-pieces) and loaders that
only forward a block (dato-npu-elide-loaders), on the virtual NPU.

transpose_stream(int32, 128, 8): eight loaders put their 16x128 row block of
A on rows[p]; one collector, turn p, writes the transpose of rows[p] into
column block p of B. It held all of B (64 KiB, twice) and eight streams on
one tile and was refused (232 KiB); each turn is now a task of its own
writing its 128x16 block. With 16 loaders (int16, 128, P=16) the design
has more instances than cores: once the collector is cut, each piece reads
its block of A itself and the loaders go."""

import numpy as np
import pytest
from xdsl.context import Context
from xdsl.dialects import memref
from xdsl.dialects.builtin import MemRefType

import dato_xdsl as dato
from dato_xdsl import int8, int16, int32
from dato_xdsl.dialects import aie
from dato_xdsl.dialects import dato as ir
from dato_xdsl.transforms.core_tasks import task_names
from dato_xdsl.transforms.npu_elide_loaders import NpuElideLoadersPass, elide_loaders
from dato_xdsl.transforms.npu_write_pieces import NpuWritePiecesPass, plan_pieces
from test.unit.programs.npu_write_pieces_programs import (
    lanes,
    tile_gather_slices,
    transpose_stream,
    transpose_twice,
)


def _full_range(dtype, shape, seed: int) -> np.ndarray:
    info = np.iinfo(dtype)
    rng = np.random.default_rng(seed)
    return rng.integers(info.min, info.max, shape, dtype=dtype, endpoint=True)


def _tasks(mod) -> list[str]:
    return [n for op in mod.ir.walk() if isinstance(op, aie.CoreOp) for n in task_names(op)]


def _region(top) -> ir.RegionOp:
    mapped = dato.build(top, target="simulator").mapped
    (region,) = [op for op in mapped.walk() if isinstance(op, ir.RegionOp)]
    return region


@pytest.mark.parametrize(
    ("T", "N", "P"),
    [
        (int32, 128, 8),
        (int16, 128, 16),
        (int16, 256, 8),
        (int8, 256, 8),
        (int32, 256, 8),  # loaders over their tile: 32 KiB block + two on the stream
        (int8, 448, 8),
        (int16, 128, 32),  # 32 pieces in 16 chains of two, reading A's blocks in turn
    ],
)
def test_transpose_stream_equals_numpy(tmp_path, T, N: int, P: int):
    top = transpose_stream(T, N, P)
    mod = dato.build(top, target="aie", project=tmp_path)
    A = _full_range(T.numpy, (N, N), N + P)
    B = np.full((N, N), 7, T.numpy)
    mod(A, B)
    np.testing.assert_array_equal(B, A.T)


def test_transpose_collector_is_cut_into_column_blocks():
    region = _region(transpose_stream(int32, 128, 8))
    NpuWritePiecesPass().apply(Context(), region.parent_op())  # type: ignore[arg-type]
    cols = [g for g in region.groups() if g.sym_name.data.startswith("col")]
    assert len(cols) == 8
    for p, g in enumerate(cols):
        (inst,) = g.instances()
        (b,) = g.body.block.args
        assert inst.offsets == ((0, 16 * p),)  # B[:, 16p : 16p + 16]
        assert isinstance(b.type, MemRefType) and b.type.get_shape() == (128, 16)
        assert ir.COMPILER_CHOSEN in g.attributes


def test_pieces_with_loaders_over_the_cores_read_their_block():
    # 16 loaders + 1 collector on 16 cores: the 16 pieces read A's blocks
    region = _region(transpose_stream(int16, 128, 16))
    NpuWritePiecesPass().apply(Context(), region.parent_op())  # type: ignore[arg-type]
    groups = list(region.groups())
    assert not any(g.sym_name.data == "src" for g in groups)
    assert len(groups) == 16 and not list(region.streams())
    for p, g in enumerate(groups):
        (inst,) = g.instances()
        assert inst.offsets == ((0, 8 * p), (8 * p, 0))  # its B columns, its A rows


@pytest.mark.parametrize(("T", "N", "P"), [(int16, 128, 2), (int32, 192, 3)])
def test_tiles_copied_into_views_equal_numpy(tmp_path, T, N: int, P: int):
    # int32 192 on 3x3: 9 workers, 9 tiles of 16 KiB, 7 cores left: two
    # pairs of tiles run in turn on one core each
    mod = dato.build(tile_gather_slices(T, N, P), target="aie", project=tmp_path)
    A = _full_range(T.numpy, (N, N), N * P)
    C = np.zeros((N, N), T.numpy)
    mod(A, C)
    # each worker's tile of A, times 3 plus 1, wrapped to the type
    np.testing.assert_array_equal(C, (A.astype(np.int64) * 3 + 1).astype(T.numpy))


def test_pieces_over_the_free_cores_are_chained():
    region = _region(tile_gather_slices(int32, 192, 3))
    NpuWritePiecesPass().apply(Context(), region.parent_op())  # type: ignore[arg-type]
    pieces = [g for g in region.groups() if g.sym_name.data.startswith("coll")]
    assert len(pieces) == 9  # a task per tile
    chains = [op.names for op in region.body.block.ops if isinstance(op, ir.ChainOp)]
    # 9 pieces on the 7 cores the workers leave, in runs as even as can be
    # (9 * k // 7: pieces 0, 1, 2, 3-4, 5, 6, 7-8)
    assert chains == [("coll_piece3_0", "coll_piece4_0"), ("coll_piece7_0", "coll_piece8_0")]
    for op in region.body.block.ops:
        if isinstance(op, ir.ChainOp):
            assert ir.COMPILER_CHOSEN in op.attributes


def test_loaders_over_their_tile_are_elided():
    # src_p would hold its 32x256 int32 block (32 KiB) and two objects of it
    # on rows_p (64 KiB): over a tile's 63 KiB, so the pieces read A's
    # blocks themselves though 9 + 7 instances fit the 16 cores
    region = _region(transpose_stream(int32, 256, 8))
    NpuWritePiecesPass().apply(Context(), region.parent_op())  # type: ignore[arg-type]
    groups = list(region.groups())
    assert [g.sym_name.data for g in groups][:1] == ["col"] and len(groups) == 8
    assert not list(region.streams())
    for p, g in enumerate(groups):
        (inst,) = g.instances()
        assert inst.offsets == ((0, 32 * p), (32 * p, 0))
        # the local the block was copied into reads the block itself
        assert not [op for op in g.body.walk() if isinstance(op, memref.AllocOp)]
    # 16x128 int32 blocks (8 KiB, 24 KiB with the stream's two): kept
    region = _region(transpose_stream(int32, 128, 8))
    NpuWritePiecesPass().apply(Context(), region.parent_op())  # type: ignore[arg-type]
    assert [g.sym_name.data for g in region.groups()][0] == "src"


def test_meeting_boxes_keep_the_task_whole(tmp_path):
    top = transpose_twice(int32, 128, 8)
    region = _region(top)
    (col,) = [g for g in region.groups() if g.sym_name.data == "col"]
    assert plan_pieces(region, col, spare=16) is None
    # still equal to numpy wherever it maps; refused naming the tile otherwise
    try:
        mod = dato.build(top, target="aie", project=tmp_path)
    except dato.DatoError as err:
        assert "col_0" in str(err) and "KiB" in str(err)
        return
    A = _full_range(np.int32, (128, 128), 3)
    B = np.zeros((128, 128), np.int32)
    mod(A, B)
    want = A.T.copy()
    want[0, 0] = A[112, 0]  # the last turn's blk[0, 0]
    np.testing.assert_array_equal(B, want)


def test_small_outputs_are_not_cut():
    # B of 16x16 int32 (1 KiB) fits a tile whole
    region = _region(transpose_stream(int32, 16, 2))
    NpuWritePiecesPass().apply(Context(), region.parent_op())  # type: ignore[arg-type]
    assert [g.sym_name.data for g in region.groups()] == ["src", "col"]


def test_elided_lanes_equal_numpy(tmp_path):
    # 16 loaders and 16 workers: 32 instances on 16 cores, the loaders go
    top = lanes(int32, 256, 16)
    region = _region(top)
    NpuElideLoadersPass().apply(Context(), region.parent_op())  # type: ignore[arg-type]
    assert [g.sym_name.data for g in region.groups()] == ["wk"]
    mod = dato.build(top, target="aie", project=tmp_path)
    assert not any(n.startswith("src") for n in _tasks(mod))
    A = _full_range(np.int32, (256, 256), 5)
    B = np.zeros((256, 256), np.int32)
    mod(A, B)
    np.testing.assert_array_equal(B, (A.astype(np.int64) * 2).astype(np.int32))


def test_loaders_kept_when_cores_suffice():
    region = _region(lanes(int32, 64, 4))
    NpuElideLoadersPass().apply(Context(), region.parent_op())  # type: ignore[arg-type]
    assert [g.sym_name.data for g in region.groups()] == ["src", "wk"]
    assert elide_loaders(region) == ["src"]  # what `always` would do
