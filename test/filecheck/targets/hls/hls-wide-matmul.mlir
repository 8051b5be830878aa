// RUN: dato-opt %s -t vhls-cpp | filecheck %s

// A matmul into integers wider than 64 bits accumulates in ap_int<n>; UInt
// operands (dato.cast = "unsigned") narrower than it widen unsigned, as the
// simulator reads them (they were sign-extended: 0xFFFFFFFF counted as -1).
// Integer operands of a float matmul round once to the accumulator's type
// (dato::itofp; a C cast of an ap_int<100> read its low 64 bits).

// CHECK:      ap_int<100> acc[2][2];
// CHECK:      acc[i][j] += (ap_int<100>)(uint32_t)a[(i) * 2 + (k)] * (ap_int<100>)(uint32_t)b[(k) * 2 + (j)];
// CHECK:      ap_int<100> acc_1[2][2];
// CHECK:      acc_1[i_1][j_1] += (ap_int<100>)a[(i_1) * 2 + (k_1)] * (ap_int<100>)b[(k_1) * 2 + (j_1)];
// CHECK:      float acc_2[2][2];
// CHECK:      acc_2[i_2][j_2] += dato::itofp<float>(w[(i_2) * 2 + (k_2)]) * dato::itofp<float>(w[(k_2) * 2 + (j_2)]);
// CHECK:      double acc_3[2][2];
// CHECK:      acc_3[i_3][j_3] += dato::itofp<double>(((ap_uint<100>)(w[(i_3) * 2 + (k_3)]))) * dato::itofp<double>(((ap_uint<100>)(w[(k_3) * 2 + (j_3)])));

builtin.module {
  vhls.process @k task literals 0 (%a: memref<2x2xi32>, %b: memref<2x2xi32>, %o: memref<2x2xi100>, %p: memref<2x2xi100>, %w: memref<2x2xi100>, %f: memref<2x2xf32>, %d: memref<2x2xf64>) {
    linalg.matmul {dato.cast = "unsigned"} ins(%a, %b : memref<2x2xi32>, memref<2x2xi32>) outs(%o : memref<2x2xi100>)
    linalg.matmul ins(%a, %b : memref<2x2xi32>, memref<2x2xi32>) outs(%p : memref<2x2xi100>)
    linalg.matmul ins(%w, %w : memref<2x2xi100>, memref<2x2xi100>) outs(%f : memref<2x2xf32>)
    linalg.matmul {dato.cast = "unsigned"} ins(%w, %w : memref<2x2xi100>, memref<2x2xi100>) outs(%d : memref<2x2xf64>)
  }
  vhls.kernel @top(%A: memref<2x2xi32>, %B: memref<2x2xi32>, %O: memref<2x2xi100>, %P: memref<2x2xi100>, %W: memref<2x2xi100>, %F: memref<2x2xf32>, %D: memref<2x2xf64>) interfaces [#vhls.interface<m_axi bundle "gmem_A" offset slave>, #vhls.interface<m_axi bundle "gmem_B" offset slave>, #vhls.interface<m_axi bundle "gmem_O" offset slave>, #vhls.interface<m_axi bundle "gmem_P" offset slave>, #vhls.interface<m_axi bundle "gmem_W" offset slave>, #vhls.interface<m_axi bundle "gmem_F" offset slave>, #vhls.interface<m_axi bundle "gmem_D" offset slave>] {
    vhls.dataflow {
      vhls.call @k [] (%A, %B, %O, %P, %W, %F, %D) instance "k_0" : (memref<2x2xi32>, memref<2x2xi32>, memref<2x2xi100>, memref<2x2xi100>, memref<2x2xi100>, memref<2x2xf32>, memref<2x2xf64>)
    }
  }
}
