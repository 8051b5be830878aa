"""A task grid whose instances each read more arrays than a compute tile has
input DMA channels (AM020: 2 S2MM): the compiler adds, per instance, a loader
on a free tile sharing memory with it (devices.shares_memory) that reads one
array through its own DMA; the instance gets it from the loader's memory.
Results compared with numpy on the virtual NPU; the design checked against
the hardware's channel count and neighbour rule."""

import re

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Layout, int32

S = Layout.Shard
RNG = np.random.default_rng(1207)
S2MM = 2  # input DMA channels of an npu1 compute tile


def mul_add(P: int, L: int):
    """d = a + b * c in P lanes of L elements: each lane reads 3 arrays."""

    @dato.region()
    def top(A: int32[P * L], B: int32[P * L], C: int32[P * L], D: int32[P * L]):
        @dato.kernel(mapping=[P], args=[A, B, C, D])
        def lane(
            a: int32[P * L] @ [S(0)],
            b: int32[P * L] @ [S(0)],
            c: int32[P * L] @ [S(0)],
            d: int32[P * L] @ [S(0)],
        ):
            for i in range(L):
                d[i] = a[i] + b[i] * c[i]

    return top


def tiles(text: str) -> dict[str, tuple[int, int]]:
    return {
        name: (int(c), int(r))
        for name, c, r in re.findall(r"(%\w+) = aie\.tile\((\d+), (\d+)\)", text)
    }


@pytest.mark.parametrize("P", [2, 4, 5])
def test_lanes_reading_three_arrays_get_one_through_a_neighbour(tmp_path, P):
    L = 16
    mod = dato.build(mul_add(P, L), target="aie", project=tmp_path)
    a, b, c = (RNG.integers(-99, 99, P * L).astype(np.int32) for _ in range(3))
    d = np.zeros(P * L, np.int32)
    mod(a, b, c, d)
    np.testing.assert_array_equal(d, a + b * c)

    text = (tmp_path / "aie.mlir").read_text()
    where = tiles(text)
    cores = dict(
        re.findall(
            r"aie\.core\((%\w+)\) \{.*?\n    \} \{[^\n]*dato\.tasks = \[\"(\w+)\"", text, re.S
        )
    )
    core_of = {task: where[tile] for tile, task in cores.items()}
    assert len(core_of) == 2 * P  # a lane and its loader per lane
    for p in range(P):
        lane, loader = core_of[f"lane_{p}"], core_of[f"lane_{p}_load_A_0"]
        # neighbours on one column or one row: the lane reads the loader's memory
        assert abs(lane[0] - loader[0]) + abs(lane[1] - loader[1]) == 1
    # no compute tile takes more fifos in than it has S2MM channels, counting
    # only fifos that cross between tiles not sharing memory
    into: dict[str, int] = {}
    for prod, cons in re.findall(r"aie\.objectfifo @\w+\((%\w+), \{([^}]*)\}", text):
        for c in (x.strip() for x in cons.split(",")):
            (pc, pr), (cc, cr) = where[prod], where[c]
            if cr >= 2 and not (pr >= 2 and abs(pc - cc) + abs(pr - cr) == 1):
                into[c] = into.get(c, 0) + 1
    assert max(into.values()) <= S2MM
