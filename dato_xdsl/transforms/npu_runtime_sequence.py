"""`dato-npu-runtime-sequence`: the host program of an `aie.device` design.

`dato-npu-transfers` (npu_lower_transfers.py) records what the host moves, and
this pass reads only those attributes:

- on the `aie.device`: `dato.host_args`, the host arrays as the runtime
  sequence sees them (padded rows included), and `dato.host_names`, their names;
- on each shim-side `aie.objectfifo`: `dato.host_arg`, the host array it
  moves, and its `dma_memcpy_nd` access patterns, one per call, in
  `dato.dma_offsets` (linear offsets), `dato.dma_sizes` and `dato.dma_strides`.
  The shim tile's column is the fifo's shim end; a fifo whose producer is the
  shim reads the host array, one whose consumer is the shim writes it.

It appends an `aie.runtime_sequence` that issues the calls (reads first) with
buffer descriptor ids counted per shim column, at most the shim's BDs. When a
column has more calls than BDs, the order follows the core bodies
(npu_shim_replay): the calls go in the order they start moving data when the
cores' acquires and releases are replayed with every call issued, and a call
that finds no free BD waits for the column's running call that finishes
first in a replay of only the calls issued so far, then reuses its BD. So a
core that takes one fifo whole before another (all rows of A, then of B; all
of C before D) is never waited on for a call it reaches only after one not
issued yet. Where no running call can finish, it refuses, naming the column,
its fifos and their calls. A design the replay cannot follow (a loop of
unknown bounds around fifo accesses, a fifo end without a core body) keeps the
stage model: call k of n at stage k/n, round-robin across fifos, waiting on
the running call that finishes first among those whose consumers need no
call not issued yet (call k of n needs every call starting before stage
(k+1)/n). Every write is awaited at the end. The attributes are consumed
(removed).
A recorded pattern the shim cannot take as written (an innermost size over its
1023 words that is not a linear transfer) is rewritten to one that moves the
same elements in the same order (`shim_legal`): contiguous dimensions merged,
a long run cut into rows that fit, and, when that needs a fourth dimension,
the outermost one moved into the repeat (a collector gathering 1024-word rows
of 4 workers from 4 row blocks). A call no single pattern within the limits
holds (the repeat already taken, a stride over 1M words) is split, before the
BDs are counted, into consecutive calls along its outer dimensions
(`split_illegal`, at most MAX_PIECES calls).
A device without `dato.host_args` (the bundled GEMM design, which builds its own
sequence) is left as it is."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import prod

from xdsl.context import Context
from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseArrayBase,
    IntegerAttr,
    MemRefType,
    ModuleOp,
    StringAttr,
    SymbolRefAttr,
    i1,
    i32,
    i64,
)
from xdsl.ir import Attribute, Block, SSAValue
from xdsl.passes import ModulePass

from dato_xdsl.devices import MemcpyNdLimits, NpuDevice
from dato_xdsl.diagnostics import op_error
from dato_xdsl.dialects import aie, aiex
from dato_xdsl.transforms.npu_shim_replay import NoReplay, Replay, ShimCall

HOST_ARGS = "dato.host_args"
HOST_NAMES = "dato.host_names"
HOST_ARG = "dato.host_arg"
CALL_ARGS = "dato.host_args_per_call"
DMA_OFFSETS = "dato.dma_offsets"
DMA_SIZES = "dato.dma_sizes"
DMA_STRIDES = "dato.dma_strides"


@dataclass(eq=False)
class ShimTransfer:
    """One shim-side fifo's host transfer (compared by identity)."""

    name: str
    arg: int
    column: int
    is_read: bool
    calls: list[tuple[int, list[int], list[int]]]


Call = tuple[ShimTransfer, int, int, list[int], list[int]]
"""One call: its transfer, its index there, offset, sizes and strides."""


def _ints(attr: Attribute) -> list[int]:
    assert isinstance(attr, DenseArrayBase)
    return [int(v) for v in attr.get_values()]


def _lists(attrs: Sequence[Attribute]) -> list[list[int]]:
    """The integer lists of `attrs`, each a list of its own; an attribute
    repeated (record_shim_transfer shares them) read once."""
    read: dict[int, list[int]] = {}
    out: list[list[int]] = []
    for attr in attrs:
        if id(attr) not in read:
            read[id(attr)] = _ints(attr)
        out.append(list(read[id(attr)]))
    return out


def record_host(device_op: aie.DeviceOp, types: list[MemRefType], names: list[str]) -> None:
    """What the runtime sequence's arguments are (see the module docstring)."""
    device_op.attributes[HOST_ARGS] = ArrayAttr(types)
    device_op.attributes[HOST_NAMES] = ArrayAttr(StringAttr(n) for n in names)


def record_shim_transfer(
    fifo: aie.ObjectFifoCreateOp,
    arg: int,
    calls: list[tuple[int, list[int], list[int]]],
    args: list[int] | None = None,
) -> None:
    """A shim-side fifo's host array and access patterns (module docstring);
    `args`: per call, its host array, when they differ (a core's joined
    reads: one array's blocks, then the other's)."""
    fifo.attributes[HOST_ARG] = IntegerAttr(arg, i64)
    if args is not None and set(args) != {arg}:
        fifo.attributes[CALL_ARGS] = DenseArrayBase.from_list(i64, args)
    fifo.attributes[DMA_OFFSETS] = DenseArrayBase.from_list(i64, [c[0] for c in calls])
    # thousands of calls repeat a few sizes and strides: one attribute per list
    lists: dict[tuple[int, ...], DenseArrayBase] = {}

    def shared(values: list[int]) -> DenseArrayBase:
        key = tuple(values)
        if key not in lists:
            lists[key] = DenseArrayBase.from_list(i64, key)
        return lists[key]

    fifo.attributes[DMA_SIZES] = ArrayAttr(shared(c[1]) for c in calls)
    fifo.attributes[DMA_STRIDES] = ArrayAttr(shared(c[2]) for c in calls)


def _tile_of(value: object) -> tuple[int, int] | None:
    owner = getattr(value, "owner", None)
    if isinstance(owner, aie.TileOp):
        return owner.col.value.data, owner.row.value.data
    return None


def shim_transfers(
    device_op: aie.DeviceOp, host: list[Attribute] | None = None
) -> list[ShimTransfer]:
    """The recorded shim transfers, in the device body's order (consumed);
    with the `host` argument types, a call no single pattern within the
    shim's limits can hold is split into several (`split_illegal`)."""
    out: list[ShimTransfer] = []
    for op in device_op.body.block.ops:
        if not isinstance(op, aie.ObjectFifoCreateOp) or HOST_ARG not in op.attributes:
            continue
        arg = op.attributes.pop(HOST_ARG)
        offsets = _ints(op.attributes.pop(DMA_OFFSETS))
        sizes, strides = op.attributes.pop(DMA_SIZES), op.attributes.pop(DMA_STRIDES)
        assert isinstance(arg, IntegerAttr)
        assert isinstance(sizes, ArrayAttr) and isinstance(strides, ArrayAttr)
        producer = _tile_of(op.producerTile)
        consumers = [_tile_of(c) for c in op.consumerTiles]
        if producer is not None and producer[1] == 0:
            column, is_read = producer[0], True
        elif len(consumers) == 1 and consumers[0] is not None and consumers[0][1] == 0:
            column, is_read = consumers[0][0], False
        else:
            raise op_error(op, f"records host argument {arg.value.data} but has no shim end")
        if not len(offsets) == len(sizes.data) == len(strides.data):
            raise op_error(
                op,
                f"records {len(offsets)} DMA offsets, {len(sizes.data)} sizes and "
                f"{len(strides.data)} strides: one of each per call",
            )
        calls = list(zip(offsets, _lists(sizes.data), _lists(strides.data), strict=True))
        per_call = op.attributes.pop(CALL_ARGS, None)
        of = _ints(per_call) if per_call is not None else [arg.value.data] * len(calls)
        if any(len(c[1]) != 4 or len(c[2]) != 4 for c in calls):
            raise op_error(op, "records DMA sizes or strides that are not 4 dimensions")
        # one transfer per run of calls on one host array (in order, one fifo)
        runs: list[tuple[int, list[tuple[int, list[int], list[int]]]]] = []
        if not calls:
            runs.append((arg.value.data, []))
        for a, call in zip(of, calls, strict=True):
            if not runs or runs[-1][0] != a:
                runs.append((a, []))
            runs[-1][1].append(call)
        for a, part in runs:
            model = device_op.model
            if model is not None:
                part = split_repeats(part, model.memcpy_nd.max_repeat)
                element = host[a] if host and a < len(host) else None
                if isinstance(element, MemRefType):
                    bits = aie.element_bits(element.element_type)
                    part = [p for c in part for p in split_illegal(c, bits, model.memcpy_nd)]
            out.append(ShimTransfer(op.fifo_name, a, column, is_read, part))
    return out


def split_repeats(
    calls: list[tuple[int, list[int], list[int]]], max_repeat: int
) -> list[tuple[int, list[int], list[int]]]:
    """Calls whose repeat count (outermost size) is over the shim's limit, cut
    into consecutive calls of at most `max_repeat` repeats: the repeat only
    advances the offset by its stride, so the pieces move the same elements in
    the same order."""
    out: list[tuple[int, list[int], list[int]]] = []
    for offset, sizes, strides in calls:
        for first in range(0, sizes[0], max_repeat):
            count = min(max_repeat, sizes[0] - first)
            out.append((offset + first * strides[0], [count, *sizes[1:]], list(strides)))
    return out


def shim_legal(
    sizes: list[int], strides: list[int], bits: int, limits: MemcpyNdLimits
) -> tuple[list[int], list[int]]:
    """`sizes`/`strides` ([repeat, d2, d1, d0], elements) moving the same
    elements in the same order within the shim's limits where they are not:
    dimensions that walk on contiguously are merged (4 rows of 1024 words,
    1024 apart, are one linear transfer of 4096, which the shim takes whole;
    2048 rows of 6 elements, 6 apart, are one of 12288), an innermost run
    still over the limit is cut into rows of the largest whole-word divisor
    that fits, in a dimension left free, and a row count over dimension 1's
    limit is factored into dimensions 2 and 1 (dimension 2 has no size field:
    its extent follows from the transfer's length). Patterns already legal,
    or that cannot be rewritten so, are returned unchanged (the verifier then
    names the limit)."""
    words = sizes[3] * bits // limits.word_bits
    linear = sizes[1] == sizes[2] == 1 and strides[3] == 1 and strides[1] == strides[2] == 0
    if linear or (words <= limits.max_size_d0 and sizes[2] <= limits.max_size_d1):
        return sizes, strides
    # (size, stride) from the innermost out, size-1 dimensions dropped
    dims = [(z, t) for z, t in zip(sizes[:0:-1], strides[:0:-1], strict=True) if z > 1]
    merged: list[tuple[int, int]] = []
    for z, t in dims:
        if merged and t == merged[-1][0] * merged[-1][1]:
            merged[-1] = (merged[-1][0] * z, merged[-1][1])
        else:
            merged.append((z, t))
    if len(merged) == 1 and merged[0][1] == 1:
        return [sizes[0], 1, 1, merged[0][0]], [strides[0], 0, 0, 1]
    if not merged or merged[0][1] != 1:
        return sizes, strides
    if len(merged) > 2:
        return _refactored(sizes, strides, merged, bits, limits)
    n = merged[0][0]
    outer = merged[1] if len(merged) == 2 else (1, 0)
    if n * bits // limits.word_bits <= limits.max_size_d0:
        # the rows fit; their count does not: rows = a x b, b within the limit
        b = max((d for d in range(1, limits.max_size_d1 + 1) if outer[0] % d == 0), default=1)
        a = outer[0] // b
        return (
            [sizes[0], a, b, n],
            [strides[0], b * outer[1] if a > 1 else 0, outer[1] if b > 1 else 0, 1],
        )
    cap = limits.max_size_d0 * limits.word_bits // bits
    row = max(
        (d for d in range(1, min(n, cap) + 1) if n % d == 0 and d * bits % limits.word_bits == 0),
        default=0,
    )
    if row == 0 or n // row > limits.max_size_d1:
        return sizes, strides
    return (
        [sizes[0], outer[0], n // row, row],
        [strides[0], outer[1] if outer[0] > 1 else 0, row, 1],
    )


def _refactored(
    sizes: list[int],
    strides: list[int],
    merged: list[tuple[int, int]],
    bits: int,
    limits: MemcpyNdLimits,
) -> tuple[list[int], list[int]]:
    """Rows over the limit of three or more dimensions (`merged`, (size,
    stride) from the innermost out, the contiguous run first): the run cut
    into rows of the largest whole-word divisor that fits, the row count a
    dimension of its own, and the dimensions moved out by one, the outermost
    into the repeat, whose stride advances the offset as any dimension's (a
    gather of 4 rows of 1024 words from each of 4 blocks: [1, 4, 4, 1024]
    strides [0, 1024, 16384, 1] -> [4, 4, 2, 512] strides [1024, 16384, 512,
    1], the same words in the same order). Unchanged when the repeat is taken
    or a size is then over its field."""
    n = merged[0][0]
    cap = limits.max_size_d0 * limits.word_bits // bits
    row = max(
        (d for d in range(1, min(n, cap) + 1) if n % d == 0 and d * bits % limits.word_bits == 0),
        default=0,
    )
    if row == 0:
        return sizes, strides
    dims = [(row, 1), *([(n // row, row)] if n > row else []), *merged[1:]]
    if sizes[0] > 1:
        dims.append((sizes[0], strides[0]))
    if len(dims) > 4:
        return sizes, strides
    dims += [(1, 0)] * (4 - len(dims))
    _, (d1, _), _, (repeat, _) = dims
    if d1 > limits.max_size_d1 or repeat > limits.max_repeat:
        return sizes, strides
    if any(z > 1 and t * bits // limits.word_bits > limits.max_stride for z, t in dims):
        return sizes, strides
    return [z for z, _ in reversed(dims)], [t if z > 1 else 0 for z, t in reversed(dims)]


MAX_PIECES = 64
"""Calls one recorded call may be split into (each takes a BD in turn)."""


def shim_fits(sizes: list[int], strides: list[int], bits: int, limits: MemcpyNdLimits) -> bool:
    """Whether the shim takes the pattern as it is: mlir-aie's dma_memcpy_nd
    fields (innermost size in words and dimension 1's size at most 1023
    unless a linear transfer, repeat at most 64, strides at most 1M words)."""
    words = sizes[3] * bits // limits.word_bits
    linear = sizes[1] == sizes[2] == 1 and strides[3] == 1 and strides[1] == strides[2] == 0
    if not linear and (words > limits.max_size_d0 or sizes[2] > limits.max_size_d1):
        return False
    if sizes[0] > limits.max_repeat:
        return False
    return all(
        z <= 1 or t * bits // limits.word_bits <= limits.max_stride
        for z, t in zip(sizes, strides, strict=True)
    )


def split_illegal(
    call: tuple[int, list[int], list[int]], bits: int, limits: MemcpyNdLimits
) -> list[tuple[int, list[int], list[int]]]:
    """`call` as one pattern within the shim's limits (`shim_legal`) or, when
    none holds it, as consecutive calls, one per index of its outermost
    dimension of more than one element (each rewritten so in turn): the
    pieces move the same elements in the same order, one BD each. A call
    that would take more than MAX_PIECES calls is kept (the verifier then
    names the limit)."""
    offset, sizes, strides = call
    legal = shim_legal(sizes, strides, bits, limits)
    if shim_fits(*legal, bits, limits):
        return [(offset, sizes, strides)]
    pieces = [(offset, list(sizes), list(strides))]
    for _ in range(4):
        d = next((d for d in range(4) if pieces[0][1][d] > 1), None)
        if d is None or len(pieces) * pieces[0][1][d] > MAX_PIECES:
            return [call]
        out = []
        for o, z, t in pieces:
            inner = [1 if e == d else v for e, v in enumerate(z)]
            flat = [0 if e == d else v for e, v in enumerate(t)]
            out += [(o + i * t[d], inner, flat) for i in range(z[d])]
        pieces = out
        if all(shim_fits(*shim_legal(z, t, bits, limits), bits, limits) for _, z, t in pieces):
            return pieces
    return [call]


_TOKEN = IntegerAttr(1, i1)
"""`issue_token = true` (one object for every call: attributes are immutable)"""


def _order_props(call: aiex.NpuDmaMemcpyNdOp, token: bool) -> None:
    """The call's properties in mlir-aie's printed order (id, issue_token,
    metadata), with a task-completion token if `token`."""
    props = dict(call.properties)
    metadata, bd_id = props.pop("metadata"), props.pop("id")
    props.pop("issue_token", None)
    props["id"] = bd_id
    if token:
        props["issue_token"] = _TOKEN
    props["metadata"] = metadata
    call.properties = props


class _SharedAttributes:
    """The attributes of a sequence's calls, one object per value: a sequence
    of thousands of calls repeats a few sizes, strides, names and BD ids, and
    building each anew (DenseArrayBase.from_list) was most of its time; shared
    (attributes are immutable), verifying knows a call's structure by the
    identities of its parts."""

    def __init__(self) -> None:
        self._lists: dict[tuple[int, ...], DenseArrayBase] = {}
        self._ids: dict[int, IntegerAttr] = {}
        self._names: dict[str, SymbolRefAttr] = {}
        self._segments = DenseArrayBase.from_list(i32, [1, 0, 0, 0])

    def _list(self, values: Sequence[int]) -> DenseArrayBase:
        key = tuple(values)
        found = self._lists.get(key)
        if found is None:
            found = self._lists[key] = DenseArrayBase.from_list(i64, key)
        return found

    def _name(self, name: str) -> SymbolRefAttr:
        if name not in self._names:
            self._names[name] = SymbolRefAttr(name)
        return self._names[name]

    def wait(self, name: str) -> aiex.NpuDmaWaitOp:
        """The wait `aiex.NpuDmaWaitOp(name)` makes."""
        return aiex.NpuDmaWaitOp.create(properties={"symbol": self._name(name)})

    def memcpy(
        self,
        buffer: SSAValue,
        offsets: Sequence[int],
        sizes: Sequence[int],
        strides: Sequence[int],
        name: str,
        bd_id: int,
    ) -> aiex.NpuDmaMemcpyNdOp:
        """The call `aiex.NpuDmaMemcpyNdOp(buffer, offsets, sizes, strides,
        name, bd_id)` makes, its properties in the order `_order_props` gives
        a call without a token."""
        if bd_id not in self._ids:
            self._ids[bd_id] = IntegerAttr(bd_id, i64)
        return aiex.NpuDmaMemcpyNdOp.create(
            operands=[buffer],
            properties={
                "static_offsets": self._list(offsets),
                "static_sizes": self._list(sizes),
                "static_strides": self._list(strides),
                "operandSegmentSizes": self._segments,
                "id": self._ids[bd_id],
                "metadata": self._name(name),
            },
        )


def _column_counts(calls: list[Call], col: int) -> str:
    """'@A_in0: 8 calls, @C_out0: 16 calls': the column's fifos and their calls."""
    counts: dict[str, int] = {}
    for t, *_ in calls:
        if t.column == col:
            counts[t.name] = counts.get(t.name, 0) + 1
    return ", ".join(f"@{name}: {n} call{'s' * (n != 1)}" for name, n in counts.items())


def _replayed_plan(
    device_op: aie.DeviceOp,
    transfers: list[ShimTransfer],
    calls: list[Call],
    host: list[Attribute],
    limit: int,
) -> tuple[list[int], dict[int, list[int]]]:
    """The order to issue `calls` in and, per call (by its index in `calls`),
    the calls to wait on first. The order is the one in which the calls start
    moving data in a replay with every call issued at once; a call that finds
    its column's BDs all taken waits on the running call there that finishes
    first in a replay of only what is issued by then. Refused (naming the
    column, its calls and the numbers) when none can finish: each waits for a
    core to take objects that follow a call not issued yet."""
    fifos = {t.name: t.is_read for t in transfers}
    # each call's bits, and the bits of its fifo's stream before it (a
    # fifo's calls are in `calls` in their order)
    bits: list[int] = []
    before: list[int] = []
    moved: dict[str, int] = {}
    for t, _k, _o, sizes, _s in calls:
        element = host[t.arg]
        assert isinstance(element, MemRefType)
        bits.append(prod(sizes) * aie.element_bits(element.element_type))
        before.append(moved.get(t.name, 0))
        moved[t.name] = before[-1] + bits[-1]
    free_run = Replay(device_op, fifos)
    started = [
        free_run.issue(t.name, t.is_read, b, n)
        for (t, *_), b, n in zip(calls, before, bits, strict=True)
    ]
    free_run.advance(lambda: False)
    if any(c.finished is None for c in started) or any(free_run.stalled_cores()):
        # the cores stop short even with every call issued: a design the
        # replay does not follow (or one that hangs whatever the sequence)
        raise NoReplay("the cores do not finish with every call issued")
    order = sorted(
        range(len(calls)),
        key=lambda i: (started[i].started is None, started[i].started or 0, i),
    )
    replay = Replay(device_op, fifos)
    running: dict[int, list[tuple[int, ShimCall]]] = {}
    waits: dict[int, list[int]] = {}
    for i in order:
        t = calls[i][0]
        col = running.setdefault(t.column, [])
        if len(col) >= limit:
            if not replay.advance(lambda col=col: any(c.finished is not None for _, c in col)):
                raise op_error(device_op, _stuck(calls, i, col, limit, replay))
            done = min((c.finished, j) for j, c in col if c.finished is not None)
            j = done[1]
            col[:] = [(x, c) for x, c in col if x != j]
            waits.setdefault(i, []).append(j)
        col.append((i, replay.issue(t.name, t.is_read, before[i], bits[i])))
    return order, waits


def _stuck(
    calls: list[Call], i: int, col: list[tuple[int, ShimCall]], limit: int, replay: Replay
) -> str:
    t, k = calls[i][0], calls[i][1]
    running: dict[str, int] = {}
    for j, _ in col:
        name = calls[j][0].name
        running[name] = running.get(name, 0) + 1
    listed = ", ".join(f"@{n}: {c}" for n, c in running.items())
    cores = ", ".join(replay.stalled_cores()) or "none"
    return (
        f"shim column {t.column} moves {sum(1 for c in calls if c[0].column == t.column)} "
        f"host transfer calls ({_column_counts(calls, t.column)}) with {limit} buffer "
        f"descriptors, and before call {k + 1} of {len(t.calls)} of @{t.name} none of "
        f"its {limit} running calls ({listed}) can finish: the cores ({cores}) wait for "
        "objects of calls not issued yet, in the order they take their fifos (waiting "
        "would hang); fewer, larger transfers or cores that take the fifos in step fit"
    )


def _emit_planned(
    block: Block,
    calls: list[Call],
    plan: dict[int, list[int]],
    host: list[Attribute],
    model: NpuDevice,
    limit: int,
) -> None:
    """The sequence's calls in order, with the waits `plan` puts before them
    (a waited call's BD is the next one its column hands out)."""
    free = [list(range(limit)) for _ in range(model.columns)]
    attrs = _SharedAttributes()
    made: dict[int, tuple[aiex.NpuDmaMemcpyNdOp, int]] = {}
    tokens: dict[str, int] = {}  # per fifo: tokens raised and not yet awaited
    for i, (t, _k, offset, sizes, strides) in enumerate(calls):
        for j in plan.get(i, []):
            call, bd_id = made[j]
            done = calls[j][0]
            if done.is_read:
                _order_props(call, True)
                tokens[done.name] = tokens.get(done.name, 0) + 1
            block.add_op(attrs.wait(done.name))
            tokens[done.name] -= 1
            free[done.column].append(bd_id)
        element = host[t.arg]
        assert isinstance(element, MemRefType)
        sizes, strides = shim_legal(
            sizes, strides, aie.element_bits(element.element_type), model.memcpy_nd
        )
        bd_id = free[t.column].pop(0)
        call = attrs.memcpy(block.args[t.arg], (0, 0, 0, offset), sizes, strides, t.name, bd_id)
        if not t.is_read:
            _order_props(call, True)
        block.add_op(call)
        made[i] = (call, bd_id)
        if not t.is_read:
            tokens[t.name] = tokens.get(t.name, 0) + 1
    for name, n in tokens.items():
        for _ in range(n):
            block.add_op(attrs.wait(name))


def runtime_sequence(device_op: aie.DeviceOp) -> aie.RuntimeSequenceOp | None:
    """The device's runtime sequence from its recorded transfers (None: the
    device records none)."""
    host_attr = device_op.attributes.pop(HOST_ARGS, None)
    names_attr = device_op.attributes.pop(HOST_NAMES, None)
    if not isinstance(host_attr, ArrayAttr) or not isinstance(names_attr, ArrayAttr):
        return None
    model = device_op.model
    if model is None:
        raise op_error(device_op, "has no known NPU device model")
    host = list(host_attr.data)
    sequence = aie.RuntimeSequenceOp(host)
    block = sequence.body.block
    for arg, name in zip(block.args, names_attr.data, strict=True):
        assert isinstance(name, StringAttr)
        arg.name_hint = name.data
    transfers = shim_transfers(device_op, host)
    for t in transfers:
        if not 0 <= t.arg < len(host):
            raise op_error(
                device_op,
                f"fifo @{t.name} moves host argument {t.arg}, but the device records "
                f"{len(host)} host arguments",
            )
    limit = model.shim.buffer_descriptors
    calls: list[Call] = []
    for t in sorted(transfers, key=lambda t: not t.is_read):
        calls += [(t, k, *p) for k, p in enumerate(t.calls)]
    per_column = [0] * model.columns
    for t, *_ in calls:
        per_column[t.column] += 1
    plan: dict[int, list[int]] | None = None
    if max(per_column, default=0) > limit:
        # more calls on a column than it has BDs: issue them in the order the
        # cores take their objects, waiting only on calls that can finish
        # given what is issued (the replay of the cores' bodies); a design
        # the replay cannot follow keeps the stage model below
        try:
            order, plan = _replayed_plan(device_op, transfers, calls, host, limit)
        except NoReplay:
            plan = None
        else:
            calls = [calls[i] for i in order]
            at = {old: new for new, old in enumerate(order)}
            plan = {at[i]: [at[j] for j in js] for i, js in plan.items()}
    if plan is not None:
        _emit_planned(block, calls, plan, host, model, limit)
        return sequence
    # a call's stages: the share of its transfer moved before it starts and
    # once it is done. The cores take their fifos' objects in lockstep (block
    # k of A with block k of B, output tile k after both), so call k of n is
    # needed from stage k/n on and finishes by stage (k+1)/n, once every call
    # that starts before that has moved its data
    stages = [Fraction(k, len(t.calls)) for t, k, *_ in calls]
    if max(per_column, default=0) > limit:
        # more calls on a column than it has BDs: issue them in the order the
        # cores use them (by stage, writes first), and before a call that
        # finds no free BD, wait for one of the column's running calls whose
        # BD it then reuses (below)
        order = sorted(range(len(calls)), key=lambda i: (stages[i], calls[i][0].is_read))
        calls, stages = [calls[i] for i in order], [stages[i] for i in order]
    free = [list(range(limit)) for _ in range(model.columns)]
    attrs = _SharedAttributes()
    running: list[list[tuple[aiex.NpuDmaMemcpyNdOp, ShimTransfer, int, Fraction]]] = [
        [] for _ in free
    ]
    tokens: dict[str, int] = {}  # per fifo: tokens raised and not yet awaited
    for i, (t, k, offset, sizes, strides) in enumerate(calls):
        element = host[t.arg]
        assert isinstance(element, MemRefType)
        sizes, strides = shim_legal(
            sizes, strides, aie.element_bits(element.element_type), model.memcpy_nd
        )
        col = t.column
        if not free[col]:
            # the column's running call that finishes first among those
            # all of whose calls starting before it finishes are issued
            # (the stage model above):
            # waiting on one whose data needs a transfer not issued yet (its
            # consumer waits for that transfer's block) would hang
            safe = [j for j, r in enumerate(running[col]) if bisect_left(stages, r[3]) <= i]
            if not safe:
                raise op_error(
                    device_op,
                    f"shim column {col} moves {per_column[col]} host transfer calls "
                    f"({_column_counts(calls, col)}) with {limit} buffer descriptors, and "
                    f"before call {k + 1} of {len(t.calls)} of @{t.name} none of its "
                    f"{limit} running calls can finish without a call not yet issued "
                    "(waiting on one would hang)",
                )
            # (a read first: it finishes as its data enters a core, before
            # the outputs computed from it, whose tokens wait at the end)
            at = min(safe, key=lambda j: (not running[col][j][1].is_read, running[col][j][3]))
            call, oldest, bd_id, _done = running[col].pop(at)
            if oldest.is_read:
                _order_props(call, True)
                tokens[oldest.name] = tokens.get(oldest.name, 0) + 1
            block.add_op(attrs.wait(oldest.name))
            tokens[oldest.name] -= 1
            free[col].append(bd_id)
        bd_id = free[col].pop(0)
        call = attrs.memcpy(block.args[t.arg], (0, 0, 0, offset), sizes, strides, t.name, bd_id)
        if not t.is_read:
            _order_props(call, True)
        block.add_op(call)
        running[col].append((call, t, bd_id, stages[i] + Fraction(1, len(t.calls))))
        # each S2MM transfer raises one task-completion token and each
        # dma_wait consumes one (mlir-aie lowers it to one npu.sync)
        if not t.is_read:
            tokens[t.name] = tokens.get(t.name, 0) + 1
    for name, n in tokens.items():
        for _ in range(n):
            block.add_op(attrs.wait(name))
    return sequence


@dataclass(frozen=True)
class NpuRuntimeSequencePass(ModulePass):
    """Append the runtime sequence each device's recorded transfers need."""

    name = "dato-npu-runtime-sequence"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for device_op in [o for o in op.walk() if isinstance(o, aie.DeviceOp)]:
            sequence = runtime_sequence(device_op)
            if sequence is None:
                continue
            body = device_op.body.block
            end = body.last_op
            if isinstance(end, aie.EndOp):
                body.insert_op_before(sequence, end)
            else:
                body.add_op(sequence)
