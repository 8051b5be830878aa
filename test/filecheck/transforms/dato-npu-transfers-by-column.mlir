// RUN: dato-opt %s -p dato-npu-transfers | filecheck %s

// dato-physical-map's output for 16 two-stage lanes on npu1 (st1 streams its
// row of A to st2, which writes its row of B): 16 cores, each running one
// lane's two stages in turn. Balanced chunks of A (6, 6, 4 blocks) would take
// every output of two memtiles, leaving no memtile output for those
// columns' joins of B; A is instead cut by the column of its cores, each
// column's memtile distributing 4 blocks and joining 4 (5 of 6 outputs).

// CHECK:      aie.objectfifo @A_in0_0(%mem_c0, {%core_c0_r2}, 1 : i32) : !aie.objectfifo<memref<1x4xi32>>
// CHECK:      aie.objectfifo @A_in0(%shim_c0, {%mem_c0}, 1 : i32) {dato.host_arg = 0 : i64, dato.dma_offsets = array<i64: 0>
// CHECK-NEXT: aie.objectfifo.link [@A_in0] -> [@A_in0_0, @A_in0_1, @A_in0_2, @A_in0_3]([] [0, 4, 8, 12])
// CHECK:      aie.objectfifo @A_in1_0(%mem_c1, {%core_c1_r5}, 1 : i32)
// CHECK:      aie.objectfifo.link [@A_in1] -> [@A_in1_0, @A_in1_1, @A_in1_2, @A_in1_3]([] [0, 4, 8, 12])
// CHECK:      aie.objectfifo.link [@A_in2] -> [@A_in2_0, @A_in2_1, @A_in2_2, @A_in2_3]([] [0, 4, 8, 12])
// CHECK:      aie.objectfifo @A_in3(%shim_c3, {%mem_c3}, 1 : i32) {dato.host_arg = 0 : i64, dato.dma_offsets = array<i64: 48>
// CHECK-NEXT: aie.objectfifo.link [@A_in3] -> [@A_in3_0, @A_in3_1, @A_in3_2, @A_in3_3]([] [0, 4, 8, 12])
// CHECK:      aie.objectfifo @B_out0_0(%core_c0_r2, {%mem_c0}, 1 : i32)
// CHECK:      aie.objectfifo.link [@B_out0_0, @B_out0_1, @B_out0_2, @B_out0_3] -> [@B_out0]([0, 4, 8, 12] [])
// CHECK:      aie.objectfifo.link [@B_out3_0, @B_out3_1, @B_out3_2, @B_out3_3] -> [@B_out3]([0, 4, 8, 12] [])

builtin.module {
  dato.region @top(%A: memref<16x4xi32>, %B: memref<16x4xi32>) attributes {dato.device = "npu1"} {
    dato.stream @s_0 : !dato.stream<i32, 2>
    dato.stream @s_1 : !dato.stream<i32, 2>
    dato.stream @s_2 : !dato.stream<i32, 2>
    dato.stream @s_3 : !dato.stream<i32, 2>
    dato.stream @s_4 : !dato.stream<i32, 2>
    dato.stream @s_5 : !dato.stream<i32, 2>
    dato.stream @s_6 : !dato.stream<i32, 2>
    dato.stream @s_7 : !dato.stream<i32, 2>
    dato.stream @s_8 : !dato.stream<i32, 2>
    dato.stream @s_9 : !dato.stream<i32, 2>
    dato.stream @s_10 : !dato.stream<i32, 2>
    dato.stream @s_11 : !dato.stream<i32, 2>
    dato.stream @s_12 : !dato.stream<i32, 2>
    dato.stream @s_13 : !dato.stream<i32, 2>
    dato.stream @s_14 : !dato.stream<i32, 2>
    dato.stream @s_15 : !dato.stream<i32, 2>
    dato.group @st1 of @st1 grid [16] (%A : memref<16x4xi32>) ports [@s_out] instances [
      @st1_0 pid [0] offsets [[0, 0]] streams [@s_0],
      @st1_1 pid [1] offsets [[1, 0]] streams [@s_1],
      @st1_2 pid [2] offsets [[2, 0]] streams [@s_2],
      @st1_3 pid [3] offsets [[3, 0]] streams [@s_3],
      @st1_4 pid [4] offsets [[4, 0]] streams [@s_4],
      @st1_5 pid [5] offsets [[5, 0]] streams [@s_5],
      @st1_6 pid [6] offsets [[6, 0]] streams [@s_6],
      @st1_7 pid [7] offsets [[7, 0]] streams [@s_7],
      @st1_8 pid [8] offsets [[8, 0]] streams [@s_8],
      @st1_9 pid [9] offsets [[9, 0]] streams [@s_9],
      @st1_10 pid [10] offsets [[10, 0]] streams [@s_10],
      @st1_11 pid [11] offsets [[11, 0]] streams [@s_11],
      @st1_12 pid [12] offsets [[12, 0]] streams [@s_12],
      @st1_13 pid [13] offsets [[13, 0]] streams [@s_13],
      @st1_14 pid [14] offsets [[14, 0]] streams [@s_14],
      @st1_15 pid [15] offsets [[15, 0]] streams [@s_15]
    ] attributes {dato.tiles = array<i64: 0, 2, 0, 3, 0, 4, 0, 5, 1, 5, 1, 4, 1, 3, 1, 2, 2, 2, 2, 3, 2, 4, 2, 5, 3, 5, 3, 4, 3, 3, 3, 2>} {
    ^bb0(%a: memref<1x4xi32>):
      %0 = arith.constant 0 : index
      %1 = arith.constant 4 : index
      %2 = arith.constant 1 : index
      scf.for %i = %0 to %1 step %2 {
        %3 = memref.load %a[%0, %i] : memref<1x4xi32>
        %4 = arith.constant 2 : i32
        %5 = arith.muli %3, %4 : i32
        dato.put @s_out, %5 : i32
      }
    }
    dato.group @st2 of @st2 grid [16] (%B : memref<16x4xi32>) ports [@s_in] instances [
      @st2_0 pid [0] offsets [[0, 0]] streams [@s_0],
      @st2_1 pid [1] offsets [[1, 0]] streams [@s_1],
      @st2_2 pid [2] offsets [[2, 0]] streams [@s_2],
      @st2_3 pid [3] offsets [[3, 0]] streams [@s_3],
      @st2_4 pid [4] offsets [[4, 0]] streams [@s_4],
      @st2_5 pid [5] offsets [[5, 0]] streams [@s_5],
      @st2_6 pid [6] offsets [[6, 0]] streams [@s_6],
      @st2_7 pid [7] offsets [[7, 0]] streams [@s_7],
      @st2_8 pid [8] offsets [[8, 0]] streams [@s_8],
      @st2_9 pid [9] offsets [[9, 0]] streams [@s_9],
      @st2_10 pid [10] offsets [[10, 0]] streams [@s_10],
      @st2_11 pid [11] offsets [[11, 0]] streams [@s_11],
      @st2_12 pid [12] offsets [[12, 0]] streams [@s_12],
      @st2_13 pid [13] offsets [[13, 0]] streams [@s_13],
      @st2_14 pid [14] offsets [[14, 0]] streams [@s_14],
      @st2_15 pid [15] offsets [[15, 0]] streams [@s_15]
    ] attributes {dato.tiles = array<i64: 0, 2, 0, 3, 0, 4, 0, 5, 1, 5, 1, 4, 1, 3, 1, 2, 2, 2, 2, 3, 2, 4, 2, 5, 3, 5, 3, 4, 3, 3, 3, 2>} {
    ^bb0(%b: memref<1x4xi32>):
      %0 = arith.constant 0 : index
      %1 = arith.constant 4 : index
      %2 = arith.constant 1 : index
      scf.for %i = %0 to %1 step %2 {
        %3 = dato.get @s_in : i32
        %4 = arith.constant 1 : i32
        %5 = arith.addi %3, %4 : i32
        memref.store %5, %b[%0, %i] : memref<1x4xi32>
      }
    }
    dato.chain [@st1_0, @st2_0] {dato.compiler_chosen, dato.cost_bytes = 16 : i64}
    dato.chain [@st1_1, @st2_1] {dato.compiler_chosen, dato.cost_bytes = 16 : i64}
    dato.chain [@st1_10, @st2_10] {dato.compiler_chosen, dato.cost_bytes = 16 : i64}
    dato.chain [@st1_11, @st2_11] {dato.compiler_chosen, dato.cost_bytes = 16 : i64}
    dato.chain [@st1_12, @st2_12] {dato.compiler_chosen, dato.cost_bytes = 16 : i64}
    dato.chain [@st1_13, @st2_13] {dato.compiler_chosen, dato.cost_bytes = 16 : i64}
    dato.chain [@st1_14, @st2_14] {dato.compiler_chosen, dato.cost_bytes = 16 : i64}
    dato.chain [@st1_15, @st2_15] {dato.compiler_chosen, dato.cost_bytes = 16 : i64}
    dato.chain [@st1_2, @st2_2] {dato.compiler_chosen, dato.cost_bytes = 16 : i64}
    dato.chain [@st1_3, @st2_3] {dato.compiler_chosen, dato.cost_bytes = 16 : i64}
    dato.chain [@st1_4, @st2_4] {dato.compiler_chosen, dato.cost_bytes = 16 : i64}
    dato.chain [@st1_5, @st2_5] {dato.compiler_chosen, dato.cost_bytes = 16 : i64}
    dato.chain [@st1_6, @st2_6] {dato.compiler_chosen, dato.cost_bytes = 16 : i64}
    dato.chain [@st1_7, @st2_7] {dato.compiler_chosen, dato.cost_bytes = 16 : i64}
    dato.chain [@st1_8, @st2_8] {dato.compiler_chosen, dato.cost_bytes = 16 : i64}
    dato.chain [@st1_9, @st2_9] {dato.compiler_chosen, dato.cost_bytes = 16 : i64}
  }
}

