// RUN: dato-opt %s -t npu-report | filecheck %s

// The performance model's section of the NPU report on a DMA-bound design:
// one core takes ten 4 KiB objects (depth 2) straight from the shim and does
// one scalar add per object. By hand, with devices.py's 4 bytes per cycle per
// AIE-ML DMA channel and perf_model.py's 16-cycle BD, 8-cycle lock and one
// scalar op per cycle:
//   shim MM2S channel: 10 x 4096 / 4 + 10 x 16 = 10,400 cycles
//   core: first object 4096 / 4 = 1,024 + 20 lock ops x 8 = 160 + 10 adds = 1,194
// 10,400 cycles at npu1's 1.6 GHz is 6.50 us.

// CHECK: resource report for aie.device(npu1)
// CHECK: performance MODEL for aie.device(npu1) (modeled, not measured)
// CHECK: core (0, 2): from cycle 0 to 1,194; its own 1,194 cycles = fill 1,024 + kernels 10 + locks 160
// CHECK: shim (0, 0) MM2S @in: 40,960 bytes, 10 objects, 10,400 cycles
// CHECK: shim column 0: reads 40,960 bytes on 1 MM2S, writes 0 bytes on 0 S2MM; busiest channel 10,400 cycles
// CHECK: modeled time: 10,400 cycles = 6.50 us at 1.6 GHz
// CHECK: bottleneck: shim DMA channel MM2S @in at (0, 0)

module {
  aie.device(npu1) {
    %shim = aie.tile(0, 0)
    %core = aie.tile(0, 2)
    aie.objectfifo @in(%shim, {%core}, 2 : i32) : !aie.objectfifo<memref<1024xi32>>
    %0 = aie.core(%core) {
      %lb = arith.constant 0 : index
      %ub = arith.constant 10 : index
      %st = arith.constant 1 : index
      scf.for %i = %lb to %ub step %st {
        %s = aie.objectfifo.acquire @in(Consume, 1) : !aie.objectfifosubview<memref<1024xi32>>
        %x = arith.addi %lb, %st : index
        aie.objectfifo.release @in(Consume, 1)
      }
      aie.end
    }
    aie.runtime_sequence(%a: memref<10240xi32>) {
      aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 10, 2, 512][0, 1024, 512, 1]) {id = 0 : i64, metadata = @in} : memref<10240xi32>
    }
  }
}
