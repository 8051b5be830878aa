// RUN: dato-opt %s -p dato-npu-transfers | filecheck %s

// Blocks of more rows than a shim DMA dimension counts (1023). k_p reads a
// 2048x4 int32 block (columns 4p.., not whole rows): its rows are walked as
// 4 groups of 512 (stride 512 x 8), both blocks in one call (the outer dim,
// stride 4: the second block's first column). w reads all of B (2048x8 int32,
// whole rows): one contiguous run of 16384 elements, walked as 32 rows of
// 512. Before, both were refused by the dma_memcpy_nd verifier (size 2048 of
// dimension 1).
// CHECK:      aie.objectfifo @A_in0(%shim_c0, {%mem_c0}, 1 : i32) {dato.host_arg = 0 : i64, dato.dma_offsets = array<i64: 0>, dato.dma_sizes = [array<i64: 2, 4, 512, 4>], dato.dma_strides = [array<i64: 4, 4096, 8, 1>]} : !aie.objectfifo<memref<16384xi32>>
// CHECK-NEXT: aie.objectfifo.link [@A_in0] -> [@A_in0_0, @A_in0_1]([] [0, 8192])
// CHECK-NEXT: aie.objectfifo @B_in0(%shim_c1, {%core_c1_r2}, 1 : i32) {dato.host_arg = 1 : i64, dato.dma_offsets = array<i64: 0>, dato.dma_sizes = [array<i64: 1, 1, 32, 512>], dato.dma_strides = [array<i64: 0, 0, 512, 1>]} : !aie.objectfifo<memref<2048x8xi32>>
// CHECK-NEXT: aie.objectfifo @B_out0(%core_c1_r2, {%shim_c1}, 1 : i32) {dato.host_arg = 1 : i64, dato.dma_offsets = array<i64: 0>, dato.dma_sizes = [array<i64: 1, 1, 32, 512>], dato.dma_strides = [array<i64: 0, 0, 512, 1>]} : !aie.objectfifo<memref<2048x8xi32>>

builtin.module {
  dato.region @tall(%A: memref<2048x8xi32>, %B: memref<2048x8xi32>, %y: memref<8xi32>) attributes {dato.device = "npu1"} {
    dato.group @k of @k grid [2] (%A : memref<2048x8xi32>, %y : memref<8xi32>) ports [] instances [
      @k_0 pid [0] offsets [[0, 0], [0]] streams [],
      @k_1 pid [1] offsets [[0, 4], [4]] streams []
    ] attributes {dato.tiles = array<i64: 0, 2, 0, 3>} {
    ^bb0(%a: memref<2048x4xi32>, %o: memref<4xi32>):
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2047 = arith.constant 2047 : index
      %v = memref.load %a[%c2047, %c1] : memref<2048x4xi32>
      memref.store %v, %o[%c0] : memref<4xi32>
    }
    dato.group @w of @w grid [1] (%B : memref<2048x8xi32>) ports [] instances [
      @w_0 pid [0] offsets [[0, 0]] streams []
    ] attributes {dato.tiles = array<i64: 1, 2>} {
    ^bb0(%b: memref<2048x8xi32>):
      %c0 = arith.constant 0 : index
      %c2047 = arith.constant 2047 : index
      %v = memref.load %b[%c2047, %c0] : memref<2048x8xi32>
      memref.store %v, %b[%c0, %c0] : memref<2048x8xi32>
    }
  }
}
