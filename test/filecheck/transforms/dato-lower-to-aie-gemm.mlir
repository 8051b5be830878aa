// RUN: dato-opt %s -p 'dato-virtual-map,dato-mapping-primitives{bundle="tile_0_0,tile_0_1,tile_1_0,tile_1_1;tile_0_2,tile_0_3,tile_1_2,tile_1_3;tile_2_0,tile_2_1,tile_3_0,tile_3_1;tile_2_2,tile_2_3,tile_3_2,tile_3_3"},dato-physical-map,dato-lower-to-aie' | filecheck %s

// int16 x int16 -> int32 (64x512 x 512x64), a 4x4 task grid bundled onto 2x2
// cores: the design for the vector unit. npu1 is AIE-ML, where mlir-aie's
// aie_kernels/aie2/mm.cc multiplies int16 in aie::mmul<4, 4, 4> blocks: A
// arrives as 4x4 blocks, B as 4x4 blocks, C leaves as 4x4 blocks, each block
// row-major and the blocks in row-major order. K = 512 streams in 2 steps of
// 256 (the largest multiple of 2s = 8 dividing K whose double-buffered A and
// B tiles and C blocks fit a core).
dato.region @gemm(%A: memref<64x512xi16>, %B: memref<512x64xi16>, %C: memref<64x64xi32>) {
  dato.task @tile grid [4, 4] (%A : memref<64x512xi16> [S0, R], %B : memref<512x64xi16> [R, S1], %C : memref<64x64xi32> [S0, S1]) {
  ^bb0(%a: memref<16x512xi16>, %b: memref<512x16xi16>, %c: memref<16x16xi32>):
    %acc = memref.alloc() : memref<16x16xi32>
    %zero = arith.constant 0 : i32
    linalg.fill ins(%zero : i32) outs(%acc : memref<16x16xi32>)
    // the product in int32 (the frontend's mixed-type body: operands extended first)
    "linalg.matmul"(%a, %b, %acc) <{operandSegmentSizes = array<i32: 2, 1>}> ({
    ^bb1(%x: i16, %y: i16, %s: i32):
      %xw = arith.extsi %x : i16 to i32
      %yw = arith.extsi %y : i16 to i32
      %p = arith.muli %xw, %yw : i32
      %t = arith.addi %p, %s : i32
      linalg.yield %t : i32
    }) : (memref<16x512xi16>, memref<512x16xi16>, memref<16x16xi32>) -> ()
    "memref.copy"(%acc, %c) : (memref<16x16xi32>, memref<16x16xi32>) -> ()
  }
}

// mlir-aie mm.cc's kernels (names and argument shapes as in its whole_array
// example: zero_<acc>(C), matmul_<in>_<acc>(A, B, C)), accumulating in int32.
// CHECK:      aie.device(npu1) {
// CHECK-NEXT:   func.func private @zero_i32(memref<16x16xi32>)
// CHECK-NEXT:   func.func private @matmul_i16_i32(memref<16x256xi16>, memref<256x16xi16>, memref<16x16xi32>)
// A: shim -> memtile row-major, memtile -> the compute row as (16/4) x (256/4)
// blocks of 4x4 (block row stride 4 * 256, block column stride 4, row in the
// block stride 256, element 1).
// CHECK:        aie.objectfifo @A_row0_shim(%shim_c0, {%mem_c0}, 2 : i32) : !aie.objectfifo<memref<16x256xi16>>
// CHECK-NEXT:   aie.objectfifo @A_row0(%mem_c0 dimensionsToStream [<size = 4, stride = 1024>, <size = 64, stride = 4>, <size = 4, stride = 256>, <size = 4, stride = 1>], {%core_c0_r2, %core_c1_r2}, 2 : i32) : !aie.objectfifo<memref<16x256xi16>>
// CHECK-NEXT:   aie.objectfifo.link [@A_row0_shim] -> [@A_row0]([] [])
// Nothing is held and resent by the memtile (no repeat_count): with 2 rounds
// of 2 member columns, the shim channels of A and B take 2 x the core's time
// at the int16 peak, and holding a whole row block or the run's B costs a
// fill as long as what it saves (plan_reuse's stated cost).
// CHECK-NOT:    repeat_count
// CHECK:        aie.objectfifo @A_row1(%mem_c1 dimensionsToStream
// B: (256/4) x (16/4) blocks of 4x4 (block row stride 4 * 16, block column 4, row 16).
// CHECK:        aie.objectfifo @B_col0_shim(%shim_c0, {%mem_c0}, 2 : i32) : !aie.objectfifo<memref<256x16xi16>>
// CHECK-NEXT:   aie.objectfifo @B_col0(%mem_c0 dimensionsToStream [<size = 64, stride = 64>, <size = 4, stride = 4>, <size = 4, stride = 16>, <size = 4, stride = 1>], {%core_c0_r2, %core_c0_r3}, 2 : i32) : !aie.objectfifo<memref<256x16xi16>>
// CHECK-NEXT:   aie.objectfifo.link [@B_col0_shim] -> [@B_col0]([] [])
// C: each core's blocked 16x16 int32 blocks double-buffered (depth 2) to the
// memtile, joined per column, and read back row by row (block row stride
// 4 * 16, row in the block 4, block column 4 * 4, element 1) to the shim.
// CHECK:        aie.objectfifo @C_c0_r0(%core_c0_r2, {%mem_c0}, 2 : i32) : !aie.objectfifo<memref<16x16xi32>>
// CHECK-NEXT:   aie.objectfifo @C_c0_r1(%core_c0_r3, {%mem_c0}, 2 : i32) : !aie.objectfifo<memref<16x16xi32>>
// CHECK-NEXT:   aie.objectfifo @C_col0(%mem_c0 dimensionsToStream [<size = 4, stride = 64>, <size = 4, stride = 4>, <size = 4, stride = 16>, <size = 4, stride = 1>], {%shim_c0}, 2 : i32) : !aie.objectfifo<memref<512xi32>>
// CHECK-NEXT:   aie.objectfifo.link [@C_c0_r0, @C_c0_r1] -> [@C_col0]([0, 256] [])
// Core (0, 2): 4 members, each zeroes its C block (the int32 accumulator
// itself) and adds 2 K steps into it; linked with mm.cc built for 16x256x16.
// CHECK:        aie.core(%core_c0_r2) {
// CHECK-NEXT:     arith.constant 0 : index
// CHECK-NEXT:     %[[MEMBERS:.*]] = arith.constant 4 : index
// CHECK-NEXT:     arith.constant 1 : index
// CHECK-NEXT:     scf.for {{.*}} to %[[MEMBERS]]
// CHECK-NEXT:       aie.objectfifo.acquire @C_c0_r0(Produce, 1)
// CHECK-NEXT:       %[[C:.*]] = aie.objectfifo.subview.access
// CHECK-NEXT:       func.call @zero_i32(%[[C]])
// CHECK-NEXT:       arith.constant 0 : index
// CHECK-NEXT:       %[[STEPS:.*]] = arith.constant 2 : index
// CHECK-NEXT:       arith.constant 1 : index
// CHECK-NEXT:       scf.for {{.*}} to %[[STEPS]]
// CHECK-NEXT:         aie.objectfifo.acquire @A_row0(Consume, 1)
// CHECK-NEXT:         %[[A:.*]] = aie.objectfifo.subview.access
// CHECK-NEXT:         aie.objectfifo.acquire @B_col0(Consume, 1)
// CHECK-NEXT:         %[[B:.*]] = aie.objectfifo.subview.access
// CHECK-NEXT:         func.call @matmul_i16_i32(%[[A]], %[[B]], %[[C]])
// CHECK-NEXT:         aie.objectfifo.release @A_row0(Consume, 1)
// CHECK-NEXT:         aie.objectfifo.release @B_col0(Consume, 1)
// CHECK-NEXT:       }
// CHECK-NEXT:       aie.objectfifo.release @C_c0_r0(Produce, 1)
// CHECK-NEXT:     }
// CHECK-NEXT:     aie.end
// CHECK-NEXT:   } {link_with = "mm_16x256x16.o"
// CHECK-SAME:     2 K steps"}
// The runtime sequence moves the host's row-major arrays (the blocking is the
// memtiles'): round 0 feeds task row 0 of each row set, C back through C_col*.
// CHECK:        aie.runtime_sequence(%A: memref<64x512xi16>, %B: memref<512x64xi16>, %C: memref<64x64xi32>) {
// CHECK-NEXT:     aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 0][2, 2, 16, 256][0, 256, 512, 1]) {id = 0 : i64, metadata = @A_row0_shim}
// CHECK-NEXT:     aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 16384][2, 2, 16, 256][0, 256, 512, 1]) {id = 0 : i64, metadata = @A_row1_shim}
// CHECK-NEXT:     aiex.npu.dma_memcpy_nd(%B[0, 0, 0, 0][2, 2, 256, 16][16, 16384, 64, 1]) {id = 1 : i64, metadata = @B_col0_shim}
// CHECK:          aiex.npu.dma_memcpy_nd(%C[0, 0, 0, 0][2, 2, 16, 16][16, 2048, 64, 1]) {id = 2 : i64, issue_token = true, metadata = @C_col0}
// CHECK:          aiex.npu.dma_wait {symbol = @C_col0}
