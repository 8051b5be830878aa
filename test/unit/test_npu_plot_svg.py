"""The NPU picture's SVG is written without matplotlib (its import and text
layout took seconds of a large build) and still shows what the matplotlib
picture showed: each task's text inside its own tile's box, each fifo's arrow
from its producer tile's edge to its consumer's, labelled with its depth."""

import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import dato_xdsl as dato
from test.unit.programs import dato_programs as progs

SVG = "{http://www.w3.org/2000/svg}"


def build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # matplotlib made unimportable: the build's picture must not need it
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    dato.build(progs.producer_consumer(dato.int32, 64), target="aie", project=tmp_path)
    return tmp_path / "placement.svg"


def box(group: ET.Element) -> tuple[float, float, float, float]:
    rect = group.find(SVG + "rect")
    assert rect is not None
    x, y = float(rect.attrib["x"]), float(rect.attrib["y"])
    return x, y, x + float(rect.attrib["width"]), y + float(rect.attrib["height"])


def test_tasks_sit_in_their_tiles_and_fifos_join_their_tiles(tmp_path, monkeypatch):
    svg = build(tmp_path, monkeypatch)
    design = (tmp_path / "aie.mlir").read_text()
    root = ET.parse(svg).getroot()
    groups = {g.attrib["id"]: g for g in root.iter(SVG + "g") if "id" in g.attrib}
    tiles = {k: box(g) for k, g in groups.items() if k.startswith("tile-")}
    assert len(tiles) == 4 * 6  # npu1: 4 columns of a shim, a memtile, 4 cores
    for key, g in groups.items():
        found = re.fullmatch(r"task-(\d+)-(\d+)-(\w+)", key)
        if not found:
            continue
        x0, y0, x1, y1 = tiles[f"tile-{found[1]}-{found[2]}"]
        text = g.find(SVG + "text")
        assert text is not None and text.text == found[3]
        assert x0 < float(text.attrib["x"]) < x1 and y0 < float(text.attrib["y"]) < y1
    tile_of = dict(re.findall(r"(%\w+) = aie\.tile\((\d+, \d+)\)", design))
    fifos = re.findall(r"aie\.objectfifo @(\w+)\((%\w+), \{(%\w+)\}, (\d+) : i32\)", design)
    assert len(fifos) == 3
    labels = ["".join(t.itertext()) for t in root.iter(SVG + "text")]
    for name, src, dst, depth in fifos:
        assert any(x.startswith(f"@{name} x{depth}") for x in labels)
        line = groups[f"fifo-{name}"].find(SVG + "line")
        assert line is not None
        start = float(line.attrib["x1"]), float(line.attrib["y1"])
        for end, tile in ((start, src), (None, dst)):
            if end is None:  # the head's tip is the polygon's first point
                poly = groups[f"fifo-{name}"].find(SVG + "polygon")
                assert poly is not None
                end = tuple(float(v) for v in poly.attrib["points"].split()[0].split(","))
            col, row = tile_of[tile].split(", ")
            x0, y0, x1, y1 = tiles[f"tile-{col}-{row}"]
            on_x = x0 - 0.01 <= end[0] <= x1 + 0.01 and end[1] in (y0, y1)
            on_y = y0 - 0.01 <= end[1] <= y1 + 0.01 and end[0] in (x0, x1)
            assert on_x or on_y  # on the tile's edge


def test_a_png_without_matplotlib_is_refused_in_words(tmp_path, monkeypatch):
    mod = dato.build(progs.producer_consumer(dato.int32, 16), target="aie")
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(dato.DatoError, match=r"drawing \.png needs matplotlib"):
        mod.plot(tmp_path / "p.png")
    assert mod.plot(tmp_path / "p.svg").read_text().startswith("<?xml")
