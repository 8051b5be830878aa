"""Collectors writing a large output row by row, on the virtual NPU
(dato-npu-write-pieces).

`b[:, :] = dato.gather(pipe)` fills a local of all rows and copies it whole
into b: the collector held B twice beside its streams and was refused
(P=10, L=1024 int32: 144 KiB). The local is now b itself, so its rows are
pieces as those of `b[p, :] = pipe[p].get()` are. Sources sending 1, 2 or
3 rows each write rows computed with // and %: their boxes are now known
(they were not, and B was held whole, in and out)."""

import numpy as np
from xdsl.context import Context
from xdsl.dialects import memref

import dato_xdsl as dato
from dato_xdsl import int16, int32
from dato_xdsl.dialects import dato as ir
from dato_xdsl.transforms.npu_write_pieces import NpuWritePiecesPass
from test.unit.programs.npu_gather_rows_programs import (
    first_row,
    gather_then_read,
    gather_uneven,
    gather_whole,
)


def _region(top) -> ir.RegionOp:
    mapped = dato.build(top, target="simulator").mapped
    (region,) = [op for op in mapped.walk() if isinstance(op, ir.RegionOp)]
    return region


def _full_range(dtype, shape, seed: int) -> np.ndarray:
    info = np.iinfo(dtype)
    rng = np.random.default_rng(seed)
    return rng.integers(info.min, info.max, shape, dtype=dtype, endpoint=True)


def test_gather_into_output_equals_numpy(tmp_path):
    # B is 20 KiB, over the 16 KiB an output may be held whole
    P, L = 5, 1024
    mod = dato.build(gather_whole(int32, P, L), target="aie", project=tmp_path)
    A = _full_range(np.int32, (P, L), 1)
    B = np.full((P, L), 7, np.int32)
    mod(A, B)
    np.testing.assert_array_equal(B, A)


def test_gather_rows_become_pieces():
    region = _region(gather_whole(int32, 4, 64))
    NpuWritePiecesPass(whole_bytes=0).apply(Context(), region.parent_op())  # type: ignore[arg-type]
    dst = [g for g in region.groups() if g.sym_name.data.startswith("dst")]
    assert [g.instances()[0].offsets for g in dst] == [((p, 0),) for p in range(4)]
    for g in dst:
        # no local of all rows, no whole copy: each piece copies its row
        ops = list(g.body.block.walk())
        assert not [op for op in ops if isinstance(op, memref.AllocOp)]
        (copy,) = [op for op in ops if isinstance(op, memref.CopyOp)]
        assert copy.destination.owner.source is g.body.block.args[0]  # type: ignore[union-attr]


def test_output_read_after_the_copy_keeps_its_local(tmp_path):
    region = _region(gather_then_read(int32, 4, 64))
    NpuWritePiecesPass(whole_bytes=0).apply(Context(), region.parent_op())  # type: ignore[arg-type]
    (dst,) = [g for g in region.groups() if g.sym_name.data.startswith("dst")]
    assert [op for op in dst.body.block.ops if isinstance(op, memref.AllocOp)]
    mod = dato.build(gather_then_read(int32, 4, 64), target="aie", project=tmp_path)
    A = _full_range(np.int32, (4, 64), 2)
    B = np.zeros((4, 64), np.int32)
    mod(A, B)
    want = A.copy()
    want[1] = A[1] + A[0]  # int32 wraps as numpy's does
    np.testing.assert_array_equal(B, want)


def test_uneven_rows_per_source_equal_numpy(tmp_path):
    # 7 rows of 1024 int32 (28 KiB): sources send 1, 2, 3 and 1 rows (B was
    # held whole, in and out: refused at 64 KiB on npu1)
    P, L = 4, 1024
    rows = sum(p % 3 + 1 for p in range(P))
    assert [first_row(p) for p in range(4)] == [0, 1, 3, 6]
    mod = dato.build(gather_uneven(int32, P, L), target="aie", project=tmp_path)
    A = _full_range(np.int32, (rows, L), 3)
    B = np.full((rows, L), 7, np.int32)
    mod(A, B)
    np.testing.assert_array_equal(B, A)


def test_uneven_rows_are_cut_by_source():
    P, L = 10, 64
    region = _region(gather_uneven(int16, P, L))
    NpuWritePiecesPass(whole_bytes=0).apply(Context(), region.parent_op())  # type: ignore[arg-type]
    dst = [g for g in region.groups() if g.sym_name.data.startswith("dst")]
    boxes = [
        (g.instances()[0].offsets[0][0], g.body.block.args[0].type.get_shape()[0]) for g in dst
    ]
    assert boxes == [(first_row(p), p % 3 + 1) for p in range(P)]
