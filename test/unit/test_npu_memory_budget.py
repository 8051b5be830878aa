"""Physical mapping's memory rule at its edge: a compute tile has 64 KiB of
data memory (AM020), of which aiecc keeps 1 KiB for the core's stack by
default; everything the tile's tasks hold must fit in the other 63 KiB,
including the objects of the streams it consumes. A design filled to exactly
64,512 bytes maps (and runs); one byte more is refused, naming the task, the
tile and the numbers."""

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Stream, int8, int16, int32

DATA_MEMORY = 64 * 1024
STACK = 1024
BUDGET = DATA_MEMORY - STACK  # 64,512 bytes

# a 20,820-byte block, 2,048 bytes of output; the stream is declared one
# object deep, so physical mapping has no deeper fifo to make shallower
R, C, DEPTH, OUT = 15, 1388, 1, 2048


def filled(S1, S2):
    """The consumer `c` holds the stream's DEPTH object, two copies of the
    block it got (the block itself is read in the fifo's object), its
    2,048-byte output and two scalars of types S1 and S2: 20,820 + 2 x
    20,820 + 2,048 + sizes of the scalars."""

    @dato.region()
    def top(A: int8[R, C], B: int8[2, OUT // 2]):
        blk: Stream[int8[R, C], DEPTH]

        @dato.kernel(mapping=[1], args=[A])
        def p(a: int8[R, C]):
            blk.put(a)  # noqa: F821 (a stream, declared by annotation)

        @dato.kernel(mapping=[1], args=[B])
        def c(b: int8[2, OUT // 2]):
            x: int8[R, C] = 0
            x[:, :] = blk.get()  # noqa: F821
            y: int8[R, C] = 0
            y[:, :] = x
            b[:, :] = 0  # all of b overwritten: its host copy need not come in
            s: S1 = 0
            t: S2 = 0
            for i in range(R):
                s += x[i, 0]
                t += y[i, C - 1]
            b[0, 0] = s
            b[1, OUT // 2 - 1] = t

    return top


def consumer_bytes(scalars: int) -> int:
    return DEPTH * R * C + 2 * R * C + OUT + scalars


def test_a_tile_filled_to_the_last_byte_maps_and_runs(tmp_path):
    assert consumer_bytes(2 + 2) == BUDGET  # two int16 scalars: exactly full
    mod = dato.build(filled(int16, int16), target="aie", project=tmp_path)
    rng = np.random.default_rng(3)
    A = rng.integers(-128, 128, (R, C)).astype(np.int8)
    B = np.full((2, OUT // 2), 7, np.int8)
    mod(A, B)
    assert B[0, 0] == np.int8(A[:, 0].astype(np.int64).sum().astype(np.int16))
    assert B[1, -1] == A[:, -1].astype(np.int64).sum().astype(np.int8)


def test_one_byte_past_the_budget_is_refused_with_the_numbers(tmp_path):
    assert consumer_bytes(4 + 1) == BUDGET + 1  # an int32 and an int8 scalar
    with pytest.raises(dato.DatoIRError) as info:
        dato.build(filled(int32, int8), target="aie", project=tmp_path)
    message = str(info.value)
    assert "c_0" in message and "tile (" in message
    assert "test_npu_memory_budget.py:" in message
    # 64,513 bytes needed, 64,512 available, the stack named
    assert f"{(BUDGET + 1) / 1024:.3f} KiB" in message or str(BUDGET + 1) in message
    assert "63 KiB" in message and "1024 bytes kept for the stack" in message
    assert "stream @blk" in message
