"""The README as a new user meets it: every Python snippet runs as pasted, the
shell commands run, the examples table says what the examples really do, the
prerequisites match pyproject.toml, the pictures exist, and `dato-opt --help`
describes every dato pass and target with its options."""

import dataclasses
import re
import shlex
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from dato_xdsl import universe

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def blocks(language: str, text: str = README) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, re.S)


def section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.S | re.M)
    assert match, f"README has no section '{title}'"
    return match.group(1)


def python(script: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(script), *args], cwd=cwd, capture_output=True, text=True, timeout=900
    )


@pytest.mark.parametrize("k", range(len(blocks("python"))))
def test_readme_python_snippet_runs_as_pasted(k, tmp_path):
    script = tmp_path / "snippet.py"
    script.write_text(blocks("python")[k])
    done = python(script, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr


def test_readme_usage_writes_what_its_comments_say(tmp_path):
    """The 'Using it' snippet: the projects hold their pictures, the files
    asked for are PNGs, the report names the tasks on the tiles."""
    script = tmp_path / "snippet.py"
    script.write_text(blocks("python", section("Using it"))[0])
    done = python(script, tmp_path)
    assert done.returncode == 0, done.stderr
    for path in ("gemm_npu/placement.svg", "gemm_hls/dataflow.svg"):
        assert ET.parse(tmp_path / path).getroot().tag.endswith("svg")
    for path in ("gemm_npu.png", "gemm_hls.png"):
        assert (tmp_path / path).read_bytes()[:4] == b"\x89PNG"
    # a 2x2 grid: four compute tiles, one tile_i_j each
    tasks = re.findall(r"compute .*  (tile_\d_\d)$", done.stdout, re.M)
    assert sorted(tasks) == ["tile_0_0", "tile_0_1", "tile_1_0", "tile_1_1"]


def test_readme_bundle_snippet_puts_four_tasks_on_a_core(tmp_path):
    script = tmp_path / "snippet.py"
    script.write_text(blocks("python", section("When a program does not fit the NPU"))[0])
    done = python(script, tmp_path)
    assert done.returncode == 0, done.stderr  # the snippet asserts C == A @ B for both builds
    lines = [x for x in done.stdout.splitlines() if x.startswith("(0, 2)  compute")]
    # as commented: the compiler's 2x2 rectangle, then the user's bundle
    assert lines[0].endswith("tile_0_0, tile_0_1, tile_1_0, tile_1_1 [chain (compiler-chosen)]")
    assert lines[1].endswith("tile_0_0, tile_0_1, tile_1_0, tile_1_1 [bundle]")
    # both reports: 16 compute tiles each
    assert len(re.findall(r"^\(\d, [2-5]\) +compute", done.stdout, re.M)) == 32


def test_quick_start_is_two_commands():
    commands = blocks("sh", section("Quick start"))
    assert [c.count("\n") for c in commands] == [1, 1]
    assert commands[0].strip() == "pip install . && python examples/gemm.py"


@pytest.mark.parametrize(
    "command",
    [c for b in blocks("sh", section("`dato-opt`")) for c in b.splitlines() if c.strip()],
)
def test_readme_dato_opt_commands_run(command, tmp_path):
    args = shlex.split(command)
    assert args[0] == "dato-opt"
    args = [str(ROOT / a) if a.startswith("examples/") else a for a in args[1:]]
    done = python(ROOT / "tools" / "dato-opt", tmp_path, *args)
    assert done.returncode == 0, done.stderr
    for name in re.findall(r'file="([^"]+)"', command):
        assert ET.parse(tmp_path / name).getroot().tag.endswith("svg")


def test_prerequisites_match_the_package():
    text = section("Prerequisites")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.11"
    assert "Python 3.11 or newer" in text and "pip" in text
    assert "g++" in text
    for dependency in project["dependencies"]:
        name = re.split(r"[<>=;\[ ]", dependency)[0]
        assert name.lower() in text.lower(), f"{name} is a dependency the README does not list"


def test_readme_pictures_exist_and_show_the_example_tasks():
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README)
    assert len(images) == 2
    # the attention example: two query blocks of scores -> softmax -> mix
    tasks = [f"{t}_{b}" for t in ("scores", "softmax", "mix") for b in (0, 1)]
    for image in images:
        root = ET.parse(ROOT / image).getroot()
        shown = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]
        for task in tasks:
            assert task in shown, f"{image} does not show {task}"


def example_table() -> dict[str, dict[str, str]]:
    """example script -> program -> target -> "yes" / "no ..." from the README."""
    rows = re.findall(r"^\| `examples/(\w+\.py)` (\w+) \|[^|]*\|(.*)\|\s*$", README, re.M)
    table: dict[str, dict[str, str]] = {}
    for script, program, cells in rows:
        verdicts = [c.strip() for c in cells.split("|")]
        table.setdefault(script, {})[program] = dict(
            zip(("simulator", "aie", "hls"), verdicts, strict=True)
        )
    return table


def test_every_example_is_in_the_table():
    scripts = {p.name for p in (ROOT / "examples").glob("*.py") if p.name != "run_targets.py"}
    assert set(example_table()) == scripts


@pytest.mark.parametrize("script", sorted(example_table()))
def test_examples_do_what_the_readme_table_says(script, tmp_path):
    done = python(ROOT / "examples" / script, tmp_path)
    assert "Traceback" not in done.stderr
    results = dict(re.findall(r"^(\w+ on \w+): (.*)$", done.stdout, re.M))
    for program, targets in example_table()[script].items():
        for target, claim in targets.items():
            got = results.get(f"{program} on {target}", "(no line)")
            if claim == "yes":
                assert got.startswith("matches numpy"), f"{program} on {target}: {got}"
            else:
                assert claim.startswith("no") and got.startswith("refused"), (
                    f"{program} on {target}: the README says {claim!r}, the run says {got!r}"
                )
    assert done.returncode == 0, done.stdout + done.stderr


def test_dato_opt_help_describes_every_dato_pass_and_target():
    done = python(ROOT / "tools" / "dato-opt", ROOT, "--help")
    assert done.returncode == 0, done.stderr
    help_text = done.stdout.split("dato passes")[1]
    for registry in (universe.PASSES, universe.TARGETS):
        for name, factory in registry.items():
            cls = factory()
            entry = re.search(rf"^  {re.escape(name)}\n((?:    .*\n)+)", help_text, re.M)
            assert entry, f"--help does not describe {name}"
            first_words = " ".join((cls.__doc__ or "").split()[:4])
            assert first_words and first_words in " ".join(entry.group(1).split())
            for field in dataclasses.fields(cls):
                assert f"      {field.name.replace('_', '-')}: " in entry.group(1)
