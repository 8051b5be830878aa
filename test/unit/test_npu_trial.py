"""The retile passes' trial mapping (npu_trial.trial_maps) judges a cut by the
steps the aie build runs after the retile passes (npu_trial.AFTER_RETILE,
then physical mapping), in the build's order: a region that only
maps with a block streamed to its core by rows is not cut, and runs on the
virtual NPU equal to numpy. A trial answers no, never crashes, whatever
stops the steps."""

# ruff: noqa: F821 (streams are declared by annotations)

from dataclasses import dataclass

import numpy as np
import pytest
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import DiagnosticException

import dato_xdsl as dato
from dato_xdsl import Stream, int32
from dato_xdsl.dialects import dato as dato_ir
from dato_xdsl.errors import DatoError
from dato_xdsl.targets import registry
from dato_xdsl.targets.aie import AieTarget
from dato_xdsl.targets.base import BuildOptions
from dato_xdsl.transforms import npu_trial
from dato_xdsl.transforms.npu_gemm_retile import RETILED
from dato_xdsl.transforms.npu_read_boxes import NpuReadBoxesPass
from dato_xdsl.transforms.npu_trial import AFTER_RETILE, takes_device, trial_maps
from dato_xdsl.transforms.physical_mapping import PhysicalMapPass


def test_the_trial_runs_the_steps_the_build_runs_after_the_retile_passes():
    steps = list(AieTarget.steps)
    names = [s.name for s in steps]
    # both retile passes come before the steps the trial stands for
    assert names.index("dato-npu-retile-gemm") < names.index("dato-npu-retile-elementwise")
    first, last = names.index("dato-npu-retile-elementwise"), names.index("dato-physical-map")
    between = steps[first + 1 : last]
    assert [s.name for s in between] == [p.name for p in AFTER_RETILE]
    options = [("device",) if takes_device(p) else () for p in AFTER_RETILE]
    assert [s.options for s in between] == options


def pipe(n: int):
    """A producer reads a[i] in order into a block it puts on a stream; a
    consumer adds b to it into c. As written (n = 8192) the producer holds a
    (32 KiB) and the stream's object (32 KiB): more than a core's 63 KiB,
    unless a reaches it by pieces (dato-npu-stream-reads)."""

    @dato.region()
    def top(A: int32[n], B: int32[n], C: int32[n]):
        s: Stream[int32[n], 2]

        @dato.kernel(mapping=[1], args=[A])
        def prod(a: int32[n]):
            t: int32[n] = 0
            for i in range(n):
                t[i] = a[i] * 3
            s.put(t)

        @dato.kernel(mapping=[1], args=[B, C])
        def cons(b: int32[n], c: int32[n]):
            t: int32[n] = s.get()
            for i in range(n):
                c[i] = t[i] + b[i]

    return top


def _before_mapping(mod: dato.DatoModule, last: str) -> ModuleOp:
    """The module's mapped IR through the aie steps up to `last`."""
    steps = list(AieTarget.steps)
    upto = steps[: [s.name for s in steps].index(last) + 1]
    ir = mod.mapped.clone()
    for p in registry.passes(upto, BuildOptions()):
        p.apply(Context(), ir)
    return ir


def test_a_region_that_maps_only_with_rows_streamed_is_not_cut():
    n = 8192
    mod = dato.build(pipe(n), target="aie")
    before = _before_mapping(mod, "dato-put-in-place")
    # the premise: read boxes and physical mapping alone (the old trial)
    # refuse the region as written
    alone = before.clone()
    NpuReadBoxesPass().apply(Context(), alone)
    with pytest.raises(DiagnosticException, match="63 KiB"):
        PhysicalMapPass(device="npu1").apply(Context(), alone)
    assert trial_maps(before.clone(), "npu1")
    retiled = _before_mapping(mod, "dato-npu-retile-elementwise")
    groups = [g for g in retiled.walk() if isinstance(g, dato_ir.GroupOp)]
    assert [g.num_instances() for g in groups] == [1, 1]
    assert not any(RETILED in g.attributes for g in groups)
    rng = np.random.default_rng(16)
    A, B = (rng.integers(-(2**31), 2**31, n, dtype=np.int64).astype(np.int32) for _ in range(2))
    C = np.zeros(n, np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, A * np.int32(3) + B)  # wrapping, as int32 does


def test_a_region_too_large_even_by_rows_is_refused_by_the_trial():
    # the stream's object alone is 128 KiB: no step before mapping shrinks it
    mod = dato.build(pipe(32768), target="simulator")
    assert not trial_maps(_before_mapping(mod, "dato-put-in-place"), "npu1")


@dataclass(frozen=True)
class _RefusingStep(ModulePass):
    name = "test-refusing-step"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        raise DatoError("refused")


@dataclass(frozen=True)
class _CrashingStep(ModulePass):
    name = "test-crashing-step"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        raise KeyError("a bug")


@pytest.mark.parametrize("step", [_RefusingStep, _CrashingStep])
def test_whatever_stops_a_step_answers_does_not_map(monkeypatch, step):
    mod = dato.build(pipe(64), target="simulator")
    trial = _before_mapping(mod, "dato-put-in-place")
    assert trial_maps(trial.clone(), "npu1")  # the real steps map it
    monkeypatch.delenv("DATO_TRACEBACK", raising=False)
    monkeypatch.setattr(npu_trial, "AFTER_RETILE", (*AFTER_RETILE, step))
    assert trial_maps(trial.clone(), "npu1") is False


def test_a_python_error_is_raised_for_debugging_with_dato_traceback(monkeypatch):
    mod = dato.build(pipe(64), target="simulator")
    monkeypatch.setenv("DATO_TRACEBACK", "1")
    monkeypatch.setattr(npu_trial, "AFTER_RETILE", (_CrashingStep,))
    with pytest.raises(KeyError):
        trial_maps(mod.mapped.clone(), "npu1")
