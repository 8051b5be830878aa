"""Shim transfers whose repeat count is over the shim DMA's 64 (the BD's
iteration field, mlir-aie's "[1:64]" range): cut into consecutive calls moving
the same elements in the same order (npu_runtime_sequence.split_repeats).
Checked on the pattern by hand and by a GEMM whose A row blocks are read in
128 K steps, run on the virtual NPU against numpy."""

import re

import numpy as np

import dato_xdsl as dato
from dato_xdsl import int16
from dato_xdsl.devices import DEVICES
from dato_xdsl.transforms.npu_runtime_sequence import split_repeats
from test.unit.programs import dato_programs as dp

MAX_REPEAT = DEVICES["npu1"].memcpy_nd.max_repeat


def walk(calls: list[tuple[int, list[int], list[int]]]) -> list[int]:
    """The element offsets a list of [repeat, d2, d1, d0] calls visits, in order."""
    return [
        o + r * t[0] + a * t[1] + b * t[2] + c * t[3]
        for o, z, t in calls
        for r in range(z[0])
        for a in range(z[1])
        for b in range(z[2])
        for c in range(z[3])
    ]


def test_the_shim_limit_is_64_repeats():
    assert MAX_REPEAT == 64


def test_128_repeats_become_two_calls_of_64():
    call = (16, [128, 4, 2, 16], [16, 262144, 2048, 1])
    out = split_repeats([call], MAX_REPEAT)
    assert out == [
        (16, [64, 4, 2, 16], [16, 262144, 2048, 1]),
        (16 + 64 * 16, [64, 4, 2, 16], [16, 262144, 2048, 1]),
    ]
    assert walk(out) == walk([call])


def test_an_uneven_count_and_a_resend_keep_the_order():
    calls = [(0, [150, 1, 3, 8], [100, 0, 10, 1]), (7, [70, 1, 1, 4], [0, 0, 0, 1])]
    out = split_repeats(calls, MAX_REPEAT)
    assert [z[0] for _, z, _ in out] == [64, 64, 22, 64, 6]
    assert all(z[0] <= MAX_REPEAT for _, z, _ in out)
    assert walk(out) == walk(calls)


def test_calls_within_the_limit_are_kept():
    calls = [(5, [64, 2, 3, 4], [1000, 100, 10, 1]), (0, [1, 1, 1, 9], [0, 0, 0, 1])]
    assert split_repeats(calls, MAX_REPEAT) == calls


def test_gemm_with_128_k_steps_runs_on_the_virtual_npu(tmp_path):
    # 2x2 GEMM int16 512x512x2048: A's 256-row blocks move in 16-column K
    # tiles, 128 of them per block, which one shim call could not repeat
    top = dp.tiled_gemm(int16, 512, 512, 2048, 2, 2)
    npu = dato.build(top, target="aie", project=tmp_path)
    text = (tmp_path / "aie.mlir").read_text()
    repeats = [int(r) for r in re.findall(r"dma_memcpy_nd\(%\w+\[[^]]*\]\[(\d+),", text)]
    assert repeats and max(repeats) <= MAX_REPEAT
    rng = np.random.default_rng(3)
    a = rng.integers(-60, 60, (512, 2048)).astype(np.int16)
    b = rng.integers(-60, 60, (2048, 512)).astype(np.int16)
    c = np.zeros((512, 512), np.int16)
    npu(a, b, c)
    ref = (a.astype(np.int64) @ b.astype(np.int64)).astype(np.int16)
    np.testing.assert_array_equal(c, ref)
