// RUN: dato-opt %s -p 'dato-npu-write-pieces{whole_bytes=0 cores=6}' | filecheck %s

// tile_gather_slices(int16, 16, 2) planned for 6 cores: the 4 workers leave
// 2, so the collector's 4 tiles become 4 tasks that run in 2 compiler-chosen
// chains of consecutive tiles (each task keeps its own 8x8 tile of C; a
// chain's tiles leave its core one after the other).
// CHECK-LABEL: dato.region @top
// CHECK:       dato.group @coll of @coll grid [1] (%C : memref<16x16xi16>) ports [] instances [
// CHECK-NEXT:    @coll_0 pid [0] offsets {{\[}}[0, 0]] streams []
// CHECK:       dato.group @coll_piece1 {{.*}} instances [
// CHECK-NEXT:    @coll_piece1_0 pid [0] offsets {{\[}}[0, 8]] streams []
// CHECK:       dato.group @coll_piece2 {{.*}} instances [
// CHECK-NEXT:    @coll_piece2_0 pid [0] offsets {{\[}}[8, 0]] streams []
// CHECK:       dato.group @coll_piece3 {{.*}} instances [
// CHECK-NEXT:    @coll_piece3_0 pid [0] offsets {{\[}}[8, 8]] streams []
// CHECK:       dato.chain [@coll_0, @coll_piece1_0] {dato.compiler_chosen}
// CHECK-NEXT:  dato.chain [@coll_piece2_0, @coll_piece3_0] {dato.compiler_chosen}

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
