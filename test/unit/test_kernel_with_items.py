"""`with a as i, b as j:` in a kernel is Python's nested `with a as i:` /
`with b as j:` (the frontend desugars it): two meta_for loops in one
statement, the inner one's bounds reading the outer's variable; a non-meta
item is refused at its line."""

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Stream, int32

P, L = 4, 8
ROWS = [1, 2, 3, 1]  # rows source p sends: p % 3 + 1
FIRST = [0, 1, 3, 6]  # its first row of B
TOT = sum(ROWS)


@dato.region()
def uneven(A: int32[TOT, L], B: int32[TOT, L]):
    pipe: Stream[int32[L], 2][P]

    @dato.kernel(mapping=[P], args=[A])
    def src(a: int32[TOT, L]):
        p = dato.get_pid()
        with dato.meta_for(0, p % 3 + 1) as t:
            row = (p % 3) * (p % 3 + 1) // 2 + 6 * (p // 3) + t
            pipe[p].put(dato.add(a[row, :], 5))  # noqa: F821

    @dato.kernel(mapping=[1], args=[B])
    def dst(b: int32[TOT, L]):
        with dato.meta_for(0, P) as p, dato.meta_for(0, p % 3 + 1) as t:
            row = (p % 3) * (p % 3 + 1) // 2 + 6 * (p // 3) + t
            b[row, :] = pipe[p].get()  # noqa: F821


@pytest.mark.parametrize("target", ["simulator", "aie"])
def test_two_meta_for_items_nest(target: str) -> None:
    assert [(p % 3) * (p % 3 + 1) // 2 + 6 * (p // 3) for p in range(P)] == FIRST
    A = np.arange(TOT * L, dtype=np.int32).reshape(TOT, L)
    B = np.zeros_like(A)
    dato.build(uneven, target=target)(A, B)
    np.testing.assert_array_equal(B, A + 5)


def test_a_non_meta_item_is_refused_at_its_line() -> None:
    @dato.region()
    def top(A: int32[L]):
        @dato.kernel(mapping=[1], args=[A])
        def k(a: int32[L]):
            with dato.meta_for(0, 2) as i, open("x") as f:  # noqa: F841
                a[i] = 1

    with pytest.raises(dato.DatoError, match=r"test_kernel_with_items.py:\d+: .*only 'with dato"):
        dato.build(top)
