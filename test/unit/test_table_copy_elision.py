"""dato-table-copy-elision: a local initialised from a module-level numpy
array (Allo's `W: T[K, N] = np_W`) and only read afterwards reads the table
itself, so a tile holds the weights once. Checked on the simulator (same
results before and after the pass) and on the virtual NPU against numpy."""

import numpy as np
import pytest
from xdsl.context import Context

import dato_xdsl as dato
from dato_xdsl import int32
from dato_xdsl.dialects import dato as dato_ir
from dato_xdsl.targets.aie.target import AieTarget
from dato_xdsl.targets.base import Step
from dato_xdsl.targets.simulator import simulate
from dato_xdsl.transforms.constant_tables import table_values
from dato_xdsl.transforms.table_copy_elision import TableCopyElisionPass

# 64 x 128 int32: 32 KiB of weights, 64 KiB with a copy (an npu1 compute tile
# has 63 KiB beside its stack)
WEIGHTS = ((np.arange(64 * 128, dtype=np.int64) * 7919) % 201 - 100).reshape(64, 128)


def weighted():
    @dato.region()
    def top(X: int32[8, 64], Y: int32[8, 128]):
        @dato.kernel(mapping=[1], args=[X, Y])
        def layer(x: int32[8, 64], y: int32[8, 128]):
            W: int32[64, 128] = WEIGHTS
            y[:, :] = dato.matmul(x, W)

    return top


def written():
    """The table only initialises a variable the kernel then changes."""

    @dato.region()
    def top(Y: int32[64, 128]):
        @dato.kernel(mapping=[1], args=[Y])
        def k(y: int32[64, 128]):
            W: int32[64, 128] = WEIGHTS
            W[0, 0] = 5
            y[:, :] = W

    return top


def _copies(module) -> int:
    """memref.copy ops reading a constant table."""
    return sum(
        1
        for op in module.walk()
        if op.name == "memref.copy" and table_values(op.operands[0].owner) is not None  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("program, elided", [(weighted, 1), (written, 0)])
def test_the_simulator_gives_the_same_results_after_the_pass(program, elided):
    mod = dato.build(program())
    rng = np.random.default_rng(8)
    inputs = [rng.integers(-9, 10, p.type.shape).astype(p.type.dtype.numpy) for p in mod.params]
    before = [a.copy() for a in inputs]
    simulate(mod.mapped, before)
    ir = mod.mapped.clone()
    copies = _copies(ir)
    TableCopyElisionPass().apply(Context(), ir)
    ir.verify()
    assert copies - _copies(ir) == elided
    after = [a.copy() for a in inputs]
    simulate(ir, after)
    for b, a in zip(before, after, strict=True):
        assert a.tobytes() == b.tobytes()
    groups = [g for g in ir.walk() if isinstance(g, dato_ir.GroupOp)]
    assert len(groups) == 1


def test_weights_held_once_map_on_the_npu(monkeypatch):
    X = np.random.default_rng(9).integers(-50, 50, (8, 64)).astype(np.int32)
    # the aie pipeline runs the pass before any step that counts or cuts by
    # memory: the weights are held once and map
    names = [step.name for step in AieTarget.steps]
    at = names.index("dato-table-copy-elision")
    assert AieTarget.steps[at] == Step("dato-table-copy-elision")
    assert at < names.index("dato-npu-retile-gemm") < names.index("dato-physical-map")
    Y = np.zeros((8, 128), np.int32)
    dato.build(weighted(), target="aie")(X, Y)
    np.testing.assert_array_equal(Y, (X.astype(np.int64) @ WEIGHTS).astype(np.int32))
    # without it the tile holds the table and its copy: refused, naming the bytes
    without = tuple(step for step in AieTarget.steps if step.name != "dato-table-copy-elision")
    monkeypatch.setattr(AieTarget, "steps", without)
    with pytest.raises(dato.DatoError, match="KiB"):
        dato.build(weighted(), target="aie")
