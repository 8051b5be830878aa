"""The picture of an NPU design: the AIE array with its shim, memtile and
compute tiles, the program tasks on each tile, objectfifos as arrows with
their depths, links through memtiles, memory-sharing neighbours and the DMA
channels each tile uses.

`array_picture(module)` reads what to draw from the IR (a lowered
`aie.device`, or a `dato.region` placed by dato-physical-map, which has tasks
on tiles but no fifos yet); `draw(picture, path)` draws it with matplotlib
(SVG, PNG or PDF by the file's suffix). In an SVG every tile, task and fifo
label is a `<text>` element, so the file can be searched and tested."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from xdsl.context import Context
from xdsl.dialects.builtin import DenseArrayBase, IntegerAttr, ModuleOp, StringAttr
from xdsl.utils.target import Target

from dato_xdsl import devices
from dato_xdsl.diagnostics import LocatedDiagnostic
from dato_xdsl.dialects import aie, dato
from dato_xdsl.targets.aie.report import TileUse, tile_usage
from dato_xdsl.targets.plot_labels import label_edge

PICTURE_NAME = "placement.svg"
"""What `dato.build(..., target="aie", project=dir)` writes into `dir`."""


@dataclass
class Tile:
    col: int
    row: int
    kind: devices.TileKind
    tasks: list[str] = field(default_factory=list)
    use: TileUse | None = None
    """buffers and DMA channels (a lowered design only)"""


@dataclass(frozen=True)
class Fifo:
    name: str
    src: tuple[int, int]
    dst: tuple[int, int]
    depth: int
    shared_memory: bool
    """consumer and producer are memory-sharing neighbours: no DMA"""


@dataclass
class ArrayPicture:
    device: devices.NpuDevice
    tiles: dict[tuple[int, int], Tile]
    fifos: list[Fifo] = field(default_factory=list)
    links: dict[tuple[int, int], list[str]] = field(default_factory=dict)
    """per memtile, `@in -> @out0, @out1` for each objectfifo.link it holds"""
    lowered: bool = False

    @property
    def neighbours(self) -> list[tuple[tuple[int, int], tuple[int, int]]]:
        """Pairs of occupied compute tiles that share a memory module."""
        busy = sorted(k for k, t in self.tiles.items() if t.tasks)
        return [
            (a, b)
            for i, a in enumerate(busy)
            for b in busy[i + 1 :]
            if self.device.shares_memory(a, b)
        ]


def _empty_array(device: devices.NpuDevice) -> dict[tuple[int, int], Tile]:
    return {
        (c, r): Tile(c, r, device.tile_kind(c, r))
        for c in range(device.columns)
        for r in range(device.rows)
    }


def _depth(op: aie.ObjectFifoCreateOp) -> int:
    d = op.elemNumber
    if isinstance(d, IntegerAttr):
        return d.value.data
    return max(v.value.data for v in d.data)  # type: ignore[attr-defined]


def _from_device(device_op: aie.DeviceOp) -> ArrayPicture:
    device = devices.by_code(device_op.device.value.data)
    if device is None:
        raise LocatedDiagnostic(f"error: unknown aie.device {device_op.device.value.data}")
    picture = ArrayPicture(device, _empty_array(device), lowered=True)
    where: dict[object, tuple[int, int]] = {}
    for op in device_op.body.block.ops:
        if isinstance(op, aie.TileOp):
            where[op.result] = (op.col.value.data, op.row.value.data)
    for key, use in tile_usage(device_op).items():
        if key in picture.tiles:
            picture.tiles[key].use = use
            picture.tiles[key].tasks = list(use.tasks)
    for op in device_op.body.block.ops:
        if isinstance(op, aie.CoreOp) and not picture.tiles[where[op.tile]].tasks:
            picture.tiles[where[op.tile]].tasks.append("(core)")  # a design without names
        elif isinstance(op, aie.ObjectFifoCreateOp):
            src = where[op.producerTile]
            dsts = [where[c] for c in op.consumerTiles]
            shared = len(dsts) == 1 and op.via_DMA is None and device.shares_memory(src, dsts[0])
            for dst in dsts:
                picture.fifos.append(Fifo(op.sym_name.data, src, dst, _depth(op), shared))
        elif isinstance(op, aie.ObjectFifoLinkOp):
            ins = [a.root_reference.data for a in op.fifoIns.data]  # type: ignore[attr-defined]
            outs = [a.root_reference.data for a in op.fifoOuts.data]  # type: ignore[attr-defined]
            holder = next(
                (f.dst for f in picture.fifos if f.name in ins),
                next((f.src for f in picture.fifos if f.name in outs), None),
            )
            if holder is not None:
                text = f"{_fifo_list(ins)} -> {_fifo_list(outs)}"
                picture.links.setdefault(holder, []).append(text)
    return picture


def _fifo_list(names: list[str]) -> str:
    """`@a, @b`, or `@a_0 .. @a_3 (4)` when a link splits or joins many."""
    if len(names) <= 2:
        return ", ".join("@" + n for n in names)
    return f"@{names[0]} .. @{names[-1]} ({len(names)})"


def _from_placed_region(region: dato.RegionOp) -> ArrayPicture | None:
    name = region.attributes.get("dato.device")
    device = devices.lookup(name.data) if isinstance(name, StringAttr) else None
    if device is None:
        return None
    picture = ArrayPicture(device, _empty_array(device))
    for group in region.groups():
        attr = group.attributes.get("dato.tiles")
        if not isinstance(attr, DenseArrayBase):
            continue
        flat = [int(v) for v in attr.get_values()]
        for inst, k in zip(group.instances(), range(0, len(flat), 2), strict=False):
            tile = picture.tiles.get((flat[k], flat[k + 1]))
            if tile is not None:
                tile.tasks.append(inst.name)
    return picture


def array_picture(module: ModuleOp) -> ArrayPicture:
    """What the picture shows, read from a lowered or placed module."""
    for op in module.walk():
        if isinstance(op, aie.DeviceOp):
            return _from_device(op)
    for op in module.walk():
        if isinstance(op, dato.RegionOp):
            picture = _from_placed_region(op)
            if picture is not None:
                return picture
    raise LocatedDiagnostic(
        "error: nothing placed to draw; run dato-physical-map (and dato-lower-to-aie for "
        "fifos and DMA channels) first"
    )


# ------------------------------------------------------------------ drawing

_W, _H = 2.6, 1.9  # a tile's box, in data units; tiles sit on a 3.4 x 3.1 pitch
_PX, _PY = 3.4, 3.1
_FILL = {
    devices.TileKind.SHIM: "#dfe8f5",
    devices.TileKind.MEMTILE: "#e3f2e1",
    devices.TileKind.COMPUTE: "#fff3d6",
}
_MAX_TASK_LINES = 4


def _centre(key: tuple[int, int]) -> tuple[float, float]:
    return key[0] * _PX + _W / 2, key[1] * _PY + _H / 2


def _tile_lines(tile: Tile, device: devices.NpuDevice) -> list[str]:
    lines: list[str] = []
    tasks = tile.tasks
    shown = tasks if len(tasks) <= _MAX_TASK_LINES else tasks[: _MAX_TASK_LINES - 1]
    lines += shown
    if len(shown) < len(tasks):
        lines.append(f"+{len(tasks) - len(shown)} more tasks")
    u = tile.use
    if u is not None and u.folding:
        lines.append(f"[{u.folding}]")
    if u is not None and (u.s2mm or u.mm2s or u.bytes):
        facts = device.facts(tile.kind)
        lines.append(
            f"DMA S2MM {u.s2mm}/{facts.dma_s2mm_channels} MM2S {u.mm2s}/{facts.dma_mm2s_channels}"
        )
        if facts.data_memory_bytes:
            lines.append(f"{u.bytes / 1024:.1f}/{facts.data_memory_bytes // 1024} KiB")
    return lines


def draw(picture: ArrayPicture, path: str | os.PathLike[str]) -> Path:
    """Draw `picture` into `path` (format from its suffix; .svg keeps text as text)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyArrowPatch, Rectangle

    device = picture.device
    out = Path(path)
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "dato-xdsl"}):
        fig = Figure(figsize=(2.3 * device.columns + 1, 2.1 * device.rows + 1))
        ax = fig.add_subplot()
        ax.set_xlim(-0.4, device.columns * _PX)
        ax.set_ylim(-0.9, device.rows * _PY)
        ax.set_aspect("equal")
        ax.axis("off")
        what = "placement and objectfifos" if picture.lowered else "placement"
        ax.set_title(f"{device.name}: {what}", fontsize=11)
        for a, b in picture.neighbours:
            (xa, ya), (xb, yb) = _centre(a), _centre(b)
            ax.plot(
                [xa, xb],
                [ya, yb],
                color="#b8b8b8",
                linewidth=14,
                zorder=0,
                solid_capstyle="butt",
                gid=f"shared-memory-{a[0]}-{a[1]}-{b[0]}-{b[1]}",
            )
        for key, tile in sorted(picture.tiles.items()):
            x, y = key[0] * _PX, key[1] * _PY
            busy = bool(tile.tasks) or (tile.use is not None and (tile.use.s2mm or tile.use.mm2s))
            ax.add_patch(
                Rectangle(
                    (x, y),
                    _W,
                    _H,
                    facecolor=_FILL[tile.kind] if busy else "#f4f4f4",
                    edgecolor="#444444" if busy else "#c8c8c8",
                    linewidth=1.2 if busy else 0.6,
                    zorder=1,
                    gid=f"tile-{key[0]}-{key[1]}",
                )
            )
            ax.text(
                x + 0.08,
                y + _H - 0.08,
                f"tile ({key[0]}, {key[1]}) {tile.kind.value}",
                fontsize=6.5,
                va="top",
                weight="bold",
                zorder=3,
                parse_math=False,
            )
            for k, line in enumerate(_tile_lines(tile, device)):
                # a task's text is named after its tile, so a reader can find it
                is_task = k < len(tile.tasks) and line == tile.tasks[k]
                ax.text(
                    x + 0.08,
                    y + _H - 0.38 - 0.24 * k,
                    line,
                    fontsize=6,
                    va="top",
                    zorder=3,
                    parse_math=False,
                    gid=f"task-{key[0]}-{key[1]}-{line}" if is_task else None,
                )
            for k, line in enumerate(picture.links.get(key, [])):
                ax.text(
                    x + 0.08,
                    y + 0.08 + 0.2 * k,
                    f"link {line}",
                    fontsize=4.5,
                    va="bottom",
                    color="#225522",
                    zorder=3,
                    parse_math=False,
                )
        for fifo, (x0, y0), (x1, y1) in _fifo_ends(picture.fifos):
            ax.add_patch(
                FancyArrowPatch(
                    (x0, y0),
                    (x1, y1),
                    arrowstyle="-|>",
                    mutation_scale=7,
                    color="#7a3e9d" if fifo.shared_memory else "#1f4e9c",
                    linestyle="--" if fifo.shared_memory else "-",
                    linewidth=0.8,
                    shrinkA=0,
                    shrinkB=0,
                    zorder=2,
                    gid=f"fifo-{fifo.name}",
                )
            )
            note = " shared mem" if fifo.shared_memory else ""
            # a fifo crossing rows is labelled in the gap before its consumer
            gap = (_PY - _H) / 2
            t = 0.5 if abs(y1 - y0) <= 2 * gap else 1 - gap / abs(y1 - y0)
            label_edge(ax, (x0, y0), (x1, y1), t, f"@{fifo.name} x{fifo.depth}{note}")
        legend = (
            "arrows: objectfifos (@name x depth); dashed: shared memory, no DMA; "
            "grey bars: memory-sharing neighbours; DMA: channels used/available"
        )
        ax.text(0, -0.5, legend, fontsize=6, color="#555555", parse_math=False)
        out.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(out, bbox_inches="tight", metadata=_metadata(out))
    return out


def _fifo_ends(
    fifos: list[Fifo],
) -> list[tuple[Fifo, tuple[float, float], tuple[float, float]]]:
    """Straight arrows from a slot on the producer tile's facing side to a slot
    on the consumer's: the fifos leaving one side are spread along it, so
    parallel fifos (A and B to one core) get arrows of their own."""
    sides: dict[tuple[tuple[int, int], str], list[tuple[float, int, bool]]] = {}

    def side(a: tuple[int, int], b: tuple[int, int]) -> str:
        if a[1] == b[1]:
            return "east" if b[0] > a[0] else "west"
        return "north" if b[1] > a[1] else "south"

    drawn = [(k, f) for k, f in enumerate(fifos) if f.src != f.dst]
    for k, f in drawn:
        # order the slots by where the other end lies, so arrows do not cross
        sides.setdefault((f.src, side(f.src, f.dst)), []).append((_order(f.dst), k, True))
        sides.setdefault((f.dst, side(f.dst, f.src)), []).append((_order(f.src), k, False))
    point: dict[tuple[int, bool], tuple[float, float]] = {}
    for (tile, where), users in sides.items():
        users.sort()
        x, y = tile[0] * _PX, tile[1] * _PY
        for slot, (_, k, is_src) in enumerate(users):
            t = (slot + 1) / (len(users) + 1)
            point[(k, is_src)] = {
                "north": (x + _W * t, y + _H),
                "south": (x + _W * t, y),
                "east": (x + _W, y + _H * t),
                "west": (x, y + _H * t),
            }[where]
    return [(f, point[(k, True)], point[(k, False)]) for k, f in drawn]


def _order(key: tuple[int, int]) -> tuple[int, int]:
    return key[0], key[1]


def _metadata(out: Path) -> dict[str, str | None] | None:
    """No creation date in SVG/PDF, so the same design gives the same file."""
    suffix = out.suffix.lower()
    if suffix == ".svg":
        return {"Date": None}
    if suffix == ".pdf":
        return {"CreationDate": None}
    return None


def plot(module: ModuleOp, path: str | os.PathLike[str]) -> Path:
    """Draw the placement of a lowered or placed module into `path`."""
    return draw(array_picture(module), path)


@dataclass(frozen=True)
class NpuPlotTarget(Target):
    """`dato-opt -t 'npu-plot{file="placement.svg"}'`: the picture of a placed or
    lowered design (tiles, tasks, objectfifos, DMA channels)."""

    name = "npu-plot"

    file: str = PICTURE_NAME

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        written = plot(module, self.file)
        output.write(f"wrote the NPU placement picture to {written}\n")
