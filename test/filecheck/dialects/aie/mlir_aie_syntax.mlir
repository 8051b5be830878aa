// RUN: %roundtrip | filecheck %s
// RUN: %generic-roundtrip | filecheck %s

// The forms real mlir-aie designs use beside the objectfifo level: host buffers as
// external memref.globals next to their shim DMA allocation, hand-written DMA
// chains as aie.dma lists, packet flows, cascades and acquires that yield memrefs.
module {
  aie.device(npu1_1col) {
    memref.global "public" @in0 : memref<64xi32>
    memref.global "private" constant @seed : memref<4xi32> = dense<[1, 2, 3, 4]>
    memref.global "private" @scratch : memref<2xi16> = uninitialized
    %shim = aie.tile(0, 0)
    %mem = aie.tile(0, 1)
    %t2 = aie.tile(0, 2)
    %t3 = aie.tile(0, 3)
    %buf = aie.buffer(%t2) {sym_name = "buf"} : memref<64xi32>
    %rtp = aie.buffer(%t2) {sym_name = "rtp"} : memref<4xi32>
    %prod = aie.lock(%t2, 0) {init = 1 : i32}
    %cons = aie.lock(%t2, 1) {init = 0 : i32}
    aie.shim_dma_allocation @in0(MM2S, 0, 0)
    aie.packet_flow(3) {
      aie.packet_source<%shim, DMA : 0>
      aie.packet_dest<%t2, DMA : 0>
    } {keep_pkt_header = true}
    aie.cascade_flow(%t2, %t3)
    aie.objectfifo @of(%t2, {%t3}, 2 : i32) : !aie.objectfifo<memref<8xi32>>
    %m = aie.mem(%t2) {
      %0 = aie.dma(S2MM, 0) {loop = false, repeat_count = 1 : i32} [{
        aie.use_lock(%prod, AcquireGreaterEqual, 1)
        aie.dma_bd(%buf : memref<64xi32>, 0, 64) {packet = #aie.packet_info<pkt_id = 3, pkt_type = 0>}
        aie.use_lock(%cons, Release, 1)
      }, {
        aie.dma_bd(%buf : memref<64xi32>, 0, 32)
      }]
      aie.end
    }
    %c2 = aie.core(%t2) {
      %c0 = arith.constant 0 : index
      %a, %b = aie.objectfifo.acquire @of(Produce, 2) : memref<8xi32>, memref<8xi32>
      %v = aie.objectfifo.acquire @of <Produce>(Produce, 1) : !aie.objectfifosubview<memref<8xi32>>
      %w = vector.broadcast %c0 : index to vector<16xindex>
      aie.objectfifo.release @of(Produce, 2)
      aie.end
    }
    %c3 = aie.core(%t3) {
      %x = aie.get_cascade() : vector<16xi32>
      aie.end
    }
    aie.runtime_sequence(%arg0: memref<64xi32>) {
      aiex.npu.dma_memcpy_nd(%arg0[0, 0, 0, 0][1, 1, 1, 64][0, 0, 0, 1], packet = <pkt_id = 3, pkt_type = 0>) {id = 0 : i64, metadata = @in0} : memref<64xi32>
      aiex.npu.dma_memcpy_nd(0, 0, %arg0[0, 0, 0, 0][1, 1, 1, 64][0, 0, 0, 1]) {id = 1 : i64, metadata = @in0} : memref<64xi32>
      %g = memref.get_global @seed : memref<4xi32>
      aiex.npu.blockwrite(%g) {address = 118784 : ui32, column = 0 : i32, row = 0 : i32} : memref<4xi32>
      aiex.npu.maskwrite32 {address = 119296 : ui32, column = 0 : i32, mask = 3840 : ui32, row = 0 : i32, value = 256 : ui32}
      aiex.npu.address_patch {addr = 118788 : ui32, arg_idx = 0 : i32, arg_plus = 0 : i32}
      aiex.npu.rtp_write(@rtp, 1, 50)
      aiex.npu.load_pdi {device_ref = @other}
      aiex.control_packet {address = 126976 : ui32, data = array<i32: 2>, length = 1 : i32, opcode = 0 : i32, stream_id = 0 : i32}
      aiex.npu.writebd {bd_id = 2 : i32, buffer_length = 64 : i32, buffer_offset = 0 : i32, column = 0 : i32}
    }
  }
}

// CHECK:      memref.global "public" @in0 : memref<64xi32>
// CHECK-NEXT: memref.global "private" constant @seed : memref<4xi32> = dense<[1, 2, 3, 4]>
// CHECK-NEXT: memref.global "private" @scratch : memref<2xi16> = uninitialized
// CHECK:      aie.packet_flow(3) {
// CHECK-NEXT:   aie.packet_source<%{{.*}}, DMA : 0>
// CHECK-NEXT:   aie.packet_dest<%{{.*}}, DMA : 0>
// CHECK-NEXT: } {keep_pkt_header = true}
// CHECK:      aie.dma(S2MM, 0) {loop = false, repeat_count = 1 : i32} [{
// CHECK-NEXT:   aie.use_lock(%{{.*}}, AcquireGreaterEqual, 1)
// CHECK-NEXT:   aie.dma_bd(%buf : memref<64xi32>, 0, 64) {packet = #aie.packet_info<pkt_type = 0, pkt_id = 3>}
// CHECK-NEXT:   aie.use_lock(%{{.*}}, Release, 1)
// CHECK-NEXT: }, {
// CHECK-NEXT:   aie.dma_bd(%buf : memref<64xi32>, 0, 32)
// CHECK-NEXT: }]
// CHECK:      %{{.*}}, %{{.*}} = aie.objectfifo.acquire @of(Produce, 2) : memref<8xi32>, memref<8xi32>
// CHECK-NEXT: aie.objectfifo.acquire @of(Produce, 1) : !aie.objectfifosubview<memref<8xi32>>
// CHECK:      aie.get_cascade() : vector<16xi32>
// CHECK:      aiex.npu.dma_memcpy_nd(%{{.*}}[0, 0, 0, 0][1, 1, 1, 64][0, 0, 0, 1], packet = <pkt_type = 0, pkt_id = 3>) {id = 0 : i64, metadata = @in0} : memref<64xi32>
// CHECK-NEXT: aiex.npu.dma_memcpy_nd(%{{.*}}[0, 0, 0, 0][1, 1, 1, 64][0, 0, 0, 1]) {id = 1 : i64, metadata = @in0} : memref<64xi32>
// CHECK-NEXT: memref.get_global @seed : memref<4xi32>
// CHECK-NEXT: aiex.npu.blockwrite(%{{.*}}) {address = 118784 : ui32, column = 0 : i32, row = 0 : i32} : memref<4xi32>
// CHECK-NEXT: aiex.npu.maskwrite32 {address = 119296 : ui32, column = 0 : i32, mask = 3840 : ui32, row = 0 : i32, value = 256 : ui32}
// CHECK-NEXT: aiex.npu.address_patch {addr = 118788 : ui32, arg_idx = 0 : i32, arg_plus = 0 : i32}
// CHECK-NEXT: aiex.npu.rtp_write(@rtp, 1, 50)
// CHECK-NEXT: aiex.npu.load_pdi {device_ref = @other}
// CHECK-NEXT: aiex.control_packet {address = 126976 : ui32, data = array<i32: 2>, length = 1 : i32, opcode = 0 : i32, stream_id = 0 : i32}
// CHECK-NEXT: aiex.npu.writebd {bd_id = 2 : i32, buffer_length = 64 : i32, buffer_offset = 0 : i32, column = 0 : i32}

// -----

// The Versal parts: AIE-ML arrays with one or two memtile rows, and AIE1.
aie.device(xcve2802) {
  %shim = aie.tile(37, 0)
  %m2 = aie.tile(3, 2)
  %core = aie.tile(3, 10)
  %b = aie.buffer(%m2) : memref<1024xi32>
}
// CHECK: aie.device(xcve2802) {
// CHECK: aie.tile(3, 10)

// -----

aie.device(xcvc1902) {
  %t = aie.tile(7, 1)
  %t0 = aie.tile(7, 0)
  %ext = aie.external_buffer {sym_name = "ext"} : memref<16xi32>
  aie.objectfifo @f(%t0, {%t}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo.register_external_buffers @f(%t0, {%ext}) : (memref<16xi32>)
  %d = aie.shim_dma(%t0) {
    %0 = aie.dma_start(MM2S, 0, ^bd0, ^end)
  ^bd0:
    aie.dma_bd(%ext : memref<16xi32>, 0, 16)
    aie.next_bd ^bd0
  ^end:
    aie.end
  }
}
// CHECK: aie.device(xcvc1902) {
// CHECK: %ext = aie.external_buffer {sym_name = "ext"} : memref<16xi32>
// CHECK: aie.objectfifo.register_external_buffers @f (%{{.*}}, {%ext}) : (memref<16xi32>)
// CHECK: aie.shim_dma(%{{.*}}) {
