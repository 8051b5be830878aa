"""A trial mapping: whether the steps between a cut and physical mapping
(read boxes, then physical mapping with its folding search) place a region
held in a module of its own. The retile passes run it on a cut copy before
cutting the real region, so a cut that cannot map is never made."""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.utils.exceptions import DiagnosticException

from dato_xdsl.transforms.npu_read_boxes import NpuReadBoxesPass
from dato_xdsl.transforms.physical_mapping import PhysicalMapPass


def trial_maps(trial: ModuleOp, device: str) -> bool:
    """Whether `trial` (changed in place) maps on `device`."""
    try:
        NpuReadBoxesPass().apply(Context(), trial)
        PhysicalMapPass(device=device).apply(Context(), trial)
    except DiagnosticException:
        return False
    return True


__all__: Sequence[str] = ["trial_maps"]
