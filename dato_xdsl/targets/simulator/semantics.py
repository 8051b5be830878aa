"""Arithmetic semantics of the simulator: how each IR type is held in Python and
the helpers generated code calls for ops that are too long to inline.

Representation (the contract with codegen):
- `iN` (N > 1): a canonical signed Python int in [-2^(N-1), 2^(N-1)); every op
  wraps its result back into that range (two's complement).
- `i1`: 0 or 1 (a Python bool is fine); it is a condition far more often than a
  number, and `extsi` turns 1 into -1.
- `index`: an unbounded Python int.
- floats: numpy scalars of the exact type (`np.float32`, `ml_dtypes.bfloat16`),
  so each op rounds as that type does.
- memrefs: numpy arrays (views); integer memrefs use the signed dtype of their
  width.

Helpers raise `OpFailure`; the scheduler turns it into a located
`SimulationError` (it knows which op of which task instance was running).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import ml_dtypes
import numpy as np
from xdsl.dialects.builtin import (
    BFloat16Type,
    Float16Type,
    Float32Type,
    Float64Type,
    IndexType,
    IntegerType,
)
from xdsl.ir import Attribute

from dato_xdsl.targets.simulator.errors import ExecutionError, OutOfBoundsError, SimulationError

INDEX_WIDTH = 64
"""Width used when an unsigned op reinterprets an `index` value."""

_FLOAT_DTYPES: dict[type[Attribute], Any] = {
    Float16Type: np.float16,
    Float32Type: np.float32,
    Float64Type: np.float64,
    BFloat16Type: ml_dtypes.bfloat16,
}

_INT_DTYPES: dict[int, Any] = {8: np.int8, 16: np.int16, 32: np.int32, 64: np.int64}


class OpFailure(Exception):
    """Raised by generated code or a helper; `kind` is the SimulationError
    subclass the user should see."""

    def __init__(self, message: str, kind: type[SimulationError] = ExecutionError) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind


def is_float(t: Attribute) -> bool:
    return type(t) in _FLOAT_DTYPES


def int_width(t: Attribute) -> int | None:
    """The width of an integer type, INDEX_WIDTH for index, None otherwise."""
    if isinstance(t, IntegerType):
        return t.width.data
    if isinstance(t, IndexType):
        return INDEX_WIDTH
    return None


def dtype_of(t: Attribute) -> Any:
    """The numpy dtype holding elements of type `t` in an array, or None."""
    if isinstance(t, IntegerType):
        width = t.width.data
        if width == 1:
            return np.bool_
        if width > 64:
            return np.object_  # canonical Python ints: numpy has no wider integer
        return _INT_DTYPES.get(width)
    if isinstance(t, IndexType):
        return np.int64
    return _FLOAT_DTYPES.get(type(t))


_FLOAT_FORMATS: dict[type[Attribute], tuple[int, int]] = {
    Float16Type: (11, 15),
    Float32Type: (24, 127),
    Float64Type: (53, 1023),
    BFloat16Type: (8, 127),
}
"""(significand bits with the leading one, largest exponent) of each float type."""


def int_to_float(value: int, t: Attribute) -> Any:
    """The float of type `t` nearest the integer `value` (ties to even; past the
    largest finite value, infinity), of any width: one correctly rounded
    conversion, as C and HLS convert (sitofp / uitofp, an integer literal).
    Computed on Python ints because the library conversions round twice:
    numpy takes a Python int past int64 through double (then float32),
    ml_dtypes rounds to float32 before bfloat16 and refuses an int of 2^63 or
    more ("expected number, got int")."""
    kind = type(t)
    ctor = _FLOAT_DTYPES[kind]
    value = int(value)
    # up to 2^53 an int is exact in double (and up to 2^24 in the float32
    # ml_dtypes goes through for bfloat16): the library's one rounding is the
    # right one, and the common case stays fast
    exact = _EXACT[kind]
    if -exact <= value <= exact:
        return ctor(float(value))
    bits, emax = _FLOAT_FORMATS[kind]
    magnitude = abs(value)
    drop = magnitude.bit_length() - bits
    if drop > 0:
        kept, rest = magnitude >> drop, magnitude & ((1 << drop) - 1)
        half = 1 << (drop - 1)
        if rest > half or (rest == half and kept & 1):
            kept += 1
        magnitude = kept << drop
    # `magnitude` has at most `bits` + 1 significant bits now: float() is exact
    if magnitude.bit_length() > emax + 1:  # 2^(emax+1) or more: no finite float
        result = math.inf
    else:
        result = float(magnitude)
    return ctor(-result if value < 0 else result)


_EXACT: dict[type[Attribute], int] = {
    k: 1 << (24 if k is BFloat16Type else 53) for k in _FLOAT_FORMATS
}
"""Integers up to this magnitude convert exactly to double (to float32 for
bfloat16), so the library's cast rounds them once."""


def _rounding_ctor(t: Attribute) -> Callable[[Any], Any]:
    ctor = _FLOAT_DTYPES[type(t)]

    def convert(x: Any) -> Any:
        # an integer (a literal, an element of an integer array) rounds once
        if isinstance(x, int | np.integer | np.bool_):
            return int_to_float(x, t)
        return ctor(x)

    return convert


_ROUNDING_CTORS: dict[type[Attribute], Callable[[Any], Any]] = {
    k: _rounding_ctor(k()) for k in _FLOAT_DTYPES
}


def float_ctor(t: Attribute) -> Callable[[Any], Any]:
    """A function rounding a value to the float type `t` (a numpy scalar of
    it): a float as numpy does, a Python int once and exactly (int_to_float)."""
    return _ROUNDING_CTORS[type(t)]


def wrap_expr(expr: str, width: int) -> str:
    """Python expression bringing the int `expr` back to canonical iN."""
    if width == 1:
        return f"(({expr}) & 1)"
    half = 1 << (width - 1)
    return f"(((({expr}) + {half}) & {2 * half - 1}) - {half})"


def wrap(value: int, width: int) -> int:
    if width == 1:
        return value & 1
    half = 1 << (width - 1)
    return ((value + half) & (2 * half - 1)) - half


def unsigned_expr(expr: str, width: int) -> str:
    """Python expression reading canonical iN `expr` as unsigned."""
    return f"(({expr}) & {(1 << width) - 1})"


def signed_expr(expr: str, width: int) -> str:
    """Python expression reading canonical iN `expr` as signed (only i1 differs)."""
    return f"(-({expr}))" if width == 1 else expr


# ------------------------------------------------------------------ integer ops


def _nonzero(b: int) -> None:
    if b == 0:
        raise OpFailure("division by zero")


def divsi(a: int, b: int, width: int) -> int:
    """Signed division truncating towards zero (C and the hardware)."""
    _nonzero(b)
    q = abs(a) // abs(b)
    return wrap(q if (a < 0) == (b < 0) else -q, width)


def remsi(a: int, b: int, width: int) -> int:
    """Signed remainder with the sign of the dividend."""
    _nonzero(b)
    r = abs(a) % abs(b)
    return wrap(-r if a < 0 else r, width)


def divui(a: int, b: int, width: int) -> int:
    mask = (1 << width) - 1
    _nonzero(b & mask)
    return wrap((a & mask) // (b & mask), width)


def remui(a: int, b: int, width: int) -> int:
    mask = (1 << width) - 1
    _nonzero(b & mask)
    return wrap((a & mask) % (b & mask), width)


def floordivsi(a: int, b: int, width: int) -> int:
    _nonzero(b)
    return wrap(a // b, width)


def ceildivsi(a: int, b: int, width: int) -> int:
    _nonzero(b)
    return wrap(-((-a) // b), width)


def ceildivui(a: int, b: int, width: int) -> int:
    mask = (1 << width) - 1
    _nonzero(b & mask)
    return wrap(-((-(a & mask)) // (b & mask)), width)


def shli(a: int, b: int, width: int) -> int:
    amount = b & ((1 << width) - 1)
    return 0 if amount >= width else wrap(a << amount, width)


def shrsi(a: int, b: int, width: int) -> int:
    amount = b & ((1 << width) - 1)
    return a >> min(amount, width - 1) if width > 1 else a


def shrui(a: int, b: int, width: int) -> int:
    mask = (1 << width) - 1
    amount = b & mask
    return 0 if amount >= width else wrap((a & mask) >> amount, width)


def fptoint(x: Any, lo: int, hi: int, width: int) -> int:
    """Float to integer truncating towards zero; NaN gives 0 and values out of
    [lo, hi] saturate (MLIR calls them poison; saturating is the hardware's
    behaviour and is deterministic)."""
    f = float(x)
    if math.isnan(f):
        return 0
    if f >= hi:
        return wrap(hi, width)
    if f <= lo:
        return wrap(lo, width)
    return wrap(int(f), width)


def bitcast(x: Any, source: Any, target: Any, to_int_width: int | None) -> Any:
    """Reinterpret the bits of a scalar; `source`/`target` are numpy dtypes."""
    value = np.array(x, dtype=source).view(target)[()]
    return int(value) if to_int_width is not None else value


# -------------------------------------------------------------------- float ops


def erf(ctor: Any, x: Any) -> Any:
    return ctor(math.erf(float(x)))


def fpowi(ctor: Any, x: Any, n: int) -> Any:
    return ctor(np.float64(x) ** n)


def ipowi(a: int, b: int, width: int) -> int:
    if b < 0:
        # MLIR: 1 for a == 1, -1^b for a == -1, 0 otherwise; division by zero for a == 0
        if a == 0:
            raise OpFailure("zero raised to a negative power")
        if a == 1:
            return 1
        if a == -1:
            return -1 if b % 2 else 1
        return 0
    return wrap(pow(a, b, 1 << width), width)


def ctlz(a: int, width: int) -> int:
    return width - (a & ((1 << width) - 1)).bit_length()


def cttz(a: int, width: int) -> int:
    u = a & ((1 << width) - 1)
    return width if u == 0 else (u & -u).bit_length() - 1


def ctpop(a: int, width: int) -> int:
    return (a & ((1 << width) - 1)).bit_count()


# --------------------------------------------------------------------- memrefs


def oob(what: str, indices: Sequence[int], shape: Sequence[int]) -> OpFailure:
    return OpFailure(
        f"{what} index {list(indices)} is out of bounds for shape {list(shape)}",
        OutOfBoundsError,
    )


def check_bounds(indices: Sequence[int], shape: Sequence[int]) -> None:
    for i, n in zip(indices, shape, strict=True):
        if not 0 <= i < n:
            raise oob("memory", indices, shape)


def subview(
    source: np.ndarray,
    offsets: Sequence[int],
    sizes: Sequence[int],
    strides: Sequence[int],
    dropped: Sequence[bool],
) -> np.ndarray:
    """A numpy view for `memref.subview`; numpy would clamp a slice that runs
    past the end, so every extent is checked first."""
    shape = source.shape
    keys: list[int | slice] = []
    for d, (o, s, st) in enumerate(zip(offsets, sizes, strides, strict=True)):
        if s < 0 or st < 1:
            raise OpFailure(f"subview size {s} / stride {st} of dimension {d} is invalid")
        last = o + (s - 1) * st
        if o < 0 or (s > 0 and last >= shape[d]) or o > shape[d]:
            raise OpFailure(
                f"subview offsets {list(offsets)}, sizes {list(sizes)}, strides "
                f"{list(strides)} exceed the source shape {list(shape)} (dimension {d})",
                OutOfBoundsError,
            )
        keys.append(o if dropped[d] else slice(o, o + s * st, st))
    return source[tuple(keys)]


def copy(source: np.ndarray, target: np.ndarray) -> None:
    if source.shape != target.shape:
        raise OpFailure(
            f"copies shape {list(source.shape)} into shape {list(target.shape)}; "
            "the shapes must be equal"
        )
    target[...] = source


def fill(value: Any, target: np.ndarray) -> None:
    target[...] = value


def _same_shape(name: str, arrays: Sequence[np.ndarray]) -> None:
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        raise OpFailure(
            f"{name} needs operands of one shape, got {[list(a.shape) for a in arrays]}"
        )


_FLOAT_TYPES_OF_DTYPES: dict[Any, Attribute] = {np.dtype(d): k() for k, d in _FLOAT_DTYPES.items()}
"""The xDSL float type of each float dtype an array holds."""


def convert_array(a: np.ndarray, dtype: Any) -> np.ndarray:
    """`a` converted elementwise to `dtype` as the scalar conversions of
    the simulator convert: an integer (or bool) to a float is the float
    nearest it, rounded once (int_to_float; numpy's astype takes a wide int
    through double, and int -> bfloat16 through float32: twice rounded); a
    float to a fixed-width integer truncates, saturates and takes NaN to 0
    (fptoint, as arith.fptosi); integers wrap to the narrower width; floats
    round as numpy's cast (float_ctor's rule for a float)."""
    dtype = np.dtype(dtype)
    if a.dtype == dtype:
        return a
    kind, target = a.dtype.kind, dtype.kind
    float_type = _FLOAT_TYPES_OF_DTYPES.get(dtype)
    if float_type is not None and kind in "iubO":
        if kind != "O" and a.size:
            # up to _EXACT an integer is exact in double (and in the float32
            # ml_dtypes converts bfloat16 through): one rounding, vectorised
            bound = _EXACT[type(float_type)]
            if a.min() >= -bound and a.max() <= bound:
                return a.astype(np.float64).astype(dtype)
        flat = [int_to_float(int(v), float_type) for v in a.flat]
        return np.array(flat, dtype=dtype).reshape(a.shape)
    if target in "iu" and kind in "fV":  # bfloat16's kind is V
        width = dtype.itemsize * 8
        lo, hi = (
            (-(1 << (width - 1)), (1 << (width - 1)) - 1)
            if target == "i"
            else (0, (1 << width) - 1)
        )
        flat = [fptoint(v, lo, hi, width) for v in a.flat]
        if target == "u":
            flat = [v & ((1 << width) - 1) for v in flat]
        return np.array(flat, dtype=dtype).reshape(a.shape)
    if target in "iu" and kind == "O":
        width = dtype.itemsize * 8
        # the low `width` bits; astype between integer dtypes wraps the same way
        flat = [wrap(int(v), width) for v in a.flat]
        return np.array(flat, dtype=np.int64).astype(dtype).reshape(a.shape)
    return a.astype(dtype)


def elementwise(fn: Callable[..., Any], ins: Sequence[np.ndarray], out: np.ndarray) -> None:
    """A linalg elementwise op: inputs are converted to the output type first
    (linalg's casting rule, with the simulator's scalar conversions:
    convert_array), the result rounds/wraps as the output type."""
    _same_shape("an elementwise op", [*ins, out])
    args = [convert_array(a, out.dtype) for a in ins]
    out[...] = fn(*args)


def select(cond: np.ndarray, a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    _same_shape("linalg.select", [cond, a, b, out])
    out[...] = np.where(cond, a, b)


def matmul(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> None:
    """C += A @ B. Floats narrower than f32 accumulate in f32 and round once;
    integer operands of a float product are rounded once to f32 (f64) first;
    integers accumulate modulo 2^64, which wraps to the same result as
    accumulating in the output type (wrapping is a ring homomorphism)."""
    if a.ndim != 2 or b.ndim != 2 or c.ndim != 2 or a.shape[1] != b.shape[0]:
        raise OpFailure(f"cannot multiply {list(a.shape)} by {list(b.shape)} into {list(c.shape)}")
    if c.shape != (a.shape[0], b.shape[1]):
        raise OpFailure(
            f"the product of {list(a.shape)} and {list(b.shape)} does not fit the "
            f"output of shape {list(c.shape)}"
        )
    kind = np.dtype(c.dtype).kind
    if kind in "iub":
        if max(a.dtype.itemsize, b.dtype.itemsize) <= 2 and a.shape[1] < 2**21:
            # |sum| < 2^21 * 2^30 < 2^53: float64 BLAS is exact and far faster
            exact = a.astype(np.float64) @ b.astype(np.float64)
            acc = exact.astype(np.int64)
        else:
            acc = a.astype(np.int64) @ b.astype(np.int64)
        c[...] = (c.astype(np.int64) + acc).astype(c.dtype)
    elif c.dtype == np.float32:
        if a.dtype == np.float32 and b.dtype == np.float32:
            c += a @ b
        else:  # integer operands round once to float32 (convert_array), any width
            c += convert_array(a, np.float32) @ convert_array(b, np.float32)
    elif c.dtype == np.float64:
        c += convert_array(a, np.float64) @ convert_array(b, np.float64)
    else:
        acc = c.astype(np.float32) + convert_array(a, np.float32) @ convert_array(b, np.float32)
        c[...] = acc.astype(c.dtype)


def unsigned_view(a: np.ndarray) -> np.ndarray:
    """An integer array read as unsigned (a matmul with `dato.cast = "unsigned"`:
    memrefs hold the signed dtype of their width)."""
    return a.view(np.dtype(f"u{a.dtype.itemsize}")) if a.dtype.kind == "i" else a


def matmul_wide(a: np.ndarray, b: np.ndarray, c: np.ndarray, width: int) -> None:
    """C += A @ B for integers wider than 64 bits (object arrays of canonical
    Python ints): exact products and sums, wrapped once to `width` bits."""
    if (
        a.ndim != 2
        or b.ndim != 2
        or c.shape != (a.shape[0], b.shape[1])
        or (a.shape[1] != b.shape[0])
    ):
        raise OpFailure(f"cannot multiply {list(a.shape)} by {list(b.shape)} into {list(c.shape)}")
    for i in range(c.shape[0]):
        for j in range(c.shape[1]):
            total = int(c[i, j]) + sum(int(a[i, k]) * int(b[k, j]) for k in range(a.shape[1]))
            c[i, j] = wrap(total, width)


def transpose(a: np.ndarray, permutation: Sequence[int], out: np.ndarray) -> None:
    t = np.transpose(a, permutation)
    if t.shape != out.shape:
        raise OpFailure(
            f"transposing {list(a.shape)} by {list(permutation)} gives {list(t.shape)}, "
            f"not the output shape {list(out.shape)}"
        )
    out[...] = t


def broadcast(a: np.ndarray, dimensions: Sequence[int], out: np.ndarray) -> None:
    expanded = np.expand_dims(a, tuple(dimensions))
    try:
        out[...] = np.broadcast_to(expanded, out.shape)
    except ValueError:
        raise OpFailure(
            f"cannot broadcast {list(a.shape)} along {list(dimensions)} to {list(out.shape)}"
        ) from None
