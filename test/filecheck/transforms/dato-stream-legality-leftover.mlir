// RUN: dato-opt %s -p dato-virtual-map,dato-stream-legality 2>&1 | filecheck %s

// More put than got: Allo runs such programs (its Cannon GEMM leaves a block in
// each pipe), so the pass warns, naming the stream and the count, and the
// module passes on. 4 put, 3 got: 1 left.
dato.region @leftover() {
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
    %c3 = arith.constant 3 : index
    %c1 = arith.constant 1 : index
    scf.for %i = %c0 to %c3 step %c1 {
      %v = dato.get @s : i32
    }
  }
}
// CHECK: dato-stream-legality-leftover.mlir:14:7: warning: stream @s ends holding 1 element(s): p_0 puts 4 (/{{.*}}leftover.mlir:14:7) but c_0 gets 3 (/{{.*}}leftover.mlir:22:7); the leftovers are dropped
// CHECK: dato.region @leftover
// CHECK:   dato.group @p of @p
// CHECK:   dato.group @c of @c
