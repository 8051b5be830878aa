"""Cores and the runtime sequence -> Python generators, with the simulator's
op semantics.

`UnitCodegen` subclasses the simulator's `BodyCodegen`: arith, math, scf,
memref and linalg ops translate exactly as in the dato simulator. What a core
or the runtime sequence adds is handled here: values defined outside the unit
(buffers, locks, tiles) and the runtime objects it talks to (fifo ends,
kernels, shim channels) come from an `_env` list the machine fills for each
run; objectfifo acquires, lock acquires and DMA waits are yield points.

Generated signature: `_body(_args, _env)`; a blocked unit yields
`(waitable, op_id)`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from xdsl.dialects import affine, cf, scf
from xdsl.dialects.builtin import IntegerAttr, MemRefType
from xdsl.ir import Block, Operation, SSAValue
from xdsl.ir.affine import AffineConstantExpr

from dato_xdsl.diagnostics import op_location
from dato_xdsl.dialects import aie, aiex
from dato_xdsl.targets.simulator.codegen import (
    BodyCodegen,
    CompiledBody,
    UnsupportedOpError,
    unsupported,
)
from dato_xdsl.targets.simulator.semantics import OpFailure
from dato_xdsl.targets.virtual_npu import kernels
from dato_xdsl.targets.virtual_npu.errors import TransferError
from dato_xdsl.targets.virtual_npu.kernels import scalar_kind

WRITEBD_FIELDS = (
    "buffer_length",
    "buffer_offset",
    "d0_size",
    "d0_stride",
    "d1_size",
    "d1_stride",
    "d2_stride",
    "iteration_size",
    "iteration_stride",
    "enable_packet",
    "packet_id",
    "next_bd",
    "use_next_bd",
    "row",
)
"""The BD fields the register model reads (mlir-aie's writebd leaves out none; a
field left out is 0, as in the register)."""

_NOT_MODELLED = {
    "aiex.npu.load_pdi": "reloading a device configuration mid-sequence",
    "aiex.control_packet": "control packets write tile registers through the stream network",
    "aiex.npu.preempt": "preemption points",
}
"""Why some ops of mlir-aie's runtime sequences do not run here."""

EnvKey = SSAValue | tuple[Any, ...]
"""An outside value, or a request such as ("port", fifo, "Consume"),
("kernel", symbol), ("channel", symbol)."""


@dataclass(frozen=True)
class CompiledUnit:
    """A core or the runtime sequence, compiled once and run per machine run."""

    label: str
    body: CompiledBody
    env: tuple[EnvKey, ...]
    waits: dict[int, str]
    """What each blocking op waits for, by op id (for deadlock reports)."""
    op: Operation


def _vspan(start: int, length: int, size: int, where: str) -> slice:
    if not 0 <= start <= size - length:
        raise OpFailure(
            f"vector of {length} element(s) at index {start} of a memref of {size} ({where})",
            TransferError,
        )
    return slice(start, start + length)


def _vload(memref: np.ndarray, start: int, length: int, size: int, where: str) -> np.ndarray:
    return memref[_vspan(start, length, size, where)].copy()


def _vstore(
    memref: np.ndarray, value: np.ndarray, start: int, length: int, size: int, where: str
) -> None:
    memref[_vspan(start, length, size, where)] = value


class UnitCodegen(BodyCodegen):
    """Translate one `aie.core` body or `aie.runtime_sequence` body."""

    def __init__(self, unit: Operation, label: str, block: Block) -> None:
        self._init_state(unit)
        self.streams = {}
        self.label = label
        self.entry = block
        self.env: list[EnvKey] = []
        self.env_vars: dict[Any, str] = {}
        self.waits: dict[int, str] = {}
        self.namespace.update(
            {
                "_ptr": kernels.pointer,
                "_bf16": kernels.bf16_bits,
                "_vload": _vload,
                "_vstore": _vstore,
            }
        )

    # ------------------------------------------------------------------ hooks

    def dispatch(self, op: Operation) -> Any:
        try:
            return super().dispatch(op)
        except UnsupportedOpError:
            what = _NOT_MODELLED.get(op.name, "")
            raise unsupported(
                op, f"is not modelled by the virtual NPU{f' ({what})' if what else ''}"
            ) from None

    def entry_block(self) -> Block:
        return self.entry

    def parameters(self) -> str:
        return "_args, _env"

    def prologue(self) -> list[str]:
        return [f"    {var} = _env[{k}]" for k, var in enumerate(self.env_vars.values())]

    def unit_name(self) -> str:
        return self.label

    def filename(self) -> str:
        return f"<virtual-npu {self.label}>"

    def env_ref(self, key: EnvKey) -> str:
        var = self.env_vars.get(key)
        if var is None:
            var = f"_e{len(self.env)}"
            self.env.append(key)
            self.env_vars[key] = var
        return var

    def e(self, value: SSAValue) -> str:
        name = self.names.get(value)
        if name is None:  # SSA dominance: an unnamed value is defined outside the unit
            name = self.env_ref(value)
            self.names[value] = name
        return name

    def compile(self) -> CompiledUnit:
        body = self.generate()
        return CompiledUnit(self.label, body, tuple(self.env), dict(self.waits), self.unit)

    def wait(self, waitable: str, condition: str, what: str) -> None:
        """`while not condition: yield waitable` at the current op."""
        self.waits[self.current] = what
        self.emit(f"while not {condition}:")
        self.emit(f"    yield {waitable}, {self.current}")

    # -------------------------------------------------------------------- aie

    def op_aie_end(self, op: Operation) -> None:
        self.emit("return")

    def _port(self, op: aie.ObjectFifoAcquireOp | aie.ObjectFifoReleaseOp) -> tuple[str, str]:
        name = op.objFifo_name.root_reference.data
        role = aie.OBJECTFIFO_PORT.name(op.port)
        return self.env_ref(("port", name, role)), f"@{name} ({role}"

    def op_aie_objectfifo_acquire(self, op: Operation) -> None:
        assert isinstance(op, aie.ObjectFifoAcquireOp)
        port, what = self._port(op)
        k = op.size.value.data
        self.wait(f"{port}.pool", f"{port}.acquire({k})", f"acquire {what}, {k})")
        if op.yields_memrefs:  # newer form: one memref per object
            views = self.fresh("views")
            self.emit(f"{views} = {port}.views({k})")
            for i, result in enumerate(op.results):
                self.define(result, f"{views}[{i}]")
            return
        self.define(op.subview, f"{port}.views({k})")

    def op_aie_objectfifo_subview_access(self, op: Operation) -> None:
        assert isinstance(op, aie.ObjectFifoSubviewAccessOp)
        self.define(op.output, f"{self.e(op.subview)}[{op.index.value.data}]")

    def op_aie_objectfifo_release(self, op: Operation) -> None:
        assert isinstance(op, aie.ObjectFifoReleaseOp)
        port, _ = self._port(op)
        self.emit(f"{port}.release({op.size.value.data})")

    def op_aie_use_lock(self, op: Operation) -> None:
        assert isinstance(op, aie.UseLockOp)
        lock = self.e(op.lock)
        action = aie.LOCK_ACTION.name(op.action)
        value = 1 if op.value is None else op.value.value.data
        if action == "Release":
            self.emit(f"{lock}.release({value})")
            return
        method = "acquire_ge" if action == "AcquireGreaterEqual" else "acquire_eq"
        self.wait(lock, f"{lock}.{method}({value})", f"use_lock({action}, {value})")

    def op_aie_put_cascade(self, op: Operation) -> None:
        cascade = self.env_ref(("cascade", "out"))
        value = self.e(op.operands[0])
        self.wait(cascade, f"{cascade}.put({value})", "put_cascade (the neighbour has not read)")

    def op_aie_get_cascade(self, op: Operation) -> None:
        cascade = self.env_ref(("cascade", "in"))
        self.wait(cascade, f"{cascade}.full", "get_cascade (the neighbour has not written)")
        self.define(op.results[0], f"{cascade}.take()")

    # ------------------------------------------------------------ vectors

    def _vector_span(self, op: Operation, memref: SSAValue, indices: Sequence[SSAValue]) -> str:
        """`start, length` of a vector.load/store on a rank-1 memref (the form
        cores that feed the cascade use; wider shapes are not modelled)."""
        t, v = memref.type, op.results[0].type if op.results else op.operands[0].type
        if not isinstance(t, MemRefType) or len(t.get_shape()) != 1 or len(indices) != 1:
            raise unsupported(op, "on a memref that is not rank 1")
        length = 1
        for n in v.get_shape():  # type: ignore[attr-defined]
            length *= n
        return f"{self.e(indices[0])}, {length}, {t.get_shape()[0]}, {str(op.location)!r}"

    def op_vector_load(self, op: Operation) -> None:
        memref, indices = op.operands[0], op.operands[1:]
        span = self._vector_span(op, memref, indices)
        self.define(op.results[0], f"_vload({self.e(memref)}, {span})")

    def op_vector_store(self, op: Operation) -> None:
        value, memref, indices = op.operands[0], op.operands[1], op.operands[2:]
        span = self._vector_span(op, memref, indices)
        self.emit(f"_vstore({self.e(memref)}, {self.e(value)}, {span})")

    def op_scf_index_switch(self, op: Operation) -> None:
        """`scf.index_switch %i -> T case 0 {...} ... default {...}` (mlir-aie's
        dynamic objectfifo lowering picks a buffer by the ring index so)."""
        assert isinstance(op, scf.IndexSwitchOp)
        results = [self.fresh("r") for _ in op.results]
        key = self.e(op.arg)
        cases = list(op.cases.get_values())
        for k, (value, region) in enumerate(zip(cases, op.case_regions, strict=True)):
            self.emit(f"{'if' if k == 0 else 'elif'} {key} == {value}:")
            self.indent += 1
            self.block(region.block, skip_terminator=True)
            self._assign_yield(region.block, results)
            self.emit("pass")
            self.indent -= 1
        if cases:
            self.emit("else:")
            self.indent += 1
        self.block(op.default_region.block, skip_terminator=True)
        self._assign_yield(op.default_region.block, results)
        self.emit("pass")
        if cases:
            self.indent -= 1
        for result, name in zip(op.results, results, strict=True):
            self.names[result] = name

    def op_affine_for(self, op: Operation) -> None:
        """`affine.for %i = 0 to 16 step 1` with constant bounds and no carried
        values (how older mlir-aie tests write core loops)."""
        assert isinstance(op, affine.ForOp)
        bounds: list[int] = []
        for attr, operands in (
            (op.lowerBoundMap, op.lowerBoundOperands),
            (op.upperBoundMap, op.upperBoundOperands),
        ):
            results = attr.data.results
            if operands or len(results) != 1 or not isinstance(results[0], AffineConstantExpr):
                raise unsupported(op, "with bounds that are not constants is not modelled")
            bounds.append(results[0].value)
        if op.inits:
            raise unsupported(op, "carrying values is not modelled")
        body = op.body.block
        iv = self.fresh("i")
        self.names[body.args[0]] = iv
        self.emit(f"for {iv} in range({bounds[0]}, {bounds[1]}, {op.step.value.data}):")
        self.indent += 1
        self.block(body, skip_terminator=True)
        self.emit("pass")
        self.indent -= 1

    def op_affine_yield(self, op: Operation) -> None:
        if op.operands:
            raise unsupported(op, "carrying values is not modelled")
        self.emit("pass")

    def op_memref_assume_alignment(self, op: Operation) -> None:
        # an alignment promise to the compiler: the same memref
        self.define(op.results[0], self.e(op.operands[0]))

    # ------------------------------------------------- unstructured control flow

    def block(self, block: Block, skip_terminator: bool = False) -> None:
        """A core body of several blocks (`cf.br` loops, as mlir-aie writes
        endless cores) runs as a loop over a block number; branches assign the
        target's block arguments and jump."""
        region = block.parent
        if block is not self.entry or region is None or len(region.blocks) == 1:
            super().block(block, skip_terminator)
            return
        blocks = list(region.blocks)
        self.block_ids = {b: i for i, b in enumerate(blocks)}
        for b in blocks[1:]:
            for arg in b.args:
                self.names[arg] = self.fresh("a")
        self.emit("_blk = 0")
        self.emit("while True:")
        self.indent += 1
        for i, b in enumerate(blocks):
            self.emit(f"{'if' if i == 0 else 'elif'} _blk == {i}:")
            self.indent += 1
            super().block(b)
            self.indent -= 1
        self.indent -= 1

    def _jump(self, dest: Block, values: Sequence[SSAValue]) -> None:
        if dest.args:
            targets = ", ".join(self.names[a] for a in dest.args)
            sources = ", ".join(self.e(v) for v in values)
            self.emit(f"{targets}, = ({sources},)")
        self.emit(f"_blk = {self.block_ids[dest]}")
        self.emit("continue")

    def op_cf_br(self, op: Operation) -> None:
        self._jump(op.successors[0], op.operands)

    def op_cf_cond_br(self, op: Operation) -> None:
        assert isinstance(op, cf.ConditionalBranchOp)
        self.emit(f"if {self.e(op.cond)}:")
        self.indent += 1
        self._jump(op.then_block, op.then_arguments)
        self.indent -= 1
        self._jump(op.else_block, op.else_arguments)

    # -------------------------------------------------------------- kernels

    def op_func_call(self, op: Operation) -> None:
        callee = op.properties["callee"]
        symbol = callee.root_reference.data  # type: ignore[attr-defined]
        fn = self.env_ref(("kernel", symbol))
        args: list[str] = []
        for k, value in enumerate(op.operands):
            t = value.type
            if isinstance(t, MemRefType):
                args.append(f"_ptr({self.e(value)}, '{k} of @{symbol}')")
                continue
            kind = scalar_kind(t)
            if kind is None:
                raise unsupported(op, f"passes a {t} argument to a kernel")
            if kind == "bf16":
                args.append(f"_bf16({self.e(value)})")
            elif kind == "f32":
                args.append(f"float({self.e(value)})")
            else:
                args.append(self.e(value))
        call = f"{fn}({', '.join(args)})"
        if not op.results:
            self.emit(call)
            return
        if len(op.results) > 1:
            raise unsupported(op, "with more than one result")
        kind = scalar_kind(op.results[0].type)
        if kind in ("f32", "bf16"):
            raise unsupported(op, "returning a float (kernels return through buffers)")
        self.define(op.results[0], call)

    # ------------------------------------------------------- runtime sequence

    def _lists(self, op: aiex.NpuDmaMemcpyNdOp) -> list[str]:
        out: list[str] = []
        for values, name in zip((op.offsets, op.sizes, op.strides), op.LISTS, strict=True):
            dynamic = iter(self.e(v) for v in values)
            items = [next(dynamic) if s == aiex.DYNAMIC else str(s) for s in op.static_list(name)]
            out.append("(" + ", ".join(items) + ",)")
        return out

    def op_aiex_npu_dma_memcpy_nd(self, op: Operation) -> None:
        assert isinstance(op, aiex.NpuDmaMemcpyNdOp)
        symbol = op.metadata.root_reference.data
        channel = self.env_ref(("channel", symbol))
        offsets, sizes, strides = self._lists(op)
        issue = op.issue_token is not None and op.issue_token.value.data != 0
        packet = None if op.packet is None else op.packet.pkt_id.data
        self.emit(
            f"{channel}.memcpy({self.e(op.memref)}, {offsets}, {sizes}, {strides}, "
            f"{op.id.value.data}, {issue}, {packet})"
        )

    def op_aiex_npu_dma_wait(self, op: Operation) -> None:
        assert isinstance(op, aiex.NpuDmaWaitOp)
        symbol = op.symbol.root_reference.data
        channel = self.env_ref(("channel", symbol))
        self._take_token(channel, f"dma_wait @{symbol}")

    def _take_token(self, channel: str, what: str) -> None:
        """Each wait consumes one task-completion token of its channel."""
        self.emit(f"{channel}.expect_token({what!r})")
        self.wait(channel, f"{channel}.has_token()", what)
        self.emit(f"{channel}.take_token()")

    def op_aiex_npu_sync(self, op: Operation) -> None:
        assert isinstance(op, aiex.NpuSyncOp)
        col, row = op.column.value.data, op.row.value.data
        direction = "S2MM" if op.direction.value.data == 0 else "MM2S"
        channel = self.env_ref(("sync", col, row, direction, op.channel.value.data))
        self._take_token(channel, f"sync on ({col}, {row}) {direction}")

    def op_aiex_npu_rtp_write(self, op: Operation) -> None:
        assert isinstance(op, aiex.NpuRtpWriteOp)
        buffer = self.env_ref(("rtp", op.buffer.root_reference.data))
        self.emit(f"{buffer}.reshape(-1)[{op.index.value.data}] = {op.value.value.data}")

    # ---------------------------------------- register-level sequences

    def _where(self, op: Operation) -> str:
        return repr(str(op_location(op)))

    def _registers(self) -> str:
        return self.env_ref(("registers",))

    def op_aiex_npu_writebd(self, op: Operation) -> None:
        given = {**op.attributes, **op.properties}
        fields = {name: 0 for name in WRITEBD_FIELDS}
        fields.update(
            (name, value.value.data)  # type: ignore[misc]
            for name, value in given.items()
            if isinstance(value, IntegerAttr)
        )
        self.emit(f"{self._registers()}.writebd({fields!r}, {self._where(op)})")

    def op_aiex_npu_address_patch(self, op: Operation) -> None:
        props = op.properties
        arg = props["arg_idx"].value.data  # type: ignore[attr-defined]
        args = self.entry.args
        if not 0 <= arg < len(args):
            raise unsupported(op, f"patching argument {arg} of a sequence of {len(args)}")
        self.emit(
            f"{self._registers()}.patch({props['addr'].value.data}, "  # type: ignore[attr-defined]
            f"{self.e(args[arg])}, {props['arg_plus'].value.data}, {self._where(op)})"  # type: ignore[attr-defined]
        )

    def _register_write(self, op: Operation, values: str, mask: str) -> None:
        props = op.properties
        column, row = (
            None if props.get(k) is None else props[k].value.data  # type: ignore[attr-defined]
            for k in ("column", "row")
        )
        buffer = props.get("buffer")
        target = "None"
        if buffer is not None:
            target = self.env_ref(("rtp", buffer.root_reference.data))  # type: ignore[attr-defined]
        self.emit(
            f"{self._registers()}.write({op.name!r}, {props['address'].value.data}, "  # type: ignore[attr-defined]
            f"{column}, {row}, {values}, {mask}, {target}, {self._where(op)})"
        )

    def op_aiex_npu_write32(self, op: Operation) -> None:
        value = op.properties["value"].value.data  # type: ignore[attr-defined]
        self._register_write(op, f"[{value}]", "None")

    def op_aiex_npu_maskwrite32(self, op: Operation) -> None:
        value = op.properties["value"].value.data  # type: ignore[attr-defined]
        mask = op.properties["mask"].value.data  # type: ignore[attr-defined]
        self._register_write(op, f"[{value}]", str(mask))

    def op_aiex_npu_blockwrite(self, op: Operation) -> None:
        data = self.e(op.operands[0])
        self._register_write(op, f"{data}.reshape(-1).view('uint32')", "None")

    def op_memref_get_global(self, op: Operation) -> None:
        name = op.properties["name"].root_reference.data  # type: ignore[attr-defined]
        self.define(op.results[0], self.env_ref(("global", name)))

    def _task_bds(self, op: Operation) -> str:
        bds: list[str] = []
        for block in op.regions[0].blocks:
            for inner in block.ops:
                if isinstance(inner, aie.DMABDOp):
                    t = inner.buffer.type
                    assert isinstance(t, MemRefType)
                    offset = 0 if inner.offset is None else inner.offset.value.data
                    size = aie.memref_elements(t)
                    length = size - offset if inner.len is None else inner.len.value.data
                    dims = (
                        ()
                        if inner.dimensions is None
                        else tuple((d.size.data, d.stride.data) for d in inner.dimensions.dims.data)
                    )
                    bd = -1 if inner.bd_id is None else inner.bd_id.value.data
                    bds.append(f"({self.e(inner.buffer)}, {offset}, {length}, {dims!r}, {bd})")
                elif inner.name not in ("aie.end", "aie.next_bd"):
                    raise unsupported(inner, "inside a runtime DMA task (only BDs are modelled)")
        return "[" + ", ".join(bds) + "]"

    def _configure(self, op: Operation, channel: str) -> None:
        issue = op.properties.get("issue_token")
        repeat = op.properties.get("repeat_count")
        issue_v = bool(issue.value.data) if issue is not None else False  # type: ignore[attr-defined]
        repeat_v = repeat.value.data if repeat is not None else 0  # type: ignore[attr-defined]
        self.define(
            op.results[0], f"{channel}.configure({self._task_bds(op)}, {issue_v}, {repeat_v})"
        )

    def op_aiex_dma_configure_task_for(self, op: Operation) -> None:
        assert isinstance(op, aiex.DMAConfigureTaskForOp)
        self._configure(op, self.env_ref(("channel", op.alloc.root_reference.data)))

    def op_aiex_dma_configure_task(self, op: Operation) -> None:
        assert isinstance(op, aiex.DMAConfigureTaskOp)
        tile = aie.tile_of(op.tile)
        if tile is None:
            raise unsupported(op, "on a tile that is not an aie.tile")
        direction = "S2MM" if op.direction.value.data == 0 else "MM2S"
        key = ("sync", tile.col_value, tile.row_value, direction, op.channel.value.data)
        self._configure(op, self.env_ref(key))

    def op_aiex_dma_start_task(self, op: Operation) -> None:
        task = self.e(op.operands[0])
        self.emit(f"{task}.channel.start({task})")

    def op_aiex_dma_await_task(self, op: Operation) -> None:
        task = self.e(op.operands[0])
        self._take_token(f"{task}.channel", "dma_await_task")

    def op_aiex_dma_free_task(self, op: Operation) -> None:
        task = self.e(op.operands[0])
        self.emit(f"{task}.channel.free({task})")


def compile_unit(unit: Operation, label: str, block: Block) -> CompiledUnit:
    """Raises a located UnsupportedOpError for an op that cannot run."""
    return UnitCodegen(unit, label, block).compile()


__all__ = ["CompiledUnit", "EnvKey", "UnitCodegen", "compile_unit"]
