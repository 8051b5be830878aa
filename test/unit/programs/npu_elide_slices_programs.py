"""Loaders dealing slices with meta_for and collectors storing them back, for
test_npu_elide_slices: 1-D chunks `a[p*L:(p+1)*L]` and 2-D row blocks."""

import dato_xdsl as dato
from dato_xdsl import Stream


def chunks(T, P: int, L: int):
    """A loader deals chunk p of A to worker p (y = 3x + 1); a store puts the
    chunks back into B."""
    N = P * L

    @dato.region()
    def top(A: T[N], B: T[N]):
        s: Stream[T[L], 2][P]
        o: Stream[T[L], 2][P]

        @dato.kernel(mapping=[1], args=[A])
        def load(a: T[N]):
            with dato.meta_for(0, P) as p:
                s[p].put(a[p * L : (p + 1) * L])

        @dato.kernel(mapping=[P])
        def w():
            p = dato.get_pid()
            x = s[p].get()
            y: T[L] = 0
            for i in range(L):
                y[i] = x[i] * 3 + 1
            o[p].put(y)

        @dato.kernel(mapping=[1], args=[B])
        def store(b: T[N]):
            with dato.meta_for(0, P) as p:
                b[p * L : (p + 1) * L] = o[p].get()

    return top


def row_blocks(T, P: int, R: int, L: int):
    """A loader deals R-row block p of A to worker p (y = x - 7); a store puts
    the blocks back into B."""

    @dato.region()
    def top(A: T[P * R, L], B: T[P * R, L]):
        s: Stream[T[R, L], 2][P]
        o: Stream[T[R, L], 2][P]

        @dato.kernel(mapping=[1], args=[A])
        def load(a: T[P * R, L]):
            with dato.meta_for(0, P) as p:
                s[p].put(a[p * R : (p + 1) * R, :])

        @dato.kernel(mapping=[P])
        def w():
            p = dato.get_pid()
            x = s[p].get()
            y: T[R, L] = 0
            for i in range(R):
                for j in range(L):
                    y[i, j] = x[i, j] - 7
            o[p].put(y)

        @dato.kernel(mapping=[1], args=[B])
        def store(b: T[P * R, L]):
            with dato.meta_for(0, P) as p:
                b[p * R : (p + 1) * R, :] = o[p].get()

    return top
