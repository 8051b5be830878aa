"""The virtual NPU's DMA building blocks, checked one by one against the
hardware rule written out by hand: BD walks with padding (memtile MM2S), an
objectfifo transfer through a pattern shorter than its object, dma_memcpy_nd
offsets, BD chains with their locks and repeat count, locks, streams.

These are the functions mutation testing (tools/mutation-test npu-dma) found
no designed test reaching; each expected value below is computed from the
rule (AM020 / mlir-aie's BD semantics) as literal numbers or as plain loops,
never from the module under test."""

from collections import deque
from itertools import product

import numpy as np
import pytest

from dato_xdsl.targets.simulator.semantics import OpFailure
from dato_xdsl.targets.virtual_npu import patterns
from dato_xdsl.targets.virtual_npu.dma import BdBlock, BdStep, LockStep, _unwritten, bd_chain
from dato_xdsl.targets.virtual_npu.errors import (
    DepthError,
    DesignError,
    TransferError,
    UnwrittenDataError,
)
from dato_xdsl.targets.virtual_npu.state import (
    LOCK_MAX,
    Lock,
    Pool,
    RecvJob,
    SendJob,
    Stream,
)

# ------------------------------------------------------------------ walks


def padded_walk_by_loops(dims, pads, base):
    """The padded BD rule as nested loops: dimension i steps from -before_i to
    size_i + after_i - 1; a step outside [0, size_i) in any dimension sends the
    pad value (-1), otherwise the element base + sum(step_i * stride_i)."""
    ranges = [range(-b, s + a) for (s, _), (b, a) in zip(dims, pads, strict=True)]
    out = []
    for steps in product(*ranges):
        if all(0 <= i < s for i, (s, _) in zip(steps, dims, strict=True)):
            out.append(base + sum(i * st for i, (_, st) in zip(steps, dims, strict=True)))
        else:
            out.append(-1)
    return out


def test_walk_padded_by_hand():
    # 2 rows of stride 4 with one padding row before; 3 columns with 2 after
    got = patterns.walk_padded([(2, 4), (3, 1)], [(1, 0), (0, 2)], base=1)
    want = [-1] * 5 + [1, 2, 3, -1, -1] + [5, 6, 7, -1, -1]
    assert got.tolist() == want


@pytest.mark.parametrize(
    "dims, pads, base",
    [
        ([(3, 7), (2, 3), (4, 1)], [(0, 1), (2, 0), (1, 1)], 0),
        ([(2, 9), (3, 2)], [(2, 3), (0, 0)], 5),
        ([(4, 1)], [(3, 2)], 2),
        ([(2, 5), (2, 1)], [(0, 0), (0, 0)], 0),
    ],
)
def test_walk_padded_matches_the_loops(dims, pads, base):
    got = patterns.walk_padded(dims, pads, base)
    assert got.dtype == np.int64
    assert got.tolist() == padded_walk_by_loops(dims, pads, base)


def test_walk_padded_needs_one_pad_per_dimension():
    with pytest.raises(ValueError, match="1 padding entries for 2 dimensions"):
        patterns.walk_padded([(2, 4), (3, 1)], [(1, 0)], base=0)


def test_walk_without_dimensions_is_consecutive():
    assert patterns.walk([], 3, 4).tolist() == [3, 4, 5, 6]


def test_walk_nests_outermost_first():
    assert patterns.walk([(2, 10), (3, 2)], 1, 0).tolist() == [1, 3, 5, 11, 13, 15]


def test_walk_to_length_keeps_stepping_the_outermost_dimension():
    # rows of 4 with stride 8, 2 rows written; an object of 10 elements needs
    # a third row (the outermost dimension has no wrap), cut after 10
    got = patterns.walk_to_length([(2, 8), (4, 1)], base=1, length=10)
    assert got.tolist() == [1, 2, 3, 4, 9, 10, 11, 12, 17, 18]


def test_walk_to_length_of_whole_rows():
    got = patterns.walk_to_length([(1, 8), (4, 1)], base=0, length=12)
    assert got.tolist() == [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19]


def test_walk_to_length_covering_the_object_is_walked_as_written():
    # 8 elements cover an object of 8, and of 5 (the pattern is not cut)
    as_written = [0, 1, 2, 3, 8, 9, 10, 11]
    assert patterns.walk_to_length([(2, 8), (4, 1)], 0, 8).tolist() == as_written
    assert patterns.walk_to_length([(2, 8), (4, 1)], 0, 5).tolist() == as_written


def test_walk_to_length_one_element_short():
    got = patterns.walk_to_length([(2, 8), (4, 1)], base=0, length=9)
    assert got.tolist() == [0, 1, 2, 3, 8, 9, 10, 11, 16]


def test_walk_to_length_three_dimensions():
    # inner dimensions (2 x 3) = 6 elements per outer step; 1 written, 14 wanted
    got = patterns.walk_to_length([(1, 100), (2, 10), (3, 1)], base=0, length=14)
    want = [o * 100 + r * 10 + c for o in range(3) for r in range(2) for c in range(3)]
    assert got.tolist() == want[:14]


def test_walk_to_length_without_dimensions_or_with_an_empty_one():
    assert patterns.walk_to_length([], 2, 3).tolist() == [2, 3, 4]
    assert patterns.walk_to_length([(2, 8), (0, 1)], 0, 4).tolist() == []


def memcpy_by_loops(offsets, sizes, strides):
    """aiex.npu.dma_memcpy_nd: element = sum((offset_i + step_i) * stride_i),
    the innermost stride 1 when written as 0."""
    strides = [*strides[:-1], strides[-1] or 1]
    out = []
    for steps in product(*(range(s) for s in sizes)):
        out.append(sum((o + i) * st for o, i, st in zip(offsets, steps, strides, strict=True)))
    return out


@pytest.mark.parametrize(
    "offsets, sizes, strides",
    [
        ([1, 2, 3, 4], [2, 2, 3, 2], [1000, 100, 10, 1]),
        ([0, 1, 0, 5], [1, 3, 2, 2], [0, 64, 8, 0]),
        ([2, 0, 1, 3], [2, 2, 2, 3], [500, 60, 20, 2]),
    ],
)
def test_memcpy_nd_offsets_in_every_dimension(offsets, sizes, strides):
    assert patterns.memcpy_nd(offsets, sizes, strides).tolist() == memcpy_by_loops(
        offsets, sizes, strides
    )


def test_memcpy_nd_by_hand():
    # offset 1 row of 100, 2 of 10, 3 elements of stride 2: base 100 + 20 + 6
    got = patterns.memcpy_nd([0, 1, 2, 3], [1, 2, 2, 2], [0, 100, 10, 2])
    assert got.tolist() == [126, 128, 136, 138, 226, 228, 236, 238]


def test_outside_reports_the_first_index_out_of_range():
    assert patterns.outside(np.array([], np.int64), 4) is None
    assert patterns.outside(np.array([0, 3, 1]), 4) is None
    assert patterns.outside(np.array([0, 4, 1]), 4) == 4
    assert patterns.outside(np.array([2, -3, 9]), 4) == -3


# --------------------------------------------------------------- BD chains


def test_unwritten_counts_and_names_the_first_missing_element():
    mask = np.array([True, False, True, False, True, True])
    assert _unwritten(mask, np.array([0, 2, 4]), "buf") is None
    failure = _unwritten(mask, np.array([0, 3, 1, 2]), "buf")
    assert failure is not None
    assert failure.kind is UnwrittenDataError
    assert failure.message == (
        "reads 2 of the 4 element(s) it sends from buf that no DMA or core wrote "
        "(the first is element 3)"
    )


def test_bd_gather_fills_padding_with_the_pad_value():
    flat = np.array([10, 11, 12, 13], np.int16)
    step = BdStep(flat, np.ones(4, bool), np.array([3, -1, 0, -1]), "buf", pad_value=7)
    got = step.gather()
    assert got.dtype == np.int16
    assert got.tolist() == [13, 7, 10, 7]
    plain = BdStep(flat, np.ones(4, bool), np.array([2, 1]), "buf")
    assert plain.gather().tolist() == [12, 11]


def drive(gen, limit=50):
    """Runs an actor until it finishes (True) or waits on something that will
    not change (returns what it waits on)."""
    for _ in range(limit):
        try:
            waited = next(gen)
        except StopIteration:
            return True
        if isinstance(waited[0], Lock) or isinstance(waited[0], Stream):
            return waited
    return None


def test_bd_chain_sends_padding_and_repeats():
    ready = deque()
    lock = Lock("L", 1, ready)
    flat = np.arange(6, dtype=np.int32)
    mask = np.ones(6, bool)
    mask[5] = False  # index -1 is padding, not element 5: no unwritten-data error
    bd = BdStep(flat, mask, np.array([4, -1, 0]), "buf", pad_value=9)
    block = BdBlock([LockStep(lock, "AcquireGreaterEqual", 1), bd, LockStep(lock, "Release", 1)])
    stream = Stream("s", 1, ready)
    target = np.zeros(6, np.int32)
    stream.post_recv(0, RecvJob(target, np.arange(6), None))
    # repeat 1: the chain runs twice, then stops
    assert drive(bd_chain(block, True, stream, 0, 1, "mm2s")) is True
    assert target.tolist() == [4, 9, 0, 4, 9, 0]
    assert lock.value == 1
    assert stream.send is None


def test_bd_chain_follows_next_and_repeats_the_whole_chain():
    ready = deque()
    a = BdStep(np.array([1, 2]), np.ones(2, bool), np.array([0, 1]), "a")
    b = BdStep(np.array([7, 8, 9]), np.ones(3, bool), np.array([2]), "b")
    first = BdBlock([a], BdBlock([b]))
    stream = Stream("s", 1, ready)
    target = np.zeros(9, np.int64)
    stream.post_recv(0, RecvJob(target, np.arange(9), None))
    assert drive(bd_chain(first, True, stream, 0, 2, "mm2s")) is True
    assert target.tolist() == [1, 2, 9, 1, 2, 9, 1, 2, 9]


def test_bd_chain_without_repeat_runs_once():
    ready = deque()
    a = BdStep(np.array([5, 6]), np.ones(2, bool), np.array([1, 0]), "a")
    stream = Stream("s", 1, ready)
    target = np.zeros(4, np.int64)
    stream.post_recv(0, RecvJob(target, np.arange(4), None))
    assert drive(bd_chain(BdBlock([a]), True, stream, 0, 0, "mm2s")) is True
    assert target.tolist() == [6, 5, 0, 0]
    assert stream.receivers[0] is not None  # still waiting for two elements


def test_bd_chain_acquire_waits_for_the_exact_value():
    ready = deque()
    lock = Lock("L", 2, ready)
    bd = BdStep(np.array([3]), np.ones(1, bool), np.array([0]), "a")
    block = BdBlock([LockStep(lock, "Acquire", 1), bd, LockStep(lock, "Release", 3)])
    stream = Stream("s", 1, ready)
    target = np.zeros(1, np.int64)
    stream.post_recv(0, RecvJob(target, np.arange(1), None))
    gen = bd_chain(block, True, stream, 0, 0, "mm2s")
    waited = drive(gen)
    assert waited[0] is lock
    assert waited[1] == "mm2s waits on L (Acquire 1, value 2)"
    assert target.tolist() == [0]
    lock.value = 1
    assert drive(gen) is True
    assert target.tolist() == [3]
    assert lock.value == 3  # 1 - 1 + 3


def test_bd_chain_acquire_greater_equal_takes_its_value():
    ready = deque()
    lock = Lock("L", 5, ready)
    bd = BdStep(np.array([3]), np.ones(1, bool), np.array([0]), "a")
    block = BdBlock([LockStep(lock, "AcquireGreaterEqual", 2), bd])
    stream = Stream("s", 1, ready)
    stream.post_recv(0, RecvJob(np.zeros(1, np.int64), np.arange(1), None))
    assert drive(bd_chain(block, True, stream, 0, 0, "mm2s")) is True
    assert lock.value == 3
    waiting = Lock("W", 1, ready)
    block = BdBlock([LockStep(waiting, "AcquireGreaterEqual", 2), bd])
    waited = drive(bd_chain(block, True, stream, 0, 0, "mm2s"))
    assert waited[0] is waiting
    assert waited[1] == "mm2s waits on W (AcquireGreaterEqual 2, value 1)"


def test_bd_chain_mm2s_refuses_unwritten_elements():
    ready = deque()
    mask = np.array([True, False, True])
    bd = BdStep(np.arange(3), mask, np.array([0, 1]), "the buffer")
    stream = Stream("s", 1, ready)
    with pytest.raises(OpFailure) as err:
        drive(bd_chain(BdBlock([bd]), True, stream, 0, 0, "mm2s"))
    assert err.value.kind is UnwrittenDataError
    assert "reads 1 of the 2 element(s) it sends from the buffer" in err.value.message
    assert "(the first is element 1)" in err.value.message


def test_bd_chain_s2mm_scatters_and_marks_what_it_wrote():
    ready = deque()
    flat = np.zeros(5, np.int32)
    mask = np.zeros(5, bool)
    bd = BdStep(flat, mask, np.array([4, 0, 2]), "buf")
    stream = Stream("s", 1, ready)
    gen = bd_chain(BdBlock([bd]), False, stream, 0, 0, "s2mm")
    waited = drive(gen)
    assert waited == (stream, "s2mm is receiving from s")
    stream.post_send(SendJob(np.array([7, 8, 9], np.int32)))
    assert drive(gen) is True
    assert flat.tolist() == [8, 0, 9, 0, 7]
    assert mask.tolist() == [True, False, True, False, True]


def test_bd_chain_mm2s_waits_with_its_description():
    ready = deque()
    bd = BdStep(np.arange(2), np.ones(2, bool), np.array([0, 1]), "buf")
    stream = Stream("s", 1, ready)
    assert drive(bd_chain(BdBlock([bd]), True, stream, 0, 0, "mm2s")) == (
        stream,
        "mm2s is sending on s",
    )


def test_bd_chain_s2mm_padding_is_refused():
    ready = deque()
    bd = BdStep(np.zeros(3), np.zeros(3, bool), np.array([0, -1, 1]), "buf")
    stream = Stream("s", 1, ready)
    with pytest.raises(OpFailure) as err:
        drive(bd_chain(BdBlock([bd]), False, stream, 0, 0, "s2mm"))
    assert err.value.kind is TransferError
    assert err.value.message == "s2mm: padding on a receiving (S2MM) BD is not modelled"


# ------------------------------------------------------------ locks, streams


def test_lock_semantics_and_its_six_bit_maximum():
    ready = deque()
    lock = Lock("L", 3, ready)
    assert not lock.acquire_eq(2)
    assert lock.value == 3
    assert lock.acquire_ge(2)
    assert lock.value == 1
    assert not lock.acquire_ge(2)
    assert lock.acquire_eq(1)
    assert lock.value == 0
    lock.release(LOCK_MAX)
    assert lock.value == 63
    with pytest.raises(OpFailure) as err:
        lock.release(1)
    assert err.value.kind is DesignError
    assert err.value.message == "releases L to 64, past the lock's maximum 63"


def test_stream_broadcast_moves_only_when_every_receiver_is_ready():
    ready = deque()
    stream = Stream("s", 2, ready)
    a, b = np.zeros(3, np.int16), np.zeros(3, np.int16)
    stream.post_send(SendJob(np.array([1, 2, 3], np.int16)))
    stream.post_recv(0, RecvJob(a, np.array([2, 1, 0]), None))
    assert a.tolist() == [0, 0, 0]
    assert stream.describe_stall() == "3 element(s) offered, 1/2 receiver(s) ready"
    stream.post_recv(1, RecvJob(b, np.arange(3), None))
    assert a.tolist() == [3, 2, 1]
    assert b.tolist() == [1, 2, 3]
    assert stream.send is None
    assert stream.describe_stall() == "no data offered (0/2 receiver(s) ready)"


def test_stream_between_element_types_exchanges_bytes():
    ready = deque()
    stream = Stream("s", 1, ready)
    target = np.zeros(4, np.int8)
    mask = np.zeros(4, bool)
    stream.post_recv(0, RecvJob(target, np.arange(4), mask))
    stream.post_send(SendJob(np.array([0x01020304], np.int32)))
    # little-endian bytes of the 32-bit word
    assert target.tolist() == [4, 3, 2, 1]
    assert mask.all()
    wide = np.zeros(2, np.int16)
    wide_mask = np.zeros(2, bool)
    stream.post_recv(0, RecvJob(wide, np.array([1, 0]), wide_mask))
    stream.post_send(SendJob(np.array([1, 2, 3, 4], np.int8)))
    # element 1 gets bytes 1, 2 (0x0201), element 0 gets 3, 4 (0x0403)
    assert wide.tolist() == [0x0403, 0x0201]
    assert wide_mask.tolist() == [True, True]


def test_two_senders_on_one_stream_are_refused():
    ready = deque()
    stream = Stream("s", 1, ready)
    stream.post_send(SendJob(np.arange(2)))
    with pytest.raises(OpFailure) as err:
        stream.post_send(SendJob(np.arange(2)))
    assert err.value.kind is TransferError
    assert err.value.message == "two senders on s"


def test_pool_ring_order_and_depth():
    ready = deque()
    pool = Pool("f", "tile(0, 2)", 2, (3,), np.int32, ready)
    producer = pool.port(True, "core", True)
    consumer = pool.port(False, "dma", False)
    pool.start()
    assert pool.nbytes == 2 * 3 * 4
    with pytest.raises(OpFailure) as err:
        producer.acquire(3)
    assert err.value.kind is DepthError
    assert err.value.message == (
        "acquires 3 objects of @f (Produce) on tile(0, 2), which has 2 buffer(s): "
        "it would wait forever"
    )
    assert not consumer.acquire(1)  # nothing written yet
    assert producer.acquire(2)
    assert list(producer.held) == [0, 1]
    producer.release(1)
    assert consumer.acquire(1)
    assert list(consumer.held) == [0]
    assert pool.mask[0].all()  # a core's release marks the whole buffer written
    consumer.release(1)
    assert not pool.mask[0].any()  # freed: stale data must be written again
    assert pool.rounds == [1, 0]
    with pytest.raises(OpFailure) as err:
        consumer.release(1)
    assert err.value.message == "releases 1 objects of @f (Consume) on tile(0, 2) but holds 0"


def test_walk_to_length_indices_are_integers():
    got = patterns.walk_to_length([(2, 8), (4, 1)], base=0, length=10)
    assert got.dtype == np.int64
    assert patterns.walk_padded([(2, 4)], [(1, 1)], 0).dtype == np.int64


def test_walk_to_length_counts_every_inner_dimension():
    # inner dimensions 2 x 3 = 6: 2 outer steps cover 12 >= 8, walked as written
    got = patterns.walk_to_length([(2, 100), (2, 10), (3, 1)], base=0, length=8)
    want = [o * 100 + r * 10 + c for o in range(2) for r in range(2) for c in range(3)]
    assert got.tolist() == want


def test_bd_gather_of_an_empty_bd():
    step = BdStep(np.arange(3), np.ones(3, bool), np.array([], np.int64), "buf")
    assert step.gather().size == 0


def test_bd_chain_runs_every_release_of_a_block():
    ready = deque()
    consumed, produced = Lock("C", 1, ready), Lock("P", 0, ready)
    other = Lock("O", 0, ready)
    bd = BdStep(np.array([4, 5]), np.ones(2, bool), np.array([1, 0]), "a")
    block = BdBlock(
        [
            LockStep(consumed, "AcquireGreaterEqual", 1),
            bd,
            LockStep(produced, "Release", 1),
            LockStep(other, "Release", 2),
        ]
    )
    stream = Stream("s", 1, ready)
    target = np.zeros(2, np.int64)
    stream.post_recv(0, RecvJob(target, np.arange(2), None))
    assert drive(bd_chain(block, True, stream, 0, 0, "mm2s")) is True
    assert target.tolist() == [5, 4]
    assert (consumed.value, produced.value, other.value) == (0, 1, 2)


class RecordingStream:
    """Takes every job at once and keeps it (what the BD chain hands the fabric)."""

    label = "rec"

    def __init__(self) -> None:
        self.jobs: list[SendJob] = []

    def post_send(self, job: SendJob) -> None:
        job.done = True
        self.jobs.append(job)


def test_bd_chain_sends_the_packet_id_of_its_bd():
    bd = BdStep(np.array([1, 2, 3]), np.ones(3, bool), np.array([2, 0]), "a", packet=5)
    plain = BdStep(np.array([1, 2, 3]), np.ones(3, bool), np.array([1]), "a")
    stream = RecordingStream()
    assert drive(bd_chain(BdBlock([bd], BdBlock([plain])), True, stream, 0, 0, "mm2s")) is True
    assert [j.data.tolist() for j in stream.jobs] == [[3, 1], [2]]
    assert [j.packet for j in stream.jobs] == [5, None]
