"""Runs a compiled `dato.region`: streams, task instances and the scheduler.

Every task instance is a Python generator (see codegen), an actor of the
scheduler the virtual NPU shares (targets/scheduler.py): a deterministic
round-robin over ready instances; an instance runs until it finishes or a
put/get finds its stream full/empty; it then waits on that stream and becomes
ready again when another instance changes the stream. Streams are bounded FIFOs
of exactly their declared depth, so a program that deadlocks on hardware
deadlocks here too: when no instance is ready and some are still alive, every
one of them is blocked, and the error names them, their streams, and whether
each stream was full or empty. Since instances only block on one stream at a
time and run deterministically, results do not depend on the schedule, except
where several instances update one array (no layout splits it between them):
then the order is the semantics. Instances start in task order (the region's),
each task's in row-major pid order; each runs until it finishes or blocks, and
its writes are in the one host array at once, so later instances read them.
"""

from __future__ import annotations

import itertools
import traceback
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from xdsl.dialects.builtin import MemRefType, ModuleOp
from xdsl.ir import BlockArgument, SSAValue

from dato_xdsl.diagnostics import op_location
from dato_xdsl.dialects.dato import REPLICATE, GroupOp, RegionOp, StreamOp, TaskOp, instance_name
from dato_xdsl.targets import profiling, scheduler
from dato_xdsl.targets.simulator import semantics as sem
from dato_xdsl.targets.simulator.codegen import CompiledBody, compile_task_body
from dato_xdsl.targets.simulator.errors import (
    ArgumentError,
    DeadlockError,
    ExecutionError,
    SimulationError,
    SimulationTimeout,
    StreamsNotEmptyError,
    UnsupportedOpError,
)


class Stream(deque[Any]):
    """One bounded FIFO. `waiting` holds the instances blocked on it."""

    __slots__ = ("depth", "label", "waiting")

    def __init__(self, label: str, depth: int) -> None:
        super().__init__()
        self.label = label
        self.depth = depth
        self.waiting: list[Instance] = []


Binding = tuple[int, tuple[slice, ...]]
"""A block argument's view: (region argument index, numpy slice of that array)."""


@dataclass(frozen=True)
class InstanceSpec:
    """One task instance, fixed at compile time: what the scheduler needs,
    whatever the task form."""

    label: str
    """`task_p0_p1`: the task name and the pid joined by `_`."""
    pid: tuple[int, ...]
    bindings: tuple[Binding, ...]
    body: CompiledBody
    ports: tuple[tuple[str, str], ...] = ()
    """For a mapped group: (port, stream) for every port of its body."""

    def streams(self, tables: dict[str, Any]) -> Any:
        return _PortTable(tables, dict(self.ports)) if self.ports else tables

    def views(self, arrays: Sequence[np.ndarray]) -> list[np.ndarray]:
        return [arrays[index][key] for index, key in self.bindings]


class _PortTable:
    """The streams one group instance sees: its ports, then the region's streams."""

    __slots__ = ("base", "ports")

    def __init__(self, base: dict[str, Any], ports: dict[str, str]) -> None:
        self.base = base
        self.ports = ports

    def __getitem__(self, name: str) -> Any:
        return self.base[self.ports.get(name, name)]


class Instance(scheduler.Actor):
    """A running task instance; its `tag` is the id of the put/get it waits at."""

    __slots__ = ("spec",)

    def __init__(self, spec: InstanceSpec, generator: Any) -> None:
        super().__init__(spec.label, generator)
        self.spec = spec


def _region_arg_index(task: TaskOp | GroupOp, operand: SSAValue) -> int:
    region = task.parent_op()
    if (
        isinstance(operand, BlockArgument)
        and isinstance(region, RegionOp)
        and operand.block is region.body.block
    ):
        return operand.index
    raise UnsupportedOpError(
        f"{op_location(task)}: error: task @{task.sym_name.data} binds a value that is not "
        "an argument of its region"
    )


def _grid_bindings(task: TaskOp, pid: tuple[int, ...]) -> tuple[Binding, ...]:
    """The local view each block argument sees: dimension d of a layout entry
    S<a> is block pid[a] of grid[a] equal blocks; R is the whole dimension."""
    grid = task.grid_shape
    bindings: list[Binding] = []
    for operand, layout in zip(task.args, task.layouts.data, strict=True):
        t = operand.type
        assert isinstance(t, MemRefType)
        keys: list[slice] = []
        for extent, axis in zip(t.get_shape(), layout.entries, strict=True):
            if axis == REPLICATE:
                keys.append(slice(None))
            else:
                size = extent // grid[axis]
                keys.append(slice(pid[axis] * size, (pid[axis] + 1) * size))
        bindings.append((_region_arg_index(task, operand), tuple(keys)))
    return tuple(bindings)


def _group_instances(group: GroupOp, body: CompiledBody) -> list[InstanceSpec]:
    """A mapped group: one instance per table row, its slices read from the IR
    (offsets from the row, sizes from the body arguments, unit strides)."""
    sizes = [tuple(cast(MemRefType, a.type).get_shape()) for a in group.body.block.args]
    indices = [_region_arg_index(group, a) for a in group.args]
    specs: list[InstanceSpec] = []
    for inst in group.instances():
        bindings = tuple(
            (index, tuple(slice(o, o + n) for o, n in zip(offs, size, strict=True)))
            for index, offs, size in zip(indices, inst.offsets, sizes, strict=True)
        )
        ports = tuple(zip(group.port_names, inst.bindings, strict=True))
        specs.append(InstanceSpec(inst.name, inst.pid, bindings, body, ports))
    return specs


def enumerate_instances(task: TaskOp | GroupOp, body: CompiledBody) -> list[InstanceSpec]:
    """All instances of one task, in row-major pid order.

    This is the one place that knows task forms: a grid task with layouts has one
    instance per grid point; a mapped `dato.group` has one per table row."""
    if isinstance(task, GroupOp):
        return _group_instances(task, body)
    name = task.sym_name.data
    specs: list[InstanceSpec] = []
    for pid in itertools.product(*(range(n) for n in task.grid_shape)):
        label = instance_name(name, pid)
        specs.append(InstanceSpec(label, pid, _grid_bindings(task, pid), body))
    return specs


def _with_ports(unit: TaskOp | GroupOp, streams: dict[str, StreamOp]) -> dict[str, StreamOp]:
    """A group's ports compile like the (single) streams they are bound to."""
    if not isinstance(unit, GroupOp) or not unit.port_names or unit.num_instances() == 0:
        return streams
    first = unit.instances()[0]
    return streams | {p: streams[b] for p, b in zip(unit.port_names, first.bindings, strict=True)}


def _stream_tables(region: RegionOp) -> tuple[dict[str, Any], list[Stream]]:
    """Fresh streams for one run: symbol -> Stream, or -> {index tuple: Stream}."""
    tables: dict[str, Any] = {}
    every: list[Stream] = []
    for decl in region.streams():
        name = decl.sym_name.data
        depth = decl.stream_type.depth.data
        shape = decl.shape_values
        if not shape:
            stream = Stream(name, depth)
            tables[name] = stream
            every.append(stream)
            continue
        table: dict[tuple[int, ...], Stream] = {}
        for index in itertools.product(*(range(n) for n in shape)):
            stream = Stream(f"{name}[{', '.join(map(str, index))}]", depth)
            table[index] = stream
            every.append(stream)
        tables[name] = table
    return tables, every


def _find_region(module: ModuleOp | RegionOp, name: str | None) -> RegionOp:
    if isinstance(module, RegionOp):
        return module
    regions = [op for op in module.walk() if isinstance(op, RegionOp)]
    if name is not None:
        regions = [r for r in regions if r.sym_name.data == name]
        if not regions:
            raise ArgumentError(f"error: the module has no dato.region @{name}")
    if len(regions) != 1:
        names = ", ".join("@" + r.sym_name.data for r in regions) or "none"
        raise ArgumentError(
            f"error: expected one dato.region in the module, found {len(regions)} ({names}); "
            "name the one to run"
        )
    return regions[0]


def _check_arguments(region: RegionOp, args: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Match the arrays to the region's arguments; integer arrays are viewed as
    the signed type of their width (the signless model), so uint8 data works."""
    where = f"{op_location(region)}: error: region @{region.sym_name.data}"
    if len(args) != len(region.args):
        raise ArgumentError(f"{where} takes {len(region.args)} array(s), got {len(args)}")
    arrays: list[np.ndarray] = []
    for k, (arg, given) in enumerate(zip(region.args, args, strict=True)):
        t = arg.type
        assert isinstance(t, MemRefType)
        if not isinstance(given, np.ndarray):
            raise ArgumentError(
                f"{where}: argument {k} must be a numpy array, got {type(given).__name__}"
            )
        shape = tuple(t.get_shape())
        if given.shape != shape:
            raise ArgumentError(
                f"{where}: argument {k} has shape {list(given.shape)}, expected {list(shape)} ({t})"
            )
        dtype = np.dtype(sem.dtype_of(t.element_type))
        ok = given.dtype == dtype
        if not ok and dtype.kind == "i" and given.dtype.kind in "iu":
            ok = given.dtype.itemsize == dtype.itemsize
        if not ok:
            raise ArgumentError(
                f"{where}: argument {k} has dtype {given.dtype}, expected {dtype} for "
                f"element type {t.element_type}"
            )
        arrays.append(given.view(dtype) if given.dtype != dtype else given)
    return arrays


class Simulator:
    """A `dato.region` compiled for repeated runs.

    `Simulator(module, region=None)` compiles every task body once (raising a
    located UnsupportedOpError for an op it cannot run); `run(*arrays)` executes
    the region on numpy arrays given in region-argument order, writing results
    in place."""

    def __init__(self, module: ModuleOp | RegionOp, region: str | None = None) -> None:
        self.region = _find_region(module, region)
        streams = {s.sym_name.data: s for s in self.region.streams()}
        units = [op for op in self.region.body.block.ops if isinstance(op, TaskOp | GroupOp)]
        self.bodies = [compile_task_body(unit, _with_ports(unit, streams)) for unit in units]
        # the order instances start in: tasks in the region's order, each task's
        # instances in row-major pid order, whichever group virtual mapping put
        # them in (groups split a task by meta_if decisions), so the mapped IR
        # runs as the task-level IR does (see "Several instances, one array" in
        # docs/kernel-language.md)
        tasks: dict[str, int] = {}
        keyed: list[tuple[int, tuple[int, ...], InstanceSpec]] = []
        for unit, body in zip(units, self.bodies, strict=True):
            task = unit.task.data if isinstance(unit, GroupOp) else unit.sym_name.data
            rank = tasks.setdefault(task, len(tasks))
            keyed.extend((rank, spec.pid, spec) for spec in enumerate_instances(unit, body))
        keyed.sort(key=lambda entry: entry[:2])
        self.instances: list[InstanceSpec] = [spec for _, _, spec in keyed]

    def sources(self) -> dict[str, str]:
        """Generated Python source of each task body (for debugging)."""
        return {body.task: body.source for body in self.bodies}

    def run(
        self,
        *args: np.ndarray,
        timeout: float | None = None,
        check_drained: bool = True,
        times: dict[str, float] | None = None,
    ) -> RunStats:
        """Run every task instance to completion on `args` (written in place).

        `timeout`: wall-clock limit in seconds, checked every 1024 blocking
        switches (a deadlock needs none: it is detected as soon as it happens).
        `check_drained`: report streams left non-empty at the end.
        `times`: filled with the wall time each task instance ran (profiling)."""
        arrays = _check_arguments(self.region, args)
        tables, streams = _stream_tables(self.region)
        ready: deque[Instance] = deque()

        def wake(stream: Stream) -> None:
            ready.extend(stream.waiting)
            stream.waiting.clear()

        instances = [
            Instance(
                spec, spec.body.function(spec.pid, spec.views(arrays), spec.streams(tables), wake)
            )
            for spec in self.instances
        ]
        if times is not None:
            for inst in instances:
                inst.generator = profiling.timed(inst.generator, times, inst.label)
        ready.extend(instances)

        def timed_out(why: str) -> SimulationError:
            live = len(scheduler.unfinished(instances))
            return SimulationTimeout(
                f"{self._where()}: error: region @{self.region.sym_name.data} ran "
                f"longer than {timeout} s ({why}); {live} task instance(s) still running"
            )

        switches = scheduler.run(
            ready, SimulationError, _located, timeout=timeout, timed_out=timed_out
        )
        stuck = scheduler.unfinished(instances)
        if stuck:
            raise DeadlockError(self._deadlock_message(stuck))
        leftover = [s for s in streams if s]
        if check_drained and leftover:
            lines = [f"  {s.label}: {len(s)} element(s)" for s in leftover]
            raise StreamsNotEmptyError(
                f"{self._where()}: error: region @{self.region.sym_name.data} finished with "
                f"{len(leftover)} non-empty stream(s):\n" + "\n".join(lines)
            )
        return RunStats(instances=len(instances), switches=switches)

    def _where(self) -> str:
        return op_location(self.region)

    def _deadlock_message(self, stuck: Sequence[Instance]) -> str:
        waiting: list[tuple[str, str]] = []
        for inst in stuck:
            stream = inst.blocked_on
            info = inst.spec.body.ops[inst.tag]
            if info.is_put:
                what = f"put to {stream.label}, which is full ({len(stream)}/{stream.depth})"
            else:
                what = f"get from {stream.label}, which is empty"
            waiting.append((inst.label, f"waits on {what} ({info.location})"))
        return scheduler.deadlock_message(
            self._where(),
            f"region @{self.region.sym_name.data}",
            f"{len(stuck)} task instance(s)",
            waiting,
        )


@dataclass(frozen=True)
class RunStats:
    """Counts from one run (benchmarks use them)."""

    instances: int
    switches: int


def _located(err: Exception, inst: Instance) -> SimulationError:
    """Turn an exception raised inside generated code into a user diagnostic at
    the op that raised it, using the generated line it came from."""
    body = inst.spec.body
    info = None
    for frame in traceback.extract_tb(err.__traceback__):
        if frame.filename == body.filename and frame.lineno is not None:
            info = body.op_at_line(frame.lineno) or info
    where = info.location if info is not None else "<unknown>"
    name = info.name if info is not None else "?"
    if isinstance(err, sem.OpFailure):
        kind: type[SimulationError] = err.kind
        message = err.message
    else:
        kind = ExecutionError
        message = f"failed: {type(err).__name__}: {err}"
    return kind(f"{where}: error: '{name}' op {message} (in task instance {inst.spec.label})")


def simulate(
    module: ModuleOp | RegionOp,
    args: Sequence[np.ndarray],
    *,
    region: str | None = None,
    timeout: float | None = None,
    check_drained: bool = True,
) -> None:
    """Run the `dato.region` of `module` (or the one named `region`) on `args`,
    numpy arrays in region-argument order; results are written into them.

    Raises a SimulationError: UnsupportedOpError, ArgumentError, ExecutionError /
    OutOfBoundsError (with the op's location and the task instance),
    DeadlockError (immediately, naming every blocked instance and stream),
    StreamsNotEmptyError (when `check_drained`), SimulationTimeout (when the run
    exceeds `timeout` seconds of wall time while instances keep switching)."""
    Simulator(module, region).run(*args, timeout=timeout, check_drained=check_drained)


__all__ = [
    "InstanceSpec",
    "RunStats",
    "Simulator",
    "Stream",
    "enumerate_instances",
    "simulate",
]
