// RUN: dato-opt %s -p "dato-virtual-map,dato-physical-map{device=npu1}" | filecheck %s

// Six sources send one row each to a reducer that gets them in turn (a
// meta_for: consecutive gets in one block). Three sources are its neighbours
// sharing memory (rows_0 below, rows_1 above, rows_2 east of it); the other three
// need DMA, one more than its 2 S2MM channels: two of them are joined by the
// memtile of its column, recorded on their stream declarations.
dato.region @gather(%A: memref<6x8xi32>, %B: memref<8xi32>) {
  dato.stream @rows [6] : !dato.stream<memref<8xi32>, 2>
  dato.task @src grid [6] (%A : memref<6x8xi32> [S0, R]) {
  ^bb0(%a: memref<1x8xi32>):
    %pi = dato.pid : index
    %c0 = arith.constant 0 : index
    %row = memref.subview %a[%c0, 0] [1, 8] [1, 1] : memref<1x8xi32> to memref<8xi32, strided<[1], offset: ?>>
    %blk = memref.alloc() : memref<8xi32>
    "memref.copy"(%row, %blk) : (memref<8xi32, strided<[1], offset: ?>>, memref<8xi32>) -> ()
    dato.put @rows[%pi], %blk : memref<8xi32>
  }
  dato.task @red grid [1] (%B : memref<8xi32> [R]) {
  ^bb0(%b: memref<8xi32>):
    %acc = memref.alloc() : memref<8xi32>
    %zero = arith.constant 0 : i32
    linalg.fill ins(%zero : i32) outs(%acc : memref<8xi32>)
    %lb = arith.constant 0 : index
    %ub = arith.constant 6 : index
    %st = arith.constant 1 : index
    scf.for %p = %lb to %ub step %st {
      %got = dato.get @rows[%p] : memref<8xi32>
      %sum = memref.alloc() : memref<8xi32>
      linalg.add ins(%acc, %got : memref<8xi32>, memref<8xi32>) outs(%sum : memref<8xi32>)
      "memref.copy"(%sum, %acc) : (memref<8xi32>, memref<8xi32>) -> ()
    } {dato.meta}
    "memref.copy"(%acc, %b) : (memref<8xi32>, memref<8xi32>) -> ()
  }
}
// CHECK:      dato.stream @rows_0 : !dato.stream<memref<8xi32>, 2>{{$}}
// CHECK-NEXT: dato.stream @rows_1 : !dato.stream<memref<8xi32>, 2>{{$}}
// CHECK-NEXT: dato.stream @rows_2 : !dato.stream<memref<8xi32>, 2>{{$}}
// CHECK-NEXT: dato.stream @rows_3 : !dato.stream<memref<8xi32>, 2> {dato.route = "rows_3_join", dato.route_kind = "join", dato.route_part = 0 : i64, dato.memtile = 0 : i64}
// CHECK-NEXT: dato.stream @rows_4 : !dato.stream<memref<8xi32>, 2> {dato.route = "rows_3_join", dato.route_kind = "join", dato.route_part = 1 : i64, dato.memtile = 0 : i64}
// CHECK-NEXT: dato.stream @rows_5 : !dato.stream<memref<8xi32>, 2>{{$}}
// the sources go next to the reducer first (tiles sharing memory with it)
// CHECK:      dato.tiles = array<i64: 0, 2, 0, 4, 1, 3, 0, 5, 1, 5, 1, 4>
// CHECK:      dato.tiles = array<i64: 0, 3>
