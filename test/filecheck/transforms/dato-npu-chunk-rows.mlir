// RUN: dato-opt %s --split-input-file -p 'dato-npu-chunk-rows{budget=0}' | filecheck %s
// RUN: dato-opt %s --split-input-file -p 'dato-npu-chunk-rows{budget=0},dato-npu-stream-reads{budget=0}' | filecheck %s --check-prefix=STREAM

// budget=0: every task is over its budget (by default only a task whose
// buffers overflow its share of the tile has its arrays reshaped).

// Case 1: a loader reads A[c * 16 + i] chunk by chunk and a writer stores
// B[c * 16 + i] (after dato-npu-fold-slices): both 64-element int16 arrays
// become 4 rows of 16 (8 words a row), the accesses A[c, i] and B[c, i].
// CHECK-LABEL: dato.region @top(%A: memref<4x16xi16>, %B: memref<4x16xi16>)
// CHECK:       dato.group @load of @load grid [1] (%A : memref<4x16xi16>) ports [] instances [
// CHECK-NEXT:    @load_0 pid [0] offsets {{\[}}[0, 0]] streams []
// CHECK:       ^bb0(%a: memref<4x16xi16>):
// CHECK:         scf.for %c =
// CHECK:           scf.for %i =
// CHECK:             memref.load %a[%c, %i] : memref<4x16xi16>
// CHECK:       ^bb0(%b: memref<4x16xi16>):
// CHECK:           scf.for %[[J:[0-9]+]] =
// CHECK:             memref.store %{{.*}}, %b[%c, %[[J]]] : memref<4x16xi16>
// stream-reads then streams A in and B out one row per iteration of c
// STREAM-LABEL: dato.region @top
// STREAM:       memref.load %a[%c, %i] {dato.row_piece} : memref<4x16xi16>
// STREAM:       } {dato.row_loop = 1 : i64}
// STREAM:       memref.store %{{.*}}, %b[%c, %{{.*}}] {dato.row_piece} : memref<4x16xi16>
// STREAM:       } {dato.row_loop = 1 : i64}

builtin.module {
  dato.region @top(%A: memref<64xi16>, %B: memref<64xi16>) {
    dato.stream @s : !dato.stream<memref<16xi16>, 2>
    dato.group @load of @load grid [1] (%A : memref<64xi16>) ports [] instances [
      @load_0 pid [0] offsets [[0]] streams []
    ] {
    ^bb0(%a: memref<64xi16>):
      %0 = arith.constant 0 : index
      %1 = arith.constant 4 : index
      %2 = arith.constant 1 : index
      scf.for %c = %0 to %1 step %2 {
        %3 = arith.constant 0 : i16
        %blk = memref.alloc() : memref<16xi16>
        linalg.fill ins(%3 : i16) outs(%blk : memref<16xi16>)
        %4 = arith.constant 16 : index
        scf.for %i = %0 to %4 step %2 {
          %5 = arith.muli %c, %4 : index
          %6 = arith.addi %5, %i : index
          %7 = memref.load %a[%6] : memref<64xi16>
          %8 = arith.constant 3 : i16
          %9 = arith.muli %7, %8 : i16
          memref.store %9, %blk[%i] : memref<16xi16>
        }
        dato.put @s, %blk : memref<16xi16> {dato.in_place}
      }
    }
    dato.group @store of @store grid [1] (%B : memref<64xi16>) ports [] instances [
      @store_0 pid [0] offsets [[0]] streams []
    ] {
    ^bb0(%b: memref<64xi16>):
      %0 = arith.constant 0 : index
      %1 = arith.constant 4 : index
      %2 = arith.constant 1 : index
      scf.for %c = %0 to %1 step %2 {
        %3 = dato.get @s : memref<16xi16>
        %4 = arith.constant 16 : index
        %5 = arith.muli %c, %4 : index
        %6 = arith.constant 0 : index
        %7 = arith.constant 1 : index
        %8 = arith.constant 16 : index
        scf.for %9 = %6 to %8 step %7 {
          %10 = memref.load %3[%9] : memref<16xi16>
          %11 = arith.addi %5, %9 : index
          memref.store %10, %b[%11] : memref<64xi16>
        }
      }
    }
  }
}


// -----

// Case 2: the inner loop runs past the chunk (i up to 32 with c * 16): an
// element of row c + 1 is read in iteration c, so the array keeps its shape.
// CHECK-LABEL: dato.region @past(%A: memref<64xi16>)
// CHECK:         memref.load %a[%{{.*}}] : memref<64xi16>

builtin.module {
  dato.region @past(%A: memref<64xi16>) {
    dato.group @load of @load grid [1] (%A : memref<64xi16>) ports [] instances [
      @load_0 pid [0] offsets [[0]] streams []
    ] {
    ^bb0(%a: memref<64xi16>):
      %0 = arith.constant 0 : index
      %1 = arith.constant 3 : index
      %2 = arith.constant 1 : index
      %3 = arith.constant 16 : index
      %4 = arith.constant 32 : index
      %s = memref.alloc() : memref<1xi16>
      scf.for %c = %0 to %1 step %2 {
        scf.for %i = %0 to %4 step %2 {
          %5 = arith.muli %c, %3 : index
          %6 = arith.addi %5, %i : index
          %7 = memref.load %a[%6] : memref<64xi16>
          memref.store %7, %s[%0] : memref<1xi16>
        }
      }
    }
  }
}
