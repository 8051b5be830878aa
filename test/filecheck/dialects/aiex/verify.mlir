// RUN: dato-opt %s --split-input-file --verify-diagnostics | filecheck %s

// dma_memcpy_nd takes exactly 4 offsets, 4 sizes and 4 strides.
aie.device(npu1) {
  %s = aie.tile(0, 0)
  %m = aie.tile(0, 1)
  aie.objectfifo @of(%s, {%m}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.runtime_sequence(%a: memref<16xi32>) {
    aiex.npu.dma_memcpy_nd(%a[0, 0, 0][1, 1, 16][0, 0, 1]) {id = 0 : i64, metadata = @of} : memref<16xi32>
  }
}
// CHECK: verify.mlir:9:5: error: 'aiex.npu.dma_memcpy_nd' op offsets has 3 entries [0, 0, 0]; dma_memcpy_nd takes exactly 4 offsets, sizes and strides (outermost first)

// -----

aie.device(npu1) {
  %s = aie.tile(0, 0)
  %m = aie.tile(0, 1)
  aie.objectfifo @of(%s, {%m}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.runtime_sequence(%a: memref<16xi32>) {
    aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 1, 1, 16][0, 0, 0, 1]) {id = 0 : i64, metadata = @of} : memref<16xi32>
  }
}
// CHECK: error: 'aiex.npu.dma_memcpy_nd' op sizes has 5 entries [1, 1, 1, 1, 16]; dma_memcpy_nd takes exactly 4 offsets, sizes and strides (outermost first)

// -----

aie.device(npu1) {
  aie.runtime_sequence(%a: memref<16xi32>) {
    aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 1, 16][0, 0, 0, 1]) {id = 0 : i64, metadata = @nothing} : memref<16xi32>
  }
}
// CHECK: error: 'aiex.npu.dma_memcpy_nd' op metadata @nothing does not name an aie.objectfifo or aie.shim_dma_allocation of this device

// -----

// Shim DMA limits: the innermost size is at most 1023 32-bit words unless the
// transfer is linear ([*, 1, 1, n] with strides [*, 0, 0, 1]).
aie.device(npu1) {
  aie.shim_dma_allocation @dma(MM2S, 0, 0)
  aie.runtime_sequence(%a: memref<4096xi32>) {
    aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 1, 4096][0, 0, 0, 1]) {id = 0 : i64, metadata = @dma} : memref<4096xi32>
    aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 2, 1024][0, 0, 1024, 1]) {id = 1 : i64, metadata = @dma} : memref<4096xi32>
  }
}
// CHECK: verify.mlir:[[# @LINE - 3]]:5: error: 'aiex.npu.dma_memcpy_nd' op innermost size 1024 (1024 words) exceeds the shim DMA limit of 1023 words

// -----

// 2046 bf16 elements are 1023 words: at the limit.
aie.device(npu2) {
  aie.shim_dma_allocation @dma(MM2S, 0, 0)
  aie.runtime_sequence(%a: memref<8192xbf16>) {
    aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 2, 2046][0, 0, 2048, 1]) {id = 0 : i64, metadata = @dma} : memref<8192xbf16>
    aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 2, 2048][0, 0, 2048, 1]) {id = 1 : i64, metadata = @dma} : memref<8192xbf16>
  }
}
// CHECK: verify.mlir:[[# @LINE - 3]]:5: error: 'aiex.npu.dma_memcpy_nd' op innermost size 2048 (1024 words) exceeds the shim DMA limit of 1023 words

// -----

aie.device(npu1) {
  aie.shim_dma_allocation @dma(MM2S, 0, 0)
  aie.runtime_sequence(%a: memref<4096xi32>) {
    aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 2, 1024, 2][0, 2048, 2, 1]) {id = 0 : i64, metadata = @dma} : memref<4096xi32>
  }
}
// CHECK: error: 'aiex.npu.dma_memcpy_nd' op size 1024 of dimension 1 exceeds the shim DMA limit of 1023

// -----

// The outermost size is the repeat count: at most 64.
aie.device(npu1) {
  aie.shim_dma_allocation @dma(MM2S, 0, 0)
  aie.runtime_sequence(%a: memref<64xi32>) {
    aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][65, 1, 1, 64][0, 0, 0, 1]) {id = 0 : i64, metadata = @dma} : memref<64xi32>
  }
}
// CHECK: error: 'aiex.npu.dma_memcpy_nd' op repeat count (outermost size) 65 exceeds the shim DMA limit of 64

// -----

// Strides are at most 2^20 words.
aie.device(npu1) {
  aie.shim_dma_allocation @dma(MM2S, 0, 0)
  aie.runtime_sequence(%a: memref<4194304xi32>) {
    aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 2, 16][0, 0, 1048576, 1]) {id = 0 : i64, metadata = @dma} : memref<4194304xi32>
    aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 2, 16][0, 0, 1048577, 1]) {id = 1 : i64, metadata = @dma} : memref<4194304xi32>
  }
}
// CHECK: verify.mlir:[[# @LINE - 3]]:5: error: 'aiex.npu.dma_memcpy_nd' op stride 1048577 of dimension 1 exceeds the shim DMA limit of 1048576 words

// -----

aie.device(npu1) {
  aie.shim_dma_allocation @dma(MM2S, 0, 0)
  aie.runtime_sequence(%a: memref<64xi32>) {
    aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 0, 64][0, 0, 0, 1]) {id = 0 : i64, metadata = @dma} : memref<64xi32>
  }
}
// CHECK: error: 'aiex.npu.dma_memcpy_nd' op size 0 of dimension 1 must be at least 1

// -----

aie.device(npu1) {
  aie.shim_dma_allocation @dma(MM2S, 0, 0)
  aie.runtime_sequence(%a: memref<64xi32>) {
    aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 4, 16][0, 0, 0, 1]) {id = 0 : i64, metadata = @dma} : memref<64xi32>
  }
}
// CHECK: error: 'aiex.npu.dma_memcpy_nd' op stride 0 of dimension 1 must be positive

// -----

// The DMA moves 32-bit words: 3 x i8 is not a whole word, nor is a stride of 6 x i8.
aie.device(npu1) {
  aie.shim_dma_allocation @dma(MM2S, 0, 0)
  aie.runtime_sequence(%a: memref<64xi8>) {
    aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 1, 3][0, 0, 0, 1]) {id = 0 : i64, metadata = @dma} : memref<64xi8>
  }
}
// CHECK: error: 'aiex.npu.dma_memcpy_nd' op innermost size 3 x 8 bits is not a whole number of 32-bit words

// -----

aie.device(npu1) {
  aie.shim_dma_allocation @dma(MM2S, 0, 0)
  aie.runtime_sequence(%a: memref<64xi8>) {
    aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 4, 4][0, 0, 6, 1]) {id = 0 : i64, metadata = @dma} : memref<64xi8>
  }
}
// CHECK: error: 'aiex.npu.dma_memcpy_nd' op stride 6 of dimension 1 (48 bits) is not a whole number of 32-bit words

// -----

aie.device(npu1) {
  aie.shim_dma_allocation @dma(MM2S, 0, 0)
  aie.runtime_sequence(%a: memref<64xi64>) {
    aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 1, 64][0, 0, 0, 1]) {id = 0 : i64, metadata = @dma} : memref<64xi64>
  }
}
// CHECK: error: 'aiex.npu.dma_memcpy_nd' op element type i64 is wider than the DMA's 32-bit words

// -----

// Generic form: two SSA entries announced, one operand given.
"aie.device"() <{device = 4 : i32}> ({
  "aie.shim_dma_allocation"() <{sym_name = @dma, channel_dir = 1 : i32, channel_index = 0 : i64, col = 0 : i64}> : () -> ()
  "aie.runtime_sequence"() ({
  ^bb0(%a: memref<64xi32>, %n: i64):
    "aiex.npu.dma_memcpy_nd"(%a, %n) <{static_offsets = array<i64: 0, 0, 0, 0>, static_sizes = array<i64: 1, 1, -9223372036854775808, -9223372036854775808>, static_strides = array<i64: 0, 0, 0, 1>, operandSegmentSizes = array<i32: 1, 0, 1, 0>, id = 0 : i64, metadata = @dma}> : (memref<64xi32>, i64) -> ()
  }) : () -> ()
  "aie.end"() : () -> ()
}) : () -> ()
// CHECK: error: 'aiex.npu.dma_memcpy_nd' op sizes lists 2 SSA entries but has 1 operands

// -----

aie.device(npu1) {
  aie.runtime_sequence() {
    aiex.npu.dma_wait {symbol = @ghost}
  }
}
// CHECK: error: 'aiex.npu.dma_wait' op dma_wait on @ghost, which is not a symbol of this device

// -----

aie.device(npu1) {
  aie.runtime_sequence() {
    aiex.npu.sync {channel = 0 : i32, column = 0 : i32, column_num = 1 : i32, direction = 2 : i32, row = 0 : i32, row_num = 1 : i32}
  }
}
// CHECK: error: 'aiex.npu.sync' op direction 2 is not 0 (S2MM) or 1 (MM2S)

// -----

aie.device(npu1_1col) {
  aie.runtime_sequence() {
    aiex.npu.sync {channel = 0 : i32, column = 1 : i32, column_num = 1 : i32, direction = 0 : i32, row = 0 : i32, row_num = 1 : i32}
  }
}
// CHECK: error: 'aiex.npu.sync' op sync on tile (1, 0), outside device npu1_1col (1 columns x 6 rows)

// -----

aie.device(npu1) {
  aie.runtime_sequence() {
    aiex.npu.write32 {address = 2100 : ui32, column = 0 : i32, row = 6 : i32, value = 1 : ui32}
  }
}
// CHECK: error: 'aiex.npu.write32' op write32 to tile (0, 6), outside device npu1 (4 columns x 6 rows)

// -----

// Runtime ops live in a runtime sequence, not in a core.
aie.device(npu1) {
  %t = aie.tile(0, 2)
  %c = aie.core(%t) {
    aiex.npu.write32 {address = 2100 : ui32, value = 1 : ui32}
    aie.end
  }
}
// CHECK: error: 'aiex.npu.write32' op aiex.npu.write32 must be inside an aie.runtime_sequence

// -----

aie.device(npu1) {
  aie.runtime_sequence(%a: memref<16xi32>) {
    %t = aiex.dma_configure_task_for @nowhere {
      aie.dma_bd(%a : memref<16xi32>, 0, 16)
      aie.end
    }
  }
}
// CHECK: error: 'aiex.dma_configure_task_for' op @nowhere does not name an aie.objectfifo or aie.shim_dma_allocation of this device

// -----

aie.device(npu1) {
  aie.shim_dma_allocation @dma(MM2S, 0, 0)
  aie.runtime_sequence(%a: memref<16xi32>) {
    %t = aiex.dma_configure_task_for @dma {
      %c = arith.constant 0 : i32
      aie.end
    }
  }
}
// CHECK: error: 'aiex.dma_configure_task_for' op aiex.dma_configure_task_for holds buffer descriptors (aie.dma_bd, aie.use_lock, aie.next_bd, aie.end), found arith.constant

// -----

"aie.device"() <{device = 4 : i32}> ({
  %s = "aie.tile"() <{col = 0 : i32, row = 0 : i32}> : () -> index
  "aie.runtime_sequence"() ({
    %t = "aiex.dma_configure_task"(%s) <{direction = 3 : i32, channel = 0 : i32}> ({
      "aie.end"() : () -> ()
    }) : (index) -> index
  }) : () -> ()
  "aie.end"() : () -> ()
}) : () -> ()
// CHECK: error: 'aiex.dma_configure_task' op direction 3 is not 0 (S2MM) or 1 (MM2S)

// -----

aie.device(npu1) {
  %s = aie.tile(0, 0)
  aie.runtime_sequence() {
    aiex.dma_start_task(%s)
  }
}
// CHECK: error: 'aiex.dma_start_task' op aiex.dma_start_task takes a task made by aiex.dma_configure_task_for or aiex.dma_configure_task

// -----

// Only a task that issues a token signals completion.
aie.device(npu1) {
  aie.shim_dma_allocation @dma(MM2S, 0, 0)
  aie.runtime_sequence(%a: memref<16xi32>) {
    %t = aiex.dma_configure_task_for @dma {
      aie.dma_bd(%a : memref<16xi32>, 0, 16)
      aie.end
    }
    aiex.dma_start_task(%t)
    aiex.dma_await_task(%t)
  }
}
// CHECK: error: 'aiex.dma_await_task' op dma_await_task waits for a task without issue_token = true, which never signals completion

// -----

"aie.device"() <{device = 4 : i32}> ({
  %t = "aie.tile"() <{col = 0 : i32, row = 2 : i32}> : () -> index
  %c = "aie.core"(%t) ({
    "aiex.runtime_sequence"() ({
    ^bb0(%x: memref<4xi32>):
    }) : () -> ()
    "aie.end"() : () -> ()
  }) : (index) -> index
  "aie.end"() : () -> ()
}) : () -> ()
// CHECK: error: 'aiex.runtime_sequence' op aiex.runtime_sequence must be directly inside an aie.device

// -----

aie.device(npu1) {
  %t = aie.tile(0, 2)
  %lock = aie.lock(%t, 0)
  aie.runtime_sequence(%a: memref<8xi32>) {
    aiex.npu.rtp_write(@nothing, 0, 1)
  }
}
// CHECK: error: 'aiex.npu.rtp_write' op rtp_write to @nothing, which is not an aie.buffer of the device

// -----

aie.device(npu1) {
  %t = aie.tile(0, 2)
  %rtp = aie.buffer(%t) {sym_name = "rtp"} : memref<2xi32>
  aie.runtime_sequence(%a: memref<8xi32>) {
    aiex.npu.rtp_write(@rtp, 2, 1)
  }
}
// CHECK: error: 'aiex.npu.rtp_write' op rtp_write to element 2 of @rtp, which has 2

// -----

aie.device(npu1) {
  aie.runtime_sequence(%a: memref<8xi32>) {
    aiex.npu.address_patch {addr = 118788 : ui32, arg_idx = 1 : i32, arg_plus = 0 : i32}
  }
}
// CHECK: error: 'aiex.npu.address_patch' op address_patch of argument 1; the runtime sequence has 1

// -----

aie.device(npu1) {
  aie.runtime_sequence(%a: memref<8xi32>) {
    aiex.npu.maskwrite32 {address = 0 : ui32, column = 4 : i32, mask = 1 : ui32, row = 0 : i32, value = 1 : ui32}
  }
}
// CHECK: error: 'aiex.npu.maskwrite32' op maskwrite32 to tile (4, 0), outside device npu1 (4 columns x 6 rows)
