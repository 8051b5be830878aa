// RUN: dato-opt %s --split-input-file -p 'dato-npu-elide-loaders{always=true}' | filecheck %s

// always=true: these designs fit the cores (by default loaders are elided
// only when a design has more instances than compute cores).

// Case 1: lanes: src_p only puts its row block of A on rows_p, which wk_p
// gets once. The loaders and their streams go; wk takes A's row blocks (the
// loaders' offsets, per instance) as a new argument, its port is gone, and
// what it got is read from the new argument: the local `blk` it was copied
// into whole and then only read reads the block itself.
// CHECK-LABEL: dato.region @top
// CHECK-NOT:   dato.stream
// CHECK-NOT:   dato.group @src
// CHECK:       dato.group @wk of @wk grid [2] (%B : memref<8x8xi32>, %A : memref<8x8xi32>) ports [] instances [
// CHECK-NEXT:    @wk_0 pid [0] offsets {{\[}}[0, 0], [0, 0]] streams [],
// CHECK-NEXT:    @wk_1 pid [1] offsets {{\[}}[4, 0], [4, 0]] streams []
// CHECK-NEXT:  ] attributes {dato.elided_loaders = ["src"]} {
// CHECK-NEXT:  ^bb0(%b: memref<4x8xi32>, %a: memref<4x8xi32>):
// CHECK-NOT:     memref.alloc
// CHECK-NOT:     memref.copy
// CHECK:         memref.load %a[%{{.*}}, %{{.*}}] : memref<4x8xi32>
// CHECK-NOT:     dato.get

dato.region @top(%A: memref<8x8xi32>, %B: memref<8x8xi32>) {
  dato.stream @rows_0 : !dato.stream<memref<4x8xi32>, 2>
  dato.stream @rows_1 : !dato.stream<memref<4x8xi32>, 2>
  dato.group @src of @src grid [2] (%A : memref<8x8xi32>) ports [@rows_out] instances [
    @src_0 pid [0] offsets [[0, 0]] streams [@rows_0],
    @src_1 pid [1] offsets [[4, 0]] streams [@rows_1]
  ] {
  ^bb0(%a: memref<4x8xi32>):
    dato.put @rows_out, %a : memref<4x8xi32>
  }
  dato.group @wk of @wk grid [2] (%B : memref<8x8xi32>) ports [@rows_in] instances [
    @wk_0 pid [0] offsets [[0, 0]] streams [@rows_0],
    @wk_1 pid [1] offsets [[4, 0]] streams [@rows_1]
  ] {
  ^bb0(%b: memref<4x8xi32>):
    %blk = memref.alloc() : memref<4x8xi32>
    %0 = dato.get @rows_in : memref<4x8xi32>
    "memref.copy"(%0, %blk) : (memref<4x8xi32>, memref<4x8xi32>) -> ()
    %1 = arith.constant 0 : index
    %2 = arith.constant 4 : index
    %3 = arith.constant 1 : index
    scf.for %i = %1 to %2 step %3 {
      %4 = arith.constant 8 : index
      scf.for %j = %1 to %4 step %3 {
        %5 = memref.load %blk[%i, %j] : memref<4x8xi32>
        %6 = arith.constant 2 : i32
        %7 = arith.muli %5, %6 : i32
        memref.store %7, %b[%i, %j] : memref<4x8xi32>
      }
    }
  }
}

// -----

// Case 2: B is written by wk, and its loader forwards B: the block a loader
// read at its start may differ from the one the consumer would read later, so
// nothing is elided.
// CHECK-LABEL: dato.region @top
// CHECK:       dato.stream @rows_0
// CHECK:       dato.group @src of @src grid [2] (%B
// CHECK:       dato.group @wk of @wk grid [2] (%B : memref<8x8xi32>) ports [@rows_in]
// CHECK:         dato.get @rows_in

dato.region @top(%A: memref<8x8xi32>, %B: memref<8x8xi32>) {
  dato.stream @rows_0 : !dato.stream<memref<4x8xi32>, 2>
  dato.stream @rows_1 : !dato.stream<memref<4x8xi32>, 2>
  dato.group @src of @src grid [2] (%B : memref<8x8xi32>) ports [@rows_out] instances [
    @src_0 pid [0] offsets [[0, 0]] streams [@rows_0],
    @src_1 pid [1] offsets [[4, 0]] streams [@rows_1]
  ] {
  ^bb0(%a: memref<4x8xi32>):
    dato.put @rows_out, %a : memref<4x8xi32>
  }
  dato.group @wk of @wk grid [2] (%B : memref<8x8xi32>) ports [@rows_in] instances [
    @wk_0 pid [0] offsets [[0, 0]] streams [@rows_0],
    @wk_1 pid [1] offsets [[4, 0]] streams [@rows_1]
  ] {
  ^bb0(%b: memref<4x8xi32>):
    %blk = memref.alloc() : memref<4x8xi32>
    %0 = dato.get @rows_in : memref<4x8xi32>
    "memref.copy"(%0, %blk) : (memref<4x8xi32>, memref<4x8xi32>) -> ()
    %1 = arith.constant 0 : index
    %2 = arith.constant 4 : index
    %3 = arith.constant 1 : index
    scf.for %i = %1 to %2 step %3 {
      %4 = arith.constant 8 : index
      scf.for %j = %1 to %4 step %3 {
        %5 = memref.load %blk[%i, %j] : memref<4x8xi32>
        %6 = arith.constant 2 : i32
        %7 = arith.muli %5, %6 : i32
        memref.store %7, %b[%i, %j] : memref<4x8xi32>
      }
    }
  }
}

// -----

// Case 3: transpose_stream(int32, 16, 2): the collector would take A twice
// (rows_0's and rows_1's blocks); the lowering moves one block of an array
// per task, so its streams stay (dato-npu-write-pieces splits such a task
// first and elides per piece).
// CHECK-LABEL: dato.region @top
// CHECK:       dato.group @src of @src grid [2]
// CHECK:       dato.group @col of @col grid [1] (%B : memref<16x16xi32>) ports []
// CHECK:         dato.get @rows_0
// CHECK:         dato.get @rows_1

dato.region @top(%A: memref<16x16xi32>, %B: memref<16x16xi32>) {
  dato.stream @rows_0 : !dato.stream<memref<8x16xi32>, 2>
  dato.stream @rows_1 : !dato.stream<memref<8x16xi32>, 2>
  dato.group @src of @src grid [2] (%A : memref<16x16xi32>) ports [@rows_out] instances [
    @src_0 pid [0] offsets [[0, 0]] streams [@rows_0],
    @src_1 pid [1] offsets [[8, 0]] streams [@rows_1]
  ] {
  ^bb0(%a: memref<8x16xi32>):
    dato.put @rows_out, %a : memref<8x16xi32>
  }
  dato.group @col of @col grid [1] (%B : memref<16x16xi32>) ports [] instances [
    @col_0 pid [0] offsets [[0, 0]] streams []
  ] {
  ^bb0(%b: memref<16x16xi32>):
    %0 = arith.constant 0 : index
    %1 = arith.constant 1 : index
    %p = arith.constant 0 : index
    %blk = memref.alloc() : memref<8x16xi32>
    %2 = dato.get @rows_0 : memref<8x16xi32>
    "memref.copy"(%2, %blk) : (memref<8x16xi32>, memref<8x16xi32>) -> ()
    %3 = arith.constant 8 : index
    scf.for %i = %0 to %3 step %1 {
      %4 = arith.constant 16 : index
      scf.for %j = %0 to %4 step %1 {
        %5 = memref.load %blk[%i, %j] : memref<8x16xi32>
        %6 = arith.muli %p, %3 : index
        %7 = arith.addi %6, %i : index
        memref.store %5, %b[%j, %7] : memref<16x16xi32>
      }
    }
    %p_1 = arith.constant 1 : index
    %blk_1 = memref.alloc() : memref<8x16xi32>
    %8 = dato.get @rows_1 : memref<8x16xi32>
    "memref.copy"(%8, %blk_1) : (memref<8x16xi32>, memref<8x16xi32>) -> ()
    %9 = arith.constant 8 : index
    scf.for %i_1 = %0 to %9 step %1 {
      %10 = arith.constant 16 : index
      scf.for %j_1 = %0 to %10 step %1 {
        %11 = memref.load %blk_1[%i_1, %j_1] : memref<8x16xi32>
        %12 = arith.muli %p_1, %9 : index
        %13 = arith.addi %12, %i_1 : index
        memref.store %11, %b[%j_1, %13] : memref<16x16xi32>
      }
    }
  }
}

// -----

// Case 4: lanes_inplace: wk writes into the local it got the block in
// (blk[i, 0] = blk[i, 1] + 1), so the local stays, a copy of the new
// argument.
// CHECK-LABEL: dato.region @top
// CHECK-NOT:   dato.group @src
// CHECK:       ^bb0(%b: memref<4x8xi32>, %a: memref<4x8xi32>):
// CHECK-NEXT:    %blk = memref.alloc() : memref<4x8xi32>
// CHECK-NEXT:    "memref.copy"(%a, %blk)
// CHECK:         memref.store %{{.*}}, %blk[%{{.*}}, %{{.*}}]
// CHECK:         "memref.copy"(%blk, %b)

dato.region @top(%A: memref<8x8xi32>, %B: memref<8x8xi32>) {
  dato.stream @rows_0 : !dato.stream<memref<4x8xi32>, 2>
  dato.stream @rows_1 : !dato.stream<memref<4x8xi32>, 2>
  dato.group @src of @src grid [2] (%A : memref<8x8xi32>) ports [@rows_out] instances [
    @src_0 pid [0] offsets [[0, 0]] streams [@rows_0],
    @src_1 pid [1] offsets [[4, 0]] streams [@rows_1]
  ] {
  ^bb0(%a: memref<4x8xi32>):
    dato.put @rows_out, %a : memref<4x8xi32>
  }
  dato.group @wk of @wk grid [2] (%B : memref<8x8xi32>) ports [@rows_in] instances [
    @wk_0 pid [0] offsets [[0, 0]] streams [@rows_0],
    @wk_1 pid [1] offsets [[4, 0]] streams [@rows_1]
  ] {
  ^bb0(%b: memref<4x8xi32>):
    %blk = memref.alloc() : memref<4x8xi32>
    %0 = dato.get @rows_in : memref<4x8xi32>
    "memref.copy"(%0, %blk) : (memref<4x8xi32>, memref<4x8xi32>) -> ()
    %1 = arith.constant 0 : index
    %2 = arith.constant 4 : index
    %3 = arith.constant 1 : index
    scf.for %i = %1 to %2 step %3 {
      %4 = memref.load %blk[%i, %3] : memref<4x8xi32>
      %5 = arith.constant 1 : i32
      %6 = arith.addi %4, %5 : i32
      memref.store %6, %blk[%i, %1] : memref<4x8xi32>
    }
    "memref.copy"(%blk, %b) : (memref<4x8xi32>, memref<4x8xi32>) -> ()
  }
}

// -----

// Case 5: lanes with a constant nothing uses in the loader's body: the
// loader still only forwards its block, and goes.
// CHECK-LABEL: dato.region @top
// CHECK-NOT:   dato.group @src
// CHECK:       dato.group @wk of @wk grid [2] (%B : memref<8x8xi32>, %A : memref<8x8xi32>) ports []

dato.region @top(%A: memref<8x8xi32>, %B: memref<8x8xi32>) {
  dato.stream @rows_0 : !dato.stream<memref<4x8xi32>, 2>
  dato.stream @rows_1 : !dato.stream<memref<4x8xi32>, 2>
  dato.group @src of @src grid [2] (%A : memref<8x8xi32>) ports [@rows_out] instances [
    @src_0 pid [0] offsets [[0, 0]] streams [@rows_0],
    @src_1 pid [1] offsets [[4, 0]] streams [@rows_1]
  ] {
  ^bb0(%a: memref<4x8xi32>):
    %unused = arith.constant 3 : index
    dato.put @rows_out, %a : memref<4x8xi32>
  }
  dato.group @wk of @wk grid [2] (%B : memref<8x8xi32>) ports [@rows_in] instances [
    @wk_0 pid [0] offsets [[0, 0]] streams [@rows_0],
    @wk_1 pid [1] offsets [[4, 0]] streams [@rows_1]
  ] {
  ^bb0(%b: memref<4x8xi32>):
    %blk = memref.alloc() : memref<4x8xi32>
    %0 = dato.get @rows_in : memref<4x8xi32>
    "memref.copy"(%0, %blk) : (memref<4x8xi32>, memref<4x8xi32>) -> ()
    %1 = arith.constant 0 : index
    %2 = arith.constant 4 : index
    %3 = arith.constant 1 : index
    scf.for %i = %1 to %2 step %3 {
      %4 = arith.constant 8 : index
      scf.for %j = %1 to %4 step %3 {
        %5 = memref.load %blk[%i, %j] : memref<4x8xi32>
        %6 = arith.constant 2 : i32
        %7 = arith.muli %5, %6 : i32
        memref.store %7, %b[%i, %j] : memref<4x8xi32>
      }
    }
  }
}
