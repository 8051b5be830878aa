// RUN: dato-opt %s -p "dato-virtual-map,dato-physical-map{device=npu1},dato-npu-transfers,dato-npu-core-bodies" | filecheck %s

// Six lanes of src -> mid -> sink plus src -> sink: 18 elements for 16 cores.
// The compiler chains mid_k and sink_k on two lanes; both bodies are one loop
// of 4 iterations, so the chain runs in lockstep (npu_chain_search: the replay
// of that order finishes with @c_k at its declared depth 2). The core fuses
// the two loops: iteration n of mid_0 puts its sample into a ring of 2
// elements (write counter wrapped at 2), then iteration n of sink_0 takes it
// (read counter wrapped at 2), between its gets on @b_0 from src_0's core.
dato.region @top(%A: memref<6x4xi32>, %B: memref<6x4xi32>) {
  dato.stream @a [6] : !dato.stream<i32, 2>
  dato.stream @b [6] : !dato.stream<i32, 2>
  dato.stream @c [6] : !dato.stream<i32, 2>
  dato.task @src grid [6] (%A : memref<6x4xi32> [S0, R]) {
  ^bb0(%x: memref<1x4xi32>):
    %pi = dato.pid : index
    %0 = arith.constant 0 : index
    %1 = arith.constant 4 : index
    %2 = arith.constant 1 : index
    scf.for %n = %0 to %1 step %2 {
      %3 = memref.load %x[%0, %n] : memref<1x4xi32>
      dato.put @a[%pi], %3 : i32
      %4 = memref.load %x[%0, %n] : memref<1x4xi32>
      dato.put @b[%pi], %4 : i32
    }
  }
  dato.task @mid grid [6] () {
    %pi = dato.pid : index
    %0 = arith.constant 0 : index
    %1 = arith.constant 4 : index
    %2 = arith.constant 1 : index
    scf.for %n = %0 to %1 step %2 {
      %3 = dato.get @a[%pi] : i32
      %4 = arith.constant 2 : i32
      %5 = arith.muli %3, %4 : i32
      dato.put @c[%pi], %5 : i32
    }
  }
  dato.task @sink grid [6] (%B : memref<6x4xi32> [S0, R]) {
  ^bb0(%y: memref<1x4xi32>):
    %pi = dato.pid : index
    %0 = arith.constant 0 : index
    %1 = arith.constant 4 : index
    %2 = arith.constant 1 : index
    scf.for %n = %0 to %1 step %2 {
      %3 = dato.get @b[%pi] : i32
      %4 = dato.get @c[%pi] : i32
      %5 = arith.addi %3, %4 : i32
      memref.store %5, %y[%0, %n] : memref<1x4xi32>
    }
  }
}

// CHECK:      %[[RING:.*]] = aie.buffer(%core_c0_r3) : memref<2xi32>
// CHECK-NEXT: %[[W:.*]] = aie.buffer(%core_c0_r3) : memref<1xi32>
// CHECK-NEXT: %[[R:.*]] = aie.buffer(%core_c0_r3) : memref<1xi32>
// CHECK:      aie.core(%core_c0_r3) {
// CHECK:        aie.objectfifo.acquire @B_out0_0(Produce, 1)
// CHECK:        scf.for %[[N:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT:     aie.objectfifo.acquire @a_0(Consume, 1)
// CHECK:          %[[WI:.*]] = arith.index_cast %{{.*}} : i32 to index
// CHECK-NEXT:     memref.store %{{.*}}, %[[RING]][%[[WI]]] : memref<2xi32>
// CHECK:          %[[TWO:.*]] = arith.constant 2 : index
// CHECK-NEXT:     arith.remui %{{.*}}, %[[TWO]] : index
// CHECK:          memref.store %{{.*}}, %[[W]][%{{.*}}] : memref<1xi32>
// CHECK-NEXT:     aie.objectfifo.acquire @b_0(Consume, 1)
// CHECK:          %[[RI:.*]] = arith.index_cast %{{.*}} : i32 to index
// CHECK-NEXT:     memref.load %[[RING]][%[[RI]]] : memref<2xi32>
// CHECK:          arith.remui
// CHECK:          memref.store %{{.*}}, %[[R]][%{{.*}}] : memref<1xi32>
// CHECK:          memref.store %{{.*}}, %{{.*}}[%{{.*}}, %[[N]]] : memref<1x4xi32>
// CHECK-NEXT:   }
// CHECK-NEXT:   aie.objectfifo.release @B_out0_0(Produce, 1)
// CHECK-NEXT:   aie.end
// CHECK-NEXT: } {dato.tasks = ["mid_0", "sink_0"], dato.folding = "chain (compiler-chosen)"}
