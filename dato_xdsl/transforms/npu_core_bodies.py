"""`dato-npu-core-bodies`: the second step of `dato-lower-to-aie`.

The `aie.device` `dato-npu-transfers` put before each placed dato region gets
the region's cores (npu_lowering.AieLowering.core_bodies): each instance body
on its tile, through the fifos recorded on the region (dato.read_fifos /
dato.write_fifos, dato.local_count, dato.route_fifo, consumed here), then the
region goes."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from dato_xdsl.diagnostics import op_error
from dato_xdsl.dialects import aie, dato
from dato_xdsl.transforms.npu_lowering import AieLowering, load_dialects, placed_device


@dataclass(frozen=True)
class NpuCoreBodiesPass(ModulePass):
    """Fill the `aie.device` before each placed dato region with the region's
    cores (instance bodies on their tiles, through the fifos
    `dato-npu-transfers` recorded) and replace the region by it."""

    name = "dato-npu-core-bodies"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        ctx = load_dialects(ctx)
        for region in [o for o in op.walk() if isinstance(o, dato.RegionOp)]:
            device_op = region.prev_op
            if not isinstance(device_op, aie.DeviceOp):
                raise op_error(region, "has no aie.device before it; run dato-npu-transfers first")
            AieLowering(region, placed_device(region), ctx).core_bodies(device_op)
            parent = region.parent_block()
            assert parent is not None
            parent.erase_op(region)
