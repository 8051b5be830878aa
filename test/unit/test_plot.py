"""Pictures and reports of compiled designs: the NPU array (tiles, the tasks on each,
objectfifos with depths, memory-sharing neighbours, DMA channels) and the HLS
dataflow graph (processes, streams with depths, ping-pong buffers). The SVGs are
read back as XML and compared with the program, the design text (aie.mlir) and
the hardware rules of the design notes. A refusal for too many processing
elements gives Python that makes the design fit, and only then."""

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import dato_xdsl as dato
from test.unit.programs import dato_programs as progs

SVG = "{http://www.w3.org/2000/svg}"
ROOT = Path(__file__).resolve().parents[2]


def texts(svg: Path) -> list[str]:
    root = ET.parse(svg).getroot()
    return ["".join(t.itertext()) for t in root.iter(SVG + "text")]


def group_ids(svg: Path) -> list[str]:
    return [g.attrib["id"] for g in ET.parse(svg).getroot().iter(SVG + "g") if "id" in g.attrib]


def core_tasks(aie_mlir: str) -> dict[str, tuple[int, int]]:
    """Task name -> (col, row) of its core, read from the design text."""
    tiles = dict(re.findall(r"(%\w+) = aie\.tile\((\d+, \d+)\)", aie_mlir))
    found: dict[str, tuple[int, int]] = {}
    for tile, names in re.findall(
        r"aie\.core\((%\w+)\) \{.*?\n    \} \{[^\n]*dato\.tasks = \[([^\]]*)\]", aie_mlir, re.S
    ):
        col, row = (int(v) for v in tiles[tile].split(", "))
        for name in re.findall(r'"(\w+)"', names):
            found[name] = (col, row)
    return found


@pytest.fixture(scope="module")
def producer_consumer_npu(tmp_path_factory):
    project = tmp_path_factory.mktemp("npu")
    mod = dato.build(progs.producer_consumer(dato.int32, 64), target="aie", project=project)
    return mod, project


def test_npu_project_holds_a_picture_of_every_tile(producer_consumer_npu):
    _, project = producer_consumer_npu
    svg = project / "placement.svg"
    shown = texts(svg)
    # npu1 is 4 columns x 6 rows: row 0 shims, row 1 memtiles, rows 2-5 compute
    for col in range(4):
        for row in range(6):
            kind = {0: "shim", 1: "memtile"}.get(row, "compute")
            assert shown.count(f"tile ({col}, {row}) {kind}") == 1
    assert not any("tile (4," in t or ", 6)" in t for t in shown)


def test_npu_picture_puts_each_task_on_the_tile_of_its_core(producer_consumer_npu):
    _, project = producer_consumer_npu
    placed = core_tasks((project / "aie.mlir").read_text())
    assert sorted(placed) == ["consumer_0", "producer_0"]  # the program's instance names
    svg = project / "placement.svg"
    assert texts(svg).count("producer_0") == 1 and texts(svg).count("consumer_0") == 1
    ids = group_ids(svg)
    for name, (col, row) in placed.items():
        assert f"task-{col}-{row}-{name}" in ids
    # the stream between them: neighbours that share a memory module (the
    # AIE-ML rule: north, south or west neighbour), so its fifo needs no DMA
    (pc, pr), (cc, cr) = placed["producer_0"], placed["consumer_0"]
    assert abs(pc - cc) + abs(pr - cr) == 1
    a, b = sorted([(pc, pr), (cc, cr)])
    assert f"shared-memory-{a[0]}-{a[1]}-{b[0]}-{b[1]}" in ids
    assert "@pipe x4 shared mem" in texts(svg)  # the program's depth, 4


def test_npu_picture_labels_every_objectfifo_with_its_depth(producer_consumer_npu):
    _, project = producer_consumer_npu
    design = (project / "aie.mlir").read_text()
    fifos = re.findall(r"aie\.objectfifo @(\w+)\(.*?, (\d+) : i32\)", design)
    assert len(fifos) == 3  # A in, the stream, B out
    shown = " ".join(texts(project / "placement.svg"))
    for name, depth in fifos:
        assert f"@{name} x{depth}" in shown


def test_npu_picture_counts_dma_channels_against_the_tile_limits(producer_consumer_npu):
    mod, project = producer_consumer_npu
    shown = texts(project / "placement.svg")
    placed = core_tasks((project / "aie.mlir").read_text())
    # the producer reads A from the shim (one S2MM of a compute tile's 2) and
    # hands the stream over shared memory (no MM2S); the consumer sends B out
    assert "DMA S2MM 1/2 MM2S 0/2" in shown
    assert "DMA S2MM 0/2 MM2S 1/2" in shown
    report = mod.report()
    for name, (col, row) in placed.items():
        line = next(x for x in report.splitlines() if x.startswith(f"({col}, {row})"))
        assert line.rstrip().endswith(name)  # the report lists the tile's tasks


def test_plot_writes_where_asked_in_the_format_of_the_suffix(producer_consumer_npu, tmp_path):
    mod, _ = producer_consumer_npu
    png = mod.plot(tmp_path / "p.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(dato.DatoError, match="not supported"):
        mod.plot(tmp_path / "p.nosuchformat")


def test_bundled_tasks_share_a_tile_in_the_picture(tmp_path):
    """A 4x4 GEMM task grid bundled 2x2 onto 4 cores: each core's tile lists
    its four tasks, and the result still matches numpy."""
    bundles = [
        ("bundle", [f"gemm_{i}_{j}" for i in (2 * r, 2 * r + 1) for j in (2 * c, 2 * c + 1)])
        for r in range(2)
        for c in range(2)
    ]
    mod = dato.build(
        progs.tiled_gemm(dato.int16, 32, 32, 32, 4, 4),
        target="aie",
        project=tmp_path,
        mapping_primitives=bundles,
    )
    placed = core_tasks((tmp_path / "aie.mlir").read_text())
    ids = group_ids(tmp_path / "placement.svg")
    assert texts(tmp_path / "placement.svg").count("[bundle]") == 4
    assert mod.report().count("[bundle]") == 4  # the user's bundles, not the compiler's
    for _, members in bundles:
        tiles = {placed[name] for name in members}
        assert len(tiles) == 1
        col, row = tiles.pop()
        for name in members:
            assert f"task-{col}-{row}-{name}" in ids
    rng = np.random.default_rng(3)
    A = rng.integers(-4, 4, (32, 32)).astype(np.int16)
    B = rng.integers(-4, 4, (32, 32)).astype(np.int16)
    C = np.zeros((32, 32), np.int16)
    mod(A, B, C)
    np.testing.assert_array_equal(C, A @ B)


def test_compiler_chosen_chains_are_marked_in_report_and_picture(tmp_path):
    """A split-K GEMM of 2 x 2 x 4 partial products and 4 drains: 20 elements
    for 16 cores, with no primitives asked for. Each drain's only stream comes
    from the last partial product of its (i, j), so the compiler chains the
    two; the report and the picture say the chain is the compiler's."""
    from test.unit.programs import npu_fanout_programs as fanout

    mod = dato.build(
        fanout.split_k_gemm_3d(dato.int32, 16, 16, 64, 2, 2, 4), target="aie", project=tmp_path
    )
    placed = core_tasks((tmp_path / "aie.mlir").read_text())
    marked = [x for x in mod.report().splitlines() if x.endswith("[chain (compiler-chosen)]")]
    assert len(marked) == 4
    for i in range(2):
        for j in range(2):
            assert placed[f"drain_{i}_{j}"] == placed[f"part_{i}_{j}_3"]
            assert any(f"part_{i}_{j}_3, drain_{i}_{j} [" in x for x in marked)
    assert texts(tmp_path / "placement.svg").count("[chain (compiler-chosen)]") == 4


def test_hls_project_holds_its_dataflow_graph(tmp_path):
    mod = dato.build(
        progs.producer_consumer(dato.int32, 64, depth=4), target="hls", project=tmp_path
    )
    shown = texts(tmp_path / "dataflow.svg")
    calls = re.findall(r'instance "(\w+)"', (tmp_path / "kernel.mlir").read_text())
    assert "producer_0" in calls and "consumer_0" in calls
    for name in calls:  # every process instance is a box
        assert shown.count(name) == 1
    assert "A (m_axi)" in shown and "B (m_axi)" in shown
    assert "pipe depth 4" in shown  # the program's stream and depth
    pipos = re.findall(
        r'vhls\.pipo "(\w+)" : memref<(\w+)xi32>', (tmp_path / "kernel.mlir").read_text()
    )
    for name, shape in pipos:
        assert f"{name} ping-pong {shape}" in shown
    assert mod.plot(tmp_path / "again.svg").read_text() == (tmp_path / "dataflow.svg").read_text()


def test_the_simulator_has_no_picture():
    mod = dato.build(progs.producer_consumer(dato.int32, 8))
    with pytest.raises(dato.DatoError, match="no plot"):
        mod.plot("x.svg")


def dato_opt(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "tools" / "dato-opt"), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def test_dato_opt_draws_a_placement_before_lowering(tmp_path):
    example = str(ROOT / "examples" / "gemm_tiles.mlir")
    done = dato_opt(
        example,
        "-p",
        "dato-virtual-map,dato-physical-map{device=npu1}",
        "-t",
        'npu-plot{file="placed.svg"}',
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    shown = texts(tmp_path / "placed.svg")
    # the 2x2 grid is placed as the array itself: pid (i, j) on column j, row 2 + i
    for i in range(2):
        for j in range(2):
            assert f"task-{j}-{2 + i}-tile_{i}_{j}" in group_ids(tmp_path / "placed.svg")
    assert "npu1: placement" in shown


def test_dato_opt_refuses_to_draw_an_unplaced_program(tmp_path):
    example = str(ROOT / "examples" / "gemm_tiles.mlir")
    for target in ("npu-plot", "hls-plot"):
        done = dato_opt(example, "-t", target, cwd=tmp_path)
        assert done.returncode == 1
        assert "Traceback" not in done.stderr
        assert "first" in done.stderr  # says which passes to run first
    assert not list(tmp_path.iterdir())


# ------------------------------------------------------------ refusals say how


def hinted_primitives(message: str):
    found = re.search(r"build with mapping_primitives=(\[.*\])$", message)
    return eval(found.group(1)) if found else None  # the hint is Python to paste


def test_gemm_grid_beyond_the_cores_folds_by_itself_or_by_the_users_bundles(tmp_path):
    """64 GEMM tasks for 16 cores: the compiler folds the grid itself (2x2
    rectangles, recorded compiler-chosen); the user's 2x2 bundles give 16 cores
    too. Both run and match numpy."""
    make = lambda: progs.tiled_gemm(dato.int16, 64, 64, 32, 8, 8)  # noqa: E731
    bundles = [
        ("bundle", [f"gemm_{i}_{j}" for i in (2 * r, 2 * r + 1) for j in (2 * c, 2 * c + 1)])
        for r in range(4)
        for c in range(4)
    ]
    rng = np.random.default_rng(4)
    A = rng.integers(-4, 4, (64, 32)).astype(np.int16)
    B = rng.integers(-4, 4, (32, 64)).astype(np.int16)
    for name, primitives in (("auto", None), ("bundles", bundles)):
        project = tmp_path / name
        mod = dato.build(make(), target="aie", project=project, mapping_primitives=primitives)
        assert len(set(core_tasks((project / "aie.mlir").read_text()).values())) == 16
        C = np.zeros((64, 64), np.int16)
        mod(A, B, C)
        np.testing.assert_array_equal(C, A @ B)


def test_more_lanes_than_cores_maps_instead_of_a_refusal(tmp_path):
    """32 vector-add lanes for 16 cores (refused before, with no bundle to
    suggest): the compiler chains lanes onto fewer cores, each column's
    cores taking their blocks through one memtile distribute and join, and
    the design equals numpy."""
    mod = dato.build(progs.vector_add(dato.int32, 256, 32), target="aie", project=tmp_path)
    tasks = core_tasks((tmp_path / "aie.mlir").read_text())
    assert sorted(tasks) == sorted(f"add_{k}" for k in range(32))
    assert 1 < len(set(tasks.values())) <= 16
    rng = np.random.default_rng(7)
    A = rng.integers(-1000, 1000, 256).astype(np.int32)
    B = rng.integers(-1000, 1000, 256).astype(np.int32)
    C = np.zeros(256, np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, A + B)
