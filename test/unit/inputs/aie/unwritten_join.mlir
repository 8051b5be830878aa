// Unwritten data: the join puts @c0 at offset 0 and @c1 at offset 40 of 72-element
// objects, so elements 32..39 of every @c object are never written by any DMA.

module {
  aie.device(npu1_1col) {
    %shim = aie.tile(0, 0)
    %mem = aie.tile(0, 1)
    %t0 = aie.tile(0, 2)
    %t1 = aie.tile(0, 3)
    aie.objectfifo @c0(%t0, {%mem}, 2 : i32) : !aie.objectfifo<memref<32xi32>>
    aie.objectfifo @c1(%t1, {%mem}, 2 : i32) : !aie.objectfifo<memref<32xi32>>
    aie.objectfifo @c(%mem, {%shim}, 2 : i32) : !aie.objectfifo<memref<72xi32>>
    aie.objectfifo.link [@c0, @c1] -> [@c]([0, 40] [])
    %core0 = aie.core(%t0) {
      %one = arith.constant 1 : i32
      %s = aie.objectfifo.acquire @c0(Produce, 1) : !aie.objectfifosubview<memref<32xi32>>
      %x = aie.objectfifo.subview.access %s[0] : !aie.objectfifosubview<memref<32xi32>> -> memref<32xi32>
      linalg.fill ins(%one : i32) outs(%x : memref<32xi32>)
      aie.objectfifo.release @c0(Produce, 1)
      aie.end
    }
    %core1 = aie.core(%t1) {
      %two = arith.constant 2 : i32
      %s = aie.objectfifo.acquire @c1(Produce, 1) : !aie.objectfifosubview<memref<32xi32>>
      %x = aie.objectfifo.subview.access %s[0] : !aie.objectfifosubview<memref<32xi32>> -> memref<32xi32>
      linalg.fill ins(%two : i32) outs(%x : memref<32xi32>)
      aie.objectfifo.release @c1(Produce, 1)
      aie.end
    }
    aie.runtime_sequence @sequence(%c: memref<72xi32>) {
      aiex.npu.dma_memcpy_nd(%c[0, 0, 0, 0][1, 1, 1, 72][0, 0, 0, 1]) {id = 0 : i64, issue_token = true, metadata = @c} : memref<72xi32>
      aiex.npu.dma_wait {symbol = @c}
    }
  }
}
