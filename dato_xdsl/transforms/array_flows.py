"""Data passed between tasks through a global array instead of a stream.

On the simulator, tasks share the global arrays, so a task can read what
another one wrote. On the NPU and the FPGA, each task receives the host's copy
of its slice and sends its written blocks back at the end: such a flow would
silently read stale data there. `check_no_array_flows` refuses it for those
targets, naming the array, both instances and where the write is. On the NPU it
is the last resort: dato-array-flow-forwarding (array_flow_forwarding.py)
first forwards the blocks whose order the simulator guarantees from task to
task, and marks the body arguments it ordered (`dato.flow_ordered`), which are
no flow here."""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import MemRefType

from dato_xdsl.diagnostics import op_error
from dato_xdsl.dialects import dato
from dato_xdsl.transforms.array_flow_forwarding import Box, boxes_overlap, flow_ordered
from dato_xdsl.transforms.npu_plan import arg_access, plan_group


def array_flows(region: dato.RegionOp) -> list[tuple[str, str, str, dato.GroupOp]]:
    """(array, writer instance, reader instance, writer's group) for every block
    one instance writes and another reads (arguments the forwarding ordered
    left out)."""
    names = region.arg_names()
    writes: dict[int, dict[Box, tuple[str, dato.GroupOp]]] = {}
    reads: dict[int, dict[Box, list[str]]] = {}
    for group in region.groups():
        plan = plan_group(group)
        ordered = flow_ordered(group)
        shapes: list[tuple[int, ...]] = []
        for a in group.body.block.args:
            t = a.type
            assert isinstance(t, MemRefType)
            shapes.append(tuple(t.get_shape()))
        # a real read: the host copy a partial writer brings in is not one
        read = [arg_access(a, host_copy=False)[0] for a in group.body.block.args]
        indices = [region.args.index(operand) for operand in group.args]
        for inst in group.instances():
            for k, index in enumerate(indices):
                if k in ordered:
                    continue
                box = (inst.offsets[k], shapes[k])
                if plan.writes[k]:
                    writes.setdefault(index, {}).setdefault(box, (inst.name, group))
                if read[k]:
                    reads.setdefault(index, {}).setdefault(box, []).append(inst.name)
    flows = []
    for index, written in writes.items():
        for wbox, (writer, group) in written.items():
            for rbox, readers in reads.get(index, {}).items():
                if not boxes_overlap(wbox, rbox):
                    continue
                others = [r for r in readers if r != writer]
                if others:
                    flows.append((names[index], writer, others[0], group))
    return flows


def check_no_array_flows(region: dato.RegionOp, target: str, streams_hint: bool = True) -> None:
    flows = array_flows(region)
    if not flows:
        return
    array, writer, reader, group = flows[0]
    hint = "; pass the data through a stream instead" if streams_hint else ""
    raise op_error(
        group,
        f"{writer} writes {array} and {reader} reads it: on {target} each task reads the "
        f"host's copy of its slice, so {reader} would not see {writer}'s writes (the simulator "
        f"would){hint}",
    )


__all__: Sequence[str] = ["array_flows", "check_no_array_flows"]
