"""The Dato paper's kernels written the natural way (vectorised, with
reductions, `.T` and mixed precision), against numpy on all three targets;
and what bad kernel-language input gets (located errors)."""

import math

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import float32, int8, int32

TARGETS = ["simulator", "aie", "hls"]


def run(top, target, tmp_path, *arrays):
    options = {} if target == "simulator" else {"project": tmp_path / target}
    dato.build(top, target=target, **options)(*arrays)


def softmax():
    @dato.region()
    def top(X: float32[4, 8], Y: float32[4, 8]):
        @dato.kernel(mapping=[1], args=[X, Y])
        def k(x: float32[4, 8], y: float32[4, 8]):
            e = dato.exp(x - dato.max(x, axis=1, keepdims=True))
            y[:, :] = e / dato.sum(e, axis=1, keepdims=True)

    return top


def layer_norm():
    @dato.region()
    def top(X: float32[4, 8], Y: float32[4, 8]):
        @dato.kernel(mapping=[1], args=[X, Y])
        def k(x: float32[4, 8], y: float32[4, 8]):
            mu = dato.mean(x, axis=1, keepdims=True)
            d = x - mu
            var = dato.mean(d * d, axis=1, keepdims=True)
            y[:, :] = d * dato.rsqrt(var + 1e-5)

    return top


def gelu():
    @dato.region()
    def top(X: float32[4, 8], Y: float32[4, 8]):
        @dato.kernel(mapping=[1], args=[X, Y])
        def k(x: float32[4, 8], y: float32[4, 8]):
            y[:, :] = 0.5 * x * (1.0 + dato.tanh(0.7978845608 * (x + 0.044715 * x**3)))

    return top


def attention():
    @dato.region()
    def top(Q: float32[4, 8], K: float32[4, 8], S: float32[4, 4]):
        @dato.kernel(mapping=[1], args=[Q, K, S])
        def k(q: float32[4, 8], kk: float32[4, 8], o: float32[4, 4]):
            s = dato.matmul(q, kk.T) * (1.0 / math.sqrt(8))
            e = dato.exp(s - dato.max(s, axis=-1, keepdims=True))
            o[:, :] = e / dato.sum(e, axis=-1, keepdims=True)

    return top


def int8_gemm():
    @dato.region()
    def top(A: int8[8, 16], B: int8[16, 8], C: int32[8, 8]):
        @dato.kernel(mapping=[1], args=[A, B, C])
        def k(a: int8[8, 16], b: int8[16, 8], c: int32[8, 8]):
            c[:, :] = dato.matmul(a, b)

    return top


def ref_softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("name", ["softmax", "layer_norm", "gelu"])
def test_paper_vector_kernels(name, target, tmp_path):
    rng = np.random.default_rng(11)
    X = rng.standard_normal((4, 8)).astype(np.float32) * 3
    Y = np.zeros((4, 8), np.float32)
    program = {"softmax": softmax, "layer_norm": layer_norm, "gelu": gelu}[name]
    run(program(), target, tmp_path, X, Y)
    x = X.astype(np.float64)
    if name == "softmax":
        ref = ref_softmax(x)
    elif name == "layer_norm":
        mu = x.mean(axis=1, keepdims=True)
        ref = (x - mu) / np.sqrt(((x - mu) ** 2).mean(axis=1, keepdims=True) + 1e-5)
    else:
        ref = 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))
    np.testing.assert_allclose(Y, ref, rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("target", TARGETS)
def test_paper_attention_scores_with_transpose(target, tmp_path):
    rng = np.random.default_rng(12)
    Q = rng.standard_normal((4, 8)).astype(np.float32)
    K = rng.standard_normal((4, 8)).astype(np.float32)
    S = np.zeros((4, 4), np.float32)
    run(attention(), target, tmp_path, Q, K, S)
    ref = ref_softmax(Q.astype(np.float64) @ K.T.astype(np.float64) / np.sqrt(8))
    np.testing.assert_allclose(S, ref, rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("target", TARGETS)
def test_paper_int8_gemm_accumulates_in_int32(target, tmp_path):
    A = np.full((8, 16), -128, np.int8)
    B = np.full((16, 8), -128, np.int8)
    A[1::2] = 127
    C = np.zeros((8, 8), np.int32)
    run(int8_gemm(), target, tmp_path, A, B, C)
    np.testing.assert_array_equal(C, A.astype(np.int32) @ B.astype(np.int32))


# ------------------------------------------------------------------- bad input


def failing(body_line: str, a_type: str = "float32[4, 8]", b_type: str = "float32[4, 8]"):
    """A one-kernel program whose body is `body_line`, compiled from source
    text so the error can name its line."""
    return f"""
import dato_xdsl as dato
from dato_xdsl import float32, int16, int32

@dato.region()
def top(A: {a_type}, B: {b_type}):
    @dato.kernel(mapping=[1], args=[A, B])
    def k(a: {a_type}, b: {b_type}):
        {body_line}
"""


@pytest.mark.parametrize(
    ("body", "a_type", "expected"),
    [
        ("b[:, :] = dato.exp(a, base=2)", "float32[4, 8]", "unexpected keyword argument 'base'"),
        ("b[:, :] = dato.matmul(a, a.T, acc=int32)", "float32[4, 8]", "keyword argument 'acc'"),
        (
            "b[:, :] = a + dato.sum(a, axis=0, keepdims=True).T",
            "float32[4, 8]",
            "[4, 8] and [8, 1]",
        ),
        (
            "b[:, :] = dato.sum(a, axis=2)",
            "float32[4, 8]",
            "axis 2 is out of range for an array of rank 2",
        ),
        ("b[:, :] = dato.max(a, axis=-3, keepdims=True)", "float32[4, 8]", "axis -3"),
    ],
)
def test_bad_kernel_language_input_is_a_located_error(tmp_path, body, a_type, expected):
    path = tmp_path / "prog.py"
    path.write_text(failing(body, a_type))
    namespace: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    with pytest.raises(dato.DatoCompileError) as info:
        dato.build(namespace["top"])
    message = str(info.value)
    assert f"{path}:9" in message
    assert expected in message


def test_a_constant_that_does_not_fit_its_integer_type_is_refused(tmp_path):
    path = tmp_path / "prog.py"
    path.write_text(failing("b[0] = 10**30", "int16[8]", "int16[8]"))
    namespace: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    with pytest.raises(dato.DatoCompileError) as info:
        dato.build(namespace["top"])
    message = str(info.value)
    assert f"{path}:9" in message
    assert "does not fit int16" in message


def test_an_int16_constant_out_of_range_in_an_array_expression_is_refused(tmp_path):
    path = tmp_path / "prog.py"
    path.write_text(failing("b[:] = a + 40000", "int16[8]", "int16[8]"))
    namespace: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    with pytest.raises(dato.DatoCompileError) as info:
        dato.build(namespace["top"])
    assert "constant 40000 does not fit int16 (range -32768 to 32767)" in str(info.value)
