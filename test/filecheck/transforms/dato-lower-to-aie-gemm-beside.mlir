// RUN: dato-opt %s -p 'dato-virtual-map,dato-mapping-primitives{bundle="tile_0_0,tile_0_1,tile_1_0,tile_1_1;tile_0_2,tile_0_3,tile_1_2,tile_1_3;tile_2_0,tile_2_1,tile_3_0,tile_3_1;tile_2_2,tile_2_3,tile_3_2,tile_3_3"},dato-physical-map,dato-lower-to-aie' | filecheck %s

// A bundled GEMM beside another task: the GEMM (as in dato-lower-to-aie-gemm.mlir,
// int16 x int16 -> int32 on 2x2 cores) keeps its vector design, and @inc takes
// the general route on a core and shim channels the GEMM leaves free; one
// device, one runtime sequence.
dato.region @gemm(%A: memref<64x512xi16>, %B: memref<512x64xi16>, %C: memref<64x64xi32>, %X: memref<2x4xi32>, %Y: memref<2x4xi32>) {
  dato.task @tile grid [4, 4] (%A : memref<64x512xi16> [S0, R], %B : memref<512x64xi16> [R, S1], %C : memref<64x64xi32> [S0, S1]) {
  ^bb0(%a: memref<16x512xi16>, %b: memref<512x16xi16>, %c: memref<16x16xi32>):
    %acc = memref.alloc() : memref<16x16xi32>
    %zero = arith.constant 0 : i32
    linalg.fill ins(%zero : i32) outs(%acc : memref<16x16xi32>)
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
  dato.task @inc grid [1] (%X : memref<2x4xi32> [R, R], %Y : memref<2x4xi32> [R, R]) {
  ^bb0(%x: memref<2x4xi32>, %y: memref<2x4xi32>):
    %0 = arith.constant 0 : index
    %1 = arith.constant 2 : index
    %2 = arith.constant 1 : index
    scf.for %i = %0 to %1 step %2 {
      %3 = arith.constant 4 : index
      scf.for %j = %0 to %3 step %2 {
        %4 = memref.load %x[%i, %j] : memref<2x4xi32>
        %5 = arith.constant 1 : i32
        %6 = arith.addi %4, %5 : i32
        memref.store %6, %y[%i, %j] : memref<2x4xi32>
      }
    }
  }
}

// CHECK:      aie.device(npu1) {
// CHECK-NEXT:   func.func private @zero_i32(memref<16x16xi32>)
// CHECK-NEXT:   func.func private @matmul_i16_i32(memref<16x256xi16>, memref<256x16xi16>, memref<16x16xi32>)
// The GEMM's A rows and B columns take both input channels of shims 0 and 1,
// so @inc reads X through shim 2; it writes Y through shim 0's second output
// channel (C_col0 takes the first). Its core is the first free one (0, 4).
// CHECK-DAG:    aie.objectfifo @X_in0(%shim_c2, {%core_c0_r4}, 1 : i32) : !aie.objectfifo<memref<2x4xi32>>
// CHECK-DAG:    aie.objectfifo @Y_out0(%core_c0_r4, {%shim_c0}, 1 : i32) : !aie.objectfifo<memref<2x4xi32>>
// CHECK-DAG:    aie.objectfifo @A_row0(%mem_c0 dimensionsToStream [<size = 4, stride = 1024>, <size = 64, stride = 4>, <size = 4, stride = 256>, <size = 4, stride = 1>], {%core_c0_r2, %core_c1_r2}, 2 : i32) : !aie.objectfifo<memref<16x256xi16>>
// CHECK-DAG:    aie.objectfifo @B_col0(%mem_c0 dimensionsToStream [<size = 64, stride = 64>, <size = 4, stride = 4>, <size = 4, stride = 16>, <size = 4, stride = 1>], {%core_c0_r2, %core_c0_r3}, 2 : i32) : !aie.objectfifo<memref<256x16xi16>>
// CHECK-DAG:    aie.objectfifo.link [@C_c0_r0, @C_c0_r1] -> [@C_col0]([0, 256] [])
// The GEMM's cores record the decision (the report's "GEMM design").
// CHECK:        aie.core(%core_c0_r2) {
// CHECK:          func.call @matmul_i16_i32
// CHECK:        } {link_with = "mm_16x256x16.o"
// CHECK-SAME:     dato.gemm_design = "vector: mm.cc matmul_i16_i32 on aie::mmul<4, 4, 4> blocks, 16x256x16 per call, 2 K steps; beside @inc (general route, one runtime sequence)"
// CHECK:        aie.core(%core_c0_r4) {
// CHECK:        } {dato.tasks = ["inc_0"]}
// One runtime sequence: reads first (X, then the GEMM's two rounds of A row
// blocks and of B column blocks), then the writes, every one awaited.
// CHECK:        aie.runtime_sequence(%A: memref<64x512xi16>, %B: memref<512x64xi16>, %C: memref<64x64xi32>, %X: memref<2x4xi32>, %Y: memref<2x4xi32>) {
// CHECK-NEXT:     aiex.npu.dma_memcpy_nd(%X[0, 0, 0, 0][1, 1, 2, 4][0, 0, 4, 1]) {id = 0 : i64, metadata = @X_in0}
// CHECK-NEXT:     aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 0][2, 2, 16, 256][0, 256, 512, 1]) {id = 0 : i64, metadata = @A_row0_shim}
// CHECK-NEXT:     aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 8192][2, 2, 16, 256][0, 256, 512, 1]) {id = 1 : i64, metadata = @A_row0_shim}
// CHECK:          aiex.npu.dma_memcpy_nd(%Y[0, 0, 0, 0][1, 1, 2, 4][0, 0, 4, 1]) {id = 4 : i64, issue_token = true, metadata = @Y_out0}
// CHECK-NEXT:     aiex.npu.dma_memcpy_nd(%C[0, 0, 0, 0][2, 2, 16, 16][16, 2048, 64, 1]) {id = 5 : i64, issue_token = true, metadata = @C_col0}
// CHECK:          aiex.npu.dma_wait {symbol = @Y_out0}
// CHECK-NEXT:     aiex.npu.dma_wait {symbol = @C_col0}
// CHECK-NEXT:     aiex.npu.dma_wait {symbol = @C_col0}
// CHECK-NEXT:     aiex.npu.dma_wait {symbol = @C_col1}
// CHECK-NEXT:     aiex.npu.dma_wait {symbol = @C_col1}
// CHECK-NEXT:   }
