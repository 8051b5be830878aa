"""tools/cross-target and its plugin (tools/cross_target_plugin.py), on synthetic programs
written here: the comparison rule (integers bit for bit, floats within 2 * eps * K of the
array's scale), the refusal kinds, a forked build+run on the virtual NPU, a refusal, a
timeout, a "differs" found when the simulator's outputs are not the target's, and a whole
run of the tool over a small test file (with deduplication). Expected values are numpy's
or written by hand."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace

import ml_dtypes
import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Stream, int32

TOOLS = Path(__file__).resolve().parents[2] / "tools"


@pytest.fixture(scope="module")
def plugin() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "cross_target_plugin", TOOLS / "cross_target_plugin.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["cross_target_plugin"] = module
    spec.loader.exec_module(module)
    return module


def pipeline():
    """p puts a[i] + 1 on a stream, c writes 3 times what it gets."""

    @dato.region()
    def top(A: int32[8], OUT: int32[8]):
        s: Stream[int32, 2]

        @dato.kernel(mapping=[1], args=[A])
        def p(a: int32[8]):
            for i in range(8):
                s.put(a[i] + 1)  # noqa: F821 (a stream, declared by annotation)

        @dato.kernel(mapping=[1], args=[OUT])
        def c(o: int32[8]):
            for i in range(8):
                o[i] = s.get() * 3  # noqa: F821

    return top


def through_global_array():
    """k_0 waits on s inside the loop that updates C[0] while k_1 reads C[0]
    between its puts: the NPU cannot pass the block at a switch inside a loop
    and refuses (a flow through a global array)."""

    @dato.region()
    def top(C: int32[2]):
        s: Stream[int32, 1]

        @dato.kernel(mapping=[2], args=[C])
        def k(c: int32[2]):
            p = dato.get_pid()
            with dato.meta_if(p == 0):
                for _i in range(2):
                    x: int32 = s.get()  # noqa: F821
                    c[0] = c[0] * 10 + x
            with dato.meta_else():
                for i in range(2):
                    c[1] = c[0] + i
                    s.put(c[1])  # noqa: F821

    return top


def test_integers_compare_bit_for_bit(plugin):
    a = np.array([1, -2, 2**31 - 1], np.int32)
    assert plugin.compare(["A"], [a], [a.copy()], 3)[0] == plugin.SAME
    b = a.copy()
    b[2] = -(2**31)
    status, wrong, _ = plugin.compare(["A"], [a], [b], 3)
    assert status == plugin.DIFFERS
    assert wrong[0]["array"] == "A" and wrong[0]["elements"] == 1 and wrong[0]["first"] == [2]
    wide = np.array([2**70, 5], dtype=object)
    assert plugin.compare(["W"], [wide], [np.array([2**70 + 1, 5], object)], 2)[0] == "differs"


def test_floats_compare_within_eps_and_k_float32_sums(plugin):
    eps = 2.0**-23  # float32's machine epsilon
    k = 16
    bound = 2 * eps + k * eps
    assert plugin.float_tolerance(np.dtype(np.float32), k) == bound
    # bfloat16 (eps 2^-7) accumulates in float32: two bf16 ulps plus K float32 roundings
    assert plugin.float_tolerance(np.dtype(ml_dtypes.bfloat16), 64) == 2 * 2.0**-7 + 64 * eps
    sim = np.array([1.0, 2.0, np.nan], np.float32)
    inside = np.array([1.0 + bound * 1.9, 2.0, np.nan], np.float32)  # scale is max |sim| = 2
    outside = np.array([1.0 + bound * 2.5, 2.0, np.nan], np.float32)
    assert plugin.compare(["X"], [sim], [inside], k)[0] == plugin.SAME
    assert plugin.compare(["X"], [sim], [outside], k)[0] == plugin.DIFFERS
    nan_lost = np.array([1.0, 2.0, 0.0], np.float32)
    assert plugin.compare(["X"], [sim], [nan_lost], k)[0] == plugin.DIFFERS


def test_refusals_are_grouped_by_kind(plugin):
    kind = plugin.refusal_kind
    assert kind("error: tile (0, 2) (src_0) needs 4 input DMA channels, a compute tile has 2") == (
        "DMA channels"
    )
    assert kind("the design needs 20 processing elements, npu1 has 16 compute cores") == "cores"
    assert kind("tile (0, 2) (mm_0_0) needs 88 KiB of buffers, it has 63 KiB") == "memory"
    assert kind("w_0 writes B and r_0 reads it") == "shared global array"
    assert kind(
        "'dato.group' op k_0 moves A of i128 elements; the NPU's DMAs move 32-bit words"
    ) == ("element width / DMA words")
    assert kind("'linalg.matmul' op multiplies i8 into f32: the NPU kernel library has no") == (
        "matmul kernel types"
    )
    assert kind("something else entirely") == "other"


def test_a_program_runs_forked_on_the_virtual_npu(plugin):
    a = np.arange(8, dtype=np.int32) - 3
    out = np.zeros(8, np.int32)
    module = dato.build(pipeline())
    got = plugin.run_forked(module, [a.copy(), out.copy()], "aie", 120)
    assert got["status"] == "ok"
    np.testing.assert_array_equal(got["outputs"][1], (a + 1) * 3)


def test_a_refusal_keeps_its_located_message(plugin):
    module = dato.build(through_global_array())
    arrays = [np.zeros(2, np.int32)]
    got = plugin.run_forked(module, arrays, "aie", 120)
    assert got["status"] == plugin.REFUSED and got["phase"] == "build"
    assert "k_0 writes C and k_1 reads it" in got["message"]
    assert plugin.refusal_kind(plugin.first_line(got["message"])) == "shared global array"


def test_a_run_past_its_time_limit_is_a_timeout(plugin):
    module = dato.build(pipeline())
    arrays = [np.arange(8, dtype=np.int32), np.zeros(8, np.int32)]
    got = plugin.run_forked(module, arrays, "aie", 0.01)
    assert got["status"] == plugin.TIMEOUT


def test_outputs_unlike_the_simulators_are_reported_as_differs(plugin, tmp_path):
    out = tmp_path / "rows.jsonl"
    sweep = plugin.Sweep(str(out))
    module = dato.build(pipeline())
    a = np.arange(8, dtype=np.int32)
    wrong = (a + 1) * 3
    wrong[5] += 1  # what a simulator that computed something else would hold
    sweep.test = "synthetic::differs"
    sweep.check(module, [a, np.zeros(8, np.int32)], [a, wrong])
    (row,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert row["status"] == "differs" and row["test"] == "synthetic::differs"
    assert row["wrong"][0]["array"] == "OUT" and row["wrong"][0]["first"] == [5]
    assert row["wrong"][0]["elements"] == 1


SYNTHETIC_TEST = """
import numpy as np
import dato_xdsl as dato
from dato_xdsl import float32


@dato.region()
def scale(X: float32[4, 8], Y: float32[4, 8]):
    @dato.kernel(mapping=[1], args=[X, Y])
    def k(x: float32[4, 8], y: float32[4, 8]):
        for i in range(4):
            for j in range(8):
                y[i, j] = x[i, j] * 0.5 + 1.0


def test_scale():
    x = np.arange(32, dtype=np.float32).reshape(4, 8)
    for _ in range(2):  # the same program twice: checked once
        y = np.zeros((4, 8), np.float32)
        dato.build(scale)(x, y)
        np.testing.assert_array_equal(y, x * 0.5 + 1.0)
"""


def test_the_tool_checks_each_program_once(tmp_path):
    source = tmp_path / "test_synthetic_scale.py"
    source.write_text(SYNTHETIC_TEST)
    out = tmp_path / "rows.jsonl"
    command = [sys.executable, str(TOOLS / "cross-target"), "--out", str(out), str(source)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["target"], r["status"]) for r in rows] == [("aie", "same")]
    assert rows[0]["test"].endswith("test_synthetic_scale.py::test_scale")
    assert "| aie | 1 | 0 | 0 | 0 | 0 | 0 | 1 |" in done.stdout


def test_a_python_error_inside_the_compiler_is_a_crash_with_its_site(plugin):
    # not a module at all: building it fails with a Python error inside dato_xdsl
    broken = SimpleNamespace(module=None, params=[], arguments=())
    got = plugin.run_forked(broken, [], "aie", 120)
    assert got["status"] == plugin.CRASH and got["phase"] == "build"
    assert got["site"].startswith("dato_xdsl/")
    assert "Traceback" in got["traceback"]
