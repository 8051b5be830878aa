// RUN: dato-opt %s --split-input-file --verify-diagnostics | filecheck %s

vhls.process @p bogus literals 0 () {
}
// CHECK: verify.mlir:3:1: error: 'vhls.process' op process @p has kind 'bogus'; expected one of load, fill, task, store

// -----

vhls.process @p task literals 1 (%s: !vhls.stream<i16, 2>) {
}
// CHECK: verify.mlir:9:1: error: 'vhls.process' op process @p: literal argument 0 must be an index

// -----

vhls.process @p task literals 0 (%s: !vhls.stream<i16, 2>) {
  %v = vhls.read %s : !vhls.stream<i16, 2> -> i32
}
// CHECK: verify.mlir:16:3: error: 'vhls.read' op vhls.read yields i32, but the stream carries i16

// -----

vhls.process @p task literals 0 () {
  %c0 = arith.constant 0 : index
  vhls.for "l" %i = %c0 to %c0 step %c0 pipeline 0 {
  }
}
// CHECK: verify.mlir:24:3: error: 'vhls.for' op pipeline II must be at least 1, got 0

// -----

vhls.process @p task literals 0 () {
  %b = memref.alloca() : memref<8xi32>
  vhls.array_partition %b cyclic factor 1 dim 1 : memref<8xi32>
}
// CHECK: verify.mlir:33:3: error: 'vhls.array_partition' op a cyclic partition needs a factor >= 2, got 1

// -----

vhls.process @p task literals 0 () {
  %b = memref.alloca() : memref<8xi32>
  vhls.array_partition %b complete dim 2 : memref<8xi32>
}
// CHECK: verify.mlir:41:3: error: 'vhls.array_partition' op partition dim 2 is outside the rank-1 array (0..1)

// -----

vhls.kernel @top(%A: memref<4xi16>, %B: memref<4xi16>) interfaces [#vhls.interface<m_axi bundle "gmem" offset slave>, #vhls.interface<m_axi bundle "gmem" offset slave>] {
  vhls.dataflow {
  }
}
// CHECK: verify.mlir:47:1: error: 'vhls.kernel' op kernel @top: two m_axi arguments share a bundle (one bundle per argument)

// -----

vhls.kernel @top(%A: memref<4xi16>) interfaces [#vhls.interface<s_axilite bundle "control">] {
  vhls.dataflow {
  }
}
// CHECK: verify.mlir:55:1: error: 'vhls.kernel' op argument 0 of kernel @top is an array; arrays use an m_axi interface, not s_axilite

// -----

vhls.process @p task literals 0 (%s: !vhls.stream<i16, 2>) {
}
vhls.kernel @top(%A: memref<4xi16>) interfaces [#vhls.interface<m_axi bundle "gmem_A" offset slave>] {
  vhls.dataflow {
    %s = vhls.stream "s" : !vhls.stream<i32, 2>
    vhls.call @p [] (%s) instance "p_0" : (!vhls.stream<i32, 2>)
  }
}
// CHECK: verify.mlir:68:5: error: 'vhls.call' op vhls.call of @p passes (!vhls.stream<i32, 2>); the process takes (!vhls.stream<i16, 2>)

// -----

// A pipo connects exactly one writer process and one reader process.
vhls.process @w fill literals 0 (%b: memref<4xi16>) {
  %c0 = arith.constant 0 : index
  %v = arith.constant 1 : i16
  memref.store %v, %b[%c0] : memref<4xi16>
}
vhls.kernel @top() interfaces [] {
  vhls.dataflow {
    %b = vhls.pipo "buf" : memref<4xi16>
    vhls.call @w [] (%b) instance "w_0" : (memref<4xi16>)
    vhls.call @w [] (%b) instance "w_1" : (memref<4xi16>)
  }
}
// CHECK: error: 'vhls.pipo' op pipo 'buf' has 2 writers (w_0, w_1); a pipo needs exactly one writer process, and no process may both write and read it

// -----

vhls.process @w fill literals 0 (%b: memref<4xi16>) {
}
vhls.kernel @top() interfaces [] {
  vhls.dataflow {
    %b = vhls.pipo "buf" : memref<4xi16>
    vhls.call @w [] (%b) instance "w_0" : (memref<4xi16>)
  }
}
// CHECK: error: 'vhls.pipo' op pipo 'buf' is passed to 1 process argument(s); a pipo connects exactly one writer process and one reader process

// -----

vhls.kernel @top() interfaces [] {
  vhls.dataflow {
    %b = vhls.pipo "buf" : memref<?xi16>
  }
}
// CHECK: error: 'vhls.pipo' op pipo 'buf' must be a static memref of scalars, got memref<?xi16>

// -----

vhls.process @rw task literals 0 (%b: memref<4xi16>, %o: memref<4xi16>) {
  %c0 = arith.constant 0 : index
  %v = memref.load %b[%c0] : memref<4xi16>
  memref.store %v, %o[%c0] : memref<4xi16>
}
vhls.kernel @top() interfaces [] {
  vhls.dataflow {
    %b = vhls.pipo "buf" : memref<4xi16>
    vhls.call @rw [] (%b, %b) instance "rw_0" : (memref<4xi16>, memref<4xi16>)
  }
}
// CHECK: error: 'vhls.pipo' op pipo 'buf' is passed to 2 process argument(s); a pipo connects exactly one writer process and one reader process

// -----

// A type's verifier fails while the op is parsed: the error names the op.
vhls.process @p task literals 0 (%s: !vhls.stream<i16, 0>) {
}
// CHECK: verify.mlir:[[# @LINE - 2]]:{{[0-9]+}}
// CHECK: stream depth must be at least 1, got 0
