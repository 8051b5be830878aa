// RUN: dato-opt %s -p dato-npu-transfers | filecheck %s

// One host array read in blocks of two shapes: w_1 reads P's rows 2-3 (a
// 2x6 block), r reads all of P (4x6). Each shape travels in its own fifo
// whose object is that block (a shared fifo would hand one of them the
// other's type); the input is dato-physical-map's output on npu1.

// CHECK-LABEL: aie.device(npu1) {
// CHECK:      aie.objectfifo @P_in0(%shim_c0, {%core_c0_r3}, 1 : i32) {dato.host_arg = 0 : i64, dato.dma_offsets = array<i64: 12>, dato.dma_sizes = [array<i64: 1, 1, 2, 6>], dato.dma_strides = [array<i64: 0, 0, 6, 1>]} : !aie.objectfifo<memref<2x6xi32>>
// CHECK-NEXT: aie.objectfifo @P_in1(%shim_c0, {%core_c0_r4}, 1 : i32) {dato.host_arg = 0 : i64, dato.dma_offsets = array<i64: 0>, dato.dma_sizes = [array<i64: 1, 1, 4, 6>], dato.dma_strides = [array<i64: 0, 0, 6, 1>]} : !aie.objectfifo<memref<4x6xi32>>
// CHECK:      dato.group @w_g1
// CHECK:      dato.read_fifos = [["P_in0", "O1_in0"]]
// CHECK:      dato.group @r
// CHECK:      dato.read_fifos = [["P_in1", ""]]

builtin.module {
  dato.region @two(%P: memref<4x6xi32>, %O1: memref<4x6xi32>, %O2: memref<4x6xi32>) attributes {dato.device = "npu1"} {
    dato.group @w_g0 of @w grid [2] (%P : memref<4x6xi32>, %O1 : memref<4x6xi32>) ports [] instances [
      @w_0 pid [0] offsets [[0, 0], [0, 0]] streams []
    ] attributes {dato.tiles = array<i64: 0, 2>} {
    ^bb0(%p: memref<2x6xi32>, %o: memref<2x6xi32>):
    }
    dato.group @w_g1 of @w grid [2] (%P : memref<4x6xi32>, %O1 : memref<4x6xi32>) ports [] instances [
      @w_1 pid [1] offsets [[2, 0], [2, 0]] streams []
    ] attributes {dato.tiles = array<i64: 0, 3>} {
    ^bb0(%p: memref<2x6xi32>, %o: memref<2x6xi32>):
      %0 = arith.constant 1 : index
      %1 = arith.constant 0 : index
      %2 = arith.constant 6 : index
      scf.for %j = %1 to %2 step %0 {
        %3 = memref.load %p[%1, %j] : memref<2x6xi32>
        %4 = arith.constant 100 : i32
        %5 = arith.addi %3, %4 : i32
        memref.store %5, %o[%1, %j] : memref<2x6xi32>
      }
    }
    dato.group @r of @r grid [1] (%P : memref<4x6xi32>, %O2 : memref<4x6xi32>) ports [] instances [
      @r_0 pid [0] offsets [[0, 0], [0, 0]] streams []
    ] attributes {dato.tiles = array<i64: 0, 4>} {
    ^bb0(%p: memref<4x6xi32>, %o: memref<4x6xi32>):
      %0 = arith.constant 0 : index
      %1 = arith.constant 4 : index
      %2 = arith.constant 1 : index
      scf.for %x = %0 to %1 step %2 {
        %3 = arith.constant 6 : index
        scf.for %j = %0 to %3 step %2 {
          %4 = memref.load %p[%x, %j] : memref<4x6xi32>
          %5 = arith.constant 2 : i32
          %6 = arith.muli %4, %5 : i32
          memref.store %6, %o[%x, %j] : memref<4x6xi32>
        }
      }
    }
  }
}
