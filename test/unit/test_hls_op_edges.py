"""More of the HLS C++ emitter's op handlers (emit_cpp._Function), checked by
value through g++ with the C simulation's header: hand-written vhls IR for
what the frontend seldom writes, compiled with -ftrapv (a signed overflow
stops the program) and compared with Python integers wrapped to the width
(tools/mutation-test hls-emitter, the op handlers)."""

import subprocess
from pathlib import Path

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
