// A one-to-one link between objects of different sizes (16 elements from the
// host, 8 to the core: the memtile's buffers hold the larger object) and a core
// written as an unstructured cf.br loop over 4 objects, acquiring each object
// as a plain memref (the newer acquire form); it adds the loop counter + 1.
module {
  aie.device(npu1_1col) {
    %shim = aie.tile(0, 0)
    %mem = aie.tile(0, 1)
    %core = aie.tile(0, 2)
    aie.objectfifo @in(%shim, {%mem}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
    aie.objectfifo @in_core(%mem, {%core}, 2 : i32) : !aie.objectfifo<memref<8xi32>>
    aie.objectfifo.link [@in] -> [@in_core] ([] [])
    aie.objectfifo @out_core(%core, {%mem}, 2 : i32) : !aie.objectfifo<memref<8xi32>>
    aie.objectfifo @out(%mem, {%shim}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
    aie.objectfifo.link [@out_core] -> [@out] ([] [])
    %c = aie.core(%core) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      %c8 = arith.constant 8 : index
      cf.br ^loop(%c0 : index)
    ^loop(%i: index):
      %go = arith.cmpi slt, %i, %c4 : index
      cf.cond_br %go, ^body, ^done
    ^body:
      %x = aie.objectfifo.acquire @in_core(Consume, 1) : memref<8xi32>
      %y = aie.objectfifo.acquire @out_core(Produce, 1) : memref<8xi32>
      %i1 = arith.addi %i, %c1 : index
      %k = arith.index_cast %i1 : index to i32
      scf.for %j = %c0 to %c8 step %c1 {
        %v = memref.load %x[%j] : memref<8xi32>
        %w = arith.addi %v, %k : i32
        memref.store %w, %y[%j] : memref<8xi32>
      }
      aie.objectfifo.release @in_core(Consume, 1)
      aie.objectfifo.release @out_core(Produce, 1)
      cf.br ^loop(%i1 : index)
    ^done:
      aie.end
    }
    aie.runtime_sequence(%a: memref<32xi32>, %b: memref<32xi32>) {
      aiex.npu.dma_memcpy_nd(%b[0, 0, 0, 0][1, 1, 1, 32][0, 0, 0, 1]) {id = 1 : i64, metadata = @out, issue_token = true} : memref<32xi32>
      aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 1, 32][0, 0, 0, 1]) {id = 0 : i64, metadata = @in} : memref<32xi32>
      aiex.npu.dma_wait {symbol = @out}
    }
  }
}
