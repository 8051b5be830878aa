// RUN: dato-opt %s --split-input-file -p 'dato-npu-read-boxes{whole_bytes=0}' | filecheck %s

// whole_bytes=0: these small arrays (by default, arrays up to 16 KiB move whole)
// show the rewrite.

// Case 1: split_gemv(16, 16, 2): lo_p loads a[m, n] for m in 8p .. 8p+7 and
// n < 8, v[n] for n < 8; hi_p the same rows and columns 8 .. 15. Each body
// argument takes its 8x8 (8) box, each instance's offsets move to the box,
// the loads subtract the box offset (8 * pid rows; 8 columns for hi). The
// output y, stored to, keeps its block.
// CHECK-LABEL: dato.region @top
// CHECK:       dato.group @lo of @lo grid [2] {{.*}} instances [
// CHECK-NEXT:    @lo_0 pid [0] offsets {{\[}}[0, 0], [0]] streams [@pipe_0],
// CHECK-NEXT:    @lo_1 pid [1] offsets {{\[}}[8, 0], [0]] streams [@pipe_1]
// CHECK-NEXT:  ] {
// CHECK-NEXT:  ^bb0(%a: memref<8x8xi32>, %v: memref<8xi32>):
// CHECK-NEXT:    %[[PID:.*]] = dato.pid : index
// CHECK-NEXT:    %[[EIGHT:.*]] = arith.constant 8 : index
// CHECK-NEXT:    %[[ROW0:.*]] = arith.muli %[[PID]], %[[EIGHT]] : index
// CHECK:         scf.for %[[M:.*]] = {{.*}} {
// CHECK:           scf.for %[[N:.*]] = {{.*}} {
// CHECK:             %[[ROW:.*]] = arith.subi %[[M]], %[[ROW0]] : index
// CHECK-NEXT:        memref.load %a[%[[ROW]], %[[N]]] : memref<8x8xi32>
// CHECK-NEXT:        memref.load %v[%[[N]]] : memref<8xi32>
// CHECK:       dato.group @hi of @hi grid [2] {{.*}} instances [
// CHECK-NEXT:    @hi_0 pid [0] offsets {{\[}}[0, 8], [8], [0]] streams [@pipe_0],
// CHECK-NEXT:    @hi_1 pid [1] offsets {{\[}}[8, 8], [8], [0]] streams [@pipe_1]
// CHECK-NEXT:  ] {
// CHECK-NEXT:  ^bb0(%a: memref<8x8xi32>, %v: memref<8xi32>, %out: memref<16xi32>):
// CHECK:         memref.store {{.*}}, %out[{{.*}}] : memref<16xi32>

dato.region @top(%A: memref<16x16xi32>, %x: memref<16xi32>, %y: memref<16xi32>) {
  dato.stream @pipe_0 : !dato.stream<memref<8xi32>, 2>
  dato.stream @pipe_1 : !dato.stream<memref<8xi32>, 2>
  dato.group @lo of @lo grid [2] (%A : memref<16x16xi32>, %x : memref<16xi32>) ports [@pipe_out] instances [
    @lo_0 pid [0] offsets [[0, 0], [0]] streams [@pipe_0],
    @lo_1 pid [1] offsets [[0, 0], [0]] streams [@pipe_1]
  ] {
  ^bb0(%a: memref<16x16xi32>, %v: memref<16xi32>):
    %pi = dato.pid : index
    %acc = memref.alloca() : memref<i32>
    %part = memref.alloc() : memref<8xi32>
    %0 = arith.constant 0 : i32
    linalg.fill ins(%0 : i32) outs(%part : memref<8xi32>)
    %1 = arith.constant 8 : index
    %2 = arith.muli %pi, %1 : index
    %3 = arith.constant 1 : index
    %4 = arith.addi %pi, %3 : index
    %5 = arith.muli %4, %1 : index
    scf.for %m = %2 to %5 step %3 {
      memref.store %0, %acc[] : memref<i32>
      %6 = arith.constant 0 : index
      scf.for %n = %6 to %1 step %3 {
        %7 = memref.load %acc[] : memref<i32>
        %8 = memref.load %a[%m, %n] : memref<16x16xi32>
        %9 = memref.load %v[%n] : memref<16xi32>
        %10 = arith.muli %8, %9 : i32
        %11 = arith.addi %7, %10 : i32
        memref.store %11, %acc[] : memref<i32>
      }
      %12 = memref.load %acc[] : memref<i32>
      %13 = arith.muli %pi, %1 : index
      %14 = arith.subi %m, %13 : index
      memref.store %12, %part[%14] : memref<8xi32>
    }
    dato.put @pipe_out, %part : memref<8xi32>
  }
  dato.group @hi of @hi grid [2] (%A : memref<16x16xi32>, %x : memref<16xi32>, %y : memref<16xi32>) ports [@pipe_in] instances [
    @hi_0 pid [0] offsets [[0, 0], [0], [0]] streams [@pipe_0],
    @hi_1 pid [1] offsets [[0, 0], [0], [0]] streams [@pipe_1]
  ] {
  ^bb0(%a: memref<16x16xi32>, %v: memref<16xi32>, %out: memref<16xi32>):
    %pi = dato.pid : index
    %acc = memref.alloca() : memref<i32>
    %prev = memref.alloc() : memref<8xi32>
    %0 = dato.get @pipe_in : memref<8xi32>
    "memref.copy"(%0, %prev) : (memref<8xi32>, memref<8xi32>) -> ()
    %1 = arith.constant 8 : index
    %2 = arith.muli %pi, %1 : index
    %3 = arith.constant 1 : index
    %4 = arith.addi %pi, %3 : index
    %5 = arith.muli %4, %1 : index
    scf.for %m = %2 to %5 step %3 {
      %6 = arith.constant 0 : i32
      memref.store %6, %acc[] : memref<i32>
      %7 = arith.constant 16 : index
      scf.for %n = %1 to %7 step %3 {
        %8 = memref.load %acc[] : memref<i32>
        %9 = memref.load %a[%m, %n] : memref<16x16xi32>
        %10 = memref.load %v[%n] : memref<16xi32>
        %11 = arith.muli %9, %10 : i32
        %12 = arith.addi %8, %11 : i32
        memref.store %12, %acc[] : memref<i32>
      }
      %13 = memref.load %acc[] : memref<i32>
      %14 = arith.muli %pi, %1 : index
      %15 = arith.subi %m, %14 : index
      %16 = memref.load %prev[%15] : memref<8xi32>
      %17 = arith.addi %13, %16 : i32
      memref.store %17, %out[%m] : memref<16xi32>
    }
  }
}

// -----

// Case 2: t[idx[m]] loads t at an index read from data: t stays whole; idx,
// loaded at rows 12p .. 12p+11, takes its box.
// CHECK-LABEL: dato.region @top
// CHECK:       @g_0 pid [0] offsets {{\[}}[0], [0], [0]] streams [],
// CHECK-NEXT:  @g_1 pid [1] offsets {{\[}}[0], [12], [0]] streams []
// CHECK:       ^bb0(%t: memref<8xi32>, %idx: memref<12xi32>, %out: memref<24xi32>):
// CHECK:         %[[I:.*]] = memref.load %idx[{{.*}}] : memref<12xi32>
// CHECK-NEXT:    %[[J:.*]] = arith.index_cast %[[I]] : i32 to index
// CHECK-NEXT:    memref.load %t[%[[J]]] : memref<8xi32>

dato.region @top(%T: memref<8xi32>, %Ix: memref<24xi32>, %y: memref<24xi32>) {
  dato.group @g of @g grid [2] (%T : memref<8xi32>, %Ix : memref<24xi32>, %y : memref<24xi32>) ports [] instances [
    @g_0 pid [0] offsets [[0], [0], [0]] streams [],
    @g_1 pid [1] offsets [[0], [0], [0]] streams []
  ] {
  ^bb0(%t: memref<8xi32>, %idx: memref<24xi32>, %out: memref<24xi32>):
    %pi = dato.pid : index
    %0 = arith.constant 12 : index
    %1 = arith.muli %pi, %0 : index
    %2 = arith.constant 1 : index
    %3 = arith.addi %pi, %2 : index
    %4 = arith.muli %3, %0 : index
    scf.for %m = %1 to %4 step %2 {
      %5 = memref.load %idx[%m] : memref<24xi32>
      %6 = arith.index_cast %5 : i32 to index
      %7 = memref.load %t[%6] : memref<8xi32>
      %8 = arith.constant 8 : index
      %9 = arith.remsi %m, %8 : index
      %10 = arith.constant 0 : index
      %11 = arith.cmpi slt, %9, %10 : index
      %12 = arith.addi %9, %8 : index
      %13 = arith.select %11, %12, %9 : index
      %14 = memref.load %t[%13] : memref<8xi32>
      %15 = arith.addi %7, %14 : i32
      memref.store %15, %out[%m] : memref<24xi32>
    }
  }
}
