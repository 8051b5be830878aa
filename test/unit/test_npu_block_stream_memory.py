"""K streaming for the tasks of a split-K or ping-pong GEMM on the NPU: each
task multiplies its K slice into a local and puts it (or its sum with the
partial it gets) on a block stream. The block got is read where its fifo
holds it and the sum is computed into the local (which dies at the add), so
a middle task holds one result-sized local beside its streams' objects; of
a stream between neighbours sharing memory, only the tile mlir-aie allocates
it on holds the objects (devices.fifo_holder: the producer's, as in these
chains, unless the producer is east of its consumer).
Every task reads the operands, so an array streams in one K tile for all of
its blocks: the smallest any task needs, the largest divisor of the task's K
whose double-buffered A (M x kt) and B (kt x N) tiles fit beside its other
buffers in the 63 KiB a compute tile keeps for data (64 KiB, 1 KiB for the
stack). The tiles below are worked out by hand from that rule; results are
compared with numpy (integers bit for bit; bf16 as the simulator computes
it: each task's matmul accumulates in f32 and rounds once, each partial sum
rounds once). A task whose result-sized buffers alone exceed the tile is
refused with the block size that would fit."""

import re

import ml_dtypes
import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Stream, bfloat16, int8, int16, int32
from test.unit.aie_text import operand_text_tiles, tile_bytes
from test.unit.programs import dato_programs, npu_fanout_programs

S = dato.Layout.Shard
R = dato.Layout.Replicate
RNG = np.random.default_rng(21)
BF16 = ml_dtypes.bfloat16


def operand_tiles(mod, name: str) -> set[tuple[int, int]]:
    """The shapes of the 2-D objects the fifos of argument `name` carry to cores."""
    return operand_text_tiles((mod.project / "aie.mlir").read_text(), name)


def ints(shape, dtype) -> np.ndarray:
    info = np.iinfo(dtype)
    return RNG.integers(info.min, info.max, shape, endpoint=True).astype(dtype)


def wrapped(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    return (A.astype(np.int64) @ B.astype(np.int64)).astype(A.dtype)


def test_pingpong_gemm_tasks_stream_k_in_one_tile(tmp_path):
    M, N, K = 128, 128, 256
    mod = dato.build(
        npu_fanout_programs.pingpong_gemm(int16, M, N, K, 4, 2, 2), target="aie", project=tmp_path
    )
    # a middle task (64 x 64 int16 blocks of 8 KiB): its local (8 KiB) and
    # the two objects of the pipe it puts (16 KiB; the pipe it gets is its
    # producer's), with whole A and B blocks (64 x 64, 8 KiB each): 40 KiB
    # fit, K is not streamed
    assert operand_tiles(mod, "A") == {(64, 64)}
    assert operand_tiles(mod, "B") == {(64, 64)}
    A, B = ints((M, K), np.int16), ints((K, N), np.int16)
    C = np.zeros((M, N), np.int16)
    mod(A, B, C)
    np.testing.assert_array_equal(C, wrapped(A, B))


def test_split_k_gemm_whose_blocks_fit_streams_k(tmp_path):
    M, N, K = 32, 64, 512
    mod = dato.build(dato_programs.split_k_gemm(int32, M, N, K, 4), target="aie", project=tmp_path)
    # a task adding a partial: its 32 x 64 int32 local (8 KiB) and the two
    # objects of the partial stream it puts (the one it gets is held by its
    # producer, north of it): 24,576 bytes; whole A (32 x 128) and B
    # (128 x 64) blocks would add 48 KiB.
    # 2 x (32 kt + kt 64) x 4 + 24,576 <= 64,512 gives kt <= 52, so 32
    assert operand_tiles(mod, "A") == {(32, 32)}
    assert operand_tiles(mod, "B") == {(32, 64)}
    A, B = ints((M, K), np.int32), ints((K, N), np.int32)
    C = np.zeros((M, N), np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, wrapped(A, B))


def test_split_k_gemm_3d_with_a_task_chained_to_its_drain(tmp_path):
    M, N, K = 64, 128, 256
    # 2 x 2 x 4 tasks and 4 drains: 20 instances for 16 cores, so the last
    # task of each chain runs with its drain on one core
    top = npu_fanout_programs.split_k_gemm_3d(int32, M, N, K, 2, 2, 4)
    mod = dato.build(top, target="aie", project=tmp_path)
    # blocks 32 x 64 int32 (8 KiB), 64 of K per task: a middle task's local
    # and the objects of the stream it puts (24 KiB) with whole A (32 x 64,
    # 8 KiB) and B (64 x 64, 16 KiB) blocks: 48 KiB fit, K is not streamed;
    # the chained tile: local, chained buffer, C's block (24 KiB), 8 bytes
    # of counters and A and B: 48 KiB and 8 bytes
    assert operand_tiles(mod, "A") == {(32, 64)}
    assert operand_tiles(mod, "B") == {(64, 64)}
    A, B = ints((M, K), np.int32), ints((K, N), np.int32)
    C = np.zeros((M, N), np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, wrapped(A, B))


def test_bf16_pingpong_accumulates_each_task_in_f32_and_rounds_once(tmp_path):
    M, N, K, Pk = 64, 64, 2048, 4
    top = npu_fanout_programs.pingpong_gemm(bfloat16, M, N, K, Pk, 2, 2)
    mod = dato.build(top, target="aie", project=tmp_path)
    # blocks 32 x 32 bf16 (2 KiB); a middle task holds 6 KiB of locals and
    # 4 KiB of the pipe it puts; streamed over K it also needs the 32 x 32
    # f32 accumulator (4 KiB): 2 x (32 kt + kt 32) x 2 + 14,336 <= 64,512
    # gives kt <= 196, so 128 of the 512 per task
    assert operand_tiles(mod, "A") == {(32, 128)}
    A = RNG.integers(0, 8, (M, K)).astype(np.float32).astype(BF16)
    B = RNG.integers(0, 8, (K, N)).astype(np.float32).astype(BF16)
    C = np.zeros((M, N), BF16)
    mod(A, B, C)
    # each task's product is exact in f32 (at most 512 x 49) and rounded
    # once; each sum of partials rounds once; rounding at every K tile of a
    # task would lose low bits above 256
    step = K // Pk
    want = None
    for k in range(Pk):
        a = A[:, k * step : (k + 1) * step].astype(np.float32)
        part = (a @ B[k * step : (k + 1) * step].astype(np.float32)).astype(BF16)
        want = part if want is None else (want.astype(np.float32) + part.astype(np.float32))
        want = want.astype(BF16)
    np.testing.assert_array_equal(C.view(np.uint16), want.view(np.uint16))


def test_gemm_result_on_a_stream_to_a_relu_maps_cut_with_its_relu(tmp_path):
    M = K = N = 256

    @dato.region()
    def top(A: int8[M, K], B: int8[K, N], C: int32[M, N]):
        s: Stream[int32[M // 2, N // 2], 2][2, 2]

        @dato.kernel(mapping=[2, 2], args=[A, B])
        def mm(a: int8[M, K] @ [S(0), R], b: int8[K, N] @ [R, S(1)]):
            i, j = dato.get_pid()
            acc: int32[M // 2, N // 2] = dato.matmul(a, b)
            s[i, j].put(acc)  # noqa: F821 (a stream, declared by annotation)

        @dato.kernel(mapping=[2, 2], args=[C])
        def act(c: int32[M, N] @ [S(0), S(1)]):
            i, j = dato.get_pid()
            c[:, :] = dato.relu(s[i, j].get())  # noqa: F821

    # a 128 x 128 int32 block is 64 KiB, one stream object alone over the
    # tile: dato-npu-retile-gemm cuts each GEMM with its ReLU (pointwise)
    mod = dato.build(top, target="aie", project=tmp_path)
    A, B = ints((M, K), np.int8), ints((K, N), np.int8)
    C = np.zeros((M, N), np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, np.maximum(A.astype(np.int32) @ B.astype(np.int32), 0))


def test_gemm_result_on_a_stream_to_a_transpose_too_large_for_a_tile_is_refused(tmp_path):
    M = K = N = 256

    @dato.region()
    def top(A: int8[M, K], B: int8[K, N], C: int32[M, N]):
        s: Stream[int32[M // 2, N // 2], 2][2, 2]

        @dato.kernel(mapping=[2, 2], args=[A, B])
        def mm(a: int8[M, K] @ [S(0), R], b: int8[K, N] @ [R, S(1)]):
            i, j = dato.get_pid()
            acc: int32[M // 2, N // 2] = dato.matmul(a, b)
            s[i, j].put(acc)  # noqa: F821 (a stream, declared by annotation)

        @dato.kernel(mapping=[2, 2], args=[C])
        def act(c: int32[M, N] @ [S(0), S(1)]):
            i, j = dato.get_pid()
            c[:, :] = dato.transpose(s[i, j].get(), (1, 0))  # noqa: F821

    with pytest.raises(dato.DatoIRError) as info:
        dato.build(top, target="aie", project=tmp_path)
    message = str(info.value)
    # a transpose is not pointwise: no cut. A 128 x 128 int32 block is
    # 64 KiB, one stream object alone is over the tile. The product is
    # computed in the stream's object (dato-local-copy-elision, then
    # dato-put-in-place: no local, no copy), whose two objects are on the
    # producer's tile (128 KiB): 2 blocks; A's and B's 128 x 256 int8 blocks
    # 32 KiB each: 192 KiB. (64,512 - 2 x (128 + 128)) / 2 = 32,000 bytes
    # -> 31.25 KiB
    assert "mm_0_0" in message and "needs 192 KiB" in message
    assert "2 times the 128x128 i32 result block of 64 KiB" in message
    assert "at most about 31.25 KiB" in message


def test_split_k_gemm_whose_partials_sit_on_their_producers_tiles(tmp_path):
    M, N, K = 48, 64, 512
    mod = dato.build(dato_programs.split_k_gemm(int32, M, N, K, 4), target="aie", project=tmp_path)
    # 48 x 64 int32 blocks of 12 KiB: a middle task's local and the two
    # objects of the partial stream it puts are 36,864 bytes (the one it gets
    # is its producer's, north of it; counting both at both ends, 61,440).
    # 2 x (48 kt + kt 64) x 4 + 36,864 <= 64,512 gives kt <= 30, so 16 of
    # the 128 per task
    assert operand_tiles(mod, "A") == {(48, 16)}
    assert operand_tiles(mod, "B") == {(16, 64)}
    text = (tmp_path / "aie.mlir").read_text()
    for tile in ("core_c0_r3", "core_c0_r4", "core_c0_r5"):
        # what the lowering allocates is what physical mapping counted:
        # one local, 2 stream objects and the double-buffered K tiles
        used, buffers = tile_bytes(text, tile)
        assert buffers == ["48x64xi32"], (tile, buffers)
        assert used == 12 * 1024 * 3 + 2 * (48 * 16 + 16 * 64) * 4 == 51_200
    A, B = ints((M, K), np.int32), ints((K, N), np.int32)
    C = np.zeros((M, N), np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, wrapped(A, B))


def test_split_k_gemm_3d_whose_sum_fills_the_tile(tmp_path):
    M, N, K = 96, 128, 256
    top = npu_fanout_programs.split_k_gemm_3d(int32, M, N, K, 2, 2, 4)
    mod = dato.build(top, target="aie", project=tmp_path)
    # 48 x 64 int32 blocks, 64 of K per task: whole A (48 x 64) and B
    # (64 x 64) blocks, 28 KiB, beside a middle task's 36 KiB are over the
    # 63 KiB; as above, kt <= 30 gives 16 (the chained tile's local, chained
    # buffer, C's block and 8 bytes of counters need no smaller)
    assert operand_tiles(mod, "A") == {(48, 16)}
    assert operand_tiles(mod, "B") == {(16, 64)}
    A, B = ints((M, K), np.int32), ints((K, N), np.int32)
    C = np.zeros((M, N), np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, wrapped(A, B))


def test_split_k_gemm_of_64x64_int32_blocks_maps_cut_in_two(tmp_path):
    M, N, K = 64, 64, 512
    mod = dato.build(dato_programs.split_k_gemm(int32, M, N, K, 4), target="aie", project=tmp_path)
    # 64 x 64 int32 blocks of 16 KiB: at depth 2 a middle task holds 80 KiB
    # (its local and 2 x 2 stream objects, as dato-npu-retile-gemm counts a
    # task by itself), so it cuts each task with its partial streams into
    # 64 x 32 blocks (8 KiB): a middle task holds its local and the stream
    # it puts, 24 KiB, and 2 x (64 kt + kt 32) x 4 + 24,576 <= 64,512 gives
    # kt <= 52, so 32 of the 128 per task; the partial streams keep their depth
    text = (tmp_path / "aie.mlir").read_text()
    depths = re.findall(r"aie\.objectfifo @partial_\d_\d_\d\(.*, (\d+) : i32\)", text)
    assert depths == ["2"] * 8, text
    assert operand_tiles(mod, "A") == {(64, 32)}
    assert operand_tiles(mod, "B") == {(32, 32)}
    A, B = ints((M, K), np.int32), ints((K, N), np.int32)
    C = np.zeros((M, N), np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, wrapped(A, B))


def test_streams_that_would_deadlock_one_object_deep_are_cut_instead(tmp_path):
    R, L = 56, 64

    @dato.region()
    def top(A: int32[R, L], B: int32[R, L]):
        s: Stream[int32[R, L], 2]
        t: Stream[int32[R, L], 2]

        @dato.kernel(mapping=[1], args=[A])
        def src(a: int32[R, L]):
            s.put(a)  # noqa: F821
            s.put(a)  # noqa: F821
            t.put(a)  # noqa: F821

        @dato.kernel(mapping=[1], args=[B])
        def dst(b: int32[R, L]):
            first = t.get()  # noqa: F821
            b[:, :] = first + s.get()  # noqa: F821
            b[:, :] = b + s.get()  # noqa: F821

    # Refused before (70 KiB on src's tile; @s, @t one object deep would
    # save 28 KiB but deadlock: src puts twice on @s before @t, which dst gets
    # first). The tasks are element-wise, so the compiler now cuts them into
    # two instances of 28 rows each (dato-npu-retile-elementwise): 7 KiB
    # objects, two of each stream and A's block fit at the declared depth 2,
    # so nothing has to be made one object deep and nothing deadlocks.
    mod = dato.build(top, target="aie", project=tmp_path)
    text = (tmp_path / "aie.mlir").read_text()
    assert 'dato.tasks = ["src_1"]' in text and 'dato.tasks = ["dst_1"]' in text
    fifos = re.findall(
        r"objectfifo @([st]_c\d)\([^)]*\}, (\d+) : i32\) : !aie.objectfifo<memref<(\w+)>>", text
    )
    assert sorted(fifos) == [(n, "2", "28x64xi32") for n in ("s_c0", "s_c1", "t_c0", "t_c1")]
    x = np.random.default_rng(7).integers(-1000, 1000, (R, L), dtype=np.int32)
    y = np.zeros((R, L), np.int32)
    mod(x, y)
    np.testing.assert_array_equal(y, 3 * x)


def test_a_chain_of_elementwise_results_takes_one_buffer(tmp_path):
    R, L = 16, 64

    @dato.region()
    def top(A: int32[R, L], B: int32[R, L]):
        s: Stream[int32[R, L], 2]

        @dato.kernel(mapping=[1], args=[A])
        def src(a: int32[R, L]):
            s.put(a)  # noqa: F821

        @dato.kernel(mapping=[1], args=[B])
        def dst(b: int32[R, L]):
            x = s.get()  # noqa: F821
            # each result computed into the one before it, which dies there
            b[:, :] = dato.sub(dato.add(dato.mul(x, x), x), x)

    mod = dato.build(top, target="aie", project=tmp_path)
    text = (tmp_path / "aie.mlir").read_text()
    # x read in its fifo object; x * x, + x and - x in one local
    assert re.findall(r"aie\.buffer\(%(\w+)\)", text) == ["core_c0_r3"], text
    A = ints((R, L), np.int32)
    B = np.zeros_like(A)
    mod(A, B)
    a = A.astype(np.int64)
    np.testing.assert_array_equal(B, (a * a + a - a).astype(np.int32))
