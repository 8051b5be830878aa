"""Every test program the NPU target accepts emits a design that mlir-aie would
accept: the printed aie.mlir parses back with dato-opt's parser, passes our
verifiers, and keeps the rules mlir-aie's own verifiers and lowerings enforce,
checked here by an independent walk with npu1's limits typed in from mlir-aie
(AIETargetModel.h AIE2TargetModel, AIEOps.td, AIEXDialect.cpp)."""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation

import dato_xdsl as dato
from dato_xdsl.diagnostics import LocatedDiagnostic, verify_located
from dato_xdsl.driver import DatoOptMain, LocatingParser
from dato_xdsl.errors import DatoError
from dato_xdsl.printing import UniqueNamePrinter
from test.unit.programs import dato_programs as progs
from test.unit.programs import npu_fanout_programs as fanout

# npu1 (AIE-ML) per tile kind, from mlir-aie's AIE2TargetModel: data memory
# (getLocalMemorySize / getMemTileSize), locks (getNumLocks), buffer
# descriptors (getNumBDs), DMA channels each way, BD dimensions (DMABDOp::verify)
LIMITS = {
    "compute": {"memory": 64 * 1024, "locks": 16, "bds": 16, "channels": 2, "dims": 3},
    "memtile": {"memory": 512 * 1024, "locks": 64, "bds": 48, "channels": 6, "dims": 4},
    "shim": {"memory": 0, "locks": 16, "bds": 16, "channels": 2, "dims": 3},
}
STACK_BYTES = 1024  # aie.core's default stack_size, allocated in the tile's memory
MAX_LOCK_VALUE = 63  # AIE2 semaphore locks are 6 bits
# aiex.npu.dma_memcpy_nd (shim BD, 32-bit words): d0, d1, d2 wraps 10 bits,
# repeat (d3) 1..64, strides 20 bits, innermost stride 1
MAX_WRAP, MAX_REPEAT, MAX_STRIDE = 1023, 64, 1 << 20

PROGRAMS: dict[str, Callable[[], object]] = {
    "producer_consumer": lambda: progs.producer_consumer(dato.int32, 16),
    "tiled_gemm": lambda: progs.tiled_gemm(dato.int16, 16, 16, 32),
    "split_k_gemm": lambda: progs.split_k_gemm(dato.int32, 8, 8, 32, 4),
    "mlp3": lambda: progs.mlp3(dato.float32, 4, 8, 16, 8, 4),
    "scatter_gather": lambda: progs.scatter_gather(dato.int32, 4, 8),
    "elementwise_meta_for": lambda: progs.elementwise_meta_for(dato.int32, 4, 8),
    "vector_add": lambda: progs.vector_add(dato.int32, 32, 8),
    "block_handoff": lambda: progs.block_handoff(dato.int32, 16),
    "mixed_types": progs.mixed_types,
    "gather_sum": lambda: fanout.gather_sum(dato.int32, 4, 8),
    "reduction_tree": lambda: fanout.reduction_tree(dato.int32, 8),
    "fir": lambda: fanout.fir(dato.int32, 4, 16),
    "uneven_gather": lambda: fanout.uneven_gather(8),
    "split_k_gemm_3d": lambda: fanout.split_k_gemm_3d(dato.int32, 16, 16, 64, 2, 2, 4),
    "pingpong_gemm": lambda: fanout.pingpong_gemm(dato.int16, 16, 16, 64, 4, 1, 1),
    "two_lanes": lambda: fanout.two_lanes(dato.int32, 8),
    "narrow_pipeline": lambda: fanout.narrow_pipeline(dato.int32, 16, 3),
    "scalar_gather": lambda: fanout.scalar_gather(dato.int32, 5, 8),
    "skip_lanes": lambda: fanout.skip_lanes(6, 16),
    "ring_gemm": lambda: progs.ring_gemm(dato.int16, 8, 16, 8, 4),
    # not here: the systolic arrays, which the NPU refuses for a mapping rule
    # (several instances write one block of C), not a hardware limit
}

# a refusal must name what the hardware lacks
HARDWARE_LIMIT = re.compile(
    r"DMA channels?, a \w+ tile has \d|\d+ locks?|buffer descriptors|bytes|32-bit DMA words"
)


def parse(text: str) -> ModuleOp:
    return LocatingParser(DatoOptMain([]).ctx, text, "aie.mlir").parse_module()


def printed(module: ModuleOp) -> str:
    """The text dato-opt prints for `module`."""
    out = io.StringIO()
    UniqueNamePrinter(stream=out).print_op(module)
    return out.getvalue()


def _int(op: Operation, prop: str) -> int:
    return op.properties[prop].value.data  # type: ignore[attr-defined]


def _bytes(memref: object) -> int:
    shape = memref.get_shape()  # type: ignore[attr-defined]
    width = memref.element_type.bitwidth  # type: ignore[attr-defined]
    count = 1
    for extent in shape:
        count *= extent
    return count * ((width + 7) // 8)


def _kind(row: int) -> str:
    return "shim" if row == 0 else "memtile" if row == 1 else "compute"


def _shares_memory(a: tuple[int, int], b: tuple[int, int]) -> bool:
    # AIE-ML: a core reaches its own memory and those north, south and west of it
    (ca, ra), (cb, rb) = a, b
    near = (ca == cb and abs(ra - rb) == 1) or (ra == rb and abs(ca - cb) == 1)
    return near and ra >= 2 and rb >= 2


def rule_violations(module: ModuleOp) -> list[str]:
    """The mlir-aie rules `module` breaks, one sentence each."""
    problems: list[str] = []
    tiles: dict[object, tuple[int, int]] = {}
    memory: Counter[tuple[int, int]] = Counter()
    locks: Counter[tuple[int, int]] = Counter()
    mm2s: Counter[tuple[int, int]] = Counter()
    s2mm: Counter[tuple[int, int]] = Counter()
    fifos: dict[str, Operation] = {}
    for op in module.walk():
        if op.name == "aie.tile":
            tiles[op.results[0]] = (_int(op, "col"), _int(op, "row"))
    for op in module.walk():
        if op.name == "memref.alloca":
            parent = op.parent_op()
            while parent is not None and parent.name not in ("aie.core", "func.func"):
                parent = parent.parent_op()
            if parent is not None and parent.name == "aie.core":
                problems.append("memref.alloca inside aie.core (no AutomaticAllocationScope)")
        elif op.name == "aie.core":
            memory[tiles[op.operands[0]]] += STACK_BYTES
        elif op.name == "aie.buffer":
            memory[tiles[op.operands[0]]] += _bytes(op.results[0].type)
        elif op.name == "aie.lock":
            tile = tiles[op.operands[0]]
            locks[tile] += 1
            init = op.properties.get("init") or op.attributes.get("init")
            if init is not None and init.value.data > MAX_LOCK_VALUE:  # type: ignore
                problems.append(f"lock on {tile} starts at {init} > {MAX_LOCK_VALUE}")
        elif op.name == "aie.objectfifo":
            fifos[op.properties["sym_name"].data] = op  # type: ignore[attr-defined]
        elif op.name in ("aie.mem", "aie.memtile_dma", "aie.shim_dma"):
            problems += _dma_rules(op, tiles[op.operands[0]])
        elif op.name == "aiex.npu.dma_memcpy_nd":
            problems += _memcpy_rules(op)
    problems += _fifo_rules(module, fifos, tiles, memory, locks, mm2s, s2mm)
    problems += _link_rules(module, fifos, tiles)
    problems += _access_rules(module, fifos, tiles)
    for tile in set(memory) | set(locks) | set(mm2s) | set(s2mm):
        lim = LIMITS[_kind(tile[1])]
        if memory[tile] > lim["memory"] and _kind(tile[1]) != "shim":
            problems.append(f"tile {tile} needs {memory[tile]} bytes > {lim['memory']}")
        if locks[tile] > lim["locks"]:
            problems.append(f"tile {tile} needs {locks[tile]} locks > {lim['locks']}")
        for name, count in (("MM2S", mm2s[tile]), ("S2MM", s2mm[tile])):
            if count > lim["channels"]:
                problems.append(f"tile {tile} needs {count} {name} channels > {lim['channels']}")
    return problems


def _dma_rules(region_op: Operation, tile: tuple[int, int]) -> list[str]:
    lim = LIMITS[_kind(tile[1])]
    problems = []
    bds = [op for op in region_op.walk() if op.name == "aie.dma_bd"]
    if len(bds) > lim["bds"]:
        problems.append(f"{region_op.name} of {tile} uses {len(bds)} BDs > {lim['bds']}")
    for op in region_op.walk():
        if op.name == "aie.dma_start" and _int(op, "channel_index") >= lim["channels"]:
            problems.append(f"{tile}: DMA channel {_int(op, 'channel_index')} does not exist")
        if op.name == "aie.dma_bd":
            dims = op.properties.get("dimensions")
            if dims is not None and len(dims.dims.data) > lim["dims"]:  # type: ignore[attr-defined]
                problems.append(f"{tile}: BD with {len(dims.dims.data)} dimensions")  # type: ignore
    for block in region_op.regions[0].blocks:
        names = [op.name for op in block.ops]
        if "aie.dma_bd" in names and names.count("aie.dma_bd") != 1:
            problems.append(f"{tile}: a BD block holds {names.count('aie.dma_bd')} aie.dma_bd")
        if "aie.dma_bd" in names and names[-1] not in ("aie.next_bd", "aie.end"):
            problems.append(f"{tile}: a BD block ends in {names[-1]}")
    return problems


def _memcpy_rules(op: Operation) -> list[str]:
    sizes = list(op.properties["static_sizes"].get_values())  # type: ignore[attr-defined]
    strides = list(op.properties["static_strides"].get_values())  # type: ignore[attr-defined]
    offsets = list(op.properties["static_offsets"].get_values())  # type: ignore[attr-defined]
    width = op.operands[0].type.element_type.bitwidth  # type: ignore[attr-defined]
    scale = 32 // width if width < 32 else 1
    d3, d2, d1, d0 = sizes
    problems = []
    # NpuDmaMemcpyNdOp::verify: constant lists, elements of at most 32 bits, a
    # 4-byte-aligned start; verifyStridesWraps: positive sizes, strides of the
    # outer dimensions in whole 32-bit words
    if any(v < 0 for v in (*sizes, *strides, *offsets)):  # MLIR's dynamic marker
        problems.append("dma_memcpy_nd with a non-constant offset, size or stride")
        return problems
    if width > 32:
        problems.append(f"dma_memcpy_nd of {width}-bit elements (at most 32)")
    if sum(o * st for o, st in zip(offsets, strides, strict=True)) * width % 32:
        problems.append(f"dma_memcpy_nd offsets {offsets} start inside a 32-bit word")
    if min(sizes) < 1:
        problems.append(f"dma_memcpy_nd sizes {sizes}: every size must be positive")
    for k, (size, stride) in enumerate(zip(sizes[:3], strides[:3], strict=True)):
        if size > 1 and stride * width % 32:
            problems.append(f"dma_memcpy_nd stride {stride} of dimension {3 - k} splits a word")
    if d0 * width % 32:
        problems.append(f"dma_memcpy_nd moves {d0 * width} bits per row: not whole 32-bit words")
    if d0 // scale > MAX_WRAP or d1 > MAX_WRAP or d2 > MAX_WRAP or not 1 <= d3 <= MAX_REPEAT:
        problems.append(f"dma_memcpy_nd sizes {sizes} out of range")
    if strides[-1] != 1:
        problems.append(f"dma_memcpy_nd innermost stride {strides[-1]} (must be 1)")
    if any(s // scale > MAX_STRIDE for s in strides):
        problems.append(f"dma_memcpy_nd strides {strides} out of range")
    return problems


def _fifo_rules(
    module: ModuleOp,
    fifos: dict[str, Operation],
    tiles: dict[object, tuple[int, int]],
    memory: Counter[tuple[int, int]],
    locks: Counter[tuple[int, int]],
    mm2s: Counter[tuple[int, int]],
    s2mm: Counter[tuple[int, int]],
) -> list[str]:
    problems = []
    for name, fifo in fifos.items():
        producer = tiles[fifo.operands[0]]
        consumers = [tiles[v] for v in fifo.operands[1:]]
        depth_attr = fifo.properties["elemNumber"]
        depths = (
            [d.value.data for d in depth_attr.data]  # type: ignore[attr-defined]
            if hasattr(depth_attr, "data") and isinstance(depth_attr.data, tuple)
            else [depth_attr.value.data] * (1 + len(consumers))  # type: ignore[attr-defined]
        )
        if len(depths) != 1 + len(consumers) or min(depths) < 1:
            problems.append(f"objectfifo @{name}: depths {depths} for {len(consumers)} consumers")
            continue
        if producer in consumers or len(set(consumers)) != len(consumers):
            problems.append(f"objectfifo @{name}: a tile is both producer and consumer")
        elem = fifo.properties["elemType"].element_type  # type: ignore[attr-defined]
        size = _bytes(elem)
        dims = fifo.properties["dimensionsToStream"].dims.data  # type: ignore[attr-defined]
        if len(dims) > LIMITS[_kind(producer[1])]["dims"]:
            problems.append(f"objectfifo @{name}: {len(dims)} dimensionsToStream on {producer}")
        shared = len(consumers) == 1 and _shares_memory(producer, consumers[0])
        # the objectfifo lowering gives each endpoint its buffers and a lock pair
        # (one shared set when the two cores share memory, no DMA then)
        ends = [(producer, depths[0])] + (
            [] if shared else list(zip(consumers, depths[1:], strict=True))
        )
        for tile, depth in ends:
            if _kind(tile[1]) != "shim":
                memory[tile] += depth * size
            locks[tile] += 2
        if not shared:
            mm2s[producer] += 1
            for tile in consumers:
                s2mm[tile] += 1
    # cores may only acquire a fifo on a port of their own tile, within its depth
    for core in (op for op in module.walk() if op.name == "aie.core"):
        tile = tiles[core.operands[0]]
        for op in core.walk():
            if op.name != "aie.objectfifo.acquire":
                continue
            fifo = fifos[op.properties["objFifo_name"].root_reference.data]  # type: ignore
            fname = fifo.properties["sym_name"].data  # type: ignore[attr-defined]
            produce = _int(op, "port") == 0
            ends = [tiles[fifo.operands[0]]] if produce else [tiles[v] for v in fifo.operands[1:]]
            if tile not in ends:
                problems.append(f"core {tile} acquires @{fname} on a port it is not an end of")
            depth_attr = fifo.properties["elemNumber"]
            depth = getattr(depth_attr, "value", None)
            if depth is not None and _int(op, "size") > depth.data:
                problems.append(f"core {tile} acquires {_int(op, 'size')} of @{fname}")
    return problems


def _names(attr: object) -> list[str]:
    return [ref.root_reference.data for ref in attr.data]  # type: ignore[attr-defined]


def _link_rules(
    module: ModuleOp, fifos: dict[str, Operation], tiles: dict[object, tuple[int, int]]
) -> list[str]:
    """ObjectFifoLinkOp::verify (AIEDialect.cpp)."""
    problems = []
    for link in (op for op in module.walk() if op.name == "aie.objectfifo.link"):
        ins = [fifos[n] for n in _names(link.properties["fifoIns"])]
        outs = [fifos[n] for n in _names(link.properties["fifoOuts"])]
        src = [a.value.data for a in link.properties["src_offsets"].data]  # type: ignore
        dst = [a.value.data for a in link.properties["dst_offsets"].data]  # type: ignore
        join, distribute = len(ins) > 1, len(outs) > 1
        what = f"link {[f.properties['sym_name'].data for f in ins + outs]}"  # type: ignore
        if join and distribute:
            problems.append(f"{what}: join and distribute at once")
            continue
        shared = {tiles[v] for f in ins for v in f.operands[1:]} & {
            tiles[f.operands[0]] for f in outs
        }
        if len(shared) != 1:
            problems.append(f"{what}: no single tile shared by its inputs and outputs")
            continue
        if (join or distribute) and _kind(next(iter(shared))[1]) != "memtile":
            problems.append(f"{what}: join/distribute on a {_kind(next(iter(shared))[1])} tile")
        if join and (len(src) != len(ins) or dst):
            problems.append(f"{what}: a join needs one src offset per input and no dst offsets")
        if distribute:
            if len(dst) != len(outs) or src:
                problems.append(f"{what}: a distribute needs one dst offset per output only")
            if ins[0].properties["dimensionsToStream"].dims.data:  # type: ignore[attr-defined]
                problems.append(f"{what}: a distributed fifo with dimensionsToStream")
            for f in (ins[0], *outs):
                per = f.properties["dimensionsFromStreamPerConsumer"].per_consumer.data  # type: ignore
                if any(d.dims.data for d in per):
                    problems.append(f"{what}: a distribute with dimensionsFromStream")
        if not join and not distribute and src and dst:
            problems.append(f"{what}: offsets on a one-to-one link")
    for name, fifo in fifos.items():
        producer = tiles[fifo.operands[0]]
        if _kind(producer[1]) == "shim" and fifo.properties["dimensionsToStream"].dims.data:  # type: ignore
            problems.append(f"objectfifo @{name}: dimensionsToStream on a shim producer")
    return problems


def _access_rules(
    module: ModuleOp, fifos: dict[str, Operation], tiles: dict[object, tuple[int, int]]
) -> list[str]:
    """ObjectFifoAcquireOp/ReleaseOp/SubviewAccessOp::verify: inside a core on an
    end of the fifo, subview of the fifo's element type, index below the count."""
    problems = []
    for op in module.walk():
        if op.name not in ("aie.objectfifo.acquire", "aie.objectfifo.release"):
            if op.name == "aie.objectfifo.subview.access":
                acquire = op.operands[0].owner
                index = _int(op, "index")
                if index >= _int(acquire, "size"):  # type: ignore[arg-type]
                    problems.append(f"subview.access [{index}] of {_int(acquire, 'size')} acquired")  # type: ignore
            continue
        core = op.parent_op()
        while core is not None and core.name != "aie.core":
            core = core.parent_op()
        fifo = fifos[op.properties["objFifo_name"].root_reference.data]  # type: ignore
        fname = fifo.properties["sym_name"].data  # type: ignore[attr-defined]
        if core is None:
            problems.append(f"{op.name} @{fname} outside an aie.core")
            continue
        if op.name == "aie.objectfifo.release":
            tile = tiles[core.operands[0]]
            produce = _int(op, "port") == 0
            ends = [tiles[fifo.operands[0]]] if produce else [tiles[v] for v in fifo.operands[1:]]
            if tile not in ends:
                problems.append(f"core {tile} releases @{fname} on a port it is not an end of")
        else:
            elem = fifo.properties["elemType"].element_type  # type: ignore[attr-defined]
            for result in op.results:
                t = getattr(result.type, "element_type", result.type)
                if t != elem:
                    problems.append(f"acquire of @{fname} yields {result.type}, not {elem}")
    return problems


def _design(name: str, tmp_path: Path) -> str | None:
    try:
        dato.build(PROGRAMS[name](), target="aie", device="npu1", project=tmp_path)
    except DatoError as err:
        assert HARDWARE_LIMIT.search(str(err)), f"{name} refused for no hardware limit: {err}"
        return None
    return (tmp_path / "aie.mlir").read_text()


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_emitted_design_keeps_mlir_aie_rules(name: str, tmp_path: Path) -> None:
    text = _design(name, tmp_path)
    if text is None:  # refused for a named hardware limit (asserted in _design)
        return
    module = parse(printed(parse(text)))
    verify_located(module)
    assert rule_violations(module) == []


def test_rules_catch_an_alloca_in_a_core() -> None:
    module = parse(
        """
aie.device(npu1) {
  %t = aie.tile(0, 2)
  %c = aie.core(%t) {
    %a = memref.alloca() : memref<1xi32>
    aie.end
  }
}
"""
    )
    assert rule_violations(module) == [
        "memref.alloca inside aie.core (no AutomaticAllocationScope)"
    ]
    with pytest.raises(LocatedDiagnostic, match="memref.alloca in an aie.core"):
        verify_located(module)


def test_rules_catch_too_many_locks_and_a_fifo_on_the_wrong_core() -> None:
    locks = "\n".join(f"  %l{i} = aie.lock(%t, {i % 16}) {{init = 0 : i32}}" for i in range(17))
    module = parse(
        f"""
aie.device(npu1) {{
  %t = aie.tile(0, 2)
  %s = aie.tile(0, 0)
  %u = aie.tile(0, 4)
{locks}
  aie.objectfifo @f(%s, {{%t}}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  %c = aie.core(%u) {{
    %x = aie.objectfifo.acquire @f(Consume, 1) : !aie.objectfifosubview<memref<16xi32>>
    aie.end
  }}
}}
"""
    )
    assert sorted(rule_violations(module)) == [
        "core (0, 4) acquires @f on a port it is not an end of",
        "tile (0, 2) needs 19 locks > 16",
    ]


def test_rules_catch_memory_and_dma_overuse() -> None:
    # a 32 KB buffer and three 16 KB objects on one core tile: 80 KB > 64 KB;
    # three fifos from one shim into one core tile: 3 channels each way > 2
    fifos = "\n".join(
        f"  aie.objectfifo @f{i}(%s, {{%t}}, 1 : i32) : !aie.objectfifo<memref<4096xi32>>"
        for i in range(3)
    )
    module = parse(
        f"""
aie.device(npu1) {{
  %s = aie.tile(0, 0)
  %t = aie.tile(0, 2)
  %b = aie.buffer(%t) : memref<8192xi32>
{fifos}
}}
"""
    )
    assert sorted(rule_violations(module)) == [
        "tile (0, 0) needs 3 MM2S channels > 2",
        "tile (0, 2) needs 3 S2MM channels > 2",
        f"tile (0, 2) needs {32768 + 3 * 16384} bytes > 65536",
    ]


def test_rules_catch_link_access_and_memcpy_misuse() -> None:
    # a distribute on a compute tile whose input streams with dimensions from a
    # shim; an access past the acquired count; a release on the wrong core; a
    # memcpy starting mid-word with a row stride that splits words
    module = parse(
        """
aie.device(npu1) {
  %s = aie.tile(0, 0)
  %t = aie.tile(0, 2)
  %u = aie.tile(0, 3)
  %v = aie.tile(0, 4)
  aie.objectfifo @a(%s dimensionsToStream [<size = 2, stride = 8>], {%t}, 2 : i32)
    : !aie.objectfifo<memref<16xi8>>
  aie.objectfifo @b(%t, {%u}, 2 : i32) : !aie.objectfifo<memref<8xi8>>
  aie.objectfifo @c(%t, {%v}, 2 : i32) : !aie.objectfifo<memref<8xi8>>
  aie.objectfifo.link [@a] -> [@b, @c]([] [0, 8])
  %cu = aie.core(%u) {
    %x = aie.objectfifo.acquire @b(Consume, 1) : !aie.objectfifosubview<memref<8xi8>>
    %e = aie.objectfifo.subview.access %x[1] : !aie.objectfifosubview<memref<8xi8>> -> memref<8xi8>
    aie.objectfifo.release @c(Consume, 1)
    aie.end
  }
  aie.runtime_sequence(%in: memref<64xi8>) {
    aiex.npu.dma_memcpy_nd(%in[0, 0, 0, 1][1, 1, 2, 8][0, 0, 6, 1])
      {id = 0 : i64, metadata = @a} : memref<64xi8>
  }
}
"""
    )
    assert sorted(rule_violations(module)) == [
        "core (0, 3) releases @c on a port it is not an end of",
        "dma_memcpy_nd offsets [0, 0, 0, 1] start inside a 32-bit word",
        "dma_memcpy_nd stride 6 of dimension 1 splits a word",
        "link ['a', 'b', 'c']: a distributed fifo with dimensionsToStream",
        "link ['a', 'b', 'c']: join/distribute on a compute tile",
        "objectfifo @a: dimensionsToStream on a shim producer",
        "subview.access [1] of 1 acquired",
    ]
