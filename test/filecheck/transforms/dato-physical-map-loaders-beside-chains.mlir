// RUN: dato-opt %s -p "dato-virtual-map,dato-physical-map{device=npu1}" | filecheck %s

// A 4x4 GEMM whose tasks add a bias block (test_npu_fold_parallel_gemm at
// 32x32x32): each instance reads A, B and Bias, 3 arrays for a compute tile's
// 2 input channels, and 16 instances leave no core for loaders. Folding onto
// 8 cores (pairs of instances chained) frees 8 for loaders of Bias, each on
// the row of its chain and one column west: loaders fill columns 0 and 2,
// chains columns 1 and 3, so a column's shim reads Bias, or A and B, within
// its 2 input channels. (Placed in the snake order, loaders and chains shared
// every column, the shims ran out and the search went on to 4 cores.)
builtin.module {
  dato.region @top(%A: memref<32x32xi32>, %B: memref<32x32xi32>, %Bias: memref<32x32xi32>, %C: memref<32x32xi32>) {
    dato.task @gemm grid [4, 4] (%A : memref<32x32xi32> [S0, R], %B : memref<32x32xi32> [R, S1], %Bias : memref<32x32xi32> [S0, S1], %C : memref<32x32xi32> [S0, S1]) {
    ^bb0(%a: memref<8x32xi32>, %b: memref<32x8xi32>, %bias: memref<8x8xi32>, %c: memref<8x8xi32>):
      %0 = memref.alloc() : memref<8x8xi32>
      %1 = arith.constant 0 : i32
      linalg.fill ins(%1 : i32) outs(%0 : memref<8x8xi32>)
      linalg.matmul ins(%a, %b : memref<8x32xi32>, memref<32x8xi32>) outs(%0 : memref<8x8xi32>)
      %2 = memref.alloc() : memref<8x8xi32>
      linalg.add ins(%0, %bias : memref<8x8xi32>, memref<8x8xi32>) outs(%2 : memref<8x8xi32>)
      "memref.copy"(%2, %c) : (memref<8x8xi32>, memref<8x8xi32>) -> ()
    }
  }
}

// CHECK:      dato.group @gemm_0_0_load_Bias
// CHECK:        ] attributes {dato.forwards = "gemm_0_0", dato.compiler_chosen, dato.tiles = array<i64: 0, 2>
// CHECK:      dato.group @gemm_0_2_load_Bias
// CHECK:        ] attributes {dato.forwards = "gemm_0_2", dato.compiler_chosen, dato.tiles = array<i64: 0, 3>
// CHECK:      dato.group @gemm_2_0_load_Bias
// CHECK:        ] attributes {dato.forwards = "gemm_2_0", dato.compiler_chosen, dato.tiles = array<i64: 2, 2>
// CHECK:      dato.group @gemm_3_3_load_Bias
// CHECK:        ] attributes {dato.forwards = "gemm_3_3", dato.compiler_chosen, dato.tiles = array<i64: 2, 5>
// gemm_0_0 .. gemm_1_3 in column 1, gemm_2_0 .. gemm_3_3 in column 3, two a core
// CHECK:      dato.group @gemm of @gemm grid [4, 4]
// CHECK:        ] attributes {dato.tiles = array<i64: 1, 2, 1, 2, 1, 3, 1, 3, 1, 4, 1, 4, 1, 5, 1, 5, 3, 2, 3, 2, 3, 3, 3, 3, 3, 4, 3, 4, 3, 5, 3, 5>
// CHECK:      dato.chain [@gemm_0_0, @gemm_0_1] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
// CHECK:      dato.chain [@gemm_3_2, @gemm_3_3] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
// CHECK:      dato.chain [@gemm_0_0_load_Bias_0, @gemm_0_1_load_Bias_0] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
