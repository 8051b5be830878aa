// RUN: dato-opt %s -p dato-npu-retile-gemm | filecheck %s

// A requantising GEMM on one instance, on npu1 (63 KiB for data beside the
// stack): int8 A and B, an int32 128x128 result (64 KiB), shifted, clamped
// from below, clamped from above (each step a fresh int32 block), narrowed to
// int8 and copied to C. Only two of the int32 blocks are live at any point
// (a step reads one and writes the next), with the int8 block and C: 9 bytes
// an element. With 8 KiB for the A/B K tiles, 64x64 sub-blocks fit (36 KiB),
// 128x64 do not (72 KiB), so the grid is refined 2 x 2 and every block local
// becomes 64x64, each sub-block's epilogue done on it. Counting all four
// int32 locals at once (18 bytes an element) would have cut 2 x 4.
// CHECK-LABEL: dato.region @requant
// CHECK:         dato.group @mm of @mm grid [2, 2] {{.*}} instances [
// CHECK-NEXT:      @mm_0_0 pid [0, 0] offsets {{\[}}[0, 0], [0, 0], [0, 0]] streams [],
// CHECK-NEXT:      @mm_0_1 pid [0, 1] offsets {{\[}}[0, 0], [0, 64], [0, 64]] streams [],
// CHECK-NEXT:      @mm_1_0 pid [1, 0] offsets {{\[}}[64, 0], [0, 0], [64, 0]] streams [],
// CHECK-NEXT:      @mm_1_1 pid [1, 1] offsets {{\[}}[64, 0], [0, 64], [64, 64]] streams []
// CHECK-NEXT:    ] attributes {dato.retiled = [2 : i64, 2 : i64], dato.retiled_with = [@mm]} {
// CHECK-NEXT:    ^bb0(%a: memref<64x64xi8>, %b: memref<64x64xi8>, %c: memref<64x64xi8>):
// CHECK-NEXT:      %acc = memref.alloc() : memref<64x64xi32>
// CHECK:           linalg.matmul ins(%a, %b : memref<64x64xi8>, memref<64x64xi8>) outs(%acc : memref<64x64xi32>)
// CHECK:           %q = memref.alloc() : memref<64x64xi32>
// CHECK:           %lo = memref.alloc() : memref<64x64xi32>
// CHECK:           %hi = memref.alloc() : memref<64x64xi32>
// CHECK:           %n = memref.alloc() : memref<64x64xi8>
// CHECK-NOT:       128
// CHECK:           "memref.copy"(%n, %c) : (memref<64x64xi8>, memref<64x64xi8>) -> ()

dato.region @requant(%A: memref<128x64xi8>, %B: memref<64x128xi8>, %C: memref<128x128xi8>) {
  dato.group @mm of @mm grid [1, 1] (%A : memref<128x64xi8>, %B : memref<64x128xi8>, %C : memref<128x128xi8>) ports [] instances [
    @mm_0_0 pid [0, 0] offsets [[0, 0], [0, 0], [0, 0]] streams []
  ] {
  ^bb0(%a: memref<128x64xi8>, %b: memref<64x128xi8>, %c: memref<128x128xi8>):
    %acc = memref.alloc() : memref<128x128xi32>
    %zero = arith.constant 0 : i32
    linalg.fill ins(%zero : i32) outs(%acc : memref<128x128xi32>)
    linalg.matmul ins(%a, %b : memref<128x64xi8>, memref<64x128xi8>) outs(%acc : memref<128x128xi32>)
    %shift = arith.constant 6 : i32
    %low = arith.constant -128 : i32
    %high = arith.constant 127 : i32
    %0 = arith.constant 0 : index
    %1 = arith.constant 128 : index
    %2 = arith.constant 1 : index
    %q = memref.alloc() : memref<128x128xi32>
    scf.for %x = %0 to %1 step %2 {
      scf.for %y = %0 to %1 step %2 {
        %3 = memref.load %acc[%x, %y] : memref<128x128xi32>
        %4 = arith.shrsi %3, %shift : i32
        memref.store %4, %q[%x, %y] : memref<128x128xi32>
      }
    }
    %lo = memref.alloc() : memref<128x128xi32>
    scf.for %x = %0 to %1 step %2 {
      scf.for %y = %0 to %1 step %2 {
        %3 = memref.load %q[%x, %y] : memref<128x128xi32>
        %4 = arith.maxsi %3, %low : i32
        memref.store %4, %lo[%x, %y] : memref<128x128xi32>
      }
    }
    %hi = memref.alloc() : memref<128x128xi32>
    scf.for %x = %0 to %1 step %2 {
      scf.for %y = %0 to %1 step %2 {
        %3 = memref.load %lo[%x, %y] : memref<128x128xi32>
        %4 = arith.minsi %3, %high : i32
        memref.store %4, %hi[%x, %y] : memref<128x128xi32>
      }
    }
    %n = memref.alloc() : memref<128x128xi8>
    scf.for %x = %0 to %1 step %2 {
      scf.for %y = %0 to %1 step %2 {
        %3 = memref.load %hi[%x, %y] : memref<128x128xi32>
        %4 = arith.trunci %3 : i32 to i8
        memref.store %4, %n[%x, %y] : memref<128x128xi8>
      }
    }
    "memref.copy"(%n, %c) : (memref<128x128xi8>, memref<128x128xi8>) -> ()
  }
}
