"""A GEMM whose runtime-sequence transfer would need a stride beyond the shim
DMA's (2^20 words) is mapped, not refused: the transfer is split into one
dma_memcpy_nd per block of the dimensions outside that stride, each at its own
base offset, in the order the stream carries them; when a round then has more
calls than a shim has buffer descriptors, its outputs wait for the oldest
output transfer before reusing a BD. Checked on the 4096^3 design as built,
and, with the limits lowered in the device model, on the virtual NPU against
numpy."""

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Layout, devices
from dato_xdsl.transforms import npu_gemm_design
from dato_xdsl.transforms.npu_gemm_design import _fit_strides

S, R = Layout.Shard, Layout.Replicate
CALL = re.compile(
    r"aiex\.npu\.dma_memcpy_nd\(%(\w+)\[0, 0, 0, (\d+)\]\[([\d, ]+)\]\[([\d, ]+)\]\) "
    r"\{id = (\d+) : i64(, issue_token = true)?, metadata = @(\w+)\}"
)


def gemm_program(T, Acc, M: int, N: int, K: int, g: int):
    # no `from __future__ import annotations` here: the frontend evaluates T and Acc
    @dato.region()
    def gemm(A: T[M, K], B: T[K, N], C: Acc[M, N]) -> None:
        @dato.kernel(mapping=[g, g], args=[A, B, C])
        def tile(a: T[M, K] @ [S(0), R], b: T[K, N] @ [R, S(1)], c: Acc[M, N] @ [S(0), S(1)]):
            c[:, :] = dato.matmul(a, b)

    return gemm


def blocked(g: int, cores: int) -> list[tuple[str, list[str]]]:
    """Core (r, c) of a cores x cores grid runs a consecutive block of task
    rows and columns: the C blocks one memtile joins are g / cores task rows apart."""
    h = g // cores
    return [
        (
            "bundle",
            [f"tile_{i}_{j}" for i in range(r * h, r * h + h) for j in range(c * h, c * h + h)],
        )
        for r in range(cores)
        for c in range(cores)
    ]


def calls(text: str) -> list[tuple[str, int, list[int], list[int], int, bool, str]]:
    out = []
    for arr, off, sizes, strides, bd, token, fifo in CALL.findall(text):
        ints = [int(x) for x in sizes.split(", ")], [int(x) for x in strides.split(", ")]
        out.append((arr, int(off), *ints, int(bd), bool(token), fifo))
    return out


def test_fit_strides_by_hand() -> None:
    limits = dataclasses.replace(devices.DEVICES["npu1"].memcpy_nd, max_stride=100)
    # [2 members (stride 8), 3 rows (stride 1000), 4 x 8 block]: the rows'
    # stride is over the limit, so one call per (member, row), in that order
    got = _fit_strides([(5, [2, 3, 4, 8], [8, 1000, 16, 1])], 32, limits)
    want = [(5 + 8 * j + 1000 * r, [1, 1, 4, 8], [0, 0, 16, 1]) for j in range(2) for r in range(3)]
    assert got == want
    # within the limit (in 32-bit words: 400 int8 elements are 100 words): unchanged
    ok = [(0, [2, 3, 4, 8], [8, 400, 16, 1])]
    assert _fit_strides(ok, 8, limits) == ok
    # a size-1 dimension's stride does not count
    assert _fit_strides([(0, [1, 1, 4, 8], [0, 10**9, 16, 1])], 32, limits) == [
        (0, [1, 1, 4, 8], [0, 10**9, 16, 1])
    ]


def test_4096_gemm_with_far_joined_c_blocks_is_mapped(tmp_path: Path) -> None:
    """4096^3 int8 -> int32 in 64 x 64 tasks, each core taking 16 consecutive
    task rows: the 4 C blocks a memtile joins are 16 * 64 rows of C apart,
    16 * 64 * 4096 = 2^22 words, beyond the shim DMA's 2^20. Each joined C
    object is now written block by block (64 x 64 at its own offset)."""
    g, cores = 64, 4
    mod = dato.build(
        gemm_program(dato.int8, dato.int32, 4096, 4096, 4096, g),
        target="aie",
        project=tmp_path,
        mapping_primitives=blocked(g, cores),
    )
    text = (tmp_path / "aie.mlir").read_text()
    seq = calls(text)
    limit = devices.DEVICES["npu1"].memcpy_nd.max_stride
    for arr, _, sizes, strides, *_ in seq:
        bits = 8 if arr in ("A", "B") else 32
        for size, stride in zip(sizes, strides, strict=True):
            assert size == 1 or stride * bits // 32 <= limit
    c_calls = [c for c in seq if c[0] == "C"]
    # 16 rounds x 16 members per core column x 4 core rows, per column, each one block
    assert len(c_calls) == 4 * 16 * 16 * 4
    assert all(c[2] == [1, 1, 64, 64] and c[3] == [0, 0, 4096, 1] for c in c_calls)
    # round 0, column 0: member j (task column j), core row r (task row 16 r)
    col0 = [c[1] for c in c_calls if c[6] == "C_col0"][:64]
    assert col0 == [16 * r * 64 * 4096 + 64 * j for j in range(16) for r in range(4)]
    # every shim BD id is below the shim's 16, each output waited for once
    assert max(c[4] for c in seq) < devices.DEVICES["npu1"].shim.buffer_descriptors
    assert text.count("aiex.npu.dma_wait") == len(c_calls)
    assert "OVER LIMIT" not in mod.report()


@pytest.fixture
def lowered_limits(monkeypatch: pytest.MonkeyPatch) -> devices.NpuDevice:
    """npu1 with a shim stride limit of 4096 words and 4 shim BDs, so a small
    GEMM takes the code paths of the 4096^3 one (the verifier and the virtual
    NPU read the same device model)."""
    npu1 = devices.DEVICES["npu1"]
    small = dataclasses.replace(
        npu1,
        memcpy_nd=dataclasses.replace(npu1.memcpy_nd, max_stride=4096),
        shim=dataclasses.replace(npu1.shim, buffer_descriptors=4),
    )
    monkeypatch.setitem(devices.DEVICES, "npu1", small)
    return small


@pytest.mark.parametrize("name", ["int16", "int8"])
def test_split_transfers_run_equal_to_numpy(
    lowered_limits: devices.NpuDevice,
    tmp_path: Path,
    name: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """128 x 128 C of 32 x 32 tasks on 2 x 2 cores, blocked, C joined once per
    column (SPLIT_C_JOINS off): the joined C blocks are 2 * 32 rows of 128
    int32 apart, 8192 words, over the lowered 4096; each round's C splits into
    2 members x 2 rows = 4 calls per column, which with A or B beside them
    outnumber the 4 BDs of a shim."""
    monkeypatch.setattr(npu_gemm_design, "SPLIT_C_JOINS", False)
    T = dato.int16 if name == "int16" else dato.int8
    M = N = 128
    K = 64
    mod = dato.build(
        gemm_program(T, dato.int32, M, N, K, 4),
        target="aie",
        project=tmp_path,
        mapping_primitives=blocked(4, 2),
    )
    text = (tmp_path / "aie.mlir").read_text()
    assert "func.call @matmul_" in text  # the vector design
    seq = calls(text)
    c_calls = [c for c in seq if c[0] == "C"]
    # 2 rounds x 2 columns x (2 members x 2 core rows), one 32 x 32 block each
    assert len(c_calls) == 16
    assert all(c[2] == [1, 1, 32, 32] for c in c_calls)
    round0 = [c[1] for c in c_calls if c[6] == "C_col0"][:4]
    assert round0 == [r * 64 * 128 + 32 * j for j in range(2) for r in range(2)]
    assert max(c[4] for c in seq) < 4
    # outputs waited for inside round 0 (between its first C call and round 1's
    # first input), before their BDs are reused
    lines = [ln.strip() for ln in text.splitlines()]
    first_c = next(k for k, ln in enumerate(lines) if "metadata = @C_col" in ln)
    round1 = next(k for k, ln in enumerate(lines) if k > first_c and "metadata = @A_" in ln)
    inside = lines[first_c:round1]
    assert any(ln.startswith("aiex.npu.dma_wait") for ln in inside)
    waits = [k for k, ln in enumerate(inside) if ln.startswith("aiex.npu.dma_wait")]
    assert any("metadata = @C_col" in ln for ln in inside[waits[0] :])
    check_numpy(mod, name, M, N, K)


@pytest.mark.parametrize("name", ["int16", "int8"])
def test_c_split_joins_keep_strides_within_the_shim(
    lowered_limits: devices.NpuDevice, tmp_path: Path, name: str
) -> None:
    """The same GEMM with the default SPLIT_C_JOINS: K = 64 makes C's shim
    channel the limit (per column 2 rounds x 2 members x 2 rows x 32 x 32 x 4
    bytes = 32 KiB of C against 16 KiB (int16) or 8 KiB (int8) of A or B per
    row or column), so each column's C leaves by
    two joins, one per core row (AM020: two shim S2MM channels). A join's two
    blocks are its core's two members, 32 columns of C apart (task columns
    2c, 2c + 1): one call per join and round, [2 members, 1, 32 rows, 32]
    with strides [32, 0, 128, 1], within the lowered 4096-word stride, so
    nothing is split: 2 rounds x 2 columns x 2 joins = 8 calls. Round a, join
    h (core row h runs task rows 2h, 2h + 1) of column c starts at task row
    2h + a, task column 2c: (2h + a) * 32 * 128 + 2c * 32."""
    T = dato.int16 if name == "int16" else dato.int8
    M = N = 128
    K = 64
    mod = dato.build(
        gemm_program(T, dato.int32, M, N, K, 4),
        target="aie",
        project=tmp_path,
        mapping_primitives=blocked(4, 2),
    )
    text = (tmp_path / "aie.mlir").read_text()
    c_calls = [c for c in calls(text) if c[0] == "C"]
    assert len(c_calls) == 8
    assert all(c[2] == [2, 1, 32, 32] and c[3] == [32, 0, 128, 1] for c in c_calls)
    for col in range(2):
        for h in range(2):
            got = [c[1] for c in c_calls if c[6] == f"C_col{col}_{h}"]
            assert got == [(2 * h + a) * 32 * 128 + 2 * col * 32 for a in range(2)]
    assert max(c[4] for c in calls(text)) < 4
    check_numpy(mod, name, M, N, K)


def check_numpy(mod: object, name: str, M: int, N: int, K: int) -> None:
    rng = np.random.default_rng(5)
    lo, hi = (-1000, 1001) if name == "int16" else (-128, 128)
    dt = np.int16 if name == "int16" else np.int8
    a = rng.integers(lo, hi, (M, K)).astype(dt)
    b = rng.integers(lo, hi, (K, N)).astype(dt)
    c = np.zeros((M, N), np.int32)
    mod(a, b, c)  # type: ignore[operator]
    np.testing.assert_array_equal(c, a.astype(np.int64) @ b.astype(np.int64))
