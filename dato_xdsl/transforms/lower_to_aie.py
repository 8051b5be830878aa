"""`dato-lower-to-aie`: a placed dato region becomes an `aie.device` design.

The pipeline of the three lowering passes: `dato-npu-transfers` (tiles,
objectfifos, links; the region stays, recording the fifo each instance uses),
`dato-npu-core-bodies` (the cores; the region goes), then
`dato-npu-runtime-sequence` (the host's `dma_memcpy_nd` calls and waits). What
the lowering does is described where it is done, in npu_lowering.py."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from dato_xdsl.transforms.npu_core_bodies import NpuCoreBodiesPass
from dato_xdsl.transforms.npu_lower_transfers import NpuTransfersPass
from dato_xdsl.transforms.npu_lowering import KERNEL_OBJECT
from dato_xdsl.transforms.npu_runtime_sequence import NpuRuntimeSequencePass

__all__ = ["KERNEL_OBJECT", "LowerToAiePass"]


@dataclass(frozen=True)
class LowerToAiePass(ModulePass):
    """Replace each placed dato region by an `aie.device` design: the
    pipeline `dato-npu-transfers,dato-npu-core-bodies,dato-npu-runtime-sequence`."""

    name = "dato-lower-to-aie"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        NpuTransfersPass().apply(ctx, op)
        NpuCoreBodiesPass().apply(ctx, op)
        NpuRuntimeSequencePass().apply(ctx, op)
