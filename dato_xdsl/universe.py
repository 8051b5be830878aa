"""What the project adds to xDSL: dialects, passes and targets by name.

Registered under the `xdsl.universe` entry point, so a stock `xdsl-opt` in the
same environment knows them; `dato-opt` also adds them directly so it works from a
checkout that was never installed. Factories import lazily: listing names must not
load every dialect.
"""

from __future__ import annotations

from collections.abc import Callable

from xdsl.ir import Dialect
from xdsl.passes import ModulePass
from xdsl.universe import Universe
from xdsl.utils.target import Target


def _dato() -> Dialect:
    from dato_xdsl.dialects.dato import Dato

    return Dato


DIALECTS: dict[str, Callable[[], Dialect]] = {"dato": _dato}

PASSES: dict[str, Callable[[], type[ModulePass]]] = {}

TARGETS: dict[str, Callable[[], type[Target]]] = {}

DATO_UNIVERSE = Universe(all_dialects=DIALECTS, all_passes=PASSES, all_targets=TARGETS)
