"""The schedule a program asks for (Allo's `partition`, `pipeline`, `unroll`),
as attributes on the dato IR, and the rules they must follow.

Where a directive lives:

- `dato.partition` on a `dato.region`: a dictionary from argument name to a
  list of partitions of that array, e.g. `{A = [{kind = "cyclic", factor = 2,
  dim = 1}]}`. A partition of an array is a partition of every task's local
  copy of it (Allo propagates a partition of an argument to every kernel that
  receives it, and back).
- `dato.partition` on a `memref.alloc`/`memref.alloca` of a task body: the list
  of partitions of that local buffer.
- `dato.pipeline = II` and `dato.unroll = factor` (0: fully) on an `scf.for`.

`dim` counts from 1, 0 meaning every dimension (Vitis HLS' and Allo's
convention); a block or cyclic factor of 1 leaves the array whole. The HLS
lowering turns them into `vhls` directives (pragmas); a target with no
equivalent ignores them. `schedule_errors` states the rules
(kinds, factors dividing the sizes they split, dimensions in range, loops not
both fully unrolled and pipelined), so the frontend and the lowering refuse
the same things."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from xdsl.dialects import arith, memref, scf
from xdsl.dialects.builtin import (
    ArrayAttr,
    DictionaryAttr,
    IntegerAttr,
    MemRefType,
    ModuleOp,
    StringAttr,
)
from xdsl.ir import Attribute, Operation, SSAValue

from dato_xdsl.dialects import dato

PARTITION_ATTR = "dato.partition"
PIPELINE_ATTR = "dato.pipeline"
UNROLL_ATTR = "dato.unroll"
SCHEDULE_ATTRS = (PARTITION_ATTR, PIPELINE_ATTR, UNROLL_ATTR)

PARTITION_KINDS = ("complete", "block", "cyclic")
"""Allo's `Partition.Complete`, `.Block`, `.Cyclic` (0, 1, 2), in that order."""


@dataclass(frozen=True)
class PartitionSpec:
    kind: str
    factor: int
    dim: int

    def attr(self) -> DictionaryAttr:
        return DictionaryAttr(
            {
                "kind": StringAttr(self.kind),
                "factor": IntegerAttr(self.factor, 64),
                "dim": IntegerAttr(self.dim, 64),
            }
        )

    def __str__(self) -> str:
        factor = "" if self.kind == "complete" else f" factor {self.factor}"
        return f"{self.kind}{factor} dim {self.dim}"


def partition_list(specs: Sequence[PartitionSpec]) -> ArrayAttr:
    return ArrayAttr([s.attr() for s in specs])


def read_partitions(attr: Attribute) -> list[PartitionSpec]:
    """The partitions an attribute lists; ValueError says what is malformed."""
    if not isinstance(attr, ArrayAttr):
        raise ValueError(f"{PARTITION_ATTR} must be a list of partitions, got {attr}")
    specs = []
    for entry in attr.data:
        if not isinstance(entry, DictionaryAttr):
            raise ValueError(f"a partition is {{kind, factor, dim}}, got {entry}")
        fields = entry.data
        kind, factor, dim = fields.get("kind"), fields.get("factor"), fields.get("dim")
        if (
            not isinstance(kind, StringAttr)
            or not isinstance(factor, IntegerAttr)
            or not isinstance(dim, IntegerAttr)
            or set(fields) != {"kind", "factor", "dim"}
        ):
            raise ValueError(f"a partition is {{kind = str, factor = int, dim = int}}, got {entry}")
        specs.append(PartitionSpec(kind.data, factor.value.data, dim.value.data))
    return specs


def partition_errors(
    specs: Sequence[PartitionSpec], shape: Sequence[int], what: str
) -> Iterator[str]:
    """Why `specs` cannot partition an array of `shape` (nothing if they can)."""
    rank = len(shape)
    dims_seen: list[int] = []
    for s in specs:
        if s.kind not in PARTITION_KINDS:
            yield f"partition kind '{s.kind}' of {what} is not one of {', '.join(PARTITION_KINDS)}"
            continue
        if not 0 <= s.dim <= rank:
            yield (
                f"partition dim {s.dim} of {what} is outside its rank-{rank} shape "
                f"{list(shape)} (dims count from 1; 0 means every dim)"
            )
            continue
        if rank == 0:
            yield f"{what} is a scalar; only arrays are partitioned"
            continue
        if s.dim in dims_seen or (dims_seen and (s.dim == 0 or 0 in dims_seen)):
            yield (
                f"{what} is partitioned twice along dim {s.dim}"
                if s.dim in dims_seen
                else f"{what} mixes an every-dim partition (dim 0) with per-dim partitions"
            )
            continue
        dims_seen.append(s.dim)
        if s.kind == "complete":
            continue
        if s.factor < 1:
            yield f"a {s.kind} partition of {what} needs a factor >= 1, got {s.factor}"
            continue
        for d in range(rank) if s.dim == 0 else [s.dim - 1]:
            if shape[d] % s.factor:
                yield (
                    f"{s.kind} factor {s.factor} of {what} does not divide dim {d + 1} "
                    f"(size {shape[d]})"
                )


def trip_count(loop: scf.ForOp) -> int | None:
    """The trips of a loop whose bounds and step are constants, else None."""
    values = []
    for v in (loop.lb, loop.ub, loop.step):
        owner = v.owner
        if not isinstance(owner, arith.ConstantOp) or not isinstance(owner.value, IntegerAttr):
            return None
        values.append(owner.value.value.data)
    lb, ub, step = values
    return max(0, math.ceil((ub - lb) / step)) if step > 0 else None


def loop_directives(loop: Operation) -> tuple[int | None, int | None]:
    """(pipeline II, unroll factor) a loop asks for; None where it asks nothing."""
    found: list[int | None] = []
    for name in (PIPELINE_ATTR, UNROLL_ATTR):
        attr = loop.attributes.get(name)
        found.append(attr.value.data if isinstance(attr, IntegerAttr) else None)
    return found[0], found[1]


def loop_errors(loop: scf.ForOp) -> Iterator[str]:
    """Why the directives on `loop` cannot be honoured (nothing if they can)."""
    name = loop.body.block.args[0].name_hint or "loop"
    for key in (PIPELINE_ATTR, UNROLL_ATTR):
        attr = loop.attributes.get(key)
        if attr is not None and not isinstance(attr, IntegerAttr):
            yield f"{key} of loop '{name}' must be an integer, got {attr}"
    ii, factor = loop_directives(loop)
    if ii is not None and ii < 1:
        yield f"loop '{name}': pipeline II must be at least 1, got {ii}"
    if factor is not None:
        trips = trip_count(loop)
        if factor < 0:
            yield f"loop '{name}': unroll factor must be >= 0 (0 unrolls fully), got {factor}"
        elif factor and trips is not None and (factor > trips or trips % factor):
            yield f"loop '{name}': unroll factor {factor} does not divide its {trips} trips"
        if factor == 0 and ii is not None:
            yield f"loop '{name}' is fully unrolled, so it cannot also be pipelined"


def region_partitions(region: dato.RegionOp) -> dict[str, list[PartitionSpec]]:
    """The region's partitions by argument name (read_partitions' ValueError)."""
    attr = region.attributes.get(PARTITION_ATTR)
    if attr is None:
        return {}
    if not isinstance(attr, DictionaryAttr):
        raise ValueError(f"{PARTITION_ATTR} of a region maps argument names to partitions")
    return {name: read_partitions(specs) for name, specs in attr.data.items()}


def region_arg(region: dato.RegionOp, name: str) -> SSAValue | None:
    return next((a for a in region.args if a.name_hint == name), None)


def _shape(value: SSAValue) -> tuple[int, ...]:
    t = value.type
    return tuple(t.get_shape()) if isinstance(t, MemRefType) else ()


def schedule_errors(module: ModuleOp) -> Iterator[tuple[Operation, str]]:
    """(op, message) for every directive that breaks a rule."""
    for op in module.walk():
        if isinstance(op, dato.RegionOp) and PARTITION_ATTR in op.attributes:
            try:
                parts = region_partitions(op)
            except ValueError as err:
                yield op, str(err)
                continue
            for name, specs in parts.items():
                arg = region_arg(op, name)
                if arg is None:
                    known = ", ".join(a.name_hint or "?" for a in op.args)
                    yield op, f"partitions '{name}', which is not an argument ({known})"
                    continue
                for msg in partition_errors(specs, _shape(arg), f"argument '{name}'"):
                    yield op, msg
        elif isinstance(op, memref.AllocOp | memref.AllocaOp) and PARTITION_ATTR in op.attributes:
            try:
                specs = read_partitions(op.attributes[PARTITION_ATTR])
            except ValueError as err:
                yield op, str(err)
                continue
            what = f"buffer '{op.memref.name_hint or 'buffer'}'"
            for msg in partition_errors(specs, _shape(op.memref), what):
                yield op, msg
        elif isinstance(op, scf.ForOp):
            for msg in loop_errors(op):
                yield op, msg


def has_schedule(module: ModuleOp) -> bool:
    return any(name in op.attributes for op in module.walk() for name in SCHEDULE_ATTRS)


def strip_schedule(module: ModuleOp) -> int:
    """Remove every directive (for a target with no equivalent); how many there were."""
    removed = 0
    for op in module.walk():
        for name in SCHEDULE_ATTRS:
            if op.attributes.pop(name, None) is not None:
                removed += 1
    return removed


__all__ = [
    "PARTITION_ATTR",
    "PARTITION_KINDS",
    "PIPELINE_ATTR",
    "SCHEDULE_ATTRS",
    "UNROLL_ATTR",
    "PartitionSpec",
    "has_schedule",
    "loop_directives",
    "loop_errors",
    "partition_errors",
    "partition_list",
    "read_partitions",
    "region_arg",
    "region_partitions",
    "schedule_errors",
    "strip_schedule",
    "trip_count",
]
