"""`dato.build(..., profile=True)`: per-task times where a target can measure or
model them, each labelled with which it is (a model's figure is never passed
off as a measurement)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any


def timed(generator: Iterator[Any], times: dict[str, float], label: str) -> Iterator[Any]:
    """`generator`, adding the wall time spent inside each of its steps to
    `times[label]` (the time an actor runs, not the time it waits)."""
    times.setdefault(label, 0.0)
    while True:
        start = time.perf_counter()
        try:
            item = next(generator)
        except StopIteration:
            return
        finally:
            times[label] += time.perf_counter() - start
        yield item


def table(title: str, rows: list[tuple[str, str]]) -> str:
    """`title`, then one `name  figure` line per row, names aligned."""
    width = max((len(name) for name, _ in rows), default=0)
    return "\n".join([title] + [f"  {name:<{width}}  {figure}" for name, figure in rows])


def milliseconds(seconds: float) -> str:
    return f"{seconds * 1e3:.3f} ms"
