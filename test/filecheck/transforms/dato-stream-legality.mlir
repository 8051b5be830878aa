// RUN: dato-opt %s -p dato-virtual-map,dato-stream-legality --split-input-file --verify-diagnostics | filecheck %s

// Balanced point-to-point streams pass unchanged.
dato.region @ok(%A : memref<4xi32>) {
  dato.stream @s : !dato.stream<i32, 2>
  dato.task @p grid [1] (%A : memref<4xi32> [R]) {
  ^bb0(%a : memref<4xi32>):
    %c0 = arith.constant 0 : index
    %c4 = arith.constant 4 : index
    %c1 = arith.constant 1 : index
    scf.for %i = %c0 to %c4 step %c1 {
      %v = memref.load %a[%i] : memref<4xi32>
      dato.put @s, %v : i32
    }
  }
  dato.task @c grid [1] (%A : memref<4xi32> [R]) {
  ^bb0(%a : memref<4xi32>):
    %c0 = arith.constant 0 : index
    %c2 = arith.constant 2 : index
    %c1 = arith.constant 1 : index
    scf.for %i = %c0 to %c2 step %c1 {
      %v = dato.get @s : i32
      %w = dato.get @s : i32
    }
  }
}
// CHECK:      dato.region @ok
// CHECK:        dato.group @p of @p

// -----

// Counts differ: 4 put, 5 got (more put than got is a warning: dato-stream-legality-leftover).
dato.region @counts() {
  dato.stream @s : !dato.stream<i32, 2>
  dato.task @p grid [1] () {
    %c0 = arith.constant 0 : index
    %c4 = arith.constant 4 : index
    %c1 = arith.constant 1 : index
    %v = arith.constant 1 : i32
    scf.for %i = %c0 to %c4 step %c1 {
      dato.put @s, %v : i32
    }
  }
  dato.task @c grid [1] () {
    %c0 = arith.constant 0 : index
    %c5 = arith.constant 5 : index
    %c1 = arith.constant 1 : index
    scf.for %i = %c0 to %c5 step %c1 {
      %v = dato.get @s : i32
    }
  }
}
// CHECK: dato-stream-legality.mlir:41:7: error: stream @s: p_0 puts 4 element(s) (/{{.*}}dato-stream-legality.mlir:41:7) but c_0 gets 5 (/{{.*}}dato-stream-legality.mlir:49:7)

// -----

// Two producers on one stream, and a stream that is put but never got.
dato.region @fanin() {
  dato.stream @s : !dato.stream<i32, 2>
  dato.stream @dangling : !dato.stream<i32, 2>
  dato.task @p grid [2] () {
    %v = arith.constant 1 : i32
    dato.put @s, %v : i32
    dato.put @dangling, %v : i32
  }
  dato.task @c grid [1] () {
    %a = dato.get @s : i32
    %b = dato.get @s : i32
  }
}
// CHECK: error: stream @s has 2 producers (p_0, p_1; {{.*}}); a stream connects one producer to one consumer
// CHECK-NEXT: error: stream @dangling is put by p_0, p_1 ({{.*}}) but never got: the producer would block forever once it is full

// -----

// Got but never put; two consumers.
dato.region @starved() {
  dato.stream @s : !dato.stream<i32, 2>
  dato.stream @t : !dato.stream<i32, 2>
  dato.task @c grid [1] () {
    %a = dato.get @s : i32
  }
  dato.task @p grid [1] () {
    %v = arith.constant 1 : i32
    dato.put @t, %v : i32
    dato.put @t, %v : i32
  }
  dato.task @d grid [2] () {
    %a = dato.get @t : i32
  }
}
// CHECK: error: stream @s is got by c_0 ({{.*}}) but never put: the consumer would wait forever
// CHECK-NEXT: error: stream @t has 2 consumers (d_0, d_1; {{.*}}); a stream connects one producer to one consumer
