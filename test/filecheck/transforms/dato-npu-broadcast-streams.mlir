// RUN: dato-opt %s --split-input-file -p "dato-virtual-map,dato-npu-broadcast-streams" | filecheck %s

// im2col: one task builds the 9 x 16 column matrix and puts it on the four
// streams of a meta_for, one put after the other; four tasks get one each.
// The four streams carry the same values: the set is recorded on the first.

// CHECK:      dato.stream @cols_0 : !dato.stream<memref<9x16xi32>, 2> {dato.broadcast_streams = ["cols_0", "cols_1", "cols_2", "cols_3"]}
// CHECK-NEXT: dato.stream @cols_1 : !dato.stream<memref<9x16xi32>, 2>{{$}}
// CHECK-NEXT: dato.stream @cols_2 : !dato.stream<memref<9x16xi32>, 2>{{$}}
// CHECK-NEXT: dato.stream @cols_3 : !dato.stream<memref<9x16xi32>, 2>{{$}}
// CHECK:      dato.put @cols_0, %m
// CHECK-NEXT: dato.put @cols_1, %m
// CHECK-NEXT: dato.put @cols_2, %m
// CHECK-NEXT: dato.put @cols_3, %m

builtin.module {
  dato.region @top(%X: memref<6x6xi32>, %F: memref<8x9xi32>, %Y: memref<8x16xi32>) {
    dato.stream @cols [4] : !dato.stream<memref<9x16xi32>, 2>
    dato.task @im2col grid [1] (%X : memref<6x6xi32> [R, R]) {
    ^bb0(%x: memref<6x6xi32>):
      %m = memref.alloc() : memref<9x16xi32>
      %0 = arith.constant 0 : i32
      linalg.fill ins(%0 : i32) outs(%m : memref<9x16xi32>)
      %1 = arith.constant 0 : index
      %2 = arith.constant 3 : index
      %3 = arith.constant 1 : index
      scf.for %u = %1 to %2 step %3 {
        scf.for %v = %1 to %2 step %3 {
          %4 = arith.constant 4 : index
          scf.for %i = %1 to %4 step %3 {
            scf.for %j = %1 to %4 step %3 {
              %5 = arith.addi %i, %u : index
              %6 = arith.addi %j, %v : index
              %7 = memref.load %x[%5, %6] : memref<6x6xi32>
              %8 = arith.muli %u, %2 : index
              %9 = arith.addi %8, %v : index
              %10 = arith.muli %i, %4 : index
              %11 = arith.addi %10, %j : index
              memref.store %7, %m[%9, %11] : memref<9x16xi32>
            }
          }
        }
      }
      %12 = arith.constant 4 : index
      scf.for %p = %1 to %12 step %3 {
        dato.put @cols[%p], %m : memref<9x16xi32>
      } {dato.meta}
    }
    dato.task @mm grid [4] (%F : memref<8x9xi32> [S0, R], %Y : memref<8x16xi32> [S0, R]) {
    ^bb0(%f: memref<2x9xi32>, %y: memref<2x16xi32>):
      %pi = dato.pid : index
      %0 = dato.get @cols[%pi] : memref<9x16xi32>
      %1 = memref.alloc() : memref<2x16xi32>
      %2 = arith.constant 0 : i32
      linalg.fill ins(%2 : i32) outs(%1 : memref<2x16xi32>)
      linalg.matmul ins(%f, %0 : memref<2x9xi32>, memref<9x16xi32>) outs(%1 : memref<2x16xi32>)
      "memref.copy"(%1, %y) : (memref<2x16xi32>, memref<2x16xi32>) -> ()
    }
  }
}

// -----

// The first consumer forwards its block to the second, which waits on it
// before it gets its own (and gets two streams): one put for both could
// deadlock, so no set.

// CHECK:      dato.stream @s_0 : !dato.stream<memref<8xi32>, 1>{{$}}
// CHECK-NEXT: dato.stream @s_1 : !dato.stream<memref<8xi32>, 1>{{$}}
// CHECK-NEXT: dato.stream @fwd : !dato.stream<memref<8xi32>, 1>{{$}}

builtin.module {
  dato.region @top(%A: memref<8xi32>, %B: memref<8xi32>, %C: memref<8xi32>) {
    dato.stream @s [2] : !dato.stream<memref<8xi32>, 1>
    dato.stream @fwd : !dato.stream<memref<8xi32>, 1>
    dato.task @src grid [1] (%A : memref<8xi32> [R]) {
    ^bb0(%a: memref<8xi32>):
      %blk = memref.alloc() : memref<8xi32>
      "memref.copy"(%a, %blk) : (memref<8xi32>, memref<8xi32>) -> ()
      %0 = arith.constant 0 : index
      %1 = arith.constant 2 : index
      %2 = arith.constant 1 : index
      scf.for %p = %0 to %1 step %2 {
        dato.put @s[%p], %blk : memref<8xi32>
      } {dato.meta}
    }
    dato.task @first grid [1] (%B : memref<8xi32> [R]) {
    ^bb0(%b: memref<8xi32>):
      %v = memref.alloc() : memref<8xi32>
      %0 = arith.constant 0 : index
      %1 = dato.get @s[%0] : memref<8xi32>
      "memref.copy"(%1, %v) : (memref<8xi32>, memref<8xi32>) -> ()
      dato.put @fwd, %v : memref<8xi32>
      "memref.copy"(%v, %b) : (memref<8xi32>, memref<8xi32>) -> ()
    }
    dato.task @second grid [1] (%C : memref<8xi32> [R]) {
    ^bb0(%c: memref<8xi32>):
      %w = memref.alloc() : memref<8xi32>
      %0 = dato.get @fwd : memref<8xi32>
      "memref.copy"(%0, %w) : (memref<8xi32>, memref<8xi32>) -> ()
      %1 = arith.constant 1 : index
      %2 = dato.get @s[%1] : memref<8xi32>
      %3 = memref.alloc() : memref<8xi32>
      linalg.add ins(%w, %2 : memref<8xi32>, memref<8xi32>) outs(%3 : memref<8xi32>)
      "memref.copy"(%3, %c) : (memref<8xi32>, memref<8xi32>) -> ()
    }
  }
}

// -----

// Allo's SUMMA loader: the slice itself is put on each stream of a meta_for,
// so every unrolled put copied it anew. The second computation of the same
// slice (index arithmetic, subview, fresh local, copy; nothing written in
// between) goes: one copy is put on both streams, which then form a set.

// CHECK:      dato.stream @pipe_0 : !dato.stream<memref<8x4xi32>, 2> {dato.broadcast_streams = ["pipe_0", "pipe_1"]}
// CHECK:      scf.for %k
// CHECK-NEXT:   %[[OFF:.*]] = arith.muli %k
// CHECK-NEXT:   %[[SLICE:.*]] = memref.subview %a[0, %[[OFF]]] [8, 4] [1, 1]
// CHECK-NEXT:   %[[BLK:.*]] = memref.alloc() : memref<8x4xi32>
// CHECK-NEXT:   "memref.copy"(%[[SLICE]], %[[BLK]])
// CHECK-NEXT:   dato.put @pipe_0, %[[BLK]] : memref<8x4xi32>
// CHECK-NEXT:   dato.put @pipe_1, %[[BLK]] : memref<8x4xi32>
// CHECK-NEXT: }

builtin.module {
  dato.region @top(%A: memref<8x16xi32>, %B: memref<16x8xi32>, %C: memref<8x8xi32>) {
    dato.stream @pipe [2] : !dato.stream<memref<8x4xi32>, 2>
    dato.task @load grid [1] (%A : memref<8x16xi32> [R, R]) {
    ^bb0(%a: memref<8x16xi32>):
      %0 = arith.constant 0 : index
      %1 = arith.constant 4 : index
      %2 = arith.constant 1 : index
      scf.for %k = %0 to %1 step %2 {
        %3 = arith.constant 2 : index
        scf.for %p = %0 to %3 step %2 {
          %4 = arith.muli %k, %1 : index
          %5 = arith.addi %k, %2 : index
          %6 = arith.muli %5, %1 : index
          %7 = memref.subview %a[0, %4] [8, 4] [1, 1] : memref<8x16xi32> to memref<8x4xi32, strided<[16, 1], offset: ?>>
          %8 = memref.alloc() : memref<8x4xi32>
          "memref.copy"(%7, %8) : (memref<8x4xi32, strided<[16, 1], offset: ?>>, memref<8x4xi32>) -> ()
          dato.put @pipe[%p], %8 : memref<8x4xi32>
        } {dato.meta}
      }
    }
    dato.task @work grid [2] (%B : memref<16x8xi32> [R, S0], %C : memref<8x8xi32> [R, S0]) {
    ^bb0(%b: memref<16x4xi32>, %c: memref<8x4xi32>):
      %pi = dato.pid : index
      %acc = memref.alloc() : memref<8x4xi32>
      %0 = arith.constant 0 : i32
      linalg.fill ins(%0 : i32) outs(%acc : memref<8x4xi32>)
      %1 = arith.constant 0 : index
      %2 = arith.constant 4 : index
      %3 = arith.constant 1 : index
      scf.for %k = %1 to %2 step %3 {
        %4 = dato.get @pipe[%pi] : memref<8x4xi32>
        %5 = arith.muli %k, %2 : index
        %6 = arith.addi %k, %3 : index
        %7 = arith.muli %6, %2 : index
        %8 = memref.subview %b[%5, 0] [4, 4] [1, 1] : memref<16x4xi32> to memref<4x4xi32, strided<[4, 1], offset: ?>>
        %9 = memref.alloc() : memref<8x4xi32>
        linalg.fill ins(%0 : i32) outs(%9 : memref<8x4xi32>)
        linalg.matmul ins(%4, %8 : memref<8x4xi32>, memref<4x4xi32, strided<[4, 1], offset: ?>>) outs(%9 : memref<8x4xi32>)
        %10 = memref.alloc() : memref<8x4xi32>
        linalg.add ins(%acc, %9 : memref<8x4xi32>, memref<8x4xi32>) outs(%10 : memref<8x4xi32>)
        "memref.copy"(%10, %acc) : (memref<8x4xi32>, memref<8x4xi32>) -> ()
      }
      "memref.copy"(%acc, %c) : (memref<8x4xi32>, memref<8x4xi32>) -> ()
    }
  }
}
