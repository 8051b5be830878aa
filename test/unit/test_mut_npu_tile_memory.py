"""npu_tile_memory by hand: the bytes a compute tile's data memory holds
(TileMemory's spans, fifos, chained streams and counters, shared_bytes'
sharing of one type's dead buffers, live_bytes' busiest point), the fifo
objects a tile holds between neighbours (mlir-aie's holder rule), the block
advice's arithmetic and the K tile at exactly its budget and one byte under.
Written from mutation testing's survivors (tools/mutation-test npu-tile-memory)."""

from __future__ import annotations

from types import SimpleNamespace

from xdsl.dialects.builtin import MemRefType, bf16, i8, i16, i32

from dato_xdsl.devices import lookup
from dato_xdsl.transforms.npu_tile_memory import (
    TileMemory,
    block_advice,
    choose_k_tile,
    held_objects,
    k_tile_for,
    kib,
    live_bytes,
)

I32_256 = MemRefType(i32, [256])  # 1,024 bytes
I16_512 = MemRefType(i16, [512])  # 1,024 bytes, another type
I8_256 = MemRefType(i8, [256])  # 256 bytes
I8_512 = MemRefType(i8, [512])  # 512 bytes


def _memory(names: list[str]) -> TileMemory:
    tm = TileMemory([], {})
    tm.start = {n: 1 + 4 * k for k, n in enumerate(names)}
    tm.end = {n: 3 + 4 * k for k, n in enumerate(names)}
    return tm


def test_kib_prints_the_shortest_decimal() -> None:
    assert kib(1536) == "1.5 KiB"
    assert kib(1024) == "1 KiB"
    assert kib(0) == "0 KiB"


def test_live_bytes_counts_spans_touching_at_an_end_as_overlapping() -> None:
    # 1,024 B over [1, 3], 256 B over [3, 4], 1,024 B over [4, 6]: at 3 and at 4
    # 1,280 B live; a later 512 B alone stays below
    spans = [(I32_256, 1, 3), (I8_256, 3, 4), (I16_512, 4, 6), (I8_512, 8, 9)]
    assert live_bytes(spans) == 1280
    # disjoint spans: the largest alone
    assert live_bytes([(I32_256, 1, 2), (I8_512, 3, 4)]) == 1024
    assert live_bytes([]) == 0
    # three at once
    assert live_bytes([(I32_256, 1, 5), (I16_512, 2, 5), (I8_256, 5, 7)]) == 2304


def test_held_objects_follow_the_fifo_holder_on_aie_ml() -> None:
    npu1 = lookup("npu1")
    assert npu1 is not None
    low, high = npu1.compute_rows[0], npu1.compute_rows[1]
    # vertical neighbours: the producer's tile holds every object
    assert held_objects(npu1, (0, low), (0, high), True, 300) == 300
    assert held_objects(npu1, (0, high), (0, low), False, 300) == 0
    assert held_objects(npu1, (0, high), (0, low), True, 300) == 300
    assert held_objects(npu1, (0, low), (0, high), False, 300) == 0
    # a producer east of its consumer on one row: the consumer holds them
    assert held_objects(npu1, (1, low), (0, low), True, 300) == 0
    assert held_objects(npu1, (0, low), (1, low), False, 300) == 300
    # a producer west of its consumer: the producer's
    assert held_objects(npu1, (0, low), (1, low), True, 300) == 300
    assert held_objects(npu1, (1, low), (0, low), False, 300) == 0
    # tiles not sharing memory: a DMA fifo, objects at both ends
    assert held_objects(npu1, (0, low), (2, high), True, 300) == 300
    assert held_objects(npu1, (2, high), (0, low), False, 300) == 300


def test_block_advice_numbers() -> None:
    acc = MemRefType(i32, [32, 32])  # 4,096 bytes
    # tiles 2 * (32 * 1 + 32 * 1) = 128; (65,536 - 128) * 4,096 // 8,192 = 32,704,
    # down to a multiple of 256: 32,512 = 31.75 KiB
    text = block_advice(32, 32, acc, 8192, 65536, 1, 1)
    assert text == (
        "streaming A and B over K cannot make it fit: the rest is 8 KiB, 2 times the 32x32 i32 "
        "result block of 4 KiB (its local, the blocks and stream objects of its size); a mapping "
        "giving result blocks of at most about 31.75 KiB fits (more tasks over M or N, or a "
        "narrower result type)"
    )
    # element widths count: 2 * (32 * 2 + 32 * 4) = 384; (65,536 - 384) * 4,096 // 12,288
    # = 21,717 -> 21,504 = 21 KiB; 12,288 / 4,096 = 3
    text = block_advice(32, 32, acc, 12288, 65536, 2, 4)
    assert "the rest is 12 KiB, 3 times" in text
    assert "at most about 21 KiB fits" in text
    # the room over the tiles exactly 8 KiB, the rest one result block: 8 KiB;
    # tiles 2 * (32 * 2 + 32 * 1) = 192
    assert "at most about 8 KiB fits" in block_advice(32, 32, acc, 4096, 192 + 8192, 2, 1)
    # one byte less: 7.75 KiB (down to a multiple of 256 bytes)
    assert "at most about 7.75 KiB fits" in block_advice(32, 32, acc, 4096, 192 + 8191, 2, 1)
    # tiles above the budget: nothing fits
    assert "at most about 0 KiB fits" in block_advice(32, 32, acc, 8192, 100, 1, 1)


def test_k_tile_at_its_budget_and_one_byte_under() -> None:
    # m 16, k 12, n 8, int8 A, int16 B, 256 fixed bytes: K tile 6 needs
    # 2 * (16 * 6 + 6 * 8 * 2) + 256 = 640, K tile 12 needs 1,024
    assert k_tile_for(16, 12, 8, 1024, 1, 2, 256, False) == 12
    assert k_tile_for(16, 12, 8, 1023, 1, 2, 256, False) == 6
    assert k_tile_for(16, 12, 8, 640, 1, 2, 256, False) == 6
    assert k_tile_for(16, 12, 8, 639, 1, 2, 256, False) == 4  # 2 * (64 + 64) + 256 = 512
    # the f32 accumulator (16 * 8 * 4 = 512) counts for a split K only
    assert k_tile_for(16, 12, 8, 1024, 1, 2, 256, True) == 12
    # one byte under 12's 1,024: 6 needs 640 + 512, 4 needs 512 + 512, 3 needs
    # 2 * (48 + 48) + 256 + 512 = 960
    assert k_tile_for(16, 12, 8, 1023, 1, 2, 256, True) == 3
    assert k_tile_for(16, 12, 8, 960, 1, 2, 256, True) == 3
    assert k_tile_for(16, 12, 8, 959, 1, 2, 256, True) == 2  # 384 + 512 = 896
    # K tile 1: 2 * (16 + 16) + 256 = 320
    assert k_tile_for(16, 12, 8, 320, 1, 2, 256, False) == 1
    assert k_tile_for(16, 12, 8, 319, 1, 2, 256, False) is None


def test_members_take_their_positions_in_run_order() -> None:
    def member(name: str, length: int | None) -> tuple[object, object]:
        buffers = None if length is None else SimpleNamespace(length=length)
        return SimpleNamespace(buffers=buffers), SimpleNamespace(name=name)

    # "c" has no place in the order: 0, first; b (3 ops) after a (none)
    tm = TileMemory([member("b", 3), member("a", None), member("c", 1)], {"a": 1, "b": 2})  # type: ignore[list-item]
    # each member: its start, its ops, its end, then one position between members
    assert tm.start == {"c": 1, "a": 4, "b": 6}
    assert tm.end == {"c": 3, "a": 5, "b": 10}


def test_locals_whole_members_and_chained_ends_are_offset_by_the_member_start() -> None:
    tm = _memory(["a", "b"])  # a: 1..3, b: 5..7
    tm.spans = [(I8_512, 1, 2)]  # what an earlier call added stays
    tm.tables = 7
    found = SimpleNamespace(
        spans=[(I32_256, 0, 2)],
        tables=100,
        got={"p": [(I8_256, 1, 1)], "q": [(I8_512, 2, 2)]},
        first_put={"out": 2},
        last_get={"in": 3},
        unpacked=(),  # no argument unpacked into the body's locals
    )
    # the body's arguments (none read here)
    group = SimpleNamespace(body=SimpleNamespace(block=SimpleNamespace(args=())))
    plan = SimpleNamespace(buffers=found, group=group)
    tm.locals(plan, SimpleNamespace(name="b"), {"p": "s"})  # type: ignore[arg-type]
    assert tm.spans == [(I8_512, 1, 2), (I32_256, 5, 7)]
    assert tm.tables == 107
    assert tm.got == [("s", I8_256, 6, 6), ("q", I8_512, 7, 7)]
    tm.locals(SimpleNamespace(buffers=None), SimpleNamespace(name="a"), {})  # type: ignore[arg-type]
    assert tm.spans == [(I8_512, 1, 2), (I32_256, 5, 7)]
    tm.whole_member(SimpleNamespace(name="a"), I16_512)  # type: ignore[arg-type]
    assert tm.spans[-1] == (I16_512, 1, 3)
    tm.chained("c", I8_256, SimpleNamespace(name="a"), plan, "out", True)  # type: ignore[arg-type]
    tm.chained("c", I8_256, SimpleNamespace(name="b"), plan, "in", False)  # type: ignore[arg-type]
    assert tm.chain["c"] == [I8_256, 3, 8]
    # a port the member's buffers do not name: its first op
    tm.chained("d", I8_256, SimpleNamespace(name="b"), plan, "other", True)  # type: ignore[arg-type]
    tm.chained("d", I8_256, SimpleNamespace(name="a"), SimpleNamespace(buffers=None), "x", False)  # type: ignore[arg-type]
    assert tm.chain["d"] == [I8_256, 6, 2]
    # the other way round: a get the buffers do not name, a put with no buffers
    tm.chained("e", I8_256, SimpleNamespace(name="b"), plan, "other", False)  # type: ignore[arg-type]
    tm.chained("e", I8_256, SimpleNamespace(name="a"), SimpleNamespace(buffers=None), "x", True)  # type: ignore[arg-type]
    assert tm.chain["e"] == [I8_256, 2, 6]


def test_one_members_total_shares_dead_buffers_of_one_type() -> None:
    tm = _memory(["a"])
    # two i32[256] over disjoint spans share 1,024 B; the i8[512] overlaps both: 512 B
    tm.spans = [(I32_256, 1, 3), (I32_256, 4, 6), (I8_512, 2, 5)]
    tm.tables = 512
    tm.fifo("stream s", "s", 1024)
    tm.fifo("stream s", "s", 4096)  # the same fifo again: counted once, first size
    tm.fifo("array A", "A", 2048)
    tm.counters = 8
    total, parts = tm.total()
    assert total == 1024 + 512 + 512 + 1024 + 2048 + 8
    assert parts == [
        "2 KiB local buffers",
        "1 KiB for stream s",
        "2 KiB for array A",
        "8 bytes of stream counters",
    ]


def test_spans_touching_at_an_end_do_not_share() -> None:
    tm = _memory(["a"])
    tm.spans = [(I32_256, 1, 3), (I32_256, 3, 6)]
    assert tm.total() == (2048, ["2 KiB local buffers"])


def test_members_and_a_chained_stream_total_with_the_live_bytes() -> None:
    tm = _memory(["a", "b"])
    tm.spans = [(I32_256, 1, 3), (I16_512, 4, 6)]
    tm.chain = {"c": [I8_256, 4, 3]}  # its put after its get in positions: min and max
    tm.got = [("s", I8_512, 1, 2), ("t", I8_512, 1, 2)]
    tm.copied = {"s"}
    total, parts = tm.total()
    # 1,024 + 1,024 + 256 (the chain over [3, 4]) + 512 (s, copied; t read in place)
    # + 8 counter bytes; live at once: at 3 and at 4, 1,024 + 256 = 1,280
    assert total == 2816 + 8
    assert parts == [
        "2.75 KiB local buffers of 2 members and 1 chained stream(s) (buffers whose lives do "
        "not overlap shared; 1.5 KiB of them live at once)",
        "8 bytes of stream counters",
    ]


def test_a_chained_stream_with_one_end_on_this_tile_and_one_member() -> None:
    tm = _memory(["a"])
    tm.chain = {"c": [I8_256, 2, None]}
    total, parts = tm.total()
    assert total == 256 + 8
    assert parts[0].startswith("0.25 KiB local buffers of 1 members and 1 chained stream(s)")
    assert "0.25 KiB of them live at once" in parts[0]


def test_members_without_chains_and_no_locals() -> None:
    tm = _memory(["a", "b"])
    tm.spans = [(I32_256, 1, 2)]
    assert tm.total()[1] == [
        "1 KiB local buffers of 2 members (buffers whose lives do not overlap shared; "
        "1 KiB of them live at once)"
    ]
    empty = _memory(["a"])
    empty.fifo("stream s", "s", 512)
    assert empty.total() == (512, ["0.5 KiB for stream s"])


def test_eight_fifos_are_listed_nine_grouped_by_kind() -> None:
    tm = _memory(["a"])
    for k in range(8):
        tm.fifo(f"stream s{k}", k, 1024)
    assert tm.total() == (8192, [f"1 KiB for stream s{k}" for k in range(8)])
    for k in range(4):
        tm.fifo(f"array A{k}", ("A", k), 512)
    total, parts = tm.total()
    assert total == 8192 + 2048
    assert parts == [
        "8 KiB for stream fifos (stream s0, stream s1, stream s2, ... (8))",
        "2 KiB for array fifos (array A0, array A1, array A2, ... (4))",
    ]
    three = _memory(["a"])
    for k in range(6):
        three.fifo(f"stream s{k}", k, 1024)
    for k in range(3):
        three.fifo(f"array A{k}", ("A", k), 1024)
    assert three.total()[1] == [
        "6 KiB for stream fifos (stream s0, stream s1, stream s2, ... (6))",
        "3 KiB for array fifos (array A0, array A1, array A2)",
    ]


def test_choose_k_tile_counts_the_output_block_and_the_float32_accumulator() -> None:
    # c[16, 8] (bf16) = a[16, 12] x b[12, 8]: A and B bf16 (2 bytes), the output
    # block 16 x 8 x 2 = 256 bytes; K tile kt needs 2 * (16 kt 2 + kt 8 2) + 256
    # = 96 kt + 256, and 16 x 8 x 4 = 512 more for a float32 accumulator when
    # kt < 12: kt 12 1,408; 6 832 (+ 512 = 1,344); 4 640 (1,152); 3 544 (1,056)
    bf16_args = [SimpleNamespace(type=MemRefType(bf16, s)) for s in ([16, 12], [12, 8], [16, 8])]
    plan = SimpleNamespace(
        matmul=SimpleNamespace(m=16, k=12, n=8, a=0, b=1, c=2),
        group=SimpleNamespace(body=SimpleNamespace(block=SimpleNamespace(args=bf16_args))),
    )
    assert choose_k_tile(plan, 1408, 2, True) == 12  # type: ignore[arg-type]
    assert choose_k_tile(plan, 1407, 2, True) == 6  # type: ignore[arg-type]
    assert choose_k_tile(plan, 1343, 2, True) == 4  # type: ignore[arg-type]
    assert choose_k_tile(plan, 1151, 2, True) == 3  # type: ignore[arg-type]
    # no accumulator (the default): 6 fits in 1,343 and in 832
    assert choose_k_tile(plan, 1343, 2) == 6  # type: ignore[arg-type]
    assert choose_k_tile(plan, 832, 2, False) == 6  # type: ignore[arg-type]
    assert choose_k_tile(plan, 831, 2, False) == 4  # type: ignore[arg-type]
    # the output block at 4 bytes an element (512): kt 12 needs 1,664
    assert choose_k_tile(plan, 1663, 4, False) == 6  # type: ignore[arg-type]
    assert choose_k_tile(plan, 1664, 4, False) == 12  # type: ignore[arg-type]
