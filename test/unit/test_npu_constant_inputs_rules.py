"""dato-npu-constant-inputs' decisions on hand-written bodies, against values
worked out by hand: which tables go to the host (their bytes together over
the budget, the largest first; only-read tables of DMA-movable types), which
are read by columns (transposed), which rows are padded to whole 32-bit words
and with what, and what the transposed and padded values are."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest
from xdsl.dialects import memref
from xdsl.dialects.builtin import (
    BFloat16Type,
    DenseIntOrFPElementsAttr,
    ModuleOp,
    TensorType,
    i8,
    i32,
)

from dato_xdsl.dialects import dato
from dato_xdsl.driver import DatoOptMain, LocatingParser
from dato_xdsl.transforms.npu_constant_inputs import (
    chosen_tables,
    column_order,
    hostable,
    padded,
    transposed,
    word_rows,
)


def parse(text: str) -> ModuleOp:
    return LocatingParser(DatoOptMain([]).ctx, text, "rules.mlir").parse_module()


def group_of(body: str, tables: str) -> dato.GroupOp:
    """One group over %y: memref<4xi32> whose body declares `tables` then runs `body`."""
    module = parse(f"""
dato.region @r(%Y: memref<4xi32>) {{
  dato.group @t of @t grid [1] (%Y : memref<4xi32>) ports [] instances [
    @t_0 pid [0] offsets [[0]] streams []
  ] {{
  ^bb0(%y: memref<4xi32>):
    {tables}
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    {body}
  }}
}}
""")
    return next(op for op in module.walk() if isinstance(op, dato.GroupOp))


def tables_of(group: dato.GroupOp) -> dict[str, memref.AllocOp]:
    return {
        op.memref.name_hint: op
        for op in group.body.walk()
        if isinstance(op, memref.AllocOp) and op.memref.name_hint
    }


def table(name: str, shape: str, elem: str = "i32", value: str = "1") -> str:
    return (
        f"%{name} = memref.alloc() {{dato.constant = dense<{value}> : tensor<{shape}x{elem}>}} "
        f": memref<{shape}x{elem}>"
    )


LOADS = """
    scf.for %k = %c0 to %c2 step %c1 {{
      scf.for %j = %c0 to %c2 step %c1 {{
        {loads}
      }}
    }}"""


def test_the_largest_tables_go_until_the_rest_fit():
    # 48 + 32 + 16 bytes: budget 64 takes A (48) out, 48 left; budget 40 takes
    # A and B, 16 left; budget 96 takes none
    loads = "\n".join(
        f"%{n}v = memref.load %{n}[%k, %j] : memref<{s}xi32>"
        for n, s in (("A", "3x4"), ("B", "2x4"), ("C", "1x4"))
    )
    g = group_of(
        LOADS.format(loads=loads),
        "\n".join([table("C", "1x4"), table("A", "3x4"), table("B", "2x4")]),
    )
    names = lambda ops: [op.memref.name_hint for op in ops]  # noqa: E731
    assert names(chosen_tables(g, 64)) == ["A"]
    assert names(chosen_tables(g, 40)) == ["A", "B"]  # in body order
    assert names(chosen_tables(g, 96)) == []
    assert names(chosen_tables(g, 0)) == ["C", "A", "B"]


def test_a_table_the_body_writes_beyond_its_fill_stays_and_still_counts():
    # a linalg.fill writes W (not a store: no fill of a table): not hostable;
    # its 48 bytes still count, so at budget 40 the 32-byte B goes, W stays
    body = """
    %z = arith.constant 0 : i32
    linalg.fill ins(%z : i32) outs(%W : memref<3x4xi32>)
    %b = memref.load %B[%c0, %c0] : memref<2x4xi32>"""
    g = group_of(body, "\n".join([table("W", "3x4"), table("B", "2x4")]))
    t = tables_of(g)
    assert not hostable(t["W"]) and hostable(t["B"])
    assert [op.memref.name_hint for op in chosen_tables(g, 40)] == ["B"]


def test_64_bit_tables_and_f16_stay():
    g = group_of("", "\n".join([table("L", "2x2", "i64"), table("H", "2x2", "f16", "1.0")]))
    t = tables_of(g)
    assert not hostable(t["L"]) and not hostable(t["H"])


@pytest.mark.parametrize(
    "loads, by_columns",
    [
        ("%v = memref.load %T[%k, %j] : memref<2x2xi32>", False),  # rows: k is the top loop
        ("%v = memref.load %T[%j, %k] : memref<2x2xi32>", True),  # columns: k indexes them
        ("%v = memref.load %T[%k, %k] : memref<2x2xi32>", False),  # the diagonal
        (
            "%v = memref.load %T[%j, %k] : memref<2x2xi32>\n"
            "%w = memref.load %T[%k, %j] : memref<2x2xi32>",
            False,
        ),  # one load by rows
    ],
)
def test_column_order_is_the_top_loop_indexing_every_column_and_no_row(loads, by_columns):
    g = group_of(LOADS.format(loads=loads), table("T", "2x2"))
    assert column_order(tables_of(g)["T"], g.body.block) is by_columns


def test_loads_in_two_top_loops_or_a_copy_are_not_column_order():
    two = (
        LOADS.format(loads="%v = memref.load %T[%j, %k] : memref<2x2xi32>")
        + "\n"
        + LOADS.format(loads="%w = memref.load %T[%j, %k] : memref<2x2xi32>")
    )
    g = group_of(two, table("T", "2x2"))
    assert not column_order(tables_of(g)["T"], g.body.block)
    copy = """
    %L = memref.alloc() : memref<2x2xi32>
    "memref.copy"(%T, %L) : (memref<2x2xi32>, memref<2x2xi32>) -> ()"""
    g = group_of(copy, table("T", "2x2"))
    assert not column_order(tables_of(g)["T"], g.body.block)


@pytest.mark.parametrize(
    "shape, elem, width",
    [
        ("4x18", "i8", 20),  # 18 bytes -> 20
        ("4x20", "i8", None),  # whole words already
        ("4x17", "i8", 20),
        ("3x5", "i16", 6),  # 10 bytes -> 12
        ("3x5", "i32", None),
        ("2x3", "bf16", 4),
        ("7", "i8", 8),  # rank 1: its one row
    ],
)
def test_rows_are_padded_to_whole_words(shape, elem, width):
    g = group_of("", table("T", shape, elem, "1" if elem != "bf16" else "1.0"))
    alloc = tables_of(g)["T"]
    assert word_rows(alloc, alloc.memref.type) == width


def test_rows_a_copy_reads_whole_are_not_padded():
    copy = """
    %L = memref.alloc() : memref<4x18xi8>
    "memref.copy"(%T, %L) : (memref<4x18xi8>, memref<4x18xi8>) -> ()"""
    g = group_of(copy, table("T", "4x18", "i8"))
    alloc = tables_of(g)["T"]
    assert word_rows(alloc, alloc.memref.type) is None


def test_transposed_and_padded_values():
    values = DenseIntOrFPElementsAttr.from_list(TensorType(i32, [2, 3]), [1, 2, 3, 4, 5, 6])
    t = transposed(values)
    assert t.get_shape() == (3, 2) and list(t.get_values()) == [1, 4, 2, 5, 3, 6]
    bytes_ = DenseIntOrFPElementsAttr.from_list(TensorType(i8, [2, 3]), [1, -2, 3, -4, 5, -6])
    p = padded(bytes_, 4)
    assert p.get_shape() == (2, 4) and list(p.get_values()) == [1, -2, 3, 0, -4, 5, -6, 0]
    # the bf16 values survive both, bit for bit
    halves = np.array([1.5, -0.375, 3.0, 0.1], ml_dtypes.bfloat16)
    bf = DenseIntOrFPElementsAttr.from_list(
        TensorType(BFloat16Type(), [2, 2]), [float(v) for v in halves]
    )
    back = np.array(list(padded(transposed(bf), 4).get_values()), ml_dtypes.bfloat16)
    want = np.array([1.5, 3.0, 0, 0, -0.375, 0.1, 0, 0], ml_dtypes.bfloat16)
    assert back.tobytes() == want.tobytes()
