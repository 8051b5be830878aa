// Memory: @in_core and @out_core each keep 2 x 32 KiB on compute tile (0, 2),
// which with the core's stack is more than its 64 KiB of data memory.

module {
  aie.device(npu1_1col) {
    %shim = aie.tile(0, 0)
    %mem = aie.tile(0, 1)
    %tile = aie.tile(0, 2)
    aie.objectfifo @in(%shim, {%mem}, 2 : i32) : !aie.objectfifo<memref<8192xi32>>
    aie.objectfifo @in_core(%mem, {%tile}, 2 : i32) : !aie.objectfifo<memref<8192xi32>>
    aie.objectfifo.link [@in] -> [@in_core]([] [])
    aie.objectfifo @out_core(%tile, {%mem}, 2 : i32) : !aie.objectfifo<memref<8192xi32>>
    aie.objectfifo @out(%mem, {%shim}, 2 : i32) : !aie.objectfifo<memref<8192xi32>>
    aie.objectfifo.link [@out_core] -> [@out]([] [])
    %core = aie.core(%tile) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c64 = arith.constant 8192 : index
      %forever = arith.constant 4294967295 : index
      scf.for %it = %c0 to %forever step %c1 {
        %sin = aie.objectfifo.acquire @in_core(Consume, 1) : !aie.objectfifosubview<memref<8192xi32>>
        %x = aie.objectfifo.subview.access %sin[0] : !aie.objectfifosubview<memref<8192xi32>> -> memref<8192xi32>
        %sout = aie.objectfifo.acquire @out_core(Produce, 1) : !aie.objectfifosubview<memref<8192xi32>>
        %y = aie.objectfifo.subview.access %sout[0] : !aie.objectfifosubview<memref<8192xi32>> -> memref<8192xi32>
        scf.for %i = %c0 to %c64 step %c1 {
          %v = memref.load %x[%i] : memref<8192xi32>
          memref.store %v, %y[%i] : memref<8192xi32>
        }
        aie.objectfifo.release @in_core(Consume, 1)
        aie.objectfifo.release @out_core(Produce, 1)
      }
      aie.end
    }
    aie.runtime_sequence @sequence(%a: memref<131072xi32>, %b: memref<131072xi32>) {
      aiex.npu.dma_memcpy_nd(%b[0, 0, 0, 0][1, 16, 64, 128][0, 8192, 128, 1]) {id = 0 : i64, issue_token = true, metadata = @out} : memref<131072xi32>
      aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 16, 64, 128][0, 8192, 128, 1]) {id = 1 : i64, metadata = @in} : memref<131072xi32>
      aiex.npu.dma_wait {symbol = @out}
    }
  }
}
