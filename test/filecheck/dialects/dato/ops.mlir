// RUN: %roundtrip | filecheck %s
// RUN: %generic-roundtrip | filecheck %s
// RUN: xdsl-opt %s --split-input-file | filecheck %s

// A 2x2 tiled GEMM: A sharded by rows, B by columns, C by both.
dato.region @gemm(%A : memref<64x64xi16>, %B : memref<64x64xi16>, %C : memref<64x64xi16>) {
  dato.task @tile grid [2, 2] (%A : memref<64x64xi16> [S0, R], %B : memref<64x64xi16> [R, S1], %C : memref<64x64xi16> [S0, S1]) {
  ^bb0(%a : memref<32x64xi16>, %b : memref<64x32xi16>, %c : memref<32x32xi16>):
    %i, %j = dato.pid : index, index
  }
}

// CHECK:      dato.region @gemm(%A: memref<64x64xi16>, %B: memref<64x64xi16>, %C: memref<64x64xi16>) {
// CHECK-NEXT:   dato.task @tile grid [2, 2] (%A : memref<64x64xi16> [S0, R], %B : memref<64x64xi16> [R, S1], %C : memref<64x64xi16> [S0, S1]) {
// CHECK-NEXT:   ^bb0(%a: memref<32x64xi16>, %b: memref<64x32xi16>, %c: memref<32x32xi16>):
// CHECK-NEXT:     %i, %j = dato.pid : index, index
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// Producer/consumer over a scalar stream with a packing factor.
dato.region @pc(%A : memref<16xi32>, %B : memref<16xi32>) {
  dato.stream @pipe : !dato.stream<i32, 4, 2>
  dato.task @producer grid [1] (%A : memref<16xi32> [R]) {
  ^bb0(%a : memref<16xi32>):
    %c0 = arith.constant 0 : index
    %v = memref.load %a[%c0] : memref<16xi32>
    dato.put @pipe, %v : i32
  }
  dato.task @consumer grid [1] (%B : memref<16xi32>) {
  ^bb0(%b : memref<16xi32>):
    %c0 = arith.constant 0 : index
    %v = dato.get @pipe : i32
    memref.store %v, %b[%c0] : memref<16xi32>
  }
}

// CHECK:      dato.region @pc(%A: memref<16xi32>, %B: memref<16xi32>) {
// CHECK-NEXT:   dato.stream @pipe : !dato.stream<i32, 4, 2>
// CHECK-NEXT:   dato.task @producer grid [1] (%A : memref<16xi32> [R]) {
// CHECK:          dato.put @pipe, %v : i32
// CHECK:        dato.task @consumer grid [1] (%B : memref<16xi32> [R]) {
// CHECK:          %v = dato.get @pipe : i32

// -----

// An array of block streams indexed by pids; tasks without bound arguments.
dato.region @ring() {
  dato.stream @fifo [4] : !dato.stream<memref<4x4xbf16>, 2>
  dato.task @node grid [4] () attributes {dato.source = "ring.py:12"} {
    %p = dato.pid : index
    %blk = memref.alloc() : memref<4x4xbf16>
    dato.put @fifo[%p], %blk : memref<4x4xbf16>
    %got = dato.get @fifo[%p] : memref<4x4xbf16>
  }
}

// CHECK:      dato.region @ring() {
// CHECK-NEXT:   dato.stream @fifo [4] : !dato.stream<memref<4x4xbf16>, 2>
// CHECK-NEXT:   dato.task @node grid [4] () attributes {dato.source = "ring.py:12"} {
// CHECK-NEXT:     %p = dato.pid : index
// CHECK:          dato.put @fifo[%p], %blk : memref<4x4xbf16>
// CHECK-NEXT:     %got = dato.get @fifo[%p] : memref<4x4xbf16>
