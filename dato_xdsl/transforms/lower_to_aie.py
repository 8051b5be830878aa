"""`dato-lower-to-aie`: a placed dato region becomes an `aie.device` design.

- Global arrays move shim -> (memtile ->) compute tiles through objectfifos, as
  planned by npu_transfers.py: several blocks of one array leave one shim
  transfer through a memtile `objectfifo.link` distribute (reads) or join
  (writes), a block several instances share is a broadcast, and the gather or
  scatter of the blocks inside the host array is the runtime sequence's
  `dma_memcpy_nd` access pattern, not copies in a core. A streamed GEMM gets
  its A and B as K tiles, double-buffered.
- Each dato stream becomes an objectfifo of its declared depth between the
  producer's and the consumer's tiles (a scalar stream carries memref<1xT>).
- Each instance body becomes (part of) an `aie.core`: gets and puts acquire,
  access and release their fifo; array operations call the kernel library
  (`func.func private @dato_<op>_<type>_<shape>`, linked from kernels.o);
  buffers the body allocates (scalar locals too) become `aie.buffer`s of its
  tile: a core body holds no `memref.alloca`.
- The runtime sequence moves every input and output with `dma_memcpy_nd`
  (BD ids counted per shim column, at most the shim's BDs) and waits for the
  outputs. It is a pass of its own (`dato-npu-runtime-sequence`,
  npu_runtime_sequence.py): `dato-npu-transfers` (npu_lower_transfers.py) records the
  host arrays on the device and each shim-side fifo's host array and
  access patterns.

`dato-lower-to-aie` is the pipeline `dato-npu-transfers` (tiles, objectfifos,
links; the region stays, recording the fifo each instance uses),
`dato-npu-core-bodies` (the cores; the region goes), then
`dato-npu-runtime-sequence`."""

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
