"""Unsharded arrays that instances read only in part (npu_read_boxes): each
instance's loads are bounded with its pid, and only that box of the array
moves into its tile. A 256x512 int32 A (512 KiB) read by eight pairs of
tasks, each its rows and half the columns (32 KiB), was refused for a tile's
memory; it now runs on the virtual NPU equal to numpy. Loads at indices from
data keep the whole array."""

import numpy as np
import pytest
from xdsl.context import Context

import dato_xdsl as dato
from dato_xdsl import int32
from dato_xdsl.dialects import dato as ir
from dato_xdsl.targets.simulator import simulate
from dato_xdsl.transforms.npu_read_boxes import (
    NpuReadBoxesPass,
    ReadBox,
    affine_in_pid,
    box_group_reads,
    read_boxes,
)
from dato_xdsl.transforms.physical_mapping import PhysicalMapPass
from test.unit.programs.gemv_data import gemv_arrays, gemv_reference
from test.unit.programs.npu_fanout_programs import split_gemv


def _groups(region) -> dict[str, ir.GroupOp]:
    mapped = dato.build(region, target="simulator").mapped
    (reg,) = [op for op in mapped.walk() if isinstance(op, ir.RegionOp)]
    return {g.sym_name.data: g for g in reg.groups()}


@pytest.mark.parametrize(("M", "N", "P"), [(256, 512, 8), (128, 768, 4), (40, 24, 5)])
def test_split_gemv_reads_only_its_rows(tmp_path, M: int, N: int, P: int):
    A, x, y = gemv_arrays(M, N, M + N + P)
    mod = dato.build(split_gemv(M, N, P), target="aie", project=tmp_path)
    mod(A, x, y)
    np.testing.assert_array_equal(y, gemv_reference(A, x))


def test_box_of_one_instance_by_hand():
    groups = _groups(split_gemv(256, 512, 8))
    # lo_3 loads a[m, n] for m in 3*32 .. 4*32-1 and n in 0 .. 255, v[n] for n < 256
    assert read_boxes(groups["lo"], 0)["lo_3"] == ReadBox((96, 0), (32, 256))
    assert read_boxes(groups["lo"], 1)["lo_3"] == ReadBox((0,), (256,))
    # hi_5: rows 160 .. 191, columns 256 .. 511
    assert read_boxes(groups["hi"], 0)["hi_5"] == ReadBox((160, 256), (32, 256))
    # hi's output is stored to, not only loaded: no read box
    assert read_boxes(groups["hi"], 2) is None
    # the box offset is 32 * p rows: affine in the pid
    offs = {n: b.offsets[0] for n, b in read_boxes(groups["lo"], 0).items()}
    assert affine_in_pid(groups["lo"], offs) == (0, [32])


def gather(M: int, N: int, P: int):
    """out[m] = t[idx[m]] + t[m % N]: t's first load is at an index read from
    data, so its box cannot be bounded; idx is read at rows p*R .. (p+1)*R-1."""
    R = M // P

    @dato.region()
    def top(T: int32[N], Ix: int32[M], y: int32[M]):
        @dato.kernel(mapping=[P], args=[T, Ix, y])
        def g(t: int32[N], idx: int32[M], out: int32[M]):
            p = dato.get_pid()
            for m in range(p * R, (p + 1) * R):
                out[m] = t[idx[m]] + t[m % N]

    return top


def test_loads_from_data_keep_the_whole_array(tmp_path):
    M, N, P = 24, 8, 2
    groups = _groups(gather(M, N, P))
    assert read_boxes(groups["g"], 0) is None  # t[idx[m]]: unbounded
    assert read_boxes(groups["g"], 1) == {"g_0": ReadBox((0,), (12,)), "g_1": ReadBox((12,), (12,))}
    group = groups["g"]
    region = group.parent_op()
    assert isinstance(region, ir.RegionOp)
    assert box_group_reads(region, group, whole_bytes=0) == [1]  # idx only
    t, idx, _ = (a.type.get_shape() for a in group.body.block.args)
    assert (t, idx) == ((N,), (M // P,))  # t whole, idx boxed
    assert [i.offsets for i in group.instances()] == [((0,), (0,), (0,)), ((0,), (12,), (0,))]
    mod = dato.build(gather(M, N, P), target="aie", project=tmp_path)
    rng = np.random.default_rng(3)
    T = rng.integers(-100, 100, N, dtype=np.int32)
    Ix = rng.integers(0, N, M, dtype=np.int32)
    y = np.zeros(M, np.int32)
    mod(T, Ix, y)
    np.testing.assert_array_equal(y, T[Ix] + T[np.arange(M) % N])


@pytest.mark.parametrize(("M", "N", "P"), [(64, 96, 4), (30, 12, 3)])
def test_simulator_after_the_pass_equals_numpy(M: int, N: int, P: int):
    """The correctness ladder: the dato simulator runs the rewritten groups
    (box-typed arguments, moved offsets, shifted loads) to numpy's answer."""
    module = dato.build(split_gemv(M, N, P), target="simulator").mapped.clone()
    NpuReadBoxesPass(whole_bytes=0).apply(Context(), module)
    region = next(o for o in module.walk() if isinstance(o, ir.RegionOp))
    shapes = {g.sym_name.data: g.body.block.args[0].type.get_shape() for g in region.groups()}
    assert shapes == {"lo": (M // P, N // 2), "hi": (M // P, N // 2)}
    A, x, y = gemv_arrays(M, N, M * N)
    simulate(module, [A, x, y])
    np.testing.assert_array_equal(y, gemv_reference(A, x))


def test_whole_array_refused_box_placed():
    """Without the pass each lo/hi tile would hold all of A (512 KiB) and
    physical mapping refuses it; with it, each holds its 32 KiB box."""
    mapped = dato.build(split_gemv(256, 512, 8), target="simulator").mapped
    with pytest.raises(Exception, match="512 KiB for argument 0"):
        PhysicalMapPass(device="npu1").apply(Context(), mapped.clone())
    module = mapped.clone()
    NpuReadBoxesPass().apply(Context(), module)
    PhysicalMapPass(device="npu1").apply(Context(), module)
    region = next(o for o in module.walk() if isinstance(o, ir.RegionOp))
    assert all("dato.tiles" in g.attributes for g in region.groups())
