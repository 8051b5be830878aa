"""npu_write_boxes: the box of an unsharded output each instance stores, from
index arithmetic the mutation run found unchecked (stepped loops with a start,
a subtraction from a constant, products of two loop variables, several stores,
indices exactly at the last element and one past it, rank 3), each box
computed by hand in the test; and designs whose instances store such boxes,
run on the virtual NPU against numpy."""

from __future__ import annotations

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Layout, int32
from dato_xdsl.dialects import dato as ir
from dato_xdsl.transforms.npu_write_boxes import Box, _disjoint, shared_write_boxes, write_boxes

S, R = Layout.Shard, Layout.Replicate


def _group(region) -> ir.GroupOp:
    mapped = dato.build(region, target="simulator").mapped
    (reg,) = [op for op in mapped.walk() if isinstance(op, ir.RegionOp)]
    (group,) = list(reg.groups())
    return group


def _boxes(region, k: int) -> dict[str, Box] | None:
    return write_boxes(_group(region), k)


def stepped(M: int, N: int):
    """Worker p stores rows 1 + p, 3 + p, ... (a loop from 1 + p by 2 to
    M - 1) and columns N - 1 - n for n = 2, 4, ..., N - 1: a lattice with a
    start and a step in both dims, the columns through a subtraction."""

    @dato.region()
    def top(A: int32[M, N], C: int32[M, N]):
        @dato.kernel(mapping=[2], args=[A, C])
        def w(A: int32[M, N], C: int32[M, N]):
            p = dato.get_pid()
            for r in range(1 + p, M - 1, 2):
                for n in range(2, N, 2):
                    C[r, N - 1 - n] = A[r, n] * 2 + p

    return top


def test_a_stepped_loop_with_a_start_and_a_subtracted_index():
    # M = 12, N = 7: rows 1, 3, ..., 9 (worker 0), 2, 4, ..., 10 (worker 1);
    # n = 2, 4, 6 gives columns 4, 2, 0: offset 0, 3 columns 2 apart
    assert _boxes(stepped(12, 7), 1) == {
        "w_0": Box((1, 0), (5, 3), True, (2, 2)),
        "w_1": Box((2, 0), (5, 3), True, (2, 2)),
    }


@pytest.mark.parametrize(("M", "N"), [(12, 7), (10, 9)])
def test_stepped_lattices_on_the_npu_equal_numpy(tmp_path, M: int, N: int):
    rng = np.random.default_rng(M * 100 + N)
    A = rng.integers(-(2**20), 2**20, (M, N), dtype=np.int32)
    C = rng.integers(-(2**20), 2**20, (M, N), dtype=np.int32)
    want = C.copy()
    for p in range(2):
        for r in range(1 + p, M - 1, 2):
            for n in range(2, N, 2):
                want[r, N - 1 - n] = A[r, n] * 2 + p
    dato.build(stepped(M, N), target="aie", project=tmp_path)(A, C)
    np.testing.assert_array_equal(C, want)


def two_stores(M: int, N: int, a: int, b: int):
    """Worker p stores C[p, a] and C[p, b]: two stores, one lattice."""

    @dato.region()
    def top(A: int32[M, N], C: int32[M, N]):
        @dato.kernel(mapping=[M], args=[A, C])
        def w(A: int32[M, N], C: int32[M, N]):
            p = dato.get_pid()
            # (N and M in the body: a kernel sees the names its body uses)
            C[p, a] = A[p, N - 1] + 1
            C[p, b] = A[p, 1] - M

    return top


def test_two_stores_make_one_lattice_stepped_by_their_distance():
    # columns 1 and 7: a lattice of 2 elements 6 apart, not provably whole
    # (two stores), in either order of the stores
    want = {f"w_{p}": Box((p, 1), (1, 2), False, (1, 6)) for p in range(3)}
    assert _boxes(two_stores(3, 9, 1, 7), 1) == want
    assert _boxes(two_stores(3, 9, 7, 1), 1) == want
    # columns 2 and 8 of 11: 6 apart again, from 2
    assert _boxes(two_stores(3, 11, 8, 2), 1) == {
        f"w_{p}": Box((p, 2), (1, 2), False, (1, 6)) for p in range(3)
    }


def test_two_stores_on_the_npu_equal_numpy(tmp_path):
    rng = np.random.default_rng(5)
    A = rng.integers(-1000, 1000, (3, 9), dtype=np.int32)
    C = rng.integers(-1000, 1000, (3, 9), dtype=np.int32)
    want = C.copy()
    want[:, 1] = A[:, 8] + 1
    want[:, 7] = A[:, 1] - 3
    dato.build(two_stores(3, 9, 1, 7), target="aie", project=tmp_path)(A, C)
    np.testing.assert_array_equal(C, want)


def products():
    """C[p, r * n] for r in 1..2, n in 2..3: indices 2, 3, 4, 6, bounded by
    the products of the bounds, step 1 (a product of two variables)."""

    @dato.region()
    def top(A: int32[2, 7], C: int32[2, 7]):
        @dato.kernel(mapping=[2], args=[A, C])
        def w(A: int32[2, 7], C: int32[2, 7]):
            p = dato.get_pid()
            for r in range(1, 3):
                for n in range(2, 4):
                    C[p, r * n] = A[p, n]

    return top


def test_a_product_of_two_loop_variables_is_a_box_not_written_whole():
    assert _boxes(products(), 1) == {f"w_{p}": Box((p, 2), (1, 5), False, ()) for p in range(2)}


def scaled(c: int):
    """C[p, c * n + 1] for n < 3: a constant factor scales the step."""

    @dato.region()
    def top(A: int32[2, 16], C: int32[2, 16]):
        @dato.kernel(mapping=[2], args=[A, C])
        def w(A: int32[2, 16], C: int32[2, 16]):
            p = dato.get_pid()
            for n in range(3):
                C[p, c * n + 1] = A[p, n]

    return top


@pytest.mark.parametrize("c", [2, 5])
def test_a_constant_factor_scales_the_step(c: int):
    assert _boxes(scaled(c), 1) == {f"w_{p}": Box((p, 1), (1, 3), True, (1, c)) for p in range(2)}


def reversed_rows(M: int, P: int):
    """Worker p stores rows (P - 1 - p) * R + R - 1 - r: a subtraction of a
    loop variable from a pid expression."""
    R = M // P

    @dato.region()
    def top(A: int32[M, 3], C: int32[M, 3]):
        @dato.kernel(mapping=[P], args=[A, C])
        def w(A: int32[M, 3], C: int32[M, 3]):
            p = dato.get_pid()
            for r in range(R):
                for j in range(3):
                    C[(P - 1 - p) * R + R - 1 - r, j] = A[r, j] + p * M

    return top


def test_subtracting_a_loop_variable_from_a_pid_expression():
    # M = 12, P = 3, R = 4: worker p stores rows (2 - p) * 4 .. (2 - p) * 4 + 3
    assert _boxes(reversed_rows(12, 3), 1) == {
        f"w_{p}": Box(((2 - p) * 4, 0), (4, 3), True, ()) for p in range(3)
    }


def test_reversed_rows_on_the_npu_equal_numpy(tmp_path):
    M, P, R = 12, 3, 4
    rng = np.random.default_rng(7)
    A = rng.integers(-1000, 1000, (M, 3), dtype=np.int32)
    C = np.full((M, 3), -3, np.int32)
    want = C.copy()
    for p in range(P):
        for r in range(R):
            want[(P - 1 - p) * R + R - 1 - r] = A[r] + p * M
    dato.build(reversed_rows(M, P), target="aie", project=tmp_path)(A, C)
    np.testing.assert_array_equal(C, want)


def last_column(N: int, col: int):
    """Worker p stores C[p, col] of a C with N columns."""

    @dato.region()
    def top(A: int32[2, N], C: int32[2, N]):
        @dato.kernel(mapping=[2], args=[A, C])
        def w(A: int32[2, N], C: int32[2, N]):
            p = dato.get_pid()
            C[p, col] = A[p, N - 1]

    return top


def test_an_index_at_the_last_element_or_the_first_is_a_box():
    # (one past the last is refused by the frontend; a loop one past: below)
    for col in (4, 0):
        want = {f"w_{p}": Box((p, col), (1, 1), True, ()) for p in range(2)}
        assert _boxes(last_column(5, col), 1) == want


def loop_to(N: int, hi: int, lo: int = 0, d: int = 0):
    """Worker p stores C[p, n - d] for n in range(lo, hi)."""

    @dato.region()
    def top(A: int32[2, N], C: int32[2, N]):
        @dato.kernel(mapping=[2], args=[A, C])
        def w(A: int32[2, N], C: int32[2, N]):
            p = dato.get_pid()
            for n in range(lo, hi):
                C[p, n - d] = A[p, 0] + N

    return top


def test_a_loop_to_the_last_element_and_one_past():
    # columns 1..5 of 6: the last one included
    want = {f"w_{p}": Box((p, 1), (1, 5), True, ()) for p in range(2)}
    assert _boxes(loop_to(6, 6, 1), 1) == want
    assert _boxes(loop_to(6, 7, 2, 1), 1) == want
    # one past the end, or one before the start (n - 1 from n = 0): no box,
    # left to the checks that name the out-of-bounds store
    assert _boxes(loop_to(6, 7, 1), 1) is None
    assert _boxes(loop_to(6, 5, 0, 1), 1) is None


def single_step(N: int):
    """Worker p stores C[p, n] for n in range(2, 3, 4): one value."""

    @dato.region()
    def top(A: int32[2, N], C: int32[2, N]):
        @dato.kernel(mapping=[2], args=[A, C])
        def w(A: int32[2, N], C: int32[2, N]):
            p = dato.get_pid()
            for n in range(2, 3, 4):
                C[p, n] = A[p, n] + N

    return top


def test_a_loop_of_one_iteration_has_no_step():
    assert _boxes(single_step(5), 1) == {f"w_{p}": Box((p, 2), (1, 1), True, ()) for p in range(2)}


def diagonal():
    """C[r, r]: two indices from one loop, so not every element of the box."""

    @dato.region()
    def top(A: int32[4, 4], C: int32[2, 4, 4]):
        @dato.kernel(mapping=[2], args=[A, C])
        def w(A: int32[4, 4], C: int32[2, 4, 4]):
            p = dato.get_pid()
            for r in range(4):
                C[p, r, r] = A[r, r]

    return top


def test_two_indices_of_one_loop_are_not_written_whole():
    assert _boxes(diagonal(), 1) == {
        f"w_{p}": Box((p, 0, 0), (1, 4, 4), False, ()) for p in range(2)
    }


def rank3_strided():
    """A rank-3 lattice with a step: the box falls back to its bounding box,
    not whole (the host DMA's dims go to the blocks)."""

    @dato.region()
    def top(A: int32[2, 6, 4], C: int32[2, 6, 4]):
        @dato.kernel(mapping=[2], args=[A, C])
        def w(A: int32[2, 6, 4], C: int32[2, 6, 4]):
            p = dato.get_pid()
            for r in range(3):
                for j in range(4):
                    C[p, 2 * r + 1, j] = A[p, r, j]

    return top


def test_a_rank_3_lattice_falls_back_to_its_bounding_box():
    assert _boxes(rank3_strided(), 1) == {
        f"w_{p}": Box((p, 1, 0), (1, 5, 4), False, ()) for p in range(2)
    }


def test_rank_3_bounding_boxes_on_the_npu_equal_numpy(tmp_path):
    rng = np.random.default_rng(11)
    A = rng.integers(-1000, 1000, (2, 6, 4), dtype=np.int32)
    C = rng.integers(-1000, 1000, (2, 6, 4), dtype=np.int32)
    want = C.copy()
    for p in range(2):
        for r in range(3):
            want[p, 2 * r + 1] = A[p, r]
    dato.build(rank3_strided(), target="aie", project=tmp_path)(A, C)
    np.testing.assert_array_equal(C, want)


def test_box_elements_and_steps():
    box = Box((3, 1), (2, 4), True, (5, 2))
    assert list(box.elements(0)) == [3, 8]
    assert list(box.elements(1)) == [1, 3, 5, 7]
    plain = Box((2, 0), (3, 1), True)
    assert plain.steps() == (1, 1)
    assert list(plain.elements(0)) == [2, 3, 4]
    assert list(plain.elements(1)) == [0]


def test_lattices_are_disjoint_unless_they_share_an_element():
    # rows 0, 2 and 1, 3: interleaved, no element in both
    a = Box((0, 0), (2, 3), True, (2, 1))
    b = Box((1, 0), (2, 3), True, (2, 1))
    assert _disjoint([a, b])
    # rows 0, 2 and 2, 4: row 2 in both, columns overlapping by one
    c = Box((2, 2), (2, 3), True, (2, 1))
    assert not _disjoint([a, c])
    # the same rows, columns 0..2 and 3..5: touching, not overlapping
    d = Box((0, 3), (2, 3), True, (2, 1))
    assert _disjoint([a, d])
    # the last of three meets the first only
    e = Box((0, 2), (1, 1), True)
    assert not _disjoint([a, d, e])
    assert _disjoint([a])


def overlapping_writers(shift: int):
    """Worker p stores C[p * 2 + r, j] for r < 2 + shift: boxes of one shape
    that overlap when shift > 0."""

    @dato.region()
    def top(A: int32[8, 3], C: int32[8, 3]):
        @dato.kernel(mapping=[3], args=[A, C])
        def w(A: int32[8, 3], C: int32[8, 3]):
            p = dato.get_pid()
            for r in range(2 + shift):
                for j in range(3):
                    C[p * 2 + r, j] = A[r, j] + p

    return top


def _shared(region) -> dict:
    mapped = dato.build(region, target="simulator").mapped
    (reg,) = [op for op in mapped.walk() if isinstance(op, ir.RegionOp)]
    writes = {g.sym_name.data: [False, True] for g in reg.groups()}
    return shared_write_boxes(reg, writes)


def test_writers_whose_boxes_overlap_keep_their_blocks():
    found = _shared(overlapping_writers(0))
    (boxes,) = found.values()
    assert boxes == {f"w_{p}": Box((2 * p, 0), (2, 3), True, ()) for p in range(3)}
    # rows 0-2, 2-4, 4-6: each meets the next in one row
    assert _shared(overlapping_writers(1)) == {}


def empty_loop():
    """A store in a loop of no iteration beside one at column 0."""

    @dato.region()
    def top(A: int32[2, 6], C: int32[2, 6]):
        @dato.kernel(mapping=[2], args=[A, C])
        def w(A: int32[2, 6], C: int32[2, 6]):
            p = dato.get_pid()
            for n in range(3, 3):
                C[p, n] = A[p, n]
            C[p, 0] = A[p, 1]

    return top


def loop_to_data():
    """A store in a loop whose bound is read from A."""

    @dato.region()
    def top(A: int32[2, 6], C: int32[2, 6]):
        @dato.kernel(mapping=[2], args=[A, C])
        def w(A: int32[2, 6], C: int32[2, 6]):
            p = dato.get_pid()
            for n in range(A[0, 0]):
                C[p, n] = A[p, n]

    return top


def loop_stepped_by_data():
    """A store in a loop whose step is read from A."""

    @dato.region()
    def top(A: int32[2, 6], C: int32[2, 6]):
        @dato.kernel(mapping=[2], args=[A, C])
        def w(A: int32[2, 6], C: int32[2, 6]):
            p = dato.get_pid()
            for n in range(0, 6, A[0, 0]):
                C[p, n] = A[p, n]

    return top


def test_stores_in_an_empty_loop_or_one_bounded_by_data_have_no_box():
    assert _boxes(empty_loop(), 1) is None
    assert _boxes(loop_to_data(), 1) is None
    assert _boxes(loop_stepped_by_data(), 1) is None


def test_an_index_cast_of_a_loop_variable_keeps_its_lattice():
    # the frontend casts through a local, which the analysis does not follow;
    # a cast of the loop variable itself (xDSL-built) keeps its lattice
    from xdsl.dialects import arith, scf
    from xdsl.dialects.builtin import IndexType, i32
    from xdsl.ir import Block

    from dato_xdsl.transforms.npu_write_boxes import _one_loop, index_lattice

    bounds = [arith.ConstantOp.from_int_and_width(v, IndexType()) for v in (1, 8, 3)]
    body = Block(arg_types=[IndexType()])
    to_i32 = arith.IndexCastOp(body.args[0], i32)
    back = arith.IndexCastOp(to_i32.result, IndexType())
    body.add_ops([to_i32, back, scf.YieldOp()])
    loop = scf.ForOp(*(b.result for b in bounds), [], body)
    # 1, 4, 7
    assert index_lattice(back.result, ()) == (1, 7, 3)
    assert index_lattice(to_i32.result, ()) == (1, 7, 3)
    assert _one_loop(back.result, ()) is loop


def single_writer():
    @dato.region()
    def top(A: int32[4, 3], C: int32[4, 3]):
        @dato.kernel(mapping=[1], args=[A, C])
        def w(A: int32[4, 3], C: int32[4, 3]):
            for r in range(4):
                for j in range(3):
                    C[r, j] = A[r, j] + 1

    return top


def sharded_writers():
    @dato.region()
    def top(A: int32[4, 3], C: int32[4, 3]):
        @dato.kernel(mapping=[2], args=[A, C])
        def w(a: int32[4, 3] @ [S(0), R], c: int32[4, 3] @ [S(0), R]):
            for r in range(2):
                for j in range(3):
                    c[r, j] = a[r, j] + 1

    return top


def test_a_single_writer_or_writers_of_their_own_blocks_share_nothing():
    # one instance: its block is its own; sharded: each writes its own block
    assert _shared(single_writer()) == {}
    assert _shared(sharded_writers()) == {}


def two_strided_stores():
    """Worker p stores C[p, 6n] for n < 2 and C[p, 4]: columns 0, 4 and 6, one
    lattice of step gcd(6, 4) = 2 (columns 0, 2, 4, 6; 2 is not written)."""

    @dato.region()
    def top(A: int32[2, 8], C: int32[2, 8]):
        @dato.kernel(mapping=[2], args=[A, C])
        def w(A: int32[2, 8], C: int32[2, 8]):
            p = dato.get_pid()
            for n in range(2):
                C[p, 6 * n] = A[p, n] + 1
            C[p, 4] = A[p, 7] * 2

    return top


def test_the_union_of_two_stores_keeps_both_steps(tmp_path):
    assert _boxes(two_strided_stores(), 1) == {
        f"w_{p}": Box((p, 0), (1, 4), False, (1, 2)) for p in range(2)
    }
    rng = np.random.default_rng(21)
    A = rng.integers(-1000, 1000, (2, 8), dtype=np.int32)
    C = rng.integers(-1000, 1000, (2, 8), dtype=np.int32)
    want = C.copy()
    want[:, 0] = A[:, 0] + 1
    want[:, 6] = A[:, 1] + 1
    want[:, 4] = A[:, 7] * 2
    dato.build(two_strided_stores(), target="aie", project=tmp_path)(A, C)
    np.testing.assert_array_equal(C, want)


def two_stepped_stores():
    """Worker p stores C[p, 6n] for n < 3 and C[p, 10n + 15] for n < 2:
    columns 0, 6, 12, 15, 25. Each lattice's step shares a factor with their
    distance (6 and 15: 3; 10 and 15: 5) but all three only 1, so the union's
    step is 1 whichever store comes first."""

    @dato.region()
    def top(A: int32[2, 26], C: int32[2, 26]):
        @dato.kernel(mapping=[2], args=[A, C])
        def w(A: int32[2, 26], C: int32[2, 26]):
            p = dato.get_pid()
            for n in range(3):
                C[p, 6 * n] = A[p, n] + 1
            for n in range(2):
                C[p, 10 * n + 15] = A[p, n + 20] * 2

    return top


def test_the_union_step_divides_both_steps_and_their_distance(tmp_path):
    assert _boxes(two_stepped_stores(), 1) == {
        f"w_{p}": Box((p, 0), (1, 26), False, ()) for p in range(2)
    }
    rng = np.random.default_rng(22)
    A = rng.integers(-1000, 1000, (2, 26), dtype=np.int32)
    C = rng.integers(-1000, 1000, (2, 26), dtype=np.int32)
    want = C.copy()
    for n in range(3):
        want[:, 6 * n] = A[:, n] + 1
    for n in range(2):
        want[:, 10 * n + 15] = A[:, n + 20] * 2
    dato.build(two_stepped_stores(), target="aie", project=tmp_path)(A, C)
    np.testing.assert_array_equal(C, want)
