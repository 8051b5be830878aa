// The memtile passthrough with its runtime sequence written as DMA tasks
// (dma_configure_task_for / dma_start_task / dma_await_task / dma_free_task).

module {
  aie.device(npu1_1col) {
    %shim = aie.tile(0, 0)
    %mem = aie.tile(0, 1)
    %tile = aie.tile(0, 2)
    aie.objectfifo @in(%shim, {%mem}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @in_core(%mem, {%tile}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
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
        %sin = aie.objectfifo.acquire @in_core(Consume, 1) : !aie.objectfifosubview<memref<64xi32>>
        %x = aie.objectfifo.subview.access %sin[0] : !aie.objectfifosubview<memref<64xi32>> -> memref<64xi32>
        %sout = aie.objectfifo.acquire @out_core(Produce, 1) : !aie.objectfifosubview<memref<64xi32>>
        %y = aie.objectfifo.subview.access %sout[0] : !aie.objectfifosubview<memref<64xi32>> -> memref<64xi32>
        scf.for %i = %c0 to %c64 step %c1 {
          %v = memref.load %x[%i] : memref<64xi32>
          memref.store %v, %y[%i] : memref<64xi32>
        }
        aie.objectfifo.release @in_core(Consume, 1)
        aie.objectfifo.release @out_core(Produce, 1)
      }
      aie.end
    }
    aie.runtime_sequence @sequence(%a: memref<1024xi32>, %b: memref<1024xi32>) {
      %tin = aiex.dma_configure_task_for @in {
        aie.dma_bd(%a : memref<1024xi32>, 0, 1024, [<size = 16, stride = 64>, <size = 64, stride = 1>]) {bd_id = 0 : i32}
        aie.end
      }
      aiex.dma_start_task(%tin)
      %tout = aiex.dma_configure_task_for @out {
        aie.dma_bd(%b : memref<1024xi32>, 0, 1024) {bd_id = 1 : i32}
        aie.end
      } {issue_token = true}
      aiex.dma_start_task(%tout)
      aiex.dma_await_task(%tout)
      aiex.dma_free_task(%tin)
      aiex.dma_free_task(%tout)
    }
  }
}
