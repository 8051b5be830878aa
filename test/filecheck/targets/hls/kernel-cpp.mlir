// RUN: dato-opt %s -t vhls-cpp | filecheck %s

// Golden C++ of the key constructs: processes with literal pid parameters,
// stream reads/writes, the top's interfaces, dataflow region and streams.

builtin.module {
  vhls.process @prod task literals 0 (%pipe: !vhls.stream<i32, 2>, %pipe_1: !vhls.stream<i32, 2>, %a_in: !vhls.stream<i32, 2>) {
    %a = memref.alloca() : memref<4xi32>
    %0 = arith.constant 0 : index
    %1 = arith.constant 1 : index
    %2 = arith.constant 4 : index
    vhls.for "a_r0" %a_r0 = %0 to %2 step %1 pipeline 1 {
      %3 = vhls.read %a_in : !vhls.stream<i32, 2> -> i32
      memref.store %3, %a[%a_r0] : memref<4xi32>
    }
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c3 = arith.constant 3 : index
    %x0 = memref.load %a[%c0] : memref<4xi32>
    vhls.write %pipe, %x0 : !vhls.stream<i32, 2>
    %x1 = memref.load %a[%c1] : memref<4xi32>
    vhls.write %pipe, %x1 : !vhls.stream<i32, 2>
    %x2 = memref.load %a[%c2] : memref<4xi32>
    vhls.write %pipe_1, %x2 : !vhls.stream<i32, 2>
    %x3 = memref.load %a[%c3] : memref<4xi32>
    vhls.write %pipe_1, %x3 : !vhls.stream<i32, 2>
  }
  vhls.process @sum task literals 2 (%p0: index, %c_o0: index, %in: !vhls.stream<i32, 2>, %c_out: !vhls.stream<i32, 2>, %c_written: !vhls.stream<i1, 2>) {
    %c = memref.alloca() : memref<1xi32>
    %c_written_1 = memref.alloca() : memref<1xi1>
    %acc = memref.alloca() : memref<i32>
    %zero = arith.constant 0 : i32
    memref.store %zero, %acc[] : memref<i32>
    %lb = arith.constant 0 : index
    %ub = arith.constant 2 : index
    %st = arith.constant 1 : index
    vhls.for "k" %k = %lb to %ub step %st pipeline 1 {
      %v = vhls.read %in : !vhls.stream<i32, 2> -> i32
      %old = memref.load %acc[] : memref<i32>
      %new = arith.addi %old, %v : i32
      memref.store %new, %acc[] : memref<i32>
    }
    %r = memref.load %acc[] : memref<i32>
    %0 = arith.subi %p0, %c_o0 : index
    memref.store %r, %c[%0] {vhls.window = array<i64: 2>} : memref<1xi32>
    %1 = arith.constant true
    memref.store %1, %c_written_1[%0] : memref<1xi1>
    %2 = arith.constant 0 : index
    %3 = arith.constant 1 : index
    %4 = arith.constant 1 : index
    vhls.for "c_w0" %c_w0 = %2 to %4 step %3 pipeline 1 {
      %5 = memref.load %c[%c_w0] : memref<1xi32>
      %6 = memref.load %c_written_1[%c_w0] : memref<1xi1>
      vhls.write %c_out, %5 : !vhls.stream<i32, 2>
      vhls.write %c_written, %6 : !vhls.stream<i1, 2>
    }
  }
  vhls.process @load_A load literals 0 (%A: memref<4xi32>, %A_to_prod: !vhls.stream<i32, 2>) {
    %0 = arith.constant 0 : index
    %1 = arith.constant 1 : index
    %2 = arith.constant 4 : index
    vhls.for "prod_0_0" %prod_0 = %0 to %2 step %1 pipeline 1 {
      %3 = memref.load %A[%prod_0] : memref<4xi32>
      vhls.write %A_to_prod, %3 : !vhls.stream<i32, 2>
    }
  }
  vhls.process @store_C store literals 0 (%C: memref<2xi32>, %sum_0_to_C: !vhls.stream<i32, 2>, %sum_0_to_C_written: !vhls.stream<i1, 2>, %sum_1_to_C: !vhls.stream<i32, 2>, %sum_1_to_C_written: !vhls.stream<i1, 2>) {
    %0 = arith.constant 0 : index
    %1 = arith.constant 1 : index
    %2 = arith.constant 1 : index
    vhls.for "sum_0_0" %sum_0 = %0 to %2 step %1 pipeline 1 {
      %3 = vhls.read %sum_0_to_C : !vhls.stream<i32, 2> -> i32
      %4 = vhls.read %sum_0_to_C_written : !vhls.stream<i1, 2> -> i1
      scf.if %4 {
        memref.store %3, %C[%sum_0] : memref<2xi32>
      }
    }
    %5 = arith.constant 0 : index
    %6 = arith.constant 1 : index
    %7 = arith.constant 1 : index
    vhls.for "sum_1_0" %sum_1 = %5 to %7 step %6 pipeline 1 {
      %8 = arith.constant 1 : index
      %9 = arith.addi %sum_1, %8 : index
      %10 = vhls.read %sum_1_to_C : !vhls.stream<i32, 2> -> i32
      %11 = vhls.read %sum_1_to_C_written : !vhls.stream<i1, 2> -> i1
      scf.if %11 {
        memref.store %10, %C[%9] : memref<2xi32>
      }
    }
  }
  vhls.kernel @top(%A: memref<4xi32>, %C: memref<2xi32>) interfaces [#vhls.interface<m_axi bundle "gmem_A" offset slave>, #vhls.interface<m_axi bundle "gmem_C" offset slave>] {
    vhls.dataflow {
      %0 = vhls.stream "pipe_0" : !vhls.stream<i32, 2>
      %1 = vhls.stream "pipe_1" : !vhls.stream<i32, 2>
      %2 = vhls.stream "A_to_prod_0" : !vhls.stream<i32, 2>
      %3 = vhls.stream "sum_0_to_C" : !vhls.stream<i32, 2>
      %4 = vhls.stream "sum_0_to_C_written" : !vhls.stream<i1, 2>
      %5 = vhls.stream "sum_1_to_C" : !vhls.stream<i32, 2>
      %6 = vhls.stream "sum_1_to_C_written" : !vhls.stream<i1, 2>
      vhls.call @load_A [] (%A, %2) instance "load_A" : (memref<4xi32>, !vhls.stream<i32, 2>)
      vhls.call @prod [] (%0, %1, %2) instance "prod_0" : (!vhls.stream<i32, 2>, !vhls.stream<i32, 2>, !vhls.stream<i32, 2>)
      vhls.call @sum [0, 0] (%0, %3, %4) instance "sum_0" : (!vhls.stream<i32, 2>, !vhls.stream<i32, 2>, !vhls.stream<i1, 2>)
      vhls.call @sum [1, 1] (%1, %5, %6) instance "sum_1" : (!vhls.stream<i32, 2>, !vhls.stream<i32, 2>, !vhls.stream<i1, 2>)
      vhls.call @store_C [] (%C, %3, %4, %5, %6) instance "store_C" : (memref<2xi32>, !vhls.stream<i32, 2>, !vhls.stream<i1, 2>, !vhls.stream<i32, 2>, !vhls.stream<i1, 2>)
    }
  }
}


// CHECK:      #include "dato_hls.h"
// CHECK:      static void sum(const int p0, const int c_o0, hls::stream<int32_t>& in, hls::stream<int32_t>& c_out, hls::stream<bool>& c_written) {
// CHECK-NEXT: #pragma HLS inline off
// CHECK-NEXT:   int32_t c[1] = {};
// CHECK-NEXT:   bool c_written_1[1] = {};
// CHECK:        k: for (int k = 0; k < 2; k++) {
// CHECK-NEXT: #pragma HLS pipeline II=1
// CHECK-NEXT:     const int32_t v = in.read();
// CHECK-NEXT:     const int32_t old = acc;
// CHECK-NEXT:     const int32_t new_ = (int32_t)((uint32_t)old + (uint32_t)v);
// CHECK:        c[DATO_WINDOW_IDX(v_1, c_o0, 2, 1, "{{.*}}kernel-cpp.mlir:46:5: error: 'memref.store' op index %d of dimension 0 of 'c' is out of bounds for shape [2]")] = r;
// CHECK-NEXT:   c_written_1[DATO_IDX(v_1, 1, "{{.*}}")] = true;
// CHECK:      static void store_C(int32_t* C,
// CHECK:          if (v_1) {
// CHECK-NEXT:       C[(DATO_IDX(sum, 2, "{{.*}}"))] = v;
// CHECK:      extern "C" void top(int32_t* A, int32_t* C) {
// CHECK-NEXT: #pragma HLS interface mode=m_axi port=A bundle=gmem_A offset=slave depth=4
// CHECK-NEXT: #pragma HLS interface mode=s_axilite port=A bundle=control
// CHECK-NEXT: #pragma HLS interface mode=m_axi port=C bundle=gmem_C offset=slave depth=2
// CHECK-NEXT: #pragma HLS interface mode=s_axilite port=C bundle=control
// CHECK-NEXT: #pragma HLS interface mode=s_axilite port=return bundle=control
// CHECK-NEXT: #pragma HLS dataflow
// CHECK-NEXT:   hls::stream<int32_t, 2> pipe_0("pipe_0");
// CHECK-NEXT: #pragma HLS stream variable=pipe_0 depth=2
// CHECK:        DATO_DATAFLOW_BEGIN("top");
// CHECK-NEXT:   DATO_PROCESS("load_A", load_A, A, A_to_prod_0);
// CHECK-NEXT:   DATO_PROCESS("prod_0", prod, pipe_0, pipe_1, A_to_prod_0);
// CHECK-NEXT:   DATO_PROCESS("sum_0", sum, 0, 0, pipe_0, sum_0_to_C, sum_0_to_C_written);
// CHECK-NEXT:   DATO_PROCESS("sum_1", sum, 1, 1, pipe_1, sum_1_to_C, sum_1_to_C_written);
// CHECK-NEXT:   DATO_PROCESS("store_C", store_C, C, sum_0_to_C, sum_0_to_C_written, sum_1_to_C, sum_1_to_C_written);
// CHECK-NEXT:   DATO_DATAFLOW_END();
