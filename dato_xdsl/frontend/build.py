"""`dato.build`: compile a region for a target and return its module.

The frontend writes the program's IR; the target, looked up by name, supplies
its pipeline and module (dato_xdsl.targets.registry). What runs is what
`dato-opt --pipeline <target>` prints."""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import DiagnosticException

from dato_xdsl import progress
from dato_xdsl.diagnostics import op_error, verify_located
from dato_xdsl.errors import DatoInternalError
from dato_xdsl.frontend.allo_options import ALLO_OPTIONS, read_allo_options
from dato_xdsl.frontend.errors import DatoError, DatoIRError
from dato_xdsl.frontend.markers import RegionDef
from dato_xdsl.frontend.program import Parameter, compile_region
from dato_xdsl.targets import registry
from dato_xdsl.targets.base import DATO_STEPS, Argument, BuildOptions, Program, Target
from dato_xdsl.targets.base import TargetModule as DatoModule
from dato_xdsl.transforms.schedule_directives import has_schedule, schedule_errors, strip_schedule

BUILD_OPTIONS: tuple[str, ...] = (
    "target",
    "project",
    "mapping_primitives",
    "device",
    "mode",
    "profile",
    *ALLO_OPTIONS,
)
"""the keywords `build` takes besides the region (Allo's own included)"""


def mapping_options(
    mapping_primitives: Sequence[tuple[str, Sequence[Any]]] | None,
) -> dict[str, str]:
    """`[("bundle", [a, b]), ("chain", [c, d])]` as dato-mapping-primitives'
    options: `{"bundle": "a,b", "chain": "c,d"}` (lists joined by `;`)."""
    lists: dict[str, list[str]] = {"bundle": [], "chain": []}
    for entry in mapping_primitives or ():
        if not isinstance(entry, tuple | list) or len(entry) != 2:
            raise DatoError(
                f'a mapping primitive is ("bundle" | "chain", [instances]), got {entry!r}'
            )
        kind, names = entry
        if kind not in lists:
            raise DatoError(f"unknown mapping primitive {kind!r}; use 'bundle' or 'chain'")
        if kind == "bundle" and names and all(isinstance(n, tuple | list) for n in names):
            # Allo's bundle of tuples: [(a0, b0), (a1, b1)] bundles a0 with a1 and b0 with b1
            if len({len(n) for n in names}) != 1:
                raise DatoError(f"a bundle of tuples needs tuples of one length, got {names!r}")
            lists[kind] += [",".join(str(t[k]) for t in names) for k in range(len(names[0]))]
            continue
        lists[kind].append(",".join(str(n) for n in names))
    return {kind: ";".join(found) for kind, found in lists.items()}


def _apply(passes: Sequence[ModulePass], module: ModuleOp) -> None:
    ctx = Context()
    for p in passes:
        with progress.step(p.name):  # the mapping search can take a while
            p.apply(ctx, module)
        verify_located(module)


def _arguments(params: Sequence[Parameter]) -> tuple[Argument, ...]:
    return tuple(
        Argument(p.name, tuple(p.type.shape), p.type.dtype.numpy, p.type.dtype.name) for p in params
    )


def _options(
    target: Target,
    project: str | os.PathLike[str] | None,
    mapping_primitives: Sequence[tuple[str, Sequence[Any]]] | None,
    device: str,
    mode: str | None,
) -> BuildOptions:
    if project is not None and not isinstance(project, str | os.PathLike):
        raise DatoError(f"project= takes a directory path, got {project!r}")
    if project is not None and os.path.exists(project) and not os.path.isdir(project):
        raise DatoError(f"project= must be a directory; {os.fspath(project)} is a file")
    if mode is not None and mode not in target.modes:
        known = ", ".join(target.modes) if target.modes else "none"
        raise DatoError(f"target '{target.name}' has no mode {mode!r}; its modes: {known}")
    return BuildOptions(
        device=device,
        project=Path(project) if project is not None else None,
        mode=mode,
        **mapping_options(mapping_primitives),
    )


def build(
    top: RegionDef,
    target: str = "simulator",
    *,
    project: str | os.PathLike[str] | None = None,
    mapping_primitives: Sequence[tuple[str, Sequence[Any]]] | None = None,
    device: str | None = None,
    mode: str | None = None,
    profile: bool = False,
    **unknown: Any,
) -> DatoModule:
    """Compile the `@dato.region()` function `top` for `target` ("simulator",
    "aie", "hls"; Allo's "vitis_hls" is "hls"). `project`: where the aie and
    hls targets write their project (a new temporary directory by default);
    `mapping_primitives`: bundles and chains; `device`: the NPU; `mode`: how
    the target runs (hls: "concurrent" or "sequential" C simulation; Allo's
    "csim" is the default); `profile`: print per-task times after each call
    (simulator: measured; aie: the NPU performance model; hls: the estimate).
    Allo's `device_type=` names the device; its `trace=`, `trace_size=`,
    `warmup=`, `num_iters=` and `wrap_io=` are checked and accepted (a
    HardwareOptionWarning says where they do nothing here). Any other keyword
    is an error naming it."""
    if not isinstance(top, RegionDef):
        raise DatoError(f"dato.build takes a function decorated with @dato.region(), got {top!r}")
    _check_keywords({k: v for k, v in unknown.items() if k not in ALLO_OPTIONS}, profile)
    _lookup(read_allo_options(target, mode, device, {}).target)  # before compiling: fail fast
    try:
        module, params = compile_region(top)
    except DatoError as err:
        raise err.with_traceback(None) from None
    except DiagnosticException as err:
        raise DatoIRError(str(err)) from None
    except Exception as err:
        raise _internal(err, "compiling the program") from None
    return build_compiled(
        module,
        params,
        target,
        project=project,
        mapping_primitives=mapping_primitives,
        device=device,
        mode=mode,
        profile=profile,
        **unknown,
    )


def _check_keywords(unknown: dict[str, Any], profile: object) -> None:
    if unknown:
        name = sorted(unknown)[0]
        raise DatoError(
            f"dato.build has no option '{name}'; it accepts: {', '.join(BUILD_OPTIONS)}"
        )
    if not isinstance(profile, bool):
        raise DatoError(f"profile= takes True or False, got {profile!r}")


def _lookup(target: object) -> Target:
    found = registry.lookup(target) if isinstance(target, str) else None
    if found is None:
        raise DatoError(f"unknown target '{target}'; available: {', '.join(registry.names())}")
    return found


def build_compiled(
    module: ModuleOp,
    params: Sequence[Parameter],
    target: str = "simulator",
    *,
    project: str | os.PathLike[str] | None = None,
    mapping_primitives: Sequence[tuple[str, Sequence[Any]]] | None = None,
    device: str | None = None,
    mode: str | None = None,
    profile: bool = False,
    **unknown: Any,
) -> DatoModule:
    """`build` of a program the frontend already wrote (`dato.customize(top)`
    builds its scheduled IR this way). A target none of whose passes consumes
    the schedule's directives gets the program without them, a
    ScheduleIgnoredWarning and a note in its report."""
    allo = {name: unknown.pop(name) for name in ALLO_OPTIONS if name in unknown}
    _check_keywords(unknown, profile)
    read = read_allo_options(target, mode, device, allo)
    target, mode, device = read.target, read.mode, read.device
    found = _lookup(target)
    try:
        options = _options(found, project, mapping_primitives, device, mode)
        verify_located(module)
        located_schedule_errors(module)
        ignored = 0
        if has_schedule(module) and not any(
            getattr(p, "consumes_schedule", False) for p in registry.passes(found.steps, options)
        ):
            module = module.clone()
            ignored = strip_schedule(module)
            warn_ignored(found.name, ignored)
        mapped = module.clone()
        _apply(registry.passes(DATO_STEPS, options), mapped)
        lowered = mapped
        if found.steps:
            lowered = mapped.clone()
            _apply(registry.passes(found.steps, options), lowered)
        program = Program(module, mapped, _arguments(params), params)
        built = found.build(program, lowered, options)
        built.profile = profile
        if ignored:
            _note_in_report(built, ignored_note(found.name, ignored))
        return built
    except DatoError as err:
        # the user's traceback ends here, not deep inside the compiler
        raise err.with_traceback(None) from None
    except DiagnosticException as err:
        raise DatoIRError(str(err)) from None
    except Exception as err:
        raise _internal(err, f"building for target '{target}'") from None


def _internal(err: Exception, doing: str) -> Exception:
    """A Python error from inside the compiler: named as our bug, without the
    compiler's traceback unless DATO_TRACEBACK is set (then `err` itself)."""
    if os.environ.get("DATO_TRACEBACK"):
        return err
    return DatoInternalError(
        f"internal compiler error while {doing}: {type(err).__name__}: {err} "
        "(a bug in dato-xdsl, not in the program; set DATO_TRACEBACK=1 for the traceback)"
    )


class ScheduleIgnoredWarning(UserWarning):
    """A schedule (`dato.customize`) built for a target with no equivalent of its directives."""


def ignored_note(target: str, directives: int) -> str:
    return (
        f"schedule: {directives} directive(s) (partition/pipeline/unroll) ignored: target "
        f"'{target}' has no equivalent of HLS pragmas; results are unchanged"
    )


def warn_ignored(target: str, directives: int) -> None:
    # stack: warn_ignored, build_compiled, Schedule.build, the user's line
    warnings.warn(ignored_note(target, directives), ScheduleIgnoredWarning, stacklevel=4)


def located_schedule_errors(module: ModuleOp) -> None:
    """The first directive that breaks a rule, as a located diagnostic."""
    for op, message in schedule_errors(module):
        raise op_error(op, message)


def _note_in_report(built: DatoModule, note: str) -> None:
    """Append `note` to what `report()` returns (a target without a report keeps
    raising its own error: the warning already said it)."""
    report = built.report

    def noted() -> Any:
        return f"{report()}\n{note}"

    built.report = noted  # type: ignore[method-assign]


__all__ = [
    "DatoModule",
    "ScheduleIgnoredWarning",
    "build",
    "build_compiled",
    "mapping_options",
]
