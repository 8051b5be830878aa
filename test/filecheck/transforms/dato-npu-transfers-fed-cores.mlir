// RUN: dato-opt %s -p dato-npu-transfers | filecheck %s

// dato-physical-map's output for an int32 GEMM with an in-task bias, 256 x
// 256 x 512 on a 4x4 mapping, folded onto 8 GEMM cores (columns 1 and 3, 2
// instances each) with a loader beside each forwarding its bias blocks by a
// stream. A memtile cannot hold every K step of a column's A (or of B), so
// the distributes hold one step and tie the GEMM cores; they run one code
// in one order and the only streams into them come from loaders that get
// no stream, feed one core and are tied to no other core, so no wait cycle
// forms: the plan is kept (before: refused, and the mapping fell back to 2
// GEMM cores).
builtin.module {
  dato.region @top(%A: memref<256x512xi32>, %B: memref<512x256xi32>, %Bias: memref<256x256xi32>, %C: memref<256x256xi32>) attributes {dato.device = "npu1"} {
    dato.stream @gemm_0_0_Bias_fwd : !dato.stream<memref<64x64xi32>, 1> {dato.compiler_chosen}
    dato.group @gemm_0_0_load_Bias of @gemm_0_0_load_Bias grid [1] (%Bias : memref<256x256xi32>) ports [] instances [
      @gemm_0_0_load_Bias_0 pid [0] offsets [[0, 0]] streams []
    ] attributes {dato.forwards = "gemm_0_0", dato.compiler_chosen, dato.tiles = array<i64: 0, 2>} {
    ^bb0(%0: memref<64x64xi32>):
      dato.put @gemm_0_0_Bias_fwd, %0 : memref<64x64xi32>
    }
    dato.stream @gemm_0_1_Bias_fwd : !dato.stream<memref<64x64xi32>, 1> {dato.compiler_chosen}
    dato.group @gemm_0_1_load_Bias of @gemm_0_1_load_Bias grid [1] (%Bias : memref<256x256xi32>) ports [] instances [
      @gemm_0_1_load_Bias_0 pid [0] offsets [[0, 64]] streams []
    ] attributes {dato.forwards = "gemm_0_1", dato.compiler_chosen, dato.tiles = array<i64: 0, 2>} {
    ^bb0(%0: memref<64x64xi32>):
      dato.put @gemm_0_1_Bias_fwd, %0 : memref<64x64xi32>
    }
    dato.stream @gemm_0_2_Bias_fwd : !dato.stream<memref<64x64xi32>, 1> {dato.compiler_chosen}
    dato.group @gemm_0_2_load_Bias of @gemm_0_2_load_Bias grid [1] (%Bias : memref<256x256xi32>) ports [] instances [
      @gemm_0_2_load_Bias_0 pid [0] offsets [[0, 128]] streams []
    ] attributes {dato.forwards = "gemm_0_2", dato.compiler_chosen, dato.tiles = array<i64: 0, 3>} {
    ^bb0(%0: memref<64x64xi32>):
      dato.put @gemm_0_2_Bias_fwd, %0 : memref<64x64xi32>
    }
    dato.stream @gemm_0_3_Bias_fwd : !dato.stream<memref<64x64xi32>, 1> {dato.compiler_chosen}
    dato.group @gemm_0_3_load_Bias of @gemm_0_3_load_Bias grid [1] (%Bias : memref<256x256xi32>) ports [] instances [
      @gemm_0_3_load_Bias_0 pid [0] offsets [[0, 192]] streams []
    ] attributes {dato.forwards = "gemm_0_3", dato.compiler_chosen, dato.tiles = array<i64: 0, 3>} {
    ^bb0(%0: memref<64x64xi32>):
      dato.put @gemm_0_3_Bias_fwd, %0 : memref<64x64xi32>
    }
    dato.stream @gemm_1_0_Bias_fwd : !dato.stream<memref<64x64xi32>, 1> {dato.compiler_chosen}
    dato.group @gemm_1_0_load_Bias of @gemm_1_0_load_Bias grid [1] (%Bias : memref<256x256xi32>) ports [] instances [
      @gemm_1_0_load_Bias_0 pid [0] offsets [[64, 0]] streams []
    ] attributes {dato.forwards = "gemm_1_0", dato.compiler_chosen, dato.tiles = array<i64: 0, 4>} {
    ^bb0(%0: memref<64x64xi32>):
      dato.put @gemm_1_0_Bias_fwd, %0 : memref<64x64xi32>
    }
    dato.stream @gemm_1_1_Bias_fwd : !dato.stream<memref<64x64xi32>, 1> {dato.compiler_chosen}
    dato.group @gemm_1_1_load_Bias of @gemm_1_1_load_Bias grid [1] (%Bias : memref<256x256xi32>) ports [] instances [
      @gemm_1_1_load_Bias_0 pid [0] offsets [[64, 64]] streams []
    ] attributes {dato.forwards = "gemm_1_1", dato.compiler_chosen, dato.tiles = array<i64: 0, 4>} {
    ^bb0(%0: memref<64x64xi32>):
      dato.put @gemm_1_1_Bias_fwd, %0 : memref<64x64xi32>
    }
    dato.stream @gemm_1_2_Bias_fwd : !dato.stream<memref<64x64xi32>, 1> {dato.compiler_chosen}
    dato.group @gemm_1_2_load_Bias of @gemm_1_2_load_Bias grid [1] (%Bias : memref<256x256xi32>) ports [] instances [
      @gemm_1_2_load_Bias_0 pid [0] offsets [[64, 128]] streams []
    ] attributes {dato.forwards = "gemm_1_2", dato.compiler_chosen, dato.tiles = array<i64: 0, 5>} {
    ^bb0(%0: memref<64x64xi32>):
      dato.put @gemm_1_2_Bias_fwd, %0 : memref<64x64xi32>
    }
    dato.stream @gemm_1_3_Bias_fwd : !dato.stream<memref<64x64xi32>, 1> {dato.compiler_chosen}
    dato.group @gemm_1_3_load_Bias of @gemm_1_3_load_Bias grid [1] (%Bias : memref<256x256xi32>) ports [] instances [
      @gemm_1_3_load_Bias_0 pid [0] offsets [[64, 192]] streams []
    ] attributes {dato.forwards = "gemm_1_3", dato.compiler_chosen, dato.tiles = array<i64: 0, 5>} {
    ^bb0(%0: memref<64x64xi32>):
      dato.put @gemm_1_3_Bias_fwd, %0 : memref<64x64xi32>
    }
    dato.stream @gemm_2_0_Bias_fwd : !dato.stream<memref<64x64xi32>, 1> {dato.compiler_chosen}
    dato.group @gemm_2_0_load_Bias of @gemm_2_0_load_Bias grid [1] (%Bias : memref<256x256xi32>) ports [] instances [
      @gemm_2_0_load_Bias_0 pid [0] offsets [[128, 0]] streams []
    ] attributes {dato.forwards = "gemm_2_0", dato.compiler_chosen, dato.tiles = array<i64: 2, 2>} {
    ^bb0(%0: memref<64x64xi32>):
      dato.put @gemm_2_0_Bias_fwd, %0 : memref<64x64xi32>
    }
    dato.stream @gemm_2_1_Bias_fwd : !dato.stream<memref<64x64xi32>, 1> {dato.compiler_chosen}
    dato.group @gemm_2_1_load_Bias of @gemm_2_1_load_Bias grid [1] (%Bias : memref<256x256xi32>) ports [] instances [
      @gemm_2_1_load_Bias_0 pid [0] offsets [[128, 64]] streams []
    ] attributes {dato.forwards = "gemm_2_1", dato.compiler_chosen, dato.tiles = array<i64: 2, 2>} {
    ^bb0(%0: memref<64x64xi32>):
      dato.put @gemm_2_1_Bias_fwd, %0 : memref<64x64xi32>
    }
    dato.stream @gemm_2_2_Bias_fwd : !dato.stream<memref<64x64xi32>, 1> {dato.compiler_chosen}
    dato.group @gemm_2_2_load_Bias of @gemm_2_2_load_Bias grid [1] (%Bias : memref<256x256xi32>) ports [] instances [
      @gemm_2_2_load_Bias_0 pid [0] offsets [[128, 128]] streams []
    ] attributes {dato.forwards = "gemm_2_2", dato.compiler_chosen, dato.tiles = array<i64: 2, 3>} {
    ^bb0(%0: memref<64x64xi32>):
      dato.put @gemm_2_2_Bias_fwd, %0 : memref<64x64xi32>
    }
    dato.stream @gemm_2_3_Bias_fwd : !dato.stream<memref<64x64xi32>, 1> {dato.compiler_chosen}
    dato.group @gemm_2_3_load_Bias of @gemm_2_3_load_Bias grid [1] (%Bias : memref<256x256xi32>) ports [] instances [
      @gemm_2_3_load_Bias_0 pid [0] offsets [[128, 192]] streams []
    ] attributes {dato.forwards = "gemm_2_3", dato.compiler_chosen, dato.tiles = array<i64: 2, 3>} {
    ^bb0(%0: memref<64x64xi32>):
      dato.put @gemm_2_3_Bias_fwd, %0 : memref<64x64xi32>
    }
    dato.stream @gemm_3_0_Bias_fwd : !dato.stream<memref<64x64xi32>, 1> {dato.compiler_chosen}
    dato.group @gemm_3_0_load_Bias of @gemm_3_0_load_Bias grid [1] (%Bias : memref<256x256xi32>) ports [] instances [
      @gemm_3_0_load_Bias_0 pid [0] offsets [[192, 0]] streams []
    ] attributes {dato.forwards = "gemm_3_0", dato.compiler_chosen, dato.tiles = array<i64: 2, 4>} {
    ^bb0(%0: memref<64x64xi32>):
      dato.put @gemm_3_0_Bias_fwd, %0 : memref<64x64xi32>
    }
    dato.stream @gemm_3_1_Bias_fwd : !dato.stream<memref<64x64xi32>, 1> {dato.compiler_chosen}
    dato.group @gemm_3_1_load_Bias of @gemm_3_1_load_Bias grid [1] (%Bias : memref<256x256xi32>) ports [] instances [
      @gemm_3_1_load_Bias_0 pid [0] offsets [[192, 64]] streams []
    ] attributes {dato.forwards = "gemm_3_1", dato.compiler_chosen, dato.tiles = array<i64: 2, 4>} {
    ^bb0(%0: memref<64x64xi32>):
      dato.put @gemm_3_1_Bias_fwd, %0 : memref<64x64xi32>
    }
    dato.stream @gemm_3_2_Bias_fwd : !dato.stream<memref<64x64xi32>, 1> {dato.compiler_chosen}
    dato.group @gemm_3_2_load_Bias of @gemm_3_2_load_Bias grid [1] (%Bias : memref<256x256xi32>) ports [] instances [
      @gemm_3_2_load_Bias_0 pid [0] offsets [[192, 128]] streams []
    ] attributes {dato.forwards = "gemm_3_2", dato.compiler_chosen, dato.tiles = array<i64: 2, 5>} {
    ^bb0(%0: memref<64x64xi32>):
      dato.put @gemm_3_2_Bias_fwd, %0 : memref<64x64xi32>
    }
    dato.stream @gemm_3_3_Bias_fwd : !dato.stream<memref<64x64xi32>, 1> {dato.compiler_chosen}
    dato.group @gemm_3_3_load_Bias of @gemm_3_3_load_Bias grid [1] (%Bias : memref<256x256xi32>) ports [] instances [
      @gemm_3_3_load_Bias_0 pid [0] offsets [[192, 192]] streams []
    ] attributes {dato.forwards = "gemm_3_3", dato.compiler_chosen, dato.tiles = array<i64: 2, 5>} {
    ^bb0(%0: memref<64x64xi32>):
      dato.put @gemm_3_3_Bias_fwd, %0 : memref<64x64xi32>
    }
    dato.group @gemm of @gemm grid [4, 4] (%A : memref<256x512xi32>, %B : memref<512x256xi32>, %Bias : memref<256x256xi32>, %C : memref<256x256xi32>) ports [@Bias_fwd] instances [
      @gemm_0_0 pid [0, 0] offsets [[0, 0], [0, 0], [0, 0], [0, 0]] streams [@gemm_0_0_Bias_fwd],
      @gemm_0_1 pid [0, 1] offsets [[0, 0], [0, 64], [0, 64], [0, 64]] streams [@gemm_0_1_Bias_fwd],
      @gemm_0_2 pid [0, 2] offsets [[0, 0], [0, 128], [0, 128], [0, 128]] streams [@gemm_0_2_Bias_fwd],
      @gemm_0_3 pid [0, 3] offsets [[0, 0], [0, 192], [0, 192], [0, 192]] streams [@gemm_0_3_Bias_fwd],
      @gemm_1_0 pid [1, 0] offsets [[64, 0], [0, 0], [64, 0], [64, 0]] streams [@gemm_1_0_Bias_fwd],
      @gemm_1_1 pid [1, 1] offsets [[64, 0], [0, 64], [64, 64], [64, 64]] streams [@gemm_1_1_Bias_fwd],
      @gemm_1_2 pid [1, 2] offsets [[64, 0], [0, 128], [64, 128], [64, 128]] streams [@gemm_1_2_Bias_fwd],
      @gemm_1_3 pid [1, 3] offsets [[64, 0], [0, 192], [64, 192], [64, 192]] streams [@gemm_1_3_Bias_fwd],
      @gemm_2_0 pid [2, 0] offsets [[128, 0], [0, 0], [128, 0], [128, 0]] streams [@gemm_2_0_Bias_fwd],
      @gemm_2_1 pid [2, 1] offsets [[128, 0], [0, 64], [128, 64], [128, 64]] streams [@gemm_2_1_Bias_fwd],
      @gemm_2_2 pid [2, 2] offsets [[128, 0], [0, 128], [128, 128], [128, 128]] streams [@gemm_2_2_Bias_fwd],
      @gemm_2_3 pid [2, 3] offsets [[128, 0], [0, 192], [128, 192], [128, 192]] streams [@gemm_2_3_Bias_fwd],
      @gemm_3_0 pid [3, 0] offsets [[192, 0], [0, 0], [192, 0], [192, 0]] streams [@gemm_3_0_Bias_fwd],
      @gemm_3_1 pid [3, 1] offsets [[192, 0], [0, 64], [192, 64], [192, 64]] streams [@gemm_3_1_Bias_fwd],
      @gemm_3_2 pid [3, 2] offsets [[192, 0], [0, 128], [192, 128], [192, 128]] streams [@gemm_3_2_Bias_fwd],
      @gemm_3_3 pid [3, 3] offsets [[192, 0], [0, 192], [192, 192], [192, 192]] streams [@gemm_3_3_Bias_fwd]
    ] attributes {dato.tiles = array<i64: 1, 2, 1, 2, 1, 3, 1, 3, 1, 4, 1, 4, 1, 5, 1, 5, 3, 2, 3, 2, 3, 3, 3, 3, 3, 4, 3, 4, 3, 5, 3, 5>, dato.k_tile = 8 : i64} {
    ^bb0(%a: memref<64x512xi32>, %b: memref<512x64xi32>, %bias: memref<64x64xi32>, %c: memref<64x64xi32>):
      %bias_1 = dato.get @Bias_fwd : memref<64x64xi32>
      %0 = memref.alloc() : memref<64x64xi32>
      %1 = arith.constant 0 : i32
      linalg.fill ins(%1 : i32) outs(%0 : memref<64x64xi32>)
      linalg.matmul ins(%a, %b : memref<64x512xi32>, memref<512x64xi32>) outs(%0 : memref<64x64xi32>)
      %2 = memref.alloc() : memref<64x64xi32>
      linalg.add ins(%0, %bias_1 : memref<64x64xi32>, memref<64x64xi32>) outs(%2 : memref<64x64xi32>)
      "memref.copy"(%2, %c) : (memref<64x64xi32>, memref<64x64xi32>) -> ()
    }
    dato.chain [@gemm_0_0, @gemm_0_1] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
    dato.chain [@gemm_0_2, @gemm_0_3] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
    dato.chain [@gemm_1_0, @gemm_1_1] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
    dato.chain [@gemm_1_2, @gemm_1_3] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
    dato.chain [@gemm_2_0, @gemm_2_1] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
    dato.chain [@gemm_2_2, @gemm_2_3] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
    dato.chain [@gemm_3_0, @gemm_3_1] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
    dato.chain [@gemm_3_2, @gemm_3_3] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
    dato.chain [@gemm_0_0_load_Bias_0, @gemm_0_1_load_Bias_0] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
    dato.chain [@gemm_0_2_load_Bias_0, @gemm_0_3_load_Bias_0] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
    dato.chain [@gemm_1_0_load_Bias_0, @gemm_1_1_load_Bias_0] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
    dato.chain [@gemm_1_2_load_Bias_0, @gemm_1_3_load_Bias_0] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
    dato.chain [@gemm_2_0_load_Bias_0, @gemm_2_1_load_Bias_0] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
    dato.chain [@gemm_2_2_load_Bias_0, @gemm_2_3_load_Bias_0] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
    dato.chain [@gemm_3_0_load_Bias_0, @gemm_3_1_load_Bias_0] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
    dato.chain [@gemm_3_2_load_Bias_0, @gemm_3_3_load_Bias_0] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
  }
}

// CHECK-LABEL: aie.device(npu1) {
// CHECK:      aie.objectfifo @A_in0_0(%mem_c1, {%core_c1_r2, %core_c1_r3}, 1 : i32) : !aie.objectfifo<memref<64x8xi32>>
// CHECK-NEXT: aie.objectfifo @A_in0_1(%mem_c1, {%core_c1_r4, %core_c1_r5}, 1 : i32) : !aie.objectfifo<memref<64x8xi32>>
// CHECK-NEXT: aie.objectfifo @A_in0(%shim_c1, {%mem_c1}, 1 : i32) {dato.host_arg = 0 : i64
// CHECK-NEXT: aie.objectfifo.link [@A_in0] -> [@A_in0_0, @A_in0_1]([] [0, 512])
// CHECK:      aie.objectfifo @A_in1(%shim_c3, {%mem_c3}, 1 : i32) {dato.host_arg = 0 : i64
// CHECK:      aie.objectfifo @B_in0_0(%mem_c1, {%core_c1_r2, %core_c1_r4, %core_c3_r2, %core_c3_r4}, 1 : i32) : !aie.objectfifo<memref<8x64xi32>>
// CHECK-NEXT: aie.objectfifo @B_in0_1(%mem_c1, {%core_c1_r3, %core_c1_r5, %core_c3_r3, %core_c3_r5}, 1 : i32) : !aie.objectfifo<memref<8x64xi32>>
// CHECK-NEXT: aie.objectfifo @B_in0(%shim_c1, {%mem_c1}, 1 : i32) {dato.host_arg = 1 : i64
// CHECK:      aie.objectfifo @Bias_in0_0(%mem_c0, {%core_c0_r2}, 1 : i32) : !aie.objectfifo<memref<64x64xi32>>
// CHECK:      aie.objectfifo @Bias_in1(%shim_c2, {%mem_c2}, 1 : i32) {dato.host_arg = 2 : i64
// CHECK:      aie.objectfifo.link [@C_out0_0, @C_out0_1, @C_out0_2, @C_out0_3] -> [@C_out0]([0, 4096, 8192, 12288] [])
// CHECK:      aie.objectfifo.link [@C_out1_0, @C_out1_1, @C_out1_2, @C_out1_3] -> [@C_out1]([0, 4096, 8192, 12288] [])
// CHECK:      aie.objectfifo @gemm_0_0_Bias_fwd(%core_c0_r2, {%core_c1_r2}, 1 : i32) : !aie.objectfifo<memref<64x64xi32>>
