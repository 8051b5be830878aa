"""A memo that lives while IR is being verified.

Verifying does not change the IR, so a table a verifier builds from an enclosing
op (the symbols of an `aie.device`) holds for every op verified in the same run;
without it a runtime sequence of n DMA calls rebuilt that table n times (about
half the compile time of a 4096^3 GEMM). Outside a `verifying()` block there is
no memo and each verifier scans as before."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_MEMO: ContextVar[dict[int, object] | None] = ContextVar("dato_verify_memo", default=None)


def memo() -> dict[int, object] | None:
    """The current run's memo (keyed by `id` of the op a table was built from), or None."""
    return _MEMO.get()


@contextmanager
def verifying() -> Iterator[None]:
    """Open a memo unless one is open already (nested verification shares it)."""
    if _MEMO.get() is not None:
        yield
        return
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)
