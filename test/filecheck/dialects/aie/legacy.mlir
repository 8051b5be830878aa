// RUN: dato-opt %s --split-input-file | filecheck %s
// RUN: dato-opt %s --split-input-file | dato-opt --split-input-file | filecheck %s

// Older mlir-aie spellings parse and print in today's spelling: `npu1_4col` is
// `npu1`, `aiex.runtime_sequence` is `aie.runtime_sequence`, enum keywords may
// be quoted, an objectfifo depth may omit its `: i32`, a link may write `()`
// for no offsets, a layout may omit its `size =`/`stride =` keys, and
// `dims = [...]` names a BD's dimensions.
module {
  aie.device(npu1_4col) {
    %t00 = aie.tile(0, 0)
    %t02 = aie.tile(0, 2)
    %l = aie.lock(%t02, 0)
    %b = aie.buffer(%t02) : memref<16xi32>
    aie.flow(%t00, "DMA" : 0, %t02, "DMA" : 0)
    aie.objectfifo @of(%t00 dimensionsToStream [<4, 4>, <4, 1>], {%t02}, 2) : !aie.objectfifo<memref<16xi32>>
    aie.objectfifo @of2(%t02, {%t00}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
    aie.objectfifo @of3(%t00, {%t02}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
    aie.objectfifo.link [@of2] -> [@of3] ()
    %m = aie.mem(%t02) {
      %0 = aie.dma_start("S2MM", 0, ^bd, ^end)
    ^bd:
      aie.use_lock(%l, "Acquire", 0)
      aie.dma_bd(%b : memref<16xi32>, dims = [<size = 4, stride = 4>, <size = 4, stride = 1>]) {len = 16 : i32}
      aie.use_lock(%l, "Release", 1)
      aie.next_bd ^bd
    ^end:
      aie.end
    }
    aiex.runtime_sequence(%arg0: memref<16xi32>) {
      aiex.npu.dma_memcpy_nd(%arg0[0, 0, 0, 0][1, 1, 1, 16][0, 0, 0, 1]) {id = 0 : i64, metadata = @of} : memref<16xi32>
    }
  }
}

// CHECK:      aie.device(npu1) {
// CHECK:        aie.flow(%t00, DMA : 0, %t02, DMA : 0)
// CHECK-NEXT:   aie.objectfifo @of(%t00 dimensionsToStream [<size = 4, stride = 4>, <size = 4, stride = 1>], {%t02}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
// CHECK:        aie.objectfifo.link [@of2] -> [@of3]([] [])
// CHECK:          %{{.*}} = aie.dma_start(S2MM, 0, ^{{.*}}, ^{{.*}})
// CHECK:          aie.use_lock(%l, Acquire, 0)
// CHECK-NEXT:     aie.dma_bd(%b : memref<16xi32>, 0, 16, [<size = 4, stride = 4>, <size = 4, stride = 1>])
// CHECK-NEXT:     aie.use_lock(%l, Release, 1)
// CHECK:        aie.runtime_sequence(%arg0: memref<16xi32>) {
// CHECK-NEXT:     aiex.npu.dma_memcpy_nd(%arg0[0, 0, 0, 0][1, 1, 1, 16][0, 0, 0, 1]) {id = 0 : i64, metadata = @of} : memref<16xi32>
// CHECK-NEXT:   }

// -----

// The generic form of the older op keeps it; its custom form, read again,
// becomes today's op.
"aie.device"() <{device = 4 : i32}> ({
  "aiex.runtime_sequence"() <{sym_name = "old"}> ({
  ^bb0(%arg0: memref<8xi32>):
  }) : () -> ()
  "aie.end"() : () -> ()
}) : () -> ()

// CHECK:      aie.device(npu1) {
// CHECK-NEXT:   {{aiex?}}.runtime_sequence @old(%arg0: memref<8xi32>) {
// CHECK-NEXT:   }
// CHECK-NEXT: }
