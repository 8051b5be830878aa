// Hand-written DMA programs in the aie.dma list form, with the memtile's buffers
// and locks declared inside its aie.memtile_dma region (as mlir-aie prints
// lowered designs): 12 elements go in, the memtile sends them back as a 4x4
// block padded with one column before and one row after (zeros), 16 elements.
module {
  aie.device(npu1_1col) {
    %shim = aie.tile(0, 0)
    %mem = aie.tile(0, 1)
    aie.flow(%shim, DMA : 0, %mem, DMA : 0)
    aie.flow(%mem, DMA : 0, %shim, DMA : 0)
    aie.shim_dma_allocation @in(MM2S, 0, 0)
    aie.shim_dma_allocation @out(S2MM, 0, 0)
    %dma = aie.memtile_dma(%mem) {
      %buf = aie.buffer(%mem) {sym_name = "staging"} : memref<12xi32>
      %full = aie.lock(%mem, 1) {init = 0 : i32}
      %free = aie.lock(%mem, 0) {init = 1 : i32}
      %0 = aie.dma(S2MM, 0) [{
        aie.use_lock(%free, AcquireGreaterEqual, 1)
        aie.dma_bd(%buf : memref<12xi32>, 0, 12)
        aie.use_lock(%full, Release, 1)
      }]
      %1 = aie.dma(MM2S, 0) [{
        aie.use_lock(%full, AcquireGreaterEqual, 1)
        aie.dma_bd(%buf : memref<12xi32>, 0, 16, [<size = 3, stride = 4>, <size = 3, stride = 1>], [<const_pad_before = 0, const_pad_after = 1>, <const_pad_before = 1, const_pad_after = 0>])
        aie.use_lock(%free, Release, 1)
      }]
      aie.end
    }
    aie.runtime_sequence(%a: memref<12xi32>, %b: memref<16xi32>) {
      aiex.npu.dma_memcpy_nd(%b[0, 0, 0, 0][1, 1, 1, 16][0, 0, 0, 1]) {id = 1 : i64, metadata = @out, issue_token = true} : memref<16xi32>
      aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 1, 12][0, 0, 0, 1]) {id = 0 : i64, metadata = @in} : memref<12xi32>
      aiex.npu.dma_wait {symbol = @out}
    }
  }
}
