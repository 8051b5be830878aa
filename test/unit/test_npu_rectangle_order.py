"""The rectangle search's candidate order (npu_chain_search._in_order): the
cuts of a task grid into bands x column ranges, by the work of the busiest
block, then cores, orientation and enumeration order, as a stable sort of
every cut computed by brute force here; and the first cuts of a 64 x 64
grid on 4 x 8 cores come in seconds (all 33 million sorted took minutes)."""

import itertools
import random
import time

from dato_xdsl.transforms.npu_chain_search import _Family, _in_order, _ranges, _splits


def _families(grid: list[list[int]], rows: int, columns: int) -> list[_Family]:
    p0, p1 = len(grid), len(grid[0])
    return [
        _Family(grid, p0, p1, min(rows, p0), min(columns, p1), False),
        _Family(grid, p0, p1, min(columns, p0), min(rows, p1), True),
    ]


def _brute(grid: list[list[int]], rows: int, columns: int) -> list[tuple]:
    p0, p1 = len(grid), len(grid[0])
    every = []
    for transposed, (r_parts, c_parts) in (
        (False, (min(rows, p0), min(columns, p1))),
        (True, (min(columns, p0), min(rows, p1))),
    ):
        for rc in _splits(p0, r_parts):
            for cc in _splits(p1, c_parts):
                bands, cols = _ranges(p0, rc), _ranges(p1, cc)
                top = max(sum(grid[i][j] for i in b for j in c) for b in bands for c in cols)
                key = (top, len(bands) * len(cols), int(transposed))
                every.append((key, bands, cols, transposed))
    every.sort(key=lambda e: e[0])
    return [(key[0], bands, cols, t) for key, bands, cols, t in every]


def test_order_is_the_stable_sort_of_every_cut() -> None:
    rng = random.Random(7)
    for _ in range(60):
        p0, p1 = rng.randint(1, 7), rng.randint(1, 7)
        rows, columns = rng.randint(1, 4), rng.randint(1, 4)
        hi = rng.choice([1, 2, 50])  # small works: many ties of the busiest block
        grid = [[rng.randint(0, hi) for _ in range(p1)] for _ in range(p0)]
        got = list(_in_order(_families(grid, rows, columns)))
        assert got == _brute(grid, rows, columns), (p0, p1, rows, columns, grid)


def test_hand_computed_grid() -> None:
    # a 2 x 3 grid on 1 row x 2 columns: the cut after column 1 gives blocks
    # of work 1+4=5 and 2+3+5+6=16; after column 2, 1+2+4+5=12 and 3+6=9
    grid = [[1, 2, 3], [4, 5, 6]]
    first = next(_in_order(_families(grid, 1, 2)))
    assert first == (12, [[0, 1]], [[0, 1], [2]], False)


def test_first_cuts_of_a_large_grid_come_fast() -> None:
    grid = [[(i * 7 + j * 3) % 5 + 1 for j in range(64)] for i in range(64)]
    start = time.perf_counter()
    first = list(itertools.islice(_in_order(_families(grid, 4, 8)), 20))
    assert time.perf_counter() - start < 20
    tops = [top for top, *_ in first]
    assert tops == sorted(tops)
    # the busiest block holds at least an eighth of a quarter of the work
    total = sum(map(sum, grid))
    assert tops[0] >= total / 32
