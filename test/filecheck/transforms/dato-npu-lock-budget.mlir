// RUN: dato-opt %s --split-input-file --verify-diagnostics -p dato-npu-lock-budget | filecheck %s

// Tile (0, 2) shares memory with its north neighbour (0, 3): the fifo between
// them takes one lock pair, on the producer. Six neighbour fifos (12 locks) and
// two fifos to the shim (4 locks) are 16: at the limit, the design is kept.

// CHECK:      aie.device(npu1) {
// CHECK:        aie.objectfifo @n5
// CHECK:        aie.core(%core)

aie.device(npu1) {
  %shim = aie.tile(0, 0)
  %core = aie.tile(0, 2)
  %north = aie.tile(0, 3)
  aie.objectfifo @n0(%core, {%north}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @n1(%core, {%north}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @n2(%core, {%north}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @n3(%core, {%north}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @n4(%core, {%north}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @n5(%core, {%north}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @in(%shim, {%core}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @out(%core, {%shim}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  %c = aie.core(%core) {
    aie.end
  }
}

// -----

// One pair past it: a seventh neighbour fifo makes 18 locks on (0, 2); the
// north tile holds none of them (the producer's tile holds the shared set).

// CHECK: error: 'aie.core' op tile (0, 2) needs 18 locks, a compute tile of npu1 has 16 (2 per objectfifo end holding buffers: @n0, @n1, @n2, @n3, @n4, @n5, @n6, @in, @out)

aie.device(npu1) {
  %shim = aie.tile(0, 0)
  %core = aie.tile(0, 2)
  %north = aie.tile(0, 3)
  aie.objectfifo @n0(%core, {%north}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @n1(%core, {%north}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @n2(%core, {%north}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @n3(%core, {%north}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @n4(%core, {%north}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @n5(%core, {%north}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @n6(%core, {%north}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @in(%shim, {%core}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @out(%core, {%shim}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  %c = aie.core(%core) {
    aie.end
  }
}
