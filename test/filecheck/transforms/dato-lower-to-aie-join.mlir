// RUN: dato-opt %s -p "dato-virtual-map,dato-physical-map{device=npu1},dato-lower-to-aie" | filecheck %s

// The join chosen by physical mapping (see dato-physical-map-routes.mlir): the
// two producers send to the memtile, a link joins one object of each into a
// 2x8 object, and the reducer acquires it at the first of the two gets and
// releases it after the second.
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
// CHECK:      %mem_c0 = aie.tile(0, 1)
// CHECK:      aie.objectfifo @rows_3(%core_c0_r5, {%mem_c0}, 2 : i32) : !aie.objectfifo<memref<8xi32>>
// CHECK-NEXT: aie.objectfifo @rows_4(%core_c1_r5, {%mem_c0}, 2 : i32) : !aie.objectfifo<memref<8xi32>>
// CHECK-NEXT: aie.objectfifo @rows_5(%core_c1_r4, {%core_c0_r3}, 2 : i32)
// CHECK:      aie.objectfifo @rows_3_join(%mem_c0, {%core_c0_r3}, 2 : i32) : !aie.objectfifo<memref<2x8xi32>>
// CHECK-NEXT: aie.objectfifo.link [@rows_3, @rows_4] -> [@rows_3_join]([0, 8] [])
// the reducer: rows_2, then both parts of one joined object, then rows_5
// CHECK:      aie.objectfifo.release @rows_2(Consume, 1)
// CHECK:      %[[J:.*]] = aie.objectfifo.acquire @rows_3_join(Consume, 1) : !aie.objectfifosubview<memref<2x8xi32>>
// CHECK-NEXT: %[[V:.*]] = aie.objectfifo.subview.access %[[J]][0]
// CHECK-NOT:  aie.objectfifo.acquire
// CHECK:      memref.load %[[V]]
// CHECK-NOT:  aie.objectfifo.release
// CHECK:      memref.load %[[V]]
// CHECK-NOT:  aie.objectfifo.acquire
// CHECK:      aie.objectfifo.release @rows_3_join(Consume, 1)
// CHECK:      aie.objectfifo.acquire @rows_5(Consume, 1)
// CHECK:      } {link_with = "kernels.o", dato.tasks = ["red_0"]}
// the producers of parts use their own fifo as usual
// CHECK:      aie.objectfifo.acquire @rows_3(Produce, 1)
// CHECK:      } {link_with = "kernels.o", dato.tasks = ["src_3"]}
