// RUN: dato-opt %s -p "dato-physical-map{device=npu1}" | filecheck %s

// Two lanes each write three arrays (a compute tile has 2 output DMA
// channels). Per lane the compiler adds a helper on a tile sharing memory
// with it that writes C through its own DMA; the lane group gets a new port,
// bound per instance to its helper's stream, and puts its local C there at
// its end.

// CHECK:      dato.stream @lane_0_C_back : !dato.stream<memref<4xi32>, 1> {dato.compiler_chosen}
// CHECK-NEXT: dato.group @lane_0_io_C of @lane_0_io_C grid [1] (%C : memref<8xi32>) ports [] instances [
// CHECK-NEXT:   @lane_0_io_C_0 pid [0] offsets {{\[\[}}0]] streams []
// CHECK-NEXT: ] attributes {dato.forwards = "lane_0", dato.compiler_chosen, dato.tiles = array<i64: 0, 3>} {
// CHECK-NEXT: ^bb0(%[[ARG:.*]]: memref<4xi32>):
// CHECK-NEXT:   %[[GOT:.*]] = dato.get @lane_0_C_back : memref<4xi32>
// CHECK-NEXT:   "memref.copy"(%[[GOT]], %[[ARG]])
// CHECK:      dato.stream @lane_1_C_back : !dato.stream<memref<4xi32>, 1> {dato.compiler_chosen}
// CHECK-NEXT: dato.group @lane_1_io_C of @lane_1_io_C grid [1] (%C : memref<8xi32>) ports [] instances [
// CHECK-NEXT:   @lane_1_io_C_0 pid [0] offsets {{\[\[}}4]] streams []
// CHECK-NEXT: ] attributes {dato.forwards = "lane_1", dato.compiler_chosen, dato.tiles = array<i64: 0, 5>} {
// CHECK:      dato.group @lane of @lane grid [2] ({{.*}}) ports [@C_back] instances [
// CHECK-NEXT:   @lane_0 pid [0] offsets {{.*}} streams [@lane_0_C_back],
// CHECK-NEXT:   @lane_1 pid [1] offsets {{.*}} streams [@lane_1_C_back]
// CHECK-NEXT: ] attributes {dato.tiles = array<i64: 0, 2, 0, 4>} {
// CHECK-NEXT: ^bb0(
// CHECK-NEXT:   %[[C:.*]] = memref.alloc() : memref<4xi32>
// CHECK:        memref.store %{{.*}}, %[[C]][%i] : memref<4xi32>
// CHECK:        dato.put @C_back, %[[C]] : memref<4xi32>
// CHECK-NEXT: }

builtin.module {
  dato.region @top(%A: memref<8xi32>, %C: memref<8xi32>, %D: memref<8xi32>, %E: memref<8xi32>) {
    dato.group @lane of @lane grid [2] (%A : memref<8xi32>, %C : memref<8xi32>, %D : memref<8xi32>, %E : memref<8xi32>) ports [] instances [
      @lane_0 pid [0] offsets [[0], [0], [0], [0]] streams [],
      @lane_1 pid [1] offsets [[4], [4], [4], [4]] streams []
    ] {
    ^bb0(%a: memref<4xi32>, %c: memref<4xi32>, %d: memref<4xi32>, %e: memref<4xi32>):
      %0 = arith.constant 0 : index
      %1 = arith.constant 4 : index
      %2 = arith.constant 1 : index
      scf.for %i = %0 to %1 step %2 {
        %3 = memref.load %a[%i] : memref<4xi32>
        %4 = arith.constant 1 : i32
        %5 = arith.addi %3, %4 : i32
        memref.store %5, %c[%i] : memref<4xi32>
        %6 = memref.load %a[%i] : memref<4xi32>
        %7 = arith.constant 2 : i32
        %8 = arith.muli %6, %7 : i32
        memref.store %8, %d[%i] : memref<4xi32>
        %9 = memref.load %a[%i] : memref<4xi32>
        %10 = arith.constant 3 : i32
        %11 = arith.subi %9, %10 : i32
        memref.store %11, %e[%i] : memref<4xi32>
      }
    }
  }
}