"""`convert-dato-to-vhls`: a virtually mapped dato region becomes a Vitis HLS
dataflow design (the `vhls` dialect).

Input: a `dato.region` holding single `dato.stream`s and `dato.group`s (run
`dato-virtual-map` first). Output:

- one `vhls.process` per group (split where instances need different slice
  buffers), called once per instance with its pid as literal arguments;
- one `vhls.stream` per dato stream, of the declared element type and depth;
- per global argument, a `load_<arg>` process reading the slices the instances
  read from its m_axi port and a `store_<arg>` process writing back what they
  wrote, each instance's slice travelling over its own stream;
- per task instance and slice it only reads, a `fill` process copying the
  slice from its stream into a `vhls.pipo` the task reads: the copy-in and the
  compute are separate processes, so Vitis overlaps one invocation's copy-in
  with the previous invocation's compute (ping-pong buffer);
- a `vhls.kernel` whose dataflow region declares the streams and pipos and
  calls the processes: loads first, then tasks (each after its fills) in
  producer-before-consumer order (the order a sequential C simulation needs),
  then stores.

Slices. An instance works on a local copy of the part of its view it touches:
the whole view, or, when every access is a `memref.load`/`memref.store` whose
indices have known ranges (constants, pids, loop counters), the bounding box
of those accesses; the box's origin is a literal argument of the call. A
written slice carries a mask of the elements written, so instances whose
views overlap (a replicated output written element by element) only store
their own elements.

Shared arrays. Instances that read what another writes in one global array
(each doing `C[...] += ...` on the whole array, or on overlapping slices) see
each other's writes on the simulator, which runs stream-free instances whole,
one after another, in instance order. When none of them uses a stream they are
chained in that order: the part of the array they share goes from the load
process through a `split` process (the member's slice out) before and a
`merge` process (the member's written elements back, flagged) after each
member, then to the store process, which writes the flagged elements. With
streams the simulator may switch instances half-way: refused.

Directives. Loops become `vhls.for`; a loop with no loop (and no op the
emitter expands into loops) inside is pipelined at II=1, or at the latency of
a floating-point recurrence through a scalar when it carries one. A local
array read or written more than twice per iteration of a pipelined loop is
partitioned (a BRAM has two ports)."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from xdsl.context import Context
from xdsl.dialects import arith, memref, scf
from xdsl.dialects.builtin import (
    AnyFloat,
    DenseArrayBase,
    IndexType,
    IntegerAttr,
    MemRefType,
    ModuleOp,
    i1,
    i64,
)
from xdsl.ir import Attribute, Block, Operation, SSAValue
from xdsl.passes import ModulePass

from dato_xdsl.diagnostics import op_error
from dato_xdsl.dialects import dato, vhls
from dato_xdsl.dialects import memref as dialect_memref
from dato_xdsl.transforms import schedule_directives as sd
from dato_xdsl.transforms.constant_tables import CONSTANT_ATTR
from dato_xdsl.transforms.kernel_decls import refuse_external_kernels

Interval = tuple[int, int]


SLICE_DEPTH = 2
"""Depth of the streams feeding slices to tasks and back: they are read and
written by pipelined loops at one element per cycle."""

FLOAT_RECURRENCE_II = 4
"""II of a pipelined loop carrying a floating-point accumulation (the f32
adder's latency assumed by the estimate, see targets/hls/estimate.py)."""

_EXPANDED = ("linalg.", "memref.copy")
"""Ops the C++ emitter expands into loop nests: a loop holding one is not innermost."""


# ------------------------------------------------------------------ intervals


class _Ranges:
    """Value ranges of index arithmetic in one task body, for one instance."""

    def __init__(self, pid: dict[SSAValue, int]) -> None:
        self.known: dict[SSAValue, Interval | None] = {v: (p, p) for v, p in pid.items()}

    def of(self, value: SSAValue) -> Interval | None:
        if value in self.known:
            return self.known[value]
        self.known[value] = None  # cycles (loop-carried values) stay unknown
        result = self._compute(value)
        self.known[value] = result
        return result

    def _compute(self, value: SSAValue) -> Interval | None:
        owner = value.owner
        if isinstance(owner, Block):
            parent = owner.parent_op()
            if isinstance(parent, scf.ForOp) and value is owner.args[0]:
                lb, ub, step = (self.of(v) for v in parent.operands[:3])
                if lb is None or ub is None or step is None or step[0] < 1:
                    return None
                return (lb[0], ub[1] - 1) if ub[1] - 1 >= lb[0] else None
            return None
        op = owner
        if isinstance(op, arith.ConstantOp):
            v = op.value
            if isinstance(v, IntegerAttr):
                return (v.value.data, v.value.data)
            return None
        operands = [self.of(v) for v in op.operands]
        if any(o is None for o in operands):
            return None
        ivs: list[Interval] = operands  # type: ignore[assignment]
        name = op.name
        if name == "arith.addi":
            return (ivs[0][0] + ivs[1][0], ivs[0][1] + ivs[1][1])
        if name == "arith.subi":
            return (ivs[0][0] - ivs[1][1], ivs[0][1] - ivs[1][0])
        if name == "arith.muli":
            products = [a * b for a in ivs[0] for b in ivs[1]]
            return (min(products), max(products))
        if name in ("arith.index_cast", "arith.extsi"):
            return ivs[0]
        if name in ("arith.maxsi", "arith.minsi"):
            f = max if name == "arith.maxsi" else min
            return (f(ivs[0][0], ivs[1][0]), f(ivs[0][1], ivs[1][1]))
        if name == "arith.select":
            return (min(ivs[1][0], ivs[2][0]), max(ivs[1][1], ivs[2][1]))
        divisor = ivs[1] if len(ivs) == 2 else None
        if divisor is not None and divisor[0] == divisor[1] and divisor[0] > 0:
            d = divisor[0]
            lo, hi = ivs[0]
            if name in ("arith.remsi", "arith.remui"):
                return (0, min(d - 1, hi)) if lo >= 0 else (-(d - 1), d - 1)
            if name in ("arith.divsi", "arith.floordivsi", "arith.divui"):
                ends = [lo // d, hi // d, int(lo / d), int(hi / d)]
                return (min(ends), max(ends))
        return None


# ------------------------------------------------------------- access facts


@dataclass
class _ArgUse:
    read: bool = False
    written: bool = False
    whole: bool = False
    """some use is not a load/store: the instance needs its whole view"""
    accesses: list[memref.LoadOp | memref.StoreOp] = field(default_factory=list)


def _classify(value: SSAValue, use: _ArgUse, direct: bool) -> None:
    for u in value.uses:
        op = u.operation
        if direct and isinstance(op, memref.LoadOp):
            use.read = True
            use.accesses.append(op)
        elif direct and isinstance(op, memref.StoreOp) and u.index == 1:
            use.written = True
            use.accesses.append(op)
        else:
            use.whole = True
            if isinstance(op, memref.LoadOp):
                use.read = True
            elif isinstance(op, memref.StoreOp):
                use.written = True
            elif isinstance(op, memref.SubviewOp | memref.CastOp):
                _classify(op.results[0], use, direct=False)
            elif isinstance(op, memref.CopyOp):
                if u.index == 0:
                    use.read = True
                else:
                    use.written = True
            elif op.name.startswith("linalg."):
                n_in = len(op.inputs)  # type: ignore[attr-defined]
                if u.index < n_in:
                    use.read = True
                else:
                    use.written = True
                    # these read their output buffer too
                    if op.name in ("linalg.matmul", "linalg.generic"):
                        use.read = True
            elif isinstance(op, dato.PutOp):
                use.read = True
            else:
                use.read = use.written = True


def _box(
    use: _ArgUse, shape: Sequence[int], ranges: _Ranges
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(origin, sizes) of the part of a view an instance touches."""
    if use.whole or not use.accesses:
        return tuple(0 for _ in shape), tuple(shape)
    lo = [d for d in shape]
    hi = [-1 for _ in shape]
    for access in use.accesses:
        for d, index in enumerate(access.indices):
            r = ranges.of(index)
            a, b = (0, shape[d] - 1) if r is None else (max(0, r[0]), min(shape[d] - 1, r[1]))
            lo[d], hi[d] = min(lo[d], a), max(hi[d], b)
    if any(h < lo_ for lo_, h in zip(lo, hi, strict=True)):
        return tuple(0 for _ in shape), tuple(shape)
    return tuple(lo), tuple(h - lo_ + 1 for lo_, h in zip(lo, hi, strict=True))


_Box = tuple[tuple[int, ...], tuple[int, ...]]
"""(origin, sizes) of a part of an array"""


def _overlap(a: _Box, b: _Box) -> bool:
    return all(
        oa < ob + sb and ob < oa + sa for oa, sa, ob, sb in zip(a[0], a[1], b[0], b[1], strict=True)
    )


# --------------------------------------------------------------- IR helpers


def _const(block: Block, value: int) -> SSAValue:
    op = arith.ConstantOp(IntegerAttr(value, IndexType()))
    block.add_op(op)
    return op.result


def _loop_nest(
    block: Block,
    shape: Sequence[int],
    labels: Sequence[str],
    body: Callable[[Block, list[SSAValue]], None],
) -> None:
    """Perfect nest over `shape`, innermost loop pipelined at II=1."""
    if not shape:
        body(block, [])
        return
    zero, one = _const(block, 0), _const(block, 1)
    extents = [_const(block, e) for e in shape]
    ivs: list[SSAValue] = []
    current = block
    for d in range(len(shape)):
        inner = Block(arg_types=[IndexType()])
        inner.args[0].name_hint = labels[d]
        innermost = d == len(shape) - 1
        # a perfect nest: flattening makes it one pipeline over every element
        loop = vhls.ForOp(
            labels[d],
            zero,
            extents[d],
            one,
            inner,
            pipeline=1 if innermost else None,
            flatten=not innermost,
        )
        current.add_op(loop)
        ivs.append(inner.args[0])
        current = inner
    body(current, ivs)


def _add(block: Block, a: SSAValue, b: SSAValue | int) -> SSAValue:
    if isinstance(b, int):
        if b == 0:
            return a
        b = _const(block, b)
    op = arith.AddiOp(a, b)
    block.add_op(op)
    return op.result


# ------------------------------------------------------------------ lowering


@dataclass
class _Instance:
    group: dato.GroupOp
    row: dato.Instance
    boxes: list[tuple[tuple[int, ...], tuple[int, ...]]]
    process: str = ""
    literals: list[int] = field(default_factory=list)
    streams: list[str] = field(default_factory=list)
    """dato streams the process takes, in parameter order"""
    puts: set[str] = field(default_factory=set)
    gets: set[str] = field(default_factory=set)


@dataclass
class _Slot:
    """One slice stream between a load/store process and an instance."""

    arg: int
    instance: _Instance
    name: str
    mask: str | None = None
    pipo: str | None = None
    """a read-only slice: the pipo its fill process writes and the task reads"""
    fill: str = ""
    fill_instance: str = ""


@dataclass(frozen=True)
class _Transfer:
    """One stream of a load/store process: the part of the array it moves."""

    name: str
    mask: str | None
    """a store's stream of written flags"""
    base: tuple[int, ...]
    size: tuple[int, ...]
    label: str


@dataclass
class _Chain:
    """Instances that update overlapping parts of one global array, read and
    written (`C[...] += ...` by each), in the simulator's order: the part of the
    array they touch (`start`, `size`, global coordinates) travels from the
    load process through one `split` (before a member that reads) and one
    `merge` (after a member that writes) per member to the store process,
    with a flag per element telling whether a member wrote it."""

    arg: int
    """the region argument"""
    members: list[tuple[_Instance, int]]
    """(instance, its argument index), in the simulator's order"""
    start: tuple[int, ...]
    size: tuple[int, ...]
    streams: list[tuple[str, str | None]] = field(default_factory=list)
    """the image between stages: (values, flags); the first has no flags"""
    stages: dict[tuple[int, int], list[tuple[str, str, list[int], list[str]]]] = field(
        default_factory=dict
    )
    """per member (id(instance), arg): its stages, (when: "before"/"after",
    process, literals, stream names), in order"""


RESERVED_C_NAMES = frozenset({
    # C++ keywords and names of our generated code
    "int", "float", "double", "char", "short", "long", "bool", "for", "if", "else", "while",
    "do", "return", "void", "const", "static", "auto", "case", "switch", "default", "break",
    "continue", "struct", "class", "new", "delete", "this", "true", "false", "and", "or", "not",
    "xor", "signed", "unsigned", "register", "template", "typename", "namespace", "using",
    "operator", "main", "dato", "hls", "std", "goto", "union", "enum", "extern", "volatile",
    # C library functions a process or the extern "C" top would clash with
    "div", "ldiv", "abs", "labs", "exp", "log", "sqrt", "pow", "fabs", "floor", "ceil", "fmod",
    "fdiv", "printf", "puts", "malloc", "free", "memcpy", "memset", "exit", "abort", "rand",
    "time", "clock", "sin", "cos", "tan", "round", "trunc", "max", "min", "signal", "select",
})  # fmt: skip
"""Names generated C++ must not define: process and stream names and the top
get a suffix instead (the C++ emitter renames locals with the same set)."""


class _Lowering:
    def __init__(self, region: dato.RegionOp, module: ModuleOp) -> None:
        self.region = region
        self.module = module
        self.arg_names = _arg_names(region)
        self.streams = {s.sym_name.data: s for s in region.streams()}
        # the program's own names first, so generated ones avoid them
        self.taken: set[str] = set(self.streams) | set(self.arg_names)
        for group in region.groups():
            self.taken.update(inst.name for inst in group.instances())
        self.instances: list[_Instance] = []
        self.loads: list[_Slot] = []
        self.stores: list[_Slot] = []
        self.processes: list[vhls.ProcessOp] = []
        self.uses: dict[dato.GroupOp, list[_ArgUse]] = {}
        self.constants: dict[Operation, dialect_memref.GlobalOp] = {}
        self.chains: list[_Chain] = []
        self.chained: set[tuple[int, int]] = set()
        """(id(instance), arg index) of chain members: their slices come from the chain"""
        self.stage_processes: dict[tuple[object, ...], str] = {}

    def fresh(self, name: str) -> str:
        """`name`, or `name_1`, ...: not taken yet and not reserved in C++."""
        candidate, n = name, 1
        while candidate in self.taken or candidate in RESERVED_C_NAMES:
            candidate = f"{name}_{n}"
            n += 1
        self.taken.add(candidate)
        return candidate

    # ------------------------------------------------------------- analysis

    def analyse(self) -> None:
        for op in self.region.body.block.ops:
            if isinstance(op, dato.TaskOp):
                raise op_error(
                    op, "is not virtually mapped; run dato-virtual-map before convert-dato-to-vhls"
                )
            if isinstance(op, dato.StreamOp) and op.shape_values:
                raise op_error(op, "is a stream array; run dato-virtual-map first")
        for group in self.region.groups():
            block = group.body.block
            uses = []
            for arg in block.args:
                use = _ArgUse()
                _classify(arg, use, direct=True)
                uses.append(use)
            self.uses[group] = uses
            pid_values = group.pid_values()
            for row in group.instances():
                pid = group.pid_env(row, pid_values)
                ranges = _Ranges(pid)
                boxes = [
                    _box(use, cast_memref(a.type).get_shape(), ranges)
                    for use, a in zip(uses, block.args, strict=True)
                ]
                inst = _Instance(group, row, boxes)
                for op in block.walk():
                    if isinstance(op, dato.PutOp | dato.GetOp):
                        target = self._bound(group, row, op.stream.root_reference.data)
                        (inst.puts if isinstance(op, dato.PutOp) else inst.gets).add(target)
                self.instances.append(inst)

    @staticmethod
    def _bound(group: dato.GroupOp, row: dato.Instance, symbol: str) -> str:
        ports = group.port_names
        return row.bindings[ports.index(symbol)] if symbol in ports else symbol

    # ------------------------------------------------------------ processes

    def build_tasks(self) -> None:
        by_shape: dict[tuple[dato.GroupOp, tuple[tuple[int, ...], ...]], list[_Instance]] = {}
        for inst in self.instances:
            key = (inst.group, tuple(size for _, size in inst.boxes))
            by_shape.setdefault(key, []).append(inst)
        per_group: dict[dato.GroupOp, int] = {}
        for group, _ in by_shape:
            per_group[group] = per_group.get(group, 0) + 1
        seen: dict[dato.GroupOp, int] = {}
        for (group, sizes), members in by_shape.items():
            k = seen.get(group, 0)
            seen[group] = k + 1
            name = self.fresh(
                group.sym_name.data if per_group[group] == 1 else f"{group.sym_name.data}_b{k}"
            )
            self.build_task(group, name, sizes, members)

    def build_task(
        self,
        group: dato.GroupOp,
        name: str,
        sizes: tuple[tuple[int, ...], ...],
        members: list[_Instance],
    ) -> None:
        src = group.body.block
        uses = self.uses[group]
        rank = len(group.grid_shape)
        has_pid = any(isinstance(op, dato.PidOp) for op in src.walk())
        # origins that differ from the view's are literal arguments
        partial = [
            any(inst.boxes[k][1] != tuple(cast_memref(a.type).get_shape()) for inst in members)
            for k, a in enumerate(src.args)
        ]
        lit_types: list[Attribute] = []
        lit_names: list[str] = []
        if has_pid:
            lit_types += [IndexType()] * rank
            lit_names += [f"p{d}" for d in range(rank)]
        for k, a in enumerate(src.args):
            if partial[k]:
                shape = cast_memref(a.type).get_shape()
                lit_types += [IndexType()] * len(shape)
                lit_names += [f"{_hint(a, k)}_o{d}" for d in range(len(shape))]
        symbols: list[str] = []
        for op in src.walk():
            if isinstance(op, dato.PutOp | dato.GetOp):
                sym = op.stream.root_reference.data
                if sym not in symbols:
                    symbols.append(sym)
        stream_types: list[Attribute] = []
        for sym in symbols:
            t = group.port_type(sym) if sym in group.port_names else None
            if t is None:
                decl = self.streams.get(sym)
                if decl is None:
                    raise op_error(group, f"names @{sym}, which is not a stream of the region")
                t = decl.stream_type
            stream_types.append(vhls.StreamType(t.element_type, t.depth.data))
        slot_types: list[Attribute] = []
        slot_names: list[str] = []
        # a slice only read comes in a pipo filled by its own process
        pipo = [
            bool(a.uses) and uses[k].read and not uses[k].written for k, a in enumerate(src.args)
        ]
        for k, a in enumerate(src.args):
            elem = cast_memref(a.type).element_type
            if pipo[k]:
                slot_types.append(MemRefType(elem, sizes[k]))
                slot_names.append(_hint(a, k))
            elif uses[k].read:
                slot_types.append(vhls.StreamType(elem, SLICE_DEPTH))
                slot_names.append(f"{_hint(a, k)}_in")
            if uses[k].written:
                slot_types += [vhls.StreamType(elem, SLICE_DEPTH), vhls.StreamType(i1, SLICE_DEPTH)]
                slot_names += [f"{_hint(a, k)}_out", f"{_hint(a, k)}_written"]
        body = Block(arg_types=[*lit_types, *stream_types, *slot_types])
        for arg, hint in zip(
            body.args, [*lit_names, *[_c_name(s) for s in symbols], *slot_names], strict=True
        ):
            arg.name_hint = hint
        lits = list(body.args[: len(lit_types)])
        stream_args = dict(zip(symbols, body.args[len(lit_types) :], strict=False))
        slots = iter(body.args[len(lit_types) + len(symbols) :])

        lit_iter = iter(lits)
        pid_args = [next(lit_iter) for _ in range(rank)] if has_pid else []
        origins: list[list[SSAValue] | None] = []
        for k, a in enumerate(src.args):
            rank_k = len(cast_memref(a.type).get_shape())
            origins.append([next(lit_iter) for _ in range(rank_k)] if partial[k] else None)

        mapper: dict[SSAValue, SSAValue] = {}
        masks: dict[SSAValue, SSAValue] = {}
        # the program's partitions of region arguments apply to every task's copy
        partitions = sd.region_partitions(self.region)
        outs: list[tuple[int, SSAValue, SSAValue, SSAValue, SSAValue]] = []
        for k, a in enumerate(src.args):
            if not a.uses:
                continue  # an argument the body never touches needs no buffer
            if pipo[k]:
                mapper[a] = next(slots)
                body.add_ops(_partition_ops(mapper[a], partitions.get(group.args[k].name_hint, [])))
                continue
            t = cast_memref(a.type)
            shape = sizes[k]
            buf = memref.AllocaOp.get(t.element_type, shape=shape)
            buf.memref.name_hint = _hint(a, k)
            buf.location = group.location
            body.add_op(buf)
            mapper[a] = buf.memref
            body.add_ops(_partition_ops(buf.memref, partitions.get(group.args[k].name_hint, [])))
            if uses[k].read:
                in_stream = next(slots)
                _loop_nest(
                    body,
                    shape,
                    [f"{_hint(a, k)}_r{d}" for d in range(len(shape))],
                    lambda blk, ivs, s=in_stream, b=buf.memref: _read_into(blk, s, b, ivs),
                )
            if uses[k].written:
                out_stream, mask_stream = next(slots), next(slots)
                mask = memref.AllocaOp.get(i1, shape=shape)
                mask.memref.name_hint = f"{_hint(a, k)}_written"
                body.add_op(mask)
                # written in step with the buffer: the same banks keep the same II
                body.add_ops(
                    _partition_ops(mask.memref, partitions.get(group.args[k].name_hint, []))
                )
                masks[buf.memref] = mask.memref
                outs.append((k, buf.memref, mask.memref, out_stream, mask_stream))
        copier = _BodyCopier(mapper, masks, stream_args, pid_args, origins, src.args)
        copier.declare_constant = self.declare_constant
        copier.copy_block(src, body)
        for k, buf, mask, out_stream, mask_stream in outs:
            a = src.args[k]
            _loop_nest(
                body,
                sizes[k],
                [f"{_hint(a, k)}_w{d}" for d in range(len(sizes[k]))],
                lambda blk, ivs, b=buf, m=mask, s=out_stream, ms=mask_stream: _write_from(
                    blk, b, m, s, ms, ivs
                ),
            )
        proc = vhls.ProcessOp(name, "task", len(lit_types), body)
        proc.location = group.location
        _assign_directives(proc)
        self.processes.append(proc)
        fills = {
            k: self.build_fill(proc, name, src.args[k], k, sizes[k])
            for k in range(len(src.args))
            if pipo[k]
        }
        for inst in members:
            inst.process = name
            inst.literals = list(inst.row.pid) if has_pid else []
            for k in range(len(src.args)):
                if partial[k]:
                    inst.literals += list(inst.boxes[k][0])
            inst.streams = [self._bound(group, inst.row, s) for s in symbols]
            for k in range(len(src.args)):
                arg_name = self.arg_names[_global_index(self.region, group.args[k])]
                if pipo[k]:
                    hint = _hint(src.args[k], k)
                    self.loads.append(
                        _Slot(
                            k,
                            inst,
                            self.fresh(f"{arg_name}_to_{inst.row.name}"),
                            pipo=self.fresh(f"{inst.row.name}_{hint}"),
                            fill=fills[k],
                            fill_instance=self.fresh(f"{inst.row.name}_{hint}_fill"),
                        )
                    )
                elif uses[k].read:
                    self.loads.append(_Slot(k, inst, self.fresh(f"{arg_name}_to_{inst.row.name}")))
                if uses[k].written:
                    base = self.fresh(f"{inst.row.name}_to_{arg_name}")
                    self.stores.append(_Slot(k, inst, base, self.fresh(f"{base}_written")))

    def build_fill(
        self, task: vhls.ProcessOp, name: str, arg: SSAValue, k: int, shape: tuple[int, ...]
    ) -> str:
        """The fill process of a task's read-only slice: stream in, pipo out."""
        elem = cast_memref(arg.type).element_type
        hint = _hint(arg, k)
        body = Block(arg_types=[vhls.StreamType(elem, SLICE_DEPTH), MemRefType(elem, shape)])
        body.args[0].name_hint = f"{hint}_in"
        body.args[1].name_hint = hint
        _loop_nest(
            body,
            shape,
            [f"{hint}_r{d}" for d in range(len(shape))],
            lambda blk, ivs: _read_into(blk, body.args[0], body.args[1], ivs),
        )
        # Vitis wants one partitioning of a pipo in both of its processes
        task_arg = next(
            a
            for a in task.body.block.args
            if a.name_hint == hint and isinstance(a.type, MemRefType)
        )
        for op in task.body.block.ops:
            if isinstance(op, vhls.ArrayPartitionOp) and op.array is task_arg:
                body.insert_op_before(
                    vhls.ArrayPartitionOp(body.args[1], op.kind.data, op.factor.data, op.dim.data),
                    body.first_op,  # type: ignore[arg-type]
                )
        proc = vhls.ProcessOp(self.fresh(f"{name}_{hint}_fill"), "fill", 0, body)
        proc.location = task.location
        self.processes.append(proc)
        return proc.sym_name.data

    def build_transfers(self, kind: str) -> list[tuple[int, vhls.ProcessOp, list[_Transfer]]]:
        """load_<arg> / store_<arg> processes: one per global argument."""
        slots = self.loads if kind == "load" else self.stores
        result = []
        for g, arg in enumerate(self.region.args):
            mine: list[_Transfer] = []
            for chain in self.chains:
                if chain.arg == g:
                    values, flags = chain.streams[0] if kind == "load" else chain.streams[-1]
                    label = f"{self.arg_names[g]}_chain"
                    mine.append(_Transfer(values, flags, chain.start, chain.size, label))
            for slot in slots:
                inst = slot.instance
                if _global_index(self.region, inst.group.args[slot.arg]) != g:
                    continue
                if (id(inst), slot.arg) in self.chained:
                    continue  # its slice comes from and goes to the chain
                origin, size = inst.boxes[slot.arg]
                offsets = inst.row.offsets[slot.arg]
                base = tuple(o + b for o, b in zip(offsets, origin, strict=True))
                mine.append(_Transfer(slot.name, slot.mask, base, size, inst.row.name))
            if not mine:
                continue
            gtype = cast_memref(arg.type)
            elem = gtype.element_type
            stream_types: list[Attribute] = []
            for _ in mine:
                stream_types.append(vhls.StreamType(elem, SLICE_DEPTH))
                if kind == "store":
                    stream_types.append(vhls.StreamType(i1, SLICE_DEPTH))
            body = Block(arg_types=[gtype, *stream_types])
            name = self.arg_names[g]
            body.args[0].name_hint = name
            it = iter(body.args[1:])
            for transfer in mine:
                data = next(it)
                data.name_hint = transfer.name
                mask = next(it) if kind == "store" else None
                if mask is not None:
                    mask.name_hint = transfer.mask
                labels = [f"{transfer.label}_{d}" for d in range(len(transfer.size))]

                def move(
                    blk: Block,
                    ivs: list[SSAValue],
                    base: tuple[int, ...] = transfer.base,
                    data: SSAValue = data,
                    mask: SSAValue | None = mask,
                    target: SSAValue = body.args[0],
                ) -> None:
                    index = [_add(blk, iv, b) for iv, b in zip(ivs, base, strict=True)]
                    if mask is None:
                        load = memref.LoadOp.get(target, index)
                        blk.add_op(load)
                        blk.add_op(vhls.WriteOp(data, load.res))
                        return
                    value = vhls.ReadOp(data)
                    flag = vhls.ReadOp(mask)
                    blk.add_ops([value, flag])
                    then = Block()
                    then.add_ops([memref.StoreOp.get(value.result, target, index), scf.YieldOp()])
                    blk.add_op(scf.IfOp(flag.result, [], [then]))

                _loop_nest(body, transfer.size, labels, move)
            proc = vhls.ProcessOp(self.fresh(f"{kind}_{name}"), kind, 0, body)
            self.processes.append(proc)
            result.append((g, proc, mine))
        return result

    def build_chains(self) -> None:
        """The split and merge stages of every chain (`_Chain`), their streams
        and literals; the calls are placed by build_kernel."""
        for chain in self.chains:
            arg = self.region.args[chain.arg]
            elem = cast_memref(arg.type).element_type
            label = self.arg_names[chain.arg]
            chain.streams = [(self.fresh(f"{label}_chain"), None)]
            for inst, k in chain.members:
                uses = self.uses[inst.group][k]
                origin = inst.boxes[k][0]
                start = [o + b for o, b in zip(inst.row.offsets[k], origin, strict=True)]
                rel = [a - b for a, b in zip(start, chain.start, strict=True)]
                size = inst.boxes[k][1]
                stages: list[tuple[str, str, list[int], list[str]]] = []
                if uses.read:
                    slot = next(x for x in self.loads if x.instance is inst and x.arg == k)
                    first = len(chain.streams) == 1
                    proc = self.stage_process("split", elem, chain.size, size, first)
                    values, flags = chain.streams[-1]
                    out = self.fresh(f"{label}_after_{inst.row.name}_read")
                    out_flags = self.fresh(f"{out}_written")
                    chain.streams.append((out, out_flags))
                    ins = [values] if flags is None else [values, flags]
                    stages.append(("before", proc, rel, [*ins, slot.name, out, out_flags]))
                if uses.written:
                    slot = next(x for x in self.stores if x.instance is inst and x.arg == k)
                    assert slot.mask is not None
                    first = len(chain.streams) == 1
                    proc = self.stage_process("merge", elem, chain.size, size, first)
                    values, flags = chain.streams[-1]
                    out = self.fresh(f"{label}_after_{inst.row.name}")
                    out_flags = self.fresh(f"{out}_written")
                    chain.streams.append((out, out_flags))
                    ins = [values] if flags is None else [values, flags]
                    stages.append(
                        ("after", proc, rel, [*ins, slot.name, slot.mask, out, out_flags])
                    )
                chain.stages[(id(inst), k)] = stages

    def stage_process(
        self,
        kind: str,
        elem: Attribute,
        whole: tuple[int, ...],
        part: tuple[int, ...],
        first: bool,
    ) -> str:
        """A chain stage, shared by every stage of its kind and sizes: it reads
        the chain's part of the array (values, and flags of the elements a
        member wrote, none for the first stage), then a `split` sends the
        member's slice to the member, a `merge` takes in the member's written
        elements; both then send the part on. Literals: the slice's origin in
        the part."""
        key = (kind, elem, whole, part, first)
        known = self.stage_processes.get(key)
        if known is not None:
            return known
        rank = len(whole)
        stream = vhls.StreamType(elem, SLICE_DEPTH)
        flag = vhls.StreamType(i1, SLICE_DEPTH)
        ins = [stream] if first else [stream, flag]
        if kind == "split":
            middle: list[Attribute] = [stream]
            middle_names = ["to_task"]
        else:
            middle = [stream, flag]
            middle_names = ["from_task", "from_task_written"]
        body = Block(arg_types=[*([IndexType()] * rank), *ins, *middle, stream, flag])
        names = [f"o{d}" for d in range(rank)]
        names += ["part_in"] if first else ["part_in", "part_in_written"]
        names += [*middle_names, "part_out", "part_out_written"]
        for a, n in zip(body.args, names, strict=True):
            a.name_hint = n
        origin = list(body.args[:rank])
        it = iter(body.args[rank:])
        in_values = next(it)
        in_flags = None if first else next(it)
        mid = [next(it) for _ in middle]
        out_values, out_flags = next(it), next(it)
        values = memref.AllocaOp.get(elem, shape=whole)
        values.memref.name_hint = "part"
        flags = memref.AllocaOp.get(i1, shape=whole)
        flags.memref.name_hint = "part_written"
        body.add_ops([values, flags])

        def take(blk: Block, ivs: list[SSAValue]) -> None:
            _read_into(blk, in_values, values.memref, ivs)
            if in_flags is not None:
                _read_into(blk, in_flags, flags.memref, ivs)
            else:  # nothing written yet
                false = arith.ConstantOp(IntegerAttr(0, i1))
                blk.add_ops([false, memref.StoreOp.get(false.result, flags.memref, ivs)])

        _loop_nest(body, whole, [f"in{d}" for d in range(rank)], take)

        def slice_op(blk: Block, ivs: list[SSAValue]) -> None:
            index = [_add(blk, iv, o) for iv, o in zip(ivs, origin, strict=True)]
            if kind == "split":
                load = memref.LoadOp.get(values.memref, index)
                blk.add_ops([load, vhls.WriteOp(mid[0], load.res)])
                return
            value, written = vhls.ReadOp(mid[0]), vhls.ReadOp(mid[1])
            blk.add_ops([value, written])
            true = arith.ConstantOp(IntegerAttr(1, i1))
            then = Block()
            then.add_ops(
                [
                    true,
                    memref.StoreOp.get(value.result, values.memref, index),
                    memref.StoreOp.get(true.result, flags.memref, index),
                    scf.YieldOp(),
                ]
            )
            blk.add_op(scf.IfOp(written.result, [], [then]))

        _loop_nest(body, part, [f"{kind}{d}" for d in range(rank)], slice_op)

        def give(blk: Block, ivs: list[SSAValue]) -> None:
            _write_from(blk, values.memref, flags.memref, out_values, out_flags, ivs)

        _loop_nest(body, whole, [f"out{d}" for d in range(rank)], give)
        proc = vhls.ProcessOp(self.fresh(f"chain_{kind}"), kind, rank, body)
        self.processes.append(proc)
        self.stage_processes[key] = proc.sym_name.data
        return proc.sym_name.data

    # ---------------------------------------------------------------- kernel

    def build_kernel(
        self,
        loads: list[tuple[int, vhls.ProcessOp, list[_Transfer]]],
        stores: list[tuple[int, vhls.ProcessOp, list[_Transfer]]],
    ) -> vhls.KernelOp:
        region = self.region
        top = Block(arg_types=[a.type for a in region.args])
        for a, name in zip(top.args, self.arg_names, strict=True):
            a.name_hint = name
        flow = Block()
        declared: dict[str, SSAValue] = {}

        def declare(name: str, t: vhls.StreamType, loc: Operation | None) -> SSAValue:
            op = vhls.StreamOp(name, t)
            if loc is not None:
                op.location = loc.location
            flow.add_op(op)
            declared[name] = op.result
            return op.result

        for name, decl in self.streams.items():
            t = decl.stream_type
            declare(name, vhls.StreamType(t.element_type, t.depth.data), decl)
        for slot in [*self.loads, *self.stores]:
            elem = cast_memref(slot.instance.group.body.block.args[slot.arg].type).element_type
            declare(slot.name, vhls.StreamType(elem, SLICE_DEPTH), None)
            if slot.mask is not None:
                declare(slot.mask, vhls.StreamType(i1, SLICE_DEPTH), None)
        for chain in self.chains:
            elem = cast_memref(self.region.args[chain.arg].type).element_type
            for values, flags in chain.streams:
                declare(values, vhls.StreamType(elem, SLICE_DEPTH), None)
                if flags is not None:
                    declare(flags, vhls.StreamType(i1, SLICE_DEPTH), None)
        for slot in self.loads:
            if slot.pipo is not None:
                size = slot.instance.boxes[slot.arg][1]
                buf = vhls.PipoOp(slot.pipo, MemRefType(elem_of(slot), size))
                buf.location = slot.instance.group.location
                flow.add_op(buf)
                declared[slot.pipo] = buf.result

        def call_transfer(g: int, proc: vhls.ProcessOp, mine: list[_Transfer]) -> None:
            operands: list[SSAValue] = [top.args[g]]
            for transfer in mine:
                operands.append(declared[transfer.name])
                if transfer.mask is not None:
                    operands.append(declared[transfer.mask])
            flow.add_op(vhls.CallOp(proc.sym_name.data, [], operands, proc.sym_name.data))

        stages: dict[int, list[tuple[str, str, list[int], list[str]]]] = {}
        for chain in self.chains:
            for inst, k in chain.members:
                stages.setdefault(id(inst), []).extend(chain.stages[(id(inst), k)])

        def call_stages(inst: _Instance, when: str) -> None:
            for w, proc, literals, names in stages.get(id(inst), []):
                if w == when:
                    label = f"{inst.row.name}_{'split' if when == 'before' else 'merge'}"
                    call = vhls.CallOp(
                        proc, literals, [declared[x] for x in names], self.fresh(label)
                    )
                    call.location = inst.group.location
                    flow.add_op(call)

        for g, proc, mine in loads:
            call_transfer(g, proc, mine)
        for inst in _topological(self.instances):
            # a chain member: its slice of the shared array first
            call_stages(inst, "before")
            operands = [declared[s] for s in inst.streams]
            by_arg: dict[int, list[SSAValue]] = {}
            for slot in self.loads:
                if slot.instance is not inst:
                    continue
                if slot.pipo is None:
                    by_arg.setdefault(slot.arg, []).append(declared[slot.name])
                    continue
                # the fill runs first: a sequential simulation needs the pipo full
                fill = vhls.CallOp(
                    slot.fill,
                    [],
                    [declared[slot.name], declared[slot.pipo]],
                    slot.fill_instance,
                )
                fill.location = inst.group.location
                flow.add_op(fill)
                by_arg.setdefault(slot.arg, []).append(declared[slot.pipo])
            for slot in self.stores:
                if slot.instance is inst:
                    assert slot.mask is not None
                    by_arg.setdefault(slot.arg, []).extend(
                        [declared[slot.name], declared[slot.mask]]
                    )
            for k in sorted(by_arg):
                operands += by_arg[k]
            call = vhls.CallOp(inst.process, inst.literals, operands, inst.row.name)
            call.location = inst.group.location
            flow.add_op(call)
            call_stages(inst, "after")
        for g, proc, mine in stores:
            call_transfer(g, proc, mine)
        top.add_op(vhls.DataflowOp(flow))
        interfaces = [
            vhls.InterfaceAttr("m_axi", f"gmem_{name}", "slave") for name in self.arg_names
        ]
        kernel = vhls.KernelOp(self.fresh(region.sym_name.data), interfaces, top)
        kernel.location = region.location
        return kernel

    def declare_constant(self, alloc: Operation) -> str:
        """The `memref.global constant` of a constant table (one per table, for
        every process that copies its task's body)."""
        known = self.constants.get(alloc)
        if known is not None:
            return known.sym_name.data
        result = alloc.results[0]
        t = cast_memref(result.type)
        name = self.fresh(_c_name(result.name_hint) if result.name_hint else "table")
        glob = dialect_memref.GlobalOp(
            name, MemRefType(t.element_type, t.get_shape()), alloc.attributes[CONSTANT_ATTR],
            visibility="private", constant=True,
        )  # fmt: skip
        glob.location = alloc.location
        self.constants[alloc] = glob
        return name

    def check_flows(self) -> None:
        """Data passed from one instance to another through a global array.
        Judged on the part of the array each instance touches (its box), so
        instances updating disjoint parts of one unsharded array (Allo's
        hierarchical GEMM into a whole C) are not a flow: the store process
        merges their parts by their written masks.

        Where one instance writes what another reads, the simulator (which
        shares the host's arrays) runs them in its order: instances that use no
        stream run whole, one after another, in instance order. Such instances
        are chained (`_Chain`): each sees the array as the ones before it left
        it. An instance with streams may stop half-way in the simulator and let
        another run, an order the FPGA cannot follow: refused, as on the NPU
        (transforms/array_flows.py)."""
        touched: dict[int, list[tuple[_Instance, int, _Box, bool, bool]]] = {}
        for inst in self.instances:
            uses = self.uses[inst.group]
            for k, operand in enumerate(inst.group.args):
                if not inst.group.body.block.args[k].uses:
                    continue
                origin, size = inst.boxes[k]
                start = tuple(o + b for o, b in zip(inst.row.offsets[k], origin, strict=True))
                entry = (inst, k, (start, size), uses[k].read, uses[k].written)
                touched.setdefault(_global_index(self.region, operand), []).append(entry)
        streamed = {
            group: any(isinstance(op, dato.PutOp | dato.GetOp) for op in group.body.block.walk())
            for group in self.region.groups()
        }
        for g, entries in touched.items():
            # components of entries linked by an overlap with a write
            parent = list(range(len(entries)))

            def find(i: int, parent: list[int] = parent) -> int:
                while parent[i] != i:
                    parent[i] = parent[parent[i]]
                    i = parent[i]
                return i

            flows: list[tuple[int, int]] = []
            for i, (w, _, wbox, _, written) in enumerate(entries):
                if not written:
                    continue
                for j, (r, _, rbox, read, rwritten) in enumerate(entries):
                    if i == j or r is w or not _overlap(wbox, rbox):
                        continue
                    if read:
                        flows.append((i, j))
                    if read or rwritten:
                        parent[find(i)] = find(j)
            if not flows:
                continue
            name = self.region.args[g].name_hint or f"arg{g}"
            roots = {find(i) for pair in flows for i in pair}
            for root in sorted(roots):
                members = [x for x in range(len(entries)) if find(x) == root]
                i, j = next((i, j) for i, j in flows if find(i) == root)
                for x in members:
                    inst = entries[x][0]
                    if streamed[inst.group]:
                        writer, reader = entries[i][0].row.name, entries[j][0].row.name
                        raise op_error(
                            inst.group,
                            f"{writer} writes {name} and {reader} reads it: on the FPGA each "
                            f"task reads the host's copy of its slice, so {reader} would not "
                            f"see {writer}'s writes (the simulator would). Instances sharing "
                            "an array are chained in the simulator's order only when none "
                            f"uses a stream, and {inst.row.name} does (the simulator may "
                            "switch to another instance at a stream); pass the data through a "
                            "stream instead",
                        )
                boxes = [entries[x][2] for x in members]
                lo = [min(b[0][d] for b in boxes) for d in range(len(boxes[0][0]))]
                hi = [max(b[0][d] + b[1][d] for b in boxes) for d in range(len(boxes[0][0]))]
                chain = _Chain(
                    g,
                    [(entries[x][0], entries[x][1]) for x in members],
                    tuple(lo),
                    tuple(h - lo_ for lo_, h in zip(lo, hi, strict=True)),
                )
                self.chains.append(chain)
                self.chained.update((id(inst), k) for inst, k in chain.members)

    def run(self) -> list[Operation]:
        self.analyse()
        self.check_flows()
        self.build_tasks()
        self.build_chains()
        loads = self.build_transfers("load")
        stores = self.build_transfers("store")
        kernel = self.build_kernel(loads, stores)
        return [*self.constants.values(), *self.processes, kernel]


class _BodyCopier:
    """Copies a group body into a process: pids become literal arguments, puts
    and gets become stream writes and reads, views become local buffers (indices
    shifted by the slice origin), writes also mark the mask, scf.for becomes
    vhls.for."""

    def __init__(
        self,
        mapper: dict[SSAValue, SSAValue],
        masks: dict[SSAValue, SSAValue],
        streams: dict[str, SSAValue],
        pid: list[SSAValue],
        origins: list[list[SSAValue] | None],
        views: Sequence[SSAValue],
    ) -> None:
        self.mapper = mapper
        self.masks = masks
        self.streams = streams
        self.pid = pid
        self.origin = {v: o for v, o in zip(views, origins, strict=True) if o is not None}
        self.declare_constant: Callable[[Operation], str] | None = None
        self.tables: set[SSAValue] = set()
        """constant tables read from a memref.global: their fill stores are dropped"""

    def copy_block(self, src: Block, dst: Block) -> None:
        for op in src.ops:
            self.copy_op(op, dst)

    def value(self, v: SSAValue) -> SSAValue:
        return self.mapper.get(v, v)

    def shifted(self, dst: Block, view: SSAValue, indices: Sequence[SSAValue]) -> list[SSAValue]:
        origin = self.origin.get(view)
        new = [self.value(i) for i in indices]
        if origin is None:
            return new
        out = []
        for index, o in zip(new, origin, strict=True):
            sub = arith.SubiOp(index, o)
            dst.add_op(sub)
            out.append(sub.result)
        return out

    def mark_window(self, new: Operation, view: SSAValue) -> None:
        """An access to a window of a view (`shifted` indices): record the
        view's shape for the C simulation's bounds check (vhls.WINDOW_ATTR)."""
        if view in self.origin:
            shape = cast_memref(view.type).get_shape()
            new.attributes[vhls.WINDOW_ATTR] = DenseArrayBase.from_list(i64, shape)

    def mark(self, dst: Block, target: SSAValue, indices: Sequence[SSAValue] | None) -> None:
        mask = self.masks.get(target)
        if mask is None:
            return
        true = arith.ConstantOp(IntegerAttr(1, i1))
        dst.add_op(true)
        if indices is None:
            from xdsl.dialects.linalg.ops import FillOp

            dst.add_op(FillOp((true.result,), (mask,), ()))
        else:
            dst.add_op(memref.StoreOp.get(true.result, mask, indices))

    def copy_op(self, op: Operation, dst: Block) -> None:
        if isinstance(op, dato.PidOp):
            for result, value in zip(op.results, self.pid, strict=True):
                self.mapper[result] = value
            return
        if isinstance(op, dato.PutOp):
            new: Operation = vhls.WriteOp(
                self.streams[op.stream.root_reference.data], self.value(op.value)
            )
        elif isinstance(op, dato.GetOp):
            new = vhls.ReadOp(self.streams[op.stream.root_reference.data])
            self.mapper[op.result] = new.results[0]
            new.results[0].name_hint = op.result.name_hint
        elif isinstance(op, memref.LoadOp):
            indices = self.shifted(dst, op.memref, op.indices)
            new = memref.LoadOp.get(self.value(op.memref), indices)
            self.mapper[op.res] = new.results[0]
            new.results[0].name_hint = op.res.name_hint
            self.mark_window(new, op.memref)
        elif (
            isinstance(op, memref.AllocOp | memref.AllocaOp)
            and CONSTANT_ATTR in op.attributes
            and self.declare_constant is not None
        ):
            new = memref.GetGlobalOp(self.declare_constant(op), op.results[0].type)
            new.results[0].name_hint = op.results[0].name_hint
            self.mapper[op.results[0]] = new.results[0]
            self.tables.add(op.results[0])
        elif isinstance(op, memref.StoreOp) and op.memref in self.tables:
            return  # the fill of a constant table: the global holds its values
        elif isinstance(op, memref.StoreOp):
            indices = self.shifted(dst, op.memref, op.indices)
            target = self.value(op.memref)
            new = memref.StoreOp.get(self.value(op.value), target, indices)
            new.location = op.location
            self.mark_window(new, op.memref)
            dst.add_op(new)
            self.mark(dst, target, indices)
            return
        elif isinstance(op, scf.ForOp) and not op.results and len(op.body.block.args) == 1:
            body = Block(arg_types=[IndexType()])
            iv = op.body.block.args[0]
            body.args[0].name_hint = iv.name_hint
            self.mapper[iv] = body.args[0]
            for inner in op.body.block.ops:
                if not isinstance(inner, scf.YieldOp):
                    self.copy_op(inner, body)
            lb, ub, step = (self.value(v) for v in op.operands[:3])
            # the program's schedule (dato.customize): its pipeline/unroll directives
            ii, factor = sd.loop_directives(op)
            new = vhls.ForOp(iv.name_hint or "loop", lb, ub, step, body, ii, factor)
        else:
            new = op.clone_without_regions(self.mapper)
            for src_region, dst_region in zip(op.regions, new.regions, strict=True):
                for src_block in src_region.blocks:
                    block = Block(arg_types=[a.type for a in src_block.args])
                    for a, b in zip(src_block.args, block.args, strict=True):
                        self.mapper[a] = b
                        b.name_hint = a.name_hint
                    dst_region.add_block(block)
                    self.copy_block(src_block, block)
            for old, fresh in zip(op.results, new.results, strict=True):
                fresh.name_hint = old.name_hint
        new.location = op.location
        dst.add_op(new)
        # keep the mask in step with writes through views
        if isinstance(new, memref.SubviewOp) and new.source in self.masks:
            t = cast_memref(new.result.type)
            mask_t = MemRefType(i1, t.get_shape(), t.layout, t.memory_space)
            sub = memref.SubviewOp(
                self.masks[new.source],
                new.offsets,
                new.sizes,
                new.strides,
                new.static_offsets,
                new.static_sizes,
                new.static_strides,
                mask_t,
            )
            dst.add_op(sub)
            self.masks[new.result] = sub.result
        elif isinstance(new, memref.CopyOp):
            self.mark(dst, new.destination, None)
        elif new.name.startswith("linalg.") and hasattr(new, "outputs"):
            for out in new.outputs:  # type: ignore[attr-defined]
                self.mark(dst, out, None)


def elem_of(slot: _Slot) -> Attribute:
    return cast_memref(slot.instance.group.body.block.args[slot.arg].type).element_type


def _read_into(block: Block, stream: SSAValue, buf: SSAValue, ivs: list[SSAValue]) -> None:
    read = vhls.ReadOp(stream)
    block.add_ops([read, memref.StoreOp.get(read.result, buf, ivs)])


def _write_from(
    block: Block,
    buf: SSAValue,
    mask: SSAValue,
    stream: SSAValue,
    mask_stream: SSAValue,
    ivs: list[SSAValue],
) -> None:
    value = memref.LoadOp.get(buf, ivs)
    flag = memref.LoadOp.get(mask, ivs)
    block.add_ops(
        [value, flag, vhls.WriteOp(stream, value.res), vhls.WriteOp(mask_stream, flag.res)]
    )


# ---------------------------------------------------------------- directives


def _fully_unrolled(op: Operation) -> bool:
    return isinstance(op, vhls.ForOp) and op.unroll is not None and op.unroll.data == 0


def _is_innermost(loop: vhls.ForOp) -> bool:
    for op in loop.body.block.walk():
        if op is loop or _fully_unrolled(op):
            continue  # a fully unrolled loop is straight-line code
        if isinstance(op, vhls.ForOp | scf.ForOp | scf.WhileOp):
            return False
        if op.name.startswith(_EXPANDED):
            return False
    return True


def float_recurrence(loop: vhls.ForOp) -> bool:
    """A scalar (0-d buffer) loaded and stored in the loop through float math:
    the next iteration waits for the adder."""
    for op in loop.body.block.walk():
        if not isinstance(op, memref.StoreOp) or cast_memref(op.memref.type).get_shape():
            continue
        if not isinstance(op.value.type, AnyFloat):
            continue
        stack = [op.value]
        seen: set[SSAValue] = set()
        while stack:
            v = stack.pop()
            if v in seen:
                continue
            seen.add(v)
            owner = v.owner
            if not isinstance(owner, Operation) or not loop.is_ancestor(owner):
                continue
            if isinstance(owner, memref.LoadOp) and owner.memref is op.memref:
                return True
            stack.extend(owner.operands)
    return False


def _in_pipeline(loop: vhls.ForOp) -> bool:
    """Inside a pipelined loop (Vitis unrolls the loops in it)."""
    parent = loop.parent_op()
    while parent is not None:
        if isinstance(parent, vhls.ForOp) and parent.pipeline is not None:
            return True
        parent = parent.parent_op()
    return False


def _partition_ops(buf: SSAValue, specs: Sequence[sd.PartitionSpec]) -> list[vhls.ArrayPartitionOp]:
    """The program's partitions of `buf`, fitted to its (local) shape: a task's
    copy of a sharded array can be smaller than the array the factor divides; a
    factor as large as a dim partitions that dim completely."""
    shape = cast_memref(buf.type).get_shape()
    ops: list[vhls.ArrayPartitionOp] = []
    for spec in specs:
        if spec.kind == "complete":
            ops.append(vhls.ArrayPartitionOp(buf, "complete", 0, spec.dim))
            continue
        if spec.factor < 2:
            continue  # a factor of 1 leaves the array whole
        dims = range(len(shape)) if spec.dim == 0 else [spec.dim - 1]
        if spec.dim == 0 and all(d % spec.factor == 0 and d > spec.factor for d in shape):
            ops.append(vhls.ArrayPartitionOp(buf, spec.kind, spec.factor, 0))
            continue
        for d in dims:
            factor = min(spec.factor, shape[d])
            if factor < 2:
                continue  # one element along this dim: nothing to split
            kind = "complete" if factor == shape[d] else spec.kind
            ops.append(vhls.ArrayPartitionOp(buf, kind, 0 if kind == "complete" else factor, d + 1))
    return ops


def _program_partitions(proc: vhls.ProcessOp) -> None:
    """Local buffers the program partitioned (dato.partition on their alloc)."""
    for op in list(proc.body.block.walk()):
        if not isinstance(op, memref.AllocaOp | memref.AllocOp):
            continue
        attr = op.attributes.pop(sd.PARTITION_ATTR, None)
        if attr is None:
            continue
        block = op.parent_block()
        assert block is not None
        anchor: Operation = op
        for directive in _partition_ops(op.memref, sd.read_partitions(attr)):
            block.insert_op_after(directive, anchor)
            anchor = directive


def _assign_directives(proc: vhls.ProcessOp) -> None:
    _program_partitions(proc)
    chosen = {op.array for op in proc.body.block.walk() if isinstance(op, vhls.ArrayPartitionOp)}
    for loop in [op for op in proc.body.block.walk() if isinstance(op, vhls.ForOp)]:
        if loop.pipeline is not None or not _is_innermost(loop):
            continue
        if _fully_unrolled(loop) or _in_pipeline(loop):
            continue  # unrolled by the program, or by Vitis inside a pipeline
        ii = FLOAT_RECURRENCE_II if float_recurrence(loop) else 1
        loop.pipeline = vhls.IntAttr(ii)
    partition: dict[SSAValue, int] = {}
    for loop in [op for op in proc.body.block.walk() if isinstance(op, vhls.ForOp)]:
        if loop.pipeline is None:
            continue
        counts: dict[SSAValue, int] = {}
        for op in loop.body.block.walk():
            if isinstance(op, memref.LoadOp | memref.StoreOp):
                buf = op.memref
                if cast_memref(buf.type).get_shape() and isinstance(
                    buf.owner, memref.AllocaOp | memref.AllocOp
                ):
                    counts[buf] = counts.get(buf, 0) + 1
        for buf, n in counts.items():
            if n > 2:
                partition[buf] = max(partition.get(buf, 0), (n + 1) // 2)
    for buf, factor in partition.items():
        if buf in chosen:
            continue  # the program chose this buffer's partitioning
        owner = buf.owner
        assert isinstance(owner, Operation)
        shape = cast_memref(buf.type).get_shape()
        numel = 1
        for d in shape:
            numel *= d
        if numel <= 64:
            directive = vhls.ArrayPartitionOp(buf, "complete", 0, 0)
        else:
            directive = vhls.ArrayPartitionOp(buf, "cyclic", max(2, factor), len(shape))
        block = owner.parent_block()
        assert block is not None
        block.insert_op_after(directive, owner)


# ------------------------------------------------------------------- helpers


def cast_memref(t: Attribute) -> MemRefType:
    assert isinstance(t, MemRefType)
    return t


def _hint(value: SSAValue, k: int) -> str:
    return _c_name(value.name_hint) if value.name_hint else f"arg{k}"


def _c_name(name: str) -> str:
    clean = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    return clean if clean and not clean[0].isdigit() else f"v_{clean}"


def _arg_names(region: dato.RegionOp) -> list[str]:
    names: list[str] = []
    for k, a in enumerate(region.args):
        name = _hint(a, k)
        while name in names:
            name += "_"
        names.append(name)
    return names


def _global_index(region: dato.RegionOp, value: SSAValue) -> int:
    return list(region.args).index(value)


def _topological(instances: list[_Instance]) -> list[_Instance]:
    """Producers before consumers, otherwise program order; a cycle keeps
    program order from its first member on (a sequential run then fails there)."""
    producers: dict[str, list[int]] = {}
    for k, inst in enumerate(instances):
        for s in inst.puts:
            producers.setdefault(s, []).append(k)
    succs: list[set[int]] = [set() for _ in instances]
    pending = [0] * len(instances)
    for k, inst in enumerate(instances):
        preds = {p for s in inst.gets for p in producers.get(s, []) if p != k}
        pending[k] = len(preds)
        for p in preds:
            succs[p].add(k)
    ready = [k for k in range(len(instances)) if pending[k] == 0]
    heapq.heapify(ready)
    done: set[int] = set()
    order: list[int] = []
    while len(order) < len(instances):
        if not ready:
            ready = [next(k for k in range(len(instances)) if k not in done)]
        k = heapq.heappop(ready)
        if k in done:
            continue
        done.add(k)
        order.append(k)
        for n in succs[k]:
            pending[n] -= 1
            if pending[n] == 0 and n not in done:
                heapq.heappush(ready, n)
    return [instances[k] for k in order]


@dataclass(frozen=True)
class ConvertDatoToVhlsPass(ModulePass):
    """Lower virtually mapped dato regions to a Vitis HLS dataflow design."""

    name = "convert-dato-to-vhls"

    consumes_schedule: ClassVar[bool] = True
    """it turns the schedule's directives (schedule_directives.py) into vhls ones"""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for bad, message in sd.schedule_errors(op):
            raise op_error(bad, message)
        for region in [o for o in op.walk() if isinstance(o, dato.RegionOp)]:
            refuse_external_kernels(region, "the HLS target")
            new_ops = _Lowering(region, op).run()
            block = region.parent_block()
            assert block is not None
            for new in new_ops:
                block.insert_op_before(new, region)
            block.erase_op(region)


__all__ = ["FLOAT_RECURRENCE_II", "ConvertDatoToVhlsPass", "float_recurrence"]
