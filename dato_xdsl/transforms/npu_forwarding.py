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

Only whole read-only blocks are forwarded (no bundle or chain holds the task,
no matmul streams them): the block is then the one the task would have read,
and the get at its start happens before anything else. A task grid gets a
loader per instance, bound through a new port; when the free cores do not
allow a loader per array, one loader per instance takes as many arrays as
its own input channels.
When no core is free for a loader at all (a grid taking every core), an
instance gets the array from a peer instead: another instance reading the
same block puts it, as its first op, on a stream to it (share_with_peers),
a neighbour's memory when placement makes them neighbours.
A grid chained onto fewer cores (physical mapping's isomorphic chains) gets
its loaders on the cores the chains freed, chained as their instances are
(`forward_to_chains`): every instance reads the array, so no peer can help.

Outputs over a tile's output channels go the same way in reverse
(`forward_outputs`): the task writes a local buffer instead of the array and
puts it, whole, on a new stream at its end; a one-instance helper next to it
(one per instance of a task grid, through new ports) gets it and writes the
array through its own DMA. An output the task must
first read (its host copy: element stores in a loop may leave holes) comes
from the helper too, on a stream the task gets at its start. One helper
serves as many arrays as its own DMA channels take (2 in, 2 out), so a task
writing 5 arrays and reading 4 needs 2 helpers, not 5 loaders and drains."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from xdsl.dialects import memref
from xdsl.dialects.builtin import ArrayAttr, MemRefType, StringAttr, UnitAttr
from xdsl.ir import Block, BlockArgument, Operation, OpResult, SSAValue
from xdsl.traits import IsTerminator, is_side_effect_free

from dato_xdsl import devices
from dato_xdsl.dialects import dato
from dato_xdsl.dialects.aie import memref_bytes
from dato_xdsl.transforms.npu_chain_search import (
    ChainPlan,
    SearchFailure,
    folded_instances,
    free_depths,
)
from dato_xdsl.transforms.npu_lock_budget import LOCKS_PER_FIFO_END
from dato_xdsl.transforms.npu_plan import GroupPlan, plan_group
from dato_xdsl.transforms.npu_write_boxes import shared_write_boxes
from dato_xdsl.transforms.stream_access import stream_uses

FORWARDS = "dato.forwards"
COMPILER_CHOSEN = dato.COMPILER_CHOSEN


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
    folded, taken = folded_instances(region), _taken(region)
    added: list[str] = []
    served = _served(region)
    over: list[Over] = []
    full = False
    for group in list(region.groups()):
        plan = plans[group.sym_name.data]
        insts = group.instances()
        if not insts or any(i.name in folded or i.name in served for i in insts):
            continue
        # arrays only: streams have memtile routes and neighbours of their own
        need = sum(plan.reads) + (len(plan.gets) if count_streams else 0)
        movable = _movable(group, plan)
        chosen = movable[: max(0, need - channels)]
        # a loader per array; where the free cores do not allow that, a loader
        # per `channels` arrays (its own DMA takes that many)
        sets = [[k] for k in chosen]
        if len(added) + len(insts) * len(sets) > spare:
            sets = [chosen[i : i + channels] for i in range(0, len(chosen), channels)]
        if full or len(added) + len(insts) * len(sets) > spare:
            # no cores for loaders (here or for a group before): instances
            # reading the same blocks pass them on instead (share_with_peers)
            full = True
            if chosen:
                over += [(group, inst, movable, need - channels) for inst in insts]
            continue
        for ks in sets:
            if len(insts) == 1 and not group.port_names:
                added.append(_forward(region, group, ks, insts[0], taken))
            else:
                added += _forward_port(region, group, ks, taken)
    if spare < 0:
        # more instances than cores: folding comes next, and a core running
        # members in turn could run a peer after the instance waiting on it
        return added
    if added:
        # the loaders are groups of their own, and the groups they serve get
        # their blocks from streams now: the peers are chosen on fresh plans
        plans = {g.sym_name.data: plan_group(g) for g in region.groups()}
    return added + share_with_peers(region, plans, over, folded | served, taken)


def forward_to_chains(
    region: dato.RegionOp,
    plans: dict[str, GroupPlan],
    channels: int,
    plan: ChainPlan,
    cores: int,
) -> ChainPlan | ChainForwardFailure | None:
    """Arrays over the input channels of cores running isomorphic chains
    (`plan`, not yet recorded), through loaders on the cores the chains
    freed: each instance of a chained group gets a loader (`_forward_port`:
    its blocks of the arrays, put whole on a stream it gets at its start),
    and the loaders are chained as their instances are, so one core next to
    a chain's core runs its members' loaders in the same order. A chain's
    members are instances of one body reading the same arrays, so its core
    needs one member's channels, and a loader core as many as its arrays.
    Returns the plan with the loaders' chains and the depths the cores
    running them in order need (npu_chain_search.free_depths), None when no
    chained core is over its channels, the failure when the freed cores are
    too few (region unchanged) or the replay does not finish (loaders added:
    `changed`)."""
    chained = {n: k for k, names in enumerate(plan.groups) for n in names}
    total = sum(g.num_instances() for g in region.groups())
    used = total - len(chained) + len(plan.groups)
    work: list[tuple[dato.GroupOp, list[list[int]]]] = []
    loaders_needed = 0
    for group in region.groups():
        insts = group.instances()
        if not any(i.name in chained for i in insts) or FORWARDS in group.attributes:
            continue
        p = plans[group.sym_name.data]
        need = sum(p.reads) + len(p.gets)
        movable = _movable(group, p)
        chosen = movable[: max(0, need - channels)]
        if need > channels and len(chosen) < need - channels:
            fixed = [_hint(group, k) for k, r in enumerate(p.reads) if r and k not in movable]
            return ChainForwardFailure(
                f"@{group.sym_name.data} reads {need} arrays and streams, and only "
                f"{len(movable)} of them can be forwarded whole by a loader (not "
                f"{', '.join(fixed)}: written by the task or a matmul's operands, "
                "whose K is streamed)"
            )
        if not chosen:
            continue
        sets = [chosen[i : i + channels] for i in range(0, len(chosen), channels)]
        # a loader core per chain and per instance left alone, per set
        mine = {chained.get(i.name, i.name) for i in insts}
        loaders_needed += len(mine) * len(sets)
        work.append((group, sets))
    if not work:
        return None
    if used + loaders_needed > cores:
        return ChainForwardFailure(
            f"loaders for the arrays over the chained cores' input channels need "
            f"{loaders_needed} cores, {cores - used} are free"
        )
    taken = _taken(region)
    loader_of: dict[str, list[str]] = {}
    for group, sets in work:
        insts = group.instances()
        for ks in sets:
            tasks = _forward_port(region, group, ks, taken)
            loaders = {g.sym_name.data: g for g in region.groups() if g.sym_name.data in tasks}
            for inst, task in zip(insts, tasks, strict=True):
                # the loader's one instance, as chains name it
                loader_of.setdefault(inst.name, []).append(loaders[task].instances()[0].name)
    groups = [list(names) for names in plan.groups]
    for names in plan.groups:
        for n in range(len(loader_of.get(names[0], []))):
            groups.append([loader_of[m][n] for m in names])
    extended = ChainPlan(groups)
    for k in range(len(groups)):
        extended.cost_bytes[k] = plan.cost_bytes.get(k, 0)
    why = free_depths(region, stream_uses(region), groups, extended)
    return ChainForwardFailure(why.reason, True) if why is not None else extended


def _movable(group: dato.GroupOp, plan: GroupPlan) -> list[int]:
    """The body arguments a loader or peer could pass the task whole: arrays
    it reads and does not write, not a matmul's operands (their K is
    streamed), used; the smallest first (their copies cost the task least
    memory)."""
    operands: set[int] = set()
    for mm in (plan.matmul, plan.local_matmul):
        if mm is not None:
            operands |= {mm.a, mm.b}
    body = group.body.block
    movable = [
        k
        for k, arg in enumerate(body.args)
        if plan.reads[k] and not plan.writes[k] and k not in operands and arg.uses
    ]
    movable.sort(key=lambda k: _bytes(body.args[k].type))
    return movable


@dataclass
class ChainForwardFailure(SearchFailure):
    """Why forward_to_chains found no plan; `changed`: loaders were added."""

    changed: bool = False


Over = tuple[dato.GroupOp, dato.Instance, list[int], int]
"""An instance over its input channels: its group, the body arguments it
could get from elsewhere (read-only whole blocks, smallest first) and how
many arrays too many it reads."""


def share_with_peers(
    region: dato.RegionOp,
    plans: dict[str, GroupPlan],
    over: list[Over],
    folded: set[str],
    taken: set[str],
) -> list[str]:
    """Instances over their input channels, with no core free for a loader,
    get arrays from a peer instead: another instance that reads the same
    block from the host (same array, offsets and shape) puts it whole on a
    new stream (depth 1) as its very first op, and the instance gets it
    before anything else instead of reading it through its own DMA. A peer
    that shares a stream with the instance comes first (placement already
    makes it a memory-sharing neighbour; a stream between neighbours needs
    no DMA), else an instance of the same group one pid step away. The put
    is into an empty fifo before the peer waits on anything, so it never
    waits and the get adds no cycle; a peer gives what it read itself (a
    block it got from a peer is not passed on). Two instances of one tiled
    GEMM reading A, B and their C box then each read one of A and B and get
    the other from their neighbour. The instances involved leave their
    groups for groups of their own (their bodies differ); returns them."""
    if not over:
        return []
    owner, readers = _block_readers(region, plans, folded)
    partners = _stream_partners(region)
    shares = _choose_peers(region, over, folded, readers, _near_peer(owner, partners))
    if shares is None:
        return []  # an instance stays over: leave the region as it was
    return apply_shares(region, shares, owner, taken)


Share = tuple[str, str, int]
"""(peer, instance, region argument): the peer passes its block of the
argument to the instance."""

BlockKey = tuple[int, tuple[int, ...], tuple[int, ...]]
"""(region argument, offsets, shape): one block of an array."""


def _block_readers(
    region: dato.RegionOp, plans: dict[str, GroupPlan], folded: set[str]
) -> tuple[dict[str, tuple[dato.GroupOp, dato.Instance]], dict[BlockKey, list[str]]]:
    """Every instance's group, and per block the instances that read it from
    the host themselves (not folded, not a compiler-added helper, not a box
    it writes in part)."""
    owner: dict[str, tuple[dato.GroupOp, dato.Instance]] = {}
    readers: dict[BlockKey, list[str]] = {}
    boxes = shared_write_boxes(region, {n: p.writes for n, p in plans.items()})
    for group in region.groups():
        plan = plans[group.sym_name.data]
        for inst in group.instances():
            owner[inst.name] = (group, inst)
            if inst.name in folded or FORWARDS in group.attributes:
                continue
            for k in range(len(group.body.block.args)):
                if not plan.reads[k] or (boxes.get((group.sym_name.data, k)) or {}).get(inst.name):
                    continue
                readers.setdefault(_block_key(region, group, inst, k), []).append(inst.name)
    return owner, readers


def _block_key(region: dato.RegionOp, group: dato.GroupOp, inst: dato.Instance, k: int) -> BlockKey:
    """The block of argument `k` that `inst` reads."""
    index = region.args.index(group.args[k])
    return (index, inst.offsets[k], _shape(group.body.block.args[k].type))


def _stream_partners(region: dato.RegionOp) -> dict[str, set[str]]:
    """Per instance, the instances a stream joins it to (either way)."""
    partners: dict[str, set[str]] = {}
    for use in stream_uses(region).values():
        if use.producer and use.consumer:
            partners.setdefault(use.producer, set()).add(use.consumer)
            partners.setdefault(use.consumer, set()).add(use.producer)
    return partners


PeerRank = Callable[[str, list[str]], list[str]]
"""Given an instance and the instances reading the same block, the ones that
may pass it on, best first."""


def _near_peer(
    owner: dict[str, tuple[dato.GroupOp, dato.Instance]], partners: dict[str, set[str]]
) -> PeerRank:
    """One pid step away first (placement puts a 2-D grid as it is), then the
    stream partners; no other instance."""

    def rank(name: str, peers: list[str]) -> list[str]:
        inst = owner[name][1]
        mine = partners.get(name, set())
        return sorted(
            (n for n in peers if n in mine or _next_to(owner[n][1], inst)),
            key=lambda n: (not _next_to(owner[n][1], inst), n not in mine),
        )

    return rank


def _choose_peers(
    region: dato.RegionOp,
    over: list[Over],
    folded: set[str],
    readers: dict[BlockKey, list[str]],
    rank: PeerRank,
) -> list[Share] | None:
    """A peer for each array an instance of `over` reads too many, in the
    order of its movable arguments; None when one stays over."""
    received: set[tuple[str, int]] = set()  # (instance, region argument)
    sent: set[tuple[str, int]] = set()
    shares: list[Share] = []
    for group, inst, movable, excess in over:
        if inst.name in folded:
            continue
        found = 0
        for k in movable:
            if found == excess:
                break
            index = region.args.index(group.args[k])
            if (inst.name, index) in sent:
                continue  # it passes its own block of this array on
            key = _block_key(region, group, inst, k)
            peers = [
                n for n in readers.get(key, []) if n != inst.name and (n, index) not in received
            ]
            ranked = rank(inst.name, peers)
            if ranked:
                shares.append((ranked[0], inst.name, index))
                received.add((inst.name, index))
                sent.add((ranked[0], index))
                found += 1
        if found < excess:
            return None
    return shares


def apply_shares(
    region: dato.RegionOp,
    shares: list[Share],
    owner: dict[str, tuple[dato.GroupOp, dato.Instance]],
    taken: set[str],
) -> list[str]:
    """Per share, a new stream (depth 1) the peer puts its block on as its
    first op and the instance gets it from before anything else; the
    instances involved move to groups of their own. Returns them."""
    own = _own_groups(region, {n for s in shares for n in s[:2]}, owner)
    puts: dict[str, list[tuple[int, str]]] = {}
    gets: dict[str, list[tuple[int, str]]] = {}
    for peer, name, index in shares:
        group = own[name]
        k = list(group.args).index(region.args[index])
        stream = _stream(
            region,
            group,
            f"{peer}_{_hint(group, k)}_to_{name}",
            group.body.block.args[k].type,
            taken,
        )
        puts.setdefault(peer, []).append((list(own[peer].args).index(region.args[index]), stream))
        gets.setdefault(name, []).append((k, stream))
    for name, found in gets.items():
        group = own[name]
        for k, stream in reversed(found):
            _get_first(group, k, _port(group, f"{_hint(group, k)}_from_peer", stream, taken))
    for name, found in puts.items():
        group = own[name]
        for k, stream in reversed(found):
            port = _port(group, f"{_hint(group, k)}_to_peer", stream, taken)
            _prepend(group.body.block, dato.PutOp(port, [], group.body.block.args[k]))
    return sorted(own)


def _shape(t: object) -> tuple[int, ...]:
    return tuple(t.get_shape()) if isinstance(t, MemRefType) else ()


def _next_to(a: dato.Instance, b: dato.Instance) -> bool:
    """Instances of one task one pid step apart."""
    if a.name.rsplit("_", len(a.pid))[0] != b.name.rsplit("_", len(b.pid))[0]:
        return False
    if len(a.pid) != len(b.pid):
        return False
    return sum(abs(x - y) for x, y in zip(a.pid, b.pid, strict=True)) == 1


def _port(group: dato.GroupOp, base: str, stream: str, taken: set[str]) -> str:
    """A new port of a one-instance group, bound to `stream`."""
    port = fresh_name(base, taken | set(group.port_names))
    _add_ports(group, [port], [[stream]])
    return port


def _own_groups(
    region: dato.RegionOp,
    names: set[str],
    owner: dict[str, tuple[dato.GroupOp, dato.Instance]],
) -> dict[str, dato.GroupOp]:
    """A one-instance group for each instance of `names` (its group's other
    instances keep a group of their own)."""
    out: dict[str, dato.GroupOp] = {}
    groups = {id(owner[n][0]): owner[n][0] for n in sorted(names)}
    for group in groups.values():
        insts = group.instances()
        if len(insts) == 1:
            out[insts[0].name] = group
            continue
        for inst in insts:
            if inst.name in names:
                out[inst.name] = _split(region, group, [inst], inst.name)
        rest = [i for i in insts if i.name not in names]
        if rest:
            _split(region, group, rest, "rest")
        group.detach()
        group.erase()
    return out


def _split(
    region: dato.RegionOp, group: dato.GroupOp, insts: list[dato.Instance], suffix: str
) -> dato.GroupOp:
    """A copy of `group` holding `insts` only (its body cloned)."""
    nports = len(group.port_names)
    rows = [(inst.pid, list(inst.offsets), list(inst.bindings)) for inst in insts]
    cloned = group.body.clone()
    body = cloned.detach_block(0)
    taken = {g.sym_name.data for g in region.groups()}
    split = dato.GroupOp(
        fresh_name(f"{group.sym_name.data}_{suffix}", taken),
        group.task.data,
        group.grid_shape,
        list(group.args),
        list(group.port_names),
        rows,
        body,
    )
    assert nports == len(split.port_names)
    for key, value in group.attributes.items():
        split.attributes[key] = value
    split.location = group.location
    region.body.block.insert_op_before(split, group)
    return split


def _bytes(t: object) -> int:
    return memref_bytes(t) if isinstance(t, MemRefType) else 0  # type: ignore[arg-type]


def fresh_name(base: str, taken: set[str]) -> str:
    """`base`, or `base_<n>` for the first n it is not in `taken`; the name is
    added to `taken`."""
    name, n = base, 1
    while name in taken:
        name = f"{base}_{n}"
        n += 1
    taken.add(name)
    return name


def _hint(group: dato.GroupOp, k: int) -> str:
    return group.args[k].name_hint or f"arg{k}"


def _forward(
    region: dato.RegionOp, group: dato.GroupOp, ks: list[int], inst: dato.Instance, taken: set[str]
) -> str:
    streams, task = _loader(region, group, ks, inst, taken)
    # the task gets them first (in the loader's order) instead of reading them
    for k, stream in reversed(list(zip(ks, streams, strict=True))):
        _get_first(group, k, stream)
    return task


def _loader(
    region: dato.RegionOp,
    group: dato.GroupOp,
    ks: list[int],
    inst: dato.Instance,
    taken: set[str],
) -> tuple[list[str], str]:
    """A stream per argument of `ks` and one loader for `inst`'s blocks of
    them: the loader reads each block through its own DMA and puts it whole."""
    types = [group.body.block.args[k].type for k in ks]
    hints = [_hint(group, k) for k in ks]
    task = fresh_name(f"{inst.name}_load_{'_'.join(hints)}", taken)
    body = Block(arg_types=types)
    streams: list[str] = []
    for t, hint, arg in zip(types, hints, body.args, strict=True):
        stream = _stream(region, group, f"{inst.name}_{hint}_fwd", t, taken)
        body.add_op(dato.PutOp(stream, [], arg))
        streams.append(stream)
    _serving_group(region, group, ks, inst, task, body)
    return streams, task


def _serving_group(
    region: dato.RegionOp,
    group: dato.GroupOp,
    ks: list[int],
    inst: dato.Instance,
    task: str,
    body: Block,
) -> None:
    """A one-instance group `task` running `body` on `inst`'s blocks of
    arguments `ks`, marked as serving `inst`, placed before `group`."""
    op = dato.GroupOp(
        task,
        task,
        [1],
        [group.args[k] for k in ks],
        [],
        [((0,), [inst.offsets[k] for k in ks], [])],
        body,
    )
    op.attributes[FORWARDS] = StringAttr(inst.name)
    op.attributes[COMPILER_CHOSEN] = UnitAttr()
    op.location = group.location
    region.body.block.insert_op_before(op, group)


def _get_first(group: dato.GroupOp, k: int, source: str) -> None:
    """The body gets argument `k`'s block from `source` (a stream or a port)
    before anything else, instead of reading the argument."""
    arg = group.body.block.args[k]
    get = dato.GetOp(source, [], arg.type)
    _prepend(group.body.block, get)
    arg.replace_uses_with_if(get.results[0], lambda use: use.operation is not get)


def _forward_port(
    region: dato.RegionOp, group: dato.GroupOp, ks: list[int], taken: set[str]
) -> list[str]:
    """`_forward` for a group of several instances (or with ports): a loader
    per instance and a stream per instance and argument, bound to a new port
    per argument that the body gets from."""
    ports = []
    for k in ks:
        ports.append(
            fresh_name(f"{_hint(group, k)}_fwd", taken | set(group.port_names) | set(ports))
        )
    insts = group.instances()
    streams: list[list[str]] = []
    loaders: list[str] = []
    for inst in insts:
        mine, task = _loader(region, group, ks, inst, taken)
        streams.append(mine)
        loaders.append(task)
    _add_ports(group, ports, streams)
    for k, port in reversed(list(zip(ks, ports, strict=True))):
        _get_first(group, k, port)
    return loaders


def _served(region: dato.RegionOp) -> set[str]:
    """The instances a compiler-added helper already serves."""
    return {
        a.data for g in region.groups() if isinstance(a := g.attributes.get(FORWARDS), StringAttr)
    }


def forward_outputs(
    region: dato.RegionOp,
    plans: dict[str, GroupPlan],
    channels_in: int,
    channels_out: int,
    spare: int,
    count_streams: bool = False,
    fifo_ends: int | None = None,
) -> list[str]:
    """Add helpers (see module doc) for the instances writing more arrays
    than a tile's output channels, at most `spare` in all; each helper takes
    arrays off its instance until the instance's input and output channels
    fit (the streams it gets and puts count too with `count_streams`).
    With `count_streams`, a task whose streams and arrays need more fifos
    than a compute tile's locks hold (`fifo_ends`, by default
    compute_fifo_ends) is first split into independent parts
    (split_stream_tasks). Returns the helpers and parts added."""
    added: list[str] = []
    if count_streams:
        ends = compute_fifo_ends() if fifo_ends is None else fifo_ends
        added += split_stream_tasks(region, plans, ends, spare)
    folded, taken = folded_instances(region), _taken(region)
    # an output several instances write in parts moves in their boxes
    # (npu_write_boxes), not as a helper's whole block
    boxes = shared_write_boxes(region, {n: p.writes for n, p in plans.items()})
    for group in list(region.groups()):
        plan = plans[group.sym_name.data]
        insts = group.instances()
        if not insts or any(i.name in folded for i in insts):
            continue
        need_in = sum(plan.reads) + (len(plan.gets) if count_streams else 0)
        need_out = sum(plan.writes) + (len(plan.puts) if count_streams else 0)
        if need_out <= channels_out:
            continue
        operands: set[int] = set()
        for mm in (plan.matmul, plan.local_matmul):
            if mm is not None:
                operands |= {mm.a, mm.b, getattr(mm, "c", mm.a)}
        body = group.body.block
        free = [
            k
            for k, arg in enumerate(body.args)
            if (plan.reads[k] or plan.writes[k])
            and k not in operands
            and arg.uses
            and (group.sym_name.data, k) not in boxes
        ]
        chosen: list[int] = []
        while need_in > channels_in or need_out > channels_out:
            # the array saving the most over-limit channels, then the smallest
            over = (need_in > channels_in, need_out > channels_out)
            gains = {
                k: (
                    (plan.reads[k] and over[0]) + (plan.writes[k] and over[1]),
                    -_bytes(body.args[k].type),
                    -k,
                )
                for k in free
            }
            best = max(free, key=gains.__getitem__, default=None)
            if best is None or gains[best][0] == 0:
                break
            free.remove(best)
            chosen.append(best)
            need_in -= plan.reads[best]
            need_out -= plan.writes[best]
        if need_in > channels_in or need_out > channels_out:
            continue  # the tile check names the channels
        # first fit into helpers of a tile's channels each
        helpers: list[list[int]] = []
        for k in chosen:
            for h in helpers:
                ins = sum(plan.reads[j] for j in h) + plan.reads[k]
                outs = sum(plan.writes[j] for j in h) + plan.writes[k]
                if ins <= channels_in and outs <= channels_out:
                    h.append(k)
                    break
            else:
                helpers.append([k])
        if len(added) + len(helpers) * len(insts) > spare:
            return added
        for h in helpers:
            added += _helper(region, group, sorted(h), plan, taken)
    return added


def _helper(
    region: dato.RegionOp, group: dato.GroupOp, ks: list[int], plan: GroupPlan, taken: set[str]
) -> list[str]:
    """Per instance of `group`, a helper moving its blocks of arguments `ks`
    through its own DMA: it puts each block the task reads (in argument
    order) and then gets and writes each one the task writes; the task gets
    the former at its start and puts the latter at its end. A group of one
    instance without ports names the streams in its body; another gets and
    puts through a new port per argument and direction, bound per instance
    to its helper's streams."""
    insts = group.instances()
    body = group.body.block
    hints = [_hint(group, k) for k in ks]
    direct = len(insts) == 1 and not group.port_names
    # (argument, direction) -> the port (or stream) name the body uses
    ends: list[tuple[int, str]] = []
    for k in ks:
        for on, suffix in ((plan.reads[k], "fwd"), (plan.writes[k], "back")):
            if on:
                ends.append((k, suffix))
    per_inst: list[dict[tuple[int, str], str]] = []
    helpers: list[str] = []
    for inst in insts:
        task = fresh_name(f"{inst.name}_io_{'_'.join(hints)}", taken)
        streams = {
            (k, suffix): _stream(
                region, group, f"{inst.name}_{_hint(group, k)}_{suffix}", body.args[k].type, taken
            )
            for k, suffix in ends
        }
        per_inst.append(streams)
        helper = Block(arg_types=[body.args[k].type for k in ks])
        for j, k in enumerate(ks):
            if (k, "fwd") in streams:
                helper.add_op(dato.PutOp(streams[(k, "fwd")], [], helper.args[j]))
        for j, k in enumerate(ks):
            if (k, "back") in streams:
                got = dato.GetOp(streams[(k, "back")], [], body.args[k].type)
                helper.add_op(got)
                helper.add_op(memref.CopyOp(got.results[0], helper.args[j]))
        _serving_group(region, group, ks, inst, task, helper)
        helpers.append(task)
    if direct:
        names = per_inst[0]
    else:
        used = set(group.port_names)
        names = {}
        for k, suffix in ends:
            names[(k, suffix)] = fresh_name(f"{_hint(group, k)}_{suffix}", taken | used)
            used.add(names[(k, suffix)])
        _add_ports(group, [names[e] for e in ends], [[s[e] for e in ends] for s in per_inst])
    # the task: each block it reads from its helper at its start, the others
    # written into a new local buffer; the written ones put at its end
    first = body.first_op
    back: list[tuple[str, SSAValue]] = []
    for k in ks:
        t = body.args[k].type
        if (k, "fwd") in names:
            new: dato.GetOp | memref.AllocOp = dato.GetOp(names[(k, "fwd")], [], t)
        else:
            new = memref.AllocOp([], [], t)  # type: ignore[arg-type]
        if first is None:
            body.add_op(new)
        else:
            body.insert_op_before(new, first)
        body.args[k].replace_uses_with_if(
            new.results[0], lambda use, new=new: use.operation is not new
        )
        if (k, "back") in names:
            back.append((names[(k, "back")], new.results[0]))
    for name, value in back:
        body.add_op(dato.PutOp(name, [], value))
    return helpers


def _stream(
    region: dato.RegionOp, group: dato.GroupOp, base: str, t: object, taken: set[str]
) -> str:
    name = fresh_name(base, taken)
    decl = dato.StreamOp(name, dato.StreamType(t, 1, 1))  # type: ignore[arg-type]
    decl.attributes[COMPILER_CHOSEN] = UnitAttr()
    region.body.block.insert_op_before(decl, group)
    return name


def _taken(region: dato.RegionOp) -> set[str]:
    """The stream and group names in use."""
    return {s.sym_name.data for s in region.streams()} | {g.sym_name.data for g in region.groups()}


def _prepend(block: Block, op: dato.GetOp | dato.PutOp) -> None:
    if block.first_op is None:
        block.add_op(op)
    else:
        block.insert_op_before(op, block.first_op)


def _add_ports(group: dato.GroupOp, ports: list[str], streams: list[list[str]]) -> None:
    """New ports `ports` on `group`, bound for its n-th instance to
    `streams[n]` (one stream per port)."""
    nports = len(group.port_names)
    old = [b.data for b in group.bindings.data]
    binds: list[str] = []
    for n, mine in enumerate(streams):
        binds += [*old[n * nports : (n + 1) * nports], *mine]
    group.ports = ArrayAttr([*group.ports.data, *(StringAttr(p) for p in ports)])
    group.bindings = ArrayAttr([StringAttr(b) for b in binds])


# Tasks with more streams than a tile holds fifos: split into independent parts

SPLIT_FROM = "dato.split_from"
"""On each part of a split task: the instance it was."""


def compute_fifo_ends() -> int:
    """The fifo ends a compute tile's locks hold on every device of the model
    (a lock pair each, npu_lock_budget): the most streams and arrays a part
    of a split task is given."""
    locks = min(d.compute.locks for d in devices.DEVICES.values())
    return locks // LOCKS_PER_FIFO_END


@dataclass
class _Part:
    """Top-level ops of a body that nothing joins to the other parts: no value
    flows between them, no stream or written array is used by two parts."""

    ops: list[int]
    """indices into the body's top-level ops, in program order"""
    reads: set[int] = field(default_factory=set)
    writes: set[int] = field(default_factory=set)
    streams: set[str] = field(default_factory=set)

    def fifos(self) -> int:
        return len(self.reads) + len(self.writes) + len(self.streams)

    def merged(self, other: _Part) -> _Part:
        return _Part(
            self.ops + other.ops,
            self.reads | other.reads,
            self.writes | other.writes,
            self.streams | other.streams,
        )


def split_stream_tasks(
    region: dato.RegionOp,
    plans: dict[str, GroupPlan],
    fifo_ends: int,
    spare: int,
) -> list[str]:
    """Split a one-instance task whose arrays and streams need more fifos
    than a compute tile's locks hold (`fifo_ends`) into parts of at most that
    many, when its body falls into independent parts (a loader dealing
    blocks to lanes, each lane's blocks a part of their own): consecutive
    parts in program order go to one task while they fit. Each task keeps
    the order of its ops, and a stream is used by one task only, so every
    stream sees the same elements in the same order; the tasks are a design
    the old one is a schedule of, so they finish whenever it does. A
    read-only array is read by each task that uses it; at most `spare` new
    instances. `plans` gets the new groups' plans; returns the new
    instances."""
    fixed, taken = folded_instances(region) | _served(region), _taken(region)
    peer_of = _stream_ends(region)
    added: list[str] = []
    for group in list(region.groups()):
        insts = group.instances()
        plan = plans[group.sym_name.data]
        if (
            len(insts) != 1
            or group.port_names
            or insts[0].name in fixed
            or FORWARDS in group.attributes
            or plan.matmul is not None
            or plan.local_matmul is not None
        ):
            continue
        if sum(plan.reads) + sum(plan.writes) + len(plan.puts) + len(plan.gets) <= fifo_ends:
            continue
        parts = _independent_parts(group, plan, peer_of.get(insts[0].name, {}))
        most = spare - len(added) + 1  # the tasks the free cores allow
        if len(parts) < 2 or most < 2:
            continue
        # the fewest tasks of at most `fifo_ends` fifos each; when the cores do
        # not allow that many, the most tasks they allow, as even as can be
        # (the tile check then counts their fifos through memtile routes)
        bound = max(fifo_ends, max(p.fifos() for p in parts))
        while len(pieces := _pack(parts, bound)) > most:
            bound += 1
        if len(pieces) < 2:
            continue
        for split in _split_task(region, group, pieces, taken):
            plans[split.sym_name.data] = plan_group(split)
            if split.task.data != group.task.data:
                added.append(split.instances()[0].name)
        group.detach()
        group.erase()  # its plan's name is the first part's now
    return added


def _stream_ends(region: dato.RegionOp) -> dict[str, dict[str, str]]:
    """Per instance, per stream it uses, the instance at the stream's other end."""
    ends: dict[str, dict[str, str]] = {}
    for name, use in stream_uses(region).items():
        p, c = use.producer, use.consumer
        if p is not None and c is not None:
            ends.setdefault(p, {})[name] = c
            ends.setdefault(c, {})[name] = p
    return ends


def clonable(op: Operation) -> bool:
    """An op every part may have a copy of (a constant, the pid): no
    operands, no effects, no memref result (a global's memory would be
    shared by the parts through its copies)."""
    return (
        not op.operands
        and not op.regions
        and not any(isinstance(r.type, MemRefType) for r in op.results)
        and is_side_effect_free(op)
    )


def _independent_parts(
    group: dato.GroupOp, plan: GroupPlan, peer_of: dict[str, str]
) -> list[_Part]:
    """The body's top-level ops in parts nothing joins: a value one defines
    and another uses (constants aside: each part gets a copy), a stream both
    use, a written array both use. The streams of one other instance stay in
    one part too, so a part can be that instance's memory neighbour."""
    body = group.body.block
    top = list(body.ops)
    at = {op: i for i, op in enumerate(top)}
    union = list(range(len(top)))

    def find(i: int) -> int:
        while union[i] != i:
            union[i] = union[union[i]]
            i = union[i]
        return i

    def join(i: int, j: int) -> None:
        union[find(i)] = find(j)

    first: dict[object, int] = {}  # a stream, written argument or peer -> its first op
    reads: dict[int, set[int]] = {}
    writes: dict[int, set[int]] = {}
    streams: dict[int, set[str]] = {}
    for i, op in enumerate(top):
        if clonable(op) or op.has_trait(IsTerminator):
            continue
        for inner in op.walk():
            for value in inner.operands:
                if isinstance(value, BlockArgument) and value.owner is body:
                    k = value.index
                    if plan.writes[k]:
                        writes.setdefault(i, set()).add(k)
                        join(i, first.setdefault(("arg", k), i))
                    if plan.reads[k]:
                        reads.setdefault(i, set()).add(k)
                elif isinstance(value, OpResult):
                    j = at.get(_top_ancestor(value.op, body))  # type: ignore[arg-type]
                    if j is not None and j != i and not clonable(top[j]):
                        join(i, j)
            if isinstance(inner, dato.PutOp | dato.GetOp):
                s = inner.stream.root_reference.data
                streams.setdefault(i, set()).add(s)
                join(i, first.setdefault(("stream", s), i))
                peer = peer_of.get(s)
                if peer is not None:
                    join(i, first.setdefault(("peer", peer), i))
    parts: dict[int, _Part] = {}
    for i, op in enumerate(top):
        if clonable(op) or op.has_trait(IsTerminator):
            continue
        part = parts.setdefault(find(i), _Part([]))
        part.ops.append(i)
        part.reads |= reads.get(i, set())
        part.writes |= writes.get(i, set())
        part.streams |= streams.get(i, set())
    return sorted(parts.values(), key=lambda p: p.ops[0])


def _top_ancestor(op: Operation, body: Block) -> Operation | None:
    """The op of `body` that holds `op` (itself when it is in `body`)."""
    while op.parent_block() is not body:
        parent = op.parent_op()
        if parent is None:
            return None
        op = parent
    return op


def _pack(parts: list[_Part], fifo_ends: int) -> list[_Part]:
    """Consecutive parts joined while they fit `fifo_ends` fifos (the fewest
    pieces in program order); a part alone over it is a piece of its own."""
    pieces: list[_Part] = []
    for part in parts:
        joined = pieces[-1].merged(part) if pieces else None
        if joined is not None and joined.fifos() <= fifo_ends:
            pieces[-1] = joined
        else:
            pieces.append(part)
    return pieces


def piece_body(group: dato.GroupOp, keep: set[int]) -> Block:
    """A copy of `group`'s body holding only its ops at the indices `keep`,
    the clonable ops (constants, the pid) they use and the terminator."""
    body = group.body.clone().detach_block(0)
    ops = list(body.ops)
    for i in reversed(range(len(ops))):
        op = ops[i]
        if i in keep or op.has_trait(IsTerminator):
            continue
        if clonable(op) and any(r.uses for r in op.results):
            continue
        op.detach()
        op.erase()
    return body


def _split_task(
    region: dato.RegionOp, group: dato.GroupOp, pieces: list[_Part], taken: set[str]
) -> list[dato.GroupOp]:
    """A one-instance group per piece, before `group`: its body the piece's
    ops (with the constants they use, and a terminator if the body has one),
    its arguments those the piece uses. The first keeps the group's name and
    task (its instance's name); the others get new tasks."""
    inst = group.instances()[0]
    out: list[dato.GroupOp] = []
    for n, piece in enumerate(pieces):
        body = piece_body(group, set(piece.ops))
        used = [k for k, arg in enumerate(body.args) if arg.uses]
        for arg in reversed([a for k, a in enumerate(body.args) if k not in used]):
            body.erase_arg(arg)
        # the first part keeps the group and its instance's name
        name = (
            group.sym_name.data if n == 0 else fresh_name(f"{group.sym_name.data}_part{n}", taken)
        )
        task = group.task.data if n == 0 else name
        split = dato.GroupOp(
            name,
            task,
            group.grid_shape,
            [group.args[k] for k in used],
            [],
            [(inst.pid, [inst.offsets[k] for k in used], [])],
            body,
        )
        for key, value in group.attributes.items():
            split.attributes[key] = value
        split.attributes[SPLIT_FROM] = StringAttr(inst.name)
        split.attributes[COMPILER_CHOSEN] = UnitAttr()
        split.location = group.location
        region.body.block.insert_op_before(split, group)
        out.append(split)
    return out


# Arrays over a tile's input channels from peers on neighbouring tiles, once
# a folding has fixed every instance's tile

Tile = tuple[int, int]


@dataclass
class _TileLoad:
    """What one tile's members move through its DMA or hold fifos for."""

    members: list[str] = field(default_factory=list)
    arrays_in: dict[int, list[str]] = field(default_factory=dict)
    """region argument -> the members reading a block of it from the host"""
    arrays_out: set[int] = field(default_factory=set)
    dma_in: set[str] = field(default_factory=set)
    dma_out: set[str] = field(default_factory=set)
    near_out: set[str] = field(default_factory=set)

    def inputs(self) -> int:
        """Its input channels, each DMA stream in joined through a memtile
        into one (the fewest it can need)."""
        return len(self.arrays_in) + min(len(self.dma_in), 1)

    def fifo_ends(self) -> int:
        """The fifos it holds locks for: DMA channels, puts to neighbours."""
        return (
            len(self.arrays_in)
            + len(self.arrays_out)
            + len(self.dma_in)
            + len(self.dma_out)
            + len(self.near_out)
        )


def _tile_loads(
    region: dato.RegionOp,
    plans: dict[str, GroupPlan],
    tiles: dict[str, Tile],
    near: Callable[[Tile, Tile], bool],
) -> dict[Tile, _TileLoad]:
    """Per tile, its members' arrays (a shared output's box the stores write
    whole does not come in) and streams to and from other tiles."""
    loads: dict[Tile, _TileLoad] = {}
    boxes = shared_write_boxes(region, {n: p.writes for n, p in plans.items()})
    for group in region.groups():
        plan = plans[group.sym_name.data]
        for inst in group.instances():
            load = loads.setdefault(tiles[inst.name], _TileLoad())
            load.members.append(inst.name)
            for k in range(len(group.body.block.args)):
                index = region.args.index(group.args[k])
                box = boxes.get((group.sym_name.data, k), {}).get(inst.name)
                if plan.reads[k] and not (box is not None and box.whole):
                    load.arrays_in.setdefault(index, []).append(inst.name)
                if plan.writes[k]:
                    load.arrays_out.add(index)
    for name, use in stream_uses(region).items():
        p, c = use.producer, use.consumer
        if p is None or c is None or tiles[p] == tiles[c]:
            continue
        if near(tiles[p], tiles[c]):
            loads[tiles[p]].near_out.add(name)
        else:
            loads[tiles[p]].dma_out.add(name)
            loads[tiles[c]].dma_in.add(name)
    return loads


def share_on_tiles(
    region: dato.RegionOp,
    tiles: dict[str, Tile],
    near: Callable[[Tile, Tile], bool],
    channels: int,
    fifo_ends: int,
) -> list[str]:
    """With every instance's tile fixed (a folding that places its blocks),
    a tile over its `channels` input channels (counting the arrays its
    members read and, all joined into one, the streams it gets by DMA) gets
    arrays from peers instead: for each member reading the array, an
    instance on a neighbouring tile (`near`: sharing memory) that reads the
    same block itself puts it on a new stream as its first op
    (apply_shares). An array moves off a tile only when every member reading
    it gets a peer, and a peer's tile keeps a lock pair for the new fifo
    within `fifo_ends`. Whether the cores' run order still finishes is the
    caller's to check (npu_folding.fold_in_rectangles). Returns the
    instances moved to groups of their own (none when no tile changes)."""
    plans = {g.sym_name.data: plan_group(g) for g in region.groups()}
    loads = _tile_loads(region, plans, tiles, near)
    owner, readers = _block_readers(region, plans, set())
    shares: list[Share] = []
    dropped: set[tuple[Tile, int]] = set()  # (tile, array) its members now get from peers
    giving: set[tuple[Tile, int]] = set()  # (tile, array) a member of it passes on
    for tile in sorted(loads):
        load = loads[tile]
        excess = load.inputs() - channels
        # the arrays fewest members read first: fewest new streams
        for index in sorted(load.arrays_in, key=lambda i: (len(load.arrays_in[i]), i)):
            if excess <= 0:
                break
            if (tile, index) in giving:
                continue  # a member passes its block of it on: the tile keeps reading it
            found = _peers_for(
                region, index, load.arrays_in[index], tile, tiles, near, owner, readers
            )
            found = [
                (peer, name)
                for peer, name in found
                if (tiles[peer], index) not in dropped
                and loads[tiles[peer]].fifo_ends() < fifo_ends
            ]
            if len(found) < len(load.arrays_in[index]):
                continue
            for peer, name in found:
                loads[tiles[peer]].near_out.add(f"{peer}->{name}")
                shares.append((peer, name, index))
                giving.add((tiles[peer], index))
            dropped.add((tile, index))
            excess -= 1
    if not shares:
        return []
    return apply_shares(region, shares, owner, _taken(region))


def _peers_for(
    region: dato.RegionOp,
    index: int,
    names: list[str],
    tile: Tile,
    tiles: dict[str, Tile],
    near: Callable[[Tile, Tile], bool],
    owner: dict[str, tuple[dato.GroupOp, dato.Instance]],
    readers: dict[BlockKey, list[str]],
) -> list[tuple[str, str]]:
    """For each of `names` (on `tile`, reading region argument `index`), the
    first instance by name on a neighbouring tile reading the same block:
    (peer, instance) pairs, none for an instance without one."""
    out: list[tuple[str, str]] = []
    for name in names:
        group, inst = owner[name]
        k = list(group.args).index(region.args[index])
        key = _block_key(region, group, inst, k)
        peers = sorted(n for n in readers.get(key, []) if tiles[n] != tile and near(tiles[n], tile))
        if peers:
            out.append((peers[0], name))
    return out
