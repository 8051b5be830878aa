"""The NPU resource report counts each core's stack in its tile's data memory,
as physical mapping does: a compute tile of npu1 has 65,536 bytes and aiecc
gives a core 1,024 bytes of stack unless `stack_size` says otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from dato_xdsl.targets.aie.report import report
from dato_xdsl.targets.virtual_npu.cli import load_design

DATA_MEMORY = 65536  # npu1 compute tile (AM020)
DEFAULT_STACK = 1024  # aiecc's default stack_size (0x400)


def _design(tmp_path: Path, buffer_words: int, stack: str) -> str:
    text = f"""
module {{
  aie.device(npu1) {{
    %t = aie.tile(0, 2)
    %b = aie.buffer(%t) {{sym_name = "b"}} : memref<{buffer_words}xi32>
    %c = aie.core(%t) {{
      aie.end
    }}{stack}
  }}
}}
"""
    path = tmp_path / "design.mlir"
    path.write_text(text)
    return report(load_design(path))


def _tile_line(text: str) -> str:
    return next(line for line in text.splitlines() if line.startswith("(0, 2)"))


@pytest.mark.parametrize(
    ("stack_attr", "stack"), [("", DEFAULT_STACK), (" {stack_size = 2048 : i32}", 2048)]
)
def test_stack_fills_the_tile_to_its_limit(tmp_path: Path, stack_attr: str, stack: int) -> None:
    words = (DATA_MEMORY - stack) // 4
    line = _tile_line(_design(tmp_path, words, stack_attr))
    assert f"{DATA_MEMORY}/{DATA_MEMORY}" in line
    assert "OVER LIMIT" not in line


@pytest.mark.parametrize(
    ("stack_attr", "stack"), [("", DEFAULT_STACK), (" {stack_size = 2048 : i32}", 2048)]
)
def test_one_word_past_the_stack_is_over_limit(tmp_path: Path, stack_attr: str, stack: int) -> None:
    words = (DATA_MEMORY - stack) // 4 + 1
    line = _tile_line(_design(tmp_path, words, stack_attr))
    assert f"{DATA_MEMORY + 4}/{DATA_MEMORY}" in line
    assert "OVER LIMIT" in line
