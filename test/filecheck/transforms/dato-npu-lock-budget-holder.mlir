// RUN: dato-opt %s --split-input-file --verify-diagnostics -p dato-npu-lock-budget | filecheck %s

// A fifo between compute tiles sharing memory takes one lock pair, on the tile
// holding its buffers (devices.fifo_holder): the producer's when the
// consumer's core reaches it, else the consumer's. (1, 2) is east of (0, 2);
// an AIE-ML core reaches the memory west of it, not east, so the fifos (1, 2)
// produces into (0, 2) are held by (0, 2), the consumer. Six of them (12
// locks) and two fifos to the shim (4 locks) are 16 on (0, 2): at the limit,
// the design is kept.

// CHECK:      aie.device(npu1) {
// CHECK:        aie.objectfifo @e5
// CHECK:        aie.core(%core)

aie.device(npu1) {
  %shim = aie.tile(0, 0)
  %core = aie.tile(0, 2)
  %east = aie.tile(1, 2)
  aie.objectfifo @e0(%east, {%core}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @e1(%east, {%core}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @e2(%east, {%core}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @e3(%east, {%core}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @e4(%east, {%core}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @e5(%east, {%core}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @in(%shim, {%core}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @out(%core, {%shim}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  %c = aie.core(%core) {
    aie.end
  }
  %e = aie.core(%east) {
    aie.end
  }
}

// -----

// One pair past it: a seventh fifo from the east neighbour makes 18 locks on
// the consumer's tile (0, 2); the producer's tile (1, 2) holds none of them.

// CHECK: error: 'aie.core' op tile (0, 2) needs 18 locks, a compute tile of npu1 has 16 (2 per objectfifo end holding buffers: @e0, @e1, @e2, @e3, @e4, @e5, @e6, @in, @out)

aie.device(npu1) {
  %shim = aie.tile(0, 0)
  %core = aie.tile(0, 2)
  %east = aie.tile(1, 2)
  aie.objectfifo @e0(%east, {%core}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @e1(%east, {%core}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @e2(%east, {%core}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @e3(%east, {%core}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @e4(%east, {%core}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @e5(%east, {%core}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @e6(%east, {%core}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @in(%shim, {%core}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @out(%core, {%shim}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  %c = aie.core(%core) {
    aie.end
  }
  %e = aie.core(%east) {
    aie.end
  }
}
