// RUN: dato-opt %s --split-input-file -p dato-put-in-place | filecheck %s

// Case 1: a product computed only to be put: the put is marked, and the
// local's allocation moves down to its first use (the object is acquired
// there, after the get that came before it).
// CHECK-LABEL: dato.region @product
// CHECK:         %[[G:.*]] = dato.get @a : memref<4x2xi16>
// CHECK-NEXT:    %[[C:.*]] = memref.alloc() : memref<4x8xi16>
// CHECK-NEXT:    linalg.fill ins(%{{.*}} : i16) outs(%[[C]] : memref<4x8xi16>)
// CHECK-NEXT:    linalg.matmul ins(%[[G]], %w : memref<4x2xi16>, memref<2x8xi16>) outs(%[[C]] : memref<4x8xi16>)
// CHECK-NEXT:    dato.put @h, %[[C]] : memref<4x8xi16> {dato.in_place}

dato.region @product(%W: memref<2x8xi16>) {
  dato.stream @a : !dato.stream<memref<4x2xi16>, 1>
  dato.stream @h : !dato.stream<memref<4x8xi16>, 1>
  dato.group @t of @t grid [1] (%W : memref<2x8xi16>) ports [] instances [
    @t_0 pid [0] offsets [[0, 0]] streams []
  ] {
  ^bb0(%w: memref<2x8xi16>):
    %0 = arith.constant 0 : i16
    %1 = memref.alloc() : memref<4x8xi16>
    %x = dato.get @a : memref<4x2xi16>
    linalg.fill ins(%0 : i16) outs(%1 : memref<4x8xi16>)
    linalg.matmul ins(%x, %w : memref<4x2xi16>, memref<2x8xi16>) outs(%1 : memref<4x8xi16>)
    dato.put @h, %1 : memref<4x8xi16>
  }
}

// -----

// Case 2: not marked: another stream is read between the first use and the
// put (acquiring the object earlier could wait on a consumer that waits on
// this task's get), the local is read after its put, and the int8 rows of
// 3 elements travel padded (the put copies row by row).
// CHECK-LABEL: dato.region @kept
// CHECK:         dato.put @h, %{{.*}} : memref<4x8xi32>
// CHECK-NOT:     dato.in_place
// CHECK:         dato.put @h, %[[L:.*]] : memref<4x8xi32>
// CHECK-NEXT:    memref.load %[[L]]
// CHECK:         dato.put @p, %{{.*}} : memref<2x3xi8>
// CHECK-NOT:     dato.in_place

dato.region @kept() {
  dato.stream @a : !dato.stream<i32, 2>
  dato.stream @h : !dato.stream<memref<4x8xi32>, 2>
  dato.stream @p : !dato.stream<memref<2x3xi8>, 1>
  dato.group @t of @t grid [1] () ports [] instances [
    @t_0 pid [0] offsets [] streams []
  ] {
  ^bb0:
    %1 = memref.alloc() : memref<4x8xi32>
    %c = arith.constant 7 : i32
    linalg.fill ins(%c : i32) outs(%1 : memref<4x8xi32>)
    %v = dato.get @a : i32
    %i = arith.constant 0 : index
    memref.store %v, %1[%i, %i] : memref<4x8xi32>
    dato.put @h, %1 : memref<4x8xi32>
    %2 = memref.alloc() : memref<4x8xi32>
    linalg.fill ins(%c : i32) outs(%2 : memref<4x8xi32>)
    dato.put @h, %2 : memref<4x8xi32>
    %3 = memref.load %2[%i, %i] : memref<4x8xi32>
    %b = arith.constant 1 : i8
    %4 = memref.alloc() : memref<2x3xi8>
    linalg.fill ins(%b : i8) outs(%4 : memref<2x3xi8>)
    dato.put @p, %4 : memref<2x3xi8>
  }
}

// -----

// Case 3: a port: marked when every stream its instances bind it to takes
// the local's type whole.
// CHECK-LABEL: dato.region @ports
// CHECK:         dato.put @out, %{{.*}} : memref<16xi32> {dato.in_place}

dato.region @ports(%A: memref<32xi32>) {
  dato.stream @s_0 : !dato.stream<memref<16xi32>, 2>
  dato.stream @s_1 : !dato.stream<memref<16xi32>, 2>
  dato.group @t of @t grid [2] (%A : memref<32xi32>) ports [@out] instances [
    @t_0 pid [0] offsets [[0]] streams [@s_0],
    @t_1 pid [1] offsets [[16]] streams [@s_1]
  ] {
  ^bb0(%a: memref<16xi32>):
    %1 = memref.alloc() : memref<16xi32>
    linalg.add ins(%a, %a : memref<16xi32>, memref<16xi32>) outs(%1 : memref<16xi32>)
    dato.put @out, %1 : memref<16xi32>
  }
}

// -----

// Case 4: puts in a loop, one per iteration: the object may be waited for,
// so a window with a matmul (K tiles acquired from argument fifos) keeps the
// local; a window of element-wise work only is marked.
// CHECK-LABEL: dato.region @looped
// CHECK:         dato.put @h, %{{.*}} : memref<4x8xi16>{{$}}
// CHECK:         dato.put @g, %{{.*}} : memref<4x8xi16> {dato.in_place}

dato.region @looped(%X: memref<4x2xi16>, %W: memref<2x8xi16>) {
  dato.stream @h : !dato.stream<memref<4x8xi16>, 1>
  dato.stream @g : !dato.stream<memref<4x8xi16>, 1>
  dato.group @t of @t grid [1] (%X : memref<4x2xi16>, %W : memref<2x8xi16>) ports [] instances [
    @t_0 pid [0] offsets [[0, 0], [0, 0]] streams []
  ] {
  ^bb0(%x: memref<4x2xi16>, %w: memref<2x8xi16>):
    %0 = arith.constant 0 : i16
    %lb = arith.constant 0 : index
    %ub = arith.constant 4 : index
    %st = arith.constant 1 : index
    scf.for %i = %lb to %ub step %st {
      %1 = memref.alloc() : memref<4x8xi16>
      linalg.fill ins(%0 : i16) outs(%1 : memref<4x8xi16>)
      linalg.matmul ins(%x, %w : memref<4x2xi16>, memref<2x8xi16>) outs(%1 : memref<4x8xi16>)
      dato.put @h, %1 : memref<4x8xi16>
      %2 = memref.alloc() : memref<4x8xi16>
      linalg.fill ins(%0 : i16) outs(%2 : memref<4x8xi16>)
      dato.put @g, %2 : memref<4x8xi16>
    }
  }
}
