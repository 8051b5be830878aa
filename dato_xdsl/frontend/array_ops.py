"""Array expressions of kernel bodies: elementwise operators and math with
numpy broadcasting, reductions, transposes and matmul with mixed precision.

Everything but the plain same-type forms the NPU kernel library has (and
matmul) is emitted as a loop nest of scalar ops (`scf.for`, `memref.load`,
arith/math, `memref.store`): every target runs those, so no target computes
something else. The typing rule (docs/kernel-language.md): an array result
assigned to a declared destination is computed in the destination's type;
otherwise numpy's promotion of the operands' declared types (literals are
weak) applies."""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from xdsl.dialects.builtin import StridedLayoutAttr, StringAttr
from xdsl.dialects.linalg import ops as linalg
from xdsl.ir import Operation, SSAValue

from dato_xdsl.dialects.linalg import UNSIGNED_CAST, widening_body
from dato_xdsl.frontend.arith import SYMBOL
from dato_xdsl.frontend.types import DType, bool_, float32, int64, promote, widen
from dato_xdsl.frontend.values import Array, Scalar

if TYPE_CHECKING:
    from dato_xdsl.frontend.kernel import KernelCompiler

Operand = Array | Scalar | int | float | bool
ScalarFn = Callable[[list[Scalar]], Scalar]

# the linalg named ops the NPU kernel library implements for equal types and shapes
_LINALG_BINARY: dict[str, type[Operation]] = {
    "Add": linalg.AddOp,
    "Sub": linalg.SubOp,
    "Mult": linalg.MulOp,
    "maximum": linalg.MaxOp,
    "minimum": linalg.MinOp,
}
_LINALG_UNARY: dict[str, type[Operation]] = {
    "exp": linalg.ExpOp,
    "log": linalg.LogOp,
    "sqrt": linalg.SqrtOp,
}


def broadcast_shape(shapes: Sequence[tuple[int, ...]]) -> tuple[int, ...] | None:
    """numpy's broadcast of `shapes`, or None when they do not broadcast."""
    rank = max(len(s) for s in shapes)
    out: list[int] = []
    for k in range(rank):
        extents = {s[len(s) - rank + k] for s in shapes if len(s) - rank + k >= 0}
        extents.discard(1)
        if len(extents) > 1:
            return None
        out.append(extents.pop() if extents else 1)
    return tuple(out)


class ArrayOps:
    """Emits array expressions into the kernel compiler's current block."""

    def __init__(self, kc: KernelCompiler) -> None:
        self.kc = kc

    # --------------------------------------------------------------- typing
    def operand_type(self, operands: Sequence[Operand]) -> DType:
        """numpy's promotion of the typed operands; literals are weak (a float
        literal makes an integer computation float32)."""
        typed = [
            o.dtype
            for o in operands
            if isinstance(o, Array) or (isinstance(o, Scalar) and o.dtype is not None)
        ]
        if not typed:
            return float32 if any(isinstance(o, float) for o in operands) else int64
        t = typed[0]
        for other in typed[1:]:
            t = promote(t, other)  # type: ignore[arg-type]
        if not t.is_float and any(isinstance(o, float) for o in operands):
            return float32
        return t

    def _describe_shapes(self, operands: Sequence[Operand]) -> str:
        shapes = [list(o.shape) for o in operands if isinstance(o, Array)]
        return " and ".join(str(s) for s in shapes)

    # ----------------------------------------------------------- elementwise
    def elementwise(
        self,
        what: str,
        operands: Sequence[Operand],
        fn: ScalarFn,
        *,
        compute: DType | None,
        result: DType | None = None,
        linalg_op: type[Operation] | None = None,
        shape: tuple[int, ...] | None = None,
    ) -> Array:
        """`fn` applied elementwise with broadcasting. Operands are cast to
        `compute` (default: their promotion) before `fn`; the result array has
        type `result` (default: `compute`)."""
        kc = self.kc
        arrays = [o for o in operands if isinstance(o, Array)]
        if shape is None:
            shape = broadcast_shape([a.shape for a in arrays])
        if shape is None:
            raise kc.fail(
                f"{what}: shapes {self._describe_shapes(operands)} do not broadcast together"
            )
        ctype = compute or self.operand_type(operands)
        rtype = result or ctype
        if (
            linalg_op is not None
            and len(arrays) == len(operands)
            and all(a.shape == shape and a.dtype == ctype for a in arrays)
            and not any(_dynamic_view(a) for a in arrays)  # the NPU kernels take fixed views
            and rtype == ctype
            and ctype.is_standard
        ):
            out = kc.alloc(shape, rtype)
            kc.emit(linalg_op([a.value for a in arrays], [out.value], res=[]))  # type: ignore[call-arg]
            return out
        # scalars are converted once, before the loops
        fixed: list[Scalar | Array] = []
        for o in operands:
            if isinstance(o, Array):
                fixed.append(o)
            else:
                fixed.append(kc.arith.cast(kc.arith.to_scalar(o, ctype), ctype))
        out = kc.alloc(shape, rtype)

        def body(idx: list[SSAValue]) -> None:
            args = [self._load(o, idx, shape, ctype) if isinstance(o, Array) else o for o in fixed]
            r = kc.arith.cast(fn(args), rtype)
            kc.store(r, out, idx)

        kc.loop_nest(list(shape), body)
        return out

    def _load(self, a: Array, idx: list[SSAValue], shape: tuple[int, ...], ctype: DType) -> Scalar:
        """`a`'s element broadcast to position `idx` of `shape`, cast to `ctype`."""
        kc = self.kc
        lead = len(shape) - len(a.shape)
        indices = [
            kc.arith.const(0, None).value if extent == 1 and shape[lead + k] != 1 else idx[lead + k]
            for k, extent in enumerate(a.shape)
        ]
        return kc.arith.cast(kc.load(a, indices), ctype)

    def binary(self, op: ast.operator, a: Operand, b: Operand, dest: DType | None) -> Array:
        kc = self.kc
        name = type(op).__name__
        symbol = SYMBOL.get(name, name)
        compute = widen(self.operand_type([a, b]), dest)
        if name == "Div" and not compute.is_float:
            compute = float32  # numpy's true division; a destination casts the quotient
        result = compute
        if name == "Pow" and isinstance(b, int) and not isinstance(b, bool) and b >= 0:
            # a constant exponent stays a constant: repeated products, exact as numpy
            return self.elementwise(
                "'**'",
                [a],
                lambda xs: kc.arith.binop(op, xs[0], b),
                compute=compute,
                result=result,
            )
        return self.elementwise(
            f"'{symbol}'",
            [a, b],
            lambda xs: kc.arith.binop(op, xs[0], xs[1]),
            compute=compute,
            result=result,
            linalg_op=_LINALG_BINARY.get(name),
        )

    def compare(self, op: ast.cmpop, a: Operand, b: Operand, dest: DType | None) -> Array:
        """Compares in the operands' promoted type (never the destination's);
        the 0/1 result is stored straight in the destination type if any."""
        kc = self.kc
        return self.elementwise(
            "comparison",
            [a, b],
            lambda xs: kc.arith.compare(op, xs[0], xs[1]),
            compute=self.operand_type([a, b]),
            result=dest or bool_,
        )

    def minmax(self, is_max: bool, operands: Sequence[Operand], dest: DType | None) -> Array:
        kc = self.kc
        name = "maximum" if is_max else "minimum"
        compute = widen(self.operand_type(operands), dest)
        # linalg.max / linalg.min compare integers signed (MLIR's definition,
        # and what every target runs for them); UInt operands compare in
        # loops of arith.maxui / minui, which carry the signedness in the IR
        named = len(operands) == 2 and not compute.is_unsigned
        return self.elementwise(
            f"dato.{name}",
            operands,
            lambda xs: kc.arith.minmax(is_max, list(xs)),
            compute=compute,
            linalg_op=_LINALG_BINARY[name] if named else None,
        )

    def unary(
        self, what: str, x: Array, fn: Callable[[Scalar], Scalar], dest: DType | None
    ) -> Array:
        return self.elementwise(what, [x], lambda xs: fn(xs[0]), compute=widen(x.dtype, dest))

    def math(self, name: str, x: Array, dest: DType | None) -> Array:
        """A math function elementwise; integer arrays compute in float32 as
        numpy computes them in a float type."""
        kc = self.kc
        compute = widen(x.dtype if x.dtype.is_float else float32, dest)
        if name == "abs" and not x.dtype.is_float:
            compute = widen(x.dtype, dest)
        return self.elementwise(
            f"dato.{name}",
            [x],
            lambda xs: kc.arith.math_fn(name, xs[0]),
            compute=compute,
            result=compute,
            linalg_op=_LINALG_UNARY.get(name),
        )

    def power(self, a: Operand, b: Operand, dest: DType | None) -> Array:
        return self.binary(ast.Pow(), a, b, dest)

    # ------------------------------------------------------------ reductions
    def reduce(
        self,
        kind: str,
        x: Array,
        axis: int | tuple[int, ...] | None,
        keepdims: bool,
        dest: DType | None,
    ) -> Array | Scalar:
        """numpy's x.sum/max/min/mean(axis=, keepdims=): the result drops the
        reduced axes (or keeps them with extent 1); all axes give a scalar."""
        kc = self.kc
        rank = len(x.shape)
        if axis is None:
            axes = tuple(range(rank))
        else:
            items = axis if isinstance(axis, tuple) else (axis,)
            axes_list = []
            for a in items:
                if not isinstance(a, int) or isinstance(a, bool):
                    raise kc.fail(f"dato.{kind}: axis must be an integer constant, got {a!r}")
                if not -rank <= a < rank:
                    raise kc.fail(
                        f"dato.{kind}: axis {a} is out of range for an array of rank {rank}"
                    )
                axes_list.append(a % rank)
            axes = tuple(sorted(set(axes_list)))
        acc_t = self._accumulator(kind, x.dtype, dest)
        kept = [d for d in range(rank) if d not in axes]
        out_shape = (
            tuple(1 if d in axes else x.shape[d] for d in range(rank))
            if keepdims
            else (tuple(x.shape[d] for d in kept))
        )
        acc_shape = out_shape if out_shape else (1,)
        acc = kc.alloc(acc_shape, acc_t)
        init = self._identity(kind, acc_t)
        kc.fill(acc, init)

        def body(idx: list[SSAValue]) -> None:
            s = kc.arith.cast(kc.load(x, idx), acc_t)
            if out_shape:
                where = [
                    kc.arith.const(0, None).value if d in axes else idx[d]
                    for d in range(rank)
                    if keepdims or d not in axes
                ]
            else:
                where = [kc.arith.const(0, None).value]
            cur = kc.load(acc, where)
            if kind in ("sum", "mean"):
                new = kc.arith.binop(ast.Add(), cur, s)
            else:
                new = kc.arith.minmax(kind == "max", [cur, s])
            kc.store(new, acc, where)

        kc.loop_nest(list(x.shape), body)
        if kind == "mean":
            count = 1
            for d in axes:
                count *= x.shape[d]
            acc = self.elementwise(
                "dato.mean",
                [acc, float(count)],
                lambda xs: kc.arith.binop(ast.Div(), xs[0], xs[1]),
                compute=acc_t,
            )
        if out_shape:
            return acc
        zero = kc.arith.const(0, None).value
        return kc.load(acc, [zero])

    @staticmethod
    def _accumulator(kind: str, t: DType, dest: DType | None) -> DType:
        if kind in ("max", "min"):
            return t  # exact in the element type; the store converts
        if kind == "mean" or t.is_float:
            # bf16 sums and means accumulate in float32, never rounded to bf16
            return widen(float32, dest)
        if dest is not None and not dest.is_float and dest != bool_:
            # an integer sum wraps to the destination either way (wrapping is a
            # ring homomorphism): accumulating there is exact and stays 32-bit
            return dest
        return widen(int64, dest)  # numpy sums integers in the platform integer

    def _identity(self, kind: str, t: DType) -> Scalar:
        kc = self.kc
        if kind in ("sum", "mean"):
            return kc.arith.const(0, t)
        if t.is_float:
            return kc.arith.const(float("-inf") if kind == "max" else float("inf"), t)
        if t.is_unsigned:
            return kc.arith.const(0 if kind == "max" else (1 << t.width) - 1, t)
        lo, hi = -(1 << (t.width - 1)), (1 << (t.width - 1)) - 1
        return kc.arith.const(lo if kind == "max" else hi, t)

    # ---------------------------------------------------------------- layout
    def transpose(self, x: Array, axes: Sequence[int] | None) -> Array:
        kc = self.kc
        rank = len(x.shape)
        perm = list(reversed(range(rank))) if axes is None else [int(a) for a in axes]
        if sorted(p % rank if -rank <= p < rank else -1 for p in perm) != list(range(rank)):
            raise kc.fail(
                f"dato.transpose: axes {list(perm)} are not a permutation of the "
                f"{rank} axes of an array of shape {list(x.shape)}"
            )
        perm = [p % rank for p in perm]
        out_shape = tuple(x.shape[p] for p in perm)
        out = kc.alloc(out_shape, x.dtype)

        def body(idx: list[SSAValue]) -> None:
            src_idx: list[SSAValue] = list(idx)
            for k, p in enumerate(perm):
                src_idx[p] = idx[k]
            kc.store(kc.load(x, src_idx), out, idx)

        kc.loop_nest(list(out_shape), body)
        return out

    # ---------------------------------------------------------------- matmul
    def matmul(self, a: Array, b: Array, dtype: DType | None, dest: DType | None) -> Array:
        """`a @ b` accumulated in `dtype=`, else the destination's type, else
        the operands' promotion. Operands of two types are converted to their
        promotion first; the accumulator is the result buffer itself."""
        kc = self.kc
        if len(a.shape) != 2 or len(b.shape) != 2 or a.shape[1] != b.shape[0]:
            raise kc.fail(
                f"dato.matmul needs [M, K] x [K, N] arrays, got {list(a.shape)} x {list(b.shape)}"
            )
        operand_t = promote(a.dtype, b.dtype)
        if a.dtype.ir != operand_t.ir:
            a = kc.convert_array(a, operand_t)
        if b.dtype.ir != operand_t.ir:
            b = kc.convert_array(b, operand_t)
        out_t = dtype or widen(operand_t, dest)
        # `Int(n)` operands multiply in their storage type (their values are
        # extended there); an `Int(n)` result wraps to n bits afterwards, which
        # equals wrapping every step (wrapping is a ring homomorphism)
        a_s, b_s = Array(a.value, a.dtype.storage), Array(b.value, b.dtype.storage)
        out = kc.alloc((a.shape[0], b.shape[1]), out_t.storage)
        kc.fill(out, kc.arith.const(0, out_t.storage))
        kc.emit(matmul_op(a_s, b_s, out))
        if out_t.storage != out_t:
            return kc.convert_array(out, out_t)
        return Array(out.value, out_t)


def matmul_op(a: Array, b: Array, out: Array) -> linalg.MatmulOp:
    """`linalg.matmul` whose body extends the operands to the output type
    before multiplying (upstream MLIR's body for mixed types; xDSL's default
    body multiplies in the operand type, which is what wrapped int16 products)."""
    op = linalg.MatmulOp([a.value, b.value], [out.value], res=[])
    if a.dtype.ir == out.dtype.ir:
        return op
    unsigned = a.dtype.is_unsigned and not a.dtype.is_float
    if unsigned:  # printed, so a parsed custom form casts the same way
        op.attributes[UNSIGNED_CAST] = StringAttr("unsigned")
    body = widening_body([a.dtype.ir, b.dtype.ir], out.dtype.ir, unsigned)
    old = op.body.detach_block(0)
    old.erase()
    op.body.add_block(body.detach_block(0))
    return op


def _dynamic_view(a: Array) -> bool:
    """A view at an offset or stride known only at run time (`a[i * 2:i * 2 + 2]`)."""
    layout = a.memref.layout
    if not isinstance(layout, StridedLayoutAttr):
        return False
    return layout.get_offset() is None or None in layout.get_strides()
