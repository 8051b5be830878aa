"""The virtual NPU's shared state (state.py) at the edges its design-level
tests do not reach: the packet network (AM020's packet header, written out
bit by bit), packets to several destinations with and without their header,
the cascade's single word in flight, object pools started full, and waiting
actors woken. Expected values are hand-computed from the hardware rule or
the documented ring order (tools/mutation-test npu-dma)."""

from collections import deque

import numpy as np
import pytest

from dato_xdsl.targets.simulator.semantics import OpFailure
from dato_xdsl.targets.virtual_npu.errors import TransferError, UnwrittenDataError
from dato_xdsl.targets.virtual_npu.state import (
    READING,
    WRITING,
    Cascade,
    Lock,
    PacketDest,
    PacketSource,
    Pool,
    RecvJob,
    SendJob,
    Stream,
    Waitable,
    packet_header,
)


def word(header: np.ndarray) -> int:
    assert header.dtype == np.uint8 and header.size == 4
    return int(header[0]) | int(header[1]) << 8 | int(header[2]) << 16 | int(header[3]) << 24


def test_packet_header_fields_and_odd_parity():
    # AM020: id in bits 4:0, source row in 20:16, column in 27:21, bit 31 makes
    # the number of ones odd. id 1, row 1, column 1: three ones, no parity bit
    assert word(packet_header(1, 1, 1)) == 0b1 | 1 << 16 | 1 << 21
    # id 3, row 4, column 2: ones at bits 0, 1, 18, 22 (four): parity bit set
    assert word(packet_header(3, 2, 4)) == 0b11 | 1 << 18 | 1 << 22 | 1 << 31
    # id 0, row 0, column 0: no ones, so the parity bit alone
    assert word(packet_header(0, 0, 0)) == 1 << 31
    # each field keeps its width: id 0x25 -> 5, row 0x21 -> 1, column 0x81 -> 1
    # (ones at 0, 2, 16, 21: four, parity set)
    assert word(packet_header(0x25, 0x81, 0x21)) == 0b101 | 1 << 16 | 1 << 21 | 1 << 31
    # widest fields: id 31, row 31, column 127 (5 + 5 + 7 = 17 ones: odd)
    assert word(packet_header(31, 127, 31)) == 0x1F | 0x1F << 16 | 0x7F << 21


def test_a_packet_reaches_every_destination_with_or_without_its_header():
    ready: deque = deque()
    source = PacketSource("mm2s of (1, 2)", (1, 2), ready)
    keep, strip = PacketDest("keeps", ready), PacketDest("strips", ready)
    source.routes[5] = [(keep, True), (strip, False)]
    job = SendJob(np.array([10, -20], np.int32), packet=5)
    got_keep = np.zeros(3, np.int32)
    got_strip = np.zeros(2, np.int32)
    keep.post_recv(0, RecvJob(got_keep, np.arange(3), None))
    source.post_send(job)
    # the header reached `keep`; `strips` has nothing to receive with yet
    assert got_keep[0] == np.uint32(word(packet_header(5, 1, 2))).view(np.int32)
    assert got_keep[1:].tolist() == [10, -20]
    assert not job.done  # one destination still has to take it
    assert source.describe_stall() == "a packet offered, not yet taken by every destination"
    assert strip.describe_stall() == "1 packet(s) (8 byte(s)) waiting to be received"
    mask = np.zeros(2, bool)
    strip.post_recv(0, RecvJob(got_strip, np.array([1, 0]), mask))
    assert got_strip.tolist() == [-20, 10]
    assert mask.tolist() == [True, True]
    assert job.done and job.cur == job.data.size
    assert strip.describe_stall() == "0 packet(s) (0 byte(s)) waiting to be received"


def test_a_packet_without_a_header_takes_its_id_from_its_first_word():
    ready: deque = deque()
    source = PacketSource("mm2s", (0, 3), ready)
    dest = PacketDest("s2mm", ready)
    source.routes[2] = [(dest, False)]
    got = np.zeros(2, np.int16)
    dest.post_recv(0, RecvJob(got, np.arange(2), None))
    # first word 0x00000022: id 2 (bits 4:0), the rest of the word ignored
    source.post_send(SendJob(np.array([0x22, 0, 7, -8], np.int16)))
    assert got.tolist() == [7, -8]


@pytest.mark.parametrize(
    "data, packet, message",
    [
        (
            np.array([1], np.int16),
            None,
            "sends 2 byte(s) without a packet header on p; a packet port needs a header "
            "(a BD `packet` attribute, aie.dma_bd_packet, a `packet = <...>` clause, or a "
            "header word first in the data)",
        ),
        (
            np.array([1, 2], np.int32),
            4,
            "sends packet id 4 on p, but no aie.packet_flow from this port has that id "
            "(ids here: 2, 9)",
        ),
        (
            np.array([3, 5], np.int32),
            None,
            "sends packet id 3 (read from the first word of data sent without a header) on p, "
            "but no aie.packet_flow from this port has that id (ids here: 2, 9)",
        ),
    ],
)
def test_packets_no_flow_takes_are_refused_naming_the_ids(data, packet, message):
    ready: deque = deque()
    source = PacketSource("p", (0, 2), ready)
    source.routes[9] = [(PacketDest("a", ready), False)]
    source.routes[2] = [(PacketDest("b", ready), False)]
    with pytest.raises(OpFailure) as err:
        source.post_send(SendJob(data, packet=packet))
    assert err.value.kind is TransferError
    assert err.value.message == message


def test_packet_ports_have_one_direction():
    ready: deque = deque()
    with pytest.raises(OpFailure) as err:
        PacketSource("src", (0, 2), ready).post_recv(0, RecvJob(np.zeros(1), np.arange(1), None))
    assert err.value.message == "an S2MM channel receives from src"
    assert err.value.kind is TransferError
    with pytest.raises(OpFailure) as err:
        PacketDest("dst", ready).post_send(SendJob(np.zeros(1)))
    assert err.value.message == "an MM2S channel sends into dst"


def test_the_cascade_holds_one_word_and_copies_it():
    ready: deque = deque()
    cascade = Cascade("c", ready)
    cascade.waiting.append("reader")
    vec = np.array([1, 2, 3], np.int32)
    assert cascade.put(vec)
    assert list(ready) == ["reader"]  # the waiting reader woke up
    vec[0] = 99  # the word in flight is the value put, not the caller's array
    assert not cascade.put(np.array([4]))  # full: the writer waits
    cascade.waiting.append("writer")
    assert cascade.take().tolist() == [1, 2, 3]
    assert list(ready) == ["reader", "writer"]
    assert cascade.put(7) and cascade.take() == 7


def test_notify_moves_every_waiting_actor_to_the_ready_queue_once():
    ready: deque = deque(["x"])
    w = Waitable("w", ready)
    w.notify()
    assert list(ready) == ["x"]
    w.waiting += ["a", "b"]
    w.notify()
    assert list(ready) == ["x", "a", "b"] and w.waiting == []
    w.notify()
    assert list(ready) == ["x", "a", "b"]


def test_a_pool_started_full_is_read_first_then_written_in_ring_order():
    ready: deque = deque()
    pool = Pool("f", "tile(1, 1)", 3, (2,), np.int16, ready)
    writer = pool.port(True, "dma", False)
    reader = pool.port(False, "core", True)
    other = pool.port(False, "dma2", False)
    assert pool.fifo == "@f" and Pool("@g", "t", 1, (1,), np.int8, ready).fifo == "@g"
    pool.start([np.array([1, 2]), np.array([3, 4])])
    # two of three buffers full; each needs both readers before it is free
    assert pool.state == [READING, READING, WRITING]
    assert pool.pending == [2, 2, 1]
    assert writer.count == 2
    assert writer.acquire(1) and list(writer.held) == [2]
    assert not writer.acquire(2)  # buffer 0 is still being read
    assert reader.acquire(2)
    assert [v.tolist() for v in reader.views(2)] == [[1, 2], [3, 4]]
    reader.release(1)
    assert pool.state[0] == READING and pool.pending[0] == 1  # `other` still reads it
    assert other.acquire(1)
    other.release(1)
    assert pool.state[0] == WRITING and pool.rounds[0] == 1 and pool.pending[0] == 1
    assert writer.acquire(2) and list(writer.held) == [2, 0]


def test_a_core_reading_an_object_a_dma_filled_partly_is_refused():
    ready: deque = deque()
    pool = Pool("f", "tile(0, 2)", 1, (4,), np.int32, ready)
    writer = pool.port(True, "dma", False)
    reader = pool.port(False, "core", True)
    pool.start()
    assert writer.acquire(1)
    pool.mask[0][[0, 2]] = True  # the DMA wrote elements 0 and 2 only
    writer.release(1)
    assert pool.state == [READING]
    with pytest.raises(OpFailure) as err:
        reader.acquire(1)
    assert err.value.kind is UnwrittenDataError
    assert err.value.message == (
        "reads an object of @f on tile(0, 2) of which 2 of 4 elements were never written by a DMA"
    )


def test_stream_receivers_added_later_are_waited_for():
    ready: deque = deque()
    stream = Stream("s", 1, ready)
    assert stream.add_receiver() == 1
    a, b = np.zeros(2, np.int8), np.zeros(2, np.int8)
    stream.post_recv(0, RecvJob(a, np.arange(2), None))
    stream.post_send(SendJob(np.array([5, 6], np.int8)))
    assert a.tolist() == [0, 0]  # the second receiver is not ready
    stream.waiting.append("sender")
    stream.post_recv(1, RecvJob(b, np.arange(2), None))
    assert a.tolist() == b.tolist() == [5, 6]
    assert list(ready) == ["sender"]
    # empty jobs are done at once and never block the stream
    stream.post_send(SendJob(np.zeros(0, np.int8)))
    assert stream.send is None
    stream.post_recv(0, RecvJob(a, np.zeros(0, np.int64), None))
    assert stream.receivers == [None, None]


def test_a_packet_longer_than_a_receive_is_taken_by_several():
    ready: deque = deque()
    source = PacketSource("src", (0, 2), ready)
    dest = PacketDest("dst", ready)
    source.routes[1] = [(dest, False)]
    source.waiting.append("sender")
    dest.waiting.append("receiver")
    job = SendJob(np.array([1, 2, 3, 4, 5], np.int16), packet=1)
    source.post_send(job)
    assert dest.describe_stall() == "1 packet(s) (10 byte(s)) waiting to be received"
    first = np.zeros(2, np.int16)
    mask = np.zeros(2, bool)
    recv = RecvJob(first, np.arange(2), mask)
    dest.post_recv(0, recv)
    # int16 elements arrive as bytes; the mask still counts elements
    assert first.tolist() == [1, 2] and mask.tolist() == [True, True]
    assert recv.done and dest.job is None and not job.done
    assert list(ready) == ["receiver"]
    assert dest.describe_stall() == "1 packet(s) (6 byte(s)) waiting to be received"
    rest = np.zeros(4, np.int16)
    recv = RecvJob(rest, np.array([3, 2, 1, 0]), None)
    dest.post_recv(0, recv)
    assert rest.tolist() == [0, 5, 4, 3] and not recv.done and dest.job is recv
    assert job.done and list(ready) == ["receiver", "sender"]
    # a second packet fills the rest of the same receive
    source.post_send(SendJob(np.array([8], np.int16), packet=1))
    assert rest.tolist() == [8, 5, 4, 3] and recv.done


def test_a_header_word_alone_is_a_packet_without_payload():
    ready: deque = deque()
    source = PacketSource("src", (0, 2), ready)
    dest = PacketDest("dst", ready)
    source.routes[6] = [(dest, False)]
    job = SendJob(np.array([6], np.int32))
    source.post_send(job)
    assert dest.describe_stall() == "1 packet(s) (0 byte(s)) waiting to be received"
    with pytest.raises(OpFailure) as err:
        PacketSource("lone", (0, 2), ready).post_send(SendJob(np.array([1, 2], np.int32), 3))
    assert err.value.message.endswith(
        "but no aie.packet_flow from this port has that id (ids here: none)"
    )
    with pytest.raises(OpFailure) as err:
        dest.post_send(SendJob(np.zeros(1)))
    assert err.value.kind is TransferError


def test_a_stream_from_int16_to_int8_exchanges_little_endian_bytes():
    ready: deque = deque()
    stream = Stream("s", 1, ready)
    stream.waiting.append("x")
    stream.post_send(SendJob(np.array([0x0102, -2], np.int16)))
    assert list(ready) == []  # nothing moved: nobody woken
    assert stream.describe_stall() == "2 element(s) offered, 0/1 receiver(s) ready"
    got = np.zeros(2, np.int8)
    stream.post_recv(0, RecvJob(got, np.arange(2), None))
    assert got.tolist() == [2, 1]  # the low byte first
    assert stream.describe_stall() == "2 element(s) offered, 0/1 receiver(s) ready"
    got = np.zeros(2, np.int8)
    stream.post_recv(0, RecvJob(got, np.arange(2), None))
    assert got.tolist() == [-2, -1]  # -2 is 0xFFFE
    assert stream.send is None and list(ready) == ["x"]


def test_the_labels_and_owners_name_what_they_belong_to():
    ready: deque = deque()
    pool = Pool("f", "tile(1, 1)", 1, (4,), np.int8, ready)
    assert pool.label == "@f buffers on tile(1, 1)"
    port = pool.port(False, "core(1, 2)", True)
    assert port.owner == "core(1, 2)" and port.role == "Consume"
    lock = Lock("L", 0, ready)
    lock.waiting.append("a")
    lock.set(5)
    assert lock.value == 5 and list(ready) == ["a"]
    cascade = Cascade("casc", ready)
    assert cascade.label == "casc" and not cascade.full and cascade.word is None
    assert cascade.put(7) and type(cascade.take()) is int


def test_a_core_reading_an_object_with_three_elements_missing_is_told_three():
    ready: deque = deque()
    pool = Pool("f", "tile(0, 2)", 1, (4,), np.int32, ready)
    writer = pool.port(True, "dma", False)
    reader = pool.port(False, "core", True)
    pool.start()
    assert writer.acquire(1)
    pool.mask[0][1] = True
    writer.release(1)
    with pytest.raises(OpFailure) as err:
        reader.acquire(1)
    assert "of which 3 of 4 elements were never written" in err.value.message


def test_sends_and_receives_of_different_lengths_meet_in_the_middle():
    ready: deque = deque()
    stream = Stream("s", 1, ready)
    got = np.zeros(3, np.int32)
    recv = RecvJob(got, np.arange(3), None)
    stream.post_recv(0, recv)
    stream.post_send(SendJob(np.array([1, 2], np.int32)))
    stream.post_send(SendJob(np.array([3, 4], np.int32)))  # the receive takes one of two
    assert got.tolist() == [1, 2, 3] and recv.done
    assert stream.describe_stall() == "1 element(s) offered, 0/1 receiver(s) ready"
    more = np.zeros(4, np.int32)
    stream.post_recv(0, RecvJob(more, np.arange(4), None))  # longer than what is left
    assert more.tolist() == [4, 0, 0, 0] and stream.send is None
    # packets likewise: a receive of 3 int16 elements (6 bytes) from packets of 2
    source, dest = PacketSource("src", (0, 2), ready), PacketDest("dst", ready)
    source.routes[1] = [(dest, False)]
    three = np.zeros(3, np.int16)
    dest.post_recv(0, RecvJob(three, np.arange(3), None))
    source.post_send(SendJob(np.array([5, 6], np.int16), packet=1))
    source.post_send(SendJob(np.array([7, 8], np.int16), packet=1))
    assert three.tolist() == [5, 6, 7]
    assert dest.describe_stall() == "1 packet(s) (2 byte(s)) waiting to be received"
