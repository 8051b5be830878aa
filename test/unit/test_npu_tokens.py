"""Task-completion tokens as the hardware counts them (mlir-aie's AIEX.td and
AIEDmaToNpu.cpp): every S2MM dma_memcpy_nd and every transfer marked
issue_token raises one token when it completes; each aiex.npu.dma_wait becomes
one npu.sync and consumes one. A wait with no token coming hangs, a BD
reprogrammed before its token was awaited may still be in use, and tokens left
at the end satisfy the next run's waits before its data lands."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl.targets.virtual_npu import run_design
from dato_xdsl.targets.virtual_npu.cli import load_design
from dato_xdsl.targets.virtual_npu.errors import TokenError
from test.unit.programs import dato_programs as progs

# The host sends `a` through a memtile and reads it back into `b` (64-element objects).
PASSTHROUGH = """
module {{
  aie.device(npu1_1col) {{
    %shim = aie.tile(0, 0)
    %mem = aie.tile(0, 1)
    aie.objectfifo @in(%shim, {{%mem}}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @out(%mem, {{%shim}}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo.link [@in] -> [@out]([] [])
    aie.runtime_sequence @sequence(%a: memref<128xi32>, %b: memref<128xi32>) {{
{body}
    }}
  }}
}}
"""


def out(offset: int, bd: int, token: str = "") -> str:
    return (
        f"      aiex.npu.dma_memcpy_nd(%b[0, 0, 0, {offset}][1, 1, 1, 64][0, 0, 0, 1]) "
        f"{{id = {bd} : i64{token}, metadata = @out}} : memref<128xi32>"
    )


def inp(offset: int, size: int, bd: int, token: str = "") -> str:
    return (
        f"      aiex.npu.dma_memcpy_nd(%a[0, 0, 0, {offset}][1, 1, 1, {size}][0, 0, 0, 1]) "
        f"{{id = {bd} : i64{token}, metadata = @in}} : memref<128xi32>"
    )


def wait(symbol: str) -> str:
    return f"      aiex.npu.dma_wait {{symbol = @{symbol}}}"


def run(tmp_path: Path, lines: list[str]) -> np.ndarray:
    path = tmp_path / "design.mlir"
    path.write_text(PASSTHROUGH.format(body="\n".join(lines)))
    a, b = np.arange(128, dtype=np.int32), np.zeros(128, np.int32)
    run_design(load_design(path), [a, b], timeout=30)
    return b


def test_one_wait_per_s2mm_transfer_runs(tmp_path):
    # S2MM transfers raise a token without issue_token (mlir-aie forces it)
    b = run(tmp_path, [out(0, 0), out(64, 1), inp(0, 128, 2), wait("out"), wait("out")])
    np.testing.assert_array_equal(b, np.arange(128))


def test_one_wait_for_two_tokens_leaves_one_over(tmp_path):
    """What our bundled GEMM used to emit: several token-raising transfers per
    channel, then one wait per fifo."""
    lines = [out(0, 0, ", issue_token = true"), out(64, 1, ", issue_token = true")]
    with pytest.raises(TokenError, match=r"S2MM 0 \(@out\): 1"):
        run(tmp_path, [*lines, inp(0, 128, 2), wait("out")])


def test_a_wait_with_no_token_coming_would_hang(tmp_path):
    # an MM2S transfer without issue_token raises nothing for dma_wait @in to consume
    with pytest.raises(TokenError, match="dma_wait @in waits for a task-completion token"):
        run(tmp_path, [out(0, 0), out(64, 1), inp(0, 128, 2), wait("in")])


def test_a_third_wait_for_two_tokens_would_hang(tmp_path):
    lines = [out(0, 0), out(64, 1), inp(0, 128, 2), wait("out"), wait("out"), wait("out")]
    with pytest.raises(TokenError, match="2 raised so far, all consumed"):
        run(tmp_path, lines)


def test_a_bd_reused_before_its_token_was_awaited_is_refused(tmp_path):
    """The first input transfer raises a token; it has completed by the time
    @out is awaited, but nothing consumed its token before BD 2 is reused."""
    lines = [out(0, 0), out(64, 1), inp(0, 64, 2, ", issue_token = true"), wait("out")]
    with pytest.raises(TokenError, match="reprograms BD 2 .* before the task-completion token"):
        run(tmp_path, [*lines, inp(64, 64, 2), wait("out")])


def test_awaiting_the_input_token_first_makes_the_reuse_legal(tmp_path):
    lines = [out(0, 0), out(64, 1), inp(0, 64, 2, ", issue_token = true"), wait("out")]
    b = run(tmp_path, [*lines, wait("in"), inp(64, 64, 2), wait("out")])
    np.testing.assert_array_equal(b, np.arange(128))


def _bundled_gemm(tmp_path: Path) -> str:
    """int16 64x64x128 as a 4x4 task grid bundled onto 2x2 cores."""

    def members(r: int, c: int) -> list[str]:
        return [f"gemm_{i}_{j}" for i in (2 * r, 2 * r + 1) for j in (2 * c, 2 * c + 1)]

    groups = [("bundle", members(r, c)) for r in range(2) for c in range(2)]
    dato.build(
        progs.tiled_gemm(dato.int16, 64, 64, 128, 4, 4),
        target="aie",
        project=tmp_path,
        mapping_primitives=groups,
    )
    return (tmp_path / "aie.mlir").read_text()


def _old_sequence(text: str) -> str:
    """The sequence as our lowering emitted it before: issue_token on every
    transfer and one dma_wait per fifo in each group of waits."""
    lines, seen = [], set()
    for line in text.splitlines():
        if "aiex.npu.dma_wait" in line:
            symbol = re.search(r"@(\w+)", line).group(1)
            if symbol in seen:
                continue
            seen.add(symbol)
        else:
            seen = set()
            if "dma_memcpy_nd" in line and "issue_token" not in line:
                line = line.replace(" : i64,", " : i64, issue_token = true,")
        lines.append(line)
    return "\n".join(lines)


def test_bundled_gemm_waits_once_per_token_and_the_old_sequence_is_rejected(tmp_path):
    text = _bundled_gemm(tmp_path)
    seq = text[text.index("aie.runtime_sequence") :]
    memcpys = re.findall(r"dma_memcpy_nd.*metadata = @(\w+)", seq)
    tokens = re.findall(r"dma_memcpy_nd.*issue_token = true.*metadata = @(\w+)", seq)
    waits = re.findall(r"dma_wait \{symbol = @(\w+)\}", seq)
    # tokens on the C transfers only, as in mlir-aie's GEMM examples, one wait each
    assert sorted(tokens) == sorted(waits)
    assert set(tokens) == {f for f in memcpys if f.startswith("C")}
    rng = np.random.default_rng(1)
    A = rng.integers(-3, 3, (64, 128)).astype(np.int16)
    B = rng.integers(-3, 3, (128, 64)).astype(np.int16)
    want = (A.astype(np.int64) @ B.astype(np.int64)).astype(np.int16)
    for name, source, error in (("new", text, None), ("old", _old_sequence(text), TokenError)):
        path = tmp_path / f"{name}.mlir"
        path.write_text(source)
        C = np.zeros((64, 64), np.int16)
        design, dirs = load_design(path), [str(tmp_path)]
        if error is None:
            run_design(design, [A, B, C], kernel_dirs=dirs, timeout=60)
            np.testing.assert_array_equal(C, want)
        else:
            with pytest.raises(error, match="tokens no wait consumed|before the task-completion"):
                run_design(design, [A, B, C], kernel_dirs=dirs, timeout=60)
