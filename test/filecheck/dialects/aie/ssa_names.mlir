// RUN: %roundtrip | filecheck %s
// RUN: dato-opt %s | dato-opt | dato-opt | filecheck %s

// mlir-aie names values by tile coordinates (`%lock_0_1`). The parser keeps
// `lock_0` as the hint of `%lock_0_1` and `lock_0_1` as the hint of
// `%lock_0_1_5`; xDSL 0.74's printer then gives the second `lock_0` value and
// the `lock_0_1` value the same name `%lock_0_1`, and the text does not parse
// back. Every value must get its own name (each RUN parses the printed text
// again, which fails on a name defined twice) and uses must follow their value.

aie.device(npu1) {
  %tile_0_1 = aie.tile(0, 1)
  %lock_0_1 = aie.lock(%tile_0_1, 0) {init = 1 : i32}
  %lock_0_2 = aie.lock(%tile_0_1, 1) {init = 0 : i32}
  %lock_0_1_5 = aie.lock(%tile_0_1, 2) {init = 2 : i32}
  %buf_1 = aie.buffer(%tile_0_1) : memref<8xi32>
  %buf_2 = aie.buffer(%tile_0_1) : memref<16xi32>
  %buf_1_0 = aie.buffer(%tile_0_1) : memref<32xi32>
  %mem = aie.memtile_dma(%tile_0_1) {
    %s = aie.dma_start(MM2S, 0, ^bd, ^end)
  ^bd:
    aie.use_lock(%lock_0_1_5, AcquireGreaterEqual, 1)
    aie.dma_bd(%buf_1_0 : memref<32xi32>, 0, 32)
    aie.use_lock(%lock_0_2, Release, 1)
    aie.next_bd ^end
  ^end:
    aie.end
  }
}

// CHECK:      %[[TILE:[a-z0-9_]+]] = aie.tile(0, 1)
// CHECK-NEXT: %[[L0:[a-z0-9_]+]] = aie.lock(%[[TILE]], 0) {init = 1 : i32}
// CHECK-NEXT: %[[L1:[a-z0-9_]+]] = aie.lock(%[[TILE]], 1) {init = 0 : i32}
// CHECK-NEXT: %[[L2:[a-z0-9_]+]] = aie.lock(%[[TILE]], 2) {init = 2 : i32}
// CHECK-NEXT: %[[B0:[a-z0-9_]+]] = aie.buffer(%[[TILE]]) : memref<8xi32>
// CHECK-NEXT: %[[B1:[a-z0-9_]+]] = aie.buffer(%[[TILE]]) : memref<16xi32>
// CHECK-NEXT: %[[B2:[a-z0-9_]+]] = aie.buffer(%[[TILE]]) : memref<32xi32>
// CHECK:      aie.use_lock(%[[L2]], AcquireGreaterEqual, 1)
// CHECK-NEXT: aie.dma_bd(%[[B2]] : memref<32xi32>, 0, 32)
// CHECK-NEXT: aie.use_lock(%[[L1]], Release, 1)
