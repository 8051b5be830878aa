// RUN: dato-opt %s -p "dato-physical-map{device=npu1}" | filecheck %s

// One task reads 2 arrays and writes 3 (a compute tile has 2 output DMA
// channels). The compiler adds a helper on a tile sharing memory with it: the
// task writes C into a local buffer and puts it at its end; the helper gets it
// and writes C through its own DMA. The task stores only some elements of C,
// so C's host copy comes first: the helper puts it, the task gets it at its
// start and updates it.

// CHECK:      dato.stream @k_0_C_fwd : !dato.stream<memref<12xi32>, 1> {dato.compiler_chosen}
// CHECK-NEXT: dato.stream @k_0_C_back : !dato.stream<memref<12xi32>, 1> {dato.compiler_chosen}
// CHECK-NEXT: dato.group @k_0_io_C of @k_0_io_C grid [1] (%C : memref<12xi32>) ports [] instances [
// CHECK-NEXT:   @k_0_io_C_0 pid [0] offsets {{\[\[}}0]] streams []
// CHECK-NEXT: ] attributes {dato.forwards = "k_0", dato.compiler_chosen, dato.tiles = array<i64: 0, [[ROW:[0-9]]]>} {
// CHECK-NEXT: ^bb0(%[[ARG:.*]]: memref<12xi32>):
// CHECK-NEXT:   dato.put @k_0_C_fwd, %[[ARG]] : memref<12xi32>
// CHECK-NEXT:   %[[BACK:.*]] = dato.get @k_0_C_back : memref<12xi32>
// CHECK-NEXT:   "memref.copy"(%[[BACK]], %[[ARG]])
// CHECK-NEXT: }
// CHECK:      dato.group @k of @k grid [1]
// CHECK:      ] attributes {dato.tiles = array<i64: 0, {{[0-9]}}>} {
// CHECK-NEXT: ^bb0(
// CHECK-NEXT:   %[[C:.*]] = dato.get @k_0_C_fwd : memref<12xi32>
// CHECK:        memref.store %{{.*}}, %d[%i] : memref<12xi32>
// CHECK:        memref.store %{{.*}}, %e[%i] : memref<12xi32>
// CHECK:        memref.store %{{.*}}, %[[C]][%j] : memref<12xi32>
// CHECK:        dato.put @k_0_C_back, %[[C]] : memref<12xi32>
// CHECK-NEXT: }

builtin.module {
  dato.region @top(%A: memref<12xi32>, %B: memref<12xi32>, %C: memref<12xi32>, %D: memref<12xi32>, %E: memref<12xi32>) {
    dato.group @k of @k grid [1] (%A : memref<12xi32>, %B : memref<12xi32>, %C : memref<12xi32>, %D : memref<12xi32>, %E : memref<12xi32>) ports [] instances [
      @k_0 pid [0] offsets [[0], [0], [0], [0], [0]] streams []
    ] {
    ^bb0(%a: memref<12xi32>, %b: memref<12xi32>, %c: memref<12xi32>, %d: memref<12xi32>, %e: memref<12xi32>):
      %0 = arith.constant 0 : index
      %1 = arith.constant 12 : index
      %2 = arith.constant 1 : index
      %3 = arith.constant 6 : index
      scf.for %i = %0 to %1 step %2 {
        %4 = memref.load %a[%i] : memref<12xi32>
        %5 = memref.load %b[%i] : memref<12xi32>
        %6 = arith.addi %4, %5 : i32
        memref.store %6, %d[%i] : memref<12xi32>
        %7 = arith.subi %4, %5 : i32
        memref.store %7, %e[%i] : memref<12xi32>
      }
      scf.for %j = %0 to %3 step %2 {
        %8 = memref.load %a[%j] : memref<12xi32>
        memref.store %8, %c[%j] : memref<12xi32>
      }
    }
  }
}
