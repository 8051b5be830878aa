// RUN: dato-opt %s -p "dato-virtual-map,dato-physical-map{device=npu1}" | filecheck %s

// 16 vector-add lanes, one per core of npu1, would need 32 input streams into
// the cores: a column's memtile has 6 output channels and its shim 2 input
// ones, so one lane per core cannot be fed. The compiler chains the lanes two
// by two (pid order, no stream between them: nothing held locally) onto 8
// cores; dato-npu-transfers then gives each column's cores their blocks of A
// and B through one memtile distribute and takes C through one join
// (dato-npu-transfers-distribute.mlir).
dato.region @top(%A: memref<64xi32>, %B: memref<64xi32>, %C: memref<64xi32>) {
  dato.task @add grid [16] (%A : memref<64xi32> [S0], %B : memref<64xi32> [S0], %C : memref<64xi32> [S0]) {
  ^bb0(%a: memref<4xi32>, %b: memref<4xi32>, %c: memref<4xi32>):
    %0 = memref.alloc() : memref<4xi32>
    linalg.add ins(%a, %b : memref<4xi32>, memref<4xi32>) outs(%0 : memref<4xi32>)
    "memref.copy"(%0, %c) : (memref<4xi32>, memref<4xi32>) -> ()
  }
}

// CHECK:      dato.region @top
// CHECK-SAME: dato.device = "npu1"
// CHECK:      dato.tiles = array<i64: 0, 2, 0, 2, 0, 3, 0, 3, 0, 4, 0, 4, 0, 5, 0, 5, 1, 5, 1, 5, 1, 4, 1, 4, 1, 3, 1, 3, 1, 2, 1, 2>
// CHECK:      dato.chain [@add_0, @add_1] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
// CHECK-NEXT: dato.chain [@add_2, @add_3] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
// CHECK-NEXT: dato.chain [@add_4, @add_5] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
// CHECK-NEXT: dato.chain [@add_6, @add_7] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
// CHECK-NEXT: dato.chain [@add_8, @add_9] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
// CHECK-NEXT: dato.chain [@add_10, @add_11] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
// CHECK-NEXT: dato.chain [@add_12, @add_13] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
// CHECK-NEXT: dato.chain [@add_14, @add_15] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
// CHECK-NOT:  dato.chain
