"""The resource report's "program memory per core" names every core, also one
that calls no kernel (its own code alone can fill the 16 KiB [AM020]: the
members of a folded systolic grid), with the size dato-npu-kernel-objects
checked it by."""

import re

import numpy as np
from xdsl.dialects.builtin import IntegerAttr

import dato_xdsl as dato
from dato_xdsl import int16
from dato_xdsl.dialects import aie
from test.unit.programs.dato_programs import systolic_2d

PR, PC, K = 2, 2, 8


def test_report_gives_every_core_its_program_estimate(tmp_path):
    mod = dato.build(
        systolic_2d(int16, PR, PC, K), target="aie", device="npu1_2col", project=tmp_path
    )
    report = mod.report()
    shown = {
        (int(m[1]), int(m[2])): int(m[3])
        for m in re.finditer(r"^\((\d+), (\d+)\) (\d+)/16384 \(core code", report, re.M)
    }
    cores = [op for op in mod.ir.walk() if isinstance(op, aie.CoreOp)]
    assert len(cores) >= 4
    bare = 0
    for core in cores:
        tile = core.tile.owner
        key = (tile.col.value.data, tile.row.value.data)
        # the size the refusal check wrote on the core
        checked = core.attributes["dato.program_bytes"]
        assert isinstance(checked, IntegerAttr)
        assert shown[key] == checked.value.data
        if not any(op.name == "func.call" for op in core.walk()):
            bare += 1
            # 1024 B start-up + 16 B per op, constants folded into instructions
            ops = sum(1 for op in core.walk() if op is not core and op.name != "arith.constant")
            assert shown[key] == 1024 + 16 * ops
    assert bare >= 1  # the case this test is about: a core calling no kernel
    rng = np.random.default_rng(3)
    a = rng.integers(-8, 8, (PR, K)).astype(np.int16)
    b = rng.integers(-8, 8, (K, PC)).astype(np.int16)
    c = np.zeros((PR, PC), np.int16)
    mod(a, b, c)
    np.testing.assert_array_equal(c, a @ b)
