"""Text along an arrow, shared by the NPU and HLS pictures: upright, on a white
patch, at a fraction `t` of the way from start to end."""

from __future__ import annotations

import math
from typing import Any

EDGE_LABEL_SIZE = 4.5
"""Points: small, so labels of parallel arrows do not overlap."""


def edge_label_place(
    start: tuple[float, float], end: tuple[float, float], t: float
) -> tuple[float, float, float]:
    """(x, y, angle in degrees, counter-clockwise) of a label a fraction `t`
    along the arrow from `start` to `end`, turned to read upright."""
    (x0, y0), (x1, y1) = start, end
    angle = math.degrees(math.atan2(y1 - y0, x1 - x0))
    if angle > 90 or angle <= -90:  # keep the text upright
        angle -= 180 if angle > 0 else -180
    return x0 + t * (x1 - x0), y0 + t * (y1 - y0), angle


def label_edge(
    ax: Any, start: tuple[float, float], end: tuple[float, float], t: float, text: str
) -> None:
    x, y, angle = edge_label_place(start, end, t)
    ax.text(
        x,
        y,
        text,
        fontsize=EDGE_LABEL_SIZE,
        ha="center",
        va="center",
        rotation=angle,
        rotation_mode="anchor",
        zorder=4,
        parse_math=False,
        bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.85},
    )
