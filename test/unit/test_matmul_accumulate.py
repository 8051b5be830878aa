# ruff: noqa: F821 (streams are declared by annotations)
"""dato-matmul-accumulate: `acc[:, :] = dato.add(acc, dato.matmul(a, b))` and
`acc[:, :] += dato.matmul(a, b)` accumulate into acc (linalg.matmul adds into
its output) instead of a product local, a sum local and a copy back: a
K-blocked GEMM holds its accumulator once. Programs are built from the
frontend's IR with the pass applied (`build_compiled`), so what is checked is
the rewrite itself, whatever pipeline a target runs. Integers are compared
with numpy bit for bit; f32 on the simulator bit for bit with the program as
written."""

import re

import ml_dtypes
import numpy as np
import pytest
from xdsl.context import Context
from xdsl.dialects import memref
from xdsl.dialects.linalg import ops as linalg

import dato_xdsl as dato
from dato_xdsl import Stream, bfloat16, float32, int8, int32
from dato_xdsl.frontend.build import build_compiled, compile_region
from dato_xdsl.transforms.matmul_accumulate import MatmulAccumulatePass

RNG = np.random.default_rng(1212)
BF16 = ml_dtypes.bfloat16


def blocked(T, MB: int, CH: int, NK: int, plus: bool):
    """A loader puts NK K-blocks of A and B; one task accumulates their
    products into an MB x MB local, written out once."""

    @dato.region()
    def top(A: T[MB, CH * NK], B: T[CH * NK, MB], C: T[MB, MB]):
        fa: Stream[T[MB, CH], 2]
        fb: Stream[T[CH, MB], 2]

        @dato.kernel(mapping=[1], args=[A, B])
        def ld(a: T[MB, CH * NK], b: T[CH * NK, MB]):
            for k in range(NK):
                fa.put(a[:, k * CH : (k + 1) * CH])
                fb.put(b[k * CH : (k + 1) * CH, :])

        @dato.kernel(mapping=[1], args=[C])
        def pe(c: T[MB, MB]):
            acc: T[MB, MB] = 0
            for _k in range(NK):
                with dato.meta_if(plus):
                    acc[:, :] += dato.matmul(fa.get(), fb.get())
                with dato.meta_else():
                    acc[:, :] = dato.add(acc, dato.matmul(fa.get(), fb.get()))
            c[:, :] = acc

    return top


def accumulated(top, target: str, **options):
    """`top` built for `target` with dato-matmul-accumulate applied to the
    frontend's IR."""
    module, params = compile_region(top)
    MatmulAccumulatePass().apply(Context(), module)
    return module, build_compiled(module, params, target, **options)


def ops_of(module, kind) -> list:
    return [op for op in module.walk() if isinstance(op, kind)]


@pytest.mark.parametrize("plus", [False, True])
def test_blocked_accumulation_holds_acc_once_on_npu1(tmp_path, plus):
    MB, CH, NK = 64, 32, 3
    module, mod = accumulated(blocked(int32, MB, CH, NK, plus), "aie", project=tmp_path)
    # the product and the sum locals are gone: one matmul into acc, no add
    (mm,) = ops_of(module, linalg.MatmulOp)
    assert mm.outputs[0].name_hint == "acc"
    assert not ops_of(module, linalg.AddOp)
    # pe's core holds the 16 KiB accumulator at most once (it was refused at
    # 80 KiB: 64 KiB of locals, four 64 x 64 int32 blocks, and C); since
    # dato-local-copy-elision it is computed straight into C's block
    text = (mod.project / "aie.mlir").read_text()
    assert len(re.findall(r"aie\.buffer\([^)]*\) : memref<64x64xi32>", text)) <= 1
    a = RNG.integers(-(2**31), 2**31, (MB, CH * NK), dtype=np.int64).astype(np.int32)
    b = RNG.integers(-(2**31), 2**31, (CH * NK, MB), dtype=np.int64).astype(np.int32)
    c = np.zeros((MB, MB), np.int32)
    mod(a, b, c)
    # int32 wraps: the low 32 bits of the exact sum
    exact = a.astype(object) @ b.astype(object)
    want = np.array([[v % 2**32 for v in row] for row in exact], np.uint64).astype(np.uint32)
    np.testing.assert_array_equal(c.view(np.uint32), want)


def test_blocked_accumulation_on_the_simulator_int32_and_f32():
    MB, CH, NK = 8, 4, 3
    a = RNG.integers(-(2**31), 2**31, (MB, CH * NK), dtype=np.int64).astype(np.int32)
    b = RNG.integers(-(2**31), 2**31, (CH * NK, MB), dtype=np.int64).astype(np.int32)
    c = np.zeros((MB, MB), np.int32)
    _, mod = accumulated(blocked(int32, MB, CH, NK, False), "simulator")
    mod(a, b, c)
    wrapped = (a.astype(np.uint64) @ b.astype(np.uint64)).astype(np.uint32)  # mod 2^64, then 2^32
    np.testing.assert_array_equal(c.view(np.uint32), wrapped)
    # f32: the simulator adds the block's product to acc as the program wrote
    # it (one rounding of acc + a @ b): the same bits with and without the pass
    x = RNG.standard_normal((MB, CH * NK)).astype(np.float32)
    y = RNG.standard_normal((CH * NK, MB)).astype(np.float32)
    out = [np.zeros((MB, MB), np.float32) for _ in range(2)]
    _, rewritten = accumulated(blocked(float32, MB, CH, NK, True), "simulator")
    rewritten(x, y, out[0])
    written = dato.build(blocked(float32, MB, CH, NK, True), target="simulator")
    written(x, y, out[1])
    np.testing.assert_array_equal(out[0], out[1])
    np.testing.assert_allclose(out[0], x.astype(np.float64) @ y, rtol=1e-5, atol=1e-5)


def test_blocked_f32_accumulation_on_the_virtual_npu(tmp_path):
    MB, CH, NK = 16, 8, 4
    _, mod = accumulated(blocked(float32, MB, CH, NK, False), "aie", project=tmp_path)
    x = RNG.standard_normal((MB, CH * NK)).astype(np.float32)
    y = RNG.standard_normal((CH * NK, MB)).astype(np.float32)
    out = np.zeros((MB, MB), np.float32)
    mod(x, y, out)
    np.testing.assert_allclose(out, x.astype(np.float64) @ y, rtol=1e-5, atol=1e-5)


def test_one_accumulation_is_the_gemm_design_streaming_k(tmp_path):
    """`acc = 0; acc = acc + a @ b; c = acc` becomes the GEMM form (alloc,
    fill, matmul, copy out): the product is computed in C's object, A and B
    stream in K tiles (A is 128 KiB), the core holds no local block."""
    M, K, N = 32, 1024, 32

    @dato.region()
    def top(A: int32[M, K], B: int32[K, N], C: int32[M, N]):
        @dato.kernel(mapping=[1], args=[A, B, C])
        def mm(a: int32[M, K], b: int32[K, N], c: int32[M, N]):
            acc: int32[M, N] = 0
            acc[:, :] = dato.add(acc, dato.matmul(a, b))
            c[:, :] = acc

    module, mod = accumulated(top, "aie", project=tmp_path)
    body = [op for op in ops_of(module, memref.AllocOp)]
    assert len(body) == 1  # acc only
    text = (mod.project / "aie.mlir").read_text()
    assert "aie.buffer(" not in text
    assert re.search(r"aie\.objectfifo @A_in0\(.*memref<32x(\d+)xi32>", text)
    a = RNG.integers(-1000, 1000, (M, K)).astype(np.int32)
    b = RNG.integers(-1000, 1000, (K, N)).astype(np.int32)
    c = np.zeros((M, N), np.int32)
    mod(a, b, c)
    np.testing.assert_array_equal(c, (a.astype(np.int64) @ b).astype(np.int32))


def mixed(T, A, M: int, K: int, steps: int):
    """`acc: A = 0; acc += matmul(x_s, y_s)` over `steps` K blocks of T
    operands (the frontend widens the product to acc's type)."""

    @dato.region()
    def top(X: T[M, K * steps], Y: T[K * steps, M], C: A[M, M]):
        @dato.kernel(mapping=[1], args=[X, Y, C])
        def mm(x: T[M, K * steps], y: T[K * steps, M], c: A[M, M]):
            acc: A[M, M] = 0
            with dato.meta_for(steps) as s:
                acc[:, :] += dato.matmul(x[:, s * K : (s + 1) * K], y[s * K : (s + 1) * K, :])
            c[:, :] = acc

    return top


@pytest.mark.parametrize("wide", [False, True])
def test_mixed_precision_accumulators_on_the_virtual_npu(tmp_path, wide):
    """int8 blocks into an int32 accumulator (bit for bit) and bf16 blocks
    into an f32 one: the product is computed at the accumulator's width
    straight into it (the i8_i32 / bf16_f32 library kernels)."""
    M, K, steps = 16, 16, 3
    T, A = (bfloat16, float32) if wide else (int8, int32)
    module, mod = accumulated(mixed(T, A, M, K, steps), "aie", project=tmp_path)
    assert not ops_of(module, linalg.AddOp)
    assert {mm.outputs[0].name_hint for mm in ops_of(module, linalg.MatmulOp)} == {"acc"}
    if not wide:
        x = RNG.integers(-128, 128, (M, K * steps)).astype(np.int8)
        y = RNG.integers(-128, 128, (K * steps, M)).astype(np.int8)
        c = np.zeros((M, M), np.int32)
        mod(x, y, c)
        np.testing.assert_array_equal(c, x.astype(np.int64) @ y.astype(np.int64))
        return
    xb = RNG.standard_normal((M, K * steps)).astype(BF16)
    yb = RNG.standard_normal((K * steps, M)).astype(BF16)
    out = np.zeros((M, M), np.float32)
    mod(xb, yb, out)
    exact = xb.astype(np.float64) @ yb.astype(np.float64)
    np.testing.assert_allclose(out, exact, rtol=1e-5, atol=1e-5)
