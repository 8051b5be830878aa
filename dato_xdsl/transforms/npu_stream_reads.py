"""`dato-npu-stream-reads`: an array block a task reads once, row after row,
reaches its core in rows instead of whole.

A task whose block of an array does not fit a core beside the rest of what
it holds (split_gemv(512, 1024, 16): each worker's 32x512 int32 box of A is
64 KiB, a whole tile) need not hold all of it when it only reads it in order:
the shim sends the box as it always would, the core's objectfifo carries one
row per object, two deep, and the loop that walks the rows acquires a row at
the start of each iteration and releases it at its end. The core then holds
two rows, the next arriving while the current one is read.

Legal when, for the body argument (a rank-2 block, rows of whole 32-bit DMA
words):
- it is only loaded from (`memref.load`), and no task of the region writes
  the array, so the host's values are the same whenever a row is sent;
- every load sits inside one `scf.for` of step 1 whose iteration `i` loads
  only row `i` of the block (the row index is the loop variable plus a value
  fixed for the instance, the loop's first value maps to row 0 and it runs
  exactly as many iterations as the block has rows): each row is wholly read
  in its iteration, in order. The loop is at the top of the body (the block
  is sent once) or in a nest of `scf.for` loops of fixed trip counts (no
  branch around it: a batch loop around a weight matrix's rows), which run
  it again: the block is sent again for each run (at most MOST_REPEATS).

A 1-D block read element by element in such a loop streams the same way
in pieces of up to CHUNK_BYTES (a divisor of its length, in whole DMA
words; the loop carries no values): the loop is marked with the chunk
(`dato.row_chunk`) and the lowering runs it as chunks of that many
iterations, acquiring a piece per chunk (a long vector's dot product, a
reduction over a long signal).

Outputs stream the same way, out of the core (`row_written`): a block a
task only stores to, in such a loop run once, whose iteration `i` stores
only row `i` and all of it (1-D: a store of element `i` right in the loop's
body; 2-D: right in a loop in it walking every column of step 1), that no
other task of the region touches and each instance writes its own block
of. The core acquires a fresh object per piece and releases it when the
piece's iterations are done; the shim (or a memtile join) writes each
piece to its place, and the host's copy never comes in (every element is
stored). fir(int16, 16, 65536)'s last tap writing y[n], a consumer writing
b[i] from a stream, a prefix scan per worker.

The decision is recorded in the IR for the passes after: the loop carries
`dato.row_loop` (each iteration takes the next row of the arguments
streamed in it) and each load (or store) of a streamed argument carries
`dato.row_piece`. `row_pieces` reads the decision back: physical mapping's
count (npu_tile_memory) holds ROW_DEPTH rows, transfer planning streams the
block along axis 0 one row at a time (its K-streaming machinery: the shim
pattern walks the rows in order), and the core lowering acquires and
releases a row per iteration.

An argument is streamed only where the task does not fit whole: the bytes of
its arguments and local buffers (counted whole, without sharing: an upper
bound of what physical mapping counts) over the tile's data memory less the
stack, the largest streamable argument (read or written) first until the
rest fits. When the region has more instances than the device has cores,
physical mapping folds about instances / cores of them onto each core, so a
task has only that share of the tile, or one per group of the region when
there are fewer groups (folded_share)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, memref, scf
from xdsl.dialects.builtin import IntegerAttr, MemRefType, ModuleOp, UnitAttr, i64
from xdsl.ir import Block, BlockArgument, Operation, SSAValue
from xdsl.passes import ModulePass

from dato_xdsl import devices
from dato_xdsl.dialects import dato
from dato_xdsl.dialects.aie import element_bits, memref_bytes
from dato_xdsl.transforms.group_bytes import local_bytes
from dato_xdsl.transforms.npu_padding import read_nibbles
from dato_xdsl.transforms.npu_plan import ROW_LOOP
from dato_xdsl.transforms.npu_read_boxes import _written_anywhere

ROW_PIECE = "dato.row_piece"
"""On a `memref.load` (or `memref.store`) of a body argument streamed by rows."""
ROW_DEPTH = 2
"""Rows a core holds of a streamed argument: the one read and the next."""
WORD_BITS = 32
ROW_CHUNK = "dato.row_chunk"
"""On a row loop walking 1-D blocks: the elements of one piece (a chunk);
the lowering runs the loop as chunks of that many iterations, acquiring a
piece per chunk."""
ROW_BLOCK = "dato.row_block"
"""On a ROW_PIECE load of an argument streamed by blocks of rows
(_block_walk): the rows of a piece (CH); the load's row within its piece is
its row less CH times the row loop's iterations done."""
CHUNK_BYTES = 1024
"""The most bytes of a 1-D block's piece (the core holds ROW_DEPTH)."""
MOST_REPEATS = 64
"""Most times a block is sent for the loops around its row loop: a shim
call's repeat count (npu1/npu2 `max_repeat`); beyond it each further pass
over the block costs a call of its own and all its bytes again."""


def _affine(
    v: SSAValue, iv: SSAValue, pid: tuple[int, ...], depth: int = 0
) -> tuple[int, int] | None:
    """(a, c) with v == a * iv + c in this instance, or None when `v` is not
    such a function (another loop's variable, data)."""
    r = _linear(v, [iv], pid, depth)
    return None if r is None else (r[0][0], r[1])


def _loops(op: Operation, body: Block) -> list[scf.ForOp] | None:
    """The `scf.for` ops `op` is nested in, outermost first, down to the
    first op that is not one (None when `op` is not inside `body`)."""
    chain: list[Operation] = []
    while op.parent_block() is not body:
        parent = op.parent_op()
        if parent is None:
            return None
        chain.append(parent)
        op = parent
    chain.reverse()
    out: list[scf.ForOp] = []
    for found in chain:
        if not isinstance(found, scf.ForOp):
            break
        out.append(found)
    return out


def _trips(loop: scf.ForOp, pid: tuple[int, ...]) -> int | None:
    """The iterations of `loop` in this instance, when its bounds are fixed."""
    bounds = [_affine(v, loop.body.block.args[0], pid) for v in (loop.lb, loop.ub, loop.step)]
    if any(b is None or b[0] for b in bounds):
        return None
    (_, lb), (_, ub), (_, step) = bounds  # type: ignore[misc]
    return max(0, -(-(ub - lb) // step)) if step > 0 else None


def row_loop(group: dato.GroupOp, k: int) -> scf.ForOp | None:
    """The loop that walks body argument `k`'s rows in order (row_walk)."""
    walk = row_walk(group, k)
    return walk[0] if walk is not None else None


def row_walk(group: dato.GroupOp, k: int) -> tuple[scf.ForOp, int] | None:
    """The loop that walks body argument `k`'s rows in order, one row per
    iteration and every load in it, and how many times the loops around it
    run it (1 at the top of the body), when the argument may be streamed by
    rows (see the module's conditions other than the region's writes)."""
    body = group.body.block
    arg = body.args[k]
    t = arg.type
    if not isinstance(t, MemRefType) or not arg.uses:
        return None
    shape = t.get_shape()
    if len(shape) == 1:
        if chunk_of(shape[0], t) is None:
            return None
    elif len(shape) != 2 or shape[1] * element_bits(t.element_type) % WORD_BITS:
        return None
    elif shape[0] <= ROW_DEPTH:
        return None  # the rows a core holds streaming are all of them
    # all loads (a read streamed in), or all stores into it (a write
    # streamed out: rows_written checks the stores cover every row)
    loads: list[memref.LoadOp | memref.StoreOp] = []
    kinds: set[type] = set()
    for use in arg.uses:
        op = use.operation
        if isinstance(op, memref.LoadOp) and op.memref is arg:
            kinds.add(memref.LoadOp)
        elif isinstance(op, memref.StoreOp) and op.memref is arg and op.value is not arg:
            kinds.add(memref.StoreOp)
        else:
            return None
        loads.append(op)
    if len(kinds) != 1:
        return None
    chain = _loops(loads[0], body)
    if not chain:
        return None
    if (
        len(shape) == 2
        and kinds == {memref.LoadOp}
        and not any(_walks_rows(group, loop, loads, shape[0]) for loop in chain)
    ):
        # read a block of rows per iteration (a loader's row-block slices)
        block = _block_walk(group, k, loads)  # type: ignore[arg-type]
        return (block[0], block[1]) if block is not None else None
    # the outermost loop of the chain around the first load that holds
    # every load and walks the rows; the loops outside it, a plain nest of
    # fixed trip counts, run it again (the block is sent again each time)
    for depth, loop in enumerate(chain):
        if not all(loop.is_ancestor(load) for load in loads):
            break
        if len(shape) == 1 and (
            loop.iter_args or ROW_CHUNK not in loop.attributes and ROW_LOOP in loop.attributes
        ):
            continue  # a loop carrying values, or walking rows, is not cut in chunks
        if len(shape) == 2 and ROW_CHUNK in loop.attributes:
            continue
        if _walks_rows(group, loop, loads, shape[0]):
            repeats: set[int] = set()
            for inst in group.instances():
                trips = [_trips(outer, tuple(inst.pid)) for outer in chain[:depth]]
                if any(n is None for n in trips):
                    return None
                repeats.add(math.prod(trips))  # type: ignore[arg-type]
            if len(repeats) != 1 or not 0 < min(repeats) <= MOST_REPEATS:
                return None
            return loop, repeats.pop()
    return None


def _linear(
    v: SSAValue, ivs: list[SSAValue], pid: tuple[int, ...], depth: int = 0
) -> tuple[list[int], int] | None:
    """(coefficients, c) with v == sum(coefficients[i] * ivs[i]) + c in this
    instance, or None (when `v` is not such a function: see _affine)."""
    if depth > 32:
        return None
    if v in ivs:
        return [int(v is iv) for iv in ivs], 0
    owner = v.owner
    if isinstance(owner, arith.ConstantOp) and isinstance(owner.value, IntegerAttr):
        return [0] * len(ivs), owner.value.value.data
    if isinstance(owner, dato.PidOp):
        return [0] * len(ivs), pid[owner.results.index(v)]  # type: ignore[arg-type]
    if isinstance(owner, arith.IndexCastOp):
        return _linear(owner.input, ivs, pid, depth + 1)
    if isinstance(owner, arith.AddiOp | arith.SubiOp | arith.MuliOp):
        lhs = _linear(owner.lhs, ivs, pid, depth + 1)
        rhs = _linear(owner.rhs, ivs, pid, depth + 1)
        if lhs is None or rhs is None:
            return None
        if isinstance(owner, arith.AddiOp):
            return [a + b for a, b in zip(lhs[0], rhs[0], strict=True)], lhs[1] + rhs[1]
        if isinstance(owner, arith.SubiOp):
            return [a - b for a, b in zip(lhs[0], rhs[0], strict=True)], lhs[1] - rhs[1]
        if any(lhs[0]) and any(rhs[0]):
            return None
        return [a * rhs[1] + b * lhs[1] for a, b in zip(lhs[0], rhs[0], strict=True)], lhs[1] * rhs[
            1
        ]
    return None


def _block_walk(
    group: dato.GroupOp, k: int, loads: list[memref.LoadOp]
) -> tuple[scf.ForOp, int, int] | None:
    """The loop whose iteration i reads rows CH*i .. CH*i + CH - 1 of 2-D body
    argument `k` (a loader copying `b[k*CH:(k+1)*CH, :]` for k = 0.. into
    the object it puts: row CH*k + r, r a loop of 0..CH-1 inside), every
    block once, in order, more blocks than ROW_DEPTH; with how many times the
    loops around it run it and CH. Each iteration then takes one object of CH
    rows instead of the core holding the whole block."""
    t = group.body.block.args[k].type
    assert isinstance(t, MemRefType)
    rows = t.get_shape()[0]
    chain = _loops(loads[0], group.body.block)
    if not chain:
        return None
    for depth, loop in enumerate(chain):
        if not all(loop.is_ancestor(load) for load in loads):
            return None
        if ROW_CHUNK in loop.attributes:
            continue
        ch = _block_rows(group, loop, loads, rows)
        if ch is None:
            continue
        repeats: set[int] = set()
        for inst in group.instances():
            trips = [_trips(outer, tuple(inst.pid)) for outer in chain[:depth]]
            if any(n is None for n in trips):
                return None
            repeats.add(math.prod(trips))  # type: ignore[arg-type]
        if len(repeats) != 1 or not 0 < min(repeats) <= MOST_REPEATS:
            return None
        return loop, repeats.pop(), ch
    return None


def _block_rows(
    group: dato.GroupOp, loop: scf.ForOp, loads: list[memref.LoadOp], rows: int
) -> int | None:
    """CH when every load in `loop` reads row CH * (i - lb) + r of iteration
    i, r the variable of a loop (inside `loop`, around the load) of 0..CH-1
    step 1, `loop` running rows / CH > ROW_DEPTH iterations of step 1."""
    iv = loop.body.block.args[0]
    found: set[int] = set()
    for inst in group.instances():
        pid = tuple(inst.pid)
        bounds = [_affine(v, iv, pid) for v in (loop.lb, loop.ub, loop.step)]
        if any(b is None or b[0] for b in bounds):
            return None
        (_, lb), (_, ub), (_, step) = bounds  # type: ignore[misc]
        if step != 1 or ub <= lb:
            return None
        for load in loads:
            inner = load.parent_op()
            while inner is not None and inner is not loop:
                if isinstance(inner, scf.ForOp):
                    jv = inner.body.block.args[0]
                    lin = _linear(load.indices[0], [iv, jv], pid)
                    if lin is not None and lin[0][1] == 1:
                        break
                inner = inner.parent_op()
            if not isinstance(inner, scf.ForOp) or inner is loop:
                return None
            jv = inner.body.block.args[0]
            lin = _linear(load.indices[0], [iv, jv], pid)
            jb = [_affine(v, jv, pid) for v in (inner.lb, inner.ub, inner.step)]
            assert lin is not None
            ch = lin[0][0]
            if jb != [(0, 0), (0, ch), (0, 1)] or lin[1] != -ch * lb or ch <= 0:
                return None
            if (ub - lb) * ch != rows or ub - lb <= ROW_DEPTH:
                return None
            found.add(ch)
    return found.pop() if len(found) == 1 else None


def _walks_rows(
    group: dato.GroupOp,
    loop: scf.ForOp,
    loads: list[memref.LoadOp] | list[memref.LoadOp | memref.StoreOp],
    rows: int,
) -> bool:
    """Iteration i of `loop` loads (or stores) only row i, for `rows`
    iterations of step 1, in every instance."""
    iv = loop.body.block.args[0]
    for inst in group.instances():
        pid = tuple(inst.pid)
        bounds = [_affine(v, iv, pid) for v in (loop.lb, loop.ub, loop.step)]
        if any(b is None or b[0] for b in bounds):
            return False
        (_, lb), (_, ub), (_, step) = bounds  # type: ignore[misc]
        if step != 1 or ub - lb != rows:
            return False
        for load in loads:
            row = _affine(load.indices[0], iv, pid)
            if row is None or row[0] != 1 or lb + row[1] != 0:
                return False
    return True


def _stores_cover(group: dato.GroupOp, loop: scf.ForOp, stores: list[memref.StoreOp]) -> bool:
    """Every iteration of `loop` stores all of its row (the rows are known to
    be the iteration's, _walks_rows): a store right in the loop's body (1-D:
    the element), or in a loop right in it walking every column of step 1 with
    the column its variable (2-D), so no element of a piece sent out is left
    as the object's old contents."""
    body = loop.body.block
    for store in stores:
        t = store.memref.type
        assert isinstance(t, MemRefType)
        if len(t.get_shape()) == 1:
            if store.parent_block() is body:
                return True
            continue
        inner = store.parent_op()
        if not isinstance(inner, scf.ForOp) or inner.parent_block() is not body:
            continue
        if store.parent_block() is not inner.body.block:
            continue
        iv = inner.body.block.args[0]
        ok = True
        for inst in group.instances():
            pid = tuple(inst.pid)
            bounds = [_affine(v, iv, pid) for v in (inner.lb, inner.ub, inner.step)]
            col = _affine(store.indices[1], iv, pid)
            if bounds != [(0, 0), (0, t.get_shape()[1]), (0, 1)] or col != (1, 0):
                ok = False
                break
        if ok:
            return True
    return False


def _written_rows_legal(group: dato.GroupOp, k: int, loop: scf.ForOp, repeats: int) -> bool:
    """Body argument `k`, only stored to in `loop` (row_walk), may stream out
    by pieces: its loop runs once, every iteration stores its whole row, the
    elements are whole bytes, and no other task of the region touches the
    array (its host values are then nobody else's business)."""
    arg = group.body.block.args[k]
    t = arg.type
    assert isinstance(t, MemRefType)
    if repeats != 1 or element_bits(t.element_type) < 8:
        return False
    stores = [use.operation for use in arg.uses]
    if not _stores_cover(group, loop, stores):  # type: ignore[arg-type]
        return False
    region = group.parent_op()
    assert isinstance(region, dato.RegionOp)
    operand = group.args[k]
    # (a group taking the array without using it, a tap of a FIR that does
    # not write the output, does not touch it)
    users = [
        (other, j)
        for other in region.groups()
        for j, found in enumerate(other.args)
        if found is operand and other.body.block.args[j].uses
    ]
    # each instance its own block (instances writing parts of one block
    # move boxes of it instead: npu_write_boxes)
    blocks = [tuple(inst.offsets[k]) for inst in group.instances()]
    return users == [(group, k)] and len(set(blocks)) == len(blocks)


def row_written(group: dato.GroupOp) -> set[int]:
    """The body arguments streamed out by pieces (their marked uses are
    stores): the core fills a fresh object per piece, the host's copy never
    comes in."""
    args = group.body.block.args
    return {
        k
        for k in row_pieces(group)
        if isinstance(next(iter(args[k].uses)).operation, memref.StoreOp)
    }


def chunk_of(n: int, t: MemRefType) -> int | None:
    """The elements of a piece of a 1-D block of `n` elements of type `t`:
    the largest divisor of `n` of at most CHUNK_BYTES in whole DMA words,
    when the block has more than ROW_DEPTH such pieces."""
    bits = element_bits(t.element_type)
    most = CHUNK_BYTES * 8 // bits
    found = [c for c in range(1, min(n, most) + 1) if n % c == 0 and c * bits % WORD_BITS == 0]
    if not found or n // max(found) <= ROW_DEPTH:
        return None
    return max(found)


def _row_loop_of(op: Operation) -> Operation | None:
    found: Operation | None = op
    while found is not None and ROW_LOOP not in found.attributes:
        found = found.parent_op()
    return found


def row_pieces(group: dato.GroupOp) -> dict[int, MemRefType]:
    """Per body argument streamed by rows (the pass's marks), the object its
    fifo carries: one row."""
    out: dict[int, MemRefType] = {}
    for k, arg in enumerate(group.body.block.args):
        t = arg.type
        if not isinstance(t, MemRefType) or not arg.uses:
            continue
        if all(ROW_PIECE in use.operation.attributes for use in arg.uses):
            block = next(iter(arg.uses)).operation.attributes.get(ROW_BLOCK)
            if isinstance(block, IntegerAttr):
                # CH rows per iteration (_block_walk)
                out[k] = MemRefType(t.element_type, [block.value.data, *t.get_shape()[1:]])
                continue
            if len(t.get_shape()) > 1:
                out[k] = MemRefType(t.element_type, [1, *t.get_shape()[1:]])
                continue
            loop = _row_loop_of(next(iter(arg.uses)).operation)
            chunk = loop.attributes.get(ROW_CHUNK) if loop is not None else None
            if isinstance(chunk, IntegerAttr):
                out[k] = MemRefType(t.element_type, [chunk.value.data])
    return out


def row_repeats(group: dato.GroupOp) -> dict[int, int]:
    """Per body argument streamed by rows, how many times its block is sent
    (the ROW_LOOP count of the loop walking its rows)."""
    out: dict[int, int] = {}
    for k in row_pieces(group):
        # its own row loop: the nearest one around its loads may be another
        # argument's nested in it (B's rows inside A's)
        op = row_loop(group, k)
        count = op.attributes.get(ROW_LOOP) if op is not None else None
        out[k] = count.value.data if isinstance(count, IntegerAttr) else 1
    return out


def _whole_bytes(group: dato.GroupOp) -> dict[int, int]:
    """The bytes of each memref body argument the body uses, by index."""
    return {
        k: memref_bytes(a.type)
        for k, a in enumerate(group.body.block.args)
        if isinstance(a.type, MemRefType) and a.uses
    }


def stream_group_reads(group: dato.GroupOp, budget: int, written: set[int]) -> list[int]:
    """Mark the group's arguments streamed by rows (largest first) until its
    buffers fit `budget`; the body argument indices marked. `written`: the
    region arguments to leave whole (written by a task, or int4)."""
    region_args = list(group.parent_op().args)  # type: ignore[union-attr]
    sizes = _whole_bytes(group)
    total = sum(sizes.values()) + local_bytes(group)
    done: list[int] = []
    for k in sorted(sizes, key=lambda k: (-sizes[k], k)):
        if total <= budget:
            break
        operand = group.args[k]
        if not isinstance(operand, BlockArgument):
            continue
        walk = row_walk(group, k)
        if walk is None:
            continue
        loop, repeats = walk
        arg = group.body.block.args[k]
        if isinstance(next(iter(arg.uses)).operation, memref.StoreOp):
            if not _written_rows_legal(group, k, loop, repeats):
                continue
        elif region_args.index(operand) in written:
            continue
        t = arg.type
        assert isinstance(t, MemRefType)
        if len(t.get_shape()) == 1:
            chunk = chunk_of(t.get_shape()[0], t)
            known = loop.attributes.get(ROW_CHUNK)
            if isinstance(known, IntegerAttr):
                # the loop is cut once: its chunk must be whole words here too
                if known.value.data * element_bits(t.element_type) % WORD_BITS:
                    continue
                chunk = known.value.data
            assert chunk is not None
            loop.attributes[ROW_CHUNK] = IntegerAttr(chunk, i64)
        loop.attributes[ROW_LOOP] = IntegerAttr(repeats, i64)
        block = None
        if len(t.get_shape()) == 2 and not any(
            _walks_rows(group, outer, [u.operation for u in arg.uses], t.get_shape()[0])  # type: ignore[misc]
            for outer in _loops(next(iter(arg.uses)).operation, group.body.block) or []
        ):
            block = _block_walk(group, k, [u.operation for u in arg.uses])  # type: ignore[misc]
        for use in arg.uses:
            use.operation.attributes[ROW_PIECE] = UnitAttr()
            if block is not None:
                use.operation.attributes[ROW_BLOCK] = IntegerAttr(block[2], i64)
        piece = row_pieces(group)[k]
        total -= sizes[k] - ROW_DEPTH * memref_bytes(piece)
        done.append(k)
    return done


def folded_share(region: dato.RegionOp, cores: int) -> int:
    """Into how many parts a task's tile is shared when the region's
    instances are folded onto `cores` (at least 1; 0 cores: no folding
    known). Physical mapping chains instances onto cores when there are more
    of them; a core then holds what its members hold, so each streams as if
    it had only its share of the tile (the loader of a 65-PE systolic array
    chained with three PEs). Members of one group take their blocks of an
    array in turn through one fifo (npu_tile_memory), so a core's buffers
    grow with the groups it runs members of: at most the region's groups."""
    if not cores:
        return 1
    instances = sum(g.num_instances() for g in region.groups())
    return max(1, min(-(-instances // cores), len(list(region.groups()))))


def region_budget(region: dato.RegionOp, budget: int, device: str) -> int | None:
    """A task's bytes in `region`: `budget` when given (>= 0), else the
    device's tile budget over the region's folded share; None for an unknown
    device (dato-physical-map names it)."""
    if budget >= 0:
        return budget
    model = devices.lookup(device)
    if model is None:
        return None
    return model.tile_budget // folded_share(region, model.compute_cores)


@dataclass(frozen=True)
class NpuStreamReadsPass(ModulePass):
    """Stream the blocks tasks read once, row after row, to their cores by rows."""

    name = "dato-npu-stream-reads"

    device: str = "npu1"
    budget: int = -1
    """Bytes a task's buffers may take before its arguments stream; -1: the
    device's compute tile data memory less the core's stack."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        budget = self.budget
        if budget < 0:
            model = devices.lookup(self.device)
            if model is None:
                return  # dato-physical-map names the unknown device
            budget = model.tile_budget
            cores = model.compute_cores
        else:
            cores = 0
        for region in [o for o in op.walk() if isinstance(o, dato.RegionOp)]:
            # int4 arrays move packed two values a byte (npu_padding): the
            # core unpacks their whole block, so they stay whole
            written = _written_anywhere(region) | set(read_nibbles(region))
            share = folded_share(region, cores)
            for group in list(region.groups()):
                stream_group_reads(group, budget // share, written)


__all__ = [
    "region_budget",
    "ROW_BLOCK",
    "ROW_DEPTH",
    "ROW_LOOP",
    "ROW_PIECE",
    "NpuStreamReadsPass",
    "folded_share",
    "row_loop",
    "row_pieces",
    "row_repeats",
    "row_walk",
    "row_written",
    "stream_group_reads",
]
