// RUN: dato-opt %s -p dato-npu-transfers | filecheck %s

// dato-physical-map's output for a 4-lane int16 pipeline of 1M elements
// (scale -> clamp -> add B, each lane on 3 cores joined by streams): each
// lane reads its 256K-element blocks of A and B by rows of 4096 (8 KiB, 2
// deep). The lanes do not run in step (streams join cores), so a memtile
// distribute would hold all 64 row steps of every lane (4 x 512 KiB against
// a memtile's 512 KiB): each lane's block comes straight from a shim channel
// instead (8 shim input channels for A and B, 4 outputs for C), no memtile.
builtin.module {
  dato.region @top(%A: memref<256x4096xi16>, %B: memref<256x4096xi16>, %C: memref<256x4096xi16>) attributes {dato.device = "npu1"} {
    dato.stream @s1_0 : !dato.stream<memref<4096xi16>, 2>
    dato.stream @s1_1 : !dato.stream<memref<4096xi16>, 2>
    dato.stream @s1_2 : !dato.stream<memref<4096xi16>, 2>
    dato.stream @s1_3 : !dato.stream<memref<4096xi16>, 2>
    dato.stream @s2_0 : !dato.stream<memref<4096xi16>, 2>
    dato.stream @s2_1 : !dato.stream<memref<4096xi16>, 2>
    dato.stream @s2_2 : !dato.stream<memref<4096xi16>, 2>
    dato.stream @s2_3 : !dato.stream<memref<4096xi16>, 2>
    dato.group @scale of @scale grid [4] (%A : memref<256x4096xi16>) ports [@s1_out] instances [
      @scale_0 pid [0] offsets [[0, 0]] streams [@s1_0],
      @scale_1 pid [1] offsets [[64, 0]] streams [@s1_1],
      @scale_2 pid [2] offsets [[128, 0]] streams [@s1_2],
      @scale_3 pid [3] offsets [[192, 0]] streams [@s1_3]
    ] attributes {dato.tiles = array<i64: 0, 2, 0, 5, 1, 3, 2, 3>} {
    ^bb0(%a: memref<64x4096xi16>):
      %three = memref.alloc() : memref<4096xi16>
      %0 = arith.constant 3 : i16
      linalg.fill ins(%0 : i16) outs(%three : memref<4096xi16>)
      %1 = arith.constant 0 : index
      %2 = arith.constant 64 : index
      %3 = arith.constant 1 : index
      scf.for %c = %1 to %2 step %3 {
        %4 = arith.constant 4096 : index
        %5 = arith.muli %c, %4 : index
        %6 = memref.alloc() : memref<4096xi16>
        scf.for %7 = %1 to %4 step %3 {
          %8 = arith.addi %5, %7 : index
          %9 = memref.load %a[%c, %7] {dato.row_piece} : memref<64x4096xi16>
          %10 = memref.load %three[%7] : memref<4096xi16>
          %11 = arith.muli %9, %10 : i16
          memref.store %11, %6[%7] : memref<4096xi16>
        }
        dato.put @s1_out, %6 : memref<4096xi16> {dato.in_place}
      } {dato.row_loop = 1 : i64}
    }
    dato.group @clamp of @clamp grid [4] () ports [@s1_in, @s2_out] instances [
      @clamp_0 pid [0] offsets [] streams [@s1_0, @s2_0],
      @clamp_1 pid [1] offsets [] streams [@s1_1, @s2_1],
      @clamp_2 pid [2] offsets [] streams [@s1_2, @s2_2],
      @clamp_3 pid [3] offsets [] streams [@s1_3, @s2_3]
    ] attributes {dato.tiles = array<i64: 0, 3, 1, 5, 1, 2, 2, 4>} {
      %lo = memref.alloc() : memref<4096xi16>
      %0 = arith.constant -1000 : i16
      linalg.fill ins(%0 : i16) outs(%lo : memref<4096xi16>)
      %hi = memref.alloc() : memref<4096xi16>
      %1 = arith.constant 1000 : i16
      linalg.fill ins(%1 : i16) outs(%hi : memref<4096xi16>)
      %2 = arith.constant 0 : index
      %3 = arith.constant 64 : index
      %4 = arith.constant 1 : index
      scf.for %c = %2 to %3 step %4 {
        %5 = dato.get @s1_in : memref<4096xi16>
        %6 = memref.alloc() : memref<4096xi16>
        linalg.max ins(%5, %lo : memref<4096xi16>, memref<4096xi16>) outs(%6 : memref<4096xi16>)
        %7 = memref.alloc() : memref<4096xi16>
        linalg.min ins(%6, %hi : memref<4096xi16>, memref<4096xi16>) outs(%7 : memref<4096xi16>)
        dato.put @s2_out, %7 : memref<4096xi16> {dato.in_place}
      }
    }
    dato.group @addb of @addb grid [4] (%B : memref<256x4096xi16>, %C : memref<256x4096xi16>) ports [@s2_in] instances [
      @addb_0 pid [0] offsets [[0, 0], [0, 0]] streams [@s2_0],
      @addb_1 pid [1] offsets [[64, 0], [64, 0]] streams [@s2_1],
      @addb_2 pid [2] offsets [[128, 0], [128, 0]] streams [@s2_2],
      @addb_3 pid [3] offsets [[192, 0], [192, 0]] streams [@s2_3]
    ] attributes {dato.tiles = array<i64: 0, 4, 1, 4, 2, 2, 2, 5>} {
    ^bb0(%b: memref<64x4096xi16>, %cc: memref<64x4096xi16>):
      %0 = arith.constant 0 : index
      %1 = arith.constant 64 : index
      %2 = arith.constant 1 : index
      scf.for %c = %0 to %1 step %2 {
        %3 = dato.get @s2_in : memref<4096xi16>
        %4 = arith.constant 4096 : index
        %5 = arith.muli %c, %4 : index
        %6 = memref.alloc() : memref<4096xi16>
        scf.for %7 = %0 to %4 step %2 {
          %8 = memref.load %3[%7] : memref<4096xi16>
          %9 = arith.addi %5, %7 : index
          %10 = memref.load %b[%c, %7] {dato.row_piece} : memref<64x4096xi16>
          %11 = arith.addi %8, %10 : i16
          memref.store %11, %6[%7] : memref<4096xi16>
        }
        %12 = arith.muli %c, %4 : index
        %13 = arith.constant 0 : index
        %14 = arith.constant 1 : index
        %15 = arith.constant 4096 : index
        scf.for %16 = %13 to %15 step %14 {
          %17 = memref.load %6[%16] : memref<4096xi16>
          %18 = arith.addi %12, %16 : index
          memref.store %17, %cc[%c, %16] {dato.row_piece} : memref<64x4096xi16>
        }
      } {dato.row_loop = 1 : i64}
    }
  }
}

// CHECK-LABEL: aie.device(npu1) {
// CHECK-NOT:  aie.objectfifo.link
// CHECK:      aie.objectfifo @A_in0(%shim_c0, {%core_c0_r2}, 2 : i32) {dato.host_arg = 0 : i64, dato.dma_offsets = array<i64: 0>, dato.dma_sizes = [array<i64: 64, 1, 1, 4096>], dato.dma_strides = [array<i64: 4096, 0, 4096, 1>]} : !aie.objectfifo<memref<1x4096xi16>>
// CHECK-NEXT: aie.objectfifo @A_in1(%shim_c0, {%core_c0_r5}, 2 : i32) {dato.host_arg = 0 : i64, dato.dma_offsets = array<i64: 262144>
// CHECK-NEXT: aie.objectfifo @A_in2(%shim_c1, {%core_c1_r3}, 2 : i32) {dato.host_arg = 0 : i64, dato.dma_offsets = array<i64: 524288>
// CHECK-NEXT: aie.objectfifo @A_in3(%shim_c2, {%core_c2_r3}, 2 : i32) {dato.host_arg = 0 : i64, dato.dma_offsets = array<i64: 786432>
// CHECK-NEXT: aie.objectfifo @B_in0(%shim_c1, {%core_c0_r4}, 2 : i32) {dato.host_arg = 1 : i64, dato.dma_offsets = array<i64: 0>
// CHECK-NEXT: aie.objectfifo @B_in1(%shim_c2, {%core_c1_r4}, 2 : i32) {dato.host_arg = 1 : i64, dato.dma_offsets = array<i64: 262144>
// CHECK-NEXT: aie.objectfifo @B_in2(%shim_c3, {%core_c2_r2}, 2 : i32) {dato.host_arg = 1 : i64, dato.dma_offsets = array<i64: 524288>
// CHECK-NEXT: aie.objectfifo @B_in3(%shim_c3, {%core_c2_r5}, 2 : i32) {dato.host_arg = 1 : i64, dato.dma_offsets = array<i64: 786432>
// CHECK-NEXT: aie.objectfifo @C_out0(%core_c0_r4, {%shim_c0}, 2 : i32)
// CHECK-NEXT: aie.objectfifo @C_out1(%core_c1_r4, {%shim_c1}, 2 : i32)
// CHECK-NEXT: aie.objectfifo @C_out2(%core_c2_r2, {%shim_c2}, 2 : i32)
// CHECK-NEXT: aie.objectfifo @C_out3(%core_c2_r5, {%shim_c2}, 2 : i32)
// CHECK-NOT:  aie.objectfifo.link
