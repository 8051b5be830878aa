"""Whether a placed region's cores fit their program memory: physical
mapping asks it of a folding before keeping it, so a folding whose cores
overflow the 16 KiB [AM020] is one more folding that does not fit (the next
is tried) instead of a refusal after the mapping (issue 12: the greedy chains
put 36 instances of a 12x12 systolic grid on one npu1 core, 22.9 KB; its
rectangle folding holds at most 8.4 KB a core).

The answer is the build's own: a copy of the region, alone in a module with
the module's declarations, goes through the steps that follow physical
mapping up to dato-npu-kernel-objects (the lowering to cores, the members
rolled, every core's program estimated), and that pass's refusal is
returned. Any other refusal of those steps is not this check's to make: the
build meets it in its own order (None)."""

from __future__ import annotations

import os

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import DiagnosticException

from dato_xdsl.diagnostics import LocatedDiagnostic
from dato_xdsl.dialects import dato
from dato_xdsl.transforms.npu_broadcast_fifos import NpuBroadcastFifosPass
from dato_xdsl.transforms.npu_core_bodies import NpuCoreBodiesPass
from dato_xdsl.transforms.npu_kernel_objects import NpuKernelObjectsPass
from dato_xdsl.transforms.npu_lower_transfers import NpuTransfersPass

AFTER_MAPPING: tuple[type[ModulePass], ...] = (
    NpuBroadcastFifosPass,
    NpuTransfersPass,
    NpuCoreBodiesPass,
)
"""The aie pipeline's passes from physical mapping to dato-npu-kernel-objects
that make the cores, in its order (the runtime sequence, between them, makes
none; test_npu_program_trial checks the list against the aie target's)."""

PROGRAM_MEMORY = "bytes of program memory"
"""In dato-npu-kernel-objects' refusal of a core over its program memory."""


def program_overflow(region: dato.RegionOp) -> LocatedDiagnostic | None:
    """dato-npu-kernel-objects' refusal of a core of the placed `region`
    (over its program memory), or None."""
    module = region.parent_op()
    if not isinstance(module, ModuleOp):
        return None
    trial = ModuleOp([])
    for op in module.body.block.ops:
        if op is region:
            trial.body.block.add_op(region.clone())
        elif not isinstance(op, dato.RegionOp):
            trial.body.block.add_op(op.clone())  # declarations the cores call
    ctx = Context()
    try:
        for p in AFTER_MAPPING:
            p().apply(ctx, trial)
    except DiagnosticException:
        # a refusal of these steps is the build's to give, in its order
        return None
    except Exception:
        # so is a Python error (with DATO_TRACEBACK set: raised here, for
        # whoever debugs the compiler, as npu_trial does)
        if os.environ.get("DATO_TRACEBACK"):
            raise
        return None
    try:
        NpuKernelObjectsPass().apply(ctx, trial)
    except DiagnosticException as err:
        if PROGRAM_MEMORY in str(err):
            return LocatedDiagnostic(str(err))
        return None
    return None
