# ruff: noqa: F821 (streams are declared by annotations)
"""dato-npu-converted-operands: a matmul operand the frontend converts whole
(`dato.matmul(p, v)`, p f32 and v bf16: v becomes an f32 local) is converted
a K tile at a time on the NPU, so a core holds a few f32 rows of v instead of
all of them beside v. Programs are built from the frontend's IR with the pass
applied (`build_compiled`), so the rewrite itself is checked whatever
pipeline a target runs. The library's matmuls add each product in K order
into the output element, so the reference is that sum, in float32 step by
step (numpy), bit for bit; integers bit for bit with numpy."""

import ml_dtypes
import numpy as np
from xdsl.context import Context
from xdsl.dialects import scf
from xdsl.dialects.linalg import ops as linalg

import dato_xdsl as dato
from dato_xdsl import Layout, Stream, bfloat16, float32, int8, int16, int32
from dato_xdsl.frontend.build import build_compiled, compile_region
from dato_xdsl.transforms.npu_converted_operands import NpuConvertedOperandsPass

S, R = Layout.Shard, Layout.Replicate
RNG = np.random.default_rng(3131)
BF16 = ml_dtypes.bfloat16


def converted(top, target: str, **options):
    module, params = compile_region(top)
    NpuConvertedOperandsPass().apply(Context(), module)
    return module, build_compiled(module, params, target, **options)


def k_order_f32(p: np.ndarray, v: np.ndarray) -> np.ndarray:
    """sum_k p[i, k] * v[k, j], each product and each sum rounded to float32, k in order."""
    acc = np.zeros((p.shape[0], v.shape[1]), np.float32)
    vf = v.astype(np.float32)
    for k in range(p.shape[1]):
        acc = (acc + np.outer(p[:, k], vf[k]).astype(np.float32)).astype(np.float32)
    return acc


def pv(L: int, D: int, B: int):
    """The attention probe's pv stage: B tasks each multiply a block of P
    (f32, got from a stream) by V (bf16)."""
    QB = L // B

    @dato.region()
    def top(P: float32[L, L], V: bfloat16[L, D], Out: float32[L, D]):
        ps: Stream[float32[QB, L], 2][B]

        @dato.kernel(mapping=[B], args=[P])
        def ld(p: float32[L, L] @ [S(0), R]):
            i = dato.get_pid()
            ps[i].put(p)

        @dato.kernel(mapping=[B], args=[V, Out])
        def mul(v: bfloat16[L, D], o: float32[L, D] @ [S(0), R]):
            i = dato.get_pid()
            o[:, :] = dato.matmul(ps[i].get(), v)

    return top


def test_pv_bf16_maps_on_npu1_and_sums_in_k_order(tmp_path):
    L, D, B = 128, 64, 4
    module, mod = converted(pv(L, D, B), "aie", device="npu1", project=tmp_path)
    # the whole-V conversion is gone: V's f32 copy (32 KiB) took pv's core to
    # 64.25 KiB (refused); the matmul runs in K tiles of 8 (8 x (32 + 64) x 4
    # = 3 KiB of locals)
    loops = [op for op in module.walk() if isinstance(op, scf.ForOp)]
    assert any(loop.step.owner.value.value.data == 8 for loop in loops)  # type: ignore[attr-defined]
    (mm,) = [op for op in module.walk() if isinstance(op, linalg.MatmulOp)]
    assert mm.inputs[1].type.get_shape() == (8, 64)
    p = RNG.standard_normal((L, L)).astype(np.float32)
    v = RNG.standard_normal((L, D)).astype(BF16)
    o = np.zeros((L, D), np.float32)
    mod(p, v, o)
    want = np.concatenate([k_order_f32(p[i * 32 : (i + 1) * 32], v) for i in range(B)])
    np.testing.assert_array_equal(o, want)


def test_int16_by_int8_converts_b_in_k_tiles_bit_for_bit(tmp_path):
    """B (int8) is widened to int16 per K tile (64 x 16 and 16 x 64 int16
    locals, 4 KiB) and A multiplied by it into int32, wrapping as numpy's."""
    M, K, N = 64, 128, 64

    @dato.region()
    def top(A: int16[M, K], B: int8[K, N], C: int32[M, N]):
        @dato.kernel(mapping=[1], args=[A, B, C])
        def mm(a: int16[M, K], b: int8[K, N], c: int32[M, N]):
            c[:, :] = dato.matmul(a, b, dtype=int32)

    module, mod = converted(top, "aie", project=tmp_path)
    (mm,) = [op for op in module.walk() if isinstance(op, linalg.MatmulOp)]
    assert mm.inputs[1].type.get_shape() == (16, 64)
    a = RNG.integers(-(2**15), 2**15, (M, K)).astype(np.int16)
    b = RNG.integers(-128, 128, (K, N)).astype(np.int8)
    c = np.zeros((M, N), np.int32)
    mod(a, b, c)
    want = (a.astype(np.int64) @ b.astype(np.int64)).astype(np.uint64).astype(np.uint32)
    np.testing.assert_array_equal(c.view(np.uint32), want)
