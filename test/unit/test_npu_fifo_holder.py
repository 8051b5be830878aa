"""Which tile holds a fifo between two compute tiles sharing memory.

mlir-aie's objectfifo lowering moves such a fifo without DMA and allocates
its objects (and locks) once, in one tile's data memory: the producer's when
the consumer's core reaches it, else the consumer's (isSharedMemory's share
direction; devices.NpuDevice.fifo_holder). An AIE-ML core reaches its own
memory and those north, south and west of it (AM020; mlir-aie's
isLegalMemAffinity), so the consumer holds the fifo only when the producer
is its east neighbour. The virtual NPU allocates and checks memory the same
way: a design whose holder tile is filled to its last byte runs, one byte
more is refused naming that tile; the other tile holds none of the fifo."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dato_xdsl import devices
from dato_xdsl.targets.virtual_npu import DesignError, run_design
from dato_xdsl.targets.virtual_npu.cli import load_design

NPU1 = devices.lookup("npu1")
XCVC1902 = devices.lookup("xcvc1902")


@pytest.mark.parametrize(
    ("producer", "consumer", "holder"),
    [
        ((1, 2), (1, 3), (1, 2)),  # vertical: each core reaches the other's memory
        ((1, 3), (1, 2), (1, 3)),
        ((0, 2), (1, 2), (0, 2)),  # the consumer's core reaches its west neighbour's
        ((1, 2), (0, 2), (0, 2)),  # the producer's reaches its west neighbour, the consumer
        ((0, 2), (2, 2), None),  # two columns apart: DMA, each end holds its objects
        ((0, 1), (0, 2), None),  # a memtile and a compute tile: DMA
        ((0, 2), (1, 3), None),  # diagonal
    ],
)
def test_the_holder_of_a_fifo_on_aie_ml(producer, consumer, holder):
    assert NPU1 is not None
    assert NPU1.fifo_holder(producer, consumer) == holder
    assert NPU1.shares_memory(producer, consumer) == (holder is not None)


def test_an_aie1_core_reaches_east_on_even_rows_and_west_on_odd_rows():
    assert XCVC1902 is not None
    # row 2 (even): the core of (0, 2) reaches (1, 2), so (0, 2) producing
    # into (1, 2) is held by the consumer; row 3 (odd): (1, 3) reaches (0, 3)
    assert XCVC1902.fifo_holder((0, 2), (1, 2)) == (1, 2)
    assert XCVC1902.fifo_holder((1, 2), (0, 2)) == (1, 2)
    assert XCVC1902.fifo_holder((0, 3), (1, 3)) == (0, 3)
    assert XCVC1902.fifo_holder((1, 3), (0, 3)) == (0, 3)


# A producer core adds 1 to 16 words of each object from the host and writes
# them into @mid, whose objects are MID words; the consumer doubles them into
# @out. The holder tile holds the stack (1,024 bytes), both objects of its
# own host fifo end (2 x 64 bytes) and @mid's object: 1,024 + 128 + 4 x MID.
FULL_MID = (64 * 1024 - 1024 - 128) // 4  # 16,096 words: the holder exactly full

DESIGN = """
module {{
  aie.device(npu1_2col) {{
    %shim_p = aie.tile({pc}, 0)
    %shim_c = aie.tile({cc}, 0)
    %prod = aie.tile({pc}, {pr})
    %cons = aie.tile({cc}, {cr})
    aie.objectfifo @in(%shim_p, {{%prod}}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
    aie.objectfifo @mid(%prod, {{%cons}}, 1 : i32) : !aie.objectfifo<memref<{mid}xi32>>
    aie.objectfifo @out(%cons, {{%shim_c}}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
    {extra}
    %core_p = aie.core(%prod) {{
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      %c16 = arith.constant 16 : index
      %one = arith.constant 1 : i32
      scf.for %it = %c0 to %c4 step %c1 {{
        %sin = aie.objectfifo.acquire @in(Consume, 1) : !aie.objectfifosubview<memref<16xi32>>
        %x = aie.objectfifo.subview.access %sin[0] : !aie.objectfifosubview<memref<16xi32>> -> memref<16xi32>
        %sm = aie.objectfifo.acquire @mid(Produce, 1) : !aie.objectfifosubview<memref<{mid}xi32>>
        %m = aie.objectfifo.subview.access %sm[0] : !aie.objectfifosubview<memref<{mid}xi32>> -> memref<{mid}xi32>
        scf.for %i = %c0 to %c16 step %c1 {{
          %v = memref.load %x[%i] : memref<16xi32>
          %w = arith.addi %v, %one : i32
          memref.store %w, %m[%i] : memref<{mid}xi32>
        }}
        aie.objectfifo.release @in(Consume, 1)
        aie.objectfifo.release @mid(Produce, 1)
      }}
      aie.end
    }}
    %core_c = aie.core(%cons) {{
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      %c16 = arith.constant 16 : index
      scf.for %it = %c0 to %c4 step %c1 {{
        %sm = aie.objectfifo.acquire @mid(Consume, 1) : !aie.objectfifosubview<memref<{mid}xi32>>
        %m = aie.objectfifo.subview.access %sm[0] : !aie.objectfifosubview<memref<{mid}xi32>> -> memref<{mid}xi32>
        %so = aie.objectfifo.acquire @out(Produce, 1) : !aie.objectfifosubview<memref<16xi32>>
        %y = aie.objectfifo.subview.access %so[0] : !aie.objectfifosubview<memref<16xi32>> -> memref<16xi32>
        scf.for %i = %c0 to %c16 step %c1 {{
          %v = memref.load %m[%i] : memref<{mid}xi32>
          %w = arith.addi %v, %v : i32
          memref.store %w, %y[%i] : memref<16xi32>
        }}
        aie.objectfifo.release @mid(Consume, 1)
        aie.objectfifo.release @out(Produce, 1)
      }}
      aie.end
    }}
    aie.runtime_sequence @sequence(%a: memref<64xi32>, %b: memref<64xi32>) {{
      aiex.npu.dma_memcpy_nd(%b[0, 0, 0, 0][1, 1, 1, 64][0, 0, 0, 1]) {{id = 0 : i64, issue_token = true, metadata = @out}} : memref<64xi32>
      aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 1, 64][0, 0, 0, 1]) {{id = 1 : i64, metadata = @in}} : memref<64xi32>
      aiex.npu.dma_wait {{symbol = @out}}
    }}
  }}
}}
"""  # noqa: E501 (MLIR lines)

PAIRS = [
    ((1, 2), (0, 2), (0, 2)),  # producer east of its consumer: the consumer holds
    ((0, 2), (1, 2), (0, 2)),  # producer west: the producer holds
    ((0, 2), (0, 3), (0, 2)),  # vertical: the producer holds
    ((0, 3), (0, 2), (0, 3)),
]


def design(tmp_path: Path, producer, consumer, mid: int, extra_on=None):
    (pc, pr), (cc, cr) = producer, consumer
    extra = ""
    if extra_on is not None:
        name = "%prod" if extra_on == producer else "%cons"
        extra = f"%one_byte = aie.buffer({name}) : memref<1xi8>"
    text = DESIGN.format(pc=pc, pr=pr, cc=cc, cr=cr, mid=mid, extra=extra)
    path = tmp_path / "holder.mlir"
    path.write_text(text)
    return load_design(path)


@pytest.mark.parametrize(("producer", "consumer", "holder"), PAIRS)
def test_a_holder_tile_filled_to_the_last_byte_runs(tmp_path, producer, consumer, holder):
    assert NPU1 is not None and NPU1.fifo_holder(producer, consumer) == holder
    assert 1024 + 2 * 64 + 4 * FULL_MID == 64 * 1024
    # the other tile also takes a byte: it holds none of @mid
    other = consumer if holder == producer else producer
    module = design(tmp_path, producer, consumer, FULL_MID, extra_on=other)
    a = np.arange(64, dtype=np.int32) * 7 - 100
    b = np.zeros(64, np.int32)
    run_design(module, [a, b])
    np.testing.assert_array_equal(b, (a + 1) * 2)


@pytest.mark.parametrize(("producer", "consumer", "holder"), PAIRS)
def test_one_byte_past_on_the_holder_tile_is_refused(tmp_path, producer, consumer, holder):
    module = design(tmp_path, producer, consumer, FULL_MID, extra_on=holder)
    with pytest.raises(DesignError) as info:
        run_design(module, [np.zeros(64, np.int32), np.zeros(64, np.int32)])
    message = str(info.value)
    assert f"compute tile ({holder[0]}, {holder[1]}) needs 65537 bytes" in message, message
    assert f"@mid buffers (1 x {4 * FULL_MID} B, shared memory) {4 * FULL_MID} B" in message


def test_a_fifo_moved_by_dma_holds_objects_at_both_ends(tmp_path):
    """Two columns apart: no shared memory, each end allocates the object, so
    a tile that holds @mid's object plus a byte more is refused at either end."""
    for extra_on in ((0, 2), (2, 2)):
        path = tmp_path / "dma.mlir"
        text = DESIGN.format(pc=0, pr=2, cc=2, cr=2, mid=FULL_MID, extra="")
        text = text.replace("npu1_2col", "npu1_3col")
        name = "%prod" if extra_on == (0, 2) else "%cons"
        text = text.replace(
            "    %core_p", f"    %one_byte = aie.buffer({name}) : memref<1xi8>\n    %core_p", 1
        )
        path.write_text(text)
        with pytest.raises(DesignError, match=rf"compute tile \({extra_on[0]}, 2\) needs 65537"):
            run_design(load_design(path), [np.zeros(64, np.int32), np.zeros(64, np.int32)])
