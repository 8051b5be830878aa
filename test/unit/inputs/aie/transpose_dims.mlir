// Access patterns: the memtile sends each 8x8 block back to the shim through
// dimensionsToStream [<8, 1>, <8, 8>] (columns first: a transpose), and the
// host reads a 16x16 matrix block by block with a 4-D dma_memcpy_nd.

module {
  aie.device(npu1_1col) {
    %shim = aie.tile(0, 0)
    %mem = aie.tile(0, 1)
    aie.objectfifo @in(%shim, {%mem}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @out(%mem dimensionsToStream [<size = 8, stride = 1>, <size = 8, stride = 8>], {%shim}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo.link [@in] -> [@out]([] [])
    aie.runtime_sequence @sequence(%a: memref<16x16xi32>, %b: memref<256xi32>) {
      aiex.npu.dma_memcpy_nd(%b[0, 0, 0, 0][1, 1, 1, 256][0, 0, 0, 1]) {id = 0 : i64, issue_token = true, metadata = @out} : memref<256xi32>
      aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][2, 2, 8, 8][128, 8, 16, 1]) {id = 1 : i64, metadata = @in} : memref<16x16xi32>
      aiex.npu.dma_wait {symbol = @out}
    }
  }
}
