// RUN: dato-opt %s --split-input-file -p 'dato-npu-stream-reads{budget=0}' | filecheck %s

// Outputs a task only stores to, row after row (npu_stream_reads'
// write side): budget=0 streams every argument that may stream.

// Case 1: producer_consumer's consumer stores b[i] in iteration i, right in
// the loop's body: the loop is cut in chunks of 256 (1 KiB) and b's store is
// a row piece; the producer's a is read the same way.
// CHECK-LABEL: dato.region @pc
// CHECK:       dato.group @producer
// CHECK:         memref.load %a[%{{.*}}] {dato.row_piece} : memref<1024xi32>
// CHECK:       } {dato.row_chunk = 256 : i64, dato.row_loop = 1 : i64}
// CHECK:       dato.group @consumer
// CHECK:         memref.store %{{.*}}, %b[%{{.*}}] {dato.row_piece} : memref<1024xi32>
// CHECK:       } {dato.row_chunk = 256 : i64, dato.row_loop = 1 : i64}
dato.region @pc(%A: memref<1024xi32>, %B: memref<1024xi32>) {
  dato.stream @pipe : !dato.stream<i32, 4>
  dato.group @producer of @producer grid [1] (%A : memref<1024xi32>) ports [] instances [
    @producer_0 pid [0] offsets [[0]] streams []
  ] {
  ^bb0(%a: memref<1024xi32>):
    %0 = arith.constant 0 : index
    %1 = arith.constant 1024 : index
    %2 = arith.constant 1 : index
    scf.for %i = %0 to %1 step %2 {
      %3 = memref.load %a[%i] : memref<1024xi32>
      dato.put @pipe, %3 : i32
    }
  }
  dato.group @consumer of @consumer grid [1] (%B : memref<1024xi32>) ports [] instances [
    @consumer_0 pid [0] offsets [[0]] streams []
  ] {
  ^bb0(%b: memref<1024xi32>):
    %0 = arith.constant 0 : index
    %1 = arith.constant 1024 : index
    %2 = arith.constant 1 : index
    scf.for %i = %0 to %1 step %2 {
      %3 = dato.get @pipe : i32
      memref.store %3, %b[%i] : memref<1024xi32>
    }
  }
}

// -----

// Case 2: two workers each store their 8x16 box of B row by row, every
// column of row i in iteration i's inner loop (0 to 16, step 1): B streams
// out by rows.
// CHECK-LABEL: dato.region @rows
// CHECK:       memref.store %{{.*}}, %b[%{{.*}}, %[[J:.*]]] {dato.row_piece} : memref<8x16xi32>
// CHECK:       } {dato.row_loop = 1 : i64}
dato.region @rows(%A: memref<16x16xi32>, %B: memref<16x16xi32>) {
  dato.group @w of @w grid [2] (%B : memref<16x16xi32>) ports [] instances [
    @w_0 pid [0] offsets [[0, 0]] streams [],
    @w_1 pid [1] offsets [[8, 0]] streams []
  ] {
  ^bb0(%b: memref<8x16xi32>):
    %0 = arith.constant 0 : index
    %1 = arith.constant 8 : index
    %2 = arith.constant 1 : index
    %3 = arith.constant 16 : index
    scf.for %i = %0 to %1 step %2 {
      scf.for %j = %0 to %3 step %2 {
        %4 = arith.index_cast %j : index to i32
        memref.store %4, %b[%i, %j] : memref<8x16xi32>
      }
    }
  }
}

// -----

// Case 3: stores that may leave holes stay whole (the host's copy comes in
// first): every other column only, a store under a branch, and an array a
// second task also stores to.
// CHECK-LABEL: dato.region @holes
// CHECK-NOT:   dato.row_piece
// CHECK-NOT:   dato.row_loop
dato.region @holes(%B: memref<8x16xi32>, %C: memref<1024xi32>, %D: memref<1024xi32>) {
  dato.group @half of @half grid [1] (%B : memref<8x16xi32>) ports [] instances [
    @half_0 pid [0] offsets [[0, 0]] streams []
  ] {
  ^bb0(%b: memref<8x16xi32>):
    %0 = arith.constant 0 : index
    %1 = arith.constant 8 : index
    %2 = arith.constant 1 : index
    %3 = arith.constant 16 : index
    %s = arith.constant 2 : index
    scf.for %i = %0 to %1 step %2 {
      scf.for %j = %0 to %3 step %s {
        %4 = arith.index_cast %j : index to i32
        memref.store %4, %b[%i, %j] : memref<8x16xi32>
      }
    }
  }
  dato.group @branch of @branch grid [1] (%C : memref<1024xi32>) ports [] instances [
    @branch_0 pid [0] offsets [[0]] streams []
  ] {
  ^bb0(%c: memref<1024xi32>):
    %0 = arith.constant 0 : index
    %1 = arith.constant 1024 : index
    %2 = arith.constant 1 : index
    scf.for %i = %0 to %1 step %2 {
      %5 = arith.cmpi ult, %i, %1 : index
      scf.if %5 {
        %4 = arith.index_cast %i : index to i32
        memref.store %4, %c[%i] : memref<1024xi32>
      }
    }
  }
  dato.group @one of @one grid [1] (%D : memref<1024xi32>) ports [] instances [
    @one_0 pid [0] offsets [[0]] streams []
  ] {
  ^bb0(%d: memref<1024xi32>):
    %0 = arith.constant 0 : index
    %1 = arith.constant 1024 : index
    %2 = arith.constant 1 : index
    scf.for %i = %0 to %1 step %2 {
      %4 = arith.index_cast %i : index to i32
      memref.store %4, %d[%i] : memref<1024xi32>
    }
  }
  dato.group @two of @two grid [1] (%D : memref<1024xi32>) ports [] instances [
    @two_0 pid [0] offsets [[0]] streams []
  ] {
  ^bb0(%d: memref<1024xi32>):
    %0 = arith.constant 0 : index
    %1 = arith.constant 1024 : index
    %2 = arith.constant 1 : index
    scf.for %i = %0 to %1 step %2 {
      %4 = arith.index_cast %i : index to i32
      memref.store %4, %d[%i] : memref<1024xi32>
    }
  }
}
