"""Output-stationary systolic GEMMs larger than 4 x 4 PEs on npu1 (Allo's
tests/dataflow/test_systolic.py written in Dato): chained onto the 16 cores,
several PEs per core each write their element of the one C. One shim output
channel per core would need 16 of npu1's 8 (4 columns x 2 S2MM), so the
cores' write sequences are joined in memtiles (a memtile takes 6) and each
joined object leaves on one shim channel. Results compared with numpy; the
emitted design is checked against the channel counts of the hardware."""

import re
from collections import Counter

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import int32
from test.unit.programs import dato_programs as progs

RNG = np.random.default_rng(2512)

# npu1 (AM020, mlir-aie AIE2 target model): per column a shim tile has 2
# S2MM channels, a memtile 6 S2MM channels; 16 compute cores in all
SHIM_S2MM = 2
MEMTILE_S2MM = 6
CORES = 16


def fifo_ends(text: str) -> list[tuple[str, str, str]]:
    """(name, producer tile, consumer tiles) of every objectfifo."""
    return re.findall(r"aie\.objectfifo @(\w+)\((%\w+), \{([^}]*)\}", text)


@pytest.mark.parametrize("M,N,K", [(5, 5, 8), (4, 6, 8)])
def test_systolic_grid_larger_than_the_cores_writes_c_through_memtile_joins(tmp_path, M, N, K):
    mod = dato.build(progs.systolic_2d(int32, M, N, K), target="aie", project=tmp_path)
    A = RNG.integers(-50, 50, (M, K)).astype(np.int32)
    B = RNG.integers(-50, 50, (K, N)).astype(np.int32)
    C = np.zeros((M, N), np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, A @ B)

    text = (tmp_path / "aie.mlir").read_text()
    assert text.count("aie.core(") == CORES
    ends = fifo_ends(text)
    into_shim = Counter(c.strip() for _, _, c in ends if c.strip().startswith("%shim"))
    into_mem = Counter(c.strip() for _, _, c in ends if c.strip().startswith("%mem"))
    assert max(into_shim.values()) <= SHIM_S2MM
    assert not into_mem or max(into_mem.values()) <= MEMTILE_S2MM
    # C leaves through a memtile join of cores that each send several
    # elements (one per PE they run) through their one fifo (one at a time,
    # or all at once when the core runs its PEs in lockstep)
    joins = re.findall(r"aie\.objectfifo\.link \[([^\]]*)\] -> \[@C_", text)
    parts = [p.strip().lstrip("@") for j in joins for p in j.split(",") if len(j.split(",")) > 1]
    sends: Counter[str] = Counter()
    for fifo, count in re.findall(r"aie\.objectfifo\.acquire @(\w+)\(Produce, (\d+)\)", text):
        sends[fifo] += int(count)
    assert any(sends[p] > 1 for p in parts)


def core_tasks(text: str) -> dict[tuple[int, int], list[str]]:
    """(col, row) of each core -> the tasks it runs, in order."""
    tiles = dict(re.findall(r"(%\w+) = aie\.tile\((\d+, \d+)\)", text))
    out: dict[tuple[int, int], list[str]] = {}
    for tile, names in re.findall(
        r"aie\.core\((%\w+)\) \{.*?\n    \} \{[^\n]*dato\.tasks = \[([^\]]*)\]", text, re.S
    ):
        col, row = (int(v) for v in tiles[tile].split(", "))
        out[(col, row)] = re.findall(r'"(\w+)"', names)
    return out


@pytest.mark.parametrize("M,N,K", [(6, 6, 8), (8, 8, 8)])
def test_grid_folded_in_rectangles_runs_equal_to_numpy(tmp_path, M, N, K):
    """6 x 6 and 8 x 8 PEs with their loaders and drains (8 x 8 and 10 x 10
    instances): chaining instances one by one leaves a core 3 input streams
    (a compute tile has 2 DMA channels), so the compiler cuts the grid into
    4 x 4 rectangles of consecutive rows and columns, block (r, c) on column c,
    compute row r: every stream joins grid neighbours, which share memory
    (AM020: a core reaches the modules north, south and west of it)."""
    mod = dato.build(progs.systolic_2d(int32, M, N, K), target="aie", project=tmp_path)
    A = RNG.integers(-50, 50, (M, K)).astype(np.int32)
    B = RNG.integers(-50, 50, (K, N)).astype(np.int32)
    C = np.zeros((M, N), np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, A @ B)

    text = (tmp_path / "aie.mlir").read_text()
    cores = core_tasks(text)
    assert len(cores) == CORES
    pid = {}
    for names in cores.values():
        for n in names:
            _, i, j = n.split("_")
            pid[n] = (int(i), int(j))
    # every instance of the (M + 2) x (N + 2) grid once
    assert sorted(pid.values()) == [(i, j) for i in range(M + 2) for j in range(N + 2)]
    row_bands: dict[int, set[int]] = {}
    col_bands: dict[int, set[int]] = {}
    for (col, row), names in cores.items():
        rows = sorted({pid[n][0] for n in names})
        cols = sorted({pid[n][1] for n in names})
        # a rectangle of consecutive grid rows and columns, whole
        assert rows == list(range(rows[0], rows[-1] + 1))
        assert cols == list(range(cols[0], cols[-1] + 1))
        assert sorted(pid[n] for n in names) == [(i, j) for i in rows for j in cols]
        assert row_bands.setdefault(row, set(rows)) == set(rows)
        assert col_bands.setdefault(col, set(cols)) == set(cols)
        # a core runs a producer before its consumer: A moves east along rows
        # 1..M from column 0, B south along columns 1..N from row 0
        at = {pid[n]: k for k, n in enumerate(names)}
        for (i, j), k in at.items():
            if 1 <= i <= M and 0 <= j <= N and (i, j + 1) in at:
                assert k < at[(i, j + 1)]
            if 1 <= j <= N and 0 <= i <= M and (i + 1, j) in at:
                assert k < at[(i + 1, j)]
    # block rows go up the compute rows, block columns across the columns
    assert [min(row_bands[r]) for r in sorted(row_bands)] == sorted(
        min(b) for b in row_bands.values()
    )
    assert [min(col_bands[c]) for c in sorted(col_bands)] == sorted(
        min(b) for b in col_bands.values()
    )
    # streams between cores only between neighbours sharing memory (no DMA)
    tiles = {
        name: tuple(int(v) for v in xy.split(", "))
        for name, xy in re.findall(r"(%\w+) = aie\.tile\((\d+, \d+)\)", text)
    }
    for name, prod, cons in fifo_ends(text):
        if not name.startswith("fifo_"):
            continue
        (pc, pr) = tiles[prod]
        for c in cons.split(", "):
            cc, cr = tiles[c.strip()]
            assert abs(pc - cc) + abs(pr - cr) == 1, name
    into_shim = Counter(c.strip() for _, _, c in fifo_ends(text) if c.strip().startswith("%shim"))
    assert max(into_shim.values()) <= SHIM_S2MM


@pytest.mark.parametrize(
    "M,N,K,T,nt",
    [(6, 6, 32, dato.int16, np.int16), (6, 8, 8, int32, np.int32), (4, 12, 8, int32, np.int32)],
)
def test_other_shapes_and_types_fold_onto_the_cores(tmp_path, M, N, K, T, nt):
    """Non-square grids and 16-bit elements larger than the 16 cores: folded
    (greedy chains or rectangles, whichever fits first), equal to numpy."""
    mod = dato.build(progs.systolic_2d(T, M, N, K), target="aie", project=tmp_path)
    A = RNG.integers(-20, 20, (M, K)).astype(nt)
    B = RNG.integers(-20, 20, (K, N)).astype(nt)
    C = np.zeros((M, N), nt)
    mod(A, B, C)
    np.testing.assert_array_equal(C, (A.astype(np.int64) @ B).astype(nt))
    assert len(core_tasks((tmp_path / "aie.mlir").read_text())) == CORES
