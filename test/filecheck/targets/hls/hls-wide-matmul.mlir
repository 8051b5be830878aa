// RUN: dato-opt %s -t vhls-cpp | filecheck %s

// A matmul into integers wider than 64 bits accumulates in ap_int<n>; UInt
// operands (dato.cast = "unsigned") narrower than it widen unsigned, as the
// simulator reads them (they were sign-extended: 0xFFFFFFFF counted as -1).

// CHECK:      ap_int<100> acc[2][2];
// CHECK:      acc[i][j] += (ap_int<100>)(uint32_t)a[(i) * 2 + (k)] * (ap_int<100>)(uint32_t)b[(k) * 2 + (j)];
// CHECK:      ap_int<100> acc_1[2][2];
// CHECK:      acc_1[i_1][j_1] += (ap_int<100>)a[(i_1) * 2 + (k_1)] * (ap_int<100>)b[(k_1) * 2 + (j_1)];

builtin.module {
  vhls.process @k task literals 0 (%a: memref<2x2xi32>, %b: memref<2x2xi32>, %o: memref<2x2xi100>, %p: memref<2x2xi100>) {
    linalg.matmul {dato.cast = "unsigned"} ins(%a, %b : memref<2x2xi32>, memref<2x2xi32>) outs(%o : memref<2x2xi100>)
    linalg.matmul ins(%a, %b : memref<2x2xi32>, memref<2x2xi32>) outs(%p : memref<2x2xi100>)
  }
  vhls.kernel @top(%A: memref<2x2xi32>, %B: memref<2x2xi32>, %O: memref<2x2xi100>, %P: memref<2x2xi100>) interfaces [#vhls.interface<m_axi bundle "gmem_A" offset slave>, #vhls.interface<m_axi bundle "gmem_B" offset slave>, #vhls.interface<m_axi bundle "gmem_O" offset slave>, #vhls.interface<m_axi bundle "gmem_P" offset slave>] {
    vhls.dataflow {
      vhls.call @k [] (%A, %B, %O, %P) instance "k_0" : (memref<2x2xi32>, memref<2x2xi32>, memref<2x2xi100>, memref<2x2xi100>)
    }
  }
}
