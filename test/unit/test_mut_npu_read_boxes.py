"""npu_read_boxes: a box offset affine in both pids of a 2-D grid (the
rewrite sums the pid terms), checked by the simulator on the rewritten groups
and on the virtual NPU against numpy."""

import numpy as np
from xdsl.context import Context

import dato_xdsl as dato
from dato_xdsl import int32
from dato_xdsl.dialects import dato as ir
from dato_xdsl.targets.simulator import simulate
from dato_xdsl.transforms.npu_read_boxes import NpuReadBoxesPass, ReadBox, read_boxes


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
