"""The scheduler the simulator and the virtual NPU share, on hand-made actors:
the round-robin order, wake-ups, deadlock detection, errors and time limits."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator
from typing import Any

import pytest

from dato_xdsl.targets import scheduler
from dato_xdsl.targets.scheduler import Actor


class Diagnostic(Exception):
    """Stands for the executors' own errors: already a user message."""


class Fifo:
    """A bounded queue whose changes ready the actors waiting on it."""

    def __init__(self, ready: deque[Actor], depth: int) -> None:
        self.ready = ready
        self.depth = depth
        self.items: deque[Any] = deque()
        self.waiting: list[Actor] = []

    def notify(self) -> None:
        self.ready.extend(self.waiting)
        self.waiting.clear()


def put(fifo: Fifo, value: Any, where: str) -> Iterator[tuple[Fifo, str]]:
    while len(fifo.items) == fifo.depth:
        yield fifo, f"put at {where}"
    fifo.items.append(value)
    fifo.notify()


def get(fifo: Fifo, out: list[Any], where: str) -> Iterator[tuple[Fifo, str]]:
    while not fifo.items:
        yield fifo, f"get at {where}"
    out.append(fifo.items.popleft())
    fifo.notify()


def located(err: Exception, actor: Actor) -> Exception:
    return Diagnostic(f"{actor.label}: {type(err).__name__}: {err}")


def test_producer_and_consumer_through_a_fifo_of_depth_one() -> None:
    ready: deque[Actor] = deque()
    fifo = Fifo(ready, 1)
    received: list[int] = []

    def producer() -> Iterator[tuple[Fifo, str]]:
        for v in range(5):
            yield from put(fifo, v, "p")

    def consumer() -> Iterator[tuple[Fifo, str]]:
        for _ in range(5):
            yield from get(fifo, received, "c")

    actors = [Actor("p", producer()), Actor("c", consumer())]
    ready.extend(actors)
    switches = scheduler.run(ready, Diagnostic, located)
    assert received == [0, 1, 2, 3, 4]
    assert scheduler.unfinished(actors) == []
    assert all(a.finished and a.blocked_on is None for a in actors)
    # by hand: p puts 0, waits (full); c gets 0, waits (empty); p puts 1, waits; ...
    # p waits before each of puts 1-4, c after each of gets 0-3
    assert switches == 8


def test_deadlock_names_only_actors_that_must_finish() -> None:
    ready: deque[Actor] = deque()
    never = Fifo(ready, 1)
    out: list[int] = []
    endless = Actor("core", get(never, out, "core.mlir:3"), must_finish=False)
    stuck = Actor("task_0", get(never, out, "task.mlir:7"))
    ready.extend([endless, stuck])
    scheduler.run(ready, Diagnostic, located)
    assert scheduler.unfinished([endless, stuck]) == [stuck]
    assert stuck.blocked_on is never and stuck.tag == "get at task.mlir:7"
    # an actor that need not finish, left waiting, is the normal end of a run
    assert scheduler.unfinished([endless]) == []


def test_deadlock_message_lists_who_waits_on_what() -> None:
    message = scheduler.deadlock_message(
        "f.mlir:2:1",
        "region @r",
        "2 task instance(s)",
        [("a_0", "waits on get from s, which is empty (f.mlir:4:5)"), ("b_0", "waits on x")],
        ["3 DMA channel(s) idle"],
    )
    assert message == (
        "f.mlir:2:1: error: deadlock in region @r: 2 task instance(s) cannot finish and nothing "
        "can move (on hardware the run would hang); waiting:\n"
        "  a_0 waits on get from s, which is empty (f.mlir:4:5)\n"
        "  b_0 waits on x\n"
        "  (3 DMA channel(s) idle)"
    )


def test_an_exception_inside_an_actor_is_located_and_a_diagnostic_passes() -> None:
    def failing() -> Iterator[tuple[Fifo, str]]:
        raise ZeroDivisionError("division by zero")
        yield  # a generator

    with pytest.raises(Diagnostic, match="^bad: ZeroDivisionError: division by zero$"):
        scheduler.run(deque([Actor("bad", failing())]), Diagnostic, located)

    def reporting() -> Iterator[tuple[Fifo, str]]:
        raise Diagnostic("already located")
        yield

    with pytest.raises(Diagnostic, match="^already located$"):
        scheduler.run(deque([Actor("r", reporting())]), Diagnostic, located)


def test_actors_that_keep_switching_stop_at_the_time_limit() -> None:
    ready: deque[Actor] = deque()
    ping = Fifo(ready, 1)

    def spinner() -> Iterator[tuple[Fifo, str]]:
        while True:
            ready.append(actor)  # readies itself: never blocked for good
            yield ping, "spinning"

    actor = Actor("spinner", spinner())
    ready.append(actor)
    start = time.monotonic()
    with pytest.raises(Diagnostic, match=r"limit \(\d+ waits so far\)"):
        scheduler.run(
            ready,
            Diagnostic,
            located,
            timeout=0.2,
            timed_out=lambda why: Diagnostic(f"limit ({why})"),
        )
    assert time.monotonic() - start < 5


def test_an_actor_that_never_waits_is_interrupted() -> None:
    def busy() -> Iterator[tuple[Fifo, str]]:
        while True:
            pass
        yield

    start = time.monotonic()
    with pytest.raises(Diagnostic, match="kept running without waiting"):
        scheduler.run(
            deque([Actor("busy", busy())]),
            Diagnostic,
            located,
            timeout=0.1,
            timed_out=lambda why: Diagnostic(why),
        )
    assert time.monotonic() - start < 5
