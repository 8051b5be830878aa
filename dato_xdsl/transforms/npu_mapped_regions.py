"""Regions physical mapping placed during a retile pass's trial, kept for the
build: a trial (npu_trial.trial_maps) runs the steps after the retile passes
and physical mapping on a copy of the region cut as the pass then cuts the
real one; the build runs the same steps on that region and, with the same
region entering physical mapping, would search the same foldings again (up
to half of a large build). Physical mapping records the region it placed
while a trial runs (`trial()`), keyed by its content as it entered, and
takes a recorded result for a region of the same content instead of
searching again.

The content is the region's generic text (every property, attribute, type
and name), which a deterministic mapping maps alike; a cheap count of its
ops is compared first, so a region no trial saw is never printed. The memo
holds the last few trials' results until physical mapping runs outside a
trial (`forget_unless_in_trial`): a build's mapping takes its own trials'
results, never those of an earlier build."""

from __future__ import annotations

import io
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

from xdsl.ir import Operation
from xdsl.printer import Printer

from dato_xdsl.dialects import dato

_KEEP = 8
"""results kept (a retile pass tries a few cuts per set; the accepted one is
among the last)"""

_Key = tuple[str, str, int]
"""device, folding, number of ops in the region"""

_RESULTS: OrderedDict[tuple[_Key, str], dato.RegionOp] = OrderedDict()
_COUNTS: dict[_Key, int] = {}
"""how many results of each cheap key are kept"""
_IN_TRIAL: ContextVar[bool] = ContextVar("dato_mapping_trial", default=False)


@contextmanager
def trial() -> Iterator[None]:
    """While open, physical mapping records the regions it places."""
    token = _IN_TRIAL.set(True)
    try:
        yield
    finally:
        _IN_TRIAL.reset(token)


def _count(region: Operation) -> int:
    return sum(1 for _ in region.walk())


def _text(region: Operation) -> str:
    out = io.StringIO()
    Printer(stream=out, print_generic_format=True).print_op(region)
    return out.getvalue()


class Entry:
    """A region about to be mapped: `recorded()` is a copy of its placed
    form from a trial, if one mapped the same content; `record(placed)`
    keeps `placed` when a trial runs."""

    def __init__(self, region: dato.RegionOp, device: str, folding: str) -> None:
        self._key: _Key = (device, folding, _count(region))
        self._text: str | None = None
        self._region = region
        if _IN_TRIAL.get() or self._key in _COUNTS:
            self._text = _text(region)  # as it enters: mapping changes it

    def recorded(self) -> dato.RegionOp | None:
        if self._text is None or self._key not in _COUNTS:
            return None
        found = _RESULTS.get((self._key, self._text))
        return None if found is None else found.clone()

    def record(self, placed: dato.RegionOp) -> None:
        if not _IN_TRIAL.get() or self._text is None:
            return
        full = (self._key, self._text)
        if full not in _RESULTS:
            _COUNTS[self._key] = _COUNTS.get(self._key, 0) + 1
        _RESULTS[full] = placed.clone()
        _RESULTS.move_to_end(full)
        while len(_RESULTS) > _KEEP:
            (key, _), _ = _RESULTS.popitem(last=False)
            _COUNTS[key] -= 1
            if not _COUNTS[key]:
                del _COUNTS[key]


def forget_unless_in_trial() -> None:
    """Drop every recorded result, unless a trial runs (physical mapping
    calls this when it is done: the build's mapping has taken what its
    trials placed)."""
    if not _IN_TRIAL.get():
        _RESULTS.clear()
        _COUNTS.clear()


__all__: Sequence[str] = ["Entry", "forget_unless_in_trial", "trial"]
