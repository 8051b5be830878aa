"""Tasks passing data through a global array, on the NPU (issue 12).

The simulator runs every instance on one memory, in a defined order (tasks in
the region's order, each task's instances by pid, row-major; an instance runs
until it finishes or blocks on a stream). When every instance sharing a block,
but the last, makes all its accesses to it before its first put or get, they
touch the block one after another in that order; the NPU build then forwards
the block from each to the next (dato-array-flow-forwarding) and only the last
writer sends it to the host. Checked on the virtual NPU against numpy
computing the same updates in that order; an interleaving the NPU cannot
follow is refused, naming both instances and the stream."""

# ruff: noqa: F821  (s, done are region streams)

import numpy as np
import pytest
from xdsl.context import Context

import dato_xdsl as dato
from dato_xdsl import Layout, Stream, float32, int32
from dato_xdsl.targets.simulator import simulate
from dato_xdsl.transforms.array_flow_forwarding import ArrayFlowForwardingPass

S, R = Layout.Shard, Layout.Replicate


def build(top, tmp_path):
    return dato.build(top, target="aie", project=tmp_path)


def write_update_read():
    """w writes B (6 x 10), three acc instances update it in turn (the
    result depends on the order), r reads it transposed and mirrored."""

    @dato.region()
    def top(A: int32[6, 10], B: int32[6, 10], D: int32[10, 6]):
        @dato.kernel(mapping=[1], args=[A, B])
        def w(a: int32[6, 10], b: int32[6, 10]):
            for i in range(6):
                for j in range(10):
                    b[i, j] = a[i, j] * 2 + 1

        @dato.kernel(mapping=[3], args=[B])
        def acc(b: int32[6, 10]):
            p = dato.get_pid()
            for i in range(6):
                for j in range(10):
                    b[i, j] = b[i, j] * 3 + p * j - i

        @dato.kernel(mapping=[1], args=[B, D])
        def r(b: int32[6, 10], d: int32[10, 6]):
            for i in range(6):
                for j in range(10):
                    d[j, i] = b[i, j] - b[5 - i, 9 - j]

    return top


def test_a_block_written_updated_in_turn_and_read(tmp_path):
    A = (np.arange(60, dtype=np.int32).reshape(6, 10) * 7) % 23 - 11
    B = np.full((6, 10), -5, np.int32)
    D = np.zeros((10, 6), np.int32)
    expected = A * 2 + 1
    rows, cols = np.indices((6, 10))
    for p in range(3):
        expected = expected * 3 + p * cols - rows
    mod = build(write_update_read(), tmp_path)
    mod(A, B, D)
    np.testing.assert_array_equal(B, expected)
    np.testing.assert_array_equal(D, (expected - expected[::-1, ::-1]).T)
    # each passes B to the next on a fifo of its own, in the simulator's order
    text = (tmp_path / "aie.mlir").read_text()
    for fifo in ("w_0_B_to_acc_0", "acc_0_B_to_acc_1", "acc_1_B_to_acc_2", "acc_2_B_to_r_0"):
        assert f"@{fifo}" in text


def float_grid():
    """A 2 x 2 grid, each instance updating all of C (5 x 12, float): the
    float result depends on the order of the updates."""

    @dato.region()
    def top(A: float32[5, 12], C: float32[5, 12]):
        @dato.kernel(mapping=[2, 2], args=[A, C])
        def k(a: float32[5, 12], c: float32[5, 12]):
            i, j = dato.get_pid()
            for x in range(5):
                for y in range(12):
                    c[x, y] = c[x, y] * 0.75 + a[x, y] * (i * 2 + j + 1)

    return top


def test_a_grid_updates_one_float_block_in_row_major_order(tmp_path):
    A = np.linspace(-2, 3, 60, dtype=np.float32).reshape(5, 12)
    C = (np.arange(60, dtype=np.float32).reshape(5, 12) / np.float32(7)).astype(np.float32)
    expected = C.copy()
    for i in range(2):
        for j in range(2):
            scale = np.float32(i * 2 + j + 1)
            expected = (expected * np.float32(0.75) + A * scale).astype(np.float32)
    build(float_grid(), tmp_path)(A, C)
    # the same float operations in the same order: bit for bit
    np.testing.assert_array_equal(C, expected)


def token_after_the_writes():
    """w writes B, then puts a token r waits for (Allo style): w's writes come
    before its first stream op, so r sees them on the simulator."""

    @dato.region()
    def top(A: int32[3, 5], B: int32[3, 5], C: int32[3, 5]):
        done: Stream[int32, 1]

        @dato.kernel(mapping=[1], args=[A, B])
        def w(a: int32[3, 5], b: int32[3, 5]):
            for i in range(3):
                for j in range(5):
                    b[i, j] = a[i, j] - j
            done.put(4)

        @dato.kernel(mapping=[1], args=[B, C])
        def r(b: int32[3, 5], c: int32[3, 5]):
            t = done.get()
            for i in range(3):
                for j in range(5):
                    c[i, j] = b[2 - i, j] * t

    return top


def test_a_reader_after_a_token_sees_the_writers_block(tmp_path):
    A = np.arange(15, dtype=np.int32).reshape(3, 5) * 3 - 20
    B = np.zeros((3, 5), np.int32)
    C = np.zeros((3, 5), np.int32)
    build(token_after_the_writes(), tmp_path)(A, B, C)
    cols = np.arange(5, dtype=np.int32)
    np.testing.assert_array_equal(B, A - cols)
    np.testing.assert_array_equal(C, (A - cols)[::-1] * 4)


def two_writers():
    """k_0 writes all of C, then k_1 all but its last column (where k_0's
    values stay); no instance reads C."""

    @dato.region()
    def top(C: int32[2, 3]):
        @dato.kernel(mapping=[2], args=[C])
        def k(c: int32[2, 3]):
            p = dato.get_pid()
            for i in range(2):
                for j in range(3 - p):
                    c[i, j] = p * 100 + i * 10 + j

    return top


def test_two_writers_of_one_block_write_in_turn(tmp_path):
    C = np.full((2, 3), 7, np.int32)
    build(two_writers(), tmp_path)(C)
    # k_0 writes every element, then k_1 all but the last column
    np.testing.assert_array_equal(C, [[100, 101, 2], [110, 111, 12]])


def interleaved():
    """k_0 writes C[0], then waits on s; k_1 runs meanwhile (it reads k_0's
    C[0] and puts), then k_0 reads k_1's C[0]: the simulator interleaves the
    two instances at the stream. The block passes k_0 -> k_1 -> k_0, once per
    switch (test_simulator_shared_arrays.py's program)."""

    @dato.region()
    def top(C: int32[3]):
        s: Stream[int32, 1]

        @dato.kernel(mapping=[2], args=[C])
        def k(c: int32[3]):
            p = dato.get_pid()
            with dato.meta_if(p == 0):
                c[0] = 1
                x: int32 = s.get()
                c[2] = x + c[0]
            with dato.meta_else():
                c[0] = c[0] + 10
                s.put(c[0])

    return top


def test_an_interleaving_at_a_stream_passes_the_block_at_every_switch(tmp_path):
    C = np.array([0, 4, 0], np.int32)
    build(interleaved(), tmp_path)(C)
    # k_0: c0 = 1, waits; k_1: c0 = 11, puts 11; k_0: c2 = 11 + 11
    np.testing.assert_array_equal(C, [11, 4, 22])
    text = (tmp_path / "aie.mlir").read_text()
    assert "@k_0_C_to_k_1" in text and "@k_1_C_to_k_0" in text


def interleaved_in_a_loop():
    """k_0 waits on s inside the loop that updates C[0], while k_1 reads C[0]
    between its puts: the switches fall inside a top-level op that accesses
    C, where the block cannot be passed on."""

    @dato.region()
    def top(C: int32[2]):
        s: Stream[int32, 1]

        @dato.kernel(mapping=[2], args=[C])
        def k(c: int32[2]):
            p = dato.get_pid()
            with dato.meta_if(p == 0):
                for _i in range(2):
                    x: int32 = s.get()
                    c[0] = c[0] * 10 + x
            with dato.meta_else():
                for i in range(2):
                    c[1] = c[0] + i
                    s.put(c[1])

    return top


def test_an_interleaving_inside_a_loop_is_refused_naming_both_instances(tmp_path):
    C = np.zeros(2, np.int32)
    dato.build(interleaved_in_a_loop())(C)
    np.testing.assert_array_equal(C, [1, 1])  # what the NPU could not give
    with pytest.raises(dato.DatoIRError) as info:
        build(interleaved_in_a_loop(), tmp_path)
    message = str(info.value)
    assert "k_0 writes C and k_1 reads it" in message
    assert "in the simulator k_0 waits to get from @s" in message
    assert "empty, between its accesses to C, while k_1 makes its own" in message
    assert f"{__file__}:" in message


def tiled_gemm():
    """Allo's tests/dataflow/test_tiled_gemm.py at 4 x 6 x 8: every instance
    accumulates its tile into the one unsharded C."""

    @dato.region()
    def top(A: float32[4, 6], B: float32[6, 8], C: float32[4, 8]):
        @dato.kernel(mapping=[2, 2], args=[A, B, C])
        def gemm(a: float32[4, 6], b: float32[6, 8], c: float32[4, 8]):
            pi, pj = dato.get_pid()
            for i in range(pi * 2, (pi + 1) * 2):
                for j in range(pj * 4, (pj + 1) * 4):
                    for k in range(6):
                        c[i, j] += a[i, k] * b[k, j]

    return top


def test_tiles_accumulated_into_one_unsharded_output(tmp_path):
    rng = np.random.default_rng(12)
    A = rng.random((4, 6), np.float32)
    B = rng.random((6, 8), np.float32)
    C = np.ones((4, 8), np.float32)
    build(tiled_gemm(), tmp_path)(A, B, C)
    np.testing.assert_allclose(C, 1 + A @ B, rtol=1e-5)


def leaves_and_root():
    """Four leaves each write their row of P (sharded), the root then reads
    all of P (one block holding the four): each leaf sends its row to the
    root, which puts them in place."""

    @dato.region()
    def top(A: int32[4, 6], P: int32[4, 6], OUT: int32[6]):
        @dato.kernel(mapping=[4], args=[A, P])
        def leaf(a: int32[4, 6] @ [S(0), R], p: int32[4, 6] @ [S(0), R]):
            i = dato.get_pid()
            for j in range(6):
                p[0, j] = a[0, j] * (i + 1) - j

        @dato.kernel(mapping=[1], args=[P, OUT])
        def root(p: int32[4, 6], o: int32[6]):
            for j in range(6):
                o[j] = p[0, j] + p[1, j] * 10 + p[2, j] * 100 + p[3, j] * 1000

    return top


def test_leaves_write_their_rows_and_the_root_reads_them_all(tmp_path):
    A = (np.arange(24, dtype=np.int32).reshape(4, 6) * 5) % 11 - 3
    P = np.full((4, 6), 99, np.int32)
    OUT = np.zeros(6, np.int32)
    build(leaves_and_root(), tmp_path)(A, P, OUT)
    rows = A * (np.arange(4, dtype=np.int32)[:, None] + 1) - np.arange(6, dtype=np.int32)
    np.testing.assert_array_equal(P, rows)
    np.testing.assert_array_equal(OUT, rows.T @ np.array([1, 10, 100, 1000], np.int32))


def reader_first():
    """r reads all of B, then two w instances write its halves: the simulator
    gives r the host's B. On the NPU r sends each writer the half it read,
    which orders the writers' writes (and their return to the host) after
    r's read."""

    @dato.region()
    def top(B: int32[4], C: int32[4]):
        @dato.kernel(mapping=[1], args=[B, C])
        def r(b: int32[4], c: int32[4]):
            for i in range(4):
                c[i] = b[i] + 1

        @dato.kernel(mapping=[2], args=[B])
        def w(b: int32[4] @ [S(0)]):
            p = dato.get_pid()
            for i in range(2):
                b[i] = b[i] * 10 + p

    return top


def test_a_reader_before_the_writers_of_its_block_reads_the_hosts_values(tmp_path):
    B = np.array([3, -4, 5, 6], np.int32)
    C = np.zeros(4, np.int32)
    build(reader_first(), tmp_path)(B, C)
    np.testing.assert_array_equal(C, [4, -3, 6, 7])
    np.testing.assert_array_equal(B, [30, -40, 51, 61])


def writers_between_readers():
    """r0 reads B (4 x 3) whole, two w instances update their rows, r1 reads
    it whole again: r0 sees the host's B, r1 the updated one."""

    @dato.region()
    def top(B: int32[4, 3], C: int32[4, 3], D: int32[4, 3]):
        @dato.kernel(mapping=[1], args=[B, C])
        def r0(b: int32[4, 3], c: int32[4, 3]):
            for i in range(4):
                for j in range(3):
                    c[i, j] = b[3 - i, j]

        @dato.kernel(mapping=[2], args=[B])
        def w(b: int32[4, 3] @ [S(0), R]):
            p = dato.get_pid()
            for i in range(2):
                for j in range(3):
                    b[i, j] = b[i, j] * 2 + p

        @dato.kernel(mapping=[1], args=[B, D])
        def r1(b: int32[4, 3], d: int32[4, 3]):
            for i in range(4):
                for j in range(3):
                    d[i, j] = b[i, 2 - j]

    return top


def test_readers_before_and_after_the_writers_see_the_old_and_new_block(tmp_path):
    B = np.arange(12, dtype=np.int32).reshape(4, 3) - 5
    C = np.zeros((4, 3), np.int32)
    D = np.zeros((4, 3), np.int32)
    old = B.copy()
    build(writers_between_readers(), tmp_path)(B, C, D)
    new = old * 2 + (np.arange(4)[:, None] >= 2).astype(np.int32)
    np.testing.assert_array_equal(C, old[::-1])
    np.testing.assert_array_equal(B, new)
    np.testing.assert_array_equal(D, new[:, ::-1])


def rows_read_as_columns():
    """Two writers each fill 3 rows of B (6 x 4); two readers each read 2
    columns of it: every reader gets a 3 x 2 part from each writer."""

    @dato.region()
    def top(A: int32[6, 4], B: int32[6, 4], OUT: int32[6, 4]):
        @dato.kernel(mapping=[2], args=[A, B])
        def w(a: int32[6, 4] @ [S(0), R], b: int32[6, 4] @ [S(0), R]):
            p = dato.get_pid()
            for i in range(3):
                for j in range(4):
                    b[i, j] = a[i, j] * 2 + p

        @dato.kernel(mapping=[2], args=[B, OUT])
        def r(b: int32[6, 4] @ [R, S(0)], o: int32[6, 4] @ [R, S(0)]):
            for i in range(6):
                for j in range(2):
                    o[i, j] = b[5 - i, j] * 10 + b[i, 1 - j]

    return top


def test_rows_written_by_two_tasks_are_read_as_columns_by_two_others(tmp_path):
    A = (np.arange(24, dtype=np.int32).reshape(6, 4) * 7) % 13 - 6
    B = np.zeros((6, 4), np.int32)
    OUT = np.zeros((6, 4), np.int32)
    build(rows_read_as_columns(), tmp_path)(A, B, OUT)
    expected_b = A * 2 + (np.arange(6)[:, None] >= 3).astype(np.int32)
    np.testing.assert_array_equal(B, expected_b)
    expected = np.zeros((6, 4), np.int32)
    for half in range(2):  # each reader's two columns
        cols = expected_b[:, 2 * half : 2 * half + 2]
        expected[:, 2 * half : 2 * half + 2] = cols[::-1] * 10 + cols[:, ::-1]
    np.testing.assert_array_equal(OUT, expected)


def whole_read_in_rows():
    """One task writes all of B; three read their 2 rows each."""

    @dato.region()
    def top(A: int32[6, 4], B: int32[6, 4], OUT: int32[6, 4]):
        @dato.kernel(mapping=[1], args=[A, B])
        def w(a: int32[6, 4], b: int32[6, 4]):
            for i in range(6):
                for j in range(4):
                    b[i, j] = a[i, j] * 3 - i

        @dato.kernel(mapping=[3], args=[B, OUT])
        def r(b: int32[6, 4] @ [S(0), R], o: int32[6, 4] @ [S(0), R]):
            p = dato.get_pid()
            for i in range(2):
                for j in range(4):
                    o[i, j] = b[1 - i, 3 - j] + p

    return top


def test_a_whole_block_is_read_in_rows_by_three_tasks(tmp_path):
    A = np.arange(24, dtype=np.int32).reshape(6, 4) - 9
    B = np.zeros((6, 4), np.int32)
    OUT = np.zeros((6, 4), np.int32)
    build(whole_read_in_rows(), tmp_path)(A, B, OUT)
    expected_b = A * 3 - np.arange(6, dtype=np.int32)[:, None]
    np.testing.assert_array_equal(B, expected_b)
    expected = np.concatenate([expected_b[2 * p : 2 * p + 2][::-1, ::-1] + p for p in range(3)])
    np.testing.assert_array_equal(OUT, expected)


def values_then_updates():
    """src puts one value per acc instance; each acc instance gets its value,
    then updates all of C (3 x 5) with it. src comes first in the region, so
    the gets find their values when acc runs (the replay of the simulator's
    first turns shows it): each acc instance updates C whole in its first
    turn, in pid order."""

    @dato.region()
    def top(A: int32[2], C: int32[3, 5]):
        s: Stream[int32, 2][2]

        @dato.kernel(mapping=[2], args=[A])
        def src(a: int32[2]):
            i = dato.get_pid()
            s[i].put(a[i])

        @dato.kernel(mapping=[2], args=[C])
        def acc(c: int32[3, 5]):
            i = dato.get_pid()
            v = s[i].get()
            for x in range(3):
                for y in range(5):
                    c[x, y] = c[x, y] * 2 + v * (x + 1) - y

    return top


def test_updates_after_a_get_that_finds_its_value_follow_the_pid_order(tmp_path):
    A = np.array([3, -7], np.int32)
    C = np.arange(15, dtype=np.int32).reshape(3, 5) - 4
    expected = C.copy()
    rows, cols = np.indices((3, 5))
    for i in range(2):
        expected = expected * 2 + A[i] * (rows + 1) - cols
    build(values_then_updates(), tmp_path)(A, C)
    np.testing.assert_array_equal(C, expected)


def updates_before_values():
    """values_then_updates with src after acc in the region: each acc
    instance finds its stream empty and waits; src then fills both streams,
    waking acc_0, then acc_1, which make their updates in that order (the
    replay of the simulator's schedule shows it)."""

    @dato.region()
    def top(A: int32[2], C: int32[3, 5]):
        s: Stream[int32, 2][2]

        @dato.kernel(mapping=[2], args=[C])
        def acc(c: int32[3, 5]):
            i = dato.get_pid()
            v = s[i].get()
            for x in range(3):
                for y in range(5):
                    c[x, y] = c[x, y] * 2 + v * (x + 1) - y

        @dato.kernel(mapping=[2], args=[A])
        def src(a: int32[2]):
            i = dato.get_pid()
            s[i].put(a[i])

    return top


def test_updates_after_gets_that_wait_follow_the_order_they_are_woken_in(tmp_path):
    A = np.array([5, -2], np.int32)
    C = np.arange(15, dtype=np.int32).reshape(3, 5) * 3
    expected = C.copy()
    rows, cols = np.indices((3, 5))
    for i in range(2):
        expected = expected * 2 + A[i] * (rows + 1) - cols
    build(updates_before_values(), tmp_path)(A, C)
    np.testing.assert_array_equal(C, expected)


def reader_waits_for_the_writer():
    """r comes first in the region but waits for w's token before reading B:
    the simulator runs w's writes first (test_target_agreement's program,
    with the tasks the other way round)."""

    @dato.region()
    def top(A: int32[2, 3], B: int32[2, 3], C: int32[2, 3]):
        done: Stream[int32, 1]

        @dato.kernel(mapping=[1], args=[B, C])
        def r(b: int32[2, 3], c: int32[2, 3]):
            t = done.get()
            for i in range(2):
                for j in range(3):
                    c[i, j] = b[1 - i, j] + t

        @dato.kernel(mapping=[1], args=[A, B])
        def w(a: int32[2, 3], b: int32[2, 3]):
            for i in range(2):
                for j in range(3):
                    b[i, j] = a[i, j] * 5
            done.put(2)

    return top


def test_a_reader_waiting_for_the_writers_token_sees_its_writes(tmp_path):
    A = np.arange(6, dtype=np.int32).reshape(2, 3) - 2
    B = np.zeros((2, 3), np.int32)
    C = np.zeros((2, 3), np.int32)
    build(reader_waits_for_the_writer(), tmp_path)(A, B, C)
    np.testing.assert_array_equal(B, A * 5)
    np.testing.assert_array_equal(C, (A * 5)[::-1] + 2)


def updates_in_turn():
    @dato.region()
    def top(C: int32[3, 4]):
        @dato.kernel(mapping=[4], args=[C])
        def k(c: int32[3, 4]):
            p = dato.get_pid()
            for i in range(3):
                for j in range(4):
                    c[i, j] = c[i, j] * 2 + p * j

    return top


def test_a_users_chain_in_the_simulators_order_keeps_the_forwarding(tmp_path):
    C = np.arange(12, dtype=np.int32).reshape(3, 4)
    expected = C.copy()
    for p in range(4):
        expected = expected * 2 + p * np.arange(4, dtype=np.int32)
    chain = [("chain", ["k_0", "k_1", "k_2", "k_3"])]
    dato.build(updates_in_turn(), target="aie", project=tmp_path, mapping_primitives=chain)(C)
    np.testing.assert_array_equal(C, expected)


@pytest.mark.parametrize(
    ("primitive", "words"),
    [
        (("chain", ["k_1", "k_0"]), "k_1 shares C with other tasks, and a chain runs it before"),
        (("bundle", ["k_0", "k_1"]), "k_0 shares C with other tasks and is in a bundle"),
    ],
)
def test_folding_against_the_simulators_order_is_refused(primitive, words, tmp_path):
    with pytest.raises(dato.DatoIRError) as info:
        dato.build(
            updates_in_turn(), target="aie", project=tmp_path, mapping_primitives=[primitive]
        )
    assert words in str(info.value)
    assert f"{__file__}:" in str(info.value)


def tokens_counted_at_run_time(writer_first: bool):
    """w writes B, then puts a[0] tokens (a count known at run time only, so
    the schedule cannot be replayed); r takes them, then reads B. With w
    first in the region, w's writes come before any put of its own: they are
    in its first turn, before r runs (the structural rule). With r first, r
    may wait at a get before reading B: refused, the rule cannot tell."""

    @dato.region()
    def first_w(A: int32[3], B: int32[2, 3], C: int32[2, 3]):
        tok: Stream[int32, 4]

        @dato.kernel(mapping=[1], args=[A, B])
        def w(a: int32[3], b: int32[2, 3]):
            for i in range(2):
                for j in range(3):
                    b[i, j] = a[j] * (i + 2)
            for k in range(a[0]):
                tok.put(k)

        @dato.kernel(mapping=[1], args=[A, B, C])
        def r(a: int32[3], b: int32[2, 3], c: int32[2, 3]):
            s: int32 = 0
            for _k in range(a[0]):
                s = s + tok.get()
            for i in range(2):
                for j in range(3):
                    c[i, j] = b[i, j] + s

    @dato.region()
    def first_r(A: int32[3], B: int32[2, 3], C: int32[2, 3]):
        tok: Stream[int32, 4]

        @dato.kernel(mapping=[1], args=[A, B, C])
        def r(a: int32[3], b: int32[2, 3], c: int32[2, 3]):
            s: int32 = 0
            for _k in range(a[0]):
                s = s + tok.get()
            for i in range(2):
                for j in range(3):
                    c[i, j] = b[i, j] + s

        @dato.kernel(mapping=[1], args=[A, B])
        def w(a: int32[3], b: int32[2, 3]):
            for i in range(2):
                for j in range(3):
                    b[i, j] = a[j] * (i + 2)
            for k in range(a[0]):
                tok.put(k)

    return first_w if writer_first else first_r


def test_unreplayable_streams_keep_the_structural_rule(tmp_path):
    A = np.array([3, 5, -1], np.int32)
    B = np.zeros((2, 3), np.int32)
    C = np.zeros((2, 3), np.int32)
    build(tokens_counted_at_run_time(True), tmp_path / "w")(A, B, C)
    expected = A * np.array([[2], [3]], np.int32)
    np.testing.assert_array_equal(B, expected)
    np.testing.assert_array_equal(C, expected + (0 + 1 + 2))
    with pytest.raises(dato.DatoIRError) as info:
        build(tokens_counted_at_run_time(False), tmp_path / "r")
    message = str(info.value)
    assert "w_0 writes B and r_0 reads it, and r_0 may get from @tok" in message
    assert "its puts and gets are not static" in message


def read_then_updated():
    """r reads all of B, then two w instances update all of it in turn: r
    passes the host's block on (no copy of its own) and w_1 sends it back."""

    @dato.region()
    def top(B: int32[2, 3], C: int32[2, 3]):
        @dato.kernel(mapping=[1], args=[B, C])
        def r(b: int32[2, 3], c: int32[2, 3]):
            for i in range(2):
                for j in range(3):
                    c[i, j] = b[i, j] + 1

        @dato.kernel(mapping=[2], args=[B])
        def w(b: int32[2, 3]):
            p = dato.get_pid()
            for i in range(2):
                for j in range(3):
                    b[i, j] = b[i, j] * 3 + p

    return top


def test_a_first_reader_passes_the_hosts_block_to_the_updates(tmp_path):
    B = np.arange(6, dtype=np.int32).reshape(2, 3) - 1
    C = np.zeros((2, 3), np.int32)
    old = B.copy()
    build(read_then_updated(), tmp_path)(B, C)
    np.testing.assert_array_equal(C, old + 1)
    np.testing.assert_array_equal(B, (old * 3) * 3 + 1)


LADDER = {
    "write_update_read": (write_update_read, [(6, 10), (6, 10), (10, 6)]),
    "float_grid": (float_grid, [(5, 12), (5, 12)]),
    "token_after_the_writes": (token_after_the_writes, [(3, 5), (3, 5), (3, 5)]),
    "two_writers": (two_writers, [(2, 3)]),
    "leaves_and_root": (leaves_and_root, [(4, 6), (4, 6), (6,)]),
    "rows_read_as_columns": (rows_read_as_columns, [(6, 4), (6, 4), (6, 4)]),
    "whole_read_in_rows": (whole_read_in_rows, [(6, 4), (6, 4), (6, 4)]),
    "reader_first": (reader_first, [(4,), (4,)]),
    "writers_between_readers": (writers_between_readers, [(4, 3), (4, 3), (4, 3)]),
    "values_then_updates": (values_then_updates, [(2,), (3, 5)]),
    "updates_before_values": (updates_before_values, [(2,), (3, 5)]),
    "reader_waits_for_the_writer": (reader_waits_for_the_writer, [(2, 3), (2, 3), (2, 3)]),
    "read_then_updated": (read_then_updated, [(2, 3), (2, 3)]),
    "interleaved": (interleaved, [(3,)]),
}


@pytest.mark.parametrize("name", list(LADDER))
def test_the_forwarding_keeps_the_simulators_results(name):
    """The correctness ladder: the simulator gives the same arrays before and
    after the pass (which only moves blocks the simulator shares)."""
    program, shapes = LADDER[name]
    mod = dato.build(program())
    rng = np.random.default_rng(len(name))
    inputs = []
    for shape, arg in zip(shapes, mod.arguments, strict=True):
        assert arg.shape == shape
        values = rng.integers(-9, 9, shape)
        inputs.append(values.astype(arg.dtype))
    before = [a.copy() for a in inputs]
    simulate(mod.mapped, before)
    forwarded = mod.mapped.clone()
    ArrayFlowForwardingPass().apply(Context(), forwarded)
    forwarded.verify()
    assert "dato.flow_ordered" in str(forwarded)  # the pass did forward
    after = [a.copy() for a in inputs]
    simulate(forwarded, after)
    for x, y in zip(before, after, strict=True):
        assert x.tobytes() == y.tobytes()
