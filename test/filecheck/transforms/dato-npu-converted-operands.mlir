// RUN: dato-opt %s --split-input-file -p dato-npu-converted-operands | filecheck %s

// Case 1: `o = dato.matmul(p, v)` with p f32 [4, 64] and v bf16 [64, 32]:
// the frontend converts all of v into an f32 local. Now each K tile of 16
// (16 x (4 + 32) x 4 = 2304 bytes of locals; 32 would take 4608, over 4096)
// converts its rows of v with the frontend's extf, copies p's 4 x 16 strip,
// and the matmul adds the tile's product into o.
// CHECK-LABEL: dato.region @pv
// CHECK:         %[[SA:.*]] = memref.alloc() : memref<4x16xf32>
// CHECK-NEXT:    %[[SB:.*]] = memref.alloc() : memref<16x32xf32>
// CHECK:         %[[STEP:.*]] = arith.constant 16 : index
// CHECK-NEXT:    scf.for %[[K0:.*]] = %{{.*}} to %{{.*}} step %[[STEP]] {
// CHECK:           %[[I:.*]] = arith.addi %{{.*}}, %[[K0]] : index
// CHECK-NEXT:      %[[X:.*]] = memref.load %p[%{{.*}}, %[[I]]] : memref<4x64xf32>
// CHECK-NEXT:      memref.store %[[X]], %[[SA]][%{{.*}}, %{{.*}}] : memref<4x16xf32>
// CHECK:           %[[R:.*]] = arith.addi %{{.*}}, %[[K0]] : index
// CHECK-NEXT:      %[[Y:.*]] = memref.load %v[%[[R]], %{{.*}}] : memref<64x32xbf16>
// CHECK-NEXT:      %[[Z:.*]] = arith.extf %[[Y]] : bf16 to f32
// CHECK-NEXT:      memref.store %[[Z]], %[[SB]][%{{.*}}, %{{.*}}] : memref<16x32xf32>
// CHECK:           linalg.matmul ins(%[[SA]], %[[SB]] : memref<4x16xf32>, memref<16x32xf32>) outs(%o : memref<4x32xf32>)
// CHECK-NEXT:    }
// CHECK-NEXT:    "memref.copy"(%o, %out)
// CHECK-NOT:     memref<64x32xf32>

dato.region @pv(%P: memref<4x64xf32>, %V: memref<64x32xbf16>, %O: memref<4x32xf32>) {
  dato.group @t of @t grid [1] (%P : memref<4x64xf32>, %V : memref<64x32xbf16>, %O : memref<4x32xf32>) ports [] instances [
    @t_0 pid [0] offsets [[0, 0], [0, 0], [0, 0]] streams []
  ] {
  ^bb0(%p: memref<4x64xf32>, %v: memref<64x32xbf16>, %out: memref<4x32xf32>):
    %1 = memref.alloc() : memref<64x32xf32>
    %2 = arith.constant 0 : index
    %3 = arith.constant 64 : index
    %4 = arith.constant 1 : index
    scf.for %5 = %2 to %3 step %4 {
      %6 = arith.constant 32 : index
      scf.for %7 = %2 to %6 step %4 {
        %8 = memref.load %v[%5, %7] : memref<64x32xbf16>
        %9 = arith.extf %8 : bf16 to f32
        memref.store %9, %1[%5, %7] : memref<64x32xf32>
      }
    }
    %o = memref.alloc() : memref<4x32xf32>
    %11 = arith.constant 0.000000e+00 : f32
    linalg.fill ins(%11 : f32) outs(%o : memref<4x32xf32>)
    linalg.matmul ins(%p, %1 : memref<4x64xf32>, memref<64x32xf32>) outs(%o : memref<4x32xf32>)
    "memref.copy"(%o, %out) : (memref<4x32xf32>, memref<4x32xf32>) -> ()
  }
}

// -----

// Case 2: the converted operand is B (i8 [64, 64] widened to i16 by
// arith.extsi) and A an i16 argument, into i32: each tile is 64 rows x KT
// columns of A and KT rows of B, KT = 16 (16 x (64 x 2 + 64 x 2) = 4096
// bytes). The same with A converted and B an argument is left as written
// (physical mapping may stream that B over K).
// CHECK-LABEL: dato.region @wide
// CHECK:         %[[SA:.*]] = memref.alloc() : memref<64x16xi16>
// CHECK-NEXT:    %[[SB:.*]] = memref.alloc() : memref<16x64xi16>
// CHECK:         %[[STEP:.*]] = arith.constant 16 : index
// CHECK-NEXT:    scf.for %{{.*}} = %{{.*}} to %{{.*}} step %[[STEP]] {
// CHECK:           arith.extsi %{{.*}} : i8 to i16
// CHECK:           linalg.matmul ins(%[[SA]], %[[SB]] : memref<64x16xi16>, memref<16x64xi16>) outs(%c : memref<64x64xi32>)
// CHECK:         %[[W2:.*]] = memref.alloc() : memref<64x64xi16>
// CHECK:         linalg.matmul ins(%[[W2]], %b : memref<64x64xi16>, memref<64x64xi16>) outs(%c : memref<64x64xi32>)

dato.region @wide(%A: memref<64x64xi8>, %B: memref<64x64xi16>, %C: memref<64x64xi32>) {
  dato.group @t of @t grid [1] (%A : memref<64x64xi8>, %B : memref<64x64xi16>, %C : memref<64x64xi32>) ports [] instances [
    @t_0 pid [0] offsets [[0, 0], [0, 0], [0, 0]] streams []
  ] {
  ^bb0(%a: memref<64x64xi8>, %b: memref<64x64xi16>, %c: memref<64x64xi32>):
    %w = memref.alloc() : memref<64x64xi16>
    %0 = arith.constant 0 : index
    %1 = arith.constant 64 : index
    %2 = arith.constant 1 : index
    scf.for %i = %0 to %1 step %2 {
      scf.for %j = %0 to %1 step %2 {
        %x = memref.load %a[%i, %j] : memref<64x64xi8>
        %y = arith.extsi %x : i8 to i16
        memref.store %y, %w[%i, %j] : memref<64x64xi16>
      }
    }
    linalg.matmul ins(%b, %w : memref<64x64xi16>, memref<64x64xi16>) outs(%c : memref<64x64xi32>)
    %w2 = memref.alloc() : memref<64x64xi16>
    scf.for %i = %0 to %1 step %2 {
      scf.for %j = %0 to %1 step %2 {
        %x = memref.load %a[%i, %j] : memref<64x64xi8>
        %y = arith.extsi %x : i8 to i16
        memref.store %y, %w2[%i, %j] : memref<64x64xi16>
      }
    }
    linalg.matmul ins(%w2, %b : memref<64x64xi16>, memref<64x64xi16>) outs(%c : memref<64x64xi32>)
  }
}

// -----

// Case 3: kept. A bf16 output (its kernel rounds once per call); the source
// written between the conversion and the matmul; a converted local read by
// something else too.
// CHECK-LABEL: dato.region @kept
// CHECK-COUNT-3: linalg.matmul ins(%p, %l{{[123]}} : memref<4x64xf32>, memref<64x32xf32>)
// CHECK-NOT:     scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NOT:     linalg.matmul

dato.region @kept(%V: memref<64x32xbf16>, %P: memref<4x64xf32>, %Q: memref<4x32xbf16>, %R: memref<4x32xf32>) {
  dato.group @t of @t grid [1] (%V : memref<64x32xbf16>, %P : memref<4x64xf32>, %Q : memref<4x32xbf16>, %R : memref<4x32xf32>) ports [] instances [
    @t_0 pid [0] offsets [[0, 0], [0, 0], [0, 0], [0, 0]] streams []
  ] {
  ^bb0(%v: memref<64x32xbf16>, %p: memref<4x64xf32>, %q: memref<4x32xbf16>, %r: memref<4x32xf32>):
    %0 = arith.constant 0 : index
    %y0 = arith.constant 0.000000e+00 : bf16
    %1 = arith.constant 64 : index
    %2 = arith.constant 1 : index
    %n = arith.constant 32 : index
    %l1 = memref.alloc() : memref<64x32xf32>
    scf.for %i = %0 to %1 step %2 {
      scf.for %j = %0 to %n step %2 {
        %x = memref.load %v[%i, %j] : memref<64x32xbf16>
        %y = arith.extf %x : bf16 to f32
        memref.store %y, %l1[%i, %j] : memref<64x32xf32>
      }
    }
    linalg.matmul ins(%p, %l1 : memref<4x64xf32>, memref<64x32xf32>) outs(%q : memref<4x32xbf16>)
    %l2 = memref.alloc() : memref<64x32xf32>
    scf.for %i = %0 to %1 step %2 {
      scf.for %j = %0 to %n step %2 {
        %x = memref.load %v[%i, %j] : memref<64x32xbf16>
        %y = arith.extf %x : bf16 to f32
        memref.store %y, %l2[%i, %j] : memref<64x32xf32>
      }
    }
    memref.store %y0, %v[%0, %0] : memref<64x32xbf16>
    linalg.matmul ins(%p, %l2 : memref<4x64xf32>, memref<64x32xf32>) outs(%r : memref<4x32xf32>)
    %l3 = memref.alloc() : memref<64x32xf32>
    scf.for %i = %0 to %1 step %2 {
      scf.for %j = %0 to %n step %2 {
        %x = memref.load %v[%i, %j] : memref<64x32xbf16>
        %y = arith.extf %x : bf16 to f32
        memref.store %y, %l3[%i, %j] : memref<64x32xf32>
      }
    }
    linalg.matmul ins(%p, %l3 : memref<4x64xf32>, memref<64x32xf32>) outs(%r : memref<4x32xf32>)
    %e = memref.load %l3[%0, %0] : memref<64x32xf32>
  }
}
