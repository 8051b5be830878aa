"""Several instances updating one array that no layout splits between them
(issue 16 item 9): the simulator's semantics, which the other targets match or
refuse (test_hls_shared_arrays.py for HLS). Expected values are computed by hand
from the rule in docs/kernel-language.md ("Several instances, one array"):

- instances start in task order (the region's), each task's in row-major pid
  order, on the mapped IR as on the task-level IR (groups that virtual mapping
  makes of a task's meta_if branches do not reorder them);
- an instance runs until it finishes or blocks on a stream (a get from an empty
  one, a put into a full one); then the next ready instance runs;
- writes go to the one host array at once: later instances read them."""

# ruff: noqa: F821  (s is a region stream)

import numpy as np

import dato_xdsl as dato
from dato_xdsl import Stream, int32
from dato_xdsl.frontend.program import compile_region
from dato_xdsl.targets.simulator.runtime import Simulator


def both_levels(top, *arrays: np.ndarray) -> list[np.ndarray]:
    """Run on the task-level IR and on the mapped IR (what the simulator target
    runs); both results must agree (the correctness ladder)."""
    task_level = [a.copy() for a in arrays]
    Simulator(compile_region(top)[0]).run(*task_level)
    dato.build(top)(*arrays)
    for a, b in zip(task_level, arrays, strict=True):
        np.testing.assert_array_equal(a, b)
    return list(arrays)


def test_instances_of_different_branches_run_in_pid_order():
    @dato.region()
    def top(C: int32[4]):
        @dato.kernel(mapping=[3], args=[C])
        def k(c: int32[4]):
            p = dato.get_pid()
            with dato.meta_if(p == 1):  # instance 1 is a group of its own when mapped
                c[0] = c[0] * 10 + 1
            with dato.meta_else():
                c[0] = c[0] * 10 + p
            c[p + 1] = c[0]

    (C,) = both_levels(top, np.zeros(4, np.int32))
    # k_0: c0 = 0, c1 = 0; k_1: c0 = 1, c2 = 1; k_2: c0 = 12, c3 = 12
    np.testing.assert_array_equal(C, [12, 0, 1, 12])


def test_a_two_dimensional_grid_runs_row_major():
    @dato.region()
    def top(C: int32[2]):
        @dato.kernel(mapping=[2, 3], args=[C])
        def k(c: int32[2]):
            i, j = dato.get_pid()
            c[0] = c[0] + i * 3 + j + 1  # every instance's update is kept
            c[1] = i * 10 + j  # the last instance's write stays

    (C,) = both_levels(top, np.zeros(2, np.int32))
    np.testing.assert_array_equal(C, [1 + 2 + 3 + 4 + 5 + 6, 12])


def test_tasks_start_in_the_regions_order():
    @dato.region()
    def top(C: int32[1]):
        @dato.kernel(mapping=[1], args=[C])
        def doubles(c: int32[1]):
            c[0] = c[0] * 2

        @dato.kernel(mapping=[1], args=[C])
        def sets(c: int32[1]):
            c[0] = 5

    (C,) = both_levels(top, np.full(1, 3, np.int32))
    np.testing.assert_array_equal(C, [5])  # doubles (3 -> 6) ran first

    @dato.region()
    def swapped(C: int32[1]):
        @dato.kernel(mapping=[1], args=[C])
        def sets(c: int32[1]):
            c[0] = 5

        @dato.kernel(mapping=[1], args=[C])
        def doubles(c: int32[1]):
            c[0] = c[0] * 2

    (C,) = both_levels(swapped, np.full(1, 3, np.int32))
    np.testing.assert_array_equal(C, [10])


def test_an_instance_blocked_on_a_stream_lets_the_next_one_run():
    @dato.region()
    def top(C: int32[3]):
        s: Stream[int32, 1]

        @dato.kernel(mapping=[2], args=[C])
        def k(c: int32[3]):
            p = dato.get_pid()
            with dato.meta_if(p == 0):
                c[0] = 1
                x: int32 = s.get()  # empty: k_1 runs now
                c[2] = x + c[0]
            with dato.meta_else():
                c[0] = c[0] + 10  # reads k_0's 1
                s.put(c[0])

    (C,) = both_levels(top, np.zeros(3, np.int32))
    # k_0: c0 = 1, blocks; k_1: c0 = 11, puts 11, ends; k_0: c2 = 11 + 11
    np.testing.assert_array_equal(C, [11, 0, 22])
