"""Targets by name, and their pipelines as `dato-opt` pass lists.

The frontend knows targets only through this module: `lookup(name)` gives the
target, `passes(steps, options)` the ModulePasses of a pipeline, built from the
same names `dato-opt -p` takes, and `pipeline_spec` the text to give it. Targets
import lazily: looking a name up loads that target only."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from xdsl.passes import ModulePass

from dato_xdsl import universe
from dato_xdsl.targets.base import DATO_STEPS, BuildOptions, Step, Target


def _simulator() -> type[Target]:
    from dato_xdsl.targets.simulator.target import SimulatorTarget

    return SimulatorTarget


def _aie() -> type[Target]:
    from dato_xdsl.targets.aie.target import AieTarget

    return AieTarget


def _hls() -> type[Target]:
    from dato_xdsl.targets.hls.target import HlsTarget

    return HlsTarget


TARGETS: dict[str, Callable[[], type[Target]]] = {
    "simulator": _simulator,
    "aie": _aie,
    "hls": _hls,
}


def names() -> list[str]:
    return list(TARGETS)


def lookup(name: str) -> Target | None:
    factory = TARGETS.get(name)
    return factory()() if factory is not None else None


def passes(steps: Sequence[Step], options: BuildOptions) -> list[ModulePass]:
    """The passes of `steps` with their options taken from `options`."""
    result: list[ModulePass] = []
    for step in steps:
        arguments = step.arguments(options)
        if arguments is not None:
            result.append(universe.PASSES[step.name]()(**arguments))
    return result


def full_pipeline(target: Target, options: BuildOptions) -> list[ModulePass]:
    """What `dato.build` runs for `target`: the dato passes, then the target's."""
    return passes(DATO_STEPS, options) + passes(target.steps, options)


def pipeline_spec(pipeline: Sequence[ModulePass]) -> str:
    """The `dato-opt -p` text of `pipeline`, every option spelled out."""
    return ",".join(str(p.pipeline_pass_spec(include_default=True)) for p in pipeline)
