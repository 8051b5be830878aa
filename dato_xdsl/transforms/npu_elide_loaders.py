"""`dato-npu-elide-loaders`: a task that only forwards its block of an array
on a stream is replaced by its consumer reading the block itself.

A loader whose body is one `dato.put` of its whole (read-only) argument
block (`rows[p].put(a)` for `a: T[N, N] @ [S(0), R]`) holds a core only to
pass the host's block along: its consumer could have the shim deliver the
same block. When a design has more processing elements than the device has
compute cores (or, for one loader, when its tile could not hold its block
and the stream's objects), each such stream (one object, put once and got
once, outside any loop or branch) is elided: the consumer's group takes the
loader's block of the array as a new argument (its slice offsets the
loader's, per instance), the get reads it (directly when the consumer only
reads what it got, and a local it copies the block into whole and then only
reads becomes the block; otherwise through a local copy, as a get's fresh
buffer), and the loader and its stream go. A get whose instances (through a
port) are fed by several loaders is elided only when all are, and a loader
only when every one of its instances is, so each group stays one body for
all its instances.

The array must be written by no task: then the block is the same whenever it
is read, so the consumer sees the values the stream carried. One put and one
get per stream, neither in a loop: no order between other puts and gets
changes except that the consumer no longer waits, so no deadlock is added.
Loaders in a bundle or chain are left alone, and consumers in a bundle
(its members share one body); a chained consumer's members read their
blocks in turn."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import memref
from xdsl.dialects.builtin import MemRefType, ModuleOp
from xdsl.ir import SSAValue
from xdsl.passes import ModulePass
from xdsl.traits import IsTerminator, is_side_effect_free

from dato_xdsl import devices
from dato_xdsl.diagnostics import op_error
from dato_xdsl.dialects import dato
from dato_xdsl.dialects.aie import memref_bytes
from dato_xdsl.transforms.npu_chain_search import folded_instances
from dato_xdsl.transforms.npu_plan import arg_access
from dato_xdsl.transforms.npu_stream_routes import object_type
from dato_xdsl.transforms.stream_access import stream_uses


@dataclass(frozen=True)
class _Source:
    """What a stream forwards: a loader instance's block of a region array."""

    loader: str
    """The loader's group."""
    value: SSAValue
    offsets: tuple[int, ...]
    type: MemRefType
    hint: str | None
    """The loader's name for its block."""


def _written(region: dato.RegionOp) -> set[SSAValue]:
    out: set[SSAValue] = set()
    for group in region.groups():
        for k, operand in enumerate(group.args):
            if arg_access(group.body.block.args[k], host_copy=False)[1]:
                out.add(operand)
    return out


def _forwarded(region: dato.RegionOp, memory: int | None = None) -> dict[str, _Source]:
    """Per stream a loader instance fills with its block, that block. With
    `memory`, only loaders that cannot hold their block and their stream's
    objects in that many bytes (their tile would refuse them)."""
    written = _written(region)
    folded = folded_instances(region)
    decls = {d.sym_name.data: d for d in region.streams()}
    out: dict[str, _Source] = {}
    for group in region.groups():
        body = group.body.block
        # besides the put, only ops nothing uses and that do nothing (the
        # pid or a constant the frontend left behind)
        ops = [
            op
            for op in body.ops
            if not op.has_trait(IsTerminator)
            and not (is_side_effect_free(op) and not any(r.uses for r in op.results))
        ]
        if len(ops) != 1 or not isinstance(ops[0], dato.PutOp):
            continue
        put = ops[0]
        arg = put.value
        if arg not in body.args or group.args[body.args.index(arg)] in written:  # type: ignore[arg-type]
            continue
        k = body.args.index(arg)  # type: ignore[arg-type]
        t = arg.type
        assert isinstance(t, MemRefType)
        symbol = put.stream.root_reference.data
        insts = group.instances()
        if any(i.name in folded for i in insts):
            continue
        for inst in insts:
            bound = dict(zip(group.port_names, inst.bindings, strict=True))
            stream = bound.get(symbol, symbol)
            if memory is not None and stream in decls:
                depth = decls[stream].stream_type.depth.data
                held = memref_bytes(t) + depth * memref_bytes(object_type(decls[stream]))
                if held <= memory:
                    continue
            out[stream] = _Source(
                group.sym_name.data, group.args[k], inst.offsets[k], t, arg.name_hint
            )
    return out


def _single(region: dato.RegionOp, sources: dict[str, _Source]) -> set[str]:
    """The forwarded streams put once and got once, both outside loops and
    branches. The consumer may run in a chain (its members then read their
    blocks of the array in turn, through one fifo, as chained members do);
    not in a bundle, whose members share one body."""
    uses = stream_uses(region)
    bundled = {n for op in region.body.block.ops if isinstance(op, dato.BundleOp) for n in op.names}
    return {
        s
        for s in sources
        if len(uses[s].puts) == 1
        and len(uses[s].gets) == 1
        and uses[s].puts[0].count == 1
        and uses[s].gets[0].count == 1
        and uses[s].gets[0].instance not in bundled
        and isinstance(uses[s].gets[0].site.op, dato.GetOp)
    }


def forwarded_to(region: dato.RegionOp, memory: int | None = None) -> dict[str, int]:
    """Per consumer instance, the loader instances that only forward it a
    block (the most elide_loaders could remove for it; with `memory`, as
    `_forwarded`)."""
    sources = _forwarded(region, memory)
    uses = stream_uses(region)
    out: dict[str, int] = {}
    for s in _single(region, sources):
        consumer = uses[s].consumer
        assert consumer is not None
        out[consumer] = out.get(consumer, 0) + 1
    return out


def elide_loaders(region: dato.RegionOp, memory: int | None = None) -> list[str]:
    """Elide what the module doc describes; the loader groups removed. With
    `memory`, only loaders whose tile could not hold them in that many bytes."""
    sources = _forwarded(region, memory)
    single = _single(region, sources)
    # per consumer get op: the stream each instance of its group gets there
    sites: dict[dato.GetOp, tuple[dato.GroupOp, list[str]]] = {}
    for group in region.groups():
        for inst in group.instances():
            bound = dict(zip(group.port_names, inst.bindings, strict=True))
            for op in group.body.walk():
                if isinstance(op, dato.GetOp):
                    symbol = op.stream.root_reference.data
                    sites.setdefault(op, (group, []))[1].append(bound.get(symbol, symbol))
    loaders = {src.loader for src in sources.values()}
    while True:
        chosen = {
            op: (g, streams)
            for op, (g, streams) in sites.items()
            if all(s in single and sources[s].loader in loaders for s in streams)
            and len({(sources[s].value, sources[s].type) for s in streams}) == 1
        }
        # the lowering moves one block of an array per group: a group given
        # an array twice (or one it already reads) keeps its streams
        arrays: dict[dato.GroupOp, list[SSAValue]] = {}
        for g, streams in chosen.values():
            arrays.setdefault(g, list(g.args)).append(sources[streams[0]].value)
        twice = {g for g, values in arrays.items() if len(set(values)) != len(values)}
        chosen = {op: site for op, site in chosen.items() if site[0] not in twice}
        covered = {s for _, streams in chosen.values() for s in streams}
        keep = {
            name
            for name in loaders
            if all(s in covered for s, src in sources.items() if src.loader == name)
        }
        if keep == loaders:
            break
        loaders = keep
    if not chosen:
        return []
    by_group: dict[dato.GroupOp, list[tuple[dato.GetOp, list[_Source]]]] = {}
    for op, (group, streams) in chosen.items():
        by_group.setdefault(group, []).append((op, [sources[s] for s in streams]))
    for group, gets in by_group.items():
        _read_blocks(region, group, gets)
    for group in list(region.groups()):
        if group.sym_name.data in loaders:
            group.detach()
            group.erase()
    for decl in list(region.streams()):
        if decl.sym_name.data in covered:
            decl.detach()
            decl.erase()
    return sorted(loaders)


def _read_blocks(
    region: dato.RegionOp, group: dato.GroupOp, gets: list[tuple[dato.GetOp, list[_Source]]]
) -> None:
    """Each get (per instance of `group`, the stream its blocks forward) reads
    a new argument: the forwarded block of the array."""
    body = group.body.block
    symbols = set()
    for get, blocks in gets:
        t = blocks[0].type
        arg = body.insert_arg(t, len(body.args))
        arg.name_hint = blocks[0].hint
        result = get.results[0]
        if all(
            isinstance(u.operation, memref.LoadOp)
            or (isinstance(u.operation, memref.CopyOp) and u.operation.source is result)
            for u in result.uses
        ):
            result.replace_all_uses_with(arg)
            _read_in_place(arg)
        else:
            # the consumer writes what it got: a copy, as the get's own buffer
            alloc = memref.AllocOp.get(t.element_type, shape=t.get_shape())
            copy = memref.CopyOp(arg, alloc.memref)
            parent = get.parent_block()
            assert parent is not None
            parent.insert_ops_before([alloc, copy], get)
            result.replace_all_uses_with(alloc.memref)
        symbols.add(get.stream.root_reference.data)
        get.detach()
        get.erase()
    still = {
        op.stream.root_reference.data
        for op in body.walk()
        if isinstance(op, dato.PutOp | dato.GetOp)
    }
    ports = [p for p in group.port_names if p not in symbols or p in still]
    rows = []
    for n, inst in enumerate(group.instances()):
        bound = dict(zip(group.port_names, inst.bindings, strict=True))
        offsets = [*inst.offsets, *(blocks[n].offsets for _, blocks in gets)]
        rows.append((inst.pid, offsets, [bound[p] for p in ports]))
    new = dato.GroupOp(
        group.sym_name.data,
        group.task.data,
        group.grid_shape,
        [*group.args, *(blocks[0].value for _, blocks in gets)],
        ports,
        rows,
        group.body.detach_block(0),
    )
    new.attributes.update(group.attributes)
    new.location = group.location
    region.body.block.insert_op_before(new, group)
    group.detach()
    group.erase()


def processing_elements(region: dato.RegionOp) -> int:
    """The processing elements: instances, a chain's members counting once."""
    chained = sum(len(op.names) - 1 for op in region.body.block.ops if isinstance(op, dato.ChainOp))
    return sum(len(g.instances()) for g in region.groups()) - chained


def tile_budget(device: devices.NpuDevice) -> int:
    """The bytes a compute tile holds for a task's buffers (its data memory
    less the core's stack)."""
    return device.compute.data_memory_bytes - devices.DEFAULT_CORE_STACK_BYTES


def _read_in_place(arg: SSAValue) -> None:
    """A local the block is copied into whole and that is only read after
    (`blk: T[R, N] = rows[p].get()`) reads the block itself: the array is
    written by no task, so the two hold the same values, and the tile holds
    the block once (the block's rows may then stream in: npu_stream_reads)."""
    for use in list(arg.uses):
        copy = use.operation
        if not isinstance(copy, memref.CopyOp) or copy.source is not arg:
            continue
        dst = copy.destination
        alloc = dst.owner
        if (
            not isinstance(alloc, memref.AllocOp)
            or dst.type != arg.type
            or alloc.parent_block() is not copy.parent_block()
        ):
            continue
        block = copy.parent_block()
        assert block is not None
        others = [u.operation for u in dst.uses if u.operation is not copy]
        if not all(
            isinstance(op, memref.LoadOp)
            and (top := block.find_ancestor_op_in_block(op)) is not None
            and copy.is_before_in_block(top)
            for op in others
        ):
            continue
        dst.replace_all_uses_with(arg)
        copy.detach()
        copy.erase()
        alloc.detach()
        alloc.erase()


@dataclass(frozen=True)
class NpuElideLoadersPass(ModulePass):
    """Consumers read what a forwarding loader would put, when cores are short."""

    name = "dato-npu-elide-loaders"

    device: str = "npu1"

    always: bool = False
    """Elide even when the design has no more instances than cores."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        device = devices.lookup(self.device)
        for region in [o for o in op.walk() if isinstance(o, dato.RegionOp)]:
            if device is None:
                raise op_error(
                    region, f"unknown device '{self.device}'; known: {', '.join(devices.DEVICES)}"
                )
            if self.always or processing_elements(region) > device.compute_cores:
                elide_loaders(region)
            else:
                elide_loaders(region, tile_budget(device))
