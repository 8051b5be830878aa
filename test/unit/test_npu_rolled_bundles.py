"""A bundle's members are rolled into a loop in the core body (their code is
the same up to their local streams' counters, merged into one buffer with a
member dimension), so program memory stays small: a K-chained, bundled
batched GEMM (Allo's test_batched_gemm, scaled down) runs on the virtual NPU
equal to numpy with non-square shapes, and its cores' estimated program size
is below the unrolled body's."""

import re

import numpy as np

import dato_xdsl as dato
from dato_xdsl import Layout, Stream, int16, int32
from dato_xdsl.transforms import npu_core_bodies

S = Layout.Shard

M, N, K = 32, 64, 48
Pk, Pm, Pn = 3, 2, 4
Mt, Nt = M // Pm, N // Pn


def batched_gemm():
    @dato.region()
    def top(A: int16[M, K], B: int16[K, N], C: int16[M, N]):
        pipe: Stream[int16[Mt, Nt], 2][Pk - 1, Pm, Pn]

        @dato.kernel(mapping=[Pk, Pm, Pn], args=[A, B, C])
        def gemm(
            a: int16[M, K] @ [S(1), S(0)],
            b: int16[K, N] @ [S(0), S(2)],
            c: int16[M, N] @ [S(1), S(2)],
        ):
            pk, pm, pn = dato.get_pid()
            c_in: int16[Mt, Nt]
            with dato.meta_if(pk > 0):
                c_in[:, :] = pipe[pk - 1, pm, pn].get()  # noqa: F821
            with dato.meta_else():
                c_in[:, :] = 0  # noqa: F821
            c_out: int16[Mt, Nt] = dato.add(dato.matmul(a, b), c_in)  # noqa: F821
            with dato.meta_if(pk < Pk - 1):
                pipe[pk, pm, pn].put(c_out)  # noqa: F821
            with dato.meta_elif(pk == Pk - 1):
                c[:, :] = c_out

    return top


def _primitives():
    """Chain each (m, n) over K, then bundle the chains two by two (4 cores)."""
    prims, bases = [], {}
    for i in range(Pm):
        for j in range(Pn):
            base = f"gemm_0_{i}_{j}"
            for k in range(1, Pk):
                prims.append(("chain", [base, f"gemm_{k}_{i}_{j}"]))
                base += f"-gemm_{k}_{i}_{j}"
            bases[i, j] = base
    for i in range(Pm):
        for j in range(0, Pn, 2):
            prims.append(("bundle", [bases[i, j], bases[i, j + 1]]))
    return prims


def _run(tmp_path, name):
    rng = np.random.default_rng(7)
    a = rng.integers(-300, 300, (M, K)).astype(np.int16)
    b = rng.integers(-300, 300, (K, N)).astype(np.int16)
    c = np.full((M, N), 11, np.int16)  # overwritten whole
    mod = dato.build(
        batched_gemm(), target="aie", project=tmp_path / name, mapping_primitives=_primitives()
    )
    mod(a, b, c)
    want = (a.astype(np.int64) @ b.astype(np.int64)).astype(np.int16)  # wraps as int16
    np.testing.assert_array_equal(c, want)
    text = (tmp_path / name / "aie.mlir").read_text()
    sizes = [int(v) for v in re.findall(r"dato.program_bytes = (\d+)", text)]
    return text, max(sizes)


def test_bundled_chains_roll_and_equal_numpy(tmp_path, monkeypatch):
    text, rolled = _run(tmp_path, "rolled")
    # the members' loop: counters of the local streams merged with a member dimension
    assert re.search(r"memref\.load %\d+\[%\w+, %\w+\] : memref<2x1xi32>", text)
    monkeypatch.setattr(npu_core_bodies, "roll_members", lambda *_: 0)
    _, unrolled = _run(tmp_path, "unrolled")
    assert rolled < unrolled


def test_members_differing_by_their_pid_roll_with_a_stepping_value(tmp_path):
    """Eight bundled members whose code differs only in pid * 5 (a constant
    per member, stepping by 5): one loop computing it from the member's
    number; values equal numpy, uint8-range and negative inputs."""

    @dato.region()
    def top(A: int32[8, 16], B: int32[8, 16]):
        @dato.kernel(mapping=[8], args=[A, B])
        def t(
            a: int32[8, 16] @ [S(0), Layout.Replicate], b: int32[8, 16] @ [S(0), Layout.Replicate]
        ):
            p = dato.get_pid()
            for i in range(16):
                b[0, i] = a[0, i] * 3 + p * 5 + 7

    mod = dato.build(
        top,
        target="aie",
        project=tmp_path,
        mapping_primitives=[("bundle", [f"t_{k}" for k in range(8)])],
    )
    a = np.random.default_rng(8).integers(-300, 256, (8, 16)).astype(np.int32)
    b = np.zeros_like(a)
    mod(a, b)
    np.testing.assert_array_equal(b, a * 3 + np.arange(8, dtype=np.int32)[:, None] * 5 + 7)
    text = (tmp_path / "aie.mlir").read_text()
    assert text.count("aie.objectfifo.acquire @A_in0") == 1  # one member's code
    loop = re.search(r"scf\.for (%\w+) = %\w+ to %(\w+) step", text)
    assert loop and re.search(rf"%{loop.group(2)} = arith\.constant 8 : index", text)
    assert re.search(rf"arith\.muli {loop.group(1)}, %\w+ : index", text)


def test_a_folded_5x5_systolic_grid_rolls_and_equals_numpy():
    # the roll search met an op with fewer results than the one a candidate
    # pair mapped from (an IndexError inside the compiler); the grid's
    # folded cores roll and compute A @ B
    from test.unit.programs import dato_programs as dp

    M, N, K = 5, 5, 16
    mod = dato.build(dp.systolic_2d(int32, M, N, K), target="aie")
    rng = np.random.default_rng(55)
    A = rng.integers(-1000, 1000, (M, K)).astype(np.int32)
    B = rng.integers(-1000, 1000, (K, N)).astype(np.int32)
    C = np.zeros((M, N), np.int32)
    mod(A, B, C)
    np.testing.assert_array_equal(C, A @ B)
