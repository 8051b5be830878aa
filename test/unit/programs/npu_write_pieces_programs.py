"""Programs whose output is written piece after piece, or whose loaders only
forward a block (test_npu_write_pieces)."""

import dato_xdsl as dato
from dato_xdsl import Layout, Stream

S, R = Layout.Shard, Layout.Replicate


def transpose_stream(T, N: int, P: int):
    """P loaders each send their row block of A; a collector writes the
    transpose of block p into column block p of B."""
    RB = N // P

    @dato.region()
    def top(A: T[N, N], B: T[N, N]):
        rows: Stream[T[RB, N], 2][P]

        @dato.kernel(mapping=[P], args=[A])
        def src(a: T[N, N] @ [S(0), R]):
            p = dato.get_pid()
            rows[p].put(a)

        @dato.kernel(mapping=[1], args=[B])
        def col(b: T[N, N]):
            with dato.meta_for(0, P) as p:
                blk: T[RB, N] = rows[p].get()
                for i in range(RB):
                    for j in range(N):
                        b[j, p * RB + i] = blk[i, j]

    return top


def transpose_twice(T, N: int, P: int):
    """As transpose_stream, but every turn also writes B[0, 0]: the turns'
    boxes meet, so the collector must stay one task."""
    RB = N // P

    @dato.region()
    def top(A: T[N, N], B: T[N, N]):
        rows: Stream[T[RB, N], 2][P]

        @dato.kernel(mapping=[P], args=[A])
        def src(a: T[N, N] @ [S(0), R]):
            p = dato.get_pid()
            rows[p].put(a)

        @dato.kernel(mapping=[1], args=[B])
        def col(b: T[N, N]):
            with dato.meta_for(0, P) as p:
                blk: T[RB, N] = rows[p].get()
                for i in range(RB):
                    for j in range(N):
                        b[j, p * RB + i] = blk[i, j]
                b[0, 0] = blk[0, 0]

    return top


def lanes(T, N: int, P: int):
    """P loaders forward their row block to P workers that double it."""
    RB = N // P

    @dato.region()
    def top(A: T[N, N], B: T[N, N]):
        rows: Stream[T[RB, N], 2][P]

        @dato.kernel(mapping=[P], args=[A])
        def src(a: T[N, N] @ [S(0), R]):
            p = dato.get_pid()
            rows[p].put(a)

        @dato.kernel(mapping=[P], args=[B])
        def wk(b: T[N, N] @ [S(0), R]):
            p = dato.get_pid()
            blk: T[RB, N] = rows[p].get()
            for i in range(RB):
                for j in range(N):
                    b[i, j] = blk[i, j] * 2

    return top


def tile_gather_slices(T, N: int, P: int):
    """P x P workers each produce a tile; one collector copies tile (i, j)
    into C[i * TB:(i + 1) * TB, j * TB:(j + 1) * TB]."""
    TB = N // P

    @dato.region()
    def top(A: T[N, N], C: T[N, N]):
        tiles: Stream[T[TB, TB], 2][P, P]

        @dato.kernel(mapping=[P, P], args=[A])
        def wk(a: T[N, N] @ [S(0), S(1)]):
            i, j = dato.get_pid()
            t: T[TB, TB] = 0
            for x in range(TB):
                for y in range(TB):
                    t[x, y] = a[x, y] * 3 + 1
            tiles[i, j].put(t)

        @dato.kernel(mapping=[1], args=[C])
        def coll(c: T[N, N]):
            with dato.meta_for(0, P) as i:
                with dato.meta_for(0, P) as j:
                    c[i * TB : (i + 1) * TB, j * TB : (j + 1) * TB] = tiles[i, j].get()

    return top
