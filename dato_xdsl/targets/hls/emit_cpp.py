"""`vhls` IR -> Vitis HLS C++ (`kernel.cpp`).

One `static void` function per `vhls.process` (`#pragma HLS inline off`, so
each call stays a dataflow process), then the `extern "C"` top function: its
interface pragmas, `#pragma HLS dataflow`, one `hls::stream<T, depth>` per
`vhls.stream` with its `#pragma HLS stream`, and one call per `vhls.call`.

Names come from the program (SSA name hints, stream and process symbols),
made unique per function. Memrefs are C arrays (`int16_t a[2][4]`) or, for the
top's m_axi arguments, flat pointers; a `memref.subview` is not a copy but an
index expression on its base array. Named linalg ops and `memref.copy` expand
into loop nests whose innermost loop is pipelined at II=1.

Scalar semantics match the simulator's (docs/design-notes.md): integers wrap
(sums and products of 32/64-bit values are computed unsigned, where C++ would
call overflow undefined), `/` truncates, floor division and shifts use helpers
from `dato_hls.h`, bf16 is `dato::bf16` (rounds to nearest even after every op).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO

from xdsl.context import Context
from xdsl.dialects import arith, memref, scf
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    BFloat16Type,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    Float16Type,
    Float32Type,
    Float64Type,
    FloatAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    MemRefType,
    ModuleOp,
    StringAttr,
)
from xdsl.ir import Attribute, Block, Operation, SSAValue
from xdsl.traits import SymbolTable
from xdsl.utils.target import Target

from dato_xdsl.diagnostics import op_error, op_location
from dato_xdsl.dialects import memref as dialect_memref
from dato_xdsl.dialects import vhls
from dato_xdsl.dialects.linalg import UNSIGNED_CAST
from dato_xdsl.transforms.dato_to_vhls import RESERVED_C_NAMES

# ---------------------------------------------------------------- C++ types


def c_type(t: Attribute) -> str:
    if isinstance(t, IntegerType):
        width = t.width.data
        if width == 1:
            return "bool"
        if width in (8, 16, 32, 64):
            return f"int{width}_t"
        # Int(n) / UInt(n): UG1399's arbitrary-precision type. MLIR integers
        # are signless, so values are ap_int; an unsigned reading converts to
        # ap_uint<n> where an op needs it (_uread)
        return f"ap_int<{width}>"
    if isinstance(t, IndexType):
        return "int"
    if isinstance(t, Float32Type):
        return "float"
    if isinstance(t, Float64Type):
        return "double"
    if isinstance(t, BFloat16Type):
        return "dato::bf16"
    if isinstance(t, MemRefType):
        return f"hls::vector<{c_type(t.element_type)}, {_numel(t.get_shape())}>"
    if isinstance(t, Float16Type):
        raise ValueError("f16 has no C++ representation here")
    raise ValueError(f"type {t} has no C++ representation")


MAX_AP_WIDTH = 128
"""The widest ap_int the emitted C++ uses (what the C simulation's ap_int.h holds)."""

BLOCK_STREAM_MAX_BITS = 1024
"""Blocks wider than this travel as `hls::stream_of_blocks` (UG1399: a stream
of array blocks between dataflow processes, each block a memory) rather than
as one `hls::vector` FIFO word with muxes as wide as the block."""


def is_block_stream(t: Attribute) -> bool:
    """A stream whose elements are blocks above BLOCK_STREAM_MAX_BITS."""
    if not isinstance(t, vhls.StreamType) or not isinstance(t.element_type, MemRefType):
        return False
    block = t.element_type
    return _numel(block.get_shape()) * _bits(block.element_type) > BLOCK_STREAM_MAX_BITS


def _bits(t: Attribute) -> int:
    if isinstance(t, IntegerType):
        return t.width.data
    if isinstance(t, BFloat16Type | Float16Type):
        return 16
    if isinstance(t, Float64Type):
        return 64
    return 32


def _block_c_type(block: MemRefType) -> str:
    """`T[d0][d1]`, the array type a stream of blocks carries."""
    return c_type(block.element_type) + "".join(f"[{d}]" for d in block.get_shape())


def stream_c_type(t: vhls.StreamType, with_depth: bool) -> str:
    """The C++ type of a stream: hls::stream, or hls::stream_of_blocks for big blocks."""
    if is_block_stream(t):
        assert isinstance(t.element_type, MemRefType)
        # the depth is part of a stream of blocks' type: declaration and parameter agree
        return f"hls::stream_of_blocks<{_block_c_type(t.element_type)}, {t.depth.data}>"
    if with_depth:
        return f"hls::stream<{c_type(t.element_type)}, {t.depth.data}>"
    return f"hls::stream<{c_type(t.element_type)}>"


def _unsigned(t: Attribute) -> str:
    if isinstance(t, IntegerType) and t.width.data > 1:
        width = t.width.data
        return f"uint{width}_t" if width in (8, 16, 32, 64) else f"ap_uint<{width}>"
    return "unsigned"


def _odd_width(t: Attribute) -> int | None:
    """The width of an integer type C++ has no type for (i4, i12, i40), else None."""
    if isinstance(t, IntegerType) and t.width.data not in (1, 8, 16, 32, 64):
        return t.width.data
    return None


def _uread(expr: str, t: Attribute) -> str:
    """`expr` (of integer type t) read as unsigned: an ap_int<n> as the
    ap_uint<n> of the same n bits."""
    u = _unsigned(t)
    if _odd_width(t) is None:
        return f"({u}){expr}"
    return f"(({u})({expr}))"


def _odd_div(name: str, a: str, b: str, t: Attribute, where: str) -> str:
    """An integer division of ap_int<n> values. ap_int's `/` and `%` are exact
    (the quotient has a bit more than its operands), so only dato's wrap of
    MIN / -1, the floor/ceil adjustment and the zero check are spelled out;
    `define` wraps the result to n bits."""
    check = f'dato::check_divisor({b} == 0, "{where}")'
    if name == "arith.divsi":
        value = f"({a} / {b})"
    elif name == "arith.remsi":
        value = f"({a} % {b})"
    elif name in ("arith.divui", "arith.remui"):
        ua, ub = _uread(a, t), _uread(b, t)
        value = f"({ua} {'/' if name == 'arith.divui' else '%'} {ub})"
    else:  # floor or ceil: step the truncated quotient when the remainder is not 0
        floor = name == "arith.floordivsi"
        same = "!=" if floor else "=="
        step = "-" if floor else "+"
        value = f"({a} / {b} {step} (({a} % {b} != 0 && (({a} < 0) {same} ({b} < 0))) ? 1 : 0))"
    return f"({check}, ({c_type(t)}){value})"


def _odd_shift(name: str, a: str, b: str, t: Attribute) -> str:
    """A shift of ap_int<n> values: an amount of n or more gives 0 (or the sign
    for an arithmetic right shift), as dato's shifts do; the amount is read
    unsigned (ap_int would shift the other way for a negative amount)."""
    width = _odd_width(t)
    assert width is not None
    amount = f"(unsigned long long){_uread(b, t)}"
    ct = c_type(t)
    if name == "arith.shli":
        return f"({_uread(b, t)} >= {width} ? ({ct})0 : ({ct})({a} << {amount}))"
    if name == "arith.shrsi":
        return f"({ct})({a} >> ({_uread(b, t)} >= {width} ? {width - 1}ULL : {amount}))"
    ua = _uread(a, t)
    return f"({_uread(b, t)} >= {width} ? ({ct})0 : ({ct})({ua} >> {amount}))"


def _width(t: Attribute) -> int:
    if isinstance(t, IntegerType):
        return t.width.data
    return 32  # index is a C++ int


def _numel(shape: Sequence[int]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def _is_float(t: Attribute) -> bool:
    return isinstance(t, Float32Type | Float64Type | BFloat16Type)


def _to_float(expr: str, t: Attribute) -> str:
    """A float-typed expression as a C++ float."""
    return f"dato::to_float({expr})" if isinstance(t, BFloat16Type) else expr


def _from_float(expr: str, t: Attribute) -> str:
    if isinstance(t, BFloat16Type):
        return f"dato::to_bf16({expr})"
    return f"({c_type(t)})({expr})"


def _int_to_float(expr: str, t: Attribute) -> str:
    """The integer `expr` (a C++ integer or an ap_[u]int of any width) as the
    float of type t nearest it: dato::itofp rounds once, as the simulator
    does, where a cast through (float) rounds twice for bf16 and f64."""
    return f"dato::itofp<{c_type(t)}>({expr})"


def _literal(value: Attribute, t: Attribute) -> str:
    if isinstance(value, IntegerAttr):
        v = value.value.data
        if isinstance(t, IntegerType) and t.width.data == 1:
            return "true" if v & 1 else "false"
        if isinstance(t, IntegerType):
            width = t.width.data
            v = ((v + (1 << (width - 1))) % (1 << width)) - (1 << (width - 1))
            if _odd_width(t) is not None:
                return _ap_literal(v, t)
            if width == 64:
                if v == -(1 << 63):  # 9223372036854775808LL is no long long
                    return f"(int64_t)({-((1 << 63) - 1)}LL - 1)"
                return f"(int64_t){v}LL" if v >= 0 else f"(int64_t)({v}LL)"
            return f"({c_type(t)}){v}" if v >= 0 else f"({c_type(t)})({v})"
        return str(v)
    if isinstance(value, FloatAttr):
        f = float(value.value.data)
        text = repr(f)
        if text in ("inf", "-inf", "nan"):
            text = {"inf": "INFINITY", "-inf": "-INFINITY", "nan": "NAN"}[text]
        elif "e" not in text and "." not in text:
            text += ".0"
        numeric = text.lstrip("-")[:1].isdigit()  # INFINITY and NAN take no suffix
        if isinstance(t, Float32Type):
            return f"{text}f" if numeric else text
        if isinstance(t, BFloat16Type):
            return f"dato::to_bf16({text}f)" if numeric else f"dato::to_bf16({text})"
        return text
    raise ValueError(f"constant {value}")


def _ap_literal(v: int, t: Attribute) -> str:
    """An ap_int<n> constant: C++ has literals up to 64 bits, so a wider value
    is its high half shifted up, or'ed with its low half read unsigned."""
    ct = c_type(t)
    if -(1 << 63) <= v < (1 << 63):
        text = f"{v}LL" if v > -(1 << 63) else f"({-((1 << 63) - 1)}LL - 1)"
        return f"({ct})({text})"
    high, low = v >> 64, v & ((1 << 64) - 1)
    return f"({ct})((({ct}){_ap_literal(high, t)} << 64) | ({ct})(ap_uint<64>)({low}ULL))"


# --------------------------------------------------------------------- views


@dataclass
class View:
    """An array expression: `base` indexed by `dims` per base dimension, each
    either a fixed index (a dropped dim) or `offset + stride * i_k` of result
    dim k. `flat_shape` is set for a flat pointer (an m_axi argument)."""

    base: str
    base_shape: tuple[int, ...]
    dims: list[tuple[str, int, int | None]]
    """per base dim: (offset expression, stride, result dim or None if dropped)"""
    flat: bool = False

    @staticmethod
    def of(base: str, shape: Sequence[int], flat: bool = False) -> View:
        return View(base, tuple(shape), [("0", 1, d) for d in range(len(shape))], flat)

    def at(self, indices: Sequence[str]) -> str:
        parts: list[str] = []
        for offset, stride, k in self.dims:
            if k is None:
                parts.append(offset)
                continue
            i = indices[k]
            term = i if stride == 1 else f"{stride} * {i}"
            parts.append(term if offset == "0" else f"{offset} + {term}")
        if not parts:
            return self.base
        if self.flat:
            flat: list[str] = []
            for d, p in enumerate(parts):
                inner = _numel(self.base_shape[d + 1 :])
                flat.append(f"({p}) * {inner}" if inner != 1 else f"({p})")
            return f"{self.base}[{' + '.join(flat)}]"
        return self.base + "".join(f"[{p}]" for p in parts)

    def sub(self, offsets: Sequence[str], strides: Sequence[int], keep: Sequence[bool]) -> View:
        """The view of a subview of this view (offsets/strides per result dim of self)."""
        new_index: dict[int, int | None] = {}
        k = 0
        for d, kept in enumerate(keep):
            new_index[d] = k if kept else None
            if kept:
                k += 1
        dims: list[tuple[str, int, int | None]] = []
        for offset, stride, old in self.dims:
            if old is None:
                dims.append((offset, stride, None))
                continue
            o, s = offsets[old], strides[old]
            scaled = o if stride == 1 else f"{stride} * ({o})"
            combined = scaled if offset == "0" else f"{offset} + {scaled}"
            if combined != "0" and o == "0":
                combined = offset
            new = new_index[old]
            if new is None:
                dims.append((combined, stride * s, None))
            else:
                dims.append((combined, stride * s, new))
        return View(self.base, self.base_shape, dims, self.flat)


def _dropped(sizes: Sequence[int], result_shape: Sequence[int]) -> list[bool]:
    """Which dims a rank-reducing subview keeps (unit sizes dropped greedily)."""
    if len(sizes) == len(result_shape):
        return [True] * len(sizes)
    keep: list[bool] = []
    r = 0
    for d, size in enumerate(sizes):
        remaining_src = len(sizes) - d
        remaining_dst = len(result_shape) - r
        kept = r < len(result_shape) and (
            size != 1 or (result_shape[r] == 1 and remaining_src == remaining_dst)
        )
        keep.append(kept)
        if kept:
            r += 1
    return keep


# ----------------------------------------------------------------- emission


_CMPI = {0: "==", 1: "!=", 2: "<", 3: "<=", 4: ">", 5: ">=", 6: "<", 7: "<=", 8: ">", 9: ">="}
_CMPF = {
    0: "false",
    1: "({a} == {b})",
    2: "({a} > {b})",
    3: "({a} >= {b})",
    4: "({a} < {b})",
    5: "({a} <= {b})",
    6: "({a} < {b} || {a} > {b})",
    7: "({a} == {a} && {b} == {b})",
    8: "!({a} < {b} || {a} > {b})",
    9: "!({a} <= {b})",
    10: "!({a} < {b})",
    11: "!({a} >= {b})",
    12: "!({a} > {b})",
    13: "!({a} == {b})",
    14: "!({a} == {a} && {b} == {b})",
    15: "true",
}
_WRAPPING = {"arith.addi": "+", "arith.subi": "-", "arith.muli": "*"}
_BITWISE = {"arith.andi": "&", "arith.ori": "|", "arith.xori": "^"}
# integer divisions: wrapped as dato defines them, a zero divisor reported
_CHECKED_DIV = {
    "arith.divsi": "sdiv",
    "arith.remsi": "srem",
    "arith.divui": "udiv",
    "arith.remui": "urem",
    "arith.floordivsi": "floordiv",
    "arith.ceildivsi": "ceildiv",
}
_HELPER2 = {
    "arith.shli": "shl",
    "arith.shrsi": "shrs",
    "arith.shrui": "shru",
    "arith.maximumf": "maximumf",
    "arith.minimumf": "minimumf",
    "arith.maxnumf": "maxnumf",
    "arith.minnumf": "minnumf",
    "arith.remf": "fmod",
    "math.powf": "pow",
    "math.atan2": "atan2",
}
_FLOAT_BINARY = {"arith.addf": "+", "arith.subf": "-", "arith.mulf": "*", "arith.divf": "/"}
MATH_UNARY = (
    "exp",
    "log",
    "sqrt",
    "tanh",
    "sin",
    "cos",
    "floor",
    "ceil",
    "trunc",
    "absf",
    "exp2",
    "log2",
    "log10",
    "erf",
    "rsqrt",
    "roundeven",
    "round",
)
_LINALG_BINARY = {
    "linalg.add": "{a} + {b}",
    "linalg.sub": "{a} - {b}",
    "linalg.mul": "{a} * {b}",
    "linalg.max": "dato::maximum({a}, {b})",
    "linalg.min": "dato::minimum({a}, {b})",
}
_LINALG_UNARY = {"linalg.exp": "exp", "linalg.log": "log", "linalg.sqrt": "sqrt"}
_ELEMENTWISE_WRAPPING = {"linalg.add": "+", "linalg.sub": "-", "linalg.mul": "*"}


class _Function:
    """Emits one process body."""

    def __init__(self, proc: vhls.ProcessOp, pipo_args: frozenset[int] = frozenset()) -> None:
        self.proc = proc
        self.pipo_args = pipo_args
        """argument indices bound to pipos: shaped arrays, not m_axi pointers"""
        self.lines: list[str] = []
        self.indent = 1
        self.names: dict[SSAValue, str] = {}
        self.views: dict[SSAValue, View] = {}
        self.used: set[str] = set()
        self.labels: set[str] = set()

    # ---------------------------------------------------------- plumbing

    def emit(self, text: str) -> None:
        self.lines.append("  " * self.indent + text)

    def pragma(self, text: str) -> None:
        self.lines.append(f"#pragma HLS {text}")

    def fresh(self, hint: str | None, default: str = "v") -> str:
        base = _sanitize(hint) if hint else default
        if base in _RESERVED:
            base += "_"
        name = base
        k = 1
        while name in self.used:
            name = f"{base}_{k}"
            k += 1
        self.used.add(name)
        return name

    def label(self, hint: str) -> str:
        base = _sanitize(hint) or "loop"
        name = base
        k = 1
        while name in self.labels:  # labels have their own namespace
            name = f"{base}_{k}"
            k += 1
        self.labels.add(name)
        return name

    def e(self, v: SSAValue) -> str:
        return self.names[v]

    def define(self, v: SSAValue, expr: str) -> None:
        if not v.uses:
            # evaluated for its effect (a stream read) only: no unused variable
            self.emit(f"{expr};" if expr.endswith(".read()") else f"(void)({expr});")
            self.names[v] = "0"
            return
        if _odd_width(v.type) is not None:
            expr = f"({c_type(v.type)})({expr})"  # ap_int keeps the low n bits: wraps
        name = self.fresh(v.name_hint)
        self.emit(f"const {c_type(v.type)} {name} = {expr};")
        self.names[v] = name

    def loops(
        self,
        shape: Sequence[int],
        hint: str,
        body: Callable[[list[str]], None],
        pipeline: bool = True,
    ) -> None:
        """A nest over `shape`, innermost pipelined at II=1."""
        ivs: list[str] = []
        for d, extent in enumerate(shape):
            iv = self.fresh(f"{hint}{d}")
            ivs.append(iv)
            self.emit(
                f"{self.label(hint + str(d))}: for (int {iv} = 0; {iv} < {extent}; {iv}++) {{"
            )
            self.indent += 1
            if pipeline and d == len(shape) - 1:
                self.pragma("pipeline II=1")
        body(ivs)
        for _ in shape:
            self.indent -= 1
            self.emit("}")

    # ---------------------------------------------------------- signature

    def signature(self) -> str:
        params: list[str] = []
        block = self.proc.body.block
        n_lit = self.proc.num_literals.data
        for k, arg in enumerate(block.args):
            name = self.fresh(arg.name_hint, f"arg{k}")
            self.names[arg] = name
            t = arg.type
            if k < n_lit:
                params.append(f"const int {name}")
            elif isinstance(t, vhls.StreamType):
                params.append(f"{stream_c_type(t, with_depth=False)}& {name}")
            elif isinstance(t, MemRefType) and k in self.pipo_args:
                dims = "".join(f"[{d}]" for d in t.get_shape())
                params.append(f"{c_type(t.element_type)} {name}{dims}")
                self.views[arg] = View.of(name, t.get_shape())
            elif isinstance(t, MemRefType):
                params.append(f"{c_type(t.element_type)}* {name}")
                self.views[arg] = View.of(name, t.get_shape(), flat=True)
        return f"static void {self.proc.sym_name.data}({', '.join(params)})"

    def generate(self) -> list[str]:
        header = self.signature() + " {"
        self.pragma("inline off")
        self.block(self.proc.body.block)
        return [header, *self.lines, "}"]

    def block(self, block: Block) -> None:
        for op in block.ops:
            if isinstance(op, scf.YieldOp):
                continue
            self.op(op)

    def op(self, op: Operation) -> None:
        name = op.name
        if name in _WRAPPING:
            return self.wrapping(op)
        if name in _BITWISE:
            a, b = (self.e(v) for v in op.operands)
            t = op.results[0].type
            return self.define(op.results[0], f"({c_type(t)})({a} {_BITWISE[name]} {b})")
        if name in _CHECKED_DIV:
            a, b = (self.e(v) for v in op.operands)
            where = op_location(op).replace("\\", "/").replace('"', "'")
            t = op.results[0].type
            if _odd_width(t) is not None:
                return self.define(op.results[0], _odd_div(name, a, b, t, where))
            if name in ("arith.divui", "arith.remui"):
                a, b = _uread(a, t), _uread(b, t)
            call = f'dato::{_CHECKED_DIV[name]}({a}, {b}, "{where}")'
            return self.define(op.results[0], f"({c_type(t)}){call}")
        if name in _HELPER2:
            a, b = (self.e(v) for v in op.operands)
            t = op.results[0].type
            if name in ("arith.shli", "arith.shrsi", "arith.shrui") and _odd_width(t) is not None:
                return self.define(op.results[0], _odd_shift(name, a, b, t))
            return self.define(op.results[0], f"dato::{_HELPER2[name]}({a}, {b})")
        if name in _FLOAT_BINARY:
            a, b = (self.e(v) for v in op.operands)
            return self.define(op.results[0], f"{a} {_FLOAT_BINARY[name]} {b}")
        if name.startswith("math.") and name[5:] in MATH_UNARY:
            return self.define(op.results[0], f"dato::{name[5:]}({self.e(op.operands[0])})")
        if name in _LINALG_BINARY or name in _LINALG_UNARY:
            return self.linalg_elementwise(op)
        method = getattr(self, "op_" + name.replace(".", "_"), None)
        if method is None:
            raise op_error(op, "has no HLS C++ translation")
        method(op)

    # -------------------------------------------------------------- arith

    def op_arith_constant(self, op: Operation) -> None:
        t = op.results[0].type
        self.names[op.results[0]] = _literal(op.properties["value"], t)

    def wrapping(self, op: Operation) -> None:
        a, b = (self.e(v) for v in op.operands)
        t = op.results[0].type
        sym = _WRAPPING[op.name]
        if isinstance(t, IndexType) or _odd_width(t) is not None:
            # ap_int sums and products are exact; define() wraps to n bits
            expr = f"{a} {sym} {b}"
        elif isinstance(t, IntegerType) and t.width.data >= 32:
            u = _unsigned(t)
            expr = f"({c_type(t)})(({u}){a} {sym} ({u}){b})"
        else:  # narrower than int: the promoted arithmetic cannot overflow
            expr = f"({c_type(t)})({a} {sym} {b})"
        self.define(op.results[0], expr)

    def _minmax(self, op: Operation, cmp: str, unsigned: bool) -> None:
        a, b = (self.e(v) for v in op.operands)
        if op.operands[0] is op.operands[1]:  # max(v, v): no self-comparison for -Wall
            self.define(op.results[0], a)
            return
        ua, ub = a, b
        if unsigned:
            t = op.results[0].type
            ua, ub = _uread(a, t), _uread(b, t)
        self.define(op.results[0], f"({ua} {cmp} {ub} ? {a} : {b})")

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
        p = pred.value.data
        a, b = (self.e(v) for v in op.operands)
        if op.operands[0] is op.operands[1]:  # v == v: a constant, no self-comparison
            self.define(op.results[0], "true" if p in (0, 3, 5, 7, 9) else "false")
            return
        if p >= 6:
            t = op.operands[0].type
            a, b = _uread(a, t), _uread(b, t)
        self.define(op.results[0], f"{a} {_CMPI[p]} {b}")

    def op_arith_cmpf(self, op: Operation) -> None:
        pred = op.properties["predicate"]
        assert isinstance(pred, IntegerAttr)
        t = op.operands[0].type
        a, b = (_to_float(self.e(v), t) for v in op.operands)
        self.define(op.results[0], _CMPF[pred.value.data].format(a=a, b=b))

    def op_arith_select(self, op: Operation) -> None:
        c, a, b = (self.e(v) for v in op.operands)
        self.define(op.results[0], f"({c} ? {a} : {b})")

    def op_arith_extsi(self, op: Operation) -> None:
        src, dst = op.operands[0].type, op.results[0].type
        x = self.e(op.operands[0])
        if isinstance(src, IntegerType) and src.width.data == 1:
            self.define(op.results[0], f"({c_type(dst)})({x} ? -1 : 0)")
        else:
            self.define(op.results[0], f"({c_type(dst)}){x}")

    def op_arith_extui(self, op: Operation) -> None:
        src, dst = op.operands[0].type, op.results[0].type
        self.define(op.results[0], f"({c_type(dst)}){_uread(self.e(op.operands[0]), src)}")

    def op_arith_trunci(self, op: Operation) -> None:
        dst = op.results[0].type
        x = self.e(op.operands[0])
        if isinstance(dst, IntegerType) and dst.width.data == 1:
            self.define(op.results[0], f"(bool)({x} & 1)")
        else:
            self.define(op.results[0], f"({c_type(dst)}){x}")

    def op_arith_index_cast(self, op: Operation) -> None:
        self.define(op.results[0], f"({c_type(op.results[0].type)}){self.e(op.operands[0])}")

    def _to_fp(self, op: Operation, unsigned: bool) -> None:
        src, dst = op.operands[0].type, op.results[0].type
        x = self.e(op.operands[0])
        if unsigned:
            x = _uread(x, src)
        if isinstance(src, IntegerType) and src.width.data == 1:
            x = f"({x} ? {'1' if unsigned else '-1'} : 0)"
        self.define(op.results[0], _int_to_float(x, dst))

    def op_arith_sitofp(self, op: Operation) -> None:
        self._to_fp(op, False)

    def op_arith_uitofp(self, op: Operation) -> None:
        self._to_fp(op, True)

    def _fp_to_int(self, op: Operation, unsigned: bool) -> None:
        # dato::fptosi / fptoui build the integer from the float's fields (exact
        # at every width up to MAX_AP_WIDTH; saturating and NaN to 0 as the simulator)
        src, dst = op.operands[0].type, op.results[0].type
        x = _to_float(self.e(op.operands[0]), src)
        fn = "fptoui" if unsigned else "fptosi"
        self.define(op.results[0], f"dato::{fn}<{c_type(dst)}, {_width(dst)}>({x})")

    def op_arith_fptosi(self, op: Operation) -> None:
        self._fp_to_int(op, False)

    def op_arith_fptoui(self, op: Operation) -> None:
        self._fp_to_int(op, True)

    def _fp_convert(self, op: Operation) -> None:
        src, dst = op.operands[0].type, op.results[0].type
        self.define(op.results[0], _from_float(_to_float(self.e(op.operands[0]), src), dst))

    op_arith_extf = _fp_convert
    op_arith_truncf = _fp_convert

    def op_arith_negf(self, op: Operation) -> None:
        self.define(op.results[0], f"-{self.e(op.operands[0])}")

    def op_math_absi(self, op: Operation) -> None:
        # negated through the unsigned type (ap_uint<n> for an odd width n):
        # abs(MIN) wraps to MIN as numpy's does
        x = self.e(op.operands[0])
        t = op.results[0].type
        u = _unsigned(t)
        self.define(op.results[0], f"({c_type(t)})({x} < 0 ? ({u})(0u - ({u}){x}) : ({u}){x})")

    # ------------------------------------------------------------- memref

    def _alloc(self, op: Operation) -> None:
        result = op.results[0]
        t = result.type
        assert isinstance(t, MemRefType)
        shape = t.get_shape()
        if any(d < 0 for d in shape):
            raise op_error(op, "allocates a dynamically shaped buffer; HLS needs static shapes")
        name = self.fresh(result.name_hint, "buf")
        dims = "".join(f"[{d}]" for d in shape)
        # zero-initialised like the simulator's buffers, so runs are deterministic
        self.emit(f"{c_type(t.element_type)} {name}{dims} = {{}};")
        if _bound_to_uram(op):
            self.pragma(f"bind_storage variable={name} type=ram_2p impl=uram")
        self.names[result] = name
        self.views[result] = View.of(name, shape)

    op_memref_alloc = _alloc
    op_memref_alloca = _alloc

    def op_memref_get_global(self, op: Operation) -> None:
        # a constant table (a `memref.global constant`): a `static const` array
        # in the process, which Vitis makes a ROM initialised once
        result = op.results[0]
        t = result.type
        assert isinstance(t, MemRefType)
        glob = SymbolTable.lookup_symbol(op, op.properties["name"])  # type: ignore[arg-type]
        if not isinstance(glob, dialect_memref.GlobalOp) or not isinstance(
            value := glob.initial_value, DenseIntOrFPElementsAttr
        ):
            raise op_error(op, "reads a memref.global without a constant value")
        shape = t.get_shape()
        # a global always has a (non-empty) symbol name: the table's name
        # when the value has no name hint
        name = self.fresh(result.name_hint or glob.sym_name.data)
        items = [_literal(a, t.element_type) for a in value.iter_attrs()]
        self.emit(
            f"static const {c_type(t.element_type)} {name}"
            f"{''.join(f'[{d}]' for d in shape)} = {_nested_braces(items, shape)};"
        )
        self.names[result] = name
        self.views[result] = View.of(name, shape)

    def op_memref_dealloc(self, op: Operation) -> None:
        pass

    def view(self, v: SSAValue) -> View:
        return self.views[v]

    def checked_indices(
        self, op: Operation, ref: SSAValue, indices: Sequence[SSAValue]
    ) -> list[str]:
        """The indices of a load/store, each wrapped in DATO_IDX (dato_hls.h) so
        the C simulation stops at an out-of-bounds access, located at the dato
        source line and naming the array as the simulator reports it; synthesis
        sees the bare index. A constant index already inside its extent needs no
        check. On a window of a task's view (vhls.WINDOW_ATTR) the index is
        checked and reported in the view's terms: the window's origin added
        back, against the view's shape."""
        shape = cast_memref(ref.type).get_shape()
        window = op.attributes.get(vhls.WINDOW_ATTR)
        view_shape = (
            list(window.get_values())  # type: ignore[union-attr]
            if isinstance(window, DenseArrayBase)
            else None
        )
        # the message is a printf format: a `%` of the file name is doubled
        where = op_location(op).replace("\\", "/").replace('"', "'").replace("%", "%%")
        array = _array_name(ref).replace('"', "'").replace("%", "%%")
        out: list[str] = []
        for d, (v, n) in enumerate(zip(indices, shape, strict=True)):
            owner = v.owner
            if (
                view_shape is None
                and isinstance(owner, Operation)
                and owner.name == "arith.constant"
            ):
                value = owner.properties["value"]
                if isinstance(value, IntegerAttr) and 0 <= value.value.data < n:
                    out.append(self.e(v))
                    continue
            extent = n if view_shape is None else view_shape[d]
            what = (
                f"{where}: error: '{op.name}' op index %d of dimension {d} of {array}"
                f" is out of bounds for shape {view_shape or list(shape)}"
            )
            if view_shape is not None and isinstance(owner, arith.SubiOp):
                # local = view index - origin: report view index = local + origin
                origin = self.e(owner.rhs)
                out.append(f'DATO_WINDOW_IDX({self.e(v)}, {origin}, {extent}, {n}, "{what}")')
            else:
                out.append(f'DATO_IDX({self.e(v)}, {n}, "{what}")')
        return out

    def op_memref_load(self, op: Operation) -> None:
        view = self.view(op.operands[0])
        indices = self.checked_indices(op, op.operands[0], op.operands[1:])
        self.define(op.results[0], view.at(indices))

    def op_memref_store(self, op: Operation) -> None:
        view = self.view(op.operands[1])
        indices = self.checked_indices(op, op.operands[1], op.operands[2:])
        self.emit(f"{view.at(indices)} = {self.e(op.operands[0])};")

    def op_memref_subview(self, op: Operation) -> None:
        assert isinstance(op, memref.SubviewOp)
        dynamic = iter(self.e(v) for v in op.offsets)
        offsets = [
            next(dynamic) if o == DYNAMIC_INDEX else str(o) for o in op.static_offsets.get_values()
        ]
        strides = list(op.static_strides.get_values())
        if any(s == DYNAMIC_INDEX for s in strides) or op.sizes:
            raise op_error(op, "has dynamic sizes or strides; HLS needs static shapes")
        sizes = list(op.static_sizes.get_values())
        keep = _dropped(sizes, cast_memref(op.result.type).get_shape())
        self.views[op.result] = self.view(op.source).sub(offsets, strides, keep)

    def op_memref_cast(self, op: Operation) -> None:
        self.views[op.results[0]] = self.view(op.operands[0])

    def op_memref_copy(self, op: Operation) -> None:
        src, dst = (self.view(v) for v in op.operands)
        shape = cast_memref(op.operands[1].type).get_shape()
        self.loops(shape, "c", lambda ivs: self.emit(f"{dst.at(ivs)} = {src.at(ivs)};"))

    # --------------------------------------------------------------- vhls

    def op_vhls_read(self, op: Operation) -> None:
        assert isinstance(op, vhls.ReadOp)
        s = self.e(op.stream)
        t = op.result.type
        if not isinstance(t, MemRefType):
            self.define(op.result, f"{s}.read()")
            return
        if not op.result.uses:  # a block nobody reads: take it off the stream only
            if is_block_stream(op.stream.type):
                lock = self.fresh(f"{s}_rd")
                self.emit(f"{{ hls::read_lock<{_block_c_type(t)}> {lock}({s}); (void){lock}; }}")
            else:
                self.emit(f"(void){s}.read();")
            return
        # a block: unpack it into a fresh local array
        self._alloc(op)
        if is_block_stream(op.stream.type):
            self._read_block(s, op.result, t)
            return
        packed = self.fresh(f"{self.e(op.result)}_blk")
        self.emit(f"const {c_type(t)} {packed} = {s}.read();")
        view = self.view(op.result)
        shape = t.get_shape()
        self.loops(
            shape, "u", lambda ivs: self.emit(f"{view.at(ivs)} = {packed}[{_flat(ivs, shape)}];")
        )

    def op_vhls_write(self, op: Operation) -> None:
        assert isinstance(op, vhls.WriteOp)
        s = self.e(op.stream)
        t = op.value.type
        if not isinstance(t, MemRefType):
            self.emit(f"{s}.write({self.e(op.value)});")
            return
        if is_block_stream(op.stream.type):
            self._write_block(s, op.value, t)
            return
        packed = self.fresh(f"{s}_blk")
        self.emit(f"{c_type(t)} {packed};")
        view = self.view(op.value)
        shape = t.get_shape()
        self.loops(
            shape, "k", lambda ivs: self.emit(f"{packed}[{_flat(ivs, shape)}] = {view.at(ivs)};")
        )
        self.emit(f"{s}.write({packed});")

    def _read_block(self, s: str, result: SSAValue, t: MemRefType) -> None:
        """Copy a block out of a stream of blocks; the read lock is held only
        for the copy (its scope), so the block goes back to the writer at once."""
        lock = self.fresh(f"{s}_rd")
        view = self.view(result)
        self.emit("{")
        self.indent += 1
        self.emit(f"hls::read_lock<{_block_c_type(t)}> {lock}({s});")
        self.loops(
            t.get_shape(),
            "u",
            lambda ivs: self.emit(f"{view.at(ivs)} = {lock}{''.join(f'[{i}]' for i in ivs)};"),
        )
        self.indent -= 1
        self.emit("}")

    def _write_block(self, s: str, value: SSAValue, t: MemRefType) -> None:
        """Fill a block of a stream of blocks; it is released to the reader
        when the write lock goes out of scope."""
        lock = self.fresh(f"{s}_wr")
        view = self.view(value)
        self.emit("{")
        self.indent += 1
        self.emit(f"hls::write_lock<{_block_c_type(t)}> {lock}({s});")
        self.loops(
            t.get_shape(),
            "k",
            lambda ivs: self.emit(f"{lock}{''.join(f'[{i}]' for i in ivs)} = {view.at(ivs)};"),
        )
        self.indent -= 1
        self.emit("}")

    def op_vhls_for(self, op: Operation) -> None:
        assert isinstance(op, vhls.ForOp)
        iv = self.fresh(op.iv.name_hint, "i")
        self.names[op.iv] = iv
        lb, ub, step = (self.e(v) for v in (op.lb, op.ub, op.step))
        inc = f"{iv}++" if step == "1" else f"{iv} += {step}"
        self.emit(f"{self.label(op.label.data)}: for (int {iv} = {lb}; {iv} < {ub}; {inc}) {{")
        self.indent += 1
        if op.pipeline is not None:
            self.pragma(f"pipeline II={op.pipeline.data}")
        if op.unroll is not None:
            self.pragma("unroll" if op.unroll.data == 0 else f"unroll factor={op.unroll.data}")
        if op.flatten is not None:
            self.pragma("loop_flatten")
        self.block(op.body.block)
        self.indent -= 1
        self.emit("}")

    def op_vhls_array_partition(self, op: Operation) -> None:
        assert isinstance(op, vhls.ArrayPartitionOp)
        name = self.e(op.array)
        kind = op.kind.data
        factor = "" if kind == "complete" else f" factor={op.factor.data}"
        self.pragma(f"array_partition variable={name} type={kind}{factor} dim={op.dim.data}")

    # ---------------------------------------------------------------- scf

    def op_scf_for(self, op: Operation) -> None:
        assert isinstance(op, scf.ForOp)
        body = op.body.block
        carried = body.args[1:]
        names = []
        for arg, init, result in zip(carried, op.iter_args, op.results, strict=True):
            name = self.fresh(arg.name_hint, "acc")
            self.emit(f"{c_type(arg.type)} {name} = {self.e(init)};")
            self.names[arg] = name
            self.names[result] = name
            names.append(name)
        iv = self.fresh(body.args[0].name_hint, "i")
        self.names[body.args[0]] = iv
        lb, ub, step = (self.e(v) for v in op.operands[:3])
        self.emit(f"{self.label(iv)}: for (int {iv} = {lb}; {iv} < {ub}; {iv} += {step}) {{")
        self.indent += 1
        self.block(body)
        self._yield(body, names)
        self.indent -= 1
        self.emit("}")

    def _yield(self, block: Block, targets: Sequence[str]) -> None:
        last = block.last_op
        if targets and isinstance(last, scf.YieldOp):
            values = [self.e(v) for v in last.operands]
            for t, v in zip(targets, values, strict=True):
                self.emit(f"{t} = {v};")

    def op_scf_if(self, op: Operation) -> None:
        assert isinstance(op, scf.IfOp)
        names = []
        for result in op.results:
            name = self.fresh(result.name_hint, "r")
            self.emit(f"{c_type(result.type)} {name};")
            self.names[result] = name
            names.append(name)
        self.emit(f"if ({self.e(op.cond)}) {{")
        for k, region in enumerate(op.regions):
            if not region.blocks:
                continue
            if k == 1:
                self.emit("} else {")
            self.indent += 1
            self.block(region.block)
            self._yield(region.block, names)
            self.indent -= 1
        self.emit("}")

    # ------------------------------------------------------------- linalg

    def op_linalg_fill(self, op: Operation) -> None:
        value = self.e(op.operands[0])
        out = self.view(op.operands[1])
        shape = cast_memref(op.operands[1].type).get_shape()
        self.loops(shape, "f", lambda ivs: self.emit(f"{out.at(ivs)} = {value};"))

    op_linalg_copy = op_memref_copy

    def linalg_elementwise(self, op: Operation) -> None:
        n_in = len(op.inputs)  # type: ignore[attr-defined]
        ins = [self.view(v) for v in op.operands[:n_in]]
        out = self.view(op.operands[n_in])
        out_t = cast_memref(op.operands[n_in].type).element_type
        shape = cast_memref(op.operands[n_in].type).get_shape()

        def convert(expr: str, t: Attribute) -> str:
            if t == out_t:
                return expr
            if _is_float(out_t):
                if not _is_float(t):
                    return _int_to_float(expr, out_t)
                return _from_float(_to_float(expr, t), out_t)
            if _is_float(t):  # truncated, saturated, NaN to 0: the simulator's convert_array
                return f"dato::fptosi<{c_type(out_t)}, {_width(out_t)}>({_to_float(expr, t)})"
            return f"({c_type(out_t)}){expr}"

        def body(ivs: list[str]) -> None:
            args = [
                convert(v.at(ivs), cast_memref(o.type).element_type)
                for v, o in zip(ins, op.operands[:n_in], strict=True)
            ]
            if op.name in _LINALG_UNARY:
                expr = f"dato::{_LINALG_UNARY[op.name]}({args[0]})"
            else:
                expr = _LINALG_BINARY[op.name].format(a=args[0], b=args[1])
                if _odd_width(out_t) is not None and op.name in _ELEMENTWISE_WRAPPING:
                    sym = _ELEMENTWISE_WRAPPING[op.name]  # exact in ap_int, wrapped by the cast
                    expr = f"({c_type(out_t)})({args[0]} {sym} {args[1]})"
                elif isinstance(out_t, IntegerType) and op.name in (
                    "linalg.add",
                    "linalg.sub",
                    "linalg.mul",
                ):
                    u = _unsigned(out_t) if out_t.width.data >= 32 else "int"
                    sym = {"linalg.add": "+", "linalg.sub": "-", "linalg.mul": "*"}[op.name]
                    expr = f"({c_type(out_t)})(({u}){args[0]} {sym} ({u}){args[1]})"
            self.emit(f"{out.at(ivs)} = {expr};")

        self.loops(shape, "e", body)

    def op_linalg_matmul(self, op: Operation) -> None:
        a, b, c = (self.view(v) for v in op.operands[:3])
        a_t, b_t, c_t = (cast_memref(v.type) for v in op.operands[:3])
        m, k = a_t.get_shape()
        n = b_t.get_shape()[1]
        out = c_t.element_type
        # UInt operands (the frontend's `dato.cast = "unsigned"`) widen unsigned
        unsigned = op.attributes.get(UNSIGNED_CAST) == StringAttr("unsigned")
        if _is_float(out):
            acc_t = "float" if not isinstance(out, Float64Type) else "double"

            def load(view: View, t: MemRefType, ivs: list[str]) -> str:
                et = t.element_type
                x = view.at(ivs)
                if _is_float(et):
                    return _to_float(x, et)
                # an integer operand rounds once to the accumulator's type, at
                # any width (a C cast of an ap_int wider than 64 bits reads its low 64)
                acc_type = Float64Type() if acc_t == "double" else Float32Type()
                return _int_to_float(_uread(x, et) if unsigned else x, acc_type)

            to_acc = lambda v, t, ivs: load(v, t, ivs)  # noqa: E731
            from_acc = lambda x: _from_float(x, out)  # noqa: E731
        elif _odd_width(out) is not None:
            # an ap_int accumulator: products exact, every += wraps to its width;
            # UInt operands narrower than it widen unsigned (the simulator's unsigned_view)
            acc_t = c_type(out)
            to_acc = lambda v, t, ivs: (  # noqa: E731
                f"({acc_t}){_uread(v.at(ivs), t.element_type)}"
                if unsigned and t.element_type != out
                else f"({acc_t}){v.at(ivs)}"
            )
            from_acc = lambda x: x  # noqa: E731
        else:
            # wrap-around accumulation, computed unsigned (C++ signed overflow is UB)
            acc_t = "uint64_t" if _width(out) > 32 else "uint32_t"
            cast_in = "int64_t" if _width(out) > 32 else "int32_t"
            to_acc = lambda v, t, ivs: (  # noqa: E731
                f"({acc_t}){_uread(v.at(ivs), t.element_type)}"
                if unsigned and t.element_type != out
                else f"({acc_t})({cast_in}){v.at(ivs)}"
            )
            from_acc = lambda x: f"({c_type(out)}){x}"  # noqa: E731
        acc = self.fresh("acc")
        # i, k, j order: the innermost loop carries no dependence, so II=1
        self.emit(f"{acc_t} {acc}[{m}][{n}];")
        if _bound_to_uram(op):
            self.pragma(f"bind_storage variable={acc} type=ram_2p impl=uram")
        self.loops(
            [m, n],
            "mi",
            lambda ivs: self.emit(f"{acc}[{ivs[0]}][{ivs[1]}] = {to_acc(c, c_t, ivs)};"),
        )
        i = self.fresh("i")
        kk = self.fresh("k")
        j = self.fresh("j")
        self.emit(f"{self.label('mm_i')}: for (int {i} = 0; {i} < {m}; {i}++) {{")
        self.emit(f"  {self.label('mm_k')}: for (int {kk} = 0; {kk} < {k}; {kk}++) {{")
        self.emit(f"    {self.label('mm_j')}: for (int {j} = 0; {j} < {n}; {j}++) {{")
        self.pragma("pipeline II=1")
        av = to_acc(a, a_t, [i, kk])
        bv = to_acc(b, b_t, [kk, j])
        self.emit(f"      {acc}[{i}][{j}] += {av} * {bv};")
        self.emit("    }")
        self.emit("  }")
        self.emit("}")
        self.loops(
            [m, n],
            "mo",
            lambda ivs: self.emit(f"{c.at(ivs)} = {from_acc(f'{acc}[{ivs[0]}][{ivs[1]}]')};"),
        )


_RESERVED = RESERVED_C_NAMES


def _array_name(ref: SSAValue) -> str:
    """The program's name of the array a load/store reaches (through views)."""
    while not ref.name_hint and isinstance(ref.owner, memref.SubviewOp | memref.CastOp):
        ref = ref.owner.operands[0]
    return f"'{ref.name_hint}'" if ref.name_hint else "an array"


def _sanitize(name: str) -> str:
    clean = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    if clean and clean[0].isdigit():
        clean = "v" + clean
    return clean


def _flat(ivs: Sequence[str], shape: Sequence[int]) -> str:
    parts = []
    for d, iv in enumerate(ivs):
        inner = _numel(shape[d + 1 :])
        parts.append(f"{iv} * {inner}" if inner != 1 else iv)
    return " + ".join(parts) if parts else "0"


def _bound_to_uram(op: Operation) -> bool:
    """The storage binding resources.py decided (`vhls.storage = "uram"`)."""
    attr = op.attributes.get("vhls.storage")
    return isinstance(attr, StringAttr) and attr.data == "uram"


def cast_memref(t: Attribute) -> MemRefType:
    assert isinstance(t, MemRefType)
    return t


# --------------------------------------------------------------------- top


def _kernel(module: ModuleOp) -> vhls.KernelOp:
    kernels = [op for op in module.walk() if isinstance(op, vhls.KernelOp)]
    if len(kernels) != 1:
        raise op_error(
            kernels[1] if kernels else module,
            f"the module must hold exactly one vhls.kernel, found {len(kernels)}",
        )
    return kernels[0]


def kernel_arguments(kernel: vhls.KernelOp) -> list[tuple[str, MemRefType]]:
    """The top's (C name, type) per argument, as the testbench passes them."""
    out: list[tuple[str, MemRefType]] = []
    used: set[str] = set()
    for k, a in enumerate(kernel.body.block.args):
        name = _sanitize(a.name_hint) if a.name_hint else f"arg{k}"
        while name in used or name in _RESERVED:
            name += "_"
        used.add(name)
        out.append((name, cast_memref(a.type)))
    return out


def emit_top(kernel: vhls.KernelOp) -> list[str]:
    args = kernel_arguments(kernel)
    params = ", ".join(f"{c_type(t.element_type)}* {n}" for n, t in args)
    top = kernel.sym_name.data
    lines = [f'extern "C" void {top}({params}) {{']
    for (name, t), itf in zip(args, kernel.interfaces.data, strict=True):
        if itf.mode.data == "m_axi":
            offset = f" offset={itf.offset.data}" if itf.offset.data else ""
            lines.append(
                f"#pragma HLS interface mode=m_axi port={name} bundle={itf.bundle.data}"
                f"{offset} depth={_numel(t.get_shape())}"
            )
        lines.append(f"#pragma HLS interface mode=s_axilite port={name} bundle=control")
    lines.append("#pragma HLS interface mode=s_axilite port=return bundle=control")
    lines.append("#pragma HLS dataflow")
    flow = kernel.dataflow()
    assert flow is not None
    names: dict[SSAValue, str] = {
        a: n for a, (n, _) in zip(kernel.body.block.args, args, strict=True)
    }
    used = set(names.values())
    for op in flow.body.block.ops:
        if isinstance(op, vhls.StreamOp):
            t = op.result.type
            assert isinstance(t, vhls.StreamType)
            name = _sanitize(op.stream_name.data)
            while name in used or name in _RESERVED:
                name += "_"
            used.add(name)
            names[op.result] = name
            depth = t.depth.data
            if is_block_stream(t):
                # named for dato's C simulation reports only: UG1399 documents no
                # name argument for a stream of blocks
                lines.append(f'  {stream_c_type(t, with_depth=True)} {name} DATO_NAMED("{name}");')
            else:
                lines.append(f'  {stream_c_type(t, with_depth=True)} {name}("{name}");')
            if not is_block_stream(t):
                # a stream of blocks takes its depth from its type
                lines.append(f"#pragma HLS stream variable={name} depth={depth}")
        elif isinstance(op, vhls.PipoOp):
            t = cast_memref(op.result.type)
            name = _sanitize(op.buffer_name.data)
            # the C simulation adds a `<name>_sync` handshake object
            while {name, f"{name}_sync"} & used or name in _RESERVED:
                name += "_"
            used.update((name, f"{name}_sync"))
            names[op.result] = name
            dims = "".join(f"[{d}]" for d in t.get_shape())
            # a plain array passed from one process to the next: Vitis makes it a PIPO
            lines.append(f"  {c_type(t.element_type)} {name}{dims};")
            if _bound_to_uram(op):
                lines.append(f"#pragma HLS bind_storage variable={name} type=ram_2p impl=uram")
            lines.append(f"  DATO_PIPO({name})")
    lines.append(f'  DATO_DATAFLOW_BEGIN("{top}");')
    pipos = {op.result for op in flow.body.block.ops if isinstance(op, vhls.PipoOp)}
    processes = _processes_by_name(kernel)
    for op in flow.body.block.ops:
        if isinstance(op, vhls.CallOp):
            args_text = [str(v) for v in op.literal_values] + [names[a] for a in op.args]
            # the process function and its arguments, not a call expression:
            # the C simulation runs it without a lambda per call (dato_hls.h)
            call = ", ".join([op.callee.root_reference.data, *args_text])
            if not any(a in pipos for a in op.args):
                lines.append(f'  DATO_PROCESS("{op.instance.data}", {call});')
                continue
            proc = processes[op.callee.root_reference.data]
            directions = vhls.buffer_directions(proc)
            n_lit = proc.num_literals.data
            waits: list[str] = []
            posts: list[str] = []
            for k, a in enumerate(op.args):
                if a in pipos:
                    _, writes = directions.get(k + n_lit, (False, False))
                    (posts if writes else waits).append(f"{names[a]}_sync")
            lines.append(
                f'  DATO_PROCESS_PIPO("{op.instance.data}", ({", ".join(waits)}), '
                f"({', '.join(posts)}), {call});"
            )
    lines.append("  DATO_DATAFLOW_END();")
    lines.append("}")
    return lines


def _refuse_wide_integers(module: ModuleOp) -> None:
    """Integers wider than ap_int's 128 bits that dato's C simulation holds
    (MLIR allows more; the frontend stops at 128)."""
    for op in module.walk():
        for v in (*op.operands, *op.results):
            t = v.type.element_type if isinstance(v.type, MemRefType) else v.type
            if isinstance(t, IntegerType) and t.width.data > MAX_AP_WIDTH:
                raise op_error(
                    op,
                    f"uses {t} values: integers wider than {MAX_AP_WIDTH} bits have no HLS C++ "
                    "translation here",
                )


def _nested_braces(items: Sequence[str], shape: Sequence[int]) -> str:
    """`{{a, b}, {c, d}}`: a row-major initialiser with one brace level per dim."""
    if len(shape) <= 1:
        return "{" + ", ".join(items) + "}"
    step = len(items) // shape[0]
    rows = [_nested_braces(items[k * step : (k + 1) * step], shape[1:]) for k in range(shape[0])]
    return "{" + ", ".join(rows) + "}"


def emit_kernel_cpp(module: ModuleOp) -> str:
    """The whole kernel.cpp of a module holding one vhls.kernel and its processes."""
    _refuse_wide_integers(module)
    kernel = _kernel(module)
    out = [
        f"// {kernel.sym_name.data}: Vitis HLS dataflow kernel generated by dato-xdsl.",
        "// One function per dataflow process; the top declares the streams and calls them.",
        '#include "dato_hls.h"',
        "",
    ]
    pipo_args = _pipo_arguments(kernel)
    for op in module.walk():
        if isinstance(op, vhls.ProcessOp):
            out.extend(_Function(op, pipo_args.get(op.sym_name.data, frozenset())).generate())
            out.append("")
    out.extend(emit_top(kernel))
    return "\n".join(out) + "\n"


def _processes_by_name(kernel: vhls.KernelOp) -> dict[str, vhls.ProcessOp]:
    module = kernel.parent_op()
    assert module is not None
    return {op.sym_name.data: op for op in module.walk() if isinstance(op, vhls.ProcessOp)}


def _pipo_arguments(kernel: vhls.KernelOp) -> dict[str, frozenset[int]]:
    """Per process, the argument indices its calls bind to pipos; every call of
    a process must agree (one C++ signature serves them all)."""
    flow = kernel.dataflow()
    assert flow is not None
    processes = _processes_by_name(kernel)
    found: dict[str, frozenset[int]] = {}
    for op in flow.body.block.ops:
        if not isinstance(op, vhls.CallOp):
            continue
        name = op.callee.root_reference.data
        proc = processes.get(name)
        n_lit = proc.num_literals.data if proc is not None else 0
        mine = frozenset(
            k + n_lit for k, a in enumerate(op.args) if isinstance(a.owner, vhls.PipoOp)
        )
        if found.setdefault(name, mine) != mine:
            raise op_error(
                op,
                f"passes pipos to other arguments of @{name} than another call does; "
                "a process takes either pipos or m_axi arrays at each argument",
            )
    return found


__all__ = ["View", "VhlsCppTarget", "c_type", "emit_kernel_cpp", "kernel_arguments"]


@dataclass(frozen=True)
class VhlsCppTarget(Target):
    """`dato-opt -t vhls-cpp`: print the kernel.cpp of a vhls module."""

    name = "vhls-cpp"

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        output.write(emit_kernel_cpp(module))
