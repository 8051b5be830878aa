// Explicit DMA, no objectfifos: the shim streams 128 i32 into ping/pong
// buffers of tile (0, 2) through an S2MM BD chain guarded by AIE-ML semaphore
// locks; the core triples each 32-element block into an output buffer, which
// an MM2S BD chain streams back to the shim. Flows route the DMA channels.

module {
  aie.device(npu1_1col) {
    %shim = aie.tile(0, 0)
    %tile = aie.tile(0, 2)
    %in_ping = aie.buffer(%tile) {sym_name = "in_ping"} : memref<32xi32>
    %in_pong = aie.buffer(%tile) {sym_name = "in_pong"} : memref<32xi32>
    %out_buf = aie.buffer(%tile) {sym_name = "out_buf"} : memref<32xi32>
    %in_prod = aie.lock(%tile, 0) {init = 2 : i32, sym_name = "in_prod"}
    %in_cons = aie.lock(%tile, 1) {init = 0 : i32, sym_name = "in_cons"}
    %out_prod = aie.lock(%tile, 2) {init = 1 : i32, sym_name = "out_prod"}
    %out_cons = aie.lock(%tile, 3) {init = 0 : i32, sym_name = "out_cons"}
    aie.flow(%shim, DMA : 0, %tile, DMA : 0)
    aie.flow(%tile, DMA : 0, %shim, DMA : 0)
    aie.shim_dma_allocation @in(MM2S, 0, 0)
    aie.shim_dma_allocation @out(S2MM, 0, 0)
    %core = aie.core(%tile) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c32 = arith.constant 32 : index
      %three = arith.constant 3 : i32
      scf.for %it = %c0 to %c2 step %c1 {
        aie.use_lock(%in_cons, AcquireGreaterEqual, 1)
        aie.use_lock(%out_prod, AcquireGreaterEqual, 1)
        scf.for %i = %c0 to %c32 step %c1 {
          %v = memref.load %in_ping[%i] : memref<32xi32>
          %w = arith.muli %v, %three : i32
          memref.store %w, %out_buf[%i] : memref<32xi32>
        }
        aie.use_lock(%in_prod, Release, 1)
        aie.use_lock(%out_cons, Release, 1)
        aie.use_lock(%in_cons, AcquireGreaterEqual, 1)
        aie.use_lock(%out_prod, AcquireGreaterEqual, 1)
        scf.for %i = %c0 to %c32 step %c1 {
          %v = memref.load %in_pong[%i] : memref<32xi32>
          %w = arith.muli %v, %three : i32
          memref.store %w, %out_buf[%i] : memref<32xi32>
        }
        aie.use_lock(%in_prod, Release, 1)
        aie.use_lock(%out_cons, Release, 1)
      }
      aie.end
    }
    %mem = aie.mem(%tile) {
      %s0 = aie.dma_start(S2MM, 0, ^bd0, ^next)
    ^bd0:
      aie.use_lock(%in_prod, AcquireGreaterEqual, 1)
      aie.dma_bd(%in_ping : memref<32xi32>, 0, 32)
      aie.use_lock(%in_cons, Release, 1)
      aie.next_bd ^bd1
    ^bd1:
      aie.use_lock(%in_prod, AcquireGreaterEqual, 1)
      aie.dma_bd(%in_pong : memref<32xi32>, 0, 32)
      aie.use_lock(%in_cons, Release, 1)
      aie.next_bd ^bd0
    ^next:
      %s1 = aie.dma_start(MM2S, 0, ^bd2, ^end)
    ^bd2:
      aie.use_lock(%out_cons, AcquireGreaterEqual, 1)
      aie.dma_bd(%out_buf : memref<32xi32>, 0, 32)
      aie.use_lock(%out_prod, Release, 1)
      aie.next_bd ^bd2
    ^end:
      aie.end
    }
    aie.runtime_sequence @sequence(%a: memref<128xi32>, %b: memref<128xi32>) {
      aiex.npu.dma_memcpy_nd(%b[0, 0, 0, 0][1, 1, 1, 128][0, 0, 0, 1]) {id = 0 : i64, issue_token = true, metadata = @out} : memref<128xi32>
      aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 1, 128][0, 0, 0, 1]) {id = 1 : i64, metadata = @in} : memref<128xi32>
      aiex.npu.dma_wait {symbol = @out}
    }
  }
}
