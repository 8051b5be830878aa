// RUN: dato-opt %s --split-input-file -p 'dato-npu-slice-boxes' | filecheck %s

// Case 1: a 2x2 grid whose node (i, j) copies block (i, (i + j) % 2) of a
// replicated 64x64 int32 A (16 KiB, the blocks disjoint): the offset is a
// remainder of the pids (Python's %: remsi, cmpi, select), evaluated per
// instance. The body argument becomes the 32x32 block, each instance's
// offsets move to it, and the copy reads the argument itself.
// CHECK-LABEL: dato.region @top
// CHECK:       @node_0_0 pid [0, 0] offsets {{\[}}[0, 0], [0, 0]]
// CHECK-NEXT:  @node_0_1 pid [0, 1] offsets {{\[}}[0, 32], [0, 32]]
// CHECK-NEXT:  @node_1_0 pid [1, 0] offsets {{\[}}[32, 32], [32, 0]]
// CHECK-NEXT:  @node_1_1 pid [1, 1] offsets {{\[}}[32, 0], [32, 32]]
// CHECK:       ^bb0(%a: memref<32x32xi32>, %c: memref<32x32xi32>):
// CHECK-NOT:   memref.subview
// CHECK:       "memref.copy"(%a, %blk) : (memref<32x32xi32>, memref<32x32xi32>) -> ()

builtin.module {
  dato.region @top(%A: memref<64x64xi32>, %C: memref<64x64xi32>) {
    dato.group @node of @node grid [2, 2] (%A : memref<64x64xi32>, %C : memref<64x64xi32>) ports [] instances [
      @node_0_0 pid [0, 0] offsets [[0, 0], [0, 0]] streams [],
      @node_0_1 pid [0, 1] offsets [[0, 0], [0, 32]] streams [],
      @node_1_0 pid [1, 0] offsets [[0, 0], [32, 0]] streams [],
      @node_1_1 pid [1, 1] offsets [[0, 0], [32, 32]] streams []
    ] {
    ^bb0(%a: memref<64x64xi32>, %c: memref<32x32xi32>):
      %pi, %pj = dato.pid : index, index
      %0 = arith.addi %pi, %pj : index
      %1 = arith.constant 2 : index
      %2 = arith.remsi %0, %1 : index
      %3 = arith.constant 0 : index
      %4 = arith.cmpi slt, %2, %3 : index
      %5 = arith.addi %2, %1 : index
      %6 = arith.select %4, %5, %2 : index
      %blk = memref.alloc() : memref<32x32xi32>
      %7 = arith.constant 0 : i32
      linalg.fill ins(%7 : i32) outs(%blk : memref<32x32xi32>)
      %8 = arith.constant 32 : index
      %9 = arith.muli %pi, %8 : index
      %10 = arith.muli %6, %8 : index
      %11 = memref.subview %a[%9, %10] [32, 32] [1, 1] : memref<64x64xi32> to memref<32x32xi32, strided<[64, 1], offset: ?>>
      "memref.copy"(%11, %blk) : (memref<32x32xi32, strided<[64, 1], offset: ?>>, memref<32x32xi32>) -> ()
      %12 = memref.alloc() : memref<32x32xi32>
      linalg.add ins(%blk, %blk : memref<32x32xi32>, memref<32x32xi32>) outs(%12 : memref<32x32xi32>)
      "memref.copy"(%12, %c) : (memref<32x32xi32>, memref<32x32xi32>) -> ()
    }
  }
}

// -----

// Case 2: the same slice of a 16x16 A (1 KiB): small arrays move whole
// (read-boxes' thresholds), the view stays.
// CHECK-LABEL: dato.region @small
// CHECK:       ^bb0(%a: memref<16x16xi32>, %c: memref<8x8xi32>):
// CHECK:       memref.subview %a

builtin.module {
  dato.region @small(%A: memref<16x16xi32>, %C: memref<16x16xi32>) {
    dato.group @node of @node grid [2, 2] (%A : memref<16x16xi32>, %C : memref<16x16xi32>) ports [] instances [
      @node_0_0 pid [0, 0] offsets [[0, 0], [0, 0]] streams [],
      @node_0_1 pid [0, 1] offsets [[0, 0], [0, 8]] streams [],
      @node_1_0 pid [1, 0] offsets [[0, 0], [8, 0]] streams [],
      @node_1_1 pid [1, 1] offsets [[0, 0], [8, 8]] streams []
    ] {
    ^bb0(%a: memref<16x16xi32>, %c: memref<8x8xi32>):
      %pi, %pj = dato.pid : index, index
      %blk = memref.alloc() : memref<8x8xi32>
      %1 = arith.constant 8 : index
      %2 = arith.muli %pi, %1 : index
      %3 = arith.muli %pj, %1 : index
      %4 = memref.subview %a[%2, %3] [8, 8] [1, 1] : memref<16x16xi32> to memref<8x8xi32, strided<[16, 1], offset: ?>>
      "memref.copy"(%4, %blk) : (memref<8x8xi32, strided<[16, 1], offset: ?>>, memref<8x8xi32>) -> ()
      "memref.copy"(%blk, %c) : (memref<8x8xi32>, memref<8x8xi32>) -> ()
    }
  }
}
