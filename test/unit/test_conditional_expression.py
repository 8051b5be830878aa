"""`a if c else b` evaluates only the branch Python takes: a load that would be out
of bounds in the other branch, or a stream get, happens only when its branch is
taken, on every target (numpy reference)."""

# ruff: noqa: F821 (streams are declared by annotations)

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Layout, Stream, int16, int32

S = Layout.Shard
N, P = 64, 4
L = N // P


def _stencil() -> object:
    @dato.region()
    def top(A: int32[N], B: int32[N]) -> None:
        @dato.kernel(mapping=[P], args=[A, B])
        def w(a: int32[N] @ [S(0)], b: int32[N] @ [S(0)]) -> None:
            for x in range(L):
                lo: int32 = 0 if x == 0 else a[x - 1]
                hi: int32 = a[x + 1] if x < L - 1 else 0
                b[x] = lo + 2 * a[x] + hi

    return top


def _stencil_ref(a: np.ndarray) -> np.ndarray:
    out = np.empty_like(a)
    for blk in range(P):
        s = a[blk * L : (blk + 1) * L].astype(np.int64)
        lo = np.concatenate([[0], s[:-1]])
        hi = np.concatenate([s[1:], [0]])
        out[blk * L : (blk + 1) * L] = (lo + 2 * s + hi).astype(np.int32)
    return out


def _conditional_get() -> object:
    # the consumer takes an element only on even steps: an eager get would take
    # all N and block on the producer's N // 2
    @dato.region()
    def top(A: int16[N // 2], B: int16[N]) -> None:
        s: Stream[int16, 2]

        @dato.kernel(mapping=[1], args=[A])
        def prod(a: int16[N // 2]) -> None:
            for x in range(N // 2):
                s.put(a[x])

        @dato.kernel(mapping=[1], args=[B])
        def cons(b: int16[N]) -> None:
            for x in range(N):
                b[x] = s.get() if x % 2 == 0 else -1

    return top


@pytest.mark.parametrize("target", ["simulator", "hls", "aie"])
def test_untaken_load_is_not_read(target: str) -> None:
    a = np.random.default_rng(3).integers(-1000, 1000, N).astype(np.int32)
    b = np.zeros(N, np.int32)
    dato.build(_stencil(), target=target)(a, b)
    np.testing.assert_array_equal(b, _stencil_ref(a))


@pytest.mark.parametrize("target", ["simulator", "hls", "aie"])
def test_untaken_stream_get_takes_nothing(target: str) -> None:
    a = np.arange(1, N // 2 + 1, dtype=np.int16) * 7
    b = np.zeros(N, np.int16)
    dato.build(_conditional_get(), target=target)(a, b)
    want = np.full(N, -1, np.int16)
    want[0::2] = a
    np.testing.assert_array_equal(b, want)


def test_pure_branches_stay_a_select() -> None:
    @dato.region()
    def top(A: int32[N], B: int32[N]) -> None:
        @dato.kernel(mapping=[1], args=[A, B])
        def k(a: int32[N], b: int32[N]) -> None:
            for x in range(N):
                v: int32 = a[x]
                b[x] = v if v > 0 else 0

    text = str(dato.build(top).module)
    assert "arith.select" in text and "scf.if" not in text
