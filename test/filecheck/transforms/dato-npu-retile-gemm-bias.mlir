// RUN: dato-opt %s --split-input-file -p dato-npu-retile-gemm | filecheck %s

// A GEMM task whose result is consumed by an epilogue in the same task, on no
// stream: each result element plus the bias of its column. Each of the 2 x 2
// instances holds two 128x128 int32 blocks (the matmul's and the copy's) and
// its 128x128 slice of C, 192 KiB, on npu1 (63 KiB beside the stack). Every
// element of C depends only on the same element of the matmul result and on
// the bias of its column, so the grid is refined like a GEMM's: 2 x 2 cut,
// 64x64 blocks (48 KiB with the 8 KiB left for A/B K tiles), and the bias,
// indexed by the column loop, is sliced with the columns (its offsets move by
// 64 with v), the block loops run to 64.
// CHECK-LABEL: dato.region @bias_cols
// CHECK:         dato.group @mm of @mm grid [4, 4] {{.*}} ports [] instances [
// CHECK-NEXT:      @mm_0_0 pid [0, 0] offsets {{\[}}[0, 0], [0, 0], [0], [0, 0]] streams [],
// CHECK-NEXT:      @mm_0_1 pid [0, 1] offsets {{\[}}[0, 0], [0, 64], [64], [0, 64]] streams [],
// CHECK-NEXT:      @mm_0_2 pid [0, 2] offsets {{\[}}[0, 0], [0, 128], [128], [0, 128]] streams [],
// CHECK-NEXT:      @mm_0_3 pid [0, 3] offsets {{\[}}[0, 0], [0, 192], [192], [0, 192]] streams [],
// CHECK-NEXT:      @mm_1_0 pid [1, 0] offsets {{\[}}[64, 0], [0, 0], [0], [64, 0]] streams [],
// CHECK:           @mm_3_3 pid [3, 3] offsets {{\[}}[192, 0], [0, 192], [192], [192, 192]] streams []
// CHECK-NEXT:    ] attributes {dato.retiled = [2 : i64, 2 : i64], dato.retiled_with = [@mm]} {
// CHECK-NEXT:    ^bb0(%a: memref<64x32xi32>, %b: memref<32x64xi32>, %bb: memref<64xi32>, %c: memref<64x64xi32>):
// CHECK-NEXT:      %t = memref.alloc() : memref<64x64xi32>
// CHECK:           linalg.matmul ins(%a, %b : memref<64x32xi32>, memref<32x64xi32>) outs(%{{.*}} : memref<64x64xi32>)
// CHECK:           %[[ROWS:.*]] = arith.constant 64 : index
// CHECK-NEXT:      scf.for %x = %{{.*}} to %[[ROWS]] step
// CHECK-NEXT:        %[[COLS:.*]] = arith.constant 64 : index
// CHECK-NEXT:        scf.for %y = %{{.*}} to %[[COLS]] step
// CHECK-NEXT:          %{{.*}} = memref.load %t[%x, %y] : memref<64x64xi32>
// CHECK-NEXT:          %{{.*}} = memref.load %bb[%y] : memref<64xi32>
// CHECK:               memref.store %{{.*}}, %c[%x, %y] : memref<64x64xi32>

dato.region @bias_cols(%A: memref<256x32xi32>, %B: memref<32x256xi32>, %bias: memref<256xi32>, %C: memref<256x256xi32>) {
  dato.group @mm of @mm grid [2, 2] (%A : memref<256x32xi32>, %B : memref<32x256xi32>, %bias : memref<256xi32>, %C : memref<256x256xi32>) ports [] instances [
    @mm_0_0 pid [0, 0] offsets [[0, 0], [0, 0], [0], [0, 0]] streams [],
    @mm_0_1 pid [0, 1] offsets [[0, 0], [0, 128], [128], [0, 128]] streams [],
    @mm_1_0 pid [1, 0] offsets [[128, 0], [0, 0], [0], [128, 0]] streams [],
    @mm_1_1 pid [1, 1] offsets [[128, 0], [0, 128], [128], [128, 128]] streams []
  ] {
  ^bb0(%a: memref<128x32xi32>, %b: memref<32x128xi32>, %bb: memref<128xi32>, %c: memref<128x128xi32>):
    %t = memref.alloc() : memref<128x128xi32>
    %0 = memref.alloc() : memref<128x128xi32>
    %1 = arith.constant 0 : i32
    linalg.fill ins(%1 : i32) outs(%0 : memref<128x128xi32>)
    linalg.matmul ins(%a, %b : memref<128x32xi32>, memref<32x128xi32>) outs(%0 : memref<128x128xi32>)
    "memref.copy"(%0, %t) : (memref<128x128xi32>, memref<128x128xi32>) -> ()
    %2 = arith.constant 0 : index
    %3 = arith.constant 128 : index
    %4 = arith.constant 1 : index
    scf.for %x = %2 to %3 step %4 {
      scf.for %y = %2 to %3 step %4 {
        %5 = memref.load %t[%x, %y] : memref<128x128xi32>
        %6 = memref.load %bb[%y] : memref<128xi32>
        %7 = arith.addi %5, %6 : i32
        memref.store %7, %c[%x, %y] : memref<128x128xi32>
      }
    }
  }
}

// -----

// A scale along the rows and a bias along the columns, one instance of a
// 128x128 int32 result: the instance becomes 2 x 2 instances of 64x64
// sub-blocks; the scale is sliced with the rows (offset 64 for u = 1), the
// bias with the columns (offset 64 for v = 1).
// CHECK-LABEL: dato.region @scale_rows_bias_cols
// CHECK:         dato.group @mm of @mm grid [2, 2] {{.*}} ports [] instances [
// CHECK-NEXT:      @mm_0_0 pid [0, 0] offsets {{\[}}[0, 0], [0, 0], [0], [0], [0, 0]] streams [],
// CHECK-NEXT:      @mm_0_1 pid [0, 1] offsets {{\[}}[0, 0], [0, 64], [64], [0], [0, 64]] streams [],
// CHECK-NEXT:      @mm_1_0 pid [1, 0] offsets {{\[}}[64, 0], [0, 0], [0], [64], [64, 0]] streams [],
// CHECK-NEXT:      @mm_1_1 pid [1, 1] offsets {{\[}}[64, 0], [0, 64], [64], [64], [64, 64]] streams []
// CHECK-NEXT:    ] attributes {dato.retiled = [2 : i64, 2 : i64], dato.retiled_with = [@mm]} {
// CHECK-NEXT:    ^bb0(%a: memref<64x64xi32>, %b: memref<64x64xi32>, %bb: memref<64xi32>, %sc: memref<64xi32>, %c: memref<64x64xi32>):
// CHECK:               %{{.*}} = memref.load %sc[%x] : memref<64xi32>
// CHECK:               %{{.*}} = memref.load %bb[%y] : memref<64xi32>

dato.region @scale_rows_bias_cols(%A: memref<128x64xi32>, %B: memref<64x128xi32>, %bias: memref<128xi32>, %scale: memref<128xi32>, %C: memref<128x128xi32>) {
  dato.group @mm of @mm grid [1, 1] (%A : memref<128x64xi32>, %B : memref<64x128xi32>, %bias : memref<128xi32>, %scale : memref<128xi32>, %C : memref<128x128xi32>) ports [] instances [
    @mm_0_0 pid [0, 0] offsets [[0, 0], [0, 0], [0], [0], [0, 0]] streams []
  ] {
  ^bb0(%a: memref<128x64xi32>, %b: memref<64x128xi32>, %bb: memref<128xi32>, %sc: memref<128xi32>, %c: memref<128x128xi32>):
    %t = memref.alloc() : memref<128x128xi32>
    %0 = memref.alloc() : memref<128x128xi32>
    %1 = arith.constant 0 : i32
    linalg.fill ins(%1 : i32) outs(%0 : memref<128x128xi32>)
    linalg.matmul ins(%a, %b : memref<128x64xi32>, memref<64x128xi32>) outs(%0 : memref<128x128xi32>)
    "memref.copy"(%0, %t) : (memref<128x128xi32>, memref<128x128xi32>) -> ()
    %2 = arith.constant 0 : index
    %3 = arith.constant 128 : index
    %4 = arith.constant 1 : index
    scf.for %x = %2 to %3 step %4 {
      scf.for %y = %2 to %3 step %4 {
        %5 = memref.load %t[%x, %y] : memref<128x128xi32>
        %6 = memref.load %sc[%x] : memref<128xi32>
        %7 = arith.muli %5, %6 : i32
        %8 = memref.load %bb[%y] : memref<128xi32>
        %9 = arith.addi %7, %8 : i32
        memref.store %9, %c[%x, %y] : memref<128x128xi32>
      }
    }
  }
}

// -----

// The epilogue adds the bias of the element's row to the result's first
// column (`t[x, 0]`): a sub-block would need a column another instance
// computes, so the task is not cut (physical mapping then names its memory).
// CHECK-LABEL: dato.region @first_column
// CHECK:         dato.group @mm of @mm grid [1, 1]
// CHECK-NOT:     dato.retiled
// CHECK:         ^bb0(%a: memref<128x64xi32>, %b: memref<64x128xi32>, %bb: memref<128xi32>, %c: memref<128x128xi32>):

dato.region @first_column(%A: memref<128x64xi32>, %B: memref<64x128xi32>, %bias: memref<128xi32>, %C: memref<128x128xi32>) {
  dato.group @mm of @mm grid [1, 1] (%A : memref<128x64xi32>, %B : memref<64x128xi32>, %bias : memref<128xi32>, %C : memref<128x128xi32>) ports [] instances [
    @mm_0_0 pid [0, 0] offsets [[0, 0], [0, 0], [0], [0, 0]] streams []
  ] {
  ^bb0(%a: memref<128x64xi32>, %b: memref<64x128xi32>, %bb: memref<128xi32>, %c: memref<128x128xi32>):
    %t = memref.alloc() : memref<128x128xi32>
    %0 = memref.alloc() : memref<128x128xi32>
    %1 = arith.constant 0 : i32
    linalg.fill ins(%1 : i32) outs(%0 : memref<128x128xi32>)
    linalg.matmul ins(%a, %b : memref<128x64xi32>, memref<64x128xi32>) outs(%0 : memref<128x128xi32>)
    "memref.copy"(%0, %t) : (memref<128x128xi32>, memref<128x128xi32>) -> ()
    %2 = arith.constant 0 : index
    %3 = arith.constant 128 : index
    %4 = arith.constant 1 : index
    scf.for %x = %2 to %3 step %4 {
      scf.for %y = %2 to %3 step %4 {
        %5 = memref.load %t[%x, %2] : memref<128x128xi32>
        %6 = memref.load %bb[%x] : memref<128xi32>
        %7 = arith.addi %5, %6 : i32
        memref.store %7, %c[%x, %y] : memref<128x128xi32>
      }
    }
  }
}
