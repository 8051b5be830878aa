"""Regions called from kernels (Allo's hierarchical dataflow,
tests/dataflow/test_hierachical.py) are flattened into the parent graph, their
tasks and streams named by the path. Results against numpy on the simulator,
the virtual NPU (aie) and the g++ C simulation (hls)."""

# ruff: noqa: F821  (P0, P1 are the region's type parameters; pipe is a region stream)

from typing import TypeVar

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import float32, int32

TARGETS = ["simulator", "aie", "hls"]
N = 8
M, K = 4, 4


def run(top, target, tmp_path, *arrays):
    options = {} if target == "simulator" else {"project": tmp_path / target}
    dato.build(top, target=target, **options)(*arrays)


def streamed():
    @dato.region()
    def inner(A: int32[N], B: int32[N]):
        pipe: dato.Stream[int32, 2]

        @dato.kernel(mapping=[1], args=[A])
        def prod(a: int32[N]):
            for i in range(N):
                pipe.put(a[i] * 2)

        @dato.kernel(mapping=[1], args=[B])
        def cons(b: int32[N]):
            for i in range(N):
                b[i] = pipe.get() + 1

    @dato.region()
    def top(A: int32[N], C: int32[N], B1: int32[N], B2: int32[N]):
        @dato.kernel(mapping=[2], args=[A, C, B1, B2])
        def wrapper(a: int32[N], c: int32[N], b1: int32[N], b2: int32[N]):
            i = dato.get_pid()
            with dato.meta_if(i == 0):
                inner(a, b1)
            with dato.meta_else():
                inner(c, b2)

    return top


@pytest.mark.parametrize("target", TARGETS)
def test_a_region_with_streams_called_per_instance(target, tmp_path):
    A = np.arange(N, dtype=np.int32)
    C = (np.arange(N, dtype=np.int32) * 7 - 20).astype(np.int32)
    B1, B2 = np.zeros(N, np.int32), np.zeros(N, np.int32)
    run(streamed(), target, tmp_path, A, C, B1, B2)
    np.testing.assert_array_equal(B1, A * 2 + 1)
    np.testing.assert_array_equal(B2, C * 2 + 1)


def test_tasks_and_streams_are_named_by_their_path():
    ir = str(dato.build(streamed()).module)
    for name in ("wrapper_0__inner__pipe", "wrapper_1__inner__prod", "wrapper_0__inner__cons"):
        assert f"@{name}" in ir
    assert "@wrapper " not in ir and "@wrapper_0 " not in ir  # the caller leaves no task


def parametrised():
    @dato.region()
    def inner(A: float32[M, K], B: float32[K, N], C: float32[M, N]):
        @dato.kernel(mapping=[P0, P1], args=[A, B, C])
        def gemm(local_A: float32[M, K], local_B: float32[K, N], local_C: float32[M, N]):
            pi, pj = dato.get_pid()
            Mt: dato.ConstExpr[int32] = M // P0
            Nt: dato.ConstExpr[int32] = N // P1
            for i in range(pi * Mt, (pi + 1) * Mt):
                for j in range(pj * Nt, (pj + 1) * Nt):
                    for k in range(K):
                        local_C[i, j] += local_A[i, k] * local_B[k, j]

    # what Python >= 3.12 records for `def inner[P0, P1](...)` (this suite runs on 3.11)
    inner.fn.__type_params__ = (TypeVar("P0"), TypeVar("P1"))

    @dato.region()
    def top(A: float32[M, K], B: float32[K, N], C1: float32[M, N], C2: float32[M, N]):
        @dato.kernel(mapping=[2], args=[A, B, C1, C2])
        def wrapper(
            local_A: float32[M, K],
            local_B: float32[K, N],
            local_C1: float32[M, N],
            local_C2: float32[M, N],
        ):
            i = dato.get_pid()
            with dato.meta_if(i == 0):
                inner[2, 2](local_A, local_B, local_C1)
            with dato.meta_else():
                inner[1, 4](local_A, local_B, local_C2)

    return top


def test_allo_parametrised_region_inner_p0_p1(tmp_path):
    rng = np.random.default_rng(3)
    A = rng.random((M, K), np.float32)
    B = rng.random((K, N), np.float32)
    C1, C2 = np.zeros((M, N), np.float32), np.zeros((M, N), np.float32)
    run(parametrised(), "simulator", tmp_path, A, B, C1, C2)
    np.testing.assert_allclose(C1, A @ B, rtol=1e-5)
    np.testing.assert_allclose(C2, A @ B, rtol=1e-5)
    ir = str(dato.build(parametrised()).module)
    assert "dato.task @wrapper_0__inner__gemm grid [2, 2]" in ir
    assert "dato.task @wrapper_1__inner__gemm grid [1, 4]" in ir


def test_allo_parametrised_region_on_hls_where_instances_update_disjoint_parts(tmp_path):
    # every gemm instance reads and writes its own block of the unsharded C
    # (Allo's program): the HLS lowering sees the blocks are disjoint and the
    # store merges them by their written masks
    rng = np.random.default_rng(5)
    A = rng.random((M, K), np.float32)
    B = rng.random((K, N), np.float32)
    C1, C2 = np.zeros((M, N), np.float32), np.zeros((M, N), np.float32)
    run(parametrised(), "hls", tmp_path, A, B, C1, C2)
    np.testing.assert_allclose(C1, A @ B, rtol=1e-5)
    np.testing.assert_allclose(C2, A @ B, rtol=1e-5)


def test_unsharded_writers_of_the_parametrised_region_run_in_turn_on_the_npu(tmp_path):
    # every gemm instance updates its own part of the unsharded C: the NPU
    # passes C from instance to instance in the simulator's order
    # (dato-array-flow-forwarding), each adding its block
    rng = np.random.default_rng(6)
    A = rng.random((M, K), np.float32)
    B = rng.random((K, N), np.float32)
    C1, C2 = np.zeros((M, N), np.float32), np.zeros((M, N), np.float32)
    run(parametrised(), "aie", tmp_path, A, B, C1, C2)
    np.testing.assert_allclose(C1, A @ B, rtol=1e-5)
    np.testing.assert_allclose(C2, A @ B, rtol=1e-5)


def test_type_parameters_must_match_in_number():
    @dato.region()
    def inner(A: int32[N]):
        @dato.kernel(mapping=[1], args=[A])
        def k(a: int32[N]):
            a[0] = 1

    @dato.region()
    def top(A: int32[N]):
        @dato.kernel(mapping=[1], args=[A])
        def wrapper(a: int32[N]):
            inner[2](a)

    with pytest.raises(dato.DatoCompileError) as err:
        dato.build(top)
    assert "region inner has 0 type parameter(s) [], got 1" in str(err.value)
    assert f"{__file__}:" in str(err.value)


def test_own_statements_on_an_array_given_to_a_region_are_refused_at_their_line():
    @dato.region()
    def inner(A: int32[N]):
        @dato.kernel(mapping=[1], args=[A])
        def k(a: int32[N]):
            a[0] = 1

    @dato.region()
    def top(A: int32[N]):
        @dato.kernel(mapping=[1], args=[A])
        def wrapper(a: int32[N]):
            inner(a)
            a[1] = 2

    with pytest.raises(dato.DatoCompileError) as err:
        dato.build(top)
    assert "passes 'a' to a region and also uses it itself" in str(err.value)
    assert f"{__file__}:{line_of('a[1] = 2')}:" in str(err.value)


def line_of(text: str) -> int:
    return next(n for n, line in enumerate(open(__file__), 1) if line.strip() == text)


def mixed():
    @dato.region()
    def inner(A: int32[N], B: int32[N]):
        @dato.kernel(mapping=[2], args=[A, B])
        def half(a: int32[N] @ [dato.Layout.Shard(0)], b: int32[N] @ [dato.Layout.Shard(0)]):
            for i in range(N // 2):
                b[i] = a[i] * 3 - 1

    @dato.region()
    def top(A: int32[N], B: int32[N], D: int32[N]):
        @dato.kernel(mapping=[1], args=[A, B, D])
        def wrapper(a: int32[N], b: int32[N], d: int32[N]):
            inner(a, b)
            acc: int32 = 0
            for n in range(N):
                acc += n
                d[n] = acc

    return top


@pytest.mark.parametrize("target", TARGETS)
def test_a_region_call_beside_the_kernels_own_statements(target, tmp_path):
    A = np.arange(N, dtype=np.int32) - 3
    B, D = np.zeros(N, np.int32), np.zeros(N, np.int32)
    run(mixed(), target, tmp_path, A, B, D)
    np.testing.assert_array_equal(B, A * 3 - 1)
    np.testing.assert_array_equal(D, np.cumsum(np.arange(N)))
    ir = str(dato.build(mixed()).module)
    assert "dato.task @wrapper__inner__half grid [2]" in ir
    assert "dato.task @wrapper grid [1]" in ir  # the own statements' task


def test_a_region_call_inside_a_loop_is_refused_at_its_line():
    @dato.region()
    def inner(A: int32[N]):
        @dato.kernel(mapping=[1], args=[A])
        def k(a: int32[N]):
            a[0] = 1

    @dato.region()
    def top(A: int32[N]):
        @dato.kernel(mapping=[1], args=[A])
        def wrapper(a: int32[N]):
            for _ in range(2):
                inner(a)  # looped

    with pytest.raises(dato.DatoCompileError) as err:
        dato.build(top)
    assert "calls a region inside For" in str(err.value)
    assert f"{__file__}:{line_of('inner(a)  # looped')}:" in str(err.value)


def test_a_const_expr_needs_a_compile_time_value():
    @dato.region()
    def top(A: int32[N]):
        @dato.kernel(mapping=[1], args=[A])
        def k(a: int32[N]):
            n: dato.ConstExpr[int32] = a[0] + 1
            a[1] = n

    with pytest.raises(dato.DatoCompileError) as err:
        dato.build(top)
    assert "'n: dato.ConstExpr[int32]' needs a value known at compile time" in str(err.value)
    assert f"{__file__}:" in str(err.value)
