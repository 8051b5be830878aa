// RUN: dato-opt %s --split-input-file --verify-diagnostics | filecheck %s

dato.region @r() {
  dato.stream @pipe : !dato.stream<i32, 2>
  dato.task @t grid [1] () {
    %x = arith.constant 1 : i16
    dato.put @pipe, %x : i16
  }
}
// CHECK: verify.mlir:7:5: error: 'dato.put' op dato.put on @pipe moves i16, but the stream carries i32

// -----

dato.region @r() {
  dato.stream @pipe [4, 4] : !dato.stream<i32, 2>
  dato.task @t grid [4] () {
    %p = dato.pid : index
    %v = dato.get @pipe[%p] : i32
  }
}
// CHECK: verify.mlir:18:5: error: 'dato.get' op dato.get on @pipe has 1 index(es), but the stream array has shape [4, 4] (2 index(es))

// -----

dato.region @r(%A : memref<8xi32>, %B : memref<8xi32>) {
  dato.task @t grid [2] (%A : memref<8xi32> [S0], %B : memref<8xi32> [S0]) {
  ^bb0(%a : memref<4xi32>):
  }
}
// CHECK: verify.mlir:26:3: error: 'dato.task' op task @t binds 2 region argument(s) but its body takes 1

// -----

dato.region @r(%A : memref<8xi32>) {
  dato.task @t grid [2] (%A : memref<8xi32> [S0]) {
  ^bb0(%a : memref<4xf32>):
  }
}
// CHECK: error: 'dato.task' op task @t: body argument 0 has element type f32 but bound argument 0 has i32

// -----

dato.region @r(%A : memref<8x8xi32>) {
  dato.task @t grid [2, 2] (%A : memref<8x8xi32> [S0, S2]) {
  ^bb0(%a : memref<4x4xi32>):
  }
}
// CHECK: error: 'dato.task' op task @t: layout [S0, S2] of argument 0 shards dimension 1 over mesh axis 2, but the task grid [2, 2] has only 2 axis/axes

// -----

dato.region @r(%A : memref<9xi32>) {
  dato.task @t grid [2] (%A : memref<9xi32> [S0]) {
  ^bb0(%a : memref<4xi32>):
  }
}
// CHECK: error: 'dato.task' op task @t: dimension 0 of argument 0 has size 9, not divisible by grid extent 2 of mesh axis 0

// -----

dato.region @r(%A : memref<8x8xi32>) {
  dato.task @t grid [2, 4] (%A : memref<8x8xi32> [S1, R]) {
  ^bb0(%a : memref<4x8xi32>):
  }
}
// CHECK: error: 'dato.task' op task @t: body argument 0 has shape [4, 8], but layout [S1, R] of memref<8x8xi32> on grid [2, 4] gives a local view of shape [2, 8]

// -----

dato.region @r(%A : memref<8x8xi32>) {
  dato.task @t grid [2] (%A : memref<8x8xi32> [S0]) {
  ^bb0(%a : memref<4x8xi32>):
  }
}
// CHECK: error: 'dato.task' op task @t: layout [S0] of argument 0 has 1 entries for a rank-2 array memref<8x8xi32>

// -----

dato.region @r() {
  dato.task @t grid [2, 2] () {
    %p = dato.pid : index
  }
}
// CHECK: error: 'dato.pid' op dato.pid yields 1 coordinate(s) but task @t has a rank-2 grid

// -----

dato.region @r() {
  dato.task @t grid [1] () {
    %v = dato.get @nowhere : i32
  }
}
// CHECK: error: 'dato.get' op dato.get refers to @nowhere, which is not a dato.stream

// -----

dato.region @r() {
  dato.stream @s : !dato.stream<i32, 0>
}
// CHECK: verify.mlir:98:32
// CHECK: stream depth must be between 1 and 1048576, got 0

// -----

dato.region @r() {
  dato.stream @s : !dato.stream<memref<4xi8>, 2, 4>
}
// CHECK: verify.mlir:106:32
// CHECK: a packing factor applies to scalar streams, not to memref blocks

// -----

dato.region @r() {
  dato.stream @s [0] : !dato.stream<i8, 2>
}
// CHECK: error: 'dato.stream' op stream array @s has [0]; extents must be at least 1

// -----

dato.region @r(%A : memref<?xi32>) {
}
// CHECK: error: 'dato.region' op argument 0 of region @r has type memref<?xi32>; region arguments are statically shaped memrefs

// -----

dato.region @r() {
  %c = arith.constant 0 : i32
}
// CHECK: error: 'dato.region' op region @r may hold only dato.stream, dato.task, dato.group, dato.bundle and dato.chain ops and func.func declarations of external kernels, found arith.constant

// -----

dato.region @r(%A : memref<8xi32>) {
  dato.task @t grid [2] (%A : memref<8xi32> [Q]) {
  ^bb0(%a : memref<4xi32>):
  }
}
// CHECK: expected a layout entry S<axis> or R, got 'Q'

// -----

// Limits (docs/design-notes.md): 2^16 instances per grid, 2^16 streams per
// array, depth 2^20, packing 64.
dato.region @r() {
  dato.task @t grid [2147483648] () {
  }
}
// CHECK: error: 'dato.task' op task @t grid has [2147483648]: 2147483648 instances, more than the limit of 65536

// -----

dato.region @r() {
  dato.task @t grid [256, 257] () {
  }
}
// CHECK: error: 'dato.task' op task @t grid has [256, 257]: 65792 instances, more than the limit of 65536

// -----

dato.region @r() {
  dato.task @t grid [9223372036854775808] () {
  }
}
// CHECK: error: 'dato.task' op task @t grid has [9223372036854775808]: 9223372036854775808 instances

// -----

dato.region @r() {
  dato.stream @s [300, 300] : !dato.stream<i8, 2>
}
// CHECK: error: 'dato.stream' op stream array @s has [300, 300]: 90000 streams, more than the limit of 65536

// -----

dato.region @r() {
  dato.stream @s : !dato.stream<i8, 1099511627776>
}
// CHECK: stream depth must be between 1 and 1048576, got 1099511627776

// -----

dato.region @r() {
  dato.stream @s : !dato.stream<i8, 2, 65>
}
// CHECK: stream packing factor must be between 1 and 64, got 65

// -----

dato.region @r(%C : memref<4x4xi32>) {
  dato.task @t grid [2] (%C : memref<4x4xi32> [S0, S0]) {
  ^bb0(%c : memref<2x2xi32>):
  }
}
// CHECK: verify.mlir:[[# @LINE - 4]]:{{[0-9]+}}
// CHECK: layout [S0, S0] shards two dimensions over mesh axis 0; a mesh axis shards at most one dimension

// -----

// Only the scalar types every executor and target implements.
dato.region @r(%A : memref<4xf32>) {
  dato.task @t grid [1] (%A : memref<4xf32> [R]) {
  ^bb0(%a : memref<4xf32>):
    %c0 = arith.constant 0 : index
    %v = memref.load %a[%c0] : memref<4xf32>
    %w = arith.truncf %v : f32 to f16
  }
}
// CHECK: error: 'dato.region' op a value of arith.truncf at {{.*}}verify.mlir:[[# @LINE - 3]]:5 has type f16; dato programs use i1, i8, i16, i32, i64, index, f32 and bf16

// -----

dato.region @r(%A : memref<4xf64>) {
}
// CHECK: error: 'dato.region' op argument %A has type memref<4xf64>; dato programs use i1, i8, i16, i32, i64, index, f32 and bf16
