// A runtime sequence as mlir-aie's DMA-to-NPU lowering writes it: each shim
// transfer is a BD written field by field (aiex.npu.writebd), pointed at a
// sequence argument (aiex.npu.address_patch of the BD's address word, BD n at
// 0x1D000 + 0x20 n + 4) and started by a write of the channel's task queue
// (0x1D214: MM2S 0, 0x1D204: S2MM 0; bit 31 raises a token), then npu.sync.
// The input BD 1 is linear (16 words); the output BD 0 walks 4 x 4 words with
// d0 stride 4 and d1 stride 1 (stored minus one), so the result lands
// transposed. Core (0, 2) adds buffer @k to the object; the sequence fills @k
// with a blockwrite of the global @ks, then sets its word 3 with a write32
// (`buffer = @k, address = word`).

module {
  aie.device(npu1_1col) {
    %shim = aie.tile(0, 0)
    %t = aie.tile(0, 2)
    aie.flow(%shim, DMA : 0, %t, DMA : 0)
    aie.flow(%t, DMA : 0, %shim, DMA : 0)
    %in = aie.buffer(%t) {sym_name = "in"} : memref<16xi32>
    %out = aie.buffer(%t) {sym_name = "out"} : memref<16xi32>
    %k = aie.buffer(%t) {sym_name = "k"} : memref<16xi32>
    memref.global "private" constant @ks : memref<16xi32> = dense<[10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150, 160]>
    %in_free = aie.lock(%t, 0) {init = 1 : i32}
    %in_full = aie.lock(%t, 1) {init = 0 : i32}
    %out_free = aie.lock(%t, 2) {init = 1 : i32}
    %out_full = aie.lock(%t, 3) {init = 0 : i32}
    %mem = aie.mem(%t) {
      %0 = aie.dma_start(S2MM, 0, ^recv, ^next)
    ^recv:
      aie.use_lock(%in_free, AcquireGreaterEqual, 1)
      aie.dma_bd(%in : memref<16xi32>, 0, 16)
      aie.use_lock(%in_full, Release, 1)
      aie.next_bd ^end
    ^next:
      %1 = aie.dma_start(MM2S, 0, ^send, ^end)
    ^send:
      aie.use_lock(%out_full, AcquireGreaterEqual, 1)
      aie.dma_bd(%out : memref<16xi32>, 0, 16)
      aie.use_lock(%out_free, Release, 1)
      aie.next_bd ^end
    ^end:
      aie.end
    }
    %core = aie.core(%t) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c16 = arith.constant 16 : index
      aie.use_lock(%in_full, AcquireGreaterEqual, 1)
      aie.use_lock(%out_free, AcquireGreaterEqual, 1)
      scf.for %i = %c0 to %c16 step %c1 {
        %v = memref.load %in[%i] : memref<16xi32>
        %kv = memref.load %k[%i] : memref<16xi32>
        %w = arith.addi %v, %kv : i32
        memref.store %w, %out[%i] : memref<16xi32>
      }
      aie.use_lock(%in_free, Release, 1)
      aie.use_lock(%out_full, Release, 1)
      aie.end
    }
    aie.runtime_sequence(%a: memref<16xi32>, %b: memref<16xi32>) {
      %ks = memref.get_global @ks : memref<16xi32>
      aiex.npu.blockwrite(%ks) {buffer = @k, address = 0 : ui32} : memref<16xi32>
      aiex.npu.write32 {buffer = @k, address = 3 : ui32, value = 7 : ui32}
      aiex.npu.writebd {bd_id = 1 : i32, buffer_length = 16 : i32, buffer_offset = 0 : i32, column = 0 : i32, d0_size = 0 : i32, d0_stride = 0 : i32, d0_zero_after = 0 : i32, d0_zero_before = 0 : i32, d1_size = 0 : i32, d1_stride = 0 : i32, d1_zero_after = 0 : i32, d1_zero_before = 0 : i32, d2_size = 0 : i32, d2_stride = 0 : i32, d2_zero_after = 0 : i32, d2_zero_before = 0 : i32, enable_packet = 0 : i32, iteration_current = 0 : i32, iteration_size = 0 : i32, iteration_stride = 0 : i32, lock_acq_enable = 0 : i32, lock_acq_id = 0 : i32, lock_acq_val = 0 : i32, lock_rel_id = 0 : i32, lock_rel_val = 0 : i32, next_bd = 0 : i32, out_of_order_id = 0 : i32, packet_id = 0 : i32, packet_type = 0 : i32, row = 0 : i32, use_next_bd = 0 : i32, valid_bd = 1 : i32}
      aiex.npu.address_patch {addr = 118820 : ui32, arg_idx = 0 : i32, arg_plus = 0 : i32}
      aiex.npu.write32 {address = 119316 : ui32, column = 0 : i32, row = 0 : i32, value = 1 : ui32}
      aiex.npu.writebd {bd_id = 0 : i32, buffer_length = 16 : i32, buffer_offset = 0 : i32, column = 0 : i32, d0_size = 4 : i32, d0_stride = 3 : i32, d0_zero_after = 0 : i32, d0_zero_before = 0 : i32, d1_size = 4 : i32, d1_stride = 0 : i32, d1_zero_after = 0 : i32, d1_zero_before = 0 : i32, d2_size = 0 : i32, d2_stride = 0 : i32, d2_zero_after = 0 : i32, d2_zero_before = 0 : i32, enable_packet = 0 : i32, iteration_current = 0 : i32, iteration_size = 0 : i32, iteration_stride = 0 : i32, lock_acq_enable = 0 : i32, lock_acq_id = 0 : i32, lock_acq_val = 0 : i32, lock_rel_id = 0 : i32, lock_rel_val = 0 : i32, next_bd = 0 : i32, out_of_order_id = 0 : i32, packet_id = 0 : i32, packet_type = 0 : i32, row = 0 : i32, use_next_bd = 0 : i32, valid_bd = 1 : i32}
      aiex.npu.address_patch {addr = 118788 : ui32, arg_idx = 1 : i32, arg_plus = 0 : i32}
      aiex.npu.write32 {address = 119300 : ui32, column = 0 : i32, row = 0 : i32, value = 2147483648 : ui32}
      aiex.npu.sync {channel = 0 : i32, column = 0 : i32, column_num = 1 : i32, direction = 0 : i32, row = 0 : i32, row_num = 1 : i32}
    }
  }
}
