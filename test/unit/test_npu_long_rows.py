"""Shim transfers longer than the shim DMA's 1023-word innermost size: a
pattern the shim cannot take as recorded is rewritten to move the same
elements in the same order (npu_runtime_sequence.shim_legal). Checked on the
pattern by hand and by a program whose rows are 1024 words, run on the
virtual NPU against numpy."""

import numpy as np

import dato_xdsl as dato
from dato_xdsl import int32
from dato_xdsl.devices import DEVICES
from dato_xdsl.transforms.npu_runtime_sequence import shim_legal
from test.unit.programs import npu_fanout_programs as fanout

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


def test_contiguous_rows_become_one_linear_transfer():
    sizes, strides = shim_legal([1, 4, 1, 1024], [0, 1024, 1024, 1], 32, LIMITS)
    assert (sizes, strides) == ([1, 1, 1, 4096], [0, 0, 0, 1])
    assert walk(sizes, strides) == list(range(4096))


def test_a_long_strided_row_is_cut_into_rows_that_fit():
    before = ([1, 1, 3, 2048], [0, 0, 5000, 1])
    sizes, strides = shim_legal(*before, 32, LIMITS)
    assert sizes[3] == 512  # the largest divisor of 2048 under 1024 words
    assert walk(sizes, strides) == walk(*before)


def test_int8_rows_are_whole_words():
    # 4100 int8 = 1025 words; 820 is the largest divisor of 4100 that is a
    # whole number of 32-bit words and at most 1023 words
    sizes, strides = shim_legal([1, 1, 2, 4100], [0, 0, 8200, 1], 8, LIMITS)
    assert sizes == [1, 2, 5, 820] and strides == [0, 8200, 820, 1]


def test_legal_or_unfixable_patterns_are_kept():
    legal = ([1, 2, 4, 1000], [0, 8000, 2000, 1])
    assert shim_legal(*legal, 32, LIMITS) == legal
    # 1031 is prime: rows of 1 would need 1031 in dimension 1 (limit 1023)
    prime = ([1, 1, 2, 1031], [0, 0, 2000, 1])
    assert shim_legal(*prime, 32, LIMITS) == prime


def test_reduction_tree_of_1024_word_rows_runs_on_the_virtual_npu(tmp_path):
    L = 1024
    mod = dato.build(fanout.reduction_tree(int32, L), target="aie", project=tmp_path)
    rng = np.random.default_rng(5)
    A = rng.integers(-(2**31), 2**31 - 1, (8, L), dtype=np.int64).astype(np.int32)
    B = np.zeros(L, np.int32)
    mod(A, B)
    np.testing.assert_array_equal(B, A.sum(axis=0, dtype=np.int32))
    assert "[1, 1, 1, 4096][0, 0, 0, 1]" in (tmp_path / "aie.mlir").read_text()


def test_contiguous_short_rows_over_the_row_limit_become_one_linear_transfer():
    # a systolic loader's B: 2048 rows of 6 int16, 6 apart, sent twice
    before = ([2, 1, 2048, 6], [0, 0, 6, 1])
    sizes, strides = shim_legal(*before, 16, LIMITS)
    assert (sizes, strides) == ([2, 1, 1, 12288], [0, 0, 0, 1])
    assert walk(sizes, strides) == walk(*before)


def test_a_row_count_over_the_limit_is_factored_into_dimensions_2_and_1():
    # 3000 strided rows of 8 words: 3000 = 3 x 1000, 1000 within the 1023 limit
    before = ([1, 1, 3000, 8], [0, 0, 100, 1])
    sizes, strides = shim_legal(*before, 32, LIMITS)
    assert (sizes, strides) == ([1, 3, 1000, 8], [0, 100_000, 100, 1])
    assert walk(sizes, strides) == walk(*before)
    # a prime count has no divisor in range: all of it goes to dimension 2
    before = ([1, 1, 1031, 8], [0, 0, 100, 1])
    sizes, strides = shim_legal(*before, 32, LIMITS)
    assert sizes[1:3] == [1031, 1] and sizes[2] <= LIMITS.max_size_d1
    assert walk(sizes, strides) == walk(*before)


def test_a_systolic_array_with_k_2048_runs_on_the_virtual_npu():
    from test.unit.programs import dato_programs as dp

    M = N = 3
    K = 2048
    mod = dato.build(dp.systolic_2d(int32, M, N, K), target="aie")
    rng = np.random.default_rng(9)
    A = rng.integers(-1000, 1000, (M, K)).astype(np.int32)
    B = rng.integers(-1000, 1000, (K, N)).astype(np.int32)
    C = np.zeros((M, N), np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, (A.astype(np.int64) @ B).astype(np.int32))
