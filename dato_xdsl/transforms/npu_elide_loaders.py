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
blocks in turn.

A loader may deal slices of its read-only arguments to several streams
(`with dato.meta_for(0, P) as p: lane[p].put(a[p, :])`, or `dato.scatter`:
each put's value a subview with constant offsets copied whole into a fresh
buffer, one put per stream, nothing else done): each consumer instance then
takes its slice as an argument of its own (the loader's offsets plus the
slice's; the array's rank, `T[1, L]` for a row) and copies it, less its unit
dimensions, into the get's buffer as the loader did. The loader goes only
when all its streams do.

The mirror: a collector whose body only copies what it gets into slices of
an argument no other task touches (`c[p, :] = lane[p].get()`), the slices
disjoint, goes when cores are still short or its tile could not hold its
output and streams: each producer takes its slice of the output as a new
argument and copies what it put there, at the put. Each element is written
once either way, and no task reads the output, so the result is the same.
Consumer and producer groups record the tasks they stand in for in
`dato.elided_loaders` / `dato.elided_collectors`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import cast

from xdsl.context import Context
from xdsl.dialects import arith, memref
from xdsl.dialects.builtin import DYNAMIC_INDEX, ArrayAttr, MemRefType, ModuleOp, StringAttr
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.traits import IsTerminator, is_side_effect_free

from dato_xdsl import devices
from dato_xdsl.diagnostics import op_error
from dato_xdsl.dialects import dato
from dato_xdsl.dialects.aie import memref_bytes
from dato_xdsl.transforms.ir_constants import int_constant
from dato_xdsl.transforms.npu_chain_search import folded_instances
from dato_xdsl.transforms.npu_plan import arg_access
from dato_xdsl.transforms.npu_stream_routes import object_type
from dato_xdsl.transforms.stream_access import stream_uses

ELIDED_LOADERS = "dato.elided_loaders"
"""On a consumer group: the loader groups whose puts it now reads from its
own arguments (the decision, for the reader of the IR and later passes)."""

ELIDED_COLLECTORS = "dato.elided_collectors"
"""On a producer group: the collector groups whose slices it now writes."""


@dataclass(frozen=True)
class _Source:
    """What a stream forwards: a loader instance's block of a region array."""

    loader: str
    """The loader's group."""
    value: SSAValue
    offsets: tuple[int, ...]
    type: MemRefType
    """The block the consumer takes (the array's rank)."""
    hint: str | None
    """The loader's name for its block."""
    got: MemRefType
    """What the stream carries: `type` itself, or `type` less its unit
    dimensions (a row `a[p, :]` the loader sliced)."""


@dataclass(frozen=True)
class _Delivery:
    """One put of a loader's body: a slice of a read-only argument."""

    put: dato.PutOp
    arg: int
    """The argument sliced."""
    offsets: tuple[int, ...]
    """The slice's offsets in the argument's block."""
    sizes: tuple[int, ...]


def _index(value: SSAValue, depth: int = 8) -> int | None:
    """An index computed from constants by adds, subtracts and multiplies
    (`p * L` with meta_for's constant p); None for anything else."""
    c = int_constant(value)
    if c is not None or depth == 0:
        return c
    op = value.owner
    if isinstance(op, arith.AddiOp | arith.SubiOp | arith.MuliOp):
        lhs, rhs = _index(op.lhs, depth - 1), _index(op.rhs, depth - 1)
        if lhs is None or rhs is None:
            return None
        if isinstance(op, arith.AddiOp):
            return lhs + rhs
        return lhs - rhs if isinstance(op, arith.SubiOp) else lhs * rhs
    return None


def _static(values: list[int], operands: Sequence[SSAValue]) -> list[int] | None:
    """A subview's static offsets, its dynamic ones computed from constants."""
    out: list[int] = []
    dynamic = iter(operands)
    for v in values:
        if v == DYNAMIC_INDEX:
            c = _index(next(dynamic))
            if c is None:
                return None
            v = c
        out.append(v)
    return out


def _deliveries(group: dato.GroupOp) -> list[_Delivery] | None:
    """The puts of a loader body that does nothing but put its arguments or
    slices of them (`lane[p].put(a[p, :])`: a subview copied whole into a
    fresh buffer that only the put reads), one put per stream; None for any
    other body. Ops that do nothing (a constant, the pid) may stand beside."""
    body = group.body.block
    puts: list[dato.PutOp] = []
    for op in body.ops:
        if op.regions:  # a loop or branch: its puts repeat or may not run
            return None
        if isinstance(op, dato.PutOp):
            puts.append(op)
    if not puts or len({p.stream.root_reference.data for p in puts}) != len(puts):
        return None
    taken: set[Operation] = set(puts)
    out: list[_Delivery] = []
    for put in puts:
        v = put.value
        t = v.type
        if not isinstance(t, MemRefType):  # a scalar the loader computed
            return None
        if v in body.args:
            k = body.args.index(v)  # type: ignore[arg-type]
            out.append(_Delivery(put, k, (0,) * len(t.get_shape()), tuple(t.get_shape())))
            continue
        alloc = v.owner
        if not isinstance(alloc, memref.AllocOp) or alloc.parent_block() is not body:
            return None
        copies = [u.operation for u in v.uses if u.operation is not put]
        if len(copies) != 1 or len(list(v.uses)) != 2:
            return None
        copy = copies[0]
        if (
            not isinstance(copy, memref.CopyOp)
            or copy.destination is not v
            or copy.parent_block() is not body
            or not copy.is_before_in_block(put)
        ):
            return None
        sub = copy.source.owner
        if (
            not isinstance(sub, memref.SubviewOp)
            or sub.source not in body.args
            or len(list(sub.result.uses)) != 1
            or sub.sizes
            or sub.strides
            or any(x != 1 for x in sub.static_strides.get_values())
        ):
            return None
        offsets = _static(list(sub.static_offsets.get_values()), list(sub.offsets))
        sizes = tuple(sub.static_sizes.get_values())
        if offsets is None or list(t.get_shape()) not in (
            list(sizes),
            [d for d in sizes if d != 1],
        ):
            return None
        k = body.args.index(sub.source)  # type: ignore[arg-type]
        out.append(_Delivery(put, k, tuple(offsets), sizes))
        taken |= {alloc, copy, sub}
    if any(
        op not in taken and not op.has_trait(IsTerminator) and not is_side_effect_free(op)
        for op in body.ops
    ):
        return None
    return out


def written_arrays(region: dato.RegionOp) -> set[SSAValue]:
    """The region's arrays some group writes (a loader of one is no loader)."""
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
    written = written_arrays(region)
    folded = folded_instances(region)
    decls = {d.sym_name.data: d for d in region.streams()}
    out: dict[str, _Source] = {}
    for group in region.groups():
        body = group.body.block
        deliveries = _deliveries(group)
        if deliveries is None:
            continue
        if any(group.args[d.arg] in written for d in deliveries):
            continue
        insts = group.instances()
        if any(i.name in folded for i in insts):
            continue
        for inst in insts:
            bound = dict(zip(group.port_names, inst.bindings, strict=True))
            symbols = [d.put.stream.root_reference.data for d in deliveries]
            streams = [bound.get(s, s) for s in symbols]
            if memory is not None:
                # the loader's tile holds its blocks and every stream's objects
                held = sum(memref_bytes(body.args[k].type) for k in {d.arg for d in deliveries})
                held += sum(
                    decls[s].stream_type.depth.data * memref_bytes(object_type(decls[s]))
                    for s in streams
                    if s in decls
                )
                if held <= memory:
                    continue
            for d, stream in zip(deliveries, streams, strict=True):
                arg = body.args[d.arg]
                t = arg.type
                got = d.put.value.type
                assert isinstance(t, MemRefType) and isinstance(got, MemRefType)
                offsets = tuple(o + x for o, x in zip(inst.offsets[d.arg], d.offsets, strict=True))
                block = MemRefType(t.element_type, d.sizes)
                out[stream] = _Source(
                    group.sym_name.data, group.args[d.arg], offsets, block, arg.name_hint, got
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
    sites = _sites(region, dato.GetOp)
    chosen, covered, loaders = _settle(
        sites,
        sources,
        {src.loader for src in sources.values()},
        lambda g, streams, ends: all(s in single for s in streams),
    )
    if not chosen:
        return []
    by_group: dict[dato.GroupOp, list[tuple[dato.GetOp, list[_Source]]]] = {}
    for op, (group, streams) in chosen.items():
        by_group.setdefault(group, []).append((op, [sources[s] for s in streams]))  # type: ignore[arg-type]
    for group, gets in by_group.items():
        _read_blocks(region, group, gets)
    _remove(region, loaders, covered)
    return sorted(loaders)


def _sites(
    region: dato.RegionOp, kind: type[dato.GetOp] | type[dato.PutOp]
) -> dict[Operation, tuple[dato.GroupOp, list[str]]]:
    """Per get (or put) op of a group: the stream each instance of its group
    gets from (puts on) there."""
    sites: dict[Operation, tuple[dato.GroupOp, list[str]]] = {}
    for group in region.groups():
        for inst in group.instances():
            bound = dict(zip(group.port_names, inst.bindings, strict=True))
            for op in group.body.walk():
                if isinstance(op, kind):
                    symbol = op.stream.root_reference.data
                    sites.setdefault(op, (group, []))[1].append(bound.get(symbol, symbol))
    return sites


def _settle(
    sites: dict[Operation, tuple[dato.GroupOp, list[str]]],
    ends: dict[str, _Source],
    names: set[str],
    admissible: Callable[[dato.GroupOp, list[str], set[str]], bool],
) -> tuple[dict[Operation, tuple[dato.GroupOp, list[str]]], set[str], set[str]]:
    """The sites whose every stream is an elidable end (of a task in
    `names`) carrying one block, the streams they cover and the tasks all of
    whose streams they cover: dropping a task drops its streams' sites, so
    until nothing changes. The lowering moves one block of an array per
    group: a group given an array twice (or one it already reads) keeps its
    streams."""
    while True:
        chosen = {
            op: (g, streams)
            for op, (g, streams) in sites.items()
            if admissible(g, streams, names)
            and all(ends[s].loader in names for s in streams)
            and len({(ends[s].value, ends[s].type, ends[s].got) for s in streams}) == 1
        }
        arrays: dict[dato.GroupOp, list[SSAValue]] = {}
        for g, streams in chosen.values():
            arrays.setdefault(g, list(g.args)).append(ends[streams[0]].value)
        twice = {g for g, values in arrays.items() if len(set(values)) != len(values)}
        chosen = {op: site for op, site in chosen.items() if site[0] not in twice}
        covered = {s for _, streams in chosen.values() for s in streams}
        keep = {
            name
            for name in names
            if all(s in covered for s, src in ends.items() if src.loader == name)
        }
        if keep == names:
            return chosen, covered, names
        names = keep


def _remove(region: dato.RegionOp, groups: set[str], streams: set[str]) -> None:
    """Erase the elided groups and the streams their partners no longer use."""
    for group in list(region.groups()):
        if group.sym_name.data in groups:
            group.detach()
            group.erase()
    for decl in list(region.streams()):
        if decl.sym_name.data in streams:
            decl.detach()
            decl.erase()


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
        if blocks[0].got != t:
            # a row the loader sliced (`a[p, :]`): the block less its unit
            # dimensions, copied into the get's fresh buffer as the loader did
            got = blocks[0].got
            sizes = t.get_shape()
            sub = memref.SubviewOp.from_static_parameters(
                arg, t, [0] * len(sizes), sizes, [1] * len(sizes), reduce_rank=True
            )
            alloc = memref.AllocOp.get(got.element_type, shape=got.get_shape())
            copy = memref.CopyOp(sub.result, alloc.memref)
            parent = get.parent_block()
            assert parent is not None
            parent.insert_ops_before([sub, alloc, copy], get)
            result.replace_all_uses_with(alloc.memref)
        elif all(
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
    loaders = sorted({blocks[0].loader for _, blocks in gets})
    if ELIDED_LOADERS in group.attributes:
        old = group.attributes[ELIDED_LOADERS]
        assert isinstance(old, ArrayAttr)
        loaders = sorted({*loaders, *(cast(StringAttr, a).data for a in old.data)})
    new.attributes[ELIDED_LOADERS] = ArrayAttr([StringAttr(n) for n in loaders])
    new.location = group.location
    region.body.block.insert_op_before(new, group)
    group.detach()
    group.erase()


def _collections(group: dato.GroupOp) -> list[tuple[dato.GetOp, _Delivery]] | None:
    """The gets of a collector body that does nothing but copy what it gets
    into slices of its argument (`c[p, :] = lane[p].get()`), each slice
    written once and no two overlapping; None for any other body."""
    body = group.body.block
    gets: list[tuple[dato.GetOp, _Delivery]] = []
    taken: set[Operation] = set()
    for op in body.ops:
        if op.regions:
            return None
        if not isinstance(op, dato.GetOp):
            continue
        uses = list(op.results[0].uses)
        if len(uses) != 1 or not isinstance(copy := uses[0].operation, memref.CopyOp):
            return None
        sub = copy.destination.owner
        if (
            copy.source is not op.results[0]
            or copy.parent_block() is not body
            or not isinstance(sub, memref.SubviewOp)
            or sub.source not in body.args
            or len(list(sub.result.uses)) != 1
            or sub.sizes
            or sub.strides
            or any(x != 1 for x in sub.static_strides.get_values())
        ):
            return None
        offsets = _static(list(sub.static_offsets.get_values()), list(sub.offsets))
        sizes = tuple(sub.static_sizes.get_values())
        got = op.results[0].type
        if (
            not isinstance(got, MemRefType)
            or offsets is None
            or list(got.get_shape())
            not in (
                list(sizes),
                [d for d in sizes if d != 1],
            )
        ):
            return None
        k = body.args.index(sub.source)  # type: ignore[arg-type]
        gets.append((op, _Delivery(cast(dato.PutOp, None), k, tuple(offsets), sizes)))
        taken |= {op, copy, sub}
    if not gets or any(
        op not in taken and not op.has_trait(IsTerminator) and not is_side_effect_free(op)
        for op in body.ops
    ):
        return None
    # the argument is only written through these slices, each element once
    for k in {d.arg for _, d in gets}:
        if any(
            not (isinstance(u.operation, memref.SubviewOp) and u.operation in taken)
            for u in body.args[k].uses
        ):
            return None
    boxes = [(d.arg, d.offsets, d.sizes) for _, d in gets]
    for i, (k, o, z) in enumerate(boxes):
        for k2, o2, z2 in boxes[i + 1 :]:
            if k == k2 and all(
                a < b + y and b < a + x for a, x, b, y in zip(o, z, o2, z2, strict=True)
            ):
                return None
    return gets


def elide_collectors(region: dato.RegionOp, memory: int | None = None) -> list[str]:
    """The mirror of `elide_loaders`: a collector whose body only copies what
    it gets into disjoint slices of an argument no other task touches is
    removed, each producer writing its slice itself (a new argument: the
    slice, offsets per instance) where it put it. With `memory`, only
    collectors whose tile could not hold their blocks and their streams'
    objects in that many bytes. The collectors removed."""
    uses = stream_uses(region)
    decls = {d.sym_name.data: d for d in region.streams()}
    bundled = {n for op in region.body.block.ops if isinstance(op, dato.BundleOp) for n in op.names}
    folded = folded_instances(region)
    touched: dict[SSAValue, int] = {}
    for group in region.groups():
        for v in set(group.args):
            touched[v] = touched.get(v, 0) + 1
    sinks: dict[str, _Source] = {}
    collectors: set[str] = set()
    for group in region.groups():
        gets = _collections(group)
        insts = group.instances()
        if (
            gets is None
            or any(i.name in folded or i.name in bundled for i in insts)
            or any(touched[group.args[d.arg]] != 1 for _, d in gets)
        ):
            continue
        found: dict[str, _Source] = {}
        for inst in insts:
            bound = dict(zip(group.port_names, inst.bindings, strict=True))
            if memory is not None:
                body = group.body.block
                held = sum(memref_bytes(body.args[k].type) for k in {d.arg for _, d in gets})
                for get, _ in gets:
                    symbol = get.stream.root_reference.data
                    decl = decls.get(bound.get(symbol, symbol))
                    if decl is not None:
                        held += decl.stream_type.depth.data * memref_bytes(object_type(decl))
                if held <= memory:
                    break
            for get, d in gets:
                symbol = get.stream.root_reference.data
                stream = bound.get(symbol, symbol)
                u = uses[stream]
                if not (
                    len(u.puts) == 1
                    and len(u.gets) == 1
                    and u.puts[0].count == 1
                    and u.gets[0].count == 1
                    and u.puts[0].instance not in bundled
                    and u.puts[0].instance not in folded
                    and isinstance(u.puts[0].site.op, dato.PutOp)
                    and u.puts[0].site.op.parent_op() is not None
                    and isinstance(u.puts[0].site.op.parent_op(), dato.GroupOp)
                ):
                    break
                t = group.body.block.args[d.arg].type
                assert isinstance(t, MemRefType)
                offsets = tuple(o + x for o, x in zip(inst.offsets[d.arg], d.offsets, strict=True))
                found[stream] = _Source(
                    group.sym_name.data,
                    group.args[d.arg],
                    offsets,
                    MemRefType(t.element_type, d.sizes),
                    group.body.block.args[d.arg].name_hint,
                    cast(MemRefType, get.results[0].type),
                )
            else:
                continue
            break
        else:
            sinks.update(found)
            collectors.add(group.sym_name.data)
    chosen, covered, collectors = _settle(
        _sites(region, dato.PutOp),
        sinks,
        collectors,
        lambda g, streams, ends: all(s in sinks for s in streams) and g.sym_name.data not in ends,
    )
    if not chosen:
        return []
    by_group: dict[dato.GroupOp, list[tuple[dato.PutOp, list[_Source]]]] = {}
    for op, (group, streams) in chosen.items():
        by_group.setdefault(group, []).append((op, [sinks[s] for s in streams]))  # type: ignore[arg-type]
    for group, puts in by_group.items():
        _write_slices(region, group, puts)
    _remove(region, collectors, covered)
    return sorted(collectors)


def _write_slices(
    region: dato.RegionOp, group: dato.GroupOp, puts: list[tuple[dato.PutOp, list[_Source]]]
) -> None:
    """Each put (per instance of `group`, the slice its collector wrote)
    copies its value into a new argument: that slice of the array."""
    body = group.body.block
    symbols = set()
    for put, slices in puts:
        t = slices[0].type
        arg = body.insert_arg(t, len(body.args))
        arg.name_hint = slices[0].hint
        sizes = t.get_shape()
        ops: list[Operation] = []
        dest: SSAValue = arg
        if slices[0].got != t:
            sub = memref.SubviewOp.from_static_parameters(
                arg, t, [0] * len(sizes), sizes, [1] * len(sizes), reduce_rank=True
            )
            ops.append(sub)
            dest = sub.result
        ops.append(memref.CopyOp(put.value, dest))
        parent = put.parent_block()
        assert parent is not None
        parent.insert_ops_before(ops, put)
        symbols.add(put.stream.root_reference.data)
        put.detach()
        put.erase()
    still = {
        op.stream.root_reference.data
        for op in body.walk()
        if isinstance(op, dato.PutOp | dato.GetOp)
    }
    ports = [p for p in group.port_names if p not in symbols or p in still]
    rows = []
    for n, inst in enumerate(group.instances()):
        bound = dict(zip(group.port_names, inst.bindings, strict=True))
        offsets = [*inst.offsets, *(slices[n].offsets for _, slices in puts)]
        rows.append((inst.pid, offsets, [bound[p] for p in ports]))
    new = dato.GroupOp(
        group.sym_name.data,
        group.task.data,
        group.grid_shape,
        [*group.args, *(slices[0].value for _, slices in puts)],
        ports,
        rows,
        group.body.detach_block(0),
    )
    new.attributes.update(group.attributes)
    names = {slices[0].loader for _, slices in puts}
    if ELIDED_COLLECTORS in group.attributes:
        old = group.attributes[ELIDED_COLLECTORS]
        assert isinstance(old, ArrayAttr)
        names |= {cast(StringAttr, a).data for a in old.data}
    new.attributes[ELIDED_COLLECTORS] = ArrayAttr([StringAttr(n) for n in sorted(names)])
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
    return device.tile_budget


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
            # the collectors that only gather rows, when still short or too big
            if self.always or processing_elements(region) > device.compute_cores:
                elide_collectors(region)
            else:
                elide_collectors(region, tile_budget(device))
