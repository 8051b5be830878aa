// RUN: dato-opt %s -p dato-virtual-map --split-input-file | filecheck %s

// A meta_for whose variable only indexes loads and stores stays a loop that
// asks to be unrolled (Allo's AIE backend keeps such a meta_for rolled).
dato.region @add1(%A : memref<64xi32>, %B : memref<64xi32>) {
  dato.task @core grid [1] (%A : memref<64xi32> [R], %B : memref<64xi32> [R]) {
  ^bb0(%a : memref<64xi32>, %b : memref<64xi32>):
    %c0 = arith.constant 0 : index
    %c64 = arith.constant 64 : index
    %c1 = arith.constant 1 : index
    %one = arith.constant 1 : i32
    scf.for %i = %c0 to %c64 step %c1 {
      %v = memref.load %a[%i] : memref<64xi32>
      %w = arith.addi %v, %one : i32
      memref.store %w, %b[%i] : memref<64xi32>
      scf.yield
    } {dato.meta}
  }
}

// CHECK:      ^bb0(%a: memref<64xi32>, %b: memref<64xi32>):
// CHECK:        %[[LB:.*]] = arith.constant 0 : index
// CHECK-NEXT:   %[[UB:.*]] = arith.constant 64 : index
// CHECK-NEXT:   %[[ST:.*]] = arith.constant 1 : index
// CHECK-NEXT:   scf.for %i = %[[LB]] to %[[UB]] step %[[ST]] {
// CHECK-NEXT:     %v = memref.load %a[%i] : memref<64xi32>
// CHECK-NEXT:     %w = arith.addi %v, %one : i32
// CHECK-NEXT:     memref.store %w, %b[%i] : memref<64xi32>
// CHECK-NEXT:   } {dato.unroll = 0 : i64}
// CHECK-NEXT: }

// -----

// The variable chooses a store's value through an scf.if (not only indices
// and arithmetic): unrolled, one copy per iteration.
dato.region @pick(%B : memref<2xi32>) {
  dato.task @core grid [1] (%B : memref<2xi32> [R]) {
  ^bb0(%b : memref<2xi32>):
    %c0 = arith.constant 0 : index
    %c2 = arith.constant 2 : index
    %c1 = arith.constant 1 : index
    scf.for %i = %c0 to %c2 step %c1 {
      %z = arith.cmpi eq, %i, %c0 : index
      scf.if %z {
        %k = arith.constant 5 : i32
        memref.store %k, %b[%i] : memref<2xi32>
        scf.yield
      }
      scf.yield
    } {dato.meta}
  }
}

// CHECK-LABEL: dato.region @pick
// CHECK-NOT:   dato.unroll
// CHECK:       %i = arith.constant 0 : index
// CHECK:       scf.if
// CHECK:       %i_1 = arith.constant 1 : index
// CHECK:       scf.if
// CHECK-NOT:   dato.unroll
