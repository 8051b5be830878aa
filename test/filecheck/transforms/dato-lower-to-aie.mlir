// RUN: dato-opt %s --split-input-file -p dato-virtual-map,dato-physical-map,dato-lower-to-aie | filecheck %s

// The ordinary tiled GEMM (A @ [S0, R], B @ [R, S1], C @ [S0, S1] on a 4x4
// mapping) becomes the whole-array design: A row blocks distributed by one
// memtile and broadcast along compute rows, B column blocks along compute
// columns, C blocks joined per column through that column's memtile; A and B
// arrive as double-buffered K tiles, the core accumulates into its C block.
dato.region @gemm(%A: memref<512x512xi16>, %B: memref<512x512xi16>, %C: memref<512x512xi16>) {
  dato.task @tile grid [4, 4] (%A : memref<512x512xi16> [S0, R], %B : memref<512x512xi16> [R, S1], %C : memref<512x512xi16> [S0, S1]) {
  ^bb0(%a: memref<128x512xi16>, %b: memref<512x128xi16>, %c: memref<128x128xi16>):
    %acc = memref.alloc() : memref<128x128xi16>
    %zero = arith.constant 0 : i16
    linalg.fill ins(%zero : i16) outs(%acc : memref<128x128xi16>)
    linalg.matmul ins(%a, %b : memref<128x512xi16>, memref<512x128xi16>) outs(%acc : memref<128x128xi16>)
    "memref.copy"(%acc, %c) : (memref<128x128xi16>, memref<128x128xi16>) -> ()
  }
}

// CHECK:      aie.device(npu1) {
// CHECK-NEXT:   func.func private @dato_fill_i16_16384(memref<128x128xi16>, i16)
// CHECK-NEXT:   func.func private @dato_matmul_i16_128x16x128(memref<128x16xi16>, memref<16x128xi16>, memref<128x128xi16>)
// A: row block i goes to every core of compute row i (row 2 + i).
// CHECK:        aie.objectfifo @A_in0_0(%mem_c0, {%core_c0_r2, %core_c1_r2, %core_c2_r2, %core_c3_r2}, 2 : i32) : !aie.objectfifo<memref<128x16xi16>>
// CHECK-NEXT:   aie.objectfifo @A_in0_1(%mem_c0, {%core_c0_r3, %core_c1_r3, %core_c2_r3, %core_c3_r3}, 2 : i32)
// CHECK-NEXT:   aie.objectfifo @A_in0_2(%mem_c0, {%core_c0_r4, %core_c1_r4, %core_c2_r4, %core_c3_r4}, 2 : i32)
// CHECK-NEXT:   aie.objectfifo @A_in0_3(%mem_c0, {%core_c0_r5, %core_c1_r5, %core_c2_r5, %core_c3_r5}, 2 : i32)
// CHECK-NEXT:   aie.objectfifo @A_in0(%shim_c0, {%mem_c0}, 2 : i32) : !aie.objectfifo<memref<8192xi16>>
// CHECK-NEXT:   aie.objectfifo.link [@A_in0] -> [@A_in0_0, @A_in0_1, @A_in0_2, @A_in0_3]([] [0, 2048, 4096, 6144])
// B: column block j goes to every core of compute column j.
// CHECK-NEXT:   aie.objectfifo @B_in0_0(%mem_c1, {%core_c0_r2, %core_c0_r3, %core_c0_r4, %core_c0_r5}, 2 : i32) : !aie.objectfifo<memref<16x128xi16>>
// CHECK:        aie.objectfifo.link [@B_in0] -> [@B_in0_0, @B_in0_1, @B_in0_2, @B_in0_3]([] [0, 2048, 4096, 6144])
// C: the four blocks of column 0 are joined by memtile (0, 1).
// CHECK-NEXT:   aie.objectfifo @C_out0_0(%core_c0_r2, {%mem_c0}, 1 : i32) : !aie.objectfifo<memref<128x128xi16>>
// CHECK:        aie.objectfifo.link [@C_out0_0, @C_out0_1, @C_out0_2, @C_out0_3] -> [@C_out0]([0, 16384, 32768, 49152] [])
// CHECK:        aie.objectfifo.link [@C_out3_0, @C_out3_1, @C_out3_2, @C_out3_3] -> [@C_out3]([0, 16384, 32768, 49152] [])
// The core of pid (0, 0): fill its C block, then 32 K steps of 16.
// CHECK:        aie.core(%core_c0_r2) {
// CHECK-NEXT:     aie.objectfifo.acquire @C_out0_0(Produce, 1)
// CHECK:          func.call @dato_fill_i16_16384
// CHECK:          %[[STEPS:.*]] = arith.constant 32 : index
// CHECK:          scf.for {{.*}} to %[[STEPS]]
// CHECK-NEXT:       aie.objectfifo.acquire @A_in0_0(Consume, 1)
// CHECK:            aie.objectfifo.acquire @B_in0_0(Consume, 1)
// CHECK:            func.call @dato_matmul_i16_128x16x128
// CHECK-NEXT:       aie.objectfifo.release @A_in0_0(Consume, 1)
// CHECK-NEXT:       aie.objectfifo.release @B_in0_0(Consume, 1)
// CHECK:          aie.objectfifo.release @C_out0_0(Produce, 1)
// CHECK-NEXT:     aie.end
// CHECK-NEXT:   } {link_with = "kernels.o", dato.tasks = ["tile_0_0"]}
// The DMA gathers the tiles: A as [K steps, 4 row blocks, 128 rows, 16 columns].
// CHECK:        aie.runtime_sequence(%A: memref<512x512xi16>, %B: memref<512x512xi16>, %C: memref<512x512xi16>) {
// CHECK-NEXT:     aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 0][32, 4, 128, 16][16, 65536, 512, 1]) {id = 0 : i64, metadata = @A_in0}
// CHECK-NEXT:     aiex.npu.dma_memcpy_nd(%B[0, 0, 0, 0][32, 4, 16, 128][8192, 128, 512, 1]) {id = 0 : i64, metadata = @B_in0}
// CHECK-NEXT:     aiex.npu.dma_memcpy_nd(%C[0, 0, 0, 0][1, 4, 128, 128][0, 65536, 512, 1]) {id = 1 : i64, issue_token = true, metadata = @C_out0}
// CHECK:          aiex.npu.dma_memcpy_nd(%C[0, 0, 0, 384][1, 4, 128, 128][0, 65536, 512, 1]) {id = 0 : i64, issue_token = true, metadata = @C_out3}
// CHECK-NEXT:     aiex.npu.dma_wait {symbol = @C_out0}

// -----

// A scalar stream becomes a depth-4 objectfifo of memref<1xi32>; each put and
// get acquires, accesses and releases one object.
dato.region @pc(%A: memref<16xi32>, %B: memref<16xi32>) {
  dato.stream @pipe : !dato.stream<i32, 4>
  dato.task @producer grid [1] (%A : memref<16xi32> [R]) {
  ^bb0(%a: memref<16xi32>):
    %c0 = arith.constant 0 : index
    %c16 = arith.constant 16 : index
    %c1 = arith.constant 1 : index
    scf.for %i = %c0 to %c16 step %c1 {
      %v = memref.load %a[%i] : memref<16xi32>
      dato.put @pipe, %v : i32
    }
  }
  dato.task @consumer grid [1] (%B : memref<16xi32> [R]) {
  ^bb0(%b: memref<16xi32>):
    %c0 = arith.constant 0 : index
    %c16 = arith.constant 16 : index
    %c1 = arith.constant 1 : index
    scf.for %i = %c0 to %c16 step %c1 {
      %v = dato.get @pipe : i32
      memref.store %v, %b[%i] : memref<16xi32>
    }
  }
}

// CHECK:      aie.objectfifo @A_in0(%shim_c0, {%core_c0_r2}, 1 : i32) : !aie.objectfifo<memref<16xi32>>
// CHECK-NEXT: aie.objectfifo @B_out0(%core_c0_r3, {%shim_c0}, 1 : i32) : !aie.objectfifo<memref<16xi32>>
// CHECK-NEXT: aie.objectfifo @pipe(%core_c0_r2, {%core_c0_r3}, 4 : i32) : !aie.objectfifo<memref<1xi32>>
// CHECK:      aie.core(%core_c0_r2) {
// CHECK:        scf.for
// CHECK:          %[[V:.*]] = memref.load
// CHECK-NEXT:     %[[S:.*]] = aie.objectfifo.acquire @pipe(Produce, 1) : !aie.objectfifosubview<memref<1xi32>>
// CHECK-NEXT:     %[[M:.*]] = aie.objectfifo.subview.access %[[S]][0]
// CHECK:          memref.store %[[V]], %[[M]]
// CHECK-NEXT:     aie.objectfifo.release @pipe(Produce, 1)
// CHECK:      aie.core(%core_c0_r3) {
// CHECK:          aie.objectfifo.acquire @pipe(Consume, 1)
// CHECK:          memref.load
// CHECK-NEXT:     aie.objectfifo.release @pipe(Consume, 1)

// -----

// A scalar stream with packing 4: objects of 4 elements; the producer fills a
// staging buffer and sends it when full, the consumer refills when empty.
dato.region @pc(%A: memref<16xi32>, %B: memref<16xi32>) {
  dato.stream @pipe : !dato.stream<i32, 2, 4>
  dato.task @producer grid [1] (%A : memref<16xi32> [R]) {
  ^bb0(%a: memref<16xi32>):
    %c0 = arith.constant 0 : index
    %c16 = arith.constant 16 : index
    %c1 = arith.constant 1 : index
    scf.for %i = %c0 to %c16 step %c1 {
      %v = memref.load %a[%i] : memref<16xi32>
      dato.put @pipe, %v : i32
    }
  }
  dato.task @consumer grid [1] (%B : memref<16xi32> [R]) {
  ^bb0(%b: memref<16xi32>):
    %c0 = arith.constant 0 : index
    %c16 = arith.constant 16 : index
    %c1 = arith.constant 1 : index
    scf.for %i = %c0 to %c16 step %c1 {
      %v = dato.get @pipe : i32
      memref.store %v, %b[%i] : memref<16xi32>
    }
  }
}

// CHECK:      aie.objectfifo @pipe(%core_c0_r2, {%core_c0_r3}, 2 : i32) : !aie.objectfifo<memref<4xi32>>
// CHECK:      aie.core(%core_c0_r2) {
// CHECK:        scf.for
// CHECK:          memref.store %{{.*}}, %[[STAGE:.*]][%{{.*}}] : memref<4xi32>
// CHECK:          %[[FULL:.*]] = arith.cmpi eq
// CHECK-NEXT:     scf.if %[[FULL]] {
// CHECK-NEXT:       aie.objectfifo.acquire @pipe(Produce, 1) : !aie.objectfifosubview<memref<4xi32>>
// CHECK-NEXT:       %[[OBJ:.*]] = aie.objectfifo.subview.access
// CHECK-NEXT:       func.call @dato_copy_i32_4(%[[STAGE]], %[[OBJ]])
// CHECK-NEXT:       aie.objectfifo.release @pipe(Produce, 1)
// CHECK:      aie.core(%core_c0_r3) {
// CHECK:          scf.if
// CHECK-NEXT:       aie.objectfifo.acquire @pipe(Consume, 1)
