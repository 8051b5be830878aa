"""tools/allo-suite: its import rewriting and its classification, on a small Allo-style
file written here (CI has no Allo mirror). Expected rewrites and categories are
written by hand from the tool's documented mapping, not produced by the tool."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

TOOL = Path(__file__).resolve().parents[2] / "tools" / "allo-suite"


@pytest.fixture(scope="module")
def suite() -> ModuleType:
    loader = importlib.machinery.SourceFileLoader("allo_suite_tool", str(TOOL))
    spec = importlib.util.spec_from_loader("allo_suite_tool", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["allo_suite_tool"] = module
    loader.exec_module(module)
    return module


ALLO_STYLE = """\
import allo
import allo.dataflow as df
from allo.ir.types import (
    int32,
    index,
)
from allo.memory import Layout
from allo.backend.aie import is_available, ExternalModule
import allo.backend.hls as hls
import numpy as np


def test_build():
    mod = df.build(
        top,
        target="vitis_hls",
        mode="csim",
        project="p.prj",
    )
    other = df.build(top)
    s = df.customize(top)
    third = s.build(target="vitis_hls", mode="hw_emu")
    return mod, other, third
"""

EXPORTS = {"int32", "Layout", "build", "region", "kernel"}


def test_rewrite_maps_each_import_and_keeps_line_numbers(suite: ModuleType) -> None:
    out = suite.rewrite_source(ALLO_STYLE, EXPORTS, "aie")
    lines = out.source.splitlines()
    assert len(lines) == len(ALLO_STYLE.splitlines())
    assert lines[0] == "import dato_xdsl as allo"
    assert lines[1] == "import dato_xdsl as df"
    # a name we export is imported from us; one we lack becomes a placeholder
    assert lines[2] == (
        "from dato_xdsl import int32; index = "
        "__import__('allo_suite_runtime').missing('allo.ir.types.index')"
    )
    assert lines[3:6] == ["", "", ""]  # the multi-line import's other lines stay, empty
    assert lines[6] == "from dato_xdsl import Layout"
    assert lines[7] == (
        "from allo_suite_runtime import is_available; ExternalModule = "
        "__import__('allo_suite_runtime').missing('allo.backend.aie.ExternalModule')"
    )
    assert lines[8] == "import allo_suite_runtime as hls"
    assert lines[9] == "import numpy as np"
    # Allo's target and mode give way to the chosen target; other options stay
    assert lines[13].strip() == "mod = df.build(top, project=\"p.prj\", target='aie'"
    assert lines[18].strip() == ")"  # the call still ends on its original line
    assert lines[19].strip() == "other = df.build(top, target='aie')"
    assert lines[20].strip() == "s = df.customize(top)"
    # a schedule's build is a build too (it takes no region argument)
    assert lines[21].strip() == "third = s.build(target='aie')"
    assert out.aliases == {
        "allo": "allo",
        "df": "allo.dataflow",
        "hls": "allo.backend.hls",
    }
    compile(out.source, "rewritten.py", "exec")


def _failure(type_: str, message: str, frames: list[list[object]], **extra: object) -> dict:
    exc = {"type": type_, "dato": False, "message": message, "timeout": False, "missing": None}
    exc.update(frames=frames, **extra)
    return {"nodeid": "f.py::t", "kind": "test", "outcome": "failed", "exc": exc}


def test_classification_of_each_kind(suite: ModuleType) -> None:
    aliases = {"allo": "allo", "df": "allo.dataflow"}
    test_frame = ["/t/f.py", 9, "test_x", "mod = df.build(top, target='aie')", "test"]
    ours = ["/x/dato_xdsl/targets/aie/lower.py", 40, "lower", "x = y[3]", "ours"]
    located = _failure(
        "dato_xdsl.errors.DatoError", "f.py:3: error: dato.add takes arrays\nmore", [test_frame]
    )
    located["exc"]["dato"] = True
    cases = [
        ({"nodeid": "f.py::t", "kind": "test", "outcome": "passed"}, ("passed", "")),
        (located, ("failed", "f.py:3: error: dato.add takes arrays")),
        (
            _failure("builtins.KeyError", "3", [test_frame, ours]),
            ("bug", "KeyError: 3 (at dato_xdsl/targets/aie/lower.py:40)"),
        ),
        (
            _failure(
                "builtins.AssertionError",
                "\nNot equal to tolerance\n\nMismatched elements: 2 / 4 (50%)",
                [test_frame],
            ),
            ("wrong-result", "Not equal to tolerance (Mismatched elements: 2 / 4 (50%))"),
        ),
        (
            _failure(
                "builtins.AttributeError",
                "module 'dato_xdsl' has no attribute 'customize'",
                [[*test_frame[:3], "s = df.customize(top)", "test"]],
            ),
            ("missing-api", "allo.dataflow.customize: schedules of a region (issue 16, item 8)"),
        ),
        (
            _failure(
                "builtins.AttributeError",
                "module 'dato_xdsl' has no attribute 'customize'",
                [[*test_frame[:3], "s = allo.customize(conv)", "test"]],
            ),
            ("out-of-scope", "allo.customize: " + suite.NAME_SCOPE["allo.customize"][1]),
        ),
        (
            _failure("builtins.ModuleNotFoundError", "No module named 'torch'", []),
            ("out-of-scope", suite.THIRD_PARTY["torch"]),
        ),
        (
            _failure("builtins.TypeError", "bad operand", [test_frame]),
            ("other", "TypeError: bad operand"),
        ),
    ]
    for record, expected in cases:
        category, detail = suite.classify(record, aliases)
        assert (category, detail) == expected, record
    missing = _failure("x.AlloSuiteMissing", "m", [test_frame])
    missing["exc"]["missing"] = ["allo.backend.aie.ExternalModule", "out-of-scope", "why"]
    assert suite.classify(missing, aliases) == (
        "out-of-scope",
        "allo.backend.aie.ExternalModule: why",
    )


TINY_SUITE = """\
import allo
import allo.dataflow as df
from allo.ir.types import int32
from allo.backend.aie import is_available, ExternalModule
import numpy as np

M = 16


@df.region()
def top(A: int32[M], B: int32[M]):
    @df.kernel(mapping=[1], args=[A, B])
    def core(a: int32[M], b: int32[M]):
        b[:] = allo.add(a, 1)


def test_passes():
    A = np.arange(M, dtype=np.int32)
    B = np.zeros(M, np.int32)
    if is_available():
        mod = df.build(top, target="aie")
        mod(A, B)
        np.testing.assert_array_equal(B, A + 1)


def test_wrong_reference():
    A = np.arange(M, dtype=np.int32)
    B = np.zeros(M, np.int32)
    mod = df.build(top, target="vitis_hls", mode="hw")
    mod(A, B)
    np.testing.assert_array_equal(B, A + 2)


def test_refused():
    @df.region()
    def bad(A: int32[M], B: int32[M]):
        @df.kernel(mapping=[1], args=[A, B])
        def core(a: int32[M], b: int32[M]):
            b[:] = allo.exp(a, base=2)

    df.build(bad)


def test_external():
    ExternalModule(top="k", impl_path="k.cc", input_idx=[0], output_idx=[1])
"""


def test_tiny_allo_style_file_end_to_end(suite: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_tiny.py").write_text(TINY_SUITE)
    suite.write_runtime(tmp_path)
    import dato_xdsl

    exports = frozenset(n for n in dir(dato_xdsl) if not n.startswith("_"))
    rows = suite.run_file(tmp_path, "tests/test_tiny.py", "sim", 60.0, exports)
    got = {r.test: (r.category, r.detail) for r in rows}
    assert set(got) == {"test_passes", "test_wrong_reference", "test_refused", "test_external"}
    assert got["test_passes"] == ("passed", "")
    assert got["test_wrong_reference"][0] == "wrong-result"
    category, detail = got["test_refused"]
    assert category == "failed"
    # located at the kernel line of the original file (line 39), in the file's own name
    assert detail.startswith("tests/test_tiny.py:39:"), detail
    assert "base" in detail
    assert got["test_external"] == (
        "out-of-scope",
        "allo.backend.aie.ExternalModule: "
        + suite.NAME_SCOPE["allo.backend.aie.ExternalModule"][1],
    )
