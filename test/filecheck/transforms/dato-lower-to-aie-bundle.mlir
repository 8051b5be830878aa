// RUN: dato-opt %s -p 'dato-virtual-map,dato-mapping-primitives{bundle="tile_0_0,tile_0_1,tile_1_0,tile_1_1;tile_0_2,tile_0_3,tile_1_2,tile_1_3;tile_0_4,tile_0_5,tile_1_4,tile_1_5;tile_0_6,tile_0_7,tile_1_6,tile_1_7;tile_2_0,tile_2_1,tile_3_0,tile_3_1;tile_2_2,tile_2_3,tile_3_2,tile_3_3;tile_2_4,tile_2_5,tile_3_4,tile_3_5;tile_2_6,tile_2_7,tile_3_6,tile_3_7;tile_4_0,tile_4_1,tile_5_0,tile_5_1;tile_4_2,tile_4_3,tile_5_2,tile_5_3;tile_4_4,tile_4_5,tile_5_4,tile_5_5;tile_4_6,tile_4_7,tile_5_6,tile_5_7;tile_6_0,tile_6_1,tile_7_0,tile_7_1;tile_6_2,tile_6_3,tile_7_2,tile_7_3;tile_6_4,tile_6_5,tile_7_4,tile_7_5;tile_6_6,tile_6_7,tile_7_6,tile_7_7"},dato-physical-map,dato-lower-to-aie' | filecheck %s

// An 8x8 grid of GEMM tasks bundled onto a 4x4 grid of cores, each core the
// product of two task rows and two task columns (i outer, j inner): one A fifo
// per compute row broadcast along it, one B fifo per compute column, one C fifo
// per core joined per column by the memtile; each core loops over its 4 members
// (not unrolled) and the runtime sequence feeds the fifos in that order. int32
// has no vector kernel in mlir-aie's mm.cc, so this is the row-major design
// calling the scalar kernel library (the vector one: dato-lower-to-aie-gemm.mlir).
dato.region @gemm(%A: memref<128x1024xi32>, %B: memref<1024x128xi32>, %C: memref<128x128xi32>) {
  dato.task @tile grid [8, 8] (%A : memref<128x1024xi32> [S0, R], %B : memref<1024x128xi32> [R, S1], %C : memref<128x128xi32> [S0, S1]) {
  ^bb0(%a: memref<16x1024xi32>, %b: memref<1024x16xi32>, %c: memref<16x16xi32>):
    %acc = memref.alloc() : memref<16x16xi32>
    %zero = arith.constant 0 : i32
    linalg.fill ins(%zero : i32) outs(%acc : memref<16x16xi32>)
    linalg.matmul ins(%a, %b : memref<16x1024xi32>, memref<1024x16xi32>) outs(%acc : memref<16x16xi32>)
    "memref.copy"(%acc, %c) : (memref<16x16xi32>, memref<16x16xi32>) -> ()
  }
}

// CHECK:      aie.device(npu1) {
// CHECK-NEXT:   func.func private @dato_fill_i32_256(memref<16x16xi32>, i32)
// CHECK-NEXT:   func.func private @dato_matmul_i32_16x128x16(memref<16x128xi32>, memref<128x16xi32>, memref<16x16xi32>)
// A: task rows {2r, 2r+1} go to every core of compute row r (row 2 + r).
// CHECK:        aie.objectfifo @A_row0(%shim_c0, {%core_c0_r2, %core_c1_r2, %core_c2_r2, %core_c3_r2}, 2 : i32) : !aie.objectfifo<memref<16x128xi32>>
// CHECK-NEXT:   aie.objectfifo @A_row1(%shim_c1, {%core_c0_r3, %core_c1_r3, %core_c2_r3, %core_c3_r3}, 2 : i32)
// CHECK-NEXT:   aie.objectfifo @A_row2(%shim_c2, {%core_c0_r4, %core_c1_r4, %core_c2_r4, %core_c3_r4}, 2 : i32)
// CHECK-NEXT:   aie.objectfifo @A_row3(%shim_c3, {%core_c0_r5, %core_c1_r5, %core_c2_r5, %core_c3_r5}, 2 : i32)
// B: task columns {2c, 2c+1} go to every core of compute column c.
// CHECK-NEXT:   aie.objectfifo @B_col0(%shim_c0, {%core_c0_r2, %core_c0_r3, %core_c0_r4, %core_c0_r5}, 2 : i32) : !aie.objectfifo<memref<128x16xi32>>
// CHECK:        aie.objectfifo @B_col3(%shim_c3, {%core_c3_r2, %core_c3_r3, %core_c3_r4, %core_c3_r5}, 2 : i32)
// C: one fifo per core, the four of a column joined by its memtile.
// CHECK-NEXT:   aie.objectfifo @C_c0_r0(%core_c0_r2, {%mem_c0}, 1 : i32) : !aie.objectfifo<memref<16x16xi32>>
// CHECK:        aie.objectfifo @C_col0(%mem_c0, {%shim_c0}, 1 : i32) : !aie.objectfifo<memref<1024xi32>>
// CHECK-NEXT:   aie.objectfifo.link [@C_c0_r0, @C_c0_r1, @C_c0_r2, @C_c0_r3] -> [@C_col0]([0, 256, 512, 768] [])
// CHECK:        aie.objectfifo.link [@C_c3_r0, @C_c3_r1, @C_c3_r2, @C_c3_r3] -> [@C_col3]([0, 256, 512, 768] [])
// Core (0, 0): a loop over its 4 members, each 8 K steps of 128.
// CHECK:        aie.core(%core_c0_r2) {
// CHECK-NEXT:     arith.constant 0 : index
// CHECK-NEXT:     %[[MEMBERS:.*]] = arith.constant 4 : index
// CHECK-NEXT:     arith.constant 1 : index
// CHECK-NEXT:     scf.for {{.*}} to %[[MEMBERS]]
// CHECK-NEXT:       aie.objectfifo.acquire @C_c0_r0(Produce, 1)
// CHECK:            func.call @dato_fill_i32_256
// CHECK:            %[[STEPS:.*]] = arith.constant 8 : index
// CHECK:            scf.for {{.*}} to %[[STEPS]]
// CHECK-NEXT:         aie.objectfifo.acquire @A_row0(Consume, 1)
// CHECK:              aie.objectfifo.acquire @B_col0(Consume, 1)
// CHECK:              func.call @dato_matmul_i32_16x128x16
// CHECK-NEXT:         aie.objectfifo.release @A_row0(Consume, 1)
// CHECK-NEXT:         aie.objectfifo.release @B_col0(Consume, 1)
// CHECK-NEXT:       }
// CHECK-NEXT:       aie.objectfifo.release @C_c0_r0(Produce, 1)
// CHECK-NEXT:     }
// CHECK-NEXT:     aie.end
// CHECK:        aie.core(%core_c0_r3) {
// CHECK-NOT:    aie.core(%core_c0_r2)
// Round 0 (first task row of each row set): A row block i repeated for the 2
// members of column c, in 8 K steps; B column blocks 2c, 2c+1 in K steps; C
// blocks of the 4 cores of a column collected as [members, core rows, 16, 16].
// CHECK:        aie.runtime_sequence(%A: memref<128x1024xi32>, %B: memref<1024x128xi32>, %C: memref<128x128xi32>) {
// CHECK-NEXT:     aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 0][2, 8, 16, 128][0, 128, 1024, 1]) {id = 0 : i64, metadata = @A_row0}
// CHECK-NEXT:     aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 32768][2, 8, 16, 128][0, 128, 1024, 1]) {id = 0 : i64, metadata = @A_row1}
// CHECK:          aiex.npu.dma_memcpy_nd(%B[0, 0, 0, 0][2, 8, 128, 16][16, 16384, 128, 1]) {id = 1 : i64, metadata = @B_col0}
// CHECK:          aiex.npu.dma_memcpy_nd(%C[0, 0, 0, 0][2, 4, 16, 16][16, 4096, 128, 1]) {id = 2 : i64, issue_token = true, metadata = @C_col0}
// Round 1: the second task row of each row set, on fresh BD ids.
// CHECK:          aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 16384][2, 8, 16, 128][0, 128, 1024, 1]) {id = 3 : i64, metadata = @A_row0}
// CHECK:          aiex.npu.dma_memcpy_nd(%C[0, 0, 0, 2048][2, 4, 16, 16][16, 4096, 128, 1]) {id = 5 : i64, issue_token = true, metadata = @C_col0}
// Only the C transfers raise task-completion tokens (as in mlir-aie's GEMM
// examples); each dma_wait consumes one, so one wait per C transfer.
// CHECK:          aiex.npu.dma_wait {symbol = @C_col0}
// CHECK-NEXT:     aiex.npu.dma_wait {symbol = @C_col0}
// CHECK-NEXT:     aiex.npu.dma_wait {symbol = @C_col1}
// CHECK-NEXT:     aiex.npu.dma_wait {symbol = @C_col1}
// CHECK-NEXT:     aiex.npu.dma_wait {symbol = @C_col2}
// CHECK-NEXT:     aiex.npu.dma_wait {symbol = @C_col2}
// CHECK-NEXT:     aiex.npu.dma_wait {symbol = @C_col3}
// CHECK-NEXT:     aiex.npu.dma_wait {symbol = @C_col3}
// CHECK-NEXT:   }
