"""Programs whose instances each store a strided lattice of one unsharded
output (npu_write_boxes' strided boxes)."""

import dato_xdsl as dato
from dato_xdsl import Stream


def tiled_systolic(T, M: int, N: int, K: int, Mt: int, Nt: int):
    """C = A @ B on an (Mt + 2) x (Nt + 2) grid, M / Mt x N / Nt output tiles
    in turn: west loaders send A's rows, north loaders B's columns, the east
    and south edges drain, and each inner PE accumulates one element per tile."""
    P0, P1 = Mt + 2, Nt + 2

    @dato.region()
    def top(A: T[M, K], B: T[K, N], C: T[M, N]):
        east: Stream[T, 4][P0, P1]
        south: Stream[T, 4][P0, P1]

        @dato.kernel(mapping=[P0, P1], args=[A, B, C])
        def pe(A: T[M, K], B: T[K, N], C: T[M, N]):
            i, j = dato.get_pid()
            for tm in range(M // Mt):
                for tn in range(N // Nt):
                    with dato.meta_if(i in {0, Mt + 1} and j in {0, Nt + 1}):
                        pass
                    with dato.meta_elif(j == 0):
                        for k in range(K):
                            east[i, 1].put(A[tm * Mt + i - 1, k])
                    with dato.meta_elif(i == 0):
                        for k in range(K):
                            south[1, j].put(B[k, tn * Nt + j - 1])
                    with dato.meta_elif(i == Mt + 1):
                        for k in range(K):
                            south[i, j].get()
                    with dato.meta_elif(j == Nt + 1):
                        for k in range(K):
                            east[i, j].get()
                    with dato.meta_else():
                        acc: T = 0
                        for k in range(K):
                            a: T = east[i, j].get()
                            b: T = south[i, j].get()
                            acc += a * b
                            east[i, j + 1].put(a)
                            south[i + 1, j].put(b)
                        C[tm * Mt + i - 1, tn * Nt + j - 1] = acc

    return top


def interleaved_rows(T, M: int, N: int, K: int, P: int):
    """C = A @ B, worker p computing rows p, p + P, p + 2P, ... (whole rows)."""

    @dato.region()
    def top(A: T[M, K], B: T[K, N], C: T[M, N]):
        @dato.kernel(mapping=[P], args=[A, B, C])
        def worker(A: T[M, K], B: T[K, N], C: T[M, N]):
            p = dato.get_pid()
            for r in range(M // P):
                for n in range(N):
                    acc: T = 0
                    for k in range(K):
                        acc += A[r * P + p, k] * B[k, n]
                    C[r * P + p, n] = acc

    return top


def diagonal_lattices(T, M: int, N: int, P: int):
    """Worker p writes C[r * P + p, n * P + p] = A[...] + p + 1: every P-th row
    and column, shifted by p; the elements no worker writes keep C's values."""

    @dato.region()
    def top(A: T[M, N], C: T[M, N]):
        @dato.kernel(mapping=[P], args=[A, C])
        def worker(A: T[M, N], C: T[M, N]):
            p = dato.get_pid()
            for r in range(M // P):
                for n in range(N // P):
                    C[r * P + p, n * P + p] = A[r * P + p, n * P + p] + p + 1

    return top


def conditional_lattice(T, M: int, N: int, P: int):
    """Worker p triples the positive elements among rows p, p + P, ... and
    even columns of A into C; the others keep C's values (the lattice is not
    written whole, so it comes in from the host first)."""

    @dato.region()
    def top(A: T[M, N], C: T[M, N]):
        @dato.kernel(mapping=[P], args=[A, C])
        def worker(A: T[M, N], C: T[M, N]):
            p = dato.get_pid()
            for r in range(M // P):
                for n in range(N // 2):
                    if A[r * P + p, n * 2] > 0:
                        C[r * P + p, n * 2] = A[r * P + p, n * 2] * 3

    return top
