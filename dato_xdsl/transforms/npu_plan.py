"""What a mapped dato region asks of an NPU, before any tile is chosen.

Shared by physical mapping (which checks it against the device model and places
processing elements) and the aie lowering (which emits it): per instance, which
region arguments it reads and writes, whether its body is the tiled-GEMM shape
whose K dimension can stream through the DMA, the local buffers it allocates,
and the streams it puts and gets."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects import arith, memref, scf
from xdsl.dialects.builtin import MemRefType, NoneAttr, StringAttr
from xdsl.dialects.linalg import ops as linalg
from xdsl.ir import Attribute, Block, BlockArgument, Operation, SSAValue, Use

from dato_xdsl.dialects import dato
from dato_xdsl.dialects.aie import memref_bytes
from dato_xdsl.dialects.linalg import UNSIGNED_CAST
from dato_xdsl.transforms.constant_tables import table_values
from dato_xdsl.transforms.in_place_marks import in_place_put
from dato_xdsl.transforms.ir_constants import int_constant
from dato_xdsl.transforms.kernel_decls import call_access
from dato_xdsl.transforms.loop_writes import loop_elements
from dato_xdsl.transforms.npu_padding import read_nibbles, unpacked_in_place

ROW_LOOP = "dato.row_loop"
"""On an `scf.for` (npu_stream_reads): each iteration takes the next row of
the arguments whose loads inside it are marked ROW_PIECE; its value (an
integer) is how many times the loops around it run it, so how many times the
block is sent. Defined here, below npu_stream_reads, for the plan's rules."""


def _views(arg: SSAValue) -> list[SSAValue]:
    """The argument and every subview taken of it (transitively)."""
    out = [arg]
    for use in arg.uses:
        if isinstance(use.operation, memref.SubviewOp):
            out += _views(use.operation.results[0])
    return out


def arg_access(arg: BlockArgument, host_copy: bool = True) -> tuple[bool, bool]:
    """(read, written) for a task body argument. With `host_copy`, an argument
    the body writes but does not provably overwrite whole counts as read: its
    host copy must come in first. Without, read means the body reads it."""
    read = written = accumulates = False
    for view in _views(arg):
        for use in view.uses:
            op = use.operation
            if isinstance(op, memref.LoadOp):
                read = True
            elif isinstance(op, memref.StoreOp):
                written = written or op.memref is view
                read = read or op.value is view
            elif isinstance(op, memref.CopyOp):
                read = read or op.source is view
                written = written or op.destination is view
            elif isinstance(op, linalg.MatmulOp):
                if view in op.inputs:
                    read = True
                else:
                    # matmul accumulates into its output: what it held is
                    # read, unless the body wrote all of it first (a fill)
                    written = accumulates = True
            elif isinstance(op, linalg.FillOp):
                written = True
            elif isinstance(op, dato.PutOp):
                read = True
            elif (kernel := call_access(op, view)) is not None:
                read, written = read or kernel[0], written or kernel[1]  # its declaration's
            elif hasattr(op, "inputs") and hasattr(op, "outputs"):
                if view in op.inputs:  # type: ignore[attr-defined]
                    read = True
                if view in op.outputs:  # type: ignore[attr-defined]
                    written = True
            elif not isinstance(op, memref.SubviewOp):
                read = written = True  # unknown use: assume both
    # Each task starts from the host's copy of its slice: an output the task
    # does not provably overwrite whole before reading it must be brought in,
    # or the elements it leaves alone would come back as the buffer's zeros.
    if (accumulates or host_copy) and written and not read and not _overwritten_first(arg):
        read = True
    return read, written


def _covers(view: SSAValue, arg: SSAValue) -> bool:
    """The view (the argument or a subview of it) spans every element of it."""
    vt, at = view.type, arg.type
    if not (isinstance(vt, MemRefType) and isinstance(at, MemRefType)):
        return False
    vs, as_ = vt.get_shape(), at.get_shape()
    # an in-bounds subview with as many elements as its source is all of it
    return all(d >= 0 for d in (*vs, *as_)) and math.prod(vs) == math.prod(as_)


ELEMENTWISE_KERNELS: dict[type[Operation], str] = {
    linalg.AddOp: "add",
    linalg.SubOp: "sub",
    linalg.MulOp: "mul",
    linalg.MaxOp: "max",
    linalg.MinOp: "min",
    linalg.ExpOp: "exp",
    linalg.LogOp: "log",
    linalg.SqrtOp: "sqrt",
}
"""The elementwise ops the NPU runs as library kernels, by their kernel's
name (`dato_<name>_<type>_<n>`)."""

ELEMENTWISE_OPS = tuple(ELEMENTWISE_KERNELS)
"""Those ops (each reads an element before it writes it, so an output may
take an input's buffer)."""

# named linalg ops that compute each output element from inputs only (no
# accumulation into the output, unlike matmul, conv, pooling and reduce)
_ELEMENTWISE = (
    *ELEMENTWISE_OPS,
    linalg.SelectOp,
    linalg.CopyOp,
    linalg.TransposeOp,
    linalg.BroadcastOp,
)


def _overwrites(op: Operation, view: SSAValue) -> bool:
    """`op` writes every element of `view` without reading it first."""
    if isinstance(op, linalg.FillOp):
        return op.outputs[0] is view
    if isinstance(op, memref.CopyOp):
        return op.destination is view and op.source is not view
    if isinstance(op, _ELEMENTWISE):
        return view in op.outputs and view not in op.inputs
    if (kernel := call_access(op, view)) is not None:
        return kernel[2]  # an external kernel's output that is not also an input
    if isinstance(op, linalg.GenericOp):
        if view in op.inputs or view not in op.outputs:
            return False
        # the payload must not read the output's old value (a reduction does)
        k = len(op.inputs) + list(op.outputs).index(view)
        return not op.body.block.args[k].uses
    return False


def _overwritten_first(arg: BlockArgument) -> bool:
    """The first top-level ops of the body that touch `arg` (through any
    view) write all of it. Writes inside a conditional are no proof, nor
    writes inside loops whose iterations leave holes (loop_elements)."""
    body = arg.block
    order = {op: i for i, op in enumerate(body.ops)}
    touches: list[tuple[int, Operation, SSAValue]] = []
    for view in _views(arg):
        for use in view.uses:
            op = use.operation
            if isinstance(op, memref.SubviewOp):
                continue
            top = body.find_ancestor_op_in_block(op)
            if top is None:
                return False
            touches.append((order[top], op, view))
    if not isinstance(arg.type, MemRefType) or any(d < 0 for d in arg.type.get_shape()):
        return False
    # pieces written whole, in body order, until all of `arg` is covered: a
    # read (or anything else) before that means the host copy is needed
    covered = np.zeros(arg.type.get_shape(), dtype=bool)
    for start in sorted({i for i, _, _ in touches}):
        here = [(op, view) for i, op, view in touches if i == start]
        if len(here) != 1:
            return False  # several uses in one op: not a plain overwrite
        op, view = here[0]
        if op.parent_block() is not body and (
            isinstance(op, memref.StoreOp) or _overwrites(op, view)
        ):
            # a write in a loop nest: the elements all its iterations write
            # (`y[c * CH + i] = ...`, `y[c * CH:(c + 1) * CH] = ...`)
            looped = loop_elements(op, view, arg, body)
            if looped is not None:
                covered |= looped
                if covered.all():
                    return True
                continue
        piece = _piece(view, arg)
        if piece is None:
            return False
        if op.parent_block() is body:
            if isinstance(op, memref.StoreOp) and op.memref is arg and op.value is not arg:
                # a store at constant indices writes that one element
                at = [int_constant(i) for i in op.indices]
                if any(c is None for c in at):
                    return False
                piece = (*(slice(c, c + 1) for c in at),) if at else piece  # type: ignore[operator]
            elif not _overwrites(op, view):
                return False
        else:
            rows = _stores_every_element(op, view, body)
            if rows is None or view is not arg:
                return False
            piece = rows
        covered[piece] = True
        if covered.all():
            return True
    return False


def _piece(view: SSAValue, arg: SSAValue) -> tuple[slice | int, ...] | None:
    """The elements of `arg` that `view` spans (the argument itself or a
    subview of it with static offsets, sizes and strides), or None."""
    at = arg.type
    assert isinstance(at, MemRefType)
    if view is arg:
        return tuple(slice(None) for _ in at.get_shape())
    sv = view.owner
    if not isinstance(sv, memref.SubviewOp) or sv.source is not arg:
        return None
    if sv.sizes or sv.strides:
        return None  # dynamic operands
    dynamic = iter(int_constant(v) for v in sv.offsets)  # constants passed as operands
    offs = [next(dynamic, None) if o < 0 else o for o in sv.static_offsets.get_values()]
    if any(o is None for o in offs):
        return None
    sizes = sv.static_sizes.get_values()
    strides = sv.static_strides.get_values()
    if any(v is None or v < 0 for v in (*offs, *sizes, *strides)):
        return None
    return tuple(slice(o, o + n * st, st) for o, n, st in zip(offs, sizes, strides, strict=True))


def _stores_every_element(
    op: Operation, view: SSAValue, body: Block
) -> tuple[slice | int, ...] | None:
    """The elements a store to `view` directly in a nest of loops (no
    conditional) at the top level of the body writes, when each index is a
    constant or one loop variable running lo, lo + 1, ..., hi - 1 within its
    dimension: `for i in range(N): c[3, i] = ...` writes row 3, `for i in
    range(1, N - 1): c[i] = ...` all of c but its ends (a stencil's inner
    points, the ends stored apart)."""
    if not isinstance(op, memref.StoreOp) or op.memref is not view:
        return None
    shape = view.type.get_shape() if isinstance(view.type, MemRefType) else []
    if len(op.indices) != len(shape):
        return None
    loops: dict[SSAValue, tuple[int, int]] = {}  # induction variable -> [lo, hi)
    parent = op.parent_op()
    while isinstance(parent, scf.ForOp):
        lb, ub, step = int_constant(parent.lb), int_constant(parent.ub), int_constant(parent.step)
        if lb is None or lb < 0 or step != 1 or ub is None:
            return None
        loops[parent.body.block.args[0]] = (lb, ub)
        if parent.parent_block() is body:
            break
        parent = parent.parent_op()
    else:
        return None  # inside a conditional or another region
    piece: list[slice | int] = []
    used: set[SSAValue] = set()
    for index, n in zip(op.indices, shape, strict=True):
        c = int_constant(index)
        span = loops.get(index)
        if c is not None and 0 <= c < n:
            piece.append(c)
        elif span is not None and span[1] <= n and index not in used:
            used.add(index)
            piece.append(slice(*span))
        else:
            return None
    return tuple(piece)


@dataclass
class StreamedMatmul:
    """`c[:, :] = matmul(a, b)` on body arguments: a, b and c are argument
    indices; K can be split so A and B tiles stream through the DMA while the
    core accumulates straight into its output buffer."""

    a: int
    b: int
    c: int
    m: int
    k: int
    n: int
    unsigned: bool = False
    """UInt operands widened unsigned: only the kernel library's u8/u16
    matmuls compute it (the vector GEMM design's mm.cc kernels are signed)."""


def unsigned_matmul(op: Operation) -> bool:
    """A matmul of UInt operands widened unsigned (its library kernel is u8/u16)."""
    return op.attributes.get(UNSIGNED_CAST) == StringAttr("unsigned")


def streamed_matmul(body: Block) -> StreamedMatmul | None:
    ops = [op for op in body.ops if not isinstance(op, arith.ConstantOp)]
    if len(ops) != 4:
        return None
    alloc, fill, mm, copy = ops
    if not (
        isinstance(alloc, memref.AllocOp)
        and isinstance(fill, linalg.FillOp)
        and isinstance(mm, linalg.MatmulOp)
        and isinstance(copy, memref.CopyOp)
    ):
        return None
    acc = alloc.results[0]
    args = list(body.args)
    a, b = mm.inputs
    if (
        fill.outputs[0] is not acc
        or mm.outputs[0] is not acc
        or copy.source is not acc
        or a not in args
        or b not in args
        or copy.destination not in args
    ):
        return None
    at, bt = a.type, b.type
    assert isinstance(at, MemRefType) and isinstance(bt, MemRefType)
    m, k = at.get_shape()
    n = bt.get_shape()[1]
    unsigned = unsigned_matmul(mm)
    return StreamedMatmul(
        args.index(a), args.index(b), args.index(copy.destination), m, k, n, unsigned
    )


@dataclass
class LocalMatmul:
    """`acc = matmul(a, b)` whose result stays in the task (a local the body
    then puts on a stream, feeds an epilogue or copies out): a and b are
    argument indices read by this matmul only, so when they do not fit in a
    tile their K dimension can stream through the DMA in tiles while the core
    accumulates into the local (`op`, the matmul at the top of the body).
    `a` is -1 when A is no argument (a local the body computes, a block got
    from a stream): it stays whole on the tile and only B can stream, the
    core copying A's m x kt strip of each K step into a staging buffer."""

    a: int
    b: int
    m: int
    k: int
    n: int
    op: linalg.MatmulOp
    acc: MemRefType


def local_matmul(body: Block, staged: bool = False) -> LocalMatmul | None:
    """The body's only matmul, at its top level, reading a whole argument B
    that nothing else uses, into a buffer the body allocates; A is such an
    argument too, or (`staged`) a value of the body (not an argument: `a`
    is -1)."""
    mms = [op for op in body.walk() if isinstance(op, linalg.MatmulOp)]
    if len(mms) != 1 or mms[0].parent_block() is not body:
        return None
    mm = mms[0]
    a, b = mm.inputs
    acc = mm.outputs[0]
    args = list(body.args)
    if b not in args or a is b or acc in args or (a not in args and not staged):
        return None
    if not isinstance(acc.owner, memref.AllocOp | memref.AllocaOp):
        return None
    if a in args and any(use.operation is not mm for use in a.uses):
        return None
    if any(use.operation is not mm for use in b.uses):
        return None
    at, bt, ct = a.type, b.type, acc.type
    if not isinstance(at, MemRefType) or len(at.get_shape()) != 2:
        return None  # a local A of another shape (a view) is not staged
    assert isinstance(bt, MemRefType) and isinstance(ct, MemRefType)
    m, k = at.get_shape()
    a_index = args.index(a) if a in args else -1
    return LocalMatmul(a_index, args.index(b), m, k, bt.get_shape()[1], mm, ct)


def local_buffers(body: Block, skip: set[Operation] | None = None) -> int:
    """Bytes of the buffers a body allocates (one copy each: a loop reuses it)."""
    total = 0
    for op in body.walk():
        if skip and op in skip:
            continue
        if isinstance(op, memref.AllocOp | memref.AllocaOp):
            t = op.results[0].type
            assert isinstance(t, MemRefType)
            total += memref_bytes(t)
        elif isinstance(op, dato.GetOp) and isinstance(op.result.type, MemRefType):
            total += memref_bytes(op.result.type)  # a block got is copied out of the fifo
    return total


@dataclass
class GroupPlan:
    """The per-instance facts of one group (identical for all its rows)."""

    group: dato.GroupOp
    reads: list[bool]
    writes: list[bool]
    matmul: StreamedMatmul | None
    local_bytes: int
    puts: dict[str, MemRefType | None] = field(default_factory=dict)
    gets: dict[str, MemRefType | None] = field(default_factory=dict)
    local_matmul: LocalMatmul | None = None
    """A matmul into a local whose operands may stream K (when `matmul` is None)."""
    staged_matmul: LocalMatmul | None = None
    """A matmul into a local whose A is no argument (its `a` -1): only B may
    stream K, A's strips staged. It is the group's `local_matmul` once
    physical mapping streams it (the group's `dato.k_tile`), so the passes
    before (forwarding, padding) treat its arrays as they did before."""
    buffers: BodyBuffers | None = None
    """The tile buffers the body's lowering allocates, with their live spans."""


def plan_group(group: dato.GroupOp) -> GroupPlan:
    body = group.body.block
    access = [arg_access(a) for a in body.args]
    mm = streamed_matmul(body)
    skip = {op for op in body.ops if isinstance(op, memref.AllocOp)} if mm else None
    plan = GroupPlan(
        group,
        [r for r, _ in access],
        [w for _, w in access],
        mm,
        local_buffers(body, skip),
    )
    if mm is None:
        plan.local_matmul = local_matmul(body)
        if plan.local_matmul is None:
            plan.staged_matmul = local_matmul(body, staged=True)
            if plan.staged_matmul is not None and "dato.k_tile" in group.attributes:
                plan.local_matmul, plan.staged_matmul = plan.staged_matmul, None
    plan.buffers = body_buffers(body, skip)
    plan.buffers.unpacked = group_unpacked_in_place(group)
    for op in body.walk():
        if isinstance(op, dato.PutOp | dato.GetOp):
            name = op.stream.root_reference.data
            t = op.value.type if isinstance(op, dato.PutOp) else op.result.type
            (plan.puts if isinstance(op, dato.PutOp) else plan.gets)[name] = (
                t if isinstance(t, MemRefType) else None
            )
    return plan


@dataclass
class BodyBuffers:
    """What an instance body's lowering allocates on its tile, in the body's
    own positions (its top-level ops, 1..length; 0 and length + 1 stand for
    the copies of its arguments before and after it): each local (an alloc, a
    block a get copies out of its fifo) with the span of top-level ops that
    use it (a use inside a loop or conditional holds it for the whole op), and
    per stream port the position of its first put and its last get."""

    length: int
    spans: list[tuple[MemRefType, int, int]]
    first_put: dict[str, int]
    last_get: dict[str, int]
    tables: int = 0
    """Bytes of buffers never shared: constant tables (initialised) and
    allocations nothing uses."""
    got: dict[str, list[tuple[MemRefType, int, int]]] = field(default_factory=dict)
    """Per stream port, the spans of the blocks its gets read in the fifo's
    object (inplace_gets): locals only where the stream is reached otherwise."""
    unpacked: dict[int, list[Operation]] = field(default_factory=dict)
    """Arguments an int4 block of which, when it moves packed, is unpacked
    straight into the locals of the body's rewidening copies (the copies'
    top-level ops): no one-value-per-byte buffer of their own."""
    put: dict[str, list[tuple[MemRefType, int, int]]] = field(default_factory=dict)
    """Per stream port, the spans of the locals computed in its producer
    object (dato-put-in-place): locals only where the stream is reached
    otherwise."""


def group_unpacked_in_place(group: dato.GroupOp) -> dict[int, list[Operation]]:
    """npu_padding.unpacked_in_place for a group's int4 / uint4 arguments,
    those whose type no other argument of the body has: physical mapping
    counts the buffer of a packed block by its type (TileMemory.whole_member),
    so that is how it tells this one apart."""
    region = group.parent_op()
    if not isinstance(region, dato.RegionOp):
        return {}
    body = group.body.block
    by_region = read_nibbles(region)
    region_args = list(region.args)
    nibbles: dict[int, bool] = {}
    for k, v in enumerate(group.args):
        i = region_args.index(v) if v in region_args else -1  # -1: no region argument
        if i in by_region and sum(a.type == body.args[k].type for a in body.args) == 1:
            nibbles[k] = by_region[i]
    return unpacked_in_place(body, nibbles)


def reused_inputs(body: Block) -> dict[Operation, Operation]:
    """The allocs whose buffer is an input's: an elementwise op of the body's
    top level writing a fresh local (used from that op on) whose input is a
    local of the same type used last there (`s = add(before, mine)` computes
    into mine's buffer). An elementwise kernel reads each element before it
    writes it, so the result is the same; the tile holds one block less."""
    pos = {op: k for k, op in enumerate(body.ops)}

    def plain_alloc(v: SSAValue) -> Operation | None:
        op = v.owner
        if (
            isinstance(op, memref.AllocOp | memref.AllocaOp)
            and op.parent_block() is body
            and table_values(op) is None
            and all(body.find_ancestor_op_in_block(u.operation) is not None for u in v.uses)
            and not any(isinstance(u.operation, memref.SubviewOp) for u in v.uses)
        ):
            return op
        return None

    def at(u: Use) -> int:
        return pos[body.find_ancestor_op_in_block(u.operation)]  # type: ignore[index]

    out: dict[Operation, Operation] = {}
    given: set[Operation] = set()  # inputs whose buffer a result took
    for op in body.ops:
        if not isinstance(op, ELEMENTWISE_OPS) or len(op.outputs) != 1:
            continue
        dst = plain_alloc(op.outputs[0])
        if (
            dst is None
            or dst in out
            or op.outputs[0] in op.inputs  # read before written: zeros, not the input
            or any(at(u) < pos[op] for u in op.outputs[0].uses)
        ):
            continue
        for src_v in op.inputs:
            src = plain_alloc(src_v)
            if (
                src is not None
                and src is not dst
                and src not in given
                and src_v.type == op.outputs[0].type
                and pos[src] < pos[dst]
                and all(at(u) <= pos[op] for u in src_v.uses)
            ):
                # a result held in an input's buffer may give it on in turn
                out[dst] = out.get(src, src)
                given.add(src)
                break
    return out


def inplace_gets(body: Block) -> dict[dato.GetOp, Operation | None]:
    """The gets of blocks whose object can be read where the fifo holds it,
    with the last top-level op using it (None: unused), after which the
    lowering releases it: a get whose block is only read (an elementwise
    op's or a matmul's input, a copy's source, loads, the value a put sends
    on), with no stream access and no matmul (whose K tiles arrive through
    fifos) from the get to that op -- the core then acquires nothing while it
    holds the object, as when it copied the block out at once -- or, for a
    block a matmul reads or a put forwards, only accesses to other streams
    and no K-streamed matmul in between (_holds_across; a get in a loop is
    held within its iteration, _blockwise_get). Streams the lowering reaches in
    another way (chained, routed, padded) still copy (physical mapping counts
    their blocks as locals)."""
    out: dict[dato.GetOp, Operation | None] = {}
    for op in body.walk():
        if not isinstance(op, dato.GetOp) or not isinstance(op.result.type, MemRefType):
            continue
        # a get in a loop or branch: its last user within the same block (the
        # lowering releases the object there, every iteration)
        block = op.parent_block()
        assert block is not None
        if block is not body and not _blockwise_get(op, body):
            continue
        ops = list(block.ops)
        pos = {o: k for k, o in enumerate(ops)}
        last = pos[op]
        ok = True
        for use in op.result.uses:
            user = use.operation
            top = block.find_ancestor_op_in_block(user)
            reads = (
                (isinstance(user, ELEMENTWISE_OPS) and use.index < len(user.inputs))
                or (isinstance(user, memref.CopyOp) and use.index == 0)
                or isinstance(user, memref.LoadOp)
                or (isinstance(user, linalg.MatmulOp) and use.index < len(user.inputs))
                or (isinstance(user, dato.PutOp) and user.value is op.result)
            )
            if top is None or not reads:
                ok = False
                break
            last = max(last, pos[top])
        if not ok:
            continue
        window = ops[pos[op] + 1 : last + 1]
        if any(
            isinstance(inner, dato.GetOp | dato.PutOp | linalg.MatmulOp)
            for w in window
            for inner in w.walk()
        ) and not _holds_across(op, window, body):
            continue
        out[op] = ops[last] if last > pos[op] else None
    return out


def _blockwise_get(get: dato.GetOp, body: Block) -> bool:
    """A get nested in `body` is read in place only with an object-holding
    rule the lowering reproduces: it lowers plain loops and branches op by op
    (not the row loops of npu_stream_reads, which it rebuilds), and is used
    with a matmul or a put (the holds this serves: a PE multiplying and
    forwarding the blocks it receives each step)."""
    uses = get.result.uses
    if uses and not any(isinstance(u.operation, linalg.MatmulOp | dato.PutOp) for u in uses):
        return False  # (a block nothing reads: released at once, a drain's)
    parent = get.parent_op()
    while parent is not None and parent.parent_block() is not body:
        if not isinstance(parent, scf.ForOp | scf.IfOp) or ROW_LOOP in parent.attributes:
            return False
        parent = parent.parent_op()
    return (
        parent is not None
        and isinstance(parent, scf.ForOp | scf.IfOp)
        and ROW_LOOP not in parent.attributes
    )


def _holds_across(get: dato.GetOp, window: list[Operation], body: Block) -> bool:
    """Whether a received block used by a matmul or sent on (a put of it)
    may stay in its fifo object across the stream accesses and matmuls of
    `window` (the top-level ops up to its last use): a block a PE multiplies
    and forwards (a systolic PE, a GEMM consuming a stream) would otherwise
    take a local copy as large as the object. Held only when the window's
    other gets and puts are on other streams (the stream the object is held
    in is not waited on while held) and none of its matmuls is the one whose
    K may stream (local_matmul: its K tiles arrive through fifos the lowering
    acquires inside it; the GEMM designs keep the block's copy)."""
    streamed = local_matmul(body, staged=True)
    uses = [u.operation for u in get.result.uses]
    if not any(isinstance(u, linalg.MatmulOp | dato.PutOp) for u in uses):
        return False
    name = get.stream.root_reference.data
    for w in window:
        for inner in w.walk():
            if isinstance(inner, dato.GetOp | dato.PutOp):
                if inner.stream.root_reference.data == name:
                    return False
            elif (
                isinstance(inner, linalg.MatmulOp) and streamed is not None and inner is streamed.op
            ):
                return False
    return True


def is_contiguous(t: Attribute) -> bool:
    """Whether `t` is an array of the identity layout (a kernel's operand
    as it is: no staging): no layout and no memory space, what
    MemRefType(element, shape) makes (compared without building one, which
    took most of a lowering's time)."""
    return (
        isinstance(t, MemRefType)
        and isinstance(t.layout, NoneAttr)
        and isinstance(t.memory_space, NoneAttr)
    )


def staged_views(op: Operation) -> list[MemRefType]:
    """The contiguous buffers the lowering stages a kernel's strided operands
    in (npu_lowering `staged`: library kernels take contiguous arrays, so a
    view such as `a[:, s*k:(s+1)*k]` is copied into one before the call):
    one per operand of a matmul or element-wise op that is an array of
    another layout, of its shape. Physical mapping counts them (body_buffers)
    as the lowering allocates them."""
    out: list[MemRefType] = []
    for v in op.operands:
        t = v.type
        if isinstance(t, MemRefType) and not is_contiguous(t):
            out.append(MemRefType(t.element_type, t.get_shape()))
    return out


def body_buffers(body: Block, skip: set[Operation] | None = None) -> BodyBuffers:
    pos = {op: k + 1 for k, op in enumerate(body.ops)}
    reused = {d: s for d, s in reused_inputs(body).items() if not skip or not {d, s} & skip}
    into: dict[Operation, list[Operation]] = {}  # a buffer's first alloc -> the others
    for dst, src in reused.items():
        into.setdefault(src, []).append(dst)
    inplace = inplace_gets(body)
    got: dict[str, list[tuple[MemRefType, int, int]]] = {}
    put: dict[str, list[tuple[MemRefType, int, int]]] = {}
    spans: list[tuple[MemRefType, int, int]] = []
    first_put: dict[str, int] = {}
    last_get: dict[str, int] = {}
    tables = 0

    def span(value: SSAValue, start: int | None) -> tuple[int, int] | None:
        at = [] if start is None else [start]
        for view in _views(value):
            for use in view.uses:
                top = body.find_ancestor_op_in_block(use.operation)
                if top is not None and not isinstance(use.operation, memref.SubviewOp):
                    at.append(pos[top])
        return (min(at), max(at)) if at else None

    for op in body.walk():
        if skip and op in skip:
            continue
        top = body.find_ancestor_op_in_block(op)
        assert top is not None
        if isinstance(op, memref.AllocOp | memref.AllocaOp):
            t = op.results[0].type
            assert isinstance(t, MemRefType)
            if table_values(op) is not None:
                tables += memref_bytes(t)  # an initialised buffer: shares with nothing
                continue
            if op in reused:
                continue  # held in its input's buffer (the input's span covers it)
            found = span(op.results[0], None)
            for later_op in into.get(op, []):
                later = span(later_op.results[0], None)
                assert found is not None and later is not None
                found = (min(found[0], later[0]), max(found[1], later[1]))
            marked = in_place_put(op.results[0])
            if found is not None and marked is not None:
                put.setdefault(marked.stream.root_reference.data, []).append((t, *found))
            elif found is not None:
                spans.append((t, *found))
            else:
                tables += memref_bytes(t)  # a buffer nothing uses shares with nothing
        elif isinstance(op, dato.GetOp):
            name = op.stream.root_reference.data
            last_get[name] = max(last_get.get(name, 0), pos[top])
            if isinstance(op.result.type, MemRefType):
                found = span(op.result, pos[top])
                assert found is not None
                if op in inplace:
                    got.setdefault(name, []).append((op.result.type, *found))
                else:
                    spans.append((op.result.type, *found))
        elif isinstance(op, dato.PutOp):
            name = op.stream.root_reference.data
            first_put[name] = min(first_put.get(name, pos[top]), pos[top])
        if isinstance(op, (linalg.MatmulOp, *ELEMENTWISE_OPS)):
            # a strided view a kernel reads or writes: the lowering stages it
            # in a contiguous buffer of the tile around the call (staged_views)
            spans += [(t, pos[top], pos[top]) for t in staged_views(op)]
    return BodyBuffers(len(pos), spans, first_put, last_get, tables, got, put=put)


def shared_bytes(spans: list[tuple[MemRefType, int, int]]) -> int:
    """Bytes of the buffers that hold `spans` when buffers of one type whose
    spans are disjoint share one allocation: per type, the most spans that
    overlap at one position (what aie_buffer_sharing allocates)."""
    total = 0
    by_type: dict[MemRefType, list[tuple[int, int]]] = {}
    for t, start, end in spans:
        by_type.setdefault(t, []).append((start, end))
    for t, found in by_type.items():
        events = sorted([(s, 0) for s, _ in found] + [(e, 1) for _, e in found])
        live = most = 0
        for _, kind in events:
            live += 1 if kind == 0 else -1
            most = max(most, live)
        total += most * memref_bytes(t)
    return total


def local_written_first(value: SSAValue) -> bool:
    """The first op (in program order) that touches the allocation `value`
    (through any view) writes all of it without reading it (a fill, a copy
    into it, an elementwise result, a store into a one-element buffer), and
    every other use comes after it in its block (or inside a later op of that
    block): every run reaches a read through that write. Otherwise the first
    reader would see what the allocation held before (zeros on the simulator;
    whatever an earlier user of a shared tile buffer left)."""
    owner = value.owner
    if not isinstance(owner, Operation):
        return False
    region_block = owner.parent_block()
    if region_block is None:
        return False
    users: list[tuple[Operation, SSAValue]] = []
    for view in _views(value):
        for use in view.uses:
            if not isinstance(use.operation, memref.SubviewOp):
                users.append((use.operation, view))
    if not users:
        return True
    order = {op: k for k, op in enumerate(region_block.walk())}
    if any(op not in order for op, _ in users):
        return False
    users.sort(key=lambda u: order[u[0]])
    op, view = users[0]
    block = op.parent_block()
    assert block is not None
    t = value.type
    one = isinstance(t, MemRefType) and math.prod(t.get_shape()) == 1
    if isinstance(op, memref.StoreOp):
        writes = one and op.memref is value and op.value is not value
    else:
        writes = view is value and _overwrites(op, view)
    if not writes:
        return False
    at = {o: k for k, o in enumerate(block.ops)}
    for other, _ in users[1:]:
        top = block.find_ancestor_op_in_block(other)
        if other is op or top is None or at[top] <= at[op]:
            return False
    return True
