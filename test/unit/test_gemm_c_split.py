"""A vector GEMM whose C blocks leave each column by two memtile joins, one
per shim output channel (npu_gemm_design.Reuse.c_split, chosen by
plan_reuse's stated cost; SPLIT_C_JOINS, on by default, allows it): each
join carries half the column's compute rows, so the shim channel moving C
carries half the bytes. AM020 ("Array Interface DMA Memory-Mapped AXI4
Master Interface"): a shim tile has two S2MM channels of 4 bytes per cycle
each, "8 GB/s write in parallel"; a memtile has six MM2S channels, of which
the design uses A's + B's + 2. Checked in the IR, in the modeled time of
that channel (half of the single join's, MODELED by perf_model) and on the
virtual NPU against numpy."""

import ml_dtypes
import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Layout, devices
from dato_xdsl.targets.aie import perf_model
from dato_xdsl.transforms import npu_gemm_design

S, R = Layout.Shard, Layout.Replicate
RNG = np.random.default_rng(2024)


def gemm_program(T, Acc, M: int, N: int, K: int, g: int):
    @dato.region()
    def gemm(A: T[M, K], B: T[K, N], C: Acc[M, N]) -> None:
        @dato.kernel(mapping=[g, g], args=[A, B, C])
        def tile(a: T[M, K] @ [S(0), R], b: T[K, N] @ [R, S(1)], c: Acc[M, N] @ [S(0), S(1)]):
            c[:, :] = dato.matmul(a, b)

    return gemm


def blocked(g: int, rows: int, cols: int) -> list[tuple[str, list[str]]]:
    p, q = g // rows, g // cols
    return [
        (
            "bundle",
            [f"tile_{i}_{j}" for i in range(r * p, r * p + p) for j in range(c * q, c * q + q)],
        )
        for r in range(rows)
        for c in range(cols)
    ]


def c_channel(ir) -> perf_model.ChannelModel:
    """The busiest shim channel moving C (MODELED)."""
    (model,) = perf_model.models(ir)
    return max(
        (ch for ch in model.channels if ch.kind == "shim" and "@C_" in ch.name),
        key=lambda ch: ch.cycles,
    )


# (device, type, M, N, K, task grid, core rows, core columns): K small, so C's
# shim channel is the limit of the single-join design
CASES = [
    ("npu1", "int8", 128, 128, 64, 4, 2, 2),
    ("npu1", "int16", 256, 128, 128, 8, 4, 4),
    ("npu2", "int8", 128, 256, 64, 8, 4, 4),
]


@pytest.mark.parametrize(("device", "name", "M", "N", "K", "g", "rows", "cols"), CASES)
def test_two_c_joins_per_column(device, name, M, N, K, g, rows, cols, monkeypatch):
    T = {"int8": dato.int8, "int16": dato.int16}[name]
    prims = blocked(g, rows, cols)
    monkeypatch.setattr(npu_gemm_design, "SPLIT_C_JOINS", False)
    single = dato.build(
        gemm_program(T, dato.int32, M, N, K, g),
        target="aie",
        device=device,
        mapping_primitives=prims,
    )
    monkeypatch.setattr(npu_gemm_design, "SPLIT_C_JOINS", True)
    mod = dato.build(
        gemm_program(T, dato.int32, M, N, K, g),
        target="aie",
        device=device,
        mapping_primitives=prims,
    )
    text = str(mod.ir)
    m, n, half = M // g, N // g, rows // 2
    # join h of column 0 takes compute rows h*half .. (h+1)*half - 1, to the shim's channel
    for h in range(2):
        parts = ", ".join(f"@C_c0_r{r}" for r in range(h * half, (h + 1) * half))
        offsets = ", ".join(str(k * m * n) for k in range(half)) if half > 1 else ""
        assert f"aie.objectfifo.link [{parts}] -> [@C_col0_{h}]([{offsets}] [])" in text
        assert f"@C_col0_{h}(%mem_c0 dimensionsToStream" in text
        assert f"{{%shim_c0}}, 2 : i32) : !aie.objectfifo<memref<{half * m * n}xi32>>" in text
    assert "C leaves each column by 2 joins" in mod.report()
    # the channel moving C carries half the bytes in as many objects (MODELED): its
    # cycles are those bytes at the shim's rate plus one BD switch per object
    one, split = c_channel(single.ir), c_channel(mod.ir)
    assert (split.bytes, split.objects) == (one.bytes // 2, one.objects)
    bw = devices.NPU_DMA_BYTES_PER_CYCLE[devices.DEVICES[device].arch]["shim"]
    want = split.bytes / bw + split.objects * perf_model.BD_CYCLES
    assert split.cycles == pytest.approx(want)
    assert split.cycles < one.cycles
    lo = 128 if name == "int8" else 1000
    a = RNG.integers(-lo, lo, (M, K)).astype(T.numpy)
    b = RNG.integers(-lo, lo, (K, N)).astype(T.numpy)
    c = np.zeros((M, N), np.int32)
    mod(a, b, c)
    np.testing.assert_array_equal(c, a.astype(np.int64) @ b.astype(np.int64))


def test_bf16_with_two_c_joins():
    """bf16 -> f32 on npu1, 4 core rows, the default (SPLIT_C_JOINS on): each
    join holds 2 rows' blocks."""
    assert npu_gemm_design.SPLIT_C_JOINS
    M, N, K = 256, 128, 64
    mod = dato.build(
        gemm_program(dato.bfloat16, dato.float32, M, N, K, 8),
        target="aie",
        mapping_primitives=blocked(8, 4, 4),
    )
    assert "@C_col0_1" in str(mod.ir)
    a = RNG.standard_normal((M, K)).astype(ml_dtypes.bfloat16)
    b = RNG.standard_normal((K, N)).astype(ml_dtypes.bfloat16)
    c = np.zeros((M, N), np.float32)
    mod(a, b, c)
    exact = a.astype(np.float64) @ b.astype(np.float64)
    mags = np.abs(a.astype(np.float64)) @ np.abs(b.astype(np.float64))
    assert np.all(np.abs(c - exact) <= K * 2.0**-24 * mags)
