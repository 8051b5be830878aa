"""Plain Python functions called from a kernel, inlined at the call.

The helper's body is compiled in its own scope (its parameters and locals,
its module's namespace) into the kernel's current block; errors and op
locations name the helper's own file and lines. A helper returns at most once,
as its last statement; recursion cannot be inlined and is refused."""

from __future__ import annotations

import ast
import builtins
import inspect
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from dato_xdsl.frontend.errors import DatoCompileError
from dato_xdsl.frontend.types import DType
from dato_xdsl.frontend.values import Array, Scalar

if TYPE_CHECKING:
    from dato_xdsl.frontend.kernel import KernelCompiler, Value


def is_helper(callee: object) -> bool:
    """A user's Python function (the caller has ruled out dato's own)."""
    return inspect.isfunction(callee)


class _HelperSource:
    """The parsed definition of a helper and its Python namespace."""

    def __init__(self, fn: Callable[..., Any], fail: Callable[[str], DatoCompileError]) -> None:
        try:
            lines, first = inspect.getsourcelines(fn)
            self.filename = inspect.getsourcefile(fn) or "<unknown>"
        except (OSError, TypeError) as err:
            raise fail(f"cannot read the source of helper '{fn.__name__}': {err}") from None
        tree = ast.parse(textwrap.dedent("".join(lines)))
        fdef = tree.body[0]
        if not isinstance(fdef, ast.FunctionDef):
            raise fail(f"'{fn.__name__}' is not a plain function and cannot be inlined")
        self.fdef = fdef
        self.line_offset = first - 1
        self.globals: dict[str, Any] = fn.__globals__
        self.locals: dict[str, Any] = {}
        if fn.__closure__:
            for name, cell in zip(fn.__code__.co_freevars, fn.__closure__, strict=True):
                try:
                    self.locals[name] = cell.cell_contents
                except ValueError:
                    pass

    def lookup(self, name: str) -> Any:
        for scope in (self.locals, self.globals):
            if name in scope:
                return scope[name]
        if hasattr(builtins, name):
            return getattr(builtins, name)
        raise KeyError(name)


def inline(kc: KernelCompiler, fn: Callable[..., Any], node: ast.Call) -> Value:
    """Compiles `fn(*args)` in place and returns its result (None if it returns nothing)."""
    if any(active is fn for active in kc.inlining):
        chain = " -> ".join(f.__name__ for f in [*kc.inlining, fn])
        raise kc.fail(f"recursive call of '{fn.__name__}' cannot be inlined in a kernel ({chain})")
    if len(kc.inlining) >= 32:
        raise kc.fail("helpers nested more than 32 deep cannot be inlined")
    args = [kc.expr(a) for a in node.args]
    kwargs = {kw.arg: kc.expr(kw.value) for kw in node.keywords if kw.arg is not None}
    if any(kw.arg is None for kw in node.keywords):
        raise kc.fail("**kwargs in a helper call is not supported in kernels")
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs)
    except TypeError as err:
        raise kc.fail(f"{fn.__name__}(): {err}") from None
    bound.apply_defaults()
    src = _HelperSource(fn, kc.fail)
    body = src.fdef.body
    returns = [n for n in ast.walk(src.fdef) if isinstance(n, ast.Return)]
    last = body[-1] if body else None
    with _helper_scope(kc, fn, src):
        for r in returns:
            if r is not last:
                raise kc.fail(f"helper '{fn.__name__}' may return only as its last statement", r)
        annotations = {k: v for k, v in fn.__annotations__.items() if not isinstance(v, str)}
        assigned = _assigned(body)
        kc.node = src.fdef
        for name, value in bound.arguments.items():
            value = _annotated(kc, value, annotations.get(name), name)
            if name in assigned and isinstance(value, Scalar):
                slot = kc.new_slot(name, value.dtype)
                kc.store_slot(slot, value)
            else:
                kc.env[name] = value
        head = body[:-1] if isinstance(last, ast.Return) else body
        kc.reassigned = kc.reassigned_in(body)
        kc.statements(head)
        if not isinstance(last, ast.Return) or last.value is None:
            return None
        result = kc.expr(last.value)
        return _annotated(kc, result, annotations.get("return"), "the result")


@contextmanager
def _helper_scope(kc: KernelCompiler, fn: Callable[..., Any], src: _HelperSource) -> Iterator[None]:
    saved = (
        kc.env,
        kc.bound_line,
        kc.reassigned,
        kc.filename,
        kc.line_offset,
        kc.lookup_static,
        kc.eval_static_expr,
        kc.node,
    )

    def eval_static(expr: ast.expr) -> Any:
        try:
            code = compile(ast.Expression(body=expr), src.filename, "eval")
            return eval(code, src.globals, dict(src.locals))
        except Exception as err:
            raise kc.fail(f"cannot evaluate {ast.unparse(expr)}: {err}", expr) from None

    kc.env, kc.bound_line = {}, {}
    kc.filename, kc.line_offset = src.filename, src.line_offset
    kc.lookup_static, kc.eval_static_expr = src.lookup, eval_static
    kc.inlining.append(fn)
    try:
        yield
    finally:
        kc.inlining.pop()
        (
            kc.env,
            kc.bound_line,
            kc.reassigned,
            kc.filename,
            kc.line_offset,
            kc.lookup_static,
            kc.eval_static_expr,
            kc.node,
        ) = saved


def _annotated(kc: KernelCompiler, value: Value, annotation: object, what: str) -> Value:
    """A scalar converted to its declared type (`x: int32`); other annotations
    (Allo's `index`, array types) are checked where they can be and kept."""
    if isinstance(annotation, DType):
        if isinstance(value, Array):
            raise kc.fail(f"'{what}' is declared {annotation} but is an array")
        if isinstance(value, Scalar | bool | int | float):
            return kc.arith.cast(kc.scalar(value, annotation), annotation)
    return value


def _assigned(body: list[ast.stmt]) -> set[str]:
    names: set[str] = set()
    for n in ast.walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            names.add(n.id)
    return names
