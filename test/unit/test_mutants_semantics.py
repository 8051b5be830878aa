"""The simulator's helpers (semantics.py) called directly, at the edges its
program-level tests do not reach: every helper refuses a bad operand with an
`OpFailure` (never a Python exception: the scheduler locates only those)
whose message names the numbers; matmuls into a C holding data, with operand
types other than the output's and non-square shapes; integers wide enough
that float64 is inexact. References are numpy in int64/object arithmetic or
hand-computed values (tools/mutation-test semantics)."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

from dato_xdsl.targets.simulator import semantics as sem
from dato_xdsl.targets.simulator.errors import ExecutionError, OutOfBoundsError


def test_op_failure_carries_its_message_and_kind():
    failure = sem.OpFailure("a message", OutOfBoundsError)
    assert str(failure) == "a message"
    assert failure.message == "a message"
    assert failure.kind is OutOfBoundsError
    assert sem.OpFailure("x").kind is ExecutionError


@pytest.mark.parametrize(
    "helper",
    [sem.divsi, sem.remsi, sem.divui, sem.remui, sem.floordivsi, sem.ceildivsi, sem.ceildivui],
)
def test_division_by_zero_is_an_op_failure(helper):
    # Python's ZeroDivisionError would reach the user as a traceback
    with pytest.raises(sem.OpFailure, match="division by zero"):
        helper(7, 0, 8)


def test_zero_to_a_negative_power_is_an_op_failure():
    with pytest.raises(sem.OpFailure) as failure:
        sem.ipowi(0, -1, 32)
    assert failure.value.message == "zero raised to a negative power"


def test_bitcast_to_an_integer_is_a_python_int():
    # the simulator holds iN values as Python ints: a numpy int32 would
    # overflow (not wrap to a canonical value) in the next op's arithmetic
    value = sem.bitcast(np.float32(-2.0), np.float32, np.int32, 32)
    assert type(value) is int
    assert value == -(1 << 31) + (1 << 30)  # 0xC0000000 read signed
    back = sem.bitcast(np.int32(0x3F800000), np.int32, np.float32, None)
    assert back == np.float32(1.0) and isinstance(back, np.float32)


def test_check_bounds_refuses_the_extent_itself():
    sem.check_bounds((3, 2), (4, 3))  # the last element is inside
    for bad in [(4, 0), (0, 3), (-1, 0)]:
        with pytest.raises(sem.OpFailure) as failure:
            sem.check_bounds(bad, (4, 3))
        assert failure.value.kind is OutOfBoundsError
        assert failure.value.message == (
            f"memory index {list(bad)} is out of bounds for shape [4, 3]"
        )


def test_subview_refuses_a_zero_stride_or_negative_size():
    base = np.arange(12).reshape(3, 4)
    with pytest.raises(sem.OpFailure) as failure:
        sem.subview(base, [0, 0], [2, 2], [1, 0], [False, False])
    assert failure.value.message == "subview size 2 / stride 0 of dimension 1 is invalid"
    with pytest.raises(sem.OpFailure, match="size -1 / stride 1 of dimension 0"):
        sem.subview(base, [0, 0], [-1, 2], [1, 1], [False, False])


def test_subview_views_and_refuses_past_the_end():
    base = np.arange(12).reshape(3, 4)
    view = sem.subview(base, [1, 1], [2, 2], [1, 2], [False, False])
    np.testing.assert_array_equal(view, [[5, 7], [9, 11]])
    view[0, 0] = -1  # a view, not a copy
    assert base[1, 1] == -1
    assert sem.subview(base, [2, 0], [1, 3], [1, 1], [True, False]).tolist() == [8, 9, 10]
    with pytest.raises(sem.OpFailure) as failure:
        sem.subview(base, [1, 2], [2, 2], [1, 2], [False, False])
    assert failure.value.kind is OutOfBoundsError
    assert "exceed the source shape [3, 4] (dimension 1)" in failure.value.message


def test_copy_refuses_other_shapes_naming_both():
    with pytest.raises(sem.OpFailure) as failure:
        sem.copy(np.zeros((2, 3)), np.zeros((3, 2)))
    assert failure.value.message == (
        "copies shape [2, 3] into shape [3, 2]; the shapes must be equal"
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: sem.elementwise(np.add, [np.zeros(3), np.zeros(4)], np.zeros(3)),
            "an elementwise op needs operands of one shape, got [[3], [4], [3]]",
        ),
        (
            lambda: sem.select(np.ones(2, bool), np.zeros(2), np.zeros(2), np.zeros(3)),
            "linalg.select needs operands of one shape, got [[2], [2], [2], [3]]",
        ),
    ],
)
def test_elementwise_ops_refuse_two_shapes(call, message):
    with pytest.raises(sem.OpFailure) as failure:
        call()
    assert failure.value.message == message


def test_elementwise_converts_inputs_to_the_output_type():
    # int32 inputs into an int64 output: products near 2^62 are exact in int64,
    # not in float64
    a = np.array([2**31 - 1, -(2**31), 123456789], np.int32)
    b = np.array([2**31 - 3, 2**31 - 1, -987654321], np.int32)
    out = np.zeros(3, np.int64)
    sem.elementwise(np.multiply, [a, b], out)
    assert out.tolist() == [int(x) * int(y) for x, y in zip(a, b, strict=True)]


def test_unsigned_view_reads_integers_unsigned():
    view = sem.unsigned_view(np.array([-1, -128, 5], np.int8))
    assert view.dtype == np.uint8 and view.tolist() == [255, 128, 5]
    assert sem.unsigned_view(np.array([-1], np.int16)).tolist() == [65535]
    floats = np.array([-1.5], np.float32)
    assert sem.unsigned_view(floats) is floats


@pytest.mark.parametrize(
    ("a", "b", "c", "message"),
    [
        (np.zeros((2, 3, 1)), np.zeros((3, 2)), np.zeros((2, 2)), "cannot multiply [2, 3, 1] by"),
        (np.zeros((2, 3)), np.zeros(3), np.zeros((2, 2)), "cannot multiply [2, 3] by [3] into"),
        (np.zeros((2, 3)), np.zeros((3, 2)), np.zeros(4), "into [4]"),
        (np.zeros((2, 3)), np.zeros((4, 2)), np.zeros((2, 2)), "[2, 3] by [4, 2] into [2, 2]"),
        (
            np.zeros((2, 3)),
            np.zeros((3, 4)),
            np.zeros((4, 2)),
            "the product of [2, 3] and [3, 4] does not fit the output of shape [4, 2]",
        ),
    ],
)
def test_matmul_refuses_shapes_naming_them(a, b, c, message):
    with pytest.raises(sem.OpFailure) as failure:
        sem.matmul(a, b, c)
    assert message in failure.value.message


def exact(a: np.ndarray, b: np.ndarray, c: np.ndarray, width: int) -> list[list[int]]:
    """C + A @ B in Python ints, wrapped to `width` bits."""
    m, k = a.shape
    n = b.shape[1]
    return [
        [
            sem.wrap(int(c[i, j]) + sum(int(a[i, t]) * int(b[t, j]) for t in range(k)), width)
            for j in range(n)
        ]
        for i in range(m)
    ]


def test_int16_matmul_into_int32_wraps_the_sum():
    # four products of -32768 * -32768 = 2^30 sum to 2^32: zero in int32
    rng = np.random.default_rng(3)
    a = rng.integers(-(2**15), 2**15, (3, 4)).astype(np.int16)
    b = rng.integers(-(2**15), 2**15, (4, 5)).astype(np.int16)
    a[0, :] = -(2**15)
    b[:, 0] = -(2**15)
    c = rng.integers(-(2**31), 2**31, (3, 5)).astype(np.int32)
    want = exact(a, b, c, 32)
    assert want[0][0] == sem.wrap(int(c[0, 0]) + 2**32, 32)
    sem.matmul(a, b, c)
    assert c.tolist() == want


def test_bf16_matmul_into_float32_accumulates():
    # small integers: every product and sum is exact in float32
    a = np.array([[1, 2, 3], [4, 5, 6]], ml_dtypes.bfloat16)
    b = np.array([[1, -1], [2, 0], [-3, 5]], ml_dtypes.bfloat16)
    c = np.array([[10, 20], [30, 40]], np.float32)
    sem.matmul(a, b, c)
    assert c.dtype == np.float32
    assert c.tolist() == [[10 + 1 + 4 - 9, 20 - 1 + 15], [30 + 4 + 10 - 18, 40 - 4 + 30]]


def test_float32_matmul_accumulates():
    a = np.array([[0.5, 2.0, -1.0]], np.float32)
    b = np.array([[2.0], [0.25], [4.0]], np.float32)
    c = np.array([[3.0]], np.float32)
    sem.matmul(a, b, c)
    assert c.tolist() == [[3.0 + 1.0 + 0.5 - 4.0]]


def test_bf16_matmul_into_bf16_rounds_the_float32_sum_once():
    # 256 + 1 + 1 is 258 in float32 and rounds to 258 in bf16 (8 bits of
    # mantissa: 256 and 258 are neighbours); rounding after each step gives 256
    a = np.array([[1, 1]], ml_dtypes.bfloat16)
    b = np.array([[1], [1]], ml_dtypes.bfloat16)
    c = np.array([[256]], ml_dtypes.bfloat16)
    sem.matmul(a, b, c)
    assert c.dtype == ml_dtypes.bfloat16 and float(c[0, 0]) == 258.0


def wide(values: list[list[int]]) -> np.ndarray:
    out = np.empty((len(values), len(values[0])), dtype=object)
    for i, row in enumerate(values):
        for j, v in enumerate(row):
            out[i, j] = v
    return out


def test_matmul_wide_is_exact_and_wraps_once():
    a = wide([[2**100, -3, 7], [1, 2**127 - 1, -(2**127)]])
    b = wide([[2**27, 1, -1, 5], [2, 2**126, 0, 1], [-1, 3, 2**90, 0]])
    c = wide([[1, 2, 3, 4], [-5, -6, -7, 2**127 - 1]])
    want = exact(a, b, c, 128)
    assert want[0][0] == sem.wrap(1 + 2**127 - 6 - 7, 128)
    sem.matmul_wide(a, b, c, 128)
    assert c.tolist() == want


@pytest.mark.parametrize(
    ("a", "b", "c"),
    [
        (wide([[1, 2]]), wide([[1], [2], [3]]), wide([[0]])),
        (wide([[1, 2]]), wide([[1], [2]]), wide([[0, 0]])),
        (np.zeros((1, 2, 1), object), wide([[1], [2]]), wide([[0]])),
        (wide([[1, 2]]), np.zeros(2, object), wide([[0]])),
    ],
)
def test_matmul_wide_refuses_shapes_naming_them(a, b, c):
    with pytest.raises(sem.OpFailure) as failure:
        sem.matmul_wide(a, b, c, 128)
    assert failure.value.message == (
        f"cannot multiply {list(a.shape)} by {list(b.shape)} into {list(c.shape)}"
    )


def test_transpose_refuses_the_wrong_output_naming_shapes():
    with pytest.raises(sem.OpFailure) as failure:
        sem.transpose(np.zeros((2, 3, 4)), [2, 0, 1], np.zeros((2, 3, 4)))
    assert failure.value.message == (
        "transposing [2, 3, 4] by [2, 0, 1] gives [4, 2, 3], not the output shape [2, 3, 4]"
    )


def test_broadcast_refuses_the_wrong_output_naming_shapes():
    with pytest.raises(sem.OpFailure) as failure:
        sem.broadcast(np.zeros(3), [0], np.zeros((2, 4)))
    assert failure.value.message == "cannot broadcast [3] along [0] to [2, 4]"


def test_bf16_matmul_into_bf16_sums_in_float32_not_wider():
    # the products sum to 1 + 2^-23 (exact in float32); 256 + that is 257 in
    # float32 (its unit there is 2^-15), a tie between the bf16 neighbours 256
    # and 258 that rounds to even: 256. Summed wider, 257 + 2^-23 rounds up to 258
    a = np.array([[1, 2**-12]], ml_dtypes.bfloat16)
    b = np.array([[1], [2**-11]], ml_dtypes.bfloat16)
    c = np.array([[256]], ml_dtypes.bfloat16)
    sem.matmul(a, b, c)
    assert float(c[0, 0]) == 256.0


def test_bf16_matmul_into_float32_sums_in_float32_not_wider():
    # products sum to 1 + 2^-25, which is 1 in float32; 2^-24 + 1 is a tie
    # between 1 and 1 + 2^-23 that rounds to even: 1. Summed wider,
    # 1 + 1.5 * 2^-24 rounds up to 1 + 2^-23
    a = np.array([[1, 2**-12]], ml_dtypes.bfloat16)
    b = np.array([[1], [2**-13]], ml_dtypes.bfloat16)
    c = np.array([[2**-24]], np.float32)
    sem.matmul(a, b, c)
    assert float(c[0, 0]) == 1.0


def test_float64_matmul_accumulates_in_float64():
    # 1 + 2^-40 needs float64; rounded through float32 it would be 1
    a = np.array([[2**-20, 3.0]])
    b = np.array([[2**-20, 0.0], [1.0, -1.0]])
    c = np.array([[1.0, 2**-30]])
    sem.matmul(a, b, c)
    assert c.tolist() == [[1.0 + 2**-40 + 3.0, 2**-30 - 3.0]]


def test_bf16_matmul_into_bf16_rounds_the_products_sum_to_float32():
    # the products 1, 2^-16 and 2^-30 sum to 1 + 2^-16 in float32 (2^-30 is
    # below its unit at 1); 256 + that is a float32 tie that rounds to 257,
    # then a bf16 tie that rounds to 256. Summed in float64, 2^-30 tips both
    # roundings up: 257 + 2^-15, then 258
    a = np.array([[1, 2**-8, 2**-15]], ml_dtypes.bfloat16)
    b = np.array([[1], [2**-8], [2**-15]], ml_dtypes.bfloat16)
    c = np.array([[256]], ml_dtypes.bfloat16)
    sem.matmul(a, b, c)
    assert float(c[0, 0]) == 256.0
