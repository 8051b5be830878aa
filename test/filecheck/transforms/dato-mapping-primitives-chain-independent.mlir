// RUN: dato-opt %s --split-input-file -p 'dato-virtual-map,dato-mapping-primitives{chain="a_0,b_0"}' --verify-diagnostics | filecheck %s

// a_0 and b_0 share no stream: as in Allo, the chain runs a_0 and then b_0 on
// one core (nothing of b_0 reaches a_0, so a_0 never waits for it).
dato.region @independent(%A: memref<4xi32>, %B: memref<4xi32>) {
  dato.task @a grid [1] (%A : memref<4xi32> [R]) {
  ^bb0(%x: memref<4xi32>):
    %c = arith.constant 1 : i32
    linalg.fill ins(%c : i32) outs(%x : memref<4xi32>)
  }
  dato.task @b grid [1] (%B : memref<4xi32> [R]) {
  ^bb0(%y: memref<4xi32>):
    %c = arith.constant 2 : i32
    linalg.fill ins(%c : i32) outs(%y : memref<4xi32>)
  }
}
// CHECK: dato.chain [@a_0, @b_0]

// -----

// b_0 feeds a_0 through c_0: run first, a_0 would wait for b_0 forever.
dato.region @backwards() {
  dato.stream @s1 : !dato.stream<i32, 2>
  dato.stream @s2 : !dato.stream<i32, 2>
  dato.task @a grid [1] () {
    %x = dato.get @s2 : i32
  }
  dato.task @b grid [1] () {
    %v = arith.constant 1 : i32
    dato.put @s1, %v : i32
  }
  dato.task @c grid [1] () {
    %y = dato.get @s1 : i32
    dato.put @s2, %y : i32
  }
}
// CHECK: error: 'dato.chain' op chain of a_0 and b_0: no stream goes from a_0 to b_0 and b_0 feeds a_0, so running a_0 first it would wait for b_0
