// RUN: dato-opt %s -p "dato-virtual-map,dato-physical-map{device=npu1}" | filecheck %s

// A 3-layer MLP batch sharded in 8 lanes, l1_p -> l2_p -> l3_p over block
// streams: 24 instances for npu1's 16 cores. Chaining each lane's layers puts
// three 96 x 96 int32 weights (36 KiB each) on one core, over its 63 KiB; all
// 8 instances of the largest group (@l3, then by name) on one core still
// leaves 17 elements. So every group's instances are chained two by two
// (npu_folding.pair_isomorphic): l3 in pairs frees 4 cores, l2 in pairs 4
// more; each core holds one weight. No stream joins a pair: nothing held
// locally (cost 0).
dato.region @top(%X: memref<32x96xi32>, %W1: memref<96x96xi32>, %W2: memref<96x96xi32>, %W3: memref<96x96xi32>, %Y: memref<32x96xi32>) {
  dato.stream @h1 [8] : !dato.stream<memref<4x96xi32>, 2>
  dato.stream @h2 [8] : !dato.stream<memref<4x96xi32>, 2>
  dato.task @l1 grid [8] (%X : memref<32x96xi32> [S0, R], %W1 : memref<96x96xi32> [R, R]) {
  ^bb0(%x: memref<4x96xi32>, %w: memref<96x96xi32>):
    %pi = dato.pid : index
    %0 = memref.alloc() : memref<4x96xi32>
    %1 = arith.constant 0 : i32
    linalg.fill ins(%1 : i32) outs(%0 : memref<4x96xi32>)
    linalg.matmul ins(%x, %w : memref<4x96xi32>, memref<96x96xi32>) outs(%0 : memref<4x96xi32>)
    dato.put @h1[%pi], %0 : memref<4x96xi32>
  }
  dato.task @l2 grid [8] (%W2 : memref<96x96xi32> [R, R]) {
  ^bb0(%w: memref<96x96xi32>):
    %pi = dato.pid : index
    %0 = dato.get @h1[%pi] : memref<4x96xi32>
    %1 = memref.alloc() : memref<4x96xi32>
    %2 = arith.constant 0 : i32
    linalg.fill ins(%2 : i32) outs(%1 : memref<4x96xi32>)
    linalg.matmul ins(%0, %w : memref<4x96xi32>, memref<96x96xi32>) outs(%1 : memref<4x96xi32>)
    dato.put @h2[%pi], %1 : memref<4x96xi32>
  }
  dato.task @l3 grid [8] (%W3 : memref<96x96xi32> [R, R], %Y : memref<32x96xi32> [S0, R]) {
  ^bb0(%w: memref<96x96xi32>, %y: memref<4x96xi32>):
    %pi = dato.pid : index
    %0 = dato.get @h2[%pi] : memref<4x96xi32>
    %1 = memref.alloc() : memref<4x96xi32>
    %2 = arith.constant 0 : i32
    linalg.fill ins(%2 : i32) outs(%1 : memref<4x96xi32>)
    linalg.matmul ins(%0, %w : memref<4x96xi32>, memref<96x96xi32>) outs(%1 : memref<4x96xi32>)
    memref.copy %1, %y : memref<4x96xi32> to memref<4x96xi32>
  }
}

// CHECK:      dato.chain [@l3_0, @l3_1] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
// CHECK-NEXT: dato.chain [@l3_2, @l3_3] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
// CHECK-NEXT: dato.chain [@l3_4, @l3_5] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
// CHECK-NEXT: dato.chain [@l3_6, @l3_7] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
// CHECK-NEXT: dato.chain [@l2_0, @l2_1] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
// CHECK-NEXT: dato.chain [@l2_2, @l2_3] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
// CHECK-NEXT: dato.chain [@l2_4, @l2_5] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
// CHECK-NEXT: dato.chain [@l2_6, @l2_7] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
// CHECK-NOT:  dato.chain
