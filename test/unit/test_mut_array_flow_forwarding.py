"""dato-array-flow-forwarding's refusals, each as the user reads it (the whole
message, its locations reduced to file:L:C): writers of overlapping blocks at
different places, two writers of one block that others read elsewhere, an
interleaving the simulator's replay shows (a reader before a writer, two
writers of one element), and the structural rule where the streams cannot be
replayed. The mutation run found only parts of these messages checked, and
the overlapping writers never built."""

# ruff: noqa: F821  (s is a region stream)

import re

import numpy as np
import pytest
from xdsl.context import Context

import dato_xdsl as dato
from dato_xdsl import Layout, Stream, int32
from dato_xdsl.diagnostics import LocatedDiagnostic
from dato_xdsl.dialects import dato as ir
from dato_xdsl.frontend.build import compile_region
from dato_xdsl.transforms.array_flow_forwarding import ArrayFlowForwardingPass
from test.unit.test_npu_array_flows import (
    interleaved_in_a_loop,
    leaves_and_root,
    tokens_counted_at_run_time,
    two_writers,
    updates_in_turn,
    write_update_read,
)

S, R = Layout.Shard, Layout.Replicate
HERE = __file__
FLOWS = HERE.replace("test_mut_array_flow_forwarding.py", "test_npu_array_flows.py")
INTERLEAVING = (
    ", empty, between its accesses to C, while {b} makes its own: an interleaving the NPU "
    "cannot follow (each task runs whole on its core); make its accesses to the array come "
    "together, or pass the data through a stream"
)


def _refusal(program, tmp_path) -> str:
    with pytest.raises(dato.DatoIRError) as info:
        dato.build(program, target="aie", project=tmp_path)
    return re.sub(r":\d+:\d+", ":L:C", str(info.value))


def overlapping_writers():
    """w writes B's rows in two halves, v all of B: v_0's block overlaps
    w_0's at another place; r reads B."""

    @dato.region()
    def top(A: int32[4, 3], B: int32[4, 3], C: int32[4, 3]):
        @dato.kernel(mapping=[2], args=[A, B])
        def w(a: int32[4, 3] @ [S(0), R], b: int32[4, 3] @ [S(0), R]):
            for i in range(2):
                for j in range(3):
                    b[i, j] = a[i, j] + 1

        @dato.kernel(mapping=[1], args=[B])
        def v(b: int32[4, 3]):
            for i in range(4):
                for j in range(3):
                    b[i, j] = b[i, j] * 2

        @dato.kernel(mapping=[1], args=[B, C])
        def r(b: int32[4, 3], c: int32[4, 3]):
            for i in range(4):
                for j in range(3):
                    c[i, j] = b[i, j] - 1

    return top


def test_writers_of_overlapping_blocks_at_different_places_are_refused(tmp_path):
    assert _refusal(overlapping_writers(), tmp_path) == (
        f"{HERE}:L:C: error: 'dato.group' op w_0 and v_0 write overlapping blocks of B at "
        "different places (offsets [0, 0] size [2, 3], offsets [0, 0] size [4, 3]): the NPU "
        "forwards blocks from task to task, so writers of one part must share one block"
    )


def one_block_written_twice_read_in_rows(rows: int):
    """Both w instances update all of B; r reads it in halves of `rows` rows."""

    @dato.region()
    def top(A: int32[6, 3], B: int32[6, 3], C: int32[6, 3]):
        @dato.kernel(mapping=[2], args=[A, B])
        def w(a: int32[6, 3], b: int32[6, 3]):
            p = dato.get_pid()
            for i in range(6):
                for j in range(3):
                    b[i, j] = b[i, j] * 2 + a[i, j] + p

        @dato.kernel(mapping=[2], args=[B, C])
        def r(b: int32[6, 3] @ [S(0), R], c: int32[6, 3] @ [S(0), R]):
            for i in range(rows):
                for j in range(3):
                    c[i, j] = b[i, j] - 1

    return top


def test_one_block_of_two_writers_read_at_other_places_is_refused(tmp_path):
    assert _refusal(one_block_written_twice_read_in_rows(3), tmp_path) == (
        f"{HERE}:L:C: error: 'dato.group' op w_0 and w_1 both write the block of B at "
        "offsets [0, 0] size [6, 3], which other tasks read at other places: the NPU forwards "
        "a block either along one block's writers or from disjoint writers to their readers, "
        "not both"
    )


def reader_first():
    """k_0 reads C[0] between gets, k_1 updates C from C[1] between puts:
    k_0 (a reader only) waits inside its loop while k_1 writes."""

    @dato.region()
    def top(C: int32[2], D: int32[2]):
        s: Stream[int32, 1]

        @dato.kernel(mapping=[2], args=[C, D])
        def k(c: int32[2], d: int32[2]):
            p = dato.get_pid()
            with dato.meta_if(p == 0):
                for i in range(2):
                    x: int32 = s.get()
                    d[i] = c[0] + x
            with dato.meta_else():
                for i in range(2):
                    c[0] = c[1] + i
                    s.put(i)

    return top


def test_a_reader_waiting_between_its_reads_while_a_writer_writes_is_refused(tmp_path):
    # the writer named first: k_1 writes C, k_0 (which only reads) reads it
    assert _refusal(reader_first(), tmp_path) == (
        f"{HERE}:L:C: error: 'dato.group' op k_1 writes C and k_0 reads it, and in the "
        f"simulator k_0 waits to get from @s (at {HERE}:L:C)" + INTERLEAVING.format(b="k_1")
    )


def both_write():
    """k_0 and k_1 both store C[0] (no reads), k_0 between gets, k_1 between
    puts; r reads C after them (writers alone are left to the output checks)."""

    @dato.region()
    def top(C: int32[2], D: int32[2]):
        s: Stream[int32, 1]

        @dato.kernel(mapping=[2], args=[C])
        def k(c: int32[2]):
            p = dato.get_pid()
            with dato.meta_if(p == 0):
                for _i in range(2):
                    x: int32 = s.get()
                    c[0] = x * 10
            with dato.meta_else():
                for i in range(2):
                    c[0] = i + 3
                    s.put(i)

        @dato.kernel(mapping=[1], args=[C, D])
        def r(c: int32[2], d: int32[2]):
            d[0] = c[0]
            d[1] = c[1]

    return top


def test_two_writers_of_one_element_interleaved_are_refused(tmp_path):
    assert _refusal(both_write(), tmp_path) == (
        f"{HERE}:L:C: error: 'dato.group' op k_0 and k_1 both write block [0] of C, and in "
        f"the simulator k_0 waits to get from @s (at {HERE}:L:C)" + INTERLEAVING.format(b="k_1")
    )


def test_a_writer_waiting_between_its_writes_while_a_reader_reads_is_refused(tmp_path):
    assert _refusal(interleaved_in_a_loop(), tmp_path) == (
        f"{FLOWS}:L:C: error: 'dato.group' op k_0 writes C and k_1 reads it, and in the "
        f"simulator k_0 waits to get from @s (at {FLOWS}:L:C)" + INTERLEAVING.format(b="k_1")
    )


def test_the_structural_rule_names_the_stream_and_the_last_access(tmp_path):
    assert _refusal(tokens_counted_at_run_time(False), tmp_path) == (
        f"{FLOWS}:L:C: error: 'dato.group' op w_0 writes B and r_0 reads it, and r_0 may get "
        f"from @tok (at {FLOWS}:L:C) before its last access to B (at {FLOWS}:L:C) (its puts "
        "and gets are not static, so the compiler cannot replay the simulator's order): the "
        "simulator can switch to w_0 at that stream, an interleaving the NPU cannot follow "
        "(each task runs whole on its core); make its accesses to the array come first, or "
        "pass the data through a stream"
    )


def interleaved_twice():
    """k_0 writes C[0] and waits; k_1 updates C[0], puts it and waits to put
    again; k_0 reads it into C[2] and waits; k_1 puts and ends; k_0 writes
    C[1]: k_0's last two runs come in consecutive turns of its own, after
    k_1's, and are one run (the block passes k_0 -> k_1 -> k_0 once)."""

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
                y: int32 = s.get()
                c[1] = y + c[2]
            with dato.meta_else():
                c[0] = c[0] + 10
                s.put(c[0])
                s.put(c[0] - 6)

    return top


@pytest.mark.parametrize("target", ["simulator", "aie"])
def test_runs_of_one_instance_in_consecutive_turns_are_joined(target, tmp_path):
    C = np.array([0, 4, 0], np.int32)
    kwargs = {"project": tmp_path} if target == "aie" else {}
    dato.build(interleaved_twice(), target=target, **kwargs)(C)
    # k_0: c0 = 1; k_1: c0 = 11, puts 11; k_0: c2 = 11 + 11; k_1: puts 5;
    # k_0: c1 = 5 + 22
    np.testing.assert_array_equal(C, [11, 27, 22])


def test_the_pass_before_virtual_mapping_names_the_first_task():
    module, _ = compile_region(overlapping_writers())
    with pytest.raises(LocatedDiagnostic) as info:
        ArrayFlowForwardingPass().apply(Context(), module)
    assert re.sub(r":\d+:\d+", ":L:C", str(info.value)) == (
        f"{HERE}:L:C: error: 'dato.task' op run dato-virtual-map before dato-array-flow-forwarding"
    )


def _after_the_pass(program) -> dict[str, tuple[list[str], dict[str, tuple[str, ...]]]]:
    module = dato.build(program(), target="simulator").mapped.clone()
    ArrayFlowForwardingPass().apply(Context(), module)
    return {
        g.sym_name.data: (
            [p.data for p in g.ports.data],
            {i.name: tuple(i.bindings) for i in g.instances()},
        )
        for g in module.walk()
        if isinstance(g, ir.GroupOp)
    }


def test_the_groups_ports_and_streams_a_chain_of_updates_gets():
    # w writes B, acc_0..2 update it in turn (acc_2, the last writer, apart:
    # it sends B to the host), r reads it: a port from the previous member
    # and one to the next, each bound to its own stream
    assert _after_the_pass(write_update_read) == {
        "w": (["b_to_next"], {"w_0": ("w_0_B_to_acc_0",)}),
        "acc": (
            ["b_from_previous", "b_to_next"],
            {
                "acc_0": ("w_0_B_to_acc_0", "acc_0_B_to_acc_1"),
                "acc_1": ("acc_0_B_to_acc_1", "acc_1_B_to_acc_2"),
            },
        ),
        "acc_part1": (
            ["b_from_previous", "b_to_next"],
            {"acc_2": ("acc_1_B_to_acc_2", "acc_2_B_to_r_0")},
        ),
        "r": (["b_from_previous"], {"r_0": ("acc_2_B_to_r_0",)}),
    }
    # two writers of one block: the second (the last writer) gets it
    assert _after_the_pass(two_writers) == {
        "k": (["c_to_next"], {"k_0": ("k_0_C_to_k_1",)}),
        "k_part1": (["c_from_previous"], {"k_1": ("k_0_C_to_k_1",)}),
    }
    # disjoint writers to one reader: a part each
    assert _after_the_pass(leaves_and_root) == {
        "leaf": (["p_to_next"], {f"leaf_{i}": (f"leaf_{i}_P_to_root_0",) for i in range(4)}),
        "root": (
            ["p_part", "p_part_1", "p_part_2", "p_part_3"],
            {"root_0": tuple(f"leaf_{i}_P_to_root_0" for i in range(4))},
        ),
    }


@pytest.mark.parametrize(
    ("primitive", "message"),
    [
        # chained k_1, k_0, k_2, k_3: k_1 runs before k_0, which the simulator runs first
        (
            ("chain", ["k_1", "k_0", "k_2", "k_3"]),
            "k_1 shares C with other tasks, and a chain runs it before instances the simulator "
            "runs first: chain them in the simulator's order (tasks in the region's order, pids "
            "row-major)",
        ),
        (
            ("bundle", ["k_2", "k_3"]),
            "k_2 shares C with other tasks and is in a bundle: the compiler forwards the block "
            "from task to task, and instances of one body taking turns on a core cannot pass it "
            "on; chain them instead",
        ),
    ],
)
def test_primitives_against_the_forwarding_are_refused_whole(primitive, message, tmp_path):
    with pytest.raises(dato.DatoIRError) as info:
        dato.build(
            updates_in_turn(), target="aie", project=tmp_path, mapping_primitives=[primitive]
        )
    text = re.sub(r":\d+:\d+", ":L:C", str(info.value))
    assert text == f"{FLOWS}:L:C: error: 'dato.group' op {message}"


def writer_waits_on_a_full_stream():
    """k_0 updates C[0] and puts, in a loop: its second put finds the stream
    (depth 1) full while k_1 reads C[0] between its gets."""

    @dato.region()
    def top(C: int32[2], D: int32[2]):
        s: Stream[int32, 1]

        @dato.kernel(mapping=[2], args=[C, D])
        def k(c: int32[2], d: int32[2]):
            p = dato.get_pid()
            with dato.meta_if(p == 0):
                for i in range(2):
                    c[0] = c[0] + i
                    s.put(i)
            with dato.meta_else():
                for i in range(2):
                    x: int32 = s.get()
                    d[i] = c[0] + x

    return top


def test_a_writer_waiting_on_a_full_stream_is_refused(tmp_path):
    assert _refusal(writer_waits_on_a_full_stream(), tmp_path) == (
        f"{HERE}:L:C: error: 'dato.group' op k_0 writes C and k_1 reads it, and in the "
        f"simulator k_0 waits to put on @s (at {HERE}:L:C), full, between its accesses to C, "
        "while k_1 makes its own: an interleaving the NPU cannot follow (each task runs whole "
        "on its core); make its accesses to the array come together, or pass the data through "
        "a stream"
    )


def both_resume_after_waiting():
    """As interleaved_twice, and k_1 updates C[1] after its second put: the
    replay must resume k_1 where it waited (its update comes after k_0's
    C[2] and before k_0's C[1], which reads it)."""

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
                y: int32 = s.get()
                c[1] = y + c[2] + c[1]
            with dato.meta_else():
                c[0] = c[0] + 10
                s.put(c[0])
                s.put(c[0] - 6)
                c[1] = c[1] * 3

    return top


@pytest.mark.parametrize("target", ["simulator", "aie"])
def test_the_replay_resumes_each_instance_where_it_waited(target, tmp_path):
    C = np.array([0, 4, 0], np.int32)
    kwargs = {"project": tmp_path} if target == "aie" else {}
    dato.build(both_resume_after_waiting(), target=target, **kwargs)(C)
    # k_0: c0 = 1; k_1: c0 = 11, puts 11; k_0: c2 = 22; k_1: puts 5, c1 = 12;
    # k_0: c1 = 5 + 22 + 12
    np.testing.assert_array_equal(C, [11, 39, 22])
