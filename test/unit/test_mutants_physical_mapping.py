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


def test_elements_wider_than_a_dma_word_are_refused(tmp_path):
    with pytest.raises(dato.DatoError) as info:
        dato.build(wide_elements(), target="aie", device="npu1", project=tmp_path)
    assert (
        "error: 'dato.group' op k_0 moves A of i64 elements; the NPU's DMAs move 32-bit words"
    ) in str(info.value)
