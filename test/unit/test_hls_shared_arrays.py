"""Several instances updating one unsharded array (issue 16 item 9).

The simulator shares the host's arrays: instances that use no stream run whole,
one after another, in instance order, so each sees what the ones before it
wrote. The HLS design chains such instances (the part of the array they share
goes through a split before and a merge after each of them, in that order),
so its C simulation gives the simulator's result: checked here against numpy
computing the same updates in instance order, in both C simulation modes.
Instances that share an array and use streams are refused on hls (the
simulator may switch instances at a stream, an order the FPGA cannot follow)."""

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Stream, float32, int32

TARGETS = ["simulator", "hls"]
RUNS = [("simulator", "concurrent"), ("hls", "concurrent"), ("hls", "sequential")]
"""(target, C simulation mode): the simulator has one mode"""


def accumulate_whole():
    """Every instance adds its row of A, scaled by pid + 1, into all of C."""

    @dato.region()
    def top(A: int32[4, 8], C: int32[8]):
        @dato.kernel(mapping=[4], args=[A, C])
        def k(a: int32[4, 8], c: int32[8]):
            i = dato.get_pid()
            for j in range(8):
                c[j] = c[j] + a[i, j] * (i + 1)

    return top


def accumulate_slices():
    """`c[:] += a[i, :]` as whole-view array ops."""

    @dato.region()
    def top(A: int32[4, 8], C: int32[8]):
        @dato.kernel(mapping=[4], args=[A, C])
        def k(a: int32[4, 8], c: int32[8]):
            i = dato.get_pid()
            c[:] = c[:] + a[i, :]

    return top


def overlapping_float():
    """Instance p updates c[2p:2p+4] (overlapping its neighbours') in float:
    the result depends on the order of the updates."""

    @dato.region()
    def top(A: float32[8], C: float32[10]):
        @dato.kernel(mapping=[3], args=[A, C])
        def k(a: float32[8], c: float32[10]):
            p = dato.get_pid()
            for j in range(4):
                c[p * 2 + j] = c[p * 2 + j] * 0.5 + a[p * 2 + j]

    return top


def overlapping_float_reference(A: np.ndarray, C: np.ndarray) -> np.ndarray:
    out = C.copy()
    for p in range(3):
        for j in range(4):
            out[p * 2 + j] = np.float32(out[p * 2 + j] * np.float32(0.5)) + A[p * 2 + j]
    return out


def diagonal_blocks_and_a_corner():
    """Two instances of `corner` update C[2, 0] in turn; two of `blk` update
    overlapping 2x2 blocks on the diagonal of C, whose bounding box (all of C)
    holds the corner, which neither block touches. Two chains: the second's
    part of C covers the first's, and must not write its old value back."""

    @dato.region()
    def top(A: int32[3, 3], C: int32[3, 3]):
        @dato.kernel(mapping=[2], args=[C])
        def corner(c: int32[3, 3]):
            p = dato.get_pid()
            c[2, 0] = c[2, 0] * 3 + p + 1

        @dato.kernel(mapping=[2], args=[A, C])
        def blk(a: int32[3, 3], c: int32[3, 3]):
            p = dato.get_pid()
            for i in range(2):
                for j in range(2):
                    c[p + i, p + j] = c[p + i, p + j] * 2 + a[p + i, p + j]

    return top


def diagonal_reference(A: np.ndarray, C: np.ndarray) -> np.ndarray:
    out = C.copy()
    for p in range(2):
        out[2, 0] = out[2, 0] * 3 + p + 1
    for p in range(2):
        out[p : p + 2, p : p + 2] = out[p : p + 2, p : p + 2] * 2 + A[p : p + 2, p : p + 2]
    return out


def write_then_read():
    """w writes B whole, then r (a later task, read-only on B) reads it: the
    simulator runs w first; r's slice of B comes from the chain into its pipo."""

    @dato.region()
    def top(A: int32[4], B: int32[4], D: int32[4]):
        @dato.kernel(mapping=[1], args=[A, B])
        def w(a: int32[4], b: int32[4]):
            for i in range(4):
                b[i] = a[i] * 2

        @dato.kernel(mapping=[2], args=[B, D])
        def r(b: int32[4], d: int32[4]):
            p = dato.get_pid()
            for i in range(2):
                d[p * 2 + i] = b[p * 2 + i] + b[3 - p * 2 - i] * 10

    return top


def _build(program, target: str, tmp_path, mode: str = "concurrent"):
    if target == "simulator":
        return dato.build(program, target=target)
    mod = dato.build(program, target=target, project=tmp_path)
    mod.csim_mode = mode
    return mod


@pytest.mark.parametrize(("target", "mode"), RUNS)
def test_every_instance_accumulates_into_the_whole_array(target, mode, tmp_path):
    A = np.arange(32, dtype=np.int32).reshape(4, 8) - 7
    C = np.arange(8, dtype=np.int32) * 3
    expected = C + sum((i + 1) * A[i] for i in range(4))
    _build(accumulate_whole(), target, tmp_path, mode)(A, C)
    np.testing.assert_array_equal(C, expected)


@pytest.mark.parametrize("target", TARGETS)
def test_whole_view_array_ops_accumulate(target, tmp_path):
    A = np.arange(32, dtype=np.int32).reshape(4, 8) * 5 - 40
    C = np.full(8, 2, np.int32)
    expected = C + A.sum(axis=0)
    _build(accumulate_slices(), target, tmp_path)(A, C)
    np.testing.assert_array_equal(C, expected)


@pytest.mark.parametrize(("target", "mode"), RUNS)
def test_overlapping_float_updates_follow_the_instance_order(target, mode, tmp_path):
    A = (np.arange(8, dtype=np.float32) + np.float32(0.25)) * np.float32(1.1)
    C = np.linspace(-1, 3, 10).astype(np.float32)
    expected = overlapping_float_reference(A, C)
    _build(overlapping_float(), target, tmp_path, mode)(A, C)
    # bit for bit: the same float operations in the same order
    np.testing.assert_array_equal(C, expected)


@pytest.mark.parametrize("target", TARGETS)
def test_a_write_inside_the_chains_bounding_box_survives(target, tmp_path):
    A = np.arange(9, dtype=np.int32).reshape(3, 3) + 1
    C = np.arange(9, dtype=np.int32).reshape(3, 3) * 10
    expected = diagonal_reference(A, C)
    _build(diagonal_blocks_and_a_corner(), target, tmp_path)(A, C)
    np.testing.assert_array_equal(C, expected)


@pytest.mark.parametrize(("target", "mode"), RUNS)
def test_a_reader_task_sees_a_writer_tasks_array(target, mode, tmp_path):
    A = np.array([3, -1, 7, 5], dtype=np.int32)
    B = np.zeros(4, np.int32)
    D = np.zeros(4, np.int32)
    _build(write_then_read(), target, tmp_path, mode)(A, B, D)
    np.testing.assert_array_equal(B, A * 2)
    np.testing.assert_array_equal(D, A * 2 + (A * 2)[::-1] * 10)


def hls_chain_processes(tmp_path) -> str:
    dato.build(overlapping_float(), target="hls", project=tmp_path)
    return (tmp_path / "kernel.cpp").read_text()


def test_chain_stages_are_shared_functions_in_the_simulators_order(tmp_path):
    cpp = hls_chain_processes(tmp_path)
    calls = [
        line.split('"')[1] for line in cpp.splitlines() if line.lstrip().startswith("DATO_PROCESS")
    ]
    # each member after the split that gives it C and before the merge that takes it back
    order = [c for c in calls if c.startswith("k_") and not c.endswith("_fill")]
    assert order == [
        "k_0_split", "k_0", "k_0_merge",
        "k_1_split", "k_1", "k_1_merge",
        "k_2_split", "k_2", "k_2_merge",
    ]  # fmt: skip
    # one merge function serves all three members, its slice origin a literal
    assert cpp.count("static void chain_merge(") == 1
    assert "chain_merge, 2," in cpp and "chain_merge, 4," in cpp


def shared_with_a_stream():
    """Like accumulate_whole, but each instance also takes a value from a
    stream: the simulator may switch instances there."""

    @dato.region()
    def top(A: int32[2, 4], C: int32[4]):
        s: Stream[int32, 2][2]

        @dato.kernel(mapping=[2], args=[A])
        def src(a: int32[2, 4]):
            i = dato.get_pid()
            s[i].put(a[i, 0])  # noqa: F821 (a stream, declared by annotation)

        @dato.kernel(mapping=[2], args=[C])
        def acc(c: int32[4]):
            i = dato.get_pid()
            v = s[i].get()  # noqa: F821
            for j in range(4):
                c[j] = c[j] + v

    return top


def test_instances_sharing_an_array_with_streams_are_refused(tmp_path):
    A = np.arange(8, dtype=np.int32).reshape(2, 4)
    C = np.zeros(4, np.int32)
    dato.build(shared_with_a_stream())(A, C)
    np.testing.assert_array_equal(C, np.full(4, A[0, 0] + A[1, 0]))
    with pytest.raises(dato.DatoIRError) as info:
        dato.build(shared_with_a_stream(), target="hls", project=tmp_path)
    message = str(info.value)
    assert "acc_0 writes C and acc_1 reads it" in message
    assert "none uses a stream, and acc_0 does" in message
    assert "test_hls_shared_arrays.py:" in message


def test_the_estimate_runs_a_chain_stage_after_stage(tmp_path):
    """Each split and merge takes the whole shared part before sending it on,
    so one invocation lasts at least all of them one after another."""
    est = dato.build(overlapping_float(), target="hls", project=tmp_path).report()
    stages = [p for p in est.processes if p.kind in ("split", "merge")]
    assert [p.instance for p in stages] == [
        "k_0_split", "k_0_merge", "k_1_split", "k_1_merge", "k_2_split", "k_2_merge",
    ]  # fmt: skip
    assert est.latency >= sum(p.latency for p in stages)
