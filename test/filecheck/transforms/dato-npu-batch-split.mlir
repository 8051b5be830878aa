// RUN: dato-opt %s --split-input-file -p dato-npu-batch-split | filecheck %s

// Case 1: two instances, each looping over its 2 batches of a 4x16x8 A and
// C (sharded on the batch) with a 8x8 B read whole: split into 4 instances
// [i, 0], one per batch, each with 16x8 blocks of A and C seen as 64x8 arrays
// (batch b is rows 16b .. 16b+15) and the loop body as the instance's body.
// CHECK-LABEL: dato.region @top(%A: memref<64x8xi32>, %B: memref<8x8xi32>, %C: memref<64x8xi32>)
// CHECK:       dato.group @k of @k grid [4, 1] (%A : memref<64x8xi32>, %B : memref<8x8xi32>, %C : memref<64x8xi32>) ports [] instances [
// CHECK-NEXT:    @k_0_0 pid [0, 0] offsets {{\[}}[0, 0], [0, 0], [0, 0]] streams [],
// CHECK-NEXT:    @k_1_0 pid [1, 0] offsets {{\[}}[16, 0], [0, 0], [16, 0]] streams [],
// CHECK-NEXT:    @k_2_0 pid [2, 0] offsets {{\[}}[32, 0], [0, 0], [32, 0]] streams [],
// CHECK-NEXT:    @k_3_0 pid [3, 0] offsets {{\[}}[48, 0], [0, 0], [48, 0]] streams []
// CHECK-NEXT:  ] attributes {dato.batch_split = 2 : i64} {
// CHECK-NEXT:  ^bb0(%a: memref<16x8xi32>, %b: memref<8x8xi32>, %c: memref<16x8xi32>):
// CHECK-NEXT:    %0 = memref.alloc() : memref<16x8xi32>
// CHECK-NEXT:    %1 = arith.constant 0 : i32
// CHECK-NEXT:    linalg.fill ins(%1 : i32) outs(%0 : memref<16x8xi32>)
// CHECK-NEXT:    linalg.matmul ins(%a, %b : memref<16x8xi32>, memref<8x8xi32>) outs(%0 : memref<16x8xi32>)
// CHECK-NEXT:    "memref.copy"(%0, %c) : (memref<16x8xi32>, memref<16x8xi32>) -> ()
// CHECK-NEXT:  }

dato.region @top(%A: memref<4x16x8xi32>, %B: memref<8x8xi32>, %C: memref<4x16x8xi32>) {
  dato.group @k of @k grid [2] (%A : memref<4x16x8xi32>, %B : memref<8x8xi32>, %C : memref<4x16x8xi32>) ports [] instances [
    @k_0 pid [0] offsets [[0, 0, 0], [0, 0], [0, 0, 0]] streams [],
    @k_1 pid [1] offsets [[2, 0, 0], [0, 0], [2, 0, 0]] streams []
  ] {
  ^bb0(%a: memref<2x16x8xi32>, %b: memref<8x8xi32>, %c: memref<2x16x8xi32>):
    %0 = arith.constant 0 : index
    %1 = arith.constant 2 : index
    %2 = arith.constant 1 : index
    scf.for %t = %0 to %1 step %2 {
      %3 = memref.subview %a[%t, 0, 0] [1, 16, 8] [1, 1, 1] : memref<2x16x8xi32> to memref<16x8xi32, strided<[8, 1], offset: ?>>
      %4 = memref.alloc() : memref<16x8xi32>
      %5 = arith.constant 0 : i32
      linalg.fill ins(%5 : i32) outs(%4 : memref<16x8xi32>)
      linalg.matmul ins(%3, %b : memref<16x8xi32, strided<[8, 1], offset: ?>>, memref<8x8xi32>) outs(%4 : memref<16x8xi32>)
      %6 = memref.subview %c[%t, 0, 0] [1, 16, 8] [1, 1, 1] : memref<2x16x8xi32> to memref<16x8xi32, strided<[8, 1], offset: ?>>
      "memref.copy"(%4, %6) : (memref<16x8xi32>, memref<16x8xi32, strided<[8, 1], offset: ?>>) -> ()
    }
  }
}

// -----

// Case 2: every iteration writes the whole of B (not a batch slice): the
// iterations are not independent, so the group stays as written, and so
// does A, which only this group uses.
// CHECK-LABEL: dato.region @top(%A: memref<4x16x8xi32>, %B: memref<16x8xi32>)
// CHECK:       dato.group @k of @k grid [2]
// CHECK-NOT:   dato.batch_split
// CHECK:       scf.for

dato.region @top(%A: memref<4x16x8xi32>, %B: memref<16x8xi32>) {
  dato.group @k of @k grid [2] (%A : memref<4x16x8xi32>, %B : memref<16x8xi32>) ports [] instances [
    @k_0 pid [0] offsets [[0, 0, 0], [0, 0]] streams [],
    @k_1 pid [1] offsets [[2, 0, 0], [0, 0]] streams []
  ] {
  ^bb0(%a: memref<2x16x8xi32>, %b: memref<16x8xi32>):
    %0 = arith.constant 0 : index
    %1 = arith.constant 2 : index
    %2 = arith.constant 1 : index
    scf.for %t = %0 to %1 step %2 {
      %3 = memref.subview %a[%t, 0, 0] [1, 16, 8] [1, 1, 1] : memref<2x16x8xi32> to memref<16x8xi32, strided<[8, 1], offset: ?>>
      "memref.copy"(%3, %b) : (memref<16x8xi32, strided<[8, 1], offset: ?>>, memref<16x8xi32>) -> ()
    }
  }
}

// -----

// Case 3: every iteration writes rows 0..7 of B through a view of it: still
// carried, left as written.
// CHECK-LABEL: dato.region @top(%A: memref<4x8x8xi32>, %B: memref<16x8xi32>)
// CHECK:       dato.group @k of @k grid [2]
// CHECK-NOT:   dato.batch_split
// CHECK:       scf.for

dato.region @top(%A: memref<4x8x8xi32>, %B: memref<16x8xi32>) {
  dato.group @k of @k grid [2] (%A : memref<4x8x8xi32>, %B : memref<16x8xi32>) ports [] instances [
    @k_0 pid [0] offsets [[0, 0, 0], [0, 0]] streams [],
    @k_1 pid [1] offsets [[2, 0, 0], [0, 0]] streams []
  ] {
  ^bb0(%a: memref<2x8x8xi32>, %b: memref<16x8xi32>):
    %0 = arith.constant 0 : index
    %1 = arith.constant 2 : index
    %2 = arith.constant 1 : index
    scf.for %t = %0 to %1 step %2 {
      %3 = memref.subview %a[%t, 0, 0] [1, 8, 8] [1, 1, 1] : memref<2x8x8xi32> to memref<8x8xi32, strided<[8, 1], offset: ?>>
      %4 = memref.subview %b[0, 0] [8, 8] [1, 1] : memref<16x8xi32> to memref<8x8xi32, strided<[8, 1]>>
      "memref.copy"(%3, %4) : (memref<8x8xi32, strided<[8, 1], offset: ?>>, memref<8x8xi32, strided<[8, 1]>>) -> ()
    }
  }
}

// -----

// Case 4: the body reads its pid: the instance it runs as changes when split,
// so the group is left as written.
// CHECK-LABEL: dato.region @top(%A: memref<4x8x8xi32>)
// CHECK:       dato.group @k of @k grid [2]
// CHECK-NOT:   dato.batch_split
// CHECK:       scf.for

dato.region @top(%A: memref<4x8x8xi32>) {
  dato.group @k of @k grid [2] (%A : memref<4x8x8xi32>) ports [] instances [
    @k_0 pid [0] offsets [[0, 0, 0]] streams [],
    @k_1 pid [1] offsets [[2, 0, 0]] streams []
  ] {
  ^bb0(%a: memref<2x8x8xi32>):
    %0 = arith.constant 0 : index
    %1 = arith.constant 2 : index
    %2 = arith.constant 1 : index
    scf.for %t = %0 to %1 step %2 {
      %3 = memref.subview %a[%t, 0, 0] [1, 8, 8] [1, 1, 1] : memref<2x8x8xi32> to memref<8x8xi32, strided<[8, 1], offset: ?>>
      %p = dato.pid : index
      %v = arith.index_cast %p : index to i32
      linalg.fill ins(%v : i32) outs(%3 : memref<8x8xi32, strided<[8, 1], offset: ?>>)
    }
  }
}
