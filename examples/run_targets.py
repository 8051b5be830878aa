"""Run one Dato program on every target and compare each run with numpy.

The examples use this: `python examples/<name>.py [simulator|aie|hls ...]`
builds the program for each target named (all three by default), runs it on
fresh inputs and prints one line per target: `matches numpy`, `DIFFERS from
numpy`, or `refused: <the compiler's reason>` when the target cannot take the
program today. Projects go to `projects/<example>_<target>/`, with their
picture (placement.svg for aie, dataflow.svg for hls) and the aie report."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

import numpy as np

import dato_xdsl as dato

TARGETS = ("simulator", "aie", "hls")


def run_on_targets(
    name: str,
    top: object,
    inputs: Callable[[], list[np.ndarray]],
    expected: Callable[[list[np.ndarray]], list[tuple[int, np.ndarray]]],
    rtol: float = 0.0,
    atol: float = 0.0,
    targets: Sequence[str] | None = None,
) -> int:
    """Build and run `top` on each target; `expected(arrays)` gives, for the
    fresh inputs, (argument index, numpy result) pairs to compare after the run.
    Returns the exit status: 1 if any run differs from numpy."""
    chosen = list(targets or [a for a in sys.argv[1:] if not a.startswith("-")] or TARGETS)
    status = 0
    for target in chosen:
        arrays = inputs()
        want = expected([a.copy() for a in arrays])
        project = None if target == "simulator" else f"projects/{name}_{target}"
        try:
            module = dato.build(top, target=target, project=project)
            module(*arrays)
        except dato.DatoError as err:
            reason = str(err).strip().splitlines()[0]
            print(f"{name} on {target}: refused: {reason}")
            continue
        ok = all(
            np.allclose(arrays[k], ref, rtol=rtol, atol=atol)
            if rtol or atol
            else np.array_equal(arrays[k], ref)
            for k, ref in want
        )
        where = f" (project: {project})" if project else ""
        print(f"{name} on {target}: {'matches numpy' if ok else 'DIFFERS from numpy'}{where}")
        status |= 0 if ok else 1
    return status
