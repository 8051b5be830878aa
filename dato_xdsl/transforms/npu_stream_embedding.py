"""Placing stream-connected elements on compute tiles that share memory.

The placer (physical_mapping.Placer.place) takes the tiles greedily, column by
column: a chain fits, but a ring of more elements than two columns hold (a
Cannon ring of 16 cores) ends far from where it began, and the link closing it
then needs a DMA channel at each end besides the arrays the elements move.
A 4x4 grid of tiles where neighbours share memory (devices.NpuDevice.
shares_memory: vertical neighbours and, on AIE-ML, horizontal ones) has a
Hamiltonian cycle, so a ring of 16 fits with every link between neighbours.

`embed` searches for a placement where every stream link joins two tiles
sharing memory: depth-first over the elements in an order where each has a
placed partner when one exists (the stream order), each trying the free tiles
that share memory with all of its placed partners. A budget of visited states
bounds the search; a graph it cannot embed (a 4x4 torus: 32 links, the grid
has 24 neighbour pairs) is left to the greedy placement.

A closed ring of odd length has no such placement at all: the grid is
bipartite (colour a tile by (column + row) % 2, neighbours differ), so one
link of every odd cycle joins tiles that do not share memory and costs a DMA
channel at each end. When that is one channel too many (a halo stencil whose
nodes read and write their rows besides), `relay_odd_links` puts a relay on
a spare core in the middle of each such link: a task that gets each element
and puts it on, so the cycle is one longer (even) and every link can join
neighbours. A relay only adds buffering between the ends (the elements and
their order are unchanged), so it cannot deadlock a design that runs.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence

from xdsl.dialects import arith, scf
from xdsl.dialects.builtin import (
    ArrayAttr,
    IndexType,
    IntegerAttr,
    StringAttr,
    SymbolRefAttr,
    UnitAttr,
)
from xdsl.ir import Block

from dato_xdsl.dialects import dato
from dato_xdsl.transforms.npu_forwarding import fresh_name
from dato_xdsl.transforms.stream_access import StreamUses, stream_uses

Tile = tuple[int, int]

EMBED_BUDGET = 20000
"""States the search visits at most (a ring of 16 on 4x4 needs a few hundred)."""


def embed(
    order: Sequence[int],
    links: dict[int, set[int]],
    fixed: dict[int, Tile],
    free: Sequence[Tile],
    shares: Callable[[Tile, Tile], bool],
    budget: int = EMBED_BUDGET,
) -> dict[int, Tile] | None:
    """Tiles for the elements of `order` (from `free`, each once) so that
    every link (`links`: element -> its stream partners, both ways) joins two
    tiles that share memory, with the elements in `fixed` where they are;
    None when there is none within the budget. Elements are tried in `order`;
    tiles in the order of `free` (the greedy placement's preference)."""
    where: dict[int, Tile] = dict(fixed)
    taken: set[Tile] = set(fixed.values())
    # every link to a fixed element must be possible at all
    neighbours = {t: [u for u in free if shares(t, u)] for t in free}
    for t in fixed.values():
        neighbours.setdefault(t, [u for u in free if shares(t, u)])
    visits = 0

    def fits(pe: int, tile: Tile) -> bool:
        for q in links.get(pe, ()):
            other = where.get(q)
            if other is not None and not shares(tile, other):
                return False
        return True

    def room(pe: int) -> bool:
        """Each placed partner of `pe` keeps enough free neighbours for its
        partners still unplaced (the search's prune)."""
        for q in (pe, *links.get(pe, ())):
            tile = where.get(q)
            if tile is None:
                continue
            waiting = sum(1 for r in links.get(q, ()) if r not in where)
            spare = sum(1 for u in neighbours[tile] if u not in taken)
            if waiting > spare:
                return False
        return True

    def place(k: int) -> bool:
        nonlocal visits
        if k == len(order):
            return True
        visits += 1
        if visits > budget:
            return False
        pe = order[k]
        for tile in free:
            if tile in taken or not fits(pe, tile):
                continue
            where[pe] = tile
            taken.add(tile)
            if room(pe) and place(k + 1):
                return True
            del where[pe]
            taken.discard(tile)
            if visits > budget:
                return False
        return False

    if not place(0):
        return None
    return {pe: where[pe] for pe in order}


RELAY = "dato.relay"
"""on a relay group: the stream whose elements it passes on"""


def odd_links(uses: dict[str, StreamUses], order: Sequence[str]) -> list[str]:
    """The streams to relay so the stream graph is bipartite: colour the
    instances two ways, breadth first from each uncoloured instance of
    `order` (neighbours by name), and take each stream whose two ends got
    the same colour (in a ring of odd length, the streams between the two
    instances farthest from the first)."""
    links: dict[str, set[str]] = {n: set() for n in order}
    for use in uses.values():
        p, c = use.producer, use.consumer
        if p is not None and c is not None and p != c:
            links.setdefault(p, set()).add(c)
            links.setdefault(c, set()).add(p)
    colour: dict[str, int] = {}
    for start in order:
        if start in colour:
            continue
        colour[start] = 0
        todo = deque([start])
        while todo:
            n = todo.popleft()
            for m in sorted(links[n]):
                if m not in colour:
                    colour[m] = 1 - colour[n]
                    todo.append(m)
    return [
        name
        for name, use in sorted(uses.items())
        if use.producer is not None
        and use.consumer is not None
        and use.producer != use.consumer
        and colour[use.producer] == colour[use.consumer]
    ]


def relay_odd_links(region: dato.RegionOp, spare: int) -> list[str]:
    """A relay task (one instance, on a core of its own) on each stream
    odd_links names, when there are at most `spare` of them and each can be
    relayed: its element count is static, and its consumer gets it through a
    port of its instance (rebound to the relay's new stream) or names it in
    the body of a group of one instance; and no instance is folded with
    another (the user's chains and bundles). Returns the relays added (none,
    and the region unchanged, otherwise)."""
    if any(isinstance(op, dato.ChainOp | dato.BundleOp) for op in region.body.block.ops):
        # members run in turn on one core: a stream between two of them
        # holds every element locally, and a relay between them would not
        return []
    uses = stream_uses(region)
    groups = region.groups()
    owner = {i.name: g for g in groups for i in g.instances()}
    names = [i.name for g in groups for i in g.instances()]
    odd = odd_links(uses, names)
    if not odd or len(odd) > spare:
        return []
    for name in odd:
        use = uses[name]
        consumer = use.consumer
        assert consumer is not None
        if use.total() is None or len({u.instance for u in use.gets}) != 1:
            return []
        group = owner[consumer]
        inst = next(i for i in group.instances() if i.name == consumer)
        if name not in inst.bindings and group.num_instances() != 1:
            return []
    taken = {s.sym_name.data for s in region.streams()} | {g.sym_name.data for g in groups}
    added: list[str] = []
    for name in odd:
        use = uses[name]
        consumer = use.consumer
        assert consumer is not None
        total = use.total()
        assert total is not None
        out = fresh_name(f"{name}_relayed", taken)
        taken.add(out)
        decl = use.decl
        new = dato.StreamOp(out, decl.stream_type)
        new.attributes[dato.COMPILER_CHOSEN] = UnitAttr()
        region.body.block.insert_op_after(new, decl)
        _rebind(owner[consumer], consumer, name, out)
        task = fresh_name(f"{name}_relay", taken)
        taken.add(task)
        relay = dato.GroupOp(
            task, task, [1], [], [], [((0,), [], [])], _relay_body(decl, out, total)
        )
        relay.attributes[RELAY] = StringAttr(name)
        relay.attributes[dato.COMPILER_CHOSEN] = UnitAttr()
        relay.location = owner[consumer].location
        region.body.block.insert_op_before(relay, owner[consumer])
        added.append(task)
    return added


def _rebind(group: dato.GroupOp, consumer: str, old: str, new: str) -> None:
    """`consumer` gets `new` where it got `old`: its port's binding, or the
    stream its body names (a group of one instance)."""
    insts = group.instances()
    nports = len(group.port_names)
    row = next(k for k, i in enumerate(insts) if i.name == consumer)
    binds = [b.data for b in group.bindings.data]
    ports = [k for k in range(nports) if binds[row * nports + k] == old]
    for k in ports:
        binds[row * nports + k] = new
    group.bindings = ArrayAttr([StringAttr(b) for b in binds])
    if ports:
        return
    for op in group.body.walk():
        if isinstance(op, dato.GetOp) and op.stream.root_reference.data == old:
            op.stream = SymbolRefAttr(new)


def _relay_body(decl: dato.StreamOp, out: str, total: int) -> Block:
    """`total` times: get an element of `decl`, put it on `out`."""
    elem = decl.stream_type.element_type
    body = Block()
    lb = arith.ConstantOp(IntegerAttr(0, IndexType()))
    ub = arith.ConstantOp(IntegerAttr(total, IndexType()))
    step = arith.ConstantOp(IntegerAttr(1, IndexType()))
    inner = Block(arg_types=[IndexType()])
    got = dato.GetOp(decl.sym_name.data, [], elem)
    inner.add_ops([got, dato.PutOp(out, [], got.results[0]), scf.YieldOp()])
    body.add_ops([lb, ub, step, scf.ForOp(lb, ub, step, [], inner)])
    return body
