// RUN: dato-opt %s -p dato-npu-transfers | filecheck %s

// dato-physical-map's output for a halo ring of 12 nodes on npu1
// (test_npu_odd_rings.halo, L = 4): each core reads its rows of A and C and
// writes its row of C; the ring's links share memory. C's first element adds
// to its host value (hand-edited), so C's host copy comes in: 24 reads and 12
// writes. The reads' distributes took all 24 memtile outputs of npu1 and C's
// joins found none. The last plan packs the whole blocks writes first: npu1
// has 8 shim outputs, so one join of 5 blocks (4 saved; it leaves its memtile
// an input for a distribute) and 7 blocks straight to the shim; then the reads,
// the array with the most blocks left taking the memtile with the most
// outputs left: A 6 (mem_c1), C 6 (mem_c2), A 5 (mem_c0, beside the join),
// C 6 (mem_c3), the last block of A from a shim channel (5 shim inputs).

// CHECK:      aie.objectfifo @A_in0(%shim_c1, {%mem_c1}, 1 : i32) {dato.host_arg = 0 : i64, dato.dma_offsets = array<i64: 0>, dato.dma_sizes = [array<i64: 1, 6, 1, 4>]
// CHECK-NEXT: aie.objectfifo.link [@A_in0] -> [@A_in0_0, @A_in0_1, @A_in0_2, @A_in0_3, @A_in0_4, @A_in0_5]([] [0, 4, 8, 12, 16, 20])
// CHECK:      aie.objectfifo @A_in1(%shim_c0, {%mem_c0}, 1 : i32) {dato.host_arg = 0 : i64, dato.dma_offsets = array<i64: 24>, dato.dma_sizes = [array<i64: 1, 5, 1, 4>]
// CHECK-NEXT: aie.objectfifo.link [@A_in1] -> [@A_in1_0, @A_in1_1, @A_in1_2, @A_in1_3, @A_in1_4]([] [0, 4, 8, 12, 16])
// CHECK-NEXT: aie.objectfifo @A_in2(%shim_c1, {%core_c1_r2}, 1 : i32) {dato.host_arg = 0 : i64, dato.dma_offsets = array<i64: 44>
// CHECK:      aie.objectfifo @C_in0(%shim_c2, {%mem_c2}, 1 : i32) {dato.host_arg = 1 : i64, dato.dma_offsets = array<i64: 0>, dato.dma_sizes = [array<i64: 1, 6, 1, 4>]
// CHECK:      aie.objectfifo @C_in1(%shim_c3, {%mem_c3}, 1 : i32) {dato.host_arg = 1 : i64, dato.dma_offsets = array<i64: 24>, dato.dma_sizes = [array<i64: 1, 6, 1, 4>]
// CHECK:      aie.objectfifo @C_out0_4(%core_c1_r5, {%mem_c0}, 1 : i32)
// CHECK-NEXT: aie.objectfifo @C_out0(%mem_c0, {%shim_c0}, 1 : i32) {dato.host_arg = 1 : i64, dato.dma_offsets = array<i64: 0>, dato.dma_sizes = [array<i64: 1, 5, 1, 4>]
// CHECK-NEXT: aie.objectfifo.link [@C_out0_0, @C_out0_1, @C_out0_2, @C_out0_3, @C_out0_4] -> [@C_out0]([0, 4, 8, 12, 16] [])
// CHECK-NEXT: aie.objectfifo @C_out1(%core_c1_r4, {%shim_c1}, 1 : i32) {dato.host_arg = 1 : i64, dato.dma_offsets = array<i64: 20>
// CHECK-NEXT: aie.objectfifo @C_out2(%core_c1_r3, {%shim_c1}, 1 : i32)
// CHECK-NEXT: aie.objectfifo @C_out3(%core_c2_r3, {%shim_c2}, 1 : i32)
// CHECK-NEXT: aie.objectfifo @C_out4(%core_c3_r3, {%shim_c3}, 1 : i32)
// CHECK-NEXT: aie.objectfifo @C_out5(%core_c3_r2, {%shim_c3}, 1 : i32)
// CHECK-NEXT: aie.objectfifo @C_out6(%core_c2_r2, {%shim_c2}, 1 : i32)
// CHECK-NEXT: aie.objectfifo @C_out7(%core_c1_r2, {%shim_c0}, 1 : i32) {dato.host_arg = 1 : i64, dato.dma_offsets = array<i64: 44>
// CHECK-NOT:  aie.objectfifo @C_out8
// CHECK:      aie.objectfifo @right_0(%core_c1_r2, {%core_c0_r2}, 2 : i32)

builtin.module {
  dato.region @top(%A: memref<12x4xi32>, %C: memref<12x4xi32>) attributes {dato.device = "npu1"} {
    dato.stream @right_0 : !dato.stream<i32, 2>
    dato.stream @right_1 : !dato.stream<i32, 2>
    dato.stream @right_2 : !dato.stream<i32, 2>
    dato.stream @right_3 : !dato.stream<i32, 2>
    dato.stream @right_4 : !dato.stream<i32, 2>
    dato.stream @right_5 : !dato.stream<i32, 2>
    dato.stream @right_6 : !dato.stream<i32, 2>
    dato.stream @right_7 : !dato.stream<i32, 2>
    dato.stream @right_8 : !dato.stream<i32, 2>
    dato.stream @right_9 : !dato.stream<i32, 2>
    dato.stream @right_10 : !dato.stream<i32, 2>
    dato.stream @right_11 : !dato.stream<i32, 2>
    dato.stream @left_0 : !dato.stream<i32, 2>
    dato.stream @left_1 : !dato.stream<i32, 2>
    dato.stream @left_2 : !dato.stream<i32, 2>
    dato.stream @left_3 : !dato.stream<i32, 2>
    dato.stream @left_4 : !dato.stream<i32, 2>
    dato.stream @left_5 : !dato.stream<i32, 2>
    dato.stream @left_6 : !dato.stream<i32, 2>
    dato.stream @left_7 : !dato.stream<i32, 2>
    dato.stream @left_8 : !dato.stream<i32, 2>
    dato.stream @left_9 : !dato.stream<i32, 2>
    dato.stream @left_10 : !dato.stream<i32, 2>
    dato.stream @left_11 : !dato.stream<i32, 2>
    dato.group @node of @node grid [12] (%A : memref<12x4xi32>, %C : memref<12x4xi32>) ports [@right_out, @left_out, @right_in, @left_in] instances [
      @node_0 pid [0] offsets [[0, 0], [0, 0]] streams [@right_1, @left_11, @right_0, @left_0],
      @node_1 pid [1] offsets [[1, 0], [1, 0]] streams [@right_2, @left_0, @right_1, @left_1],
      @node_2 pid [2] offsets [[2, 0], [2, 0]] streams [@right_3, @left_1, @right_2, @left_2],
      @node_3 pid [3] offsets [[3, 0], [3, 0]] streams [@right_4, @left_2, @right_3, @left_3],
      @node_4 pid [4] offsets [[4, 0], [4, 0]] streams [@right_5, @left_3, @right_4, @left_4],
      @node_5 pid [5] offsets [[5, 0], [5, 0]] streams [@right_6, @left_4, @right_5, @left_5],
      @node_6 pid [6] offsets [[6, 0], [6, 0]] streams [@right_7, @left_5, @right_6, @left_6],
      @node_7 pid [7] offsets [[7, 0], [7, 0]] streams [@right_8, @left_6, @right_7, @left_7],
      @node_8 pid [8] offsets [[8, 0], [8, 0]] streams [@right_9, @left_7, @right_8, @left_8],
      @node_9 pid [9] offsets [[9, 0], [9, 0]] streams [@right_10, @left_8, @right_9, @left_9],
      @node_10 pid [10] offsets [[10, 0], [10, 0]] streams [@right_11, @left_9, @right_10, @left_10],
      @node_11 pid [11] offsets [[11, 0], [11, 0]] streams [@right_0, @left_10, @right_11, @left_11]
    ] attributes {dato.tiles = array<i64: 0, 2, 0, 3, 0, 4, 0, 5, 1, 5, 1, 4, 1, 3, 2, 3, 3, 3, 3, 2, 2, 2, 1, 2>} {
    ^bb0(%a: memref<1x4xi32>, %c: memref<1x4xi32>):
      %lo = memref.alloca() : memref<i32>
      %hi = memref.alloca() : memref<i32>
      %0 = arith.constant 1 : index
      %1 = arith.constant 0 : index
      %2 = arith.constant 3 : index
      %3 = memref.load %a[%1, %2] : memref<1x4xi32>
      dato.put @right_out, %3 : i32
      %4 = memref.load %a[%1, %1] : memref<1x4xi32>
      dato.put @left_out, %4 : i32
      %5 = dato.get @right_in : i32
      memref.store %5, %lo[] : memref<i32>
      %6 = dato.get @left_in : i32
      memref.store %6, %hi[] : memref<i32>
      %7 = memref.load %lo[] : memref<i32>
      %8 = memref.load %a[%1, %1] : memref<1x4xi32>
      %9 = arith.constant 2 : i32
      %10 = arith.muli %9, %8 : i32
      %11 = arith.addi %7, %10 : i32
      %12 = memref.load %a[%1, %0] : memref<1x4xi32>
      %13 = arith.addi %11, %12 : i32
      %old = memref.load %c[%1, %1] : memref<1x4xi32>
      %new = arith.addi %13, %old : i32
      memref.store %new, %c[%1, %1] : memref<1x4xi32>
      scf.for %i = %0 to %2 step %0 {
        %14 = arith.subi %i, %0 : index
        %15 = memref.load %a[%1, %14] : memref<1x4xi32>
        %16 = memref.load %a[%1, %i] : memref<1x4xi32>
        %17 = arith.muli %9, %16 : i32
        %18 = arith.addi %15, %17 : i32
        %19 = arith.addi %i, %0 : index
        %20 = memref.load %a[%1, %19] : memref<1x4xi32>
        %21 = arith.addi %18, %20 : i32
        memref.store %21, %c[%1, %i] : memref<1x4xi32>
      }
      %22 = arith.constant 2 : index
      %23 = memref.load %a[%1, %22] : memref<1x4xi32>
      %24 = memref.load %a[%1, %2] : memref<1x4xi32>
      %25 = arith.muli %9, %24 : i32
      %26 = arith.addi %23, %25 : i32
      %27 = memref.load %hi[] : memref<i32>
      %28 = arith.addi %26, %27 : i32
      memref.store %28, %c[%1, %2] : memref<1x4xi32>
    }
  }
}