"""`dato-npu-core-bodies`: the second step of `dato-lower-to-aie`.

The `aie.device` `dato-npu-transfers` put before each placed dato region gets
the region's cores (npu_lowering.AieLowering.core_bodies): each instance body
on its tile, through the fifos recorded on the region (dato.read_fifos /
dato.write_fifos, dato.local_count, dato.route_fifo, consumed here), then the
region goes. A core running several instances (a bundle, a chain) then has
the repeated runs of its code rolled into loops (roll_members, below), so
128 bundle members take one member's program memory, not 128 times it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, memref, scf
from xdsl.dialects.builtin import IndexType, IntegerAttr, MemRefType, ModuleOp
from xdsl.ir import Attribute, Block, BlockArgument, Operation, OpResult, Region, SSAValue
from xdsl.passes import ModulePass

from dato_xdsl.diagnostics import op_error
from dato_xdsl.dialects import aie, dato
from dato_xdsl.transforms.core_tasks import task_names
from dato_xdsl.transforms.ir_constants import int_constant
from dato_xdsl.transforms.npu_lowering import AieLowering, load_dialects, placed_device


@dataclass(frozen=True)
class NpuCoreBodiesPass(ModulePass):
    """Fill the `aie.device` before each placed dato region with the region's
    cores (instance bodies on their tiles, through the fifos
    `dato-npu-transfers` recorded; a bundle's members rolled into a loop) and
    replace the region by it."""

    name = "dato-npu-core-bodies"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        ctx = load_dialects(ctx)
        for region in [o for o in op.walk() if isinstance(o, dato.RegionOp)]:
            device_op = region.prev_op
            if not isinstance(device_op, aie.DeviceOp):
                raise op_error(region, "has no aie.device before it; run dato-npu-transfers first")
            AieLowering(region, placed_device(region), ctx).core_bodies(device_op)
            body = device_op.body.block
            for core in [o for o in body.ops if isinstance(o, aie.CoreOp)]:
                roll_members(core, body)
            parent = region.parent_block()
            assert parent is not None
            parent.erase_op(region)


# ------------------------------------------------------------------ rolling
# A bundle's members (and a chain's repeated instances) are emitted one after
# another; unrolled, 128 members overflow a core's 16 KiB program memory.
# Consecutive runs of a core's top-level ops that are the same code up to
#   - the tile buffers they use (per-member counters of local streams): such
#     buffers, used only by memref.load/store, become one buffer with a leading
#     member dimension, indexed by the loop's induction variable, and
#   - integer constants that step linearly from member to member
# become one scf.for over the members (the fifos they acquire are the same:
# each member takes the next object of each). The loops' bodies are rolled
# the same way (a chain's middle instances). Runs are found among the ops
# that do work; a block with one has its constants hoisted to its top, one
# per value.

MIN_ROLLED_OPS = 8
"""A run saving fewer ops than this (net of the loop's own) is left unrolled."""

_Use = tuple[Operation, int]
"""An operand of segment 0's op (the op, the operand's position)."""


@dataclass
class _Diffs:
    """How segment i differs from segment 0 (keyed by segment 0's)."""

    buffers: dict[SSAValue, SSAValue]
    constants: dict[_Use, int]
    """constant operands defined outside the segments, by value"""
    inner: dict[Operation, int]
    """the segments' own integer constants, by value"""


def _signature(op: Operation) -> tuple[object, ...]:
    """op's structure without operands and with constants abstracted (xDSL's
    attributes are hashable values)."""
    if isinstance(op, arith.ConstantOp):
        return ("c", op.result.type)
    attrs = (tuple(op.attributes.items()), tuple(op.properties.items()))
    regions = tuple(
        tuple(tuple(_signature(o) for o in block.ops) for block in region.blocks)
        for region in op.regions
    )
    return (op.name, tuple(r.type for r in op.results), attrs, regions, len(op.operands))


def _rollable_buffer(value: SSAValue) -> bool:
    """A tile buffer reached only through memref.load/store of its own memref
    (so a member dimension can be put in front of its indices)."""
    owner = value.owner
    if not isinstance(owner, aie.BufferOp) or owner.initial_value is not None:
        return False
    for use in value.uses:
        user = use.operation
        if isinstance(user, memref.LoadOp) and use.index == 0:
            continue
        if isinstance(user, memref.StoreOp) and use.index == 1:
            continue
        return False
    return True


def _match(
    a: Sequence[Operation], b: Sequence[Operation], env: dict[SSAValue, SSAValue], diffs: _Diffs
) -> bool:
    """Whether `b` is `a`'s code up to the differences `diffs` records."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        if (
            x.name != y.name
            or len(x.operands) != len(y.operands)
            or len(x.regions) != len(y.regions)
            or [r.type for r in x.results] != [r.type for r in y.results]
        ):
            return False
        if isinstance(x, arith.ConstantOp):
            assert isinstance(y, arith.ConstantOp)
            if x.value != y.value:
                if not isinstance(y.value, IntegerAttr):
                    return False
                diffs.inner[x] = y.value.value.data
        elif dict(x.attributes) != dict(y.attributes) or dict(x.properties) != dict(y.properties):
            return False
        for k, (u, v) in enumerate(zip(x.operands, y.operands, strict=True)):
            if u in env:
                if env[u] is not v:
                    return False
            elif u is not v:
                if u.type != v.type:
                    return False
                cu, cv = int_constant(u), int_constant(v)
                if cu is not None and cv is not None:
                    if cu != cv:
                        diffs.constants[(x, k)] = cv
                elif not (_rollable_buffer(u) and _rollable_buffer(v)):
                    return False
                elif diffs.buffers.setdefault(u, v) is not v:
                    return False
        env.update(zip(x.results, y.results, strict=True))
        for rx, ry in zip(x.regions, y.regions, strict=True):
            if len(rx.blocks) != len(ry.blocks):
                return False
            for bx, by in zip(rx.blocks, ry.blocks, strict=True):
                if len(bx.args) != len(by.args):
                    return False
                env.update(zip(bx.args, by.args, strict=True))
                if not _match(list(bx.ops), list(by.ops), env, diffs):
                    return False
    return True


def _escapes(ops: Sequence[Operation]) -> bool:
    """Whether a value defined in `ops` is used after them."""
    inside = {id(o) for top in ops for o in top.walk()}
    return any(
        id(use.operation) not in inside for top in ops for r in top.results for use in r.uses
    )


def _linear(values: list[int]) -> tuple[int, int] | None:
    step = values[1] - values[0]
    if all(v == values[0] + step * i for i, v in enumerate(values)):
        return values[0], step
    return None


@dataclass
class _Roll:
    start: int
    length: int
    count: int
    buffers: dict[SSAValue, list[SSAValue]]
    """segment 0's buffer -> every segment's, in order"""
    constants: dict[_Use, tuple[int, int]]
    """an operand -> (its value in segment 0, its step per segment)"""
    inner: dict[Operation, tuple[int, int]]
    saving: int = 0

    def overhead(self) -> int:
        """The ops the loop adds: scf.for and its yield, and `base + step * i`
        (a multiply, an add, and a cast for a non-index type) per distinct
        stepping constant other than i itself."""
        lines = {(line, use[0].operands[use[1]].type) for use, line in self.constants.items()}
        lines |= {(line, op.results[0].type) for op, line in self.inner.items()}
        index = IndexType()
        return 2 + sum(0 if (li, t) == ((0, 1), index) else 2 + (t != index) for li, t in lines)


def _check(ops: list[Operation], start: int, length: int, count: int) -> _Roll | None:
    """The longest prefix (2 segments or more) of the candidate run whose
    segments match segment 0 with rollable differences, or None."""
    first = ops[start : start + length]
    diffs: list[_Diffs] = []
    for i in range(1, count):
        seg = ops[start + i * length : start + (i + 1) * length]
        d = _Diffs({}, {}, {})
        if not _match(first, seg, {}, d):
            break
        diffs.append(d)
    while diffs:
        roll = _rollable(ops, start, length, diffs)
        if roll is not None:
            return roll
        diffs.pop()  # a shorter run may still step linearly
    return None


def _rollable(ops: list[Operation], start: int, length: int, diffs: list[_Diffs]) -> _Roll | None:
    count = len(diffs) + 1
    slots = set(diffs[0].buffers)
    seen: set[SSAValue] = set(slots)
    for d in diffs:
        if set(d.buffers) != slots:
            return None
        for v in d.buffers.values():
            if v in seen:
                return None  # each member its own buffer
            seen.add(v)
    constants: dict[_Use, tuple[int, int]] = {}
    # in the order met (a set of ops or operands would order them by address,
    # and the loop's index values with them: the emitted text would vary)
    for use in dict.fromkeys(u for d in diffs for u in d.constants):
        base = int_constant(use[0].operands[use[1]])
        assert base is not None
        line = _linear([base] + [d.constants.get(use, base) for d in diffs])
        if line is None:
            return None
        constants[use] = line
    inner: dict[Operation, tuple[int, int]] = {}
    for op in dict.fromkeys(o for d in diffs for o in d.inner):
        assert isinstance(op, arith.ConstantOp) and isinstance(op.value, IntegerAttr)
        base = op.value.value.data
        line = _linear([base] + [d.inner.get(op, base) for d in diffs])
        if line is None:
            return None
        inner[op] = line
    if _escapes(ops[start : start + count * length]):
        return None
    buffers = {slot: [slot] + [d.buffers[slot] for d in diffs] for slot in diffs[0].buffers}
    for members in buffers.values():
        if len({m.owner.tile for m in members}) != 1:  # type: ignore[attr-defined]
            return None  # merged, they must be in one tile's memory
    return _Roll(start, length, count, buffers, constants, inner)


class _Pairs:
    """What segment 0 starting at `s` needs of each pair of ops `length`
    apart for `_match` to accept segment 1 (memoised per pair: candidates of
    one length share their pairs). A candidate a pair rules out is dropped
    before `_check`: most candidates the signature hash lets through fail on
    a buffer only one member uses, or on a value a rotated segment takes from
    the member before it (18 members of 14 ops gave 24,000 such checks).

    Of op p's operands (nested ops' included) aligned with op q's (p + length;
    walks of unlike code are ruled out, as _match rules them out):
      - a value defined outside every op of the run (a tile buffer, a
        constant of the block) is never one `_match` maps: q's must be it,
        or both integer constants, or both rollable buffers;
      - a result of an earlier op j: `_match` maps it (to op j + length's)
        when s <= j, else q's must be the same value; whichever q's
        operand is bounds s (s <= j, or s > j)."""

    def __init__(self, ops: list[Operation]) -> None:
        self.ops = ops
        self.index = {id(op): k for k, op in enumerate(ops)}
        self.memo: dict[tuple[int, int], tuple[int, int] | None] = {}
        # a buffer every member reads has thousands of uses to look through:
        # once per search (the IR does not change during one)
        self.rollable: dict[SSAValue, bool] = {}

    def _rollable(self, value: SSAValue) -> bool:
        known = self.rollable.get(value)
        if known is None:
            known = self.rollable[value] = _rollable_buffer(value)
        return known

    def allows(self, start: int, length: int) -> bool:
        """Whether every pair of segments 0 and 1 allows `start`."""
        for p in range(start, start + length):
            bounds = self.memo.get((p, length), False)
            if bounds is False:
                bounds = self.memo[p, length] = self._bounds(p, p + length)
            if bounds is None or not bounds[0] <= start <= bounds[1]:
                return False
        return True

    def _top(self, value: SSAValue, block: Block | None) -> int | None:
        """The run's op that defines `value` (at its top level), -1 for one
        nested in an op of the run, None for a value from outside the run."""
        if isinstance(value, OpResult):
            owner: Operation | None = value.op
            if owner.parent_block() is block:
                return self.index.get(id(owner))
            top = owner.parent_op()
        else:
            assert isinstance(value, BlockArgument)
            top = value.block.parent_op()
        while top is not None:
            if top.parent_block() is block:
                return -1 if id(top) in self.index else None
            top = top.parent_op()
        return None

    def _bounds(self, p: int, q: int) -> tuple[int, int] | None:
        """(least, greatest) start op pair (p, q) allows, None for none."""
        x_op, y_op = self.ops[p], self.ops[q]
        xs, ys = list(x_op.walk()), list(y_op.walk())
        if len(xs) != len(ys):
            return None  # unlike code (signatures may predate a roll's reindexing)
        block = x_op.parent_block()
        low, high = 0, p
        for x, y in zip(xs, ys, strict=True):
            if x.name != y.name or len(x.operands) != len(y.operands):
                return None
            for u, v in zip(x.operands, y.operands, strict=True):
                j = self._top(u, block)
                if j == -1 or j == p:
                    continue  # inside op p: mapped as its own code
                if j is None:
                    if u is v:
                        continue
                    cu, cv = int_constant(u), int_constant(v)
                    if cu is not None and cv is not None:
                        continue
                    if self._rollable(u) and self._rollable(v):
                        continue
                    return None
                assert isinstance(u, OpResult)
                k = j + q - p
                results = self.ops[k].results if k < len(self.ops) else ()
                # op k may differ from u's op (a shorter result list): not mapped
                mapped = u.index < len(results) and v is results[u.index]
                if u is v:
                    low = max(low, j + 1)  # s > j: u stays u
                elif mapped:
                    high = min(high, j)  # s <= j: u maps to op k's result
                else:
                    return None
        return (low, high) if low <= high else None


_P = (1 << 61) - 1
_BASE = 1_000_003


def _find_roll(
    ops: list[Operation], sigs: list[tuple[object, ...]], sizes: list[int]
) -> _Roll | None:
    """The run of repeated segments saving the most ops (segments compared by
    a rolling hash of their ops' signatures, then checked op by op)."""
    n = len(ops)
    ids: dict[tuple[object, ...], int] = {}
    code = [ids.setdefault(s, len(ids) + 1) for s in sigs]
    prefix, power, cost = [0] * (n + 1), [1] * (n + 1), [0] * (n + 1)
    for k in range(n):
        prefix[k + 1] = (prefix[k] * _BASE + code[k]) % _P
        power[k + 1] = power[k] * _BASE % _P
        cost[k + 1] = cost[k] + sizes[k]

    def h(i: int, length: int) -> int:
        return (prefix[i + length] - prefix[i] * power[length]) % _P

    positions: dict[int, list[int]] = {}
    for k, c in enumerate(code):
        positions.setdefault(c, []).append(k)
    best: _Roll | None = None
    pairs = _Pairs(ops)
    for start in range(n):
        if best is not None and cost[n] - cost[start] <= best.saving:
            break  # no run from here on can save more
        for p in positions[code[start]]:
            length = p - start
            if length <= 0:
                continue
            if start + 2 * length > n:
                break
            seg = cost[p] - cost[start]
            bound = ((n - start) // length - 1) * seg
            if bound < MIN_ROLLED_OPS or (best is not None and bound <= best.saving):
                continue
            if code[p - 1] != code[p + length - 1]:
                continue  # the cheap test first: the segments' last ops
            first = h(start, length)
            if first != h(p, length):
                continue
            count = 2
            while start + (count + 1) * length <= n and h(start + count * length, length) == first:
                count += 1
            if (count - 1) * seg < MIN_ROLLED_OPS or (
                best is not None and (count - 1) * seg <= best.saving
            ):
                continue
            if not pairs.allows(start, length):
                continue  # _check would find segment 1 unlike segment 0
            roll = _check(ops, start, length, count)
            if roll is not None:
                roll.saving = (roll.count - 1) * seg - roll.overhead()
                if roll.saving >= MIN_ROLLED_OPS and (best is None or roll.saving > best.saving):
                    best = roll
    return best


def _index_value(
    block: Block, before: Operation, iv: SSAValue, line: tuple[int, int], t: Attribute
) -> SSAValue:
    """`base + step * iv` of type `t`, inserted before `before`."""
    index = IndexType()
    base = arith.ConstantOp(IntegerAttr(line[0], index))
    step = arith.ConstantOp(IntegerAttr(line[1], index))
    mul = arith.MuliOp(iv, step.result)
    add = arith.AddiOp(base.result, mul.result)
    made: list[Operation] = [base, step, mul, add]
    value: SSAValue = add.result
    if t != index:
        cast = arith.IndexCastOp(value, t)
        made.append(cast)
        value = cast.result
    for op in made:
        block.insert_op_before(op, before)
    return value


def _roll(block: Block, ops: list[Operation], roll: _Roll, device_body: Block) -> scf.ForOp:
    """Replace the run by a loop over segment 0's code (see above)."""
    first = ops[roll.start : roll.start + roll.length]
    index = IndexType()
    bounds = [arith.ConstantOp(IntegerAttr(v, index)) for v in (0, roll.count, 1)]
    body = Block(arg_types=[index])
    loop = scf.ForOp(bounds[0].result, bounds[1].result, bounds[2].result, [], Region(body))
    for op in (*bounds, loop):
        block.insert_op_before(op, first[0])
    iv = body.args[0]
    mapper: dict[SSAValue, SSAValue] = {}
    clones = [op.clone(value_mapper=mapper) for op in first]
    for op in clones:
        body.add_op(op)
    body.add_op(scf.YieldOp())
    same: dict[Operation, Operation] = {
        old: new
        for top, copy in zip(first, clones, strict=True)
        for old, new in zip(top.walk(), copy.walk(), strict=True)
    }
    # each distinct `base + step * iv` once, at the top of the loop body
    values: dict[tuple[tuple[int, int], Attribute], SSAValue] = {}

    def value(line: tuple[int, int], t: Attribute) -> SSAValue:
        if line == (0, 1) and t == index:
            return iv
        if (line, t) not in values:
            values[line, t] = _index_value(body, clones[0], iv, line, t)
        return values[line, t]

    for (op, k), line in roll.constants.items():
        user = same[op]
        operands = list(user.operands)
        operands[k] = value(line, operands[k].type)
        user.operands = operands
    for op, line in roll.inner.items():
        clone = same[op]
        assert isinstance(clone, arith.ConstantOp)
        parent = clone.parent_block()
        assert parent is not None
        clone.result.replace_all_uses_with(value(line, clone.result.type))
        parent.erase_op(clone)
    for op in reversed(ops[roll.start : roll.start + roll.count * roll.length]):
        block.erase_op(op, safe_erase=False)
    # a member's buffer: the merged one at [member, ...] (the induction
    # variable in the loop, the member's number elsewhere in the core)
    for slot, members in roll.buffers.items():
        t = slot.type
        assert isinstance(t, MemRefType)
        owner = slot.owner
        assert isinstance(owner, aie.BufferOp)
        shape = [roll.count, *t.get_shape()]
        merged = aie.BufferOp(owner.tile, MemRefType(t.element_type, shape))
        device_body.insert_op_before(merged, owner)
        for k, old in enumerate(members):
            for use in list(old.uses):
                _reindex(
                    use.operation, merged.results[0], iv if loop.is_ancestor(use.operation) else k
                )
            buffer = old.owner
            assert isinstance(buffer, Operation)
            device_body.erase_op(buffer)
    return loop


def _reindex(user: Operation, merged: SSAValue, member: SSAValue | int) -> None:
    """A load or store of a member's buffer, of the merged buffer instead."""
    parent = user.parent_block()
    assert parent is not None
    if isinstance(member, int):
        cst = arith.ConstantOp(IntegerAttr(member, IndexType()))
        parent.insert_op_before(cst, user)
        member = cst.result
    if isinstance(user, memref.LoadOp):
        new: Operation = memref.LoadOp.get(merged, [member, *user.indices])
        parent.insert_op_before(new, user)
        user.results[0].replace_all_uses_with(new.results[0])
    else:
        assert isinstance(user, memref.StoreOp)
        new = memref.StoreOp.get(user.value, merged, [member, *user.indices])
        parent.insert_op_before(new, user)
    parent.erase_op(user)


def _hoist_constants(block: Block) -> None:
    """Move `block`'s own constants to its top, one op per value and type."""
    kept: dict[tuple[Attribute, Attribute], SSAValue] = {}
    hoisted: list[Operation] = []
    for op in [o for o in block.ops if isinstance(o, arith.ConstantOp)]:
        key = (op.value, op.result.type)
        if key in kept:
            op.result.replace_all_uses_with(kept[key])
            block.erase_op(op)
            continue
        kept[key] = op.result
        hoisted.append(op)
    for op in hoisted:
        op.detach()
    anchor = block.first_op
    for op in hoisted:
        if anchor is None:
            block.add_op(op)
        else:
            block.insert_op_before(op, anchor)


def roll_members(core: aie.CoreOp, device_body: Block) -> int:
    """Roll the repeated runs of `core`'s top-level ops into loops, and the
    repeated runs of those loops' bodies (see above), when the core runs
    several task instances (a bundle, a chain); returns the number of loops
    made. One instance's own code stays as its body wrote it (a meta_for
    unrolled on purpose)."""
    if len(task_names(core)) < 2:
        return 0
    return _roll_block(core.body.block, device_body, 8)


def _roll_block(block: Block, device_body: Block, budget: int) -> int:
    """Runs are looked for among the ops that do work (constants are operands
    that may step); a block with a run has its constants hoisted (so they
    dominate the loop) before it is rolled."""
    made = 0
    known: dict[Operation, tuple[tuple[object, ...], int]] = {}  # signature, op count
    while made < budget:
        ops = [
            op for op in block.ops if not isinstance(op, aie.EndOp | scf.YieldOp | arith.ConstantOp)
        ]
        for op in ops:
            if op not in known:
                size = sum(1 for o in op.walk() if not isinstance(o, arith.ConstantOp))
                known[op] = (_signature(op), size)
        roll = _find_roll(ops, [known[op][0] for op in ops], [known[op][1] for op in ops])
        if roll is None:
            break
        _hoist_constants(block)
        loop = _roll(block, ops, roll, device_body)
        made += 1 + _roll_block(loop.body.block, device_body, budget)
    for op in [o for o in block.ops if isinstance(o, arith.ConstantOp)] if made else []:
        if not op.result.uses:
            block.erase_op(op)  # the members' own values, now the loop's
    return made
