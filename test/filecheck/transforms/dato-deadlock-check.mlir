// RUN: dato-opt %s -p "dato-virtual-map,dato-deadlock-check{min-depths=true set-depths=true}" --split-input-file --verify-diagnostics | filecheck %s

// The producer sends 4 on @a before 1 on @b; the consumer takes @b first, so
// @a must hold all 4: the declared depth 2 deadlocks, the pass finds 4, and
// @b needs only 1.
dato.region @reorder() {
  dato.stream @a : !dato.stream<i32, 2>
  dato.stream @b : !dato.stream<i32, 3>
  dato.task @p grid [1] () {
    %c0 = arith.constant 0 : index
    %c4 = arith.constant 4 : index
    %c1 = arith.constant 1 : index
    %v = arith.constant 1 : i32
    scf.for %i = %c0 to %c4 step %c1 {
      dato.put @a, %v : i32
    }
    dato.put @b, %v : i32
  }
  dato.task @c grid [1] () {
    %c0 = arith.constant 0 : index
    %c4 = arith.constant 4 : index
    %c1 = arith.constant 1 : index
    %w = dato.get @b : i32
    scf.for %i = %c0 to %c4 step %c1 {
      %v = dato.get @a : i32
    }
  }
}
// CHECK:      dato.stream @a : !dato.stream<i32, 4> {dato.min_depth = 4 : i64}
// CHECK-NEXT: dato.stream @b : !dato.stream<i32, 1> {dato.min_depth = 1 : i64}

// -----

// Each side waits for the other first: no depth helps.
dato.region @cycle() {
  dato.stream @ping : !dato.stream<i32, 2>
  dato.stream @pong : !dato.stream<i32, 2>
  dato.task @left grid [1] () {
    %x = dato.get @pong : i32
    dato.put @ping, %x : i32
  }
  dato.task @right grid [1] () {
    %y = dato.get @ping : i32
    dato.put @pong, %y : i32
  }
}
// CHECK:      error: 'dato.region' op deadlock: every live instance is blocked
// CHECK-NEXT:   left_0 waits to get from @pong (empty) at {{.*}}dato-deadlock-check.mlir:39:5
// CHECK-NEXT:   right_0 waits to get from @ping (empty) at {{.*}}dato-deadlock-check.mlir:43:5
// CHECK-NEXT: no stream depth avoids it: an instance waits on a stream that is never filled

// -----

// A runtime condition around a stream op: the sequence is not static.
dato.region @dynamic(%A : memref<4xi32>) {
  dato.stream @s : !dato.stream<i32, 2>
  dato.task @p grid [1] (%A : memref<4xi32> [R]) {
  ^bb0(%a : memref<4xi32>):
    %c0 = arith.constant 0 : index
    %v = memref.load %a[%c0] : memref<4xi32>
    %z = arith.constant 0 : i32
    %pos = arith.cmpi sgt, %v, %z : i32
    scf.if %pos {
      dato.put @s, %v : i32
      scf.yield
    }
  }
  dato.task @c grid [1] () {
    %w = dato.get @s : i32
  }
}
// CHECK: error: 'dato.region' op cannot replay its streams statically: {{.*}}dato-deadlock-check.mlir:63:5: stream operations under a runtime scf.if

// -----

// Compile time follows the structure, not the trip counts: 2^63-1 elements
// through a stream of depth 2 replay in a few rounds (repeated rounds are
// skipped), and depth 1 is enough.
dato.region @long(%A : memref<4xi32>) {
  dato.stream @s : !dato.stream<i32, 2>
  dato.group @p of @p grid [1] (%A : memref<4xi32>) ports [] instances [
    @p_0 pid [0] offsets [[0]] streams []
  ] {
  ^bb0(%a : memref<4xi32>):
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %n = arith.constant 9223372036854775807 : index
    scf.for %i = %c0 to %n step %c1 {
      %v = memref.load %a[%c0] : memref<4xi32>
      dato.put @s, %v : i32
    }
  }
  dato.group @q of @q grid [1] (%A : memref<4xi32>) ports [] instances [
    @q_0 pid [0] offsets [[0]] streams []
  ] {
  ^bb0(%a : memref<4xi32>):
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %n = arith.constant 9223372036854775807 : index
    scf.for %i = %c0 to %n step %c1 {
      %v = dato.get @s : i32
      memref.store %v, %a[%c0] : memref<4xi32>
    }
  }
}
// CHECK:      dato.region @long
// CHECK-NEXT:   dato.stream @s : !dato.stream<i32, 1> {dato.min_depth = 1 : i64}

// -----

// One instance feeding itself 2^62 times (put, get) and a consumer that takes
// one element more than is ever put: the replay reaches the deadlock.
dato.region @starved(%A : memref<4xi32>) {
  dato.stream @self : !dato.stream<i32, 1>
  dato.stream @t : !dato.stream<i32, 1>
  dato.group @p of @p grid [1] (%A : memref<4xi32>) ports [] instances [
    @p_0 pid [0] offsets [[0]] streams []
  ] {
  ^bb0(%a : memref<4xi32>):
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %n = arith.constant 4611686018427387904 : index
    scf.for %i = %c0 to %n step %c1 {
      %v = memref.load %a[%c0] : memref<4xi32>
      dato.put @self, %v : i32
      %w = dato.get @self : i32
      dato.put @t, %w : i32
    }
  }
  dato.group @q of @q grid [1] (%A : memref<4xi32>) ports [] instances [
    @q_0 pid [0] offsets [[0]] streams []
  ] {
  ^bb0(%a : memref<4xi32>):
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %n = arith.constant 4611686018427387905 : index
    scf.for %i = %c0 to %n step %c1 {
      %v = dato.get @t : i32
      memref.store %v, %a[%c0] : memref<4xi32>
    }
  }
}
// CHECK: error: 'dato.region' op deadlock: every live instance is blocked
// CHECK-NEXT: q_0 waits to get from @t (empty) at {{.*}}dato-deadlock-check.mlir:[[# @LINE - 6]]:
