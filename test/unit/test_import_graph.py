"""The package's imports form no cycle, and point one way: frontend -> targets ->
transforms -> dialects -> devices. The graph is read from the source: every
import statement, also those inside functions (which only hide a cycle until
the function runs), except under `if TYPE_CHECKING:` (annotations, never run).
Importing `a.b.c` runs `a/b/__init__.py` first, so it counts as importing `a.b`
too, unless the importer is inside `a.b` (then that has started already), and
never the top package (always initialised before anything in it).
Every module is also imported for real."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import dato_xdsl

PACKAGE = Path(dato_xdsl.__file__).parent


def module_files(root: Path, package: str) -> dict[str, Path]:
    """Dotted module name -> file, for every .py under `root` (the package `package`)."""
    found: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imported_modules(name: str, path: Path, known: set[str]) -> set[str]:
    """The package modules `name` imports anywhere in its file, with the packages
    that hold them. `from p import x` imports p.x when that is a module, else p."""
    is_package = path.name == "__init__.py"
    result: set[str] = set()
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            node.body = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            result.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                if full in known:
                    result.add(full)
                elif base in known:
                    result.add(base)
    inside = {".".join(name.split(".")[:k]) for k in range(1, name.count(".") + 2)}
    for module in list(result):
        parts = module.split(".")
        result.update(".".join(parts[:k]) for k in range(2, len(parts)))
    result -= inside
    return result


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    files = module_files(root, package)
    return {name: imported_modules(name, path, set(files)) for name, path in files.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of `graph` as [a, b, ..., a], or None (depth-first, three colours)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for succ in sorted(graph.get(node, ())):
            if state.get(succ) == 1:
                return path[path.index(succ) :] + [succ]
            if succ not in state:
                cycle = visit(succ)
                if cycle is not None:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            cycle = visit(start)
            if cycle is not None:
                return cycle
    return None


def write_package(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return root


def test_the_check_finds_a_cycle_through_a_lazy_import(tmp_path: Path) -> None:
    root = write_package(
        tmp_path / "pkg",
        {
            "__init__.py": "",
            "a.py": "from pkg.b import f\n",
            "b.py": "def f():\n    from . import c\n",
            "c.py": "import pkg.a\n",
            "sub/__init__.py": "from pkg.sub.y import z\n",
            "sub/x.py": "",
            "sub/y.py": "import pkg.g\n",
            "g.py": "from pkg.sub import x\n",
            "d.py": "from pkg import a\n",
            "e.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.f\n",
            "f.py": "import pkg.e\n",
        },
    )
    graph = import_graph(root, "pkg")
    assert graph["pkg.b"] == {"pkg.c"}
    assert graph["pkg.d"] == {"pkg.a"}
    assert graph["pkg.e"] == set()  # an annotation-only import never runs
    assert graph["pkg.g"] == {"pkg.sub", "pkg.sub.x"}
    assert find_cycle(graph) == ["pkg.a", "pkg.b", "pkg.c", "pkg.a"]
    del graph["pkg.c"]
    # g -> sub/__init__ -> sub.y -> g: g is half-initialised when sub.y needs it
    assert find_cycle(graph) == ["pkg.g", "pkg.sub", "pkg.sub.y", "pkg.g"]


def test_the_check_accepts_a_chain(tmp_path: Path) -> None:
    root = write_package(
        tmp_path / "pkg",
        {
            "__init__.py": "from pkg.sub import x\n",
            "sub/__init__.py": "from .x import y\n",
            "sub/x.py": "from ..z import w\n",
            "z.py": "",
        },
    )
    graph = import_graph(root, "pkg")
    assert graph == {
        "pkg": {"pkg.sub", "pkg.sub.x"},
        "pkg.sub": {"pkg.sub.x"},
        "pkg.sub.x": {"pkg.z"},
        "pkg.z": set(),
    }
    assert find_cycle(graph) is None


GRAPH = import_graph(PACKAGE, "dato_xdsl")


def test_no_import_cycle_in_the_package() -> None:
    assert find_cycle(GRAPH) is None


@pytest.mark.parametrize("name", sorted(GRAPH))
def test_every_module_imports(name: str) -> None:
    importlib.import_module(name)


LAYERS = ["devices", "dialects", "transforms", "targets", "frontend"]
"""Lowest first: a layer imports only from itself and the layers before it."""


def layer(name: str) -> int | None:
    parts = name.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else None


def test_imports_point_down_the_layers() -> None:
    upward = [
        f"{name} -> {dep}"
        for name, deps in GRAPH.items()
        for dep in deps
        if layer(name) is not None and layer(dep) is not None and layer(dep) > layer(name)
    ]
    assert upward == []


def test_the_frontend_knows_targets_only_through_the_registry() -> None:
    allowed = {"dato_xdsl.targets", "dato_xdsl.targets.registry", "dato_xdsl.targets.base"}
    reached = {
        dep
        for name, deps in GRAPH.items()
        if name.startswith("dato_xdsl.frontend")
        for dep in deps
        if dep.startswith("dato_xdsl.targets")
    }
    assert reached <= allowed
