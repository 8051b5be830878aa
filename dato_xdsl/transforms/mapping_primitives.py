"""`dato-mapping-primitives`: record and check `bundle` and `chain`.

`bundle="a_0,a_1;b_0,b_1"` and `chain="p_0,c_0"` add `dato.bundle` /
`dato.chain` ops to the mapped region (what `dato.build(...,
mapping_primitives=[("bundle", [...]), ("chain", [...])])` asks for), then every
such op is checked:
- a bundle time-multiplexes instances on one element, so they must be
  isomorphic (one `dato.group`) and no stream may connect two of them (run one
  after the other, a producer would wait for a consumer that cannot start);
- a chain fuses a producer with its consumer, so consecutive instances must be
  connected by a stream, and no other path may lead from one to the next
  (fusing them would close a cycle through the tasks on that path).
The schedule stays in the IR; physical mapping reads it. Execution semantics
do not change."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from dato_xdsl.diagnostics import op_error
from dato_xdsl.dialects import dato
from dato_xdsl.transforms.stream_access import stream_uses


def parse_lists(spec: str) -> list[list[str]]:
    """`"a,b;c,d"` -> `[["a", "b"], ["c", "d"]]`."""
    return [
        [name.strip() for name in part.split(",") if name.strip()]
        for part in spec.split(";")
        if part.strip()
    ]


class Graph:
    """Instances of a mapped region and the streams between them."""

    def __init__(self, region: dato.RegionOp) -> None:
        self.group_of: dict[str, str] = {}
        for group in region.groups():
            for inst in group.instances():
                self.group_of[inst.name] = group.sym_name.data
        self.edges: dict[str, set[str]] = defaultdict(set)
        self.streams: dict[tuple[str, str], list[str]] = defaultdict(list)
        for name, uses in stream_uses(region).items():
            for p in {u.instance for u in uses.puts}:
                for c in {u.instance for u in uses.gets}:
                    self.edges[p].add(c)
                    self.streams[(p, c)].append(name)

    def reaches(self, start: str, goal: str, skip_edge: tuple[str, str]) -> bool:
        """Whether `goal` is reachable from `start` without the direct edge `skip_edge`."""
        seen = {start}
        todo = [start]
        while todo:
            node = todo.pop()
            for nxt in self.edges.get(node, ()):
                if (node, nxt) == skip_edge or nxt in seen:
                    continue
                if nxt == goal:
                    return True
                seen.add(nxt)
                todo.append(nxt)
        return False


def check(region: dato.RegionOp) -> None:
    prims = [op for op in region.body.block.ops if isinstance(op, dato.BundleOp | dato.ChainOp)]
    if not prims:
        return
    graph = Graph(region)
    chain_of = {
        n: k for k, op in enumerate(prims) if isinstance(op, dato.ChainOp) for n in op.names
    }

    def chained(a: str, b: str) -> bool:
        return a in chain_of and chain_of.get(a) == chain_of.get(b)

    placed: dict[str, str] = {}
    for op in prims:
        kind = "bundle" if isinstance(op, dato.BundleOp) else "chain"
        for name in op.names:
            if name not in graph.group_of:
                raise op_error(op, f"{kind} names {name}, which is not a task instance")
            if name in placed and placed[name] == kind:
                raise op_error(op, f"instance {name} is already in another {kind}")
            placed[name] = kind
        if isinstance(op, dato.BundleOp):
            # a bundle of chains (Allo's bundle of `a-b` results) lists each
            # chain's members in turn: like Allo, its chains are isomorphic
            # when their members' bodies agree position by position
            elements: list[list[str]] = []
            for n in op.names:
                if elements and chained(elements[-1][-1], n):
                    elements[-1].append(n)
                else:
                    elements.append([n])
            shapes = {tuple(graph.group_of[n] for n in e) for e in elements}
            if len(shapes) > 1:
                detail = ", ".join(
                    "-".join(e) + " in " + "-".join(f"@{graph.group_of[n]}" for n in e)
                    for e in elements
                )
                raise op_error(
                    op,
                    f"bundle of non-isomorphic instances ({detail}): only instances with "
                    "one body can share an element",
                )
            for a in op.names:
                for b in op.names:
                    if (a, b) in graph.streams and not chained(a, b):
                        raise op_error(
                            op,
                            f"bundle of {a} and {b}, connected by @{graph.streams[(a, b)][0]}: "
                            "run in turn on one element they would wait for each other",
                        )
        else:
            for p, c in zip(op.names, op.names[1:], strict=False):
                if (p, c) not in graph.streams:
                    # no stream between them: the core runs p, then c (Allo's
                    # chain of independent instances), unless c feeds p
                    if graph.reaches(c, p, ("", "")):
                        raise op_error(
                            op,
                            f"chain of {p} and {c}: no stream goes from {p} to {c} and {c} "
                            f"feeds {p}, so running {p} first it would wait for {c}",
                        )
                    continue
                if (c, p) in graph.streams:
                    raise op_error(
                        op,
                        f"chain of {p} and {c}, but {c} also feeds {p} (@"
                        f"{graph.streams[(c, p)][0]}): run in turn they would wait for each other",
                    )
                if graph.reaches(p, c, (p, c)):
                    raise op_error(
                        op,
                        f"chain of {p} and {c} across a cycle: another path leads from {p} to "
                        f"{c}, so fusing them would make the task graph cyclic",
                    )


@dataclass(frozen=True)
class MappingPrimitivesPass(ModulePass):
    """Add the requested bundle/chain primitives to mapped regions and check them."""

    name = "dato-mapping-primitives"

    bundle: str = ""
    """instances to time-multiplex on one core: `a_0,a_1;b_0,b_1` (`;` between bundles)"""
    chain: str = ""
    """producer and consumer instances to fuse on one core: `p_0,c_0` (`;` between chains)"""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for region in [o for o in op.walk() if isinstance(o, dato.RegionOp)]:
            block = region.body.block
            known = {inst.name for g in region.groups() for inst in g.instances()}
            bundles, chains = resolve_names(
                parse_lists(self.bundle), parse_lists(self.chain), known
            )
            for names in bundles:
                block.add_op(bundle := dato.BundleOp(names))
                bundle.location = region.location
            for names in chains:
                block.add_op(chain := dato.ChainOp(names))
                chain.location = region.location
            check(region)


def resolve_names(
    bundles: list[list[str]], chains: list[list[str]], known: set[str]
) -> tuple[list[list[str]], list[list[str]]]:
    """Allo's names for the results of earlier primitives, expanded to
    instances: a chain of `a` and `b` is `a-b`, a bundle of n elements is its
    first member's name followed by `xn` (`core_0x2`). A primitive naming an
    earlier result of its own kind extends it (the chain `a-b, c` becomes
    `a, b, c`; a bundle of bundles one bundle); a bundle of chains keeps the
    chains. Primitives are resolved as soon as every name they use is known,
    whatever their order; names never resolved are left for `check` to report."""
    results: dict[str, tuple[str, list[str]]] = {}
    pending = [("bundle", n) for n in bundles] + [("chain", n) for n in chains]
    out: dict[str, list[list[str]]] = {"bundle": [], "chain": []}
    while pending:
        ready = [
            item for item in pending if all(n in known or n in results for n in item[1])
        ] or list(pending)  # nothing resolves: pass the rest through unchanged
        for kind, names in ready:
            pending.remove((kind, names))
            flat: list[str] = []
            for n in names:
                if n in results:
                    earlier_kind, members = results[n]
                    if earlier_kind == kind and members in out[kind]:
                        out[kind].remove(members)  # extended by this primitive
                    flat += members
                else:
                    flat.append(n)
            out[kind].append(flat)
            result = "-".join(names) if kind == "chain" else f"{names[0]}x{len(names)}"
            results[result] = (kind, flat)
    return out["bundle"], out["chain"]
