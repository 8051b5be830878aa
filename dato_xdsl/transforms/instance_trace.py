"""What one instance of a task does at compile time, without copying its body.

A task body's compile-time structure is its `meta_if` decisions, its `meta_for`
trip ranges and the concrete stream each put/get reaches. `Skeleton` extracts
just that structure from the body once, with every compile-time value compiled
to a small Python closure of the instance's pid; `trace(pid)` then walks the
skeleton for one instance. Instances with equal decisions share one
specialised body (see virtual_mapping.py), so a 32x32x32 grid costs one cheap
walk per instance and one body per group."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from xdsl.dialects import arith, scf
from xdsl.dialects.builtin import IntegerAttr, IntegerType
from xdsl.ir import Block, Operation, SSAValue

from dato_xdsl.diagnostics import op_error
from dato_xdsl.dialects import dato

Env = dict[SSAValue, int]
Fn = Callable[[Env], int]

MAX_UNROLLED_ITERATIONS = 1 << 16
"""A meta_for is unrolled at compile time; one instance unrolls at most this many
iterations in all (docs/design-notes.md, "Limits"). Long loops are plain
`range` loops, which stay loops whatever their trip count."""


def trip_count(lb: int, ub: int, step: int) -> int:
    """Iterations of `for i in range(lb, ub, step)` with step > 0, for any integers
    (`len(range(...))` overflows beyond sys.maxsize)."""
    return max(0, -(-(ub - lb) // step))


def is_meta(op: Operation) -> bool:
    return dato.META in op.attributes


def _c_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _c_rem(a: int, b: int) -> int:
    return a - b * _c_div(a, b)


_BINARY: dict[type[Operation], Callable[[int, int], int]] = {
    arith.AddiOp: lambda a, b: a + b,
    arith.SubiOp: lambda a, b: a - b,
    arith.MuliOp: lambda a, b: a * b,
    arith.DivSIOp: _c_div,
    arith.RemSIOp: _c_rem,
    arith.FloorDivSIOp: lambda a, b: a // b,
    arith.CeilDivSIOp: lambda a, b: -(-a // b),
    arith.MaxSIOp: max,
    arith.MinSIOp: min,
    arith.AndIOp: lambda a, b: a & b,
    arith.OrIOp: lambda a, b: a | b,
    arith.XOrIOp: lambda a, b: a ^ b,
}

_CMPI: dict[int, Callable[[int, int], bool]] = {
    0: lambda a, b: a == b,
    1: lambda a, b: a != b,
    2: lambda a, b: a < b,
    3: lambda a, b: a <= b,
    4: lambda a, b: a > b,
    5: lambda a, b: a >= b,
    # unsigned predicates: compared on the operands' bits (see `_unsigned`)
    6: lambda a, b: a < b,
    7: lambda a, b: a <= b,
    8: lambda a, b: a > b,
    9: lambda a, b: a >= b,
}

_UNSIGNED_BINARY: dict[type[Operation], Callable[[int, int], int]] = {
    arith.DivUIOp: lambda a, b: a // b,
    arith.RemUIOp: lambda a, b: a % b,
}
"""Operations on the operands' bits read as unsigned (see `_unsigned`)."""

INDEX_BITS = 64
"""The width an `index` value's bits are read at as unsigned (MLIR's index is
64 bits on the hosts and the NPU)."""


class _NotStatic(Exception):
    """A lenient StaticValues' closure reached a value that is not compile-time."""


def _not_static(env: Env) -> int:
    raise _NotStatic


def _unsigned(value: SSAValue) -> int:
    """The modulus that reads `value`'s bits as an unsigned integer: values
    here are exact Python integers, so a negative one wraps like its bits."""
    t = value.type
    return 1 << (t.width.data if isinstance(t, IntegerType) else INDEX_BITS)


class StaticValues:
    """Compiles SSA values built from pids, constants and meta_for variables
    into closures of an environment mapping those roots to integers.

    Strict (the default), a value that is not compile-time is refused when it
    is compiled, naming the op `user` that needs it. Lenient, it compiles to
    a closure that fails only when evaluated, so a select whose untaken side
    is a runtime value still has a value: `try_value` answers None instead."""

    def __init__(self, roots: set[SSAValue], strict: bool = True) -> None:
        self.roots = roots
        self.strict = strict
        self.cache: dict[SSAValue, Fn] = {}

    def compile(self, value: SSAValue, user: Operation | None = None) -> Fn:
        if value in self.cache:
            return self.cache[value]
        fn = self._compile(value, user)
        self.cache[value] = fn
        return fn

    def try_value(self, value: SSAValue, env: Env) -> int | None:
        """`value` in `env`, or None where it is not compile-time (a lenient
        instance) or divides by zero."""
        try:
            return self.compile(value)(env)
        except (_NotStatic, ZeroDivisionError):
            return None

    def _compile(self, value: SSAValue, user: Operation | None) -> Fn:
        if value in self.roots:
            return lambda env: env[value]
        owner = value.owner
        if isinstance(owner, arith.ConstantOp) and isinstance(owner.value, IntegerAttr):
            c = owner.value.value.data
            if isinstance(owner.value.type, IntegerType) and owner.value.type.width.data == 1:
                c &= 1  # xDSL stores an i1 true as -1: `not` (xori c, true) must give 0
            return lambda env: c
        if isinstance(owner, arith.IndexCastOp | arith.ExtSIOp | arith.ExtUIOp | arith.TruncIOp):
            return self.compile(owner.operands[0], user)
        if type(owner) in _BINARY:
            f = _BINARY[type(owner)]  # type: ignore[index]
            a = self.compile(owner.operands[0], user)
            b = self.compile(owner.operands[1], user)
            return lambda env: f(a(env), b(env))
        if type(owner) in _UNSIGNED_BINARY:
            f = _UNSIGNED_BINARY[type(owner)]  # type: ignore[index]
            m = _unsigned(owner.operands[0])
            a = self.compile(owner.operands[0], user)
            b = self.compile(owner.operands[1], user)
            return lambda env: f(a(env) % m, b(env) % m)
        if isinstance(owner, arith.CmpiOp):
            code = owner.predicate.value.data
            pred = _CMPI[code]
            m = _unsigned(owner.lhs) if code >= 6 else 0
            a = self.compile(owner.lhs, user)
            b = self.compile(owner.rhs, user)
            if m:
                return lambda env: int(pred(a(env) % m, b(env) % m))
            return lambda env: int(pred(a(env), b(env)))
        if isinstance(owner, arith.SelectOp):
            c = self.compile(owner.cond, user)
            t = self.compile(owner.lhs, user)
            f2 = self.compile(owner.rhs, user)
            return lambda env: t(env) if c(env) else f2(env)
        if not self.strict:
            return _not_static
        assert user is not None, "a strict StaticValues names the op needing each value"
        what = owner.name if isinstance(owner, Operation) else "a block argument"
        raise op_error(
            user,
            f"needs a compile-time value (pids, constants, meta_for variables), but one of "
            f"its operands comes from {what}",
        )


@dataclass
class MetaIf:
    op: scf.IfOp
    cond: Fn
    then: list[Node]
    otherwise: list[Node]


@dataclass
class MetaFor:
    op: scf.ForOp
    lb: Fn
    ub: Fn
    step: Fn
    body: list[Node]


@dataclass
class Access:
    op: dato.PutOp | dato.GetOp
    indices: list[Fn]


@dataclass
class Nested:
    """A runtime region op (loop, branch) whose body holds compile-time structure."""

    op: Operation
    regions: list[list[Node]]


Node = MetaIf | MetaFor | Access | Nested


@dataclass
class Trace:
    """One instance's compile-time path: decisions in walk order (a branch
    index per meta_if, an (lb, ub, step) per meta_for) and the concrete stream
    (name, indices) of every access in walk order, with the op making it."""

    decisions: list[object] = field(default_factory=list)
    streams: list[tuple[str, tuple[int, ...]]] = field(default_factory=list)
    ops: list[dato.PutOp | dato.GetOp] = field(default_factory=list)
    unrolled: int = 0


class Skeleton:
    def __init__(self, body: Block, pids: Sequence[SSAValue]) -> None:
        self.pids = list(pids)
        roots: set[SSAValue] = set(pids)
        for op in body.walk():
            if isinstance(op, scf.ForOp) and is_meta(op):
                roots.add(op.body.block.args[0])
        self.values = StaticValues(roots)
        self.nodes = self._block(body)

    def _block(self, block: Block) -> list[Node]:
        nodes: list[Node] = []
        for op in block.ops:
            if isinstance(op, scf.IfOp) and is_meta(op):
                nodes.append(
                    MetaIf(
                        op,
                        self.values.compile(op.cond, op),
                        self._block(op.true_region.block),
                        self._block(op.false_region.block) if op.false_region.blocks else [],
                    )
                )
            elif isinstance(op, scf.ForOp) and is_meta(op):
                nodes.append(
                    MetaFor(
                        op,
                        self.values.compile(op.lb, op),
                        self.values.compile(op.ub, op),
                        self.values.compile(op.step, op),
                        self._block(op.body.block),
                    )
                )
            elif isinstance(op, dato.PutOp | dato.GetOp):
                nodes.append(Access(op, [self.values.compile(i, op) for i in op.indices]))
            elif op.regions:
                regions = [self._block(b) for r in op.regions for b in r.blocks]
                if any(regions):
                    nodes.append(Nested(op, regions))
        return nodes

    def trace(self, pid: Sequence[int]) -> Trace:
        env: Env = dict(zip(self.pids, pid, strict=True))
        out = Trace()
        self._walk(self.nodes, env, out)
        return out

    def _walk(self, nodes: list[Node], env: Env, out: Trace) -> None:
        for node in nodes:
            if isinstance(node, Access):
                name = node.op.stream.root_reference.data
                out.streams.append((name, tuple(f(env) for f in node.indices)))
                out.ops.append(node.op)
            elif isinstance(node, MetaIf):
                taken = 0 if node.cond(env) else 1
                out.decisions.append(taken)
                self._walk(node.then if taken == 0 else node.otherwise, env, out)
            elif isinstance(node, MetaFor):
                lb, ub, step = node.lb(env), node.ub(env), node.step(env)
                if step <= 0:
                    raise op_error(node.op, f"meta_for step must be positive, got {step}")
                out.decisions.append((lb, ub, step))
                out.unrolled += trip_count(lb, ub, step)
                if out.unrolled > MAX_UNROLLED_ITERATIONS:
                    raise op_error(
                        node.op,
                        f"meta_for from {lb} to {ub} step {step} takes an instance past "
                        f"{MAX_UNROLLED_ITERATIONS} unrolled iterations, the limit: a meta_for "
                        "is unrolled at compile time, a plain range loop is not",
                    )
                if not node.body:  # nothing compile-time inside: no need to walk it
                    continue
                iv = node.op.body.block.args[0]
                for value in range(lb, ub, step):
                    env[iv] = value
                    self._walk(node.body, env, out)
                env.pop(iv, None)
            else:
                for region in node.regions:
                    self._walk(region, env, out)
