"""A cycle-approximate performance model of a lowered NPU design: a MODEL, not a
measurement, and the report it prints says so.

What it reads from the `aie.device` (nothing from Python-side state):
- each `aie.core`: the kernels it calls (`func.call`, the work from the operand
  shapes and element types), how often (the constant trip counts of the
  enclosing `scf.for` loops) and its objectfifo acquires/releases;
- each `aie.objectfifo`: its object size, depth, producer and consumer tiles;
- the runtime sequence: the bytes each `aiex.npu.dma_memcpy_nd` moves through
  its shim fifo.

What it computes, in AIE clock cycles:
- per core, kernel cycles = work / rate, where the rate is the peak MACs per
  cycle of the operand type (devices.py) times an efficiency per kernel kind
  (`KERNEL_RATES` below), plus a lock cost per acquire and release;
- a user's external kernel (`dato.ExternalModule`) is opaque to the model: a
  call costs the cycles its declaration states (`cycles=N`, carried as
  `dato.kernel_cycles`), or the multiply-accumulates it does (`macs=N`,
  optionally `efficiency=e`; carried as `dato.kernel_macs`,
  `dato.kernel_mac_type` and `dato.kernel_efficiency`), counted as
  N / (the device's peak MACs per cycle of that type x e) cycles per call, its
  N MACs counted in the utilization; without either the call is counted at the
  scalar library's rate per output element (`KERNEL_RATES["undeclared"]`, ten
  cycles each, from a published scalar-loop measurement) and the report names
  the kernel as "undeclared", so a time that rests on a guess says so;
- per DMA channel (one per fifo end, as the resource report counts them),
  bytes / bytes-per-cycle of that tile kind (devices.py) plus a BD cost per
  object;
- overlap: a fifo of depth >= 2 overlaps its transfers with the core's work
  (double buffering); a fifo of depth 1 makes the core wait for each object's
  transfer, so those transfer cycles add to the core's path; so does a
  memtile link's shim-side fifo of depth 1 (each of its objects after the
  first is refilled while the cores wait); the memtile channel carries what
  the cores take, a `repeat_count` resend included, the shim what the
  runtime sequence moves;
- a core's path also pays the pipeline fill (the first object of each input
  through its memtile hop) and drain (the last output object to the shim).
A core fed by another core starts when the producer hands over its first
object (its path / objects it releases) and ends no earlier than the producer's
end plus one object's share of its own path. The design's steady time is the
latest core end or the longest channel busy time; that resource is the
bottleneck.

The runtime sequence adds what its issue order costs (`issue_model`): the
command processor issues its transfers in order; each `dma_memcpy_nd` is one
task on its shim channel's task queue, which holds TASK_QUEUE_DEPTH tasks
(AM020), so a push to a full queue waits for that channel's oldest task; a
`dma_wait` waits for the transfer it names. A task lasts its share of the
steady time (the pace the cores take or give its data) and at least its bytes
at the shim's rate; an output starts no earlier than the inputs issued
before it started, plus the pipeline's fill and drain. The sequence's stall is how much later
its last task ends than if every task were issued at once; modeled time is the
steady time plus that stall.
Utilization is useful MACs over (modeled cycles x peak MACs per cycle x every
compute core of the device).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from xdsl.dialects import arith, func, scf
from xdsl.dialects.builtin import (
    BFloat16Type,
    Float32Type,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    MemRefType,
    ModuleOp,
    StringAttr,
)
from xdsl.ir import Attribute, Operation, SSAValue

from dato_xdsl import devices
from dato_xdsl.dialects import aie, aiex
from dato_xdsl.transforms import kernel_decls
from dato_xdsl.transforms.ir_constants import int_constant
from dato_xdsl.transforms.kernel_decls import KernelDecl, is_kernel_declaration, read_declaration
from dato_xdsl.transforms.npu_gemm_design import DESIGN_NOTE


@dataclass(frozen=True)
class Rate:
    """How fast one kernel kind runs on one core: `per_cycle` units of work per
    cycle, or, when `fraction_of_peak` is set, that fraction of the device's
    peak MACs per cycle for the operand type. `source` says where it comes from."""

    unit: str
    per_cycle: float
    fraction_of_peak: float | None
    source: str


# Where the scalar rates come from. mlir-aie's programming guide, section 4c
# ("Kernel Vectorization and Optimization"), traces the scalar `scale_scalar`
# loop of aie_kernels/aie2/scale.cc (c[i] = factor * a[i], int16, 1024 elements
# a call) on one npu1 core: about 10,250 cycles between its event0/event1, about
# 10 cycles per element, kernel only. (The same section's matmul trace figure is
# not used: its arithmetic does not hold, see docs/npu-model.md.)
SCALAR_LOOP_CYCLES_PER_ELEMENT = 10
"""Cycles per element of a plain scalar C++ loop on an AIE2 core: ~10,250 / 1024
= 10.0 measured (programming guide section 4c, scale_scalar, int16)."""

# The kernels today's lowering calls are dato_kernels.cc: plain scalar C++ loops.
KERNEL_RATES: dict[str, Rate] = {
    "dato_matmul": Rate(
        "MAC",
        1 / SCALAR_LOOP_CYCLES_PER_ELEMENT,
        None,
        "derived from a published measurement: mlir-aie programming guide section 4c "
        "measures the scalar scale_scalar loop at ~10,250 cycles for 1024 int16 elements "
        "(~10 cycles per iteration of load, multiply, store); a scalar MAC iteration (two "
        "loads, multiply, add) is taken at the same cost, ~0.1 MAC per cycle",
    ),
    "dato_elementwise": Rate(
        "element",
        1 / SCALAR_LOOP_CYCLES_PER_ELEMENT,
        None,
        "published measurement: mlir-aie programming guide section 4c, the scalar "
        "scale_scalar loop at ~10,250 cycles for 1024 int16 elements on one npu1 core "
        "(~0.1 element per cycle; float is emulated on the scalar unit, AM020 'Arithmetic "
        "Logic Unit and Scalar Functions', so float and exp figures are optimistic)",
    ),
    "scalar_arith": Rate(
        "op",
        1.0,
        None,
        "documented bound: one scalar operation per cycle (AM020 'Arithmetic Logic Unit "
        "and Scalar Functions': issue rate one instruction per cycle; UG1603 'Architecture "
        "Overview': one scalar operation per VLIW instruction); optimistic beside the "
        "measured scalar loop (section 4c, ~10 cycles per element)",
    ),
    # a user's kernel declared without cycles=: the model cannot see into it
    "undeclared": Rate(
        "output element",
        1 / SCALAR_LOOP_CYCLES_PER_ELEMENT,
        None,
        "derived from a published measurement: the scalar library's rate, ~0.1 output "
        "element per cycle (mlir-aie programming guide section 4c, scalar scale_scalar); "
        "the kernel's real cost is unknown: declare cycles= in dato.ExternalModule",
    ),
    # mlir-aie aie_kernels mm.cc (matmul_<in>_<out>): AIE-API vector kernels, which the
    # vector GEMM design (transforms/npu_gemm_design.py) calls on blocked tiles.
    "vector_matmul": Rate(
        "MAC",
        0.0,
        0.43,
        "published measurement: hand-written micro-kernel at 43% of one Phoenix core's "
        "bf16 peak on 512^3, end to end (iree-amd-aie issue 1198); a lower bound for the "
        "kernel alone (no consistent kernel-only figure found: docs/npu-model.md)",
    ),
    # the same on AIE2P (npu2): issue 1198's Strix figure for a Peano-compiled
    # micro-kernel, the compiler build.sh uses. No kernel-only AIE2P figure was
    # found (see docs/npu-model.md), so this end-to-end one stays: a lower bound.
    "vector_matmul_aie2p": Rate(
        "MAC",
        0.0,
        0.26,
        "published measurement: Peano-compiled micro-kernel at 26% of one Strix core's "
        "int8 peak on 512^3, end to end, against a 1 GHz clock (iree-amd-aie issue 1198; "
        "its chess build: 34%); a lower bound for the kernel alone",
    ),
    # mm.cc's zero_<acc> (zero.cc): vector stores of the accumulator block
    "vector_zero": Rate(
        "byte",
        32.0,
        None,
        "documented bound: one 256-bit vector store per cycle (AM020 'AIE-ML Interfaces': "
        "one 256-bit store unit, 256 bits per cycle; zero.cc stores whole vectors); a "
        "store-bound kernel measured at 64 / 72 = 89% of it (programming guide section 4c)",
    ),
    # the same on AIE2P (npu2), whose store unit is twice as wide
    "vector_zero_aie2p": Rate(
        "byte",
        64.0,
        None,
        "documented bound: one 512-bit vector store per cycle (AM027 'AIE-ML v2 "
        "Interfaces': one 512-bit store unit, 512 bits per cycle; zero.cc stores whole "
        "vectors)",
    ),
}


@dataclass(frozen=True)
class MacCost:
    """A kernel's cost declared as work: `macs` per call at `efficiency` x the
    device's peak MACs per cycle of `dtype`."""

    macs: int
    dtype: str
    efficiency: float

    def cycles(self, device: devices.NpuDevice) -> float | None:
        """Cycles per call on `device`; None if it has no peak for the type."""
        peak = device.macs_per_cycle.get(self.dtype)
        return None if peak is None else self.macs / (peak * self.efficiency)


def vector_rate_key(base: str, device: devices.NpuDevice) -> str:
    """The KERNEL_RATES key of an mm.cc kernel's rate on `device`: AIE2P
    (npu2) has its own figures, `<base>_aie2p`."""
    return f"{base}_aie2p" if device.arch == "AIE2P" else base


def mac_cost(op: func.FuncOp) -> MacCost | None:
    """The `macs=` cost a declaration carries, if any."""
    macs, dtype = op.attributes.get(kernel_decls.MACS), op.attributes.get(kernel_decls.MAC_TYPE)
    if not isinstance(macs, IntegerAttr) or not isinstance(dtype, StringAttr):
        return None
    eff = op.attributes.get(kernel_decls.EFFICIENCY)
    efficiency = eff.value.data if isinstance(eff, FloatAttr) else 1.0
    return MacCost(macs.value.data, dtype.data, efficiency)


LOCK_CYCLES = 8
LOCK_SOURCE = (
    "assumption: a lock acquire or release costs about 8 core cycles; no published "
    "figure (AM020/AM027 lock sections, UG1583 lock intrinsics and mlir-aie's guide give "
    "none); bounded by the ~15-cycle fixed cost of a whole kernel call measured in "
    "mlir-aie programming guide section 4c"
)
BD_CYCLES = 16
BD_SOURCE = (
    "assumption: a DMA channel spends about 16 cycles between buffer descriptors (BD "
    "load and lock handshake); no published figure (AM020/AM027 DMA sections give "
    "none); small beside the 512-cycle objects of the guide's section 4c trace, which "
    "run at the documented 4 bytes per cycle"
)
TASK_QUEUE_DEPTH = 4
TASK_QUEUE_SOURCE = (
    "AM020 'Array Interface DMA Memory-Mapped AXI4 Master Interface': each shim DMA "
    "channel supports a task queue, 'queue depth is four tasks per channel'"
)
"""The tasks a shim DMA channel holds. Only the runtime sequence pushes tasks
(one per dma_memcpy_nd); memtile and core channels run the objectfifos' BD
chains, started once, so their queues are not a limit here."""


@dataclass
class CoreModel:
    tile: tuple[int, int]
    kernel_cycles: float = 0.0
    lock_cycles: float = 0.0
    waits: float = 0.0
    """transfer cycles of depth-1 fifos the core waits for"""
    fill: float = 0.0
    drain: float = 0.0
    macs: int = 0
    scalar_ops: int = 0
    """arith ops the core body runs itself (outside kernel calls)"""
    calls: list[str] = field(default_factory=list)
    declared: dict[str, int] = field(default_factory=dict)
    """user kernels this core calls whose declarations state cycles per call"""
    undeclared: dict[str, float] = field(default_factory=dict)
    """user kernels without a declared cost: the cycles per call assumed"""
    by_macs: dict[str, tuple[MacCost, float]] = field(default_factory=dict)
    """user kernels whose cost is declared in MACs: the cost and cycles per call"""

    start: float = 0.0
    """when its first input from another core is there (0: fed by shim/memtile only)"""
    finish: float = 0.0

    @property
    def path(self) -> float:
        return self.fill + self.kernel_cycles + self.lock_cycles + self.waits + self.drain


@dataclass
class ChannelModel:
    name: str
    tile: tuple[int, int]
    kind: str
    bytes: int
    objects: int
    cycles: float


@dataclass(frozen=True)
class Transfer:
    """One runtime-sequence task for `issue_model`: its shim fifo, how long its
    channel takes for it, whether it feeds the array (an input) and raises a
    task-completion token (what a dma_wait waits for)."""

    fifo: str
    cycles: float
    is_input: bool
    token: bool


@dataclass(frozen=True)
class Wait:
    """A `dma_wait` on `fifo`: the issue stops until that fifo's oldest
    transfer with a token not yet waited for (without one: its last) ends."""

    fifo: str


@dataclass
class IssueModel:
    """What the runtime sequence's issue order costs (see issue_model)."""

    tasks: int = 0
    queue_waits: int = 0
    """pushes that found their channel's task queue full"""
    queue_held: float = 0.0
    """cycles the issue waited on full queues"""
    sync_held: float = 0.0
    """cycles the issue waited on dma_waits followed by more transfers"""
    end: float = 0.0
    """when its last task ends, as issued"""
    free_end: float = 0.0
    """when it would end with every task issued at cycle 0"""

    @property
    def stall(self) -> float:
        return max(0.0, self.end - self.free_end)


def issue_model(
    ops: Iterable[Transfer | Wait], latency: float, depth: int = TASK_QUEUE_DEPTH
) -> IssueModel:
    """The runtime sequence issued in order: a transfer starts when issued and
    its channel (one per fifo) has finished the one before; a push finding
    `depth` tasks of its channel unfinished waits for the oldest of them; an
    output starts no earlier than the inputs issued before it started plus
    `latency` (an input object's way to the cores and an output object's way
    out: the pipeline's fill and drain); a Wait holds the issue until its
    transfer ends. `free_end`: the same tasks all issued at cycle 0 with no
    queue limit."""
    ops = list(ops)

    def run(limited: bool) -> tuple[float, int, float, float]:
        t = 0.0
        last: dict[str, float] = {}
        queue: dict[str, deque[float]] = {}
        tokens: dict[str, deque[float]] = {}
        inputs_start = end = queue_held = sync_held = 0.0
        full = 0
        hold = 0.0  # a wait's hold, counted once a transfer follows it
        for op in ops:
            if isinstance(op, Wait):
                if limited:
                    pending = tokens.get(op.fifo)
                    target = pending.popleft() if pending else last.get(op.fifo, 0.0)
                    hold += max(0.0, target - t)
                    t = max(t, target)
                continue
            sync_held += hold
            hold = 0.0
            q = queue.setdefault(op.fifo, deque())
            while q and q[0] <= t:
                q.popleft()
            if limited and len(q) >= depth:
                full += 1
                ready = q[len(q) - depth]  # tasks end in order on a channel
                queue_held += ready - t
                t = ready
                while q and q[0] <= t:
                    q.popleft()
            start = max(t, last.get(op.fifo, 0.0))
            if op.is_input:
                inputs_start = max(inputs_start, start)
            else:
                start = max(start, inputs_start + latency)
            finish = start + op.cycles
            last[op.fifo] = finish
            q.append(finish)
            if op.token:
                tokens.setdefault(op.fifo, deque()).append(finish)
            end = max(end, finish)
        return end, full, queue_held, sync_held

    end, full, queue_held, sync_held = run(True)
    free_end, *_ = run(False)
    tasks = sum(1 for op in ops if isinstance(op, Transfer))
    return IssueModel(tasks, full, queue_held, sync_held, end, free_end)


@dataclass
class DesignModel:
    device: devices.NpuDevice
    cores: list[CoreModel]
    channels: list[ChannelModel]
    notes: list[str]
    issue: IssueModel | None = None
    """the runtime sequence's issue (None: the device has none)"""

    @property
    def steady_cycles(self) -> float:
        """The latest core end or the busiest channel, the sequence aside."""
        return max([c.finish for c in self.cores] + [c.cycles for c in self.channels] + [0.0])

    @property
    def cycles(self) -> float:
        return self.steady_cycles + (self.issue.stall if self.issue else 0.0)

    @property
    def macs(self) -> int:
        return sum(c.macs for c in self.cores)

    @property
    def bottleneck(self) -> str:
        best, name = -1.0, "nothing"
        for c in self.cores:
            if c.finish > best:
                waits = f" (after its producers, from cycle {c.start:,.0f})" if c.start else ""
                best, name = c.finish, f"core {c.tile}{waits}"
        for ch in self.channels:
            if ch.cycles > best:
                best, name = ch.cycles, f"{ch.kind} DMA channel {ch.name} at {ch.tile}"
        if self.issue is not None and self.issue.stall > 0:
            name += f", then the runtime sequence's issue ({self.issue.stall:,.0f} cycles)"
        return name

    def seconds(self) -> float:
        return self.cycles / self.device.clock_hz if self.device.clock_hz else math.nan

    def peak_macs(self, dtype: str) -> int | None:
        return self.device.macs_per_cycle.get(dtype)

    def utilization(self, dtype: str, cores: int | None = None) -> float | None:
        """Useful MACs over modeled cycles x peak of `cores` cores (default: all)."""
        peak = self.peak_macs(dtype)
        if peak is None or self.cycles == 0:
            return None
        n = self.device.compute_cores if cores is None else cores
        return self.macs / (self.cycles * peak * n)


def type_name(t: Attribute) -> str:
    if isinstance(t, IntegerType):
        return f"i{t.width.data}"
    if isinstance(t, BFloat16Type):
        return "bf16"
    if isinstance(t, Float32Type):
        return "f32"
    return str(t)


def _trip_count(loop: scf.ForOp) -> int | None:
    lb, ub, step = (int_constant(v) for v in (loop.lb, loop.ub, loop.step))
    if lb is None or ub is None or step is None or step <= 0:
        return None
    return max(0, -(-(ub - lb) // step))


_FREE_ARITH = (arith.ConstantOp, arith.IndexCastOp)
"""arith ops that cost no cycle of their own (folded into addressing or immediates)"""


def _walk_weighted(
    ops: Iterable[Operation], mult: int, notes: list[str]
) -> Iterator[tuple[Operation, int]]:
    for op in ops:
        yield op, mult
        inner = mult
        if isinstance(op, scf.ForOp):
            trips = _trip_count(op)
            if trips is None:
                notes.append("a loop with a non-constant trip count is counted once")
                trips = 1
            inner = mult * trips
        for region in op.regions:
            for block in region.blocks:
                yield from _walk_weighted(block.ops, inner, notes)


def kernel_work(
    callee: str,
    operands: list[MemRefType],
    device: devices.NpuDevice,
    matmul_rate: Rate | None = None,
) -> tuple[str, float, int, Rate | None]:
    """(operand type, cycles, MACs, rate) of one call. `matmul_rate` replaces the
    rate of every matmul call (what-if studies: the same design with a vector kernel)."""
    shapes = [t.get_shape() for t in operands]
    dtype = type_name(operands[0].element_type) if operands else "?"
    is_matmul = len(shapes) == 3 and len(shapes[0]) == 2 and len(shapes[1]) == 2
    if is_matmul and (callee.startswith("dato_matmul") or callee.startswith("matmul")):
        m, k = shapes[0]
        n = shapes[1][1]
        macs = m * k * n
        vector = vector_rate_key("vector_matmul", device)
        rate = KERNEL_RATES["dato_matmul" if callee.startswith("dato_") else vector]
        rate = matmul_rate or rate
        per_cycle = rate.per_cycle
        if rate.fraction_of_peak is not None:
            peak = device.macs_per_cycle.get(dtype)
            if peak is None:
                return dtype, 0.0, macs, None
            per_cycle = peak * rate.fraction_of_peak
        return dtype, macs / per_cycle, macs, rate
    if callee.startswith("zero_") and len(operands) == 1:
        rate = KERNEL_RATES[vector_rate_key("vector_zero", device)]
        return dtype, aie.memref_bytes(operands[0]) / rate.per_cycle, 0, rate
    if callee.startswith("dato_"):
        rate = KERNEL_RATES["dato_elementwise"]
        elements = max((math.prod(sh) for sh in shapes), default=0)
        return dtype, elements / rate.per_cycle, 0, rate
    return dtype, 0.0, 0, None


def undeclared_cycles(decl: KernelDecl | None, operands: list[Attribute]) -> float:
    """Cycles assumed for one call of a kernel with no known cost: its output
    arrays' elements (every array operand's, without a declaration) at the
    `undeclared` rate."""
    if decl is not None and decl.outputs:
        outs = [operands[k] for k in decl.outputs if k < len(operands)]
    else:
        outs = operands
    elements = sum(math.prod(t.get_shape()) for t in outs if isinstance(t, MemRefType))
    return elements / KERNEL_RATES["undeclared"].per_cycle


def _fifo_depth(op: aie.ObjectFifoCreateOp) -> int:
    d = op.elemNumber
    if isinstance(d, IntegerAttr):
        return d.value.data
    return max(x.value.data for x in d.data)  # type: ignore[attr-defined]


def model(
    device_op: aie.DeviceOp,
    matmul_rate: Rate | None = None,
    dma_bytes_per_cycle: dict[str, int] | None = None,
) -> DesignModel:
    """The model of one device. What-if studies: `matmul_rate` replaces the rate
    of every matmul call, `dma_bytes_per_cycle` the DMA bandwidths of devices.py
    (by tile kind: shim, memtile, compute; kinds it omits keep theirs)."""
    device = devices.by_code(device_op.device.value.data)
    if device is None:
        raise ValueError("the performance model needs a known aie.device")
    notes: list[str] = []
    tiles: dict[SSAValue, tuple[int, int]] = {}
    fifos: dict[str, aie.ObjectFifoCreateOp] = {}
    links_in: dict[str, str] = {}  # memtile-side fifo -> the shim-side fifo it is linked to
    decls: dict[str, KernelDecl] = {}
    costs: dict[str, MacCost] = {}
    for op in device_op.body.block.ops:
        if is_kernel_declaration(op):
            assert isinstance(op, func.FuncOp)
            decls[op.sym_name.data] = read_declaration(op)
            cost = mac_cost(op)
            if cost is not None:
                costs[op.sym_name.data] = cost
        if isinstance(op, aie.MemOp | aie.FlowOp) or op.name in ("aie.memtile_dma", "aie.shim_dma"):
            notes.append(f"{op.name} (explicit DMAs and flows) is not modeled: objectfifos only")
        if isinstance(op, aie.TileOp):
            tiles[op.result] = (op.col.value.data, op.row.value.data)
        elif isinstance(op, aie.ObjectFifoCreateOp):
            fifos[op.sym_name.data] = op
        elif isinstance(op, aie.ObjectFifoLinkOp):
            ins = [a.root_reference.data for a in op.fifoIns.data]  # type: ignore[attr-defined]
            outs = [a.root_reference.data for a in op.fifoOuts.data]  # type: ignore[attr-defined]
            for a in ins:
                for b in outs:
                    links_in[a] = b
                    links_in[b] = a

    def bw(tile: tuple[int, int]) -> int:
        table = devices.NPU_DMA_BYTES_PER_CYCLE.get(device.arch)
        if table is not None and dma_bytes_per_cycle:
            table = {**table, **dma_bytes_per_cycle}
        if table is None:
            raise ValueError(f"no DMA bandwidth for {device.arch} ({device.name}) in devices.py")
        return table[device.tile_kind(*tile).value]

    def obj_bytes(name: str) -> int:
        return aie.memref_bytes(fifos[name].elemType.element_type)  # type: ignore[attr-defined]

    def obj_cycles(name: str, tile: tuple[int, int]) -> float:
        return obj_bytes(name) / bw(tile)

    # objects each fifo carries: counted from the runtime sequence (shim ends)
    # and from the cores' releases (core ends)
    shim_bytes: dict[str, int] = {}
    for op in device_op.walk():
        if isinstance(op, aiex.NpuDmaMemcpyNdOp):
            t = op.memref.type
            assert isinstance(t, MemRefType)
            sizes = op.static_sizes.get_values()  # type: ignore[attr-defined]
            name = op.metadata.root_reference.data
            shim_bytes[name] = shim_bytes.get(name, 0) + math.prod(sizes) * aie.element_bytes(t)
    released: dict[tuple[str, tuple[int, int]], int] = {}
    cores: list[CoreModel] = []
    for op in device_op.body.block.ops:
        if not isinstance(op, aie.CoreOp):
            continue
        tile = tiles[op.tile]
        core = CoreModel(tile)
        blocks = list(op.body.blocks)
        if len(blocks) > 1:
            notes.append(f"core {tile} has a branching body (cf): each block counted once")
        body = [o for block in blocks for o in block.ops]
        for inner, mult in _walk_weighted(body, 1, notes):
            if isinstance(inner, func.CallOp):
                types = [v.type for v in inner.arguments if isinstance(v.type, MemRefType)]
                callee = inner.callee.root_reference.data
                decl = decls.get(callee)
                cost = costs.get(callee)
                per_call = cost.cycles(device) if cost is not None else None
                if decl is not None and decl.cycles is not None:
                    # the user's figure: no MACs counted (the model cannot see inside)
                    cycles, macs = float(decl.cycles), 0
                    core.declared[callee] = decl.cycles
                elif cost is not None and per_call is not None:
                    # the user's work at the type's peak x the stated efficiency
                    cycles, macs = per_call, cost.macs
                    core.by_macs[callee] = (cost, per_call)
                else:
                    if cost is not None:
                        notes.append(
                            f"@{callee} declares its MACs in {cost.dtype}, for which "
                            f"{device.name} has no peak figure: its cost is assumed"
                        )
                    _, cycles, macs, rate = kernel_work(callee, types, device, matmul_rate)
                    if rate is None:  # never 0: an assumed cost, named in the report
                        cycles = undeclared_cycles(decl, [v.type for v in inner.arguments])
                        core.undeclared[callee] = cycles
                core.kernel_cycles += cycles * mult
                core.macs += macs * mult
                core.calls.append(f"{callee} x{mult}")
            elif inner.dialect_name() in ("arith", "math") and not isinstance(inner, _FREE_ARITH):
                core.kernel_cycles += mult / KERNEL_RATES["scalar_arith"].per_cycle
                core.scalar_ops += mult
            elif isinstance(inner, aie.ObjectFifoAcquireOp | aie.ObjectFifoReleaseOp):
                core.lock_cycles += LOCK_CYCLES * mult
                if isinstance(inner, aie.ObjectFifoReleaseOp):
                    key = (inner.objFifo_name.root_reference.data, tile)
                    released[key] = released.get(key, 0) + inner.size.value.data * mult
        cores.append(core)

    channels: list[ChannelModel] = []
    for name, fifo in fifos.items():
        producer = tiles[fifo.producerTile]
        consumers = [tiles[c] for c in fifo.consumerTiles]
        if (
            len(consumers) == 1
            and fifo.via_DMA is None
            and device.shares_memory(producer, consumers[0])
        ):
            continue  # neighbours share the buffers: no DMA
        size = obj_bytes(name)
        ends = [(producer, "MM2S")] + [(c, "S2MM") for c in consumers]
        per_end = [released.get((name, t), 0) for t, _ in ends]
        objects = max(per_end)
        if objects == 0 and name in shim_bytes:
            objects = -(-shim_bytes[name] // size)
        for tile, direction in ends:
            cycles = objects * size / bw(tile) + objects * BD_CYCLES
            kind = device.tile_kind(*tile).value
            channels.append(
                ChannelModel(f"{direction} @{name}", tile, kind, objects * size, objects, cycles)
            )
        # overlap: a core end of a depth-1 fifo waits for every object's transfer
        depth = _fifo_depth(fifo)
        for core in cores:
            consumes = core.tile in consumers
            if core.tile != producer and not consumes:
                continue
            first = obj_cycles(name, core.tile)
            hop = name in links_in and links_in[name] in shim_bytes
            far = producer if consumes else consumers[0]  # the memtile end
            outer = obj_cycles(links_in[name], far) if hop else 0.0
            if consumes:
                core.fill = max(core.fill, first + outer)
            else:
                core.drain = max(core.drain, (first if depth >= 2 else 0.0) + outer)
            if depth < 2:
                mine = released.get((name, core.tile), 0)
                core.waits += mine * first
            if consumes and hop and _fifo_depth(fifos[links_in[name]]) < 2:
                # one memtile buffer: each refill from the shim starts after the
                # memtile sent the last object (and its repeats), so the core
                # waits for every refill but the first (that one is the fill)
                held = links_in[name]
                refills = -(-shim_bytes[held] // obj_bytes(held)) - 1
                shim = tiles[fifos[held].producerTile]
                refill = obj_bytes(held) / min(bw(shim), bw(far))
                core.waits += max(refills, 0) * refill
    _schedule(cores, fifos, tiles, links_in, released, notes)
    design = DesignModel(device, cores, channels, sorted(set(notes)))
    design.issue = _issue(device_op, design, fifos, tiles, bw, obj_bytes)
    return design


def _issue(
    device_op: aie.DeviceOp,
    design: DesignModel,
    fifos: dict[str, aie.ObjectFifoCreateOp],
    tiles: dict[SSAValue, tuple[int, int]],
    bw: Callable[[tuple[int, int]], int],
    obj_bytes: Callable[[str], int],
) -> IssueModel | None:
    """The runtime sequence's transfers and waits for issue_model: a task's
    cycles are its share of the steady time less the pipeline's fill and
    drain (the pace its fifo's data is taken or given; an input's first
    buffers' worth runs ahead), at least its bytes at the shim channel's
    rate."""
    seq = next(
        (op for op in device_op.body.block.ops if isinstance(op, aie.RuntimeSequenceOp)), None
    )
    if seq is None:
        return None
    calls = [op for op in seq.walk() if isinstance(op, aiex.NpuDmaMemcpyNdOp | aiex.NpuDmaWaitOp)]

    def nbytes(op: aiex.NpuDmaMemcpyNdOp) -> int:
        t = op.memref.type
        assert isinstance(t, MemRefType)
        sizes = op.static_sizes.get_values()  # type: ignore[attr-defined]
        return math.prod(sizes) * aie.element_bytes(t)

    total: dict[str, int] = {}
    for op in calls:
        if isinstance(op, aiex.NpuDmaMemcpyNdOp):
            name = op.metadata.root_reference.data
            total[name] = total.get(name, 0) + nbytes(op)
    latency = max((c.fill + c.drain for c in design.cores), default=0.0)
    pace = max(design.steady_cycles - latency, 0.0)
    ops: list[Transfer | Wait] = []
    for op in calls:
        if isinstance(op, aiex.NpuDmaWaitOp):
            ops.append(Wait(op.symbol.root_reference.data))
            continue
        name = op.metadata.root_reference.data
        fifo = fifos.get(name)
        if fifo is None:
            continue  # not an objectfifo's transfer: not modeled
        shim = tiles[fifo.producerTile]
        is_input = design.device.tile_kind(*shim) == devices.TileKind.SHIM
        if not is_input:
            shim = tiles[fifo.consumerTiles[0]]
        b = nbytes(op)
        # an input runs ahead of the cores by its fifo's buffers (a held block
        # sent into one buffer goes at the shim's rate); the rest at their pace
        paced = b - _fifo_depth(fifo) * obj_bytes(name) if is_input else b
        cycles = max(b / bw(shim), pace * max(paced, 0) / total[name] if total[name] else 0.0)
        token = op.issue_token is not None and op.issue_token.value.data != 0
        ops.append(Transfer(name, cycles, is_input, token))
    return issue_model(ops, latency)


def _schedule(
    cores: list[CoreModel],
    fifos: dict[str, aie.ObjectFifoCreateOp],
    tiles: dict[SSAValue, tuple[int, int]],
    links_in: dict[str, str],
    released: dict[tuple[str, tuple[int, int]], int],
    notes: list[str],
) -> None:
    """Cores fed by other cores start when the first object arrives and finish
    no earlier than their producer plus one object's share of their own work:
    a producer releasing n objects hands over its first after path/n cycles."""
    by_tile = {c.tile: c for c in cores}
    edges: list[tuple[CoreModel, CoreModel, str, str]] = []
    for name, fifo in fifos.items():
        src = tiles[fifo.producerTile]
        sinks = [tiles[t] for t in fifo.consumerTiles]
        if src not in by_tile:
            continue
        for sink in sinks:
            if sink in by_tile:
                edges.append((by_tile[src], by_tile[sink], name, name))
            elif name in links_in:  # through a memtile link to the next fifo's cores
                nxt = fifos.get(links_in[name])
                if nxt is None:
                    continue
                for far in nxt.consumerTiles:
                    if tiles[far] in by_tile:
                        edges.append((by_tile[src], by_tile[tiles[far]], name, links_in[name]))
    for c in cores:
        c.start, c.finish = 0.0, c.path
    for _ in range(len(cores) + 1):
        changed = False
        for p, q, out_name, in_name in edges:
            n_out = max(1, released.get((out_name, p.tile), 1))
            n_in = max(1, released.get((in_name, q.tile), 1))
            start = p.start + p.path / n_out
            finish = max(start + q.path, p.finish + q.path / n_in)
            if start > q.start + 1e-9 or finish > q.finish + 1e-9:
                q.start, q.finish = max(q.start, start), max(q.finish, finish)
                changed = True
        if not changed:
            return
    notes.append("cores feed each other in a cycle: start times after one pass per core")


def models(
    module: ModuleOp,
    matmul_rate: Rate | None = None,
    dma_bytes_per_cycle: dict[str, int] | None = None,
) -> list[DesignModel]:
    return [
        model(op, matmul_rate, dma_bytes_per_cycle)
        for op in module.walk()
        if isinstance(op, aie.DeviceOp)
    ]


def _dominant_type(device_op: aie.DeviceOp) -> str | None:
    """The operand type of the first matmul call, else the MAC type of the
    first call of a kernel whose cost is declared in MACs."""
    costs = {
        op.sym_name.data: cost
        for op in device_op.body.block.ops
        if isinstance(op, func.FuncOp) and (cost := mac_cost(op)) is not None
    }
    declared: str | None = None
    for op in device_op.walk():
        if isinstance(op, func.CallOp):
            name = op.callee.root_reference.data
            t = op.arguments[0].type if op.arguments else None
            if "matmul" in name and isinstance(t, MemRefType):
                return type_name(t.element_type)
            if declared is None and name in costs:
                declared = costs[name].dtype
    return declared


def _constants_lines(m: DesignModel, dtype: str | None) -> list[str]:
    """The constants this model used, each with where it comes from."""
    bw = devices.NPU_DMA_BYTES_PER_CYCLE.get(m.device.arch, {})
    if m.device.arch == "AIE2":
        dma_src = "AM020"
    else:
        dma_src = "AM027 tile/memtile; shim UG1603 and AM027 (64-bit streams)"
    lines = ["  constants (value: source; full citations in perf_model.py and devices.py):"]
    for key in ("dato_matmul", "dato_elementwise", "scalar_arith"):
        r = KERNEL_RATES[key]
        lines.append(f"    {key} {r.per_cycle:g} {r.unit}/cycle: {r.source.split(' (')[0]}")
    if any(k.startswith("matmul_") for c in m.cores for k in c.calls):
        key = vector_rate_key("vector_matmul", m.device)
        r = KERNEL_RATES[key]
        lines.append(f"    {key} {r.fraction_of_peak:.0%} of peak: {r.source.split(' (')[0]}")
        zkey = vector_rate_key("vector_zero", m.device)
        z = KERNEL_RATES[zkey]
        lines.append(f"    {zkey} {z.per_cycle:g} {z.unit}/cycle: {z.source.split(' (')[0]}")
    if any(c.undeclared for c in m.cores):
        r = KERNEL_RATES["undeclared"]
        lines.append(f"    undeclared {r.per_cycle:g} {r.unit}/cycle: {r.source.split(' (')[0]}")
    if any(c.declared for c in m.cores):
        lines.append("    declared kernel cycles: the user's dato.ExternalModule(cycles=...)")
    if any(c.by_macs for c in m.cores):
        lines.append(
            "    declared kernel work: the user's dato.ExternalModule(macs=..., efficiency=...) "
            "at the peak below"
        )
    lines.append(
        f"    lock {LOCK_CYCLES} cycles, BD {BD_CYCLES} cycles: assumptions, no published "
        "figure (docs/npu-model.md says what was searched)"
    )
    lines.append(f"    shim task queue {TASK_QUEUE_DEPTH} tasks per channel: {TASK_QUEUE_SOURCE}")
    lines.append(
        "    DMA bytes/cycle/channel "
        + ", ".join(f"{k} {v}" for k, v in bw.items())
        + f": {dma_src}"
    )
    if dtype is not None and dtype in m.device.macs_per_cycle:
        src = (
            "AM020 ops/tile/cycle"
            if m.device.arch == "AIE2"
            else "widest native MAC of the AIE API's aie2p headers (devices.py)"
        )
        peak = m.device.macs_per_cycle[dtype]
        lines.append(f"    peak {dtype} {peak} MACs/cycle/core: {src}")
    if m.device.clock_hz:
        ghz = m.device.clock_hz / 1e9
        lines.append(f"    clock {ghz:g} GHz: xdna-driver DPM table (devices.py)")
    return lines


def report(module: ModuleOp) -> str:
    """The model's section of `npu.report()` / `dato-opt -t npu-report`."""
    lines: list[str] = []
    for device_op in [op for op in module.walk() if isinstance(op, aie.DeviceOp)]:
        m = model(device_op)
        lines.append(f"performance MODEL for aie.device({m.device.name}) (modeled, not measured)")
        for c in m.cores:
            lines.append(
                f"  core {c.tile}: from cycle {c.start:,.0f} to {c.finish:,.0f}; "
                f"its own {c.path:,.0f} cycles = fill {c.fill:,.0f} + kernels "
                f"{c.kernel_cycles:,.0f} + locks {c.lock_cycles:,.0f} + waits on depth-1 "
                f"fifos {c.waits:,.0f} + drain {c.drain:,.0f}; {c.macs:,} MACs"
            )
            for name, per_call in sorted(c.declared.items()):
                lines.append(f"    kernel @{name}: {per_call:,} cycles per call (declared)")
            for name, (cost, per_call) in sorted(c.by_macs.items()):
                peak = m.device.macs_per_cycle[cost.dtype]
                lines.append(
                    f"    kernel @{name}: {cost.macs:,} MACs per call at {cost.efficiency:.0%} "
                    f"of the {cost.dtype} peak ({peak} MACs/cycle) = {per_call:,.1f} cycles "
                    "per call (declared work)"
                )
            for name, per_call in sorted(c.undeclared.items()):
                lines.append(
                    f"    kernel @{name}: cost undeclared, assumed {per_call:,.0f} cycles per "
                    "call (one per output element); declare it: "
                    "dato.ExternalModule(..., cycles=N)"
                )
        busiest = sorted(m.channels, key=lambda ch: -ch.cycles)[:4]
        for ch in busiest:
            lines.append(
                f"  {ch.kind} {ch.tile} {ch.name}: {ch.bytes:,} bytes, {ch.objects} objects, "
                f"{ch.cycles:,.0f} cycles"
            )
        columns: dict[int, list[ChannelModel]] = {}
        for ch in m.channels:
            if ch.kind == "shim":
                columns.setdefault(ch.tile[0], []).append(ch)
        for col, chs in sorted(columns.items()):
            reads = [ch for ch in chs if ch.name.startswith("MM2S")]
            writes = [ch for ch in chs if ch.name.startswith("S2MM")]
            lines.append(
                f"  shim column {col}: reads {sum(c.bytes for c in reads):,} bytes on "
                f"{len(reads)} MM2S, writes {sum(c.bytes for c in writes):,} bytes on "
                f"{len(writes)} S2MM; busiest channel {max(c.cycles for c in chs):,.0f} cycles"
            )
        secs = m.seconds()
        at = f" = {secs * 1e6:,.2f} us at {m.device.clock_hz / 1e9:g} GHz" if secs == secs else ""
        guessed = sorted({k for c in m.cores for k in c.undeclared})
        caveat = (
            f" (includes an assumed cost for undeclared kernel(s) {', '.join(guessed)})"
            if guessed
            else ""
        )
        if m.issue is not None:
            i = m.issue
            lines.append(
                f"  runtime sequence: {i.tasks} shim tasks; the issue waited "
                f"{i.queue_held:,.0f} cycles on full task queues ({i.queue_waits} pushes, "
                f"depth {TASK_QUEUE_DEPTH}) and {i.sync_held:,.0f} on dma_waits before later "
                f"transfers; it adds {i.stall:,.0f} cycles to the steady "
                f"{m.steady_cycles:,.0f}"
            )
        lines.append(f"  modeled time: {m.cycles:,.0f} cycles{at}{caveat}")
        dtype = _dominant_type(device_op)
        if dtype is not None:
            u = m.utilization(dtype)
            lines.append(
                f"  modeled utilization of the array's {dtype} peak: "
                + (f"{100 * u:.3f}%" if u is not None else f"n/a (no {dtype} peak for this device)")
            )
        lines.append(f"  bottleneck: {m.bottleneck}")
        designs = {
            note.data
            for op in device_op.body.block.ops
            if isinstance(op, aie.CoreOp)
            and isinstance(note := op.attributes.get(DESIGN_NOTE), StringAttr)
        }
        for note in sorted(designs):
            lines.append(f"  GEMM design: {note}")
        general = _general_route_gemm_cores(device_op)
        if general:
            lines.append(
                f"  GEMM route: general lowering on {len(general)} core(s) ({general[0]}"
                f"{', ...' if len(general) > 1 else ''}): row-major K-streamed tiles, scalar "
                "kernel library (the GEMM design takes a GEMM whose A, B and C are region "
                "arrays and whose cores it does not share)"
            )
        for n in m.notes:
            lines.append(f"  note: {n}")
        lines += _constants_lines(m, dtype)
    return "\n".join(lines) + ("\n" if lines else "")


def _general_route_gemm_cores(device_op: aie.DeviceOp) -> list[str]:
    """The tiles of cores that call the scalar library's matmul without a
    GEMM design note: GEMMs the general lowering mapped."""
    out: list[str] = []
    for op in device_op.body.block.ops:
        if not isinstance(op, aie.CoreOp) or DESIGN_NOTE in op.attributes:
            continue
        calls = (c for c in op.walk() if isinstance(c, func.CallOp))
        if any(c.callee.root_reference.data.startswith("dato_matmul_") for c in calls):
            tile = op.tile.owner
            where = f"({tile.col_value}, {tile.row_value})" if isinstance(tile, aie.TileOp) else "?"
            out.append(f"core {where}")
    return out
