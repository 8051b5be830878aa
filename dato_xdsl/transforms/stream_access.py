"""Who uses which stream, how often: the shared analysis of the stream passes.

For a virtually mapped region (`dato.group`s), `stream_uses` lists, per
concrete stream, every put and get with the instance that performs it and the
number of elements it moves when that is static (loops with compile-time trip
counts, not under a runtime branch)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from xdsl.dialects import scf
from xdsl.ir import Block, Operation

from dato_xdsl.diagnostics import LocatedDiagnostic, op_error
from dato_xdsl.dialects import dato
from dato_xdsl.transforms.instance_trace import Env, StaticValues, trip_count

Count = Callable[[Env], int | None]


@dataclass
class AccessSite:
    """A put or get in a group body, with its static element count per instance."""

    op: dato.PutOp | dato.GetOp
    is_put: bool
    symbol: str
    count: Count


@dataclass
class Use:
    instance: str
    site: AccessSite
    count: int | None


@dataclass
class StreamUses:
    decl: dato.StreamOp
    puts: list[Use] = field(default_factory=list)
    gets: list[Use] = field(default_factory=list)

    @property
    def producer(self) -> str | None:
        """The instance that puts (legality makes it the only one)."""
        return self.puts[0].instance if self.puts else None

    @property
    def consumer(self) -> str | None:
        return self.gets[0].instance if self.gets else None

    def total(self) -> int | None:
        """Elements put in all, when every put's count is static."""
        counts = [u.count for u in self.puts]
        if not counts or any(c is None for c in counts):
            return None
        return sum(c for c in counts if c is not None)


def _trip(lb: Callable[[Env], int], ub: Callable[[Env], int], step: Callable[[Env], int]) -> Count:
    def count(env: Env) -> int | None:
        s = step(env)
        return trip_count(lb(env), ub(env), s) if s > 0 else None

    return count


def access_sites(group: dato.GroupOp) -> list[AccessSite]:
    """Every put/get of a group body with a closure giving its element count."""
    values = StaticValues(set(group.pid_values()))
    sites: list[AccessSite] = []

    def static(v: object, user: Operation) -> Callable[[Env], int] | None:
        try:
            return values.compile(v, user)  # type: ignore[arg-type]
        except LocatedDiagnostic:
            return None

    def walk(block: Block, factors: list[Count], conditional: bool) -> None:
        for op in block.ops:
            if isinstance(op, dato.PutOp | dato.GetOp):
                fs = list(factors)

                def count(env: Env, fs: list[Count] = fs, cond: bool = conditional) -> int | None:
                    if cond:
                        return None
                    n = 1
                    for f in fs:
                        c = f(env)
                        if c is None:
                            return None
                        n *= c
                    return n

                sites.append(
                    AccessSite(op, isinstance(op, dato.PutOp), op.stream.root_reference.data, count)
                )
            elif isinstance(op, scf.ForOp):
                lb, ub, step = (static(v, op) for v in (op.lb, op.ub, op.step))
                if lb is None or ub is None or step is None:
                    factor: Count = lambda env: None  # noqa: E731
                else:
                    factor = _trip(lb, ub, step)
                walk(op.body.block, [*factors, factor], conditional)
            elif op.regions:
                # a runtime branch (or any other region): counts become unknown
                for region in op.regions:
                    for b in region.blocks:
                        walk(b, factors, True)

    walk(group.body.block, [], False)
    return sites


def stream_uses(region: dato.RegionOp) -> dict[str, StreamUses]:
    """Per concrete stream of a mapped region, its puts and gets by instance."""
    if region.tasks():
        task = region.tasks()[0]
        raise op_error(
            task,
            f"task @{task.sym_name.data} is not virtually mapped yet; run dato-virtual-map first",
        )
    uses = {s.sym_name.data: StreamUses(s) for s in region.streams()}
    for decl in region.streams():
        if decl.shape_values:
            raise op_error(decl, f"stream array @{decl.sym_name.data} is not mapped to streams yet")
    for group in region.groups():
        sites = access_sites(group)
        ports = group.port_names
        pid_values = group.pid_values()
        for inst in group.instances():
            env: Env = group.pid_env(inst, pid_values)
            bound = dict(zip(ports, inst.bindings, strict=True))
            for site in sites:
                stream = bound.get(site.symbol, site.symbol)
                entry = uses.get(stream)
                if entry is None:
                    raise op_error(site.op, f"@{stream} is not a stream of the region")
                use = Use(inst.name, site, site.count(env))
                (entry.puts if site.is_put else entry.gets).append(use)
    return uses
