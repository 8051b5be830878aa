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

// -----

// Case 3: tile_gather_slices(int16, 16, 2): the collector copies tile (i, j)
// into the view c[8i : 8i + 8, 8j : 8j + 8]. Views only copied into are
// writes of their box: four tasks, each taking its 8x8 tile of C, the view
// at offsets that are constants (0, 0) on the tile with the tile's strides.
// CHECK-LABEL: dato.region @top
// CHECK:       dato.group @coll of @coll grid [1] (%C : memref<16x16xi16>) ports [] instances [
// CHECK-NEXT:    @coll_0 pid [0] offsets {{\[}}[0, 0]] streams []
// CHECK:       ^bb0(%c: memref<8x8xi16>):
// CHECK:         dato.get @tiles_0_0
// CHECK:         %[[R:.*]] = arith.constant 0 : index
// CHECK-NEXT:    %[[C:.*]] = arith.constant 0 : index
// CHECK-NEXT:    %[[V:.*]] = memref.subview %c[%[[R]], %[[C]]] [8, 8] [1, 1] : memref<8x8xi16> to memref<8x8xi16, strided<[8, 1], offset: ?>>
// CHECK-NEXT:    "memref.copy"(%{{.*}}, %[[V]])
// CHECK:       dato.group @coll_piece1 {{.*}} instances [
// CHECK-NEXT:    @coll_piece1_0 pid [0] offsets {{\[}}[0, 8]] streams []
// CHECK:         dato.get @tiles_0_1
// CHECK:       dato.group @coll_piece2 {{.*}} instances [
// CHECK-NEXT:    @coll_piece2_0 pid [0] offsets {{\[}}[8, 0]] streams []
// CHECK:         dato.get @tiles_1_0
// CHECK:       dato.group @coll_piece3 {{.*}} instances [
// CHECK-NEXT:    @coll_piece3_0 pid [0] offsets {{\[}}[8, 8]] streams []
// CHECK:         dato.get @tiles_1_1

dato.region @top(%A: memref<16x16xi16>, %C: memref<16x16xi16>) {
  dato.stream @tiles_0_0 : !dato.stream<memref<8x8xi16>, 2>
  dato.stream @tiles_0_1 : !dato.stream<memref<8x8xi16>, 2>
  dato.stream @tiles_1_0 : !dato.stream<memref<8x8xi16>, 2>
  dato.stream @tiles_1_1 : !dato.stream<memref<8x8xi16>, 2>
  dato.group @wk of @wk grid [2, 2] (%A : memref<16x16xi16>) ports [@tiles_out] instances [
    @wk_0_0 pid [0, 0] offsets [[0, 0]] streams [@tiles_0_0],
    @wk_0_1 pid [0, 1] offsets [[0, 8]] streams [@tiles_0_1],
    @wk_1_0 pid [1, 0] offsets [[8, 0]] streams [@tiles_1_0],
    @wk_1_1 pid [1, 1] offsets [[8, 8]] streams [@tiles_1_1]
  ] {
  ^bb0(%a: memref<8x8xi16>):
    %t = memref.alloc() : memref<8x8xi16>
    %0 = arith.constant 0 : i16
    linalg.fill ins(%0 : i16) outs(%t : memref<8x8xi16>)
    %1 = arith.constant 0 : index
    %2 = arith.constant 8 : index
    %3 = arith.constant 1 : index
    scf.for %x = %1 to %2 step %3 {
      scf.for %y = %1 to %2 step %3 {
        %4 = memref.load %a[%x, %y] : memref<8x8xi16>
        %5 = arith.constant 3 : i16
        %6 = arith.muli %4, %5 : i16
        %7 = arith.constant 1 : i16
        %8 = arith.addi %6, %7 : i16
        memref.store %8, %t[%x, %y] : memref<8x8xi16>
      }
    }
    dato.put @tiles_out, %t : memref<8x8xi16>
  }
  dato.group @coll of @coll grid [1] (%C : memref<16x16xi16>) ports [] instances [
    @coll_0 pid [0] offsets [[0, 0]] streams []
  ] {
  ^bb0(%c: memref<16x16xi16>):
    %i = arith.constant 0 : index
    %j = arith.constant 0 : index
    %0 = dato.get @tiles_0_0 : memref<8x8xi16>
    %1 = arith.constant 8 : index
    %2 = arith.muli %i, %1 : index
    %3 = arith.muli %j, %1 : index
    %4 = memref.subview %c[%2, %3] [8, 8] [1, 1] : memref<16x16xi16> to memref<8x8xi16, strided<[16, 1], offset: ?>>
    "memref.copy"(%0, %4) : (memref<8x8xi16>, memref<8x8xi16, strided<[16, 1], offset: ?>>) -> ()
    %j_1 = arith.constant 1 : index
    %5 = dato.get @tiles_0_1 : memref<8x8xi16>
    %6 = arith.constant 8 : index
    %7 = arith.muli %i, %6 : index
    %8 = arith.muli %j_1, %6 : index
    %9 = memref.subview %c[%7, %8] [8, 8] [1, 1] : memref<16x16xi16> to memref<8x8xi16, strided<[16, 1], offset: ?>>
    "memref.copy"(%5, %9) : (memref<8x8xi16>, memref<8x8xi16, strided<[16, 1], offset: ?>>) -> ()
    %i_1 = arith.constant 1 : index
    %j_2 = arith.constant 0 : index
    %10 = dato.get @tiles_1_0 : memref<8x8xi16>
    %11 = arith.constant 8 : index
    %12 = arith.muli %i_1, %11 : index
    %13 = arith.muli %j_2, %11 : index
    %14 = memref.subview %c[%12, %13] [8, 8] [1, 1] : memref<16x16xi16> to memref<8x8xi16, strided<[16, 1], offset: ?>>
    "memref.copy"(%10, %14) : (memref<8x8xi16>, memref<8x8xi16, strided<[16, 1], offset: ?>>) -> ()
    %j_3 = arith.constant 1 : index
    %15 = dato.get @tiles_1_1 : memref<8x8xi16>
    %16 = arith.constant 8 : index
    %17 = arith.muli %i_1, %16 : index
    %18 = arith.muli %j_3, %16 : index
    %19 = memref.subview %c[%17, %18] [8, 8] [1, 1] : memref<16x16xi16> to memref<8x8xi16, strided<[16, 1], offset: ?>>
    "memref.copy"(%15, %19) : (memref<8x8xi16>, memref<8x8xi16, strided<[16, 1], offset: ?>>) -> ()
  }
}
