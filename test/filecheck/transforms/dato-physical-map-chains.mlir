// RUN: dato-opt %s -p "dato-virtual-map,dato-physical-map{device=npu1}" | filecheck %s

// Six lanes of src -> mid -> sink plus src -> sink: 18 elements for 16 cores
// and no instance with a single stream (no loader/drain chain). The compiler
// chains mid_k before sink_k on two lanes (smallest merged group, then the
// bytes between them, then names). Both bodies are one loop of 4 iterations,
// so the core runs them in lockstep (dato.lockstep): iteration n of mid_k,
// then iteration n of sink_k. @c_k becomes a ring of its depth 2 (dato.ring;
// 8 bytes, not the 16 of every sample), and @b keeps depth 2: run one after
// the other, sink_k would start after mid_k got all 4 samples while src_k
// puts a and b in turn, and b_k would have to hold 3 (depth 4).
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
// CHECK:      dato.stream @b_0 : !dato.stream<i32, 2>{{$}}
// CHECK:      dato.stream @b_5 : !dato.stream<i32, 2>{{$}}
// CHECK-NEXT: dato.stream @c_0 : !dato.stream<i32, 2> {dato.ring}
// CHECK-NEXT: dato.stream @c_1 : !dato.stream<i32, 2> {dato.ring}
// CHECK-NEXT: dato.stream @c_2 : !dato.stream<i32, 2>{{$}}
// CHECK:      dato.chain [@mid_0, @sink_0] {dato.compiler_chosen, dato.cost_bytes = 8 : i64, dato.lockstep}
// CHECK-NEXT: dato.chain [@mid_1, @sink_1] {dato.compiler_chosen, dato.cost_bytes = 8 : i64, dato.lockstep}
// CHECK-NOT:  dato.chain
