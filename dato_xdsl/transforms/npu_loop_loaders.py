"""Loaders that forward their block of an array in a loop, read by their
consumers instead (physical mapping's fallback when cores are short).

A loader such as SUMMA's `loada` (for s: blk = a[:, s*KB:(s+1)*KB]; put blk
on each node of its row) holds a core only to cut the host's block into
pieces and pass them on: each consumer could read the same piece of the block
itself, and the shim and memtile then deliver the block (one broadcast for
the consumers sharing it) instead of a core. npu_elide_loaders does this for
a loader that puts once, outside any loop; here the loader's body is one
`scf.for` of constant bounds whose iteration copies a subview of a read-only
argument (its offsets computed from the loop's index and constants) into a
fresh buffer and puts that buffer on streams, each stream once. Each such
stream is got once per iteration of a top-level `scf.for` of the consumer
with the same bounds: the get of iteration s then is the loader's piece of
iteration s, so the consumer's get becomes that subview of a new argument
(the loader's block, the loader instance's offsets per consumer instance),
read in place when the consumer only reads it, else copied into the get's
fresh buffer. Every put and get pairs one to one, the array is written by no
task, so the consumer sees the values the stream carried; it no longer waits
for the loader, so no deadlock is added.

A loader goes only when every stream of every instance goes, and a get site
only when each of its group's instances is fed by the same piece of the same
loader body (the group keeps one body). A group given an array twice (or one
it already reads) keeps its streams, as in npu_elide_loaders. Loaders and
consumers a user's bundle or chain holds are left alone. The consumer
records the loaders it stands in for in `dato.elided_loaders`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from xdsl.dialects import memref, scf
from xdsl.dialects.builtin import ArrayAttr, MemRefType, StringAttr
from xdsl.dialects.linalg import ops as linalg
from xdsl.dialects.linalg.abstract_ops import LinalgStructuredOperation
from xdsl.ir import Operation, SSAValue
from xdsl.rewriter import InsertPoint, Rewriter
from xdsl.traits import IsTerminator, is_side_effect_free

from dato_xdsl.dialects import dato
from dato_xdsl.transforms.ir_constants import int_constant
from dato_xdsl.transforms.npu_chain_search import folded_instances
from dato_xdsl.transforms.npu_elide_loaders import ELIDED_LOADERS, written_arrays
from dato_xdsl.transforms.stream_access import stream_uses


@dataclass(frozen=True)
class _Piece:
    """One put of a loader's loop: a piece of a read-only argument."""

    group: dato.GroupOp
    loop: scf.ForOp
    put: dato.PutOp
    arg: int
    """The loader argument the piece is cut from."""
    sub: memref.SubviewOp
    """The loader's subview (its offsets from the loop index and constants)."""


def _bounds(loop: scf.ForOp) -> tuple[int, int, int] | None:
    lb, ub, step = int_constant(loop.lb), int_constant(loop.ub), int_constant(loop.step)
    if lb is None or ub is None or step is None or step <= 0:
        return None
    return lb, ub, step


def _from_index(value: SSAValue, loop: scf.ForOp, depth: int = 8) -> bool:
    """Whether `value` is computed from the loop's index and constants by
    side-effect-free one-result operations (which can be cloned)."""
    if value is loop.body.block.args[0]:
        return True
    if int_constant(value) is not None:
        return True
    op = value.owner
    if depth == 0 or not isinstance(op, Operation) or op.regions or len(op.results) != 1:
        return False
    if not is_side_effect_free(op):
        return False
    return all(_from_index(v, loop, depth - 1) for v in op.operands)


def _pieces(group: dato.GroupOp) -> list[_Piece] | None:
    """The puts of a loader body that is one constant-bounds loop cutting
    pieces of its arguments and putting them (each stream once an
    iteration); None for any other body."""
    body = group.body.block
    loops = [op for op in body.ops if op.regions]
    if len(loops) != 1 or not isinstance(loops[0], scf.ForOp) or _bounds(loops[0]) is None:
        return None
    loop = loops[0]
    if any(
        op is not loop and not op.has_trait(IsTerminator) and not is_side_effect_free(op)
        for op in body.ops
    ):
        return None
    inner = loop.body.block
    puts = [op for op in inner.ops if isinstance(op, dato.PutOp)]
    if not puts or len({p.stream.root_reference.data for p in puts}) != len(puts):
        return None
    taken: set[Operation] = set(puts)
    out: list[_Piece] = []
    for put in puts:
        v = put.value
        alloc = v.owner
        if not isinstance(alloc, memref.AllocOp) or alloc.parent_block() is not inner:
            return None
        copy: memref.CopyOp | None = None
        fills: list[Operation] = []
        for use in v.uses:
            user = use.operation
            if isinstance(user, dato.PutOp) and user in puts:
                continue
            if isinstance(user, memref.CopyOp) and user.destination is v and copy is None:
                copy = user
            elif isinstance(user, linalg.FillOp) and v in user.outputs:
                fills.append(user)  # overwritten whole by the copy
            else:
                return None
        if copy is None or copy.parent_block() is not inner:
            return None
        if any(
            f.parent_block() is not inner or not f.is_before_in_block(copy) for f in fills
        ) or any(
            isinstance(u.operation, dato.PutOp) and not copy.is_before_in_block(u.operation)
            for u in v.uses
        ):
            return None
        sub = copy.source.owner
        if (
            not isinstance(sub, memref.SubviewOp)
            or sub.source not in body.args
            or sub.parent_block() is not inner
            or sub.sizes
            or sub.strides
            or any(x != 1 for x in sub.static_strides.get_values())
            or not all(_from_index(o, loop) for o in sub.offsets)
        ):
            return None
        got = v.type
        sizes = list(sub.static_sizes.get_values())
        if not isinstance(got, MemRefType) or list(got.get_shape()) != sizes:
            return None  # a rank-reduced piece: not handled here
        taken |= {alloc, copy, sub, *fills}
        out.append(_Piece(group, loop, put, body.args.index(sub.source), sub))  # type: ignore[arg-type]
    if any(
        op not in taken and not op.has_trait(IsTerminator) and not is_side_effect_free(op)
        for op in inner.ops
    ):
        return None
    return out


def _get_loop(get: Operation, group: dato.GroupOp) -> scf.ForOp | None:
    """The top-level loop of `group` the get sits directly in."""
    loop = get.parent_op()
    if not isinstance(loop, scf.ForOp) or loop.parent_block() is not group.body.block:
        return None
    return loop


def forwarded_pieces(region: dato.RegionOp) -> dict[str, tuple[str, _Piece]]:
    """Per stream a loader instance fills with pieces of its block in a loop:
    (the loader instance, the put's piece)."""
    written = written_arrays(region)
    folded = folded_instances(region)
    out: dict[str, tuple[str, _Piece]] = {}
    for group in region.groups():
        pieces = _pieces(group)
        if pieces is None or any(group.args[p.arg] in written for p in pieces):
            continue
        if any(i.name in folded for i in group.instances()):
            continue
        for inst in group.instances():
            bound = dict(zip(group.port_names, inst.bindings, strict=True))
            for p in pieces:
                symbol = p.put.stream.root_reference.data
                out[bound.get(symbol, symbol)] = (inst.name, p)
    return out


def elide_loop_loaders(region: dato.RegionOp) -> list[str]:
    """Elide what the module doc describes; the loader groups removed."""
    sources = forwarded_pieces(region)
    if not sources:
        return []
    uses = stream_uses(region)
    folded = folded_instances(region)
    trip: dict[str, int] = {}
    for s, (_, p) in sources.items():
        b = _bounds(p.loop)
        assert b is not None
        trip[s] = len(range(*b))
    # per get op of a consumer group: the streams its instances get from
    sites: dict[Operation, tuple[dato.GroupOp, list[str]]] = {}
    for group in region.groups():
        for inst in group.instances():
            bound = dict(zip(group.port_names, inst.bindings, strict=True))
            for op in group.body.walk():
                if isinstance(op, dato.GetOp):
                    symbol = op.stream.root_reference.data
                    sites.setdefault(op, (group, []))[1].append(bound.get(symbol, symbol))

    def admissible(op: Operation, group: dato.GroupOp, streams: list[str]) -> bool:
        if not all(s in sources for s in streams):
            return False
        if any(i.name in folded for i in group.instances()):
            return False
        if len({sources[s][1].sub for s in streams}) != 1:
            return False  # the instances' pieces differ: one body cannot read them
        piece = sources[streams[0]][1]
        loop = _get_loop(op, group)
        if loop is None or _bounds(loop) != _bounds(piece.loop):
            return False
        for s in streams:
            u = uses[s]
            if len(u.puts) != 1 or len(u.gets) != 1:
                return False
            if u.puts[0].count != trip[s] or u.gets[0].count != trip[s]:
                return False
        return True

    names = {p.group.sym_name.data for _, p in sources.values()}
    while True:
        chosen = {
            op: site
            for op, site in sites.items()
            if admissible(op, *site)
            and all(sources[s][1].group.sym_name.data in names for s in site[1])
        }
        arrays: dict[dato.GroupOp, list[SSAValue]] = {}
        for g, streams in chosen.values():
            p = sources[streams[0]][1]
            arrays.setdefault(g, list(g.args)).append(p.group.args[p.arg])
        twice = {g for g, values in arrays.items() if len(set(values)) != len(values)}
        chosen = {op: site for op, site in chosen.items() if site[0] not in twice}
        covered = {s for _, streams in chosen.values() for s in streams}
        keep = {
            n
            for n in names
            if all(s in covered for s, (_, p) in sources.items() if p.group.sym_name.data == n)
        }
        if keep == names:
            break
        names = keep
    if not names:
        return []
    by_group: dict[dato.GroupOp, list[tuple[dato.GetOp, list[str]]]] = {}
    for op, (g, streams) in chosen.items():
        by_group.setdefault(g, []).append((cast(dato.GetOp, op), streams))
    instances = {i.name: i for g in region.groups() for i in g.instances()}
    for group, gets in by_group.items():
        _read_pieces(region, group, gets, sources, instances)
    for group in list(region.groups()):
        if group.sym_name.data in names:
            group.detach()
            group.erase()
    for decl in list(region.streams()):
        if decl.sym_name.data in covered:
            decl.detach()
            decl.erase()
    return sorted(names)


def _clone_index(
    value: SSAValue, piece: _Piece, index: SSAValue, at: InsertPoint, done: dict[SSAValue, SSAValue]
) -> SSAValue:
    """`value` of the loader's loop recomputed before `at` with the
    consumer's loop index `index` for the loader's."""
    if value in done:
        return done[value]
    if value is piece.loop.body.block.args[0]:
        return index
    op = value.owner
    assert isinstance(op, Operation)
    operands = [_clone_index(v, piece, index, at, done) for v in op.operands]
    new = op.clone()
    for k, v in enumerate(operands):
        new.operands[k] = v
    Rewriter.insert_op(new, at)
    done[value] = new.results[0]
    return new.results[0]


def _only_read(value: SSAValue) -> bool:
    for use in value.uses:
        op = use.operation
        if isinstance(op, memref.LoadOp):
            continue
        if isinstance(op, memref.CopyOp) and op.source is value:
            continue
        if isinstance(op, LinalgStructuredOperation) and value not in op.outputs:
            continue
        return False
    return True


def _read_pieces(
    region: dato.RegionOp,
    group: dato.GroupOp,
    gets: list[tuple[dato.GetOp, list[str]]],
    sources: dict[str, tuple[str, _Piece]],
    instances: dict[str, dato.Instance],
) -> None:
    """Each get reads its piece of a new argument: the loader's block."""
    body = group.body.block
    symbols: set[str] = set()
    extra: list[tuple[SSAValue, list[tuple[int, ...]]]] = []
    loaders: set[str] = set()
    for get, streams in gets:
        piece = sources[streams[0]][1]
        block = piece.group.body.block.args[piece.arg]
        t = block.type
        assert isinstance(t, MemRefType)
        arg = body.insert_arg(t, len(body.args))
        arg.name_hint = block.name_hint
        loop = _get_loop(get, group)
        assert loop is not None
        at = InsertPoint.before(get)
        done: dict[SSAValue, SSAValue] = {}
        offsets = [
            _clone_index(o, piece, loop.body.block.args[0], at, done) for o in piece.sub.offsets
        ]
        sub = memref.SubviewOp(
            arg,
            offsets,
            [],
            [],
            piece.sub.static_offsets,
            piece.sub.static_sizes,
            piece.sub.static_strides,
            piece.sub.result.type,
        )
        Rewriter.insert_op(sub, at)
        result = get.results[0]
        if _only_read(result):
            result.replace_all_uses_with(sub.result)
        else:
            # the consumer writes what it got: a copy, as the get's own buffer
            got = result.type
            assert isinstance(got, MemRefType)
            alloc = memref.AllocOp.get(got.element_type, shape=got.get_shape())
            copy = memref.CopyOp(sub.result, alloc.memref)
            Rewriter.insert_op([alloc, copy], at)
            result.replace_all_uses_with(alloc.memref)
        symbols.add(get.stream.root_reference.data)
        get.detach()
        get.erase()
        rows = []
        for s in streams:
            inst_name, p = sources[s]
            rows.append(tuple(instances[inst_name].offsets[p.arg]))
        extra.append((piece.group.args[piece.arg], rows))
        loaders.add(piece.group.sym_name.data)
    still = {
        op.stream.root_reference.data
        for op in body.walk()
        if isinstance(op, dato.PutOp | dato.GetOp)
    }
    ports = [p for p in group.port_names if p not in symbols or p in still]
    rows_out = []
    for n, inst in enumerate(group.instances()):
        bound = dict(zip(group.port_names, inst.bindings, strict=True))
        offsets = [*inst.offsets, *(r[n] for _, r in extra)]
        rows_out.append((inst.pid, offsets, [bound[p] for p in ports]))
    new = dato.GroupOp(
        group.sym_name.data,
        group.task.data,
        group.grid_shape,
        [*group.args, *(v for v, _ in extra)],
        ports,
        rows_out,
        group.body.detach_block(0),
    )
    new.attributes.update(group.attributes)
    if ELIDED_LOADERS in group.attributes:
        old = group.attributes[ELIDED_LOADERS]
        assert isinstance(old, ArrayAttr)
        loaders |= {cast(StringAttr, a).data for a in old.data}
    new.attributes[ELIDED_LOADERS] = ArrayAttr([StringAttr(n) for n in sorted(loaders)])
    new.location = group.location
    region.body.block.insert_op_before(new, group)
    group.detach()
    group.erase()
