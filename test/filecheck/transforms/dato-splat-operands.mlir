// RUN: dato-opt %s --split-input-file -p dato-splat-operands | filecheck %s

// Case 1: a ReLU against a zero array (`maximum(matmul(x, w), zero)`): the
// zeros are not allocated, the max compares with the scalar, and its result
// is written over the product (which dies there) instead of a third local.
// CHECK-LABEL: dato.region @relu
// CHECK:         %[[C0:.*]] = arith.constant 0 : i16
// CHECK-NEXT:    %[[ACC:.*]] = memref.alloc() : memref<4x8xi16>
// CHECK-NEXT:    linalg.fill ins(%[[C0]] : i16) outs(%[[ACC]] : memref<4x8xi16>)
// CHECK-NEXT:    linalg.matmul
// CHECK:         scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step
// CHECK:           scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step
// CHECK-NEXT:        %[[V:.*]] = memref.load %[[ACC]][%[[I]], %[[J]]] : memref<4x8xi16>
// CHECK-NEXT:        %[[R:.*]] = arith.maxsi %[[V]], %[[C0]] : i16
// CHECK-NEXT:        memref.store %[[R]], %[[ACC]][%[[I]], %[[J]]] : memref<4x8xi16>
// CHECK:         dato.put @h, %[[ACC]] : memref<4x8xi16>
// CHECK-NOT:     memref.alloc
// CHECK-NOT:     linalg.max

dato.region @relu(%X: memref<4x2xi16>, %W: memref<2x8xi16>) {
  dato.stream @h : !dato.stream<memref<4x8xi16>, 1>
  dato.group @t of @t grid [1] (%X : memref<4x2xi16>, %W : memref<2x8xi16>) ports [] instances [
    @t_0 pid [0] offsets [[0, 0], [0, 0]] streams []
  ] {
  ^bb0(%x: memref<4x2xi16>, %w: memref<2x8xi16>):
    %zero = memref.alloc() : memref<4x8xi16>
    %0 = arith.constant 0 : i16
    linalg.fill ins(%0 : i16) outs(%zero : memref<4x8xi16>)
    %1 = memref.alloc() : memref<4x8xi16>
    linalg.fill ins(%0 : i16) outs(%1 : memref<4x8xi16>)
    linalg.matmul ins(%x, %w : memref<4x2xi16>, memref<2x8xi16>) outs(%1 : memref<4x8xi16>)
    %2 = memref.alloc() : memref<4x8xi16>
    linalg.max ins(%1, %zero : memref<4x8xi16>, memref<4x8xi16>) outs(%2 : memref<4x8xi16>)
    dato.put @h, %2 : memref<4x8xi16>
  }
  dato.group @u of @u grid [1] () ports [] instances [
    @u_0 pid [0] offsets [] streams []
  ] {
  ^bb0:
    %3 = dato.get @h : memref<4x8xi16>
  }
}

// -----

// Case 2: the splat first (`3.0 - x`), an f32 input still read afterwards:
// the scalar stays the first operand and the result goes to its own local.
// CHECK-LABEL: dato.region @scaled
// CHECK:         %[[C:.*]] = arith.constant 3.000000e+00 : f32
// CHECK-NEXT:    %[[OUT:.*]] = memref.alloc() : memref<8xf32>
// CHECK:         scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step
// CHECK-NEXT:      %[[V:.*]] = memref.load %a[%[[I]]] : memref<8xf32>
// CHECK-NEXT:      %[[R:.*]] = arith.subf %[[C]], %[[V]] : f32
// CHECK-NEXT:      memref.store %[[R]], %[[OUT]][%[[I]]] : memref<8xf32>
// CHECK:         linalg.add ins(%[[OUT]], %a : memref<8xf32>, memref<8xf32>)

dato.region @scaled(%A: memref<8xf32>, %B: memref<8xf32>) {
  dato.group @t of @t grid [1] (%A : memref<8xf32>, %B : memref<8xf32>) ports [] instances [
    @t_0 pid [0] offsets [[0], [0]] streams []
  ] {
  ^bb0(%a: memref<8xf32>, %b: memref<8xf32>):
    %c = arith.constant 3.000000e+00 : f32
    %s = memref.alloc() : memref<8xf32>
    linalg.fill ins(%c : f32) outs(%s : memref<8xf32>)
    %out = memref.alloc() : memref<8xf32>
    linalg.sub ins(%s, %a : memref<8xf32>, memref<8xf32>) outs(%out : memref<8xf32>)
    linalg.add ins(%out, %a : memref<8xf32>, memref<8xf32>) outs(%b : memref<8xf32>)
  }
}

// -----

// Case 3: kept: the constant array is also loaded element by element (not
// only an element-wise operand), and a bf16 splat (no scalar rewrite of bf16
// arithmetic: the library rounds through f32).
// CHECK-LABEL: dato.region @kept
// CHECK:         %[[Z:.*]] = memref.alloc() : memref<8xi32>
// CHECK:         linalg.add ins(%a, %[[Z]] : memref<8xi32>, memref<8xi32>)
// CHECK:         memref.load %[[Z]]
// CHECK:         %[[H:.*]] = memref.alloc() : memref<8xbf16>
// CHECK:         linalg.max ins(%c, %[[H]] : memref<8xbf16>, memref<8xbf16>)

dato.region @kept(%A: memref<8xi32>, %C: memref<8xbf16>) {
  dato.group @t of @t grid [1] (%A : memref<8xi32>, %C : memref<8xbf16>) ports [] instances [
    @t_0 pid [0] offsets [[0], [0]] streams []
  ] {
  ^bb0(%a: memref<8xi32>, %c: memref<8xbf16>):
    %one = arith.constant 1 : i32
    %z = memref.alloc() : memref<8xi32>
    linalg.fill ins(%one : i32) outs(%z : memref<8xi32>)
    linalg.add ins(%a, %z : memref<8xi32>, memref<8xi32>) outs(%a : memref<8xi32>)
    %i = arith.constant 0 : index
    %v = memref.load %z[%i] : memref<8xi32>
    memref.store %v, %a[%i] : memref<8xi32>
    %h = arith.constant 0.000000e+00 : bf16
    %hz = memref.alloc() : memref<8xbf16>
    linalg.fill ins(%h : bf16) outs(%hz : memref<8xbf16>)
    linalg.max ins(%c, %hz : memref<8xbf16>, memref<8xbf16>) outs(%c : memref<8xbf16>)
  }
}
