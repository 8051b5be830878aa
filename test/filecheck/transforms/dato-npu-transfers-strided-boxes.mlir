// RUN: dato-opt %s -p dato-npu-transfers | filecheck %s

// Two instances store diagonal lattices of one unsharded C (4x6): worker_p
// writes C[2r + p, 2n + p] for r < 2, n < 3. Their bounding rectangles
// overlap, their elements do not, so each gets a strided box of 2x3 elements
// with steps (2, 2) (npu_write_boxes): a compact 2x3 object per core, joined
// in the memtile, and one shim transfer that scatters both: blocks 7 elements
// apart (the repeat dim), rows 12 apart (2 rows of 6), columns 2 apart, each
// as a one-element innermost dim (a start counts in units of the innermost
// stride). The input is dato-physical-map's output on npu1.

// CHECK-LABEL: aie.device(npu1) {
// CHECK:      aie.objectfifo @C_out0_0(%core_c0_r2, {%mem_c0}, 1 : i32) : !aie.objectfifo<memref<2x3xi32>>
// CHECK-NEXT: aie.objectfifo @C_out0_1(%core_c0_r3, {%mem_c0}, 1 : i32) : !aie.objectfifo<memref<2x3xi32>>
// CHECK-NEXT: aie.objectfifo @C_out0(%mem_c0, {%shim_c0}, 1 : i32) {dato.host_arg = 1 : i64, dato.dma_offsets = array<i64: 0>, dato.dma_sizes = [array<i64: 2, 2, 3, 1>], dato.dma_strides = [array<i64: 7, 12, 2, 1>]} : !aie.objectfifo<memref<12xi32>>
// CHECK-NEXT: aie.objectfifo.link [@C_out0_0, @C_out0_1] -> [@C_out0]([0, 6] [])
// CHECK-NOT:  @C_in
// CHECK:      dato.write_fifos = [["", "C_out0_0"], ["", "C_out0_1"]]

builtin.module {
  dato.region @top(%A: memref<4x6xi32>, %C: memref<4x6xi32>) attributes {dato.device = "npu1"} {
    dato.group @worker of @worker grid [2] (%A : memref<4x6xi32>, %C : memref<4x6xi32>) ports [] instances [
      @worker_0 pid [0] offsets [[0, 0], [0, 0]] streams [],
      @worker_1 pid [1] offsets [[0, 0], [0, 0]] streams []
    ] attributes {dato.tiles = array<i64: 0, 2, 0, 3>} {
    ^bb0(%A_1: memref<4x6xi32>, %C_1: memref<4x6xi32>):
      %pi = dato.pid : index
      %0 = arith.constant 0 : index
      %1 = arith.constant 2 : index
      %2 = arith.constant 1 : index
      scf.for %r = %0 to %1 step %2 {
        %3 = arith.constant 3 : index
        scf.for %n = %0 to %3 step %2 {
          %4 = arith.muli %r, %1 : index
          %5 = arith.addi %4, %pi : index
          %6 = arith.muli %n, %1 : index
          %7 = arith.addi %6, %pi : index
          %8 = memref.load %A_1[%5, %7] : memref<4x6xi32>
          %9 = arith.index_cast %pi : index to i32
          %10 = arith.addi %8, %9 : i32
          %11 = arith.constant 1 : i32
          %12 = arith.addi %10, %11 : i32
          %13 = arith.muli %r, %1 : index
          %14 = arith.addi %13, %pi : index
          %15 = arith.muli %n, %1 : index
          %16 = arith.addi %15, %pi : index
          memref.store %12, %C_1[%14, %16] : memref<4x6xi32>
        }
      }
    }
  }
}

