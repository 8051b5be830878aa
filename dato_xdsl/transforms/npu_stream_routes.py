"""Streams routed through a memtile: joins and distributes.

A compute tile has 2 S2MM and 2 MM2S DMA channels. When a processing element
gets more DMA streams than that, several of them can arrive as one: their
producers send to a memtile, which joins one object of each into a combined
object (an `objectfifo.link` join) that reaches the tile on a single channel.
Likewise several puts leave as one combined object that the memtile
distributes. The element acquires the combined object at the first stream of
the group and releases it after the last, so this is only correct when it
accesses the group's streams in a fixed round robin:

- the accesses are consecutive stream accesses of one kind (all gets or all
  puts) among the direct operations of one block (other, non-stream operations
  may lie between them), so each pass through the block moves exactly one
  object of every stream, in order, and nothing else talks to another task
  while the combined object is held (which could deadlock);
- each stream is accessed at no other place of the body;
- the objects have one type, are whole 32-bit DMA words, and are not packed.

Physical mapping chooses the groups (only where a tile's channels overflow)
and records them on the region's `dato.stream` declarations:
`dato.route = "<id>"`, `dato.route_kind = "join" | "distribute"`,
`dato.route_part = k`, `dato.memtile = column`. Transfer planning charges the
memtile's channels and memory; the aie lowering emits the fifos and links."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.dialects.builtin import DenseArrayBase, IntegerAttr, MemRefType, StringAttr, i64
from xdsl.ir import Attribute, Block

from dato_xdsl.dialects import dato
from dato_xdsl.dialects.aie import memref_bytes
from dato_xdsl.transforms.npu_padding import padded_type, stream_rows

Access = dato.PutOp | dato.GetOp


def access_runs(group: dato.GroupOp) -> list[list[Access]]:
    """Maximal runs (length >= 2) of consecutive same-kind stream accesses in
    one block of the body, each of whose port or stream symbol is accessed
    nowhere else in the body."""
    sites: dict[str, int] = {}
    for op in group.body.walk():
        if isinstance(op, dato.PutOp | dato.GetOp):
            name = op.stream.root_reference.data
            sites[name] = sites.get(name, 0) + 1
    runs: list[list[Access]] = []

    def has_access(op: object) -> bool:
        return any(isinstance(o, dato.PutOp | dato.GetOp) for o in op.walk())  # type: ignore[attr-defined]

    def scan(block: Block) -> None:
        run: list[Access] = []

        def close() -> None:
            if len(run) >= 2:
                runs.append(list(run))
            run.clear()

        for op in block.ops:
            if isinstance(op, dato.PutOp | dato.GetOp):
                if (run and type(run[0]) is not type(op)) or sites[
                    op.stream.root_reference.data
                ] != 1:
                    close()
                if sites[op.stream.root_reference.data] == 1:
                    run.append(op)
            elif op.regions:
                if has_access(op):
                    close()
                for region in op.regions:
                    for inner in region.blocks:
                        scan(inner)
        close()

    scan(group.body.block)
    return runs


def object_type(decl: dato.StreamOp) -> MemRefType:
    """The object one DMA transfer of the stream carries."""
    st = decl.stream_type
    elem = st.element_type
    if isinstance(elem, MemRefType):
        # narrow rows travel padded to whole words (npu_padding.stream_rows)
        return padded_type(MemRefType(elem.element_type, elem.get_shape()), stream_rows(decl, 32))
    return MemRefType(elem, [st.packing.data])


def routable(decl: dato.StreamOp, word_bytes: int = 4) -> bool:
    return decl.stream_type.packing.data == 1 and memref_bytes(object_type(decl)) % word_bytes == 0


@dataclass
class StreamRoute:
    """A group of streams one compute tile reaches through a memtile: `kind`
    "join" (the tile gets them) or "distribute" (the tile puts them)."""

    ident: str
    kind: str
    streams: list[str]
    column: int
    depth: int
    part: MemRefType

    @property
    def combined(self) -> MemRefType:
        """The object on the compute tile's side: one part per stream."""
        return MemRefType(self.part.element_type, [len(self.streams), *self.part.get_shape()])

    def memtile_bytes(self) -> int:
        return self.depth * len(self.streams) * memref_bytes(self.part)


def record_route(region: dato.RegionOp, route: StreamRoute) -> None:
    decls = {d.sym_name.data: d for d in region.streams()}
    for k, name in enumerate(route.streams):
        attrs: dict[str, Attribute] = {
            "dato.route": StringAttr(route.ident),
            "dato.route_kind": StringAttr(route.kind),
            "dato.route_part": IntegerAttr(k, i64),
            "dato.memtile": IntegerAttr(route.column, i64),
        }
        decls[name].attributes.update(attrs)


ROUTE_ATTRS = ("dato.route", "dato.route_kind", "dato.route_part", "dato.memtile")


def clear_routes(region: dato.RegionOp) -> None:
    """Forget the recorded routes (a placement redone after its streams
    changed chooses them again; a stale route could name a merged stream)
    and the joined reads."""
    for decl in region.streams():
        for key in ROUTE_ATTRS:
            decl.attributes.pop(key, None)
    for group in region.groups():
        group.attributes.pop(JOINED_READS, None)


JOINED_READS = "dato.joined_reads"
"""On a group: two of its arguments (body indices, in order) each instance
reads whole through ONE fifo, the first's block then the second's (same
element type and block shape): a core short of input DMA channels spends one
on both (physical mapping's choice; npu_transfers sends them in turn)."""


def record_joined_reads(group: dato.GroupOp, first: int, second: int) -> None:
    group.attributes[JOINED_READS] = DenseArrayBase.from_list(i64, [first, second])


def joined_reads(group: dato.GroupOp) -> tuple[int, int] | None:
    """The (first, second) arguments a group's instances read joined, or None."""
    attr = group.attributes.get(JOINED_READS)
    if not isinstance(attr, DenseArrayBase):
        return None
    first, second = (int(v) for v in attr.get_values())
    return first, second


def read_routes(region: dato.RegionOp) -> list[StreamRoute]:
    """The routes recorded on a placed region, parts in order."""
    found: dict[str, list[tuple[int, dato.StreamOp]]] = {}
    meta: dict[str, tuple[str, int]] = {}
    for decl in region.streams():
        ident = decl.attributes.get("dato.route")
        if not isinstance(ident, StringAttr):
            continue
        kind = decl.attributes["dato.route_kind"]
        part = decl.attributes["dato.route_part"]
        col = decl.attributes["dato.memtile"]
        assert isinstance(kind, StringAttr)
        assert isinstance(part, IntegerAttr) and isinstance(col, IntegerAttr)
        found.setdefault(ident.data, []).append((part.value.data, decl))
        meta[ident.data] = (kind.data, col.value.data)
    routes = []
    for ident, parts in found.items():
        parts.sort(key=lambda p: p[0])
        decls = [d for _, d in parts]
        kind, col = meta[ident]
        routes.append(
            StreamRoute(
                ident,
                kind,
                [d.sym_name.data for d in decls],
                col,
                max(d.stream_type.depth.data for d in decls),
                object_type(decls[0]),
            )
        )
    return routes
