"""NPU mappings issue 12 asks for where forwarding meets folding:

- a loader dealing 16 block streams to 8 lanes (elementwise_meta_for) needs
  more fifos than a compute tile's locks hold; its independent parts (one per
  lane's blocks) become tasks of their own (npu_forwarding.split_stream_tasks);

Results against numpy, computed here."""

# ruff: noqa: F821 (streams are declared by annotations)

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp

import dato_xdsl as dato
from dato_xdsl import Stream, devices, int8, int16, int32
from dato_xdsl.dialects import dato as ir
from dato_xdsl.frontend.program import compile_region
from dato_xdsl.transforms.npu_forwarding import SPLIT_FROM, split_stream_tasks
from dato_xdsl.transforms.npu_plan import plan_group
from dato_xdsl.transforms.virtual_mapping import VirtualMapPass
from test.unit.programs.dato_programs import elementwise_meta_for

NPU1 = devices.lookup("npu1")
assert NPU1 is not None


def mapped_region(top) -> ir.RegionOp:
    """The program after virtual mapping: one group per distinct body."""
    module, _ = compile_region(top)
    assert isinstance(module, ModuleOp)
    VirtualMapPass().apply(Context(), module)
    return next(op for op in module.walk() if isinstance(op, ir.RegionOp))


def stream_names(group: ir.GroupOp) -> set[str]:
    return {
        op.stream.root_reference.data
        for op in group.body.walk()
        if isinstance(op, ir.PutOp | ir.GetOp)
    }


def full_range(dtype, shape, rng) -> np.ndarray:
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max + 1, shape, dtype=np.int64).astype(dtype)


# -- a loader dealing blocks to 8 lanes


def test_loader_splits_into_lane_groups_of_a_tiles_fifos():
    """16 streams and 2 arrays: 18 fifos for a tile whose 16 locks hold 8.
    Each lane's two blocks (lane_a[p], lane_b[p]: one consumer) stay in one
    part; consecutive lanes fill a task up to 8 fifos (A, B and 3 lanes' 6
    streams), so 3 tasks: lanes 0-2, 3-5, 6-7, each reading A and B itself.
    The store writes C in every part: it stays whole."""
    region = mapped_region(elementwise_meta_for(int16, 8, 64))
    plans = {g.sym_name.data: plan_group(g) for g in region.groups()}
    added = split_stream_tasks(region, plans, 8, spare=6)
    assert added == ["load_part1_0", "load_part2_0"]
    parts = [g for g in region.groups() if SPLIT_FROM in g.attributes]
    assert [g.sym_name.data for g in parts] == ["load", "load_part1", "load_part2"]
    for group, lanes in zip(parts, ([0, 1, 2], [3, 4, 5], [6, 7]), strict=True):
        assert group.attributes[SPLIT_FROM] == ir.StringAttr("load_0")
        assert stream_names(group) == {f"lane_{x}_{p}" for p in lanes for x in "ab"}
        assert [a.name_hint for a in group.args] == ["A", "B"]
        # the puts keep their order: lane by lane, a before b
        puts = [
            op.stream.root_reference.data for op in group.body.walk() if isinstance(op, ir.PutOp)
        ]
        assert puts == [f"lane_{x}_{p}" for p in lanes for x in "ab"]
    assert {g.sym_name.data for g in region.groups()} >= {"store", "lane"}
    assert set(plans) == {g.sym_name.data for g in region.groups()}


def test_loader_split_takes_only_the_free_cores():
    """With one core free the loader becomes 2 tasks of 4 lanes (10 fifos
    each: the fewest over 8 that two tasks hold); with none it stays."""
    region = mapped_region(elementwise_meta_for(int16, 8, 64))
    plans = {g.sym_name.data: plan_group(g) for g in region.groups()}
    assert split_stream_tasks(region, plans, 8, spare=1) == ["load_part1_0"]
    halves = [stream_names(g) for g in region.groups() if SPLIT_FROM in g.attributes]
    assert halves == [{f"lane_{x}_{p}" for p in range(a, a + 4) for x in "ab"} for a in (0, 4)]
    region = mapped_region(elementwise_meta_for(int16, 8, 64))
    plans = {g.sym_name.data: plan_group(g) for g in region.groups()}
    assert split_stream_tasks(region, plans, 8, spare=0) == []
    assert not [g for g in region.groups() if SPLIT_FROM in g.attributes]


def test_parts_joined_by_a_value_stay_one_task():
    """A source whose blocks all come from one running sum: every put depends
    on the loop before it, so nothing splits it."""
    P = 10

    @dato.region()
    def top(A: int32[P], C: int32[P]):
        s: Stream[int32, 2][P]

        @dato.kernel(mapping=[1], args=[A])
        def src(a: int32[P]):
            acc: int32 = 0
            with dato.meta_for(0, P) as p:
                acc = acc + a[p]
                s[p].put(acc)

        @dato.kernel(mapping=[1], args=[C])
        def sink(c: int32[P]):
            with dato.meta_for(0, P) as p:
                c[p] = s[p].get()

    region = mapped_region(top)
    plans = {g.sym_name.data: plan_group(g) for g in region.groups()}
    assert split_stream_tasks(region, plans, 8, spare=10) == []


def test_int16_loader_of_8_lanes_runs_on_the_npu_equal_to_numpy(tmp_path):
    """issue 12: `tile (0, 2) (load_0) needs 3 output DMA channels` before;
    now the loader's three parts map and the results are numpy's, bit for
    bit, over int16's whole range (sums wrap)."""
    P, L = 8, 512
    rng = np.random.default_rng(1208)
    A = full_range(np.int16, (P, L), rng)
    B = full_range(np.int16, (P, L), rng)
    want = (A.astype(np.int64) + B.astype(np.int64)).astype(np.int16)
    prog = elementwise_meta_for(int16, P, L)
    for target in ("simulator", "aie"):
        C = np.zeros_like(A)
        mod = dato.build(prog, target=target, project=tmp_path / target)
        mod(A, B, C)
        np.testing.assert_array_equal(C, want, err_msg=target)
    text = (tmp_path / "aie" / "aie.mlir").read_text()
    assert "load_part1" in text and "load_part2" in text


def test_int8_and_int32_loaders_of_8_lanes_run_equal_to_numpy(tmp_path):
    rng = np.random.default_rng(1209)
    for T, dtype, L in ((int8, np.int8, 64), (int32, np.int32, 64)):
        A = full_range(dtype, (8, L), rng)
        B = full_range(dtype, (8, L), rng)
        C = np.zeros_like(A)
        dato.build(elementwise_meta_for(T, 8, L), target="aie", project=tmp_path / str(dtype))(
            A, B, C
        )
        want = (A.astype(np.int64) + B.astype(np.int64)).astype(dtype)
        np.testing.assert_array_equal(C, want, err_msg=str(dtype))
