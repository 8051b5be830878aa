// RUN: dato-opt %s -p convert-dato-to-vhls | filecheck --enable-var-scope %s

// The program's schedule (dato.customize) becomes vhls directives: the loop's
// dato.pipeline/dato.unroll become the vhls.for's pipeline/unroll; the local
// buffer's dato.partition a vhls.array_partition after its alloca; the region
// argument's partition one on every task's copy of it (here the pipo of A, so
// its fill process partitions it the same way). The auto-partitioning of
// buffers read more than twice per iteration leaves the chosen ones alone, and
// loops inside the program's fully unrolled loop are not auto-pipelined apart.

dato.region @top(%A: memref<16xi32>, %B: memref<16xi32>) attributes {dato.partition = {A = [{kind = "cyclic", factor = 4 : i64, dim = 1 : i64}]}} {
  dato.group @k of @k grid [1] (%A : memref<16xi32>, %B : memref<16xi32>) ports [] instances [
    @k_0 pid [0] offsets [[0], [0]] streams []
  ] {
  ^bb0(%a: memref<16xi32>, %b: memref<16xi32>):
    %buf = memref.alloc() {dato.partition = [{kind = "block", factor = 2 : i64, dim = 0 : i64}]} : memref<16xi32>
    %c0 = arith.constant 0 : index
    %c16 = arith.constant 16 : index
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    scf.for %i = %c0 to %c16 step %c1 {
      %x = memref.load %a[%i] : memref<16xi32>
      memref.store %x, %buf[%i] : memref<16xi32>
    } {dato.pipeline = 2 : i64, dato.unroll = 4 : i64}
    scf.for %o = %c0 to %c16 step %c4 {
      scf.for %j = %c0 to %c4 step %c1 {
        %at = arith.addi %o, %j : index
        %y = memref.load %buf[%at] : memref<16xi32>
        memref.store %y, %b[%at] : memref<16xi32>
      } {dato.unroll = 0 : i64}
    }
  }
}

// CHECK-LABEL: vhls.process @k task literals 0 (%a: memref<16xi32>, %b_out: !vhls.stream<i32, 2>, %b_written: !vhls.stream<i1, 2>) {
// CHECK:         vhls.array_partition %a cyclic factor 4 dim 1 : memref<16xi32>
// CHECK:         %buf = memref.alloc() : memref<16xi32>
// CHECK-NEXT:    vhls.array_partition %buf block factor 2 dim 0 : memref<16xi32>
// CHECK:         vhls.for "i" %i = %c0 to %c16 step %c1 pipeline 2 unroll 4 {
// CHECK:         vhls.for "o" %o = %c0 to %c16 step %c4 pipeline 1 {
// CHECK-NEXT:      vhls.for "j" %j = %c0 to %c4 step %c1 unroll 0 {

// CHECK-LABEL: vhls.process @k_a_fill fill literals 0 (%a_in: !vhls.stream<i32, 2>, %a: memref<16xi32>) {
// CHECK-NEXT:    vhls.array_partition %a cyclic factor 4 dim 1 : memref<16xi32>
