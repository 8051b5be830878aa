"""`dato.customize(top)`: Allo's schedule language on a Dato program.

    s = dato.customize(top)
    s.partition("top:A", dim=1, factor=2)            # Partition.Complete by default
    s.partition("gemm_0:buf", partition_type=dato.Partition.Cyclic, dim=0, factor=4)
    s.pipeline("gemm_0:j")                           # initiation_interval=1
    s.unroll("gemm_0:j", factor=4)                   # 0 unrolls fully
    mod = s.build(target="hls")

Names are Allo's: `"<region>:<argument>"`, `"<kernel or instance>:<array or
loop variable>"` (a bare name means the region's). A directive on one instance
of a kernel applies to all its instances: they share one body (one HLS
function). A partition of a kernel's argument is a partition of the region
argument it is bound to, hence of every kernel's copy of it (Allo propagates
partitions the same way). Each call records its directive in the program's IR
(transforms/schedule_directives.py says where and the rules); errors name the
line of the call. The "hls" target emits the directives as pragmas and counts
them in its estimate; a target with no equivalent ignores them, with a
ScheduleIgnoredWarning and a note in its report."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from xdsl.dialects import memref, scf
from xdsl.dialects.builtin import DictionaryAttr, FileLineColLoc, IntegerAttr
from xdsl.ir import Operation, SSAValue

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

    def __str__(self) -> str:
        return str(self.module)

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
        if isinstance(owner, dato.RegionOp):
            parts = sd.region_partitions(owner)
            specs = [*parts.get(what, []), spec]
            label = f"argument '{what}' of {self.top_func_name}"
        else:
            specs = [
                *sd.read_partitions(owner.attributes.get(sd.PARTITION_ATTR, sd.partition_list([]))),
                spec,
            ]
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
        return build_compiled(self.module.clone(), self.params, target, **options)

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
        tasks = self.region.tasks()
        for task in tasks:
            if task.sym_name.data == func:
                return task
        for task in tasks:
            shape = task.grid_shape
            for flat in range(_numel(shape)):
                if dato.instance_name(task.sym_name.data, _unflatten(flat, shape)) == func:
                    return task
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
        old = loop.attributes.get(key)
        loop.attributes[key] = IntegerAttr(value, 64)
        problems = list(sd.loop_errors(loop))
        if problems:
            if old is None:
                del loop.attributes[key]
            else:
                loop.attributes[key] = old
            raise _Refused(problems[0])


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
