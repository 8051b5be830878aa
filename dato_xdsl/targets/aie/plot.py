"""The picture of an NPU design: the AIE array with its shim, memtile and
compute tiles, the program tasks on each tile, objectfifos as arrows with
their depths, links through memtiles, memory-sharing neighbours and the DMA
channels each tile uses.

`array_picture(module)` reads what to draw from the IR (a lowered
`aie.device`, or a `dato.region` placed by dato-physical-map, which has tasks
on tiles but no fifos yet); `draw(picture, path)` draws it with matplotlib
(SVG, PNG or PDF by the file's suffix). An SVG is written directly, without
matplotlib (whose import and text layout cost a large build seconds); the
other formats draw the same scene with matplotlib. In an SVG every tile, task
and fifo label is a `<text>` element and every tile, task, fifo and neighbour
pair a `<g>` with an id, so the file can be searched and tested."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from xml.sax.saxutils import escape as _escape

from xdsl.context import Context
from xdsl.dialects.builtin import DenseArrayBase, IntegerAttr, ModuleOp, StringAttr
from xdsl.utils.target import Target

from dato_xdsl import devices
from dato_xdsl.diagnostics import LocatedDiagnostic
from dato_xdsl.dialects import aie, dato
from dato_xdsl.targets.aie.report import TileUse, tile_usage
from dato_xdsl.targets.plot_labels import EDGE_LABEL_SIZE, edge_label_place

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


@dataclass(frozen=True)
class _Box:
    x: float
    y: float
    w: float
    h: float
    fill: str
    edge: str
    width: float
    """edge line width, points"""
    gid: str


@dataclass(frozen=True)
class _Bar:
    """A thick grey bar between two tile centres (memory-sharing neighbours)."""

    start: tuple[float, float]
    end: tuple[float, float]
    gid: str


@dataclass(frozen=True)
class _Arrow:
    start: tuple[float, float]
    end: tuple[float, float]
    color: str
    dashed: bool
    gid: str


@dataclass(frozen=True)
class _Text:
    x: float
    y: float
    text: str
    size: float
    """points"""
    va: str = "top"
    """top, center or bottom"""
    ha: str = "left"
    """left or center"""
    color: str = "black"
    bold: bool = False
    angle: float = 0.0
    """degrees, counter-clockwise"""
    patch: bool = False
    """on a white patch (an arrow's label)"""
    gid: str | None = None


@dataclass
class _Scene:
    """What `draw` puts on the page, in data units (y up), whatever the format."""

    xlim: tuple[float, float]
    ylim: tuple[float, float]
    figsize: tuple[float, float]
    """inches, for the matplotlib formats"""
    title: str
    bars: list[_Bar] = field(default_factory=list)
    boxes: list[_Box] = field(default_factory=list)
    arrows: list[_Arrow] = field(default_factory=list)
    texts: list[_Text] = field(default_factory=list)


def _scene(picture: ArrayPicture) -> _Scene:
    device = picture.device
    what = "placement and objectfifos" if picture.lowered else "placement"
    scene = _Scene(
        (-0.4, device.columns * _PX),
        (-0.9, device.rows * _PY),
        (2.3 * device.columns + 1, 2.1 * device.rows + 1),
        f"{device.name}: {what}",
    )
    for a, b in picture.neighbours:
        scene.bars.append(
            _Bar(_centre(a), _centre(b), f"shared-memory-{a[0]}-{a[1]}-{b[0]}-{b[1]}")
        )
    for key, tile in sorted(picture.tiles.items()):
        x, y = key[0] * _PX, key[1] * _PY
        busy = bool(tile.tasks) or (tile.use is not None and bool(tile.use.s2mm or tile.use.mm2s))
        scene.boxes.append(
            _Box(
                x,
                y,
                _W,
                _H,
                _FILL[tile.kind] if busy else "#f4f4f4",
                "#444444" if busy else "#c8c8c8",
                1.2 if busy else 0.6,
                f"tile-{key[0]}-{key[1]}",
            )
        )
        name = f"tile ({key[0]}, {key[1]}) {tile.kind.value}"
        scene.texts.append(_Text(x + 0.08, y + _H - 0.08, name, 6.5, bold=True))
        for k, line in enumerate(_tile_lines(tile, device)):
            # a task's text is named after its tile, so a reader can find it
            is_task = k < len(tile.tasks) and line == tile.tasks[k]
            gid = f"task-{key[0]}-{key[1]}-{line}" if is_task else None
            scene.texts.append(_Text(x + 0.08, y + _H - 0.38 - 0.24 * k, line, 6, gid=gid))
        for k, line in enumerate(picture.links.get(key, [])):
            scene.texts.append(
                _Text(x + 0.08, y + 0.08 + 0.2 * k, f"link {line}", 4.5, "bottom", color="#225522")
            )
    for fifo, start, end in _fifo_ends(picture.fifos):
        color = "#7a3e9d" if fifo.shared_memory else "#1f4e9c"
        scene.arrows.append(_Arrow(start, end, color, fifo.shared_memory, f"fifo-{fifo.name}"))
        note = " shared mem" if fifo.shared_memory else ""
        # a fifo crossing rows is labelled in the gap before its consumer
        gap = (_PY - _H) / 2
        rise = abs(end[1] - start[1])
        x, y, angle = edge_label_place(start, end, 0.5 if rise <= 2 * gap else 1 - gap / rise)
        text = f"@{fifo.name} x{fifo.depth}{note}"
        scene.texts.append(
            _Text(x, y, text, EDGE_LABEL_SIZE, "center", "center", angle=angle, patch=True)
        )
    legend = (
        "arrows: objectfifos (@name x depth); dashed: shared memory, no DMA; "
        "grey bars: memory-sharing neighbours; DMA: channels used/available"
    )
    scene.texts.append(_Text(0, -0.5, legend, 6, "bottom", color="#555555"))
    return scene


def draw(picture: ArrayPicture, path: str | os.PathLike[str]) -> Path:
    """Draw `picture` into `path` (format from its suffix; .svg keeps text as text)."""
    out = Path(path)
    scene = _scene(picture)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".svg":
        # written directly: matplotlib's import and text layout took most of
        # a large build's picture time, and an SVG needs neither
        out.write_text(_svg(scene), encoding="utf-8")
    else:
        _draw_matplotlib(scene, out)
    return out


# SVG user units (points) per data unit: the scale matplotlib gave the npu1
# array on its figure, so font sizes keep their proportion to the tiles
_SCALE = 40.0
_MARGIN = 6.0  # points around the drawing
_TITLE_ROOM = 22.0  # points above the array for the title
_VA = {"top": "hanging", "center": "central", "bottom": "auto"}
_HA = {"left": "start", "center": "middle"}


def escape(text: str) -> str:
    """`text` safe inside an SVG element or a double-quoted attribute."""
    return _escape(text, {'"': "&quot;"})


def _num(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".")


def _svg(scene: _Scene) -> str:
    """The scene as SVG text: every tile, task and fifo label a `<text>`, every
    tile, task, fifo and neighbour pair a `<g>` with its id."""
    (x0, x1), (y0, y1) = scene.xlim, scene.ylim
    left, top = x0 * _SCALE - _MARGIN, -(y1 * _SCALE) - _MARGIN - _TITLE_ROOM
    width = (x1 - x0) * _SCALE + 2 * _MARGIN
    height = (y1 - y0) * _SCALE + 2 * _MARGIN + _TITLE_ROOM

    def at(x: float, y: float) -> str:
        return f'x="{_num(x * _SCALE)}" y="{_num(-y * _SCALE)}"'

    def xy(p: tuple[float, float]) -> tuple[float, float]:
        return p[0] * _SCALE, -p[1] * _SCALE

    out = [
        '<?xml version="1.0" encoding="utf-8" standalone="no"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_num(width)}pt" '
        f'height="{_num(height)}pt" viewBox="{_num(left)} {_num(top)} {_num(width)} '
        f'{_num(height)}" font-family="DejaVu Sans, Arial, sans-serif">',
        f'<rect x="{_num(left)}" y="{_num(top)}" width="{_num(width)}" '
        f'height="{_num(height)}" fill="white"/>',
        f'<text x="{_num((x0 + x1) / 2 * _SCALE)}" y="{_num(-y1 * _SCALE - 8)}" '
        f'font-size="11" text-anchor="middle">{escape(scene.title)}</text>',
    ]
    for bar in scene.bars:
        (ax, ay), (bx, by) = xy(bar.start), xy(bar.end)
        out.append(
            f'<g id="{escape(bar.gid)}"><line x1="{_num(ax)}" y1="{_num(ay)}" '
            f'x2="{_num(bx)}" y2="{_num(by)}" stroke="#b8b8b8" stroke-width="14"/></g>'
        )
    for box in scene.boxes:
        out.append(
            f'<g id="{escape(box.gid)}"><rect {at(box.x, box.y + box.h)} '
            f'width="{_num(box.w * _SCALE)}" height="{_num(box.h * _SCALE)}" '
            f'fill="{box.fill}" stroke="{box.edge}" stroke-width="{box.width}"/></g>'
        )
    for arrow in scene.arrows:
        out.append(_svg_arrow(arrow, xy(arrow.start), xy(arrow.end)))
    for text in scene.texts:
        style = [
            f'font-size="{text.size}"',
            f'dominant-baseline="{_VA[text.va]}"',
            f'text-anchor="{_HA[text.ha]}"',
        ]
        if text.color != "black":
            style.append(f'fill="{text.color}"')
        if text.bold:
            style.append('font-weight="bold"')
        if text.angle:
            x, y = xy((text.x, text.y))
            style.append(f'transform="rotate({_num(-text.angle)} {_num(x)} {_num(y)})"')
        if text.patch:
            # a white halo under the glyphs: the patch matplotlib drew as a box
            style.append(
                'stroke="white" stroke-width="1.6" stroke-opacity="0.85" '
                'stroke-linejoin="round" paint-order="stroke"'
            )
        body = f"<text {at(text.x, text.y)} {' '.join(style)}>{escape(text.text)}</text>"
        out.append(f'<g id="{escape(text.gid)}">{body}</g>' if text.gid else body)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _svg_arrow(arrow: _Arrow, start: tuple[float, float], end: tuple[float, float]) -> str:
    """A line ending in a filled triangular head at `end` (points)."""
    (sx, sy), (ex, ey) = start, end
    length = math.hypot(ex - sx, ey - sy) or 1.0
    ux, uy = (ex - sx) / length, (ey - sy) / length
    head, half = 5.0, 1.8  # head length and half width, points
    bx, by = ex - head * ux, ey - head * uy
    corners = [(ex, ey), (bx - half * uy, by + half * ux), (bx + half * uy, by - half * ux)]
    points = " ".join(f"{_num(x)},{_num(y)}" for x, y in corners)
    dash = ' stroke-dasharray="3,1.5"' if arrow.dashed else ""
    return (
        f'<g id="{escape(arrow.gid)}"><line x1="{_num(sx)}" y1="{_num(sy)}" x2="{_num(bx)}" '
        f'y2="{_num(by)}" stroke="{arrow.color}" stroke-width="0.8"{dash}/>'
        f'<polygon points="{points}" fill="{arrow.color}"/></g>'
    )


def _draw_matplotlib(scene: _Scene, out: Path) -> None:
    """The scene drawn by matplotlib (PNG, PDF, or any format it knows)."""
    try:
        import matplotlib
    except ImportError:
        raise ValueError(
            f"drawing {out.suffix or 'a file without a suffix'} needs matplotlib, which is "
            "not installed; an .svg picture does not"
        ) from None
    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyArrowPatch, Rectangle

    fig = Figure(figsize=scene.figsize)
    ax = fig.add_subplot()
    ax.set_xlim(*scene.xlim)
    ax.set_ylim(*scene.ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(scene.title, fontsize=11)
    for bar in scene.bars:
        (xa, ya), (xb, yb) = bar.start, bar.end
        ax.plot([xa, xb], [ya, yb], color="#b8b8b8", linewidth=14, zorder=0)
        ax.lines[-1].set_solid_capstyle("butt")
    for box in scene.boxes:
        ax.add_patch(
            Rectangle(
                (box.x, box.y),
                box.w,
                box.h,
                facecolor=box.fill,
                edgecolor=box.edge,
                linewidth=box.width,
                zorder=1,
            )
        )
    for arrow in scene.arrows:
        ax.add_patch(
            FancyArrowPatch(
                arrow.start,
                arrow.end,
                arrowstyle="-|>",
                mutation_scale=7,
                color=arrow.color,
                linestyle="--" if arrow.dashed else "-",
                linewidth=0.8,
                shrinkA=0,
                shrinkB=0,
                zorder=2,
            )
        )
    for text in scene.texts:
        patch = {"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.85}
        ax.text(
            text.x,
            text.y,
            text.text,
            fontsize=text.size,
            ha=text.ha,
            va=text.va,
            color=text.color,
            weight="bold" if text.bold else "normal",
            rotation=text.angle,
            rotation_mode="anchor",
            zorder=4 if text.patch else 3,
            parse_math=False,
            bbox=patch if text.patch else None,
        )
    fig.savefig(out, bbox_inches="tight", metadata=_metadata(out))


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
