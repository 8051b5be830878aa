// RUN: python %S/Inputs/kernel_language.py | filecheck %s

// The dato IR the frontend writes for the kernel language (the program is
// Inputs/kernel_language.py).

// c_i32[:, :] = dato.matmul(a_i16, b_i16): the result buffer has the
// destination's type and the matmul body widens before multiplying.
// CHECK:      "dato.region"() <{sym_name = "mixed"
// CHECK:      %[[ACC:.*]] = "memref.alloc"() {{.*}} : () -> memref<2x2xi32>
// CHECK:      "linalg.fill"
// CHECK:      "linalg.matmul"(%a, %b, %[[ACC]])
// CHECK-NEXT: ^bb0(%[[X:.*]]: i16, %[[Y:.*]]: i16, %[[C:.*]]: i32):
// CHECK-NEXT:   %[[XW:.*]] = "arith.extsi"(%[[X]]) : (i16) -> i32
// CHECK-NEXT:   %[[YW:.*]] = "arith.extsi"(%[[Y]]) : (i16) -> i32
// CHECK-NEXT:   %[[P:.*]] = "arith.muli"(%[[XW]], %[[YW]])
// CHECK-NEXT:   %[[S:.*]] = "arith.addi"(%[[P]], %[[C]])
// CHECK-NEXT:   "linalg.yield"(%[[S]]) : (i32) -> ()
// CHECK:      "memref.copy"(%[[ACC]], %c)

// y[:, :] = x - dato.max(x, axis=1, keepdims=True) + 1.0: the reduction
// starts from -inf into a [2, 1] buffer; the broadcast reads its column 0.
// CHECK:      dato.region @vector
// CHECK:      %[[M:.*]] = memref.alloc() : memref<2x1xf32>
// CHECK-NEXT: %[[NEGINF:.*]] = arith.constant 0xff800000 : f32
// CHECK-NEXT: linalg.fill ins(%[[NEGINF]] : f32) outs(%[[M]] : memref<2x1xf32>)
// CHECK:      %[[ZERO:.*]] = arith.constant 0 : index
// CHECK:      scf.for %[[I:.*]] = %[[ZERO]] to
// CHECK:        scf.for %[[J:.*]] = %[[ZERO]] to
// CHECK:          %[[XV:.*]] = memref.load %x[%[[I]], %[[J]]] : memref<2x4xf32>
// CHECK-NEXT:     %[[MV:.*]] = memref.load %[[M]][%[[I]], %[[ZERO]]] : memref<2x1xf32>
// CHECK-NEXT:     %[[MAX:.*]] = arith.maximumf %[[MV]], %[[XV]] : f32
// CHECK-NEXT:     memref.store %[[MAX]], %[[M]][%[[I]], %[[ZERO]]]
// CHECK:      %[[D:.*]] = memref.alloc() : memref<2x4xf32>
// CHECK:          %[[XV2:.*]] = memref.load %x[%[[I2:.*]], %[[J2:.*]]] : memref<2x4xf32>
// CHECK-NEXT:     %[[MV2:.*]] = memref.load %[[M]][%[[I2]], %[[ZERO]]] : memref<2x1xf32>
// CHECK-NEXT:     %[[SUB:.*]] = arith.subf %[[XV2]], %[[MV2]] : f32
// CHECK-NEXT:     memref.store %[[SUB]], %[[D]][%[[I2]], %[[J2]]]
// CHECK:      %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK:          arith.addf %{{.*}}, %[[ONE]] : f32
// CHECK:      "memref.copy"(%{{.*}}, %y)
