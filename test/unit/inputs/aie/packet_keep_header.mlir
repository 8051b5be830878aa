// Headers kept in the data (mlir-aie's packet_switch example): the shim sends
// packets 3 and 7 to the memtile through flows with keep_pkt_header, so each
// lands in the memtile's 17-word buffer as a header word and 16 data words;
// the memtile sends the buffer on without a header of its own, and the switch
// routes it by that first word: id 3 to core (0, 2) (adds 100), id 7 to core
// (0, 3) (adds 200). The cores answer as in packet_fan.mlir.

module {
  aie.device(npu1_1col) {
    %shim = aie.tile(0, 0)
    %mt = aie.tile(0, 1)
    %t2 = aie.tile(0, 2)
    %t3 = aie.tile(0, 3)
    aie.packet_flow(3) {
      aie.packet_source<%shim, DMA : 0>
      aie.packet_dest<%mt, DMA : 0>
    } {keep_pkt_header = true}
    aie.packet_flow(7) {
      aie.packet_source<%shim, DMA : 0>
      aie.packet_dest<%mt, DMA : 0>
    } {keep_pkt_header = true}
    aie.packet_flow(3) {
      aie.packet_source<%mt, DMA : 0>
      aie.packet_dest<%t2, DMA : 0>
    }
    aie.packet_flow(7) {
      aie.packet_source<%mt, DMA : 0>
      aie.packet_dest<%t3, DMA : 0>
    }
    %mbuf = aie.buffer(%mt) {sym_name = "mbuf"} : memref<17xi32>
    %m_free = aie.lock(%mt, 0) {init = 1 : i32}
    %m_full = aie.lock(%mt, 1) {init = 0 : i32}
    %mdma = aie.memtile_dma(%mt) {
      %0 = aie.dma(S2MM, 0) [{
        aie.use_lock(%m_free, AcquireGreaterEqual, 1)
        aie.dma_bd(%mbuf : memref<17xi32>, 0, 17)
        aie.use_lock(%m_full, Release, 1)
      }]
      %1 = aie.dma(MM2S, 0) [{
        aie.use_lock(%m_full, AcquireGreaterEqual, 1)
        aie.dma_bd(%mbuf : memref<17xi32>, 0, 17)
        aie.use_lock(%m_free, Release, 1)
      }]
      aie.end
    }
    aie.packet_flow(1) {
      aie.packet_source<%t2, DMA : 0>
      aie.packet_dest<%shim, DMA : 0>
    }
    aie.packet_flow(2) {
      aie.packet_source<%t3, DMA : 0>
      aie.packet_dest<%shim, DMA : 0>
    }
    aie.shim_dma_allocation @in(MM2S, 0, 0)
    aie.shim_dma_allocation @out(S2MM, 0, 0)

    %in2 = aie.buffer(%t2) {sym_name = "in2"} : memref<16xi32>
    %out2 = aie.buffer(%t2) {sym_name = "out2"} : memref<16xi32>
    %in2_free = aie.lock(%t2, 0) {init = 1 : i32}
    %in2_full = aie.lock(%t2, 1) {init = 0 : i32}
    %out2_free = aie.lock(%t2, 2) {init = 1 : i32}
    %out2_full = aie.lock(%t2, 3) {init = 0 : i32}
    %mem2 = aie.mem(%t2) {
      %0 = aie.dma_start(S2MM, 0, ^recv, ^next)
    ^recv:
      aie.use_lock(%in2_free, AcquireGreaterEqual, 1)
      aie.dma_bd(%in2 : memref<16xi32>, 0, 16)
      aie.use_lock(%in2_full, Release, 1)
      aie.next_bd ^end
    ^next:
      %1 = aie.dma_start(MM2S, 0, ^send, ^end)
    ^send:
      aie.use_lock(%out2_full, AcquireGreaterEqual, 1)
      aie.dma_bd(%out2 : memref<16xi32>, 0, 16) {packet = #aie.packet_info<pkt_type = 0, pkt_id = 1>}
      aie.use_lock(%out2_free, Release, 1)
      aie.next_bd ^end
    ^end:
      aie.end
    }
    %core2 = aie.core(%t2) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c16 = arith.constant 16 : index
      %k = arith.constant 100 : i32
      aie.use_lock(%in2_full, AcquireGreaterEqual, 1)
      aie.use_lock(%out2_free, AcquireGreaterEqual, 1)
      scf.for %i = %c0 to %c16 step %c1 {
        %v = memref.load %in2[%i] : memref<16xi32>
        %w = arith.addi %v, %k : i32
        memref.store %w, %out2[%i] : memref<16xi32>
      }
      aie.use_lock(%in2_free, Release, 1)
      aie.use_lock(%out2_full, Release, 1)
      aie.end
    }

    %in3 = aie.buffer(%t3) {sym_name = "in3"} : memref<16xi32>
    %out3 = aie.buffer(%t3) {sym_name = "out3"} : memref<16xi32>
    %in3_free = aie.lock(%t3, 0) {init = 1 : i32}
    %in3_full = aie.lock(%t3, 1) {init = 0 : i32}
    %out3_free = aie.lock(%t3, 2) {init = 1 : i32}
    %out3_full = aie.lock(%t3, 3) {init = 0 : i32}
    %mem3 = aie.mem(%t3) {
      %0 = aie.dma_start(S2MM, 0, ^recv, ^next)
    ^recv:
      aie.use_lock(%in3_free, AcquireGreaterEqual, 1)
      aie.dma_bd(%in3 : memref<16xi32>, 0, 16)
      aie.use_lock(%in3_full, Release, 1)
      aie.next_bd ^end
    ^next:
      %1 = aie.dma_start(MM2S, 0, ^send, ^end)
    ^send:
      aie.use_lock(%out3_full, AcquireGreaterEqual, 1)
      aie.dma_bd_packet(0, 2)
      aie.dma_bd(%out3 : memref<16xi32>, 0, 16)
      aie.use_lock(%out3_free, Release, 1)
      aie.next_bd ^end
    ^end:
      aie.end
    }
    %core3 = aie.core(%t3) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c16 = arith.constant 16 : index
      %k = arith.constant 200 : i32
      aie.use_lock(%in3_full, AcquireGreaterEqual, 1)
      aie.use_lock(%out3_free, AcquireGreaterEqual, 1)
      scf.for %i = %c0 to %c16 step %c1 {
        %v = memref.load %in3[%i] : memref<16xi32>
        %w = arith.addi %v, %k : i32
        memref.store %w, %out3[%i] : memref<16xi32>
      }
      aie.use_lock(%in3_free, Release, 1)
      aie.use_lock(%out3_full, Release, 1)
      aie.end
    }

    aie.runtime_sequence(%a: memref<32xi32>, %b: memref<32xi32>) {
      aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 1, 16][0, 0, 0, 1], packet = <pkt_id = 3, pkt_type = 0>) {id = 0 : i64, metadata = @in} : memref<32xi32>
      aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 16][1, 1, 1, 16][0, 0, 0, 1], packet = <pkt_id = 7, pkt_type = 0>) {id = 1 : i64, metadata = @in} : memref<32xi32>
      aiex.npu.dma_memcpy_nd(%b[0, 0, 0, 0][1, 1, 1, 32][0, 0, 0, 1]) {id = 2 : i64, metadata = @out, issue_token = true} : memref<32xi32>
      aiex.npu.dma_wait {symbol = @out}
    }
  }
}
