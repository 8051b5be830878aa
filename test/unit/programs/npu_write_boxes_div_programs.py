"""Instances storing their box of one unsharded output at indices computed
with // and % of the pid (test_npu_write_boxes_div)."""

import dato_xdsl as dato


def quarters(T, M: int, N: int):
    """Worker p of 4 writes the quarter of C at block row p // 2 and block
    column p % 2 (C[(p // 2) * M/2 + i, (p % 2) * N/2 + j] = A[...] * 2 + p)."""
    HM, HN = M // 2, N // 2

    @dato.region()
    def top(A: T[M, N], C: T[M, N]):
        @dato.kernel(mapping=[4], args=[A, C])
        def worker(A: T[M, N], C: T[M, N]):
            p = dato.get_pid()
            for i in range(HM):
                for j in range(HN):
                    C[(p // 2) * HM + i, (p % 2) * HN + j] = (
                        A[(p // 2) * HM + i, (p % 2) * HN + j] * 2 + p
                    )

    return top
