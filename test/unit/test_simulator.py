"""The simulator runs dato programs (IR text) and matches independent numpy results."""

import ml_dtypes
import numpy as np
from xdsl.context import Context
from xdsl.dialects import arith, builtin, func, linalg, math, memref, scf
from xdsl.dialects.builtin import ModuleOp

from dato_xdsl.dialects.dato import Dato
from dato_xdsl.driver import LocatingParser
from dato_xdsl.targets.simulator import Simulator, simulate


def parse(text: str, name: str = "test.mlir") -> ModuleOp:
    ctx = Context()
    for d in (builtin.Builtin, arith.Arith, math.Math, memref.MemRef, scf.Scf, linalg.Linalg):
        ctx.load_dialect(d)
    ctx.load_dialect(func.Func)
    ctx.load_dialect(Dato)
    module = LocatingParser(ctx, text, name).parse_module()
    module.verify()
    return module


PRODUCER_CONSUMER = """
dato.region @pc(%A : memref<16xi32>, %B : memref<16xi32>) {
  dato.stream @pipe : !dato.stream<i32, 2>
  dato.task @producer grid [1] (%A : memref<16xi32> [R]) {
  ^bb0(%a : memref<16xi32>):
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c16 = arith.constant 16 : index
    scf.for %i = %c0 to %c16 step %c1 {
      %v = memref.load %a[%i] : memref<16xi32>
      dato.put @pipe, %v : i32
    }
  }
  dato.task @consumer grid [1] (%B : memref<16xi32> [R]) {
  ^bb0(%b : memref<16xi32>):
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c16 = arith.constant 16 : index
    %k = arith.constant 3 : i32
    scf.for %i = %c0 to %c16 step %c1 {
      %v = dato.get @pipe : i32
      %w = arith.muli %v, %k : i32
      %x = arith.addi %w, %k : i32
      memref.store %x, %b[%i] : memref<16xi32>
    }
  }
}
"""


def test_producer_consumer_scalar_stream() -> None:
    a = np.arange(-8, 8, dtype=np.int32) * 1000
    b = np.zeros(16, np.int32)
    simulate(parse(PRODUCER_CONSUMER), [a, b])
    np.testing.assert_array_equal(b, a * 3 + 3)


def tiled_gemm(elem: str) -> str:
    return f"""
dato.region @gemm(%A : memref<16x8x{elem}>, %B : memref<8x12x{elem}>, %C : memref<16x12x{elem}>) {{
  dato.task @tile grid [2, 2] (%A : memref<16x8x{elem}> [S0, R], %B : memref<8x12x{elem}> [R, S1],
                               %C : memref<16x12x{elem}> [S0, S1]) {{
  ^bb0(%a : memref<8x8x{elem}>, %b : memref<8x6x{elem}>, %c : memref<8x6x{elem}>):
    %z = arith.constant 0 : {elem}
    %t = memref.alloc() : memref<8x6x{elem}>
    linalg.fill ins(%z : {elem}) outs(%t : memref<8x6x{elem}>)
    linalg.matmul ins(%a, %b : memref<8x8x{elem}>, memref<8x6x{elem}>) outs(%t : memref<8x6x{elem}>)
    "memref.copy"(%t, %c) : (memref<8x6x{elem}>, memref<8x6x{elem}>) -> ()
  }}
}}
"""


def test_tiled_gemm_2x2_float32() -> None:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((16, 8)).astype(np.float32)
    b = rng.standard_normal((8, 12)).astype(np.float32)
    c = np.zeros((16, 12), np.float32)
    text = tiled_gemm("f32").replace("arith.constant 0 :", "arith.constant 0.0 :")
    simulate(parse(text), [a, b, c])
    np.testing.assert_allclose(c, a.astype(np.float64) @ b.astype(np.float64), rtol=1e-5, atol=1e-5)


def test_tiled_gemm_2x2_int16_wraps() -> None:
    rng = np.random.default_rng(1)
    a = rng.integers(-300, 300, (16, 8), dtype=np.int16)
    b = rng.integers(-300, 300, (8, 12), dtype=np.int16)
    c = np.zeros((16, 12), np.int16)
    simulate(parse(tiled_gemm("i16")), [a, b, c])
    exact = a.astype(np.int64) @ b.astype(np.int64)
    assert np.abs(exact).max() > 2**15  # the test exercises wrapping
    expected = ((exact + 2**15) % 2**16 - 2**15).astype(np.int16)
    np.testing.assert_array_equal(c, expected)


def test_layout_views_follow_pids() -> None:
    """Block (p_a) of grid[a] equal blocks along each sharded dimension."""
    text = """
dato.region @ids(%X : memref<6x4xi32>) {
  dato.task @mark grid [2, 3] (%X : memref<6x4xi32> [S1, S0]) {
  ^bb0(%x : memref<2x2xi32>):
    %p, %q = dato.pid : index, index
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c10 = arith.constant 10 : index
    %t = arith.muli %p, %c10 : index
    %v = arith.addi %t, %q : index
    %vi = arith.index_cast %v : index to i32
    scf.for %i = %c0 to %c2 step %c1 {
      scf.for %j = %c0 to %c2 step %c1 {
        memref.store %vi, %x[%i, %j] : memref<2x2xi32>
      }
    }
  }
}
"""
    x = np.full((6, 4), -1, np.int32)
    simulate(parse(text), [x])
    expected = np.empty((6, 4), np.int32)
    for p in range(2):
        for q in range(3):
            # dim 0 is split over axis 1 (3 blocks of 2), dim 1 over axis 0 (2 blocks of 2)
            expected[2 * q : 2 * q + 2, 2 * p : 2 * p + 2] = 10 * p + q
    np.testing.assert_array_equal(x, expected)


SYSTOLIC_1D = """
dato.region @chain(%A : memref<10xi32>, %W : memref<4xi32>, %B : memref<10xi32>) {
  dato.stream @fifo [4] : !dato.stream<i32, 1>
  dato.task @stage grid [4] (%A : memref<10xi32> [R], %W : memref<4xi32> [S0],
                             %B : memref<10xi32> [R]) {
  ^bb0(%a : memref<10xi32>, %w : memref<1xi32>, %b : memref<10xi32>):
    %p = dato.pid : index
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c3 = arith.constant 3 : index
    %c10 = arith.constant 10 : index
    %weight = memref.load %w[%c0] : memref<1xi32>
    %first = arith.cmpi eq, %p, %c0 : index
    %last = arith.cmpi eq, %p, %c3 : index
    %next = arith.addi %p, %c1 : index
    scf.for %n = %c0 to %c10 step %c1 {
      %in = scf.if %first -> (i32) {
        %x = memref.load %a[%n] : memref<10xi32>
        scf.yield %x : i32
      } else {
        %y = dato.get @fifo[%p] : i32
        scf.yield %y : i32
      }
      %out = arith.addi %in, %weight : i32
      scf.if %last {
        memref.store %out, %b[%n] : memref<10xi32>
      } else {
        dato.put @fifo[%next], %out : i32
      }
    }
  }
}
"""


def test_systolic_chain_1d() -> None:
    a = np.arange(10, dtype=np.int32) * 7
    w = np.array([1, 20, 300, 4000], np.int32)
    b = np.zeros(10, np.int32)
    simulate(parse(SYSTOLIC_1D), [a, w, b])
    np.testing.assert_array_equal(b, a + w.sum())


def systolic_2d(p: int, k: int) -> str:
    last = p - 1
    return f"""
dato.region @sys(%A : memref<{p}x{k}xf32>, %B : memref<{k}x{p}xf32>, %C : memref<{p}x{p}xf32>) {{
  dato.stream @east [{p}, {p}] : !dato.stream<f32, 2>
  dato.stream @south [{p}, {p}] : !dato.stream<f32, 2>
  dato.task @pe grid [{p}, {p}] (%A : memref<{p}x{k}xf32> [S0, R], %B : memref<{k}x{p}xf32> [R, S1],
                                 %C : memref<{p}x{p}xf32> [S0, S1]) {{
  ^bb0(%a : memref<1x{k}xf32>, %b : memref<{k}x1xf32>, %c : memref<1x1xf32>):
    %i, %j = dato.pid : index, index
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %cl = arith.constant {last} : index
    %ck = arith.constant {k} : index
    %zero = arith.constant 0.0 : f32
    %acc = memref.alloca() : memref<f32>
    memref.store %zero, %acc[] : memref<f32>
    %west = arith.cmpi eq, %j, %c0 : index
    %north = arith.cmpi eq, %i, %c0 : index
    %pe = arith.cmpi ult, %j, %cl : index
    %ps = arith.cmpi ult, %i, %cl : index
    %je = arith.addi %j, %c1 : index
    %is = arith.addi %i, %c1 : index
    scf.for %t = %c0 to %ck step %c1 {{
      %x = scf.if %west -> (f32) {{
        %l = memref.load %a[%c0, %t] : memref<1x{k}xf32>
        scf.yield %l : f32
      }} else {{
        %g = dato.get @east[%i, %j] : f32
        scf.yield %g : f32
      }}
      %y = scf.if %north -> (f32) {{
        %l = memref.load %b[%t, %c0] : memref<{k}x1xf32>
        scf.yield %l : f32
      }} else {{
        %g = dato.get @south[%i, %j] : f32
        scf.yield %g : f32
      }}
      %m = arith.mulf %x, %y : f32
      %o = memref.load %acc[] : memref<f32>
      %s = arith.addf %o, %m : f32
      memref.store %s, %acc[] : memref<f32>
      scf.if %pe {{
        dato.put @east[%i, %je], %x : f32
      }}
      scf.if %ps {{
        dato.put @south[%is, %j], %y : f32
      }}
    }}
    %r = memref.load %acc[] : memref<f32>
    memref.store %r, %c[%c0, %c0] : memref<1x1xf32>
  }}
}}
"""


def test_systolic_gemm_2d_output_stationary() -> None:
    rng = np.random.default_rng(2)
    a = rng.standard_normal((4, 6)).astype(np.float32)
    b = rng.standard_normal((6, 4)).astype(np.float32)
    c = np.zeros((4, 4), np.float32)
    simulate(parse(systolic_2d(4, 6)), [a, b, c])
    # reference: the same float32 accumulation order, k ascending
    expected = np.zeros((4, 4), np.float32)
    for t in range(6):
        expected += np.outer(a[:, t], b[t, :]).astype(np.float32)
    np.testing.assert_array_equal(c, expected)


SPLIT_K = """
dato.region @splitk(%A : memref<4x8xi16>, %B : memref<8x4xi16>, %C : memref<4x4xi16>) {
  dato.stream @partial : !dato.stream<memref<4x4xi16>, 1>
  dato.task @half grid [2] (%A : memref<4x8xi16> [R, S0], %B : memref<8x4xi16> [S0, R],
                            %C : memref<4x4xi16> [R, R]) {
  ^bb0(%a : memref<4x4xi16>, %b : memref<4x4xi16>, %c : memref<4x4xi16>):
    %p = dato.pid : index
    %c0 = arith.constant 0 : index
    %z = arith.constant 0 : i16
    %t = memref.alloc() : memref<4x4xi16>
    linalg.fill ins(%z : i16) outs(%t : memref<4x4xi16>)
    linalg.matmul ins(%a, %b : memref<4x4xi16>, memref<4x4xi16>) outs(%t : memref<4x4xi16>)
    %first = arith.cmpi eq, %p, %c0 : index
    scf.if %first {
      dato.put @partial, %t : memref<4x4xi16>
      linalg.fill ins(%z : i16) outs(%t : memref<4x4xi16>)
    } else {
      %other = dato.get @partial : memref<4x4xi16>
      linalg.add ins(%t, %other : memref<4x4xi16>, memref<4x4xi16>) outs(%c : memref<4x4xi16>)
    }
  }
}
"""


def test_split_k_block_stream_int16() -> None:
    """The producer clears its buffer after the put: the stream must have copied it."""
    rng = np.random.default_rng(3)
    a = rng.integers(-400, 400, (4, 8), dtype=np.int16)
    b = rng.integers(-400, 400, (8, 4), dtype=np.int16)
    c = np.zeros((4, 4), np.int16)
    simulate(parse(SPLIT_K), [a, b, c])
    exact = a.astype(np.int64) @ b.astype(np.int64)
    np.testing.assert_array_equal(c, ((exact + 2**15) % 2**16 - 2**15).astype(np.int16))


RING = """
dato.region @ring(%A : memref<4xi32>, %S : memref<4xi32>) {
  dato.stream @link [4] : !dato.stream<i32, 1>
  dato.task @node grid [4] (%A : memref<4xi32> [S0], %S : memref<4xi32> [S0]) {
  ^bb0(%a : memref<1xi32>, %s : memref<1xi32>):
    %p = dato.pid : index
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c3 = arith.constant 3 : index
    %c4 = arith.constant 4 : index
    %n1 = arith.addi %p, %c1 : index
    %next = arith.remui %n1, %c4 : index
    %mine = memref.load %a[%c0] : memref<1xi32>
    %sum, %carry = scf.for %step = %c0 to %c3 step %c1
        iter_args(%acc = %mine, %v = %mine) -> (i32, i32) {
      dato.put @link[%next], %v : i32
      %got = dato.get @link[%p] : i32
      %acc2 = arith.addi %acc, %got : i32
      scf.yield %acc2, %got : i32, i32
    }
    memref.store %sum, %s[%c0] : memref<1xi32>
  }
}
"""


def test_ring_cyclic_streams_all_reduce() -> None:
    a = np.array([1, 10, 100, 1000], np.int32)
    s = np.zeros(4, np.int32)
    simulate(parse(RING), [a, s])
    np.testing.assert_array_equal(s, np.full(4, 1111, np.int32))


MERGE = """
dato.region @merge(%X : memref<2x50xf32>, %Y : memref<1xf32>) {
  dato.stream @bus : !dato.stream<f32, 3>
  dato.task @src grid [2] (%X : memref<2x50xf32> [S0, R]) {
  ^bb0(%x : memref<1x50xf32>):
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c50 = arith.constant 50 : index
    scf.for %i = %c0 to %c50 step %c1 {
      %v = memref.load %x[%c0, %i] : memref<1x50xf32>
      dato.put @bus, %v : f32
    }
  }
  dato.task @sink grid [1] (%Y : memref<1xf32> [R]) {
  ^bb0(%y : memref<1xf32>):
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c100 = arith.constant 100 : index
    %z = arith.constant 0.0 : f32
    %r = scf.for %i = %c0 to %c100 step %c1 iter_args(%acc = %z) -> (f32) {
      %v = dato.get @bus : f32
      %w = arith.mulf %acc, %v : f32
      %u = arith.addf %w, %v : f32
      scf.yield %u : f32
    }
    memref.store %r, %y[%c0] : memref<1xf32>
  }
}
"""


def test_determinism_two_producers_one_stream() -> None:
    """The sink's result depends on the interleaving of two producers: it must
    be the same on every run."""
    rng = np.random.default_rng(4)
    x = rng.uniform(0.5, 1.0, (2, 50)).astype(np.float32)
    results = []
    sim = Simulator(parse(MERGE))
    for _ in range(3):
        y = np.zeros(1, np.float32)
        sim.run(x, y)
        results.append(y.copy())
    fresh = np.zeros(1, np.float32)
    simulate(parse(MERGE), [x, fresh])
    results.append(fresh)
    for r in results[1:]:
        assert r.tobytes() == results[0].tobytes()


BF16_MATMUL = """
dato.region @mm(%A : memref<4x5xbf16>, %B : memref<5x3xbf16>, %C : memref<4x3xbf16>) {
  dato.task @t grid [1] (%A : memref<4x5xbf16> [R, R], %B : memref<5x3xbf16> [R, R],
                         %C : memref<4x3xbf16> [R, R]) {
  ^bb0(%a : memref<4x5xbf16>, %b : memref<5x3xbf16>, %c : memref<4x3xbf16>):
    %z = arith.constant 0.0 : bf16
    linalg.fill ins(%z : bf16) outs(%c : memref<4x3xbf16>)
    linalg.matmul ins(%a, %b : memref<4x5xbf16>, memref<5x3xbf16>) outs(%c : memref<4x3xbf16>)
  }
}
"""


def test_bf16_matmul_accumulates_in_f32() -> None:
    bf16 = ml_dtypes.bfloat16
    rng = np.random.default_rng(5)
    a = rng.integers(-8, 8, (4, 5)).astype(bf16)
    b = rng.integers(-8, 8, (5, 3)).astype(bf16)
    a[0] = [256, 1, 1, 1, 1]  # 256 + 1 + 1 + 1 + 1: 260 in f32, stuck at 256 in bf16
    b[:, 0] = 1
    c = np.zeros((4, 3), bf16)
    simulate(parse(BF16_MATMUL), [a, b, c])
    expected = np.zeros((4, 3), np.float32)
    for i in range(4):
        for j in range(3):
            acc = np.float32(0)
            for k in range(5):
                acc = np.float32(acc + np.float32(a[i, k]) * np.float32(b[k, j]))
            expected[i, j] = acc
    np.testing.assert_array_equal(c.astype(np.float32), expected.astype(bf16).astype(np.float32))
    assert float(c[0, 0]) == 260.0


def test_simulator_object_reruns_with_fresh_streams() -> None:
    sim = Simulator(parse(PRODUCER_CONSUMER))
    for scale in (1, 2):
        a = np.arange(16, dtype=np.int32) * scale
        b = np.zeros(16, np.int32)
        sim.run(a, b)
        np.testing.assert_array_equal(b, a * 3 + 3)
