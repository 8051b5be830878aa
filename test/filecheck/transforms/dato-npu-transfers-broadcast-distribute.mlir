// RUN: dato-opt %s -p dato-npu-transfers | filecheck %s

// dato-physical-map's output for two K-chained GEMMs on npu1_2col (Allo's
// test_batched_gemm at 2 x 2 x 2, each (m, n) chained over K): 8 cores,
// each reading an A and a B sequence of 2 blocks. Cores (m, 0) and (m, 1)
// read the same A sequence, (0, n) and (1, n) the same B sequence, so a
// broadcast leaves 2 sequences per array: 8 for the device's 4 shim input
// channels. One memtile distribute per array and column instead: the shim
// sends step s of both sequences in one object, the memtile splits it and
// broadcasts each part to the 2 cores that read it. Each GEMM's 4 C blocks
// are joined in its column's memtile.
builtin.module {
  dato.region @top(%A: memref<32x32xi16>, %B: memref<32x32xi16>, %C: memref<32x32xi16>, %D: memref<32x32xi16>, %E: memref<32x32xi16>, %F: memref<32x32xi16>) attributes {dato.device = "npu1_2col"} {
    dato.stream @pipe_a_0_0_0 : !dato.stream<memref<16x16xi16>, 2>
    dato.stream @pipe_a_0_0_1 : !dato.stream<memref<16x16xi16>, 2>
    dato.stream @pipe_a_0_1_0 : !dato.stream<memref<16x16xi16>, 2>
    dato.stream @pipe_a_0_1_1 : !dato.stream<memref<16x16xi16>, 2>
    dato.stream @pipe_b_0_0_0 : !dato.stream<memref<16x16xi16>, 2>
    dato.stream @pipe_b_0_0_1 : !dato.stream<memref<16x16xi16>, 2>
    dato.stream @pipe_b_0_1_0 : !dato.stream<memref<16x16xi16>, 2>
    dato.stream @pipe_b_0_1_1 : !dato.stream<memref<16x16xi16>, 2>
    dato.group @ga_g0 of @ga grid [2, 2, 2] (%A : memref<32x32xi16>, %B : memref<32x32xi16>, %C : memref<32x32xi16>) ports [@pipe_a_out] instances [
      @ga_0_0_0 pid [0, 0, 0] offsets [[0, 0], [0, 0], [0, 0]] streams [@pipe_a_0_0_0],
      @ga_0_0_1 pid [0, 0, 1] offsets [[0, 0], [0, 16], [0, 16]] streams [@pipe_a_0_0_1],
      @ga_0_1_0 pid [0, 1, 0] offsets [[16, 0], [0, 0], [16, 0]] streams [@pipe_a_0_1_0],
      @ga_0_1_1 pid [0, 1, 1] offsets [[16, 0], [0, 16], [16, 16]] streams [@pipe_a_0_1_1]
    ] attributes {dato.tiles = array<i64: 0, 2, 0, 3, 0, 4, 0, 5>} {
    ^bb0(%a: memref<16x16xi16>, %b: memref<16x16xi16>, %c: memref<16x16xi16>):
      %c_in = memref.alloc() : memref<16x16xi16>
      %0 = arith.constant 0 : i16
      linalg.fill ins(%0 : i16) outs(%c_in : memref<16x16xi16>)
      %c_out = memref.alloc() : memref<16x16xi16>
      %1 = memref.alloc() : memref<16x16xi16>
      %2 = arith.constant 0 : i16
      linalg.fill ins(%2 : i16) outs(%1 : memref<16x16xi16>)
      linalg.matmul ins(%a, %b : memref<16x16xi16>, memref<16x16xi16>) outs(%1 : memref<16x16xi16>)
      %3 = memref.alloc() : memref<16x16xi16>
      linalg.add ins(%1, %c_in : memref<16x16xi16>, memref<16x16xi16>) outs(%3 : memref<16x16xi16>)
      "memref.copy"(%3, %c_out) : (memref<16x16xi16>, memref<16x16xi16>) -> ()
      dato.put @pipe_a_out, %c_out : memref<16x16xi16>
    }
    dato.group @ga_g1 of @ga grid [2, 2, 2] (%A : memref<32x32xi16>, %B : memref<32x32xi16>, %C : memref<32x32xi16>) ports [@pipe_a_in] instances [
      @ga_1_0_0 pid [1, 0, 0] offsets [[0, 16], [16, 0], [0, 0]] streams [@pipe_a_0_0_0],
      @ga_1_0_1 pid [1, 0, 1] offsets [[0, 16], [16, 16], [0, 16]] streams [@pipe_a_0_0_1],
      @ga_1_1_0 pid [1, 1, 0] offsets [[16, 16], [16, 0], [16, 0]] streams [@pipe_a_0_1_0],
      @ga_1_1_1 pid [1, 1, 1] offsets [[16, 16], [16, 16], [16, 16]] streams [@pipe_a_0_1_1]
    ] attributes {dato.tiles = array<i64: 0, 2, 0, 3, 0, 4, 0, 5>} {
    ^bb0(%a: memref<16x16xi16>, %b: memref<16x16xi16>, %c: memref<16x16xi16>):
      %c_in = memref.alloc() : memref<16x16xi16>
      %0 = dato.get @pipe_a_in : memref<16x16xi16>
      "memref.copy"(%0, %c_in) : (memref<16x16xi16>, memref<16x16xi16>) -> ()
      %c_out = memref.alloc() : memref<16x16xi16>
      %1 = memref.alloc() : memref<16x16xi16>
      %2 = arith.constant 0 : i16
      linalg.fill ins(%2 : i16) outs(%1 : memref<16x16xi16>)
      linalg.matmul ins(%a, %b : memref<16x16xi16>, memref<16x16xi16>) outs(%1 : memref<16x16xi16>)
      %3 = memref.alloc() : memref<16x16xi16>
      linalg.add ins(%1, %c_in : memref<16x16xi16>, memref<16x16xi16>) outs(%3 : memref<16x16xi16>)
      "memref.copy"(%3, %c_out) : (memref<16x16xi16>, memref<16x16xi16>) -> ()
      "memref.copy"(%c_out, %c) : (memref<16x16xi16>, memref<16x16xi16>) -> ()
    }
    dato.group @gb_g0 of @gb grid [2, 2, 2] (%D : memref<32x32xi16>, %E : memref<32x32xi16>, %F : memref<32x32xi16>) ports [@pipe_b_out] instances [
      @gb_0_0_0 pid [0, 0, 0] offsets [[0, 0], [0, 0], [0, 0]] streams [@pipe_b_0_0_0],
      @gb_0_0_1 pid [0, 0, 1] offsets [[0, 0], [0, 16], [0, 16]] streams [@pipe_b_0_0_1],
      @gb_0_1_0 pid [0, 1, 0] offsets [[16, 0], [0, 0], [16, 0]] streams [@pipe_b_0_1_0],
      @gb_0_1_1 pid [0, 1, 1] offsets [[16, 0], [0, 16], [16, 16]] streams [@pipe_b_0_1_1]
    ] attributes {dato.tiles = array<i64: 1, 5, 1, 4, 1, 3, 1, 2>} {
    ^bb0(%d: memref<16x16xi16>, %e: memref<16x16xi16>, %f: memref<16x16xi16>):
      %f_in = memref.alloc() : memref<16x16xi16>
      %0 = arith.constant 0 : i16
      linalg.fill ins(%0 : i16) outs(%f_in : memref<16x16xi16>)
      %f_out = memref.alloc() : memref<16x16xi16>
      %1 = memref.alloc() : memref<16x16xi16>
      %2 = arith.constant 0 : i16
      linalg.fill ins(%2 : i16) outs(%1 : memref<16x16xi16>)
      linalg.matmul ins(%d, %e : memref<16x16xi16>, memref<16x16xi16>) outs(%1 : memref<16x16xi16>)
      %3 = memref.alloc() : memref<16x16xi16>
      linalg.add ins(%1, %f_in : memref<16x16xi16>, memref<16x16xi16>) outs(%3 : memref<16x16xi16>)
      "memref.copy"(%3, %f_out) : (memref<16x16xi16>, memref<16x16xi16>) -> ()
      dato.put @pipe_b_out, %f_out : memref<16x16xi16>
    }
    dato.group @gb_g1 of @gb grid [2, 2, 2] (%D : memref<32x32xi16>, %E : memref<32x32xi16>, %F : memref<32x32xi16>) ports [@pipe_b_in] instances [
      @gb_1_0_0 pid [1, 0, 0] offsets [[0, 16], [16, 0], [0, 0]] streams [@pipe_b_0_0_0],
      @gb_1_0_1 pid [1, 0, 1] offsets [[0, 16], [16, 16], [0, 16]] streams [@pipe_b_0_0_1],
      @gb_1_1_0 pid [1, 1, 0] offsets [[16, 16], [16, 0], [16, 0]] streams [@pipe_b_0_1_0],
      @gb_1_1_1 pid [1, 1, 1] offsets [[16, 16], [16, 16], [16, 16]] streams [@pipe_b_0_1_1]
    ] attributes {dato.tiles = array<i64: 1, 5, 1, 4, 1, 3, 1, 2>} {
    ^bb0(%d: memref<16x16xi16>, %e: memref<16x16xi16>, %f: memref<16x16xi16>):
      %f_in = memref.alloc() : memref<16x16xi16>
      %0 = dato.get @pipe_b_in : memref<16x16xi16>
      "memref.copy"(%0, %f_in) : (memref<16x16xi16>, memref<16x16xi16>) -> ()
      %f_out = memref.alloc() : memref<16x16xi16>
      %1 = memref.alloc() : memref<16x16xi16>
      %2 = arith.constant 0 : i16
      linalg.fill ins(%2 : i16) outs(%1 : memref<16x16xi16>)
      linalg.matmul ins(%d, %e : memref<16x16xi16>, memref<16x16xi16>) outs(%1 : memref<16x16xi16>)
      %3 = memref.alloc() : memref<16x16xi16>
      linalg.add ins(%1, %f_in : memref<16x16xi16>, memref<16x16xi16>) outs(%3 : memref<16x16xi16>)
      "memref.copy"(%3, %f_out) : (memref<16x16xi16>, memref<16x16xi16>) -> ()
      "memref.copy"(%f_out, %f) : (memref<16x16xi16>, memref<16x16xi16>) -> ()
    }
    dato.chain [@ga_0_0_0, @ga_1_0_0]
    dato.chain [@ga_0_0_1, @ga_1_0_1]
    dato.chain [@ga_0_1_0, @ga_1_1_0]
    dato.chain [@ga_0_1_1, @ga_1_1_1]
    dato.chain [@gb_0_0_0, @gb_1_0_0]
    dato.chain [@gb_0_0_1, @gb_1_0_1]
    dato.chain [@gb_0_1_0, @gb_1_1_0]
    dato.chain [@gb_0_1_1, @gb_1_1_1]
  }
}


// CHECK-LABEL: aie.device(npu1_2col) {
// CHECK:      aie.objectfifo @A_in0_0(%mem_c0, {%core_c0_r2, %core_c0_r3}, 1 : i32) : !aie.objectfifo<memref<16x16xi16>>
// CHECK-NEXT: aie.objectfifo @A_in0_1(%mem_c0, {%core_c0_r4, %core_c0_r5}, 1 : i32) : !aie.objectfifo<memref<16x16xi16>>
// step s: A rows 0-15 and 16-31 of K columns 16 s to 16 s + 15
// CHECK-NEXT: aie.objectfifo @A_in0(%shim_c0, {%mem_c0}, 1 : i32) {dato.host_arg = 0 : i64, dato.dma_offsets = array<i64: 0, 16>, dato.dma_sizes = [array<i64: 1, 2, 16, 16>, array<i64: 1, 2, 16, 16>], dato.dma_strides = [array<i64: 0, 512, 32, 1>, array<i64: 0, 512, 32, 1>]} : !aie.objectfifo<memref<512xi16>>
// CHECK-NEXT: aie.objectfifo.link [@A_in0] -> [@A_in0_0, @A_in0_1]([] [0, 256])
// CHECK-NEXT: aie.objectfifo @B_in0_0(%mem_c0, {%core_c0_r2, %core_c0_r4}, 1 : i32) : !aie.objectfifo<memref<16x16xi16>>
// CHECK-NEXT: aie.objectfifo @B_in0_1(%mem_c0, {%core_c0_r3, %core_c0_r5}, 1 : i32) : !aie.objectfifo<memref<16x16xi16>>
// CHECK-NEXT: aie.objectfifo @B_in0(%shim_c0, {%mem_c0}, 1 : i32) {dato.host_arg = 1 : i64
// CHECK-NEXT: aie.objectfifo.link [@B_in0] -> [@B_in0_0, @B_in0_1]([] [0, 256])
// CHECK:      aie.objectfifo @C_out0(%mem_c0, {%shim_c0}, 1 : i32) {dato.host_arg = 2 : i64
// CHECK-NEXT: aie.objectfifo.link [@C_out0_0, @C_out0_1, @C_out0_2, @C_out0_3] -> [@C_out0]([0, 256, 512, 768] [])
// the second GEMM the same way in column 1
// CHECK:      aie.objectfifo @D_in0(%shim_c1, {%mem_c1}, 1 : i32) {dato.host_arg = 3 : i64
// CHECK:      aie.objectfifo @E_in0(%shim_c1, {%mem_c1}, 1 : i32) {dato.host_arg = 4 : i64
// CHECK:      aie.objectfifo @F_out0(%mem_c1, {%shim_c1}, 1 : i32) {dato.host_arg = 5 : i64
// no other shim transfer
// CHECK-NOT:  %shim_c
