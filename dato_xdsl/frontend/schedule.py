"""`dato.customize(top)`: Allo's schedule language on a Dato program.

    s = dato.customize(top)
    s.partition("top:A", dim=1, factor=2)            # Partition.Complete by default
    s.partition("gemm_0:buf", partition_type=dato.Partition.Cyclic, dim=0, factor=4)
    s.pipeline("gemm_0:j")                           # initiation_interval=1
    s.unroll("gemm_0:j", factor=4)                   # 0 unrolls fully
    mod = s.build(target="hls")

Names are Allo's: `"<region>:<argument>"`, `"<kernel or instance>:<array or
loop variable>"` (a bare name means the region's). A directive on one instance
(`"gemm_0:j"`) applies to that instance only, as in Allo, where each instance is
a function of its own: the task's body is copied under a `meta_if` on the pid
(virtual mapping keeps the copy that instance takes, so it becomes a group of
its own) and the copy gets the directive. A directive on the kernel's name
(`"gemm:j"`, our addition) applies to all its instances, as does any directive on
a one-instance kernel. A partition of a kernel's argument is a partition of the
region argument it is bound to, hence of every kernel's copy of it (Allo
propagates partitions the same way). Each call records its directive in the program's IR
(transforms/schedule_directives.py says where and the rules); errors name the
line of the call. The "hls" target emits the directives as pragmas and counts
them in its estimate; a target with no equivalent ignores them, with a
ScheduleIgnoredWarning and a note in its report."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from xdsl.dialects import arith, memref, scf
from xdsl.dialects.builtin import (
    DictionaryAttr,
    FileLineColLoc,
    IndexType,
    IntegerAttr,
    ModuleOp,
    UnitAttr,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue

from dato_xdsl.dialects import dato
from dato_xdsl.frontend.build import ScheduleIgnoredWarning, build_compiled
from dato_xdsl.frontend.errors import DatoCompileError, DatoError
from dato_xdsl.frontend.markers import RegionDef
from dato_xdsl.frontend.program import Parameter, compile_region
from dato_xdsl.transforms import schedule_directives as sd


class Partition:
    """Partition kinds, numbered as Allo numbers them."""

    Complete = 0
    Block = 1
    Cyclic = 2


class MockBuffer:
    """Allo's way of naming an array: `MockBuffer("gemm_0", "buf")` is `"gemm_0:buf"`."""

    def __init__(self, func: str, name: str) -> None:
        self.func = func
        self.name = name


def _caller() -> tuple[str, int]:
    frame = sys._getframe(2)  # the user's line calling the Schedule method
    return frame.f_code.co_filename, frame.f_lineno


def _located(method: Callable[..., Any]) -> Callable[..., Any]:
    """Errors of a schedule call name the user's line, without our traceback."""

    def wrapper(self: Schedule, *args: Any, **kwargs: Any) -> Any:
        filename, line = _caller()
        try:
            return method(self, *args, **kwargs)
        except _Refused as err:
            raise DatoCompileError(str(err), filename, line).with_traceback(None) from None

    wrapper.__name__ = method.__name__
    wrapper.__doc__ = method.__doc__
    return wrapper


class _Refused(Exception):
    pass


class Schedule:
    """A program and the directives recorded on its IR (`module`)."""

    def __init__(self, top: RegionDef) -> None:
        if not isinstance(top, RegionDef):
            raise DatoError(
                f"dato.customize takes a function decorated with @dato.region(), got {top!r}"
            )
        try:
            self.module, self.params = compile_region(top)
        except DatoError as err:
            raise err.with_traceback(None) from None
        self.params: list[Parameter]
        self.region = next(op for op in self.module.walk() if isinstance(op, dato.RegionOp))
        self.top_func_name = self.region.sym_name.data
        # directives on one instance of a many-instance kernel, applied by
        # scheduled_module: (task, pid) -> index of the op in the body's walk ->
        # attribute name -> value
        self.per_instance: dict[tuple[str, tuple[int, ...]], dict[int, dict[str, Attribute]]] = {}

    def __str__(self) -> str:
        return str(self.scheduled_module())

    def scheduled_module(self) -> ModuleOp:
        """The program with every directive in place: a copy of `module` where
        each kernel with directives for single instances has its body under a
        meta_if chain on the pid, one copy per such instance (see the module
        docstring)."""
        module = self.module.clone()
        region = next(op for op in module.walk() if isinstance(op, dato.RegionOp))
        for task in region.tasks():
            name = task.sym_name.data
            entries = sorted((pid, ops) for (t, pid), ops in self.per_instance.items() if t == name)
            if entries:
                _split_by_instance(task, entries)
        return module

    # ------------------------------------------------------------ directives

    @_located
    def partition(
        self,
        target: str | MockBuffer,
        partition_type: int = Partition.Complete,
        dim: int = 0,
        factor: int = 0,
    ) -> None:
        """Partition an array (`#pragma HLS array_partition`): `dim` counts from
        1, 0 partitions every dim; `factor` is the number of banks of a block or
        cyclic partition."""
        kinds = {
            Partition.Complete: "complete",
            Partition.Block: "block",
            Partition.Cyclic: "cyclic",
        }
        if not isinstance(partition_type, int) or partition_type not in kinds:
            raise _Refused(
                f"partition_type must be Partition.Complete, .Block or .Cyclic (0, 1, 2), "
                f"got {partition_type!r}"
            )
        for key, value in (("dim", dim), ("factor", factor)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise _Refused(f"partition {key}= takes an integer >= 0, got {value!r}")
        spec = sd.PartitionSpec(kinds[partition_type], 0 if partition_type == 0 else factor, dim)
        func, name = self._split(target)
        owner, shape, what = self._array(func, name)
        overrides: dict[str, Attribute] | None = None
        if isinstance(owner, dato.RegionOp):
            parts = sd.region_partitions(owner)
            specs = [*parts.get(what, []), spec]
            label = f"argument '{what}' of {self.top_func_name}"
        else:
            overrides = self._overrides(func, owner)
            current = overrides.get(sd.PARTITION_ATTR) if overrides is not None else None
            if current is None:
                current = owner.attributes.get(sd.PARTITION_ATTR, sd.partition_list([]))
            specs = [*sd.read_partitions(current), spec]
            label = f"buffer '{name}' of {func}"
        if any(s.kind == "complete" and s.dim == 0 for s in specs[:-1]):
            return  # already split into registers: nothing more to do (as Allo)
        problems = list(sd.partition_errors(specs, shape, label))
        if problems:
            raise _Refused(problems[0])
        if isinstance(owner, dato.RegionOp):
            parts[what] = specs
            owner.attributes[sd.PARTITION_ATTR] = DictionaryAttr(
                {k: sd.partition_list(v) for k, v in parts.items()}
            )
        elif overrides is not None:  # this instance's copy only
            overrides[sd.PARTITION_ATTR] = sd.partition_list(specs)
            self._record(func, owner, overrides)
        else:
            owner.attributes[sd.PARTITION_ATTR] = sd.partition_list(specs)

    @_located
    def pipeline(self, axis: str, initiation_interval: int = 1, rewind: bool = False) -> None:
        """Pipeline the loop over `axis` at `initiation_interval` (`#pragma HLS
        pipeline II=`). `rewind` is accepted and not modelled."""
        if not isinstance(initiation_interval, int) or initiation_interval < 1:
            raise _Refused(
                f"initiation_interval must be an integer >= 1, got {initiation_interval!r}"
            )
        self._loop_directive(axis, sd.PIPELINE_ATTR, initiation_interval)

    @_located
    def unroll(self, axis: str, factor: int = 0) -> None:
        """Unroll the loop over `axis` by `factor` (0: fully; `#pragma HLS unroll`)."""
        if not isinstance(factor, int) or isinstance(factor, bool) or factor < 0:
            raise _Refused(
                f"unroll factor must be an integer >= 0 (0 unrolls fully), got {factor!r}"
            )
        self._loop_directive(axis, sd.UNROLL_ATTR, factor)

    def build(self, target: str = "simulator", **options: Any) -> Any:
        """`dato.build` of the scheduled program (same options)."""
        return build_compiled(self.scheduled_module(), self.params, target, **options)

    # -------------------------------------------------------------- names

    def _split(self, target: str | MockBuffer) -> tuple[str, str]:
        if isinstance(target, MockBuffer) or (hasattr(target, "func") and hasattr(target, "name")):
            return str(target.func), str(target.name)  # type: ignore[union-attr]
        if not isinstance(target, str) or target.count(":") > 1 or not target.strip(":"):
            raise _Refused(f"name an array or loop as 'kernel:name' or 'name', got {target!r}")
        if ":" in target:
            func, name = target.split(":")
            return func, name
        return self.top_func_name, target

    def _task(self, func: str) -> dato.TaskOp:
        return self._instance(func)[0]

    def _instance(self, func: str) -> tuple[dato.TaskOp, tuple[int, ...] | None]:
        """The kernel `func` names and the instance's pid; None for the kernel's
        own name and for the one instance of a one-instance kernel (all of it)."""
        tasks = self.region.tasks()
        for task in tasks:
            if task.sym_name.data == func:
                return task, None
        for task in tasks:
            shape = task.grid_shape
            for flat in range(_numel(shape)):
                pid = _unflatten(flat, shape)
                if dato.instance_name(task.sym_name.data, pid) == func:
                    return task, (pid if _numel(shape) > 1 else None)
        kernels = ", ".join(t.sym_name.data for t in tasks) or "none"
        raise _Refused(
            f"'{func}' is not the region ({self.top_func_name}), a kernel or a kernel instance "
            f"of it; its kernels: {kernels}"
        )

    def _array(self, func: str, name: str) -> tuple[Operation, tuple[int, ...], str]:
        """(the op recording the partition, the array's shape, its name there)."""
        if func == self.top_func_name:
            arg = sd.region_arg(self.region, name)
            if arg is None:
                known = ", ".join(a.name_hint or "?" for a in self.region.args)
                raise _Refused(
                    f"{self.top_func_name} has no argument '{name}'; its arguments: {known}"
                )
            return self.region, _shape(arg), name
        task = self._task(func)
        body = task.body.block
        for k, arg in enumerate(body.args):
            if arg.name_hint == name:
                bound = task.args[k]
                if bound not in self.region.args or not bound.name_hint:
                    raise _Refused(
                        f"argument '{name}' of {func} is not bound to an argument of "
                        f"{self.top_func_name}"
                    )
                return self.region, _shape(bound), bound.name_hint
        buffers = [
            op
            for op in body.walk()
            if isinstance(op, memref.AllocOp | memref.AllocaOp) and op.memref.name_hint == name
        ]
        if len(buffers) == 1:
            return buffers[0], _shape(buffers[0].memref), name
        if len(buffers) > 1:
            raise _Refused(f"{func} declares {len(buffers)} arrays named '{name}'")
        known = [a.name_hint for a in body.args if a.name_hint]
        known += [
            op.memref.name_hint
            for op in body.walk()
            if isinstance(op, memref.AllocOp | memref.AllocaOp)
            and op.memref.name_hint
            and _shape(op.memref)
        ]
        raise _Refused(f"{func} has no array '{name}'; its arrays: {', '.join(known) or 'none'}")

    def _overrides(self, func: str, op: Operation) -> dict[str, Attribute] | None:
        """The attributes `op` gets in the copy of instance `func`, if `func` names
        one instance of a many-instance kernel (None: the directive is for all)."""
        task, pid = self._instance(func)
        if pid is None:
            return None
        index = next(k for k, o in enumerate(task.body.block.walk()) if o is op)
        ops = self.per_instance.get((task.sym_name.data, pid), {})
        return dict(ops.get(index, {}))

    def _record(self, func: str, op: Operation, attrs: dict[str, Attribute]) -> None:
        """Keep `attrs` as what `op` gets in instance `func`'s copy (after checks)."""
        task, pid = self._instance(func)
        assert pid is not None
        index = next(k for k, o in enumerate(task.body.block.walk()) if o is op)
        self.per_instance.setdefault((task.sym_name.data, pid), {})[index] = attrs

    def _loop_directive(self, axis: str, key: str, value: int) -> None:
        func, name = self._split(axis)
        if func == self.top_func_name:
            raise _Refused(
                f"{self.top_func_name} is the region, which has no loops; name a loop as "
                f"'kernel:{name}'"
            )
        task = self._task(func)
        loops = [
            op
            for op in task.body.block.walk()
            if isinstance(op, scf.ForOp) and op.body.block.args[0].name_hint == name
        ]
        if not loops:
            names = sorted(
                {
                    op.body.block.args[0].name_hint
                    for op in task.body.block.walk()
                    if isinstance(op, scf.ForOp) and op.body.block.args[0].name_hint
                }
            )
            raise _Refused(
                f"{func} has no loop over '{name}'; its loops: {', '.join(names) or 'none'}"
            )
        if len(loops) > 1:
            lines = ", ".join(str(_line(op)) for op in loops)
            raise _Refused(
                f"{func} has {len(loops)} loops over '{name}' (lines {lines}); give them "
                "different variable names"
            )
        loop = loops[0]
        overrides = self._overrides(func, loop)
        saved = dict(loop.attributes)
        loop.attributes.update(overrides or {})
        loop.attributes[key] = IntegerAttr(value, 64)
        problems = list(sd.loop_errors(loop))
        if problems or overrides is not None:  # checked on the loop as the instance sees it
            loop.attributes.clear()
            loop.attributes.update(saved)
        if problems:
            raise _Refused(problems[0])
        if overrides is not None:
            overrides[key] = IntegerAttr(value, 64)
            self._record(func, loop, overrides)


def _split_by_instance(
    task: dato.TaskOp,
    entries: list[tuple[tuple[int, ...], dict[int, dict[str, Attribute]]]],
) -> None:
    """Replace `task`'s body by `meta_if(pid == p1) {copy 1} meta_elif(pid == p2)
    {copy 2} ... meta_else {copy}`, each copy of the body with its instance's
    attributes set on the ops they name (by index in the body's walk)."""
    old = task.body.block
    new = Block(arg_types=[a.type for a in old.args])
    for a, b in zip(old.args, new.args, strict=True):
        b.name_hint = a.name_hint
    pid_op = dato.PidOp(len(task.grid_shape))
    new.add_op(pid_op)

    def copy_into(block: Block, overrides: dict[int, dict[str, Attribute]]) -> None:
        mapper: dict[SSAValue, SSAValue] = dict(zip(old.args, new.args, strict=True))
        for op in old.ops:
            block.add_op(op.clone(value_mapper=mapper))
        copied = list(block.walk())
        for index, attrs in overrides.items():
            copied[index].attributes.update(attrs)

    def chain(block: Block, k: int) -> None:
        if k == len(entries):
            copy_into(block, {})
            return
        pid, overrides = entries[k]
        conds: list[SSAValue] = []
        for coord, p in zip(pid_op.results, pid, strict=True):
            const = arith.ConstantOp(IntegerAttr(p, IndexType()))
            cmp = arith.CmpiOp(coord, const.result, "eq")
            block.add_ops([const, cmp])
            conds.append(cmp.result)
        cond = conds[0]
        for other in conds[1:]:
            both = arith.AndIOp(cond, other)
            block.add_op(both)
            cond = both.result
        then_block, else_block = Block(), Block()
        copy_into(then_block, overrides)
        then_block.add_op(scf.YieldOp())
        chain(else_block, k + 1)
        else_block.add_op(scf.YieldOp())
        branch = scf.IfOp(cond, [], Region(then_block), Region(else_block))
        branch.attributes[dato.META] = UnitAttr()
        branch.location = task.location
        block.add_op(branch)

    chain(new, 0)
    task.body.detach_block(old)
    task.body.add_block(new)
    old.erase()


def _shape(value: SSAValue) -> tuple[int, ...]:
    return tuple(getattr(value.type, "get_shape", lambda: ())())


def _numel(shape: tuple[int, ...]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def _unflatten(flat: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    pid = []
    for d in reversed(shape):
        pid.append(flat % d)
        flat //= d
    return tuple(reversed(pid))


def _line(op: Operation) -> str:
    loc = op.location
    return str(loc.line.data) if isinstance(loc, FileLineColLoc) else "?"


def customize(top: RegionDef) -> Schedule:
    """A schedule of `top` to record directives on and build (Allo's `df.customize`)."""
    return Schedule(top)


__all__ = [
    "MockBuffer",
    "Partition",
    "Schedule",
    "ScheduleIgnoredWarning",
    "customize",
]
