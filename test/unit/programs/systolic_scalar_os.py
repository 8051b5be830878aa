"""A scalar output-stationary systolic array (C = A @ B on a grid of PEs
with loaders on the left and top edges and drains on the right and bottom),
for the runtime-sequence replay's join test."""

from __future__ import annotations

import dato_xdsl as dato
from dato_xdsl import Stream, int16, int32


def systolic(rows: int, cols: int, k_len: int):
    """C = A @ B on a (rows + 2) x (cols + 2) grid of scalar PEs: loaders on
    the left and top edges, drains on the right and bottom."""

    @dato.region()
    def top(A: int16[rows, k_len], B: int16[k_len, cols], C: int32[rows, cols]):
        fa: Stream[int16, 2][rows + 2, cols + 2]
        fb: Stream[int16, 2][rows + 2, cols + 2]

        @dato.kernel(mapping=[rows + 2, cols + 2], args=[A, B, C])
        def pe(a: int16[rows, k_len], b: int16[k_len, cols], c: int32[rows, cols]):
            i, j = dato.get_pid()
            with dato.meta_if(i in {0, rows + 1} and j in {0, cols + 1}):
                pass
            with dato.meta_elif(j == 0):
                for k in range(k_len):
                    fa[i, 1].put(a[i - 1, k])
            with dato.meta_elif(i == 0):
                for k in range(k_len):
                    fb[1, j].put(b[k, j - 1])
            with dato.meta_elif(i == rows + 1):
                for k in range(k_len):
                    _x = fb[i, j].get()
            with dato.meta_elif(j == cols + 1):
                for k in range(k_len):
                    _y = fa[i, j].get()
            with dato.meta_else():
                acc: int32 = 0
                for k in range(k_len):
                    va = fa[i, j].get()
                    vb = fb[i, j].get()
                    acc += va * vb
                    fa[i, j + 1].put(va)
                    fb[i + 1, j].put(vb)
                c[i - 1, j - 1] = acc

    return top
