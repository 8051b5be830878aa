"""Shared by the robustness tests (test_fuzz_*.py) and their larger campaign
(tools/fuzz-campaign): run dato-opt in-process on a text with a time limit and
classify what happened."""

from __future__ import annotations

import contextlib
import io
import os
import re
import signal
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# `file:line:col` as the op diagnostics and xDSL's parse errors start
LOCATED = re.compile(r"^[^\s:]+:\d+:\d+(: error:|\n)", re.MULTILINE)

PIPELINES: list[list[str]] = [
    [],
    ["-p", "dato-virtual-map"],
    ["-p", "dato-virtual-map,dato-stream-legality,dato-deadlock-check"],
    ["-p", "dato-virtual-map,dato-stream-legality,dato-mapping-primitives"],
    ["-p", "dato-virtual-map,dato-physical-map,dato-lower-to-aie", "-t", "npu-report"],
    ["-p", "dato-virtual-map,convert-dato-to-vhls,vhls-dataflow-lint", "-t", "vhls-cpp"],
    ["--print-op-generic"],
]


class Hang(BaseException):
    """Raised by the alarm; a BaseException so no `except Exception` swallows it."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise Hang after `seconds` of this process's CPU time (not wall time: a
    loaded machine must not turn a slow run into a reported hang)."""

    def expire(signum: int, frame: object) -> None:
        raise Hang(f"no answer within {seconds} s of CPU time")

    old = signal.signal(signal.SIGPROF, expire)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, old)


@dataclass
class Outcome:
    kind: str  # "ok", "located", "unlocated", "internal", "hang"
    status: int
    stderr: str


def run_dato_opt(text: str, args: list[str], seconds: float = 10.0) -> Outcome:
    """dato-opt on `text` (written to a file named fuzz.mlir) in this process."""
    from dato_xdsl.driver import main

    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "fuzz.mlir")
        with open(path, "w") as f:
            f.write(text)
        out, err = io.StringIO(), io.StringIO()
        status = 0
        try:
            with (
                time_limit(seconds),
                contextlib.redirect_stdout(out),
                contextlib.redirect_stderr(err),
            ):
                main([path, *args, "-o", os.path.join(d, "out.txt")])
        except SystemExit as exit_:
            status = exit_.code if isinstance(exit_.code, int) else 1
        except Hang as hang:
            return Outcome("hang", -1, str(hang))
    message = err.getvalue()
    if status == 0:
        return Outcome("ok", 0, message)
    if status != 1 or "internal error" in message or "Traceback" in message:
        return Outcome("internal", status, message)
    if LOCATED.search(message):
        return Outcome("located", status, message)
    return Outcome("unlocated", status, message)


def corpus() -> list[str]:
    """The chunks of the project's FileCheck inputs and examples, without
    comment lines: valid and invalid IR of every dialect and pass."""
    chunks: list[str] = []
    roots = [os.path.join(ROOT, "test", "filecheck"), os.path.join(ROOT, "examples")]
    for top in roots:
        for dirpath, dirnames, filenames in sorted(os.walk(top)):
            dirnames[:] = sorted(d for d in dirnames if d != "Output")
            for name in sorted(filenames):
                if not name.endswith(".mlir"):
                    continue
                with open(os.path.join(dirpath, name)) as f:
                    text = f.read()
                for chunk in text.split("// -----"):
                    lines = [ln for ln in chunk.splitlines() if not ln.lstrip().startswith("//")]
                    body = "\n".join(lines).strip()
                    if body:
                        chunks.append(body + "\n")
    return chunks
