// RUN: dato-opt %s -t vhls-cpp | filecheck %s

// The program's schedule and a constant table in the C++: vhls.for's pipeline
// and unroll become pragmas in the loop, vhls.array_partition a pragma after
// the array (also on an argument: a ping-pong buffer), a memref.get_global of a
// constant memref.global a static const array (a ROM), its initialiser nested
// by dims. (Input: convert-dato-to-vhls of a scheduled dato region.)

builtin.module {
  memref.global "private" constant @rom : memref<2x2xi32> = dense<[[1, 2], [3, 4]]>
  vhls.process @k task literals 0 (%a: memref<16xi32>, %b_out: !vhls.stream<i32, 2>, %b_written: !vhls.stream<i1, 2>) {
    vhls.array_partition %a cyclic factor 4 dim 1 : memref<16xi32>
    %b = memref.alloca() : memref<16xi32>
    %b_written_1 = memref.alloca() : memref<16xi1>
    %rom = memref.get_global @rom : memref<2x2xi32>
    %buf = memref.alloc() : memref<16xi32>
    vhls.array_partition %buf block factor 2 dim 0 : memref<16xi32>
    %c0 = arith.constant 0 : index
    %c16 = arith.constant 16 : index
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    vhls.for "i" %i = %c0 to %c16 step %c1 pipeline 2 unroll 4 {
      %x = memref.load %a[%i] : memref<16xi32>
      memref.store %x, %buf[%i] : memref<16xi32>
    }
    vhls.for "o" %o = %c0 to %c16 step %c4 pipeline 1 {
      vhls.for "j" %j = %c0 to %c4 step %c1 unroll 0 {
        %at = arith.addi %o, %j : index
        %y0 = memref.load %buf[%at] : memref<16xi32>
        %r = memref.load %rom[%c1, %c0] : memref<2x2xi32>
        %y = arith.addi %y0, %r : i32
        memref.store %y, %b[%at] : memref<16xi32>
        %0 = arith.constant true
        memref.store %0, %b_written_1[%at] : memref<16xi1>
      }
    }
    %1 = arith.constant 0 : index
    %2 = arith.constant 1 : index
    %3 = arith.constant 16 : index
    vhls.for "b_w0" %b_w0 = %1 to %3 step %2 pipeline 1 {
      %4 = memref.load %b[%b_w0] : memref<16xi32>
      %5 = memref.load %b_written_1[%b_w0] : memref<16xi1>
      vhls.write %b_out, %4 : !vhls.stream<i32, 2>
      vhls.write %b_written, %5 : !vhls.stream<i1, 2>
    }
  }
  vhls.process @k_a_fill fill literals 0 (%a_in: !vhls.stream<i32, 2>, %a: memref<16xi32>) {
    vhls.array_partition %a cyclic factor 4 dim 1 : memref<16xi32>
    %0 = arith.constant 0 : index
    %1 = arith.constant 1 : index
    %2 = arith.constant 16 : index
    vhls.for "a_r0" %a_r0 = %0 to %2 step %1 pipeline 1 {
      %3 = vhls.read %a_in : !vhls.stream<i32, 2> -> i32
      memref.store %3, %a[%a_r0] : memref<16xi32>
    }
  }
  vhls.process @load_A load literals 0 (%A: memref<16xi32>, %A_to_k: !vhls.stream<i32, 2>) {
    %0 = arith.constant 0 : index
    %1 = arith.constant 1 : index
    %2 = arith.constant 16 : index
    vhls.for "k_0_0" %k_0 = %0 to %2 step %1 pipeline 1 {
      %3 = memref.load %A[%k_0] : memref<16xi32>
      vhls.write %A_to_k, %3 : !vhls.stream<i32, 2>
    }
  }
  vhls.process @store_B store literals 0 (%B: memref<16xi32>, %k_0_to_B: !vhls.stream<i32, 2>, %k_0_to_B_written: !vhls.stream<i1, 2>) {
    %0 = arith.constant 0 : index
    %1 = arith.constant 1 : index
    %2 = arith.constant 16 : index
    vhls.for "k_0_0" %k_0 = %0 to %2 step %1 pipeline 1 {
      %3 = vhls.read %k_0_to_B : !vhls.stream<i32, 2> -> i32
      %4 = vhls.read %k_0_to_B_written : !vhls.stream<i1, 2> -> i1
      scf.if %4 {
        memref.store %3, %B[%k_0] : memref<16xi32>
      }
    }
  }
  vhls.kernel @top(%A: memref<16xi32>, %B: memref<16xi32>) interfaces [#vhls.interface<m_axi bundle "gmem_A" offset slave>, #vhls.interface<m_axi bundle "gmem_B" offset slave>] {
    vhls.dataflow {
      %0 = vhls.stream "A_to_k_0" : !vhls.stream<i32, 2>
      %1 = vhls.stream "k_0_to_B" : !vhls.stream<i32, 2>
      %2 = vhls.stream "k_0_to_B_written" : !vhls.stream<i1, 2>
      %3 = vhls.pipo "k_0_a" : memref<16xi32>
      vhls.call @load_A [] (%A, %0) instance "load_A" : (memref<16xi32>, !vhls.stream<i32, 2>)
      vhls.call @k_a_fill [] (%0, %3) instance "k_0_a_fill" : (!vhls.stream<i32, 2>, memref<16xi32>)
      vhls.call @k [] (%3, %1, %2) instance "k_0" : (memref<16xi32>, !vhls.stream<i32, 2>, !vhls.stream<i1, 2>)
      vhls.call @store_B [] (%B, %1, %2) instance "store_B" : (memref<16xi32>, !vhls.stream<i32, 2>, !vhls.stream<i1, 2>)
    }
  }
}


// CHECK-LABEL: static void k(int32_t a[16], hls::stream<int32_t>& b_out, hls::stream<bool>& b_written) {
// CHECK-NEXT:  #pragma HLS inline off
// CHECK-NEXT:  #pragma HLS array_partition variable=a type=cyclic factor=4 dim=1
// CHECK:         static const int32_t rom[2][2] = {{[{][{]}}(int32_t)1, (int32_t)2}, {(int32_t)3, (int32_t)4{{[}][}]}};
// CHECK-NEXT:    int32_t buf[16] = {};
// CHECK-NEXT:  #pragma HLS array_partition variable=buf type=block factor=2 dim=0
// CHECK-NEXT:    i: for (int i = 0; i < 16; i++) {
// CHECK-NEXT:  #pragma HLS pipeline II=2
// CHECK-NEXT:  #pragma HLS unroll factor=4
// CHECK:         o: for (int o = 0; o < 16; o += 4) {
// CHECK-NEXT:  #pragma HLS pipeline II=1
// CHECK-NEXT:      j: for (int j = 0; j < 4; j++) {
// CHECK-NEXT:  #pragma HLS unroll
// CHECK:             const int32_t r = rom[1][0];

// CHECK-LABEL: static void k_a_fill(hls::stream<int32_t>& a_in, int32_t a[16]) {
// CHECK-NEXT:  #pragma HLS inline off
// CHECK-NEXT:  #pragma HLS array_partition variable=a type=cyclic factor=4 dim=1
