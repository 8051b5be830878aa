"""More of the HLS C++ emitter's op handlers (emit_cpp._Function), checked by
value through g++ with the C simulation's header: hand-written vhls IR for
what the frontend seldom writes, compiled with -ftrapv (a signed overflow
stops the program) and compared with Python integers wrapped to the width
(tools/mutation-test hls-emitter, the op handlers)."""

import subprocess
from pathlib import Path

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import int64
from dato_xdsl.dialects import vhls
from dato_xdsl.driver import DatoOptMain, LocatingParser
from dato_xdsl.targets.hls import emit_cpp

INCLUDE = Path(emit_cpp.__file__).parent / "include"
# the C simulation's flags (project.py) but -O0, and -ftrapv
CSIM_FLAGS = ["-std=c++14", "-O0", "-Wall", "-Werror", "-Wno-unknown-pragmas", "-ftrapv"]

PREDICATES = ["eq", "ne", "slt", "sle", "sgt", "sge", "ult", "ule", "ugt", "uge"]


def wrap(v: int, width: int) -> int:
    v &= (1 << width) - 1
    return v - (1 << width) if v >= 1 << (width - 1) else v


def run_process(tmp_path: Path, ir: str, main: list[str]) -> list[str]:
    """The process @f of `ir` as C++, with `main`, compiled and run: its output words."""
    module = LocatingParser(DatoOptMain([]).ctx, ir, "edges.mlir").parse_module()
    proc = next(op for op in module.walk() if isinstance(op, vhls.ProcessOp))
    lines = ['#include "dato_hls.h"', "#include <cstdio>", *emit_cpp._Function(proc).generate()]
    src = tmp_path / "edges.cpp"
    src.write_text("\n".join([*lines, "int main() {", *main, "  return 0;", "}"]))
    exe = tmp_path / "edges"
    subprocess.run(
        ["g++", *CSIM_FLAGS, f"-I{INCLUDE}", str(src), "-o", str(exe)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout.split()


def self_comparisons() -> str:
    """Each predicate and min/max of a value with itself (the emitter writes
    a constant or the value: no self-comparison for -Wall), beside the same
    predicate on two loads of that value (a real comparison)."""
    body = []
    for k, p in enumerate(PREDICATES):
        body += [
            f"    %s{k} = arith.cmpi {p}, %x, %x : i32",
            f"    %t{k} = arith.cmpi {p}, %x, %y : i32",
            f"    %si{k} = arith.extui %s{k} : i1 to i32",
            f"    %ti{k} = arith.extui %t{k} : i1 to i32",
            f"    %cs{k} = arith.constant {2 * k} : index",
            f"    %ct{k} = arith.constant {2 * k + 1} : index",
            f"    memref.store %si{k}, %r[%cs{k}] : memref<28xi32>",
            f"    memref.store %ti{k}, %r[%ct{k}] : memref<28xi32>",
        ]
    for k, op in enumerate(["maxsi", "minsi", "maxui", "minui"]):
        body += [
            f"    %m{k} = arith.{op} %x, %x : i32",
            f"    %n{k} = arith.{op} %x, %z : i32",
            f"    %cm{k} = arith.constant {20 + 2 * k} : index",
            f"    %cn{k} = arith.constant {21 + 2 * k} : index",
            f"    memref.store %m{k}, %r[%cm{k}] : memref<28xi32>",
            f"    memref.store %n{k}, %r[%cn{k}] : memref<28xi32>",
        ]
    lines = "\n".join(body)
    return f"""
builtin.module {{
  vhls.process @f load literals 0 (%a: memref<3xi32>, %r: memref<28xi32>) {{
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %x = memref.load %a[%c0] : memref<3xi32>
    %y = memref.load %a[%c1] : memref<3xi32>
    %z = memref.load %a[%c2] : memref<3xi32>
{lines}
  }}
}}
"""


def test_every_predicate_and_min_max_of_a_value_with_itself(tmp_path):
    """x = -5 (0xFFFFFFFB unsigned) against itself and against another load
    of -5: every predicate holds for eq, sle, sge, ule, uge and not for the
    others; min/max of x with itself is x, with z = 7 they are the signed
    (max 7, min -5) and unsigned (max -5, min 7) choices."""
    x, z = -5, 7
    out = run_process(
        tmp_path,
        self_comparisons(),
        [
            f"  int32_t a[3] = {{{x}, {x}, {z}}};",
            "  int32_t r[28] = {};",
            "  f(a, r);",
            '  for (int i = 0; i < 28; i++) printf("%d\\n", r[i]);',
        ],
    )
    holds = {"eq", "sle", "sge", "ule", "uge"}
    want = []
    for p in PREDICATES:
        want += [int(p in holds)] * 2
    ux, uz = x & 0xFFFFFFFF, z
    want += [x, max(x, z), x, min(x, z)]
    want += [x, wrap(max(ux, uz), 32), x, wrap(min(ux, uz), 32)]
    assert [int(v) for v in out] == want


TABLES = f"""
builtin.module {{
  "memref.global"() <{{sym_name = "flags", type = memref<4xi1>, sym_visibility = "private",
      initial_value = dense<[true, false, true, true]> : tensor<4xi1>, constant}}> : () -> ()
  "memref.global"() <{{sym_name = "odd", type = memref<2xi12>, sym_visibility = "private",
      initial_value = dense<[-2048, 2047]> : tensor<2xi12>, constant}}> : () -> ()
  "memref.global"() <{{sym_name = "wide", type = memref<2xi40>, sym_visibility = "private",
      initial_value = dense<[{-(2**39)}, {2**39 - 1}]> : tensor<2xi40>, constant}}> : () -> ()
  "memref.global"() <{{sym_name = "long", type = memref<1xi64>, sym_visibility = "private",
      initial_value = dense<{-(2**63)}> : tensor<1xi64>, constant}}> : () -> ()
  "memref.global"() <{{sym_name = "half", type = memref<2xbf16>, sym_visibility = "private",
      initial_value = dense<[1.5, -0.25]> : tensor<2xbf16>, constant}}> : () -> ()
  vhls.process @f load literals 0 (%r: memref<10xi64>, %fo: memref<2xf32>) {{
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c3 = arith.constant 3 : index
    %c4 = arith.constant 4 : index
    %c5 = arith.constant 5 : index
    %c6 = arith.constant 6 : index
    %c7 = arith.constant 7 : index
    %c8 = arith.constant 8 : index
    %c9 = arith.constant 9 : index
    %flags = memref.get_global @flags : memref<4xi1>
    %odd = memref.get_global @odd : memref<2xi12>
    %wide = memref.get_global @wide : memref<2xi40>
    %long = memref.get_global @long : memref<1xi64>
    %half = memref.get_global @half : memref<2xbf16>
    %f0 = memref.load %flags[%c0] : memref<4xi1>
    %f1 = memref.load %flags[%c1] : memref<4xi1>
    %f2 = memref.load %flags[%c2] : memref<4xi1>
    %f3 = memref.load %flags[%c3] : memref<4xi1>
    %e0 = arith.extui %f0 : i1 to i64
    %e1 = arith.extui %f1 : i1 to i64
    %e2 = arith.extui %f2 : i1 to i64
    %e3 = arith.extui %f3 : i1 to i64
    memref.store %e0, %r[%c0] : memref<10xi64>
    memref.store %e1, %r[%c1] : memref<10xi64>
    memref.store %e2, %r[%c2] : memref<10xi64>
    memref.store %e3, %r[%c3] : memref<10xi64>
    %o0 = memref.load %odd[%c0] : memref<2xi12>
    %o1 = memref.load %odd[%c1] : memref<2xi12>
    %s0 = arith.extsi %o0 : i12 to i64
    %s1 = arith.extsi %o1 : i12 to i64
    memref.store %s0, %r[%c4] : memref<10xi64>
    memref.store %s1, %r[%c5] : memref<10xi64>
    %w0 = memref.load %wide[%c0] : memref<2xi40>
    %w1 = memref.load %wide[%c1] : memref<2xi40>
    %lo = arith.extsi %w0 : i40 to i64
    %hi = arith.extsi %w1 : i40 to i64
    memref.store %lo, %r[%c6] : memref<10xi64>
    memref.store %hi, %r[%c7] : memref<10xi64>
    %l = memref.load %long[%c0] : memref<1xi64>
    memref.store %l, %r[%c8] : memref<10xi64>
    %l1 = arith.addi %l, %e0 : i64
    memref.store %l1, %r[%c9] : memref<10xi64>
    %h0 = memref.load %half[%c0] : memref<2xbf16>
    %h1 = memref.load %half[%c1] : memref<2xbf16>
    %x0 = arith.extf %h0 : bf16 to f32
    %x1 = arith.extf %h1 : bf16 to f32
    memref.store %x0, %fo[%c0] : memref<2xf32>
    memref.store %x1, %fo[%c1] : memref<2xf32>
  }}
}}
"""


def test_constant_tables_of_every_width_keep_their_values(tmp_path):
    """`memref.global constant` tables of i1, i12 and i40 (their most
    negative and largest values), i64's most negative value and bf16, read
    back: true is 1 unsigned, MIN64 + 1 is MIN64 + 1."""
    out = run_process(
        tmp_path,
        TABLES,
        [
            "  int64_t r[10] = {}; float fo[2] = {};",
            "  f(r, fo);",
            '  for (int i = 0; i < 10; i++) printf("%lld\\n", (long long)r[i]);',
            '  for (int i = 0; i < 2; i++) printf("%.9g\\n", (double)fo[i]);',
        ],
    )
    want = [1, 0, 1, 1, -2048, 2047, -(2**39), 2**39 - 1, -(2**63), -(2**63) + 1]
    assert [int(v) for v in out[:10]] == want
    assert [float(v) for v in out[10:]] == [1.5, -0.25]


MIN64 = -(2**63)


def xor_min64():
    @dato.region()
    def top(A: int64[4], B: int64[4]):
        @dato.kernel(mapping=[1], args=[A, B])
        def k(a: int64[4], b: int64[4]):
            for i in range(4):
                b[i] = a[i] ^ -9223372036854775808

    return top


@pytest.mark.parametrize("target", ["hls", "simulator"])
def test_the_most_negative_int64_constant(tmp_path, target):
    """Found by testing the HLS constant tables: int64's most negative value
    was written `(int64_t)(-9223372036854775808LL)`, whose literal does not
    fit a long long (g++: "integer constant is so large that it is
    unsigned", an error under the C simulation's -Werror). x ^ MIN64 flips
    the sign bit: numpy's value."""
    mod = dato.build(xor_min64(), target=target, project=tmp_path / target)
    A = np.array([0, -1, 5, MIN64], np.int64)
    B = np.zeros_like(A)
    mod(A, B)
    np.testing.assert_array_equal(B, A ^ np.int64(MIN64))
