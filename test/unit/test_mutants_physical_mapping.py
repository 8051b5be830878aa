"""Physical mapping's K tile rule at its edges, computed by hand: a K-streamed
GEMM keeps double-buffered A (m x kt) and B (kt x n) tiles beside its output
block, and a bf16 GEMM whose K is split also keeps an m x n float32
accumulator; the K tile is the largest divisor of K that fits the budget.
Each budget below is exactly what one K tile needs, then one byte less.

Operands of different widths (1-byte A, 4-byte B) and m != n make a swapped
operand or dimension change the count; mutation testing
(tools/mutation-test physical-mapping) found the rule checked only where
those coincide."""

import re
from pathlib import Path

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Stream, int8, int16, int32, int64
from dato_xdsl.transforms.physical_mapping import k_tile_for, kib

M, K, N = 32, 96, 16
A_ELEM, B_ELEM = 1, 4
FIXED = M * N * 4  # the int32 output block: 2,048 bytes


def need(kt: int, f32_acc: bool = False) -> int:
    """Bytes of a K tile, written out: 2 x (A tile + B tile) + the output block
    (+ the m x n float32 accumulator when K is split)."""
    a_tile = M * kt * A_ELEM
    b_tile = kt * N * B_ELEM
    acc = 4 * M * N if f32_acc and kt < K else 0
    return 2 * (a_tile + b_tile) + FIXED + acc


def test_hand_counts():
    # kt = 48: A 32 x 48 x 1 = 1,536, B 48 x 16 x 4 = 3,072; 2 x 4,608 + 2,048
    assert need(48) == 11264
    assert need(96) == 2 * (3072 + 6144) + 2048 == 20480
    assert need(32) == 2 * (1024 + 2048) + 2048 == 8192
    assert need(1) == 2 * (32 + 64) + 2048 == 2240


@pytest.mark.parametrize("kt, below", [(96, 48), (48, 32), (32, 24), (2, 1)])
def test_the_largest_k_tile_that_fits_exactly(kt, below):
    assert k_tile_for(M, K, N, need(kt), A_ELEM, B_ELEM, FIXED, False) == kt
    assert k_tile_for(M, K, N, need(kt) - 1, A_ELEM, B_ELEM, FIXED, False) == below


def test_nothing_fits_one_byte_below_a_k_tile_of_one():
    assert k_tile_for(M, K, N, need(1), A_ELEM, B_ELEM, FIXED, False) == 1
    assert k_tile_for(M, K, N, need(1) - 1, A_ELEM, B_ELEM, FIXED, False) is None


def test_a_split_bf16_k_counts_its_float32_accumulator():
    # a whole K needs no accumulator; a split one adds 4 x 32 x 16 = 2,048 bytes
    assert need(96, True) == need(96)
    assert need(48, True) == need(48) + 2048
    assert k_tile_for(M, K, N, need(96), A_ELEM, B_ELEM, FIXED, True) == 96
    assert k_tile_for(M, K, N, need(96) - 1, A_ELEM, B_ELEM, FIXED, True) == 48
    assert k_tile_for(M, K, N, need(48, True), A_ELEM, B_ELEM, FIXED, True) == 48
    assert k_tile_for(M, K, N, need(48, True) - 1, A_ELEM, B_ELEM, FIXED, True) == 32


def test_k_tiles_are_divisors_of_k():
    # 40 would fit a budget between need(32) and need(48), but does not divide 96
    budget = (need(32) + need(48)) // 2
    assert need(40) <= budget
    assert k_tile_for(M, K, N, budget, A_ELEM, B_ELEM, FIXED, False) == 32


def test_kib_prints_fractions():
    assert kib(64512) == "63 KiB"
    assert kib(1536) == "1.5 KiB"
    assert kib(64513) == "63.001 KiB"


def shim_columns(project) -> dict[str, int]:
    """The shim column each array's objectfifo starts or ends at, from aie.mlir."""
    text = (project / "aie.mlir").read_text()
    found = re.findall(r"aie\.objectfifo @(\w+?)_(?:in|out)0\((%\w+), \{?(%\w+)", text)
    cols = {}
    for name, producer, consumer in found:
        shim = producer if producer.startswith("%shim") else consumer
        cols[name] = int(shim.removeprefix("%shim_c"))
    return cols


def three_inputs_one_output():
    @dato.region()
    def top(A: int32[16], B: int32[16], D: int32[16], C: int32[16]):
        @dato.kernel(mapping=[1], args=[A, B, D, C])
        def k(a: int32[16], b: int32[16], d: int32[16], c: int32[16]):
            for i in range(16):
                c[i] = a[i] + b[i] - d[i]

    return top


def test_arrays_take_the_first_shim_column_with_a_free_channel(tmp_path):
    # AM020: a shim tile has 2 MM2S (to the array) and 2 S2MM channels. A and B
    # take column 0's two MM2S, D the next column's; the output C only needs an
    # S2MM, which column 0 still has
    dato.build(three_inputs_one_output(), target="aie", project=tmp_path)
    assert shim_columns(tmp_path) == {"A": 0, "B": 0, "D": 1, "C": 0}


BUDGET = 64 * 1024 - 1024  # AM020's 64 KiB of data memory, 1 KiB kept for the stack


def a_tile(project) -> list[int]:
    """The shape of the objects A's fifo carries in the emitted design."""
    found = re.search(
        r"aie\.objectfifo @A_in0\(.*memref<(\d+)x(\d+)x", (project / "aie.mlir").read_text()
    )
    assert found
    return [int(found.group(1)), int(found.group(2))]


def epilogue_beside_a_copy(M: int, K: int, N: int):
    @dato.region()
    def top(A: int16[M, K], B: int16[K, N], C: int16[M, N], D: int16[8], E: int16[8]):
        @dato.kernel(mapping=[1], args=[A, B, C])
        def mm(a: int16[M, K], b: int16[K, N], c: int16[M, N]):
            acc: int16[M, N] = dato.matmul(a, b)
            c[:, :] = acc + acc

        @dato.kernel(mapping=[1], args=[D, E])
        def cp(d: int16[8], e: int16[8]):
            e[:] = d

    return top


def test_another_task_reading_other_arrays_does_not_stop_k_streaming(tmp_path):
    M, K, N = 32, 1024, 32
    # as for the matmul alone: 2 x (32 kt + 32 kt) x 2 + 8,192 <= 64,512 gives
    # kt <= 220 -> 128; the copy task reads D, which is no operand of the matmul
    dato.build(epilogue_beside_a_copy(M, K, N), target="aie", project=tmp_path)
    assert a_tile(tmp_path) == [32, 128]


# ------------------------------------------------ refusals, with their numbers


def independent_tasks(n: int, where: Path):
    """n tasks, each reading its own input array and writing its own output:
    n arrays in and n out through the shim (written to a file: the frontend
    reads a program's source)."""
    args = ", ".join([f"A{i}: int32[8]" for i in range(n)] + [f"C{i}: int32[8]" for i in range(n)])
    lines = ["import dato_xdsl as dato", "from dato_xdsl import int32", ""]
    lines += ["@dato.region()", f"def top({args}):"]
    for i in range(n):
        lines += [
            f"    @dato.kernel(mapping=[1], args=[A{i}, C{i}])",
            f"    def k{i}(a: int32[8], c: int32[8]):",
            "        for i in range(8):",
            f"            c[i] = a[i] + {i}",
        ]
    source = where / f"tasks{n}.py"
    source.write_text("\n".join(lines) + "\n")
    namespace: dict[str, object] = {}
    exec(compile(source.read_text(), str(source), "exec"), namespace)
    return namespace["top"]


def test_the_shim_columns_carry_eight_arrays_each_way_and_not_nine(tmp_path):
    # AM020 / npu1: 4 shim columns, each with 2 MM2S and 2 S2MM channels
    dato.build(independent_tasks(8, tmp_path), target="aie", device="npu1", project=tmp_path / "8")
    with pytest.raises(dato.DatoError) as info:
        dato.build(
            independent_tasks(9, tmp_path), target="aie", device="npu1", project=tmp_path / "9"
        )
    assert (
        "error: 'dato.region' op the design moves 9 input and 9 output arrays through the "
        "shim; npu1 (4 columns x 6 rows) has 4 shim columns with 2 input and 2 output "
        "channels each"
    ) in str(info.value)


def six_packed_by_four():
    # an unpacked stream `t` with a count known only at run time comes first:
    # it is fine, and the packed one after it is still checked
    @dato.region()
    def top(A: int8[8], B: int8[8], N: int32[1], M: int32[1]):
        t: Stream[int32, 2]
        s: Stream[int8, 2, 4]

        @dato.kernel(mapping=[1], args=[A, N])
        def p(a: int8[8], n: int32[1]):
            for _i in range(n[0]):
                t.put(n[0])  # noqa: F821 (a stream, declared by annotation)
            for i in range(6):
                s.put(a[i])  # noqa: F821

        @dato.kernel(mapping=[1], args=[B, M])
        def c(b: int8[8], m: int32[1]):
            for _i in range(m[0]):
                m[0] = t.get()  # noqa: F821
            for i in range(6):
                b[i] = s.get()  # noqa: F821

    return top


def unpacked_stream_of_a_run_time_count():
    @dato.region()
    def top(N: int32[1], M: int32[4]):
        t: Stream[int32, 2]

        @dato.kernel(mapping=[1], args=[N])
        def p(n: int32[1]):
            for i in range(n[0]):
                t.put(i + 10)  # noqa: F821

        @dato.kernel(mapping=[1], args=[N, M])
        def c(n: int32[1], m: int32[4]):
            for i in range(n[0]):
                m[i] = t.get()  # noqa: F821

    return top


def test_an_unpacked_stream_may_carry_a_count_known_at_run_time(tmp_path):
    mod = dato.build(
        unpacked_stream_of_a_run_time_count(), target="aie", device="npu1", project=tmp_path
    )
    n = np.array([3], np.int32)
    m = np.full(4, -1, np.int32)
    mod(n, m)
    assert m.tolist() == [10, 11, 12, -1]


def rows_of_six_after_an_unused_argument():
    @dato.region()
    def top(D: int8[8], A: int8[16, 6], B: int8[6, 16], C: int8[16, 16]):
        @dato.kernel(mapping=[1], args=[D, A, B, C])
        def k(d: int8[8], a: int8[16, 6], b: int8[6, 16], c: int8[16, 16]):
            c[:, :] = dato.matmul(a, b)

    return top


def test_rows_that_are_not_whole_dma_words_are_refused_after_an_unused_argument(tmp_path):
    # 6 int8 elements are 48 bits: one and a half 32-bit words (AM020)
    with pytest.raises(dato.DatoError) as info:
        dato.build(
            rows_of_six_after_an_unused_argument(), target="aie", device="npu1", project=tmp_path
        )
    assert (
        "error: 'dato.group' op k_0 moves rows of 6 i8 elements of A (48 bits), not a whole "
        "number of 32-bit DMA words"
    ) in str(info.value)


def a_count_known_at_run_time_packed_by_four():
    @dato.region()
    def top(A: int8[8], B: int8[8], N: int32[1]):
        s: Stream[int8, 2, 4]

        @dato.kernel(mapping=[1], args=[A, N])
        def p(a: int8[8], n: int32[1]):
            for i in range(n[0]):
                s.put(a[i])  # noqa: F821

        @dato.kernel(mapping=[1], args=[B])
        def c(b: int8[8]):
            for i in range(8):
                b[i] = s.get()  # noqa: F821

    return top


@pytest.mark.parametrize(
    "program, words",
    [
        (six_packed_by_four, "but 6 are put (not a multiple of 4)"),
        (
            a_count_known_at_run_time_packed_by_four,
            "but how many are put is not known at compile time",
        ),
    ],
)
def test_a_packed_stream_sends_whole_objects(program, words, tmp_path):
    with pytest.raises(dato.DatoError) as info:
        dato.build(program(), target="aie", device="npu1", project=tmp_path)
    message = str(info.value)
    assert f"error: 'dato.put' op stream @s packs 4 elements per transfer, {words}" in message
    assert "test_mutants_physical_mapping.py:" in message


def wide_elements():
    @dato.region()
    def top(A: int64[8], B: int64[8]):
        @dato.kernel(mapping=[1], args=[A, B])
        def k(a: int64[8], b: int64[8]):
            for i in range(8):
                b[i] = a[i] + 1

    return top


def test_elements_wider_than_a_dma_word_move_as_words(tmp_path):
    # i64 arrays cross the DMAs as pairs of 32-bit words (dato-npu-wide-
    # integers): the host transfers move only elements of at most 32 bits
    mod = dato.build(wide_elements(), target="aie", device="npu1", project=tmp_path)
    text = (tmp_path / "aie.mlir").read_text()
    assert "xi64>" not in text.split("aie.runtime_sequence", 1)[1]
    A = np.array([-(2**63), 2**63 - 1, -1, 0, 1, 2**32, -(2**32) - 1, 12345], np.int64)
    B = np.zeros(8, np.int64)
    mod(A, B)
    want = np.array([int(a) + 1 for a in A], dtype=object)
    want = np.array([(w + 2**63) % 2**64 - 2**63 for w in want], np.int64)
    np.testing.assert_array_equal(B, want)


# ------------------------------------- tiles filled to the byte (AM020: 64 KiB)
#
# Each design below is worked out by hand to need exactly BUDGET bytes on one
# tile: it maps and runs equal to numpy; the same design with one byte more is
# refused or takes a smaller K tile. A count off by a few bytes either way
# changes one of the two outcomes.


def local_gemm(T, M: int, K: int, N: int):
    """`acc = matmul(a, b)` kept in a local for an epilogue: the tile holds
    acc and acc + acc (two M x N locals), C's M x N block, and A and B, which
    stream over K when they do not fit whole."""

    @dato.region()
    def top(A: T[M, K], B: T[K, N], C: T[M, N]):
        @dato.kernel(mapping=[1], args=[A, B, C])
        def mm(a: T[M, K], b: T[K, N], c: T[M, N]):
            acc: T[M, N] = dato.matmul(a, b)
            c[:, :] = acc + acc

    return top


def local_gemm_and_a_byte(M: int, K: int, N: int):
    """local_gemm(int16, ...) with one int8 scalar more."""

    @dato.region()
    def top(A: int16[M, K], B: int16[K, N], C: int16[M, N]):
        @dato.kernel(mapping=[1], args=[A, B, C])
        def mm(a: int16[M, K], b: int16[K, N], c: int16[M, N]):
            acc: int16[M, N] = dato.matmul(a, b)
            c[:, :] = acc + acc
            s: int8 = 0
            for i in range(M):
                s += acc[i, 0]
            c[0, N - 1] = s

    return top


def wrap(x: np.ndarray, dtype) -> np.ndarray:
    return x.astype(np.int64).astype(dtype)


def int16_operands(M: int, K: int, N: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(960)
    A = rng.integers(-(2**15), 2**15, (M, K)).astype(np.int16)
    B = rng.integers(-(2**15), 2**15, (K, N)).astype(np.int16)
    return A, B


def test_a_k_streamed_local_filling_the_tile_to_the_byte_maps_and_runs(tmp_path):
    # int16, M x K x N = 32 x 960 x 16: acc, acc + acc and C's block are
    # 3 x 32 x 16 x 2 = 3,072 bytes; A/B tiles of kt cost 2 x (32 kt + 16 kt) x 2
    # = 192 kt; 192 x 320 + 3,072 = 64,512: K tile 320 (a divisor of 960) fills
    # the tile exactly. Whole A and B (92,160 bytes) do not fit.
    M, K, N = 32, 960, 16
    assert 192 * 320 + 3 * M * N * 2 == BUDGET and K % 320 == 0
    mod = dato.build(local_gemm(int16, M, K, N), target="aie", project=tmp_path)
    assert a_tile(tmp_path) == [M, 320]
    A, B = int16_operands(M, K, N)
    C = np.full((M, N), 5, np.int16)
    mod(A, B, C)
    prod = wrap(A.astype(np.int64) @ B.astype(np.int64), np.int16)
    np.testing.assert_array_equal(C, wrap(prod.astype(np.int64) * 2, np.int16))


def test_one_byte_more_beside_a_k_streamed_local_takes_the_next_k_tile(tmp_path):
    # one int8 scalar more: 64,513 bytes at K tile 320; the next divisor of 960
    # below it is 240 (192 x 240 + 3,073 = 49,153 bytes)
    M, K, N = 32, 960, 16
    mod = dato.build(local_gemm_and_a_byte(M, K, N), target="aie", project=tmp_path)
    assert a_tile(tmp_path) == [M, 240]
    A, B = int16_operands(M, K, N)
    C = np.zeros((M, N), np.int16)
    mod(A, B, C)
    prod = wrap(A.astype(np.int64) @ B.astype(np.int64), np.int16)
    want = wrap(prod.astype(np.int64) * 2, np.int16)
    want[0, N - 1] = wrap(prod[:, 0].astype(np.int64).sum(keepdims=True), np.int8)[0]
    np.testing.assert_array_equal(C, want)


def test_a_k_streamed_bf16_local_filling_the_tile_to_the_byte(tmp_path):
    # bfloat16, 16 x 888 x 48: acc, acc + acc and C's block are 3 x 16 x 48 x 2
    # = 4,608 bytes; a K split in several steps adds the 16 x 48 float32
    # accumulator, 3,072 bytes; A/B tiles cost 2 x (16 kt + 48 kt) x 2 = 256 kt.
    # 256 x 222 + 7,680 = 64,512: K tile 222 (888 / 4) fills the tile exactly
    # (the next divisor, 296, needs 83,456)
    import ml_dtypes

    M, K, N = 16, 888, 48
    assert 256 * 222 + 3 * M * N * 2 + 4 * M * N == BUDGET and K % 222 == 0
    mod = dato.build(local_gemm(dato.bfloat16, M, K, N), target="aie", project=tmp_path)
    assert a_tile(tmp_path) == [M, 222]
    bf16 = ml_dtypes.bfloat16
    rng = np.random.default_rng(888)
    # small integers: every float32 partial sum is exact (at most 888 x 49)
    A = rng.integers(0, 8, (M, K)).astype(np.float32).astype(bf16)
    B = rng.integers(0, 8, (K, N)).astype(np.float32).astype(bf16)
    C = np.zeros((M, N), bf16)
    mod(A, B, C)
    once = (A.astype(np.float32) @ B.astype(np.float32)).astype(bf16)
    want = (once.astype(np.float32) * 2).astype(bf16)
    np.testing.assert_array_equal(C.view(np.uint16), want.view(np.uint16))


R, C_LEN = 15, 1388  # a 20,820-byte int8 block


def scalar_streams(S1, S2, out: int):
    """The producer `p` holds A's block, a copy of it and the object of the
    block stream it puts (declared one deep: nothing for physical mapping to
    make shallower; p's tile holds it, the consumer's core reaching it from
    the north, devices.fifo_holder): 3 x 20,820 bytes; D (8 bytes), its
    output B (2 x `out` int8), the scalars s, t, w of types S1, S2, S2 (w
    shares t's buffer: same type, t dead by then), and the fifos of three
    scalar streams it also holds: `depth` objects each, plus a staging object
    and a 4-byte counter for a packed one. The consumer `c` holds 8 bytes of
    output and the packed streams' staging objects and counters."""

    @dato.region()
    def top(A: int8[R, C_LEN], D: int32[2], B: int8[2, out], E: int8[2, 4]):
        blk: Stream[int8[R, C_LEN], 1]
        s8: Stream[int8, 2, 4]
        s16: Stream[int16, 2, 2]
        s32: Stream[int32, 2]

        @dato.kernel(mapping=[1], args=[A, D, B])
        def p(a: int8[R, C_LEN], d: int32[2], b: int8[2, out]):
            x: int8[R, C_LEN] = 0
            x[:, :] = a
            b[:, :] = 0  # all of b overwritten: its host copy need not come in
            s: S1 = 0
            t: S2 = 0
            for i in range(R):
                s += x[i, 0]
                t += a[i, C_LEN - 1]
            b[0, 0] = s
            b[1, out - 1] = t
            blk.put(x)  # noqa: F821 (a stream, declared by annotation)
            for i in range(4):
                s8.put(a[0, i])  # noqa: F821
            for i in range(2):
                w: S2 = a[1, i]
                s16.put(w * 100)  # noqa: F821
            s32.put(d[0])  # noqa: F821
            # x is read after its put: its copy on the stream's object stays
            # (dato-put-in-place would otherwise compute x in the object)
            b[1, 0] = x[2, 7]

        @dato.kernel(mapping=[1], args=[E])
        def c(e: int8[2, 4]):
            for i in range(4):
                e[0, i] = s8.get()  # noqa: F821
            for i in range(2):
                e[1, i] = s16.get() >> 8  # noqa: F821
            e[1, 2] = s32.get() >> 24  # noqa: F821
            x = blk.get()  # noqa: F821
            e[1, 3] = x[3, 5]

    return top


# int8 packed by 4: 2 objects of 4 bytes + a 4-byte staging object + a 4-byte
# counter; int16 packed by 2 likewise; int32 unpacked: 2 objects of 4 bytes
SCALAR_FIFOS = (2 * 4 + 4 + 4) + (2 * 4 + 4 + 4) + 2 * 4
OUT_ROW = 1000  # whole words: B's rows need no padding


def test_scalar_streams_filling_a_tile_to_the_byte_map_and_run(tmp_path):
    # 3 x 20,820 + 8 + 2 x 1,000 + 2 + 2 (two int16 scalars, w sharing t's
    # buffer) + 40 = 64,512
    assert 3 * R * C_LEN + 8 + 2 * OUT_ROW + 4 + SCALAR_FIFOS == BUDGET
    mod = dato.build(scalar_streams(int16, int16, OUT_ROW), target="aie", project=tmp_path)
    text = (tmp_path / "aie.mlir").read_text()
    for name in ("blk", "s8", "s16", "s32"):
        assert f"aie.objectfifo @{name}(%core_c0_r2, {{%core_c0_r3}}" in text
    rng = np.random.default_rng(40)
    A = rng.integers(-128, 128, (R, C_LEN)).astype(np.int8)
    D = np.array([-(2**31) + 12345, 7], np.int32)
    B = np.full((2, OUT_ROW), 9, np.int8)
    E = np.full((2, 4), 9, np.int8)
    mod(A, D, B, E)
    want = np.zeros((2, OUT_ROW), np.int8)
    want[0, 0] = wrap(wrap(A[:, 0].astype(np.int64).sum(keepdims=True), np.int16), np.int8)[0]
    want[1, -1] = wrap(wrap(A[:, -1].astype(np.int64).sum(keepdims=True), np.int16), np.int8)[0]
    want[1, 0] = A[2, 7]
    np.testing.assert_array_equal(B, want)
    got = np.zeros((2, 4), np.int8)
    got[0, :] = A[0, :4]
    got[1, :2] = wrap(wrap(A[1, :2].astype(np.int64) * 100, np.int16) >> 8, np.int8)
    got[1, 2] = D[0] >> 24
    got[1, 3] = A[3, 5]
    np.testing.assert_array_equal(E, got)


def test_scalar_streams_one_byte_past_the_tile_are_refused_with_their_bytes(tmp_path):
    # an int32 and an int8 scalar instead of two int16 (w, int8, shares t's
    # buffer): 64,513 bytes on p's tile
    assert 3 * R * C_LEN + 8 + 2 * OUT_ROW + 5 + SCALAR_FIFOS == BUDGET + 1
    with pytest.raises(dato.DatoError) as info:
        dato.build(scalar_streams(int32, int8, OUT_ROW), target="aie", project=tmp_path)
    message = str(info.value)
    assert "(p_0) needs 63.001 KiB of buffers" in message and "it has 63 KiB" in message
    # each stream's fifo bytes, as counted above
    assert f"{kib(16)} for stream @s8; {kib(16)} for stream @s16; {kib(8)} for stream @s32" in (
        message
    )
    assert "test_mutants_physical_mapping.py:" in message


PAD_C, PAD_OUT = 1387, 1032  # rows of 1,387 int8 travel padded to 1,388 (347 words)


def padded_block_stream(S1, S2):
    """The producer holds the stream's object (declared one deep: nothing for
    physical mapping to make shallower; its tile holds it, the consumer's
    core reaching it from the north, devices.fifo_holder), padded to 15 x
    1,388 (20,820 bytes), the 15 x 1,387 block it computes (20,805 bytes)
    and its copy put on the stream, A (16 int8, whole words), its output B
    (2 x 1,032 int8) and two scalars of types S1 and S2. The consumer holds
    4 bytes of output."""

    @dato.region()
    def top(A: int8[R + 1], B: int8[2, PAD_OUT], E: int8[4]):
        blk: Stream[int8[R, PAD_C], 1]

        @dato.kernel(mapping=[1], args=[A, B])
        def p(a: int8[R + 1], b: int8[2, PAD_OUT]):
            x: int8[R, PAD_C] = 0
            for i in range(R):
                for j in range(PAD_C):
                    x[i, j] = a[i] + j
            y: int8[R, PAD_C] = 0
            y[:, :] = x
            b[:, :] = 0
            s: S1 = 0
            t: S2 = 0
            for i in range(R):
                s += x[i, 0]
                t += y[i, PAD_C - 1]
            b[0, 0] = s
            b[1, PAD_OUT - 1] = t
            blk.put(y)  # noqa: F821

        @dato.kernel(mapping=[1], args=[E])
        def c(e: int8[4]):
            x = blk.get()  # noqa: F821
            e[0] = x[0, 0]
            e[1] = x[R - 1, PAD_C - 1]
            e[2] = x[3, 700]
            e[3] = x[7, 1]

    return top


def test_a_padded_block_stream_filling_a_tile_to_the_byte_maps_and_runs(tmp_path):
    # 15 x 1,388 + 2 x 15 x 1,387 + 16 + 2 x 1,032 + 1 + 1 = 64,512
    assert R * 1388 + 2 * R * PAD_C + 16 + 2 * PAD_OUT + 2 == BUDGET
    mod = dato.build(padded_block_stream(int8, int8), target="aie", project=tmp_path)
    text = (tmp_path / "aie.mlir").read_text()
    assert "aie.objectfifo @blk(%core_c0_r2, {%core_c0_r3}, 1 : i32)" in text
    a = np.random.default_rng(15).integers(-128, 128, R + 1).astype(np.int8)
    x = wrap(a[:R].astype(np.int64)[:, None] + np.arange(PAD_C), np.int8)
    B = np.full((2, PAD_OUT), 9, np.int8)
    E = np.full(4, 9, np.int8)
    mod(a, B, E)
    want = np.zeros((2, PAD_OUT), np.int8)
    want[0, 0] = wrap(x[:, 0].astype(np.int64).sum(keepdims=True), np.int8)[0]
    want[1, -1] = wrap(x[:, -1].astype(np.int64).sum(keepdims=True), np.int8)[0]
    np.testing.assert_array_equal(B, want)
    np.testing.assert_array_equal(E, [x[0, 0], x[R - 1, PAD_C - 1], x[3, 700], x[7, 1]])


def test_a_padded_block_stream_one_byte_past_the_tile_is_refused(tmp_path):
    assert R * 1388 + 2 * R * PAD_C + 16 + 2 * PAD_OUT + 3 == BUDGET + 1
    with pytest.raises(dato.DatoError) as info:
        dato.build(padded_block_stream(int16, int8), target="aie", project=tmp_path)
    message = str(info.value)
    assert "(p_0) needs 63.001 KiB of buffers" in message
    # the stream's object counted padded: 20,820 bytes, not 20,805
    assert f"{kib(R * 1388)} for stream @blk" in message


# -------------------------------------- DMA rows of a K tile and of a write box


def gemm_into(M: int, K: int, N: int):
    @dato.region()
    def top(A: int8[M, K], B: int8[K, N], C: int32[M, N]):
        @dato.kernel(mapping=[1], args=[A, B, C])
        def mm(a: int8[M, K], b: int8[K, N], c: int32[M, N]):
            c[:, :] = dato.matmul(a, b)

    return top


def widening_local(M: int, K: int, N: int):
    @dato.region()
    def top(A: int8[M, K], B: int8[K, N], C: int32[M, N]):
        @dato.kernel(mapping=[1], args=[A, B, C])
        def mm(a: int8[M, K], b: int8[K, N], c: int32[M, N]):
            acc: int32[M, N] = dato.matmul(a, b)
            c[:, :] = acc - 1

    return top


@pytest.mark.parametrize(
    "program, kt",
    [
        # 64 x 64 int32 block (16,384) + 2 x (64 kt + 64 kt) <= 64,512: kt <= 188;
        # 372 = 2^2 x 3 x 31 has 186 below: 186 bytes of A per row, 46.5 words
        (gemm_into, 186),
        # acc and acc - 1 live together, with C's block: 3 x 16,384 = 49,152;
        # 256 kt <= 15,360: kt <= 60, and 372's divisor below is 31
        (widening_local, 31),
    ],
    ids=["into_c", "local"],
)
def test_k_tiles_that_are_not_whole_dma_words_are_refused(program, kt, tmp_path):
    # K = 372 int8 elements are 93 words: A's rows would move whole
    M, K, N = 64, 372, 64
    with pytest.raises(dato.DatoError) as info:
        dato.build(program(M, K, N), target="aie", device="npu1", project=tmp_path)
    assert (
        f"error: 'dato.group' op mm_0 moves rows of {kt} i8 elements of A ({kt * 8} bits), "
        "not a whole number of 32-bit DMA words"
    ) in str(info.value)


def boxes_of_two_int8():
    """Instance p writes C[p, 1] and C[p, 2]: its box is 2 int8 (16 bits) at
    column 1, which no padding of C's rows of 8 can make whole words (a run
    of 2 would have to start at a multiple of 2)."""

    @dato.region()
    def top(A: int8[2, 8], C: int8[2, 8]):
        @dato.kernel(mapping=[2], args=[A, C])
        def t(a: int8[2, 8], c: int8[2, 8]):
            p = dato.get_pid()
            c[p, 1] = a[p, 1]
            c[p, 2] = a[p, 2]

    return top


def boxes_of_two_int8_in_a_vector():
    """As boxes_of_two_int8 in one dim: instance p writes C[2p + 1], C[2p + 2]."""

    @dato.region()
    def top(A: int8[8], C: int8[8]):
        @dato.kernel(mapping=[2], args=[A, C])
        def t(a: int8[8], c: int8[8]):
            p = dato.get_pid()
            c[2 * p + 1] = a[p]
            c[2 * p + 2] = a[p + 4]

    return top


@pytest.mark.parametrize("program", [boxes_of_two_int8, boxes_of_two_int8_in_a_vector])
def test_write_boxes_that_are_not_whole_dma_words_are_refused(program, tmp_path):
    # C's rows of 8 int8 are 2 words; each instance's box row is half a word
    with pytest.raises(dato.DatoError) as info:
        dato.build(program(), target="aie", device="npu1", project=tmp_path)
    assert (
        "error: 'dato.group' op t_0 moves rows of 2 i8 elements of C (16 bits), not a whole "
        "number of 32-bit DMA words"
    ) in str(info.value)


def rows_of_six_after_a_padded_argument():
    """E's rows of 3 int8 move padded to 4 (written only: no loader takes it
    over); A, a matmul operand, keeps its layout, and its rows of 6 int8 are
    one and a half words."""

    @dato.region()
    def top(E: int8[2, 3], A: int8[16, 6], B: int8[6, 16], C: int8[16, 16]):
        @dato.kernel(mapping=[1], args=[E, A, B, C])
        def k(e: int8[2, 3], a: int8[16, 6], b: int8[6, 16], c: int8[16, 16]):
            acc: int8[16, 16] = dato.matmul(a, b)
            c[:, :] = acc
            e[:, :] = 5

    return top


def test_rows_that_are_not_whole_dma_words_are_refused_after_a_padded_argument(tmp_path):
    with pytest.raises(dato.DatoError) as info:
        dato.build(
            rows_of_six_after_a_padded_argument(), target="aie", device="npu1", project=tmp_path
        )
    assert (
        "error: 'dato.group' op k_0 moves rows of 6 i8 elements of A (48 bits), not a whole "
        "number of 32-bit DMA words"
    ) in str(info.value)


def int32_gemm_beside_int16_pairs(M: int, K: int, N: int):
    @dato.region()
    def top(A: int32[M, K], B: int32[K, N], C: int32[M, N], E: int16[2], F: int16[2]):
        @dato.kernel(mapping=[1], args=[A, B, C, E, F])
        def mm(a: int32[M, K], b: int32[K, N], c: int32[M, N], e: int16[2], f: int16[2]):
            acc: int32[M, N] = dato.matmul(a, b)
            c[:, :] = acc
            f[0] = e[0] + e[1]
            f[1] = e[0] - e[1]

    return top


def test_an_odd_k_tile_is_the_rows_of_a_alone(tmp_path):
    # int32 32 x 729 x 32: acc and C's block 2 x 4,096 bytes, E and F 4 each;
    # A/B tiles 2 x (32 kt + 32 kt) x 4 = 512 kt <= 64,512 - 8,200 gives
    # kt <= 109, and 729 = 3^6 has 81 below: A's rows of 81 int32 are whole
    # words. E's and F's rows of 2 int16 are one word each (81 int16 would
    # not be).
    M, K, N = 32, 729, 32
    mod = dato.build(int32_gemm_beside_int16_pairs(M, K, N), target="aie", project=tmp_path)
    assert a_tile(tmp_path) == [M, 81]
    rng = np.random.default_rng(729)
    A = rng.integers(-(2**31), 2**31, (M, K)).astype(np.int32)
    B = rng.integers(-(2**31), 2**31, (K, N)).astype(np.int32)
    C = np.zeros((M, N), np.int32)
    E = np.array([30000, -20000], np.int16)
    F = np.zeros(2, np.int16)
    mod(A, B, C, E, F)
    # int64 products and sums wrap modulo 2^64, which keeps them right modulo 2^32
    np.testing.assert_array_equal(C, wrap(A.astype(np.int64) @ B.astype(np.int64), np.int32))
    np.testing.assert_array_equal(F, wrap(np.array([10000, 50000]), np.int16))


def fan_out(T, P: int):
    """One producer puts element i on stream s[i] for each of P consumers:
    not every consumer can be a memory-sharing neighbour of the producer (with
    4, c_2 and c_3 are not), so some streams cross the array through DMAs."""

    @dato.region()
    def top(A: T[P], B: T[P]):
        s: Stream[T, 2][P]

        @dato.kernel(mapping=[1], args=[A])
        def p(a: T[P]):
            with dato.meta_for(0, P) as i:
                s[i].put(a[i])  # noqa: F821

        @dato.kernel(mapping=[P], args=[B])
        def c(b: T[P]):
            i = dato.get_pid()
            b[i] = s[i].get() + 1  # noqa: F821

    return top


def fan_out_rows(P: int):
    """As fan_out, each stream object a row of 3 int32 (96 bits: 3 words)."""

    @dato.region()
    def top(A: int32[P, 3], B: int32[P, 3]):
        s: Stream[int32[3], 2][P]

        @dato.kernel(mapping=[1], args=[A])
        def p(a: int32[P, 3]):
            with dato.meta_for(0, P) as i:
                row: int32[3] = 0
                for k in range(3):
                    row[k] = a[i, k]
                s[i].put(row)  # noqa: F821

        @dato.kernel(mapping=[P], args=[B])
        def c(b: int32[P, 3]):
            i = dato.get_pid()
            r = s[i].get()  # noqa: F821
            for k in range(3):
                b[i, k] = r[k] * 3

    return top


@pytest.mark.parametrize("T, bits, per_word", [(int8, 8, 4), (int16, 16, 2)])
def test_unpacked_narrow_streams_through_a_dma_are_refused_with_a_packing_hint(
    T, bits, per_word, tmp_path
):
    with pytest.raises(dato.DatoError) as info:
        dato.build(fan_out(T, 4), target="aie", device="npu1", project=tmp_path)
    message = str(info.value)
    assert (
        f"error: 'dato.stream' op stream @s_2 from p_0 to c_2 moves objects of 1 i{bits} "
        f"({bits} bits), not a whole number of 32-bit DMA words; pack it: "
        f"Stream[T, depth, {per_word}]"
    ) in message


def test_word_wide_streams_through_a_dma_map_and_run(tmp_path):
    mod = dato.build(fan_out(int32, 4), target="aie", device="npu1", project=tmp_path / "s")
    A = np.array([-(2**31), 2**31 - 1, -1, 12345], np.int32)
    B = np.zeros(4, np.int32)
    mod(A, B)
    np.testing.assert_array_equal(B, wrap(A.astype(np.int64) + 1, np.int32))
    rows = dato.build(fan_out_rows(4), target="aie", device="npu1", project=tmp_path / "r")
    A = (np.arange(12).reshape(4, 3) * 1000 - 7000).astype(np.int32)
    B = np.zeros((4, 3), np.int32)
    rows(A, B)
    np.testing.assert_array_equal(B, A * 3)


def bytes_on_one_tile():
    @dato.region()
    def top(A: int8[8], B: int8[8]):
        s: Stream[int8, 2]

        @dato.kernel(mapping=[1], args=[A])
        def p(a: int8[8]):
            for i in range(8):
                s.put(a[i])  # noqa: F821

        @dato.kernel(mapping=[1], args=[B])
        def c(b: int8[8]):
            for i in range(8):
                b[i] = s.get() - 1  # noqa: F821

    return top


def test_an_unpacked_int8_stream_between_tasks_chained_on_one_tile_needs_no_dma(tmp_path):
    # p and c run one after the other on one core: the stream is a local
    # buffer, not a DMA, so its 8-bit objects need no packing
    mod = dato.build(
        bytes_on_one_tile(),
        target="aie",
        device="npu1",
        project=tmp_path,
        mapping_primitives=[("chain", ["p_0", "c_0"])],
    )
    assert (tmp_path / "aie.mlir").read_text().count("aie.core(") == 1
    A = np.array([-128, 127, 0, 1, -1, 50, -50, 3], np.int8)
    B = np.zeros(8, np.int8)
    mod(A, B)
    np.testing.assert_array_equal(B, wrap(A.astype(np.int64) - 1, np.int8))


def fan_out_after_padded_rows(P: int):
    """fan_out with a block stream of int8 rows of 3 (padded to 4 for the
    DMA) declared before the int8 stream, both to each of P consumers."""

    @dato.region()
    def top(A: int8[P, 3], X: int8[P], B: int8[P, 3], Y: int8[P]):
        r: Stream[int8[3], 2][P]
        s: Stream[int8, 2][P]

        @dato.kernel(mapping=[1], args=[A, X])
        def p(a: int8[P, 3], x: int8[P]):
            with dato.meta_for(0, P) as i:
                row: int8[3] = 0
                for k in range(3):
                    row[k] = a[i, k]
                r[i].put(row)  # noqa: F821
                s[i].put(x[i])  # noqa: F821

        @dato.kernel(mapping=[P], args=[B, Y])
        def c(b: int8[P, 3], y: int8[P]):
            i = dato.get_pid()
            got = r[i].get()  # noqa: F821
            for k in range(3):
                b[i, k] = got[k]
            y[i] = s[i].get()  # noqa: F821

    return top


def test_an_unpacked_stream_after_a_padded_one_through_a_dma_is_refused(tmp_path):
    # with 3 consumers, c_2 is not the producer's neighbour: @r_2's padded rows
    # may cross the DMA, @s_2's single bytes may not
    with pytest.raises(dato.DatoError) as info:
        dato.build(fan_out_after_padded_rows(3), target="aie", device="npu1", project=tmp_path)
    assert (
        "error: 'dato.stream' op stream @s_2 from p_0 to c_2 moves objects of 1 i8 (8 bits), not "
        "a whole number of 32-bit DMA words; pack it: Stream[T, depth, 4]"
    ) in str(info.value)
