// RUN: dato-opt %s -p "dato-physical-map{device=npu1}" | filecheck %s

// A loader deals A's and B's rows to 8 lanes: 16 block streams and 2 arrays,
// 18 fifos for a tile whose 16 locks hold 8 (a lock pair each). Placed as it
// is, it needs 3 output DMA channels, next to its lanes 24 locks. The
// compiler splits it into its independent parts (each lane's two puts: one
// consumer), consecutive lanes per task up to 8 fifos: lanes 0-2, 3-5, 6-7,
// each task reading A and B itself, its puts in their order, on tiles of
// their own. The store writes C from every lane: it stays one task.

// CHECK:      dato.group @load of @load grid [1] (%A : memref<8x16xi32>, %B : memref<8x16xi32>) ports [] instances [
// CHECK-NEXT:   @load_0 pid [0] offsets {{\[\[}}0, 0], [0, 0]] streams []
// CHECK-NEXT: ] attributes {dato.split_from = "load_0", dato.compiler_chosen, dato.tiles = array<i64: {{[0-9]+, [0-9]+}}>} {
// CHECK-NOT:  dato.group
// CHECK:        dato.put @lane_a_0,
// CHECK:        dato.put @lane_b_0,
// CHECK:        dato.put @lane_a_1,
// CHECK:        dato.put @lane_b_1,
// CHECK:        dato.put @lane_a_2,
// CHECK:        dato.put @lane_b_2,
// CHECK-NEXT: }
// CHECK-NEXT: dato.group @load_part1 of @load_part1 grid [1] (%A : memref<8x16xi32>, %B : memref<8x16xi32>) ports [] instances [
// CHECK-NEXT:   @load_part1_0 pid [0] offsets {{\[\[}}0, 0], [0, 0]] streams []
// CHECK-NEXT: ] attributes {dato.split_from = "load_0", dato.compiler_chosen, dato.tiles = array<i64: {{[0-9]+, [0-9]+}}>} {
// CHECK-NEXT: ^bb0(%a: memref<8x16xi32>, %b: memref<8x16xi32>):
// CHECK-NEXT:   %p = arith.constant 3 : index
// CHECK:        dato.put @lane_a_3,
// CHECK:        dato.put @lane_b_3,
// CHECK:        dato.put @lane_a_4,
// CHECK:        dato.put @lane_b_4,
// CHECK:        dato.put @lane_a_5,
// CHECK:        dato.put @lane_b_5,
// CHECK-NEXT: }
// CHECK-NEXT: dato.group @load_part2 of @load_part2 grid [1] (%A : memref<8x16xi32>, %B : memref<8x16xi32>) ports [] instances [
// CHECK-NEXT:   @load_part2_0 pid [0] offsets {{\[\[}}0, 0], [0, 0]] streams []
// CHECK-NEXT: ] attributes {dato.split_from = "load_0", dato.compiler_chosen, dato.tiles = array<i64: {{[0-9]+, [0-9]+}}>} {
// CHECK-NEXT: ^bb0(%a: memref<8x16xi32>, %b: memref<8x16xi32>):
// CHECK-NEXT:   %p = arith.constant 6 : index
// CHECK:        dato.put @lane_a_6,
// CHECK:        dato.put @lane_b_6,
// CHECK:        dato.put @lane_a_7,
// CHECK:        dato.put @lane_b_7,
// CHECK-NEXT: }
// CHECK:      dato.group @store of @store grid [1] (%C : memref<8x16xi32>) ports [] instances [
// CHECK-NOT:  dato.split_from
// CHECK:      dato.get @lane_c_7

builtin.module {
  dato.region @top(%A: memref<8x16xi32>, %B: memref<8x16xi32>, %C: memref<8x16xi32>) {
    dato.stream @lane_a_0 : !dato.stream<memref<16xi32>, 2>
    dato.stream @lane_a_1 : !dato.stream<memref<16xi32>, 2>
    dato.stream @lane_a_2 : !dato.stream<memref<16xi32>, 2>
    dato.stream @lane_a_3 : !dato.stream<memref<16xi32>, 2>
    dato.stream @lane_a_4 : !dato.stream<memref<16xi32>, 2>
    dato.stream @lane_a_5 : !dato.stream<memref<16xi32>, 2>
    dato.stream @lane_a_6 : !dato.stream<memref<16xi32>, 2>
    dato.stream @lane_a_7 : !dato.stream<memref<16xi32>, 2>
    dato.stream @lane_b_0 : !dato.stream<memref<16xi32>, 2>
    dato.stream @lane_b_1 : !dato.stream<memref<16xi32>, 2>
    dato.stream @lane_b_2 : !dato.stream<memref<16xi32>, 2>
    dato.stream @lane_b_3 : !dato.stream<memref<16xi32>, 2>
    dato.stream @lane_b_4 : !dato.stream<memref<16xi32>, 2>
    dato.stream @lane_b_5 : !dato.stream<memref<16xi32>, 2>
    dato.stream @lane_b_6 : !dato.stream<memref<16xi32>, 2>
    dato.stream @lane_b_7 : !dato.stream<memref<16xi32>, 2>
    dato.stream @lane_c_0 : !dato.stream<memref<16xi32>, 2>
    dato.stream @lane_c_1 : !dato.stream<memref<16xi32>, 2>
    dato.stream @lane_c_2 : !dato.stream<memref<16xi32>, 2>
    dato.stream @lane_c_3 : !dato.stream<memref<16xi32>, 2>
    dato.stream @lane_c_4 : !dato.stream<memref<16xi32>, 2>
    dato.stream @lane_c_5 : !dato.stream<memref<16xi32>, 2>
    dato.stream @lane_c_6 : !dato.stream<memref<16xi32>, 2>
    dato.stream @lane_c_7 : !dato.stream<memref<16xi32>, 2>
    dato.group @load of @load grid [1] (%A : memref<8x16xi32>, %B : memref<8x16xi32>) ports [] instances [
      @load_0 pid [0] offsets [[0, 0], [0, 0]] streams []
    ] {
    ^bb0(%a: memref<8x16xi32>, %b: memref<8x16xi32>):
      %p = arith.constant 0 : index
      %0 = memref.subview %a[%p, 0] [1, 16] [1, 1] : memref<8x16xi32> to memref<16xi32, strided<[1], offset: ?>>
      %1 = memref.alloc() : memref<16xi32>
      "memref.copy"(%0, %1) : (memref<16xi32, strided<[1], offset: ?>>, memref<16xi32>) -> ()
      dato.put @lane_a_0, %1 : memref<16xi32>
      %2 = memref.subview %b[%p, 0] [1, 16] [1, 1] : memref<8x16xi32> to memref<16xi32, strided<[1], offset: ?>>
      %3 = memref.alloc() : memref<16xi32>
      "memref.copy"(%2, %3) : (memref<16xi32, strided<[1], offset: ?>>, memref<16xi32>) -> ()
      dato.put @lane_b_0, %3 : memref<16xi32>
      %p_1 = arith.constant 1 : index
      %4 = memref.subview %a[%p_1, 0] [1, 16] [1, 1] : memref<8x16xi32> to memref<16xi32, strided<[1], offset: ?>>
      %5 = memref.alloc() : memref<16xi32>
      "memref.copy"(%4, %5) : (memref<16xi32, strided<[1], offset: ?>>, memref<16xi32>) -> ()
      dato.put @lane_a_1, %5 : memref<16xi32>
      %6 = memref.subview %b[%p_1, 0] [1, 16] [1, 1] : memref<8x16xi32> to memref<16xi32, strided<[1], offset: ?>>
      %7 = memref.alloc() : memref<16xi32>
      "memref.copy"(%6, %7) : (memref<16xi32, strided<[1], offset: ?>>, memref<16xi32>) -> ()
      dato.put @lane_b_1, %7 : memref<16xi32>
      %p_2 = arith.constant 2 : index
      %8 = memref.subview %a[%p_2, 0] [1, 16] [1, 1] : memref<8x16xi32> to memref<16xi32, strided<[1], offset: ?>>
      %9 = memref.alloc() : memref<16xi32>
      "memref.copy"(%8, %9) : (memref<16xi32, strided<[1], offset: ?>>, memref<16xi32>) -> ()
      dato.put @lane_a_2, %9 : memref<16xi32>
      %10 = memref.subview %b[%p_2, 0] [1, 16] [1, 1] : memref<8x16xi32> to memref<16xi32, strided<[1], offset: ?>>
      %11 = memref.alloc() : memref<16xi32>
      "memref.copy"(%10, %11) : (memref<16xi32, strided<[1], offset: ?>>, memref<16xi32>) -> ()
      dato.put @lane_b_2, %11 : memref<16xi32>
      %p_3 = arith.constant 3 : index
      %12 = memref.subview %a[%p_3, 0] [1, 16] [1, 1] : memref<8x16xi32> to memref<16xi32, strided<[1], offset: ?>>
      %13 = memref.alloc() : memref<16xi32>
      "memref.copy"(%12, %13) : (memref<16xi32, strided<[1], offset: ?>>, memref<16xi32>) -> ()
      dato.put @lane_a_3, %13 : memref<16xi32>
      %14 = memref.subview %b[%p_3, 0] [1, 16] [1, 1] : memref<8x16xi32> to memref<16xi32, strided<[1], offset: ?>>
      %15 = memref.alloc() : memref<16xi32>
      "memref.copy"(%14, %15) : (memref<16xi32, strided<[1], offset: ?>>, memref<16xi32>) -> ()
      dato.put @lane_b_3, %15 : memref<16xi32>
      %p_4 = arith.constant 4 : index
      %16 = memref.subview %a[%p_4, 0] [1, 16] [1, 1] : memref<8x16xi32> to memref<16xi32, strided<[1], offset: ?>>
      %17 = memref.alloc() : memref<16xi32>
      "memref.copy"(%16, %17) : (memref<16xi32, strided<[1], offset: ?>>, memref<16xi32>) -> ()
      dato.put @lane_a_4, %17 : memref<16xi32>
      %18 = memref.subview %b[%p_4, 0] [1, 16] [1, 1] : memref<8x16xi32> to memref<16xi32, strided<[1], offset: ?>>
      %19 = memref.alloc() : memref<16xi32>
      "memref.copy"(%18, %19) : (memref<16xi32, strided<[1], offset: ?>>, memref<16xi32>) -> ()
      dato.put @lane_b_4, %19 : memref<16xi32>
      %p_5 = arith.constant 5 : index
      %20 = memref.subview %a[%p_5, 0] [1, 16] [1, 1] : memref<8x16xi32> to memref<16xi32, strided<[1], offset: ?>>
      %21 = memref.alloc() : memref<16xi32>
      "memref.copy"(%20, %21) : (memref<16xi32, strided<[1], offset: ?>>, memref<16xi32>) -> ()
      dato.put @lane_a_5, %21 : memref<16xi32>
      %22 = memref.subview %b[%p_5, 0] [1, 16] [1, 1] : memref<8x16xi32> to memref<16xi32, strided<[1], offset: ?>>
      %23 = memref.alloc() : memref<16xi32>
      "memref.copy"(%22, %23) : (memref<16xi32, strided<[1], offset: ?>>, memref<16xi32>) -> ()
      dato.put @lane_b_5, %23 : memref<16xi32>
      %p_6 = arith.constant 6 : index
      %24 = memref.subview %a[%p_6, 0] [1, 16] [1, 1] : memref<8x16xi32> to memref<16xi32, strided<[1], offset: ?>>
      %25 = memref.alloc() : memref<16xi32>
      "memref.copy"(%24, %25) : (memref<16xi32, strided<[1], offset: ?>>, memref<16xi32>) -> ()
      dato.put @lane_a_6, %25 : memref<16xi32>
      %26 = memref.subview %b[%p_6, 0] [1, 16] [1, 1] : memref<8x16xi32> to memref<16xi32, strided<[1], offset: ?>>
      %27 = memref.alloc() : memref<16xi32>
      "memref.copy"(%26, %27) : (memref<16xi32, strided<[1], offset: ?>>, memref<16xi32>) -> ()
      dato.put @lane_b_6, %27 : memref<16xi32>
      %p_7 = arith.constant 7 : index
      %28 = memref.subview %a[%p_7, 0] [1, 16] [1, 1] : memref<8x16xi32> to memref<16xi32, strided<[1], offset: ?>>
      %29 = memref.alloc() : memref<16xi32>
      "memref.copy"(%28, %29) : (memref<16xi32, strided<[1], offset: ?>>, memref<16xi32>) -> ()
      dato.put @lane_a_7, %29 : memref<16xi32>
      %30 = memref.subview %b[%p_7, 0] [1, 16] [1, 1] : memref<8x16xi32> to memref<16xi32, strided<[1], offset: ?>>
      %31 = memref.alloc() : memref<16xi32>
      "memref.copy"(%30, %31) : (memref<16xi32, strided<[1], offset: ?>>, memref<16xi32>) -> ()
      dato.put @lane_b_7, %31 : memref<16xi32>
    }
    dato.group @lane of @lane grid [8] () ports [@lane_a_in, @lane_b_in, @lane_c_out] instances [
      @lane_0 pid [0] offsets [] streams [@lane_a_0, @lane_b_0, @lane_c_0],
      @lane_1 pid [1] offsets [] streams [@lane_a_1, @lane_b_1, @lane_c_1],
      @lane_2 pid [2] offsets [] streams [@lane_a_2, @lane_b_2, @lane_c_2],
      @lane_3 pid [3] offsets [] streams [@lane_a_3, @lane_b_3, @lane_c_3],
      @lane_4 pid [4] offsets [] streams [@lane_a_4, @lane_b_4, @lane_c_4],
      @lane_5 pid [5] offsets [] streams [@lane_a_5, @lane_b_5, @lane_c_5],
      @lane_6 pid [6] offsets [] streams [@lane_a_6, @lane_b_6, @lane_c_6],
      @lane_7 pid [7] offsets [] streams [@lane_a_7, @lane_b_7, @lane_c_7]
    ] {
      %0 = dato.get @lane_a_in : memref<16xi32>
      %1 = dato.get @lane_b_in : memref<16xi32>
      %2 = memref.alloc() : memref<16xi32>
      linalg.add ins(%0, %1 : memref<16xi32>, memref<16xi32>) outs(%2 : memref<16xi32>)
      dato.put @lane_c_out, %2 : memref<16xi32>
    }
    dato.group @store of @store grid [1] (%C : memref<8x16xi32>) ports [] instances [
      @store_0 pid [0] offsets [[0, 0]] streams []
    ] {
    ^bb0(%c: memref<8x16xi32>):
      %p = arith.constant 0 : index
      %0 = dato.get @lane_c_0 : memref<16xi32>
      %1 = memref.subview %c[%p, 0] [1, 16] [1, 1] : memref<8x16xi32> to memref<16xi32, strided<[1], offset: ?>>
      "memref.copy"(%0, %1) : (memref<16xi32>, memref<16xi32, strided<[1], offset: ?>>) -> ()
      %p_1 = arith.constant 1 : index
      %2 = dato.get @lane_c_1 : memref<16xi32>
      %3 = memref.subview %c[%p_1, 0] [1, 16] [1, 1] : memref<8x16xi32> to memref<16xi32, strided<[1], offset: ?>>
      "memref.copy"(%2, %3) : (memref<16xi32>, memref<16xi32, strided<[1], offset: ?>>) -> ()
      %p_2 = arith.constant 2 : index
      %4 = dato.get @lane_c_2 : memref<16xi32>
      %5 = memref.subview %c[%p_2, 0] [1, 16] [1, 1] : memref<8x16xi32> to memref<16xi32, strided<[1], offset: ?>>
      "memref.copy"(%4, %5) : (memref<16xi32>, memref<16xi32, strided<[1], offset: ?>>) -> ()
      %p_3 = arith.constant 3 : index
      %6 = dato.get @lane_c_3 : memref<16xi32>
      %7 = memref.subview %c[%p_3, 0] [1, 16] [1, 1] : memref<8x16xi32> to memref<16xi32, strided<[1], offset: ?>>
      "memref.copy"(%6, %7) : (memref<16xi32>, memref<16xi32, strided<[1], offset: ?>>) -> ()
      %p_4 = arith.constant 4 : index
      %8 = dato.get @lane_c_4 : memref<16xi32>
      %9 = memref.subview %c[%p_4, 0] [1, 16] [1, 1] : memref<8x16xi32> to memref<16xi32, strided<[1], offset: ?>>
      "memref.copy"(%8, %9) : (memref<16xi32>, memref<16xi32, strided<[1], offset: ?>>) -> ()
      %p_5 = arith.constant 5 : index
      %10 = dato.get @lane_c_5 : memref<16xi32>
      %11 = memref.subview %c[%p_5, 0] [1, 16] [1, 1] : memref<8x16xi32> to memref<16xi32, strided<[1], offset: ?>>
      "memref.copy"(%10, %11) : (memref<16xi32>, memref<16xi32, strided<[1], offset: ?>>) -> ()
      %p_6 = arith.constant 6 : index
      %12 = dato.get @lane_c_6 : memref<16xi32>
      %13 = memref.subview %c[%p_6, 0] [1, 16] [1, 1] : memref<8x16xi32> to memref<16xi32, strided<[1], offset: ?>>
      "memref.copy"(%12, %13) : (memref<16xi32>, memref<16xi32, strided<[1], offset: ?>>) -> ()
      %p_7 = arith.constant 7 : index
      %14 = dato.get @lane_c_7 : memref<16xi32>
      %15 = memref.subview %c[%p_7, 0] [1, 16] [1, 1] : memref<8x16xi32> to memref<16xi32, strided<[1], offset: ?>>
      "memref.copy"(%14, %15) : (memref<16xi32>, memref<16xi32, strided<[1], offset: ?>>) -> ()
    }
  }
}
