// DMA tasks on a compute tile: the runtime sequence moves 32 elements into a
// buffer of tile (0, 2) through its S2MM channel, waits, then sends the buffer's
// second half back first and its first half after, through its MM2S channel.
module {
  aie.device(npu1_1col) {
    %shim = aie.tile(0, 0)
    %t = aie.tile(0, 2)
    %buf = aie.buffer(%t) {sym_name = "buf"} : memref<32xi32>
    aie.flow(%shim, DMA : 0, %t, DMA : 0)
    aie.flow(%t, DMA : 0, %shim, DMA : 0)
    aie.runtime_sequence(%a: memref<32xi32>, %b: memref<32xi32>) {
      %in = aiex.dma_configure_task(%shim, MM2S, 0) {
        aie.dma_bd(%a : memref<32xi32>, 0, 32)
        aie.end
      }
      %fill = aiex.dma_configure_task(%t, S2MM, 0) {
        aie.dma_bd(%buf : memref<32xi32>, 0, 32)
        aie.end
      } {issue_token = true}
      aiex.dma_start_task(%fill)
      aiex.dma_start_task(%in)
      aiex.dma_await_task(%fill)
      %drain = aiex.dma_configure_task(%t, MM2S, 0) {
        aie.dma_bd(%buf : memref<32xi32>, 16, 16)
        aie.dma_bd(%buf : memref<32xi32>, 0, 16)
        aie.end
      }
      %out = aiex.dma_configure_task(%shim, S2MM, 0) {
        aie.dma_bd(%b : memref<32xi32>, 0, 32)
        aie.end
      } {issue_token = true}
      aiex.dma_start_task(%out)
      aiex.dma_start_task(%drain)
      aiex.dma_await_task(%out)
    }
  }
}
