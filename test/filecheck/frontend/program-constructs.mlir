// RUN: python %S/Inputs/program_constructs.py | filecheck %s

// Allo program constructs as dato IR (the program is Inputs/program_constructs.py):
// the region called from `wrapper` is flattened (its task named by the path,
// no task left for the caller), the module-level table is a buffer whose
// allocation holds its values (dato.constant), the helper `twice` is inlined, and the slice
// a[pi * 2:(pi + 1) * 2] is a subview of constant size 2 at a run-time offset.

// CHECK:      dato.region @top(%A: memref<4xi32>) {
// CHECK-NEXT:   dato.task @wrapper__inner__k grid [2] (%A : memref<4xi32> [R]) {
// CHECK:          %pi = dato.pid : index
// CHECK-NEXT:     %[[T:.*]] = memref.alloc() {dato.constant = dense<[5, -7]> : tensor<2xi32>} : memref<2xi32>
// CHECK-NEXT:     %[[E:.*]] = memref.load %[[T]][%pi] : memref<2xi32>
// CHECK-NEXT:     %[[TWO:.*]] = arith.constant 2 : i32
// CHECK-NEXT:     %[[X:.*]] = arith.muli %[[E]], %[[TWO]] : i32
// CHECK:          %[[LO:.*]] = arith.muli %pi, %{{.*}} : index
// CHECK:          %[[VIEW:.*]] = memref.subview %a[%[[LO]]] [2] [1] : memref<4xi32> to memref<2xi32, strided<[1], offset: ?>>
// CHECK-NEXT:     linalg.fill ins(%[[X]] : i32) outs(%[[VIEW]] : memref<2xi32, strided<[1], offset: ?>>)
// CHECK-NOT:    dato.task @wrapper
