"""Module-level numpy arrays and numbers used in kernels (Allo's tables and
weights): each checked against numpy on the simulator, the virtual NPU (aie)
and the g++ C simulation (hls)."""

import ml_dtypes
import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import float32, int32

TARGETS = ["simulator", "aie", "hls"]
S, R = dato.Layout.Shard, dato.Layout.Replicate

TABLE = np.array([[0, 1, 2, 3], [4, 5, 6, 7]])  # numpy's default int64
np_W = np.arange(12, dtype=np.float32).reshape(3, 4) / 4
SCALE = np.int32(3)
OFFSETS = np.array([-5, 9], dtype=np.int16)


def run(top, target, tmp_path, *arrays):
    options = {} if target == "simulator" else {"project": tmp_path / target}
    dato.build(top, target=target, **options)(*arrays)


def table_by_pid():
    @dato.region()
    def top(A: int32[2, 4]):
        @dato.kernel(mapping=[2], args=[A])
        def k(a: int32[2, 4] @ [S(0), R]):
            pi = dato.get_pid()
            c: int32[4] = TABLE[pi]
            a[0, :] = c * SCALE + TABLE[1 - pi, 2] + OFFSETS[pi]

    return top


@pytest.mark.parametrize("target", TARGETS)
def test_a_global_table_indexed_by_pid(target, tmp_path):
    A = np.zeros((2, 4), np.int32)
    run(table_by_pid(), target, tmp_path, A)
    expected = TABLE * 3 + TABLE[::-1, 2:3] + OFFSETS[:, None]
    np.testing.assert_array_equal(A, expected)


def weights():
    @dato.region()
    def top(X: float32[2, 3], B: float32[2, 4]):
        @dato.kernel(mapping=[1], args=[X, B])
        def m(x: float32[2, 3], b: float32[2, 4]):
            W: float32[3, 4] = np_W
            b[:, :] = dato.matmul(x, W)

    return top


@pytest.mark.parametrize("target", TARGETS)
def test_global_weights_copied_into_a_local_array(target, tmp_path):
    X = np.arange(6, dtype=np.float32).reshape(2, 3) - 2
    B = np.zeros((2, 4), np.float32)
    run(weights(), target, tmp_path, X, B)
    np.testing.assert_allclose(B, X @ np_W, rtol=1e-6)


def table_in_meta_for():
    @dato.region()
    def top(A: int32[4]):
        @dato.kernel(mapping=[1], args=[A])
        def k(a: int32[4]):
            with dato.meta_for(4) as i:
                a[i] = TABLE[1, i] * 10 + TABLE[0, 3 - i]

    return top


@pytest.mark.parametrize("target", TARGETS)
def test_a_global_table_indexed_by_a_meta_for_variable(target, tmp_path):
    A = np.zeros(4, np.int32)
    run(table_in_meta_for(), target, tmp_path, A)
    np.testing.assert_array_equal(A, TABLE[1] * 10 + TABLE[0, ::-1])


def test_a_constant_array_cannot_be_written():
    @dato.region()
    def top(A: int32[4]):
        @dato.kernel(mapping=[1], args=[A])
        def k(a: int32[4]):
            TABLE[0, 0] = 1
            a[0] = 1

    with pytest.raises(dato.DatoCompileError) as err:
        dato.build(top)
    assert "TABLE is a constant array and cannot be written" in str(err.value)
    assert f"{__file__}:" in str(err.value)


BIG = np.zeros((1 << 20) + 1, np.int32)


def test_a_too_large_table_is_refused_by_name():
    @dato.region()
    def top(A: int32[4]):
        @dato.kernel(mapping=[1], args=[A])
        def k(a: int32[4]):
            a[0] = BIG[3]

    with pytest.raises(dato.DatoCompileError) as err:
        dato.build(top)
    assert "1048577 elements" in str(err.value) and "region argument" in str(err.value)


# values, not a formula the C++ could fold
ROM = (np.arange(128, dtype=np.int64) * 7919) % 1000 - 500
THIRDS = (np.arange(6, dtype=np.float32) / 3).reshape(2, 3)  # not exact in a short decimal


def rom_lookup():
    @dato.region()
    def top(Idx: int32[16], Out: int32[16], F: float32[2, 3]):
        @dato.kernel(mapping=[1], args=[Idx, Out, F])
        def k(idx: int32[16], out: int32[16], f: float32[2, 3]):
            for n in range(16):
                out[n] = ROM[idx[n]]
            f[:, :] = THIRDS

    return top


@pytest.mark.parametrize("target", TARGETS)
def test_a_table_indexed_at_run_time_is_constant_data(target, tmp_path):
    idx = np.array([0, 127, 5, 64, 7, 7, 100, 99, 3, 2, 1, 0, 120, 32, 16, 80], np.int32)
    out = np.zeros(16, np.int32)
    F = np.zeros((2, 3), np.float32)
    options = {} if target == "simulator" else {"project": tmp_path / target}
    mod = dato.build(rom_lookup(), target=target, **options)
    mod(idx, out, F)
    np.testing.assert_array_equal(out, ROM[idx])
    np.testing.assert_array_equal(F, THIRDS)  # bit for bit
    ir = str(mod.module)
    assert ir.count("dato.constant = dense<") == 2  # the values, recorded once per table
    if target == "aie":
        # the tables are aie.buffers initialised with the design, no stores fill them
        buffers = [line for line in str(mod.ir).splitlines() if "aie.buffer(" in line]
        assert sum(" = dense<" in line for line in buffers) == 2
    if target == "hls":
        # the tables are memref.global constants, read with memref.get_global;
        # the C++ holds them as static const arrays (ROMs), with no fill stores
        lowered = str(mod.ir)
        assert lowered.count('memref.global "private" constant @') == 2
        assert lowered.count("memref.get_global @") == 2
        cpp = (mod.project / "kernel.cpp").read_text()
        assert "static const int32_t table[128] = {(int32_t)(-500), (int32_t)419," in cpp
        assert "static const float table_1[2][3] = {{0.0f, 0.3333333432674408f, " in cpp
        # 128 x 32 bits, over LUTRAM's 1024 bits: one BRAM36 (36 x 1024) per instance
        (rom,) = [m for m in mod.report().resources.memories if m.elements == 128]
        assert (rom.storage, rom.bram36()) == ("bram", 1)


ROM_1K = (np.arange(1024, dtype=np.int64) * 7919) % 1000 - 500


def test_a_1024_entry_table_fits_an_npu_core_as_initialised_data(tmp_path):
    """Filled by 1024 stores the core's code needed ~50 KB of its 16 KiB program
    memory and the design was refused; as an initialised buffer it is data."""

    @dato.region()
    def top(Idx: int32[16], Out: int32[16]):
        @dato.kernel(mapping=[1], args=[Idx, Out])
        def k(idx: int32[16], out: int32[16]):
            for n in range(16):
                out[n] = ROM_1K[idx[n]]

    idx = np.arange(16, dtype=np.int32) * 60 + 7
    out = np.zeros(16, np.int32)
    dato.build(top, target="aie", project=tmp_path / "aie")(idx, out)
    np.testing.assert_array_equal(out, ROM_1K[idx])


MASK = np.array([True, False, True, True])
BF_TABLE = np.array([1.5, -2.25, 3.0, 0.125], dtype=ml_dtypes.bfloat16)


@pytest.mark.parametrize("target", TARGETS)
def test_bool_and_bfloat16_tables(target, tmp_path):
    @dato.region()
    def top(A: int32[4], B: float32[4]):
        @dato.kernel(mapping=[1], args=[A, B])
        def k(a: int32[4], b: float32[4]):
            for i in range(4):
                if MASK[i]:
                    a[i] = 7
                b[i] = float32(BF_TABLE[i]) * 2.0

    A, B = np.zeros(4, np.int32), np.zeros(4, np.float32)
    run(top, target, tmp_path, A, B)
    np.testing.assert_array_equal(A, np.where(MASK, 7, 0))
    np.testing.assert_array_equal(B, BF_TABLE.astype(np.float32) * 2)
