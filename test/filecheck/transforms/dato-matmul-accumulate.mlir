// RUN: dato-opt %s --split-input-file -p dato-matmul-accumulate | filecheck %s

// Case 1: `acc[:, :] = dato.add(acc, dato.matmul(x, w))` in a loop over K
// blocks got from streams: the matmul accumulates into acc; the product's
// zero-filled local, the sum's local, the add and the copy back go.
// CHECK-LABEL: dato.region @blocked
// CHECK:         %acc = memref.alloc() : memref<4x8xi32>
// CHECK:         linalg.fill ins(%{{.*}} : i32) outs(%acc : memref<4x8xi32>)
// CHECK:         scf.for
// CHECK-NEXT:      %[[X:.*]] = dato.get @fx : memref<4x2xi32>
// CHECK-NEXT:      %[[W:.*]] = dato.get @fw : memref<2x8xi32>
// CHECK-NEXT:      linalg.matmul ins(%[[X]], %[[W]] : memref<4x2xi32>, memref<2x8xi32>) outs(%acc : memref<4x8xi32>)
// CHECK-NEXT:    }
// CHECK-NEXT:    "memref.copy"(%acc, %c) : (memref<4x8xi32>, memref<4x8xi32>) -> ()
// CHECK-NOT:     linalg.add

dato.region @blocked(%C: memref<4x8xi32>) {
  dato.stream @fx : !dato.stream<memref<4x2xi32>, 2>
  dato.stream @fw : !dato.stream<memref<2x8xi32>, 2>
  dato.group @t of @t grid [1] (%C : memref<4x8xi32>) ports [] instances [
    @t_0 pid [0] offsets [[0, 0]] streams []
  ] {
  ^bb0(%c: memref<4x8xi32>):
    %acc = memref.alloc() : memref<4x8xi32>
    %0 = arith.constant 0 : i32
    linalg.fill ins(%0 : i32) outs(%acc : memref<4x8xi32>)
    %lb = arith.constant 0 : index
    %ub = arith.constant 3 : index
    %st = arith.constant 1 : index
    scf.for %k = %lb to %ub step %st {
      %x = dato.get @fx : memref<4x2xi32>
      %w = dato.get @fw : memref<2x8xi32>
      %p = memref.alloc() : memref<4x8xi32>
      linalg.fill ins(%0 : i32) outs(%p : memref<4x8xi32>)
      linalg.matmul ins(%x, %w : memref<4x2xi32>, memref<2x8xi32>) outs(%p : memref<4x8xi32>)
      %s = memref.alloc() : memref<4x8xi32>
      linalg.add ins(%acc, %p : memref<4x8xi32>, memref<4x8xi32>) outs(%s : memref<4x8xi32>)
      "memref.copy"(%s, %acc) : (memref<4x8xi32>, memref<4x8xi32>) -> ()
    }
    "memref.copy"(%acc, %c) : (memref<4x8xi32>, memref<4x8xi32>) -> ()
  }
}

// -----

// Case 2: `acc = matmul(a, b) + acc` at the body's top level, f32: the
// product comes first in the add; the body is then the GEMM form (alloc,
// fill, matmul, copy out).
// CHECK-LABEL: dato.region @once
// CHECK:         %acc = memref.alloc() : memref<4x8xf32>
// CHECK:         linalg.fill ins(%{{.*}} : f32) outs(%acc : memref<4x8xf32>)
// CHECK-NEXT:    linalg.matmul ins(%a, %b : memref<4x2xf32>, memref<2x8xf32>) outs(%acc : memref<4x8xf32>)
// CHECK-NEXT:    "memref.copy"(%acc, %c) : (memref<4x8xf32>, memref<4x8xf32>) -> ()
// CHECK-NEXT:  }

dato.region @once(%A: memref<4x2xf32>, %B: memref<2x8xf32>, %C: memref<4x8xf32>) {
  dato.group @t of @t grid [1] (%A : memref<4x2xf32>, %B : memref<2x8xf32>, %C : memref<4x8xf32>) ports [] instances [
    @t_0 pid [0] offsets [[0, 0], [0, 0], [0, 0]] streams []
  ] {
  ^bb0(%a: memref<4x2xf32>, %b: memref<2x8xf32>, %c: memref<4x8xf32>):
    %acc = memref.alloc() : memref<4x8xf32>
    %0 = arith.constant 0.000000e+00 : f32
    linalg.fill ins(%0 : f32) outs(%acc : memref<4x8xf32>)
    %p = memref.alloc() : memref<4x8xf32>
    linalg.fill ins(%0 : f32) outs(%p : memref<4x8xf32>)
    linalg.matmul ins(%a, %b : memref<4x2xf32>, memref<2x8xf32>) outs(%p : memref<4x8xf32>)
    %s = memref.alloc() : memref<4x8xf32>
    linalg.add ins(%p, %acc : memref<4x8xf32>, memref<4x8xf32>) outs(%s : memref<4x8xf32>)
    "memref.copy"(%s, %acc) : (memref<4x8xf32>, memref<4x8xf32>) -> ()
    "memref.copy"(%acc, %c) : (memref<4x8xf32>, memref<4x8xf32>) -> ()
  }
}

// -----

// Case 3: kept. `acc = acc + matmul(acc, b)`: the product reads acc's old
// values; `acc2 = acc2 + matmul(a, b)` with acc2 read between the matmul and
// the copy; a bf16 accumulator (two roundings as written, one in place).
// CHECK-LABEL: dato.region @kept
// CHECK-COUNT-3: linalg.add
// CHECK-NOT:     linalg.add

dato.region @kept(%A: memref<4x4xi32>, %D: memref<4x4xbf16>, %E: memref<4x4xi32>) {
  dato.group @t of @t grid [1] (%A : memref<4x4xi32>, %D : memref<4x4xbf16>, %E : memref<4x4xi32>) ports [] instances [
    @t_0 pid [0] offsets [[0, 0], [0, 0], [0, 0]] streams []
  ] {
  ^bb0(%a: memref<4x4xi32>, %d: memref<4x4xbf16>, %e: memref<4x4xi32>):
    %0 = arith.constant 0 : i32
    %acc = memref.alloc() : memref<4x4xi32>
    linalg.fill ins(%0 : i32) outs(%acc : memref<4x4xi32>)
    %p = memref.alloc() : memref<4x4xi32>
    linalg.fill ins(%0 : i32) outs(%p : memref<4x4xi32>)
    linalg.matmul ins(%acc, %a : memref<4x4xi32>, memref<4x4xi32>) outs(%p : memref<4x4xi32>)
    %s = memref.alloc() : memref<4x4xi32>
    linalg.add ins(%acc, %p : memref<4x4xi32>, memref<4x4xi32>) outs(%s : memref<4x4xi32>)
    "memref.copy"(%s, %acc) : (memref<4x4xi32>, memref<4x4xi32>) -> ()
    %acc2 = memref.alloc() : memref<4x4xi32>
    linalg.fill ins(%0 : i32) outs(%acc2 : memref<4x4xi32>)
    %p2 = memref.alloc() : memref<4x4xi32>
    linalg.fill ins(%0 : i32) outs(%p2 : memref<4x4xi32>)
    linalg.matmul ins(%a, %a : memref<4x4xi32>, memref<4x4xi32>) outs(%p2 : memref<4x4xi32>)
    "memref.copy"(%acc2, %e) : (memref<4x4xi32>, memref<4x4xi32>) -> ()
    %s2 = memref.alloc() : memref<4x4xi32>
    linalg.add ins(%acc2, %p2 : memref<4x4xi32>, memref<4x4xi32>) outs(%s2 : memref<4x4xi32>)
    "memref.copy"(%s2, %acc2) : (memref<4x4xi32>, memref<4x4xi32>) -> ()
    %z = arith.constant 0.000000e+00 : bf16
    %acc3 = memref.alloc() : memref<4x4xbf16>
    linalg.fill ins(%z : bf16) outs(%acc3 : memref<4x4xbf16>)
    %p3 = memref.alloc() : memref<4x4xbf16>
    linalg.fill ins(%z : bf16) outs(%p3 : memref<4x4xbf16>)
    linalg.matmul ins(%d, %d : memref<4x4xbf16>, memref<4x4xbf16>) outs(%p3 : memref<4x4xbf16>)
    %s3 = memref.alloc() : memref<4x4xbf16>
    linalg.add ins(%acc3, %p3 : memref<4x4xbf16>, memref<4x4xbf16>) outs(%s3 : memref<4x4xbf16>)
    "memref.copy"(%s3, %acc3) : (memref<4x4xbf16>, memref<4x4xbf16>) -> ()
  }
}
