// RUN: dato-opt %s -p dato-npu-transfers | filecheck %s

// dato-physical-map's output for 16 vector-add lanes on npu1
// (dato-physical-map-lanes.mlir): 8 cores, each running two lanes in turn.
// One fifo per core and array would need 16 shim input channels for A and
// B (npu1 has 8), so each column's cores share one shim transfer per array:
// the shim sends block s of every core of the column in one object (lanes
// 0, 2, 4, 6 then 1, 3, 5, 7 for column 0: two calls, 4 blocks 8 apart),
// which the memtile distributes, one part per core; C comes back the same
// way through a join that holds both steps.
builtin.module {
  dato.region @top(%A: memref<64xi32>, %B: memref<64xi32>, %C: memref<64xi32>) attributes {dato.device = "npu1"} {
    dato.group @add of @add grid [16] (%A : memref<64xi32>, %B : memref<64xi32>, %C : memref<64xi32>) ports [] instances [
      @add_0 pid [0] offsets [[0], [0], [0]] streams [],
      @add_1 pid [1] offsets [[4], [4], [4]] streams [],
      @add_2 pid [2] offsets [[8], [8], [8]] streams [],
      @add_3 pid [3] offsets [[12], [12], [12]] streams [],
      @add_4 pid [4] offsets [[16], [16], [16]] streams [],
      @add_5 pid [5] offsets [[20], [20], [20]] streams [],
      @add_6 pid [6] offsets [[24], [24], [24]] streams [],
      @add_7 pid [7] offsets [[28], [28], [28]] streams [],
      @add_8 pid [8] offsets [[32], [32], [32]] streams [],
      @add_9 pid [9] offsets [[36], [36], [36]] streams [],
      @add_10 pid [10] offsets [[40], [40], [40]] streams [],
      @add_11 pid [11] offsets [[44], [44], [44]] streams [],
      @add_12 pid [12] offsets [[48], [48], [48]] streams [],
      @add_13 pid [13] offsets [[52], [52], [52]] streams [],
      @add_14 pid [14] offsets [[56], [56], [56]] streams [],
      @add_15 pid [15] offsets [[60], [60], [60]] streams []
    ] attributes {dato.tiles = array<i64: 0, 2, 0, 2, 0, 3, 0, 3, 0, 4, 0, 4, 0, 5, 0, 5, 1, 5, 1, 5, 1, 4, 1, 4, 1, 3, 1, 3, 1, 2, 1, 2>} {
    ^bb0(%a: memref<4xi32>, %b: memref<4xi32>, %c: memref<4xi32>):
      %0 = memref.alloc() : memref<4xi32>
      linalg.add ins(%a, %b : memref<4xi32>, memref<4xi32>) outs(%0 : memref<4xi32>)
      "memref.copy"(%0, %c) : (memref<4xi32>, memref<4xi32>) -> ()
    }
    dato.chain [@add_0, @add_1] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
    dato.chain [@add_2, @add_3] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
    dato.chain [@add_4, @add_5] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
    dato.chain [@add_6, @add_7] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
    dato.chain [@add_8, @add_9] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
    dato.chain [@add_10, @add_11] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
    dato.chain [@add_12, @add_13] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
    dato.chain [@add_14, @add_15] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
  }
}


// CHECK-LABEL: aie.device(npu1) {
// CHECK:      aie.objectfifo @A_in0_0(%mem_c0, {%core_c0_r2}, 1 : i32) : !aie.objectfifo<memref<4xi32>>
// CHECK-NEXT: aie.objectfifo @A_in0_1(%mem_c0, {%core_c0_r3}, 1 : i32) : !aie.objectfifo<memref<4xi32>>
// CHECK-NEXT: aie.objectfifo @A_in0_2(%mem_c0, {%core_c0_r4}, 1 : i32) : !aie.objectfifo<memref<4xi32>>
// CHECK-NEXT: aie.objectfifo @A_in0_3(%mem_c0, {%core_c0_r5}, 1 : i32) : !aie.objectfifo<memref<4xi32>>
// CHECK-NEXT: aie.objectfifo @A_in0(%shim_c0, {%mem_c0}, 1 : i32) {dato.host_arg = 0 : i64, dato.dma_offsets = array<i64: 0, 4>, dato.dma_sizes = [array<i64: 1, 4, 1, 4>, array<i64: 1, 4, 1, 4>], dato.dma_strides = [array<i64: 0, 8, 4, 1>, array<i64: 0, 8, 4, 1>]} : !aie.objectfifo<memref<16xi32>>
// CHECK-NEXT: aie.objectfifo.link [@A_in0] -> [@A_in0_0, @A_in0_1, @A_in0_2, @A_in0_3]([] [0, 4, 8, 12])
// column 1's cores (snake order: rows 5 down to 2) in the order of their lanes
// CHECK:      aie.objectfifo @A_in1(%shim_c1, {%mem_c1}, 1 : i32) {dato.host_arg = 0 : i64, dato.dma_offsets = array<i64: 32, 36>, dato.dma_sizes = [array<i64: 1, 4, 1, 4>, array<i64: 1, 4, 1, 4>], dato.dma_strides = [array<i64: 0, 8, 4, 1>, array<i64: 0, 8, 4, 1>]} : !aie.objectfifo<memref<16xi32>>
// CHECK:      aie.objectfifo @B_in0(%shim_c{{[0-9]}}, {%mem_c{{[0-9]}}}, 1 : i32) {dato.host_arg = 1 : i64
// CHECK:      aie.objectfifo @B_in1(%shim_c{{[0-9]}}, {%mem_c{{[0-9]}}}, 1 : i32) {dato.host_arg = 1 : i64
// CHECK:      aie.objectfifo @C_out0_0(%core_c0_r2, {%mem_c0}, 1 : i32) : !aie.objectfifo<memref<4xi32>>
// CHECK:      aie.objectfifo @C_out0(%mem_c0, {%shim_c0}, 2 : i32) {dato.host_arg = 2 : i64, dato.dma_offsets = array<i64: 0, 4>, dato.dma_sizes = [array<i64: 1, 4, 1, 4>, array<i64: 1, 4, 1, 4>], dato.dma_strides = [array<i64: 0, 8, 4, 1>, array<i64: 0, 8, 4, 1>]} : !aie.objectfifo<memref<16xi32>>
// CHECK-NEXT: aie.objectfifo.link [@C_out0_0, @C_out0_1, @C_out0_2, @C_out0_3] -> [@C_out0]([0, 4, 8, 12] [])
// CHECK:      aie.objectfifo @C_out1(%mem_c1, {%shim_c1}, 2 : i32)
// CHECK-NOT:  aie.objectfifo @{{[ABC]}}_{{in|out}}2(
// both lanes of a core take their blocks in turn from its one fifo
// CHECK:      dato.read_fifos = {{\[}}["A_in0_0", "B_in0_0", ""], ["A_in0_0", "B_in0_0", ""], ["A_in0_1", "B_in0_1", ""],
