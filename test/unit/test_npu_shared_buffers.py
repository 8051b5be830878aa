"""A core runs the instances placed on its tile one after another (a bundle's
members, a chain's stages), so their locals need not each have a buffer: tile
buffers whose lives do not overlap share one allocation (aie_buffer_sharing),
and the fifo that brings an array's blocks to the tile is one, however many
members take blocks from it. Physical mapping counts the tile's memory the
same way (TileMemory), so what it accepts is what the design allocates.

Allo's test_pingpong_gemm_2x2x4 (a bundle of chains of a ping-pong GEMM) was
refused for 128 KiB on a 63 KiB tile: 8 members' locals, argument objects and
chained streams added up. Now it maps, runs on the virtual NPU equal to numpy,
and the figure physical mapping counted for each tile equals what the emitted
design holds there (the resource report), byte for byte: a fifo between
neighbours sharing memory on the one tile mlir-aie allocates it on."""

import re

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Layout, Stream, int8, int16, int32
from dato_xdsl.devices import DEFAULT_CORE_STACK_BYTES
from dato_xdsl.dialects import aie
from dato_xdsl.targets.aie.report import tile_usage
from dato_xdsl.transforms import physical_mapping

S = Layout.Shard


def allo_pingpong(M: int, N: int, K: int, Pm: int, Pn: int, Pk: int):
    """Allo's test_pingpong_gemm_2x2x4 body, as written there (C_in, C_out)."""
    Ty = int16
    Mt, Nt = M // Pm, N // Pn

    @dato.region()
    def top(A: Ty[M, K], B: Ty[K, N], C: Ty[M, N]):
        pipe: Stream[Ty[Mt, Nt], 2][Pk - 1, Pm, Pn]

        @dato.kernel(mapping=[Pk, Pm, Pn], args=[A, B, C])
        def gemm(
            local_A: Ty[M, K] @ [S(1), S(0)],
            local_B: Ty[K, N] @ [S(0), S(2)],
            local_C: Ty[M, N] @ [S(1), S(2)],
        ):
            pk, pm, pn = dato.get_pid()
            C_in: Ty[Mt, Nt]
            with dato.meta_if(pk > 0):
                C_in[:, :] = pipe[pk - 1, pm, pn].get()  # noqa: F821
            with dato.meta_else():
                C_in[:, :] = 0  # noqa: F821
            C_out: Ty[Mt, Nt] = dato.add(dato.matmul(local_A, local_B), C_in)  # noqa: F821
            with dato.meta_if(pk < Pk - 1):
                pipe[pk, pm, pn].put(C_out)  # noqa: F821
            with dato.meta_elif(pk == Pk - 1):
                local_C[:, :] = C_out

    return top


# Allo's second build of test_pingpong_gemm_2x2x4: K chains of two, bundled
# as tuples (the first chains of the four output blocks on one core, the
# second chains on another)
PRIMITIVES = [
    *(
        ("chain", [f"gemm_{k}_{i}_{j}", f"gemm_{k + 1}_{i}_{j}"])
        for i in range(2)
        for j in range(2)
        for k in (0, 2)
    ),
    (
        "bundle",
        [
            (f"gemm_0_{i}_{j}-gemm_1_{i}_{j}", f"gemm_2_{i}_{j}-gemm_3_{i}_{j}")
            for i in range(2)
            for j in range(2)
        ],
    ),
]


def counted_per_tile(monkeypatch) -> dict[tuple[int, ...], int]:
    """Record physical mapping's memory figure per tile (keyed by its members)."""
    seen: dict[tuple[int, ...], int] = {}
    total = physical_mapping.TileMemory.total

    def record(self):
        found = total(self)
        seen[tuple(sorted(self.start))] = found[0]
        return found

    monkeypatch.setattr(physical_mapping.TileMemory, "total", record)
    return seen  # type: ignore[return-value]


def allocated(device: aie.DeviceOp) -> dict[tuple[int, int], tuple[int, list[str]]]:
    """Per compute tile: the bytes the emitted design holds there (the report's
    figure without the stack; the report counts a fifo between neighbours
    sharing memory once, on the tile mlir-aie allocates it on) and the tasks
    of the tile."""
    return {
        (col, row): (u.bytes - DEFAULT_CORE_STACK_BYTES, u.tasks)
        for (col, row), u in tile_usage(device).items()
        if row >= 2 and u.tasks
    }


def test_allo_pingpong_2x2x4_bundle_of_chains_fits_and_runs(tmp_path, monkeypatch):
    counted = counted_per_tile(monkeypatch)
    mod = dato.build(
        allo_pingpong(64, 64, 128, 2, 2, 4),
        target="aie",
        project=tmp_path,
        mapping_primitives=PRIMITIVES,
    )
    rng = np.random.default_rng(4)
    A = rng.integers(-64, 64, (64, 128)).astype(np.int16)
    B = rng.integers(-64, 64, (128, 64)).astype(np.int16)
    C = np.zeros((64, 64), np.int16)
    mod(A, B, C)
    np.testing.assert_array_equal(C, (A.astype(np.int64) @ B).astype(np.int16))
    device = next(op for op in mod.ir.walk() if isinstance(op, aie.DeviceOp))
    held = allocated(device)
    assert len(held) == 2  # two cores of eight members each
    for tile, (nbytes, tasks) in held.items():
        assert len(tasks) == 8
        assert counted[tuple(sorted(tasks))] == nbytes, (tile, counted, held)
    # by hand, core of the first chains (gemm_0/1): at most two 32x32 int16
    # locals (2 KiB) are alive at once in a member (C_in and the matmul
    # result, the sum computed into the latter; a block got from a fifo is
    # read in its object), so two buffers serve all eight members; the four
    # chained streams hold one block each, of the locals' type, alive from a
    # member's put (where only its result is) to the next member's get (where
    # nothing else is yet): the same two buffers, and their 8 counters; one A
    # and one B object; the four streams to the other core, depth 2
    first = next(n for n, t in held.values() if "gemm_0_0_0" in t)
    assert first == 2 * 2048 + 8 * 4 + 2 * 2048 + 4 * 2 * 2048
    # the core of the second chains (north of the first): the same locals,
    # chained buffers, counters, A and B objects, and the object of C's
    # block it writes; the four streams it gets are the first core's (their
    # objects on the producer's tile, which the consumer's core reaches),
    # none of its memory
    tiles = {t: tile for tile, (_, tasks) in held.items() for t in tasks}
    assert tiles["gemm_2_0_0"] == (tiles["gemm_0_0_0"][0], tiles["gemm_0_0_0"][1] + 1)
    second = next(n for n, t in held.values() if "gemm_2_0_0" in t)
    assert second == first - 4 * 2 * 2048 + 2048


def test_locals_of_one_task_share_when_their_lives_do_not_overlap(tmp_path):
    """int8 x int8 into an int32 64x64 local, minus one, into C: the matmul's
    result, the local and the difference (16 KiB each) are never all alive,
    so two buffers hold them; with C's block and the K tiles the tile fits
    (it was refused for 48 KiB of locals)."""
    M, K, N = 64, 1536, 64

    @dato.region()
    def top(A: int8[M, K], B: int8[K, N], C: int32[M, N]):
        @dato.kernel(mapping=[1], args=[A, B, C])
        def mm(a: int8[M, K], b: int8[K, N], c: int32[M, N]):
            acc: int32[M, N] = dato.matmul(a, b)
            c[:, :] = acc - 1

    mod = dato.build(top, target="aie", project=tmp_path)
    rng = np.random.default_rng(5)
    A = rng.integers(-128, 128, (M, K)).astype(np.int8)
    B = rng.integers(-128, 128, (K, N)).astype(np.int8)
    C = np.zeros((M, N), np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, A.astype(np.int32) @ B.astype(np.int32) - 1)
    text = (tmp_path / "aie.mlir").read_text()
    assert text.count("aie.buffer(%core_c0_r2) : memref<64x64xi32>") == 2


def test_a_local_read_before_written_starts_from_zero_in_every_member(tmp_path):
    """Members of one core reuse each other's dead buffers; a local a body
    reads before writing it whole starts from zeros (the simulator's new
    buffer), so it is filled explicitly, each member again."""
    L = 8

    @dato.region()
    def top(A: int32[4, L], B: int32[4, L]):
        @dato.kernel(mapping=[4], args=[A, B])
        def acc(
            a: int32[4, L] @ [S(0), Layout.Replicate], b: int32[4, L] @ [S(0), Layout.Replicate]
        ):
            t: int32[L]
            for i in range(L):
                t[i] = t[i] + a[0, i] * 3  # noqa: F821
            for i in range(L):
                b[0, i] = t[i]  # noqa: F821

    mod = dato.build(
        top,
        target="aie",
        project=tmp_path,
        mapping_primitives=[("bundle", ["acc_0", "acc_1", "acc_2", "acc_3"])],
    )
    A = np.arange(4 * L, dtype=np.int32).reshape(4, L) - 9
    B = np.zeros_like(A)
    mod(A, B)
    np.testing.assert_array_equal(B, A * 3)
    text = (tmp_path / "aie.mlir").read_text()
    # the members' code is the same: one loop of 4 (dato-npu-core-bodies rolls
    # bundle members), whose body fills the local
    assert text.count("func.call @dato_fill_i32_8(") == 1
    loop = re.search(r"scf\.for %\w+ = %\w+ to %(\w+) step", text)
    assert loop and re.search(rf"%{loop.group(1)} = arith\.constant 4 : index", text)
    assert text.index("func.call @dato_fill_i32_8(") > loop.start()


def reversed_chain(N: int, L: int = 8):
    @dato.region()
    def top(A: int32[N * L], B: int32[N * L]):
        @dato.kernel(mapping=[N], args=[A, B])
        def inc(a: int32[N * L] @ [S(0)], b: int32[N * L] @ [S(0)]):
            b[:] = a + 1

    names = [f"inc_{k}" for k in reversed(range(N))]
    prims, head = [], names[0]
    for n in names[1:]:
        prims.append(("chain", [head, n]))
        head += "-" + n
    return top, prims


def test_the_runtime_sequence_reuses_buffer_descriptors_after_a_wait(tmp_path):
    """24 instances chained on one core in reverse order: their blocks are
    not evenly spaced upward, so each moves in its own dma_memcpy_nd, 48 on
    one shim column, which has 16 BDs. Ids are reused once a dma_wait saw
    their transfer finish; the virtual NPU refuses a BD reprogrammed while its
    transfer runs or before its token was awaited."""
    N, L = 24, 8
    top, prims = reversed_chain(N, L)
    mod = dato.build(top, target="aie", project=tmp_path, mapping_primitives=prims)
    A = np.arange(N * L, dtype=np.int32) * 3 - 40
    B = np.zeros_like(A)
    mod(A, B)
    np.testing.assert_array_equal(B, A + 1)
    text = (tmp_path / "aie.mlir").read_text()
    ids = [int(i) for i in re.findall(r"dma_memcpy_nd\(.*\{id = (\d+) : i64", text)]
    assert len(ids) == 2 * N
    assert max(ids) == 15 and min(ids) == 0
    body = text[text.index("aie.runtime_sequence") :]
    assert body.index("dma_wait") < body.rindex("dma_memcpy_nd")  # waits in between
    assert_bds_reused_only_after_their_wait(body)


def assert_bds_reused_only_after_their_wait(body: str) -> None:
    """The shim rule, replayed on the emitted sequence: a call takes BD `id`,
    and a BD is free again only once a dma_wait on its channel's symbol has
    consumed the token of that call or of a later call there (a channel
    finishes its calls in order; a wait consumes the oldest pending token).
    Every token is awaited by the end."""
    held: dict[int, str] = {}  # BD id -> symbol of the call holding it
    pending: dict[str, list[tuple[int, bool]]] = {}  # symbol -> (BD, token), oldest first
    for m in re.finditer(
        r"dma_memcpy_nd\(.*\{id = (\d+) : i64, (issue_token = true, )?metadata = @(\w+)\}"
        r"|dma_wait \{symbol = @(\w+)\}",
        body,
    ):
        if m.group(4):
            queue = pending.get(m.group(4), [])
            assert any(t for _, t in queue), f"a dma_wait on @{m.group(4)} with no token pending"
            while True:
                bd, token = queue.pop(0)
                held.pop(bd)
                if token:
                    break
            continue
        bd, symbol = int(m.group(1)), m.group(3)
        assert bd not in held, f"BD {bd} reprogrammed while @{held[bd]}'s call holds it"
        held[bd] = symbol
        pending.setdefault(symbol, []).append((bd, m.group(2) is not None))
    left = {s: q for s, q in pending.items() if any(t for _, t in q)}
    assert not left, f"tokens never awaited: {left}"


@pytest.mark.parametrize("n", [8])
def test_few_transfers_keep_the_plain_sequence(tmp_path, n):
    """With 16 calls on the column (its BDs) the sequence is as before: reads, then writes,
    then one wait per write; no wait in between."""
    top, prims = reversed_chain(n)
    mod = dato.build(top, target="aie", project=tmp_path, mapping_primitives=prims)
    text = (tmp_path / "aie.mlir").read_text()
    body = text[text.index("aie.runtime_sequence") :]
    kinds = re.findall(r"(dma_memcpy_nd|dma_wait)", body)
    assert kinds == ["dma_memcpy_nd"] * (2 * n) + ["dma_wait"] * n
    A = np.arange(n * 8, dtype=np.int32)
    B = np.zeros_like(A)
    mod(A, B)
    np.testing.assert_array_equal(B, A + 1)


def test_a_long_member_list_is_summarised_in_a_refusal(tmp_path):
    """A tile over its memory with many members names a few and their count
    (Allo's batched GEMM listed 128 names and 8,000 characters of parts)."""
    L = 4096

    @dato.region()
    def top(A: int32[16, L], B: int32[16, L]):
        @dato.kernel(mapping=[16], args=[A, B])
        def big(
            a: int32[16, L] @ [S(0), Layout.Replicate], b: int32[16, L] @ [S(0), Layout.Replicate]
        ):
            t: int32[L] = 0
            u: int32[L] = 0
            for i in range(L):
                t[i] = a[0, i] + 1
                u[i] = t[i] * 2
            for i in range(L):
                b[0, i] = u[i] + t[i]

    names = [f"big_{k}" for k in range(16)]
    with pytest.raises(dato.DatoIRError) as info:
        dato.build(top, target="aie", project=tmp_path, mapping_primitives=[("bundle", names)])
    message = str(info.value)
    assert "16 instances" in message and "big_15" in message and "big_7" not in message
    assert len(message) < 1200, message


def test_allo_pingpong_4x4x4_chains_broadcast_their_rows_and_columns(tmp_path):
    """Allo's test_pingpong_gemm_4x4x4: 16 chains of the 4 K stages, one per
    core. Each core reads its A row's blocks and its B column's blocks in K
    order: one shim channel per core and array would need 32 of npu1's 8, so
    the cores of one A row (of one B column) take the same sequence from one
    fifo broadcast to the four of them (8 channels); refused before."""
    prims = []
    for i in range(4):
        for j in range(4):
            head = f"gemm_0_{i}_{j}"
            for k in range(1, 4):
                prims.append(("chain", [head, f"gemm_{k}_{i}_{j}"]))
                head += f"-gemm_{k}_{i}_{j}"
    mod = dato.build(
        allo_pingpong(128, 128, 128, 4, 4, 4),
        target="aie",
        project=tmp_path,
        mapping_primitives=prims,
    )
    rng = np.random.default_rng(8)
    A = rng.integers(-64, 64, (128, 128)).astype(np.int16)
    B = rng.integers(-64, 64, (128, 128)).astype(np.int16)
    C = np.zeros((128, 128), np.int16)
    mod(A, B, C)
    np.testing.assert_array_equal(C, (A.astype(np.int64) @ B).astype(np.int16))
    text = (tmp_path / "aie.mlir").read_text()
    reads = re.findall(r"aie\.objectfifo @([AB])_in\d+\(%shim_c\d, \{([^}]*)\}", text)
    assert sorted(n for n, _ in reads) == ["A"] * 4 + ["B"] * 4
    assert all(len(cores.split(",")) == 4 for _, cores in reads)
