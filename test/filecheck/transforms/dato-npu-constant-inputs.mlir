// RUN: dato-opt %s --split-input-file -p 'dato-npu-constant-inputs{budget=64}' | filecheck %s

// budget=64: a table of more than 64 bytes is supplied by the host (by
// default the budget is the compute tile's data memory less the stack).

// Case 1: a 4x8 i32 table (128 bytes) only loaded from, row k in iteration k
// of the top-level loop: it becomes the
// region's last argument %T (its values recorded on the module, its index on
// the region), bound to the group at offset [0, 0] in both instances; the
// body reads the new argument, the allocation and its fill go.
// CHECK:       builtin.module attributes {dato.constant_values = {{\[}}[2 : i64, dense<{{\[}}[0, 1, 2, 3, 4, 5, 6, 7], [8, 9, 10, 11, 12, 13, 14, 15], [16, 17, 18, 19, 20, 21, 22, 23], [24, 25, 26, 27, 28, 29, 30, 31]]> : tensor<4x8xi32>]]}
// CHECK-LABEL: dato.region @big(%X: memref<2x4xi32>, %Y: memref<2x8xi32>, %T: memref<4x8xi32>) attributes {dato.constant_args = array<i64: 2>}
// CHECK:         dato.group @t of @t grid [2] (%X : memref<2x4xi32>, %Y : memref<2x8xi32>, %T : memref<4x8xi32>) ports [] instances [
// CHECK-NEXT:      @t_0 pid [0] offsets [[0, 0], [0, 0], [0, 0]] streams [],
// CHECK-NEXT:      @t_1 pid [1] offsets [[1, 0], [1, 0], [0, 0]] streams []
// CHECK-NEXT:    ] {
// CHECK-NEXT:    ^{{.*}}(%x: memref<1x4xi32>, %y: memref<1x8xi32>, %T_1: memref<4x8xi32>):
// CHECK-NOT:       memref.alloc
// CHECK-NOT:       memref.store %{{.*}}, %T
// CHECK:         scf.for %[[K:.*]] = {{.*}} {
// CHECK:             scf.for %[[J:.*]] = {{.*}} {
// CHECK-NEXT:          %{{.*}} = memref.load %T_1[%[[K]], %[[J]]] : memref<4x8xi32>

builtin.module {
  dato.region @big(%X: memref<2x4xi32>, %Y: memref<2x8xi32>) {
    dato.group @t of @t grid [2] (%X : memref<2x4xi32>, %Y : memref<2x8xi32>) ports [] instances [
      @t_0 pid [0] offsets [[0, 0], [0, 0]] streams [],
      @t_1 pid [1] offsets [[1, 0], [1, 0]] streams []
    ] {
    ^bb0(%x: memref<1x4xi32>, %y: memref<1x8xi32>):
      %T = memref.alloc() {dato.constant = dense<[[0, 1, 2, 3, 4, 5, 6, 7], [8, 9, 10, 11, 12, 13, 14, 15], [16, 17, 18, 19, 20, 21, 22, 23], [24, 25, 26, 27, 28, 29, 30, 31]]> : tensor<4x8xi32>} : memref<4x8xi32>
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      %c8 = arith.constant 8 : index
      %v = arith.constant 9 : i32
      memref.store %v, %T[%c0, %c1] : memref<4x8xi32>
      scf.for %k = %c0 to %c4 step %c1 {
        %a = memref.load %x[%c0, %k] : memref<1x4xi32>
        scf.for %j = %c0 to %c8 step %c1 {
          %w = memref.load %T[%k, %j] : memref<4x8xi32>
          %p = arith.muli %a, %w : i32
          %s = memref.load %y[%c0, %j] : memref<1x8xi32>
          %n = arith.addi %s, %p : i32
          memref.store %n, %y[%c0, %j] : memref<1x8xi32>
        }
      }
    }
  }
}

// -----

// Case 2: a 2x2 i32 table (16 bytes) stays in the tile: no record.
// CHECK-LABEL: dato.region @small(%Y: memref<2x2xi32>) {
// CHECK:         %W = memref.alloc() {dato.constant = dense<{{\[}}[1, 2], [3, 4]]> : tensor<2x2xi32>} : memref<2x2xi32>
// CHECK-NEXT:    "memref.copy"(%W, %y)

builtin.module {
  dato.region @small(%Y: memref<2x2xi32>) {
    dato.group @t of @t grid [1] (%Y : memref<2x2xi32>) ports [] instances [
      @t_0 pid [0] offsets [[0, 0]] streams []
    ] {
    ^bb0(%y: memref<2x2xi32>):
      %W = memref.alloc() {dato.constant = dense<[[1, 2], [3, 4]]> : tensor<2x2xi32>} : memref<2x2xi32>
      "memref.copy"(%W, %y) : (memref<2x2xi32>, memref<2x2xi32>) -> ()
    }
  }
}

// -----

// Case 3: a big table copied into a local the task then writes (a variable
// the table only initialises: dato-table-copy-elision keeps the copy): the
// table goes to the host, the local stays, copied from the new argument.
// CHECK:       builtin.module attributes {dato.constant_values = {{\[}}[1 : i64, dense<5> : tensor<4x8xi32>]]}
// CHECK-LABEL: dato.region @written(%Y: memref<2x2xi32>, %B: memref<4x8xi32>) attributes {dato.constant_args = array<i64: 1>}
// CHECK:         ^{{.*}}(%y: memref<2x2xi32>, %B_1: memref<4x8xi32>):
// CHECK-NEXT:      %L = memref.alloc() : memref<4x8xi32>
// CHECK-NEXT:      "memref.copy"(%B_1, %L)
// CHECK:           memref.store %{{.*}}, %L[%{{.*}}, %{{.*}}] : memref<4x8xi32>

builtin.module {
  dato.region @written(%Y: memref<2x2xi32>) {
    dato.group @t of @t grid [1] (%Y : memref<2x2xi32>) ports [] instances [
      @t_0 pid [0] offsets [[0, 0]] streams []
    ] {
    ^bb0(%y: memref<2x2xi32>):
      %B = memref.alloc() {dato.constant = dense<5> : tensor<4x8xi32>} : memref<4x8xi32>
      %L = memref.alloc() : memref<4x8xi32>
      "memref.copy"(%B, %L) : (memref<4x8xi32>, memref<4x8xi32>) -> ()
      %c0 = arith.constant 0 : index
      %v = arith.constant 7 : i32
      memref.store %v, %L[%c0, %c0] : memref<4x8xi32>
      %r = memref.load %L[%c0, %c0] : memref<4x8xi32>
      memref.store %r, %y[%c0, %c0] : memref<2x2xi32>
    }
  }
}

// -----

// Case 4: a 3x6 i32 table (72 bytes) read column after column (column j in iteration j of
// the top-level loop, `for j: for k: T[k, j]`): the host holds its transpose,
// 6x3, which the task reads row after row (the loads swap their indices).
// CHECK:       builtin.module attributes {dato.constant_values = {{\[}}[1 : i64, dense<{{\[}}[1, 7, 13], [2, 8, 14], [3, 9, 15], [4, 10, 16], [5, 11, 17], [6, 12, 18]]> : tensor<6x3xi32>]]}
// CHECK-LABEL: dato.region @columns(%Y: memref<6xi32>, %T: memref<6x3xi32>) attributes {dato.constant_args = array<i64: 1>}
// CHECK:         ^{{.*}}(%y: memref<6xi32>, %T_1: memref<6x3xi32>):
// CHECK:           scf.for %[[J:.*]] = {{.*}} {
// CHECK:             scf.for %[[K:.*]] = {{.*}} {
// CHECK-NEXT:          %{{.*}} = memref.load %T_1[%[[J]], %[[K]]] : memref<6x3xi32>

builtin.module {
  dato.region @columns(%Y: memref<6xi32>) {
    dato.group @t of @t grid [1] (%Y : memref<6xi32>) ports [] instances [
      @t_0 pid [0] offsets [[0]] streams []
    ] {
    ^bb0(%y: memref<6xi32>):
      %T = memref.alloc() {dato.constant = dense<[[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12], [13, 14, 15, 16, 17, 18]]> : tensor<3x6xi32>} : memref<3x6xi32>
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c3 = arith.constant 3 : index
      %c6 = arith.constant 6 : index
      scf.for %j = %c0 to %c6 step %c1 {
        scf.for %k = %c0 to %c3 step %c1 {
          %w = memref.load %T[%k, %j] : memref<3x6xi32>
          %s = memref.load %y[%j] : memref<6xi32>
          %n = arith.addi %s, %w : i32
          memref.store %n, %y[%j] : memref<6xi32>
        }
      }
    }
  }
}

// -----

// Case 5: a 4x18 i8 table (72 bytes): rows of 18 bytes are not whole 32-bit
// words, so the host holds each row zero-padded to 20; the loads are unchanged.
// CHECK:       builtin.module attributes {dato.constant_values = {{\[}}[1 : i64, dense<{{\[}}[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0], [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0], [3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 0], [4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 0, 0]]> : tensor<4x20xi8>]]}
// CHECK-LABEL: dato.region @bytes(%Y: memref<4xi8>, %T: memref<4x20xi8>) attributes {dato.constant_args = array<i64: 1>}
// CHECK:             memref.load %T_1[%{{.*}}, %{{.*}}] : memref<4x20xi8>

builtin.module {
  dato.region @bytes(%Y: memref<4xi8>) {
    dato.group @t of @t grid [1] (%Y : memref<4xi8>) ports [] instances [
      @t_0 pid [0] offsets [[0]] streams []
    ] {
    ^bb0(%y: memref<4xi8>):
      %T = memref.alloc() {dato.constant = dense<[[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2], [3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3], [4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4]]> : tensor<4x18xi8>} : memref<4x18xi8>
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      %c18 = arith.constant 18 : index
      scf.for %k = %c0 to %c4 step %c1 {
        scf.for %j = %c0 to %c18 step %c1 {
          %w = memref.load %T[%k, %j] : memref<4x18xi8>
          %s = memref.load %y[%k] : memref<4xi8>
          %n = arith.addi %s, %w : i8
          memref.store %n, %y[%k] : memref<4xi8>
        }
      }
    }
  }
}

// -----

// Case 6: two tables of 48 and 32 bytes, each within the budget but 80 bytes
// together: the larger goes to the host, then the other fits and stays.
// CHECK:       builtin.module attributes {dato.constant_values = {{\[}}[1 : i64, dense<7> : tensor<3x4xi32>]]}
// CHECK-LABEL: dato.region @pair(%Y: memref<4xi32>, %A: memref<3x4xi32>) attributes {dato.constant_args = array<i64: 1>}
// CHECK:         ^{{.*}}(%y: memref<4xi32>, %A_1: memref<3x4xi32>):
// CHECK-NEXT:      %B = memref.alloc() {dato.constant = dense<9> : tensor<2x4xi32>} : memref<2x4xi32>

builtin.module {
  dato.region @pair(%Y: memref<4xi32>) {
    dato.group @t of @t grid [1] (%Y : memref<4xi32>) ports [] instances [
      @t_0 pid [0] offsets [[0]] streams []
    ] {
    ^bb0(%y: memref<4xi32>):
      %A = memref.alloc() {dato.constant = dense<7> : tensor<3x4xi32>} : memref<3x4xi32>
      %B = memref.alloc() {dato.constant = dense<9> : tensor<2x4xi32>} : memref<2x4xi32>
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c4 = arith.constant 4 : index
      scf.for %k = %c0 to %c2 step %c1 {
        scf.for %j = %c0 to %c4 step %c1 {
          %a = memref.load %A[%k, %j] : memref<3x4xi32>
          %b = memref.load %B[%k, %j] : memref<2x4xi32>
          %n = arith.addi %a, %b : i32
          memref.store %n, %y[%j] : memref<4xi32>
        }
      }
    }
  }
}
