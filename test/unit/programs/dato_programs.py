"""Dato programs used by the end-to-end tests. Each factory returns a region
for the element type and sizes it is given; the tests hold the numpy reference."""

import dato_xdsl as dato
from dato_xdsl import Layout, Stream, int32

S = Layout.Shard
R = Layout.Replicate


def producer_consumer(T, N: int, depth: int = 4):
    @dato.region()
    def top(A: T[N], B: T[N]):
        pipe: Stream[T, depth]

        @dato.kernel(mapping=[1], args=[A])
        def producer(a: T[N]):
            for i in range(N):
                pipe.put(a[i] + 1)

        @dato.kernel(mapping=[1], args=[B])
        def consumer(b: T[N]):
            for i in range(N):
                b[i] = pipe.get() * 2

    return top


def tiled_gemm(T, M: int, N: int, K: int, P0: int = 2, P1: int = 2):
    @dato.region()
    def top(A: T[M, K], B: T[K, N], C: T[M, N]):
        @dato.kernel(mapping=[P0, P1], args=[A, B, C])
        def gemm(a: T[M, K] @ [S(0), R], b: T[K, N] @ [R, S(1)], c: T[M, N] @ [S(0), S(1)]):
            c[:, :] = dato.matmul(a, b)

    return top


def systolic_2d(T, M: int, N: int, K: int):
    """Output-stationary systolic GEMM on an (M+2) x (N+2) grid: loaders on the
    west and north edges, drains on the east and south, PEs inside."""
    P0, P1 = M + 2, N + 2

    @dato.region()
    def top(A: T[M, K], B: T[K, N], C: T[M, N]):
        fifo_A: Stream[T, 4][P0, P1]
        fifo_B: Stream[T, 4][P0, P1]

        @dato.kernel(mapping=[P0, P1], args=[A, B, C])
        def gemm(A: T[M, K], B: T[K, N], C: T[M, N]):
            i, j = dato.get_pid()
            with dato.meta_if(i in {0, M + 1} and j in {0, N + 1}):
                pass
            with dato.meta_elif(j == 0):
                for k in range(K):
                    fifo_A[i, j + 1].put(A[i - 1, k])
            with dato.meta_elif(i == 0):
                for k in range(K):
                    fifo_B[i + 1, j].put(B[k, j - 1])
            with dato.meta_elif(i == M + 1 and j > 0):
                for k in range(K):
                    b: T = fifo_B[i, j].get()
            with dato.meta_elif(j == N + 1 and i > 0):
                for k in range(K):
                    a: T = fifo_A[i, j].get()
            with dato.meta_else():
                c: T = 0
                for k in range(K):
                    a: T = fifo_A[i, j].get()
                    b: T = fifo_B[i, j].get()
                    c += a * b
                    fifo_A[i, j + 1].put(a)
                    fifo_B[i + 1, j].put(b)
                C[i - 1, j - 1] = c

    return top


def systolic_1d(T, M: int, N: int, K: int):
    """A chain of N PEs fed by a loader: PE j computes column j of C = A @ B,
    passing each element of A on to PE j + 1 (the last PE keeps it)."""

    @dato.region()
    def top(A: T[M, K], B: T[K, N], C: T[M, N]):
        chain: Stream[T, 2][N + 1]

        @dato.kernel(mapping=[N + 1], args=[A, B, C])
        def pe(A: T[M, K], B: T[K, N], C: T[M, N]):
            j = dato.get_pid()
            with dato.meta_if(j == 0):
                for i, k in dato.grid(M, K):
                    chain[1].put(A[i, k])
            with dato.meta_else():
                for i in range(M):
                    acc: T = 0
                    for k in range(K):
                        a = chain[j].get()
                        with dato.meta_if(j < N):
                            chain[j + 1].put(a)
                        acc += a * B[k, j - 1]
                    C[i, j - 1] = acc

    return top


def split_k_gemm(T, M: int, N: int, K: int, KS: int):
    """K split over KS tasks; partial sums flow along a chain of block streams."""

    @dato.region()
    def top(A: T[M, K], B: T[K, N], C: T[M, N]):
        partial: Stream[T[M, N], 2][KS + 1]

        @dato.kernel(mapping=[KS], args=[A, B])
        def part(a: T[M, K] @ [R, S(0)], b: T[K, N] @ [S(0), R]):
            k = dato.get_pid()
            mine = dato.matmul(a, b)
            with dato.meta_if(k == 0):
                partial[k + 1].put(mine)
            with dato.meta_else():
                before = partial[k].get()
                partial[k + 1].put(dato.add(before, mine))

        @dato.kernel(mapping=[1], args=[C])
        def drain(c: T[M, N]):
            c[:, :] = partial[KS].get()

    return top


def ring_gemm(T, M: int, N: int, K: int, P: int):
    """Cannon-style ring: node p keeps its rows of A and passes column blocks of
    B around a cyclic stream graph; after P steps it has every block of C's rows."""
    NB = N // P

    @dato.region()
    def top(A: T[M, K], B: T[K, N], C: T[M, N]):
        ring: Stream[T[K, NB], 1][P]

        @dato.kernel(mapping=[P], args=[A, B, C])
        def node(a: T[M, K] @ [S(0), R], b: T[K, N] @ [R, S(0)], c: T[M, N] @ [S(0), R]):
            p = dato.get_pid()
            blk: T[K, NB] = 0
            blk[:, :] = b
            for s in range(P):
                col = ((p - s + P) % P) * NB
                c[:, col : col + NB] = dato.matmul(a, blk)
                ring[(p + 1) % P].put(blk)
                blk[:, :] = ring[p].get()

    return top


def scatter_gather(T, P: int, L: int):
    """A distributor scatters the rows of A to P workers, each squares its row
    plus one, and a collector gathers the rows back."""

    @dato.region()
    def top(A: T[P, L], B: T[P, L]):
        to_worker: Stream[T[L], 2][P]
        from_worker: Stream[T[L], 2][P]

        @dato.kernel(mapping=[1], args=[A])
        def distributor(a: T[P, L]):
            dato.scatter(a, to_worker)

        @dato.kernel(mapping=[P])
        def worker():
            w = dato.get_pid()
            row = to_worker[w].get()
            out: T[L] = 0
            for i in range(L):
                out[i] = row[i] * row[i] + 1
            from_worker[w].put(out)

        @dato.kernel(mapping=[1], args=[B])
        def collector(b: T[P, L]):
            b[:, :] = dato.gather(from_worker)

    return top


def mlp3(T, B: int, D0: int, D1: int, D2: int, D3: int):
    """A 3-layer MLP (ReLU, ReLU, linear) as a chain of three kernels."""

    @dato.region()
    def top(X: T[B, D0], W1: T[D0, D1], W2: T[D1, D2], W3: T[D2, D3], Y: T[B, D3]):
        h1: Stream[T[B, D1], 1]
        h2: Stream[T[B, D2], 1]

        @dato.kernel(mapping=[1], args=[X, W1])
        def layer1(x: T[B, D0], w: T[D0, D1]):
            zero: T[B, D1] = 0
            h1.put(dato.maximum(dato.matmul(x, w), zero))

        @dato.kernel(mapping=[1], args=[W2])
        def layer2(w: T[D1, D2]):
            zero: T[B, D2] = 0
            h2.put(dato.maximum(dato.matmul(h1.get(), w), zero))

        @dato.kernel(mapping=[1], args=[W3, Y])
        def layer3(w: T[D2, D3], y: T[B, D3]):
            y[:, :] = dato.matmul(h2.get(), w)

    return top


def elementwise_meta_for(T, P: int, L: int):
    """A loader deals A and B to P lanes with meta_for over a stream array; each
    lane adds; a store task collects with meta_for."""

    @dato.region()
    def top(A: T[P, L], B: T[P, L], C: T[P, L]):
        lane_a: Stream[T[L], 2][P]
        lane_b: Stream[T[L], 2][P]
        lane_c: Stream[T[L], 2][P]

        @dato.kernel(mapping=[1], args=[A, B])
        def load(a: T[P, L], b: T[P, L]):
            with dato.meta_for(0, P) as p:
                lane_a[p].put(a[p, :])
                lane_b[p].put(b[p, :])

        @dato.kernel(mapping=[P])
        def lane():
            p = dato.get_pid()
            lane_c[p].put(dato.add(lane_a[p].get(), lane_b[p].get()))

        @dato.kernel(mapping=[1], args=[C])
        def store(c: T[P, L]):
            with dato.meta_for(0, P) as p:
                c[p, :] = lane_c[p].get()

    return top


def deadlock(N: int):
    """Two tasks that each wait for the other first: a real deadlock."""

    @dato.region()
    def top(A: int32[N], B: int32[N]):
        ping: Stream[int32, 2]
        pong: Stream[int32, 2]

        @dato.kernel(mapping=[1], args=[A])
        def left(a: int32[N]):
            for i in range(N):
                x = pong.get()
                ping.put(a[i] + x)

        @dato.kernel(mapping=[1], args=[B])
        def right(b: int32[N]):
            for i in range(N):
                y = ping.get()
                pong.put(y)
                b[i] = y

    return top


def mixed_types():
    """Promotion, wrapping and division rules on scalars."""
    from dato_xdsl import float32, int8, int16, uint8

    @dato.region()
    def top(
        A: int8[4], B: int16[4], U: uint8[4], F: float32[4], OUT_I: int16[8], OUT_F: float32[4]
    ):
        @dato.kernel(mapping=[1], args=[A, B, U, F, OUT_I, OUT_F])
        def k(a: int8[4], b: int16[4], u: uint8[4], f: float32[4], oi: int16[8], of: float32[4]):
            s: int8 = a[0] + a[1]  # int8 + int8 wraps at 8 bits
            oi[0] = s
            oi[1] = a[2] * b[0]  # int8 * int16 -> int16
            oi[2] = b[1] // 4  # floor division
            oi[3] = b[1] / 4  # truncating division on integers
            oi[4] = b[2] % 5  # Python's sign rule
            oi[5] = u[0] // 2 + u[1]  # unsigned: 200 // 2 + 100 = 200
            oi[6] = max(a[0], b[3], 7)
            oi[7] = 1 if u[0] > u[1] else 0  # unsigned compare
            of[0] = f[0] * f[1] + a[0]  # float32 with an int8 promotes to float32
            of[1] = f[2] / 3
            of[2] = dato.float32(b[0]) ** 2
            of[3] = -f[3] if f[3] > 0.5 else f[3]

    return top


def vector_add(T, N: int, lanes: int):
    """C = A + B over `lanes` tasks, each on its shard of the vectors."""

    @dato.region()
    def top(A: T[N], B: T[N], C: T[N]):
        @dato.kernel(mapping=[lanes], args=[A, B, C])
        def add(a: T[N] @ [S(0)], b: T[N] @ [S(0)], c: T[N] @ [S(0)]):
            c[:] = dato.add(a, b)

    return top


def block_handoff(T, N: int):
    """p doubles A and hands the block to c over a block stream; c stores it."""

    @dato.region()
    def top(A: T[N, N], B: T[N, N]):
        blk: Stream[T[N, N], 1]

        @dato.kernel(mapping=[1], args=[A])
        def p(a: T[N, N]):
            blk.put(dato.add(a, a))

        @dato.kernel(mapping=[1], args=[B])
        def c(b: T[N, N]):
            b[:, :] = blk.get()

    return top
