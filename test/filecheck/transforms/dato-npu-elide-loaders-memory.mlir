// RUN: dato-opt %s --split-input-file -p 'dato-npu-elide-loaders' | filecheck %s

// Loaders over their own tile: ld holds its 32x256 int32 block (32 KiB) and
// the stream's two objects of it (64 KiB), more than a compute tile's 63 KiB,
// so though the design fits the cores, use reads the block itself; the local
// blk it copied the block into, then only read, reads the block.
// CHECK-LABEL: dato.region @top
// CHECK-NOT:   dato.stream
// CHECK-NOT:   dato.group @ld
// CHECK:       dato.group @use of @use grid [1] (%B : memref<256xi32>, %A : memref<32x256xi32>) ports [] instances [
// CHECK-NEXT:    @use_0 pid [0] offsets {{\[}}[0], [0, 0]] streams []
// CHECK:       ^bb0(%b: memref<256xi32>, %a: memref<32x256xi32>):
// CHECK-NOT:     memref.alloc
// CHECK:         memref.load %a[%{{.*}}, %{{.*}}] : memref<32x256xi32>

dato.region @top(%A: memref<32x256xi32>, %B: memref<256xi32>) {
  dato.stream @s : !dato.stream<memref<32x256xi32>, 2>
  dato.group @ld of @ld grid [1] (%A : memref<32x256xi32>) ports [] instances [
    @ld_0 pid [0] offsets [[0, 0]] streams []
  ] {
  ^bb0(%a: memref<32x256xi32>):
    dato.put @s, %a : memref<32x256xi32>
  }
  dato.group @use of @use grid [1] (%B : memref<256xi32>) ports [] instances [
    @use_0 pid [0] offsets [[0]] streams []
  ] {
  ^bb0(%b: memref<256xi32>):
    %blk = memref.alloc() : memref<32x256xi32>
    %0 = dato.get @s : memref<32x256xi32>
    "memref.copy"(%0, %blk) : (memref<32x256xi32>, memref<32x256xi32>) -> ()
    %1 = arith.constant 0 : index
    %2 = arith.constant 256 : index
    %3 = arith.constant 1 : index
    scf.for %j = %1 to %2 step %3 {
      %4 = memref.load %blk[%1, %j] : memref<32x256xi32>
      %5 = arith.constant 31 : index
      %6 = memref.load %blk[%5, %j] : memref<32x256xi32>
      %7 = arith.addi %4, %6 : i32
      memref.store %7, %b[%j] : memref<256xi32>
    }
  }
}

// -----

// A 16x256 int32 block (16 KiB, 48 KiB with the stream's two) fits its tile
// and the design fits the cores: the loader stays.
// CHECK-LABEL: dato.region @top
// CHECK:       dato.stream @s
// CHECK:       dato.group @ld
// CHECK:       dato.group @use
// CHECK:         dato.get @s

dato.region @top(%A: memref<16x256xi32>, %B: memref<256xi32>) {
  dato.stream @s : !dato.stream<memref<16x256xi32>, 2>
  dato.group @ld of @ld grid [1] (%A : memref<16x256xi32>) ports [] instances [
    @ld_0 pid [0] offsets [[0, 0]] streams []
  ] {
  ^bb0(%a: memref<16x256xi32>):
    dato.put @s, %a : memref<16x256xi32>
  }
  dato.group @use of @use grid [1] (%B : memref<256xi32>) ports [] instances [
    @use_0 pid [0] offsets [[0]] streams []
  ] {
  ^bb0(%b: memref<256xi32>):
    %blk = memref.alloc() : memref<16x256xi32>
    %0 = dato.get @s : memref<16x256xi32>
    "memref.copy"(%0, %blk) : (memref<16x256xi32>, memref<16x256xi32>) -> ()
    %1 = arith.constant 0 : index
    %2 = arith.constant 256 : index
    %3 = arith.constant 1 : index
    scf.for %j = %1 to %2 step %3 {
      %4 = memref.load %blk[%1, %j] : memref<16x256xi32>
      %5 = arith.constant 15 : index
      %6 = memref.load %blk[%5, %j] : memref<16x256xi32>
      %7 = arith.addi %4, %6 : i32
      memref.store %7, %b[%j] : memref<256xi32>
    }
  }
}
