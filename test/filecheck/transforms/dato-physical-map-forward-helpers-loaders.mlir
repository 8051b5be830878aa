// RUN: dato-opt %s -p 'dato-virtual-map,dato-physical-map{device=npu1}' | filecheck %s

// A halo stencil on a ring of 7 (test_npu_odd_rings.halo, rows of 4): each
// node reads A and C (its last element adds to C's host value) and gets the two ring
// streams. Helpers take A and C off the nodes (7 cores), the first helpers
// get loaders for A (their own gets count), and the cores run out for the
// rest, which were then given to share_with_peers on plans made before the
// loaders existed (KeyError 'node_0_io_A_C_0_load_A'). The groups are now
// planned anew first; the region maps on npu1's 16 cores.

// CHECK:      dato.group @node_0_io_A_C_0_load_A of @node_0_io_A_C_0_load_A grid [1] (%A : memref<7x4xi32>) ports [] instances [
// CHECK:      ] attributes {dato.forwards = "node_0_io_A_C_0", dato.compiler_chosen, dato.tiles = array<i64: {{.*}}>}
// CHECK:        dato.put @node_0_io_A_C_0_A_fwd
// CHECK:      dato.group @node_0_io_A_C of @node_0_io_A_C grid [1] (%A : memref<7x4xi32>, %C : memref<7x4xi32>)
// CHECK:        dato.get @node_0_io_A_C_0_A_fwd
// CHECK:        dato.get @node_0_C_back
// CHECK:      dato.group @node_1_io_A_C_0_load_A
// CHECK-NOT:  dato.group @node_2_io_A_C_0_load_A
// CHECK:      dato.group @node_6_io_A_C of
// CHECK:      dato.group @node of @node grid [7] {{.*}} ports [{{.*}}@A_fwd, @C_fwd, @C_back] instances [

builtin.module {
  dato.region @top(%A: memref<7x4xi32>, %C: memref<7x4xi32>) {
    dato.stream @right [7] : !dato.stream<i32, 2>
    dato.stream @left [7] : !dato.stream<i32, 2>
    dato.task @node grid [7] (%A : memref<7x4xi32> [S0, R], %C : memref<7x4xi32> [S0, R]) {
    ^bb0(%a: memref<1x4xi32>, %c: memref<1x4xi32>):
      %pi = dato.pid : index
      %lo = memref.alloca() : memref<i32>
      %hi = memref.alloca() : memref<i32>
      %0 = arith.constant 1 : index
      %1 = arith.addi %pi, %0 : index
      %2 = arith.constant 7 : index
      %3 = arith.remsi %1, %2 : index
      %4 = arith.constant 0 : index
      %5 = arith.cmpi slt, %3, %4 : index
      %6 = arith.addi %3, %2 : index
      %7 = arith.select %5, %6, %3 : index
      %8 = arith.constant 3 : index
      %9 = memref.load %a[%4, %8] : memref<1x4xi32>
      dato.put @right[%7], %9 : i32
      %10 = arith.addi %pi, %2 : index
      %11 = arith.subi %10, %0 : index
      %12 = arith.remsi %11, %2 : index
      %13 = arith.cmpi slt, %12, %4 : index
      %14 = arith.addi %12, %2 : index
      %15 = arith.select %13, %14, %12 : index
      %16 = memref.load %a[%4, %4] : memref<1x4xi32>
      dato.put @left[%15], %16 : i32
      %17 = dato.get @right[%pi] : i32
      memref.store %17, %lo[] : memref<i32>
      %18 = dato.get @left[%pi] : i32
      memref.store %18, %hi[] : memref<i32>
      %19 = memref.load %lo[] : memref<i32>
      %20 = memref.load %a[%4, %4] : memref<1x4xi32>
      %21 = arith.constant 2 : i32
      %22 = arith.muli %21, %20 : i32
      %23 = arith.addi %19, %22 : i32
      %24 = memref.load %a[%4, %0] : memref<1x4xi32>
      %25 = arith.addi %23, %24 : i32
      memref.store %25, %c[%4, %4] : memref<1x4xi32>
      scf.for %i = %0 to %8 step %0 {
        %26 = arith.subi %i, %0 : index
        %27 = memref.load %a[%4, %26] : memref<1x4xi32>
        %28 = memref.load %a[%4, %i] : memref<1x4xi32>
        %29 = arith.muli %21, %28 : i32
        %30 = arith.addi %27, %29 : i32
        %31 = arith.addi %i, %0 : index
        %32 = memref.load %a[%4, %31] : memref<1x4xi32>
        %33 = arith.addi %30, %32 : i32
        memref.store %33, %c[%4, %i] : memref<1x4xi32>
      }
      %34 = arith.constant 2 : index
      %35 = memref.load %a[%4, %34] : memref<1x4xi32>
      %36 = memref.load %a[%4, %8] : memref<1x4xi32>
      %37 = arith.muli %21, %36 : i32
      %38 = arith.addi %35, %37 : i32
      %39 = memref.load %hi[] : memref<i32>
      %40 = arith.addi %38, %39 : i32
      %41 = memref.load %c[%4, %8] : memref<1x4xi32>
      %42 = arith.addi %40, %41 : i32
      memref.store %42, %c[%4, %8] : memref<1x4xi32>
    }
  }
}
