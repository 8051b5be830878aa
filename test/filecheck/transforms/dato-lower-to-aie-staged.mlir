// RUN: dato-opt %s -p dato-virtual-map,dato-physical-map,dato-lower-to-aie | filecheck %s

// A kernel on a slice of a local (Allo's matmul(tmp_A[0], B)): library
// kernels take contiguous arrays, so the strided block is copied into a
// buffer of the tile first (element loops: the view is strided).
dato.region @slice(%A: memref<2x8x8xi32>, %B: memref<8x8xi32>, %C: memref<8x8xi32>) {
  dato.task @t grid [1] (%A : memref<2x8x8xi32> [R, R, R], %B : memref<8x8xi32> [R, R], %C : memref<8x8xi32> [R, R]) {
  ^bb0(%a: memref<2x8x8xi32>, %b: memref<8x8xi32>, %c: memref<8x8xi32>):
    %acc = memref.alloc() : memref<8x8xi32>
    %zero = arith.constant 0 : i32
    linalg.fill ins(%zero : i32) outs(%acc : memref<8x8xi32>)
    %a1 = memref.subview %a[1, 0, 0] [1, 8, 8] [1, 1, 1] : memref<2x8x8xi32> to memref<8x8xi32, strided<[8, 1], offset: 64>>
    linalg.matmul ins(%a1, %b : memref<8x8xi32, strided<[8, 1], offset: 64>>, memref<8x8xi32>) outs(%acc : memref<8x8xi32>)
    "memref.copy"(%acc, %c) : (memref<8x8xi32>, memref<8x8xi32>) -> ()
  }
}

// The accumulator's buffer, then the staging buffer of the slice.
// CHECK:      %[[ACC:.*]] = aie.buffer(%core_c0_r2) : memref<8x8xi32>
// CHECK-NEXT: %[[STAGE:.*]] = aie.buffer(%core_c0_r2) : memref<8x8xi32>
// CHECK:      %a1 = memref.subview
// CHECK-SAME:   to memref<8x8xi32, strided<[8, 1], offset: 64>>
// CHECK:      %[[V:.*]] = memref.load %a1
// CHECK-NEXT: memref.store %[[V]], %[[STAGE]]
// CHECK:      func.call @dato_matmul_i32_8x8x8(%[[STAGE]], %{{.*}}, %[[ACC]])
