"""The runtime sequence over a shim column's 16 BDs (npu1) when cores take
their fifos whole, one after another (dato-npu-runtime-sequence with
npu_shim_replay): a core that reads every row of A before any row of B, or
writes every row of C before D, alone or with other cores on the same shim
column. The stage model (fifos taken in step) waited on a B or D call the
core reaches only after A or C calls not yet issued, and the virtual NPU
reported the deadlock; the sequence now follows the order the core bodies
take their objects. Each design runs on the virtual NPU against numpy."""

from __future__ import annotations

import re

import numpy as np
import pytest
from xdsl.context import Context

from dato_xdsl.dialects import aie
from dato_xdsl.targets.virtual_npu import run_design
from dato_xdsl.transforms.npu_runtime_sequence import NpuRuntimeSequencePass
from dato_xdsl.transforms.npu_shim_replay import NoReplay, Replay, core_trace
from test.unit.test_emitted_aie_rules import parse, printed

W = 16  # elements per row: one fifo object, one shim call
BDS = 16  # npu1's buffer descriptors per shim column
SUB = f"!aie.objectfifosubview<memref<{W}xi32>>"


def _record(arg: int, rows: int) -> str:
    """One shim call per row of a host array of `rows` rows."""
    offsets = ", ".join(str(k * W) for k in range(rows))
    sizes = ", ".join(f"array<i64: 1, 1, 1, {W}>" for _ in range(rows))
    strides = ", ".join("array<i64: 0, 0, 0, 1>" for _ in range(rows))
    return (
        f"{{dato.host_arg = {arg} : i64, dato.dma_offsets = array<i64: {offsets}>, "
        f"dato.dma_sizes = [{sizes}], dato.dma_strides = [{strides}]}}"
    )


def _fifo(name: str, src: str, dst: str, depth: int, arg: int, rows: int) -> str:
    return (
        f"  aie.objectfifo @{name}({src}, {{{dst}}}, {depth} : i32) {_record(arg, rows)} "
        f": !aie.objectfifo<memref<{W}xi32>>"
    )


def _rows_loop(fifo: str, port: str, n: int, body: str) -> str:
    """`n` times: take an object of `fifo`, run `body` on it (%r) per element %j."""
    return f"""    scf.for %i = %c0 to %c{n} step %c1 {{
      %s = aie.objectfifo.acquire @{fifo}({port}, 1) : !aie.objectfifosubview<memref<{W}xi32>>
      %r = aie.objectfifo.subview.access %s[0] : {SUB} -> memref<{W}xi32>
      %ii = arith.index_cast %i : index to i32
      scf.for %j = %c0 to %cw step %c1 {{
{body}
      }}
      aie.objectfifo.release @{fifo}({port}, 1)
    }}"""


def reader(cores: int, n: int) -> str:
    """Core c (tile (0, 2 + c)) sums all n rows of A_c, then twice all n rows
    of B_c, into C_c: A_c whole before B_c."""
    lines, bodies, host, names = [], [], [], []
    for c in range(cores):
        t = f"%core{c}"
        lines.append(f"  {t} = aie.tile(0, {2 + c})")
        lines.append(_fifo(f"A{c}", "%shim", t, 2, 3 * c, n))
        lines.append(_fifo(f"B{c}", "%shim", t, 2, 3 * c + 1, n))
        lines.append(_fifo(f"C{c}", t, "%shim", 1, 3 * c + 2, 1))
        lines.append(f"  %acc{c} = aie.buffer({t}) : memref<{W}xi32>")
        host += [f"memref<{n * W}xi32>", f"memref<{n * W}xi32>", f"memref<{W}xi32>"]
        names += [f'"A{c}"', f'"B{c}"', f'"C{c}"']
        add = f"""        %x = memref.load %r[%j] : memref<{W}xi32>
        %y = memref.load %acc{c}[%j] : memref<{W}xi32>
        %x2 = arith.muli %x, %m : i32
        %t = arith.addi %x2, %y : i32
        memref.store %t, %acc{c}[%j] : memref<{W}xi32>"""
        copy = f"""        %y = memref.load %acc{c}[%j] : memref<{W}xi32>
        memref.store %y, %r[%j] : memref<{W}xi32>"""
        bodies.append(f"""  %k{c} = aie.core({t}) {{
{_consts(n)}
    %z = arith.constant 0 : i32
    scf.for %j = %c0 to %cw step %c1 {{
      memref.store %z, %acc{c}[%j] : memref<{W}xi32>
    }}
    %m = arith.constant 1 : i32
{_rows_loop(f"A{c}", "Consume", n, add)}
    %m2 = arith.constant 2 : i32
{_rows_loop(f"B{c}", "Consume", n, add.replace("%m :", "%m2 :"))}
{_rows_loop(f"C{c}", "Produce", 1, copy)}
    aie.end
  }}""")
    return _device(lines, bodies, host, names)


def writer(cores: int, n: int) -> str:
    """Core c reads one row a of A_c, writes n rows 2a + i to C_c, then n rows
    3a + i to D_c: C_c whole before D_c."""
    lines, bodies, host, names = [], [], [], []
    for c in range(cores):
        t = f"%core{c}"
        lines.append(f"  {t} = aie.tile(0, {2 + c})")
        lines.append(_fifo(f"A{c}", "%shim", t, 1, 3 * c, 1))
        lines.append(_fifo(f"C{c}", t, "%shim", 2, 3 * c + 1, n))
        lines.append(_fifo(f"D{c}", t, "%shim", 2, 3 * c + 2, n))
        host += [f"memref<{W}xi32>", f"memref<{n * W}xi32>", f"memref<{n * W}xi32>"]
        names += [f'"A{c}"', f'"C{c}"', f'"D{c}"']
        loops = []
        for fifo, mul in ((f"C{c}", 2), (f"D{c}", 3)):
            put = f"""        %x = memref.load %a[%j] : memref<{W}xi32>
        %x2 = arith.muli %x, %m{mul} : i32
        %t = arith.addi %x2, %ii : i32
        memref.store %t, %r[%j] : memref<{W}xi32>"""
            loops.append(_rows_loop(fifo, "Produce", n, put))
        bodies.append(f"""  %k{c} = aie.core({t}) {{
{_consts(n)}
    %m2 = arith.constant 2 : i32
    %m3 = arith.constant 3 : i32
    %sa = aie.objectfifo.acquire @A{c}(Consume, 1) : !aie.objectfifosubview<memref<{W}xi32>>
    %a = aie.objectfifo.subview.access %sa[0] : {SUB} -> memref<{W}xi32>
{chr(10).join(loops)}
    aie.objectfifo.release @A{c}(Consume, 1)
    aie.end
  }}""")
    return _device(lines, bodies, host, names)


def _consts(n: int) -> str:
    return (
        "    %c0 = arith.constant 0 : index\n    %c1 = arith.constant 1 : index\n"
        f"    %cw = arith.constant {W} : index\n    %c{n} = arith.constant {n} : index"
    )


def _device(lines: list[str], bodies: list[str], host: list[str], names: list[str]) -> str:
    return "\n".join(
        [
            "aie.device(npu1) {",
            "  %shim = aie.tile(0, 0)",
            *lines,
            *bodies,
            f"}} {{dato.host_args = [{', '.join(host)}], dato.host_names = [{', '.join(names)}]}}",
        ]
    )


def sequenced(text: str):
    module = parse(text)
    NpuRuntimeSequencePass().apply(Context(), module)
    return module


def shim_calls(module) -> tuple[int, int]:
    """dma_memcpy_nd calls and dma_waits of the runtime sequence."""
    out = printed(module).split("aie.runtime_sequence")[1]
    return out.count("aiex.npu.dma_memcpy_nd"), out.count("aiex.npu.dma_wait")


RNG = np.random.default_rng(1201)


@pytest.mark.parametrize("cores,n", [(1, 12), (2, 6), (4, 9)])
def test_cores_reading_a_whole_then_b_equal_numpy(cores, n):
    module = sequenced(reader(cores, n))
    calls, waits = shim_calls(module)
    assert calls == cores * (2 * n + 1) > BDS  # more calls than the column's BDs
    assert waits >= calls - BDS  # each call past the 16th reuses an awaited BD
    arrays, want = [], []
    for _ in range(cores):
        a = RNG.integers(-999, 999, n * W).astype(np.int32)
        b = RNG.integers(-999, 999, n * W).astype(np.int32)
        c = np.zeros(W, np.int32)
        arrays += [a, b, c]
        want.append((c, a.reshape(n, W).sum(0) + 2 * b.reshape(n, W).sum(0)))
    run_design(module, arrays, timeout=60)
    for got, ref in want:
        np.testing.assert_array_equal(got, ref)


@pytest.mark.parametrize("cores,n", [(1, 12), (3, 6)])
def test_cores_writing_c_whole_then_d_equal_numpy(cores, n):
    module = sequenced(writer(cores, n))
    calls, _ = shim_calls(module)
    assert calls == cores * (2 * n + 1) > BDS
    arrays, want = [], []
    rows = np.arange(n, dtype=np.int32)[:, None]
    for _ in range(cores):
        a = RNG.integers(-999, 999, W).astype(np.int32)
        c, d = np.zeros(n * W, np.int32), np.zeros(n * W, np.int32)
        arrays += [a, c, d]
        want += [(c, (2 * a + rows).ravel()), (d, (3 * a + rows).ravel())]
    run_design(module, arrays, timeout=60)
    for got, ref in want:
        np.testing.assert_array_equal(got, ref)


def test_the_sequence_waits_on_a_rows_before_issuing_b_past_the_buffers():
    # one core, 12 rows of A then of B, 2-deep fifos: B's first two calls fill
    # B's buffers at once; B's third finishes only once the core took all of
    # A, so every A call is issued before B's third
    text = printed(sequenced(reader(1, 12))).split("aie.runtime_sequence")[1]
    order = re.findall(r"dma_memcpy_nd\(%\w+\[0, 0, 0, (\d+)\].*?metadata = @(\w+)", text)
    b_third = order.index((str(2 * W), "B0"))
    assert [o for o, f in order[:b_third] if f == "A0"] == [str(k * W) for k in range(12)]


def test_core_trace_unrolls_constant_loops():
    module = parse(reader(1, 5))
    core = next(op for op in module.walk() if isinstance(op, aie.CoreOp))
    trace = core_trace(core, [10_000])
    acquired = [(name, produce) for acquire, name, produce, _ in trace if acquire]
    assert acquired == [("A0", False)] * 5 + [("B0", False)] * 5 + [("C0", True)]
    assert len(trace) == 2 * len(acquired)  # each acquire released


def test_a_loop_of_unknown_bounds_is_not_replayed():
    # the row count read from memory at run time: the replay does not guess it
    text = reader(1, 3).replace(
        "%c3 = arith.constant 3 : index",
        f"%v = memref.load %acc0[%c0] : memref<{W}xi32>\n"
        "    %c3 = arith.index_cast %v : i32 to index",
    )
    device = next(op for op in parse(text).walk() if isinstance(op, aie.DeviceOp))
    with pytest.raises(NoReplay, match="unknown bounds"):
        Replay(device, {"A0": True, "B0": True, "C0": False})


def test_a_core_taking_a_lock_by_hand_is_not_replayed():
    # a lock the replay does not model could hold a core back: no replay,
    # the stage model orders the calls instead
    text = reader(1, 3).replace(
        "  %acc0 = aie.buffer(%core0)",
        "  %lk = aie.lock(%core0, 0)\n  %acc0 = aie.buffer(%core0)",
    )
    text = text.replace(
        "    %z = arith.constant 0 : i32\n",
        "    %z = arith.constant 0 : i32\n    aie.use_lock(%lk, AcquireGreaterEqual, 0)\n",
        1,
    )
    device = next(op for op in parse(text).walk() if isinstance(op, aie.DeviceOp))
    with pytest.raises(NoReplay, match="aie.use_lock"):
        Replay(device, {"A0": True, "B0": True, "C0": False})


def test_loop_bounds_made_of_constants_are_followed():
    # the lowering writes a block's rows as k * n to (k + 1) * n
    text = reader(1, 6).replace(
        "%c6 = arith.constant 6 : index",
        "%c2 = arith.constant 2 : index\n    %c3 = arith.constant 3 : index\n"
        "    %c6 = arith.muli %c2, %c3 : index",
    )
    core = next(op for op in parse(text).walk() if isinstance(op, aie.CoreOp))
    acquired = [name for acquire, name, _, _ in core_trace(core, [10_000]) if acquire]
    assert acquired == ["A0"] * 6 + ["B0"] * 6 + ["C0"]
