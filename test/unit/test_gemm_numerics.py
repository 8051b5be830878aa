"""GEMM numerics every executor must share, against numpy:

- `linalg.matmul` accumulates into its output (C += A @ B): from a non-zero C,
  with non-square shapes and int16 values over the whole range (products wrap);
- a K-streamed NPU GEMM (K too large for one tile's memory, so the kernel
  accumulates K tile after K tile) of non-square shapes, where swapped A or B
  strides or a kernel that overwrites C give other numbers;
- bfloat16 GEMM accumulates in float32 and rounds once per result: inputs
  whose per-step rounding shows, a tolerance derived from bf16's precision
  (8 significant bits) and K, and a check that per-step rounding falls
  outside it."""

import subprocess
import sys
from pathlib import Path

import ml_dtypes
import numpy as np
import pytest
from xdsl.context import Context
from xdsl.parser import Parser
from xdsl.universe import Universe

import dato_xdsl as dato
from dato_xdsl.targets.hls import HlsProject
from dato_xdsl.targets.simulator import simulate
from test.unit.programs import dato_programs as progs

BF16 = ml_dtypes.bfloat16
TOOL = Path(__file__).parents[2] / "tools" / "dato-opt"
RNG = np.random.default_rng(20)


def context() -> Context:
    ctx = Context()
    for name, dialect in Universe.get_multiverse().all_dialects.items():
        ctx.register_dialect(name, dialect)
    return ctx


def matmul_region(m: int, k: int, n: int, t: str) -> str:
    a, b, c = f"memref<{m}x{k}x{t}>", f"memref<{k}x{n}x{t}>", f"memref<{m}x{n}x{t}>"
    return f"""
dato.region @mm(%A : {a}, %B : {b}, %C : {c}) {{
  dato.task @t grid [1] (%A : {a} [R, R], %B : {b} [R, R], %C : {c} [R, R]) {{
  ^bb0(%a : {a}, %b : {b}, %c : {c}):
    linalg.matmul ins(%a, %b : {a}, {b}) outs(%c : {c})
  }}
}}
"""


def run_on(executor: str, text: str, arrays: list[np.ndarray], tmp_path: Path) -> None:
    """The dato IR text on the simulator, or through dato-opt's HLS lowering
    and the C simulation."""
    if executor == "simulator":
        simulate(Parser(context(), text, "mm.mlir").parse_module(), arrays)
        return
    source = tmp_path / "mm.mlir"
    source.write_text(text)
    lowered = subprocess.run(
        [sys.executable, str(TOOL), str(source), "-p", "dato-virtual-map,convert-dato-to-vhls"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert lowered.returncode == 0, lowered.stderr
    module = Parser(context(), lowered.stdout, "mm_vhls.mlir").parse_module()
    HlsProject(module, tmp_path / "hls").run(arrays, mode="concurrent")


@pytest.mark.parametrize("executor", ["simulator", "hls"])
def test_linalg_matmul_accumulates_into_a_nonzero_c(executor, tmp_path):
    M, K, N = 3, 7, 5
    info = np.iinfo(np.int16)
    A = RNG.integers(info.min, info.max + 1, (M, K)).astype(np.int16)
    B = RNG.integers(info.min, info.max + 1, (K, N)).astype(np.int16)
    A[0, 0], B[0, 0] = info.min, info.min  # (-2^15)^2 wraps to 0 in int16
    C = RNG.integers(info.min, info.max + 1, (M, N)).astype(np.int16)
    want = (C.astype(np.int64) + A.astype(np.int64) @ B.astype(np.int64)).astype(np.int16)
    run_on(executor, matmul_region(M, K, N, "i16"), [A, B, C], tmp_path)
    np.testing.assert_array_equal(C, want)


@pytest.mark.parametrize("executor", ["simulator", "hls"])
def test_float_matmul_accumulates_into_a_nonzero_c(executor, tmp_path):
    M, K, N = 4, 3, 2
    A = RNG.integers(-8, 8, (M, K)).astype(np.float32)
    B = RNG.integers(-8, 8, (K, N)).astype(np.float32)
    C = RNG.integers(-100, 100, (M, N)).astype(np.float32) + np.float32(0.5)
    want = C + A @ B  # small integers and halves: exact in float32
    run_on(executor, matmul_region(M, K, N, "f32"), [A, B, C], tmp_path)
    np.testing.assert_array_equal(C, want)


@pytest.mark.parametrize(("M", "N", "K"), [(64, 32, 768), (32, 64, 640)])
def test_k_streamed_gemm_of_non_square_shapes(M, N, K, tmp_path):
    """A 2x2 grid: each core's A tile (M/2 x K) and B tile (K x N/2) of int16
    need 2 x (M/2 + N/2) x K x 2 bytes double-buffered, over the 63 KiB a
    compute tile has, so K is streamed in several steps that accumulate into C."""
    assert 2 * (M // 2 + N // 2) * K * 2 > 63 * 1024
    mod = dato.build(progs.tiled_gemm(dato.int16, M, N, K), target="aie", project=tmp_path)
    info = np.iinfo(np.int16)
    A = RNG.integers(info.min, info.max + 1, (M, K)).astype(np.int16)
    B = RNG.integers(info.min, info.max + 1, (K, N)).astype(np.int16)
    C = np.full((M, N), 12345, np.int16)
    mod(A, B, C)
    want = (A.astype(np.int64) @ B.astype(np.int64)).astype(np.int16)
    np.testing.assert_array_equal(C, want)


# ------------------------------------------------------------------ bfloat16

EPS_BF16 = 2.0**-8  # unit roundoff: 8 significant bits, round to nearest
EPS_F32 = 2.0**-24


def bf16_inputs(shape) -> np.ndarray:
    """Positive values in [1, 2) with all 7 fraction bits used: partial sums
    only grow, so rounding each step to bf16 drifts by up to half an ulp of a
    large partial sum per step."""
    return (1 + RNG.integers(0, 128, shape) / 128).astype(BF16)


def once_tolerance(A, B, K: int) -> np.ndarray:
    """|got - exact| for a float32 accumulation rounded once to bf16: half a
    bf16 ulp of the result (eps_bf16 * |exact|), plus the float32 sum's own
    error bound (K * eps_f32 * sum |a||b|)."""
    a, b = A.astype(np.float64), B.astype(np.float64)
    exact = a @ b
    return EPS_BF16 * np.abs(exact) + K * EPS_F32 * (np.abs(a) @ np.abs(b))


def per_step(A, B) -> np.ndarray:
    """What a kernel rounding its accumulator to bf16 at every step gives."""
    M, K = A.shape
    acc = np.zeros((M, B.shape[1]), BF16)
    for p in range(K):
        prod = A[:, p : p + 1].astype(np.float32) * B[p : p + 1, :].astype(np.float32)
        acc = (acc.astype(np.float32) + prod).astype(BF16)
    return acc.astype(np.float64)


@pytest.mark.parametrize("target", ["simulator", "aie", "hls"])
def test_bf16_gemm_rounds_once(target, tmp_path):
    M, N, K = 8, 12, 64  # 2x2 grid: 4x64 by 64x6 per task, one kernel call each
    A, B = bf16_inputs((M, K)), bf16_inputs((K, N))
    exact = A.astype(np.float64) @ B.astype(np.float64)  # exact: 16-bit products, 64 terms
    tol = once_tolerance(A, B, K)
    # the data tells the two apart: per-step rounding is off by more than tol
    assert (np.abs(per_step(A, B) - exact) > tol).mean() > 0.5
    options = {} if target == "simulator" else {"project": tmp_path}
    mod = dato.build(progs.tiled_gemm(dato.bfloat16, M, N, K), target=target, **options)
    C = np.zeros((M, N), BF16)
    mod(A, B, C)
    err = np.abs(C.astype(np.float64) - exact)
    assert (err <= tol).all(), f"max error {err.max()} over the tolerance {tol[err > tol]}"
