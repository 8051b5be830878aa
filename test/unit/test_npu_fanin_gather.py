"""A gather with more sources than npu1's 16 cores leave (16 sources and
their reducer: 17 instances). Chaining a source into the reducer would give
the reducer's tile a DMA channel for the source's array beside its 15 streams;
the compiler instead chains the isomorphic sources two by two (each core
reads its two rows through one fifo and sends them in turn), and the reducer
takes the 16 streams from memory-sharing neighbours and memtile joins.
Results compared with numpy on the virtual NPU."""

import re

import numpy as np

import dato_xdsl as dato
from dato_xdsl import int32
from test.unit.programs import npu_fanout_programs as fanout


def test_gather_of_16_sources_chains_them_in_pairs(tmp_path):
    P, L = 16, 16
    mod = dato.build(fanout.gather_sum(int32, P, L), target="aie", project=tmp_path)
    rng = np.random.default_rng(77)
    A = rng.integers(-99, 99, (P, L)).astype(np.int32)
    B = np.zeros(L, np.int32)
    mod(A, B)
    np.testing.assert_array_equal(B, A.sum(axis=0))
    text = (tmp_path / "aie.mlir").read_text()
    cores = [re.findall(r'"(\w+)"', t) for t in re.findall(r"dato\.tasks = \[([^\]]*)\]", text)]
    assert sorted(map(tuple, cores)) == sorted(
        [("red_0",)] + [(f"src_{2 * k}", f"src_{2 * k + 1}") for k in range(P // 2)]
    )
