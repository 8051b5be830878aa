"""A refusal's count names an array copied in and sent out by direction:
its two fifos (the block in, the block out) are two buffers, listed as
"argument 2 in" and "argument 2 out", not the same words twice."""

from __future__ import annotations

from dato_xdsl.transforms.npu_tile_memory import TileMemory


def test_an_argument_read_and_written_is_listed_once_per_direction() -> None:
    tm = TileMemory([], {})
    tm.fifo("argument 0", (0, True), 32768)
    tm.fifo("argument 2", (2, True), 32768)
    tm.fifo("argument 2", (2, False), 32768)
    total, parts = tm.total()
    assert total == 3 * 32768
    assert parts == [
        "32 KiB for argument 0",
        "32 KiB for argument 2 in",
        "32 KiB for argument 2 out",
    ]


def test_a_streamed_argument_keeps_its_note_after_the_direction() -> None:
    tm = TileMemory([], {})
    tm.row_streamed[(1, True)] = 2048
    tm.fifo("argument 1", (1, True), 65536)
    tm.fifo("argument 1", (1, False), 4096)
    _, parts = tm.total()
    assert parts == [
        "2 KiB for argument 1 in (streamed by rows, 2 of 1 KiB)",
        "4 KiB for argument 1 out",
    ]


def test_members_arguments_of_one_index_name_their_arrays() -> None:
    # a loader's argument 0 (region argument 0, read) and a node's argument 0
    # (region argument 2, written) on one core: two arrays, named apart
    tm = TileMemory([], {})
    tm.fifo("argument 0", (0, True), 16384)
    tm.fifo("argument 0", (2, False), 4096)
    _, parts = tm.total()
    assert parts == [
        "16 KiB for argument 0 of region argument 0",
        "4 KiB for argument 0 of region argument 2",
    ]
