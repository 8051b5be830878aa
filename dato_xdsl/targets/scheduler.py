"""The one scheduler of the CPU executors: the dato simulator's task instances
and the virtual NPU's cores, DMA channels and runtime sequence are all actors.

An actor is a generator that yields `(waitable, tag)` when it must wait: the
waitable (a stream, a fifo, a lock, a DMA channel) keeps it in its `waiting`
list and puts it back on the ready queue when it changes; the tag says where
the actor waits (an op id or a phrase) for the report. `run` goes round-robin
over the ready queue until it is empty; the schedule is deterministic.

When nothing is ready, every actor still alive waits on something that will
never change. That is the end of a run; it is a deadlock when an actor that
must finish (a task instance; the runtime sequence, not a core written as an
endless loop) has not: `unfinished` finds them and `deadlock_message` says who
waits on what, in the same form for both executors."""

from __future__ import annotations

import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np


class Actor:
    """One thing that runs: a generator and what it waits on."""

    __slots__ = ("blocked_on", "finished", "generator", "label", "must_finish", "tag")

    def __init__(
        self, label: str, generator: Iterator[tuple[Any, Any]], *, must_finish: bool = True
    ) -> None:
        self.label = label
        self.generator = generator
        self.must_finish = must_finish
        self.blocked_on: Any = None
        """the waitable it yielded last (None once finished)"""
        self.tag: Any = None
        """where it waits, as it yielded it"""
        self.finished = False


Located = Callable[[Exception, Any], Exception]
"""Turns an exception raised inside an actor into a diagnostic naming where."""


def run(
    ready: deque[Any],
    diagnostic: type[Exception],
    located: Located,
    *,
    timeout: float | None = None,
    timed_out: Callable[[str], Exception] | None = None,
) -> int:
    """Run the actors of `ready` (and those readied later) until none is ready;
    returns how many times an actor had to wait. A `diagnostic` an actor raises
    is already the user's message; any other exception goes through `located`.

    With a `timeout` (seconds of wall time), `timed_out(why)` is raised when the
    actors keep switching past it, and, on the main thread, when one runs that
    long without waiting (a timer interrupts it)."""
    if timeout is None:
        return _loop(ready, diagnostic, located, None, None)
    assert timed_out is not None
    if not _can_alarm():
        return _loop(ready, diagnostic, located, timeout, timed_out)

    def expire(signum: int, frame: object) -> None:
        raise timed_out("an actor kept running without waiting")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, timeout + 1.0)
    try:
        return _loop(ready, diagnostic, located, timeout, timed_out)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _loop(
    ready: deque[Any],
    diagnostic: type[Exception],
    located: Located,
    timeout: float | None,
    timed_out: Callable[[str], Exception] | None,
) -> int:
    switches = 0
    deadline = None if timeout is None else time.monotonic() + timeout
    popleft = ready.popleft
    with np.errstate(all="ignore"):  # IEEE results (inf, nan) are the semantics
        while ready:
            actor = popleft()
            try:
                waitable, tag = next(actor.generator)
            except StopIteration:
                actor.finished = True
                actor.blocked_on = None
                continue
            except diagnostic:
                raise
            except Exception as err:
                raise located(err, actor) from None
            actor.blocked_on = waitable
            actor.tag = tag
            waitable.waiting.append(actor)
            switches += 1
            # the clock is read every 1024 waits only: it costs more than a switch
            if deadline is not None and not switches & 1023 and time.monotonic() > deadline:
                assert timed_out is not None
                raise timed_out(f"{switches} waits so far")
    return switches


def unfinished(actors: Sequence[Actor]) -> list[Actor]:
    """The actors that must finish and have not: non-empty means a deadlock."""
    return [a for a in actors if a.must_finish and not a.finished]


def deadlock_message(
    where: str,
    scope: str,
    stuck: str,
    waiting: Sequence[tuple[str, str]],
    notes: Sequence[str] = (),
) -> str:
    """The deadlock report of both executors: where, what cannot finish, then one
    line per waiting actor, `<label> <state>` (`a_0 waits on get from s, which is
    empty (file:line:col)`), and notes in parentheses."""
    lines = [f"  {label} {state}" for label, state in waiting]
    lines += [f"  ({note})" for note in notes]
    return (
        f"{where}: error: deadlock in {scope}: {stuck} cannot finish and nothing can move "
        f"(on hardware the run would hang); waiting:\n" + "\n".join(lines)
    )


def _can_alarm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


__all__ = ["Actor", "deadlock_message", "run", "unfinished"]
