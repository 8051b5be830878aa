"""The frontend's programs compiled for npu1: those that fit become projects
(an aie.mlir that our tools verify, kernels that g++ compiles); those that need
what the device cannot give fail with the precise constraint."""

import re
import shutil
import subprocess

import numpy as np
import pytest

import dato_xdsl as dato
from test.unit.programs import dato_programs as progs
from test.unit.programs import npu_fanout_programs as fanout
from test.unit.test_npu_lane_bundles import loaded_ring

FITS = {
    "producer_consumer": lambda: progs.producer_consumer(dato.int32, 64),
    "tiled_gemm_int16": lambda: progs.tiled_gemm(dato.int16, 64, 64, 128),
    "tiled_gemm_512_4x4": lambda: progs.tiled_gemm(dato.int16, 512, 512, 512, 4, 4),
    "split_k_gemm": lambda: progs.split_k_gemm(dato.int32, 8, 8, 32, 4),
    "mlp3_f32": lambda: progs.mlp3(dato.float32, 4, 8, 16, 8, 4),
    "mlp3_bf16": lambda: progs.mlp3(dato.bfloat16, 4, 8, 16, 8, 4),
}

REFUSED = {
    # rows of 6 int8 = 48 bits: DMAs move whole 32-bit words
    "odd_rows": (
        lambda: progs.tiled_gemm(dato.int8, 16, 16, 6),
        "moves rows of 6 i8 elements of A (48 bits), not a whole number of 32-bit DMA words",
    ),
}


@pytest.mark.parametrize("name", list(FITS))
def test_fitting_programs_become_projects(name, tmp_path):
    mod = dato.build(FITS[name](), target="aie", device="npu1", project=tmp_path)
    for f in ("aie.mlir", "kernels.cc", "dato_kernels.cc", "build.sh", "run.py"):
        assert (tmp_path / f).exists()
    text = (tmp_path / "aie.mlir").read_text()
    assert "aie.device(npu1)" in text
    assert "aie.runtime_sequence" in text
    report = mod.report()
    assert "OVER LIMIT" not in report
    assert shutil.which("g++"), "g++ is needed (the virtual NPU compiles the kernels with it)"
    result = subprocess.run(
        ["g++", "-std=c++17", "-Wall", "-Werror", "-c", "kernels.cc", "-o", "kernels.o"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", list(REFUSED))
def test_programs_beyond_the_device_name_the_constraint(name, tmp_path):
    make, words = REFUSED[name]
    with pytest.raises(dato.DatoError) as info:
        dato.build(make(), target="aie", device="npu1", project=tmp_path)
    assert words in str(info.value)
    assert "dato_programs.py:" in str(info.value)  # located in the Python program


def test_report_counts_the_gemm_against_the_tile_limits(tmp_path):
    """The 4x4 GEMM: each compute tile receives A and B (2 S2MM of 2) and
    sends C (1 MM2S); the memtile of column 0 distributes A to 4 fifos and
    joins 4 C blocks (5 channels each way of 6)."""
    mod = dato.build(FITS["tiled_gemm_512_4x4"](), target="aie", project=tmp_path)
    lines: dict[str, str] = {}
    for line in mod.report().splitlines():
        if line.startswith("("):  # the resource table comes first
            lines.setdefault(line.split(")")[0] + ")", line)
    compute = lines["(0, 2)"].split()
    assert "compute" in compute
    assert "2/2" in compute and "1/2" in compute
    memtile = lines["(0, 1)"].split()
    assert "memtile" in memtile
    assert memtile.count("5/6") == 2


def test_mapping_primitives_reach_the_ir():
    mod = dato.build(
        progs.tiled_gemm(dato.int32, 8, 8, 8),
        mapping_primitives=[("bundle", ["gemm_0_0", "gemm_1_0"])],
    )
    assert "dato.bundle [@gemm_0_0, @gemm_1_0]" in str(mod.mapped)
    with pytest.raises(dato.DatoIRError, match="bundle of non-isomorphic instances"):
        dato.build(
            progs.mlp3(dato.float32, 2, 4, 4, 4, 2),
            mapping_primitives=[("bundle", ["layer1_0", "layer2_0"])],
        )
    # left and right feed each other: one after the other they would wait forever
    with pytest.raises(dato.DatoIRError, match="right_0 also feeds left_0"):
        dato.build(progs.deadlock(4), mapping_primitives=[("chain", ["left_0", "right_0"])])


RNG = np.random.default_rng(11)
TYPES = [dato.int8, dato.int16, dato.int32, dato.float32, dato.bfloat16]


def small(T, shape, lo=-4, hi=4):
    return RNG.integers(lo, hi, size=shape).astype(T.numpy)


def wide(a, b):
    """numpy's product in a type wide enough to be exact."""
    return a.astype(np.float64) @ b.astype(np.float64)


# (program factory, argument factory, numpy reference over the inputs)
RUNS = {
    "vector_add": (
        lambda T: progs.vector_add(T, 256, 4),
        lambda T: [small(T, 256), small(T, 256), np.zeros(256, T.numpy)],
        lambda a: a[0].astype(np.float64) + a[1].astype(np.float64),
    ),
    "producer_consumer": (
        lambda T: progs.producer_consumer(T, 32),
        lambda T: [small(T, 32), np.zeros(32, T.numpy)],
        lambda a: (a[0].astype(np.float64) + 1) * 2,
    ),
    "tiled_gemm": (
        lambda T: progs.tiled_gemm(T, 16, 16, 32),
        lambda T: [small(T, (16, 32)), small(T, (32, 16)), np.zeros((16, 16), T.numpy)],
        lambda a: wide(a[0], a[1]),
    ),
    "split_k_gemm": (
        lambda T: progs.split_k_gemm(T, 8, 8, 32, 4),
        lambda T: [small(T, (8, 32)), small(T, (32, 8)), np.zeros((8, 8), T.numpy)],
        lambda a: wide(a[0], a[1]),
    ),
    "mlp3": (
        lambda T: progs.mlp3(T, 4, 8, 16, 8, 4),
        lambda T: (
            [small(T, s, -2, 3) for s in ((4, 8), (8, 16), (16, 8), (8, 4))]
            + [np.zeros((4, 4), T.numpy)]
        ),
        lambda a: (
            np.maximum(np.maximum(wide(a[0], a[1]), 0) @ a[2].astype(np.float64), 0)
            @ a[3].astype(np.float64)
        ),
    ),
}
FLOAT_ONLY = {"mlp3"}


CASES = [(n, T) for n in RUNS for T in TYPES if T.is_float or n not in FLOAT_ONLY]


@pytest.mark.parametrize(("name", "T"), CASES, ids=[f"{n}-{T}" for n, T in CASES])
def test_programs_run_on_the_virtual_npu(name, T, tmp_path):
    """Lowered to aie and executed by the virtual NPU (kernels compiled from the
    project's C++ with g++): numpy's answer, in the declared type. (The MLP, a
    float program, runs in float32 and bfloat16.)"""
    make, args, reference = RUNS[name]
    mod = dato.build(make(T), target="aie", device="npu1", project=tmp_path)
    # mlir-aie rejects allocas in a core (no automatic allocation scope)
    assert "memref.alloca" not in (tmp_path / "aie.mlir").read_text()
    arrays = args(T)
    inputs = [a.copy() for a in arrays]
    mod(*arrays)
    want = reference(inputs)
    got = arrays[-1]
    if T.is_float:
        tol = 2e-2 if T == dato.bfloat16 else 1e-5
        np.testing.assert_allclose(got.astype(np.float64), want, rtol=tol, atol=tol)
    else:
        np.testing.assert_array_equal(got, want.astype(np.int64).astype(T.numpy))


def test_whole_array_gemm_512_runs_on_the_virtual_npu(tmp_path):
    mod = dato.build(
        progs.tiled_gemm(dato.int16, 512, 512, 512, 4, 4), target="aie", project=tmp_path
    )
    A, B = small(dato.int16, (512, 512), -3, 3), small(dato.int16, (512, 512), -3, 3)
    C = np.zeros((512, 512), np.int16)
    mod(A, B, C)
    np.testing.assert_array_equal(C, (A.astype(np.int64) @ B.astype(np.int64)).astype(np.int16))


@pytest.mark.parametrize("T", [dato.int8, dato.int32, dato.bfloat16], ids=str)
def test_chain_runs_both_tasks_in_one_core(T, tmp_path):
    """chain: one core runs the producer, then the consumer; their stream is a
    local buffer (no objectfifo, no DMA)."""
    mod = dato.build(
        progs.producer_consumer(T, 32),
        target="aie",
        project=tmp_path,
        mapping_primitives=[("chain", ["producer_0", "consumer_0"])],
    )
    text = (tmp_path / "aie.mlir").read_text()
    assert text.count("aie.core(") == 1
    assert "@pipe" not in text
    assert "memref.alloca" not in text  # the chain's counters are aie.buffers
    a = small(T, 32)
    b = np.zeros(32, T.numpy)
    mod(a, b)
    np.testing.assert_array_equal(b, ((a.astype(np.float64) + 1) * 2).astype(T.numpy))


def test_chain_of_a_block_stream(tmp_path):
    mod = dato.build(
        progs.block_handoff(dato.int16, 8),
        target="aie",
        project=tmp_path,
        mapping_primitives=[("chain", ["p_0", "c_0"])],
    )
    a = small(dato.int16, (8, 8))
    b = np.zeros((8, 8), np.int16)
    mod(a, b)
    np.testing.assert_array_equal(b, a * 2)


def bundles(P: int, rows: int, cols: int, cyclic: bool = False) -> list[tuple[str, list[str]]]:
    """Bundles of a P x P GEMM task grid onto rows x cols cores: core (r, c)
    runs task rows I_r and columns J_c (blocks of consecutive ones, or every
    rows-th / cols-th one), i outer, j inner."""
    p, q = P // rows, P // cols

    def pick(k: int, n: int, size: int) -> list[int]:
        return (
            [k + n * t for t in range(size)] if cyclic else list(range(k * size, k * size + size))
        )

    return [
        ("bundle", [f"gemm_{i}_{j}" for i in pick(r, rows, p) for j in pick(c, cols, q)])
        for r in range(rows)
        for c in range(cols)
    ]


@pytest.mark.parametrize(
    ("rows", "cols", "cyclic"),
    [(2, 2, False), (4, 4, False), (4, 4, True)],
    ids=["2x2-cores", "4x4-cores", "4x4-cores-cyclic"],
)
def test_bundled_gemm_runs_on_the_virtual_npu(rows, cols, cyclic, tmp_path):
    """int32 128x128x256 (mlir-aie's mm.cc has no int32 kernel: the row-major
    design with the scalar kernel library) as an 8x8 task grid bundled onto a
    grid of cores (16 or 4 tasks per core): one A fifo per compute row, one B
    fifo per column,
    each core looping over its members; C straight to the shim (2 rows) or
    joined by the memtiles (4 rows)."""
    mod = dato.build(
        progs.tiled_gemm(dato.int32, 128, 128, 256, 8, 8),
        target="aie",
        project=tmp_path,
        mapping_primitives=bundles(8, rows, cols, cyclic),
    )
    text = (tmp_path / "aie.mlir").read_text()
    assert text.count("aie.core(") == rows * cols
    assert text.count("scf.for") == 2 * rows * cols  # member loop + K loop, not unrolled
    assert ("aie.objectfifo.link" in text) == (rows == 4)
    assert "OVER LIMIT" not in mod.report()
    A, B = small(dato.int32, (128, 256), -3, 3), small(dato.int32, (256, 128), -3, 3)
    C = np.zeros((128, 128), np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, (A.astype(np.int64) @ B.astype(np.int64)).astype(np.int32))


def test_bundled_gemm_needs_the_product_arrangement(tmp_path):
    def build(prims, device="npu1"):
        with pytest.raises(dato.DatoError) as info:
            dato.build(
                progs.tiled_gemm(dato.int16, 64, 64, 64, 4, 4),
                target="aie",
                device=device,
                project=tmp_path,
                mapping_primitives=prims,
            )
        assert "dato_programs.py:" in str(info.value)
        return str(info.value)

    good = bundles(4, 2, 2)
    # members listed j outer instead of i outer
    swapped = [*good]
    swapped[1] = ("bundle", ["gemm_0_2", "gemm_1_2", "gemm_0_3", "gemm_1_3"])
    assert (
        "bundle gemm_0_2..gemm_1_3 (4 tasks) is not a product of task rows [0, 1] and columns "
        "[2, 3] in the order i outer, j inner: member 1 is gemm_1_2, expected gemm_0_3"
    ) in build(swapped)
    # cores of one compute row that would need different A blocks
    mixed = [
        ("bundle", ["gemm_0_0", "gemm_0_1", "gemm_1_0", "gemm_1_1"]),
        ("bundle", ["gemm_0_2", "gemm_0_3", "gemm_2_2", "gemm_2_3"]),
        ("bundle", ["gemm_2_0", "gemm_2_1", "gemm_3_0", "gemm_3_1"]),
        ("bundle", ["gemm_1_2", "gemm_1_3", "gemm_3_2", "gemm_3_3"]),
    ]
    assert (
        "task row 0 is split between bundles with task rows [0, 1] and [0, 2]; every core of a "
        "compute row must read the same A blocks"
    ) in build(mixed)
    # 4 A row fifos + 2 B column fifos, 2 shim columns of 2 input channels
    assert (
        "bundled GEMM @gemm on a 4 x 2 grid of cores needs 6 shim input channels (one per A row "
        "fifo and B column fifo); npu1_2col (2 columns x 6 rows) has 2 shim columns with 2 each"
    ) in build(bundles(4, 4, 2), "npu1_2col")


# ------------------------------------------------ fan-in and fan-out (memtile)
def test_scatter_gather_distributes_through_a_memtile(tmp_path):
    """The distributor puts 8 rows to 8 workers in turn: at most 3 of them can
    be its neighbours sharing memory, the others need more MM2S channels than
    its 2, so consecutive ones leave as one object that the memtile
    distributes; the collector joins likewise."""
    mod = dato.build(progs.scatter_gather(dato.int32, 8, 8), target="aie", project=tmp_path)
    text = (tmp_path / "aie.mlir").read_text()
    assert re.search(r"aie\.objectfifo\.link \[@to_worker_\d_distribute\] -> \[@to_worker", text)
    assert re.search(r"aie\.objectfifo\.link \[@from_worker_\d, [^\]]*\] -> \[@\w+_join\]", text)
    assert "OVER LIMIT" not in mod.report()
    a = small(dato.int32, (8, 8), -50, 50)
    b = np.zeros((8, 8), np.int32)
    mod(a, b)
    np.testing.assert_array_equal(b, a * a + 1)


@pytest.mark.parametrize("T", [dato.int32, dato.int16, dato.float32], ids=str)
def test_gather_of_eight_joins_through_memtiles(T, tmp_path):
    """8 sources to one reducer: 3 of them are its neighbours sharing memory
    (placed there first), the other 5 need a DMA each and it has 2 S2MM
    channels: 4 consecutive ones arrive as one memtile join, which saves the
    3 channels needed (a join takes no more streams than needed)."""
    mod = dato.build(fanout.gather_sum(T, 8, 16), target="aie", project=tmp_path)
    text = (tmp_path / "aie.mlir").read_text()
    joins = re.findall(r"aie\.objectfifo\.link \[([^\]]*)\] -> \[@rows_\d_join\]", text)
    assert joins == ["@rows_3, @rows_4, @rows_5, @rows_6"]
    assert re.search(r"aie\.objectfifo @rows_7\(%core_c\d_r\d, \{%core_c0_r3\}", text)
    assert "OVER LIMIT" not in mod.report()
    a = small(T, (8, 16), -20, 20)
    b = np.zeros(16, T.numpy)
    mod(a, b)
    np.testing.assert_array_equal(b, a.astype(np.float64).sum(0).astype(T.numpy))


def test_reduction_tree_of_eight_leaves(tmp_path):
    mod = dato.build(fanout.reduction_tree(dato.int32, 32), target="aie", project=tmp_path)
    assert "OVER LIMIT" not in mod.report()
    a = small(dato.int32, (8, 32), -1000, 1000)
    b = np.zeros(32, np.int32)
    mod(a, b)
    np.testing.assert_array_equal(b, a.sum(0))


@pytest.mark.parametrize("taps", [8, 16])
def test_fir_chain_longer_than_a_column(taps, tmp_path):
    """Taps placed up one column and down the next: every pair of consecutive
    taps are vertical or horizontal neighbours sharing memory (AIE-ML cores
    reach the module west of them), so the chain needs no DMA channel."""
    mod = dato.build(fanout.fir(dato.int32, taps, 40), target="aie", project=tmp_path)
    text = (tmp_path / "aie.mlir").read_text()
    assert text.count("aie.core(") == taps
    assert "memref.alloca" not in text  # scalar locals (prev, acc) are aie.buffers
    report = mod.report()
    assert "OVER LIMIT" not in report
    x = small(dato.int32, 40, -9, 9)
    h = small(dato.int32, taps, -9, 9)
    y = np.zeros(40, np.int32)
    mod(x, h, y)
    np.testing.assert_array_equal(y, np.convolve(x, h)[:40])


def test_a_stream_got_twice_stays_out_of_joins(tmp_path):
    """The reducer gets stream 0 first and last, streams 1-3 in a row between:
    a join hands one object of each of its streams per acquire, so stream 0
    (got at two places) must stay out of every join; 1-3 may join."""

    mod = dato.build(fanout.uneven_gather(8), target="aie", project=tmp_path)
    text = (tmp_path / "aie.mlir").read_text()
    joined = re.findall(r"aie\.objectfifo\.link \[([^\]]*)\] -> \[@\w+_join\]", text)
    assert joined and all("@rows_0," not in j + "," for j in joined)
    a = small(dato.int32, (8, 8), -20, 20)
    b = np.zeros(8, np.int32)
    mod(a, b)
    np.testing.assert_array_equal(b, a.sum(0) + a[0])


def test_split_k_gemm_folds_its_drains_by_itself(tmp_path):
    """2 x 2 x 4 partial products plus 4 drains: 20 processing elements for 16
    cores. The compiler chains each drain (its only stream comes from the
    last partial product) into its producer, and never a first partial
    product (which would bring its A and B DMAs to the partner's tile)."""
    mod = dato.build(
        fanout.split_k_gemm_3d(dato.int32, 16, 16, 64, 2, 2, 4), target="aie", project=tmp_path
    )
    text = (tmp_path / "aie.mlir").read_text()
    assert text.count("aie.core(") == 16
    for i in range(2):
        for j in range(2):
            assert f'dato.tasks = ["part_{i}_{j}_3", "drain_{i}_{j}"]' in text
    a = small(dato.int32, (16, 64), -9, 9)
    b = small(dato.int32, (64, 16), -9, 9)
    c = np.zeros((16, 16), np.int32)
    mod(a, b, c)
    np.testing.assert_array_equal(c, a @ b)


def test_too_many_elements_names_the_folds_tried(tmp_path):
    """A ring of 20 nodes, each fed by a loader (40 instances): chaining each
    loader with its node leaves 20 processing elements for 16 cores; no two
    nodes can be chained (their streams close a cycle) and the lane they form
    cannot be chained for a bundle. The message names the chains made, every
    folding tried and why it failed, the element and core counts, and what
    the user can do."""
    with pytest.raises(dato.DatoError) as info:
        dato.build(loaded_ring(20, 4), target="aie", project=tmp_path)
    msg = str(info.value)
    assert "the design needs 20 processing elements" in msg
    assert "npu1 (4 columns x 6 rows) has 16 compute cores" in msg
    chains = msg.split("after chaining 20 loader/drain pairs: ")[1].split(";")[0].split(", ")
    assert sorted(chains) == sorted(f"ld_{k}-node_{k}" for k in range(20))
    assert "chaining processing elements found no folding" in msg
    assert "20 elements are left and each of the 20 pairs a stream joins would close a cycle" in msg
    lanes = "bundling isomorphic lanes: streams join node_0, node_1, node_2, node_3 and 16 more"
    assert f"{lanes} in a cycle" in msg
    assert "bundle isomorphic instances" in msg


@pytest.mark.parametrize("taps", [17, 20])
def test_fir_longer_than_the_cores_chains_taps(taps, tmp_path):
    """More taps than cores and no loader or drain to chain: the compiler
    chains neighbouring taps (a core runs tap j, then tap j + 1, their
    streams local buffers), verified free of deadlock by the replay."""
    mod = dato.build(fanout.fir(dato.int32, taps, 32), target="aie", project=tmp_path)
    text = (tmp_path / "aie.mlir").read_text()
    assert text.count("aie.core(") == 16
    tasks = [t.split(", ") for t in re.findall(r"dato.tasks = \[([^\]]*)\]", text)]
    names = sorted(n.strip('"') for t in tasks for n in t)
    assert names == sorted(f"tap_{j}" for j in range(taps))
    for t in tasks:  # a core runs consecutive taps, producer first
        js = [int(n.strip('"').split("_")[1]) for n in t]
        assert js == list(range(js[0], js[0] + len(js)))
    x = small(dato.int32, 32, -9, 9)
    h = small(dato.int32, taps, -9, 9)
    y = np.zeros(32, np.int32)
    mod(x, h, y)
    np.testing.assert_array_equal(y, np.convolve(x, h)[:32])


# ------------------------------------------------------- Allo's vocabulary
def test_allo_chain_names_of_earlier_chains(tmp_path):
    """Allo's 1x1x4 ping-pong GEMM mapping: each chain names the previous
    chain's result `a-b`; the four K stages run in order on one core."""
    prims = [
        ("chain", ["gemm_0_0_0", "gemm_1_0_0"]),
        ("chain", ["gemm_0_0_0-gemm_1_0_0", "gemm_2_0_0"]),
        ("chain", ["gemm_0_0_0-gemm_1_0_0-gemm_2_0_0", "gemm_3_0_0"]),
    ]
    mod = dato.build(
        fanout.pingpong_gemm(dato.int16, 16, 16, 64, 4, 1, 1),
        target="aie",
        project=tmp_path,
        mapping_primitives=prims,
    )
    text = (tmp_path / "aie.mlir").read_text()
    assert text.count("aie.core(") == 1
    assert 'dato.tasks = ["gemm_0_0_0", "gemm_1_0_0", "gemm_2_0_0", "gemm_3_0_0"]' in text
    a = small(dato.int16, (16, 64), -3, 3)
    b = small(dato.int16, (64, 16), -3, 3)
    c = np.zeros((16, 16), np.int16)
    mod(a, b, c)
    np.testing.assert_array_equal(c, (a.astype(np.int64) @ b).astype(np.int16))


def test_allo_bundle_names_and_bundles_of_tuples():
    """Allo's names: a bundle of n elements is its first member's name + `xn`,
    so a bundle of `inc_0x2`-style results merges earlier bundles; a bundle
    of tuples bundles position by position (several bundles at once)."""
    prog = fanout.two_lanes(dato.int32, 8)
    mod = dato.build(
        prog,
        mapping_primitives=[
            ("bundle", ["inc_0", "inc_1"]),
            ("bundle", ["dbl_0", "dbl_1"]),
        ],
    )
    text = str(mod.mapped)
    assert "dato.bundle [@inc_0, @inc_1]" in text and "dato.bundle [@dbl_0, @dbl_1]" in text
    tuples = dato.build(
        prog, mapping_primitives=[("bundle", [("inc_0", "dbl_0"), ("inc_1", "dbl_1")])]
    )
    assert str(tuples.mapped).count("dato.bundle") == 2
    assert "dato.bundle [@inc_0, @inc_1]" in str(tuples.mapped)
    assert "dato.bundle [@dbl_0, @dbl_1]" in str(tuples.mapped)
    # a bundle of two earlier bundles (by Allo's result names) is one bundle
    merged = dato.build(
        fanout.gather_sum(dato.int32, 4, 8),
        mapping_primitives=[
            ("bundle", ["src_0", "src_1"]),
            ("bundle", ["src_2", "src_3"]),
            ("bundle", ["src_0x2", "src_2x2"]),
        ],
    )
    mapped = str(merged.mapped)
    assert mapped.count("dato.bundle") == 1
    assert "dato.bundle [@src_0, @src_1, @src_2, @src_3]" in mapped
    a = small(dato.int32, (4, 8), -9, 9)
    b = np.zeros(8, np.int32)
    merged(a, b)
    np.testing.assert_array_equal(b, a.sum(0))
    # a name that is neither an instance nor an earlier result is still an error
    with pytest.raises(dato.DatoIRError, match="bundle names src_9x2, which is not a task"):
        dato.build(
            fanout.gather_sum(dato.int32, 4, 8),
            mapping_primitives=[("bundle", ["src_0", "src_9x2"])],
        )


def test_bf16_gemm_streamed_over_k_rounds_once(tmp_path):
    """A bf16 GEMM whose K is streamed in several tiles accumulates in f32 (a
    bf16 x bf16 -> f32 kernel into an f32 buffer) and rounds to bf16 once at
    the end: bit for bit the simulator's answer."""
    prog = progs.tiled_gemm(dato.bfloat16, 64, 64, 256)
    rng = np.random.default_rng(3)
    a = rng.standard_normal((64, 256)).astype(dato.bfloat16.numpy)
    b = rng.standard_normal((256, 64)).astype(dato.bfloat16.numpy)
    want = np.zeros((64, 64), dato.bfloat16.numpy)
    dato.build(prog)(a, b, want)
    mod = dato.build(prog, target="aie", project=tmp_path)
    text = (tmp_path / "aie.mlir").read_text()
    # mlir-aie mm.cc's bf16 kernel with the f32 accumulator, rounded once by the core
    assert "@matmul_bf16_f32(" in text and "arith.truncf" in text
    got = np.zeros((64, 64), dato.bfloat16.numpy)
    mod(a, b, got)
    np.testing.assert_array_equal(got.view(np.uint16), want.view(np.uint16))
    ref = a.astype(np.float64) @ b.astype(np.float64)
    np.testing.assert_allclose(got.astype(np.float64), ref, rtol=1e-2, atol=1e-1)


def test_bundled_bf16_gemm_rounds_once(tmp_path):
    """The bundled (whole-array) GEMM route too: bf16 members streamed over K
    accumulate in one f32 buffer per core; the simulator's bits."""
    prog = progs.tiled_gemm(dato.bfloat16, 128, 128, 512, 4, 4)
    rng = np.random.default_rng(5)
    a = rng.standard_normal((128, 512)).astype(dato.bfloat16.numpy)
    b = rng.standard_normal((512, 128)).astype(dato.bfloat16.numpy)
    want = np.zeros((128, 128), dato.bfloat16.numpy)
    dato.build(prog)(a, b, want)
    mod = dato.build(prog, target="aie", project=tmp_path, mapping_primitives=bundles(4, 2, 2))
    # mlir-aie mm.cc's bf16 kernel with the f32 accumulator
    assert "@matmul_bf16_f32(" in (tmp_path / "aie.mlir").read_text()
    got = np.zeros((128, 128), dato.bfloat16.numpy)
    mod(a, b, got)
    np.testing.assert_array_equal(got.view(np.uint16), want.view(np.uint16))


# ------------------------------------------------------------- narrow types
@pytest.mark.parametrize("T", [dato.int8, dato.int16], ids=str)
def test_narrow_scalar_streams_are_packed_to_words(T, tmp_path):
    """5 sources send scalars of 8 or 16 bits to one reducer; the reducer has
    3 neighbours sharing memory, the other 2 streams need a DMA, which moves
    32-bit words: the compiler packs 4 (int8) or 2 (int16) elements per
    object, for the streams of the whole port (one type per port)."""
    mod = dato.build(fanout.scalar_gather(T, 5, 32), target="aie", project=tmp_path)
    text = (tmp_path / "aie.mlir").read_text()
    factor = 32 // T.width
    assert f"!aie.objectfifo<memref<{factor}xi{T.width}>>" in text
    a = small(T, (5, 32), -25, 25)
    b = np.zeros(32, T.numpy)
    mod(a, b)
    np.testing.assert_array_equal(b, a.astype(np.int64).sum(0).astype(T.numpy))


def test_chained_cores_get_the_stream_depths_their_order_needs(tmp_path):
    """6 lanes of src -> mid -> sink plus src -> sink: 18 elements, 16 cores,
    no loader or drain with a single stream. The compiler chains mid_k before
    sink_k on two lanes. src puts a and b interleaved; run in turn (sink after
    mid got all 16 samples) b_k would have to hold 15 samples (a_15 comes
    after b_0..b_14). Since lockstep folding (4c867fd/adf15d0) the chain runs
    mid and sink fused in one loop: iteration i gets a_i, then b_i, and mid's
    result reaches sink through a local ring, so src is never more than one
    sample ahead and the declared 2 objects suffice (the hardware rule: a
    fused member gets at most one object per iteration). The design runs on
    the virtual NPU equal to numpy."""
    mod = dato.build(fanout.skip_lanes(6, 16), target="aie", project=tmp_path)
    text = (tmp_path / "aie.mlir").read_text()
    assert text.count("aie.core(") == 16
    for k in (0, 1):
        tasks = f'dato.tasks = ["mid_{k}", "sink_{k}"]'
        assert tasks in text
        # The chained core's body: one loop of 16 that gets a_k then b_k.
        body = text[: text.index(tasks)]
        body = body[body.rindex("aie.core(") :]
        loop = body[body.index("scf.for") :]
        assert loop.index(f"acquire @a_{k}(Consume, 1)") < loop.index(f"acquire @b_{k}(Consume, 1)")
        assert loop.count("scf.for") == 1
    depths = [int(d) for d in re.findall(r"objectfifo @b_\d+\([^)]*\}, (\d+) : i32\)", text)]
    assert depths == [2] * 6
    x = small(dato.int32, (6, 16), -50, 50)
    y = np.zeros((6, 16), np.int32)
    mod(x, y)
    np.testing.assert_array_equal(y, 3 * x)
