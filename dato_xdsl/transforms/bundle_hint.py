"""The Python a refused design can add to fit: `mapping_primitives=[("bundle",
[...]), ...]` for `dato.build`, when folding by hand would help.

Physical mapping refuses a design with more processing elements than compute
cores. A bundle runs isomorphic instances one after the other on one core, so
the hint bundles the instances of one task grid in blocks: the grid is cut
into r x c blocks (r | rows, c | columns, as many as the cores left allow, a
grid that fits the array preferred, so a bundled GEMM keeps its row and column
broadcasts), one bundle per block. Only grids whose instances use no streams
are bundled: members run one after the other, so a stream between members of
a bundle (or through another core back into it) could wait forever. A hint is
given only when physical mapping places the design with it (the caller passes
the pass in, which keeps imports one way)."""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import product

from xdsl.dialects.builtin import ModuleOp
from xdsl.utils.exceptions import DiagnosticException, VerifyException

from dato_xdsl import devices
from dato_xdsl.dialects import dato


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def _blocks(grid: tuple[int, ...], most: int, fits: tuple[int, ...]) -> tuple[int, ...] | None:
    """How many blocks to cut each grid axis into: the largest count of blocks
    that is at most `most`, preferring counts within `fits` per axis, then the
    squarest. None when even one block per axis is more than `most`."""
    best: tuple[tuple[int, bool, int], tuple[int, ...]] | None = None
    for cuts in product(*(_divisors(n) for n in grid)):
        count = math.prod(cuts)
        if count > most:
            continue
        inside = all(c <= f for c, f in zip(cuts, fits, strict=False))
        key = (count, inside, -(max(cuts) - min(cuts)))
        if best is None or key > best[0]:
            best = (key, cuts)
    return best[1] if best is not None else None


def _members(
    instances: list[dato.Instance], grid: tuple[int, ...], cuts: tuple[int, ...]
) -> list[list[str]]:
    """The instance names of each block, as `_python` spells them."""
    sizes = [n // c for n, c in zip(grid, cuts, strict=True)]
    blocks: dict[tuple[int, ...], list[str]] = {}
    for inst in sorted(instances, key=lambda x: x.pid):
        key = tuple(p // s for p, s in zip(inst.pid, sizes, strict=True))
        blocks.setdefault(key, []).append(inst.name)
    return [blocks[k] for k in sorted(blocks)]


def _python(task: str, grid: tuple[int, ...], cuts: tuple[int, ...]) -> str:
    """The list comprehension spelling the bundles of `task` cut by `cuts`."""
    sizes = [n // c for n, c in zip(grid, cuts, strict=True)]
    axes = "ij"[: len(grid)] if len(grid) <= 2 else [f"i{k}" for k in range(len(grid))]
    blocks = "rc"[: len(grid)] if len(grid) <= 2 else [f"b{k}" for k in range(len(grid))]
    name = "_".join([task, *(f"{{{a}}}" for a in axes)])
    members = " ".join(
        f"for {a} in range({s} * {b}, {s} * {b} + {s})" if s > 1 else f"for {a} in [{b}]"
        for a, b, s in zip(axes, blocks, sizes, strict=True)
    )
    outer = " ".join(f"for {b} in range({c})" for b, c in zip(blocks, cuts, strict=True))
    return f'mapping_primitives=[("bundle", [f"{name}" {members}]) {outer}]'


def _placeable(
    region: dato.RegionOp, bundles: list[list[str]], place: Callable[[ModuleOp], None]
) -> bool:
    """Whether physical mapping takes a copy of `region` with `bundles` added."""
    copy = region.clone()
    for names in bundles:
        copy.body.block.add_op(dato.BundleOp(names))
    try:
        place(ModuleOp([copy]))
    except (DiagnosticException, VerifyException):
        return False
    return True


def bundle_hint(
    region: dato.RegionOp,
    needed: int,
    device: devices.NpuDevice,
    place: Callable[[ModuleOp], None],
) -> str:
    """`; to fold by hand, build with mapping_primitives=[...]`, or "" when no
    single task grid can be bundled safely into the cores there are. `place`
    runs physical mapping: a hint is given only if the design then places."""
    excess = needed - device.compute_cores
    folded = {
        name
        for op in region.body.block.ops
        if isinstance(op, dato.BundleOp | dato.ChainOp)
        for name in op.names
    }
    fits = (len(device.compute_rows), device.columns)
    best: tuple[int, str] | None = None
    for group in region.groups():
        instances = group.instances()
        grid = tuple(group.grid_shape)
        if (
            len(instances) != math.prod(grid)
            or any(inst.bindings for inst in instances)
            or any(inst.name in folded for inst in instances)
            or any(inst.name != dato.instance_name(group.task.data, inst.pid) for inst in instances)
        ):
            continue
        cuts = _blocks(grid, len(instances) - excess, fits)
        if cuts is None or math.prod(cuts) == len(instances):
            continue
        saved = len(instances) - math.prod(cuts)
        if best is not None and saved >= best[0]:  # keep the least folding that fits
            continue
        if _placeable(region, _members(instances, grid, cuts), place):
            best = (saved, _python(group.task.data, grid, cuts))
    if best is None:
        return ""
    return f"; to fold by hand, build with {best[1]}"
