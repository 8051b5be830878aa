"""A 1-D halo stencil on a ring of nodes, shared by the NPU ring tests."""

from __future__ import annotations

from typing import Any

import dato_xdsl as dato
from dato_xdsl import Layout, Stream

S, R = Layout.Shard, Layout.Replicate


def halo_accumulate(T: Any, P: int, L: int) -> Any:
    """C += the 1-2-1 stencil of A read as one ring of P * L elements; node p
    owns row p, the ends of its row come from its ring neighbours. C is read
    (added to: its host copy comes in whatever physical mapping proves about
    the stores covering it) and written, A read: two reads and one write a
    core."""

    @dato.region()
    def top(A: T[P, L], C: T[P, L]):
        right: Stream[T, 2][P]
        left: Stream[T, 2][P]

        @dato.kernel(mapping=[P], args=[A, C])
        def node(a: T[P, L] @ [S(0), R], c: T[P, L] @ [S(0), R]):
            p = dato.get_pid()
            right[(p + 1) % P].put(a[0, L - 1])
            left[(p + P - 1) % P].put(a[0, 0])
            lo: T = right[p].get()
            hi: T = left[p].get()
            c[0, 0] = c[0, 0] + lo + 2 * a[0, 0] + a[0, 1]
            for i in range(1, L - 1):
                c[0, i] = c[0, i] + a[0, i - 1] + 2 * a[0, i] + a[0, i + 1]
            c[0, L - 1] = c[0, L - 1] + a[0, L - 2] + 2 * a[0, L - 1] + hi

    return top
