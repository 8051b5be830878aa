// RUN: dato-opt %s --split-input-file -p 'dato-npu-stream-reads{budget=0}' | filecheck %s

// budget=0: every argument that may stream is streamed (by default only
// those of a task whose buffers overflow the tile's data memory).

// Case 1: split_gemv(16, 16, 2) after dato-npu-read-boxes: lo_p and hi_p
// each read their 8x8 box of A row by row (row m - 8p in iteration m of the
// outer loop, which starts at 8p and runs 8 times), the columns in the inner
// loop. The outer loop is marked dato.row_loop and A's loads dato.row_piece;
// v (1-D) and out (stored to) are not streamed.
// CHECK-LABEL: dato.region @top
// CHECK:       dato.group @lo
// CHECK:         scf.for %[[M:.*]] = {{.*}} {
// CHECK:           scf.for %[[N:.*]] = {{.*}} {
// CHECK:             memref.load %a[{{.*}}, %[[N]]] {dato.row_piece} : memref<8x8xi32>
// CHECK-NEXT:        memref.load %v[%[[N]]] : memref<8xi32>
// CHECK:         } {dato.row_loop = 1 : i64}
// CHECK:       dato.group @hi
// CHECK:             memref.load %a[{{.*}}, {{.*}}] {dato.row_piece} : memref<8x8xi32>
// CHECK:         } {dato.row_loop = 1 : i64}

dato.region @top(%A: memref<16x16xi32>, %x: memref<16xi32>, %y: memref<16xi32>) {
  dato.stream @pipe_0 : !dato.stream<memref<8xi32>, 2>
  dato.stream @pipe_1 : !dato.stream<memref<8xi32>, 2>
  dato.group @lo of @lo grid [2] (%A : memref<16x16xi32>, %x : memref<16xi32>) ports [@pipe_out] instances [
    @lo_0 pid [0] offsets [[0, 0], [0]] streams [@pipe_0],
    @lo_1 pid [1] offsets [[8, 0], [0]] streams [@pipe_1]
  ] {
  ^bb0(%a: memref<8x8xi32>, %v: memref<8xi32>):
    %0 = dato.pid : index
    %1 = arith.constant 8 : index
    %2 = arith.muli %0, %1 : index
    %pi = dato.pid : index
    %acc = memref.alloca() : memref<i32>
    %part = memref.alloc() : memref<8xi32>
    %3 = arith.constant 0 : i32
    linalg.fill ins(%3 : i32) outs(%part : memref<8xi32>)
    %4 = arith.constant 8 : index
    %5 = arith.muli %pi, %4 : index
    %6 = arith.constant 1 : index
    %7 = arith.addi %pi, %6 : index
    %8 = arith.muli %7, %4 : index
    scf.for %m = %5 to %8 step %6 {
      memref.store %3, %acc[] : memref<i32>
      %9 = arith.constant 0 : index
      scf.for %n = %9 to %4 step %6 {
        %10 = memref.load %acc[] : memref<i32>
        %11 = arith.subi %m, %2 : index
        %12 = memref.load %a[%11, %n] : memref<8x8xi32>
        %13 = memref.load %v[%n] : memref<8xi32>
        %14 = arith.muli %12, %13 : i32
        %15 = arith.addi %10, %14 : i32
        memref.store %15, %acc[] : memref<i32>
      }
      %16 = memref.load %acc[] : memref<i32>
      %17 = arith.muli %pi, %4 : index
      %18 = arith.subi %m, %17 : index
      memref.store %16, %part[%18] : memref<8xi32>
    }
    dato.put @pipe_out, %part : memref<8xi32>
  }
  dato.group @hi of @hi grid [2] (%A : memref<16x16xi32>, %x : memref<16xi32>, %y : memref<16xi32>) ports [@pipe_in] instances [
    @hi_0 pid [0] offsets [[0, 8], [8], [0]] streams [@pipe_0],
    @hi_1 pid [1] offsets [[8, 8], [8], [0]] streams [@pipe_1]
  ] {
  ^bb0(%a: memref<8x8xi32>, %v: memref<8xi32>, %out: memref<16xi32>):
    %0 = arith.constant 8 : index
    %1 = dato.pid : index
    %2 = arith.constant 8 : index
    %3 = arith.muli %1, %2 : index
    %4 = arith.constant 8 : index
    %pi = dato.pid : index
    %acc = memref.alloca() : memref<i32>
    %prev = memref.alloc() : memref<8xi32>
    %5 = dato.get @pipe_in : memref<8xi32>
    "memref.copy"(%5, %prev) : (memref<8xi32>, memref<8xi32>) -> ()
    %6 = arith.constant 8 : index
    %7 = arith.muli %pi, %6 : index
    %8 = arith.constant 1 : index
    %9 = arith.addi %pi, %8 : index
    %10 = arith.muli %9, %6 : index
    scf.for %m = %7 to %10 step %8 {
      %11 = arith.constant 0 : i32
      memref.store %11, %acc[] : memref<i32>
      %12 = arith.constant 16 : index
      scf.for %n = %6 to %12 step %8 {
        %13 = memref.load %acc[] : memref<i32>
        %14 = arith.subi %m, %3 : index
        %15 = arith.subi %n, %4 : index
        %16 = memref.load %a[%14, %15] : memref<8x8xi32>
        %17 = arith.subi %n, %0 : index
        %18 = memref.load %v[%17] : memref<8xi32>
        %19 = arith.muli %16, %18 : i32
        %20 = arith.addi %13, %19 : i32
        memref.store %20, %acc[] : memref<i32>
      }
      %21 = memref.load %acc[] : memref<i32>
      %22 = arith.muli %pi, %6 : index
      %23 = arith.subi %m, %22 : index
      %24 = memref.load %prev[%23] : memref<8xi32>
      %25 = arith.addi %21, %24 : i32
      memref.store %25, %out[%m] : memref<16xi32>
    }
  }
}

// -----

// Case 2: the outer loop walks columns, the inner one rows: each of the
// outer loop's 16 iterations walks every row once, so the rows stream in the
// inner loop and the block is sent 16 times (dato.row_loop = 16).
// CHECK-LABEL: dato.region @by_columns
// CHECK:       scf.for %[[N:.*]] = {{.*}} {
// CHECK-NEXT:    scf.for %[[M:.*]] = {{.*}} {
// CHECK-NEXT:      memref.load %a[%[[M]], %[[N]]] {dato.row_piece} : memref<8x16xi32>
// CHECK:         } {dato.row_loop = 16 : i64}
// CHECK-NOT:   dato.row_loop
dato.region @by_columns(%A: memref<8x16xi32>, %y: memref<16xi32>) {
  dato.group @cols of @cols grid [1] (%A : memref<8x16xi32>, %y : memref<16xi32>) ports [] instances [
    @cols_0 pid [0] offsets [[0, 0], [0]] streams []
  ] {
  ^bb0(%a: memref<8x16xi32>, %o: memref<16xi32>):
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c8 = arith.constant 8 : index
    %c16 = arith.constant 16 : index
    scf.for %n = %c0 to %c16 step %c1 {
      scf.for %m = %c0 to %c8 step %c1 {
        %v = memref.load %a[%m, %n] : memref<8x16xi32>
        memref.store %v, %o[%n] : memref<16xi32>
      }
    }
  }
}

// -----

// Case 3: rows read in reverse (row 7 - m in iteration m), a row read
// outside the loop, and a loop over half the rows: none streams.
// CHECK-LABEL: dato.region @out_of_order
// CHECK-NOT:   dato.row
dato.region @out_of_order(%A: memref<8x16xi32>, %B: memref<8x16xi32>, %C: memref<8x16xi32>, %y: memref<16xi32>) {
  dato.group @k of @k grid [1] (%A : memref<8x16xi32>, %B : memref<8x16xi32>, %C : memref<8x16xi32>, %y : memref<16xi32>) ports [] instances [
    @k_0 pid [0] offsets [[0, 0], [0, 0], [0, 0], [0]] streams []
  ] {
  ^bb0(%a: memref<8x16xi32>, %b: memref<8x16xi32>, %c: memref<8x16xi32>, %o: memref<16xi32>):
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    %c7 = arith.constant 7 : index
    %c8 = arith.constant 8 : index
    %first = memref.load %b[%c0, %c0] : memref<8x16xi32>
    memref.store %first, %o[%c0] : memref<16xi32>
    scf.for %m = %c0 to %c8 step %c1 {
      %r = arith.subi %c7, %m : index
      %v = memref.load %a[%r, %c0] : memref<8x16xi32>
      %w = memref.load %b[%m, %c1] : memref<8x16xi32>
      memref.store %v, %o[%m] : memref<16xi32>
      memref.store %w, %o[%c1] : memref<16xi32>
    }
    scf.for %m = %c0 to %c4 step %c1 {
      %v = memref.load %c[%m, %c0] : memref<8x16xi32>
      memref.store %v, %o[%m] : memref<16xi32>
    }
  }
}

// -----

// Case 4: an argument another task writes stays whole, however it is read.
// CHECK-LABEL: dato.region @written
// CHECK-NOT:   dato.row
dato.region @written(%A: memref<8x16xi32>, %y: memref<8xi32>) {
  dato.group @w of @w grid [1] (%A : memref<8x16xi32>) ports [] instances [
    @w_0 pid [0] offsets [[0, 0]] streams []
  ] {
  ^bb0(%a: memref<8x16xi32>):
    %c0 = arith.constant 0 : index
    %z = arith.constant 0 : i32
    memref.store %z, %a[%c0, %c0] : memref<8x16xi32>
  }
  dato.group @r of @r grid [1] (%A : memref<8x16xi32>, %y : memref<8xi32>) ports [] instances [
    @r_0 pid [0] offsets [[0, 0], [0]] streams []
  ] {
  ^bb0(%a: memref<8x16xi32>, %o: memref<8xi32>):
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c8 = arith.constant 8 : index
    scf.for %m = %c0 to %c8 step %c1 {
      %v = memref.load %a[%m, %c0] : memref<8x16xi32>
      memref.store %v, %o[%m] : memref<8xi32>
    }
  }
}

// -----

// Case 5: a block of 2 rows (ROW_DEPTH): streamed, the core would hold both
// rows all the same; it moves whole.
// CHECK-LABEL: dato.region @two_rows
// CHECK-NOT:   dato.row
dato.region @two_rows(%A: memref<2x16xi32>, %y: memref<2xi32>) {
  dato.group @r of @r grid [1] (%A : memref<2x16xi32>, %y : memref<2xi32>) ports [] instances [
    @r_0 pid [0] offsets [[0, 0], [0]] streams []
  ] {
  ^bb0(%a: memref<2x16xi32>, %o: memref<2xi32>):
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    scf.for %m = %c0 to %c2 step %c1 {
      %v = memref.load %a[%m, %c0] : memref<2x16xi32>
      memref.store %v, %o[%m] : memref<2xi32>
    }
  }
}

// -----

// Case 6: rows walked inside a loop of 65 iterations: the block would be
// sent 65 times, more than a shim call repeats (64); it moves whole.
// CHECK-LABEL: dato.region @many_passes
// CHECK-NOT:   dato.row
dato.region @many_passes(%A: memref<8x16xi32>, %y: memref<16xi32>) {
  dato.group @r of @r grid [1] (%A : memref<8x16xi32>, %y : memref<16xi32>) ports [] instances [
    @r_0 pid [0] offsets [[0, 0], [0]] streams []
  ] {
  ^bb0(%a: memref<8x16xi32>, %o: memref<16xi32>):
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c8 = arith.constant 8 : index
    %c65 = arith.constant 65 : index
    scf.for %i = %c0 to %c65 step %c1 {
      scf.for %m = %c0 to %c8 step %c1 {
        %v = memref.load %a[%m, %c0] : memref<8x16xi32>
        memref.store %v, %o[%m] : memref<16xi32>
      }
    }
  }
}

// -----

// Case 7: 1-D blocks read element by element stream in chunks of at most
// 1 KiB. c (4096 int32, the larger, marked first) sets the loop's chunk:
// 256 elements (dato.row_chunk = 256); a (4096 int16) takes the same chunk
// (256 x 16 bits: whole DMA words), the loop being cut once.
// CHECK-LABEL: dato.region @long_vector
// CHECK:       scf.for %[[N:.*]] = {{.*}} {
// CHECK-NEXT:    memref.load %a[%[[N]]] {dato.row_piece} : memref<4096xi16>
// CHECK-NEXT:    memref.load %c[%[[N]]] {dato.row_piece} : memref<4096xi32>
// CHECK:       } {dato.row_chunk = 256 : i64, dato.row_loop = 1 : i64}
dato.region @long_vector(%A: memref<4096xi16>, %C: memref<4096xi32>, %y: memref<1xi32>) {
  dato.group @r of @r grid [1] (%A : memref<4096xi16>, %C : memref<4096xi32>, %y : memref<1xi32>) ports [] instances [
    @r_0 pid [0] offsets [[0], [0], [0]] streams []
  ] {
  ^bb0(%a: memref<4096xi16>, %c: memref<4096xi32>, %o: memref<1xi32>):
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c4096 = arith.constant 4096 : index
    scf.for %n = %c0 to %c4096 step %c1 {
      %v = memref.load %a[%n] : memref<4096xi16>
      %w = memref.load %c[%n] : memref<4096xi32>
      %x = arith.extsi %v : i16 to i32
      %s = arith.addi %x, %w : i32
      memref.store %s, %o[%c0] : memref<1xi32>
    }
  }
}

// -----

// Case 8: an int4 array (dato.nibbles: moved packed two values a byte, the
// core unpacking its whole block) stays whole however it is read.
// CHECK-LABEL: dato.region @int4
// CHECK-NOT:   dato.row
dato.region @int4(%A: memref<8x16xi8>, %y: memref<8xi8>) attributes {dato.nibbles = array<i64: 0, 1>} {
  dato.group @r of @r grid [1] (%A : memref<8x16xi8>, %y : memref<8xi8>) ports [] instances [
    @r_0 pid [0] offsets [[0, 0], [0]] streams []
  ] {
  ^bb0(%a: memref<8x16xi8>, %o: memref<8xi8>):
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c8 = arith.constant 8 : index
    scf.for %m = %c0 to %c8 step %c1 {
      %v = memref.load %a[%m, %c0] : memref<8x16xi8>
      memref.store %v, %o[%m] : memref<8xi8>
    }
  }
}
