"""Programs whose producer puts one value on several streams (broadcast sets,
npu_broadcast_streams), and near misses that must stay apart."""

import numpy as np

import dato_xdsl as dato
from dato_xdsl import Layout, Stream, int32

S = Layout.Shard
R = Layout.Replicate


def im2col(H: int, W: int, CO: int, P: int):
    """A 3x3 convolution as im2col GEMM: one task builds the 9 x (OH*OW)
    column matrix and puts it on P streams (meta_for); P tasks multiply
    their slice of the filters by it."""
    OH, OW = H - 2, W - 2
    NP = OH * OW

    @dato.region()
    def top(X: int32[H, W], F: int32[CO, 9], Y: int32[CO, NP]):
        cols: Stream[int32[9, NP], 2][P]

        @dato.kernel(mapping=[1], args=[X])
        def im2col(x: int32[H, W]):
            m: int32[9, NP] = 0
            for u in range(3):
                for v in range(3):
                    for i in range(OH):
                        for j in range(OW):
                            m[u * 3 + v, i * OW + j] = x[i + u, j + v]
            with dato.meta_for(0, P) as p:
                cols[p].put(m)

        @dato.kernel(mapping=[P], args=[F, Y])
        def mm(f: int32[CO, 9] @ [S(0), R], y: int32[CO, NP] @ [S(0), R]):
            p = dato.get_pid()
            y[:, :] = dato.matmul(f, cols[p].get())

    return top


def im2col_reference(x: np.ndarray, f: np.ndarray) -> np.ndarray:
    """numpy's im2col convolution, wrapped to int32 as the NPU computes it."""
    H, W = x.shape
    OH, OW = H - 2, W - 2
    m = np.stack(
        [x.astype(np.int64)[u : u + OH, v : v + OW].reshape(-1) for u in range(3) for v in range(3)]
    )
    return (f.astype(np.int64) @ m).astype(np.int32)


def row_broadcast(M: int, K: int, N: int, KT: int, P: int):
    """A SUMMA-like loader: per K step it copies one column block of A and
    puts it on P streams, one put after the other; worker p multiplies it by
    its rows of B's K step and accumulates its column block of C."""

    @dato.region()
    def top(A: int32[M, K], B: int32[K, N], C: int32[M, N]):
        pipe: Stream[int32[M, KT], 2][P]

        @dato.kernel(mapping=[1], args=[A])
        def load(a: int32[M, K]):
            for k in range(K // KT):
                blk: int32[M, KT] = a[:, k * KT : (k + 1) * KT]
                with dato.meta_for(0, P) as p:
                    pipe[p].put(blk)

        @dato.kernel(mapping=[P], args=[B, C])
        def work(b: int32[K, N] @ [R, S(0)], c: int32[M, N] @ [R, S(0)]):
            p = dato.get_pid()
            acc: int32[M, N // P] = 0
            for k in range(K // KT):
                acc[:, :] = dato.add(acc, dato.matmul(pipe[p].get(), b[k * KT : (k + 1) * KT, :]))
            c[:, :] = acc

    return top


def slice_broadcast(M: int, K: int, N: int, KT: int, P: int):
    """row_broadcast written as Allo's SUMMA loaders are: the slice itself is
    put on every stream of a meta_for (each unrolled put copies it anew)."""

    @dato.region()
    def top(A: int32[M, K], B: int32[K, N], C: int32[M, N]):
        pipe: Stream[int32[M, KT], 2][P]

        @dato.kernel(mapping=[1], args=[A])
        def load(a: int32[M, K]):
            for k in range(K // KT):
                with dato.meta_for(0, P) as p:
                    pipe[p].put(a[:, k * KT : (k + 1) * KT])

        @dato.kernel(mapping=[P], args=[B, C])
        def work(b: int32[K, N] @ [R, S(0)], c: int32[M, N] @ [R, S(0)]):
            p = dato.get_pid()
            acc: int32[M, N // P] = 0
            for k in range(K // KT):
                acc[:, :] = dato.add(acc, dato.matmul(pipe[p].get(), b[k * KT : (k + 1) * KT, :]))
            c[:, :] = acc

    return top


def changed_between(L: int, P: int):
    """Near miss: the producer changes its block between two puts, so the
    streams carry different values."""

    @dato.region()
    def top(A: int32[L], B: int32[P, L]):
        s: Stream[int32[L], 2][P]

        @dato.kernel(mapping=[1], args=[A])
        def src(a: int32[L]):
            blk: int32[L] = a[:]
            s[0].put(blk)
            blk[0] = blk[0] + 1
            s[1].put(blk)

        @dato.kernel(mapping=[P], args=[B])
        def dst(b: int32[P, L] @ [S(0), R]):
            p = dato.get_pid()
            b[0, :] = s[p].get()

    return top


def consumers_chained(L: int):
    """Near miss: consumer 0 forwards to consumer 1, which waits on it (a
    broadcast, one put for both, could deadlock where two streams do not)
    and gets two streams (its core may join them through a memtile)."""

    @dato.region()
    def top(A: int32[L], B: int32[L], C: int32[L]):
        s: Stream[int32[L], 1][2]
        fwd: Stream[int32[L], 1]

        @dato.kernel(mapping=[1], args=[A])
        def src(a: int32[L]):
            blk: int32[L] = a[:]
            with dato.meta_for(0, 2) as p:
                s[p].put(blk)

        @dato.kernel(mapping=[1], args=[B])
        def first(b: int32[L]):
            v: int32[L] = s[0].get()
            fwd.put(v)
            b[:] = v

        @dato.kernel(mapping=[1], args=[C])
        def second(c: int32[L]):
            w: int32[L] = fwd.get()
            c[:] = dato.add(w, s[1].get())

    return top


def slices_to_chained(L: int):
    """consumers_chained with the slice itself put on both streams: no set,
    so each put keeps a copy of its own (each computed in its object)."""

    @dato.region()
    def top(A: int32[2, L], B: int32[L], C: int32[L]):
        s: Stream[int32[L], 1][2]
        fwd: Stream[int32[L], 1]

        @dato.kernel(mapping=[1], args=[A])
        def src(a: int32[2, L]):
            with dato.meta_for(0, 2) as p:
                s[p].put(a[1, :])

        @dato.kernel(mapping=[1], args=[B])
        def first(b: int32[L]):
            v: int32[L] = s[0].get()
            fwd.put(v)
            b[:] = v

        @dato.kernel(mapping=[1], args=[C])
        def second(c: int32[L]):
            w: int32[L] = fwd.get()
            c[:] = dato.add(w, s[1].get())

    return top


def scalar_fanout(N: int, P: int):
    """Scalars put on P streams: packed into words per stream, never a
    broadcast set."""

    @dato.region()
    def top(A: int32[N], B: int32[P, N]):
        s: Stream[int32, 2][P]

        @dato.kernel(mapping=[1], args=[A])
        def src(a: int32[N]):
            for i in range(N):
                v: int32 = a[i]
                with dato.meta_for(0, P) as p:
                    s[p].put(v)

        @dato.kernel(mapping=[P], args=[B])
        def dst(b: int32[P, N] @ [S(0), R]):
            p = dato.get_pid()
            for i in range(N):
                b[0, i] = s[p].get()

    return top
