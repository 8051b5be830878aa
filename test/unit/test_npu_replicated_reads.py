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
