// RUN: dato-opt %s -p "dato-virtual-map,dato-physical-map{device=npu1}" | filecheck %s

// Two lanes each read three arrays (a compute tile has 2 input DMA channels).
// Per lane the compiler adds a loader on a tile sharing memory with it; the
// lane group gets a new port, bound per instance to its loader's stream.

// CHECK:      dato.stream @lane_0_A_fwd : !dato.stream<memref<8xi32>, 1> {dato.compiler_chosen}
// CHECK-NEXT: dato.group @lane_0_load_A of @lane_0_load_A grid [1] (%A : memref<16xi32>) ports [] instances [
// CHECK-NEXT:   @lane_0_load_A_0 pid [0] offsets {{\[\[}}0]] streams []
// CHECK-NEXT: ] attributes {dato.forwards = "lane_0", dato.compiler_chosen, dato.tiles = array<i64: 0, 2>}
// CHECK:      dato.put @lane_0_A_fwd
// CHECK:      dato.stream @lane_1_A_fwd : !dato.stream<memref<8xi32>, 1> {dato.compiler_chosen}
// CHECK-NEXT: dato.group @lane_1_load_A of @lane_1_load_A grid [1] (%A : memref<16xi32>) ports [] instances [
// CHECK-NEXT:   @lane_1_load_A_0 pid [0] offsets {{\[\[}}8]] streams []
// CHECK-NEXT: ] attributes {dato.forwards = "lane_1", dato.compiler_chosen, dato.tiles = array<i64: 0, 4>}
// CHECK:      dato.group @lane of @lane grid [2] ({{.*}}) ports [@A_fwd] instances [
// CHECK-NEXT:   @lane_0 pid [0] offsets {{.*}} streams [@lane_0_A_fwd],
// CHECK-NEXT:   @lane_1 pid [1] offsets {{.*}} streams [@lane_1_A_fwd]
// CHECK-NEXT: ] attributes {dato.tiles = array<i64: 0, 3, 0, 5>}
// CHECK:      %[[A:.*]] = dato.get @A_fwd : memref<8xi32>
// CHECK:      memref.load %[[A]]

builtin.module {
  dato.region @top(%A: memref<16xi32>, %B: memref<16xi32>, %C: memref<16xi32>, %D: memref<16xi32>) {
    dato.task @lane grid [2] (%A : memref<16xi32> [S0], %B : memref<16xi32> [S0], %C : memref<16xi32> [S0], %D : memref<16xi32> [S0]) {
    ^bb0(%a: memref<8xi32>, %b: memref<8xi32>, %c: memref<8xi32>, %d: memref<8xi32>):
      %0 = arith.constant 0 : index
      %1 = arith.constant 8 : index
      %2 = arith.constant 1 : index
      scf.for %i = %0 to %1 step %2 {
        %3 = memref.load %a[%i] : memref<8xi32>
        %4 = memref.load %b[%i] : memref<8xi32>
        %5 = memref.load %c[%i] : memref<8xi32>
        %6 = arith.muli %4, %5 : i32
        %7 = arith.addi %3, %6 : i32
        memref.store %7, %d[%i] : memref<8xi32>
      }
    }
  }
}
