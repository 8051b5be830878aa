"""Memref, linalg and scf forms a task body may use, each against numpy."""

import numpy as np
from xdsl.context import Context
from xdsl.dialects import arith, builtin, linalg, math, memref, scf
from xdsl.dialects.builtin import ModuleOp

from dato_xdsl.dialects.dato import Dato
from dato_xdsl.driver import LocatingParser
from dato_xdsl.targets.simulator import Simulator, simulate


def parse(text: str) -> ModuleOp:
    ctx = Context()
    for d in (builtin.Builtin, arith.Arith, math.Math, memref.MemRef, scf.Scf, linalg.Linalg, Dato):
        ctx.load_dialect(d)
    module = LocatingParser(ctx, text, "ops.mlir").parse_module()
    module.verify()
    return module


def one_task(args: list[tuple[str, str]], body: str) -> str:
    """A region with one single-instance task binding every argument whole."""
    params = ", ".join(f"%{n.upper()} : {t}" for n, t in args)
    binds = ", ".join(f"%{n.upper()} : {t} [{', '.join(['R'] * t.count('x'))}]" for n, t in args)
    block = ", ".join(f"%{n} : {t}" for n, t in args)
    return f"""
dato.region @k({params}) {{
  dato.task @t grid [1] ({binds}) {{
  ^bb0({block}):
{body}
  }}
}}
"""


F44 = "memref<4x4xf32>"


def test_linalg_elementwise_ops() -> None:
    ops = ["add", "sub", "mul", "max", "min"]
    unary = ["exp", "log", "sqrt"]
    args = [("a", F44), ("b", F44)] + [(f"o{k}", F44) for k in range(len(ops) + len(unary))]
    lines = []
    for k, op in enumerate(ops):
        lines.append(f"    linalg.{op} ins(%a, %b : {F44}, {F44}) outs(%o{k} : {F44})")
    for k, op in enumerate(unary, len(ops)):
        lines.append(f"    linalg.{op} ins(%a : {F44}) outs(%o{k} : {F44})")
    rng = np.random.default_rng(0)
    a = rng.uniform(0.5, 2.0, (4, 4)).astype(np.float32)
    b = rng.uniform(0.5, 2.0, (4, 4)).astype(np.float32)
    outs = [np.zeros((4, 4), np.float32) for _ in range(len(ops) + len(unary))]
    simulate(parse(one_task(args, "\n".join(lines))), [a, b, *outs])
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    expected = [
        a64 + b64,
        a64 - b64,
        a64 * b64,
        np.maximum(a64, b64),
        np.minimum(a64, b64),
        np.exp(a64),
        np.log(a64),
        np.sqrt(a64),
    ]
    for got, want in zip(outs, expected, strict=True):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=1e-6)


def test_transpose_fill_copy_and_dynamic_subview() -> None:
    body = f"""
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %t = memref.alloc() : {F44}
    linalg.transpose ins(%a : {F44}) outs(%t : {F44}) permutation = [1, 0]
    %row = memref.subview %t[%c1, %c0] [2, 4] [%c2, 1]
        : {F44} to memref<2x4xf32, strided<[?, 1], offset: ?>>
    %dst = memref.subview %o[0, 0] [2, 4] [1, 1] : {F44} to memref<2x4xf32, strided<[4, 1]>>
    "memref.copy"(%row, %dst)
        : (memref<2x4xf32, strided<[?, 1], offset: ?>>, memref<2x4xf32, strided<[4, 1]>>) -> ()
    %tail = memref.subview %o[2, 0] [2, 4] [1, 1]
        : {F44} to memref<2x4xf32, strided<[4, 1], offset: 8>>
    %v = arith.constant 5.5 : f32
    linalg.fill ins(%v : f32) outs(%tail : memref<2x4xf32, strided<[4, 1], offset: 8>>)
    %col = memref.subview %a[0, %c2] [4, 1] [1, 1] : {F44} to memref<4xf32, strided<[4], offset: ?>>
    %x = memref.load %col[%c1] : memref<4xf32, strided<[4], offset: ?>>
    memref.store %x, %o[%c2, %c0] : {F44}
"""
    a = np.arange(16, dtype=np.float32).reshape(4, 4)
    o = np.zeros((4, 4), np.float32)
    simulate(parse(one_task([("a", F44), ("o", F44)], body)), [a, o])
    expected = np.empty((4, 4), np.float32)
    expected[0:2] = a.T[1:4:2]
    expected[2:4] = 5.5
    expected[2, 0] = a[1, 2]
    np.testing.assert_array_equal(o, expected)


def test_generic_row_sum_and_broadcast() -> None:
    body = """
    linalg.generic {
        indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>],
        iterator_types = ["parallel", "reduction"]}
        ins(%a : memref<3x5xi32>) outs(%r : memref<3xi32>) {
    ^bb0(%in : i32, %acc : i32):
      %s = arith.addi %in, %acc : i32
      linalg.yield %s : i32
    }
    linalg.broadcast ins(%r : memref<3xi32>) outs(%b : memref<3x2xi32>) dimensions = [1]
"""
    args = [("a", "memref<3x5xi32>"), ("r", "memref<3xi32>"), ("b", "memref<3x2xi32>")]
    a = np.arange(15, dtype=np.int32).reshape(3, 5)
    r = np.full(3, 100, np.int32)
    b = np.zeros((3, 2), np.int32)
    simulate(parse(one_task(args, body)), [a, r, b])
    np.testing.assert_array_equal(r, 100 + a.sum(axis=1))
    np.testing.assert_array_equal(b, np.repeat((100 + a.sum(axis=1))[:, None], 2, axis=1))


def test_scf_while_and_scalar_locals() -> None:
    """Collatz steps of n with a while loop; a 0-d alloca as a counter."""
    body = """
    %c0 = arith.constant 0 : index
    %one = arith.constant 1 : i32
    %two = arith.constant 2 : i32
    %three = arith.constant 3 : i32
    %zero = arith.constant 0 : i32
    %steps = memref.alloca() : memref<i32>
    memref.store %zero, %steps[] : memref<i32>
    %n0 = memref.load %n[%c0] : memref<1xi32>
    %last = scf.while (%v = %n0) : (i32) -> i32 {
      %go = arith.cmpi sgt, %v, %one : i32
      scf.condition(%go) %v : i32
    } do {
    ^bb0(%v : i32):
      %r = arith.remsi %v, %two : i32
      %even = arith.cmpi eq, %r, %zero : i32
      %next = scf.if %even -> (i32) {
        %h = arith.divsi %v, %two : i32
        scf.yield %h : i32
      } else {
        %t = arith.muli %v, %three : i32
        %u = arith.addi %t, %one : i32
        scf.yield %u : i32
      }
      %s = memref.load %steps[] : memref<i32>
      %s1 = arith.addi %s, %one : i32
      memref.store %s1, %steps[] : memref<i32>
      scf.yield %next : i32
    }
    %s = memref.load %steps[] : memref<i32>
    memref.store %s, %out[%c0] : memref<2xi32>
    %c1 = arith.constant 1 : index
    memref.store %last, %out[%c1] : memref<2xi32>
"""
    sim = Simulator(parse(one_task([("n", "memref<1xi32>"), ("out", "memref<2xi32>")], body)))
    assert "_np.zeros" not in sim.sources()["t"]  # the counter became a Python local
    for start in (1, 6, 27):
        out = np.zeros(2, np.int32)
        sim.run(np.array([start], np.int32), out)
        steps, v = 0, start
        while v > 1:
            v = v // 2 if v % 2 == 0 else 3 * v + 1
            steps += 1
        np.testing.assert_array_equal(out, [steps, max(start, 1) if start <= 1 else 1])


def test_dynamic_alloc_dim_and_index_cast() -> None:
    body = """
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %k = memref.load %n[%c0] : memref<1xi32>
    %ki = arith.index_cast %k : i32 to index
    %buf = memref.alloc(%ki) : memref<?xi32>
    %d = memref.dim %buf, %c0 : memref<?xi32>
    scf.for %i = %c0 to %d step %c1 {
      %v = arith.index_cast %i : index to i32
      %sq = arith.muli %v, %v : i32
      memref.store %sq, %buf[%i] : memref<?xi32>
    }
    %total = scf.for %i = %c0 to %d step %c1 iter_args(%acc = %c0) -> (index) {
      %x = memref.load %buf[%i] : memref<?xi32>
      %xi = arith.index_cast %x : i32 to index
      %a2 = arith.addi %acc, %xi : index
      scf.yield %a2 : index
    }
    %t = arith.index_cast %total : index to i32
    memref.store %t, %out[%c0] : memref<1xi32>
"""
    sim = Simulator(parse(one_task([("n", "memref<1xi32>"), ("out", "memref<1xi32>")], body)))
    for k in (0, 5, 9):
        out = np.zeros(1, np.int32)
        sim.run(np.array([k], np.int32), out)
        assert out[0] == sum(i * i for i in range(k))


def test_transpose_of_a_non_square_3d_array() -> None:
    """A permutation that is not its own inverse on distinct extents."""
    t_in, t_out = "memref<2x3x4xi32>", "memref<4x2x3xi32>"
    body = f"    linalg.transpose ins(%a : {t_in}) outs(%o : {t_out}) permutation = [2, 0, 1]"
    a = np.arange(24, dtype=np.int32).reshape(2, 3, 4) - 11
    o = np.zeros((4, 2, 3), np.int32)
    simulate(parse(one_task([("a", t_in), ("o", t_out)], body)), [a, o])
    for i, j, k in np.ndindex(2, 3, 4):
        assert o[k, i, j] == a[i, j, k]


def test_matmul_of_int32_accumulates_into_c_and_wraps() -> None:
    """C += A @ B: int32 products beyond 2^53 (no exact float path) wrap."""
    ti = ("memref<2x3xi32>", "memref<3x2xi32>", "memref<2x2xi32>")
    body = f"    linalg.matmul ins(%a, %b : {ti[0]}, {ti[1]}) outs(%c : {ti[2]})"
    names = [("a", ti[0]), ("b", ti[1]), ("c", ti[2])]
    a = np.array([[2**31 - 1, -(2**31), 3], [-5, 2**30, 7]], np.int32)
    b = np.array([[2**31 - 1, 2], [-(2**31), -3], [11, 2**29]], np.int32)
    c = np.array([[1, -1], [2**31 - 1, 5]], np.int32)
    want_c = [
        [
            (int(c[i, j]) + sum(int(a[i, k]) * int(b[k, j]) for k in range(3)) + 2**31) % 2**32
            - 2**31
            for j in range(2)
        ]
        for i in range(2)
    ]
    simulate(parse(one_task(names, body)), [a, b, c])
    np.testing.assert_array_equal(c, want_c)


def test_linalg_add_converts_inputs_to_the_output_type() -> None:
    """linalg's casting rule: i8 inputs added into an i32 output do not wrap at 8 bits."""
    t8, t32 = "memref<4xi8>", "memref<4xi32>"
    body = f"    linalg.add ins(%a, %b : {t8}, {t8}) outs(%o : {t32})"
    a = np.array([100, -128, 127, -1], np.int8)
    b = np.array([100, -128, 1, -1], np.int8)
    o = np.zeros(4, np.int32)
    simulate(parse(one_task([("a", t8), ("b", t8), ("o", t32)], body)), [a, b, o])
    np.testing.assert_array_equal(o, [200, -256, 128, -2])


def test_linalg_select_picks_per_element() -> None:
    t1, t = "memref<5xi1>", "memref<5xi16>"
    body = f"    linalg.select ins(%c, %a, %b : {t1}, {t}, {t}) outs(%o : {t})"
    c = np.array([True, False, False, True, False])
    a = np.array([1, 2, 3, 4, 5], np.int16)
    b = np.array([-1, -2, -3, -4, -5], np.int16)
    o = np.zeros(5, np.int16)
    simulate(parse(one_task([("c", t1), ("a", t), ("b", t), ("o", t)], body)), [c, a, b, o])
    np.testing.assert_array_equal(o, [1, -2, -3, 4, -5])


def test_generic_with_a_computed_subscript_reads_both_edges() -> None:
    """(d0) -> (5 - d0) reverses a 6-element array: the computed subscripts
    reach index 5 and index 0, both in bounds."""
    body = """
    linalg.generic {
        indexing_maps = [affine_map<(d0) -> (5 - d0)>, affine_map<(d0) -> (d0)>],
        iterator_types = ["parallel"]}
        ins(%a : memref<6xi32>) outs(%o : memref<6xi32>) {
    ^bb0(%in : i32, %out : i32):
      linalg.yield %in : i32
    }
"""
    a = np.arange(6, dtype=np.int32) * 10 - 7
    o = np.zeros(6, np.int32)
    simulate(parse(one_task([("a", "memref<6xi32>"), ("o", "memref<6xi32>")], body)), [a, o])
    np.testing.assert_array_equal(o, a[::-1])


def test_i128_matmul_is_exact_then_narrowed() -> None:
    """An i128 matmul inside a task (i64 inputs widened by extsi): the exact
    sum of products, whose low and high 64-bit halves are stored."""
    body = """
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c3 = arith.constant 3 : index
    %sh = arith.constant 64 : i128
    %wa = memref.alloc() : memref<2x3xi128>
    %wb = memref.alloc() : memref<3x2xi128>
    %wc = memref.alloc() : memref<2x2xi128>
    scf.for %i = %c0 to %c2 step %c1 {
      scf.for %k = %c0 to %c3 step %c1 {
        %x = memref.load %a[%i, %k] : memref<2x3xi64>
        %xw = arith.extsi %x : i64 to i128
        memref.store %xw, %wa[%i, %k] : memref<2x3xi128>
        %y = memref.load %b[%k, %i] : memref<3x2xi64>
        %yw = arith.extsi %y : i64 to i128
        memref.store %yw, %wb[%k, %i] : memref<3x2xi128>
      }
      scf.for %j = %c0 to %c2 step %c1 {
        %z = memref.load %c[%i, %j] : memref<2x2xi64>
        %zw = arith.extsi %z : i64 to i128
        memref.store %zw, %wc[%i, %j] : memref<2x2xi128>
      }
    }
    linalg.matmul ins(%wa, %wb : memref<2x3xi128>, memref<3x2xi128>) outs(%wc : memref<2x2xi128>)
    scf.for %i = %c0 to %c2 step %c1 {
      scf.for %j = %c0 to %c2 step %c1 {
        %v = memref.load %wc[%i, %j] : memref<2x2xi128>
        %lo = arith.trunci %v : i128 to i64
        %hv = arith.shrsi %v, %sh : i128
        %hi = arith.trunci %hv : i128 to i64
        memref.store %lo, %c[%i, %j] : memref<2x2xi64>
        memref.store %hi, %h[%i, %j] : memref<2x2xi64>
      }
    }
"""
    args = [("a", "memref<2x3xi64>"), ("b", "memref<3x2xi64>")]
    args += [("c", "memref<2x2xi64>"), ("h", "memref<2x2xi64>")]
    big = 2**62 + 12345
    a = np.array([[big, -big, 3], [2**63 - 1, -(2**63), 7]], np.int64)
    b = np.array([[big, 5], [big, -(2**63)], [-1, 2**40]], np.int64)
    c = np.array([[1, -2], [3, 2**63 - 1]], np.int64)
    h = np.zeros((2, 2), np.int64)
    c0 = c.copy()
    simulate(parse(one_task(args, body)), [a, b, c, h])
    for i in range(2):
        for j in range(2):
            exact = int(c0[i, j]) + sum(int(a[i, k]) * int(b[k, j]) for k in range(3))
            wrapped = (exact + 2**127) % 2**128 - 2**127
            low = (wrapped + 2**63) % 2**64 - 2**63
            assert int(h[i, j]) == wrapped >> 64
            assert int(c[i, j]) == low
