"""`dato-npu-transfers`: the first step of `dato-lower-to-aie`.

An `aie.device` with the tiles, objectfifos and links of each placed dato
region goes before the region (npu_lowering.AieLowering.transfers). The host
transfers are recorded on the device for `dato-npu-runtime-sequence`; which
fifo each instance uses is recorded on the region, which stays, for
`dato-npu-core-bodies` (AieLowering.record_fifos). The bundled GEMM design is
built whole and replaces its region."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from dato_xdsl.dialects import dato
from dato_xdsl.transforms.npu_lowering import AieLowering, load_dialects, placed_device


@dataclass(frozen=True)
class NpuTransfersPass(ModulePass):
    """Put an `aie.device` with the tiles, objectfifos and links of each placed
    dato region before it; the region stays, recording which fifo each
    instance uses (AieLowering.record_fifos), for `dato-npu-core-bodies`. The
    bundled GEMM design is built whole and replaces its region."""

    name = "dato-npu-transfers"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        ctx = load_dialects(ctx)
        for region in [o for o in op.walk() if isinstance(o, dato.RegionOp)]:
            device_op, whole = AieLowering(region, placed_device(region), ctx).transfers()
            device_op.location = region.location
            parent = region.parent_block()
            assert parent is not None
            parent.insert_op_before(device_op, region)
            if whole:
                parent.erase_op(region)
