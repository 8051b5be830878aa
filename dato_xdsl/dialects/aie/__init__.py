"""The `aie` dialect: our definition of MLIR-AIE's physical level, textually
compatible with mlir-aie (github.com/Xilinx/mlir-aie), so what we print is what
`aie-opt`/`aiecc.py` read and their files parse here.

An `aie.device(npu1) { ... }` holds tiles (`aie.tile(col, row)`), their buffers,
locks, cores and DMAs, and the objectfifo level: `aie.objectfifo` connects one
producer tile to consumer tiles, `aie.objectfifo.link` joins or distributes
fifos through a memtile, and cores move objects with acquire/access/release.
`aie.runtime_sequence` is the host-side program (its body uses `aiex` ops).

Conventions, to match mlir-aie's generic form too:
- enum-valued properties (device, wire bundle, lock action, fifo port, DMA
  direction) are stored as the i32 values of mlir-aie's I32EnumAttrs and written
  as keywords in the custom form;
- inherent attributes are properties; in the custom form they appear in the
  attribute dictionary, as MLIR prints them.

Verifiers consult `dato_xdsl.devices` for the hardware limits.
"""

from __future__ import annotations

from xdsl.ir import Dialect

from dato_xdsl.dialects.aie.attributes import (
    BDDimLayoutArrayArrayAttr,
    BDDimLayoutArrayAttr,
    BDDimLayoutAttr,
    BDPadLayoutArrayAttr,
    BDPadLayoutAttr,
    ObjectFifoSubviewType,
    ObjectFifoType,
    PacketInfoAttr,
    dims_text,
    parse_dims,
)
from dato_xdsl.dialects.aie.common import (
    DMA_CHANNEL_DIR,
    LOCK_ACTION,
    LOCK_BLOCKING,
    OBJECTFIFO_PORT,
    WIRE_BUNDLE,
    EnumSpelling,
    element_bits,
    element_bytes,
    memref_bytes,
    memref_elements,
)
from dato_xdsl.dialects.aie.cores import (
    CascadeFlowOp,
    CoreOp,
    FlowOp,
    GetCascadeOp,
    PutCascadeOp,
)
from dato_xdsl.dialects.aie.dma import (
    DMABDOp,
    DMABDPacketOp,
    DMAOp,
    DMAStartOp,
    MemOp,
    MemTileDMAOp,
    NextBDOp,
    ShimDMAAllocationOp,
    ShimDMAOp,
)
from dato_xdsl.dialects.aie.memory import BufferOp, ExternalBufferOp, LockOp, UseLockOp
from dato_xdsl.dialects.aie.objectfifo import (
    ObjectFifoAcquireOp,
    ObjectFifoCreateLegacyOp,
    ObjectFifoCreateOp,
    ObjectFifoLinkOp,
    ObjectFifoRegisterExternalBuffersOp,
    ObjectFifoReleaseOp,
    ObjectFifoSubviewAccessOp,
    find_objectfifo,
)
from dato_xdsl.dialects.aie.packets import PacketDestOp, PacketFlowOp, PacketSourceOp
from dato_xdsl.dialects.aie.runtime import (
    RuntimeSequenceOp,
    parse_runtime_sequence,
    print_runtime_sequence,
)
from dato_xdsl.dialects.aie.tiles import DeviceOp, EndOp, TileOp, device_of, device_op_of, tile_of

AIE = Dialect(
    "aie",
    [
        DeviceOp,
        EndOp,
        TileOp,
        BufferOp,
        LockOp,
        UseLockOp,
        FlowOp,
        CascadeFlowOp,
        PutCascadeOp,
        GetCascadeOp,
        PacketFlowOp,
        PacketSourceOp,
        PacketDestOp,
        ExternalBufferOp,
        CoreOp,
        MemOp,
        MemTileDMAOp,
        ShimDMAOp,
        DMAStartOp,
        DMAOp,
        DMABDOp,
        DMABDPacketOp,
        NextBDOp,
        ShimDMAAllocationOp,
        ObjectFifoCreateOp,
        ObjectFifoCreateLegacyOp,
        ObjectFifoLinkOp,
        ObjectFifoAcquireOp,
        ObjectFifoReleaseOp,
        ObjectFifoSubviewAccessOp,
        ObjectFifoRegisterExternalBuffersOp,
        RuntimeSequenceOp,
    ],
    [
        ObjectFifoType,
        ObjectFifoSubviewType,
        BDDimLayoutAttr,
        BDDimLayoutArrayAttr,
        BDDimLayoutArrayArrayAttr,
        BDPadLayoutAttr,
        BDPadLayoutArrayAttr,
        PacketInfoAttr,
    ],
)

__all__ = [
    "ShimDMAOp",
    "PutCascadeOp",
    "PacketSourceOp",
    "PacketFlowOp",
    "PacketDestOp",
    "ObjectFifoRegisterExternalBuffersOp",
    "GetCascadeOp",
    "ExternalBufferOp",
    "DMAOp",
    "DMABDPacketOp",
    "AIE",
    "DMA_CHANNEL_DIR",
    "LOCK_ACTION",
    "OBJECTFIFO_PORT",
    "WIRE_BUNDLE",
    "BDDimLayoutArrayArrayAttr",
    "BDDimLayoutArrayAttr",
    "BDDimLayoutAttr",
    "BDPadLayoutArrayAttr",
    "BDPadLayoutAttr",
    "BufferOp",
    "CascadeFlowOp",
    "CoreOp",
    "DMABDOp",
    "DMAStartOp",
    "DeviceOp",
    "EndOp",
    "FlowOp",
    "LockOp",
    "MemOp",
    "MemTileDMAOp",
    "NextBDOp",
    "ObjectFifoAcquireOp",
    "ObjectFifoCreateOp",
    "ObjectFifoLinkOp",
    "ObjectFifoReleaseOp",
    "ObjectFifoSubviewAccessOp",
    "ObjectFifoSubviewType",
    "ObjectFifoType",
    "PacketInfoAttr",
    "RuntimeSequenceOp",
    "ShimDMAAllocationOp",
    "TileOp",
    "UseLockOp",
    "device_of",
    "find_objectfifo",
    "tile_of",
    "print_runtime_sequence",
    "parse_runtime_sequence",
    "parse_dims",
    "memref_elements",
    "element_bits",
    "memref_bytes",
    "element_bytes",
    "dims_text",
    "device_op_of",
    "LOCK_BLOCKING",
    "EnumSpelling",
]
