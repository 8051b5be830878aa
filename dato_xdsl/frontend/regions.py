"""Regions called from a kernel (hierarchical dataflow), flattened into the
caller's graph.

The calling kernel chooses which regions run on which of its arrays: region
calls, optionally under `meta_if` on its pid (Allo's `inner[2, 2](...)` /
`inner[4, 4](...)` per instance). Each call becomes the called region's streams
and tasks in the parent region, named by the path
`<kernel>[_<pid>]__<region>__<name>`, on the parent arrays the kernel's
parameters are bound to. The kernel's other statements, if any, become a task
of the kernel's own name beside them (`own_statements`); otherwise the calling
kernel leaves no task."""

from __future__ import annotations

import ast
import copy
import itertools
from typing import TYPE_CHECKING, Any

from dato_xdsl.frontend import markers
from dato_xdsl.frontend.errors import DatoCompileError
from dato_xdsl.frontend.types import ArrayType

if TYPE_CHECKING:
    from dato_xdsl.frontend.program import ProgramCompiler


def flatten_region_calls(
    pc: ProgramCompiler, fdef: ast.FunctionDef, mapping: list[int], bindings: dict[str, str]
) -> None:
    """`bindings`: the kernel's parameter names -> the parent region's argument names."""
    for p in fdef.args.args:
        if p.annotation is not None:
            t = pc.eval_annotation(p.annotation)
            if isinstance(t, ArrayType) and t.layout is not None:
                raise pc.fail(
                    f"kernel {fdef.name} calls a region: its parameter '{p.arg}' takes the whole "
                    "array (no layout)",
                    p,
                )
    calls: list[tuple[tuple[int, ...], markers.RegionDef, list[str], ast.Call]] = []
    for instance in itertools.product(*(range(n) for n in mapping)):
        env: dict[str, Any] = {}
        _run(pc, fdef, fdef.body, instance, env, bindings, calls)
    if not calls:
        raise pc.fail(f"kernel {fdef.name} calls a region on none of its instances", fdef)
    seen: dict[str, int] = {}
    for instance, region_def, arg_names, node in calls:
        where = fdef.name + (
            "_" + "_".join(map(str, instance)) if len(instance) > 1 or mapping[0] > 1 else ""
        )
        path = f"{where}__{region_def.__name__}"
        n = seen.get(path, 0)
        seen[path] = n + 1
        prefix = f"{pc.prefix}{path}{n if n else ''}__"
        _inline_region(pc, region_def, arg_names, node, prefix)


def _run(
    pc: ProgramCompiler,
    fdef: ast.FunctionDef,
    stmts: list[ast.stmt],
    instance: tuple[int, ...],
    env: dict[str, Any],
    bindings: dict[str, str],
    calls: list[tuple[tuple[int, ...], markers.RegionDef, list[str], ast.Call]],
) -> None:
    """Walks the calling kernel's body for one instance, choosing meta_if branches."""
    chain_taken: bool | None = None  # inside a meta_if chain: has a link run yet
    for stmt in stmts:
        kind = _with_kind(pc, stmt)
        if kind is None:
            chain_taken = None
        match stmt:
            case ast.Expr(value=ast.Constant(value=str())) | ast.Pass():
                continue
            case ast.Assign(targets=[target], value=ast.Call(func=func)) if (
                markers.marker_name(pc.eval_static(func)) == "get_pid"
            ):
                value: Any = instance[0] if len(instance) == 1 else instance
                names = target.elts if isinstance(target, ast.Tuple) else [target]
                values = [value] if len(names) == 1 else list(value)
                if len(names) != len(values) or not all(isinstance(n, ast.Name) for n in names):
                    raise pc.fail("cannot unpack dato.get_pid() here", stmt)
                for n, v in zip(names, values, strict=True):
                    env[n.id] = v  # type: ignore[attr-defined]
            case ast.With() if kind in ("meta_if", "meta_elif", "meta_else"):
                if kind != "meta_if" and chain_taken is None:
                    raise pc.fail(f"{kind} without a meta_if before it", stmt)
                if kind == "meta_if":
                    chain_taken = False
                if chain_taken:
                    continue
                call = stmt.items[0].context_expr
                assert isinstance(call, ast.Call)
                take = True if kind == "meta_else" else bool(_eval(pc, call.args[0], env))
                if take:
                    chain_taken = True
                    _run(pc, fdef, stmt.body, instance, env, bindings, calls)
            case ast.Expr(value=ast.Call() as call) if _is_region_call(pc, stmt):
                callee = _eval(pc, call.func, env)
                names = []
                for a in call.args:
                    if not isinstance(a, ast.Name) or a.id not in bindings:
                        raise pc.fail(
                            f"a region call takes the kernel's parameters, got {ast.unparse(a)}",
                            a,
                        )
                    names.append(bindings[a.id])
                if call.keywords:
                    raise pc.fail("a region call takes positional arrays only", call)
                calls.append((instance, callee, names, call))
            case _:
                continue  # the kernel's own statements: a task of their own (own_statements)


def _eval_or_none(pc: ProgramCompiler, node: ast.expr, env: dict[str, Any]) -> Any:
    try:
        return _eval(pc, node, env)
    except DatoCompileError:  # a name only the kernel's own code knows: no region
        return None


def _is_region_call(pc: ProgramCompiler, stmt: ast.stmt) -> bool:
    if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
        return False
    func = stmt.value.func
    func = func.value if isinstance(func, ast.Subscript) else func
    if not isinstance(func, ast.Name):
        return False
    try:
        return isinstance(pc.lookup(func.id), markers.RegionDef)
    except KeyError:
        return False


def own_statements(pc: ProgramCompiler, fdef: ast.FunctionDef) -> ast.FunctionDef | None:
    """The calling kernel's statements besides its region calls, as a kernel of
    their own (its region calls removed), or None when it has none.

    They run as a task beside the called regions' tasks, concurrently, as all
    tasks do: so they may not touch an array the kernel passes to a region (the
    order Python's sequential reading implies would be lost), and a region call
    is a statement of the kernel's body or of a meta_if chain in it, not nested
    in a loop."""
    passed: set[str] = set()
    for node in ast.walk(fdef):
        if isinstance(node, ast.stmt) and _is_region_call(pc, node):
            call = node.value  # type: ignore[attr-defined]
            passed.update(a.id for a in call.args if isinstance(a, ast.Name))
    rest = copy.deepcopy(fdef)
    real = _strip_calls(pc, rest, rest.body, top=True)
    if not real:
        return None
    for node in ast.walk(rest):
        if isinstance(node, ast.Name) and node.id in passed:
            raise pc.fail(
                f"kernel {fdef.name} passes '{node.id}' to a region and also uses it itself: "
                "its own statements run as a task beside the region's tasks, concurrently, so "
                "they may only use arrays the regions do not get",
                node,
            )
    return rest


def _strip_calls(
    pc: ProgramCompiler, fdef: ast.FunctionDef, body: list[ast.stmt], top: bool
) -> bool:
    """Replace region calls in `body` by `pass` (in place); True when a
    statement other than pids, passes, docstrings and meta_if chains remains."""
    real = False
    for k, stmt in enumerate(body):
        if _is_region_call(pc, stmt):
            body[k] = ast.copy_location(ast.Pass(), stmt)
            continue
        if _with_kind(pc, stmt) in ("meta_if", "meta_elif", "meta_else"):
            assert isinstance(stmt, ast.With)
            real |= _strip_calls(pc, fdef, stmt.body, top)
            continue
        for node in ast.walk(stmt):
            if isinstance(node, ast.stmt) and _is_region_call(pc, node):
                raise pc.fail(
                    f"kernel {fdef.name} calls a region inside {type(stmt).__name__}: a region "
                    "call is a statement of the kernel's body or of a meta_if chain",
                    node,
                )
        is_pid = (
            isinstance(stmt, ast.Assign)
            and isinstance(stmt.value, ast.Call)
            and markers.marker_name(_eval_or_none(pc, stmt.value.func, {})) == "get_pid"
        )
        docstring = isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
        if not (is_pid or docstring or isinstance(stmt, ast.Pass)):
            real = True
    return real


def _with_kind(pc: ProgramCompiler, stmt: ast.stmt) -> str | None:
    if not (isinstance(stmt, ast.With) and len(stmt.items) == 1):
        return None
    ctx = stmt.items[0].context_expr
    if not isinstance(ctx, ast.Call):
        return None
    return markers.marker_name(pc.eval_static(ctx.func))


def _eval(pc: ProgramCompiler, node: ast.expr, env: dict[str, Any]) -> Any:
    saved = dict(pc.locals)
    pc.locals.update(env)
    try:
        return pc.eval_static(node)
    finally:
        pc.locals = saved


def _inline_region(
    pc: ProgramCompiler,
    region_def: markers.RegionDef,
    arg_names: list[str],
    call: ast.Call,
    prefix: str,
) -> None:
    if region_def.fn in pc.active:
        raise pc.fail(f"region {region_def.__name__} calls itself: regions cannot recurse", call)
    child = type(pc)(region_def, prefix, pc.active)
    tree = ast.parse(child.source)
    cdef = tree.body[0]
    assert isinstance(cdef, ast.FunctionDef)
    child.node = cdef
    params = child.parameters(cdef)
    if len(params) != len(arg_names):
        raise pc.fail(
            f"region {region_def.__name__} takes {len(params)} array(s), got {len(arg_names)}",
            call,
        )
    child.args = {}
    for p, name in zip(params, arg_names, strict=True):
        value, t = pc.args[name]
        if (t.dtype, t.shape) != (p.type.dtype, p.type.shape):
            raise pc.fail(
                f"region {region_def.__name__} parameter '{p.name}' is {p.type} but gets "
                f"'{name}' of type {t}",
                call,
            )
        child.args[p.name] = (value, t)
    child.block = pc.block
    child.streams = {}
    child.kernel_names = set()
    for stmt in cdef.body:
        child.node = stmt
        child.region_statement(stmt)
    if not child.kernel_names:
        raise child.fail(f"region {cdef.name} defines no kernel", cdef)
