"""Issue 17, deliver 4: the attention and GPT-2-style block examples compile
for npu1 and npu2, run on the virtual NPU equal to numpy (each example's own
numpy reference), and have a modeled time (MODELED by perf_model, not
measured)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl.targets.aie import perf_model

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import attention
import gpt2_block


def attention_inputs() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    qkv = [rng.standard_normal((attention.L, attention.D)).astype(np.float32) for _ in range(3)]
    return [*qkv, np.zeros((attention.L, attention.D), np.float32)]


def attention_reference(a: list[np.ndarray]) -> list[tuple[int, np.ndarray]]:
    """softmax(Q K^T / sqrt(D)) V in float64."""
    q, k, v = (x.astype(np.float64) for x in a[:3])
    s = q @ k.T * attention.SCALE
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return [(3, (e / e.sum(axis=1, keepdims=True)) @ v)]


Inputs = Callable[[], list[np.ndarray]]
Reference = Callable[[list[np.ndarray]], list[tuple[int, np.ndarray]]]
EXAMPLES: dict[str, tuple[object, Inputs, Reference, float, float]] = {
    "attention": (attention.attention, attention_inputs, attention_reference, 1e-4, 1e-5),
    "gpt2_block": (gpt2_block.block, gpt2_block.inputs, gpt2_block.reference, 1e-3, 1e-4),
}


@pytest.mark.parametrize("device", ["npu1", "npu2"])
@pytest.mark.parametrize("name", list(EXAMPLES))
def test_example_runs_equal_to_numpy_with_a_modeled_time(name: str, device: str) -> None:
    top, inputs, reference, rtol, atol = EXAMPLES[name]
    arrays = inputs()
    want = reference([a.copy() for a in arrays])
    mod = dato.build(top, target="aie", device=device)
    mod(*arrays)
    for k, ref in want:
        np.testing.assert_allclose(arrays[k], ref, rtol=rtol, atol=atol)
    (m,) = perf_model.models(mod.ir)
    assert m.cycles > 0 and m.seconds() > 0
    assert "performance MODEL" in mod.report() and "modeled time:" in mod.report()
