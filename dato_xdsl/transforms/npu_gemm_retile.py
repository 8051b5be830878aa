"""`dato-npu-retile-gemm`: cut a GEMM task's output block until it fits a core.

A user maps `c[:, :] = matmul(a, b)` on a grid that suits the problem (4x4 for
a 1024^3 GEMM), and each instance's C block (256x256 int16: 128 KiB) is more
than a compute tile's data memory holds, whatever K tile physical mapping
streams. The instances of such a task are independent: each computes its C
block from its rows of A and its columns of B, and a sub-block of C is the
same dot products over the same K order. So the task's grid is refined by
(r, s) -- instance (i, j) becomes the r x s instances (i*r + u, j*s + v)
computing its sub-blocks -- until a C block and its accumulator fit with room
for double-buffered A/B tiles; physical mapping then folds the finer grid
onto the cores as it folds any large grid. Results are bit for bit those of
the user's grid (integers and floats alike: the same sums in the same order).

Only groups whose body is exactly a GEMM are cut: block arguments A (m x K),
B (K x n) and C (m x n), and a body of `memref.alloc`, `arith.constant`,
`linalg.fill`, one `linalg.matmul` of A and B, and `memref.copy` into C, with
no stream ports and no pid. A group named by a mapping primitive (the user's
bundles and chains name its instances) is left as written. The chosen cut is
kept in the IR on the group (`dato.retiled = [r, s]`).

A GEMM whose result goes on block streams to consumers that work element by
element (a ReLU or scaling epilogue on the same blocks) is cut the same way
with its consumers: the groups a set of one-to-one block streams joins are
refined together by one (r, s), each stream becoming r x s streams of
sub-blocks (sub-block (u, v) of producer (i, j)'s object goes to the consumer
instance computing sub-block (u, v) of its own block). This holds when every
body is pointwise over the m x n block (`_pointwise`): each element of a
block it writes depends only on the same element of the blocks it reads, or
for a matmul on its row of A and column of B, so a sub-block is the same
computation on sub-blocks. The cut is chosen by a search: when the set's
blocks, locals and stream objects do not fit a core as written, the cuts with
which they could (largest sub-block first) are tried on a copy of the region
through read boxes and physical mapping (whose folding then places the finer
grids), and the first it places is taken; when none is, the region stays as
written and physical mapping's refusal names the user's tasks. Each group of
such a set records the cut in `dato.retiled` and the groups cut with it in
`dato.retiled_with`.

A GEMM task on no stream whose epilogue is in the task itself (a bias add,
a requantisation and clamp, a ReLU over the matmul's result) is such a set
of one group. An argument it only loads, indexed by the block loops (a bias
by the column loop, a scale by the row loop), is sliced with the sub-blocks:
its offsets move along the axis its loop runs over. Its block locals are
counted by their live spans, as physical mapping holds them: an epilogue of
steps each writing a fresh block (shift, clamp, narrow) holds two at a time,
so the cut keeps the largest sub-blocks that really fit, each sub-block's
epilogue done on it.

A chain of GEMMs joined by an accumulating block stream is such a set too:
Allo's ping-pong GEMM on a [Pk, Pm, Pn] grid (task (pk, pm, pn) adds its
product to the partial sum of task (pk - 1, pm, pn) and passes it on, the
last writes C) or a split-K chain into a drain. Each member is a matmul of
its A rows and B columns plus, elementwise, the partial it gets, so every
member is cut by the same (r, s) along the M and N of the result (a grid of
rank 3 or more is refined in its last two dimensions, K keeping its chain),
the partial-sum stream of each block becomes r x s streams of sub-blocks,
and each core then holds one sub-block of a partial. Such chains hold a
partial beside their product, so their sub-blocks are smaller: their cuts
may reach CHAIN_FOLD instances a core where others stop at MAX_FOLD.

When no m x n cut is common to a set (a chain of GEMMs each reading the
previous one's result as its A, as in an MLP, has blocks of one height and
different widths) or a body reads other columns of an element's row, the set
is cut into row bands instead (`Shape` (m, None), cuts (r, 1)): every value
of m rows is cut along its rows only and keeps its columns; the B operands
stay whole; each row a body writes must depend only on the same row of what
it reads."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, memref, scf
from xdsl.dialects.builtin import (
    ArrayAttr,
    BFloat16Type,
    FlatSymbolRefAttr,
    IndexType,
    IntegerAttr,
    MemRefType,
    ModuleOp,
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
from dato_xdsl.transforms.npu_plan import ELEMENTWISE_OPS, StreamedMatmul, streamed_matmul
from dato_xdsl.transforms.npu_trial import trial_maps

RETILED = "dato.retiled"
"""On a cut group: [r, s], the factors its grid was refined by."""

RETILED_WITH = "dato.retiled_with"
"""On a group cut with the groups its block streams join: all their names."""

AB_ROOM = 8 * 1024
"""Bytes left for the double-buffered A/B K tiles beside the C block."""


def _gemm_of(group: dato.GroupOp) -> StreamedMatmul | None:
    """The body's GEMM if it is exactly one into an argument (npu_plan's
    streamed matmul: alloc, fill, matmul of two arguments, copy into the
    third), on a 2-D grid with no stream ports."""
    if group.ports.data or len(group.grid.data) != 2:
        return None
    return streamed_matmul(group.body.block)


def _c_bytes(group: dato.GroupOp, g: StreamedMatmul, m: int, n: int) -> int:
    """A C block, plus a float32 accumulator for bf16 C (physical mapping
    adds it when K is streamed). The GEMM design accumulates into C's fifo
    object, so this is what a core holds beside its A/B tiles."""
    t = group.body.block.args[g.c].type
    assert isinstance(t, MemRefType)
    f32 = 4 * m * n if isinstance(t.element_type, BFloat16Type) else 0
    return m * n * element_bytes(t) + f32


def choose_cut(group: dato.GroupOp, g: StreamedMatmul, budget: int) -> tuple[int, int] | None:
    """(r, s) for the largest sub-block (squarest on ties) that fits, None
    when the block fits as it is or no cut does."""
    if _c_bytes(group, g, g.m, g.n) <= budget - AB_ROOM:
        return None
    best: tuple[int, int, int, int] | None = None  # (area, -skew, r, s)
    for r in (d for d in range(1, g.m + 1) if g.m % d == 0):
        for s in (d for d in range(1, g.n + 1) if g.n % d == 0):
            bm, bn = g.m // r, g.n // s
            if _c_bytes(group, g, bm, bn) > budget - AB_ROOM:
                continue
            key = (bm * bn, -abs(bm - bn), r, s)
            if best is None or key[:2] > best[:2]:
                best = key
    return None if best is None else (best[2], best[3])


def retile(group: dato.GroupOp, g: StreamedMatmul, r: int, s: int) -> None:
    """Refine the group's grid by (r, s) in place (module docstring)."""
    old = group.body.block
    bm, bn = g.m // r, g.n // s
    types = []
    for k, arg in enumerate(old.args):
        t = arg.type
        assert isinstance(t, MemRefType)
        shape = list(t.get_shape())
        if k in (g.a, g.c):
            shape[0] = bm
        if k in (g.b, g.c):
            shape[1] = bn
        types.append(MemRefType(t.element_type, shape))
    new = Block(arg_types=types)
    values: dict[SSAValue, SSAValue] = dict(zip(old.args, new.args, strict=True))
    for arg, fresh in zip(old.args, new.args, strict=True):
        fresh.name_hint = arg.name_hint
    for op in old.ops:
        if isinstance(op, memref.AllocOp):
            t = op.memref.type
            fresh_op = memref.AllocOp.get(t.element_type, shape=[bm, bn])
            fresh_op.attributes |= op.attributes
            values[op.memref] = fresh_op.memref
            fresh_op.memref.name_hint = op.memref.name_hint
        else:
            fresh_op = op.clone(value_mapper=values)
            for a, b in zip(op.results, fresh_op.results, strict=True):
                values[a] = b
        new.add_op(fresh_op)
    rows = []
    for inst in group.instances():
        i, j = inst.pid
        for u in range(r):
            for v in range(s):
                offsets = [list(o) for o in inst.offsets]
                offsets[g.a][0] += u * bm
                offsets[g.c][0] += u * bm
                offsets[g.b][1] += v * bn
                offsets[g.c][1] += v * bn
                rows.append(((i * r + u, j * s + v), offsets, []))
    rows.sort(key=lambda row: row[0])  # pids row-major: the simulator's order
    P0, P1 = group.grid_shape
    fresh_group = dato.GroupOp(
        group.sym_name.data,
        group.task.data,
        [P0 * r, P1 * s],
        list(group.args),
        [],
        rows,
        new,
    )
    fresh_group.attributes |= group.attributes
    fresh_group.attributes[RETILED] = ArrayAttr([IntegerAttr(r, i64), IntegerAttr(s, i64)])
    parent = group.parent_block()
    assert parent is not None
    parent.insert_op_before(fresh_group, group)
    group.detach()
    group.erase()


# ------------------------------------------- GEMMs and their block consumers

Axes = tuple[int | None, ...]
"""Per dimension of a body argument: the block axis a cut divides it along
(0: the block's rows, 1: its columns), None where it stays whole."""

Shape = tuple[int, int | None]
"""The block a set is cut over: m x n, or (m, None) for blocks of m rows
whose columns stay whole (row bands, of as many columns as each value has:
a chain of GEMMs each reading the previous one's rows as its A)."""


@dataclass
class Pointwise:
    """A group body that computes an m x n block element by element (module
    docstring): what a cut changes and what the body holds per element."""

    args: list[Axes]
    """Each body argument's axes (offsets move along them)."""
    loops: dict[scf.ForOp, int]
    """The loops that run over a block axis (0 to its size, step 1), by axis."""
    locals_bytes: int
    """Bytes per block element of the block-sized locals live at once (two
    whose lives do not overlap counted once: physical mapping shares their
    buffer), a float32 accumulator for each bf16 matmul result, and the
    whole-block arguments."""
    port_bytes: dict[str, int]
    """Bytes per block element of one object of each port's stream, and of
    each region stream the body names itself (a single-instance group)."""
    direct: list[str]
    """Those region streams."""
    matmul: bool


def _is_block(t: object, shape: Shape) -> bool:
    if shape[1] is None:
        return (
            isinstance(t, MemRefType) and len(t.get_shape()) == 2 and t.get_shape()[0] == shape[0]
        )
    return isinstance(t, MemRefType) and tuple(t.get_shape()) == shape


def _block_axes(shape: Shape) -> Axes:
    """The axes of a block value: both, or the rows of a row band."""
    return (0, 1) if shape[1] is not None else (0, None)


def _unit_bytes(t: MemRefType, shape: Shape) -> int:
    """Bytes of a block value per unit a cut divides: per element of an m x n
    block, per row of a row band."""
    return element_bytes(t) * (1 if shape[1] is not None else t.get_shape()[1])


def _is_scalar(t: object) -> bool:
    return isinstance(t, MemRefType) and not t.get_shape()


def _ops(block: Block) -> Iterator[Operation]:
    """The ops of `block` and of the regions nested in them, but not the
    bodies of linalg's named ops (their scalar computation, not the task's)."""
    for op in block.ops:
        yield op
        if op.dialect_name() != "linalg":
            for region in op.regions:
                for inner in region.blocks:
                    yield from _ops(inner)


def _matmul_roles(body: Block, shape: Shape) -> dict[SSAValue, Axes] | None:
    """The body arguments its matmuls read as A (rows along the block's rows,
    K whole) and B (columns along the block's columns; whole for row bands);
    None when a matmul does not compute a block from two arguments or an
    argument has both roles. For row bands A may also be a row band the body
    computes or gets (a previous layer's rows)."""
    rows = shape[1] is None
    roles: dict[SSAValue, Axes] = {}
    for op in _ops(body):
        if not isinstance(op, linalg.MatmulOp):
            continue
        a, b = op.inputs
        if not _is_block(op.outputs[0].type, shape) or b not in body.args:
            return None
        if a not in body.args and not (rows and _is_block(a.type, shape)):
            return None
        at, bt = a.type, b.type
        assert isinstance(at, MemRefType) and isinstance(bt, MemRefType)
        if at.get_shape()[0] != shape[0] or (not rows and bt.get_shape()[1] != shape[1]):
            return None
        pairs = [(b, (None, None) if rows else (None, 1))]
        if a in body.args:
            pairs.append((a, (0, None)))
        for v, role in pairs:
            if roles.setdefault(v, role) != role:
                return None
    return roles


def _axis_loops(ivs: dict[SSAValue, int], shape: Shape) -> dict[scf.ForOp, int] | None:
    """The loops whose induction variables index blocks: each must run over
    its axis from 0 in steps of 1 and be used only as that index (a value
    computed from it would change with the cut), and none inside another of
    its axis (an element computed from a whole row or column of a block, as
    `c[x, y] += t[x2, y]`, would see only the sub-block's part of it)."""
    loops: dict[scf.ForOp, int] = {}
    for iv, axis in ivs.items():
        loop = iv.owner.parent_op() if isinstance(iv, BlockArgument) else None
        if not isinstance(loop, scf.ForOp) or loop.body.block.args[0] is not iv:
            return None
        if (int_constant(loop.lb), int_constant(loop.step), int_constant(loop.ub)) != (
            0,
            1,
            shape[axis],
        ):
            return None
        for use in iv.uses:
            first = 1 if isinstance(use.operation, memref.LoadOp) else 2
            if not isinstance(use.operation, memref.LoadOp | memref.StoreOp) or use.index < first:
                return None
        loops[loop] = axis
    for loop, axis in loops.items():
        parent = loop.parent_op()
        while parent is not None and not isinstance(parent, dato.GroupOp):
            if isinstance(parent, scf.ForOp) and loops.get(parent) == axis:
                return None  # a sweep of the axis per element: a reduction over it
            parent = parent.parent_op()
    return loops


def _inside(op: Operation, loops: dict[scf.ForOp, int]) -> scf.ForOp | None:
    """The innermost axis loop around `op`."""
    parent = op.parent_op()
    while parent is not None and not isinstance(parent, dato.GroupOp):
        if isinstance(parent, scf.ForOp) and parent in loops:
            return parent
        parent = parent.parent_op()
    return None


def _set_before(load: memref.LoadOp, loop: scf.ForOp) -> bool:
    """A store to the scalar `load` reads precedes it in its block or an
    enclosing one within the same iteration of `loop`."""
    op: Operation = load
    while op is not loop:
        prev = op.prev_op
        while prev is not None:
            if isinstance(prev, memref.StoreOp) and prev.memref is load.memref:
                return True
            prev = prev.prev_op
        parent = op.parent_op()
        assert parent is not None
        op = parent
    return False


def _scalars_fresh(scalars: list[SSAValue], loops: dict[scf.ForOp, int]) -> bool:
    """No scalar carries a value from one block element to the next: one
    stored inside the block loops is read there only, after a store in the
    same iteration (the frontend keeps a kernel's scalar variables in
    rank-0 allocations)."""
    for ref in scalars:
        stores = [u.operation for u in ref.uses if isinstance(u.operation, memref.StoreOp)]
        if not any(_inside(s, loops) for s in stores):
            continue  # set before the loops (or never): the same for every element
        for use in ref.uses:
            op = use.operation
            if isinstance(op, memref.StoreOp):
                continue
            loop = _inside(op, loops)
            if not isinstance(op, memref.LoadOp) or loop is None or not _set_before(op, loop):
                return False
    return True


def pointwise(group: dato.GroupOp, shape: Shape) -> Pointwise | None:
    """The group's body as an m x n pointwise computation (Pointwise), or None
    when it is not one: block-sized and scalar locals; loads and stores of
    blocks indexed by the loops over their axes; whole-block copies, fills,
    named elementwise ops and matmuls into blocks; puts and gets of block
    objects on its ports; scalar arithmetic and control flow; no pid, no
    external kernel, no constant table. For row bands (`shape` (m, None))
    the same with only the row index tied to a loop: each row of a band it
    writes depends only on the same row of the bands it reads (any of their
    columns) and on whole B operands."""
    rows = shape[1] is None
    if not group.grid.data:
        return None  # (no pid in the body: the grid's rank only names instances)
    body = group.body.block
    roles = _matmul_roles(body, shape)
    if roles is None:
        return None
    args: list[Axes] = []
    locals_bytes = 0
    for arg in body.args:
        t = arg.type
        assert isinstance(t, MemRefType)
        if arg in roles:
            args.append(roles[arg])
        elif _is_block(t, shape):
            args.append(_block_axes(shape))
            locals_bytes += _unit_bytes(t, shape)
        else:
            args.append((None,) * len(t.get_shape()))
    ports = set(group.port_names)
    single = group.num_instances() == 1
    direct: list[str] = []
    port_bytes: dict[str, int] = {}
    ivs: dict[SSAValue, int] = {}
    scalars: list[SSAValue] = []
    # loads of other arguments (a bias row or column), whose axes follow
    # from the loops indexing them once the walk has seen every block access
    edge_loads: list[memref.LoadOp] = []
    block_locals: list[memref.AllocOp | memref.AllocaOp] = []
    free_indices: list[SSAValue] = []  # a row band's column indices

    def blocks(*values: SSAValue) -> bool:
        return all(_is_block(v.type, shape) and v not in roles for v in values)

    for op in _ops(body):
        refs = [v for v in (*op.operands, *op.results) if isinstance(v.type, MemRefType)]
        if isinstance(op, memref.AllocOp | memref.AllocaOp):
            t = op.memref.type
            if table_values(op) is not None:
                return None  # its values are by position
            if _is_block(t, shape):
                block_locals.append(op)
            elif _is_scalar(t):
                scalars.append(op.memref)
            else:
                return None
        elif isinstance(op, memref.LoadOp | memref.StoreOp):
            if _is_scalar(op.memref.type):
                if isinstance(op, memref.StoreOp) and op.memref in body.args:
                    return None  # a scalar result: the last element's value
                continue
            if isinstance(op, memref.LoadOp) and _edge_operand(op.memref, body, roles, shape):
                edge_loads.append(op)
                continue
            if not blocks(op.memref):
                return None
            indices = list(op.indices)
            if rows:
                free_indices.extend(indices[1:])
                indices = indices[:1]
            for axis, index in enumerate(indices):
                if not isinstance(index, BlockArgument) or ivs.setdefault(index, axis) != axis:
                    return None
        elif isinstance(op, memref.CopyOp):
            if not blocks(op.source, op.destination):
                return None
        elif isinstance(op, linalg.FillOp):
            if not blocks(*op.outputs):
                return None
        elif isinstance(op, linalg.MatmulOp):
            t = op.outputs[0].type
            assert isinstance(t, MemRefType)
            if isinstance(t.element_type, BFloat16Type):
                # physical mapping's float32 accumulator
                locals_bytes += 2 * _unit_bytes(t, shape)
        elif isinstance(op, ELEMENTWISE_OPS):
            if not blocks(*refs):
                return None
        elif isinstance(op, dato.PutOp | dato.GetOp):
            port = op.stream.root_reference.data
            value = op.value if isinstance(op, dato.PutOp) else op.result
            if (port not in ports and not single) or op.indices or not blocks(value):
                return None  # a region stream many instances name is not one-to-one
            if port not in ports and port not in direct:
                direct.append(port)
            t = value.type
            assert isinstance(t, MemRefType)
            port_bytes[port] = _unit_bytes(t, shape)
        elif isinstance(op, scf.ForOp | scf.IfOp | scf.YieldOp):
            if refs or (isinstance(op, scf.ForOp) and op.iter_args):
                return None
        elif op.dialect_name() not in ("arith", "math") or refs:
            return None
    if any(index in ivs for index in free_indices):
        return None  # a row's index as a column index: another row of the band
    edge_axes: dict[int, Axes] = {}
    for load in edge_loads:
        k = body.args.index(load.memref)
        axes = tuple(ivs.get(index) for index in load.indices)
        if (None in axes and not rows) or edge_axes.setdefault(k, axes) != axes:
            return None  # indexed by no block loop, or along two axes
        args[k] = axes
    loops = _axis_loops(ivs, shape)
    if loops is None or not _scalars_fresh(scalars, loops):
        return None
    locals_bytes += _live_peak(body, block_locals, shape)
    return Pointwise(args, loops, locals_bytes, port_bytes, direct, bool(roles))


def _top(op: Operation, body: Block) -> Operation:
    """The op of `body` itself that is or holds `op`."""
    while op.parent_block() is not body:
        parent = op.parent_op()
        assert parent is not None
        op = parent
    return op


def _live_peak(body: Block, allocs: Sequence[Operation], shape: Shape) -> int:
    """Bytes per block unit of the block locals live at once: each from its
    allocation to the last op of the body that uses it (a use in a loop
    counting as the loop). An epilogue of steps over fresh locals (shift,
    clamp, narrow) holds two of them at a time, not all; physical mapping
    shares the buffers of locals whose lives do not overlap."""
    order = {op: k for k, op in enumerate(body.ops)}
    spans: list[tuple[int, int, int]] = []
    for alloc in allocs:
        ref = alloc.results[0]
        t = ref.type
        assert isinstance(t, MemRefType)
        start = order[_top(alloc, body)]
        end = max([start, *(order[_top(u.operation, body)] for u in ref.uses)])
        spans.append((start, end, _unit_bytes(t, shape)))
    return max([0, *(sum(b for s, e, b in spans if s <= k <= e) for k in range(len(order)))])


def _edge_operand(ref: SSAValue, body: Block, roles: dict[SSAValue, Axes], shape: Shape) -> bool:
    """Whether `ref` is an argument other than a block, A or B that the body
    only loads from (a bias along the block's columns, a scale along its
    rows): cut with the block when every load indexes each of its dimensions
    by a block loop (checked by `pointwise` once the loops' axes are known),
    each instance then reading the slice its sub-block's elements read. For
    row bands only the dimensions a row loop indexes are cut (the others
    stay whole: any index does)."""
    if ref not in body.args or ref in roles or _is_block(ref.type, shape) or _is_scalar(ref.type):
        return False
    return all(
        isinstance(use.operation, memref.LoadOp)
        and (shape[1] is None or all(isinstance(i, BlockArgument) for i in use.operation.indices))
        for use in ref.uses
    )


@dataclass
class BlockSet:
    """Groups joined by one-to-one block streams, all pointwise over one
    m x n block, cut together."""

    groups: list[dato.GroupOp]
    bodies: list[Pointwise]
    streams: list[dato.StreamOp]
    shape: Shape


def block_sets(region: dato.RegionOp) -> list[BlockSet]:
    """The sets of groups the region's block streams join (each group with
    ports in exactly one) that can be cut together: every stream a single
    one between one putting and one getting instance, of one m x n block
    shape, every body pointwise over it, no instance named by a mapping
    primitive, a matmul among them (the block a core cannot hold)."""
    decls = {s.sym_name.data: s for s in region.streams()}
    users: dict[str, list[dato.GroupOp]] = {}
    touched: dict[dato.GroupOp, set[str]] = {}
    for group in region.groups():
        touched[group] = set()
        for inst in group.instances():
            for name in inst.bindings:
                users.setdefault(name, []).append(group)
                touched[group].add(name)
        named_here = {
            op.stream.root_reference.data
            for op in group.body.walk()
            if isinstance(op, dato.PutOp | dato.GetOp)
        }
        for name in sorted(named_here - set(group.port_names)):
            if name in decls:  # a region stream the body names itself
                users.setdefault(name, []).append(group)
                touched[group].add(name)
    # union-find over groups by the streams they share
    parent: dict[dato.GroupOp, dato.GroupOp] = {g: g for g in region.groups()}

    def root(g: dato.GroupOp) -> dato.GroupOp:
        while parent[g] is not g:
            g = parent[g]
        return g

    for groups in users.values():
        for g in groups[1:]:
            parent[root(g)] = root(groups[0])
    members: dict[dato.GroupOp, list[dato.GroupOp]] = {}
    for g in region.groups():
        if touched[g]:
            members.setdefault(root(g), []).append(g)
    named = folded_instances(region)
    found: list[BlockSet] = []
    for groups in members.values():
        names = sorted({n for g in groups for n in touched[g]})
        if any(n not in decls or len(users[n]) != 2 for n in names):
            continue
        streams = [decls[n] for n in names]
        shapes = {
            tuple(s.stream_type.element_type.get_shape())
            if isinstance(s.stream_type.element_type, MemRefType)
            else None
            for s in streams
        }
        if None in shapes or any(len(sh) != 2 for sh in shapes if sh):
            continue
        if any(s.shape_values for s in streams):
            continue
        if any(i.name in named for g in groups for i in g.instances()):
            continue
        # one m x n block on every stream, else row bands of one height
        tries: list[Shape] = [next(iter(shapes))] if len(shapes) == 1 else []
        if len({sh[0] for sh in shapes if sh}) == 1:
            tries.append((next(iter(shapes))[0], None))
        for shape in tries:
            bodies = [pointwise(g, shape) for g in groups]
            if all(b is not None for b in bodies) and any(b.matmul for b in bodies if b):
                found.append(BlockSet(groups, [b for b in bodies if b], streams, shape))
                break
    for group in region.groups():
        if touched[group] or group.port_names or any(i.name in named for i in group.instances()):
            continue
        if _gemm_of(group) is not None:
            continue  # exactly a GEMM: `choose_cut` (its C block is its accumulator)
        block = _epilogue_shape(group)
        for shape in [] if block is None else [block, (block[0], None)]:
            body = pointwise(group, shape)
            if body is not None and body.matmul:
                found.append(BlockSet([group], [body], [], shape))
                break
    return found


def _epilogue_shape(group: dato.GroupOp) -> tuple[int, int] | None:
    """The m x n result block of a group on no stream whose body computes a
    matmul (and an epilogue over its result: a bias, a requantisation, a
    ReLU, in the same task), which `pointwise` may then find cuttable alone;
    None when its body names a stream or has no matmul."""
    shapes = set()
    for op in _ops(group.body.block):
        if isinstance(op, dato.PutOp | dato.GetOp):
            return None
        if isinstance(op, linalg.MatmulOp):
            t = op.outputs[0].type
            assert isinstance(t, MemRefType)
            shapes.add(tuple(t.get_shape()))
    if len(shapes) != 1:
        return None
    shape = shapes.pop()
    return (shape[0], shape[1]) if len(shape) == 2 else None


def _set_bytes(bs: BlockSet, bm: int, bn: int, shallow: bool) -> list[tuple[int, int]]:
    """Per group: the bytes an instance holds in bm x bn blocks (its block
    locals and arguments, its ports' stream objects at their depth, or one
    object deep if `shallow`) and the room it needs beside them (A/B K tiles
    for a matmul)."""
    decls = {s.sym_name.data: s for s in bs.streams}
    out = []
    for group, body in zip(bs.groups, bs.bodies, strict=True):
        per = body.locals_bytes
        for port, size in body.port_bytes.items():
            k = group.port_names.index(port) if port in group.port_names else None
            bound = {port} if k is None else {i.bindings[k] for i in group.instances()}
            depth = max(decls[name].stream_type.depth.data for name in bound)
            per += size * (1 if shallow else depth)
        out.append((per * bm * bn, AB_ROOM if body.matmul else 0))
    return out


MAX_TRIALS = 6
"""Cuts of one set tried through physical mapping before giving up."""

MAX_FOLD = 16
"""Instances per compute core beyond which a cut is not tried: physical
mapping's folding has not placed more (a 256-instance trial takes seconds,
a 512-instance one ten)."""

CHAIN_FOLD = 48
"""Instances per compute core a chain's cut (`_chain`) may reach when none
within MAX_FOLD maps: each member holds the incoming partial sum beside its
product, so its sub-blocks are smaller. int32 or bf16 ping-pong GEMMs of
256x256 blocks need 64x32 ones: 512 instances on npu1's 16 cores (a trial
of about 6 s), which physical mapping's folding chains along K and bundles;
a 2x2x4 split-K GEMM of such blocks with its 4 drains needs 640."""

MAX_CHAIN_TRIALS = 2
"""Cuts beyond MAX_FOLD tried for a chain: each trial takes seconds."""


def _candidates(bs: BlockSet, budget: int) -> list[tuple[int, int]]:
    """The cuts (r, s) with which every group of the set could fit (its
    streams one object deep, A and B streamed over K: what physical mapping
    achieves at best), largest sub-block first; of the cuts giving one
    sub-block size, the two squarest (a long thin block only moves more
    A or B per result element)."""
    m, n = bs.shape[0], bs.shape[1] or 1  # row bands: cut by (r, 1), per row
    by_area: dict[int, list[tuple[int, int, int]]] = {}  # area -> [(skew, r, s)]
    for r in (d for d in range(1, m + 1) if m % d == 0):
        for s in (d for d in range(1, n + 1) if n % d == 0):
            bm, bn = m // r, n // s
            if (r, s) != (1, 1) and all(
                b + room <= budget for b, room in _set_bytes(bs, bm, bn, True)
            ):
                by_area.setdefault(bm * bn, []).append((max(bm, bn) // min(bm, bn), r, s))
    return [
        (r, s) for area in sorted(by_area, reverse=True) for _, r, s in sorted(by_area[area])[:2]
    ]


Cut = tuple[BlockSet, tuple[int, int]]
"""A set and the (r, s) it is cut by."""


def _names(bs: BlockSet) -> list[str]:
    return [g.sym_name.data for g in bs.groups]


def _maps(region: dato.RegionOp, cuts: Sequence[Cut], device: str) -> bool:
    """Whether the passes after this one in the aie pipeline (read boxes,
    physical mapping with its folding search) place the region with the
    sets cut as `cuts` says: a trial on a copy of the region."""
    copy = region.clone()
    trial = ModuleOp([copy])
    twins = {tuple(_names(b)): b for b in block_sets(copy)}
    for bs, (r, s) in cuts:
        cut_set(copy, twins[tuple(_names(bs))], r, s)
    return trial_maps(trial, device)


def _fits_as_written(bs: BlockSet, budget: int, shallow: bool) -> bool:
    m, n = bs.shape[0], bs.shape[1] or 1
    return all(b + room <= budget for b, room in _set_bytes(bs, m, n, shallow))


def _chain(bs: BlockSet) -> bool:
    """Whether the set is a chain of GEMMs joined by their partial sums (two
    or more groups computing a matmul, on block streams): Allo's ping-pong
    GEMM, a split-K chain."""
    return bool(bs.streams) and sum(1 for b in bs.bodies if b.matmul) >= 2


def _tried(bs: BlockSet, budget: int, device: devices.NpuDevice) -> list[tuple[int, int]]:
    """The candidate cuts a trial may take: at most MAX_TRIALS of those
    giving at most MAX_FOLD instances per core, then, for a chain, at most
    MAX_CHAIN_TRIALS of those giving at most CHAIN_FOLD (the candidates
    come largest sub-block first, so fewest instances first)."""
    instances = sum(g.num_instances() for g in bs.groups)
    cores = device.compute_cores
    found = _candidates(bs, budget)
    narrow = [(r, s) for r, s in found if instances * r * s <= MAX_FOLD * cores]
    if not _chain(bs):
        return narrow[:MAX_TRIALS]
    wide = [(r, s) for r, s in found if MAX_FOLD * cores < instances * r * s <= CHAIN_FOLD * cores]
    return narrow[:MAX_TRIALS] + wide[:MAX_CHAIN_TRIALS]


def choose_set_cut(
    region: dato.RegionOp,
    bs: BlockSet,
    budget: int,
    device: devices.NpuDevice,
    later: Sequence[Cut] = (),
) -> tuple[int, int] | None:
    """(r, s) for the set: None when it fits as written (by the count of
    `_set_bytes` at the streams' depths, else, if it could fit one object
    deep or is on no stream or of row bands, by a trial of physical mapping, which may make
    streams so); else
    the first of the candidate cuts (`_tried`) physical mapping places, None
    if none (the refusal then names the user's grid). The sets still to be
    decided are cut in the trials as `later` says (their first candidates),
    so that their blocks do not fail a trial of this one."""
    if _fits_as_written(bs, budget, False):
        return None
    # a set on no stream is tried as written whatever the count says (its
    # count of block locals is only an upper bound: physical mapping may
    # overlap locals whose lives do not)
    # and so are row bands (their count puts every stream object on both
    # tasks, physical mapping on the tile that holds it)
    shallow = not bs.streams or bs.shape[1] is None or _fits_as_written(bs, budget, True)
    if shallow and _maps(region, list(later), device.name):
        return None
    for cut in _tried(bs, budget, device):
        if _maps(region, [(bs, cut), *later], device.name):
            return cut
    return None


def _size(sizes: Shape, axis: int) -> int:
    """A cut block's size along an axis a cut divides."""
    size = sizes[axis]
    assert size is not None  # row bands have no column axis
    return size


def _cut_type(t: MemRefType, axes: Axes, sizes: Shape) -> MemRefType:
    shape = [d if a is None else _size(sizes, a) for d, a in zip(t.get_shape(), axes, strict=True)]
    return MemRefType(t.element_type, shape)


def _cut_body(
    old: Block,
    body: Pointwise,
    shape: Shape,
    sizes: Shape,
    ports: dict[str, str],
) -> Block:
    """The body on bm x bn blocks: arguments, block locals and gets of the
    cut sizes, the block loops bounded by them, the region streams it named
    itself named through the `ports` standing for them."""
    types = []
    for arg, axes in zip(old.args, body.args, strict=True):
        assert isinstance(arg.type, MemRefType)
        types.append(_cut_type(arg.type, axes, sizes))
    new = Block(arg_types=types)
    values: dict[SSAValue, SSAValue] = {}
    for arg, fresh in zip(old.args, new.args, strict=True):
        fresh.name_hint = arg.name_hint
        values[arg] = fresh
    for op in old.ops:
        new.add_op(op.clone(value_mapper=values))
    old_ops, new_ops = list(_ops(old)), list(_ops(new))
    for was, op in zip(old_ops, new_ops, strict=True):
        if isinstance(was, scf.ForOp) and was in body.loops:
            assert isinstance(op, scf.ForOp)
            bound = arith.ConstantOp(IntegerAttr(_size(sizes, body.loops[was]), IndexType()))
            op_block = op.parent_block()
            assert op_block is not None
            op_block.insert_op_before(bound, op)
            was_bound = op.ub
            op.operands[1] = bound.result
            if not was_bound.uses and isinstance(was_bound.owner, arith.ConstantOp):
                was_bound.owner.detach()
                was_bound.owner.erase()
            continue
        fresh: Operation | None = None
        if isinstance(op, memref.AllocOp | memref.AllocaOp) and _is_block(op.memref.type, shape):
            t = op.memref.type
            assert isinstance(t, MemRefType)
            fresh = type(op).get(
                t.element_type, shape=list(_cut_type(t, _block_axes(shape), sizes).get_shape())
            )
        elif isinstance(op, dato.GetOp):
            t = op.result.type
            assert isinstance(t, MemRefType)
            name = op.stream.root_reference.data
            fresh = dato.GetOp(ports.get(name, name), [], _cut_type(t, _block_axes(shape), sizes))
        elif isinstance(op, dato.PutOp) and op.stream.root_reference.data in ports:
            fresh = dato.PutOp(ports[op.stream.root_reference.data], [], op.value)
        if fresh is None:
            continue
        fresh.attributes |= op.attributes
        op_block = op.parent_block()
        assert op_block is not None
        op_block.insert_op_before(fresh, op)
        for was_result, result in zip(op.results, fresh.results, strict=True):
            result.name_hint = was_result.name_hint
            was_result.replace_all_uses_with(result)
        op.detach()
        op.erase()
    return new


def _sub_grid(grid: tuple[int, ...], r: int, s: int) -> list[int]:
    """The refined grid: its last two dimensions times r and s (a 2-D grid's
    rows and columns; the M and N of Allo's [Pk, Pm, Pn] ping-pong grid,
    whose K dimension the chain runs along); a 1-D grid's instances each
    become r x s in a row."""
    if len(grid) >= 2:
        return [*grid[:-2], grid[-2] * r, grid[-1] * s]
    return [grid[0] * r * s]


def _sub_pid(pid: tuple[int, ...], r: int, s: int, u: int, v: int) -> tuple[int, ...]:
    """The pid of sub-block (u, v) of instance `pid` in `_sub_grid`."""
    if len(pid) >= 2:
        return (*pid[:-2], pid[-2] * r + u, pid[-1] * s + v)
    return (pid[0] * r * s + u * s + v,)


def cut_set(region: dato.RegionOp, bs: BlockSet, r: int, s: int) -> None:
    """Refine every group of the set by (r, s) and split each of its streams
    into r x s streams of sub-blocks (module docstring)."""
    m, n = bs.shape
    sizes = (m // r, None if n is None else n // s)
    taken = {op.sym_name.data for op in region.body.block.ops if isinstance(op, dato.StreamOp)}
    taken |= {i.name for g in region.groups() for i in g.instances()}
    parts: dict[str, list[list[str]]] = {}
    for decl in bs.streams:
        name = decl.sym_name.data
        parts[name] = [[fresh_name(f"{name}_{u}_{v}", taken) for v in range(s)] for u in range(r)]
        t = decl.stream_type
        element = t.element_type
        assert isinstance(element, MemRefType)
        object_type = _cut_type(element, _block_axes(bs.shape), sizes)
        for u in range(r):
            for v in range(s):
                part = dato.StreamOp(
                    parts[name][u][v], dato.StreamType(object_type, t.depth.data, t.packing.data)
                )
                part.attributes |= decl.attributes
                region.body.block.insert_op_before(part, decl)
        decl.detach()
        decl.erase()
    names = ArrayAttr([FlatSymbolRefAttr(g.sym_name.data) for g in bs.groups])
    for group, body in zip(bs.groups, bs.bodies, strict=True):
        # a region stream a single instance named itself becomes a port
        # bound to a different sub-stream in each new instance
        port_names = set(group.port_names)
        ports = {d: fresh_name(f"{d}_port", port_names) for d in body.direct}
        rows = []
        for inst in group.instances():
            for u in range(r):
                for v in range(s):
                    offsets = [list(o) for o in inst.offsets]
                    for k, axes in enumerate(body.args):
                        for d, axis in enumerate(axes):
                            if axis is not None:
                                offsets[k][d] += (u, v)[axis] * _size(sizes, axis)
                    streams = [parts[b][u][v] for b in (*inst.bindings, *body.direct)]
                    rows.append((_sub_pid(inst.pid, r, s, u, v), offsets, streams))
        rows.sort(key=lambda row: row[0])  # pids row-major: the simulator's order
        fresh = dato.GroupOp(
            group.sym_name.data,
            group.task.data,
            _sub_grid(group.grid_shape, r, s),
            list(group.args),
            [*group.port_names, *ports.values()],
            rows,
            _cut_body(group.body.block, body, bs.shape, sizes, ports),
        )
        fresh.attributes |= group.attributes
        fresh.attributes[RETILED] = ArrayAttr([IntegerAttr(r, i64), IntegerAttr(s, i64)])
        fresh.attributes[RETILED_WITH] = names
        region.body.block.insert_op_before(fresh, group)
        group.detach()
        group.erase()


def retile_region(region: dato.RegionOp, device: devices.NpuDevice) -> list[str]:
    """Cut every GEMM group that needs it; the groups cut, as `name r x s`."""
    budget = device.tile_budget
    named = folded_instances(region)
    done = []
    for group in list(region.groups()):
        if any(inst.name in named for inst in group.instances()):
            continue
        g = _gemm_of(group)
        cut = None if g is None else choose_cut(group, g, budget)
        if g is None or cut is None:
            continue
        retile(group, g, *cut)
        done.append(f"{group.sym_name.data} {cut[0]}x{cut[1]}")
    pending = [bs for bs in block_sets(region) if not _fits_as_written(bs, budget, False)]
    for k, bs in enumerate(pending):
        later = [(b, t[0]) for b in pending[k + 1 :] if (t := _tried(b, budget, device))]
        cut = choose_set_cut(region, bs, budget, device, later)
        if cut is not None:
            cut_set(region, bs, *cut)
            done.append(f"{'+'.join(g.sym_name.data for g in bs.groups)} {cut[0]}x{cut[1]}")
    return done


@dataclass(frozen=True)
class NpuRetileGemmPass(ModulePass):
    """Refine GEMM task grids whose C blocks do not fit a compute tile."""

    name = "dato-npu-retile-gemm"

    device: str = "npu1"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        model = devices.lookup(self.device)
        if model is None:
            return  # dato-physical-map names the unknown device
        for region in [o for o in op.walk() if isinstance(o, dato.RegionOp)]:
            retile_region(region, model)


__all__: Sequence[str] = [
    "RETILED",
    "RETILED_WITH",
    "NpuRetileGemmPass",
    "block_sets",
    "choose_cut",
    "choose_set_cut",
    "pointwise",
    "retile_region",
]
