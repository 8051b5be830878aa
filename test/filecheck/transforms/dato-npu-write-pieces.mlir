// RUN: dato-opt %s --split-input-file -p 'dato-npu-write-pieces{whole_bytes=0}' | filecheck %s

// whole_bytes=0: these small arrays (by default, arrays up to 16 KiB are not
// cut) show the rewrite.

// Case 1: transpose_stream(int32, 16, 2): the collector gets rows_p and writes
// its transpose into column block p of b (b[j, p * 8 + i]). Its two turns
// share nothing but b, whose stores fall in the disjoint boxes [0:16, 0:8]
// and [0:16, 8:16]: it becomes two tasks, each taking its 16x8 box (offsets
// [0, 0] and [0, 8]) and storing at [j, i] (p * 8 + i less the box's 8 p).
// CHECK-LABEL: dato.region @top
// CHECK:       dato.group @col of @col grid [1] (%B : memref<16x16xi32>) ports [] instances [
// CHECK-NEXT:    @col_0 pid [0] offsets {{\[}}[0, 0]] streams []
// CHECK-NEXT:  ] attributes {dato.split_from = "col_0", dato.compiler_chosen} {
// CHECK-NEXT:  ^bb0(%b: memref<16x8xi32>):
// CHECK:         dato.get @rows_0
// CHECK-NOT:     dato.get
// CHECK:         scf.for %[[I:.*]] = {{.*}} {
// CHECK:           scf.for %[[J:.*]] = {{.*}} {
// CHECK:             memref.store %{{.*}}, %b[%[[J]], %[[I]]] : memref<16x8xi32>
// CHECK:       dato.group @col_piece1 of @col_piece1 grid [1] (%B : memref<16x16xi32>) ports [] instances [
// CHECK-NEXT:    @col_piece1_0 pid [0] offsets {{\[}}[0, 8]] streams []
// CHECK-NEXT:  ] attributes {dato.split_from = "col_0", dato.compiler_chosen} {
// CHECK-NEXT:  ^bb0(%b: memref<16x8xi32>):
// CHECK-NOT:     dato.get @rows_0
// CHECK:         dato.get @rows_1
// CHECK:         scf.for %[[I:.*]] = {{.*}} {
// CHECK:           scf.for %[[J:.*]] = {{.*}} {
// CHECK:             memref.store %{{.*}}, %b[%[[J]], %[[I]]] : memref<16x8xi32>
// CHECK-NOT:   dato.group @col_piece2

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

// Case 2: both turns store into columns 0 .. 7 (b[j, i]): the boxes meet, so
// the order of the stores matters and the task stays whole.
// CHECK-LABEL: dato.region @top
// CHECK:       dato.group @col of @col grid [1] (%B : memref<16x16xi32>) ports [] instances [
// CHECK-NEXT:    @col_0 pid [0] offsets {{\[}}[0, 0]] streams []
// CHECK-NEXT:  ] {
// CHECK-NEXT:  ^bb0(%b: memref<16x16xi32>):
// CHECK-NOT:   dato.group @col_piece1

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
        memref.store %11, %b[%j_1, %i_1] : memref<16x16xi32>
      }
    }
  }
}
