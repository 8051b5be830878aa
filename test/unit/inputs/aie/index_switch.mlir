// scf.index_switch in a core (mlir-aie's dynamic objectfifo lowering selects
// buffers with it): object k of 3 gets 10 added for k = 0, 20 for k = 1, and
// the default 30 otherwise.

module {
  aie.device(npu1_1col) {
    %shim = aie.tile(0, 0)
    %t = aie.tile(0, 2)
    aie.objectfifo @in(%shim, {%t}, 2 : i32) : !aie.objectfifo<memref<8xi32>>
    aie.objectfifo @out(%t, {%shim}, 2 : i32) : !aie.objectfifo<memref<8xi32>>
    %core = aie.core(%t) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c3 = arith.constant 3 : index
      %c8 = arith.constant 8 : index
      scf.for %k = %c0 to %c3 step %c1 {
        %add = scf.index_switch %k -> i32
        case 0 {
          %v = arith.constant 10 : i32
          scf.yield %v : i32
        }
        case 1 {
          %v = arith.constant 20 : i32
          scf.yield %v : i32
        }
        default {
          %v = arith.constant 30 : i32
          scf.yield %v : i32
        }
        %si = aie.objectfifo.acquire @in(Consume, 1) : !aie.objectfifosubview<memref<8xi32>>
        %x = aie.objectfifo.subview.access %si[0] : !aie.objectfifosubview<memref<8xi32>> -> memref<8xi32>
        %so = aie.objectfifo.acquire @out(Produce, 1) : !aie.objectfifosubview<memref<8xi32>>
        %y = aie.objectfifo.subview.access %so[0] : !aie.objectfifosubview<memref<8xi32>> -> memref<8xi32>
        scf.for %i = %c0 to %c8 step %c1 {
          %e = memref.load %x[%i] : memref<8xi32>
          %f = arith.addi %e, %add : i32
          memref.store %f, %y[%i] : memref<8xi32>
        }
        aie.objectfifo.release @in(Consume, 1)
        aie.objectfifo.release @out(Produce, 1)
      }
      aie.end
    }
    aie.runtime_sequence(%a: memref<24xi32>, %b: memref<24xi32>) {
      aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 1, 24][0, 0, 0, 1]) {id = 0 : i64, metadata = @in} : memref<24xi32>
      aiex.npu.dma_memcpy_nd(%b[0, 0, 0, 0][1, 1, 1, 24][0, 0, 0, 1]) {id = 1 : i64, metadata = @out, issue_token = true} : memref<24xi32>
      aiex.npu.dma_wait {symbol = @out}
    }
  }
}
