"""The GEMM design for the vector unit (transforms/npu_gemm_design.py): the
blocked reference of mlir-aie mm.cc's kernels against numpy on blocks we lay
out here, and bundled GEMMs in int8, int16 (int32 accumulation) and bf16 (f32
accumulation) on npu1 and npu2, run on the virtual NPU and compared with numpy.
The block layout expected of each (device, type) is mm.cc's aie::mmul shape,
written out below from mlir-aie's aie_kernels/aie2/mm.cc and aie2p/mm.cc."""

import ctypes
import re

import ml_dtypes
import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Layout
from dato_xdsl.targets.aie.gemm_kernels import REFERENCE
from dato_xdsl.targets.virtual_npu import kernels

S, R = Layout.Shard, Layout.Replicate
RNG = np.random.default_rng(17)

# mm.cc's `combos`: (r, s, t) per operand type; aie2 = AIE-ML (npu1), aie2p = npu2
MMUL = {
    "npu1": {"i8": (4, 8, 8), "i16": (4, 4, 4), "bf16": (4, 8, 4)},
    "npu2": {"i8": (8, 8, 8), "i16": (4, 4, 8), "bf16": (4, 8, 8)},
}
TYPES = {  # operand type, accumulator type, the kernel names' suffixes
    "int8": (dato.int8, dato.int32, "i8", "i32"),
    "int16": (dato.int16, dato.int32, "i16", "i32"),
    "bfloat16": (dato.bfloat16, dato.float32, "bf16", "f32"),
}


def block(x: np.ndarray, br: int, bc: int) -> np.ndarray:
    """x laid out as (rows/br) x (cols/bc) blocks of br x bc, blocks and their
    elements row-major: mm.cc's documented operand layout."""
    rows, cols = x.shape
    return x.reshape(rows // br, br, cols // bc, bc).transpose(0, 2, 1, 3).copy()


def unblock(x: np.ndarray, rows: int, cols: int) -> np.ndarray:
    return x.transpose(0, 2, 1, 3).reshape(rows, cols)


def operands(name: str, shape: tuple[int, int]) -> np.ndarray:
    if name == "int8":
        return RNG.integers(-128, 128, size=shape).astype(np.int8)  # full range
    if name == "int16":
        # |sum| <= K * 1000^2 < 2^31 for K <= 2048: int32 holds it exactly
        return RNG.integers(-1000, 1001, size=shape).astype(np.int16)
    return RNG.standard_normal(shape).astype(ml_dtypes.bfloat16)


def f32_tolerance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Bound of an f32 sum of K exact bf16 products against the exact one:
    K additions, each off by at most half an f32 ulp of the running sum,
    bounded by K * 2^-24 * sum |a_ik b_kj|."""
    k = a.shape[1]
    mags = np.abs(a.astype(np.float64)) @ np.abs(b.astype(np.float64))
    return k * 2.0**-24 * mags


@pytest.mark.parametrize("device", ["npu1", "npu2"])
@pytest.mark.parametrize("name", list(TYPES))
def test_blocked_reference_is_mm_cc_contract(name, device):
    """C += A x B on mm.cc's blocked layout, starting from a nonzero C (the
    kernel accumulates into C; zero_<acc> clears it)."""
    _, _, operand, acc = TYPES[name]
    r, s, t = MMUL[device][operand]
    m, k, n = 2 * r * 2, 2 * s * 3, 2 * t * 2
    flags = [
        f"-D{operand}_{acc}_ONLY",
        f"-DDIM_M={m}",
        f"-DDIM_K={k}",
        f"-DDIM_N={n}",
        f"-DDATO_MMUL_R={r}",
        f"-DDATO_MMUL_S={s}",
        f"-DDATO_MMUL_T={t}",
    ]
    lib = kernels.load_library(REFERENCE, flags)
    a, b = operands(name, (m, k)), operands(name, (k, n))
    c_np = np.float32 if acc == "f32" else np.int32
    c0 = (RNG.integers(-50, 50, size=(m, n))).astype(c_np)
    ba, bb, bc = block(a, r, s), block(b, s, t), block(c0, r, t)
    matmul, zero = getattr(lib, f"matmul_{operand}_{acc}"), getattr(lib, f"zero_{acc}")
    matmul.argtypes = [ctypes.c_void_p] * 3
    zero.argtypes = [ctypes.c_void_p]
    matmul(ba.ctypes.data, bb.ctypes.data, bc.ctypes.data)
    got = unblock(bc, m, n)
    exact = a.astype(np.float64) @ b.astype(np.float64) + c0.astype(np.float64)
    if acc == "i32":
        np.testing.assert_array_equal(got, exact.astype(np.int64).astype(np.int32))
    else:
        # the initial C adds exactly (small integers); the products as above
        assert np.all(np.abs(got - exact) <= f32_tolerance(a, b) + 2.0**-24 * np.abs(exact))
    zero(bc.ctypes.data)
    assert not bc.any()


def gemm_program(T, Acc, M: int, N: int, K: int, g: int):
    @dato.region()
    def gemm(A: T[M, K], B: T[K, N], C: Acc[M, N]) -> None:
        @dato.kernel(mapping=[g, g], args=[A, B, C])
        def tile(a: T[M, K] @ [S(0), R], b: T[K, N] @ [R, S(1)], c: Acc[M, N] @ [S(0), S(1)]):
            c[:, :] = dato.matmul(a, b)

    return gemm


def bundles_2x2(g: int) -> list[tuple[str, list[str]]]:
    """A g x g task grid onto 2 x 2 cores: core (r, c) runs task rows and
    columns of its half, i outer, j inner."""
    h = g // 2
    return [
        (
            "bundle",
            [f"tile_{i}_{j}" for i in range(r * h, r * h + h) for j in range(c * h, c * h + h)],
        )
        for r in range(2)
        for c in range(2)
    ]


@pytest.mark.parametrize("device", ["npu1", "npu2"])
@pytest.mark.parametrize("name", list(TYPES))
def test_vector_gemm_runs_on_the_virtual_npu(name, device, tmp_path):
    """64 x 64 x 512 as a 4x4 task grid (16 x 16 C blocks) on 2x2 cores: the
    design carries mm.cc's block patterns for this device and type, the
    kernels accumulate in the wide type, and C equals numpy (integers bit for
    bit; bf16 within the f32-sum bound)."""
    T, Acc, operand, acc = TYPES[name]
    r, s, t = MMUL[device][operand]
    M = N = 64
    K = 512
    mod = dato.build(
        gemm_program(T, Acc, M, N, K, 4),
        target="aie",
        device=device,
        project=tmp_path,
        mapping_primitives=bundles_2x2(4),
    )
    text = (tmp_path / "aie.mlir").read_text()
    kt = int(re.search(rf"@matmul_{operand}_{acc}\(memref<16x(\d+)x", text)[1])
    assert kt % s == 0 and K % kt == 0
    # A: (16/r) x (kt/s) blocks of r x s; B: (kt/s) x (16/t) of s x t; C read back row-major
    a_dims = f"[<size = {16 // r}, stride = {r * kt}>, <size = {kt // s}, stride = {s}>, "
    a_dims += f"<size = {r}, stride = {kt}>, <size = {s}, stride = 1>]"
    b_dims = f"[<size = {kt // s}, stride = {s * 16}>, <size = {16 // t}, stride = {t}>, "
    b_dims += f"<size = {s}, stride = 16>, <size = {t}, stride = 1>]"
    c_dims = f"[<size = {16 // r}, stride = {r * 16}>, <size = {r}, stride = {t}>, "
    c_dims += f"<size = {16 // t}, stride = {r * t}>, <size = {t}, stride = 1>]"
    assert f"@A_row0(%mem_c0 dimensionsToStream {a_dims}" in text
    assert f"@B_col0(%mem_c0 dimensionsToStream {b_dims}" in text
    assert f"@C_col0(%mem_c0 dimensionsToStream {c_dims}" in text
    assert re.search(r"@C_c0_r0\(%core_c0_r2, \{%mem_c0\}, 2 : i32\)", text)  # double-buffered C
    assert f'link_with = "mm_16x{kt}x16.o"' in text
    note = f"vector: mm.cc matmul_{operand}_{acc} on aie::mmul<{r}, {s}, {t}> blocks, 16x{kt}x16"
    assert f"GEMM design: {note} per call, {K // kt} K steps" in mod.report()
    # the project builds mm.cc from the user's mlir-aie, and the host stand-in
    build = (tmp_path / "build.sh").read_text()
    arch = "aie2p" if device == "npu2" else "aie2"
    assert f"-D{operand}_{acc}_ONLY -DDIM_M=16 -DDIM_K={kt} -DDIM_N=16" in build
    assert f'"$MM_KERNELS/{arch}/mm.cc" -o mm_16x{kt}x16.o' in build
    assert "MLIR_AIE_DIR" in build
    assert (tmp_path / f"mm_16x{kt}x16.cc").is_file()
    a, b = operands(name, (M, K)), operands(name, (K, N))
    c = np.zeros((M, N), Acc.numpy)
    mod(a, b, c)
    exact = a.astype(np.float64) @ b.astype(np.float64)
    if acc == "i32":
        np.testing.assert_array_equal(c, exact.astype(np.int64).astype(np.int32))
    else:
        assert np.all(np.abs(c - exact) <= f32_tolerance(a, b))


@pytest.mark.parametrize("name", ["int8", "int16", "bfloat16"])
def test_narrow_c_converts_the_wide_accumulator_once(name, tmp_path):
    """C of the operand type: the cores still accumulate in int32 / f32 (a
    buffer beside C) and convert once per block: int8/int16 wrap as numpy's
    astype does, bf16 rounds the f32 sum once (so within half a bf16 ulp of
    the sum, plus the sum's own bound)."""
    T, _, operand, acc = TYPES[name]
    M = N = 64
    K = 256
    mod = dato.build(
        gemm_program(T, T, M, N, K, 4),
        target="aie",
        project=tmp_path,
        mapping_primitives=bundles_2x2(4),
    )
    text = (tmp_path / "aie.mlir").read_text()
    assert f"@matmul_{operand}_{acc}(" in text
    a, b = operands(name, (M, K)), operands(name, (K, N))
    c = np.zeros((M, N), T.numpy)
    mod(a, b, c)
    exact = a.astype(np.float64) @ b.astype(np.float64)
    if acc == "i32":
        np.testing.assert_array_equal(c, exact.astype(np.int64).astype(T.numpy))
    else:
        eps = float(ml_dtypes.finfo(ml_dtypes.bfloat16).eps)  # 2^-7: 8 significant bits
        bound = f32_tolerance(a, b) * (1 + eps) + eps / 2 * (np.abs(exact) + f32_tolerance(a, b))
        assert np.all(np.abs(c.astype(np.float64) - exact) <= bound)


def test_blocks_mm_cc_cannot_take_keep_the_row_major_design(tmp_path):
    """12 x 12 C blocks are no multiple of 2r x 2t = 8 x 8 (int16 on npu1):
    the cores get row-major tiles and the scalar kernel library."""
    mod = dato.build(
        gemm_program(dato.int16, dato.int32, 24, 24, 64, 2),
        target="aie",
        project=tmp_path,
        mapping_primitives=[("bundle", ["tile_0_0", "tile_0_1", "tile_1_0", "tile_1_1"])],
    )
    text = (tmp_path / "aie.mlir").read_text()
    assert "dimensionsToStream" not in text and "@dato_matmul_i16_i32_12x" in text
    assert (
        "GEMM design: row-major tiles, scalar kernel library: its 12x12 C blocks are not "
        "multiples of the 8x8 mm.cc's i16 kernel takes on AIE2 (aie::mmul<4, 4, 4>, expanded)"
    ) in mod.report()
    a, b = operands("int16", (24, 64)), operands("int16", (64, 24))
    c = np.zeros((24, 24), np.int32)
    mod(a, b, c)
    np.testing.assert_array_equal(c, a.astype(np.int64) @ b.astype(np.int64))


def test_one_core_vector_gemm(tmp_path):
    """All 4 tasks of a 2x2 grid on one core: its C blocks pass the memtile by a
    one-to-one link (no join offsets), un-blocked on the way to the shim."""
    mod = dato.build(
        gemm_program(dato.bfloat16, dato.float32, 32, 32, 128, 2),
        target="aie",
        project=tmp_path,
        mapping_primitives=[("bundle", ["tile_0_0", "tile_0_1", "tile_1_0", "tile_1_1"])],
    )
    text = (tmp_path / "aie.mlir").read_text()
    assert "aie.objectfifo.link [@C_c0_r0] -> [@C_col0]([] [])" in text
    a, b = operands("bfloat16", (32, 128)), operands("bfloat16", (128, 32))
    c = np.zeros((32, 32), np.float32)
    mod(a, b, c)
    exact = a.astype(np.float64) @ b.astype(np.float64)
    assert np.all(np.abs(c - exact) <= f32_tolerance(a, b))


@pytest.mark.parametrize(("device", "rows", "cols"), [("npu1", 4, 4), ("npu2", 4, 8)])
def test_whole_array_vector_gemm(device, rows, cols, tmp_path):
    """8x8 tasks of 16x16 int8 -> int32 on every core of the array: a memtile
    forwards its column's B, possibly an A row, and joins its column's 4 C
    fifos (6 inputs, the memtile's S2MM channels); within the device's limits
    and equal to numpy."""
    g = 8
    p, q = g // rows, g // cols
    prims = [
        (
            "bundle",
            [f"tile_{i}_{j}" for i in range(r * p, r * p + p) for j in range(c * q, c * q + q)],
        )
        for r in range(rows)
        for c in range(cols)
    ]
    mod = dato.build(
        gemm_program(dato.int8, dato.int32, 128, 128, 256, g),
        target="aie",
        device=device,
        project=tmp_path,
        mapping_primitives=prims,
    )
    assert (tmp_path / "aie.mlir").read_text().count("aie.core(") == rows * cols
    assert "OVER LIMIT" not in mod.report()
    a, b = operands("int8", (128, 256)), operands("int8", (256, 128))
    c = np.zeros((128, 128), np.int32)
    mod(a, b, c)
    np.testing.assert_array_equal(c, a.astype(np.int64) @ b.astype(np.int64))


@pytest.mark.parametrize(("device", "name"), [("npu1", "int16"), ("npu2", "bfloat16")])
def test_one_task_per_core_gets_the_vector_design(device, name, tmp_path):
    """A 4x4 grid of GEMM tasks on 4x4 cores (no bundles): each core runs its
    one task with mm.cc's kernel on memtile-blocked tiles."""
    T, Acc, operand, acc = TYPES[name]
    mod = dato.build(
        gemm_program(T, Acc, 128, 128, 256, 4), target="aie", device=device, project=tmp_path
    )
    text = (tmp_path / "aie.mlir").read_text()
    assert text.count("aie.core(") == 16 and f"func.call @matmul_{operand}_{acc}" in text
    assert "GEMM design: vector:" in mod.report()
    a, b = operands(name, (128, 256)), operands(name, (256, 128))
    c = np.zeros((128, 128), Acc.numpy)
    mod(a, b, c)
    exact = a.astype(np.float64) @ b.astype(np.float64)
    if acc == "i32":
        np.testing.assert_array_equal(c, exact.astype(np.int64).astype(np.int32))
    else:
        assert np.all(np.abs(c - exact) <= f32_tolerance(a, b))


def rows_of_cores(g: int) -> list[tuple[str, list[str]]]:
    """A g x g task grid onto g x 1 cores: core r runs task row r, every column."""
    return [("bundle", [f"tile_{r}_{j}" for j in range(g)]) for r in range(g)]


# (device, type, M, N, K, task grid g, bundles, expected (A repeat, A buffers, B repeat)).
# By hand with plan_reuse's stated cost (cycles of one core at the type's peak,
# shim 4 B/cycle; p rounds x q member columns per core, m x n blocks):
# - 8x8 tasks on 2x2 cores, p = q = 4, 16 x 16 blocks: without reuse A and B
#   each take 8 (int8 npu2) / 2 (int16 npu1) x the core's time; held, a
#   quarter, and the fill (the held B, 4 column blocks) is less than what that
#   saves: both held (A two buffers: 2 x 16 x K fits);
# - 4x4 tasks on 4x1 cores (p = 1, q = 4), 32 x 16 int16 blocks, K = 4096: A
#   at 2 x the core's time, B at 1 x; A held saves more than its fill, two
#   32 x 4096 int16 row blocks (512 KiB) do not fit a memtile, one does; B is
#   sent once anyway (one round);
# - 4x4 tasks on 2x2 cores (p = q = 2), 16 x 16 int16 blocks, K = 2048: A and
#   B at 2 x the core's time; held, the fill of the whole run's B is as long as
#   what it saves (2 rounds): nothing held;
# - 256 x 256 int8 on 2x2 cores (64 x 64 blocks, K tile 64) on npu2, p = q = 2:
#   core 4 x 64 x 64 x 512 / 512 = 16384 cycles; A, B and C (one join) each
#   32768. C by two joins (SPLIT_C_JOINS): 16384; A held: 16384; B held: 16384
#   but its fill (q K n = 64 KiB at 4 B/cycle) is 16384 more on the cores; so
#   every choice costs 32768 (B, or core + B's fill): a tie, nothing held, one
#   join.
REUSE_CASES = [
    ("npu2", "int8", 128, 128, 1024, 8, "2x2", (4, 2, 4)),
    ("npu1", "int16", 128, 128, 2048, 8, "2x2", (4, 2, 4)),
    ("npu1", "int16", 128, 64, 4096, 4, "4x1", (4, 1, 1)),
    ("npu1", "int16", 64, 64, 2048, 4, "2x2", (1, 2, 1)),
    ("npu2", "int8", 256, 256, 512, 4, "2x2", (1, 2, 1)),
]


@pytest.mark.parametrize(("device", "name", "M", "N", "K", "g", "cores", "reuse"), REUSE_CASES)
def test_memtile_resends_what_the_shim_would_resend(
    device, name, M, N, K, g, cores, reuse, tmp_path
):
    """A core's members take, in each of p rounds, the K tiles of A's row
    block once per member column (q times) and the same B column blocks
    every round. Where plan_reuse's cost says so, the shim sends A's row block
    once a round (one memtile object of K tiles, tile after tile) and the
    memtile resends it q times (repeat_count), and/or B's column blocks once
    (one memtile object, one buffer) resent p times. The design equals numpy
    in every case."""
    T, Acc, operand, acc = TYPES[name]
    prims = bundles_2x2(g) if cores == "2x2" else rows_of_cores(g)
    mod = dato.build(
        gemm_program(T, Acc, M, N, K, g),
        target="aie",
        device=device,
        project=tmp_path,
        mapping_primitives=prims,
    )
    text = (tmp_path / "aie.mlir").read_text()
    m, n = M // g, N // g
    q = g // 2 if cores == "2x2" else g
    a_rep, a_depth, b_rep = reuse
    kt = int(re.search(rf"@matmul_{operand}_{acc}\(memref<{m}x(\d+)x", text)[1])
    steps = K // kt
    elem = {"int8": "i8", "int16": "i16", "bfloat16": "bf16"}[name]
    a_shim = re.search(r"@A_row0_shim\(%shim_c\d, \{%mem_c\d\}, (\d) : i32\) : (\S+)", text)
    b_shim = re.search(r"@B_col0_shim\(%shim_c\d, \{%mem_c\d\}, (\d) : i32\) : (\S+)", text)
    a_sends = re.findall(r"dma_memcpy_nd\(%A\[[^]]*\]\[(\d+), ", text)
    b_sends = re.findall(r"dma_memcpy_nd\(%B\[", text)
    report = mod.report()
    if a_rep > 1:  # the row block's `steps` K tiles, sent once a round
        assert a_shim.groups() == (
            str(a_depth),
            f"!aie.objectfifo<memref<{steps}x{m}x{kt}x{elem}>>",
        )
        assert re.search(rf"@A_row0\(%mem_c\d .*\) \{{repeat_count = {a_rep} : i32\}}", text)
        assert set(a_sends) == {"1"}
        assert f"resent {a_rep} times by the memtile ({a_depth} buffered)" in report
    else:  # K tiles, resent by the shim once per member column
        assert a_shim.groups() == ("2", f"!aie.objectfifo<memref<{m}x{kt}x{elem}>>")
        assert set(a_sends) == {str(q)}
        assert "A row blocks sent once" not in report
    if b_rep > 1:  # all q column blocks once, in one buffer
        assert b_shim.groups() == ("1", f"!aie.objectfifo<memref<{q * steps}x{kt}x{n}x{elem}>>")
        assert re.search(rf"@B_col0\(%mem_c\d .*\) \{{repeat_count = {b_rep} : i32\}}", text)
        assert len(b_sends) == len(re.findall(r"objectfifo @B_col\d+_shim", text))
        assert f"B column blocks sent once, resent {b_rep} times by the memtile" in report
    else:
        assert b_shim.groups() == ("2", f"!aie.objectfifo<memref<{kt}x{n}x{elem}>>")
        assert "B column blocks sent once" not in report
    assert "repeat_count" in text or (a_rep, b_rep) == (1, 1)
    # in none of these is C's shim channel the one limit (the costs above; C
    # of one join: 8192 cycles in the first three, at most the core's time):
    # one join per column even with SPLIT_C_JOINS on
    assert "C leaves each column by 2 joins" not in report
    a, b = operands(name, (M, K)), operands(name, (K, N))
    if name == "int16":  # |sum| <= K * 500^2 < 2^31
        a, b = (x // 2 for x in (a, b))
    c = np.zeros((M, N), Acc.numpy)
    mod(a, b, c)
    exact = a.astype(np.float64) @ b.astype(np.float64)
    if acc == "i32":
        np.testing.assert_array_equal(c, exact.astype(np.int64).astype(np.int32))
    else:
        assert np.all(np.abs(c - exact) <= f32_tolerance(a, b))
