"""Programs whose tasks have more streams than a compute tile has DMA
channels (fan-in, fan-out, chains longer than a column)."""

import dato_xdsl as dato
from dato_xdsl import Layout, Stream, int32

S = Layout.Shard
R = Layout.Replicate


def gather_sum(T, P: int, L: int):
    """P sources send their row of A; one reducer adds the P rows into B."""

    @dato.region()
    def top(A: T[P, L], B: T[L]):
        rows: Stream[T[L], 2][P]

        @dato.kernel(mapping=[P], args=[A])
        def src(a: T[P, L] @ [S(0), R]):
            p = dato.get_pid()
            rows[p].put(a[0, :])

        @dato.kernel(mapping=[1], args=[B])
        def red(b: T[L]):
            acc: T[L] = 0
            with dato.meta_for(0, P) as p:
                acc[:] = dato.add(acc, rows[p].get())
            b[:] = acc

    return top


def reduction_tree(T, L: int):
    """8 leaves send their row of A up a binary tree of adders; the root writes B."""

    @dato.region()
    def top(A: T[8, L], B: T[L]):
        t0: Stream[T[L], 2][8]
        t1: Stream[T[L], 2][4]
        t2: Stream[T[L], 2][2]

        @dato.kernel(mapping=[8], args=[A])
        def leaf(a: T[8, L] @ [S(0), R]):
            p = dato.get_pid()
            t0[p].put(a[0, :])

        @dato.kernel(mapping=[4])
        def n1():
            p = dato.get_pid()
            t1[p].put(dato.add(t0[2 * p].get(), t0[2 * p + 1].get()))

        @dato.kernel(mapping=[2])
        def n2():
            p = dato.get_pid()
            t2[p].put(dato.add(t1[2 * p].get(), t1[2 * p + 1].get()))

        @dato.kernel(mapping=[1], args=[B])
        def root(b: T[L]):
            b[:] = dato.add(t2[0].get(), t2[1].get())

    return top


def fir(T, TAPS: int, N: int):
    """Y[n] = sum_j H[j] X[n - j] as a chain of taps: tap j gets x[n - j] and the
    partial sum from tap j - 1, adds H[j] x and passes both on (x one sample
    later)."""

    @dato.region()
    def top(X: T[N], H: T[TAPS], Y: T[N]):
        xs: Stream[T, 2][TAPS]
        ys: Stream[T, 2][TAPS]

        @dato.kernel(mapping=[TAPS], args=[X, H, Y])
        def tap(x: T[N], h: T[TAPS] @ [S(0)], y: T[N]):
            j = dato.get_pid()
            prev: T = 0
            for n in range(N):
                with dato.meta_if(j == 0):
                    xn: T = x[n]
                    acc: T = h[0] * xn
                with dato.meta_else():
                    xn: T = xs[j].get()
                    acc: T = ys[j].get() + h[0] * xn
                with dato.meta_if(j < TAPS - 1):
                    xs[j + 1].put(prev)
                    ys[j + 1].put(acc)
                with dato.meta_else():
                    y[n] = acc
                prev = xn

    return top


def uneven_gather(P: int):
    """The reducer gets stream 0 first and last, streams 1..P-1 in a row between."""

    @dato.region()
    def top(A: int32[P, 8], B: int32[8]):
        rows: Stream[int32[8], 2][P]

        @dato.kernel(mapping=[P], args=[A])
        def src(a: int32[P, 8] @ [S(0), R]):
            p = dato.get_pid()
            rows[p].put(a[0, :])
            with dato.meta_if(p == 0):
                rows[p].put(a[0, :])

        @dato.kernel(mapping=[1], args=[B])
        def red(b: int32[8]):
            acc: int32[8] = 0
            acc[:] = dato.add(acc, rows[0].get())
            with dato.meta_for(1, P) as p:
                acc[:] = dato.add(acc, rows[p].get())
            acc[:] = dato.add(acc, rows[0].get())
            b[:] = acc

    return top


def split_k_gemm_3d(T, M: int, N: int, K: int, P0: int, P1: int, KS: int):
    """C = A @ B on a P0 x P1 x KS grid: task (i, j, k) multiplies its K slice
    and adds the partial sum of task (i, j, k - 1); a drain per output block
    stores the last sum."""

    @dato.region()
    def top(A: T[M, K], B: T[K, N], C: T[M, N]):
        partial: Stream[T[M // P0, N // P1], 2][P0, P1, KS + 1]

        @dato.kernel(mapping=[P0, P1, KS], args=[A, B])
        def part(a: T[M, K] @ [S(0), S(2)], b: T[K, N] @ [S(2), S(1)]):
            i, j, k = dato.get_pid()
            mine = dato.matmul(a, b)
            with dato.meta_if(k == 0):
                partial[i, j, k + 1].put(mine)
            with dato.meta_else():
                partial[i, j, k + 1].put(dato.add(partial[i, j, k].get(), mine))

        @dato.kernel(mapping=[P0, P1], args=[C])
        def drain(c: T[M, N] @ [S(0), S(1)]):
            i, j = dato.get_pid()
            c[:, :] = partial[i, j, KS].get()

    return top


def pingpong_gemm(T, M: int, N: int, K: int, Pk: int, Pm: int, Pn: int):
    """Allo's ping-pong GEMM: task (pk, pm, pn) multiplies its K slice and adds
    the partial sum of task (pk - 1, pm, pn); the last one writes C."""
    Mt, Nt = M // Pm, N // Pn

    @dato.region()
    def top(A: T[M, K], B: T[K, N], C: T[M, N]):
        pipe: Stream[T[Mt, Nt], 2][Pk - 1, Pm, Pn]

        @dato.kernel(mapping=[Pk, Pm, Pn], args=[A, B, C])
        def gemm(a: T[M, K] @ [S(1), S(0)], b: T[K, N] @ [S(0), S(2)], c: T[M, N] @ [S(1), S(2)]):
            pk, pm, pn = dato.get_pid()
            mine = dato.matmul(a, b)
            with dato.meta_if(pk == 0):
                pipe[0, pm, pn].put(mine)
            with dato.meta_elif(pk < Pk - 1):
                pipe[pk, pm, pn].put(dato.add(pipe[pk - 1, pm, pn].get(), mine))
            with dato.meta_else():
                c[:, :] = dato.add(pipe[pk - 1, pm, pn].get(), mine)

    return top


def two_lanes(T, L: int):
    """Two independent 2-instance kernels: B = A + 1 and D = 2 C."""

    @dato.region()
    def top(A: T[2, L], B: T[2, L], C: T[2, L], D: T[2, L]):
        @dato.kernel(mapping=[2], args=[A, B])
        def inc(a: T[2, L] @ [S(0), R], b: T[2, L] @ [S(0), R]):
            for i in range(L):
                b[0, i] = a[0, i] + 1

        @dato.kernel(mapping=[2], args=[C, D])
        def dbl(c: T[2, L] @ [S(0), R], d: T[2, L] @ [S(0), R]):
            for i in range(L):
                d[0, i] = c[0, i] * 2

    return top


def narrow_pipeline(T, N: int, HOPS: int):
    """A scalar pipeline of HOPS + 2 stages over the whole array: a loader, HOPS
    stages adding their index, a storer; scalars of T (8 or 16 bits) move
    between tiles that are not neighbours when the design spreads out."""

    @dato.region()
    def top(A: T[N], B: T[N]):
        s: Stream[T, 2][HOPS + 1]

        @dato.kernel(mapping=[1], args=[A])
        def load(a: T[N]):
            for i in range(N):
                s[0].put(a[i])

        @dato.kernel(mapping=[HOPS])
        def hop():
            h = dato.get_pid()
            for i in range(N):
                s[h + 1].put(s[h].get() + h)

        @dato.kernel(mapping=[1], args=[B])
        def store(b: T[N]):
            for i in range(N):
                b[i] = s[HOPS].get()

    return top


def scalar_gather(T, P: int, L: int):
    """P sources send their row of A element by element; the reducer adds the
    P elements of each column (scalar streams of T)."""

    @dato.region()
    def top(A: T[P, L], B: T[L]):
        s: Stream[T, 2][P]

        @dato.kernel(mapping=[P], args=[A])
        def src(a: T[P, L] @ [S(0), R]):
            p = dato.get_pid()
            for i in range(L):
                s[p].put(a[0, i])

        @dato.kernel(mapping=[1], args=[B])
        def red(b: T[L]):
            for i in range(L):
                acc: T = 0
                with dato.meta_for(0, P) as p:
                    acc += s[p].get()
                b[i] = acc

    return top


def skip_lanes(P: int, N: int):
    """P lanes of three tasks: src sends each sample to mid (which doubles it)
    and, interleaved, straight to sink, which adds the two: B = 3 A. Chaining
    mid before sink on one core makes sink start only after mid has every
    sample, so src's direct stream to sink must hold N - 1 of them."""

    @dato.region()
    def top(A: int32[P, N], B: int32[P, N]):
        a: Stream[int32, 2][P]
        b: Stream[int32, 2][P]
        c: Stream[int32, 2][P]

        @dato.kernel(mapping=[P], args=[A])
        def src(x: int32[P, N] @ [S(0), R]):
            k = dato.get_pid()
            for n in range(N):
                a[k].put(x[0, n])
                b[k].put(x[0, n])

        @dato.kernel(mapping=[P])
        def mid():
            k = dato.get_pid()
            for n in range(N):
                c[k].put(a[k].get() * 2)

        @dato.kernel(mapping=[P], args=[B])
        def sink(y: int32[P, N] @ [S(0), R]):
            k = dato.get_pid()
            for n in range(N):
                y[0, n] = b[k].get() + c[k].get()

    return top


def split_gemv(M: int, N: int, P: int):
    """y = A x, rows cut over P pairs of tasks; each pair splits N in halves and
    the second adds the first's partial sums, storing its rows of y (unsharded)
    through a loop whose bounds are pid expressions."""
    R = M // P
    H = N // 2

    @dato.region()
    def top(A: int32[M, N], x: int32[N], y: int32[M]):
        pipe: Stream[int32[R], 2][P]

        @dato.kernel(mapping=[P], args=[A, x])
        def lo(a: int32[M, N], v: int32[N]):
            p = dato.get_pid()
            part: int32[R] = 0
            for m in range(p * R, (p + 1) * R):
                acc: int32 = 0
                for n in range(H):
                    acc += a[m, n] * v[n]
                part[m - p * R] = acc
            pipe[p].put(part)

        @dato.kernel(mapping=[P], args=[A, x, y])
        def hi(a: int32[M, N], v: int32[N], out: int32[M]):
            p = dato.get_pid()
            prev: int32[R] = pipe[p].get()
            for m in range(p * R, (p + 1) * R):
                acc: int32 = 0
                for n in range(H, N):
                    acc += a[m, n] * v[n]
                out[m] = acc + prev[m - p * R]

    return top
