// RUN: dato-opt %s -p 'dato-virtual-map,dato-mapping-primitives{chain="mid_0,dst_0"},dato-physical-map{device=npu1}' | filecheck %s

// dst is chained after mid (a row on @w, a local buffer of their core) and
// gets two 14 KiB blocks from src on @s, which src's tile holds (src is
// placed on (0, 2), dst's core north of it on (0, 3): the consumer's core
// reaches the producer's memory, devices.fifo_holder). src's tile holds A's
// block, its two local copies and @s's two objects: 70 KiB, over 63 KiB.
// One object deep, @s saves 14 KiB; the replay of src on its core and of mid
// then dst on theirs finishes (src's second put waits for dst's first get,
// which comes after mid's put), so the depth goes into the IR with the
// declared one beside it. @w, inside the core, stays as declared. (The
// chained core holds two blocks and rows of locals and B in and out, 57
// KiB, none of @s.)

// CHECK:      dato.stream @s : !dato.stream<memref<56x64xi32>, 1> {dato.depth_by_compiler = 2 : i64}
// CHECK-NEXT: dato.stream @w : !dato.stream<memref<64xi32>, 2>{{$}}
// CHECK:      dato.group @src of @src
// CHECK:      attributes {dato.tiles = array<i64: 0, 2>}
// CHECK:      dato.group @dst of @dst
// CHECK:      attributes {dato.tiles = array<i64: 0, 3>}
// CHECK:      dato.chain [@mid_0, @dst_0]

dato.region @top(%A: memref<56x64xi32>, %U: memref<64xi32>, %B: memref<56x64xi32>) {
  dato.stream @s : !dato.stream<memref<56x64xi32>, 2>
  dato.stream @w : !dato.stream<memref<64xi32>, 2>
  dato.task @src grid [1] (%A : memref<56x64xi32> [R, R]) {
  ^bb0(%a: memref<56x64xi32>):
    %x = memref.alloc() : memref<56x64xi32>
    "memref.copy"(%a, %x) : (memref<56x64xi32>, memref<56x64xi32>) -> ()
    %y = memref.alloc() : memref<56x64xi32>
    "memref.copy"(%x, %y) : (memref<56x64xi32>, memref<56x64xi32>) -> ()
    dato.put @s, %x : memref<56x64xi32>
    dato.put @s, %y : memref<56x64xi32>
  }
  dato.task @mid grid [1] (%U : memref<64xi32> [R]) {
  ^bb0(%u: memref<64xi32>):
    dato.put @w, %u : memref<64xi32>
  }
  dato.task @dst grid [1] (%B : memref<56x64xi32> [R, R]) {
  ^bb0(%b: memref<56x64xi32>):
    %0 = dato.get @s : memref<56x64xi32>
    %1 = dato.get @s : memref<56x64xi32>
    %2 = memref.alloc() : memref<56x64xi32>
    linalg.add ins(%0, %1 : memref<56x64xi32>, memref<56x64xi32>) outs(%2 : memref<56x64xi32>)
    "memref.copy"(%2, %b) : (memref<56x64xi32>, memref<56x64xi32>) -> ()
    %3 = arith.constant 0 : index
    %4 = memref.subview %b[%3, 0] [1, 64] [1, 1] : memref<56x64xi32> to memref<64xi32, strided<[1], offset: ?>>
    %5 = dato.get @w : memref<64xi32>
    %6 = memref.alloc() : memref<64xi32>
    %7 = arith.constant 64 : index
    %8 = arith.constant 1 : index
    scf.for %9 = %3 to %7 step %8 {
      %10 = memref.load %4[%9] : memref<64xi32, strided<[1], offset: ?>>
      %11 = memref.load %5[%9] : memref<64xi32>
      %12 = arith.addi %10, %11 : i32
      memref.store %12, %6[%9] : memref<64xi32>
    }
    %13 = memref.subview %b[%3, 0] [1, 64] [1, 1] : memref<56x64xi32> to memref<64xi32, strided<[1], offset: ?>>
    "memref.copy"(%6, %13) : (memref<64xi32>, memref<64xi32, strided<[1], offset: ?>>) -> ()
  }
}
