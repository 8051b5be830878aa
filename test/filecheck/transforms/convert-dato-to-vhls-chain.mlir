// RUN: dato-opt %s -p convert-dato-to-vhls | filecheck --enable-var-scope %s

// Two instances of @acc each add 1 to c[p] and c[p + 1] of the unsharded C:
// acc_1 reads what acc_0 wrote. The simulator runs them (they use no stream)
// one after the other; the design chains them: C's part they share (3
// elements at 0) goes from load_C through a split (acc's slice out) before and
// a merge (acc's written elements in) after each instance, then to store_C
// with a flag per element a member wrote. One split and one merge function
// serve the members after the first; the slice origin is a literal.

dato.region @top(%C: memref<3xi32>) {
  dato.group @acc of @acc grid [2] (%C : memref<3xi32>) ports [] instances [
    @acc_0 pid [0] offsets [[0]] streams [],
    @acc_1 pid [1] offsets [[0]] streams []
  ] {
  ^bb0(%c: memref<3xi32>):
    %p = dato.pid : index
    %one = arith.constant 1 : i32
    %c1 = arith.constant 1 : index
    %q = arith.addi %p, %c1 : index
    %x = memref.load %c[%p] : memref<3xi32>
    %x1 = arith.addi %x, %one : i32
    memref.store %x1, %c[%p] : memref<3xi32>
    %y = memref.load %c[%q] : memref<3xi32>
    %y1 = arith.addi %y, %one : i32
    memref.store %y1, %c[%q] : memref<3xi32>
  }
}

// CHECK-LABEL: vhls.process @acc task literals 2 (%p0: index, %c_o0: index, %c_in: !vhls.stream<i32, 2>, %c_out: !vhls.stream<i32, 2>, %c_written: !vhls.stream<i1, 2>) {

// The first stage has no flags in: nothing is written yet.
// CHECK-LABEL: vhls.process @chain_split split literals 1 (%o0: index, %part_in: !vhls.stream<i32, 2>, %to_task: !vhls.stream<i32, 2>, %part_out: !vhls.stream<i32, 2>, %part_out_written: !vhls.stream<i1, 2>) {
// CHECK:         %part = memref.alloca() : memref<3xi32>
// CHECK:         vhls.for "in0"
// CHECK:           %[[FALSE:[0-9a-z_]+]] = arith.constant false
// CHECK-NEXT:      memref.store %[[FALSE]], %part_written[%in0] : memref<3xi1>
// CHECK:         vhls.for "split0" %split0 = %{{[0-9a-z_]+}} to %{{[0-9a-z_]+}} step %{{[0-9a-z_]+}} pipeline 1 {
// CHECK-NEXT:      %[[AT:[0-9a-z_]+]] = arith.addi %split0, %o0 : index
// CHECK-NEXT:      %[[X:[0-9a-z_]+]] = memref.load %part[%[[AT]]] : memref<3xi32>
// CHECK-NEXT:      vhls.write %to_task, %[[X]] : !vhls.stream<i32, 2>
// CHECK:         vhls.for "out0"
// CHECK:           vhls.write %part_out,
// CHECK-NEXT:      vhls.write %part_out_written,

// A merge keeps the member's written elements and flags them.
// CHECK-LABEL: vhls.process @chain_merge merge literals 1 (%o0: index, %part_in: !vhls.stream<i32, 2>, %part_in_written: !vhls.stream<i1, 2>, %from_task: !vhls.stream<i32, 2>, %from_task_written: !vhls.stream<i1, 2>, %part_out: !vhls.stream<i32, 2>, %part_out_written: !vhls.stream<i1, 2>) {
// CHECK:         vhls.for "merge0"
// CHECK-NEXT:      %[[AT:[0-9a-z_]+]] = arith.addi %merge0, %o0 : index
// CHECK-NEXT:      %[[V:[0-9a-z_]+]] = vhls.read %from_task : !vhls.stream<i32, 2> -> i32
// CHECK-NEXT:      %[[W:[0-9a-z_]+]] = vhls.read %from_task_written : !vhls.stream<i1, 2> -> i1
// CHECK-NEXT:      scf.if %[[W]] {
// CHECK-NEXT:        %[[TRUE:[0-9a-z_]+]] = arith.constant true
// CHECK-NEXT:        memref.store %[[V]], %part[%[[AT]]] : memref<3xi32>
// CHECK-NEXT:        memref.store %[[TRUE]], %part_written[%[[AT]]] : memref<3xi1>

// CHECK-LABEL: vhls.process @chain_split_1 split literals 1 (%o0: index, %part_in: !vhls.stream<i32, 2>, %part_in_written: !vhls.stream<i1, 2>,

// CHECK-LABEL: vhls.process @load_C load literals 0 (%C: memref<3xi32>, %C_chain: !vhls.stream<i32, 2>) {

// The store writes the elements a member wrote.
// CHECK-LABEL: vhls.process @store_C store literals 0
// CHECK:           scf.if
// CHECK-NEXT:        memref.store

// CHECK-LABEL: vhls.kernel @top
// CHECK-DAG:     %[[S0:[0-9]+]] = vhls.stream "C_to_acc_0" : !vhls.stream<i32, 2>
// CHECK-DAG:     %[[S1:[0-9]+]] = vhls.stream "C_to_acc_1" : !vhls.stream<i32, 2>
// CHECK-DAG:     %[[O0:[0-9]+]] = vhls.stream "acc_0_to_C" : !vhls.stream<i32, 2>
// CHECK-DAG:     %[[M0:[0-9]+]] = vhls.stream "acc_0_to_C_written" : !vhls.stream<i1, 2>
// CHECK-DAG:     %[[HEAD:[0-9]+]] = vhls.stream "C_chain" : !vhls.stream<i32, 2>
// CHECK-DAG:     %[[R0:[0-9]+]] = vhls.stream "C_after_acc_0_read" : !vhls.stream<i32, 2>
// CHECK-DAG:     %[[R0W:[0-9]+]] = vhls.stream "C_after_acc_0_read_written" : !vhls.stream<i1, 2>
// CHECK-DAG:     %[[A0:[0-9]+]] = vhls.stream "C_after_acc_0" : !vhls.stream<i32, 2>
// CHECK-DAG:     %[[A0W:[0-9]+]] = vhls.stream "C_after_acc_0_written" : !vhls.stream<i1, 2>
// CHECK-DAG:     %[[A1:[0-9]+]] = vhls.stream "C_after_acc_1" : !vhls.stream<i32, 2>
// CHECK-DAG:     %[[A1W:[0-9]+]] = vhls.stream "C_after_acc_1_written" : !vhls.stream<i1, 2>
// CHECK:         vhls.call @load_C [] (%C, %[[HEAD]]) instance "load_C"
// CHECK-NEXT:    vhls.call @chain_split [0] (%[[HEAD]], %[[S0]], %[[R0]], %[[R0W]]) instance "acc_0_split"
// CHECK-NEXT:    vhls.call @acc [0, 0] (%[[S0]], %[[O0]], %[[M0]]) instance "acc_0"
// CHECK-NEXT:    vhls.call @chain_merge [0] (%[[R0]], %[[R0W]], %[[O0]], %[[M0]], %[[A0]], %[[A0W]]) instance "acc_0_merge"
// CHECK-NEXT:    vhls.call @chain_split_1 [1] (%[[A0]], %[[A0W]], %[[S1]], {{.*}}) instance "acc_1_split"
// CHECK-NEXT:    vhls.call @acc [1, 1] (%[[S1]], {{.*}}) instance "acc_1"
// CHECK-NEXT:    vhls.call @chain_merge [1] ({{.*}}, %[[A1]], %[[A1W]]) instance "acc_1_merge"
// CHECK-NEXT:    vhls.call @store_C [] (%C, %[[A1]], %[[A1W]]) instance "store_C"
