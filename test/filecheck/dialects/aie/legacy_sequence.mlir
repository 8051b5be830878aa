// RUN: dato-opt %s --split-input-file | filecheck %s
// RUN: dato-opt %s --split-input-file | dato-opt --split-input-file | filecheck %s

// mlir-aie before 2024: objectfifo layouts spelt `toStream [...]` on the producer
// and `fromStream [...]` on each consumer (now dimensionsToStream /
// dimensionsFromStream), and the host program was a `func.func @sequence` in
// the device (now aie.runtime_sequence). Both parse and print today's spelling;
// other functions (a kernel's declaration) stay functions.
module {
  aie.device(npu1) {
    %t00 = aie.tile(0, 0)
    %t02 = aie.tile(0, 2)
    %t03 = aie.tile(0, 3)
    func.func private @scale(memref<16xi32>) -> ()
    aie.objectfifo @in(%t00 toStream [<size = 4, stride = 4>, <size = 4, stride = 1>], {%t02 fromStream [<size = 16, stride = 1>], %t03 fromStream [<4, 1>]}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
    aie.objectfifo @out(%t02, {%t00}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
    func.func @sequence(%a: memref<16xi32>, %b: memref<16xi32>) {
      aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 1, 16][0, 0, 0, 1]) {id = 0 : i64, metadata = @in} : memref<16xi32>
      aiex.npu.dma_memcpy_nd(%b[0, 0, 0, 0][1, 1, 1, 16][0, 0, 0, 1]) {id = 1 : i64, metadata = @out} : memref<16xi32>
      return
    }
  }
}

// CHECK:      aie.device(npu1) {
// CHECK:        func.func private @scale(memref<16xi32>) -> ()
// CHECK-NEXT:   aie.objectfifo @in(%{{\w+}} dimensionsToStream [<size = 4, stride = 4>, <size = 4, stride = 1>], {%{{\w+}} dimensionsFromStream [<size = 16, stride = 1>], %{{\w+}} dimensionsFromStream [<size = 4, stride = 1>]}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
// CHECK-NEXT:   aie.objectfifo @out
// CHECK-NEXT:   aie.runtime_sequence @sequence(%[[A:\w+]]: memref<16xi32>, %[[B:\w+]]: memref<16xi32>) {
// CHECK-NEXT:     aiex.npu.dma_memcpy_nd(%[[A]][0, 0, 0, 0][1, 1, 1, 16][0, 0, 0, 1]) {id = 0 : i64, metadata = @in} : memref<16xi32>
// CHECK-NEXT:     aiex.npu.dma_memcpy_nd(%[[B]][0, 0, 0, 0][1, 1, 1, 16][0, 0, 0, 1]) {id = 1 : i64, metadata = @out} : memref<16xi32>
// CHECK-NEXT:   }
// CHECK-NEXT: }
// CHECK-NOT:  func.func @sequence
// CHECK-NOT:  return
