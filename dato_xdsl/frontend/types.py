"""The Python-side types of a Dato program: element types, array types with
layouts, and stream types. They are values the frontend evaluates from the
program's annotations; none of them runs on its own."""

from __future__ import annotations

import ast
import os
import sys
from dataclasses import dataclass

import ml_dtypes
import numpy as np
from xdsl.dialects.builtin import BFloat16Type, Float32Type, IntegerType, MemRefType
from xdsl.ir import Attribute

from dato_xdsl.dialects.dato import (
    MAX_PACKING,
    MAX_STREAM_DEPTH,
    MAX_STREAMS,
    REPLICATE,
    LayoutAttr,
    StreamType,
)
from dato_xdsl.frontend.errors import DatoCompileError


class DatoTypeError(DatoCompileError, TypeError):
    """A malformed type written in a program (`int8[2.5]`, `S('x')`), located at
    the line that wrote it: Python evaluates a region's parameter annotations
    where the region is defined, before any compiler runs. The frontend, which
    evaluates the other annotations itself, relocates it to the annotation."""

    def __init__(self, message: str) -> None:
        frame = sys._getframe(1)
        here = os.path.dirname(os.path.abspath(__file__))
        while frame.f_back is not None and os.path.dirname(frame.f_code.co_filename) == here:
            frame = frame.f_back
        super().__init__(message, frame.f_code.co_filename, frame.f_lineno)


def _is_int(v: object) -> bool:
    return isinstance(v, int | np.integer) and not isinstance(v, bool)


@dataclass(frozen=True)
class DType:
    """An element type: `int32`, `uint8`, `bfloat16`, ... `int32[M, N]` makes
    an array type of it."""

    name: str
    kind: str  # "int", "uint", "float" or "bool"
    width: int

    @property
    def is_float(self) -> bool:
        return self.kind == "float"

    @property
    def is_int(self) -> bool:
        return self.kind in ("int", "uint", "bool")

    @property
    def is_unsigned(self) -> bool:
        return self.kind in ("uint", "bool")

    @property
    def is_standard(self) -> bool:
        """A width memory holds as is (floats, bool, 8/16/32/64-bit integers)."""
        return self.is_float or self.width in (1, 8, 16, 32, 64)

    @property
    def storage(self) -> DType:
        """The type an array of this type is stored in: itself, or for `Int(n)`
        / `UInt(n)` up to 64 bits the narrowest standard integer holding it
        (sign- or zero-extended, so numpy reads the values as written); wider
        ones are stored as themselves (Python integers on the simulator)."""
        if self.is_standard or self.width > 64:
            return self
        for w in (8, 16, 32, 64):
            if self.width < w:
                break
        if self.is_unsigned and w < 64:
            return DType(f"uint{w}", "uint", w)
        return DType(f"int{w}", "int", w)

    @property
    def numpy(self) -> np.dtype:
        if self.name == "bfloat16":
            return np.dtype(ml_dtypes.bfloat16)
        if not self.is_standard:
            return np.dtype(object) if self.width > 64 else self.storage.numpy
        return np.dtype(self.name)

    @property
    def ir(self) -> Attribute:
        if self.name == "bfloat16":
            return BFloat16Type()
        if self.name == "float32":
            return Float32Type()
        return IntegerType(self.width)

    def __getitem__(self, shape: object) -> ArrayType:
        dims = shape if isinstance(shape, tuple) else (shape,)
        for d in dims:
            if not _is_int(d) or d < 1:
                raise DatoTypeError(f"array extents must be positive integers, got {shape!r}")
        return ArrayType(self, tuple(int(d) for d in dims))

    def __repr__(self) -> str:
        return self.name


int8 = DType("int8", "int", 8)
int16 = DType("int16", "int", 16)
int32 = DType("int32", "int", 32)
int64 = DType("int64", "int", 64)
uint8 = DType("uint8", "uint", 8)
uint16 = DType("uint16", "uint", 16)
uint32 = DType("uint32", "uint", 32)
float32 = DType("float32", "float", 32)
bfloat16 = DType("bfloat16", "float", 16)
bool_ = DType("bool", "bool", 1)

ALL_DTYPES = (int8, int16, int32, int64, uint8, uint16, uint32, float32, bfloat16)
MAX_INT_WIDTH = 128


def Int(width: int) -> DType:
    """A signed integer of `width` bits (Allo's `Int(n)`), 1 < width <= 128."""
    return _integer("int", width)


def UInt(width: int) -> DType:
    """An unsigned integer of `width` bits (Allo's `UInt(n)`), 1 <= width <= 128."""
    return _integer("uint", width)


def _integer(kind: str, width: object) -> DType:
    if not _is_int(width) or not 1 <= int(width) <= MAX_INT_WIDTH:  # type: ignore[call-overload]
        raise DatoTypeError(
            f"{'Int' if kind == 'int' else 'UInt'}(n) takes a width from 1 to "
            f"{MAX_INT_WIDTH}, got {width!r}"
        )
    w = int(width)  # type: ignore[call-overload]
    for d in ALL_DTYPES:
        if d.kind == kind and d.width == w:
            return d
    if kind == "int" and w == 1:
        raise DatoTypeError("Int(1) has no values but 0 and -1; use bool or UInt(1)")
    return DType(f"{kind}{w}", kind, w)


int4 = Int(4)
uint4 = UInt(4)
uint64 = UInt(64)
int128 = Int(128)
uint128 = UInt(128)


class IndexAnnotation:
    """Allo's `index`: `i: index = j - 1` declares a scalar of MLIR's `index`
    type (a loop counter's type), as `x: int32` declares an int32."""

    def __repr__(self) -> str:
        return "index"


index = IndexAnnotation()


def promote(a: DType, b: DType) -> DType:
    """numpy's promotion of the declared types, kept within our type set: a
    result numpy would widen to float64 stays float32, bf16 with any integer
    gives float32 like numpy does for (bf16, int16+)."""
    if a == b:
        return a
    if a == bool_:
        return b
    if b == bool_:
        return a
    if a.is_float or b.is_float:
        if a.is_float and b.is_float:
            return float32 if float32 in (a, b) else bfloat16
        f, i = (a, b) if a.is_float else (b, a)
        if f == bfloat16 and i.width <= 8:
            return bfloat16
        return float32
    if not (a.is_standard and b.is_standard):
        # numpy's rule for any widths: the wider signedness wins; a signed type
        # holds an unsigned one only with a bit more
        s_w = max((t.width for t in (a, b) if not t.is_unsigned), default=0)
        u_w = max((t.width for t in (a, b) if t.is_unsigned), default=0)
        if s_w == 0:
            return UInt(u_w)
        return Int(min(MAX_INT_WIDTH, max(s_w, u_w + 1 if u_w else 0)))
    result = np.promote_types(a.numpy, b.numpy)
    for d in ALL_DTYPES:
        if d.numpy == result:
            return d
    return int64  # uint64 and wider do not exist in our set


def widen(computed: DType, dest: DType | None) -> DType:
    """The type a result assigned to `dest` is computed in: the destination's
    type when it holds more than the operands' promoted type (int16 products
    into int32, ints into float32, bf16 into float32), never a narrower one
    (the store narrows, after computing)."""
    if dest is None or dest == bool_ or computed == dest:
        return computed
    if dest.is_float and not computed.is_float:
        return dest
    if dest.is_float and computed.is_float:
        return dest if dest.width > computed.width else computed
    if computed.is_float:
        return computed
    return dest if dest.width > computed.width else computed


@dataclass(frozen=True)
class Shard:
    """`S(i)`: shard this dimension over mapping axis `i`."""

    axis: int

    def __post_init__(self) -> None:
        if not _is_int(self.axis) or self.axis < 0:
            raise DatoTypeError(f"S(axis) takes a mapping axis >= 0, got {self.axis!r}")

    def __repr__(self) -> str:
        return f"S({self.axis})"


class _Replicate:
    """`R`: every instance sees the whole dimension."""

    def __repr__(self) -> str:
        return "R"


class Layout:
    """`Layout.Shard(i)` and `Layout.Replicate`, as in Allo's `allo.memory.Layout`."""

    Shard = Shard
    Replicate = _Replicate()


@dataclass(frozen=True)
class ArrayType:
    """`int32[M, N]`, optionally `@ [S(0), R]`."""

    dtype: DType
    shape: tuple[int, ...]
    layout: tuple[Shard | _Replicate, ...] | None = None

    def __matmul__(self, layout: object) -> ArrayType:
        entries = layout if isinstance(layout, list | tuple) else [layout]
        axes: list[int] = []
        for e in entries:
            if not isinstance(e, Shard | _Replicate):
                raise DatoTypeError(f"a layout entry is S(i) or R, got {e!r}")
            if isinstance(e, Shard):
                if e.axis in axes:
                    raise DatoTypeError(
                        f"layout {list(entries)} shards two dimensions over mapping axis "
                        f"{e.axis}; a mapping axis shards at most one dimension"
                    )
                axes.append(e.axis)
        if len(entries) != len(self.shape):
            raise DatoTypeError(
                f"layout {list(entries)} has {len(entries)} entries for a rank-"
                f"{len(self.shape)} array"
            )
        return ArrayType(self.dtype, self.shape, tuple(entries))

    @property
    def memref(self) -> MemRefType:
        return MemRefType(self.dtype.storage.ir, self.shape)

    def layout_attr(self) -> LayoutAttr:
        if self.layout is None:
            return LayoutAttr.replicated(len(self.shape))
        return LayoutAttr([e.axis if isinstance(e, Shard) else REPLICATE for e in self.layout])

    def __repr__(self) -> str:
        text = f"{self.dtype.name}[{', '.join(map(str, self.shape))}]"
        return text if self.layout is None else f"{text} @ {list(self.layout)}"


@dataclass(frozen=True)
class StreamSpec:
    """`Stream[T, depth]` or `Stream[T, depth, packing]`; `[P0, P1]` after it
    makes an array of such streams."""

    element: DType | ArrayType
    depth: int
    packing: int = 1
    shape: tuple[int, ...] = ()

    def __getitem__(self, shape: object) -> StreamSpec:
        dims = shape if isinstance(shape, tuple) else (shape,)
        if self.shape:
            raise DatoTypeError("a stream array already has a shape")
        total = 1
        for d in dims:
            if not _is_int(d) or d < 1:
                raise DatoTypeError(
                    f"stream array extents must be positive integers, got {shape!r}"
                )
            total *= int(d)
        if total > MAX_STREAMS:
            raise DatoTypeError(
                f"stream array {list(dims)} has {total} streams, more than the limit of "
                f"{MAX_STREAMS}"
            )
        return StreamSpec(self.element, self.depth, self.packing, tuple(int(d) for d in dims))

    @property
    def element_ir(self) -> Attribute:
        if isinstance(self.element, ArrayType):
            return self.element.memref
        return self.element.ir

    def stream_type(self) -> StreamType:
        return StreamType(self.element_ir, self.depth, self.packing)


class Stream:
    """`dato.Stream[int32, 4]`, `dato.Stream[int16[4, 4], 2]`,
    `dato.Stream[int32, 4, 2]` (packing 2), `dato.Stream[int32, 4][P0, P1]`."""

    def __class_getitem__(cls, params: object) -> StreamSpec:
        items = params if isinstance(params, tuple) else (params,)
        if not 1 <= len(items) <= 3:
            raise DatoTypeError("Stream takes [T, depth] or [T, depth, packing]")
        element = items[0]
        if not isinstance(element, DType | ArrayType):
            raise DatoTypeError(f"a stream carries a scalar type or an array type, got {element!r}")
        if isinstance(element, ArrayType) and element.layout is not None:
            raise DatoTypeError("a stream's block type takes no layout")
        depth = items[1] if len(items) > 1 else 2
        packing = items[2] if len(items) > 2 else 1
        for what, v, limit in (
            ("depth", depth, MAX_STREAM_DEPTH),
            ("packing", packing, MAX_PACKING),
        ):
            if not _is_int(v) or not 1 <= v <= limit:
                raise DatoTypeError(
                    f"stream {what} must be an integer from 1 to {limit}, got {v!r}"
                )
        if packing != 1 and isinstance(element, ArrayType):
            raise DatoTypeError("a packing factor applies to scalar streams, not to array blocks")
        return StreamSpec(element, int(depth), int(packing))


class ConstExpr:
    """Allo's `n: ConstExpr[int32] = M // P0`: a kernel name whose value is
    computed at compile time (from constants, type parameters, the mapping)."""

    def __init__(self, dtype: object) -> None:
        self.dtype = dtype

    def __class_getitem__(cls, dtype: object) -> ConstExpr:
        return cls(dtype)

    def __repr__(self) -> str:
        return f"ConstExpr[{self.dtype!r}]"


def string_annotation(text: str, node: ast.expr) -> ast.expr | None:
    """The expression a string annotation stands for (`"UInt(Rt * 8)[M * K // Rt]"`:
    Allo writes types that use a region's PEP 695 type parameters as strings, which
    Python leaves unevaluated), every node located at the annotation; None when the
    string is not an expression."""
    try:
        expr = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        return None
    for sub in ast.walk(expr):
        if "lineno" in sub._attributes:
            ast.copy_location(sub, node)
    return expr
