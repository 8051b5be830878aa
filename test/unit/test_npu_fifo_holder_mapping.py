"""Physical mapping counts a stream between neighbours sharing memory on the
one tile that holds its objects (devices.fifo_holder, as mlir-aie allocates
them: the producer's, unless it is east of its consumer), and the other end
counts none of them. Counting them at both ends refused designs that fit: a
consumer a byte over only with the producer's objects, and split_k_gemm_3d
of 64 x 64 int32 blocks. Both map now and run equal to numpy, and the bytes
the emitted design gives each tile are what the rule says. The resource
report and the lock count (dato-npu-lock-budget) put such a fifo's objects
and locks on the same tile."""

import re

import numpy as np

import dato_xdsl as dato
from dato_xdsl import Stream, int8, int32
from dato_xdsl.dialects import aie
from dato_xdsl.targets.aie.report import tile_usage
from dato_xdsl.targets.virtual_npu.cli import load_design
from dato_xdsl.transforms.npu_lock_budget import lock_use
from test.unit.aie_text import operand_text_tiles as operand_tiles
from test.unit.aie_text import tile_bytes
from test.unit.programs import npu_fanout_programs

BUDGET = 64 * 1024 - 1024  # 64,512 bytes: 64 KiB less 1 KiB of stack
RNG = np.random.default_rng(31)

# a 20,820-byte block (15 rows of 1,388 int8), 2,048 bytes of output
R, C, OUT = 15, 1388, 2048


def heavy_consumer():
    """`p` puts A's block on @blk (one object deep); `c` copies the block it
    got twice into locals and sums two of its columns into a 2,048-byte
    output with an int32 and an int8 scalar: 2 x 20,820 + 2,048 + 5 bytes,
    and @blk's object 20,820 more, 64,513 bytes, if c held it too."""

    @dato.region()
    def top(A: int8[R, C], B: int8[2, OUT // 2]):
        blk: Stream[int8[R, C], 1]

        @dato.kernel(mapping=[1], args=[A])
        def p(a: int8[R, C]):
            blk.put(a)  # noqa: F821 (a stream, declared by annotation)

        @dato.kernel(mapping=[1], args=[B])
        def c(b: int8[2, OUT // 2]):
            x: int8[R, C] = 0
            x[:, :] = blk.get()  # noqa: F821
            y: int8[R, C] = 0
            y[:, :] = x
            b[:, :] = 0  # all of b overwritten: its host copy need not come in
            s: int32 = 0
            t: int8 = 0
            for i in range(R):
                s += x[i, 0]
                t += y[i, C - 1]
            b[0, 0] = s
            b[1, OUT // 2 - 1] = t

    return top


def core_tasks(text: str) -> dict[str, str]:
    """The task instances each core of the emitted design runs, by its tile
    (`core_c0_r2`: `p_0`)."""
    out = {}
    for chunk in text.split("aie.core(%")[1:]:
        tile = chunk.split(")", 1)[0]
        tasks = re.search(r"dato\.tasks = \[([^\]]*)\]", chunk)
        assert tasks, chunk
        out[tile] = tasks.group(1).replace('"', "")
    return out


def test_a_consumer_over_only_with_its_producers_objects_maps_and_runs(tmp_path):
    assert 3 * R * C + OUT + 4 + 1 == BUDGET + 1
    mod = dato.build(heavy_consumer(), target="aie", project=tmp_path)
    text = (tmp_path / "aie.mlir").read_text()
    # p on (0, 2), c north of it: vertical neighbours, so c's core reaches
    # p's memory and p holds @blk (A's block and the object: 41,640 bytes);
    # c holds 43,693, under the 64,512
    assert core_tasks(text) == {"core_c0_r2": "p_0", "core_c0_r3": "c_0"}
    assert "aie.objectfifo @blk(%core_c0_r2, {%core_c0_r3}, 1 : i32)" in text
    assert tile_bytes(text, "core_c0_r2")[0] == 2 * R * C
    A = RNG.integers(-128, 128, (R, C)).astype(np.int8)
    B = np.full((2, OUT // 2), 7, np.int8)
    mod(A, B)
    want = np.zeros((2, OUT // 2), np.int8)
    want[0, 0] = np.int8(A[:, 0].astype(np.int64).sum().astype(np.int32))
    want[1, -1] = A[:, -1].astype(np.int64).sum().astype(np.int8)
    np.testing.assert_array_equal(B, want)


def test_split_k_gemm_3d_of_64x64_int32_blocks_maps(tmp_path):
    """Refused before the fifo-holder rule (a middle task counted every
    partial-sum stream at both ends: 80 KiB). Now the chain retile also cuts
    the chain's 64 x 64 blocks along N (5674b57), so the K tiles are the
    compiler's to choose; what must hold is the hardware rule: each compute
    tile's buffers, counted from the emitted aie.mlir with every fifo on its
    holder, fit the 64 KiB less the 1 KiB stack, and K tiles divide K's
    share of a task (64)."""
    M, N, K = 128, 128, 256
    top = npu_fanout_programs.split_k_gemm_3d(int32, M, N, K, 2, 2, 4)
    mod = dato.build(top, target="aie", project=tmp_path)
    text = (tmp_path / "aie.mlir").read_text()
    ((rows, kt),) = operand_tiles(text, "A")
    ((kt_b, cols),) = operand_tiles(text, "B")
    assert kt == kt_b and 64 % kt == 0 and rows <= 64 and cols <= 64
    cores = sorted(set(re.findall(r"core_c\d+_r\d+", text)))
    assert cores
    for tile in cores:
        used, _ = tile_bytes(text, tile)
        assert used <= 64 * 1024 - 1024, (tile, used)
    info = np.iinfo(np.int32)
    A = RNG.integers(info.min, info.max, (M, K), endpoint=True).astype(np.int32)
    B = RNG.integers(info.min, info.max, (K, N), endpoint=True).astype(np.int32)
    C_ = np.zeros((M, N), np.int32)
    mod(A, B, C_)
    np.testing.assert_array_equal(C_, (A.astype(np.int64) @ B.astype(np.int64)).astype(np.int32))


EAST = """
module {
  aie.device(npu1) {
    %shim = aie.tile(0, 0)
    %core = aie.tile(0, 2)
    %east = aie.tile(1, 2)
    %north = aie.tile(0, 3)
    aie.objectfifo @west(%east, {%core}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
    aie.objectfifo @up(%core, {%north}, 3 : i32) : !aie.objectfifo<memref<8xi32>>
    aie.objectfifo @in(%shim, {%core}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
    %c = aie.core(%core) {
      aie.end
    }
    %e = aie.core(%east) {
      aie.end
    }
    %n = aie.core(%north) {
      aie.end
    }
  }
}
"""


def test_the_resource_report_and_the_lock_count_put_a_shared_fifo_on_its_holder(tmp_path):
    """@west goes from (1, 2) to its west neighbour (0, 2), whose core cannot
    reach (1, 2)'s memory (AIE-ML: north, south, west and its own): (0, 2)
    holds its two 64-byte objects and its lock pair. @up goes north from
    (0, 2): the producer holds it (three 32-byte objects, a pair). @in comes
    by DMA: (0, 2) holds its objects and a pair, the shim a pair."""
    path = tmp_path / "east.mlir"
    path.write_text(EAST)
    device = next(op for op in load_design(path).walk() if isinstance(op, aie.DeviceOp))
    use = tile_usage(device)
    stack = 1024
    assert use[(0, 2)].bytes == stack + 2 * 64 + 3 * 32 + 2 * 64
    assert use[(1, 2)].bytes == stack and use[(0, 3)].bytes == stack
    # no DMA between neighbours sharing memory: only @in's S2MM channel
    assert (use[(0, 2)].s2mm, use[(0, 2)].mm2s, use[(1, 2)].mm2s) == (1, 0, 0)
    locks, _ = lock_use(device)
    assert (locks[(0, 2)], locks[(1, 2)], locks[(0, 3)], locks[(0, 0)]) == (6, 0, 0, 2)
