"""Errors as users should see them: `file:line:col: error: message`.

The MLIR parser in xDSL only keeps locations written as `loc(...)`; dato-opt's
parser records where each op starts, and `verify_located` reports a failing op
by that position instead of by a dump of the whole module. It also checks what
xDSL 0.74 does not: that every value is defined before it is used (dominance),
and that float constants have a type xDSL can print.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from weakref import WeakKeyDictionary

from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    DictionaryAttr,
    FileLineColLoc,
    Float80Type,
    Float128Type,
    FloatAttr,
    ModuleOp,
)
from xdsl.ir import Attribute, Block, BlockArgument, Operation, OpResult, Region, SSAValue
from xdsl.irdl.constraints import BaseAttr
from xdsl.irdl.operations import OpDef
from xdsl.utils.exceptions import DiagnosticException, VerifyException

from dato_xdsl.verify_memo import verifying


class LocatedDiagnostic(DiagnosticException):
    """A diagnostic for the user: the message is complete, with its location."""


def op_location(op: Operation) -> str:
    """The nearest known source position of `op` (itself or an ancestor)."""
    current: Operation | None = op
    while current is not None:
        loc = current.location
        if isinstance(loc, FileLineColLoc):
            return f"{loc.filename.data}:{loc.line.data}:{loc.column.data}"
        current = current.parent_op()
    return "<unknown>"


def op_error(op: Operation, message: str) -> LocatedDiagnostic:
    return LocatedDiagnostic(f"{op_location(op)}: error: '{op.name}' op {message}")


def verify_located(module: ModuleOp) -> None:
    """Verify every op, innermost first; raise a LocatedDiagnostic naming the first
    failing op and its source position.

    A module verified before (the build verifies after every pass) has only
    what changed since verified again: an op whose operands, their types, its
    result types, properties, attributes, successors and block are those it
    had when it verified, and whose regions hold the same blocks and ops, none
    of them verified again, passes again. Every op's operands
    are checked for dominance each time (ops move). When a symbol was added,
    removed or renamed, every op is verified (verifiers resolve `@name`)."""
    dominance = _Dominance()
    seen = _SEEN.get(module)
    fresh = _Seen()
    with verifying(), _structures_verified():
        _verify_all(module, dominance, seen, fresh)
    _SEEN[module] = fresh


# ---------------------------------------------------------- structure memo
# An IRDL op's generic verification (OpDef.verify: operand and result types,
# regions' block counts and entry arguments, successors, properties and
# attributes against their constraints) is a function of the op's class and
# those values alone; only its traits may look elsewhere (a parent, a symbol
# table). A design of hundreds of task instances repeats the same few hundred
# structures thousands of times, and is verified after every pass: each
# structure is checked once, every op's traits (and its own verify_) always.
# Hashing attributes by value is itself costly (each hash walks the
# attribute), so a structure is first looked up by the identities of its
# attributes (the memo keeps those objects alive, so an id is not reused),
# then by value. The memo outlives a call (attributes are immutable), bounded
# in size.

_Structure = tuple[object, ...]
_BY_VALUE: set[_Structure] = set()
_BY_ID: dict[_Structure, _Structure] = {}
"""identities of a verified structure's parts -> that structure (holding them)"""
_MAX_KNOWN = 1 << 16
_ACTIVE: ContextVar[bool] = ContextVar("dato_structure_memo", default=False)
_GENERIC_VERIFY = OpDef.verify


@contextmanager
def _structures_verified() -> Iterator[None]:
    if len(_BY_ID) > _MAX_KNOWN or len(_BY_VALUE) > _MAX_KNOWN:
        _BY_ID.clear()
        _BY_VALUE.clear()
    token = _ACTIVE.set(True)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


_BY_CLASS: dict[int, tuple[OpDef, frozenset[str]]] = {}
"""id of an op definition -> (it, the names of its properties and attributes
whose constraint is a class alone)"""


def _checked_by_class(op_def: OpDef) -> frozenset[str]:
    """The properties and attributes OpDef.verify checks by their class alone
    (a BaseAttr constraint): for those the class is what a structure holds,
    so ops differing only in such a value (a DMA call's offsets) share one.
    Segment sizes are read by value (they cut the operand list)."""
    known = _BY_CLASS.get(id(op_def))
    if known is None:
        names = frozenset(
            name
            for defs in (op_def.properties, op_def.attributes)
            for name, d in defs.items()
            if isinstance(d.constr, BaseAttr) and not name.endswith("SegmentSizes")
        )
        known = _BY_CLASS[id(op_def)] = (op_def, names)  # the def kept: its id stays its own
    return known[1]


def _structure(op_def: OpDef, op: Operation) -> _Structure:
    """What OpDef.verify (traits aside) reads of `op`: an attribute it checks
    by class only as its class; attributes it does not define are not read."""
    by_class = _checked_by_class(op_def)
    defined = op_def.attributes
    return (
        type(op),
        tuple(v.type for v in op.operands),
        tuple(r.type for r in op.results),
        tuple(
            (len(region.blocks), region.first_block and tuple(region.first_block.arg_types))
            for region in op.regions
        ),
        len(op.successors),
        tuple((n, type(a) if n in by_class else a) for n, a in op.properties.items()),
        tuple(
            (n, type(a) if n in by_class or n not in defined else a)
            for n, a in op.attributes.items()
        ),
    )


def _identities(key: _Structure) -> _Structure:
    """`key` with each attribute replaced by its id."""
    cls, operands, results, regions, successors, props, attrs = key
    return (
        cls,
        tuple(map(id, operands)),
        tuple(map(id, results)),
        tuple((n, args and tuple(map(id, args))) for n, args in regions),  # type: ignore[union-attr]
        successors,
        tuple((name, id(a)) for name, a in props),  # type: ignore[misc]
        tuple((name, id(a)) for name, a in attrs),  # type: ignore[misc]
    )


def _memo_verify(op_def: OpDef, op: Operation) -> None:
    if not _ACTIVE.get():
        _GENERIC_VERIFY(op_def, op)
        return
    key = _structure(op_def, op)
    ids = _identities(key)
    if ids not in _BY_ID:
        try:
            known = key in _BY_VALUE
        except TypeError:  # an unhashable attribute: no memo for it
            _GENERIC_VERIFY(op_def, op)
            return
        if not known:
            _GENERIC_VERIFY(op_def, op)  # raises for a structure that does not verify
            _BY_VALUE.add(key)
            _BY_ID[ids] = key
            return
        _BY_ID[ids] = key
    for trait in op_def.traits:
        trait.verify(op)


OpDef.verify = _memo_verify  # type: ignore[method-assign]


# ---------------------------------------------------------- change memo
# What an op's verification reads of it; the parts are kept (not their ids),
# so a freed attribute's id reused by a new one cannot pass for it, and
# compared by identity first, then by value (equal values verify alike).
_Signature = tuple[object, ...]


def _signature(op: Operation) -> _Signature:
    operands = op.operands
    return (
        op.parent,
        tuple(operands),
        tuple([v.type for v in operands]),
        tuple([r.type for r in op.results]),
        tuple(op.properties.items()),
        tuple(op.attributes.items()),
        tuple(op.successors),
    )


def _symbol(op: Operation) -> Attribute | None:
    return op.properties.get("sym_name") or op.attributes.get("sym_name")


class _Seen:
    """A module's ops as they last verified, and its symbols in walk order."""

    def __init__(self) -> None:
        self.ops: dict[Operation, _Signature] = {}
        self.symbols: list[tuple[Operation, Attribute]] = []


_SEEN: WeakKeyDictionary[ModuleOp, _Seen] = WeakKeyDictionary()


def _symbols(module: ModuleOp) -> list[tuple[Operation, Attribute]]:
    found: list[tuple[Operation, Attribute]] = []
    for op in module.walk():
        sym = _symbol(op)
        if sym is not None:
            found.append((op, sym))
    return found


def _contents(op: Operation) -> _Signature:
    """The blocks of `op`'s regions, their argument types and ops (what a
    region's traits read besides the ops themselves)."""
    return tuple(
        (block, tuple(block.arg_types), tuple(block.ops))
        for region in op.regions
        for block in region.blocks
    )


def _verify_all(module: ModuleOp, dominance: _Dominance, seen: _Seen | None, fresh: _Seen) -> None:
    fresh.symbols = _symbols(module)
    known = seen.ops if seen is not None and seen.symbols == fresh.symbols else {}
    # ops holding an op verified again: their traits and verifiers read their
    # contents, so they are verified again too
    touched: set[Operation] = set()
    for op in module.walk(region_first=True):  # an op's contents before it
        signature = _signature(op)
        if op.regions:
            signature += _contents(op)
        if op in touched or known.get(op) != signature:
            _verify_op(op)
            parent = op.parent_op()
            while parent is not None and parent not in touched:
                touched.add(parent)
                parent = parent.parent_op()
        fresh.ops[op] = signature
        for index, operand in enumerate(op.operands):
            if not dominance.dominates(operand, op):
                name = f"%{operand.name_hint}" if operand.name_hint else f"operand {index}"
                raise op_error(op, f"uses {name} before its definition")


def _verify_op(op: Operation) -> None:
    """Verify `op` alone (its own verifier, its traits), and that its
    constants are printable."""
    try:
        op.verify(verify_nested_ops=False)
    except VerifyException as err:
        message = str(err).removeprefix("Operation does not verify: ")
        raise op_error(op, message) from None
    except (ValueError, TypeError, IndexError, KeyError) as err:
        # a verifier of xDSL or of a dialect that fails on malformed operands
        # with a Python error instead of a diagnostic
        raise op_error(op, f"is malformed ({type(err).__name__}: {err})") from None
    _check_printable(op)


# xDSL 0.74 packs float constants with `struct`, which has no 80- or 128-bit format
_UNPRINTABLE_FLOATS = (Float80Type, Float128Type)


_PRINTABLE: dict[int, Attribute] = {}
"""attributes found printable, by id (held, so an id stays theirs)"""


def _check_printable(op: Operation) -> None:
    if len(_PRINTABLE) > _MAX_KNOWN:
        _PRINTABLE.clear()
    for attr in [*op.attributes.values(), *op.properties.values()]:
        if id(attr) in _PRINTABLE:
            continue
        for inner in _nested(attr):
            if isinstance(inner, FloatAttr):
                element = inner.type
            elif isinstance(inner, DenseIntOrFPElementsAttr):
                element = inner.get_element_type()
            elif isinstance(inner, DenseArrayBase):
                element = inner.elt_type
            else:
                continue
            if isinstance(element, _UNPRINTABLE_FLOATS):
                raise op_error(
                    op,
                    f"has a float constant of type {element.name}, which dato-opt "
                    "cannot print (supported: f16, bf16, f32, f64)",
                )
        _PRINTABLE[id(attr)] = attr


def _nested(attr: Attribute) -> Iterator[Attribute]:
    yield attr
    if isinstance(attr, ArrayAttr):
        for item in attr.data:
            yield from _nested(item)
    elif isinstance(attr, DictionaryAttr):
        for item in attr.data.values():
            yield from _nested(item)


class _Dominance:
    """MLIR's dominance rule: a value defined by an op is visible after that op in
    its block, in the blocks that block dominates, and in the regions of both; a
    block argument in its block and the blocks it dominates."""

    def __init__(self) -> None:
        self._order: dict[Block, dict[Operation, int]] = {}
        self._dominators: dict[Region, dict[Block, set[Block]]] = {}

    def dominates(self, value: SSAValue, user: Operation) -> bool:
        if isinstance(value, BlockArgument):
            block, after = value.block, None
        elif isinstance(value, OpResult):
            block, after = value.op.parent_block(), value.op
        else:
            return True
        if block is None:
            return True
        region = block.parent
        current: Operation | None = user
        while current is not None:
            parent = current.parent_block()
            if parent is block:
                if after is None:
                    return True
                order = self._positions(block)
                return order[after] < order[current]
            if parent is not None and parent.parent is region and region is not None:
                return block in self._dominators_of(region).get(parent, set())
            current = current.parent_op()
        return False

    def _positions(self, block: Block) -> dict[Operation, int]:
        if block not in self._order:
            self._order[block] = {op: index for index, op in enumerate(block.ops)}
        return self._order[block]

    def _dominators_of(self, region: Region) -> dict[Block, set[Block]]:
        if region not in self._dominators:
            self._dominators[region] = _block_dominators(region)
        return self._dominators[region]


def _block_dominators(region: Region) -> dict[Block, set[Block]]:
    """Dominator sets of a region's blocks by the iterative data-flow rule
    (regions here have a handful of blocks)."""
    blocks = list(region.blocks)
    if not blocks:
        return {}
    preds: dict[Block, list[Block]] = {block: [] for block in blocks}
    for block in blocks:
        last = block.last_op
        for succ in last.successors if last is not None else ():
            if succ in preds:
                preds[succ].append(block)
    entry = blocks[0]
    everything = set(blocks)
    dom = {block: set(everything) for block in blocks}
    dom[entry] = {entry}
    changed = True
    while changed:
        changed = False
        for block in blocks[1:]:
            incoming = [dom[p] for p in preds[block]]
            # MLIR treats a block nothing branches to as dominated by everything
            new = set.intersection(*incoming) if incoming else set(everything)
            new = new | {block}
            if new != dom[block]:
                dom[block] = new
                changed = True
    return dom
