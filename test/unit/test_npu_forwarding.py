"""A task reading more arrays than its tile's two input DMA channels: the
compiler adds a loader per extra array on a free neighbouring tile (a core
reaches the memory north, south and west of it, so their stream needs no DMA),
and the task gets the array from it. Compared with numpy; the loaders are
named in the report as compiler-added tasks on tiles next to the task's."""

import re

import numpy as np

import dato_xdsl as dato
from dato_xdsl import float32, int16, int32


def test_a_task_reading_four_arrays_gets_two_through_neighbours(tmp_path):
    @dato.region()
    def top(A: int32[64], B: int16[64], C: float32[64], D: int32[64], OUT: int32[64]):
        @dato.kernel(mapping=[1], args=[A, B, C, D, OUT])
        def k(a: int32[64], b: int16[64], c: float32[64], d: int32[64], o: int32[64]):
            for i in range(64):
                o[i] = a[i] + b[i] * 3 + dato.int32(c[i]) - d[i]

    mod = dato.build(top, target="aie", project=tmp_path)
    rng = np.random.default_rng(5)
    A = rng.integers(-1000, 1000, 64).astype(np.int32)
    B = rng.integers(-1000, 1000, 64).astype(np.int16)
    C = rng.integers(-1000, 1000, 64).astype(np.float32)
    D = rng.integers(-1000, 1000, 64).astype(np.int32)
    OUT = np.zeros(64, np.int32)
    mod(A, B, C, D, OUT)
    np.testing.assert_array_equal(OUT, A + B.astype(np.int32) * 3 + C.astype(np.int32) - D)
    # two loaders (the smallest arrays: B, then A), each beside k's tile
    report = mod.report()
    tiles = {}
    for line in report.splitlines():
        found = re.match(r"\((\d+), (\d+)\)\s+compute.*\s(\S+)$", line)
        if found:
            tiles.setdefault(found.group(3), (int(found.group(1)), int(found.group(2))))
    loaders = sorted(n for n in tiles if "_load_" in n)
    assert loaders == ["k_0_load_A_0", "k_0_load_B_0"]
    kc, kr = tiles["k_0"]
    for name in loaders:
        c, r = tiles[name]
        assert abs(c - kc) + abs(r - kr) == 1  # a neighbour: shared memory
