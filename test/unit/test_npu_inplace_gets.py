# ruff: noqa: F821
"""Received blocks a PE multiplies and sends on are read where their fifo
holds them (npu_plan.inplace_gets), not copied into a local of their size.

A systolic PE gets an A block and a B block each step, accumulates
`acc += matmul(a, b)` and puts the A block on to the next PE: the core
acquires the two objects, the matmul reads them, the put copies A's object
into the next stream's, and both are released after their last use. Its tile
then holds only the accumulator (before: the accumulator and a copy of each
block). The designs run on the virtual NPU and equal numpy bit for bit."""

import re
from pathlib import Path

import numpy as np

import dato_xdsl as dato
from dato_xdsl import Layout, Stream, int16, int32

S, R = Layout.Shard, Layout.Replicate
M, CH, NK, N = 16, 8, 3, 16


def systolic_row():
    """Two PEs in a row: A blocks flow through both, each PE its own B."""

    @dato.region()
    def top(A: int32[M, CH * NK], B: int32[CH * NK, 2 * N], C: int32[M, 2 * N]):
        fa: Stream[int32[M, CH], 2][3]
        fb: Stream[int32[CH, N], 2][2]

        @dato.kernel(mapping=[1], args=[A, B])
        def ld(a: int32[M, CH * NK], b: int32[CH * NK, 2 * N]):
            for k in range(NK):
                fa[0].put(a[:, k * CH : (k + 1) * CH])
                fb[0].put(b[k * CH : (k + 1) * CH, 0:N])
                fb[1].put(b[k * CH : (k + 1) * CH, N : 2 * N])

        @dato.kernel(mapping=[2], args=[C])
        def pe(c: int32[M, 2 * N] @ [R, S(0)]):
            p = dato.get_pid()
            acc: int32[M, N] = 0
            for _k in range(NK):
                ta = fa[p].get()
                tb = fb[p].get()
                acc[:, :] = dato.add(acc, dato.matmul(ta, tb))
                fa[p + 1].put(ta)
            c[:, :] = acc

        @dato.kernel(mapping=[1])
        def drain():
            for _k in range(NK):
                _x = fa[2].get()

    return top


def buffers(project: Path, shape: str) -> int:
    text = (project / "aie.mlir").read_text()
    return len(re.findall(rf"aie.buffer\([^)]*\)[^\n]*memref<{shape}>", text))


def test_systolic_pe_reads_and_forwards_its_blocks_in_place(tmp_path: Path) -> None:
    mod = dato.build(systolic_row(), target="aie", project=tmp_path)
    rng = np.random.default_rng(3)
    a = rng.integers(-50, 50, (M, CH * NK)).astype(np.int32)
    b = rng.integers(-50, 50, (CH * NK, 2 * N)).astype(np.int32)
    c = np.zeros((M, 2 * N), np.int32)
    mod(a, b, c)
    np.testing.assert_array_equal(c, (a.astype(np.int64) @ b).astype(np.int32))
    # no tile copies an A (16x8) or B (8x16) block out of its object, and
    # the PEs accumulate straight into their C blocks (the accumulator is
    # filled, then only copied whole into c: dato-local-copy-elision)
    assert buffers(tmp_path, "16x8xi32") == 0
    assert buffers(tmp_path, "8x16xi32") == 0
    assert buffers(tmp_path, "16x16xi32") == 0


def test_gemm_consuming_a_stream_reads_its_blocks_in_place(tmp_path: Path) -> None:
    # Allo's two-GEMM chain in small: g2 multiplies each block it gets by a
    # row block of d and accumulates; the block is read in its object
    MT = 8
    dtype, npt = int16, np.int16

    @dato.region()
    def top(
        A: dtype[2 * MT, MT],
        B: dtype[MT, 2 * MT],
        D: dtype[2 * MT, 2 * MT],
        C: int32[2 * MT, 2 * MT],
    ):
        blk: Stream[dtype[MT, MT], 2][2, 2, 2]

        @dato.kernel(mapping=[2, 2], args=[A, B])
        def g1(a: dtype[2 * MT, MT] @ [S(0), R], b: dtype[MT, 2 * MT] @ [R, S(1)]):
            i, j = dato.get_pid()
            t: dtype[MT, MT] = dato.matmul(a, b)
            with dato.meta_for(0, 2) as q:
                blk[i, j, q].put(t)

        @dato.kernel(mapping=[2, 2], args=[D, C])
        def g2(d: dtype[2 * MT, 2 * MT] @ [R, S(1)], c: int32[2 * MT, 2 * MT] @ [S(0), S(1)]):
            i, q = dato.get_pid()
            acc: int32[MT, MT] = 0
            with dato.meta_for(0, 2) as j:
                acc[:, :] = dato.add(
                    acc, dato.matmul(blk[i, j, q].get(), d[j * MT : (j + 1) * MT, :])
                )
            c[:, :] = acc

    mod = dato.build(top, target="aie", project=tmp_path)
    rng = np.random.default_rng(5)
    a = rng.integers(-8, 8, (2 * MT, MT)).astype(npt)
    b = rng.integers(-8, 8, (MT, 2 * MT)).astype(npt)
    d = rng.integers(-8, 8, (2 * MT, 2 * MT)).astype(npt)
    c = np.zeros((2 * MT, 2 * MT), np.int32)
    mod(a, b, d, c)
    t = (a.astype(np.int64) @ b).astype(npt)
    np.testing.assert_array_equal(c, (t.astype(np.int64) @ d).astype(np.int32))
    # g2's tiles copy no received block: the only 8x8 buffers of the stream's
    # type are g1's products (4) and the staged row blocks of d
    shape = f"{MT}x{MT}xi16"
    text = (tmp_path / "aie.mlir").read_text()
    g2_tiles = re.findall(r"aie.objectfifo @blk_\d_\d_\d\(%(\w+), \{%(\w+)\}", text)
    consumers = {c for _, c in g2_tiles}
    for tile in consumers:
        held = re.findall(rf"aie.buffer\(%{tile}\)[^\n]*memref<{shape}>", text)
        # the staged d row block only (a strided view of d's block)
        assert len(held) <= 1, (tile, held)


def test_product_of_a_broadcast_block_computed_into_the_output(tmp_path: Path) -> None:
    # im2col conv in small: one task builds the 9 x 64 column matrix and puts
    # it on P streams; each consumer computes y = f @ cols straight into its
    # y block (no product local, no copy of the received block)
    H = W = 10
    OH, OW, CO, P = H - 2, W - 2, 8, 2
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

    mod = dato.build(top, target="aie", project=tmp_path)
    rng = np.random.default_rng(7)
    x = rng.integers(-100, 100, (H, W)).astype(np.int32)
    f = rng.integers(-8, 8, (CO, 9)).astype(np.int32)
    y = np.full((CO, NP), 12345, np.int32)  # overwritten whole: never read
    mod(x, f, y)
    m = np.stack([x[u : u + OH, v : v + OW].reshape(-1) for u in range(3) for v in range(3)])
    np.testing.assert_array_equal(y, (f.astype(np.int64) @ m).astype(np.int32))
    # no consumer holds a 9x64 copy of its block nor a 4x64 product local
    assert buffers(tmp_path, f"{CO // P}x{NP}xi32") == 0
    assert buffers(tmp_path, f"9x{NP}xi32") <= 1  # the producer's matrix


def test_loader_of_row_blocks_streams_them(tmp_path: Path) -> None:
    # a loader putting b[k*32:(k+1)*32, :] per step held all of B (48 KiB,
    # with A's and the streams' objects over the tile: refused at 81.5 KiB);
    # B now arrives in objects of one 32-row block (npu_stream_reads)
    MB, CHK, STEPS = 64, 32, 6

    @dato.region()
    def top(A: int32[MB, CHK * STEPS], B: int32[CHK * STEPS, MB], C: int32[MB, MB]):
        fa: Stream[int32[MB, CHK], 2]
        fb: Stream[int32[CHK, MB], 2]

        @dato.kernel(mapping=[1], args=[A, B])
        def ld(a: int32[MB, CHK * STEPS], b: int32[CHK * STEPS, MB]):
            for k in range(STEPS):
                fa.put(a[:, k * CHK : (k + 1) * CHK])
                fb.put(b[k * CHK : (k + 1) * CHK, :])

        @dato.kernel(mapping=[1], args=[C])
        def pe(c: int32[MB, MB]):
            acc: int32[MB, MB] = 0
            for _k in range(STEPS):
                acc[:, :] += dato.matmul(fa.get(), fb.get())
            c[:, :] = acc

    mod = dato.build(top, target="aie", project=tmp_path)
    rng = np.random.default_rng(11)
    a = rng.integers(-50, 50, (MB, CHK * STEPS)).astype(np.int32)
    b = rng.integers(-50, 50, (CHK * STEPS, MB)).astype(np.int32)
    c = np.zeros((MB, MB), np.int32)
    mod(a, b, c)
    np.testing.assert_array_equal(c, (a.astype(np.int64) @ b).astype(np.int32))
    text = (tmp_path / "aie.mlir").read_text()
    assert re.search(r"aie.objectfifo @B_in0\([^)]*\)[^\n]*memref<32x64xi32>", text)
