// RUN: dato-opt %s --split-input-file -p dato-local-copy-elision | filecheck %s

// Case 1: `acc: T[4, 8] = 0; acc[:, :] = matmul(x, w); s.put(acc)`: the
// product's local dies at the copy and acc's zeros are overwritten unread:
// the product is acc (named so), its fill, the copy and acc's local go.
// CHECK-LABEL: dato.region @product
// CHECK:         %[[C0:.*]] = arith.constant 0 : i16
// CHECK-NEXT:    %acc = memref.alloc() : memref<4x8xi16>
// CHECK-NEXT:    linalg.fill ins(%[[C0]] : i16) outs(%acc : memref<4x8xi16>)
// CHECK-NEXT:    linalg.matmul ins(%x, %w : memref<4x2xi16>, memref<2x8xi16>) outs(%acc : memref<4x8xi16>)
// CHECK-NEXT:    dato.put @h, %acc : memref<4x8xi16>
// CHECK-NEXT:  }

dato.region @product(%X: memref<4x2xi16>, %W: memref<2x8xi16>) {
  dato.stream @h : !dato.stream<memref<4x8xi16>, 1>
  dato.group @t of @t grid [1] (%X : memref<4x2xi16>, %W : memref<2x8xi16>) ports [] instances [
    @t_0 pid [0] offsets [[0, 0], [0, 0]] streams []
  ] {
  ^bb0(%x: memref<4x2xi16>, %w: memref<2x8xi16>):
    %0 = arith.constant 0 : i16
    %acc_0 = memref.alloc() : memref<4x8xi16>
    linalg.fill ins(%0 : i16) outs(%acc_0 : memref<4x8xi16>)
    %1 = memref.alloc() : memref<4x8xi16>
    linalg.fill ins(%0 : i16) outs(%1 : memref<4x8xi16>)
    linalg.matmul ins(%x, %w : memref<4x2xi16>, memref<2x8xi16>) outs(%1 : memref<4x8xi16>)
    "memref.copy"(%1, %acc_0) : (memref<4x8xi16>, memref<4x8xi16>) -> ()
    dato.put @h, %acc_0 : memref<4x8xi16>
  }
}

// -----

// Case 2: kept: the source is read after the copy (a second copy elsewhere),
// and the destination is read before the copy (its old values matter).
// CHECK-LABEL: dato.region @kept
// CHECK-COUNT-2: "memref.copy"(%{{.*}}, %{{.*}})
// CHECK:         memref.load %[[S:.*]][
// CHECK:         "memref.copy"

dato.region @kept(%A: memref<8xi32>, %B: memref<8xi32>) {
  dato.group @t of @t grid [1] (%A : memref<8xi32>, %B : memref<8xi32>) ports [] instances [
    @t_0 pid [0] offsets [[0], [0]] streams []
  ] {
  ^bb0(%a: memref<8xi32>, %b: memref<8xi32>):
    %s = memref.alloc() : memref<8xi32>
    linalg.add ins(%a, %a : memref<8xi32>, memref<8xi32>) outs(%s : memref<8xi32>)
    %d = memref.alloc() : memref<8xi32>
    "memref.copy"(%s, %d) : (memref<8xi32>, memref<8xi32>) -> ()
    "memref.copy"(%s, %a) : (memref<8xi32>, memref<8xi32>) -> ()
    %i = arith.constant 0 : index
    %e = memref.alloc() : memref<8xi32>
    linalg.add ins(%a, %a : memref<8xi32>, memref<8xi32>) outs(%e : memref<8xi32>)
    %f = memref.alloc() : memref<8xi32>
    linalg.add ins(%a, %a : memref<8xi32>, memref<8xi32>) outs(%f : memref<8xi32>)
    %v = memref.load %e[%i] : memref<8xi32>
    "memref.copy"(%f, %e) : (memref<8xi32>, memref<8xi32>) -> ()
    linalg.add ins(%d, %e : memref<8xi32>, memref<8xi32>) outs(%b : memref<8xi32>)
  }
}

// -----

// Case 3: `y[:, :] = matmul(f, g)` with g got from a stream: the product's
// local is filled first, dies at the copy, and y has no other use: the
// product is computed straight into y (the fill now overwrites y whole, so
// y's host copy is never read); the local and the copy go.
// CHECK-LABEL: dato.region @into_arg
// CHECK:         %[[G:.*]] = dato.get @s : memref<2x8xi32>
// CHECK-NEXT:    %[[C0:.*]] = arith.constant 0 : i32
// CHECK-NEXT:    linalg.fill ins(%[[C0]] : i32) outs(%y : memref<4x8xi32>)
// CHECK-NEXT:    linalg.matmul ins(%f, %[[G]] : memref<4x2xi32>, memref<2x8xi32>) outs(%y : memref<4x8xi32>)
// CHECK-NEXT:  }

dato.region @into_arg(%F: memref<4x2xi32>, %Y: memref<4x8xi32>) {
  dato.stream @s : !dato.stream<memref<2x8xi32>, 2>
  dato.group @t of @t grid [1] (%F : memref<4x2xi32>, %Y : memref<4x8xi32>) ports [] instances [
    @t_0 pid [0] offsets [[0, 0], [0, 0]] streams []
  ] {
  ^bb0(%f: memref<4x2xi32>, %y: memref<4x8xi32>):
    %g = dato.get @s : memref<2x8xi32>
    %0 = arith.constant 0 : i32
    %1 = memref.alloc() : memref<4x8xi32>
    linalg.fill ins(%0 : i32) outs(%1 : memref<4x8xi32>)
    linalg.matmul ins(%f, %g : memref<4x2xi32>, memref<2x8xi32>) outs(%1 : memref<4x8xi32>)
    "memref.copy"(%1, %y) : (memref<4x8xi32>, memref<4x8xi32>) -> ()
  }
}

// -----

// Case 4: kept: y is read too (its host values matter).
// CHECK-LABEL: dato.region @not_into_arg
// CHECK:         memref.load %y
// CHECK-NEXT:    "memref.copy"(%{{.*}}, %y

dato.region @not_into_arg(%F: memref<4x2xi32>, %G: memref<2x8xi32>, %Y: memref<4x8xi32>) {
  dato.group @t of @t grid [1] (%F : memref<4x2xi32>, %G : memref<2x8xi32>, %Y : memref<4x8xi32>) ports [] instances [
    @t_0 pid [0] offsets [[0, 0], [0, 0], [0, 0]] streams []
  ] {
  ^bb0(%f: memref<4x2xi32>, %g: memref<2x8xi32>, %y: memref<4x8xi32>):
    %i = arith.constant 0 : index
    %0 = arith.constant 0 : i32
    %1 = memref.alloc() : memref<4x8xi32>
    linalg.fill ins(%0 : i32) outs(%1 : memref<4x8xi32>)
    linalg.matmul ins(%f, %g : memref<4x2xi32>, memref<2x8xi32>) outs(%1 : memref<4x8xi32>)
    %v = memref.load %y[%i, %i] : memref<4x8xi32>
    "memref.copy"(%1, %y) : (memref<4x8xi32>, memref<4x8xi32>) -> ()
  }
}

// -----

// Case 5: kept: the product's local is not written whole first (the matmul
// accumulates into the zeros a new local holds, not into y's host values).
// CHECK-LABEL: dato.region @unfilled
// CHECK:         linalg.matmul
// CHECK-NEXT:    "memref.copy"(%{{.*}}, %y

dato.region @unfilled(%F: memref<4x2xi32>, %G: memref<2x8xi32>, %Y: memref<4x8xi32>) {
  dato.group @t of @t grid [1] (%F : memref<4x2xi32>, %G : memref<2x8xi32>, %Y : memref<4x8xi32>) ports [] instances [
    @t_0 pid [0] offsets [[0, 0], [0, 0], [0, 0]] streams []
  ] {
  ^bb0(%f: memref<4x2xi32>, %g: memref<2x8xi32>, %y: memref<4x8xi32>):
    %2 = memref.alloc() : memref<4x8xi32>
    linalg.matmul ins(%f, %g : memref<4x2xi32>, memref<2x8xi32>) outs(%2 : memref<4x8xi32>)
    "memref.copy"(%2, %y) : (memref<4x8xi32>, memref<4x8xi32>) -> ()
  }
}
