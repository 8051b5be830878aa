"""Scalar arithmetic for kernel bodies: constants, casts and binary operators
with Dato's typing rules (see docs/design-notes.md, "Arithmetic semantics")."""

from __future__ import annotations

import ast
from collections.abc import Callable

from xdsl.dialects import arith, math
from xdsl.dialects.builtin import FloatAttr, IndexType, IntegerAttr, IntegerType
from xdsl.ir import Block, Operation, SSAValue

from dato_xdsl.frontend.types import DType, bool_, float32, int32, promote
from dato_xdsl.frontend.values import Scalar

Emit = Callable[[Operation], Operation]
Fail = Callable[[str], Exception]


def _signed(value: int, width: int) -> int:
    """Two's-complement reading of `value` at `width` bits."""
    if width == 1:
        return value & 1
    value &= (1 << width) - 1
    return value - (1 << width) if value >= 1 << (width - 1) else value


def _range(dtype: DType) -> tuple[int, int]:
    """The values a constant of an integer type may take."""
    if dtype.width == 1:
        return (0, 1)
    if dtype.is_unsigned:
        return (0, (1 << dtype.width) - 1)
    return (-(1 << (dtype.width - 1)), (1 << (dtype.width - 1)) - 1)


class ScalarArith:
    """Emits scalar ops through `emit`; `fail` builds a located error."""

    def __init__(self, emit: Emit, fail: Fail, current_block: Callable[[], Block]) -> None:
        self.emit = emit
        self.fail = fail
        self.current_block = current_block
        self._constants: dict[tuple[int, object, str], SSAValue] = {}

    def _cached(self, key: tuple[object, str]) -> SSAValue | None:
        """A constant already emitted in this block or one enclosing it."""
        block: Block | None = self.current_block()
        while block is not None:
            found = self._constants.get((id(block), *key))
            if found is not None:
                return found
            parent = block.parent_op()
            block = parent.parent_block() if parent is not None else None
        return None

    # ----------------------------------------------------------- constants
    def const(self, value: int | float | bool, dtype: DType | None) -> Scalar:
        if dtype is None:
            if not isinstance(value, int):
                raise self.fail(f"index value must be an integer, got {value!r}")
            attr = IntegerAttr(int(value), IndexType())
        elif dtype.is_float:
            attr = FloatAttr(float(value), dtype.ir)
        else:
            if isinstance(value, float):
                value = int(value)
            lo, hi = _range(dtype)
            if not lo <= int(value) <= hi:
                raise self.fail(f"constant {value} does not fit {dtype.name} (range {lo} to {hi})")
            attr = IntegerAttr(_signed(int(value), dtype.width), IntegerType(dtype.width))
        key = (repr(value), str(attr.type))
        cached = self._cached(key)
        if cached is None:
            cached = self.emit(arith.ConstantOp(attr)).results[0]
            self._constants[(id(self.current_block()), *key)] = cached
        return Scalar(cached, dtype, static=True)

    @staticmethod
    def literal_type(value: object) -> DType:
        if isinstance(value, bool):
            return bool_
        if isinstance(value, int):
            return int32
        return float32

    # --------------------------------------------------------------- casts
    def cast(self, s: Scalar, to: DType | None) -> Scalar:
        src = s.dtype
        if src == to:
            return s
        if src is not None and to is not None and src.ir == to.ir:
            return Scalar(s.value, to, s.static)  # signless: only the reading changes
        v = s.value
        if src is None:  # index -> scalar
            assert to is not None
            if to.is_float:
                v = self._op(arith.IndexCastOp(v, IntegerType(64)))
                v = self._op(arith.SIToFPOp(v, to.ir))
            else:
                v = self._op(arith.IndexCastOp(v, IntegerType(to.width)))
            return Scalar(v, to, s.static)
        if to is None:  # scalar -> index
            if src.is_float:
                raise self.fail(f"a {src.name} value cannot be used as an index")
            if src.is_unsigned and src.width < 64:
                v = self._op(arith.ExtUIOp(v, IntegerType(64)))
            v = self._op(arith.IndexCastOp(v, IndexType()))
            return Scalar(v, None, s.static)
        if to == bool_:
            zero = self.const(0, src)
            if src.is_float:
                v = self._op(arith.CmpfOp(v, zero.value, "une"))
            else:
                v = self._op(arith.CmpiOp(v, zero.value, "ne"))
            return Scalar(v, bool_, s.static)
        if src.is_float and to.is_float:
            op = arith.ExtFOp(v, to.ir) if to.width > src.width else arith.TruncFOp(v, to.ir)
            return Scalar(self._op(op), to, s.static)
        if src.is_float:
            op = arith.FPToUIOp(v, to.ir) if to.is_unsigned else arith.FPToSIOp(v, to.ir)
            return Scalar(self._op(op), to, s.static)
        if to.is_float:
            op = arith.UIToFPOp(v, to.ir) if src.is_unsigned else arith.SIToFPOp(v, to.ir)
            return Scalar(self._op(op), to, s.static)
        if to.width > src.width:
            ext = arith.ExtUIOp if src.is_unsigned else arith.ExtSIOp
            return Scalar(self._op(ext(v, to.ir)), to, s.static)
        return Scalar(self._op(arith.TruncIOp(v, to.ir)), to, s.static)

    def _op(self, op: Operation) -> SSAValue:
        return self.emit(op).results[0]

    def to_scalar(self, x: Scalar | int | float | bool, dtype: DType | None) -> Scalar:
        return x if isinstance(x, Scalar) else self.const(x, dtype)

    # ------------------------------------------------------ binary operators
    def common_type(
        self, a: Scalar | int | float | bool, b: Scalar | int | float | bool
    ) -> DType | None:
        """Operand type of a binary op: literals and indices are weak (they take
        the other side's type), two typed scalars promote."""
        ta = a.dtype if isinstance(a, Scalar) else "lit"
        tb = b.dtype if isinstance(b, Scalar) else "lit"
        if isinstance(ta, DType) and isinstance(tb, DType):
            return promote(ta, tb)
        typed = ta if isinstance(ta, DType) else tb if isinstance(tb, DType) else None
        lit = a if not isinstance(a, Scalar) else b if not isinstance(b, Scalar) else None
        if typed is not None:
            if isinstance(lit, float) and not typed.is_float:
                return float32
            return typed
        # only indices and literals
        if isinstance(lit, float):
            return float32
        return None

    def binop(
        self, op: ast.operator, a: Scalar | int | float | bool, b: Scalar | int | float | bool
    ) -> Scalar:
        if isinstance(op, ast.Pow):
            return self._pow(a, b)
        t = self.common_type(a, b)
        sa, sb = self.cast(self.to_scalar(a, t), t), self.cast(self.to_scalar(b, t), t)
        static = sa.static and sb.static
        x, y = sa.value, sb.value
        name = type(op).__name__
        if t is not None and t.is_float:
            table: dict[str, type[Operation]] = {
                "Add": arith.AddfOp,
                "Sub": arith.SubfOp,
                "Mult": arith.MulfOp,
                "Div": arith.DivfOp,
            }
            if name in table:
                return Scalar(self._op(table[name](x, y)), t, static)
            if name == "FloorDiv":
                q = self._op(arith.DivfOp(x, y))
                return Scalar(self._op(math.FloorOp(q)), t, static)
            if name == "Mod":  # Python's sign rule: x - floor(x / y) * y
                q = self._op(math.FloorOp(self._op(arith.DivfOp(x, y))))
                return Scalar(self._op(arith.SubfOp(x, self._op(arith.MulfOp(q, y)))), t, static)
            raise self.fail(f"operator {SYMBOL[name]} is not defined on {t.name} values")
        unsigned = t is not None and t.is_unsigned
        int_table: dict[str, type[Operation]] = {
            "Add": arith.AddiOp,
            "Sub": arith.SubiOp,
            "Mult": arith.MuliOp,
            "Div": arith.DivUIOp if unsigned else arith.DivSIOp,
            "FloorDiv": arith.DivUIOp if unsigned else arith.FloorDivSIOp,
            "LShift": arith.ShLIOp,
            "RShift": arith.ShRUIOp if unsigned else arith.ShRSIOp,
            "BitAnd": arith.AndIOp,
            "BitOr": arith.OrIOp,
            "BitXor": arith.XOrIOp,
        }
        if name in int_table:
            return Scalar(self._op(int_table[name](x, y)), t, static)
        if name == "Mod":
            if unsigned:
                return Scalar(self._op(arith.RemUIOp(x, y)), t, static)
            positive = isinstance(b, int) and not isinstance(b, bool) and b > 0
            return Scalar(self._python_mod(x, y, t, positive), t, static)
        raise self.fail(f"operator {SYMBOL.get(name, name)} is not supported in kernels")

    def _python_mod(
        self, x: SSAValue, y: SSAValue, t: DType | None, positive_divisor: bool
    ) -> SSAValue:
        """`x % y` with Python's sign rule: the result has the divisor's sign."""
        r = self._op(arith.RemSIOp(x, y))
        zero = self.const(0, t).value
        if positive_divisor:  # `(p + 1) % P`: only a negative remainder needs fixing
            negative = self._op(arith.CmpiOp(r, zero, "slt"))
            return self._op(arith.SelectOp(negative, self._op(arith.AddiOp(r, y)), r))
        r_nonzero = self._op(arith.CmpiOp(r, zero, "ne"))
        r_neg = self._op(arith.CmpiOp(r, zero, "slt"))
        y_neg = self._op(arith.CmpiOp(y, zero, "slt"))
        signs_differ = self._op(arith.XOrIOp(r_neg, y_neg))
        fix = self._op(arith.AndIOp(r_nonzero, signs_differ))
        adjusted = self._op(arith.AddiOp(r, y))
        return self._op(arith.SelectOp(fix, adjusted, r))

    def _pow(self, a: Scalar | int | float | bool, b: Scalar | int | float | bool) -> Scalar:
        if isinstance(b, int) and not isinstance(b, bool) and b >= 0 and isinstance(a, Scalar):
            if b == 0:
                return self.const(1, a.dtype)
            result = a
            for _ in range(b - 1):  # small constant exponents: exact, as numpy
                result = self.binop(ast.Mult(), result, a)
            return result
        t = self.common_type(a, b)
        if t is None or not t.is_float:
            raise self.fail("'**' on integers needs a non-negative constant exponent")
        sa, sb = self.cast(self.to_scalar(a, t), t), self.cast(self.to_scalar(b, t), t)
        return Scalar(self._op(math.PowFOp(sa.value, sb.value)), t, sa.static and sb.static)

    def compare(
        self, op: ast.cmpop, a: Scalar | int | float | bool, b: Scalar | int | float | bool
    ) -> Scalar:
        t = self.common_type(a, b)
        sa, sb = self.cast(self.to_scalar(a, t), t), self.cast(self.to_scalar(b, t), t)
        name = type(op).__name__
        if name not in _CMP:
            raise self.fail(f"comparison {name} is not supported in kernels")
        static = sa.static and sb.static
        if t is not None and t.is_float:
            pred = _CMP[name][2]
            return Scalar(self._op(arith.CmpfOp(sa.value, sb.value, pred)), bool_, static)
        pred = _CMP[name][1 if t is not None and t.is_unsigned else 0]
        return Scalar(self._op(arith.CmpiOp(sa.value, sb.value, pred)), bool_, static)

    def logical(self, is_and: bool, values: list[Scalar]) -> Scalar:
        acc = self.cast(values[0], bool_)
        for v in values[1:]:
            b = self.cast(v, bool_)
            op = arith.AndIOp if is_and else arith.OrIOp
            acc = Scalar(self._op(op(acc.value, b.value)), bool_, acc.static and b.static)
        return acc

    def negate(self, s: Scalar) -> Scalar:
        if s.dtype is not None and s.dtype.is_float:
            return Scalar(self._op(arith.NegfOp(s.value)), s.dtype, s.static)
        return self.binop(ast.Sub(), 0, s)

    def invert(self, s: Scalar) -> Scalar:
        if s.dtype is not None and s.dtype.is_float:
            raise self.fail("'~' is not defined on float values")
        ones = (1 << s.dtype.width) - 1 if s.dtype is not None and s.dtype.is_unsigned else -1
        return self.binop(ast.BitXor(), s, ones)

    def logical_not(self, s: Scalar) -> Scalar:
        b = self.cast(s, bool_)
        return self.binop(ast.BitXor(), b, Scalar(self.const(1, bool_).value, bool_, True))

    def minmax(self, is_max: bool, values: list[Scalar | int | float | bool]) -> Scalar:
        acc = values[0]
        for v in values[1:]:
            t = self.common_type(acc, v)
            sa, sb = self.cast(self.to_scalar(acc, t), t), self.cast(self.to_scalar(v, t), t)
            if t is not None and t.is_float:
                op = arith.MaximumfOp if is_max else arith.MinimumfOp
            elif t is not None and t.is_unsigned:
                op = arith.MaxUIOp if is_max else arith.MinUIOp
            else:
                op = arith.MaxSIOp if is_max else arith.MinSIOp
            acc = Scalar(self._op(op(sa.value, sb.value)), t, sa.static and sb.static)
        if not isinstance(acc, Scalar):
            raise self.fail("min/max of constants only: compute it in Python")
        return acc

    def select(self, cond: Scalar, a: Scalar | int | float, b: Scalar | int | float) -> Scalar:
        t = self.common_type(a, b)
        sa, sb = self.cast(self.to_scalar(a, t), t), self.cast(self.to_scalar(b, t), t)
        c = self.cast(cond, bool_)
        v = self._op(arith.SelectOp(c.value, sa.value, sb.value))
        return Scalar(v, t, c.static and sa.static and sb.static)

    def math_fn(self, name: str, s: Scalar) -> Scalar:
        """A math function of one scalar; integers compute in float32 (numpy
        computes them in a float type), except `abs`, which stays integer and
        wraps the most negative value onto itself as numpy does."""
        if s.dtype is not None and not s.dtype.is_float and name == "abs":
            if s.dtype.is_unsigned:
                return s  # math.absi reads the bits as signed: 255 would become 1
            return Scalar(self._op(math.AbsIOp(s.value)), s.dtype, s.static)
        if s.dtype is None or not s.dtype.is_float:
            s = self.cast(s, float32)
        if name == "sigmoid":  # 1 / (1 + exp(-x))
            e = Scalar(self._op(math.ExpOp(self.negate(s).value)), s.dtype, s.static)
            return self.binop(ast.Div(), 1.0, self.binop(ast.Add(), 1.0, e))
        if name == "relu":
            return self.minmax(True, [s, 0.0])
        ops: dict[str, type[Operation]] = {
            "exp": math.ExpOp,
            "log": math.LogOp,
            "log2": math.Log2Op,
            "log10": math.Log10Op,
            "sqrt": math.SqrtOp,
            "rsqrt": math.RsqrtOp,
            "abs": math.AbsFOp,
            "tanh": math.TanhOp,
            "erf": math.ErfOp,
            "floor": math.FloorOp,
            "ceil": math.CeilOp,
            "sin": math.SinOp,
            "cos": math.CosOp,
        }
        if name not in ops:
            raise self.fail(f"math function '{name}' is not supported in kernels")
        return Scalar(self._op(ops[name](s.value)), s.dtype, s.static)


# operator names as the user wrote them, for messages
SYMBOL = {
    "Add": "+",
    "Sub": "-",
    "Mult": "*",
    "Div": "/",
    "FloorDiv": "//",
    "Mod": "%",
    "Pow": "**",
    "LShift": "<<",
    "RShift": ">>",
    "BitAnd": "&",
    "BitOr": "|",
    "BitXor": "^",
    "MatMult": "@",
}

# ast comparison -> (signed int predicate, unsigned int predicate, float predicate)
_CMP = {
    "Lt": ("slt", "ult", "olt"),
    "LtE": ("sle", "ule", "ole"),
    "Gt": ("sgt", "ugt", "ogt"),
    "GtE": ("sge", "uge", "oge"),
    "Eq": ("eq", "eq", "oeq"),
    "NotEq": ("ne", "ne", "une"),
}


def fold(op: ast.operator, a: int | float | bool, b: int | float | bool) -> int | float:
    """Compile-time evaluation of an operator on two Python constants."""
    name = type(op).__name__
    table: dict[str, Callable[[object, object], object]] = {
        "Add": lambda x, y: x + y,  # type: ignore[operator]
        "Sub": lambda x, y: x - y,  # type: ignore[operator]
        "Mult": lambda x, y: x * y,  # type: ignore[operator]
        "Div": lambda x, y: x / y,  # type: ignore[operator]
        "FloorDiv": lambda x, y: x // y,  # type: ignore[operator]
        "Mod": lambda x, y: x % y,  # type: ignore[operator]
        "Pow": lambda x, y: x**y,  # type: ignore[operator]
        "LShift": lambda x, y: x << y,  # type: ignore[operator]
        "RShift": lambda x, y: x >> y,  # type: ignore[operator]
        "BitAnd": lambda x, y: x & y,  # type: ignore[operator]
        "BitOr": lambda x, y: x | y,  # type: ignore[operator]
        "BitXor": lambda x, y: x ^ y,  # type: ignore[operator]
    }
    return table[name](a, b)  # type: ignore[return-value]
