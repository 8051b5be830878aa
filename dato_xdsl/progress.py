"""Progress of long steps (g++ builds, C simulation, virtual NPU runs, the
mapping search), the one mechanism every part of the compiler uses.

`with step("g++: C simulation of gemm"):` shows a tqdm line on stderr once the
step has taken `DELAY_SECONDS`, and only when stderr is a terminal; short steps
and redirected output stay quiet. `step(..., total=n)` yields an `advance`
callback for steps that know their size (a search over n candidates)."""

from __future__ import annotations

import shutil
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO

from tqdm import tqdm

# tqdm's default lock includes a multiprocessing semaphore, which a forked
# child shares with its parent: a child killed while holding it (a build run
# under a time limit, tools/cross-target) left every later progress line of
# the parent waiting forever. The compiler's steps run in one process; a
# thread lock is all they need.
tqdm.set_lock(threading.RLock())

DELAY_SECONDS = 1.0
"""A step shorter than this prints nothing."""

REFRESH_SECONDS = 0.25
"""How often the elapsed time of a step without a known size is redrawn."""


@contextmanager
def step(
    description: str, total: int | None = None, file: IO[str] | None = None
) -> Iterator[Callable[[int], None]]:
    """Show `description` with the elapsed time (and `n/total` when `total` is
    given) while the body runs, if it runs longer than `DELAY_SECONDS` on a
    terminal. Yields `advance(n)` for counting done units."""
    out = file if file is not None else sys.stderr
    bar = tqdm(
        total=total,
        desc=description,
        file=out,
        delay=DELAY_SECONDS,
        disable=None if _isatty(out) else True,  # None: tqdm's own tty test
        leave=False,
        unit="" if total is None else "it",
        bar_format="{desc}: {elapsed}" if total is None else None,
        # a terminal that reports a 0 x 0 size (a bare pty) would show nothing
        ncols=shutil.get_terminal_size().columns,
        nrows=shutil.get_terminal_size().lines,
    )
    done = threading.Event()

    def tick() -> None:
        # a subprocess gives no callbacks: redraw the elapsed time ourselves
        while not done.wait(REFRESH_SECONDS):
            bar.update(0)

    ticker = None
    if not bar.disable:
        ticker = threading.Thread(target=tick, name="dato-progress", daemon=True)
        ticker.start()
    try:
        yield bar.update
    finally:
        done.set()
        if ticker is not None:
            ticker.join()
        bar.close()


def _isatty(out: IO[str]) -> bool:
    try:
        return out.isatty()
    except (AttributeError, ValueError):  # closed or not a real stream
        return False
