// RUN: dato-opt %s --split-input-file -p dato-table-copy-elision | filecheck %s

// Case 1: a local filled from a constant table at the top of the body and
// then only loaded from: the loads read the table, local and copy go.
// CHECK-LABEL: dato.region @weights
// CHECK:         %W = memref.alloc() {dato.constant = dense<{{\[}}[1, 2], [3, 4]]> : tensor<2x2xi32>} : memref<2x2xi32>
// CHECK-NOT:     memref.copy
// CHECK:         %{{.*}} = memref.load %W[%{{.*}}, %{{.*}}] : memref<2x2xi32>
// CHECK-NOT:     memref.alloc() : memref<2x2xi32>

dato.region @weights(%C: memref<2x2xi32>) {
  dato.group @t of @t grid [1] (%C : memref<2x2xi32>) ports [] instances [
    @t_0 pid [0] offsets [[0, 0]] streams []
  ] {
  ^bb0(%c: memref<2x2xi32>):
    %0 = memref.alloc() {dato.constant = dense<[[1, 2], [3, 4]]> : tensor<2x2xi32>} : memref<2x2xi32>
    %W = memref.alloc() : memref<2x2xi32>
    "memref.copy"(%0, %W) : (memref<2x2xi32>, memref<2x2xi32>) -> ()
    %1 = arith.constant 0 : index
    %2 = arith.constant 2 : index
    %3 = arith.constant 1 : index
    scf.for %i = %1 to %2 step %3 {
      scf.for %j = %1 to %2 step %3 {
        %4 = memref.load %W[%j, %i] : memref<2x2xi32>
        memref.store %4, %c[%i, %j] : memref<2x2xi32>
      }
    }
  }
}

// -----

// Case 2: the local is written after the copy (it is a variable the table
// only initialises): kept.
// CHECK-LABEL: dato.region @written
// CHECK:         %W = memref.alloc() : memref<2x2xi32>
// CHECK-NEXT:    "memref.copy"(%0, %W)

dato.region @written(%C: memref<2x2xi32>) {
  dato.group @t of @t grid [1] (%C : memref<2x2xi32>) ports [] instances [
    @t_0 pid [0] offsets [[0, 0]] streams []
  ] {
  ^bb0(%c: memref<2x2xi32>):
    %0 = memref.alloc() {dato.constant = dense<[[1, 2], [3, 4]]> : tensor<2x2xi32>} : memref<2x2xi32>
    %W = memref.alloc() : memref<2x2xi32>
    "memref.copy"(%0, %W) : (memref<2x2xi32>, memref<2x2xi32>) -> ()
    %1 = arith.constant 0 : index
    %2 = arith.constant 7 : i32
    memref.store %2, %W[%1, %1] : memref<2x2xi32>
    "memref.copy"(%W, %c) : (memref<2x2xi32>, memref<2x2xi32>) -> ()
  }
}

// -----

// Case 3: the copy runs inside a loop (or after a read of the local): kept,
// the reads before it would see other values.
// CHECK-LABEL: dato.region @late
// CHECK:         %W = memref.alloc() : memref<2x2xi32>
// CHECK:         "memref.copy"(%0, %W)

dato.region @late(%C: memref<2x2xi32>) {
  dato.group @t of @t grid [1] (%C : memref<2x2xi32>) ports [] instances [
    @t_0 pid [0] offsets [[0, 0]] streams []
  ] {
  ^bb0(%c: memref<2x2xi32>):
    %0 = memref.alloc() {dato.constant = dense<[[1, 2], [3, 4]]> : tensor<2x2xi32>} : memref<2x2xi32>
    %W = memref.alloc() : memref<2x2xi32>
    "memref.copy"(%W, %c) : (memref<2x2xi32>, memref<2x2xi32>) -> ()
    "memref.copy"(%0, %W) : (memref<2x2xi32>, memref<2x2xi32>) -> ()
  }
}
