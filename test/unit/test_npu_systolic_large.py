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
    # elements (one per PE they run) through their one fifo
    joins = re.findall(r"aie\.objectfifo\.link \[([^\]]*)\] -> \[@C_", text)
    parts = [p.strip().lstrip("@") for j in joins for p in j.split(",") if len(j.split(",")) > 1]
    sends = Counter(re.findall(r"aie\.objectfifo\.acquire @(\w+)\(Produce", text))
    assert any(sends[p] > 1 for p in parts)


@pytest.mark.parametrize("M,N,K", [(6, 6, 8), (8, 8, 8)])
def test_larger_grids_run_equal_to_numpy_or_are_refused_naming_the_limit(tmp_path, M, N, K):
    """The issue's acceptance: a design either runs equal to numpy or is
    refused for a hardware limit, the message naming the tile, the resource
    and the numbers (never an internal error: a memtile route over a stream
    that two chained members share used to reach the lowering and fail)."""
    A = RNG.integers(-50, 50, (M, K)).astype(np.int32)
    B = RNG.integers(-50, 50, (K, N)).astype(np.int32)
    C = np.zeros((M, N), np.int32)
    try:
        mod = dato.build(progs.systolic_2d(int32, M, N, K), target="aie", project=tmp_path)
    except dato.DatoIRError as err:
        msg = str(err)
        assert "dato_programs.py" in msg  # located in the program
        assert re.search(
            r"needs \d+ (input|output) DMA channels, a compute tile has 2"
            r"|needs more than \d+ buffer descriptors on shim column \d",
            msg,
        )
        return
    mod(A, B, C)
    np.testing.assert_array_equal(C, A @ B)
