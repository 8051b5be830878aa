// RUN: dato-opt %s -p "dato-virtual-map,dato-npu-broadcast-streams,dato-put-in-place{device=npu1},dato-physical-map{device=npu1},dato-npu-broadcast-fifos" | filecheck %s
// RUN: dato-opt %s -p "dato-virtual-map,dato-npu-broadcast-streams,dato-put-in-place{device=npu1},dato-physical-map{device=npu1},dato-npu-broadcast-fifos,dato-npu-transfers" | filecheck %s --check-prefix=AIE

// im2col's four streams of one column matrix (dato-npu-broadcast-streams'
// set), placed on five tiles of their own: one stream got by all four
// consumers; the producer puts once, computing the matrix in the object
// (dato-put-in-place takes the run of puts as one put); the stream becomes
// one objectfifo from the producer's core to the four consumers' cores.

// CHECK:      dato.stream @cols_0 : !dato.stream<memref<9x16xi32>, 2> {dato.broadcast_streams = ["cols_0", "cols_1", "cols_2", "cols_3"]}
// CHECK-NOT:  dato.stream @cols_
// CHECK:      %m = memref.alloc()
// CHECK:      dato.put @cols_0, %m : memref<9x16xi32> {dato.in_place}
// CHECK-NOT:  dato.put
// CHECK:      dato.group @mm
// CHECK-NEXT:   @mm_0 pid [0] offsets {{.*}} streams [@cols_0],
// CHECK-NEXT:   @mm_1 pid [1] offsets {{.*}} streams [@cols_0],
// CHECK-NEXT:   @mm_2 pid [2] offsets {{.*}} streams [@cols_0],
// CHECK-NEXT:   @mm_3 pid [3] offsets {{.*}} streams [@cols_0]

// AIE:     aie.objectfifo @cols_0(%core_c0_r2, {%core_c0_r3, %core_c1_r2, %core_c0_r4, %core_c0_r5}, 2 : i32) : !aie.objectfifo<memref<9x16xi32>>
// AIE-NOT: aie.objectfifo @cols_

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
