"""tools/allo-suite's rewrites for two Allo conventions, on small Allo-style sources
written here (CI has no Allo mirror): `pytest.raises(SystemExit)` (Allo's compile
errors exit the process; ours raise DatoError) and a `mode="csyn"` build called with
no arrays (Allo runs Vitis synthesis; here nothing runs beyond the build)."""

from __future__ import annotations

from types import ModuleType

import dato_xdsl as dato

SOURCE = """\
import pytest
import allo.dataflow as df
import allo.dsl as dsl


def test_raises():
    with pytest.raises(SystemExit):
        df.build(bad, target="simulator")
    with pytest.raises(ValueError):
        pass


def test_csyn():
    modc = df.build(top, target="vitis_hls", mode="csyn", project=p, wrap_io=False)
    modc()
"""


def test_system_exit_reads_as_either_refusal(suite: ModuleType) -> None:
    out = suite.rewrite_source(SOURCE, dir(dato), "simulator").source
    lines = out.splitlines()
    assert (
        lines[6] == "    with pytest.raises(__import__('allo_suite_runtime').allo_compile_error()):"
    )
    assert lines[8] == "    with pytest.raises(ValueError):"  # other exceptions stay
    assert len(lines) == len(SOURCE.splitlines())  # Allo's line numbers kept
    assert set(suite.allo_compile_error()) == {SystemExit, dato.DatoError}


def test_allo_dsl_is_ours(suite: ModuleType) -> None:
    out = suite.rewrite_source(SOURCE, dir(dato), "simulator").source
    assert out.splitlines()[2] == "import dato_xdsl as dsl"


def test_a_csyn_build_is_wrapped(suite: ModuleType) -> None:
    out = suite.rewrite_source(SOURCE, dir(dato), "simulator").source
    assert out.splitlines()[13] == (
        "    modc = __import__('allo_suite_runtime').synthesis_only("
        "df.build(top, project=p, wrap_io=False, target='simulator'))"
    )


def test_synthesis_only_runs_calls_with_arrays(suite: ModuleType) -> None:
    calls: list[tuple[object, ...]] = []

    class Module:
        report = "r"

        def __call__(self, *args: object) -> str:
            calls.append(args)
            return "ran"

    wrapped = suite.synthesis_only(Module())
    assert wrapped() is None and calls == []  # Allo's csyn call: nothing to run here
    assert wrapped(1, 2) == "ran" and calls == [(1, 2)]
    assert wrapped.report == "r"
