"""Models of the AMD NPU devices: the one place in the code that holds hardware facts.

Plain data, importing nothing of ours, so dialect verifiers and passes can all
read it. One `NpuDevice` per name mlir-aie accepts in `aie.device(...)`: the full
arrays `npu1` (Phoenix/Hawk Point, AIE-ML) and `npu2` (Strix, AIE2P) and their
partial-column variants `npu1_1col`..`npu1_3col`, `npu2_1col`..`npu2_7col`; the
Versal parts `xcve2302` and `xcve2802` (AIE-ML arrays of other sizes, one or two
memtile rows) and `xcvc1902` (AIE1: no memtiles, 32 KB tile memory, binary locks).

Sources, cited per figure below:
  [TM]  mlir-aie `include/aie/Dialect/AIE/IR/AIETargetModel.h` (AIE2TargetModel,
        BaseNPU1TargetModel, BaseNPU2TargetModel) and `AIETargetModel.cpp`.
  [ENUM] mlir-aie `include/aie/Dialect/AIE/IR/AIEAttrs.td`, the AIEDevice enum.
  [OPS] mlir-aie `include/aie/Dialect/AIE/IR/AIEOps.td`, the DMABDOp description.
  [DIA] mlir-aie `lib/Dialect/AIE/IR/AIEDialect.cpp`, DMABDOp::verify.
  [X]   mlir-aie `lib/Dialect/AIEX/IR/AIEXDialect.cpp`, `verifyStridesWraps` (BD
        field widths of the shim NOC DMA used by `aiex.npu.dma_memcpy_nd`).
  [AM020] AMD AM020, AIE-ML architecture manual (summary table: operations per
        tile per cycle, where one MAC counts as two operations).
  [API2P] AMD's AI Engine API headers for AIE2P (aie_api/detail/aie2p/
        mmul_16_16.hpp, mmul_bf16_bf16.hpp, emulated_mmul_intrinsics.hpp).
  [MM2P] mlir-aie `aie_kernels/aie2p/mm.cc` (the mmul shape per type).
  [SFT] mlir-aie `lib/Dialect/AIE/Transforms/AIEObjectFifoStatefulTransform.cpp`
        (isSharedMemory, requiresDMAs, createObjectFifoElements).
  [XDNA] amd/xdna-driver `src/driver/amdxdna/npu1_regs.c`, `npu4_regs.c` (DPM
        clock tables: {mp-npu clock, H-clock} in MHz per level).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class TileKind(Enum):
    SHIM = "shim"
    MEMTILE = "memtile"
    COMPUTE = "compute"


@dataclass(frozen=True)
class TileFacts:
    """What one tile of a kind offers."""

    data_memory_bytes: int
    program_memory_bytes: int
    dma_s2mm_channels: int
    dma_mm2s_channels: int
    buffer_descriptors: int
    locks: int
    dma_dimensions: int
    """Dimensions one buffer descriptor addresses (the shim's repeat/iteration
    dimension comes on top, see `MemcpyNdLimits`)."""


@dataclass(frozen=True)
class MemcpyNdLimits:
    """Limits of `aiex.npu.dma_memcpy_nd` (a shim NOC tile buffer descriptor).

    Sizes and strides are counted in units of `word_bits`-bit words once the
    element type is accounted for, as the hardware fields are."""

    entries: int
    word_bits: int
    max_size_d0: int
    max_size_d1: int
    max_repeat: int
    max_stride: int


@dataclass(frozen=True)
class NpuDevice:
    name: str
    mlir_code: int
    """Value of the device in mlir-aie's AIEDevice enum: the generic form of
    `aie.device` stores this integer."""
    arch: str
    columns: int
    rows: int
    shim_row: int
    memtile_rows: tuple[int, ...]
    compute_rows: tuple[int, ...]
    compute: TileFacts
    memtile: TileFacts
    shim: TileFacts
    memcpy_nd: MemcpyNdLimits
    macs_per_cycle: dict[str, int] = field(hash=False)
    """Peak multiply-accumulates per cycle per compute core, by operand type.
    A type absent here has no figure in our sources."""
    clock_hz: int = 0
    cascade_bits: int = 512
    """Width of one cascade word [TM] (getAccumulatorCascadeSize: AIE1 384, AIE-ML 512)."""
    max_lock_value: int = 0x3F
    """Largest lock value [TM] (getMaxLockValue: AIE1 1, binary locks; AIE-ML 0x3F)."""

    def is_valid_tile(self, col: int, row: int) -> bool:
        return 0 <= col < self.columns and 0 <= row < self.rows

    def tile_kind(self, col: int, row: int) -> TileKind:
        if row == self.shim_row:
            return TileKind.SHIM
        if row in self.memtile_rows:
            return TileKind.MEMTILE
        return TileKind.COMPUTE

    def facts(self, kind: TileKind) -> TileFacts:
        return {TileKind.SHIM: self.shim, TileKind.MEMTILE: self.memtile}.get(kind, self.compute)

    def core_reaches(self, core: tuple[int, int], memory: tuple[int, int]) -> bool:
        """Whether the core of compute tile `core` reads and writes the data
        memory of compute tile `memory` [TM] (isLegalMemAffinity). An AIE-ML
        (and AIE2P) core reaches its own memory and those of the tiles north,
        south and west of it (column - 1), with no row-parity checkerboard
        (isMemNorth, isMemSouth, isMemWest; isMemEast is its own module);
        [AM020] "AIE-ML Tile Architecture": the four nearest memory modules,
        north, south, east (the tile's own) and west. An AIE1 core reaches
        north, south, its own, and the west tile's on odd rows or the east
        tile's on even rows."""
        (cc, cr), (mc, mr) = core, memory
        compute = TileKind.COMPUTE
        if self.tile_kind(cc, cr) != compute or self.tile_kind(mc, mr) != compute:
            return False
        if cc == mc:
            return abs(cr - mr) <= 1
        if cr != mr:
            return False
        if self.arch == "AIE1":
            return mc == cc + (1 if cr % 2 == 0 else -1)
        return mc == cc - 1

    def shares_memory(self, a: tuple[int, int], b: tuple[int, int]) -> bool:
        """Two neighbouring compute tiles one of whose cores reaches the
        other's memory (core_reaches), so a stream between them needs no DMA:
        vertical neighbours reach each other's, of a horizontal pair one core
        reaches the other's."""
        return a != b and (self.core_reaches(a, b) or self.core_reaches(b, a))

    @property
    def tile_budget(self) -> int:
        """Bytes of a compute tile's data memory left for buffers and fifo
        objects once the core's default stack is kept."""
        return self.compute.data_memory_bytes - DEFAULT_CORE_STACK_BYTES

    def fifo_holder(
        self, producer: tuple[int, int], consumer: tuple[int, int]
    ) -> tuple[int, int] | None:
        """The one tile whose data memory holds the objects of a fifo between
        two compute tiles sharing memory (None when they do not share it, and
        each end holds its own objects): the producer's when the consumer's
        core reaches it, else the consumer's, which the producer's core then
        reaches. This is mlir-aie's objectfifo lowering [SFT] (isSharedMemory's
        share_direction: -1, the producer's module, is tried first;
        createObjectFifoElements makes `depth` buffers and their locks on that
        tile only). On AIE-ML: the producer's, except for a producer east of
        its consumer on one row (column + 1), whose objects the consumer holds."""
        if not self.shares_memory(producer, consumer):
            return None
        return producer if self.core_reaches(consumer, producer) else consumer

    def tile_facts(self, col: int, row: int) -> TileFacts:
        return self.facts(self.tile_kind(col, row))

    @property
    def compute_cores(self) -> int:
        return self.columns * len(self.compute_rows)

    def describe(self) -> str:
        """`npu1 (4 columns x 6 rows)`, for diagnostics."""
        return f"{self.name} ({self.columns} columns x {self.rows} rows)"

    def peak_ops_per_second(self, dtype: str) -> float:
        """Peak operations per second of all compute cores (a MAC is 2 ops)."""
        if dtype not in self.macs_per_cycle:
            raise KeyError(
                f"no peak MAC figure for {dtype} on {self.name}; known: "
                + ", ".join(sorted(self.macs_per_cycle))
            )
        return self.macs_per_cycle[dtype] * 2 * self.clock_hz * self.compute_cores


# Tile facts shared by AIE-ML (npu1) and AIE2P (npu2): mlir-aie models both with
# AIE2TargetModel, and DESIGN.md's table gives the same figures for both.
_COMPUTE = TileFacts(
    data_memory_bytes=64 * 1024,  # [TM] getLocalMemorySize() = 0x10000; [AM020] 64 KB
    # [AM020] program memory/tile 16 KB (AIE-ML, npu1). npu2 (AIE2P) uses the
    # same figure: mlir-aie models both with AIE2TargetModel; AM027 (AIE-ML v2)
    # is the manual to confirm it against (not in our sources yet).
    # dato-npu-kernel-objects checks each core's estimated program against it.
    program_memory_bytes=16 * 1024,
    # [OPS] DMABDOp docs: a core memory module's BDs are shared by 4 DMA channels
    dma_s2mm_channels=2,
    dma_mm2s_channels=2,
    buffer_descriptors=16,  # [TM] getNumBDs(): 16 off memtiles
    locks=16,  # [TM] getNumLocks(): 16 off memtiles
    dma_dimensions=3,  # [DIA] DMABDOp::verify: at most 3 dims outside memtiles
)
_MEMTILE = TileFacts(
    data_memory_bytes=512 * 1024,  # [TM] getMemTileSize() = 0x80000; [AM020] 512 KB
    program_memory_bytes=0,  # memtiles have no core
    # [OPS] DMABDOp docs: a memtile's 48 BDs are shared by 12 channels, 6 each way
    dma_s2mm_channels=6,
    dma_mm2s_channels=6,
    buffer_descriptors=48,  # [TM] getNumBDs(): 48 on memtiles
    locks=64,  # [TM] getNumLocks(): 64 on memtiles
    dma_dimensions=4,  # [DIA] DMABDOp::verify: 4 dims on memtiles
)
_SHIM = TileFacts(
    data_memory_bytes=0,  # shim tiles move host memory; they hold none
    program_memory_bytes=0,
    dma_s2mm_channels=2,  # DESIGN.md hardware table: shim 2/2
    dma_mm2s_channels=2,
    buffer_descriptors=16,  # [TM] getNumBDs(): 16 off memtiles
    locks=16,  # [TM] getNumLocks(): 16 off memtiles
    dma_dimensions=3,  # [X] NpuWriteBdOp::verify: "ShimTile only supports 3 dimensions"
)
_MEMCPY_ND = MemcpyNdLimits(
    entries=4,  # [X] static_offsets/sizes/strides: DenseArrayCount<4>
    word_bits=32,  # [TM] getAddressGenGranularity() = 32
    max_size_d0=(1 << 10) - 1,  # [X] shim wrap_bits = 10 -> [0:1023]
    max_size_d1=(1 << 10) - 1,  # [X] same field width for d1
    max_repeat=1 << 6,  # [X] iter_bits = 6 -> "Size 3 exceeds the [1:64] range"
    max_stride=1 << 20,  # [X] shim step_bits = 20 -> [1:1048576]
)

# [AM020] AIE-ML ops/tile/cycle: INT4 1024, INT8 512, INT16 128, INT32 32,
# bfloat16 256; halved to MACs. Matches DESIGN.md: int8 256, int16 64, bf16 128.
_AIE_ML_MACS = {"i4": 512, "i8": 256, "i16": 64, "i32": 16, "bf16": 128}
# AIE2P (npu2, AIE-ML v2), MACs per cycle per core: one vector MAC instruction
# issues per cycle (UG1603 "Architecture Overview": a VLIW bundle holds one
# fixed-point or bfloat16 vector operation), so the peak of a type is the MACs
# of the widest native MAC instruction for it in the AIE API's aie2p headers
# [API2P] (AMD's AIE API, aie_api/detail/aie2p/, shipped with mlir-aie):
# - i8: 512 = 8x8x8, DESIGN.md's table; mm.cc's aie2p int8 kernel uses that
#   aie::mmul<8, 8, 8> shape [MM2P];
# - i16: 128 = 4x4x8: mmul_16_16.hpp maps the dense int16 shapes onto the
#   native mac_4x4_4x8 / mac_8x2_2x8 intrinsics (4*4*8 = 8*2*8 = 128 MACs);
#   mm.cc's aie2p int16 kernels use aie::mmul<4, 4, 8> [MM2P];
# - bf16: 64: AIE2P has no bf16 matrix MAC; mmul_bf16_bf16.hpp builds every
#   bf16 shape from element-wise MACs, the widest being mac_elem_64 (its
#   8x1x8 form: 64 MACs). mm.cc's default aie2p bf16 kernel, aie::mmul<4, 8, 8>
#   (without bfp16 emulation, which the GEMM design does not use), issues
#   eight 32-lane mac_elem_32 per 4x8x8 block (emulated_mmul_intrinsics.hpp):
#   32 MACs per cycle at best, half this peak. With
#   AIE_API_EMULATE_BFLOAT16_MMUL_WITH_BFP16 the 8x8x8 block runs as one
#   bfp16 mac_8x8_8x8T (512 MACs) after conversions: a block floating-point
#   result, not bf16's, so it is not counted as bf16 peak here.
# [MM2P] mlir-aie aie_kernels/aie2p/mm.cc, its `combos` table.
_AIE2P_MACS = {"i8": 512, "i16": 128, "bf16": 64}

# [XDNA] npu1_regs.c: NPU1_HCLK_FREQ_MAX 1600, top DPM level {847, 1600} MHz.
_NPU1_CLOCK_HZ = 1_600_000_000
# [XDNA] npu4_regs.c (Strix): top DPM level {1267, 1800} MHz.
_NPU2_CLOCK_HZ = 1_800_000_000

# Bytes one DMA channel moves per AIE cycle, by architecture and tile kind (the
# performance model's bandwidths). AIE-ML (npu1): [AM020] "Array Interface DMA":
# each shim channel sustains 4 bytes per cycle; tile and memtile DMA channels
# drive 32-bit stream ports [AM020], also 4 bytes per cycle. AIE2P (npu2): we
# take AM027 (AIE-ML v2) as its closest manual: memtile DMA channels and the
# stream switch are 64-bit, 8 bytes per cycle ("AXI4-Stream Interconnect": DMA
# sources and destinations at 64 bits a cycle), for every tile kind; for the
# shim, UG1603 "Performance Comparison Between AI Engine/PL and AI Engine/NoC
# Interfaces" gives the AIE-ML v2 interface DMA two 64-bit streams each way (and
# two 128-bit NoC masters, AM027 "AIE-ML v2 Array Interface": two NMUs), where
# AIE-ML's are 32-bit: 8 bytes per cycle. Neither manual names npu2; AIE2P as
# AIE-ML v2 is mlir-aie's naming.
NPU_DMA_BYTES_PER_CYCLE: dict[str, dict[str, int]] = {
    "AIE2": {"shim": 4, "memtile": 4, "compute": 4},
    "AIE2P": {"shim": 8, "memtile": 8, "compute": 8},
}

# AIE1 (xcvc1902) tiles [TM] AIE1TargetModel: 32 KB local memory, 16 locks and 16
# BDs per tile. mlir-aie's DMABDOp::verify allows 3 BD dimensions off memtiles on
# every architecture; we follow it so its files verify here too.
_AIE1_COMPUTE = TileFacts(
    data_memory_bytes=32 * 1024,  # [TM] getLocalMemorySize() = 0x8000
    program_memory_bytes=16 * 1024,
    dma_s2mm_channels=2,
    dma_mm2s_channels=2,
    buffer_descriptors=16,  # [TM] getNumBDs() = 16
    locks=16,  # [TM] getNumLocks() = 16
    dma_dimensions=3,  # [DIA] DMABDOp::verify: 3 outside memtiles
)


def _versal(
    name: str, code: int, arch: str, columns: int, memtile_rows: int, cores: int
) -> NpuDevice:
    """A Versal AI Engine part [TM] (VC1902/VE2302/VE2802TargetModel): shim row 0,
    then the memtile rows, then the core rows. Its shim row mixes NOC and PL
    tiles; we model every shim tile as a NOC one. No clock or MAC figures are in
    our sources for these parts, so peak figures are not available (clock 0)."""
    aie1 = arch == "AIE1"
    return NpuDevice(
        name=name,
        mlir_code=code,
        arch=arch,
        columns=columns,
        rows=1 + memtile_rows + cores,
        shim_row=0,
        memtile_rows=tuple(range(1, 1 + memtile_rows)),
        compute_rows=tuple(range(1 + memtile_rows, 1 + memtile_rows + cores)),
        compute=_AIE1_COMPUTE if aie1 else _COMPUTE,
        memtile=_MEMTILE,
        shim=_SHIM,
        memcpy_nd=_MEMCPY_ND,
        macs_per_cycle={} if aie1 else dict(_AIE_ML_MACS),
        cascade_bits=384 if aie1 else 512,
        max_lock_value=1 if aie1 else 0x3F,
    )


def _npu(name: str, code: int, arch: str, columns: int) -> NpuDevice:
    is_npu2 = arch == "AIE2P"
    return NpuDevice(
        name=name,
        mlir_code=code,
        arch=arch,
        columns=columns,
        rows=6,  # [TM] Base NPU1/NPU2 rows(): 1 shim, 1 memtile, 4 core rows
        shim_row=0,  # [TM] isShimNOCTile: row == 0
        memtile_rows=(1,),  # [TM] isMemTile: row == 1
        compute_rows=(2, 3, 4, 5),  # [TM] isCoreTile: row > 1
        compute=_COMPUTE,
        memtile=_MEMTILE,
        shim=_SHIM,
        memcpy_nd=_MEMCPY_ND,
        macs_per_cycle=dict(_AIE2P_MACS if is_npu2 else _AIE_ML_MACS),
        clock_hz=_NPU2_CLOCK_HZ if is_npu2 else _NPU1_CLOCK_HZ,
    )


# Names, enum codes [ENUM] and column counts [TM]: npu1 is the 4-column Phoenix
# array (NPU1 virtualized models), npu2 the 8-column Strix array (NPU2TargetModel
# columns() = 8); `_<n>col` variants expose the first n columns.
DEVICES: dict[str, NpuDevice] = {
    d.name: d
    for d in (
        _npu("npu1", 4, "AIE2", 4),
        _npu("npu1_1col", 5, "AIE2", 1),
        _npu("npu1_2col", 6, "AIE2", 2),
        _npu("npu1_3col", 7, "AIE2", 3),
        _npu("npu2", 8, "AIE2P", 8),
        *(_npu(f"npu2_{n}col", 8 + n, "AIE2P", n) for n in range(1, 8)),
        # [TM] VC1902: 50 columns, 1 shim + 8 core rows; VE2302: 17 columns,
        # 1 memtile + 2 core rows; VE2802: 38 columns, 2 memtile + 8 core rows
        _versal("xcvc1902", 1, "AIE1", 50, 0, 8),
        _versal("xcve2302", 2, "AIE2", 17, 1, 2),
        _versal("xcve2802", 3, "AIE2", 38, 2, 8),
    )
}

ALIASES: dict[str, str] = {"npu1_4col": "npu1", "npu": "npu1"}
"""Older spellings accepted on input: `npu1_4col` was renamed `npu1`, and the
first Phoenix designs say `npu`."""


def lookup(name: str) -> NpuDevice | None:
    """The device of a name as written in `aie.device(...)`, older spellings included."""
    return DEVICES.get(ALIASES.get(name, name))


def by_code(code: int) -> NpuDevice | None:
    """The device of an mlir-aie AIEDevice enum value."""
    for device in DEVICES.values():
        if device.mlir_code == code:
            return device
    return None


# FPGA parts for the HLS path's performance estimate. DSP counts: DESIGN.md's
# hardware table (Alveo U280 9,024; U250 12,288). DSPs per MAC: DESIGN.md (fp32
# about 5, int16 1, int8 0.5 with packing); int32 3 is our assumption (a 32x32
# multiply spans three 27x18 DSP48E2 slices) and bf16 is computed in float here,
# so it is counted like fp32. Clock: 300 MHz, the kernel clock Vitis targets by
# default on these platforms (a target, not a timing-closure result).
#
# On-chip memory and logic (the HLS resource estimate): BRAM36 blocks (36 Kbit
# each), URAM blocks (288 Kbit, 72 bits x 4,096 each; UG974's URAM288), LUTs
# and flip-flops of the whole device, from the Alveo data sheets (U280: DS963,
# 2,016 BRAM36, 960 URAM, 1,304K LUTs, 2,607K registers, "41 MB" internal SRAM;
# U200/U250: DS962, U250 2,688 BRAM36, 1,280 URAM, 1,728K LUTs, 3,456K
# registers, "54 MB"). The platform's shell takes part of each; `platforminfo`
# reports what a given platform leaves to kernels.
FPGA_PARTS: dict[str, dict[str, float]] = {
    "u280": {"dsps": 9024, "clock_mhz": 300.0, "i8": 0.5, "i16": 1.0, "i32": 3.0, "f32": 5.0,
             "bf16": 5.0, "bram36": 2016, "uram": 960, "luts": 1_304_000, "ffs": 2_607_000},
    "u250": {"dsps": 12288, "clock_mhz": 300.0, "i8": 0.5, "i16": 1.0, "i32": 3.0, "f32": 5.0,
             "bf16": 5.0, "bram36": 2688, "uram": 1280, "luts": 1_728_000, "ffs": 3_456_000},
}  # fmt: skip
DEFAULT_CORE_STACK_BYTES = 1024
"""Stack a core gets when `aie.core` names no `stack_size`: aiecc's default
(0x400); it comes out of the tile's data memory."""

__all__ = [
    "ALIASES",
    "DEFAULT_CORE_STACK_BYTES",
    "FPGA_PARTS",
    "DEVICES",
    "MemcpyNdLimits",
    "NpuDevice",
    "TileFacts",
    "TileKind",
    "by_code",
    "lookup",
]
