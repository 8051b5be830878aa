"""The NPU device tables against the hardware figures.

The expected numbers are written here from independent sources (DESIGN.md's
hardware table, AMD AM020, mlir-aie's AIEDevice enum), not read from the code.
"""

import pytest

from dato_xdsl import devices
from dato_xdsl.devices import TileKind

KIB = 1024

# mlir-aie AIEAttrs.td, AIEDevice enum: name -> (value, columns, rows); array sizes
# from AIETargetModel.h (VC1902: 50 x 9, VE2302: 17 x 4, VE2802: 38 x 11, NPUs x 6)
EXPECTED = {
    "xcvc1902": (1, 50, 9),
    "xcve2302": (2, 17, 4),
    "xcve2802": (3, 38, 11),
    "npu1": (4, 4, 6),
    "npu1_1col": (5, 1, 6),
    "npu1_2col": (6, 2, 6),
    "npu1_3col": (7, 3, 6),
    "npu2": (8, 8, 6),
    "npu2_1col": (9, 1, 6),
    "npu2_2col": (10, 2, 6),
    "npu2_3col": (11, 3, 6),
    "npu2_4col": (12, 4, 6),
    "npu2_5col": (13, 5, 6),
    "npu2_6col": (14, 6, 6),
    "npu2_7col": (15, 7, 6),
}


def test_every_device_name_is_modelled_and_nothing_else():
    assert set(devices.DEVICES) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_columns_rows_and_enum_value(name):
    code, columns, rows = EXPECTED[name]
    d = devices.lookup(name)
    assert d is not None and d.name == name
    assert d.mlir_code == code
    assert devices.by_code(code) is d
    assert (d.columns, d.rows) == (columns, rows)


def test_npu1_is_a_4x6_array_with_16_compute_cores():
    d = devices.DEVICES["npu1"]
    assert (d.columns, d.rows) == (4, 6)
    assert d.compute_cores == 16
    assert devices.DEVICES["npu2"].compute_cores == 32


def test_older_spelling_npu1_4col_is_npu1():
    assert devices.lookup("npu1_4col") is devices.DEVICES["npu1"]
    assert devices.lookup("npu3") is None
    assert devices.lookup("npu") is devices.DEVICES["npu1"]  # the first Phoenix name
    assert devices.by_code(0) is None


# AIETargetModel.h: VE2302 memtile row 1, cores rows 2-3; VE2802 memtiles rows 1-2,
# cores rows 3-10; VC1902 (AIE1) no memtiles, cores rows 1-8; shim row 0 everywhere
@pytest.mark.parametrize(
    ("name", "memtiles", "cores"),
    [("xcve2302", [1], [2, 3]), ("xcve2802", [1, 2], list(range(3, 11))),
     ("xcvc1902", [], list(range(1, 9)))],
)  # fmt: skip
def test_versal_row_roles(name, memtiles, cores):
    d = devices.DEVICES[name]
    for row in range(d.rows):
        want = (
            TileKind.SHIM if row == 0 else TileKind.MEMTILE if row in memtiles else TileKind.COMPUTE
        )
        assert d.tile_kind(d.columns - 1, row) == want
    assert d.compute_cores == d.columns * len(cores)


def test_aie1_tiles_differ_from_aie_ml():
    # AIETargetModel.h: AIE1 32 KB local memory, 384-bit cascade, binary locks;
    # AIE-ML 64 KB, 512-bit cascade, lock values up to 0x3F
    vc, ve = devices.DEVICES["xcvc1902"], devices.DEVICES["xcve2802"]
    assert (vc.compute.data_memory_bytes, vc.cascade_bits, vc.max_lock_value) == (32 * KIB, 384, 1)
    assert (ve.compute.data_memory_bytes, ve.cascade_bits, ve.max_lock_value) == (64 * KIB, 512, 63)


@pytest.mark.parametrize("name", ["npu1", "npu2_3col"])
def test_row_roles(name):
    d = devices.DEVICES[name]
    # row 0 shim, row 1 memtile, rows 2-5 compute, in every column
    for col in range(d.columns):
        kinds = [d.tile_kind(col, row) for row in range(6)]
        assert kinds == [TileKind.SHIM, TileKind.MEMTILE] + [TileKind.COMPUTE] * 4
    assert d.is_valid_tile(d.columns - 1, 5)
    assert not d.is_valid_tile(d.columns, 2)
    assert not d.is_valid_tile(0, 6)
    assert not d.is_valid_tile(-1, 0)


@pytest.mark.parametrize("name", ["npu1", "npu2"])
def test_tile_resources(name):
    d = devices.DEVICES[name]
    # DESIGN.md / AM020: data and program memory, DMA channels, BDs, locks, dims
    assert d.compute.data_memory_bytes == 64 * KIB
    assert d.compute.program_memory_bytes == 16 * KIB
    assert d.memtile.data_memory_bytes == 512 * KIB
    assert d.shim.data_memory_bytes == 0
    channels = {k: (d.facts(k).dma_s2mm_channels, d.facts(k).dma_mm2s_channels) for k in TileKind}
    assert channels == {TileKind.COMPUTE: (2, 2), TileKind.MEMTILE: (6, 6), TileKind.SHIM: (2, 2)}
    bds = {k: d.facts(k).buffer_descriptors for k in TileKind}
    assert bds == {TileKind.COMPUTE: 16, TileKind.MEMTILE: 48, TileKind.SHIM: 16}
    locks = {k: d.facts(k).locks for k in TileKind}
    assert locks == {TileKind.COMPUTE: 16, TileKind.MEMTILE: 64, TileKind.SHIM: 16}
    dims = {k: d.facts(k).dma_dimensions for k in TileKind}
    assert dims == {TileKind.COMPUTE: 3, TileKind.MEMTILE: 4, TileKind.SHIM: 3}


def test_memtile_row_totals_match_the_driver_docs():
    # Linux amdxdna docs: Strix Point NPU has 4096 KB of L2 (8 memtiles x 512 KB)
    d = devices.DEVICES["npu2"]
    assert d.columns * d.memtile.data_memory_bytes == 4096 * KIB


def test_dma_memcpy_nd_limits():
    limits = devices.DEVICES["npu1"].memcpy_nd
    # 4 entries per list; 10-bit wraps, 6-bit iteration (1-64), 20-bit steps
    assert limits.entries == 4
    assert limits.word_bits == 32
    assert (limits.max_size_d0, limits.max_size_d1) == (1023, 1023)
    assert limits.max_repeat == 64
    assert limits.max_stride == 1_048_576


def test_macs_per_cycle():
    aie_ml = devices.DEVICES["npu1"].macs_per_cycle
    # AM020 summary: INT8 512, INT16 128, bf16 256 operations/tile/cycle; a MAC is 2
    assert (aie_ml["i8"], aie_ml["i16"], aie_ml["bf16"]) == (256, 64, 128)
    assert devices.DEVICES["npu2"].macs_per_cycle["i8"] == 512
    # partial-column variants share their family's core
    assert devices.DEVICES["npu1_2col"].macs_per_cycle == aie_ml
    assert devices.DEVICES["npu2_5col"].macs_per_cycle["i8"] == 512


def test_peak_throughput():
    npu1 = devices.DEVICES["npu1"]
    # 16 cores x 256 int8 MACs x 2 ops x 1.6 GHz
    assert npu1.peak_ops_per_second("i8") == pytest.approx(16 * 256 * 2 * 1.6e9)
    npu2 = devices.DEVICES["npu2"]
    # 32 cores x 512 int8 MACs x 2 ops x 1.8 GHz: about 59 TOPS (marketed "50 TOPS")
    assert npu2.peak_ops_per_second("i8") == pytest.approx(32 * 512 * 2 * 1.8e9)
    assert 50e12 <= npu2.peak_ops_per_second("i8") <= 60e12
    one_col = devices.DEVICES["npu1_1col"]
    assert one_col.peak_ops_per_second("bf16") == pytest.approx(4 * 128 * 2 * 1.6e9)
    with pytest.raises(KeyError, match="no peak MAC figure for i32 on npu2"):
        npu2.peak_ops_per_second("i32")


def test_devices_module_imports_nothing_of_ours():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(devices))
    imported = [
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    assert not [m for m in imported if m and m.startswith("dato_xdsl")]
