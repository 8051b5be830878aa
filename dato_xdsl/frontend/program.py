"""Compiles a `@dato.region()` function into a module holding one `dato.region`:
stream declarations and one `dato.task` per kernel."""

from __future__ import annotations

import ast
import builtins
import inspect
import numbers
import textwrap
from dataclasses import dataclass
from typing import Any

from xdsl.dialects.builtin import FileLineColLoc, IntAttr, ModuleOp, StringAttr
from xdsl.ir import Block
from xdsl.utils.exceptions import VerifyException

from dato_xdsl.dialects import dato
from dato_xdsl.frontend import markers
from dato_xdsl.frontend.errors import DatoCompileError
from dato_xdsl.frontend.external import declare_externals
from dato_xdsl.frontend.kernel import KernelCompiler
from dato_xdsl.frontend.regions import flatten_region_calls, own_statements
from dato_xdsl.frontend.types import (
    ArrayType,
    ConstExpr,
    DatoTypeError,
    DType,
    StreamSpec,
    string_annotation,
)
from dato_xdsl.frontend.values import Array, StreamDecl
from dato_xdsl.transforms.npu_padding import record_nibbles


def _is_count(v: object) -> bool:
    """A positive integer (Python's or numpy's), not a bool."""
    return isinstance(v, numbers.Integral) and not isinstance(v, bool) and int(v) >= 1


@dataclass(frozen=True)
class Parameter:
    """One external array of the region: its name and declared type."""

    name: str
    type: ArrayType


class ProgramCompiler:
    def __init__(
        self,
        region_def: markers.RegionDef,
        prefix: str = "",
        active: tuple[object, ...] = (),
    ) -> None:
        fn = region_def.fn
        self.fn = fn
        # a region called from a kernel is flattened into its caller's graph:
        # its tasks and streams are named by the path to it (docs/kernel-language.md)
        self.prefix = prefix
        self.active = (*active, fn)
        try:
            source_lines, first_line = inspect.getsourcelines(fn)
            self.filename = inspect.getsourcefile(fn) or "<unknown>"
        except (OSError, TypeError) as err:
            raise DatoCompileError(
                f"cannot read the source of {fn.__name__}: {err}", "<unknown>", 0
            ) from None
        self.source = textwrap.dedent("".join(source_lines))
        self.line_offset = first_line - 1
        self.globals: dict[str, Any] = fn.__globals__
        self.locals: dict[str, Any] = dict(region_def.enclosing)
        if fn.__closure__:
            for name, cell in zip(fn.__code__.co_freevars, fn.__closure__, strict=True):
                try:
                    self.locals[name] = cell.cell_contents
                except ValueError:
                    pass  # a cell not yet filled: the name stays unknown
        self.locals.update(region_def.bound)
        self.node: ast.AST | None = None

    # ------------------------------------------------------------- helpers
    def fail(self, message: str, node: ast.AST | None = None) -> DatoCompileError:
        line = getattr(node or self.node, "lineno", 1) + self.line_offset
        return DatoCompileError(message, self.filename, line)

    def location(self, node: ast.AST) -> FileLineColLoc:
        return FileLineColLoc(
            StringAttr(self.filename),
            IntAttr(getattr(node, "lineno", 1) + self.line_offset),
            IntAttr(getattr(node, "col_offset", 0) + 1),
        )

    def lookup(self, name: str) -> Any:
        if name in self.locals:
            return self.locals[name]
        if name in self.globals:
            return self.globals[name]
        if hasattr(builtins, name):
            return getattr(builtins, name)
        raise KeyError(name)

    def eval_static(self, node: ast.expr) -> Any:
        """Evaluate a compile-time expression (a type, a mapping, a constant) in
        the program's Python namespace."""
        try:
            code = compile(ast.Expression(body=node), self.filename, "eval")
            return eval(code, self.globals, dict(self.locals))
        except DatoTypeError as err:  # located at eval's frame: relocate to the node
            raise self.fail(err.message, node) from None
        except NameError as err:
            raise self.fail(
                f"{err} (compile-time expressions may use only constants)", node
            ) from None
        except Exception as err:  # the program's own expression failed
            raise self.fail(f"cannot evaluate {ast.unparse(node)}: {err}", node) from None

    def eval_annotation(self, node: ast.expr) -> Any:
        """A type annotation's value; a string annotation is read as the expression
        it holds, evaluated here with the region's type parameters bound."""
        value = self.eval_static(node)
        if isinstance(value, str):
            expr = string_annotation(value, node)
            if expr is None:
                raise self.fail(f"annotation {value!r} is not a Python expression", node)
            value = self.eval_static(expr)
        return value

    # ---------------------------------------------------------------- main
    def compile(self) -> tuple[ModuleOp, list[Parameter]]:
        tree = ast.parse(self.source)
        fdef = tree.body[0]
        assert isinstance(fdef, ast.FunctionDef)
        self.node = fdef
        params = self.parameters(fdef)
        block = Block(arg_types=[p.type.memref for p in params])
        for arg, p in zip(block.args, params, strict=True):
            arg.name_hint = p.name
        region = dato.RegionOp(fdef.name, [], block)
        region.location = self.location(fdef)
        # int4 / uint4 arrays are held one value per byte: the NPU packs them (npu_padding)
        record_nibbles(
            region,
            {
                k: not p.type.dtype.is_unsigned
                for k, p in enumerate(params)
                if p.type.dtype.width == 4
            },
        )
        # what the region's statements build up, statement by statement
        self.block = block
        self.args = {p.name: (block.args[k], p.type) for k, p in enumerate(params)}
        self.streams: dict[str, StreamDecl] = {}
        self.kernel_names: set[str] = set()
        for stmt in fdef.body:
            self.node = stmt
            self.region_statement(stmt)
        if not self.kernel_names:
            raise self.fail(f"region {fdef.name} defines no kernel", fdef)
        module = ModuleOp([region])
        declare_externals(module)  # the kernels its tasks call, declared in the region
        return module, params

    def parameters(self, fdef: ast.FunctionDef) -> list[Parameter]:
        params: list[Parameter] = []
        try:
            evaluated = dict(getattr(self.fn, "__annotations__", {}))
        except Exception:  # Python >= 3.14 evaluates them on access: ours, located, below
            evaluated = {}
        for a in fdef.args.args:
            if a.annotation is None:
                raise self.fail(
                    f"region parameter '{a.arg}' needs an array type, e.g. int32[M, N]", a
                )
            # Python evaluated these where the region was defined, with names
            # (sizes, types) that need not be in the region's own closure.
            t = evaluated.get(a.arg)
            if not isinstance(t, ArrayType):
                t = self.eval_annotation(a.annotation)
            if isinstance(t, DType):
                raise self.fail(
                    f"region parameter '{a.arg}' is a scalar ({t}): a region takes arrays; "
                    f"pass a one-element array ({t}[1]) or use a module-level constant",
                    a,
                )
            if not isinstance(t, ArrayType):
                raise self.fail(f"region parameter '{a.arg}' must be an array type, got {t!r}", a)
            params.append(Parameter(a.arg, ArrayType(t.dtype, t.shape)))
        if fdef.args.vararg or fdef.args.kwarg or fdef.args.kwonlyargs:
            raise self.fail("a region takes plain positional array parameters", fdef)
        return params

    def region_statement(self, stmt: ast.stmt) -> None:
        block, args, streams = self.block, self.args, self.streams
        match stmt:
            case ast.Expr(value=ast.Constant(value=str())) | ast.Pass():
                return
            case ast.AnnAssign(target=ast.Name(id=name), annotation=annotation, value=None):
                spec = self.eval_annotation(annotation)
                if not isinstance(spec, StreamSpec):
                    raise self.fail(
                        f"'{name}' in a region must be a stream (dato.Stream[T, depth]), got "
                        f"{spec!r}"
                    )
                if name in streams or name in args:
                    raise self.fail(f"'{name}' is already defined")
                op = dato.StreamOp(self.prefix + name, spec.stream_type(), spec.shape)
                op.location = self.location(stmt)
                block.add_op(op)
                streams[name] = StreamDecl(self.prefix + name, spec, stmt.lineno + self.line_offset)
            case ast.Assign(targets=[ast.Name(id=name)], value=value):
                self.locals[name] = self.eval_static(value)
            case ast.AnnAssign(target=ast.Name(id=name), annotation=annotation, value=value):
                # `P0: ConstExpr[int32] = Rt + 2`: a compile-time name of the region
                spec = self.eval_annotation(annotation)
                if not isinstance(spec, ConstExpr):
                    raise self.fail(
                        f"'{name}: {ast.unparse(annotation)} = ...' in a region: a region names "
                        "compile-time values with ConstExpr[...] (or a plain assignment)"
                    )
                result = self.eval_static(value)
                if not isinstance(result, numbers.Number) or isinstance(result, bool):
                    raise self.fail(
                        f"'{name}' needs a number known at compile time, got {result!r}"
                    )
                self.locals[name] = result
            case ast.FunctionDef():
                self.kernel(stmt)
            case _:
                raise self.fail(
                    "a region body declares streams (name: dato.Stream[...]) and kernels "
                    f"(@dato.kernel functions) only; found {type(stmt).__name__}"
                )

    def kernel(self, fdef: ast.FunctionDef) -> None:
        block, args, streams, kernel_names = (
            self.block,
            self.args,
            self.streams,
            self.kernel_names,
        )
        mapping, bound_names, decorator = self.kernel_decorator(fdef)
        if fdef.name in kernel_names or fdef.name in streams:
            raise self.fail(f"'{fdef.name}' is already defined", fdef)
        kernel_names.add(fdef.name)
        kparams = fdef.args.args
        if bound_names is None:
            bound_names = [p.arg for p in kparams]
            for p in kparams:
                if p.arg not in args:
                    raise self.fail(
                        f"kernel parameter '{p.arg}' matches no region argument; bind it with "
                        "args=[...]",
                        p,
                    )
        else:
            self.check_bound(bound_names, args, decorator)
        if len(bound_names) != len(kparams):
            raise self.fail(
                f"kernel {fdef.name} has {len(kparams)} parameter(s) but args= binds "
                f"{len(bound_names)}",
                decorator,
            )
        if self.calls_a_region(fdef):
            bindings = dict(zip([p.arg for p in kparams], bound_names, strict=True))
            rest = own_statements(self, fdef)
            flatten_region_calls(self, fdef, mapping, bindings)
            if rest is None:
                return
            fdef = rest  # the kernel's own statements: an ordinary task of its name
        operands = []
        layouts = []
        local_types = []
        local_arrays: list[tuple[str, ArrayType]] = []
        for p, region_name in zip(kparams, bound_names, strict=True):
            self.node = p
            region_value, region_type = args[region_name]
            if p.annotation is None:
                t = region_type
            else:
                t = self.eval_annotation(p.annotation)
                if not isinstance(t, ArrayType):
                    raise self.fail(
                        f"kernel parameter '{p.arg}' must be an array type, got {t!r}", p
                    )
            if (t.dtype, t.shape) != (region_type.dtype, region_type.shape):
                raise self.fail(
                    f"kernel parameter '{p.arg}' is declared {ArrayType(t.dtype, t.shape)} but "
                    f"is bound to region argument '{region_name}' of type {region_type}",
                    p,
                )
            layout = t.layout_attr()
            for dim, axis in enumerate(layout.entries):
                if axis < 0:
                    continue
                if axis >= len(mapping):
                    raise self.fail(
                        f"layout of '{p.arg}' shards dimension {dim} over mapping axis {axis}, "
                        f"but the kernel's mapping {mapping} has {len(mapping)} axis/axes",
                        p,
                    )
                if t.shape[dim] % mapping[axis] != 0:
                    raise self.fail(
                        f"layout of '{p.arg}' shards dimension {dim} (size {t.shape[dim]}) over "
                        f"mapping axis {axis} of extent {mapping[axis]}, which does not divide it",
                        p,
                    )
            local_shape = layout.local_shape(t.shape, mapping)
            operands.append(region_value)
            layouts.append(layout)
            local = ArrayType(t.dtype, tuple(local_shape))
            local_types.append(local.memref)
            local_arrays.append((p.arg, local))
        body = Block(arg_types=local_types)
        params: dict[str, Array] = {}
        for arg, (name, local) in zip(body.args, local_arrays, strict=True):
            arg.name_hint = name
            params[name] = Array(arg, local.dtype)
        task = dato.TaskOp(self.prefix + fdef.name, mapping, operands, layouts, body)
        task.location = self.location(fdef)
        block.add_op(task)
        compiler = KernelCompiler(
            filename=self.filename,
            line_offset=self.line_offset,
            block=body,
            task_name=self.prefix + fdef.name,
            grid=mapping,
            params=params,
            streams=streams,
            lookup_static=self.lookup,
            eval_static=self.eval_static,
        )
        compiler.node = fdef
        compiler.compile(fdef.body)

    def kernel_decorator(
        self, fdef: ast.FunctionDef
    ) -> tuple[list[int], list[str] | None, ast.expr]:
        for dec in fdef.decorator_list:
            if not isinstance(dec, ast.Call):
                continue
            if markers.marker_name(self.eval_static(dec.func)) != "kernel":
                continue
            mapping: list[int] = [1]
            bound: list[str] | None = None
            if dec.args:
                raise self.fail("write @dato.kernel(mapping=[...], args=[...])", dec)
            for kw in dec.keywords:
                if kw.arg == "mapping":
                    value = self.eval_static(kw.value)
                    if (
                        not isinstance(value, list | tuple)
                        or not value
                        or not all(_is_count(v) for v in value)
                    ):
                        raise self.fail(
                            f"mapping must be a list of positive integers, got {value!r}", kw.value
                        )
                    mapping = [int(v) for v in value]
                    try:
                        dato.check_extents(
                            "mapping", mapping, dato.MAX_GRID_INSTANCES, "task instances"
                        )
                    except VerifyException as err:
                        raise self.fail(str(err), kw.value) from None
                elif kw.arg == "args":
                    if not isinstance(kw.value, ast.List | ast.Tuple):
                        raise self.fail("args= takes a list of region parameters", kw.value)
                    bound = []
                    for e in kw.value.elts:
                        if not isinstance(e, ast.Name):
                            raise self.fail(
                                f"args= lists region parameters by name, got {ast.unparse(e)}", e
                            )
                        bound.append(e.id)
                else:
                    raise self.fail(f"unknown kernel option '{kw.arg}'", kw)
            return mapping, bound, dec
        raise self.fail(
            f"function {fdef.name} in a region must be decorated with @dato.kernel(mapping=[...])",
            fdef,
        )

    def calls_a_region(self, fdef: ast.FunctionDef) -> bool:
        for node in ast.walk(fdef):
            if not isinstance(node, ast.Call):
                continue
            func = node.func.value if isinstance(node.func, ast.Subscript) else node.func
            if isinstance(func, ast.Name):
                try:
                    found = self.lookup(func.id)
                except KeyError:
                    continue
                if isinstance(found, markers.RegionDef):
                    return True
        return False

    def check_bound(self, bound: list[str], args: dict[str, Any], node: ast.AST) -> None:
        for name in bound:
            if name not in args:
                raise self.fail(f"args= names '{name}', which is not a region parameter", node)


def compile_region(region_def: markers.RegionDef) -> tuple[ModuleOp, list[Parameter]]:
    return ProgramCompiler(region_def).compile()
