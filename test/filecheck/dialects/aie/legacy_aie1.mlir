// RUN: dato-opt %s --split-input-file | filecheck %s
// RUN: dato-opt %s --split-input-file | dato-opt --split-input-file | filecheck %s

// mlir-aie files of 2022-2023 (AIE1, before `aie.device`): the module's body is
// wrapped in `aie.device(xcvc1902)`; `memref<64 x i32>` with spaces, the SSA-named
// `createObjectFifo` with `<Port>(%of : type, n)` accesses, string predicates and
// `memref.copy`'s custom form all parse and print in today's spelling.
module @hdiff_like {
  %t70 = aie.tile(7, 0)
  %t72 = aie.tile(7, 2)
  %t73 = aie.tile(7, 3)
  %of_in = aie.objectfifo.createObjectFifo(%t70, {%t72}, 2) {sym_name = "of_in"} : !aie.objectfifo<memref<64 x i32>>
  %of_mid = aie.objectfifo.createObjectFifo(%t72, {%t73}, 2 : i32) { sym_name = "of_mid" } : !aie.objectfifo<memref<64xi32>>
  %ext = aie.external_buffer {sym_name = "ext_in"} : memref<256 x i32>
  aie.objectfifo.register_external_buffers(%t70, %of_in : !aie.objectfifo<memref<64xi32>>, {%ext}) : (memref<256xi32>)
  %scratch = aie.buffer(%t72) {sym_name = "scratch"} : memref<64 x i32>
  %core72 = aie.core(%t72) {
    %sv = aie.objectfifo.acquire<Consume>(%of_in : !aie.objectfifo<memref<64xi32>>, 1) : !aie.objectfifosubview<memref<64xi32>>
    %a = aie.objectfifo.subview.access %sv[0] : !aie.objectfifosubview<memref<64xi32>> -> memref<64xi32>
    %ov = aie.objectfifo.acquire<Produce>(%of_mid: !aie.objectfifo<memref<64xi32>>, 1) : !aie.objectfifosubview<memref<64xi32>>
    %b = aie.objectfifo.subview.access %ov[0] : !aie.objectfifosubview<memref<64xi32>> -> memref<64xi32>
    memref.copy %a , %scratch : memref<64xi32> to memref<64 x i32>
    memref.copy %scratch, %b : memref<64xi32> to memref<64xi32>
    %c0 = arith.constant 0 : i32
    %eq = arith.cmpi "eq", %c0, %c0 : i32
    aie.objectfifo.release<Consume>(%of_in :!aie.objectfifo<memref<64xi32>>, 1)
    aie.objectfifo.release<Produce>(%of_mid : !aie.objectfifo<memref<64xi32>>, 1)
    aie.end
  }
}

// CHECK:      builtin.module @hdiff_like {
// CHECK-NEXT:   aie.device(xcvc1902) {
// CHECK:          aie.objectfifo @of_in(%{{.*}}, {%{{.*}}}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
// CHECK-NEXT:     aie.objectfifo @of_mid(%{{.*}}, {%{{.*}}}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
// CHECK-NEXT:     %{{.*}} = aie.external_buffer {sym_name = "ext_in"} : memref<256xi32>
// CHECK-NEXT:     aie.objectfifo.register_external_buffers @of_in (%{{.*}}, {%{{.*}}}) : (memref<256xi32>)
// CHECK:            %{{.*}} = aie.objectfifo.acquire @of_in(Consume, 1) : !aie.objectfifosubview<memref<64xi32>>
// CHECK:            %{{.*}} = aie.objectfifo.acquire @of_mid(Produce, 1) : !aie.objectfifosubview<memref<64xi32>>
// CHECK:            "memref.copy"(%{{.*}}, %scratch) : (memref<64xi32>, memref<64xi32>) -> ()
// CHECK:            %{{.*}} = arith.cmpi eq, %{{.*}}, %{{.*}} : i32
// CHECK-NEXT:       aie.objectfifo.release @of_in(Consume, 1)
// CHECK-NEXT:       aie.objectfifo.release @of_mid(Produce, 1)

// -----

// The 2023 capitalised dialect names and the IPU spelling of the NPU ops.
AIE.device(npu1) {
  %t00 = AIE.tile(0, 0)
  %t02 = AIE.tile(0, 2)
  %l = AIE.lock(%t02, 0)
  AIE.objectFifo @of(%t00, {%t02}, 2 : i32) : !AIE.objectFifo<memref<16xi32>>
  AIE.core(%t02) {
    AIE.useLock(%l, Acquire, 0)
    %sv = AIE.objectFifo.acquire @of(Consume, 1) : !AIE.objectFifoSubview<memref<16xi32>>
    %e = AIE.objectFifo.subview.access %sv[0] : !AIE.objectFifoSubview<memref<16xi32>> -> memref<16xi32>
    AIE.objectFifo.release @of(Consume, 1)
    AIE.useLock(%l, Release, 1)
    AIE.end
  }
  AIEX.runtime_sequence(%in : memref<16xi32>) {
    AIEX.ipu.dma_memcpy_nd(%in[0, 0, 0, 0][1, 1, 1, 16][0, 0, 0, 1]) {id = 0 : i64, metadata = @of} : memref<16xi32>
    aiex.ipu.sync {channel = 0 : i32, column = 0 : i32, column_num = 1 : i32, direction = 0 : i32, row = 0 : i32, row_num = 1 : i32}
  }
}

// CHECK:      aie.device(npu1) {
// CHECK:        aie.objectfifo @of(%{{.*}}, {%{{.*}}}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
// CHECK:          aie.use_lock(%{{.*}}, Acquire, 0)
// CHECK-NEXT:     %{{.*}} = aie.objectfifo.acquire @of(Consume, 1) : !aie.objectfifosubview<memref<16xi32>>
// CHECK-NEXT:     %{{.*}} = aie.objectfifo.subview.access %{{.*}}[0] : !aie.objectfifosubview<memref<16xi32>> -> memref<16xi32>
// CHECK-NEXT:     aie.objectfifo.release @of(Consume, 1)
// CHECK-NEXT:     aie.use_lock(%{{.*}}, Release, 1)
// CHECK:        aie.runtime_sequence
// CHECK-NEXT:     aiex.npu.dma_memcpy_nd
// CHECK-NEXT:     aiex.npu.sync

// -----

// Broadcast packets (mlir-aie's AIEX ops of the AIE1 era): one source port,
// packet ids selecting sets of destinations; printed as written.
module @bp {
  %t60 = aie.tile(6, 0)
  %t63 = aie.tile(6, 3)
  %t73 = aie.tile(7, 3)
  aiex.broadcast_packet(%t60, "DMA" : 0) {
    aiex.bp_id(0x0) {
      aiex.bp_dest<%t63, DMA : 0>
      aiex.bp_dest<%t73, DMA : 0>
    }
    aiex.bp_id(1) {
      aiex.bp_dest<%t63, DMA : 1>
    }
  }
}

// CHECK:      aie.device(xcvc1902) {
// CHECK:        aiex.broadcast_packet(%{{.*}}, DMA : 0) {
// CHECK-NEXT:     aiex.bp_id(0) {
// CHECK-NEXT:       aiex.bp_dest<%{{.*}}, DMA : 0>
// CHECK-NEXT:       aiex.bp_dest<%{{.*}}, DMA : 0>
// CHECK-NEXT:     }
// CHECK-NEXT:     aiex.bp_id(1) {
// CHECK-NEXT:       aiex.bp_dest<%{{.*}}, DMA : 1>
// CHECK-NEXT:     }
// CHECK-NEXT:   }
