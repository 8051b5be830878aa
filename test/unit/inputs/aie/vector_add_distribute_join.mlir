// Vector add c = a + b over two cores: the memtile distributes each 64-element
// object of a and b into halves of 32 (one per core) and joins the two halves
// of c back into 64-element objects for the shim.

module {
  aie.device(npu1_1col) {
    %shim = aie.tile(0, 0)
    %mem = aie.tile(0, 1)
    %t0 = aie.tile(0, 2)
    %t1 = aie.tile(0, 3)
    aie.objectfifo @a(%shim, {%mem}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @a0(%mem, {%t0}, 2 : i32) : !aie.objectfifo<memref<32xi32>>
    aie.objectfifo @a1(%mem, {%t1}, 2 : i32) : !aie.objectfifo<memref<32xi32>>
    aie.objectfifo.link [@a] -> [@a0, @a1]([] [0, 32])
    aie.objectfifo @b(%shim, {%mem}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @b0(%mem, {%t0}, 2 : i32) : !aie.objectfifo<memref<32xi32>>
    aie.objectfifo @b1(%mem, {%t1}, 2 : i32) : !aie.objectfifo<memref<32xi32>>
    aie.objectfifo.link [@b] -> [@b0, @b1]([] [0, 32])
    aie.objectfifo @c0(%t0, {%mem}, 2 : i32) : !aie.objectfifo<memref<32xi32>>
    aie.objectfifo @c1(%t1, {%mem}, 2 : i32) : !aie.objectfifo<memref<32xi32>>
    aie.objectfifo @c(%mem, {%shim}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo.link [@c0, @c1] -> [@c]([0, 32] [])
    %core0 = aie.core(%t0) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      scf.for %it = %c0 to %c4 step %c1 {
        %sa = aie.objectfifo.acquire @a0(Consume, 1) : !aie.objectfifosubview<memref<32xi32>>
        %x = aie.objectfifo.subview.access %sa[0] : !aie.objectfifosubview<memref<32xi32>> -> memref<32xi32>
        %sb = aie.objectfifo.acquire @b0(Consume, 1) : !aie.objectfifosubview<memref<32xi32>>
        %y = aie.objectfifo.subview.access %sb[0] : !aie.objectfifosubview<memref<32xi32>> -> memref<32xi32>
        %sc = aie.objectfifo.acquire @c0(Produce, 1) : !aie.objectfifosubview<memref<32xi32>>
        %z = aie.objectfifo.subview.access %sc[0] : !aie.objectfifosubview<memref<32xi32>> -> memref<32xi32>
        linalg.add ins(%x, %y : memref<32xi32>, memref<32xi32>) outs(%z : memref<32xi32>)
        aie.objectfifo.release @a0(Consume, 1)
        aie.objectfifo.release @b0(Consume, 1)
        aie.objectfifo.release @c0(Produce, 1)
      }
      aie.end
    }
    %core1 = aie.core(%t1) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      %c32 = arith.constant 32 : index
      scf.for %it = %c0 to %c4 step %c1 {
        %sa = aie.objectfifo.acquire @a1(Consume, 1) : !aie.objectfifosubview<memref<32xi32>>
        %x = aie.objectfifo.subview.access %sa[0] : !aie.objectfifosubview<memref<32xi32>> -> memref<32xi32>
        %sb = aie.objectfifo.acquire @b1(Consume, 1) : !aie.objectfifosubview<memref<32xi32>>
        %y = aie.objectfifo.subview.access %sb[0] : !aie.objectfifosubview<memref<32xi32>> -> memref<32xi32>
        %sc = aie.objectfifo.acquire @c1(Produce, 1) : !aie.objectfifosubview<memref<32xi32>>
        %z = aie.objectfifo.subview.access %sc[0] : !aie.objectfifosubview<memref<32xi32>> -> memref<32xi32>
        scf.for %i = %c0 to %c32 step %c1 {
          %u = memref.load %x[%i] : memref<32xi32>
          %v = memref.load %y[%i] : memref<32xi32>
          %w = arith.addi %u, %v : i32
          memref.store %w, %z[%i] : memref<32xi32>
        }
        aie.objectfifo.release @a1(Consume, 1)
        aie.objectfifo.release @b1(Consume, 1)
        aie.objectfifo.release @c1(Produce, 1)
      }
      aie.end
    }
    aie.runtime_sequence @sequence(%a: memref<256xi32>, %b: memref<256xi32>, %c: memref<256xi32>) {
      aiex.npu.dma_memcpy_nd(%c[0, 0, 0, 0][1, 1, 1, 256][0, 0, 0, 1]) {id = 0 : i64, issue_token = true, metadata = @c} : memref<256xi32>
      aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 1, 256][0, 0, 0, 1]) {id = 1 : i64, metadata = @a} : memref<256xi32>
      aiex.npu.dma_memcpy_nd(%b[0, 0, 0, 0][1, 1, 1, 256][0, 0, 0, 1]) {id = 2 : i64, metadata = @b} : memref<256xi32>
      aiex.npu.dma_wait {symbol = @c}
    }
  }
}
