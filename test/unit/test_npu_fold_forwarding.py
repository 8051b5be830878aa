"""NPU mappings issue 12 asks for where forwarding meets folding:

- a loader dealing 16 block streams to 8 lanes (elementwise_meta_for) needs
  more fifos than a compute tile's locks hold; its independent parts (one per
  lane's blocks) become tasks of their own (npu_forwarding.split_stream_tasks);
- a systolic grid cut into rectangles (Allo's Smith-Waterman) leaves a tile
  reading two arrays and getting a stream from a diagonal tile: 3 input
  channels; a peer on a neighbouring tile passes one array on
  (npu_folding.fold_in_rectangles, npu_forwarding.share_on_tiles).

Results against numpy, computed here."""

# ruff: noqa: F821 (streams are declared by annotations)

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp

import dato_xdsl as dato
from dato_xdsl import Stream, devices, int8, int16, int32
from dato_xdsl.dialects import dato as ir
from dato_xdsl.frontend.program import compile_region
from dato_xdsl.transforms.npu_chain_search import BlockPlan, search_blocks
from dato_xdsl.transforms.npu_folding import fold_in_rectangles
from dato_xdsl.transforms.npu_forwarding import SPLIT_FROM, split_stream_tasks
from dato_xdsl.transforms.npu_plan import plan_group
from dato_xdsl.transforms.stream_access import stream_uses
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


# -- Smith-Waterman cut into rectangles

SIM, MIS, GAP = 3, -3, 2


def smith_waterman(M: int, N: int):
    """Allo's tests/dataflow/test_smith_waterman_systolic.py in our frontend:
    a (M+2) x (N+2) grid; row 0 and column 0 feed zeros, the last row and
    column drain, the inner M x N instances score one cell each."""
    P0, P1 = M + 2, N + 2

    @dato.region()
    def top(A: int8[M], B: int8[N], S: int32[P0 - 1, P1 - 1]):
        fifo_A: Stream[int32, 4][P0, P1]
        fifo_B: Stream[int32, 4][P0, P1]
        fifo_C: Stream[int32, 4][P0, P1]

        @dato.kernel(mapping=[P0, P1], args=[A, B, S])
        def sw(a: int8[M], b: int8[N], s: int32[P0 - 1, P1 - 1]):
            i, j = dato.get_pid()
            with dato.meta_if((i == 0 and j == P1 - 1) or (i == P0 - 1 and j == 0)):
                pass
            with dato.meta_elif(i == 0 and j == 0):
                fifo_C[i + 1, j + 1].put(0)
            with dato.meta_elif(i == 0):
                fifo_B[i + 1, j].put(0)
                fifo_C[i + 1, j + 1].put(0)
            with dato.meta_elif(j == 0):
                fifo_A[i, j + 1].put(0)
                fifo_C[i + 1, j + 1].put(0)
            with dato.meta_elif(i == P0 - 1 and j == P1 - 1):
                fifo_C[i, j].get()
            with dato.meta_elif(i == P0 - 1):
                fifo_B[i, j].get()
                fifo_C[i, j].get()
            with dato.meta_elif(j == P1 - 1):
                fifo_A[i, j].get()
                fifo_C[i, j].get()
            with dato.meta_else():
                up = fifo_A[i, j].get()
                left = fifo_B[i, j].get()
                diag = fifo_C[i, j].get()
                align: int32 = diag + (SIM if a[i - 1] == b[j - 1] else MIS)
                gap_a: int32 = up - GAP
                gap_b: int32 = left - GAP
                score: int32 = max(max(0, align), max(gap_a, gap_b))
                s[i, j] = score
                fifo_A[i, j + 1].put(max(gap_a, score))
                fifo_B[i + 1, j].put(max(gap_b, score))
                fifo_C[i + 1, j + 1].put(score)

    return top


def smith_waterman_reference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The recurrence the grid computes, cell by cell in Python ints: the
    value carried right (fifo_A) and down (fifo_B) is the best of the cell's
    score and the gap carried in, less GAP per step."""
    M, N = len(a), len(b)
    S = np.zeros((M + 1, N + 1), np.int64)
    right = np.zeros((M + 1, N + 2), np.int64)  # into cell (i, j) from the left
    down = np.zeros((M + 2, N + 1), np.int64)  # into cell (i, j) from above
    for i in range(1, M + 1):
        for j in range(1, N + 1):
            align = S[i - 1, j - 1] + (SIM if a[i - 1] == b[j - 1] else MIS)
            gap_a, gap_b = right[i, j] - GAP, down[i, j] - GAP
            S[i, j] = max(0, align, gap_a, gap_b)
            right[i, j + 1] = max(gap_a, S[i, j])
            down[i + 1, j] = max(gap_b, S[i, j])
    return S


def test_rectangles_pass_an_array_on_between_neighbouring_tiles():
    """The 6x6 grid of a 4x4 Smith-Waterman cut into 4x4 rectangles: the
    single-instance tiles in the middle get their diagonal stream from a
    tile they share no memory with (a DMA channel) and read A and B: 3 input
    channels. After the fold each gets A or B from a peer on a tile sharing
    memory with its own (AM020: north, south, east, west), and every tile
    reads at most one array besides that diagonal stream."""
    region = mapped_region(smith_waterman(4, 4))
    plan = search_blocks(region, stream_uses(region), list(NPU1.compute_rows), NPU1.columns)
    assert isinstance(plan, BlockPlan)
    moved = fold_in_rectangles(region, plan, NPU1)
    assert "sw_2_2" in moved
    tile = plan.tiles
    uses = stream_uses(region)
    peers = {n: u for n, u in uses.items() if "_to_" in n}
    assert peers
    for name, use in peers.items():
        (pc, pr), (cc, cr) = tile[use.producer], tile[use.consumer]
        assert abs(pc - cc) + abs(pr - cr) == 1, name
    # per tile: arrays read from the host, plus the DMA streams it gets
    # (joined into one channel through a memtile at best)
    reads: dict[tuple[int, int], set[str]] = {}
    dma: dict[tuple[int, int], int] = {}
    for group in region.groups():
        body = group.body.block
        for inst in group.instances():
            t = tile[inst.name]
            for k, arg in enumerate(body.args):
                # A and B are only read: a used argument is a block from the host
                if arg.uses and group.args[k].name_hint in ("A", "B"):
                    reads.setdefault(t, set()).add(group.args[k].name_hint)
    for use in uses.values():
        p, c = tile[use.producer], tile[use.consumer]
        if p != c and abs(p[0] - c[0]) + abs(p[1] - c[1]) != 1:
            dma[c] = 1
    for t in tile.values():
        assert len(reads.get(t, set())) + dma.get(t, 0) <= 2, t


def test_smith_waterman_reference_matches_the_textbook_scores():
    """The reference against Allo's own formula (max over every gap length)
    on sequences where gaps of two and more pay off."""
    a = np.frombuffer(b"ACGTTGCA", np.int8)
    b = np.frombuffer(b"AGTTCA", np.int8)
    S = smith_waterman_reference(a, b)
    T = np.zeros_like(S)
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            sim = SIM if a[i - 1] == b[j - 1] else MIS
            T[i, j] = max(
                0,
                T[i - 1, j - 1] + sim,
                max(T[x, j] - GAP * (i - x) for x in range(i)),
                max(T[i, y] - GAP * (j - y) for y in range(j)),
            )
    np.testing.assert_array_equal(S, T)


def test_smith_waterman_in_rectangles_runs_on_the_npu_equal_to_numpy(tmp_path):
    """issue 12: Allo's Smith-Waterman on aie was refused (`tile (1, 3)
    (Smith_Waterman_2_2) needs 3 input DMA channels`); folded in rectangles
    with peers passing A or B on, it runs equal to the reference, on the
    simulator and the virtual NPU, for random sequences and for equal ones
    (every cell aligns)."""
    M, N = 4, 4
    rng = np.random.default_rng(1210)
    letters = np.frombuffer(b"ACGT", np.int8)
    prog = smith_waterman(M, N)
    cases = [(rng.choice(letters, M), rng.choice(letters, N)) for _ in range(3)]
    cases.append((np.frombuffer(b"ACGT", np.int8).copy(), np.frombuffer(b"ACGT", np.int8).copy()))
    mods = {t: dato.build(prog, target=t, project=tmp_path / t) for t in ("simulator", "aie")}
    for a, b in cases:
        want = smith_waterman_reference(a, b)
        for target, mod in mods.items():
            S = np.full((M + 1, N + 1), -1, np.int32)
            mod(a, b, S)
            np.testing.assert_array_equal(S[1:, 1:], want[1:, 1:], err_msg=target)
    assert "_to_sw_" in (tmp_path / "aie" / "aie.mlir").read_text()
