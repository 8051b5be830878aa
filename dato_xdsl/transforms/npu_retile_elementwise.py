"""`dato-npu-retile-elementwise`: cut element-wise tasks along an axis into chunks that fit a core.

A user writes `c[:] = dato.add(a, b)` over a vector of a million elements on
16 lanes, or a tree of adders over rows of 32 KiB sent on block streams, and
each instance's arrays are more than a compute tile's 64 KiB hold. Such tasks
compute every element along an axis from the same position of the arrays
they read: a chunk of the axis is the same computation on chunks. So the
whole connected component of tasks (the groups its streams join) is refined
by a factor k along that axis: instance p becomes the k instances p*k + u
computing chunk u, each argument's shard is cut along the axis (its offsets
move by u * chunk), and each stream T[L] becomes k streams of T[L/k] (chunk u
of producer p's object goes to the consumer instance computing chunk u).
Physical mapping then folds the finer grid onto the cores as it folds any
large grid (a chain runs its instances one after the other, so each
argument's fifo holds one chunk at a time). Results are those of the user's
grid, bit for bit: the same element operations in the same places.

The axis is found by unifying dimensions: element-wise linalg ops and
copies tie the same dimension of their operands, a subview ties a source
dimension it takes whole to its result's, puts and gets tie a value's
dimensions to its stream's, loads and stores tie an index position to the
loop whose induction variable indexes it. A dimension class is a legal axis
when it holds exactly one dimension of every stream (and of every written
array), all of one extent; no member is indexed by anything but a loop
running over the whole axis in steps of 1 whose induction variable is only
used as such an index; no loop over the axis carries a value (iter_args) and
no scalar stored inside one is read outside it or before a store in the same
iteration (a sum over the axis: a reduction forbids the cut); and every op
touching a member is one of those above. Anything else (a matmul, an
external kernel, a constant table, a pid, a stream of scalars, an instance a
mapping primitive names) leaves the component as written.

The chunk is chosen from the tile budget: the largest divisor of the extent
that keeps DMA rows whole 32-bit words and whose instances' bytes (their
arrays, locals and stream objects, one object deep: the least physical
mapping achieves) fit a core, tried through read boxes and physical mapping
on a copy of the region (largest first, MAX_TRIALS of them); the first it
places is taken, else the component stays as written and physical mapping's
refusal names the user's tasks. The estimate is an upper bound (a loop
reading a lane's shards element by element may map as written: the
dato-npu-stream-reads step streams the arguments in pieces), so a component
is cut only when the trial of the region with it as written fails: cutting
costs compile time (a 2^20 vector add on 16 lanes cut 16 ways is 256
instances). Each cut group records the factor in `dato.retiled = [k]` and
the groups cut with it in `dato.retiled_with`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from xdsl.context import Context
from xdsl.dialects import arith, memref, scf
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    ArrayAttr,
    DenseArrayBase,
    FlatSymbolRefAttr,
    IndexType,
    IntegerAttr,
    MemRefType,
    ModuleOp,
    NoneAttr,
    StridedLayoutAttr,
    i64,
)
from xdsl.dialects.linalg import ops as linalg
from xdsl.ir import Block, BlockArgument, Operation, SSAValue
from xdsl.passes import ModulePass

from dato_xdsl import devices
from dato_xdsl.dialects import dato
from dato_xdsl.dialects.aie.common import element_bytes
from dato_xdsl.transforms.constant_tables import table_values
from dato_xdsl.transforms.ir_constants import int_constant
from dato_xdsl.transforms.npu_chain_search import folded_instances
from dato_xdsl.transforms.npu_forwarding import fresh_name
from dato_xdsl.transforms.npu_gemm_retile import RETILED, RETILED_WITH
from dato_xdsl.transforms.npu_plan import ELEMENTWISE_OPS
from dato_xdsl.transforms.npu_trial import trial_maps

SAME_SHAPE_OPS = (*ELEMENTWISE_OPS, linalg.SelectOp, linalg.CopyOp)
"""Named linalg ops computing each output element from the same element of
their inputs (all operands of one shape)."""

MAX_TRIALS = 3
"""Chunk sizes of one component tried through physical mapping."""

MAX_FOLD = 64
"""Instances per compute core beyond which a chunk is not tried: physical
mapping's folding of a 1024-instance grid takes seconds."""

Node = tuple[object, int]
"""A dimension: (value, dim) of a memref value, (stream name, dim) of a
stream's objects, (loop, 0) of an scf.for's induction variable."""


class _Classes:
    """Union-find over dimensions."""

    def __init__(self) -> None:
        self.parent: dict[Node, Node] = {}

    def find(self, x: Node) -> Node:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: Node, b: Node) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[ra] = rb


@dataclass
class _Body:
    """What one group's body does with its memrefs."""

    group: dato.GroupOp
    values: list[SSAValue] = field(default_factory=list)
    """Its memref values holding storage: arguments, allocations, gets."""
    written: list[SSAValue] = field(default_factory=list)
    """Storage a store, copy, fill or linalg op writes (through views too)."""
    loops: list[scf.ForOp] = field(default_factory=list)
    scalars: list[SSAValue] = field(default_factory=list)
    ends: list[tuple[str, dato.PutOp | dato.GetOp]] = field(default_factory=list)
    """(port or region stream name, op) of its puts and gets."""
    direct: list[str] = field(default_factory=list)
    """Region streams the body names itself (a single-instance group)."""


@dataclass
class Component:
    """Groups joined by streams, cut together along one axis."""

    groups: list[dato.GroupOp]
    streams: list[dato.StreamOp]
    bodies: list[_Body]
    dims: dict[SSAValue, int]
    """The cut dimension of every memref value (storage and views) on the axis."""
    stream_dims: dict[str, int]
    loops: set[scf.ForOp]
    extent: int


def _ops(block: Block) -> Iterator[Operation]:
    """The ops of `block` and nested regions, not linalg ops' scalar bodies."""
    for op in block.ops:
        yield op
        if op.dialect_name() != "linalg":
            for region in op.regions:
                for inner in region.blocks:
                    yield from _ops(inner)


def _shape(v: SSAValue) -> tuple[int, ...]:
    t = v.type
    assert isinstance(t, MemRefType)
    return tuple(t.get_shape())


def _storage(v: SSAValue) -> SSAValue:
    """The storage a view is of."""
    while isinstance(v.owner, memref.SubviewOp):
        v = v.owner.source
    return v


def _subview_dims(op: memref.SubviewOp) -> list[int | None] | None:
    """Per source dimension, the result dimension it becomes (None: dropped
    by a rank-reducing subview); None when that is ambiguous."""
    src, res = _shape(op.source), _shape(op.result)
    sizes = list(op.static_sizes.get_values())
    if len(src) == len(res):
        return list(range(len(src)))
    kept = [d for d, s in enumerate(sizes) if s != 1]
    if len(kept) != len(res):
        return None
    out: list[int | None] = [None] * len(src)
    for e, d in enumerate(kept):
        out[d] = e
    return out


def _analyse(group: dato.GroupOp, classes: _Classes, fixed: set[Node]) -> _Body | None:
    """Record the body's dimension ties in `classes` and the dimensions no
    cut may divide in `fixed`; None when an op is not one this pass knows."""
    block = group.body.block
    body = _Body(group)
    body.values.extend(a for a in block.args if _shape(a))
    body.scalars.extend(a for a in block.args if not _shape(a))
    ports = set(group.port_names)
    single = group.num_instances() == 1

    def tie(a: SSAValue, b: SSAValue) -> bool:
        if _shape(a) != _shape(b):
            return False
        for d in range(len(_shape(a))):
            classes.union((a, d), (b, d))
        return True

    for op in _ops(block):
        refs = [v for v in (*op.operands, *op.results) if isinstance(v.type, MemRefType)]
        if isinstance(op, memref.AllocOp | memref.AllocaOp):
            if table_values(op) is not None:
                return None  # a constant table: its values are by position
            (body.values if _shape(op.memref) else body.scalars).append(op.memref)
        elif isinstance(op, memref.SubviewOp):
            if not isinstance(op.source.type.layout, NoneAttr):
                return None  # a view of a view
            mapping = _subview_dims(op)
            if mapping is None:
                return None
            offsets = list(op.static_offsets.get_values())
            sizes = list(op.static_sizes.get_values())
            strides = list(op.static_strides.get_values())
            src = _shape(op.source)
            for d, e in enumerate(mapping):
                whole = (offsets[d], sizes[d], strides[d]) == (0, src[d], 1)
                if e is not None and whole:
                    classes.union((op.source, d), (op.result, e))
                else:
                    fixed.add(classes.find((op.source, d)))
                    if e is not None:
                        fixed.add(classes.find((op.result, e)))
        elif isinstance(op, memref.CopyOp):
            if not tie(op.source, op.destination):
                return None
            body.written.append(_storage(op.destination))
        elif isinstance(op, SAME_SHAPE_OPS):
            operands = [*op.inputs, *op.outputs]
            if not all(isinstance(v.type, MemRefType) for v in operands):
                return None
            if not all(tie(operands[0], v) for v in operands[1:]):
                return None
            body.written.extend(_storage(v) for v in op.outputs)
        elif isinstance(op, linalg.FillOp):
            body.written.extend(_storage(v) for v in op.outputs)
        elif isinstance(op, memref.LoadOp | memref.StoreOp):
            if isinstance(op, memref.StoreOp):
                body.written.append(_storage(op.memref))
            for d, index in enumerate(op.indices):
                loop = index.owner.parent_op() if isinstance(index, BlockArgument) else None
                if isinstance(loop, scf.ForOp) and loop.body.block.args[0] is index:
                    classes.union((op.memref, d), (loop, 0))
                else:
                    fixed.add(classes.find((op.memref, d)))
        elif isinstance(op, dato.PutOp | dato.GetOp):
            name = op.stream.root_reference.data
            value = op.value if isinstance(op, dato.PutOp) else op.result
            if op.indices or not isinstance(value.type, MemRefType) or not _shape(value):
                return None  # a stream of scalars: its count of objects would change
            if name not in ports:
                if not single:
                    return None  # a region stream many instances name
                if name not in body.direct:
                    body.direct.append(name)
            if isinstance(op, dato.GetOp):
                body.values.append(op.result)
            body.ends.append((name, op))
        elif isinstance(op, scf.ForOp):
            if op.iter_args:
                return None
            body.loops.append(op)
        elif isinstance(op, scf.IfOp | scf.YieldOp | memref.DeallocOp):
            if refs and not isinstance(op, memref.DeallocOp):
                return None
        elif op.dialect_name() not in ("arith", "math") or refs:
            return None
    return body


def _bindings(group: dato.GroupOp, port: str) -> list[str]:
    """The streams a port (or a region stream the body names) stands for."""
    if port not in group.port_names:
        return [port]
    k = group.port_names.index(port)
    return [inst.bindings[k] for inst in group.instances()]


def _scalars_fresh(body: _Body, loops: set[scf.ForOp]) -> bool:
    """No scalar carries a value from one position of the axis to another:
    one stored inside an axis loop is loaded only inside it, after a store
    in the same iteration (in its block or an enclosing one)."""

    def axis_loop(op: Operation) -> scf.ForOp | None:
        parent = op.parent_op()
        while parent is not None and not isinstance(parent, dato.GroupOp):
            if isinstance(parent, scf.ForOp) and parent in loops:
                return parent
            parent = parent.parent_op()
        return None

    def stored_before(load: Operation, ref: SSAValue, loop: scf.ForOp) -> bool:
        op: Operation = load
        while op is not loop:
            prev = op.prev_op
            while prev is not None:
                if isinstance(prev, memref.StoreOp) and prev.memref is ref:
                    return True
                prev = prev.prev_op
            parent = op.parent_op()
            assert parent is not None
            op = parent
        return False

    for ref in body.scalars:
        stores = [u.operation for u in ref.uses if isinstance(u.operation, memref.StoreOp)]
        if not any(axis_loop(s) for s in stores):
            continue
        if ref in body.group.body.block.args:
            return False  # a scalar result: the last chunk's value
        for use in ref.uses:
            if isinstance(use.operation, memref.StoreOp):
                continue
            loop = axis_loop(use.operation)
            if loop is None or not isinstance(use.operation, memref.LoadOp):
                return False
            if not stored_before(use.operation, ref, loop):
                return False
    return True


def _legal(
    groups: list[dato.GroupOp],
    bodies: list[_Body],
    streams: list[dato.StreamOp],
    classes: _Classes,
    fixed: set[Node],
    axis: Node,
) -> Component | None:
    """The component cut along the class of `axis` (module docstring's
    legality), None when that class is not a legal axis."""
    root = classes.find(axis)
    if root in fixed:
        return None
    extents: set[int] = set()
    dims: dict[SSAValue, int] = {}
    loops: set[scf.ForOp] = set()
    for body in bodies:
        for op in _ops(body.group.body.block):
            for v in (*op.operands, *op.results):
                if isinstance(v.type, MemRefType) and v not in dims:
                    here = [d for d in range(len(_shape(v))) if classes.find((v, d)) == root]
                    if len(here) > 1:
                        return None  # two of its dimensions along the axis
                    if here:
                        dims[v] = here[0]
                        extents.add(_shape(v)[here[0]])
        for arg in body.group.body.block.args:
            if _shape(arg):
                here = [d for d in range(len(_shape(arg))) if classes.find((arg, d)) == root]
                if len(here) > 1:
                    return None
                if here:
                    dims[arg] = here[0]
                    extents.add(_shape(arg)[here[0]])
        for loop in body.loops:
            if classes.find((loop, 0)) == root:
                loops.add(loop)
    if len(extents) != 1:
        return None
    extent = extents.pop()
    stream_dims: dict[str, int] = {}
    for s in streams:
        t = s.stream_type.element_type
        assert isinstance(t, MemRefType)
        name = s.sym_name.data
        here = [d for d in range(len(t.get_shape())) if classes.find((name, d)) == root]
        if len(here) != 1 or t.get_shape()[here[0]] != extent:
            return None
        stream_dims[name] = here[0]
    for body in bodies:
        if any(v not in dims for v in body.written if _shape(v)):
            return None  # an array every chunk would write whole
        for loop in body.loops:
            if loop not in loops:
                continue
            bounds = (int_constant(loop.lb), int_constant(loop.step), int_constant(loop.ub))
            if bounds != (0, 1, extent):
                return None
            for use in loop.body.block.args[0].uses:
                op = use.operation
                if not isinstance(op, memref.LoadOp | memref.StoreOp):
                    return None  # a position computed from the index
                first = 1 if isinstance(op, memref.LoadOp) else 2
                if use.index < first or dims.get(op.memref) != use.index - first:
                    return None
        if not _scalars_fresh(body, loops):
            return None
        for _, end in body.ends:
            parent = end.parent_op()
            while parent is not None and parent is not body.group:
                if parent in loops:
                    return None  # objects counted along the axis: k times fewer per chunk
                parent = parent.parent_op()
        if not any(v in dims for v in body.values):
            return None  # nothing of this group along the axis
    return Component(groups, streams, bodies, dims, stream_dims, loops, extent)


def components(region: dato.RegionOp) -> list[Component]:
    """The region's components of element-wise groups that could be cut."""
    decls = {s.sym_name.data: s for s in region.streams()}
    named = folded_instances(region)
    groups = list(region.groups())
    parent: dict[dato.GroupOp, dato.GroupOp] = {g: g for g in groups}

    def root(g: dato.GroupOp) -> dato.GroupOp:
        while parent[g] is not g:
            g = parent[g]
        return g

    users: dict[str, list[dato.GroupOp]] = {}
    for g in groups:
        names = {n for inst in g.instances() for n in inst.bindings}
        names |= {
            op.stream.root_reference.data
            for op in g.body.walk()
            if isinstance(op, dato.PutOp | dato.GetOp)
        } - set(g.port_names)
        for n in names:
            users.setdefault(n, []).append(g)
    for gs in users.values():
        for g in gs[1:]:
            parent[root(g)] = root(gs[0])
    members: dict[dato.GroupOp, list[dato.GroupOp]] = {}
    for g in groups:
        members.setdefault(root(g), []).append(g)
    found: list[Component] = []
    for gs in members.values():
        names = sorted({n for n, us in users.items() if us and root(us[0]) is root(gs[0])})
        if any(n not in decls or decls[n].shape_values for n in names):
            continue
        if any(i.name in named for g in gs for i in g.instances()):
            continue
        classes, fixed = _Classes(), set[Node]()
        bodies = [_analyse(g, classes, fixed) for g in gs]
        if any(b is None for b in bodies):
            continue
        ok_bodies = [b for b in bodies if b is not None]
        for b in ok_bodies:
            for port, op in b.ends:
                value = op.value if isinstance(op, dato.PutOp) else op.result
                for name in _bindings(b.group, port):
                    for d in range(len(_shape(value))):
                        classes.union((value, d), (name, d))
        # fixed holds classes found before later unions: re-root them
        fixed = {classes.find(n) for n in fixed}
        streams = [decls[n] for n in names]
        if streams:
            t = streams[0].stream_type.element_type
            assert isinstance(t, MemRefType)
            candidates: list[Node] = [(names[0], d) for d in range(len(t.get_shape()))]
        else:
            written = [v for b in ok_bodies for v in b.written if v in b.group.body.block.args]
            candidates = [(v, d) for v in written[:1] for d in range(len(_shape(v)))]
        for axis in candidates:
            comp = _legal(gs, ok_bodies, streams, classes, fixed, axis)
            if comp is not None:
                found.append(comp)
                break
    return found


def _bytes(comp: Component, chunk: int, safe: bool = False) -> list[int]:
    """Per group: the bytes an instance holds with chunks of `chunk`: its
    arrays, allocations and stream objects, one object deep (the least
    physical mapping achieves); if `safe`, arguments double-buffered and
    streams at their declared depth (the most it asks)."""
    depths = {s.sym_name.data: s.stream_type.depth.data for s in comp.streams}
    out = []
    for body in comp.bodies:
        total = 0
        for v in body.values:
            if isinstance(v.owner, dato.GetOp):
                continue  # counted as its stream's object
            twice = 2 if safe and isinstance(v, BlockArgument) else 1
            total += twice * _cut_bytes(v, comp, chunk)
        for port, op in body.ends:
            value = op.value if isinstance(op, dato.PutOp) else op.result
            depth = max(depths[n] for n in _bindings(body.group, port)) if safe else 1
            total += depth * _cut_bytes(value, comp, chunk)
        out.append(total)
    return out


def _cut_bytes(v: SSAValue, comp: Component, chunk: int) -> int:
    n = 1
    for d, size in enumerate(_shape(v)):
        n *= chunk if comp.dims.get(v) == d else size
    return n * element_bytes(v.type)


def _candidates(comp: Component, budget: int, cores: int) -> list[int]:
    """Chunk sizes, largest first: divisors of the extent below it whose DMA
    rows are whole 32-bit words and whose instances fit `budget`, with at
    most MAX_FOLD instances per core."""
    widths = {element_bytes(v.type) for v in comp.dims}
    instances = sum(g.num_instances() for g in comp.groups)
    out = []
    for chunk in range(comp.extent - 1, 0, -1):
        if comp.extent % chunk or any(chunk * w % 4 for w in widths):
            continue
        if instances * (comp.extent // chunk) > MAX_FOLD * cores:
            break
        if all(b <= budget for b in _bytes(comp, chunk)):
            out.append(chunk)
    return out


def _cut_type(t: MemRefType, dim: int | None, chunk: int) -> MemRefType:
    shape = list(t.get_shape())
    if dim is not None:
        shape[dim] = chunk
    return MemRefType(t.element_type, shape)


def _strides(shape: Sequence[int]) -> list[int]:
    out, step = [], 1
    for size in reversed(shape):
        out.append(step)
        step *= size
    return out[::-1]


def _cut_subview(
    op: memref.SubviewOp, clone: memref.SubviewOp, dim: int, chunk: int
) -> memref.SubviewOp:
    """`clone` (of `op`) on the cut source: its size along the axis `chunk`,
    its result's layout from the cut source's strides."""
    source = clone.source
    sizes = list(op.static_sizes.get_values())
    sizes[dim] = chunk
    mapping = _subview_dims(op)
    assert mapping is not None
    strides = _strides(_shape(source))
    offsets = list(op.static_offsets.get_values())
    steps = list(op.static_strides.get_values())
    shape = [0] * len(_shape(op.result))
    layout_strides = [0] * len(shape)
    for d, e in enumerate(mapping):
        if e is not None:
            shape[e] = sizes[d]
            layout_strides[e] = strides[d] * steps[d]
    offset = (
        None
        if DYNAMIC_INDEX in offsets
        else sum(o * s for o, s in zip(offsets, strides, strict=True))
    )
    t = op.result.type
    assert isinstance(t, MemRefType)
    return memref.SubviewOp(
        source,
        list(clone.offsets),
        list(clone.sizes),
        list(clone.strides),
        DenseArrayBase.from_list(i64, offsets),
        DenseArrayBase.from_list(i64, sizes),
        DenseArrayBase.from_list(i64, steps),
        MemRefType(t.element_type, shape, StridedLayoutAttr(layout_strides, offset)),
    )


def _cut_body(body: _Body, comp: Component, chunk: int, ports: dict[str, str]) -> Block:
    """The group's body on chunks: arguments, allocations, views and gets cut
    along the axis, the axis loops bounded by `chunk`, the region streams it
    named itself named through the `ports` standing for them."""
    old = body.group.body.block
    new = Block(
        arg_types=[
            _cut_type(a.type, comp.dims.get(a), chunk) if _shape(a) else a.type for a in old.args
        ]
    )
    values: dict[SSAValue, SSAValue] = {}
    for arg, fresh in zip(old.args, new.args, strict=True):
        fresh.name_hint = arg.name_hint
        values[arg] = fresh
    for op in old.ops:
        new.add_op(op.clone(value_mapper=values))
    for was, op in zip(list(_ops(old)), list(_ops(new)), strict=True):
        fresh: Operation | None = None
        if isinstance(was, scf.ForOp) and was in comp.loops:
            assert isinstance(op, scf.ForOp)
            bound = arith.ConstantOp(IntegerAttr(chunk, IndexType()))
            parent = op.parent_block()
            assert parent is not None
            parent.insert_op_before(bound, op)
            op.operands[1] = bound.result
            continue
        if isinstance(op, memref.AllocOp | memref.AllocaOp) and was.results[0] in comp.dims:
            t = op.memref.type
            assert isinstance(t, MemRefType)
            cut = _cut_type(t, comp.dims[was.results[0]], chunk)
            fresh = type(op).get(t.element_type, shape=list(cut.get_shape()))
        elif isinstance(op, memref.SubviewOp) and isinstance(was, memref.SubviewOp):
            dim = comp.dims.get(was.source)
            if dim is not None:
                fresh = _cut_subview(was, op, dim, chunk)
        elif isinstance(op, dato.GetOp):
            t = op.result.type
            assert isinstance(t, MemRefType)
            name = op.stream.root_reference.data
            cut = _cut_type(t, comp.dims.get(was.results[0]), chunk)
            fresh = dato.GetOp(ports.get(name, name), [], cut)
        elif isinstance(op, dato.PutOp) and op.stream.root_reference.data in ports:
            fresh = dato.PutOp(ports[op.stream.root_reference.data], [], op.value)
        if fresh is None:
            continue
        fresh.attributes |= op.attributes
        parent = op.parent_block()
        assert parent is not None
        parent.insert_op_before(fresh, op)
        for was_result, result in zip(op.results, fresh.results, strict=True):
            result.name_hint = was_result.name_hint
            was_result.replace_all_uses_with(result)
        op.detach()
        op.erase()
    return new


def _sub_grid(grid: tuple[int, ...], k: int) -> list[int]:
    """The refined grid: the last dimension times k."""
    return [*grid[:-1], grid[-1] * k]


def _sub_pid(pid: tuple[int, ...], k: int, u: int) -> tuple[int, ...]:
    """Chunk u of instance `pid`: consecutive pids, so that a chain of
    consecutive instances runs one lane's chunks in order."""
    return (*pid[:-1], pid[-1] * k + u)


def cut_component(region: dato.RegionOp, comp: Component, chunk: int) -> None:
    """Refine every group of the component by extent / chunk (module docstring)."""
    k = comp.extent // chunk
    taken = {op.sym_name.data for op in region.body.block.ops if isinstance(op, dato.StreamOp)}
    taken |= {i.name for g in region.groups() for i in g.instances()}
    parts: dict[str, list[str]] = {}
    for decl in comp.streams:
        name = decl.sym_name.data
        parts[name] = [fresh_name(f"{name}_c{u}", taken) for u in range(k)]
        t = decl.stream_type
        element = t.element_type
        assert isinstance(element, MemRefType)
        object_type = _cut_type(element, comp.stream_dims[name], chunk)
        for u in range(k):
            part = dato.StreamOp(
                parts[name][u], dato.StreamType(object_type, t.depth.data, t.packing.data)
            )
            part.attributes |= decl.attributes
            region.body.block.insert_op_before(part, decl)
        decl.detach()
        decl.erase()
    names = ArrayAttr([FlatSymbolRefAttr(g.sym_name.data) for g in comp.groups])
    for body in comp.bodies:
        group = body.group
        port_names = set(group.port_names)
        ports = {d: fresh_name(f"{d}_port", port_names) for d in body.direct}
        rows = []
        for inst in group.instances():
            for u in range(k):
                offsets = [list(o) for o in inst.offsets]
                for j, arg in enumerate(group.body.block.args):
                    if arg in comp.dims:
                        offsets[j][comp.dims[arg]] += u * chunk
                streams = [parts[b][u] for b in (*inst.bindings, *body.direct)]
                rows.append((_sub_pid(inst.pid, k, u), offsets, streams))
        rows.sort(key=lambda row: row[0])  # pids row-major: the simulator's order
        fresh = dato.GroupOp(
            group.sym_name.data,
            group.task.data,
            _sub_grid(group.grid_shape, k),
            list(group.args),
            [*group.port_names, *ports.values()],
            rows,
            _cut_body(body, comp, chunk, ports),
        )
        fresh.attributes |= group.attributes
        fresh.attributes[RETILED] = ArrayAttr([IntegerAttr(k, i64)])
        fresh.attributes[RETILED_WITH] = names
        region.body.block.insert_op_before(fresh, group)
        group.detach()
        group.erase()


def _key(comp: Component) -> tuple[str, ...]:
    return tuple(g.sym_name.data for g in comp.groups)


def _maps(region: dato.RegionOp, cuts: Sequence[tuple[Component, int]], device: str) -> bool:
    """Whether read boxes and physical mapping (with its folding search)
    place the region with the components cut as `cuts` says: a trial on a
    copy of the region."""
    copy = region.clone()
    trial = ModuleOp([copy])
    twins = {_key(c): c for c in components(copy)}
    for comp, chunk in cuts:
        cut_component(copy, twins[_key(comp)], chunk)
    return trial_maps(trial, device)


def retile_region(region: dato.RegionOp, device: devices.NpuDevice) -> list[str]:
    """Cut every element-wise component whose instances do not fit a core;
    the components cut, as `names /k`."""
    budget = device.tile_budget
    pending = [
        (comp, chunks)
        for comp in components(region)
        if any(b > budget for b in _bytes(comp, comp.extent))
        and (chunks := _candidates(comp, budget, device.compute_cores))
    ]
    if pending and _maps(region, [], device.name):
        # the estimate counts every stream object on both of its ends and
        # every argument whole, but the mapping joins and distributes through
        # memtiles, forwards between neighbours and streams arguments in
        # pieces (dato-npu-stream-reads): a component may fit as written (a
        # gather of 64 rows into one reducer; a loop over a lane's 64 Ki
        # elements that reads them in order): cut nothing then
        return []
    done = []
    for n, (comp, chunks) in enumerate(pending):
        later = [(c, ch[0]) for c, ch in pending[n + 1 :]]
        if (done or later) and _maps(region, later, device.name):
            # the region maps with this component as written (the earlier
            # ones as decided, the later ones cut): keep it (with nothing cut
            # before and nothing after, that is the region's trial above)
            continue
        for n_tried, chunk in enumerate(chunks[:MAX_TRIALS]):
            # a component on no stream takes its first chunk untried when it
            # fits however deep physical mapping makes the argument fifos (a
            # chain of its instances runs them one after the other in the
            # same buffers; a trial costs a mapping). Stream ends are not so
            # sure: folding chains producers with consumers, whose objects
            # then live together.
            sure = (
                n_tried == 0
                and not comp.streams
                and all(b <= budget for b in _bytes(comp, chunk, safe=True))
            )
            if sure or _maps(region, [(comp, chunk), *later], device.name):
                k = comp.extent // chunk
                done.append(f"{'+'.join(_key(comp))} /{k}")
                cut_component(region, comp, chunk)
                break
    return done


@dataclass(frozen=True)
class NpuRetileElementwisePass(ModulePass):
    """Cut element-wise task components along an axis into chunks that fit a core."""

    name = "dato-npu-retile-elementwise"

    device: str = "npu1"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        model = devices.lookup(self.device)
        if model is None:
            return  # dato-physical-map names the unknown device
        for region in [o for o in op.walk() if isinstance(o, dato.RegionOp)]:
            retile_region(region, model)


__all__: Sequence[str] = [
    "Component",
    "NpuRetileElementwisePass",
    "components",
    "cut_component",
    "retile_region",
]
