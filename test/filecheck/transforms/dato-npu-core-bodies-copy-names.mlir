// RUN: dato-opt %s -p 'dato-virtual-map,dato-physical-map{device=npu1},dato-npu-transfers,dato-npu-core-bodies' | filecheck %s

// A ring of 3 nodes passing rows of 4 (test_npu_stream_embedding.ring_sum):
// one core copies [1, 4] objects, another [4] ones, with the library's copy
// kernel. Both counted 4 elements and were named dato_copy_i32_4, and the
// second signature clashed with the first (a Python error). Each signature
// now gets a kernel of its own; the second is named by its arrays' shapes
// too, and its entry still copies 4 elements.

// CHECK-DAG:  func.func private @dato_copy_i32_4(memref<1x4xi32>, memref<1x4xi32>) -> ()
// CHECK-DAG:  func.func private @dato_copy_i32_4_shapes_4_4(memref<4xi32>, memref<4xi32>) -> ()
// CHECK:      func.call @dato_copy_i32_4(%{{.*}}, %{{.*}}) : (memref<1x4xi32>, memref<1x4xi32>) -> ()
// CHECK:      func.call @dato_copy_i32_4_shapes_4_4(%{{.*}}, %{{.*}}) : (memref<4xi32>, memref<4xi32>) -> ()

builtin.module {
  dato.region @top(%A: memref<3x4xi32>, %W: memref<4xi32>, %C: memref<3x4xi32>) {
    dato.stream @ring [3] : !dato.stream<memref<4xi32>, 1>
    dato.task @node grid [3] (%A : memref<3x4xi32> [S0, R], %W : memref<4xi32> [R], %C : memref<3x4xi32> [S0, R]) {
    ^bb0(%a: memref<1x4xi32>, %w: memref<4xi32>, %c: memref<1x4xi32>):
      %pi = dato.pid : index
      %x = memref.alloc() : memref<4xi32>
      %0 = arith.constant 0 : i32
      linalg.fill ins(%0 : i32) outs(%x : memref<4xi32>)
      %acc = memref.alloc() : memref<4xi32>
      linalg.fill ins(%0 : i32) outs(%acc : memref<4xi32>)
      %1 = arith.constant 0 : index
      %2 = arith.constant 4 : index
      %3 = arith.constant 1 : index
      scf.for %i = %1 to %2 step %3 {
        %4 = memref.load %a[%1, %i] : memref<1x4xi32>
        %5 = memref.load %w[%i] : memref<4xi32>
        %6 = arith.muli %4, %5 : i32
        memref.store %6, %x[%i] : memref<4xi32>
      }
      %7 = arith.constant 3 : index
      scf.for %_ = %1 to %7 step %3 {
        scf.for %i_1 = %1 to %2 step %3 {
          %8 = memref.load %acc[%i_1] : memref<4xi32>
          %9 = memref.load %x[%i_1] : memref<4xi32>
          %10 = arith.addi %8, %9 : i32
          memref.store %10, %acc[%i_1] : memref<4xi32>
        }
        %11 = arith.addi %pi, %3 : index
        %12 = arith.remsi %11, %7 : index
        %13 = arith.cmpi slt, %12, %1 : index
        %14 = arith.addi %12, %7 : index
        %15 = arith.select %13, %14, %12 : index
        dato.put @ring[%15], %x : memref<4xi32>
        %16 = dato.get @ring[%pi] : memref<4xi32>
        "memref.copy"(%16, %x) : (memref<4xi32>, memref<4xi32>) -> ()
      }
      scf.for %i_2 = %1 to %2 step %3 {
        %17 = memref.load %acc[%i_2] : memref<4xi32>
        memref.store %17, %c[%1, %i_2] : memref<1x4xi32>
      }
    }
  }
}
