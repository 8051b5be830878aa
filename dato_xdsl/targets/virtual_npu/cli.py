"""`dato-run`: run an aie.mlir design on the virtual NPU with .npy inputs.

    dato-run design.mlir [INPUT ...] [-o DIR] [--kernel-dir DIR]
             [--kernel NAME=FILE.cc[:FLAGS]] [--timeout S]

INPUT k is the k-th runtime-sequence argument: a .npy file, or `zeros` for a
zero array of the argument's type (missing trailing inputs are zeros too).
`--kernel NAME=FILE.cc[:FLAGS]` says where the source of a kernel is (NAME: its
function or the object link_with names, e.g. `mv_32x32.o`) and with which
compiler flags (`-DDIM_M=32 -DDIM_K=32`); for kernels written with the AIE API,
FILE can be a plain C++ stand-in with the same extern "C" function, and the
output says so. Every argument the run wrote is saved as DIR/<name>.npy (default DIR:
dato-run-out) and listed with the number of elements written and changed.
Errors are printed as diagnostics; the exit status is 1 (2 for internal errors).
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from xdsl.context import Context
from xdsl.dialects import affine, arith, builtin, cf, func, linalg, math, scf, vector
from xdsl.dialects.builtin import (
    FileLineColLoc,
    IntAttr,
    MemRefType,
    ModuleOp,
    StringAttr,
    UnknownLoc,
)
from xdsl.ir import Operation
from xdsl.parser import Parser
from xdsl.utils.exceptions import DiagnosticException, ParseError

from dato_xdsl.diagnostics import verify_located
from dato_xdsl.dialects.aie import AIE
from dato_xdsl.dialects.aie.syntax import MlirAieSyntax
from dato_xdsl.dialects.aiex import AIEX
from dato_xdsl.dialects.memref import MemRef
from dato_xdsl.targets.simulator import semantics as sem
from dato_xdsl.targets.virtual_npu.machine import VirtualNpu


class _LocatingParser(MlirAieSyntax, Parser):
    """Gives every op the position it was parsed at, for diagnostics."""

    def parse_operation(self) -> Operation:
        span = self._current_token.span
        op = super().parse_operation()
        if isinstance(op.location, UnknownLoc):
            where = span.get_location()
            op.location = FileLineColLoc(
                StringAttr(where.file), IntAttr(where.line), IntAttr(where.col)
            )
        return op


def context() -> Context:
    ctx = Context()
    for dialect in (
        builtin.Builtin,
        arith.Arith,
        math.Math,
        MemRef,
        scf.Scf,
        func.Func,
        linalg.Linalg,
        cf.Cf,
        vector.Vector,
        affine.Affine,
        AIE,
        AIEX,
    ):
        ctx.load_dialect(dialect)
    return ctx


def load_design(path: str | os.PathLike[str]) -> ModuleOp:
    """Parse and verify an .mlir file (located diagnostics on failure)."""
    text = Path(path).read_text()
    module = _LocatingParser(context(), text, str(path)).parse_module()
    verify_located(module)
    return module


def _inputs(npu: VirtualNpu, given: Sequence[str]) -> tuple[list[np.ndarray], list[str]]:
    if npu.sequence is None:
        return [], []
    args = npu.sequence.regions[0].block.args
    if len(given) > len(args):
        raise ValueError(f"{len(given)} inputs given; the runtime sequence takes {len(args)}")
    arrays: list[np.ndarray] = []
    names: list[str] = []
    for k, arg in enumerate(args):
        t = arg.type
        assert isinstance(t, MemRefType)
        names.append(arg.name_hint or f"arg{k}")
        dtype = sem.dtype_of(t.element_type)
        spec = given[k] if k < len(given) else "zeros"
        if spec == "zeros":
            arrays.append(np.zeros(tuple(t.get_shape()), dtype))
        else:
            arrays.append(np.ascontiguousarray(np.load(spec, allow_pickle=False)))
    return arrays, names


def run(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dato-run", description=__doc__.splitlines()[0])
    parser.add_argument("design", help="an .mlir file holding one aie.device")
    parser.add_argument("inputs", nargs="*", help="one .npy (or 'zeros') per sequence argument")
    parser.add_argument("-o", "--out-dir", default="dato-run-out", help="where outputs go")
    parser.add_argument(
        "--kernel-dir", action="append", default=[], help="also look here for link_with sources"
    )
    parser.add_argument(
        "--kernel",
        action="append",
        default=[],
        metavar="NAME=FILE.cc[:FLAGS]",
        help="source (and compiler flags) of a kernel, by function or object name",
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="wall-clock limit (s)")
    args = parser.parse_args(argv)
    sources: dict[str, tuple[str, list[str]]] = {}
    for spec in args.kernel:
        name, eq, rest = spec.partition("=")
        path, _, flags = rest.partition(":")
        if not eq or not name or not path:
            raise ValueError(f"--kernel {spec}: expected NAME=FILE.cc[:FLAGS]")
        sources[name] = (path, shlex.split(flags))
    module = load_design(args.design)
    npu = VirtualNpu(module, kernel_dirs=args.kernel_dir, kernel_sources=sources)
    arrays, names = _inputs(npu, args.inputs)
    before = [a.copy() for a in arrays]
    stats = npu.run(*arrays, timeout=args.timeout)
    out_dir = Path(args.out_dir)
    print(
        f"dato-run: {Path(args.design).name}: {stats.cores} core(s), {stats.dma_channels} DMA "
        f"channel(s), {stats.host_transfers} host transfer(s) in {stats.seconds:.3f} s "
        "of CPU wall time (a functional model, not NPU time)"
    )
    for name, array, old, written in zip(names, arrays, before, stats.outputs_written, strict=True):
        if not written:
            continue
        changed = int((array.reshape(-1) != old.reshape(-1)).sum())
        out_dir.mkdir(parents=True, exist_ok=True)
        target = out_dir / f"{name}.npy"
        np.save(target, array)
        print(f"  %{name}: {written} element(s) written by the NPU, {changed} changed -> {target}")
    for line in npu.kernel_notes:
        print(f"  note: {line}")
    if stats.waiting_at_end:
        # the run is complete: these cores wait for more input, as an endless
        # core loop does on hardware once the host stops sending
        print("  note: the runtime sequence finished; still waiting (for more input):")
    for line in stats.waiting_at_end:
        print(f"    {line}")
    return 0


def main(argv: Sequence[str] | None = None) -> None:
    try:
        status = run(argv)
    except (ParseError, DiagnosticException) as err:
        print(str(err).rstrip(), file=sys.stderr)
        status = 1
    except (ValueError, OSError) as err:
        print(f"dato-run: error: {err}", file=sys.stderr)
        status = 1
    except Exception as err:  # an internal bug must still not dump a traceback
        if os.environ.get("DATO_TRACEBACK"):
            raise
        print(
            f"dato-run: internal error: {type(err).__name__}: {err} "
            "(set DATO_TRACEBACK=1 for the traceback)",
            file=sys.stderr,
        )
        status = 2
    sys.exit(status)


__all__ = ["context", "load_design", "main", "run"]
