"""A trial mapping: whether the aie pipeline's steps from a cut to physical
mapping place a region held in a module of its own. The retile passes run it
on a cut copy before cutting the real region, so a cut that cannot map is
never made, and one the build would map is not refused.

The steps are those the build runs after the retile passes, in its order
(`AFTER_RETILE`): a pid's slice of an input as its block, slices folded into
loads, read boxes, put-in-place again (a cut may have padded a stream's
rows), 1-D arrays walked by chunks seen as rows, stream reads (a block read
once row by row reaches its core by rows), then physical mapping with its
folding search. A trial of fewer steps judges another design than the build
makes: it refused cuts whose blocks only fit streamed by rows, or kept in
their stream's object.

Physical mapping keeps the region a trial placed (npu_mapped_regions): when
the build's region enters physical mapping as the trial's did, it is placed
as the trial placed it, without a second search.

A trial only answers yes or no. Whatever stops the steps counts as "does
not map": a located refusal (DiagnosticException), a DatoError, and a
Python error too, since the build would meet the same error with that cut
(the cut is then not made and the build goes on with the next). With
DATO_TRACEBACK set, a Python error is raised instead, for whoever debugs the
compiler."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import fields

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import DiagnosticException

from dato_xdsl.errors import DatoError
from dato_xdsl.transforms.npu_chunk_rows import NpuChunkRowsPass
from dato_xdsl.transforms.npu_fold_slices import NpuFoldSlicesPass
from dato_xdsl.transforms.npu_mapped_regions import trial as recording_trial
from dato_xdsl.transforms.npu_read_boxes import NpuReadBoxesPass
from dato_xdsl.transforms.npu_slice_boxes import NpuSliceBoxesPass
from dato_xdsl.transforms.npu_stream_reads import NpuStreamReadsPass
from dato_xdsl.transforms.physical_mapping import PhysicalMapPass
from dato_xdsl.transforms.put_in_place import PutInPlacePass

AFTER_RETILE: tuple[type[ModulePass], ...] = (
    NpuSliceBoxesPass,
    NpuFoldSlicesPass,
    NpuReadBoxesPass,
    PutInPlacePass,
    NpuChunkRowsPass,
    NpuStreamReadsPass,
)
"""The aie pipeline's passes between the retile passes and physical mapping,
in the order the build runs them; the one list the trial runs (and the aie
target's steps may be written from: test_npu_trial checks they agree)."""


def takes_device(p: type[ModulePass]) -> bool:
    """Whether pass `p` has a `device` option (the build passes its own)."""
    return any(f.name == "device" for f in fields(p))


def after_retile(device: str) -> list[ModulePass]:
    """The passes of `AFTER_RETILE` for `device`, then physical mapping."""
    steps = [p(device=device) if takes_device(p) else p() for p in AFTER_RETILE]
    return [*steps, PhysicalMapPass(device=device)]


def trial_maps(trial: ModuleOp, device: str) -> bool:
    """Whether `trial` (changed in place) maps on `device` through the steps
    the build runs after the retile passes."""
    ctx = Context()
    try:
        with recording_trial():  # the build takes the placed region, not a new search
            for p in after_retile(device):
                p.apply(ctx, trial)
    except (DiagnosticException, DatoError):
        return False
    except Exception:
        if os.environ.get("DATO_TRACEBACK"):
            raise
        return False
    return True


__all__: Sequence[str] = ["AFTER_RETILE", "after_retile", "takes_device", "trial_maps"]
