"""The HLS project as a user takes it to the machine with Vitis: the testbench
checks itself against expected data (numpy) and fails on wrong data, the
project runs from another directory, scripts name their steps and tool
versions; designs Vitis csim cannot run are flagged; on-chip memory is counted
against the part (hand-computed block counts) and big buffers bound to URAM;
big blocks travel as streams of blocks; every test program's C++ compiles as
C++14 with -Wall -Werror."""

import shutil
import subprocess
import warnings

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Layout, int16
from dato_xdsl.targets.hls.project import HlsWarning
from dato_xdsl.targets.hls.resources import Memory, count
from test.unit.programs import dato_programs as progs
from test.unit.test_programs import check_close, rand, ref_matmul

S, R = Layout.Shard, Layout.Replicate

# g++ < 13 ignores the `#pragma GCC diagnostic` in dato_hls.h that silences
# unknown (HLS) pragmas (GCC bug 53431), so the flag is given here
CXX14 = ["g++", "-std=c++14", "-Wall", "-Werror", "-Wno-unknown-pragmas"]


def hls(program, directory):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HlsWarning)
        return dato.build(program, target="hls", project=directory)


def compile_like_vitis_csim(d, out="tb"):
    """kernel + testbench with the stand-in headers and no DATO_CSIM: the
    processes are plain calls one after another, as in Vitis csim."""
    done = subprocess.run(
        [*CXX14, "-Icsim/include", "-I.", "kernel.cpp", "tb.cpp", "-o", out],
        cwd=d,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return d / out


# ------------------------------------------------- a project that checks itself


def test_moved_project_runs_its_testbench_and_fails_on_wrong_data(tmp_path):
    M = N = K = 8
    mod = hls(progs.tiled_gemm(dato.int16, M, N, K), tmp_path / "here")
    A, B = rand(dato.int16, (M, K)), rand(dato.int16, (K, N))
    C0 = np.zeros((M, N), dtype=np.int16)
    want = (A.astype(np.int64) @ B.astype(np.int64)).astype(np.int16)
    mod.hls.write_test_data([A, B, C0], [A, B, want])
    moved = tmp_path / "elsewhere" / "project"
    shutil.copytree(tmp_path / "here", moved)
    shutil.rmtree(tmp_path / "here")  # nothing may still point at the old place
    tb = compile_like_vitis_csim(moved)

    ok = subprocess.run([str(tb)], cwd=moved, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "PASS" in ok.stdout
    got = np.fromfile(moved / "data" / "C.out", dtype=np.int16).reshape(M, N)
    np.testing.assert_array_equal(got, want)
    # Vitis runs the testbench in solution1/csim/build with the data directory as argv
    elsewhere = subprocess.run(
        [str(tb), str(moved / "data")], cwd=tmp_path, capture_output=True, text=True
    )
    assert elsewhere.returncode == 0, elsewhere.stderr

    wrong = want.copy()
    wrong[3, 5] += 1
    wrong.tofile(moved / "data" / "C.expected")
    bad = subprocess.run([str(tb)], cwd=moved, capture_output=True, text=True)
    assert bad.returncode == 1
    assert f"C[{3 * N + 5}] = {want[3, 5]}, expected {wrong[3, 5]}" in bad.stderr
    assert "FAIL: 1 element(s) differ" in bad.stderr

    (moved / "data" / "A.expected").unlink()
    missing = subprocess.run([str(tb)], cwd=moved, capture_output=True, text=True)
    assert missing.returncode == 2
    assert "A.expected" in missing.stderr


def test_float_testbench_compares_with_tolerance(tmp_path):
    M, N, K = 4, 4, 8
    mod = hls(progs.tiled_gemm(dato.float32, M, N, K), tmp_path / "p")
    A, B = rand(dato.float32, (M, K)), rand(dato.float32, (K, N))
    C0 = np.zeros((M, N), dtype=np.float32)
    want = (A.astype(np.float64) @ B.astype(np.float64)).astype(np.float32)  # another sum order
    mod.hls.write_test_data([A, B, C0], [A, B, want])
    tb = compile_like_vitis_csim(mod.hls.directory)
    ok = subprocess.run([str(tb)], cwd=mod.hls.directory, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    (want * 1.01).tofile(mod.hls.directory / "data" / "C.expected")  # 1% off: a mismatch
    bad = subprocess.run([str(tb)], cwd=mod.hls.directory, capture_output=True, text=True)
    assert bad.returncode == 1 and "mismatch: C[" in bad.stderr


def test_int64_testbench_compares_every_bit(tmp_path):
    """2^61 + 2 and 2^61 + 3 are the same double: the check must not go through one."""
    N = 4
    mod = hls(progs.producer_consumer(dato.int64, N), tmp_path / "p")
    A = np.full(N, 2**60, dtype=np.int64)
    want = (A + 1) * 2  # 2^61 + 2
    mod.hls.write_test_data([A, np.zeros(N, np.int64)], [A, want])
    tb = compile_like_vitis_csim(mod.hls.directory)
    ok = subprocess.run([str(tb)], cwd=mod.hls.directory, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    (want + 1).tofile(mod.hls.directory / "data" / "B.expected")
    bad = subprocess.run([str(tb)], cwd=mod.hls.directory, capture_output=True, text=True)
    assert bad.returncode == 1 and "FAIL: 4 element(s) differ" in bad.stderr


def test_scripts_are_relative_name_steps_and_versions(tmp_path):
    mod = hls(progs.tiled_gemm(dato.int16, 4, 4, 4), tmp_path / "p")
    d = mod.hls.directory
    tcl = (d / "run_hls.tcl").read_text()
    vpp = (d / "build_xclbin.sh").read_text()
    tb = (d / "tb.cpp").read_text()
    for text in (tcl, vpp, tb):
        assert str(tmp_path) not in text  # no absolute path of the project
    assert "[info script]" in tcl
    assert 'csim_design -argv "$here/data"' in tcl
    assert "csynth_design" in tcl and 'cosim_design -argv "$here/data"' in tcl
    assert "set steps {csim csynth}" in tcl and "DATO_HLS_STEPS" in tcl
    assert "Vitis HLS 2023.2" in tcl and "Vitis 2023.2" in vpp
    assert "sw_emu|hw_emu|hw" in vpp and 'v++ -l -t "$target"' in vpp
    bogus = subprocess.run(["sh", str(d / "build_xclbin.sh"), "bogus"], capture_output=True)
    assert bogus.returncode == 2 and b"usage" in bogus.stderr


VITIS_COMMANDS = ("open_project", "set_top", "add_files", "open_solution", "set_part",
                  "create_clock", "csim_design", "csynth_design", "cosim_design")  # fmt: skip


def run_tcl(script, steps):
    """Source run_hls.tcl in a Tcl interpreter (Python's own) whose Vitis
    commands only record their calls; returns (calls, exit status)."""
    import tkinter

    tcl = tkinter.Tcl()
    calls = []
    tcl.createcommand("record", lambda *a: calls.append(" ".join(a)))
    for command in (*VITIS_COMMANDS, "puts"):
        tcl.eval(f"proc {command} {{args}} {{ record {command} {{*}}$args }}")
    tcl.eval('proc exit {{code 0}} { error "exit $code" }')  # never end the interpreter
    if steps is None:
        tcl.eval("array unset ::env DATO_HLS_STEPS")
    else:
        tcl.eval(f"set ::env(DATO_HLS_STEPS) {{{steps}}}")
    try:
        tcl.eval(f"source {{{script}}}")
        status = "no exit"
    except tkinter.TclError as err:
        status = str(err)
    finally:
        tcl.eval("array unset ::env DATO_HLS_STEPS")
    return calls, status


def test_tcl_steps_run_from_a_moved_project(tmp_path):
    mod = hls(progs.tiled_gemm(dato.int16, 4, 4, 4), tmp_path / "p")
    moved = tmp_path / "moved"
    shutil.copytree(mod.hls.directory, moved)
    script = moved / "run_hls.tcl"
    calls, status = run_tcl(script, None)
    assert status == "exit 0"
    assert f"add_files {moved}/kernel.cpp -cflags -std=c++14 -I{moved}" in calls
    assert f"csim_design -argv {moved}/data" in calls and "csynth_design" in calls
    assert not any(c.startswith("cosim_design") for c in calls)
    calls, _ = run_tcl(script, "cosim")
    assert "csynth_design" in calls and f"cosim_design -argv {moved}/data" in calls
    assert not any(c.startswith("csim_design") for c in calls)
    calls, status = run_tcl(script, "csim bogus")
    assert status == "exit 2" and not any(c.startswith("open_project") for c in calls)


def test_tcl_of_a_ring_refuses_csim(tmp_path):
    mod = hls(progs.ring_gemm(dato.int16, 8, 16, 8, 4), tmp_path / "ring")
    script = mod.hls.directory / "run_hls.tcl"
    calls, status = run_tcl(script, None)
    assert status == "exit 0" and "csynth_design" in calls
    assert not any(c.startswith("csim_design") for c in calls)
    calls, status = run_tcl(script, "csim")
    assert status == "exit 1" and any("needs them concurrent" in c for c in calls)


def test_write_test_data_refuses_wrong_shapes(tmp_path):
    from dato_xdsl.targets.hls import CsimError

    mod = hls(progs.tiled_gemm(dato.int16, 4, 4, 4), tmp_path / "p")
    a = np.zeros((4, 4), dtype=np.int16)
    with pytest.raises(CsimError, match=r"expected data of 'B' has shape \[3, 4\]"):
        mod.hls.write_test_data([a, a, a], [a, np.zeros((3, 4), dtype=np.int16), a])


# ------------------------------------------------------------- stream cycles


def test_ring_design_warns_and_report_says_vitis_csim_cannot_run_it(tmp_path):
    with pytest.warns(HlsWarning, match=r"cycle \(node_0 -> ring_1 -> node_1"):
        mod = dato.build(progs.ring_gemm(dato.int16, 8, 16, 8, 4), target="hls",
                         project=tmp_path / "ring")  # fmt: skip
    report = str(mod.report())
    assert "Vitis csim" in report and "cannot run this design" in report and "cosim" in report
    tcl = (mod.hls.directory / "run_hls.tcl").read_text()
    assert "set steps {csynth}" in tcl and "needs them concurrent" in tcl
    # the claim itself: compiled the way Vitis csim runs it, the ring fails
    A, B = rand(dato.int16, (8, 8)), rand(dato.int16, (8, 16))
    mod.hls.write_test_data([A, B, np.zeros((8, 16), np.int16)], [A, B, ref_matmul(A, B, int16)])
    tb = compile_like_vitis_csim(mod.hls.directory)
    run = subprocess.run([str(tb)], cwd=mod.hls.directory, capture_output=True, text=True)
    assert run.returncode == 5 and "which is empty" in run.stderr


def test_acyclic_design_has_no_cycle_warning(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", HlsWarning)
        mod = dato.build(progs.systolic_2d(dato.int16, 2, 2, 3), target="hls", project=tmp_path)
    assert "cannot run this design" not in str(mod.report())


# ------------------------------------------------------------ on-chip memory


def test_block_counts_match_the_hand_computed_shapes():
    # BRAM36 as 2K x 18: 65,536 int16 = 32 blocks; 1K x 36: 1,024 int32 = 1 block;
    # URAM 4K x 72, one element per word: 65,536 int16 = 16 blocks
    assert Memory("p", "a", 65536, 16, 1, 1).bram36() == 32
    assert Memory("p", "a", 1024, 32, 1, 1).bram36() == 1
    assert Memory("p", "a", 65536, 16, 1, 1).uram() == 16
    assert Memory("p", "a", 4096, 8, 2, 3).bram36() == 6  # 4K x 9: one per copy and instance
    assert Memory("p", "a", 16384, 32, 1, 1, partitions=4).bram36() == 16
    assert Memory("p", "a", 32, 16, 1, 1).storage == "lutram"


def readme_gemm():
    @dato.region()
    def gemm(A: int16[512, 512], B: int16[512, 512], C: int16[512, 512]):
        @dato.kernel(mapping=[4, 4], args=[A, B, C])
        def tile(
            a: int16[512, 512] @ [S(0), R],
            b: int16[512, 512] @ [R, S(1)],
            c: int16[512, 512] @ [S(0), S(1)],
        ):
            c[:, :] = dato.matmul(a, b)

    return gemm


def test_readme_gemm_fits_the_u280_by_binding_buffers_to_uram(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", HlsWarning)  # it fits: no warning
        mod = dato.build(readme_gemm(), target="hls", project=tmp_path)
    res = mod.report().resources
    # 32 pipos (A and B slices of 16 PEs), 2 copies of 65,536 int16 each: in
    # BRAM36 alone 32 x 2 x 32 = 2,048 blocks, more than the U280's 2,016
    pipos = [m for m in res.memories if m.owner == "top"]
    assert len(pipos) == 32 and all(m.bram36() == 64 for m in pipos)
    assert sum(m.bram36() for m in pipos) == 2048
    assert res.total("bram36") <= 0.8 * 2016 and res.total("uram") <= 0.8 * 960
    assert res.fits
    uram = [m for m in pipos if m.storage == "uram"]
    assert uram and res.top_uram == 32 * len(uram)
    cpp = (mod.hls.directory / "kernel.cpp").read_text()
    assert f"#pragma HLS bind_storage variable={uram[0].name} type=ram_2p impl=uram" in cpp
    assert "bound to URAM" in str(mod.report())
    # without the binding it would not fit
    plain_module = mod.hls.module.clone()
    for op in plain_module.walk():
        op.attributes.pop("vhls.storage", None)
    assert count(plain_module).total("bram36") > 2016


def test_design_that_cannot_fit_warns_with_numbers(tmp_path):
    @dato.region()
    def big(A: int16[1024, 1024], B: int16[1024, 1024], C: int16[1024, 1024]):
        @dato.kernel(mapping=[1, 1], args=[A, B, C])
        def tile(a: int16[1024, 1024], b: int16[1024, 1024], c: int16[1024, 1024]):
            c[:, :] = dato.matmul(a, b)

    with pytest.warns(HlsWarning, match=r"does not fit the U280: BRAM36 [\d,]+ > 2,016"):
        mod = dato.build(big, target="hls", project=tmp_path)
    report = str(mod.report())
    assert "DOES NOT FIT" in report and "Largest memories" in report
    # a pipo: 2 copies of 1,048,576 int16 in 2K x 18 BRAM36 = 2 x 512 blocks; the
    # accumulator moved to URAM: 1,048,576 words of 4K x 72 URAM = 256 blocks
    assert "top.tile_0_0_a: 1 x 2 x 1048576 x 16 bit (bram: 1024 blocks)" in report
    assert "tile.acc: 1 x 1 x 1048576 x 32 bit (uram: 256 blocks)" in report


# ------------------------------------------------------------ stream of blocks


@pytest.mark.parametrize("mode", ["concurrent", "sequential"])
def test_big_blocks_travel_as_stream_of_blocks(mode, tmp_path):
    M = N = K = 8  # 8 x 8 float blocks: 2,048 bits, above the 1,024-bit limit
    mod = hls(progs.split_k_gemm(dato.float32, M, N, K, 2), tmp_path)
    cpp = (mod.hls.directory / "kernel.cpp").read_text()
    assert "hls::stream_of_blocks<float[8][8], 2> partial_1" in cpp
    assert "hls::write_lock<float[8][8]>" in cpp and "hls::read_lock<float[8][8]>" in cpp
    assert "hls::vector<float, 64>" not in cpp
    mod.csim_mode = mode
    A, B = rand(dato.float32, (M, K)), rand(dato.float32, (K, N))
    C = np.zeros((M, N), dtype=np.float32)
    mod(A, B, C)
    check_close(C, ref_matmul(A, B, dato.float32), dato.float32)


SOB_PROGRAM = r"""
#include <cstdio>
#include "hls_streamofblocks.h"
typedef int blk[2][3];
int main() {
  hls::stream_of_blocks<blk, 2> s;
  if (!s.empty() || s.full()) return 10;
  for (int n = 0; n < 2; n++) {
    hls::write_lock<blk> w(s);
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 3; j++) w[i][j] = 10 * n + 3 * i + j;
  }
  if (s.empty()) return 11;
  if (s.full() != CONCURRENT) return 12;  // depth 2: both blocks taken
  for (int n = 0; n < 2; n++) {
    hls::read_lock<blk> r(s);
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 3; j++)
        if (r[i][j] != 10 * n + 3 * i + j) return 13;  // first written, first read
  }
  if (!s.empty() || s.full()) return 14;
  hls::read_lock<blk> again(s);  // empty: an error in the sequential mode
  return 15;
}
"""


def test_stream_of_blocks_stand_in_semantics(tmp_path):
    (tmp_path / "t.cpp").write_text(SOB_PROGRAM)
    include = str(dato.__path__[0]) + "/targets/hls/include"
    for define, concurrent in (("-DDATO_CSIM", 1), ("-UDATO_CSIM", 0)):
        exe = tmp_path / f"t{concurrent}"
        cmd = [*CXX14, "-pthread", define, f"-DCONCURRENT={concurrent}", f"-I{include}"]
        done = subprocess.run([*cmd, "t.cpp", "-o", str(exe)], cwd=tmp_path, capture_output=True)
        assert done.returncode == 0, done.stderr
        if concurrent:
            # a read lock on an empty stream waits (a deadlock here): stop before it
            continue
        run = subprocess.run([str(exe)], capture_output=True, text=True)
        assert run.returncode == 5 and "which is empty" in run.stderr


# --------------------------------------------------- every program as C++14

PROGRAMS = {
    "producer_consumer": lambda: progs.producer_consumer(dato.bfloat16, 8),
    "tiled_gemm": lambda: progs.tiled_gemm(dato.int8, 4, 4, 4),
    "systolic_2d": lambda: progs.systolic_2d(dato.float32, 2, 2, 3),
    "systolic_1d": lambda: progs.systolic_1d(dato.bfloat16, 2, 3, 4),
    "split_k_big_blocks": lambda: progs.split_k_gemm(dato.int32, 8, 8, 8, 2),
    "ring_gemm": lambda: progs.ring_gemm(dato.int16, 8, 16, 8, 4),
    "scatter_gather": lambda: progs.scatter_gather(dato.int32, 2, 4),
    "mlp3": lambda: progs.mlp3(dato.float32, 2, 4, 4, 4, 2),
    "elementwise_meta_for": lambda: progs.elementwise_meta_for(dato.int16, 2, 4),
    "deadlock": lambda: progs.deadlock(4),
    "mixed_types": lambda: progs.mixed_types(),
    "vector_add": lambda: progs.vector_add(dato.int32, 8, 4),
    "block_handoff": lambda: progs.block_handoff(dato.float32, 4),
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_every_program_compiles_as_cxx14(name, tmp_path):
    mod = hls(PROGRAMS[name](), tmp_path)
    d = mod.hls.directory
    # as Vitis compiles it (no DATO_CSIM); the C simulation's own build of
    # kernel and testbench, with DATO_CSIM, uses the same flags (project.py)
    # and runs in test_hls.py; the testbench alone here in the tests above
    done = subprocess.run(
        [*CXX14, "-fsyntax-only", "-Icsim/include", "-I.", "kernel.cpp"],
        cwd=d,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


# ------------------------------------------------------ bursts and broadcasts


@pytest.mark.parametrize("mode", ["concurrent", "sequential"])
def test_whole_slice_outputs_burst_and_replicated_operands_are_read_once(mode, tmp_path):
    M, N, K = 8, 8, 4
    mod = hls(progs.tiled_gemm(dato.int32, M, N, K), tmp_path)
    cpp = (mod.hls.directory / "kernel.cpp").read_text()
    # every instance writes its whole slice of C: no written flags, no condition
    assert "_written" not in cpp
    store = cpp[cpp.index("static void store_C") :]
    store = store[: store.index("\n}\n")]
    assert "if (" not in store and store.count("C[") == 4
    # A's row slices go to two instances each, B's column slices too: each
    # element is read once and written to both fill streams
    for arg in ("A", "B"):
        load = cpp[cpp.index(f"static void load_{arg}") :]
        load = load[: load.index("\n}\n")]
        assert load.count(f"{arg}[") == 2 and load.count(".write(") == 4
    mod.csim_mode = mode
    A, B = rand(dato.int32, (M, K)), rand(dato.int32, (K, N))
    C = rand(dato.int32, (M, N))
    reference = [A.copy(), B.copy(), C.copy()]
    dato.build(progs.tiled_gemm(dato.int32, M, N, K))(*reference)  # the simulator
    mod(A, B, C)
    np.testing.assert_array_equal(C, reference[2])
    np.testing.assert_array_equal(C, ref_matmul(A, B, dato.int32))


def two_outputs():
    from dato_xdsl import int32

    @dato.region()
    def top(A: int32[4, 4], B: int32[4, 4], C: int32[4, 4], D: int32[4, 4]):
        @dato.kernel(mapping=[2], args=[A, B, C, D])
        def k(
            a: int32[4, 4] @ [S(0), R],
            b: int32[4, 4],
            c: int32[4, 4] @ [S(0), R],
            d: int32[4, 4] @ [S(0), R],
        ):
            c[:, :] = dato.matmul(a, b)
            d[:, :] = dato.add(a, a)

    return top


def test_a_task_with_two_whole_outputs_loses_both_masks(tmp_path):
    mod = hls(two_outputs(), tmp_path)
    assert "_written" not in (mod.hls.directory / "kernel.cpp").read_text()
    A, B = rand(dato.int32, (4, 4)), rand(dato.int32, (4, 4))
    C, D = np.zeros((4, 4), np.int32), np.zeros((4, 4), np.int32)
    mod(A, B, C, D)
    np.testing.assert_array_equal(C, ref_matmul(A, B, dato.int32))
    np.testing.assert_array_equal(D, A + A)


def every_other():
    from dato_xdsl import int32

    @dato.region()
    def top(A: int32[8], C: int32[8]):
        @dato.kernel(mapping=[1], args=[A, C])
        def k(a: int32[8], c: int32[8]):
            for i in range(4):
                c[2 * i] = a[2 * i] + 1

    return top


def test_partially_written_outputs_keep_their_mask(tmp_path):
    """The task writes C[0], C[2], C[4], C[6] of its 7-element box: the mask
    stays, and the store leaves the odd elements as the host had them."""
    mod = hls(every_other(), tmp_path)
    cpp = (mod.hls.directory / "kernel.cpp").read_text()
    store = cpp[cpp.index("static void store_C") :]
    assert "_written" in store and "if (" in store[: store.index("\n}\n")]
    A = np.arange(8, dtype=np.int32)
    C = np.arange(100, 108, dtype=np.int32)
    reference = [A.copy(), C.copy()]
    dato.build(every_other())(*reference)  # the simulator
    mod(A, C)
    np.testing.assert_array_equal(C, [1, 101, 3, 103, 5, 105, 7, 107])
    np.testing.assert_array_equal(C, reference[1])


def _alive(pid: int) -> bool:
    """Whether a process still runs 5 s on (SIGKILL is delivered asynchronously; a
    zombie, state Z in its stat, counts as ended)."""
    import time

    for _ in range(50):
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return False
        except OSError:
            return False
        time.sleep(0.1)
    return True


def test_compiler_run_kills_its_whole_process_group(tmp_path) -> None:
    """g++ runs cc1plus as a child: a timeout or an exception in the waiting Python
    (a harness's alarm) must end the child too, not leave it running as an orphan."""
    import signal
    import time

    from dato_xdsl.targets.hls.project import _run_compiler

    script = f"sleep 300 & echo $! > {tmp_path}/child; wait"
    start = time.monotonic()
    assert _run_compiler(["sh", "-c", script], tmp_path, 1.0) == (None, "")
    assert time.monotonic() - start < 30
    assert not _alive(int((tmp_path / "child").read_text()))

    class Alarm(BaseException):
        pass

    def ring(*_: object) -> None:
        raise Alarm

    old = signal.signal(signal.SIGALRM, ring)
    try:
        signal.alarm(1)
        with pytest.raises(Alarm):
            _run_compiler(["sh", "-c", script], tmp_path, 100.0)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert not _alive(int((tmp_path / "child").read_text()))
    assert _run_compiler(["sh", "-c", "echo no >&2; exit 3"], tmp_path, 10.0) == (3, "no\n")
