// A runtime parameter written by the host (aiex.npu.rtp_write) and an external
// kernel whose object is built from a source named on the command line with a
// -D flag: out = in * FACTOR + rtp[0].
module {
  aie.device(npu1_1col) {
    %shim = aie.tile(0, 0)
    %core = aie.tile(0, 2)
    %rtp = aie.buffer(%core) {sym_name = "rtp"} : memref<2xi32>
    aie.objectfifo @in(%shim, {%core}, 2 : i32) : !aie.objectfifo<memref<8xi32>>
    aie.objectfifo @out(%core, {%shim}, 2 : i32) : !aie.objectfifo<memref<8xi32>>
    func.func private @scale_add(memref<8xi32>, memref<8xi32>, i32)
    %c = aie.core(%core) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      scf.for %i = %c0 to %c2 step %c1 {
        %x = aie.objectfifo.acquire @in(Consume, 1) : !aie.objectfifosubview<memref<8xi32>>
        %xv = aie.objectfifo.subview.access %x[0] : !aie.objectfifosubview<memref<8xi32>> -> memref<8xi32>
        %y = aie.objectfifo.acquire @out(Produce, 1) : !aie.objectfifosubview<memref<8xi32>>
        %yv = aie.objectfifo.subview.access %y[0] : !aie.objectfifosubview<memref<8xi32>> -> memref<8xi32>
        %bias = memref.load %rtp[%c0] : memref<2xi32>
        func.call @scale_add(%xv, %yv, %bias) : (memref<8xi32>, memref<8xi32>, i32) -> ()
        aie.objectfifo.release @in(Consume, 1)
        aie.objectfifo.release @out(Produce, 1)
      }
      aie.end
    } {link_with = "scale_add_8.o"}
    aie.runtime_sequence(%a: memref<16xi32>, %b: memref<16xi32>) {
      aiex.npu.rtp_write(@rtp, 0, 100)
      aiex.npu.dma_memcpy_nd(%b[0, 0, 0, 0][1, 1, 1, 16][0, 0, 0, 1]) {id = 1 : i64, metadata = @out, issue_token = true} : memref<16xi32>
      aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 1, 16][0, 0, 0, 1]) {id = 0 : i64, metadata = @in} : memref<16xi32>
      aiex.npu.dma_wait {symbol = @out}
    }
  }
}
