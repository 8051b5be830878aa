"""Collectors that write a large output row by row from streams
(test_npu_gather_rows): `b[:, :] = dato.gather(pipe)`, and sources that
send different numbers of rows."""

import dato_xdsl as dato
from dato_xdsl import Stream


def gather_whole(T, P: int, L: int):
    """P sources each put row p of A; the collector writes all of B with
    `b[:, :] = dato.gather(pipe)` (a local of P rows, copied whole into b)."""

    @dato.region()
    def top(A: T[P, L], B: T[P, L]):
        pipe: Stream[T[L], 2][P]

        @dato.kernel(mapping=[P], args=[A])
        def src(a: T[P, L]):
            p = dato.get_pid()
            pipe[p].put(a[p, :])

        @dato.kernel(mapping=[1], args=[B])
        def dst(b: T[P, L]):
            b[:, :] = dato.gather(pipe)

    return top


def gather_then_read(T, P: int, L: int):
    """As gather_whole, then the collector adds row 0 into every row of b
    after the copy: b is read, so its local stays (b is not only written)."""

    @dato.region()
    def top(A: T[P, L], B: T[P, L]):
        pipe: Stream[T[L], 2][P]

        @dato.kernel(mapping=[P], args=[A])
        def src(a: T[P, L]):
            p = dato.get_pid()
            pipe[p].put(a[p, :])

        @dato.kernel(mapping=[1], args=[B])
        def dst(b: T[P, L]):
            g: T[P, L] = dato.gather(pipe)
            b[:, :] = g
            for j in range(L):
                b[1, j] = b[1, j] + b[0, j]

    return top


def first_row(p: int) -> int:
    """The first row of source p when source p sends p % 3 + 1 rows."""
    return 6 * (p // 3) + (p % 3) * (p % 3 + 1) // 2


def gather_uneven(T, P: int, L: int):
    """Source p sends p % 3 + 1 rows of A (1, 2, 3, 1, 2, ...); the collector
    writes each into its row of B, the row computed from p with // and %."""
    rows = sum(p % 3 + 1 for p in range(P))

    @dato.region()
    def top(A: T[rows, L], B: T[rows, L]):
        pipe: Stream[T[L], 2][P]

        @dato.kernel(mapping=[P], args=[A])
        def src(a: T[rows, L]):
            p = dato.get_pid()
            with dato.meta_for(0, p % 3 + 1) as t:
                pipe[p].put(a[6 * (p // 3) + (p % 3) * (p % 3 + 1) // 2 + t, :])

        @dato.kernel(mapping=[1], args=[B])
        def dst(b: T[rows, L]):
            with dato.meta_for(0, P) as p:
                with dato.meta_for(0, p % 3 + 1) as t:
                    b[6 * (p // 3) + (p % 3) * (p % 3 + 1) // 2 + t, :] = pipe[p].get()

    return top
