"""npu_read_boxes: a box offset affine in both pids of a 2-D grid (the
rewrite sums the pid terms), checked by the simulator on the rewritten groups
and on the virtual NPU against numpy."""

import numpy as np
from xdsl.context import Context

import dato_xdsl as dato
from dato_xdsl import int32
from dato_xdsl.dialects import dato as ir
from dato_xdsl.targets.simulator import simulate
from dato_xdsl.transforms.npu_read_boxes import (
    NpuReadBoxesPass,
    ReadBox,
    box_group_reads,
    read_boxes,
)


def grid_reads_runs(R: int, P0: int, P1: int):
    """Instance (i, j) of a P0 x P1 grid sums R elements of x from
    (i * P1 + j) * R, plus a[i, j]: x's box offset is R * P1 * i + R * j."""
    N = R * P0 * P1

    @dato.region()
    def top(X: int32[N], Y: int32[P0, P1]):
        @dato.kernel(mapping=[P0, P1], args=[X, Y])
        def g(x: int32[N], y: int32[P0, P1]):
            i, j = dato.get_pid()
            acc: int32 = 0
            for m in range((i * P1 + j) * R, (i * P1 + j + 1) * R):
                acc += x[m] * (m - i + 2 * j)
            y[i, j] = acc

    return top


def _want(X: np.ndarray, R: int, P0: int, P1: int) -> np.ndarray:
    Y = np.zeros((P0, P1), np.int64)
    for i in range(P0):
        for j in range(P1):
            for m in range((i * P1 + j) * R, (i * P1 + j + 1) * R):
                Y[i, j] += int(X[m]) * (m - i + 2 * j)
    return Y.astype(np.int32)


def test_a_box_offset_in_both_pids_is_rewritten_to_the_same_sums(tmp_path):
    R, P0, P1 = 5, 2, 3
    module = dato.build(grid_reads_runs(R, P0, P1), target="simulator").mapped.clone()
    region = next(o for o in module.walk() if isinstance(o, ir.RegionOp))
    (group,) = list(region.groups())
    boxes = read_boxes(group, 0)
    assert boxes == {
        f"g_{i}_{j}": ReadBox(((i * P1 + j) * R,), (R,)) for i in range(P0) for j in range(P1)
    }
    NpuReadBoxesPass(whole_bytes=0).apply(Context(), module)
    (group,) = list(region.groups())
    assert group.body.block.args[0].type.get_shape() == (R,)
    rng = np.random.default_rng(40)
    X = rng.integers(-1000, 1000, R * P0 * P1, dtype=np.int32)
    Y = np.zeros((P0, P1), np.int32)
    simulate(module, [X, Y])
    np.testing.assert_array_equal(Y, _want(X, R, P0, P1))


def test_boxes_in_both_pids_on_the_npu_equal_numpy(tmp_path):
    # 4 x 4 instances reading 320 int32 each of a 20 KiB x: over WHOLE_BYTES
    R, P0, P1 = 320, 4, 4
    mod = dato.build(grid_reads_runs(R, P0, P1), target="aie", project=tmp_path)
    assert "memref<320xi32>" in (tmp_path / "aie.mlir").read_text()
    rng = np.random.default_rng(41)
    X = rng.integers(-1000, 1000, R * P0 * P1, dtype=np.int32)
    Y = np.zeros((P0, P1), np.int32)
    mod(X, Y)
    np.testing.assert_array_equal(Y, _want(X, R, P0, P1))


def rows_of(T, M: int, N: int, P: int, lo: int, hi: int):
    """Worker p loads rows 2p, 2p + 1 and columns lo .. hi - 1 of A."""

    @dato.region()
    def top(A: T[M, N], Y: int32[P, 2]):
        @dato.kernel(mapping=[P], args=[A, Y])
        def w(a: T[M, N], y: int32[P, 2]):
            p = dato.get_pid()
            for r in range(2):
                acc: int32 = 0
                for n in range(lo, hi):
                    acc += dato.int32(a[2 * p + r, n])
                y[p, r] = acc

    return top


def _boxes_of(region) -> dict[str, ReadBox] | None:
    mapped = dato.build(region, target="simulator").mapped
    (group,) = [op for op in mapped.walk() if isinstance(op, ir.GroupOp)]
    return read_boxes(group, 0)


def test_boxes_of_narrow_rows_keep_the_whole_row_and_a_dim_of_one_is_boxed():
    # int16 rows are narrower than a DMA word: the box keeps all 6 columns
    assert _boxes_of(rows_of(dato.int16, 8, 6, 4, 1, 4)) == {
        f"w_{p}": ReadBox((2 * p, 0), (2, 6)) for p in range(4)
    }
    # int32: the columns are cut too
    assert _boxes_of(rows_of(int32, 8, 6, 4, 1, 4)) == {
        f"w_{p}": ReadBox((2 * p, 1), (2, 3)) for p in range(4)
    }
    # a dimension of 1 (x[0, m]) is no reason to keep the array whole
    assert _boxes_of(grid_of_one_row(5, 3)) == {
        f"g_{p}": ReadBox((0, 5 * p), (1, 5)) for p in range(3)
    }


def grid_of_one_row(R: int, P: int):
    @dato.region()
    def top(X: int32[1, R * P], Y: int32[P]):
        @dato.kernel(mapping=[P], args=[X, Y])
        def g(x: int32[1, R * P], y: int32[P]):
            p = dato.get_pid()
            acc: int32 = 0
            for m in range(p * R, (p + 1) * R):
                acc += x[0, m]
            y[p] = acc

    return top


def written_then_read(R: int, P: int):
    """mk writes all of W; g_p reads its run of R elements of W and of X: W,
    written by another task, keeps its whole block (boxing it would move the
    order other passes reason about), X is boxed."""
    N = R * P

    @dato.region()
    def top(A: int32[N], W: int32[N], X: int32[N], Y: int32[P]):
        @dato.kernel(mapping=[1], args=[A, W])
        def mk(a: int32[N], w: int32[N]):
            for m in range(N):
                w[m] = a[m] * 2

        @dato.kernel(mapping=[P], args=[W, X, Y])
        def g(w: int32[N], x: int32[N], y: int32[P]):
            p = dato.get_pid()
            acc: int32 = 0
            for m in range(p * R, (p + 1) * R):
                acc += w[m] * x[m]
            y[p] = acc

    return top


def test_an_array_another_task_writes_keeps_its_block_and_the_next_is_boxed():
    mapped = dato.build(written_then_read(4, 3), target="simulator").mapped.clone()
    region = next(o for o in mapped.walk() if isinstance(o, ir.RegionOp))
    groups = {g.sym_name.data: g for g in region.groups()}
    assert read_boxes(groups["g"], 0) == {f"g_{p}": ReadBox((4 * p,), (4,)) for p in range(3)}
    assert box_group_reads(region, groups["g"], whole_bytes=0) == [1]
    shapes = [a.type.get_shape() for a in groups["g"].body.block.args]
    assert shapes == [(12,), (4,), (3,)]
