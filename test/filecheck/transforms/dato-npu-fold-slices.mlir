// RUN: dato-opt %s --split-input-file -p 'dato-npu-fold-slices{device=npu1}' | filecheck %s

// Case 1: each node of a 2x2 grid copies its pid's 8x8 block of a replicated
// 16x16 A (`a[i * 8 : (i + 1) * 8, j * 8 : (j + 1) * 8]`): the view's offset
// depends on the pid, so the copy becomes a loop nest loading A at the view's
// offset plus the loop variables (read-boxes can then bound the box).
// CHECK-LABEL: dato.region @top
// CHECK:       %pi, %pj = dato.pid : index, index
// CHECK:       %[[R:.*]] = arith.muli %pi, %{{.*}} : index
// CHECK:       %[[C:.*]] = arith.muli %pj, %{{.*}} : index
// CHECK-NOT:   memref.subview
// CHECK:       scf.for %[[X:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT:    scf.for %[[Y:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT:      %[[AR:.*]] = arith.addi %[[R]], %[[X]] : index
// CHECK-NEXT:      %[[AC:.*]] = arith.addi %[[C]], %[[Y]] : index
// CHECK-NEXT:      %[[V:.*]] = memref.load %a[%[[AR]], %[[AC]]] : memref<16x16xi32>
// CHECK-NEXT:      memref.store %[[V]], %blk[%[[X]], %[[Y]]] : memref<8x8xi32>
// CHECK:       linalg.add

builtin.module {
  dato.region @top(%A: memref<16x16xi32>, %C: memref<16x16xi32>) {
    dato.group @node of @node grid [2, 2] (%A : memref<16x16xi32>, %C : memref<16x16xi32>) ports [] instances [
      @node_0_0 pid [0, 0] offsets [[0, 0], [0, 0]] streams [],
      @node_0_1 pid [0, 1] offsets [[0, 0], [0, 8]] streams [],
      @node_1_0 pid [1, 0] offsets [[0, 0], [8, 0]] streams [],
      @node_1_1 pid [1, 1] offsets [[0, 0], [8, 8]] streams []
    ] {
    ^bb0(%a: memref<16x16xi32>, %c: memref<8x8xi32>):
      %pi, %pj = dato.pid : index, index
      %blk = memref.alloc() : memref<8x8xi32>
      %0 = arith.constant 0 : i32
      linalg.fill ins(%0 : i32) outs(%blk : memref<8x8xi32>)
      %1 = arith.constant 8 : index
      %2 = arith.muli %pi, %1 : index
      %3 = arith.muli %pj, %1 : index
      %4 = memref.subview %a[%2, %3] [8, 8] [1, 1] : memref<16x16xi32> to memref<8x8xi32, strided<[16, 1], offset: ?>>
      "memref.copy"(%4, %blk) : (memref<8x8xi32, strided<[16, 1], offset: ?>>, memref<8x8xi32>) -> ()
      %5 = memref.alloc() : memref<8x8xi32>
      linalg.add ins(%blk, %blk : memref<8x8xi32>, memref<8x8xi32>) outs(%5 : memref<8x8xi32>)
      "memref.copy"(%5, %c) : (memref<8x8xi32>, memref<8x8xi32>) -> ()
    }
  }
}

// -----

// Case 2: a row loop reading `x[r, :]` through a rank-reduced view, in a
// task that fits its tile, and a view at a fixed offset: neither pays, both
// stay views.
// CHECK-LABEL: dato.region @rows
// CHECK:       memref.subview %x[%r, 0] [1, 8] [1, 1]
// CHECK:       memref.load %{{.*}}[%{{.*}}] : memref<8xi32, strided<[1], offset: ?>>

builtin.module {
  dato.region @rows(%X: memref<4x8xi32>, %Y: memref<4xi32>) {
    dato.group @sum of @sum grid [1] (%X : memref<4x8xi32>, %Y : memref<4xi32>) ports [] instances [
      @sum_0 pid [0] offsets [[0, 0], [0]] streams []
    ] {
    ^bb0(%x: memref<4x8xi32>, %y: memref<4xi32>):
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      %c8 = arith.constant 8 : index
      scf.for %r = %c0 to %c4 step %c1 {
        %v = memref.subview %x[%r, 0] [1, 8] [1, 1] : memref<4x8xi32> to memref<8xi32, strided<[1], offset: ?>>
        %e = memref.load %v[%c0] : memref<8xi32, strided<[1], offset: ?>>
        memref.store %e, %y[%r] : memref<4xi32>
      }
    }
  }
}

// -----

// Case 3: the same row loop under a budget of 0 bytes (the task does not
// fit): the load through the rank-reduced view reads x at the row and the
// column, and a loop over r then walks x's rows (dato-npu-stream-reads).
// RUN: dato-opt %s --split-input-file -p 'dato-npu-fold-slices{budget=0}' | filecheck %s --check-prefix=OVER
// OVER-LABEL: dato.region @rows
// OVER:       scf.for %[[R:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// OVER-NOT:     memref.subview
// OVER-NEXT:    %[[E:.*]] = memref.load %x[%[[R]], %c0] : memref<4x8xi32>
// OVER-NEXT:    memref.store %[[E]], %y[%[[R]]] : memref<4xi32>

builtin.module {
  dato.region @rows(%X: memref<4x8xi32>, %Y: memref<4xi32>) {
    dato.group @sum of @sum grid [1] (%X : memref<4x8xi32>, %Y : memref<4xi32>) ports [] instances [
      @sum_0 pid [0] offsets [[0, 0], [0]] streams []
    ] {
    ^bb0(%x: memref<4x8xi32>, %y: memref<4xi32>):
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      scf.for %r = %c0 to %c4 step %c1 {
        %v = memref.subview %x[%r, 0] [1, 8] [1, 1] : memref<4x8xi32> to memref<8xi32, strided<[1], offset: ?>>
        %e = memref.load %v[%c0] : memref<8xi32, strided<[1], offset: ?>>
        memref.store %e, %y[%r] : memref<4xi32>
      }
    }
  }
}
