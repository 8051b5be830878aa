"""What `dato-opt --help` says about the project's own passes and targets.

Read from the classes themselves, so the help cannot drift from the code: the
first paragraph of each class docstring, and for each option (a dataclass
field) its type, default and the string literal written under it."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import textwrap

from dato_xdsl import universe

WIDTH = 78


def field_docs(cls: type) -> dict[str, str]:
    """The string literal right after each annotated field in the class body
    (the attribute-docstring convention), by field name."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError, SyntaxError):
        return {}
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    docs: dict[str, str] = {}
    for stmt, nxt in zip(body, body[1:], strict=False):
        if (
            isinstance(stmt, ast.AnnAssign)
            and isinstance(stmt.target, ast.Name)
            and isinstance(nxt, ast.Expr)
            and isinstance(nxt.value, ast.Constant)
            and isinstance(nxt.value.value, str)
        ):
            docs[stmt.target.id] = " ".join(nxt.value.value.split())
    return docs


def summary(cls: type) -> str:
    """The first paragraph of the class docstring, on one line."""
    doc = inspect.getdoc(cls) or ""
    return " ".join(doc.split("\n\n")[0].split())


def _options(cls: type) -> list[str]:
    if not dataclasses.is_dataclass(cls):
        return []
    docs = field_docs(cls)
    lines: list[str] = []
    for f in dataclasses.fields(cls):
        kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
        default = "" if f.default is dataclasses.MISSING else f" = {f.default!r}"
        text = f"{f.name.replace('_', '-')}: {kind}{default}"  # spelled as -p takes it
        if f.name in docs:
            text += f" -- {docs[f.name]}"
        lines.append(text)
    return lines


def _entry(name: str, cls: type) -> list[str]:
    wrap = textwrap.TextWrapper(width=WIDTH, initial_indent="    ", subsequent_indent="    ")
    option_wrap = textwrap.TextWrapper(
        width=WIDTH, initial_indent="      ", subsequent_indent="        "
    )
    out = [f"  {name}"]
    out += wrap.wrap(summary(cls)) or ["    (no description)"]
    for option in _options(cls):
        out += option_wrap.wrap(option)
    return out


def describe() -> str:
    """The dato passes and targets with their options, for `dato-opt --help`."""
    lines = ["dato passes (-p name or 'name{option=value ...}'):"]
    for name, factory in universe.PASSES.items():
        lines += _entry(name, factory())
    lines += ["", "dato targets (-t name or 'name{option=value}'; quote paths: file=\"a/b.svg\"):"]
    for name, factory in universe.TARGETS.items():
        lines += _entry(name, factory())
    return "\n".join(lines) + "\n"
