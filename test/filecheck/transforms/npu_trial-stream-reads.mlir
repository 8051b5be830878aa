// RUN: dato-opt %s --split-input-file -p dato-put-in-place,dato-npu-retile-elementwise | filecheck %s

// The element-wise retile tries a region as written through the steps the
// aie build runs after it (npu_trial.trial_maps: npu_trial.AFTER_RETILE, then
// physical mapping) before cutting it.

// Case 1: the producer reads a[i] once, in order, into the block it puts on
// the stream (kept in the stream's object: put-in-place). Whole, a (32 KiB)
// and the object (32 KiB) are more than a core's 63 KiB; streamed by pieces
// (dato-npu-stream-reads) a takes 2 KiB, so the region maps as written and
// is not cut (read boxes and physical mapping alone refused it: cut by 4).
// CHECK-LABEL: dato.region @once
// CHECK-NEXT:    dato.stream @s : !dato.stream<memref<8192xi32>, 2>
// CHECK-NEXT:    dato.group @prod of @prod grid [1] {{.*}} ports [] instances [
// CHECK-NEXT:      @prod_0 pid [0] offsets {{\[}}[0]] streams []
// CHECK-NEXT:    ] {
// CHECK:         dato.group @cons of @cons grid [1] {{.*}} ports [] instances [
// CHECK-NEXT:      @cons_0 pid [0] offsets {{\[}}[0], [0]] streams []
// CHECK-NEXT:    ] {
// CHECK-NOT:     dato.retiled

dato.region @once(%A: memref<8192xi32>, %B: memref<8192xi32>, %C: memref<8192xi32>) {
  dato.stream @s : !dato.stream<memref<8192xi32>, 2>
  dato.group @prod of @prod grid [1] (%A : memref<8192xi32>) ports [] instances [
    @prod_0 pid [0] offsets [[0]] streams []
  ] {
  ^bb0(%a: memref<8192xi32>):
    %t = memref.alloc() : memref<8192xi32>
    %0 = arith.constant 0 : i32
    linalg.fill ins(%0 : i32) outs(%t : memref<8192xi32>)
    %1 = arith.constant 0 : index
    %2 = arith.constant 8192 : index
    %3 = arith.constant 1 : index
    scf.for %i = %1 to %2 step %3 {
      %4 = memref.load %a[%i] : memref<8192xi32>
      %5 = arith.constant 3 : i32
      %6 = arith.muli %4, %5 : i32
      memref.store %6, %t[%i] : memref<8192xi32>
    }
    dato.put @s, %t : memref<8192xi32>
  }
  dato.group @cons of @cons grid [1] (%B : memref<8192xi32>, %C : memref<8192xi32>) ports [] instances [
    @cons_0 pid [0] offsets [[0], [0]] streams []
  ] {
  ^bb0(%b: memref<8192xi32>, %c: memref<8192xi32>):
    %t = memref.alloc() : memref<8192xi32>
    %0 = dato.get @s : memref<8192xi32>
    "memref.copy"(%0, %t) : (memref<8192xi32>, memref<8192xi32>) -> ()
    %1 = arith.constant 0 : index
    %2 = arith.constant 8192 : index
    %3 = arith.constant 1 : index
    scf.for %i = %1 to %2 step %3 {
      %4 = memref.load %t[%i] : memref<8192xi32>
      %5 = memref.load %b[%i] : memref<8192xi32>
      %6 = arith.addi %4, %5 : i32
      memref.store %6, %c[%i] : memref<8192xi32>
    }
  }
}

// -----

// Case 2: the same, but the producer reads a again in a second loop: a read
// twice does not stream, the region does not map as written, and both tasks
// are cut by 4 (2048 elements: the largest chunk whose instances fit).
// CHECK-LABEL: dato.region @twice
// CHECK:         dato.stream @s_c3 : !dato.stream<memref<2048xi32>, 2>
// CHECK-NEXT:    dato.group @prod of @prod grid [4] {{.*}} ports [@s_port] instances [
// CHECK-NEXT:      @prod_0 pid [0] offsets {{\[}}[0]] streams [@s_c0],
// CHECK:           @prod_3 pid [3] offsets {{\[}}[6144]] streams [@s_c3]
// CHECK-NEXT:    ] attributes {dato.retiled = [4 : i64], dato.retiled_with = [@prod, @cons]} {
// CHECK:         dato.group @cons of @cons grid [4]
// CHECK:           @cons_3 pid [3] offsets {{\[}}[6144], [6144]] streams [@s_c3]
// CHECK-NEXT:    ] attributes {dato.retiled = [4 : i64], dato.retiled_with = [@prod, @cons]} {

dato.region @twice(%A: memref<8192xi32>, %B: memref<8192xi32>, %C: memref<8192xi32>) {
  dato.stream @s : !dato.stream<memref<8192xi32>, 2>
  dato.group @prod of @prod grid [1] (%A : memref<8192xi32>) ports [] instances [
    @prod_0 pid [0] offsets [[0]] streams []
  ] {
  ^bb0(%a: memref<8192xi32>):
    %t = memref.alloc() : memref<8192xi32>
    %0 = arith.constant 0 : i32
    linalg.fill ins(%0 : i32) outs(%t : memref<8192xi32>)
    %1 = arith.constant 0 : index
    %2 = arith.constant 8192 : index
    %3 = arith.constant 1 : index
    scf.for %i = %1 to %2 step %3 {
      %4 = memref.load %a[%i] : memref<8192xi32>
      %5 = arith.constant 3 : i32
      %6 = arith.muli %4, %5 : i32
      memref.store %6, %t[%i] : memref<8192xi32>
    }
    scf.for %j = %1 to %2 step %3 {
      %7 = memref.load %a[%j] : memref<8192xi32>
      %8 = memref.load %t[%j] : memref<8192xi32>
      %9 = arith.addi %7, %8 : i32
      memref.store %9, %t[%j] : memref<8192xi32>
    }
    dato.put @s, %t : memref<8192xi32>
  }
  dato.group @cons of @cons grid [1] (%B : memref<8192xi32>, %C : memref<8192xi32>) ports [] instances [
    @cons_0 pid [0] offsets [[0], [0]] streams []
  ] {
  ^bb0(%b: memref<8192xi32>, %c: memref<8192xi32>):
    %t = memref.alloc() : memref<8192xi32>
    %0 = dato.get @s : memref<8192xi32>
    "memref.copy"(%0, %t) : (memref<8192xi32>, memref<8192xi32>) -> ()
    %1 = arith.constant 0 : index
    %2 = arith.constant 8192 : index
    %3 = arith.constant 1 : index
    scf.for %i = %1 to %2 step %3 {
      %4 = memref.load %t[%i] : memref<8192xi32>
      %5 = memref.load %b[%i] : memref<8192xi32>
      %6 = arith.addi %4, %5 : i32
      memref.store %6, %c[%i] : memref<8192xi32>
    }
  }
}
