"""A task reading and writing more arrays than a compute tile has DMA
channels (AM020: 2 S2MM, 2 MM2S). The compiler adds one-instance helpers on
tiles sharing memory with the task (npu_forwarding.forward_outputs): the task
writes local buffers and puts them on streams at its end, a helper gets them
and writes the arrays through its own DMA (and sends the host copy of an
output the task first reads); one helper takes as many arrays as its own
channels. Results compared with numpy on the virtual NPU; every compute tile
within its channels (counted from the design's objectfifos)."""

import re

import ml_dtypes
import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Layout, int32
from test.unit.programs.random_programs import generate
from test.unit.test_mutants_arith import cast_program, reading_program

S = Layout.Shard
RNG = np.random.default_rng(1130)
CHANNELS = 2  # S2MM and MM2S DMA channels of an npu1 compute tile


def three_outputs(n: int):
    @dato.region()
    def top(A: int32[n], B: int32[n], C: int32[n], D: int32[n], E: int32[n]):
        @dato.kernel(mapping=[1], args=[A, B, C, D, E])
        def k(a: int32[n], b: int32[n], c: int32[n], d: int32[n], e: int32[n]):
            for i in range(n):
                c[i] = a[i] * 3 + 1
                d[i] = b[i] * b[i] - a[i]
                e[i] = a[i] + b[i]

    return top


def lanes_writing_three(P: int, L: int):
    @dato.region()
    def top(A: int32[P * L], C: int32[P * L], D: int32[P * L], E: int32[P * L]):
        @dato.kernel(mapping=[P], args=[A, C, D, E])
        def lane(
            a: int32[P * L] @ [S(0)],
            c: int32[P * L] @ [S(0)],
            d: int32[P * L] @ [S(0)],
            e: int32[P * L] @ [S(0)],
        ):
            for i in range(L):
                c[i] = a[i] + 1
                d[i] = a[i] * 2
                e[i] = a[i] - 3

    return top


def lanes_summing_into_one_output(P: int, L: int):
    """Each lane writes its element of an unsharded C (a box of it) and its
    blocks of D and E: 3 outputs."""

    @dato.region()
    def top(A: int32[P * L], C: int32[P], D: int32[P * L], E: int32[P * L]):
        @dato.kernel(mapping=[P], args=[A, C, D, E])
        def lane(
            a: int32[P * L] @ [S(0)],
            c: int32[P],
            d: int32[P * L] @ [S(0)],
            e: int32[P * L] @ [S(0)],
        ):
            p = dato.get_pid()
            acc: int32 = 0
            for i in range(L):
                acc += a[i]
                d[i] = a[i] * 2
                e[i] = a[i] + 1
            c[p] = acc

    return top


def dma_channels(text: str) -> dict[str, tuple[int, int]]:
    """Per compute tile, (fifos in, fifos out) to or from tiles not sharing
    memory with it: each takes a DMA channel."""
    where = {
        name: (int(c), int(r))
        for name, c, r in re.findall(r"(%\w+) = aie\.tile\((\d+), (\d+)\)", text)
    }
    count: dict[str, list[int]] = {}
    for prod, cons in re.findall(r"aie\.objectfifo @\w+\((%\w+), \{([^}]*)\}", text):
        for c in (x.strip() for x in cons.split(",")):
            (pc, pr), (cc, cr) = where[prod], where[c]
            if pr >= 2 and cr >= 2 and abs(pc - cc) + abs(pr - cr) == 1:
                continue  # neighbours sharing memory: no DMA
            if cr >= 2:
                count.setdefault(c, [0, 0])[0] += 1
            if pr >= 2:
                count.setdefault(prod, [0, 0])[1] += 1
    return {t: (i, o) for t, (i, o) in count.items()}


def check_channels(path) -> int:
    """Every compute tile within its channels; returns the cores."""
    text = (path / "aie.mlir").read_text()
    for tile, (ins, outs) in dma_channels(text).items():
        assert ins <= CHANNELS and outs <= CHANNELS, (tile, ins, outs)
    return text.count("aie.core(")


@pytest.mark.parametrize("n", [12, 40])
def test_task_writing_three_arrays_drains_one_through_a_neighbour(tmp_path, n):
    a = RNG.integers(-99, 99, n).astype(np.int32)
    b = RNG.integers(-99, 99, n).astype(np.int32)
    c, d, e = (np.zeros(n, np.int32) for _ in range(3))
    dato.build(three_outputs(n), target="aie", project=tmp_path)(a, b, c, d, e)
    np.testing.assert_array_equal(c, a * 3 + 1)
    np.testing.assert_array_equal(d, b * b - a)
    np.testing.assert_array_equal(e, a + b)
    assert check_channels(tmp_path) == 2  # the task and one helper


@pytest.mark.parametrize("P", [2, 4])
def test_lanes_writing_three_arrays_get_a_helper_each(tmp_path, P):
    """A helper per lane, bound through new ports of the lane group."""
    L = 10
    a = RNG.integers(-99, 99, P * L).astype(np.int32)
    c, d, e = (np.zeros(P * L, np.int32) for _ in range(3))
    dato.build(lanes_writing_three(P, L), target="aie", project=tmp_path)(a, c, d, e)
    np.testing.assert_array_equal(c, a + 1)
    np.testing.assert_array_equal(d, a * 2)
    np.testing.assert_array_equal(e, a - 3)
    assert check_channels(tmp_path) == 2 * P


def test_a_shared_output_keeps_its_boxes_beside_a_helper(tmp_path):
    """C moves in the lanes' boxes (npu_write_boxes); the helper takes D."""
    P, L = 4, 6
    a = RNG.integers(-99, 99, P * L).astype(np.int32)
    c = np.zeros(P, np.int32)
    d, e = np.zeros(P * L, np.int32), np.zeros(P * L, np.int32)
    dato.build(lanes_summing_into_one_output(P, L), target="aie", project=tmp_path)(a, c, d, e)
    np.testing.assert_array_equal(c, a.reshape(P, L).sum(axis=1))
    np.testing.assert_array_equal(d, a * 2)
    np.testing.assert_array_equal(e, a + 1)
    assert check_channels(tmp_path) == 2 * P


def test_int8_and_uint8_share_their_bits_on_the_npu(tmp_path):
    """2 inputs, 3 outputs each first read (element stores in a loop)."""
    u = np.array([200, 127, 128, 0, 1, 255], np.uint8)
    s = np.array([-128, -1, 5, 127, 0, 3], np.int8)
    to_s, to_u = np.zeros(6, np.int8), np.zeros(6, np.uint8)
    f = np.zeros((2, 6), np.float32)
    dato.build(reading_program(6), target="aie", project=tmp_path)(u, s, to_s, to_u, f)
    np.testing.assert_array_equal(to_s, u.astype(np.int8))
    np.testing.assert_array_equal(to_u, s.astype(np.uint8))
    np.testing.assert_array_equal(f[0], s.astype(np.float32) * np.float32(2.5))
    np.testing.assert_array_equal(f[1], s.astype(np.float32) * np.float32(2.5))
    assert check_channels(tmp_path) == 2


def test_casts_on_the_npu_four_inputs_five_outputs(tmp_path):
    n = 8
    i32 = np.array([300, -129, 2**31 - 1, -(2**31), 255, 128, 7, -7], np.int32)
    u8 = np.array([200, 255, 0, 128, 127, 1, 3, 4], np.uint8)
    i8 = np.array([-128, -1, 127, 0, -100, 5, 6, -6], np.int8)
    f = np.array([-2.75, 2.75, 200.5, -100.25, 1.0039, 0.0, 3.5, -1.5], np.float32)
    to_i8, to_u8 = np.zeros(n, np.int8), np.zeros(n, np.uint8)
    to_i32, to_f = np.zeros((3, n), np.int32), np.zeros((5, n), np.float32)
    to_bf = np.zeros(n, ml_dtypes.bfloat16)
    mod = dato.build(cast_program(n), target="aie", project=tmp_path)
    mod(i32, u8, i8, f, to_i8, to_i32, to_u8, to_f, to_bf)
    np.testing.assert_array_equal(to_i8, i32.astype(np.int8))
    np.testing.assert_array_equal(to_i32[0], i8.astype(np.int32))
    np.testing.assert_array_equal(to_i32[1], u8.astype(np.int32))
    np.testing.assert_array_equal(to_i32[2], np.trunc(f).astype(np.int32))
    np.testing.assert_array_equal(to_u8, np.abs(f).astype(np.uint8))
    np.testing.assert_array_equal(to_f[0], u8.astype(np.float32))
    np.testing.assert_array_equal(to_f[1], i8.astype(np.float32))
    np.testing.assert_array_equal(to_f[2], np.arange(n) * 0.5)
    np.testing.assert_array_equal(to_f[3], np.ones(n))
    np.testing.assert_array_equal(to_f[4], i8.astype(np.float32) + np.arange(n))
    np.testing.assert_array_equal(to_bf, f.astype(ml_dtypes.bfloat16))
    # 9 arrays: the task moves 2 in and 2 out, two helpers the other 5
    assert check_channels(tmp_path) == 3


@pytest.mark.parametrize("seed", [4, 19, 54])
def test_store_getting_an_array_a_token_and_a_stage_stream(tmp_path, seed):
    """Random programs whose store task gets 3 streams of mixed kinds (a
    block, a scalar token, a stage's scalars)."""
    program = generate(seed)
    top = program.load(str(tmp_path))
    args = program.arrays()
    dato.build(top, target="aie", project=tmp_path / "aie")(*args)
    for name, value in zip(program.outputs, args[len(program.inputs) :], strict=True):
        np.testing.assert_array_equal(value, program.expected[name])
    check_channels(tmp_path / "aie")
