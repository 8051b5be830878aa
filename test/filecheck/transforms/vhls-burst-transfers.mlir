// RUN: dato-opt %s -p dato-virtual-map,convert-dato-to-vhls,vhls-burst-transfers | filecheck --enable-var-scope %s

// @gemm writes its whole slice of C (a memref.copy into the view, marked by a
// linalg.fill of true into the whole mask): the mask, its stream and the
// store's condition go. Both instances read all of B (replicated): load_B
// reads each element once and writes it to both fill streams. A is sharded,
// so load_A keeps one nest per instance. @one writes one element with a
// memref.store: its mask stays and store_D keeps the condition.

builtin.module {
  dato.region @top(%A: memref<2x2xi32>, %B: memref<2x2xi32>, %C: memref<2x2xi32>, %D: memref<2xi32>) {
    dato.task @gemm grid [2, 1] (%A : memref<2x2xi32> [S0, R], %B : memref<2x2xi32> [R, S1], %C : memref<2x2xi32> [S0, S1]) {
    ^bb0(%a: memref<1x2xi32>, %b: memref<2x2xi32>, %c: memref<1x2xi32>):
      %0 = memref.alloc() : memref<1x2xi32>
      %1 = arith.constant 0 : i32
      linalg.fill ins(%1 : i32) outs(%0 : memref<1x2xi32>)
      linalg.matmul ins(%a, %b : memref<1x2xi32>, memref<2x2xi32>) outs(%0 : memref<1x2xi32>)
      "memref.copy"(%0, %c) : (memref<1x2xi32>, memref<1x2xi32>) -> ()
    }
    dato.task @one grid [1] (%D : memref<2xi32> [R]) {
    ^bb0(%d: memref<2xi32>):
      %i = arith.constant 1 : index
      %v = arith.constant 7 : i32
      memref.store %v, %d[%i] : memref<2xi32>
    }
  }
}

// CHECK-LABEL: vhls.process @gemm task literals 0 (%a: memref<1x2xi32>, %b: memref<2x2xi32>, %c_out: !vhls.stream<i32, 2>) {
// CHECK-NOT:     xi1>
// CHECK:         vhls.for "c_w1"
// CHECK-NEXT:      %[[V:.*]] = memref.load %c[%c_w0, %c_w1] : memref<1x2xi32>
// CHECK-NEXT:      vhls.write %c_out, %[[V]] : !vhls.stream<i32, 2>
// CHECK-NEXT:    }

// CHECK-LABEL: vhls.process @one task literals 1 (%d_o0: index, %d_out: !vhls.stream<i32, 2>, %d_written: !vhls.stream<i1, 2>) {
// CHECK:         vhls.write %d_written

// CHECK-LABEL: vhls.process @load_A load
// CHECK:         vhls.write %A_to_gemm_0,
// CHECK:         vhls.write %A_to_gemm_1,

// CHECK-LABEL: vhls.process @load_B load literals 0 (%B: memref<2x2xi32>, %B_to_gemm_0: !vhls.stream<i32, 2>, %B_to_gemm_1: !vhls.stream<i32, 2>) {
// CHECK:           %[[X:.*]] = memref.load %B[%gemm_0_0, %gemm_0_0_1] : memref<2x2xi32>
// CHECK-NEXT:      vhls.write %B_to_gemm_0, %[[X]] : !vhls.stream<i32, 2>
// CHECK-NEXT:      vhls.write %B_to_gemm_1, %[[X]] : !vhls.stream<i32, 2>
// CHECK-NOT:     memref.load

// CHECK-LABEL: vhls.process @store_C store literals 0 (%C: memref<2x2xi32>, %gemm_0_0_to_C: !vhls.stream<i32, 2>, %gemm_1_0_to_C: !vhls.stream<i32, 2>) {
// CHECK-NOT:     scf.if
// CHECK:         %[[R:.*]] = vhls.read %gemm_0_0_to_C : !vhls.stream<i32, 2> -> i32
// CHECK-NEXT:    memref.store %[[R]], %C[%gemm_0_0, %gemm_0_0_1] : memref<2x2xi32>
// CHECK-NOT:     scf.if

// CHECK-LABEL: vhls.process @store_D store
// CHECK:         %[[F:.*]] = vhls.read %one_0_to_D_written : !vhls.stream<i1, 2> -> i1
// CHECK-NEXT:    scf.if %[[F]] {

// CHECK-LABEL: vhls.kernel @top
// CHECK-NOT:     "gemm_0_0_to_C_written"
// CHECK:         vhls.stream "one_0_to_D_written"
// CHECK:         vhls.call @gemm [] (%{{.*}}, %{{.*}}, %{{.*}}) instance "gemm_0_0"
