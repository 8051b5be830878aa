// Depth: the core's end of @in_core has one buffer ([2, 1]) but it acquires
// two objects at once, which can never be satisfied.

module {
  aie.device(npu1_1col) {
    %shim = aie.tile(0, 0)
    %mem = aie.tile(0, 1)
    %tile = aie.tile(0, 2)
    aie.objectfifo @in(%shim, {%mem}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @in_core(%mem, {%tile}, [2, 1]) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo.link [@in] -> [@in_core]([] [])
    aie.objectfifo @out_core(%tile, {%mem}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @out(%mem, {%shim}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo.link [@out_core] -> [@out]([] [])
    %core = aie.core(%tile) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c64 = arith.constant 64 : index
      %forever = arith.constant 4294967295 : index
      scf.for %it = %c0 to %forever step %c1 {
        %sin = aie.objectfifo.acquire @in_core(Consume, 2) : !aie.objectfifosubview<memref<64xi32>>
        %x = aie.objectfifo.subview.access %sin[0] : !aie.objectfifosubview<memref<64xi32>> -> memref<64xi32>
        %sout = aie.objectfifo.acquire @out_core(Produce, 1) : !aie.objectfifosubview<memref<64xi32>>
        %y = aie.objectfifo.subview.access %sout[0] : !aie.objectfifosubview<memref<64xi32>> -> memref<64xi32>
        scf.for %i = %c0 to %c64 step %c1 {
          %v = memref.load %x[%i] : memref<64xi32>
          memref.store %v, %y[%i] : memref<64xi32>
        }
        aie.objectfifo.release @in_core(Consume, 2)
        aie.objectfifo.release @out_core(Produce, 1)
      }
      aie.end
    }
    aie.runtime_sequence @sequence(%a: memref<1024xi32>, %b: memref<1024xi32>) {
      aiex.npu.dma_memcpy_nd(%b[0, 0, 0, 0][1, 1, 16, 64][0, 0, 64, 1]) {id = 0 : i64, issue_token = true, metadata = @out} : memref<1024xi32>
      aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 16, 64][0, 0, 64, 1]) {id = 1 : i64, metadata = @in} : memref<1024xi32>
      aiex.npu.dma_wait {symbol = @out}
    }
  }
}
