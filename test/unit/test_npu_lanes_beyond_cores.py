"""Vector lanes beyond what the NPU's cores and DMA channels serve one by one.

A vector add with more lanes than cores (or with as many, when one lane per
core needs more memtile and shim channels than a column has) is folded by
the compiler: lanes chained onto fewer cores, each column's cores taking
their blocks of an array through one memtile distribute (and giving theirs
back through one join), so each array takes one shim channel per column.
Every design runs on the virtual NPU equal to numpy."""

import re
from collections import Counter

import numpy as np
import pytest

import dato_xdsl as dato
from test.unit.programs import dato_programs as progs

CORES = {"npu1": 16, "npu2": 32}

CASES = [
    ("npu1", 256, 16),
    ("npu1", 256, 32),
    ("npu1", 512, 64),
    ("npu1", 160, 20),
    ("npu2", 256, 32),
    ("npu2", 512, 64),
    ("npu2", 160, 20),
    ("npu2", 1024, 128),
]


def shim_fifos(aie_mlir: str) -> Counter[tuple[str, str]]:
    """(array, shim column) -> objectfifos with that shim tile as an end."""
    found: Counter[tuple[str, str]] = Counter()
    for name, ends in re.findall(r"aie\.objectfifo @(\w+)\(([^)]*)\)", aie_mlir):
        for col in re.findall(r"%shim_c(\d+)", ends):
            found[(name.split("_")[0], col)] += 1
    return found


def core_tiles(aie_mlir: str) -> set[str]:
    return set(re.findall(r"aie\.core\((%\w+)\)", aie_mlir))


@pytest.mark.parametrize(("device", "n", "lanes"), CASES)
def test_vector_add_lanes_map_and_equal_numpy(device, n, lanes, tmp_path):
    mod = dato.build(
        progs.vector_add(dato.int32, n, lanes), target="aie", project=tmp_path, device=device
    )
    text = (tmp_path / "aie.mlir").read_text()
    assert 1 <= len(core_tiles(text)) <= CORES[device]
    # each array takes at most one shim channel in any column
    fifos = shim_fifos(text)
    assert fifos and max(fifos.values()) == 1, fifos
    assert {a for a, _ in fifos} == {"A", "B", "C"}
    rng = np.random.default_rng(lanes)
    A = rng.integers(-(2**30), 2**30, n).astype(np.int32)
    B = rng.integers(-(2**30), 2**30, n).astype(np.int32)
    C = np.zeros(n, np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, A + B)


def test_lanes_beyond_cores_int16(tmp_path):
    """Narrow elements: 32 lanes of 8 int16 (whole 32-bit DMA words)."""
    mod = dato.build(progs.vector_add(dato.int16, 256, 32), target="aie", project=tmp_path)
    rng = np.random.default_rng(3)
    A = rng.integers(-(2**14), 2**14, 256).astype(np.int16)
    B = rng.integers(-(2**14), 2**14, 256).astype(np.int16)
    C = np.zeros(256, np.int16)
    mod(A, B, C)
    np.testing.assert_array_equal(C, A + B)


def test_the_folding_is_reported_as_the_compilers(tmp_path):
    """The chains the compiler chose are in the report, every lane on exactly
    one core."""
    mod = dato.build(progs.vector_add(dato.int32, 256, 32), target="aie", project=tmp_path)
    rows = [r for r in mod.report().splitlines() if "[chain (compiler-chosen)]" in r]
    assert rows
    lanes = [n for r in rows for n in re.findall(r"add_\d+", r)]
    assert sorted(lanes) == sorted(f"add_{k}" for k in range(32))
