"""Programs whose loaders cut their blocks of an array in a loop and put the
pieces on streams (SUMMA's row and column loaders), for
test_npu_loop_loaders."""

from __future__ import annotations

from typing import Any

import dato_xdsl as dato
from dato_xdsl import Layout, Stream, int32

S = Layout.Shard
R = Layout.Replicate


def summa(n: int, p: int) -> Any:
    """SUMMA on a p x p grid, n x n x n int32: at step s, loader `rowload` i
    sends A's block (i, s) to every node of row i, `colload` j sends B's
    block (s, j) to every node of column j; node (i, j) sums the products
    into its block of C."""
    nb = n // p

    @dato.region()
    def top(A: int32[n, n], B: int32[n, n], C: int32[n, n]):
        fa: Stream[int32[nb, nb], 2][p, p]
        fb: Stream[int32[nb, nb], 2][p, p]

        @dato.kernel(mapping=[p], args=[A])
        def rowload(a: int32[n, n] @ [S(0), R]):
            i = dato.get_pid()
            for s in range(p):
                piece: int32[nb, nb] = 0
                piece[:, :] = a[:, s * nb : (s + 1) * nb]
                with dato.meta_for(0, p) as j:
                    fa[i, j].put(piece)

        @dato.kernel(mapping=[p], args=[B])
        def colload(b: int32[n, n] @ [R, S(0)]):
            j = dato.get_pid()
            for s in range(p):
                piece: int32[nb, nb] = 0
                piece[:, :] = b[s * nb : (s + 1) * nb, :]
                with dato.meta_for(0, p) as i:
                    fb[i, j].put(piece)

        @dato.kernel(mapping=[p, p], args=[C])
        def node(c: int32[n, n] @ [S(0), S(1)]):
            i, j = dato.get_pid()
            acc: int32[nb, nb] = 0
            for s in range(p):
                acc[:, :] = dato.add(acc, dato.matmul(fa[i, j].get(), fb[i, j].get()))
            c[:, :] = acc

    return top


def summa_scaled(n: int, p: int) -> Any:
    """`summa`, but the nodes scale what they get before multiplying (they
    write the get's buffer: the elided get must stay a copy)."""
    nb = n // p

    @dato.region()
    def top(A: int32[n, n], B: int32[n, n], C: int32[n, n]):
        fa: Stream[int32[nb, nb], 2][p, p]
        fb: Stream[int32[nb, nb], 2][p, p]

        @dato.kernel(mapping=[p], args=[A])
        def rowload(a: int32[n, n] @ [S(0), R]):
            i = dato.get_pid()
            for s in range(p):
                piece: int32[nb, nb] = 0
                piece[:, :] = a[:, s * nb : (s + 1) * nb]
                with dato.meta_for(0, p) as j:
                    fa[i, j].put(piece)

        @dato.kernel(mapping=[p], args=[B])
        def colload(b: int32[n, n] @ [R, S(0)]):
            j = dato.get_pid()
            for s in range(p):
                piece: int32[nb, nb] = 0
                piece[:, :] = b[s * nb : (s + 1) * nb, :]
                with dato.meta_for(0, p) as i:
                    fb[i, j].put(piece)

        @dato.kernel(mapping=[p, p], args=[C])
        def node(c: int32[n, n] @ [S(0), S(1)]):
            i, j = dato.get_pid()
            acc: int32[nb, nb] = 0
            for s in range(p):
                x: int32[nb, nb] = fa[i, j].get()
                for r in range(nb):
                    for q in range(nb):
                        x[r, q] = x[r, q] * 3 + 1
                acc[:, :] = dato.add(acc, dato.matmul(x, fb[i, j].get()))
            c[:, :] = acc

    return top


def gemm_pieces(n: int, p: int) -> Any:
    """A p x p grid of nodes each holding its row block of A and column
    block of B and multiplying them piece by piece: at step s, the strided
    views `a[:, s*nb:(s+1)*nb]` and `b[s*nb:(s+1)*nb, :]` (what SUMMA's nodes
    read once its loaders are elided)."""
    nb = n // p

    @dato.region()
    def top(A: int32[n, n], B: int32[n, n], C: int32[n, n]):
        @dato.kernel(mapping=[p, p], args=[A, B, C])
        def node(
            a: int32[n, n] @ [S(0), R], b: int32[n, n] @ [R, S(1)], c: int32[n, n] @ [S(0), S(1)]
        ):
            acc: int32[nb, nb] = 0
            for s in range(p):
                acc[:, :] = dato.add(
                    acc, dato.matmul(a[:, s * nb : (s + 1) * nb], b[s * nb : (s + 1) * nb, :])
                )
            c[:, :] = acc

    return top


def cannon(n: int, p: int) -> Any:
    """Cannon's GEMM on a p x p torus, n x n x n int32: node (i, j) starts
    with A's block (i, (i+j) mod p) and B's block ((i+j) mod p, j), and at
    each step passes its A block west and its B block north around the
    rings."""
    nb = n // p

    @dato.region()
    def top(A: int32[n, n], B: int32[n, n], C: int32[n, n]):
        west: Stream[int32[nb, nb], 1][p, p]
        north: Stream[int32[nb, nb], 1][p, p]

        @dato.kernel(mapping=[p, p], args=[A, B, C])
        def node(a: int32[n, n], b: int32[n, n], c: int32[n, n] @ [S(0), S(1)]):
            i, j = dato.get_pid()
            k = (i + j) % p
            mine_a: int32[nb, nb] = 0
            mine_b: int32[nb, nb] = 0
            mine_a[:, :] = a[i * nb : (i + 1) * nb, k * nb : (k + 1) * nb]
            mine_b[:, :] = b[k * nb : (k + 1) * nb, j * nb : (j + 1) * nb]
            acc: int32[nb, nb] = 0
            for _s in range(p):
                acc[:, :] = dato.add(acc, dato.matmul(mine_a, mine_b))
                west[i, (j + p - 1) % p].put(mine_a)
                north[(i + p - 1) % p, j].put(mine_b)
                mine_a[:, :] = west[i, j].get()
                mine_b[:, :] = north[i, j].get()
            c[:, :] = acc

    return top
