"""`dato.group`'s instance table is memoised; a pass that replaces one of the
attributes it is read from (pids, offsets, bindings) must see the new table."""

from xdsl.context import Context
from xdsl.dialects.builtin import DenseArrayBase, i64

import dato_xdsl as dato
from dato_xdsl import Layout, int32
from dato_xdsl.dialects import dato as dd
from dato_xdsl.transforms.virtual_mapping import VirtualMapPass

S, R = Layout.Shard, Layout.Replicate


def group() -> dd.GroupOp:
    @dato.region()
    def top(A: int32[4, 8], B: int32[4, 8]):
        @dato.kernel(mapping=[2, 2], args=[A, B])
        def k(a: int32[4, 8] @ [S(0), S(1)], b: int32[4, 8] @ [S(0), S(1)]):
            b[:, :] = a + 1

    module = dato.customize(top).scheduled_module()
    VirtualMapPass().apply(Context(), module)
    return next(op for op in module.walk() if isinstance(op, dd.GroupOp))


def test_table_follows_replaced_attributes():
    g = group()
    first = g.instances()
    # hand-computed: a 2x2 grid over 4x8 blocks of 2x4, pids row-major
    assert [i.name for i in first] == ["k_0_0", "k_0_1", "k_1_0", "k_1_1"]
    assert [i.offsets[0] for i in first] == [(0, 0), (0, 4), (2, 0), (2, 4)]
    assert g.instances() == first
    # swap the first two instances' pids and offsets in place of the attributes
    pids = [0, 1, 0, 0, 1, 0, 1, 1]
    g.properties["pids"] = DenseArrayBase.from_list(i64, pids)
    assert [i.pid for i in g.instances()] == [(0, 1), (0, 0), (1, 0), (1, 1)]
    assert g.instances()[0].name == "k_0_1"
    flat = [v for inst in first for off in inst.offsets for v in off]
    flat[0:2], flat[2:4] = [9, 9], [7, 7]  # instance 0: a, then b
    g.properties["offsets"] = DenseArrayBase.from_list(i64, flat)
    assert g.instances()[0].offsets[0] == (9, 9)
    assert g.instances()[0].offsets[1] == (7, 7)


def test_callers_get_their_own_list():
    g = group()
    rows = g.instances()
    rows.clear()
    assert len(g.instances()) == 4
