// RUN: dato-opt %s -p 'dato-virtual-map,dato-physical-map{device=npu1},dato-lower-to-aie' -t 'npu-plot{file="%t.svg"}' | filecheck %s --check-prefix=SAID
// RUN: filecheck %s < %t.svg

// The picture of a lowered producer/consumer pair: the consumer sits on the
// producer's memory-sharing neighbour, so their stream is a shared-memory fifo.

// SAID: wrote the NPU placement picture to {{.*}}.svg

// CHECK-DAG: tile (0, 0) shim
// CHECK-DAG: tile (0, 1) memtile
// CHECK-DAG: tile (3, 5) compute
// CHECK-DAG: id="task-0-2-p_0"
// CHECK-DAG: id="task-0-3-c_0"
// CHECK-DAG: @s x3 shared mem
// CHECK-DAG: id="shared-memory-0-2-0-3"
// CHECK-DAG: DMA S2MM 1/2 MM2S 0/2
// CHECK-DAG: DMA S2MM 0/2 MM2S 1/2

dato.region @pc(%A : memref<16xi32>, %B : memref<16xi32>) {
  dato.stream @s : !dato.stream<i32, 3>
  dato.task @p grid [1] (%A : memref<16xi32> [R]) {
  ^bb0(%a : memref<16xi32>):
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c16 = arith.constant 16 : index
    scf.for %i = %c0 to %c16 step %c1 {
      %v = memref.load %a[%i] : memref<16xi32>
      dato.put @s, %v : i32
    }
  }
  dato.task @c grid [1] (%B : memref<16xi32> [R]) {
  ^bb0(%b : memref<16xi32>):
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c16 = arith.constant 16 : index
    scf.for %i = %c0 to %c16 step %c1 {
      %v = dato.get @s : i32
      memref.store %v, %b[%i] : memref<16xi32>
    }
  }
}
