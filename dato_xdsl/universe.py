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


def _aie() -> Dialect:
    from dato_xdsl.dialects.aie import AIE

    return AIE


def _aiex() -> Dialect:
    from dato_xdsl.dialects.aiex import AIEX

    return AIEX


DIALECTS: dict[str, Callable[[], Dialect]] = {"dato": _dato, "aie": _aie, "aiex": _aiex}


def _virtual_map() -> type[ModulePass]:
    from dato_xdsl.transforms.virtual_mapping import VirtualMapPass

    return VirtualMapPass


def _stream_legality() -> type[ModulePass]:
    from dato_xdsl.transforms.stream_legality import StreamLegalityPass

    return StreamLegalityPass


def _deadlock_check() -> type[ModulePass]:
    from dato_xdsl.transforms.deadlock_analysis import DeadlockCheckPass

    return DeadlockCheckPass


def _mapping_primitives() -> type[ModulePass]:
    from dato_xdsl.transforms.mapping_primitives import MappingPrimitivesPass

    return MappingPrimitivesPass


PASSES: dict[str, Callable[[], type[ModulePass]]] = {
    "dato-virtual-map": _virtual_map,
    "dato-stream-legality": _stream_legality,
    "dato-deadlock-check": _deadlock_check,
    "dato-mapping-primitives": _mapping_primitives,
}

TARGETS: dict[str, Callable[[], type[Target]]] = {}

DATO_UNIVERSE = Universe(all_dialects=DIALECTS, all_passes=PASSES, all_targets=TARGETS)
