// RUN: dato-opt %s -p "dato-virtual-map,dato-physical-map{device=npu1}" | filecheck %s

// A halo stencil on a ring of 9 nodes: node p puts the last element of its
// row of A to node p + 1 (@right) and the first to node p - 1 (@left), gets
// both neighbours' and writes its row of C (its last element adds to C's host
// value, so C's row is read in as well). A ring of odd length cannot lie on grid neighbours (the
// grid is bipartite), so placed as it is one pair of nodes exchange through
// DMA and each gets A, C and the stream: 3 input channels of 2. The compiler
// puts a relay core on each stream between the two nodes a 2-colouring gives
// one colour (node_4 and node_5, farthest from node_0): the cycle through the
// relays is even, and every link then joins tiles sharing memory.
builtin.module {
  dato.region @top(%A: memref<9x16xi32>, %C: memref<9x16xi32>) {
    dato.stream @right [9] : !dato.stream<i32, 2>
    dato.stream @left [9] : !dato.stream<i32, 2>
    dato.task @node grid [9] (%A : memref<9x16xi32> [S0, R], %C : memref<9x16xi32> [S0, R]) {
    ^bb0(%a: memref<1x16xi32>, %c: memref<1x16xi32>):
      %pi = dato.pid : index
      %lo = memref.alloca() : memref<i32>
      %hi = memref.alloca() : memref<i32>
      %0 = arith.constant 1 : index
      %1 = arith.addi %pi, %0 : index
      %2 = arith.constant 9 : index
      %3 = arith.remsi %1, %2 : index
      %4 = arith.constant 0 : index
      %5 = arith.cmpi slt, %3, %4 : index
      %6 = arith.addi %3, %2 : index
      %7 = arith.select %5, %6, %3 : index
      %8 = arith.constant 15 : index
      %9 = memref.load %a[%4, %8] : memref<1x16xi32>
      dato.put @right[%7], %9 : i32
      %10 = arith.addi %pi, %2 : index
      %11 = arith.subi %10, %0 : index
      %12 = arith.remsi %11, %2 : index
      %13 = arith.cmpi slt, %12, %4 : index
      %14 = arith.addi %12, %2 : index
      %15 = arith.select %13, %14, %12 : index
      %16 = memref.load %a[%4, %4] : memref<1x16xi32>
      dato.put @left[%15], %16 : i32
      %17 = dato.get @right[%pi] : i32
      memref.store %17, %lo[] : memref<i32>
      %18 = dato.get @left[%pi] : i32
      memref.store %18, %hi[] : memref<i32>
      %19 = memref.load %lo[] : memref<i32>
      %20 = memref.load %a[%4, %4] : memref<1x16xi32>
      %21 = arith.constant 2 : i32
      %22 = arith.muli %21, %20 : i32
      %23 = arith.addi %19, %22 : i32
      %24 = memref.load %a[%4, %0] : memref<1x16xi32>
      %25 = arith.addi %23, %24 : i32
      memref.store %25, %c[%4, %4] : memref<1x16xi32>
      scf.for %i = %0 to %8 step %0 {
        %26 = arith.subi %i, %0 : index
        %27 = memref.load %a[%4, %26] : memref<1x16xi32>
        %28 = memref.load %a[%4, %i] : memref<1x16xi32>
        %29 = arith.muli %21, %28 : i32
        %30 = arith.addi %27, %29 : i32
        %31 = arith.addi %i, %0 : index
        %32 = memref.load %a[%4, %31] : memref<1x16xi32>
        %33 = arith.addi %30, %32 : i32
        memref.store %33, %c[%4, %i] : memref<1x16xi32>
      }
      %34 = arith.constant 14 : index
      %35 = memref.load %a[%4, %34] : memref<1x16xi32>
      %36 = memref.load %a[%4, %8] : memref<1x16xi32>
      %37 = arith.muli %21, %36 : i32
      %38 = arith.addi %35, %37 : i32
      %39 = memref.load %hi[] : memref<i32>
      %40 = arith.addi %38, %39 : i32
      %41 = memref.load %c[%4, %8] : memref<1x16xi32>
      %42 = arith.addi %40, %41 : i32
      memref.store %42, %c[%4, %8] : memref<1x16xi32>
    }
  }
}

// CHECK:      dato.stream @right_5_relayed : !dato.stream<i32, 2> {dato.compiler_chosen}
// CHECK:      dato.stream @left_4_relayed : !dato.stream<i32, 2> {dato.compiler_chosen}
// CHECK:      dato.group @left_4_relay of @left_4_relay grid [1] () ports [] instances [
// CHECK-NEXT:   @left_4_relay_0 pid [0] offsets [] streams []
// CHECK-NEXT: ] attributes {dato.relay = "left_4", dato.compiler_chosen, dato.tiles = array<i64: 0, 2>} {
// CHECK:        scf.for
// CHECK-NEXT:     %[[X:.*]] = dato.get @left_4 : i32
// CHECK-NEXT:     dato.put @left_4_relayed, %[[X]] : i32
// CHECK:      dato.group @right_5_relay of @right_5_relay grid [1] () ports [] instances [
// CHECK:      ] attributes {dato.relay = "right_5", dato.compiler_chosen, dato.tiles = array<i64: 1, 3>} {
// CHECK:        dato.get @right_5 : i32
// the consumers get the relayed streams; node_4 on (0, 3) and node_5 on (1, 2)
// are both neighbours of the relays on (0, 2) and (1, 3)
// CHECK:      @node_4 pid [4] offsets [[4, 0], [4, 0]] streams [@right_5, @left_3, @right_4, @left_4_relayed],
// CHECK-NEXT: @node_5 pid [5] offsets [[5, 0], [5, 0]] streams [@right_6, @left_4, @right_5_relayed, @left_5],
// CHECK:      dato.tiles = array<i64: 1, 4, 1, 5, 0, 5, 0, 4, 0, 3, 1, 2, 2, 2, 2, 3, 2, 4>
