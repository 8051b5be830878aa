"""Compiles one kernel body (Python AST) into the body of a `dato.task`.

It follows docs/design-notes.md, "Task-body conventions": scalar variables live
in 0-d allocas, arrays are memrefs, loops are `scf.for`, array builtins are
linalg ops. Every op carries the Python file, line and column it came from."""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
from xdsl.dialects import memref, scf
from xdsl.dialects.builtin import (
    FileLineColLoc,
    IndexType,
    IntAttr,
    MemRefType,
    StridedLayoutAttr,
    StringAttr,
    UnitAttr,
)
from xdsl.dialects.linalg import ops as linalg
from xdsl.ir import Block, Operation, Region, SSAValue

from dato_xdsl.dialects import dato
from dato_xdsl.frontend import markers
from dato_xdsl.frontend.arith import ScalarArith, fold
from dato_xdsl.frontend.array_ops import ArrayOps
from dato_xdsl.frontend.constants import (
    MAX_CONSTANT_ELEMENTS,
    constant_dtype,
    materialise,
    python_number,
)
from dato_xdsl.frontend.errors import DatoCompileError
from dato_xdsl.frontend.external import ExternalModule, external_call
from dato_xdsl.frontend.helpers import inline, is_helper
from dato_xdsl.frontend.types import (
    ArrayType,
    ConstExpr,
    DType,
    IndexAnnotation,
    UInt,
    bool_,
    float32,
    int32,
    string_annotation,
    widen,
)
from dato_xdsl.frontend.values import (
    Array,
    Scalar,
    Slot,
    StreamDecl,
    StreamList,
    StreamRef,
    dominates,
)

Const = int | float | bool
Value = Scalar | Array | Const | StreamRef | StreamList | Any


class KernelCompiler:
    """Compiles the statements of one kernel into `block`.

    `lookup_static` resolves names that are not kernel variables (constants,
    dtypes, the dato module) in the program's Python namespace."""

    def __init__(
        self,
        *,
        filename: str,
        line_offset: int,
        block: Block,
        task_name: str,
        grid: Sequence[int],
        params: dict[str, Array],
        streams: dict[str, StreamDecl],
        lookup_static: Callable[[str], Any],
        eval_static: Callable[[ast.expr], Any],
    ) -> None:
        self.filename = filename
        self.line_offset = line_offset
        self.entry = block
        self.block = block
        self.task_name = task_name
        self.grid = tuple(grid)
        self.streams = streams
        self.lookup_static = lookup_static
        self.eval_static_expr = eval_static
        self.env: dict[str, Value] = dict(params)
        self.bound_line: dict[str, int] = {}
        self.reassigned: set[str] = set()
        self.node: ast.AST | None = None
        self.last_hoisted: Operation | None = None
        self.arith = ScalarArith(self.emit, self.fail, lambda: self.block)
        self.pids: list[Scalar] | None = None
        self.last_stmt: ast.stmt | None = None
        self.arrays = ArrayOps(self)
        # the declared type of the assignment being compiled: array results
        # take it (docs/kernel-language.md, "Mixed precision")
        self.dest: DType | None = None
        # module-level numpy arrays already embedded, by identity
        self.tables: dict[int, tuple[np.ndarray, Array]] = {}
        # the helper functions being inlined, outermost first
        self.inlining: list[Callable[..., Any]] = []

    # ------------------------------------------------------------- plumbing
    def line_of(self, node: ast.AST | None) -> int:
        return getattr(node, "lineno", 1) + self.line_offset

    def fail(self, message: str, node: ast.AST | None = None) -> DatoCompileError:
        return DatoCompileError(message, self.filename, self.line_of(node or self.node))

    def location(self) -> FileLineColLoc:
        node = self.node
        return FileLineColLoc(
            StringAttr(self.filename),
            IntAttr(self.line_of(node)),
            IntAttr(getattr(node, "col_offset", 0) + 1),
        )

    def emit(self, op: Operation) -> Operation:
        op.location = self.location()
        self.block.add_op(op)
        return op

    def hoist(self, op: Operation) -> Operation:
        """Insert at the top of the task body: scalar variables are visible
        throughout the kernel, as Python's function scope makes them."""
        op.location = self.location()
        if self.last_hoisted is not None:
            self.entry.insert_op_after(op, self.last_hoisted)
        elif self.entry.first_op is not None:
            self.entry.insert_op_before(op, self.entry.first_op)
        else:
            self.entry.add_op(op)
        self.last_hoisted = op
        return op

    @contextmanager
    def at(self, node: ast.AST) -> Iterator[None]:
        saved = self.node
        self.node = node
        try:
            yield
        finally:
            self.node = saved

    @contextmanager
    def inside(self, block: Block) -> Iterator[None]:
        saved = self.block
        self.block = block
        try:
            yield
        finally:
            self.block = saved

    # ------------------------------------------------------------ the body
    @staticmethod
    def reassigned_in(body: list[ast.stmt]) -> set[str]:
        return _assigned_more_than_once(body)

    def compile(self, body: list[ast.stmt]) -> None:
        self.reassigned = _assigned_more_than_once(body)
        self.last_stmt = body[-1] if body else None
        self.statements(body)

    def statements(self, stmts: list[ast.stmt]) -> None:
        i = 0
        while i < len(stmts):
            stmt = stmts[i]
            if isinstance(stmt, ast.With) and self._with_marker(stmt) == "meta_if":
                chain = [stmt]
                while i + 1 < len(stmts) and isinstance(stmts[i + 1], ast.With):
                    kind = self._with_marker(stmts[i + 1])  # type: ignore[arg-type]
                    if kind not in ("meta_elif", "meta_else"):
                        break
                    chain.append(stmts[i + 1])  # type: ignore[arg-type]
                    i += 1
                    if kind == "meta_else":
                        break
                with self.at(stmt):
                    self.meta_if_chain(chain)
            else:
                with self.at(stmt):
                    self.statement(stmt)
            i += 1

    def statement(self, stmt: ast.stmt) -> None:
        match stmt:
            case ast.Expr(value=ast.Constant(value=str())):
                return  # docstring
            case ast.Expr(value=value):
                self.expr(value, allow_none=True)
            case ast.Pass():
                return
            case ast.Assign(targets=targets, value=value):
                with self.destination(self.destination_type(targets)):
                    result = self.expr(value)
                for target in targets:
                    self.assign(target, result, value)
            case ast.AnnAssign(target=target, annotation=annotation, value=value):
                self.declare(target, annotation, value)
            case ast.AugAssign(target=target, op=op, value=value):
                with self.destination(self.destination_type([target])):
                    current = self.expr(_as_load(target))
                    rhs = self.expr(value)
                    combined = self.binary(op, current, rhs)
                self.assign(target, combined, value)
            case ast.For():
                self.for_loop(stmt)
            case ast.If():
                self.if_stmt(stmt)
            case ast.With():
                self.with_stmt(stmt)
            case ast.Return(value=None):
                if stmt is not self.last_stmt:
                    raise self.fail("'return' is only allowed as the last statement of a kernel")
            case ast.Return():
                raise self.fail("a kernel returns nothing: write results into its arguments")
            case ast.While():
                raise self.fail(
                    "'while' loops are not supported in kernels; use 'for ... in range'"
                )
            case ast.Break() | ast.Continue():
                raise self.fail(f"'{type(stmt).__name__.lower()}' is not supported in kernels")
            case _:
                raise self.fail(f"{type(stmt).__name__} statements are not supported in kernels")

    # ---------------------------------------------------------- assignment
    @contextmanager
    def destination(self, dtype: DType | None) -> Iterator[None]:
        saved = self.dest
        self.dest = dtype
        try:
            yield
        finally:
            self.dest = saved

    def destination_type(self, targets: list[ast.expr]) -> DType | None:
        """The element type of an array (or declared scalar) assigned to: the
        one type all targets share, else None."""
        types: set[DType] = set()
        for t in targets:
            base = t.value if isinstance(t, ast.Subscript) else t
            if not isinstance(base, ast.Name):
                return None
            bound = self.env.get(base.id)
            if isinstance(bound, Array):
                types.add(bound.dtype)
            elif isinstance(bound, Slot) and bound.dtype is not None:
                types.add(bound.dtype)
            else:
                return None
        return types.pop() if len(types) == 1 else None

    def declare(self, target: ast.expr, annotation: ast.expr, value: ast.expr | None) -> None:
        if not isinstance(target, ast.Name):
            raise self.fail("only a plain name can be declared with a type")
        name = target.id
        t = self.eval_static_expr(annotation)
        if isinstance(t, str):  # a string annotation: the type expression it holds
            expr = string_annotation(t, annotation)
            if expr is None:
                raise self.fail(f"annotation {t!r} is not a Python expression")
            t = self.eval_static_expr(expr)
        if isinstance(t, ArrayType):
            if t.layout is not None:
                raise self.fail("a local array takes no layout")
            ref = self.emit(memref.AllocOp.get(t.dtype.storage.ir, shape=t.shape)).results[0]
            ref.name_hint = name
            array = Array(ref, t.dtype)
            if value is not None:
                with self.destination(t.dtype):
                    result = self.expr(value)
                self.store_array(array, result, value)
            self.bind(name, array)
            return
        if isinstance(t, ConstExpr):
            result = None if value is None else self.expr(value)
            if not isinstance(result, bool | int | float):
                raise self.fail(
                    f"'{name}: {ast.unparse(annotation)}' needs a value known at compile time, "
                    f"got {self.describe(result)}"
                )
            if isinstance(t.dtype, DType) and t.dtype.is_int and isinstance(result, float):
                result = int(result)
            self.bind(name, result)
            return
        if isinstance(t, DType):
            current = self.env.get(name)
            if isinstance(current, Scalar) and not current.static:
                # `a = s.get()` in one meta branch, `a: int16 = ...` in another (Allo's
                # daisy-chain GEMM): an annotation rebinds the name, as in Python
                del self.env[name]
            elif name in self.env and not isinstance(current, Slot):
                raise self.fail(f"'{name}' is already defined as {self.describe(self.env[name])}")
            slot = self.env.get(name)
            if isinstance(slot, Slot) and slot.dtype != t:
                slot = None  # declared anew with another type: a new variable, as in Python
            if slot is None:
                slot = self.new_slot(name, t)
            if value is not None:
                with self.destination(t):
                    result = self.expr(value)
                self.store_slot(slot, result)
            return
        if isinstance(t, IndexAnnotation):  # Allo's `i: index = ...`
            if isinstance(self.env.get(name), Scalar):
                del self.env[name]  # an annotation declares anew (another meta branch's `i`)
            if value is None:
                self.new_slot(name, None)
            else:
                self.assign_name(name, self.index(self.expr(value)))
            return
        raise self.fail(f"unsupported variable type annotation {ast.unparse(annotation)}")

    def new_slot(self, name: str, dtype: DType | None) -> Slot:
        t = IndexType() if dtype is None else dtype.storage.ir
        op = self.hoist(memref.AllocaOp.get(t, shape=[]))
        op.results[0].name_hint = name
        slot = Slot(op.results[0], dtype)
        self.env[name] = slot
        self.bound_line[name] = self.line_of(self.node)
        return slot

    def bind(self, name: str, value: Value) -> None:
        if name in self.env and isinstance(self.env[name], Scalar) and self.env[name].static:
            raise self.fail(f"'{name}' is a loop variable or pid and cannot be reassigned")
        self.env[name] = value
        self.bound_line[name] = self.line_of(self.node)

    def assign(self, target: ast.expr, value: Value, value_node: ast.expr) -> None:
        match target:
            case ast.Name(id=name):
                self.assign_name(name, value)
            case ast.Tuple(elts=elts) | ast.List(elts=elts):
                if not isinstance(value, tuple | list) or len(value) != len(elts):
                    raise self.fail(f"cannot unpack {self.describe(value)} into {len(elts)} names")
                for t, v in zip(elts, value, strict=True):
                    self.assign(t, v, value_node)
            case ast.Subscript():
                self.assign_subscript(target, value, value_node)
            case _:
                raise self.fail(f"cannot assign to {ast.unparse(target)}")

    def assign_name(self, name: str, value: Value) -> None:
        current = self.env.get(name)
        if isinstance(current, Slot):
            self.store_slot(current, value)
            return
        if isinstance(current, Scalar):
            raise self.fail(f"'{name}' is a loop variable or pid and cannot be reassigned")
        if isinstance(value, Array | StreamRef | StreamList | tuple):
            self.bind(name, value)
            return
        if isinstance(value, Scalar) and name not in self.reassigned:
            self.bind(name, value)  # assigned once: an SSA value (keeps `static`)
            return
        if isinstance(value, Scalar) or name in self.reassigned:
            # a variable: give it a slot typed by its first value
            dtype = self._value_dtype(value)
            slot = self.new_slot(name, dtype)
            self.store_slot(slot, value)
            return
        if isinstance(value, bool | int | float):
            self.bind(name, value)  # a compile-time constant
            return
        raise self.fail(f"cannot assign {self.describe(value)} to '{name}'")

    def _value_dtype(self, value: Value) -> DType | None:
        if isinstance(value, Scalar):
            return value.dtype
        if isinstance(value, bool):
            return bool_
        if isinstance(value, int):
            return int32
        if isinstance(value, float):
            return float32
        raise self.fail(f"cannot make a variable of {self.describe(value)}")

    def store_slot(self, slot: Slot, value: Value) -> None:
        s = self.scalar(value, slot.dtype)
        s = self.arith.cast(self.arith.cast(s, slot.dtype), _storage(slot.dtype))
        self.emit(memref.StoreOp.get(s.value, slot.ref, []))

    def assign_subscript(self, target: ast.Subscript, value: Value, value_node: ast.expr) -> None:
        base = self.expr(target.value)
        if isinstance(base, StreamRef | StreamList):
            raise self.fail("a stream cannot be assigned to; use .put()")
        if isinstance(base, Scalar) and base.dtype is not None and base.dtype.is_int:
            self.assign_bit_slice(target, base, value)
            return
        if not isinstance(base, Array):
            raise self.fail(f"cannot index {self.describe(base)}")
        if any(t is base for _, t in self.tables.values()):
            what = ast.unparse(target.value)
            raise self.fail(f"{what} is a constant array and cannot be written")
        view = self.subscript(base, target.slice)
        if isinstance(view, Array):
            self.store_array(view, value, value_node)
        else:
            indices = view
            s = self.arith.cast(self.scalar(value, base.dtype), base.dtype)
            self.store(s, base, indices)

    def bit_slice(self, x: Scalar, index: ast.expr) -> Scalar:
        """`x[lo:hi]`: bits lo .. hi-1 of an integer as a `UInt(hi - lo)`
        (Allo's bit slice); `x[i]`: bit i as a `UInt(1)`."""
        assert x.dtype is not None
        lo, size = self.bit_bounds(x, index)
        u = UInt(x.dtype.width)
        shifted = self.arith.binop(ast.RShift(), Scalar(x.value, u, x.static), lo)
        if isinstance(size, int):
            return self.arith.cast(shifted, UInt(size))
        # a run-time width: the value keeps x's width, masked to `size` bits
        return self.arith.binop(ast.BitAnd(), shifted, self.low_bits_mask(size, u))

    def low_bits_mask(self, size: Scalar, u: DType) -> Scalar:
        """(1 << size) - 1 in `u`: all ones when size is u's whole width (the
        shift gives 0 there and the subtraction wraps)."""
        one = self.arith.const(1, u)
        return self.arith.binop(ast.Sub(), self.arith.binop(ast.LShift(), one, size), 1)

    def assign_bit_slice(self, target: ast.Subscript, x: Scalar, value: Value) -> None:
        """`x[lo:hi] = v` (Allo): bits lo .. hi-1 of the integer variable or
        array element x become the low hi - lo bits of v; the other bits stay.
        Plain arithmetic (mask, shift, or), so every target runs it."""
        assert x.dtype is not None
        lo, size = self.bit_bounds(x, target.slice)
        width = x.dtype.width
        u = UInt(width)
        all_ones = (1 << width) - 1
        if isinstance(size, int):
            bits = self.arith.cast(self.arith.cast(self.scalar(value, x.dtype), UInt(size)), u)
            ones: Scalar = self.arith.const((1 << size) - 1, u)
        else:  # a run-time width: the value's low `size` bits
            ones = self.low_bits_mask(size, u)
            widened = self.arith.cast(self.scalar(value, x.dtype), u)
            bits = self.arith.binop(ast.BitAnd(), widened, ones)
        placed = self.arith.binop(ast.LShift(), bits, lo)
        if isinstance(lo, int) and isinstance(size, int):
            keep: Scalar | int = all_ones ^ (((1 << size) - 1) << lo)
        else:  # a run-time position or width: the field's mask shifted there, inverted
            field = self.arith.binop(ast.LShift(), ones, lo)
            keep = self.arith.binop(ast.BitXor(), field, all_ones)
        kept = self.arith.binop(ast.BitAnd(), Scalar(x.value, u), keep)
        merged = self.arith.binop(ast.BitOr(), kept, placed)
        result = Scalar(merged.value, x.dtype)  # the same bits, read as x's type
        holder = target.value
        current = self.env.get(holder.id) if isinstance(holder, ast.Name) else None
        if isinstance(current, Slot):
            self.store_slot(current, result)
            return
        if isinstance(holder, ast.Subscript):
            array = self.expr(holder.value)
            if isinstance(array, Array):
                indices = self.subscript(array, holder.slice)
                if not isinstance(indices, Array):
                    self.store(result, array, indices)
                    return
        raise self.fail(
            f"a bit slice is written into a variable or an array element, not {ast.unparse(holder)}"
        )

    def bit_bounds(self, x: Scalar, index: ast.expr) -> tuple[int | Scalar, int | Scalar]:
        """The start and the size of a bit slice `x[lo:hi]` or `x[i]`: both
        constants; or a run-time start and a constant size, `p * 8:(p + 1) * 8`
        (bounds read as linear forms, as for array slices), whose value is a
        `UInt(size)`; or both at run time (`lsb:msb`), whose value keeps x's
        width. Run-time bounds are not checked: bits beyond the width read as
        0 and are not written."""
        assert x.dtype is not None
        width = x.dtype.width
        if isinstance(index, ast.Slice):
            if index.step is not None:
                raise self.fail("a bit slice takes no step")
            lo = 0 if index.lower is None else self.expr(index.lower)
            hi = width if index.upper is None else self.expr(index.upper)
        else:
            lo = self.expr(index)
            hi = lo + 1 if isinstance(lo, int) else None
        if isinstance(lo, int) and isinstance(hi, int) and 0 <= lo < hi <= width:
            return lo, hi - lo
        size = 1 if not isinstance(index, ast.Slice) else self._constant_span(index)
        if isinstance(lo, Scalar) and size is not None and 0 < size <= width:
            return self.arith.cast(lo, UInt(width)), size
        if isinstance(lo, Scalar | int) and isinstance(hi, Scalar) and size is None:
            u = UInt(width)
            start = self.arith.cast(self.scalar(lo, u), u)
            return start, self.arith.binop(ast.Sub(), self.arith.cast(hi, u), start)
        if isinstance(lo, int) and isinstance(hi, int):
            raise self.fail(
                f"a bit slice of a {x.dtype} takes bounds 0 <= lo < hi <= {width}, "
                f"got {ast.unparse(index)}"
            )
        raise self.fail(
            f"a bit slice of a {x.dtype} takes bounds 0 <= lo < hi <= {width} whose "
            f"difference is a constant, got {ast.unparse(index)}"
        )

    # ------------------------------------------------ elements of arrays
    def load(self, array: Array, indices: Sequence[SSAValue]) -> Scalar:
        """An element as a value of the array's type (an `Int(n)` element is
        read from its storage type and truncated to n bits)."""
        v = self.emit(memref.LoadOp.get(array.value, list(indices))).results[0]
        storage = array.dtype.storage
        if storage == array.dtype:
            return Scalar(v, array.dtype)
        return self.arith.cast(Scalar(v, storage), array.dtype)

    def store(self, value: Scalar, array: Array, indices: Sequence[SSAValue]) -> None:
        """Stores a value of the array's type (extended to its storage type)."""
        stored = self.arith.cast(value, array.dtype.storage)
        self.emit(memref.StoreOp.get(stored.value, array.value, list(indices)))

    def fill(self, array: Array, value: Scalar) -> None:
        stored = self.arith.cast(value, array.dtype.storage)
        self.emit(linalg.FillOp([stored.value], [array.value], res=[]))

    def store_array(self, dest: Array, value: Value, node: ast.expr) -> None:
        """`dest[...] = value`: fill with a scalar, or copy an array of the same shape."""
        if isinstance(value, Array):
            if value.shape != dest.shape:
                from dato_xdsl.frontend.array_ops import broadcast_shape

                if broadcast_shape([value.shape, dest.shape]) != dest.shape:
                    raise self.fail(
                        f"cannot assign an array of shape {list(value.shape)} to a slice of "
                        f"shape {list(dest.shape)}",
                        node,
                    )
                value = self.arrays.elementwise(
                    "assignment",
                    [value],
                    lambda xs: xs[0],
                    compute=value.dtype,
                    result=dest.dtype,
                    shape=dest.shape,
                )
            same = value.dtype.ir == dest.dtype.ir and value.dtype.storage == dest.dtype.storage
            src = value if same else self.convert_array(value, dest.dtype)
            self.emit(memref.CopyOp(src.value, dest.value))
            return
        s = self.arith.cast(self.scalar(value, dest.dtype), dest.dtype)
        self.fill(dest, s)

    def convert_array(self, src: Array, dtype: DType) -> Array:
        """Elementwise type conversion into a fresh buffer (a loop nest)."""
        out = self.alloc(src.shape, dtype)

        def body(idx: list[SSAValue]) -> None:
            self.store(self.arith.cast(self.load(src, idx), dtype), out, idx)

        self.loop_nest(list(src.shape), body)
        return out

    def alloc(self, shape: Sequence[int], dtype: DType) -> Array:
        ref = self.emit(memref.AllocOp.get(dtype.storage.ir, shape=list(shape))).results[0]
        return Array(ref, dtype)

    def loop_nest(self, shape: list[int], body: Callable[[list[SSAValue]], None]) -> None:
        def level(k: int, idx: list[SSAValue]) -> None:
            if k == len(shape):
                body(idx)
                return
            lb = self.arith.const(0, None).value
            ub = self.arith.const(shape[k], None).value
            step = self.arith.const(1, None).value
            inner = Block(arg_types=[IndexType()])
            self.emit(scf.ForOp(lb, ub, step, [], Region(inner)))
            with self.inside(inner):
                level(k + 1, [*idx, inner.args[0]])
                self.emit(scf.YieldOp())

        level(0, [])

    # -------------------------------------------------------------- loops
    def for_loop(self, stmt: ast.For) -> None:
        if stmt.orelse:
            raise self.fail("'for ... else' is not supported in kernels")
        it = stmt.iter
        streams = self.stream_iterable(it)
        if streams is not None:
            self.unrolled_stream_loop(stmt, streams)
            return
        if not isinstance(it, ast.Call):
            raise self.fail(
                "a kernel loop iterates over range(...), dato.grid(...) or a stream array"
            )
        callee = self.static_callee(it.func)
        if callee is range:
            bounds = [self._range_args(it)]
            targets = [stmt.target]
        elif markers.marker_name(callee) == "grid":
            extents = [self.expr(a) for a in it.args]
            bounds = [(0, e, 1) for e in extents]
            if isinstance(stmt.target, ast.Tuple):
                targets = list(stmt.target.elts)
            else:
                targets = [stmt.target]
            if len(targets) != len(bounds):
                raise self.fail(
                    f"dato.grid has {len(bounds)} dimension(s) but the loop unpacks "
                    f"{len(targets)} variable(s)"
                )
        else:
            raise self.fail("a kernel loop iterates over range(...) or dato.grid(...)")
        for t in targets:
            if not isinstance(t, ast.Name):
                raise self.fail("a loop variable must be a plain name")
        self._emit_loops(bounds, [t.id for t in targets], stmt.body, meta=False)  # type: ignore[attr-defined]

    def stream_iterable(self, it: ast.expr) -> list[StreamRef] | None:
        """The streams of `for s in pipe`, `for s in pipe[1:]`, `for k, s in
        enumerate(pipe)`, or None when the loop is not over streams."""
        inner = it
        if isinstance(it, ast.Call) and self.static_callee(it.func) is enumerate:
            if len(it.args) != 1 or it.keywords:
                return None
            inner = it.args[0]
        base = inner.value if isinstance(inner, ast.Subscript) else inner
        if not (isinstance(base, ast.Name) and base.id in self.streams):
            return None
        return self.stream_list(inner)

    def unrolled_stream_loop(self, stmt: ast.For, refs: list[StreamRef]) -> None:
        """One copy of the body per stream (a stream is chosen at compile time,
        as in a meta_for)."""
        enumerated = isinstance(stmt.iter, ast.Call)
        target = stmt.target
        if enumerated:
            if not (
                isinstance(target, ast.Tuple)
                and len(target.elts) == 2
                and all(isinstance(e, ast.Name) for e in target.elts)
            ):
                raise self.fail("write 'for k, s in enumerate(streams)'")
            names = [e.id for e in target.elts]  # type: ignore[attr-defined]
        elif isinstance(target, ast.Name):
            names = [target.id]
        else:
            raise self.fail("a loop over streams binds one name per stream")
        saved = {n: self.env[n] for n in names if n in self.env}
        for k, ref in enumerate(refs):
            if enumerated:
                self.env[names[0]] = k
            self.env[names[-1]] = ref
            self.statements(stmt.body)
        for n in names:
            if n in saved:
                self.env[n] = saved[n]
            else:
                self.env.pop(n, None)

    def _range_args(self, call: ast.Call) -> tuple[Value, Value, Value]:
        args = [self.expr(a) for a in call.args]
        if not 1 <= len(args) <= 3 or call.keywords:
            raise self.fail("range takes 1 to 3 positional arguments")
        if len(args) == 1:
            return (0, args[0], 1)
        if len(args) == 2:
            return (args[0], args[1], 1)
        return (args[0], args[1], args[2])

    def _emit_loops(
        self,
        bounds: list[tuple[Value, Value, Value]],
        names: list[str],
        body: list[ast.stmt],
        *,
        meta: bool,
    ) -> None:
        if not bounds:
            self.statements(body)
            return
        lb, ub, step = (self.index(v) for v in bounds[0])
        if isinstance(bounds[0][2], int) and bounds[0][2] <= 0:
            raise self.fail("a loop step must be a positive constant")
        inner = Block(arg_types=[IndexType()])
        iv = inner.args[0]
        iv.name_hint = names[0]
        loop = self.emit(scf.ForOp(lb.value, ub.value, step.value, [], Region(inner)))
        if meta:
            loop.attributes[dato.META] = UnitAttr()
            static = lb.static and ub.static and step.static
            if not static:
                raise self.fail("meta_for bounds must be compile-time (pids and constants)")
        saved = self.env.get(names[0])
        if isinstance(saved, Slot | Array):
            raise self.fail(f"loop variable '{names[0]}' shadows a variable of the kernel")
        self.env[names[0]] = Scalar(iv, None, static=meta)
        with self.inside(inner):
            self._emit_loops(bounds[1:], names[1:], body, meta=meta)
            self.emit(scf.YieldOp())
        # Python keeps the loop variable after the loop; we do not (its SSA
        # value lives only inside the loop body).
        if saved is None:
            del self.env[names[0]]
        else:
            self.env[names[0]] = saved

    # ------------------------------------------------------------ branches
    def if_stmt(self, stmt: ast.If) -> None:
        cond = self.expr(stmt.test)
        if isinstance(cond, bool | int | float):
            self.statements(stmt.body if cond else stmt.orelse)
            return
        c = self.arith.cast(self.scalar(cond, bool_), bool_)
        self._emit_if(
            c,
            lambda: self.statements(stmt.body),
            (lambda: self.statements(stmt.orelse)) if stmt.orelse else None,
            meta=False,
        )

    def _emit_if(
        self,
        cond: Scalar,
        then: Callable[[], None],
        otherwise: Callable[[], None] | None,
        *,
        meta: bool,
    ) -> None:
        then_block = Block()
        else_block = Block() if otherwise is not None else None
        op = self.emit(
            scf.IfOp(
                cond.value,
                [],
                Region(then_block),
                Region(else_block) if else_block is not None else None,
            )
        )
        if meta:
            op.attributes[dato.META] = UnitAttr()
        with self.inside(then_block):
            then()
            self.emit(scf.YieldOp())
        if else_block is not None and otherwise is not None:
            with self.inside(else_block):
                otherwise()
                self.emit(scf.YieldOp())

    def _lazy_if_exp(self, cond: Scalar, body: ast.expr, orelse: ast.expr) -> Scalar:
        """`a if c else b` whose branches load, call or divide: Python evaluates only
        the branch taken (`a[x - 1] if x > 0 else 0` must not read a[-1], `s.get() if c
        else 0` must not take an element), so it becomes an scf.if yielding the value.
        The branches are built inside a result-less scf.if (so names from outside stay
        visible there); once their common type is known, an scf.if with that result
        takes over the regions."""
        c = self.arith.cast(cond, bool_)
        blocks = (Block(), Block())
        draft = self.emit(scf.IfOp(c.value, [], Region(blocks[0]), Region(blocks[1])))
        values: list[Scalar | int | float] = []
        for block, branch in zip(blocks, (body, orelse), strict=True):
            with self.inside(block):
                values.append(self.scalar_or_const(self.expr(branch)))
        t = self.arith.common_type(values[0], values[1])
        results: list[SSAValue] = []
        for block, value in zip(blocks, values, strict=True):
            with self.inside(block):
                results.append(self.arith.cast(self.arith.to_scalar(value, t), t).value)
                self.emit(scf.YieldOp(results[-1]))
        regions = [draft.detach_region(r) for r in list(draft.regions)]
        op = scf.IfOp(c.value, [results[0].type], regions[0], regions[1])
        op.attributes.update(draft.attributes)
        self.block.insert_op_before(op, draft)
        self.block.erase_op(draft)
        return Scalar(op.results[0], t, False)

    def _with_marker(self, stmt: ast.With) -> str | None:
        if len(stmt.items) != 1 or not isinstance(stmt.items[0].context_expr, ast.Call):
            return None
        try:
            callee = self.static_callee(stmt.items[0].context_expr.func)
        except DatoCompileError:
            return None
        return markers.marker_name(callee)

    def with_stmt(self, stmt: ast.With) -> None:
        if len(stmt.items) > 1:
            # `with a as i, b as j:` is Python's `with a as i:` around `with b as j:`
            inner = ast.copy_location(ast.With(items=stmt.items[1:], body=stmt.body), stmt)
            outer = ast.copy_location(ast.With(items=stmt.items[:1], body=[inner]), stmt)
            self.statements([outer])
            return
        kind = self._with_marker(stmt)
        if kind == "meta_for":
            call = stmt.items[0].context_expr
            assert isinstance(call, ast.Call)
            var = stmt.items[0].optional_vars
            if not isinstance(var, ast.Name):
                raise self.fail("write 'with dato.meta_for(lb, ub) as i:'")
            self._emit_loops([self._range_args(call)], [var.id], stmt.body, meta=True)
            return
        if kind in ("meta_elif", "meta_else"):
            raise self.fail(f"dato.{kind} must follow a dato.meta_if block")
        raise self.fail("only 'with dato.meta_if/meta_elif/meta_else/meta_for' are supported")

    def meta_if_chain(self, chain: list[ast.With]) -> None:
        # check every link first: a static condition skips the links after it
        for stmt in chain:
            call = stmt.items[0].context_expr
            assert isinstance(call, ast.Call)
            kind = self._with_marker(stmt)
            wanted = 0 if kind == "meta_else" else 1
            if len(call.args) != wanted or call.keywords:
                with self.at(stmt):
                    raise self.fail(
                        "dato.meta_else() takes no condition"
                        if wanted == 0
                        else f"dato.{kind} takes one condition"
                    )

        def emit_from(k: int) -> None:
            if k == len(chain):
                return
            stmt = chain[k]
            with self.at(stmt):
                kind = self._with_marker(stmt)
                call = stmt.items[0].context_expr
                assert isinstance(call, ast.Call)
                if kind == "meta_else":
                    if call.args:
                        raise self.fail("dato.meta_else() takes no condition")
                    self.statements(stmt.body)
                    return
                if len(call.args) != 1:
                    raise self.fail(f"dato.{kind} takes one condition")
                cond = self.expr(call.args[0])
                if isinstance(cond, bool | int | float):
                    if cond:
                        self.statements(stmt.body)
                    else:
                        emit_from(k + 1)
                    return
                c = self.arith.cast(self.scalar(cond), bool_)
                if not c.static:
                    raise self.fail(
                        f"dato.{kind} needs a compile-time condition (pids and constants); "
                        "use a plain 'if' for runtime values"
                    )
                rest = (lambda: emit_from(k + 1)) if k + 1 < len(chain) else None
                self._emit_if(c, lambda: self.statements(stmt.body), rest, meta=True)

        emit_from(0)

    # ---------------------------------------------------------- expressions
    def expr(self, node: ast.expr, allow_none: bool = False) -> Value:
        with self.at(node):
            result = self._expr(node)
        if result is None and not allow_none:
            raise self.fail(f"{ast.unparse(node)} has no value", node)
        return result

    def _expr(self, node: ast.expr) -> Value:
        match node:
            case _Evaluated(value=value):
                return value
            case ast.Constant(value=value):
                if isinstance(value, bool | int | float):
                    return value
                raise self.fail(f"constant {value!r} is not supported in kernels")
            case ast.Name(id=name):
                return self.name(name)
            case ast.BinOp(left=left, op=op, right=right):
                return self.binary(op, self.expr(left), self.expr(right))
            case ast.UnaryOp(op=op, operand=operand):
                return self.unary(op, self.expr(operand))
            case ast.Compare(left=left, ops=ops, comparators=comparators):
                return self.comparison(left, ops, comparators)
            case ast.BoolOp(op=op, values=values):
                vals = [self.expr(v) for v in values]
                if all(isinstance(v, bool | int | float) for v in vals):
                    return all(vals) if isinstance(op, ast.And) else any(vals)
                return self.arith.logical(
                    isinstance(op, ast.And), [self.scalar(v, bool_) for v in vals]
                )
            case ast.IfExp(test=test, body=body, orelse=orelse):
                cond = self.expr(test)
                if isinstance(cond, bool | int | float):
                    return self.expr(body if cond else orelse)
                if _evaluates_freely(body) and _evaluates_freely(orelse):
                    a, b = self.expr(body), self.expr(orelse)
                    return self.arith.select(
                        self.scalar(cond, bool_), self.scalar_or_const(a), self.scalar_or_const(b)
                    )
                return self._lazy_if_exp(self.scalar(cond, bool_), body, orelse)
            case ast.Call():
                return self.call(node)
            case ast.Subscript(value=value, slice=index):
                base = self.expr(value)
                if isinstance(base, StreamRef):
                    return self.stream_index(base, index)
                if isinstance(base, Array):
                    result = self.subscript(base, index)
                    if isinstance(result, Array):
                        return result
                    return self.load(base, result)
                if isinstance(base, Scalar) and base.dtype is not None and base.dtype.is_int:
                    return self.bit_slice(base, index)
                if isinstance(base, tuple | list):
                    i = self.expr(index)
                    if not isinstance(i, int):
                        raise self.fail("a tuple index must be a constant")
                    return base[i]
                raise self.fail(f"cannot index {self.describe(base)}")
            case ast.Attribute(value=value, attr=attr):
                if _is_static_chain(value) and not self._is_program_name(value):
                    return self.static_value(node)
                base = self.expr(value)
                if isinstance(base, Array):
                    if attr == "shape":
                        return tuple(base.shape)
                    if attr == "dtype":
                        return base.dtype
                    if attr == "T":
                        return self.arrays.transpose(base, None)
                    raise self.fail(f"arrays have no attribute '{attr}' in kernels")
                raise self.fail(f"{self.describe(base)} has no attribute '{attr}'")
            case ast.Tuple(elts=elts) | ast.List(elts=elts):
                return [self.expr(e) for e in elts]
            case _:
                raise self.fail(f"{type(node).__name__} expressions are not supported in kernels")

    def _is_program_name(self, node: ast.expr) -> bool:
        """A kernel variable or a stream (or an attribute chain on one, `x.T.T`):
        not resolved in the Python namespace."""
        while isinstance(node, ast.Attribute):
            node = node.value
        return isinstance(node, ast.Name) and (node.id in self.env or node.id in self.streams)

    def name(self, name: str) -> Value:
        if name in self.env:
            value = self.env[name]
            if isinstance(value, Slot):
                v = self.emit(memref.LoadOp.get(value.ref, [])).results[0]
                return self.arith.cast(Scalar(v, _storage(value.dtype)), value.dtype)
            if isinstance(value, Scalar | Array) and not dominates(value.value, self.block):
                raise self.fail(
                    f"'{name}' is defined inside a loop or branch (line "
                    f"{self.bound_line.get(name, '?')}) and is not visible here; define it "
                    "before the loop or branch"
                )
            return value
        if name in self.streams:
            return StreamRef(self.streams[name])
        return self.static_name(name)

    def static_name(self, name: str) -> Any:
        try:
            return self.program_value(self.lookup_static(name))
        except KeyError:
            raise self.fail(f"name '{name}' is not defined") from None

    def static_value(self, node: ast.expr) -> Any:
        return self.program_value(self.eval_static_expr(node))

    def program_value(self, value: Any) -> Any:
        """A value of the program's namespace as the kernel sees it: a numpy
        scalar is a Python number, a numpy array a constant table."""
        if isinstance(value, np.ndarray):
            return self.constant_table(value)
        return python_number(value)

    def constant_table(self, array: np.ndarray) -> Array:
        cached = self.tables.get(id(array))
        if cached is not None and cached[0] is array:
            return cached[1]
        if array.ndim == 0:
            raise self.fail("a 0-d numpy array is not supported in kernels; use a number")
        if array.size > MAX_CONSTANT_ELEMENTS:
            raise self.fail(
                f"a constant array of {array.size} elements (shape {list(array.shape)}) is "
                f"larger than the {MAX_CONSTANT_ELEMENTS} a kernel embeds; pass it as a "
                "region argument"
            )
        dtype = constant_dtype(array)
        if isinstance(dtype, str):
            raise self.fail(f"cannot use this constant array in a kernel: {dtype}")
        alloc = materialise(array, dtype, self.hoist)
        table = Array(alloc.results[0], dtype)
        self.tables[id(array)] = (array, table)
        return table

    def static_callee(self, func: ast.expr) -> Any:
        if isinstance(func, ast.Name) and func.id in self.env:
            return self.env[func.id]
        if _is_static_chain(func):
            return self.eval_static_expr(func)
        return None

    def scalar(self, value: Value, dtype: DType | None = None) -> Scalar:
        """`value` as an SSA scalar; a constant takes `dtype` (int32/float32 if none)."""
        if isinstance(value, Scalar):
            return value
        if isinstance(value, bool | int | float):
            t = dtype if dtype is not None else self.arith.literal_type(value)
            return self.arith.const(value, t)
        raise self.fail(f"expected a scalar, got {self.describe(value)}")

    def scalar_or_const(self, value: Value) -> Scalar | int | float:
        if isinstance(value, Scalar | int | float | bool):
            return value
        raise self.fail(f"expected a scalar, got {self.describe(value)}")

    def index(self, value: Value) -> Scalar:
        if isinstance(value, bool):
            raise self.fail("a boolean is not an index")
        if isinstance(value, int):
            return self.arith.const(value, None)
        return self.arith.cast(self.scalar(value), None)

    def binary(self, op: ast.operator, a: Value, b: Value) -> Value:
        if isinstance(a, bool | int | float) and isinstance(b, bool | int | float):
            try:
                return fold(op, a, b)
            except (ZeroDivisionError, OverflowError, TypeError) as err:
                raise self.fail(f"cannot evaluate constant expression: {err}") from None
        if isinstance(a, Array) or isinstance(b, Array):
            if isinstance(op, ast.MatMult):
                if not (isinstance(a, Array) and isinstance(b, Array)):
                    raise self.fail("'@' needs two arrays")
                return self.arrays.matmul(a, b, None, self.dest)
            return self.arrays.binary(op, self.operand(a), self.operand(b), self.dest)
        if isinstance(op, ast.MatMult):
            raise self.fail("'@' needs two arrays")
        sa, sb = self.scalar_or_const(a), self.scalar_or_const(b)
        if self.dest is not None and isinstance(op, ast.Add | ast.Sub | ast.Mult | ast.Pow):
            # an assignment's declared type widens what could overflow or round
            # (int16 * int16 into int32): docs/kernel-language.md
            t = self.arith.common_type(sa, sb)
            if isinstance(t, DType) and widen(t, self.dest) != t:
                w = widen(t, self.dest)
                sa = self.arith.cast(sa, w) if isinstance(sa, Scalar) else sa
                sb = self.arith.cast(sb, w) if isinstance(sb, Scalar) else sb
        return self.arith.binop(op, sa, sb)

    def unary(self, op: ast.unaryop, a: Value) -> Value:
        if isinstance(a, bool | int | float):
            if isinstance(op, ast.USub):
                return -a
            if isinstance(op, ast.UAdd):
                return a
            if isinstance(op, ast.Not):
                return not a
            if isinstance(op, ast.Invert) and isinstance(a, int):
                return ~a
        if isinstance(a, Array):
            fns = {
                ast.USub: ("'-'", self.arith.negate),
                ast.UAdd: ("'+'", lambda x: x),
                ast.Not: ("'not'", self.arith.logical_not),
                ast.Invert: ("'~'", self.arith.invert),
            }
            what, fn = fns[type(op)]
            return self.arrays.unary(what, a, fn, self.dest)
        s = self.scalar(a)
        if isinstance(op, ast.USub):
            return self.arith.negate(s)
        if isinstance(op, ast.UAdd):
            return s
        if isinstance(op, ast.Not):
            return self.arith.logical_not(s)
        return self.arith.invert(s)

    def comparison(
        self, left: ast.expr, ops: list[ast.cmpop], comparators: list[ast.expr]
    ) -> Value:
        lhs = self.expr(left)
        results: list[Value] = []
        for op, right in zip(ops, comparators, strict=True):
            if isinstance(op, ast.In | ast.NotIn):
                results.append(self.membership(lhs, op, right))
                continue
            rhs = self.expr(right)
            if isinstance(lhs, bool | int | float) and isinstance(rhs, bool | int | float):
                results.append(_fold_compare(op, lhs, rhs))
            elif isinstance(lhs, Array) or isinstance(rhs, Array):
                if len(ops) > 1:
                    raise self.fail("chained comparisons of arrays are not supported")
                results.append(
                    self.arrays.compare(op, self.operand(lhs), self.operand(rhs), self.dest)
                )
            else:
                results.append(
                    self.arith.compare(op, self.scalar_or_const(lhs), self.scalar_or_const(rhs))
                )
            lhs = rhs
        if len(results) == 1:
            return results[0]
        if all(isinstance(r, bool) for r in results):
            return all(results)
        return self.arith.logical(True, [self.scalar(r, bool_) for r in results])

    def membership(self, lhs: Value, op: ast.cmpop, right: ast.expr) -> Value:
        """`x in {a, b}`: a disjunction of equalities (compile-time collections only)."""
        if not isinstance(right, ast.Set | ast.Tuple | ast.List):
            raise self.fail("'in' needs a literal collection such as {0, N - 1}")
        tests = [self.comparison(_as_value(lhs, right), [ast.Eq()], [e]) for e in right.elts]
        if all(isinstance(t, bool) for t in tests):
            found = any(tests)
        else:
            found = self.arith.logical(False, [self.scalar(t, bool_) for t in tests])
        if isinstance(op, ast.NotIn):
            return (not found) if isinstance(found, bool) else self.arith.logical_not(found)
        return found

    # ---------------------------------------------------------------- calls
    def call(self, node: ast.Call) -> Value:
        func = node.func
        if isinstance(func, ast.Attribute) and (
            not _is_static_chain(func.value) or self._is_program_name(func.value)
        ):
            target = self.expr(func.value)
            if isinstance(target, StreamRef):
                return self.stream_method(target, func.attr, node)
            raise self.fail(f"{self.describe(target)} has no method '{func.attr}'")
        if isinstance(func, ast.Name) and func.id in self.streams:
            raise self.fail(f"stream '{func.id}' is not callable")
        callee = self.static_callee(func)
        if isinstance(callee, ExternalModule):
            return external_call(self, callee, node)
        name = markers.marker_name(callee)
        if name is None and is_helper(callee):
            return inline(self, callee, node)
        if node.keywords and name not in _BUILTIN_KEYWORDS:
            what = f"dato.{name}" if name is not None else ast.unparse(func)
            raise self.fail(f"{what}() got an unexpected keyword argument '{node.keywords[0].arg}'")
        if name == "get_pid":
            return self.get_pid(node)
        if name in _BUILTIN_KEYWORDS:
            return self.builtin(name, node)
        if callee in _PY_MATH:
            return self.python_math(_PY_MATH[callee], node)
        if callee is sum:
            (arg,) = self._args(node, 1)
            return self.python_reduction("sum", arg)
        if callee in (min, max) and len(node.args) == 1:
            (arg,) = self._args(node, 1)
            return self.python_reduction(callee.__name__, arg)
        if name == "gather":
            return self.gather(node)
        if name == "scatter":
            self.scatter(node)
            return None
        if name is not None:
            raise self.fail(f"dato.{name} cannot be used here")
        if callee in (min, max):
            args = [self.expr(a) for a in node.args]
            if len(args) < 2:
                raise self.fail(f"{callee.__name__} needs at least two arguments")
            if all(isinstance(a, bool | int | float) for a in args):
                return callee(args)  # type: ignore[arg-type]
            if any(isinstance(a, Array) for a in args):
                return self.arrays.minmax(callee is max, [self.operand(a) for a in args], self.dest)
            return self.arith.minmax(callee is max, [self.scalar_or_const(a) for a in args])
        if callee is abs:
            (arg,) = self._args(node, 1)
            if isinstance(arg, int | float):
                return abs(arg)
            if isinstance(arg, Array):
                return self.arrays.math("abs", arg, self.dest)
            return self.arith.math_fn("abs", self.scalar(arg))
        if isinstance(callee, DType):
            (arg,) = self._args(node, 1)
            if isinstance(arg, Array):
                return self.convert_array(arg, callee)
            return self.arith.cast(self.scalar(arg, callee), callee)
        if callee in (int, float):
            (arg,) = self._args(node, 1)
            if isinstance(arg, int | float):
                return callee(arg)
            target = int32 if callee is int else float32
            return self.arith.cast(self.scalar(arg), target)
        if callee is range:
            raise self.fail("range(...) is only allowed as the iterable of a for loop")
        fname = ast.unparse(func)
        raise self.fail(f"call of '{fname}' is not supported in kernels")

    def _args(self, node: ast.Call, n: int) -> list[Value]:
        if len(node.args) != n or node.keywords:
            raise self.fail(f"{ast.unparse(node.func)} takes {n} argument(s)")
        return [self.expr(a) for a in node.args]

    def get_pid(self, node: ast.Call) -> Value:
        if node.args:
            raise self.fail("dato.get_pid() takes no arguments")
        if self.pids is None:
            op = self.hoist(dato.PidOp(len(self.grid)))
            for r, nm in zip(op.results, "ijklmn", strict=False):
                r.name_hint = f"p{nm}"
            self.pids = [Scalar(r, None, static=True) for r in op.results]
        if len(self.pids) == 1:
            return self.pids[0]
        return list(self.pids)

    # -------------------------------------------------------------- streams
    def stream_index(self, ref: StreamRef, index: ast.expr) -> StreamRef | list[StreamRef]:
        decl = ref.decl
        if ref.indices or not decl.spec.shape:
            raise self.fail(f"stream '{decl.name}' is not an array of streams")
        items = list(index.elts) if isinstance(index, ast.Tuple) else [index]
        shape = decl.spec.shape
        if any(isinstance(i, ast.Slice) for i in items):
            return self.stream_slice(ref, items)
        if len(items) != len(shape):
            raise self.fail(
                f"stream array '{decl.name}' has shape {list(shape)}: it takes {len(shape)} "
                f"index(es), got {len(items)}"
            )
        indices: list[Scalar] = []
        for k, item in enumerate(items):
            v = self.expr(item)
            if isinstance(v, int) and not isinstance(v, bool):
                if not 0 <= v < shape[k]:
                    raise self.fail(
                        f"index {v} is out of range for dimension {k} of stream array "
                        f"'{decl.name}' (extent {shape[k]})"
                    )
                indices.append(self.arith.const(v, None))
                continue
            if not isinstance(v, Scalar) or not v.static:
                raise self.fail(
                    f"index {ast.unparse(item)} of stream array '{decl.name}' must be a "
                    "compile-time expression in pids, constants and meta_for variables"
                )
            indices.append(self.arith.cast(v, None))
        return StreamRef(decl, indices)

    def stream_slice(self, ref: StreamRef, items: list[ast.expr]) -> list[StreamRef]:
        """`pipe[:]`, `pipe[1:3]`, `pipe[i, :]`: the streams picked, in row-major
        order (slice bounds are compile-time constants)."""
        decl = ref.decl
        shape = decl.spec.shape
        if len(items) > len(shape):
            raise self.fail(
                f"stream array '{decl.name}' has shape {list(shape)}: too many indices "
                f"({len(items)})"
            )
        items = items + [ast.Slice()] * (len(shape) - len(items))
        choices: list[list[Scalar]] = []
        for k, item in enumerate(items):
            if not isinstance(item, ast.Slice):
                choices.append(self.stream_index_one(decl, item, k))
                continue
            dynamic = self.stream_slice_dynamic(decl, item)
            if dynamic is not None:
                choices.append(dynamic)
                continue
            bounds = []
            for b in (item.lower, item.upper, item.step):
                v = None if b is None else self.expr(b)
                if v is not None and (not isinstance(v, int) or isinstance(v, bool)):
                    raise self.fail(
                        f"slice {ast.unparse(item)} of stream array '{decl.name}' needs "
                        "constant bounds, or bounds in pids and meta_for variables whose "
                        "difference is a constant (q * 2:(q + 1) * 2)"
                    )
                bounds.append(v)
            picked = range(shape[k])[slice(*bounds)]
            if not picked:
                raise self.fail(f"slice {ast.unparse(item)} of stream array '{decl.name}' is empty")
            choices.append([self.arith.const(i, None) for i in picked])
        refs: list[StreamRef] = [StreamRef(decl, [])]
        for options in choices:
            refs = [StreamRef(decl, [*r.indices, o]) for r in refs for o in options]
        return refs

    def stream_slice_dynamic(self, decl: StreamDecl, item: ast.Slice) -> list[Scalar] | None:
        """`pipe[q * 2:(q + 1) * 2]`: a start that is a compile-time expression
        in pids and meta_for variables and a constant size give the indices
        start, start + step, ...; each instance's streams are then resolved like
        `pipe[p]` (virtual mapping). None when the bounds are plain constants."""
        if item.lower is None or item.upper is None:
            return None
        lower = self.expr(item.lower)
        if isinstance(lower, int) and isinstance(self.expr(item.upper), int):
            return None
        step = 1 if item.step is None else self.expr(item.step)
        span = self._constant_span(item)
        if not isinstance(lower, Scalar) or not lower.static or span is None:
            return None
        if not isinstance(step, int) or isinstance(step, bool) or step < 1:
            raise self.fail(
                f"a slice step of stream array '{decl.name}' must be a positive constant"
            )
        start = self.arith.cast(lower, None)
        return [self.arith.binop(ast.Add(), start, k * step) for k in range(-(-span // step))]

    def stream_index_one(self, decl: StreamDecl, item: ast.expr, k: int) -> list[Scalar]:
        shape = decl.spec.shape
        v = self.expr(item)
        if isinstance(v, int) and not isinstance(v, bool):
            if v < 0:
                v += shape[k]
            if not 0 <= v < shape[k]:
                raise self.fail(
                    f"index {v} is out of range for dimension {k} of stream array "
                    f"'{decl.name}' (extent {shape[k]})"
                )
            return [self.arith.const(v, None)]
        if not isinstance(v, Scalar) or not v.static:
            raise self.fail(
                f"index {ast.unparse(item)} of stream array '{decl.name}' must be a "
                "compile-time expression in pids, constants and meta_for variables"
            )
        return [self.arith.cast(v, None)]

    def _check_stream_ref(self, ref: StreamRef) -> None:
        if ref.decl.spec.shape and not ref.indices:
            raise self.fail(
                f"'{ref.decl.name}' is an array of streams of shape {list(ref.decl.spec.shape)}: "
                "index it to pick one stream"
            )

    def stream_method(self, ref: StreamRef, method: str, node: ast.Call) -> Value:
        self._check_stream_ref(ref)
        if method == "put":
            (value,) = self._args(node, 1)
            self.put(ref, value)
            return None
        if method == "get":
            self._args(node, 0)
            return self.get(ref)
        raise self.fail(f"a stream has methods put and get, not '{method}'")

    def put(self, ref: StreamRef, value: Value) -> None:
        spec = ref.decl.spec
        if isinstance(spec.element, ArrayType):
            if not isinstance(value, Array):
                raise self.fail(
                    f"stream '{ref.decl.name}' carries {spec.element} blocks, got "
                    f"{self.describe(value)}"
                )
            if value.shape != spec.element.shape:
                raise self.fail(
                    f"stream '{ref.decl.name}' carries {spec.element} blocks, got an array of "
                    f"shape {list(value.shape)}"
                )
            if value.dtype.ir != spec.element.dtype.ir:
                value = self.convert_array(value, spec.element.dtype)
            elif not value.is_contiguous:
                packed = self.alloc(value.shape, value.dtype)
                self.emit(memref.CopyOp(value.value, packed.value))
                value = packed
            self.emit(dato.PutOp(ref.decl.name, [i.value for i in ref.indices], value.value))
            return
        if isinstance(value, Array):
            raise self.fail(
                f"stream '{ref.decl.name}' carries {spec.element} scalars, got an array"
            )
        s = self.arith.cast(self.scalar(value, spec.element), spec.element)
        self.emit(dato.PutOp(ref.decl.name, [i.value for i in ref.indices], s.value))

    def get(self, ref: StreamRef) -> Value:
        spec = ref.decl.spec
        op = self.emit(dato.GetOp(ref.decl.name, [i.value for i in ref.indices], spec.element_ir))
        if isinstance(spec.element, ArrayType):
            return Array(op.results[0], spec.element.dtype)
        return Scalar(op.results[0], spec.element)

    def stream_list(self, node: ast.expr) -> list[StreamRef]:
        value = self.expr(node)
        if isinstance(value, list | tuple):
            refs = list(value)
        elif isinstance(value, StreamRef) and value.decl.spec.shape and not value.indices:
            refs = []
            shape = value.decl.spec.shape
            for flat in range(math.prod(shape)):
                idx = _unflatten(flat, shape)
                refs.append(StreamRef(value.decl, [self.arith.const(i, None) for i in idx]))
        else:
            raise self.fail("gather/scatter take a list of streams or a stream array")
        for r in refs:
            if not isinstance(r, StreamRef):
                raise self.fail(f"gather/scatter take streams, got {self.describe(r)}")
            self._check_stream_ref(r)
        return refs

    def gather(self, node: ast.Call) -> Array:
        (pipes_node,) = node.args if len(node.args) == 1 else (None,)
        if pipes_node is None:
            raise self.fail("dato.gather(pipes) takes one argument")
        refs = self.stream_list(pipes_node)
        first = refs[0].decl.spec
        elem = first.element
        dtype = elem.dtype if isinstance(elem, ArrayType) else elem
        block = elem.shape if isinstance(elem, ArrayType) else ()
        out = self.alloc((len(refs), *block), dtype)
        for k, r in enumerate(refs):
            if r.decl.spec.element != elem:
                raise self.fail("dato.gather needs streams of one element type")
            got = self.get(r)
            if isinstance(got, Array):
                view = self.subscript_static(out, [k])
                self.emit(memref.CopyOp(got.value, view.value))
            else:
                assert isinstance(got, Scalar)
                self.store(got, out, [self.arith.const(k, None).value])
        return out

    def scatter(self, node: ast.Call) -> None:
        if len(node.args) != 2:
            raise self.fail("dato.scatter(buf, pipes) takes two arguments")
        buf = self.expr(node.args[0])
        if not isinstance(buf, Array):
            raise self.fail("dato.scatter needs an array as its first argument")
        refs = self.stream_list(node.args[1])
        if buf.shape[0] != len(refs):
            raise self.fail(
                f"dato.scatter: the array's first dimension is {buf.shape[0]} but there are "
                f"{len(refs)} streams"
            )
        for k, r in enumerate(refs):
            if len(buf.shape) == 1:
                self.put(r, self.load(buf, [self.arith.const(k, None).value]))
            else:
                self.put(r, self.subscript_static(buf, [k]))

    # ------------------------------------------------------------ subscripts
    def subscript(self, base: Array, index: ast.expr) -> Array | list[SSAValue]:
        """`base[index]`: the load/store indices, or a subview for slices."""
        items = list(index.elts) if isinstance(index, ast.Tuple) else [index]
        shape = base.shape
        if len(items) > len(shape):
            raise self.fail(f"too many indices ({len(items)}) for an array of shape {list(shape)}")
        if not any(isinstance(i, ast.Slice) for i in items) and len(items) == len(shape):
            return [self.element_index(item, shape[k], k) for k, item in enumerate(items)]
        items += [ast.Slice()] * (len(shape) - len(items))
        if all(_is_full_slice(i) for i in items):
            return base  # `a[:, :]` is `a` itself
        offsets: list[SSAValue | int] = []
        sizes: list[int] = []
        strides: list[int] = []
        dropped: list[bool] = []
        for k, item in enumerate(items):
            if isinstance(item, ast.Slice):
                off, size, step = self.slice_bounds(item, shape[k], k)
                offsets.append(off)
                sizes.append(size)
                strides.append(step)
                dropped.append(False)
            else:
                offsets.append(self.element_index(item, shape[k], k))
                sizes.append(1)
                strides.append(1)
                dropped.append(True)
        return self.subview(base, offsets, sizes, strides, dropped)

    def subscript_static(self, base: Array, leading: list[int]) -> Array:
        n = len(base.shape)
        offsets: list[SSAValue | int] = [*leading, *([0] * (n - len(leading)))]
        sizes = [*([1] * len(leading)), *base.shape[len(leading) :]]
        dropped = [True] * len(leading) + [False] * (n - len(leading))
        return self.subview(base, offsets, sizes, [1] * n, dropped)

    def subview(
        self,
        base: Array,
        offsets: list[SSAValue | int],
        sizes: list[int],
        strides: list[int],
        dropped: list[bool],
    ) -> Array:
        full = memref.SubviewOp.infer_result_type(base.memref, offsets, sizes, strides)
        layout = full.layout
        assert isinstance(layout, StridedLayoutAttr)
        kept_strides = [s for s, d in zip(layout.strides.data, dropped, strict=True) if not d]
        kept_sizes = [s for s, d in zip(sizes, dropped, strict=True) if not d]
        result_type = MemRefType(
            base.memref.element_type,
            kept_sizes,
            StridedLayoutAttr(
                [s.data if isinstance(s, IntAttr) else None for s in kept_strides],
                layout.offset.data if isinstance(layout.offset, IntAttr) else None,
            ),
        )
        op = self.emit(memref.SubviewOp.get(base.value, offsets, sizes, strides, result_type))
        return Array(op.results[0], base.dtype)

    def element_index(self, item: ast.expr, extent: int, dim: int) -> SSAValue:
        v = self.expr(item)
        if isinstance(v, int) and not isinstance(v, bool):
            if v < 0:
                v += extent  # numpy's negative indices, resolved at compile time
            if not 0 <= v < extent:
                raise self.fail(f"index {v} is out of bounds for dimension {dim} (extent {extent})")
            return self.arith.const(v, None).value
        return self.index(v).value

    def slice_bounds(
        self, item: ast.Slice, extent: int, dim: int
    ) -> tuple[SSAValue | int, int, int]:
        step = 1 if item.step is None else self.expr(item.step)
        if not isinstance(step, int) or step < 1:
            raise self.fail("a slice step must be a positive constant")
        lower = 0 if item.lower is None else self.expr(item.lower)
        if item.upper is None:
            upper: Value = extent
        else:
            upper = self.expr(item.upper)
        if isinstance(lower, int) and isinstance(upper, int):
            lo, hi = (
                (lower + extent if lower < 0 else lower),
                (upper + extent if upper < 0 else upper),
            )
            lo, hi = max(0, min(lo, extent)), max(0, min(hi, extent))
            size = max(0, -(-(hi - lo) // step))
            if size == 0:
                raise self.fail(f"empty slice in dimension {dim}")
            return lo, size, step
        # dynamic start: the size must still be a constant, written as lo:lo+n
        size = self._constant_span(item)
        if size is None:
            raise self.fail(
                f"slice {ast.unparse(item)} needs a compile-time size; write it as "
                "start:start+SIZE with a constant SIZE"
            )
        return self.index(lower).value, -(-size // step), step

    def _constant_span(self, item: ast.Slice) -> int | None:
        """upper - lower when it is the same for every value of the names in
        the bounds (`i * Ma:(i + 1) * Ma`, `k:k + 4`): both bounds are taken
        as linear forms over those names, the difference must be constant."""
        if item.lower is None or item.upper is None:
            return None
        lo, hi = self._linear(item.lower), self._linear(item.upper)
        if lo is None or hi is None:
            return None
        diff = {k: hi.get(k, 0) - lo.get(k, 0) for k in {*lo, *hi}}
        span = diff.pop("", 0)
        if any(diff.values()) or span <= 0:
            return None
        return span

    def _linear(self, node: ast.expr) -> dict[str, int] | None:
        """A linear form {term: coefficient, "": constant} of an index
        expression; a subexpression that is not linear is one opaque term."""
        match node:
            case ast.Constant(value=int() as v) if not isinstance(v, bool):
                return {"": v}
            case ast.BinOp(left=left, op=ast.Add() | ast.Sub() as op, right=right):
                a, b = self._linear(left), self._linear(right)
                if a is None or b is None:
                    return None
                sign = 1 if isinstance(op, ast.Add) else -1
                return {k: a.get(k, 0) + sign * b.get(k, 0) for k in {*a, *b}}
            case ast.BinOp(left=left, op=ast.Mult(), right=right):
                a, b = self._linear(left), self._linear(right)
                if a is None or b is None:
                    return None
                if set(a) <= {""}:
                    a, b = b, a
                if not set(b) <= {""}:
                    return {ast.dump(node): 1}
                c = b.get("", 0)
                return {k: c * v for k, v in a.items()}
            case ast.UnaryOp(op=ast.USub(), operand=operand):
                a = self._linear(operand)
                return None if a is None else {k: -v for k, v in a.items()}
            case ast.Name(id=name) if name not in self.env:
                try:
                    value = python_number(self.lookup_static(name))
                except KeyError:
                    return None
                if isinstance(value, int) and not isinstance(value, bool):
                    return {"": value}
                return None
            case ast.Name(id=name):
                value = self.env[name]
                if isinstance(value, int) and not isinstance(value, bool):
                    return {"": value}
                return {ast.dump(node): 1}
            case _:
                return {ast.dump(node): 1}

    # ------------------------------------------------------- array builtins
    def operand(self, value: Value) -> Array | Scalar | int | float | bool:
        if isinstance(value, Array | Scalar | int | float | bool):
            return value
        raise self.fail(f"expected an array or a scalar, got {self.describe(value)}")

    def builtin(self, name: str, node: ast.Call) -> Value:
        """`dato.<name>(...)`: positional operands, then the keywords the
        builtin takes (anything else is an error naming it)."""
        allowed = _BUILTIN_KEYWORDS[name]
        keywords: dict[str, Value] = {}
        for kw in node.keywords:
            if kw.arg is None or kw.arg not in allowed:
                shown = "**" if kw.arg is None else f"'{kw.arg}'"
                raise self.fail(f"dato.{name}() got an unexpected keyword argument {shown}")
            keywords[kw.arg] = self.expr(kw.value)
        keywords.pop("name", None)  # Allo's op name: no meaning here
        arity = _BUILTIN_ARITY[name]
        if not arity[0] <= len(node.args) <= arity[1]:
            n = str(arity[0]) if arity[0] == arity[1] else f"{arity[0]} to {arity[1]}"
            raise self.fail(f"dato.{name} takes {n} positional argument(s), got {len(node.args)}")
        raw = [self.expr(a) for a in node.args]
        if name == "transpose" and len(raw) == 2:
            keywords["axes"] = raw.pop()
        args = [self.operand(a) for a in raw]
        dest = self.dest
        if name == "matmul":
            a, b = args
            if not (isinstance(a, Array) and isinstance(b, Array)):
                raise self.fail(
                    f"dato.matmul takes two arrays, got {self.describe(a)} and {self.describe(b)}"
                )
            dtype = keywords.get("dtype")
            if dtype is not None and not isinstance(dtype, DType):
                raise self.fail(f"dato.matmul: dtype must be an element type, got {dtype!r}")
            return self.arrays.matmul(a, b, dtype, dest)
        if name in ("sum", "max", "min", "mean"):
            x = args[0]
            if not isinstance(x, Array):
                if name in ("max", "min") and len(args) == 2:
                    return self.builtin_pair("maximum" if name == "max" else "minimum", args)
                raise self.fail(f"dato.{name} takes an array, got {self.describe(x)}")
            if len(args) > 1:
                raise self.fail(f"dato.{name} takes one array (and axis=, keepdims=)")
            axis = keywords.get("axis")
            if isinstance(axis, list):
                axis = tuple(axis)
            keepdims = keywords.get("keepdims", False)
            if not isinstance(keepdims, bool):
                raise self.fail(f"dato.{name}: keepdims must be True or False")
            dtype = keywords.get("dtype")
            if dtype is not None and not isinstance(dtype, DType):
                raise self.fail(f"dato.{name}: dtype must be an element type, got {dtype!r}")
            return self.arrays.reduce(name, x, axis, keepdims, dtype or dest)  # type: ignore[arg-type]
        if name == "transpose":
            x = args[0]
            if not isinstance(x, Array):
                raise self.fail(f"dato.transpose takes an array, got {self.describe(x)}")
            axes = keywords.get("axes")
            if axes is not None and not (
                isinstance(axes, list | tuple) and all(isinstance(a, int) for a in axes)
            ):
                raise self.fail("dato.transpose: axes must be a list of integer constants")
            return self.arrays.transpose(x, axes)  # type: ignore[arg-type]
        if name == "copy":
            x = args[0]
            if not isinstance(x, Array):
                raise self.fail(f"dato.copy takes an array, got {self.describe(x)}")
            return self.arrays.unary("dato.copy", x, lambda v: v, None)
        if name in ("add", "sub", "mul", "div", "power", "pow", "maximum", "minimum"):
            return self.builtin_pair(name, args)
        # one-operand math
        (x,) = args
        if isinstance(x, Array):
            return self.arrays.math(name, x, dest)
        if isinstance(x, int | float):
            x = self.arith.const(float(x), float32) if name != "abs" else x
        return self.arith.math_fn(name, self.scalar(x))

    def builtin_pair(self, name: str, args: list[Array | Scalar | int | float | bool]) -> Value:
        a, b = args
        if name in ("maximum", "minimum"):
            if isinstance(a, Array) or isinstance(b, Array):
                return self.arrays.minmax(name == "maximum", [a, b], self.dest)
            if isinstance(a, int | float) and isinstance(b, int | float):
                return max(a, b) if name == "maximum" else min(a, b)
            return self.arith.minmax(name == "maximum", [a, b])
        op = {
            "add": ast.Add(),
            "sub": ast.Sub(),
            "mul": ast.Mult(),
            "div": ast.Div(),
            "power": ast.Pow(),
            "pow": ast.Pow(),
        }[name]
        return self.binary(op, a, b)

    def python_math(self, name: str, node: ast.Call) -> Value:
        """`math.exp(s)` and friends: Python numbers fold, scalars compile."""
        arity = 2 if name == "pow" else 1
        args = self._args(node, arity)
        if all(isinstance(a, int | float) and not isinstance(a, bool) for a in args):
            fn = _PY_MATH_FOLD[name]
            try:
                return fn(*args)
            except (ValueError, OverflowError) as err:
                raise self.fail(f"cannot evaluate math.{name}{tuple(args)}: {err}") from None
        if any(isinstance(a, Array) for a in args):
            raise self.fail(
                f"math.{name} takes scalars; use dato.{name if name != 'fabs' else 'abs'} on arrays"
            )
        if name == "pow":
            return self.binary(ast.Pow(), args[0], args[1])
        x = args[0]
        if isinstance(x, int | float):
            x = self.arith.const(float(x), float32)
        return self.arith.math_fn("abs" if name == "fabs" else name, self.scalar(x))

    def python_reduction(self, name: str, arg: Value) -> Value:
        """Python's `sum(x)` / `max(x)` / `min(x)` over a 1-D array."""
        if not isinstance(arg, Array) or len(arg.shape) != 1:
            raise self.fail(
                f"{name}(x) in a kernel takes a 1-D array, got {self.describe(arg)}; "
                f"use dato.{name}(x, axis=...) for more dimensions"
            )
        return self.arrays.reduce(name, arg, None, False, self.dest)

    # ---------------------------------------------------------------- misc
    def describe(self, value: object) -> str:
        if isinstance(value, Scalar):
            return "an index" if value.dtype is None else f"a {value.dtype} scalar"
        if isinstance(value, Array):
            return f"a {value.dtype}{list(value.shape)} array"
        if isinstance(value, Slot):
            return f"a {value.dtype} variable"
        if isinstance(value, StreamRef):
            return f"stream '{value.decl.name}'"
        if value is None:
            return "nothing"
        return repr(value)


class _Evaluated(ast.expr):
    """An AST leaf standing for a value the compiler already has."""

    _fields = ()

    def __init__(self, value: object, where: ast.AST) -> None:
        super().__init__()
        self.value = value
        ast.copy_location(self, where)


def _as_value(value: object, where: ast.AST) -> ast.expr:
    return _Evaluated(value, where)


def _as_load(target: ast.expr) -> ast.expr:
    node = ast.fix_missing_locations(ast.copy_location(_load_copy(target), target))
    return node


def _load_copy(target: ast.expr) -> ast.expr:
    if isinstance(target, ast.Name):
        return ast.Name(id=target.id, ctx=ast.Load())
    if isinstance(target, ast.Subscript):
        return ast.Subscript(value=target.value, slice=target.slice, ctx=ast.Load())
    return target


def _is_full_slice(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Slice)
        and node.lower is None
        and node.upper is None
        and (node.step is None or (isinstance(node.step, ast.Constant) and node.step.value == 1))
    )


def _evaluates_freely(node: ast.expr) -> bool:
    """Whether evaluating `node` when Python would not cannot fault or be seen:
    names, literals and arithmetic without division (no loads, calls or stream
    gets), so both branches of a conditional expression can become a select."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Subscript | ast.Call | ast.Attribute | ast.NamedExpr):
            return False
        if isinstance(sub, ast.BinOp) and isinstance(sub.op, ast.Div | ast.FloorDiv | ast.Mod):
            return False
    return True


def _is_static_chain(node: ast.expr) -> bool:
    """`a.b.c` made of names only: resolved in the Python namespace."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


def _assigned_more_than_once(body: list[ast.stmt]) -> set[str]:
    """Names assigned in more than one place (or augmented): these are
    variables even when their first value is a constant."""
    counts: dict[str, int] = {}
    for node in ast.walk(ast.Module(body=body, type_ignores=[])):
        names: list[str] = []
        if isinstance(node, ast.Assign):
            for t in node.targets:
                names += [
                    n.id
                    for n in ast.walk(t)
                    if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
                ]
                if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name):
                    names.append(t.value.id)  # `x[lo:hi] = v` may write the bits of a variable
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
            counts[node.target.id] = counts.get(node.target.id, 0) + 1
        for n in names:
            counts[n] = counts.get(n, 0) + 1
    return {n for n, c in counts.items() if c > 1}


def _fold_compare(op: ast.cmpop, a: Const, b: Const) -> bool:
    name = type(op).__name__
    if name not in ("Lt", "LtE", "Gt", "GtE", "Eq", "NotEq"):
        return a is b if name == "Is" else a is not b if name == "IsNot" else False
    return {
        "Lt": a < b,
        "LtE": a <= b,
        "Gt": a > b,
        "GtE": a >= b,
        "Eq": a == b,
        "NotEq": a != b,
    }[name]


_ALLO = ("name",)
_BUILTIN_KEYWORDS: dict[str, tuple[str, ...]] = {
    "matmul": ("dtype", *_ALLO),
    **{n: _ALLO for n in ("add", "sub", "mul", "div", "power", "pow", "maximum", "minimum")},
    **{
        n: _ALLO
        for n in (
            "exp",
            "log",
            "log2",
            "log10",
            "sqrt",
            "rsqrt",
            "tanh",
            "erf",
            "abs",
            "floor",
            "ceil",
            "sigmoid",
            "relu",
            "sin",
            "cos",
            "copy",
        )
    },
    **{n: ("axis", "keepdims", "dtype", *_ALLO) for n in ("sum", "mean")},
    **{n: ("axis", "keepdims", *_ALLO) for n in ("max", "min")},
    "transpose": ("axes", *_ALLO),
}
_BUILTIN_ARITY: dict[str, tuple[int, int]] = {
    **{n: (1, 1) for n in _BUILTIN_KEYWORDS},
    **{n: (2, 2) for n in ("matmul", "add", "sub", "mul", "div", "power", "pow")},
    "maximum": (2, 2),
    "minimum": (2, 2),
    "max": (1, 2),
    "min": (1, 2),
    "transpose": (1, 2),
}
_PY_MATH: dict[object, str] = {
    math.exp: "exp",
    math.log: "log",
    math.log2: "log2",
    math.log10: "log10",
    math.sqrt: "sqrt",
    math.tanh: "tanh",
    math.erf: "erf",
    math.fabs: "fabs",
    math.floor: "floor",
    math.ceil: "ceil",
    math.sin: "sin",
    math.cos: "cos",
    math.pow: "pow",
}
_PY_MATH_FOLD: dict[str, Callable[..., Any]] = {v: k for k, v in _PY_MATH.items()}  # type: ignore[misc]


def _storage(dtype: DType | None) -> DType | None:
    """The type a variable of `dtype` is stored in (None, an index, stays None)."""
    return None if dtype is None else dtype.storage


def _unflatten(flat: int, shape: Sequence[int]) -> list[int]:
    idx = []
    for s in reversed(shape):
        idx.append(flat % s)
        flat //= s
    return list(reversed(idx))
