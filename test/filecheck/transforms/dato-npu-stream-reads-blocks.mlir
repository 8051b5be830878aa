// RUN: dato-opt %s --split-input-file -p 'dato-npu-stream-reads{budget=0}' | filecheck %s

// A loader putting one row block of B per step (`fb.put(b[k*4:(k+1)*4, :])`
// for k = 0..3, its copy into the object a loop over the block's 4 rows):
// iteration k reads rows 4k..4k+3, every block once, in order, so B streams
// in objects of 4 rows: the k loop is its row loop, the loads carry the
// piece's rows (dato.row_block = 4).
// CHECK-LABEL: dato.region @loader
// CHECK:         scf.for %[[K:.*]] = {{.*}} {
// CHECK:           scf.for %[[R:.*]] = {{.*}} {
// CHECK:             scf.for %[[C:.*]] = {{.*}} {
// CHECK:               memref.load %b[{{.*}}, %[[C]]] {dato.row_piece, dato.row_block = 4 : i64} : memref<16x8xi32>
// CHECK:         } {dato.row_loop = 1 : i64}

dato.region @loader(%B: memref<16x8xi32>) {
  dato.stream @fb : !dato.stream<memref<4x8xi32>, 2>
  dato.group @ld of @ld grid [1] (%B : memref<16x8xi32>) ports [] instances [
    @ld_0 pid [0] offsets [[0, 0]] streams []
  ] {
  ^bb0(%b: memref<16x8xi32>):
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    %c8 = arith.constant 8 : index
    scf.for %k = %c0 to %c4 step %c1 {
      %first = arith.muli %k, %c4 : index
      %blk = memref.alloc() : memref<4x8xi32>
      scf.for %r = %c0 to %c4 step %c1 {
        scf.for %c = %c0 to %c8 step %c1 {
          %row = arith.addi %first, %r : index
          %v = memref.load %b[%row, %c] : memref<16x8xi32>
          memref.store %v, %blk[%r, %c] : memref<4x8xi32>
        }
      }
      dato.put @fb, %blk : memref<4x8xi32>
    }
  }
}

// -----

// Kept whole: the blocks overlap (rows 2k..2k+3: a row block of 4 each step
// of 2), so no piece is read once.
// CHECK-LABEL: dato.region @overlap
// CHECK-NOT:     dato.row_block
// CHECK-NOT:     dato.row_loop

dato.region @overlap(%B: memref<16x8xi32>) {
  dato.stream @fb : !dato.stream<memref<4x8xi32>, 2>
  dato.group @ld of @ld grid [1] (%B : memref<16x8xi32>) ports [] instances [
    @ld_0 pid [0] offsets [[0, 0]] streams []
  ] {
  ^bb0(%b: memref<16x8xi32>):
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c4 = arith.constant 4 : index
    %c7 = arith.constant 7 : index
    %c8 = arith.constant 8 : index
    scf.for %k = %c0 to %c7 step %c1 {
      %first = arith.muli %k, %c2 : index
      %blk = memref.alloc() : memref<4x8xi32>
      scf.for %r = %c0 to %c4 step %c1 {
        scf.for %c = %c0 to %c8 step %c1 {
          %row = arith.addi %first, %r : index
          %v = memref.load %b[%row, %c] : memref<16x8xi32>
          memref.store %v, %blk[%r, %c] : memref<4x8xi32>
        }
      }
      dato.put @fb, %blk : memref<4x8xi32>
    }
  }
}
