"""Shim transfers whose contiguous run is over the shim DMA's 1023-word
innermost size and which walk two more dimensions (a collector gathering
rows of P workers joined by memtiles): the run is cut into rows that fit, the
row count takes dimension 1 and the outermost dimension moves into the
repeat, whose stride advances the offset (npu_runtime_sequence.shim_legal).
Checked on the visited offsets (an independent walk of the pattern) and by
scatter_gather programs run on the virtual NPU against numpy."""

import re

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import int16, int32
from dato_xdsl.devices import DEVICES
from dato_xdsl.transforms.npu_runtime_sequence import shim_fits, shim_legal, split_illegal
from test.unit.programs import dato_programs as dp

LIMITS = DEVICES["npu1"].memcpy_nd


def walk(sizes: list[int], strides: list[int]) -> list[int]:
    """The element offsets a [repeat, d2, d1, d0] pattern visits, in order."""
    return [
        r * strides[0] + a * strides[1] + b * strides[2] + c * strides[3]
        for r in range(sizes[0])
        for a in range(sizes[1])
        for b in range(sizes[2])
        for c in range(sizes[3])
    ]


def fits(sizes: list[int], strides: list[int], bits: int) -> bool:
    """The shim DMA's fields (mlir-aie's dma_memcpy_nd verifier): innermost
    and dimension 1 sizes at most 1023 (the innermost in 32-bit words),
    repeat at most 64, strides at most 1M words."""
    words = sizes[3] * bits // 32
    return (
        words <= 1023
        and sizes[2] <= 1023
        and sizes[0] <= 64
        and all(t * bits // 32 <= 1 << 20 for t in strides)
    )


@pytest.mark.parametrize(
    ("before", "bits"),
    [
        # 4 workers' rows of 1024 int32, 4 row blocks 16384 apart
        (([1, 4, 4, 1024], [0, 1024, 16384, 1]), 32),
        # int16 rows of 2048 (1024 words)
        (([1, 2, 4, 2048], [0, 2048, 16384, 1]), 16),
        # int8 rows of 4100 (1025 words): rows of 820, a whole number of words
        (([1, 3, 2, 4100], [0, 4100, 20000, 1]), 8),
    ],
)
def test_a_long_run_in_three_dimensions_moves_into_the_repeat(before, bits):
    sizes, strides = shim_legal(*before, bits, LIMITS)
    assert not fits(*before, bits)
    assert fits(sizes, strides, bits)
    assert walk(sizes, strides) == walk(*before)


def test_the_gather_pattern_by_hand():
    # 1024 = 2 x 512: [d2 4 x 1024, d1 4 x 16384, d0 1024] ->
    # [repeat 4 x 1024, d2 4 x 16384, d1 2 x 512, d0 512]
    sizes, strides = shim_legal([1, 4, 4, 1024], [0, 1024, 16384, 1], 32, LIMITS)
    assert (sizes, strides) == ([4, 4, 2, 512], [1024, 16384, 512, 1])


def test_a_taken_repeat_is_kept_for_the_verifier_to_name():
    # five dimensions would be needed: left as recorded
    before = ([2, 4, 4, 1024], [100000, 1024, 16384, 1])
    assert shim_legal(*before, 32, LIMITS) == before


@pytest.mark.parametrize(
    ("T", "dtype", "P", "L"),
    [(int32, np.int32, 4, 2048), (int16, np.int16, 4, 4096)],
)
def test_scatter_gather_with_1024_word_rows_equals_numpy(tmp_path, T, dtype, P, L):
    mod = dato.build(dp.scatter_gather(T, P, L), target="aie", project=tmp_path)
    rng = np.random.default_rng(L)
    A = rng.integers(-150, 150, (P, L)).astype(dtype)
    B = np.zeros((P, L), dtype)
    mod(A, B)
    np.testing.assert_array_equal(B, (A.astype(np.int64) * A + 1).astype(dtype))
    bits = np.dtype(dtype).itemsize * 8
    text = (tmp_path / "aie.mlir").read_text()
    calls = re.findall(r"dma_memcpy_nd\(%\w+\[[^]]*\]\[([^]]*)\]\[([^]]*)\]", text)
    assert calls
    for sizes, strides in calls:
        s = [int(v) for v in sizes.split(",")]
        t = [int(v) for v in strides.split(",")]
        linear = s[1] == s[2] == 1 and t[3] == 1
        assert linear or fits(s, t, bits), (s, t)
    # some call moves more than 1023 words (a row or more): the long runs
    # are there, each linear or refactored into a legal pattern
    words = [np.prod([int(v) for v in s.split(",")]) * bits // 32 for s, _ in calls]
    assert max(words) > 1023


def offsets(calls: list[tuple[int, list[int], list[int]]]) -> list[int]:
    """The element offsets consecutive calls visit, in order."""
    return [o + e for o, z, t in calls for e in walk(z, t)]


def test_a_pattern_no_single_call_holds_is_split_into_calls():
    # the repeat is taken (2 blocks 100000 apart): one call per repeat, each
    # then refactored into its own repeat
    call = (8, [2, 4, 4, 1024], [100000, 1024, 16384, 1])
    pieces = split_illegal(call, 32, LIMITS)
    assert [p[0] for p in pieces] == [8, 100008]
    assert offsets(pieces) == offsets([call])
    assert all(fits(*shim_legal(z, t, 32, LIMITS), 32) for _, z, t in pieces)


def test_a_stride_over_1m_words_is_split_into_calls():
    # two rows 2^21 words apart: dimension 1's stride is over the BD's 1M
    call = (0, [1, 1, 2, 512], [0, 0, 1 << 21, 1])
    pieces = split_illegal(call, 32, LIMITS)
    assert pieces == [(0, [1, 1, 1, 512], [0, 0, 0, 1]), (1 << 21, [1, 1, 1, 512], [0, 0, 0, 1])]
    assert offsets(pieces) == offsets([call])


def test_a_call_the_shim_takes_is_one_call():
    call = (0, [1, 4, 4, 1024], [0, 1024, 16384, 1])
    assert split_illegal(call, 32, LIMITS) == [call]
    assert shim_fits([4, 4, 2, 512], [1024, 16384, 512, 1], 32, LIMITS)
