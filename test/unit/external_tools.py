"""Command-line tools the tests run (iree-opt, xdsl-opt, dato-opt), found next
to the interpreter running the tests (the venv's bin/, activated or not), then
on PATH. A missing tool fails the test in CI (CI=true), where the test extra is
installed; elsewhere it skips with the install command."""

import os
import shutil
import sys
from pathlib import Path

import pytest


def find_tool(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which(name)


def require_tool(name: str) -> str:
    path = find_tool(name)
    if path is None:
        message = (
            f"{name} is neither next to {sys.executable} nor on PATH "
            "(pip install -e '.[test]' installs it)"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path
