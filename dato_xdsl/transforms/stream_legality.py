"""`dato-stream-legality`: streams are point-to-point and balanced.

On a virtually mapped region: every stream has exactly one producer instance
and one consumer instance; a stream put but never got (or got but never put) is
an error; where the element counts are static, the producer puts at least as
many elements as the consumer gets (more is a StreamLeftoverWarning: Allo runs
such programs). (That put/get element types match the stream is
the dialect verifier's job.) All violations are reported together, each naming
the stream, the instances and the source lines."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from dato_xdsl.diagnostics import LocatedDiagnostic, op_location
from dato_xdsl.dialects import dato
from dato_xdsl.transforms.stream_access import StreamUses, Use, stream_uses


def _where(uses: list[Use]) -> str:
    return ", ".join(sorted({op_location(u.site.op) for u in uses}))


def _instances(uses: list[Use]) -> list[str]:
    seen: dict[str, None] = {}
    for u in uses:
        seen.setdefault(u.instance, None)
    return list(seen)


def _total(uses: list[Use]) -> int | None:
    total = 0
    for u in uses:
        if u.count is None:
            return None
        total += u.count
    return total


def check_stream(name: str, entry: StreamUses) -> list[tuple[str, str]]:
    """(location, message) for every rule the stream breaks; the location is
    the first put (or get) of the stream."""
    first = entry.puts[0] if entry.puts else entry.gets[0] if entry.gets else None
    where = op_location(first.site.op) if first is not None else op_location(entry.decl)
    messages = _messages(name, entry)
    return [(where, m) for m in messages]


def _messages(name: str, entry: StreamUses) -> list[str]:
    problems: list[str] = []
    producers, consumers = _instances(entry.puts), _instances(entry.gets)
    if not producers and not consumers:
        return problems  # declared, never used: harmless
    if not consumers:
        problems.append(
            f"stream @{name} is put by {', '.join(producers)} ({_where(entry.puts)}) but never "
            "got: the producer would block forever once it is full"
        )
    if not producers:
        problems.append(
            f"stream @{name} is got by {', '.join(consumers)} ({_where(entry.gets)}) but never "
            "put: the consumer would wait forever"
        )
    if len(producers) > 1:
        problems.append(
            f"stream @{name} has {len(producers)} producers ({', '.join(producers)}; "
            f"{_where(entry.puts)}); a stream connects one producer to one consumer"
        )
    if len(consumers) > 1:
        problems.append(
            f"stream @{name} has {len(consumers)} consumers ({', '.join(consumers)}; "
            f"{_where(entry.gets)}); a stream connects one producer to one consumer"
        )
    counts = _static_counts(entry)
    # more put than got is only a warning (leftovers), as Allo runs it
    if counts is not None and counts[2] < counts[3]:
        producer, consumer, put, got = counts
        problems.append(
            f"stream @{name}: {producer} puts {put} element(s) ({_where(entry.puts)}) "
            f"but {consumer} gets {got} ({_where(entry.gets)})"
        )
    return problems


def _static_counts(entry: StreamUses) -> tuple[str, str, int, int] | None:
    """(producer, consumer, elements put, elements got) of a point-to-point
    stream whose counts are static; None otherwise."""
    producers, consumers = _instances(entry.puts), _instances(entry.gets)
    put, got = _total(entry.puts), _total(entry.gets)
    if len(producers) != 1 or len(consumers) != 1 or put is None or got is None:
        return None
    return producers[0], consumers[0], put, got


class StreamLeftoverWarning(UserWarning):
    """A stream still holds elements when the region ends."""


def leftovers(region: dato.RegionOp) -> list[tuple[str, str]]:
    """(location, message) for each point-to-point stream whose producer
    statically puts more elements than its consumer gets. Allo accepts such
    programs (its Cannon GEMM leaves one block in each pipe), so this is a
    warning; the leftover elements are dropped when the region ends."""
    found: list[tuple[str, str]] = []
    for name, entry in stream_uses(region).items():
        counts = _static_counts(entry)
        if counts is None:
            continue
        producer, consumer, put, got = counts
        if put > got:
            found.append(
                (
                    op_location(entry.puts[0].site.op),
                    f"stream @{name} ends holding {put - got} element(s): {producer} puts "
                    f"{put} ({_where(entry.puts)}) but {consumer} gets {got} "
                    f"({_where(entry.gets)}); the leftovers are dropped",
                )
            )
    return found


def check_region(region: dato.RegionOp) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    for name, entry in stream_uses(region).items():
        problems += check_stream(name, entry)
    return problems


@dataclass(frozen=True)
class StreamLegalityPass(ModulePass):
    """Reject streams that are not point-to-point or not balanced."""

    name = "dato-stream-legality"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        problems: list[tuple[str, str]] = []
        for region in [o for o in op.walk() if isinstance(o, dato.RegionOp)]:
            problems += check_region(region)
        if problems:
            raise LocatedDiagnostic("\n".join(f"{w}: error: {m}" for w, m in problems))
        for region in [o for o in op.walk() if isinstance(o, dato.RegionOp)]:
            for where, message in leftovers(region):
                file, _, rest = where.rpartition(":")  # file:line:col of the first put
                file, _, line = file.rpartition(":")
                warnings.warn_explicit(
                    f"{where}: warning: {message}",
                    StreamLeftoverWarning,
                    file or where,
                    int(line) if line.isdigit() else 0,
                )
