"""npu_program_trial.program_overflow: a placed region whose core would hold
more than the 16 KiB of program memory [AM020] gets dato-npu-kernel-objects'
refusal (so physical mapping can try another folding), one that fits gets
None, and the region itself is left as it was."""

from __future__ import annotations

from pathlib import Path

from xdsl.context import Context

import dato_xdsl as dato
from dato_xdsl import Layout, int32
from dato_xdsl.dialects import dato as ir
from dato_xdsl.frontend.program import compile_region
from dato_xdsl.targets import registry
from dato_xdsl.targets.aie.target import AieTarget
from dato_xdsl.targets.base import DATO_STEPS, BuildOptions
from dato_xdsl.transforms.npu_program_trial import AFTER_MAPPING, program_overflow

S = Layout.Shard
EXTERNAL = Path(__file__).resolve().parent / "inputs" / "external"


def _placed(program_bytes: int) -> ir.RegionOp:
    """Two cores, each calling an external kernel declared `program_bytes`
    long, through the aie pipeline up to physical mapping."""
    kernel = dato.ExternalModule(
        top="scale_add",
        impl_path=EXTERNAL / "scale_add_aie.cc",
        args=[int32[64], int32[64], int32[64], int32],
        output_idx=[2],
        reference=EXTERNAL / "scale_add_ref.cc",
        program_bytes=program_bytes,
    )

    @dato.region()
    def top(A: int32[128], B: int32[128], C: int32[128]):
        @dato.kernel(mapping=[2], args=[A, B, C])
        def core(a: int32[128] @ [S(0)], b: int32[128] @ [S(0)], c: int32[128] @ [S(0)]):
            kernel(a, b, c, 2)

    module, _ = compile_region(top)
    steps = [*DATO_STEPS, *AieTarget().steps]
    upto = [s.name for s in steps].index("dato-physical-map") + 1
    for p in registry.passes(steps[:upto], BuildOptions(device="npu1")):
        p.apply(Context(), module)
    return next(o for o in module.walk() if isinstance(o, ir.RegionOp))


def test_a_core_over_16_kib_is_named_with_its_numbers() -> None:
    region = _placed(20000)
    before = str(region)
    err = program_overflow(region)
    assert err is not None
    text = str(err)
    assert "@scale_add 20000 B" in text
    assert "over the 16384-byte program memory of a compute tile [AM020]" in text
    assert str(region) == before  # a copy was lowered, not the region


def test_cores_that_fit_pass() -> None:
    # 5000 B of kernel + a few hundred bytes of core code: under 16384
    assert program_overflow(_placed(5000)) is None


def test_the_trial_runs_the_builds_steps_that_make_the_cores() -> None:
    names = [s.name for s in AieTarget().steps]
    between = names[names.index("dato-physical-map") + 1 : names.index("dato-npu-kernel-objects")]
    between.remove("dato-npu-runtime-sequence")  # makes no core code
    assert between == [p.name for p in AFTER_MAPPING]
