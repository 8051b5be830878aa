// RUN: dato-opt %s -p "dato-virtual-map,dato-physical-map{device=npu1}" | filecheck %s

// A ring of 16 nodes (test_npu_stream_embedding.ring_sum at L = 8): node p
// reads its row of A and all of W and puts to node p + 1. Placed greedily
// (up column 0, down column 1, ...) the ring ends on (3, 2), far from node 0
// on (0, 2): node 0 would get A, W and the closing stream through 3 input DMA
// channels of 2. Placed as a Hamiltonian cycle of the 4x4 grid instead, every
// link joins vertical or horizontal neighbours, which share memory on AIE-ML.
builtin.module {
  dato.region @top(%A: memref<16x8xi32>, %W: memref<8xi32>, %C: memref<16x8xi32>) {
    dato.stream @ring [16] : !dato.stream<memref<8xi32>, 1>
    dato.task @node grid [16] (%A : memref<16x8xi32> [S0, R], %W : memref<8xi32> [R], %C : memref<16x8xi32> [S0, R]) {
    ^bb0(%a: memref<1x8xi32>, %w: memref<8xi32>, %c: memref<1x8xi32>):
      %pi = dato.pid : index
      %x = memref.alloc() : memref<8xi32>
      %0 = arith.constant 0 : i32
      linalg.fill ins(%0 : i32) outs(%x : memref<8xi32>)
      %acc = memref.alloc() : memref<8xi32>
      linalg.fill ins(%0 : i32) outs(%acc : memref<8xi32>)
      %1 = arith.constant 0 : index
      %2 = arith.constant 8 : index
      %3 = arith.constant 1 : index
      scf.for %i = %1 to %2 step %3 {
        %4 = memref.load %a[%1, %i] : memref<1x8xi32>
        %5 = memref.load %w[%i] : memref<8xi32>
        %6 = arith.muli %4, %5 : i32
        memref.store %6, %x[%i] : memref<8xi32>
      }
      %7 = arith.constant 16 : index
      scf.for %s = %1 to %7 step %3 {
        scf.for %i_1 = %1 to %2 step %3 {
          %8 = memref.load %acc[%i_1] : memref<8xi32>
          %9 = memref.load %x[%i_1] : memref<8xi32>
          %10 = arith.addi %8, %9 : i32
          memref.store %10, %acc[%i_1] : memref<8xi32>
        }
        %11 = arith.addi %pi, %3 : index
        %12 = arith.remsi %11, %7 : index
        %13 = arith.cmpi slt, %12, %1 : index
        %14 = arith.addi %12, %7 : index
        %15 = arith.select %13, %14, %12 : index
        dato.put @ring[%15], %x : memref<8xi32>
        %16 = dato.get @ring[%pi] : memref<8xi32>
        "memref.copy"(%16, %x) : (memref<8xi32>, memref<8xi32>) -> ()
      }
      scf.for %i_2 = %1 to %2 step %3 {
        %17 = memref.load %acc[%i_2] : memref<8xi32>
        memref.store %17, %c[%1, %i_2] : memref<1x8xi32>
      }
    }
  }
}

// node_0..node_15: up column 0, down column 1 to row 3, up column 2, down
// column 3, back along row 2
// CHECK: dato.tiles = array<i64: 0, 2, 0, 3, 0, 4, 0, 5, 1, 5, 1, 4, 1, 3, 2, 3, 2, 4, 2, 5, 3, 5, 3, 4, 3, 3, 3, 2, 2, 2, 1, 2>
