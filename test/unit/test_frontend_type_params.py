"""Annotations that use a region's PEP 695 type parameters, as Allo writes them
(tests/dataflow/test_multi_cache_gemm.py:
`def MXU[Rt, Ct, M, N, K](A: "UInt(Rt * 8)[M * K // Rt]")`):
Python leaves such an annotation a string, and the frontend reads the string as the
type expression with the parameters bound. Results against numpy."""

# ruff: noqa: F821  (Rt is the region's type parameter)

from pathlib import Path
from typing import TypeVar

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import ConstExpr, Stream, UInt, int32
from dato_xdsl.errors import DatoError

N = 8


def byte_sums():
    @dato.region()
    def inner(A: "UInt(Rt * 8)[N]", B: "int32[N]"):
        W: ConstExpr[int32] = Rt * 8  # a compile-time name of the region
        pipe: Stream[UInt(Rt * 8), 2]

        @dato.kernel(mapping=[1], args=[A])
        def load(a: "UInt(Rt * 8)[N]"):
            for i in range(N):
                pipe.put(a[i])

        @dato.kernel(mapping=[1], args=[B])
        def unpack(b: "int32[N]"):
            for i in range(N):
                word: "UInt(W)" = pipe.get()  # noqa: UP037 (a string, as Allo writes it)
                total: int32 = 0
                for k in range(Rt):
                    total += word[k * 8 : (k + 1) * 8]
                b[i] = total

    # what Python >= 3.12 records for `def inner[Rt](...)` (this suite runs on 3.11)
    inner.fn.__type_params__ = (TypeVar("Rt"),)

    @dato.region()
    def top(A2: "UInt(16)[N]", A4: "UInt(32)[N]", B2: "int32[N]", B4: "int32[N]"):
        @dato.kernel(mapping=[2], args=[A2, A4, B2, B4])
        def wrapper(a2: "UInt(16)[N]", a4: "UInt(32)[N]", b2: "int32[N]", b4: "int32[N]"):
            i = dato.get_pid()
            with dato.meta_if(i == 0):
                inner[2](a2, b2)
            with dato.meta_else():
                inner[4](a4, b4)

    return top


@pytest.mark.parametrize("target", ["simulator", "hls"])
def test_string_annotations_read_with_the_type_parameters_bound(target, tmp_path):
    rng = np.random.default_rng(5)
    A2 = rng.integers(0, 2**16, N, dtype=np.uint16)
    A4 = rng.integers(0, 2**32, N, dtype=np.uint32)
    B2, B4 = np.zeros(N, np.int32), np.zeros(N, np.int32)
    options = {} if target == "simulator" else {"project": tmp_path / target}
    dato.build(byte_sums(), target=target, **options)(A2, A4, B2, B4)
    # each word's bytes summed: numpy's view of the words as bytes
    np.testing.assert_array_equal(B2, A2.view(np.uint8).reshape(N, 2).sum(1))
    np.testing.assert_array_equal(B4, A4.view(np.uint8).reshape(N, 4).sum(1))


def test_the_instances_get_the_types_their_parameters_give():
    ir = str(dato.build(byte_sums()).module)
    assert "memref<8xi16>" in ir and "memref<8xi32>" in ir
    assert "!dato.stream<i16, 2>" in ir and "!dato.stream<i32, 2>" in ir


def test_a_string_annotation_that_is_not_an_expression_is_located():
    @dato.region()
    def top(A: "int32[N", B: int32[N]):  # noqa: F722
        @dato.kernel(mapping=[1], args=[A, B])
        def k(a: int32[N], b: int32[N]):
            b[0] = a[0]

    with pytest.raises(DatoError) as err:
        dato.build(top)
    line = top.fn.__code__.co_firstlineno + 1
    assert f"{Path(__file__).name}:{line}" in str(err.value)
    assert "annotation 'int32[N' is not a Python expression" in str(err.value)


def test_an_unknown_name_in_a_string_annotation_is_located():
    @dato.region()
    def top(A: int32[N], B: int32[N]):
        @dato.kernel(mapping=[1], args=[A, B])
        def k(a: "UInt(Q * 8)[N]", b: int32[N]):
            b[0] = a[0]

    with pytest.raises(DatoError) as err:
        dato.build(top)
    line = top.fn.__code__.co_firstlineno + 3
    assert f"{Path(__file__).name}:{line}" in str(err.value)
    assert "name 'Q' is not defined" in str(err.value)


def test_a_region_constant_needs_const_expr():
    @dato.region()
    def top(A: int32[N], B: int32[N]):
        w: int32 = 4

        @dato.kernel(mapping=[1], args=[A, B])
        def k(a: int32[N], b: int32[N]):
            b[0] = a[0] + w

    with pytest.raises(DatoError) as err:
        dato.build(top)
    assert f"{Path(__file__).name}:{top.fn.__code__.co_firstlineno + 2}" in str(err.value)
    assert "ConstExpr" in str(err.value)
