"""tools/allo-suite: its import rewriting and its classification, on a small Allo-style
file written here (CI has no Allo mirror). Expected rewrites and categories are
written by hand from the tool's documented mapping, not produced by the tool."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

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
from allo.ir.utils import MockBuffer, get_struct


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

EXPORTS = {"int32", "Layout", "build", "region", "kernel", "customize", "MockBuffer"}


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
    # ExternalModule is the tool's check in front of ours (its Allo form lacks args=)
    assert lines[7] == "from allo_suite_runtime import is_available, ExternalModule"
    assert lines[8] == "import allo_suite_runtime as hls"
    assert lines[9] == "import numpy as np"
    # Allo's MockBuffer is ours; a name of the same module we lack is a placeholder
    assert lines[10] == (
        "from dato_xdsl import MockBuffer; get_struct = "
        "__import__('allo_suite_runtime').missing('allo.ir.utils.get_struct')"
    )
    # an Allo target naming another target gives way to the chosen one, and the HLS
    # mode with it; other options stay
    assert lines[14].strip() == "mod = df.build(top, project=\"p.prj\", target='aie'"
    assert lines[19].strip() == ")"  # the call still ends on its original line
    assert lines[20].strip() == "other = df.build(top, target='aie')"
    assert lines[21].strip() == "s = df.customize(top)"
    # a schedule's build is a build too (it takes no region argument)
    assert lines[22].strip() == "third = s.build(target='aie')"
    assert out.aliases == {
        "allo": "allo",
        "df": "allo.dataflow",
        "hls": "allo.backend.hls",
    }
    compile(out.source, "rewritten.py", "exec")


def test_build_keeps_allo_target_and_mode_our_build_reads(suite: ModuleType) -> None:
    """dato.build reads Allo's "vitis_hls" as hls and its "csim" as the C simulation
    (frontend/allo_options.py): with --target hls they stay as Allo wrote them; a
    Vitis-only mode (hw_emu) is dropped, its C simulation being what runs here."""
    hls = suite.rewrite_source(ALLO_STYLE, EXPORTS, "hls").source.splitlines()
    assert [ln.strip() for ln in hls[14:19]] == [
        'mod = df.build(top, target="vitis_hls", mode="csim", project="p.prj"',
        "",
        "",
        "",
        "",
    ]
    assert hls[20].strip() == "other = df.build(top, target='hls')"  # none given: ours added
    assert hls[22].strip() == 'third = s.build(target="vitis_hls")'
    source = 'import allo.dataflow as df\nmod = df.build(top, target="simulator", trace=t)\n'
    sim = suite.rewrite_source(source, EXPORTS, "simulator").source.splitlines()
    assert sim[1] == 'mod = df.build(top, target="simulator", trace=t)'  # Allo's own name
    npu = suite.rewrite_source(source, EXPORTS, "aie").source.splitlines()
    assert npu[1] == "mod = df.build(top, trace=t, target='aie')"


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
                "module 'dato_xdsl' has no attribute 'gather'",
                [[*test_frame[:3], "s = df.gather(top)", "test"]],
            ),
            ("missing-api", "allo.dataflow.gather: not in dato_xdsl"),
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


def test_external_aie_api():
    ExternalModule(top="k", impl_path="k_aie.cc", input_idx=[0], output_idx=[1])


def test_external_allo_form():
    ExternalModule(top="add_one", impl_path="add_one.cc", input_idx=[0], output_idx=[1])


def test_external_not_in_repository():
    ExternalModule(top="k", impl_path="../lib/none.cc", input_idx=[0], output_idx=[1])


def test_external_with_shapes():
    add_one = ExternalModule(
        top="add_one",
        impl_path="add_one.cc",
        args=[int32[M], int32[M]],
        input_idx=[0],
        output_idx=[1],
        reference="add_one.cc",
    )

    @df.region()
    def ext(A: int32[M], B: int32[M]):
        @df.kernel(mapping=[1], args=[A, B])
        def core(a: int32[M], b: int32[M]):
            add_one(a, b)

    A = np.arange(M, dtype=np.int32)
    B = np.zeros(M, np.int32)
    df.build(ext, target="aie")(A, B)
    np.testing.assert_array_equal(B, A + 1)
"""

KERNEL_AIE = """\
#include <aie_api/aie.hpp>
extern "C" void k(int32_t *a, int32_t *b) { aie::store_v(b, aie::load_v<16>(a)); }
"""

KERNEL_PLAIN = """\
#include <stdint.h>
extern "C" void add_one(const int32_t *a, int32_t *b) {
  for (int i = 0; i < 16; ++i) b[i] = a[i] + 1;
}
"""


def test_tiny_allo_style_file_end_to_end(suite: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_tiny.py").write_text(TINY_SUITE)
    (tmp_path / "tests" / "k_aie.cc").write_text(KERNEL_AIE)  # beside the test, as norm.cc
    (tmp_path / "tests" / "add_one.cc").write_text(KERNEL_PLAIN)
    suite.write_runtime(tmp_path)
    import dato_xdsl

    exports = frozenset(n for n in dir(dato_xdsl) if not n.startswith("_"))
    rows = suite.run_file(tmp_path, "tests/test_tiny.py", "sim", 60.0, exports)
    got = {r.test: (r.category, r.detail) for r in rows}
    assert set(got) == {
        *("test_passes", "test_wrong_reference", "test_refused", "test_external_aie_api"),
        *("test_external_allo_form", "test_external_not_in_repository"),
        "test_external_with_shapes",
    }
    assert got["test_passes"] == ("passed", "")
    assert got["test_wrong_reference"][0] == "wrong-result"
    category, detail = got["test_refused"]
    assert category == "failed"
    # located at the kernel line of the original file (line 39), in the file's own name
    assert detail.startswith("tests/test_tiny.py:39:"), detail
    assert "base" in detail
    external = "allo.backend.aie.external_kernel.ExternalModule: "
    # an AIE-API kernel cannot run here, and Allo's test carries no plain C++ for it
    assert got["test_external_aie_api"] == (
        "needs-port",
        external + "needs a plain C++ reference for an AIE-API kernel (k in k_aie.cc); "
        "the test has none",
    )
    # plain C++ would run, but ours is told the shapes Allo reads from the C++
    assert got["test_external_allo_form"] == (
        "missing-api",
        external + "dato.ExternalModule takes the argument shapes (args=); Allo reads "
        "add_one's from add_one.cc",
    )
    assert got["test_external_not_in_repository"] == (
        "needs-port",
        external + "k: kernel source '../lib/none.cc' is not in Allo's repository",
    )
    # given what ours needs, the call is dato.ExternalModule: B = A + 1 as numpy says
    assert got["test_external_with_shapes"] == ("passed", "")
