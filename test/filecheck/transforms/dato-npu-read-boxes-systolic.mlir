// RUN: dato-opt %s -p 'dato-npu-read-boxes{whole_bytes=0 disjoint_bytes=0}' | filecheck %s

// systolic_1d(int16, 4, 3, 4): PE j reads column j-1 of B and writes column
// j-1 of C (thresholds 0: these small arrays show the rewrite). Each PE's
// B and C become 4x1 columns (int16 columns: npu_padding pads them to
// words), its offsets move to column j-1, and the one-element dim is
// indexed at 0: the store C[i, 0] in the loop over every row writes the
// block whole, so no host copy comes in. The loader pe_0 takes B and C
// without touching them: its arguments shrink to the column type too.
// CHECK:       dato.group @pe_g0 {{.*}} instances [
// CHECK-NEXT:    @pe_0 pid [0] offsets {{\[}}[0, 0], [0, 0], [0, 0]] streams []
// CHECK-NEXT:  ] {
// CHECK-NEXT:  ^bb0(%A_1: memref<4x4xi16>, %B_1: memref<4x1xi16>, %C_1: memref<4x1xi16>):
// CHECK:       dato.group @pe_g1 {{.*}} instances [
// CHECK-NEXT:    @pe_1 pid [1] offsets {{\[}}[0, 0], [0, 0], [0, 0]] streams [@chain_1, @chain_2],
// CHECK-NEXT:    @pe_2 pid [2] offsets {{\[}}[0, 0], [0, 1], [0, 1]] streams [@chain_2, @chain_3]
// CHECK-NEXT:  ] {
// CHECK-NEXT:  ^bb0(%A_1: memref<4x4xi16>, %B_1: memref<4x1xi16>, %C_1: memref<4x1xi16>):
// CHECK-NEXT:    %[[Z0:.*]] = arith.constant 0 : index
// CHECK-NEXT:    %[[Z1:.*]] = arith.constant 0 : index
// CHECK:           memref.load %B_1[%k, %[[Z0]]] : memref<4x1xi16>
// CHECK:         memref.store {{.*}}, %C_1[%i, %[[Z1]]] : memref<4x1xi16>
// CHECK:       dato.group @pe_g2 {{.*}} instances [
// CHECK-NEXT:    @pe_3 pid [3] offsets {{\[}}[0, 0], [0, 2], [0, 2]] streams []

dato.region @top(%A: memref<4x4xi16>, %B: memref<4x3xi16>, %C: memref<4x3xi16>) {
  dato.stream @chain_1 : !dato.stream<i16, 2>
  dato.stream @chain_2 : !dato.stream<i16, 2>
  dato.stream @chain_3 : !dato.stream<i16, 2>
  dato.group @pe_g0 of @pe grid [4] (%A : memref<4x4xi16>, %B : memref<4x3xi16>, %C : memref<4x3xi16>) ports [] instances [
    @pe_0 pid [0] offsets [[0, 0], [0, 0], [0, 0]] streams []
  ] {
  ^bb0(%A_1: memref<4x4xi16>, %B_1: memref<4x3xi16>, %C_1: memref<4x3xi16>):
    %0 = arith.constant 0 : index
    %1 = arith.constant 4 : index
    %2 = arith.constant 1 : index
    scf.for %i = %0 to %1 step %2 {
      scf.for %k = %0 to %1 step %2 {
        %3 = memref.load %A_1[%i, %k] : memref<4x4xi16>
        dato.put @chain_1, %3 : i16
      }
    }
  }
  dato.group @pe_g1 of @pe grid [4] (%A : memref<4x4xi16>, %B : memref<4x3xi16>, %C : memref<4x3xi16>) ports [@chain_in, @chain_out] instances [
    @pe_1 pid [1] offsets [[0, 0], [0, 0], [0, 0]] streams [@chain_1, @chain_2],
    @pe_2 pid [2] offsets [[0, 0], [0, 0], [0, 0]] streams [@chain_2, @chain_3]
  ] {
  ^bb0(%A_1: memref<4x4xi16>, %B_1: memref<4x3xi16>, %C_1: memref<4x3xi16>):
    %pi = dato.pid : index
    %acc = memref.alloca() : memref<i16>
    %0 = arith.constant 0 : index
    %1 = arith.constant 4 : index
    %2 = arith.constant 1 : index
    scf.for %i = %0 to %1 step %2 {
      %3 = arith.constant 0 : i16
      memref.store %3, %acc[] : memref<i16>
      scf.for %k = %0 to %1 step %2 {
        %4 = dato.get @chain_in : i16
        dato.put @chain_out, %4 : i16
        %5 = memref.load %acc[] : memref<i16>
        %6 = arith.subi %pi, %2 : index
        %7 = memref.load %B_1[%k, %6] : memref<4x3xi16>
        %8 = arith.muli %4, %7 : i16
        %9 = arith.addi %5, %8 : i16
        memref.store %9, %acc[] : memref<i16>
      }
      %10 = memref.load %acc[] : memref<i16>
      %11 = arith.subi %pi, %2 : index
      memref.store %10, %C_1[%i, %11] : memref<4x3xi16>
    }
  }
  dato.group @pe_g2 of @pe grid [4] (%A : memref<4x4xi16>, %B : memref<4x3xi16>, %C : memref<4x3xi16>) ports [] instances [
    @pe_3 pid [3] offsets [[0, 0], [0, 0], [0, 0]] streams []
  ] {
  ^bb0(%A_1: memref<4x4xi16>, %B_1: memref<4x3xi16>, %C_1: memref<4x3xi16>):
    %pi = arith.constant 3 : index
    %acc = memref.alloca() : memref<i16>
    %0 = arith.constant 0 : index
    %1 = arith.constant 4 : index
    %2 = arith.constant 1 : index
    scf.for %i = %0 to %1 step %2 {
      %3 = arith.constant 0 : i16
      memref.store %3, %acc[] : memref<i16>
      scf.for %k = %0 to %1 step %2 {
        %4 = dato.get @chain_3 : i16
        %5 = memref.load %acc[] : memref<i16>
        %6 = arith.subi %pi, %2 : index
        %7 = memref.load %B_1[%k, %6] : memref<4x3xi16>
        %8 = arith.muli %4, %7 : i16
        %9 = arith.addi %5, %8 : i16
        memref.store %9, %acc[] : memref<i16>
      }
      %10 = memref.load %acc[] : memref<i16>
      %11 = arith.subi %pi, %2 : index
      memref.store %10, %C_1[%i, %11] : memref<4x3xi16>
    }
  }
}
