// RUN: %roundtrip | filecheck %s
// RUN: %generic-roundtrip | filecheck %s

// Host-side data movement with dma_memcpy_nd: static and SSA entries, waits,
// syncs and register writes.
aie.device(npu1) {
  %shim = aie.tile(0, 0)
  %mt = aie.tile(0, 1)
  aie.objectfifo @in(%shim, {%mt}, 2 : i32) : !aie.objectfifo<memref<1024xi32>>
  aie.objectfifo @out(%mt, {%shim}, 2 : i32) : !aie.objectfifo<memref<1024xi32>>
  aie.objectfifo.link [@in] -> [@out]([] [])
  aie.shim_dma_allocation @raw(S2MM, 1, 0)
  aie.runtime_sequence @seq(%a: memref<64x64xi32>, %b: memref<4096xi32>, %c: memref<8192xi8>) {
    %c0 = arith.constant 0 : i64
    %c32 = arith.constant 32 : i64
    aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][4, 2, 32, 32][0, 32, 64, 1]) {id = 0 : i64, metadata = @in} : memref<64x64xi32>
    aiex.npu.dma_memcpy_nd(%a[%c0, 0, %c32, 0][1, 1, %c32, 64][0, 0, 64, 1]) {id = 1 : i64, metadata = @in} : memref<64x64xi32>
    aiex.npu.dma_memcpy_nd(%b[0, 0, 0, 0][1, 1, 1, 4096][0, 0, 0, 1]) {id = 2 : i64, issue_token = true, metadata = @out} : memref<4096xi32>
    aiex.npu.dma_memcpy_nd(%c[0, 0, 0, 0][64, 2, 8, 8][0, 1024, 16, 1]) {burst_length = 256 : i64, id = 3 : i64, metadata = @raw} : memref<8192xi8>
    aiex.npu.dma_wait {symbol = @out}
    aiex.npu.sync {channel = 1 : i32, column = 0 : i32, column_num = 1 : i32, direction = 0 : i32, row = 0 : i32, row_num = 1 : i32}
    aiex.npu.write32 {address = 119300 : ui32, value = 2147483648 : ui32}
    aiex.npu.write32 {address = 2100 : ui32, column = 0 : i32, row = 2 : i32, value = 1 : ui32}
  }
}

// CHECK:      aie.runtime_sequence @seq(%a: memref<64x64xi32>, %b: memref<4096xi32>, %c: memref<8192xi8>) {
// CHECK-NEXT:   %c0 = arith.constant 0 : i64
// CHECK-NEXT:   %c32 = arith.constant 32 : i64
// CHECK-NEXT:   aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][4, 2, 32, 32][0, 32, 64, 1]) {id = 0 : i64, metadata = @in} : memref<64x64xi32>
// CHECK-NEXT:   aiex.npu.dma_memcpy_nd(%a[%c0, 0, %c32, 0][1, 1, %c32, 64][0, 0, 64, 1]) {id = 1 : i64, metadata = @in} : memref<64x64xi32>
// CHECK-NEXT:   aiex.npu.dma_memcpy_nd(%b[0, 0, 0, 0][1, 1, 1, 4096][0, 0, 0, 1]) {id = 2 : i64, issue_token = true, metadata = @out} : memref<4096xi32>
// CHECK-NEXT:   aiex.npu.dma_memcpy_nd(%c[0, 0, 0, 0][64, 2, 8, 8][0, 1024, 16, 1]) {burst_length = 256 : i64, id = 3 : i64, metadata = @raw} : memref<8192xi8>
// CHECK-NEXT:   aiex.npu.dma_wait {symbol = @out}
// CHECK-NEXT:   aiex.npu.sync {channel = 1 : i32, column = 0 : i32, column_num = 1 : i32, direction = 0 : i32, row = 0 : i32, row_num = 1 : i32}
// CHECK-NEXT:   aiex.npu.write32 {address = 119300 : ui32, value = 2147483648 : ui32}
// CHECK-NEXT:   aiex.npu.write32 {address = 2100 : ui32, column = 0 : i32, row = 2 : i32, value = 1 : ui32}
// CHECK-NEXT: }

// -----

// The task forms: a BD chain per shim channel (by allocation or explicitly),
// started, awaited and freed.
aie.device(npu2) {
  %shim = aie.tile(0, 0)
  %t = aie.tile(0, 2)
  aie.objectfifo @to_core(%shim, {%t}, 2 : i32) : !aie.objectfifo<memref<256xbf16>>
  aie.shim_dma_allocation @from_core(S2MM, 0, 0)
  aie.runtime_sequence(%in: memref<1024xbf16>, %out: memref<1024xbf16>) {
    %0 = aiex.dma_configure_task_for @to_core {
      aie.dma_bd(%in : memref<1024xbf16>, 0, 1024, [<size = 1, stride = 0>, <size = 4, stride = 256>, <size = 256, stride = 1>]) {burst_length = 0 : i32}
      aie.end
    }
    aiex.dma_start_task(%0)
    %1 = aiex.dma_configure_task_for @from_core {
      aie.dma_bd(%out : memref<1024xbf16>, 0, 512)
      aie.next_bd ^rest
    ^rest:
      aie.dma_bd(%out : memref<1024xbf16>, 512, 512)
      aie.end
    } {issue_token = true, repeat_count = 1 : i32}
    aiex.dma_start_task(%1)
    %2 = aiex.dma_configure_task(%shim, MM2S, 1) {
      aie.dma_bd(%in : memref<1024xbf16>, 0, 1024) {bd_id = 5 : i32}
      aie.end
    } {issue_token = true}
    aiex.dma_start_task(%2)
    aiex.dma_await_task(%1)
    aiex.dma_await_task(%2)
    aiex.dma_free_task(%0)
  }
}

// CHECK:      aie.runtime_sequence(%in: memref<1024xbf16>, %out: memref<1024xbf16>) {
// CHECK-NEXT:   %0 = aiex.dma_configure_task_for @to_core {
// CHECK-NEXT:     aie.dma_bd(%in : memref<1024xbf16>, 0, 1024, [<size = 1, stride = 0>, <size = 4, stride = 256>, <size = 256, stride = 1>]) {burst_length = 0 : i32}
// CHECK-NEXT:     aie.end
// CHECK-NEXT:   }
// CHECK-NEXT:   aiex.dma_start_task(%0)
// CHECK-NEXT:   %1 = aiex.dma_configure_task_for @from_core {
// CHECK-NEXT:     aie.dma_bd(%out : memref<1024xbf16>, 0, 512)
// CHECK-NEXT:     aie.next_bd ^[[REST:.*]]
// CHECK-NEXT:   ^[[REST]]:
// CHECK-NEXT:     aie.dma_bd(%out : memref<1024xbf16>, 512, 512)
// CHECK-NEXT:     aie.end
// CHECK-NEXT:   } {issue_token = true, repeat_count = 1 : i32}
// CHECK-NEXT:   aiex.dma_start_task(%1)
// CHECK-NEXT:   %2 = aiex.dma_configure_task(%shim, MM2S, 1) {
// CHECK-NEXT:     aie.dma_bd(%in : memref<1024xbf16>, 0, 1024) {bd_id = 5 : i32}
// CHECK-NEXT:     aie.end
// CHECK-NEXT:   } {issue_token = true}
// CHECK-NEXT:   aiex.dma_start_task(%2)
// CHECK-NEXT:   aiex.dma_await_task(%1)
// CHECK-NEXT:   aiex.dma_await_task(%2)
// CHECK-NEXT:   aiex.dma_free_task(%0)
// CHECK-NEXT: }
