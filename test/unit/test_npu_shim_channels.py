"""More shim-side objects than shim channels: the transfer planner maps them
through memtiles instead of refusing.

npu1_2col has 2 shim columns with 2 input (MM2S) and 2 output (S2MM)
channels each, and a memtile per column with 6 + 6 channels and 512 KiB
(mlir-aie's AIETargetModel). A design whose cores read more block sequences
than 4 shares shim channels: tiles reading the same sequence take it from one
part of a memtile distribute, which broadcasts that part to them (the
distribute of mlir-aie's whole-array GEMM, each part a row's broadcast), and
cores' write sequences are joined per column, in two steps of memtile room
when a memtile cannot hold every step. Results equal numpy bit for bit on
the virtual NPU. A design that moves more host arrays than the shim has
channels is refused with the numbers, one no memtile plan fits with what
each plan ran out of, and one whose cores would wait for each other through
two shared memtile objects in opposite orders (a hang) with the cores."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Layout, Stream, int16, int32
from dato_xdsl.errors import DatoError

S, R = Layout.Shard, Layout.Replicate

# two K-chained, bundled batched GEMMs (Allo's test_batched_gemm, scaled down):
# each bundles its 4 x 4 (m, n) chains 2 x 2 onto 4 cores, one column each
M = N = K = 64
P = 4
Mt, Nt = M // P, N // P


def two_gemms():
    @dato.region()
    def top(
        A: int16[M, K],
        B: int16[K, N],
        C: int16[M, N],
        D: int16[M, K],
        E: int16[K, N],
        F: int16[M, N],
    ):
        pipe_a: Stream[int16[Mt, Nt], 2][P - 1, P, P]
        pipe_b: Stream[int16[Mt, Nt], 2][P - 1, P, P]

        @dato.kernel(mapping=[P, P, P], args=[A, B, C])
        def ga(
            a: int16[M, K] @ [S(1), S(0)],
            b: int16[K, N] @ [S(0), S(2)],
            c: int16[M, N] @ [S(1), S(2)],
        ):
            pk, pm, pn = dato.get_pid()
            c_in: int16[Mt, Nt]
            with dato.meta_if(pk > 0):
                c_in[:, :] = pipe_a[pk - 1, pm, pn].get()  # noqa: F821
            with dato.meta_else():
                c_in[:, :] = 0  # noqa: F821
            c_out: int16[Mt, Nt] = dato.add(dato.matmul(a, b), c_in)  # noqa: F821
            with dato.meta_if(pk < P - 1):
                pipe_a[pk, pm, pn].put(c_out)  # noqa: F821
            with dato.meta_elif(pk == P - 1):
                c[:, :] = c_out

        @dato.kernel(mapping=[P, P, P], args=[D, E, F])
        def gb(
            d: int16[M, K] @ [S(1), S(0)],
            e: int16[K, N] @ [S(0), S(2)],
            f: int16[M, N] @ [S(1), S(2)],
        ):
            pk, pm, pn = dato.get_pid()
            f_in: int16[Mt, Nt]
            with dato.meta_if(pk > 0):
                f_in[:, :] = pipe_b[pk - 1, pm, pn].get()  # noqa: F821
            with dato.meta_else():
                f_in[:, :] = 0  # noqa: F821
            f_out: int16[Mt, Nt] = dato.add(dato.matmul(d, e), f_in)  # noqa: F821
            with dato.meta_if(pk < P - 1):
                pipe_b[pk, pm, pn].put(f_out)  # noqa: F821
            with dato.meta_elif(pk == P - 1):
                f[:, :] = f_out

    return top


def gemm_primitives(prefix: str) -> list[tuple[str, list[str]]]:
    """Allo's gen_gemm_mapping_primitive with 2 x 2 bundles: chain each
    (m, n) over K, then bundle chains (i + 2p, j + 2q) onto core (i, j)."""
    prims: list[tuple[str, list[str]]] = []
    bases: dict[tuple[int, int], str] = {}
    for i in range(P):
        for j in range(P):
            base = f"{prefix}_0_{i}_{j}"
            for k in range(1, P):
                prims.append(("chain", [base, f"{prefix}_{k}_{i}_{j}"]))
                base += f"-{prefix}_{k}_{i}_{j}"
            bases[i, j] = base
    for i in range(2):
        for j in range(2):
            members = [bases[i + 2 * p, j + 2 * q] for p in range(P // 2) for q in range(P // 2)]
            prims.append(("bundle", members))
    return prims


def fifos(project: Path) -> list[str]:
    text = (project / "aie.mlir").read_text()
    return re.findall(r"aie\.objectfifo(?:\.link)? [^\n]*", text)


def test_two_bundled_gemms_share_shim_channels_through_broadcast_distributes(tmp_path):
    """8 cores each reading an A and a B sequence (16 sequences, 4 distinct
    per GEMM) over 4 shim input channels: one shim channel per array, split
    in its column's memtile into 2 parts, each broadcast to the 2 cores that
    read that sequence; each GEMM's 4 C sequences joined in its memtile."""
    mod = dato.build(
        two_gemms(),
        target="aie",
        project=tmp_path,
        device_type="npu1_2col",
        mapping_primitives=gemm_primitives("ga") + gemm_primitives("gb"),
    )
    rng = np.random.default_rng(12)
    a = rng.integers(-300, 300, (M, K)).astype(np.int16)
    b = rng.integers(-300, 300, (K, N)).astype(np.int16)
    d = rng.integers(-300, 300, (M, K)).astype(np.int16)
    e = rng.integers(-300, 300, (K, N)).astype(np.int16)
    c = np.full((M, N), 5, np.int16)  # overwritten whole
    f = np.full((M, N), 5, np.int16)
    mod(a, b, c, d, e, f)
    # int16 products and sums wrap: numpy in int64, then truncated
    np.testing.assert_array_equal(c, (a.astype(np.int64) @ b).astype(np.int16))
    np.testing.assert_array_equal(f, (d.astype(np.int64) @ e).astype(np.int16))
    lines = fifos(tmp_path)
    shim_reads = [x for x in lines if re.match(r"aie\.objectfifo @\w+\(%shim_c\d+,", x)]
    assert len(shim_reads) == 4  # the device's 4 shim input channels, one per array
    # each shim object holds one block of each of 2 sequences: 2 x 16 x 16 elements
    assert all("memref<512xi16>" in x for x in shim_reads)
    # every memtile part goes to 2 cores (a broadcast)
    parts = [x for x in lines if re.match(r"aie\.objectfifo @[A-E]_in0_\d\(%mem_c\d+,", x)]
    assert len(parts) == 8
    assert all(len(re.findall(r"%core_c\d_r\d", x)) == 2 for x in parts)
    links = [x for x in lines if x.startswith("aie.objectfifo.link")]
    assert len(links) == 6  # 4 distributes, 2 joins


def test_join_takes_two_steps_of_memtile_room_when_every_step_does_not_fit(tmp_path):
    """128 instances bundled 16 per core on npu1_2col's 8 cores, each writing
    an 8 KiB block: a column's join of 4 cores holding all 16 steps would be
    512 KiB, more than the memtile has beside the reads' distribute. The
    cores run the same members in the same order and no stream joins two,
    so the join holds 2 steps (64 KiB) and the shim drains one while the
    cores fill the other."""
    parts, rows, cols = 128, 8, 256

    @dato.region()
    def top(A: int32[parts * rows, cols], B: int32[parts * rows, cols]):
        @dato.kernel(mapping=[parts], args=[A, B])
        def t(a: int32[parts * rows, cols] @ [S(0), R], b: int32[parts * rows, cols] @ [S(0), R]):
            for i in range(rows):
                for j in range(cols):
                    b[i, j] = a[i, j] * 3 - 7

    per = parts // 8
    prims = [("bundle", [f"t_{core + 8 * k}" for k in range(per)]) for core in range(8)]
    mod = dato.build(
        top, target="aie", project=tmp_path, device_type="npu1_2col", mapping_primitives=prims
    )
    a = np.random.default_rng(13).integers(-(2**31) // 3, 2**31 // 3, (parts * rows, cols))
    a = a.astype(np.int32)
    b = np.zeros_like(a)
    mod(a, b)
    np.testing.assert_array_equal(b, a * 3 - 7)
    joins = [x for x in fifos(tmp_path) if re.match(r"aie\.objectfifo @B_out\d\(%mem_c\d+,", x)]
    assert len(joins) == 2  # one per column
    # 4 cores' 8 x 256 int32 blocks per object, 2 objects deep (16 steps each)
    assert all(", 2 : i32) : !aie.objectfifo<memref<8192xi32>>" in x for x in joins)


def test_more_host_arrays_than_shim_channels_is_refused_with_the_numbers(tmp_path):
    """Five arrays read from the host on npu1_2col: one shim channel moves
    one host array, and the device has 2 columns x 2 input channels."""

    @dato.region()
    def top(
        A: int32[16],
        B: int32[16],
        C: int32[16],
        D: int32[16],
        E: int32[16],
        X: int32[16],
        Q: int32[16],
    ):
        @dato.kernel(mapping=[1], args=[A, B, X])
        def t(a: int32[16], b: int32[16], o: int32[16]):
            for i in range(16):
                o[i] = a[i] + b[i]

        @dato.kernel(mapping=[1], args=[C, D, E, Q])
        def u(c: int32[16], d: int32[16], e: int32[16], q: int32[16]):
            for i in range(16):
                q[i] = c[i] * d[i] - e[i]

    with pytest.raises(DatoError) as info:
        dato.build(top, target="aie", project=tmp_path, device_type="npu1_2col")
    message = str(info.value)
    assert "5 input" in message and "shim" in message
    assert "npu1_2col" in message and "2 shim columns with 2 input" in message


def test_reads_no_memtile_plan_fits_are_refused_naming_each_plan_tried(tmp_path):
    """A vector add bundled 16 lanes per core on npu1_2col's 8 cores: every
    core reads its own blocks of A and B, so with 4 shim input channels the
    16 sequences go through memtile distributes, one part per core and array:
    16 memtile output channels plus the 2 joins' against 2 x 6. Refused with
    the first plan's figures and what each other plan ran out of."""
    lanes, rows, cols = 128, 2, 64

    @dato.region()
    def top(
        A: int32[lanes * rows, cols], B: int32[lanes * rows, cols], C: int32[lanes * rows, cols]
    ):
        @dato.kernel(mapping=[lanes], args=[A, B, C])
        def t(
            a: int32[lanes * rows, cols] @ [S(0), R],
            b: int32[lanes * rows, cols] @ [S(0), R],
            c: int32[lanes * rows, cols] @ [S(0), R],
        ):
            for i in range(rows):
                for j in range(cols):
                    c[i, j] = a[i, j] + b[i, j]

    prims = [("bundle", [f"t_{core + 8 * k}" for k in range(lanes // 8)]) for core in range(8)]
    with pytest.raises(DatoError) as info:
        dato.build(
            top, target="aie", project=tmp_path, device_type="npu1_2col", mapping_primitives=prims
        )
    message = str(info.value)
    assert "needs a free shim input channel" in message
    assert "per column: shim 2 in / 2 out channels, memtile 6/6 channels" in message
    for plan in (
        "a broadcast to the tiles reading one sequence",
        "a memtile distribute and join per column and array",
        "both",
        "reads split by their cores' columns",
    ):
        assert f"; {plan}: " in message or f"also tried {plan}: " in message
    # the distribute plans ran out of memtile outputs: 4 of each column's 6 taken by A
    assert "4 output channels" in message and "memtile in [1, 1], out [4, 4]" in message


def lanes_of_two_tasks(first_u_on_odd_cores: bool):
    """16 lanes of t (C = A + 1) and 16 of u (D = 2 B) on npu1_2col, chained
    8 + 8 per core onto 4 cores: 8 read sequences (A and B per core) for 4
    shim input channels, so each column's memtile distributes A and B. With
    `first_u_on_odd_cores`, odd cores run their u lanes first."""
    lanes, rows, cols = 16, 2, 64

    @dato.region()
    def top(
        A: int32[lanes * rows, cols],
        B: int32[lanes * rows, cols],
        C: int32[lanes * rows, cols],
        D: int32[lanes * rows, cols],
    ):
        @dato.kernel(mapping=[lanes], args=[A, C])
        def t(a: int32[lanes * rows, cols] @ [S(0), R], c: int32[lanes * rows, cols] @ [S(0), R]):
            for i in range(rows):
                for j in range(cols):
                    c[i, j] = a[i, j] + 1

        @dato.kernel(mapping=[lanes], args=[B, D])
        def u(b: int32[lanes * rows, cols] @ [S(0), R], d: int32[lanes * rows, cols] @ [S(0), R]):
            for i in range(rows):
                for j in range(cols):
                    d[i, j] = b[i, j] * 2

    chains = []
    for core in range(4):
        ts = [f"t_{4 * core + k}" for k in range(4)]
        us = [f"u_{4 * core + k}" for k in range(4)]
        chains.append(("chain", us + ts if first_u_on_odd_cores and core % 2 else ts + us))
    return top, chains, (lanes * rows, cols)


def test_cores_running_the_same_order_share_distributes_equal_to_numpy(tmp_path):
    top, chains, shape = lanes_of_two_tasks(False)
    mod = dato.build(
        top, target="aie", project=tmp_path, device_type="npu1_2col", mapping_primitives=chains
    )
    rng = np.random.default_rng(14)
    a = rng.integers(-(2**30), 2**30, shape).astype(np.int32)
    b = rng.integers(-(2**30), 2**30, shape).astype(np.int32)
    c, d = np.zeros_like(a), np.zeros_like(a)
    mod(a, b, c, d)
    np.testing.assert_array_equal(c, a + 1)
    np.testing.assert_array_equal(d, b * 2)  # wraps as int32 on both sides
    links = [x for x in fifos(tmp_path) if x.startswith("aie.objectfifo.link [@A_in")]
    assert links  # A reaches its cores through a memtile distribute


def test_cores_taking_shared_distributes_in_opposite_orders_map(tmp_path):
    """Odd cores read all their B blocks before their A blocks, even cores
    the other way round: a column's distribute of A holding one object at a
    time would make an even core wait for an A block until the odd core has
    taken the one before, while that core waits for a B block the even core
    holds back (the virtual NPU ran such a design into a wait, and the
    planner refused it). Each distribute's memtile holds all 4 steps instead
    (4 x 512 i32), which the shim fills without waiting for any core, so no
    core waits for another: equal to numpy."""
    top, chains, shape = lanes_of_two_tasks(True)
    mod = dato.build(
        top, target="aie", project=tmp_path, device_type="npu1_2col", mapping_primitives=chains
    )
    rng = np.random.default_rng(15)
    a = rng.integers(-(2**30), 2**30, shape).astype(np.int32)
    b = rng.integers(-(2**30), 2**30, shape).astype(np.int32)
    c, d = np.zeros_like(a), np.zeros_like(a)
    mod(a, b, c, d)
    np.testing.assert_array_equal(c, a + 1)
    np.testing.assert_array_equal(d, b * 2)
    made = fifos(tmp_path)
    for name in ("A", "B"):
        # the shim-side fifo into the memtile holds every step, each core's part one block
        assert any(x.startswith(f"aie.objectfifo @{name}_in0(") and "4 : i32" in x for x in made)
        parts = [x for x in made if x.startswith(f"aie.objectfifo @{name}_in0_")]
        assert len(parts) == 4 and all("1 : i32" in x for x in parts)


def test_one_distribute_tying_cores_in_opposite_orders_maps(tmp_path):
    """As above, but u writes D from its own indices and reads nothing: the
    distribute of A is the only transfer that makes the cores wait for each
    other (D's and C's joins hold every step), so an even core waiting for A
    only needs the odd core to go on, which nothing holds back. Mapped, and
    equal to numpy on the virtual NPU."""
    lanes, rows, cols = 16, 2, 64

    @dato.region()
    def top(
        A: int32[lanes * rows, cols], C: int32[lanes * rows, cols], D: int32[lanes * rows, cols]
    ):
        @dato.kernel(mapping=[lanes], args=[A, C])
        def t(a: int32[lanes * rows, cols] @ [S(0), R], c: int32[lanes * rows, cols] @ [S(0), R]):
            for i in range(rows):
                for j in range(cols):
                    c[i, j] = a[i, j] + 1

        @dato.kernel(mapping=[lanes], args=[D])
        def u(d: int32[lanes * rows, cols] @ [S(0), R]):
            for i in range(rows):
                for j in range(cols):
                    d[i, j] = i * 100 + j

    chains = []
    for core in range(4):
        ts = [f"t_{4 * core + k}" for k in range(4)]
        us = [f"u_{4 * core + k}" for k in range(4)]
        chains.append(("chain", us + ts if core % 2 else ts + us))
    mod = dato.build(
        top, target="aie", project=tmp_path, device_type="npu1_2col", mapping_primitives=chains
    )
    a = np.random.default_rng(15).integers(-(2**31), 2**31 - 1, (lanes * rows, cols))
    a = a.astype(np.int32)
    c, d = np.zeros_like(a), np.zeros_like(a)
    mod(a, c, d)
    np.testing.assert_array_equal(c, a + np.int32(1))  # wraps at 2**31 - 1 on both sides
    block = np.arange(rows)[:, None] * 100 + np.arange(cols)[None, :]
    np.testing.assert_array_equal(d, np.tile(block, (lanes, 1)))
    assert any(x.startswith("aie.objectfifo.link [@A_in") for x in fifos(tmp_path))
