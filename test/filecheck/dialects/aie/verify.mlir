// RUN: dato-opt %s --split-input-file --verify-diagnostics | filecheck %s

// npu1 has 4 columns (0-3) and 6 rows (0-5).
aie.device(npu1) {
  %t = aie.tile(4, 2)
}
// CHECK: verify.mlir:5:3: error: 'aie.tile' op tile (4, 2) is outside device npu1 (4 columns x 6 rows): columns 0-3, rows 0-5

// -----

aie.device(npu1_1col) {
  %t = aie.tile(0, 6)
}
// CHECK: error: 'aie.tile' op tile (0, 6) is outside device npu1_1col (1 columns x 6 rows): columns 0-0, rows 0-5

// -----

aie.device(npu2) {
  %t = aie.tile(-1, 2)
}
// CHECK: error: 'aie.tile' op tile (-1, 2) has a negative coordinate

// -----

// A core on a shim tile: cores are compute tiles (rows 2-5).
aie.device(npu1) {
  %t = aie.tile(0, 0)
  %c = aie.core(%t) {
    aie.end
  }
}
// CHECK: verify.mlir:28:3: error: 'aie.core' op aie.core on shim tile (0, 0): cores exist only on compute tiles (rows 2-5)

// -----

aie.device(npu1) {
  %t = aie.tile(1, 1)
  %c = aie.core(%t) {
    aie.end
  }
}
// CHECK: error: 'aie.core' op aie.core on memtile (1, 1): cores exist only on compute tiles (rows 2-5)

// -----

aie.device(npu1) {
  %t = aie.tile(0, 1)
  %m = aie.mem(%t) {
    aie.end
  }
}
// CHECK: error: 'aie.mem' op aie.mem on memtile (0, 1): aie.mem configures the DMA of compute tiles (rows 2-5)

// -----

aie.device(npu1) {
  %t = aie.tile(0, 2)
  %m = aie.memtile_dma(%t) {
    aie.end
  }
}
// CHECK: error: 'aie.memtile_dma' op aie.memtile_dma on compute tile (0, 2): aie.memtile_dma configures the DMA of memtiles (row 1)

// -----

aie.device(npu1) {
  %t = aie.tile(0, 0)
  %b = aie.buffer(%t) : memref<16xi32>
}
// CHECK: error: 'aie.buffer' op aie.buffer on shim tile (0, 0): buffers live on compute tiles (rows 2-5) or memtiles (row 1)

// -----

// 17 * 1024 * 4 bytes = 69632 > 64 KiB of a compute tile's data memory.
aie.device(npu1) {
  %t = aie.tile(0, 2)
  %b = aie.buffer(%t) : memref<17x1024xi32>
}
// CHECK: error: 'aie.buffer' op buffer memref<17x1024xi32> takes 69632 bytes, more than the 65536-byte data memory of compute tile (0, 2)

// -----

// 512 KiB fits a memtile exactly; one more element does not.
aie.device(npu2) {
  %t = aie.tile(0, 1)
  %fits = aie.buffer(%t) : memref<131072xi32>
  %b = aie.buffer(%t) : memref<131073xi32>
}
// CHECK: error: 'aie.buffer' op buffer memref<131073xi32> takes 524292 bytes, more than the 524288-byte data memory of memtile (0, 1)

// -----

aie.device(npu1) {
  %t = aie.tile(0, 2)
  %l = aie.lock(%t, 16)
}
// CHECK: error: 'aie.lock' op lock id 16 on compute tile (0, 2) is out of range: compute tiles have 16 locks (ids 0-15)

// -----

aie.device(npu1) {
  %t = aie.tile(0, 1)
  %ok = aie.lock(%t, 63)
  %l = aie.lock(%t, 64)
}
// CHECK: error: 'aie.lock' op lock id 64 on memtile (0, 1) is out of range: memtiles have 64 locks (ids 0-63)

// -----

aie.device(npu1) {
  %t = aie.tile(0, 2)
  %c = aie.core(%t) {
    aie.use_lock(%t, Acquire, 1)
    aie.end
  }
}
// CHECK: error: 'aie.use_lock' op aie.use_lock operand is defined by aie.tile, not by aie.lock

// -----

aie.device(npu1) {
  %a = aie.tile(0, 2)
  %b = aie.tile(2, 2)
  aie.cascade_flow(%a, %b)
}
// CHECK: error: 'aie.cascade_flow' op cascade from (0, 2) to (2, 2): cascades connect neighbouring tiles only

// -----

aie.device(npu1) {
  %a = aie.tile(0, 1)
  %b = aie.tile(0, 2)
  aie.cascade_flow(%a, %b)
}
// CHECK: error: 'aie.cascade_flow' op aie.cascade_flow on memtile (0, 1): cascades connect compute tiles (rows 2-5)

// -----

// A compute tile DMA has 2 S2MM and 2 MM2S channels.
aie.device(npu1) {
  %t = aie.tile(0, 2)
  %m = aie.mem(%t) {
    %0 = aie.dma_start(S2MM, 2, ^bd, ^end)
  ^bd:
    aie.next_bd ^end
  ^end:
    aie.end
  }
}
// CHECK: error: 'aie.dma_start' op S2MM channel 2 on compute tile (0, 2): compute tiles have 2 S2MM channels (0-1)

// -----

// A memtile DMA has 6 channels each way.
aie.device(npu1) {
  %t = aie.tile(0, 1)
  %m = aie.memtile_dma(%t) {
    %0 = aie.dma_start(MM2S, 6, ^bd, ^end)
  ^bd:
    aie.next_bd ^end
  ^end:
    aie.end
  }
}
// CHECK: error: 'aie.dma_start' op MM2S channel 6 on memtile (0, 1): memtiles have 6 MM2S channels (0-5)

// -----

// Compute tile BDs address 3 dimensions (memtiles 4).
aie.device(npu1) {
  %t = aie.tile(0, 2)
  %b = aie.buffer(%t) : memref<256xi32>
  %m = aie.mem(%t) {
    %0 = aie.dma_start(MM2S, 0, ^bd, ^end)
  ^bd:
    aie.dma_bd(%b : memref<256xi32>, 0, 256, [<size = 2, stride = 128>, <size = 4, stride = 32>, <size = 4, stride = 8>, <size = 8, stride = 1>])
    aie.next_bd ^end
  ^end:
    aie.end
  }
}
// CHECK: error: 'aie.dma_bd' op dma_bd has 4 dimensions; the DMA of compute tile (0, 2) addresses at most 3

// -----

aie.device(npu1) {
  %t = aie.tile(0, 1)
  %b = aie.buffer(%t) : memref<256xi32>
  %m = aie.memtile_dma(%t) {
    %0 = aie.dma_start(MM2S, 0, ^bd, ^end)
  ^bd:
    aie.dma_bd(%b : memref<256xi32>, 0, 256) {bd_id = 48 : i32}
    aie.next_bd ^end
  ^end:
    aie.end
  }
}
// CHECK: error: 'aie.dma_bd' op bd_id 48 on memtile (0, 1): memtiles have 48 buffer descriptors

// -----

aie.device(npu1) {
  %t = aie.tile(0, 2)
  %b = aie.buffer(%t) : memref<64xi32>
  %m = aie.mem(%t) {
    %0 = aie.dma_start(MM2S, 0, ^bd, ^end)
  ^bd:
    aie.dma_bd(%b : memref<64xi32>, 32, 64)
    aie.next_bd ^end
  ^end:
    aie.end
  }
}
// CHECK: error: 'aie.dma_bd' op dma_bd moves elements [32, 96) of memref<64xi32>, which has 64

// -----

// 17 buffer descriptors in one compute tile DMA; it has 16.
aie.device(npu1) {
  %t = aie.tile(0, 2)
  %b = aie.buffer(%t) : memref<64xi32>
  %m = aie.mem(%t) {
    %0 = aie.dma_start(MM2S, 0, ^bd, ^end)
  ^bd:
    aie.dma_bd(%b : memref<64xi32>, 0, 4)
    aie.dma_bd(%b : memref<64xi32>, 0, 4)
    aie.dma_bd(%b : memref<64xi32>, 0, 4)
    aie.dma_bd(%b : memref<64xi32>, 0, 4)
    aie.dma_bd(%b : memref<64xi32>, 0, 4)
    aie.dma_bd(%b : memref<64xi32>, 0, 4)
    aie.dma_bd(%b : memref<64xi32>, 0, 4)
    aie.dma_bd(%b : memref<64xi32>, 0, 4)
    aie.dma_bd(%b : memref<64xi32>, 0, 4)
    aie.dma_bd(%b : memref<64xi32>, 0, 4)
    aie.dma_bd(%b : memref<64xi32>, 0, 4)
    aie.dma_bd(%b : memref<64xi32>, 0, 4)
    aie.dma_bd(%b : memref<64xi32>, 0, 4)
    aie.dma_bd(%b : memref<64xi32>, 0, 4)
    aie.dma_bd(%b : memref<64xi32>, 0, 4)
    aie.dma_bd(%b : memref<64xi32>, 0, 4)
    aie.dma_bd(%b : memref<64xi32>, 0, 4)
    aie.next_bd ^end
  ^end:
    aie.end
  }
}
// CHECK: error: 'aie.mem' op aie.mem of tile (0, 2) uses 17 buffer descriptors; compute tiles have 16

// -----

aie.device(npu1_2col) {
  aie.shim_dma_allocation @alloc(MM2S, 0, 2)
}
// CHECK: error: 'aie.shim_dma_allocation' op shim DMA column 2 is outside device npu1_2col (2 columns x 6 rows): columns 0-1

// -----

// A shim DMA has 2 channels each way.
aie.device(npu1) {
  aie.shim_dma_allocation @alloc(S2MM, 2, 0)
}
// CHECK: error: 'aie.shim_dma_allocation' op S2MM channel 2 on the shim of column 0: shim tiles have 2 S2MM channels (0-1)

// -----

aie.device(npu1) {
  %t = aie.tile(0, 2)
  aie.shim_dma_allocation @alloc(%t, S2MM, 0)
}
// CHECK: error: 'aie.shim_dma_allocation' op aie.shim_dma_allocation on compute tile (0, 2): host DMAs are on shim tiles (row 0)

// -----

// The same tile (by value, or by coordinates) at both ends.
aie.device(npu1) {
  %t = aie.tile(0, 2)
  aie.objectfifo @of(%t, {%t}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
}
// CHECK: error: 'aie.objectfifo' op objectfifo @of: producer and consumer are the same tile (0, 2); an objectfifo connects different tiles

// -----

aie.device(npu1) {
  %t = aie.tile(1, 3)
  %u = aie.tile(0, 2)
  %again = aie.tile(1, 3)
  aie.objectfifo @of(%t, {%u, %again}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
}
// CHECK: error: 'aie.objectfifo' op objectfifo @of: producer and consumer are the same tile (1, 3); an objectfifo connects different tiles

// -----

aie.device(npu1) {
  %t = aie.tile(0, 2)
  aie.objectfifo @of(%t, {}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
}
// CHECK: error: 'aie.objectfifo' op objectfifo @of has no consumer tile

// -----

aie.device(npu1) {
  %t = aie.tile(0, 2)
  %u = aie.tile(0, 3)
  aie.objectfifo @of(%t, {%u}, 0 : i32) : !aie.objectfifo<memref<16xi32>>
}
// CHECK: error: 'aie.objectfifo' op objectfifo @of has depth [0]; depths must be at least 1

// -----

aie.device(npu1) {
  %t = aie.tile(0, 2)
  %u = aie.tile(0, 3)
  aie.objectfifo @of(%t, {%u}, [2, 2, 2]) : !aie.objectfifo<memref<16xi32>>
}
// CHECK: error: 'aie.objectfifo' op objectfifo @of gives 3 depths for 1 producer and 1 consumer(s); expected one per tile

// -----

aie.device(npu1) {
  %t = aie.tile(0, 2)
  %u = aie.tile(0, 3)
  aie.objectfifo @of(%t, {%u}, 2 : i32) : !aie.objectfifo<memref<?xi32>>
}
// CHECK: error: 'aie.objectfifo' op objectfifo @of carries memref<?xi32>; objects must have a static shape

// -----

// A shim DMA addresses 3 dimensions; a memtile 4.
aie.device(npu1) {
  %s = aie.tile(0, 0)
  %m = aie.tile(0, 1)
  aie.objectfifo @of(%s dimensionsToStream [<size = 2, stride = 8>, <size = 2, stride = 4>, <size = 2, stride = 2>, <size = 2, stride = 1>], {%m}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
}
// CHECK: error: 'aie.objectfifo' op objectfifo @of: dimensionsToStream has 4 dimensions; the DMA of shim tile (0, 0) addresses at most 3

// -----

aie.device(npu1) {
  %s = aie.tile(0, 0)
  %m = aie.tile(0, 1)
  aie.objectfifo @of(%s, {%m}, 2 : i32) {repeat_count = 0 : i32} : !aie.objectfifo<memref<16xi32>>
}
// CHECK: error: 'aie.objectfifo' op objectfifo @of has repeat_count 0; minimum 1

// -----

aie.device(npu1) {
  %a = aie.tile(0, 2)
  %b = aie.tile(0, 3)
  aie.objectfifo @of(%a, {%b}, 2 : i32) : !aie.objectfifo<memref<2xi32>> = [dense<[1, 2]> : memref<2xi32>]
}
// CHECK: error: 'aie.objectfifo' op objectfifo @of has 1 initial value(s) for depth 2; give one per object

// -----

aie.device(npu1) {
  %a = aie.tile(0, 2)
  %b = aie.tile(0, 3)
  aie.objectfifo @of(%a, {%b}, 1 : i32) : !aie.objectfifo<memref<2xi32>> = [dense<[1, 2, 3]> : memref<3xi32>]
}
// CHECK: error: 'aie.objectfifo' op objectfifo @of: initial value of shape [3] for objects of shape [2]

// -----

aie.device(npu1) {
  %s = aie.tile(0, 0)
  %m = aie.tile(0, 1)
  %a = aie.tile(0, 2)
  aie.objectfifo @in(%s, {%m}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  aie.objectfifo @out(%m, {%a}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  aie.objectfifo.link [@in] -> [@missing]([] [])
}
// CHECK: error: 'aie.objectfifo.link' op link ['in'] -> ['missing']: @missing is not an aie.objectfifo of this device

// -----

aie.device(npu1) {
  %s = aie.tile(0, 0)
  %m = aie.tile(0, 1)
  %a = aie.tile(0, 2)
  %b = aie.tile(0, 3)
  aie.objectfifo @i0(%s, {%m}, 2 : i32) : !aie.objectfifo<memref<8xi32>>
  aie.objectfifo @i1(%a, {%m}, 2 : i32) : !aie.objectfifo<memref<8xi32>>
  aie.objectfifo @o0(%m, {%a}, 2 : i32) : !aie.objectfifo<memref<8xi32>>
  aie.objectfifo @o1(%m, {%b}, 2 : i32) : !aie.objectfifo<memref<8xi32>>
  aie.objectfifo.link [@i0, @i1] -> [@o0, @o1]([0, 8] [0, 8])
}
// CHECK: error: 'aie.objectfifo.link' op link ['i0', 'i1'] -> ['o0', 'o1'] is both a join and a distribute; use one of them

// -----

// The input must be consumed by the tile that produces the outputs.
aie.device(npu1) {
  %s = aie.tile(0, 0)
  %m = aie.tile(0, 1)
  %m1 = aie.tile(1, 1)
  %a = aie.tile(0, 2)
  aie.objectfifo @in(%s, {%m}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  aie.objectfifo @out(%m1, {%a}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  aie.objectfifo.link [@in] -> [@out]([] [])
}
// CHECK: error: 'aie.objectfifo.link' op link ['in'] -> ['out']: @in is not consumed by the link tile (1, 1) that produces the outputs

// -----

// Distribute: one dst offset per output.
aie.device(npu1) {
  %s = aie.tile(0, 0)
  %m = aie.tile(0, 1)
  %a = aie.tile(0, 2)
  %b = aie.tile(0, 3)
  aie.objectfifo @in(%s, {%m}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  aie.objectfifo @o0(%m, {%a}, 2 : i32) : !aie.objectfifo<memref<32xi32>>
  aie.objectfifo @o1(%m, {%b}, 2 : i32) : !aie.objectfifo<memref<32xi32>>
  aie.objectfifo.link [@in] -> [@o0, @o1]([] [0])
}
// CHECK: error: 'aie.objectfifo.link' op link ['in'] -> ['o0', 'o1'] has 1 dst offset(s) for 2 fifos; give one per fifo

// -----

// Distribute: the second slice [40, 72) does not fit a 64-element object.
aie.device(npu1) {
  %s = aie.tile(0, 0)
  %m = aie.tile(0, 1)
  %a = aie.tile(0, 2)
  %b = aie.tile(0, 3)
  aie.objectfifo @in(%s, {%m}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  aie.objectfifo @o0(%m, {%a}, 2 : i32) : !aie.objectfifo<memref<32xi32>>
  aie.objectfifo @o1(%m, {%b}, 2 : i32) : !aie.objectfifo<memref<32xi32>>
  aie.objectfifo.link [@in] -> [@o0, @o1]([] [0, 40])
}
// CHECK: error: 'aie.objectfifo.link' op link ['in'] -> ['o0', 'o1']: @o1 at dst offset 40 takes elements [40, 72) but @in objects have 64

// -----

// Join: slices [0, 32) and [16, 48) overlap.
aie.device(npu1) {
  %s = aie.tile(0, 0)
  %m = aie.tile(0, 1)
  %a = aie.tile(0, 2)
  %b = aie.tile(0, 3)
  aie.objectfifo @i0(%a, {%m}, 2 : i32) : !aie.objectfifo<memref<32xi32>>
  aie.objectfifo @i1(%b, {%m}, 2 : i32) : !aie.objectfifo<memref<32xi32>>
  aie.objectfifo @out(%m, {%s}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  aie.objectfifo.link [@i0, @i1] -> [@out]([0, 16] [])
}
// CHECK: error: 'aie.objectfifo.link' op link ['i0', 'i1'] -> ['out']: src offset 16 of @i1 overlaps the previous slice, which ends at 32; offsets must be increasing

// -----

aie.device(npu1) {
  %s = aie.tile(0, 0)
  %m = aie.tile(0, 1)
  %a = aie.tile(0, 2)
  %b = aie.tile(0, 3)
  aie.objectfifo @i0(%a, {%m}, 2 : i32) : !aie.objectfifo<memref<32xi32>>
  aie.objectfifo @i1(%b, {%m}, 2 : i32) : !aie.objectfifo<memref<32xi32>>
  aie.objectfifo @out(%m, {%s}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  aie.objectfifo.link [@i0, @i1] -> [@out]([0, 32] [0])
}
// CHECK: error: 'aie.objectfifo.link' op link ['i0', 'i1'] -> ['out'] is a join; dst offsets must be empty, got [0]

// -----

aie.device(npu1) {
  %s = aie.tile(0, 0)
  %m = aie.tile(0, 1)
  %a = aie.tile(0, 2)
  aie.objectfifo @in(%s, {%m}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  aie.objectfifo @out(%m, {%a}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  aie.objectfifo.link [@in] -> [@out]([] [0])
}
// CHECK: error: 'aie.objectfifo.link' op link ['in'] -> ['out'] is one-to-one; its offsets must be empty, got ([] [0])

// -----

aie.device(npu1) {
  %a = aie.tile(0, 2)
  %c = aie.core(%a) {
    %0 = aie.objectfifo.acquire @nowhere(Consume, 1) : !aie.objectfifosubview<memref<16xi32>>
    aie.end
  }
}
// CHECK: error: 'aie.objectfifo.acquire' op aie.objectfifo.acquire names @nowhere, which is not an aie.objectfifo

// -----

// Only the producer's core may acquire to produce.
aie.device(npu1) {
  %a = aie.tile(0, 2)
  %b = aie.tile(0, 3)
  aie.objectfifo @of(%a, {%b}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  %c = aie.core(%b) {
    %0 = aie.objectfifo.acquire @of(Produce, 1) : !aie.objectfifosubview<memref<16xi32>>
    aie.end
  }
}
// CHECK: error: 'aie.objectfifo.acquire' op aie.objectfifo.acquire @of (Produce) in the core of tile (0, 3), but @of is produced by tile(s) (0, 2)

// -----

aie.device(npu1) {
  %a = aie.tile(0, 2)
  %b = aie.tile(0, 3)
  aie.objectfifo @of(%a, {%b}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  %c = aie.core(%b) {
    %0 = aie.objectfifo.acquire @of(Consume, 1) : !aie.objectfifosubview<memref<8xi32>>
    aie.end
  }
}
// CHECK: error: 'aie.objectfifo.acquire' op acquire from @of yields !aie.objectfifosubview<memref<8xi32>>, but the fifo carries memref<16xi32>

// -----

aie.device(npu1) {
  %a = aie.tile(0, 2)
  %b = aie.tile(0, 3)
  aie.objectfifo @of(%a, {%b}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  %c = aie.core(%b) {
    aie.objectfifo.release @of(Consume, 0)
    aie.end
  }
}
// CHECK: error: 'aie.objectfifo.release' op aie.objectfifo.release of 0 objects; minimum 1

// -----

aie.device(npu1) {
  %b = aie.tile(0, 3)
  %c = aie.core(%b) {
    aie.objectfifo.release @gone(Consume, 1)
    aie.end
  }
}
// CHECK: error: 'aie.objectfifo.release' op aie.objectfifo.release names @gone, which is not an aie.objectfifo

// -----

aie.device(npu1) {
  %a = aie.tile(0, 2)
  %b = aie.tile(0, 3)
  aie.objectfifo @of(%a, {%b}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  %c = aie.core(%b) {
    %0 = aie.objectfifo.acquire @of(Consume, 1) : !aie.objectfifosubview<memref<16xi32>>
    %1 = aie.objectfifo.subview.access %0[1] : !aie.objectfifosubview<memref<16xi32>> -> memref<16xi32>
    aie.end
  }
}
// CHECK: error: 'aie.objectfifo.subview.access' op access to object 1 of a subview of 1 acquired object(s)

// -----

aie.device(npu1) {
  %a = aie.tile(0, 2)
  %b = aie.tile(0, 3)
  aie.objectfifo @of(%a, {%b}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  %c = aie.core(%b) {
    %0 = aie.objectfifo.acquire @of(Consume, 1) : !aie.objectfifosubview<memref<16xi32>>
    %1 = aie.objectfifo.subview.access %0[0] : !aie.objectfifosubview<memref<16xi32>> -> memref<16xf32>
    aie.end
  }
}
// CHECK: error: 'aie.objectfifo.subview.access' op access to !aie.objectfifosubview<memref<16xi32>> yields memref<16xf32>; expected memref<16xi32>

// -----

// Generic forms carry raw enum values: 99 is no device, 42 no wire bundle.
"aie.device"() <{device = 99 : i32}> ({
  "aie.end"() : () -> ()
}) : () -> ()
// CHECK: error: 'aie.device' op device value 99 is not an NPU device we model

// -----

"aie.device"() <{device = 4 : i32}> ({
  %t = "aie.tile"() <{col = 0 : i32, row = 2 : i32}> : () -> index
  "aie.flow"(%t, %t) <{source_bundle = 42 : i32, source_channel = 0 : i32, dest_bundle = 1 : i32, dest_channel = 0 : i32}> : (index, index) -> ()
  "aie.end"() : () -> ()
}) : () -> ()
// CHECK: error: 'aie.flow' op source bundle value 42 is not a valid wire bundle

// -----

aie.device(npu1) {
  %t = aie.tile(0, 2)
  aie.flow(%t, DMA : -1, %t, Core : 0)
}
// CHECK: error: 'aie.flow' op source_channel must be >= 0

// -----

// Syntax errors are diagnostics too.
aie.device(npu3) {
}
// CHECK: verify.mlir:[[# @LINE - 2]]:12
// CHECK: unknown device 'npu3'; supported NPU devices: npu1, npu1_1col, npu1_2col, npu1_3col, npu2, npu2_1col, npu2_2col, npu2_3col, npu2_4col, npu2_5col, npu2_6col, npu2_7col

// -----

aie.device(npu1) {
  %t = aie.tile(0, 2)
  %l = aie.lock(%t, 0)
  %c = aie.core(%t) {
    aie.use_lock(%l, Grab, 1)
    aie.end
  }
}
// CHECK: expected a lock action (Acquire, AcquireGreaterEqual, Release)

// -----

aie.device(npu1) {
  %a = aie.tile(0, 2)
  %b = aie.tile(0, 3)
  aie.objectfifo @of(%a, {%b}, 2 : i32) : memref<16xi32>
}
// CHECK: expected an !aie.objectfifo<memref<...>> type, got memref<16xi32>

// -----

// Packet headers carry a 5-bit stream id.
aie.device(npu1) {
  %a = aie.tile(0, 0)
  %b = aie.tile(0, 2)
  aie.packet_flow(32) {
    aie.packet_source<%a, DMA : 0>
    aie.packet_dest<%b, DMA : 0>
  }
}
// CHECK: error: 'aie.packet_flow' op packet_flow id 32: packet ids are 0-31 (5 header bits)

// -----

aie.device(npu1) {
  %b = aie.tile(0, 2)
  aie.packet_flow(1) {
    aie.packet_dest<%b, DMA : 0>
  }
}
// CHECK: error: 'aie.packet_flow' op packet_flow(1) has 0 packet_source(s) and 1 packet_dest(s); it takes one source and at least one destination

// -----

// An AIE-ML cascade word is 512 bits (AIE1: 384).
aie.device(npu1) {
  %t = aie.tile(0, 2)
  %c = aie.core(%t) {
    %v = aie.get_cascade() : vector<8xi32>
    aie.end
  }
}
// CHECK: error: 'aie.get_cascade' op aie.get_cascade moves vector<8xi32> (256 bits); the cascade of npu1 carries 512-bit words

// -----

aie.device(npu1) {
  %s = aie.tile(0, 0)
  %t = aie.tile(0, 2)
  aie.objectfifo @of(%s, {%t}, 2 : i32) : !aie.objectfifo<memref<8xi32>>
  %c = aie.core(%t) {
    %a = aie.objectfifo.acquire @of(Consume, 2) : memref<8xi32>
    aie.end
  }
}
// CHECK: error: 'aie.objectfifo.acquire' op acquire of 2 object(s) yields 1 value(s); give one memref per object or a single !aie.objectfifosubview

// -----

// aie.dma lives in a DMA region, one BD per region.
aie.device(npu1) {
  %t = aie.tile(0, 2)
  %buf = aie.buffer(%t) : memref<8xi32>
  %m = aie.mem(%t) {
    %0 = aie.dma(MM2S, 2) [{
      aie.dma_bd(%buf : memref<8xi32>)
    }]
    aie.end
  }
}
// CHECK: error: 'aie.dma' op MM2S channel 2 on compute tile (0, 2): compute tiles have 2 MM2S channels

// -----

// mlir-aie's memref.alloca needs an AutomaticAllocationScope ancestor; aie.core is none.
aie.device(npu1) {
  %t = aie.tile(0, 2)
  %c = aie.core(%t) {
    %a = memref.alloca() : memref<1xi32>
    aie.end
  }
}
// CHECK: error: 'aie.core' op memref.alloca in an aie.core: the core is no automatic allocation scope (mlir-aie rejects it); use an aie.buffer of the tile or an SSA value

// -----

// DMABDOp rules: padding only on memtiles, and the padded stream fits in len.
aie.device(npu1) {
  %t = aie.tile(0, 2)
  %b = aie.buffer(%t) : memref<16xi32>
  %m = aie.mem(%t) {
    %0 = aie.dma(MM2S, 0) [{
      aie.dma_bd(%b : memref<16xi32>, 0, 16, [<size = 4, stride = 4>, <size = 4, stride = 1>], [<const_pad_before = 0, const_pad_after = 0>, <const_pad_before = 1, const_pad_after = 0>])
    }]
    aie.end
  }
}
// CHECK: error: 'aie.dma_bd' op dma_bd on compute tile (0, 2) pads; only memtile BDs pad

// -----

aie.device(npu1) {
  %t = aie.tile(0, 1)
  %b = aie.buffer(%t) : memref<16xi32>
  %m = aie.memtile_dma(%t) {
    %0 = aie.dma(MM2S, 0) [{
      aie.dma_bd(%b : memref<16xi32>, 0, 16, [<size = 4, stride = 4>, <size = 4, stride = 1>], [<const_pad_before = 0, const_pad_after = 0>, <const_pad_before = 1, const_pad_after = 0>])
    }]
    aie.end
  }
}
// CHECK: error: 'aie.dma_bd' op dma_bd moves 20 elements with padding, more than its len 16

// -----

aie.device(npu1) {
  %t = aie.tile(0, 2)
  %b = aie.buffer(%t) : memref<16xi32>
  %m = aie.mem(%t) {
    %0 = aie.dma(MM2S, 0) [{
      aie.dma_bd(%b : memref<16xi32>, 0, 16, [<size = 4, stride = 5>, <size = 4, stride = 1>])
    }]
    aie.end
  }
}
// CHECK: error: 'aie.dma_bd' op dma_bd sizes and strides reach element 18 of memref<16xi32>, which has 16

// -----

aie.device(npu1) {
  %t = aie.tile(0, 2)
  %u = aie.tile(0, 3)
  %b = aie.buffer(%u) : memref<16xi32>
  %m = aie.mem(%t) {
    %0 = aie.dma(MM2S, 0) [{
      aie.dma_bd(%b : memref<16xi32>)
    }]
    aie.end
  }
}
// CHECK: error: 'aie.dma_bd' op dma_bd in aie.mem of tile (0, 2) moves a buffer of tile (0, 3): a core tile's DMA reaches only its own buffers
