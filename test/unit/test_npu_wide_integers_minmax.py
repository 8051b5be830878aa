"""dato.maximum / dato.minimum of unsigned and 64-bit arrays, signedness
included: linalg.max / min compare signed (MLIR's definition), so the
frontend writes UInt operands as loops of arith.maxui / minui, and the NPU
(which holds int64 / uint64 arrays as 32-bit words) compares as the type
says. Each program against numpy on the simulator and the virtual NPU."""

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import UInt, int64
from dato_xdsl.frontend.build import compile_region

L = 16


def min_max(T):
    @dato.region()
    def top(A: T[L], B: T[L], C: T[L], D: T[L]):
        @dato.kernel(mapping=[2], args=[A, B, C, D])
        def k(
            a: T[L] @ [dato.Layout.Shard(0)],
            b: T[L] @ [dato.Layout.Shard(0)],
            c: T[L] @ [dato.Layout.Shard(0)],
            d: T[L] @ [dato.Layout.Shard(0)],
        ):
            c[:] = dato.maximum(a, b)
            d[:] = dato.minimum(a, b)

    return top


def limits(dtype) -> tuple[np.ndarray, np.ndarray]:
    """Pairs at the type's edges, mixed signs (for unsigned: above and below
    the signed type's top, which a signed compare would get wrong)."""
    info = np.iinfo(dtype)
    if info.min < 0:
        a = [info.max, info.min, -1, 0, info.max, info.min, 1, -1]
        b = [info.min, info.max, 0, -1, info.max - 1, info.min + 1, -1, 1]
    else:
        top = info.max // 2 + 1  # the sign bit alone
        a = [info.max, 0, top, top - 1, info.max, 1, top + 5, 100]
        b = [0, info.max, top - 1, top, info.max - 1, top, 3, top * 2 - 1]
    a = a + [v // 3 for v in a]
    b = b + [v // 7 for v in b[::-1]]
    return np.array(a, dtype=dtype), np.array(b, dtype=dtype)


@pytest.mark.parametrize(
    "T, dtype",
    [(int64, np.int64), (UInt(64), np.uint64), (dato.uint8, np.uint8), (UInt(32), np.uint32)],
    ids=["int64", "uint64", "uint8", "uint32"],
)
@pytest.mark.parametrize("target", ["simulator", "aie"])
def test_min_max_compare_as_the_type_says(T, dtype, target):
    A, B = limits(dtype)
    C = np.zeros(L, dtype)
    D = np.zeros(L, dtype)
    dato.build(min_max(T), target=target)(A, B, C, D)
    np.testing.assert_array_equal(C, np.maximum(A, B))
    np.testing.assert_array_equal(D, np.minimum(A, B))


def test_unsigned_min_max_carry_their_signedness_in_the_ir():
    """The IR says unsigned (arith.maxui / minui); signed arrays keep the
    library's linalg.max / min, which the NPU kernels (and, for int64, the
    word loops) compare signed."""
    unsigned, _ = compile_region(min_max(UInt(64)))
    text = str(unsigned)
    assert "arith.maxui" in text and "arith.minui" in text
    assert "linalg.max" not in text and "linalg.min" not in text
    signed, _ = compile_region(min_max(int64))
    text = str(signed)
    assert "linalg.max" in text and "linalg.min" in text


def reductions(T):
    @dato.region()
    def top(A: T[4, 4], B: T[4], C: T[4]):
        @dato.kernel(mapping=[1], args=[A, B, C])
        def k(a: T[4, 4], b: T[4], c: T[4]):
            b[:] = dato.max(a, axis=1)
            c[:] = dato.min(a, axis=0)

    return top


@pytest.mark.parametrize(
    "T, dtype", [(int64, np.int64), (UInt(64), np.uint64)], ids=["int64", "uint64"]
)
def test_max_min_reductions_of_64_bit_words(T, dtype):
    A, B = limits(dtype)
    X = np.concatenate([A[:8], B[:8]]).reshape(4, 4)
    for target in ("simulator", "aie"):
        got_max, got_min = np.zeros(4, dtype), np.zeros(4, dtype)
        dato.build(reductions(T), target=target)(X.copy(), got_max, got_min)
        np.testing.assert_array_equal(got_max, X.max(axis=1))
        np.testing.assert_array_equal(got_min, X.min(axis=0))
