"""A static performance estimate of a vhls design (`mod.report()`).

A model, not a synthesis report: the latency of a pipelined loop is
(trip count - 1) x II + depth, its depth the longest chain of op latencies in
one iteration (table below, an assumption for a ~300 MHz part); a loop that is
not pipelined costs trip count x (body + 1). A process's latency is the sum of
its parts. A dataflow region's interval (cycles between the starts of
consecutive invocations) is set by its slowest process instance: processes
connected by streams run together, and a pipo (ping-pong buffer) lets its
writer fill the next invocation's copy while its reader works on this one, so
every process overlaps the others across invocations. The latency of one
invocation is reported apart: a pipo's reader starts when its writer ends, a
stream's consumer starts with its producer and ends no earlier. Named linalg
ops and copies count as the pipelined nests the emitter writes for them.

For the achieved fraction of peak: every process instance that multiplies is
a processing element with one multiplier (peak 1 MAC/cycle); the device peak is
its DSP count over the DSPs one MAC of the type needs (FPGA_PARTS)."""

from __future__ import annotations

from dataclasses import dataclass, field

from xdsl.dialects import arith, memref, scf
from xdsl.dialects.builtin import (
    BFloat16Type,
    Float32Type,
    IndexType,
    IntegerAttr,
    IntegerType,
    MemRefType,
    ModuleOp,
)
from xdsl.ir import Attribute, Block, Operation, SSAValue

from dato_xdsl.devices import FPGA_PARTS
from dato_xdsl.dialects import vhls
from dato_xdsl.targets.hls.resources import Resources, count, partitions
from dato_xdsl.transforms.dato_to_vhls import FLOAT_RECURRENCE_II, float_recurrence
from dato_xdsl.transforms.vhls_dataflow_lint import stream_directions

LATENCY: dict[str, int] = {
    "vhls.read": 1,
    "vhls.write": 1,
    "memref.load": 2,
    "memref.store": 1,
    "arith.muli": 3,
    "arith.addf": 4,
    "arith.subf": 4,
    "arith.mulf": 3,
    "arith.divf": 12,
    "arith.divsi": 8,
    "arith.divui": 8,
    "arith.remsi": 8,
    "arith.remui": 8,
}
"""Cycles per op (others: 1; constants, casts and scalar registers: 0)."""

_FREE = ("arith.constant", "arith.index_cast", "arith.extsi", "arith.extui", "arith.trunci")
_MULS = ("arith.muli", "arith.mulf")


@dataclass
class LoopFigure:
    label: str
    trip: int
    ii: int | None
    """the II the model achieves: the requested one, or more when ports limit it"""
    depth: int
    latency: int
    unroll: int = 1
    """copies of the body an unroll directive makes"""
    port_limit: str = ""
    """why the II is above the requested one (an array's ports), if it is"""


@dataclass
class ProcessFigure:
    instance: str
    process: str
    kind: str
    latency: int
    macs: int
    loops: list[LoopFigure] = field(default_factory=list)


@dataclass
class Estimate:
    processes: list[ProcessFigure]
    interval: int
    """cycles between region starts: the slowest process instance"""
    macs: int
    pes: int
    element: str
    part: str = "u280"
    latency: int = 0
    """cycles of one invocation, from the first process's start to the last's end"""
    resources: Resources | None = None
    """on-chip memory and logic against the part (resources.py)"""
    cycle: list[str] | None = None
    """process instances and streams around a stream cycle, if the design has one"""

    @property
    def slowest(self) -> ProcessFigure:
        return max(self.processes, key=lambda p: p.latency)

    @property
    def array_fraction(self) -> float:
        """MACs done / (PEs x 1 MAC per cycle x interval)."""
        if not self.pes or not self.interval:
            return 0.0
        return self.macs / (self.pes * self.interval)

    @property
    def device_peak_macs_per_cycle(self) -> float:
        facts = FPGA_PARTS[self.part]
        return facts["dsps"] / facts.get(self.element, facts["f32"])

    @property
    def device_fraction(self) -> float:
        if not self.interval:
            return 0.0
        return self.macs / (self.device_peak_macs_per_cycle * self.interval)

    @property
    def gops(self) -> float:
        clock = FPGA_PARTS[self.part]["clock_mhz"] * 1e6
        return 2 * self.macs / (self.interval / clock) / 1e9 if self.interval else 0.0

    def __str__(self) -> str:
        facts = FPGA_PARTS[self.part]
        lines = [
            "dato-xdsl HLS estimate (a static model, not a synthesis or hardware result)",
            f"{'instance':<28} {'process':<22} {'kind':<6} {'latency':>10} {'MACs':>10}",
        ]
        for p in self.processes:
            lines.append(
                f"{p.instance:<28} {p.process:<22} {p.kind:<6} {p.latency:>10} {p.macs:>10}"
            )
        slow = self.slowest
        lines.append(
            f"region interval: {self.interval} cycles between invocations, set by "
            f"{slow.instance} ({slow.process}); model: every process, pipo-connected ones too, "
            "overlaps the others across invocations"
        )
        lines.append(
            f"latency of one invocation: {self.latency} cycles; model: a pipo's reader starts "
            "when its writer ends, stream-connected processes run together"
        )
        for loop in slow.loops:
            ii = f"II={loop.ii}" if loop.ii is not None else "not pipelined"
            unroll = f", unrolled x{loop.unroll}" if loop.unroll > 1 else ""
            limit = f" ({loop.port_limit})" if loop.port_limit else ""
            lines.append(
                f"  loop {loop.label}: trip {loop.trip}{unroll}, {ii}{limit}, depth {loop.depth}, "
                f"latency {loop.latency}"
            )
        if self.macs:
            lines.append(
                f"MACs: {self.macs} on {self.pes} PE(s): {100 * self.array_fraction:.1f}% of the "
                f"PE array's peak ({self.pes} MAC/cycle)"
            )
            lines.append(
                f"device {self.part.upper()}: {int(facts['dsps'])} DSPs, "
                f"{facts.get(self.element, facts['f32'])} DSP/MAC for {self.element}: "
                f"{100 * self.device_fraction:.2f}% of its DSP peak "
                f"({self.device_peak_macs_per_cycle:.0f} MAC/cycle); "
                f"{self.gops:.1f} GOP/s at {facts['clock_mhz']:.0f} MHz"
            )
        if self.resources is not None:
            lines.extend(self.resources.table())
        if self.cycle:
            lines.append(
                f"C simulation: the streams form a cycle ({' -> '.join(self.cycle)}); Vitis csim "
                "runs dataflow processes one after another and cannot run this design (its "
                "first process reads a stream nothing has written yet). Only C/RTL cosim "
                "(DATO_HLS_STEPS=cosim) or hardware can; dato's own concurrent C simulation "
                "(the default mode) runs it."
            )
        return "\n".join(lines)


class _Model:
    def __init__(self, proc: vhls.ProcessOp, literals: tuple[int, ...]) -> None:
        self.proc = proc
        self.env: dict[SSAValue, int] = dict(
            zip(proc.body.block.args[: proc.num_literals.data], literals, strict=True)
        )
        self.loops: list[LoopFigure] = []
        self.macs = 0
        self.element: Attribute | None = None

    def value(self, v: SSAValue) -> int | None:
        if v in self.env:
            return self.env[v]
        owner = v.owner
        if isinstance(owner, arith.ConstantOp) and isinstance(owner.value, IntegerAttr):
            return owner.value.value.data
        if isinstance(owner, Operation) and owner.name in (
            "arith.addi",
            "arith.subi",
            "arith.muli",
        ):
            a, b = (self.value(x) for x in owner.operands)
            if a is None or b is None:
                return None
            return {"arith.addi": a + b, "arith.subi": a - b, "arith.muli": a * b}[owner.name]
        return None

    def trip(self, op: Operation) -> int:
        lb, ub, step = (self.value(v) for v in op.operands[:3])
        if lb is None or ub is None or step is None or step < 1:
            return 1
        return max(0, (ub - lb + step - 1) // step)

    def depth(self, block: Block) -> int:
        """Longest latency chain through one execution of a straight-line block."""
        ready: dict[SSAValue, int] = {}
        longest = 0
        for op in block.walk():
            start = max((ready.get(v, 0) for v in op.operands), default=0)
            if op.name in _FREE or _is_register_access(op):
                cost = 0
            else:
                cost = LATENCY.get(op.name, 1)
            end = start + cost
            for r in op.results:
                ready[r] = end
            longest = max(longest, end)
        return max(1, longest)

    def block_latency(self, block: Block, scale: int) -> int:
        total = 0
        straight = 0
        for op in block.ops:
            if isinstance(op, vhls.ForOp | scf.ForOp):
                total += self.loop(op, scale)
            elif op.name.startswith("linalg.") or isinstance(op, memref.CopyOp):
                total += self.expanded(op, scale)
            elif isinstance(op, vhls.ReadOp | vhls.WriteOp) and isinstance(
                _value_type(op), MemRefType
            ):
                total += _numel(_value_type(op)) + 1
            elif isinstance(op, scf.IfOp):
                total += max(
                    (self.block_latency(r.block, scale) for r in op.regions if r.blocks), default=0
                )
            else:
                if op.name in _MULS and not isinstance(op.results[0].type, IndexType):
                    self.macs += scale
                    self.element = op.results[0].type
                if op.name not in _FREE and not _is_register_access(op):
                    straight += LATENCY.get(op.name, 1)
        return total + straight

    def copies(self, op: Operation, trip: int) -> int:
        """Copies of the body an unroll directive makes (0 unrolls fully)."""
        if not isinstance(op, vhls.ForOp) or op.unroll is None:
            return 1
        return trip if op.unroll.data == 0 else max(1, min(op.unroll.data, trip))

    def per_iteration(self, body: Block) -> dict[Operation, int]:
        """How many times each op of a pipelined loop's body runs per iteration:
        the loops inside it are unrolled (Vitis unrolls them to pipeline)."""
        counts: dict[Operation, int] = {}

        def visit(block: Block, times: int) -> None:
            for op in block.ops:
                counts[op] = times
                if isinstance(op, vhls.ForOp | scf.ForOp):
                    visit(op.regions[0].block, times * self.trip(op))
                else:
                    for region in op.regions:
                        for inner in region.blocks:
                            visit(inner, times)

        visit(body, 1)
        return counts

    def port_ii(self, counts: dict[Operation, int], copies: int) -> tuple[int, str]:
        """The II memory ports allow: a BRAM bank has two ports, so an array
        accessed n times per iteration over b banks needs n / 2b cycles; a
        completely partitioned array is registers. Assumes the accesses spread
        evenly over the banks (cyclic partitions of unrolled loops do)."""
        accesses: dict[SSAValue, int] = {}
        for op, times in counts.items():
            if isinstance(op, memref.LoadOp | memref.StoreOp) and not _is_register_access(op):
                buf = _root(op.memref)
                accesses[buf] = accesses.get(buf, 0) + times * copies
        bound, why = 1, ""
        for buf, n in accesses.items():
            banks, registers = _partitions(buf, self.proc)
            if registers:
                continue
            need = -(-n // (2 * banks))
            if need > bound:
                bound = need
                why = f"{n} accesses to {buf.name_hint or 'an array'} on {2 * banks} ports"
        return bound, why

    def loop(self, op: Operation, scale: int) -> int:
        trip = self.trip(op)
        body = op.regions[0].block
        ii = op.pipeline.data if isinstance(op, vhls.ForOp) and op.pipeline is not None else None
        label = op.label.data if isinstance(op, vhls.ForOp) else "loop"
        copies = self.copies(op, trip)
        iterations = -(-trip // copies)
        if ii is not None:
            counts = self.per_iteration(body)
            for inner, times in counts.items():
                if inner.name in _MULS and not isinstance(inner.results[0].type, IndexType):
                    self.macs += scale * trip * times
                    self.element = inner.results[0].type
            depth = self.depth(body)
            bound, why = self.port_ii(counts, copies)
            if isinstance(op, vhls.ForOp) and float_recurrence(op) and FLOAT_RECURRENCE_II > bound:
                # the next iteration waits for the float adder, whatever II was asked
                bound, why = FLOAT_RECURRENCE_II, "a float accumulation carried by a scalar"
            achieved = max(ii, bound)
            latency = (iterations - 1) * achieved + depth if trip else 0
            self.loops.append(
                LoopFigure(label, trip, achieved, depth, latency, copies, why if bound > ii else "")
            )
            return latency
        nested = [o for o in body.ops if not isinstance(o, arith.ConstantOp)]
        if isinstance(op, vhls.ForOp) and op.flatten is not None and len(nested) == 1:
            inner = nested[0]
            if isinstance(inner, vhls.ForOp) and (inner.pipeline or inner.flatten):
                # a flattened perfect nest is one pipeline over all its iterations
                innermost = self.loop(inner, scale * trip)
                figure = self.loops[-1]
                ii = figure.ii or 1
                latency = innermost + (trip - 1) * (figure.trip * ii)
                self.loops.append(LoopFigure(label, trip * figure.trip, ii, figure.depth, latency))
                return latency
        inner_latency = self.block_latency(body, scale * trip)
        # unrolled copies run side by side (an optimistic model: no shared ports)
        latency = iterations * (inner_latency + 1)
        self.loops.append(LoopFigure(label, trip, None, inner_latency, latency, copies))
        return latency

    def expanded(self, op: Operation, scale: int) -> int:
        """The emitter's pipelined nests for a named op: outer trips x (inner + depth)."""
        if op.name == "linalg.matmul":
            m, k = _shape(op.operands[0].type)
            n = _shape(op.operands[1].type)[1]
            self.macs += scale * m * n * k
            self.element = _elem(op.operands[2].type)
            return m * (n + 2) + m * k * (n - 1 + 8) + m * (n + 2)
        target = op.operands[-1].type
        shape = _shape(target)
        if not shape:
            return 1
        outer = _numel_shape(shape[:-1])
        return outer * (shape[-1] - 1 + 4)


def _root(buf: SSAValue) -> SSAValue:
    """The array a view (subview, cast) is of: ports belong to it."""
    while isinstance(buf.owner, memref.SubviewOp | memref.CastOp):
        buf = buf.owner.source
    return buf


def _partitions(buf: SSAValue, proc: vhls.ProcessOp) -> tuple[int, bool]:
    """(banks, registers) of an array of `proc` from its array_partition directives."""
    return partitions(buf, list(proc.body.block.walk()))


def _value_type(op: Operation) -> Attribute:
    if isinstance(op, vhls.ReadOp):
        return op.result.type
    assert isinstance(op, vhls.WriteOp)
    return op.value.type


def _shape(t: Attribute) -> tuple[int, ...]:
    assert isinstance(t, MemRefType)
    return tuple(t.get_shape())


def _elem(t: Attribute) -> Attribute:
    assert isinstance(t, MemRefType)
    return t.element_type


def _numel_shape(shape: tuple[int, ...]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def _numel(t: Attribute) -> int:
    return _numel_shape(_shape(t))


def _is_register_access(op: Operation) -> bool:
    """Loads and stores of 0-d buffers are registers: no memory latency."""
    if isinstance(op, memref.LoadOp | memref.StoreOp):
        t = op.memref.type
        return isinstance(t, MemRefType) and not t.get_shape()
    return False


def _type_name(t: Attribute | None) -> str:
    if isinstance(t, IntegerType):
        return f"i{t.width.data}"
    if isinstance(t, BFloat16Type):
        return "bf16"
    if isinstance(t, Float32Type):
        return "f32"
    return "f32"


def estimate(module: ModuleOp, part: str = "u280") -> Estimate:
    processes = {op.sym_name.data: op for op in module.walk() if isinstance(op, vhls.ProcessOp)}
    figures: list[ProcessFigure] = []
    element: Attribute | None = None
    calls = [op for op in module.walk() if isinstance(op, vhls.CallOp)]
    for call in calls:
        proc = processes[call.callee.root_reference.data]
        model = _Model(proc, call.literal_values)
        latency = model.block_latency(proc.body.block, 1)
        if model.element is not None:
            element = model.element
        figures.append(
            ProcessFigure(
                call.instance.data,
                proc.sym_name.data,
                proc.kind.data,
                latency,
                model.macs,
                model.loops,
            )
        )
    interval = max((f.latency for f in figures), default=0)
    macs = sum(f.macs for f in figures)
    pes = sum(1 for f in figures if f.macs)
    latency = _invocation_latency(calls, processes, [f.latency for f in figures])
    return Estimate(
        figures,
        interval,
        macs,
        pes,
        _type_name(element),
        part,
        latency,
        count(module, part),
        stream_cycle(module),
    )


def stream_cycle(module: ModuleOp) -> list[str] | None:
    """A cycle of the stream graph between process instances, as
    [instance, stream, instance, ..., first instance], or None. Vitis csim
    runs the processes one after another, so it cannot run such a design."""
    processes = {op.sym_name.data: op for op in module.walk() if isinstance(op, vhls.ProcessOp)}
    calls = [op for op in module.walk() if isinstance(op, vhls.CallOp)]
    writers: dict[SSAValue, list[int]] = {}
    readers: dict[SSAValue, list[int]] = {}
    for c, call in enumerate(calls):
        proc = processes[call.callee.root_reference.data]
        directions = stream_directions(proc)
        n_lit = proc.num_literals.data
        for k, value in enumerate(call.args):
            if isinstance(value.owner, vhls.StreamOp):
                reads, writes = directions.get(k + n_lit, (False, False))
                if writes:
                    writers.setdefault(value, []).append(c)
                if reads:
                    readers.setdefault(value, []).append(c)
    edges: list[list[tuple[int, SSAValue]]] = [[] for _ in calls]
    for value, producers in writers.items():
        for p in producers:
            edges[p].extend((r, value) for r in readers.get(value, []) if r != p)
    state = [0] * len(calls)  # 0 unseen, 1 on the current path, 2 done
    path: list[tuple[int, SSAValue | None]] = []

    def visit(c: int) -> list[str] | None:
        state[c] = 1
        for nxt, value in edges[c]:
            path.append((c, value))
            if state[nxt] == 1:
                start = next(i for i, (n, _) in enumerate(path) if n == nxt)
                names: list[str] = []
                for n, v in path[start:]:
                    names.append(calls[n].instance.data)
                    assert v is not None and isinstance(v.owner, vhls.StreamOp)
                    names.append(v.owner.stream_name.data)
                return [*names, calls[nxt].instance.data]
            if state[nxt] == 0:
                found = visit(nxt)
                if found:
                    return found
            path.pop()
        state[c] = 2
        return None

    for c in range(len(calls)):
        if state[c] == 0:
            found = visit(c)
            if found:
                return found
    return None


def _invocation_latency(
    calls: list[vhls.CallOp], processes: dict[str, vhls.ProcessOp], latencies: list[int]
) -> int:
    """One invocation's latency: a pipo's reader, and the consumer of a chain
    stage's stream, starts after its writer finishes; a stream's consumer starts
    no earlier than its producer and finishes no earlier than it (a fixpoint,
    so stream cycles are fine)."""
    writers: dict[SSAValue, list[int]] = {}
    readers: dict[SSAValue, list[int]] = {}
    for c, call in enumerate(calls):
        proc = processes[call.callee.root_reference.data]
        directions = stream_directions(proc) | vhls.buffer_directions(proc)
        n_lit = proc.num_literals.data
        for k, value in enumerate(call.args):
            if isinstance(value.owner, vhls.StreamOp | vhls.PipoOp):
                reads, writes = directions.get(k + n_lit, (False, False))
                if writes:
                    writers.setdefault(value, []).append(c)
                if reads:
                    readers.setdefault(value, []).append(c)
    after: list[list[int]] = [[] for _ in calls]  # pipo writers to wait for
    beside: list[list[int]] = [[] for _ in calls]  # stream producers to keep pace with
    # a shared array's chain stage sends its part on only once it has all of it
    # (dato_to_vhls._Chain): its consumer waits for it, as for a pipo
    whole = {
        c
        for c, call in enumerate(calls)
        if processes[call.callee.root_reference.data].kind.data in ("split", "merge")
    }
    for value, consumers in readers.items():
        pipo = isinstance(value.owner, vhls.PipoOp)
        for c in consumers:
            for p in writers.get(value, []):
                if p != c:
                    (after if pipo or p in whole else beside)[c].append(p)
    start = [0] * len(calls)
    finish = list(latencies)
    for _ in range(len(calls) + 1):
        changed = False
        for c in range(len(calls)):
            s = max([start[c], *(finish[p] for p in after[c]), *(start[p] for p in beside[c])])
            f = max([s + latencies[c], finish[c], *(finish[p] for p in beside[c])])
            if (s, f) != (start[c], finish[c]):
                start[c], finish[c] = s, f
                changed = True
        if not changed:
            break
    return max(finish, default=0)


__all__ = [
    "FPGA_PARTS",
    "LATENCY",
    "Estimate",
    "LoopFigure",
    "ProcessFigure",
    "estimate",
    "stream_cycle",
]
