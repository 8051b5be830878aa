// RUN: dato-opt %s --split-input-file --verify-diagnostics -p vhls-dataflow-lint | filecheck %s

// A legal design passes unchanged.
vhls.process @src task literals 0 (%s: !vhls.stream<i32, 2>) {
  %v = arith.constant 1 : i32
  vhls.write %s, %v : !vhls.stream<i32, 2>
}
vhls.process @dst task literals 1 (%n: index, %s: !vhls.stream<i32, 2>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %ub = arith.addi %n, %c1 : index
  vhls.for "l" %i = %c0 to %ub step %c1 pipeline 1 {
    %v = vhls.read %s : !vhls.stream<i32, 2> -> i32
  }
}
vhls.kernel @top(%A: memref<4xi32>) interfaces [#vhls.interface<m_axi bundle "gmem_A" offset slave>] {
  vhls.dataflow {
    %s = vhls.stream "s" : !vhls.stream<i32, 2>
    vhls.call @src [] (%s) instance "src_0" : (!vhls.stream<i32, 2>)
    vhls.call @dst [0] (%s) instance "dst_0" : (!vhls.stream<i32, 2>)
  }
}
// CHECK: vhls.call @dst [0] (%s) instance "dst_0" : (!vhls.stream<i32, 2>)

// -----

vhls.process @src task literals 0 (%s: !vhls.stream<i32, 2>) {
  %v = arith.constant 1 : i32
  vhls.write %s, %v : !vhls.stream<i32, 2>
}
vhls.process @dst task literals 0 (%s: !vhls.stream<i32, 2>) {
  %v = vhls.read %s : !vhls.stream<i32, 2> -> i32
}
vhls.kernel @top(%A: memref<4xi32>) interfaces [#vhls.interface<m_axi bundle "gmem_A" offset slave>] {
  vhls.dataflow {
    %s = vhls.stream "s" : !vhls.stream<i32, 2>
    vhls.call @src [] (%s) instance "src_0" : (!vhls.stream<i32, 2>)
    vhls.call @dst [] (%s) instance "dst_0" : (!vhls.stream<i32, 2>)
    vhls.call @dst [] (%s) instance "dst_1" : (!vhls.stream<i32, 2>)
  }
}
// CHECK: vhls-dataflow-lint.mlir:36:5: error: 'vhls.stream' op stream 's' has 2 consumers (dst_0, dst_1); a dataflow stream needs exactly one consumer

// -----

vhls.process @dst task literals 0 (%s: !vhls.stream<i32, 2>) {
  %v = vhls.read %s : !vhls.stream<i32, 2> -> i32
}
vhls.kernel @top(%A: memref<4xi32>) interfaces [#vhls.interface<m_axi bundle "gmem_A" offset slave>] {
  vhls.dataflow {
    %s = vhls.stream "lonely" : !vhls.stream<i32, 2>
    vhls.call @dst [] (%s) instance "dst_0" : (!vhls.stream<i32, 2>)
  }
}
// CHECK: vhls-dataflow-lint.mlir:51:5: error: 'vhls.stream' op stream 'lonely' has 0 producers; a dataflow stream needs exactly one producer

// -----

vhls.process @p task literals 0 () {
}
vhls.kernel @top(%A: memref<4xi32>) interfaces [#vhls.interface<m_axi bundle "gmem_A" offset slave>] {
  vhls.dataflow {
    %c = arith.constant 4 : index
    vhls.call @p [] () instance "p_0" : ()
  }
}
// CHECK: vhls-dataflow-lint.mlir:63:5: error: 'arith.constant' op is in a dataflow region, which may hold only stream and pipo declarations (vhls.stream, vhls.pipo) and process calls (vhls.call)

// -----

vhls.process @p task literals 0 (%s: !vhls.stream<index, 2>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = vhls.read %s : !vhls.stream<index, 2> -> index
  vhls.for "l" %i = %c0 to %n step %c1 {
  }
}
// CHECK: vhls-dataflow-lint.mlir:75:3: error: 'vhls.for' op in process @p has an upper bound that is not static (not computed from constants and the literal arguments); a dataflow process needs static loop bounds

// -----

vhls.process @p task literals 0 () {
  %c0 = arith.constant 0 : index
  %r = scf.while (%x = %c0) : (index) -> index {
    %t = arith.constant true
    scf.condition(%t) %x : index
  } do {
  ^bb0(%y: index):
    scf.yield %y : index
  }
}
// CHECK: vhls-dataflow-lint.mlir:84:3: error: 'scf.while' op in process @p is a loop with a data-dependent trip count; a dataflow process needs static loop bounds

// -----

// A pipo with one writer and one reader process passes the lint unchanged.
vhls.process @w fill literals 0 (%b: memref<4xi16>) {
  %c0 = arith.constant 0 : index
  %v = arith.constant 1 : i16
  memref.store %v, %b[%c0] : memref<4xi16>
}
vhls.process @r task literals 0 (%b: memref<4xi16>) {
  %c0 = arith.constant 0 : index
  %v = memref.load %b[%c0] : memref<4xi16>
}
vhls.kernel @top() interfaces [] {
  vhls.dataflow {
    %b = vhls.pipo "buf" : memref<4xi16>
    vhls.call @w [] (%b) instance "w_0" : (memref<4xi16>)
    vhls.call @r [] (%b) instance "r_0" : (memref<4xi16>)
  }
}
// CHECK:      %[[BUF:[0-9a-z_]+]] = vhls.pipo "buf" : memref<4xi16>
// CHECK-NEXT: vhls.call @w [] (%[[BUF]]) instance "w_0" : (memref<4xi16>)
// CHECK-NEXT: vhls.call @r [] (%[[BUF]]) instance "r_0" : (memref<4xi16>)
