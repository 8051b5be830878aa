"""Block streams one object deep in regions with chains (npu_shallow_fifos).

Physical mapping makes the block streams of a tile over its data memory one
object deep (`dato.depth_by_compiler` keeps the declared depth) when the
replay of the whole design finishes with those depths, every core running its
chained members one after the other. The figures below are worked out by hand
from the rule physical mapping counts by (a fifo moved by DMA has its objects
at both ends, one between neighbours sharing memory on the one tile holding
it: the producer's, unless it is east of its consumer, devices.fifo_holder;
locals by their live spans; 63 KiB a compute tile keeps for data); results
are compared with numpy, bit for bit."""

import re

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Stream, int32
from test.unit.programs import npu_fanout_programs

S = dato.Layout.Shard

RNG = np.random.default_rng(12)


def ints(shape: tuple[int, ...]) -> np.ndarray:
    return RNG.integers(-100, 100, shape).astype(np.int32)


def fifo_depths(text: str, prefix: str) -> dict[str, int]:
    """The depth of each objectfifo whose name starts with `prefix`."""
    found = re.findall(rf"aie\.objectfifo @({prefix}\w*)\(.*, (\d+) : i32\)", text)
    return {name: int(depth) for name, depth in found}


def split_k_first_rows(T, M: int, N: int, K: int, P0: int, P1: int, KS: int):
    """split_k_gemm_3d whose drains store the first row of each output block
    only: C[i, j's columns] = (A @ B)[i * M / P0, j's columns]. The last task
    of a sum chained with its drain then holds less than a middle task does
    at depth 2 (a block and a row beside the two blocks), which
    split_k_gemm_3d's drain, storing a whole block, never does."""
    Mt, Nt = M // P0, N // P1

    @dato.region()
    def top(A: T[M, K], B: T[K, N], C: T[P0, N]):
        partial: Stream[T[Mt, Nt], 2][P0, P1, KS + 1]

        @dato.kernel(mapping=[P0, P1, KS], args=[A, B])
        def part(a: T[M, K] @ [S(0), S(2)], b: T[K, N] @ [S(2), S(1)]):
            i, j, k = dato.get_pid()
            mine = dato.matmul(a, b)
            with dato.meta_if(k == 0):
                partial[i, j, k + 1].put(mine)  # noqa: F821 (a stream, declared by annotation)
            with dato.meta_else():
                partial[i, j, k + 1].put(dato.add(partial[i, j, k].get(), mine))  # noqa: F821

        @dato.kernel(mapping=[P0, P1], args=[C])
        def drain(c: T[P0, N] @ [S(0), S(1)]):
            i, j = dato.get_pid()
            got = partial[i, j, KS].get()  # noqa: F821
            c[0, :] = got[0, :]

    return top


def test_split_k_gemm_with_chains_maps_with_partial_streams_one_object_deep(tmp_path):
    # 2 x 2 x 4 tasks and 4 drains: 20 instances for 16 cores, so each drain
    # is chained with the last task of its sum (part_i_j_3). Blocks 64 x 84
    # int32 (21 KiB), 64 of K per task. A middle task at depth 2 holds its
    # local and the two objects of the partial stream it puts (the one it
    # gets is its producer's, a neighbour in its column): 63 KiB, over 63
    # whatever K does; one object deep, 42 KiB, and
    # 2 x (64 kt + kt 84) x 4 <= 64,512 - 43,008 gives kt <= 18, so 16 (a
    # divisor of 64). The chained tile holds the local, the chained block, C's
    # row (336 bytes) and 8 bytes of counters: kt <= 17, 16 as well. The
    # replay of the cores, each chain in order, finishes with every partial
    # stream one object deep.
    M, N, K = 128, 168, 256
    top = split_k_first_rows(int32, M, N, K, 2, 2, 4)
    mod = dato.build(top, target="aie", project=tmp_path)
    text = (tmp_path / "aie.mlir").read_text()
    for i in range(2):
        for j in range(2):
            assert f'dato.tasks = ["part_{i}_{j}_3", "drain_{i}_{j}"]' in text
    depths = fifo_depths(text, "partial_")
    # the streams between cores (part k to part k + 1, k < 3): 3 per sum
    assert len(depths) == 12 and set(depths.values()) == {1}, depths
    found = re.findall(r"aie\.objectfifo @A_in\w*\(.*memref<(\d+)x(\d+)x", text)
    assert {(int(r), int(c)) for r, c in found} == {(64, 16)}
    A, B = ints((M, K)), ints((K, N))
    C = np.zeros((2, N), np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, (A @ B)[[0, M // 2], :])


def chained_after_a_wait(R: int, L: int):
    """src copies its block of A twice into locals and puts both copies on
    @s, then a row on @u; mid passes the row it gets from @u on to dst
    through @w; dst gets the two blocks, then the row. Each on a core of its
    own, @s one object deep runs (dst takes each block as src puts it).
    Chained mid then dst on one core, mid waits for @u first, which src puts
    only after both blocks: one object deep, src waits to put its second
    block, which nobody gets."""

    @dato.region()
    def top(A: int32[R, L], U: int32[L], B: int32[R, L]):
        s: Stream[int32[R, L], 2]
        u: Stream[int32[L], 2]
        w: Stream[int32[L], 2]

        @dato.kernel(mapping=[1], args=[A, U])
        def src(a: int32[R, L], uu: int32[L]):
            x: int32[R, L] = 0
            x[:, :] = a
            y: int32[R, L] = 0
            s.put(x)  # noqa: F821
            # x read after its put and y copied element by element: both stay
            # locals (not computed in @s's objects, dato-put-in-place; not one
            # local, dato-local-copy-elision)
            for i in range(R):
                for j in range(L):
                    y[i, j] = x[i, j]
            s.put(y)  # noqa: F821
            u.put(uu)  # noqa: F821

        @dato.kernel(mapping=[1])
        def mid():
            w.put(u.get())  # noqa: F821

        @dato.kernel(mapping=[1], args=[B])
        def dst(b: int32[R, L]):
            first = s.get()  # noqa: F821
            b[:, :] = first + s.get()  # noqa: F821
            b[0, :] = b[0, :] + w.get()  # noqa: F821

    return top


def test_streams_one_object_deep_in_a_chained_region_map_when_the_cores_replay(tmp_path):
    R, L = 56, 64
    mod = dato.build(chained_after_a_wait(R, L), target="aie", project=tmp_path)
    text = (tmp_path / "aie.mlir").read_text()
    # 14 KiB blocks. src on (0, 2) holds @s (dst's core, north of it, reaches
    # its memory) and @u (to mid, two rows up: by DMA, both ends hold it):
    # A's block, U's row, its two local copies and two objects of each
    # stream: 14 + 0.25 + 28 + 28 + 0.5 = 70.75 KiB; one object deep 56.5
    # KiB, and the replay (each instance on a core of its own) finishes
    assert "aie.objectfifo @s(%core_c0_r2, {%core_c0_r3}, 1 : i32)" in text
    assert "aie.objectfifo @u(%core_c0_r2, {%core_c0_r4}, 1 : i32)" in text
    A, U = ints((R, L)), ints((L,))
    B = np.zeros((R, L), np.int32)
    mod(A, U, B)
    want = A + A
    want[0, :] += U
    np.testing.assert_array_equal(B, want)


def test_streams_one_object_deep_that_deadlock_only_chained_are_refused(tmp_path):
    with pytest.raises(dato.DatoIRError) as info:
        dato.build(
            chained_after_a_wait(56, 64),
            target="aie",
            project=tmp_path,
            mapping_primitives=[("chain", ["mid_0", "dst_0"])],
        )
    message = str(info.value)
    # the same tile of src with mid's row chained to dst (a local); the
    # replay runs mid then dst on their core: mid waits for @u behind src's
    # second block
    assert "tile (0, 2) (src_0) needs 70.75 KiB" in message
    assert "28 KiB local buffers;" in message and "28 KiB for stream @s;" in message
    assert "@s, @u one object deep would save 14.25 KiB but deadlock" in message
    assert "mid_0-dst_0 waits to get from @u" in message
    assert "src_0 waits to put on @s" in message
    assert "it has 63 KiB" in message


def test_split_k_gemm_3d_whose_chained_tile_holds_three_blocks_is_cut_and_equals_numpy(
    tmp_path,
):
    # 64 x 84 int32 blocks (21 KiB): the last task of a sum chained with its
    # drain holds its local, the chained block and the drain's C block,
    # 3 x 21,504 bytes + the chained stream's 8 bytes of counters = 64,520,
    # over the 64,512 a compute tile keeps for data whatever K does; so
    # dato-npu-retile-gemm cuts the chain and its drains along M and N (each
    # core then holds sub-blocks of the partial sums), and the result is the
    # user's GEMM
    M, N, K = 128, 168, 64
    top = npu_fanout_programs.split_k_gemm_3d(int32, M, N, K, 2, 2, 4)
    mod = dato.build(top, target="aie", project=tmp_path)
    A, B = ints((M, K)), ints((K, N))
    C = np.full((M, N), 7, np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, (A.astype(np.int64) @ B.astype(np.int64)).astype(np.int32))
    text = (tmp_path / "aie.mlir").read_text()
    # no 64 x 84 block is held any more: only sub-blocks of it
    assert "memref<64x84xi32>" not in text
    assert re.search(r"memref<(32|16|64)x(42|21|28|14|84)xi32>", text)


def test_a_chained_tile_over_its_memory_runs_with_a_stream_one_object_deep(tmp_path):
    # the program of test/filecheck/transforms/dato-physical-map-shallow-chain.mlir:
    # mid's row chained to dst (a local); src's tile, holding @s, at 70 KiB
    # with @s two objects deep (A's block, two local copies, two objects),
    # 56 KiB one object deep, and the replay of src on its core and mid then
    # dst on theirs finishes
    R, L = 56, 64

    @dato.region()
    def top(A: int32[R, L], U: int32[L], B: int32[R, L]):
        s: Stream[int32[R, L], 2]
        w: Stream[int32[L], 2]

        @dato.kernel(mapping=[1], args=[A])
        def src(a: int32[R, L]):
            x: int32[R, L] = 0
            x[:, :] = a
            y: int32[R, L] = 0
            s.put(x)  # noqa: F821
            # x read after its put and y copied element by element: both stay
            # locals (not computed in @s's objects, dato-put-in-place; not one
            # local, dato-local-copy-elision)
            for i in range(R):
                for j in range(L):
                    y[i, j] = x[i, j]
            s.put(y)  # noqa: F821

        @dato.kernel(mapping=[1], args=[U])
        def mid(u: int32[L]):
            w.put(u)  # noqa: F821

        @dato.kernel(mapping=[1], args=[B])
        def dst(b: int32[R, L]):
            first = s.get()  # noqa: F821
            b[:, :] = first + s.get()  # noqa: F821
            b[0, :] = b[0, :] + w.get()  # noqa: F821

    mod = dato.build(
        top, target="aie", project=tmp_path, mapping_primitives=[("chain", ["mid_0", "dst_0"])]
    )
    text = (tmp_path / "aie.mlir").read_text()
    assert 'dato.tasks = ["mid_0", "dst_0"]' in text
    assert "aie.objectfifo @s(%core_c0_r2, {%core_c0_r3}, 1 : i32)" in text
    A, U = ints((R, L)), ints((L,))
    B = np.zeros((R, L), np.int32)
    mod(A, U, B)
    want = A + A
    want[0, :] += U
    np.testing.assert_array_equal(B, want)
