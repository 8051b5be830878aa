"""`dato-virtual-map`: every task grid becomes its instances.

Each instance (`name_i_j`) gets its pid, its slice of every bound argument
(offsets from the layout; sizes are the local view; strides 1) and concrete
streams: `meta_if`/`meta_for` are folded with the instance's pid and every
stream-array access resolves to one stream (`fifo[1, 0]` -> `@fifo_1_0`).

Instances whose folded bodies are identical (same decisions, only pid, slice
offsets and stream endpoints differ) share one `dato.group` with a table of
their parameters: streams that differ between them become ports bound per row.
No body is copied per instance, so a 32x32x32 grid maps in one walk of a small
skeleton per instance (see instance_trace.py)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, memref, scf
from xdsl.dialects.builtin import IndexType, IntegerAttr, MemRefType, ModuleOp, i64
from xdsl.ir import Block, Operation, Region, SSAValue
from xdsl.passes import ModulePass
from xdsl.transforms.dead_code_elimination import region_dce

from dato_xdsl.diagnostics import op_error
from dato_xdsl.dialects import dato
from dato_xdsl.dialects.dato import instance_name
from dato_xdsl.transforms.instance_trace import Skeleton, Trace, is_meta
from dato_xdsl.transforms.meta_for_rolling import keeps_loop
from dato_xdsl.transforms.schedule_directives import UNROLL_ATTR

MAX_TRACED_STEPS = 1 << 22
"""Compile-time steps (meta_if decisions, meta_for iterations, stream accesses)
summed over all instances of one task (docs/design-notes.md, "Limits")."""


def stream_symbol(name: str, indices: Sequence[int]) -> str:
    """The single stream an array access reaches: `fifo[1, 0]` -> `fifo_1_0`."""
    return "_".join([name, *(str(i) for i in indices)]) if indices else name


@dataclass
class _Row:
    pid: tuple[int, ...]
    streams: list[str]


class _Specializer:
    """Copies a task body for one group, folding meta constructs with the
    group's decisions and naming the stream each access reaches."""

    def __init__(
        self, decisions: Sequence[object], symbols: Sequence[str], pid: Sequence[int] | None
    ) -> None:
        self.decisions: Iterator[object] = iter(decisions)
        self.symbols: Iterator[str] = iter(symbols)
        self.pid = pid

    def copy_block(
        self, src: Block, dst: Block, mapper: dict[SSAValue, SSAValue], inline: bool
    ) -> None:
        for op in src.ops:
            if inline and isinstance(op, scf.YieldOp) and op is src.last_op:
                continue  # the yield of an inlined meta region
            self.copy_op(op, dst, mapper)

    def copy_op(self, op: Operation, dst: Block, mapper: dict[SSAValue, SSAValue]) -> None:
        if isinstance(op, scf.IfOp) and is_meta(op):
            taken = next(self.decisions)
            region = op.true_region if taken == 0 else op.false_region
            if region.blocks:
                self.copy_block(region.block, dst, mapper, inline=True)
            return
        if isinstance(op, scf.ForOp) and is_meta(op):
            lb, ub, step = next(self.decisions)  # type: ignore[misc]
            iv = op.body.block.args[0]
            if keeps_loop(op):
                self.rolled_loop(op, (lb, ub, step), dst, mapper)
                return
            for value in range(lb, ub, step):
                const = arith.ConstantOp(IntegerAttr(value, IndexType()))
                const.location = op.location
                const.result.name_hint = iv.name_hint
                dst.add_op(const)
                mapper[iv] = const.result
                self.copy_block(op.body.block, dst, mapper, inline=True)
            return
        if isinstance(op, dato.PutOp):
            new: Operation = dato.PutOp(next(self.symbols), [], mapper.get(op.value, op.value))
        elif isinstance(op, dato.GetOp):
            new = dato.GetOp(next(self.symbols), [], op.result.type)
            mapper[op.result] = new.results[0]
            new.results[0].name_hint = op.result.name_hint
        elif isinstance(op, dato.PidOp) and self.pid is not None:
            for result, value in zip(op.results, self.pid, strict=True):
                const = arith.ConstantOp(IntegerAttr(value, IndexType()))
                const.location = op.location
                const.result.name_hint = result.name_hint
                dst.add_op(const)
                mapper[result] = const.result
            return
        else:
            new = op.clone_without_regions(mapper)
            for src_region, dst_region in zip(op.regions, new.regions, strict=True):
                for src_block in src_region.blocks:
                    block = Block(arg_types=[a.type for a in src_block.args])
                    for a, b in zip(src_block.args, block.args, strict=True):
                        mapper[a] = b
                        b.name_hint = a.name_hint
                    dst_region.add_block(block)
                    self.copy_block(src_block, block, mapper, inline=False)
        new.location = op.location
        dst.add_op(new)

    def rolled_loop(
        self,
        op: scf.ForOp,
        bounds: tuple[int, int, int],
        dst: Block,
        mapper: dict[SSAValue, SSAValue],
    ) -> None:
        """A meta_for that needs no compile-time value stays a loop asking to
        be unrolled (meta_for_rolling.py says when and why)."""
        values = []
        for v in bounds:
            const = arith.ConstantOp(IntegerAttr(v, IndexType()))
            const.location = op.location
            dst.add_op(const)
            values.append(const.result)
        iv = op.body.block.args[0]
        block = Block(arg_types=[IndexType()])
        block.args[0].name_hint = iv.name_hint
        mapper[iv] = block.args[0]
        self.copy_block(op.body.block, block, mapper, inline=False)
        loop = scf.ForOp(values[0], values[1], values[2], [], Region(block))
        loop.attributes[UNROLL_ATTR] = IntegerAttr(0, i64)
        loop.location = op.location
        dst.add_op(loop)


class VirtualMapper:
    def __init__(self, region: dato.RegionOp) -> None:
        self.region = region
        self.streams = {s.sym_name.data: s for s in region.streams()}
        self.used: set[str] = set()

    def run(self) -> None:
        replacements: list[tuple[dato.TaskOp, list[dato.GroupOp]]] = []
        for task in self.region.tasks():
            replacements.append((task, self.map_task(task)))
        self.rewrite_streams()
        block = self.region.body.block
        for task, groups in replacements:
            for group in groups:
                block.insert_op_before(group, task)
            block.erase_op(task)

    def map_task(self, task: dato.TaskOp) -> list[dato.GroupOp]:
        body = task.body.block
        pid_ops = [op for op in body.walk() if isinstance(op, dato.PidOp)]
        pid_values = [r for op in pid_ops for r in op.results]
        skeleton = Skeleton(body, pid_values)
        grid = task.grid_shape
        groups: dict[tuple[object, ...], list[_Row]] = {}
        first_trace: dict[tuple[object, ...], Trace] = {}
        name = task.sym_name.data
        walked = 0
        for pid in itertools.product(*(range(g) for g in grid)):
            trace = skeleton.trace(pid * len(pid_ops))
            walked += len(trace.decisions) + len(trace.streams) + trace.unrolled
            if walked > MAX_TRACED_STEPS:
                raise op_error(
                    task,
                    f"task @{name}: its instances' compile-time paths (meta_if decisions, "
                    f"meta_for iterations, stream accesses) pass {MAX_TRACED_STEPS} steps in all, "
                    "the limit; fewer instances or fewer meta_for iterations",
                )
            key = tuple(trace.decisions)
            streams = [
                self.resolve(stream, idx, name, pid, op)
                for (stream, idx), op in zip(trace.streams, trace.ops, strict=True)
            ]
            groups.setdefault(key, []).append(_Row(pid, streams))
            first_trace.setdefault(key, trace)
        out: list[dato.GroupOp] = []
        for k, (key, rows) in enumerate(groups.items()):
            group_name = name if len(groups) == 1 else f"{name}_g{k}"
            out.append(self.build_group(task, group_name, first_trace[key], rows))
        return out

    def resolve(
        self,
        stream: str,
        indices: tuple[int, ...],
        task: str,
        pid: tuple[int, ...],
        op: dato.PutOp | dato.GetOp,
    ) -> str:
        decl = self.streams[stream]
        shape = decl.shape_values
        for axis, (i, extent) in enumerate(zip(indices, shape, strict=True)):
            if not 0 <= i < extent:
                raise op_error(
                    op,
                    f"instance {instance_name(task, pid)} accesses @{stream}"
                    f"{list(indices)}: index {i} of axis {axis} is outside the stream array's "
                    f"shape {list(shape)}",
                )
        symbol = stream_symbol(stream, indices)
        self.used.add(symbol)
        return symbol

    def build_group(
        self, task: dato.TaskOp, group_name: str, trace: Trace, rows: list[_Row]
    ) -> dato.GroupOp:
        n_access = len(rows[0].streams)
        decisions, access_ops = trace.decisions, trace.ops
        ports: list[str] = []
        symbols: list[str] = []
        port_columns: list[int] = []
        port_of_column: dict[tuple[str, ...], str] = {}
        for k in range(n_access):
            column = tuple(row.streams[k] for row in rows)
            if len(set(column)) == 1:
                symbols.append(column[0])
                continue
            if column not in port_of_column:
                op = access_ops[k]
                direction = "out" if isinstance(op, dato.PutOp) else "in"
                base = f"{op.stream.root_reference.data}_{direction}"
                port = base
                n = 1
                while port in ports or port in self.streams:
                    port = f"{base}{n}"
                    n += 1
                port_of_column[column] = port
                ports.append(port)
                port_columns.append(k)
            symbols.append(port_of_column[column])
        single = rows[0].pid if len(rows) == 1 else None
        src = task.body.block
        body = Block(arg_types=[a.type for a in src.args])
        mapper: dict[SSAValue, SSAValue] = {}
        for a, b in zip(src.args, body.args, strict=True):
            mapper[a] = b
            b.name_hint = a.name_hint
        _Specializer(decisions, symbols, single).copy_block(src, body, mapper, inline=False)
        local_shapes = [tuple(MemRefType.get_shape(a.type)) for a in src.args]  # type: ignore[arg-type]
        layouts = [lay.entries for lay in task.layouts.data]
        table = []
        for row in rows:
            offsets = [
                [
                    0 if axis < 0 else row.pid[axis] * size
                    for axis, size in zip(lay, shape, strict=True)
                ]
                for lay, shape in zip(layouts, local_shapes, strict=True)
            ]
            table.append((row.pid, offsets, [row.streams[k] for k in port_columns]))
        group = dato.GroupOp(
            group_name,
            task.sym_name.data,
            task.grid_shape,
            list(task.args),
            ports,
            table,
            body,
        )
        group.location = task.location
        _drop_write_only_allocas(group.body.block)
        region_dce(group.body)
        return group

    def rewrite_streams(self) -> None:
        """Stream arrays become the single streams instances use."""
        block = self.region.body.block
        for decl in list(self.region.streams()):
            shape = decl.shape_values
            if not shape:
                continue
            for idx in itertools.product(*(range(s) for s in shape)):
                symbol = stream_symbol(decl.sym_name.data, idx)
                if symbol not in self.used:
                    continue
                if symbol in self.streams:
                    raise op_error(
                        decl,
                        f"element {list(idx)} of @{decl.sym_name.data} would be named "
                        f"@{symbol}, which is already a stream",
                    )
                single = dato.StreamOp(symbol, decl.stream_type)
                single.location = decl.location
                block.insert_op_before(single, decl)
            block.erase_op(decl)


def _drop_write_only_allocas(block: Block) -> None:
    """Scalar variables of branches that folding removed are only written now."""
    for op in list(block.walk()):
        if not isinstance(op, memref.AllocaOp):
            continue
        users = [use.operation for use in op.results[0].uses]
        if all(isinstance(u, memref.StoreOp) and u.memref is op.results[0] for u in users):
            for u in users:
                u.detach()
                u.erase()
            op.detach()
            op.erase()


@dataclass(frozen=True)
class VirtualMapPass(ModulePass):
    """Expand task grids into instance groups with explicit slices and streams."""

    name = "dato-virtual-map"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for region in [o for o in op.walk() if isinstance(o, dato.RegionOp)]:
            VirtualMapper(region).run()
