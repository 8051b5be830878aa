// RUN: dato-opt %s -p 'dato-virtual-map,dato-mapping-primitives{bundle="t_0,t_1,t_2"},dato-physical-map,dato-lower-to-aie' | filecheck %s

// Three instances bundled on one core run one after another, so their
// locals are dead when the next starts; inside one instance, %t dies at the
// add computing %u and %u at the add computing %w, so each sum is computed
// into its input's buffer (an elementwise kernel reads each element before
// writing it). Buffers of one type whose live spans (the core's top-level
// ops that use them) do not overlap share one aie.buffer: one 8xi32 buffer
// serves all nine locals.
// The members' code is the same, so the core runs it in a loop of three
// (dato-npu-core-bodies rolls them).
dato.region @share(%A: memref<3x8xi32>, %B: memref<3x8xi32>) {
  dato.task @t grid [3] (%A : memref<3x8xi32> [S0, R], %B : memref<3x8xi32> [S0, R]) {
  ^bb0(%a: memref<1x8xi32>, %b: memref<1x8xi32>):
    %c0 = arith.constant 0 : index
    %t = memref.alloc() : memref<8xi32>
    %u = memref.alloc() : memref<8xi32>
    %w = memref.alloc() : memref<8xi32>
    %row = memref.subview %a[0, 0] [1, 8] [1, 1] : memref<1x8xi32> to memref<8xi32, strided<[1]>>
    "memref.copy"(%row, %t) : (memref<8xi32, strided<[1]>>, memref<8xi32>) -> ()
    linalg.add ins(%t, %t : memref<8xi32>, memref<8xi32>) outs(%u : memref<8xi32>)
    linalg.add ins(%u, %u : memref<8xi32>, memref<8xi32>) outs(%w : memref<8xi32>)
    %out = memref.subview %b[0, 0] [1, 8] [1, 1] : memref<1x8xi32> to memref<8xi32, strided<[1]>>
    "memref.copy"(%w, %out) : (memref<8xi32>, memref<8xi32, strided<[1]>>) -> ()
  }
}

// CHECK:          %[[X:.*]] = aie.buffer(%core_c0_r2) : memref<8xi32>
// CHECK-NEXT:     aie.core(%core_c0_r2)
// CHECK:          %[[THREE:.*]] = arith.constant 3 : index
// CHECK:          scf.for %{{.*}} = %{{.*}} to %[[THREE]]
// CHECK:          func.call @dato_add_i32_8(%[[X]], %[[X]], %[[X]])
// CHECK-NEXT:     func.call @dato_add_i32_8(%[[X]], %[[X]], %[[X]])
// CHECK-NOT:      func.call @dato_add_i32_8
// CHECK-NOT:      aie.buffer
// CHECK:          dato.tasks = ["t_0", "t_1", "t_2"]
