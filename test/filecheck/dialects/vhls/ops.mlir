// RUN: %roundtrip | filecheck %s
// RUN: %generic-roundtrip | filecheck %s

// A load process feeding a task, a block stream, directives as properties.

vhls.process @load_A load literals 0 (%A: memref<4x8xi16>, %out: !vhls.stream<i16, 2>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  vhls.for "rows" %i = %c0 to %c4 step %c1 flatten {
    vhls.for "cols" %j = %c0 to %c8 step %c1 pipeline 1 {
      %v = memref.load %A[%i, %j] : memref<4x8xi16>
      vhls.write %out, %v : !vhls.stream<i16, 2>
    }
  }
}
vhls.process @pe task literals 1 (%p: index, %in: !vhls.stream<i16, 2>, %blk: !vhls.stream<memref<2x2xf32>, 1>) {
  %buf = memref.alloca() : memref<32xi16>
  vhls.array_partition %buf cyclic factor 4 dim 1 : memref<32xi16>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  vhls.for "fill" %i = %c0 to %c32 step %c1 unroll 4 {
    %v = vhls.read %in : !vhls.stream<i16, 2> -> i16
    memref.store %v, %buf[%i] : memref<32xi16>
  }
  %b = vhls.read %blk : !vhls.stream<memref<2x2xf32>, 1> -> memref<2x2xf32>
}
vhls.process @feed task literals 0 (%blk: !vhls.stream<memref<2x2xf32>, 1>) {
  %m = memref.alloc() : memref<2x2xf32>
  vhls.write %blk, %m : !vhls.stream<memref<2x2xf32>, 1>
}
vhls.kernel @top(%A: memref<4x8xi16>) interfaces [#vhls.interface<m_axi bundle "gmem_A" offset slave>] {
  vhls.dataflow {
    %s = vhls.stream "A_to_pe_0" : !vhls.stream<i16, 2>
    %b = vhls.stream "blocks" : !vhls.stream<memref<2x2xf32>, 1>
    vhls.call @load_A [] (%A, %s) instance "load_A" : (memref<4x8xi16>, !vhls.stream<i16, 2>)
    vhls.call @feed [] (%b) instance "feed_0" : (!vhls.stream<memref<2x2xf32>, 1>)
    vhls.call @pe [0] (%s, %b) instance "pe_0" : (!vhls.stream<i16, 2>, !vhls.stream<memref<2x2xf32>, 1>)
  }
}

// CHECK:      vhls.process @load_A load literals 0 (%A: memref<4x8xi16>, %out: !vhls.stream<i16, 2>) {
// CHECK:        vhls.for "rows" %i = %c0 to %c4 step %c1 flatten {
// CHECK-NEXT:     vhls.for "cols" %j = %c0 to %c8 step %c1 pipeline 1 {
// CHECK-NEXT:       %v = memref.load %A[%i, %j] : memref<4x8xi16>
// CHECK-NEXT:       vhls.write %out, %v : !vhls.stream<i16, 2>
// CHECK:      vhls.process @pe task literals 1 (%p: index, %in: !vhls.stream<i16, 2>, %blk: !vhls.stream<memref<2x2xf32>, 1>) {
// CHECK:        vhls.array_partition %buf cyclic factor 4 dim 1 : memref<32xi16>
// CHECK:        vhls.for "fill" %i = %c0 to %c32 step %c1 unroll 4 {
// CHECK-NEXT:     %v = vhls.read %in : !vhls.stream<i16, 2> -> i16
// CHECK:        %b = vhls.read %blk : !vhls.stream<memref<2x2xf32>, 1> -> memref<2x2xf32>
// CHECK:        vhls.write %blk, %m : !vhls.stream<memref<2x2xf32>, 1>
// CHECK:      vhls.kernel @top(%A: memref<4x8xi16>) interfaces [#vhls.interface<m_axi bundle "gmem_A" offset slave>] {
// CHECK-NEXT:   vhls.dataflow {
// CHECK-NEXT:     %s = vhls.stream "A_to_pe_0" : !vhls.stream<i16, 2>
// CHECK-NEXT:     %b = vhls.stream "blocks" : !vhls.stream<memref<2x2xf32>, 1>
// CHECK-NEXT:     vhls.call @load_A [] (%A, %s) instance "load_A" : (memref<4x8xi16>, !vhls.stream<i16, 2>)
// CHECK-NEXT:     vhls.call @feed [] (%b) instance "feed_0" : (!vhls.stream<memref<2x2xf32>, 1>)
// CHECK-NEXT:     vhls.call @pe [0] (%s, %b) instance "pe_0" : (!vhls.stream<i16, 2>, !vhls.stream<memref<2x2xf32>, 1>)
