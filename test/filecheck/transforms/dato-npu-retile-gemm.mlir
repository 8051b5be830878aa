// RUN: dato-opt %s --split-input-file -p dato-npu-retile-gemm | filecheck %s

// Case 1: one instance computing a 256x128 int32 C (128 KiB) on npu1 (64 KiB
// data memory, 1 KiB stack): cut 2 x 2 into 128x64 blocks (32 KiB, within
// 63 KiB less 8 KiB for A/B tiles; the next larger blocks, 256x64 and
// 128x128, are 64 KiB; of the two 32 KiB shapes 128x64 is the squarer).
// Each new instance takes its rows of A, its columns of B and its block of
// C; pids row-major.
// CHECK-LABEL: dato.region @top
// CHECK:       dato.group @gemm of @gemm grid [2, 2] {{.*}} ports [] instances [
// CHECK-NEXT:    @gemm_0_0 pid [0, 0] offsets {{\[}}[0, 0], [0, 0], [0, 0]] streams [],
// CHECK-NEXT:    @gemm_0_1 pid [0, 1] offsets {{\[}}[0, 0], [0, 64], [0, 64]] streams [],
// CHECK-NEXT:    @gemm_1_0 pid [1, 0] offsets {{\[}}[128, 0], [0, 0], [128, 0]] streams [],
// CHECK-NEXT:    @gemm_1_1 pid [1, 1] offsets {{\[}}[128, 0], [0, 64], [128, 64]] streams []
// CHECK-NEXT:  ] attributes {dato.retiled = [2 : i64, 2 : i64]} {
// CHECK-NEXT:  ^bb0(%a: memref<128x16xi32>, %b: memref<16x64xi32>, %c: memref<128x64xi32>):
// CHECK-NEXT:    %0 = memref.alloc() : memref<128x64xi32>
// CHECK-NEXT:    %1 = arith.constant 0 : i32
// CHECK-NEXT:    linalg.fill ins(%1 : i32) outs(%0 : memref<128x64xi32>)
// CHECK-NEXT:    linalg.matmul ins(%a, %b : memref<128x16xi32>, memref<16x64xi32>) outs(%0 : memref<128x64xi32>)
// CHECK-NEXT:    "memref.copy"(%0, %c) : (memref<128x64xi32>, memref<128x64xi32>) -> ()
// CHECK-NEXT:  }

dato.region @top(%A: memref<256x16xi32>, %B: memref<16x128xi32>, %C: memref<256x128xi32>) {
  dato.group @gemm of @gemm grid [1, 1] (%A : memref<256x16xi32>, %B : memref<16x128xi32>, %C : memref<256x128xi32>) ports [] instances [
    @gemm_0_0 pid [0, 0] offsets [[0, 0], [0, 0], [0, 0]] streams []
  ] {
  ^bb0(%a: memref<256x16xi32>, %b: memref<16x128xi32>, %c: memref<256x128xi32>):
    %0 = memref.alloc() : memref<256x128xi32>
    %1 = arith.constant 0 : i32
    linalg.fill ins(%1 : i32) outs(%0 : memref<256x128xi32>)
    linalg.matmul ins(%a, %b : memref<256x16xi32>, memref<16x128xi32>) outs(%0 : memref<256x128xi32>)
    "memref.copy"(%0, %c) : (memref<256x128xi32>, memref<256x128xi32>) -> ()
  }
}

// -----

// Case 2: 32x32 int32 blocks (4 KiB) fit: left as written.
// CHECK-LABEL: dato.region @fits
// CHECK:       grid [2, 1]
// CHECK-NOT:   dato.retiled

dato.region @fits(%A: memref<64x16xi32>, %B: memref<16x32xi32>, %C: memref<64x32xi32>) {
  dato.group @gemm of @gemm grid [2, 1] (%A : memref<64x16xi32>, %B : memref<16x32xi32>, %C : memref<64x32xi32>) ports [] instances [
    @gemm_0_0 pid [0, 0] offsets [[0, 0], [0, 0], [0, 0]] streams [],
    @gemm_1_0 pid [1, 0] offsets [[32, 0], [0, 0], [32, 0]] streams []
  ] {
  ^bb0(%a: memref<32x16xi32>, %b: memref<16x32xi32>, %c: memref<32x32xi32>):
    %0 = memref.alloc() : memref<32x32xi32>
    %1 = arith.constant 0 : i32
    linalg.fill ins(%1 : i32) outs(%0 : memref<32x32xi32>)
    linalg.matmul ins(%a, %b : memref<32x16xi32>, memref<16x32xi32>) outs(%0 : memref<32x32xi32>)
    "memref.copy"(%0, %c) : (memref<32x32xi32>, memref<32x32xi32>) -> ()
  }
}

// -----

// Case 3: the same large block, but the user bundled the instances: their
// names are the user's, so the group is left as written (physical mapping
// then reports the memory).
// CHECK-LABEL: dato.region @named
// CHECK:       grid [1, 2]
// CHECK-NOT:   dato.retiled

dato.region @named(%A: memref<128x16xi32>, %B: memref<16x256xi32>, %C: memref<128x256xi32>) {
  dato.group @gemm of @gemm grid [1, 2] (%A : memref<128x16xi32>, %B : memref<16x256xi32>, %C : memref<128x256xi32>) ports [] instances [
    @gemm_0_0 pid [0, 0] offsets [[0, 0], [0, 0], [0, 0]] streams [],
    @gemm_0_1 pid [0, 1] offsets [[0, 0], [0, 128], [0, 128]] streams []
  ] {
  ^bb0(%a: memref<128x16xi32>, %b: memref<16x128xi32>, %c: memref<128x128xi32>):
    %0 = memref.alloc() : memref<128x128xi32>
    %1 = arith.constant 0 : i32
    linalg.fill ins(%1 : i32) outs(%0 : memref<128x128xi32>)
    linalg.matmul ins(%a, %b : memref<128x16xi32>, memref<16x128xi32>) outs(%0 : memref<128x128xi32>)
    "memref.copy"(%0, %c) : (memref<128x128xi32>, memref<128x128xi32>) -> ()
  }
  dato.bundle [@gemm_0_0, @gemm_0_1]
}

// -----

// Case 4: a body that does more than the GEMM (here it stores A's first
// element into C's) is not cut: the rule covers exactly alloc, fill, one
// matmul and the copy.
// CHECK-LABEL: dato.region @more
// CHECK:       grid [1, 1]
// CHECK-NOT:   dato.retiled

dato.region @more(%A: memref<128x16xi32>, %B: memref<16x128xi32>, %C: memref<128x128xi32>) {
  dato.group @gemm of @gemm grid [1, 1] (%A : memref<128x16xi32>, %B : memref<16x128xi32>, %C : memref<128x128xi32>) ports [] instances [
    @gemm_0_0 pid [0, 0] offsets [[0, 0], [0, 0], [0, 0]] streams []
  ] {
  ^bb0(%a: memref<128x16xi32>, %b: memref<16x128xi32>, %c: memref<128x128xi32>):
    %0 = memref.alloc() : memref<128x128xi32>
    %1 = arith.constant 0 : i32
    linalg.fill ins(%1 : i32) outs(%0 : memref<128x128xi32>)
    linalg.matmul ins(%a, %b : memref<128x16xi32>, memref<16x128xi32>) outs(%0 : memref<128x128xi32>)
    "memref.copy"(%0, %c) : (memref<128x128xi32>, memref<128x128xi32>) -> ()
    %2 = arith.constant 0 : index
    %3 = memref.load %a[%2, %2] : memref<128x16xi32>
    memref.store %3, %c[%2, %2] : memref<128x128xi32>
  }
}
