// The host moves 32-bit words, the fifos carry objects of 16 bytes: a stream
// carries words whatever its ends' element types. The core adds 1 to each byte.
module {
  aie.device(npu1_1col) {
    %shim = aie.tile(0, 0)
    %core = aie.tile(0, 2)
    aie.objectfifo @in(%shim, {%core}, 2 : i32) : !aie.objectfifo<memref<16xi8>>
    aie.objectfifo @out(%core, {%shim}, 2 : i32) : !aie.objectfifo<memref<16xi8>>
    %c = aie.core(%core) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c16 = arith.constant 16 : index
      %one = arith.constant 1 : i8
      scf.for %i = %c0 to %c2 step %c1 {
        %x = aie.objectfifo.acquire @in(Consume, 1) : memref<16xi8>
        %y = aie.objectfifo.acquire @out(Produce, 1) : memref<16xi8>
        scf.for %j = %c0 to %c16 step %c1 {
          %v = memref.load %x[%j] : memref<16xi8>
          %w = arith.addi %v, %one : i8
          memref.store %w, %y[%j] : memref<16xi8>
        }
        aie.objectfifo.release @in(Consume, 1)
        aie.objectfifo.release @out(Produce, 1)
      }
      aie.end
    }
    aie.runtime_sequence(%a: memref<8xi32>, %b: memref<8xi32>) {
      aiex.npu.dma_memcpy_nd(%b[0, 0, 0, 0][1, 1, 1, 8][0, 0, 0, 1]) {id = 1 : i64, metadata = @out, issue_token = true} : memref<8xi32>
      aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 1, 8][0, 0, 0, 1]) {id = 0 : i64, metadata = @in} : memref<8xi32>
      aiex.npu.dma_wait {symbol = @out}
    }
  }
}
