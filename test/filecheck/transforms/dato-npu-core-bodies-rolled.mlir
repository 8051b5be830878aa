// RUN: dato-opt %s -p dato-npu-core-bodies | filecheck %s

// A bundle's members are rolled into one loop of the core body when their code
// is the same up to the tile buffers only they use through loads and stores
// (here the counters of each chain's local stream, one per member): those
// become one buffer with a leading member dimension, indexed by the loop's
// induction variable inside it and by a constant outside (their reset).
// Input: dato-npu-transfers' output for test_npu_rolled_bundles.py's batched
// GEMM at M=8, N=16, K=16, Pk=2, Pm=1, Pn=2: two chains of two instances,
// bundled on one core. A chain's local stream holds one block: a buffer of the
// block's own type, shared with the members' dead locals of that type.

// CHECK-LABEL: aie.device(npu1) {
// CHECK:         aie.buffer(%core_c0_r2) : memref<8x8xi16>
// CHECK-NEXT:    %[[LOCAL:.*]] = aie.buffer(%core_c0_r2) : memref<8x8xi16>
// CHECK-NEXT:    %[[PUT:.*]] = aie.buffer(%core_c0_r2) : memref<2x1xi32>
// CHECK-NEXT:    %[[GET:.*]] = aie.buffer(%core_c0_r2) : memref<2x1xi32>
// CHECK-NOT:     aie.buffer(%core_c0_r2) : memref<1xi32>
// CHECK:         aie.core(%core_c0_r2) {
// CHECK:           memref.store %{{.*}}, %[[GET]][%{{.*}}, %{{.*}}] : memref<2x1xi32>
// CHECK-COUNT-3:   memref.store %{{.*}} : memref<2x1xi32>
// CHECK:           %[[N:.*]] = arith.constant 2 : index
// CHECK:           scf.for %[[M:.*]] = %{{.*}} to %[[N]] step %{{.*}} {
// CHECK-NEXT:        aie.objectfifo.acquire @A_in0(Consume, 1)
// CHECK:             func.call @dato_matmul_i16_8x8x8
// CHECK:             memref.load %[[PUT]][%[[M]], %{{.*}}] : memref<2x1xi32>
// CHECK:             memref.store %{{.*}}, %[[LOCAL]]
// CHECK:             memref.store %{{.*}}, %[[PUT]][%[[M]], %{{.*}}] : memref<2x1xi32>
// CHECK:             aie.objectfifo.acquire @C_out0(Produce, 1)
// CHECK:             memref.load %[[GET]][%[[M]], %{{.*}}] : memref<2x1xi32>
// CHECK:             func.call @dato_copy_i16_64
// CHECK:             aie.objectfifo.release @C_out0(Produce, 1)
// CHECK-NEXT:        aie.objectfifo.release @B_in0(Consume, 1)
// CHECK-NEXT:        aie.objectfifo.release @A_in0(Consume, 1)
// CHECK-NEXT:      }
// CHECK-NEXT:      aie.end
// CHECK-NOT:     aie.objectfifo.acquire

builtin.module {
  aie.device(npu1) {
    %shim_c0 = aie.tile(0, 0)
    %core_c0_r2 = aie.tile(0, 2)
    aie.objectfifo @A_in0(%shim_c0, {%core_c0_r2}, 1 : i32) {dato.host_arg = 0 : i64, dato.dma_offsets = array<i64: 0, 0>, dato.dma_sizes = [array<i64: 1, 2, 8, 8>, array<i64: 1, 2, 8, 8>], dato.dma_strides = [array<i64: 0, 8, 16, 1>, array<i64: 0, 8, 16, 1>]} : !aie.objectfifo<memref<8x8xi16>>
    aie.objectfifo @B_in0(%shim_c0, {%core_c0_r2}, 1 : i32) {dato.host_arg = 1 : i64, dato.dma_offsets = array<i64: 0, 8>, dato.dma_sizes = [array<i64: 1, 2, 8, 8>, array<i64: 1, 2, 8, 8>], dato.dma_strides = [array<i64: 0, 128, 16, 1>, array<i64: 0, 128, 16, 1>]} : !aie.objectfifo<memref<8x8xi16>>
    aie.objectfifo @C_out0(%core_c0_r2, {%shim_c0}, 1 : i32) {dato.host_arg = 2 : i64, dato.dma_offsets = array<i64: 0>, dato.dma_sizes = [array<i64: 1, 2, 8, 8>], dato.dma_strides = [array<i64: 0, 8, 16, 1>]} : !aie.objectfifo<memref<8x8xi16>>
  } {dato.host_args = [memref<8x16xi16>, memref<16x16xi16>, memref<8x16xi16>], dato.host_names = ["A", "B", "C"]}
  dato.region @top(%A: memref<8x16xi16>, %B: memref<16x16xi16>, %C: memref<8x16xi16>) attributes {dato.device = "npu1"} {
    dato.stream @pipe_0_0_0 : !dato.stream<memref<8x8xi16>, 2> {dato.local_count = 1 : i64}
    dato.stream @pipe_0_0_1 : !dato.stream<memref<8x8xi16>, 2> {dato.local_count = 1 : i64}
    dato.group @gemm_g0 of @gemm grid [2, 1, 2] (%A : memref<8x16xi16>, %B : memref<16x16xi16>, %C : memref<8x16xi16>) ports [@pipe_out] instances [
      @gemm_0_0_0 pid [0, 0, 0] offsets [[0, 0], [0, 0], [0, 0]] streams [@pipe_0_0_0],
      @gemm_0_0_1 pid [0, 0, 1] offsets [[0, 0], [0, 8], [0, 8]] streams [@pipe_0_0_1]
    ] attributes {dato.tiles = array<i64: 0, 2, 0, 2>, dato.read_fifos = [["A_in0", "B_in0", ""], ["A_in0", "B_in0", ""]], dato.write_fifos = [["", "", ""], ["", "", ""]]} {
    ^bb0(%a: memref<8x8xi16>, %b: memref<8x8xi16>, %c: memref<8x8xi16>):
      %c_in = memref.alloc() : memref<8x8xi16>
      %0 = arith.constant 0 : i16
      linalg.fill ins(%0 : i16) outs(%c_in : memref<8x8xi16>)
      %c_out = memref.alloc() : memref<8x8xi16>
      %1 = memref.alloc() : memref<8x8xi16>
      %2 = arith.constant 0 : i16
      linalg.fill ins(%2 : i16) outs(%1 : memref<8x8xi16>)
      linalg.matmul ins(%a, %b : memref<8x8xi16>, memref<8x8xi16>) outs(%1 : memref<8x8xi16>)
      %3 = memref.alloc() : memref<8x8xi16>
      linalg.add ins(%1, %c_in : memref<8x8xi16>, memref<8x8xi16>) outs(%3 : memref<8x8xi16>)
      "memref.copy"(%3, %c_out) : (memref<8x8xi16>, memref<8x8xi16>) -> ()
      dato.put @pipe_out, %c_out : memref<8x8xi16>
    }
    dato.group @gemm_g1 of @gemm grid [2, 1, 2] (%A : memref<8x16xi16>, %B : memref<16x16xi16>, %C : memref<8x16xi16>) ports [@pipe_in] instances [
      @gemm_1_0_0 pid [1, 0, 0] offsets [[0, 8], [8, 0], [0, 0]] streams [@pipe_0_0_0],
      @gemm_1_0_1 pid [1, 0, 1] offsets [[0, 8], [8, 8], [0, 8]] streams [@pipe_0_0_1]
    ] attributes {dato.tiles = array<i64: 0, 2, 0, 2>, dato.read_fifos = [["A_in0", "B_in0", ""], ["A_in0", "B_in0", ""]], dato.write_fifos = [["", "", "C_out0"], ["", "", "C_out0"]]} {
    ^bb0(%a: memref<8x8xi16>, %b: memref<8x8xi16>, %c: memref<8x8xi16>):
      %c_in = memref.alloc() : memref<8x8xi16>
      %0 = dato.get @pipe_in : memref<8x8xi16>
      "memref.copy"(%0, %c_in) : (memref<8x8xi16>, memref<8x8xi16>) -> ()
      %c_out = memref.alloc() : memref<8x8xi16>
      %1 = memref.alloc() : memref<8x8xi16>
      %2 = arith.constant 0 : i16
      linalg.fill ins(%2 : i16) outs(%1 : memref<8x8xi16>)
      linalg.matmul ins(%a, %b : memref<8x8xi16>, memref<8x8xi16>) outs(%1 : memref<8x8xi16>)
      %3 = memref.alloc() : memref<8x8xi16>
      linalg.add ins(%1, %c_in : memref<8x8xi16>, memref<8x8xi16>) outs(%3 : memref<8x8xi16>)
      "memref.copy"(%3, %c_out) : (memref<8x8xi16>, memref<8x8xi16>) -> ()
      "memref.copy"(%c_out, %c) : (memref<8x8xi16>, memref<8x8xi16>) -> ()
    }
    dato.bundle [@gemm_0_0_0, @gemm_1_0_0, @gemm_0_0_1, @gemm_1_0_1]
    dato.chain [@gemm_0_0_0, @gemm_1_0_0]
    dato.chain [@gemm_0_0_1, @gemm_1_0_1]
  }
}