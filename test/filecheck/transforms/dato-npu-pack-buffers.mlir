// RUN: dato-opt %s --split-input-file -p dato-npu-pack-buffers | filecheck %s

// Seven arrays for the xclbin's five host buffers (bo0..bo4): arrays of one
// element type share a buffer, the last two buffers of the type with most
// buffers merging first (i32: A, B, E, F, G -> F+G, then E+FG). Each array's
// base offset in its buffer is added to the innermost offset; bases are
// word-aligned (E 16 elements, F at 16, G at 32; the buffer holds 40).

aie.device(npu1) {
  %shim = aie.tile(0, 0)
  %core = aie.tile(0, 2)
  aie.objectfifo @a(%shim, {%core}, 1 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @b(%core, {%shim}, 1 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @c(%shim, {%core}, 1 : i32) : !aie.objectfifo<memref<32xi16>>
  aie.objectfifo @d(%core, {%shim}, 1 : i32) : !aie.objectfifo<memref<32xi16>>
  aie.objectfifo @e(%shim, {%core}, 1 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @f(%core, {%shim}, 1 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @g(%core, {%shim}, 1 : i32) : !aie.objectfifo<memref<8xi32>>
  aie.runtime_sequence(%A: memref<16xi32>, %B: memref<16xi32>, %C: memref<32xi16>, %D: memref<32xi16>, %E: memref<16xi32>, %F: memref<4x4xi32>, %G: memref<8xi32>) {
    aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 0][1, 1, 1, 16][0, 0, 16, 1]) {id = 0 : i64, metadata = @a} : memref<16xi32>
    aiex.npu.dma_memcpy_nd(%C[0, 0, 0, 0][1, 1, 1, 32][0, 0, 32, 1]) {id = 1 : i64, metadata = @c} : memref<32xi16>
    aiex.npu.dma_memcpy_nd(%E[0, 0, 0, 0][1, 1, 1, 16][0, 0, 16, 1]) {id = 2 : i64, metadata = @e} : memref<16xi32>
    aiex.npu.dma_memcpy_nd(%B[0, 0, 0, 0][1, 1, 1, 16][0, 0, 16, 1]) {id = 3 : i64, issue_token = true, metadata = @b} : memref<16xi32>
    aiex.npu.dma_memcpy_nd(%D[0, 0, 0, 0][1, 1, 1, 32][0, 0, 32, 1]) {id = 4 : i64, issue_token = true, metadata = @d} : memref<32xi16>
    aiex.npu.dma_memcpy_nd(%F[0, 0, 0, 2][1, 1, 4, 2][0, 0, 4, 1]) {id = 5 : i64, issue_token = true, metadata = @f} : memref<4x4xi32>
    aiex.npu.dma_memcpy_nd(%G[0, 0, 0, 0][1, 1, 1, 8][0, 0, 8, 1]) {id = 6 : i64, issue_token = true, metadata = @g} : memref<8xi32>
    aiex.npu.dma_wait {symbol = @b}
    aiex.npu.dma_wait {symbol = @d}
    aiex.npu.dma_wait {symbol = @f}
    aiex.npu.dma_wait {symbol = @g}
  }
}

// CHECK:      aie.runtime_sequence(%buf0: memref<16xi32>, %buf1: memref<16xi32>, %buf2: memref<32xi16>, %buf3: memref<32xi16>, %buf4: memref<40xi32>) {
// CHECK-NEXT:   aiex.npu.dma_memcpy_nd(%buf0[0, 0, 0, 0][1, 1, 1, 16][0, 0, 16, 1]) {id = 0 : i64, metadata = @a} : memref<16xi32>
// CHECK-NEXT:   aiex.npu.dma_memcpy_nd(%buf2[0, 0, 0, 0][1, 1, 1, 32][0, 0, 32, 1]) {id = 1 : i64, metadata = @c} : memref<32xi16>
// CHECK-NEXT:   aiex.npu.dma_memcpy_nd(%buf4[0, 0, 0, 0][1, 1, 1, 16][0, 0, 16, 1]) {id = 2 : i64, metadata = @e} : memref<40xi32>
// CHECK-NEXT:   aiex.npu.dma_memcpy_nd(%buf1[0, 0, 0, 0][1, 1, 1, 16][0, 0, 16, 1]) {id = 3 : i64, issue_token = true, metadata = @b} : memref<16xi32>
// CHECK-NEXT:   aiex.npu.dma_memcpy_nd(%buf3[0, 0, 0, 0][1, 1, 1, 32][0, 0, 32, 1]) {id = 4 : i64, issue_token = true, metadata = @d} : memref<32xi16>
// CHECK-NEXT:   aiex.npu.dma_memcpy_nd(%buf4[0, 0, 0, 18][1, 1, 4, 2][0, 0, 4, 1]) {id = 5 : i64, issue_token = true, metadata = @f} : memref<40xi32>
// CHECK-NEXT:   aiex.npu.dma_memcpy_nd(%buf4[0, 0, 0, 32][1, 1, 1, 8][0, 0, 8, 1]) {id = 6 : i64, issue_token = true, metadata = @g} : memref<40xi32>
// CHECK:      } attributes {dato.packed_buffers = [[0 : i64, 0 : i64], [1 : i64, 0 : i64], [2 : i64, 0 : i64], [3 : i64, 0 : i64], [4 : i64, 0 : i64, 5 : i64, 16 : i64, 6 : i64, 32 : i64]]}

// -----

// Five arrays fit the five buffers: nothing changes.

aie.device(npu1) {
  %shim = aie.tile(0, 0)
  %core = aie.tile(0, 2)
  aie.objectfifo @a(%shim, {%core}, 1 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.runtime_sequence(%A: memref<16xi32>, %B: memref<16xi32>, %C: memref<16xi32>, %D: memref<16xi32>, %E: memref<16xi32>) {
    aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 0][1, 1, 1, 16][0, 0, 16, 1]) {id = 0 : i64, metadata = @a} : memref<16xi32>
  }
}

// CHECK:     aie.runtime_sequence(%A: memref<16xi32>, %B: memref<16xi32>, %C: memref<16xi32>, %D: memref<16xi32>, %E: memref<16xi32>) {
// CHECK-NOT: dato.packed_buffers
