"""memref_rewrite.move_access: a load or store moved to another memref at
other indices, its users and attributes kept, the old op gone."""

from __future__ import annotations

from xdsl.dialects import arith, memref
from xdsl.dialects.builtin import IndexType, StringAttr, i32
from xdsl.ir import Block

from dato_xdsl.transforms.memref_rewrite import move_access


def test_a_load_and_a_store_move_with_their_attributes() -> None:
    block = Block()
    src = memref.AllocOp.get(i32, shape=[8])
    dst = memref.AllocOp.get(i32, shape=[2, 4])
    i = arith.ConstantOp.from_int_and_width(5, IndexType())
    r = arith.ConstantOp.from_int_and_width(1, IndexType())
    c = arith.ConstantOp.from_int_and_width(1, IndexType())
    load = memref.LoadOp.get(src, [i])
    load.attributes["mark"] = StringAttr("kept")
    add = arith.AddiOp(load.res, load.res)
    store = memref.StoreOp.get(add.result, src, [i])
    store.attributes["mark"] = StringAttr("also")
    block.add_ops([src, dst, i, r, c, load, add, store])

    new_load = move_access(load, dst.memref, [r.result, c.result])
    new_store = move_access(store, dst.memref, [r.result, c.result])

    ops = list(block.ops)
    assert load not in ops and store not in ops
    assert isinstance(new_load, memref.LoadOp) and isinstance(new_store, memref.StoreOp)
    assert ops.index(new_load) < ops.index(add) < ops.index(new_store)  # in place
    assert new_load.memref is dst.memref and list(new_load.indices) == [r.result, c.result]
    assert new_store.memref is dst.memref and new_store.value is add.result
    assert add.lhs is new_load.res and add.rhs is new_load.res  # users read the new load
    assert new_load.attributes["mark"] == StringAttr("kept")
    assert new_store.attributes["mark"] == StringAttr("also")
