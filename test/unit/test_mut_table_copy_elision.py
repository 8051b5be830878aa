"""table_copy_elision on hand-built blocks: which uses of a local copied from a
constant table count as reads (loads, the source of a copy, a put, a linalg
input; not a store, the destination of a copy, a linalg output), where the
copy and its uses must sit (the body's top level, every use after the copy,
uses nested in loops found through their top op), what the pass then does
(uses read the table, the local and the copy go, the table takes the local's
name) and what it returns. Written from mutation testing's survivors
(tools/mutation-test table-copy-elision)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from xdsl.dialects import arith, memref, scf
from xdsl.dialects.builtin import DenseIntOrFPElementsAttr, IndexType, MemRefType, TensorType, i32
from xdsl.dialects.linalg import ops as linalg
from xdsl.ir import Block, Operation, SSAValue

from dato_xdsl.dialects import dato
from dato_xdsl.transforms.constant_tables import CONSTANT_ATTR
from dato_xdsl.transforms.table_copy_elision import elidable, elide_table_copies

T4 = MemRefType(i32, [4])


def _table(name: str | None = None) -> memref.AllocOp:
    alloc = memref.AllocOp.get(i32, shape=[4])
    values = DenseIntOrFPElementsAttr.from_list(TensorType(i32, [4]), [3, -1, 7, 2])
    alloc.attributes[CONSTANT_ATTR] = values
    alloc.results[0].name_hint = name
    return alloc


def _alloc(name: str | None = "W", shape: tuple[int, ...] = (4,)) -> memref.AllocOp:
    alloc = memref.AllocOp.get(i32, shape=list(shape))
    alloc.results[0].name_hint = name
    return alloc


class Body:
    """A block holding a table, a local, the copy between them and the uses."""

    def __init__(self, local_name: str | None = "W", table_name: str | None = None) -> None:
        self.block = Block()
        self.index = arith.ConstantOp.from_int_and_width(1, IndexType())
        self.table = _table(table_name)
        self.local = _alloc(local_name)
        self.other = _alloc("other")
        self.block.add_ops([self.index, self.table, self.local, self.other])
        self.copy = memref.CopyOp(self.table, self.local)

    def add(self, *ops: Operation) -> None:
        self.block.add_ops(ops)

    def load(self) -> memref.LoadOp:
        return memref.LoadOp.get(self.local, [self.index])


def _load_after(b: Body) -> None:
    b.add(b.copy, b.load())


def _store_after(b: Body) -> None:
    value = arith.ConstantOp.from_int_and_width(5, i32)
    b.add(b.copy, value, memref.StoreOp.get(value, b.local, [b.index]))


def _copied_from_after(b: Body) -> None:
    b.add(b.copy, memref.CopyOp(b.local, b.other))


def _copied_into_after(b: Body) -> None:
    b.add(b.copy, memref.CopyOp(b.other, b.local))


def _copied_onto_itself(b: Body) -> None:
    b.add(b.copy, memref.CopyOp(b.local, b.local))


def _put_after(b: Body) -> None:
    b.add(b.copy, dato.PutOp("s", [], b.local.results[0]))


def _linalg_input_after(b: Body) -> None:
    b.add(b.copy, linalg.AddOp([b.local.results[0], b.other.results[0]], [b.other.results[0]]))


def _linalg_output_after(b: Body) -> None:
    b.add(b.copy, linalg.AddOp([b.other.results[0], b.other.results[0]], [b.local.results[0]]))


def _load_in_a_loop_after(b: Body) -> None:
    lb = arith.ConstantOp.from_int_and_width(0, IndexType())
    loop_body = Block(arg_types=[IndexType()])
    loop_body.add_ops([memref.LoadOp.get(b.local, [loop_body.args[0]]), scf.YieldOp()])
    b.add(b.copy, lb, scf.ForOp(lb, b.index, b.index, [], loop_body))


def _load_before(b: Body) -> None:
    b.add(b.load(), b.copy)


def _copy_in_a_loop(b: Body) -> None:
    lb = arith.ConstantOp.from_int_and_width(0, IndexType())
    loop_body = Block(arg_types=[IndexType()])
    loop_body.add_ops([b.copy, scf.YieldOp()])
    b.add(lb, scf.ForOp(lb, b.index, b.index, [], loop_body), b.load())


CASES: list[tuple[Callable[[Body], None], bool]] = [
    (_load_after, True),
    (_store_after, False),
    (_copied_from_after, True),
    (_copied_into_after, False),
    (_copied_onto_itself, False),
    (_put_after, True),
    (_linalg_input_after, True),
    (_linalg_output_after, False),
    (_load_in_a_loop_after, True),
    (_load_before, False),
    (_copy_in_a_loop, False),
]


@pytest.mark.parametrize("build, expected", CASES, ids=[c[0].__name__[1:] for c in CASES])
def test_which_uses_let_the_copy_go(build: Callable[[Body], None], expected: bool) -> None:
    b = Body()
    build(b)
    assert elidable(b.copy, b.block) is expected
    table_uses = len(list(b.table.results[0].uses))
    local_uses = len(list(b.local.results[0].uses)) - 1  # but the copy
    done = elide_table_copies(b.block)
    # a copy from the local into `other` reads the table once the local is elided:
    # `other`, filled from the table and never written after, goes as well
    also = ["other"] if build is _copied_from_after else []
    assert done == (["W", *also] if expected else [])
    if expected:
        # every use of the local reads the table now; the local and copy are gone
        assert b.local.parent is None and b.copy.parent is None
        assert not b.local.results[0].uses
        assert b.table.results[0].name_hint == "W"
        if not also:  # (that second copy's use of the table went with it)
            assert len(list(b.table.results[0].uses)) == table_uses - 1 + local_uses
    else:
        assert b.copy.parent is not None and b.local.parent is b.block


def test_a_copy_from_an_ordinary_local_stays() -> None:
    b = Body()
    copy = memref.CopyOp(b.other, b.local)
    b.add(copy, b.load())
    assert not elidable(copy, b.block)
    assert elide_table_copies(b.block) == []


def test_a_copy_from_a_block_argument_stays() -> None:
    block = Block(arg_types=[T4])
    local = _alloc()
    copy = memref.CopyOp(block.args[0], local)
    block.add_ops([local, copy])
    assert not elidable(copy, block)


def test_a_copy_into_something_not_allocated_here_stays() -> None:
    # into a block argument
    block = Block(arg_types=[T4])
    table = _table()
    copy = memref.CopyOp(table, block.args[0])
    block.add_ops([table, copy])
    assert not elidable(copy, block)
    # into a local of the enclosing block
    outer = Block()
    local = _alloc()
    outer.add_op(local)
    body = Block()
    table = _table()
    copy = memref.CopyOp(table, local)
    body.add_ops([table, copy])
    assert not elidable(copy, body)
    assert elide_table_copies(body) == []


def test_a_copy_into_a_local_of_another_type_stays() -> None:
    block = Block()
    table = _table()
    local = _alloc(shape=(2, 2))
    copy = memref.CopyOp(table, local)
    block.add_ops([table, local, copy])
    assert not elidable(copy, block)


def test_every_copy_is_tried_after_one_that_stays() -> None:
    # the first copy (an ordinary local onto itself) stays; the table's copy goes
    c = Body()
    keep = memref.CopyOp(c.other, c.other)
    c.add(keep, c.copy, c.load())
    assert elide_table_copies(c.block) == ["W"]
    assert keep.parent is c.block


def test_names_returned_and_given_to_the_table() -> None:
    unnamed = Body(local_name=None)
    _load_after(unnamed)
    assert elide_table_copies(unnamed.block) == ["a local"]
    assert unnamed.table.results[0].name_hint is None
    named_table = Body(local_name="W", table_name="T")
    _load_after(named_table)
    assert elide_table_copies(named_table.block) == ["W"]
    assert named_table.table.results[0].name_hint == "T"


def test_the_loads_read_the_tables_values() -> None:
    b = Body()
    load = b.load()
    b.add(b.copy, load)
    elide_table_copies(b.block)
    source = load.memref.owner
    assert source is b.table
    values = b.table.attributes[CONSTANT_ATTR]
    assert isinstance(values, DenseIntOrFPElementsAttr)
    assert np.array(values.get_values()).tolist() == [3, -1, 7, 2]
    assert isinstance(load.memref, SSAValue)


def test_every_use_is_checked_whichever_order_the_uses_were_made_in() -> None:
    # the store is made (and becomes a use of the local) before the copy: a check
    # stopping at the copy's own use would never see it
    b = Body()
    b.copy.erase()  # the copy Body made: this test makes its own, later
    value = arith.ConstantOp.from_int_and_width(5, i32)
    store = memref.StoreOp.get(value, b.local, [b.index])
    copy = memref.CopyOp(b.table, b.local)
    b.add(copy, value, store)
    assert not elidable(copy, b.block)
    assert elide_table_copies(b.block) == []
    # a load made first, reading after the copy: the copy goes
    c = Body()
    c.copy.erase()
    load = c.load()
    copy = memref.CopyOp(c.table, c.local)
    c.add(copy, load)
    assert elidable(copy, c.block)
