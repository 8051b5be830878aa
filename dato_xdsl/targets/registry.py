"""Targets by name, and their pipelines as `dato-opt` pass lists.

The frontend knows targets only through this module: `lookup(name)` gives the
target, `passes(steps, options)` the ModulePasses of a pipeline, built from the
same names `dato-opt -p` takes, and `pipeline_spec` the text to give it;
`dato-opt --pipeline aie{device=npu2}` prints `pipeline_text` of its argument.
Targets import lazily: looking a name up loads that target only."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from xdsl.passes import ModulePass
from xdsl.utils.arg_spec import parse_spec

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


def pipeline_text(spec: str) -> str:
    """The `dato-opt -p` text of what `dato.build` runs for the target `spec`
    names, e.g. `aie{device=npu2 bundle="a_0,a_1"}`: the pass options it takes
    (device, bundle, chain) with dato.build's defaults. Raises ValueError for an
    unknown target or option (xDSL's ArgSpecParseError for malformed text)."""
    parsed = parse_spec(spec)
    target = lookup(parsed.name)
    if target is None:
        raise ValueError(f"unknown target '{parsed.name}'; available: {', '.join(names())}")
    known = sorted({o for step in (*DATO_STEPS, *target.steps) for o in step.options})
    values: dict[str, str] = {}
    for key, given in parsed.parameters.items():
        if key not in known:
            raise ValueError(
                f"target '{target.name}' has no option '{key}'; its options: {', '.join(known)}"
            )
        if len(given) != 1:
            raise ValueError(f"option '{key}' takes one value, got {len(given)}")
        values[key] = str(given[0])
    return pipeline_spec(full_pipeline(target, BuildOptions(**values)))
