"""Scatters of 16 uneven shards read from the host on npu1: each core
takes its own part of A (a box of its slice, npu_read_boxes), of one of
four lengths (four cores each) or of sixteen. Parts of one length share a
memtile distribute; a part of a length no other has takes a shim input
channel of its own, and npu1 has 8: sixteen distinct lengths are refused,
naming the count. The mapped design runs on the virtual NPU against numpy,
bit for bit."""

from __future__ import annotations

import numpy as np

import dato_xdsl as dato
from dato_xdsl import Layout, int32

S, R = Layout.Shard, Layout.Replicate
RNG = np.random.default_rng(1616)


def four_lengths(U: int):
    """Core p copies the (p % 4 + 1) * U elements of A at its offset (four
    cores per row of 10 U) into the start of its row of B, then B = 2 B + 1."""
    P, N, W = 16, 40 * U, 4 * U

    @dato.region()
    def top(A: int32[N], B: int32[P, W]):
        @dato.kernel(mapping=[P], args=[A, B])
        def w(a: int32[N], b: int32[P, W] @ [S(0), R]):
            p = dato.get_pid()
            for i in range(W):
                b[0, i] = 0
            base = (p // 4) * (10 * U)
            with dato.meta_if(p % 4 == 0):
                b[0, 0:U] = a[base : base + U]
            with dato.meta_elif(p % 4 == 1):
                b[0, 0 : 2 * U] = a[base + U : base + 3 * U]
            with dato.meta_elif(p % 4 == 2):
                b[0, 0 : 3 * U] = a[base + 3 * U : base + 6 * U]
            with dato.meta_else():
                b[0, 0 : 4 * U] = a[base + 6 * U : base + 10 * U]
            for i in range(W):
                b[0, i] = b[0, i] * 2 + 1

    return top


def sixteen_lengths(U: int):
    """Core p copies the (p + 1) * U elements of A after those of cores
    0..p-1 into the start of its row of B, then B = 2 B + 1."""
    P, N, W = 16, 136 * U, 16 * U

    @dato.region()
    def top(A: int32[N], B: int32[P, W]):
        @dato.kernel(mapping=[P], args=[A, B])
        def w(a: int32[N], b: int32[P, W] @ [S(0), R]):
            p = dato.get_pid()
            for i in range(W):
                b[0, i] = 0
            with dato.meta_if(p == 0):
                b[0, 0 : 1 * U] = a[0 * U : 1 * U]
            with dato.meta_elif(p == 1):
                b[0, 0 : 2 * U] = a[1 * U : 3 * U]
            with dato.meta_elif(p == 2):
                b[0, 0 : 3 * U] = a[3 * U : 6 * U]
            with dato.meta_elif(p == 3):
                b[0, 0 : 4 * U] = a[6 * U : 10 * U]
            with dato.meta_elif(p == 4):
                b[0, 0 : 5 * U] = a[10 * U : 15 * U]
            with dato.meta_elif(p == 5):
                b[0, 0 : 6 * U] = a[15 * U : 21 * U]
            with dato.meta_elif(p == 6):
                b[0, 0 : 7 * U] = a[21 * U : 28 * U]
            with dato.meta_elif(p == 7):
                b[0, 0 : 8 * U] = a[28 * U : 36 * U]
            with dato.meta_elif(p == 8):
                b[0, 0 : 9 * U] = a[36 * U : 45 * U]
            with dato.meta_elif(p == 9):
                b[0, 0 : 10 * U] = a[45 * U : 55 * U]
            with dato.meta_elif(p == 10):
                b[0, 0 : 11 * U] = a[55 * U : 66 * U]
            with dato.meta_elif(p == 11):
                b[0, 0 : 12 * U] = a[66 * U : 78 * U]
            with dato.meta_elif(p == 12):
                b[0, 0 : 13 * U] = a[78 * U : 91 * U]
            with dato.meta_elif(p == 13):
                b[0, 0 : 14 * U] = a[91 * U : 105 * U]
            with dato.meta_elif(p == 14):
                b[0, 0 : 15 * U] = a[105 * U : 120 * U]
            with dato.meta_else():
                b[0, 0 : 16 * U] = a[120 * U : 136 * U]
            for i in range(W):
                b[0, i] = b[0, i] * 2 + 1

    return top


def test_sixteen_shards_of_four_lengths_map(tmp_path) -> None:
    U = 1024  # A (160 KiB) does not fit a core: each core reads its part
    mod = dato.build(four_lengths(U), target="aie", device="npu1", project=tmp_path)
    A = RNG.integers(-(2**30), 2**30, 40 * U).astype(np.int32)
    B = np.zeros((16, 4 * U), np.int32)
    want = np.zeros_like(B)
    for p in range(16):
        n = (p % 4 + 1) * U
        start = (p // 4) * 10 * U + (p % 4) * (p % 4 + 1) // 2 * U
        want[p, :n] = A[start : start + n]
    want = (want.astype(np.int64) * 2 + 1).astype(np.int32)
    mod(A, B)
    np.testing.assert_array_equal(B, want)


def test_sixteen_shards_of_sixteen_lengths_are_refused_by_count(tmp_path) -> None:
    U = 256  # A (136 KiB) does not fit a core
    try:
        dato.build(sixteen_lengths(U), target="aie", device="npu1", project=tmp_path)
    except dato.DatoIRError as err:
        message = str(err)
    else:
        raise AssertionError("sixteen distinct parts mapped on 8 shim input channels")
    assert "the cores read 16 blocks each of a shape no other block of its array has" in message
    assert "(A [256], A [512], A [768], A [1024], ...)" in message
    assert "npu1 (4 columns x 6 rows) has 8 free" in message
