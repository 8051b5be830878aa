// RUN: dato-opt %s --split-input-file -p 'dato-npu-stream-reads{device=npu1}' | filecheck %s

// systolic_1d(int16, 128, 16, 128): 17 instances for npu1's 16 cores, so
// physical mapping folds two onto some core, and each task has half a tile
// (31.5 KiB): the loader's 32 KiB A, read row after row, streams by rows.
// CHECK:       dato.group @pe_g0 of @pe grid [17]
// CHECK:         memref.load %A_1[%i, %k] {dato.row_piece} : memref<128x128xi16>
// CHECK:       } {dato.row_loop = 1 : i64}
// CHECK:       dato.group @pe_g1

builtin.module {
  dato.region @top(%A: memref<128x128xi16>, %B: memref<128x16xi16>, %C: memref<128x16xi16>) {
    dato.stream @chain_1 : !dato.stream<i16, 2>
    dato.stream @chain_2 : !dato.stream<i16, 2>
    dato.stream @chain_3 : !dato.stream<i16, 2>
    dato.stream @chain_4 : !dato.stream<i16, 2>
    dato.stream @chain_5 : !dato.stream<i16, 2>
    dato.stream @chain_6 : !dato.stream<i16, 2>
    dato.stream @chain_7 : !dato.stream<i16, 2>
    dato.stream @chain_8 : !dato.stream<i16, 2>
    dato.stream @chain_9 : !dato.stream<i16, 2>
    dato.stream @chain_10 : !dato.stream<i16, 2>
    dato.stream @chain_11 : !dato.stream<i16, 2>
    dato.stream @chain_12 : !dato.stream<i16, 2>
    dato.stream @chain_13 : !dato.stream<i16, 2>
    dato.stream @chain_14 : !dato.stream<i16, 2>
    dato.stream @chain_15 : !dato.stream<i16, 2>
    dato.stream @chain_16 : !dato.stream<i16, 2>
    dato.group @pe_g0 of @pe grid [17] (%A : memref<128x128xi16>, %B : memref<128x16xi16>, %C : memref<128x16xi16>) ports [] instances [
      @pe_0 pid [0] offsets [[0, 0], [0, 0], [0, 0]] streams []
    ] {
    ^bb0(%A_1: memref<128x128xi16>, %B_1: memref<128x16xi16>, %C_1: memref<128x16xi16>):
      %0 = arith.constant 0 : index
      %1 = arith.constant 128 : index
      %2 = arith.constant 1 : index
      scf.for %i = %0 to %1 step %2 {
        scf.for %k = %0 to %1 step %2 {
          %3 = memref.load %A_1[%i, %k] : memref<128x128xi16>
          dato.put @chain_1, %3 : i16
        }
      }
    }
    dato.group @pe_g1 of @pe grid [17] (%A : memref<128x128xi16>, %B : memref<128x16xi16>, %C : memref<128x16xi16>) ports [@chain_in, @chain_out] instances [
      @pe_1 pid [1] offsets [[0, 0], [0, 0], [0, 0]] streams [@chain_1, @chain_2],
      @pe_2 pid [2] offsets [[0, 0], [0, 0], [0, 0]] streams [@chain_2, @chain_3],
      @pe_3 pid [3] offsets [[0, 0], [0, 0], [0, 0]] streams [@chain_3, @chain_4],
      @pe_4 pid [4] offsets [[0, 0], [0, 0], [0, 0]] streams [@chain_4, @chain_5],
      @pe_5 pid [5] offsets [[0, 0], [0, 0], [0, 0]] streams [@chain_5, @chain_6],
      @pe_6 pid [6] offsets [[0, 0], [0, 0], [0, 0]] streams [@chain_6, @chain_7],
      @pe_7 pid [7] offsets [[0, 0], [0, 0], [0, 0]] streams [@chain_7, @chain_8],
      @pe_8 pid [8] offsets [[0, 0], [0, 0], [0, 0]] streams [@chain_8, @chain_9],
      @pe_9 pid [9] offsets [[0, 0], [0, 0], [0, 0]] streams [@chain_9, @chain_10],
      @pe_10 pid [10] offsets [[0, 0], [0, 0], [0, 0]] streams [@chain_10, @chain_11],
      @pe_11 pid [11] offsets [[0, 0], [0, 0], [0, 0]] streams [@chain_11, @chain_12],
      @pe_12 pid [12] offsets [[0, 0], [0, 0], [0, 0]] streams [@chain_12, @chain_13],
      @pe_13 pid [13] offsets [[0, 0], [0, 0], [0, 0]] streams [@chain_13, @chain_14],
      @pe_14 pid [14] offsets [[0, 0], [0, 0], [0, 0]] streams [@chain_14, @chain_15],
      @pe_15 pid [15] offsets [[0, 0], [0, 0], [0, 0]] streams [@chain_15, @chain_16]
    ] {
    ^bb0(%A_1: memref<128x128xi16>, %B_1: memref<128x16xi16>, %C_1: memref<128x16xi16>):
      %pi = dato.pid : index
      %acc = memref.alloca() : memref<i16>
      %0 = arith.constant 0 : index
      %1 = arith.constant 128 : index
      %2 = arith.constant 1 : index
      scf.for %i = %0 to %1 step %2 {
        %3 = arith.constant 0 : i16
        memref.store %3, %acc[] : memref<i16>
        scf.for %k = %0 to %1 step %2 {
          %4 = dato.get @chain_in : i16
          dato.put @chain_out, %4 : i16
          %5 = memref.load %acc[] : memref<i16>
          %6 = arith.subi %pi, %2 : index
          %7 = memref.load %B_1[%k, %6] : memref<128x16xi16>
          %8 = arith.muli %4, %7 : i16
          %9 = arith.addi %5, %8 : i16
          memref.store %9, %acc[] : memref<i16>
        }
        %10 = memref.load %acc[] : memref<i16>
        %11 = arith.subi %pi, %2 : index
        memref.store %10, %C_1[%i, %11] : memref<128x16xi16>
      }
    }
    dato.group @pe_g2 of @pe grid [17] (%A : memref<128x128xi16>, %B : memref<128x16xi16>, %C : memref<128x16xi16>) ports [] instances [
      @pe_16 pid [16] offsets [[0, 0], [0, 0], [0, 0]] streams []
    ] {
    ^bb0(%A_1: memref<128x128xi16>, %B_1: memref<128x16xi16>, %C_1: memref<128x16xi16>):
      %pi = arith.constant 16 : index
      %acc = memref.alloca() : memref<i16>
      %0 = arith.constant 0 : index
      %1 = arith.constant 128 : index
      %2 = arith.constant 1 : index
      scf.for %i = %0 to %1 step %2 {
        %3 = arith.constant 0 : i16
        memref.store %3, %acc[] : memref<i16>
        scf.for %k = %0 to %1 step %2 {
          %4 = dato.get @chain_16 : i16
          %5 = memref.load %acc[] : memref<i16>
          %6 = arith.subi %pi, %2 : index
          %7 = memref.load %B_1[%k, %6] : memref<128x16xi16>
          %8 = arith.muli %4, %7 : i16
          %9 = arith.addi %5, %8 : i16
          memref.store %9, %acc[] : memref<i16>
        }
        %10 = memref.load %acc[] : memref<i16>
        %11 = arith.subi %pi, %2 : index
        memref.store %10, %C_1[%i, %11] : memref<128x16xi16>
      }
    }
  }
}

// -----

// systolic_1d(int16, 128, 15, 128): 16 instances, one a core: the loader
// holds its 32 KiB A whole, as before.
// CHECK:       dato.group @pe_g0 of @pe grid [16]
// CHECK:         memref.load %A_1[%i, %k] : memref<128x128xi16>
// CHECK-NOT:   dato.row_loop

builtin.module {
  dato.region @top(%A: memref<128x128xi16>, %B: memref<128x15xi16>, %C: memref<128x15xi16>) {
    dato.stream @chain_1 : !dato.stream<i16, 2>
    dato.stream @chain_2 : !dato.stream<i16, 2>
    dato.stream @chain_3 : !dato.stream<i16, 2>
    dato.stream @chain_4 : !dato.stream<i16, 2>
    dato.stream @chain_5 : !dato.stream<i16, 2>
    dato.stream @chain_6 : !dato.stream<i16, 2>
    dato.stream @chain_7 : !dato.stream<i16, 2>
    dato.stream @chain_8 : !dato.stream<i16, 2>
    dato.stream @chain_9 : !dato.stream<i16, 2>
    dato.stream @chain_10 : !dato.stream<i16, 2>
    dato.stream @chain_11 : !dato.stream<i16, 2>
    dato.stream @chain_12 : !dato.stream<i16, 2>
    dato.stream @chain_13 : !dato.stream<i16, 2>
    dato.stream @chain_14 : !dato.stream<i16, 2>
    dato.stream @chain_15 : !dato.stream<i16, 2>
    dato.group @pe_g0 of @pe grid [16] (%A : memref<128x128xi16>, %B : memref<128x15xi16>, %C : memref<128x15xi16>) ports [] instances [
      @pe_0 pid [0] offsets [[0, 0], [0, 0], [0, 0]] streams []
    ] {
    ^bb0(%A_1: memref<128x128xi16>, %B_1: memref<128x15xi16>, %C_1: memref<128x15xi16>):
      %0 = arith.constant 0 : index
      %1 = arith.constant 128 : index
      %2 = arith.constant 1 : index
      scf.for %i = %0 to %1 step %2 {
        scf.for %k = %0 to %1 step %2 {
          %3 = memref.load %A_1[%i, %k] : memref<128x128xi16>
          dato.put @chain_1, %3 : i16
        }
      }
    }
    dato.group @pe_g1 of @pe grid [16] (%A : memref<128x128xi16>, %B : memref<128x15xi16>, %C : memref<128x15xi16>) ports [@chain_in, @chain_out] instances [
      @pe_1 pid [1] offsets [[0, 0], [0, 0], [0, 0]] streams [@chain_1, @chain_2],
      @pe_2 pid [2] offsets [[0, 0], [0, 0], [0, 0]] streams [@chain_2, @chain_3],
      @pe_3 pid [3] offsets [[0, 0], [0, 0], [0, 0]] streams [@chain_3, @chain_4],
      @pe_4 pid [4] offsets [[0, 0], [0, 0], [0, 0]] streams [@chain_4, @chain_5],
      @pe_5 pid [5] offsets [[0, 0], [0, 0], [0, 0]] streams [@chain_5, @chain_6],
      @pe_6 pid [6] offsets [[0, 0], [0, 0], [0, 0]] streams [@chain_6, @chain_7],
      @pe_7 pid [7] offsets [[0, 0], [0, 0], [0, 0]] streams [@chain_7, @chain_8],
      @pe_8 pid [8] offsets [[0, 0], [0, 0], [0, 0]] streams [@chain_8, @chain_9],
      @pe_9 pid [9] offsets [[0, 0], [0, 0], [0, 0]] streams [@chain_9, @chain_10],
      @pe_10 pid [10] offsets [[0, 0], [0, 0], [0, 0]] streams [@chain_10, @chain_11],
      @pe_11 pid [11] offsets [[0, 0], [0, 0], [0, 0]] streams [@chain_11, @chain_12],
      @pe_12 pid [12] offsets [[0, 0], [0, 0], [0, 0]] streams [@chain_12, @chain_13],
      @pe_13 pid [13] offsets [[0, 0], [0, 0], [0, 0]] streams [@chain_13, @chain_14],
      @pe_14 pid [14] offsets [[0, 0], [0, 0], [0, 0]] streams [@chain_14, @chain_15]
    ] {
    ^bb0(%A_1: memref<128x128xi16>, %B_1: memref<128x15xi16>, %C_1: memref<128x15xi16>):
      %pi = dato.pid : index
      %acc = memref.alloca() : memref<i16>
      %0 = arith.constant 0 : index
      %1 = arith.constant 128 : index
      %2 = arith.constant 1 : index
      scf.for %i = %0 to %1 step %2 {
        %3 = arith.constant 0 : i16
        memref.store %3, %acc[] : memref<i16>
        scf.for %k = %0 to %1 step %2 {
          %4 = dato.get @chain_in : i16
          dato.put @chain_out, %4 : i16
          %5 = memref.load %acc[] : memref<i16>
          %6 = arith.subi %pi, %2 : index
          %7 = memref.load %B_1[%k, %6] : memref<128x15xi16>
          %8 = arith.muli %4, %7 : i16
          %9 = arith.addi %5, %8 : i16
          memref.store %9, %acc[] : memref<i16>
        }
        %10 = memref.load %acc[] : memref<i16>
        %11 = arith.subi %pi, %2 : index
        memref.store %10, %C_1[%i, %11] : memref<128x15xi16>
      }
    }
    dato.group @pe_g2 of @pe grid [16] (%A : memref<128x128xi16>, %B : memref<128x15xi16>, %C : memref<128x15xi16>) ports [] instances [
      @pe_15 pid [15] offsets [[0, 0], [0, 0], [0, 0]] streams []
    ] {
    ^bb0(%A_1: memref<128x128xi16>, %B_1: memref<128x15xi16>, %C_1: memref<128x15xi16>):
      %pi = arith.constant 15 : index
      %acc = memref.alloca() : memref<i16>
      %0 = arith.constant 0 : index
      %1 = arith.constant 128 : index
      %2 = arith.constant 1 : index
      scf.for %i = %0 to %1 step %2 {
        %3 = arith.constant 0 : i16
        memref.store %3, %acc[] : memref<i16>
        scf.for %k = %0 to %1 step %2 {
          %4 = dato.get @chain_15 : i16
          %5 = memref.load %acc[] : memref<i16>
          %6 = arith.subi %pi, %2 : index
          %7 = memref.load %B_1[%k, %6] : memref<128x15xi16>
          %8 = arith.muli %4, %7 : i16
          %9 = arith.addi %5, %8 : i16
          memref.store %9, %acc[] : memref<i16>
        }
        %10 = memref.load %acc[] : memref<i16>
        %11 = arith.subi %pi, %2 : index
        memref.store %10, %C_1[%i, %11] : memref<128x15xi16>
      }
    }
  }
}
