"""`dato-npu-write-pieces`: an output a task writes piece after piece, split
into tasks that each write one piece.

A collector that writes a large array in turns (`with meta_for(0, P) as p:
blk = rows[p].get(); ... b[j, p * R + i] = blk[i, j]`: one column block of
`b` per turn) would hold all of `b` on its tile and send it back at its end,
though each turn touches only its own box. Here the body's top-level ops are
cut into parts nothing joins (no value flows between them, no stream and no
other written array is used by two parts: npu_forwarding's independent parts),
while the large write-only arguments do not join them when each part's element
stores (npu_write_boxes' lattices, evaluated for the instance) fall in a box
that no other part's box meets. Each part becomes a one-instance task taking
only its box of the array (the slice offset moves to the box and the stores
subtract it), so every piece goes to the host on its own and no tile holds
more than one piece; the memtile joins the pieces as it joins sharded outputs.

The parts are the old task's ops in their order, each stream used by one part
only: the old task is one schedule of the new ones, so they finish whenever
it does and every stream sees the same elements in the same order. Parts that
write no box of an array do not take it. Views only copied into count as
stores of the view's box (`b[p * R:(p + 1) * R, :] = s.get()`). When the free compute cores do not
allow a task per part, consecutive parts run in turn on one core: a
compiler-chosen `dato.chain` of their tasks, so each keeps its own block and
the blocks leave one after another through one fifo (as a bundle's or
chain's blocks do). Loaders that only forward the task a block
(npu_elide_loaders) count as free cores: once the task is cut, each piece
gets one such block, and when the design still has more instances than
cores, the pieces read their blocks themselves and the loaders go.

A local filled piece by piece and then copied whole into the output at the
end of its life (`b[:, :] = dato.gather(pipe)`) is the output itself first
(forward_final_copy), when the output is then still written whole before
any read and only by writes the cut handles: the gather's rows are then
pieces as those of `b[p, :] = pipe[p].get()` are.

Only arrays of more than `WHOLE_BYTES` are cut (smaller ones fit a tile
whole); only arrays every use of which is an element store or a view only
copied into, that no other task touches; boxes of elements narrower than a 32-bit DMA word start and
end on word boundaries. Each split task is marked `dato.compiler_chosen` and
`dato.split_from` (the instance it was)."""

from __future__ import annotations

from dataclasses import dataclass, field

from xdsl.context import Context
from xdsl.dialects import arith, memref
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    DenseArrayBase,
    IndexType,
    MemRefType,
    ModuleOp,
    StridedLayoutAttr,
    StringAttr,
    UnitAttr,
    i64,
)
from xdsl.ir import Block, BlockArgument, Operation, OpResult, SSAValue
from xdsl.passes import ModulePass
from xdsl.traits import IsTerminator

from dato_xdsl import devices
from dato_xdsl.diagnostics import op_error
from dato_xdsl.dialects import dato
from dato_xdsl.dialects.aie import element_bits, memref_bytes
from dato_xdsl.transforms.constant_tables import table_values
from dato_xdsl.transforms.npu_chain_search import folded_instances
from dato_xdsl.transforms.npu_elide_loaders import (
    elide_loaders,
    forwarded_to,
    processing_elements,
    tile_budget,
)
from dato_xdsl.transforms.npu_forwarding import (
    FORWARDS,
    SPLIT_FROM,
    clonable,
    fresh_name,
    piece_body,
)
from dato_xdsl.transforms.npu_plan import arg_access, plan_group
from dato_xdsl.transforms.npu_read_boxes import WHOLE_BYTES
from dato_xdsl.transforms.npu_write_boxes import access_lattices, index_lattice

WORD_BITS = 32
"""A piece of narrow elements may not start or end inside a DMA word."""

Rect = tuple[tuple[int, ...], tuple[int, ...]]
"""Offsets and shape of a box."""


@dataclass
class _Part:
    ops: list[int]
    """Indices into the body's top-level ops, in program order."""
    boxes: dict[int, Rect] = field(default_factory=dict)
    """Per cut argument the part stores to, the box of its stores."""


def _top_ancestor(op: Operation, body: Block) -> Operation | None:
    while op.parent_block() is not body:
        parent = op.parent_op()
        if parent is None:
            return None
        op = parent
    return op


Write = memref.StoreOp | memref.SubviewOp
"""An element store into the argument, or a view of it only copied into."""


def _writes(arg: BlockArgument) -> list[Write] | None:
    """The element stores into `arg` and its views that copies only write
    (`b[p, :] = s.get()`: static sizes, unit strides), when these are its
    only uses."""
    out: list[Write] = []
    for use in arg.uses:
        op = use.operation
        if isinstance(op, memref.StoreOp) and op.memref is arg and op.value is not arg:
            out.append(op)
        elif (
            isinstance(op, memref.SubviewOp)
            and op.source is arg
            and not op.sizes
            and not op.strides
            and all(s == 1 for s in op.static_strides.get_values())
            and _view_dims(op) is not None
            and op.result.uses
            and all(
                isinstance(u.operation, memref.CopyOp)
                and u.operation.destination is op.result
                and u.operation.source is not op.result
                for u in op.result.uses
            )
        ):
            out.append(op)
        else:
            return None
    return out or None


def _view_dims(op: memref.SubviewOp) -> list[int | None] | None:
    """Per source dim, the result dim it becomes (None: dropped by a
    rank-reducing view); None when that is ambiguous."""
    src = op.source.type
    res = op.result.type
    assert isinstance(src, MemRefType) and isinstance(res, MemRefType)
    sizes = list(op.static_sizes.get_values())
    if len(src.get_shape()) == len(res.get_shape()):
        return list(range(len(sizes)))
    kept = [d for d, n in enumerate(sizes) if n != 1]
    if len(kept) != len(res.get_shape()):
        return None
    out: list[int | None] = [None] * len(sizes)
    for e, d in enumerate(kept):
        out[d] = e
    return out


def _view_offsets(op: memref.SubviewOp) -> list[SSAValue | int]:
    """Per dim, the view's offset: its operand when dynamic, else the value."""
    dynamic = iter(op.offsets)
    return [next(dynamic) if o == DYNAMIC_INDEX else o for o in op.static_offsets.get_values()]


def _write_rect(op: Write, pid: tuple[int, ...]) -> Rect | None:
    """The bounding box of what one write site writes in this instance."""
    if isinstance(op, memref.StoreOp):
        dims = access_lattices([op], pid)
        if dims is None:
            return None
        return tuple(lo for lo, _, _ in dims), tuple(hi - lo + 1 for lo, hi, _ in dims)
    lows: list[int] = []
    sizes: list[int] = []
    for off, n in zip(_view_offsets(op), op.static_sizes.get_values(), strict=True):
        if isinstance(off, int):
            lo = hi = off
        else:
            found = index_lattice(off, pid)
            if found is None:
                return None
            lo, hi = found[0], found[1]
        lows.append(lo)
        sizes.append(hi - lo + n)
    return tuple(lows), tuple(sizes)


def _parts(body: Block, cut: set[int], written: list[bool]) -> list[_Part]:
    """The body's top-level ops in parts nothing joins, the arguments in
    `cut` aside."""
    top = list(body.ops)
    at = {op: i for i, op in enumerate(top)}
    union = list(range(len(top)))

    def find(i: int) -> int:
        while union[i] != i:
            union[i] = union[union[i]]
            i = union[i]
        return i

    first: dict[object, int] = {}

    def join(i: int, key: object) -> None:
        union[find(i)] = find(first.setdefault(key, i))

    for i, op in enumerate(top):
        if clonable(op) or op.has_trait(IsTerminator):
            continue
        for inner in op.walk():
            for value in inner.operands:
                if isinstance(value, BlockArgument) and value.owner is body:
                    if written[value.index] and value.index not in cut:
                        join(i, ("arg", value.index))
                elif isinstance(value, OpResult):
                    j = at.get(_top_ancestor(value.op, body))  # type: ignore[arg-type]
                    if j is not None and j != i and not clonable(top[j]):
                        union[find(i)] = find(j)
            if isinstance(inner, dato.PutOp | dato.GetOp):
                join(i, ("stream", inner.stream.root_reference.data))
    parts: dict[int, _Part] = {}
    for i, op in enumerate(top):
        if clonable(op) or op.has_trait(IsTerminator):
            continue
        parts.setdefault(find(i), _Part([])).ops.append(i)
    return sorted(parts.values(), key=lambda p: p.ops[0])


def _rect(sites: list[Write], pid: tuple[int, ...]) -> Rect | None:
    """The bounding box of what `sites` write in this instance."""
    out: Rect | None = None
    for site in sites:
        rect = _write_rect(site, pid)
        if rect is None:
            return None
        out = rect if out is None else _union(out, rect)
    return out


def _meet(a: Rect, b: Rect) -> bool:
    return all(
        ao < bo + bs and bo < ao + as_
        for ao, as_, bo, bs in zip(a[0], a[1], b[0], b[1], strict=True)
    )


def _union(a: Rect, b: Rect) -> Rect:
    lo = tuple(min(x, y) for x, y in zip(a[0], b[0], strict=True))
    hi = tuple(
        max(ao + as_, bo + bs) for ao, as_, bo, bs in zip(a[0], a[1], b[0], b[1], strict=True)
    )
    return lo, tuple(h - o for h, o in zip(hi, lo, strict=True))


def _fits_words(rect: Rect, t: MemRefType) -> bool:
    bits = element_bits(t.element_type)
    if bits >= WORD_BITS:
        return True
    return (rect[0][-1] * bits) % WORD_BITS == 0 and (rect[1][-1] * bits) % WORD_BITS == 0


def _disjoint(parts: list[_Part], k: int) -> bool:
    rects = [p.boxes[k] for p in parts if k in p.boxes]
    return all(
        not _meet(rects[x], rects[y]) for x in range(len(rects)) for y in range(x + 1, len(rects))
    )


def _final_copy(arg: BlockArgument) -> tuple[memref.CopyOp, Operation] | None:
    """The copy that writes all of `arg` from a local at the end of its life
    (`b[:, :] = dato.gather(pipe)`: a local filled row by row, then copied
    whole into b), and the local's allocation, when the copy is `arg`'s only
    use and every use of the local comes before it."""
    body = arg.block
    uses = list(arg.uses)
    if len(uses) != 1:
        return None
    copy = uses[0].operation
    if (
        not isinstance(copy, memref.CopyOp)
        or copy.destination is not arg
        or copy.parent_block() is not body
    ):
        return None
    alloc = copy.source.owner
    if (
        not isinstance(alloc, memref.AllocOp | memref.AllocaOp)
        or alloc.parent_block() is not body
        or table_values(alloc) is not None
        or copy.source.type != arg.type
    ):
        return None
    for use in copy.source.uses:
        top = body.find_ancestor_op_in_block(use.operation)
        if top is None or (top is not copy and not top.is_before_in_block(copy)):
            return None
    return copy, alloc


def forward_final_copy(arg: BlockArgument, whole_bytes: int) -> bool:
    """The local `_final_copy` finds becomes `arg` itself (its writes go
    straight into the output, the copy and the local go) when `arg` is then
    still written whole before any read (its host copy need not come in) and
    every use is a write `plan_pieces` can cut (element stores, views only
    copied into) of an array over `whole_bytes`: the rows of
    `b[:, :] = dato.gather(pipe)` are then pieces as those of
    `b[p, :] = pipe[p].get()` are. Nothing reads the local after the copy,
    and the output's elements are only what the copy wrote, so every read
    and the array sent out are unchanged. Otherwise the body is left as it
    was; True when forwarded."""
    t = arg.type
    found = _final_copy(arg)
    if found is None or not isinstance(t, MemRefType) or memref_bytes(t) <= whole_bytes:
        return False
    copy, alloc = found
    body = arg.block
    after = copy.next_op
    body.erase_op(copy)
    local = alloc.results[0]
    local.replace_all_uses_with(arg)
    if not arg_access(arg)[0] and _writes(arg) is not None:
        body.erase_op(alloc)
        return True
    # not provably a plain overwrite: back as it was
    for use in list(arg.uses):
        use.operation.operands[use.index] = local
    restored = memref.CopyOp(local, arg)
    if after is None:
        body.add_op(restored)
    else:
        body.insert_op_before(restored, after)
    return False


def _runs(groups: list[dato.GroupOp], most: int) -> list[list[dato.GroupOp]]:
    """Consecutive groups in at most `most` runs, as even as can be."""
    n = min(most, len(groups))
    return [groups[k * len(groups) // n : (k + 1) * len(groups) // n] for k in range(n)]


def plan_pieces(
    region: dato.RegionOp, group: dato.GroupOp, spare: int, whole_bytes: int = WHOLE_BYTES
) -> list[_Part] | None:
    """The parts `group` is split into (each with its boxes), or None."""
    insts = group.instances()
    if (
        len(insts) != 1
        or spare < 1
        or group.port_names
        or FORWARDS in group.attributes
        or insts[0].name in folded_instances(region)
    ):
        return None
    plan = plan_group(group)
    if plan.matmul is not None or plan.local_matmul is not None:
        return None
    body = group.body.block
    pid = tuple(insts[0].pid)
    users: dict[SSAValue, int] = {}
    for g in region.groups():
        for operand in g.args:
            users[operand] = users.get(operand, 0) + 1
    cut: set[int] = set()
    for k, arg in enumerate(body.args):
        t = arg.type
        if (
            users[group.args[k]] == 1
            and list(group.args).count(group.args[k]) == 1
            and forward_final_copy(arg, whole_bytes)
        ):
            plan = plan_group(group)  # the local is gone
        if (
            plan.writes[k]
            and isinstance(t, MemRefType)
            and memref_bytes(t) > whole_bytes
            and users[group.args[k]] == 1
            and list(group.args).count(group.args[k]) == 1
            and _writes(arg) is not None
        ):
            cut.add(k)
    top = list(body.ops)
    while cut:
        parts = _parts(body, cut, plan.writes)
        failed: set[int] = set()
        for part in parts:
            held = {id(top[i]) for i in part.ops}
            for k in cut:
                stores = [
                    s for s in _writes(body.args[k]) or [] if id(_top_ancestor(s, body)) in held
                ]
                if not stores:
                    continue
                rect = _rect(stores, pid)
                t = body.args[k].type
                assert isinstance(t, MemRefType)
                if rect is None or not _fits_words(rect, t):
                    failed.add(k)
                else:
                    part.boxes[k] = rect
        failed |= {k for k in cut - failed if not _disjoint(parts, k)}
        if failed:
            cut -= failed
            continue
        if len([p for p in parts if p.boxes]) < 2:
            return None
        if spare < 1:
            return None
        return parts
    return None


def split_pieces(
    region: dato.RegionOp, group: dato.GroupOp, parts: list[_Part], taken: set[str]
) -> list[dato.GroupOp]:
    """A one-instance group per part, before `group`, which is erased."""
    inst = group.instances()[0]
    out: list[dato.GroupOp] = []
    for n, part in enumerate(parts):
        body = piece_body(group, set(part.ops))
        for k, (offsets, shape) in part.boxes.items():
            _narrow(body, k, offsets, shape, tuple(inst.pid))
        used = [k for k, arg in enumerate(body.args) if arg.uses]
        for arg in reversed([a for k, a in enumerate(body.args) if k not in used]):
            body.erase_arg(arg)
        name = (
            group.sym_name.data if n == 0 else fresh_name(f"{group.sym_name.data}_piece{n}", taken)
        )
        task = group.task.data if n == 0 else name
        offsets = [
            [o + b for o, b in zip(inst.offsets[k], part.boxes[k][0], strict=True)]
            if k in part.boxes
            else list(inst.offsets[k])
            for k in used
        ]
        split = dato.GroupOp(
            name,
            task,
            group.grid_shape,
            [group.args[k] for k in used],
            [],
            [(inst.pid, offsets, [])],
            body,
        )
        for key, value in group.attributes.items():
            split.attributes[key] = value
        split.attributes[SPLIT_FROM] = StringAttr(inst.name)
        split.attributes[dato.COMPILER_CHOSEN] = UnitAttr()
        split.location = group.location
        region.body.block.insert_op_before(split, group)
        out.append(split)
    group.detach()
    group.erase()
    return out


def _shifted(index: SSAValue, off: int, pid: tuple[int, ...]) -> SSAValue | None:
    """`index - off` as a value the body has, when `index` is `x + off` (an
    addition one of whose terms is `off` for the instance): then a store at
    `p * R + i` into column block p is one at `i`, which later passes read
    as the loop variable running over the block's dim."""
    owner = index.owner
    if not isinstance(owner, arith.AddiOp):
        return None
    for term, other in ((owner.rhs, owner.lhs), (owner.lhs, owner.rhs)):
        fixed = index_lattice(term, pid)
        if fixed is not None and fixed[0] == fixed[1] == off:
            return other
    return None


def _narrow(
    body: Block, k: int, offsets: tuple[int, ...], shape: tuple[int, ...], pid: tuple[int, ...]
) -> None:
    """Body argument `k` becomes its box: stores and views subtract the box
    offsets (an index fixed for the instance becomes a constant, so later
    passes see which elements a store or copy covers)."""
    old = body.args[k]
    t = old.type
    assert isinstance(t, MemRefType)
    new = body.insert_arg(MemRefType(t.element_type, shape), k)
    new.name_hint = old.name_hint
    for use in list(old.uses):
        op = use.operation
        where = op.parent_block()
        assert where is not None
        if isinstance(op, memref.StoreOp):
            indices = [
                _minus(where, op, i, off, pid) for i, off in zip(op.indices, offsets, strict=True)
            ]
            fresh: Operation = memref.StoreOp.get(op.value, new, indices)
        else:
            assert isinstance(op, memref.SubviewOp)
            fresh = _view(where, op, new, offsets, pid)
            op.result.replace_all_uses_with(fresh.results[0])
        where.insert_op_before(fresh, op)
        op.detach()
        op.erase()
    body.erase_arg(old)


def _minus(
    where: Block, before: Operation, index: SSAValue, off: int, pid: tuple[int, ...]
) -> SSAValue:
    """`index - off`, inserted before `before` when it needs new ops."""
    fixed = index_lattice(index, pid)
    if fixed is not None and fixed[0] == fixed[1]:
        c = arith.ConstantOp.from_int_and_width(fixed[0] - off, IndexType())
        where.insert_op_before(c, before)
        return c.result
    same = _shifted(index, off, pid)
    if same is not None:
        return same
    if off == 0:
        return index
    c = arith.ConstantOp.from_int_and_width(off, IndexType())
    sub = arith.SubiOp(index, c.result)
    where.insert_ops_before([c, sub], before)
    return sub.result


def _view(
    where: Block,
    op: memref.SubviewOp,
    source: SSAValue,
    offsets: tuple[int, ...],
    pid: tuple[int, ...],
) -> memref.SubviewOp:
    """`op` on the box `source`: its offsets less the box's, its layout the
    box's strides."""
    dynamic: list[SSAValue] = []
    static: list[int] = []
    for off, box in zip(_view_offsets(op), offsets, strict=True):
        if isinstance(off, int):
            static.append(off - box)
        else:
            static.append(DYNAMIC_INDEX)
            dynamic.append(_minus(where, op, off, box, pid))
    st = source.type
    assert isinstance(st, MemRefType)
    strides = [1] * len(st.get_shape())
    for d in range(len(strides) - 2, -1, -1):
        strides[d] = strides[d + 1] * st.get_shape()[d + 1]
    dims = _view_dims(op)
    assert dims is not None
    t = op.result.type
    assert isinstance(t, MemRefType)
    kept = [strides[d] for d, e in enumerate(dims) if e is not None]
    offset = None if dynamic else sum(o * s for o, s in zip(static, strides, strict=True))
    return memref.SubviewOp(
        source,
        dynamic,
        [],
        [],
        DenseArrayBase.from_list(i64, static),
        op.static_sizes,
        op.static_strides,
        MemRefType(t.element_type, t.get_shape(), StridedLayoutAttr(kept, offset)),
    )


def write_pieces(
    region: dato.RegionOp,
    cores: int,
    whole_bytes: int = WHOLE_BYTES,
    memory: int | None = None,
) -> list[str]:
    """Split every task the module doc describes; the new tasks' names."""
    taken = {g.sym_name.data for g in region.groups()} | {
        i.name for g in region.groups() for i in g.instances()
    }
    added: list[str] = []
    # loaders that only forward a task a block leave once it is split
    # (elide_loaders: each piece then reads its block itself); splitting
    # other tasks changes no loader's stream
    forwarded = forwarded_to(region)
    for group in list(region.groups()):
        insts = group.instances()
        freed = forwarded.get(insts[0].name, 0) if len(insts) == 1 else 0
        spare = cores - processing_elements(region) + freed
        parts = plan_pieces(region, group, spare, whole_bytes)
        if parts is None:
            continue
        split = split_pieces(region, group, parts, taken)
        added += [g.sym_name.data for g in split]
        # more pieces than free cores: consecutive pieces run in turn on one
        # core (a chain), each piece's block leaving through one fifo
        for run in _runs(split, spare + 1):
            if len(run) > 1:
                chain = dato.ChainOp([g.instances()[0].name for g in run])
                chain.attributes[dato.COMPILER_CHOSEN] = UnitAttr()
                region.body.block.add_op(chain)
    if added and processing_elements(region) > cores:
        elide_loaders(region)
    elif added and memory is not None:
        elide_loaders(region, memory)  # the loaders whose tile would refuse them
    return added


@dataclass(frozen=True)
class NpuWritePiecesPass(ModulePass):
    """Split a task writing a large output piece by piece into a task per piece."""

    name = "dato-npu-write-pieces"

    device: str = "npu1"

    whole_bytes: int = WHOLE_BYTES
    """Arrays up to this size are not cut (`WHOLE_BYTES`)."""

    cores: int = 0
    """The compute cores to plan for (0: the device's)."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        device = devices.lookup(self.device)
        for region in [o for o in op.walk() if isinstance(o, dato.RegionOp)]:
            if device is None:
                raise op_error(
                    region, f"unknown device '{self.device}'; known: {', '.join(devices.DEVICES)}"
                )
            write_pieces(
                region, self.cores or device.compute_cores, self.whole_bytes, tile_budget(device)
            )
