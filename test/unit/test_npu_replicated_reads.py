"""Members of one core that each read the same (replicated) block: the fifo
must bring it once per member, since each member takes its own object (Allo's
test_collective_communication gather with its sources bundled deadlocked on
the virtual NPU: one object came, four were awaited). Compared with numpy."""

import numpy as np

import dato_xdsl as dato
from dato_xdsl import Stream, int16

N, PK = 32, 4


def gather():
    @dato.region()
    def top(A: int16[N], B: int16[PK, N]):
        pipe: Stream[int16[N], 2][PK]

        @dato.kernel(mapping=[PK], args=[A])
        def src(local_a: int16[N]):
            pk = dato.get_pid()
            pipe[pk].put(local_a + pk)  # noqa: F821 (a stream, declared by annotation)

        @dato.kernel(mapping=[1], args=[B])
        def dst(local_b: int16[PK, N]):
            local_b[:, :] = dato.gather([pipe[0], pipe[1], pipe[2], pipe[3]])  # noqa: F821

    return top


def test_bundled_sources_each_get_the_replicated_array(tmp_path):
    mod = dato.build(
        gather(),
        target="aie",
        project=tmp_path,
        mapping_primitives=[("bundle", ["src_0", "src_1", "src_2", "src_3"])],
    )
    A = np.arange(N, dtype=np.int16) * 7 - 100
    B = np.zeros((PK, N), np.int16)
    mod(A, B)
    np.testing.assert_array_equal(B, np.stack([A + k for k in range(PK)]))
    # one shim transfer repeats the block for the 4 members (stride 0 repeat)
    text = (tmp_path / "aie.mlir").read_text()
    assert "dma_memcpy_nd(%A[0, 0, 0, 0][4, 1, 1, 32][0, 0, 32, 1])" in text


def test_chained_members_get_their_blocks_in_sequence_beside_other_tiles(tmp_path):
    """Allo's ping-pong GEMM 2x2x4 with each K chain on one core (its
    test_pingpong_gemm_2x2x4): a core's 4 members read 4 blocks of A that the
    core next to it reads too. Each core gets its own sequence through one
    fifo per array (2 input channels), not a broadcast fifo per block (which
    took 8 input fifos and 70,680 bytes on one tile)."""
    from test.unit.programs import npu_fanout_programs as fanout

    prims = []
    for pm in range(2):
        for pn in range(2):
            first = f"gemm_0_{pm}_{pn}"
            prims.append(("chain", [first, f"gemm_1_{pm}_{pn}"]))
            prims.append(("chain", [f"{first}-gemm_1_{pm}_{pn}", f"gemm_2_{pm}_{pn}"]))
            names = f"{first}-gemm_1_{pm}_{pn}-gemm_2_{pm}_{pn}"
            prims.append(("chain", [names, f"gemm_3_{pm}_{pn}"]))
    mod = dato.build(
        fanout.pingpong_gemm(int16, 64, 64, 128, 4, 2, 2),
        target="aie",
        project=tmp_path,
        mapping_primitives=prims,
    )
    rng = np.random.default_rng(8)
    A = rng.integers(0, 64, (64, 128)).astype(np.int16)
    B = rng.integers(0, 64, (128, 64)).astype(np.int16)
    C = np.zeros((64, 64), np.int16)
    mod(A, B, C)
    np.testing.assert_array_equal(C, (A.astype(np.int64) @ B).astype(np.int16))
    text = (tmp_path / "aie.mlir").read_text()
    assert text.count("aie.core(") == 4
