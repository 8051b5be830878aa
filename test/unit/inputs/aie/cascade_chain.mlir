// Cascade between neighbour cores: core (0, 2) takes objects of 32 i32 from
// the shim, adds 5 to each element and sends each object as two 512-bit
// cascade words (vector<16xi32>); core (0, 3) reads them (it starts reading
// before its neighbour has anything: get_cascade blocks until a word is
// there), doubles the elements and sends the object back to the shim.

module {
  aie.device(npu1_1col) {
    %shim = aie.tile(0, 0)
    %t2 = aie.tile(0, 2)
    %t3 = aie.tile(0, 3)
    aie.objectfifo @in(%shim, {%t2}, 2 : i32) : !aie.objectfifo<memref<32xi32>>
    aie.objectfifo @out(%t3, {%shim}, 2 : i32) : !aie.objectfifo<memref<32xi32>>
    aie.cascade_flow(%t2, %t3)
    %core2 = aie.core(%t2) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c16 = arith.constant 16 : index
      %c32 = arith.constant 32 : index
      %five = arith.constant 5 : i32
      %sv = aie.objectfifo.acquire @in(Consume, 1) : !aie.objectfifosubview<memref<32xi32>>
      %x = aie.objectfifo.subview.access %sv[0] : !aie.objectfifosubview<memref<32xi32>> -> memref<32xi32>
      scf.for %i = %c0 to %c32 step %c1 {
        %v = memref.load %x[%i] : memref<32xi32>
        %w = arith.addi %v, %five : i32
        memref.store %w, %x[%i] : memref<32xi32>
      }
      scf.for %i = %c0 to %c32 step %c16 {
        %word = vector.load %x[%i] : memref<32xi32>, vector<16xi32>
        aie.put_cascade(%word : vector<16xi32>)
      }
      aie.objectfifo.release @in(Consume, 1)
      aie.end
    }
    %core3 = aie.core(%t3) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c16 = arith.constant 16 : index
      %c32 = arith.constant 32 : index
      %two = arith.constant 2 : i32
      %sv = aie.objectfifo.acquire @out(Produce, 1) : !aie.objectfifosubview<memref<32xi32>>
      %y = aie.objectfifo.subview.access %sv[0] : !aie.objectfifosubview<memref<32xi32>> -> memref<32xi32>
      scf.for %i = %c0 to %c32 step %c16 {
        %word = aie.get_cascade() : vector<16xi32>
        vector.store %word, %y[%i] : memref<32xi32>, vector<16xi32>
      }
      scf.for %i = %c0 to %c32 step %c1 {
        %v = memref.load %y[%i] : memref<32xi32>
        %w = arith.muli %v, %two : i32
        memref.store %w, %y[%i] : memref<32xi32>
      }
      aie.objectfifo.release @out(Produce, 1)
      aie.end
    }
    aie.runtime_sequence(%a: memref<32xi32>, %b: memref<32xi32>) {
      aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 1, 32][0, 0, 0, 1]) {id = 0 : i64, metadata = @in} : memref<32xi32>
      aiex.npu.dma_memcpy_nd(%b[0, 0, 0, 0][1, 1, 1, 32][0, 0, 0, 1]) {id = 1 : i64, metadata = @out, issue_token = true} : memref<32xi32>
      aiex.npu.dma_wait {symbol = @out}
    }
  }
}
