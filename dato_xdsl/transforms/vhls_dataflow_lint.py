"""`vhls-dataflow-lint`: the rules a Vitis HLS dataflow region must keep,
checked before emission (Vitis would reject the design, or synthesise it
serialised, much later and far less clearly):

- a `vhls.dataflow` region holds only stream and pipo declarations and
  process calls;
- every stream has exactly one producer and one consumer process instance,
  and every pipo exactly one writer and one (other) reader;
- every loop of a process has static bounds: computed from constants and the
  process's literal arguments only (no `scf.while`, no bound read from data).

A violation is an error naming the op and its source location. The pass
changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, scf
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Block, SSAValue
from xdsl.passes import ModulePass

from dato_xdsl.diagnostics import op_error
from dato_xdsl.dialects import vhls

_STATIC_ARITH = (
    "arith.addi",
    "arith.subi",
    "arith.muli",
    "arith.divsi",
    "arith.divui",
    "arith.remsi",
    "arith.remui",
    "arith.floordivsi",
    "arith.ceildivsi",
    "arith.minsi",
    "arith.maxsi",
    "arith.select",
    "arith.cmpi",
    "arith.index_cast",
)


def _is_static(value: SSAValue, proc: vhls.ProcessOp) -> bool:
    owner = value.owner
    if isinstance(owner, Block):
        if owner is proc.body.block:
            return owner.args.index(value) < proc.num_literals.data  # type: ignore[arg-type]
        return False
    if isinstance(owner, arith.ConstantOp):
        return True
    if owner.name in _STATIC_ARITH:
        return all(_is_static(v, proc) for v in owner.operands)
    return False


def stream_directions(proc: vhls.ProcessOp) -> dict[int, tuple[bool, bool]]:
    """Per stream argument index of a process: (reads it, writes it)."""
    block = proc.body.block
    out: dict[int, tuple[bool, bool]] = {}
    for op in block.walk():
        if isinstance(op, vhls.ReadOp | vhls.WriteOp) and op.stream.owner is block:
            k = list(block.args).index(op.stream)  # type: ignore[arg-type]
            r, w = out.get(k, (False, False))
            out[k] = (r or isinstance(op, vhls.ReadOp), w or isinstance(op, vhls.WriteOp))
    return out


def _lint_process(proc: vhls.ProcessOp) -> None:
    for op in proc.body.block.walk():
        if isinstance(op, scf.WhileOp):
            raise op_error(
                op,
                f"in process @{proc.sym_name.data} is a loop with a data-dependent trip count; "
                "a dataflow process needs static loop bounds",
            )
        if isinstance(op, vhls.ForOp | scf.ForOp):
            names = ("a lower bound", "an upper bound", "a step")
            for what, v in zip(names, op.operands[:3], strict=True):
                if not _is_static(v, proc):
                    raise op_error(
                        op,
                        f"in process @{proc.sym_name.data} has {what} that is not static "
                        "(not computed from constants and the literal arguments); a dataflow "
                        "process needs static loop bounds",
                    )


def _lint_dataflow(flow: vhls.DataflowOp, processes: dict[str, vhls.ProcessOp]) -> None:
    producers: dict[SSAValue, list[str]] = {}
    consumers: dict[SSAValue, list[str]] = {}
    channels: list[vhls.StreamOp | vhls.PipoOp] = []
    for op in flow.body.block.ops:
        if isinstance(op, vhls.StreamOp | vhls.PipoOp):
            channels.append(op)
            continue
        if not isinstance(op, vhls.CallOp):
            raise op_error(
                op,
                "is in a dataflow region, which may hold only stream and pipo declarations "
                "(vhls.stream, vhls.pipo) and process calls (vhls.call)",
            )
        proc = processes.get(op.callee.root_reference.data)
        if proc is None:
            raise op_error(op, f"calls @{op.callee.root_reference.data}, which is not a process")
        directions = stream_directions(proc) | vhls.buffer_directions(proc)
        n_lit = proc.num_literals.data
        for k, value in enumerate(op.args):
            reads, writes = directions.get(k + n_lit, (False, False))
            if writes:
                producers.setdefault(value, []).append(op.instance.data)
            if reads:
                consumers.setdefault(value, []).append(op.instance.data)
    for s in channels:
        if isinstance(s, vhls.StreamOp):
            what, name = "stream", s.stream_name.data
        else:
            what, name = "pipo", s.buffer_name.data
        for role, table in (("producer", producers), ("consumer", consumers)):
            found = table.get(s.result, [])
            if len(found) != 1:
                who = f" ({', '.join(found)})" if found else ""
                raise op_error(
                    s,
                    f"{what} '{name}' has {len(found)} {role}s{who}; a dataflow {what} needs "
                    f"exactly one {role}",
                )
        if isinstance(s, vhls.PipoOp) and producers[s.result] == consumers[s.result]:
            raise op_error(
                s,
                f"pipo '{name}' is written and read by one process ({producers[s.result][0]}); "
                "a pipo connects two processes",
            )


@dataclass(frozen=True)
class VhlsDataflowLintPass(ModulePass):
    """Check the dataflow rules of a vhls design: only streams, pipos and calls
    in a dataflow region, one producer and one consumer per stream (one writer
    and one reader per pipo), static loop bounds in every process."""

    name = "vhls-dataflow-lint"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        processes: dict[str, vhls.ProcessOp] = {}
        for inner in op.walk():
            if isinstance(inner, vhls.ProcessOp):
                processes[inner.sym_name.data] = inner
                _lint_process(inner)
        for inner in op.walk():
            if isinstance(inner, vhls.DataflowOp):
                _lint_dataflow(inner, processes)
