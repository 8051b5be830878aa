"""Block streams one object deep in regions with chains (npu_shallow_fifos).

Physical mapping makes the block streams of a tile over its data memory one
object deep (`dato.depth_by_compiler` keeps the declared depth) when the
replay of the whole design finishes with those depths, every core running its
chained members one after the other. The figures below are worked out by hand
from the rule physical mapping counts by (each fifo's objects at both ends,
locals by their live spans, 63 KiB a compute tile keeps for data); results are
compared with numpy, bit for bit."""

import re

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Stream, int32
from test.unit.programs import npu_fanout_programs

RNG = np.random.default_rng(12)


def ints(shape: tuple[int, ...]) -> np.ndarray:
    return RNG.integers(-100, 100, shape).astype(np.int32)


def fifo_depths(text: str, prefix: str) -> dict[str, int]:
    """The depth of each objectfifo whose name starts with `prefix`."""
    found = re.findall(rf"aie\.objectfifo @({prefix}\w*)\(.*, (\d+) : i32\)", text)
    return {name: int(depth) for name, depth in found}


def test_split_k_gemm_3d_with_chains_maps_with_partial_streams_one_object_deep(tmp_path):
    # 2 x 2 x 4 tasks and 4 drains: 20 instances for 16 cores, so each drain
    # is chained with the last task of its sum (part_i_j_3). Blocks 64 x 56
    # int32 (14 KiB), 64 of K per task. A middle task at depth 2 holds its
    # local and 2 x 2 stream objects: 70 KiB, over 63 whatever K does; one
    # object deep, 42 KiB and the K tiles. The chained tile then holds the
    # local, the chained block, one object of its partial stream and the
    # drain's C block: 56 KiB, and 2 x (64 kt + kt 56) x 4 <= 7 KiB gives
    # kt <= 7, so 4 (a divisor of 64). The replay of the cores, each chain
    # in order, finishes with every partial stream one object deep.
    M, N, K = 128, 112, 256
    top = npu_fanout_programs.split_k_gemm_3d(int32, M, N, K, 2, 2, 4)
    mod = dato.build(top, target="aie", project=tmp_path)
    text = (tmp_path / "aie.mlir").read_text()
    for i in range(2):
        for j in range(2):
            assert f'dato.tasks = ["part_{i}_{j}_3", "drain_{i}_{j}"]' in text
    depths = fifo_depths(text, "partial_")
    # the streams between cores (part k to part k + 1, k < 3): 3 per sum
    assert len(depths) == 12 and set(depths.values()) == {1}, depths
    A, B = ints((M, K)), ints((K, N))
    C = np.zeros((M, N), np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, A @ B)


def chained_after_a_wait(R: int, L: int):
    """src puts two blocks on @s, then a row on @u; mid passes the row it
    gets from @u on to dst through @w; dst gets the two blocks, then the row.
    Each on a core of its own, @s one object deep runs (dst takes each block
    as src puts it). Chained mid then dst on one core, mid waits for @u first,
    which src puts only after both blocks: one object deep, src waits to put
    its second block, which nobody gets."""

    @dato.region()
    def top(A: int32[R, L], U: int32[L], B: int32[R, L]):
        s: Stream[int32[R, L], 2]
        u: Stream[int32[L], 2]
        w: Stream[int32[L], 2]

        @dato.kernel(mapping=[1], args=[A, U])
        def src(a: int32[R, L], uu: int32[L]):
            s.put(a)  # noqa: F821
            s.put(a)  # noqa: F821
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
    R, L = 48, 64
    mod = dato.build(chained_after_a_wait(R, L), target="aie", project=tmp_path)
    # 12 KiB blocks: dst holds 24.5 KiB of locals (two blocks and a row), B
    # in and out (24 KiB), two objects of @s (24 KiB) and of @w (0.5 KiB):
    # 73 KiB; with @s one object deep 61 KiB, and the replay (each instance
    # on a core of its own) finishes
    assert fifo_depths((tmp_path / "aie.mlir").read_text(), "s") == {"s": 1}
    A, U = ints((R, L)), ints((L,))
    B = np.zeros((R, L), np.int32)
    mod(A, U, B)
    want = A + A
    want[0, :] += U
    np.testing.assert_array_equal(B, want)


def test_streams_one_object_deep_that_deadlock_only_chained_are_refused(tmp_path):
    with pytest.raises(dato.DatoIRError) as info:
        dato.build(
            chained_after_a_wait(48, 64),
            target="aie",
            project=tmp_path,
            mapping_primitives=[("chain", ["mid_0", "dst_0"])],
        )
    message = str(info.value)
    # the same tile with mid's row chained to dst (a local); the replay runs
    # mid then dst on their core: mid waits for @u behind src's second block
    assert "tile (0, 3) (mid_0, dst_0) needs 73.2578 KiB" in message
    # by type, dead buffers shared: 24.75 KiB (dst's two blocks and the row
    # it adds, mid's row, the chained row); at the busiest point, dst's two
    # blocks and the chained row it has not got yet: 24.25 KiB
    assert "24.75 KiB local buffers of 2 members and 1 chained stream(s)" in message
    assert "24.25 KiB of them live at once" in message
    assert "@u, @s one object deep would save 12.25 KiB but deadlock" in message
    assert "mid_0-dst_0 waits to get from @u" in message
    assert "src_0 waits to put on @s" in message
    assert "it has 63 KiB" in message


def test_split_k_gemm_3d_whose_chained_tile_holds_four_blocks_is_refused_with_its_numbers(tmp_path):
    # 64 x 64 int32 blocks (16 KiB): the middle tasks fit with their partial
    # streams one object deep (48 KiB and the K tiles), but the last task
    # chained with its drain holds its local, the chained block, one object
    # of the partial stream it gets and the drain's C block: 64 KiB and the
    # 8 bytes of the chained stream's counters, over 63 KiB whatever K does
    # (the virtual NPU holds a fifo between neighbours at both ends);
    # (64,512 - 2 x (64 + 64) x 4) x 16,384 / 65,544 = 15,870 bytes of
    # result block would fit, 15.25 KiB in quarter KiB
    with pytest.raises(dato.DatoIRError) as info:
        top = npu_fanout_programs.split_k_gemm_3d(int32, 128, 128, 256, 2, 2, 4)
        dato.build(top, target="aie", project=tmp_path)
    message = str(info.value)
    assert "(part_0_0_3, drain_0_0) needs" in message
    assert "16 KiB for stream @partial_0_0_3 (1 object of 2)" in message
    assert "the rest is 64.0078 KiB, 4 times the 64x64 i32 result block of 16 KiB" in message
    assert "at most about 15.25 KiB" in message and "it has 63 KiB" in message


def test_a_chained_tile_over_its_memory_runs_with_a_stream_one_object_deep(tmp_path):
    # the program of test/filecheck/transforms/dato-physical-map-shallow-chain.mlir:
    # mid's row chained to dst (a local); dst's tile at 73 KiB with @s two
    # objects deep, 61 KiB one object deep, and the replay of src on its core
    # and mid then dst on theirs finishes
    R, L = 48, 64

    @dato.region()
    def top(A: int32[R, L], U: int32[L], B: int32[R, L]):
        s: Stream[int32[R, L], 2]
        w: Stream[int32[L], 2]

        @dato.kernel(mapping=[1], args=[A])
        def src(a: int32[R, L]):
            s.put(a)  # noqa: F821
            s.put(a)  # noqa: F821

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
    assert fifo_depths(text, "s") == {"s": 1}
    A, U = ints((R, L)), ints((L,))
    B = np.zeros((R, L), np.int32)
    mod(A, U, B)
    want = A + A
    want[0, :] += U
    np.testing.assert_array_equal(B, want)
