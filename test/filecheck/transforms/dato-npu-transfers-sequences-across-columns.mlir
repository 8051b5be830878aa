// RUN: dato-opt %s -p dato-npu-transfers | filecheck %s

// dato-physical-map's output for fp.fir(int16, 40, 8) on npu1: 40 taps
// chained 2 or 4 to a core (12 chains of 2, 4 of 4), each core reading its
// taps' H values (one i16, padded to a 32-bit word) through one fifo. A
// column's cores read H sequences of two lengths, so one distribute per
// column and length needed more of the shim's 8 input channels than X and H
// leave; the sequences of one length share distributes across columns
// instead, balanced (12 cores of 2 steps: two of 6 parts), the cores in the
// order of their first blocks, and 4 cores of 4 steps share one, whose
// memtile holds all 4 steps (a stream joins the cores).
builtin.module {
  dato.region @top(%X: memref<8xi16>, %H: memref<40xi16>, %Y: memref<8xi16>) attributes {dato.device = "npu1", dato.padded_rows = array<i64: 1, 1, 2>} {
    dato.stream @xs_1 : !dato.stream<i16, 2>
    dato.stream @xs_2 : !dato.stream<i16, 2>
    dato.stream @xs_3 : !dato.stream<i16, 2>
    dato.stream @xs_4 : !dato.stream<i16, 2>
    dato.stream @xs_5 : !dato.stream<i16, 2>
    dato.stream @xs_6 : !dato.stream<i16, 2>
    dato.stream @xs_7 : !dato.stream<i16, 2>
    dato.stream @xs_8 : !dato.stream<i16, 2>
    dato.stream @xs_9 : !dato.stream<i16, 2>
    dato.stream @xs_10 : !dato.stream<i16, 2>
    dato.stream @xs_11 : !dato.stream<i16, 2>
    dato.stream @xs_12 : !dato.stream<i16, 2>
    dato.stream @xs_13 : !dato.stream<i16, 2>
    dato.stream @xs_14 : !dato.stream<i16, 2>
    dato.stream @xs_15 : !dato.stream<i16, 2>
    dato.stream @xs_16 : !dato.stream<i16, 2>
    dato.stream @xs_17 : !dato.stream<i16, 2>
    dato.stream @xs_18 : !dato.stream<i16, 2>
    dato.stream @xs_19 : !dato.stream<i16, 2>
    dato.stream @xs_20 : !dato.stream<i16, 2>
    dato.stream @xs_21 : !dato.stream<i16, 2>
    dato.stream @xs_22 : !dato.stream<i16, 2>
    dato.stream @xs_23 : !dato.stream<i16, 2>
    dato.stream @xs_24 : !dato.stream<i16, 2>
    dato.stream @xs_25 : !dato.stream<i16, 2>
    dato.stream @xs_26 : !dato.stream<i16, 2>
    dato.stream @xs_27 : !dato.stream<i16, 2>
    dato.stream @xs_28 : !dato.stream<i16, 2>
    dato.stream @xs_29 : !dato.stream<i16, 2>
    dato.stream @xs_30 : !dato.stream<i16, 2>
    dato.stream @xs_31 : !dato.stream<i16, 2>
    dato.stream @xs_32 : !dato.stream<i16, 2>
    dato.stream @xs_33 : !dato.stream<i16, 2>
    dato.stream @xs_34 : !dato.stream<i16, 2>
    dato.stream @xs_35 : !dato.stream<i16, 2>
    dato.stream @xs_36 : !dato.stream<i16, 2>
    dato.stream @xs_37 : !dato.stream<i16, 2>
    dato.stream @xs_38 : !dato.stream<i16, 2>
    dato.stream @xs_39 : !dato.stream<i16, 2>
    dato.stream @ys_1 : !dato.stream<i16, 2>
    dato.stream @ys_2 : !dato.stream<i16, 2>
    dato.stream @ys_3 : !dato.stream<i16, 2>
    dato.stream @ys_4 : !dato.stream<i16, 2>
    dato.stream @ys_5 : !dato.stream<i16, 2>
    dato.stream @ys_6 : !dato.stream<i16, 2>
    dato.stream @ys_7 : !dato.stream<i16, 2>
    dato.stream @ys_8 : !dato.stream<i16, 2>
    dato.stream @ys_9 : !dato.stream<i16, 2>
    dato.stream @ys_10 : !dato.stream<i16, 2>
    dato.stream @ys_11 : !dato.stream<i16, 2>
    dato.stream @ys_12 : !dato.stream<i16, 2>
    dato.stream @ys_13 : !dato.stream<i16, 2>
    dato.stream @ys_14 : !dato.stream<i16, 2>
    dato.stream @ys_15 : !dato.stream<i16, 2>
    dato.stream @ys_16 : !dato.stream<i16, 2>
    dato.stream @ys_17 : !dato.stream<i16, 2>
    dato.stream @ys_18 : !dato.stream<i16, 2>
    dato.stream @ys_19 : !dato.stream<i16, 2>
    dato.stream @ys_20 : !dato.stream<i16, 2>
    dato.stream @ys_21 : !dato.stream<i16, 2>
    dato.stream @ys_22 : !dato.stream<i16, 2>
    dato.stream @ys_23 : !dato.stream<i16, 2>
    dato.stream @ys_24 : !dato.stream<i16, 2>
    dato.stream @ys_25 : !dato.stream<i16, 2>
    dato.stream @ys_26 : !dato.stream<i16, 2>
    dato.stream @ys_27 : !dato.stream<i16, 2>
    dato.stream @ys_28 : !dato.stream<i16, 2>
    dato.stream @ys_29 : !dato.stream<i16, 2>
    dato.stream @ys_30 : !dato.stream<i16, 2>
    dato.stream @ys_31 : !dato.stream<i16, 2>
    dato.stream @ys_32 : !dato.stream<i16, 2>
    dato.stream @ys_33 : !dato.stream<i16, 2>
    dato.stream @ys_34 : !dato.stream<i16, 2>
    dato.stream @ys_35 : !dato.stream<i16, 2>
    dato.stream @ys_36 : !dato.stream<i16, 2>
    dato.stream @ys_37 : !dato.stream<i16, 2>
    dato.stream @ys_38 : !dato.stream<i16, 2>
    dato.stream @ys_39 : !dato.stream<i16, 2>
    dato.group @tap_g0 of @tap grid [40] (%X : memref<8xi16>, %H : memref<40xi16>, %Y : memref<8xi16>) ports [] instances [
      @tap_0 pid [0] offsets [[0], [0], [0]] streams []
    ] attributes {dato.tiles = array<i64: 0, 2>} {
    ^bb0(%x: memref<8xi16>, %h: memref<1xi16>, %y: memref<8xi16>):
      %prev = memref.alloca() : memref<i16>
      %xn = memref.alloca() : memref<i16>
      %acc = memref.alloca() : memref<i16>
      %0 = arith.constant 0 : i16
      memref.store %0, %prev[] : memref<i16>
      %1 = arith.constant 0 : index
      %2 = arith.constant 8 : index
      %3 = arith.constant 1 : index
      scf.for %n = %1 to %2 step %3 {
        %4 = memref.load %x[%n] : memref<8xi16>
        memref.store %4, %xn[] : memref<i16>
        %5 = memref.load %h[%1] : memref<1xi16>
        %6 = memref.load %xn[] : memref<i16>
        %7 = arith.muli %5, %6 : i16
        memref.store %7, %acc[] : memref<i16>
        %8 = memref.load %prev[] : memref<i16>
        dato.put @xs_1, %8 : i16
        %9 = memref.load %acc[] : memref<i16>
        dato.put @ys_1, %9 : i16
        %10 = memref.load %xn[] : memref<i16>
        memref.store %10, %prev[] : memref<i16>
      }
    }
    dato.group @tap_g1 of @tap grid [40] (%X : memref<8xi16>, %H : memref<40xi16>, %Y : memref<8xi16>) ports [@xs_in, @ys_in, @xs_out, @ys_out] instances [
      @tap_1 pid [1] offsets [[0], [1], [0]] streams [@xs_1, @ys_1, @xs_2, @ys_2],
      @tap_2 pid [2] offsets [[0], [2], [0]] streams [@xs_2, @ys_2, @xs_3, @ys_3],
      @tap_3 pid [3] offsets [[0], [3], [0]] streams [@xs_3, @ys_3, @xs_4, @ys_4],
      @tap_4 pid [4] offsets [[0], [4], [0]] streams [@xs_4, @ys_4, @xs_5, @ys_5],
      @tap_5 pid [5] offsets [[0], [5], [0]] streams [@xs_5, @ys_5, @xs_6, @ys_6],
      @tap_6 pid [6] offsets [[0], [6], [0]] streams [@xs_6, @ys_6, @xs_7, @ys_7],
      @tap_7 pid [7] offsets [[0], [7], [0]] streams [@xs_7, @ys_7, @xs_8, @ys_8],
      @tap_8 pid [8] offsets [[0], [8], [0]] streams [@xs_8, @ys_8, @xs_9, @ys_9],
      @tap_9 pid [9] offsets [[0], [9], [0]] streams [@xs_9, @ys_9, @xs_10, @ys_10],
      @tap_10 pid [10] offsets [[0], [10], [0]] streams [@xs_10, @ys_10, @xs_11, @ys_11],
      @tap_11 pid [11] offsets [[0], [11], [0]] streams [@xs_11, @ys_11, @xs_12, @ys_12],
      @tap_12 pid [12] offsets [[0], [12], [0]] streams [@xs_12, @ys_12, @xs_13, @ys_13],
      @tap_13 pid [13] offsets [[0], [13], [0]] streams [@xs_13, @ys_13, @xs_14, @ys_14],
      @tap_14 pid [14] offsets [[0], [14], [0]] streams [@xs_14, @ys_14, @xs_15, @ys_15],
      @tap_15 pid [15] offsets [[0], [15], [0]] streams [@xs_15, @ys_15, @xs_16, @ys_16],
      @tap_16 pid [16] offsets [[0], [16], [0]] streams [@xs_16, @ys_16, @xs_17, @ys_17],
      @tap_17 pid [17] offsets [[0], [17], [0]] streams [@xs_17, @ys_17, @xs_18, @ys_18],
      @tap_18 pid [18] offsets [[0], [18], [0]] streams [@xs_18, @ys_18, @xs_19, @ys_19],
      @tap_19 pid [19] offsets [[0], [19], [0]] streams [@xs_19, @ys_19, @xs_20, @ys_20],
      @tap_20 pid [20] offsets [[0], [20], [0]] streams [@xs_20, @ys_20, @xs_21, @ys_21],
      @tap_21 pid [21] offsets [[0], [21], [0]] streams [@xs_21, @ys_21, @xs_22, @ys_22],
      @tap_22 pid [22] offsets [[0], [22], [0]] streams [@xs_22, @ys_22, @xs_23, @ys_23],
      @tap_23 pid [23] offsets [[0], [23], [0]] streams [@xs_23, @ys_23, @xs_24, @ys_24],
      @tap_24 pid [24] offsets [[0], [24], [0]] streams [@xs_24, @ys_24, @xs_25, @ys_25],
      @tap_25 pid [25] offsets [[0], [25], [0]] streams [@xs_25, @ys_25, @xs_26, @ys_26],
      @tap_26 pid [26] offsets [[0], [26], [0]] streams [@xs_26, @ys_26, @xs_27, @ys_27],
      @tap_27 pid [27] offsets [[0], [27], [0]] streams [@xs_27, @ys_27, @xs_28, @ys_28],
      @tap_28 pid [28] offsets [[0], [28], [0]] streams [@xs_28, @ys_28, @xs_29, @ys_29],
      @tap_29 pid [29] offsets [[0], [29], [0]] streams [@xs_29, @ys_29, @xs_30, @ys_30],
      @tap_30 pid [30] offsets [[0], [30], [0]] streams [@xs_30, @ys_30, @xs_31, @ys_31],
      @tap_31 pid [31] offsets [[0], [31], [0]] streams [@xs_31, @ys_31, @xs_32, @ys_32],
      @tap_32 pid [32] offsets [[0], [32], [0]] streams [@xs_32, @ys_32, @xs_33, @ys_33],
      @tap_33 pid [33] offsets [[0], [33], [0]] streams [@xs_33, @ys_33, @xs_34, @ys_34],
      @tap_34 pid [34] offsets [[0], [34], [0]] streams [@xs_34, @ys_34, @xs_35, @ys_35],
      @tap_35 pid [35] offsets [[0], [35], [0]] streams [@xs_35, @ys_35, @xs_36, @ys_36],
      @tap_36 pid [36] offsets [[0], [36], [0]] streams [@xs_36, @ys_36, @xs_37, @ys_37],
      @tap_37 pid [37] offsets [[0], [37], [0]] streams [@xs_37, @ys_37, @xs_38, @ys_38],
      @tap_38 pid [38] offsets [[0], [38], [0]] streams [@xs_38, @ys_38, @xs_39, @ys_39]
    ] attributes {dato.tiles = array<i64: 0, 2, 0, 2, 0, 2, 0, 3, 0, 3, 0, 4, 0, 4, 0, 5, 0, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1, 4, 1, 4, 1, 4, 1, 4, 1, 3, 1, 3, 1, 3, 1, 3, 1, 2, 1, 2, 2, 2, 2, 2, 2, 3, 2, 3, 2, 4, 2, 4, 2, 5, 2, 5, 3, 5, 3, 5, 3, 4, 3, 4, 3, 3, 3, 3, 3, 2>} {
    ^bb0(%x: memref<8xi16>, %h: memref<1xi16>, %y: memref<8xi16>):
      %prev = memref.alloca() : memref<i16>
      %xn = memref.alloca() : memref<i16>
      %acc = memref.alloca() : memref<i16>
      %0 = arith.constant 0 : i16
      memref.store %0, %prev[] : memref<i16>
      %1 = arith.constant 0 : index
      %2 = arith.constant 8 : index
      %3 = arith.constant 1 : index
      scf.for %n = %1 to %2 step %3 {
        %4 = dato.get @xs_in : i16
        memref.store %4, %xn[] : memref<i16>
        %5 = dato.get @ys_in : i16
        %6 = memref.load %h[%1] : memref<1xi16>
        %7 = memref.load %xn[] : memref<i16>
        %8 = arith.muli %6, %7 : i16
        %9 = arith.addi %5, %8 : i16
        memref.store %9, %acc[] : memref<i16>
        %10 = memref.load %prev[] : memref<i16>
        dato.put @xs_out, %10 : i16
        %11 = memref.load %acc[] : memref<i16>
        dato.put @ys_out, %11 : i16
        %12 = memref.load %xn[] : memref<i16>
        memref.store %12, %prev[] : memref<i16>
      }
    }
    dato.group @tap_g2 of @tap grid [40] (%X : memref<8xi16>, %H : memref<40xi16>, %Y : memref<8xi16>) ports [] instances [
      @tap_39 pid [39] offsets [[0], [39], [0]] streams []
    ] attributes {dato.tiles = array<i64: 3, 2>} {
    ^bb0(%x: memref<8xi16>, %h: memref<1xi16>, %y: memref<8xi16>):
      %xn = memref.alloca() : memref<i16>
      %acc = memref.alloca() : memref<i16>
      %0 = arith.constant 0 : index
      %1 = arith.constant 8 : index
      %2 = arith.constant 1 : index
      scf.for %n = %0 to %1 step %2 {
        %3 = dato.get @xs_39 : i16
        memref.store %3, %xn[] : memref<i16>
        %4 = dato.get @ys_39 : i16
        %5 = memref.load %h[%0] : memref<1xi16>
        %6 = memref.load %xn[] : memref<i16>
        %7 = arith.muli %5, %6 : i16
        %8 = arith.addi %4, %7 : i16
        memref.store %8, %acc[] : memref<i16>
        %9 = memref.load %acc[] : memref<i16>
        memref.store %9, %y[%n] : memref<8xi16>
      }
    }
    dato.chain [@tap_0, @tap_1, @tap_2, @tap_3] {dato.compiler_chosen, dato.cost_bytes = 96 : i64}
    dato.chain [@tap_4, @tap_5] {dato.compiler_chosen, dato.cost_bytes = 32 : i64}
    dato.chain [@tap_6, @tap_7] {dato.compiler_chosen, dato.cost_bytes = 32 : i64}
    dato.chain [@tap_8, @tap_9] {dato.compiler_chosen, dato.cost_bytes = 32 : i64}
    dato.chain [@tap_10, @tap_11, @tap_12, @tap_13] {dato.compiler_chosen, dato.cost_bytes = 96 : i64}
    dato.chain [@tap_14, @tap_15, @tap_16, @tap_17] {dato.compiler_chosen, dato.cost_bytes = 96 : i64}
    dato.chain [@tap_18, @tap_19, @tap_20, @tap_21] {dato.compiler_chosen, dato.cost_bytes = 96 : i64}
    dato.chain [@tap_22, @tap_23] {dato.compiler_chosen, dato.cost_bytes = 32 : i64}
    dato.chain [@tap_24, @tap_25] {dato.compiler_chosen, dato.cost_bytes = 32 : i64}
    dato.chain [@tap_26, @tap_27] {dato.compiler_chosen, dato.cost_bytes = 32 : i64}
    dato.chain [@tap_28, @tap_29] {dato.compiler_chosen, dato.cost_bytes = 32 : i64}
    dato.chain [@tap_30, @tap_31] {dato.compiler_chosen, dato.cost_bytes = 32 : i64}
    dato.chain [@tap_32, @tap_33] {dato.compiler_chosen, dato.cost_bytes = 32 : i64}
    dato.chain [@tap_34, @tap_35] {dato.compiler_chosen, dato.cost_bytes = 32 : i64}
    dato.chain [@tap_36, @tap_37] {dato.compiler_chosen, dato.cost_bytes = 32 : i64}
    dato.chain [@tap_38, @tap_39] {dato.compiler_chosen, dato.cost_bytes = 32 : i64}
  }
}

// CHECK-LABEL: aie.device(npu1) {
// CHECK:      aie.objectfifo @X_in0(%shim_c0, {%core_c0_r2}, 1 : i32)
// CHECK:      aie.objectfifo @H_in0_5(%mem_c0, {%core_c2_r3}, 1 : i32) : !aie.objectfifo<memref<2xi16>>
// CHECK-NEXT: aie.objectfifo @H_in0(%shim_c0, {%mem_c0}, 1 : i32)
// CHECK-NEXT: aie.objectfifo.link [@H_in0] -> [@H_in0_0, @H_in0_1, @H_in0_2, @H_in0_3, @H_in0_4, @H_in0_5]([] [0, 2, 4, 6, 8, 10])
// CHECK:      aie.objectfifo @H_in1_5(%mem_c2, {%core_c3_r2}, 1 : i32) : !aie.objectfifo<memref<2xi16>>
// CHECK-NEXT: aie.objectfifo @H_in1(%shim_c2, {%mem_c2}, 1 : i32)
// CHECK-NEXT: aie.objectfifo.link [@H_in1] -> [@H_in1_0, @H_in1_1, @H_in1_2, @H_in1_3, @H_in1_4, @H_in1_5]([] [0, 2, 4, 6, 8, 10])
// CHECK:      aie.objectfifo @H_in2_3(%mem_c1, {%core_c1_r3}, 1 : i32) : !aie.objectfifo<memref<2xi16>>
// CHECK-NEXT: aie.objectfifo @H_in2(%shim_c1, {%mem_c1}, 4 : i32)
// CHECK-NEXT: aie.objectfifo.link [@H_in2] -> [@H_in2_0, @H_in2_1, @H_in2_2, @H_in2_3]([] [0, 2, 4, 6])
// no other H transfer
// CHECK-NOT:  aie.objectfifo @H_in3
