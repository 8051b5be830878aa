"""dato-opt as a user meets it: diagnostics with file:line, never a traceback."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(ROOT, "tools", "dato-opt")
BROKEN = os.path.join(ROOT, "test", "unit", "inputs", "broken")


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, TOOL, *args], capture_output=True, text=True, input=stdin, timeout=120
    )


@pytest.mark.parametrize(
    ("name", "line", "words"),
    [
        ("syntax.mlir", 1, "Expected"),
        ("unknown_op.mlir", 2, "dato.frobnicate is not registered"),
        ("verifier.mlir", 5, "moves f32, but the stream carries i32"),
        ("generic_missing_props.mlir", 1, "region"),
        ("unknown_type.mlir", 1, "nostream"),
    ],
)
def test_broken_input_gives_located_diagnostic(name: str, line: int, words: str) -> None:
    path = os.path.join(BROKEN, name)
    result = run(path)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    assert f"{name}:{line}:" in result.stderr
    assert words in result.stderr


def test_unknown_pass_is_a_usage_error() -> None:
    result = run(os.path.join(ROOT, "examples", "gemm_tiles.mlir"), "-p", "no-such-pass")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "no-such-pass" in result.stderr


def test_malformed_pipeline_is_a_usage_error() -> None:
    example = os.path.join(ROOT, "examples", "gemm_tiles.mlir")
    result = run(example, "-p", "dato-physical-map{device=/bad}")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "pass-pipeline" in result.stderr


def test_missing_file_is_a_usage_error() -> None:
    result = run(os.path.join(BROKEN, "does_not_exist.mlir"))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "does_not_exist.mlir" in result.stderr


def test_split_input_file_reports_lines_of_the_whole_file() -> None:
    text = "dato.region @a() {\n}\n// -----\ndato.region @b() {\n  dato.bogus\n}\n"
    result = run("--split-input-file", stdin=text)
    assert result.returncode != 0
    assert "stdin:5:" in result.stderr


def test_example_runs_and_round_trips() -> None:
    example = os.path.join(ROOT, "examples", "gemm_tiles.mlir")
    first = run(example)
    assert first.returncode == 0, first.stderr
    generic = run(example, "--print-op-generic")
    assert generic.returncode == 0, generic.stderr
    again = run(stdin=generic.stdout)
    assert again.stdout == first.stdout


def test_stock_xdsl_opt_knows_the_dato_dialect() -> None:
    """The xdsl.universe entry point registers our dialects with xdsl-opt."""
    from test.unit.external_tools import require_tool

    xdsl_opt = require_tool("xdsl-opt")  # next to the interpreter; CI fails without it
    example = os.path.join(ROOT, "examples", "gemm_tiles.mlir")
    result = subprocess.run([xdsl_opt, example], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "dato.task @tile grid [2, 2]" in result.stdout
    # and runs our passes: the 2x2 grid becomes one group of 4 instances
    mapped = subprocess.run(
        [xdsl_opt, example, "-p", "dato-virtual-map"], capture_output=True, text=True, timeout=120
    )
    assert mapped.returncode == 0, mapped.stderr
    assert "dato.group @tile of @tile grid [2, 2]" in mapped.stdout
    assert mapped.stdout.count("@tile_") == 4


def test_ci_runs_exactly_the_readme_test_command() -> None:
    with open(os.path.join(ROOT, "README.md")) as f:
        readme = f.read()
    with open(os.path.join(ROOT, ".ci", "run")) as f:
        ci = [ln for ln in f.read().splitlines() if ln and not ln.startswith(("#", "set ", "cd "))]
    assert len(ci) == 1
    assert ci[0] in readme


def test_open_string_literal_is_lexed_in_linear_time() -> None:
    # xDSL 0.74's string regex backtracks exponentially on a string left open
    # (40 characters never finish); dato-opt's lexer answers at once, here for
    # 20000 characters, with the position of the opening quote.
    import time

    from xdsl.context import Context
    from xdsl.utils.exceptions import ParseError

    from dato_xdsl.driver import LocatingParser

    text = '"test.op"() {\n  s = "' + "ab" * 10_000 + "\n} : () -> ()\n"
    start = time.process_time()
    with pytest.raises(ParseError) as info:
        LocatingParser(Context(allow_unregistered=True), text, "open.mlir").parse_module()
    assert time.process_time() - start < 1.0
    assert str(info.value).startswith("open.mlir:2:7")
    assert "string literal is not closed on its line" in str(info.value)


def test_closed_string_literals_still_parse() -> None:
    text = '"test.op"() {s = "a \\"quoted\\" word\\n", t = "\\41"} : () -> ()\n'
    result = run("--allow-unregistered-dialect", stdin=text)
    assert result.returncode == 0, result.stderr
    # xDSL prints escapes as hex pairs
    assert 's = "a \\22quoted\\22 word\\0A", t = "A"' in result.stdout
