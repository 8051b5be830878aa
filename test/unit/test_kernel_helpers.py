"""Plain Python functions called from kernels are inlined (Allo's
`index_calculation` helpers): results against numpy on the simulator, the
virtual NPU (aie) and the g++ C simulation (hls); errors name the helper's line."""

import inspect

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import float32, int32

TARGETS = ["simulator", "aie", "hls"]
M, N = 4, 4


def run(top, target, tmp_path, *arrays):
    options = {} if target == "simulator" else {"project": tmp_path / target}
    dato.build(top, target=target, **options)(*arrays)


def index_calculation(x):
    res = x - 1
    return res


def scale(v: float32, k=2.0) -> float32:
    w = v * k
    w += 1.0
    return w


def scaled_row(row, k):
    """An array helper calling another helper."""
    out: float32[N] = row * k
    out[0] = scale(out[0], k=1.0)
    return out


def pipeline_with_helpers():
    @dato.region()
    def top(A: float32[M, N], B: float32[M, N]):
        pipe: dato.Stream[float32, 4]

        @dato.kernel(mapping=[1], args=[A])
        def producer(a: float32[M, N]):
            for i in range(M):
                for j in range(N):
                    out: float32 = a[i, index_calculation(j) + 1]
                    pipe.put(scale(out, k=3.0))  # noqa: F821

        @dato.kernel(mapping=[1], args=[B])
        def consumer(b: float32[M, N]):
            for i in range(M):
                for j in range(N):
                    b[i, j] = pipe.get() + 1  # noqa: F821

    return top


@pytest.mark.parametrize("target", TARGETS)
def test_scalar_helpers_with_keywords_and_defaults(target, tmp_path):
    A = np.random.default_rng(0).random((M, N), np.float32)
    B = np.zeros((M, N), np.float32)
    run(pipeline_with_helpers(), target, tmp_path, A, B)
    np.testing.assert_allclose(B, A * 3 + 1 + 1, rtol=1e-6)


def array_helpers():
    @dato.region()
    def top(A: float32[M, N], B: float32[M, N]):
        @dato.kernel(mapping=[1], args=[A, B])
        def k(a: float32[M, N], b: float32[M, N]):
            for i in range(M):
                b[i, :] = scaled_row(a[i, :], 2.0)

    return top


@pytest.mark.parametrize("target", TARGETS)
def test_array_helper_calling_a_helper(target, tmp_path):
    A = np.random.default_rng(1).random((M, N), np.float32)
    B = np.zeros((M, N), np.float32)
    run(array_helpers(), target, tmp_path, A, B)
    expected = A * 2
    expected[:, 0] += 1
    np.testing.assert_allclose(B, expected, rtol=1e-6)


def fact(n):
    return n * fact(n - 1)


def test_recursion_is_refused():
    @dato.region()
    def top(A: int32[4]):
        @dato.kernel(mapping=[1], args=[A])
        def k(a: int32[4]):
            a[0] = fact(a[1])

    with pytest.raises(dato.DatoCompileError) as err:
        dato.build(top)
    assert "recursive call of 'fact'" in str(err.value)
    assert "fact -> fact" in str(err.value)


def bad_helper(x):
    y = x + 1
    return y.shape  # a scalar has no attribute 'shape'


def test_an_error_names_the_helpers_own_line():
    @dato.region()
    def top(A: int32[4]):
        @dato.kernel(mapping=[1], args=[A])
        def k(a: int32[4]):
            a[0] = bad_helper(a[1])

    with pytest.raises(dato.DatoCompileError) as err:
        dato.build(top)
    lines, first = inspect.getsourcelines(bad_helper)
    assert f"{__file__}:{first + 2}" in str(err.value)
    assert "has no attribute 'shape'" in str(err.value)


def early_return(x):
    if x > 0:
        return x
    return 0


def test_a_return_before_the_end_is_refused_at_its_line():
    @dato.region()
    def top(A: int32[4]):
        @dato.kernel(mapping=[1], args=[A])
        def k(a: int32[4]):
            a[0] = early_return(a[1])

    with pytest.raises(dato.DatoCompileError) as err:
        dato.build(top)
    _, first = inspect.getsourcelines(early_return)
    assert f"{__file__}:{first + 2}" in str(err.value)
    assert "may return only as its last statement" in str(err.value)
