"""Every dato pass keeps the program's meaning: the simulator gives identical
results on the frontend's IR and after each pass of the pipeline."""

import numpy as np
import pytest
from xdsl.context import Context

import dato_xdsl as dato
from dato_xdsl.targets.simulator import simulate
from dato_xdsl.transforms.deadlock_analysis import DeadlockCheckPass
from dato_xdsl.transforms.mapping_primitives import MappingPrimitivesPass
from dato_xdsl.transforms.stream_legality import StreamLegalityPass
from dato_xdsl.transforms.virtual_mapping import VirtualMapPass
from test.unit.programs import dato_programs as progs

RNG = np.random.default_rng(7)


def arrays_for(mod: dato.DatoModule):
    out = []
    for p in mod.params:
        values = RNG.integers(-6, 7, size=p.type.shape)
        out.append(values.astype(p.type.dtype.numpy))
    return out


PROGRAMS = {
    "producer_consumer": lambda: progs.producer_consumer(dato.int16, 8),
    "tiled_gemm": lambda: progs.tiled_gemm(dato.float32, 8, 8, 16),
    "systolic_2d": lambda: progs.systolic_2d(dato.int32, 3, 3, 4),
    "systolic_1d": lambda: progs.systolic_1d(dato.int8, 2, 3, 4),
    "split_k_gemm": lambda: progs.split_k_gemm(dato.bfloat16, 4, 4, 16, 4),
    "ring_gemm": lambda: progs.ring_gemm(dato.int16, 4, 8, 4, 4),
    "scatter_gather": lambda: progs.scatter_gather(dato.int32, 4, 4),
    "mlp3": lambda: progs.mlp3(dato.float32, 2, 4, 8, 4, 2),
    "elementwise_meta_for": lambda: progs.elementwise_meta_for(dato.int8, 4, 4),
    "mixed_types": progs.mixed_types,
}

PASSES = [
    VirtualMapPass(),
    StreamLegalityPass(),
    DeadlockCheckPass(set_depths=True),  # runs with the minimal depths it finds
    MappingPrimitivesPass(),
]


def run(module, inputs):
    copies = [a.copy() for a in inputs]
    simulate(module, copies)
    return copies


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_each_pass_preserves_results(name):
    mod = dato.build(PROGRAMS[name]())
    inputs = arrays_for(mod)
    module = mod.module.clone()
    reference = run(module, inputs)
    ctx = Context()
    for p in PASSES:
        p.apply(ctx, module)
        module.verify()
        after = run(module, inputs)
        for before_array, after_array in zip(reference, after, strict=True):
            assert after_array.tobytes() == before_array.tobytes(), f"{p.name} changed {name}"


def test_virtual_mapping_groups_isomorphic_instances():
    """A 4x4 systolic array on a 6x6 grid has 36 instances of 6 kinds (corners,
    west loaders, north loaders, south drains, east drains, PEs): one body per
    kind, not per instance."""
    from dato_xdsl.dialects import dato as d

    mod = dato.build(progs.systolic_2d(dato.int32, 4, 4, 4))
    groups = [op for op in mod.mapped.walk() if isinstance(op, d.GroupOp)]
    assert sum(g.num_instances() for g in groups) == 36
    # corners, west loaders, north loaders, south drains, east drains, PEs
    assert len(groups) == 6
