"""The virtual NPU: runs an `aie.device` on the CPU.

`VirtualNpu(module)` compiles every core and the runtime sequence once (see
codegen.py), builds the external kernels, and checks what can be checked
before running (tile memory); `run(arrays)` builds fresh hardware state
(fabric.py) and schedules every actor, cores, DMA channels and the runtime
sequence, round-robin with the simulator's scheduler (targets/scheduler.py):
an actor runs until it must wait for a fifo object, a lock, a stream or a DMA,
and is readied when that changes. The schedule is deterministic.

The run ends when nothing can move. If the runtime sequence has finished,
that is the normal end: cores written as endless loops are left waiting for
input (only the runtime sequence must finish). Otherwise it is a deadlock,
reported with every waiting core, DMA and the runtime sequence's wait. A host
transfer that never completed is an error too (the host would read a partial
result)."""

from __future__ import annotations

import os
import time
import traceback
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import FileLineColLoc, FunctionType, MemRefType, ModuleOp, UnitAttr
from xdsl.ir import Operation, SSAValue

from dato_xdsl.diagnostics import op_location
from dato_xdsl.dialects import aie, memref
from dato_xdsl.targets import scheduler
from dato_xdsl.targets.simulator import semantics as sem
from dato_xdsl.targets.simulator.errors import ExecutionError, SimulationError
from dato_xdsl.targets.virtual_npu import kernels
from dato_xdsl.targets.virtual_npu.codegen import CompiledUnit, compile_unit
from dato_xdsl.targets.virtual_npu.dma import ShimChannel
from dato_xdsl.targets.virtual_npu.errors import (
    DesignError,
    KernelError,
    NpuDeadlockError,
    NpuTimeout,
    TokenError,
    TransferError,
)
from dato_xdsl.targets.virtual_npu.fabric import Fabric, memref_info, tile_coords
from dato_xdsl.targets.virtual_npu.state import (
    READING,
    Lock,
    PacketDest,
    PacketSource,
    Pool,
    Stream,
)

RUNTIME_SEQUENCES = ("aie.runtime_sequence", "aiex.runtime_sequence")


@dataclass(frozen=True)
class NpuStats:
    """What one run did. Counts of the functional model, not hardware timings."""

    cores: int
    dma_channels: int
    switches: int
    """Times an actor had to wait (a measure of scheduling work)."""
    host_transfers: int
    host_elements: int
    """Elements moved between host arrays and the array by the shim DMAs."""
    outputs_written: tuple[int, ...]
    """Per runtime-sequence argument: elements the NPU wrote into it."""
    waiting_at_end: tuple[str, ...]
    """Cores still waiting when the run ended (endless loops waiting for input)."""
    seconds: float


class _Actor(scheduler.Actor):
    """A core, a DMA channel (no `unit`) or the runtime sequence (the one actor
    that must finish)."""

    __slots__ = ("unit", "where")

    def __init__(
        self,
        label: str,
        generator: Any,
        where: str,
        unit: CompiledUnit | None = None,
        *,
        must_finish: bool = False,
    ) -> None:
        super().__init__(label, generator, must_finish=must_finish)
        self.where = where
        self.unit = unit


def find_device(module: ModuleOp | aie.DeviceOp) -> aie.DeviceOp:
    if isinstance(module, aie.DeviceOp):
        return module
    found = [op for op in module.walk() if isinstance(op, aie.DeviceOp)]
    if len(found) != 1:
        raise DesignError(
            f"error: expected one aie.device in the module, found {len(found)}; the virtual "
            "NPU runs a single device"
        )
    return found[0]


def _source_dir(op: Operation) -> Path | None:
    loc = op.location
    if isinstance(loc, FileLineColLoc) and not loc.filename.data.startswith("<"):
        return Path(loc.filename.data).resolve().parent
    return None


def default_kernel_dirs(module: ModuleOp | aie.DeviceOp) -> list[Path]:
    """Where `link_with` objects are looked for: the current (project) directory,
    the .mlir file's directory, and the project's kernel library."""
    dirs = [Path.cwd()]
    where = _source_dir(find_device(module))
    if where is not None:
        dirs.append(where)
    dirs.append(kernels.PACKAGE_KERNELS)
    return dirs


class VirtualNpu:
    """An `aie.device` compiled for repeated runs."""

    def __init__(
        self,
        module: ModuleOp | aie.DeviceOp,
        *,
        kernel_dirs: Sequence[str | os.PathLike[str]] = (),
        kernel_sources: dict[str, tuple[str | os.PathLike[str], Sequence[str]]] | None = None,
    ) -> None:
        """`kernel_sources` maps a kernel (its function symbol, or the object named
        by link_with, with or without `.o`) to a source file and compiler flags;
        it wins over the kernel directories (`dato-run --kernel NAME=file.cc:flags`)."""
        self.device = find_device(module)
        given = kernel_sources or {}
        self.kernel_sources = {name: (Path(path), tuple(f)) for name, (path, f) in given.items()}
        self.kernel_notes: list[str] = []
        model = self.device.model
        if model is None:
            raise DesignError(f"{op_location(self.device)}: error: unknown device")
        self.model = model
        self.kernel_dirs = [Path(d) for d in kernel_dirs] + default_kernel_dirs(self.device)
        block = self.device.body.block
        self.cores = [op for op in block.ops if isinstance(op, aie.CoreOp)]
        sequences = [op for op in block.ops if op.name in RUNTIME_SEQUENCES]
        if len(sequences) > 1:
            raise DesignError(
                f"{op_location(sequences[1])}: error: the device has {len(sequences)} runtime "
                "sequences; the virtual NPU runs one"
            )
        self.sequence = sequences[0] if sequences else None
        self.units: list[tuple[aie.CoreOp, CompiledUnit]] = []
        for core in self.cores:
            c = tile_coords(core.tile)
            if not core.body.blocks:
                continue
            label = f"core ({c[0]}, {c[1]})"
            self.units.append((core, compile_unit(core, label, core.body.blocks[0])))
        self.seq_unit: CompiledUnit | None = None
        if self.sequence is not None:
            name = self.sequence.properties.get("sym_name")
            label = "runtime sequence" + (f" @{name.data}" if name is not None else "")  # type: ignore[attr-defined]
            self.seq_unit = compile_unit(self.sequence, label, self.sequence.regions[0].block)
        self.kernels: dict[str, Any] = {}
        for core, unit in self.units:
            for key in unit.env:
                if isinstance(key, tuple) and key[0] == "kernel" and key[1] not in self.kernels:
                    self.kernels[key[1]] = self._kernel(core, key[1])
        self._check_memory()

    def _check_memory(self) -> None:
        fabric = Fabric(self.model, deque())
        fabric.build(self.device, self.cores)
        fabric.check_memory(op_location(self.device))

    # ------------------------------------------------------------- kernels

    def _kernel(self, core: aie.CoreOp, symbol: str) -> Any:
        decl = None
        for op in self.device.body.block.ops:
            if isinstance(op, func.FuncOp) and op.sym_name.data == symbol:
                decl = op
        where = op_location(core)
        if decl is None:
            raise KernelError(f"{where}: error: the core calls @{symbol}, which is not declared")
        if decl.body.blocks:
            raise KernelError(
                f"{op_location(decl)}: error: @{symbol} has a body; the virtual NPU calls "
                "external kernels only (func.func private declarations)"
            )
        numpy_reference = kernels.python_kernel(decl, where)
        if numpy_reference is not None:  # an external kernel's numpy reference
            return numpy_reference
        link = decl.attributes.get("link_with") or core.link_with
        if link is None:
            raise KernelError(
                f"{where}: error: the core calls @{symbol} but neither the core nor the "
                'declaration has link_with = "<object>.o"'
            )
        obj = link.data  # type: ignore[attr-defined]
        given = (
            self.kernel_sources.get(symbol)
            or self.kernel_sources.get(obj)
            or self.kernel_sources.get(Path(obj).stem)
        )
        flags: tuple[str, ...] = ()
        if given is not None:
            source, flags = given
            if not source.is_file():
                raise KernelError(f"{where}: error: kernel source {source} for @{symbol} not found")
            shown = f" {' '.join(flags)}" if flags else ""
            self.kernel_notes.append(
                f"kernel @{symbol} ({obj}): built from {source}{shown} as given, a host C++ "
                "stand-in for the AIE object"
            )
        else:
            found = kernels.find_source(obj, self.kernel_dirs)
            if found is None:
                dirs = ", ".join(str(d) for d in self.kernel_dirs)
                raise KernelError(
                    f"{where}: error: kernel object {obj} for @{symbol}: no source "
                    f"({Path(obj).stem}.cc/.cpp/.c) in {dirs}; name one with "
                    f"--kernel {symbol}=FILE.cc[:FLAGS]"
                )
            source = found
        library = kernels.load_library(source, flags)
        ftype = decl.function_type
        assert isinstance(ftype, FunctionType)
        for t in (*ftype.inputs.data, *ftype.outputs.data):
            if not isinstance(t, MemRefType) and kernels.scalar_kind(t) is None:
                raise KernelError(
                    f"{op_location(decl)}: error: @{symbol} takes a {t}, not modelled"
                )
        try:
            return kernels.bind_function(library, symbol, ftype.inputs.data, ftype.outputs.data)
        except AttributeError:
            raise KernelError(
                f'{where}: error: {source.name} (for {obj}) defines no extern "C" symbol {symbol}'
            ) from None

    # ----------------------------------------------------------------- run

    def _arguments(self, arrays: Sequence[np.ndarray]) -> list[np.ndarray]:
        if self.sequence is None:
            if arrays:
                raise DesignError("error: the device has no runtime sequence to take arrays")
            return []
        args = self.sequence.regions[0].block.args
        where = f"{op_location(self.sequence)}: error: the runtime sequence"
        if len(arrays) != len(args):
            raise DesignError(f"{where} takes {len(args)} array(s), got {len(arrays)}")
        views: list[np.ndarray] = []
        for k, (arg, given) in enumerate(zip(args, arrays, strict=True)):
            t = arg.type
            if not isinstance(t, MemRefType):
                raise DesignError(f"{where} argument {k} is a {t}, not a memref")
            if not isinstance(given, np.ndarray):
                raise DesignError(f"{where} argument {k} must be a numpy array")
            shape = tuple(t.get_shape())
            dtype = np.dtype(sem.dtype_of(t.element_type))
            ok = given.dtype == dtype or (
                dtype.kind == "i"
                and given.dtype.kind in "iu"
                and given.dtype.itemsize == dtype.itemsize
            )
            if not ok:
                raise DesignError(
                    f"{where} argument {k} has dtype {given.dtype}, expected {dtype} ({t})"
                )
            if given.size != int(np.prod(shape, dtype=np.int64)):
                raise DesignError(
                    f"{where} argument {k} has {given.size} elements {list(given.shape)}, "
                    f"expected {list(shape)} ({t})"
                )
            if not given.flags.c_contiguous or not given.flags.writeable:
                raise DesignError(f"{where} argument {k} must be a contiguous, writeable array")
            views.append(given.view(dtype).reshape(shape))
        return views

    def _resolve(self, key: Any, fabric: Fabric, core: aie.CoreOp | None, where: str) -> Any:
        if isinstance(key, SSAValue):
            owner = key.owner
            if isinstance(owner, aie.BufferOp):
                return fabric.buffers[owner]
            if isinstance(owner, aie.LockOp):
                return fabric.locks[owner]
            if isinstance(owner, aie.TileOp):
                return 0
            if isinstance(owner, aie.ExternalBufferOp):
                raise DesignError(
                    f"{where}: error: aie.external_buffer (AIE1 host memory) is not modelled"
                )
            name = getattr(owner, "name", "a block argument")
            raise DesignError(f"{where}: error: uses a value defined outside it by {name}")
        kind = key[0]
        if kind == "port":
            assert core is not None
            return fabric.core_port(key[1], key[2], tile_coords(core.tile), where)
        if kind == "kernel":
            return self.kernels[key[1]]
        if kind == "rtp":
            found = fabric.named_buffer(key[1])
            if found is None:
                raise DesignError(f"{where}: error: rtp_write to @{key[1]}, not an aie.buffer")
            return found
        if kind == "cascade":
            assert core is not None
            return fabric.cascade(tile_coords(core.tile), key[1], where)
        if kind == "channel":
            channel = fabric.channels.get(key[1])
            if channel is None:
                raise DesignError(
                    f"{where}: error: @{key[1]} has no shim DMA channel (not an objectfifo with a "
                    "shim end, nor an aie.shim_dma_allocation)"
                )
            return channel
        if kind == "registers":
            return fabric.register_file()
        if kind == "global":
            return self._global(key[1], where)
        if kind == "sync":
            channel = fabric.sync_channels.get(key[1:])
            if channel is None:
                raise DesignError(
                    f"{where}: error: no shim DMA channel {key[3]} {key[4]} on ({key[1]}, {key[2]})"
                )
            return channel
        raise DesignError(f"{where}: error: unknown runtime object {key}")

    def _global(self, name: str, where: str) -> np.ndarray:
        """The value of `memref.global @name` (the data a blockwrite sends)."""
        for op in self.device.body.block.ops:
            if isinstance(op, memref.GlobalOp) and op.sym_name.data == name:
                shape, dtype = memref_info(op.type, op)
                value = np.zeros(shape, dtype)
                init = op.initial_value
                if init is not None and not isinstance(init, UnitAttr):
                    values = init.get_values()  # type: ignore[attr-defined]
                    value.reshape(-1)[...] = np.asarray(values, dtype=dtype).reshape(-1)
                return value
        raise DesignError(f"{where}: error: memref.get_global of @{name}, not a memref.global")

    def run(self, *arrays: np.ndarray, timeout: float | None = None) -> NpuStats:
        """Execute the device with `arrays` as the runtime sequence's arguments
        (results are written into them)."""
        start_time = time.perf_counter()
        views = self._arguments(arrays)
        ready: deque[_Actor] = deque()
        fabric = Fabric(self.model, ready)
        fabric.build(self.device, self.cores)
        host_masks = [np.zeros(v.shape, np.bool_) for v in views]
        for view, mask in zip(views, host_masks, strict=True):
            fabric.host_masks[id(view)] = mask
        actors: list[_Actor] = []
        for core, unit in self.units:
            where = op_location(core)
            env = [self._resolve(k, fabric, core, where) for k in unit.env]
            actors.append(_Actor(unit.label, unit.body.function((), env), where, unit))
        for dma_actor in fabric.actors:
            actors.append(_Actor(dma_actor.label, dma_actor.start(), dma_actor.where))
        runtime: _Actor | None = None
        if self.seq_unit is not None:
            where = op_location(self.seq_unit.op)
            env = [self._resolve(k, fabric, None, where) for k in self.seq_unit.env]
            runtime = _Actor(
                self.seq_unit.label,
                self.seq_unit.body.function(views, env),
                where,
                self.seq_unit,
                must_finish=True,
            )
            actors.append(runtime)
        fabric.start()
        ready.extend(actors)

        def timed_out(why: str) -> NpuTimeout:
            return NpuTimeout(
                f"{op_location(self.device)}: error: the design ran longer than {timeout} s ({why})"
            )

        switches = scheduler.run(
            ready, SimulationError, _located, timeout=timeout, timed_out=timed_out
        )
        if runtime is not None and scheduler.unfinished(actors):
            raise NpuDeadlockError(self._deadlock(actors, runtime))
        # every shim channel once (named by a symbol, a sync, a task or a register write)
        shim = {id(c): c for c in [*fabric.channels.values(), *fabric.sync_channels.values()]}
        tasks = [t for ch in shim.values() for t in ch.tasks]
        pending = [t for t in tasks if not t.done]
        if pending:
            lines = [f"  {t.channel.label}: {t.moved} of {t.total} elements moved" for t in pending]
            where = op_location(self.seq_unit.op) if self.seq_unit else op_location(self.device)
            raise TransferError(
                f"{where}: error: the runtime sequence finished but {len(pending)} host "
                "transfer(s) never completed (nothing waits for them and no core or DMA can "
                "move):\n" + "\n".join(lines)
            )
        channels = {id(c): c for c in [*fabric.channels.values(), *fabric.sync_channels.values()]}
        left = [(c.label, len(c.tokens)) for c in channels.values() if c.tokens and c.waited]
        if left:
            where = op_location(self.seq_unit.op) if self.seq_unit else op_location(self.device)
            raise TokenError(
                f"{where}: error: the runtime sequence finished with task-completion tokens "
                "no wait consumed (each dma_wait consumes one; on hardware they satisfy the next "
                "run's waits before its data lands): "
                + ", ".join(f"{label}: {n}" for label, n in left)
            )
        waiting = tuple(
            f"{a.label}: {self._waiting(a)}"
            for a in actors
            if a.unit is not None and a is not runtime and not a.finished
        )
        return NpuStats(
            cores=len(self.units),
            dma_channels=len(fabric.actors),
            switches=switches,
            host_transfers=len(tasks),
            host_elements=sum(t.moved for t in tasks),
            outputs_written=tuple(int(m.sum()) for m in host_masks),
            waiting_at_end=waiting,
            seconds=time.perf_counter() - start_time,
        )

    # -------------------------------------------------------------- reports

    def _waiting(self, actor: _Actor) -> str:
        waitable, tag = actor.blocked_on, actor.tag
        if isinstance(tag, str):
            text = tag
        elif actor.unit is not None and isinstance(tag, int):
            info = actor.unit.body.ops[tag]
            text = f"{actor.unit.waits.get(tag, info.name)} ({info.location})"
        else:
            text = "?"
        if isinstance(waitable, Pool):
            full = sum(s == READING for s in waitable.state)
            text += f"; {waitable.label}: {full} of {waitable.depth} full"
        elif isinstance(waitable, Lock):
            text += f"; {waitable.label} has value {waitable.value}"
        elif isinstance(waitable, Stream | PacketSource | PacketDest):
            text += f"; {waitable.describe_stall()}"
        elif isinstance(waitable, ShimChannel) and waitable.queue:
            task = waitable.queue[0]
            text += f"; {waitable.label} has moved {task.moved} of {task.total} elements"
        return text

    def _deadlock(self, actors: list[_Actor], runtime: _Actor) -> str:
        waiting: list[tuple[str, str]] = []
        quiet = 0
        for actor in actors:
            if actor.finished or actor.blocked_on is None:
                continue
            waitable = actor.blocked_on
            if actor.unit is None and not (
                isinstance(waitable, Stream) and waitable.send is not None
            ):
                quiet += 1  # a DMA with nothing to move: counted, not listed
                continue
            if actor.unit is None:
                # a DMA's tag is a sentence about it: "<label> is sending ..."
                state = self._waiting(actor).removeprefix(f"{actor.label} ")
                waiting.append((actor.label, f"{state} ({actor.where})"))
            else:
                waiting.append((actor.label, f"waits at {self._waiting(actor)}"))
        notes = [f"{quiet} DMA channel(s) idle, waiting for data or buffers"] if quiet else []
        assert runtime.unit is not None
        return scheduler.deadlock_message(
            op_location(runtime.unit.op),
            f"device {self.model.name}",
            f"the {runtime.label}",
            waiting,
            notes,
        )


def _located(err: Exception, actor: _Actor) -> SimulationError:
    """An exception inside a core, the runtime sequence or a DMA, as a diagnostic."""
    kind: type[SimulationError] = ExecutionError
    message = f"failed: {type(err).__name__}: {err}"
    if isinstance(err, sem.OpFailure):
        kind, message = err.kind, err.message
    unit = actor.unit
    if unit is None:
        return kind(f"{actor.where}: error: {actor.label} {message}")
    info = None
    for frame in traceback.extract_tb(err.__traceback__):
        if frame.filename == unit.body.filename and frame.lineno is not None:
            info = unit.body.op_at_line(frame.lineno) or info
    where = info.location if info is not None else op_location(unit.op)
    name = info.name if info is not None else unit.op.name
    return kind(f"{where}: error: '{name}' op {message} (in {actor.label})")


def run_design(
    module: ModuleOp | aie.DeviceOp,
    arrays: Sequence[np.ndarray],
    *,
    kernel_dirs: Sequence[str | os.PathLike[str]] = (),
    timeout: float | None = 60.0,
) -> NpuStats:
    """Execute the single `aie.device` of `module` on the CPU.

    `arrays` are the runtime sequence's arguments in its argument order (numpy
    arrays with its element types and element counts; results are written in
    place). `kernel_dirs` are searched first for `link_with` kernel sources,
    then the current directory, the .mlir file's directory and the project's
    kernel library. Raises an `NpuError` (a `SimulationError`) with a located
    message: deadlock, BD reuse, unwritten data, depth, memory, kernel, timeout."""
    return VirtualNpu(module, kernel_dirs=kernel_dirs).run(*arrays, timeout=timeout)


__all__ = ["NpuStats", "VirtualNpu", "default_kernel_dirs", "find_device", "run_design"]
