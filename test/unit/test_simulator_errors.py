"""What a user sees when a simulated program is wrong: located, named diagnostics."""

import threading
import time

import numpy as np
import pytest
from xdsl.context import Context
from xdsl.dialects import arith, builtin, linalg, math, memref, scf
from xdsl.dialects.builtin import ModuleOp

from dato_xdsl.dialects.dato import Dato
from dato_xdsl.driver import LocatingParser
from dato_xdsl.targets.simulator import (
    ArgumentError,
    DeadlockError,
    ExecutionError,
    OutOfBoundsError,
    SimulationError,
    SimulationTimeout,
    StreamsNotEmptyError,
    UnsupportedOpError,
    simulate,
)


def parse(text: str, name: str = "bad.mlir") -> ModuleOp:
    ctx = Context()
    for d in (builtin.Builtin, arith.Arith, math.Math, memref.MemRef, scf.Scf, linalg.Linalg, Dato):
        ctx.load_dialect(d)
    module = LocatingParser(ctx, text, name).parse_module()
    module.verify()
    return module


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


DEADLOCK = """
dato.region @dl() {
  dato.stream @s1 : !dato.stream<i32, 2>
  dato.stream @s2 : !dato.stream<i32, 2>
  dato.task @a grid [1] () {
    %v = dato.get @s1 : i32
    dato.put @s2, %v : i32
  }
  dato.task @b grid [1] () {
    %v = dato.get @s2 : i32
    dato.put @s1, %v : i32
  }
}
"""


def run_bounded(fn, seconds: float) -> BaseException | None:
    """Run fn in a thread; fail the test if it does not finish in time."""
    box: list[BaseException | None] = [None]

    def target() -> None:
        try:
            fn()
        except BaseException as err:  # handed to the test
            box[0] = err

    thread = threading.Thread(target=target, daemon=True)
    start = time.monotonic()
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"did not finish within {seconds} s"
    assert time.monotonic() - start < seconds
    return box[0]


def test_deadlock_is_reported_naming_tasks_streams_and_state() -> None:
    module = parse(DEADLOCK, "dl.mlir")
    err = run_bounded(lambda: simulate(module, []), 10.0)
    assert isinstance(err, DeadlockError)
    text = str(err)
    assert "a_0 waits on get from s1, which is empty" in text
    assert "b_0 waits on get from s2, which is empty" in text
    assert f"dl.mlir:{line_of(DEADLOCK, 'dato.get @s1')}:" in text
    assert "Traceback" not in text


FULL = """
dato.region @full() {
  dato.stream @fifo [2, 2] : !dato.stream<i32, 1>
  dato.stream @never : !dato.stream<i32, 1>
  dato.task @producer grid [2, 2] () {
    %i, %j = dato.pid : index, index
    %v = arith.constant 7 : i32
    dato.put @fifo[%i, %j], %v : i32
    dato.put @fifo[%i, %j], %v : i32
  }
  dato.task @consumer grid [1] () {
    %v = dato.get @never : i32
  }
}
"""


def test_deadlock_on_full_stream_array_names_indices() -> None:
    err = run_bounded(lambda: simulate(parse(FULL), []), 10.0)
    assert isinstance(err, DeadlockError)
    text = str(err)
    assert "producer_1_0 waits on put to fifo[1, 0], which is full (1/1)" in text
    assert "producer_0_1 waits on put to fifo[0, 1]" in text
    assert "consumer_0 waits on get from never, which is empty" in text


LEFTOVER = """
dato.region @left() {
  dato.stream @pipe : !dato.stream<i32, 4>
  dato.task @producer grid [1] () {
    %v = arith.constant 1 : i32
    dato.put @pipe, %v : i32
    dato.put @pipe, %v : i32
    dato.put @pipe, %v : i32
  }
  dato.task @consumer grid [1] () {
    %v = dato.get @pipe : i32
  }
}
"""


def test_streams_left_non_empty_are_reported_with_counts() -> None:
    with pytest.raises(StreamsNotEmptyError, match=r"pipe: 2 element\(s\)"):
        simulate(parse(LEFTOVER), [])
    simulate(parse(LEFTOVER), [], check_drained=False)


def body_program(body: str, n: int = 4) -> str:
    return f"""
dato.region @k(%X : memref<{n}xi32>) {{
  dato.task @t grid [1] (%X : memref<{n}xi32> [R]) {{
  ^bb0(%x : memref<{n}xi32>):
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
{body}
  }}
}}
"""


@pytest.mark.parametrize(
    ("body", "needle", "words"),
    [
        ("    %v = memref.load %x[%c4] : memref<4xi32>", "memref.load", "index [4]"),
        (
            "    %m = arith.subi %c0, %c1 : index\n    %v = memref.load %x[%m] : memref<4xi32>",
            "memref.load",
            "index [-1]",
        ),
        (
            "    %m = arith.subi %c0, %c1 : index\n"
            "    %z = arith.constant 9 : i32\n"
            "    memref.store %z, %x[%m] : memref<4xi32>",
            "memref.store",
            "index [-1]",
        ),
        (
            "    %s = memref.subview %x[%c1] [4] [1] : memref<4xi32> to "
            "memref<4xi32, strided<[1], offset: ?>>",
            "memref.subview",
            "exceed the source shape",
        ),
    ],
)
def test_out_of_bounds_is_reported_at_the_op(body: str, needle: str, words: str) -> None:
    text = body_program(body)
    x = np.arange(4, dtype=np.int32)
    with pytest.raises(OutOfBoundsError) as info:
        simulate(parse(text, "oob.mlir"), [x])
    message = str(info.value)
    assert f"oob.mlir:{line_of(text, needle + ' ')}:" in message
    assert words in message
    assert "task instance t_0" in message
    np.testing.assert_array_equal(x, np.arange(4))  # nothing wrapped around


def test_stream_index_out_of_range() -> None:
    text = """
dato.region @k() {
  dato.stream @fifo [2] : !dato.stream<i32, 2>
  dato.task @t grid [2] () {
    %p = dato.pid : index
    %c1 = arith.constant 1 : index
    %n = arith.addi %p, %c1 : index
    %v = arith.constant 0 : i32
    dato.put @fifo[%n], %v : i32
  }
}
"""
    with pytest.raises(OutOfBoundsError, match=r"index \[2\] is outside the stream array @fifo"):
        simulate(parse(text), [])


def test_division_by_zero_is_located() -> None:
    text = body_program(
        "    %z = arith.constant 0 : i32\n"
        "    %v = memref.load %x[%c0] : memref<4xi32>\n"
        "    %q = arith.divsi %v, %z : i32"
    )
    with pytest.raises(ExecutionError, match=r"bad.mlir:\d+:\d+: error: 'arith.divsi' op division"):
        simulate(parse(text), [np.ones(4, np.int32)])


def test_unsupported_op_names_op_and_location() -> None:
    text = body_program('    %r = "memref.rank"(%x) : (memref<4xi32>) -> index')
    with pytest.raises(UnsupportedOpError) as info:
        simulate(parse(text), [np.ones(4, np.int32)])
    assert f"bad.mlir:{line_of(text, 'memref.rank')}:" in str(info.value)
    assert "'memref.rank'" in str(info.value)


@pytest.mark.parametrize(
    ("arrays", "words"),
    [
        ([], "takes 1 array(s), got 0"),
        ([np.zeros(5, np.int32)], "shape [5], expected [4]"),
        ([np.zeros(4, np.float32)], "dtype float32"),
        ([np.zeros(4, np.int16)], "dtype int16"),
    ],
)
def test_argument_mismatch(arrays, words) -> None:
    text = body_program("")
    with pytest.raises(ArgumentError) as info:
        simulate(parse(text), arrays)
    assert words in str(info.value)


def test_errors_are_one_family() -> None:
    for kind in (
        ArgumentError,
        DeadlockError,
        ExecutionError,
        OutOfBoundsError,
        StreamsNotEmptyError,
        UnsupportedOpError,
    ):
        assert issubclass(kind, SimulationError)


FOREVER = """
dato.region @forever() {
  dato.stream @s1 : !dato.stream<i32, 1>
  dato.stream @s2 : !dato.stream<i32, 1>
  dato.task @a grid [1] () {
    %t = arith.constant true
    %v = arith.constant 1 : i32
    scf.while () : () -> () {
      scf.condition(%t)
    } do {
      dato.put @s1, %v : i32
      %w = dato.get @s2 : i32
      scf.yield
    }
  }
  dato.task @b grid [1] () {
    %t = arith.constant true
    scf.while () : () -> () {
      scf.condition(%t)
    } do {
      %w = dato.get @s1 : i32
      dato.put @s2, %w : i32
      scf.yield
    }
  }
}
"""


def test_timeout_stops_a_program_that_never_ends() -> None:
    module = parse(FOREVER)
    err = run_bounded(lambda: simulate(module, [], timeout=0.5), 10.0)
    assert isinstance(err, SimulationTimeout)
    assert "ran longer than 0.5 s" in str(err)


@pytest.mark.parametrize(
    ("subview", "ok"),
    [
        ("%x[%c1] [3] [1] : memref<4xi32> to memref<3xi32, strided<[1], offset: ?>>", True),
        ("%x[%c0] [2] [3] : memref<4xi32> to memref<2xi32, strided<[3], offset: ?>>", True),
        ("%x[%c4] [0] [1] : memref<4xi32> to memref<0xi32, strided<[1], offset: ?>>", True),
        ("%x[%c0] [2] [4] : memref<4xi32> to memref<2xi32, strided<[4], offset: ?>>", False),
        ("%x[%c1] [2] [3] : memref<4xi32> to memref<2xi32, strided<[3], offset: ?>>", False),
        ("%x[%c4] [1] [1] : memref<4xi32> to memref<1xi32, strided<[1], offset: ?>>", False),
    ],
)
def test_subview_extent_is_checked_to_the_last_element(subview: str, ok: bool) -> None:
    """A subview may end at the last element (offset + (size - 1) * stride
    == 3 for a 4-element source) and be empty at the end; one element further
    is out of bounds, where numpy would silently clamp the slice."""
    body = (
        f"    %s = memref.subview {subview}\n"
        "    %z = arith.constant 9 : i32\n"
        "    linalg.fill ins(%z : i32) outs(%s : " + subview.split(" to ")[1] + ")"
    )
    x = np.arange(4, dtype=np.int32)
    if ok:
        simulate(parse(body_program(body), "sub.mlir"), [x])
        assert (x == 9).sum() == int(subview.split("] [")[1].split("]")[0])
    else:
        with pytest.raises(OutOfBoundsError, match="exceed the source shape"):
            simulate(parse(body_program(body), "sub.mlir"), [x])
