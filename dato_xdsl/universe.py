"""What the project adds to xDSL: dialects, passes and targets by name.

Registered under the `xdsl.universe` entry point, so a stock `xdsl-opt` in the
same environment knows them; `dato-opt` also adds them directly so it works from a
checkout that was never installed. Factories import lazily: listing names must not
load every dialect.
"""

from __future__ import annotations

from collections.abc import Callable

from xdsl.ir import Dialect
from xdsl.passes import ModulePass
from xdsl.universe import Universe
from xdsl.utils.target import Target


def _dato() -> Dialect:
    from dato_xdsl.dialects.dato import Dato

    return Dato


def _aie() -> Dialect:
    from dato_xdsl.dialects.aie import AIE

    return AIE


def _aiex() -> Dialect:
    from dato_xdsl.dialects.aiex import AIEX

    return AIEX


def _vhls() -> Dialect:
    from dato_xdsl.dialects.vhls import VHLS

    return VHLS


def _memref() -> Dialect:
    from dato_xdsl.dialects.memref import MemRef

    return MemRef


DIALECTS: dict[str, Callable[[], Dialect]] = {
    "dato": _dato,
    "aie": _aie,
    "aiex": _aiex,
    "vhls": _vhls,
}


def _linalg() -> Dialect:
    from dato_xdsl.dialects.linalg import Linalg

    return Linalg


REPLACED_DIALECTS: dict[str, Callable[[], Dialect]] = {"memref": _memref, "linalg": _linalg}
"""xDSL dialects our tools load in our version instead (a name clash in the
entry-point universe would be an error, so these are not in DIALECTS)."""


def _virtual_map() -> type[ModulePass]:
    from dato_xdsl.transforms.virtual_mapping import VirtualMapPass

    return VirtualMapPass


def _stream_legality() -> type[ModulePass]:
    from dato_xdsl.transforms.stream_legality import StreamLegalityPass

    return StreamLegalityPass


def _deadlock_check() -> type[ModulePass]:
    from dato_xdsl.transforms.deadlock_analysis import DeadlockCheckPass

    return DeadlockCheckPass


def _mapping_primitives() -> type[ModulePass]:
    from dato_xdsl.transforms.mapping_primitives import MappingPrimitivesPass

    return MappingPrimitivesPass


def _physical_map() -> type[ModulePass]:
    from dato_xdsl.transforms.physical_mapping import PhysicalMapPass

    return PhysicalMapPass


def _convert_dato_to_vhls() -> type[ModulePass]:
    from dato_xdsl.transforms.dato_to_vhls import ConvertDatoToVhlsPass

    return ConvertDatoToVhlsPass


def _vhls_dataflow_lint() -> type[ModulePass]:
    from dato_xdsl.transforms.vhls_dataflow_lint import VhlsDataflowLintPass

    return VhlsDataflowLintPass


def _vhls_burst_transfers() -> type[ModulePass]:
    from dato_xdsl.transforms.vhls_burst_transfers import VhlsBurstTransfersPass

    return VhlsBurstTransfersPass


def _lower_to_aie() -> type[ModulePass]:
    from dato_xdsl.transforms.lower_to_aie import LowerToAiePass

    return LowerToAiePass


def _npu_transfers() -> type[ModulePass]:
    from dato_xdsl.transforms.npu_lower_transfers import NpuTransfersPass

    return NpuTransfersPass


def _npu_core_bodies() -> type[ModulePass]:
    from dato_xdsl.transforms.npu_core_bodies import NpuCoreBodiesPass

    return NpuCoreBodiesPass


def _npu_runtime_sequence() -> type[ModulePass]:
    from dato_xdsl.transforms.npu_runtime_sequence import NpuRuntimeSequencePass

    return NpuRuntimeSequencePass


def _array_flow_forwarding() -> type[ModulePass]:
    from dato_xdsl.transforms.array_flow_forwarding import ArrayFlowForwardingPass

    return ArrayFlowForwardingPass


def _npu_batch_split() -> type[ModulePass]:
    from dato_xdsl.transforms.npu_batch_split import NpuBatchSplitPass

    return NpuBatchSplitPass


def _npu_retile_gemm() -> type[ModulePass]:
    from dato_xdsl.transforms.npu_gemm_retile import NpuRetileGemmPass

    return NpuRetileGemmPass


def _npu_retile_elementwise() -> type[ModulePass]:
    from dato_xdsl.transforms.npu_retile_elementwise import NpuRetileElementwisePass

    return NpuRetileElementwisePass


def _splat_operands() -> type[ModulePass]:
    from dato_xdsl.transforms.splat_operands import SplatOperandsPass

    return SplatOperandsPass


def _local_copy_elision() -> type[ModulePass]:
    from dato_xdsl.transforms.local_copy_elision import LocalCopyElisionPass

    return LocalCopyElisionPass


def _matmul_accumulate() -> type[ModulePass]:
    from dato_xdsl.transforms.matmul_accumulate import MatmulAccumulatePass

    return MatmulAccumulatePass


def _npu_converted_operands() -> type[ModulePass]:
    from dato_xdsl.transforms.npu_converted_operands import NpuConvertedOperandsPass

    return NpuConvertedOperandsPass


def _put_in_place() -> type[ModulePass]:
    from dato_xdsl.transforms.put_in_place import PutInPlacePass

    return PutInPlacePass


def _table_copy_elision() -> type[ModulePass]:
    from dato_xdsl.transforms.table_copy_elision import TableCopyElisionPass

    return TableCopyElisionPass


def _npu_constant_inputs() -> type[ModulePass]:
    from dato_xdsl.transforms.npu_constant_inputs import NpuConstantInputsPass

    return NpuConstantInputsPass


def _npu_wide_integers() -> type[ModulePass]:
    from dato_xdsl.transforms.npu_wide_integers import NpuWideIntegersPass

    return NpuWideIntegersPass


def _npu_read_boxes() -> type[ModulePass]:
    from dato_xdsl.transforms.npu_read_boxes import NpuReadBoxesPass

    return NpuReadBoxesPass


def _npu_elide_loaders() -> type[ModulePass]:
    from dato_xdsl.transforms.npu_elide_loaders import NpuElideLoadersPass

    return NpuElideLoadersPass


def _npu_write_pieces() -> type[ModulePass]:
    from dato_xdsl.transforms.npu_write_pieces import NpuWritePiecesPass

    return NpuWritePiecesPass


def _npu_slice_boxes() -> type[ModulePass]:
    from dato_xdsl.transforms.npu_slice_boxes import NpuSliceBoxesPass

    return NpuSliceBoxesPass


def _npu_fold_slices() -> type[ModulePass]:
    from dato_xdsl.transforms.npu_fold_slices import NpuFoldSlicesPass

    return NpuFoldSlicesPass


def _npu_chunk_rows() -> type[ModulePass]:
    from dato_xdsl.transforms.npu_chunk_rows import NpuChunkRowsPass

    return NpuChunkRowsPass


def _npu_stream_reads() -> type[ModulePass]:
    from dato_xdsl.transforms.npu_stream_reads import NpuStreamReadsPass

    return NpuStreamReadsPass


def _npu_kernel_objects() -> type[ModulePass]:
    from dato_xdsl.transforms.npu_kernel_objects import NpuKernelObjectsPass

    return NpuKernelObjectsPass


def _npu_pack_buffers() -> type[ModulePass]:
    from dato_xdsl.transforms.npu_pack_buffers import NpuPackBuffersPass

    return NpuPackBuffersPass


def _npu_broadcast_streams() -> type[ModulePass]:
    from dato_xdsl.transforms.npu_broadcast_streams import NpuBroadcastStreamsPass

    return NpuBroadcastStreamsPass


def _npu_broadcast_fifos() -> type[ModulePass]:
    from dato_xdsl.transforms.npu_broadcast_fifos import NpuBroadcastFifosPass

    return NpuBroadcastFifosPass


def _npu_lock_budget() -> type[ModulePass]:
    from dato_xdsl.transforms.npu_lock_budget import NpuLockBudgetPass

    return NpuLockBudgetPass


PASSES: dict[str, Callable[[], type[ModulePass]]] = {
    "dato-virtual-map": _virtual_map,
    "dato-stream-legality": _stream_legality,
    "dato-deadlock-check": _deadlock_check,
    "dato-mapping-primitives": _mapping_primitives,
    "convert-dato-to-vhls": _convert_dato_to_vhls,
    "vhls-burst-transfers": _vhls_burst_transfers,
    "vhls-dataflow-lint": _vhls_dataflow_lint,
    "dato-array-flow-forwarding": _array_flow_forwarding,
    "dato-npu-batch-split": _npu_batch_split,
    "dato-npu-retile-gemm": _npu_retile_gemm,
    "dato-npu-retile-elementwise": _npu_retile_elementwise,
    "dato-table-copy-elision": _table_copy_elision,
    "dato-npu-constant-inputs": _npu_constant_inputs,
    "dato-splat-operands": _splat_operands,
    "dato-matmul-accumulate": _matmul_accumulate,
    "dato-npu-converted-operands": _npu_converted_operands,
    "dato-local-copy-elision": _local_copy_elision,
    "dato-put-in-place": _put_in_place,
    "dato-npu-slice-boxes": _npu_slice_boxes,
    "dato-npu-fold-slices": _npu_fold_slices,
    "dato-npu-read-boxes": _npu_read_boxes,
    "dato-npu-elide-loaders": _npu_elide_loaders,
    "dato-npu-write-pieces": _npu_write_pieces,
    "dato-npu-wide-integers": _npu_wide_integers,
    "dato-npu-chunk-rows": _npu_chunk_rows,
    "dato-npu-stream-reads": _npu_stream_reads,
    "dato-physical-map": _physical_map,
    "dato-lower-to-aie": _lower_to_aie,
    "dato-npu-transfers": _npu_transfers,
    "dato-npu-core-bodies": _npu_core_bodies,
    "dato-npu-runtime-sequence": _npu_runtime_sequence,
    "dato-npu-kernel-objects": _npu_kernel_objects,
    "dato-npu-pack-buffers": _npu_pack_buffers,
    "dato-npu-lock-budget": _npu_lock_budget,
    "dato-npu-broadcast-streams": _npu_broadcast_streams,
    "dato-npu-broadcast-fifos": _npu_broadcast_fifos,
}


def _npu_report() -> type[Target]:
    from dato_xdsl.targets.aie.report import NpuReportTarget

    return NpuReportTarget


def _aie_kernels() -> type[Target]:
    from dato_xdsl.targets.aie.project import AieKernelsTarget

    return AieKernelsTarget


def _vhls_cpp() -> type[Target]:
    from dato_xdsl.targets.hls.emit_cpp import VhlsCppTarget

    return VhlsCppTarget


def _aie_project() -> type[Target]:
    from dato_xdsl.targets.aie.project import AieProjectTarget

    return AieProjectTarget


def _npu_plot() -> type[Target]:
    from dato_xdsl.targets.aie.plot import NpuPlotTarget

    return NpuPlotTarget


def _hls_plot() -> type[Target]:
    from dato_xdsl.targets.hls.plot import HlsPlotTarget

    return HlsPlotTarget


TARGETS: dict[str, Callable[[], type[Target]]] = {
    "npu-report": _npu_report,
    "npu-plot": _npu_plot,
    "hls-plot": _hls_plot,
    "aie-kernels": _aie_kernels,
    "aie-project": _aie_project,
    "vhls-cpp": _vhls_cpp,
}

DATO_UNIVERSE = Universe(all_dialects=DIALECTS, all_passes=PASSES, all_targets=TARGETS)
