"""A bundled GEMM (or a GEMM of one task per core the vector design takes)
is no longer required to be its region's only task: the GEMM keeps its own
design (npu_gemm_design: the vector design where mm.cc has a kernel) and the
other tasks take the general route on the cores and shim/memtile channels it
leaves free, in one device with one runtime sequence. The decision is
recorded on the GEMM's cores (dato.gemm_design) and shown in the report. A
GEMM whose result goes to an epilogue task through a stream is not a bundled
GEMM (its result is no region array): it takes the general route, with each
GEMM instance chained to its epilogue. Every program runs on the virtual NPU
and equals numpy."""

# ruff: noqa: F821 (streams are declared by annotations)

import ml_dtypes
import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Layout, Stream, int32

S, R = Layout.Shard, Layout.Replicate
RNG = np.random.default_rng(1212)


def quads(name: str, g: int, rows: int, cols: int) -> list[tuple[str, list[str]]]:
    """Core (r, c) of a rows x cols grid runs task rows r*p.. and columns c*q.., i outer."""
    p, q = g // rows, g // cols
    return [
        (
            "bundle",
            [f"{name}_{i}_{j}" for i in range(r * p, r * p + p) for j in range(c * q, c * q + q)],
        )
        for r in range(rows)
        for c in range(cols)
    ]


def gemm_and_inc(T, Acc, M: int, N: int, K: int, g: int, L: int):
    """A GEMM and, beside it, a task adding 1 to a vector (no stream between them)."""

    @dato.region()
    def top(A: T[M, K], B: T[K, N], C: Acc[M, N], X: int32[L], Y: int32[L]):
        @dato.kernel(mapping=[g, g], args=[A, B, C])
        def mm(a: T[M, K] @ [S(0), R], b: T[K, N] @ [R, S(1)], c: Acc[M, N] @ [S(0), S(1)]):
            c[:, :] = dato.matmul(a, b)

        @dato.kernel(mapping=[1], args=[X, Y])
        def inc(x: int32[L], y: int32[L]):
            y[:] = x + 1

    return top


def gemm_and_pipeline(T, Acc, M: int, N: int, K: int, g: int, L: int):
    """A GEMM beside a two-stage pipeline joined by a stream."""

    @dato.region()
    def top(A: T[M, K], B: T[K, N], C: Acc[M, N], X: int32[L], Y: int32[L]):
        s: Stream[int32[L], 2]

        @dato.kernel(mapping=[g, g], args=[A, B, C])
        def mm(a: T[M, K] @ [S(0), R], b: T[K, N] @ [R, S(1)], c: Acc[M, N] @ [S(0), S(1)]):
            c[:, :] = dato.matmul(a, b)

        @dato.kernel(mapping=[1], args=[X])
        def double(x: int32[L]):
            s.put(x + x)

        @dato.kernel(mapping=[1], args=[Y])
        def dec(y: int32[L]):
            y[:] = s.get() - 3

    return top


def gemm_relu(T, Acc, M: int, N: int, K: int, g: int):
    """A GEMM whose blocks go through a stream to a ReLU epilogue, cell by cell."""
    Mt, Nt = M // g, N // g

    @dato.region()
    def top(A: T[M, K], B: T[K, N], C: Acc[M, N]):
        mid: Stream[Acc[Mt, Nt], 2][g, g]

        @dato.kernel(mapping=[g, g], args=[A, B])
        def mm(a: T[M, K] @ [S(0), R], b: T[K, N] @ [R, S(1)]):
            i, j = dato.get_pid()
            acc: Acc[Mt, Nt] = dato.matmul(a, b)
            mid[i, j].put(acc)

        @dato.kernel(mapping=[g, g], args=[C])
        def relu(c: Acc[M, N] @ [S(0), S(1)]):
            i, j = dato.get_pid()
            zero: Acc[Mt, Nt] = 0
            c[:, :] = dato.maximum(mid[i, j].get(), zero)

    return top


def operands(T, M: int, N: int, K: int) -> tuple[np.ndarray, np.ndarray]:
    if T is dato.bfloat16:
        a = RNG.standard_normal((M, K)).astype(ml_dtypes.bfloat16)
        return a, RNG.standard_normal((K, N)).astype(ml_dtypes.bfloat16)
    lo = 128 if T is dato.int8 else 1000
    a = RNG.integers(-lo, lo, (M, K)).astype(T.numpy)
    return a, RNG.integers(-lo, lo, (K, N)).astype(T.numpy)


def check_product(T, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> None:
    exact = a.astype(np.float64) @ b.astype(np.float64)
    if T is dato.bfloat16:
        # an f32 sum of K exact bf16 products: K half-ulps of the running sum
        mags = np.abs(a.astype(np.float64)) @ np.abs(b.astype(np.float64))
        assert np.all(np.abs(c - exact) <= a.shape[1] * 2.0**-24 * mags)
    else:
        np.testing.assert_array_equal(c, exact.astype(np.int64).astype(np.int32))


@pytest.mark.parametrize("bundled", [True, False])
def test_bundled_gemm_beside_an_independent_task(bundled, tmp_path):
    """int16 -> int32 128x128x256 as 4x4 tasks and @inc on npu1 (16 cores):
    with the user's 2x2 bundles, or without (17 tasks: the compiler chains
    GEMM instances itself). The GEMM keeps the vector design; @inc gets a
    core and channels of its own."""
    M, N, K, L = 128, 128, 256, 64
    prims = quads("mm", 4, 2, 2) if bundled else None
    mod = dato.build(
        gemm_and_inc(dato.int16, dato.int32, M, N, K, 4, L),
        target="aie",
        project=tmp_path,
        mapping_primitives=prims,
    )
    text = (tmp_path / "aie.mlir").read_text()
    assert text.count("aie.runtime_sequence") == 1
    assert "func.call @matmul_i16_i32" in text and "dimensionsToStream" in text
    report = mod.report()
    assert "GEMM design: vector: mm.cc matmul_i16_i32" in report
    assert "beside @inc (general route, one runtime sequence)" in report
    a, b = operands(dato.int16, M, N, K)
    c = np.zeros((M, N), np.int32)
    x = RNG.integers(-1000, 1000, L).astype(np.int32)
    y = np.zeros(L, np.int32)
    mod(a, b, c, x, y)
    check_product(dato.int16, a, b, c)
    np.testing.assert_array_equal(y, x + 1)


def test_one_task_per_core_gemm_beside_an_independent_task(tmp_path):
    """On npu2 (32 cores) the 4x4 GEMM tasks get a core each, placed as a
    product: the vector design with one member per core, @inc beside it."""
    M, N, K, L = 128, 128, 256, 64
    mod = dato.build(
        gemm_and_inc(dato.int16, dato.int32, M, N, K, 4, L),
        target="aie",
        device="npu2",
        project=tmp_path,
    )
    text = (tmp_path / "aie.mlir").read_text()
    assert text.count("aie.core(") == 17 and text.count("func.call @matmul_i16_i32") == 16
    assert "beside @inc (general route, one runtime sequence)" in mod.report()
    a, b = operands(dato.int16, M, N, K)
    c = np.zeros((M, N), np.int32)
    x = RNG.integers(-1000, 1000, L).astype(np.int32)
    y = np.zeros(L, np.int32)
    mod(a, b, c, x, y)
    check_product(dato.int16, a, b, c)
    np.testing.assert_array_equal(y, x + 1)


@pytest.mark.parametrize(("device", "name"), [("npu2", "bfloat16"), ("npu1", "int8")])
def test_bundled_gemm_beside_a_pipeline(device, name, tmp_path):
    """A non-square GEMM (M 256, N 128, K 384) on 2x2 cores beside a
    producer -> consumer pair joined by a stream."""
    T = {"bfloat16": dato.bfloat16, "int8": dato.int8}[name]
    Acc = dato.float32 if T is dato.bfloat16 else dato.int32
    M, N, K, L = 256, 128, 384, 256
    mod = dato.build(
        gemm_and_pipeline(T, Acc, M, N, K, 4, L),
        target="aie",
        device=device,
        project=tmp_path,
        mapping_primitives=quads("mm", 4, 2, 2),
    )
    assert "beside @double, @dec (general route, one runtime sequence)" in mod.report()
    a, b = operands(T, M, N, K)
    c = np.zeros((M, N), Acc.numpy)
    x = RNG.integers(-1000, 1000, L).astype(np.int32)
    y = np.zeros(L, np.int32)
    mod(a, b, c, x, y)
    check_product(T, a, b, c)
    np.testing.assert_array_equal(y, 2 * x - 3)


def test_gemm_into_an_epilogue_stream_takes_the_general_route(tmp_path):
    """GEMM blocks put on a stream for a ReLU task: the general route (each
    GEMM instance chained with its epilogue on one core, K streamed), no
    bundled-GEMM design; equal to numpy."""
    M, N, K = 128, 128, 256
    mod = dato.build(gemm_relu(dato.int16, dato.int32, M, N, K, 4), target="aie", project=tmp_path)
    text = (tmp_path / "aie.mlir").read_text()
    assert "dato.gemm_design" not in text and text.count("aie.core(") == 16
    assert "GEMM route: general lowering on 16 core(s)" in mod.report()  # the decision
    a, b = operands(dato.int16, M, N, K)
    c = np.zeros((M, N), np.int32)
    mod(a, b, c)
    np.testing.assert_array_equal(c, np.maximum(a.astype(np.int64) @ b.astype(np.int64), 0))


def test_two_bundled_gemms_are_refused_with_the_remedy():
    """Two bundled GEMMs in one region: the second cannot share fifos per
    core; the refusal names both tasks and what the user can change."""
    T, Acc = dato.int16, dato.int32
    M = N = 64
    K = 128

    @dato.region()
    def top(A: T[M, K], B: T[K, N], C: Acc[M, N], D: T[M, K], E: T[K, N], F: Acc[M, N]):
        @dato.kernel(mapping=[4, 4], args=[A, B, C])
        def mm(a: T[M, K] @ [S(0), R], b: T[K, N] @ [R, S(1)], c: Acc[M, N] @ [S(0), S(1)]):
            c[:, :] = dato.matmul(a, b)

        @dato.kernel(mapping=[4, 4], args=[D, E, F])
        def mm2(a: T[M, K] @ [S(0), R], b: T[K, N] @ [R, S(1)], c: Acc[M, N] @ [S(0), S(1)]):
            c[:, :] = dato.matmul(a, b)

    with pytest.raises(dato.DatoError) as err:
        dato.build(
            top, target="aie", mapping_primitives=quads("mm", 4, 2, 2) + quads("mm2", 4, 2, 2)
        )
    message = str(err.value)
    assert "GEMM tasks @mm and @mm2 are both bundled" in message
    assert "put the GEMMs in separate regions, or leave @mm2 one task per core" in message
