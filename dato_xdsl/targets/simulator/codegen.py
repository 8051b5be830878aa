"""Task body -> Python generator function.

Each `dato.task` body is translated once into the source of a Python generator
function and compiled with `compile()`; every task instance then runs as one
generator over its own pid and views. SSA values become Python locals, structured
control flow becomes Python `for`/`if`/`while`, and a put/get is an inline deque
operation that yields to the scheduler only when the stream is full/empty.

Generated signature: `body(_pid, _args, _streams, _wake)`; `_pid` is the
instance's coordinates, `_args` its views (one per block argument), `_streams`
maps each stream symbol to its `Stream` (scalar stream) or to a dict from index
tuple to `Stream` (stream array), `_wake(stream)` readies the instances blocked
on a stream after it changed. A blocked put/get yields `(stream, op_id)`.

Every generated line records the op it came from, so an exception raised while
an instance runs is reported at that op's source location.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    FloatAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    MemRefType,
    StringAttr,
)
from xdsl.ir import Attribute, Block, Operation, SSAValue
from xdsl.ir.affine import (
    AffineBinaryOpExpr,
    AffineBinaryOpKind,
    AffineConstantExpr,
    AffineDimExpr,
    AffineExpr,
    AffineMap,
)

from dato_xdsl.diagnostics import op_location
from dato_xdsl.dialects.dato import GetOp, GroupOp, PutOp, StreamOp, TaskOp
from dato_xdsl.dialects.linalg import UNSIGNED_CAST
from dato_xdsl.targets.simulator import semantics as sem
from dato_xdsl.targets.simulator.errors import UnsupportedOpError
from dato_xdsl.transforms.constant_tables import table_values

BodyFunction = Callable[..., Generator[tuple[Any, int], None, None]]


@dataclass(frozen=True)
class OpInfo:
    """What error reports need to know about one op of a body."""

    name: str
    location: str
    stream: str | None = None
    is_put: bool = False


@dataclass(frozen=True)
class CompiledBody:
    """One task body, compiled; shared by all instances of the task."""

    task: str
    function: BodyFunction
    filename: str
    source: str
    line_ops: tuple[int, ...]
    """Op id of each generated line (index = line number - 1)."""
    ops: tuple[OpInfo, ...]

    def op_at_line(self, line: int) -> OpInfo | None:
        if 1 <= line <= len(self.line_ops):
            op_id = self.line_ops[line - 1]
            return self.ops[op_id] if op_id >= 0 else None
        return None


def unsupported(op: Operation, what: str | None = None) -> UnsupportedOpError:
    detail = what or f"the simulator cannot execute '{op.name}'"
    return UnsupportedOpError(f"{op_location(op)}: error: '{op.name}' op {detail}")


_CMPI = {
    0: ("==", None),
    1: ("!=", None),
    2: ("<", "s"),
    3: ("<=", "s"),
    4: (">", "s"),
    5: (">=", "s"),
    6: ("<", "u"),
    7: ("<=", "u"),
    8: (">", "u"),
    9: (">=", "u"),
}

# arith.cmpf predicates as Python expressions over a, b (NaN compares false,
# so the unordered forms are negations of the ordered opposite).
_CMPF = {
    0: "False",
    1: "({a} == {b})",
    2: "({a} > {b})",
    3: "({a} >= {b})",
    4: "({a} < {b})",
    5: "({a} <= {b})",
    6: "({a} < {b} or {a} > {b})",
    7: "({a} == {a} and {b} == {b})",
    8: "(not ({a} < {b} or {a} > {b}))",
    9: "(not ({a} <= {b}))",
    10: "(not ({a} < {b}))",
    11: "(not ({a} >= {b}))",
    12: "(not ({a} > {b}))",
    13: "({a} != {b})",
    14: "({a} != {a} or {b} != {b})",
    15: "True",
}

_WRAPPING_BINARY = {"arith.addi": "+", "arith.subi": "-", "arith.muli": "*"}
_BITWISE = {"arith.andi": "&", "arith.ori": "|", "arith.xori": "^"}
_INT_HELPERS = {
    "arith.divsi": "divsi",
    "arith.remsi": "remsi",
    "arith.divui": "divui",
    "arith.remui": "remui",
    "arith.floordivsi": "floordivsi",
    "arith.ceildivsi": "ceildivsi",
    "arith.ceildivui": "ceildivui",
    "arith.shli": "shli",
    "arith.shrsi": "shrsi",
    "arith.shrui": "shrui",
    "math.ipowi": "ipowi",
}
_FLOAT_BINARY = {"arith.addf": "+", "arith.subf": "-", "arith.mulf": "*", "arith.divf": "/"}
_FLOAT_UFUNC2 = {
    "arith.remf": "fmod",
    "arith.maximumf": "maximum",
    "arith.minimumf": "minimum",
    "arith.maxnumf": "fmax",
    "arith.minnumf": "fmin",
    "math.atan2": "arctan2",
    "math.powf": "power",
    "math.copysign": "copysign",
}
_FLOAT_UFUNC1 = {
    "math.absf": "abs",
    "math.ceil": "ceil",
    "math.floor": "floor",
    "math.trunc": "trunc",
    "math.roundeven": "rint",
    "math.exp": "exp",
    "math.exp2": "exp2",
    "math.expm1": "expm1",
    "math.log": "log",
    "math.log2": "log2",
    "math.log10": "log10",
    "math.log1p": "log1p",
    "math.sqrt": "sqrt",
    "math.sin": "sin",
    "math.cos": "cos",
    "math.tan": "tan",
    "math.asin": "arcsin",
    "math.acos": "arccos",
    "math.atan": "arctan",
    "math.sinh": "sinh",
    "math.cosh": "cosh",
    "math.tanh": "tanh",
    "math.asinh": "arcsinh",
    "math.acosh": "arccosh",
    "math.atanh": "arctanh",
    "math.cbrt": "cbrt",
}
_LINALG_BINARY = {
    "linalg.add": "add",
    "linalg.sub": "subtract",
    "linalg.mul": "multiply",
    "linalg.max": "maximum",
    "linalg.min": "minimum",
}
_LINALG_UNARY = {"linalg.exp": "exp", "linalg.log": "log", "linalg.sqrt": "sqrt"}

Range = tuple[int, int]


class BodyCodegen:
    """Translates one task body. Use `compile_task_body`.

    Other executors reuse the op semantics by subclassing: they call
    `_init_state` and override the hooks (entry block, parameters, prologue,
    names) and add `op_<dialect>_<op>` handlers for their own ops."""

    def __init__(self, task: TaskOp | GroupOp, streams: dict[str, StreamOp]) -> None:
        self.task = task
        self.streams = streams
        self._init_state(task)

    def _init_state(self, unit: Operation) -> None:
        """State shared by every kind of body (subclasses that translate other
        units, such as the virtual NPU's cores, call this instead of __init__)."""
        self.unit = unit
        self.lines: list[str] = []
        self.line_ops: list[int] = []
        self.ops: list[OpInfo] = []
        self.indent = 1
        self.current = -1
        self.names: dict[SSAValue, str] = {}
        self.ranges: dict[SSAValue, Range] = {}
        self.registers: set[SSAValue] = set()
        self.namespace: dict[str, Any] = {"_np": np, "_sem": sem, "_oob": sem.oob}
        self.counter = itertools.count()
        self.stream_vars: dict[str, str] = {}

    # ------------------------------------------------------------ infrastructure

    def fresh(self, prefix: str = "v") -> str:
        return f"{prefix}{next(self.counter)}"

    def emit(self, text: str) -> None:
        self.lines.append("    " * self.indent + text)
        self.line_ops.append(self.current)

    def const(self, value: Any, prefix: str = "_k") -> str:
        """A name in the function's globals for a Python object."""
        name = f"{prefix}{next(self.counter)}"
        self.namespace[name] = value
        return name

    def e(self, value: SSAValue) -> str:
        return self.names[value]

    def define(self, value: SSAValue, expr: str) -> str:
        name = self.fresh()
        self.emit(f"{name} = {expr}")
        self.names[value] = name
        return name

    def alias(self, value: SSAValue, expr: str) -> None:
        """SSA values are immutable Python objects, so a no-op conversion reuses
        the operand's name instead of copying."""
        self.names[value] = expr

    def wrap(self, expr: str, t: Attribute) -> str:
        if isinstance(t, IntegerType):
            return sem.wrap_expr(expr, t.width.data)
        return expr

    # ------------------------------------------------- hooks for other units

    def entry_block(self) -> Block:
        return self.task.body.block

    def parameters(self) -> str:
        """Parameters of the generated function; `_args` holds the entry block's
        arguments."""
        return "_pid, _args, _streams, _wake"

    def prologue(self) -> list[str]:
        """Lines run before the body (at indent 1)."""
        # Stream lookups are hoisted to the top: locals are faster than dict reads.
        return [f"    {var} = _streams[{sym!r}]" for sym, var in self.stream_vars.items()]

    def unit_name(self) -> str:
        return self.task.sym_name.data

    def filename(self) -> str:
        return f"<dato-simulator task @{self.unit_name()}>"

    # ----------------------------------------------------------------- driver

    def generate(self) -> CompiledBody:
        block = self.entry_block()
        arg_names = [self.fresh("a") for _ in block.args]
        for arg, name in zip(block.args, arg_names, strict=True):
            self.names[arg] = name
        header = [f"def _body({self.parameters()}):"]
        if arg_names:
            self.emit(f"{', '.join(arg_names)}{',' if len(arg_names) == 1 else ''} = _args")
        self.block(block)
        self.emit("return")
        self.emit("yield  # a generator even when it never blocks")
        prologue = self.prologue()
        lines = header + prologue + self.lines
        line_ops = [-1] * (1 + len(prologue)) + self.line_ops
        source = "\n".join(lines) + "\n"
        task_name = self.unit_name()
        filename = self.filename()
        code = compile(source, filename, "exec")
        namespace = dict(self.namespace)
        exec(code, namespace)
        return CompiledBody(
            task=task_name,
            function=namespace["_body"],
            filename=filename,
            source=source,
            line_ops=tuple(line_ops),
            ops=tuple(self.ops),
        )

    def block(self, block: Block, skip_terminator: bool = False) -> None:
        ops = list(block.ops)
        if skip_terminator and ops and ops[-1].name in ("scf.yield", "scf.condition"):
            ops = ops[:-1]
        for op in ops:
            self.op(op)

    def op(self, op: Operation) -> None:
        outer = self.current
        info = OpInfo(op.name, op_location(op))
        if isinstance(op, PutOp | GetOp):
            info = OpInfo(
                op.name, info.location, op.stream.root_reference.data, isinstance(op, PutOp)
            )
        self.ops.append(info)
        self.current = len(self.ops) - 1
        handler = self.dispatch(op)
        handler(op)
        self.current = outer

    def dispatch(self, op: Operation) -> Callable[[Operation], None]:
        name = op.name
        if name in _WRAPPING_BINARY:
            return self.int_wrapping_binary
        if name in _BITWISE:
            return self.int_bitwise
        if name in _INT_HELPERS:
            return self.int_helper
        if name in _FLOAT_BINARY:
            return self.float_binary
        if name in _FLOAT_UFUNC2:
            return self.float_ufunc2
        if name in _FLOAT_UFUNC1:
            return self.float_ufunc1
        if name in _LINALG_BINARY or name in _LINALG_UNARY:
            return self.linalg_elementwise
        method = getattr(self, "op_" + name.replace(".", "_"), None)
        if method is None:
            raise unsupported(op)
        return method

    # -------------------------------------------------------------------- dato

    def op_dato_pid(self, op: Operation) -> None:
        grid = self.task.grid_shape
        names = [self.fresh("p") for _ in op.results]
        self.emit(f"{', '.join(names)}{',' if len(names) == 1 else ''} = _pid")
        for result, name, extent in zip(op.results, names, grid, strict=False):
            self.names[result] = name
            self.ranges[result] = (0, extent - 1)

    def stream_ref(self, op: PutOp | GetOp) -> str:
        """Emit the lookup of the stream an op names; returns the variable."""
        sym = op.stream.root_reference.data
        decl = self.streams.get(sym)
        if decl is None:
            raise unsupported(op, f"names @{sym}, which is not a stream of the region")
        var = self.stream_vars.setdefault(sym, f"_S{len(self.stream_vars)}")
        if not decl.shape_values:
            return var
        key = ", ".join(self.e(i) for i in op.indices)
        if len(op.indices) == 1:
            key += ","
        self.emit(f"_s = {var}.get(({key}))")
        self.emit("if _s is None:")
        self.emit(
            f"    raise _sem.OpFailure('index ' + str([{key}]) + ' is outside the stream "
            f"array @{sym} of shape {list(decl.shape_values)}', _sem.OutOfBoundsError)"
        )
        return "_s"

    def op_dato_put(self, op: Operation) -> None:
        assert isinstance(op, PutOp)
        s = self.stream_ref(op)
        value = self.e(op.value)
        if isinstance(op.value.type, MemRefType):
            value = f"{value}.copy()"  # value semantics: the producer may reuse its buffer
        self.emit(f"while len({s}) >= {s}.depth:")
        self.emit(f"    yield {s}, {self.current}")
        self.emit(f"{s}.append({value})")
        self.emit(f"if {s}.waiting: _wake({s})")

    def op_dato_get(self, op: Operation) -> None:
        assert isinstance(op, GetOp)
        s = self.stream_ref(op)
        self.emit(f"while not {s}:")
        self.emit(f"    yield {s}, {self.current}")
        self.define(op.result, f"{s}.popleft()")
        self.emit(f"if {s}.waiting: _wake({s})")

    # ------------------------------------------------------------------- arith

    def op_arith_constant(self, op: Operation) -> None:
        value = op.properties["value"]
        t = op.results[0].type
        if isinstance(value, IntegerAttr) and isinstance(t, IntegerType | IndexType):
            v = value.value.data
            if isinstance(t, IntegerType):
                v = sem.wrap(v, t.width.data)
            self.alias(op.results[0], repr(v) if v >= 0 else f"({v})")
            self.ranges[op.results[0]] = (v, v)
        elif isinstance(value, FloatAttr) and sem.is_float(t):
            self.alias(op.results[0], self.const(sem.float_ctor(t)(value.value.data)))
        else:
            raise unsupported(op, f"constant {value} (only scalar constants are supported)")

    def _range_binary(self, op: Operation) -> None:
        """Known value ranges of index arithmetic let loads/stores skip bounds checks."""
        a, b = (self.ranges.get(v) for v in op.operands)
        if a is None or b is None or not isinstance(op.results[0].type, IndexType):
            return
        if op.name == "arith.addi":
            self.ranges[op.results[0]] = (a[0] + b[0], a[1] + b[1])
        elif op.name == "arith.subi":
            self.ranges[op.results[0]] = (a[0] - b[1], a[1] - b[0])
        elif op.name == "arith.muli" and a[0] >= 0 and b[0] >= 0:
            self.ranges[op.results[0]] = (a[0] * b[0], a[1] * b[1])

    def int_wrapping_binary(self, op: Operation) -> None:
        a, b = (self.e(v) for v in op.operands)
        t = op.results[0].type
        self.define(op.results[0], self.wrap(f"{a} {_WRAPPING_BINARY[op.name]} {b}", t))
        self._range_binary(op)

    def int_bitwise(self, op: Operation) -> None:
        # & | ^ of canonical signed values are canonical: no wrap needed
        a, b = (self.e(v) for v in op.operands)
        self.define(op.results[0], f"{a} {_BITWISE[op.name]} {b}")

    def int_helper(self, op: Operation) -> None:
        a, b = (self.e(v) for v in op.operands)
        width = sem.int_width(op.results[0].type)
        self.define(op.results[0], f"_sem.{_INT_HELPERS[op.name]}({a}, {b}, {width})")
        bound = self.ranges.get(op.operands[1])
        lhs = self.ranges.get(op.operands[0])
        if (
            op.name in ("arith.remsi", "arith.remui")
            and bound is not None
            and bound[0] == bound[1] > 0
            and lhs is not None
            and lhs[0] >= 0
        ):
            self.ranges[op.results[0]] = (0, bound[0] - 1)

    def _minmax(self, op: Operation, cmp: str, unsigned: bool) -> None:
        a, b = (self.e(v) for v in op.operands)
        ua, ub = a, b
        if unsigned:
            width = sem.int_width(op.results[0].type) or sem.INDEX_WIDTH
            ua, ub = sem.unsigned_expr(a, width), sem.unsigned_expr(b, width)
        self.define(op.results[0], f"({a} if {ua} {cmp} {ub} else {b})")

    def op_arith_maxsi(self, op: Operation) -> None:
        self._minmax(op, ">=", False)

    def op_arith_minsi(self, op: Operation) -> None:
        self._minmax(op, "<=", False)

    def op_arith_maxui(self, op: Operation) -> None:
        self._minmax(op, ">=", True)

    def op_arith_minui(self, op: Operation) -> None:
        self._minmax(op, "<=", True)

    def op_arith_cmpi(self, op: Operation) -> None:
        pred = op.properties["predicate"]
        assert isinstance(pred, IntegerAttr)
        cmp, kind = _CMPI[pred.value.data]
        a, b = (self.e(v) for v in op.operands)
        width = sem.int_width(op.operands[0].type) or sem.INDEX_WIDTH
        if kind == "u":
            a, b = sem.unsigned_expr(a, width), sem.unsigned_expr(b, width)
        elif kind == "s" and width == 1:
            a, b = sem.signed_expr(a, 1), sem.signed_expr(b, 1)
        self.define(op.results[0], f"{a} {cmp} {b}")

    def op_arith_cmpf(self, op: Operation) -> None:
        pred = op.properties["predicate"]
        assert isinstance(pred, IntegerAttr)
        a, b = (self.e(v) for v in op.operands)
        self.define(op.results[0], _CMPF[pred.value.data].format(a=a, b=b))

    def op_arith_select(self, op: Operation) -> None:
        c, a, b = (self.e(v) for v in op.operands)
        self.define(op.results[0], f"({a} if {c} else {b})")

    def op_arith_extsi(self, op: Operation) -> None:
        src = op.operands[0].type
        x = self.e(op.operands[0])
        if isinstance(src, IntegerType) and src.width.data == 1:
            self.define(op.results[0], f"-{x}")
        else:
            self.alias(op.results[0], x)

    def op_arith_extui(self, op: Operation) -> None:
        width = sem.int_width(op.operands[0].type) or sem.INDEX_WIDTH
        self.define(op.results[0], sem.unsigned_expr(self.e(op.operands[0]), width))

    def op_arith_trunci(self, op: Operation) -> None:
        self.define(op.results[0], self.wrap(self.e(op.operands[0]), op.results[0].type))

    def op_arith_index_cast(self, op: Operation) -> None:
        src, dst = op.operands[0].type, op.results[0].type
        x = self.e(op.operands[0])
        if isinstance(dst, IndexType):
            width = sem.int_width(src) or sem.INDEX_WIDTH
            self.alias(op.results[0], sem.signed_expr(x, width))
            if op.operands[0] in self.ranges:
                self.ranges[op.results[0]] = self.ranges[op.operands[0]]
        else:
            self.define(op.results[0], self.wrap(x, dst))

    def _to_float(self, op: Operation, unsigned: bool) -> None:
        width = sem.int_width(op.operands[0].type) or sem.INDEX_WIDTH
        x = self.e(op.operands[0])
        x = sem.unsigned_expr(x, width) if unsigned else sem.signed_expr(x, width)
        t = self.const(op.results[0].type, "_t")
        self.define(op.results[0], f"_sem.int_to_float({x}, {t})")

    def op_arith_sitofp(self, op: Operation) -> None:
        self._to_float(op, False)

    def op_arith_uitofp(self, op: Operation) -> None:
        self._to_float(op, True)

    def _to_int(self, op: Operation, unsigned: bool) -> None:
        width = sem.int_width(op.results[0].type) or sem.INDEX_WIDTH
        lo, hi = (
            (0, (1 << width) - 1) if unsigned else (-(1 << (width - 1)), (1 << (width - 1)) - 1)
        )
        x = self.e(op.operands[0])
        self.define(op.results[0], f"_sem.fptoint({x}, {lo}, {hi}, {width})")

    def op_arith_fptosi(self, op: Operation) -> None:
        self._to_int(op, False)

    def op_arith_fptoui(self, op: Operation) -> None:
        self._to_int(op, True)

    def _float_convert(self, op: Operation) -> None:
        ctor = self.const(sem.float_ctor(op.results[0].type), "_f")
        self.define(op.results[0], f"{ctor}({self.e(op.operands[0])})")

    op_arith_extf = _float_convert
    op_arith_truncf = _float_convert

    def op_arith_bitcast(self, op: Operation) -> None:
        src, dst = op.operands[0].type, op.results[0].type
        if src == dst:
            self.alias(op.results[0], self.e(op.operands[0]))
            return
        sd, dd = sem.dtype_of(src), sem.dtype_of(dst)
        if sd is None or dd is None or np.dtype(sd).itemsize != np.dtype(dd).itemsize:
            raise unsupported(op, f"bitcast from {src} to {dst}")
        x = self.e(op.operands[0])
        to_int = sem.int_width(dst)
        self.define(
            op.results[0],
            f"_sem.bitcast({x}, {self.const(sd, '_d')}, {self.const(dd, '_d')}, {to_int})",
        )

    def float_binary(self, op: Operation) -> None:
        a, b = (self.e(v) for v in op.operands)
        self.define(op.results[0], f"{a} {_FLOAT_BINARY[op.name]} {b}")

    def op_arith_negf(self, op: Operation) -> None:
        self.define(op.results[0], f"-{self.e(op.operands[0])}")

    def float_ufunc2(self, op: Operation) -> None:
        a, b = (self.e(v) for v in op.operands)
        self.define(op.results[0], f"_np.{_FLOAT_UFUNC2[op.name]}({a}, {b})")

    def float_ufunc1(self, op: Operation) -> None:
        self.define(op.results[0], f"_np.{_FLOAT_UFUNC1[op.name]}({self.e(op.operands[0])})")

    def _extended(self, op: Operation, signed: bool, add: bool) -> None:
        width = sem.int_width(op.operands[0].type) or sem.INDEX_WIDTH
        a, b = (self.e(v) for v in op.operands)
        if not signed:
            a, b = sem.unsigned_expr(a, width), sem.unsigned_expr(b, width)
        full = self.fresh()
        self.emit(f"{full} = {a} {'+' if add else '*'} {b}")
        self.define(op.results[0], sem.wrap_expr(full, width))
        if add:
            self.define(op.results[1], f"{full} >> {width}")
        else:
            self.define(op.results[1], sem.wrap_expr(f"{full} >> {width}", width))

    def op_arith_addui_extended(self, op: Operation) -> None:
        self._extended(op, False, True)

    def op_arith_mulsi_extended(self, op: Operation) -> None:
        self._extended(op, True, False)

    def op_arith_mului_extended(self, op: Operation) -> None:
        self._extended(op, False, False)

    # -------------------------------------------------------------------- math

    def op_math_rsqrt(self, op: Operation) -> None:
        one = self.const(sem.float_ctor(op.results[0].type)(1))
        self.define(op.results[0], f"{one} / _np.sqrt({self.e(op.operands[0])})")

    def op_math_round(self, op: Operation) -> None:
        # half away from zero; computed in double, exact for f32/bf16 inputs
        ctor = self.const(sem.float_ctor(op.results[0].type), "_f")
        x = self.e(op.operands[0])
        self.define(
            op.results[0],
            f"{ctor}(_np.copysign(_np.floor(abs(float({x})) + 0.5), float({x})))",
        )

    def op_math_erf(self, op: Operation) -> None:
        ctor = self.const(sem.float_ctor(op.results[0].type), "_f")
        self.define(op.results[0], f"_sem.erf({ctor}, {self.e(op.operands[0])})")

    def op_math_fma(self, op: Operation) -> None:
        ctor = self.const(sem.float_ctor(op.results[0].type), "_f")
        a, b, c = (self.e(v) for v in op.operands)
        self.define(op.results[0], f"{ctor}(float({a}) * float({b}) + float({c}))")

    def op_math_fpowi(self, op: Operation) -> None:
        ctor = self.const(sem.float_ctor(op.results[0].type), "_f")
        a, b = (self.e(v) for v in op.operands)
        self.define(op.results[0], f"_sem.fpowi({ctor}, {a}, {b})")

    def op_math_absi(self, op: Operation) -> None:
        self.define(op.results[0], self.wrap(f"abs({self.e(op.operands[0])})", op.results[0].type))

    def _bitcount(self, op: Operation, fn: str) -> None:
        width = sem.int_width(op.results[0].type)
        self.define(op.results[0], f"_sem.{fn}({self.e(op.operands[0])}, {width})")

    def op_math_ctlz(self, op: Operation) -> None:
        self._bitcount(op, "ctlz")

    def op_math_cttz(self, op: Operation) -> None:
        self._bitcount(op, "cttz")

    def op_math_ctpop(self, op: Operation) -> None:
        self._bitcount(op, "ctpop")

    # ------------------------------------------------------------------ memref

    def _is_register(self, value: SSAValue) -> bool:
        """A 0-d buffer used only as the memref of loads/stores lives in a
        Python local (mem2reg): the frontend's scalar locals."""
        t = value.type
        if not isinstance(t, MemRefType) or t.get_shape():
            return False
        for use in value.uses:
            user = use.operation
            if user.name == "memref.load" and use.index == 0:
                continue
            if user.name == "memref.store" and use.index == 1:
                continue
            if user.name == "memref.dealloc":
                continue
            return False
        return True

    def _alloc(self, op: Operation) -> None:
        result = op.results[0]
        t = result.type
        assert isinstance(t, MemRefType)
        dtype = sem.dtype_of(t.element_type)
        if dtype is None:
            raise unsupported(op, f"buffers of {t.element_type}")
        if self._is_register(result):
            self.registers.add(result)
            zero = "0" if sem.int_width(t.element_type) else self.const(dtype(0))
            self.define(result, zero)
            return
        if (values := table_values(op)) is not None:
            # a constant table: its values from the IR (a copy per run of the task)
            table = np.array(values.get_values(), dtype=dtype).reshape(t.get_shape())
            self.define(result, f"{self.const(table, '_table')}.copy()")
            return
        dynamic = iter(self.e(v) for v in op.operands[: len(t.get_shape())])
        dims = [str(d) if d != DYNAMIC_INDEX and d >= 0 else next(dynamic) for d in t.get_shape()]
        shape = "(" + "".join(f"{d}, " for d in dims) + ")"
        # MLIR leaves new buffers undefined; zeros keep runs deterministic
        self.define(result, f"_np.zeros({shape}, {self.const(dtype, '_d')})")

    op_memref_alloc = _alloc
    op_memref_alloca = _alloc

    def op_memref_dealloc(self, op: Operation) -> None:
        pass

    def _index_check(self, op: Operation, memref: SSAValue, indices: Sequence[SSAValue]) -> str:
        """Emit the bounds check of an access; return the numpy index text."""
        buf = self.e(memref)
        t = memref.type
        assert isinstance(t, MemRefType)
        shape = t.get_shape()
        parts: list[str] = []
        for d, (index, extent) in enumerate(zip(indices, shape, strict=True)):
            bound = str(extent) if extent >= 0 else f"{buf}.shape[{d}]"
            known = self.ranges.get(index)
            if known is not None and extent >= 0 and 0 <= known[0] and known[1] < extent:
                continue
            parts.append(f"0 <= {self.e(index)} < {bound}")
        keys = ", ".join(self.e(i) for i in indices)
        if parts:
            what = "load" if op.name == "memref.load" else "store"
            self.emit(f"if not ({' and '.join(parts)}):")
            self.emit(
                f"    raise _oob({what!r}, ({keys}{',' if len(indices) == 1 else ''}), {buf}.shape)"
            )
        return keys if indices else "()"

    def op_memref_load(self, op: Operation) -> None:
        memref, indices = op.operands[0], op.operands[1:]
        if memref in self.registers:
            self.define(op.results[0], self.e(memref))
            return
        keys = self._index_check(op, memref, indices)
        t = memref.type
        assert isinstance(t, MemRefType)
        if sem.int_width(t.element_type) is not None:
            # .item() gives a Python int, already signed (arrays use signed dtypes)
            self.define(op.results[0], f"{self.e(memref)}.item({keys if indices else ''})")
        else:
            self.define(op.results[0], f"{self.e(memref)}[{keys}]")

    def op_memref_store(self, op: Operation) -> None:
        value, memref, indices = op.operands[0], op.operands[1], op.operands[2:]
        if memref in self.registers:
            self.emit(f"{self.e(memref)} = {self.e(value)}")
            return
        keys = self._index_check(op, memref, indices)
        self.emit(f"{self.e(memref)}[{keys}] = {self.e(value)}")

    def op_memref_subview(self, op: Operation) -> None:
        source = op.operands[0]
        src_t, dst_t = source.type, op.results[0].type
        assert isinstance(src_t, MemRefType) and isinstance(dst_t, MemRefType)
        n_off = len(op.properties["static_offsets"].get_values())  # type: ignore[attr-defined]
        dynamic = iter(self.e(v) for v in op.operands[1:])
        lists: list[str] = []
        static: dict[str, tuple[int, ...]] = {}
        for key in ("static_offsets", "static_sizes", "static_strides"):
            values = op.properties[key].get_values()  # type: ignore[attr-defined]
            static[key] = values
            items = [next(dynamic) if v == DYNAMIC_INDEX else str(v) for v in values]
            lists.append("(" + "".join(f"{x}, " for x in items) + ")")
        dropped = _dropped_dims(static["static_sizes"], dst_t.get_shape(), n_off)
        if dropped is None:
            raise unsupported(op, f"rank-reducing subview from {src_t} to {dst_t}")
        self.define(
            op.results[0],
            f"_sem.subview({self.e(source)}, {lists[0]}, {lists[1]}, {lists[2]}, {tuple(dropped)})",
        )

    def op_memref_copy(self, op: Operation) -> None:
        src, dst = (self.e(v) for v in op.operands)
        self.emit(f"_sem.copy({src}, {dst})")

    def op_memref_cast(self, op: Operation) -> None:
        self.alias(op.results[0], self.e(op.operands[0]))

    def op_memref_dim(self, op: Operation) -> None:
        src, index = (self.e(v) for v in op.operands)
        self.define(op.results[0], f"{src}.shape[{index}]")

    # --------------------------------------------------------------------- scf

    def _iter_range(self, op: Operation) -> Range | None:
        lb, ub, step = (self.ranges.get(v) for v in op.operands[:3])
        if lb is None or ub is None or step is None or step[0] < 1:
            return None
        if lb[0] != lb[1] or ub[0] != ub[1] or lb[0] >= ub[0]:
            return None
        return (lb[0], ub[0] - 1)

    def op_scf_for(self, op: Operation) -> None:
        lb, ub, step = (self.e(v) for v in op.operands[:3])
        inits = [self.e(v) for v in op.operands[3:]]
        body = op.regions[0].block
        iv, carried = body.args[0], body.args[1:]
        carried_names = [self.fresh("c") for _ in carried]
        for name, init in zip(carried_names, inits, strict=True):
            self.emit(f"{name} = {init}")
        for arg, name in zip(carried, carried_names, strict=True):
            self.names[arg] = name
        iv_name = self.fresh("i")
        self.names[iv] = iv_name
        known = self._iter_range(op)
        if known is not None:
            self.ranges[iv] = known
        self.emit(f"for {iv_name} in range({lb}, {ub}, {step}):")
        self.indent += 1
        self.block(body, skip_terminator=True)
        self._assign_yield(body, carried_names)
        self.emit("pass")
        self.indent -= 1
        for result, name in zip(op.results, carried_names, strict=True):
            self.define(result, name)

    def _assign_yield(self, block: Block, targets: Sequence[str]) -> None:
        last = block.last_op
        if not targets:
            return
        if last is None or last.name != "scf.yield":
            raise unsupported(block.parent_op() or self.unit, "a region without scf.yield")
        values = [self.e(v) for v in last.operands]
        self.emit(f"{', '.join(targets)}, = {', '.join(values)},")

    def op_scf_if(self, op: Operation) -> None:
        results = [self.fresh("r") for _ in op.results]
        self.emit(f"if {self.e(op.operands[0])}:")
        for k, region in enumerate(op.regions):
            if k == 1:
                if not region.blocks:
                    break
                self.emit("else:")
            self.indent += 1
            if region.blocks:
                self.block(region.block, skip_terminator=True)
                self._assign_yield(region.block, results)
            self.emit("pass")
            self.indent -= 1
        for result, name in zip(op.results, results, strict=True):
            self.names[result] = name

    def op_scf_while(self, op: Operation) -> None:
        before, after = op.regions[0].block, op.regions[1].block
        carried = [self.fresh("w") for _ in before.args]
        for name, init in zip(carried, op.operands, strict=True):
            self.emit(f"{name} = {self.e(init)}")
        for arg, name in zip(before.args, carried, strict=True):
            self.names[arg] = name
        results = [self.fresh("r") for _ in op.results]
        self.emit("while True:")
        self.indent += 1
        self.block(before, skip_terminator=True)
        cond = before.last_op
        if cond is None or cond.name != "scf.condition":
            raise unsupported(op, "a before region not ending in scf.condition")
        forwarded = [self.e(v) for v in cond.operands[1:]]
        self.emit(f"if not {self.e(cond.operands[0])}:")
        if results:
            self.emit(f"    {', '.join(results)}, = {', '.join(forwarded)},")
        self.emit("    break")
        after_names = [self.fresh("w") for _ in after.args]
        if after_names:
            self.emit(f"{', '.join(after_names)}, = {', '.join(forwarded)},")
        for arg, name in zip(after.args, after_names, strict=True):
            self.names[arg] = name
        self.block(after, skip_terminator=True)
        self._assign_yield(after, carried)
        self.indent -= 1
        for result, name in zip(op.results, results, strict=True):
            self.names[result] = name

    # ------------------------------------------------------------ func.call
    def op_func_call(self, op: Operation) -> None:
        """An external kernel (dato.ExternalModule): its C++ reference runs on
        the views, as the virtual NPU runs it in a core."""
        from dato_xdsl.targets.simulator.host_kernels import reference_kernel

        if op.results:
            raise unsupported(op, "with results (external kernels write their outputs)")
        fn = self.const(reference_kernel(op, op_location(op)), "_kernel")
        self.emit(f"{fn}({', '.join(self.e(v) for v in op.operands)})")

    # ------------------------------------------------------------------ linalg

    def _linalg_operands(self, op: Operation) -> tuple[list[str], list[str]]:
        if op.results:
            raise unsupported(op, "on tensors; the simulator runs linalg on memrefs only")
        ins = [self.e(v) for v in op.inputs]  # type: ignore[attr-defined]
        outs = [self.e(v) for v in op.outputs]  # type: ignore[attr-defined]
        return ins, outs

    def op_linalg_fill(self, op: Operation) -> None:
        ins, outs = self._linalg_operands(op)
        self.emit(f"_sem.fill({ins[0]}, {outs[0]})")

    def op_linalg_copy(self, op: Operation) -> None:
        ins, outs = self._linalg_operands(op)
        self.emit(f"_sem.copy({ins[0]}, {outs[0]})")

    def linalg_elementwise(self, op: Operation) -> None:
        ins, outs = self._linalg_operands(op)
        fn = _LINALG_BINARY.get(op.name) or _LINALG_UNARY[op.name]
        self.emit(f"_sem.elementwise(_np.{fn}, ({', '.join(ins)},), {outs[0]})")

    def op_linalg_select(self, op: Operation) -> None:
        ins, outs = self._linalg_operands(op)
        self.emit(f"_sem.select({', '.join(ins)}, {outs[0]})")

    def op_linalg_matmul(self, op: Operation) -> None:
        maps = [m.data for m in op.properties["indexing_maps"].data]  # type: ignore[attr-defined]
        default = [
            AffineMap.from_callable(lambda i, _, k: (i, k)),
            AffineMap.from_callable(lambda _, j, k: (k, j)),
            AffineMap.from_callable(lambda i, j, _: (i, j)),
        ]
        if maps != default or "cast" in op.properties:
            raise unsupported(op, "with non-default indexing maps or a cast attribute")
        ins, outs = self._linalg_operands(op)
        if op.attributes.get(UNSIGNED_CAST) == StringAttr("unsigned"):
            ins = [f"_sem.unsigned_view({x})" for x in ins]  # UInt operands (extui body)
        out_t = op.outputs[0].type  # type: ignore[attr-defined]
        width = sem.int_width(out_t.element_type) if isinstance(out_t, MemRefType) else None
        if width is not None and width > 64:
            self.emit(f"_sem.matmul_wide({ins[0]}, {ins[1]}, {outs[0]}, {width})")
            return
        self.emit(f"_sem.matmul({ins[0]}, {ins[1]}, {outs[0]})")

    def op_linalg_transpose(self, op: Operation) -> None:
        ins, outs = self._linalg_operands(op)
        perm = tuple(op.properties["permutation"].get_values())  # type: ignore[attr-defined]
        self.emit(f"_sem.transpose({ins[0]}, {perm}, {outs[0]})")

    def op_linalg_broadcast(self, op: Operation) -> None:
        if op.results:
            raise unsupported(op, "on tensors; the simulator runs linalg on memrefs only")
        src, out = (self.e(v) for v in op.operands)
        dims = tuple(op.properties["dimensions"].get_values())  # type: ignore[attr-defined]
        self.emit(f"_sem.broadcast({src}, {dims}, {out})")

    def op_linalg_generic(self, op: Operation) -> None:
        """Nested loops over the iteration space with the body inlined: slow
        (per element) but exact; named ops are the fast path."""
        if op.results:
            raise unsupported(op, "on tensors; the simulator runs linalg on memrefs only")
        maps: list[AffineMap] = [m.data for m in op.properties["indexing_maps"].data]  # type: ignore[attr-defined]
        operands = list(op.operands)
        n_in = len(op.inputs)  # type: ignore[attr-defined]
        if not maps:
            raise unsupported(op, "without indexing maps")
        n_dims = maps[0].num_dims
        if any(m.num_symbols for m in maps):
            raise unsupported(op, "with symbols in its indexing maps")
        extents: list[str | None] = [None] * n_dims
        for value, m in zip(operands, maps, strict=True):
            if not isinstance(value.type, MemRefType):
                continue
            for r, expr in enumerate(m.results):
                if isinstance(expr, AffineDimExpr) and extents[expr.position] is None:
                    extent = value.type.get_shape()[r]
                    extents[expr.position] = (
                        str(extent) if extent >= 0 else f"{self.e(value)}.shape[{r}]"
                    )
        if any(x is None for x in extents):
            raise unsupported(op, "whose loop bounds do not follow from its operand shapes")
        dims = [self.fresh("d") for _ in range(n_dims)]
        for d, extent in zip(dims, extents, strict=True):
            self.emit(f"for {d} in range({extent}):")
            self.indent += 1
        body = op.regions[0].block
        for k, (value, m, arg) in enumerate(zip(operands, maps, body.args, strict=True)):
            if not isinstance(value.type, MemRefType):
                self.names[arg] = self.e(value)
                continue
            if k >= n_in and not arg.uses:
                continue
            key = self._affine_key(value, m, dims)
            if sem.int_width(value.type.element_type) is not None:
                self.define(arg, f"{self.e(value)}.item({key})")
            else:
                self.define(arg, f"{self.e(value)}[{key}]")
        saved = dict(self.names)
        for inner in list(body.ops)[:-1]:
            if inner.name == "linalg.index":
                dim = inner.properties["dim"]
                assert isinstance(dim, IntegerAttr)
                self.alias(inner.results[0], dims[dim.value.data])
                continue
            self.op(inner)
        yielded = body.last_op
        if yielded is None or yielded.name != "linalg.yield":
            raise unsupported(op, "whose body does not end in linalg.yield")
        for value, m, result in zip(operands[n_in:], maps[n_in:], yielded.operands, strict=True):
            key = self._affine_key(value, m, dims)
            self.emit(f"{self.e(value)}[{key}] = {self.e(result)}")
        self.names = saved
        self.indent -= n_dims

    def _affine_key(self, value: SSAValue, m: AffineMap, dims: Sequence[str]) -> str:
        exprs = [_affine_text(e, dims) for e in m.results]
        key = ", ".join(exprs)
        if any(not isinstance(e, AffineDimExpr) for e in m.results):
            # only a computed subscript can leave the array; plain dims span it
            self.emit(
                f"_sem.check_bounds(({key}{',' if len(exprs) == 1 else ''}), {self.e(value)}.shape)"
            )
        return key if exprs else "()"


def _affine_text(expr: AffineExpr, dims: Sequence[str]) -> str:
    if isinstance(expr, AffineDimExpr):
        return dims[expr.position]
    if isinstance(expr, AffineConstantExpr):
        return f"({expr.value})"
    if isinstance(expr, AffineBinaryOpExpr):
        a, b = _affine_text(expr.lhs, dims), _affine_text(expr.rhs, dims)
        match expr.kind:
            case AffineBinaryOpKind.Add:
                return f"({a} + {b})"
            case AffineBinaryOpKind.Mul:
                return f"({a} * {b})"
            case AffineBinaryOpKind.Mod:
                return f"({a} % {b})"
            case AffineBinaryOpKind.FloorDiv:
                return f"({a} // {b})"
            case AffineBinaryOpKind.CeilDiv:
                return f"(-((-{a}) // {b}))"
    raise ValueError(f"affine expression {expr}")


def _dropped_dims(
    sizes: Sequence[int], result_shape: Sequence[int], rank: int
) -> list[bool] | None:
    """Which source dimensions a rank-reducing subview drops: static unit sizes,
    matched greedily against the result shape from the left (MLIR's rule for the
    unambiguous cases)."""
    if len(result_shape) == rank:
        return [False] * rank
    dropped: list[bool] = []
    r = 0
    for d, size in enumerate(sizes):
        remaining_src = rank - d
        remaining_dst = len(result_shape) - r
        keep = r < len(result_shape) and (
            size != 1 or result_shape[r] == 1 and remaining_src == remaining_dst
        )
        if size == 1 and not keep:
            dropped.append(True)
            continue
        if r >= len(result_shape):
            return None
        dropped.append(False)
        r += 1
    return dropped if r == len(result_shape) else None


def compile_task_body(task: TaskOp | GroupOp, streams: dict[str, StreamOp]) -> CompiledBody:
    """Translate and compile one task body. Raises UnsupportedOpError (located)
    for an op the simulator cannot run."""
    return BodyCodegen(task, streams).generate()


__all__ = ["BodyCodegen", "CompiledBody", "OpInfo", "compile_task_body", "unsupported"]
