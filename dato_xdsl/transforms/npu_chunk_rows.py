"""`dato-npu-chunk-rows`: a 1-D array its tasks touch a chunk at a time
(`a[c * CH + i]`, `i` a loop over the chunk) is seen as rows of CH elements,
so each chunk can reach its core as one row.

A pipeline lane walking its 512 KiB shard of a signal in 4 KiB chunks
(`for c: for i in range(CH): ... a[c * CH + i]`) held the whole shard in its
core: dato-npu-stream-reads streams a 1-D block only when one loop walks it
element by element, and a 2-D block by rows when a loop's iteration `r`
touches row `r`. Viewed as an NC x CH array, the lane's accesses are
`a[c, i]`: row `c` in iteration `c` of the chunk loop, which stream-reads
streams (two rows of CH elements in the core) and, for an output stored
whole chunk by chunk, streams out the same way.

The array is reshaped when every access of every task to it is a load or
store at `X * CH + i` (`X` any index, `i` the variable of a loop running
from 0 by a positive step to at most CH: the element is in row `X`, column
`i`), every task's block and every instance's offset are whole rows, a row
is whole 32-bit DMA words and the array has more than two rows. The host's
array keeps its layout: rows of CH elements laid end to end are the same
bytes. Only for arrays some task using them does not fit its share of the
tile whole (dato-npu-stream-reads' budget); others keep their shape."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, memref, scf
from xdsl.dialects.builtin import DenseArrayBase, IntegerAttr, MemRefType, ModuleOp, i64
from xdsl.ir import BlockArgument, SSAValue
from xdsl.passes import ModulePass

from dato_xdsl.dialects import dato
from dato_xdsl.dialects.aie import element_bits
from dato_xdsl.transforms.group_bytes import group_bytes
from dato_xdsl.transforms.memref_rewrite import move_access
from dato_xdsl.transforms.npu_stream_reads import ROW_DEPTH, region_budget

WORD_BITS = 32


def _const(v: SSAValue) -> int | None:
    owner = v.owner
    if isinstance(owner, arith.ConstantOp) and isinstance(owner.value, IntegerAttr):
        return owner.value.value.data
    return None


def _column_loop(v: SSAValue) -> int | None:
    """The most iterations' worth of columns `v` spans when it is the
    variable of an `scf.for` from 0 by a positive step (its upper bound),
    else None."""
    if not isinstance(v, BlockArgument):
        return None
    loop = v.owner.parent_op()
    if not isinstance(loop, scf.ForOp) or loop.body.block.args[0] is not v:
        return None
    lb, ub, step = (_const(x) for x in (loop.lb, loop.ub, loop.step))
    if lb != 0 or ub is None or step is None or step <= 0:
        return None
    return ub


def _split(index: SSAValue) -> tuple[SSAValue, int, SSAValue] | None:
    """(X, CH, i) with index == X * CH + i, `i` a loop variable of a loop
    from 0 to at most CH (_column_loop), or None."""
    owner = index.owner
    if not isinstance(owner, arith.AddiOp):
        return None
    for prod, col in ((owner.lhs, owner.rhs), (owner.rhs, owner.lhs)):
        mul = prod.owner
        if not isinstance(mul, arith.MuliOp):
            continue
        for x, c in ((mul.lhs, mul.rhs), (mul.rhs, mul.lhs)):
            ch = _const(c)
            most = _column_loop(col)
            if ch is not None and ch > 0 and most is not None and most <= ch:
                return x, ch, col
    return None


def _accesses(arg: SSAValue) -> list[memref.LoadOp | memref.StoreOp] | None:
    out: list[memref.LoadOp | memref.StoreOp] = []
    for use in arg.uses:
        op = use.operation
        if isinstance(op, memref.LoadOp) and op.memref is arg:
            out.append(op)
        elif isinstance(op, memref.StoreOp) and op.memref is arg and op.value is not arg:
            out.append(op)
        else:
            return None
    return out


def _chunk(region: dato.RegionOp, k: int) -> int | None:
    """The chunk of region argument `k` when it may be reshaped (see the
    module), else None."""
    host = region.args[k]
    t = host.type
    if not isinstance(t, MemRefType) or len(t.get_shape()) != 1:
        return None
    n = t.get_shape()[0]
    chunks: set[int] = set()
    for use in host.uses:
        group = use.operation
        if not isinstance(group, dato.GroupOp):
            return None
        j = use.index
        arg = group.body.block.args[j]
        accesses = _accesses(arg)
        if accesses is None:
            return None
        for op in accesses:
            split = _split(op.indices[0])
            if split is None:
                return None
            chunks.add(split[1])
        bt = arg.type
        assert isinstance(bt, MemRefType)
        for ch in chunks:
            if bt.get_shape()[0] % ch or any(inst.offsets[j][0] % ch for inst in group.instances()):
                return None
    if len(chunks) != 1:
        return None
    ch = chunks.pop()
    if n % ch or ch * element_bits(t.element_type) % WORD_BITS or n // ch <= ROW_DEPTH:
        return None
    return ch


def _reshape(region: dato.RegionOp, k: int, ch: int) -> None:
    host = region.args[k]
    t = host.type
    assert isinstance(t, MemRefType)
    users = [(use.operation, use.index) for use in host.uses]
    # the offsets as rows, read while the ranks are the old ones
    tables: dict[int, list[list[tuple[int, ...]]]] = {}
    for group, j in users:
        assert isinstance(group, dato.GroupOp)
        rows = []
        for inst in group.instances():
            offs = list(inst.offsets)
            offs[j] = (offs[j][0] // ch, 0)
            rows.append(offs)
        tables[id(group)] = rows
    block = region.body.block
    fresh = block.insert_arg(MemRefType(t.element_type, [t.get_shape()[0] // ch, ch]), k)
    fresh.name_hint = host.name_hint
    host.replace_all_uses_with(fresh)
    block.erase_arg(host)
    for group, j in users:
        assert isinstance(group, dato.GroupOp)
        body = group.body.block
        old = body.args[j]
        bt = old.type
        assert isinstance(bt, MemRefType)
        new = body.insert_arg(MemRefType(bt.element_type, [bt.get_shape()[0] // ch, ch]), j)
        new.name_hint = old.name_hint
        for op in _accesses(old) or []:
            split = _split(op.indices[0])
            assert split is not None
            x, _, col = split
            move_access(op, new, [x, col])
        body.erase_arg(old)
        flat = [v for offs in tables[id(group)] for o in offs for v in o]
        group.offsets = DenseArrayBase.from_list(i64, flat)


def chunk_region_rows(region: dato.RegionOp, budget: int) -> list[int]:
    """Reshape the region's 1-D arrays read or written by chunks (see the
    module) used by a task over `budget`; their indices."""
    done: list[int] = []
    for k in range(len(region.args)):
        host = region.args[k]
        if not any(
            isinstance(u.operation, dato.GroupOp) and group_bytes(u.operation) > budget
            for u in host.uses
        ):
            continue
        ch = _chunk(region, k)
        if ch is not None:
            _reshape(region, k, ch)
            done.append(k)
    return done


@dataclass(frozen=True)
class NpuChunkRowsPass(ModulePass):
    """1-D arrays touched a chunk at a time seen as rows of a chunk."""

    name = "dato-npu-chunk-rows"

    device: str = "npu1"
    budget: int = -1
    """Bytes a task's buffers may take before its arrays are reshaped; -1:
    the device's tile budget shared as dato-npu-stream-reads shares it."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for region in [o for o in op.walk() if isinstance(o, dato.RegionOp)]:
            budget = region_budget(region, self.budget, self.device)
            if budget is None:
                return  # dato-physical-map names the unknown device
            chunk_region_rows(region, budget)


__all__ = ["NpuChunkRowsPass", "chunk_region_rows"]
