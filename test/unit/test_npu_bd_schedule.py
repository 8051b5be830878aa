"""Buffer-descriptor scheduling of the runtime sequence (dato-npu-runtime-sequence):
a shim column with more dma_memcpy_nd calls than its 16 BDs (npu1) waits for a
running call before reusing its BD. Waiting on a call whose data a core takes
only beside a call not issued yet hangs (gemm_quant(1024, 1024, 256, 16, 8):
the sequence waited on A_in0's last call before B_in0's last call was issued,
and the row-2 cores that take both waited for B). These designs used to hang on
the virtual NPU (it reports the deadlock); they now finish and equal numpy.
Each run is guarded by an alarm so a regression fails instead of spinning."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Layout, int8, int32
from dato_xdsl.transforms.npu_runtime_sequence import runtime_sequence
from test.unit.programs import npu_fanout_programs as fp
from test.unit.test_emitted_aie_rules import parse

S, R = Layout.Shard, Layout.Replicate
RNG = np.random.default_rng(1130)
GUARD_SECONDS = 600


@contextmanager
def guard(seconds: int = GUARD_SECONDS) -> Iterator[None]:
    """Fail the test after `seconds` (a hang that escapes the virtual NPU's own
    deadlock report and timeout)."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"the design ran longer than {seconds} s")

    old = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def gemm_quant(M: int, N: int, K: int, P0: int, P1: int):
    """int8 GEMM accumulated in int32, requantised (>> 7, clamped to int8) in
    the same task."""

    @dato.region()
    def top(A: int8[M, K], B: int8[K, N], C: int8[M, N]):
        @dato.kernel(mapping=[P0, P1], args=[A, B, C])
        def mm(a: int8[M, K] @ [S(0), R], b: int8[K, N] @ [R, S(1)], c: int8[M, N] @ [S(0), S(1)]):
            acc: int32[M // P0, N // P1] = dato.matmul(a, b)
            for x in range(M // P0):
                for y in range(N // P1):
                    v: int32 = acc[x, y] >> 7
                    v = 127 if v > 127 else v
                    v = -128 if v < -128 else v
                    c[x, y] = v

    return top


@pytest.mark.parametrize(
    "M,N,K,P0,P1",
    [
        # 16 x 8 tasks folded onto 4 x 4 cores: column 0 moves A_in0 and
        # A_in1 (8 calls each) and C_out0 (16 calls) with 16 BDs
        (1024, 1024, 256, 16, 8),
        # 4 x 4 tasks that dato-npu-retile-gemm cuts into a 16 x 16 grid
        (1024, 1024, 1024, 4, 4),
    ],
)
def test_gemm_quant_over_the_shim_bds_equals_numpy(tmp_path, M, N, K, P0, P1):
    A = RNG.integers(-128, 128, (M, K)).astype(np.int8)
    B = RNG.integers(-128, 128, (K, N)).astype(np.int8)
    want = np.clip((A.astype(np.int32) @ B.astype(np.int32)) >> 7, -128, 127).astype(np.int8)
    with guard():
        mod = dato.build(gemm_quant(M, N, K, P0, P1), target="aie", project=tmp_path)
        C = np.zeros((M, N), np.int8)
        mod(A, B, C)
    np.testing.assert_array_equal(C, want)
    # the schedule did run out of BDs: some call reuses one after a wait
    sequence = (tmp_path / "aie.mlir").read_text().split("aie.runtime_sequence")[1]
    assert sequence.index("aiex.npu.dma_wait") < sequence.rindex("aiex.npu.dma_memcpy_nd")


def test_fir_32_taps_on_two_columns_equals_numpy():
    taps, n = 32, 256
    X = RNG.integers(-50, 50, n).astype(np.int32)
    H = RNG.integers(-5, 5, taps).astype(np.int32)
    with guard():
        mod = dato.build(fp.fir(int32, taps, n), target="aie", device="npu1_2col")
        Y = np.zeros(n, np.int32)
        mod(X, H, Y)
    np.testing.assert_array_equal(Y, np.convolve(X, H)[:n].astype(np.int32))


def _fifo(name: str, k: int) -> str:
    return (
        f"  aie.objectfifo @{name}(%shim_c0, {{%core_c0_r2}}, 1 : i32) {{dato.host_arg = 0 : i64, "
        f"dato.dma_offsets = array<i64: {16 * k}>, dato.dma_sizes = [array<i64: 1, 1, 1, 16>], "
        "dato.dma_strides = [array<i64: 0, 0, 16, 1>]} : !aie.objectfifo<memref<16xi32>>"
    )


def test_no_safe_wait_is_refused_naming_the_column_and_its_fifos():
    # 17 one-call transfers on shim column 0: each finishes only at the end
    # of the run (stage 1), so no running call can be awaited before all are
    # issued, and the 17th finds no BD
    fifos = "\n".join(_fifo(f"X{k}", k) for k in range(17))
    module = parse(
        "aie.device(npu1) {\n  %shim_c0 = aie.tile(0, 0)\n  %core_c0_r2 = aie.tile(0, 2)\n"
        f'{fifos}\n}} {{dato.host_args = [memref<17x16xi32>], dato.host_names = ["A"]}}\n'
    )
    device = next(op for op in module.walk() if op.name == "aie.device")
    with pytest.raises(Exception) as err:
        runtime_sequence(device)  # type: ignore[arg-type]
    text = str(err.value)
    assert "shim column 0 moves 17 host transfer calls" in text
    assert "@X0: 1 call," in text and "@X16: 1 call)" in text
    assert "16 buffer descriptors" in text and "aie.mlir:1:1" in text
