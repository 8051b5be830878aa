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
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

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
