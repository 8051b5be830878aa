// RUN: dato-opt %s -p convert-dato-to-vhls | filecheck --enable-var-scope %s

// A producer deals A over two streams; each instance of @sum adds its pair and
// writes one element of the replicated C: its slice box is 1 element at a
// literal origin, written back with a mask. Each process is a CHECK-LABEL and
// names are scoped to it (--enable-var-scope): a value is only matched against
// a capture of its own process. What the mask does to the numbers is checked
// by test/unit/test_hls.py::test_write_mask_keeps_elements_no_instance_writes.

dato.region @top(%A: memref<4xi32>, %C: memref<2xi32>) {
  dato.stream @pipe_0 : !dato.stream<i32, 2>
  dato.stream @pipe_1 : !dato.stream<i32, 2>
  dato.group @prod of @prod grid [1] (%A : memref<4xi32>) ports [] instances [
    @prod_0 pid [0] offsets [[0]] streams []
  ] {
  ^bb0(%a: memref<4xi32>):
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c3 = arith.constant 3 : index
    %x0 = memref.load %a[%c0] : memref<4xi32>
    dato.put @pipe_0, %x0 : i32
    %x1 = memref.load %a[%c1] : memref<4xi32>
    dato.put @pipe_0, %x1 : i32
    %x2 = memref.load %a[%c2] : memref<4xi32>
    dato.put @pipe_1, %x2 : i32
    %x3 = memref.load %a[%c3] : memref<4xi32>
    dato.put @pipe_1, %x3 : i32
  }
  dato.group @sum of @sum grid [2] (%C : memref<2xi32>) ports [@in] instances [
    @sum_0 pid [0] offsets [[0]] streams [@pipe_0],
    @sum_1 pid [1] offsets [[0]] streams [@pipe_1]
  ] {
  ^bb0(%c: memref<2xi32>):
    %p = dato.pid : index
    %acc = memref.alloca() : memref<i32>
    %zero = arith.constant 0 : i32
    memref.store %zero, %acc[] : memref<i32>
    %lb = arith.constant 0 : index
    %ub = arith.constant 2 : index
    %st = arith.constant 1 : index
    scf.for %k = %lb to %ub step %st {
      %v = dato.get @in : i32
      %old = memref.load %acc[] : memref<i32>
      %new = arith.addi %old, %v : i32
      memref.store %new, %acc[] : memref<i32>
    }
    %r = memref.load %acc[] : memref<i32>
    memref.store %r, %c[%p] : memref<2xi32>
  }
}

// @prod only reads its slice of A: it takes it as a pipo, which its own fill
// process copies in from the slice stream.
// CHECK-LABEL: vhls.process @prod task literals 0 (%pipe: !vhls.stream<i32, 2>, %pipe_1: !vhls.stream<i32, 2>, %a: memref<4xi32>) {
// CHECK-NOT:     memref.alloca
// CHECK:         %x0 = memref.load %a[%c0] : memref<4xi32>
// CHECK-NEXT:    vhls.write %pipe, %x0 : !vhls.stream<i32, 2>

// CHECK-LABEL: vhls.process @prod_a_fill fill literals 0 (%a_in: !vhls.stream<i32, 2>, %a: memref<4xi32>) {
// CHECK:         vhls.for "a_r0" %a_r0 = %{{[0-9a-z_]+}} to %{{[0-9a-z_]+}} step %{{[0-9a-z_]+}} pipeline 1 {
// CHECK-NEXT:      %[[X:[0-9a-z_]+]] = vhls.read %a_in : !vhls.stream<i32, 2> -> i32
// CHECK-NEXT:      memref.store %[[X]], %a[%a_r0] : memref<4xi32>

// The instance's one element goes to its local copy at pid - origin (the store
// records the shape of the task's view, 2, for the C simulation's bounds check),
// and its written flag is set there; the copy-out sends values and flags.
// CHECK-LABEL: vhls.process @sum task literals 2 (%p0: index, %c_o0: index, %in: !vhls.stream<i32, 2>, %c_out: !vhls.stream<i32, 2>, %c_written: !vhls.stream<i1, 2>) {
// CHECK-NEXT:    %c = memref.alloca() : memref<1xi32>
// CHECK-NEXT:    %c_written_1 = memref.alloca() : memref<1xi1>
// CHECK:         vhls.for "k" %k = %lb to %ub step %st pipeline 1 {
// CHECK-NEXT:      %v = vhls.read %in : !vhls.stream<i32, 2> -> i32
// CHECK:         %[[AT:[0-9a-z_]+]] = arith.subi %p0, %c_o0 : index
// CHECK-NEXT:    memref.store %r, %c[%[[AT]]] {vhls.window = array<i64: 2>} : memref<1xi32>
// CHECK-NEXT:    %[[TRUE:[0-9a-z_]+]] = arith.constant true
// CHECK-NEXT:    memref.store %[[TRUE]], %c_written_1[%[[AT]]] : memref<1xi1>
// CHECK:         vhls.for "c_w0" %c_w0 = %{{[0-9a-z_]+}} to %{{[0-9a-z_]+}} step %{{[0-9a-z_]+}} pipeline 1 {
// CHECK:           vhls.write %c_out, %{{[0-9a-z_]+}} : !vhls.stream<i32, 2>
// CHECK-NEXT:      vhls.write %c_written, %{{[0-9a-z_]+}} : !vhls.stream<i1, 2>

// CHECK-LABEL: vhls.process @load_A load literals 0 (%A: memref<4xi32>, %A_to_prod: !vhls.stream<i32, 2>) {
// CHECK:         vhls.for "prod_0_0" %prod_0 = %{{[0-9a-z_]+}} to %{{[0-9a-z_]+}} step %{{[0-9a-z_]+}} pipeline 1 {
// CHECK-NEXT:      %[[X:[0-9a-z_]+]] = memref.load %A[%prod_0] : memref<4xi32>
// CHECK-NEXT:      vhls.write %A_to_prod, %[[X]] : !vhls.stream<i32, 2>

// The store writes an element only where its flag says an instance wrote it,
// at the instance's origin (0 for sum_0, 1 for sum_1) plus the loop index.
// CHECK-LABEL: vhls.process @store_C store literals 0 (%C: memref<2xi32>, %sum_0_to_C: !vhls.stream<i32, 2>, %sum_0_to_C_written: !vhls.stream<i1, 2>, %sum_1_to_C: !vhls.stream<i32, 2>, %sum_1_to_C_written: !vhls.stream<i1, 2>) {
// CHECK:         vhls.for "sum_0_0" %sum_0 = %{{[0-9a-z_]+}} to %{{[0-9a-z_]+}} step %{{[0-9a-z_]+}} pipeline 1 {
// CHECK:           %[[V0:[0-9a-z_]+]] = vhls.read %sum_0_to_C : !vhls.stream<i32, 2> -> i32
// CHECK-NEXT:      %[[W0:[0-9a-z_]+]] = vhls.read %sum_0_to_C_written : !vhls.stream<i1, 2> -> i1
// CHECK-NEXT:      scf.if %[[W0]] {
// CHECK-NEXT:        memref.store %[[V0]], %C[%sum_0] : memref<2xi32>
// CHECK:         vhls.for "sum_1_0" %sum_1 = %{{[0-9a-z_]+}} to %{{[0-9a-z_]+}} step %{{[0-9a-z_]+}} pipeline 1 {
// CHECK:           %[[AT1:[0-9a-z_]+]] = arith.addi %sum_1, %{{[0-9a-z_]+}} : index
// CHECK:           %[[V1:[0-9a-z_]+]] = vhls.read %sum_1_to_C : !vhls.stream<i32, 2> -> i32
// CHECK-NEXT:      %[[W1:[0-9a-z_]+]] = vhls.read %sum_1_to_C_written : !vhls.stream<i1, 2> -> i1
// CHECK-NEXT:      scf.if %[[W1]] {
// CHECK-NEXT:        memref.store %[[V1]], %C[%[[AT1]]] : memref<2xi32>

// CHECK-LABEL: vhls.kernel @top(%A: memref<4xi32>, %C: memref<2xi32>) interfaces [#vhls.interface<m_axi bundle "gmem_A" offset slave>, #vhls.interface<m_axi bundle "gmem_C" offset slave>] {
// CHECK-NEXT:    vhls.dataflow {
// CHECK-NEXT:      %[[P0:[0-9a-z_]+]] = vhls.stream "pipe_0" : !vhls.stream<i32, 2>
// CHECK-NEXT:      %[[P1:[0-9a-z_]+]] = vhls.stream "pipe_1" : !vhls.stream<i32, 2>
// CHECK-NEXT:      %[[AP:[0-9a-z_]+]] = vhls.stream "A_to_prod_0" : !vhls.stream<i32, 2>
// CHECK-NEXT:      %[[S0:[0-9a-z_]+]] = vhls.stream "sum_0_to_C" : !vhls.stream<i32, 2>
// CHECK-NEXT:      %[[S0W:[0-9a-z_]+]] = vhls.stream "sum_0_to_C_written" : !vhls.stream<i1, 2>
// CHECK-NEXT:      %[[S1:[0-9a-z_]+]] = vhls.stream "sum_1_to_C" : !vhls.stream<i32, 2>
// CHECK-NEXT:      %[[S1W:[0-9a-z_]+]] = vhls.stream "sum_1_to_C_written" : !vhls.stream<i1, 2>
// CHECK-NEXT:      %[[PIPO:[0-9a-z_]+]] = vhls.pipo "prod_0_a" : memref<4xi32>
// CHECK-NEXT:      vhls.call @load_A [] (%A, %[[AP]]) instance "load_A"
// CHECK-NEXT:      vhls.call @prod_a_fill [] (%[[AP]], %[[PIPO]]) instance "prod_0_a_fill" : (!vhls.stream<i32, 2>, memref<4xi32>)
// CHECK-NEXT:      vhls.call @prod [] (%[[P0]], %[[P1]], %[[PIPO]]) instance "prod_0"
// CHECK-NEXT:      vhls.call @sum [0, 0] (%[[P0]], %[[S0]], %[[S0W]]) instance "sum_0"
// CHECK-NEXT:      vhls.call @sum [1, 1] (%[[P1]], %[[S1]], %[[S1W]]) instance "sum_1"
// CHECK-NEXT:      vhls.call @store_C [] (%C, %[[S0]], %[[S0W]], %[[S1]], %[[S1W]]) instance "store_C"
