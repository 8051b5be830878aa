"""Acceptance for NPU mapping: every program of test/unit/programs that runs on
the simulator either runs on the virtual NPU equal to numpy, or is refused for
a hardware limit that no folding meets, and the message says which limit.

Each program appears once below with realistic sizes, arguments and a numpy
reference written here (independent of every executor); the random programs
of random_programs.py carry their own numpy model. A test checks the table
covers every program the modules define, so a new program must be added."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

import dato_xdsl as dato
from test.unit.programs import dato_programs as progs
from test.unit.programs import npu_fanout_programs as fanout
from test.unit.programs import random_programs

RNG = np.random.default_rng(1212)


def ints(dtype, shape, lo=-20, hi=20) -> np.ndarray:
    return RNG.integers(lo, hi, shape).astype(dtype)


def wrap(x: np.ndarray, dtype) -> np.ndarray:
    return np.asarray(x).astype(np.int64).astype(dtype)


def mm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return wrap(a.astype(np.int64) @ b.astype(np.int64), a.dtype)


@dataclass
class Case:
    program: Callable[[], object]
    inputs: Callable[[], list[np.ndarray]]  # every argument, outputs zeroed
    reference: Callable[[list[np.ndarray]], dict[int, np.ndarray]]  # arg index -> result
    refused: str | None = None  # the hardware limit the message names


def gemm_case(make, M, K, N, dtype=np.int32) -> Case:
    return Case(
        make,
        lambda: [ints(dtype, (M, K)), ints(dtype, (K, N)), np.zeros((M, N), dtype)],
        lambda a: {2: mm(a[0], a[1])},
    )


def fir_reference(a: list[np.ndarray]) -> dict[int, np.ndarray]:
    x, h = a[0].astype(np.int64), a[1].astype(np.int64)
    y = np.zeros_like(x)
    for n in range(len(x)):
        for j in range(len(h)):
            if n - j >= 0:
                y[n] += h[j] * x[n - j]
    return {2: wrap(y, a[0].dtype)}


def mixed_inputs() -> list[np.ndarray]:
    return [
        np.array([100, 100, -3, 5], np.int8),
        np.array([1000, -7, -7, 300], np.int16),
        np.array([200, 100, 0, 0], np.uint8),
        np.array([1.5, 2.25, 1.0, 0.75], np.float32),
        np.zeros(8, np.int16),
        np.zeros(4, np.float32),
    ]


def mixed_reference(a: list[np.ndarray]) -> dict[int, np.ndarray]:
    # the Python/numpy rules the program states, worked out by hand
    oi = np.array([-56, -3000, -2, -1, 3, 200, 300, 1], np.int16)
    f = a[3]
    of = np.array([f[0] * f[1] + np.float32(100), f[2] / np.float32(3), 1.0e6, -0.75], np.float32)
    return {4: oi, 5: of}


def relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0)


T32, T16, T8 = dato.int32, dato.int16, dato.int8

CASES: dict[str, Case] = {
    "producer_consumer": Case(
        lambda: progs.producer_consumer(T32, 256),
        lambda: [ints(np.int32, 256), np.zeros(256, np.int32)],
        lambda a: {1: (a[0] + 1) * 2},
    ),
    "tiled_gemm": gemm_case(lambda: progs.tiled_gemm(T16, 128, 128, 256), 128, 256, 128, np.int16),
    "systolic_2d": gemm_case(lambda: progs.systolic_2d(T32, 4, 4, 16), 4, 16, 4),
    "systolic_1d": gemm_case(lambda: progs.systolic_1d(T32, 4, 4, 8), 4, 8, 4),
    "split_k_gemm": gemm_case(lambda: progs.split_k_gemm(T32, 32, 32, 128, 4), 32, 128, 32),
    "ring_gemm": Case(
        lambda: progs.ring_gemm(T16, 8, 16, 8, 4),
        lambda: [ints(np.int16, (8, 8)), ints(np.int16, (8, 16)), np.zeros((8, 16), np.int16)],
        lambda a: {2: mm(a[0], a[1])},
    ),
    "scatter_gather": Case(
        lambda: progs.scatter_gather(T32, 8, 64),
        lambda: [ints(np.int32, (8, 64)), np.zeros((8, 64), np.int32)],
        lambda a: {1: a[0] * a[0] + 1},
    ),
    "mlp3": Case(
        lambda: progs.mlp3(T32, 8, 32, 64, 32, 16),
        lambda: [
            ints(np.int32, (8, 32), -4, 4),
            ints(np.int32, (32, 64), -4, 4),
            ints(np.int32, (64, 32), -4, 4),
            ints(np.int32, (32, 16), -4, 4),
            np.zeros((8, 16), np.int32),
        ],
        lambda a: {4: mm(relu(mm(relu(mm(a[0], a[1])), a[2])), a[3])},
    ),
    "elementwise_meta_for": Case(
        lambda: progs.elementwise_meta_for(T16, 4, 64),
        lambda: [ints(np.int16, (4, 64)), ints(np.int16, (4, 64)), np.zeros((4, 64), np.int16)],
        lambda a: {2: a[0] + a[1]},
    ),
    "mixed_types": Case(progs.mixed_types, mixed_inputs, mixed_reference),
    "vector_add": Case(
        lambda: progs.vector_add(T8, 4096, 4),
        lambda: [
            ints(np.int8, 4096, -100, 100),
            ints(np.int8, 4096, -100, 100),
            np.zeros(4096, np.int8),
        ],
        lambda a: {2: wrap(a[0].astype(np.int64) + a[1], np.int8)},
    ),
    "block_handoff": Case(
        lambda: progs.block_handoff(T16, 32),
        lambda: [ints(np.int16, (32, 32)), np.zeros((32, 32), np.int16)],
        lambda a: {1: a[0] * 2},
    ),
    "gather_sum": Case(
        lambda: fanout.gather_sum(T32, 8, 64),
        lambda: [ints(np.int32, (8, 64)), np.zeros(64, np.int32)],
        lambda a: {1: a[0].sum(0)},
    ),
    "reduction_tree": Case(
        lambda: fanout.reduction_tree(T32, 256),
        lambda: [ints(np.int32, (8, 256)), np.zeros(256, np.int32)],
        lambda a: {1: a[0].sum(0)},
    ),
    "fir": Case(
        lambda: fanout.fir(T32, 16, 256),
        lambda: [ints(np.int32, 256), ints(np.int32, 16), np.zeros(256, np.int32)],
        fir_reference,
    ),
    "uneven_gather": Case(
        lambda: fanout.uneven_gather(8),
        lambda: [ints(np.int32, (8, 8)), np.zeros(8, np.int32)],
        lambda a: {1: a[0].sum(0) + a[0][0]},
    ),
    "split_k_gemm_3d": gemm_case(
        lambda: fanout.split_k_gemm_3d(T32, 32, 32, 128, 2, 2, 4), 32, 128, 32
    ),
    "pingpong_gemm": gemm_case(
        lambda: fanout.pingpong_gemm(T16, 32, 32, 256, 4, 1, 1), 32, 256, 32, np.int16
    ),
    "two_lanes": Case(
        lambda: fanout.two_lanes(T16, 64),
        lambda: [
            ints(np.int16, (2, 64)),
            np.zeros((2, 64), np.int16),
            ints(np.int16, (2, 64)),
            np.zeros((2, 64), np.int16),
        ],
        lambda a: {1: a[0] + 1, 3: a[2] * 2},
    ),
    "narrow_pipeline": Case(
        lambda: fanout.narrow_pipeline(T8, 256, 6),
        lambda: [ints(np.int8, 256, -100, 100), np.zeros(256, np.int8)],
        lambda a: {1: wrap(a[0].astype(np.int64) + sum(range(6)), np.int8)},
    ),
    "scalar_gather": Case(
        lambda: fanout.scalar_gather(T16, 5, 64),
        lambda: [ints(np.int16, (5, 64)), np.zeros(64, np.int16)],
        lambda a: {1: a[0].sum(0).astype(np.int16)},
    ),
    "skip_lanes": Case(
        lambda: fanout.skip_lanes(6, 64),
        lambda: [ints(np.int32, (6, 64)), np.zeros((6, 64), np.int32)],
        lambda a: {1: a[0] * 3},
    ),
    "split_gemv": Case(
        lambda: fanout.split_gemv(24, 8, 4),
        lambda: [ints(np.int32, (24, 8)), ints(np.int32, 8), np.zeros(24, np.int32)],
        lambda a: {2: wrap(a[0].astype(np.int64) @ a[1], np.int32)},
    ),
}

# programs that do not run on the simulator, so are outside the acceptance set
NOT_ON_THE_SIMULATOR = {"deadlock": lambda: progs.deadlock(4)}


def test_the_table_covers_every_program():
    defined = {
        name
        for module in (progs, fanout)
        for name, fn in inspect.getmembers(module, inspect.isfunction)
        if fn.__module__ == module.__name__
    }
    assert defined == set(CASES) | set(NOT_ON_THE_SIMULATOR)


def test_the_programs_outside_the_set_do_not_run_on_the_simulator():
    for make in NOT_ON_THE_SIMULATOR.values():
        mod = dato.build(make())
        with pytest.raises(dato.DatoError):
            mod(np.arange(4, dtype=np.int32), np.zeros(4, np.int32))


@pytest.mark.parametrize("name", sorted(CASES))
def test_program_maps_and_equals_numpy_or_names_the_limit(name, tmp_path):
    case = CASES[name]
    arrays = case.inputs()
    want = case.reference([a.copy() for a in arrays])
    if case.refused is not None:
        with pytest.raises(dato.DatoError) as info:
            dato.build(case.program(), target="aie", project=tmp_path)
        assert case.refused in str(info.value)
        return
    dato.build(case.program(), target="aie", project=tmp_path)(*arrays)
    for k, expected in want.items():
        np.testing.assert_array_equal(arrays[k], expected, err_msg=f"{name}: argument {k}")


@pytest.mark.parametrize("seed", [3, 5, 8, 13])
def test_random_programs_equal_their_numpy_model(seed, tmp_path):
    prog = random_programs.generate(seed)
    top = prog.load(str(tmp_path))
    arrays = prog.arrays()
    dato.build(top, target="aie", project=tmp_path / "p")(*arrays)
    for k, name in enumerate(prog.outputs):
        got = arrays[len(prog.inputs) + k]
        np.testing.assert_array_equal(got, prog.expected[name], err_msg=prog.reproducer())
