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
write no box of an array do not take it. When the free compute cores do not
allow a task per part, consecutive parts are packed into as many tasks as
they do (a packed task's box is the bounding box of its parts', which must
still meet no other). Loaders that only forward the task a block
(npu_elide_loaders) count as free cores: once the task is cut, each piece
gets one such block, and when the design still has more instances than
cores, the pieces read their blocks themselves and the loaders go.

Only arrays of more than `WHOLE_BYTES` are cut (smaller ones fit a tile
whole); only arrays every use of which is an element store, that no other
task touches; boxes of elements narrower than a 32-bit DMA word start and
end on word boundaries. Each split task is marked `dato.compiler_chosen` and
`dato.split_from` (the instance it was)."""

from __future__ import annotations

from dataclasses import dataclass, field

from xdsl.context import Context
from xdsl.dialects import arith, memref
from xdsl.dialects.builtin import IndexType, MemRefType, ModuleOp, StringAttr, UnitAttr
from xdsl.ir import Block, BlockArgument, Operation, OpResult, SSAValue
from xdsl.passes import ModulePass
from xdsl.traits import IsTerminator, is_side_effect_free

from dato_xdsl import devices
from dato_xdsl.diagnostics import op_error
from dato_xdsl.dialects import dato
from dato_xdsl.dialects.aie import element_bits, memref_bytes
from dato_xdsl.transforms.npu_chain_search import folded_instances
from dato_xdsl.transforms.npu_elide_loaders import elide_loaders, forwarded_to
from dato_xdsl.transforms.npu_forwarding import FORWARDS, SPLIT_FROM, fresh_name
from dato_xdsl.transforms.npu_plan import plan_group
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


def _clonable(op: Operation) -> bool:
    """An op every part may have a copy of (a constant): no operands, no
    regions, no effects, no memref result."""
    return (
        not op.operands
        and not op.regions
        and not any(isinstance(r.type, MemRefType) for r in op.results)
        and is_side_effect_free(op)
    )


def _top_ancestor(op: Operation, body: Block) -> Operation | None:
    while op.parent_block() is not body:
        parent = op.parent_op()
        if parent is None:
            return None
        op = parent
    return op


def _store_only(arg: BlockArgument) -> list[memref.StoreOp] | None:
    """The element stores into `arg`, when they are its only uses."""
    stores: list[memref.StoreOp] = []
    for use in arg.uses:
        op = use.operation
        if not isinstance(op, memref.StoreOp) or op.memref is not arg or op.value is arg:
            return None
        stores.append(op)
    return stores or None


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
        if _clonable(op) or op.has_trait(IsTerminator):
            continue
        for inner in op.walk():
            for value in inner.operands:
                if isinstance(value, BlockArgument) and value.owner is body:
                    if written[value.index] and value.index not in cut:
                        join(i, ("arg", value.index))
                elif isinstance(value, OpResult):
                    j = at.get(_top_ancestor(value.op, body))  # type: ignore[arg-type]
                    if j is not None and j != i and not _clonable(top[j]):
                        union[find(i)] = find(j)
            if isinstance(inner, dato.PutOp | dato.GetOp):
                join(i, ("stream", inner.stream.root_reference.data))
    parts: dict[int, _Part] = {}
    for i, op in enumerate(top):
        if _clonable(op) or op.has_trait(IsTerminator):
            continue
        parts.setdefault(find(i), _Part([])).ops.append(i)
    return sorted(parts.values(), key=lambda p: p.ops[0])


def _rect(stores: list[memref.StoreOp], pid: tuple[int, ...]) -> Rect | None:
    dims = access_lattices(stores, pid)
    if dims is None:
        return None
    return tuple(lo for lo, _, _ in dims), tuple(hi - lo + 1 for lo, hi, _ in dims)


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


def _pack(parts: list[_Part], most: int) -> list[_Part]:
    """Consecutive parts in at most `most` tasks, as even as can be."""
    if len(parts) <= most:
        return parts
    out: list[_Part] = []
    for n in range(most):
        chunk = parts[n * len(parts) // most : (n + 1) * len(parts) // most]
        merged = _Part([i for p in chunk for i in p.ops])
        for p in chunk:
            for k, r in p.boxes.items():
                merged.boxes[k] = _union(merged.boxes[k], r) if k in merged.boxes else r
        out.append(merged)
    return out


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
            plan.writes[k]
            and isinstance(t, MemRefType)
            and memref_bytes(t) > whole_bytes
            and users[group.args[k]] == 1
            and list(group.args).count(group.args[k]) == 1
            and _store_only(arg) is not None
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
                    s for s in _store_only(body.args[k]) or [] if id(_top_ancestor(s, body)) in held
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
        packed = _pack(parts, spare + 1)
        if len(packed) < 2 or any(not _disjoint(packed, k) for k in cut):
            return None
        return packed
    return None


def split_pieces(
    region: dato.RegionOp, group: dato.GroupOp, parts: list[_Part], taken: set[str]
) -> list[dato.GroupOp]:
    """A one-instance group per part, before `group`, which is erased."""
    inst = group.instances()[0]
    out: list[dato.GroupOp] = []
    for n, part in enumerate(parts):
        keep = set(part.ops)
        body = group.body.clone().detach_block(0)
        ops = list(body.ops)
        for i in reversed(range(len(ops))):
            op = ops[i]
            if i in keep or op.has_trait(IsTerminator):
                continue
            if _clonable(op) and any(r.uses for r in op.results):
                continue
            op.detach()
            op.erase()
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
    """Body argument `k` becomes its box: stores subtract the box offsets."""
    old = body.args[k]
    t = old.type
    assert isinstance(t, MemRefType)
    new = body.insert_arg(MemRefType(t.element_type, shape), k)
    new.name_hint = old.name_hint
    for use in list(old.uses):
        store = use.operation
        assert isinstance(store, memref.StoreOp)
        where = store.parent_block()
        assert where is not None
        indices: list[SSAValue] = []
        for index, off in zip(store.indices, offsets, strict=True):
            same = _shifted(index, off, pid)
            if same is not None:
                indices.append(same)
                continue
            if off == 0:
                indices.append(index)
                continue
            c = arith.ConstantOp.from_int_and_width(off, IndexType())
            sub = arith.SubiOp(index, c.result)
            where.insert_ops_before([c, sub], store)
            indices.append(sub.result)
        fresh = memref.StoreOp.get(store.value, new, indices)
        where.insert_op_before(fresh, store)
        store.detach()
        store.erase()
    body.erase_arg(old)


def write_pieces(region: dato.RegionOp, cores: int, whole_bytes: int = WHOLE_BYTES) -> list[str]:
    """Split every task the module doc describes; the new tasks' names."""
    taken = {g.sym_name.data for g in region.groups()} | {
        i.name for g in region.groups() for i in g.instances()
    }
    added: list[str] = []
    for group in list(region.groups()):
        insts = group.instances()
        # loaders that only forward this task a block leave once it is split
        # (elide_loaders: each piece then reads its block itself)
        freed = forwarded_to(region).get(insts[0].name, 0) if len(insts) == 1 else 0
        spare = cores - sum(len(g.instances()) for g in region.groups()) + freed
        parts = plan_pieces(region, group, spare, whole_bytes)
        if parts is None:
            continue
        added += [g.sym_name.data for g in split_pieces(region, group, parts, taken)]
    if added and sum(len(g.instances()) for g in region.groups()) > cores:
        elide_loaders(region)
    return added


@dataclass(frozen=True)
class NpuWritePiecesPass(ModulePass):
    """Split a task writing a large output piece by piece into a task per piece."""

    name = "dato-npu-write-pieces"

    device: str = "npu1"

    whole_bytes: int = WHOLE_BYTES
    """Arrays up to this size are not cut (`WHOLE_BYTES`)."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        device = devices.lookup(self.device)
        for region in [o for o in op.walk() if isinstance(o, dato.RegionOp)]:
            if device is None:
                raise op_error(
                    region, f"unknown device '{self.device}'; known: {', '.join(devices.DEVICES)}"
                )
            write_pieces(region, device.compute_cores, self.whole_bytes)
