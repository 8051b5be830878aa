// RUN: dato-opt %s --split-input-file -p dato-npu-retile-gemm | filecheck %s

// Case 1: Allo's ping-pong GEMM on a [Pk, Pm, Pn] = [2, 1, 1] grid, int32
// 128x128 result blocks (64 KiB) on npu1 (63 KiB for data beside the
// stack). The first task puts its product on the partial-sum stream, the
// second adds it to its own and writes C. Per element the second holds its
// product, the sum, its C block and one object of the stream (16 bytes)
// beside 8 KiB for A/B tiles: sub-blocks of at most 3,520 elements; 64x32
// (2,048) is the largest squarest one. Both tasks are cut 2 x 4 along the
// M and N of the result (the grid's last two dimensions; K, the first,
// keeps its chain), the stream becomes eight streams of 64x32 blocks, sub-
// block (u, v) of the first task going to sub-block (u, v) of the second,
// and each instance takes its rows of A, its columns of B and its block of
// C.
// CHECK-LABEL: dato.region @pingpong
// CHECK-NEXT:    dato.stream @pipe_0_0 : !dato.stream<memref<64x32xi32>, 2>
// CHECK-NEXT:    dato.stream @pipe_0_1 : !dato.stream<memref<64x32xi32>, 2>
// CHECK-NEXT:    dato.stream @pipe_0_2 : !dato.stream<memref<64x32xi32>, 2>
// CHECK-NEXT:    dato.stream @pipe_0_3 : !dato.stream<memref<64x32xi32>, 2>
// CHECK-NEXT:    dato.stream @pipe_1_0 : !dato.stream<memref<64x32xi32>, 2>
// CHECK-NEXT:    dato.stream @pipe_1_1 : !dato.stream<memref<64x32xi32>, 2>
// CHECK-NEXT:    dato.stream @pipe_1_2 : !dato.stream<memref<64x32xi32>, 2>
// CHECK-NEXT:    dato.stream @pipe_1_3 : !dato.stream<memref<64x32xi32>, 2>
// CHECK-NEXT:    dato.group @g0 of @gemm grid [2, 2, 4] {{.*}} ports [@pipe_port] instances [
// CHECK-NEXT:      @gemm_0_0_0 pid [0, 0, 0] offsets {{\[}}[0, 0], [0, 0], [0, 0]] streams [@pipe_0_0],
// CHECK-NEXT:      @gemm_0_0_1 pid [0, 0, 1] offsets {{\[}}[0, 0], [0, 32], [0, 32]] streams [@pipe_0_1],
// CHECK-NEXT:      @gemm_0_0_2 pid [0, 0, 2] offsets {{\[}}[0, 0], [0, 64], [0, 64]] streams [@pipe_0_2],
// CHECK-NEXT:      @gemm_0_0_3 pid [0, 0, 3] offsets {{\[}}[0, 0], [0, 96], [0, 96]] streams [@pipe_0_3],
// CHECK-NEXT:      @gemm_0_1_0 pid [0, 1, 0] offsets {{\[}}[64, 0], [0, 0], [64, 0]] streams [@pipe_1_0],
// CHECK-NEXT:      @gemm_0_1_1 pid [0, 1, 1] offsets {{\[}}[64, 0], [0, 32], [64, 32]] streams [@pipe_1_1],
// CHECK-NEXT:      @gemm_0_1_2 pid [0, 1, 2] offsets {{\[}}[64, 0], [0, 64], [64, 64]] streams [@pipe_1_2],
// CHECK-NEXT:      @gemm_0_1_3 pid [0, 1, 3] offsets {{\[}}[64, 0], [0, 96], [64, 96]] streams [@pipe_1_3]
// CHECK-NEXT:    ] attributes {dato.retiled = [2 : i64, 4 : i64], dato.retiled_with = [@g0, @g1]} {
// CHECK-NEXT:    ^bb0(%a: memref<64x32xi32>, %b: memref<32x32xi32>, %c: memref<64x32xi32>):
// CHECK:           linalg.matmul ins(%a, %b : memref<64x32xi32>, memref<32x32xi32>) outs(%{{.*}} : memref<64x32xi32>)
// CHECK-NEXT:      dato.put @pipe_port, %{{.*}} : memref<64x32xi32>
// CHECK:         dato.group @g1 of @gemm grid [2, 2, 4] {{.*}} ports [@pipe_port] instances [
// CHECK-NEXT:      @gemm_1_0_0 pid [1, 0, 0] offsets {{\[}}[0, 32], [32, 0], [0, 0]] streams [@pipe_0_0],
// CHECK-NEXT:      @gemm_1_0_1 pid [1, 0, 1] offsets {{\[}}[0, 32], [32, 32], [0, 32]] streams [@pipe_0_1],
// CHECK:           @gemm_1_1_3 pid [1, 1, 3] offsets {{\[}}[64, 32], [32, 96], [64, 96]] streams [@pipe_1_3]
// CHECK-NEXT:    ] attributes {dato.retiled = [2 : i64, 4 : i64], dato.retiled_with = [@g0, @g1]} {
// CHECK-NEXT:    ^bb0(%a: memref<64x32xi32>, %b: memref<32x32xi32>, %c: memref<64x32xi32>):
// CHECK:           linalg.matmul ins(%a, %b : memref<64x32xi32>, memref<32x32xi32>) outs(%[[P:.*]] : memref<64x32xi32>)
// CHECK-NEXT:      %[[IN:.*]] = dato.get @pipe_port : memref<64x32xi32>
// CHECK-NEXT:      %[[S:.*]] = memref.alloc() : memref<64x32xi32>
// CHECK-NEXT:      linalg.add ins(%[[IN]], %[[P]] : memref<64x32xi32>, memref<64x32xi32>) outs(%[[S]] : memref<64x32xi32>)
// CHECK-NEXT:      "memref.copy"(%[[S]], %c) : (memref<64x32xi32>, memref<64x32xi32>) -> ()

dato.region @pingpong(%A: memref<128x64xi32>, %B: memref<64x128xi32>, %C: memref<128x128xi32>) {
  dato.stream @pipe : !dato.stream<memref<128x128xi32>, 2>
  dato.group @g0 of @gemm grid [2, 1, 1] (%A : memref<128x64xi32>, %B : memref<64x128xi32>, %C : memref<128x128xi32>) ports [] instances [
    @gemm_0_0_0 pid [0, 0, 0] offsets [[0, 0], [0, 0], [0, 0]] streams []
  ] {
  ^bb0(%a: memref<128x32xi32>, %b: memref<32x128xi32>, %c: memref<128x128xi32>):
    %0 = arith.constant 0 : i32
    %1 = memref.alloc() : memref<128x128xi32>
    linalg.fill ins(%0 : i32) outs(%1 : memref<128x128xi32>)
    linalg.matmul ins(%a, %b : memref<128x32xi32>, memref<32x128xi32>) outs(%1 : memref<128x128xi32>)
    dato.put @pipe, %1 : memref<128x128xi32>
  }
  dato.group @g1 of @gemm grid [2, 1, 1] (%A : memref<128x64xi32>, %B : memref<64x128xi32>, %C : memref<128x128xi32>) ports [] instances [
    @gemm_1_0_0 pid [1, 0, 0] offsets [[0, 32], [32, 0], [0, 0]] streams []
  ] {
  ^bb0(%a: memref<128x32xi32>, %b: memref<32x128xi32>, %c: memref<128x128xi32>):
    %0 = memref.alloc() : memref<128x128xi32>
    %1 = arith.constant 0 : i32
    linalg.fill ins(%1 : i32) outs(%0 : memref<128x128xi32>)
    linalg.matmul ins(%a, %b : memref<128x32xi32>, memref<32x128xi32>) outs(%0 : memref<128x128xi32>)
    %2 = dato.get @pipe : memref<128x128xi32>
    %3 = memref.alloc() : memref<128x128xi32>
    linalg.add ins(%2, %0 : memref<128x128xi32>, memref<128x128xi32>) outs(%3 : memref<128x128xi32>)
    "memref.copy"(%3, %c) : (memref<128x128xi32>, memref<128x128xi32>) -> ()
  }
}

// -----

// Case 2: the same chain, but the second task adds the partial sum
// transposed (c[x, y] = p[y, x] + its product): a sub-block of C needs
// another sub-block of the partial, so the chain is left as written (and
// physical mapping's refusal names the user's tasks).
// CHECK-LABEL: dato.region @transposed
// CHECK-NEXT:    dato.stream @pipe : !dato.stream<memref<128x128xi32>, 2>
// CHECK-NEXT:    dato.group @g0 of @gemm grid [2, 1, 1]
// CHECK-NOT:     dato.retiled
// CHECK:         dato.group @g1 of @gemm grid [2, 1, 1]
// CHECK-NOT:     dato.retiled

dato.region @transposed(%A: memref<128x64xi32>, %B: memref<64x128xi32>, %C: memref<128x128xi32>) {
  dato.stream @pipe : !dato.stream<memref<128x128xi32>, 2>
  dato.group @g0 of @gemm grid [2, 1, 1] (%A : memref<128x64xi32>, %B : memref<64x128xi32>, %C : memref<128x128xi32>) ports [] instances [
    @gemm_0_0_0 pid [0, 0, 0] offsets [[0, 0], [0, 0], [0, 0]] streams []
  ] {
  ^bb0(%a: memref<128x32xi32>, %b: memref<32x128xi32>, %c: memref<128x128xi32>):
    %0 = arith.constant 0 : i32
    %1 = memref.alloc() : memref<128x128xi32>
    linalg.fill ins(%0 : i32) outs(%1 : memref<128x128xi32>)
    linalg.matmul ins(%a, %b : memref<128x32xi32>, memref<32x128xi32>) outs(%1 : memref<128x128xi32>)
    dato.put @pipe, %1 : memref<128x128xi32>
  }
  dato.group @g1 of @gemm grid [2, 1, 1] (%A : memref<128x64xi32>, %B : memref<64x128xi32>, %C : memref<128x128xi32>) ports [] instances [
    @gemm_1_0_0 pid [1, 0, 0] offsets [[0, 32], [32, 0], [0, 0]] streams []
  ] {
  ^bb0(%a: memref<128x32xi32>, %b: memref<32x128xi32>, %c: memref<128x128xi32>):
    %0 = memref.alloc() : memref<128x128xi32>
    %1 = arith.constant 0 : i32
    linalg.fill ins(%1 : i32) outs(%0 : memref<128x128xi32>)
    linalg.matmul ins(%a, %b : memref<128x32xi32>, memref<32x128xi32>) outs(%0 : memref<128x128xi32>)
    %2 = dato.get @pipe : memref<128x128xi32>
    %lb = arith.constant 0 : index
    %ub = arith.constant 128 : index
    %st = arith.constant 1 : index
    scf.for %x = %lb to %ub step %st {
      scf.for %y = %lb to %ub step %st {
        %p = memref.load %2[%y, %x] : memref<128x128xi32>
        %q = memref.load %0[%x, %y] : memref<128x128xi32>
        %s = arith.addi %p, %q : i32
        memref.store %s, %c[%x, %y] : memref<128x128xi32>
      }
    }
  }
}
