"""The program's names on a lowered core, so an `aie` design reads back against
the Dato program: `dato.tasks` lists the task instances a core runs (in its
order), `dato.folding` says how they came to share it: `bundle` or `chain` from
`mapping_primitives=`, `... (compiler-chosen)` from the compiler's folding.
The resource report and the NPU picture show both."""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import ArrayAttr, StringAttr

from dato_xdsl.dialects import aie, dato


def label_core(core: aie.CoreOp, region: dato.RegionOp, tasks: Sequence[str]) -> None:
    core.attributes["dato.tasks"] = ArrayAttr(StringAttr(n) for n in tasks)
    folds: list[str] = []
    for op in region.body.block.ops:
        if isinstance(op, dato.BundleOp | dato.ChainOp) and set(op.names) & set(tasks):
            kind = "bundle" if isinstance(op, dato.BundleOp) else "chain"
            chosen = dato.COMPILER_CHOSEN in op.attributes
            folds.append(kind + (" (compiler-chosen)" if chosen else ""))
    if folds:
        core.attributes["dato.folding"] = StringAttr(", ".join(sorted(set(folds))))


def task_names(core: aie.CoreOp) -> list[str]:
    """The task instances `label_core` recorded on `core` (none if unlabelled)."""
    names = core.attributes.get("dato.tasks")
    if not isinstance(names, ArrayAttr):
        return []
    return [n.data for n in names.data if isinstance(n, StringAttr)]
