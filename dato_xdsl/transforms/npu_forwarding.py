"""Arrays a task reads through a neighbour's DMA channels.

A compute tile has two input DMA channels (AM020). A task that reads more
arrays than that (plus the streams it gets) cannot take them all through its
own DMA; but its core reaches the memory of the tiles around it (north,
south, west: devices.shares_memory), where a stream needs no DMA. So the
compiler adds, per array over the limit (counting arrays only: streams have
memtile routes and placement's neighbours), a one-instance loader task that
reads the array through its own tile's DMA and puts it, as one block, on a
new stream to the task; the task gets the block at its start instead. The
loader is marked `dato.forwards` (the task it serves) and `dato.compiler_chosen`,
and placement puts it on a free tile sharing memory with the task.

Only whole read-only arrays of a one-instance task are forwarded (no bundle or
chain holds it, no matmul streams them): the block is then the array the task
would have read, and the get at its start happens before anything else."""

from __future__ import annotations

from xdsl.dialects.builtin import ArrayAttr, MemRefType, StringAttr, UnitAttr
from xdsl.ir import Block

from dato_xdsl.dialects import dato
from dato_xdsl.transforms.npu_plan import GroupPlan

FORWARDS = "dato.forwards"
COMPILER_CHOSEN = "dato.compiler_chosen"


def forward_inputs(
    region: dato.RegionOp,
    plans: dict[str, GroupPlan],
    channels: int,
    spare: int,
    count_streams: bool = False,
) -> list[str]:
    """Add loaders for the arrays over a tile's input channels (see module
    doc), at most `spare` (the cores left free); returns the loaders added.
    With `count_streams` (a placement that gave each stream its neighbour
    failed), the streams a task gets count against its channels too."""
    folded: set[str] = set()
    for op in region.body.block.ops:
        if isinstance(op, dato.BundleOp | dato.ChainOp):
            folded.update(op.names)
    taken = {s.sym_name.data for s in region.streams()} | {g.sym_name.data for g in region.groups()}
    added: list[str] = []
    for group in list(region.groups()):
        plan = plans[group.sym_name.data]
        insts = group.instances()
        if not insts or any(i.name in folded for i in insts):
            continue
        operands: set[int] = set()
        for mm in (plan.matmul, plan.local_matmul):
            if mm is not None:
                operands |= {mm.a, mm.b}
        # arrays only: streams have memtile routes and neighbours of their own
        need = sum(plan.reads) + (len(plan.gets) if count_streams else 0)
        body = group.body.block
        movable = [
            k
            for k, arg in enumerate(body.args)
            if plan.reads[k] and not plan.writes[k] and k not in operands and arg.uses
        ]
        # the smallest arrays first: their copies cost the task least memory
        movable.sort(key=lambda k: _bytes(body.args[k].type))
        for k in movable[: max(0, need - channels)]:
            if len(added) + len(insts) > spare:
                return added
            if len(insts) == 1 and not group.port_names:
                added.append(_forward(region, group, k, insts[0], taken))
            else:
                added += _forward_port(region, group, k, taken)
    return added


def _bytes(t: object) -> int:
    from dato_xdsl.dialects.aie import memref_bytes

    return memref_bytes(t) if isinstance(t, MemRefType) else 0  # type: ignore[arg-type]


def _fresh(base: str, taken: set[str]) -> str:
    name, n = base, 1
    while name in taken:
        name = f"{base}_{n}"
        n += 1
    taken.add(name)
    return name


def _forward(
    region: dato.RegionOp, group: dato.GroupOp, k: int, inst: dato.Instance, taken: set[str]
) -> str:
    assert isinstance(group.body.block.args[k].type, MemRefType)
    hint = group.args[k].name_hint or f"arg{k}"
    stream, task = _loader(region, group, k, inst, hint, taken)
    # the task gets it first instead of reading it
    _get_first(group, k, stream)
    return f"{task}"


def _loader(
    region: dato.RegionOp,
    group: dato.GroupOp,
    k: int,
    inst: dato.Instance,
    hint: str,
    taken: set[str],
) -> tuple[str, str]:
    """A stream and a loader for `inst`'s block of argument `k`: the loader
    reads the block through its own DMA and puts it whole."""
    t = group.body.block.args[k].type
    stream = _fresh(f"{inst.name}_{hint}_fwd", taken)
    task = _fresh(f"{inst.name}_load_{hint}", taken)
    decl = dato.StreamOp(stream, dato.StreamType(t, 1, 1))
    decl.attributes[COMPILER_CHOSEN] = UnitAttr()
    region.body.block.insert_op_before(decl, group)
    body = Block(arg_types=[t])
    body.add_op(dato.PutOp(stream, [], body.args[0]))
    loader = dato.GroupOp(
        task, task, [1], [group.args[k]], [], [((0,), [inst.offsets[k]], [])], body
    )
    loader.attributes[FORWARDS] = StringAttr(inst.name)
    loader.attributes[COMPILER_CHOSEN] = UnitAttr()
    loader.location = group.location
    region.body.block.insert_op_before(loader, group)
    return stream, task


def _get_first(group: dato.GroupOp, k: int, source: str) -> None:
    """The body gets argument `k`'s block from `source` (a stream or a port)
    before anything else, instead of reading the argument."""
    arg = group.body.block.args[k]
    get = dato.GetOp(source, [], arg.type)
    block = group.body.block
    if block.first_op is None:
        block.add_op(get)
    else:
        block.insert_op_before(get, block.first_op)
    arg.replace_uses_with_if(get.results[0], lambda use: use.operation is not get)


def _forward_port(region: dato.RegionOp, group: dato.GroupOp, k: int, taken: set[str]) -> list[str]:
    """`_forward` for a group of several instances (or with ports): a loader
    and a stream per instance, bound to a new port the body gets from."""
    assert isinstance(group.body.block.args[k].type, MemRefType)
    hint = group.args[k].name_hint or f"arg{k}"
    port = _fresh(f"{hint}_fwd", taken | set(group.port_names))
    insts = group.instances()
    streams: list[str] = []
    loaders: list[str] = []
    for inst in insts:
        stream, task = _loader(region, group, k, inst, hint, taken)
        streams.append(stream)
        loaders.append(task)
    # the new port, bound per instance to its loader's stream
    nports = len(group.port_names)
    old = [b.data for b in group.bindings.data]
    binds: list[str] = []
    for n, stream in enumerate(streams):
        binds += [*old[n * nports : (n + 1) * nports], stream]
    group.ports = ArrayAttr([*group.ports.data, StringAttr(port)])
    group.bindings = ArrayAttr([StringAttr(b) for b in binds])
    _get_first(group, k, port)
    return loaders
