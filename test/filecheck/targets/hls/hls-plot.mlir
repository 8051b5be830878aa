// RUN: dato-opt %s -p 'dato-virtual-map,convert-dato-to-vhls' -t 'hls-plot{file="%t.svg"}' | filecheck %s --check-prefix=SAID
// RUN: filecheck %s < %t.svg

// The dataflow graph of a producer/consumer pair: a box per process instance
// and argument, the program's stream with its depth.

// SAID: wrote the HLS dataflow picture to {{.*}}.svg

// CHECK-DAG: A (m_axi)
// CHECK-DAG: B (m_axi)
// CHECK-DAG: >p_0<
// CHECK-DAG: >c_0<
// CHECK-DAG: >s depth 3<
// CHECK-DAG: >pc: dataflow (HLS)<

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
