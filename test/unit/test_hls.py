"""The FPGA path: every frontend test program through convert-dato-to-vhls, the
C++ emitter and a g++ C simulation, checked against numpy; the sequential
mode's divergence on a cycle; deadlock reports; lint errors; golden text of
key emitted constructs; the estimate's arithmetic."""

import re
import subprocess
import time

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl.targets.hls.estimate import estimate
from test.unit.programs import dato_programs as progs
from test.unit.test_programs import (
    ALL_TYPES,
    check_close,
    full_range,
    rand,
    ref_elementwise,
    ref_matmul,
)


def hls(program, tmp_path, name="p"):
    return dato.build(program, target="hls", project=tmp_path / name)


@pytest.mark.parametrize("T", ALL_TYPES, ids=str)
def test_producer_consumer(T, tmp_path):
    N = 16
    mod = hls(progs.producer_consumer(T, N), tmp_path)
    a = full_range(T, N)
    b = np.zeros(N, dtype=T.numpy)
    mod(a, b)
    check_close(b, ref_elementwise(lambda x: (x + 1) * 2, T, a), T)


@pytest.mark.parametrize("T", ALL_TYPES, ids=str)
def test_tiled_gemm(T, tmp_path):
    M, N, K = 16, 8, 24  # non-square: swapped dimensions or strides show
    mod = hls(progs.tiled_gemm(T, M, N, K), tmp_path)
    A, B = full_range(T, (M, K)), full_range(T, (K, N))
    C = np.zeros((M, N), dtype=T.numpy)
    mod(A, B, C)
    check_close(C, ref_matmul(A, B, T), T)


def test_int8_gemm_wraps_like_numpy(tmp_path):
    M = N = K = 8
    mod = hls(progs.tiled_gemm(dato.int8, M, N, K), tmp_path)
    rng = np.random.default_rng(7)
    A = rng.integers(-100, 100, size=(M, K)).astype(np.int8)
    B = rng.integers(-100, 100, size=(K, N)).astype(np.int8)
    C = np.zeros((M, N), dtype=np.int8)
    mod(A, B, C)
    np.testing.assert_array_equal(C, (A.astype(np.int64) @ B.astype(np.int64)).astype(np.int8))


@pytest.mark.parametrize("T", ALL_TYPES, ids=str)
def test_systolic_2d(T, tmp_path):
    M, N, K = 4, 3, 6
    mod = hls(progs.systolic_2d(T, M, N, K), tmp_path)
    A, B = full_range(T, (M, K)), full_range(T, (K, N))
    C = np.zeros((M, N), dtype=T.numpy)
    mod(A, B, C)
    check_close(C, ref_matmul(A, B, T), T)


@pytest.mark.parametrize("T", [dato.int16, dato.float32], ids=str)
def test_systolic_1d(T, tmp_path):
    M, N, K = 3, 4, 5
    mod = hls(progs.systolic_1d(T, M, N, K), tmp_path)
    A, B = full_range(T, (M, K)), full_range(T, (K, N))
    C = np.zeros((M, N), dtype=T.numpy)
    mod(A, B, C)
    check_close(C, ref_matmul(A, B, T), T)


@pytest.mark.parametrize("T", [dato.int32, dato.float32, dato.bfloat16], ids=str)
def test_split_k_gemm(T, tmp_path):
    M, N, K, KS = 8, 4, 32, 4
    mod = hls(progs.split_k_gemm(T, M, N, K, KS), tmp_path)
    A, B = full_range(T, (M, K)), full_range(T, (K, N))
    C = np.zeros((M, N), dtype=T.numpy)
    mod(A, B, C)
    check_close(C, ref_matmul(A, B, T), T)


@pytest.mark.parametrize("T", [dato.int16, dato.float32], ids=str)
def test_ring_gemm_concurrent(T, tmp_path):
    M, N, K, P = 8, 16, 8, 4
    mod = hls(progs.ring_gemm(T, M, N, K, P), tmp_path)
    A, B = full_range(T, (M, K)), full_range(T, (K, N))
    C = np.zeros((M, N), dtype=T.numpy)
    mod(A, B, C)
    check_close(C, ref_matmul(A, B, T), T)


def test_ring_gemm_sequential_mode_diverges(tmp_path):
    """Vitis csim runs dataflow processes one after another: around the ring's
    cycle the first node reads a stream nobody has written yet."""
    mod = hls(progs.ring_gemm(dato.int16, 8, 16, 8, 4), tmp_path)
    mod.csim_mode = "sequential"
    A, B = rand(dato.int16, (8, 8)), rand(dato.int16, (8, 16))
    C = np.zeros((8, 16), dtype=np.int16)
    with pytest.raises(dato.DatoRuntimeError) as info:
        mod(A, B, C)
    message = str(info.value)
    assert "sequential" in message
    assert "node_0" in message and "ring_0" in message and "empty" in message


@pytest.mark.parametrize("T", [dato.int32, dato.float32], ids=str)
def test_scatter_gather(T, tmp_path):
    P, L = 4, 8
    mod = hls(progs.scatter_gather(T, P, L), tmp_path)
    A = full_range(T, (P, L))
    B = np.zeros((P, L), dtype=T.numpy)
    mod(A, B)
    check_close(B, ref_elementwise(lambda x: x * x + 1, T, A), T)


@pytest.mark.parametrize("T", [dato.float32, dato.bfloat16], ids=str)
def test_mlp3(T, tmp_path):
    Bt, D0, D1, D2, D3 = 4, 8, 16, 8, 4
    mod = hls(progs.mlp3(T, Bt, D0, D1, D2, D3), tmp_path)
    X = rand(T, (Bt, D0), -2, 3)
    W1, W2, W3 = rand(T, (D0, D1), -2, 3), rand(T, (D1, D2), -2, 3), rand(T, (D2, D3), -2, 3)
    Y = np.zeros((Bt, D3), dtype=T.numpy)
    mod(X, W1, W2, W3, Y)
    f = np.float32
    h1 = np.maximum(X.astype(f) @ W1.astype(f), 0).astype(T.numpy).astype(f)
    h2 = np.maximum(h1 @ W2.astype(f), 0).astype(T.numpy).astype(f)
    check_close(Y, (h2 @ W3.astype(f)).astype(T.numpy), T)


@pytest.mark.parametrize("T", ALL_TYPES, ids=str)
def test_elementwise_meta_for(T, tmp_path):
    P, L = 4, 8
    mod = hls(progs.elementwise_meta_for(T, P, L), tmp_path)
    A, B = full_range(T, (P, L)), full_range(T, (P, L))
    C = np.zeros((P, L), dtype=T.numpy)
    mod(A, B, C)
    check_close(C, ref_elementwise(np.add, T, A, B), T)


SEQUENTIAL_CASES = {
    # name: (program, arrays and numpy's answer for the last array)
    "producer_consumer": (
        lambda: progs.producer_consumer(dato.int32, 8),
        lambda: (lambda a: ([a, np.zeros(8, np.int32)], (a + 1) * 2))(
            rand(dato.int32, 8, -(2**20), 2**20)
        ),
    ),
    "systolic_2d": (
        lambda: progs.systolic_2d(dato.int32, 3, 2, 4),
        lambda: (lambda A, B: ([A, B, np.zeros((3, 2), np.int32)], ref_matmul(A, B, dato.int32)))(
            rand(dato.int32, (3, 4), -1000, 1000), rand(dato.int32, (4, 2), -1000, 1000)
        ),
    ),
    "split_k": (
        lambda: progs.split_k_gemm(dato.int32, 4, 2, 8, 2),
        lambda: (lambda A, B: ([A, B, np.zeros((4, 2), np.int32)], ref_matmul(A, B, dato.int32)))(
            rand(dato.int32, (4, 8), -1000, 1000), rand(dato.int32, (8, 2), -1000, 1000)
        ),
    ),
    "scatter_gather": (
        lambda: progs.scatter_gather(dato.int32, 2, 4),
        lambda: (lambda A: ([A, np.zeros((2, 4), np.int32)], A * A + 1))(
            rand(dato.int32, (2, 4), -1000, 1000)
        ),
    ),
}


@pytest.mark.parametrize("name", SEQUENTIAL_CASES)
def test_sequential_mode_runs_acyclic_programs(name, tmp_path):
    """Processes are called producers first, so Vitis-style sequential csim
    works; the answer is numpy's (not another executor's)."""
    program, data = SEQUENTIAL_CASES[name]
    mod = hls(program(), tmp_path)
    mod.csim_mode = "sequential"
    arrays, want = data()
    inputs = [a.copy() for a in arrays[:-1]]
    mod(*arrays)
    np.testing.assert_array_equal(arrays[-1], want)
    for got, before in zip(arrays[:-1], inputs, strict=True):
        np.testing.assert_array_equal(got, before)  # inputs are left as they were


def test_deadlock_is_reported_with_processes_and_streams(tmp_path):
    mod = hls(progs.deadlock(4), tmp_path)
    start = time.monotonic()
    with pytest.raises(dato.DatoRuntimeError) as info:
        mod(np.arange(4, dtype=np.int32), np.zeros(4, dtype=np.int32))
    assert time.monotonic() - start < 20
    message = str(info.value)
    for words in ("deadlock", "left_0", "right_0", "'pong' (empty)", "'ping' (empty)"):
        assert words in message


def test_mixed_type_rules(tmp_path):
    mod = hls(progs.mixed_types(), tmp_path)
    a = np.array([100, 100, -3, 5], dtype=np.int8)
    b = np.array([1000, -7, -7, 300], dtype=np.int16)
    u = np.array([200, 100, 0, 0], dtype=np.uint8)
    f = np.array([1.5, 2.25, 1.0, 0.75], dtype=np.float32)
    oi = np.zeros(8, dtype=np.int16)
    of = np.zeros(4, dtype=np.float32)
    mod(a, b, u, f, oi, of)
    np.testing.assert_array_equal(oi, [-56, -3000, -2, -1, 3, 200, 300, 1])
    assert of[0] == np.float32(1.5) * np.float32(2.25) + np.float32(100)
    assert of[1] == np.float32(1.0) / np.float32(3)
    assert of[2] == 1000.0 * 1000.0
    assert of[3] == -0.75


# ------------------------------------------------------------ emitted text


def test_project_files_and_golden_constructs(tmp_path):
    mod = hls(progs.systolic_2d(dato.int16, 2, 2, 3), tmp_path)
    d = mod.hls.directory
    for name in ("kernel.cpp", "tb.cpp", "dato_hls.h", "run_hls.tcl", "build_xclbin.sh"):
        assert (d / name).exists(), name
    for name in ("hls_stream.h", "hls_vector.h", "dato_csim.h"):
        assert (d / "csim" / "include" / name).exists(), name
    cpp = (d / "kernel.cpp").read_text()
    assert 'extern "C" void top(int16_t* A, int16_t* B, int16_t* C) {' in cpp
    assert "#pragma HLS interface mode=m_axi port=A bundle=gmem_A offset=slave depth=6" in cpp
    assert "#pragma HLS interface mode=s_axilite port=return bundle=control" in cpp
    assert "#pragma HLS dataflow" in cpp
    assert '  hls::stream<int16_t, 4> fifo_A_1_1("fifo_A_1_1");' in cpp
    assert "#pragma HLS stream variable=fifo_A_1_1 depth=4" in cpp
    assert "#pragma HLS pipeline II=1" in cpp
    assert "#pragma HLS inline off" in cpp
    # each PE instance is a call with its pid as literal arguments
    # (the process function, then its arguments: no lambda per call in csim)
    assert re.search(r'DATO_PROCESS\("gemm_1_1", gemm_g\d+, 1, 1, ', cpp)
    tcl = (d / "run_hls.tcl").read_text()
    assert "set_top top" in tcl and "csim_design" in tcl and "csynth_design" in tcl
    assert 'v++ -c -t "$target"' in (d / "build_xclbin.sh").read_text()


def test_block_streams_carry_hls_vectors(tmp_path):
    mod = hls(progs.split_k_gemm(dato.float32, 4, 4, 8, 2), tmp_path)
    cpp = (mod.hls.directory / "kernel.cpp").read_text()
    assert 'hls::stream<hls::vector<float, 16>, 2> partial_1("partial_1");' in cpp


def test_kernel_compiles_with_plain_wall_werror(tmp_path):
    """The kernel alone, with the stand-in headers and no csim define."""
    mod = hls(progs.systolic_1d(dato.bfloat16, 2, 3, 4), tmp_path)
    d = mod.hls.directory
    cmd = ["g++", "-std=c++17", "-Wall", "-Werror", "-Wno-unknown-pragmas", "-fsyntax-only"]
    done = subprocess.run(
        [*cmd, "-Icsim/include", "-I.", "kernel.cpp"], cwd=d, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


# --------------------------------------------------------------------- lint


def test_data_dependent_loop_bound_is_a_lint_error():
    from dato_xdsl import int32

    @dato.region()
    def top(A: int32[4], B: int32[4]):
        @dato.kernel(mapping=[1], args=[A, B])
        def k(a: int32[4], b: int32[4]):
            for i in range(a[0]):
                b[i] = 1

    dato.build(top)  # the simulator runs it
    with pytest.raises(dato.DatoIRError) as info:
        dato.build(top, target="hls")
    message = str(info.value)
    assert "an upper bound that is not static" in message
    assert "test_hls.py" in message  # located at the Python line of the loop


# ----------------------------------------------------------------- estimate


def test_estimate_of_a_pipelined_loop(tmp_path):
    """producer: one loop of 16 trips at II=1: (16 - 1) x 1 + depth."""
    mod = hls(progs.producer_consumer(dato.int32, 16), tmp_path)
    est = mod.report()
    producer = next(p for p in est.processes if p.instance == "producer_0")
    loop = next(lp for lp in producer.loops if lp.trip == 16 and lp.ii == 1 and lp.label == "i")
    assert loop.latency == 15 * 1 + loop.depth
    assert est.interval == max(p.latency for p in est.processes)


def test_estimate_counts_systolic_macs(tmp_path):
    M, N, K = 4, 4, 6
    mod = hls(progs.systolic_2d(dato.int16, M, N, K), tmp_path)
    est = estimate(mod.hls.module)
    assert est.macs == M * N * K
    assert est.pes == M * N
    assert 0 < est.array_fraction <= 1
    assert est.device_peak_macs_per_cycle == 9024  # U280, 1 DSP per int16 MAC
    assert "not a synthesis or hardware result" in str(est)


def test_systolic_fill_pipo_reaches_98_percent_of_array_peak(tmp_path):
    """Output-stationary systolic GEMM 64^3 on 4x4 (benchmarks/bench_hls.py):
    each loader's copy-in is its own fill process writing a pipo, so the
    region interval is the PEs' compute, not copy-in + compute."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[2] / "benchmarks" / "bench_hls.py"
    spec = importlib.util.spec_from_file_location("bench_hls", path)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    systolic_os = bench.systolic_os

    n, p = 64, 4
    steps = (n // p) * (n // p) * n  # one MAC per PE per step
    mod = hls(systolic_os(dato.int16, n, n, n, p, p), tmp_path)
    est = mod.report()
    fill = next(f for f in est.processes if f.instance == "north_0_b_fill")
    north = next(f for f in est.processes if f.instance == "north_0")
    assert fill.kind == "fill" and fill.macs == 0
    # a 64 x 16 slice at II=1, and the 16,384-step loop: each pipelined plus a
    # short depth, in separate processes (no longer one after the other)
    assert n * (n // p) <= fill.latency <= n * (n // p) + 32
    assert steps <= north.latency <= steps + 32
    # interval: PE steps at II=1 + the copy-out of its 16 x 16 block + depths
    block = (n // p) ** 2
    assert steps + block <= est.interval <= steps + block + 64
    assert est.interval == max(f.latency for f in est.processes)
    # one invocation still runs a fill before its reader
    assert est.latency >= fill.latency + north.latency
    macs = n * n * n
    assert est.macs == macs and est.pes == p * p
    fraction = macs / (p * p * est.interval)
    assert fraction == pytest.approx(est.array_fraction)
    assert fraction >= 0.98
    assert "model: every process" in str(est) and "latency of one invocation" in str(est)
    cpp = (mod.hls.directory / "kernel.cpp").read_text()
    assert "int16_t north_0_b[64][16];" in cpp
    assert re.search(r'DATO_PROCESS_PIPO\("north_0", \(north_0_b_sync\), \(\), north, ', cpp)
    rng = np.random.default_rng(1)
    A = rng.integers(-8, 8, size=(n, n)).astype(np.int16)
    B = rng.integers(-8, 8, size=(n, n)).astype(np.int16)
    want = (A.astype(np.int64) @ B.astype(np.int64)).astype(np.int16)
    for mode in ("concurrent", "sequential"):
        mod.csim_mode = mode
        C = np.zeros((n, n), dtype=np.int16)
        mod(A, B, C)
        np.testing.assert_array_equal(C, want)


# ------------------------------------------------------------- write mask


def scattered_writes():
    """Two instances each write one element of the replicated C (instance p
    writes C[3p + 1]); no instance writes the others."""
    from dato_xdsl import int32

    @dato.region()
    def top(A: int32[2], C: int32[8]):
        @dato.kernel(mapping=[2], args=[A, C])
        def k(a: int32[2], c: int32[8]):
            p = dato.get_pid()
            c[3 * p + 1] = a[p] * 5

    return top


@pytest.mark.parametrize("mode", ["concurrent", "sequential"])
def test_write_mask_keeps_elements_no_instance_writes(mode, tmp_path):
    """The copy of C each instance works on travels back with a written mask:
    the store process writes the two written elements and leaves the host's
    other six as they were (as the simulator, which writes in place, does)."""
    mod = hls(scattered_writes(), tmp_path)
    mod.csim_mode = mode
    A = np.array([-7, 2**30], np.int32)
    C = np.arange(100, 108, dtype=np.int32)
    mod(A, C)
    want = np.arange(100, 108, dtype=np.int32)
    want[1], want[4] = -35, 2**30  # 5 * 2^30 wraps to 2^30 (mod 2^32)
    np.testing.assert_array_equal(C, want)
