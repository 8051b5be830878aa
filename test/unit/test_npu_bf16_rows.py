"""bf16 arrays whose rows are not whole 32-bit DMA words (3 or 5 elements of
16 bits) move padded to the next whole word on the NPU (npu_padding: every
row of L travels as Lp, the padding zero) instead of being refused; the
results are the simulator's bit for bit and numpy's within bf16 rounding."""

import ml_dtypes
import numpy as np

import dato_xdsl as dato
from test.unit.programs import dato_programs as progs
from test.unit.test_mutants_arith import bf16_math_program

BF16 = ml_dtypes.bfloat16


def padded_rows(mod) -> str:
    text = str(mod.ir)
    return text[text.index("dato.padded_rows") :].split(">")[0] if "padded_rows" in text else ""


def test_odd_bf16_rows_of_an_elementwise_kernel_move_padded(tmp_path):
    a = np.array([1.0078125, -0.62890625, 2.015625, 0.33203125, 3.96875], BF16)
    out = np.zeros(a.size, BF16)
    mod = dato.build(bf16_math_program(a.size), target="aie", project=tmp_path / "aie")
    mod(a, out)
    af = a.astype(np.float32)
    e = np.exp(af).astype(BF16).astype(np.float32)  # exp rounds once to bf16
    want = (e * af).astype(BF16)  # the product rounds once more
    np.testing.assert_array_equal(out.view(np.uint16), want.view(np.uint16))
    # both arrays: rows of 5 x 16 bits travel as 6 (three words)
    assert padded_rows(mod) == "dato.padded_rows = array<i64: 0, 5, 6, 1, 5, 6"


def test_systolic_bf16_with_rows_of_three_moves_padded(tmp_path):
    T = dato.bfloat16
    M, N, K = 4, 3, 6
    rng = np.random.default_rng(12)
    A = rng.standard_normal((M, K)).astype(BF16)
    B = rng.standard_normal((K, N)).astype(BF16)
    want = np.zeros((M, N), BF16)
    dato.build(progs.systolic_2d(T, M, N, K))(A, B, want)
    got = np.zeros((M, N), BF16)
    mod = dato.build(progs.systolic_2d(T, M, N, K), target="aie", project=tmp_path / "aie")
    mod(A, B, got)
    np.testing.assert_array_equal(got.view(np.uint16), want.view(np.uint16))
    exact = A.astype(np.float64) @ B.astype(np.float64)
    np.testing.assert_allclose(got.astype(np.float64), exact, rtol=2**-6, atol=2**-5)
    assert ", 3, 4," in padded_rows(mod)  # a row of 3 x 16 bits travels as 4 (two words)
