"""Text along an arrow, shared by the NPU and HLS pictures: upright, on a white
patch, at a fraction `t` of the way from start to end."""

from __future__ import annotations

import math
from typing import Any


def label_edge(
    ax: Any, start: tuple[float, float], end: tuple[float, float], t: float, text: str
) -> None:
    (x0, y0), (x1, y1) = start, end
    angle = math.degrees(math.atan2(y1 - y0, x1 - x0))
    if angle > 90 or angle <= -90:  # keep the text upright
        angle -= 180 if angle > 0 else -180
    ax.text(
        x0 + t * (x1 - x0),
        y0 + t * (y1 - y0),
        text,
        fontsize=4.5,
        ha="center",
        va="center",
        rotation=angle,
        rotation_mode="anchor",
        zorder=4,
        parse_math=False,
        bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.85},
    )
