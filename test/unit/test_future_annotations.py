"""Programs in a module with `from __future__ import annotations` (PEP 563): every
annotation is a string, so a name used only in annotations (the element type and
sizes a program factory takes, `A: T[N]`) is not in the region's closure. The
frontend reads such names from the enclosing function's locals as they were when
the region was defined, as Python evaluates annotations without the import."""

# ruff: noqa: F821 (streams are declared by annotations)

from __future__ import annotations

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Layout, Stream, int16, int32

S = Layout.Shard


def pipeline(T, N: int, scale: int):
    @dato.region()
    def top(A: T[N], B: T[N]) -> None:
        s: Stream[T, 2]

        @dato.kernel(mapping=[1], args=[A])
        def produce(a: T[N]) -> None:
            for i in range(N):
                s.put(a[i] + 1)

        @dato.kernel(mapping=[1], args=[B])
        def consume(b: T[N]) -> None:
            for i in range(N):
                v: T = s.get()
                b[i] = v * scale

    return top


@dato.region()
def sharded(A: int32[16], B: int32[16]) -> None:
    @dato.kernel(mapping=[4], args=[A, B])
    def k(a: int32[16] @ [S(0)], b: int32[16] @ [S(0)]) -> None:
        for i in range(4):
            b[i] = a[i] * 3 - 1


@pytest.mark.parametrize("target", ["simulator", "aie"])
def test_factory_types_given_only_in_annotations(target: str) -> None:
    a = np.arange(-20, 44, 2, dtype=np.int16)
    b = np.zeros_like(a)
    dato.build(pipeline(int16, a.size, 5), target=target)(a, b)
    np.testing.assert_array_equal(b, ((a.astype(np.int32) + 1) * 5).astype(np.int16))


def test_module_level_region() -> None:
    a = np.arange(16, dtype=np.int32) - 8
    b = np.zeros_like(a)
    dato.build(sharded)(a, b)
    np.testing.assert_array_equal(b, a * 3 - 1)


def test_factory_values_are_those_at_definition() -> None:
    # two programs from one factory keep their own sizes and types
    p8, p32 = pipeline(int32, 8, 2), pipeline(int16, 32, 3)
    a8, a32 = np.arange(8, dtype=np.int32), np.arange(32, dtype=np.int16)
    b8, b32 = np.zeros_like(a8), np.zeros_like(a32)
    dato.build(p8)(a8, b8)
    dato.build(p32)(a32, b32)
    np.testing.assert_array_equal(b8, (a8 + 1) * 2)
    np.testing.assert_array_equal(b32, (a32 + 1) * 3)
