"""What the NPU tests read of a design's object fifos: the aie.mlir lines
declaring them, and each one's object shape."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dato_xdsl.dialects import aie


def fifo_lines(project: Path, name: str = "") -> list[str]:
    """The lines of the project's aie.mlir declaring an object fifo whose
    name starts with `name` (every fifo by default)."""
    return [
        line
        for line in (project / "aie.mlir").read_text().splitlines()
        if f"objectfifo @{name}" in line
    ]


def fifo_shapes(mod: Any) -> dict[str, list[int]]:
    """Each object fifo's object shape, by name, in a built module."""
    return {
        op.sym_name.data: list(op.elemType.element_type.get_shape())
        for op in mod.aie.walk()
        if isinstance(op, aie.ObjectFifoCreateOp)
    }
