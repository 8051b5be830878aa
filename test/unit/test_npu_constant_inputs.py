"""dato-npu-constant-inputs: constant tables too big for a compute tile are
supplied by the host as more buffers of the design, so the task maps. Each
program here was refused before (its tables over a tile's 63 KiB): a 96 KiB
int32 table read row after row streams to its core by rows and equals numpy
bit for bit on the virtual NPU; read column after column it goes transposed;
int8 rows of 250 bytes go padded to whole words; of two 40 KiB tables one
goes; a 128 KiB float32 weight matrix (Allo's test_mlp layer) equals numpy
within float32 rounding, a bf16 table the simulator bit for bit. Small
tables stay in the tile; the user's call and the project's run.py take the
user's arrays only."""

import runpy

import ml_dtypes
import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import bfloat16, float32, int8, int32, universe
from dato_xdsl.dialects import aie
from dato_xdsl.targets.aie.host_layout import Layout, from_buffers, to_buffers
from dato_xdsl.targets.aie.target import AieTarget
from dato_xdsl.targets.base import Step
from dato_xdsl.transforms import npu_constant_inputs
from dato_xdsl.transforms.npu_constant_inputs import (
    CONSTANT_VALUES,
    NpuConstantInputsPass,
    read_constant_values,
)
from test.unit.programs.constant_table_programs import row_sums, row_sums_reference
from test.unit.test_npu_host_runner import run_both

PASS = "dato-npu-constant-inputs"


@pytest.fixture(autouse=True)
def pipeline(monkeypatch):
    """The aie pipeline with the pass after dato-table-copy-elision. The pass is
    registered in dato_xdsl/universe.py and listed in AieTarget.steps by their
    owners; until then this adds both for the test (a no-op once they are)."""
    if PASS not in universe.PASSES:
        monkeypatch.setitem(universe.PASSES, PASS, lambda: NpuConstantInputsPass)
    names = [s.name for s in AieTarget.steps]
    if PASS not in names:
        at = names.index("dato-table-copy-elision") + 1
        steps = (*AieTarget.steps[:at], Step(PASS, ("device",)), *AieTarget.steps[at:])
        monkeypatch.setattr(AieTarget, "steps", steps)


R, C = 192, 128  # an int32 table of 96 KiB
TABLE = ((np.arange(R * C, dtype=np.int64) * 7919) % 201 - 100).reshape(R, C).astype(np.int32)


def _sequence_types(mod) -> list[list[int]]:
    seq = next(op for op in mod.aie.walk() if isinstance(op, aie.RuntimeSequenceOp))
    return [list(a.type.get_shape()) for a in seq.body.block.args]


def test_a_96_kib_table_streams_from_the_host_by_rows_and_equals_numpy():
    X = np.random.default_rng(1).integers(-50, 50, (R, 4)).astype(np.int32)
    Y = np.zeros(4, np.int32)
    mod = dato.build(row_sums(TABLE, int32, 4), target="aie")
    mod(X, Y)  # the user's two arrays: the table is the compiler's
    np.testing.assert_array_equal(Y, row_sums_reference(X, TABLE))
    # the table is the runtime sequence's third buffer, its values the module's
    assert _sequence_types(mod) == [[R, 4], [4], [R, C]]
    (values,) = read_constant_values(mod.aie).values()
    np.testing.assert_array_equal(np.array(values.get_values()).reshape(R, C), TABLE)
    # the core holds two 512-byte rows of it, not 96 KiB
    buffers = [op for op in mod.aie.walk() if isinstance(op, aie.BufferOp)]
    assert sum(aie.memref_bytes(b.buffer.type) for b in buffers) < 8 * 1024


def column_sums():
    """Reads the table column after column, column j in iteration j of the
    top-level loop, into sums no cut across cores can split."""

    @dato.region()
    def top(X: int32[C, 2], Y: int32[2]):
        @dato.kernel(mapping=[1], args=[X, Y])
        def layer(x: int32[C, 2], y: int32[2]):
            T: int32[R, C] = TABLE
            acc: int32[2] = 0
            for j in range(C):
                for i in range(2):
                    v: int32 = x[j, i]
                    for k in range(R):
                        acc[i] += v * T[k, j]
            y[:] = acc

    return top


def test_a_table_read_by_columns_goes_to_the_host_transposed_and_equals_numpy(monkeypatch):
    X = np.random.default_rng(2).integers(-50, 50, (C, 2)).astype(np.int32)
    Y = np.zeros(2, np.int32)
    mod = dato.build(column_sums(), target="aie")
    mod(X, Y)
    np.testing.assert_array_equal(Y, row_sums_reference(X, TABLE.T))  # column sums
    assert _sequence_types(mod) == [[C, 2], [2], [C, R]]  # the transpose
    (values,) = read_constant_values(mod.aie).values()
    np.testing.assert_array_equal(np.array(values.get_values()).reshape(C, R), TABLE.T)
    # held as written, the task reads whole columns: the table must sit in the tile
    monkeypatch.setattr(npu_constant_inputs, "column_order", lambda alloc, body: False)
    with pytest.raises(dato.DatoError, match=r"96 KiB for argument 2"):
        dato.build(column_sums(), target="aie")


HALF = np.arange(80 * 128, dtype=np.int32).reshape(80, 128) % 37 - 18  # 40 KiB
OTHER = HALF.T.copy().reshape(80, 128)


def two_tables():
    """Two 40 KiB tables: either fits a tile, both do not."""

    @dato.region()
    def top(X: int32[80, 4], Y: int32[4]):
        @dato.kernel(mapping=[1], args=[X, Y])
        def layer(x: int32[80, 4], y: int32[4]):
            A: int32[80, 128] = HALF
            B: int32[80, 128] = OTHER
            acc: int32[4] = 0
            for k in range(80):
                for i in range(4):
                    v: int32 = x[k, i]
                    for j in range(128):
                        acc[i] += v * (A[k, j] - B[k, j])
            y[:] = acc

    return top


def test_of_two_tables_that_do_not_fit_together_one_goes_to_the_host(monkeypatch):
    X = np.random.default_rng(8).integers(-50, 50, (80, 4)).astype(np.int32)
    Y = np.zeros(4, np.int32)
    mod = dato.build(two_tables(), target="aie")
    mod(X, Y)
    np.testing.assert_array_equal(Y, row_sums_reference(X, HALF.astype(np.int64) - OTHER))
    assert _sequence_types(mod) == [[80, 4], [4], [80, 128]]  # one table, A
    initialised = [op for op in mod.aie.walk() if isinstance(op, aie.BufferOp) and op.initial_value]
    assert len(initialised) == 1  # B, in the core's tile
    # with both in the tile: 80 KiB
    steps = tuple(s for s in AieTarget.steps if s.name != PASS)
    monkeypatch.setattr(AieTarget, "steps", steps)
    with pytest.raises(dato.DatoError, match=r"needs 80\.\d+ KiB"):
        dato.build(two_tables(), target="aie")


R8, C8 = 300, 250  # int8 rows of 250 bytes: not whole 32-bit words
BYTES = ((np.arange(R8 * C8, dtype=np.int64) * 31) % 255 - 127).reshape(R8, C8).astype(np.int8)


def test_int8_rows_not_whole_words_go_to_the_host_padded_and_equal_numpy(monkeypatch):
    X = np.random.default_rng(7).integers(-50, 50, (R8, 2)).astype(np.int32)
    Y = np.zeros(2, np.int32)
    mod = dato.build(row_sums(BYTES, int8, 2), target="aie")
    mod(X, Y)
    np.testing.assert_array_equal(Y, row_sums_reference(X, BYTES))
    assert _sequence_types(mod) == [[R8, 2], [2], [R8, 252]]
    # unpadded, its rows cannot stream: refused as before
    monkeypatch.setattr(npu_constant_inputs, "word_rows", lambda alloc, t: None)
    with pytest.raises(dato.DatoError, match=r"layer_0\) needs \d+\.\d+ KiB"):
        dato.build(row_sums(BYTES, int8, 2), target="aie")


def test_without_the_pass_the_table_is_refused_for_the_tile(monkeypatch):
    steps = tuple(s for s in AieTarget.steps if s.name != PASS)
    monkeypatch.setattr(AieTarget, "steps", steps)
    with pytest.raises(dato.DatoError, match=r"layer_0\) needs 96\.\d+ KiB .* it has 63 KiB"):
        dato.build(row_sums(TABLE, int32, 4), target="aie")


M0, M1 = 256, 128  # float32: 128 KiB
WEIGHTS = np.random.default_rng(3).random((M0, M1)).astype(np.float32)


def linear():
    """Allo's test_mlp first layer (ReLU left out)."""

    @dato.region()
    def top(X: float32[2, M0], Y: float32[2, M1]):
        @dato.kernel(mapping=[1], args=[X, Y])
        def linear1(x: float32[2, M0], y: float32[2, M1]):
            W0: float32[M0, M1] = WEIGHTS
            buf: float32[M1] = 0
            for i in range(2):
                for j0 in range(M1):
                    buf[j0] = 0
                for k in range(M0):
                    v: float32 = x[i, k]
                    for j in range(M1):
                        buf[j] += v * W0[k, j]
                for j1 in range(M1):
                    y[i, j1] = buf[j1]

    return top


def test_a_128_kib_float_weight_matrix_maps_and_equals_numpy():
    X = np.random.default_rng(4).random((2, M0)).astype(np.float32)
    Y = np.zeros((2, M1), np.float32)
    dato.build(linear(), target="aie")(X, Y)
    np.testing.assert_allclose(Y, X @ WEIGHTS, rtol=1e-5)


RB, CB = 256, 130  # bf16: 65 KiB
BF_TABLE = (np.random.default_rng(9).random((RB, CB)) - 0.5).astype(ml_dtypes.bfloat16)


def bf16_rows():
    @dato.region()
    def top(X: bfloat16[RB, 2], Y: float32[2]):
        @dato.kernel(mapping=[1], args=[X, Y])
        def layer(x: bfloat16[RB, 2], y: float32[2]):
            W: bfloat16[RB, CB] = BF_TABLE
            acc: float32[2] = 0
            for k in range(RB):
                for i in range(2):
                    v: float32 = x[k, i]
                    for j in range(CB):
                        w: float32 = W[k, j]
                        acc[i] += v * w
            y[:] = acc

    return top


def test_a_bf16_table_goes_to_the_host_and_equals_the_simulator():
    X = (np.random.default_rng(10).random((RB, 2)) - 0.5).astype(ml_dtypes.bfloat16)
    on_sim, on_npu = np.zeros(2, np.float32), np.zeros(2, np.float32)
    dato.build(bf16_rows())(X, on_sim)
    mod = dato.build(bf16_rows(), target="aie")
    mod(X, on_npu)
    assert on_npu.tobytes() == on_sim.tobytes()  # the same f32 sums in the same order
    expected = X.astype(np.float32).T @ BF_TABLE.astype(np.float32).sum(axis=1)
    np.testing.assert_allclose(on_npu, expected, rtol=1e-4)
    assert _sequence_types(mod) == [[RB, 2], [2], [RB, CB]]


SMALL = np.arange(16 * 16, dtype=np.int32).reshape(16, 16) % 13 - 6


def small():
    @dato.region()
    def top(X: int32[4, 16], Y: int32[4, 16]):
        @dato.kernel(mapping=[1], args=[X, Y])
        def layer(x: int32[4, 16], y: int32[4, 16]):
            T: int32[16, 16] = SMALL
            y[:, :] = dato.matmul(x, T)

    return top


def test_a_small_table_stays_in_the_tile():
    X = np.random.default_rng(5).integers(-9, 10, (4, 16)).astype(np.int32)
    Y = np.zeros((4, 16), np.int32)
    mod = dato.build(small(), target="aie")
    mod(X, Y)
    np.testing.assert_array_equal(Y, X @ SMALL)
    assert CONSTANT_VALUES not in mod.aie.attributes
    assert _sequence_types(mod) == [[4, 16], [4, 16]]
    initialised = [op for op in mod.aie.walk() if isinstance(op, aie.BufferOp) and op.initial_value]
    assert len(initialised) == 1  # the table, in the core's tile


def test_run_py_takes_the_users_arrays_and_feeds_the_table(tmp_path, monkeypatch):
    """run.py (XRT replaced by a recorder) takes X and Y only, loads the table
    from constant0.npy beside it and binds it as bo2, writing the bytes the
    virtual NPU run fed the design; aie.mlir does not carry the values."""
    mod = dato.build(row_sums(TABLE, int32, 4), target="aie", project=tmp_path)
    assert "dato.constant_values" not in (tmp_path / "aie.mlir").read_text()
    script = runpy.run_path(str(tmp_path / "run.py"), run_name="not_main")
    assert script["ARGS"] == ["X", "Y"]
    X = np.random.default_rng(6).integers(-50, 50, (R, 4)).astype(np.int32)
    outputs, xrt = run_both(mod, tmp_path, [X, np.zeros(4, np.int32)], monkeypatch)
    assert len(xrt.written) == 3 and xrt.written[2] == TABLE.tobytes()
    expected = row_sums_reference(X, TABLE)
    np.testing.assert_array_equal(outputs[1], expected)  # the virtual NPU run
    np.testing.assert_array_equal(np.load(tmp_path / "a1.npy"), expected)  # run.py


def test_host_layout_packs_the_tables_after_the_users_arrays():
    # one int32 buffer: user arrays 0 (2 values) and 1 (3), then table 2 (4)
    layout = Layout(
        padding={},
        packing=[[(0, 0), (1, 2), (2, 5)]],
        sizes=[9],
        words={},
        constants=[np.array([[7, 8], [9, 10]], np.int32)],
    )
    a, b = np.array([1, 2], np.int32), np.array([3, 4, 5], np.int32)
    (buffer,) = to_buffers(layout, [a, b])
    assert buffer.tolist() == [1, 2, 3, 4, 5, 7, 8, 9, 10]
    buffer[:5] = [-1, -2, -3, -4, -5]
    buffer[5:] = 0  # the run never writes a table; reading back leaves it alone
    from_buffers(layout, [buffer], [a, b])
    assert a.tolist() == [-1, -2] and b.tolist() == [-3, -4, -5]
    assert layout["constants"][0].tolist() == [[7, 8], [9, 10]]
