"""On-chip resources of a vhls design against an FPGA part (a model, not a
synthesis report), and the storage binding that makes big buffers fit.

Memories. Every array a process instance holds (its local buffers, the
accumulator the emitter writes for a matmul, blocks read from streams), every
pipo (two copies: a ping-pong buffer) and every stream of blocks (its depth in
blocks) is a memory. A memory of at most LUTRAM_MAX_BITS is taken to be LUTRAM
or registers; a completely partitioned one registers; otherwise each partition
is a RAM of BRAM36 blocks, in the aspect ratio that needs fewest (UG573: 1, 2,
4, 9, 18, 36 or 72 bits wide, 32K to 512 deep), or of URAM blocks (72 bits x
4,096; no narrower shape, so a 16-bit array uses a quarter of each word).

Binding. When the BRAM36 count exceeds TARGET_UTILISATION of the part, the
buffers that save most BRAM36 per URAM block move to URAM (`vhls.storage =
"uram"` on the alloca or pipo; the emitter writes `#pragma HLS bind_storage
... impl=uram`), until BRAM fits or URAM runs out. A process's buffers bind for
all its instances (the pragma is in its function), a pipo for its one instance.

Logic (rough; assumptions, not vendor figures): DSPs per multiplier from the
part's DSP-per-MAC table, one multiplier per multiply op in a process (HLS
shares none across pipelined iterations, and we assume none is shared across
loops); LUT/FF: a fixed cost per process instance and per m_axi port, plus a
small cost per op."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from xdsl.dialects import memref
from xdsl.dialects.builtin import (
    BFloat16Type,
    Float16Type,
    Float64Type,
    IndexType,
    IntegerType,
    MemRefType,
    ModuleOp,
    StringAttr,
)
from xdsl.ir import Attribute, Operation, SSAValue

from dato_xdsl.devices import FPGA_PARTS
from dato_xdsl.dialects import vhls
from dato_xdsl.targets.hls.emit_cpp import is_block_stream
from dato_xdsl.transforms.ir_constants import int_constant

STORAGE_ATTR = "vhls.storage"
"""Discardable attribute on a memref.alloca or vhls.pipo ("uram" binds it to
URAM), or on a linalg.matmul (binds the accumulator the emitter writes for it)."""

LUTRAM_MAX_BITS = 1024
"""Arrays this small become LUTRAM or registers (an assumption: Vitis decides
by size and access pattern)."""

TARGET_UTILISATION = 0.8
"""Fraction of a part's BRAM/URAM/DSP/LUT/FF a design may use before we warn:
placement and routing of designs fuller than this usually fail (a rule of
thumb, not a vendor figure)."""

BRAM36_SHAPES = ((1, 32768), (2, 16384), (4, 8192), (9, 4096), (18, 2048), (36, 1024), (72, 512))
"""(width, depth) of one BRAM36 (UG573; 72 wide in simple dual-port mode)."""
URAM_WIDTH, URAM_DEPTH = 72, 4096

LUT_PER_PROCESS, FF_PER_PROCESS = 300, 400
LUT_PER_AXI_PORT, FF_PER_AXI_PORT = 1500, 2500
LUT_PER_OP, FF_PER_OP = 20, 30
"""Rough logic costs (assumptions): a process's control, an m_axi adapter, an op."""


@dataclass
class Memory:
    owner: str
    """the process (its buffers exist once per instance) or "top" (a pipo, a stream)"""
    name: str
    elements: int
    width: int
    copies: int
    """per instance: 2 for a pipo, the depth of a stream of blocks, else 1"""
    instances: int
    partitions: int = 1
    registers: bool = False
    op: Operation | None = None
    """the op carrying the binding (alloca, pipo, or the matmul of an accumulator);
    None for arrays that cannot be bound (blocks read from streams)"""

    @property
    def bits(self) -> int:
        return self.elements * self.width

    @property
    def storage(self) -> str:
        if self.registers or self.bits <= LUTRAM_MAX_BITS:
            return "lutram"
        if self.op is not None:
            attr = self.op.attributes.get(STORAGE_ATTR)
            if isinstance(attr, StringAttr) and attr.data == "uram":
                return "uram"
        return "bram"

    def bram36(self) -> int:
        """BRAM36 blocks of all copies in all instances, if bound to BRAM."""
        blocks = _bram36(self._per_part(), self.width)
        return self.copies * self.instances * self.partitions * blocks

    def uram(self) -> int:
        blocks = math.ceil(self.width / URAM_WIDTH) * math.ceil(self._per_part() / URAM_DEPTH)
        return self.copies * self.instances * self.partitions * blocks

    def _per_part(self) -> int:
        return math.ceil(self.elements / self.partitions)


def _bram36(depth: int, width: int) -> int:
    return min(math.ceil(width / w) * math.ceil(depth / d) for w, d in BRAM36_SHAPES)


@dataclass
class ProcessUse:
    instance: str
    process: str
    bram36: int = 0
    uram: int = 0
    dsps: float = 0.0
    luts: int = 0
    ffs: int = 0


@dataclass
class Resources:
    part: str
    processes: list[ProcessUse]
    memories: list[Memory]
    top_bram36: int = 0
    top_uram: int = 0
    top_luts: int = 0
    top_ffs: int = 0
    notes: list[str] = field(default_factory=list)

    def total(self, what: str) -> float:
        per = sum(getattr(p, what) for p in self.processes)
        return per + getattr(self, f"top_{what}", 0)

    def available(self, what: str) -> float:
        return FPGA_PARTS[self.part][what]

    def over(self) -> list[str]:
        """Resources used beyond the part (the design cannot fit), as text."""
        return [
            f"{_LABEL[w]} {self.total(w):,.0f} > {self.available(w):,.0f}"
            for w in _LABEL
            if self.total(w) > self.available(w)
        ]

    def tight(self) -> list[str]:
        """Resources above TARGET_UTILISATION but within the part."""
        return [
            f"{_LABEL[w]} {100 * self.total(w) / self.available(w):.0f}%"
            for w in _LABEL
            if TARGET_UTILISATION * self.available(w) < self.total(w) <= self.available(w)
        ]

    @property
    def fits(self) -> bool:
        return not self.over()

    def summary(self) -> str:
        return ", ".join(
            f"{_LABEL[w]} {self.total(w):,.0f} of {self.available(w):,.0f} "
            f"({100 * self.total(w) / self.available(w):.1f}%)"
            for w in _LABEL
        )

    def table(self) -> list[str]:
        lines = [
            f"on-chip resources on {self.part.upper()} (a model: buffers counted in BRAM36/URAM "
            "blocks, DSPs per multiplier, LUT/FF rough):",
            f"  {'instance':<28} {'BRAM36':>7} {'URAM':>6} {'DSP':>7} {'LUT':>9} {'FF':>9}",
        ]
        for p in self.processes:
            lines.append(
                f"  {p.instance:<28} {p.bram36:>7} {p.uram:>6} {p.dsps:>7.0f} {p.luts:>9,} "
                f"{p.ffs:>9,}"
            )
        lines.append(
            f"  {'(pipos, streams, m_axi)':<28} {self.top_bram36:>7} {self.top_uram:>6} "
            f"{0:>7} {self.top_luts:>9,} {self.top_ffs:>9,}"
        )
        lines.append(f"  total: {self.summary()}")
        uram = [m for m in self.memories if m.storage == "uram"]
        if uram:
            names = ", ".join(sorted({f"{m.owner}.{m.name}" for m in uram}))
            lines.append(f"  bound to URAM (bind_storage impl=uram): {names}")
        over = self.over()
        if over:
            lines.append(
                "  DOES NOT FIT: " + "; ".join(over) + ". Largest memories: " + self._largest()
            )
        elif self.tight():
            lines.append(
                f"  tight: {', '.join(self.tight())} of the part (above "
                f"{100 * TARGET_UTILISATION:.0f}%, where placement and routing usually fail)"
            )
        lines.extend(f"  {n}" for n in self.notes)
        return lines

    def _largest(self) -> str:
        big = sorted(self.memories, key=lambda m: -m.bits * m.copies * m.instances)[:3]
        return "; ".join(
            f"{m.owner}.{m.name}: {m.instances} x {m.copies} x {m.elements} x {m.width} bit "
            f"({m.storage}: {m.uram() if m.storage == 'uram' else m.bram36()} blocks)"
            for m in big
        )


_LABEL = {"bram36": "BRAM36", "uram": "URAM", "dsps": "DSP", "luts": "LUT", "ffs": "FF"}


def _width(t: Attribute) -> int:
    if isinstance(t, IntegerType):
        return t.width.data
    if isinstance(t, IndexType):
        return 32
    if isinstance(t, BFloat16Type | Float16Type):
        return 16
    if isinstance(t, Float64Type):
        return 64
    return 32


def _numel(t: MemRefType) -> int:
    return math.prod(t.get_shape())


def partitions(value: SSAValue, block_ops: list[Operation]) -> tuple[int, bool]:
    """(partitions, completely partitioned) from vhls.array_partition ops on `value`."""
    t = value.type
    assert isinstance(t, MemRefType)
    shape = t.get_shape()
    parts = 1
    complete = False
    for op in block_ops:
        if isinstance(op, vhls.ArrayPartitionOp) and op.array is value:
            dims = range(len(shape)) if op.dim.data == 0 else [op.dim.data - 1]
            for d in dims:
                if op.kind.data == "complete":
                    parts *= shape[d]
                else:
                    parts *= min(op.factor.data, shape[d])
            if op.kind.data == "complete" and (op.dim.data == 0 or len(shape) == 1):
                complete = True
    return parts, complete


def _process_memories(proc: vhls.ProcessOp, instances: int) -> list[Memory]:
    name = proc.sym_name.data
    ops = list(proc.body.block.walk())
    out: list[Memory] = []
    for op in ops:
        if isinstance(op, memref.AllocaOp | memref.AllocOp):
            t = op.memref.type
            assert isinstance(t, MemRefType)
            if not t.get_shape():
                continue  # a scalar register
            parts, complete = partitions(op.memref, ops)
            label = op.memref.name_hint or "buf"
            out.append(
                Memory(name, label, _numel(t), _width(t.element_type), 1, instances, parts,
                       complete, op)
            )  # fmt: skip
        elif isinstance(op, memref.GetGlobalOp):
            # a constant table: a ROM in each instance of the process
            t = op.memref.type
            assert isinstance(t, MemRefType)
            parts, complete = partitions(op.memref, ops)
            label = op.memref.name_hint or "table"
            out.append(
                Memory(name, label, _numel(t), _width(t.element_type), 1, instances, parts,
                       complete)
            )  # fmt: skip
        elif isinstance(op, vhls.ReadOp) and isinstance(op.result.type, MemRefType):
            t = op.result.type
            out.append(
                Memory(name, op.result.name_hint or "block", _numel(t), _width(t.element_type),
                       1, instances)
            )  # fmt: skip
        elif op.name == "linalg.matmul":
            # the emitter's accumulator: 32/64-bit integers or float, m x n
            c = op.operands[2].type
            assert isinstance(c, MemRefType)
            width = 64 if _width(c.element_type) > 32 else 32
            # the binding of the accumulator is the matmul op's `vhls.storage`
            out.append(Memory(name, "acc", _numel(c), width, 1, instances, op=op))
    return out


def replication(op: Operation) -> int:
    """Copies of `op` unrolling makes: an unroll directive's factor (0: the trip
    count), and every loop inside a pipelined loop is unrolled completely. Trip
    counts that are not constants count as 1."""
    copies = 1
    loop = op.parent_op()
    while loop is not None:
        if isinstance(loop, vhls.ForOp):
            lb, ub, step = (int_constant(v) for v in loop.operands[:3])
            trip = max(1, -(-(ub - lb) // step)) if None not in (lb, ub, step) and step > 0 else 1
            piped_above = any(
                isinstance(a, vhls.ForOp) and a.pipeline is not None for a in _ancestors(loop)
            )
            if piped_above or (loop.unroll is not None and loop.unroll.data == 0):
                copies *= trip
            elif loop.unroll is not None:
                copies *= min(loop.unroll.data, trip)
        loop = loop.parent_op()
    return copies


def _ancestors(op: Operation) -> list[Operation]:
    out = []
    parent = op.parent_op()
    while parent is not None:
        out.append(parent)
        parent = parent.parent_op()
    return out


def _multipliers(proc: vhls.ProcessOp, part: str) -> float:
    """DSPs of the multipliers of a process: one per multiply op, times the
    copies unrolling makes of it."""
    facts = FPGA_PARTS[part]
    dsps = 0.0
    for op in proc.body.block.walk():
        parent = op.parent_op()
        if parent is not None and parent.name.startswith("linalg."):
            continue  # the body of a named op: counted with the op
        if op.name in ("arith.muli", "arith.mulf", "linalg.matmul"):
            t = op.results[0].type if op.results else op.operands[2].type
            if isinstance(t, IndexType):
                continue  # address arithmetic: constant multiplies, no DSP assumed
            if isinstance(t, MemRefType):
                t = t.element_type
            dsps += facts.get(_type_key(t), facts["f32"]) * replication(op)
    return dsps


def _type_key(t: Attribute) -> str:
    if isinstance(t, IntegerType):
        return f"i{t.width.data}" if t.width.data in (8, 16, 32) else "i32"
    if isinstance(t, BFloat16Type):
        return "bf16"
    return "f32"


def _ops(proc: vhls.ProcessOp) -> int:
    """Ops of a process as hardware: an unrolled loop's body counts once per copy."""
    return sum(replication(op) for op in proc.body.block.walk())


def count(module: ModuleOp, part: str = "u280") -> Resources:
    """The resources of `module` with the storage binding its IR holds."""
    processes = {op.sym_name.data: op for op in module.walk() if isinstance(op, vhls.ProcessOp)}
    calls = [op for op in module.walk() if isinstance(op, vhls.CallOp)]
    instances: dict[str, int] = {}
    for call in calls:
        name = call.callee.root_reference.data
        instances[name] = instances.get(name, 0) + 1
    memories: list[Memory] = []
    per_process: dict[str, list[Memory]] = {}
    for name, proc in processes.items():
        mine = _process_memories(proc, instances.get(name, 0))
        per_process[name] = mine
        memories += mine
    uses: list[ProcessUse] = []
    for call in calls:
        name = call.callee.root_reference.data
        proc = processes[name]
        use = ProcessUse(call.instance.data, name)
        for m in per_process[name]:
            if m.storage == "bram":
                use.bram36 += m.bram36() // max(1, m.instances)
            elif m.storage == "uram":
                use.uram += m.uram() // max(1, m.instances)
            else:
                use.ffs += m.bits if m.registers else 0
                use.luts += 0 if m.registers else math.ceil(m.bits / 64)
        use.dsps = _multipliers(proc, part)
        use.luts += LUT_PER_PROCESS + LUT_PER_OP * _ops(proc)
        use.ffs += FF_PER_PROCESS + FF_PER_OP * _ops(proc)
        uses.append(use)
    result = Resources(part, uses, memories)
    kernel = next((op for op in module.walk() if isinstance(op, vhls.KernelOp)), None)
    if kernel is None:
        return result
    flow = kernel.dataflow()
    assert flow is not None
    for op in flow.body.block.ops:
        if isinstance(op, vhls.PipoOp):
            t = op.result.type
            assert isinstance(t, MemRefType)
            m = Memory("top", op.buffer_name.data, _numel(t), _width(t.element_type), 2, 1, op=op)
            memories.append(m)
            _add_top(result, m)
        elif isinstance(op, vhls.StreamOp):
            st = op.result.type
            assert isinstance(st, vhls.StreamType)
            elem = st.element_type
            if is_block_stream(st):
                assert isinstance(elem, MemRefType)
                m = Memory("top", op.stream_name.data, _numel(elem), _width(elem.element_type),
                           st.depth.data, 1)  # fmt: skip
                memories.append(m)
                _add_top(result, m)
            else:
                # a FIFO of depth x width in shift registers (SRL: 32 deep per LUT)
                width = (
                    _numel(elem) * _width(elem.element_type)
                    if isinstance(elem, MemRefType)
                    else _width(elem)
                )
                result.top_luts += width * math.ceil(st.depth.data / 32)
                result.top_ffs += 2 * width
    ports = sum(1 for itf in kernel.interfaces.data if itf.mode.data == "m_axi")
    result.top_luts += LUT_PER_AXI_PORT * ports
    result.top_ffs += FF_PER_AXI_PORT * ports
    return result


def _add_top(result: Resources, m: Memory) -> None:
    if m.storage == "bram":
        result.top_bram36 += m.bram36()
    elif m.storage == "uram":
        result.top_uram += m.uram()
    else:
        result.top_luts += math.ceil(m.copies * m.bits / 64)


def bind_storage(module: ModuleOp, part: str = "u280") -> Resources:
    """Move the buffers that save most BRAM36 per URAM block to URAM while
    the BRAM36 count is above TARGET_UTILISATION of the part; the decision is
    the `vhls.storage` attribute. Returns the resources after binding."""
    facts = FPGA_PARTS[part]
    bram_budget = TARGET_UTILISATION * facts["bram36"]
    uram_budget = TARGET_UTILISATION * facts["uram"]
    result = count(module, part)
    if result.total("bram36") <= bram_budget:
        return result
    # binding units: one op (alloca or pipo), all its instances and copies together
    units = [m for m in result.memories if m.op is not None and m.storage == "bram"]
    units.sort(key=lambda m: -(m.bram36() / max(1, m.uram())))
    bram = result.total("bram36")
    uram = result.total("uram")
    for m in units:
        if bram <= bram_budget:
            break
        saved, cost = m.bram36(), m.uram()
        if saved <= cost or uram + cost > uram_budget:
            continue
        assert m.op is not None
        m.op.attributes[STORAGE_ATTR] = StringAttr("uram")
        bram -= saved
        uram += cost
    return count(module, part)


__all__ = [
    "LUTRAM_MAX_BITS",
    "STORAGE_ATTR",
    "TARGET_UTILISATION",
    "Memory",
    "ProcessUse",
    "Resources",
    "bind_storage",
    "count",
    "partitions",
    "replication",
]
