// A core calls an external kernel whose source (scale_by.cc) exists nowhere.

module {
  aie.device(npu1_1col) {
    func.func private @scale_by(memref<64xi32>, i32)
    %shim = aie.tile(0, 0)
    %tile = aie.tile(0, 2)
    aie.objectfifo @in(%shim, {%tile}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    %core = aie.core(%tile) {
      %k = arith.constant 3 : i32
      %s = aie.objectfifo.acquire @in(Consume, 1) : !aie.objectfifosubview<memref<64xi32>>
      %x = aie.objectfifo.subview.access %s[0] : !aie.objectfifosubview<memref<64xi32>> -> memref<64xi32>
      func.call @scale_by(%x, %k) : (memref<64xi32>, i32) -> ()
      aie.objectfifo.release @in(Consume, 1)
      aie.end
    } {link_with = "scale_by.o"}
    aie.runtime_sequence @sequence(%a: memref<64xi32>) {
      aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 1, 64][0, 0, 0, 1]) {id = 0 : i64, metadata = @in} : memref<64xi32>
    }
  }
}
