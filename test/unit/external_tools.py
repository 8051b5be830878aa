"""Command-line tools the tests run (iree-opt, xdsl-opt, dato-opt), found next
to the interpreter running the tests (the venv's bin/, activated or not), then
on PATH. The test extra installs them all, so a missing tool fails the test;
the one exception is iree-opt off Linux, where iree-base-compiler has no wheel
(pyproject.toml installs it on Linux only)."""

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
        if name == "iree-opt" and not sys.platform.startswith("linux"):
            pytest.skip(f"{message}; iree-base-compiler has no wheel for {sys.platform}")
        pytest.fail(message)
    return path
