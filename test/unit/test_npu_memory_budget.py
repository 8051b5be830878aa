"""Physical mapping's memory rule at its edge: a compute tile has 64 KiB of
data memory (AM020), of which aiecc keeps 1 KiB for the core's stack by
default; everything the tile's tasks hold must fit in the other 63 KiB,
including the objects of the streams it holds. Of a stream between two
neighbours sharing memory only one tile holds the objects, the producer's
unless it is east of its consumer (devices.fifo_holder, as mlir-aie allocates
them); a stream moved by DMA has them at both ends. Here both tasks hold the
same apart from the stream, so whichever tile holds its object is the fullest.
A design filled to exactly 64,512 bytes there maps (and runs); one byte more
is refused, naming the task, the tile and the numbers."""

import re

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Stream, int8, int16, int32

DATA_MEMORY = 64 * 1024
STACK = 1024
BUDGET = DATA_MEMORY - STACK  # 64,512 bytes

# a 15,616-byte block (16 rows of 976 int8, whole words), 2,040 bytes of
# output; the stream is declared one object deep, so physical mapping has no
# deeper fifo to make shallower
R, C, OUT = 16, 976, 2040


def filled(S1, S2, S3):
    """The producer `p` holds A's block, two local copies of it, a 2,040-byte
    output and three scalars of types S1, S2, S3; the consumer `c` the block
    it got copied twice, D's block it writes, the same output and scalars:
    3 x 15,616 + 2,040 + the scalars' bytes each, and the tile holding
    @blk's one object 15,616 more."""

    @dato.region()
    def top(A: int8[R, C], B: int8[2, OUT // 2], D: int8[R, C], E: int8[2, OUT // 2]):
        blk: Stream[int8[R, C], 1]

        @dato.kernel(mapping=[1], args=[A, B])
        def p(a: int8[R, C], b: int8[2, OUT // 2]):
            x: int8[R, C] = 0
            x[:, :] = a
            y: int8[R, C] = 0
            y[:, :] = x
            # put before y is read again: y stays a local (a local only put
            # would be computed in @blk's object, dato-put-in-place)
            blk.put(y)  # noqa: F821 (a stream, declared by annotation)
            b[:, :] = 0  # all of b overwritten: its host copy need not come in
            s: S1 = 0
            t: S2 = 0
            u: S3 = 0
            for i in range(R):
                s += x[i, 0]
                t += y[i, C - 1]
                u += x[i, 1]
            b[0, 0] = s
            b[1, OUT // 2 - 1] = t
            b[0, 1] = u

        @dato.kernel(mapping=[1], args=[D, E])
        def c(d: int8[R, C], e: int8[2, OUT // 2]):
            x: int8[R, C] = 0
            x[:, :] = blk.get()  # noqa: F821
            y: int8[R, C] = 0
            y[:, :] = x
            e[:, :] = 0
            s: S1 = 0
            t: S2 = 0
            u: S3 = 0
            for i in range(R):
                s += x[i, 0]
                t += y[i, C - 1]
                u += x[i, 1]
            e[0, 0] = s
            e[1, OUT // 2 - 1] = t
            e[0, 1] = u
            d[:, :] = y

    return top


def core_tasks(text: str) -> dict[str, str]:
    """The task instances each core of the emitted design runs, by its tile
    (`core_c0_r2`: `p_0`)."""
    out = {}
    for chunk in text.split("aie.core(%")[1:]:
        tile = chunk.split(")", 1)[0]
        tasks = re.search(r"dato\.tasks = \[([^\]]*)\]", chunk)
        assert tasks, chunk
        out[tile] = tasks.group(1).replace('"', "")
    return out


def holder_bytes(scalars: int) -> int:
    return 4 * R * C + OUT + scalars


def test_a_tile_filled_to_the_last_byte_maps_and_runs(tmp_path):
    assert holder_bytes(4 + 2 + 2) == BUDGET  # an int32 and two int16 scalars
    mod = dato.build(filled(int32, int16, int16), target="aie", project=tmp_path)
    text = (tmp_path / "aie.mlir").read_text()
    # p on (0, 2), c north of it on (0, 3): vertical neighbours, @blk one
    # object deep without DMA, held by p (the consumer's core reaches it)
    assert core_tasks(text) == {"core_c0_r2": "p_0", "core_c0_r3": "c_0"}
    assert "aie.objectfifo @blk(%core_c0_r2, {%core_c0_r3}, 1 : i32)" in text
    rng = np.random.default_rng(3)
    A = rng.integers(-128, 128, (R, C)).astype(np.int8)
    B, E = np.full((2, OUT // 2), 7, np.int8), np.full((2, OUT // 2), 7, np.int8)
    D = np.zeros((R, C), np.int8)
    mod(A, B, D, E)
    np.testing.assert_array_equal(D, A)
    for out in (B, E):
        assert out[0, 0] == np.int8(A[:, 0].astype(np.int64).sum().astype(np.int32))
        assert out[1, -1] == np.int8(A[:, -1].astype(np.int64).sum().astype(np.int16))
        assert out[0, 1] == np.int8(A[:, 1].astype(np.int64).sum().astype(np.int16))
        assert (out[1, : OUT // 2 - 1] == 0).all() and (out[0, 2:] == 0).all()


def test_one_byte_past_the_budget_is_refused_with_the_numbers(tmp_path):
    assert holder_bytes(4 + 4 + 1) == BUDGET + 1  # two int32 and an int8 scalar
    with pytest.raises(dato.DatoIRError) as info:
        dato.build(filled(int32, int32, int8), target="aie", project=tmp_path)
    message = str(info.value)
    assert "test_npu_memory_budget.py:" in message
    # p's tile, which holds @blk (placed as above): 64,513 bytes needed,
    # 64,512 available, the stack named
    assert "tile (0, 2) (p_0)" in message, message
    assert f"needs {(BUDGET + 1) / 1024:g} KiB" in message
    assert f"{R * C / 1024:g} KiB for stream @blk" in message
    assert "63 KiB" in message and "1024 bytes kept for the stack" in message
