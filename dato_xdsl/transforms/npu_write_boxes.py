"""Outputs that several instances update in disjoint parts, on the NPU.

A systolic array's PEs each store their own elements of one unsharded C
(`C[i - 1, j - 1] = c`), so every instance's block of C is all of C and the
DMA, which writes whole blocks, would let the last writer win. Here each
instance's stores are evaluated with its pid: every index is a constant, a pid
expression or a loop variable with constant bounds, giving the box of C the
instance writes. When every instance of a group writes a box of one shape and
no two boxes overlap, the box is the instance's block of C: the core keeps a
buffer of C's type for the body and moves only its box (in, when the stores do
not provably write all of it, and out), so blocks from many cores join into C
through the memtiles as sharded outputs do. An index may also use //, %,
comparisons and selects of values fixed for the instance (the frontend's
`p // 3` and `p % 3` on a pid or an unrolled meta_for variable): they are
evaluated for the instance.

A box may be strided: a tiled systolic array's PE stores
`C[m * Mt + i - 1, n * Nt + j - 1]` for every tile (m, n), every Mt-th row and
Nt-th column, so its box is a lattice (offsets, a count per dim, a step per
dim). The core copies the lattice's elements into a compact object of the
box's shape and the host DMA scatters them with the steps as strides; two
PEs' lattices are disjoint when they share no element, though their bounding
rectangles overlap."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from xdsl.dialects import arith, memref, scf
from xdsl.dialects.builtin import MemRefType
from xdsl.ir import Block, BlockArgument, Operation, SSAValue

from dato_xdsl.dialects import dato
from dato_xdsl.transforms.ir_constants import int_constant


@dataclass(frozen=True)
class Box:
    offsets: tuple[int, ...]
    shape: tuple[int, ...]
    """Elements per dim (of the lattice when strided)."""
    whole: bool
    """The stores provably write every element of the box."""
    step: tuple[int, ...] = ()
    """Per dim, the distance between the box's elements; () when all 1."""

    def steps(self) -> tuple[int, ...]:
        return self.step or (1,) * len(self.shape)

    def elements(self, d: int) -> range:
        """The indices of dim `d` the box covers."""
        s = self.steps()[d]
        return range(self.offsets[d], self.offsets[d] + self.shape[d] * s, s)


def _loop_of(v: SSAValue) -> scf.ForOp | None:
    if isinstance(v, BlockArgument) and isinstance(v.block.parent_op(), scf.ForOp):
        loop = v.block.parent_op()
        assert isinstance(loop, scf.ForOp)
        if v is loop.body.block.args[0]:
            return loop
    return None


Lattice = tuple[int, int, int]
"""Inclusive [lo, hi] of an index and a step every value is lo plus a
multiple of (0 when lo == hi)."""


def index_lattice(v: SSAValue, pid: tuple[int, ...], depth: int = 0) -> Lattice | None:
    """The values an index takes in this instance, or None."""
    if depth > 32:
        return None
    c = int_constant(v)
    if c is not None:
        return c, c, 0
    owner = v.owner
    if isinstance(owner, dato.PidOp):
        k = list(owner.results).index(v)  # type: ignore[arg-type]
        return pid[k], pid[k], 0
    loop = _loop_of(v)
    if loop is not None:
        lb, ub, step = (_fixed(x, pid, depth) for x in (loop.lb, loop.ub, loop.step))
        if lb is None or ub is None or step is None or step <= 0 or ub <= lb:
            return None
        hi = lb + step * ((ub - lb - 1) // step)
        return lb, hi, step if hi > lb else 0
    if isinstance(owner, arith.IndexCastOp):
        return index_lattice(owner.input, pid, depth + 1)
    if isinstance(owner, arith.AddiOp | arith.SubiOp | arith.MuliOp):
        a = index_lattice(owner.lhs, pid, depth + 1)
        b = index_lattice(owner.rhs, pid, depth + 1)
        if a is None or b is None:
            return None
        if isinstance(owner, arith.AddiOp):
            return a[0] + b[0], a[1] + b[1], math.gcd(a[2], b[2])
        if isinstance(owner, arith.SubiOp):
            return a[0] - b[1], a[1] - b[0], math.gcd(a[2], b[2])
        corners = [x * y for x in a[:2] for y in b[:2]]
        if a[0] == a[1] or b[0] == b[1]:
            # a constant factor scales the step
            c, other = (a[0], b) if a[0] == a[1] else (b[0], a)
            return min(corners), max(corners), abs(c) * other[2]
        return min(corners), max(corners), 1
    return _folded(owner, pid, depth) if isinstance(owner, Operation) else None


def _truncated(a: int, b: int) -> int:
    """a / b rounded toward zero (arith.divsi)."""
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


_FOLDED: dict[type[Operation], Callable[[int, int], int | None]] = {
    arith.FloorDivSIOp: lambda a, b: a // b if b else None,
    arith.DivSIOp: lambda a, b: _truncated(a, b) if b else None,
    arith.CeilDivSIOp: lambda a, b: -(-a // b) if b else None,
    arith.RemSIOp: lambda a, b: a - b * _truncated(a, b) if b else None,
    arith.DivUIOp: lambda a, b: a // b if b > 0 and a >= 0 else None,
    arith.RemUIOp: lambda a, b: a % b if b > 0 and a >= 0 else None,
    arith.MaxSIOp: max,
    arith.MinSIOp: min,
}
"""Integer ops on two values fixed for the instance, by the value they give
(None: undefined, or unsigned on a negative value)."""

_PREDICATES: tuple[Callable[[int, int], bool], ...] = (
    lambda a, b: a == b,
    lambda a, b: a != b,
    lambda a, b: a < b,
    lambda a, b: a <= b,
    lambda a, b: a > b,
    lambda a, b: a >= b,
)
"""`arith.cmpi` eq, ne, slt, sle, sgt, sge (predicates 0-5); ult, ule, ugt,
uge (6-9) compare as slt .. sge on values that are not negative."""


def _folded(owner: Operation, pid: tuple[int, ...], depth: int) -> Lattice | None:
    """The value of an integer op other than +, - and * whose operands are
    fixed for the instance (the frontend writes an index's `//` as
    floordivsi, its `%` as remsi, cmpi and a select fixing the sign: the
    rows of `b[6 * (p // 3) + (p % 3) * (p % 3 + 1) // 2 + t, :]` in an
    unrolled meta_for); None otherwise."""
    if isinstance(owner, arith.SelectOp):
        cond = _fixed(owner.cond, pid, depth)
        if cond is None:
            return None
        return index_lattice(owner.lhs if cond else owner.rhs, pid, depth + 1)
    rule = _FOLDED.get(type(owner))
    if (rule is None and not isinstance(owner, arith.CmpiOp)) or len(owner.operands) != 2:
        return None
    a, b = (_fixed(x, pid, depth) for x in owner.operands)
    if a is None or b is None:
        return None
    if isinstance(owner, arith.CmpiOp):
        kind = owner.predicate.value.data
        if kind >= len(_PREDICATES) + 4 or (kind >= len(_PREDICATES) and min(a, b) < 0):
            return None
        value = int(_PREDICATES[kind if kind < len(_PREDICATES) else kind - 4](a, b))
        return value, value, 0
    assert rule is not None
    found = rule(a, b)
    return None if found is None else (found, found, 0)


OpT = TypeVar("OpT", bound=Operation)


def sole_users(
    group: dato.GroupOp, k: int, kind: type[OpT], takes: Callable[[OpT, SSAValue], bool]
) -> tuple[MemRefType, list[OpT]] | None:
    """Body argument `k`'s memref type and the ops using it, when it is a used
    memref and every use is a `kind` op for which `takes(op, arg)` (the op
    takes it only where the caller knows how to move it); otherwise None."""
    arg = group.body.block.args[k]
    t = arg.type
    if not isinstance(t, MemRefType) or not arg.uses:
        return None
    users: list[OpT] = []
    for use in arg.uses:
        op = use.operation
        if not isinstance(op, kind) or not takes(op, arg):
            return None
        users.append(op)
    return t, users


def access_lattices(
    accesses: Sequence[memref.LoadOp | memref.StoreOp], pid: tuple[int, ...]
) -> list[Lattice] | None:
    """Per dim, the indices the (non-empty) `accesses` of one memref take in
    this instance, or None when one is unknown."""
    dims: list[Lattice] | None = None
    for access in accesses:
        found = [index_lattice(i, pid) for i in access.indices]
        if any(r is None for r in found):
            return None
        lattices: list[Lattice] = found  # type: ignore[assignment]
        if dims is None:
            dims = lattices
            continue
        # the union of two accesses' lattices: one step fits both
        dims = [
            (min(a[0], b[0]), max(a[1], b[1]), math.gcd(a[2], b[2], b[0] - a[0]))
            for a, b in zip(dims, lattices, strict=True)
        ]
    assert dims is not None
    return dims


def _range(v: SSAValue, pid: tuple[int, ...], depth: int = 0) -> tuple[int, int] | None:
    """Inclusive [lo, hi] of an index value for this instance, or None."""
    r = index_lattice(v, pid, depth)
    return None if r is None else (r[0], r[1])


def _fixed(v: SSAValue, pid: tuple[int, ...], depth: int) -> int | None:
    """The value of an index fixed for the instance (a constant, or the pid
    in arithmetic), else None."""
    r = _range(v, pid, depth + 1)
    return r[0] if r is not None and r[0] == r[1] else None


def _one_loop(v: SSAValue, pid: tuple[int, ...], depth: int = 0) -> scf.ForOp | None:
    """The loop whose variable `v` is an affine function of, `c * var + d`
    with c != 0 and d fixed for the instance; else None."""
    if depth > 32:
        return None
    loop = _loop_of(v)
    if loop is not None:
        return loop
    owner = v.owner
    if isinstance(owner, arith.IndexCastOp):
        return _one_loop(owner.input, pid, depth + 1)
    if isinstance(owner, arith.AddiOp | arith.SubiOp | arith.MuliOp):
        a, b = _fixed(owner.lhs, pid, depth), _fixed(owner.rhs, pid, depth)
        if isinstance(owner, arith.MuliOp) and 0 in (a, b):
            return None
        if a is not None and b is None:
            return _one_loop(owner.rhs, pid, depth + 1)
        if b is not None and a is None:
            return _one_loop(owner.lhs, pid, depth + 1)
    return None


def _whole(store: memref.StoreOp, body: Block, pid: tuple[int, ...]) -> bool:
    """Every element of the store's box is written: it sits in a nest of
    loops (no conditional), and each index is fixed for the instance or an
    affine function (`c * var + d`) of one of those loops' variables, each
    used once: the index then takes every value of its lattice."""
    if store.parent_block() is not body:
        op = store.parent_op()
        while True:
            if not isinstance(op, scf.ForOp):
                return False
            if op.parent_block() is body:
                break
            op = op.parent_op()
    seen: set[scf.ForOp] = set()
    for index in store.indices:
        r = _range(index, pid)
        if r is None:
            return False
        if r[0] == r[1]:
            continue
        loop = _one_loop(index, pid)
        if loop is None or loop in seen:
            return False
        seen.add(loop)
    return True


def shared_write_boxes(
    region: dato.RegionOp, writes: dict[str, list[bool]]
) -> dict[tuple[str, int], dict[str, Box]]:
    """For the region arguments that several instances (of any groups) write
    in the same block, each its box: keyed by (group, body argument index),
    then by instance. `writes`: per group, which body arguments it writes.
    An argument whose writers' boxes do not all apply (not element stores,
    shapes differ, overlap) is left out: its blocks stay as they are."""
    writers: dict[int, list[tuple[dato.GroupOp, int]]] = {}
    for group in region.groups():
        for k, operand in enumerate(group.args):
            if writes[group.sym_name.data][k]:
                writers.setdefault(list(region.args).index(operand), []).append((group, k))
    out: dict[tuple[str, int], dict[str, Box]] = {}
    for users in writers.values():
        insts = [(g, k, i) for g, k in users for i in g.instances()]
        if len(insts) < 2 or len({tuple(i.offsets[k]) for _, k, i in insts}) != 1:
            continue
        found = {(g.sym_name.data, k): write_boxes(g, k) for g, k in users}
        if any(b is None for b in found.values()):
            continue
        every = [box for boxes in found.values() for box in boxes.values()]  # type: ignore[union-attr]
        if len({(b.shape, b.steps()) for b in every}) == 1 and _disjoint(every):
            out.update(found)  # type: ignore[arg-type]
    return out


def _disjoint(boxes: list[Box]) -> bool:
    """No element in two boxes: for lattices, two boxes meet when every dim's
    index sets do."""
    for x in range(len(boxes)):
        for y in range(x + 1, len(boxes)):
            a, b = boxes[x], boxes[y]
            if all(not set(a.elements(d)).isdisjoint(b.elements(d)) for d in range(len(a.shape))):
                return False
    return True


def write_boxes(group: dato.GroupOp, k: int) -> dict[str, Box] | None:
    """Per instance, the box of body argument `k` its stores write, when the
    argument is only stored to (element stores, no view, no load) at indices
    known for each instance; otherwise None."""
    body = group.body.block
    found = sole_users(group, k, memref.StoreOp, lambda op, a: op.memref is a and op.value is not a)
    if found is None:
        return None
    t, stores = found
    boxes: dict[str, Box] = {}
    for inst in group.instances():
        pid = tuple(inst.pid)
        dims = access_lattices(stores, pid)
        if dims is None:
            return None
        shape = t.get_shape()
        if any(lo < 0 or hi >= n for (lo, hi, _), n in zip(dims, shape, strict=True)):
            return None  # out of bounds: leave it to the checks that say so
        whole = len(stores) == 1 and _whole(stores[0], body, pid)
        steps = tuple(s or 1 for _, _, s in dims)
        if len(shape) > 2 and any(s > 1 for s in steps):
            # the host DMA's dims go to the blocks and a row's elements; the
            # bounding box (which other PEs' lattices overlap) is what is left
            steps, whole = (1,) * len(shape), False
        boxes[inst.name] = Box(
            tuple(lo for lo, _, _ in dims),
            tuple((hi - lo) // s + 1 for (lo, hi, _), s in zip(dims, steps, strict=True)),
            whole,
            steps if any(s > 1 for s in steps) else (),
        )
    return boxes
